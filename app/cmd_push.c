/*
 * report push: sends the rows that wait for the line's audit store (the
 * station file's central.url), now, and says how many went.
 *
 *   dfota-station report push [--config FILE]
 *
 * Exit 0 when nothing waits any more, 1 when the database cannot be
 * reached or refuses (rows keep waiting), 2 usage or configuration error,
 * 3 the reports folder cannot be read. The station file is read without its
 * package catalog: pushing needs no package file.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "central/central.h"

static const char push_usage[] =
"usage: dfota-station report push [--config FILE]\n"
"\n"
"Sends the report rows that wait for the station's central.url database\n"
"(rows of the session CSVs in its reports folder that the database has not\n"
"acknowledged). Exit 0 when nothing waits any more, 1 when the database\n"
"cannot be reached or refuses them.\n";

static int
push_usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "dfota-station: report push: %s%s\n", what, arg);
	fputs(push_usage, stderr);
	return APP_EXIT_USAGE;
}

int
app_report_push_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char    *path = NULL;
	station_config cfg;
	char           err[1024];
	int            ch, rc;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'h': fputs(push_usage, stdout); return 0;
		case ':': return push_usage_error("a value is missing after ", argv[optind - 1]);
		default:  return push_usage_error("unknown option ", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return push_usage_error("unexpected argument ", argv[optind]);
	if (path == NULL)
		path = config_default_path();
	if (path == NULL)
		return push_usage_error("no station file: give --config FILE", "");
	if (config_load(path, &cfg, err, sizeof err) != 0) {
		fprintf(stderr, "dfota-station: %s\n", err);
		return APP_EXIT_USAGE;
	}
	if (cfg.central.url[0] == '\0') {
		fprintf(stderr, "dfota-station: %s: central.url: not set; there is no database "
		    "to push to (add central: { url = \"postgresql://...\"; };)\n", cfg.path);
		config_free(&cfg);
		return APP_EXIT_USAGE;
	}
	rc = central_push(cfg.central.url, cfg.reports_dir, cfg.name, stdout, stderr);
	config_free(&cfg);
	return rc;
}
