/*
 * sim_loop: ppoll() plus a timer min-heap; see sim_loop.h.
 *
 * Each iteration fires the timers that are due, builds the pollfd array from
 * the active watches, sleeps until the next timer, and then calls back the
 * watches that have events. A callback may start or stop any watch or timer
 * (a module reboot closes its pty and opens another one from inside a
 * callback), so dispatch goes through a snapshot of (watch, generation)
 * pairs taken when the pollfd array was built.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "sim/sim_loop.h"

struct sim_loop {
	uint64_t    origin;      /* CLOCK_MONOTONIC at creation, us */
	bool        stop;
	sim_timer **heap;
	size_t      nheap, capheap;
	sim_watch **watches;
	size_t      nwatch, capwatch;
	/* Per-iteration scratch, kept to avoid an allocation per poll. */
	struct pollfd *pfd;
	sim_watch    **snap;
	unsigned      *snapgen;
	size_t         capscratch;
};

static uint64_t
clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int
grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void  *np;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * elem);
	if (np == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

sim_loop *
sim_loop_new(void)
{
	sim_loop *loop = calloc(1, sizeof *loop);

	if (loop != NULL)
		loop->origin = clock_us();
	return loop;
}

void
sim_loop_free(sim_loop *loop)
{
	if (loop == NULL)
		return;
	free(loop->heap);
	free(loop->watches);
	free(loop->pfd);
	free(loop->snap);
	free(loop->snapgen);
	free(loop);
}

uint64_t
sim_loop_now(const sim_loop *loop)
{
	return clock_us() - loop->origin;
}

void
sim_loop_stop(sim_loop *loop)
{
	loop->stop = true;
}

/* ---- timer heap ---------------------------------------------------- */

static void
heap_set(sim_loop *loop, size_t i, sim_timer *t)
{
	loop->heap[i] = t;
	t->slot = i;
}

static void
heap_up(sim_loop *loop, size_t i)
{
	sim_timer *t = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (loop->heap[parent]->due <= t->due)
			break;
		heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_set(loop, i, t);
}

static void
heap_down(sim_loop *loop, size_t i)
{
	sim_timer *t = loop->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= loop->nheap)
			break;
		if (c + 1 < loop->nheap && loop->heap[c + 1]->due < loop->heap[c]->due)
			c++;
		if (t->due <= loop->heap[c]->due)
			break;
		heap_set(loop, i, loop->heap[c]);
		i = c;
	}
	heap_set(loop, i, t);
}

static void
heap_remove(sim_loop *loop, size_t i)
{
	sim_timer *last = loop->heap[--loop->nheap];

	if (i == loop->nheap)
		return;
	heap_set(loop, i, last);
	heap_up(loop, i);
	heap_down(loop, last->slot);
}

void
sim_timer_init(sim_timer *t, sim_timer_cb *cb, void *arg)
{
	t->due = 0;
	t->slot = 0;
	t->armed = false;
	t->cb = cb;
	t->arg = arg;
}

void
sim_timer_start(sim_loop *loop, sim_timer *t, uint64_t delay_us)
{
	if (t->armed)
		sim_timer_stop(loop, t);
	if (grow((void **)&loop->heap, &loop->capheap, loop->nheap + 1,
	    sizeof *loop->heap) != 0)
		abort();        /* out of memory for a few pointers: give up */
	t->due = sim_loop_now(loop) + delay_us;
	t->armed = true;
	heap_set(loop, loop->nheap++, t);
	heap_up(loop, t->slot);
}

void
sim_timer_stop(sim_loop *loop, sim_timer *t)
{
	if (!t->armed)
		return;
	heap_remove(loop, t->slot);
	t->armed = false;
}

/* ---- watches --------------------------------------------------------- */

void
sim_watch_init(sim_watch *w, sim_watch_cb *cb, void *arg)
{
	w->fd = -1;
	w->events = 0;
	w->active = false;
	w->gen = 0;
	w->slot = 0;
	w->cb = cb;
	w->arg = arg;
}

int
sim_watch_start(sim_loop *loop, sim_watch *w, int fd, short events)
{
	if (w->active)
		sim_watch_stop(loop, w);
	if (grow((void **)&loop->watches, &loop->capwatch, loop->nwatch + 1,
	    sizeof *loop->watches) != 0)
		return -1;
	w->fd = fd;
	w->events = events;
	w->active = true;
	w->gen++;
	w->slot = loop->nwatch;
	loop->watches[loop->nwatch++] = w;
	return 0;
}

void
sim_watch_stop(sim_loop *loop, sim_watch *w)
{
	sim_watch *last;

	if (!w->active)
		return;
	last = loop->watches[--loop->nwatch];
	loop->watches[w->slot] = last;
	last->slot = w->slot;
	w->active = false;
	w->gen++;
	w->fd = -1;
}

/* ---- the loop -------------------------------------------------------- */

static void
fire_timers(sim_loop *loop)
{
	uint64_t now = sim_loop_now(loop);

	while (loop->nheap > 0 && loop->heap[0]->due <= now) {
		sim_timer *t = loop->heap[0];

		heap_remove(loop, 0);
		t->armed = false;
		t->cb(t->arg);
	}
}

static size_t
build_pollfds(sim_loop *loop)
{
	size_t n = 0;
	size_t need = loop->nwatch > 0 ? loop->nwatch : 1;

	if (grow((void **)&loop->pfd, &loop->capscratch, need,
	    sizeof *loop->pfd) != 0)
		abort();
	loop->snap = realloc(loop->snap, loop->capscratch * sizeof *loop->snap);
	loop->snapgen = realloc(loop->snapgen,
	    loop->capscratch * sizeof *loop->snapgen);
	if (loop->snap == NULL || loop->snapgen == NULL)
		abort();
	for (size_t i = 0; i < loop->nwatch; i++) {
		sim_watch *w = loop->watches[i];

		if (w->events == 0)
			continue;
		loop->pfd[n].fd = w->fd;
		loop->pfd[n].events = w->events;
		loop->pfd[n].revents = 0;
		loop->snap[n] = w;
		loop->snapgen[n] = w->gen;
		n++;
	}
	return n;
}

static int
poll_once(sim_loop *loop)
{
	struct timespec ts, *tsp = NULL;
	size_t n = build_pollfds(loop);
	int rc;

	if (loop->nheap > 0) {
		uint64_t now = sim_loop_now(loop), due = loop->heap[0]->due;
		uint64_t wait = due > now ? due - now : 0;

		ts.tv_sec = (time_t)(wait / 1000000u);
		ts.tv_nsec = (long)(wait % 1000000u) * 1000;
		tsp = &ts;
	}
	rc = ppoll(loop->pfd, n, tsp, NULL);
	if (rc < 0)
		return errno == EINTR ? 0 : -1;
	for (size_t i = 0; i < n && !loop->stop; i++) {
		sim_watch *w = loop->snap[i];

		if (loop->pfd[i].revents == 0)
			continue;
		/* A watch stopped or restarted by an earlier callback in
		 * this round has a new generation: its result is stale. */
		if (!w->active || w->gen != loop->snapgen[i])
			continue;
		w->cb(w->arg, loop->pfd[i].revents);
	}
	return 0;
}

int
sim_loop_run(sim_loop *loop)
{
	loop->stop = false;
	while (!loop->stop) {
		fire_timers(loop);
		if (loop->stop)
			break;
		if (poll_once(loop) != 0)
			return -1;
	}
	return 0;
}
