/*
 * report: the commands that read and sign report CSVs.
 * Each subcommand is a row; its code lives with the reports (reports/).
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

int
app_report_main(int argc, char **argv)
{
	if (argc >= 2) {
		for (size_t i = 0; i < sizeof report_commands / sizeof report_commands[0]; i++)
			if (strcmp(argv[1], report_commands[i].name) == 0)
				return report_commands[i].main(argc - 1, argv + 1);
	}
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: dfota-station report COMMAND [--help] ...\n\n");
		for (size_t i = 0; i < sizeof report_commands / sizeof report_commands[0]; i++)
			printf("  %-8s %s\n", report_commands[i].name, report_commands[i].summary);
		return 0;
	}
	return app_usage_error("%s", "report needs a command: summary, verify or sign "
	    "(dfota-station report --help)");
}
