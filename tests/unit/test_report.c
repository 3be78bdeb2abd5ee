/*
 * test_report: the report writer fed synthetic bus events, its files read
 * back field by field: session rows, header once, timelines with the events
 * held before identification, day rollover, an unusable folder, and a disk
 * that fails for a while (rows pending, then written in order).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "reports/csv.h"
#include "reports/report.h"
#include "reports/report_timeline.h"
#include "tests/harness/harness.h"

/* A CSV file read back: records of fields, all owned. */
typedef struct table {
	char ***rec;
	int    *nf;
	int     n;
} table;

static void
table_free(table *t)
{
	for (int i = 0; i < t->n; i++) {
		for (int j = 0; j < t->nf[i]; j++)
			free(t->rec[i][j]);
		free(t->rec[i]);
	}
	free(t->rec);
	free(t->nf);
	memset(t, 0, sizeof *t);
}

static table
table_read(const char *path)
{
	table      t = { NULL, NULL, 0 };
	csv_reader r;
	FILE      *f = fopen(path, "r");
	int        rc;

	ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
	csv_reader_init(&r, f);
	while ((rc = csv_read_record(&r)) == 1) {
		t.rec = realloc(t.rec, (size_t)(t.n + 1) * sizeof *t.rec);
		t.nf = realloc(t.nf, (size_t)(t.n + 1) * sizeof *t.nf);
		t.rec[t.n] = calloc((size_t)r.nfields, sizeof **t.rec);
		for (int j = 0; j < r.nfields; j++)
			t.rec[t.n][j] = strdup(r.fields[j]);
		t.nf[t.n++] = r.nfields;
	}
	ck_assert_int_eq(rc, 0);
	csv_reader_free(&r);
	fclose(f);
	return t;
}

static int
count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static char *
make_dir(void)
{
	char d[1024];

	ck_assert(harness_fresh_dir("report", d, sizeof d - 16));
	/* The writer must create the folder itself: use one level below. */
	return strdup(strcat(d, "/reports"));
}

static int64_t
ms_at(int y, int mo, int d, int h, int mi, int s, int ms)
{
	struct tm tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

static bus_event
ev_make(bus_kind kind, int64_t ts, int slot, const char *label,
    unit_phase phase, int percent, const char *text)
{
	bus_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.ts_ms = ts;
	ev.slot = slot;
	snprintf(ev.slot_label, sizeof ev.slot_label, "%s", label);
	ev.phase = phase;
	ev.percent = percent;
	ev.error_code = -1;
	ev.text = (char *)text;
	return ev;
}

static void
send(report_writer *w, bus_kind kind, int64_t ts, int slot, const char *label,
    unit_phase phase, int percent, const char *text)
{
	bus_event ev = ev_make(kind, ts, slot, label, phase, percent, text);

	report_on_event(w, &ev);
}

static void
send_unit(report_writer *w, bus_kind kind, int64_t ts, int slot,
    unit_record *u)
{
	bus_event ev = ev_make(kind, ts, slot, u->slot,
	    kind == BUS_UNIT_END ? PHASE_DONE : PHASE_IDENTIFY, -1, NULL);

	ev.unit = u;
	report_on_event(w, &ev);
}

static void
unit_fill(unit_record *u, const char *slot, const char *imei, int64_t start)
{
	unit_record_init(u);
	snprintf(u->run_id, sizeof u->run_id, "run-%s", imei[0] ? imei : slot);
	snprintf(u->station, sizeof u->station, "line3-A");
	snprintf(u->operator_name, sizeof u->operator_name, "ana");
	snprintf(u->slot, sizeof u->slot, "%s", slot);
	snprintf(u->usb_path, sizeof u->usb_path, "1-1.2");
	snprintf(u->port, sizeof u->port, "/dev/ttyUSB2");
	snprintf(u->model, sizeof u->model, "BG96");
	snprintf(u->imei, sizeof u->imei, "%s", imei);
	snprintf(u->iccid, sizeof u->iccid, "8944500000000000001");
	snprintf(u->fw_before, sizeof u->fw_before, "BG96MAR02A07M1G");
	snprintf(u->fw_target, sizeof u->fw_target, "BG96MAR02A08M1G");
	u->started_ms = start;
}

static void
unit_pass(unit_record *u, int64_t finished)
{
	snprintf(u->fw_after, sizeof u->fw_after, "BG96MAR02A08M1G");
	snprintf(u->package, sizeof u->package, "packages/bg96-a07-a08.zip");
	snprintf(u->package_sha256, sizeof u->package_sha256, "%064d", 7);
	u->delivery = DELIVERY_UPLOAD;
	u->result = RESULT_PASS;
	u->attempts = 1;
	u->finished_ms = finished;
	u->transfer_s = 12.5;
	u->update_s = 101.25;
}

static int
col(const char *name)
{
	for (int i = 0; i < report_ncolumns; i++) {
		if (strcmp(report_columns[i], name) == 0)
			return i;
	}
	ck_abort_msg("no column %s", name);
	return -1;
}

static void
day_path(char *buf, size_t len, const char *dir, const char *day)
{
	snprintf(buf, len, "%s/line3-A-%s.csv", dir, day);
}

static void
assert_header(const table *t)
{
	ck_assert_int_ge(t->n, 1);
	ck_assert_int_eq(t->nf[0], report_ncolumns);
	for (int i = 0; i < report_ncolumns; i++)
		ck_assert_str_eq(t->rec[0][i], report_columns[i]);
}

typedef struct alert_log {
	int  n;
	char last[512];
} alert_log;

static void
alert_record(void *ctx, const char *text)
{
	alert_log *a = ctx;

	a->n++;
	snprintf(a->last, sizeof a->last, "%s", text);
}

START_TEST(test_columns_contract_order)
{
	static const char *want =
	    "run_id,station,operator,slot,usb_path,port,model,imei,iccid,"
	    "fw_before,fw_target,fw_after,package,package_sha256,delivery,"
	    "result,error_phase,error_code,error_text,attempts,started_at,"
	    "finished_at,duration_s,transfer_s,update_s,detail_file,"
	    /* Added after the contract's 26 (docs/contract.md: columns may be
	     * added after detail_file), row_sha256 last (docs/audit.md). */
	    "checks,row_sha256";
	char line[1024] = "";

	for (int i = 0; i < report_ncolumns; i++) {
		if (i)
			strcat(line, ",");
		strcat(line, report_columns[i]);
	}
	ck_assert_str_eq(line, want);
}
END_TEST

START_TEST(test_one_unit_row_and_timeline)
{
	char          *dir = make_dir(), err[256], path[2048], *raw;
	report_writer *w;
	unit_record    u;
	table          t, tl;
	int64_t        t0 = ms_at(2026, 11, 21, 10, 0, 1, 123);
	int            r;

	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	/* Before the unit is identified: held. */
	send(w, BUS_PORT, t0 - 2000, 0, "A1", PHASE_WAIT, -1, "port up /dev/ttyUSB2");
	send(w, BUS_TX, t0 - 1000, 0, "A1", PHASE_IDENTIFY, -1, "AT+GSN\r");
	send(w, BUS_RX, t0 - 900, 0, "A1", PHASE_IDENTIFY, -1, "861234567890123");
	/* Station-wide events touch no timeline. */
	send(w, BUS_ALERT, t0 - 800, -1, "", PHASE_WAIT, -1, "disk almost full");

	unit_fill(&u, "A1", "861234567890123", t0);
	send_unit(w, BUS_UNIT_START, t0, 0, &u);
	send(w, BUS_STATE, t0 + 1000, 0, "A1", PHASE_UPDATING, 42, NULL);
	send(w, BUS_RX, t0 + 1100, 0, "A1", PHASE_UPDATING, -1,
	    "+QIND: \"FOTA\",\"UPDATING\",42");
	send(w, BUS_NOTE, t0 + 1200, 0, "A1", PHASE_UPDATING, -1, "a, \"note\"");
	ck_assert_uint_eq(report_pending(w), 0);

	unit_pass(&u, t0 + 123456);
	snprintf(u.checks, sizeof u.checks, "imei=ok;subedition=ok;network=ok");
	send_unit(w, BUS_UNIT_END, t0 + 123456, 0, &u);
	ck_assert_uint_eq(report_pending(w), 0);

	day_path(path, sizeof path, dir, "2026-11-21");
	t = table_read(path);
	assert_header(&t);
	ck_assert_int_eq(t.n, 2);
	ck_assert_str_eq(t.rec[1][col("checks")], "imei=ok;subedition=ok;network=ok");
	ck_assert_int_eq(t.nf[1], report_ncolumns);
	ck_assert_str_eq(t.rec[1][col("run_id")], "run-861234567890123");
	ck_assert_str_eq(t.rec[1][col("station")], "line3-A");
	ck_assert_str_eq(t.rec[1][col("operator")], "ana");
	ck_assert_str_eq(t.rec[1][col("slot")], "A1");
	ck_assert_str_eq(t.rec[1][col("usb_path")], "1-1.2");
	ck_assert_str_eq(t.rec[1][col("port")], "/dev/ttyUSB2");
	ck_assert_str_eq(t.rec[1][col("model")], "BG96");
	ck_assert_str_eq(t.rec[1][col("imei")], "861234567890123");
	ck_assert_str_eq(t.rec[1][col("iccid")], "8944500000000000001");
	ck_assert_str_eq(t.rec[1][col("fw_before")], "BG96MAR02A07M1G");
	ck_assert_str_eq(t.rec[1][col("fw_target")], "BG96MAR02A08M1G");
	ck_assert_str_eq(t.rec[1][col("fw_after")], "BG96MAR02A08M1G");
	ck_assert_str_eq(t.rec[1][col("package")], "packages/bg96-a07-a08.zip");
	ck_assert_int_eq(strlen(t.rec[1][col("package_sha256")]), 64);
	ck_assert_str_eq(t.rec[1][col("delivery")], "upload");
	ck_assert_str_eq(t.rec[1][col("result")], "PASS");
	ck_assert_str_eq(t.rec[1][col("error_phase")], "");
	ck_assert_str_eq(t.rec[1][col("error_code")], "");
	ck_assert_str_eq(t.rec[1][col("error_text")], "");
	ck_assert_str_eq(t.rec[1][col("attempts")], "1");
	ck_assert_str_eq(t.rec[1][col("started_at")], "2026-11-21T10:00:01.123Z");
	ck_assert_str_eq(t.rec[1][col("finished_at")], "2026-11-21T10:02:04.579Z");
	ck_assert_str_eq(t.rec[1][col("duration_s")], "123.456");
	ck_assert_str_eq(t.rec[1][col("transfer_s")], "12.500");
	ck_assert_str_eq(t.rec[1][col("update_s")], "101.250");
	ck_assert_str_eq(t.rec[1][col("detail_file")],
	    "units/861234567890123-20261121T100001.123Z.csv");
	ck_assert_int_eq(strlen(t.rec[1][col("row_sha256")]), 64);

	/* Raw bytes: CRLF row ends, header once. */
	raw = harness_read_file(path, NULL);
	ck_assert_int_eq(count_of(raw, "run_id,station"), 1);
	ck_assert_int_eq(count_of(raw, "\r\n"), 2);
	free(raw);

	snprintf(path, sizeof path, "%s/%s", dir, t.rec[1][col("detail_file")]);
	tl = table_read(path);
	ck_assert_int_eq(tl.n, 9);
	ck_assert_str_eq(tl.rec[0][0], "ts");
	ck_assert_str_eq(tl.rec[0][4], "raw");
	{
		static const char *ev[] = { "port", "tx", "rx", "unit_start",
			"state", "rx", "note", "unit_end" };

		for (r = 1; r < tl.n; r++) {
			ck_assert_int_eq(tl.nf[r], 5);
			ck_assert_str_eq(tl.rec[r][3], ev[r - 1]);
		}
	}
	ck_assert_str_eq(tl.rec[1][0], "2026-11-21T09:59:59.123Z");
	ck_assert_str_eq(tl.rec[1][1], "WAIT");
	ck_assert_str_eq(tl.rec[1][2], "");
	ck_assert_str_eq(tl.rec[1][4], "port up /dev/ttyUSB2");
	ck_assert_str_eq(tl.rec[2][4], "AT+GSN\r");
	ck_assert_str_eq(tl.rec[5][1], "UPDATING");
	ck_assert_str_eq(tl.rec[5][2], "42");
	/* No formula guard in timelines: raw is what the module sent. */
	ck_assert_str_eq(tl.rec[6][4], "+QIND: \"FOTA\",\"UPDATING\",42");
	ck_assert_str_eq(tl.rec[7][4], "a, \"note\"");
	ck_assert_str_eq(tl.rec[8][1], "DONE");
	ck_assert_str_eq(tl.rec[8][4], "PASS");

	table_free(&t);
	table_free(&tl);
	report_close(w);
	free(dir);
}
END_TEST

START_TEST(test_two_units_header_once_and_failure_fields)
{
	char          *dir = make_dir(), err[256], path[2048], *raw;
	report_writer *w;
	unit_record    a, b, c;
	table          t;
	int64_t        t0 = ms_at(2026, 11, 21, 8, 0, 0, 0);

	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	unit_fill(&a, "A1", "861111111111111", t0);
	unit_fill(&b, "A2", "862222222222222", t0 + 10);
	send_unit(w, BUS_UNIT_START, t0, 0, &a);
	send_unit(w, BUS_UNIT_START, t0 + 10, 1, &b);
	send(w, BUS_TX, t0 + 20, 1, "A2", PHASE_DELIVER, -1, "AT+QFUPL=\"UFS:a.zip\"");
	send(w, BUS_TX, t0 + 30, 0, "A1", PHASE_DELIVER, -1, "AT+QFOTADL=...");

	/* b fails first: its row comes first. */
	b.result = RESULT_FAIL;
	b.delivery = DELIVERY_URL;
	b.error_phase = PHASE_UPDATING;
	b.error_code = 510;
	b.error_text[0] = '\0';
	snprintf(b.error_text, sizeof b.error_text, "-firmware, mismatch");
	b.attempts = 3;
	b.finished_ms = t0 + 60000;
	b.transfer_s = 3.0;
	send_unit(w, BUS_UNIT_END, t0 + 60000, 1, &b);

	unit_pass(&a, t0 + 90000);
	send_unit(w, BUS_UNIT_END, t0 + 90000, 0, &a);
	report_close(w);

	/* A new writer on the same folder appends without a second header. */
	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	unit_fill(&c, "A1", "", t0 + 100000);
	c.result = RESULT_NO_PACKAGE;
	c.finished_ms = t0 + 101000;
	send_unit(w, BUS_UNIT_START, t0 + 100000, 0, &c);
	send_unit(w, BUS_UNIT_END, t0 + 101000, 0, &c);
	report_close(w);

	day_path(path, sizeof path, dir, "2026-11-21");
	raw = harness_read_file(path, NULL);
	ck_assert_int_eq(count_of(raw, "run_id,station,operator"), 1);
	free(raw);
	t = table_read(path);
	assert_header(&t);
	ck_assert_int_eq(t.n, 4);
	ck_assert_str_eq(t.rec[1][col("imei")], "862222222222222");
	ck_assert_str_eq(t.rec[1][col("result")], "FAIL");
	ck_assert_str_eq(t.rec[1][col("delivery")], "url");
	ck_assert_str_eq(t.rec[1][col("error_phase")], "UPDATING");
	ck_assert_str_eq(t.rec[1][col("error_code")], "510");
	ck_assert_str_eq(t.rec[1][col("error_text")], "'-firmware, mismatch");
	ck_assert_str_eq(t.rec[1][col("attempts")], "3");
	ck_assert_str_eq(t.rec[1][col("duration_s")], "59.990");
	ck_assert_str_eq(t.rec[1][col("transfer_s")], "3.000");
	ck_assert_str_eq(t.rec[1][col("update_s")], "");
	ck_assert_str_eq(t.rec[1][col("detail_file")],
	    "units/862222222222222-20261121T080000.010Z.csv");
	ck_assert_str_eq(t.rec[2][col("imei")], "861111111111111");
	ck_assert_str_eq(t.rec[2][col("result")], "PASS");
	ck_assert_str_eq(t.rec[3][col("result")], "NO_PACKAGE");
	ck_assert_str_eq(t.rec[3][col("delivery")], "none");
	ck_assert_str_eq(t.rec[3][col("fw_after")], "");
	ck_assert_str_eq(t.rec[3][col("transfer_s")], "");
	/* No IMEI: the timeline is named after the slot. */
	ck_assert_str_eq(t.rec[3][col("detail_file")],
	    "units/A1-20261121T080140.000Z.csv");
	table_free(&t);

	/* Each timeline got only its own slot's events. */
	snprintf(path, sizeof path, "%s/units/862222222222222-20261121T080000.010Z.csv", dir);
	raw = harness_read_file(path, NULL);
	ck_assert_int_eq(count_of(raw, "QFUPL"), 1);
	ck_assert_int_eq(count_of(raw, "QFOTADL"), 0);
	ck_assert_int_eq(count_of(raw, ",unit_end,FAIL"), 1);
	free(raw);
	free(dir);
}
END_TEST

START_TEST(test_prestart_overflow_keeps_newest)
{
	char          *dir = make_dir(), err[256], path[2048], text[32];
	report_writer *w;
	unit_record    u;
	table          t, tl;
	int64_t        t0 = ms_at(2026, 11, 21, 12, 0, 0, 0);
	int            total = REPORT_HOLD_MAX + 904;

	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	for (int i = 0; i < total; i++) {
		snprintf(text, sizeof text, "line %d", i);
		send(w, BUS_RX, t0 + i, 2, "B1", PHASE_IDENTIFY, -1, text);
	}
	unit_fill(&u, "B1", "863333333333333", t0 + total);
	send_unit(w, BUS_UNIT_START, t0 + total, 2, &u);
	unit_pass(&u, t0 + total + 1000);
	send_unit(w, BUS_UNIT_END, t0 + total + 1000, 2, &u);

	day_path(path, sizeof path, dir, "2026-11-21");
	t = table_read(path);
	ck_assert_int_eq(t.n, 2);
	snprintf(path, sizeof path, "%s/%s", dir, t.rec[1][col("detail_file")]);
	tl = table_read(path);
	/* header, note, the newest REPORT_HOLD_MAX rx, unit_start, unit_end */
	ck_assert_int_eq(tl.n, 1 + 1 + REPORT_HOLD_MAX + 2);
	ck_assert_str_eq(tl.rec[1][3], "note");
	ck_assert_ptr_nonnull(strstr(tl.rec[1][4], "904 earlier events dropped"));
	ck_assert_str_eq(tl.rec[2][4], "line 904");
	snprintf(text, sizeof text, "line %d", total - 1);
	ck_assert_str_eq(tl.rec[1 + REPORT_HOLD_MAX][4], text);
	ck_assert_str_eq(tl.rec[2 + REPORT_HOLD_MAX][3], "unit_start");
	table_free(&t);
	table_free(&tl);
	report_close(w);
	free(dir);
}
END_TEST

START_TEST(test_day_rollover_by_finished_ms)
{
	char          *dir = make_dir(), err[256], path[2048];
	report_writer *w;
	unit_record    a, b;
	table          t;
	int64_t        t0 = ms_at(2026, 11, 21, 23, 50, 0, 0);

	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	unit_fill(&a, "A1", "861111111111111", t0);
	unit_fill(&b, "A2", "862222222222222", t0);
	send_unit(w, BUS_UNIT_START, t0, 0, &a);
	send_unit(w, BUS_UNIT_START, t0, 1, &b);
	unit_pass(&a, ms_at(2026, 11, 21, 23, 59, 59, 999));
	/* The event itself is later: the row's finished_ms decides. */
	send_unit(w, BUS_UNIT_END, ms_at(2026, 11, 22, 0, 0, 0, 5), 0, &a);
	unit_pass(&b, ms_at(2026, 11, 22, 0, 0, 0, 1));
	send_unit(w, BUS_UNIT_END, ms_at(2026, 11, 22, 0, 0, 0, 6), 1, &b);
	report_close(w);

	day_path(path, sizeof path, dir, "2026-11-21");
	t = table_read(path);
	assert_header(&t);
	ck_assert_int_eq(t.n, 2);
	ck_assert_str_eq(t.rec[1][col("imei")], "861111111111111");
	table_free(&t);
	day_path(path, sizeof path, dir, "2026-11-22");
	t = table_read(path);
	assert_header(&t);
	ck_assert_int_eq(t.n, 2);
	ck_assert_str_eq(t.rec[1][col("imei")], "862222222222222");
	ck_assert_str_eq(t.rec[1][col("finished_at")], "2026-11-22T00:00:00.001Z");
	table_free(&t);
	free(dir);
}
END_TEST

/* station.timezone (TZ) decides the file's day; the row's times stay UTC.
 * In UTC+8 a shift from 07:50 to 08:10 local (23:50 to 00:10 UTC) is one
 * day's file, not two. */
START_TEST(test_day_in_station_timezone)
{
	char          *dir = make_dir(), err[256], path[2048];
	report_writer *w;
	unit_record    a, b;
	table          t;
	int64_t        t0 = ms_at(2026, 11, 21, 23, 40, 0, 0);

	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	unit_fill(&a, "A1", "861111111111111", t0);
	unit_fill(&b, "A2", "862222222222222", t0);
	send_unit(w, BUS_UNIT_START, t0, 0, &a);
	send_unit(w, BUS_UNIT_START, t0, 1, &b);
	unit_pass(&a, ms_at(2026, 11, 21, 23, 50, 0, 0));
	send_unit(w, BUS_UNIT_END, a.finished_ms, 0, &a);
	unit_pass(&b, ms_at(2026, 11, 22, 0, 10, 0, 0));
	send_unit(w, BUS_UNIT_END, b.finished_ms, 1, &b);
	report_close(w);

	day_path(path, sizeof path, dir, "2026-11-21");
	ck_assert_int_ne(access(path, F_OK), 0);
	day_path(path, sizeof path, dir, "2026-11-22");
	t = table_read(path);
	assert_header(&t);
	ck_assert_int_eq(t.n, 3);
	ck_assert_str_eq(t.rec[1][col("finished_at")], "2026-11-21T23:50:00.000Z");
	ck_assert_str_eq(t.rec[1][col("started_at")], "2026-11-21T23:40:00.000Z");
	ck_assert_str_eq(t.rec[2][col("finished_at")], "2026-11-22T00:10:00.000Z");
	table_free(&t);
	free(dir);
	setenv("TZ", "UTC", 1);
	tzset();
}
END_TEST

START_TEST(test_session_path_is_today)
{
	char          *dir = make_dir(), err[256], want[2048];
	report_writer *w;
	int64_t        now = unit_now_ms();
	time_t         secs = (time_t)(now / 1000);
	struct tm      tm;

	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	localtime_r(&secs, &tm);
	snprintf(want, sizeof want, "%s/line3-A-%04d-%02d-%02d.csv", dir,
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	ck_assert_str_eq(report_session_path(w), want);
	report_close(w);
	free(dir);
}
END_TEST

START_TEST(test_unwritable_folder)
{
	char          *dir = make_dir(), err[512], bad[2048], want[2600];
	report_writer *w = (report_writer *)1;
	FILE          *f;

	/* A plain file where a folder should be: fails even for root. */
	mkdir(dir, 0755);
	snprintf(bad, sizeof bad, "%s/plainfile", dir);
	f = fopen(bad, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	strcat(bad, "/reports");
	ck_assert_int_eq(report_open(&w, bad, "line3-A", err, sizeof err), -1);
	ck_assert_ptr_null(w);
	snprintf(want, sizeof want, "reports folder %s: %s", bad, strerror(ENOTDIR));
	ck_assert_str_eq(err, want);
	free(dir);
}
END_TEST

START_TEST(test_units_folder_created)
{
	char          *dir = make_dir(), err[256], units[2048];
	report_writer *w;
	struct stat    st;
	char           probe_left[2048];

	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	snprintf(units, sizeof units, "%s/units", dir);
	ck_assert_int_eq(stat(units, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	/* The probe file is gone again. */
	snprintf(probe_left, sizeof probe_left, "%s/.dfota-probe-%ld", dir,
	    (long)getpid());
	ck_assert_int_ne(access(probe_left, F_OK), 0);
	report_close(w);
	free(dir);
}
END_TEST

/* A disk that is full while *full is set; otherwise it takes part of the
 * data once per call (short writes must not split a row). */
typedef struct disk {
	int full;
	int calls;
} disk;

static ssize_t
disk_write(int fd, const void *buf, size_t len, void *ctx)
{
	disk *d = ctx;

	d->calls++;
	if (d->full) {
		/* Half of it goes through before the disk fills up. */
		if (d->calls % 2 == 1 && len > 8)
			return write(fd, buf, len / 2);
		errno = ENOSPC;
		return -1;
	}
	return write(fd, buf, len > 16 ? 16 : len);
}

START_TEST(test_write_failure_rows_pending_then_in_order)
{
	alert_log alerts = { 0 };
	char          *dir = make_dir(), err[256], path[2048], *raw;
	report_writer *w;
	unit_record    u[3];
	table          t;
	disk           d = { 1, 0 };
	int64_t        t0 = ms_at(2026, 11, 21, 14, 0, 0, 0);
	static const char *imeis[] = {
		"861000000000001", "861000000000002", "861000000000003",
	};

	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	report_set_write_hook(w, disk_write, &d);
	report_set_alert(w, alert_record, &alerts);
	for (int i = 0; i < 3; i++) {
		unit_fill(&u[i], "A1", imeis[i], t0 + i * 1000);
		send_unit(w, BUS_UNIT_START, t0 + i * 1000, 0, &u[i]);
		unit_pass(&u[i], t0 + i * 1000 + 500);
		send_unit(w, BUS_UNIT_END, t0 + i * 1000 + 500, 0, &u[i]);
		ck_assert_uint_eq(report_pending(w), (size_t)i + 1);
	}
	/* Nothing, not even half a header, is left in the file. */
	day_path(path, sizeof path, dir, "2026-11-21");
	raw = harness_read_file(path, NULL);
	ck_assert_str_eq(raw, "");
	free(raw);

	/* Said once, loudly, when the first row could not be written. */
	ck_assert_int_eq(alerts.n, 1);
	ck_assert_ptr_nonnull(strstr(alerts.last, "cannot write"));
	ck_assert_ptr_nonnull(strstr(alerts.last, "kept in memory until the disk takes them"));

	/* Still full: an unrelated event retries and keeps them. */
	send(w, BUS_NOTE, t0 + 5000, 3, "A4", PHASE_WAIT, -1, "hello");
	ck_assert_uint_eq(report_pending(w), 3);
	ck_assert_int_eq(alerts.n, 1);

	/* Space returns: the next event writes all three, in order. */
	d.full = 0;
	send(w, BUS_STATE, t0 + 6000, 3, "A4", PHASE_WAIT, -1, NULL);
	ck_assert_uint_eq(report_pending(w), 0);
	ck_assert_int_eq(alerts.n, 2);
	ck_assert_ptr_nonnull(strstr(alerts.last, "writable again"));
	report_close(w);

	raw = harness_read_file(path, NULL);
	ck_assert_int_eq(count_of(raw, "run_id,station"), 1);
	free(raw);
	t = table_read(path);
	assert_header(&t);
	ck_assert_int_eq(t.n, 4);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(t.nf[i + 1], report_ncolumns);
		ck_assert_str_eq(t.rec[i + 1][col("imei")], imeis[i]);
		ck_assert_str_ne(t.rec[i + 1][col("detail_file")], "");
	}
	table_free(&t);
	free(dir);
}
END_TEST

/* A chatty module: the timeline stops at its cap with a note where it was
 * cut and, at the end, how many rows were left out. */
START_TEST(test_timeline_capped_with_marker)
{
	char          *dir = make_dir(), err[256], path[2048], line[1100];
	report_writer *w;
	unit_record    u;
	int64_t        t0 = ms_at(2026, 11, 21, 10, 0, 1, 123);
	struct stat    st;
	char          *raw;

	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	unit_fill(&u, "A1", "861234567890123", t0);
	send_unit(w, BUS_UNIT_START, t0, 0, &u);
	memset(line, 'x', 1000);
	line[1000] = '\0';
	for (int i = 0; i < 6000; i++)          /* about 6 MB of lines */
		send(w, BUS_RX, t0 + 1 + i, 0, "A1", PHASE_UPDATING, -1, line);
	unit_pass(&u, t0 + 100000);
	send_unit(w, BUS_UNIT_END, t0 + 100000, 0, &u);
	report_close(w);
	snprintf(path, sizeof path, "%s/units/861234567890123-20261121T100001.123Z.csv", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_le(st.st_size, 4L * 1024 * 1024);
	raw = harness_read_file(path, NULL);
	ck_assert_ptr_nonnull(strstr(raw, "timeline cut here"));
	ck_assert_ptr_nonnull(strstr(raw, "timeline rows not written after the cut"));
	free(raw);
	free(dir);
}
END_TEST

START_TEST(test_end_without_start_still_has_timeline)
{
	char          *dir = make_dir(), err[256], path[2048];
	report_writer *w;
	unit_record    u;
	table          t, tl;
	int64_t        t0 = ms_at(2026, 11, 21, 15, 0, 0, 0);

	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	send(w, BUS_PORT, t0, 5, "C1", PHASE_WAIT, -1, "port up");
	unit_fill(&u, "C1", "", t0);
	u.result = RESULT_ABORTED;
	snprintf(u.error_text, sizeof u.error_text, "station stopped");
	u.error_phase = PHASE_IDENTIFY;
	u.finished_ms = t0 + 10;
	send_unit(w, BUS_UNIT_END, t0 + 10, 5, &u);
	report_close(w);

	day_path(path, sizeof path, dir, "2026-11-21");
	t = table_read(path);
	ck_assert_int_eq(t.n, 2);
	ck_assert_str_eq(t.rec[1][col("result")], "ABORTED");
	ck_assert_str_eq(t.rec[1][col("error_phase")], "IDENTIFY");
	ck_assert_str_eq(t.rec[1][col("detail_file")],
	    "units/C1-20261121T150000.000Z.csv");
	snprintf(path, sizeof path, "%s/%s", dir, t.rec[1][col("detail_file")]);
	tl = table_read(path);
	ck_assert_int_eq(tl.n, 3);
	ck_assert_str_eq(tl.rec[1][3], "port");
	ck_assert_str_eq(tl.rec[2][3], "unit_end");
	ck_assert_str_eq(tl.rec[2][4], "ABORTED");
	table_free(&t);
	table_free(&tl);
	free(dir);
}
END_TEST

static Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");

	tcase_add_test(tc, test_columns_contract_order);
	tcase_add_test(tc, test_one_unit_row_and_timeline);
	tcase_add_test(tc, test_two_units_header_once_and_failure_fields);
	tcase_add_test(tc, test_prestart_overflow_keeps_newest);
	tcase_add_test(tc, test_day_rollover_by_finished_ms);
	tcase_add_test(tc, test_day_in_station_timezone);
	tcase_add_test(tc, test_session_path_is_today);
	tcase_add_test(tc, test_unwritable_folder);
	tcase_add_test(tc, test_units_folder_created);
	tcase_add_test(tc, test_write_failure_rows_pending_then_in_order);
	tcase_add_test(tc, test_end_without_start_still_has_timeline);
	tcase_add_test(tc, test_timeline_capped_with_marker);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	/* The day tests are written in UTC; one of them sets another zone. */
	setenv("TZ", "UTC", 1);
	tzset();
	return harness_run_suite(report_suite(), CK_NORMAL);
}
