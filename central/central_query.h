/*
 * central_query: reading the audit store back, for `report summary --db`
 * and `report history`.
 *
 * dfota_units is read as text in the CSV's own spelling (times ISO 8601 UTC
 * with milliseconds, NULL as an empty field), under the CSV's column names,
 * so the summary's figures and groupings see exactly what a CSV gives them.
 */
#ifndef CENTRAL_QUERY_H
#define CENTRAL_QUERY_H

#include <stdbool.h>
#include <stdio.h>

#include "reports/summary.h"

/* A summary_source_fn: ctx is the connection URI. Every row of
 * dfota_units, in the order they arrived. */
int central_summary_source(void *ctx, summary_sink *sink, FILE *err);

/* `report history`: every row of one unit (IMEI), from the database (url,
 * may be NULL) and from the CSVs given, oldest first; as text, or as CSV
 * (csv true). 0 rows printed, 1 no row or the database cannot be reached,
 * 2 a file cannot be read. */
int central_history(const char *url, const char *imei, char *const *files, int nfiles,
                    bool csv, FILE *out, FILE *err);

#endif
