/*
 * sim_upload: data mode after CONNECT; see sim_upload.h.
 *
 * Bytes are summed and stored as they come. Acks are written at once, or
 * queued with their due time under fault slowack; the final result waits
 * until every queued ack has gone, so the station never sees the result
 * before the last ack. Fault hang:upload freezes the module half-way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_at.h"
#include "sim/sim_module.h"

#define ACK_BLOCK 1024
#define GUARD_MS  1000         /* "+++" needs 1 s of silence on both sides */

static void upload_finish(sim_module *m);

static void
upload_reset(sim_module *m)
{
	sim_upload *u = &m->up;
	sim_loop *loop = m->env->loop;

	sim_timer_stop(loop, &u->idle);
	sim_timer_stop(loop, &u->ack_timer);
	sim_timer_stop(loop, &u->guard);
	free(u->data);
	u->data = NULL;
	u->kind = SIM_UPLOAD_NONE;
	u->got = u->size = 0;
	u->ack_head = u->ack_n = 0;
	u->finished = false;
	u->plus = 0;
}

/* Keeps what arrived, as the guides say both framings do. */
static void
store(sim_module *m)
{
	sim_upload *u = &m->up;

	if (u->kind == SIM_UPLOAD_QFUPL) {
		sim_files_put(&m->files, u->name, u->data, u->got);
	} else {
		free(m->com_pkg);
		m->com_pkg = u->data;
		m->com_pkg_len = u->got;
		m->has_com_pkg = true;
	}
	u->data = NULL;   /* ownership moved */
}

static void
result(sim_module *m)
{
	sim_upload *u = &m->up;
	uint16_t sum = pkg_checksum_final(&u->sum);
	sim_resp r;

	/* Fault badsum: a checksum that does not match the bytes. */
	if (m->spec.fault.badsum)
		sum ^= 0x5a5a;
	bool     start;

	sim_resp_init(&r);
	sim_resp_line(&r, "%s: %zu,%x", u->kind == SIM_UPLOAD_QFUPL ?
	    "+QFUPL" : "+QFOTADL", u->got, (unsigned)sum);
	/* BG95 trigger mode 1 (AT+QFOTADL=3): "trigger DFOTA update
	 * immediately after DFOTA package is downloaded" -- a whole COM:
	 * package is one, so the update starts without AT+QFOTADL=1. */
	start = u->kind == SIM_UPLOAD_COM && u->got == u->size &&
	    m->trigger_mode == 1 && !sim_fota_busy(&m->fota);
	store(m);
	upload_reset(m);
	sim_resp_send(m, &r, "OK");
	if (start) {
		sim_module_log(m, "trigger mode 1: the update starts by itself");
		sim_fota_package(m, m->com_pkg, m->com_pkg_len);
	}
}

static void
on_ack_due(void *arg)
{
	sim_module *m = arg;
	sim_upload *u = &m->up;
	uint64_t now = sim_loop_now(m->env->loop);

	while (u->ack_n > 0 && u->ack_due[u->ack_head] <= now) {
		sim_module_send_raw(m, "A", 1);
		u->ack_head = (u->ack_head + 1) % u->ack_cap;
		u->ack_n--;
	}
	if (u->ack_n > 0)
		sim_timer_start(m->env->loop, &u->ack_timer,
		    u->ack_due[u->ack_head] - now);
	else if (u->finished)
		result(m);
}

static void
queue_ack(sim_module *m)
{
	sim_upload *u = &m->up;
	uint64_t due = sim_loop_now(m->env->loop) +
	    (uint64_t)m->spec.fault.slowack_ms * 1000u;

	if (u->ack_n == u->ack_cap) {
		size_t ncap = u->ack_cap ? u->ack_cap * 2 : 16;
		uint64_t *nq = malloc(ncap * sizeof *nq);

		if (nq == NULL)
			return;    /* the ack is lost, as on a busy module */
		for (size_t i = 0; i < u->ack_n; i++)
			nq[i] = u->ack_due[(u->ack_head + i) % u->ack_cap];
		free(u->ack_due);
		u->ack_due = nq;
		u->ack_cap = ncap;
		u->ack_head = 0;
	}
	u->ack_due[(u->ack_head + u->ack_n) % u->ack_cap] = due;
	if (u->ack_n++ == 0)
		sim_timer_start(m->env->loop, &u->ack_timer,
		    (uint64_t)m->spec.fault.slowack_ms * 1000u);
}

static void
ack(sim_module *m)
{
	if (m->spec.fault.silentack)
		return;
	if (m->spec.fault.slowack_ms > 0)
		queue_ack(m);
	else
		sim_module_send_raw(m, "A", 1);
}

static void
upload_finish(sim_module *m)
{
	sim_upload *u = &m->up;

	sim_timer_stop(m->env->loop, &u->idle);
	u->finished = true;
	sim_module_log(m, "upload complete, %zu bytes", u->got);
	if (u->ack_n == 0)
		result(m);
}

static void
on_idle(void *arg)
{
	sim_module *m = arg;
	sim_upload *u = &m->up;
	bool qfupl = u->kind == SIM_UPLOAD_QFUPL;

	sim_module_log(m, "upload timeout after %zu of %zu bytes", u->got,
	    u->size);
	store(m);
	upload_reset(m);
	if (qfupl)
		sim_at_cme(m, 421);
	else
		sim_at_error(m);
}

/* "+++" with its trailing second of silence: leave data mode. */
static void
on_guard(void *arg)
{
	sim_module *m = arg;

	sim_module_log(m, "+++ after %zu bytes: data mode left", m->up.got);
	store(m);
	upload_reset(m);
	sim_at_ok(m);
}

static void
add_byte(sim_module *m, uint8_t c)
{
	sim_upload *u = &m->up;

	u->data[u->got++] = c;
	pkg_checksum_update(&u->sum, &c, 1);
	if (u->ack && u->got % ACK_BLOCK == 0 && u->got < u->size)
		ack(m);
}

/* Pluses held back as a possible escape turn out to be data. */
static void
release_plus(sim_module *m)
{
	int n = m->up.plus;

	m->up.plus = 0;
	sim_timer_stop(m->env->loop, &m->up.guard);
	for (int i = 0; i < n && m->up.got < m->up.size; i++)
		add_byte(m, '+');
}

static bool
escape_byte(sim_module *m, uint8_t c, uint64_t now)
{
	sim_upload *u = &m->up;

	if (u->kind != SIM_UPLOAD_COM || c != '+')
		return false;
	if (u->plus == 0 && now - u->last_byte < (uint64_t)GUARD_MS * 1000u)
		return false;
	if (u->plus == 3)
		return false;
	if (++u->plus == 3)
		sim_timer_start(m->env->loop, &u->guard,
		    (uint64_t)GUARD_MS * 1000u);
	return true;
}

size_t
sim_upload_feed(sim_module *m, const uint8_t *p, size_t n)
{
	sim_upload *u = &m->up;
	uint64_t now = sim_loop_now(m->env->loop);
	size_t i = 0;

	while (i < n && u->kind != SIM_UPLOAD_NONE && !u->finished) {
		uint8_t c = p[i++];

		if (!escape_byte(m, c, now)) {
			if (u->plus > 0)
				release_plus(m);
			if (u->got < u->size)
				add_byte(m, c);
		}
		u->last_byte = now;
		if (m->spec.fault.hang == SIM_PHASE_UPLOAD && u->got >= u->size / 2) {
			sim_module_hang(m);
			return n;
		}
		if (u->got == u->size) {
			upload_finish(m);
			break;
		}
	}
	if (u->kind != SIM_UPLOAD_NONE && !u->finished)
		sim_timer_start(m->env->loop, &u->idle,
		    (uint64_t)u->timeout_ms * 1000u);
	/* Bytes after the last one of a finished upload are not data; while
	 * the result waits for slow acks they are swallowed like data. */
	return i > 0 ? i : n;
}

void
sim_upload_start(sim_module *m, sim_upload_kind kind, const char *name,
    size_t size, unsigned timeout_s, bool ackmode)
{
	sim_upload *u = &m->up;

	upload_reset(m);
	u->data = malloc(size);
	if (u->data == NULL) {
		sim_at_cme(m, 420);
		return;
	}
	u->kind = kind;
	snprintf(u->name, sizeof u->name, "%s", name);
	u->size = size;
	u->ack = ackmode;
	u->timeout_ms = (timeout_s ? timeout_s : 5) * 1000u;
	u->last_byte = sim_loop_now(m->env->loop);
	pkg_checksum_init(&u->sum);
	sim_module_log(m, "upload %s %zu bytes, timeout %u s, ack %d",
	    kind == SIM_UPLOAD_COM ? "COM:" : name, size, timeout_s, ackmode);
	sim_module_send_raw(m, "\r\nCONNECT\r\n", 11);
	sim_timer_start(m->env->loop, &u->idle, (uint64_t)u->timeout_ms * 1000u);
}

void
sim_upload_init(sim_upload *u, sim_module *m)
{
	memset(u, 0, sizeof *u);
	sim_timer_init(&u->idle, on_idle, m);
	sim_timer_init(&u->ack_timer, on_ack_due, m);
	sim_timer_init(&u->guard, on_guard, m);
}

bool
sim_upload_active(const sim_upload *u)
{
	return u->kind != SIM_UPLOAD_NONE;
}

void
sim_upload_cancel(sim_module *m)
{
	if (sim_upload_active(&m->up))
		sim_module_log(m, "upload dropped");
	upload_reset(m);
}

void
sim_upload_free(sim_module *m)
{
	upload_reset(m);
	free(m->up.ack_due);
	m->up.ack_due = NULL;
	m->up.ack_cap = 0;
}
