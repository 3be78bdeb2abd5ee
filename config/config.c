/*
 * config: the station file into one validated station_config.
 *
 * How it works: libconfig parses the file (its syntax errors are passed on
 * with file and line); then the top level and the station, policy,
 * discovery and ui groups are read through tables (config_field.c) over a
 * struct that already holds the defaults, so that a setting left out simply
 * keeps its default. The lists (slots, packages, targets) and the rules
 * that span settings are in config_lists.c. Nothing is kept from libconfig:
 * every string is copied, the libconfig tree is destroyed before returning.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_field.h"
#include "config/config_lists.h"
#include "config/config_text.h"
#include "config/config_verify.h"

#define CFG_NELEM(a) (sizeof (a) / sizeof (a)[0])

/* The longest wait any policy timeout may ask for: a day. A larger value
 * is a typo (ms for s), not a plan. */
#define CFG_SECONDS_MAX 86400.0

static const cfg_field config_top_fields[] = {
	{ .name = "station",   .kind = CFG_FIELD_GROUP, .required = true },
	{ .name = "policy",    .kind = CFG_FIELD_GROUP },
	{ .name = "discovery", .kind = CFG_FIELD_GROUP },
	{ .name = "ui",        .kind = CFG_FIELD_GROUP },
	{ .name = "central",   .kind = CFG_FIELD_GROUP },
	{ .name = "slots",     .kind = CFG_FIELD_LIST },
	{ .name = "packages",  .kind = CFG_FIELD_LIST },
	{ .name = "targets",   .kind = CFG_FIELD_LIST },
	{ .name = "verify",    .kind = CFG_FIELD_GROUP },
};

/* An IANA zone name that this machine has: "Area/Place" spelled with
 * letters, digits, '/', '_', '-', '+', no "..", naming a TZif file under
 * $TZDIR or /usr/share/zoneinfo. glibc would take an unknown name silently
 * as UTC; a station must not split its days at the wrong hour unsaid. */
static bool
config_is_timezone(const char *s)
{
	const char *dir = getenv("TZDIR");
	char        path[CFG_PATH_MAX + 80], magic[4];
	FILE       *f;
	bool        ok;

	if (s[0] == '\0')
		return true;        /* as if left out: the machine's zone */
	if (s[0] == '/' || strstr(s, "..") != NULL ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_-+") != strlen(s))
		return false;
	snprintf(path, sizeof path, "%s/%s", dir != NULL && dir[0] ? dir : "/usr/share/zoneinfo", s);
	if ((f = fopen(path, "rb")) == NULL)
		return false;
	ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
	fclose(f);
	return ok;
}

static const cfg_field config_station_fields[] = {
	/* The name goes into report file names, hence the narrow alphabet. */
	{ .name = "name", .kind = CFG_FIELD_STRING, .required = true,
	  .offset = offsetof(station_config, name),
	  .size = sizeof ((station_config *)0)->name,
	  .check = config_field_is_name,
	  .allowed = "a name of letters, digits, '-', '_' or '.' "
	             "(it is used in report file names)" },
	{ .name = "operator", .kind = CFG_FIELD_STRING,
	  .offset = offsetof(station_config, operator_name),
	  .size = sizeof ((station_config *)0)->operator_name },
	{ .name = "reports_dir", .kind = CFG_FIELD_STRING,
	  .offset = offsetof(station_config, reports_dir),
	  .size = sizeof ((station_config *)0)->reports_dir },
	/* Decides the day of the daily report file (timestamps stay UTC). */
	{ .name = "timezone", .kind = CFG_FIELD_STRING,
	  .offset = offsetof(station_config, timezone),
	  .size = sizeof ((station_config *)0)->timezone,
	  .check = config_is_timezone,
	  .allowed = "an IANA time zone name such as \"Asia/Shanghai\" or \"UTC\" "
	             "(a file under /usr/share/zoneinfo); leave it out for the machine's zone" },
	{ .name = "signing_key", .kind = CFG_FIELD_STRING,
	  .offset = offsetof(station_config, signing_key),
	  .size = sizeof ((station_config *)0)->signing_key },
};

static const cfg_field config_policy_fields[] = {
	{ .name = "attempts", .kind = CFG_FIELD_INT,
	  .offset = offsetof(cfg_policy, attempts), .min = 1, .max = 10 },
	{ .name = "reboot_timeout", .kind = CFG_FIELD_SECONDS,
	  .offset = offsetof(cfg_policy, reboot_timeout),
	  .min = 0, .max = CFG_SECONDS_MAX },
	{ .name = "stall_timeout", .kind = CFG_FIELD_SECONDS,
	  .offset = offsetof(cfg_policy, stall_timeout),
	  .min = 0, .max = CFG_SECONDS_MAX },
	{ .name = "start_timeout", .kind = CFG_FIELD_SECONDS,
	  .offset = offsetof(cfg_policy, start_timeout),
	  .min = 0, .max = CFG_SECONDS_MAX },
	{ .name = "command_timeout", .kind = CFG_FIELD_SECONDS,
	  .offset = offsetof(cfg_policy, command_timeout),
	  .min = 0, .max = CFG_SECONDS_MAX },
	{ .name = "max_parallel_uploads", .kind = CFG_FIELD_INT,
	  .offset = offsetof(cfg_policy, max_parallel_uploads),
	  .min = 0, .max = 1024 },
	{ .name = "auto_start", .kind = CFG_FIELD_BOOL,
	  .offset = offsetof(cfg_policy, auto_start) },
	{ .name = "stop_grace", .kind = CFG_FIELD_SECONDS,
	  .offset = offsetof(cfg_policy, stop_grace),
	  .min = 0, .max = CFG_SECONDS_MAX },
};

static const cfg_field config_discovery_fields[] = {
	{ .name = "usb", .kind = CFG_FIELD_BOOL,
	  .offset = offsetof(cfg_discovery, usb) },
	{ .name = "rescan_interval_ms", .kind = CFG_FIELD_INT,
	  .offset = offsetof(cfg_discovery, rescan_interval_ms),
	  .min = 10, .max = 60000 },
};

static const cfg_field config_ui_fields[] = {
	{ .name = "bell", .kind = CFG_FIELD_BOOL,
	  .offset = offsetof(cfg_ui, bell) },
};

static const cfg_field config_central_fields[] = {
	{ .name = "url", .kind = CFG_FIELD_STRING, .required = true,
	  .offset = offsetof(cfg_central, url),
	  .size = sizeof ((cfg_central *)0)->url,
	  .check = config_field_is_pg_uri,
	  .allowed = "a PostgreSQL connection URI, "
	             "\"postgresql://user:password@host:5432/dbname\"" },
};

static void
config_defaults(station_config *cfg, const char *path)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->path, sizeof cfg->path, "%s", path);
	snprintf(cfg->reports_dir, sizeof cfg->reports_dir, "reports");
	cfg->policy.attempts = 3;
	cfg->policy.reboot_timeout = 180;
	cfg->policy.stall_timeout = 300;
	cfg->policy.start_timeout = 300;   /* Quectel's own QA limit */
	cfg->policy.command_timeout = 5;
	cfg->policy.max_parallel_uploads = 0;
	cfg->policy.auto_start = true;
	cfg->policy.stop_grace = 60;
	cfg->discovery.usb = true;
	cfg->discovery.rescan_interval_ms = 1000;
	cfg->ui.bell = true;
	cfg->verify.network_timeout = 60;
}

/* The folder that relative paths in the file are taken from. */
static void
config_ctx_init(cfg_ctx *ctx, const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash == NULL ? 0 : (size_t)(slash - path);

	ctx->file = path;
	ctx->err = err;
	ctx->errlen = errlen;
	if (slash == path)
		n = 1;  /* "/station.cfg": the folder is "/" */
	if (n >= sizeof ctx->dir)
		n = sizeof ctx->dir - 1;
	memcpy(ctx->dir, path, n);
	ctx->dir[n] = '\0';
}

/* A group that may be absent; absent keeps the defaults. */
static int
config_read_group(const cfg_ctx *ctx, const config_setting_t *root,
                  const char *name, const cfg_field *fields, size_t n,
                  void *base)
{
	const config_setting_t *g = config_member(root, name);

	return g == NULL ? 0 : config_field_read(ctx, g, name, fields, n, base);
}

static int
config_read_station(const cfg_ctx *ctx, const config_setting_t *root,
                    station_config *cfg)
{
	const config_setting_t *g = config_member(root, "station");
	char resolved[CFG_PATH_MAX];

	if (config_field_read(ctx, g, "station", config_station_fields,
	    CFG_NELEM(config_station_fields), cfg) != 0)
		return -1;
	if (cfg->reports_dir[0] == '\0')
		return config_fail(ctx, config_member(g, "reports_dir"),
		    "station.reports_dir", "must not be empty (leave it out "
		    "for \"reports\" next to the station file)");
	if (config_field_resolve(ctx, cfg->reports_dir, resolved,
	    sizeof resolved) != 0)
		return config_fail(ctx, config_member(g, "reports_dir") ?
		    config_member(g, "reports_dir") : g, "station.reports_dir",
		    "the path, taken from the station file's folder %s, is longer "
		    "than %zu characters", ctx->dir, sizeof resolved - 1);
	memcpy(cfg->reports_dir, resolved, sizeof resolved);
	if (cfg->signing_key[0] != '\0') {
		const config_setting_t *k = config_member(g, "signing_key");

		cfg->signing_key_line = config_setting_source_line(k);
		if (config_field_resolve(ctx, cfg->signing_key, resolved, sizeof resolved) != 0)
			return config_fail(ctx, k, "station.signing_key", "the path, taken "
			    "from the station file's folder %s, is longer than %zu characters",
			    ctx->dir, sizeof resolved - 1);
		if (access(resolved, R_OK) != 0)
			return config_fail(ctx, k, "station.signing_key", "%s: %s (an Ed25519 "
			    "private key, as `openssl genpkey -algorithm ed25519` writes it)",
			    resolved, strerror(errno));
		memcpy(cfg->signing_key, resolved, sizeof resolved);
	}
	return 0;
}

static int
config_read_all(const cfg_ctx *ctx, const config_setting_t *root,
                station_config *cfg)
{
	if (config_field_read(ctx, root, "", config_top_fields,
	    CFG_NELEM(config_top_fields), cfg) != 0)
		return -1;
	if (config_read_station(ctx, root, cfg) != 0 ||
	    config_read_group(ctx, root, "policy", config_policy_fields,
	        CFG_NELEM(config_policy_fields), &cfg->policy) != 0 ||
	    config_read_group(ctx, root, "discovery", config_discovery_fields,
	        CFG_NELEM(config_discovery_fields), &cfg->discovery) != 0 ||
	    config_read_group(ctx, root, "ui", config_ui_fields,
	        CFG_NELEM(config_ui_fields), &cfg->ui) != 0 ||
	    config_read_group(ctx, root, "central", config_central_fields,
	        CFG_NELEM(config_central_fields), &cfg->central) != 0)
		return -1;
	if (config_member(root, "central") != NULL)
		cfg->central.line = (int)config_setting_source_line(
		    config_member(root, "central"));
	if (config_read_slots(ctx, config_member(root, "slots"), cfg) != 0 ||
	    config_read_packages(ctx, config_member(root, "packages"), cfg) != 0 ||
	    config_read_targets(ctx, config_member(root, "targets"), cfg) != 0 ||
	    config_read_verify(ctx, config_member(root, "verify"), cfg) != 0)
		return -1;
	/* What the station would refuse, check-config refuses too. */
	if (cfg->nslots == 0 && !cfg->discovery.usb) {
		const config_setting_t *d = config_member(root, "discovery");
		return config_fail(ctx, d != NULL && config_member(d, "usb") != NULL ?
		    config_member(d, "usb") : root, "discovery.usb",
		    "is false and no slots are configured: the station would have nothing to do");
	}
	return 0;
}

int
config_load(const char *path, station_config *cfg, char *err, size_t errlen)
{
	char scratch[1], *text;
	config_t lc;
	cfg_ctx ctx;
	int rc;

	if (err == NULL || errlen == 0) {
		err = scratch;
		errlen = sizeof scratch;
	}
	err[0] = '\0';
	memset(cfg, 0, sizeof *cfg);
	if (strlen(path) >= sizeof cfg->path) {
		snprintf(err, errlen, "%.64s...: the file name is longer than %zu "
		    "characters", path, sizeof cfg->path - 1);
		return -1;
	}
	config_defaults(cfg, path);
	config_ctx_init(&ctx, path, err, errlen);
	/* Read and checked as text first (config_text.c): libconfig says only
	 * "file I/O error" for a file it cannot open, and worse for others. */
	if (config_text_read(path, ctx.dir, &text, err, errlen) != 0) {
		config_free(cfg);
		return -1;
	}
	config_init(&lc);
	/* @include is taken from the file's folder too (libconfig 1.5
	 * cannot be given NULL here). */
	if (ctx.dir[0] != '\0')
		config_set_include_dir(&lc, ctx.dir);
	rc = config_read_string(&lc, text);
	free(text);
	if (rc != CONFIG_TRUE) {
		const char *efile = config_error_file(&lc);

		if (config_error_type(&lc) == CONFIG_ERR_PARSE)
			snprintf(err, errlen, "%s:%d: syntax error: %s",
			    efile ? efile : path, config_error_line(&lc),
			    config_error_text(&lc));
		else
			snprintf(err, errlen, "%s: cannot read: %s",
			    efile ? efile : path, config_error_text(&lc));
		config_destroy(&lc);
		config_free(cfg);
		return -1;
	}
	rc = config_read_all(&ctx, config_root_setting(&lc), cfg);
	config_destroy(&lc);
	if (rc != 0)
		config_free(cfg);
	return rc;
}

void
config_free(station_config *cfg)
{
	free(cfg->slots);
	free(cfg->packages);
	free(cfg->targets);
	free(cfg->verify.checks);
	memset(cfg, 0, sizeof *cfg);
}

const char *
config_default_path(void)
{
	static const char *const candidates[] = {
		"station.cfg",
		"/etc/dfota-station/station.cfg",
	};

	for (size_t i = 0; i < CFG_NELEM(candidates); i++) {
		if (access(candidates[i], F_OK) == 0)
			return candidates[i];
	}
	return NULL;
}
