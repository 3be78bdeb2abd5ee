/*
 * lineview_hub: the one place where the line's state meets its viewers.
 *
 * The listener thread (lineview_listen.c) is the only writer: it sets the
 * whole line's JSON, publishes events (one per changed station) and says
 * whether the database answers. Every viewer of /events is a client that
 * reads the same events in order from a ring of the last LV_HUB_RING
 * events; a client that falls further behind than the ring is dropped
 * (a slow viewer costs memory bounded by the ring, never a wait of the
 * writer or of the other viewers). /api/line and the page read the line's
 * JSON from here: twenty browsers cost the database nothing more.
 *
 * Events are SSE text ("event: NAME\ndata: JSON\n\n"); the JSON is one line.
 */
#ifndef LINEVIEW_HUB_H
#define LINEVIEW_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LV_HUB_RING 256
/* A waiting client sends the clock this often (keeps proxies and the
 * idle timeout of the connection from closing a quiet stream). */
#define LV_HUB_PING_S 5

typedef struct lv_hub lv_hub;
typedef struct lv_client lv_client;

lv_hub    *lv_hub_new(void);
/* Wakes every client (they end their streams); call before freeing. */
void       lv_hub_stop(lv_hub *h);
void       lv_hub_free(lv_hub *h);

/* Writer side (the listener thread). line_json: the whole line, as
 * /api/line returns it; event_json, when not NULL, is published as event
 * `name` in the same step (a client never sees one without the other). */
void       lv_hub_set_line(lv_hub *h, const char *line_json, const char *name,
                           const char *event_json);
/* The database answers (ok) or not (error: why, for people). Publishes a
 * "db" event when this changes. */
void       lv_hub_set_db(lv_hub *h, bool ok, const char *error);

/* Reader side. A copy of the line's JSON (free it), or NULL when the
 * database has not been read yet or does not answer now; then *why gets a
 * copy of the reason (free it) when why is not NULL. */
char      *lv_hub_line(lv_hub *h, char **why);

/* A viewer: starts with the whole line and the database's state, then
 * every event from now on. */
lv_client *lv_client_new(lv_hub *h, const char *peer);
/* Up to max bytes of the stream into buf; blocks until there is something
 * (at least a clock ping every LV_HUB_PING_S). Returns the count, 0 at the
 * end (hub stopped), -1 when the client fell behind and is dropped. */
long       lv_client_read(lv_client *c, char *buf, size_t max);
void       lv_client_free(lv_client *c);

#endif
