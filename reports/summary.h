/*
 * summary: `dfota-station report summary [--by model|slot|error|day|
 * station|operator|package] [--csv|--json] CSV...` reads session reports
 * and prints units, yield, first-pass and final yield by IMEI, counts per
 * result, failures per error (Pareto) and duration percentiles, overall
 * and per group.
 */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stdio.h>

/* argv[0] is the command's own name (e.g. "summary"); options and files
 * follow. Prints to stdout/stderr. 0, or 2 on a usage error or a file that
 * cannot be read as a session report (the message names it). */
int report_summary_main(int argc, char **argv);
/* The same, printing to out and err. */
int report_summary_run(int argc, char **argv, FILE *out, FILE *err);

/* Rows from elsewhere than files (the central store's dfota_units), through
 * the same figures: the source calls summary_sink_row once per row with the
 * column names (the CSV's) and the row's fields ("" for none). A source
 * returns 0, or -1 after writing why to err. With a source, CSV files are
 * optional; rows of both are counted together. */
typedef struct summary_sink summary_sink;
typedef int (*summary_source_fn)(void *ctx, summary_sink *sink, FILE *err);
int report_summary_run_source(int argc, char **argv, FILE *out, FILE *err,
                              summary_source_fn source, void *ctx);
int summary_sink_row(summary_sink *sink, int n, const char *const *names,
                     const char *const *fields);

#endif
