/*
 * lineview_hub: the line's JSON, the database's state and a ring of events
 * under one mutex; viewers wait on one condition variable.
 *
 * Sequence numbers count published events from 0; event n lives in
 * ring[n % LV_HUB_RING] until event n + LV_HUB_RING replaces it. A client
 * remembers the number of the next event it wants; when that one is gone
 * from the ring the client is too slow and is dropped. A client copies the
 * event it is sending (its own buffer), so the writer never waits for a
 * viewer's socket, and the mutex is held only to copy.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lineview/lineview_hub.h"
#include "text/text.h"

struct lv_hub {
	pthread_mutex_t lock;
	pthread_cond_t  changed;
	bool            stopping;
	char           *line;         /* whole line JSON, NULL until read  */
	bool            db_ok;
	char           *db_error;     /* why not, when !db_ok               */
	char           *db_event;     /* "event: db ..." of the state now   */
	char           *ring[LV_HUB_RING];
	uint64_t        next;         /* sequence number of the next event */
};

struct lv_client {
	lv_hub   *hub;
	uint64_t  want;               /* next event's sequence number      */
	char     *cur;                /* text being sent, owned            */
	size_t    len, off;
	char      peer[64];
};

static char *
lv_strdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* "event: name\ndata: json\n\n" (malloc'ed; NULL on no memory). */
static char *
lv_event_text(const char *name, const char *json)
{
	char  *t = NULL;
	size_t n = 0;
	FILE  *f = open_memstream(&t, &n);

	if (f == NULL)
		return NULL;
	fprintf(f, "event: %s\ndata: %s\n\n", name, json);
	if (fclose(f) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

static char *
lv_db_event(bool ok, const char *error)
{
	char  *json = NULL, *ev;
	size_t n = 0;
	FILE  *f = open_memstream(&json, &n);

	if (f == NULL)
		return NULL;
	fprintf(f, "{\"ok\":%s,\"error\":", ok ? "true" : "false");
	text_json_string(f, ok ? NULL : error);
	fputc('}', f);
	if (fclose(f) != 0) {
		free(json);
		return NULL;
	}
	ev = lv_event_text("db", json);
	free(json);
	return ev;
}

static long long
lv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The clock event: the page ages what it shows (elapsed, last seen) by
 * this server's clock, not by the wall screen's. */
static char *
lv_clock_event(void)
{
	char json[64];

	snprintf(json, sizeof json, "{\"now\":%lld}", lv_now_ms());
	return lv_event_text("clock", json);
}

lv_hub *
lv_hub_new(void)
{
	lv_hub *h = calloc(1, sizeof *h);

	if (h == NULL)
		return NULL;
	pthread_condattr_t ca;

	pthread_mutex_init(&h->lock, NULL);
	/* Readers wait against the monotonic clock (lv_client_read). */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->changed, &ca);
	pthread_condattr_destroy(&ca);
	h->db_error = strdup("not connected yet");
	h->db_event = lv_db_event(false, h->db_error);
	return h;
}

void
lv_hub_stop(lv_hub *h)
{
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
}

void
lv_hub_free(lv_hub *h)
{
	if (h == NULL)
		return;
	for (int i = 0; i < LV_HUB_RING; i++)
		free(h->ring[i]);
	free(h->line);
	free(h->db_error);
	free(h->db_event);
	pthread_cond_destroy(&h->changed);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* Under the lock: takes ownership of text. */
static void
lv_hub_publish_locked(lv_hub *h, char *text)
{
	if (text == NULL)
		return;
	free(h->ring[h->next % LV_HUB_RING]);
	h->ring[h->next % LV_HUB_RING] = text;
	h->next++;
	pthread_cond_broadcast(&h->changed);
}

void
lv_hub_set_line(lv_hub *h, const char *line_json, const char *name, const char *event_json)
{
	char *line = lv_strdup(line_json);
	char *ev = event_json != NULL ? lv_event_text(name, event_json) : NULL;

	pthread_mutex_lock(&h->lock);
	if (line != NULL) {          /* out of memory: the old line stays */
		free(h->line);
		h->line = line;
	}
	lv_hub_publish_locked(h, ev);
	pthread_mutex_unlock(&h->lock);
}

void
lv_hub_set_db(lv_hub *h, bool ok, const char *error)
{
	pthread_mutex_lock(&h->lock);
	if (ok != h->db_ok || (!ok && (h->db_error == NULL || strcmp(h->db_error, error) != 0))) {
		char *ev = lv_db_event(ok, error);

		h->db_ok = ok;
		free(h->db_error);
		h->db_error = ok ? NULL : lv_strdup(error);
		if (ev != NULL) {
			free(h->db_event);
			h->db_event = strdup(ev);
		}
		lv_hub_publish_locked(h, ev);
	}
	pthread_mutex_unlock(&h->lock);
}

char *
lv_hub_line(lv_hub *h, char **why)
{
	char *line = NULL;

	pthread_mutex_lock(&h->lock);
	if (h->db_ok && h->line != NULL)
		line = strdup(h->line);
	else if (why != NULL)
		*why = strdup(h->db_error != NULL ? h->db_error : "the line has not been read yet");
	pthread_mutex_unlock(&h->lock);
	return line;
}

lv_client *
lv_client_new(lv_hub *h, const char *peer)
{
	lv_client *c = calloc(1, sizeof *c);
	char      *t = NULL, *clock = lv_clock_event();
	size_t     n = 0;
	FILE      *f;

	if (c == NULL || clock == NULL || (f = open_memstream(&t, &n)) == NULL) {
		free(c);
		free(clock);
		return NULL;
	}
	c->hub = h;
	snprintf(c->peer, sizeof c->peer, "%s", peer != NULL ? peer : "?");
	/* The browser reconnects 2 s after losing the stream. */
	fputs("retry: 2000\n\n", f);
	fputs(clock, f);
	free(clock);
	pthread_mutex_lock(&h->lock);
	if (h->line != NULL)
		fprintf(f, "event: line\ndata: %s\n\n", h->line);
	if (h->db_event != NULL)
		fputs(h->db_event, f);
	c->want = h->next;
	pthread_mutex_unlock(&h->lock);
	if (fclose(f) != 0) {
		free(t);
		t = NULL;
		n = 0;
	}
	c->cur = t;
	c->len = n;
	return c;
}

long
lv_client_read(lv_client *c, char *buf, size_t max)
{
	lv_hub *h = c->hub;
	size_t  n;

	if (c->cur == NULL || c->off == c->len) {
		struct timespec until;
		char           *next = NULL;
		bool            slow = false, stop = false;

		free(c->cur);
		c->cur = NULL;
		c->len = c->off = 0;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += LV_HUB_PING_S;
		pthread_mutex_lock(&h->lock);
		for (;;) {
			if (h->stopping) {
				stop = true;
				break;
			}
			if (c->want + LV_HUB_RING < h->next) {
				slow = true;
				break;
			}
			if (c->want < h->next) {
				next = lv_strdup(h->ring[c->want % LV_HUB_RING]);
				c->want++;
				break;
			}
			if (pthread_cond_timedwait(&h->changed, &h->lock, &until) == ETIMEDOUT)
				break;
		}
		pthread_mutex_unlock(&h->lock);
		if (stop)
			return 0;
		if (slow) {
			fprintf(stderr, "line-view: viewer %s dropped: more than %d events behind\n",
			    c->peer, LV_HUB_RING);
			return -1;
		}
		c->cur = next != NULL ? next : lv_clock_event();
		if (c->cur == NULL)
			return -1;
		c->len = strlen(c->cur);
	}
	n = c->len - c->off;
	if (n > max)
		n = max;
	memcpy(buf, c->cur + c->off, n);
	c->off += n;
	return (long)n;
}

void
lv_client_free(lv_client *c)
{
	if (c == NULL)
		return;
	free(c->cur);
	free(c);
}
