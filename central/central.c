/*
 * central: the sender thread and `report push` (see central.h).
 *
 * Threads. The bus dispatcher calls central_on_event: it folds the event
 * into the slot table (central_slots, its own mutex) and, for a unit's end,
 * raises rows_hint; both signal the condition variable. Nothing else of the
 * station ever waits on this module. The sender thread alone owns the
 * connection, the outbox and the alert state; it sleeps on the condition
 * variable until something is due (a hint, a retry, the heartbeat, a slot
 * flush, a postponed alert) and then does one step. Stop is the one way it
 * ends: central_stop sets stopping and a cutoff (monotonic ms) that bounds
 * every wait of the connection, so the last step can neither hang on a
 * stalled network nor keep the station from exiting past its grace.
 *
 * Order. Rows leave the outbox oldest file first, in file order, one batch
 * at a time, and the cursor only moves after the database acknowledged the
 * batch; a batch that failed is sent again, the same rows, after the next
 * connect. ON CONFLICT (row_sha256) DO NOTHING makes "sent again" harmless,
 * so every row is there exactly once however the connection broke.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "central/central.h"
#include "central/central_conn.h"
#include "central/central_outbox.h"
#include "central/central_slots.h"
#include "central/central_store.h"

#define CENTRAL_BATCH_ROWS   500
#define CENTRAL_CONNECT_MS   10000
#define CENTRAL_STMT_MS      10000
#define CENTRAL_HEARTBEAT_MS 5000
#define CENTRAL_SLOTS_MS     250      /* at most 4 updates/s per slot */
#define CENTRAL_SCAN_MS      2000
#define CENTRAL_BACKOFF_MIN  1000
#define CENTRAL_BACKOFF_MAX  30000
#define CENTRAL_ALERT_MS     1000

struct central {
	char             *url;
	char             *station;
	char              started_at[32];
	central_outbox   *ob;
	central_slots     slots;
	central_conn      conn;
	_Atomic int64_t   cutoff;
	_Atomic size_t    waiting;
	central_alert_fn  alert;
	void             *alert_ctx;

	pthread_mutex_t   lock;       /* stopping, rows_hint, started,
	                                 link_down, reason, unseen */
	pthread_cond_t    cond;
	bool              stopping;
	bool              rows_hint;
	bool              started;
	pthread_t         thread;
	bool              link_down;  /* the sender's last word: no link */
	char              reason[512];/* and why                         */
	size_t            unseen;     /* units ended since its last scan */

	/* The sender's own. */
	bool              forgot_slots;   /* this run's slate is clean */
	bool              trouble;        /* an alert about trouble is out */
	bool              refused;        /* the last failure was a refusal */
	int64_t           next_connect;
	int64_t           backoff;
	int64_t           next_heartbeat;
	int64_t           next_slots;
	int64_t           next_scan;
	int64_t           next_alert;
	char              said[640];      /* the last alert posted */
	char              pending[640];   /* one to post when next_alert comes */
	char              outbox_error[512];
};

central *
central_new(const char *url, const char *reports_dir, const char *station)
{
	central           *c = calloc(1, sizeof *c);
	pthread_condattr_t attr;

	if (c == NULL)
		return NULL;
	c->url = strdup(url);
	c->station = strdup(station);
	c->ob = central_outbox_new(reports_dir, station);
	if (c->url == NULL || c->station == NULL || c->ob == NULL) {
		central_outbox_free(c->ob);
		free(c->url);
		free(c->station);
		free(c);
		return NULL;
	}
	unit_format_time(unit_now_ms(), c->started_at, sizeof c->started_at);
	central_slots_init(&c->slots);
	atomic_init(&c->cutoff, INT64_MAX);
	atomic_init(&c->waiting, 0);
	central_conn_init(&c->conn, url, &c->cutoff);
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cond, &attr);
	pthread_condattr_destroy(&attr);
	c->backoff = CENTRAL_BACKOFF_MIN;
	return c;
}

void
central_set_alert(central *c, central_alert_fn fn, void *ctx)
{
	c->alert = fn;
	c->alert_ctx = ctx;
}

size_t
central_waiting(central *c)
{
	return atomic_load(&c->waiting);
}

/* How long the database may keep the sender in one call before a unit's
 * end says, from here, that its row waits. */
#define CENTRAL_SLOW_MS 2000

void
central_on_event(void *ctx, const bus_event *ev)
{
	central *c = ctx;
	bool     changed = central_slots_apply(&c->slots, ev);
	char     text[800] = "";

	if (!changed && ev->kind != BUS_UNIT_END)
		return;
	pthread_mutex_lock(&c->lock);
	if (ev->kind == BUS_UNIT_END) {
		int64_t busy = atomic_load(&c->conn.busy_since);
		int64_t slow = busy > 0 ? unit_mono_ms() - busy : 0;

		c->rows_hint = true;
		c->unseen++;
		/* The sender may be stuck in a call to a database that does
		 * not answer: the operator hears of the row all the same. */
		if (c->link_down)
			snprintf(text, sizeof text, "central: %zu row(s) wait for the database %s: %s",
			    atomic_load(&c->waiting) + c->unseen, c->conn.where, c->reason);
		else if (slow >= CENTRAL_SLOW_MS)
			snprintf(text, sizeof text, "central: %zu row(s) wait for the database %s: "
			    "no answer for %lld s", atomic_load(&c->waiting) + c->unseen, c->conn.where,
			    (long long)(slow / 1000));
	}
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (text[0] != '\0' && c->alert != NULL)
		c->alert(c->alert_ctx, text);
}

/* ---- the sender's steps ---- */

/* Only progress (a count going down while rows drain) is held back to one
 * alert a second; news goes out at once. */
static void
central_post(central *c, const char *text, int64_t now, bool progress)
{
	if (strcmp(text, c->said) == 0) {
		c->pending[0] = '\0';
		return;
	}
	if (progress && now < c->next_alert) {
		snprintf(c->pending, sizeof c->pending, "%s", text);
		return;
	}
	snprintf(c->said, sizeof c->said, "%s", text);
	c->pending[0] = '\0';
	c->next_alert = now + CENTRAL_ALERT_MS;
	if (c->alert != NULL)
		c->alert(c->alert_ctx, text);
}

/* What the operator should know now, said when it changes. Rows that wait
 * a moment on a healthy connection are no news; rows that wait because the
 * database cannot be reached are, and so is the end of that. */
static void
central_say(central *c)
{
	size_t  waiting = atomic_load(&c->waiting);
	int64_t now = unit_mono_ms();
	char    text[640];
	bool    up = central_conn_up(&c->conn), progress = false;

	/* What the bus sink says between two of the sender's looks. */
	pthread_mutex_lock(&c->lock);
	c->link_down = !up;
	snprintf(c->reason, sizeof c->reason, "%s%s", c->refused ? "it refuses them: " : "",
	    c->conn.error);
	pthread_mutex_unlock(&c->lock);
	if (waiting > 0 && !up && c->refused)
		snprintf(text, sizeof text, "central: %zu row(s) wait: the database %s refuses "
		    "them: %s", waiting, c->conn.where, c->conn.error);
	else if (waiting > 0 && !up)
		snprintf(text, sizeof text, "central: %zu row(s) wait for the database %s: %s",
		    waiting, c->conn.where, c->conn.error);
	else if (waiting > 0 && c->trouble) {
		snprintf(text, sizeof text, "central: sending %zu waiting row(s) to %s",
		    waiting, c->conn.where);
		progress = true;
	} else if (!up && c->refused)
		snprintf(text, sizeof text, "central: the database %s refuses: %s "
		    "(no rows waiting)", c->conn.where, c->conn.error);
	else if (!up && c->conn.error[0] != '\0')
		snprintf(text, sizeof text, "central: cannot reach the database %s: %s "
		    "(no rows waiting)", c->conn.where, c->conn.error);
	else if (c->outbox_error[0] != '\0')
		snprintf(text, sizeof text, "central: %s", c->outbox_error);
	else if (c->trouble)
		snprintf(text, sizeof text, "central: every row is in the database %s",
		    c->conn.where);
	else
		return;
	c->trouble = !(up && waiting == 0 && c->outbox_error[0] == '\0');
	central_post(c, text, now, progress);
}

static void
central_failed(central *c, central_rc rc)
{
	int64_t now = unit_mono_ms();

	/* A refusal (permissions, a broken schema) is not cured by the same
	 * connection: it closes, and the next connect tries again. */
	c->refused = rc == CENTRAL_REFUSED;
	if (rc == CENTRAL_REFUSED) {
		char why[sizeof c->conn.error];

		snprintf(why, sizeof why, "%s", c->conn.error);
		central_conn_close(&c->conn);
		snprintf(c->conn.error, sizeof c->conn.error, "%s", why);
	}
	c->next_connect = now + c->backoff;
	c->backoff = c->backoff * 2 > CENTRAL_BACKOFF_MAX ? CENTRAL_BACKOFF_MAX : c->backoff * 2;
	central_slots_mark_all(&c->slots);
}

static central_rc
central_heartbeat(central *c)
{
	c->next_heartbeat = unit_mono_ms() + CENTRAL_HEARTBEAT_MS;
	return central_store_heartbeat(&c->conn, c->station, c->started_at, DFOTA_VERSION,
	    CENTRAL_STMT_MS);
}

static void
central_connect(central *c)
{
	central_rc rc = central_conn_open(&c->conn, c->url, CENTRAL_CONNECT_MS);

	if (rc == CENTRAL_OK)
		rc = central_store_migrate(&c->conn, CENTRAL_STMT_MS);
	if (rc == CENTRAL_OK && !c->forgot_slots) {
		rc = central_store_forget_slots(&c->conn, c->station, CENTRAL_STMT_MS);
		c->forgot_slots = rc == CENTRAL_OK;
	}
	if (rc == CENTRAL_OK)
		rc = central_heartbeat(c);
	if (rc != CENTRAL_OK) {
		central_failed(c, rc);
		return;
	}
	c->backoff = CENTRAL_BACKOFF_MIN;
	c->refused = false;
	central_slots_mark_all(&c->slots);
	c->next_slots = 0;
}

static void
central_scan(central *c)
{
	size_t waiting = 0;

	if (central_outbox_scan(c->ob, &waiting) != 0)
		snprintf(c->outbox_error, sizeof c->outbox_error, "cannot read the reports "
		    "folder: %s", strerror(errno));
	pthread_mutex_lock(&c->lock);
	atomic_store(&c->waiting, waiting);
	c->unseen = 0;
	pthread_mutex_unlock(&c->lock);
	c->next_scan = unit_mono_ms() + CENTRAL_SCAN_MS;
}

static central_rc
central_flush_slots(central *c)
{
	char     **values;
	size_t     n;
	central_rc rc;

	c->next_slots = unit_mono_ms() + CENTRAL_SLOTS_MS;
	if (central_slots_take(&c->slots, c->station, &values, &n) != 0)
		return CENTRAL_OK;  /* out of memory: the slots stay dirty */
	rc = central_store_slots(&c->conn, c->station, values, n, CENTRAL_STMT_MS);
	central_slots_values_free(values, n);
	if (rc != CENTRAL_OK)
		central_slots_mark_all(&c->slots);
	return rc;
}

static bool
central_is_stopping(central *c)
{
	bool s;

	pthread_mutex_lock(&c->lock);
	s = c->stopping;
	pthread_mutex_unlock(&c->lock);
	return s;
}

/* Batches until nothing waits, the connection fails, or (unless final) the
 * station stops. Slots and the heartbeat go in between. */
static central_rc
central_send_rows(central *c, bool final, long *sent, long *inserted)
{
	const central_batch *b;
	central_rc           rc = CENTRAL_OK;
	char                 err[sizeof c->outbox_error];
	bool                 any = false;
	int                  got;

	c->outbox_error[0] = '\0';
	while ((got = central_outbox_next(c->ob, CENTRAL_BATCH_ROWS, &b, err, sizeof err)) != 0) {
		long   in = 0;
		size_t w;

		if (got < 0) {
			snprintf(c->outbox_error, sizeof c->outbox_error, "%s", err);
			continue;   /* that file is skipped until the next scan */
		}
		rc = central_store_units(&c->conn, b->cols, b->ncols, b->values, b->nrows,
		    CENTRAL_STMT_MS, &in);
		if (rc != CENTRAL_OK)
			break;
		w = atomic_load(&c->waiting);
		atomic_store(&c->waiting, w > b->nrows ? w - b->nrows : 0);
		if (sent != NULL)
			*sent += (long)b->nrows;
		if (inserted != NULL)
			*inserted += in;
		central_outbox_commit(c->ob);
		any = true;
		if (!final && central_is_stopping(c))
			break;
		if (!final && central_slots_dirty(&c->slots) && unit_mono_ms() >= c->next_slots &&
		    (rc = central_flush_slots(c)) != CENTRAL_OK)
			break;
		if (!final && unit_mono_ms() >= c->next_heartbeat && (rc = central_heartbeat(c)) != CENTRAL_OK)
			break;
		if (!final)
			central_say(c);
	}
	if (any)
		central_scan(c);
	return rc;
}

static void
central_step(central *c, bool hint)
{
	int64_t    now = unit_mono_ms();
	central_rc rc = CENTRAL_OK;

	if (hint || now >= c->next_scan)
		central_scan(c);
	if (!central_conn_up(&c->conn) && now >= c->next_connect)
		central_connect(c);
	if (central_conn_up(&c->conn))
		rc = central_send_rows(c, false, NULL, NULL);
	if (rc == CENTRAL_OK && central_conn_up(&c->conn) && central_slots_dirty(&c->slots) &&
	    unit_mono_ms() >= c->next_slots)
		rc = central_flush_slots(c);
	if (rc == CENTRAL_OK && central_conn_up(&c->conn) && unit_mono_ms() >= c->next_heartbeat)
		rc = central_heartbeat(c);
	if (rc != CENTRAL_OK)
		central_failed(c, rc);
	central_say(c);
	if (c->pending[0] != '\0' && unit_mono_ms() >= c->next_alert) {
		char text[sizeof c->pending];

		snprintf(text, sizeof text, "%s", c->pending);
		central_post(c, text, unit_mono_ms(), true);
	}
}

/* When the sender must look again, monotonic ms. */
static int64_t
central_due(central *c)
{
	int64_t due = c->next_scan;
	bool    up = central_conn_up(&c->conn);

	if (!up && c->next_connect < due)
		due = c->next_connect;
	if (up && c->next_heartbeat < due)
		due = c->next_heartbeat;
	if (up && central_slots_dirty(&c->slots) && c->next_slots < due)
		due = c->next_slots;
	if (c->pending[0] != '\0' && c->next_alert < due)
		due = c->next_alert;
	return due;
}

/* The last step: what can go in the grace, then offline. */
static void
central_final(central *c)
{
	central_rc rc = CENTRAL_OK;

	central_scan(c);
	if (!central_conn_up(&c->conn))
		central_connect(c);
	if (central_conn_up(&c->conn))
		rc = central_send_rows(c, true, NULL, NULL);
	if (rc == CENTRAL_OK && central_conn_up(&c->conn) && central_slots_dirty(&c->slots))
		rc = central_flush_slots(c);
	if (rc == CENTRAL_OK && central_conn_up(&c->conn))
		central_store_offline(&c->conn, c->station, CENTRAL_STMT_MS);
	central_conn_close(&c->conn);
}

static void *
central_thread(void *arg)
{
	central *c = arg;

	for (;;) {
		bool hint, stop;

		pthread_mutex_lock(&c->lock);
		for (;;) {
			int64_t         due = central_due(c), now = unit_mono_ms();
			struct timespec ts;

			if (c->stopping || c->rows_hint || due <= now)
				break;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += (due - now) / 1000;
			ts.tv_nsec += ((due - now) % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			/* A signal also means "slots changed": due is computed again. */
			pthread_cond_timedwait(&c->cond, &c->lock, &ts);
		}
		stop = c->stopping;
		hint = c->rows_hint;
		c->rows_hint = false;
		pthread_mutex_unlock(&c->lock);
		if (stop)
			break;
		central_step(c, hint);
	}
	central_final(c);
	return NULL;
}

int
central_start(central *c)
{
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = pthread_create(&c->thread, NULL, central_thread, c) == 0 ? 0 : -1;
	c->started = rc == 0;
	pthread_mutex_unlock(&c->lock);
	return rc;
}

void
central_stop(central *c, int grace_ms)
{
	bool started;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	atomic_store(&c->cutoff, unit_mono_ms() + grace_ms);
	c->stopping = true;
	started = c->started;
	c->started = false;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (started)
		pthread_join(c->thread, NULL);
}

void
central_free(central *c)
{
	if (c == NULL)
		return;
	central_stop(c, 0);
	central_conn_close(&c->conn);
	central_outbox_free(c->ob);
	central_slots_free(&c->slots);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c->url);
	free(c->station);
	free(c);
}

/* ---- report push ---- */

int
central_push(const char *url, const char *reports_dir, const char *station, FILE *out,
    FILE *err)
{
	central   *c = central_new(url, reports_dir, station);
	central_rc rc;
	long       sent = 0, inserted = 0;
	size_t     waiting;
	int        status;

	if (c == NULL) {
		fprintf(err, "report push: out of memory\n");
		return 3;
	}
	if (central_outbox_scan(c->ob, &waiting) != 0) {
		fprintf(err, "report push: reports folder %s: %s\n", reports_dir, strerror(errno));
		central_free(c);
		return 3;
	}
	if (waiting == 0) {
		fprintf(out, "report push: nothing waits for %s\n", c->conn.where);
		central_free(c);
		return 0;
	}
	c->forgot_slots = true;     /* the slots are a running station's */
	rc = central_conn_open(&c->conn, url, CENTRAL_CONNECT_MS);
	if (rc == CENTRAL_OK)
		rc = central_store_migrate(&c->conn, CENTRAL_STMT_MS);
	if (rc == CENTRAL_OK)
		rc = central_send_rows(c, true, &sent, &inserted);
	if (c->outbox_error[0] != '\0')
		fprintf(err, "report push: %s\n", c->outbox_error);
	central_outbox_scan(c->ob, &waiting);
	if (rc != CENTRAL_OK) {
		fprintf(err, "report push: %s%s: %s; %zu row(s) wait\n",
		    rc == CENTRAL_REFUSED ? "the database refuses, " : "cannot reach the database ",
		    c->conn.where, c->conn.error, waiting);
		status = 1;
	} else {
		fprintf(out, "report push: %ld row(s) sent to %s (%ld new, %ld already there); "
		    "%zu wait\n", sent, c->conn.where, inserted, sent - inserted, waiting);
		status = waiting == 0 ? 0 : 1;
	}
	central_free(c);
	return status;
}
