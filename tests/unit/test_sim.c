/*
 * test_sim: dfota-sim driven from outside, the way the station drives it.
 *
 * Each test spawns the emulator binary ($DFOTA_SIM) with a fast --speed,
 * opens the pty behind a module's link with plain termios (raw, TCSANOW so
 * nothing buffered is flushed), speaks AT and checks the bytes that come
 * back: identity answers and their framing, an acked upload and its XOR-16
 * checksum, reboots that replace the pty, the URC sequences of several
 * dialects, faults, and byte-for-byte determinism under --seed.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "packages/pkg_checksum.h"
#include "tests/harness/harness.h"

#define SPEED "200"

typedef struct sim_proc {
	pid_t pid;
	char  dir[PATH_MAX];
} sim_proc;

typedef struct rx {
	char   buf[65536];
	size_t len;
	bool   eof;
} rx;

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* A fresh directory for one test's links and files. */
static void
make_dir(sim_proc *s)
{
	ck_assert(harness_fresh_dir("simtest", s->dir, sizeof s->dir));
}

static void
path_in(const sim_proc *s, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", s->dir, name);
}

/* Starts dfota-sim with argv (NULL-terminated, without the program) and
 * waits for its ready line. Modules answer at once (ready=0) and are
 * registered at once (register=0), and print nothing by themselves after
 * RDY (chatter=no) unless the test's spec says otherwise: most tests here
 * are about answers, not boots. */
static void
sim_start(sim_proc *s, const char *const *args)
{
	const char *bin = getenv("DFOTA_SIM");
	char *argv[64];
	static char specs[64][1024];
	int p[2], n = 0;
	char line[128];
	FILE *fp;

	ck_assert_msg(bin != NULL, "DFOTA_SIM not set");
	argv[n++] = (char *)bin;
	for (; *args != NULL && n < 63; args++) {
		argv[n] = (char *)*args;
		if (n > 1 && strcmp(argv[n - 1], "--module") == 0) {
			snprintf(specs[n], sizeof specs[n], "%s%s%s%s", *args,
			    strstr(*args, "ready=") == NULL ? ",ready=0" : "",
			    strstr(*args, "register=") == NULL ? ",register=0" : "",
			    strstr(*args, "chatter=") == NULL ? ",chatter=no" : "");
			argv[n] = specs[n];
		}
		n++;
	}
	argv[n] = NULL;
	ck_assert_int_eq(pipe(p), 0);
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execv(bin, argv);
		_exit(127);
	}
	close(p[1]);
	fp = fdopen(p[0], "r");
	ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
	ck_assert_msg(strncmp(line, "dfota-sim: ready, ", 18) == 0, "%s", line);
	fclose(fp);
}

/* Removes the test's directory and the files it made there. */
static void
remove_dir(const sim_proc *s)
{
	DIR *d = opendir(s->dir);
	struct dirent *e;
	char path[PATH_MAX + 256];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", s->dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(s->dir);
}

/* SIGTERM: exit status 0, links gone. */
static void
sim_stop(sim_proc *s, const char *link)
{
	int st;
	struct stat sb;

	kill(s->pid, SIGTERM);
	ck_assert_int_eq(waitpid(s->pid, &st, 0), s->pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (link != NULL)
		ck_assert_int_ne(lstat(link, &sb), 0);
	remove_dir(s);
}

static int
port_open(const char *link, int wait_ms)
{
	long end = now_ms() + wait_ms;
	struct termios t;
	int fd;

	while ((fd = open(link, O_RDWR | O_NOCTTY | O_NONBLOCK)) < 0 &&
	    now_ms() < end)
		usleep(5000);
	ck_assert_msg(fd >= 0, "open %s: %s", link, strerror(errno));
	ck_assert_int_eq(tcgetattr(fd, &t), 0);
	cfmakeraw(&t);
	ck_assert_int_eq(tcsetattr(fd, TCSANOW, &t), 0);
	return fd;
}

/* Reads until needle shows up in r (from `from` on), EOF, or timeout.
 * Returns true when the needle was seen. */
static bool
read_until(int fd, rx *r, size_t from, const char *needle, int timeout_ms)
{
	long end = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		long left = end - now_ms();
		ssize_t n;

		r->buf[r->len] = '\0';
		if (needle != NULL && memmem(r->buf + from, r->len - from,
		    needle, strlen(needle)) != NULL)
			return true;
		if (left <= 0 || r->eof)
			return false;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = read(fd, r->buf + r->len, sizeof r->buf - 1 - r->len);
		if (n > 0)
			r->len += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			r->eof = true;
	}
}

static void
send_str(int fd, const char *s)
{
	ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* Sends a command line and returns the response up to `final`. */
static const char *
cmd(int fd, rx *r, const char *line, const char *final)
{
	size_t from = r->len;

	send_str(fd, line);
	send_str(fd, "\r");
	ck_assert_msg(read_until(fd, r, from, final, 3000),
	    "%s: no %s in '%s'", line, final, r->buf + from);
	return r->buf + from;
}

static void
rx_clear(rx *r)
{
	r->len = 0;
	r->eof = false;
	r->buf[0] = '\0';
}

/* An emulation package: header line then filler. */
static size_t
make_pkg(uint8_t *buf, size_t size, const char *model, const char *from,
    const char *to)
{
	int n = snprintf((char *)buf, size, "DFOTA-SIM-DELTA model=%s from=%s "
	    "to=%s\n", model, from, to);

	for (size_t i = (size_t)n; i < size; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	return size;
}

static bool
luhn_ok(const char *d)
{
	int sum = 0;
	size_t n = strlen(d);

	for (size_t i = 0; i < n; i++) {
		int v = d[n - 1 - i] - '0';

		if (i % 2 == 1 && (v *= 2) > 9)
			v -= 9;
		sum += v;
	}
	return sum % 10 == 0;
}

/* Counts occurrences of needle in r; noise puts NULs in, so by length. */
static int
count(const rx *r, const char *needle)
{
	const char *p = r->buf, *end = r->buf + r->len;
	int n = 0;

	while ((p = memmem(p, (size_t)(end - p), needle, strlen(needle))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* ---- identity --------------------------------------------------------- */

START_TEST(identity_bg96)
{
	sim_proc s;
	char link[PATH_MAX], spec[PATH_MAX + 64];
	rx r = { .len = 0 };
	const char *resp;
	char imei[16];
	int fd;

	make_dir(&s);
	path_in(&s, "bg96", link, sizeof link);
	snprintf(spec, sizeof spec, "link=%s,model=BG96", link);
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--module", spec,
	    NULL });
	fd = port_open(link, 1000);
	/* Echo is on by default: the line comes back with its CR. */
	resp = cmd(fd, &r, "ATI", "OK\r\n");
	ck_assert_str_eq(resp, "ATI\r\r\nQuectel\r\nBG96\r\nRevision: "
	    "BG96MAR02A07M1G\r\n\r\nOK\r\n");
	resp = cmd(fd, &r, "ATE0", "OK\r\n");
	ck_assert_str_eq(resp, "ATE0\r\r\nOK\r\n");
	resp = cmd(fd, &r, "AT+QGMR", "OK\r\n");
	ck_assert_str_eq(resp, "\r\nBG96MAR02A07M1G_01.001.01.001\r\n\r\nOK\r\n");
	resp = cmd(fd, &r, "AT+CGSN", "OK\r\n");
	ck_assert_int_eq(sscanf(resp, "\r\n%15[0-9]\r\n", imei), 1);
	ck_assert_uint_eq(strlen(imei), 15);
	ck_assert(luhn_ok(imei));
	ck_assert(strncmp(imei, "866426", 6) == 0 || imei[0] == '8');
	resp = cmd(fd, &r, "AT+QCCID", "OK\r\n");
	ck_assert_ptr_nonnull(strstr(resp, "+QCCID: 8986"));
	resp = cmd(fd, &r, "AT+CSQ", "OK\r\n");
	ck_assert_str_eq(resp, "\r\n+CSQ: 24,99\r\n\r\nOK\r\n");
	resp = cmd(fd, &r, "AT+CEREG?", "OK\r\n");
	ck_assert_str_eq(resp, "\r\n+CEREG: 0,1\r\n\r\nOK\r\n");
	resp = cmd(fd, &r, "AT+COPS?", "OK\r\n");
	ck_assert_str_eq(resp, "\r\n+COPS: 0,0,\"Test Net\",7\r\n\r\nOK\r\n");
	resp = cmd(fd, &r, "AT+QURCCFG=\"urcport\"", "OK\r\n");
	ck_assert_ptr_nonnull(strstr(resp, "+QURCCFG: \"urcport\",\"uart\""));
	resp = cmd(fd, &r, "AT+NOSUCH", "ERROR\r\n");
	ck_assert_str_eq(resp, "\r\nERROR\r\n");
	close(fd);
	sim_stop(&s, link);
}
END_TEST

/* The guides' examples send "AT+CSQ;+CREG?;...": one line, the answers in
 * order, one final result; the first failing command ends the line. BC26's
 * network check: AT+CESQ, AT+CGPADDR=1 (fault noaddr: no address). */
START_TEST(concatenated_and_bc26_network)
{
	sim_proc s;
	char link[PATH_MAX], link2[PATH_MAX], spec[PATH_MAX + 64], spec2[PATH_MAX + 64];
	rx r = { .len = 0 };
	int fd, fd2;

	make_dir(&s);
	path_in(&s, "bc26", link, sizeof link);
	path_in(&s, "bc26b", link2, sizeof link2);
	snprintf(spec, sizeof spec, "link=%s,model=BC26,echo=off", link);
	snprintf(spec2, sizeof spec2, "link=%s,model=BC26,echo=off,fault=noaddr", link2);
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--module", spec,
	    "--module", spec2, NULL });
	fd = port_open(link, 1000);
	ck_assert_str_eq(cmd(fd, &r, "AT+CESQ;+CEREG?;+CGPADDR=1", "OK\r\n"),
	    "\r\n+CESQ: 47,6,255,255,0,54\r\n\r\n+CEREG: 0,1\r\n"
	    "\r\n+CGPADDR: 1,10.23.0.2\r\n\r\nOK\r\n");
	ck_assert_str_eq(cmd(fd, &r, "AT+CSQ;+NOSUCH;+CEREG?", "ERROR\r\n"),
	    "\r\n+CSQ: 24,99\r\n\r\nERROR\r\n");
	ck_assert_str_eq(cmd(fd, &r, "AT;+CSQ", "OK\r\n"),
	    "\r\n+CSQ: 24,99\r\n\r\nOK\r\n");
	fd2 = port_open(link2, 1000);
	ck_assert_str_eq(cmd(fd2, &r, "AT+CEREG?;+CGPADDR=1", "OK\r\n"),
	    "\r\n+CEREG: 0,1\r\n\r\n+CGPADDR: 1\r\n\r\nOK\r\n");
	close(fd);
	close(fd2);
	sim_stop(&s, link);
}
END_TEST

START_TEST(identity_options)
{
	sim_proc s;
	char link[PATH_MAX], spec[PATH_MAX + 128];
	rx r = { .len = 0 };
	int fd;

	make_dir(&s);
	path_in(&s, "bc26", link, sizeof link);
	snprintf(spec, sizeof spec, "link=%s,model=BC26,echo=off,iccid=none,"
	    "network=no,imei=861234567890123,rev=BC26NBR01A07", link);
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--module", spec,
	    NULL });
	fd = port_open(link, 1000);
	ck_assert_str_eq(cmd(fd, &r, "AT", "OK\r\n"), "\r\nOK\r\n");
	ck_assert_str_eq(cmd(fd, &r, "AT+QCCID", "+CME ERROR: 10\r\n"),
	    "\r\n+CME ERROR: 10\r\n");
	ck_assert_str_eq(cmd(fd, &r, "AT+CSQ", "OK\r\n"),
	    "\r\n+CSQ: 99,99\r\n\r\nOK\r\n");
	ck_assert_str_eq(cmd(fd, &r, "AT+CREG?", "OK\r\n"),
	    "\r\n+CREG: 0,0\r\n\r\nOK\r\n");
	ck_assert_str_eq(cmd(fd, &r, "AT+GSN", "OK\r\n"),
	    "\r\n861234567890123\r\n\r\nOK\r\n");
	ck_assert_ptr_nonnull(strstr(cmd(fd, &r, "ATI", "OK\r\n"),
	    "Revision: BC26NBR01A07\r\n"));
	/* UART-only BC26 has no URC routing and no file commands. */
	ck_assert_str_eq(cmd(fd, &r, "AT+QURCCFG=\"urcport\"", "ERROR\r\n"),
	    "\r\nERROR\r\n");
	ck_assert_str_eq(cmd(fd, &r, "AT+QFLDS=\"UFS\"", "ERROR\r\n"),
	    "\r\nERROR\r\n");
	close(fd);
	sim_stop(&s, link);
}
END_TEST

/* What the acceptance checks read: ATI+CSUB and AT+EGMR=0,7 / 0,9 on the
 * LTE Cat families (ERROR elsewhere), AT+CPIN?, a registration that comes
 * late (register=) or never, and a command the module leaves unanswered
 * (fault mute:). */
START_TEST(identity_checks)
{
	sim_proc s;
	char link[PATH_MAX], link2[PATH_MAX], spec[PATH_MAX + 128], spec2[PATH_MAX + 128];
	char imei[16], egmr[40];
	rx r = { .len = 0 }, r2 = { .len = 0 };
	const char *resp;
	long t0;
	int fd, fd2;

	make_dir(&s);
	path_in(&s, "ec25", link, sizeof link);
	path_in(&s, "bg96", link2, sizeof link2);
	snprintf(spec, sizeof spec, "link=%s,model=EC25,echo=off,register=400", link);
	snprintf(spec2, sizeof spec2, "link=%s,model=BG96,echo=off,register=never,"
	    "fault=mute:CPIN", link2);
	/* Before the start: the module boots after it, so it registers no
	 * sooner than 2 s after t0. */
	t0 = now_ms();
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--module", spec,
	    "--module", spec2, NULL });
	fd = port_open(link, 1000);
	resp = cmd(fd, &r, "ATI+CSUB", "OK\r\n");
	ck_assert_str_eq(resp, "\r\nQuectel\r\nEC25\r\nRevision: "
	    "EC25EFAR06A06M4G\r\nSubEdition: V01\r\n\r\nOK\r\n");
	resp = cmd(fd, &r, "AT+CGSN", "OK\r\n");
	ck_assert_int_eq(sscanf(resp, "\r\n%15[0-9]\r\n", imei), 1);
	snprintf(egmr, sizeof egmr, "\r\n+EGMR: \"%s\"\r\n\r\nOK\r\n", imei);
	ck_assert_str_eq(cmd(fd, &r, "AT+EGMR=0,7", "OK\r\n"), egmr);
	ck_assert_str_eq(cmd(fd, &r, "AT+EGMR=0,9", "OK\r\n"),
	    "\r\n+EGMR: \"01\"\r\n\r\nOK\r\n");
	ck_assert_str_eq(cmd(fd, &r, "AT+EGMR=1,7,\"861234567890123\"", "ERROR\r\n"),
	    "\r\nERROR\r\n");
	ck_assert_str_eq(cmd(fd, &r, "AT+CPIN?", "OK\r\n"),
	    "\r\n+CPIN: READY\r\n\r\nOK\r\n");
	/* register=400: searching until 2 s (at --speed 200) after the boot. */
	if (now_ms() - t0 < 1500)
		ck_assert_str_eq(cmd(fd, &r, "AT+CEREG?", "OK\r\n"),
		    "\r\n+CEREG: 0,2\r\n\r\nOK\r\n");
	for (;;) {
		rx_clear(&r);
		if (strstr(cmd(fd, &r, "AT+CEREG?", "OK\r\n"), "+CEREG: 0,1") != NULL)
			break;
		ck_assert_msg(now_ms() - t0 < 30000, "never registered");
		usleep(100 * 1000);
	}

	fd2 = port_open(link2, 1000);
	ck_assert_str_eq(cmd(fd2, &r2, "ATI+CSUB", "ERROR\r\n"), "\r\nERROR\r\n");
	ck_assert_str_eq(cmd(fd2, &r2, "AT+EGMR=0,7", "ERROR\r\n"), "\r\nERROR\r\n");
	ck_assert_str_eq(cmd(fd2, &r2, "AT+CREG?", "OK\r\n"),
	    "\r\n+CREG: 0,2\r\n\r\nOK\r\n");
	/* mute:CPIN: no answer at all, and the module still answers others. */
	ck_assert_int_eq(write(fd2, "AT+CPIN?\r", 9), 9);
	usleep(300 * 1000);
	ck_assert_str_eq(cmd(fd2, &r2, "AT", "OK\r\n"), "\r\nOK\r\n");
	close(fd);
	close(fd2);
	sim_stop(&s, link);
}
END_TEST

/* ---- upload ------------------------------------------------------------- */

START_TEST(upload_ack_checksum)
{
	sim_proc s;
	char link[PATH_MAX], spec[PATH_MAX + 64], line[128], want[64];
	static uint8_t data[2500];
	rx r = { .len = 0 };
	const char *resp;
	size_t from;
	int fd;

	make_dir(&s);
	path_in(&s, "ec25", link, sizeof link);
	snprintf(spec, sizeof spec, "link=%s,model=EC25,echo=off,space=100000",
	    link);
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--module", spec,
	    NULL });
	fd = port_open(link, 1000);
	make_pkg(data, sizeof data, "EC25", "EC25EFAR06A06M4G", "X");
	snprintf(line, sizeof line, "AT+QFUPL=\"UFS:p.bin\",%zu,5,1",
	    sizeof data);
	ck_assert_str_eq(cmd(fd, &r, line, "CONNECT\r\n"), "\r\nCONNECT\r\n");
	/* One 'A' per complete 1024 bytes, none after the final byte. */
	from = r.len;
	ck_assert_int_eq(write(fd, data, 1024), 1024);
	ck_assert(read_until(fd, &r, from, "A", 1000));
	ck_assert_int_eq(write(fd, data + 1024, 1024), 1024);
	ck_assert(read_until(fd, &r, from + 1, "A", 1000));
	ck_assert_int_eq(write(fd, data + 2048, sizeof data - 2048),
	    (ssize_t)(sizeof data - 2048));
	ck_assert(read_until(fd, &r, from, "OK\r\n", 2000));
	snprintf(want, sizeof want, "AA\r\n+QFUPL: %zu,%x\r\n\r\nOK\r\n",
	    sizeof data, (unsigned)pkg_checksum_xor16(data, sizeof data));
	ck_assert_str_eq(r.buf + from, want);
	resp = cmd(fd, &r, "AT+QFLST=\"UFS:*\"", "OK\r\n");
	ck_assert_str_eq(resp, "\r\n+QFLST: \"UFS:p.bin\",2500\r\n\r\nOK\r\n");
	resp = cmd(fd, &r, "AT+QFLDS=\"UFS\"", "OK\r\n");
	ck_assert_str_eq(resp, "\r\n+QFLDS: 97500,100000\r\n\r\nOK\r\n");
	ck_assert_str_eq(cmd(fd, &r, line, "\r\n+CME ERROR: 407\r\n"),
	    "\r\n+CME ERROR: 407\r\n");
	ck_assert_str_eq(cmd(fd, &r, "AT+QFUPL=\"big\",200000,5,1",
	    "\r\n+CME ERROR: 420\r\n"), "\r\n+CME ERROR: 420\r\n");
	ck_assert_str_eq(cmd(fd, &r, "AT+QFDEL=\"p.bin\"", "OK\r\n"),
	    "\r\nOK\r\n");
	ck_assert_str_eq(cmd(fd, &r, "AT+QFDEL=\"UFS:p.bin\"",
	    "\r\n+CME ERROR: 405\r\n"), "\r\n+CME ERROR: 405\r\n");
	close(fd);
	sim_stop(&s, link);
}
END_TEST

START_TEST(upload_faults)
{
	sim_proc s;
	char link[PATH_MAX], spec[PATH_MAX + 64], want[64];
	static uint8_t data[1500];
	rx r = { .len = 0 };
	size_t from;
	int fd;

	make_dir(&s);
	path_in(&s, "ag35", link, sizeof link);
	snprintf(spec, sizeof spec, "link=%s,model=AG35,echo=off,"
	    "fault=silentack+badsum", link);
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--module", spec,
	    NULL });
	fd = port_open(link, 1000);
	make_pkg(data, sizeof data, "AG35", "a", "b");
	cmd(fd, &r, "AT+QFUPL=\"x\",1500,2,1", "CONNECT\r\n");
	from = r.len;
	ck_assert_int_eq(write(fd, data, sizeof data), (ssize_t)sizeof data);
	ck_assert(read_until(fd, &r, from, "OK\r\n", 2000));
	/* No ack at all, and a checksum that does not match the bytes. */
	snprintf(want, sizeof want, "\r\n+QFUPL: 1500,%x\r\n\r\nOK\r\n",
	    (unsigned)pkg_checksum_xor16(data, sizeof data));
	ck_assert_str_ne(r.buf + from, want);
	ck_assert_ptr_null(strchr(r.buf + from, 'A'));
	/* A stalled upload times out with 421 and keeps what arrived. */
	cmd(fd, &r, "AT+QFUPL=\"y\",1500,1,1", "CONNECT\r\n");
	from = r.len;
	ck_assert_int_eq(write(fd, data, 100), 100);
	ck_assert(read_until(fd, &r, from, "+CME ERROR: 421\r\n", 3000));
	ck_assert_ptr_nonnull(strstr(cmd(fd, &r, "AT+QFLST=\"UFS:y\"", "OK\r\n"),
	    "+QFLST: \"UFS:y\",100\r\n"));
	close(fd);
	sim_stop(&s, link);
}
END_TEST

/* ---- reboot and update -------------------------------------------------- */

START_TEST(reboot_replaces_pty)
{
	sim_proc s;
	char link[PATH_MAX], spec[PATH_MAX + 64], line[128];
	char before[PATH_MAX] = "", after[PATH_MAX] = "";
	static uint8_t data[3000];
	rx r = { .len = 0 };
	ssize_t n;
	int fd;

	make_dir(&s);
	path_in(&s, "ec25", link, sizeof link);
	snprintf(spec, sizeof spec, "link=%s,model=EC25,urcport=usbat", link);
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--module", spec,
	    NULL });
	n = readlink(link, before, sizeof before - 1);
	ck_assert_int_gt(n, 0);
	ck_assert(strncmp(before, "/dev/pts/", 9) == 0);
	fd = port_open(link, 1000);
	cmd(fd, &r, "ATE0", "OK\r\n");
	make_pkg(data, sizeof data, "EC25", "EC25EFAR06A06M4G",
	    "EC25EFAR06A07M4G");
	snprintf(line, sizeof line, "AT+QFUPL=\"u.zip\",%zu,5,1", sizeof data);
	cmd(fd, &r, line, "CONNECT\r\n");
	ck_assert_int_eq(write(fd, data, sizeof data), (ssize_t)sizeof data);
	ck_assert(read_until(fd, &r, 0, "+QFUPL: 3000,", 2000));
	ck_assert(read_until(fd, &r, 0, "OK\r\n", 2000));
	rx_clear(&r);
	ck_assert_str_eq(cmd(fd, &r, "AT+QFOTADL=\"/data/ufs/u.zip\"", "OK\r\n"),
	    "\r\nOK\r\n");
	/* The module reboots into its updater: EOF on the old pty. */
	read_until(fd, &r, 0, NULL, 2000);
	ck_assert(r.eof);
	close(fd);
	fd = port_open(link, 2000);
	n = readlink(link, after, sizeof after - 1);
	ck_assert_int_gt(n, 0);
	rx_clear(&r);
	ck_assert(read_until(fd, &r, 0, "+QIND: \"FOTA\",\"END\",0\r\n", 3000));
	ck_assert(strstr(r.buf, "\r\n+QIND: \"FOTA\",\"START\"\r\n") < 
	    strstr(r.buf, "\r\n+QIND: \"FOTA\",\"UPDATING\",100\r\n"));
	ck_assert_ptr_nonnull(strstr(r.buf, "+QIND: \"FOTA\",\"UPDATING\",1\r\n"));
	/* No RDY from the updater; then the final reboot. */
	ck_assert_ptr_null(strstr(r.buf, "RDY"));
	read_until(fd, &r, 0, NULL, 2000);
	ck_assert(r.eof);
	close(fd);
	fd = port_open(link, 2000);
	rx_clear(&r);
	ck_assert(read_until(fd, &r, 0, "\r\nRDY\r\n", 2000));
	/* Echo is back on after a reboot; the revision is the new one. */
	ck_assert_str_eq(cmd(fd, &r, "AT+QGMR", "OK\r\n"),
	    "AT+QGMR\r\r\nEC25EFAR06A07M4G_01.001.01.001\r\n\r\nOK\r\n");
	close(fd);
	sim_stop(&s, link);
}
END_TEST

START_TEST(urcport_uart_hides_urcs)
{
	sim_proc s;
	char link[PATH_MAX], spec[PATH_MAX + 64], line[128];
	static uint8_t data[1200];
	rx r = { .len = 0 };
	int fd;

	make_dir(&s);
	path_in(&s, "ep06", link, sizeof link);
	snprintf(spec, sizeof spec, "link=%s,model=EG06,echo=off,retries=no", link);
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--module", spec,
	    NULL });
	fd = port_open(link, 1000);
	/* An EP06-family package fits EG06; a wrong source gives 510. */
	make_pkg(data, sizeof data, "EP06", "EG06ELAR03A04M4G", "Z");
	snprintf(line, sizeof line, "AT+QFUPL=\"w\",%zu", sizeof data);
	cmd(fd, &r, line, "CONNECT\r\n");
	ck_assert_int_eq(write(fd, data, sizeof data), (ssize_t)sizeof data);
	ck_assert(read_until(fd, &r, 0, "OK\r\n", 2000));
	cmd(fd, &r, "AT+QFOTADL=\"/data/ufs/w\"", "OK\r\n");
	read_until(fd, &r, 0, NULL, 2000);
	ck_assert(r.eof);
	close(fd);
	/* urcport is still uart: the update is silent on this port; the
	 * refused package (510) still ends with a reboot. */
	fd = port_open(link, 2000);
	rx_clear(&r);
	read_until(fd, &r, 0, NULL, 3000);
	ck_assert(r.eof);
	ck_assert_ptr_null(strstr(r.buf, "+QIND"));
	close(fd);
	fd = port_open(link, 2000);
	rx_clear(&r);
	ck_assert(read_until(fd, &r, 0, "RDY\r\n", 2000));
	ck_assert_ptr_nonnull(strstr(cmd(fd, &r, "ATI", "OK\r\n"),
	    "EG06ELAR03A05M4G"));
	close(fd);
	sim_stop(&s, link);
}
END_TEST

/* ---- URC dialects ------------------------------------------------------- */

static void
write_file(const char *path, const uint8_t *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

START_TEST(urc_bc26_url)
{
	sim_proc s;
	char link[PATH_MAX], spec[PATH_MAX + 64], file[PATH_MAX];
	static uint8_t data[4000];
	rx r = { .len = 0 };
	const char *p;
	int fd;

	make_dir(&s);
	path_in(&s, "bc26", link, sizeof link);
	path_in(&s, "bc26.bin", file, sizeof file);
	make_pkg(data, sizeof data, "BC26", "BC26NBR01A08", "BC26NBR01A09");
	write_file(file, data, sizeof data);
	snprintf(spec, sizeof spec, "link=%s,model=BC26,echo=off,fault=typo",
	    link);
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--pkgdir", s.dir,
	    "--module", spec, NULL });
	fd = port_open(link, 1000);
	/* The server serves the URL's whole path (here the pkgdir's root). */
	cmd(fd, &r, "AT+QFOTADL=\"HTTP://example.com/bc26.bin\"", "OK\r\n");
	ck_assert(read_until(fd, &r, 0, "RDY\r\n", 5000));
	/* The guide's order, spacing, '%' and typos; the port stays. */
	p = r.buf;
	static const char *const seq[] = {
		"\r\n+QIND: \"FOTA\",\"HTTPTART\"\r\n",
		"\r\n+QIND: \"FOTA\",\"DOWNLOADING\", 1%\r\n",
		"\r\n+QIND: \"FOTA\",\"DOWNLOADING\", 100%\r\n",
		"\r\n+QIND: \"FOTA\",\"HTTPPEND\",0\r\n",
		"\r\n+QIND: \"FOTA\",\"START\"\r\n",
		"\r\n+QIND: \"FOTA\",\"UPDATING\", 50%\r\n",
		"\r\n+QIND: \"FOTA\",\"END\",0\r\n",
		"\r\nRDY\r\n",
	};
	for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
		p = strstr(p, seq[i]);
		ck_assert_msg(p != NULL, "missing or out of order: %s", seq[i]);
	}
	ck_assert(!r.eof);
	ck_assert_ptr_nonnull(strstr(cmd(fd, &r, "AT+QGMR", "OK\r\n"),
	    "BC26NBR01A09_"));
	close(fd);
	sim_stop(&s, link);
}
END_TEST

START_TEST(urc_bg95_dfota_mode)
{
	sim_proc s;
	char link[PATH_MAX], uart[PATH_MAX], spec[2 * PATH_MAX + 64];
	char line[64];
	static uint8_t data[5000];
	rx r = { .len = 0 }, u = { .len = 0 };
	int fd, ufd;

	make_dir(&s);
	path_in(&s, "bg95", link, sizeof link);
	path_in(&s, "bg95uart", uart, sizeof uart);
	snprintf(spec, sizeof spec, "link=%s,model=BG95,echo=off,urc_link=%s",
	    link, uart);
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--module", spec,
	    NULL });
	fd = port_open(link, 1000);
	ufd = port_open(uart, 1000);
	cmd(fd, &r, "AT+QURCCFG=\"urcport\",\"usbat\"", "OK\r\n");
	ck_assert_ptr_nonnull(strstr(cmd(fd, &r, "AT+QCFGEXT=\"fota_apn\",0,"
	    "\"internet\"", "OK\r\n"), "OK"));
	ck_assert_str_eq(cmd(fd, &r, "AT+QFOTADL=\"COM:\",7000000",
	    "ERROR: 590\r\n"), "\r\n+CME ERROR: 590\r\n");
	make_pkg(data, sizeof data, "BG77", "BG95M3LAR02A03", "BG95M3LAR02A04");
	/* Trigger mode 1 (the power-up default) would start the update as
	 * soon as the upload is whole; 0 waits for AT+QFOTADL=1. */
	ck_assert_str_eq(cmd(fd, &r, "AT+QFOTADL=3", "OK\r\n"),
	    "\r\n+QFOTADL: 3,1\r\n\r\nOK\r\n");
	cmd(fd, &r, "AT+QFOTADL=3,0", "OK\r\n");
	ck_assert_str_eq(cmd(fd, &r, "AT+QFOTADL=3", "OK\r\n"),
	    "\r\n+QFOTADL: 3,0\r\n\r\nOK\r\n");
	snprintf(line, sizeof line, "AT+QFOTADL=\"COM:\",%zu", sizeof data);
	cmd(fd, &r, line, "CONNECT\r\n");
	rx_clear(&r);
	ck_assert_int_eq(write(fd, data, sizeof data), (ssize_t)sizeof data);
	ck_assert(read_until(fd, &r, 0, "OK\r\n", 2000));
	ck_assert(strncmp(r.buf, "\r\n+QFOTADL: ", 12) == 0);  /* no acks */
	snprintf(line, sizeof line, "+QFOTADL: 5000,%x\r\n",
	    (unsigned)pkg_checksum_xor16(data, sizeof data));
	ck_assert_ptr_nonnull(strstr(r.buf, line));
	ck_assert_str_eq(cmd(fd, &r, "AT+QFOTADL=4", "OK\r\n"),
	    "\r\n+QFOTADL: 4,5000\r\n\r\nOK\r\n");
	cmd(fd, &r, "AT+QFOTADL=1", "OK\r\n");
	/* RESETTING on USB, then the USB port is gone for the update. */
	read_until(fd, &r, 0, NULL, 3000);
	ck_assert(r.eof);
	ck_assert_ptr_nonnull(strstr(r.buf, "+QIND: \"FOTA\",\"RESETTING\"\r\n"));
	close(fd);
	ck_assert(read_until(ufd, &u, 0, "+QIND: \"FOTA\",\"END\",0\r\n", 5000));
	ck_assert_ptr_nonnull(strstr(u.buf, "+QIND: \"FOTA\",\"START\"\r\n"));
	ck_assert_ptr_nonnull(strstr(u.buf, "+QIND: \"FOTA\",\"UPDATING\",55\r\n"));
	fd = port_open(link, 3000);
	rx_clear(&r);
	ck_assert(read_until(fd, &r, 0, "RDY\r\n", 2000));
	cmd(fd, &r, "ATE0", "OK\r\n");
	ck_assert_ptr_nonnull(strstr(cmd(fd, &r, "AT+QGMR", "OK\r\n"),
	    "BG95M3LAR02A04_"));
	close(fd);
	close(ufd);
	sim_stop(&s, link);
}
END_TEST

START_TEST(urc_bg96_url_and_dl_fault)
{
	sim_proc s;
	char l1[PATH_MAX], l2[PATH_MAX], s1[PATH_MAX + 64], s2[PATH_MAX + 64];
	rx r = { .len = 0 };
	int fd;

	make_dir(&s);
	path_in(&s, "bg96", l1, sizeof l1);
	path_in(&s, "ag35", l2, sizeof l2);
	snprintf(s1, sizeof s1, "link=%s,model=BG96,echo=off,urcport=usbat", l1);
	snprintf(s2, sizeof s2, "link=%s,model=AG35,echo=off,urcport=usbat,"
	    "fault=dl:611", l2);
	/* No --pkgdir: a URL cannot be found, BG96 says HTTPEND,701. */
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--module", s1,
	    "--module", s2, NULL });
	fd = port_open(l1, 1000);
	cmd(fd, &r, "AT+QFOTADL=\"https://h/x.zip\"", "OK\r\n");
	ck_assert(read_until(fd, &r, 0, "HTTPEND\",701\r\n", 3000));
	ck_assert_ptr_nonnull(strstr(r.buf, "+QIND: \"FOTA\",\"HTTPSTART\"\r\n"));
	ck_assert_str_eq(cmd(fd, &r, "AT", "OK\r\n"), "\r\nOK\r\n");
	close(fd);
	fd = port_open(l2, 1000);
	rx_clear(&r);
	cmd(fd, &r, "AT+QFOTADL=\"ftp://u:p@h/x.zip\"", "OK\r\n");
	ck_assert(read_until(fd, &r, 0, "+QIND: \"FOTA\",\"FTPEND\",611\r\n",
	    3000));
	ck_assert_ptr_nonnull(strstr(r.buf, "+QIND: \"FOTA\",\"FTPSTART\"\r\n"));
	ck_assert(!r.eof);
	close(fd);
	sim_stop(&s, l1);
}
END_TEST

/* ---- faults ------------------------------------------------------------- */

START_TEST(fault_trigger_and_hang)
{
	sim_proc s;
	char l1[PATH_MAX], l2[PATH_MAX], s1[PATH_MAX + 64], s2[PATH_MAX + 64];
	rx r = { .len = 0 };
	int fd;

	make_dir(&s);
	path_in(&s, "a", l1, sizeof l1);
	path_in(&s, "b", l2, sizeof l2);
	snprintf(s1, sizeof s1, "link=%s,model=BG96,echo=off,"
	    "fault=trigger:cme:123", l1);
	snprintf(s2, sizeof s2, "link=%s,model=EC25,fault=hang:identify", l2);
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--module", s1,
	    "--module", s2, NULL });
	fd = port_open(l1, 1000);
	ck_assert_str_eq(cmd(fd, &r, "AT+QFOTADL=\"http://h/p\"", "123\r\n"),
	    "\r\n+CME ERROR: 123\r\n");
	close(fd);
	fd = port_open(l2, 1000);
	rx_clear(&r);
	send_str(fd, "AT\r");
	ck_assert(!read_until(fd, &r, 0, "OK", 300));
	ck_assert_uint_eq(r.len, 0);
	close(fd);
	sim_stop(&s, l1);
}
END_TEST

START_TEST(fault_resume_banner)
{
	sim_proc s;
	char link[PATH_MAX], spec[PATH_MAX + 64];
	rx r = { .len = 0 };
	int fd;

	make_dir(&s);
	path_in(&s, "bg96", link, sizeof link);
	snprintf(spec, sizeof spec, "link=%s,model=BG96,urcport=usbat,"
	    "fault=resume", link);
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--module", spec,
	    NULL });
	fd = port_open(link, 1000);
	ck_assert(read_until(fd, &r, 0, "+QIND: \"FOTA\",\"END\",0\r\n", 3000));
	ck_assert_ptr_nonnull(strstr(r.buf, "+QIND: \"FOTA\",\"Last upgrade "
	    "was not finished,continue upgrade\"\r\n"));
	ck_assert_ptr_nonnull(strstr(r.buf, "+QIND: \"FOTA\",\"RESTORE\",1\r\n"));
	ck_assert_ptr_null(strstr(r.buf, "UPDATING"));
	read_until(fd, &r, 0, NULL, 2000);
	ck_assert(r.eof);
	close(fd);
	fd = port_open(link, 2000);
	rx_clear(&r);
	ck_assert(read_until(fd, &r, 0, "RDY\r\n", 2000));
	ck_assert_ptr_nonnull(strstr(cmd(fd, &r, "AT+QGMR", "OK\r\n"),
	    "BG96MAR02A08M1G"));
	close(fd);
	sim_stop(&s, link);
}
END_TEST

/* ---- scenario files and usage ------------------------------------------ */

/* docs/protocol.md 5: the port is there before the AT interpreter; a command
 * then gets nothing at all; RDY says it is ready. */
START_TEST(boot_port_before_ready)
{
	sim_proc s;
	char link[PATH_MAX], spec[PATH_MAX + 64];
	rx r = { .len = 0 };
	int fd;

	make_dir(&s);
	path_in(&s, "m", link, sizeof link);
	/* 1000 ms at --speed 1 = 1 s: ready=20000 at --speed 20. */
	snprintf(spec, sizeof spec, "link=%s,model=EC25,echo=off,ready=20000", link);
	sim_start(&s, (const char *[]){ "--speed", "20", "--module", spec, NULL });
	fd = port_open(link, 1000);
	send_str(fd, "AT\r");
	ck_assert(!read_until(fd, &r, 0, "OK", 300));
	ck_assert_uint_eq(r.len, 0);
	ck_assert(read_until(fd, &r, 0, "\r\nRDY\r\n", 3000));
	ck_assert_ptr_null(strstr(r.buf, "OK"));
	ck_assert_str_eq(cmd(fd, &r, "AT", "OK\r\n"), "\r\nOK\r\n");
	close(fd);
	sim_stop(&s, link);
}
END_TEST

/* Guide 001: an AG35 retries a failed check by itself, each try a reboot
 * into the updater and a new START; end:502x2 passes at the third. */
START_TEST(ag35_module_retries)
{
	sim_proc s;
	char link[PATH_MAX], spec[PATH_MAX + 64], line[128], log[PATH_MAX];
	uint8_t data[2048];
	rx r = { .len = 0 };
	int fd, starts = 0, fails = 0;
	FILE *fp;
	char buf[1024];

	make_dir(&s);
	path_in(&s, "m", link, sizeof link);
	path_in(&s, "log", log, sizeof log);
	snprintf(spec, sizeof spec, "link=%s,model=AG35,echo=off,ready=0,"
	    "urcport=usbat,fault=end:502x2", link);
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--log", log,
	    "--module", spec, NULL });
	fd = port_open(link, 1000);
	make_pkg(data, sizeof data, "AG35", "AG35CEVAR05A07T4G", "AG35CEVAR05A08T4G");
	snprintf(line, sizeof line, "AT+QFUPL=\"p\",%zu", sizeof data);
	cmd(fd, &r, line, "CONNECT\r\n");
	ck_assert_int_eq(write(fd, data, sizeof data), (ssize_t)sizeof data);
	ck_assert(read_until(fd, &r, 0, "OK\r\n", 2000));
	cmd(fd, &r, "AT+QFOTADL=\"/data/ufs/p\"", "OK\r\n");
	close(fd);
	/* Follow every return of the port until the normal boot's RDY. */
	for (int i = 0; i < 8; i++) {
		rx_clear(&r);
		fd = port_open(link, 3000);
		read_until(fd, &r, 0, "RDY\r\n", 3000);
		close(fd);
		if (strstr(r.buf, "RDY\r\n"))
			break;
	}
	fd = port_open(link, 3000);
	ck_assert_ptr_nonnull(strstr(cmd(fd, &r, "ATI", "OK\r\n"),
	    "AG35CEVAR05A08T4G"));
	close(fd);
	fp = fopen(log, "r");
	ck_assert_ptr_nonnull(fp);
	while (fgets(buf, sizeof buf, fp) != NULL) {
		starts += strstr(buf, "at> \\r\\n+QIND: \"FOTA\",\"START\"") != NULL;
		fails += strstr(buf, "\"END\",502") != NULL;
	}
	fclose(fp);
	sim_stop(&s, NULL);
	ck_assert_int_eq(starts, 3);
	ck_assert_int_eq(fails, 2);
}
END_TEST

/* The resume banner is the BG96's only. */
START_TEST(resume_banner_bg96_only)
{
	sim_proc s;
	char l1[PATH_MAX], l2[PATH_MAX], s1[PATH_MAX + 64], s2[PATH_MAX + 64];
	rx r = { .len = 0 };
	int fd;

	make_dir(&s);
	path_in(&s, "bg96", l1, sizeof l1);
	path_in(&s, "ec25", l2, sizeof l2);
	snprintf(s1, sizeof s1, "link=%s,model=BG96,urcport=usbat,fault=resume", l1);
	snprintf(s2, sizeof s2, "link=%s,model=EC25,urcport=usbat,fault=resume", l2);
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--module", s1,
	    "--module", s2, NULL });
	fd = port_open(l1, 1000);
	ck_assert(read_until(fd, &r, 0, "\"START\"", 2000));
	ck_assert_ptr_nonnull(strstr(r.buf, "Last upgrade was not finished"));
	close(fd);
	rx_clear(&r);
	fd = port_open(l2, 1000);
	ck_assert(read_until(fd, &r, 0, "\"START\"", 2000));
	ck_assert_ptr_null(strstr(r.buf, "Last upgrade"));
	close(fd);
	sim_stop(&s, NULL);
}
END_TEST

START_TEST(scenario_file)
{
	sim_proc s;
	char file[PATH_MAX], l1[PATH_MAX], l2[PATH_MAX];
	rx r = { .len = 0 };
	FILE *fp;
	int fd;

	make_dir(&s);
	path_in(&s, "two.sim", file, sizeof file);
	path_in(&s, "m1", l1, sizeof l1);
	path_in(&s, "m2", l2, sizeof l2);
	fp = fopen(file, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "# two modules\n\nlink=%s  model=EM06 echo=off ready=0 # eol\n"
	    "link=%s,model=BG77,echo=off,rev=BG77LAR02A01,ready=0\n", l1, l2);
	fclose(fp);
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--scenario", file,
	    NULL });
	fd = port_open(l1, 1000);
	ck_assert_ptr_nonnull(strstr(cmd(fd, &r, "ATI", "OK\r\n"),
	    "\r\nQuectel\r\nEM06\r\nRevision: EM06ELAR03A05M4G\r\n"));
	close(fd);
	fd = port_open(l2, 1000);
	ck_assert_ptr_nonnull(strstr(cmd(fd, &r, "ATI", "OK\r\n"),
	    "Revision: BG77LAR02A01\r\n"));
	close(fd);
	sim_stop(&s, l1);
}
END_TEST

/* Without register=, a module registers its model's delay after the boot
 * (sim_model.c: 5 s LTE Cat 4, 15 s NB-IoT, at --speed 1), searching (2)
 * until then. A scenario file, so that sim_start adds no register=0. */
START_TEST(register_default_per_model)
{
	sim_proc s;
	char file[PATH_MAX], l1[PATH_MAX], l2[PATH_MAX];
	rx r = { .len = 0 }, r2 = { .len = 0 };
	long t0, ec25_at;
	FILE *fp;
	int fd, fd2;

	make_dir(&s);
	path_in(&s, "reg.sim", file, sizeof file);
	path_in(&s, "ec25", l1, sizeof l1);
	path_in(&s, "bc26", l2, sizeof l2);
	fp = fopen(file, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "link=%s model=EC25 echo=off ready=0\n"
	    "link=%s model=BC26 echo=off ready=0\n", l1, l2);
	fclose(fp);
	/* --speed 10: EC25 at 0.5 s, BC26 at 1.5 s after the start. */
	t0 = now_ms();
	sim_start(&s, (const char *[]){ "--speed", "10", "--scenario", file,
	    NULL });
	fd = port_open(l1, 1000);
	fd2 = port_open(l2, 1000);
	if (now_ms() - t0 < 300)
		ck_assert_str_eq(cmd(fd, &r, "AT+CREG?", "OK\r\n"),
		    "\r\n+CREG: 0,2\r\n\r\nOK\r\n");
	for (;;) {
		rx_clear(&r);
		if (strstr(cmd(fd, &r, "AT+CEREG?", "OK\r\n"), "+CEREG: 0,1") != NULL)
			break;
		ck_assert_msg(now_ms() - t0 < 10000, "EC25 never registered");
		usleep(50 * 1000);
	}
	ec25_at = now_ms() - t0;
	ck_assert_msg(ec25_at >= 450, "EC25 registered after %ld ms", ec25_at);
	if (now_ms() - t0 < 1200)
		ck_assert_str_eq(cmd(fd2, &r2, "AT+CEREG?", "OK\r\n"),
		    "\r\n+CEREG: 0,2\r\n\r\nOK\r\n");
	for (;;) {
		rx_clear(&r2);
		if (strstr(cmd(fd2, &r2, "AT+CEREG?", "OK\r\n"), "+CEREG: 0,1") != NULL)
			break;
		ck_assert_msg(now_ms() - t0 < 20000, "BC26 never registered");
		usleep(50 * 1000);
	}
	ck_assert_msg(now_ms() - t0 >= 1450, "BC26 registered after %ld ms",
	    now_ms() - t0);
	close(fd);
	close(fd2);
	sim_stop(&s, l1);
}
END_TEST

START_TEST(bad_spec_is_usage_error)
{
	const char *bin = getenv("DFOTA_SIM");
	char cmdline[PATH_MAX + 128];

	ck_assert_ptr_nonnull(bin);
	snprintf(cmdline, sizeof cmdline, "%s --module link=/nonexistent/x,"
	    "model=XX99 2>/dev/null", bin);
	ck_assert_int_eq(WEXITSTATUS(system(cmdline)), 2);
	snprintf(cmdline, sizeof cmdline, "%s --module link=/nonexistent/x,"
	    "model=EC25,fault=powerloss:restore 2>/dev/null", bin);
	ck_assert_int_eq(WEXITSTATUS(system(cmdline)), 1);
}
END_TEST

/* ---- determinism -------------------------------------------------------- */

/* Runs one BC26 module with noisy faults through a fixed dialogue and a
 * failing download; returns everything it printed. */
static void
noisy_run(const char *seed, rx *r)
{
	sim_proc s;
	char link[PATH_MAX], spec[PATH_MAX + 64];
	int fd;

	make_dir(&s);
	path_in(&s, "n", link, sizeof link);
	snprintf(spec, sizeof spec, "link=%s,model=BC26,"
	    "fault=noise+split+dup+merge", link);
	sim_start(&s, (const char *[]){ "--speed", SPEED, "--seed", seed,
	    "--module", spec, NULL });
	fd = port_open(link, 1000);
	rx_clear(r);
	cmd(fd, r, "ATI", "OK\r\n");
	cmd(fd, r, "AT+CGSN", "OK\r\n");
	cmd(fd, r, "AT+QFOTADL=\"http://h/none.bin\"", "OK\r\n");
	ck_assert(read_until(fd, r, 0, "HTTPEND\",12\r\n", 4000));
	read_until(fd, r, 0, NULL, 200);
	close(fd);
	sim_stop(&s, link);
}

START_TEST(determinism_seed)
{
	static rx a, b, c;

	noisy_run("7", &a);
	noisy_run("7", &b);
	noisy_run("8", &c);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert(memcmp(a.buf, b.buf, a.len) == 0);
	ck_assert(a.len != c.len || memcmp(a.buf, c.buf, a.len) != 0);
	ck_assert_int_ge(count(&a, "DOWNLOADING"), 7);
}
END_TEST

static Suite *
sim_suite(void)
{
	Suite *s = suite_create("dfota-sim");
	TCase *tc = tcase_create("sim");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, identity_bg96);
	tcase_add_test(tc, identity_options);
	tcase_add_test(tc, identity_checks);
	tcase_add_test(tc, upload_ack_checksum);
	tcase_add_test(tc, upload_faults);
	tcase_add_test(tc, reboot_replaces_pty);
	tcase_add_test(tc, urcport_uart_hides_urcs);
	tcase_add_test(tc, urc_bc26_url);
	tcase_add_test(tc, urc_bg95_dfota_mode);
	tcase_add_test(tc, concatenated_and_bc26_network);
	tcase_add_test(tc, urc_bg96_url_and_dl_fault);
	tcase_add_test(tc, fault_trigger_and_hang);
	tcase_add_test(tc, fault_resume_banner);
	tcase_add_test(tc, scenario_file);
	tcase_add_test(tc, register_default_per_model);
	tcase_add_test(tc, boot_port_before_ready);
	tcase_add_test(tc, ag35_module_retries);
	tcase_add_test(tc, resume_banner_bg96_only);
	tcase_add_test(tc, bad_spec_is_usage_error);
	tcase_add_test(tc, determinism_seed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run_suite(sim_suite(), CK_NORMAL);
}
