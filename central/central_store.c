/*
 * central_store: the schema of the audit store and the statements that
 * fill it.
 *
 * Migrations are a table of steps, step N taking the schema from version
 * N-1 to N. At connect, `SELECT version FROM dfota_schema` says where the
 * database stands (a missing table is version 0); when it is behind, every
 * missing step runs in one transaction under an advisory lock, so stations
 * that start together migrate once, one after the other, and a failure
 * leaves the old version whole. A database newer than this station is used
 * as it is: rows go in by column name, so added columns cost nothing.
 *
 * dfota_units is filled by column name from the CSV's header, never by
 * position: a column added to the CSV that the table already has (checks)
 * is filled without a change here; one the table lacks is left out.
 *
 * The live tables use one statement each, a data-modifying WITH followed by
 * pg_notify, so the change and its NOTIFY commit together in one round trip.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "central/central_store.h"
#include "text/text.h"

const central_column central_unit_columns[] = {
	{ "run_id", CENTRAL_TEXT },       { "station", CENTRAL_TEXT },
	{ "operator", CENTRAL_TEXT },     { "slot", CENTRAL_TEXT },
	{ "usb_path", CENTRAL_TEXT },     { "port", CENTRAL_TEXT },
	{ "model", CENTRAL_TEXT },        { "imei", CENTRAL_TEXT },
	{ "iccid", CENTRAL_TEXT },        { "fw_before", CENTRAL_TEXT },
	{ "fw_target", CENTRAL_TEXT },    { "fw_after", CENTRAL_TEXT },
	{ "package", CENTRAL_TEXT },      { "package_sha256", CENTRAL_TEXT },
	{ "delivery", CENTRAL_TEXT },     { "result", CENTRAL_TEXT },
	{ "error_phase", CENTRAL_TEXT },  { "error_code", CENTRAL_INT },
	{ "error_text", CENTRAL_TEXT },   { "attempts", CENTRAL_INT },
	{ "started_at", CENTRAL_TIME },   { "finished_at", CENTRAL_TIME },
	{ "duration_s", CENTRAL_NUMERIC },{ "transfer_s", CENTRAL_NUMERIC },
	{ "update_s", CENTRAL_NUMERIC },  { "detail_file", CENTRAL_TEXT },
	{ "checks", CENTRAL_TEXT },       { "row_sha256", CENTRAL_TEXT },
};
const int central_nunit_columns =
    (int)(sizeof central_unit_columns / sizeof central_unit_columns[0]);

/* Step N: from version N-1 to N. Each is idempotent by itself too. */
static const char *const central_migrations[CENTRAL_SCHEMA_VERSION] = {
	/* 1: the three tables. */
	"CREATE TABLE IF NOT EXISTS dfota_units ("
	" id bigserial PRIMARY KEY,"
	" run_id text, station text, operator text, slot text, usb_path text,"
	" port text, model text, imei text, iccid text, fw_before text,"
	" fw_target text, fw_after text, package text, package_sha256 text,"
	" delivery text, result text, error_phase text, error_code integer,"
	" error_text text, attempts integer, started_at timestamptz,"
	" finished_at timestamptz, duration_s numeric, transfer_s numeric,"
	" update_s numeric, detail_file text, checks text,"
	" row_sha256 text NOT NULL UNIQUE,"
	" received_at timestamptz NOT NULL DEFAULT now());"
	"CREATE INDEX IF NOT EXISTS dfota_units_imei ON dfota_units (imei);"
	"CREATE INDEX IF NOT EXISTS dfota_units_finished_at ON dfota_units (finished_at);"
	"CREATE TABLE IF NOT EXISTS dfota_slots ("
	" station text, slot text, unit text, model text, phase text,"
	" percent integer, result text, error_code integer, error_text text,"
	" fw_before text, fw_target text, fw_after text, started_at timestamptz,"
	" updated_at timestamptz NOT NULL, PRIMARY KEY (station, slot));"
	"CREATE TABLE IF NOT EXISTS dfota_stations ("
	" station text PRIMARY KEY, last_seen timestamptz NOT NULL,"
	" started_at timestamptz, version text, online boolean);",
};

/* pg_advisory_xact_lock key: "dfota" in ASCII. */
#define CENTRAL_LOCK_KEY "435459813473"

int
central_unit_column(const char *name)
{
	for (int i = 0; i < central_nunit_columns; i++)
		if (strcmp(central_unit_columns[i].name, name) == 0)
			return i;
	return -1;
}

static bool
central_digits(const char **p, int min, int max)
{
	int n = 0;

	while (isdigit((unsigned char)**p) && n < max) {
		(*p)++;
		n++;
	}
	return n >= min && !isdigit((unsigned char)**p);
}

static bool
central_is_int(const char *s)
{
	if (*s == '-')
		s++;
	return central_digits(&s, 1, 9) && *s == '\0';
}

static bool
central_is_numeric(const char *s)
{
	if (*s == '-')
		s++;
	if (!central_digits(&s, 1, 15))
		return false;
	if (*s == '.') {
		s++;
		if (!central_digits(&s, 1, 9))
			return false;
	}
	return *s == '\0';
}

/* YYYY-MM-DDTHH:MM:SS[.fff]Z, and a real date (timegm round trip). */
static bool
central_is_time(const char *s)
{
	struct tm tm = { 0 }, back;
	time_t    t;
	int       n = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19)
		return false;
	s += n;
	if (*s == '.') {
		s++;
		if (!central_digits(&s, 1, 6))
			return false;
	}
	if (strcmp(s, "Z") != 0)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	back = tm;
	t = timegm(&back);
	if (t == (time_t)-1 || gmtime_r(&t, &back) == NULL)
		return false;
	return back.tm_year == tm.tm_year && back.tm_mon == tm.tm_mon &&
	    back.tm_mday == tm.tm_mday && back.tm_hour == tm.tm_hour &&
	    back.tm_min == tm.tm_min && back.tm_sec == tm.tm_sec;
}

char *
central_value(central_type t, const char *field, int *oom)
{
	char  *out;
	size_t n = 0;

	*oom = 0;
	if (field[0] == '\'' && field[1] != '\0' && strchr("=+-@\t\r", field[1]) != NULL)
		field++;
	switch (t) {
	case CENTRAL_INT:
		if (!central_is_int(field))
			return NULL;
		break;
	case CENTRAL_NUMERIC:
		if (!central_is_numeric(field))
			return NULL;
		break;
	case CENTRAL_TIME:
		if (!central_is_time(field))
			return NULL;
		break;
	case CENTRAL_TEXT:
		break;
	}
	out = malloc(strlen(field) + 1);
	if (out == NULL) {
		*oom = 1;
		return NULL;
	}
	for (const unsigned char *p = (const unsigned char *)field; *p != '\0';) {
		int k = text_utf8_seq(p);

		if (k <= 0) {
			out[n++] = '?';
			p++;
			continue;
		}
		while (k-- > 0)
			out[n++] = (char)*p++;
	}
	out[n] = '\0';
	return out;
}

central_rc
central_store_migrate(central_conn *c, int64_t timeout_ms)
{
	PGresult  *res;
	central_rc rc;
	int        version = 0;
	char      *sql;
	size_t     len;
	FILE      *mem;

	rc = central_conn_exec(c, "SELECT max(version) FROM dfota_schema", 0,
	    (const char *const[]){ NULL }, timeout_ms, &res);
	if (rc == CENTRAL_DOWN)
		return rc;
	if (rc == CENTRAL_OK) {
		if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
			version = atoi(PQgetvalue(res, 0, 0));
		PQclear(res);
	} else if (strcmp(c->sqlstate, "42P01") != 0) {
		return rc;      /* anything but "no such table" */
	}
	if (version >= CENTRAL_SCHEMA_VERSION)
		return CENTRAL_OK;

	/* Every missing step, then the new version, in one transaction. */
	mem = open_memstream(&sql, &len);
	if (mem == NULL)
		return CENTRAL_REFUSED;
	fputs("BEGIN;SELECT pg_advisory_xact_lock(" CENTRAL_LOCK_KEY ");"
	    "CREATE TABLE IF NOT EXISTS dfota_schema (version integer NOT NULL);", mem);
	for (int v = version; v < CENTRAL_SCHEMA_VERSION; v++)
		fputs(central_migrations[v], mem);
	fprintf(mem, "DELETE FROM dfota_schema WHERE version < %d;"
	    "INSERT INTO dfota_schema (version) SELECT %d WHERE NOT EXISTS "
	    "(SELECT 1 FROM dfota_schema WHERE version >= %d);COMMIT;",
	    CENTRAL_SCHEMA_VERSION, CENTRAL_SCHEMA_VERSION, CENTRAL_SCHEMA_VERSION);
	if (fclose(mem) != 0) {
		free(sql);
		return CENTRAL_REFUSED;
	}
	rc = central_conn_exec(c, sql, 0, NULL, timeout_ms, NULL);
	free(sql);
	/* A failed multi-statement text leaves the transaction aborted. */
	if (rc == CENTRAL_REFUSED) {
		char error[sizeof c->error], state[sizeof c->sqlstate];

		memcpy(error, c->error, sizeof error);
		memcpy(state, c->sqlstate, sizeof state);
		central_conn_exec(c, "ROLLBACK", 0, NULL, timeout_ms, NULL);
		memcpy(c->error, error, sizeof error);
		memcpy(c->sqlstate, state, sizeof state);
	}
	return rc;
}

/* ($k,$k+1,...),(...) for nrows rows of ncols parameters. */
static void
central_values_list(FILE *mem, int ncols, size_t nrows)
{
	long k = 1;

	for (size_t r = 0; r < nrows; r++) {
		fputs(r ? ",(" : "(", mem);
		for (int i = 0; i < ncols; i++)
			fprintf(mem, "%s$%ld", i ? "," : "", k++);
		fputc(')', mem);
	}
}

central_rc
central_store_units(central_conn *c, const int *cols, int ncols,
    char *const *values, size_t nrows, int64_t timeout_ms, long *inserted)
{
	PGresult  *res;
	central_rc rc;
	char      *sql;
	size_t     len;
	FILE      *mem;

	*inserted = 0;
	if (nrows == 0)
		return CENTRAL_OK;
	mem = open_memstream(&sql, &len);
	if (mem == NULL)
		return CENTRAL_REFUSED;
	fputs("INSERT INTO dfota_units (", mem);
	for (int i = 0; i < ncols; i++)
		fprintf(mem, "%s%s", i ? "," : "", central_unit_columns[cols[i]].name);
	fputs(") VALUES ", mem);
	central_values_list(mem, ncols, nrows);
	fputs(" ON CONFLICT (row_sha256) DO NOTHING", mem);
	if (fclose(mem) != 0) {
		free(sql);
		return CENTRAL_REFUSED;
	}
	rc = central_conn_exec(c, sql, ncols * (int)nrows, (const char *const *)values,
	    timeout_ms, &res);
	free(sql);
	if (rc == CENTRAL_OK) {
		*inserted = atol(PQcmdTuples(res));
		PQclear(res);
	}
	return rc;
}

static const char *const central_slot_names[CENTRAL_SLOT_NPARAMS] = {
	"station", "slot", "unit", "model", "phase", "percent", "result",
	"error_code", "error_text", "fw_before", "fw_target", "fw_after",
	"started_at", "updated_at",
};

central_rc
central_store_slots(central_conn *c, const char *station, char *const *values,
    size_t nslots, int64_t timeout_ms)
{
	central_rc   rc;
	const char **params;
	char        *sql;
	size_t       len, n = nslots * CENTRAL_SLOT_NPARAMS;
	FILE        *mem;

	if (nslots == 0)
		return CENTRAL_OK;
	params = malloc((n + 1) * sizeof *params);
	mem = params != NULL ? open_memstream(&sql, &len) : NULL;
	if (mem == NULL) {
		free(params);
		return CENTRAL_REFUSED;
	}
	memcpy(params, values, n * sizeof *params);
	params[n] = station;
	fputs("WITH up AS (INSERT INTO dfota_slots (", mem);
	for (int i = 0; i < CENTRAL_SLOT_NPARAMS; i++)
		fprintf(mem, "%s%s", i ? "," : "", central_slot_names[i]);
	fputs(") VALUES ", mem);
	central_values_list(mem, CENTRAL_SLOT_NPARAMS, nslots);
	fputs(" ON CONFLICT (station, slot) DO UPDATE SET ", mem);
	for (int i = 2; i < CENTRAL_SLOT_NPARAMS; i++)
		fprintf(mem, "%s%s = EXCLUDED.%s", i > 2 ? "," : "", central_slot_names[i],
		    central_slot_names[i]);
	fprintf(mem, " RETURNING 1) SELECT pg_notify('" CENTRAL_CHANNEL "', $%zu::text) "
	    "FROM (SELECT count(*) FROM up) AS n", n + 1);
	if (fclose(mem) != 0) {
		free(sql);
		free(params);
		return CENTRAL_REFUSED;
	}
	rc = central_conn_exec(c, sql, (int)n + 1, params, timeout_ms, NULL);
	free(sql);
	free(params);
	return rc;
}

central_rc
central_store_forget_slots(central_conn *c, const char *station, int64_t timeout_ms)
{
	return central_conn_exec(c, "DELETE FROM dfota_slots WHERE station = $1", 1,
	    (const char *const[]){ station }, timeout_ms, NULL);
}

central_rc
central_store_heartbeat(central_conn *c, const char *station, const char *started_at,
    const char *version, int64_t timeout_ms)
{
	/* The snapshot of prev is the one before the upsert: the old online. */
	static const char sql[] =
	    "WITH prev AS (SELECT coalesce((SELECT online FROM dfota_stations "
	    "WHERE station = $1::text), false) AS was), "
	    "up AS (INSERT INTO dfota_stations (station, last_seen, started_at, version, online) "
	    "VALUES ($1::text, now(), $2::timestamptz, $3::text, true) "
	    "ON CONFLICT (station) DO UPDATE SET last_seen = now(), "
	    "started_at = EXCLUDED.started_at, version = EXCLUDED.version, online = true "
	    "RETURNING 1) "
	    "SELECT pg_notify('" CENTRAL_CHANNEL "', $1::text) FROM prev, "
	    "(SELECT count(*) FROM up) AS n WHERE NOT prev.was";

	return central_conn_exec(c, sql, 3, (const char *const[]){ station, started_at, version },
	    timeout_ms, NULL);
}

central_rc
central_store_offline(central_conn *c, const char *station, int64_t timeout_ms)
{
	static const char sql[] =
	    "WITH up AS (UPDATE dfota_stations SET online = false, last_seen = now() "
	    "WHERE station = $1::text RETURNING 1) "
	    "SELECT pg_notify('" CENTRAL_CHANNEL "', $1::text) FROM (SELECT count(*) FROM up) AS n";

	return central_conn_exec(c, sql, 1, (const char *const[]){ station }, timeout_ms, NULL);
}
