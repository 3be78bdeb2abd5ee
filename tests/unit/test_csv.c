/*
 * test_csv: RFC 4180 escaping, the formula guard, UTF-8 validation and
 * control bytes, and the reader (round trip, embedded line ends,
 * unterminated quotes).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/csv.h"
#include "tests/harness/harness.h"

static char *
esc(const char *in, bool guard)
{
	static char buf[1024];

	csv_escape(buf, sizeof buf, in, guard);
	return buf;
}

START_TEST(test_plain_fields_unchanged)
{
	ck_assert_str_eq(esc("BG96MAR02A07M1G", true), "BG96MAR02A07M1G");
	ck_assert_str_eq(esc("", true), "");
	ck_assert_str_eq(esc(NULL, true), "");
	ck_assert_str_eq(esc("a b\tc", true), "a b\tc");
	ck_assert_str_eq(esc("Gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80", true),
	    "Gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80");
}
END_TEST

START_TEST(test_quoting)
{
	ck_assert_str_eq(esc("a,b", false), "\"a,b\"");
	ck_assert_str_eq(esc("say \"hi\"", false), "\"say \"\"hi\"\"\"");
	ck_assert_str_eq(esc("\"", false), "\"\"\"\"");
	ck_assert_str_eq(esc("line1\nline2", false), "\"line1\nline2\"");
	ck_assert_str_eq(esc("line1\r\nline2", false), "\"line1\r\nline2\"");
	ck_assert_str_eq(esc("cr\ronly", false), "\"cr\ronly\"");
	ck_assert_str_eq(esc("pkg a > pkg b", false), "pkg a > pkg b");
}
END_TEST

START_TEST(test_formula_guard_each_char)
{
	ck_assert_str_eq(esc("=1+1", true), "'=1+1");
	ck_assert_str_eq(esc("+QIND: \"FOTA\",\"END\",0", true),
	    "\"'+QIND: \"\"FOTA\"\",\"\"END\"\",0\"");
	ck_assert_str_eq(esc("-5", true), "'-5");
	ck_assert_str_eq(esc("@SUM(A1)", true), "'@SUM(A1)");
	ck_assert_str_eq(esc("\tx", true), "'\tx");
	/* CR forces quoting, and the guard goes inside the quotes. */
	ck_assert_str_eq(esc("\rx", true), "\"'\rx\"");
	/* Only the first character counts. */
	ck_assert_str_eq(esc("a=b", true), "a=b");
	ck_assert_str_eq(esc("1-2", true), "1-2");
	/* Without the guard nothing is added. */
	ck_assert_str_eq(esc("=1+1", false), "=1+1");
	ck_assert_str_eq(esc("-5", false), "-5");
}
END_TEST

START_TEST(test_control_bytes)
{
	ck_assert_str_eq(esc("a\x01" "b", false), "a\\x01b");
	ck_assert_str_eq(esc("\x1b[0m", false), "\\x1B[0m");
	ck_assert_str_eq(esc("del\x7f", false), "del\\x7F");
	/* TAB, CR, LF stay. */
	ck_assert_str_eq(esc("a\tb", false), "a\tb");
}
END_TEST

START_TEST(test_invalid_utf8)
{
	/* lone continuation, lone lead, overlong '/', overlong 3-byte,
	 * surrogate, beyond U+10FFFF, F5+, truncated at the end. */
	ck_assert_str_eq(esc("\x80", false), "\\x80");
	ck_assert_str_eq(esc("\xc3" "A", false), "\\xC3A");
	ck_assert_str_eq(esc("\xc0\xaf", false), "\\xC0\\xAF");
	ck_assert_str_eq(esc("\xc1\xbf", false), "\\xC1\\xBF");
	ck_assert_str_eq(esc("\xe0\x80\xaf", false), "\\xE0\\x80\\xAF");
	ck_assert_str_eq(esc("\xf0\x80\x80\xaf", false), "\\xF0\\x80\\x80\\xAF");
	ck_assert_str_eq(esc("\xed\xa0\x80", false), "\\xED\\xA0\\x80");
	ck_assert_str_eq(esc("\xf4\x90\x80\x80", false), "\\xF4\\x90\\x80\\x80");
	ck_assert_str_eq(esc("\xf5\x80\x80\x80", false), "\\xF5\\x80\\x80\\x80");
	ck_assert_str_eq(esc("\xff", false), "\\xFF");
	ck_assert_str_eq(esc("ok\xe2\x82", false), "ok\\xE2\\x82");
	ck_assert_str_eq(esc("\xf0\x9f\x98", false), "\\xF0\\x9F\\x98");
	/* Boundaries that are valid. */
	ck_assert_str_eq(esc("\xed\x9f\xbf", false), "\xed\x9f\xbf");
	ck_assert_str_eq(esc("\xf4\x8f\xbf\xbf", false), "\xf4\x8f\xbf\xbf");
	ck_assert_str_eq(esc("\xc2\x80", false), "\xc2\x80");
	/* Escaping and quoting together. */
	ck_assert_str_eq(esc("\xff,x", false), "\"\\xFF,x\"");
}
END_TEST

START_TEST(test_escape_length_like_snprintf)
{
	char   small[4];
	size_t n = csv_escape(small, sizeof small, "a,b", false);

	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(small, "\"a,");
	ck_assert_uint_eq(csv_escape(NULL, 0, "\xff", false), 4);
}
END_TEST

static FILE *
mem_file(const char *text)
{
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	rewind(f);
	return f;
}

START_TEST(test_write_row_crlf)
{
	const char *fields[] = { "a", "b,c", NULL, "=x" };
	char        buf[128];
	FILE       *f = tmpfile();
	size_t      n;

	ck_assert_int_eq(csv_write_row(f, fields, 4, true), 0);
	rewind(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "a,\"b,c\",,'=x\r\n");
	fclose(f);
}
END_TEST

START_TEST(test_reader_round_trip)
{
	const char *rows[][5] = {
		{ "plain", "with,comma", "with \"quotes\"", "multi\r\nline", "" },
		{ "lf\nonly", "", "\xc3\xa9t\xc3\xa9", "x", "last" },
	};
	csv_reader r;
	FILE      *f = tmpfile();

	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(csv_write_row(f, rows[i], 5, false), 0);
	rewind(f);
	csv_reader_init(&r, f);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(csv_read_record(&r), 1);
		ck_assert_int_eq(r.nfields, 5);
		for (int j = 0; j < 5; j++)
			ck_assert_str_eq(r.fields[j], rows[i][j]);
	}
	/* The second record starts on line 3: the first spans two. */
	ck_assert_int_eq(r.line, 3);
	ck_assert_int_eq(csv_read_record(&r), 0);
	csv_reader_free(&r);
	fclose(f);
}
END_TEST

START_TEST(test_reader_escaped_bytes_round_trip)
{
	const char *in[] = { "\x01\xff\x80" };
	csv_reader r;
	FILE      *f = tmpfile();

	csv_write_row(f, in, 1, false);
	rewind(f);
	csv_reader_init(&r, f);
	ck_assert_int_eq(csv_read_record(&r), 1);
	ck_assert_str_eq(r.fields[0], "\\x01\\xFF\\x80");
	csv_reader_free(&r);
	fclose(f);
}
END_TEST

START_TEST(test_reader_lf_and_no_final_newline)
{
	csv_reader r;
	FILE      *f = mem_file("a,b\nc,\"d\"\"e\"\n\nlast,row");

	csv_reader_init(&r, f);
	ck_assert_int_eq(csv_read_record(&r), 1);
	ck_assert_int_eq(r.nfields, 2);
	ck_assert_str_eq(r.fields[1], "b");
	ck_assert_int_eq(csv_read_record(&r), 1);
	ck_assert_str_eq(r.fields[0], "c");
	ck_assert_str_eq(r.fields[1], "d\"e");
	ck_assert_int_eq(csv_read_record(&r), 1);      /* the blank line */
	ck_assert_int_eq(r.nfields, 1);
	ck_assert_str_eq(r.fields[0], "");
	ck_assert_int_eq(csv_read_record(&r), 1);
	ck_assert_str_eq(r.fields[0], "last");
	ck_assert_str_eq(r.fields[1], "row");
	ck_assert_int_eq(r.line, 4);
	ck_assert_int_eq(csv_read_record(&r), 0);
	csv_reader_free(&r);
	fclose(f);
}
END_TEST

START_TEST(test_reader_unterminated_quote)
{
	csv_reader r;
	FILE      *f = mem_file("ok,1\r\n\"never closed,2\r\nmore\r\n");

	csv_reader_init(&r, f);
	ck_assert_int_eq(csv_read_record(&r), 1);
	ck_assert_int_eq(csv_read_record(&r), -1);
	ck_assert_int_eq(r.line, 2);
	csv_reader_free(&r);
	fclose(f);
}
END_TEST

START_TEST(test_reader_many_fields_and_long_field)
{
	char       *big = malloc(100001);
	const char *fields[300];
	csv_reader  r;
	FILE       *f = tmpfile();

	memset(big, 'x', 100000);
	big[100000] = '\0';
	for (int i = 0; i < 300; i++)
		fields[i] = i == 150 ? big : "v";
	ck_assert_int_eq(csv_write_row(f, fields, 300, false), 0);
	rewind(f);
	csv_reader_init(&r, f);
	ck_assert_int_eq(csv_read_record(&r), 1);
	ck_assert_int_eq(r.nfields, 300);
	ck_assert_str_eq(r.fields[150], big);
	ck_assert_str_eq(r.fields[299], "v");
	csv_reader_free(&r);
	fclose(f);
	free(big);
}
END_TEST

static Suite *
csv_suite(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("csv");

	tcase_add_test(tc, test_plain_fields_unchanged);
	tcase_add_test(tc, test_quoting);
	tcase_add_test(tc, test_formula_guard_each_char);
	tcase_add_test(tc, test_control_bytes);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_escape_length_like_snprintf);
	tcase_add_test(tc, test_write_row_crlf);
	tcase_add_test(tc, test_reader_round_trip);
	tcase_add_test(tc, test_reader_escaped_bytes_round_trip);
	tcase_add_test(tc, test_reader_lf_and_no_final_newline);
	tcase_add_test(tc, test_reader_unterminated_quote);
	tcase_add_test(tc, test_reader_many_fields_and_long_field);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run_suite(csv_suite(), CK_NORMAL);
}
