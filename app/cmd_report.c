/*
 * report: the commands that read and sign report CSVs.
 * Each subcommand is a row; its code lives with the reports (reports/).
 *
 * `report --help` lists the rows; `report SUBCOMMAND --help` is the
 * subcommand's own usage (docs/cli.md). A missing or unknown subcommand is
 * the list on stderr and exit 2.
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "reports/sign.h"
#include "reports/summary.h"
#include "reports/verify.h"

static const app_command report_commands[] = {
	{ "summary", report_summary_main, "yield, failures and durations of CSVs" },
	{ "verify",  report_verify_main,  "check the hash chain (and signature) of CSVs" },
	{ "sign",    report_sign_main,    "sign the chain head of CSVs with an Ed25519 key" },
};

#define REPORT_NCOMMANDS (sizeof report_commands / sizeof report_commands[0])

static int
report_usage(FILE *out, int status)
{
	fputs("usage: dfota-station report COMMAND [ARGS]   (report COMMAND --help)\n"
	    "\n"
	    "Commands:\n", out);
	for (size_t i = 0; i < REPORT_NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", report_commands[i].name, report_commands[i].summary);
	return status;
}

int
app_report_main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("dfota-station report: needs a command\n", stderr);
		return report_usage(stderr, APP_EXIT_USAGE);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return report_usage(stdout, 0);
	for (size_t i = 0; i < REPORT_NCOMMANDS; i++)
		if (strcmp(argv[1], report_commands[i].name) == 0)
			return report_commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "dfota-station report: unknown command '%s'\n", argv[1]);
	return report_usage(stderr, APP_EXIT_USAGE);
}
