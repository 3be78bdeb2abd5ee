/*
 * test_journal: the journal of units in flight. Records written, the file
 * closed and read back as a restarted station would: round trip of every
 * BEGIN field, last phase and percent, the 10% throttle, a torn last line
 * (power cut) and a damaged line, compaction, eight threads writing at
 * once, hostile bytes in every value, the lock against a second station,
 * and the report writer ending units only once their row is on disk.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/report.h"
#include "station/journal.h"
#include "tests/harness/harness.h"

static char *
make_dir(void)
{
	char d[1024];

	ck_assert(harness_fresh_dir("journal", d, sizeof d - 16));
	return strdup(strcat(d, "/reports"));
}

static journal *
jopen(const char *dir)
{
	journal *j;
	char     err[512];

	ck_assert_msg(journal_open(&j, dir, "line3-A", err, sizeof err) == 0,
	    "%s", err);
	return j;
}

static void
unit_fill(unit_record *u, const char *slot, const char *imei)
{
	unit_record_init(u);
	snprintf(u->run_id, sizeof u->run_id, "run-%s-%s", slot, imei);
	snprintf(u->station, sizeof u->station, "line3-A");
	snprintf(u->operator_name, sizeof u->operator_name, "ana");
	snprintf(u->slot, sizeof u->slot, "%s", slot);
	snprintf(u->usb_path, sizeof u->usb_path, "1-1.2");
	snprintf(u->port, sizeof u->port, "/dev/ttyUSB2");
	snprintf(u->model, sizeof u->model, "BG96");
	snprintf(u->imei, sizeof u->imei, "%s", imei);
	snprintf(u->iccid, sizeof u->iccid, "8944500000000000001");
	snprintf(u->fw_before, sizeof u->fw_before, "BG96MAR02A07M1G");
	snprintf(u->fw_target, sizeof u->fw_target, "BG96MAR02A09M1G");
	snprintf(u->package, sizeof u->package, "a07-a08.zip > a08-a09.zip");
	snprintf(u->package_sha256, sizeof u->package_sha256, "%064d > %064d", 1, 2);
	u->delivery = DELIVERY_URL;
	u->started_ms = 1795000000123LL;
}

static void
assert_same_begin(const unit_record *a, const unit_record *b)
{
	ck_assert_str_eq(a->run_id, b->run_id);
	ck_assert_str_eq(a->station, b->station);
	ck_assert_str_eq(a->operator_name, b->operator_name);
	ck_assert_str_eq(a->slot, b->slot);
	ck_assert_str_eq(a->usb_path, b->usb_path);
	ck_assert_str_eq(a->port, b->port);
	ck_assert_str_eq(a->model, b->model);
	ck_assert_str_eq(a->imei, b->imei);
	ck_assert_str_eq(a->iccid, b->iccid);
	ck_assert_str_eq(a->fw_before, b->fw_before);
	ck_assert_str_eq(a->fw_target, b->fw_target);
	ck_assert_str_eq(a->package, b->package);
	ck_assert_str_eq(a->package_sha256, b->package_sha256);
	ck_assert_int_eq(a->delivery, b->delivery);
	ck_assert_int_eq(a->started_ms, b->started_ms);
	ck_assert_int_eq(b->result, RESULT_NONE);
}

static int
count_lines(const char *path)
{
	char *buf = harness_read_file(path, NULL);
	int   n = 0;

	for (char *p = buf; *p; p++)
		n += *p == '\n';
	free(buf);
	return n;
}

START_TEST(test_round_trip_and_last_phase)
{
	char         *dir = make_dir();
	journal      *j = jopen(dir);
	unit_record   a, b, c;
	journal_unit *units;
	size_t        n, corrupt, torn;

	unit_fill(&a, "A1", "861000000000001");
	unit_fill(&b, "A2", "861000000000002");
	unit_fill(&c, "A3", "");
	ck_assert_int_eq(journal_begin(j, &a), 0);
	ck_assert_int_eq(journal_begin(j, &b), 0);
	ck_assert_int_eq(journal_begin(j, &c), 0);
	ck_assert_int_eq(journal_phase(j, "A1", a.imei, PHASE_DELIVER, 0), 0);
	ck_assert_int_eq(journal_phase(j, "A1", a.imei, PHASE_DELIVER, 50), 0);
	ck_assert_int_eq(journal_phase(j, "A1", a.imei, PHASE_UPDATING, 42), 0);
	ck_assert_int_eq(journal_phase(j, "A2", b.imei, PHASE_DOWNLOAD, 10), 0);
	ck_assert_int_eq(journal_end(j, "A2", b.imei, RESULT_PASS), 0);
	journal_close(j);

	/* Restarted. */
	j = jopen(dir);
	journal_skipped(j, &corrupt, &torn);
	ck_assert_uint_eq(corrupt, 0);
	ck_assert_uint_eq(torn, 0);
	ck_assert_int_eq(journal_in_flight(j, &units, &n), 0);
	ck_assert_uint_eq(n, 2);
	assert_same_begin(&a, &units[0].unit);
	ck_assert_int_eq(units[0].phase, PHASE_UPDATING);
	ck_assert_int_eq(units[0].percent, 42);
	ck_assert_int_ge(units[0].last_ms, units[0].begin_ms);
	assert_same_begin(&c, &units[1].unit);
	ck_assert_int_eq(units[1].phase, PHASE_PLAN);
	ck_assert_int_eq(units[1].percent, -1);
	free(units);
	/* Lines written: 3 BEGIN, 4 PHASE, 1 END. */
	ck_assert_int_eq(count_lines(journal_path(j)), 8);
	journal_close(j);
	free(dir);
}
END_TEST

START_TEST(test_phase_throttled_to_ten_percent)
{
	char         *dir = make_dir();
	journal      *j = jopen(dir);
	unit_record   a;
	journal_unit *units;
	size_t        n;

	unit_fill(&a, "A1", "861000000000001");
	ck_assert_int_eq(journal_begin(j, &a), 0);
	for (int p = 0; p <= 100; p++)
		ck_assert_int_eq(journal_phase(j, "A1", a.imei, PHASE_DOWNLOAD, p), 0);
	/* Same phase without a percent: nothing new. */
	ck_assert_int_eq(journal_phase(j, "A1", a.imei, PHASE_DOWNLOAD, -1), 0);
	/* 0, 10, ..., 100: eleven lines after the BEGIN. */
	ck_assert_int_eq(count_lines(journal_path(j)), 12);
	ck_assert_int_eq(journal_phase(j, "A1", a.imei, PHASE_REBOOT, -1), 0);
	ck_assert_int_eq(count_lines(journal_path(j)), 13);
	/* A unit never begun has nothing to recover: nothing written. */
	ck_assert_int_eq(journal_phase(j, "B9", "x", PHASE_REBOOT, 5), 0);
	ck_assert_int_eq(journal_end(j, "B9", "x", RESULT_PASS), 0);
	ck_assert_int_eq(count_lines(journal_path(j)), 13);
	ck_assert_int_eq(journal_in_flight(j, &units, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(units[0].phase, PHASE_REBOOT);
	ck_assert_int_eq(units[0].percent, -1);
	free(units);
	journal_close(j);
	free(dir);
}
END_TEST

START_TEST(test_torn_last_line_ignored_and_cut)
{
	char         *dir = make_dir(), path[2048], *buf;
	journal      *j = jopen(dir);
	unit_record   a, b, c;
	journal_unit *units;
	size_t        n, len, corrupt, torn;

	unit_fill(&a, "A1", "861000000000001");
	unit_fill(&b, "A2", "861000000000002");
	unit_fill(&c, "A3", "861000000000003");
	ck_assert_int_eq(journal_begin(j, &a), 0);
	ck_assert_int_eq(journal_begin(j, &b), 0);
	snprintf(path, sizeof path, "%s", journal_path(j));
	journal_close(j);

	/* Power cut in the middle of the second line. */
	buf = harness_read_file(path, &len);
	ck_assert_int_eq(truncate(path, (off_t)(strchr(buf, '\n') - buf + 40)), 0);
	free(buf);

	j = jopen(dir);
	journal_skipped(j, &corrupt, &torn);
	ck_assert_uint_eq(corrupt, 0);
	ck_assert_uint_eq(torn, 1);
	ck_assert_int_eq(journal_in_flight(j, &units, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(units[0].unit.slot, "A1");
	free(units);
	/* The fragment is gone: the next record is a line of its own. */
	ck_assert_int_eq(journal_begin(j, &c), 0);
	journal_close(j);
	j = jopen(dir);
	journal_skipped(j, &corrupt, &torn);
	ck_assert_uint_eq(corrupt, 0);
	ck_assert_uint_eq(torn, 0);
	ck_assert_int_eq(journal_in_flight(j, &units, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(units[1].unit.slot, "A3");
	free(units);
	journal_close(j);
	free(dir);
}
END_TEST

START_TEST(test_corrupted_line_skipped_and_counted)
{
	char         *dir = make_dir(), path[2048], *buf, *second;
	journal      *j = jopen(dir);
	unit_record   a, b, c;
	journal_unit *units;
	size_t        n, len, corrupt, torn;
	FILE         *f;

	unit_fill(&a, "A1", "861000000000001");
	unit_fill(&b, "A2", "861000000000002");
	unit_fill(&c, "A3", "861000000000003");
	ck_assert_int_eq(journal_begin(j, &a), 0);
	ck_assert_int_eq(journal_begin(j, &b), 0);
	ck_assert_int_eq(journal_begin(j, &c), 0);
	snprintf(path, sizeof path, "%s", journal_path(j));
	journal_close(j);

	/* One bit of the second line flips: A2 becomes A3, say. */
	buf = harness_read_file(path, &len);
	second = strchr(buf, '\n') + 1;
	second = strstr(second, "slot=A2");
	ck_assert_ptr_nonnull(second);
	second[6] = '3';
	f = fopen(path, "wb");
	fwrite(buf, 1, len, f);
	fclose(f);
	free(buf);

	j = jopen(dir);
	journal_skipped(j, &corrupt, &torn);
	ck_assert_uint_eq(corrupt, 1);
	ck_assert_uint_eq(torn, 0);
	ck_assert_int_eq(journal_in_flight(j, &units, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(units[0].unit.slot, "A1");
	ck_assert_str_eq(units[1].unit.slot, "A3");
	free(units);
	journal_close(j);
	free(dir);
}
END_TEST

START_TEST(test_compact_keeps_exactly_the_units_in_flight)
{
	char         *dir = make_dir(), path[2048], tmp[2100], slot[8];
	journal      *j = jopen(dir);
	unit_record   u[6];
	journal_unit *units;
	size_t        n, corrupt;

	for (int i = 0; i < 6; i++) {
		snprintf(slot, sizeof slot, "A%d", i + 1);
		unit_fill(&u[i], slot, "86100000000000");
		ck_assert_int_eq(journal_begin(j, &u[i]), 0);
		ck_assert_int_eq(journal_phase(j, slot, u[i].imei, PHASE_DOWNLOAD, 30), 0);
		if (i % 2 == 0)
			ck_assert_int_eq(journal_end(j, slot, u[i].imei, RESULT_FAIL), 0);
	}
	ck_assert_int_eq(journal_phase(j, "A4", u[3].imei, PHASE_UPDATING, 70), 0);
	ck_assert_int_eq(count_lines(journal_path(j)), 6 + 6 + 3 + 1);
	ck_assert_int_eq(journal_compact(j), 0);
	snprintf(path, sizeof path, "%s", journal_path(j));
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	ck_assert_int_ne(access(tmp, F_OK), 0);
	/* A BEGIN and the last PHASE for each of A2, A4, A6. */
	ck_assert_int_eq(count_lines(path), 6);
	/* Still appendable after the swap. */
	ck_assert_int_eq(journal_end(j, "A6", u[5].imei, RESULT_PASS), 0);
	journal_close(j);

	j = jopen(dir);
	journal_skipped(j, &corrupt, NULL);
	ck_assert_uint_eq(corrupt, 0);
	ck_assert_int_eq(journal_in_flight(j, &units, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(units[0].unit.slot, "A2");
	ck_assert_int_eq(units[0].phase, PHASE_DOWNLOAD);
	ck_assert_int_eq(units[0].percent, 30);
	ck_assert_str_eq(units[1].unit.slot, "A4");
	ck_assert_int_eq(units[1].phase, PHASE_UPDATING);
	ck_assert_int_eq(units[1].percent, 70);
	assert_same_begin(&u[3], &units[1].unit);
	free(units);
	/* Nothing in flight: an empty file. */
	ck_assert_int_eq(journal_end(j, "A2", u[1].imei, RESULT_FAIL), 0);
	ck_assert_int_eq(journal_end(j, "A4", u[3].imei, RESULT_FAIL), 0);
	ck_assert_int_eq(journal_compact(j), 0);
	ck_assert_int_eq(count_lines(path), 0);
	journal_close(j);
	free(dir);
}
END_TEST

#define NTHREADS 8
#define PER_THREAD 40

typedef struct worker_arg {
	journal *j;
	int      id;
	int      failures;
} worker_arg;

static void *
worker(void *p)
{
	worker_arg *a = p;

	for (int k = 0; k < PER_THREAD; k++) {
		unit_record u;
		char        slot[16], imei[24];

		snprintf(slot, sizeof slot, "T%d", a->id);
		snprintf(imei, sizeof imei, "86%02d%011d", a->id, k);
		unit_fill(&u, slot, imei);
		/* Long values make a torn or interleaved write likelier. */
		memset(u.port, 'p', 400);
		u.port[400] = '\0';
		a->failures += journal_begin(a->j, &u) != 0;
		for (int pc = 0; pc <= 100; pc += 25)
			a->failures += journal_phase(a->j, slot, imei, PHASE_DOWNLOAD, pc) != 0;
		if (k % 2 == 0)
			a->failures += journal_end(a->j, slot, imei, RESULT_PASS) != 0;
	}
	return NULL;
}

START_TEST(test_eight_threads_no_interleaving)
{
	char         *dir = make_dir();
	journal      *j = jopen(dir);
	pthread_t     th[NTHREADS];
	worker_arg    args[NTHREADS];
	journal_unit *units;
	size_t        n, corrupt, torn;

	for (int i = 0; i < NTHREADS; i++) {
		args[i] = (worker_arg){ j, i, 0 };
		ck_assert_int_eq(pthread_create(&th[i], NULL, worker, &args[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(args[i].failures, 0);
	}
	ck_assert_int_eq(count_lines(journal_path(j)),
	    NTHREADS * (PER_THREAD * 6 + PER_THREAD / 2));
	journal_close(j);

	j = jopen(dir);
	journal_skipped(j, &corrupt, &torn);
	ck_assert_uint_eq(corrupt, 0);
	ck_assert_uint_eq(torn, 0);
	ck_assert_int_eq(journal_in_flight(j, &units, &n), 0);
	ck_assert_uint_eq(n, NTHREADS * PER_THREAD / 2);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(units[i].phase, PHASE_DOWNLOAD);
		ck_assert_int_eq(units[i].percent, 100);
		ck_assert_int_eq(strlen(units[i].unit.port), 400);
	}
	free(units);
	journal_close(j);
	free(dir);
}
END_TEST

START_TEST(test_hostile_bytes_escaped)
{
	static const char evil[] = "a b,c\"d\r\ne%41=f\tg\xff\xfe\xc3(h crc=00000000";
	char         *dir = make_dir(), *buf;
	journal      *j = jopen(dir);
	unit_record   u;
	journal_unit *units;
	size_t        n, len;

	unit_fill(&u, "A%1", "86 1\n");
	snprintf(u.port, sizeof u.port, "%s", evil);
	snprintf(u.model, sizeof u.model, "BG96 crc=12345678");
	snprintf(u.fw_before, sizeof u.fw_before, "%s", evil);
	snprintf(u.package, sizeof u.package, "%s", evil);
	snprintf(u.operator_name, sizeof u.operator_name, "=x%%");
	snprintf(u.run_id, sizeof u.run_id, "%s", "");
	ck_assert_int_eq(journal_begin(j, &u), 0);
	ck_assert_int_eq(journal_phase(j, "A%1", "86 1\n", PHASE_UPDATING, 20), 0);

	/* Two lines, every byte printable ASCII or the line end. */
	buf = harness_read_file(journal_path(j), &len);
	ck_assert_int_eq(count_lines(journal_path(j)), 2);
	for (size_t i = 0; i < len; i++)
		ck_assert_msg(buf[i] == '\n' || (buf[i] >= 0x20 && buf[i] < 0x7f),
		    "byte %zu is 0x%02x", i, (unsigned char)buf[i]);
	ck_assert_ptr_nonnull(strstr(buf, "slot=A%251 imei=86%201%0A "));
	free(buf);
	journal_close(j);

	j = jopen(dir);
	ck_assert_int_eq(journal_in_flight(j, &units, &n), 0);
	ck_assert_uint_eq(n, 1);
	assert_same_begin(&u, &units[0].unit);
	ck_assert_int_eq(units[0].percent, 20);
	free(units);
	ck_assert_int_eq(journal_end(j, "A%1", "86 1\n", RESULT_ABORTED), 0);
	ck_assert_int_eq(journal_in_flight(j, &units, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(units);
	journal_close(j);
	free(dir);
}
END_TEST

START_TEST(test_second_station_of_same_name_refused)
{
	char    *dir = make_dir(), err[512];
	journal *j = jopen(dir), *k = NULL;

	ck_assert_int_eq(journal_open(&k, dir, "line3-A", err, sizeof err), -1);
	ck_assert_ptr_null(k);
	ck_assert_ptr_nonnull(strstr(err, "in use by another station process"));
	/* Another station name is another file. */
	ck_assert_int_eq(journal_open(&k, dir, "line3-B", err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(journal_path(k), "/journal/line3-B.journal"));
	journal_close(k);
	journal_close(j);
	/* A reports folder that does not exist yet, two levels deep. */
	{
		char deep[2048];

		snprintf(deep, sizeof deep, "%s/deep/er", dir);
		ck_assert_int_eq(journal_open(&k, deep, "line3-A", err, sizeof err), 0);
	}
	journal_close(k);
	free(dir);
}
END_TEST

/* The report writer and the journal: a disk that refuses rows while
 * *full is set. */
static ssize_t
full_disk(int fd, const void *buf, size_t len, void *ctx)
{
	if (*(int *)ctx) {
		errno = ENOSPC;
		return -1;
	}
	return write(fd, buf, len);
}

static void
send_end(report_writer *w, unit_record *u, int64_t ts)
{
	bus_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = BUS_UNIT_END;
	ev.ts_ms = ts;
	snprintf(ev.slot_label, sizeof ev.slot_label, "%s", u->slot);
	ev.phase = PHASE_DONE;
	ev.percent = -1;
	ev.error_code = -1;
	ev.unit = u;
	report_on_event(w, &ev);
}

START_TEST(test_report_ends_units_once_rows_are_durable)
{
	char          *dir = make_dir(), err[512];
	journal       *j = jopen(dir);
	report_writer *w;
	unit_record    a, b;
	journal_unit  *units;
	size_t         n;
	int            full = 1;
	bus_event      note;

	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	report_set_journal(w, j);
	report_set_write_hook(w, full_disk, &full);
	unit_fill(&a, "A1", "861000000000001");
	unit_fill(&b, "A2", "861000000000002");
	ck_assert_int_eq(journal_begin(j, &a), 0);
	ck_assert_int_eq(journal_begin(j, &b), 0);

	/* The disk refuses the rows: both units stay in flight. */
	a.result = RESULT_PASS;
	a.finished_ms = a.started_ms + 1000;
	send_end(w, &a, a.finished_ms);
	ck_assert_uint_eq(report_pending(w), 1);
	ck_assert_int_eq(journal_in_flight(j, &units, &n), 0);
	ck_assert_uint_eq(n, 2);
	free(units);

	/* Space returns: the late row is written, then the unit ends. */
	full = 0;
	memset(&note, 0, sizeof note);
	note.kind = BUS_NOTE;
	note.slot = -1;
	note.percent = -1;
	note.error_code = -1;
	report_on_event(w, &note);
	ck_assert_uint_eq(report_pending(w), 0);
	ck_assert_int_eq(journal_in_flight(j, &units, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(units[0].unit.slot, "A2");
	free(units);

	b.result = RESULT_FAIL;
	b.finished_ms = b.started_ms + 2000;
	send_end(w, &b, b.finished_ms);
	ck_assert_int_eq(journal_in_flight(j, &units, &n), 0);
	ck_assert_uint_eq(n, 0);
	report_close(w);
	journal_close(j);
	free(dir);
}
END_TEST

static Suite *
journal_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("journal");

	tcase_add_test(tc, test_round_trip_and_last_phase);
	tcase_add_test(tc, test_phase_throttled_to_ten_percent);
	tcase_add_test(tc, test_torn_last_line_ignored_and_cut);
	tcase_add_test(tc, test_corrupted_line_skipped_and_counted);
	tcase_add_test(tc, test_compact_keeps_exactly_the_units_in_flight);
	tcase_add_test(tc, test_eight_threads_no_interleaving);
	tcase_add_test(tc, test_hostile_bytes_escaped);
	tcase_add_test(tc, test_second_station_of_same_name_refused);
	tcase_add_test(tc, test_report_ends_units_once_rows_are_durable);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run_suite(journal_suite(), CK_NORMAL);
}
