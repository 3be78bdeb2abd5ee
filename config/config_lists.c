/*
 * config_lists: slots, packages and targets of the station file.
 *
 * How it works: each element of a list is a group read through a table
 * (config_field.c) into a zeroed struct holding the element's defaults;
 * then the rules that involve more than one setting are checked, each
 * pointing at the setting that breaks it, and the element is compared with
 * the ones before it (labels, device paths, packages and targets must not
 * repeat). The first error stops the load: one clear message beats a list
 * of consequences.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_lists.h"
#include "dialects/models.h"
#include "dialects/urls.h"

#define CFG_NELEM(a) (sizeof (a) / sizeof (a)[0])
#define CFG_ELEM_PATH_MAX 48

/* The rates a Quectel UART and a USB-serial adapter both offer. */
static const int config_bauds[] = {
	1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800,
	921600, 3000000,
};

/* An APN as 3GPP TS 23.003 writes one: labels of letters, digits and '-'
 * joined by '.'; it goes between double quotes in AT+QCFGEXT. */
static bool
config_is_apn(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 62 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
			return false;
	return true;
}

#define CFG_REVISION_ALLOWED \
	"a revision as ATI or AT+QGMR prints it (letters, digits, '-', '_' or '.')"

static const cfg_field config_slot_fields[] = {
	{ .name = "label", .kind = CFG_FIELD_STRING, .required = true,
	  .offset = offsetof(cfg_slot, label),
	  .size = sizeof ((cfg_slot *)0)->label,
	  .check = config_field_is_name,
	  .allowed = "a label of letters, digits, '-', '_' or '.' "
	             "(it is used in report file names)" },
	{ .name = "usb_path", .kind = CFG_FIELD_STRING,
	  .offset = offsetof(cfg_slot, usb_path),
	  .size = sizeof ((cfg_slot *)0)->usb_path,
	  .check = config_field_is_usb_path,
	  .allowed = "a USB port path BUS-PORT[.PORT...] in digits, like 1-1.2" },
	{ .name = "serial", .kind = CFG_FIELD_STRING,
	  .offset = offsetof(cfg_slot, serial),
	  .size = sizeof ((cfg_slot *)0)->serial,
	  .check = config_field_is_device,
	  .allowed = "an absolute device path, like /dev/ttyUSB0" },
	{ .name = "baud", .kind = CFG_FIELD_CHOICE,
	  .offset = offsetof(cfg_slot, baud),
	  .choices = config_bauds, .nchoices = CFG_NELEM(config_bauds) },
	{ .name = "model", .kind = CFG_FIELD_MODEL,
	  .offset = offsetof(cfg_slot, model),
	  .size = sizeof ((cfg_slot *)0)->model },
	{ .name = "urc_serial", .kind = CFG_FIELD_STRING,
	  .offset = offsetof(cfg_slot, urc_serial),
	  .size = sizeof ((cfg_slot *)0)->urc_serial,
	  .check = config_field_is_device,
	  .allowed = "an absolute device path, like /dev/ttyUSB0" },
};

static const cfg_field config_package_fields[] = {
	{ .name = "model", .kind = CFG_FIELD_MODEL, .required = true,
	  .offset = offsetof(cfg_package, model),
	  .size = sizeof ((cfg_package *)0)->model },
	{ .name = "from", .kind = CFG_FIELD_STRING, .required = true,
	  .offset = offsetof(cfg_package, from),
	  .size = sizeof ((cfg_package *)0)->from,
	  .check = config_field_is_name, .allowed = CFG_REVISION_ALLOWED },
	{ .name = "to", .kind = CFG_FIELD_STRING, .required = true,
	  .offset = offsetof(cfg_package, to),
	  .size = sizeof ((cfg_package *)0)->to,
	  .check = config_field_is_name, .allowed = CFG_REVISION_ALLOWED },
	{ .name = "file", .kind = CFG_FIELD_STRING,
	  .offset = offsetof(cfg_package, file),
	  .size = sizeof ((cfg_package *)0)->file },
	{ .name = "url", .kind = CFG_FIELD_STRING,
	  .offset = offsetof(cfg_package, url),
	  .size = sizeof ((cfg_package *)0)->url },
	{ .name = "sha256", .kind = CFG_FIELD_STRING,
	  .offset = offsetof(cfg_package, sha256),
	  .size = sizeof ((cfg_package *)0)->sha256,
	  .check = config_field_is_sha256,
	  .allowed = "64 hex digits (the package file's SHA-256)" },
	{ .name = "apn", .kind = CFG_FIELD_STRING,
	  .offset = offsetof(cfg_package, apn),
	  .size = sizeof ((cfg_package *)0)->apn,
	  .check = config_is_apn,
	  .allowed = "an APN of letters, digits, '-' and '.', like "
	             "\"iot.example\"" },
	{ .name = "certs", .kind = CFG_FIELD_GROUP },
};

/* packages[i].certs: files, relative to the station file; ca always, cert
 * and key for a server that wants the module's own certificate. */
static const cfg_field config_cert_fields[] = {
	{ .name = "ca", .kind = CFG_FIELD_STRING, .required = true,
	  .offset = offsetof(cfg_certs, ca),
	  .size = sizeof ((cfg_certs *)0)->ca },
	{ .name = "cert", .kind = CFG_FIELD_STRING,
	  .offset = offsetof(cfg_certs, cert),
	  .size = sizeof ((cfg_certs *)0)->cert },
	{ .name = "key", .kind = CFG_FIELD_STRING,
	  .offset = offsetof(cfg_certs, key),
	  .size = sizeof ((cfg_certs *)0)->key },
};

static const cfg_field config_target_fields[] = {
	{ .name = "model", .kind = CFG_FIELD_MODEL, .required = true,
	  .offset = offsetof(cfg_target, model),
	  .size = sizeof ((cfg_target *)0)->model },
	{ .name = "revision", .kind = CFG_FIELD_STRING, .required = true,
	  .offset = offsetof(cfg_target, revision),
	  .size = sizeof ((cfg_target *)0)->revision,
	  .check = config_field_is_name, .allowed = CFG_REVISION_ALLOWED },
};

/* The setting to point at: the member when the file has it, else the
 * element (for "missing" rules). */
static const config_setting_t *
config_at(const config_setting_t *elem, const char *name)
{
	const config_setting_t *s = config_member(elem, name);

	return s != NULL ? s : elem;
}

static void
config_elem_path(char *buf, const char *list, size_t i, const char *name)
{
	snprintf(buf, CFG_ELEM_PATH_MAX, "%s[%zu]%s%s", list, i,
	    name != NULL ? "." : "", name != NULL ? name : "");
}

/* Elements of an optional list, and an array for them (plus one spare so
 * that an empty list still gets a pointer that free() accepts). */
static int
config_list_alloc(const cfg_ctx *ctx, const config_setting_t *list,
                  size_t size, void **items, size_t *n)
{
	*n = list != NULL ? (size_t)config_setting_length(list) : 0;
	*items = calloc(*n + 1, size);
	if (*items == NULL)
		return config_fail(ctx, list, NULL, "out of memory");
	return 0;
}

/* ---- slots ---- */

static int
config_slot_rules(const cfg_ctx *ctx, const config_setting_t *e, size_t i,
                  const station_config *cfg, const cfg_slot *s)
{
	char path[CFG_ELEM_PATH_MAX];

	if (s->usb_path[0] != '\0' && s->serial[0] != '\0') {
		config_elem_path(path, "slots", i, "serial");
		return config_fail(ctx, config_at(e, "serial"), path,
		    "a slot is either usb_path or serial, not both");
	}
	if (s->usb_path[0] == '\0' && s->serial[0] == '\0') {
		config_elem_path(path, "slots", i, NULL);
		return config_fail(ctx, e, path, "needs usb_path (a USB port path "
		    "like 1-1.2) or serial (a device path like /dev/ttyUSB0)");
	}
	if (s->usb_path[0] != '\0' && config_member(e, "baud") != NULL) {
		config_elem_path(path, "slots", i, "baud");
		return config_fail(ctx, config_at(e, "baud"), path, "only a serial "
		    "slot has a baud rate; this slot has usb_path");
	}
	for (size_t k = 0; k < i; k++) {
		const cfg_slot *o = &cfg->slots[k];
		const char *what = NULL;

		if (strcasecmp(o->label, s->label) == 0)
			what = "label";
		else if (s->usb_path[0] != '\0' && strcmp(o->usb_path, s->usb_path) == 0)
			what = "usb_path";
		else if (s->serial[0] != '\0' && strcmp(o->serial, s->serial) == 0)
			what = "serial";
		if (what != NULL) {
			config_elem_path(path, "slots", i, what);
			return config_fail(ctx, config_at(e, what), path,
			    "slots[%zu] (line %d) has the same %s; each slot needs "
			    "its own", k, o->line, what);
		}
	}
	return 0;
}

int
config_read_slots(const cfg_ctx *ctx, const config_setting_t *list,
                  station_config *cfg)
{
	char path[CFG_ELEM_PATH_MAX];
	void *items;
	size_t n;

	if (config_list_alloc(ctx, list, sizeof *cfg->slots, &items, &n) != 0)
		return -1;
	cfg->slots = items;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		cfg_slot *s = &cfg->slots[i];

		s->baud = 115200;
		s->line = (int)config_setting_source_line(e);
		config_elem_path(path, "slots", i, NULL);
		if (config_field_read(ctx, e, path, config_slot_fields,
		    CFG_NELEM(config_slot_fields), s) != 0 ||
		    config_slot_rules(ctx, e, i, cfg, s) != 0)
			return -1;
		cfg->nslots++;
	}
	return 0;
}

/* ---- packages ---- */

/* The url against its model's row of the guides' rules (dialects/urls.c). */
static int
config_package_url(const cfg_ctx *ctx, const config_setting_t *e, size_t i,
                   const cfg_package *p)
{
	const model_info *m = model_find(p->model);
	char path[CFG_ELEM_PATH_MAX], why[256];

	config_elem_path(path, "packages", i, "url");
	if (m != NULL && (m->deliveries & MODEL_DELIVER_URL) == 0)
		return config_fail(ctx, config_at(e, "url"), path, "%s cannot "
		    "download a package itself; give a file instead", m->name);
	if (url_check(m, p->url, why, sizeof why) != 0)
		return config_fail(ctx, config_at(e, "url"), path, "%s", why);
	/* The url goes between double quotes in AT+QFOTADL="...". */
	if (strpbrk(p->url, " \"") != NULL)
		return config_fail(ctx, config_at(e, "url"), path, "must not "
		    "contain spaces or double quotes (encode them as %%20, %%22)");
	return 0;
}

/* One certificate file: resolved, a readable, non-empty regular file. */
static int
config_cert_file(const cfg_ctx *ctx, const config_setting_t *certs,
                 size_t i, const char *name, char *file)
{
	const config_setting_t *at = config_at(certs, name);
	char path[CFG_ELEM_PATH_MAX], resolved[CFG_PATH_MAX];
	struct stat st;

	snprintf(path, sizeof path, "packages[%zu].certs.%s", i, name);
	if (config_field_resolve(ctx, file, resolved, sizeof resolved) != 0)
		return config_fail(ctx, at, path, "the path, taken from the "
		    "station file's folder %s, is too long", ctx->dir);
	if (stat(resolved, &st) != 0 || access(resolved, R_OK) != 0)
		return config_fail(ctx, at, path, "cannot read %s: %s", resolved,
		    strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return config_fail(ctx, at, path, "%s is not a non-empty regular "
		    "file", resolved);
	memcpy(file, resolved, sizeof resolved);
	return 0;
}

/* apn (BG95/BG77, url packages) and certs (https urls, models whose guide
 * names the certificate files). */
static int
config_package_extras(const cfg_ctx *ctx, const config_setting_t *e, size_t i,
                      cfg_package *p)
{
	const model_info *m = model_find(p->model);
	const config_setting_t *certs = config_member(e, "certs");
	char path[CFG_ELEM_PATH_MAX];

	if (config_member(e, "apn") != NULL) {
		config_elem_path(path, "packages", i, "apn");
		if (m != NULL && !m->has_fota_apn)
			return config_fail(ctx, config_at(e, "apn"), path, "only "
			    "BG95/BG77 take a DFOTA APN (AT+QCFGEXT=\"fota_apn\"); "
			    "%s downloads on its default PDN", m->name);
		if (p->url[0] == '\0')
			return config_fail(ctx, config_at(e, "apn"), path, "is "
			    "for a url package; an uploaded file needs no network");
	}
	if (certs == NULL)
		return 0;
	config_elem_path(path, "packages", i, "certs");
	if (m != NULL && m->cert_dir == NULL)
		return config_fail(ctx, certs, path, "%s's guide names no "
		    "certificate files; only BG96 and BG95/BG77 take them", m->name);
	if (url_scheme(p->url) != URL_HTTPS)
		return config_fail(ctx, certs, path, "are for an https:// url "
		    "package");
	if (config_field_read(ctx, certs, path, config_cert_fields,
	    CFG_NELEM(config_cert_fields), &p->certs) != 0 ||
	    config_cert_file(ctx, certs, i, "ca", p->certs.ca) != 0)
		return -1;
	/* A client certificate is nothing without its key, and the reverse. */
	if ((p->certs.cert[0] == '\0') != (p->certs.key[0] == '\0')) {
		const char *missing = p->certs.cert[0] == '\0' ? "cert" : "key";

		snprintf(path, sizeof path, "packages[%zu].certs.%s", i, missing);
		return config_fail(ctx, certs, path, "is missing: a client "
		    "certificate (cert) goes with its private key (key)");
	}
	if (p->certs.cert[0] != '\0' &&
	    (config_cert_file(ctx, certs, i, "cert", p->certs.cert) != 0 ||
	     config_cert_file(ctx, certs, i, "key", p->certs.key) != 0))
		return -1;
	return 0;
}

static int
config_package_file(const cfg_ctx *ctx, const config_setting_t *e, size_t i,
                    cfg_package *p)
{
	const unsigned upload = MODEL_DELIVER_UFS | MODEL_DELIVER_FOTAZIP |
	    MODEL_DELIVER_COM;
	const config_setting_t *at = config_at(e, "file");
	const model_info *m = model_find(p->model);
	char path[CFG_ELEM_PATH_MAX], resolved[CFG_PATH_MAX];
	struct stat st;

	config_elem_path(path, "packages", i, "file");
	if (m != NULL && (m->deliveries & upload) == 0)
		return config_fail(ctx, at, path, "%s cannot take an uploaded "
		    "package (it downloads by URL only); give a url instead",
		    m->name);
	if (config_field_resolve(ctx, p->file, resolved, sizeof resolved) != 0)
		return config_fail(ctx, at, path, "the path, taken from the "
		    "station file's folder %s, is longer than %zu characters",
		    ctx->dir, sizeof resolved - 1);
	if (stat(resolved, &st) != 0 || access(resolved, R_OK) != 0)
		return config_fail(ctx, at, path, "cannot read %s: %s", resolved,
		    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return config_fail(ctx, at, path, "%s is not a regular file",
		    resolved);
	memcpy(p->file, resolved, sizeof resolved);
	return 0;
}

static int
config_package_rules(const cfg_ctx *ctx, const config_setting_t *e, size_t i,
                     const station_config *cfg, cfg_package *p)
{
	char path[CFG_ELEM_PATH_MAX];
	bool has_file = config_member(e, "file") != NULL;
	bool has_url = config_member(e, "url") != NULL;

	if (has_file && has_url) {
		config_elem_path(path, "packages", i, "url");
		return config_fail(ctx, config_at(e, "url"), path, "a package is "
		    "either a file or a url, not both");
	}
	if (!has_file && !has_url) {
		config_elem_path(path, "packages", i, NULL);
		return config_fail(ctx, e, path, "needs file (a package file, "
		    "relative to the station file) or url (http://, https://, "
		    "ftp://, coap:// or coaps://)");
	}
	if ((has_file && p->file[0] == '\0') || (has_url && p->url[0] == '\0')) {
		config_elem_path(path, "packages", i, has_file ? "file" : "url");
		return config_fail(ctx, config_at(e, has_file ? "file" : "url"),
		    path, "must not be empty");
	}
	if (strcasecmp(p->from, p->to) == 0) {
		config_elem_path(path, "packages", i, "to");
		return config_fail(ctx, config_at(e, "to"), path, "is the same "
		    "revision as from (%s); a package must lead to another one",
		    p->from);
	}
	if (has_url && config_package_url(ctx, e, i, p) != 0)
		return -1;
	if (config_package_extras(ctx, e, i, p) != 0)
		return -1;
	if (has_file && config_package_file(ctx, e, i, p) != 0)
		return -1;
	for (char *c = p->sha256; *c != '\0'; c++) {
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a');
	}
	for (size_t k = 0; k < i; k++) {
		const cfg_package *o = &cfg->packages[k];

		if (strcmp(o->model, p->model) == 0 &&
		    strcasecmp(o->from, p->from) == 0 &&
		    strcasecmp(o->to, p->to) == 0) {
			config_elem_path(path, "packages", i, NULL);
			return config_fail(ctx, e, path, "packages[%zu] (line %d) "
			    "already takes %s from %s to %s; keep one of them", k,
			    o->line, p->model, p->from, p->to);
		}
	}
	return 0;
}

int
config_read_packages(const cfg_ctx *ctx, const config_setting_t *list,
                     station_config *cfg)
{
	char path[CFG_ELEM_PATH_MAX];
	void *items;
	size_t n;

	if (config_list_alloc(ctx, list, sizeof *cfg->packages, &items, &n) != 0)
		return -1;
	cfg->packages = items;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		cfg_package *p = &cfg->packages[i];

		p->line = (int)config_setting_source_line(e);
		config_elem_path(path, "packages", i, NULL);
		if (config_field_read(ctx, e, path, config_package_fields,
		    CFG_NELEM(config_package_fields), p) != 0 ||
		    config_package_rules(ctx, e, i, cfg, p) != 0)
			return -1;
		cfg->npackages++;
	}
	return 0;
}

/* ---- targets ---- */

int
config_read_targets(const cfg_ctx *ctx, const config_setting_t *list,
                    station_config *cfg)
{
	char path[CFG_ELEM_PATH_MAX];
	void *items;
	size_t n;

	if (config_list_alloc(ctx, list, sizeof *cfg->targets, &items, &n) != 0)
		return -1;
	cfg->targets = items;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		cfg_target *t = &cfg->targets[i];

		t->line = (int)config_setting_source_line(e);
		config_elem_path(path, "targets", i, NULL);
		if (config_field_read(ctx, e, path, config_target_fields,
		    CFG_NELEM(config_target_fields), t) != 0)
			return -1;
		for (size_t k = 0; k < i; k++) {
			if (strcmp(cfg->targets[k].model, t->model) == 0) {
				config_elem_path(path, "targets", i, "model");
				return config_fail(ctx, config_at(e, "model"), path,
				    "%s already has a target in targets[%zu] (line %d); "
				    "one target per model", t->model, k,
				    cfg->targets[k].line);
			}
		}
		cfg->ntargets++;
	}
	return 0;
}
