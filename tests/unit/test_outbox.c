/*
 * test_outbox: the central store's parts that need no server. The outbox
 * read over session files that the real report writer made: batches in
 * file order up to the head, the cursor (<csv>.sent) after a commit, a new
 * process (a new outbox) resuming after it, a cursor that is not the
 * file's (everything goes again), a file of another station ignored; and
 * the values as the database takes them (numbers, times, the formula
 * guard, NULL for empty numbers), and the live slot table's coalescing.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "central/central_outbox.h"
#include "central/central_slots.h"
#include "central/central_store.h"
#include "reports/report.h"
#include "tests/harness/harness.h"

static void
unit_end(report_writer *w, int i, int64_t t)
{
	unit_record u;
	bus_event   ev;

	unit_record_init(&u);
	snprintf(u.run_id, sizeof u.run_id, "run-1");
	snprintf(u.station, sizeof u.station, "st1");
	snprintf(u.slot, sizeof u.slot, "S%d", i % 4 + 1);
	snprintf(u.model, sizeof u.model, "BG96");
	snprintf(u.imei, sizeof u.imei, "8600000000000%02d", i);
	snprintf(u.error_text, sizeof u.error_text, "%s", i % 2 ? "-odd, \"quoted\"" : "");
	u.error_phase = PHASE_UPDATING;
	u.error_code = i % 2 ? 510 : -1;
	u.result = i % 2 ? RESULT_FAIL : RESULT_PASS;
	u.attempts = 1;
	u.started_ms = t - 61234;
	u.finished_ms = t;
	memset(&ev, 0, sizeof ev);
	ev.kind = BUS_UNIT_END;
	ev.ts_ms = t;
	ev.slot = i % 4;
	snprintf(ev.slot_label, sizeof ev.slot_label, "%s", u.slot);
	ev.error_code = -1;
	ev.unit = &u;
	report_on_event(w, &ev);
}

static char *
reports_with(int rows)
{
	char           d[1024], err[256];
	report_writer *w;
	int64_t        t0 = 1764669600000LL;    /* 2025-12-02T10:00:00Z */

	ck_assert(harness_fresh_dir("central", d, sizeof d - 16));
	strcat(d, "/reports");
	ck_assert_int_eq(report_open(&w, d, "st1", err, sizeof err), 0);
	for (int i = 0; i < rows; i++)
		unit_end(w, i, t0 + i * 1000);
	report_close(w);
	return strdup(d);
}

static const char *
batch_value(const central_batch *b, size_t row, const char *name)
{
	for (int k = 0; k < b->ncols; k++)
		if (strcmp(central_unit_columns[b->cols[k]].name, name) == 0)
			return b->values[row * (size_t)b->ncols + (size_t)k];
	return "(no column)";
}

START_TEST(test_outbox_batches_and_cursor)
{
	char                *dir = reports_with(7);
	central_outbox      *ob = central_outbox_new(dir, "st1");
	const central_batch *b;
	char                 err[512], path[1200];
	size_t               waiting;

	ck_assert_int_eq(central_outbox_scan(ob, &waiting), 0);
	ck_assert_uint_eq(waiting, 7);
	ck_assert_int_eq(central_outbox_next(ob, 5, &b, err, sizeof err), 1);
	ck_assert_uint_eq(b->nrows, 5);
	ck_assert_str_eq(batch_value(b, 0, "imei"), "860000000000000");
	ck_assert_ptr_null(batch_value(b, 0, "error_code"));          /* empty: NULL */
	ck_assert_str_eq(batch_value(b, 1, "error_code"), "510");
	ck_assert_str_eq(batch_value(b, 1, "error_text"), "-odd, \"quoted\""); /* guard off */
	ck_assert_str_eq(batch_value(b, 0, "duration_s"), "61.234");
	ck_assert_str_eq(batch_value(b, 0, "finished_at"), "2025-12-02T10:00:00.000Z");
	ck_assert_str_eq(batch_value(b, 0, "station"), "st1");
	ck_assert_str_eq(batch_value(b, 0, "checks"), "");   /* the CSV's column, by name */
	ck_assert_uint_eq(strlen(batch_value(b, 4, "row_sha256")), 64);
	/* Not committed: the same batch again. */
	ck_assert_int_eq(central_outbox_next(ob, 5, &b, err, sizeof err), 1);
	ck_assert_str_eq(batch_value(b, 0, "imei"), "860000000000000");
	ck_assert_int_eq(central_outbox_commit(ob), 0);
	ck_assert_int_eq(central_outbox_scan(ob, &waiting), 0);
	ck_assert_uint_eq(waiting, 2);
	central_outbox_free(ob);

	/* Another process: it resumes after the cursor. */
	ob = central_outbox_new(dir, "st1");
	ck_assert_int_eq(central_outbox_scan(ob, &waiting), 0);
	ck_assert_uint_eq(waiting, 2);
	ck_assert_int_eq(central_outbox_next(ob, 100, &b, err, sizeof err), 1);
	ck_assert_uint_eq(b->nrows, 2);
	ck_assert_str_eq(batch_value(b, 0, "imei"), "860000000000005");
	ck_assert_int_eq(central_outbox_commit(ob), 0);
	ck_assert_int_eq(central_outbox_scan(ob, &waiting), 0);
	ck_assert_uint_eq(waiting, 0);
	ck_assert_int_eq(central_outbox_next(ob, 100, &b, err, sizeof err), 0);
	central_outbox_free(ob);

	/* A cursor that is not this file's: the whole file goes again. */
	snprintf(path, sizeof path, "%s/st1-2025-12-02.csv.sent", dir);
	harness_write_file(path, "0123456789012345678901234567890123456789012345678901234567890123 3\n");
	ob = central_outbox_new(dir, "st1");
	ck_assert_int_eq(central_outbox_scan(ob, &waiting), 0);
	ck_assert_uint_eq(waiting, 4);      /* as the cursor says, until read */
	ck_assert_int_eq(central_outbox_next(ob, 100, &b, err, sizeof err), 1);
	ck_assert_uint_eq(b->nrows, 7);
	central_outbox_free(ob);
	free(dir);
}
END_TEST

START_TEST(test_outbox_other_files)
{
	char                *dir = reports_with(2);
	central_outbox      *ob = central_outbox_new(dir, "st2");
	const central_batch *b;
	char                 err[512];
	size_t               waiting;

	/* Another station's files in the same folder are not ours to send. */
	ck_assert_int_eq(central_outbox_scan(ob, &waiting), 0);
	ck_assert_uint_eq(waiting, 0);
	ck_assert_int_eq(central_outbox_next(ob, 100, &b, err, sizeof err), 0);
	central_outbox_free(ob);
	free(dir);
}
END_TEST

START_TEST(test_values)
{
	int   oom;
	char *v;

	ck_assert_ptr_null(central_value(CENTRAL_INT, "", &oom));
	ck_assert_ptr_null(central_value(CENTRAL_INT, "5x", &oom));
	ck_assert_ptr_null(central_value(CENTRAL_NUMERIC, "1.", &oom));
	ck_assert_ptr_null(central_value(CENTRAL_TIME, "2026-02-30T10:00:00.000Z", &oom));
	ck_assert_ptr_null(central_value(CENTRAL_TIME, "2026-02-03 10:00:00", &oom));
	v = central_value(CENTRAL_TIME, "2026-02-03T10:00:00.123Z", &oom);
	ck_assert_str_eq(v, "2026-02-03T10:00:00.123Z");
	free(v);
	v = central_value(CENTRAL_NUMERIC, "-12.500", &oom);
	ck_assert_str_eq(v, "-12.500");
	free(v);
	v = central_value(CENTRAL_TEXT, "'=SUM(A1)", &oom);
	ck_assert_str_eq(v, "=SUM(A1)");
	free(v);
	v = central_value(CENTRAL_TEXT, "a\xff" "b", &oom);
	ck_assert_str_eq(v, "a?b");
	free(v);
	v = central_value(CENTRAL_TEXT, "", &oom);
	ck_assert_str_eq(v, "");
	free(v);
	ck_assert_int_eq(central_unit_column("checks"), central_nunit_columns - 2);
	ck_assert_int_eq(central_unit_column("nope"), -1);
}
END_TEST

START_TEST(test_slots_coalesce)
{
	central_slots s;
	bus_event     ev;
	unit_record   u;
	char        **v;
	size_t        n;

	central_slots_init(&s);
	memset(&ev, 0, sizeof ev);
	ev.kind = BUS_STATE;
	ev.error_code = -1;
	snprintf(ev.slot_label, sizeof ev.slot_label, "A1");
	for (int p = 0; p <= 100; p += 10) {
		ev.phase = PHASE_UPDATING;
		ev.percent = p;
		ev.ts_ms = 1000 + p;
		ck_assert(central_slots_apply(&s, &ev));
	}
	ev.kind = BUS_TX;
	ck_assert(!central_slots_apply(&s, &ev));
	ck_assert_int_eq(central_slots_take(&s, "st1", &v, &n), 0);
	ck_assert_uint_eq(n, 1);                 /* eleven changes, one row */
	ck_assert_str_eq(v[1], "A1");
	ck_assert_str_eq(v[4], "UPDATING");
	ck_assert_str_eq(v[5], "100");
	ck_assert_ptr_null(v[6]);                /* no result yet */
	central_slots_values_free(v, n);
	ck_assert(!central_slots_dirty(&s));

	unit_record_init(&u);
	snprintf(u.imei, sizeof u.imei, "861");
	u.result = RESULT_FAIL;
	u.error_code = 510;
	snprintf(u.error_text, sizeof u.error_text, "FOTA failed");
	ev.kind = BUS_UNIT_END;
	ev.unit = &u;
	ck_assert(central_slots_apply(&s, &ev));
	ck_assert_int_eq(central_slots_take(&s, "st1", &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[4], "DONE");
	ck_assert_str_eq(v[6], "FAIL");
	ck_assert_str_eq(v[7], "510");
	ck_assert_str_eq(v[8], "FOTA failed");
	central_slots_values_free(v, n);
	central_slots_free(&s);
}
END_TEST

static Suite *
central_suite(void)
{
	Suite *s = suite_create("central");
	TCase *tc = tcase_create("offline");

	tcase_add_test(tc, test_outbox_batches_and_cursor);
	tcase_add_test(tc, test_outbox_other_files);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_slots_coalesce);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(central_suite());
	int      failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
