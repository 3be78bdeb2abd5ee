/*
 * central: the station's link to the line's audit store (central.url).
 *
 * One sender thread owns the database connection; the rest of the station
 * only ever touches memory: the bus sink (central_on_event) notes slot
 * changes and that a unit ended, and wakes the sender. A unit never waits
 * for the database, whatever the database or the network does.
 *
 * The sender, in a loop: connects when it is not (libpq's asynchronous API,
 * bounded waits, backing off to every 30 s), creates or migrates the schema,
 * says the station is online; sends the rows that wait in the session CSVs
 * (central_outbox.h), oldest first, in batches; sends the slots that
 * changed, at most four times a second; beats the heartbeat every 5 s.
 * When rows wait, or stop waiting, it says so through the alert callback
 * (the grid's alert line, the headless output's "alert" lines), with how
 * many rows and why.
 */
#ifndef CENTRAL_H
#define CENTRAL_H

#include <stddef.h>
#include <stdio.h>

#include "station/bus.h"

typedef struct central central;

/* Alerts come from the sender thread. */
typedef void (*central_alert_fn)(void *ctx, const char *text);

/* reports_dir and station name as the report writer uses them. NULL when
 * out of memory. */
central *central_new(const char *url, const char *reports_dir, const char *station);
void     central_set_alert(central *c, central_alert_fn fn, void *ctx);
/* Starts the sender thread. 0 or -1. */
int      central_start(central *c);
/* A bus sink: put it after the report writer's, so a unit's row is in its
 * CSV when the sender hears that the unit ended. */
void     central_on_event(void *ctx, const bus_event *ev);
/* Rows that wait for the database (as of the sender's last look). */
size_t   central_waiting(central *c);
/* Stops the sender: it first tries, for at most grace_ms, to send what
 * waits and to mark the station offline. Rows it could not send stay in
 * the outbox for the next start or `report push`. */
void     central_stop(central *c, int grace_ms);
#define  CENTRAL_STOP_GRACE_MS 5000
void     central_free(central *c);

/* `report push`: sends every waiting row now, in the calling thread.
 * 0 nothing waits any more, 1 the database cannot be reached or refuses
 * (the reason on err), 3 the reports folder cannot be read. */
int      central_push(const char *url, const char *reports_dir, const char *station,
                      FILE *out, FILE *err);

#endif
