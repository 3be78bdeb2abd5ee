/*
 * central_store: what the line's audit store (PostgreSQL) holds, and the
 * statements that put it there. The schema is versioned (dfota_schema) and
 * created or migrated when a station or a command connects:
 *
 *   dfota_units     one row per report row: the session CSV's columns with
 *                   the same names (timestamps timestamptz, durations
 *                   numeric, error_code and attempts integer), row_sha256
 *                   unique, received_at when it arrived
 *   dfota_slots     one row per (station, slot): the slot's live state,
 *                   NOTIFY dfota_slots with the station's name as payload
 *   dfota_stations  one row per station: last_seen (a heartbeat), online
 *
 * Every statement is idempotent (ON CONFLICT), so one that may or may not
 * have reached the server before a connection broke is simply sent again.
 */
#ifndef CENTRAL_STORE_H
#define CENTRAL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "central/central_conn.h"

#define CENTRAL_SCHEMA_VERSION 1
#define CENTRAL_CHANNEL        "dfota_slots"

typedef enum central_type {
	CENTRAL_TEXT,
	CENTRAL_INT,        /* integer: a whole number, else NULL          */
	CENTRAL_NUMERIC,    /* numeric: a decimal number, else NULL        */
	CENTRAL_TIME,       /* timestamptz: ISO 8601 UTC, else NULL        */
} central_type;

typedef struct central_column {
	const char  *name;
	central_type type;
} central_column;

/* dfota_units' columns that come from a report row, in table order (id and
 * received_at are the database's own). A CSV column of the same name fills
 * one; a column the CSV lacks stays NULL. */
extern const central_column central_unit_columns[];
extern const int central_nunit_columns;
/* Index in central_unit_columns, -1 when the table has no such column. */
int  central_unit_column(const char *name);

/* A CSV field as the database takes it: NULL for an empty or malformed
 * number or time, the spreadsheet formula guard (a leading ' before
 * = + - @ TAB CR) taken off, bytes that are not UTF-8 as '?'. Returns a
 * malloc'ed string, or NULL (SQL NULL, or out of memory: *oom set). */
char *central_value(central_type t, const char *field, int *oom);

/* Creates or migrates the schema; CENTRAL_REFUSED when the role may not
 * (a read-only role on a database whose schema is current is fine). */
central_rc central_store_migrate(central_conn *c, int64_t timeout_ms);

/* INSERT ... ON CONFLICT (row_sha256) DO NOTHING of nrows rows of ncols
 * columns (indexes in central_unit_columns), values row-major. *inserted
 * gets the rows that were new. */
central_rc central_store_units(central_conn *c, const int *cols, int ncols,
                               char *const *values, size_t nrows,
                               int64_t timeout_ms, long *inserted);

/* One slot's live state, as text parameters (NULL = SQL NULL). */
#define CENTRAL_SLOT_NPARAMS 14
central_rc central_store_slots(central_conn *c, const char *station,
                               char *const *values, size_t nslots,
                               int64_t timeout_ms);
/* Forgets the slots of a station (a new run starts from its own). */
central_rc central_store_forget_slots(central_conn *c, const char *station,
                                      int64_t timeout_ms);
/* The station is there: last_seen now, online; NOTIFY when it was not. */
central_rc central_store_heartbeat(central_conn *c, const char *station,
                                   const char *started_at, const char *version,
                                   int64_t timeout_ms);
/* The station stops cleanly: online false, NOTIFY. */
central_rc central_store_offline(central_conn *c, const char *station,
                                 int64_t timeout_ms);

#endif
