/*
 * summary: `report summary` over any number of session CSVs.
 *
 * Every file is read by its header names, not by positions, so files of an
 * older or newer column order mix freely. A unit timeline given by mistake
 * (ts,phase,percent,event,raw) is skipped with a message; anything else
 * that is not a session report is an error. The rows are kept (only the
 * columns the figures need) and the figures are computed over all of them
 * and, with --by, over each group:
 *
 *   units      rows (unit attempts)
 *   finished   rows with a known result
 *   yield      (PASS + SKIPPED) / finished, in %
 *   by IMEI    units counted once each (their IMEI; a row without one is a
 *              unit of its own): first-pass yield = units whose first row
 *              (earliest started_at) passed (PASS or SKIPPED) at attempt 1,
 *              final yield = units whose last row passed, both / units
 *   results    count per result
 *   failures   rows that are neither PASS nor SKIPPED, per (error_code,
 *              error_text), most first, with the cumulative % (Pareto);
 *              a failure without either is named by its result
 *   durations  p50/p90/p99 of duration_s, nearest-rank method: the value
 *              at rank ceil(p/100 * n) of the sorted durations, so every
 *              figure is a duration that really occurred
 *
 * Output: an aligned text table, --csv (one long table: by, group, figure,
 * key, value, cumulative_pct, meaning) or --json (one object).
 *
 * Rows reach the accumulator as (column names, values) arrays
 * (summary_add_fields), whatever their source: a CSV record under its
 * header here, or a database row under its column names.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/csv.h"
#include "reports/summary.h"
#include "text/text.h"

static const char *const summary_results[] = {
	"PASS", "FAIL", "SKIPPED", "NO_PACKAGE", "ABORTED",
};
#define SUMMARY_NRESULTS (int)(sizeof summary_results / sizeof summary_results[0])
#define SUMMARY_PASS     0
#define SUMMARY_SKIPPED  2

static const char *const summary_by_names[] = {
	"model", "slot", "error", "day", "station", "operator", "package",
};
#define SUMMARY_NBY (int)(sizeof summary_by_names / sizeof summary_by_names[0])

enum summary_format { SUMMARY_TEXT, SUMMARY_CSV, SUMMARY_JSON };

/* The columns a row needs, by name. */
enum summary_col {
	COL_RESULT, COL_MODEL, COL_SLOT, COL_ERROR_CODE, COL_ERROR_TEXT,
	COL_DURATION, COL_FINISHED, COL_STARTED, COL_STATION, COL_OPERATOR,
	COL_PACKAGE, COL_IMEI, COL_ATTEMPTS, COL_RUN_ID, COL_COUNT
};
static const char *const summary_col_names[COL_COUNT] = {
	"result", "model", "slot", "error_code", "error_text", "duration_s",
	"finished_at", "started_at", "station", "operator", "package", "imei",
	"attempts", "run_id",
};
/* Which column each --by groups on (error and day have fallbacks). */
static const enum summary_col summary_by_cols[] = {
	COL_MODEL, COL_SLOT, COL_ERROR_CODE, COL_FINISHED, COL_STATION,
	COL_OPERATOR, COL_PACKAGE,
};

typedef struct summary_row {
	char  *group;      /* --by value; owned */
	int    result;     /* index in summary_results, -1 unknown */
	char  *code;       /* owned */
	char  *text;       /* owned */
	double duration;   /* < 0: none */
	char  *unit;       /* IMEI, or a key of the row alone; owned */
	char  *started;    /* started_at, ISO 8601 UTC sorts as text; owned */
	int    attempts;   /* station tries in this row (1 when empty) */
	size_t seq;        /* order of arrival, breaks started_at ties */
} summary_row;

typedef struct summary_data {
	summary_row *rows;
	size_t       nrows;
	size_t       cap;
} summary_data;

typedef struct summary_fail {
	const char *code;  /* borrowed from a row */
	const char *text;
	int         count;
} summary_fail;

typedef struct summary_stats {
	int           units;
	int           finished;
	int           results[SUMMARY_NRESULTS];
	summary_fail *fails;
	int           nfails;
	int           nfailrows;
	double       *durations;
	int           ndurations;
	int           imeis;        /* units counted by IMEI              */
	int           first_pass;   /* of them, passed at the first try   */
	int           final_pass;   /* of them, passed at their last row  */
} summary_stats;

static void
summary_usage(FILE *err)
{
	fputs("usage: dfota-station report summary [--by model|slot|error|day|station|"
	    "operator|package]\n"
	    "                                    [--csv|--json] CSV...\n"
	    "\n"
	    "Yield, counts per result, failures per error (most first) and duration\n"
	    "percentiles of session CSVs, overall and per group; also, counted by\n"
	    "IMEI, first-pass yield (units that passed at their first attempt /\n"
	    "units) and final yield (units whose last attempt passed / units).\n"
	    "\n"
	    "  --by KEY     one group per model, slot, error, day, station,\n"
	    "               operator or package\n"
	    "  --csv        as CSV (one row per group)\n"
	    "  --json       as one JSON object\n"
	    "  -h, --help   this text\n"
	    "\n"
	    "Exit status: 0 printed, 2 usage error, or a file that cannot be read\n"
	    "as a session report (the message names it).\n", err);
}

static int
summary_result_index(const char *s)
{
	for (int i = 0; i < SUMMARY_NRESULTS; i++) {
		if (strcmp(s, summary_results[i]) == 0)
			return i;
	}
	return -1;
}

/* The row's --by value, owned by the caller; "(none)" when empty. */
static char *
summary_group_of(const char *const *v, int by)
{
	const char *g;
	size_t      n;

	if (by < 0)
		return strdup("");
	g = v[summary_by_cols[by]];
	if (g[0] == '\0' && summary_by_cols[by] == COL_ERROR_CODE)
		g = v[COL_ERROR_TEXT];
	if (g[0] == '\0' && summary_by_cols[by] == COL_FINISHED)
		g = v[COL_STARTED];
	if (g[0] == '\0')
		return strdup("(none)");
	n = strlen(g);
	/* The day of an ISO 8601 time is its first ten characters. */
	if (summary_by_cols[by] == COL_FINISHED && n > 10)
		n = 10;
	return strndup(g, n);
}

/* One row, its values by column name (names[i] = values[i]; unknown names
 * are ignored, missing columns are empty). The one way rows get in. */
static int
summary_add_fields(summary_data *d, int by, const char *const *names,
    const char *const *values, int n)
{
	const char  *v[COL_COUNT];
	summary_row *row;
	char        *end;
	long         att;

	for (int c = 0; c < COL_COUNT; c++) {
		v[c] = "";
		for (int i = 0; i < n; i++) {
			if (names[i] != NULL && strcmp(names[i], summary_col_names[c]) == 0) {
				v[c] = values[i] != NULL ? values[i] : "";
				break;
			}
		}
	}
	if (d->nrows == d->cap) {
		size_t       ncap = d->cap ? d->cap * 2 : 64;
		summary_row *nr = realloc(d->rows, ncap * sizeof *nr);

		if (nr == NULL)
			return -1;
		d->rows = nr;
		d->cap = ncap;
	}
	row = &d->rows[d->nrows];
	memset(row, 0, sizeof *row);
	row->group = summary_group_of(v, by);
	row->code = strdup(v[COL_ERROR_CODE]);
	row->text = strdup(v[COL_ERROR_TEXT]);
	row->started = strdup(v[COL_STARTED]);
	if (v[COL_IMEI][0] != '\0')
		row->unit = strdup(v[COL_IMEI]);
	else if (asprintf(&row->unit, "\x01row %zu", d->nrows) < 0)
		row->unit = NULL;
	if (row->group == NULL || row->code == NULL || row->text == NULL ||
	    row->started == NULL || row->unit == NULL) {
		free(row->group);
		free(row->code);
		free(row->text);
		free(row->started);
		free(row->unit);
		return -1;
	}
	row->result = summary_result_index(v[COL_RESULT]);
	row->duration = strtod(v[COL_DURATION], &end);
	if (v[COL_DURATION][0] == '\0' || *end != '\0' || row->duration < 0)
		row->duration = -1;
	att = strtol(v[COL_ATTEMPTS], &end, 10);
	row->attempts = v[COL_ATTEMPTS][0] == '\0' || *end != '\0' || att < 1 ? 1 : (int)att;
	row->seq = d->nrows;
	d->nrows++;
	return 0;
}

static void
summary_data_free(summary_data *d)
{
	for (size_t i = 0; i < d->nrows; i++) {
		free(d->rows[i].group);
		free(d->rows[i].code);
		free(d->rows[i].text);
		free(d->rows[i].started);
		free(d->rows[i].unit);
	}
	free(d->rows);
}

/* Reads one file into d. 0, 1 when skipped (a timeline), -1 on error. */
static int
summary_read_file(summary_data *d, const char *path, int by, FILE *err)
{
	csv_reader r;
	FILE      *f;
	char     **header = NULL;       /* the header's names, owned */
	int        nheader = 0, col_result = -1;
	int        rc, status = 0;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(err, "report summary: %s: %s\n", path, strerror(errno));
		return -1;
	}
	csv_reader_init(&r, f);
	rc = csv_read_record(&r);
	if (rc <= 0) {
		if (rc == 0)
			fprintf(err, "report summary: %s: empty file, skipped\n", path);
		else
			fprintf(err, "report summary: %s:%ld: unterminated quoted "
			    "field\n", path, r.line);
		status = rc == 0 ? 1 : -1;
		goto done;
	}

	if ((header = calloc((size_t)r.nfields + 1, sizeof *header)) == NULL) {
		fprintf(err, "report summary: %s: out of memory\n", path);
		status = -1;
		goto done;
	}
	for (int i = 0; i < r.nfields; i++) {
		if ((header[i] = strdup(r.fields[i])) == NULL) {
			fprintf(err, "report summary: %s: out of memory\n", path);
			status = -1;
			goto done;
		}
		if (strcmp(r.fields[i], "result") == 0)
			col_result = i;
	}
	nheader = r.nfields;
	if (col_result < 0) {
		int timeline = 0;

		for (int i = 0; i < r.nfields; i++)
			timeline += strcmp(r.fields[i], "event") == 0 ||
			    strcmp(r.fields[i], "raw") == 0;
		if (timeline == 2) {
			fprintf(err, "report summary: %s: a unit timeline "
			    "(ts,phase,percent,event,raw), not a session report; "
			    "skipped\n", path);
			status = 1;
		} else {
			fprintf(err, "report summary: %s: not a session report "
			    "(no \"result\" column in the header)\n", path);
			status = -1;
		}
		goto done;
	}

	while ((rc = csv_read_record(&r)) == 1) {
		const char *result = col_result < r.nfields ? r.fields[col_result] : "";
		int         n = r.nfields < nheader ? r.nfields : nheader;

		if (r.nfields == 1 && r.fields[0][0] == '\0')
			continue;               /* blank line */
		if (strcmp(result, "result") == 0)
			continue;               /* header of a concatenated file */
		if (summary_add_fields(d, by, (const char *const *)header,
		    (const char *const *)r.fields, n) != 0) {
			fprintf(err, "report summary: %s: out of memory\n", path);
			status = -1;
			goto done;
		}
	}
	if (rc < 0) {
		fprintf(err, "report summary: %s:%ld: unterminated quoted field\n",
		    path, r.line);
		status = -1;
	}
done:
	for (int i = 0; header != NULL && i < nheader; i++)
		free(header[i]);
	free(header);
	csv_reader_free(&r);
	fclose(f);
	return status;
}

static int
summary_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
summary_cmp_fail(const void *a, const void *b)
{
	const summary_fail *x = a, *y = b;
	int                 c;

	if (x->count != y->count)
		return y->count - x->count;
	c = strcmp(x->code, y->code);
	return c != 0 ? c : strcmp(x->text, y->text);
}

static int
summary_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Orders a group's rows unit by unit, each unit's rows by start. */
static int
summary_cmp_unit(const void *a, const void *b)
{
	const summary_row *x = *(const summary_row *const *)a;
	const summary_row *y = *(const summary_row *const *)b;
	int                c = strcmp(x->unit, y->unit);

	if (c == 0)
		c = strcmp(x->started, y->started);
	return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static bool
summary_passed(const summary_row *r)
{
	return r->result == SUMMARY_PASS || r->result == SUMMARY_SKIPPED;
}

/* First-pass and final yield, counted by unit (IMEI), over rows with a
 * known result. */
static int
summary_compute_units(const summary_data *d, const char *group, summary_stats *s)
{
	const summary_row **v = calloc(d->nrows + 1, sizeof *v);
	size_t              n = 0;

	if (v == NULL)
		return -1;
	for (size_t i = 0; i < d->nrows; i++) {
		if ((group == NULL || strcmp(d->rows[i].group, group) == 0) &&
		    d->rows[i].result >= 0)
			v[n++] = &d->rows[i];
	}
	qsort(v, n, sizeof *v, summary_cmp_unit);
	for (size_t i = 0; i < n; ) {
		size_t k = i;

		while (k + 1 < n && strcmp(v[k + 1]->unit, v[i]->unit) == 0)
			k++;
		s->imeis++;
		s->first_pass += summary_passed(v[i]) && v[i]->attempts <= 1;
		s->final_pass += summary_passed(v[k]);
		i = k + 1;
	}
	free(v);
	return 0;
}

static void
summary_stats_free(summary_stats *s)
{
	free(s->fails);
	free(s->durations);
}

/* The figures over the rows of one group (NULL: all rows). */
static int
summary_compute(const summary_data *d, const char *group, summary_stats *s)
{
	memset(s, 0, sizeof *s);
	s->fails = calloc(d->nrows + 1, sizeof *s->fails);
	s->durations = calloc(d->nrows + 1, sizeof *s->durations);
	if (s->fails == NULL || s->durations == NULL) {
		summary_stats_free(s);
		return -1;
	}
	for (size_t i = 0; i < d->nrows; i++) {
		const summary_row *r = &d->rows[i];
		const char        *text;
		int                j;

		if (group != NULL && strcmp(r->group, group) != 0)
			continue;
		s->units++;
		if (r->duration >= 0)
			s->durations[s->ndurations++] = r->duration;
		if (r->result < 0)
			continue;
		s->finished++;
		s->results[r->result]++;
		if (r->result == SUMMARY_PASS || r->result == SUMMARY_SKIPPED)
			continue;

		text = r->code[0] == '\0' && r->text[0] == '\0' ?
		    summary_results[r->result] : r->text;
		for (j = 0; j < s->nfails; j++) {
			if (strcmp(s->fails[j].code, r->code) == 0 &&
			    strcmp(s->fails[j].text, text) == 0)
				break;
		}
		if (j == s->nfails) {
			s->fails[j].code = r->code;
			s->fails[j].text = text;
			s->nfails++;
		}
		s->fails[j].count++;
		s->nfailrows++;
	}
	qsort(s->fails, (size_t)s->nfails, sizeof *s->fails, summary_cmp_fail);
	qsort(s->durations, (size_t)s->ndurations, sizeof *s->durations,
	    summary_cmp_double);
	if (summary_compute_units(d, group, s) != 0) {
		summary_stats_free(s);
		return -1;
	}
	return 0;
}

/* Nearest rank: the value at rank ceil(p/100 * n), 1-based. */
static double
summary_percentile(const summary_stats *s, int p)
{
	long rank = ((long)p * s->ndurations + 99) / 100;

	if (rank < 1)
		rank = 1;
	return s->durations[rank - 1];
}

static double
summary_yield(const summary_stats *s)
{
	return 100.0 * (s->results[SUMMARY_PASS] + s->results[SUMMARY_SKIPPED]) /
	    s->finished;
}

static const int summary_pcts[] = { 50, 90, 99 };

static void
summary_print_text(FILE *out, const char *by, const char *group,
    const summary_stats *s)
{
	int cum = 0, codew = 4;

	if (by != NULL)
		fprintf(out, "== %s %s\n", by, group);
	fprintf(out, "units %d, finished %d, yield ", s->units, s->finished);
	if (s->finished > 0)
		fprintf(out, "%.1f%% (PASS+SKIPPED of finished)\n", summary_yield(s));
	else
		fputs("- (nothing finished)\n", out);
	if (s->imeis > 0)
		fprintf(out, "by IMEI: %d units, first-pass yield %.1f%% (%d passed at their "
		    "first attempt), final yield %.1f%% (%d)\n", s->imeis,
		    100.0 * s->first_pass / s->imeis, s->first_pass,
		    100.0 * s->final_pass / s->imeis, s->final_pass);

	fprintf(out, "\n%-10s %6s %6s\n", "result", "count", "%");
	for (int i = 0; i < SUMMARY_NRESULTS; i++)
		fprintf(out, "%-10s %6d %6.1f\n", summary_results[i], s->results[i],
		    s->finished ? 100.0 * s->results[i] / s->finished : 0.0);

	fprintf(out, "\nfailures, most first: %d\n", s->nfailrows);
	for (int i = 0; i < s->nfails; i++) {
		int w = (int)strlen(s->fails[i].code);

		codew = w > codew ? w : codew;
	}
	if (s->nfails > 0)
		fprintf(out, "%6s %6s  %-*s  %s\n", "count", "cum%", codew, "code",
		    "meaning");
	for (int i = 0; i < s->nfails; i++) {
		cum += s->fails[i].count;
		fprintf(out, "%6d %6.1f  %-*s  %s\n", s->fails[i].count,
		    100.0 * cum / s->nfailrows, codew,
		    s->fails[i].code[0] ? s->fails[i].code : "-", s->fails[i].text);
	}

	fprintf(out, "\nduration_s (nearest rank, n=%d):", s->ndurations);
	for (size_t i = 0; i < sizeof summary_pcts / sizeof summary_pcts[0]; i++) {
		if (s->ndurations > 0)
			fprintf(out, " p%d %.3f", summary_pcts[i],
			    summary_percentile(s, summary_pcts[i]));
		else
			fprintf(out, " p%d -", summary_pcts[i]);
	}
	fputs("\n\n", out);
}

static void
summary_csv_row(FILE *out, const char *by, const char *group,
    const char *figure, const char *key, const char *value, const char *cum,
    const char *meaning)
{
	const char *f[7] = { by, group, figure, key, value, cum, meaning };

	csv_write_row(out, f, 7, true);
}

static void
summary_print_csv(FILE *out, const char *by, const char *group,
    const summary_stats *s)
{
	char v[64], c[32];
	int  cum = 0;

	snprintf(v, sizeof v, "%d", s->units);
	summary_csv_row(out, by, group, "units", "", v, "", "");
	snprintf(v, sizeof v, "%d", s->finished);
	summary_csv_row(out, by, group, "finished", "", v, "", "");
	if (s->finished > 0)
		snprintf(v, sizeof v, "%.1f", summary_yield(s));
	else
		v[0] = '\0';
	summary_csv_row(out, by, group, "yield_pct", "", v, "", "");
	snprintf(v, sizeof v, "%d", s->imeis);
	summary_csv_row(out, by, group, "units_by_imei", "", v, "", "");
	if (s->imeis > 0)
		snprintf(v, sizeof v, "%.1f", 100.0 * s->first_pass / s->imeis);
	else
		v[0] = '\0';
	summary_csv_row(out, by, group, "first_pass_yield_pct", "", v, "", "");
	if (s->imeis > 0)
		snprintf(v, sizeof v, "%.1f", 100.0 * s->final_pass / s->imeis);
	else
		v[0] = '\0';
	summary_csv_row(out, by, group, "final_yield_pct", "", v, "", "");
	for (int i = 0; i < SUMMARY_NRESULTS; i++) {
		snprintf(v, sizeof v, "%d", s->results[i]);
		summary_csv_row(out, by, group, "result", summary_results[i], v,
		    "", "");
	}
	for (int i = 0; i < s->nfails; i++) {
		cum += s->fails[i].count;
		snprintf(v, sizeof v, "%d", s->fails[i].count);
		snprintf(c, sizeof c, "%.1f", 100.0 * cum / s->nfailrows);
		summary_csv_row(out, by, group, "failure", s->fails[i].code, v, c,
		    s->fails[i].text);
	}
	for (size_t i = 0; i < sizeof summary_pcts / sizeof summary_pcts[0]; i++) {
		char fig[32];

		snprintf(fig, sizeof fig, "duration_p%d", summary_pcts[i]);
		if (s->ndurations > 0)
			snprintf(v, sizeof v, "%.3f",
			    summary_percentile(s, summary_pcts[i]));
		else
			v[0] = '\0';
		summary_csv_row(out, by, group, fig, "", v, "", "");
	}
}

static void
summary_print_json(FILE *out, const summary_stats *s)
{
	int cum = 0;

	fprintf(out, "{\"units\":%d,\"finished\":%d,\"yield_pct\":", s->units,
	    s->finished);
	if (s->finished > 0)
		fprintf(out, "%.1f", summary_yield(s));
	else
		fputs("null", out);
	fputs(",\"results\":{", out);
	for (int i = 0; i < SUMMARY_NRESULTS; i++)
		fprintf(out, "%s\"%s\":%d", i ? "," : "", summary_results[i],
		    s->results[i]);
	fputs("},\"failures\":[", out);
	for (int i = 0; i < s->nfails; i++) {
		cum += s->fails[i].count;
		fprintf(out, "%s{\"code\":", i ? "," : "");
		text_json_string(out, s->fails[i].code[0] ? s->fails[i].code : NULL);
		fputs(",\"text\":", out);
		text_json_string(out, s->fails[i].text);
		fprintf(out, ",\"count\":%d,\"cumulative_pct\":%.1f}",
		    s->fails[i].count, 100.0 * cum / s->nfailrows);
	}
	fprintf(out, "],\"duration_s\":{\"method\":\"nearest-rank\",\"n\":%d",
	    s->ndurations);
	for (size_t i = 0; i < sizeof summary_pcts / sizeof summary_pcts[0]; i++) {
		if (s->ndurations > 0)
			fprintf(out, ",\"p%d\":%.3f", summary_pcts[i],
			    summary_percentile(s, summary_pcts[i]));
		else
			fprintf(out, ",\"p%d\":null", summary_pcts[i]);
	}
	fprintf(out, "},\"units_by_imei\":%d", s->imeis);
	if (s->imeis > 0)
		fprintf(out, ",\"first_pass_yield_pct\":%.1f,\"final_yield_pct\":%.1f}",
		    100.0 * s->first_pass / s->imeis, 100.0 * s->final_pass / s->imeis);
	else
		fputs(",\"first_pass_yield_pct\":null,\"final_yield_pct\":null}", out);
}

static void
summary_print(FILE *out, enum summary_format fmt, const char *by,
    const char *group, const summary_stats *s, int first)
{
	switch (fmt) {
	case SUMMARY_TEXT:
		summary_print_text(out, by, group, s);
		break;
	case SUMMARY_CSV:
		summary_print_csv(out, by != NULL ? by : "all", group, s);
		break;
	case SUMMARY_JSON:
		if (by == NULL)
			fputs("{\"all\":", out);
		else {
			if (first)
				fprintf(out, ",\"by\":\"%s\",\"groups\":[", by);
			else
				fputc(',', out);
			fputs("{\"group\":", out);
			text_json_string(out, group);
			fputs(",\"figures\":", out);
		}
		summary_print_json(out, s);
		if (by != NULL)
			fputc('}', out);
		break;
	}
}

/* The distinct groups, sorted; the strings are borrowed from the rows. */
static char **
summary_groups(const summary_data *d, size_t *n)
{
	char **g = calloc(d->nrows + 1, sizeof *g);
	size_t k = 0;

	if (g == NULL)
		return NULL;
	for (size_t i = 0; i < d->nrows; i++)
		g[k++] = d->rows[i].group;
	qsort(g, k, sizeof *g, summary_cmp_str);
	*n = 0;
	for (size_t i = 0; i < k; i++) {
		if (*n == 0 || strcmp(g[*n - 1], g[i]) != 0)
			g[(*n)++] = g[i];
	}
	return g;
}

static int
summary_report(const summary_data *d, int by, enum summary_format fmt,
    FILE *out)
{
	summary_stats s;
	char        **groups = NULL;
	size_t        ngroups = 0;

	if (fmt == SUMMARY_CSV)
		fputs("by,group,figure,key,value,cumulative_pct,meaning\r\n", out);
	if (summary_compute(d, NULL, &s) != 0)
		return -1;
	summary_print(out, fmt, NULL, "", &s, 1);
	summary_stats_free(&s);

	if (by >= 0) {
		groups = summary_groups(d, &ngroups);
		if (groups == NULL)
			return -1;
		if (fmt == SUMMARY_JSON && ngroups == 0)
			fprintf(out, ",\"by\":\"%s\",\"groups\":[", summary_by_names[by]);
		for (size_t i = 0; i < ngroups; i++) {
			if (summary_compute(d, groups[i], &s) != 0) {
				free(groups);
				return -1;
			}
			summary_print(out, fmt, summary_by_names[by], groups[i], &s,
			    i == 0);
			summary_stats_free(&s);
		}
		free(groups);
		if (fmt == SUMMARY_JSON)
			fputc(']', out);
	}
	if (fmt == SUMMARY_JSON)
		fputs("}\n", out);
	return fflush(out) == 0 ? 0 : -1;
}

int
report_summary_run(int argc, char **argv, FILE *out, FILE *err)
{
	enum summary_format fmt = SUMMARY_TEXT;
	summary_data        d = { NULL, 0, 0 };
	int                 by = -1, i, nfiles = 0, rc = 0;

	static const struct option opts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "csv", no_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	/* getopt_long (docs/cli.md); its messages would go to stderr, not err. */
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			fmt = SUMMARY_CSV;
			break;
		case 'J':
			fmt = SUMMARY_JSON;
			break;
		case 'h':
			summary_usage(out);
			return 0;
		case 'b':
			for (by = 0; by < SUMMARY_NBY; by++) {
				if (strcmp(optarg, summary_by_names[by]) == 0)
					break;
			}
			if (by == SUMMARY_NBY) {
				fprintf(err, "report summary: --by %s: must be model, "
				    "slot, error, day, station, operator or package\n", optarg);
				return 2;
			}
			break;
		case ':':
			fprintf(err, "report summary: %s needs a value\n", argv[optind - 1]);
			summary_usage(err);
			return 2;
		default:
			fprintf(err, "report summary: unknown option %s\n", argv[optind - 1]);
			summary_usage(err);
			return 2;
		}
	}
	i = optind;
	if (i >= argc) {
		fputs("report summary: no CSV file given\n", err);
		summary_usage(err);
		return 2;
	}

	for (; i < argc && rc == 0; i++) {
		int r = summary_read_file(&d, argv[i], by, err);

		if (r < 0)
			rc = 2;
		else if (r == 0)
			nfiles++;
	}
	if (rc == 0 && nfiles == 0) {
		fputs("report summary: no session report among the files\n", err);
		rc = 2;
	}
	if (rc == 0 && summary_report(&d, by, fmt, out) != 0) {
		fprintf(err, "report summary: %s\n", strerror(errno));
		rc = 2;
	}
	summary_data_free(&d);
	return rc;
}

int
report_summary_main(int argc, char **argv)
{
	return report_summary_run(argc, argv, stdout, stderr);
}
