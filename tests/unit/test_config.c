/*
 * test_config: the station file loader.
 *
 * Most cases are data: every .cfg file in tests/data/config starts with
 *   # expect: ok
 * or
 *   # expect: error <a part of the message, with file and line>
 * and is loaded and checked by one looped test, so adding a case is adding
 * a file. The tests below the loop check values (defaults, floats, resolved
 * paths, canonical model names) that an "ok" cannot show.
 *
 * Environment: DFOTA_TESTDATA (tests/data), DFOTA_TMP (scratch folder),
 * DFOTA_EXAMPLES (optional; default DFOTA_TESTDATA/../../config/examples).
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "tests/harness/harness.h"

#define MAX_CASES 512

typedef struct case_list {
	char   path[MAX_CASES][PATH_MAX];
	size_t n;
} case_list;

static case_list cases;

static const char *
testdata(void)
{
	const char *d = getenv("DFOTA_TESTDATA");

	return d != NULL ? d : "tests/data";
}

static const char *
tmpdir(void)
{
	const char *d = getenv("DFOTA_TMP");
	char cmd[PATH_MAX + 16];

	if (d == NULL)
		d = "/tmp/dfota-test";
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", d);
	if (system(cmd) != 0)
		return "/tmp";
	return d;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Every *.cfg of a folder, sorted so that runs are comparable. */
static void
collect(case_list *l, const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	l->n = 0;
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && l->n < MAX_CASES) {
		size_t len = strlen(de->d_name);

		if (len > 4 && strcmp(de->d_name + len - 4, ".cfg") == 0)
			snprintf(l->path[l->n++], PATH_MAX, "%s/%s", dir, de->d_name);
	}
	closedir(d);
	qsort(l->path, l->n, sizeof l->path[0], cmp_str);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

/* A 10 MB file on one line is refused at once, by its size, not after a
 * minute of libconfig's scanning; a long line in a small file by its
 * length, with its line number. */
START_TEST(test_huge_files_refused)
{
	char           dir[PATH_MAX], path[PATH_MAX + 32], err[1024];
	station_config cfg;
	FILE          *f;

	ck_assert(harness_fresh_dir("config-huge", dir, sizeof dir));
	snprintf(path, sizeof path, "%s/huge.cfg", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("station: { name = \"", f);
	for (int i = 0; i < 10 * 1024; i++)
		for (int k = 0; k < 1024; k++)
			fputc('a', f);
	fputs("\"; };\n", f);
	fclose(f);
	ck_assert_int_eq(config_load(path, &cfg, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "a station file is at most") != NULL, "%s", err);

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("station: { name = \"t1\"; };\n# ", f);
	for (int i = 0; i < 100 * 1024; i++)
		fputc('#', f);
	fputs("\n", f);
	fclose(f);
	ck_assert_int_eq(config_load(path, &cfg, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "huge.cfg:2: line of") != NULL, "%s", err);
}
END_TEST

START_TEST(test_case_file)
{
	const char *path = cases.path[_i];
	char line[1024], err[2048], *nl;
	station_config cfg;
	FILE *f = fopen(path, "r");
	int rc;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_msg(fgets(line, sizeof line, f) != NULL, "%s: empty", path);
	fclose(f);
	if ((nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	/* ok-bom.cfg: the expectation follows the byte order mark. */
	if (memcmp(line, "\xef\xbb\xbf", 3) == 0)
		memmove(line, line + 3, strlen(line + 3) + 1);

	rc = config_load(path, &cfg, err, sizeof err);
	if (strcmp(line, "# expect: ok") == 0) {
		ck_assert_msg(rc == 0, "%s: expected ok, got: %s", path, err);
		config_free(&cfg);
	} else if (strncmp(line, "# expect: error ", 16) == 0) {
		ck_assert_msg(rc == -1, "%s: expected an error, it loaded", path);
		ck_assert_msg(strstr(err, line + 16) != NULL,
		    "%s:\n  expected: %s\n  got:      %s", path, line + 16, err);
		/* On failure the struct holds nothing to free. */
		ck_assert_ptr_eq(cfg.slots, NULL);
		ck_assert_ptr_eq(cfg.packages, NULL);
		ck_assert_ptr_eq(cfg.targets, NULL);
	} else {
		ck_abort_msg("%s: first line must be '# expect: ok' or "
		    "'# expect: error <text>', got '%s'", path, line);
	}
}
END_TEST

START_TEST(test_case_count)
{
	size_t ok = 0;

	ck_assert_msg(cases.n >= 25, "only %zu cases in %s/config", cases.n,
	    testdata());
	for (size_t i = 0; i < cases.n; i++)
		ok += strstr(cases.path[i], "/ok-") != NULL;
	ck_assert_uint_ge(ok, 3);
}
END_TEST

START_TEST(test_defaults)
{
	char path[PATH_MAX], want[PATH_MAX], err[1024];
	station_config cfg;

	snprintf(path, sizeof path, "%s/config/ok-minimal.cfg", testdata());
	ck_assert_msg(config_load(path, &cfg, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(cfg.name, "line3-A");
	ck_assert_str_eq(cfg.operator_name, "");
	snprintf(want, sizeof want, "%s/config/reports", testdata());
	ck_assert_str_eq(cfg.reports_dir, want);
	ck_assert_str_eq(cfg.path, path);
	ck_assert_int_eq(cfg.policy.attempts, 3);
	ck_assert(cfg.policy.reboot_timeout == 180.0);
	ck_assert(cfg.policy.stall_timeout == 300.0);
	ck_assert(cfg.policy.start_timeout == 300.0);
	ck_assert(cfg.policy.command_timeout == 5.0);
	ck_assert_int_eq(cfg.policy.max_parallel_uploads, 0);
	ck_assert(cfg.policy.auto_start);
	ck_assert(cfg.discovery.usb);
	ck_assert_int_eq(cfg.discovery.rescan_interval_ms, 1000);
	ck_assert(cfg.ui.bell);
	ck_assert_uint_eq(cfg.nslots, 0);
	ck_assert_uint_eq(cfg.npackages, 0);
	ck_assert_uint_eq(cfg.ntargets, 0);
	config_free(&cfg);
	ck_assert_ptr_eq(cfg.slots, NULL);
	config_free(&cfg);   /* a freed config frees again harmlessly */
}
END_TEST

START_TEST(test_full_values)
{
	char path[PATH_MAX], want[PATH_MAX], err[1024];
	station_config cfg;

	snprintf(path, sizeof path, "%s/config/ok-full.cfg", testdata());
	ck_assert_msg(config_load(path, &cfg, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(cfg.operator_name, "Jane Doe");
	snprintf(want, sizeof want, "%s/config/out/reports", testdata());
	ck_assert_str_eq(cfg.reports_dir, want);

	ck_assert_int_eq(cfg.policy.attempts, 5);
	ck_assert(cfg.policy.reboot_timeout == 2.5);
	ck_assert(cfg.policy.stall_timeout == 600.0);
	ck_assert(cfg.policy.start_timeout == 45.0);
	ck_assert(cfg.policy.command_timeout == 0.75);
	ck_assert_int_eq(cfg.policy.max_parallel_uploads, 2);
	ck_assert(!cfg.policy.auto_start);
	ck_assert(!cfg.discovery.usb);
	ck_assert_int_eq(cfg.discovery.rescan_interval_ms, 250);
	ck_assert(!cfg.ui.bell);

	ck_assert_uint_eq(cfg.nslots, 3);
	ck_assert_str_eq(cfg.slots[0].label, "A1");
	ck_assert_str_eq(cfg.slots[0].usb_path, "1-1.2");
	ck_assert_str_eq(cfg.slots[0].serial, "");
	ck_assert_int_eq(cfg.slots[0].baud, 115200);
	ck_assert_int_eq(cfg.slots[0].line, 18);
	ck_assert_str_eq(cfg.slots[1].usb_path, "1-1.10.3");
	ck_assert_str_eq(cfg.slots[1].urc_serial, "/dev/ttyS1");
	ck_assert_str_eq(cfg.slots[2].usb_path, "");
	ck_assert_str_eq(cfg.slots[2].serial,
	    "/dev/serial/by-path/pci-0000:00:14.0-usb-0:3:1.0-port0");
	ck_assert_int_eq(cfg.slots[2].baud, 9600);
	ck_assert_str_eq(cfg.slots[2].model, "BC26");   /* given as "bc26" */

	ck_assert_uint_eq(cfg.npackages, 2);
	snprintf(want, sizeof want, "%s/config/files/pkg-a.bin", testdata());
	ck_assert_str_eq(cfg.packages[0].file, want);
	ck_assert_str_eq(cfg.packages[0].url, "");
	ck_assert_str_eq(cfg.packages[0].sha256,
	    "2dc52c58994a2f88297779913babe9b3c643caffc037b75b1c658fa8cc4f22c1");
	ck_assert_str_eq(cfg.packages[0].from, "BG96MAR02A07M1G");
	ck_assert_str_eq(cfg.packages[0].to, "BG96MAR02A08M1G");
	ck_assert_int_eq(cfg.packages[0].line, 24);
	ck_assert_str_eq(cfg.packages[1].model, "EC25");  /* given as "ec25" */
	ck_assert_str_eq(cfg.packages[1].file, "");
	ck_assert_str_eq(cfg.packages[1].url,
	    "http://fota.example.com/ec25-a06-a07.zip");
	ck_assert_str_eq(cfg.packages[1].sha256, "");

	ck_assert_uint_eq(cfg.ntargets, 1);
	ck_assert_str_eq(cfg.targets[0].model, "BG96");
	ck_assert_str_eq(cfg.targets[0].revision, "BG96MAR02A08M1G");
	config_free(&cfg);
}
END_TEST

/* A station file in the current folder: its paths stay relative. */
START_TEST(test_relative_to_cwd)
{
	char dir[PATH_MAX], old[PATH_MAX], err[1024];
	station_config cfg;

	ck_assert(getcwd(old, sizeof old) != NULL);
	snprintf(dir, sizeof dir, "%s/config", testdata());
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_msg(config_load("ok-full.cfg", &cfg, err, sizeof err) == 0,
	    "%s", err);
	ck_assert_str_eq(cfg.packages[0].file, "files/pkg-a.bin");
	ck_assert_str_eq(cfg.reports_dir, "out/reports");
	config_free(&cfg);
	ck_assert_int_eq(chdir(old), 0);
}
END_TEST

START_TEST(test_absolute_paths)
{
	char dir[PATH_MAX], path[PATH_MAX], pkgfile[PATH_MAX], text[4096];
	char err[1024];
	station_config cfg;

	snprintf(dir, sizeof dir, "%s", tmpdir());
	snprintf(pkgfile, sizeof pkgfile, "%s/cfg-abs.bin", dir);
	write_file(pkgfile, "payload");
	snprintf(path, sizeof path, "%s/cfg-abs.cfg", dir);
	snprintf(text, sizeof text,
	    "station: { name = \"abs\"; reports_dir = \"/var/tmp/r\"; };\n"
	    "packages = ( { model = \"EC25\"; from = \"A1\"; to = \"A2\";\n"
	    "  file = \"%s\"; } );\n", pkgfile);
	write_file(path, text);
	ck_assert_msg(config_load(path, &cfg, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(cfg.reports_dir, "/var/tmp/r");
	ck_assert_str_eq(cfg.packages[0].file, pkgfile);
	config_free(&cfg);
}
END_TEST

/* verify: the network check and custom checks, as the file gives them;
 * without the group, no network check and 60 s. */
START_TEST(test_verify_values)
{
	char path[PATH_MAX], err[1024];
	station_config cfg;

	snprintf(path, sizeof path, "%s/config/ok-verify.cfg", testdata());
	ck_assert_msg(config_load(path, &cfg, err, sizeof err) == 0, "%s", err);
	ck_assert(cfg.verify.network);
	ck_assert(cfg.verify.network_timeout == 90.5);
	ck_assert_uint_eq(cfg.verify.nchecks, 6);
	ck_assert_str_eq(cfg.verify.checks[0].name, "sim");
	ck_assert_str_eq(cfg.verify.checks[0].command, "AT+CPIN?");
	ck_assert_str_eq(cfg.verify.checks[0].expect, "^\\+CPIN: READY$");
	ck_assert_int_eq(cfg.verify.checks[0].line, 7);
	ck_assert_str_eq(cfg.verify.checks[5].command, "AT+EGMR=0,7");
	config_free(&cfg);

	snprintf(path, sizeof path, "%s/config/ok-minimal.cfg", testdata());
	ck_assert_msg(config_load(path, &cfg, err, sizeof err) == 0, "%s", err);
	ck_assert(!cfg.verify.network);
	ck_assert(cfg.verify.network_timeout == 60);
	ck_assert_uint_eq(cfg.verify.nchecks, 0);
	config_free(&cfg);
}
END_TEST

START_TEST(test_missing_file)
{
	char err[1024];
	station_config cfg;

	ck_assert_int_eq(config_load("/nonexistent/station.cfg", &cfg, err,
	    sizeof err), -1);
	ck_assert_str_eq(err, "/nonexistent/station.cfg: cannot open: "
	    "No such file or directory");
	ck_assert_ptr_eq(cfg.slots, NULL);
	/* No error buffer: still fails cleanly. */
	ck_assert_int_eq(config_load("/nonexistent/station.cfg", &cfg, NULL, 0),
	    -1);
}
END_TEST

/* Messages are cut, never overrun, in a small buffer. */
START_TEST(test_small_err_buffer)
{
	char path[PATH_MAX], err[24];
	station_config cfg;

	memset(err, 'x', sizeof err);
	snprintf(path, sizeof path, "%s/config/err-unknown-top.cfg", testdata());
	ck_assert_int_eq(config_load(path, &cfg, err, 16), -1);
	ck_assert_uint_eq(strlen(err), 15);
	ck_assert_int_eq(err[16], 'x');
}
END_TEST

START_TEST(test_default_path)
{
	char dir[PATH_MAX], old[PATH_MAX], file[PATH_MAX + 16];
	const char *p;

	ck_assert(getcwd(old, sizeof old) != NULL);
	snprintf(dir, sizeof dir, "%s/cfg-default", tmpdir());
	mkdir(dir, 0755);
	snprintf(file, sizeof file, "%s/station.cfg", dir);
	unlink(file);
	ck_assert_int_eq(chdir(dir), 0);
	p = config_default_path();
	if (access("/etc/dfota-station/station.cfg", F_OK) == 0)
		ck_assert_str_eq(p, "/etc/dfota-station/station.cfg");
	else
		ck_assert_ptr_eq(p, NULL);
	write_file("station.cfg", "station: { name = \"x\"; };\n");
	ck_assert_str_eq(config_default_path(), "station.cfg");
	unlink("station.cfg");
	ck_assert_int_eq(chdir(old), 0);
}
END_TEST

/* The shipped examples must load wherever they are installed. */
START_TEST(test_examples)
{
	char dir[PATH_MAX], err[2048];
	const char *env = getenv("DFOTA_EXAMPLES");
	case_list *ex = malloc(sizeof *ex);
	station_config cfg;
	bool station = false;

	ck_assert(ex != NULL);
	if (env != NULL)
		snprintf(dir, sizeof dir, "%s", env);
	else
		snprintf(dir, sizeof dir, "%s/../../config/examples", testdata());
	collect(ex, dir);
	for (size_t i = 0; i < ex->n; i++) {
		ck_assert_msg(config_load(ex->path[i], &cfg, err, sizeof err) == 0,
		    "%s", err);
		if (strstr(ex->path[i], "/station.cfg") != NULL) {
			station = true;
			ck_assert_uint_gt(cfg.nslots, 1);
			ck_assert_uint_gt(cfg.npackages, 1);
			ck_assert_uint_gt(cfg.ntargets, 0);
		}
		config_free(&cfg);
	}
	ck_assert_msg(station, "no station.cfg in %s", dir);
	free(ex);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("files");

	char dir[PATH_MAX];

	snprintf(dir, sizeof dir, "%s/config", testdata());
	collect(&cases, dir);
	tcase_add_loop_test(tc, test_case_file, 0, (int)cases.n);
	tcase_add_test(tc, test_case_count);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_test(tc, test_huge_files_refused);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_full_values);
	tcase_add_test(tc, test_relative_to_cwd);
	tcase_add_test(tc, test_absolute_paths);
	tcase_add_test(tc, test_verify_values);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_small_err_buffer);
	tcase_add_test(tc, test_default_path);
	tcase_add_test(tc, test_examples);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run_suite(config_suite(), CK_NORMAL);
}
