/*
 * test_audit: the audit trail survives what a line throws at the station.
 * Each test runs the real station against the emulator and then reads the
 * reports: SIGTERM mid-update (cut, or allowed to finish within the grace),
 * kill -9 mid-update and a restart (the unit resumed and followed, or gone
 * and reported ABORTED), and a reports folder that cannot be written.
 * Cuts in the middle of an upload (SIGTERM, kill -9) and disks that fill
 * up or vanish (a small tmpfs each test mounts itself, in a mount
 * namespace of its own forked test process, so that the mount is gone when
 * the test ends, whatever happened) have a tcase each.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
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

/* ---- disks that fill up or vanish -------------------------------------- */

/* Mounts a tmpfs of size on path, in a private mount namespace of this
 * (forked) test process: the station started after it sees it, nobody
 * else does, and it goes away with the process. false with why when this
 * machine does not let us (not root, no namespaces). */
static bool
mount_small_tmpfs(const char *path, const char *size, char *why, size_t len)
{
	char opts[64];

	if (unshare(CLONE_NEWNS) != 0) {
		snprintf(why, len, "unshare(CLONE_NEWNS): %s", strerror(errno));
		return false;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		snprintf(why, len, "mount --make-rprivate /: %s", strerror(errno));
		return false;
	}
	mkdir(path, 0755);
	snprintf(opts, sizeof opts, "size=%s,mode=0755", size);
	if (mount("tmpfs", path, "tmpfs", 0, opts) != 0) {
		snprintf(why, len, "mount -t tmpfs %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

/* The test mounts, so the test unmounts too (the namespace would). */
static void
unmount_tmpfs(const char *path)
{
	if (umount2(path, MNT_DETACH) != 0)
		fprintf(stderr, "umount %s: %s\n", path, strerror(errno));
}

/* Writes filler until the file system says ENOSPC. */
static void
fill_disk(const char *dir)
{
	char path[1200], buf[65536];
	int  fd;

	snprintf(path, sizeof path, "%s/filler", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	memset(buf, 'x', sizeof buf);
	while (write(fd, buf, sizeof buf) > 0)
		;
	/* The last partial page too. */
	while (write(fd, buf, 1) > 0)
		;
	close(fd);
}

static void
free_disk(const char *dir)
{
	char path[1200];

	snprintf(path, sizeof path, "%s/filler", dir);
	unlink(path);
}

static bool
file_has(const char *path, const char *text)
{
	return wait_text(path, text, 0.05);
}

#define SKIP_NO_MOUNT(why) do { \
	fprintf(stderr, "SKIPPED: cannot mount a small tmpfs for the disk tests (%s)\n", why); \
	return; \
} while (0)

/* The reports disk full from the start: no journal entry, so no change to
 * the module (no upload, no trigger); the slot waits and an alert says
 * why; the exit status says so (4). */
START_TEST(test_disk_full_from_start)
{
	char  dir[1024], why[512], reports[1100], out[1100], simlog[1100];
	pid_t sim, st;

	ck_assert_msg(harness_setup_case("full-start", CASE_BG96("50", "reboot_timeout=10"),
	    dir, sizeof dir, &sim, why, sizeof why), "%s", why);
	snprintf(reports, sizeof reports, "%s/reports", dir);
	if (!mount_small_tmpfs(reports, "1m", why, sizeof why)) {
		harness_stop(sim);
		SKIP_NO_MOUNT(why);
	}
	fill_disk(reports);
	st = start_station(dir, "station.out");
	snprintf(out, sizeof out, "%s/station.out", dir);
	bool alerted = wait_text(out, "cannot write the journal", 30);
	kill(st, SIGTERM);
	int status = harness_wait(st, 30);
	harness_stop(sim);
	snprintf(simlog, sizeof simlog, "%s/sim.log", dir);
	bool changed = file_has(simlog, "AT+QFUPL") || file_has(simlog, "AT+QFOTADL") ||
	    file_has(simlog, "AT+QFDEL");
	unmount_tmpfs(reports);
	ck_assert_msg(alerted, "no alert about the journal (%s)", out);
	ck_assert_msg(!changed, "the module was changed without a journal entry (%s)", simlog);
	ck_assert_msg(status == 4, "exit %d, expected 4 (%s)", status, dir);
}
END_TEST

/* Full until the station exits: the unit really fails (END 510) while its
 * row cannot be written; exit 4; after a restart with space the real
 * result is in the CSV -- FAIL 510, never ABORTED "crash or power cut". */
START_TEST(test_disk_full_until_exit)
{
	char        dir[1024], why[512], reports[1100], out[1100], path[1200];
	pid_t       sim, st;
	harness_csv csv;

	ck_assert_msg(harness_setup_case("full-exit",
	    "module:  model=BG96 rev=BG96MAR02A07M1G fault=end:510\n"
	    "package: model=BG96 from=BG96MAR02A07M1G to=BG96MAR02A08M1G\n"
	    "speed:   5\n"
	    "policy:  reboot_timeout=10 stall_timeout=20 attempts=1\n",
	    dir, sizeof dir, &sim, why, sizeof why), "%s", why);
	snprintf(reports, sizeof reports, "%s/reports", dir);
	if (!mount_small_tmpfs(reports, "2m", why, sizeof why)) {
		harness_stop(sim);
		SKIP_NO_MOUNT(why);
	}
	st = start_station(dir, "station1.out");
	snprintf(out, sizeof out, "%s/station1.out", dir);
	bool updating = wait_text(out, "\"phase\":\"UPDATING\"", 60);
	fill_disk(reports);
	int status1 = harness_wait(st, 90);
	harness_stop(sim);
	/* Space again, no module: the restart writes the waiting row. */
	free_disk(reports);
	char cfg[1100], out2[1100];
	snprintf(cfg, sizeof cfg, "%s/station.cfg", dir);
	snprintf(out2, sizeof out2, "%s/station2.out", dir);
	char *argv[] = { (char *)harness_env("DFOTA_STATION"), "--config", cfg, "--headless",
	                 "--once", NULL };
	int status2 = harness_wait(harness_spawn(argv, out2), 60);
	bool have = harness_read_session(reports, &csv, path, sizeof path);
	int nrows = have ? csv.nrows : 0;
	char result[32] = "", code[16] = "", phase[32] = "";
	if (nrows == 1) {
		snprintf(result, sizeof result, "%s", harness_field(&csv.rows[0], "result"));
		snprintf(code, sizeof code, "%s", harness_field(&csv.rows[0], "error_code"));
		snprintf(phase, sizeof phase, "%s", harness_field(&csv.rows[0], "error_phase"));
	}
	if (have)
		harness_csv_free(&csv);
	unmount_tmpfs(reports);
	ck_assert_msg(updating, "never reached UPDATING (%s)", dir);
	ck_assert_msg(status1 == 4, "first station exit %d, expected 4 (%s)", status1, dir);
	ck_assert_msg(status2 == 0 || status2 == 1, "second station exit %d (%s)", status2, dir);
	ck_assert_msg(nrows == 1, "%d rows after the restart, expected 1 (%s)", nrows, dir);
	ck_assert_str_eq(result, "FAIL");
	ck_assert_str_eq(code, "510");
	ck_assert_str_eq(phase, "UPDATING");
}
END_TEST

/* The reports folder deleted mid-run: made again, the row written. */
START_TEST(test_reports_folder_deleted)
{
	char        dir[1024], why[512], out[1100], cmd[1200];
	pid_t       sim, st;
	harness_csv csv;

	ck_assert_msg(harness_setup_case("folder-gone", CASE_BG96("5", "reboot_timeout=10 stall_timeout=20"),
	    dir, sizeof dir, &sim, why, sizeof why), "%s", why);
	st = start_station(dir, "station.out");
	snprintf(out, sizeof out, "%s/station.out", dir);
	ck_assert_msg(wait_text(out, "\"phase\":\"UPDATING\"", 60), "never reached UPDATING (%s)", dir);
	snprintf(cmd, sizeof cmd, "rm -rf '%s/reports'", dir);
	ck_assert_int_eq(system(cmd), 0);
	int status = harness_wait(st, 90);
	harness_stop(sim);
	ck_assert_msg(status == 0, "exit %d (%s)", status, dir);
	const harness_row *r = only_row(dir, &csv);
	ck_assert_str_eq(harness_field(r, "result"), "PASS");
	harness_csv_free(&csv);
}
END_TEST

/* A station cut in the middle of an upload (AT+QFUPL data mode, acks
 * slowed so the cut lands half-way): SIGTERM ends data mode the guides'
 * way before it exits; kill -9 leaves the module in data mode, where it
 * answers nothing and every probe resets its idle timer. Either way the
 * next station finds the unit in its slot, gets it out of data mode,
 * identifies it and updates it: the cut unit is reported with the truth
 * (ABORTED during DELIVER), then the unit PASSes. Never "did not come
 * back to its slot". */
static void
cut_mid_upload(const char *name, int sig)
{
	char        dir[1024], why[512], out[1100];
	pid_t       sim, st;
	harness_csv csv;

	ck_assert_msg(harness_setup_case(name,
	    "module:  model=BG96 rev=BG96MAR02A07M1G fault=slowack:60\n"
	    "package: model=BG96 from=BG96MAR02A07M1G to=BG96MAR02A08M1G\n"
	    "speed:   50\n"
	    "policy:  reboot_timeout=40 command_timeout=2 stop_grace=0.2\n",
	    dir, sizeof dir, &sim, why, sizeof why), "%s", why);
	st = start_station(dir, "station1.out");
	snprintf(out, sizeof out, "%s/station1.out", dir);
	ck_assert_msg(wait_text(out, "\"phase\":\"DELIVER\",\"percent\":2", 30),
	    "never reached the middle of the upload (%s)", dir);
	kill(st, sig);
	int status = harness_wait(st, 30);
	ck_assert_msg(sig == SIGKILL || status == 1, "first station exit %d (%s)", status, dir);
	st = start_station(dir, "station2.out");
	status = harness_wait(st, 120);
	harness_stop(sim);
	char reports[1100], path[1200];
	snprintf(reports, sizeof reports, "%s/reports", dir);
	ck_assert_msg(harness_read_session(reports, &csv, path, sizeof path), "no session CSV (%s)", dir);
	ck_assert_msg(csv.nrows == 2, "%d rows in %s, expected 2", csv.nrows, path);
	const harness_row *cut = harness_row_nth(&csv, "S1", 1), *next = harness_row_nth(&csv, "S1", 2);
	ck_assert_str_eq(harness_field(cut, "result"), "ABORTED");
	ck_assert_str_eq(harness_field(cut, "error_phase"), "DELIVER");
	ck_assert_msg(strstr(harness_field(cut, "error_text"), "did not come back") == NULL,
	    "cut unit said gone although it is in its slot: %s", harness_field(cut, "error_text"));
	ck_assert_str_eq(harness_field(next, "result"), "PASS");
	ck_assert_str_eq(harness_field(next, "imei"), harness_field(cut, "imei"));
	ck_assert_ptr_nonnull(strstr(harness_field(next, "fw_after"), "BG96MAR02A08M1G"));
	/* After SIGTERM the first station wrote the cut row itself. */
	ck_assert_msg(status == (sig == SIGTERM ? 0 : 1), "second station exit %d (%s)", status, dir);
	harness_csv_free(&csv);
}

START_TEST(test_sigterm_mid_upload)
{
	cut_mid_upload("sigterm-upload", SIGTERM);
}
END_TEST

START_TEST(test_kill9_mid_upload)
{
	cut_mid_upload("kill9-upload", SIGKILL);
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
	/* One tcase per subject: CK_RUN_CASE=mid-upload runs one. */
	tc = tcase_create("mid-upload");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_sigterm_mid_upload);
	tcase_add_test(tc, test_kill9_mid_upload);
	suite_add_tcase(s, tc);
	tc = tcase_create("disk");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_disk_full_from_start);
	tcase_add_test(tc, test_disk_full_until_exit);
	tcase_add_test(tc, test_reports_folder_deleted);
	suite_add_tcase(s, tc);
	return harness_run_suite(s, CK_VERBOSE);
}
