/*
 * lineview_listen: connect, LISTEN, read the line, then wait on the
 * connection's socket and the stop pipe.
 *
 * The thread keeps every station's last JSON (sorted by name) and the
 * line's JSON made of them; a station is published only when its JSON
 * changed, so the periodic refresh is silent on a quiet line. Notifications
 * that arrive while a station is being read are taken together on the next
 * turn: a burst of slot updates costs one read per station, not one per
 * update.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lineview/lineview_db.h"
#include "lineview/lineview_listen.h"

typedef struct lv_station {
	char *name;
	char *json;
} lv_station;

struct lv_listen {
	char       *url;
	lv_hub     *hub;
	int         stop[2];         /* pipe: a byte in [1] stops the thread */
	pthread_t   thread;
	lv_station *st;
	size_t      nst;
	char        last_error[512]; /* the last one logged                 */
};

static void
lv_listen_log(lv_listen *l, bool ok, const char *msg)
{
	if (ok) {
		if (l->last_error[0] != '\0')
			fprintf(stderr, "line-view: database answers again\n");
		l->last_error[0] = '\0';
	} else if (strcmp(l->last_error, msg) != 0) {
		fprintf(stderr, "line-view: %s (retrying every second)\n", msg);
		snprintf(l->last_error, sizeof l->last_error, "%s", msg);
	}
	lv_hub_set_db(l->hub, ok, msg);
}

/* The line's JSON from the cache; NULL on no memory. */
static char *
lv_listen_line(const lv_listen *l)
{
	char  *t = NULL;
	size_t n = 0;
	FILE  *f = open_memstream(&t, &n);

	if (f == NULL)
		return NULL;
	fputs("{\"stations\":[", f);
	for (size_t i = 0; i < l->nst; i++)
		fprintf(f, "%s%s", i ? "," : "", l->st[i].json);
	fputs("]}", f);
	if (fclose(f) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

static void
lv_listen_clear(lv_listen *l)
{
	for (size_t i = 0; i < l->nst; i++) {
		free(l->st[i].name);
		free(l->st[i].json);
	}
	free(l->st);
	l->st = NULL;
	l->nst = 0;
}

/* Publishes the line with event `name` carrying ev (NULL: the line). */
static void
lv_listen_publish(lv_listen *l, const char *name, const char *ev)
{
	char *line = lv_listen_line(l);

	if (line != NULL)
		lv_hub_set_line(l->hub, line, name, ev != NULL ? ev : line);
	free(line);
}

/* Re-reads every station; publishes what changed. -1 on a database error
 * (err says why). */
static int
lv_listen_read_all(lv_listen *l, PGconn *c, bool force, char *err, size_t len)
{
	char      **names;
	size_t      n;
	lv_station *st;
	bool        set_changed = force;

	if (lv_db_stations(c, &names, &n, err, len) != 0)
		return -1;
	if ((st = calloc(n + 1, sizeof *st)) == NULL) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		snprintf(err, len, "out of memory");
		return -1;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char *json;
		int   rc = lv_db_station_json(c, names[i], &json, err, len);

		if (rc < 0) {
			for (size_t j = i; j < n; j++)
				free(names[j]);
			free(names);
			for (size_t j = 0; j < k; j++) {
				free(st[j].name);
				free(st[j].json);
			}
			free(st);
			return -1;
		}
		if (rc == 1) {
			free(names[i]);
			continue;
		}
		st[k].name = names[i];
		st[k].json = json;
		k++;
	}
	free(names);
	if (k != l->nst)
		set_changed = true;
	for (size_t i = 0; !set_changed && i < k; i++)
		if (strcmp(st[i].name, l->st[i].name) != 0)
			set_changed = true;
	if (set_changed) {
		lv_listen_clear(l);
		l->st = st;
		l->nst = k;
		lv_listen_publish(l, "line", NULL);
		return 0;
	}
	/* Same stations: one event per station whose panel changed. */
	for (size_t i = 0; i < k; i++) {
		if (strcmp(st[i].json, l->st[i].json) != 0) {
			free(l->st[i].json);
			l->st[i].json = st[i].json;
			st[i].json = NULL;
			lv_listen_publish(l, "station", l->st[i].json);
		}
		free(st[i].name);
		free(st[i].json);
	}
	free(st);
	return 0;
}

/* Re-reads one station after its notification. */
static int
lv_listen_read_one(lv_listen *l, PGconn *c, const char *name, char *err, size_t len)
{
	char *json;
	int   rc = lv_db_station_json(c, name, &json, err, len);
	size_t i;

	if (rc < 0)
		return -1;
	for (i = 0; i < l->nst && strcmp(l->st[i].name, name) != 0; i++)
		;
	if (rc == 1 || i == l->nst) {
		free(json);
		/* A station came or went: the whole line, in order. */
		return lv_listen_read_all(l, c, rc == 1 && i < l->nst, err, len);
	}
	if (strcmp(json, l->st[i].json) == 0) {
		free(json);
		return 0;
	}
	free(l->st[i].json);
	l->st[i].json = json;
	lv_listen_publish(l, "station", json);
	return 0;
}

/* The notifications waiting on c, each station once. */
static int
lv_listen_notified(lv_listen *l, PGconn *c, char *err, size_t len)
{
	char    *names[64];
	size_t   n = 0;
	bool     overflow = false;
	PGnotify *nt;
	int      rc = 0;

	while ((nt = PQnotifies(c)) != NULL) {
		bool seen = false;

		for (size_t i = 0; i < n && !seen; i++)
			seen = strcmp(names[i], nt->extra) == 0;
		if (!seen) {
			if (n < sizeof names / sizeof names[0] && (names[n] = strdup(nt->extra)) != NULL)
				n++;
			else
				overflow = true;
		}
		PQfreemem(nt);
	}
	if (overflow)
		rc = lv_listen_read_all(l, c, false, err, len);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && !overflow)
			rc = lv_listen_read_one(l, c, names[i], err, len);
		free(names[i]);
	}
	return rc;
}

static long
lv_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Waits up to ms for the stop pipe; true when it says stop. */
static bool
lv_listen_nap(lv_listen *l, int ms)
{
	struct pollfd p = { .fd = l->stop[0], .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

/* One connection's life: true when the thread is to stop. */
static bool
lv_listen_session(lv_listen *l)
{
	char            err[1024];
	PGconn         *c = lv_db_connect(l->url, l->stop[0], 10, err, sizeof err);
	PGresult       *r;
	struct timespec last;

	if (c == NULL) {
		if (lv_listen_nap(l, 0))
			return true;
		lv_listen_log(l, false, err);
		return lv_listen_nap(l, 1000);
	}
	r = PQexec(c, "LISTEN " LV_LISTEN_CHANNEL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(err, sizeof err, "LISTEN %s: %s", LV_LISTEN_CHANNEL, PQerrorMessage(c));
		goto lost;
	}
	PQclear(r);
	r = NULL;
	if (lv_listen_read_all(l, c, true, err, sizeof err) != 0)
		goto lost;
	lv_listen_log(l, true, NULL);
	clock_gettime(CLOCK_MONOTONIC, &last);
	for (;;) {
		struct pollfd p[2] = { { .fd = PQsocket(c), .events = POLLIN },
		                       { .fd = l->stop[0], .events = POLLIN } };
		long          left = LV_LISTEN_REFRESH_S * 1000L - lv_ms_since(&last);

		if (poll(p, 2, left > 0 ? (int)left : 0) < 0 && errno != EINTR) {
			snprintf(err, sizeof err, "poll: %s", strerror(errno));
			goto lost;
		}
		if (p[1].revents & POLLIN) {
			PQfinish(c);
			return true;
		}
		if (p[0].revents != 0) {
			if (!PQconsumeInput(c)) {
				snprintf(err, sizeof err, "database connection lost: %s", PQerrorMessage(c));
				goto lost;
			}
			if (lv_listen_notified(l, c, err, sizeof err) != 0)
				goto lost;
		}
		if (lv_ms_since(&last) >= LV_LISTEN_REFRESH_S * 1000L) {
			if (lv_listen_read_all(l, c, false, err, sizeof err) != 0)
				goto lost;
			clock_gettime(CLOCK_MONOTONIC, &last);
		}
	}
lost:
	PQclear(r);
	PQfinish(c);
	for (char *p = err; *p != '\0'; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	for (size_t n = strlen(err); n > 0 && err[n - 1] == ' '; n--)
		err[n - 1] = '\0';
	lv_listen_log(l, false, err);
	return lv_listen_nap(l, 1000);
}

static void *
lv_listen_main(void *arg)
{
	lv_listen *l = arg;

	while (!lv_listen_session(l))
		;
	return NULL;
}

lv_listen *
lv_listen_start(const char *url, lv_hub *hub, char *err, size_t len)
{
	lv_listen *l = calloc(1, sizeof *l);
	int        e;

	if (l == NULL || (l->url = strdup(url)) == NULL) {
		free(l);
		snprintf(err, len, "out of memory");
		return NULL;
	}
	l->hub = hub;
	if (pipe2(l->stop, O_CLOEXEC) != 0) {
		snprintf(err, len, "pipe: %s", strerror(errno));
		free(l->url);
		free(l);
		return NULL;
	}
	if ((e = pthread_create(&l->thread, NULL, lv_listen_main, l)) != 0) {
		snprintf(err, len, "cannot start the listener: %s", strerror(e));
		close(l->stop[0]);
		close(l->stop[1]);
		free(l->url);
		free(l);
		return NULL;
	}
	return l;
}

void
lv_listen_stop(lv_listen *l)
{
	if (l == NULL)
		return;
	while (write(l->stop[1], "x", 1) < 0 && errno == EINTR)
		;
	pthread_join(l->thread, NULL);
	close(l->stop[0]);
	close(l->stop[1]);
	lv_listen_clear(l);
	free(l->url);
	free(l);
}
