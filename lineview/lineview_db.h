/*
 * lineview_db: what line-view reads from the central store, as JSON.
 *
 * Tables (created by the stations, issue 15's schema): dfota_stations (one
 * row per station: last_seen, online), dfota_slots (one row per station
 * and slot, kept current, NOTIFY dfota_slots with the station's name) and
 * dfota_units (one row per finished unit attempt, the report's columns).
 * Every function here runs on a connection its caller owns and blocks for
 * the query; times come back as ISO 8601 UTC ("2026-12-02T19:03:01.123Z").
 */
#ifndef LINEVIEW_DB_H
#define LINEVIEW_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

/* The shift whose counts and yield a station panel shows: the last this
 * many hours; units per hour count the last hour. */
#define LV_SHIFT_HOURS 8
/* A station is online when it says so and has been seen this recently
 * (stations beat every 5 s; one that died without a word stays "online"
 * in its row). */
#define LV_ONLINE_S 30

/* Connects to url (a libpq URI or key=value string) without blocking
 * past stop_fd becoming readable (-1: no stop) or timeout_s. NULL with the
 * reason in err. */
PGconn *lv_db_connect(const char *url, int stop_fd, int timeout_s, char *err, size_t len);

/* Names of every station (dfota_stations and dfota_slots), sorted; *names
 * is one malloc'ed array of n strings (free each and the array). 0, or -1
 * with the reason in err. */
int     lv_db_stations(PGconn *c, char ***names, size_t *n, char *err, size_t len);

/* One station's panel: {"name":..,"online":..,"updated_at":..,"slots":[..],
 * ...}. 0 with *json (malloc'ed), 1 when no such station is in the store
 * any more (*json NULL), -1 with the reason in err. */
int     lv_db_station_json(PGconn *c, const char *station, char **json, char *err, size_t len);

/* What clicking a slot shows: the unit's rows in dfota_units (its history
 * on every station) and the station's detail file when it is on this
 * machine. 0 with *json, -1 with the reason in err. */
int     lv_db_slot_json(PGconn *c, const char *station, const char *slot, char **json,
                        char *err, size_t len);

/* The meaning of a module's error code for a slot, from the station's own
 * tables (dialects/errors), given the model and the phase it failed in. */
const char *lv_error_meaning(const char *model, const char *phase, int code, char *buf,
                             size_t len);

#endif
