/*
 * follow: the rules for following a module from its update trigger to a
 * verdict, as a table of transitions (state, event) -> (next state,
 * action), per dialect trait.
 *
 * Nothing here does I/O: worker_follow.c turns what the port does (a FOTA
 * URC, RDY, the port lost or back, a clock running out) into an event,
 * asks follow_step() for the row, and carries out the row's action. So
 * every rule of docs/protocol.md section 5 is one readable row, and
 * tests/unit/test_follow.c checks them without a module.
 *
 * The traits say how a dialect's modules differ where it matters here:
 * AG35/EP06 retry a failed check or update by themselves (a new START
 * after END,<err>), BC26 does not reboot after a failure (it returns an
 * error and exits DFOTA: judge at once), BG95/BG77 are blind on USB while
 * they update (the port's return is the end).
 */
#ifndef FOLLOW_H
#define FOLLOW_H

#include <stdbool.h>

#include "dialects/models.h"
#include "dialects/urc.h"

typedef enum follow_state {
	FS_DL_WAIT,       /* URL trigger accepted, no download URC yet       */
	FS_DOWNLOAD,      /* <X>START seen: the download runs                */
	FS_TO_UPDATER,    /* the module goes into its updater (reboot due)   */
	FS_LOOKS_NORMAL,  /* a normal boot before START: no verdict until
	                   * START or policy.start_timeout                   */
	FS_UPDATING,      /* START seen                                      */
	FS_ENDED_OK,      /* END,0: the final boot is due                    */
	FS_ENDED_FAIL,    /* END,<err>: a module-side retry (new START) or
	                   * the restored old version (RDY) is due           */
	FS_DONE,
	FS_STATE_COUNT
} follow_state;

typedef enum follow_event {
	FE_DL_START,
	FE_DL_PROGRESS,
	FE_DL_END_OK,
	FE_DL_END_FAIL,
	FE_RESETTING,
	FE_START,
	FE_PROGRESS,      /* UPDATING or RESTORE, n                          */
	FE_END_OK,
	FE_END_FAIL,
	FE_RESUME,        /* BG96: "Last upgrade was not finished"           */
	FE_RDY,           /* RDY / APP RDY: a normal boot                    */
	FE_PORT_LOST,
	FE_PORT_BACK,
	FE_STALL,         /* no progress for policy.stall_timeout            */
	FE_START_TIMEOUT, /* no START within policy.start_timeout            */
	FE_QUIET,         /* port present, nothing for reboot_timeout after
	                   * END (a UART jig reboots without losing its port) */
	FE_GONE,          /* the port did not come back in time              */
	FE_EVENT_COUNT
} follow_event;

typedef enum follow_action {
	FA_NONE,          /* keep listening                                  */
	FA_NOTE,          /* keep listening, and say the row's why           */
	FA_PROBE,         /* identify (read-only): at the target, verify;
	                   * otherwise keep listening                        */
	FA_VERIFY,        /* identify and judge the revision                 */
	FA_RETRY,         /* the module tries again by itself: count it      */
	FA_FAIL_DL,       /* download failed; the module stays up            */
	FA_FAIL_POWERCUT, /* port lost during a download: retry at once      */
	FA_FAIL_END,      /* judge the last END,<err>: identify, FAIL        */
	FA_FAIL_STALL,
	FA_FAIL_NOSTART,
	FA_FAIL_GONE,
	FA_ACTION_COUNT
} follow_action;

/* Dialect traits, as bit flags. */
enum {
	FT_RETRIES   = 1 << 0,  /* module-side retries (AG35, EP06)      */
	FT_NO_REBOOT = 1 << 1,  /* no reboot after a failure (BC26)      */
	FT_BLIND     = 1 << 2,  /* USB unusable while updating (BG95)    */
};

typedef struct follow_row {
	follow_state  state;
	follow_event  event;
	unsigned      need;     /* traits the row needs (0: any)          */
	unsigned      never;    /* traits that rule the row out           */
	follow_state  next;
	follow_action action;
	const char   *why;      /* for the timeline and for people        */
} follow_row;

unsigned          follow_traits(model_dialect d, bool usb_blind_update);
/* The first row for (state, event) whose traits match; NULL: nothing
 * to do (stay, ignore the event). */
const follow_row *follow_step(unsigned traits, follow_state s, follow_event e);
/* A FOTA URC as an event; false for kinds that are no event here. */
bool              follow_event_of_urc(const urc_event *u, follow_event *out);
const char       *follow_state_name(follow_state s);
const char       *follow_event_name(follow_event e);
const char       *follow_action_name(follow_action a);
/* The rows, for tests and documentation. */
const follow_row *follow_rows(unsigned *n);

#endif
