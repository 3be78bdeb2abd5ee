/*
 * worker_int: the worker's own state, shared by its files (worker.c: the
 * unit loop and identity; worker_deliver.c: upload, trigger;
 * worker_network.c: waiting for the network;
 * worker_follow.c: URCs, reboots, verify; worker_check.c: the acceptance
 * checks after it). Not for use outside the worker.
 */
#ifndef WORKER_INT_H
#define WORKER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "packages/pkg.h"
#include "station/at.h"
#include "station/identity.h"
#include "dialects/errors.h"
#include "dialects/models.h"
#include "station/station.h"
#include "dialects/urc.h"

typedef enum hop_rc {
	HOP_OK,
	HOP_FAIL,        /* w->u has the error; w->retry says if trying again helps */
	HOP_STOPPED,     /* the station stopped the worker                          */
	HOP_SWAPPED,     /* another unit came back in the slot                       */
} hop_rc;

typedef enum id_rc {
	ID_OK,
	ID_NO_ANSWER,    /* the port is there, nothing answers AT */
	ID_LOST,
	ID_STOPPED,
	ID_BAD,          /* answers, but not a usable identity (why in w->why) */
} id_rc;

/* The <timeout> our uploads give the module (s without a byte before it
 * leaves data mode on its own), and the guard time around "+++". */
#define WORKER_UPLOAD_TIMEOUT_S 5
#define WORKER_GUARD_MS         1000

typedef struct worker {
	slot             *sl;
	station          *st;
	const cfg_policy *pol;
	at_channel       *ch;
	unit_record       u;
	ident             id;
	bool              active;        /* a unit is being handled     */
	bool              retry;         /* the last failure may pass on another try */
	bool              keep_port;     /* a new unit is already on the open port   */
	bool              adopting;      /* following an update we did not start     */
	unsigned          usb_gen;       /* generation of the USB tty last opened    */
	bool              journaled;     /* a BEGIN for this unit is in the journal  */
	unit_phase        phase;
	int               percent;
	char              why[256];
	int               talk_fails;    /* identifications in a row that failed
	                                    on a port where a module talks */
	int64_t           escaped_ms;    /* last try to get a silent module out of
	                                    data mode (mono ms), 0 = never */
} worker;

/* worker_io.c */
void      worker_post(worker *w, bus_kind kind, char *text, unit_record *unit);
/* A copy of the unit's record for the bus (the bus frees it); NULL. */
unit_record *worker_unit_copy(const worker *w);
int       worker_cmd_ms(const worker *w);
void      worker_set(worker *w, unit_phase ph, int percent);
void      worker_note(worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
hop_rc    worker_fail(worker *w, unit_phase ph, int code, bool retry,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
hop_rc    worker_fail_code(worker *w, unit_phase ph, err_context ctx, int code,
                           const char *what);
at_status worker_cmd(worker *w, at_response *r, const char *fmt, ...)
                     __attribute__((format(printf, 3, 4)));
at_status worker_connect(worker *w, int64_t deadline, bool quiet);
at_status worker_try_connect(worker *w, bool quiet);
/* Why cmd did not answer OK (r from worker_cmd), for a message: "no
 * answer to AT+X within 5 s", "AT+X answered +CME ERROR: 10". */
void      worker_cmd_why(const worker *w, const char *cmd, const at_response *r,
                         char *why, size_t len);
at_channel *worker_open_uart(worker *w);
void      worker_disconnect(worker *w, const char *why);
bool      worker_sleep(worker *w, int ms);
id_rc     worker_identify(worker *w, ident *id, int64_t deadline);

void      worker_journal_begin(worker *w);

/* worker_network.c: waiting until the module is registered. */
typedef enum reg_rc {
	REG_OK,          /* registered: out->line is the answer that says so */
	REG_TIMEOUT,     /* not within the timeout: out->stat, out->line     */
	REG_LOST,        /* the port went away: out->failure                 */
	REG_STOPPED,     /* the station stopped the worker                   */
} reg_rc;

typedef struct reg_wait {
	int    stat;                   /* the state that tells most of the last
	                                  round (checks_reg_telling); -1 none */
	char   line[AT_LINE_MAX];      /* the answer it came from; ""         */
	char   failure[UNIT_TEXT_MAX]; /* the last query that did not answer
	                                  OK, in words; ""                    */
	double waited_s;
} reg_wait;

/* Asks queries (up to nqueries, NULL ends them sooner) in turn, each
 * second, until one says home or roaming or timeout_s has passed; notes
 * the wait in the unit's timeline. */
reg_rc    worker_wait_registered(worker *w, const char *const *queries,
                                 size_t nqueries, double timeout_s, reg_wait *out);
/* "not registered on a network within 60 s: searching (2), ... (+CEREG:
 * 0,2)" for a REG_TIMEOUT. */
void      worker_reg_why(const reg_wait *rw, double timeout_s, char *buf, size_t len);
/* The model guide's network check before a URL download, waiting for the
 * registration within verify.network_timeout. */
hop_rc    worker_url_network(worker *w);

/* worker_deliver.c */
hop_rc    worker_deliver(worker *w, const pkg *hop, bool *url);

/* worker_follow.c */
/* hop is NULL when adopting a unit found mid-update; first is a URC that
 * was already read (or NULL). */
hop_rc    worker_follow(worker *w, const pkg *hop, bool url, const urc_event *first);

/* worker_check.c: the verify checks, once hop's revision is verified;
 * HOP_OK when they pass (or hop is not the last of the plan). */
hop_rc    worker_check(worker *w, const pkg *hop);

#endif
