/*
 * config_field: the table-driven reader behind config.c and config_lists.c.
 *
 * How it works: for a group, every setting present is first looked up in
 * the table (an unknown name is an error that lists the allowed ones and
 * suggests the nearest, to catch typos like `polcy`); then every table row
 * is read: absent and not required keeps the caller's default, absent and
 * required is an error, present is checked for type, range and rule and
 * stored at base + offset. Every message says what is allowed, derived from
 * the same row that does the check, so the two cannot drift apart.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/config_field.h"
#include "dialects/models.h"

/* Enough for a full setting path such as `packages[12].sha256`. */
#define CFG_FIELD_PATH_MAX 160

static int
config_field_line(const config_setting_t *s)
{
	for (; s != NULL; s = config_setting_parent(s)) {
		if (config_setting_source_line(s) > 0)
			return (int)config_setting_source_line(s);
	}
	return 1;
}

int
config_fail(const cfg_ctx *ctx, const config_setting_t *at, const char *path,
            const char *fmt, ...)
{
	const char *file = NULL;
	va_list ap;
	int w;

	if (ctx->err == NULL || ctx->errlen == 0)
		return -1;
	if (at != NULL)
		file = config_setting_source_file(at);
	if (file == NULL)
		file = ctx->file;
	w = snprintf(ctx->err, ctx->errlen, "%s:%d: %s%s", file,
	    config_field_line(at), path ? path : "", path ? ": " : "");
	if (w >= 0 && (size_t)w < ctx->errlen) {
		va_start(ap, fmt);
		vsnprintf(ctx->err + w, ctx->errlen - (size_t)w, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void
config_field_path(char *buf, const char *group, const char *name)
{
	snprintf(buf, CFG_FIELD_PATH_MAX, "%s%s%s", group,
	    group[0] != '\0' ? "." : "", name);
}

/* The value as the file wrote it, for "got ..." in messages. */
static void
config_field_describe(const config_setting_t *s, char *buf, size_t len)
{
	const char *str;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		snprintf(buf, len, "%d", config_setting_get_int(s));
		break;
	case CONFIG_TYPE_INT64:
		snprintf(buf, len, "%lld", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		snprintf(buf, len, "%g", config_setting_get_float(s));
		break;
	case CONFIG_TYPE_BOOL:
		snprintf(buf, len, "%s", config_setting_get_bool(s) ? "true" : "false");
		break;
	case CONFIG_TYPE_STRING:
		str = config_setting_get_string(s);
		if (strlen(str) > 60)
			snprintf(buf, len, "\"%.60s...\"", str);
		else
			snprintf(buf, len, "\"%s\"", str);
		break;
	case CONFIG_TYPE_GROUP:
		snprintf(buf, len, "a group { }");
		break;
	case CONFIG_TYPE_LIST:
		snprintf(buf, len, "a list ( )");
		break;
	case CONFIG_TYPE_ARRAY:
		snprintf(buf, len, "an array [ ]");
		break;
	default:
		snprintf(buf, len, "nothing");
		break;
	}
}

static void
config_field_models(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < model_count() && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s",
		    i > 0 ? ", " : "", model_at(i)->name);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* What a row allows, worded to follow "must be". */
static void
config_field_allowed(const cfg_field *f, char *buf, size_t len)
{
	size_t used;

	switch (f->kind) {
	case CFG_FIELD_STRING:
		if (f->allowed != NULL)
			snprintf(buf, len, "%s", f->allowed);
		else
			snprintf(buf, len, "a string in double quotes");
		break;
	case CFG_FIELD_MODEL:
		used = (size_t)snprintf(buf, len, "a known model (");
		if (used < len)
			config_field_models(buf + used, len - used);
		used = strlen(buf);
		snprintf(buf + used, len - used, ")");
		break;
	case CFG_FIELD_INT:
		snprintf(buf, len, "a whole number from %g to %g", f->min, f->max);
		break;
	case CFG_FIELD_CHOICE:
		used = (size_t)snprintf(buf, len, "one of");
		for (size_t i = 0; i < f->nchoices && used < len; i++) {
			int w = snprintf(buf + used, len - used, "%s %d",
			    i > 0 ? "," : "", f->choices[i]);

			if (w < 0)
				break;
			used += (size_t)w;
		}
		break;
	case CFG_FIELD_SECONDS:
		snprintf(buf, len, "a number of seconds greater than %g and at "
		    "most %g", f->min, f->max);
		break;
	case CFG_FIELD_BOOL:
		snprintf(buf, len, "true or false");
		break;
	case CFG_FIELD_GROUP:
		snprintf(buf, len, "a group { ... }");
		break;
	case CFG_FIELD_LIST:
		snprintf(buf, len, "a list ( { ... }, ... )");
		break;
	}
}

static int
config_field_wrong(const cfg_ctx *ctx, const config_setting_t *s,
                   const char *path, const cfg_field *f)
{
	char allowed[512], got[96];

	config_field_allowed(f, allowed, sizeof allowed);
	config_field_describe(s, got, sizeof got);
	return config_fail(ctx, s, path, "must be %s, got %s", allowed, got);
}

static bool
config_field_has_control(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	}
	return false;
}

static int
config_field_string(const cfg_ctx *ctx, const config_setting_t *s,
                    const char *path, const cfg_field *f, char *dst)
{
	const char *v;
	size_t len;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return config_field_wrong(ctx, s, path, f);
	v = config_setting_get_string(s);
	len = strlen(v);
	if (len >= f->size)
		return config_fail(ctx, s, path, "is %zu characters long; at most "
		    "%zu are allowed", len, f->size - 1);
	if (config_field_has_control(v))
		return config_fail(ctx, s, path, "must not contain control "
		    "characters (newlines, tabs, ...)");
	if (f->required && len == 0)
		return config_fail(ctx, s, path, "must not be empty");
	if (f->kind == CFG_FIELD_MODEL) {
		const model_info *m = model_find(v);

		if (m == NULL)
			return config_field_wrong(ctx, s, path, f);
		/* The table's spelling, so that later comparisons are plain. */
		v = m->name;
		len = strlen(v);
		if (len >= f->size)
			return config_fail(ctx, s, path, "model name %s is longer "
			    "than %zu characters", v, f->size - 1);
	} else if (f->check != NULL && !f->check(v)) {
		return config_field_wrong(ctx, s, path, f);
	}
	memcpy(dst, v, len + 1);
	return 0;
}

static int
config_field_int(const cfg_ctx *ctx, const config_setting_t *s,
                 const char *path, const cfg_field *f, int *dst)
{
	long long v;
	int type = config_setting_type(s);

	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
		return config_field_wrong(ctx, s, path, f);
	v = config_setting_get_int64(s);
	if (type == CONFIG_TYPE_INT)
		v = config_setting_get_int(s);
	if (f->kind == CFG_FIELD_CHOICE) {
		for (size_t i = 0; i < f->nchoices; i++) {
			if (v == f->choices[i]) {
				*dst = (int)v;
				return 0;
			}
		}
		return config_field_wrong(ctx, s, path, f);
	}
	if ((double)v < f->min || (double)v > f->max)
		return config_field_wrong(ctx, s, path, f);
	*dst = (int)v;
	return 0;
}

static int
config_field_seconds(const cfg_ctx *ctx, const config_setting_t *s,
                     const char *path, const cfg_field *f, double *dst)
{
	double v;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		v = config_setting_get_int(s);
		break;
	case CONFIG_TYPE_INT64:
		v = (double)config_setting_get_int64(s);
		break;
	case CONFIG_TYPE_FLOAT:
		v = config_setting_get_float(s);
		break;
	default:
		return config_field_wrong(ctx, s, path, f);
	}
	if (!isfinite(v) || v <= f->min || v > f->max)
		return config_field_wrong(ctx, s, path, f);
	*dst = v;
	return 0;
}

static int
config_field_store(const cfg_ctx *ctx, const config_setting_t *s,
                   const char *path, const cfg_field *f, void *base)
{
	char *at = (char *)base + f->offset;
	int type = config_setting_type(s);

	switch (f->kind) {
	case CFG_FIELD_STRING:
	case CFG_FIELD_MODEL:
		return config_field_string(ctx, s, path, f, at);
	case CFG_FIELD_INT:
	case CFG_FIELD_CHOICE:
		return config_field_int(ctx, s, path, f, (int *)(void *)at);
	case CFG_FIELD_SECONDS:
		return config_field_seconds(ctx, s, path, f, (double *)(void *)at);
	case CFG_FIELD_BOOL:
		if (type != CONFIG_TYPE_BOOL)
			return config_field_wrong(ctx, s, path, f);
		*(bool *)(void *)at = config_setting_get_bool(s) != 0;
		return 0;
	case CFG_FIELD_GROUP:
		return type == CONFIG_TYPE_GROUP ? 0 :
		    config_field_wrong(ctx, s, path, f);
	case CFG_FIELD_LIST:
		/* `()` is a list; `[]` is an empty array, the same thing here. */
		if (type == CONFIG_TYPE_LIST ||
		    (type == CONFIG_TYPE_ARRAY && config_setting_length(s) == 0))
			return 0;
		return config_field_wrong(ctx, s, path, f);
	}
	return config_field_wrong(ctx, s, path, f);
}

/* Edit distance of two short names, for "did you mean". */
static size_t
config_field_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64], prev, tmp;

	if (la >= 63 || lb >= 63)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

static int
config_field_unknown(const cfg_ctx *ctx, const config_setting_t *s,
                     const char *path, const cfg_field *fields, size_t n)
{
	const char *name = config_setting_name(s);
	const char *near = NULL;
	size_t best = 3, used = 0;
	char names[512];

	names[0] = '\0';
	for (size_t i = 0; i < n && used < sizeof names; i++) {
		size_t d = config_field_distance(name, fields[i].name);
		int w = snprintf(names + used, sizeof names - used, "%s%s",
		    i > 0 ? ", " : "", fields[i].name);

		if (w > 0)
			used += (size_t)w;
		if (d < best) {
			best = d;
			near = fields[i].name;
		}
	}
	if (near != NULL)
		return config_fail(ctx, s, path, "unknown setting (did you mean "
		    "%s?); allowed here: %s", near, names);
	return config_fail(ctx, s, path, "unknown setting; allowed here: %s",
	    names);
}

config_setting_t *
config_member(const config_setting_t *group, const char *name)
{
	/* libconfig's lookup takes a non-const group; it does not change it. */
	return config_setting_get_member((config_setting_t *)group, name);
}

int
config_field_read(const cfg_ctx *ctx, const config_setting_t *group,
                  const char *path, const cfg_field *fields, size_t n,
                  void *base)
{
	char fpath[CFG_FIELD_PATH_MAX];
	int count = config_setting_length(group);

	if (config_setting_type(group) != CONFIG_TYPE_GROUP) {
		char got[96];

		config_field_describe(group, got, sizeof got);
		return config_fail(ctx, group, path, "must be a group { ... }, "
		    "got %s", got);
	}
	for (int i = 0; i < count; i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(s);
		size_t k;

		for (k = 0; k < n; k++) {
			if (strcmp(fields[k].name, name) == 0)
				break;
		}
		if (k == n) {
			config_field_path(fpath, path, name);
			return config_field_unknown(ctx, s, fpath, fields, n);
		}
	}
	for (size_t k = 0; k < n; k++) {
		const cfg_field *f = &fields[k];
		const config_setting_t *s = config_member(group, f->name);

		config_field_path(fpath, path, f->name);
		if (s == NULL) {
			char allowed[512];

			if (!f->required)
				continue;
			config_field_allowed(f, allowed, sizeof allowed);
			return config_fail(ctx, group, fpath, "missing; it is "
			    "required and must be %s", allowed);
		}
		if (config_field_store(ctx, s, fpath, f, base) != 0)
			return -1;
	}
	return 0;
}

int
config_field_resolve(const cfg_ctx *ctx, const char *rel, char *out,
                     size_t outlen)
{
	size_t dlen = strlen(ctx->dir);
	int w;

	if (rel[0] == '/' || dlen == 0)
		w = snprintf(out, outlen, "%s", rel);
	else
		w = snprintf(out, outlen, "%s%s%s", ctx->dir,
		    ctx->dir[dlen - 1] == '/' ? "" : "/", rel);
	return w >= 0 && (size_t)w < outlen ? 0 : -1;
}

bool
config_field_is_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

/* Digits, '-', then digits separated by single dots: the kernel's name of
 * a USB port (bus 1, port 1, hub port 10, hub port 3 -> "1-1.10.3"). */
bool
config_field_is_usb_path(const char *s)
{
	bool digit = false, dash = false;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9') {
			digit = true;
		} else if ((*s == '-' && !dash) || (*s == '.' && dash)) {
			if (!digit)
				return false;
			dash = true;
			digit = false;
		} else {
			return false;
		}
	}
	return dash && digit;
}

bool
config_field_is_device(const char *s)
{
	return s[0] == '/' && s[1] != '\0';
}

bool
config_field_is_sha256(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		char c = s[n];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F')))
			return false;
	}
	return n == 64;
}
