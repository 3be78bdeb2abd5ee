/*
 * follow: the transition table of the follow engine; see follow.h.
 *
 * Rows are looked up in order; the first whose state, event and traits
 * match wins, so a dialect's exception comes before the general row.
 * FS_ANY rows at the end are the fallbacks. An event with no row is
 * ignored (a repeated percentage, a stray RDY after the verdict).
 *
 * The rules the rows carry (docs/protocol.md section 5):
 *   - a normal boot (RDY) after the trigger and before START is no
 *     verdict: the module may still be on its way into its updater, or
 *     print START seconds after a boot; read-only questions only, until
 *     START or policy.start_timeout;
 *   - the port lost during a download (after <X>START, before <X>END) is
 *     a power cut or a crash: the download is gone, try again;
 *   - END,<err> is not the verdict on a module that retries by itself
 *     (AG35/EP06): a new START is its next try, RDY the restored old
 *     version; a BC26 does not reboot after a failure: judge at once;
 *   - the port lost inside the updater is a reboot or a power cut there:
 *     it resumes; keep listening.
 */
#include <stddef.h>

#include "station/follow.h"

#define FS_ANY FS_STATE_COUNT

static const follow_row rows[] = {
	/* ---- URL trigger accepted, nothing heard yet ---------------------- */
	{ FS_DL_WAIT, FE_DL_START, 0, 0, FS_DOWNLOAD, FA_NONE, NULL },
	{ FS_DL_WAIT, FE_DL_PROGRESS, 0, 0, FS_DOWNLOAD, FA_NONE, NULL },
	{ FS_DL_WAIT, FE_PORT_LOST, 0, 0, FS_TO_UPDATER, FA_NOTE,
	  "port lost before any download message: taken as the reboot into the updater" },

	/* ---- downloading -------------------------------------------------- */
	{ FS_DOWNLOAD, FE_DL_PROGRESS, 0, 0, FS_DOWNLOAD, FA_NONE, NULL },
	{ FS_DOWNLOAD, FE_PORT_LOST, 0, 0, FS_DONE, FA_FAIL_POWERCUT,
	  "port lost during the download" },
	{ FS_DOWNLOAD, FE_RDY, 0, 0, FS_DONE, FA_FAIL_POWERCUT,
	  "module restarted during the download" },

	/* ---- either download state ---------------------------------------- */
	{ FS_DL_WAIT, FE_DL_END_OK, 0, 0, FS_TO_UPDATER, FA_NONE, NULL },
	{ FS_DOWNLOAD, FE_DL_END_OK, 0, 0, FS_TO_UPDATER, FA_NONE, NULL },
	{ FS_DL_WAIT, FE_DL_END_FAIL, 0, 0, FS_DONE, FA_FAIL_DL, NULL },
	{ FS_DOWNLOAD, FE_DL_END_FAIL, 0, 0, FS_DONE, FA_FAIL_DL, NULL },
	{ FS_DL_WAIT, FE_RDY, 0, 0, FS_LOOKS_NORMAL, FA_PROBE,
	  "normal boot before any download message: no verdict before START or start_timeout" },

	/* ---- on the way into the updater ---------------------------------- */
	{ FS_TO_UPDATER, FE_PORT_LOST, 0, 0, FS_TO_UPDATER, FA_NONE, NULL },
	{ FS_TO_UPDATER, FE_PORT_BACK, FT_BLIND, 0, FS_DONE, FA_VERIFY,
	  "USB is back: the update behind it is over; the revision decides" },
	{ FS_TO_UPDATER, FE_PORT_BACK, 0, 0, FS_TO_UPDATER, FA_NONE, NULL },
	{ FS_TO_UPDATER, FE_RDY, 0, 0, FS_LOOKS_NORMAL, FA_PROBE,
	  "normal boot before START: no verdict before START or start_timeout" },
	{ FS_TO_UPDATER, FE_START_TIMEOUT, 0, 0, FS_DONE, FA_FAIL_NOSTART, NULL },

	/* ---- a normal-looking boot, no START yet --------------------------- */
	{ FS_LOOKS_NORMAL, FE_START, 0, 0, FS_UPDATING, FA_NOTE,
	  "START after a normal-looking boot: the updater runs after all" },
	{ FS_LOOKS_NORMAL, FE_PROGRESS, 0, 0, FS_UPDATING, FA_NOTE,
	  "progress after a normal-looking boot: the updater runs after all" },
	{ FS_LOOKS_NORMAL, FE_RDY, 0, 0, FS_LOOKS_NORMAL, FA_PROBE, NULL },
	{ FS_LOOKS_NORMAL, FE_PORT_LOST, 0, 0, FS_TO_UPDATER, FA_NOTE,
	  "port lost after a normal-looking boot: perhaps the reboot into the updater" },
	{ FS_LOOKS_NORMAL, FE_START_TIMEOUT, 0, 0, FS_DONE, FA_FAIL_NOSTART, NULL },

	/* ---- updating ------------------------------------------------------ */
	{ FS_UPDATING, FE_PROGRESS, 0, 0, FS_UPDATING, FA_NONE, NULL },
	{ FS_UPDATING, FE_START, 0, 0, FS_UPDATING, FA_NOTE,
	  "START again: the updater began anew (reboot or power cut inside it)" },
	{ FS_UPDATING, FE_PORT_LOST, 0, 0, FS_UPDATING, FA_NONE, NULL },
	{ FS_UPDATING, FE_PORT_BACK, FT_BLIND, 0, FS_DONE, FA_VERIFY,
	  "USB is back: the update behind it is over; the revision decides" },
	{ FS_UPDATING, FE_PORT_BACK, 0, 0, FS_UPDATING, FA_NONE, NULL },
	{ FS_UPDATING, FE_RDY, 0, 0, FS_LOOKS_NORMAL, FA_PROBE,
	  "normal boot before END: the revision decides, or START within start_timeout" },

	/* ---- END,0: the final boot is due ---------------------------------- */
	{ FS_ENDED_OK, FE_RDY, 0, 0, FS_DONE, FA_VERIFY, NULL },
	{ FS_ENDED_OK, FE_PORT_LOST, 0, 0, FS_ENDED_OK, FA_NONE, NULL },
	{ FS_ENDED_OK, FE_PORT_BACK, 0, 0, FS_DONE, FA_VERIFY, NULL },
	{ FS_ENDED_OK, FE_QUIET, 0, 0, FS_DONE, FA_VERIFY, NULL },
	{ FS_ENDED_OK, FE_START, 0, 0, FS_UPDATING, FA_NOTE,
	  "START after END,0: the module runs its updater once more" },

	/* ---- END,<err>: the module's next try, or its old version ---------- */
	{ FS_ENDED_FAIL, FE_START, 0, 0, FS_UPDATING, FA_RETRY, NULL },
	{ FS_ENDED_FAIL, FE_PROGRESS, 0, 0, FS_UPDATING, FA_RETRY, NULL },
	{ FS_ENDED_FAIL, FE_END_OK, 0, 0, FS_ENDED_OK, FA_NONE, NULL },
	{ FS_ENDED_FAIL, FE_PORT_LOST, 0, 0, FS_ENDED_FAIL, FA_NONE, NULL },
	{ FS_ENDED_FAIL, FE_PORT_BACK, FT_BLIND, 0, FS_DONE, FA_FAIL_END, NULL },
	{ FS_ENDED_FAIL, FE_PORT_BACK, 0, 0, FS_ENDED_FAIL, FA_NONE, NULL },
	{ FS_ENDED_FAIL, FE_RDY, 0, 0, FS_DONE, FA_FAIL_END,
	  "normal boot after the failure: the old version is back" },
	{ FS_ENDED_FAIL, FE_QUIET, 0, 0, FS_DONE, FA_FAIL_END, NULL },
	{ FS_ENDED_FAIL, FE_GONE, 0, 0, FS_DONE, FA_FAIL_END, NULL },

	/* ---- any state before the verdict ---------------------------------- */
	{ FS_ANY, FE_RESETTING, 0, 0, FS_TO_UPDATER, FA_NONE, NULL },
	{ FS_ANY, FE_RESUME, 0, 0, FS_UPDATING, FA_NOTE,
	  "module resumes an interrupted update" },
	{ FS_ANY, FE_START, 0, 0, FS_UPDATING, FA_NONE, NULL },
	{ FS_ANY, FE_PROGRESS, 0, 0, FS_UPDATING, FA_NONE, NULL },
	{ FS_ANY, FE_END_OK, 0, 0, FS_ENDED_OK, FA_NONE, NULL },
	/* BC26: "returns an error and exits from DFOTA", no reboot. */
	{ FS_ANY, FE_END_FAIL, FT_NO_REBOOT, 0, FS_DONE, FA_FAIL_END, NULL },
	{ FS_ANY, FE_END_FAIL, FT_RETRIES, 0, FS_ENDED_FAIL, FA_NOTE,
	  "END with an error: this module retries by itself (up to 3 checks, 5 updates), then restores its old version" },
	{ FS_ANY, FE_END_FAIL, 0, 0, FS_ENDED_FAIL, FA_NONE, NULL },
	{ FS_ANY, FE_STALL, 0, 0, FS_DONE, FA_FAIL_STALL, NULL },
	{ FS_ANY, FE_GONE, 0, 0, FS_DONE, FA_FAIL_GONE, NULL },
};

/* Traits per dialect (the guides' behaviour), plus the model's own
 * blindness on USB. */
static const unsigned dialect_traits[DIALECT_COUNT] = {
	[DIALECT_BG96] = 0,
	[DIALECT_AG35] = FT_RETRIES,
	[DIALECT_EP06] = FT_RETRIES,
	[DIALECT_EC25] = 0,
	[DIALECT_BC26] = FT_NO_REBOOT,
	[DIALECT_BG95] = 0,
};

unsigned
follow_traits(model_dialect d, bool usb_blind_update)
{
	unsigned t = (unsigned)d < DIALECT_COUNT ? dialect_traits[d] : 0;

	return t | (usb_blind_update ? FT_BLIND : 0);
}

const follow_row *
follow_step(unsigned traits, follow_state s, follow_event e)
{
	if (s == FS_DONE)
		return NULL;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const follow_row *r = &rows[i];

		if ((r->state != s && r->state != FS_ANY) || r->event != e)
			continue;
		if ((r->need & traits) != r->need || (r->never & traits) != 0)
			continue;
		return r;
	}
	return NULL;
}

static const struct {
	urc_kind     kind;
	bool         by_code;       /* value 0 and non-0 are two events */
	follow_event ok, fail;
} urc_events[] = {
	{ URC_DL_START,     false, FE_DL_START,    FE_DL_START },
	{ URC_DL_PROGRESS,  false, FE_DL_PROGRESS, FE_DL_PROGRESS },
	{ URC_DL_COMPLETED, false, FE_DL_PROGRESS, FE_DL_PROGRESS },
	{ URC_DL_END,       true,  FE_DL_END_OK,   FE_DL_END_FAIL },
	{ URC_RESETTING,    false, FE_RESETTING,   FE_RESETTING },
	{ URC_START,        false, FE_START,       FE_START },
	{ URC_UPDATING,     false, FE_PROGRESS,    FE_PROGRESS },
	{ URC_RESTORE,      false, FE_PROGRESS,    FE_PROGRESS },
	{ URC_END,          true,  FE_END_OK,      FE_END_FAIL },
	{ URC_RESUME,       false, FE_RESUME,      FE_RESUME },
};

bool
follow_event_of_urc(const urc_event *u, follow_event *out)
{
	for (size_t i = 0; i < sizeof urc_events / sizeof urc_events[0]; i++) {
		if (urc_events[i].kind != u->kind)
			continue;
		*out = urc_events[i].by_code && u->value != 0 ? urc_events[i].fail :
		    urc_events[i].ok;
		return true;
	}
	return false;
}

static const char *const state_names[FS_STATE_COUNT] = {
	[FS_DL_WAIT] = "DL_WAIT", [FS_DOWNLOAD] = "DOWNLOAD",
	[FS_TO_UPDATER] = "TO_UPDATER", [FS_LOOKS_NORMAL] = "LOOKS_NORMAL",
	[FS_UPDATING] = "UPDATING", [FS_ENDED_OK] = "ENDED_OK",
	[FS_ENDED_FAIL] = "ENDED_FAIL", [FS_DONE] = "DONE",
};

static const char *const event_names[FE_EVENT_COUNT] = {
	[FE_DL_START] = "DL_START", [FE_DL_PROGRESS] = "DL_PROGRESS",
	[FE_DL_END_OK] = "DL_END_OK", [FE_DL_END_FAIL] = "DL_END_FAIL",
	[FE_RESETTING] = "RESETTING", [FE_START] = "START",
	[FE_PROGRESS] = "PROGRESS", [FE_END_OK] = "END_OK",
	[FE_END_FAIL] = "END_FAIL", [FE_RESUME] = "RESUME", [FE_RDY] = "RDY",
	[FE_PORT_LOST] = "PORT_LOST", [FE_PORT_BACK] = "PORT_BACK",
	[FE_STALL] = "STALL", [FE_START_TIMEOUT] = "START_TIMEOUT",
	[FE_QUIET] = "QUIET", [FE_GONE] = "GONE",
};

static const char *const action_names[FA_ACTION_COUNT] = {
	[FA_NONE] = "none", [FA_NOTE] = "note", [FA_PROBE] = "probe",
	[FA_VERIFY] = "verify", [FA_RETRY] = "retry", [FA_FAIL_DL] = "fail-download",
	[FA_FAIL_POWERCUT] = "fail-powercut", [FA_FAIL_END] = "fail-end",
	[FA_FAIL_STALL] = "fail-stall", [FA_FAIL_NOSTART] = "fail-nostart",
	[FA_FAIL_GONE] = "fail-gone",
};

const char *
follow_state_name(follow_state s)
{
	return (unsigned)s < FS_STATE_COUNT ? state_names[s] : "ANY";
}

const char *
follow_event_name(follow_event e)
{
	return (unsigned)e < FE_EVENT_COUNT ? event_names[e] : "?";
}

const char *
follow_action_name(follow_action a)
{
	return (unsigned)a < FA_ACTION_COUNT ? action_names[a] : "?";
}

const follow_row *
follow_rows(unsigned *n)
{
	*n = (unsigned)(sizeof rows / sizeof rows[0]);
	return rows;
}
