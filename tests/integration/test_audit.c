/*
 * test_audit: the audit trail survives what a line throws at the station.
 * Each test runs the real station against the emulator and then reads the
 * reports: SIGTERM mid-update (cut, or allowed to finish within the grace),
 * kill -9 mid-update and a restart (the unit resumed and followed, or gone
 * and reported ABORTED), and a reports folder that cannot be written.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/harness/harness.h"

static pid_t
start_station(const char *dir, const char *out_name)
{
	char  cfg[1100], out[1100];
	char *argv[] = { (char *)harness_env("DFOTA_STATION"), "--config", cfg, "--headless",
	                 "--once", NULL };

	snprintf(cfg, sizeof cfg, "%s/station.cfg", dir);
	snprintf(out, sizeof out, "%s/%s", dir, out_name);
	return harness_spawn(argv, out);
}

/* Waits until file holds text; false after timeout_s. */
static bool
wait_text(const char *path, const char *text, double timeout_s)
{
	for (int i = 0; i < (int)(timeout_s * 50); i++) {
		FILE *f = fopen(path, "r");
		char  buf[65536];
		size_t n = f != NULL ? fread(buf, 1, sizeof buf - 1, f) : 0;
		if (f != NULL)
			fclose(f);
		buf[n] = '\0';
		if (strstr(buf, text) != NULL)
			return true;
		usleep(20000);
	}
	return false;
}

static const harness_row *
only_row(const char *dir, harness_csv *csv)
{
	char reports[1100], path[1200];

	snprintf(reports, sizeof reports, "%s/reports", dir);
	ck_assert_msg(harness_read_session(reports, csv, path, sizeof path), "no session CSV in %s", reports);
	ck_assert_msg(csv->nrows == 1, "%d rows in %s, expected 1", csv->nrows, path);
	return &csv->rows[0];
}

#define CASE_BG96(speed, policy) \
	"module:  model=BG96 rev=BG96MAR02A07M1G\n" \
	"package: model=BG96 from=BG96MAR02A07M1G to=BG96MAR02A08M1G\n" \
	"speed:   " speed "\n" \
	"policy:  " policy "\n"

START_TEST(test_sigterm_cuts_update)
{
	char        dir[1024], why[512], out[1100];
	pid_t       sim, st;
	harness_csv csv;

	ck_assert_msg(harness_setup_case("sigterm", CASE_BG96("4", "stop_grace=0.2 reboot_timeout=10 stall_timeout=10"),
	    dir, sizeof dir, &sim, why, sizeof why), "%s", why);
	st = start_station(dir, "station.out");
	snprintf(out, sizeof out, "%s/station.out", dir);
	ck_assert_msg(wait_text(out, "\"phase\":\"UPDATING\"", 30), "never reached UPDATING (%s)", dir);
	kill(st, SIGTERM);
	int status = harness_wait(st, 20);
	harness_stop(sim);
	ck_assert_int_eq(status, 1);
	const harness_row *r = only_row(dir, &csv);
	ck_assert_str_eq(harness_field(r, "result"), "ABORTED");
	ck_assert_str_eq(harness_field(r, "error_phase"), "UPDATING");
	ck_assert_ptr_nonnull(strstr(harness_field(r, "error_text"), "station stopped during UPDATING"));
	ck_assert(wait_text(out, "\"ABORTED\":1", 1));
	harness_csv_free(&csv);
}
END_TEST

START_TEST(test_sigterm_lets_update_finish)
{
	char        dir[1024], why[512], out[1100];
	pid_t       sim, st;
	harness_csv csv;

	ck_assert_msg(harness_setup_case("grace", CASE_BG96("6", "stop_grace=60 reboot_timeout=10 stall_timeout=10"),
	    dir, sizeof dir, &sim, why, sizeof why), "%s", why);
	st = start_station(dir, "station.out");
	snprintf(out, sizeof out, "%s/station.out", dir);
	ck_assert_msg(wait_text(out, "\"phase\":\"UPDATING\"", 30), "never reached UPDATING (%s)", dir);
	kill(st, SIGTERM);
	int status = harness_wait(st, 60);
	harness_stop(sim);
	ck_assert_int_eq(status, 0);
	const harness_row *r = only_row(dir, &csv);
	ck_assert_str_eq(harness_field(r, "result"), "PASS");
	harness_csv_free(&csv);
}
END_TEST

START_TEST(test_kill9_then_resume)
{
	char        dir[1024], why[512], out[1100];
	pid_t       sim, st;
	harness_csv csv;

	ck_assert_msg(harness_setup_case("kill9-resume", CASE_BG96("3", "reboot_timeout=15 stall_timeout=15"),
	    dir, sizeof dir, &sim, why, sizeof why), "%s", why);
	st = start_station(dir, "station1.out");
	snprintf(out, sizeof out, "%s/station1.out", dir);
	ck_assert_msg(wait_text(out, "\"phase\":\"UPDATING\"", 30), "never reached UPDATING (%s)", dir);
	kill(st, SIGKILL);
	harness_wait(st, 5);
	/* The module goes on updating; a new station finds it mid-update. */
	st = start_station(dir, "station2.out");
	int status = harness_wait(st, 90);
	harness_stop(sim);
	ck_assert_msg(status == 0, "second station exit %d (%s)", status, dir);
	const harness_row *r = only_row(dir, &csv);
	ck_assert_str_eq(harness_field(r, "result"), "PASS");
	ck_assert_str_eq(harness_field(r, "package"), "p1.zip");
	ck_assert_str_eq(harness_field(r, "fw_target"), "BG96MAR02A08M1G");
	ck_assert_ptr_nonnull(strstr(harness_field(r, "fw_before"), "BG96MAR02A07M1G"));
	ck_assert_ptr_nonnull(strstr(harness_field(r, "fw_after"), "BG96MAR02A08M1G"));
	ck_assert_str_eq(harness_field(r, "delivery"), "upload");
	harness_csv_free(&csv);
}
END_TEST

START_TEST(test_kill9_then_unit_gone)
{
	char        dir[1024], why[512], out[1100];
	pid_t       sim, st;
	harness_csv csv;

	ck_assert_msg(harness_setup_case("kill9-gone", CASE_BG96("3", "reboot_timeout=5 stall_timeout=15"),
	    dir, sizeof dir, &sim, why, sizeof why), "%s", why);
	st = start_station(dir, "station1.out");
	snprintf(out, sizeof out, "%s/station1.out", dir);
	ck_assert_msg(wait_text(out, "\"phase\":\"UPDATING\"", 30), "never reached UPDATING (%s)", dir);
	kill(st, SIGKILL);
	harness_wait(st, 5);
	harness_stop(sim);    /* and the module is taken away */
	st = start_station(dir, "station2.out");
	int status = harness_wait(st, 60);
	ck_assert_msg(status == 1, "second station exit %d (%s)", status, dir);
	const harness_row *r = only_row(dir, &csv);
	ck_assert_str_eq(harness_field(r, "result"), "ABORTED");
	ck_assert_str_eq(harness_field(r, "error_phase"), "UPDATING");
	ck_assert_ptr_nonnull(strstr(harness_field(r, "error_text"), "did not come back"));
	ck_assert_str_eq(harness_field(r, "package"), "p1.zip");
	harness_csv_free(&csv);
}
END_TEST

START_TEST(test_reports_unwritable)
{
	char  dir[1024], why[512], path[1100], out[1100];
	pid_t sim, st;

	ck_assert_msg(harness_setup_case("unwritable", CASE_BG96("50", "reboot_timeout=5"),
	    dir, sizeof dir, &sim, why, sizeof why), "%s", why);
	/* A file where the reports folder should be: no permission trick that
	 * root would bypass. */
	snprintf(path, sizeof path, "%s/reports", dir);
	harness_write_file(path, "not a folder\n");
	st = start_station(dir, "station.out");
	int status = harness_wait(st, 20);
	harness_stop(sim);
	ck_assert_int_eq(status, 3);
	snprintf(out, sizeof out, "%s/station.out", dir);
	ck_assert(wait_text(out, "reports folder", 1));
	ck_assert(wait_text(out, path, 1));
}
END_TEST

/* --dry-run identifies and plans, prints the plan, changes nothing: no
 * report row, the module still at its revision (a real run after it
 * still has the update to do). check-config lists the packages. */
START_TEST(test_dry_run_and_check_config)
{
	char        dir[1024], why[512], cfg[1100], out[1100], reports[1100], path[1200];
	pid_t       sim, st;
	harness_csv csv;

	ck_assert_msg(harness_setup_case("dry-run", CASE_BG96("50", "reboot_timeout=5"),
	    dir, sizeof dir, &sim, why, sizeof why), "%s", why);
	snprintf(cfg, sizeof cfg, "%s/station.cfg", dir);
	snprintf(out, sizeof out, "%s/check.out", dir);
	char *check[] = { (char *)harness_env("DFOTA_STATION"), "check-config", cfg, NULL };
	ck_assert_int_eq(harness_wait(harness_spawn(check, out), 20), 0);
	ck_assert(wait_text(out, "package p1.zip: BG96 BG96MAR02A07M1G -> BG96MAR02A08M1G, upload", 1));

	snprintf(out, sizeof out, "%s/dry.out", dir);
	char *dry[] = { (char *)harness_env("DFOTA_STATION"), "--config", cfg, "--dry-run", NULL };
	ck_assert_int_eq(harness_wait(harness_spawn(dry, out), 30), 0);
	ck_assert(wait_text(out, "plan: slot S1 BG96", 1));
	ck_assert(wait_text(out, "update to BG96MAR02A08M1G", 1));
	ck_assert(wait_text(out, "via p1.zip", 1));
	snprintf(reports, sizeof reports, "%s/reports", dir);
	ck_assert_msg(!harness_read_session(reports, &csv, path, sizeof path) || csv.nrows == 0,
	    "a dry run wrote report rows");
	harness_csv_free(&csv);

	/* Nothing was changed: the real run still updates the unit. */
	st = start_station(dir, "station.out");
	ck_assert_int_eq(harness_wait(st, 60), 0);
	harness_stop(sim);
	const harness_row *r = only_row(dir, &csv);
	ck_assert_str_eq(harness_field(r, "result"), "PASS");
	ck_assert_ptr_nonnull(strstr(harness_field(r, "fw_before"), "BG96MAR02A07M1G"));
	harness_csv_free(&csv);
}
END_TEST

int
main(void)
{
	Suite   *s = suite_create("audit");
	TCase   *tc = tcase_create("survives");

	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_sigterm_cuts_update);
	tcase_add_test(tc, test_sigterm_lets_update_finish);
	tcase_add_test(tc, test_kill9_then_resume);
	tcase_add_test(tc, test_kill9_then_unit_gone);
	tcase_add_test(tc, test_reports_unwritable);
	tcase_add_test(tc, test_dry_run_and_check_config);
	suite_add_tcase(s, tc);
	return harness_run_suite(s, CK_VERBOSE);
}
