/*
 * worker_io: the worker's small tools, which every phase uses: posting its
 * state and remarks to the bus, failing a unit in words, commands with the
 * policy's (or the command's own) timeout, connecting to the slot's port
 * and waiting for it, the module's main UART, and identifying the module
 * (ATI, AT+QGMR, AT+CGSN, AT+QCCID).
 *
 * Nothing here sleeps blindly: every wait polls the port and the slot's
 * stop pipe, so the station can always stop a worker. The unit loop that
 * uses these is worker.c; the phases are worker_deliver.c and
 * worker_follow.c.
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
#include "station/worker_int.h"

int
worker_cmd_ms(const worker *w)
{
	return (int)(w->pol->command_timeout * 1000);
}

void
worker_post(worker *w, bus_kind kind, char *text, unit_record *unit)
{
	bus_event ev = {
		.kind = kind, .slot = w->sl->index, .phase = w->phase,
		.percent = w->percent, .error_code = -1, .text = text, .unit = unit,
	};

	snprintf(ev.slot_label, sizeof ev.slot_label, "%s", w->sl->label);
	station_post(w->st, &ev);
}

unit_record *
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

void
worker_cmd_why(const worker *w, const char *cmd, const at_response *r,
    char *why, size_t len)
{
	model_dialect d = w->id.mi != NULL ? w->id.mi->dialect : DIALECT_UNKNOWN;

	if (r->status == AT_TIMEOUT)
		snprintf(why, len, "no answer to %s within %g s", cmd,
		    cmd_time_wait_ms(d, cmd, worker_cmd_ms(w)) / 1000.0);
	else if (r->status == AT_PORT_LOST)
		snprintf(why, len, "port lost while waiting for the answer to %s", cmd);
	else
		snprintf(why, len, "%s answered %s", cmd,
		    r->final[0] ? r->final : at_status_name(r->status));
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

/* AT+QGMR, read again while it shows an incomplete build (bounded). An
 * answer with no revision in it is not read again: only an incomplete
 * build gets better with time. */
static id_rc
worker_read_qgmr(worker *w, ident *id, int64_t deadline)
{
	at_response r;
	char        rev[sizeof id->qgmr];

	for (;;) {
		at_status s = worker_cmd(w, &r, "AT+QGMR");
		if (s != AT_OK && s != AT_ERROR && s != AT_CME_ERROR)
			return worker_id_status(s);
		bool have = s == AT_OK && identity_pick_revision(r.lines, r.nlines, rev, sizeof rev);
		if (have && !identity_qgmr_incomplete(rev)) {
			snprintf(id->qgmr, sizeof id->qgmr, "%s", rev);
			return ID_OK;
		}
		if (s == AT_OK && !have) {
			worker_note(w, "AT+QGMR answered no revision; using ATI revision");
			id->qgmr[0] = '\0';
			return ID_OK;
		}
		if (unit_mono_ms() >= deadline) {
			/* Still incomplete: fall back on ATI's revision, but say so. */
			if (have)
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
 * that has just booted is deaf until its AT interpreter runs (docs/protocol.md
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
