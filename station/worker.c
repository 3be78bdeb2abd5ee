/*
 * worker: the unit loop of one slot. The small tools every phase uses
 * (posting state, commands, connecting, identifying) are worker_io.c.
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

static void
worker_print_plan(worker *w, const pkg_plan *plan)
{
	char names[UNIT_PKG_MAX];

	pkg_plan_names(plan, names, sizeof names);
	flockfile(stdout);
	printf("plan: slot %s %s IMEI %s at %s: %s%s%s\n", w->sl->label, w->id.model,
	    w->id.imei, identity_revision(&w->id),
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
	pkg_revision_form(identity_revision(&id), w->u.fw_after, sizeof w->u.fw_after);
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
	pkg_select(st->cat, w->id.model, identity_revision(&w->id), &plan);
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
		pkg_select(st->cat, w->id.model, identity_revision(&w->id), &plan);
		if (plan.kind == PKG_PLAN_SKIP || (plan.kind == PKG_PLAN_UPDATE &&
		    identity_at_revision(&w->id, w->u.fw_target))) {
			w->u.result = RESULT_PASS;
			w->u.error_text[0] = '\0';
			w->u.error_code = -1;
			return;
		}
		if (plan.kind != PKG_PLAN_UPDATE)
			return;
		worker_note(w, "attempt %d of %d: starting again from %s", attempt + 1,
		    w->pol->attempts, identity_revision(&w->id));
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
	pkg_revision_form(identity_revision(&w->id), w->u.fw_before, sizeof w->u.fw_before);
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
	const char   *rev = now == NULL ? "" : identity_revision(now);

	w->sl->recovered = NULL;
	w->id = now != NULL && same ? *now : w->id;
	w->u = ju->unit;
	w->active = true;
	station_unit_began(w->st);
	worker_post(w, BUS_UNIT_START, NULL, worker_unit_copy(w));
	worker_note(w, "unit %s was in flight (%s at %d%%) when the station stopped",
	    ju->unit.imei, unit_phase_name(ju->phase), ju->percent);
	if (same && ju->unit.fw_target[0] && identity_at_revision(now, ju->unit.fw_target)) {
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
		pkg_select(w->st->cat, id.model, identity_revision(&id), &plan);
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
