/*
 * test_identity: IMEI check digits and framing, ICCID, ATI model and
 * revision lines, and the incomplete AT+QGMR reading after boot.
 */
#include <check.h>
#include <string.h>

#include "station/identity.h"
#include "tests/harness/harness.h"

START_TEST(test_imei_luhn)
{
	ck_assert(identity_imei_valid("490154203237518"));
	ck_assert(!identity_imei_valid("490154203237517"));   /* check digit off by one */
	ck_assert(!identity_imei_valid("49015420323751"));    /* 14 digits */
	ck_assert(!identity_imei_valid("4901542032375180"));  /* 16 digits */
	ck_assert(!identity_imei_valid("49015420323751A"));
	ck_assert(!identity_imei_valid(""));
}
END_TEST

START_TEST(test_imei_framing)
{
	char imei[24];

	ck_assert(identity_parse_imei("490154203237518", imei, sizeof imei));
	ck_assert_str_eq(imei, "490154203237518");
	ck_assert(identity_parse_imei("+CGSN: 490154203237518", imei, sizeof imei));
	ck_assert_str_eq(imei, "490154203237518");
	ck_assert(identity_parse_imei("+CGSN: \"490154203237518\"", imei, sizeof imei));
	ck_assert_str_eq(imei, "490154203237518");
	ck_assert(!identity_parse_imei("OK", imei, sizeof imei));
	ck_assert(!identity_parse_imei("+CGSN: 1234", imei, sizeof imei));
	ck_assert(!identity_parse_imei("49015420323751X", imei, sizeof imei));
}
END_TEST

START_TEST(test_iccid)
{
	char iccid[32];

	ck_assert(identity_parse_iccid("+QCCID: 89860318640220133897", iccid, sizeof iccid));
	ck_assert_str_eq(iccid, "89860318640220133897");
	ck_assert(identity_parse_iccid("+QCCID: 8986031864022013389F", iccid, sizeof iccid));
	ck_assert(!identity_parse_iccid("89860318640220133897", iccid, sizeof iccid));
	ck_assert(!identity_parse_iccid("+QCCID: 12", iccid, sizeof iccid));
}
END_TEST

START_TEST(test_ati)
{
	const char lines[][512] = { "Quectel", "BG96", "Revision: BG96MAR02A07M1G" };
	const char other[][512] = { "Quectel", "EM06", "Revision:EM06ELAR03A05M4G" };
	const char unknown[][512] = { "Quectel", "XY99", "Revision: XY99R01" };
	char       model[32], rev[96];

	identity_parse_ati(lines, 3, model, sizeof model, rev, sizeof rev);
	ck_assert_str_eq(model, "BG96");
	ck_assert_str_eq(rev, "BG96MAR02A07M1G");
	identity_parse_ati(other, 3, model, sizeof model, rev, sizeof rev);
	ck_assert_str_eq(model, "EM06");
	ck_assert_str_eq(rev, "EM06ELAR03A05M4G");
	identity_parse_ati(unknown, 3, model, sizeof model, rev, sizeof rev);
	ck_assert_str_eq(model, "");
	ck_assert_str_eq(rev, "XY99R01");
}
END_TEST

START_TEST(test_qgmr_incomplete)
{
	ck_assert(identity_qgmr_incomplete("BG96MAR02A07M1G_01.016.00.000"));
	ck_assert(!identity_qgmr_incomplete("BG96MAR02A07M1G_01.016.01.016"));
	ck_assert(!identity_qgmr_incomplete("BG96MAR02A07M1G"));
	ck_assert(!identity_qgmr_incomplete(""));
}
END_TEST

int
main(void)
{
	Suite   *s = suite_create("identity");
	TCase   *tc = tcase_create("parse");

	tcase_add_test(tc, test_imei_luhn);
	tcase_add_test(tc, test_imei_framing);
	tcase_add_test(tc, test_iccid);
	tcase_add_test(tc, test_ati);
	tcase_add_test(tc, test_qgmr_incomplete);
	suite_add_tcase(s, tc);
	return harness_run_suite(s, CK_NORMAL);
}
