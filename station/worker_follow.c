/*
 * worker_follow: from the trigger's OK to a verified revision.
 *
 * The module now talks only in URCs, and twice takes its USB port away
 * (after the download, after the update). The loop reads one line at a
 * time with a short timeout so that it can also watch two clocks: the
 * stall clock (no progress for policy.stall_timeout) and, while the port is
 * gone, the reboot clock (policy.reboot_timeout). A lost port is expected
 * here; the worker closes it, waits for it to come back, and goes on.
 *
 * Models whose USB port is unusable during the update (BG95/BG77) are
 * followed blind: the port's absence is the update, its return the end,
 * and the revision read afterwards the verdict.
 *
 * After the final return the unit is identified again: a different IMEI is
 * a different unit, and the first one is never reported as passed.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "station/identity.h"
#include "dialects/urc.h"
#include "station/worker_int.h"

typedef struct follow {
	const pkg *hop;
	bool       end_seen;
	int        end_code;
	int64_t    last_progress;     /* monotonic ms                     */
	int64_t    end_at;            /* when END arrived                 */
	int64_t    dl_start, upd_start;
	bool       blind;
	bool       reboot_due;        /* a restart is expected now          */
	unit_phase lost_in;           /* phase when the port went           */
	int        lost_at;           /* and its percent                    */
	bool       returned_after_end;
} follow;

static err_context
follow_dl_context(urc_transport via)
{
	return via == URC_VIA_FTP ? ERRCTX_FTP : ERRCTX_HTTP;
}

/* One FOTA URC; HOP_OK to go on (f->end_seen tells when it is over). */
static hop_rc
follow_urc(worker *w, follow *f, const urc_event *e)
{
	int64_t now = unit_mono_ms();

	f->last_progress = now;
	switch (e->kind) {
	case URC_DL_START:
		f->dl_start = now;
		worker_set(w, PHASE_DOWNLOAD, 0);
		break;
	case URC_DL_PROGRESS:
		worker_set(w, PHASE_DOWNLOAD, e->value >= 0 && e->value <= 100 ? e->value : w->percent);
		break;
	case URC_DL_END:
		if (f->dl_start > 0)
			w->u.transfer_s = (double)(now - f->dl_start) / 1000.0;
		if (e->value != 0)
			return worker_fail_code(w, PHASE_DOWNLOAD, follow_dl_context(e->via),
			    e->value, "download failed");
		f->reboot_due = true;
		worker_set(w, PHASE_REBOOT, -1);
		break;
	case URC_RESETTING:
		f->reboot_due = true;
		worker_set(w, PHASE_REBOOT, -1);
		break;
	case URC_START:
		f->reboot_due = false;
		f->upd_start = now;
		worker_set(w, PHASE_UPDATING, 0);
		break;
	case URC_UPDATING:
	case URC_RESTORE: {
		unit_phase ph = e->kind == URC_UPDATING ? PHASE_UPDATING : PHASE_RESTORE;
		/* Out-of-order or repeated percentages never move the bar back. */
		int pct = e->value;
		if (pct < 0 || pct > 100 || (ph == w->phase && pct < w->percent))
			pct = w->percent;
		if (f->upd_start == 0)
			f->upd_start = now;
		worker_set(w, ph, pct);
		break;
	}
	case URC_END:
		f->end_seen = true;
		f->end_code = e->value;
		f->end_at = now;
		if (f->upd_start > 0)
			w->u.update_s = (double)(now - f->upd_start) / 1000.0;
		if (e->value != 0)
			return worker_fail_code(w, w->phase == PHASE_RESTORE ? PHASE_RESTORE : PHASE_UPDATING,
			    ERRCTX_UPDATE, e->value, "update failed");
		f->reboot_due = true;
		worker_set(w, PHASE_END, 100);
		break;
	case URC_RESUME:
		worker_note(w, "module resumes an interrupted update");
		break;
	default:
		break;
	}
	return HOP_OK;
}

/* A blind update (BG95/BG77: USB unusable while updating): wait for the USB
 * port, and meanwhile follow the URCs on the module's main UART when the
 * slot names one. AT_OK once USB is back. */
static at_status
follow_blind(worker *w, follow *f, int64_t deadline)
{
	at_channel *uart = worker_open_uart(w);
	at_status   s;

	if (uart == NULL)
		worker_note(w, "updating, not visible over USB: the result is judged by the revision after the return");
	for (;;) {
		if ((s = worker_try_connect(w, false)) != AT_TIMEOUT)
			break;
		if (unit_mono_ms() >= deadline) {
			s = AT_TIMEOUT;
			break;
		}
		if (uart == NULL) {
			if (!worker_sleep(w, 20)) {
				s = AT_STOPPED;
				break;
			}
			continue;
		}
		char      line[AT_LINE_MAX];
		urc_event e;
		s = at_next_line(uart, 20, line, sizeof line);
		if (s == AT_STOPPED)
			break;
		if (s == AT_PORT_LOST) {
			worker_note(w, "the UART was lost; the result is judged by the revision after the return");
			at_close(uart);
			uart = NULL;
			continue;
		}
		if (s == AT_OK && urc_parse_line(line, &e) && !f->end_seen) {
			if (follow_urc(w, f, &e) != HOP_OK)
				f->end_seen = true;   /* failed: END,<code> recorded */
		}
	}
	at_close(uart);
	return s;
}

/* The port is gone: wait for it within the reboot timeout (plus the stall
 * timeout while a blind update runs behind it). */
static hop_rc
follow_port_return(worker *w, follow *f)
{
	bool    blind_update = f->blind && !f->end_seen;
	double  limit = w->pol->reboot_timeout + (blind_update ? w->pol->stall_timeout : 0);
	int64_t t0 = unit_mono_ms();
	unit_phase ph = blind_update && w->phase != PHASE_DOWNLOAD ? PHASE_UPDATING : PHASE_REBOOT;

	at_status s;
	if (blind_update) {
		worker_set(w, PHASE_UPDATING, -1);
		if (f->upd_start == 0)
			f->upd_start = t0;
		s = follow_blind(w, f, t0 + (int64_t)(limit * 1000));
		if (s == AT_OK && f->end_seen && f->end_code != 0) {
			/* The UART told the failure; USB is back: read where it is. */
			worker_settle(w);
			return HOP_FAIL;
		}
	} else {
		worker_set(w, PHASE_REBOOT, -1);
		s = worker_connect(w, t0 + (int64_t)(limit * 1000), false);
	}
	if (s == AT_STOPPED)
		return HOP_STOPPED;
	if (s != AT_OK && !f->reboot_due && !blind_update) {
		char at[16] = "";
		if (f->lost_at >= 0)
			snprintf(at, sizeof at, " at %d%%", f->lost_at);
		return worker_fail(w, f->lost_in, -1, false,
		    "unit removed during update: port lost during %s%s, not back within %g s",
		    unit_phase_name(f->lost_in), at, limit);
	}
	if (s != AT_OK)
		return worker_fail(w, ph, -1, false,
		    "port did not come back within %g s", limit);
	f->last_progress = unit_mono_ms();
	if (blind_update && !f->end_seen) {
		f->end_seen = true;
		f->end_code = 0;
		w->u.update_s = (double)(f->last_progress - f->upd_start) / 1000.0;
	}
	if (f->end_seen)
		f->returned_after_end = true;
	return HOP_OK;
}

/* Identify again after the last reboot and judge the revision. */
static hop_rc
follow_verify(worker *w, const pkg *hop)
{
	int64_t deadline = unit_mono_ms() + (int64_t)(w->pol->reboot_timeout * 1000);
	ident   id;
	id_rc   rc;

	worker_set(w, PHASE_VERIFY, -1);
	for (;;) {
		if (w->ch == NULL) {
			at_status s = worker_connect(w, deadline, false);
			if (s == AT_STOPPED)
				return HOP_STOPPED;
			if (s != AT_OK)
				return worker_fail(w, PHASE_VERIFY, -1, false,
				    "port did not come back within %g s", w->pol->reboot_timeout);
		}
		rc = worker_identify(w, &id, unit_mono_ms() + 16000);
		if (rc == ID_STOPPED)
			return HOP_STOPPED;
		if (rc == ID_OK || rc == ID_BAD)
			break;
		if (rc == ID_LOST)
			worker_disconnect(w, "port lost while verifying");
		if (unit_mono_ms() >= deadline)
			return worker_fail(w, PHASE_VERIFY, -1, false,
			    "module did not answer after the update (waited %g s)", w->pol->reboot_timeout);
		if (!worker_sleep(w, 500))
			return HOP_STOPPED;
	}
	if (rc == ID_BAD)
		return worker_fail(w, PHASE_VERIFY, -1, false, "after the update: %s", w->why);
	if (hop == NULL) {
		/* Adopted unit: who it is becomes known only now. A journal record
		 * made without an IMEI is replaced by one with it. */
		if (w->journaled && w->u.imei[0] == '\0') {
			journal_end(w->st->journal, w->u.slot, "", RESULT_NONE);
			w->journaled = false;
		}
		w->id = id;
		snprintf(w->u.model, sizeof w->u.model, "%s", id.model);
		snprintf(w->u.imei, sizeof w->u.imei, "%s", id.imei);
		snprintf(w->u.iccid, sizeof w->u.iccid, "%s", id.iccid);
		pkg_revision_form(identity_revision(&id), w->u.fw_after, sizeof w->u.fw_after);
		worker_journal_begin(w);
		if (w->u.fw_target[0] != '\0' && !identity_at_revision(&id, w->u.fw_target))
			return worker_fail(w, PHASE_VERIFY, -1, false,
			    "firmware after the resumed update is %s, expected %s",
			    identity_revision(&id), w->u.fw_target);
		worker_note(w, "resumed update ended at %s", identity_revision(&id));
		return HOP_OK;
	}
	if (strcmp(id.imei, w->id.imei) != 0) {
		worker_fail(w, PHASE_VERIFY, -1, false,
		    "a different unit (IMEI %s) came back in this slot; this unit's outcome is unknown",
		    id.imei);
		w->u.fw_after[0] = '\0';
		w->keep_port = true;
		return HOP_SWAPPED;
	}
	w->id = id;
	pkg_revision_form(identity_revision(&id), w->u.fw_after, sizeof w->u.fw_after);
	if (!identity_at_revision(&id, hop->to))
		return worker_fail(w, PHASE_VERIFY, -1, true,
		    "firmware after the update is %s, expected %s", identity_revision(&id), hop->to);
	worker_note(w, "verified: %s", identity_revision(&id));
	return worker_check(w, hop);
}

hop_rc
worker_follow(worker *w, const pkg *hop, bool url, const urc_event *first)
{
	follow  f = { .hop = hop, .end_code = -1, .last_progress = unit_mono_ms(),
	              .blind = w->id.mi != NULL && w->id.mi->usb_blind_update };
	int64_t stall_ms = (int64_t)(w->pol->stall_timeout * 1000);
	int64_t reboot_ms = (int64_t)(w->pol->reboot_timeout * 1000);
	hop_rc  rc;

	/* A local package restarts the module right after the trigger. */
	f.reboot_due = !url;
	f.lost_in = w->phase;
	f.lost_at = -1;
	worker_set(w, url ? PHASE_DOWNLOAD : PHASE_REBOOT, -1);
	if (first != NULL && (rc = follow_urc(w, &f, first)) != HOP_OK) {
		worker_settle(w);
		return rc;
	}
	for (;;) {
		char      line[AT_LINE_MAX];
		urc_event e;
		at_status s;

		if (w->ch == NULL) {
			if ((rc = follow_port_return(w, &f)) != HOP_OK)
				return rc;
			if (f.returned_after_end)
				break;
			continue;
		}
		s = at_next_line(w->ch, 250, line, sizeof line);
		if (s == AT_STOPPED)
			return HOP_STOPPED;
		if (s == AT_PORT_LOST) {
			f.lost_in = w->phase;
			f.lost_at = w->percent;
			worker_disconnect(w, f.reboot_due ? "port lost: module restarts" :
			    "port lost unexpectedly (unplugged, power cut or crash?)");
			continue;
		}
		int64_t now = unit_mono_ms();
		if (s == AT_TIMEOUT) {
			/* A module on a port that stays (UART jig) reboots silently. */
			if (f.end_seen && now - f.end_at > reboot_ms)
				break;
			if (!f.end_seen && now - f.last_progress > stall_ms)
				return worker_fail(w, w->phase, -1, false,
				    "no progress for %g s during %s: the module stopped reporting",
				    w->pol->stall_timeout, unit_phase_name(w->phase));
			continue;
		}
		if (strcasecmp(line, "RDY") == 0 || strcasecmp(line, "APP RDY") == 0) {
			if (f.end_seen)
				break;
			/* A normal boot before END: the updater is not running. The
			 * END may have been lost, or another unit sits in the slot:
			 * who and what runs there now decides. */
			if (f.upd_start > 0 || f.reboot_due || hop == NULL) {
				worker_note(w, "module restarted normally before reporting the end of the update");
				f.end_seen = true;
				f.end_code = 0;
				break;
			}
		}
		if (!urc_parse_line(line, &e))
			continue;
		if ((rc = follow_urc(w, &f, &e)) != HOP_OK) {
			worker_settle(w);
			return rc;
		}
	}
	return follow_verify(w, hop);
}

/* After a failed update the module restarts into its old (or restored)
 * firmware: wait for that, bounded, so the report says where it really is. */
void
worker_settle(worker *w)
{
	int64_t deadline = unit_mono_ms() + (int64_t)(w->pol->reboot_timeout * 1000);
	ident   id;
	bool    restarted = false;

	while (!restarted && w->ch != NULL && unit_mono_ms() < deadline) {
		char      line[AT_LINE_MAX];
		at_status s = at_next_line(w->ch, 500, line, sizeof line);
		if (s == AT_STOPPED)
			return;
		if (s == AT_PORT_LOST) {
			worker_disconnect(w, "port lost: module restarts after the failed update");
			break;
		}
		if (s == AT_OK && strcasecmp(line, "RDY") == 0)
			restarted = true;
		if (s == AT_TIMEOUT && w->u.error_phase == PHASE_DOWNLOAD)
			restarted = true;   /* a failed download does not restart */
	}
	if (w->ch == NULL && worker_connect(w, deadline, false) != AT_OK)
		return;
	if (worker_identify(w, &id, unit_mono_ms() + 16000) == ID_OK &&
	    (w->id.imei[0] == '\0' || strcmp(id.imei, w->id.imei) == 0))
		pkg_revision_form(identity_revision(&id), w->u.fw_after, sizeof w->u.fw_after);
}
