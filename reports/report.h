/*
 * report: the audit trail. A bus sink that writes, in the reports folder,
 *
 *   <station>-<YYYY-MM-DD>.csv   one row per unit attempt (docs/contract.md),
 *                                the day in the station's time zone,
 *                                appended and fsync'ed when the unit ends;
 *                                its last column, row_sha256, chains each
 *                                row to the one before (docs/audit.md)
 *   <station>-<YYYY-MM-DD>.csv.head
 *                                that file's last row_sha256 and row count
 *   units/<imei or slot>-<UTC timestamp>.csv
 *                                that unit's timeline: ts, phase, percent,
 *                                event, raw (every byte in and out)
 *
 * Timeline events that arrive for a slot before its unit is identified are
 * held in memory and written once the file is opened at BUS_UNIT_START.
 * The writer is used from the bus dispatcher thread only.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "station/bus.h"
#include "station/journal.h"

typedef struct report_writer report_writer;

/* Creates dir and dir/units when missing and checks that both are
 * writable. 0, or -1 with "reports folder DIR: REASON" in err. */
int         report_open(report_writer **out, const char *dir,
                        const char *station, char *err, size_t errlen);
void        report_on_event(void *writer, const bus_event *ev); /* a bus_sink */
void        report_close(report_writer *w);
/* The session file rows go to now (today's, in the local time zone). */
const char *report_session_path(report_writer *w);
/* Called (on the writer's thread) when rows start waiting because the disk
 * will not take them, and again when they are all written. */
typedef void (*report_alert_fn)(void *ctx, const char *text);
void        report_set_alert(report_writer *w, report_alert_fn fn, void *ctx);
/* Number of rows that could not be written yet (disk trouble). */
size_t      report_pending(report_writer *w);

/* Units whose row is durable (row and head fsync'ed) are ended in j
 * (journal_end), also rows written late once the disk takes them again; an
 * end the journal refuses is retried at later events. j is not owned and
 * must outlive the writer; NULL (the default) ends nothing. */
void        report_set_journal(report_writer *w, journal *j);

/* Tests only: session rows and heads are written through fn instead of
 * write(2), so a test can play a full or failing disk (return -1 with errno
 * set, or a short count). NULL restores write(2). */
typedef ssize_t (*report_write_fn)(int fd, const void *buf, size_t len,
                                   void *ctx);
void        report_set_write_hook(report_writer *w, report_write_fn fn,
                                  void *ctx);

/* Signs each day's file with key (Ed25519, reports/sign.h) when the
 * writer moves on to another day's file, and the last one at report_close.
 * key is not owned and must outlive the writer; NULL (the default) signs
 * nothing. */
struct evp_pkey_st;
void        report_set_signing_key(report_writer *w, struct evp_pkey_st *key);

/* The CSV header line of the session file, without line end. */
extern const char *const report_columns[];
extern const int report_ncolumns;

#endif
