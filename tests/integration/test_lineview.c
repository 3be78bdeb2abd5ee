/*
 * test_lineview: `dfota-station line-view` against a real PostgreSQL (a
 * throwaway cluster from tests/pg-cluster, the store's tables from
 * tests/data/lineview/schema.sql) through real clients: curl for the JSON
 * and the event stream, headless Chromium for the page.
 *
 * Shown: /api/line is the contract's JSON; the page as Chromium renders it
 * shows the station and every slot; unknown URLs are 404; a slot's change
 * comes down the stream; the database stopped and started again is said
 * on the stream and in /api/line, and the stream goes on after; a viewer
 * that stops reading is dropped while another one keeps getting events;
 * a slot's timeline reads the store; usage and exit codes. And the real
 * station with 12 emulated units feeding the store (central.url): every
 * slot and its result in /api/line and on the page.
 *
 * No timing is asserted: every wait is "until it shows, or a generous
 * timeout" (the machine is shared).
 */
#include <check.h>
#include <errno.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/harness/harness.h"

static char pg_dir[1024];
static char pg_url[256];

/* ---- the cluster, once for the suite -------------------------------- */

static void
pg_cluster(const char *cmd, char *out, size_t len)
{
	char  line[2048];
	FILE *p;

	snprintf(line, sizeof line, "%s/../pg-cluster %s '%s'", harness_env("DFOTA_TESTDATA"), cmd, pg_dir);
	p = popen(line, "r");
	ck_assert_msg(p != NULL, "popen %s", line);
	if (out != NULL) {
		if (fgets(out, (int)len, p) == NULL)
			out[0] = '\0';
		out[strcspn(out, "\n")] = '\0';
	}
	ck_assert_msg(pclose(p) == 0, "pg-cluster %s failed", cmd);
}

static void
sql(const char *fmt, ...)
{
	char     q[65536];
	va_list  ap;
	PGconn  *c = PQconnectdb(pg_url);
	PGresult *r;

	va_start(ap, fmt);
	vsnprintf(q, sizeof q, fmt, ap);
	va_end(ap);
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
	r = PQexec(c, q);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
	    "%s: %s", q, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

static void
setup_cluster(void)
{
	char  path[1200], *text;
	FILE *f;
	long  n;

	ck_assert(harness_fresh_dir("lineview", pg_dir, sizeof pg_dir));
	chmod(pg_dir, 0755);
	strncat(pg_dir, "/pg", sizeof pg_dir - strlen(pg_dir) - 1);
	pg_cluster("start", pg_url, sizeof pg_url);
	ck_assert_msg(strncmp(pg_url, "postgresql://", 13) == 0, "pg-cluster said '%s'", pg_url);
	snprintf(path, sizeof path, "%s/lineview/schema.sql", harness_env("DFOTA_TESTDATA"));
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	ck_assert(fread(text, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	sql("%s", text);
	free(text);
}

static void
teardown_cluster(void)
{
	char cmd[1200];

	if (pg_url[0] == '\0')
		return;
	pg_cluster("stop", NULL, 0);
	/* A cluster is ~40 MB: its folder goes with it. */
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", pg_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_lineview: could not remove %s\n", pg_dir);
}

/* ---- line-view and its clients -------------------------------------- */

typedef struct lv_run {
	pid_t pid;
	int   port;
	char  log[1200];
	char  dir[1100];
} lv_run;

/* The whole file now; "" when it is not there yet (free it). */
static char *
slurp(const char *path)
{
	char *buf = harness_read_file(path, NULL);

	return buf != NULL ? buf : strdup("");
}

static bool
file_has(const char *path, const char *text, double timeout_s)
{
	for (int i = 0; i < (int)(timeout_s * 10); i++) {
		char *buf = slurp(path);
		bool  yes = strstr(buf, text) != NULL;

		free(buf);
		if (yes)
			return true;
		usleep(100000);
	}
	return false;
}

/* How often text occurs in the file now. */
static int
file_count(const char *path, const char *text)
{
	char *buf = slurp(path);
	int   k = 0;

	for (char *p = buf; (p = strstr(p, text)) != NULL; p += strlen(text))
		k++;
	free(buf);
	return k;
}

static void
lv_start(lv_run *lv)
{
	char  *argv[] = { (char *)harness_env("DFOTA_STATION"), "line-view", "--db", pg_url,
	                  "--listen", "127.0.0.1:0", NULL };
	FILE  *f;
	char   line[512];

	ck_assert(harness_fresh_dir("lineview-run", lv->dir, sizeof lv->dir));
	snprintf(lv->log, sizeof lv->log, "%s/line-view.log", lv->dir);
	lv->pid = harness_spawn(argv, lv->log);
	ck_assert_msg(file_has(lv->log, "serving http://127.0.0.1:", 20), "line-view did not start");
	f = fopen(lv->log, "r");
	lv->port = 0;
	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "line-view: serving http://127.0.0.1:%d/", &lv->port) == 1)
			break;
	if (f != NULL)
		fclose(f);
	ck_assert_msg(lv->port > 0, "no port in %s", lv->log);
}

/* SIGTERM: line-view must end on its own, exit 0. */
static void
lv_stop(lv_run *lv)
{
	kill(lv->pid, SIGTERM);
	ck_assert_int_eq(harness_wait(lv->pid, 30), 0);
}

/* GET path with curl: the status, and the body into body. */
static int
http(const lv_run *lv, const char *method, const char *path, char *body, size_t len)
{
	char   cmd[1024];
	FILE  *p;
	size_t n;
	int    status = -1;
	char  *nl;

	snprintf(cmd, sizeof cmd, "curl -s -m 30 -X %s -w '\\n%%{http_code}' 'http://127.0.0.1:%d%s'",
	    method, lv->port, path);
	p = popen(cmd, "r");
	ck_assert(p != NULL);
	n = fread(body, 1, len - 1, p);
	body[n] = '\0';
	pclose(p);
	if ((nl = strrchr(body, '\n')) != NULL) {
		status = atoi(nl + 1);
		*nl = '\0';
	}
	return status;
}

/* /api/line until the first read of the database is in (200). */
static int
http_line(const lv_run *lv, char *body, size_t len)
{
	int st = -1;

	for (int i = 0; i < 200 && (st = http(lv, "GET", "/api/line", body, len)) != 200; i++)
		usleep(100000);
	return st;
}

/* A viewer's stream, by curl, into file (kill the pid to end it). */
static pid_t
stream(const lv_run *lv, const char *file)
{
	char  url[128];
	char *argv[] = { "/usr/bin/curl", "-sN", url, NULL };

	snprintf(url, sizeof url, "http://127.0.0.1:%d/events", lv->port);
	return harness_spawn(argv, file);
}

static void
clear_tables(void)
{
	sql("DELETE FROM dfota_slots; DELETE FROM dfota_stations; DELETE FROM dfota_units");
}

/* A station with n slots S1..Sn, each in its own state. */
static void
make_station(const char *name, int n)
{
	sql("INSERT INTO dfota_stations VALUES ('%s', now(), now(), 'test', true)", name);
	sql("INSERT INTO dfota_slots (station, slot, unit, model, phase, percent, result, error_code,"
	    " error_text, fw_before, fw_target, started_at, updated_at)"
	    " SELECT '%s', 'S' || i, (866000000000000 + i)::text, 'BG96',"
	    " CASE WHEN i %% 3 = 0 THEN 'END' ELSE 'UPDATING' END, i * 5 %% 100,"
	    " CASE WHEN i %% 3 = 0 THEN 'FAIL' WHEN i %% 3 = 1 THEN 'PASS' END,"
	    " CASE WHEN i %% 3 = 0 THEN 510 END, CASE WHEN i %% 3 = 0 THEN 'update failed' END,"
	    " 'BG96MAR02A07M1G', 'BG96MAR02A08M1G', now() - interval '1 minute', now()"
	    " FROM generate_series(1, %d) AS i", name, n);
}

/* ---- tests ----------------------------------------------------------- */

START_TEST(test_api_line_is_the_contract)
{
	static char body[1 << 20];
	char        path[1300], cmd[2048];
	lv_run      lv;
	FILE       *f;

	clear_tables();
	make_station("ST-T", 3);
	/* Says it is online but has not been seen for 5 minutes: it died. */
	sql("INSERT INTO dfota_stations VALUES ('ST-Z', now() - interval '5 minutes', now(), 'test', true)");
	lv_start(&lv);
	ck_assert_int_eq(http_line(&lv, body, sizeof body), 200);
	snprintf(path, sizeof path, "%s/line.json", lv.dir);
	f = fopen(path, "w");
	fputs(body, f);
	fclose(f);
	/* The contract's keys and types, exactly, in every station and slot. */
	snprintf(cmd, sizeof cmd,
	    "python3 -c '\n"
	    "import json, sys\n"
	    "d = json.load(open(sys.argv[1]))\n"
	    "assert list(d.keys()) == [\"stations\"], d.keys()\n"
	    "s = d[\"stations\"]\n"
	    "assert [x[\"name\"] for x in s] == [\"ST-T\", \"ST-Z\"], s\n"
	    "assert s[1][\"online\"] is False and s[1][\"slots\"] == []\n"
	    "st = s[0]\n"
	    "assert st[\"online\"] is True and isinstance(st[\"updated_at\"], str)\n"
	    "assert [x[\"label\"] for x in st[\"slots\"]] == [\"S1\", \"S2\", \"S3\"]\n"
	    "for x in st[\"slots\"]:\n"
	    "    for k in (\"label\", \"unit\", \"phase\", \"percent\", \"result\", \"error_code\", \"error_text\"):\n"
	    "        assert k in x, (k, x)\n"
	    "one, two, three = st[\"slots\"]\n"
	    "assert one[\"result\"] == \"PASS\" and one[\"state\"] == \"pass\" and one[\"percent\"] == 5\n"
	    "assert two[\"result\"] is None and two[\"state\"] == \"running\" and two[\"phase\"] == \"UPDATING\"\n"
	    "assert three[\"result\"] == \"FAIL\" and three[\"error_code\"] == 510\n"
	    "assert three[\"error_text\"] == \"update failed\" and three[\"error_meaning\"]\n"
	    "assert three[\"unit\"] == \"866000000000003\" and three[\"model\"] == \"BG96\"\n"
	    "assert st[\"counts\"][\"running\"] == 1\n"
	    "' '%s'", path);
	ck_assert_msg(system(cmd) == 0, "/api/line: %s", body);
	lv_stop(&lv);
}
END_TEST

START_TEST(test_unknown_url_is_404)
{
	static char body[1 << 20];
	lv_run lv;

	clear_tables();
	lv_start(&lv);
	ck_assert_int_eq(http(&lv, "GET", "/no/such/page", body, sizeof body), 404);
	ck_assert_int_eq(http(&lv, "GET", "/api/line/x", body, sizeof body), 404);
	ck_assert_int_eq(http(&lv, "POST", "/api/line", body, sizeof body), 405);
	ck_assert_int_eq(http(&lv, "GET", "/api/slot", body, sizeof body), 400);
	ck_assert_int_eq(http(&lv, "GET", "/", body, sizeof body), 200);
	ck_assert(strstr(body, "<!DOCTYPE html>") != NULL);
	{
		/* The same port again: exit 1, saying why. */
		char  listen[64], out[1300];
		char *argv[] = { (char *)harness_env("DFOTA_STATION"), "line-view", "--db", pg_url,
		                 "--listen", listen, NULL };

		snprintf(listen, sizeof listen, "127.0.0.1:%d", lv.port);
		snprintf(out, sizeof out, "%s/second.log", lv.dir);
		ck_assert_int_eq(harness_wait(harness_spawn(argv, out), 30), 1);
		ck_assert(file_has(out, "cannot listen", 1));
	}
	lv_stop(&lv);
}
END_TEST

START_TEST(test_page_in_chromium_shows_every_slot)
{
	static char body[1 << 20];
	char        cmd[1024], dom[1300], want[64];
	lv_run      lv;

	clear_tables();
	make_station("WALL-7", 12);
	lv_start(&lv);
	ck_assert_int_eq(http_line(&lv, body, sizeof body), 200);
	snprintf(dom, sizeof dom, "%s/dom.html", lv.dir);
	snprintf(cmd, sizeof cmd, "timeout 120 chromium --headless --no-sandbox --disable-gpu "
	    "--user-data-dir='%s/chromium' --dump-dom http://127.0.0.1:%d/ > '%s' 2>/dev/null",
	    lv.dir, lv.port, dom);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
	ck_assert_msg(file_has(dom, "<span class=\"name\">WALL-7</span>", 1), "no station in %s", dom);
	/* data-slot="S1" is only in cells the page's script drew. */
	for (int i = 1; i <= 12; i++) {
		snprintf(want, sizeof want, "data-slot=\"S%d\"", i);
		ck_assert_msg(file_has(dom, want, 1), "no slot S%d in %s", i, dom);
	}
	ck_assert(file_has(dom, "FAIL", 1));
	lv_stop(&lv);
}
END_TEST

START_TEST(test_stream_survives_database_restart)
{
	static char body[1 << 20];
	char        events[1300];
	lv_run      lv;
	pid_t       viewer;

	clear_tables();
	make_station("LIVE-1", 2);
	lv_start(&lv);
	ck_assert_int_eq(http_line(&lv, body, sizeof body), 200);
	snprintf(events, sizeof events, "%s/events.txt", lv.dir);
	viewer = stream(&lv, events);
	ck_assert(file_has(events, "event: line", 30));
	sql("UPDATE dfota_slots SET percent = 61 WHERE station = 'LIVE-1' AND slot = 'S2';"
	    " NOTIFY dfota_slots, 'LIVE-1'");
	ck_assert_msg(file_has(events, "\"percent\":61", 30), "no event for the update");

	pg_cluster("stop", NULL, 0);
	ck_assert_msg(file_has(events, "{\"ok\":false", 60), "the stream did not say the database went away");
	ck_assert_int_eq(http(&lv, "GET", "/api/line", body, sizeof body), 503);
	ck_assert_msg(strstr(body, "does not answer") != NULL, "%s", body);
	ck_assert_int_eq(http(&lv, "GET", "/", body, sizeof body), 200);

	pg_cluster("restart", NULL, 0);
	for (int i = 0; i < 600 && file_count(events, "{\"ok\":true") < 2; i++)
		usleep(100000);
	ck_assert_msg(file_count(events, "{\"ok\":true") >= 2, "the stream did not say the database is back");
	ck_assert_int_eq(http_line(&lv, body, sizeof body), 200);
	sql("UPDATE dfota_slots SET percent = 62 WHERE station = 'LIVE-1' AND slot = 'S2';"
	    " NOTIFY dfota_slots, 'LIVE-1'");
	ck_assert_msg(file_has(events, "\"percent\":62", 30), "no event after the reconnect");
	harness_stop(viewer);
	ck_assert(file_has(lv.log, "database answers again", 1));
	lv_stop(&lv);
}
END_TEST

START_TEST(test_slow_viewer_is_dropped_others_go_on)
{
	static char body[1 << 20];
	char        events[1300], req[256], big[201];
	lv_run      lv;
	pid_t       viewer;
	int         fd, rcv = 4096;
	struct sockaddr_in sa = { .sin_family = AF_INET };

	clear_tables();
	make_station("SLOW-1", 64);
	lv_start(&lv);
	ck_assert_int_eq(http_line(&lv, body, sizeof body), 200);

	/* A viewer that asks for the stream and never reads it. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
	sa.sin_port = htons((uint16_t)lv.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
	snprintf(req, sizeof req, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	ck_assert(write(fd, req, strlen(req)) == (ssize_t)strlen(req));

	snprintf(events, sizeof events, "%s/events.txt", lv.dir);
	viewer = stream(&lv, events);
	ck_assert(file_has(events, "event: line", 30));
	/* Many big station events: far more than a socket holds. */
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (int i = 0; i < 300; i++)
		sql("UPDATE dfota_slots SET error_text = '%s %d' WHERE station = 'SLOW-1';"
		    " NOTIFY dfota_slots, 'SLOW-1'", big, i);
	sql("UPDATE dfota_slots SET error_text = 'last one' WHERE station = 'SLOW-1';"
	    " NOTIFY dfota_slots, 'SLOW-1'");
	ck_assert_msg(file_has(events, "\"error_text\":\"last one\"", 60), "the reading viewer was held up");
	ck_assert_msg(file_has(lv.log, "viewer 127.0.0.1:", 90) && file_has(lv.log, "dropped", 1),
	    "the viewer that does not read was not dropped");
	close(fd);
	harness_stop(viewer);
	lv_stop(&lv);
}
END_TEST

START_TEST(test_slot_timeline_from_the_store)
{
	static char body[1 << 20];
	char        detail[1300], q[1600];
	lv_run      lv;
	FILE       *f;

	clear_tables();
	make_station("TL-1", 3);
	lv_start(&lv);
	snprintf(detail, sizeof detail, "%s/866000000000003-x.csv", lv.dir);
	f = fopen(detail, "w");
	fputs("ts,phase,percent,event,raw\n2026-12-02T10:00:00.000Z,UPDATING,40,rx,+QIND: \"FOTA\",\"UPDATING\",40\n", f);
	fclose(f);
	sql("INSERT INTO dfota_units (station, slot, model, imei, result, error_phase, error_code,"
	    " error_text, started_at, finished_at, duration_s, detail_file, row_sha256) VALUES"
	    " ('OTHER', 'S9', 'BG96', '866000000000003', 'FAIL', 'DOWNLOAD', 701, 'download failed',"
	    "  now() - interval '2 hours', now() - interval '2 hours', 30, 'units/gone.csv', 'h1'),"
	    " ('TL-1', 'S3', 'BG96', '866000000000003', 'FAIL', 'UPDATING', 510, 'update failed',"
	    "  now() - interval '1 minute', now(), 60.5, '%s', 'h2')", detail);
	ck_assert_int_eq(http_line(&lv, body, sizeof body), 200);
	ck_assert_int_eq(http(&lv, "GET", "/api/slot?station=TL-1&slot=S3", body, sizeof body), 200);
	ck_assert_msg(strstr(body, "\"unit\":\"866000000000003\"") != NULL, "%s", body);
	ck_assert_msg(strstr(body, "\"station\":\"OTHER\"") != NULL, "the unit's history: %s", body);
	ck_assert_msg(strstr(body, "\"present\":true") != NULL, "%s", body);
	ck_assert_msg(strstr(body, "UPDATING,40,rx") != NULL, "%s", body);
	/* A detail file elsewhere: said, not hidden. */
	snprintf(q, sizeof q, "UPDATE dfota_units SET detail_file = 'units/not-here.csv' WHERE row_sha256 = 'h2'");
	sql("%s", q);
	ck_assert_int_eq(http(&lv, "GET", "/api/slot?station=TL-1&slot=S3", body, sizeof body), 200);
	ck_assert_msg(strstr(body, "not on this machine") != NULL, "%s", body);
	lv_stop(&lv);
}
END_TEST

/* The station itself feeding the store (issue 15's central sender): 12
 * emulated units, then /api/line and the page show them. The station makes
 * its own tables, in a database of its own here. */
START_TEST(test_twelve_emulated_units_on_the_page)
{
	static char body[1 << 20];
	char        dir[1024], why[512], cfg[1100], out[1100], url[300], path[1300], cmd[2600];
	char        text[4096], dom[1300], want[64], name[128] = "";
	lv_run      lv;
	pid_t       sim, st;
	char       *argv[] = { (char *)harness_env("DFOTA_STATION"), "--config", cfg, "--headless",
	                       "--once", NULL };
	char       *lvargv[] = { (char *)harness_env("DFOTA_STATION"), "line-view", "--db", url,
	                         "--listen", "127.0.0.1:0", NULL };
	FILE       *f;

	sql("CREATE DATABASE lv_e2e");
	snprintf(url, sizeof url, "%.*s/lv_e2e", (int)(strrchr(pg_url, '/') - pg_url), pg_url);
	snprintf(text, sizeof text, "speed: 40\npackage: model=BG96 from=BG96MAR02A07M1G to=BG96MAR02A08M1G\n"
	    "policy: reboot_timeout=20 stall_timeout=20 command_timeout=5\n");
	for (int i = 0; i < 12; i++)
		strncat(text, "module: model=BG96 rev=BG96MAR02A07M1G\n", sizeof text - strlen(text) - 1);
	ck_assert_msg(harness_setup_case("lineview12", text, dir, sizeof dir, &sim, why, sizeof why), "%s", why);
	snprintf(cfg, sizeof cfg, "%s/station.cfg", dir);
	f = fopen(cfg, "a");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "central: { url = \"%s\"; };\n", url);
	fclose(f);

	/* line-view first: the tables are not there yet; it waits for them. */
	ck_assert(harness_fresh_dir("lineview-run", lv.dir, sizeof lv.dir));
	snprintf(lv.log, sizeof lv.log, "%s/line-view.log", lv.dir);
	lv.pid = harness_spawn(lvargv, lv.log);
	ck_assert(file_has(lv.log, "serving http://127.0.0.1:", 20));
	{
		char *log = slurp(lv.log);
		char *p = strstr(log, "serving http://127.0.0.1:");
		lv.port = p != NULL ? atoi(p + strlen("serving http://127.0.0.1:")) : 0;
		free(log);
	}
	ck_assert_int_gt(lv.port, 0);

	snprintf(out, sizeof out, "%s/station.out", dir);
	st = harness_spawn(argv, out);
	ck_assert_int_eq(harness_wait(st, 150), 0);
	harness_stop(sim);

	/* Every slot's result: the listener had the station's NOTIFYs. */
	snprintf(path, sizeof path, "%s/line.json", lv.dir);
	snprintf(cmd, sizeof cmd,
	    "python3 -c '\n"
	    "import json, sys\n"
	    "d = json.load(open(sys.argv[1]))\n"
	    "s = d[\"stations\"]\n"
	    "assert len(s) == 1, s\n"
	    "labels = [x[\"label\"] for x in s[0][\"slots\"]]\n"
	    "assert labels == [\"S%%d\" %% i for i in range(1, 13)], labels\n"
	    "assert all(x[\"result\"] == \"PASS\" for x in s[0][\"slots\"]), s[0][\"slots\"]\n"
	    "assert s[0][\"counts\"][\"pass\"] == 12, s[0][\"counts\"]\n"
	    "print(s[0][\"name\"])\n"
	    "' '%s' > '%s.name' 2>/dev/null", path, path);
	for (int i = 0; i < 300; i++) {
		if (http(&lv, "GET", "/api/line", body, sizeof body) == 200) {
			f = fopen(path, "w");
			fputs(body, f);
			fclose(f);
			if (system(cmd) == 0)
				break;
		}
		usleep(100000);
	}
	ck_assert_msg(system(cmd) == 0, "/api/line: %s", body);
	snprintf(path + strlen(path), sizeof path - strlen(path), ".name");
	f = fopen(path, "r");
	ck_assert(f != NULL && fgets(name, sizeof name, f) != NULL);
	fclose(f);
	name[strcspn(name, "\n")] = '\0';

	snprintf(dom, sizeof dom, "%s/dom.html", lv.dir);
	snprintf(cmd, sizeof cmd, "timeout 120 chromium --headless --no-sandbox --disable-gpu "
	    "--user-data-dir='%s/chromium' --dump-dom http://127.0.0.1:%d/ > '%s' 2>/dev/null",
	    lv.dir, lv.port, dom);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
	snprintf(want, sizeof want, "<span class=\"name\">%s</span>", name);
	ck_assert_msg(file_has(dom, want, 1), "no station %s in %s", name, dom);
	for (int i = 1; i <= 12; i++) {
		snprintf(want, sizeof want, "data-slot=\"S%d\"", i);
		ck_assert_msg(file_has(dom, want, 1), "no slot S%d in %s", i, dom);
	}
	lv_stop(&lv);
}
END_TEST

START_TEST(test_usage)
{
	char cmd[1200];

	snprintf(cmd, sizeof cmd, "'%s' line-view --help | grep -q 'usage: dfota-station line-view'",
	    harness_env("DFOTA_STATION"));
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "'%s' line-view -h >/dev/null", harness_env("DFOTA_STATION"));
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "'%s' line-view --bogus 2>/dev/null", harness_env("DFOTA_STATION"));
	ck_assert_int_eq(WEXITSTATUS(system(cmd)), 2);
	snprintf(cmd, sizeof cmd, "'%s' line-view 2>/dev/null", harness_env("DFOTA_STATION"));
	ck_assert_int_eq(WEXITSTATUS(system(cmd)), 2);
	snprintf(cmd, sizeof cmd, "'%s' line-view --db x --listen nowhere 2>/dev/null",
	    harness_env("DFOTA_STATION"));
	ck_assert_int_eq(WEXITSTATUS(system(cmd)), 2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("lineview");
	TCase *tc = tcase_create("lineview");

	tcase_add_unchecked_fixture(tc, setup_cluster, teardown_cluster);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_api_line_is_the_contract);
	tcase_add_test(tc, test_unknown_url_is_404);
	tcase_add_test(tc, test_page_in_chromium_shows_every_slot);
	tcase_add_test(tc, test_slot_timeline_from_the_store);
	tcase_add_test(tc, test_slow_viewer_is_dropped_others_go_on);
	tcase_add_test(tc, test_stream_survives_database_restart);
	tcase_add_test(tc, test_twelve_emulated_units_on_the_page);
	suite_add_tcase(s, tc);
	return harness_run_suite(s, CK_NORMAL);
}
