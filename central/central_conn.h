/*
 * central_conn: one libpq connection driven by its asynchronous API, so that
 * the thread that owns it can always be woken and never hangs on a network
 * that stops answering.
 *
 * Connecting is PQconnectStart + PQconnectPoll, a statement is
 * PQsendQueryParams + PQflush + PQconsumeInput/PQisBusy/PQgetResult on a
 * non-blocking socket; every wait is a poll() on the connection's socket in
 * slices of at most 100 ms, bounded by the call's own timeout and by a
 * cutoff that another thread may pull in at any time (the station stopping).
 * A wait that runs out abandons the connection (PQfinish): whatever the
 * server did with the statement, the caller retries it on a new connection,
 * which is safe because everything the station sends is idempotent.
 */
#ifndef CENTRAL_CONN_H
#define CENTRAL_CONN_H

#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum central_rc {
	CENTRAL_OK,         /* done; the result is in *res when asked      */
	CENTRAL_REFUSED,    /* the server answered with an error; the
	                       connection stays usable                     */
	CENTRAL_DOWN,       /* no connection (refused, lost, timed out,
	                       cut off): the connection is closed          */
} central_rc;

typedef struct central_conn {
	PGconn          *pg;      /* NULL when not connected                 */
	_Atomic int64_t *cutoff;  /* monotonic ms after which no wait goes
	                             on; NULL for none                       */
	char             where[300]; /* "host:port/db", never the password  */
	char             error[512]; /* the last failure, for a person      */
	char             sqlstate[6];/* of the last CENTRAL_REFUSED, or ""  */
	_Atomic int64_t  busy_since; /* monotonic ms an open or exec began,
	                                0 when none runs: how long the
	                                database has kept the owner waiting,
	                                readable from any thread             */
} central_conn;

/* cutoff may be NULL. where is taken from url (never its password). */
void       central_conn_init(central_conn *c, const char *url, _Atomic int64_t *cutoff);
/* Connects within timeout_ms; error set on CENTRAL_DOWN. */
central_rc central_conn_open(central_conn *c, const char *url, int64_t timeout_ms);
/* One statement with text parameters (NULL = SQL NULL), within
 * timeout_ms; params NULL: sql may hold several statements (no
 * parameters), run as one transaction. *res (may be NULL: not wanted) gets the PGresult on
 * CENTRAL_OK, to PQclear. */
central_rc central_conn_exec(central_conn *c, const char *sql, int nparams,
                             const char *const *params, int64_t timeout_ms,
                             PGresult **res);
bool       central_conn_up(const central_conn *c);
void       central_conn_close(central_conn *c);

#endif
