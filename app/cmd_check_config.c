/*
 * check-config: loads a station file and its package catalog exactly as the
 * station would, and lists what it found (exit 0) or the first error with
 * file, line and setting (exit 2).
 */
#include <stdio.h>

#include "app/app.h"

int
app_check_config_main(int argc, char **argv)
{
	station_config cfg;
	pkg_catalog    cat;
	int            rc;

	if (argc != 2)
		return app_usage_error("%s", "check-config needs exactly one FILE");
	if ((rc = app_load_config(argv[1], &cfg, &cat)) != 0)
		return rc;
	printf("%s: ok\n", argv[1]);
	printf("  station %s, reports in %s\n", cfg.name, cfg.reports_dir);
	printf("  report days in %s%s%s\n", cfg.timezone[0] ? cfg.timezone : "the machine's time zone",
	    cfg.signing_key[0] ? ", signed with " : "", cfg.signing_key);
	printf("  %zu slot(s), %zu package(s), %zu target(s)\n", cfg.nslots, cat.n, cfg.ntargets);
	for (size_t i = 0; i < cat.n; i++)
		printf("  package %s: %s %s -> %s, %s, sha256 %s\n", cat.items[i].name,
		    cat.items[i].model, cat.items[i].from, cat.items[i].to,
		    cat.items[i].url[0] ? "url" : "upload",
		    cat.items[i].sha256[0] ? cat.items[i].sha256 : "(not given)");
	if (cfg.verify.network)
		printf("  verify: network registration within %g s\n", cfg.verify.network_timeout);
	for (size_t i = 0; i < cfg.verify.nchecks; i++)
		printf("  verify check %s: %s, expect /%s/\n", cfg.verify.checks[i].name,
		    cfg.verify.checks[i].command, cfg.verify.checks[i].expect);
	pkg_catalog_free(&cat);
	config_free(&cfg);
	return 0;
}

