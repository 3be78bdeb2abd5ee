/*
 * test_central: the line's audit store against a real PostgreSQL server.
 *
 * One throwaway cluster (tests/pg-cluster, as the postgres user, on a free
 * port of 127.0.0.1) serves the whole suite: it is started by an unchecked
 * fixture in the test runner's own process and stopped by its teardown, so
 * it goes away also when a test fails. Each test gets a database of its
 * own. Then the real station runs against the emulator with central.url
 * set, and the test compares the database with the CSV: the same
 * row_sha256 set, each row once; with the database down at start, killed
 * in the middle, a station killed with rows waiting, a wrong password, a
 * read-only role, and a network that stalls (tests/tcp-stall).
 */
#include <check.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/harness/harness.h"

static char pg_dir[1024];
static char pg_base[512];      /* postgresql://dfota:dfota@127.0.0.1:PORT */

static void
pg_cmd(const char *verb)
{
	char cmd[2300];

	snprintf(cmd, sizeof cmd, "%s/../pg-cluster %s %s >/dev/null 2>&1",
	    harness_env("DFOTA_TESTDATA"), verb, pg_dir);
	if (system(cmd) != 0 && strcmp(verb, "restart") != 0)
		fprintf(stderr, "test_central: pg-cluster %s failed\n", verb);
}

static void
pg_setup(void)
{
	char  cmd[2300], url[600] = "";
	FILE *p;

	snprintf(pg_dir, sizeof pg_dir, "%s/pg-%ld", harness_env("DFOTA_TMP"), (long)getpid());
	chmod(harness_env("DFOTA_TMP"), 0755);
	snprintf(cmd, sizeof cmd, "%s/../pg-cluster start %s", harness_env("DFOTA_TESTDATA"), pg_dir);
	p = popen(cmd, "r");
	if (p != NULL) {
		if (fgets(url, sizeof url, p) == NULL)
			url[0] = '\0';
		pclose(p);
	}
	url[strcspn(url, "\n")] = '\0';
	/* Keep scheme, user and host:port; tests name their own database. */
	if (strrchr(url, '/') != NULL && strrchr(url, '/') > url + 13)
		*strrchr(url, '/') = '\0';
	snprintf(pg_base, sizeof pg_base, "%s", url);
}

static void
pg_teardown(void)
{
	pg_cmd("stop");
}

/* Runs sql on db (as the superuser); the first value of the first row
 * into out when given. */
static bool
pg_query(const char *db, const char *sql, char *out, size_t len)
{
	char      url[700];
	PGconn   *c;
	PGresult *r;
	bool      ok;

	snprintf(url, sizeof url, "%s/%s", pg_base, db);
	c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "pg_query %s: %s", url, PQerrorMessage(c));
		PQfinish(c);
		return false;
	}
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "pg_query %s: %s", sql, PQresultErrorMessage(r));
	if (ok && out != NULL) {
		if (PQntuples(r) > 0 && PQnfields(r) > 0)
			snprintf(out, len, "%s", PQgetvalue(r, 0, 0));
		else
			out[0] = '\0';
	}
	PQclear(r);
	PQfinish(c);
	return ok;
}

/* A fresh database for one test; its name into db. */
static void
pg_fresh_db(const char *name, char *db, size_t len)
{
	char sql[200];

	pg_cmd("restart");      /* a test before may have left it stopped */
	snprintf(db, len, "t_%s_%ld", name, (long)getpid());
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", db);
	pg_query("dfota", sql, NULL, 0);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
	ck_assert_msg(pg_query("dfota", sql, NULL, 0), "cannot create database %s", db);
}

static long
pg_count(const char *db, const char *sql)
{
	char v[64] = "";

	ck_assert_msg(pg_query(db, sql, v, sizeof v), "query failed: %s", sql);
	return atol(v);
}

/* Appends central: { url = ...; } to the case's station file. */
static void
add_central(const char *dir, const char *url)
{
	char  path[1100];
	FILE *f;

	snprintf(path, sizeof path, "%s/station.cfg", dir);
	f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "central: { url = \"%s\"; };\n", url);
	fclose(f);
}

static void
db_url(const char *db, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", pg_base, db);
}

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

/* dfota-station report ARGS..., stdout and stderr to dir/out_name. */
static int
run_report(const char *dir, const char *out_name, const char *a1, const char *a2,
    const char *a3, const char *a4)
{
	char  out[1100];
	char *argv[] = { (char *)harness_env("DFOTA_STATION"), "report", (char *)a1, (char *)a2,
	                 (char *)a3, (char *)a4, NULL };

	snprintf(out, sizeof out, "%s/%s", dir, out_name);
	return harness_wait(harness_spawn(argv, out), 60);
}

static bool
file_has(const char *path, const char *text)
{
	FILE  *f = fopen(path, "r");
	char  *buf;
	size_t n;
	bool   found;

	if (f == NULL)
		return false;
	buf = malloc(1 << 20);
	n = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[n] = '\0';
	found = strstr(buf, text) != NULL;
	free(buf);
	return found;
}

static bool
wait_text(const char *path, const char *text, double timeout_s)
{
	for (int i = 0; i < (int)(timeout_s * 20); i++) {
		if (file_has(path, text))
			return true;
		usleep(50000);
	}
	return false;
}

/* Every row_sha256 of the CSVs is in dfota_units once, and nothing else. */
static void
assert_db_is_csv(const char *dir, const char *db, int expect_rows)
{
	char        reports[1100], path[1200], sql[1200];
	harness_csv csv;

	snprintf(reports, sizeof reports, "%s/reports", dir);
	ck_assert_msg(harness_read_session(reports, &csv, path, sizeof path), "no CSV in %s", reports);
	if (expect_rows >= 0)
		ck_assert_msg(csv.nrows == expect_rows, "%d rows in the CSV, expected %d (%s)",
		    csv.nrows, expect_rows, dir);
	ck_assert_int_eq(pg_count(db, "SELECT count(*) FROM dfota_units"), csv.nrows);
	ck_assert_int_eq(pg_count(db, "SELECT count(DISTINCT row_sha256) FROM dfota_units"), csv.nrows);
	for (int i = 0; i < csv.nrows; i++) {
		const char *h = harness_field(&csv.rows[i], "row_sha256");

		ck_assert_msg(h != NULL && strlen(h) == 64, "row %d has no row_sha256", i + 1);
		const char *checks = harness_field(&csv.rows[i], "checks");

		/* checks: a column added to the CSV after detail_file, filled by
		 * name (NULL only for rows of a CSV without it). */
		snprintf(sql, sizeof sql, "SELECT count(*) FROM dfota_units WHERE row_sha256 = '%s' "
		    "AND imei = '%s' AND result = '%s' AND coalesce(checks, '') = '%s'", h,
		    harness_field(&csv.rows[i], "imei"), harness_field(&csv.rows[i], "result"),
		    checks != NULL ? checks : "");
		ck_assert_msg(pg_count(db, sql) == 1, "CSV row %d (%s) is not in the database once",
		    i + 1, h);
	}
	harness_csv_free(&csv);
}

static char *
modules_case(int n, const char *speed)
{
	static char text[4096];

	snprintf(text, sizeof text, "speed: %s\npackage: model=BG96 from=BG96MAR02A07M1G to=BG96MAR02A08M1G\n"
	    "policy: reboot_timeout=20 stall_timeout=20 command_timeout=5\n", speed);
	for (int i = 0; i < n; i++)
		strncat(text, "module: model=BG96 rev=BG96MAR02A07M1G\n", sizeof text - strlen(text) - 1);
	return text;
}

START_TEST(test_twelve_units)
{
	char        dir[1024], why[512], db[64], url[700], out[1200];
	pid_t       sim, st;
	int         status;

	pg_fresh_db("twelve", db, sizeof db);
	db_url(db, url, sizeof url);
	ck_assert_msg(harness_setup_case("central12", modules_case(12, "40"), dir, sizeof dir,
	    &sim, why, sizeof why), "%s", why);
	add_central(dir, url);
	st = start_station(dir, "station.out");
	status = harness_wait(st, 110);
	harness_stop(sim);
	ck_assert_msg(status == 0, "station exit %d (%s)", status, dir);
	assert_db_is_csv(dir, db, 12);
	ck_assert_int_eq(pg_count(db, "SELECT count(*) FROM dfota_units WHERE result = 'PASS' "
	    "AND error_code IS NULL AND attempts = 1 AND duration_s > 0 AND finished_at > started_at "
	    "AND checks IS NOT NULL"), 12);
	/* The live table: every slot, its last unit done; the station offline. */
	ck_assert_int_eq(pg_count(db, "SELECT count(*) FROM dfota_slots WHERE station = 'itest' "
	    "AND result = 'PASS' AND unit IS NOT NULL AND updated_at IS NOT NULL"), 12);
	ck_assert_int_eq(pg_count(db, "SELECT count(*) FROM dfota_stations WHERE station = 'itest' "
	    "AND NOT online AND version IS NOT NULL"), 1);
	ck_assert_int_eq(pg_count(db, "SELECT max(version) FROM dfota_schema"), 1);

	/* The summary from the database says what the CSV's says. */
	ck_assert_int_eq(run_report(dir, "summary.out", "summary", "--db", url, NULL), 0);
	snprintf(out, sizeof out, "%s/summary.out", dir);
	ck_assert_msg(file_has(out, "units 12, finished 12, yield 100.0%"), "summary: see %s", out);
	ck_assert_int_eq(run_report(dir, "summary-day.out", "summary", "--by", "day", "--db"), 2);
	{
		char  sp[1100];
		char *argv[] = { (char *)harness_env("DFOTA_STATION"), "report", "summary", "--by",
		                 "slot", "--db", url, NULL };

		snprintf(sp, sizeof sp, "%s/summary-slot.out", dir);
		ck_assert_int_eq(harness_wait(harness_spawn(argv, sp), 60), 0);
		ck_assert_msg(file_has(sp, "== slot S12"), "summary by slot: see %s", sp);
	}
	/* One unit's history, from the database. */
	{
		char imei[64];

		ck_assert(pg_query(db, "SELECT imei FROM dfota_units ORDER BY id LIMIT 1", imei, sizeof imei));
		ck_assert_int_eq(run_report(dir, "history.out", "history", "--db", url, imei), 0);
		snprintf(out, sizeof out, "%s/history.out", dir);
		ck_assert_msg(file_has(out, "1 row(s) from 1 station(s)"), "history: see %s", out);
		ck_assert_int_eq(run_report(dir, "history-none.out", "history", "--db", url, "000"), 1);
	}
	/* Nothing waits: push says so, and adds nothing. */
	{
		char cfg[1100];

		snprintf(cfg, sizeof cfg, "%s/station.cfg", dir);
		ck_assert_int_eq(run_report(dir, "push.out", "push", "--config", cfg, NULL), 0);
		ck_assert_int_eq(pg_count(db, "SELECT count(*) FROM dfota_units"), 12);
	}
}
END_TEST

START_TEST(test_db_down_then_push)
{
	char  dir[1024], why[512], db[64], url[700], out[1100], cfg[1100], push[1100];
	pid_t sim, st;
	int   status;

	pg_fresh_db("down", db, sizeof db);
	db_url(db, url, sizeof url);
	ck_assert_msg(harness_setup_case("central-down", modules_case(1, "40"), dir, sizeof dir,
	    &sim, why, sizeof why), "%s", why);
	add_central(dir, url);
	snprintf(cfg, sizeof cfg, "%s/station.cfg", dir);
	pg_cmd("stop");
	st = start_station(dir, "station.out");
	status = harness_wait(st, 100);
	harness_stop(sim);
	snprintf(out, sizeof out, "%s/station.out", dir);
	ck_assert_msg(status == 0, "station exit %d (%s)", status, dir);
	ck_assert_msg(file_has(out, "\"result\":\"PASS\""), "the unit did not pass: %s", out);
	ck_assert_msg(file_has(out, "central: 1 row(s) wait for the database"), "no alert in %s", out);
	/* Still down: push cannot deliver. */
	ck_assert_int_eq(run_report(dir, "push0.out", "push", "--config", cfg, NULL), 1);
	snprintf(push, sizeof push, "%s/push0.out", dir);
	ck_assert_msg(file_has(push, "cannot reach the database") && file_has(push, "1 row(s) wait"),
	    "push while down: see %s", push);
	pg_cmd("restart");
	ck_assert_int_eq(run_report(dir, "push1.out", "push", "--config", cfg, NULL), 0);
	snprintf(push, sizeof push, "%s/push1.out", dir);
	ck_assert_msg(file_has(push, "1 row(s) sent") && file_has(push, "1 new"), "push: see %s", push);
	assert_db_is_csv(dir, db, 1);
	ck_assert_int_eq(run_report(dir, "push2.out", "push", "--config", cfg, NULL), 0);
	snprintf(push, sizeof push, "%s/push2.out", dir);
	ck_assert_msg(file_has(push, "nothing waits"), "second push: see %s", push);
	assert_db_is_csv(dir, db, 1);
	/* A lost cursor only sends the rows again: still there once. */
	{
		char        reports[1100], path[1200], sent[1300];
		harness_csv csv;

		snprintf(reports, sizeof reports, "%s/reports", dir);
		ck_assert(harness_read_session(reports, &csv, path, sizeof path));
		harness_csv_free(&csv);
		snprintf(sent, sizeof sent, "%s.sent", path);
		ck_assert_int_eq(unlink(sent), 0);
		ck_assert_int_eq(run_report(dir, "push3.out", "push", "--config", cfg, NULL), 0);
		snprintf(push, sizeof push, "%s/push3.out", dir);
		ck_assert_msg(file_has(push, "0 new, 1 already there"), "push again: see %s", push);
		assert_db_is_csv(dir, db, 1);
	}
}
END_TEST

START_TEST(test_kill9_with_rows_waiting)
{
	char  dir[1024], why[512], db[64], url[700], out[1100];
	pid_t sim, st;
	int   status;

	pg_fresh_db("kill9", db, sizeof db);
	db_url(db, url, sizeof url);
	ck_assert_msg(harness_setup_case("central-kill9", modules_case(3, "40"), dir, sizeof dir,
	    &sim, why, sizeof why), "%s", why);
	add_central(dir, url);
	pg_cmd("stop");
	/* Not --once: the station stays after its units, with rows waiting. */
	{
		char  cfg[1100];
		char *argv[] = { (char *)harness_env("DFOTA_STATION"), "--config", cfg, "--headless", NULL };

		snprintf(cfg, sizeof cfg, "%s/station.cfg", dir);
		snprintf(out, sizeof out, "%s/station1.out", dir);
		st = harness_spawn(argv, out);
	}
	ck_assert_msg(wait_text(out, "central: 3 row(s) wait", 90), "never 3 rows waiting: %s", out);
	kill(st, SIGKILL);
	harness_wait(st, 10);
	pg_cmd("restart");
	/* The next run sends what the first left, and its own rows. */
	st = start_station(dir, "station2.out");
	status = harness_wait(st, 100);
	harness_stop(sim);
	ck_assert_msg(status == 0, "second station exit %d (%s)", status, dir);
	assert_db_is_csv(dir, db, 6);
}
END_TEST

START_TEST(test_db_killed_mid_run)
{
	char  dir[1024], why[512], db[64], url[700], out[1100];
	pid_t sim, st;
	int   status;

	pg_fresh_db("midrun", db, sizeof db);
	db_url(db, url, sizeof url);
	ck_assert_msg(harness_setup_case("central-mid", modules_case(4, "10"), dir, sizeof dir,
	    &sim, why, sizeof why), "%s", why);
	add_central(dir, url);
	st = start_station(dir, "station.out");
	snprintf(out, sizeof out, "%s/station.out", dir);
	ck_assert_msg(wait_text(out, "\"phase\":\"UPDATING\"", 60), "never UPDATING: %s", out);
	pg_cmd("kill");
	sleep(2);
	pg_cmd("restart");
	status = harness_wait(st, 110);
	harness_stop(sim);
	ck_assert_msg(status == 0, "station exit %d (%s)", status, dir);
	assert_db_is_csv(dir, db, 4);
}
END_TEST

START_TEST(test_wrong_password)
{
	char  dir[1024], why[512], db[64], url[700], out[1100];
	pid_t sim, st;
	int   status;

	pg_fresh_db("password", db, sizeof db);
	snprintf(url, sizeof url, "%s/%s", pg_base, db);
	/* postgresql://dfota:dfota@ -> postgresql://dfota:wrong@ */
	{
		char *at = strstr(url, ":dfota@");
		char  rest[700];

		ck_assert_ptr_nonnull(at);
		snprintf(rest, sizeof rest, "%s", at + strlen(":dfota@"));
		snprintf(at, sizeof url - (size_t)(at - url), ":wrong@%s", rest);
	}
	ck_assert_msg(harness_setup_case("central-pw", modules_case(1, "40"), dir, sizeof dir,
	    &sim, why, sizeof why), "%s", why);
	add_central(dir, url);
	st = start_station(dir, "station.out");
	status = harness_wait(st, 100);
	harness_stop(sim);
	snprintf(out, sizeof out, "%s/station.out", dir);
	ck_assert_msg(status == 0, "station exit %d (%s)", status, dir);
	ck_assert_msg(file_has(out, "\"result\":\"PASS\""), "the unit did not pass: %s", out);
	ck_assert_msg(file_has(out, "password authentication failed"), "no clear error in %s", out);
	ck_assert_msg(file_has(out, "1 row(s) wait"), "no waiting rows in %s", out);
	ck_assert_msg(!file_has(out, "wrong"), "the password shows in %s", out);
	ck_assert_int_eq(pg_count(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'dfota_units'"), 0);
}
END_TEST

START_TEST(test_read_only_role)
{
	char  dir[1024], why[512], db[64], url[700], ro[700], out[1100], cfg[1100];
	pid_t sim, st;
	int   status;

	pg_fresh_db("readonly", db, sizeof db);
	db_url(db, url, sizeof url);
	ck_assert(pg_query(db, "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO dfota_ro",
	    NULL, 0));
	snprintf(ro, sizeof ro, "%s", url);
	{
		char *p = strstr(ro, "//dfota:");
		char  rest[700];

		ck_assert_ptr_nonnull(p);
		snprintf(rest, sizeof rest, "%s", p + strlen("//dfota"));
		snprintf(p, sizeof ro - (size_t)(p - ro), "//dfota_ro%s", rest);
	}
	ck_assert_msg(harness_setup_case("central-ro", modules_case(1, "40"), dir, sizeof dir,
	    &sim, why, sizeof why), "%s", why);
	snprintf(cfg, sizeof cfg, "%s/station.cfg", dir);
	/* A first run as the owner creates the schema; the read-only role
	 * may then read it but not write. */
	add_central(dir, url);
	st = start_station(dir, "station0.out");
	status = harness_wait(st, 100);
	ck_assert_msg(status == 0, "first station exit %d (%s)", status, dir);
	ck_assert_int_eq(pg_count(db, "SELECT count(*) FROM dfota_units"), 1);
	{
		/* The same file, the last central group wins: point it at ro. */
		FILE *f = fopen(cfg, "r");
		char  text[16384];
		size_t n = fread(text, 1, sizeof text - 1, f);

		fclose(f);
		text[n] = '\0';
		*strstr(text, "central: {") = '\0';
		harness_write_file(cfg, text);
	}
	add_central(dir, ro);
	st = start_station(dir, "station.out");
	status = harness_wait(st, 100);
	harness_stop(sim);
	snprintf(out, sizeof out, "%s/station.out", dir);
	ck_assert_msg(status == 0, "station exit %d (%s)", status, dir);
	ck_assert_msg(file_has(out, "\"result\":\"SKIPPED\""), "no row for the unit: %s", out);
	ck_assert_msg(file_has(out, "refuses") && file_has(out, "permission denied"),
	    "no clear error in %s", out);
	ck_assert_msg(file_has(out, "1 row(s) wait"), "no waiting rows in %s", out);
	ck_assert_int_eq(run_report(dir, "push.out", "push", "--config", cfg, NULL), 1);
	snprintf(out, sizeof out, "%s/push.out", dir);
	ck_assert_msg(file_has(out, "permission denied"), "push: see %s", out);
}
END_TEST

START_TEST(test_stalling_network)
{
	char  dir[1024], why[512], db[64], url[700], out[1100], port[32] = "", cmd[1200], cfg[1100];
	pid_t sim, st, proxy;
	int   status;
	FILE *p;

	pg_fresh_db("stall", db, sizeof db);
	ck_assert_msg(harness_setup_case("central-stall", modules_case(3, "15"), dir, sizeof dir,
	    &sim, why, sizeof why), "%s", why);
	/* The proxy: its port on its stdout. */
	{
		char  target[16], pout[1100];
		char *argv[] = { cmd, target, NULL };

		snprintf(cmd, sizeof cmd, "%s/../tcp-stall", harness_env("DFOTA_TESTDATA"));
		snprintf(target, sizeof target, "%s", strrchr(pg_base, ':') + 1);
		snprintf(pout, sizeof pout, "%s/proxy.out", dir);
		proxy = harness_spawn(argv, pout);
		ck_assert_msg(harness_wait_path(pout, 10), "no proxy");
		for (int i = 0; i < 100 && port[0] == '\0'; i++) {
			p = fopen(pout, "r");
			if (p != NULL) {
				if (fgets(port, sizeof port, p) == NULL)
					port[0] = '\0';
				fclose(p);
			}
			usleep(50000);
		}
		port[strcspn(port, "\n")] = '\0';
		ck_assert_msg(port[0] != '\0', "the proxy said no port");
	}
	snprintf(url, sizeof url, "%.*s:%s/%s", (int)(strrchr(pg_base, ':') - pg_base), pg_base, port, db);
	add_central(dir, url);
	snprintf(cfg, sizeof cfg, "%s/station.cfg", dir);
	st = start_station(dir, "station.out");
	snprintf(out, sizeof out, "%s/station.out", dir);
	ck_assert_msg(wait_text(out, "\"phase\":\"DELIVER\"", 60), "never got going: %s", out);
	kill(proxy, SIGUSR1);   /* the network stops answering */
	status = harness_wait(st, 110);
	harness_stop(sim);
	ck_assert_msg(status == 0, "station exit %d (%s)", status, dir);
	ck_assert_msg(!file_has(out, "\"result\":\"FAIL\""), "a unit failed: %s", out);
	/* The rows waited, and the station said so; none of its units
	 * waited for the database. */
	ck_assert_msg(file_has(out, "row(s) wait for the database"), "no alert about the stall in %s", out);
	ck_assert_msg(file_has(out, "still wait for the database"), "no word at exit in %s", out);
	kill(proxy, SIGUSR2);   /* it answers again */
	ck_assert_int_eq(run_report(dir, "push.out", "push", "--config", cfg, NULL), 0);
	harness_stop(proxy);
	assert_db_is_csv(dir, db, 3);
}
END_TEST

START_TEST(test_config_errors)
{
	char        dir[1024], path[1100], out[1200];
	const char *bad = "station: { name = \"x\"; };\ncentral: {\n  url = \"mysql://h/db\";\n};\n";

	ck_assert(harness_fresh_dir("central-cfg", dir, sizeof dir));
	snprintf(path, sizeof path, "%s/station.cfg", dir);
	harness_write_file(path, bad);
	{
		char *argv[] = { (char *)harness_env("DFOTA_STATION"), "check-config", path, NULL };

		snprintf(out, sizeof out, "%s/check.out", dir);
		ck_assert_int_eq(harness_wait(harness_spawn(argv, out), 30), 2);
		ck_assert_msg(file_has(out, "station.cfg:3: central.url: must be a PostgreSQL connection URI"),
		    "see %s", out);
	}
	harness_write_file(path, "station: { name = \"x\"; };\ncentral: { };\n");
	{
		char *argv[] = { (char *)harness_env("DFOTA_STATION"), "check-config", path, NULL };

		ck_assert_int_eq(harness_wait(harness_spawn(argv, out), 30), 2);
		ck_assert_msg(file_has(out, "central.url"), "see %s", out);
	}
	harness_write_file(path, "station: { name = \"x\"; };\n");
	ck_assert_int_eq(run_report(dir, "push.out", "push", "--config", path, NULL), 2);
	snprintf(out, sizeof out, "%s/push.out", dir);
	ck_assert_msg(file_has(out, "central.url: not set"), "see %s", out);
}
END_TEST

static Suite *
central_suite(void)
{
	Suite *s = suite_create("central");
	TCase *tc = tcase_create("postgresql");

	tcase_add_unchecked_fixture(tc, pg_setup, pg_teardown);
	tcase_set_timeout(tc, 200);
	tcase_add_test(tc, test_config_errors);
	tcase_add_test(tc, test_twelve_units);
	tcase_add_test(tc, test_db_down_then_push);
	tcase_add_test(tc, test_kill9_with_rows_waiting);
	tcase_add_test(tc, test_db_killed_mid_run);
	tcase_add_test(tc, test_wrong_password);
	tcase_add_test(tc, test_read_only_role);
	tcase_add_test(tc, test_stalling_network);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(central_suite());
	int      failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
