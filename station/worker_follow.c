/*
 * worker_follow: from the trigger's OK to a verdict, driven by the
 * transition table of station/follow.c.
 *
 * This file is the table's I/O: it turns what happens on the port into
 * follow events -- a FOTA URC, RDY, the port lost, the port back, or one
 * of the state's clocks running out -- asks follow_step() for the row,
 * and carries out the row's action from a table of handlers. Which clock
 * runs is per state (below): the stall clock while a download or update
 * should report progress, the start clock (policy.start_timeout) while the
 * module is on its way into its updater or has booted normally before
 * START, the quiet clock (reboot_timeout) after END, and the return clock
 * (reboot_timeout; plus stall_timeout behind a blind update) while the
 * port is gone.
 *
 * Nothing here deletes, uploads or triggers: the only commands sent before
 * the verdict are the read-only identification of a probe. Models whose
 * USB port is unusable during the update (BG95/BG77) are followed blind:
 * the main UART's URCs when the slot names one, else the port's absence is
 * the update and its return the end.
 *
 * After the final return the unit is identified again: a different IMEI is
 * a different unit, and the first one is never reported as passed.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "station/follow.h"
#include "station/identity.h"
#include "dialects/urc.h"
#include "station/worker_int.h"

typedef struct follow {
	const pkg   *hop;
	unsigned     traits;
	follow_state state;
	follow_state from;            /* the state the current row left    */
	int          end_code;        /* last END,<code>; -1: none yet      */
	unit_phase   end_phase;       /* where that END came               */
	int          tries;           /* STARTs seen: the module's tries   */
	int64_t      last_progress;   /* monotonic ms, for the stall clock */
	int64_t      start_ref;       /* the start clock's origin          */
	int64_t      quiet_ref;       /* the quiet clock's origin          */
	int64_t      lost_ms;         /* when the port went                */
	int64_t      dl_start, upd_start;
	unit_phase   lost_in;         /* phase and percent when it went    */
	int          lost_pct;
	urc_event    urc;             /* the URC of the current event      */
	at_channel  *uart;            /* blind: the module's main UART     */
	bool         uart_tried;
} follow;

typedef enum next_rc { NEXT_EVENT, NEXT_STOPPED } next_rc;

/* The clock of a state while its port is present. */
typedef enum clock_ref { CLK_PROGRESS, CLK_START, CLK_QUIET } clock_ref;

static const struct {
	follow_event ev;
	clock_ref    ref;
} state_clocks[FS_STATE_COUNT] = {
	[FS_DL_WAIT]      = { FE_STALL,         CLK_PROGRESS },
	[FS_DOWNLOAD]     = { FE_STALL,         CLK_PROGRESS },
	[FS_TO_UPDATER]   = { FE_START_TIMEOUT, CLK_START },
	[FS_LOOKS_NORMAL] = { FE_START_TIMEOUT, CLK_START },
	[FS_UPDATING]     = { FE_STALL,         CLK_PROGRESS },
	[FS_ENDED_OK]     = { FE_QUIET,         CLK_QUIET },
	[FS_ENDED_FAIL]   = { FE_QUIET,         CLK_QUIET },
	[FS_DONE]         = { FE_QUIET,         CLK_QUIET },
};

static const char *
follow_target(const worker *w, const follow *f)
{
	return f->hop != NULL ? f->hop->to : w->u.fw_target;
}

static bool
follow_blind_now(const follow *f)
{
	return (f->traits & FT_BLIND) &&
	    (f->state == FS_TO_UPDATER || f->state == FS_UPDATING);
}

/* When the current state's clock runs out, and which event it raises. */
static int64_t
follow_deadline(const worker *w, const follow *f, follow_event *ev)
{
	const cfg_policy *p = w->pol;
	int64_t ref;
	double  s;

	if (w->ch == NULL) {
		*ev = FE_GONE;
		s = p->reboot_timeout + (follow_blind_now(f) ? p->stall_timeout : 0);
		return f->lost_ms + (int64_t)(s * 1000);
	}
	*ev = state_clocks[f->state].ev;
	switch (state_clocks[f->state].ref) {
	case CLK_PROGRESS: ref = f->last_progress; s = p->stall_timeout; break;
	case CLK_START:    ref = f->start_ref;     s = p->start_timeout; break;
	default:           ref = f->quiet_ref;     s = p->reboot_timeout; break;
	}
	return ref + (int64_t)(s * 1000);
}

/* What a URC changes on the slot's display and in the record, whatever
 * the table then does with it. */
static void
follow_urc_effects(worker *w, follow *f, const urc_event *e)
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
		if (e->value == 0)
			worker_set(w, PHASE_REBOOT, -1);
		break;
	case URC_RESETTING:
		worker_set(w, PHASE_REBOOT, -1);
		break;
	case URC_START:
		f->tries++;
		if (f->upd_start == 0)
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
		f->end_code = e->value;
		f->end_phase = w->phase == PHASE_RESTORE ? PHASE_RESTORE : PHASE_UPDATING;
		f->quiet_ref = now;
		if (f->upd_start > 0)
			w->u.update_s = (double)(now - f->upd_start) / 1000.0;
		if (e->value == 0)
			worker_set(w, PHASE_END, 100);
		break;
	default:
		break;
	}
}

/* While a blind update runs and the USB port is gone: one UART line (or a
 * short nap without one), then one look for the USB port. */
static at_status
follow_wait_blind(worker *w, follow *f, int ms, follow_event *ev, bool *got)
{
	char line[AT_LINE_MAX];

	*got = false;
	if (f->uart == NULL) {
		if (!worker_sleep(w, ms < 20 ? ms : 20))
			return AT_STOPPED;
	} else {
		at_status s = at_next_line(f->uart, ms < 20 ? ms : 20, line, sizeof line);
		if (s == AT_STOPPED)
			return s;
		if (s == AT_PORT_LOST) {
			worker_note(w, "the UART was lost; the result is judged by the revision after the return");
			at_close(f->uart);
			f->uart = NULL;
		} else if (s == AT_OK && urc_parse_line(line, &f->urc) &&
		    follow_event_of_urc(&f->urc, ev)) {
			*got = true;
			return AT_OK;
		}
	}
	return worker_try_connect(w, false);
}

/* The next event. URC events leave their URC in f->urc. */
static next_rc
follow_next(worker *w, follow *f, follow_event *out)
{
	for (;;) {
		follow_event timer;
		int64_t      deadline = follow_deadline(w, f, &timer);
		int64_t      now = unit_mono_ms();
		int          ms = deadline - now > 250 ? 250 : (int)(deadline - now);
		char         line[AT_LINE_MAX];
		at_status    s;

		if (now >= deadline) {
			*out = timer;
			return NEXT_EVENT;
		}
		if (w->ch == NULL) {
			bool got = false;

			if (follow_blind_now(f)) {
				if (!f->uart_tried) {
					f->uart_tried = true;
					f->uart = worker_open_uart(w);
					if (f->uart == NULL)
						worker_note(w, "updating, not visible over USB: the result is judged by the revision after the return");
				}
				s = follow_wait_blind(w, f, ms, out, &got);
			} else {
				s = worker_connect(w, now + ms, false);
			}
			if (s == AT_STOPPED)
				return NEXT_STOPPED;
			if (got)
				return NEXT_EVENT;
			if (s == AT_OK) {
				f->quiet_ref = f->last_progress = unit_mono_ms();
				*out = FE_PORT_BACK;
				return NEXT_EVENT;
			}
			continue;
		}
		s = at_next_line(w->ch, ms, line, sizeof line);
		if (s == AT_STOPPED)
			return NEXT_STOPPED;
		if (s == AT_PORT_LOST) {
			f->lost_ms = unit_mono_ms();
			f->lost_in = w->phase;
			f->lost_pct = w->percent;
			worker_disconnect(w, f->state == FS_DOWNLOAD ?
			    "port lost during the download (power cut or crash?)" :
			    "port lost: module restarts");
			*out = FE_PORT_LOST;
			return NEXT_EVENT;
		}
		if (s != AT_OK)
			continue;
		/* RDY is the boot. The BG95/BG77's APP RDY follows it seconds
		 * later (its application is up): no boot of its own, and in
		 * the middle of a download it must not read as a restart. */
		if (strcasecmp(line, "RDY") == 0) {
			*out = FE_RDY;
			return NEXT_EVENT;
		}
		if (urc_parse_line(line, &f->urc) && follow_event_of_urc(&f->urc, out))
			return NEXT_EVENT;
	}
}

/* ---- the actions -------------------------------------------------------- */

/* Reads where the module is now for fw_after, if it answers. */
static void
follow_read_after(worker *w)
{
	ident id;

	if (w->ch == NULL && worker_connect(w, unit_mono_ms() + 1000, false) != AT_OK)
		return;
	if (worker_identify(w, &id, unit_mono_ms() + 16000) == ID_OK &&
	    (w->id.imei[0] == '\0' || strcmp(id.imei, w->id.imei) == 0))
		pkg_revision_form(identity_revision(&id), w->u.fw_after, sizeof w->u.fw_after);
}

/* Identify again after the last reboot and judge the revision. */
static hop_rc
follow_verify(worker *w, follow *f)
{
	const pkg *hop = f->hop;
	int64_t deadline = unit_mono_ms() + (int64_t)(w->pol->reboot_timeout * 1000);
	ident   id;
	id_rc   rc;

	if (f->traits & FT_BLIND && f->upd_start > 0 && f->end_code < 0)
		w->u.update_s = (double)(unit_mono_ms() - f->upd_start) / 1000.0;
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
		if (!worker_sleep(w, 100))
			return HOP_STOPPED;
	}
	if (rc == ID_BAD)
		return worker_fail(w, PHASE_VERIFY, -1, false, "after the update: %s", w->why);
	if (f->tries > 1)
		worker_note(w, "the module made %d tries of its own", f->tries);
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

/* What an action gives back: go on (HOP_OK with state not DONE), or the
 * hop's result. */
typedef hop_rc follow_do(worker *w, follow *f, const follow_row *row);

static hop_rc
do_none(worker *w, follow *f, const follow_row *row)
{
	(void)w; (void)f; (void)row;
	return HOP_OK;
}

static hop_rc
do_note(worker *w, follow *f, const follow_row *row)
{
	(void)f;
	if (row->why != NULL)
		worker_note(w, "%s", row->why);
	return HOP_OK;
}

/* A normal-looking boot before START: read-only questions. At the target
 * already (an END that never reached us), verify; otherwise listen on. */
static hop_rc
do_probe(worker *w, follow *f, const follow_row *row)
{
	const char *target = follow_target(w, f);
	ident id;
	id_rc rc;

	do_note(w, f, row);
	rc = worker_identify(w, &id, unit_mono_ms() + 2000);
	if (rc == ID_STOPPED)
		return HOP_STOPPED;
	if (rc != ID_OK)
		return HOP_OK;
	/* Another unit in the slot, this one at its target already (an END
	 * that never reached us), or an adopted update with no target to
	 * wait for: the verdict needs no updater. */
	if ((w->id.imei[0] != '\0' && strcmp(id.imei, w->id.imei) != 0) ||
	    (f->hop == NULL && target[0] == '\0') ||
	    (target[0] != '\0' && identity_at_revision(&id, target))) {
		f->state = FS_DONE;
		return follow_verify(w, f);
	}
	worker_note(w, "module answers at %s, not the target: listening for its updater until start_timeout (%g s)",
	    identity_revision(&id), w->pol->start_timeout);
	return HOP_OK;
}

static hop_rc
do_verify(worker *w, follow *f, const follow_row *row)
{
	do_note(w, f, row);
	return follow_verify(w, f);
}

static hop_rc
do_retry(worker *w, follow *f, const follow_row *row)
{
	(void)row;
	worker_note(w, "the module tries again by itself (try %d) after END,%d", f->tries,
	    f->end_code);
	return HOP_OK;
}

static err_context
follow_dl_context(urc_transport via)
{
	return via == URC_VIA_FTP ? ERRCTX_FTP : ERRCTX_HTTP;
}

static hop_rc
do_fail_dl(worker *w, follow *f, const follow_row *row)
{
	(void)row;
	worker_fail_code(w, PHASE_DOWNLOAD, follow_dl_context(f->urc.via), f->urc.value,
	    "download failed");
	/* A failed download does not restart the module. */
	follow_read_after(w);
	return HOP_FAIL;
}

static hop_rc
do_fail_powercut(worker *w, follow *f, const follow_row *row)
{
	char at[16] = "";

	(void)f;
	if (w->percent >= 0)
		snprintf(at, sizeof at, " at %d%%", w->percent);
	return worker_fail(w, PHASE_DOWNLOAD, -1, true,
	    "%s%s (power cut or crash): the download is gone; a new trigger is needed",
	    row->why, at);
}

static hop_rc
do_fail_end(worker *w, follow *f, const follow_row *row)
{
	char what[96];

	do_note(w, f, row);
	if (f->tries > 1)
		snprintf(what, sizeof what, "update failed (after %d tries by the module)", f->tries);
	else
		snprintf(what, sizeof what, "update failed");
	worker_fail_code(w, f->end_phase, ERRCTX_UPDATE, f->end_code, what);
	follow_read_after(w);
	return HOP_FAIL;
}

static hop_rc
do_fail_stall(worker *w, follow *f, const follow_row *row)
{
	(void)f; (void)row;
	return worker_fail(w, w->phase, -1, false,
	    "no progress for %g s during %s: the module stopped reporting",
	    w->pol->stall_timeout, unit_phase_name(w->phase));
}

static hop_rc
do_fail_nostart(worker *w, follow *f, const follow_row *row)
{
	hop_rc rc;

	(void)f; (void)row;
	rc = worker_fail(w, PHASE_REBOOT, -1, true,
	    "the update did not start: no FOTA message within start_timeout (%g s) after the trigger",
	    w->pol->start_timeout);
	/* The module answers in normal mode: what it runs is the audit's
	 * fw_after (its old revision, the row must say so). */
	follow_read_after(w);
	return rc;
}

static hop_rc
do_fail_gone(worker *w, follow *f, const follow_row *row)
{
	bool   blind = (f->traits & FT_BLIND) &&
	    (f->from == FS_TO_UPDATER || f->from == FS_UPDATING);
	double limit = w->pol->reboot_timeout + (blind ? w->pol->stall_timeout : 0);
	char   at[16] = "";

	(void)row;
	if (f->from == FS_UPDATING || f->from == FS_DOWNLOAD) {
		if (f->lost_pct >= 0)
			snprintf(at, sizeof at, " at %d%%", f->lost_pct);
		return worker_fail(w, f->lost_in, -1, false,
		    "unit removed during update: port lost during %s%s, not back within %g s",
		    unit_phase_name(f->lost_in), at, limit);
	}
	return worker_fail(w, w->phase, -1, false, "port did not come back within %g s", limit);
}

static follow_do *const actions[FA_ACTION_COUNT] = {
	[FA_NONE]          = do_none,
	[FA_NOTE]          = do_note,
	[FA_PROBE]         = do_probe,
	[FA_VERIFY]        = do_verify,
	[FA_RETRY]         = do_retry,
	[FA_FAIL_DL]       = do_fail_dl,
	[FA_FAIL_POWERCUT] = do_fail_powercut,
	[FA_FAIL_END]      = do_fail_end,
	[FA_FAIL_STALL]    = do_fail_stall,
	[FA_FAIL_NOSTART]  = do_fail_nostart,
	[FA_FAIL_GONE]     = do_fail_gone,
};

static bool
follow_is_urc_event(follow_event e)
{
	return e <= FE_RESUME;
}

/* One event through the table. HOP_OK with f->state != FS_DONE: go on. */
static hop_rc
follow_feed(worker *w, follow *f, follow_event ev)
{
	const follow_row *row;
	follow_state      was = f->state;
	follow_do        *act;
	hop_rc            rc;

	if (follow_is_urc_event(ev))
		follow_urc_effects(w, f, &f->urc);
	row = follow_step(f->traits, f->state, ev);
	if (row == NULL)
		return HOP_OK;
	f->from = was;
	f->state = row->next;
	/* The start clock runs from the reboot towards the updater on. */
	if (row->next == FS_TO_UPDATER && was != FS_LOOKS_NORMAL && was != FS_TO_UPDATER)
		f->start_ref = unit_mono_ms();
	act = actions[row->action];
	rc = act(w, f, row);
	if (rc != HOP_OK)
		f->state = FS_DONE;
	return rc;
}

hop_rc
worker_follow(worker *w, const pkg *hop, bool url, const urc_event *first)
{
	follow f = {
		.hop = hop, .end_code = -1, .end_phase = PHASE_UPDATING,
		.last_progress = unit_mono_ms(), .start_ref = unit_mono_ms(),
		.quiet_ref = unit_mono_ms(), .lost_ms = unit_mono_ms(),
		.lost_in = w->phase, .lost_pct = -1,
		.traits = w->id.mi != NULL ?
		    follow_traits(w->id.mi->dialect, w->id.mi->usb_blind_update) : 0,
	};
	hop_rc rc = HOP_OK;

	/* A URL trigger downloads first; a local package restarts the module
	 * into its updater right after the trigger. */
	f.state = url ? FS_DL_WAIT : FS_TO_UPDATER;
	if (first != NULL && (first->kind == URC_DL_START || first->kind == URC_DL_PROGRESS))
		f.state = FS_DL_WAIT;
	worker_set(w, url ? PHASE_DOWNLOAD : PHASE_REBOOT, -1);
	if (first != NULL) {
		follow_event ev;
		f.urc = *first;
		if (follow_event_of_urc(first, &ev))
			rc = follow_feed(w, &f, ev);
	}
	while (rc == HOP_OK && f.state != FS_DONE) {
		follow_event ev;

		if (follow_next(w, &f, &ev) == NEXT_STOPPED) {
			rc = HOP_STOPPED;
			break;
		}
		rc = follow_feed(w, &f, ev);
	}
	at_close(f.uart);
	return rc;
}
