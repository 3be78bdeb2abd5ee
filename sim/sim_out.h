/*
 * sim_out: the output queue of one emulated port.
 *
 * The module writes whole "writes" (a response, a URC, an ack); sim_out
 * sends them to the pty master without ever blocking the loop: what the
 * tty does not take now waits here until POLLOUT. With the `split` fault
 * every write leaves in fragments of 1..7 bytes with a 1..3 ms gap between
 * them, drawn from the queue's own rng so that the bytes and their cut
 * points do not depend on what else the module does meanwhile.
 */
#ifndef SIM_OUT_H
#define SIM_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim_loop.h"
#include "sim/sim_rng.h"

/* Bytes a port holds for a station that does not read; beyond this they
 * are dropped (and counted), so a forgotten port cannot eat memory. */
#define SIM_OUT_MAX (1u << 20)

typedef struct sim_out {
	sim_loop *loop;
	int       fd;        /* -1 while the port is down */
	sim_watch watch;     /* POLLOUT while bytes wait  */
	sim_timer gap;       /* split: pause between fragments */
	uint8_t  *buf;
	size_t    len, cap;
	size_t    dropped;
	bool      split;
	sim_rng   rng;
} sim_out;

void sim_out_init(sim_out *o, sim_loop *loop, bool split, uint64_t seed);
void sim_out_free(sim_out *o);
/* The port came up on fd; queued bytes start flowing. */
void sim_out_attach(sim_out *o, int fd);
/* Writes what the tty takes right now, ignoring split gaps: a module
 * finishes its last line before it resets. */
void sim_out_drain(sim_out *o);
/* Bytes queued, not yet written. */
size_t sim_out_pending(const sim_out *o);
/* The port went away: pending bytes are lost, as on a real USB reset. */
void sim_out_detach(sim_out *o);
void sim_out_write(sim_out *o, const void *data, size_t len);

#endif
