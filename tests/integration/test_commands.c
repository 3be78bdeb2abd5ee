/*
 * test_commands: the commands operators and auditors type, run as the real
 * binary. `errors` (a code explained, a model's list, BG96's borrowed
 * meanings, usage); `report sign` / `report verify --pubkey` with keys made
 * by the openssl command line, as docs/audit.md tells people to make them,
 * and a station with station.signing_key that signs its own report;
 * `report summary --by station` over two stations' files.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/harness/harness.h"

static char out_text[1 << 17];

/* Runs the station binary with up to 7 words; its stdout+stderr into
 * out_text. Returns the exit status. */
static int
station(const char *dir, const char *a1, const char *a2, const char *a3, const char *a4,
    const char *a5, const char *a6, const char *a7)
{
	char  out[1200];
	char *argv[] = { (char *)harness_env("DFOTA_STATION"), (char *)a1, (char *)a2, (char *)a3,
	                 (char *)a4, (char *)a5, (char *)a6, (char *)a7, NULL };
	int   rc;
	FILE *f;
	size_t n;

	snprintf(out, sizeof out, "%s/cmd.out", dir);
	rc = harness_wait(harness_spawn(argv, out), 60);
	f = fopen(out, "r");
	n = f != NULL ? fread(out_text, 1, sizeof out_text - 1, f) : 0;
	if (f != NULL)
		fclose(f);
	out_text[n] = '\0';
	return rc;
}

#define HAS(text) ck_assert_msg(strstr(out_text, (text)) != NULL, "no \"%s\" in:\n%s", (text), out_text)

static void
sh(const char *fmt, const char *a, const char *b)
{
	char cmd[4096];

	snprintf(cmd, sizeof cmd, fmt, a, b);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

START_TEST(test_errors_command)
{
	char dir[1024];

	ck_assert(harness_fresh_dir("errors-cmd", dir, sizeof dir));
	ck_assert_int_eq(station(dir, "errors", "AG35", "510", NULL, NULL, NULL, NULL), 0);
	HAS("AG35 code 510");
	HAS("UPDATE    510  no    wrong package: does not match this firmware");

	ck_assert_int_eq(station(dir, "errors", "EP06", NULL, NULL, NULL, NULL, NULL), 0);
	HAS("EP06, EG06, EM06");
	HAS("FTP       601  yes   FTP unknown error");
	HAS("HTTP      701  yes   HTTP(S) unknown error");
	HAS("UPDATE    504  no    package file faulty: make the package again");
	HAS("CME       420  no    no space left in module file system");

	ck_assert_int_eq(station(dir, "errors", "bg96", "510", NULL, NULL, NULL, NULL), 0);
	HAS("BG96 guide gives no meaning for 510; on AG35/EP06 it means wrong package");

	/* Every model family when no model is named. */
	ck_assert_int_eq(station(dir, "errors", NULL, NULL, NULL, NULL, NULL, NULL), 0);
	HAS("BG95, BG77, BG600L");
	HAS("BC26");

	ck_assert_int_eq(station(dir, "errors", "AG35", "999", NULL, NULL, NULL, NULL), 1);
	HAS("unknown code 999");
	ck_assert_int_eq(station(dir, "errors", "--help", NULL, NULL, NULL, NULL, NULL), 0);
	HAS("usage: dfota-station errors [MODEL [CODE]]");
	ck_assert_int_eq(station(dir, "errors", "-h", NULL, NULL, NULL, NULL, NULL), 0);
	ck_assert_int_eq(station(dir, "errors", "--bogus", NULL, NULL, NULL, NULL, NULL), 2);
	ck_assert_int_eq(station(dir, "errors", "XX1", NULL, NULL, NULL, NULL, NULL), 2);
	HAS("unknown model 'XX1'");
	ck_assert_int_eq(station(dir, "errors", "AG35", "abc", NULL, NULL, NULL, NULL), 2);
	ck_assert_int_eq(station(dir, "report", "--help", NULL, NULL, NULL, NULL, NULL), 0);
	HAS("sign");
}
END_TEST

/* The station signs its own report (station.signing_key); verify passes
 * with the public key; the chain-valid report of another run, given that
 * signature, does not. */
START_TEST(test_station_signs_and_verify)
{
	char  a[1024], b[1024], why[512], key[1200], pub[1200], csv_a[1300], csv_b[1300];
	char  cfg[1200], sig_a[1400], sig_b[1400], reports[1200];
	pid_t sim;
	harness_csv csv;
	static const char one[] =
		"module:  model=BG96 rev=BG96MAR02A07M1G\n"
		"package: model=BG96 from=BG96MAR02A07M1G to=BG96MAR02A08M1G\n"
		"speed:   50\n";

	for (int run = 0; run < 2; run++) {
		char *dir = run == 0 ? a : b;

		ck_assert_msg(harness_setup_case(run == 0 ? "sign-a" : "sign-b", one, dir, 1024,
		    &sim, why, sizeof why), "%s", why);
		if (run == 0) {
			snprintf(key, sizeof key, "%s/station-key.pem", a);
			snprintf(pub, sizeof pub, "%s/station-pub.pem", a);
			sh("openssl genpkey -algorithm ed25519 -out '%s' 2>/dev/null && chmod 600 '%s'",
			    key, key);
			sh("openssl pkey -in '%s' -pubout -out '%s' 2>/dev/null", key, pub);
			/* The key goes into the station file, relative to it. */
			snprintf(cfg, sizeof cfg, "%s/station.cfg", a);
			sh("sed -i 's|reports_dir = \"reports\";|reports_dir = \"reports\"; "
			    "signing_key = \"station-key.pem\";|' '%s'%s", cfg, "");
		}
		snprintf(cfg, sizeof cfg, "%s/station.cfg", dir);
		ck_assert_int_eq(station(dir, "--config", cfg, "--headless", "--once", NULL, NULL,
		    NULL), 0);
		harness_stop(sim);
		snprintf(reports, sizeof reports, "%s/reports", dir);
		ck_assert_msg(harness_read_session(reports, &csv, run == 0 ? csv_a : csv_b, 1300),
		    "no report in %s", reports);
		ck_assert_int_eq(csv.nrows, 1);
		harness_csv_free(&csv);
	}
	snprintf(sig_a, sizeof sig_a, "%s.sig", csv_a);
	snprintf(sig_b, sizeof sig_b, "%s.sig", csv_b);
	ck_assert_msg(access(sig_a, F_OK) == 0, "the station did not sign %s", csv_a);
	ck_assert_msg(access(sig_b, F_OK) != 0, "%s signed without a key", csv_b);

	ck_assert_int_eq(station(a, "report", "verify", "--pubkey", pub, csv_a, NULL, NULL), 0);
	HAS(": OK 1 rows, head ");
	HAS("signature OK (key sha256:");
	/* b's file verifies as a chain, not with a's signature. */
	ck_assert_int_eq(station(a, "report", "verify", csv_b, NULL, NULL, NULL, NULL), 0);
	sh("cp '%s' '%s'", sig_a, sig_b);
	ck_assert_int_eq(station(a, "report", "verify", "--pubkey", pub, csv_b, NULL, NULL), 1);
	HAS("the signature is of another file");
	/* report sign by hand signs b; then it verifies. */
	ck_assert_int_eq(station(a, "report", "sign", "--key", key, csv_b, NULL, NULL), 0);
	HAS(": signed 1 rows, head ");
	ck_assert_int_eq(station(a, "report", "verify", "--pubkey", pub, csv_b, csv_a, NULL), 0);
	ck_assert_int_eq(station(a, "report", "sign", csv_b, NULL, NULL, NULL, NULL), 2);
	ck_assert_int_eq(station(a, "report", "sign", "--help", NULL, NULL, NULL, NULL), 0);
	HAS("usage: dfota-station report sign --key KEY.pem CSV...");
	ck_assert_int_eq(station(a, "report", "verify", "-h", NULL, NULL, NULL, NULL), 0);
	HAS("--pubkey PUB.pem");
}
END_TEST

/* station.timezone decides the day in the report file's name; the times
 * in it stay UTC. The zone is one whose date differs from UTC's now
 * (UTC+14 from 10:00 UTC on, UTC-11 before), so the name shows which day
 * was taken. */
START_TEST(test_station_timezone_day)
{
	char        dir[1024], why[512], cfg[1200], reports[1200], path[1300], want[1300], sedcmd[256];
	const char *zone;
	pid_t       sim;
	harness_csv csv;
	time_t      now = time(NULL), fin;
	struct tm   tm, utc;
	static const char one[] =
		"module:  model=BG96 rev=BG96MAR02A07M1G\n"
		"package: model=BG96 from=BG96MAR02A07M1G to=BG96MAR02A08M1G\n"
		"speed:   50\n";

	gmtime_r(&now, &tm);
	zone = tm.tm_hour >= 10 ? "Pacific/Kiritimati" : "Pacific/Pago_Pago";
	ck_assert_msg(harness_setup_case("tz-day", one, dir, sizeof dir, &sim, why, sizeof why),
	    "%s", why);
	snprintf(cfg, sizeof cfg, "%s/station.cfg", dir);
	snprintf(sedcmd, sizeof sedcmd, "timezone = \"%s\";", zone);
	sh("sed -i 's|reports_dir = \"reports\";|reports_dir = \"reports\"; %s|' '%s'", sedcmd, cfg);
	ck_assert_int_eq(station(dir, "--config", cfg, "--headless", "--once", NULL, NULL, NULL), 0);
	harness_stop(sim);
	snprintf(reports, sizeof reports, "%s/reports", dir);
	ck_assert(harness_read_session(reports, &csv, path, sizeof path));
	ck_assert_int_eq(csv.nrows, 1);
	/* finished_at is UTC; the file's day is its date in the zone. */
	memset(&tm, 0, sizeof tm);
	ck_assert_ptr_nonnull(strptime(harness_field(&csv.rows[0], "finished_at"),
	    "%Y-%m-%dT%H:%M:%S", &tm));
	ck_assert(strchr(harness_field(&csv.rows[0], "finished_at"), 'Z') != NULL);
	fin = timegm(&tm);
	gmtime_r(&fin, &utc);
	setenv("TZ", zone, 1);
	tzset();
	localtime_r(&fin, &tm);
	setenv("TZ", "UTC", 1);
	tzset();
	snprintf(want, sizeof want, "%s/itest-%04d-%02d-%02d.csv", reports, tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday);
	ck_assert_msg(access(want, F_OK) == 0, "no %s (the report is %s)", want, path);
	ck_assert_msg(tm.tm_mday != utc.tm_mday, "%s: the zone's day is UTC's (%d)", zone,
	    utc.tm_mday);
	harness_csv_free(&csv);
}
END_TEST

START_TEST(test_summary_by_station)
{
	char dir[1024], fa[1200], fb[1200];
	const char *d = harness_env("DFOTA_TESTDATA");

	ck_assert(harness_fresh_dir("summary-cmd", dir, sizeof dir));
	snprintf(fa, sizeof fa, "%s/summary/stations/line3-A-2026-11-23.csv", d);
	snprintf(fb, sizeof fb, "%s/summary/stations/line3-B-2026-11-23.csv", d);
	ck_assert_int_eq(station(dir, "report", "summary", "--by", "station", fa, fb, NULL), 0);
	HAS("== station line3-A\nunits 4, finished 4, yield 75.0%");
	HAS("by IMEI: 3 units, first-pass yield 33.3% (1 passed at their first attempt), "
	    "final yield 100.0% (3)");
	HAS("== station line3-B\nunits 5, finished 5,");
	HAS("by IMEI: 4 units, first-pass yield 50.0% (2 passed at their first attempt), "
	    "final yield 75.0% (3)");
	ck_assert_int_eq(station(dir, "report", "summary", "--by", "shift", fa, NULL, NULL), 2);
	ck_assert_int_eq(station(dir, "report", "summary", "--help", NULL, NULL, NULL, NULL), 0);
	HAS("Exit status: 0 printed, 2 usage error");
}
END_TEST

static Suite *
commands_suite(void)
{
	Suite *s = suite_create("commands");
	TCase *tc = tcase_create("commands");

	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_errors_command);
	tcase_add_test(tc, test_station_signs_and_verify);
	tcase_add_test(tc, test_summary_by_station);
	tcase_add_test(tc, test_station_timezone_day);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run_suite(commands_suite(), CK_NORMAL);
}
