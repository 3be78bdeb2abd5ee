/*
 * sim_upload: data mode, the binary transfer after CONNECT.
 *
 * Two framings exist. AT+QFUPL (UFS models, BG96's /fota) answers one 'A'
 * per complete 1024 bytes in ack mode 1 (none after the final byte) and
 * ends with "+QFUPL: <size>,<checksum>"; an idle gap of <timeout> seconds
 * stores what arrived and answers +CME ERROR: 421. AT+QFOTADL="COM:" (BG95)
 * sends no acks, ends with "+QFOTADL: <size>,<checksum>", and leaves data
 * mode on "+++" framed by one second of silence before and after, keeping
 * what arrived. The checksum is the packages/ XOR-16.
 *
 * The timeouts, the +++ guard time and slowack delays are the station's
 * side of the protocol, so they are real time and not scaled by --speed.
 */
#ifndef SIM_UPLOAD_H
#define SIM_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packages/pkg_checksum.h"
#include "sim/sim_files.h"
#include "sim/sim_loop.h"

typedef struct sim_module sim_module;

typedef enum sim_upload_kind {
	SIM_UPLOAD_NONE = 0,
	SIM_UPLOAD_QFUPL,
	SIM_UPLOAD_COM,
} sim_upload_kind;

typedef struct sim_upload {
	sim_upload_kind kind;
	char            name[SIM_NAME_MAX];
	size_t          size, got;
	uint8_t        *data;         /* owned until stored */
	pkg_checksum    sum;
	bool            ack;          /* QFUPL ack mode 1   */
	unsigned        timeout_ms;
	uint64_t        last_byte;    /* loop time          */
	sim_timer       idle;         /* no byte for timeout */
	/* Acks waiting for slowack: due times, a FIFO. */
	uint64_t       *ack_due;
	size_t          ack_head, ack_n, ack_cap;
	sim_timer       ack_timer;
	bool            finished;     /* all bytes in; result after the acks */
	/* "+++" seen after a guard gap, waiting for the trailing guard. */
	int             plus;
	sim_timer       guard;
} sim_upload;

void   sim_upload_init(sim_upload *u, sim_module *m);
void   sim_upload_free(sim_module *m);
bool   sim_upload_active(const sim_upload *u);
/* Enters data mode (the caller has checked the arguments): sends CONNECT. */
void   sim_upload_start(sim_module *m, sim_upload_kind kind, const char *name,
           size_t size, unsigned timeout_s, bool ack);
/* Feeds received bytes; returns how many it took (>= 1 while active). */
size_t sim_upload_feed(sim_module *m, const uint8_t *p, size_t n);
/* The port went away: drop the transfer. */
void   sim_upload_cancel(sim_module *m);

#endif
