/*
 * station: the running station. Owns the slots and their worker threads,
 * the counters every exit condition reads, and the limit on concurrent
 * uploads. The main thread runs station_run(): it starts one worker per
 * slot, then waits -- for signals, for units to finish, for the idle timer
 * -- and decides when the program ends (docs/contract.md: --once, --max-units,
 * --idle-exit, SIGINT/SIGTERM).
 *
 * USB slots get their port from discovery (station/discovery.c) through
 * station_usb_port(): a mailbox per slot (usb_tty, usb_gen, wake_pipe)
 * that the slot's worker reads. Without a slots list every Quectel module
 * on USB becomes a slot of its own, labelled by its port path, with its
 * worker started on arrival. A unit in flight whose module comes back on
 * another port path (SuperSpeed companion bus, moved by a person) is
 * found by its IMEI and handed back to its first slot: the other path is
 * then "lent" to that slot until the module leaves it.
 */
#ifndef STATION_H
#define STATION_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "packages/pkg.h"
#include "station/bus.h"
#include "station/journal.h"
#include "station/discovery.h"
#include "station/portwatch.h"
#include "station/unit.h"

typedef struct station_options {
	bool        once;
	bool        dry_run;
	bool        verbose;
	int         max_units;       /* 0: no limit              */
	double      idle_exit;       /* s; 0: never              */
	double      stop_grace;      /* s a running update may take to reach a safe point */
	const char *operator_name;   /* overrides the config     */
	/* What each slot's thread runs (arg: the slot), until the slot ends.
	 * The composition root hands it in (app/run.c: worker_run), so the
	 * supervisor never calls its workers by name. */
	void     *(*worker)(void *slot);
} station_options;

typedef struct station station;

typedef struct slot {
	station         *st;
	int              index;
	char             label[32];
	const cfg_slot  *cfg;
	char             serial_path[CFG_PATH_MAX];
	char             urc_serial[CFG_PATH_MAX];
	int              baud;
	char             model_hint[32];
	int              stop_pipe[2];   /* readable end wakes every wait */
	pthread_t        thread;
	bool             started;
	bool             had_unit;       /* --once: this slot took a unit  */
	/* USB slots: where the supervisor says the AT port is. Under the
	 * station lock; every change bumps usb_gen and wakes the worker. */
	char             usb_path[64];   /* "" for serial slots            */
	char             usb_tty[CFG_PATH_MAX]; /* "" while the port is gone */
	uint16_t         usb_pid;
	unsigned         usb_gen;
	int              wake_pipe[2];   /* a byte: the port changed       */
	bool             port_watched;   /* serial: portwatch wakes it     */
	/* A unit an earlier run left in flight in this slot (journal). */
	journal_unit    *recovered;
	bool             in_danger;      /* past the trigger: stopping would cut an update */
	char             home_tty[CFG_PATH_MAX]; /* the tty on this slot's own path */
	int              lent_to;        /* this path's port goes to that slot; -1 */
	int              borrowed;       /* this worker follows that slot's path; -1 */
	char             unit_imei[24];  /* unit in flight (from the bus), "" */
	bool             exited;         /* the worker thread has returned  */
	/* Operator requests, under the station lock. */
	bool             retry_requested;
	bool             stop_requested;
} slot;

struct station {
	const station_config *cfg;
	const pkg_catalog    *cat;
	bus                  *bus;
	journal              *journal;   /* NULL in a dry run             */
	station_options       opt;
	char                  run_id[40];
	char                  operator_name[64];
	slot                 *slots;     /* slots_cap of them, never moved  */
	int                   nslots;    /* grows under lock (discovery)   */
	int                   slots_cap;
	discovery            *disc;      /* NULL when USB is not used      */
	portwatch            *ports;     /* serial slots' port names; NULL */

	pthread_mutex_t       lock;      /* guards everything below        */
	pthread_cond_t        changed;   /* a unit started/finished; stop  */
	bool                  stopping;  /* no new units                   */
	bool                  paused;    /* operator: no new units for now */
	bool                  quit;      /* operator asked to quit         */
	int                   busy;      /* units in progress              */
	int                   finished;  /* units finished                 */
	int                   workers_done;
	int                   results[RESULT_COUNT];
	int64_t               last_activity_ms;
	int                   uploads;   /* uploads running now            */
	pthread_cond_t        upload_free;
	char                  failure[256]; /* why station_run returned 3 */
};

int  station_init(station *st, const station_config *cfg, const pkg_catalog *cat,
                  bus *b, const station_options *opt);
/* Without a slots list, how many USB modules can be slots at once. */
#define STATION_MAX_SLOTS 256

/* Starts the workers (and USB discovery) and waits until the program
 * should end; returns the exit status of docs/contract.md (0, 1, or 3 when USB
 * discovery cannot run). */
int  station_run(station *st);
void station_free(station *st);
/* Hands the units an earlier run left in flight to their slots; those whose
 * slot no longer exists are reported ABORTED at once. */
int  station_recover(station *st, journal *j, const journal_unit *units, size_t n);

/* Called by workers. */
bool station_may_start(station *st);          /* false once stopping     */
void station_unit_began(station *st);
void station_unit_ended(station *st, unit_result r);
void station_worker_exited(station *st);
/* Waits for an upload place (max_parallel_uploads); false when stopped. */
bool station_upload_acquire(station *st);
void station_upload_release(station *st);
void station_post(station *st, bus_event *ev);

/* Operator controls (the grid's keys). All are safe from any thread. */
void station_set_paused(station *st, bool paused);      /* p */
bool station_is_paused(station *st);
/* r: run the failed unit in slot i again (it is still in the slot). */
void station_slot_retry(station *st, int i);
/* s: stop slot i's unit; it is reported ABORTED with its phase. */
void station_slot_stop(station *st, int i);
/* q: end the run, as SIGINT does. */
void station_request_quit(station *st);
/* Units in progress now. */
int  station_busy(station *st);
/* Worker side: marks the slot as past the point where stopping cuts an
 * update (a stop then waits policy.stop_grace for a safe point). */
void station_set_danger(station *st, int i, bool danger);
/* Worker side: takes (clears) the slot's pending retry request. */
bool station_take_retry(station *st, int i);
/* Worker side: takes (clears) an operator's stop of slot i; false when
 * there is none, or the whole station is stopping (that stop stays). */
bool station_take_stop(station *st, int i);
/* Whether slot i's stop came from the operator (s), not the station. */
bool station_slot_operator_stop(station *st, int i);
/* Copies the labels of slots from, from+1, ... (at most max); returns how
 * many. Slots are only ever added, so a reader can ask for the new ones. */
int  station_slot_labels(station *st, int from, char (*labels)[32], int max);
/* The operator name every row carries (--operator, else the config). */
void station_operator(station *st, char *out, size_t len);
/* Worker side, USB slots: the AT tty, if it is up with a generation newer
 * than after_gen; copies it and its generation. */
bool station_usb_tty(station *st, int i, unsigned after_gen, char *tty,
                     size_t len, unsigned *gen);
/* Discovery side: the AT port of the module at usb_path is tty (NULL: it
 * is gone). Finds the slot of that path -- or, without a slots list,
 * creates one and starts its worker -- and posts the news to whichever
 * worker follows that path. False when no slot takes the path. */
bool station_usb_port(station *st, const char *usb_path, const char *tty, uint16_t pid);
/* Worker side, USB slots: the unit with this IMEI, just identified on slot
 * i's port of generation gen, is a unit in flight in another slot whose
 * port went away: its port (and later news of its path) goes to that
 * slot. The caller closes the port right away without reading it. Returns
 * that slot's index, or -1 when no unit in flight has this IMEI. */
int  station_usb_hand_over(station *st, int i, const char *imei, unsigned gen);
/* Worker side, USB slots: a module in the middle of an update, which does
 * not say who it is (its updater ignores AT), came up on slot i's port of
 * generation gen. When exactly one unit in flight awaits its port's return
 * (a unit on the same ports of another bus, the SuperSpeed companion,
 * wins) the port goes to that unit's slot as in
 * station_usb_hand_over; its worker checks the IMEI after the final boot.
 * Returns that slot's index, or -1 when the match is not certain. */
int  station_usb_hand_over_updating(station *st, int i, unsigned gen);

#endif
