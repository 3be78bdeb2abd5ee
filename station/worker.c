/*
 * worker: the unit loop of one slot, and the small tools every phase uses
 * (posting state, commands with the policy's timeout, connecting to the
 * port, identifying the module).
 *
 * How a unit goes: the worker waits until its port opens, identifies the
 * module (ATI, AT+QGMR, AT+CGSN, AT+QCCID), asks the catalog for a plan,
 * and runs each hop of the plan (worker_deliver, then worker_follow) with
 * up to policy.attempts tries, re-identifying before each new try so that
 * the plan starts from where the unit really is. The finished record goes
 * to the bus as BUS_UNIT_END; then the worker waits for the unit to leave.
 *
 * Nothing here sleeps blindly: every wait polls the port and the slot's
 * stop pipe, so the station can always stop a worker.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dialects/cmdtimes.h"
#include "station/unit.h"
#include "station/identity.h"
#include "dialects/urc.h"
#include "station/worker.h"
#include "station/worker_int.h"

int
worker_cmd_ms(const worker *w)
{
	return (int)(w->pol->command_timeout * 1000);
}

static void
worker_post(worker *w, bus_kind kind, char *text, unit_record *unit)
{
	bus_event ev = {
		.kind = kind, .slot = w->sl->index, .phase = w->phase,
		.percent = w->percent, .error_code = -1, .text = text, .unit = unit,
	};

	snprintf(ev.slot_label, sizeof ev.slot_label, "%s", w->sl->label);
	station_post(w->st, &ev);
}

static unit_record *
worker_unit_copy(const worker *w)
{
	unit_record *u = malloc(sizeof *u);

	if (u != NULL)
		*u = w->u;
	return u;
}

/* The AT channel's trace kinds as the bus's event kinds. */
static const bus_kind worker_trace_bus[] = {
	[AT_TRACE_TX]   = BUS_TX,
	[AT_TRACE_RX]   = BUS_RX,
	[AT_TRACE_NOTE] = BUS_NOTE,
};

static void
worker_trace(void *ctx, at_trace_kind kind, const char *text)
{
	worker *w = ctx;

	worker_post(w, worker_trace_bus[kind], strdup(text), NULL);
}

void
worker_set(worker *w, unit_phase ph, int percent)
{
	if (ph == w->phase && percent == w->percent)
		return;
	w->phase = ph;
	w->percent = percent;
	worker_post(w, BUS_STATE, NULL, NULL);
	if (w->journaled)
		journal_phase(w->st->journal, w->u.slot, w->u.imei, ph, percent);
}

/* The unit goes into the journal before anything changes on the module, so
 * that a crash of the station can never lose it. */
void
worker_journal_begin(worker *w)
{
	if (w->st->journal == NULL || w->journaled)
		return;
	if (journal_begin(w->st->journal, &w->u) == 0)
		w->journaled = true;
	else
		worker_note(w, "could not write the journal (%s): a crash now would lose this unit",
		    strerror(errno));
}

void
worker_note(worker *w, const char *fmt, ...)
{
	va_list ap;
	char   *text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	worker_post(w, BUS_NOTE, text, NULL);
}

static hop_rc
worker_fail_v(worker *w, unit_phase ph, int code, bool retry, const char *fmt, va_list ap)
{
	bus_event ev;

	vsnprintf(w->u.error_text, sizeof w->u.error_text, fmt, ap);
	w->u.error_phase = ph;
	w->u.error_code = code;
	w->u.result = RESULT_FAIL;
	w->retry = retry;
	ev = (bus_event){
		.kind = BUS_STATE, .slot = w->sl->index, .phase = ph,
		.percent = w->percent, .error_code = code,
		.text = strdup(w->u.error_text),
	};
	snprintf(ev.slot_label, sizeof ev.slot_label, "%s", w->sl->label);
	station_post(w->st, &ev);
	return HOP_FAIL;
}

hop_rc
worker_fail(worker *w, unit_phase ph, int code, bool retry, const char *fmt, ...)
{
	va_list ap;
	hop_rc  rc;

	va_start(ap, fmt);
	rc = worker_fail_v(w, ph, code, retry, fmt, ap);
	va_end(ap);
	return rc;
}

hop_rc
worker_fail_code(worker *w, unit_phase ph, err_context ctx, int code, const char *what)
{
	model_dialect d = w->id.mi != NULL ? w->id.mi->dialect : DIALECT_UNKNOWN;
	char          buf[ERROR_MEANING_MAX];
	const char   *meaning = error_meaning(d, ctx, code, buf, sizeof buf);

	return worker_fail(w, ph, code, error_retry_helps(d, ctx, code),
	    "%s: %s", what, meaning);
}

/* The command is built without a fixed cap (a BG95 URL trigger is up to
 * 700 bytes of URL), and waited for as long as its guide allows
 * (dialects/cmdtimes.c), never less than policy.command_timeout. */
at_status
worker_cmd(worker *w, at_response *r, const char *fmt, ...)
{
	model_dialect d = w->id.mi != NULL ? w->id.mi->dialect : DIALECT_UNKNOWN;
	char         *cmd;
	va_list       ap;
	at_status     s;
	int           n;

	va_start(ap, fmt);
	n = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (n < 0)
		cmd = NULL;       /* out of memory: as if the port were gone */
	if (cmd == NULL || w->ch == NULL) {
		free(cmd);
		r->status = AT_PORT_LOST;
		r->nlines = 0;
		return AT_PORT_LOST;
	}
	s = at_command(w->ch, cmd, cmd_time_wait_ms(d, cmd, worker_cmd_ms(w)), r);
	free(cmd);
	return s;
}

/* Sleeps up to ms; false when the stop pipe woke it. */
bool
worker_sleep(worker *w, int ms)
{
	struct pollfd pfd = { .fd = w->sl->stop_pipe[0], .events = POLLIN };

	return poll(&pfd, 1, ms) == 0;
}

void
worker_disconnect(worker *w, const char *why)
{
	if (w->ch == NULL)
		return;
	worker_post(w, BUS_PORT, strdup(why), NULL);
	at_close(w->ch);
	w->ch = NULL;
}

/* Where the slot's port is now: its fixed path (serial slots), or the tty
 * the supervisor last reported with a generation newer than the one this
 * worker lost -- never the lost name again: after a re-enumeration an old
 * ttyUSB name may briefly belong to another device. */
static bool
worker_port_path(worker *w, char *path, size_t len, unsigned *gen)
{
	if (w->sl->usb_path[0] == '\0') {
		snprintf(path, len, "%s", w->sl->serial_path);
		*gen = 0;
		return true;
	}
	return station_usb_tty(w->st, w->sl->index, w->usb_gen, path, len, gen);
}

/* Sleeps until news of the port, or ms at the most: a byte on the wake
 * pipe, from the supervisor (USB slots) or the station's portwatch
 * (serial slots). False when the stop pipe woke it. */
static bool
worker_wait_news(worker *w, int ms)
{
	struct pollfd pfd[2] = {
		{ .fd = w->sl->stop_pipe[0], .events = POLLIN },
		{ .fd = w->sl->wake_pipe[0], .events = POLLIN },
	};
	char buf[256];

	if (poll(pfd, 2, ms) > 0 && (pfd[0].revents & POLLIN))
		return false;
	if (pfd[1].revents & POLLIN)
		while (read(w->sl->wake_pipe[0], buf, sizeof buf) > 0)
			;
	return true;
}

/* One try at opening the slot's port; AT_OK, or AT_TIMEOUT when it is not
 * there (yet). */
at_status
worker_try_connect(worker *w, bool quiet)
{
	char         err[256], path[CFG_PATH_MAX];
	at_hooks     hooks = { .trace = worker_trace, .ctx = w, .stop_fd = w->sl->stop_pipe[0] };
	serial_port *port;
	unsigned     gen = 0;

	if (!worker_port_path(w, path, sizeof path, &gen) ||
	    serial_open(&port, path, w->sl->baud, err, sizeof err) != 0)
		return AT_TIMEOUT;
	w->ch = at_open(port, &hooks);
	if (w->ch == NULL)
		return AT_PORT_LOST;
	w->usb_gen = gen;
	snprintf(w->u.port, sizeof w->u.port, "%s", serial_device(port));
	if (!quiet || w->active)
		worker_post(w, BUS_PORT, strdup(serial_device(port)), NULL);
	return AT_OK;
}

/* Waits until the slot's port opens. The port may not exist yet (a module
 * rebooting, a jig without a module): poll often, since the time from the
 * port's return to our first byte is dead time for the line. */
at_status
worker_connect(worker *w, int64_t deadline, bool quiet)
{
	for (;;) {
		at_status s = worker_try_connect(w, quiet);
		if (s != AT_TIMEOUT)
			return s;
		if (deadline > 0 && unit_mono_ms() >= deadline)
			return AT_TIMEOUT;
		/* With news to wake it, a slow poll is only a safety net. */
		int ms = (w->sl->usb_path[0] != '\0' || w->sl->port_watched) ? 250 : 20;
		if (deadline > 0 && deadline - unit_mono_ms() < ms)
			ms = (int)(deadline - unit_mono_ms()) + 1;
		if (!worker_wait_news(w, ms))
			return AT_STOPPED;
	}
}

static void
worker_trace_uart(void *ctx, at_trace_kind kind, const char *text)
{
	worker *w = ctx;
	char   *t;

	if (asprintf(&t, "uart: %s", text) < 0)
		t = NULL;
	worker_post(w, worker_trace_bus[kind], t, NULL);
}

/* The module's main UART (slot urc_serial), where BG95/BG77 report the
 * update that USB cannot show. NULL when the slot has none or it fails. */
at_channel *
worker_open_uart(worker *w)
{
	char         err[256];
	serial_port *port;
	at_hooks     hooks = { .trace = worker_trace_uart, .ctx = w, .stop_fd = w->sl->stop_pipe[0] };

	if (w->sl->urc_serial[0] == '\0')
		return NULL;
	if (serial_open(&port, w->sl->urc_serial, 115200, err, sizeof err) != 0) {
		worker_note(w, "cannot follow the update on the UART: %s", err);
		return NULL;
	}
	worker_note(w, "following the update on the UART %s", serial_device(port));
	return at_open(port, &hooks);
}

static id_rc
worker_id_status(at_status s)
{
	return s == AT_STOPPED ? ID_STOPPED : s == AT_PORT_LOST ? ID_LOST : ID_NO_ANSWER;
}

/* AT+QGMR, read again while it shows an incomplete build (bounded). */
static id_rc
worker_read_qgmr(worker *w, ident *id, int64_t deadline)
{
	at_response r;

	for (;;) {
		at_status s = worker_cmd(w, &r, "AT+QGMR");
		if (s != AT_OK && s != AT_ERROR && s != AT_CME_ERROR)
			return worker_id_status(s);
		const char *rev = s == AT_OK ? identity_pick_revision(r.lines, r.nlines) : NULL;
		if (rev != NULL && !identity_qgmr_incomplete(rev)) {
			snprintf(id->qgmr, sizeof id->qgmr, "%s", rev);
			return ID_OK;
		}
		if (unit_mono_ms() >= deadline) {
			/* Still incomplete: fall back on ATI's revision, but say so. */
			if (rev != NULL)
				worker_note(w, "AT+QGMR still incomplete (%s); using ATI revision", rev);
			id->qgmr[0] = '\0';
			return ID_OK;
		}
		if (!worker_sleep(w, 1000))
			return ID_STOPPED;
	}
}

static id_rc
worker_read_imei(worker *w, ident *id)
{
	static const char *const cmds[] = { "AT+CGSN", "AT+GSN" };
	at_response r;

	for (size_t i = 0; i < 2; i++) {
		at_status s = worker_cmd(w, &r, "%s", cmds[i]);
		if (s == AT_STOPPED || s == AT_PORT_LOST)
			return worker_id_status(s);
		for (int k = 0; s == AT_OK && k < r.nlines; k++)
			if (identity_parse_imei(r.lines[k], id->imei, sizeof id->imei))
				break;
		if (id->imei[0] != '\0')
			break;
	}
	if (id->imei[0] == '\0') {
		snprintf(w->why, sizeof w->why, "module did not report an IMEI (AT+CGSN, AT+GSN)");
		return ID_BAD;
	}
	if (!identity_imei_valid(id->imei)) {
		snprintf(w->why, sizeof w->why, "module reports an invalid IMEI %s (check digit wrong)", id->imei);
		return ID_BAD;
	}
	return ID_OK;
}

/* Who is on the port. The first command is tried a few times: a module
 * that has just booted is deaf until its AT interpreter runs (PROTOCOL.md
 * 5), and says RDY when it does; the probe ends at that RDY and the
 * command goes again at once, so no command timeout is lost per boot. */
id_rc
worker_identify(worker *w, ident *id, int64_t deadline)
{
	at_response r;
	at_status   s = AT_TIMEOUT;
	id_rc       rc;
	int         rdys = 0;

	memset(id, 0, sizeof *id);
	w->why[0] = '\0';
	for (int i = 0; i < 3 && s != AT_OK; i++) {
		if (w->ch == NULL)
			return ID_LOST;
		s = at_probe(w->ch, "ATE0", worker_cmd_ms(w), &r);
		if (s == AT_STOPPED || s == AT_PORT_LOST)
			return worker_id_status(s);
		if (s == AT_TIMEOUT && strcmp(r.final, "RDY") == 0 && rdys++ < 3) {
			i--;              /* lost to the boot, not unanswered */
			continue;
		}
		/* Silent but talking: a module busy with an update. */
		if (s != AT_OK && at_pending(w->ch) > (size_t)rdys)
			return ID_NO_ANSWER;
	}
	if (s != AT_OK)
		return ID_NO_ANSWER;
	worker_cmd(w, &r, "AT+CMEE=2");
	s = worker_cmd(w, &r, "ATI");
	if (s != AT_OK)
		return s == AT_ERROR || s == AT_CME_ERROR ? ID_NO_ANSWER : worker_id_status(s);
	identity_parse_ati(r.lines, r.nlines, id->model, sizeof id->model, id->rev, sizeof id->rev);
	/* A command sent just as the module became ready may have been heard
	 * after all: its late OK then answers the next command, one behind.
	 * An ATI answer without a model or revision (nothing, or line noise)
	 * is such a late OK; ATI's own answer comes after it. */
	for (int late = 0; rdys > 0 && id->model[0] == '\0' && id->rev[0] == '\0' && late < 3 &&
	    w->ch != NULL; late++) {
		if (at_finish(w->ch, worker_cmd_ms(w), &r) != AT_OK)
			break;
		identity_parse_ati(r.lines, r.nlines, id->model, sizeof id->model, id->rev,
		    sizeof id->rev);
	}
	if (id->model[0] == '\0' && w->sl->model_hint[0] != '\0')
		snprintf(id->model, sizeof id->model, "%s", w->sl->model_hint);
	id->mi = model_find(id->model);
	if ((rc = worker_read_qgmr(w, id, deadline)) != ID_OK)
		return rc;
	if ((rc = worker_read_imei(w, id)) != ID_OK)
		return rc;
	s = worker_cmd(w, &r, "AT+QCCID");
	for (int k = 0; s == AT_OK && k < r.nlines; k++)
		identity_parse_iccid(r.lines[k], id->iccid, sizeof id->iccid);
	if (id->mi == NULL) {
		snprintf(w->why, sizeof w->why, "unknown module model '%s' (ATI); not in the model table",
		    id->model[0] ? id->model : "?");
		return ID_BAD;
	}
	return ID_OK;
}

static const char *
worker_revision(const ident *id)
{
	return id->qgmr[0] != '\0' ? id->qgmr : id->rev;
}

static bool
worker_at_revision(const ident *id, const char *rev)
{
	return pkg_revision_match(rev, id->qgmr) || pkg_revision_match(rev, id->rev);
}

static void
worker_print_plan(worker *w, const pkg_plan *plan)
{
	char names[UNIT_PKG_MAX];

	pkg_plan_names(plan, names, sizeof names);
	flockfile(stdout);
	printf("plan: slot %s %s IMEI %s at %s: %s%s%s\n", w->sl->label, w->id.model,
	    w->id.imei, worker_revision(&w->id),
	    plan->kind == PKG_PLAN_UPDATE ? "update to " :
	    plan->kind == PKG_PLAN_SKIP ? "already at target " : "no package applies",
	    plan->kind == PKG_PLAN_NONE ? "" : plan->target,
	    plan->kind == PKG_PLAN_UPDATE ? "" : "");
	if (plan->kind == PKG_PLAN_UPDATE)
		printf("      via %s\n", names);
	fflush(stdout);
	funlockfile(stdout);
}

/* Runs the hops of a plan in turn; each is verified before the next. */
static hop_rc
worker_run_plan(worker *w, const pkg_plan *plan)
{
	for (size_t i = 0; i < plan->nhops; i++) {
		const pkg *hop = plan->hops[i];
		bool       url = false;
		hop_rc     rc;

		if (plan->nhops > 1)
			worker_note(w, "hop %zu of %zu: %s -> %s (%s)", i + 1, plan->nhops,
			    hop->from, hop->to, hop->name);
		rc = worker_deliver(w, hop, &url);
		if (rc == HOP_OK)
			rc = worker_follow(w, hop, url, NULL);
		if (rc != HOP_OK)
			return rc;
	}
	return HOP_OK;
}

static void
worker_record_plan(worker *w, const pkg_plan *plan)
{
	pkg_revision_form(plan->target, w->u.fw_target, sizeof w->u.fw_target);
	pkg_plan_names(plan, w->u.package, sizeof w->u.package);
	pkg_plan_sha256s(plan, w->u.package_sha256, sizeof w->u.package_sha256);
	if (plan->kind == PKG_PLAN_UPDATE && plan->nhops > 0)
		w->u.delivery = plan->hops[0]->url[0] ? DELIVERY_URL : DELIVERY_UPLOAD;
}

/* Re-identifies after a failed try so the next plan starts where the unit
 * is. False when the unit cannot be reached or is another unit. */
static bool
worker_reacquire(worker *w)
{
	ident id;

	if (w->ch == NULL &&
	    worker_connect(w, unit_mono_ms() + (int64_t)(w->pol->reboot_timeout * 1000), true) != AT_OK)
		return false;
	if (worker_identify(w, &id, unit_mono_ms() + 16000) != ID_OK)
		return false;
	if (strcmp(id.imei, w->id.imei) != 0) {
		w->keep_port = true;
		return false;
	}
	w->id = id;
	pkg_revision_form(worker_revision(&id), w->u.fw_after, sizeof w->u.fw_after);
	return true;
}

static void
worker_aborted(worker *w)
{
	bool operator_stop;

	operator_stop = station_slot_operator_stop(w->st, w->sl->index);
	w->u.result = RESULT_ABORTED;
	w->u.error_phase = w->phase;
	w->u.error_code = -1;
	if (w->percent >= 0)
		snprintf(w->u.error_text, sizeof w->u.error_text, "%s during %s at %d%%",
		    operator_stop ? "stopped by the operator" : "station stopped",
		    unit_phase_name(w->phase), w->percent);
	else
		snprintf(w->u.error_text, sizeof w->u.error_text, "%s during %s",
		    operator_stop ? "stopped by the operator" : "station stopped",
		    unit_phase_name(w->phase));
}

/* After an operator's stop of this slot: the worker goes on, so the stop
 * byte must not stop its next wait too. */
static void
worker_clear_slot_stop(worker *w)
{
	char buf[64];
	bool clear;

	clear = station_take_stop(w->st, w->sl->index);
	if (clear)
		while (read(w->sl->stop_pipe[0], buf, sizeof buf) > 0)
			;
}

/* auto_start = false: a planned unit waits for the operator (the grid's
 * `r` on its slot). False when the station stops first. */
static bool
worker_wait_start(worker *w)
{
	worker_note(w, "planned; waiting for the operator to start it (auto_start = false)");
	while (!station_take_retry(w->st, w->sl->index)) {
		if (!worker_sleep(w, 200) || !station_may_start(w->st)) {
			w->u.result = RESULT_ABORTED;
			w->u.error_phase = PHASE_PLAN;
			snprintf(w->u.error_text, sizeof w->u.error_text,
			    "station stopped before the operator started the update");
			return false;
		}
	}
	worker_note(w, "started by the operator");
	return true;
}

/* Plan and update one identified unit; fills w->u's result. */
static void
worker_unit(worker *w)
{
	const station *st = w->st;
	pkg_plan       plan;

	worker_set(w, PHASE_PLAN, -1);
	pkg_select(st->cat, w->id.model, worker_revision(&w->id), &plan);
	worker_record_plan(w, &plan);
	snprintf(w->u.fw_after, sizeof w->u.fw_after, "%s", w->u.fw_before);
	worker_post(w, BUS_STATE, NULL, worker_unit_copy(w));   /* the plan, for the grid */
	if (plan.kind == PKG_PLAN_SKIP) {
		w->u.result = RESULT_SKIPPED;
		return;
	}
	if (plan.kind == PKG_PLAN_NONE) {
		w->u.result = RESULT_NO_PACKAGE;
		w->u.error_phase = PHASE_PLAN;
		snprintf(w->u.error_text, sizeof w->u.error_text,
		    "no package in the catalog applies to %s at %s", w->id.model,
		    w->u.fw_before);
		return;
	}
	if (!st->cfg->policy.auto_start && !worker_wait_start(w))
		return;
	worker_journal_begin(w);
	for (int attempt = 1;; attempt++) {
		hop_rc rc;

		w->u.attempts = attempt;
		rc = worker_run_plan(w, &plan);
		if (rc == HOP_OK) {
			w->u.result = RESULT_PASS;
			w->u.error_phase = PHASE_WAIT;
			w->u.error_code = -1;
			w->u.error_text[0] = '\0';
			return;
		}
		if (rc == HOP_STOPPED) {
			worker_aborted(w);
			return;
		}
		if (rc == HOP_SWAPPED)
			return;
		worker_note(w, "attempt %d of %d failed: %s", attempt, w->pol->attempts,
		    w->u.error_text);
		if (!w->retry || attempt >= w->pol->attempts || !station_may_start(w->st))
			return;
		if (!worker_reacquire(w))
			return;
		pkg_select(st->cat, w->id.model, worker_revision(&w->id), &plan);
		if (plan.kind == PKG_PLAN_SKIP || (plan.kind == PKG_PLAN_UPDATE &&
		    worker_at_revision(&w->id, w->u.fw_target))) {
			w->u.result = RESULT_PASS;
			w->u.error_text[0] = '\0';
			w->u.error_code = -1;
			return;
		}
		if (plan.kind != PKG_PLAN_UPDATE)
			return;
		worker_note(w, "attempt %d of %d: starting again from %s", attempt + 1,
		    w->pol->attempts, worker_revision(&w->id));
	}
}

static void
worker_begin_unit(worker *w)
{
	const station *st = w->st;

	unit_record_init(&w->u);
	snprintf(w->u.run_id, sizeof w->u.run_id, "%s", st->run_id);
	snprintf(w->u.station, sizeof w->u.station, "%s", st->cfg->name);
	snprintf(w->u.operator_name, sizeof w->u.operator_name, "%s", st->operator_name);
	snprintf(w->u.slot, sizeof w->u.slot, "%s", w->sl->label);
	snprintf(w->u.usb_path, sizeof w->u.usb_path, "%s", w->sl->usb_path);
	snprintf(w->u.port, sizeof w->u.port, "%s", w->ch != NULL ? serial_device(at_port(w->ch)) : "");
	snprintf(w->u.model, sizeof w->u.model, "%s", w->id.model);
	snprintf(w->u.imei, sizeof w->u.imei, "%s", w->id.imei);
	snprintf(w->u.iccid, sizeof w->u.iccid, "%s", w->id.iccid);
	pkg_revision_form(worker_revision(&w->id), w->u.fw_before, sizeof w->u.fw_before);
	w->u.started_ms = unit_now_ms();
	w->u.attempts = 0;
	w->active = true;
	w->sl->had_unit = true;
	station_unit_began(w->st);
	worker_post(w, BUS_UNIT_START, NULL, worker_unit_copy(w));
}

static void
worker_end_unit(worker *w)
{
	unit_result r = w->u.result;

	w->u.finished_ms = unit_now_ms();
	if (w->u.attempts == 0 && r != RESULT_SKIPPED && r != RESULT_NO_PACKAGE)
		w->u.attempts = 1;
	w->percent = -1;
	w->phase = PHASE_DONE;
	worker_post(w, BUS_UNIT_END, NULL, worker_unit_copy(w));
	w->active = false;
	w->journaled = false;       /* the writer ends it after the row's fsync */
	station_set_danger(w->st, w->sl->index, false);
	station_unit_ended(w->st, r);
}

/* After a unit: wait until it leaves the slot (port lost, or a module that
 * no longer answers on a port that stays, as on a UART jig). */
static void
worker_wait_removal(worker *w)
{
	int silent = 0, missed = 0;

	while (w->ch != NULL && station_may_start(w->st)) {
		char        line[AT_LINE_MAX];
		at_status   s = at_next_line(w->ch, 500, line, sizeof line);
		at_response r;

		if (s == AT_STOPPED)
			return;
		if (station_take_retry(w->st, w->sl->index)) {
			worker_note(w, "retry requested by the operator");
			w->keep_port = true;
			return;
		}
		if (s == AT_TIMEOUT && ++silent % 4 != 0)
			continue;
		if (s == AT_PORT_LOST) {
			worker_disconnect(w, "unit removed");
			return;
		}
		if (s != AT_TIMEOUT)
			continue;
		/* Every 2 s: does a module still answer on a port that stays? */
		s = worker_cmd(w, &r, "AT");
		missed = s == AT_OK ? 0 : missed + 1;
		if (s == AT_PORT_LOST || missed >= 3)
			worker_disconnect(w, "unit removed");
	}
}

/* Did the module say something that belongs to a running update? A module
 * in the middle of an update (resumed after a power cut, or started by
 * someone else) prints FOTA URCs and may not answer AT at all. */
static bool
worker_fota_pending(worker *w, urc_event *e, int wait_ms)
{
	char line[AT_LINE_MAX];

	while (w->ch != NULL && at_next_line(w->ch, wait_ms, line, sizeof line) == AT_OK)
		if (urc_parse_line(line, e) && e->kind != URC_FOTA_OTHER)
			return true;
	return false;
}

/* A unit found mid-update is followed to its end and reported: the
 * station never lets an update it sees go unrecorded. */
static void
worker_adopt(worker *w, const urc_event *first)
{
	hop_rc rc;

	memset(&w->id, 0, sizeof w->id);
	worker_begin_unit(w);
	if (w->sl->recovered != NULL) {
		/* The station's own update, resumed: its record is in the journal. */
		journal_unit *ju = w->sl->recovered;
		w->sl->recovered = NULL;
		w->u = ju->unit;
		w->u.result = RESULT_NONE;
		w->journaled = true;
		worker_note(w, "resuming the report of unit %s, in flight (%s at %d%%) when the station stopped",
		    ju->unit.imei, unit_phase_name(ju->phase), ju->percent);
		free(ju);
	} else {
		worker_journal_begin(w);
	}
	worker_note(w, "unit found in the middle of an update (%s); following it to its end",
	    urc_kind_name(first->kind));
	w->adopting = true;
	w->u.attempts = 1;
	rc = worker_follow(w, NULL, false, first);
	w->adopting = false;
	if (rc == HOP_OK)
		w->u.result = RESULT_PASS;
	else if (rc == HOP_STOPPED)
		worker_aborted(w);
}

/* A unit an earlier run left in flight, found again in its slot and not
 * resuming anything: at its target, the update finished while the station
 * was down (PASS, verified by the revision); otherwise it was cut short. */
static void
worker_report_recovered(worker *w, const ident *now)
{
	journal_unit *ju = w->sl->recovered;
	bool          same = now != NULL && strcmp(now->imei, ju->unit.imei) == 0;
	const char   *rev = now == NULL ? "" : now->qgmr[0] ? now->qgmr : now->rev;

	w->sl->recovered = NULL;
	w->id = now != NULL && same ? *now : w->id;
	w->u = ju->unit;
	w->active = true;
	station_unit_began(w->st);
	worker_post(w, BUS_UNIT_START, NULL, worker_unit_copy(w));
	worker_note(w, "unit %s was in flight (%s at %d%%) when the station stopped",
	    ju->unit.imei, unit_phase_name(ju->phase), ju->percent);
	if (same && ju->unit.fw_target[0] && (pkg_revision_match(ju->unit.fw_target, now->qgmr) ||
	    pkg_revision_match(ju->unit.fw_target, now->rev))) {
		w->u.result = RESULT_PASS;
		pkg_revision_form(rev, w->u.fw_after, sizeof w->u.fw_after);
		worker_note(w, "the update finished while the station was down: %s", rev);
	} else {
		w->u.result = RESULT_ABORTED;
		w->u.error_phase = ju->phase;
		w->u.error_code = -1;
		pkg_revision_form(same ? rev : "", w->u.fw_after, sizeof w->u.fw_after);
		snprintf(w->u.error_text, sizeof w->u.error_text,
		    "station stopped during %s at %d%% (crash or power cut); %s",
		    unit_phase_name(ju->phase), ju->percent < 0 ? 0 : ju->percent,
		    now == NULL ? "the unit did not come back to its slot" :
		    same ? "the unit did not finish the update" : "another unit is in the slot now");
	}
	w->u.attempts = w->u.attempts > 0 ? w->u.attempts : 1;
	w->phase = ju->phase;
	free(ju);
	worker_end_unit(w);
}

/* USB slots: a module that is a unit in flight in another slot, come back
 * on this slot's port path (companion bus, moved by a person), is handed
 * to that slot's worker, which goes on with the unit (the matching is the
 * station's: station_usb_hand_over). This worker lets go of the port at
 * once, without reading it, and waits for its path's next news. id NULL:
 * a module in its updater, which does not say who it is; the station
 * matches it only when no doubt is left, and the owner checks its IMEI
 * after the final boot. */
static bool
worker_hand_over(worker *w, const ident *id)
{
	int owner;

	if (w->sl->usb_path[0] == '\0' || w->ch == NULL)
		return false;
	owner = id != NULL ? station_usb_hand_over(w->st, w->sl->index, id->imei, w->usb_gen) :
	    station_usb_hand_over_updating(w->st, w->sl->index, w->usb_gen);
	if (owner < 0)
		return false;
	worker_disconnect(w, "port handed to the slot whose unit this is");
	worker_set(w, PHASE_WAIT, -1);
	return true;
}

/* One unit in the slot, from its identification to its report. */
static void
worker_handle(worker *w)
{
	ident     id;
	id_rc     rc;
	urc_event e;

	worker_set(w, PHASE_IDENTIFY, -1);
	rc = worker_identify(w, &id, unit_mono_ms() + 16000);
	if (rc == ID_OK && worker_hand_over(w, &id))
		return;
	if ((rc == ID_NO_ANSWER || rc == ID_OK || rc == ID_LOST) &&
	    worker_fota_pending(w, &e, rc == ID_NO_ANSWER ? 300 : 0)) {
		if (rc != ID_OK && worker_hand_over(w, NULL))
			return;
		worker_adopt(w, &e);
		worker_end_unit(w);
		return;
	}
	if ((rc == ID_OK || rc == ID_BAD) && w->sl->recovered != NULL)
		worker_report_recovered(w, &id);
	if (rc == ID_NO_ANSWER || rc == ID_LOST || rc == ID_STOPPED) {
		/* A port with no module answering is not a unit (yet). */
		worker_disconnect(w, rc == ID_NO_ANSWER ? "no answer to AT" : "port lost");
		worker_set(w, PHASE_WAIT, -1);
		return;
	}
	w->id = id;
	worker_begin_unit(w);
	if (rc == ID_BAD) {
		worker_fail(w, PHASE_IDENTIFY, -1, false, "%s", w->why);
	} else if (w->st->opt.dry_run) {
		pkg_plan plan;
		pkg_select(w->st->cat, id.model, worker_revision(&id), &plan);
		worker_print_plan(w, &plan);
		worker_record_plan(w, &plan);
		w->u.result = plan.kind == PKG_PLAN_SKIP ? RESULT_SKIPPED :
		    plan.kind == PKG_PLAN_NONE ? RESULT_NO_PACKAGE : RESULT_PASS;
	} else {
		worker_unit(w);
	}
	worker_end_unit(w);
}

void *
worker_run(void *arg)
{
	slot   *sl = arg;
	worker  w = { .sl = sl, .st = sl->st, .pol = &sl->st->cfg->policy,
	              .phase = PHASE_WAIT, .percent = -1 };
	int64_t give_up = unit_mono_ms() + (int64_t)(w.pol->reboot_timeout * 1000);

	worker_post(&w, BUS_STATE, NULL, NULL);
	while (station_may_start(w.st)) {
		/* A journaled unit that never showed up again is reported. */
		if (sl->recovered != NULL && unit_mono_ms() >= give_up)
			worker_report_recovered(&w, NULL);
		while (station_is_paused(w.st) && !w.keep_port && station_may_start(w.st))
			if (!worker_sleep(&w, 200))
				worker_clear_slot_stop(&w);
		if (!station_may_start(w.st))
			break;
		if (!w.keep_port) {
			at_status s = worker_connect(&w, sl->st->opt.once ? give_up : 0, true);
			if (s == AT_STOPPED && station_may_start(w.st)) {
				worker_clear_slot_stop(&w);   /* a stop with no unit: nothing to stop */
				continue;
			}
			if (s == AT_STOPPED)
				break;
			if (s == AT_TIMEOUT) {
				if (sl->recovered != NULL)
					worker_report_recovered(&w, NULL);
				worker_note(&w, "no module on %s within %g s; slot gives up",
				    sl->serial_path, w.pol->reboot_timeout);
				break;
			}
		}
		w.keep_port = false;
		worker_handle(&w);
		worker_clear_slot_stop(&w);
		/* --once: one unit per slot -- but a unit swapped in for it is
		 * reported too (keep_port), never left unaccounted for. */
		if (sl->had_unit && sl->st->opt.once && !w.keep_port)
			break;
		if (sl->st->opt.once && unit_mono_ms() >= give_up && !sl->had_unit)
			break;
		if (w.keep_port)
			continue;
		if (w.ch != NULL)
			worker_wait_removal(&w);
		else if (!worker_sleep(&w, 200))
			break;
		worker_set(&w, PHASE_WAIT, -1);
	}
	if (sl->recovered != NULL)
		worker_report_recovered(&w, NULL);
	worker_disconnect(&w, "station stops");
	station_worker_exited(w.st);
	return NULL;
}
