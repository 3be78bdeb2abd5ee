/*
 * lineview: `dfota-station line-view`, the whole line on one page, live.
 *
 * An HTTP server (libmicrohttpd, a thread per connection) over the line's
 * central store (PostgreSQL):
 *
 *   /            the page (lineview/page.html, built into the program),
 *                with the line as it is now already in it
 *   /api/line    {"stations":[{"name","online","updated_at","slots":[..]}]}
 *   /api/slot    ?station=S&slot=L: the slot's unit, its rows in the store
 *                and the station's detail file when it is on this machine
 *   /events      Server-Sent Events: "line", "station", "db", "clock"
 *
 * One listener thread (lineview_listen) reads the database for all viewers;
 * the hub (lineview_hub) hands its events to each of them.
 */
#ifndef LINEVIEW_H
#define LINEVIEW_H

#include <stddef.h>
#include <sys/socket.h>

/* A viewer's stream that makes no progress this long is closed. */
#define LV_HTTP_STALL_S 15

typedef struct lineview lineview;

/* Listens on addr (port 0: any free one) and starts reading db_url.
 * NULL with the reason in err. */
lineview *lineview_start(const char *db_url, const struct sockaddr *addr, char *err, size_t len);
/* The port it listens on. */
int       lineview_port(const lineview *lv);
/* Ends every viewer's stream, the listener and the server; frees lv. */
void      lineview_stop(lineview *lv);

/* The page, NUL-terminated (lineview_page.c). */
extern const char lineview_page_html[];

#endif
