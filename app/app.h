/*
 * app: the program's composition root, dfota-station's command line.
 *
 * main.c dispatches on the first word through a table of commands (one row
 * per subcommand, each in a file of its own, app/cmd_<name>.c); without a
 * command word it runs the station (app/run.c). Nothing below app/ includes
 * it: the engine, the reports and the UI never know how they were wired.
 */
#ifndef DFOTA_APP_H
#define DFOTA_APP_H

#include <stdio.h>

#include "config/config.h"
#include "packages/pkg.h"

#define APP_EXIT_USAGE   2
#define APP_EXIT_STATION 3

/* A subcommand: argv[0] is its own name. Returns the exit status. */
typedef struct app_command {
	const char *name;
	int       (*main)(int argc, char **argv);
	const char *summary;     /* one line for the usage text */
} app_command;

/* One line per command of main.c's table ("  name  summary"), for the
 * usage text of dfota-station --help: a new row shows up there itself. */
void app_print_commands(FILE *out);
/* "dfota-station: <message>\n(see dfota-station --help)" on stderr;
 * returns APP_EXIT_USAGE. fmt takes one string. */
int  app_usage_error(const char *fmt, const char *arg);
/* Station file and catalog; 0 or APP_EXIT_USAGE (message on stderr). */
int  app_load_config(const char *path, station_config *cfg, pkg_catalog *cat);

/* The commands (one file each). */
int  app_report_main(int argc, char **argv);
int  app_check_config_main(int argc, char **argv);
int  app_errors_main(int argc, char **argv);
/* No command word: the station itself (app/run.c). */
int  app_station_main(int argc, char **argv);

#endif
