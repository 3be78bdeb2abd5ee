/*
 * test_checks: the acceptance-check data and rules (dialects/checks.c):
 * which commands a configured check may send, the built-in check set of
 * every dialect, and reading the answers (registration, IMEI, ATI+CSUB,
 * SVN, a custom check's regular expression).
 */
#include <check.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "dialects/checks.h"
#include "tests/harness/harness.h"

/* Commands a check may send: reads, tests, identification. */
static const char *const allowed[] = {
	"AT", "ATI", "ati", "ATI0", "ATI+CSUB", "AT&V", "ATS3?", "AT+CPIN?",
	"AT+CSQ", "AT+CREG?", "AT+CEREG=?", "AT+CFUN?", "AT+CFUN=?",
	"AT+QCFG=\"band\"", "at+qcfg = \"nwscanmode\"", "AT+QMBNCFG=\"List\"",
	"AT+EGMR=0,7", "AT+EGMR=0,9", "AT+EGMR=?", "AT+QGMR", "AT+CGSN",
	"AT+QCCID", "AT+QFLST=\"*\"", "AT+QFLDS=\"UFS\"", "AT+CSQ;+CPIN?",
	"AT+CSQ;AT+CREG?", "AT+COPS?", "AT+QURCCFG=\"urcport\"",
	"AT+QENG=\"servingcell\"", "AT$QCSIMAPP?", "AT+CGDCONT?",
	/* A ';' or a refused name inside quotes is data, not a command. */
	"AT+QCFG=\"x;+QFDEL\"",
};

/* Commands that change the module, each with the part that is refused. */
static const struct {
	const char *cmd;
	const char *part;
} refused[] = {
	{ "AT+QFOTADL=1", "AT+QFOTADL=1" },
	{ "AT+QFOTADL?", "AT+QFOTADL?" },
	{ "AT+QFDEL=\"*\"", "AT+QFDEL=\"*\"" },
	{ "AT+QFUPL=\"a\",10", "AT+QFUPL=\"a\",10" },
	{ "AT+CFUN=1,1", "AT+CFUN=1,1" },
	{ "at+cfun=0", "AT+CFUN=0" },
	{ "AT + CFUN = 4", "AT+CFUN=4" },
	{ "AT&F", "AT&F" },
	{ "AT&F0", "AT&F0" },
	{ "ATZ", "ATZ" },
	{ "AT&W", "AT&W" },
	{ "ATE1", "ATE1" },
	{ "ATI&F", "AT&F" },
	{ "ATS0=1", "ATS0=1" },
	{ "ATD123;", "ATD123" },
	{ "AT+QPOWD=1", "AT+QPOWD=1" },
	{ "AT+QCFG=\"band\",0,1,0", "AT+QCFG=\"band\",0,1,0" },
	{ "AT+QURCCFG=\"urcport\",\"uart\"", "AT+QURCCFG=\"urcport\",\"uart\"" },
	{ "AT+EGMR=1,7,\"861234567890123\"", "AT+EGMR=1,7,\"861234567890123\"" },
	{ "AT+EGMR=01,7", "AT+EGMR=01,7" },
	{ "AT+CPIN=\"1234\"", "AT+CPIN=\"1234\"" },
	{ "AT+CSQ;+QFDEL=\"update.zip\"", "AT+QFDEL=\"update.zip\"" },
	{ "AT+CSQ;AT+QFOTADL=1", "AT+QFOTADL=1" },
	{ "AT+CPIN?;+CFUN=0;+CSQ", "AT+CFUN=0" },
	{ "AT+QMBNCFG=\"Select\",\"ROW_Commercial\"", "AT+QMBNCFG=\"Select\",\"ROW_Commercial\"" },
	{ "AT+CMEE=0", "AT+CMEE=0" },
	{ "CPIN?", "CPIN?" },
	{ "", "" },
};

START_TEST(test_allowed)
{
	char part[256];

	for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++) {
		const char *why = checks_refused(allowed[i], part, sizeof part);

		ck_assert_msg(why == NULL, "%s refused: %s %s", allowed[i], part, why);
		ck_assert_str_eq(part, "");
	}
}
END_TEST

START_TEST(test_refused)
{
	char part[256];

	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		const char *why = checks_refused(refused[i].cmd, part, sizeof part);

		ck_assert_msg(why != NULL, "%s allowed", refused[i].cmd);
		ck_assert_msg(strcmp(part, refused[i].part) == 0, "%s: part %s, want %s",
		    refused[i].cmd, part, refused[i].part);
		ck_assert_uint_gt(strlen(why), 10);
	}
}
END_TEST

START_TEST(test_dialects)
{
	for (int d = 0; d < DIALECT_COUNT; d++) {
		const checks_model *cm = checks_for((model_dialect)d);
		char                part[256];

		ck_assert_int_eq(cm->dialect, d);
		ck_assert_ptr_nonnull(cm->imei_cmd);
		ck_assert_ptr_nonnull(cm->reg_queries);
		ck_assert_ptr_nonnull(cm->reg_queries[0]);
		/* The station's own checks only read, by the same rule. */
		ck_assert_ptr_null(checks_refused(cm->imei_cmd, part, sizeof part));
		for (const char *const *q = cm->reg_queries; *q; q++)
			ck_assert_ptr_null(checks_refused(*q, part, sizeof part));
		if (cm->csub_cmd)
			ck_assert_ptr_null(checks_refused(cm->csub_cmd, part, sizeof part));
		if (cm->svn_cmd)
			ck_assert_ptr_null(checks_refused(cm->svn_cmd, part, sizeof part));
	}
	/* The guides: BC26 asks CEREG, BG96 CREG/CGREG; EGMR on the LTE Cat
	 * families only. */
	ck_assert_str_eq(checks_for(DIALECT_BC26)->reg_queries[0], "AT+CEREG?");
	ck_assert_ptr_null(checks_for(DIALECT_BC26)->reg_queries[1]);
	ck_assert_str_eq(checks_for(DIALECT_BG96)->reg_queries[0], "AT+CREG?");
	ck_assert_str_eq(checks_for(DIALECT_EC25)->imei_cmd, "AT+EGMR=0,7");
	ck_assert_str_eq(checks_for(DIALECT_AG35)->csub_cmd, "ATI+CSUB");
	ck_assert_str_eq(checks_for(DIALECT_BG96)->imei_cmd, "AT+CGSN");
	ck_assert_ptr_null(checks_for(DIALECT_BG95)->svn_cmd);
}
END_TEST

START_TEST(test_names)
{
	ck_assert(checks_name_ok("sim"));
	ck_assert(checks_name_ok("apn-1.2_x"));
	ck_assert(!checks_name_ok(""));
	ck_assert(!checks_name_ok("a=b"));
	ck_assert(!checks_name_ok("a;b"));
	ck_assert(!checks_name_ok("a b"));
	ck_assert(!checks_name_ok("imei"));
	ck_assert(!checks_name_ok("Network"));
	ck_assert(!checks_name_ok("0123456789012345678901234567890123"));
	ck_assert(checks_name_builtin("svn"));
	ck_assert(checks_name_builtin("subedition"));
	ck_assert(!checks_name_builtin("sim"));
}
END_TEST

START_TEST(test_reg_stat)
{
	ck_assert_int_eq(checks_reg_stat("+CREG: 0,1"), 1);
	ck_assert_int_eq(checks_reg_stat("+CGREG: 0,5"), 5);
	ck_assert_int_eq(checks_reg_stat("+CEREG: 2,1,\"1A2B\",\"01C3D04\",7"), 1);
	ck_assert_int_eq(checks_reg_stat("+CEREG:0,2"), 2);
	ck_assert_int_eq(checks_reg_stat("+CEREG: 3"), 3);      /* unsolicited form */
	ck_assert_int_eq(checks_reg_stat("+CSQ: 24,99"), -1);
	ck_assert_int_eq(checks_reg_stat("OK"), -1);
	ck_assert_int_eq(checks_reg_stat("+CREG: 0,"), -1);
	ck_assert(checks_registered(1));
	ck_assert(checks_registered(5));
	ck_assert(!checks_registered(2));
	ck_assert(!checks_registered(0));
	ck_assert(!checks_registered(-1));
}
END_TEST

/* The meaning of each state, as the operator reads it, and which of two
 * states read in one round tells most. */
START_TEST(test_reg_states)
{
	char buf[160];

	ck_assert_str_eq(checks_reg_state_of(0)->meaning, "not searching");
	ck_assert_str_eq(checks_reg_state_of(2)->meaning, "searching");
	ck_assert_str_eq(checks_reg_state_of(3)->meaning, "registration denied");
	ck_assert_str_eq(checks_reg_state_of(4)->meaning, "unknown");
	ck_assert_str_eq(checks_reg_state_of(1)->meaning, "registered, home network");
	ck_assert_str_eq(checks_reg_state_of(5)->meaning, "registered, roaming");
	ck_assert_str_eq(checks_reg_state_of(-1)->meaning, "no registration answer");
	/* Every state a module may be left in has something to look at. */
	for (int st = 0; st <= 8; st++)
		if (!checks_registered(st))
			ck_assert_msg(checks_reg_state_of(st)->hint[0] != '\0', "state %d", st);
	/* A state the table does not know: a row all the same. */
	ck_assert_ptr_nonnull(checks_reg_state_of(42));
	ck_assert_str_eq(checks_reg_state_of(42)->meaning, "a state the station does not know");

	checks_reg_describe(2, true, buf, sizeof buf);
	ck_assert_str_eq(buf, "searching (2), no cell found yet: look at the antenna and the coverage");
	checks_reg_describe(3, true, buf, sizeof buf);
	ck_assert_str_eq(buf, "registration denied (3), the network refuses the SIM: look at its subscription");
	checks_reg_describe(2, false, buf, sizeof buf);
	ck_assert_str_eq(buf, "searching (2)");
	checks_reg_describe(42, true, buf, sizeof buf);
	ck_assert_str_eq(buf, "a state the station does not know (42)");
	checks_reg_describe(-1, true, buf, sizeof buf);
	ck_assert_str_eq(buf, "no registration answer");

	/* denied > searching > unknown > not searching > no answer, either
	 * way round; registered above all. */
	ck_assert_int_eq(checks_reg_telling(2, 3), 3);
	ck_assert_int_eq(checks_reg_telling(3, 2), 3);
	ck_assert_int_eq(checks_reg_telling(4, 2), 2);
	ck_assert_int_eq(checks_reg_telling(0, 4), 4);
	ck_assert_int_eq(checks_reg_telling(-1, 0), 0);
	ck_assert_int_eq(checks_reg_telling(0, -1), 0);
	ck_assert_int_eq(checks_reg_telling(3, 5), 5);
	ck_assert_int_eq(checks_reg_telling(2, 2), 2);
}
END_TEST

START_TEST(test_answers)
{
	const char lines[4][512] = { "Quectel", "EC25", "Revision: EC25EFAR06A07M4G",
	                             "SubEdition: V03" };
	const char egmr[1][512] = { "+EGMR: \"866426036797249\"" };
	const char svn[1][512] = { "+EGMR: \"01\"" };
	const char none[1][512] = { "+EGMR: \"\"" };
	char       rev[96], sub[32], imei[24], s[8];

	ck_assert(checks_parse_csub(lines, 4, rev, sizeof rev, sub, sizeof sub));
	ck_assert_str_eq(rev, "EC25EFAR06A07M4G");
	ck_assert_str_eq(sub, "V03");
	ck_assert(!checks_parse_csub(lines, 3, rev, sizeof rev, sub, sizeof sub));
	ck_assert(checks_find_imei(egmr, 1, imei, sizeof imei));
	ck_assert_str_eq(imei, "866426036797249");
	ck_assert(!checks_find_imei(lines, 4, imei, sizeof imei));
	ck_assert(checks_parse_svn(svn, 1, s, sizeof s));
	ck_assert_str_eq(s, "01");
	ck_assert(!checks_parse_svn(none, 1, s, sizeof s));
	ck_assert(!checks_parse_svn(lines, 4, s, sizeof s));
}
END_TEST

START_TEST(test_regex)
{
	const char lines[2][512] = { "+CPIN: READY", "+QCCID: 898610" };
	char       text[1200], err[128];
	regex_t    re;

	checks_answer_text(lines, 2, "OK", text, sizeof text);
	ck_assert_str_eq(text, "+CPIN: READY\n+QCCID: 898610\nOK");
	checks_answer_text(lines, 0, "OK", text, sizeof text);
	ck_assert_str_eq(text, "OK");

	checks_answer_text(lines, 2, "OK", text, sizeof text);
	/* ^ and $ anchor at each line of the answer. */
	ck_assert_int_eq(checks_regex_compile(&re, "^\\+CPIN: READY$", err, sizeof err), 0);
	ck_assert_int_eq(regexec(&re, text, 0, NULL, 0), 0);
	regfree(&re);
	ck_assert_int_eq(checks_regex_compile(&re, "^OK$", err, sizeof err), 0);
	ck_assert_int_eq(regexec(&re, text, 0, NULL, 0), 0);
	regfree(&re);
	ck_assert_int_eq(checks_regex_compile(&re, "SIM PIN", err, sizeof err), 0);
	ck_assert_int_ne(regexec(&re, text, 0, NULL, 0), 0);
	regfree(&re);
	/* ERE, not BRE: + and | are operators. */
	ck_assert_int_eq(checks_regex_compile(&re, "QCCID: [0-9]+|NOSIM", err, sizeof err), 0);
	ck_assert_int_eq(regexec(&re, text, 0, NULL, 0), 0);
	regfree(&re);
	ck_assert_int_ne(checks_regex_compile(&re, "(READY", err, sizeof err), 0);
	ck_assert_uint_gt(strlen(err), 0);
	ck_assert_int_ne(checks_regex_compile(&re, "[0-9", err, sizeof err), 0);
}
END_TEST

START_TEST(test_result_column)
{
	char buf[64] = "";

	checks_result_add(buf, sizeof buf, "imei", true);
	checks_result_add(buf, sizeof buf, "network", true);
	checks_result_add(buf, sizeof buf, "sim", false);
	ck_assert_str_eq(buf, "imei=ok;network=ok;sim=fail");
}
END_TEST

static Suite *
checks_suite(void)
{
	Suite *s = suite_create("checks");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_allowed);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_dialects);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_reg_stat);
	tcase_add_test(tc, test_reg_states);
	tcase_add_test(tc, test_answers);
	tcase_add_test(tc, test_regex);
	tcase_add_test(tc, test_result_column);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run_suite(checks_suite(), CK_NORMAL);
}
