/*
 * report history: one unit's whole history, across stations and days.
 *
 *   dfota-station report history [--db URL] [--csv] IMEI [CSV...]
 *
 * From the line's audit store (--db) and/or session CSVs, oldest first; a
 * row found in both is printed once. Exit 0 rows printed, 1 no row or the
 * database cannot be reached, 2 usage or a file that cannot be read.
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "central/central_query.h"

static const char history_usage[] =
"usage: dfota-station report history [--db URL] [--csv] IMEI [CSV...]\n"
"\n"
"Every report row of one unit (by IMEI), oldest first: from the line's\n"
"database (--db postgresql://...) and/or the session CSVs given.\n"
"  --csv   the rows as CSV, every column, instead of text\n";

static int
history_usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "dfota-station: report history: %s%s\n", what, arg);
	fputs(history_usage, stderr);
	return APP_EXIT_USAGE;
}

int
app_report_history_main(int argc, char **argv)
{
	const char *db = NULL;
	bool        csv = false;
	int         i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(history_usage, stdout);
			return 0;
		} else if (strcmp(a, "--csv") == 0) {
			csv = true;
		} else if (strcmp(a, "--db") == 0 && i + 1 < argc) {
			db = argv[++i];
		} else if (strncmp(a, "--db=", 5) == 0) {
			db = a + 5;
		} else {
			return history_usage_error("unknown option ", a);
		}
	}
	if (i >= argc)
		return history_usage_error("an IMEI is needed", "");
	if (db == NULL && i + 1 >= argc)
		return history_usage_error("give --db URL or CSV files to read", "");
	return central_history(db, argv[i], argv + i + 1, argc - i - 1, csv, stdout, stderr);
}
