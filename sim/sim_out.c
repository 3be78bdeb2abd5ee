/*
 * sim_out: non-blocking queued writes with optional fragmenting; see
 * sim_out.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/sim_out.h"

static void out_flush(sim_out *o);
static void out_consume(sim_out *o, size_t n);

static void
out_on_gap(void *arg)
{
	out_flush(arg);
}

static void
out_on_writable(void *arg, short revents)
{
	sim_out *o = arg;

	if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		/* Nothing will drain this fd any more. */
		sim_watch_stop(o->loop, &o->watch);
		return;
	}
	sim_watch_stop(o->loop, &o->watch);
	out_flush(o);
}

void
sim_out_init(sim_out *o, sim_loop *loop, bool split, uint64_t seed)
{
	memset(o, 0, sizeof *o);
	o->loop = loop;
	o->fd = -1;
	o->split = split;
	sim_rng_seed(&o->rng, seed);
	sim_watch_init(&o->watch, out_on_writable, o);
	sim_timer_init(&o->gap, out_on_gap, o);
}

void
sim_out_free(sim_out *o)
{
	sim_out_detach(o);
	free(o->buf);
	o->buf = NULL;
	o->cap = 0;
}

void
sim_out_attach(sim_out *o, int fd)
{
	o->fd = fd;
	out_flush(o);
}

void
sim_out_detach(sim_out *o)
{
	sim_watch_stop(o->loop, &o->watch);
	sim_timer_stop(o->loop, &o->gap);
	o->fd = -1;
	o->len = 0;
}

void
sim_out_drain(sim_out *o)
{
	while (o->fd >= 0 && o->len > 0) {
		ssize_t w = write(o->fd, o->buf, o->len);

		if (w <= 0)
			return;
		out_consume(o, (size_t)w);
	}
}

size_t
sim_out_pending(const sim_out *o)
{
	return o->len;
}

void
sim_out_write(sim_out *o, const void *data, size_t len)
{
	if (o->len + len > SIM_OUT_MAX) {
		o->dropped += len;
		return;
	}
	if (o->len + len > o->cap) {
		size_t ncap = o->cap ? o->cap : 256;
		uint8_t *nb;

		while (ncap < o->len + len)
			ncap *= 2;
		nb = realloc(o->buf, ncap);
		if (nb == NULL) {
			o->dropped += len;
			return;
		}
		o->buf = nb;
		o->cap = ncap;
	}
	memcpy(o->buf + o->len, data, len);
	o->len += len;
	if (!o->gap.armed && !o->watch.active)
		out_flush(o);
}

static void
out_consume(sim_out *o, size_t n)
{
	memmove(o->buf, o->buf + n, o->len - n);
	o->len -= n;
}

static void
out_flush(sim_out *o)
{
	while (o->fd >= 0 && o->len > 0) {
		size_t n = o->len;
		ssize_t w;

		if (o->split) {
			size_t frag = sim_rng_range(&o->rng, 1, 7);

			n = frag < n ? frag : n;
		}
		w = write(o->fd, o->buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				sim_watch_start(o->loop, &o->watch, o->fd, POLLOUT);
			/* Other errors: keep the bytes; a reboot detaches. */
			return;
		}
		out_consume(o, (size_t)w);
		if (o->split && o->len > 0) {
			sim_timer_start(o->loop, &o->gap,
			    1000u * sim_rng_range(&o->rng, 1, 3));
			return;
		}
	}
}
