/*
 * central_outbox: the rows that wait for the audit store.
 *
 * The outbox is the session CSVs themselves. They already are a durable,
 * ordered, fsync'ed log of exactly the rows that must reach dfota_units,
 * each with its row_sha256; a second copy (in the journal or a file of its
 * own) would be a second truth that a crash between the two writes could
 * make disagree. What the outbox adds is one small cursor per CSV,
 *
 *   <csv>.sent    "<row_sha256> <rows>\n": the last row the database has
 *                 acknowledged, and how many chained rows of the file that is
 *
 * replaced (temporary file, rename) after every acknowledged batch. A
 * cursor that lags (a crash after the commit, before the rename; a lost
 * cursor) only makes rows go again, and INSERT ... ON CONFLICT (row_sha256)
 * DO NOTHING keeps each row there once. A cursor is never ahead: it is
 * written after the database said yes.
 *
 * Rows are sendable up to the file's head (<csv>.head, written by the
 * report writer after the row's fsync): a row past it may still be cut back
 * by a writer whose disk failed. Files are the station's own
 * (<station>-YYYY-MM-DD.csv in the reports folder), oldest day first, so
 * rows go in the order units finished; a file from before central.url was
 * set is sent too, once, like any other.
 */
#ifndef CENTRAL_OUTBOX_H
#define CENTRAL_OUTBOX_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "reports/chain.h"

typedef struct central_outbox central_outbox;

/* Rows of one header section of one file, ready for central_store_units. */
typedef struct central_batch {
	int     cols[40];        /* indexes in central_unit_columns        */
	int     ncols;
	char  **values;          /* nrows * ncols, row-major; owned        */
	size_t  nrows;
	size_t  cap;
	char    file[PATH_MAX];  /* which file, for messages               */
} central_batch;

central_outbox *central_outbox_new(const char *dir, const char *station);
void            central_outbox_free(central_outbox *ob);
/* Looks at the folder and every file's head and cursor: the rows that wait
 * (*waiting; rows of a file that is being caught up are counted from its
 * head). -1 when the folder cannot be read (errno). */
int             central_outbox_scan(central_outbox *ob, size_t *waiting);
/* The next rows to send, at most max: 1 a batch, 0 nothing waits, -1 a
 * file cannot be read (the message in err; the next scan tries again).
 * The same batch comes back until it is committed. */
int             central_outbox_next(central_outbox *ob, size_t max,
                                    const central_batch **out,
                                    char *err, size_t errlen);
/* The database acknowledged the batch: the cursor moves past it. */
int             central_outbox_commit(central_outbox *ob);

#endif
