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

#endif
