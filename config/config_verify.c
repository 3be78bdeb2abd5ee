/*
 * config_verify: `verify: { network; network_timeout; checks = ( ... ); }`.
 *
 * The group and each check are read through tables (config_field.c); then
 * the rules only this group has are checked, each error naming file, line
 * and setting: a check's name is its own (not a built-in check's, not used
 * twice) and fits the report's `checks` column; its expect compiles as a
 * POSIX extended regular expression (regcomp, as the station will use it);
 * its command only reads -- a command that would change the module
 * (dialects/checks.c has the table) is refused here, at load, rather than
 * found out on a unit.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config_verify.h"
#include "dialects/checks.h"

#define CFG_NELEM(a) (sizeof (a) / sizeof (a)[0])
#define CFG_VERIFY_PATH_MAX 64

static const cfg_field config_verify_fields[] = {
	{ .name = "network", .kind = CFG_FIELD_BOOL,
	  .offset = offsetof(cfg_verify, network) },
	{ .name = "network_timeout", .kind = CFG_FIELD_SECONDS,
	  .offset = offsetof(cfg_verify, network_timeout), .min = 0, .max = 86400 },
	{ .name = "checks", .kind = CFG_FIELD_LIST },
};

static bool
config_check_name(const char *s)
{
	return checks_name_ok(s) || checks_name_builtin(s);
}

static const cfg_field config_check_fields[] = {
	{ .name = "name", .kind = CFG_FIELD_STRING, .required = true,
	  .offset = offsetof(cfg_check, name),
	  .size = sizeof ((cfg_check *)0)->name,
	  .check = config_check_name,
	  .allowed = "a name of letters, digits, '-', '_' or '.' "
	             "(it is used in the report's checks column)" },
	{ .name = "command", .kind = CFG_FIELD_STRING, .required = true,
	  .offset = offsetof(cfg_check, command),
	  .size = sizeof ((cfg_check *)0)->command },
	{ .name = "expect", .kind = CFG_FIELD_STRING, .required = true,
	  .offset = offsetof(cfg_check, expect),
	  .size = sizeof ((cfg_check *)0)->expect },
};

static const config_setting_t *
config_verify_at(const config_setting_t *e, const char *name)
{
	const config_setting_t *s = config_member(e, name);

	return s != NULL ? s : e;
}

/* The rules of one check, after its settings are read. */
static int
config_check_rules(const cfg_ctx *ctx, const config_setting_t *e, size_t i,
                   const cfg_verify *v, const cfg_check *c)
{
	char        path[CFG_VERIFY_PATH_MAX], err[256], part[300];
	const char *why;
	regex_t     re;

	snprintf(path, sizeof path, "verify.checks[%zu].name", i);
	if (checks_name_builtin(c->name))
		return config_fail(ctx, config_verify_at(e, "name"), path,
		    "%s is a built-in check (%s, %s, %s, %s run by themselves); "
		    "give this check another name", c->name, CHECK_IMEI,
		    CHECK_NETWORK, CHECK_SUBEDITION, CHECK_SVN);
	for (size_t k = 0; k < i; k++) {
		if (strcmp(v->checks[k].name, c->name) == 0)
			return config_fail(ctx, config_verify_at(e, "name"), path,
			    "verify.checks[%zu] (line %d) has the same name; each "
			    "check needs its own", k, v->checks[k].line);
	}
	snprintf(path, sizeof path, "verify.checks[%zu].command", i);
	if ((why = checks_refused(c->command, part, sizeof part)) != NULL) {
		if (strcasecmp(part, c->command) == 0)
			return config_fail(ctx, config_verify_at(e, "command"), path,
			    "%s %s%s", c->command, why, strncmp(why, "does not", 8) == 0 ? "" :
			    "; a check may only read, never change the module");
		return config_fail(ctx, config_verify_at(e, "command"), path,
		    "%s (in \"%s\") %s; a check may only read, never change the "
		    "module", part, c->command, why);
	}
	snprintf(path, sizeof path, "verify.checks[%zu].expect", i);
	if (checks_regex_compile(&re, c->expect, err, sizeof err) != 0)
		return config_fail(ctx, config_verify_at(e, "expect"), path,
		    "must be a POSIX extended regular expression: %s, got \"%s\"",
		    err, c->expect);
	regfree(&re);
	return 0;
}

int
config_read_verify(const cfg_ctx *ctx, const config_setting_t *group,
                   station_config *cfg)
{
	cfg_verify             *v = &cfg->verify;
	const config_setting_t *list;
	size_t                  n;

	if (group == NULL)
		return 0;
	if (config_field_read(ctx, group, "verify", config_verify_fields,
	    CFG_NELEM(config_verify_fields), v) != 0)
		return -1;
	list = config_member(group, "checks");
	n = list != NULL ? (size_t)config_setting_length(list) : 0;
	v->checks = calloc(n + 1, sizeof *v->checks);
	if (v->checks == NULL)
		return config_fail(ctx, group, "verify.checks", "out of memory");
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		cfg_check              *c = &v->checks[i];
		char                    path[CFG_VERIFY_PATH_MAX];

		c->line = (int)config_setting_source_line(e);
		snprintf(path, sizeof path, "verify.checks[%zu]", i);
		if (config_field_read(ctx, e, path, config_check_fields,
		    CFG_NELEM(config_check_fields), c) != 0 ||
		    config_check_rules(ctx, e, i, v, c) != 0)
			return -1;
		v->nchecks++;
	}
	return 0;
}
