/*
 * gridbench: what one frame of the operator's grid costs with many slots
 * (bench/run.py, "grid frame cost").
 *
 *   gridbench [--slots N] [--frames F] [--cols C] [--lines L]
 *
 * Builds the real grid (grid_new, ui/grid*.c from libdfota.a) on a
 * pseudo-terminal of C x L cells whose master a thread drains, feeds its
 * model synthetic bus events (every slot identified and UPDATING, a few
 * finished PASS/FAIL), and then draws F frames exactly as the UI thread
 * does: grid_draw() under the grid's lock, doupdate() after. Two loads:
 *
 *   all    every slot's percent changes before each frame (the worst case:
 *          128 units all reporting at once; ncurses repaints every cell)
 *   one    one slot's percent changes per frame (the common case)
 *
 * and the model side alone: ns per grid_model_apply() of a percent event,
 * the work the bus dispatcher does per event for the grid.
 *
 * Prints "key=value" lines: form, ns_per_frame_all, ns_per_frame_one,
 * bytes_per_frame_all, bytes_per_frame_one, ns_per_apply, cpu_ns_per_frame_all.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "station/bus.h"
#include "station/unit.h"
#include "ui/grid_int.h"

typedef struct drain {
	int              fd;
	pthread_mutex_t  lock;
	unsigned long    bytes;
} drain;

static int64_t
gb_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The terminal's side: read and count everything the grid writes. */
static void *
gb_drain(void *arg)
{
	drain *d = arg;
	char   buf[65536];

	for (;;) {
		ssize_t n = read(d->fd, buf, sizeof buf);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		pthread_mutex_lock(&d->lock);
		d->bytes += (unsigned long)n;
		pthread_mutex_unlock(&d->lock);
	}
	return NULL;
}

static unsigned long
gb_bytes(drain *d)
{
	unsigned long b;

	pthread_mutex_lock(&d->lock);
	b = d->bytes;
	pthread_mutex_unlock(&d->lock);
	return b;
}

/* Puts a pty of cols x lines on stdin/stdout (where grid_new looks);
 * returns the master, or -1. */
static int
gb_terminal(int cols, int lines)
{
	struct winsize ws = { .ws_row = (unsigned short)lines, .ws_col = (unsigned short)cols };
	int            m = posix_openpt(O_RDWR | O_NOCTTY), s;

	if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0)
		return -1;
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	if (s < 0 || ioctl(m, TIOCSWINSZ, &ws) != 0)
		return -1;
	if (dup2(s, 0) < 0 || dup2(s, 1) < 0)
		return -1;
	close(s);
	return m;
}

static void
gb_event(grid *g, bus_kind kind, int si, unit_phase phase, int percent, unit_record *u)
{
	bus_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.ts_ms = unit_now_ms();
	ev.slot = si;
	snprintf(ev.slot_label, sizeof ev.slot_label, "H%d.%d", si / 16 + 1, si % 16 + 1);
	ev.phase = phase;
	ev.percent = percent;
	ev.error_code = -1;
	ev.unit = u;
	grid_model_apply(&g->m, &ev);
}

/* Every slot identified and updating; every 16th finished (PASS or FAIL),
 * so that each kind of cell is drawn. */
static void
gb_fill(grid *g, int nslots)
{
	for (int i = 0; i < nslots; i++) {
		unit_record u;

		unit_record_init(&u);
		snprintf(u.model, sizeof u.model, "EC25");
		snprintf(u.imei, sizeof u.imei, "8614580300%05d", i);
		snprintf(u.fw_before, sizeof u.fw_before, "EC25EFAR06A06M4G_01.001.01.001");
		snprintf(u.fw_target, sizeof u.fw_target, "EC25EFAR06A07M4G");
		gb_event(g, BUS_UNIT_START, i, PHASE_IDENTIFY, -1, &u);
		gb_event(g, BUS_STATE, i, PHASE_UPDATING, i % 100, NULL);
		if (i % 16 == 15) {
			u.result = i % 32 == 31 ? RESULT_FAIL : RESULT_PASS;
			u.error_code = u.result == RESULT_FAIL ? 510 : -1;
			if (u.result == RESULT_FAIL)
				snprintf(u.error_text, sizeof u.error_text, "firmware mismatch");
			snprintf(u.fw_after, sizeof u.fw_after, "EC25EFAR06A07M4G_01.001.01.001");
			gb_event(g, BUS_UNIT_END, i, PHASE_DONE, -1, &u);
		}
	}
}

/* Draws frames; changed(g, frame) mutates the model before each. */
static void
gb_frames(grid *g, int nslots, int frames, bool all, drain *d, int64_t *ns, int64_t *cpu_ns,
          unsigned long *bytes)
{
	int64_t       t0 = gb_ns(CLOCK_MONOTONIC), c0 = gb_ns(CLOCK_PROCESS_CPUTIME_ID);
	unsigned long b0 = gb_bytes(d);

	for (int f = 0; f < frames; f++) {
		pthread_mutex_lock(&g->lock);
		for (int i = 0; i < nslots; i++) {
			/* "one": a running slot, a different one each frame. */
			int k = all ? i : (f % nslots) / 16 * 16 + (f % nslots) % 15;
			if (k % 16 != 15 && k < nslots)
				gb_event(g, BUS_STATE, k, PHASE_UPDATING, (k + f) % 100, NULL);
			if (!all)
				break;
		}
		grid_draw(g, unit_now_ms());
		g->m.dirty = false;
		pthread_mutex_unlock(&g->lock);
		doupdate();
	}
	*ns = (gb_ns(CLOCK_MONOTONIC) - t0) / frames;
	/* The drain thread's reads are in the process CPU too: the terminal's
	 * side of the cost, which a real terminal pays elsewhere. Close enough
	 * to be an upper bound for the station's share. */
	*cpu_ns = (gb_ns(CLOCK_PROCESS_CPUTIME_ID) - c0) / frames;
	usleep(50000);   /* let the drain catch up before counting */
	*bytes = (gb_bytes(d) - b0) / (unsigned long)frames;
}

static int64_t
gb_apply_cost(grid *g, int nslots)
{
	const int n = 200000;
	int64_t   t0 = gb_ns(CLOCK_MONOTONIC);

	for (int k = 0; k < n; k++)
		gb_event(g, BUS_STATE, k % nslots == 15 ? 0 : k % nslots, PHASE_UPDATING, k % 100, NULL);
	return (gb_ns(CLOCK_MONOTONIC) - t0) / n;
}

static const char *
gb_form_name(grid_form f)
{
	static const char *const names[] = { "FULL", "COMPACT2", "COMPACT1", "TINY" };
	return f <= GRID_FORM_TINY ? names[f] : "?";
}

int
main(int argc, char **argv)
{
	int            nslots = 128, frames = 300, cols = 200, lines = 60, out_fd, master;
	station_config cfg;
	pthread_t      th;
	drain          d = { .bytes = 0 };
	int64_t        ns_all, ns_one, cpu_all, cpu_one, ns_apply;
	unsigned long  b_all, b_one;
	grid          *g;
	FILE          *out;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--slots") == 0)
			nslots = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--frames") == 0)
			frames = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--cols") == 0)
			cols = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--lines") == 0)
			lines = atoi(argv[i + 1]);
	}
	if (nslots < 1 || frames < 1) {
		fprintf(stderr, "usage: gridbench [--slots N] [--frames F] [--cols C] [--lines L]\n");
		return 2;
	}
	/* Our own results go to the real stdout, kept aside. */
	out_fd = dup(1);
	out = out_fd >= 0 ? fdopen(out_fd, "w") : NULL;
	setenv("TERM", "xterm-256color", 1);
	setenv("LANG", "C.UTF-8", 1);
	setenv("LC_ALL", "C.UTF-8", 1);
	master = gb_terminal(cols, lines);
	if (out == NULL || master < 0) {
		fprintf(stderr, "gridbench: no pseudo-terminal\n");
		return 1;
	}
	d.fd = master;
	pthread_mutex_init(&d.lock, NULL);
	pthread_create(&th, NULL, gb_drain, &d);
	memset(&cfg, 0, sizeof cfg);
	snprintf(cfg.name, sizeof cfg.name, "bench");
	g = grid_new(NULL, &cfg, "");
	if (g == NULL) {
		fprintf(out, "gridbench: the grid could not take the terminal\n");
		return 1;
	}
	grid_model_ensure(&g->m, nslots);
	gb_fill(g, nslots);
	gb_frames(g, nslots, 5, true, &d, &ns_all, &cpu_all, &b_all);   /* first paint */
	gb_frames(g, nslots, frames, true, &d, &ns_all, &cpu_all, &b_all);
	gb_frames(g, nslots, frames, false, &d, &ns_one, &cpu_one, &b_one);
	ns_apply = gb_apply_cost(g, nslots);
	fprintf(out, "form=%s\nslots=%d\nterminal=%dx%d\nframes=%d\n", gb_form_name(g->layout.form),
	    nslots, cols, lines, frames);
	fprintf(out, "ns_per_frame_all=%lld\ncpu_ns_per_frame_all=%lld\nbytes_per_frame_all=%lu\n",
	    (long long)ns_all, (long long)cpu_all, b_all);
	fprintf(out, "ns_per_frame_one=%lld\ncpu_ns_per_frame_one=%lld\nbytes_per_frame_one=%lu\n",
	    (long long)ns_one, (long long)cpu_one, b_one);
	fprintf(out, "ns_per_apply=%lld\n", (long long)ns_apply);
	fflush(out);
	/* grid_free prints its summary line to the pty; the drain reads it. */
	grid_free(g);
	return 0;
}
