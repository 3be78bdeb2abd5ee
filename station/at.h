/*
 * at: the AT channel to one module.
 *
 * Reads bytes from the serial port and frames them into lines (CR, LF or
 * both; split and merged reads; echo on or off). A command waits for its
 * final result -- OK, ERROR, +CME ERROR: n, +CMS ERROR: n, CONNECT, NO
 * CARRIER -- within a timeout; information lines in between are its answer.
 * Every other line (URCs such as +QIND, banners such as RDY, anything that
 * arrives while no command is pending) is queued as unsolicited for the
 * worker. In data mode (uploads) raw bytes go out in blocks and the module's
 * one-byte 'A' acknowledgements are counted.
 *
 * Every line in and out is handed to the trace hook (the unit's timeline).
 * Every wait also watches the worker's stop descriptor, so a worker blocked
 * here can always be stopped. The channel is used by one thread: its worker.
 */
#ifndef AT_H
#define AT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "station/serial.h"

typedef enum at_status {
	AT_OK = 0,
	AT_ERROR,        /* ERROR or NO CARRIER                          */
	AT_CME_ERROR,    /* +CME ERROR / +CMS ERROR: code in resp->code   */
	AT_CONNECT,      /* CONNECT: the module waits for data            */
	AT_TIMEOUT,      /* no final result (or line) within the timeout  */
	AT_PORT_LOST,    /* end of file, hang-up or I/O error on the port */
	AT_STOPPED,      /* the worker was told to stop                   */
} at_status;

#define AT_MAX_LINES 16
#define AT_LINE_MAX  512

typedef struct at_response {
	at_status status;
	int       code;                 /* CME/CMS number, -1 when none */
	char      final[AT_LINE_MAX];   /* the final result line         */
	int       nlines;
	char      lines[AT_MAX_LINES][AT_LINE_MAX];
} at_response;

/* What a trace line is: the channel's own kinds, so the AT layer knows
 * nothing of the event bus above it. */
typedef enum at_trace_kind {
	AT_TRACE_TX,     /* a command or data sent        */
	AT_TRACE_RX,     /* a line received               */
	AT_TRACE_NOTE,   /* the channel's own remark      */
} at_trace_kind;

typedef struct at_hooks {
	void (*trace)(void *ctx, at_trace_kind kind, const char *text);
	void  *ctx;
	int    stop_fd;      /* readable: stop waiting; -1 for none */
} at_hooks;

typedef struct at_channel at_channel;

/* Takes ownership of port. */
at_channel *at_open(serial_port *port, const at_hooks *hooks);
void        at_close(at_channel *ch);
serial_port *at_port(at_channel *ch);

/* Sends cmd + CR and waits up to timeout_ms for its final result. */
at_status   at_command(at_channel *ch, const char *cmd, int timeout_ms,
                       at_response *resp);
/* As at_command, for the first command after a boot: a RDY (or APP RDY)
 * that arrives while it waits ends the wait at once, AT_TIMEOUT with
 * resp->final "RDY" (the RDY is queued as unsolicited too): the module
 * became ready after the command went and lost it; send it again now. */
at_status   at_probe(at_channel *ch, const char *cmd, int timeout_ms,
                     at_response *resp);
/* Waits for a final result without sending (after a data phase). */
at_status   at_finish(at_channel *ch, int timeout_ms, at_response *resp);
/* The next unsolicited line: AT_OK with line filled, or AT_TIMEOUT,
 * AT_PORT_LOST, AT_STOPPED. */
at_status   at_next_line(at_channel *ch, int timeout_ms, char *line, size_t len);
/* Data mode: writes data in blocks of ack_block bytes, waiting up to
 * ack_timeout_ms for the module's 'A' after each block but the last
 * (ack_block 0: no acks, one stream). progress(ctx, bytes_sent) after each
 * block may be NULL. AT_OK, AT_TIMEOUT (an ack did not come), AT_ERROR (the
 * module answered with a final result before the end: at_finish() reads
 * it), AT_PORT_LOST, AT_STOPPED. */
at_status   at_send_data(at_channel *ch, const uint8_t *data, size_t len,
                         size_t ack_block, int ack_timeout_ms,
                         void (*progress)(void *ctx, size_t sent), void *ctx);
/* Drops the unsolicited lines waiting (they are in the trace already):
 * what the module said before a command that starts something new must not
 * be read as its answer. Returns how many. */
size_t      at_discard_pending(at_channel *ch);
/* Reads what the module sends until the line stays quiet for quiet_ms
 * (0: only what is there now), 1.5 s at the most; unsolicited lines and
 * "+XXX:" lines that are no final result are queued for at_next_line(),
 * every other line is dropped and noted in the trace; a fragment without
 * its line end stays (it may be a line still arriving). Returns how many lines were dropped. at_open drains with 0, every
 * timeout and error result drains on its own. */
size_t      at_drain(at_channel *ch, int quiet_ms);
/* Gets a module out of data mode (an upload that its sender left: a cut
 * station, another program): guard_ms of silence, "+++", guard_ms of
 * silence (the guides' escape; modules that do not honour it end data mode
 * on their own after <timeout> s without a byte), then up to wait_ms of
 * silence from our side while the module's final result arrives. Does not
 * watch the stop descriptor: it runs when a stop cut an upload. True when
 * the module gave a final result (it is in command mode again). */
bool        at_leave_data(at_channel *ch, int guard_ms, int wait_ms);
/* Lines the module sent since the open (answers, echoes, unsolicited):
 * 0 after commands were sent is a module that neither answers nor echoes,
 * as one in data mode. */
size_t      at_rx_lines(const at_channel *ch);
/* Unsolicited lines waiting for at_next_line(). */
size_t      at_pending(const at_channel *ch);
/* True for lines that are never part of a command's answer. */
bool        at_is_unsolicited(const char *line);
const char *at_status_name(at_status s);

#endif
