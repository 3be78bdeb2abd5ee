/*
 * sim_at: the command table and its handlers; see sim_at.h.
 *
 * Handlers answer from the module's state and never block: a command that
 * starts something longer (an upload, an update) answers, hands over to
 * sim_upload or sim_fota, and returns.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/sim_at.h"
#include "sim/sim_module.h"
#include "sim/sim_package.h"

#define ARGS_MAX      8
#define COM_MAX_BYTES (6L * 1024 * 1024)   /* BG95 guide: at most 6 MB */
#define LOCAL_PREFIX  "/data/ufs/"
#define LOCAL_MAX     128                  /* AG35 guide: file_name     */
#define BG96_PACKAGE  "/fota/update.zip"
#define QGMR_EARLY_MS 6000                 /* incomplete QGMR after boot */

/* CME codes of the file commands (Quectel file system errors). */
enum {
	CME_SIM_MISSING = 10,
	CME_NOT_FOUND   = 405,
	CME_EXISTS      = 407,
	CME_NO_SPACE    = 420,
};

typedef enum at_form { AT_EXEC, AT_READ, AT_TEST, AT_WRITE } at_form;

typedef struct at_args {
	int   n;
	char *v[ARGS_MAX];
	bool  quoted[ARGS_MAX];
} at_args;

typedef struct at_cmd at_cmd;
typedef void at_handler(sim_module *m, const at_cmd *c, at_form form,
    at_args *a);

struct at_cmd {
	const char *name;       /* after "AT", upper case */
	unsigned    caps;       /* SIM_CAP_* the model must have */
	at_handler *fn;
};

static const char *const urcport_names[] = { "usbat", "usbmodem", "uart" };

/* ---- responses -------------------------------------------------------- */

void
sim_resp_init(sim_resp *r)
{
	r->len = 0;
	r->info = false;
}

void
sim_resp_line(sim_resp *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!r->info && r->len + 2 < sizeof r->buf) {
		memcpy(r->buf + r->len, "\r\n", 2);
		r->len += 2;
	}
	r->info = true;
	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->len, sizeof r->buf - r->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 2 >= sizeof r->buf - r->len)
		return;   /* a line that does not fit is left out whole */
	r->len += (size_t)n;
	memcpy(r->buf + r->len, "\r\n", 2);
	r->len += 2;
}

/* A concatenated line ("AT+CSQ;+CREG?"): the commands' information lines
 * in order, then one final result, as V.250 modules answer it. */
struct sim_batch {
	sim_resp resp;          /* the information lines so far          */
	char     final[64];     /* the last command's final result        */
	bool     answered;      /* the last command answered at all       */
};

void
sim_resp_send(sim_module *m, sim_resp *r, const char *final)
{
	int n;

	if (m->batch != NULL) {
		sim_resp *b = &m->batch->resp;
		size_t    k = r->len < sizeof b->buf - b->len ? r->len : sizeof b->buf - b->len;

		memcpy(b->buf + b->len, r->buf, k);
		b->len += k;
		b->info = b->info || r->info;
		snprintf(m->batch->final, sizeof m->batch->final, "%s", final);
		m->batch->answered = true;
		return;
	}
	n = snprintf(r->buf + r->len, sizeof r->buf - r->len, "\r\n%s%s\r\n",
	    m->spec.fault.nul ? "@" : "", final);

	if (n > 0 && (size_t)n < sizeof r->buf - r->len) {
		/* Fault nul: a NUL byte in front of every final result. */
		if (m->spec.fault.nul)
			r->buf[r->len + 2] = '\0';
		r->len += (size_t)n;
	}
	sim_module_send(m, r->buf, r->len);
}

static void
final_only(sim_module *m, const char *final)
{
	sim_resp r;

	sim_resp_init(&r);
	sim_resp_send(m, &r, final);
}

void
sim_at_ok(sim_module *m)
{
	final_only(m, "OK");
}

void
sim_at_error(sim_module *m)
{
	final_only(m, "ERROR");
}

void
sim_at_cme(sim_module *m, int code)
{
	char buf[32];

	if (m->cmee == 0) {
		sim_at_error(m);
		return;
	}
	snprintf(buf, sizeof buf, "+CME ERROR: %d", code);
	final_only(m, buf);
}

/* The dialect's answer to a bad argument and to "DFOTA is running". */
static void
bad_param(sim_module *m)
{
	if (m->dialect->cme_badparam)
		sim_at_cme(m, m->dialect->cme_badparam);
	else
		sim_at_error(m);
}

static void
busy(sim_module *m)
{
	if (m->dialect->cme_busy)
		sim_at_cme(m, m->dialect->cme_busy);
	else
		sim_at_error(m);
}

/* ---- arguments -------------------------------------------------------- */

/* Splits "a","b",3 in place. Quotes are removed and remembered. */
static int
parse_args(char *s, at_args *a)
{
	a->n = 0;
	while (*s != '\0') {
		char *start;

		if (a->n == ARGS_MAX)
			return -1;
		while (*s == ' ')
			s++;
		a->quoted[a->n] = *s == '"';
		if (*s == '"') {
			start = ++s;
			s = strchr(s, '"');
			if (s == NULL)
				return -1;
			*s++ = '\0';
			while (*s == ' ')
				s++;
		} else {
			start = s;
			s += strcspn(s, ",");
			for (char *e = s; e > start && e[-1] == ' '; e--)
				e[-1] = '\0';
		}
		a->v[a->n++] = start;
		if (*s == ',') {
			*s++ = '\0';
			if (*s == '\0')
				return -1;
		} else if (*s != '\0') {
			return -1;
		}
	}
	return 0;
}

static bool
arg_long(const at_args *a, int i, long *out)
{
	char *end;

	if (i >= a->n || a->quoted[i] || !isdigit((unsigned char)a->v[i][0]))
		return false;
	*out = strtol(a->v[i], &end, 10);
	return *end == '\0';
}

static bool
arg_is(const at_args *a, int i, const char *s)
{
	return i < a->n && a->quoted[i] && strcasecmp(a->v[i], s) == 0;
}

/* ---- identity and settings ------------------------------------------- */

static void
at_plain(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	(void)c;
	(void)form;
	(void)a;
	sim_at_ok(m);
}

static void
at_echo(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	(void)c;
	(void)form;
	if (strcmp(a->v[0], "0") == 0 || strcmp(a->v[0], "") == 0)
		m->echo = false;
	else if (strcmp(a->v[0], "1") == 0)
		m->echo = true;
	else {
		sim_at_error(m);
		return;
	}
	sim_at_ok(m);
}

static void
at_info(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	sim_resp r;

	/* ATI+CSUB adds the sub-edition, on the models that have it. */
	bool csub = (m->model->caps & SIM_CAP_CSUB) && strcasecmp(a->v[0], "+CSUB") == 0;

	(void)c;
	(void)form;
	if (strcmp(a->v[0], "") != 0 && strcmp(a->v[0], "0") != 0 && !csub) {
		sim_at_error(m);
		return;
	}
	sim_resp_init(&r);
	sim_resp_line(&r, "Quectel");
	sim_resp_line(&r, "%s", m->model->name);
	sim_resp_line(&r, "Revision: %s", m->rev);
	if (csub)
		sim_resp_line(&r, "SubEdition: V01");
	sim_resp_send(m, &r, "OK");
}

static void
at_cmee(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	sim_resp r;
	long v;

	(void)c;
	sim_resp_init(&r);
	if (form == AT_WRITE && arg_long(a, 0, &v) && v <= 2 && a->n == 1) {
		m->cmee = (int)v;
	} else if (form == AT_READ) {
		sim_resp_line(&r, "+CMEE: %d", m->cmee);
	} else if (form == AT_TEST) {
		sim_resp_line(&r, "+CMEE: (0-2)");
	} else {
		sim_at_error(m);
		return;
	}
	sim_resp_send(m, &r, "OK");
}

/* Simple "<prefix><value>" queries share one shape. */
static void
info_or_error(sim_module *m, at_form form, const char *fmt, const char *val)
{
	sim_resp r;

	sim_resp_init(&r);
	if (form == AT_EXEC)
		sim_resp_line(&r, fmt, val);
	else if (form != AT_TEST) {
		sim_at_error(m);
		return;
	}
	sim_resp_send(m, &r, "OK");
}

static void
at_qgmr(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	char full[SIM_REV_MAX + 24];
	/* Right after boot the version string is not complete yet. */
	bool early = m->spec.fault.qgmr_incomplete &&
	    sim_loop_now(m->env->loop) - m->boot_at < sim_module_us(m,
	    QGMR_EARLY_MS);

	(void)c;
	(void)a;
	/* Fault qgmr-junk: garbage after the revision, on its line. */
	snprintf(full, sizeof full, "%s_%s%s", m->rev,
	    early ? "01.016.00.000" : "01.001.01.001",
	    m->spec.fault.qgmr_junk ? " \x7f~#junk" : "");
	info_or_error(m, form, "%s", full);
}

static void
at_imei(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	(void)c;
	(void)a;
	info_or_error(m, form, "%s", m->imei);
}

/* AT+EGMR=0,7 (IMEI) and =0,9 (SVN) read; every write form is refused:
 * the emulator keeps no factory data that could be written. */
static void
at_egmr(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	sim_resp r;
	long     op, item;

	(void)c;
	sim_resp_init(&r);
	if (form != AT_WRITE || a->n != 2 || !arg_long(a, 0, &op) ||
	    !arg_long(a, 1, &item) || op != 0 || (item != 7 && item != 9)) {
		sim_at_error(m);
		return;
	}
	sim_resp_line(&r, "+EGMR: \"%s\"", item == 7 ? m->imei : "01");
	sim_resp_send(m, &r, "OK");
}

/* AT+CPIN?: a SIM that needs no PIN; without one (iccid=none) 10. */
static void
at_cpin(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	(void)c;
	(void)a;
	if (form == AT_READ && m->spec.no_iccid)
		sim_at_cme(m, CME_SIM_MISSING);
	else if (form == AT_READ)
		info_or_error(m, AT_EXEC, "+CPIN: %s", "READY");
	else if (form == AT_TEST)
		sim_at_ok(m);
	else
		sim_at_error(m);
}

static void
at_qccid(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	(void)c;
	(void)a;
	if (m->spec.no_iccid && form == AT_EXEC)
		sim_at_cme(m, CME_SIM_MISSING);
	else
		info_or_error(m, form, "+QCCID: %s", m->iccid);
}

static void
at_csq(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	sim_resp r;

	(void)c;
	(void)a;
	sim_resp_init(&r);
	if (form == AT_EXEC)
		sim_resp_line(&r, "+CSQ: %s", m->spec.network ? "24,99" : "99,99");
	else if (form == AT_TEST)
		sim_resp_line(&r, "+CSQ: (0-31,99),(0-7,99)");
	else {
		sim_at_error(m);
		return;
	}
	sim_resp_send(m, &r, "OK");
}

/* BC26 guide §2.3 / example 4.1: "+CESQ: 47,6,255,255,0,54". */
static void
at_cesq(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	(void)c;
	(void)a;
	info_or_error(m, form, "+CESQ: %s", m->spec.network ?
	    "47,6,255,255,0,54" : "99,99,255,255,255,255");
}

/* AT+CGPADDR=1: the address of the default PDN; a registered module may
 * have none yet (fault noaddr): "+CGPADDR: 1". */
static void
at_cgpaddr(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	sim_resp r;
	long cid = 1;

	(void)c;
	if ((form != AT_WRITE && form != AT_EXEC) ||
	    (form == AT_WRITE && (!arg_long(a, 0, &cid) || a->n != 1))) {
		sim_at_error(m);
		return;
	}
	sim_resp_init(&r);
	if (cid == 1 && m->spec.network && !m->spec.fault.noaddr)
		sim_resp_line(&r, "+CGPADDR: 1,10.23.%d.%d", m->index / 250,
		    m->index % 250 + 2);
	else if (cid == 1)
		sim_resp_line(&r, "+CGPADDR: 1");
	sim_resp_send(m, &r, "OK");
}

/* +CREG, +CGREG, +CEREG: same shape, the name from the table row. */
static void
at_reg(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	sim_resp r;
	long v;

	/* Searching (2) until register= (or the model's delay) after the
	 * boot's RDY, or for ever: what a module with its radio on answers
	 * while it looks for a cell and attaches. 0 (not searching) is the
	 * radio-off answer, network=no. */
	long reg_ms = sim_module_register_ms(m);
	bool later = reg_ms == SIM_REGISTER_NEVER || sim_loop_now(m->env->loop) -
	    m->boot_at < sim_module_us(m, (unsigned)reg_ms);

	sim_resp_init(&r);
	if (form == AT_READ)
		sim_resp_line(&r, "%s: 0,%d", c->name, !m->spec.network ? 0 : later ? 2 : 1);
	else if (form == AT_TEST)
		sim_resp_line(&r, "%s: (0-2)", c->name);
	else if (form != AT_WRITE || !arg_long(a, 0, &v) || v > 2) {
		sim_at_error(m);
		return;
	}
	sim_resp_send(m, &r, "OK");
}

static void
at_cops(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	sim_resp r;

	(void)c;
	(void)a;
	sim_resp_init(&r);
	if (form == AT_READ) {
		if (m->spec.network)
			sim_resp_line(&r, "+COPS: 0,0,\"Test Net\",7");
		else
			sim_resp_line(&r, "+COPS: 0");
	} else if (form == AT_EXEC) {
		sim_at_error(m);
		return;
	}
	sim_resp_send(m, &r, "OK");
}

static void
at_qurccfg(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	sim_resp r;

	(void)c;
	sim_resp_init(&r);
	if (form == AT_TEST) {
		sim_resp_line(&r, "+QURCCFG: \"urcport\",(\"usbat\",\"usbmodem\","
		    "\"uart\")");
		sim_resp_send(m, &r, "OK");
		return;
	}
	if (form != AT_WRITE || !arg_is(a, 0, "urcport") || a->n > 2) {
		sim_at_error(m);
		return;
	}
	if (a->n == 1) {
		sim_resp_line(&r, "+QURCCFG: \"urcport\",\"%s\"",
		    urcport_names[m->urcport]);
		sim_resp_send(m, &r, "OK");
		return;
	}
	for (size_t i = 0; i < sizeof urcport_names / sizeof urcport_names[0]; i++)
		if (arg_is(a, 1, urcport_names[i])) {
			m->urcport = (int)i;
			sim_at_ok(m);
			return;
		}
	sim_at_error(m);
}

static void
at_qcfgext(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	sim_resp r;
	long type;

	(void)c;
	if (form != AT_WRITE || !arg_is(a, 0, "fota_apn")) {
		sim_at_error(m);
		return;
	}
	sim_resp_init(&r);
	if (a->n == 1) {
		sim_resp_line(&r, "+QCFGEXT: \"fota_apn\",%d,\"%s\",\"\",\"\"",
		    m->apn_type, m->apn);
	} else if (arg_long(a, 1, &type) && type <= 2 && a->n >= 3 &&
	    a->quoted[2] && strlen(a->v[2]) < sizeof m->apn) {
		m->apn_type = (int)type;
		snprintf(m->apn, sizeof m->apn, "%s", a->v[2]);
	} else {
		sim_at_error(m);
		return;
	}
	sim_resp_send(m, &r, "OK");
}

/* ---- file system -------------------------------------------------------- */

static void
at_qflds(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	sim_resp r;

	(void)c;
	if (form == AT_WRITE && !(arg_is(a, 0, "UFS") || arg_is(a, 0, "EFS"))) {
		sim_at_error(m);
		return;
	}
	sim_resp_init(&r);
	if (form == AT_WRITE || form == AT_EXEC)
		sim_resp_line(&r, "+QFLDS: %lld,%lld",
		    sim_files_free_space(&m->files), m->files.total);
	sim_resp_send(m, &r, "OK");
}

/* The prefix the listing repeats is the one the query used. */
static const char *
name_prefix(const char *pattern)
{
	if (strncasecmp(pattern, "UFS:", 4) == 0)
		return "UFS:";
	if (strncasecmp(pattern, "EFS:", 4) == 0)
		return "EFS:";
	return "";
}

static void
at_qflst(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	const char *pattern = "*";
	sim_resp r;

	(void)c;
	if (form == AT_WRITE && a->n == 1 && a->quoted[0])
		pattern = a->v[0];
	else if (form != AT_EXEC) {
		sim_at_error(m);
		return;
	}
	sim_resp_init(&r);
	for (size_t i = 0; i < m->files.n; i++)
		if (sim_files_match(pattern, m->files.v[i].name))
			sim_resp_line(&r, "+QFLST: \"%s%s\",%zu",
			    name_prefix(pattern), m->files.v[i].name,
			    m->files.v[i].size);
	sim_resp_send(m, &r, "OK");
}

static void
at_qfdel(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	bool any = false;

	(void)c;
	if (form != AT_WRITE || a->n != 1 || !a->quoted[0]) {
		sim_at_error(m);
		return;
	}
	if (strchr(a->v[0], '*') == NULL) {
		if (sim_files_del(&m->files, a->v[0]) == 0)
			sim_at_ok(m);
		else
			sim_at_cme(m, CME_NOT_FOUND);
		return;
	}
	for (size_t i = m->files.n; i-- > 0;)
		if (sim_files_match(a->v[0], m->files.v[i].name)) {
			char name[SIM_NAME_MAX];

			memcpy(name, m->files.v[i].name, sizeof name);
			sim_files_del(&m->files, name);
			any = true;
		}
	if (any)
		sim_at_ok(m);
	else
		sim_at_cme(m, CME_NOT_FOUND);
}

static void
at_qfupl(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	long size, timeout = 5, ack = 0;
	const char *name;

	(void)c;
	if (form != AT_WRITE || a->n < 2 || !a->quoted[0] ||
	    !arg_long(a, 1, &size) || size <= 0 ||
	    (a->n > 2 && !arg_long(a, 2, &timeout)) ||
	    (a->n > 3 && (!arg_long(a, 3, &ack) || ack > 1)) || a->n > 4) {
		sim_at_error(m);
		return;
	}
	name = sim_files_strip(a->v[0]);
	if (name[0] == '\0' || strlen(name) >= SIM_NAME_MAX) {
		sim_at_error(m);
		return;
	}
	if (sim_files_find(&m->files, name) != NULL) {
		sim_at_cme(m, CME_EXISTS);
		return;
	}
	if (size > sim_files_free_space(&m->files)) {
		sim_at_cme(m, CME_NO_SPACE);
		return;
	}
	sim_upload_start(m, SIM_UPLOAD_QFUPL, name, (size_t)size,
	    (unsigned)timeout, ack == 1);
}

/* ---- DFOTA -------------------------------------------------------------- */

/* Faults trigger:error and trigger:cme:<n> answer every command that
 * would start an update. Returns true when it answered. */
static bool
trigger_refused(sim_module *m)
{
	const sim_fault *f = &m->spec.fault;

	if (f->trigger == SIM_TRIGGER_ERROR)
		sim_at_error(m);
	else if (f->trigger == SIM_TRIGGER_CME)
		sim_at_cme(m, f->trigger_cme);
	else
		return false;
	sim_module_log(m, "trigger refused (fault)");
	return true;
}

static const struct {
	const char *prefix;
	unsigned    scheme;
} url_schemes[] = {
	{ "http://",  SIM_URL_HTTP },
	{ "https://", SIM_URL_HTTPS },
	{ "ftp://",   SIM_URL_FTP },
	{ "coap://",  SIM_URL_COAP },
	{ "coaps://", SIM_URL_COAP },
};

static void
qfotadl_url(sim_module *m, const char *url)
{
	unsigned scheme = 0;

	for (size_t i = 0; i < sizeof url_schemes / sizeof url_schemes[0]; i++)
		if (strncasecmp(url, url_schemes[i].prefix,
		    strlen(url_schemes[i].prefix)) == 0)
			scheme = url_schemes[i].scheme;
	if ((scheme & m->model->schemes) == 0 ||
	    strlen(url) > (size_t)m->model->url_max) {
		bad_param(m);
		return;
	}
	if (trigger_refused(m))
		return;
	sim_at_ok(m);
	sim_fota_url(m, url);
}

static void
qfotadl_local(sim_module *m, const char *path)
{
	sim_file *f;

	if (strncmp(path, LOCAL_PREFIX, strlen(LOCAL_PREFIX)) != 0 ||
	    strlen(path) > LOCAL_MAX) {
		bad_param(m);
		return;
	}
	f = sim_files_find(&m->files, path + strlen(LOCAL_PREFIX));
	if (f == NULL) {
		sim_at_cme(m, CME_NOT_FOUND);
		return;
	}
	if (trigger_refused(m))
		return;
	sim_at_ok(m);
	sim_fota_package(m, f->data, f->size);
}

/* AT+QFOTADL=1: BG96 takes /fota/update.zip, BG95 its COM: package. */
static void
qfotadl_start(sim_module *m)
{
	const uint8_t *pkg = NULL;
	size_t len = 0;

	if (m->model->caps & SIM_CAP_FOTA1) {
		sim_file *f = sim_files_find(&m->files, BG96_PACKAGE);

		if (f == NULL && m->dialect->code_nopkg == 0) {
			sim_at_cme(m, CME_NOT_FOUND);
			return;
		}
		if (f != NULL) {
			pkg = f->data;
			len = f->size;
		}
	} else if (m->has_com_pkg) {
		pkg = m->com_pkg;
		len = m->com_pkg_len;
	}
	if (trigger_refused(m))
		return;
	sim_at_ok(m);
	sim_fota_package(m, pkg, len);
}

/* BG95 extended functions =3 (trigger mode), =4 (size), =5 (delete). */
static void
qfotadl_extended(sim_module *m, long p1, at_args *a)
{
	sim_resp r;
	long p2;

	sim_resp_init(&r);
	if (p1 == 3 && a->n == 1) {
		sim_resp_line(&r, "+QFOTADL: 3,%d", m->trigger_mode);
	} else if (p1 == 3 && a->n == 2 && arg_long(a, 1, &p2) && p2 <= 1) {
		m->trigger_mode = (int)p2;
	} else if (p1 == 4 && a->n == 1) {
		sim_resp_line(&r, "+QFOTADL: 4,%zu",
		    m->has_com_pkg ? m->com_pkg_len : 0);
	} else if (p1 == 5 && a->n == 1) {
		free(m->com_pkg);
		m->com_pkg = NULL;
		m->com_pkg_len = 0;
		m->has_com_pkg = false;
	} else {
		bad_param(m);
		return;
	}
	sim_resp_send(m, &r, "OK");
}

static void
qfotadl_com(sim_module *m, at_args *a)
{
	long size, timeout = 5;

	if (!arg_long(a, 1, &size) || size <= 0 || size > COM_MAX_BYTES ||
	    (a->n > 2 && !arg_long(a, 2, &timeout)) || a->n > 3) {
		bad_param(m);
		return;
	}
	sim_upload_start(m, SIM_UPLOAD_COM, "", (size_t)size,
	    (unsigned)timeout, false);
}

static void
at_qfotadl(sim_module *m, const at_cmd *c, at_form form, at_args *a)
{
	unsigned caps = m->model->caps;
	long p1;

	(void)c;
	if (form == AT_TEST) {
		sim_at_ok(m);
		return;
	}
	if (form != AT_WRITE) {
		sim_at_error(m);
		return;
	}
	if (a->quoted[0]) {
		if (sim_fota_busy(&m->fota))
			busy(m);
		else if ((caps & SIM_CAP_COM) && strcasecmp(a->v[0], "COM:") == 0)
			qfotadl_com(m, a);
		else if (strstr(a->v[0], "://") != NULL && a->n == 1)
			qfotadl_url(m, a->v[0]);
		else if ((caps & SIM_CAP_LOCAL) && a->n == 1)
			qfotadl_local(m, a->v[0]);
		else
			bad_param(m);
		return;
	}
	if (!arg_long(a, 0, &p1) || !(caps & (SIM_CAP_FOTA1 | SIM_CAP_COM))) {
		bad_param(m);
		return;
	}
	if (p1 == 1 && a->n == 1) {
		if (sim_fota_busy(&m->fota))
			busy(m);
		else
			qfotadl_start(m);
	} else if (caps & SIM_CAP_COM) {
		qfotadl_extended(m, p1, a);
	} else {
		bad_param(m);
	}
}

/* ---- table and dispatch ------------------------------------------------ */

static const at_cmd commands[] = {
	{ "",         0,              at_plain },
	{ "E",        0,              at_echo },
	{ "I",        0,              at_info },
	{ "+CMEE",    0,              at_cmee },
	{ "+QGMR",    0,              at_qgmr },
	{ "+CGSN",    0,              at_imei },
	{ "+GSN",     0,              at_imei },
	{ "+QCCID",   0,              at_qccid },
	{ "+EGMR",    SIM_CAP_EGMR,   at_egmr },
	{ "+CPIN",    0,              at_cpin },
	{ "+CSQ",     0,              at_csq },
	{ "+CESQ",    0,              at_cesq },
	{ "+CGPADDR", 0,              at_cgpaddr },
	{ "+CREG",    0,              at_reg },
	{ "+CGREG",   0,              at_reg },
	{ "+CEREG",   0,              at_reg },
	{ "+COPS",    0,              at_cops },
	{ "+QURCCFG", SIM_CAP_URCCFG, at_qurccfg },
	{ "+QCFGEXT", SIM_CAP_CFGEXT, at_qcfgext },
	{ "+QFLDS",   SIM_CAP_FILES,  at_qflds },
	{ "+QFLST",   SIM_CAP_FILES,  at_qflst },
	{ "+QFDEL",   SIM_CAP_FILES,  at_qfdel },
	{ "+QFUPL",   SIM_CAP_FILES,  at_qfupl },
	{ "+QFOTADL", 0,              at_qfotadl },
};

static const at_cmd *
find_command(const sim_module *m, const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return (commands[i].caps & m->model->caps) ==
			    commands[i].caps ? &commands[i] : NULL;
	return NULL;
}

static void
execute_one(sim_module *m, const char *line)
{
	char copy[SIM_LINE_MAX], name[16];
	size_t nl = 0;
	char *rest;
	const at_cmd *c;
	at_form form = AT_EXEC;
	at_args a = { .n = 0 };

	if (strncasecmp(line, "AT", 2) != 0) {
		sim_module_log(m, "not a command, ignored");
		return;
	}
	snprintf(copy, sizeof copy, "%s", line + 2);
	rest = copy;
	if (*rest == '+') {
		/* Extended command: "+NAME" then "", "?", "=?" or "=args". */
		do
			name[nl++] = (char)toupper((unsigned char)*rest++);
		while (nl + 1 < sizeof name && isalnum((unsigned char)*rest));
	} else if (isalpha((unsigned char)*rest)) {
		/* Basic command: one letter, the rest is its argument. */
		name[nl++] = (char)toupper((unsigned char)*rest++);
	}
	name[nl] = '\0';
	if (name[0] != '+') {
		a.n = 1;
		a.v[0] = rest;
	} else if (strcmp(rest, "?") == 0) {
		form = AT_READ;
	} else if (strcmp(rest, "=?") == 0) {
		form = AT_TEST;
	} else if (rest[0] == '=') {
		form = AT_WRITE;
		if (parse_args(rest + 1, &a) != 0 || a.n == 0) {
			sim_at_error(m);
			return;
		}
	} else if (rest[0] != '\0') {
		sim_at_error(m);
		return;
	}
	if (m->spec.fault.mute[0] != '\0' && strcmp(name, m->spec.fault.mute) == 0) {
		sim_module_log(m, "fault mute: no answer to AT%s", name);
		return;
	}
	c = find_command(m, name);
	if (c == NULL || (name[0] == '\0' && rest[0] != '\0')) {
		sim_at_error(m);
		return;
	}
	c->fn(m, c, form, &a);
}

/* Where the next command of a concatenated line starts: after a ';' that is
 * not inside quotes; NULL when none. */
static const char *
next_command(const char *p)
{
	bool quoted = false;

	for (; *p != '\0'; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ';' && !quoted)
			return p + 1;
	}
	return NULL;
}

/* "AT+CSQ;+CREG?;+CGREG?;+COPS?" as the guides' examples send it: each
 * command runs in order, the answers are joined, one final result ends
 * them; the first command that fails ends the line with its result. A
 * command that enters data mode (an upload) cannot be part of one. */
static void
execute_concat(sim_module *m, const char *line)
{
	struct sim_batch b;
	const char *p = line + 2;

	memset(&b, 0, sizeof b);
	sim_resp_init(&b.resp);
	snprintf(b.final, sizeof b.final, "OK");
	while (p != NULL && *p != '\0') {
		const char *next = next_command(p);
		size_t len = next != NULL ? (size_t)(next - 1 - p) : strlen(p);
		char one[SIM_LINE_MAX];

		snprintf(one, sizeof one, "AT%.*s", (int)len, p);
		if (strncasecmp(one, "AT+QFUPL", 8) == 0 ||
		    strncasecmp(one, "AT+QFOTADL=\"COM:", 16) == 0) {
			snprintf(b.final, sizeof b.final, "ERROR");
			break;
		}
		b.answered = false;
		m->batch = &b;
		execute_one(m, one);
		m->batch = NULL;
		if (!b.answered) {
			snprintf(b.final, sizeof b.final, "ERROR");
			break;
		}
		if (strcmp(b.final, "OK") != 0)
			break;
		p = next;
	}
	sim_resp_send(m, &b.resp, b.final);
}

static void
on_slow(void *arg)
{
	sim_module *m = arg;
	char *line = m->slow_line;

	m->slow_line = NULL;
	if (line == NULL)
		return;
	sim_module_log(m, "slow answer (fault)");
	execute_one(m, line);
	free(line);
}

void
sim_at_init(sim_module *m)
{
	sim_timer_init(&m->slow, on_slow, m);
	m->slow_line = NULL;
}

void
sim_at_cancel(sim_module *m)
{
	sim_timer_stop(m->env->loop, &m->slow);
	free(m->slow_line);
	m->slow_line = NULL;
}

/* Fault slow:<ms>: AT+QFOTADL=<para1> (BG95: 1, 3, 4, 5) answers after
 * <ms> of real time, inside the guide's 10 s. Not scaled by --speed: the
 * station's command timeouts are not either. */
static bool
held_back(sim_module *m, const char *line)
{
	if (m->spec.fault.slow_ms <= 0 || !(m->model->caps & SIM_CAP_COM) ||
	    strncasecmp(line, "AT+QFOTADL=", 11) != 0 ||
	    !isdigit((unsigned char)line[11]) || m->slow_line != NULL)
		return false;
	if ((m->slow_line = strdup(line)) == NULL)
		return false;
	sim_timer_start(m->env->loop, &m->slow,
	    (uint64_t)m->spec.fault.slow_ms * 1000u);
	return true;
}

void
sim_at_execute(sim_module *m, const char *line)
{
	if (held_back(m, line))
		return;
	if (strncasecmp(line, "AT", 2) == 0 && next_command(line) != NULL)
		execute_concat(m, line);
	else
		execute_one(m, line);
}
