/*
 * central_query: dfota_units read back (see central_query.h).
 *
 * The SELECT is built from the same column table that fills the table
 * (central_unit_columns), each column turned to text as the CSV writes it,
 * and read in pages by id so that a line's whole history never has to fit
 * in one result.
 *
 * A history merges rows of the database and of CSVs: a row in both (the
 * same row_sha256) is printed once. Rows are ordered by finished_at, then
 * started_at, which sort as text because both are ISO 8601 UTC.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "central/central_conn.h"
#include "central/central_query.h"
#include "central/central_store.h"
#include "reports/chain.h"
#include "reports/csv.h"

#define CENTRAL_PAGE     5000
#define CENTRAL_QUERY_MS 60000

/* SELECT <columns as CSV text> FROM dfota_units WHERE id > $1 [AND imei = $2] */
static char *
central_select(bool by_imei)
{
	char  *sql;
	size_t len;
	FILE  *mem = open_memstream(&sql, &len);

	if (mem == NULL)
		return NULL;
	fputs("SELECT id", mem);
	for (int i = 0; i < central_nunit_columns; i++) {
		const central_column *c = &central_unit_columns[i];

		switch (c->type) {
		case CENTRAL_TIME:
			fprintf(mem, ", coalesce(to_char(%s AT TIME ZONE 'UTC', "
			    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), '') AS %s", c->name, c->name);
			break;
		case CENTRAL_TEXT:
			fprintf(mem, ", coalesce(%s, '') AS %s", c->name, c->name);
			break;
		default:
			fprintf(mem, ", coalesce(%s::text, '') AS %s", c->name, c->name);
			break;
		}
	}
	fprintf(mem, " FROM dfota_units WHERE id > $1::bigint%s ORDER BY id LIMIT %d",
	    by_imei ? " AND imei = $2::text" : "", CENTRAL_PAGE);
	if (fclose(mem) != 0) {
		free(sql);
		return NULL;
	}
	return sql;
}

typedef int (*central_row_fn)(void *ctx, int n, const char *const *names,
                              const char *const *fields);

/* Every row (of one IMEI when imei is not NULL) to fn. 0, 1 the database
 * cannot be reached or refuses, -1 fn failed. */
static int
central_each_row(const char *url, const char *imei, central_row_fn fn, void *ctx, FILE *err,
    const char *who)
{
	central_conn  conn;
	char         *sql = central_select(imei != NULL);
	const char   *names[64], *fields[64];
	char          last[32] = "0";
	int           status = 0;
	central_rc    rc;

	central_conn_init(&conn, url, NULL);
	if (sql == NULL) {
		fprintf(err, "%s: out of memory\n", who);
		return -1;
	}
	rc = central_conn_open(&conn, url, 15000);
	while (rc == CENTRAL_OK && status == 0) {
		PGresult *res;
		int       nrows, ncols;

		rc = central_conn_exec(&conn, sql, imei != NULL ? 2 : 1,
		    (const char *const[]){ last, imei }, CENTRAL_QUERY_MS, &res);
		if (rc != CENTRAL_OK)
			break;
		nrows = PQntuples(res);
		ncols = PQnfields(res) - 1;
		if (ncols > 64)
			ncols = 64;
		for (int k = 0; k < ncols; k++)
			names[k] = PQfname(res, k + 1);
		for (int r = 0; r < nrows && status == 0; r++) {
			for (int k = 0; k < ncols; k++)
				fields[k] = PQgetvalue(res, r, k + 1);
			if (fn(ctx, ncols, names, fields) != 0)
				status = -1;
		}
		if (nrows > 0)
			snprintf(last, sizeof last, "%s", PQgetvalue(res, nrows - 1, 0));
		PQclear(res);
		if (nrows < CENTRAL_PAGE)
			break;
	}
	if (rc != CENTRAL_OK) {
		/* No table yet is an empty store, not a failure. */
		if (rc == CENTRAL_REFUSED && strcmp(conn.sqlstate, "42P01") == 0) {
			rc = CENTRAL_OK;
		} else {
			fprintf(err, "%s: %s %s: %s\n", who, rc == CENTRAL_REFUSED ?
			    "the database refuses," : "cannot reach the database", conn.where, conn.error);
			status = 1;
		}
	}
	central_conn_close(&conn);
	free(sql);
	return status;
}

static int
central_summary_row(void *ctx, int n, const char *const *names, const char *const *fields)
{
	return summary_sink_row(ctx, n, names, fields);
}

int
central_summary_source(void *ctx, summary_sink *sink, FILE *err)
{
	return central_each_row(ctx, NULL, central_summary_row, sink, err, "report summary") == 0 ? 0 : -1;
}

/* ---- history ---- */

typedef struct central_hist {
	char **rows;        /* nrows * central_nunit_columns, owned */
	size_t nrows;
	size_t cap;
	const char *imei;
} central_hist;

static const char *
central_hist_get(const central_hist *h, size_t row, const char *name)
{
	int c = central_unit_column(name);

	return c < 0 ? "" : h->rows[row * (size_t)central_nunit_columns + (size_t)c];
}

static int
central_hist_add(void *ctx, int n, const char *const *names, const char *const *fields)
{
	central_hist *h = ctx;
	const char   *hash = "";
	char        **row;
	size_t        N = (size_t)central_nunit_columns;

	for (int i = 0; i < n; i++)
		if (strcmp(names[i], CHAIN_COLUMN) == 0)
			hash = fields[i];
	/* The same row from the database and from a CSV: once. */
	for (size_t r = 0; hash[0] != '\0' && r < h->nrows; r++)
		if (strcmp(central_hist_get(h, r, CHAIN_COLUMN), hash) == 0)
			return 0;
	if (h->nrows == h->cap) {
		size_t ncap = h->cap ? h->cap * 2 : 16;
		char **nr = realloc(h->rows, ncap * N * sizeof *nr);

		if (nr == NULL)
			return -1;
		h->rows = nr;
		h->cap = ncap;
	}
	row = h->rows + h->nrows * N;
	for (size_t k = 0; k < N; k++)
		row[k] = NULL;
	for (int i = 0; i < n; i++) {
		int c = central_unit_column(names[i]), oom = 0;

		if (c >= 0 && row[c] == NULL)
			row[c] = central_value(CENTRAL_TEXT, fields[i], &oom);
		if (oom)
			goto fail;
	}
	for (size_t k = 0; k < N; k++)
		if (row[k] == NULL && (row[k] = strdup("")) == NULL)
			goto fail;
	h->nrows++;
	return 0;
fail:
	for (size_t k = 0; k < N; k++)
		free(row[k]);
	return -1;
}

static void
central_hist_free(central_hist *h)
{
	for (size_t i = 0; i < h->nrows * (size_t)central_nunit_columns; i++)
		free(h->rows[i]);
	free(h->rows);
}

/* The rows of one IMEI in one CSV (a session file, by its header names). */
static int
central_hist_file(central_hist *h, const char *path, FILE *err)
{
	csv_reader r;
	FILE      *f = fopen(path, "r");
	char     **names = NULL;
	int        nnames = 0, imei_col = -1, rc, status = 0;

	if (f == NULL) {
		fprintf(err, "report history: %s: %s\n", path, strerror(errno));
		return 2;
	}
	csv_reader_init(&r, f);
	while ((rc = csv_read_record(&r)) == 1) {
		if (strcmp(r.fields[0], "run_id") == 0) {
			for (int i = 0; i < nnames; i++)
				free(names[i]);
			free(names);
			names = calloc((size_t)r.nfields, sizeof *names);
			nnames = 0;
			imei_col = -1;
			for (int i = 0; names != NULL && i < r.nfields; i++) {
				if ((names[i] = strdup(r.fields[i])) == NULL)
					break;
				nnames++;
				if (strcmp(r.fields[i], "imei") == 0)
					imei_col = i;
			}
			continue;
		}
		if (imei_col < 0 || imei_col >= r.nfields || strcmp(r.fields[imei_col], h->imei) != 0)
			continue;
		if (central_hist_add(h, r.nfields < nnames ? r.nfields : nnames,
		    (const char *const *)names, (const char *const *)r.fields) != 0) {
			fprintf(err, "report history: out of memory\n");
			status = 2;
			break;
		}
	}
	if (rc < 0) {
		fprintf(err, "report history: %s:%ld: unterminated quoted field\n", path, r.line);
		status = 2;
	}
	if (imei_col < 0 && names == NULL && status == 0) {
		fprintf(err, "report history: %s: not a session report (no header with imei)\n", path);
		status = 2;
	}
	for (int i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	csv_reader_free(&r);
	fclose(f);
	return status;
}

static int
central_hist_cmp(const void *a, const void *b, void *ctx)
{
	const central_hist *h = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int    c = strcmp(central_hist_get(h, x, "finished_at"), central_hist_get(h, y, "finished_at"));

	if (c == 0)
		c = strcmp(central_hist_get(h, x, "started_at"), central_hist_get(h, y, "started_at"));
	return c != 0 ? c : (x > y) - (x < y);
}

static void
central_hist_text(const central_hist *h, const size_t *order, FILE *out)
{
	char   stations[4096] = "";
	size_t nstations = 0;

	for (size_t k = 0; k < h->nrows; k++) {
		const char *st = central_hist_get(h, order[k], "station");
		char        key[80];

		snprintf(key, sizeof key, "|%s|", st);
		if (strstr(stations, key) == NULL && strlen(stations) + strlen(key) < sizeof stations) {
			strcat(stations, key);
			nstations++;
		}
	}
	fprintf(out, "unit %s: %zu row(s) from %zu station(s), %s .. %s\n", h->imei, h->nrows,
	    nstations, central_hist_get(h, order[0], "finished_at"),
	    central_hist_get(h, order[h->nrows - 1], "finished_at"));
	for (size_t k = 0; k < h->nrows; k++) {
		size_t      r = order[k];
		const char *code = central_hist_get(h, r, "error_code");
		const char *text = central_hist_get(h, r, "error_text");
		const char *dur = central_hist_get(h, r, "duration_s");

		fprintf(out, "\n%s  %s/%s  %s  %s  %s -> %s", central_hist_get(h, r, "finished_at"),
		    central_hist_get(h, r, "station"), central_hist_get(h, r, "slot"),
		    central_hist_get(h, r, "model"), central_hist_get(h, r, "result"),
		    central_hist_get(h, r, "fw_before"), central_hist_get(h, r, "fw_after"));
		fprintf(out, "  attempts %s%s%s%s\n", central_hist_get(h, r, "attempts"),
		    dur[0] ? ", " : "", dur, dur[0] ? " s" : "");
		if (code[0] != '\0' || text[0] != '\0')
			fprintf(out, "    error %s%s%s: %s\n", central_hist_get(h, r, "error_phase"),
			    code[0] ? " " : "", code, text);
		fprintf(out, "    package %s; target %s; operator %s; run %s\n",
		    central_hist_get(h, r, "package")[0] ? central_hist_get(h, r, "package") : "-",
		    central_hist_get(h, r, "fw_target")[0] ? central_hist_get(h, r, "fw_target") : "-",
		    central_hist_get(h, r, "operator")[0] ? central_hist_get(h, r, "operator") : "-",
		    central_hist_get(h, r, "run_id"));
		if (central_hist_get(h, r, "detail_file")[0] != '\0')
			fprintf(out, "    timeline %s\n", central_hist_get(h, r, "detail_file"));
	}
}

static void
central_hist_csv(const central_hist *h, const size_t *order, FILE *out)
{
	const char *names[64];
	int         n = central_nunit_columns < 64 ? central_nunit_columns : 64;

	for (int i = 0; i < n; i++)
		names[i] = central_unit_columns[i].name;
	csv_write_row(out, names, n, true);
	for (size_t k = 0; k < h->nrows; k++)
		csv_write_row(out, (const char *const *)h->rows + order[k] * (size_t)central_nunit_columns,
		    n, true);
}

int
central_history(const char *url, const char *imei, char *const *files, int nfiles, bool csv,
    FILE *out, FILE *err)
{
	central_hist h = { .imei = imei };
	size_t      *order;
	int          status = 0;

	if (url != NULL)
		status = central_each_row(url, imei, central_hist_add, &h, err, "report history");
	if (status < 0)
		status = 2;
	for (int i = 0; i < nfiles && status == 0; i++)
		status = central_hist_file(&h, files[i], err);
	if (status != 0) {
		central_hist_free(&h);
		return status;
	}
	if (h.nrows == 0) {
		fprintf(err, "report history: no row for unit %s\n", imei);
		central_hist_free(&h);
		return 1;
	}
	order = malloc(h.nrows * sizeof *order);
	if (order == NULL) {
		central_hist_free(&h);
		fprintf(err, "report history: out of memory\n");
		return 2;
	}
	for (size_t i = 0; i < h.nrows; i++)
		order[i] = i;
	qsort_r(order, h.nrows, sizeof *order, central_hist_cmp, &h);
	if (csv)
		central_hist_csv(&h, order, out);
	else
		central_hist_text(&h, order, out);
	free(order);
	central_hist_free(&h);
	return fflush(out) == 0 ? 0 : 2;
}
