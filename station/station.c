/*
 * station: slots, worker threads and the decision to stop.
 *
 * Signals: SIGINT and SIGTERM are blocked in every thread (main blocks them
 * before any thread starts) and taken here with sigtimedwait(), so no
 * handler ever runs inside a worker and stopping is an ordinary decision of
 * the main thread. Stopping means: no new units (station_may_start() turns
 * false), then every worker's stop pipe is written, which wakes whatever it
 * waits on. Units cut short are reported ABORTED by their workers.
 *
 * Counters (busy, finished, results) live under one mutex; the condition
 * variable wakes the main loop when they change.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "station/station.h"
#include "station/worker.h"

static void
station_make_run_id(station *st)
{
	int64_t   ms = unit_now_ms();
	time_t    secs = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(st->run_id, sizeof st->run_id, "%04d%02d%02dT%02d%02d%02dZ-%ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (long)getpid());
}

static int
station_add_serial_slot(station *st, const cfg_slot *cs)
{
	slot *sl = &st->slots[st->nslots];

	memset(sl, 0, sizeof *sl);
	sl->st = st;
	sl->index = st->nslots;
	sl->cfg = cs;
	snprintf(sl->label, sizeof sl->label, "%s", cs->label);
	snprintf(sl->serial_path, sizeof sl->serial_path, "%s", cs->serial);
	snprintf(sl->usb_path, sizeof sl->usb_path, "%s", cs->usb_path);
	snprintf(sl->urc_serial, sizeof sl->urc_serial, "%s", cs->urc_serial);
	snprintf(sl->model_hint, sizeof sl->model_hint, "%s", cs->model);
	sl->baud = cs->baud > 0 ? cs->baud : 115200;
	if (pipe2(sl->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	if (pipe2(sl->wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	st->nslots++;
	return 0;
}

int
station_init(station *st, const station_config *cfg, const pkg_catalog *cat,
             bus *b, const station_options *opt)
{
	memset(st, 0, sizeof *st);
	st->cfg = cfg;
	st->cat = cat;
	st->bus = b;
	st->opt = *opt;
	snprintf(st->operator_name, sizeof st->operator_name, "%s",
	    opt->operator_name != NULL ? opt->operator_name : cfg->operator_name);
	station_make_run_id(st);
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->changed, NULL);
	pthread_cond_init(&st->upload_free, NULL);
	st->slots = calloc(cfg->nslots > 0 ? cfg->nslots : 1, sizeof *st->slots);
	if (st->slots == NULL)
		return -1;
	for (size_t i = 0; i < cfg->nslots; i++)
		if (cfg->slots[i].serial[0] != '\0' && station_add_serial_slot(st, &cfg->slots[i]) != 0)
			return -1;
	st->last_activity_ms = unit_now_ms();
	return 0;
}

void
station_post(station *st, bus_event *ev)
{
	bus_post(st->bus, ev);
}

bool
station_may_start(station *st)
{
	bool ok;

	pthread_mutex_lock(&st->lock);
	ok = !st->stopping;
	pthread_mutex_unlock(&st->lock);
	return ok;
}

void
station_set_paused(station *st, bool paused)
{
	pthread_mutex_lock(&st->lock);
	st->paused = paused;
	pthread_cond_broadcast(&st->changed);
	pthread_mutex_unlock(&st->lock);
}

bool
station_is_paused(station *st)
{
	bool p;

	pthread_mutex_lock(&st->lock);
	p = st->paused;
	pthread_mutex_unlock(&st->lock);
	return p;
}

void
station_slot_retry(station *st, int i)
{
	if (i < 0 || i >= st->nslots)
		return;
	pthread_mutex_lock(&st->lock);
	st->slots[i].retry_requested = true;
	pthread_mutex_unlock(&st->lock);
}

bool
station_take_retry(station *st, int i)
{
	bool r;

	pthread_mutex_lock(&st->lock);
	r = st->slots[i].retry_requested;
	st->slots[i].retry_requested = false;
	pthread_mutex_unlock(&st->lock);
	return r;
}

void
station_slot_stop(station *st, int i)
{
	ssize_t n;

	if (i < 0 || i >= st->nslots)
		return;
	pthread_mutex_lock(&st->lock);
	st->slots[i].stop_requested = true;
	pthread_mutex_unlock(&st->lock);
	n = write(st->slots[i].stop_pipe[1], "s", 1);
	(void)n;
}

void
station_request_quit(station *st)
{
	pthread_mutex_lock(&st->lock);
	st->quit = true;
	pthread_cond_broadcast(&st->changed);
	pthread_mutex_unlock(&st->lock);
}

bool
station_usb_tty(station *st, int i, unsigned after_gen, char *tty, size_t len,
                unsigned *gen)
{
	slot *sl = &st->slots[i];
	bool  up;

	pthread_mutex_lock(&st->lock);
	up = sl->usb_tty[0] != '\0' && sl->usb_gen > after_gen;
	if (up) {
		snprintf(tty, len, "%s", sl->usb_tty);
		*gen = sl->usb_gen;
	}
	pthread_mutex_unlock(&st->lock);
	return up;
}

int
station_busy(station *st)
{
	int b;

	pthread_mutex_lock(&st->lock);
	b = st->busy;
	pthread_mutex_unlock(&st->lock);
	return b;
}

void
station_unit_began(station *st)
{
	pthread_mutex_lock(&st->lock);
	st->busy++;
	st->last_activity_ms = unit_now_ms();
	pthread_cond_broadcast(&st->changed);
	pthread_mutex_unlock(&st->lock);
}

void
station_unit_ended(station *st, unit_result r)
{
	pthread_mutex_lock(&st->lock);
	st->busy--;
	st->finished++;
	if (r >= 0 && r < RESULT_COUNT)
		st->results[r]++;
	st->last_activity_ms = unit_now_ms();
	pthread_cond_broadcast(&st->changed);
	pthread_mutex_unlock(&st->lock);
}

void
station_worker_exited(station *st)
{
	pthread_mutex_lock(&st->lock);
	st->workers_done++;
	pthread_cond_broadcast(&st->changed);
	pthread_mutex_unlock(&st->lock);
}

bool
station_upload_acquire(station *st)
{
	int max = st->cfg->policy.max_parallel_uploads;

	pthread_mutex_lock(&st->lock);
	while (max > 0 && st->uploads >= max && !st->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		/* Timed: a stop broadcasts, but a missed wake-up must not hang. */
		pthread_cond_timedwait(&st->upload_free, &st->lock, &ts);
	}
	bool ok = !st->stopping;
	if (ok)
		st->uploads++;
	pthread_mutex_unlock(&st->lock);
	return ok;
}

void
station_upload_release(station *st)
{
	pthread_mutex_lock(&st->lock);
	st->uploads--;
	pthread_cond_signal(&st->upload_free);
	pthread_mutex_unlock(&st->lock);
}

static void
station_stop_workers(station *st)
{
	pthread_mutex_lock(&st->lock);
	st->stopping = true;
	pthread_cond_broadcast(&st->upload_free);
	pthread_mutex_unlock(&st->lock);
	for (int i = 0; i < st->nslots; i++) {
		ssize_t n = write(st->slots[i].stop_pipe[1], "x", 1);
		(void)n;   /* a full pipe is already a stop */
	}
}

/* Whether an exit condition of the command line holds (lock held). */
static bool
station_should_end(const station *st)
{
	if (st->quit || st->workers_done >= st->nslots)
		return true;
	if (st->opt.max_units > 0 && st->finished >= st->opt.max_units)
		return true;
	if (st->opt.idle_exit > 0 && st->busy == 0 &&
	    unit_now_ms() - st->last_activity_ms >= (int64_t)(st->opt.idle_exit * 1000))
		return true;
	return false;
}

static void
station_wait(station *st, const sigset_t *sigs)
{
	for (;;) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 100 * 1000000L };
		int             sig = sigtimedwait(sigs, NULL, &ts);
		bool            end;

		if (sig == SIGINT || sig == SIGTERM) {
			fprintf(stderr, "dfota-station: %s: no new units; stopping running ones\n",
			    sig == SIGINT ? "interrupted" : "terminated");
			return;
		}
		pthread_mutex_lock(&st->lock);
		end = station_should_end(st);
		pthread_mutex_unlock(&st->lock);
		if (end)
			return;
	}
}

int
station_run(station *st)
{
	sigset_t sigs;
	int      status;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	for (int i = 0; i < st->nslots; i++) {
		if (pthread_create(&st->slots[i].thread, NULL, worker_run, &st->slots[i]) != 0) {
			fprintf(stderr, "dfota-station: cannot start the worker of slot %s\n",
			    st->slots[i].label);
			station_worker_exited(st);
			continue;
		}
		st->slots[i].started = true;
	}
	station_wait(st, &sigs);
	station_stop_workers(st);
	for (int i = 0; i < st->nslots; i++)
		if (st->slots[i].started)
			pthread_join(st->slots[i].thread, NULL);
	pthread_mutex_lock(&st->lock);
	status = (st->results[RESULT_FAIL] > 0 || st->results[RESULT_ABORTED] > 0 ||
	    st->results[RESULT_NO_PACKAGE] > 0) ? 1 : 0;
	pthread_mutex_unlock(&st->lock);
	return status;
}

void
station_free(station *st)
{
	for (int i = 0; i < st->nslots; i++) {
		close(st->slots[i].stop_pipe[0]);
		close(st->slots[i].stop_pipe[1]);
		close(st->slots[i].wake_pipe[0]);
		close(st->slots[i].wake_pipe[1]);
	}
	free(st->slots);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->changed);
	pthread_cond_destroy(&st->upload_free);
}
