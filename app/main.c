/*
 * dfota-station: the command line of docs/contract.md.
 *
 *   dfota-station [--config FILE] [--headless] [--once] ...   the station
 *   dfota-station <command> [ARGS]                            a command
 *
 * main() only dispatches: the first word names a command in app_commands
 * (one row per command, its code in app/cmd_<name>.c); anything else is the
 * station's own command line (app/run.c). The helpers every command shares,
 * loading the station file and a usage error, live here too.
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"

static const app_command app_commands[] = {
	{ "report",       app_report_main,       "summary, verify: read report CSVs (report --help)" },
	{ "check-config", app_check_config_main, "check a station file, list its packages" },
	{ "errors",       app_errors_main,       "what a module's error codes mean, per model" },
};

void
app_print_commands(FILE *out)
{
	for (size_t i = 0; i < sizeof app_commands / sizeof app_commands[0]; i++)
		fprintf(out, "  %-14s %s\n", app_commands[i].name, app_commands[i].summary);
}

int
app_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "dfota-station: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see dfota-station --help)\n");
	return APP_EXIT_USAGE;
}

int
app_load_config(const char *path, station_config *cfg, pkg_catalog *cat)
{
	char err[1024];

	if (path == NULL) {
		fprintf(stderr, "dfota-station: no station file: give --config FILE, or create "
		    "./station.cfg or /etc/dfota-station/station.cfg\n");
		return APP_EXIT_USAGE;
	}
	if (config_load(path, cfg, err, sizeof err) != 0) {
		fprintf(stderr, "dfota-station: %s\n", err);
		return APP_EXIT_USAGE;
	}
	if (pkg_catalog_load(cat, cfg, err, sizeof err) != 0) {
		fprintf(stderr, "dfota-station: %s\n", err);
		config_free(cfg);
		return APP_EXIT_USAGE;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 2) {
		for (size_t i = 0; i < sizeof app_commands / sizeof app_commands[0]; i++)
			if (strcmp(argv[1], app_commands[i].name) == 0)
				return app_commands[i].main(argc - 1, argv + 1);
	}
	return app_station_main(argc, argv);
}
