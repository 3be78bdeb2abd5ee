/*
 * sim_fota: builds and plays a module's DFOTA plan; see sim_fota.h.
 *
 * Durations are module durations at --speed 1, scaled when a step is
 * added. The shapes, per dialect row:
 *
 *   download (URL):  <X>START, [DOWNLOADING,<pct>...], <X>END,<err>
 *   into updater:    recovery_reboot: power down, return deaf
 *                    dfota_mode:      RESETTING x1..3, USB gone
 *                    otherwise:       (BC26) the updater just starts
 *   update:          START, UPDATING,<pct>..., [RESTORE,<pct>...], END,<err>
 *   afterwards:      reboot into normal mode with RDY (new revision if 0);
 *                    a dialect without reboot_on_fail just carries on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/sim_fota.h"
#include "sim/sim_module.h"
#include "sim/sim_package.h"

/* Base durations in ms at --speed 1. */
enum {
	MS_BOOT        = 8000,
	MS_DOWNLOAD    = 20000,
	MS_UPDATE      = 60000,
	MS_RESTORE     = 10000,
	MS_RESETTING   = 5000,
	MS_REPLY       = 300,     /* from OK to the first URC          */
	MS_TO_REBOOT   = 1000,    /* from a decision to the power-down */
	SIM_DOWN_MIN_US = 50000,  /* real time, not scaled: see add()   */
	MS_DL_FAIL     = 2000,    /* a download that cannot start      */
	MS_CHECK       = 2000,    /* START to END of a refused package */
	MS_UPDATER_START = 3000,  /* updater_rdy: RDY to the updater   */
	MS_DL_CUT_MIN  = 1000,    /* powerloss:download, after <X>START */
};

/* Where faults cut into a phase, in percent. */
enum {
	PCT_HANG      = 40,
	PCT_POWERLOSS = 50,
	PCT_FAIL      = 60,
	PCT_DL_FAIL   = 30,
};

#define RESUME_BANNER "Last upgrade was not finished,continue upgrade"

typedef struct plan {
	sim_module *m;
	sim_fota   *f;
	bool        dfota;     /* URCs routed as in BG95 DFOTA mode */
} plan;

/* ---- building --------------------------------------------------------- */

static sim_step *
add(plan *p, sim_step_op op, unsigned base_ms)
{
	sim_fota *f = p->f;
	sim_step *s;

	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 64;
		sim_step *ns = realloc(f->steps, ncap * sizeof *ns);

		if (ns == NULL)
			abort();     /* a few kB for a plan: nothing to save */
		f->steps = ns;
		f->cap = ncap;
	}
	s = &f->steps[f->n++];
	s->op = op;
	s->dfota = p->dfota;
	s->delay_us = sim_module_us(p->m, base_ms);
	/* A power-down never follows its last words by less than 50 ms of real
	 * time, however fast the emulation: a pty hang-up discards what the
	 * host has not read yet, and no real module drops its port within
	 * milliseconds of printing END. */
	if (op == SIM_STEP_DOWN && s->delay_us < SIM_DOWN_MIN_US)
		s->delay_us = SIM_DOWN_MIN_US;
	s->text[0] = '\0';
	return s;
}

/* A `+QIND: "FOTA",<rest>` line. */
static void
add_urc(plan *p, uint64_t delay_us, const char *fmt, ...)
{
	sim_step *s = add(p, SIM_STEP_URC, 0);
	int o = snprintf(s->text, sizeof s->text, "+QIND: \"FOTA\",");
	va_list ap;

	s->delay_us = delay_us;
	va_start(ap, fmt);
	vsnprintf(s->text + o, sizeof s->text - (size_t)o, fmt, ap);
	va_end(ap);
}

/* Fault typo: the spellings the guides print (BC26 HTTPTART/HTTPPEND,
 * BG95 " RESETTING"). */
static const char *
word(const plan *p, const char *w)
{
	static const struct { const char *right, *typo; } typos[] = {
		{ "HTTPSTART", "HTTPTART" },
		{ "HTTPEND",   "HTTPPEND" },
		{ "RESETTING", " RESETTING" },
	};

	if (!p->m->spec.fault.typo)
		return w;
	for (size_t i = 0; i < sizeof typos / sizeof typos[0]; i++)
		if (strcmp(typos[i].right, w) == 0)
			return typos[i].typo;
	return w;
}

static void
add_word(plan *p, uint64_t delay_us, const char *w)
{
	add_urc(p, delay_us, "\"%s\"", word(p, w));
}

static void
add_code(plan *p, uint64_t delay_us, const char *w, int code)
{
	add_urc(p, delay_us, "\"%s\",%d", word(p, w), code);
}

/* The percentages of a phase: 1, step, 2*step, ..., up to `to`. Fault dup
 * repeats some and swaps some neighbours. Returns the count. */
static size_t
percentages(plan *p, int to, int *out, size_t cap)
{
	int step = p->m->dialect->pct_step;
	size_t n = 0;

	for (int v = 1; v <= to && n < cap; v = v == 1 ? step : v + step)
		out[n++] = v;
	if (!p->m->spec.fault.dup)
		return n;
	for (size_t i = 0; i + 1 < n && n < cap; i++) {
		if (sim_rng_one_in(&p->m->rng, 4)) {
			int t = out[i];

			out[i] = out[i + 1];
			out[i + 1] = t;
			i++;
		} else if (sim_rng_one_in(&p->m->rng, 4)) {
			memmove(&out[i + 1], &out[i], (n - i) * sizeof *out);
			n++;
			i++;
		}
	}
	return n;
}

/* Progress lines of one phase over `total_ms` (for the whole 1..100). */
static void
add_progress(plan *p, const char *w, unsigned total_ms, int to)
{
	int pct[256];
	size_t n = percentages(p, to, pct, sizeof pct / sizeof pct[0]);
	int steps = 100 / p->m->dialect->pct_step + 1;
	uint64_t each = sim_module_us(p->m, total_ms) / (uint64_t)steps;

	for (size_t i = 0; i < n; i++) {
		char num[16];

		/* "42" or " 42%": the number format is dialect data. */
		snprintf(num, sizeof num, p->m->dialect->pct_fmt, pct[i]);
		add_urc(p, each, "\"%s\",%s", w, num);
	}
}

/* Power lost inside the updater: the port vanishes (BG95 in DFOTA mode:
 * it is already off USB, only its UART falls silent) and comes back
 * after a boot into the updater again, which starts the phase anew. Only
 * the BG96 prints the resume banner (docs/protocol.md 5). */
static void
add_powerloss(plan *p)
{
	add(p, SIM_STEP_DOWN, MS_REPLY);
	if (!p->dfota)
		add(p, SIM_STEP_UP_RECOVERY, MS_BOOT);
	if (p->m->dialect->restore)
		add_word(p, sim_module_us(p->m, p->dfota ? MS_BOOT : MS_REPLY),
		    RESUME_BANNER);
	add_word(p, sim_module_us(p->m, p->dfota && !p->m->dialect->restore ?
	    MS_BOOT : MS_REPLY), "START");
}

/* Where a power cut falls into UPDATING: a seeded percentage in 5..95
 * (Quectel's QA cuts "at a random UPDATING"); RESTORE keeps 50 %. */
static int
powerloss_pct(plan *p, sim_phase phase)
{
	if (phase != SIM_PHASE_UPDATING)
		return PCT_POWERLOSS;
	return (int)sim_rng_range(&p->m->rng, 1, 19) * 5;
}

/* One updater phase with the faults that cut into it. Returns false when
 * the plan ends inside it (hang). */
static bool
add_phase(plan *p, sim_phase phase, const char *w, unsigned total_ms)
{
	const sim_fault *f = &p->m->spec.fault;

	if (f->hang == phase) {
		add_progress(p, w, total_ms, PCT_HANG);
		add(p, SIM_STEP_HANG, MS_REPLY);
		return false;
	}
	if (f->powerloss == phase) {
		add_progress(p, w, total_ms, powerloss_pct(p, phase));
		add_powerloss(p);
		add_progress(p, w, total_ms, 100);
		return true;
	}
	add_progress(p, w, total_ms, 100);
	return true;
}

/* A package check that fails (guide 001: tried up to 3 times); any
 * other failure is of the update itself (up to 5 times). */
static bool
is_check_code(const sim_module *m, int code)
{
	return code == 502 || code == m->dialect->code_badpkg ||
	    code == m->dialect->code_mismatch || code == m->dialect->code_nopkg;
}

/* The last reboot: into normal mode, at the new revision when code is 0.
 * A dialect without reboot_on_fail "returns an error and exits from
 * DFOTA" (BC26): it just carries on. */
static void
add_final_boot(plan *p, int code)
{
	if (code == 0 || p->m->dialect->reboot_on_fail) {
		if (p->dfota) {
			/* Already off USB: the reboot is the return. */
			p->dfota = false;
		} else if (code == 0 && p->m->spec.fault.powerloss ==
		    SIM_PHASE_END) {
			/* Power cut right after END,0, before the planned
			 * reboot: the new firmware is in place all the same. */
			add(p, SIM_STEP_DOWN, MS_REPLY);
		} else {
			add(p, SIM_STEP_DOWN, MS_TO_REBOOT);
		}
		if (code == 0)
			add(p, SIM_STEP_SET_REV, 0);
		add(p, SIM_STEP_UP_NORMAL, MS_BOOT);
	}
	add(p, SIM_STEP_FINISH, 0);
}

/* START ... END. `code` is the package check; fault end:<code>[x<N>]
 * fails an update that would have worked (a check code right after
 * START, another part-way through UPDATING). With module-side retries
 * (AG35/EP06) each failed try is a reboot into the updater and a new
 * START, up to 3 tries for a check and 5 for an update; after the last
 * the module restores its old version. */
static void
add_update(plan *p, int code)
{
	const sim_dialect *d = p->m->dialect;
	const sim_fault *f = &p->m->spec.fault;
	int tries = 1;

	if (sim_module_retries(p->m))
		tries = is_check_code(p->m, code ? code : f->end_code) ? 3 : 5;
	for (int t = 1;; t++) {
		int end = code;

		if (end == 0 && f->end_code != 0 && (f->end_times == 0 ||
		    t <= f->end_times))
			end = f->end_code;
		add_word(p, sim_module_us(p->m, MS_REPLY), "START");
		if (t == 1 && f->powerloss == SIM_PHASE_START) {
			add_powerloss(p);
		}
		if (end != 0 && is_check_code(p->m, end)) {
			add_code(p, sim_module_us(p->m, MS_CHECK), "END", end);
		} else if (end != 0) {
			add_progress(p, "UPDATING", MS_UPDATE, PCT_FAIL);
			add_code(p, sim_module_us(p->m, MS_REPLY), "END", end);
		} else {
			if (!add_phase(p, SIM_PHASE_UPDATING, "UPDATING",
			    MS_UPDATE))
				return;
			if (d->restore && !add_phase(p, SIM_PHASE_RESTORE,
			    "RESTORE", MS_RESTORE))
				return;
			add_code(p, sim_module_us(p->m, MS_REPLY), "END", 0);
		}
		if (end == 0 || t >= tries) {
			add_final_boot(p, end);
			return;
		}
		/* The module tries again: a reboot into its updater. */
		if (!p->dfota) {
			add(p, SIM_STEP_DOWN, MS_TO_REBOOT);
			add(p, SIM_STEP_UP_RECOVERY, MS_BOOT);
		}
	}
}

/* From "decided to update" to the updater running. */
static void
add_into_updater(plan *p)
{
	const sim_dialect *d = p->m->dialect;

	if (d->dfota_mode) {
		uint32_t n = sim_rng_range(&p->m->rng, 1, 3);

		for (uint32_t i = 0; i < n; i++)
			add_word(p, sim_module_us(p->m, MS_RESETTING / n),
			    "RESETTING");
		add(p, SIM_STEP_DOWN, MS_REPLY);
		p->dfota = true;
		/* The DFOTA application boots before it speaks. */
		add(p, SIM_STEP_DEAF, MS_BOOT);
	} else if (d->recovery_reboot && p->m->spec.updater_rdy) {
		/* Firmware whose updater boots like a normal module: RDY, AT
		 * answers at the old revision, and START only seconds later. */
		add(p, SIM_STEP_DOWN, MS_TO_REBOOT);
		add(p, SIM_STEP_UP_NORMAL, MS_BOOT);
		add(p, SIM_STEP_DEAF, (unsigned)p->m->spec.ready_ms +
		    MS_UPDATER_START);
	} else if (d->recovery_reboot) {
		add(p, SIM_STEP_DOWN, MS_TO_REBOOT);
		add(p, SIM_STEP_UP_RECOVERY, MS_BOOT);
	} else {
		add(p, SIM_STEP_DEAF, 0);
	}
}

/* fault nostart: the trigger was taken, the module reboots as into its
 * updater but comes back normal at its old revision (RDY, AT answers) and
 * never prints a FOTA URC, as with a package it silently ignored. Only
 * models that reboot into a separate updater (recovery_reboot) can show
 * it; BC26 updates in place and BG95 goes into its DFOTA mode off USB,
 * so there the fault is logged and ignored. Returns true when planned. */
static bool
add_nostart(plan *p)
{
	const sim_dialect *d = p->m->dialect;

	if (!p->m->spec.fault.nostart)
		return false;
	if (d->dfota_mode || !d->recovery_reboot) {
		sim_module_log(p->m, "fault nostart does not apply to %s",
		    p->m->model->name);
		return false;
	}
	add(p, SIM_STEP_DOWN, MS_TO_REBOOT);
	add(p, SIM_STEP_UP_NORMAL, MS_BOOT);
	add(p, SIM_STEP_FINISH, 0);
	return true;
}

/* The END code the module's package check gives, and the target. */
static int
judge(sim_module *m, const uint8_t *pkg, size_t len)
{
	sim_package h;

	if (pkg == NULL)
		return m->dialect->code_nopkg;
	if (sim_package_parse(pkg, len, &h) != 0)
		return m->dialect->code_badpkg;
	if (!sim_model_compatible(m->model, h.model) ||
	    strcmp(h.from, m->rev) != 0)
		return m->dialect->code_mismatch;
	snprintf(m->fota.to_rev, sizeof m->fota.to_rev, "%s", h.to);
	return 0;
}

/* ---- playing ---------------------------------------------------------- */

static void
plan_reset(sim_module *m)
{
	sim_fota *f = &m->fota;

	sim_timer_stop(m->env->loop, &f->timer);
	f->n = f->pos = 0;
	f->active = false;
	free(f->pkg);
	f->pkg = NULL;
	f->pkg_len = 0;
}

static void
plan_begin(sim_module *m)
{
	sim_fota *f = &m->fota;

	f->pos = 0;
	f->active = f->n > 0;
	sim_module_log(m, "plan of %zu steps", f->n);
	if (f->active)
		sim_timer_start(m->env->loop, &f->timer, f->steps[0].delay_us);
}

/* Fault merge: the URCs that follow go out in the same write. */
static size_t
play_urcs(sim_module *m, size_t pos)
{
	sim_fota *f = &m->fota;
	const char *lines[4];
	size_t n = 1, want = 1;

	lines[0] = f->steps[pos].text;
	if (m->spec.fault.merge)
		want = sim_rng_range(&m->rng, 2, 4);
	while (n < want && pos + n < f->n &&
	    f->steps[pos + n].op == SIM_STEP_URC &&
	    f->steps[pos + n].dfota == f->steps[pos].dfota) {
		lines[n] = f->steps[pos + n].text;
		n++;
	}
	sim_module_urc(m, lines, n, f->steps[pos].dfota);
	return n;
}

static void
finish(sim_module *m)
{
	sim_fota *f = &m->fota;

	f->active = false;
	if (m->at.up && !m->booting)
		m->deaf = false;
	sim_module_log(m, "update over, rev %s", m->rev);
}

/* play(): the step must wait a little and be tried again. */
#define STEP_LATER ((size_t)-1)

/* Executes one step; returns how many steps it used, 0 to stop. */
static size_t
play(sim_module *m, size_t pos)
{
	sim_fota *f = &m->fota;
	sim_step *s = &f->steps[pos];
	sim_up_result r;

	switch (s->op) {
	case SIM_STEP_URC:
		return play_urcs(m, pos);
	case SIM_STEP_DOWN:
		/* What a module printed has left it before it resets: with
		 * `split` the fragments may still be queued here. */
		if (m->at.up && sim_out_pending(&m->at.out) > 0)
			return STEP_LATER;
		sim_module_power_down(m);
		return 1;
	case SIM_STEP_UP_RECOVERY:
	case SIM_STEP_UP_NORMAL:
		r = sim_module_power_up(m, s->op == SIM_STEP_UP_NORMAL);
		return r == SIM_UP_OK ? 1 : 0;
	case SIM_STEP_DEAF:
		m->deaf = true;
		m->booting = false;
		sim_timer_stop(m->env->loop, &m->ready);
		return 1;
	case SIM_STEP_STORE:
		free(m->com_pkg);
		m->com_pkg = f->pkg;
		m->com_pkg_len = f->pkg_len;
		m->has_com_pkg = true;
		f->pkg = NULL;
		return 1;
	case SIM_STEP_SET_REV:
		snprintf(m->rev, sizeof m->rev, "%s", f->to_rev);
		return 1;
	case SIM_STEP_HANG:
		sim_module_hang(m);
		return 0;
	case SIM_STEP_FINISH:
		finish(m);
		return 0;
	}
	return 0;
}

static void
on_step(void *arg)
{
	sim_module *m = arg;
	sim_fota *f = &m->fota;
	size_t used = play(m, f->pos);

	if (used == STEP_LATER) {
		sim_timer_start(m->env->loop, &f->timer, SIM_DOWN_MIN_US);
		return;
	}
	if (used == 0) {
		f->active = false;
		return;
	}
	f->pos += used;
	if (f->pos >= f->n) {
		f->active = false;
		return;
	}
	sim_timer_start(m->env->loop, &f->timer, f->steps[f->pos].delay_us);
}

/* ---- triggers ------------------------------------------------------- */

typedef struct transport {
	const char *prefix;
	const char *start, *end;
	bool        ftp;
} transport;

static const transport transports[] = {
	{ "ftp://",   "FTPSTART",  "FTPEND",  true },
	{ "coap",     "COAPSTART", "COAPEND", false },
	{ "http",     "HTTPSTART", "HTTPEND", false },
};

/* Reads <pkgdir>/<the url's whole path>: the emulated server checks the
 * URL it received, so a URL cut short names no file. NULL if absent. */
static uint8_t *
fetch(sim_module *m, const char *url, size_t *len)
{
	const char *host = strstr(url, "://");
	const char *rel = host != NULL ? strchr(host + 3, '/') : NULL;
	char *path = NULL;
	uint8_t *buf = NULL;
	FILE *fp;
	long sz;

	if (m->env->pkgdir == NULL || rel == NULL || rel[1] == '\0' ||
	    strstr(rel, "/../") != NULL)
		return NULL;
	if (asprintf(&path, "%s%s", m->env->pkgdir, rel) < 0)
		return NULL;
	fp = fopen(path, "rb");
	if (fp != NULL) {
		if (fseek(fp, 0, SEEK_END) == 0 && (sz = ftell(fp)) >= 0 &&
		    fseek(fp, 0, SEEK_SET) == 0 && (buf = malloc((size_t)sz + 1)) &&
		    fread(buf, 1, (size_t)sz, fp) == (size_t)sz) {
			*len = (size_t)sz;
		} else {
			free(buf);
			buf = NULL;
		}
		fclose(fp);
	}
	sim_module_log(m, "fetch %.200s%s: %s", path, strlen(path) > 200 ?
	    "..." : "", buf ? "found" : "missing");
	free(path);
	return buf;
}

/* A certificate file on the module that looks like PEM. */
static bool
has_pem(sim_module *m, const char *name)
{
	char full[SIM_NAME_MAX];
	sim_file *f;

	snprintf(full, sizeof full, "%s%s", m->model->cert_dir, name);
	f = sim_files_find(&m->files, full);
	return f != NULL && f->size > 10 && memcmp(f->data, "-----BEGIN", 10) == 0;
}

/* The emulated https server has a private CA: the module needs
 * fota_cacert.pem (guides 000, 003), and a client certificate only with
 * its key. Models whose guide names no certificates are not checked. */
static bool
tls_ok(sim_module *m, const char *url)
{
	if (strncasecmp(url, "https://", 8) != 0 || m->model->cert_dir == NULL)
		return true;
	return has_pem(m, "fota_cacert.pem") &&
	    has_pem(m, "fota_client_cert.pem") == has_pem(m, "fota_client_key.pem");
}

static int
download_code(sim_module *m, const transport *t, const uint8_t *pkg,
    const char *url)
{
	const sim_dialect *d = m->dialect;
	int missing = t->ftp ? d->dl_missing_ftp : d->dl_missing_http;
	int nonet = d->dl_nonet ? d->dl_nonet : missing;

	if (m->spec.fault.dl_code)
		return m->spec.fault.dl_code;
	/* Registered without an address is no network for a download. */
	if (!m->spec.network || m->spec.fault.noaddr || m->spec.fault.netloss)
		return nonet;
	/* BG95: the DFOTA APN must be the one the network wants. */
	if (d->dl_apn && m->spec.apn[0] != '\0' &&
	    strcasecmp(m->apn, m->spec.apn) != 0) {
		sim_module_log(m, "fota_apn \"%s\" is not the network's \"%s\"",
		    m->apn, m->spec.apn);
		return d->dl_apn;
	}
	if (!tls_ok(m, url)) {
		sim_module_log(m, "https without the certificates");
		return d->dl_tls ? d->dl_tls : missing;
	}
	return pkg == NULL ? missing : 0;
}

void
sim_fota_url(sim_module *m, const char *url)
{
	const transport *t = &transports[2];
	plan p = { m, &m->fota, false };
	int code;

	for (size_t i = 0; i < sizeof transports / sizeof transports[0]; i++)
		if (strncasecmp(url, transports[i].prefix,
		    strlen(transports[i].prefix)) == 0) {
			t = &transports[i];
			break;
		}
	plan_reset(m);
	m->fota.pkg = fetch(m, url, &m->fota.pkg_len);
	code = download_code(m, t, m->fota.pkg, url);
	add_word(&p, sim_module_us(m, MS_REPLY), t->start);
	if (code != 0) {
		if (m->dialect->dl_progress)
			add_progress(&p, "DOWNLOADING", MS_DOWNLOAD, PCT_DL_FAIL);
		add_code(&p, sim_module_us(m, MS_DL_FAIL), t->end, code);
		add(&p, SIM_STEP_FINISH, 0);
		plan_begin(m);
		return;
	}
	if (m->spec.fault.powerloss == SIM_PHASE_DOWNLOAD) {
		/* Power cut 1-2 s after <X>START: the module boots normally
		 * at its old version; nothing of the download is kept. */
		add(&p, SIM_STEP_DOWN, MS_DL_CUT_MIN +
		    sim_rng_range(&m->rng, 0, 1000));
		add(&p, SIM_STEP_UP_NORMAL, MS_BOOT);
		add(&p, SIM_STEP_FINISH, 0);
		/* Only the first download is cut. */
		m->spec.fault.powerloss = SIM_PHASE_NONE;
		plan_begin(m);
		return;
	}
	if (m->spec.fault.hang == SIM_PHASE_DOWNLOAD) {
		if (m->dialect->dl_progress)
			add_progress(&p, "DOWNLOADING", MS_DOWNLOAD, PCT_HANG);
		add(&p, SIM_STEP_HANG, MS_DOWNLOAD * PCT_HANG / 100);
		plan_begin(m);
		return;
	}
	if (m->dialect->dl_progress)
		add_progress(&p, "DOWNLOADING", MS_DOWNLOAD, 100);
	add_code(&p, m->dialect->dl_progress ? sim_module_us(m, MS_REPLY) :
	    sim_module_us(m, MS_DOWNLOAD), t->end, 0);
	if (m->dialect->dfota_mode) {
		/* BG95 keeps the download as its local package; in manual
		 * trigger mode it waits for AT+QFOTADL=1. */
		code = judge(m, m->fota.pkg, m->fota.pkg_len);
		add(&p, SIM_STEP_STORE, 0);
		if (m->trigger_mode == 0) {
			add(&p, SIM_STEP_FINISH, 0);
			plan_begin(m);
			return;
		}
	} else {
		code = judge(m, m->fota.pkg, m->fota.pkg_len);
	}
	if (add_nostart(&p)) {
		plan_begin(m);
		return;
	}
	add_into_updater(&p);
	add_update(&p, code);
	plan_begin(m);
}

void
sim_fota_package(sim_module *m, const uint8_t *pkg, size_t len)
{
	plan p = { m, &m->fota, false };

	plan_reset(m);
	if (add_nostart(&p))
		goto begin;
	add_into_updater(&p);
	add_update(&p, judge(m, pkg, len));
begin:
	/* The first step waits as long as an OK takes to reach the host. */
	if (m->fota.n > 0 && m->fota.steps[0].delay_us == 0)
		m->fota.steps[0].delay_us = sim_module_us(m, MS_REPLY);
	plan_begin(m);
}

void
sim_fota_resume(sim_module *m)
{
	plan p = { m, &m->fota, m->dialect->dfota_mode };
	bool restore = m->dialect->restore;
	int end = m->spec.fault.end_code;

	plan_reset(m);
	snprintf(m->fota.to_rev, sizeof m->fota.to_rev, "%s",
	    m->model->rev_next);
	m->deaf = true;
	/* The banner is the BG96's alone (docs/protocol.md 5); the others (BC26
	 * in UPDATING) just start again. */
	if (restore)
		add_word(&p, sim_module_us(m, MS_REPLY), RESUME_BANNER);
	add_word(&p, sim_module_us(m, MS_REPLY), "START");
	/* BG96 resumes in RESTORE (guide 000); the others in UPDATING. */
	if (!add_phase(&p, restore ? SIM_PHASE_RESTORE : SIM_PHASE_UPDATING,
	    restore ? "RESTORE" : "UPDATING", restore ? MS_RESTORE : MS_UPDATE))
		goto begin;
	add_code(&p, sim_module_us(m, MS_REPLY), "END", end);
	add_final_boot(&p, end);
begin:
	plan_begin(m);
}

/* ---- life cycle ------------------------------------------------------- */

void
sim_fota_init(sim_fota *f, sim_module *m)
{
	memset(f, 0, sizeof *f);
	sim_timer_init(&f->timer, on_step, m);
}

void
sim_fota_free(sim_module *m)
{
	plan_reset(m);
	free(m->fota.steps);
	m->fota.steps = NULL;
	m->fota.cap = 0;
}

bool
sim_fota_busy(const sim_fota *f)
{
	return f->active;
}

