/*
 * lineview_db: the queries behind the line's page, turned into JSON with
 * the project's one JSON string writer (text_json_string).
 *
 * A station's panel is three queries: its row in dfota_stations (online,
 * last seen), its slots in dfota_slots (in natural order: S2 before S10)
 * and its shift in dfota_units (pass and fail of the last LV_SHIFT_HOURS,
 * units finished in the last hour). Each slot gets a "state" (running,
 * pass, fail, waiting, attention) from its result and phase, and the
 * meaning of its error code from the station's own error tables, so the
 * page only draws.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dialects/errors.h"
#include "dialects/models.h"
#include "lineview/lineview_db.h"
#include "text/text.h"

#define LV_ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* A detail file is served only when it looks like a station's unit
 * timeline (reports/report_timeline.c): a .csv starting with this header,
 * so a path in the database cannot make the page show any other file. */
#define LV_DETAIL_HEADER   "ts,phase,percent,event,raw"
#define LV_DETAIL_MAX      (512 * 1024)
#define LV_DETAIL_LINES    400

/* libpq's messages span lines; people get them on one. */
static void
lv_flatten(char *s)
{
	char  *w = s;
	bool   space = false;

	for (char *p = s; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\t' || *p == '\r' || *p == ' ') {
			space = w != s;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = false;
		*w++ = *p;
	}
	*w = '\0';
}

static void
lv_err(char *err, size_t len, const char *what, PGconn *c)
{
	const char *m = c != NULL ? PQerrorMessage(c) : "";

	snprintf(err, len, "%s: %s", what, m[0] ? m : "no answer");
	lv_flatten(err);
}

/* The server's notices (e.g. "terminating connection") are not printed by
 * libpq on stderr: the listener says what happened in its own words. */
static void
lv_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

PGconn *
lv_db_connect(const char *url, int stop_fd, int timeout_s, char *err, size_t len)
{
	/* Our defaults first: what the URL itself says wins over them. */
	const char *const keys[] = { "connect_timeout", "keepalives", "keepalives_idle",
	                             "keepalives_interval", "keepalives_count",
	                             "application_name", "client_encoding", "options",
	                             "dbname", NULL };
	const char *const vals[] = { "5", "1", "5", "2", "3", "dfota-line-view", "UTF8",
	                             "-c statement_timeout=10000", url, NULL };
	PGconn              *c = PQconnectStartParams(keys, vals, 1);
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	struct timespec      t0, t;

	if (c == NULL || PQstatus(c) == CONNECTION_BAD) {
		lv_err(err, len, "cannot connect to the database", c);
		PQfinish(c);
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (st != PGRES_POLLING_OK) {
		struct pollfd p[2] = { { .fd = PQsocket(c), .events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT },
		                       { .fd = stop_fd, .events = POLLIN } };
		long          left;

		if (st == PGRES_POLLING_FAILED) {
			lv_err(err, len, "cannot connect to the database", c);
			PQfinish(c);
			return NULL;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = (long)timeout_s * 1000 - ((t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0) {
			snprintf(err, len, "cannot connect to the database: no answer within %d s", timeout_s);
			PQfinish(c);
			return NULL;
		}
		if (poll(p, stop_fd >= 0 ? 2 : 1, (int)left) < 0 && errno != EINTR) {
			snprintf(err, len, "cannot connect to the database: poll: %s", strerror(errno));
			PQfinish(c);
			return NULL;
		}
		if (stop_fd >= 0 && (p[1].revents & POLLIN)) {
			snprintf(err, len, "stopped");
			PQfinish(c);
			return NULL;
		}
		if (p[0].revents != 0)
			st = PQconnectPoll(c);
	}
	PQsetNoticeProcessor(c, lv_notice, NULL);
	return c;
}

/* NULL for SQL NULL, the text otherwise. */
static const char *
lv_val(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static PGresult *
lv_query(PGconn *c, const char *sql, int n, const char *const *params, char *err, size_t len)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		const char *m = PQresultErrorMessage(r);
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

		/* 42P01 undefined_table: the stations create the tables. */
		if (state != NULL && strcmp(state, "42P01") == 0)
			snprintf(err, len, "no station has written to this database yet (%s)",
			    m != NULL ? m : "no such table");
		else
			snprintf(err, len, "database: %s", m != NULL && m[0] ? m : PQerrorMessage(c));
		lv_flatten(err);
		PQclear(r);
		return NULL;
	}
	return r;
}

int
lv_db_stations(PGconn *c, char ***names, size_t *n, char *err, size_t len)
{
	PGresult *r = lv_query(c, "SELECT station FROM dfota_stations UNION "
	    "SELECT station FROM dfota_slots ORDER BY 1", 0, NULL, err, len);
	char    **v;
	int       rows;

	*names = NULL;
	*n = 0;
	if (r == NULL)
		return -1;
	rows = PQntuples(r);
	if ((v = calloc((size_t)rows + 1, sizeof *v)) == NULL) {
		PQclear(r);
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (int i = 0; i < rows; i++)
		if ((v[i] = strdup(PQgetvalue(r, i, 0))) == NULL) {
			for (int k = 0; k < i; k++)
				free(v[k]);
			free(v);
			PQclear(r);
			snprintf(err, len, "out of memory");
			return -1;
		}
	PQclear(r);
	*names = v;
	*n = (size_t)rows;
	return 0;
}

/* ---- error meanings -------------------------------------------------- */

/* Where a code of a phase comes from (station/worker_*.c): a command's
 * +CME ERROR before the module runs on its own, a download's result while
 * downloading, the update's END after. */
static const struct { const char *phase; err_context ctx; } lv_phase_ctx[] = {
	{ "IDENTIFY", ERRCTX_CME },    { "PLAN", ERRCTX_CME },     { "DELIVER", ERRCTX_CME },
	{ "TRIGGER", ERRCTX_CME },     { "VERIFY", ERRCTX_CME },   { "DOWNLOAD", ERRCTX_HTTP },
	{ "REBOOT", ERRCTX_UPDATE },   { "UPDATING", ERRCTX_UPDATE }, { "RESTORE", ERRCTX_UPDATE },
	{ "END", ERRCTX_UPDATE },      { "DONE", ERRCTX_UPDATE },
};

/* Contexts tried after the phase's own, in this order. */
static const err_context lv_ctx_order[] = { ERRCTX_UPDATE, ERRCTX_HTTP, ERRCTX_FTP, ERRCTX_CME };

const char *
lv_error_meaning(const char *model, const char *phase, int code, char *buf, size_t len)
{
	const model_info *mi = model != NULL ? model_find(model) : NULL;
	model_dialect     d = mi != NULL ? mi->dialect : DIALECT_UNKNOWN;
	err_context       first = ERRCTX_UPDATE;
	const error_info *e;

	for (size_t i = 0; phase != NULL && i < sizeof lv_phase_ctx / sizeof lv_phase_ctx[0]; i++)
		if (strcasecmp(phase, lv_phase_ctx[i].phase) == 0)
			first = lv_phase_ctx[i].ctx;
	if ((e = error_lookup(d, first, code)) != NULL ||
	    (first == ERRCTX_HTTP && (e = error_lookup(d, ERRCTX_FTP, code)) != NULL))
		return e->meaning;
	for (size_t i = 0; i < sizeof lv_ctx_order / sizeof lv_ctx_order[0]; i++)
		if ((e = error_lookup(d, lv_ctx_order[i], code)) != NULL)
			return e->meaning;
	return error_meaning(d, first, code, buf, len);
}

/* ---- a station's panel ------------------------------------------------ */

typedef enum lv_state { LV_WAITING, LV_RUNNING, LV_PASS, LV_FAIL, LV_ATTENTION, LV_STATE_COUNT } lv_state;

static const char *const lv_state_names[LV_STATE_COUNT] = {
	[LV_WAITING] = "waiting", [LV_RUNNING] = "running", [LV_PASS] = "pass",
	[LV_FAIL] = "fail", [LV_ATTENTION] = "attention",
};

/* A slot's result decides; without one, a unit in a working phase runs. */
static const struct { const char *result; lv_state state; } lv_result_state[] = {
	{ "PASS", LV_PASS }, { "SKIPPED", LV_PASS }, { "FAIL", LV_FAIL },
	{ "ABORTED", LV_ATTENTION }, { "NO_PACKAGE", LV_ATTENTION },
};

static lv_state
lv_slot_state(const char *unit, const char *phase, const char *result)
{
	if (result != NULL && result[0] != '\0') {
		for (size_t i = 0; i < sizeof lv_result_state / sizeof lv_result_state[0]; i++)
			if (strcasecmp(result, lv_result_state[i].result) == 0)
				return lv_result_state[i].state;
		return LV_ATTENTION;      /* a result this viewer does not know */
	}
	if (unit != NULL && unit[0] != '\0' && phase != NULL && phase[0] != '\0' &&
	    strcasecmp(phase, "WAIT") != 0 && strcasecmp(phase, "DONE") != 0)
		return LV_RUNNING;
	return LV_WAITING;
}

static void
lv_json_key(FILE *f, const char *key, const char *s)
{
	fprintf(f, "\"%s\":", key);
	text_json_string(f, s);
}

/* An integer column as a number, or null. */
static void
lv_json_int(FILE *f, const char *key, const char *s)
{
	char *end;
	long  v;

	fprintf(f, "\"%s\":", key);
	if (s == NULL || s[0] == '\0') {
		fputs("null", f);
		return;
	}
	v = strtol(s, &end, 10);
	if (*end != '\0')
		fputs("null", f);
	else
		fprintf(f, "%ld", v);
}

/* A numeric column (PostgreSQL's text of a number is JSON), or null. */
static void
lv_json_num(FILE *f, const char *key, const char *s)
{
	fprintf(f, "\"%s\":", key);
	if (s == NULL || s[0] == '\0' || strspn(s, "-0123456789.eE+") != strlen(s))
		fputs("null", f);
	else
		fputs(s, f);
}

/* Writes the error code, its text and its meaning of one row. */
static void
lv_json_error(FILE *f, const char *model, const char *phase, const char *code, const char *text)
{
	char  buf[64];
	char *end;
	long  v = code != NULL && code[0] ? strtol(code, &end, 10) : -1;

	if (code == NULL || code[0] == '\0' || *end != '\0' || v < 0) {
		fputs("\"error_code\":null,", f);
		lv_json_key(f, "error_text", text);
		fputs(",\"error_meaning\":null", f);
		return;
	}
	fprintf(f, "\"error_code\":%ld,", v);
	lv_json_key(f, "error_text", text);
	fputc(',', f);
	lv_json_key(f, "error_meaning", lv_error_meaning(model, phase, (int)v, buf, sizeof buf));
}

#define LV_STR_(x) #x
#define LV_STR(x)  LV_STR_(x)
static const char lv_sql_station[] =
	"SELECT coalesce(online, false) AND last_seen > now() - interval '" LV_STR(LV_ONLINE_S) " seconds', "
	LV_ISO("last_seen") ", version, " LV_ISO("started_at")
	" FROM dfota_stations WHERE station = $1";

static const char lv_sql_slots[] =
	"SELECT slot, unit, model, phase, percent, result, error_code, error_text,"
	" fw_before, fw_target, fw_after, " LV_ISO("started_at") ", " LV_ISO("updated_at")
	" FROM dfota_slots WHERE station = $1"
	" ORDER BY regexp_replace(slot, '[0-9]+$', ''), length(substring(slot from '[0-9]*$')),"
	" substring(slot from '[0-9]*$'), slot";

#define LV_DONE_AT "coalesce(finished_at, received_at)"
static const char lv_sql_shift[] =
	"SELECT count(*) FILTER (WHERE upper(result) = 'PASS'),"
	" count(*) FILTER (WHERE upper(result) = 'FAIL'),"
	" count(*) FILTER (WHERE " LV_DONE_AT " > now() - interval '1 hour')"
	" FROM dfota_units WHERE station = $1 AND " LV_DONE_AT " > now() - $2::interval";

int
lv_db_station_json(PGconn *c, const char *station, char **json, char *err, size_t len)
{
	char        hours[32];
	const char *p1[] = { station };
	const char *p2[] = { station, hours };
	PGresult   *st, *sl, *sh;
	int         counts[LV_STATE_COUNT] = { 0 };
	const char *updated = NULL;
	char       *t = NULL;
	size_t      n = 0;
	FILE       *f;
	long        pass, fail;

	*json = NULL;
	snprintf(hours, sizeof hours, "%d hours", LV_SHIFT_HOURS);
	if ((st = lv_query(c, lv_sql_station, 1, p1, err, len)) == NULL)
		return -1;
	if ((sl = lv_query(c, lv_sql_slots, 1, p1, err, len)) == NULL) {
		PQclear(st);
		return -1;
	}
	if ((sh = lv_query(c, lv_sql_shift, 2, p2, err, len)) == NULL) {
		PQclear(st);
		PQclear(sl);
		return -1;
	}
	if (PQntuples(st) == 0 && PQntuples(sl) == 0) {
		PQclear(st);
		PQclear(sl);
		PQclear(sh);
		return 1;
	}
	if ((f = open_memstream(&t, &n)) == NULL) {
		PQclear(st);
		PQclear(sl);
		PQclear(sh);
		snprintf(err, len, "out of memory");
		return -1;
	}
	fputc('{', f);
	lv_json_key(f, "name", station);
	fprintf(f, ",\"online\":%s,", PQntuples(st) > 0 && lv_val(st, 0, 0)[0] == 't' ? "true" : "false");
	for (int i = 0; i < PQntuples(sl); i++) {
		const char *u = lv_val(sl, i, 12);
		if (u != NULL && (updated == NULL || strcmp(u, updated) > 0))
			updated = u;
	}
	if (updated == NULL && PQntuples(st) > 0)
		updated = lv_val(st, 0, 1);
	lv_json_key(f, "updated_at", updated);
	fputs(",\"slots\":[", f);
	for (int i = 0; i < PQntuples(sl); i++) {
		const char *unit = lv_val(sl, i, 1), *model = lv_val(sl, i, 2);
		const char *phase = lv_val(sl, i, 3), *result = lv_val(sl, i, 5);
		lv_state    s = lv_slot_state(unit, phase, result);

		counts[s]++;
		fputs(i ? ",{" : "{", f);
		lv_json_key(f, "label", lv_val(sl, i, 0));
		fputc(',', f);
		lv_json_key(f, "unit", unit);
		fputc(',', f);
		lv_json_key(f, "phase", phase);
		fputc(',', f);
		lv_json_int(f, "percent", lv_val(sl, i, 4));
		fputc(',', f);
		lv_json_key(f, "result", result);
		fputc(',', f);
		lv_json_error(f, model, phase, lv_val(sl, i, 6), lv_val(sl, i, 7));
		fputc(',', f);
		lv_json_key(f, "model", model);
		fputc(',', f);
		lv_json_key(f, "fw_before", lv_val(sl, i, 8));
		fputc(',', f);
		lv_json_key(f, "fw_target", lv_val(sl, i, 9));
		fputc(',', f);
		lv_json_key(f, "fw_after", lv_val(sl, i, 10));
		fputc(',', f);
		lv_json_key(f, "started_at", lv_val(sl, i, 11));
		fputc(',', f);
		lv_json_key(f, "updated_at", lv_val(sl, i, 12));
		fprintf(f, ",\"state\":\"%s\"}", lv_state_names[s]);
	}
	fputs("],", f);
	lv_json_key(f, "last_seen", PQntuples(st) > 0 ? lv_val(st, 0, 1) : NULL);
	fputc(',', f);
	lv_json_key(f, "started_at", PQntuples(st) > 0 ? lv_val(st, 0, 3) : NULL);
	fputc(',', f);
	lv_json_key(f, "version", PQntuples(st) > 0 ? lv_val(st, 0, 2) : NULL);
	pass = strtol(PQgetvalue(sh, 0, 0), NULL, 10);
	fail = strtol(PQgetvalue(sh, 0, 1), NULL, 10);
	fprintf(f, ",\"counts\":{\"running\":%d,\"waiting\":%d,\"attention\":%d,"
	    "\"pass\":%ld,\"fail\":%ld},\"units_per_hour\":%ld,\"shift_hours\":%d,\"yield\":",
	    counts[LV_RUNNING], counts[LV_WAITING], counts[LV_ATTENTION], pass, fail,
	    strtol(PQgetvalue(sh, 0, 2), NULL, 10), LV_SHIFT_HOURS);
	if (pass + fail > 0)
		fprintf(f, "%.4f", (double)pass / (double)(pass + fail));
	else
		fputs("null", f);
	fputc('}', f);
	PQclear(st);
	PQclear(sl);
	PQclear(sh);
	if (fclose(f) != 0) {
		free(t);
		snprintf(err, len, "out of memory");
		return -1;
	}
	*json = t;
	return 0;
}

/* ---- a slot's timeline ------------------------------------------------ */

static const char lv_sql_unit_rows[] =
	"SELECT " LV_ISO("started_at") ", " LV_ISO("finished_at") ", station, slot, operator,"
	" model, imei, fw_before, fw_target, fw_after, result, error_phase, error_code,"
	" error_text, attempts, duration_s, detail_file, delivery, package"
	" FROM dfota_units WHERE imei = $1 ORDER BY started_at DESC NULLS LAST, id DESC LIMIT 50";

static const char lv_sql_slot_rows[] =
	"SELECT " LV_ISO("started_at") ", " LV_ISO("finished_at") ", station, slot, operator,"
	" model, imei, fw_before, fw_target, fw_after, result, error_phase, error_code,"
	" error_text, attempts, duration_s, detail_file, delivery, package"
	" FROM dfota_units WHERE station = $1 AND slot = $2"
	" ORDER BY started_at DESC NULLS LAST, id DESC LIMIT 20";

static const char lv_sql_slot_now[] =
	"SELECT unit FROM dfota_slots WHERE station = $1 AND slot = $2";

/* The detail file's lines (the last LV_DETAIL_LINES) as "lines":[..], or
 * why they are not shown as "note". */
static void
lv_json_detail(FILE *out, const char *station, const char *path)
{
	static const char *const col_names = "\"columns\":[\"ts\",\"phase\",\"percent\",\"event\",\"raw\"]";
	FILE  *f;
	char  *buf;
	size_t n;
	long   size;
	int    lines = 0, skip;

	fputs("\"detail\":{", out);
	lv_json_key(out, "file", path);
	if (path == NULL || path[0] == '\0') {
		fputs(",\"present\":false,\"note\":\"the store names no detail file for this unit\"}", out);
		return;
	}
	n = strlen(path);
	if (n < 4 || strcmp(path + n - 4, ".csv") != 0 || (f = fopen(path, "r")) == NULL) {
		char note[1200];

		if (path[0] == '/')
			snprintf(note, sizeof note, "not on this machine: %s is on station %s", path, station);
		else
			snprintf(note, sizeof note, "not on this machine: %s is in the reports folder of station %s",
			    path, station);
		fputs(",\"present\":false,", out);
		lv_json_key(out, "note", note);
		fputc('}', out);
		return;
	}
	buf = malloc(LV_DETAIL_MAX + 1);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	n = 0;
	if (buf != NULL) {
		/* The header, then the tail of the file. */
		rewind(f);
		n = fread(buf, 1, sizeof LV_DETAIL_HEADER - 1, f);
		buf[n] = '\0';
	}
	if (buf == NULL || strcmp(buf, LV_DETAIL_HEADER) != 0) {
		fputs(",\"present\":false,\"note\":\"this file is not a unit timeline\"}", out);
		free(buf);
		fclose(f);
		return;
	}
	if (size > LV_DETAIL_MAX)
		fseek(f, size - LV_DETAIL_MAX, SEEK_SET);
	else
		rewind(f);
	n = fread(buf, 1, LV_DETAIL_MAX, f);
	buf[n] = '\0';
	fclose(f);
	{
		/* Skip the header (or, in a tail, the cut first line). */
		char *p = strchr(buf, '\n'), *nl;
		int   k = 0, w = 0;

		p = p != NULL ? p + 1 : buf + n;
		for (char *q = p; *q != '\0'; q++)
			lines += *q == '\n';
		skip = lines > LV_DETAIL_LINES ? lines - LV_DETAIL_LINES : 0;
		fprintf(out, ",\"present\":true,%s,\"skipped\":%d,\"lines\":[", col_names, skip);
		for (; *p != '\0'; p = nl + 1) {
			if ((nl = strchr(p, '\n')) != NULL)
				*nl = '\0';
			if (nl != NULL && nl > p && nl[-1] == '\r')
				nl[-1] = '\0';
			if (k++ >= skip && *p != '\0') {
				fputs(w++ ? "," : "", out);
				text_json_string(out, p);
			}
			if (nl == NULL)
				break;
		}
	}
	fputs("]}", out);
	free(buf);
}

int
lv_db_slot_json(PGconn *c, const char *station, const char *slot, char **json, char *err, size_t len)
{
	const char *p2[] = { station, slot };
	const char *unit = NULL, *detail = NULL, *detail_station = station;
	PGresult   *now, *rows;
	char       *t = NULL;
	size_t      n = 0;
	FILE       *f;

	*json = NULL;
	if ((now = lv_query(c, lv_sql_slot_now, 2, p2, err, len)) == NULL)
		return -1;
	if (PQntuples(now) > 0)
		unit = lv_val(now, 0, 0);
	if (unit != NULL && unit[0] != '\0') {
		const char *p1[] = { unit };
		rows = lv_query(c, lv_sql_unit_rows, 1, p1, err, len);
	} else {
		rows = lv_query(c, lv_sql_slot_rows, 2, p2, err, len);
	}
	if (rows == NULL || (f = open_memstream(&t, &n)) == NULL) {
		if (rows != NULL)
			snprintf(err, len, "out of memory");
		PQclear(rows);
		PQclear(now);
		return -1;
	}
	fputc('{', f);
	lv_json_key(f, "station", station);
	fputc(',', f);
	lv_json_key(f, "slot", slot);
	fputc(',', f);
	lv_json_key(f, "unit", unit);
	fputs(",\"rows\":[", f);
	for (int i = 0; i < PQntuples(rows); i++) {
		static const char *const keys[] = { "started_at", "finished_at", "station", "slot",
		                                    "operator", "model", "imei", "fw_before", "fw_target",
		                                    "fw_after", "result", "error_phase" };
		fputs(i ? ",{" : "{", f);
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			lv_json_key(f, keys[k], lv_val(rows, i, (int)k));
			fputc(',', f);
		}
		lv_json_error(f, lv_val(rows, i, 5), lv_val(rows, i, 11), lv_val(rows, i, 12),
		    lv_val(rows, i, 13));
		fputc(',', f);
		lv_json_int(f, "attempts", lv_val(rows, i, 14));
		fputc(',', f);
		lv_json_num(f, "duration_s", lv_val(rows, i, 15));
		fputc(',', f);
		lv_json_key(f, "detail_file", lv_val(rows, i, 16));
		fputc(',', f);
		lv_json_key(f, "delivery", lv_val(rows, i, 17));
		fputc(',', f);
		lv_json_key(f, "package", lv_val(rows, i, 18));
		fputc('}', f);
		if (detail == NULL && lv_val(rows, i, 16) != NULL && lv_val(rows, i, 16)[0] != '\0') {
			detail = lv_val(rows, i, 16);
			detail_station = lv_val(rows, i, 2);
		}
	}
	fputs("],", f);
	lv_json_detail(f, detail_station != NULL ? detail_station : station, detail);
	fputc('}', f);
	PQclear(rows);
	PQclear(now);
	if (fclose(f) != 0) {
		free(t);
		snprintf(err, len, "out of memory");
		return -1;
	}
	*json = t;
	return 0;
}
