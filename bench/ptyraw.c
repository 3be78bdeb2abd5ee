/*
 * ptyraw: the raw throughput of one pseudo-terminal on this machine, the
 * yardstick for the station's upload figures (bench/run.py).
 *
 *   ptyraw [--bytes N] [--ack BLOCK]
 *   ptyraw --device PATH [--bytes N] [--ack BLOCK]
 *
 * A writer thread plays the station: it writes N bytes into the slave end
 * of a raw pty (non-blocking, poll() for room, as station/serial.c does).
 * The main thread plays the module: it reads the master end. Without
 * --ack the bytes stream in 64 KiB writes (the station's COM: upload);
 * with --ack BLOCK the writer waits for one 'A' after every BLOCK bytes but
 * the last and the reader sends it as soon as a block is complete (the
 * AT+QFUPL ack protocol), so the figure includes the pty round trip per
 * block that any ack protocol pays.
 *
 * With --device the receiver is an emulated module instead (a dfota-sim
 * link): the writer opens PATH, asks for the upload itself --
 * AT+QFUPL="ptyraw.bin",N,30,1 with --ack, AT+QFOTADL="COM:",N without
 * (a BG95) -- waits for CONNECT and sends exactly as above, timed from the
 * first data byte to the module's +QFUPL:/+QFOTADL: answer. That is the
 * emulator's own ceiling, which no station can beat, with a sender that
 * does nothing but send.
 *
 * Prints one line: "bytes=N seconds=S mbps=M" (MB = 10^6 bytes), timed
 * from the first write to the last byte read.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

typedef struct raw_run {
	int    master, slave;
	size_t bytes;
	size_t ack;          /* 0: stream */
	int    failed;
} raw_run;

static double
raw_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Writes all of buf, waiting for room like serial_write_all(). */
static int
raw_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if (poll(&p, 1, 5000) <= 0)
			return -1;
	}
	return 0;
}

/* Blocks until one byte arrives on a non-blocking fd. */
static int
raw_read_byte(int fd)
{
	char c;

	for (;;) {
		ssize_t n = read(fd, &c, 1);
		if (n == 1)
			return (unsigned char)c;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 5000) <= 0)
			return -1;
	}
}

static void *
raw_writer(void *arg)
{
	raw_run *r = arg;
	size_t   block = r->ack > 0 ? r->ack : 65536, sent = 0;
	char    *buf = malloc(block);

	if (buf == NULL) {
		r->failed = 1;
		return NULL;
	}
	memset(buf, 0x5a, block);
	while (sent < r->bytes) {
		size_t n = r->bytes - sent < block ? r->bytes - sent : block;
		if (raw_write_all(r->slave, buf, n) != 0) {
			r->failed = 1;
			break;
		}
		sent += n;
		if (r->ack > 0 && sent < r->bytes && raw_read_byte(r->slave) != 'A') {
			r->failed = 1;
			break;
		}
	}
	free(buf);
	return NULL;
}

static int
raw_open(raw_run *r)
{
	struct termios t;

	r->master = posix_openpt(O_RDWR | O_NOCTTY);
	if (r->master < 0 || grantpt(r->master) != 0 || unlockpt(r->master) != 0)
		return -1;
	r->slave = open(ptsname(r->master), O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (r->slave < 0 || tcgetattr(r->slave, &t) != 0)
		return -1;
	cfmakeraw(&t);
	return tcsetattr(r->slave, TCSANOW, &t);
}

/* Reads from fd until text has been seen (within 10 s); 0 or -1. */
static int
raw_expect(int fd, const char *text)
{
	char   buf[4096];
	size_t len = 0;
	double end = raw_now() + 10;

	while (raw_now() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			continue;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, text) != NULL)
			return 0;
		if (len > sizeof buf / 2) {      /* keep the tail only */
			memmove(buf, buf + len - 256, 256);
			len = 256;
		}
	}
	return -1;
}

/* The upload into an emulated module at path (see the top of the file). */
static int
raw_device(const char *path, size_t bytes, size_t ack)
{
	raw_run        r = { .bytes = bytes, .ack = ack };
	char           cmd[128];
	struct termios t;
	double         t0, t1;

	r.slave = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (r.slave < 0 || tcgetattr(r.slave, &t) != 0) {
		perror("ptyraw: device");
		return 1;
	}
	cfmakeraw(&t);
	tcsetattr(r.slave, TCSANOW, &t);
	if (ack > 0)
		snprintf(cmd, sizeof cmd, "AT+QFUPL=\"ptyraw.bin\",%zu,30,1\r", bytes);
	else
		snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"COM:\",%zu\r", bytes);
	if (raw_write_all(r.slave, cmd, strlen(cmd)) != 0 || raw_expect(r.slave, "CONNECT") != 0) {
		fprintf(stderr, "ptyraw: no CONNECT from %s\n", path);
		return 1;
	}
	t0 = raw_now();
	raw_writer(&r);
	if (r.failed || raw_expect(r.slave, ack > 0 ? "+QFUPL:" : "+QFOTADL:") != 0) {
		fprintf(stderr, "ptyraw: upload into %s failed\n", path);
		return 1;
	}
	t1 = raw_now();
	printf("bytes=%zu seconds=%.6f mbps=%.3f\n", bytes, t1 - t0, (double)bytes / (t1 - t0) / 1e6);
	return 0;
}

int
main(int argc, char **argv)
{
	raw_run   r = { .bytes = 4u << 20 };
	const char *device = NULL;
	pthread_t th;
	char      buf[65536];
	size_t    got = 0, since_ack = 0;
	double    t0, t1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--bytes") == 0 && i + 1 < argc)
			r.bytes = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--ack") == 0 && i + 1 < argc)
			r.ack = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc)
			device = argv[++i];
		else {
			fprintf(stderr, "usage: ptyraw [--device PATH] [--bytes N] [--ack BLOCK]\n");
			return 2;
		}
	}
	if (device != NULL)
		return raw_device(device, r.bytes, r.ack);
	if (raw_open(&r) != 0) {
		perror("ptyraw: pty");
		return 1;
	}
	t0 = raw_now();
	if (pthread_create(&th, NULL, raw_writer, &r) != 0)
		return 1;
	while (got < r.bytes && !r.failed) {
		ssize_t n = read(r.master, buf, sizeof buf);
		if (n <= 0) {
			if (n < 0 && errno != EINTR && errno != EAGAIN)
				break;
			continue;
		}
		got += (size_t)n;
		since_ack += (size_t)n;
		/* One ack per complete block, none after the last byte. */
		while (r.ack > 0 && since_ack >= r.ack && got < r.bytes) {
			since_ack -= r.ack;
			if (write(r.master, "A", 1) != 1)
				r.failed = 1;
		}
	}
	t1 = raw_now();
	pthread_join(th, NULL);
	if (r.failed || got < r.bytes) {
		fprintf(stderr, "ptyraw: transfer failed after %zu bytes\n", got);
		return 1;
	}
	printf("bytes=%zu seconds=%.6f mbps=%.3f\n", got, t1 - t0, (double)got / (t1 - t0) / 1e6);
	return 0;
}
