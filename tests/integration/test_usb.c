/*
 * test_usb: the station's USB side against `dfota-sim hub` -- the real
 * libusb hotplug and the real sysfs walk of the unmodified station binary,
 * under umockdev (docs/testing.md §2).
 *
 * Each test makes a folder with a station file without a slots list (every
 * Quectel module on USB is a slot, labelled by its port path) or with one,
 * starts the hub with its modules and a control FIFO, then starts the
 * station inside the hub's testbed (UMOCKDEV_DIR and the preloads the hub
 * uses for its own command). Events are awaited in the hub's and the
 * station's output files; the verdict is read from the report.
 *
 * The folder stays when a test fails: hub.out, station.out, sim-*.log,
 * reports/.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/harness/harness.h"

typedef struct usb_run {
	char  dir[1024];
	char  umockdev_dir[1024];
	pid_t hub;
	pid_t station;
} usb_run;

/* Counts the lines of path that contain text (and also2, unless NULL). */
static int
usb_count2(const char *path, const char *text, const char *also)
{
	FILE *f = fopen(path, "r");
	char  line[4096];
	int   n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		n += strstr(line, text) != NULL && (also == NULL || strstr(line, also) != NULL);
	fclose(f);
	return n;
}

static int
usb_count(const char *path, const char *text)
{
	return usb_count2(path, text, NULL);
}

static void
usb_file(const usb_run *r, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", r->dir, name);
}

/* Waits until file name (in the run's folder) has at least n lines with
 * text (and also, unless NULL). */
static bool
usb_wait_line(const usb_run *r, const char *name, const char *text, const char *also, int n,
              double timeout_s)
{
	char path[1200];

	usb_file(r, name, path, sizeof path);
	for (int i = 0; i < (int)(timeout_s * 100); i++) {
		if (usb_count2(path, text, also) >= n)
			return true;
		usleep(10000);
	}
	return false;
}

static bool
usb_wait_text(const usb_run *r, const char *name, const char *text, int n, double timeout_s)
{
	return usb_wait_line(r, name, text, NULL, n, timeout_s);
}

static int
usb_count_path(const usb_run *r, const char *name, const char *text)
{
	char path[1200];

	usb_file(r, name, path, sizeof path);
	return usb_count(path, text);
}

static void
usb_package(const char *dir, const char *model, const char *from, const char *to,
            const char *name)
{
	char file[1200];

	snprintf(file, sizeof file, "%s/packages/%s", dir, name);
	char *argv[] = { (char *)harness_env("DFOTA_SIM"), "make-package", "--model", (char *)model,
	    "--from", (char *)from, "--to", (char *)to, "--size", "20000", "-o", file, NULL };
	ck_assert_int_eq(harness_wait(harness_spawn(argv, "/dev/null"), 30), 0);
}

/* Station file: BG96 and EC25 packages; slots is "" (no slots list) or
 * the text of a slots list. */
static void
usb_setup(usb_run *r, const char *name, const char *policy, const char *slots)
{
	char path[1200], cfg[4096];

	memset(r, 0, sizeof *r);
	r->hub = r->station = -1;
	ck_assert(harness_fresh_dir(name, r->dir, sizeof r->dir));
	snprintf(path, sizeof path, "%s/packages", r->dir);
	mkdir(path, 0755);
	usb_package(r->dir, "BG96", "BG96MAR02A07M1G", "BG96MAR02A08M1G", "bg96.zip");
	usb_package(r->dir, "EC25", "EC25EFAR06A06M4G", "EC25EFAR06A07M4G", "ec25.zip");
	snprintf(cfg, sizeof cfg,
	    "station: { name = \"usbtest\"; operator = \"harness\"; reports_dir = \"reports\"; };\n"
	    "policy: { attempts = 1; command_timeout = 2.0; %s };\n"
	    "discovery: { usb = true; rescan_interval_ms = 300; };\n"
	    "%s"
	    "packages = (\n"
	    "  { model = \"BG96\"; from = \"BG96MAR02A07M1G\"; to = \"BG96MAR02A08M1G\"; file = \"packages/bg96.zip\"; },\n"
	    "  { model = \"EC25\"; from = \"EC25EFAR06A06M4G\"; to = \"EC25EFAR06A07M4G\"; file = \"packages/ec25.zip\"; }\n"
	    ");\n", policy, slots);
	snprintf(path, sizeof path, "%s/station.cfg", r->dir);
	harness_write_file(path, cfg);
}

/* Starts the hub with ports[] (NULL-terminated "--port" values). */
static void
usb_start_hub(usb_run *r, const char *speed, const char *const *ports)
{
	char *argv[80], ctl[1100], out[1100], line[2048];
	int   n = 0;
	FILE *f;

	argv[n++] = (char *)harness_env("DFOTA_SIM");
	argv[n++] = "hub";
	argv[n++] = "--speed";
	argv[n++] = (char *)speed;
	argv[n++] = "--seed";
	argv[n++] = "11";
	argv[n++] = "--logdir";
	argv[n++] = r->dir;
	snprintf(ctl, sizeof ctl, "%s/control", r->dir);
	argv[n++] = "--control";
	argv[n++] = ctl;
	for (int i = 0; ports[i] != NULL && n < 76; i++) {
		argv[n++] = "--port";
		argv[n++] = (char *)ports[i];
	}
	argv[n] = NULL;
	usb_file(r, "hub.out", out, sizeof out);
	r->hub = harness_spawn(argv, out);
	ck_assert_msg(usb_wait_text(r, "hub.out", "hub: ready UMOCKDEV_DIR=", 1, 120),
	    "dfota-sim hub did not get ready (see %s/hub.out)", r->dir);
	f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f) != NULL) {
		char *p = strstr(line, "UMOCKDEV_DIR=");
		if (p != NULL) {
			p += strlen("UMOCKDEV_DIR=");
			snprintf(r->umockdev_dir, sizeof r->umockdev_dir, "%.*s", (int)strcspn(p, ","), p);
		}
	}
	fclose(f);
	ck_assert_msg(r->umockdev_dir[0] != '\0', "no UMOCKDEV_DIR in %s/hub.out", r->dir);
}

/* Starts the station in the hub's testbed with the hub's preloads. */
static void
usb_start_station(usb_run *r, const char *extra1, const char *extra2)
{
	char  cfg[1100], out[1100], fix[1100], preload[1300];
	char *slash;
	pid_t pid;

	snprintf(cfg, sizeof cfg, "%s/station.cfg", r->dir);
	usb_file(r, "station.out", out, sizeof out);
	snprintf(fix, sizeof fix, "%s", harness_env("DFOTA_SIM"));
	slash = strrchr(fix, '/');
	ck_assert_ptr_nonnull(slash);
	snprintf(slash + 1, sizeof fix - (size_t)(slash + 1 - fix), "libdfota-hubfix.so");
	snprintf(preload, sizeof preload, "%s:libumockdev-preload.so.0", fix);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		setenv("UMOCKDEV_DIR", r->umockdev_dir, 1);
		setenv("LD_PRELOAD", preload, 1);
		/* ASan builds: the preloads come before its runtime. */
		setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 0);
		char *argv[] = { (char *)harness_env("DFOTA_STATION"), "--config", cfg, "--headless",
		    (char *)extra1, (char *)extra2, NULL };
		execv(argv[0], argv);
		_exit(127);
	}
	r->station = pid;
}

static void
usb_control(const usb_run *r, const char *cmd)
{
	char path[1100];
	int  fd;

	usb_file(r, "control", path, sizeof path);
	fd = open(path, O_WRONLY);
	ck_assert_msg(fd >= 0, "cannot open the hub's control FIFO %s", path);
	ck_assert_int_eq(write(fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	ck_assert_int_eq(write(fd, "\n", 1), 1);
	close(fd);
}

static void
usb_finish(usb_run *r)
{
	harness_stop(r->station);
	harness_stop(r->hub);
}

/* The station's exit status within timeout_s (it is killed otherwise). */
static int
usb_wait_station(usb_run *r, double timeout_s)
{
	int status = harness_wait(r->station, timeout_s);

	r->station = -1;
	return status;
}

static int
usb_count_dir(const char *path)
{
	DIR           *d = opendir(path);
	struct dirent *e;
	int            n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* ---- tests ---------------------------------------------------------- */

/* Two hubs of seven ports, every module arriving at once: all updated,
 * each re-enumerated twice (after the trigger, after the update). */
START_TEST(test_two_hubs_fourteen_modules)
{
	static const char *const ports[] = {
		"1-1.1,model=BG96", "1-1.2,model=BG96", "1-1.3,model=BG96", "1-1.4,model=BG96",
		"1-1.5,model=BG96", "1-1.6,model=BG96", "1-1.7,model=BG96",
		"2-1.1,model=EC25", "2-1.2,model=EC25", "2-1.3,model=EC25", "2-1.4,model=EC25",
		"2-1.5,model=EC25", "2-1.6,model=EC25", "2-1.7,model=EC25", NULL,
	};
	usb_run     r;
	harness_csv csv;
	char        reports[1200], csvpath[1300], up[64], out[1200];

	usb_setup(&r, "usb-2x7", "reboot_timeout = 10.0; stall_timeout = 10.0;", "");
	usb_start_hub(&r, "100", ports);
	usb_start_station(&r, "--once", NULL);
	int status = usb_wait_station(&r, 120);
	usb_file(&r, "hub.out", out, sizeof out);
	for (int i = 0; ports[i] != NULL; i++) {
		snprintf(up, sizeof up, "hub: up %.5s ", ports[i]);
		ck_assert_msg(usb_count(out, up) == 3, "%.5s came up %d times, expected 3 (see %s)",
		    ports[i], usb_count(out, up), r.dir);
	}
	usb_finish(&r);
	ck_assert_msg(status == 0, "station exit status %d (see %s)", status, r.dir);
	snprintf(reports, sizeof reports, "%s/reports", r.dir);
	ck_assert(harness_read_session(reports, &csv, csvpath, sizeof csvpath));
	ck_assert_int_eq(csv.nrows, 14);
	for (int i = 0; ports[i] != NULL; i++) {
		char slot[8];
		snprintf(slot, sizeof slot, "%.5s", ports[i]);
		const harness_row *row = harness_row_of(&csv, slot);
		ck_assert_msg(row != NULL, "no row for %s (see %s)", slot, r.dir);
		ck_assert_str_eq(harness_field(row, "result"), "PASS");
		ck_assert_str_eq(harness_field(row, "usb_path"), slot);
		ck_assert_str_eq(harness_field(row, "fw_after"),
		    i < 7 ? "BG96MAR02A08M1G" : "EC25EFAR06A07M4G");
	}
	harness_csv_free(&csv);
}
END_TEST

/* A module pulled out while it updates: FAIL, "unit removed during update". */
START_TEST(test_unplug_mid_update)
{
	static const char *const ports[] = { "1-1.2,model=BG96", "1-1.3,model=BG96", NULL };
	usb_run     r;
	harness_csv csv;
	char        reports[1200], csvpath[1300];

	usb_setup(&r, "usb-unplug", "reboot_timeout = 3.0; stall_timeout = 10.0;", "");
	usb_start_hub(&r, "10", ports);
	usb_start_station(&r, "--once", NULL);
	ck_assert_msg(usb_wait_line(&r, "station.out", "\"slot\":\"1-1.2\"",
	    "\"phase\":\"UPDATING\",\"percent\":20", 1, 60),
	    "1-1.2 never got to UPDATING (see %s)", r.dir);
	usb_control(&r, "unplug 1-1.2");
	int status = usb_wait_station(&r, 120);
	usb_finish(&r);
	ck_assert_msg(status == 1, "station exit status %d (see %s)", status, r.dir);
	snprintf(reports, sizeof reports, "%s/reports", r.dir);
	ck_assert(harness_read_session(reports, &csv, csvpath, sizeof csvpath));
	ck_assert_int_eq(csv.nrows, 2);
	const harness_row *gone = harness_row_of(&csv, "1-1.2"), *kept = harness_row_of(&csv, "1-1.3");
	ck_assert_ptr_nonnull(gone);
	ck_assert_ptr_nonnull(kept);
	ck_assert_str_eq(harness_field(gone, "result"), "FAIL");
	ck_assert_msg(strstr(harness_field(gone, "error_text"), "unit removed during update") != NULL,
	    "error_text: %s (see %s)", harness_field(gone, "error_text"), r.dir);
	ck_assert_str_eq(harness_field(kept, "result"), "PASS");
	harness_csv_free(&csv);
}
END_TEST

/* A module that comes back on another port path (as on a SuperSpeed
 * companion bus): one report, in its first slot, both paths in its
 * timeline. From its last reboot (moveto=...@2) it is matched by IMEI;
 * from the first (@1) it is in its updater, which answers no AT, and is
 * matched as the only unit awaiting its return (IMEI checked at the end;
 * at --speed 10, so that the update outlasts the station's AT timeout). */
static void
usb_moved(const char *name, const char *slots, const char *slot_a, const char *spec, int ups,
          const char *speed)
{
	const char *const ports[] = { spec, NULL };
	usb_run     r;
	harness_csv csv;
	char        reports[1200], csvpath[1300], detail[1600];

	usb_setup(&r, name, "reboot_timeout = 10.0; stall_timeout = 10.0;", slots);
	usb_start_hub(&r, speed, ports);
	usb_start_station(&r, "--once", NULL);
	int status = usb_wait_station(&r, 90);
	usb_finish(&r);
	ck_assert_msg(usb_count_path(&r, "hub.out", "hub: up 2-1.4") == ups,
	    "the module did not come back on 2-1.4 (see %s)", r.dir);
	ck_assert_msg(status == 0, "station exit status %d (see %s)", status, r.dir);
	snprintf(reports, sizeof reports, "%s/reports", r.dir);
	ck_assert(harness_read_session(reports, &csv, csvpath, sizeof csvpath));
	ck_assert_msg(csv.nrows == 1, "%d rows, expected 1 (see %s)", csv.nrows, r.dir);
	const harness_row *row = harness_row_of(&csv, slot_a);
	ck_assert_msg(row != NULL, "no row for slot %s (see %s)", slot_a, r.dir);
	ck_assert_str_eq(harness_field(row, "result"), "PASS");
	ck_assert_str_eq(harness_field(row, "usb_path"), "1-1.2");
	snprintf(detail, sizeof detail, "%s/%s", reports, harness_field(row, "detail_file"));
	ck_assert_msg(usb_count(detail, "came back on USB 2-1.4 (it left from 1-1.2)") == 1,
	    "the timeline %s does not say where the unit came back", detail);
	harness_csv_free(&csv);
}

START_TEST(test_moved_port_no_slots_list)
{
	usb_moved("usb-moved", "", "1-1.2", "1-1.2,model=BG96,moveto=2-1.4@2", 1, "50");
}
END_TEST

START_TEST(test_moved_port_configured_slots)
{
	usb_moved("usb-moved-cfg",
	    "slots = ( { label = \"A1\"; usb_path = \"1-1.2\"; }, { label = \"B4\"; usb_path = \"2-1.4\"; } );\n",
	    "A1", "1-1.2,model=BG96,moveto=2-1.4@2", 1, "50");
}
END_TEST

START_TEST(test_moved_in_updater)
{
	usb_moved("usb-moved-upd", "", "1-1.2", "1-1.2,model=BG96,moveto=2-1.4@1", 2, "10");
}
END_TEST

/* Two modules back from their first reboot on the companion bus (the same
 * port numbers on bus 2), in their updaters: each is matched to its own
 * unit -- by the same ports when both are awaited, or as the only one
 * awaited -- and each unit gets one row, PASS, in its first slot. */
START_TEST(test_companion_bus_in_updater)
{
	static const char *const ports[] = {
		"1-1.2,model=BG96,moveto=2-1.2@1", "1-1.3,model=BG96,moveto=2-1.3@1", NULL,
	};
	usb_run     r;
	harness_csv csv;
	char        reports[1200], csvpath[1300], detail[1600], want[128];

	usb_setup(&r, "usb-companion", "reboot_timeout = 10.0; stall_timeout = 10.0;", "");
	usb_start_hub(&r, "10", ports);
	usb_start_station(&r, "--once", NULL);
	int status = usb_wait_station(&r, 120);
	usb_finish(&r);
	ck_assert_msg(status == 0, "station exit status %d (see %s)", status, r.dir);
	snprintf(reports, sizeof reports, "%s/reports", r.dir);
	ck_assert(harness_read_session(reports, &csv, csvpath, sizeof csvpath));
	ck_assert_msg(csv.nrows == 2, "%d rows, expected 2 (see %s)", csv.nrows, r.dir);
	for (int i = 2; i <= 3; i++) {
		char slot[8];
		snprintf(slot, sizeof slot, "1-1.%d", i);
		const harness_row *row = harness_row_of(&csv, slot);
		ck_assert_msg(row != NULL, "no row for %s (see %s)", slot, r.dir);
		ck_assert_str_eq(harness_field(row, "result"), "PASS");
		ck_assert_str_eq(harness_field(row, "fw_after"), "BG96MAR02A08M1G");
		snprintf(detail, sizeof detail, "%s/%s", reports, harness_field(row, "detail_file"));
		snprintf(want, sizeof want, "came back on USB 2-1.%d (it left from 1-1.%d)", i, i);
		ck_assert_msg(usb_count(detail, want) == 1, "%s does not say '%s'", detail, want);
	}
	harness_csv_free(&csv);
}
END_TEST

/* A hub that goes away mid-update takes its units with it: each one still
 * gets its report row; the module on the other hub passes. */
START_TEST(test_hub_removed_mid_update)
{
	static const char *const ports[] = {
		"1-1.1,model=BG96", "1-1.2,model=BG96", "1-1.3,model=BG96", "2-1.1,model=BG96", NULL,
	};
	usb_run     r;
	harness_csv csv;
	char        reports[1200], csvpath[1300];

	usb_setup(&r, "usb-hub-gone", "reboot_timeout = 3.0; stall_timeout = 10.0;", "");
	usb_start_hub(&r, "10", ports);
	usb_start_station(&r, "--once", NULL);
	ck_assert_msg(usb_wait_text(&r, "station.out", "\"phase\":\"UPDATING\",\"percent\":20", 4, 60),
	    "the units never got to UPDATING (see %s)", r.dir);
	usb_control(&r, "hub-remove 1-1");
	int status = usb_wait_station(&r, 120);
	usb_finish(&r);
	ck_assert_msg(status == 1, "station exit status %d (see %s)", status, r.dir);
	snprintf(reports, sizeof reports, "%s/reports", r.dir);
	ck_assert(harness_read_session(reports, &csv, csvpath, sizeof csvpath));
	ck_assert_msg(csv.nrows == 4, "%d rows, expected 4 (see %s)", csv.nrows, r.dir);
	for (int i = 1; i <= 3; i++) {
		char slot[8];
		snprintf(slot, sizeof slot, "1-1.%d", i);
		const harness_row *row = harness_row_of(&csv, slot);
		ck_assert_msg(row != NULL, "no row for %s (see %s)", slot, r.dir);
		ck_assert_str_eq(harness_field(row, "result"), "FAIL");
		ck_assert_msg(strstr(harness_field(row, "error_text"), "unit removed during update") != NULL ||
		    strstr(harness_field(row, "error_text"), "did not come back") != NULL,
		    "%s: error_text %s", slot, harness_field(row, "error_text"));
	}
	ck_assert_str_eq(harness_field(harness_row_of(&csv, "2-1.1"), "result"), "PASS");
	harness_csv_free(&csv);
}
END_TEST

static int
usb_proc_count(pid_t pid, const char *what)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, what);
	return usb_count_dir(path);
}

/* 50 plug/unplug cycles on one port: no thread, fd or slot left over. */
/* Processes whose command line names text (the hub's modules name their
 * links inside the testbed folder). */
static int
usb_procs_naming(const char *text)
{
	DIR           *d = opendir("/proc");
	struct dirent *e;
	int            n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char   path[300], buf[8192];
		size_t got;
		FILE  *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		got = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		for (size_t i = 0; i < got; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[got] = '\0';
		n += strstr(buf, text) != NULL;
	}
	closedir(d);
	return n;
}

/* dfota-sim hub on SIGTERM ends as its `quit` does: every module
 * emulator stopped, the testbed folder (/tmp/umockdev.*) removed. */
START_TEST(test_hub_sigterm_cleans_up)
{
	static const char *const ports[] = { "1-1.1,model=BG96", "1-1.2,model=EC25", NULL };
	usb_run r;
	int     left = -1;

	usb_setup(&r, "usb-hub-term", "", "");
	usb_start_hub(&r, "100", ports);
	ck_assert_int_eq(access(r.umockdev_dir, F_OK), 0);
	ck_assert_int_ge(usb_procs_naming(r.umockdev_dir), 1);
	kill(r.hub, SIGTERM);
	ck_assert_msg(harness_wait(r.hub, 20) >= 0, "the hub did not end on SIGTERM");
	r.hub = -1;
	for (int i = 0; i < 100 && (left = usb_procs_naming(r.umockdev_dir)) > 0; i++)
		usleep(50000);
	ck_assert_msg(left == 0, "%d module emulator(s) left running after SIGTERM", left);
	ck_assert_msg(access(r.umockdev_dir, F_OK) != 0, "%s left behind", r.umockdev_dir);
}
END_TEST

/* The fewest of what usb_proc_count sees over a second: a descriptor
 * open for a moment (a report being written, a folder fsync, a port
 * probed) is no leak, and a leak is in every sample. */
static int
usb_proc_count_least(pid_t pid, const char *what)
{
	int least = -1;

	for (int i = 0; i < 10; i++) {
		int n = usb_proc_count(pid, what);

		if (n >= 0 && (least < 0 || n < least))
			least = n;
		usleep(100000);
	}
	return least;
}

START_TEST(test_plug_cycles_leak_nothing)
{
	static const char *const ports[] = { "1-1.5,model=BG96,plugged=no", NULL };
	usb_run r;
	int     fds0 = -1, tasks0 = -1, fds, tasks;
	char    out[1200], want[32];

	usb_setup(&r, "usb-cycles", "reboot_timeout = 3.0;", "");
	usb_start_hub(&r, "100", ports);
	usb_start_station(&r, "--idle-exit", "600");
	for (int i = 1; i <= 50; i++) {
		usb_control(&r, "plug 1-1.5");
		ck_assert_msg(usb_wait_text(&r, "hub.out", "hub: up 1-1.5", i, 10),
		    "cycle %d: the module did not come up (see %s)", i, r.dir);
		/* Every few cycles the module stays long enough to be a unit. */
		usleep(i % 5 == 0 ? 300000 : 20000);
		usb_control(&r, "unplug 1-1.5");
		ck_assert(usb_wait_text(&r, "hub.out", "hub: ok unplug 1-1.5", i, 10));
		if (i == 1) {
			usleep(1500000);   /* the slot and its worker exist now */
			fds0 = usb_proc_count_least(r.station, "fd");
			tasks0 = usb_proc_count_least(r.station, "task");
		}
	}
	/* The last unit may have been pulled out in its updater: it is FAIL
	 * only after reboot_timeout (3 s), its timeline open until then. */
	usleep(4500000);
	fds = usb_proc_count_least(r.station, "fd");
	tasks = usb_proc_count_least(r.station, "task");
	kill(r.station, SIGTERM);
	int status = usb_wait_station(&r, 30);
	usb_finish(&r);
	/* A leak grows with the cycles; fewer at the end is a descriptor or
	 * thread of cycle 1's unit still busy when the first count was taken. */
	ck_assert_msg(fds0 > 0 && fds <= fds0, "open fds: %d after cycle 1, %d after 50 (see %s)",
	    fds0, fds, r.dir);
	ck_assert_msg(tasks0 > 0 && tasks <= tasks0, "threads: %d after cycle 1, %d after 50 (see %s)",
	    tasks0, tasks, r.dir);
	ck_assert_msg(status == 0 || status == 1, "station exit status %d (see %s)", status, r.dir);
	/* One slot: every state line names 1-1.5, and no other slot appears. */
	usb_file(&r, "station.out", out, sizeof out);
	snprintf(want, sizeof want, "\"slot\":\"");
	ck_assert_int_eq(usb_count(out, want), usb_count(out, "\"slot\":\"1-1.5\""));
}
END_TEST

int
main(void)
{
	Suite   *s = suite_create("usb");
	TCase   *tc = tcase_create("hub");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_two_hubs_fourteen_modules);
	tcase_add_test(tc, test_unplug_mid_update);
	tcase_add_test(tc, test_moved_port_no_slots_list);
	tcase_add_test(tc, test_moved_port_configured_slots);
	tcase_add_test(tc, test_moved_in_updater);
	tcase_add_test(tc, test_companion_bus_in_updater);
	tcase_add_test(tc, test_hub_removed_mid_update);
	tcase_add_test(tc, test_plug_cycles_leak_nothing);
	tcase_add_test(tc, test_hub_sigterm_cleans_up);
	suite_add_tcase(s, tc);
	return harness_run_suite(s, CK_NORMAL);
}
