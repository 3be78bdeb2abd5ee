/*
 * check-config: loads a station file and its package catalog exactly as the
 * station would, and lists what it found (exit 0) or the first error with
 * file, line and setting (exit 2).
 *
 * Options follow docs/cli.md: getopt_long, -h/--help on stdout (exit 0),
 * anything unknown is the usage on stderr and exit 2.
 */
#include <getopt.h>
#include <stdio.h>

#include "app/app.h"

static const char check_usage[] =
"usage: dfota-station check-config FILE\n"
"\n"
"Loads the station file FILE and its packages as the station would (every\n"
"package file read and its sha256 checked) and lists what it found.\n"
"Exit status: 0 the file is good, 2 it is not (the message names file,\n"
"line and setting).\n"
"\n"
"  -h, --help   this text\n";

int
app_check_config_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	station_config cfg;
	pkg_catalog    cat;
	int            rc, ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(check_usage, stdout);
			return 0;
		}
		fputs(check_usage, stderr);
		return APP_EXIT_USAGE;
	}
	if (argc - optind != 1) {
		fputs("dfota-station check-config: needs exactly one FILE\n", stderr);
		fputs(check_usage, stderr);
		return APP_EXIT_USAGE;
	}
	if ((rc = app_load_config(argv[optind], &cfg, &cat)) != 0)
		return rc;
	printf("%s: ok\n", argv[optind]);
	printf("  station %s, reports in %s\n", cfg.name, cfg.reports_dir);
	printf("  report days in %s%s%s\n", cfg.timezone[0] ? cfg.timezone : "the machine's time zone",
	    cfg.signing_key[0] ? ", signed with " : "", cfg.signing_key);
	printf("  %zu slot(s), %zu package(s), %zu target(s)\n", cfg.nslots, cat.n, cfg.ntargets);
	for (size_t i = 0; i < cat.n; i++)
		printf("  package %s: %s %s -> %s, %s, sha256 %s\n", cat.items[i].name,
		    cat.items[i].model, cat.items[i].from, cat.items[i].to,
		    cat.items[i].url[0] ? "url" : "upload",
		    cat.items[i].sha256[0] ? cat.items[i].sha256 : "(not given)");
	for (size_t i = 0; i < cat.n; i++)
		if (cat.items[i].url[0]) {
			printf("  url packages: a module may take up to %g s to register "
			    "(verify.network_timeout)\n", cfg.verify.network_timeout);
			break;
		}
	if (cfg.verify.network)
		printf("  verify: network registration within %g s\n", cfg.verify.network_timeout);
	for (size_t i = 0; i < cfg.verify.nchecks; i++)
		printf("  verify check %s: %s, expect /%s/\n", cfg.verify.checks[i].name,
		    cfg.verify.checks[i].command, cfg.verify.checks[i].expect);
	pkg_catalog_free(&cat);
	config_free(&cfg);
	return 0;
}
