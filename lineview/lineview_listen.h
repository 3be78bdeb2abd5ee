/*
 * lineview_listen: the one database listener of a line-view, however many
 * viewers it has.
 *
 * One thread owns one connection: LISTEN dfota_slots, and on every
 * notification (its payload is a station's name) it re-reads that station
 * and publishes it to the hub; every LV_LISTEN_REFRESH_S it re-reads the
 * whole line (stations going offline send no notification). When the
 * database goes away it says so through the hub and reconnects every
 * second until it answers. lv_listen_stop() wakes it through a pipe and
 * joins it: the one way this thread stops.
 */
#ifndef LINEVIEW_LISTEN_H
#define LINEVIEW_LISTEN_H

#include <stddef.h>

#include "lineview/lineview_hub.h"

#define LV_LISTEN_CHANNEL   "dfota_slots"
#define LV_LISTEN_REFRESH_S 5

typedef struct lv_listen lv_listen;

/* Starts the thread (it connects on its own). NULL with the reason. */
lv_listen *lv_listen_start(const char *url, lv_hub *hub, char *err, size_t len);
void       lv_listen_stop(lv_listen *l);

#endif
