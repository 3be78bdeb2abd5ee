/*
 * lvbench: how long a slot's change takes to reach line-view's viewers.
 *
 *   build/bench/lvbench [--viewers N] [--updates N] [--station PATH]
 *
 * Starts a throwaway PostgreSQL (tests/pg-cluster, run from the top
 * folder), loads tests/data/lineview/schema.sql and a 12-slot station,
 * starts `dfota-station line-view` on a free port and opens N viewers'
 * streams (/events, raw sockets). Then, --updates times: UPDATE one slot's
 * percent and NOTIFY dfota_slots, as a station does, and wait until every
 * viewer has the event carrying that percent. Prints the time from the
 * UPDATE's commit (the moment PQexec returns) to the first and to the last
 * viewer's event: median, 90th percentile and worst, in ms; and how many
 * connections line-view holds to the database while N viewers watch (one
 * listener for all of them). Figures, not a test: nothing is asserted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_VIEWERS 200

typedef struct viewer {
	int    fd;
	char  *buf;
	size_t len, cap;
} viewer;

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
die(const char *what)
{
	fprintf(stderr, "lvbench: %s\n", what);
	exit(1);
}

static void
exec_sql(PGconn *c, const char *q)
{
	PGresult *r = PQexec(c, q);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "lvbench: %s: %s", q, PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
}

/* Reads what is there; keeps only the last 64 KiB (the events we wait
 * for are at the end). */
static void
viewer_read(viewer *v)
{
	char    tmp[65536];
	ssize_t n = read(v->fd, tmp, sizeof tmp);

	if (n <= 0)
		return;
	if (v->len + (size_t)n + 1 > v->cap) {
		v->cap = v->len + (size_t)n + 65537;
		if ((v->buf = realloc(v->buf, v->cap)) == NULL)
			die("out of memory");
	}
	memcpy(v->buf + v->len, tmp, (size_t)n);
	v->len += (size_t)n;
	v->buf[v->len] = '\0';
	if (v->len > 65536) {
		memmove(v->buf, v->buf + v->len - 65536, 65536);
		v->len = 65536;
		v->buf[v->len] = '\0';
	}
}

int
main(int argc, char **argv)
{
	int         nview = 20, nupd = 100;
	const char *station = "build/dfota-station";
	char        dir[] = "/tmp/lvbench-XXXXXX", cmd[1024], url[256], log[1100], line[512];
	double      first[10000], last[10000];
	viewer      v[MAX_VIEWERS];
	PGconn     *c;
	FILE       *p;
	pid_t       lv;
	int         port = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--viewers") == 0 && i + 1 < argc)
			nview = atoi(argv[++i]);
		else if (strcmp(argv[i], "--updates") == 0 && i + 1 < argc)
			nupd = atoi(argv[++i]);
		else if (strcmp(argv[i], "--station") == 0 && i + 1 < argc)
			station = argv[++i];
		else {
			fprintf(stderr, "usage: lvbench [--viewers N] [--updates N] [--station PATH]\n");
			return 2;
		}
	}
	if (nview < 1 || nview > MAX_VIEWERS || nupd < 1 || nupd > 10000)
		die("--viewers 1..200, --updates 1..10000");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	chmod(dir, 0755);
	snprintf(cmd, sizeof cmd, "tests/pg-cluster start %s/pg", dir);
	if ((p = popen(cmd, "r")) == NULL || fgets(url, sizeof url, p) == NULL)
		die("tests/pg-cluster start failed (run from the top folder)");
	pclose(p);
	url[strcspn(url, "\n")] = '\0';

	c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK)
		die(PQerrorMessage(c));
	{
		FILE *f = fopen("tests/data/lineview/schema.sql", "r");
		char  q[16384];
		size_t n = f != NULL ? fread(q, 1, sizeof q - 1, f) : 0;

		if (f == NULL)
			die("tests/data/lineview/schema.sql");
		fclose(f);
		q[n] = '\0';
		exec_sql(c, q);
	}
	exec_sql(c, "INSERT INTO dfota_stations VALUES ('BENCH', now(), now(), 'bench', true)");
	exec_sql(c, "INSERT INTO dfota_slots (station, slot, unit, model, phase, percent, started_at, updated_at)"
	    " SELECT 'BENCH', 'S' || i, (866000000000000 + i)::text, 'BG96', 'UPDATING', 0, now(), now()"
	    " FROM generate_series(1, 12) AS i");

	snprintf(log, sizeof log, "%s/line-view.log", dir);
	if ((lv = fork()) == 0) {
		freopen(log, "w", stderr);
		execl(station, station, "line-view", "--db", url, "--listen", "127.0.0.1:0", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && port == 0; i++) {
		FILE *f = fopen(log, "r");

		while (f != NULL && fgets(line, sizeof line, f) != NULL)
			if (sscanf(line, "line-view: serving http://127.0.0.1:%d/", &port) == 1)
				break;
		if (f != NULL)
			fclose(f);
		usleep(50000);
	}
	if (port == 0)
		die("line-view did not start");

	for (int i = 0; i < nview; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
		                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		const char req[] = "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

		memset(&v[i], 0, sizeof v[i]);
		if ((v[i].fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    connect(v[i].fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
		    write(v[i].fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1))
			die("cannot open a viewer's stream");
	}
	/* Every viewer has the whole line (the database was read). */
	for (int i = 0; i < nview; i++) {
		double t0 = now_ms();

		while (v[i].buf == NULL || strstr(v[i].buf, "\"ok\":true") == NULL) {
			struct pollfd pf = { .fd = v[i].fd, .events = POLLIN };

			if (now_ms() - t0 > 30000)
				die("no stream from line-view");
			if (poll(&pf, 1, 1000) > 0)
				viewer_read(&v[i]);
		}
	}

	int listeners = -1;
	{
		PGresult *r = PQexec(c, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dfota-line-view'");

		if (PQresultStatus(r) == PGRES_TUPLES_OK)
			listeners = atoi(PQgetvalue(r, 0, 0));
		PQclear(r);
	}

	for (int u = 0; u < nupd; u++) {
		char   q[256], want[64];
		int    pct = 1 + u % 99, got = 0;
		bool   seen[MAX_VIEWERS] = { false };
		double t0, t;

		/* A fresh marker each time: percent and an update counter. */
		snprintf(want, sizeof want, "\"error_text\":\"u%d\"", u);
		snprintf(q, sizeof q, "UPDATE dfota_slots SET percent = %d, error_text = 'u%d', updated_at = now()"
		    " WHERE station = 'BENCH' AND slot = 'S%d'; NOTIFY dfota_slots, 'BENCH'", pct, u, 1 + u % 12);
		exec_sql(c, q);
		t0 = now_ms();
		while (got < nview) {
			struct pollfd pf[MAX_VIEWERS];

			for (int i = 0; i < nview; i++)
				pf[i] = (struct pollfd){ .fd = v[i].fd, .events = POLLIN };
			if (poll(pf, (nfds_t)nview, 5000) <= 0)
				die("an event did not arrive within 5 s");
			t = now_ms();
			for (int i = 0; i < nview; i++) {
				if (!(pf[i].revents & POLLIN))
					continue;
				viewer_read(&v[i]);
				if (!seen[i] && strstr(v[i].buf, want) != NULL) {
					seen[i] = true;
					if (got++ == 0)
						first[u] = t - t0;
					last[u] = t - t0;
				}
			}
		}
		usleep(20000);
	}
	qsort(first, (size_t)nupd, sizeof first[0], cmp_d);
	qsort(last, (size_t)nupd, sizeof last[0], cmp_d);
	printf("lvbench: %d updates, %d viewers, line-view's database connections while they watch: %d\n",
	    nupd, nview, listeners);
	printf("  UPDATE+NOTIFY committed -> first viewer has the event: median %.2f ms, p90 %.2f ms, max %.2f ms\n",
	    first[nupd / 2], first[nupd * 9 / 10], first[nupd - 1]);
	printf("  UPDATE+NOTIFY committed -> all %d viewers have it:     median %.2f ms, p90 %.2f ms, max %.2f ms\n",
	    nview, last[nupd / 2], last[nupd * 9 / 10], last[nupd - 1]);

	for (int i = 0; i < nview; i++) {
		close(v[i].fd);
		free(v[i].buf);
	}
	kill(lv, SIGTERM);
	waitpid(lv, NULL, 0);
	PQfinish(c);
	snprintf(cmd, sizeof cmd, "tests/pg-cluster stop %s/pg && rm -rf %s", dir, dir);
	if (system(cmd) != 0)
		fprintf(stderr, "lvbench: could not stop the cluster in %s\n", dir);
	return 0;
}
