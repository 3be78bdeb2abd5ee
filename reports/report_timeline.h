/*
 * report_timeline: the per-unit timelines of the report writer
 * (units/<imei or slot>-<UTC timestamp>.csv), one per slot at a time.
 * Used by report.c only, from the bus dispatcher thread.
 */
#ifndef REPORT_TIMELINE_H
#define REPORT_TIMELINE_H

#include <stddef.h>

#include "station/bus.h"

/* Rows held per slot before its unit is identified; beyond this the
 * oldest are dropped and counted in a note row. */
#define REPORT_HOLD_MAX 4096

typedef struct report_timelines report_timelines;

/* dir: the reports folder (timelines go to dir/units). NULL on no memory. */
report_timelines *report_timelines_new(const char *dir);
/* Records ev in its slot's timeline (station-wide events are ignored). On
 * BUS_UNIT_END the timeline is fsync'ed and closed and its path, relative
 * to the reports folder, is copied to detail ("" when it could not be
 * written); detail is left alone for other events. */
void              report_timelines_event(report_timelines *t,
                                         const bus_event *ev,
                                         char *detail, size_t len);
/* Closes (fsync) every open timeline and frees everything. */
void              report_timelines_free(report_timelines *t);

#endif
