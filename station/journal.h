/*
 * journal: the units in flight, on disk, so that a station restarted after
 * a crash, a power cut or kill -9 can report every unit it had started.
 *
 * File: <reports_dir>/journal/<station>.journal, append-only text, one
 * record per line, every line fsync'ed before the call returns (fsyncs of
 * threads writing at once are shared; a PHASE line that only moves the
 * percent goes to disk with the next fsync, see journal.c):
 *
 *   BEGIN ts=<ms> slot=A1 imei=... (every identity and plan field) crc=<8 hex>
 *   PHASE ts=<ms> slot=A1 imei=... phase=UPDATING percent=40 crc=<8 hex>
 *   END ts=<ms> slot=A1 imei=... result=PASS crc=<8 hex>
 *   ROW ts=<ms> slot=A1 imei=... result=FAIL day=YYYY-MM-DD row=<the
 *       session row's fields before row_sha256> crc=<8 hex>
 *
 * ROW: the unit finished but its session row could not be written (disk
 * full, folder gone); it is no longer in flight, its row waits here with
 * its real result until END. BEGIN reserves room (fallocate, keeping the
 * size) for the unit's PHASE lines and its ROW, so a disk that fills up
 * later cannot refuse them; a BEGIN that cannot get its room fails, and
 * the station then changes nothing on that module. A journal file or
 * folder deleted under the station is written anew from memory.
 *
 * Values are percent-escaped (every byte outside '!'..'~', and '%', is
 * %HH), so whatever a module sends stays one token on one line. crc is the
 * CRC-32 (IEEE 802.3, as zlib's crc32) of the line's bytes before " crc=":
 * a line torn by a power cut, or damaged, is recognised and skipped.
 *
 * Usage, by the station:
 *
 *   journal_open at start; journal_in_flight lists what the previous run
 *   left unfinished (report those units, e.g. as ABORTED rows: the report
 *   writer ends them in the journal once each row is on disk); then
 *   journal_compact. Per unit: journal_begin before the first change to
 *   the module, journal_phase on its way, and the report writer calls
 *   journal_end after the unit's row is durable (report_set_journal).
 *
 * Every call is thread-safe (one mutex per journal). A unit is identified
 * by (slot, imei); imei may be empty for a unit that was never identified.
 */
#ifndef JOURNAL_H
#define JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "station/unit.h"

typedef struct journal journal;

/* A unit that has a BEGIN and no END. */
typedef struct journal_unit {
	unit_record unit;      /* the BEGIN record: identity, plan, started_ms,
	                          run_id, operator; result RESULT_NONE       */
	unit_phase  phase;     /* last PHASE; PHASE_PLAN when none was written
	                          (BEGIN comes once the plan is known)        */
	int         percent;   /* last PHASE's percent, -1 when none          */
	int64_t     begin_ms;  /* when BEGIN was written                      */
	int64_t     last_ms;   /* when the last record for the unit was written */
} journal_unit;

/* A finished unit whose report row could not be written to the session
 * file (disk full, folder gone): its row as the report writer formatted
 * it, kept until the row is in the file (journal_end). */
typedef struct journal_waiting {
	char        slot[32];
	char        imei[24];
	unit_result result;
	char        day[16];    /* YYYY-MM-DD: which session file */
	char       *text;       /* the row's fields before row_sha256; owned */
	int64_t     ts;         /* when the ROW was written */
} journal_waiting;

/* Opens (creating reports_dir/journal and the file when missing) and reads
 * the journal: the units in flight are then known to journal_in_flight. A
 * torn last line is cut off the file (it was never acknowledged); damaged
 * lines are skipped and counted (journal_skipped). The file is locked
 * (flock) so a second station of the same name cannot share it.
 * 0, or -1 with "journal PATH: REASON" in err and errno set. */
int  journal_open(journal **out, const char *reports_dir, const char *station,
                  char *err, size_t len);
/* Closes the file and frees everything. NULL is fine. */
void journal_close(journal *j);
/* The journal file's path. */
const char *journal_path(const journal *j);
/* What journal_open skipped: complete lines whose crc or syntax did not
 * check out, and a torn (unterminated) last line (0 or 1). */
void journal_skipped(const journal *j, size_t *corrupt, size_t *torn);

/* Records the unit as in flight: slot, usb_path, port, model, imei, iccid,
 * fw_before, fw_target, package, package_sha256, delivery, started_ms,
 * run_id, station and operator. On return 0 the line is on disk (fsync; the
 * directory too when the file was new). A BEGIN for a (slot, imei) already
 * in flight replaces it: the same unit started again. -1 with errno on a
 * write failure: nothing is recorded and the file is as it was; or when
 * fsync failed: the line is written but may not survive a power cut. */
int  journal_begin(journal *j, const unit_record *u);
/* Records the unit's phase and percent (-1: none). Throttled here: a line
 * is written only when the phase changed or percent moved by 10 or more
 * since the last line, so a caller may call it on every progress event.
 * A unit without BEGIN has nothing to recover and is ignored (returns 0).
 * -1 with errno on a write failure. */
int  journal_phase(journal *j, const char *slot, const char *imei,
                   unit_phase ph, int percent);
/* Records that the unit's report row is durable: it is no longer in
 * flight. Call only after the row's fsync. A unit not in flight is ignored
 * (returns 0): the report writer ends every row, begun or not. -1 with
 * errno on a write failure; the unit then stays in flight, and a later
 * call may retry. */
int  journal_end(journal *j, const char *slot, const char *imei,
                 unit_result r);

/* Records a finished unit's row that the session file did not take: the
 * unit is no longer in flight, its real result is kept, durably, and a
 * restart writes this row instead of guessing (journal_rows_waiting). The
 * room for it was reserved when the unit began, so a full disk does not
 * stop it. 0, or -1 with errno. */
int  journal_row(journal *j, const journal_waiting *row);
/* The rows waiting, oldest first: a malloc'ed array of *n (texts copied);
 * free with journal_rows_free. */
int  journal_rows_waiting(journal *j, journal_waiting **rows, size_t *n);
void journal_rows_free(journal_waiting *rows, size_t n);

/* The units in flight now, oldest BEGIN first: a malloc'ed array of *n
 * (NULL when none) that the caller frees with free(). 0, or -1 (ENOMEM). */
int  journal_in_flight(journal *j, journal_unit **units, size_t *n);
/* Rewrites the file with only the units in flight now (BEGIN and their last
 * PHASE): written to a temporary file, fsync'ed, renamed over the journal
 * and the directory fsync'ed, so a crash leaves either the old or the new
 * file, both complete. -1 with errno on failure; the old file stays in use. */
int  journal_compact(journal *j);

#endif
