/*
 * test_headless: the JSON lines of --headless for a sequence of events,
 * compared line by line, and the string escaping that keeps every line
 * valid JSON whatever bytes a module sent, and the one line of a station
 * that cannot start (headless_fail: the parts of its message).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/text.h"
#include "ui/headless.h"
#include "tests/harness/harness.h"

static char *
json_of(const char *s)
{
	FILE *f = tmpfile();
	char *out;

	text_json_string(f, s);
	out = harness_read_stream(f, NULL);
	fclose(f);
	return out;
}

static void
send(headless *h, bus_kind kind, int64_t ts, int slot, const char *label,
    unit_phase phase, int percent, int code, const char *text, unit_record *u)
{
	bus_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.ts_ms = ts;
	ev.slot = slot;
	snprintf(ev.slot_label, sizeof ev.slot_label, "%s", label);
	ev.phase = phase;
	ev.percent = percent;
	ev.error_code = code;
	ev.text = (char *)text;
	ev.unit = u;
	headless_on_event(h, &ev);
}

/* 2026-11-21T10:00:01.123Z */
#define T0 1795255201123LL

START_TEST(test_sequence)
{
	static const char *want[] = {
		"{\"ts\":\"2026-11-21T10:00:01.123Z\",\"slot\":\"A1\",\"unit\":null,"
		    "\"phase\":\"IDENTIFY\",\"percent\":null,\"error\":null}",
		"{\"ts\":\"2026-11-21T10:00:03.123Z\",\"slot\":\"A1\",\"unit\":\"861234567890123\","
		    "\"phase\":\"UPDATING\",\"percent\":42,\"error\":null}",
		"{\"ts\":\"2026-11-21T10:00:04.123Z\",\"alert\":\"reports folder full\"}",
		"{\"ts\":\"2026-11-21T10:00:05.123Z\",\"slot\":\"A2\",\"unit\":\"862222222222222\","
		    "\"phase\":\"UPDATING\",\"percent\":null,\"error\":{\"code\":510,"
		    "\"text\":\"firmware mismatch\"}}",
		"{\"ts\":\"2026-11-21T10:00:06.123Z\",\"slot\":\"A2\",\"unit\":\"862222222222222\","
		    "\"phase\":\"REBOOT\",\"percent\":null,\"error\":{\"code\":null,"
		    "\"text\":\"port did not come back within 180 s\"}}",
		"{\"ts\":\"2026-11-21T10:00:07.123Z\",\"slot\":\"A1\",\"unit\":\"861234567890123\","
		    "\"phase\":\"DONE\",\"percent\":100,\"result\":\"PASS\","
		    "\"fw_before\":\"BG96MAR02A07M1G\",\"fw_after\":\"BG96MAR02A08M1G\","
		    "\"checks\":\"imei=ok;network=ok\",\"error\":null}",
		"{\"ts\":\"2026-11-21T10:00:08.123Z\",\"slot\":\"A2\",\"unit\":\"862222222222222\","
		    "\"phase\":\"DONE\",\"percent\":null,\"result\":\"FAIL\","
		    "\"fw_before\":\"BG96MAR02A07M1G\",\"fw_after\":\"BG96MAR02A07M1G\","
		    "\"checks\":null,\"error\":{\"code\":510,\"text\":\"firmware mismatch\"}}",
		/* After its unit ended the slot has no unit again. */
		"{\"ts\":\"2026-11-21T10:00:09.123Z\",\"slot\":\"A1\",\"unit\":null,"
		    "\"phase\":\"WAIT\",\"percent\":null,\"error\":null}",
	};
	FILE        *f = tmpfile();
	headless    *h = headless_new(f);
	unit_record  a, b;
	char        *out, *line, *save = NULL;
	int          n = 0;

	unit_record_init(&a);
	snprintf(a.imei, sizeof a.imei, "861234567890123");
	snprintf(a.fw_before, sizeof a.fw_before, "BG96MAR02A07M1G");
	unit_record_init(&b);
	snprintf(b.imei, sizeof b.imei, "862222222222222");
	snprintf(b.fw_before, sizeof b.fw_before, "BG96MAR02A07M1G");

	send(h, BUS_STATE, T0, 0, "A1", PHASE_IDENTIFY, -1, -1, NULL, NULL);
	send(h, BUS_TX, T0 + 500, 0, "A1", PHASE_IDENTIFY, -1, -1, "AT+GSN", NULL);
	send(h, BUS_RX, T0 + 600, 0, "A1", PHASE_IDENTIFY, -1, -1, "8612", NULL);
	send(h, BUS_UNIT_START, T0 + 1000, 0, "A1", PHASE_PLAN, -1, -1, NULL, &a);
	send(h, BUS_UNIT_START, T0 + 1500, 1, "A2", PHASE_PLAN, -1, -1, NULL, &b);
	send(h, BUS_NOTE, T0 + 1600, 0, "A1", PHASE_PLAN, -1, -1, "note", NULL);
	send(h, BUS_PORT, T0 + 1700, 0, "A1", PHASE_PLAN, -1, -1, "port lost", NULL);
	send(h, BUS_STATE, T0 + 2000, 0, "A1", PHASE_UPDATING, 42, -1, NULL, NULL);
	send(h, BUS_ALERT, T0 + 3000, -1, "", PHASE_WAIT, -1, -1,
	    "reports folder full", NULL);
	send(h, BUS_STATE, T0 + 4000, 1, "A2", PHASE_UPDATING, -1, 510,
	    "firmware mismatch", NULL);
	send(h, BUS_STATE, T0 + 5000, 1, "A2", PHASE_REBOOT, -1, -1,
	    "port did not come back within 180 s", NULL);

	snprintf(a.fw_after, sizeof a.fw_after, "BG96MAR02A08M1G");
	snprintf(a.checks, sizeof a.checks, "imei=ok;network=ok");
	a.result = RESULT_PASS;
	send(h, BUS_UNIT_END, T0 + 6000, 0, "A1", PHASE_DONE, 100, -1, NULL, &a);
	snprintf(b.fw_after, sizeof b.fw_after, "BG96MAR02A07M1G");
	b.result = RESULT_FAIL;
	b.error_code = 510;
	snprintf(b.error_text, sizeof b.error_text, "firmware mismatch");
	send(h, BUS_UNIT_END, T0 + 7000, 1, "A2", PHASE_DONE, -1, -1, NULL, &b);
	send(h, BUS_STATE, T0 + 8000, 0, "A1", PHASE_WAIT, -1, -1, NULL, NULL);

	headless_finish(h, 1);
	out = harness_read_stream(f, NULL);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), n++) {
		if (n < 8) {
			ck_assert_str_eq(line, want[n]);
			continue;
		}
		ck_assert_int_eq(n, 8);
		ck_assert_int_eq(strncmp(line, "{\"ts\":\"", 7), 0);
		ck_assert_ptr_nonnull(strstr(line, "\",\"summary\":{\"units\":2,\"PASS\":1,"
		    "\"FAIL\":1,\"SKIPPED\":0,\"NO_PACKAGE\":0,\"ABORTED\":0},\"exit\":1}"));
	}
	ck_assert_int_eq(n, 9);
	free(out);
	headless_free(h);
	fclose(f);
}
END_TEST

START_TEST(test_lines_are_flushed)
{
	char      *buf = NULL;
	size_t     size = 0;
	FILE      *f = open_memstream(&buf, &size);
	headless  *h = headless_new(f);

	send(h, BUS_ALERT, T0, -1, "", PHASE_WAIT, -1, -1, "x", NULL);
	/* No fflush here: the sink must have done it. */
	ck_assert_uint_gt(size, 0);
	ck_assert_int_eq(buf[size - 1], '\n');
	headless_free(h);
	fclose(f);
	free(buf);
}
END_TEST

START_TEST(test_json_string_escaping)
{
	char *s;

	s = json_of("plain");
	ck_assert_str_eq(s, "\"plain\"");
	free(s);
	s = json_of("q\"b\\s/");
	ck_assert_str_eq(s, "\"q\\\"b\\\\s/\"");
	free(s);
	s = json_of("l1\r\nt\tz\x01\x1f");
	ck_assert_str_eq(s, "\"l1\\u000D\\u000At\\u0009z\\u0001\\u001F\"");
	free(s);
	/* Valid UTF-8 passes through. */
	s = json_of("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	ck_assert_str_eq(s, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	free(s);
	/* Invalid: each bad byte as \u00XX. */
	s = json_of("a\xff" "b\xc0\xaf\xed\xa0\x80" "c\xe2\x82");
	ck_assert_str_eq(s, "\"a\\u00FFb\\u00C0\\u00AF\\u00ED\\u00A0\\u0080c"
	    "\\u00E2\\u0082\"");
	free(s);
	s = json_of(NULL);
	ck_assert_str_eq(s, "null");
	free(s);
}
END_TEST

START_TEST(test_hostile_text_keeps_line_valid)
{
	FILE     *f = tmpfile();
	headless *h = headless_new(f);
	char     *out;

	send(h, BUS_STATE, T0, 3, "B\"1", PHASE_UPDATING, 7, 701,
	    "bad\n\xfe\"}", NULL);
	out = harness_read_stream(f, NULL);
	ck_assert_str_eq(out, "{\"ts\":\"2026-11-21T10:00:01.123Z\",\"slot\":\"B\\\"1\","
	    "\"unit\":null,\"phase\":\"UPDATING\",\"percent\":7,\"error\":"
	    "{\"code\":701,\"text\":\"bad\\u000A\\u00FE\\\"}\"}}\n");
	free(out);
	headless_free(h);
	fclose(f);
}
END_TEST

/* The line of a station that cannot start: the message's parts. */
START_TEST(test_fail_line)
{
	static const struct { const char *path, *message, *want; int exit; } cases[] = {
		{ "st.cfg", "st.cfg:12: policy.attempts: must be a whole number from 1 to 10, got 0",
		  ",\"error\":{\"file\":\"st.cfg\",\"line\":12,\"setting\":\"policy.attempts\","
		  "\"message\":\"must be a whole number from 1 to 10, got 0\"},\"exit\":2}\n", 2 },
		/* a ':' in the path; a list element as the setting */
		{ NULL, "/etc/a:b/st.cfg:3: packages[1].sha256: file x has \"y\"",
		  ",\"error\":{\"file\":\"/etc/a:b/st.cfg\",\"line\":3,\"setting\":"
		  "\"packages[1].sha256\",\"message\":\"file x has \\\"y\\\"\"},\"exit\":2}\n", 2 },
		/* a syntax error names no setting */
		{ "st.cfg", "st.cfg:4: syntax error: syntax error",
		  ",\"error\":{\"file\":\"st.cfg\",\"line\":4,\"setting\":null,"
		  "\"message\":\"syntax error: syntax error\"},\"exit\":2}\n", 2 },
		/* the station file named, no line */
		{ "st.cfg", "st.cfg: cannot open: No such file or directory",
		  ",\"error\":{\"file\":\"st.cfg\",\"line\":null,\"setting\":null,"
		  "\"message\":\"cannot open: No such file or directory\"},\"exit\":2}\n", 2 },
		/* a sentence */
		{ NULL, "cannot use USB: /sys/bus/usb: No such file or directory",
		  ",\"error\":{\"file\":null,\"line\":null,\"setting\":null,"
		  "\"message\":\"cannot use USB: /sys/bus/usb: No such file or directory\"},"
		  "\"exit\":3}\n", 3 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		FILE *f = tmpfile();
		char *out, *rest;

		headless_fail(f, cases[i].path, cases[i].message, cases[i].exit);
		out = harness_read_stream(f, NULL);
		fclose(f);
		ck_assert_msg(strncmp(out, "{\"ts\":\"", 7) == 0, "%s", out);
		rest = strstr(out, "\",\"error\"");
		ck_assert_msg(rest != NULL, "%s", out);
		ck_assert_str_eq(rest + 1, cases[i].want);
		free(out);
	}
}
END_TEST

static Suite *
headless_suite(void)
{
	Suite *s = suite_create("headless");
	TCase *tc = tcase_create("headless");

	tcase_add_test(tc, test_sequence);
	tcase_add_test(tc, test_lines_are_flushed);
	tcase_add_test(tc, test_json_string_escaping);
	tcase_add_test(tc, test_hostile_text_keeps_line_valid);
	tcase_add_test(tc, test_fail_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run_suite(headless_suite(), CK_NORMAL);
}
