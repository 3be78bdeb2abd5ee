/*
 * test_verify: the row hash chain end to end. Session files are produced by
 * the real writer (report_on_event with unit start/end events), then
 * tampered with byte by byte the way a person with an editor would: a field
 * edited, a row deleted, two rows swapped, a row copied in, the last row
 * removed. `report verify` must name the first broken row and its line, or
 * the missing end. Also: hostile bytes in fields, appending to a file of
 * the version before the chain, a torn last row, the worked example of
 * docs/audit.md, and the exit statuses.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "reports/chain.h"
#include "reports/report.h"
#include "reports/summary.h"
#include "reports/verify.h"
#include "tests/harness/harness.h"

#define NUNITS 8

/* A file as lines (split after each LF outside quotes), all owned. */
typedef struct lines {
	char **l;
	int    n;
} lines;

static char *
make_dir(void)
{
	char d[1024];

	ck_assert(harness_fresh_dir("verify", d, sizeof d - 16));
	return strdup(strcat(d, "/reports"));
}

static int64_t
ms_at(int h, int mi, int s)
{
	struct tm tm = { 0 };

	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 10;
	tm.tm_mday = 21;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm) * 1000;
}

static void
send_unit(report_writer *w, bus_kind kind, int64_t ts, int slot,
    unit_record *u)
{
	bus_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.ts_ms = ts;
	ev.slot = slot;
	snprintf(ev.slot_label, sizeof ev.slot_label, "%s", u->slot);
	ev.phase = kind == BUS_UNIT_END ? PHASE_DONE : PHASE_IDENTIFY;
	ev.percent = -1;
	ev.error_code = -1;
	ev.unit = u;
	report_on_event(w, &ev);
}

/* One unit through the writer: start, then end with a result. */
static void
run_unit(report_writer *w, int i, const char *error_text)
{
	unit_record u;
	int64_t     t0 = ms_at(9, i, 0);

	unit_record_init(&u);
	snprintf(u.run_id, sizeof u.run_id, "run-%d", i);
	snprintf(u.station, sizeof u.station, "line3-A");
	snprintf(u.operator_name, sizeof u.operator_name, "ana");
	snprintf(u.slot, sizeof u.slot, "A%d", i % 4 + 1);
	snprintf(u.usb_path, sizeof u.usb_path, "1-1.%d", i % 4 + 1);
	snprintf(u.port, sizeof u.port, "/dev/ttyUSB%d", i);
	snprintf(u.model, sizeof u.model, "BG96");
	snprintf(u.imei, sizeof u.imei, "8610000000000%02d", i);
	snprintf(u.fw_before, sizeof u.fw_before, "BG96MAR02A07M1G");
	snprintf(u.fw_target, sizeof u.fw_target, "BG96MAR02A08M1G");
	u.started_ms = t0;
	send_unit(w, BUS_UNIT_START, t0, i % 4, &u);
	snprintf(u.fw_after, sizeof u.fw_after, "BG96MAR02A08M1G");
	snprintf(u.package, sizeof u.package, "packages/bg96-a07-a08.zip");
	u.delivery = DELIVERY_UPLOAD;
	u.attempts = 1;
	u.finished_ms = t0 + 30000 + i;
	if (error_text != NULL) {
		u.result = RESULT_FAIL;
		u.error_code = 510;
		u.error_phase = PHASE_UPDATING;
		snprintf(u.error_text, sizeof u.error_text, "%s", error_text);
	} else
		u.result = RESULT_PASS;
	send_unit(w, BUS_UNIT_END, u.finished_ms, i % 4, &u);
}

/* A session file of n units; its path into path. */
static char *
make_session(char *path, size_t len, int n, const char *hostile)
{
	char          *dir = make_dir(), err[256];
	report_writer *w;

	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	for (int i = 0; i < n; i++)
		run_unit(w, i, hostile != NULL && i == 2 ? hostile : NULL);
	ck_assert_uint_eq(report_pending(w), 0);
	report_close(w);
	snprintf(path, len, "%s/line3-A-2026-11-21.csv", dir);
	return dir;
}

static lines
lines_read(const char *path)
{
	lines  ls = { NULL, 0 };
	FILE  *f = fopen(path, "rb");
	int    c, quoted = 0;
	char  *cur = NULL;
	size_t size = 0;
	FILE  *m = NULL;

	ck_assert_ptr_nonnull(f);
	while ((c = getc(f)) != EOF) {
		if (m == NULL)
			m = open_memstream(&cur, &size);
		fputc(c, m);
		if (c == '"')
			quoted = !quoted;
		if (c == '\n' && !quoted) {
			fclose(m);
			m = NULL;
			ls.l = realloc(ls.l, (size_t)(ls.n + 1) * sizeof *ls.l);
			ls.l[ls.n++] = cur;
			cur = NULL;
		}
	}
	if (m != NULL) {
		fclose(m);
		ls.l = realloc(ls.l, (size_t)(ls.n + 1) * sizeof *ls.l);
		ls.l[ls.n++] = cur;
	}
	fclose(f);
	return ls;
}

static void
lines_write(const char *path, const lines *ls)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < ls->n; i++)
		fputs(ls->l[i], f);
	ck_assert_int_eq(fclose(f), 0);
}

static void
lines_free(lines *ls)
{
	for (int i = 0; i < ls->n; i++)
		free(ls->l[i]);
	free(ls->l);
}

/* report verify FILES..., stdout and stderr into out/err (owned). */
static int
verify(char **out, char **err, int nfiles, const char *const *files)
{
	char  *argv[16];
	size_t on = 0, en = 0;
	FILE  *o = open_memstream(out, &on), *e = open_memstream(err, &en);
	int    rc;

	argv[0] = "verify";
	for (int i = 0; i < nfiles; i++)
		argv[i + 1] = (char *)files[i];
	rc = report_verify_run(nfiles + 1, argv, o, e);
	fclose(o);
	fclose(e);
	return rc;
}

static void
assert_verify(const char *path, int want_rc, const char *want)
{
	char *out, *err;
	int   rc = verify(&out, &err, 1, &path);

	ck_assert_msg(rc == want_rc, "verify %s: rc %d, want %d; out: %s err: %s",
	    path, rc, want_rc, out, err);
	ck_assert_msg(strstr(out, want) != NULL, "verify %s: want \"%s\" in: %s%s",
	    path, want, out, err);
	free(out);
	free(err);
}

START_TEST(test_fresh_file_verifies)
{
	char  path[2048], *dir = make_session(path, sizeof path, NUNITS, NULL);
	char  head[CHAIN_HEX_LEN + 1];
	long  rows = 0;
	lines ls;

	assert_verify(path, 0, ": OK 8 rows, head ");
	ck_assert_int_eq(chain_head_read(path, head, &rows), 1);
	ck_assert_int_eq(rows, NUNITS);
	/* The head is the last row's row_sha256. */
	ls = lines_read(path);
	ck_assert_int_eq(ls.n, NUNITS + 1);
	ck_assert_ptr_nonnull(strstr(ls.l[NUNITS], head));
	ck_assert_ptr_nonnull(strstr(ls.l[0], ",detail_file,checks,row_sha256\r\n"));
	lines_free(&ls);
	free(dir);
}
END_TEST

START_TEST(test_edited_field_detected)
{
	char  path[2048], *dir = make_session(path, sizeof path, NUNITS, NULL);
	lines ls = lines_read(path);
	char *p = strstr(ls.l[3], ",PASS,");

	/* Row 3 (line 4): PASS becomes FAIL, nothing else changes. */
	ck_assert_ptr_nonnull(p);
	memcpy(p + 1, "FAIL", 4);
	lines_write(path, &ls);
	assert_verify(path, 1, ": row 3 (line 4): row_sha256 does not match its "
	    "content or the row before it was changed/deleted/inserted");
	lines_free(&ls);
	free(dir);
}
END_TEST

START_TEST(test_deleted_row_detected)
{
	char  path[2048], *dir = make_session(path, sizeof path, NUNITS, NULL);
	lines ls = lines_read(path);

	free(ls.l[4]);
	memmove(ls.l + 4, ls.l + 5, (size_t)(ls.n - 5) * sizeof *ls.l);
	ls.n--;
	lines_write(path, &ls);
	/* The row after the gap is the first that no longer fits. */
	assert_verify(path, 1, ": row 4 (line 5): row_sha256 does not match");
	lines_free(&ls);
	free(dir);
}
END_TEST

START_TEST(test_swapped_rows_detected)
{
	char  path[2048], *dir = make_session(path, sizeof path, NUNITS, NULL);
	lines ls = lines_read(path);
	char *t = ls.l[2];

	ls.l[2] = ls.l[3];
	ls.l[3] = t;
	lines_write(path, &ls);
	assert_verify(path, 1, ": row 2 (line 3): row_sha256 does not match");
	lines_free(&ls);
	free(dir);
}
END_TEST

START_TEST(test_inserted_copy_detected)
{
	char  path[2048], *dir = make_session(path, sizeof path, NUNITS, NULL);
	lines ls = lines_read(path);

	/* A copy of row 2 inserted as row 6. */
	ls.l = realloc(ls.l, (size_t)(ls.n + 1) * sizeof *ls.l);
	memmove(ls.l + 7, ls.l + 6, (size_t)(ls.n - 6) * sizeof *ls.l);
	ls.l[6] = strdup(ls.l[2]);
	ls.n++;
	lines_write(path, &ls);
	assert_verify(path, 1, ": row 6 (line 7): row_sha256 does not match");
	lines_free(&ls);
	free(dir);
}
END_TEST

START_TEST(test_last_row_removed_detected_by_head)
{
	char  path[2048], *dir = make_session(path, sizeof path, NUNITS, NULL);
	lines ls = lines_read(path);
	char  head[2100];

	free(ls.l[--ls.n]);
	lines_write(path, &ls);
	assert_verify(path, 1, ": file ends before the recorded head: rows "
	    "removed at the end (the head records 8 rows, the file has 7)");

	/* Without the head the shortened file cannot be told apart. */
	chain_head_path(path, head, sizeof head);
	ck_assert_int_eq(unlink(head), 0);
	assert_verify(path, 0, ": OK 7 rows, head ");
	assert_verify(path, 0, ".head: rows removed at the end would not show)");
	lines_free(&ls);
	free(dir);
}
END_TEST

START_TEST(test_row_appended_after_head_detected)
{
	char  path[2048], *dir = make_session(path, sizeof path, NUNITS, NULL);
	char  head[2100], *out, *err;
	const char *p = path;
	FILE *f;

	/* The head goes back one row: the file now has a row it does not
	 * know (as if the station stopped between the row and its head). */
	{
		lines ls = lines_read(path);
		char  prev[CHAIN_HEX_LEN + 1];
		size_t n = strlen(ls.l[NUNITS - 1]);

		memcpy(prev, ls.l[NUNITS - 1] + n - 2 - CHAIN_HEX_LEN, CHAIN_HEX_LEN);
		prev[CHAIN_HEX_LEN] = '\0';
		chain_head_path(path, head, sizeof head);
		f = fopen(head, "w");
		fprintf(f, "%s %d\n", prev, NUNITS - 1);
		fclose(f);
		lines_free(&ls);
	}
	ck_assert_int_eq(verify(&out, &err, 1, &p), 1);
	ck_assert_ptr_nonnull(strstr(out, ": row 8: rows after the recorded head: "
	    "rows 8 to 8 were added after it"));
	free(out);
	free(err);

	/* A head that is not a head at all. */
	f = fopen(head, "w");
	fputs("not a head\n", f);
	fclose(f);
	assert_verify(path, 1, ".head is not \"<64 hex digits> <rows>\"");
	free(dir);
}
END_TEST

START_TEST(test_hostile_fields_verify_and_count_lines)
{
	static const char hostile[] =
	    "=cmd|' /C calc'!A0, \"quoted\"\r\nsecond line\n\xff\xfe bad \xc3( utf8";
	char  path[2048], *dir = make_session(path, sizeof path, NUNITS, hostile);
	lines ls;
	char *p;

	assert_verify(path, 0, ": OK 8 rows");
	/* Row 2 spans three lines; an edit to row 4 is on line 7, not 5. */
	ls = lines_read(path);
	ck_assert_int_eq(ls.n, NUNITS + 1);
	p = strstr(ls.l[4], "BG96,");
	ck_assert_ptr_nonnull(p);
	p[3] = '5';
	lines_write(path, &ls);
	assert_verify(path, 1, ": row 4 (line 7): row_sha256 does not match");
	lines_free(&ls);

	/* An edit inside the hostile field itself. */
	free(dir);
	dir = make_session(path, sizeof path, NUNITS, hostile);
	ls = lines_read(path);
	p = strstr(ls.l[3], "second line");
	ck_assert_ptr_nonnull(p);
	p[0] = 'S';
	lines_write(path, &ls);
	assert_verify(path, 1, ": row 3 (line 4): row_sha256 does not match");
	lines_free(&ls);
	free(dir);
}
END_TEST

START_TEST(test_appends_continue_the_chain)
{
	char           path[2048], err[256], *dir = make_session(path, sizeof path, 3, NULL);
	report_writer *w;

	/* A second writer (a restarted station) picks the chain up. */
	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	run_unit(w, 3, NULL);
	run_unit(w, 4, "second run");
	report_close(w);
	assert_verify(path, 0, ": OK 5 rows");
	free(dir);
}
END_TEST

START_TEST(test_older_file_gets_a_fresh_chain)
{
	char           path[2048], err[256], *dir = make_dir(), *out, *errs;
	report_writer *w;
	FILE          *f;
	const char    *argv[] = { "summary", NULL };
	lines          ls;
	int            rc;

	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/line3-A-2026-11-21.csv", dir);
	f = fopen(path, "w");
	fputs("run_id,station,operator,slot,usb_path,port,model,imei,iccid,"
	    "fw_before,fw_target,fw_after,package,package_sha256,delivery,"
	    "result,error_phase,error_code,error_text,attempts,started_at,"
	    "finished_at,duration_s,transfer_s,update_s,detail_file\r\n", f);
	fputs("r0,line3-A,ana,A1,,,BG96,1,,X,Y,Y,,,upload,PASS,,,,1,"
	    "2026-11-21T08:00:00.000Z,2026-11-21T08:01:00.000Z,60.000,,,\r\n", f);
	fputs("r1,line3-A,ana,A2,,,BG96,2,,X,Y,Y,,,upload,FAIL,UPDATING,510,x,1,"
	    "2026-11-21T08:00:00.000Z,2026-11-21T08:02:00.000Z,120.000,,,\r\n", f);
	fclose(f);
	run_unit(w, 5, NULL);
	report_close(w);

	ls = lines_read(path);
	ck_assert_int_eq(ls.n, 5);
	ck_assert_ptr_nonnull(strstr(ls.l[3], ",detail_file,checks,row_sha256\r\n"));
	lines_free(&ls);
	assert_verify(path, 0, ": OK 1 rows, head ");
	assert_verify(path, 0, "(2 earlier rows have no row_sha256");

	/* summary reads all three rows, the second header skipped. */
	argv[1] = path;
	{
		size_t on = 0, en = 0;
		FILE  *o = open_memstream(&out, &on), *e = open_memstream(&errs, &en);

		rc = report_summary_run(2, (char **)argv, o, e);
		fclose(o);
		fclose(e);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_msg(strstr(out, "units 3, finished 3") != NULL, "%s", out);
	ck_assert_ptr_null(strstr(errs, "error"));
	free(out);
	free(errs);
	free(dir);
}
END_TEST

/* A file chained by the version before the checks column (27 columns,
 * row_sha256 last): this version goes on under its own header line, the
 * chain running on across it, and verify holds the whole file to it. */
START_TEST(test_checks_column_continues_older_chain)
{
	static const char *const old_rows[] = {
	    "r0,line3-A,ana,A1,,,BG96,1,,X,Y,Y,,,upload,PASS,,,,1,"
	    "2026-11-21T08:00:00.000Z,2026-11-21T08:01:00.000Z,60.000,,,u0.csv",
	    "r1,line3-A,ana,A2,,,BG96,2,,X,Y,Y,,,upload,FAIL,UPDATING,510,x,1,"
	    "2026-11-21T08:00:00.000Z,2026-11-21T08:02:00.000Z,120.000,,,u1.csv",
	};
	char           path[2048], hpath[2100], err[256], *dir = make_dir();
	char           prev[CHAIN_HEX_LEN + 1], hash[CHAIN_HEX_LEN + 1];
	report_writer *w;
	FILE          *f;
	lines          ls;

	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/line3-A-2026-11-21.csv", dir);
	f = fopen(path, "w");
	fputs("run_id,station,operator,slot,usb_path,port,model,imei,iccid,"
	    "fw_before,fw_target,fw_after,package,package_sha256,delivery,"
	    "result,error_phase,error_code,error_text,attempts,started_at,"
	    "finished_at,duration_s,transfer_s,update_s,detail_file,row_sha256\r\n", f);
	chain_zero(prev);
	for (int i = 0; i < 2; i++) {
		chain_row_hash(prev, old_rows[i], strlen(old_rows[i]), hash);
		fprintf(f, "%s,%s\r\n", old_rows[i], hash);
		memcpy(prev, hash, sizeof prev);
	}
	fclose(f);
	chain_head_path(path, hpath, sizeof hpath);
	f = fopen(hpath, "w");
	fprintf(f, "%s 2\n", prev);
	fclose(f);
	assert_verify(path, 0, ": OK 2 rows, head ");

	run_unit(w, 5, NULL);
	report_close(w);
	ls = lines_read(path);
	ck_assert_int_eq(ls.n, 5);
	ck_assert_ptr_nonnull(strstr(ls.l[3], ",detail_file,checks,row_sha256\r\n"));
	/* The new row chains from the old rows' last row_sha256. */
	chain_row_hash(prev, ls.l[4], strrchr(ls.l[4], ',') - ls.l[4], hash);
	ck_assert_ptr_nonnull(strstr(ls.l[4], hash));
	assert_verify(path, 0, ": OK 3 rows, head ");

	/* An old row taken out is still seen across the new header. */
	free(ls.l[2]);
	ls.l[2] = strdup("");
	lines_write(path, &ls);
	assert_verify(path, 1, "row_sha256 does not match");
	lines_free(&ls);
	free(dir);
}
END_TEST

START_TEST(test_torn_last_row_is_cut_before_the_next)
{
	char           path[2048], err[256], *dir = make_session(path, sizeof path, 3, NULL);
	report_writer *w;
	FILE          *f;
	lines          ls;

	/* Half a row, as a power cut during an unacknowledged write leaves. */
	f = fopen(path, "ab");
	fputs("run-x,line3-A,ana,A1,1-1.1,/dev/tty", f);
	fclose(f);
	assert_verify(path, 1, ": row 4 (line 5): has ");

	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	run_unit(w, 6, NULL);
	report_close(w);
	ls = lines_read(path);
	ck_assert_int_eq(ls.n, 5);
	ck_assert_ptr_null(strstr(ls.l[4], "run-x"));
	lines_free(&ls);
	assert_verify(path, 0, ": OK 4 rows");
	free(dir);
}
END_TEST

/* The worked example of docs/audit.md, recomputed. */
START_TEST(test_docs_worked_example)
{
	static const char row1[] =
	    "r1,line3-A,ana,A1,1-1.2,/dev/ttyUSB2,BG96,861234567890123,"
	    "8944500000000000001,BG96MAR02A07M1G,BG96MAR02A08M1G,"
	    "BG96MAR02A08M1G,packages/bg96-a07-a08.zip,,upload,PASS,,,,1,"
	    "2026-11-21T10:00:01.123Z,2026-11-21T10:02:04.579Z,123.456,"
	    "12.500,101.250,units/861234567890123-20261121T100001.123Z.csv";
	static const char row2[] =
	    "r2,line3-A,ana,A2,1-1.3,/dev/ttyUSB5,BG96,861234567890124,,"
	    "BG96MAR02A07M1G,BG96MAR02A08M1G,BG96MAR02A07M1G,"
	    "packages/bg96-a07-a08.zip,,upload,FAIL,UPDATING,510,"
	    "\"firmware mismatch, rolled back\",3,2026-11-21T10:05:00.000Z,"
	    "2026-11-21T10:09:00.000Z,240.000,12.000,,"
	    "units/861234567890124-20261121T100500.000Z.csv";
	char zero[CHAIN_HEX_LEN + 1], h1[CHAIN_HEX_LEN + 1], h2[CHAIN_HEX_LEN + 1];
	char r1[sizeof row1 + 32], r2[sizeof row2 + 8];

	chain_zero(zero);
	/* As rows of the version before the checks column. */
	chain_row_hash(zero, row1, strlen(row1), h1);
	chain_row_hash(h1, row2, strlen(row2), h2);
	ck_assert_str_eq(h1, "58e7f2152fb93561b415d4af16555431ee7e3a34425a8f25060a58516a30a2a1");
	ck_assert_str_eq(h2, "f0400e5f5543ad13d50e1bd2cd4c97665d94b95fcba3c044a870538513c5d682");
	/* docs/audit.md's rows, with it. */
	snprintf(r1, sizeof r1, "%s,imei=ok;network=ok", row1);
	snprintf(r2, sizeof r2, "%s,", row2);
	chain_row_hash(zero, r1, strlen(r1), h1);
	chain_row_hash(h1, r2, strlen(r2), h2);
	ck_assert_str_eq(h1, "ccc5254d72468b4715b2789b958f9b5818946bbac2d0d3ddfca7d62a74355f39");
	ck_assert_str_eq(h2, "e3bb8484f615a433b837c7676de9e80e0809ac66def9cdfc12350dbff81be1c9");
}
END_TEST

START_TEST(test_exit_statuses)
{
	char        path[2048], *dir = make_session(path, sizeof path, 2, NULL);
	char        other[2048], *dir2 = make_session(other, sizeof other, 2, NULL);
	char       *out, *err;
	const char *files[3];
	lines       ls;

	/* Usage. */
	ck_assert_int_eq(verify(&out, &err, 0, files), 2);
	ck_assert_ptr_nonnull(strstr(err, "usage: dfota-station report verify"));
	free(out);
	free(err);
	files[0] = "--bogus";
	ck_assert_int_eq(verify(&out, &err, 1, files), 2);
	free(out);
	free(err);
	/* Unreadable alone: 2; both good: 0. */
	files[0] = "/nonexistent/x.csv";
	ck_assert_int_eq(verify(&out, &err, 1, files), 2);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.csv: No such file"));
	free(out);
	free(err);
	files[0] = path;
	files[1] = other;
	ck_assert_int_eq(verify(&out, &err, 2, files), 0);
	free(out);
	free(err);
	/* A changed file wins over an unreadable one, and every file is
	 * still reported. */
	ls = lines_read(other);
	ls.l[1][0] = 'R';
	lines_write(other, &ls);
	lines_free(&ls);
	files[0] = "/nonexistent/x.csv";
	files[1] = other;
	files[2] = path;
	ck_assert_int_eq(verify(&out, &err, 3, files), 1);
	ck_assert_ptr_nonnull(strstr(out, ": row 1 (line 2): "));
	ck_assert_ptr_nonnull(strstr(out, ": OK 2 rows"));
	free(out);
	free(err);
	free(dir);
	free(dir2);
}
END_TEST

static Suite *
verify_suite(void)
{
	Suite *s = suite_create("verify");
	TCase *tc = tcase_create("verify");

	tcase_add_test(tc, test_fresh_file_verifies);
	tcase_add_test(tc, test_edited_field_detected);
	tcase_add_test(tc, test_deleted_row_detected);
	tcase_add_test(tc, test_swapped_rows_detected);
	tcase_add_test(tc, test_inserted_copy_detected);
	tcase_add_test(tc, test_last_row_removed_detected_by_head);
	tcase_add_test(tc, test_row_appended_after_head_detected);
	tcase_add_test(tc, test_hostile_fields_verify_and_count_lines);
	tcase_add_test(tc, test_appends_continue_the_chain);
	tcase_add_test(tc, test_older_file_gets_a_fresh_chain);
	tcase_add_test(tc, test_checks_column_continues_older_chain);
	tcase_add_test(tc, test_torn_last_row_is_cut_before_the_next);
	tcase_add_test(tc, test_docs_worked_example);
	tcase_add_test(tc, test_exit_statuses);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run_suite(verify_suite(), CK_NORMAL);
}
