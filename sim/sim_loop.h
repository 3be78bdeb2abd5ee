/*
 * sim_loop: the single-threaded event loop that runs every emulated module.
 *
 * One ppoll() waits on all watched file descriptors (each module's pty
 * master, the signalfd) and on the earliest timer of a binary min-heap, so
 * 128 idle modules cost one sleeping system call. Timers and watches are
 * structs embedded in their owner (a module, an output queue); the loop only
 * keeps pointers to them, so arming and stopping never allocates and an
 * owner can stop its timers before it goes away.
 *
 * Time is microseconds since the loop was created (CLOCK_MONOTONIC).
 */
#ifndef SIM_LOOP_H
#define SIM_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_loop sim_loop;

typedef void sim_timer_cb(void *arg);
typedef void sim_watch_cb(void *arg, short revents);

typedef struct sim_timer {
	uint64_t      due;     /* loop time in us                        */
	size_t        slot;    /* index in the heap while armed          */
	bool          armed;
	sim_timer_cb *cb;
	void         *arg;
} sim_timer;

typedef struct sim_watch {
	int           fd;
	short         events;  /* POLLIN, POLLOUT                        */
	bool          active;
	unsigned      gen;     /* bumped on every start/stop: a stale poll
	                        * result for a reused watch is ignored    */
	size_t        slot;
	sim_watch_cb *cb;
	void         *arg;
} sim_watch;

sim_loop *sim_loop_new(void);
void      sim_loop_free(sim_loop *loop);
uint64_t  sim_loop_now(const sim_loop *loop);
/* Runs until sim_loop_stop(); returns 0, or -1 if ppoll fails. */
int       sim_loop_run(sim_loop *loop);
void      sim_loop_stop(sim_loop *loop);

void sim_timer_init(sim_timer *t, sim_timer_cb *cb, void *arg);
/* (Re)arms the timer delay_us from now. */
void sim_timer_start(sim_loop *loop, sim_timer *t, uint64_t delay_us);
void sim_timer_stop(sim_loop *loop, sim_timer *t);

void sim_watch_init(sim_watch *w, sim_watch_cb *cb, void *arg);
int  sim_watch_start(sim_loop *loop, sim_watch *w, int fd, short events);
void sim_watch_stop(sim_loop *loop, sim_watch *w);

#endif
