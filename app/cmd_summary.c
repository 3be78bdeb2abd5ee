/*
 * report summary: the figures of reports/summary.c over CSVs and, with
 * --db URL, over the rows of the line's audit store (dfota_units), fed to
 * the same accumulator under the CSV's column names, so every grouping
 * works alike on both.
 *
 *   dfota-station report summary [--by ...] [--csv|--json] [--db URL] [CSV...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "central/central_query.h"
#include "reports/summary.h"

int
app_report_summary_main(int argc, char **argv)
{
	const char *db = NULL;
	char      **rest;
	int         n = 0, rc;
	bool        help = false;

	rest = calloc((size_t)argc + 1, sizeof *rest);
	if (rest == NULL)
		return APP_EXIT_STATION;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				rest[n++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db = argv[++i];
		else if (strncmp(argv[i], "--db=", 5) == 0)
			db = argv[i] + 5;
		else {
			help |= strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
			rest[n++] = argv[i];
		}
	}
	rc = db != NULL ? report_summary_run_source(n, rest, stdout, stderr, central_summary_source,
	    (void *)db) : report_summary_run(n, rest, stdout, stderr);
	if (help)
		fputs("       --db URL   also the rows of the line's database (dfota_units)\n", stdout);
	free(rest);
	return rc;
}
