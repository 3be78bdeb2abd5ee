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
 *
 * USB: discovery calls station_usb_port() from its supervisor thread. The
 * slots array is allocated once (the configured slots, or
 * STATION_MAX_SLOTS without a slots list) so a slot pointer never moves
 * while nslots grows under the lock. Each USB slot has a mailbox (usb_tty,
 * usb_gen) and a wake pipe; which mailbox a path's news goes to is decided
 * here, so that a unit whose module came back on another path (matched by
 * IMEI in station_usb_hand_over) keeps following it from its first slot.
 * Units in flight are known from the bus (BUS_UNIT_START/END pass through
 * station_post), so the worker needs no bookkeeping of its own for this.
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

/* Fills slots[nslots] (cs NULL: a USB slot found by discovery, labelled
 * by its path); the caller counts it in nslots. */
static int
station_fill_slot(station *st, const cfg_slot *cs, const char *usb_path)
{
	slot *sl = &st->slots[st->nslots];

	memset(sl, 0, sizeof *sl);
	sl->st = st;
	sl->index = st->nslots;
	sl->cfg = cs;
	sl->lent_to = sl->borrowed = -1;
	sl->stop_pipe[0] = sl->stop_pipe[1] = sl->wake_pipe[0] = sl->wake_pipe[1] = -1;
	if (cs != NULL) {
		snprintf(sl->label, sizeof sl->label, "%s", cs->label);
		snprintf(sl->serial_path, sizeof sl->serial_path, "%s", cs->serial);
		snprintf(sl->usb_path, sizeof sl->usb_path, "%s", cs->usb_path);
		snprintf(sl->urc_serial, sizeof sl->urc_serial, "%s", cs->urc_serial);
		snprintf(sl->model_hint, sizeof sl->model_hint, "%s", cs->model);
		sl->baud = cs->baud > 0 ? cs->baud : 115200;
	} else {
		snprintf(sl->label, sizeof sl->label, "%s", usb_path);
		snprintf(sl->usb_path, sizeof sl->usb_path, "%s", usb_path);
		sl->baud = 115200;
	}
	if (pipe2(sl->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	if (pipe2(sl->wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		close(sl->stop_pipe[0]);
		close(sl->stop_pipe[1]);
		return -1;
	}
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
	st->slots_cap = cfg->nslots > 0 ? (int)cfg->nslots : STATION_MAX_SLOTS;
	st->slots = calloc((size_t)st->slots_cap, sizeof *st->slots);
	if (st->slots == NULL)
		return -1;
	for (size_t i = 0; i < cfg->nslots; i++) {
		if (station_fill_slot(st, &cfg->slots[i], NULL) != 0)
			return -1;
		st->nslots++;
	}
	st->last_activity_ms = unit_now_ms();
	return 0;
}

/* Which unit is in flight in which slot, for station_usb_hand_over. */
static void
station_track_unit(station *st, const bus_event *ev)
{
	slot *sl;

	if (ev->slot < 0 || ev->unit == NULL ||
	    (ev->kind != BUS_UNIT_START && ev->kind != BUS_UNIT_END))
		return;
	pthread_mutex_lock(&st->lock);
	sl = &st->slots[ev->slot];
	snprintf(sl->unit_imei, sizeof sl->unit_imei, "%s",
	    ev->kind == BUS_UNIT_START ? ev->unit->imei : "");
	pthread_mutex_unlock(&st->lock);
}

void
station_post(station *st, bus_event *ev)
{
	station_track_unit(st, ev);
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

bool
station_take_stop(station *st, int i)
{
	bool r;

	pthread_mutex_lock(&st->lock);
	r = st->slots[i].stop_requested && !st->stopping;
	if (r)
		st->slots[i].stop_requested = false;
	pthread_mutex_unlock(&st->lock);
	return r;
}

bool
station_slot_operator_stop(station *st, int i)
{
	bool r;

	pthread_mutex_lock(&st->lock);
	r = st->slots[i].stop_requested && !st->stopping;
	pthread_mutex_unlock(&st->lock);
	return r;
}

int
station_slot_labels(station *st, int from, char (*labels)[32], int max)
{
	int k = 0;

	pthread_mutex_lock(&st->lock);
	for (int i = from; i < st->nslots && k < max; i++, k++)
		snprintf(labels[k], sizeof labels[k], "%s", st->slots[i].label);
	pthread_mutex_unlock(&st->lock);
	return k;
}

void
station_operator(station *st, char *out, size_t len)
{
	/* Set once at init, before any thread starts; never changed. */
	snprintf(out, len, "%s", st->operator_name);
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

static void
station_wake(slot *sl)
{
	ssize_t n = write(sl->wake_pipe[1], "u", 1);

	(void)n;   /* a full pipe already wakes the worker */
}

/* Sets slot sl's mailbox (lock held): a new generation on every change,
 * even to the same name -- a re-enumerated port may get its old name. */
static void
station_mailbox(slot *sl, const char *tty)
{
	snprintf(sl->usb_tty, sizeof sl->usb_tty, "%s", tty);
	sl->usb_gen++;
	station_wake(sl);
}

static void *
station_worker_main(void *arg)
{
	slot *sl = arg;

	sl->st->opt.worker(sl);
	pthread_mutex_lock(&sl->st->lock);
	sl->exited = true;
	pthread_cond_broadcast(&sl->st->changed);
	pthread_mutex_unlock(&sl->st->lock);
	return NULL;
}

static void
station_start_worker(station *st, slot *sl)
{
	bool ok = pthread_create(&sl->thread, NULL, station_worker_main, sl) == 0;

	pthread_mutex_lock(&st->lock);
	sl->started = ok;
	sl->exited = !ok;
	pthread_mutex_unlock(&st->lock);
	if (!ok) {
		fprintf(stderr, "dfota-station: cannot start the worker of slot %s\n", sl->label);
		station_worker_exited(st);
	}
}

/* The slot of a path; without a slots list a new one for a port that is
 * up (lock held). NULL when none takes it. *created says whether its
 * worker must start. */
static slot *
station_usb_slot(station *st, const char *usb_path, bool up, bool *created)
{
	*created = false;
	for (int i = 0; i < st->nslots; i++)
		if (strcmp(st->slots[i].usb_path, usb_path) == 0)
			return &st->slots[i];
	if (st->cfg->nslots > 0 || st->stopping || !up)
		return NULL;
	if (st->nslots == st->slots_cap) {
		fprintf(stderr, "dfota-station: USB %s: already %d slots; module ignored\n",
		    usb_path, st->slots_cap);
		return NULL;
	}
	if (station_fill_slot(st, NULL, usb_path) != 0)
		return NULL;
	*created = true;
	return &st->slots[st->nslots++];
}

bool
station_usb_port(station *st, const char *usb_path, const char *tty, uint16_t pid)
{
	slot *home, *to;
	bool  created;

	pthread_mutex_lock(&st->lock);
	home = station_usb_slot(st, usb_path, tty != NULL, &created);
	if (home == NULL) {
		pthread_mutex_unlock(&st->lock);
		return false;
	}
	home->usb_pid = pid;
	snprintf(home->home_tty, sizeof home->home_tty, "%s", tty != NULL ? tty : "");
	if (home->lent_to >= 0) {
		/* The path is followed by the slot whose unit came back here. */
		to = &st->slots[home->lent_to];
		station_mailbox(to, home->home_tty);
		if (tty == NULL && to->unit_imei[0] == '\0') {
			/* That unit is over and has left: both slots go back to
			 * their own paths. */
			to->borrowed = home->lent_to = -1;
			station_mailbox(to, to->home_tty);
			station_mailbox(home, "");
		}
	} else if (home->borrowed < 0) {
		station_mailbox(home, home->home_tty);
	}
	/* else: this worker follows another path now; its own path's news
	 * waits in home_tty until then. */
	pthread_mutex_unlock(&st->lock);
	if (created)
		station_start_worker(st, home);
	return true;
}

/* Can slot i's port (of generation gen) be handed to another slot? Not
 * when it follows another path, or lends its own, or has news since. */
static bool
station_usb_may_lend(const station *st, int i, unsigned gen)
{
	const slot *here = &st->slots[i];

	return here->usb_path[0] != '\0' && here->lent_to < 0 && here->borrowed < 0 &&
	    here->usb_gen == gen;
}

/* Slot k has a unit in flight whose own port went away (rebooting, or
 * pulled out), and it follows no other path. */
static bool
station_usb_awaits(const station *st, int k, int i)
{
	const slot *o = &st->slots[k];

	return k != i && o->usb_path[0] != '\0' && o->usb_tty[0] == '\0' && o->lent_to < 0 &&
	    o->borrowed < 0 && o->unit_imei[0] != '\0';
}

/* The port path without its bus: "1-1.2" -> "1.2". A SuperSpeed module
 * that comes back on the companion bus keeps its port numbers. */
static const char *
station_usb_ports_of(const char *path)
{
	const char *dash = strchr(path, '-');

	return dash != NULL ? dash + 1 : path;
}

/* Called locked: slot here's port, and the later news of its path, go to
 * owner's worker; both timelines get the note. */
static void
station_usb_lend(slot *here, slot *owner, char *note, size_t len,
                 const char *why)
{
	here->lent_to = owner->index;
	owner->borrowed = here->index;
	/* Empty without a new generation: this worker has just closed the
	 * port and must not open it again. */
	here->usb_tty[0] = '\0';
	station_mailbox(owner, here->home_tty);
	snprintf(note, len, "unit IMEI %s came back on USB %s (it left from %s)%s; "
	    "followed on from slot %s", owner->unit_imei, here->usb_path, owner->usb_path, why,
	    owner->label);
}

static void
station_usb_notes(station *st, int owner, int here, const char *note)
{
	bus_event ev = { .kind = BUS_NOTE, .slot = owner, .phase = PHASE_REBOOT,
	    .percent = -1, .error_code = -1, .text = strdup(note) };

	snprintf(ev.slot_label, sizeof ev.slot_label, "%s", st->slots[owner].label);
	bus_post(st->bus, &ev);
	ev = (bus_event){ .kind = BUS_NOTE, .slot = here, .phase = PHASE_WAIT,
	    .percent = -1, .error_code = -1, .text = strdup(note) };
	snprintf(ev.slot_label, sizeof ev.slot_label, "%s", st->slots[here].label);
	bus_post(st->bus, &ev);
}

int
station_usb_hand_over(station *st, int i, const char *imei, unsigned gen)
{
	slot *owner = NULL;
	char  note[320];

	if (imei == NULL || imei[0] == '\0')
		return -1;
	pthread_mutex_lock(&st->lock);
	for (int k = 0; k < st->nslots && owner == NULL && station_usb_may_lend(st, i, gen); k++)
		if (station_usb_awaits(st, k, i) && strcmp(st->slots[k].unit_imei, imei) == 0)
			owner = &st->slots[k];
	if (owner == NULL) {
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	station_usb_lend(&st->slots[i], owner, note, sizeof note, "");
	pthread_mutex_unlock(&st->lock);
	station_usb_notes(st, owner->index, i, note);
	return owner->index;
}

int
station_usb_hand_over_updating(station *st, int i, unsigned gen)
{
	slot *here = &st->slots[i], *owner = NULL;
	int   nsame = 0, nany = 0, same = -1, any = -1;
	char  note[320];

	pthread_mutex_lock(&st->lock);
	for (int k = 0; k < st->nslots && station_usb_may_lend(st, i, gen); k++) {
		const slot *o = &st->slots[k];
		/* No product id check: an updater may enumerate as another
		 * product than the firmware it updates. */
		if (!station_usb_awaits(st, k, i))
			continue;
		nany++;
		any = k;
		if (strcmp(station_usb_ports_of(o->usb_path), station_usb_ports_of(here->usb_path)) == 0) {
			nsame++;
			same = k;
		}
	}
	/* Only a match without doubt: the one unit awaiting its return, or
	 * the one on the same ports of another bus. */
	if (nsame == 1)
		owner = &st->slots[same];
	else if (nany == 1)
		owner = &st->slots[any];
	if (owner == NULL) {
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	station_usb_lend(here, owner, note, sizeof note,
	    nsame == 1 ? ", in its updater, on the same ports of another bus" :
	    ", in its updater, the only unit awaiting its return");
	pthread_mutex_unlock(&st->lock);
	station_usb_notes(st, owner->index, i, note);
	return owner->index;
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
station_wake_worker(slot *sl)
{
	ssize_t n = write(sl->stop_pipe[1], "x", 1);

	(void)n;   /* a full pipe is already a stop */
}

/* Stops every worker. A worker whose module is past the trigger is not
 * cut at once: cutting the port or power in UPDATING is what bricks a
 * module, so it gets policy.stop_grace seconds to reach the end of its
 * update; a second signal (sigs) cuts it anyway. Whatever is cut is
 * reported ABORTED by its worker. */
static void
station_stop_workers(station *st, const sigset_t *sigs)
{
	int64_t deadline = unit_now_ms() + (int64_t)(st->cfg->policy.stop_grace * 1000);
	bool    told = false;

	pthread_mutex_lock(&st->lock);
	st->stopping = true;
	pthread_cond_broadcast(&st->upload_free);
	pthread_mutex_unlock(&st->lock);
	/* The grid's quit was confirmed by a person told what it cuts. */
	pthread_mutex_lock(&st->lock);
	if (sigs == NULL || st->quit)
		deadline = 0;
	pthread_mutex_unlock(&st->lock);
	for (;;) {
		int waiting = 0;

		pthread_mutex_lock(&st->lock);
		for (int i = 0; i < st->nslots; i++) {
			if (st->slots[i].in_danger && unit_now_ms() < deadline)
				waiting++;
			else
				station_wake_worker(&st->slots[i]);
		}
		pthread_mutex_unlock(&st->lock);
		if (waiting == 0)
			return;
		if (!told) {
			fprintf(stderr, "dfota-station: waiting up to %g s for %d update(s) to finish "
			    "(signal again to cut them)\n", st->cfg->policy.stop_grace, waiting);
			told = true;
		}
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 100 * 1000000L };
		int sig = sigtimedwait(sigs, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM)
			deadline = 0;
	}
}

/* --once with USB discovery (lock held): every static serial slot has
 * finished or given up, and no USB slot holds a unit or a module that is
 * about to be one. A USB slot that never got a module does not hold the
 * exit, so --once means "the modules attached now (and those that arrive
 * while they run)". */
static bool
station_once_done(const station *st)
{
	if (st->busy > 0 || discovery_busy(st->disc))
		return false;
	for (int i = 0; i < st->nslots; i++) {
		const slot *sl = &st->slots[i];
		if (sl->exited)
			continue;
		if (sl->usb_path[0] == '\0' || sl->usb_tty[0] != '\0' || sl->borrowed >= 0)
			return false;
	}
	return true;
}

/* Whether an exit condition of the command line holds (lock held). */
static bool
station_should_end(const station *st)
{
	if (st->quit)
		return true;
	if (st->opt.max_units > 0 && st->finished >= st->opt.max_units)
		return true;
	if (st->opt.idle_exit > 0 && st->busy == 0 &&
	    unit_now_ms() - st->last_activity_ms >= (int64_t)(st->opt.idle_exit * 1000))
		return true;
	/* Without discovery the slots are fixed: they all ended (--once). With
	 * it, a slot may still come; only --once ends on its own. */
	if (st->disc == NULL)
		return st->workers_done >= st->nslots;
	return st->opt.once && station_once_done(st);
}

/* On a port's news, for discovery: station_usb_port with our context. */
static bool
station_on_port(void *ctx, const char *usb_path, const char *tty, uint16_t pid)
{
	return station_usb_port(ctx, usb_path, tty, pid);
}

/* USB discovery runs when the file asks for it and some slot is USB (or
 * there is no slots list: every module is a slot). */
static bool
station_wants_usb(const station *st)
{
	if (!st->cfg->discovery.usb)
		return false;
	if (st->cfg->nslots == 0)
		return true;
	for (size_t i = 0; i < st->cfg->nslots; i++)
		if (st->cfg->slots[i].usb_path[0] != '\0')
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

/* Serial slots wait for their port on their wake pipe, woken by one
 * portwatch for the station; without it they poll (worker_connect). */
static void
station_watch_ports(station *st)
{
	char err[256];

	if ((st->ports = portwatch_new()) == NULL)
		return;
	for (int i = 0; i < st->nslots; i++) {
		slot *sl = &st->slots[i];
		if (sl->usb_path[0] == '\0' && sl->serial_path[0] != '\0')
			sl->port_watched = portwatch_add(st->ports, sl->serial_path, sl->wake_pipe[1]) == 0;
	}
	if (portwatch_start(st->ports, err, sizeof err) != 0) {
		fprintf(stderr, "dfota-station: %s\n", err);
		for (int i = 0; i < st->nslots; i++)
			st->slots[i].port_watched = false;
		portwatch_free(st->ports);
		st->ports = NULL;
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
	station_watch_ports(st);
	for (int i = 0; i < st->nslots; i++)
		station_start_worker(st, &st->slots[i]);
	if (station_wants_usb(st)) {
		discovery_options o = {
			.rescan_ms = st->cfg->discovery.rescan_interval_ms,
			.tty_wait_ms = 3000, .verbose = st->opt.verbose,
			.on_port = station_on_port, .ctx = st,
		};
		char       err[256];
		discovery *d = discovery_start(&o, err, sizeof err);
		if (d == NULL) {
			fprintf(stderr, "dfota-station: %s\n", err);
			snprintf(st->failure, sizeof st->failure, "%s", err);
			station_stop_workers(st, NULL);
			for (int i = 0; i < st->nslots; i++)
				if (st->slots[i].started)
					pthread_join(st->slots[i].thread, NULL);
			portwatch_free(st->ports);
			st->ports = NULL;
			return 3;
		}
		pthread_mutex_lock(&st->lock);
		st->disc = d;
		pthread_mutex_unlock(&st->lock);
	}
	station_wait(st, &sigs);
	/* No new slots from here on: nslots stays as it is. */
	discovery_stop(st->disc);
	pthread_mutex_lock(&st->lock);
	st->disc = NULL;
	pthread_mutex_unlock(&st->lock);
	station_stop_workers(st, &sigs);
	for (int i = 0; i < st->nslots; i++)
		if (st->slots[i].started)
			pthread_join(st->slots[i].thread, NULL);
	portwatch_free(st->ports);
	st->ports = NULL;
	pthread_mutex_lock(&st->lock);
	status = (st->results[RESULT_FAIL] > 0 || st->results[RESULT_ABORTED] > 0 ||
	    st->results[RESULT_NO_PACKAGE] > 0) ? 1 : 0;
	pthread_mutex_unlock(&st->lock);
	return status;
}

/* A journaled unit whose slot is gone from the station file: reported
 * ABORTED straight away, so nothing in flight is ever left unreported. */
static void
station_report_orphan(station *st, const journal_unit *ju)
{
	bus_event    ev = { .kind = BUS_UNIT_START, .slot = -1, .percent = ju->percent,
	                    .error_code = -1, .phase = ju->phase };
	unit_record *u = malloc(sizeof *u);

	if (u == NULL)
		return;
	*u = ju->unit;
	u->result = RESULT_ABORTED;
	u->error_phase = ju->phase;
	u->error_code = -1;
	snprintf(u->error_text, sizeof u->error_text,
	    "station stopped during %s (crash or power cut); slot %s is no longer configured",
	    unit_phase_name(ju->phase), ju->unit.slot);
	u->finished_ms = unit_now_ms();
	snprintf(ev.slot_label, sizeof ev.slot_label, "%s", ju->unit.slot);
	ev.unit = malloc(sizeof *u);
	if (ev.unit != NULL)
		*ev.unit = *u;
	bus_post(st->bus, &ev);
	ev.kind = BUS_UNIT_END;
	ev.unit = u;
	bus_post(st->bus, &ev);
	pthread_mutex_lock(&st->lock);
	st->finished++;
	st->results[RESULT_ABORTED]++;
	pthread_mutex_unlock(&st->lock);
}

int
station_recover(station *st, journal *j, const journal_unit *units, size_t n)
{
	st->journal = j;
	for (size_t k = 0; k < n; k++) {
		slot *sl = NULL;
		for (int i = 0; i < st->nslots && sl == NULL; i++)
			if (strcmp(st->slots[i].label, units[k].unit.slot) == 0)
				sl = &st->slots[i];
		if (sl == NULL || sl->recovered != NULL) {
			station_report_orphan(st, &units[k]);
			continue;
		}
		sl->recovered = malloc(sizeof *sl->recovered);
		if (sl->recovered == NULL)
			return -1;
		*sl->recovered = units[k];
	}
	return 0;
}

void
station_set_danger(station *st, int i, bool danger)
{
	pthread_mutex_lock(&st->lock);
	st->slots[i].in_danger = danger;
	pthread_mutex_unlock(&st->lock);
}

void
station_free(station *st)
{
	for (int i = 0; i < st->nslots; i++) {
		close(st->slots[i].stop_pipe[0]);
		close(st->slots[i].stop_pipe[1]);
		close(st->slots[i].wake_pipe[0]);
		close(st->slots[i].wake_pipe[1]);
		free(st->slots[i].recovered);
	}
	free(st->slots);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->changed);
	pthread_cond_destroy(&st->upload_free);
}
