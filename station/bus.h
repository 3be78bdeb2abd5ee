/*
 * bus: the one event stream from the workers to everything that watches
 * them (grid, headless output, reports, journal).
 *
 * Many producers (one per slot worker) post; one dispatcher thread takes the
 * events in order and hands each to every sink. Posting never blocks on a
 * sink: a slow terminal or disk never slows an update. An event owns its
 * text and its unit record; the bus frees them after the sinks have run.
 */
#ifndef BUS_H
#define BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "station/unit.h"

typedef enum bus_kind {
	BUS_STATE,       /* phase / percent / error changed             */
	BUS_UNIT_START,  /* a unit is identified: unit has its identity */
	BUS_UNIT_END,    /* a unit finished: unit is the complete row    */
	BUS_TX,          /* bytes sent to the module (text)             */
	BUS_RX,          /* a line received from the module (text)      */
	BUS_PORT,        /* port up / port lost (text says which)       */
	BUS_NOTE,        /* the station's own remark for the timeline   */
	BUS_ALERT,       /* station-wide trouble (disk full, ...)        */
	BUS_KIND_COUNT
} bus_kind;

typedef struct bus_event {
	bus_kind     kind;
	int64_t      ts_ms;       /* wall clock, UTC ms                    */
	int          slot;        /* slot index, -1 for station-wide       */
	char         slot_label[32];
	unit_phase   phase;
	int          percent;     /* -1: none                              */
	int          error_code;  /* -1: none                              */
	char        *text;        /* owned; may be NULL                    */
	unit_record *unit;        /* owned; UNIT_START (identity), UNIT_END
	                             (the row), and a STATE event that
	                             carries the plan (fw_target, package) */
} bus_event;

typedef struct bus_sink {
	void (*on_event)(void *ctx, const bus_event *ev);
	void  *ctx;
} bus_sink;

typedef struct bus bus;

bus        *bus_new(void);
/* Takes ownership of ev->text and ev->unit (the struct itself is copied). */
void        bus_post(bus *b, const bus_event *ev);
/* Starts the dispatcher thread; sinks are called in the order given. */
int         bus_start(bus *b, const bus_sink *sinks, int nsinks);
/* No more posts; the dispatcher drains what is queued, then stops. */
void        bus_stop(bus *b);
void        bus_free(bus *b);
void        bus_event_clear(bus_event *ev);
const char *bus_kind_name(bus_kind k);

#endif
