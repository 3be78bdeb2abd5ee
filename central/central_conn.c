/*
 * central_conn: libpq's asynchronous API behind three calls (open, exec,
 * close), for the one thread that owns the connection.
 *
 * Why not PQexec: a blocking call on a network that stalls (a switch that
 * drops packets, a proxy that stops forwarding) waits for TCP to give up,
 * minutes later, and cannot be told to stop. Here every wait is a poll() in
 * slices of at most 100 ms that re-reads the deadline and the shared
 * cutoff, so the owner gets control back on time, always.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "central/central_conn.h"
#include "station/unit.h"

#define CENTRAL_SLICE_MS 100

static void
central_conn_where(central_conn *c, const char *url)
{
	PQconninfoOption *opts = PQconninfoParse(url, NULL);
	const char       *host = "localhost", *port = "5432", *db = "", *user = "";

	for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "host") == 0 || (strcmp(o->keyword, "hostaddr") == 0 &&
		    strcmp(host, "localhost") == 0))
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
		else if (strcmp(o->keyword, "user") == 0)
			user = o->val;
	}
	snprintf(c->where, sizeof c->where, "%s%s%s:%s/%s", user, user[0] ? "@" : "",
	    host, port, db);
	PQconninfoFree(opts);
}

void
central_conn_init(central_conn *c, const char *url, _Atomic int64_t *cutoff)
{
	memset(c, 0, sizeof *c);
	atomic_init(&c->busy_since, 0);
	c->cutoff = cutoff;
	central_conn_where(c, url);
}

bool
central_conn_up(const central_conn *c)
{
	return c->pg != NULL;
}

void
central_conn_close(central_conn *c)
{
	if (c->pg != NULL)
		PQfinish(c->pg);
	c->pg = NULL;
}

/* libpq's messages end in a line end and may span lines: one line here. */
static void
central_conn_error(central_conn *c, const char *what, const char *msg)
{
	size_t n;

	snprintf(c->error, sizeof c->error, "%s%s%s", what, what[0] ? ": " : "",
	    msg != NULL && msg[0] ? msg : "no reason given");
	for (char *p = c->error; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	n = strlen(c->error);
	while (n > 0 && c->error[n - 1] == ' ')
		c->error[--n] = '\0';
}

static central_rc
central_conn_down(central_conn *c, const char *what, const char *msg)
{
	central_conn_error(c, what, msg);
	central_conn_close(c);
	return CENTRAL_DOWN;
}

/* 1 the socket is ready, 0 the deadline or the cutoff passed, -1 poll
 * failed. */
static int
central_conn_wait(central_conn *c, short events, int64_t deadline)
{
	struct pollfd p = { .fd = PQsocket(c->pg), .events = events };

	if (p.fd < 0)
		return -1;
	for (;;) {
		int64_t now = unit_mono_ms(), limit = deadline, slice;
		int     rc;

		if (c->cutoff != NULL && atomic_load(c->cutoff) < limit)
			limit = atomic_load(c->cutoff);
		if (now >= limit)
			return 0;
		slice = limit - now < CENTRAL_SLICE_MS ? limit - now : CENTRAL_SLICE_MS;
		rc = poll(&p, 1, (int)slice);
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

static central_rc central_conn_open_inner(central_conn *c, const char *url, int64_t timeout_ms);
static central_rc central_conn_exec_inner(central_conn *c, const char *sql, int nparams,
                                          const char *const *params, int64_t timeout_ms,
                                          PGresult **res);

central_rc
central_conn_open(central_conn *c, const char *url, int64_t timeout_ms)
{
	central_rc rc;

	atomic_store(&c->busy_since, unit_mono_ms());
	rc = central_conn_open_inner(c, url, timeout_ms);
	atomic_store(&c->busy_since, 0);
	return rc;
}

central_rc
central_conn_exec(central_conn *c, const char *sql, int nparams,
    const char *const *params, int64_t timeout_ms, PGresult **res)
{
	central_rc rc;

	atomic_store(&c->busy_since, unit_mono_ms());
	rc = central_conn_exec_inner(c, sql, nparams, params, timeout_ms, res);
	atomic_store(&c->busy_since, 0);
	return rc;
}

static central_rc
central_conn_open_inner(central_conn *c, const char *url, int64_t timeout_ms)
{
	int64_t             deadline = unit_mono_ms() + timeout_ms;
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	central_conn_close(c);
	c->sqlstate[0] = '\0';
	c->pg = PQconnectStart(url);
	if (c->pg == NULL)
		return central_conn_down(c, "cannot connect", "out of memory");
	if (PQstatus(c->pg) == CONNECTION_BAD)
		return central_conn_down(c, "", PQerrorMessage(c->pg));
	while (st != PGRES_POLLING_OK) {
		int w;

		if (st == PGRES_POLLING_FAILED)
			return central_conn_down(c, "", PQerrorMessage(c->pg));
		w = central_conn_wait(c, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline);
		if (w == 0)
			return central_conn_down(c, "cannot connect", "no answer in time");
		if (w < 0)
			return central_conn_down(c, "cannot connect", strerror(errno));
		st = PQconnectPoll(c->pg);
	}
	if (PQsetnonblocking(c->pg, 1) != 0)
		return central_conn_down(c, "", PQerrorMessage(c->pg));
	c->error[0] = '\0';
	return CENTRAL_OK;
}

/* Waits until the whole statement is sent. */
static central_rc
central_conn_flush(central_conn *c, int64_t deadline)
{
	int r;

	while ((r = PQflush(c->pg)) == 1) {
		int w = central_conn_wait(c, POLLIN | POLLOUT, deadline);

		if (w == 0)
			return central_conn_down(c, "database stopped answering", "no progress in time");
		if (w < 0 || PQconsumeInput(c->pg) == 0)
			return central_conn_down(c, "connection lost", PQerrorMessage(c->pg));
	}
	if (r < 0)
		return central_conn_down(c, "connection lost", PQerrorMessage(c->pg));
	return CENTRAL_OK;
}

/* The next result, waiting for it without blocking; *out NULL at the end. */
static central_rc
central_conn_result(central_conn *c, int64_t deadline, PGresult **out)
{
	while (PQisBusy(c->pg)) {
		int w = central_conn_wait(c, POLLIN, deadline);

		if (w == 0)
			return central_conn_down(c, "database stopped answering", "no reply in time");
		if (w < 0 || PQconsumeInput(c->pg) == 0)
			return central_conn_down(c, "connection lost", PQerrorMessage(c->pg));
	}
	*out = PQgetResult(c->pg);
	return CENTRAL_OK;
}

static central_rc
central_conn_exec_inner(central_conn *c, const char *sql, int nparams,
    const char *const *params, int64_t timeout_ms, PGresult **res)
{
	int64_t    deadline = unit_mono_ms() + timeout_ms;
	PGresult  *r = NULL, *keep = NULL;
	central_rc rc;
	bool       failed = false;

	if (res != NULL)
		*res = NULL;
	c->sqlstate[0] = '\0';
	if (c->pg == NULL)
		return CENTRAL_DOWN;
	/* Without parameters the simple protocol: several statements in one
	 * text, run as one transaction (the schema's migrations). */
	if ((params == NULL ? PQsendQuery(c->pg, sql) :
	    PQsendQueryParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0)) == 0)
		return central_conn_down(c, "connection lost", PQerrorMessage(c->pg));
	if ((rc = central_conn_flush(c, deadline)) != CENTRAL_OK)
		return rc;
	for (;;) {
		ExecStatusType st;

		if ((rc = central_conn_result(c, deadline, &r)) != CENTRAL_OK) {
			PQclear(keep);
			return rc;
		}
		if (r == NULL)
			break;
		st = PQresultStatus(r);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && !failed) {
			const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

			failed = true;
			central_conn_error(c, "", PQresultErrorMessage(r));
			snprintf(c->sqlstate, sizeof c->sqlstate, "%s", state ? state : "");
		}
		if (keep == NULL && !failed) {
			keep = r;
			continue;
		}
		PQclear(r);
	}
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		PQclear(keep);
		return central_conn_down(c, "connection lost", PQerrorMessage(c->pg));
	}
	if (failed) {
		PQclear(keep);
		return CENTRAL_REFUSED;
	}
	if (res != NULL)
		*res = keep;
	else
		PQclear(keep);
	return CENTRAL_OK;
}
