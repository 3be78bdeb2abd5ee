/*
 * test_summary: `report summary` over the fixtures in tests/data/summary,
 * whose figures are worked out by hand in tests/data/summary/README:
 * yield, counts, Pareto order with cumulative %, nearest-rank percentiles,
 * per group; the three output formats; skipped timelines; exit 2 cases.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/csv.h"
#include "reports/report.h"
#include "reports/summary.h"
#include "tests/harness/harness.h"

static char day1[1024], day2[1024], timeline[1024], unterminated[1024];

static void
fixtures(void)
{
	const char *d = getenv("DFOTA_TESTDATA");

	if (d == NULL)
		d = "tests/data";
	snprintf(day1, sizeof day1, "%s/summary/line3-A-2026-11-21.csv", d);
	snprintf(day2, sizeof day2, "%s/summary/line3-A-2026-11-22.csv", d);
	snprintf(timeline, sizeof timeline, "%s/summary/timeline.csv", d);
	snprintf(unterminated, sizeof unterminated, "%s/summary/unterminated.csv", d);
}

/* Runs the command; out and err text are returned, owned by the caller. */
static int
run(char **out, char **err, int argc, const char **argv)
{
	FILE *o = tmpfile(), *e = tmpfile();
	int   rc = report_summary_run(argc, (char **)argv, o, e);

	*out = harness_read_stream(o, NULL);
	*err = harness_read_stream(e, NULL);
	fclose(o);
	fclose(e);
	return rc;
}

/* Looks up one figure of the --csv output by (by, group, figure, key). */
static int
figure_find(const char *csvtext, const char *by, const char *group,
    const char *figure, const char *key, int field, char *buf, size_t len)
{
	FILE      *f = tmpfile();
	csv_reader r;
	int        found = 0;

	fputs(csvtext, f);
	rewind(f);
	csv_reader_init(&r, f);
	ck_assert_int_eq(csv_read_record(&r), 1);
	ck_assert_str_eq(r.fields[0], "by");
	ck_assert_str_eq(r.fields[6], "meaning");
	while (csv_read_record(&r) == 1) {
		ck_assert_int_eq(r.nfields, 7);
		if (strcmp(r.fields[0], by) == 0 && strcmp(r.fields[1], group) == 0 &&
		    strcmp(r.fields[2], figure) == 0 && strcmp(r.fields[3], key) == 0) {
			snprintf(buf, len, "%s", r.fields[field]);
			found = 1;
			break;
		}
	}
	csv_reader_free(&r);
	fclose(f);
	return found;
}

static void
assert_figure(const char *csvtext, const char *by, const char *group,
    const char *figure, const char *key, const char *want)
{
	char got[256];

	ck_assert_msg(figure_find(csvtext, by, group, figure, key, 4, got, sizeof got),
	    "no figure %s/%s/%s/%s", by, group, figure, key);
	ck_assert_msg(strcmp(got, want) == 0, "%s/%s/%s/%s: got %s, want %s",
	    by, group, figure, key, got, want);
}

START_TEST(test_overall_figures_csv)
{
	const char *argv[] = { "summary", "--csv", day1, day2 };
	char       *out, *err;

	fixtures();
	ck_assert_int_eq(run(&out, &err, 4, argv), 0);
	ck_assert_str_eq(err, "");
	assert_figure(out, "all", "", "units", "", "12");
	assert_figure(out, "all", "", "finished", "", "12");
	assert_figure(out, "all", "", "yield_pct", "", "50.0");
	assert_figure(out, "all", "", "result", "PASS", "5");
	assert_figure(out, "all", "", "result", "FAIL", "4");
	assert_figure(out, "all", "", "result", "SKIPPED", "1");
	assert_figure(out, "all", "", "result", "NO_PACKAGE", "1");
	assert_figure(out, "all", "", "result", "ABORTED", "1");
	assert_figure(out, "all", "", "duration_p50", "", "60.000");
	assert_figure(out, "all", "", "duration_p90", "", "200.000");
	assert_figure(out, "all", "", "duration_p99", "", "300.000");
	free(out);
	free(err);
}
END_TEST

START_TEST(test_pareto_order)
{
	const char *argv[] = { "summary", "--csv", day1, day2 };
	/* count desc; ties by code then meaning */
	static const char *want[][4] = {
		{ "510", "2", "33.3", "firmware mismatch" },
		{ "",    "1", "50.0", "NO_PACKAGE" },
		{ "",    "1", "66.7", "port did not come back within 180 s" },
		{ "",    "1", "83.3", "station stopped" },
		{ "701", "1", "100.0", "package invalid, \"bad\" checksum" },
	};
	char      *out, *err;
	FILE      *f;
	csv_reader r;
	int        n = 0;

	fixtures();
	ck_assert_int_eq(run(&out, &err, 4, argv), 0);
	f = tmpfile();
	fputs(out, f);
	rewind(f);
	csv_reader_init(&r, f);
	while (csv_read_record(&r) == 1) {
		if (strcmp(r.fields[0], "all") != 0 || strcmp(r.fields[2], "failure") != 0)
			continue;
		ck_assert_int_lt(n, 5);
		ck_assert_str_eq(r.fields[3], want[n][0]);
		ck_assert_str_eq(r.fields[4], want[n][1]);
		ck_assert_str_eq(r.fields[5], want[n][2]);
		ck_assert_str_eq(r.fields[6], want[n][3]);
		n++;
	}
	ck_assert_int_eq(n, 5);
	csv_reader_free(&r);
	fclose(f);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_by_model)
{
	const char *argv[] = { "summary", "--by", "model", "--csv", day1, day2 };
	char       *out, *err;

	fixtures();
	ck_assert_int_eq(run(&out, &err, 6, argv), 0);
	assert_figure(out, "all", "", "units", "", "12");
	assert_figure(out, "model", "BG96", "units", "", "7");
	assert_figure(out, "model", "BG96", "yield_pct", "", "57.1");
	assert_figure(out, "model", "BG96", "result", "FAIL", "2");
	assert_figure(out, "model", "BG96", "duration_p50", "", "50.000");
	assert_figure(out, "model", "BG96", "duration_p90", "", "120.000");
	assert_figure(out, "model", "EC25", "units", "", "5");
	assert_figure(out, "model", "EC25", "yield_pct", "", "40.0");
	assert_figure(out, "model", "EC25", "result", "ABORTED", "1");
	assert_figure(out, "model", "EC25", "duration_p50", "", "150.000");
	assert_figure(out, "model", "EC25", "duration_p99", "", "300.000");
	assert_figure(out, "model", "EC25", "failure", "510", "1");
	free(out);
	free(err);
}
END_TEST

START_TEST(test_by_day_slot_error)
{
	const char *a1[] = { "summary", "--by=day", "--csv", day1, day2 };
	const char *a2[] = { "summary", "--by", "slot", "--csv", day1, day2 };
	const char *a3[] = { "summary", "--by", "error", "--csv", day1, day2 };
	char       *out, *err;

	fixtures();
	ck_assert_int_eq(run(&out, &err, 5, a1), 0);
	assert_figure(out, "day", "2026-11-21", "units", "", "7");
	assert_figure(out, "day", "2026-11-22", "units", "", "5");
	assert_figure(out, "day", "2026-11-22", "yield_pct", "", "40.0");
	free(out);
	free(err);

	ck_assert_int_eq(run(&out, &err, 6, a2), 0);
	assert_figure(out, "slot", "A1", "units", "", "5");
	assert_figure(out, "slot", "A2", "units", "", "4");
	assert_figure(out, "slot", "A3", "units", "", "3");
	free(out);
	free(err);

	ck_assert_int_eq(run(&out, &err, 6, a3), 0);
	assert_figure(out, "error", "510", "units", "", "2");
	assert_figure(out, "error", "(none)", "units", "", "7");
	assert_figure(out, "error", "station stopped", "result", "ABORTED", "1");
	free(out);
	free(err);
}
END_TEST

START_TEST(test_text_output)
{
	const char *argv[] = { "summary", "--by", "model", day1, day2 };
	char       *out, *err;

	fixtures();
	ck_assert_int_eq(run(&out, &err, 5, argv), 0);
	ck_assert_ptr_nonnull(strstr(out, "units 12, finished 12, yield 50.0%"));
	ck_assert_ptr_nonnull(strstr(out, "PASS            5   41.7"));
	ck_assert_ptr_nonnull(strstr(out, "     2   33.3  510   firmware mismatch"));
	ck_assert_ptr_nonnull(strstr(out,
	    "duration_s (nearest rank, n=12): p50 60.000 p90 200.000 p99 300.000"));
	ck_assert_ptr_nonnull(strstr(out, "== model BG96"));
	ck_assert_ptr_nonnull(strstr(out, "== model EC25"));
	free(out);
	free(err);
}
END_TEST

START_TEST(test_json_output)
{
	const char *argv[] = { "summary", "--json", "--by", "model", day1, day2 };
	char       *out, *err;

	fixtures();
	ck_assert_int_eq(run(&out, &err, 6, argv), 0);
	ck_assert_ptr_nonnull(strstr(out, "{\"all\":{\"units\":12,\"finished\":12,"
	    "\"yield_pct\":50.0,\"results\":{\"PASS\":5,\"FAIL\":4,\"SKIPPED\":1,"
	    "\"NO_PACKAGE\":1,\"ABORTED\":1},\"failures\":[{\"code\":\"510\","
	    "\"text\":\"firmware mismatch\",\"count\":2,\"cumulative_pct\":33.3},"
	    "{\"code\":null,\"text\":\"NO_PACKAGE\""));
	ck_assert_ptr_nonnull(strstr(out, "\"text\":\"package invalid, \\\"bad\\\" "
	    "checksum\",\"count\":1,\"cumulative_pct\":100.0}]"));
	ck_assert_ptr_nonnull(strstr(out, "\"duration_s\":{\"method\":\"nearest-rank\","
	    "\"n\":12,\"p50\":60.000,\"p90\":200.000,\"p99\":300.000}"));
	ck_assert_ptr_nonnull(strstr(out, ",\"by\":\"model\",\"groups\":[{\"group\":"
	    "\"BG96\",\"figures\":{\"units\":7,"));
	ck_assert_ptr_nonnull(strstr(out, "{\"group\":\"EC25\",\"figures\":{\"units\":5,"));
	ck_assert_str_eq(out + strlen(out) - 4, "}]}\n");
	free(out);
	free(err);
}
END_TEST

START_TEST(test_timeline_skipped_with_message)
{
	const char *argv[] = { "summary", "--csv", timeline, day2 };
	char       *out, *err;

	fixtures();
	ck_assert_int_eq(run(&out, &err, 4, argv), 0);
	ck_assert_ptr_nonnull(strstr(err, timeline));
	ck_assert_ptr_nonnull(strstr(err, "unit timeline"));
	ck_assert_ptr_nonnull(strstr(err, "skipped"));
	assert_figure(out, "all", "", "units", "", "5");
	free(out);
	free(err);
}
END_TEST

START_TEST(test_exit_2_cases)
{
	const char *missing[] = { "summary", "/nonexistent/x.csv" };
	const char *badby[] = { "summary", "--by", "colour", day1 };
	const char *badopt[] = { "summary", "--frobnicate", day1 };
	const char *nofile[] = { "summary", "--csv" };
	const char *unterm[] = { "summary", day1, unterminated };
	const char *onlytl[] = { "summary", timeline };
	char       *out, *err;

	fixtures();
	ck_assert_int_eq(run(&out, &err, 2, missing), 2);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.csv: No such file"));
	free(out);
	free(err);

	ck_assert_int_eq(run(&out, &err, 4, badby), 2);
	ck_assert_ptr_nonnull(strstr(err, "--by colour"));
	free(out);
	free(err);

	ck_assert_int_eq(run(&out, &err, 3, badopt), 2);
	ck_assert_ptr_nonnull(strstr(err, "--frobnicate"));
	ck_assert_ptr_nonnull(strstr(err, "usage:"));
	free(out);
	free(err);

	ck_assert_int_eq(run(&out, &err, 2, nofile), 2);
	ck_assert_ptr_nonnull(strstr(err, "usage:"));
	free(out);
	free(err);

	ck_assert_int_eq(run(&out, &err, 3, unterm), 2);
	ck_assert_ptr_nonnull(strstr(err, "unterminated.csv:2: unterminated"));
	ck_assert_str_eq(out, "");
	free(out);
	free(err);

	ck_assert_int_eq(run(&out, &err, 2, onlytl), 2);
	ck_assert_ptr_nonnull(strstr(err, "no session report"));
	free(out);
	free(err);
}
END_TEST

START_TEST(test_reads_what_the_writer_writes)
{
	char           dir[1024], err[256], path[1200];
	const char    *argv[] = { "summary", "--csv", path };
	report_writer *w;
	unit_record    u;
	bus_event      ev;
	char          *out, *errtext;

	ck_assert(harness_fresh_dir("summary", dir, sizeof dir));
	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	unit_record_init(&u);
	snprintf(u.model, sizeof u.model, "BG96");
	snprintf(u.imei, sizeof u.imei, "861234567890123");
	u.result = RESULT_FAIL;
	u.error_code = 510;
	snprintf(u.error_text, sizeof u.error_text, "=not a formula");
	u.started_ms = 1795255200000;          /* 2026-11-21T10:00:00Z */
	u.finished_ms = u.started_ms + 42500;
	memset(&ev, 0, sizeof ev);
	ev.kind = BUS_UNIT_END;
	ev.ts_ms = u.finished_ms;
	ev.slot = 0;
	ev.unit = &u;
	report_on_event(w, &ev);
	report_close(w);

	snprintf(path, sizeof path, "%s/line3-A-2026-11-21.csv", dir);
	ck_assert_int_eq(run(&out, &errtext, 3, argv), 0);
	assert_figure(out, "all", "", "units", "", "1");
	assert_figure(out, "all", "", "result", "FAIL", "1");
	assert_figure(out, "all", "", "yield_pct", "", "0.0");
	assert_figure(out, "all", "", "failure", "510", "1");
	assert_figure(out, "all", "", "duration_p50", "", "42.500");
	free(out);
	free(errtext);
}
END_TEST

/* Two stations' files: both groups, with yields counted by IMEI. */
START_TEST(test_by_station_first_pass_yield)
{
	char        a[1100], b[1100], v[64], *out, *err;
	const char *d = getenv("DFOTA_TESTDATA") ? getenv("DFOTA_TESTDATA") : "tests/data";
	const char *argv[] = { "summary", "--by", "station", "--csv", a, b };
	const char *targv[] = { "summary", "--by", "station", a, b };

	snprintf(a, sizeof a, "%s/summary/stations/line3-A-2026-11-23.csv", d);
	snprintf(b, sizeof b, "%s/summary/stations/line3-B-2026-11-23.csv", d);
	ck_assert_int_eq(run(&out, &err, 6, argv), 0);
	ck_assert(figure_find(out, "all", "", "units_by_imei", "", 4, v, sizeof v));
	ck_assert_str_eq(v, "7");
	ck_assert(figure_find(out, "all", "", "first_pass_yield_pct", "", 4, v, sizeof v));
	ck_assert_str_eq(v, "42.9");
	ck_assert(figure_find(out, "all", "", "final_yield_pct", "", 4, v, sizeof v));
	ck_assert_str_eq(v, "85.7");
	ck_assert(figure_find(out, "station", "line3-A", "first_pass_yield_pct", "", 4, v, sizeof v));
	ck_assert_str_eq(v, "33.3");
	ck_assert(figure_find(out, "station", "line3-A", "final_yield_pct", "", 4, v, sizeof v));
	ck_assert_str_eq(v, "100.0");
	ck_assert(figure_find(out, "station", "line3-A", "yield_pct", "", 4, v, sizeof v));
	ck_assert_str_eq(v, "75.0");
	ck_assert(figure_find(out, "station", "line3-B", "units_by_imei", "", 4, v, sizeof v));
	ck_assert_str_eq(v, "4");
	ck_assert(figure_find(out, "station", "line3-B", "first_pass_yield_pct", "", 4, v, sizeof v));
	ck_assert_str_eq(v, "50.0");
	ck_assert(figure_find(out, "station", "line3-B", "final_yield_pct", "", 4, v, sizeof v));
	ck_assert_str_eq(v, "75.0");
	free(out);
	free(err);

	ck_assert_int_eq(run(&out, &err, 5, targv), 0);
	ck_assert_ptr_nonnull(strstr(out, "== station line3-A\nunits 4, finished 4, yield 75.0%"));
	ck_assert_ptr_nonnull(strstr(out, "by IMEI: 3 units, first-pass yield 33.3% (1 passed at "
	    "their first attempt), final yield 100.0% (3)"));
	ck_assert_ptr_nonnull(strstr(out, "== station line3-B\n"));
	free(out);
	free(err);

	argv[2] = "operator";
	ck_assert_int_eq(run(&out, &err, 6, argv), 0);
	ck_assert(figure_find(out, "operator", "bob", "first_pass_yield_pct", "", 4, v, sizeof v));
	ck_assert_str_eq(v, "50.0");
	free(out);
	free(err);
	argv[2] = "package";
	ck_assert_int_eq(run(&out, &err, 6, argv), 0);
	ck_assert(figure_find(out, "package", "(none)", "units_by_imei", "", 4, v, sizeof v));
	ck_assert_str_eq(v, "1");
	ck_assert(figure_find(out, "package", "pb.zip", "units_by_imei", "", 4, v, sizeof v));
	ck_assert_str_eq(v, "3");
	free(out);
	free(err);
}
END_TEST

static Suite *
summary_suite(void)
{
	Suite *s = suite_create("summary");
	TCase *tc = tcase_create("summary");

	tcase_add_test(tc, test_overall_figures_csv);
	tcase_add_test(tc, test_pareto_order);
	tcase_add_test(tc, test_by_model);
	tcase_add_test(tc, test_by_day_slot_error);
	tcase_add_test(tc, test_text_output);
	tcase_add_test(tc, test_json_output);
	tcase_add_test(tc, test_timeline_skipped_with_message);
	tcase_add_test(tc, test_exit_2_cases);
	tcase_add_test(tc, test_reads_what_the_writer_writes);
	tcase_add_test(tc, test_by_station_first_pass_yield);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run_suite(summary_suite(), CK_NORMAL);
}
