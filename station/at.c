/*
 * at: line framing, command/result matching and data mode over one port.
 *
 * How it works: at_read_line() is the only place bytes enter. It polls the
 * port and the stop descriptor, appends what it reads to a line buffer and
 * returns complete lines; empty lines (the CR LF pairs that frame every
 * answer) are skipped. While a command is pending, lines are its answer
 * unless they are known unsolicited codes (a table of prefixes) or the echo
 * of the command itself; those go to the unsolicited queue, which
 * at_next_line() empties first. In ack mode a bare 'A' at the start of a
 * line is an upload acknowledgement, not text.
 *
 * A line longer than the buffer is cut and delivered in pieces (garbage on
 * the line must not block the channel); NUL bytes are line noise and are
 * dropped ("\0OK" is OK); other bytes that are not printable are left in
 * the line as they are: the timeline escapes them.
 *
 * Stale input is the other way an answer gets misread: a line left in the
 * tty by a cut upload or another program, or the late answer to a command
 * that timed out, would be taken as the answer to the next command and put
 * every later answer one step behind. So the channel drains what is
 * waiting when it opens, after every timeout and after every error
 * (at_drain: unsolicited codes and other "+XXX:" lines that are no final
 * result are kept for the worker,
 * everything else is dropped and noted in the trace).
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "station/unit.h"
#include "station/at.h"

#define AT_RXBUF      4096
#define AT_QUEUE_MAX  256

typedef struct at_queue {
	char  *line[AT_QUEUE_MAX];   /* FIFO */
	size_t head, len;
	size_t dropped;
} at_queue;

struct at_channel {
	serial_port *port;
	at_hooks     hooks;
	char         rx[AT_RXBUF];
	size_t       rxlen;
	size_t       rxscan;         /* bytes of rx already searched for EOL */
	bool         ack_mode;
	size_t       acks;
	bool         lost;
	size_t       rx_lines;       /* lines received since the open          */
	at_queue     urcs;           /* unsolicited lines, for the worker      */
	at_queue     held;           /* lines read during a data phase, for
	                                the result that follows it             */
};

/* Lines that are never an answer to a command of ours. */
static const char *const at_unsolicited_prefixes[] = {
	"+QIND:", "+LWM2M:", "RDY", "+CPIN:", "+QUSIM:", "+CFUN:",
	"POWERED DOWN", "NORMAL POWER DOWN", "+QSTAT:", "+CTZV:", "+CTZE:",
	"+QNTP:", "+CGEV:", "APP RDY", "+QCSQ:",
};

static void at_queue_clear(at_queue *q);

static const char *const at_status_names[] = {
	[AT_OK] = "OK", [AT_ERROR] = "ERROR", [AT_CME_ERROR] = "CME ERROR",
	[AT_CONNECT] = "CONNECT", [AT_TIMEOUT] = "timeout",
	[AT_PORT_LOST] = "port lost", [AT_STOPPED] = "stopped",
};

const char *
at_status_name(at_status s)
{
	return (s >= AT_OK && s <= AT_STOPPED) ? at_status_names[s] : "?";
}

bool
at_is_unsolicited(const char *line)
{
	for (size_t i = 0; i < sizeof at_unsolicited_prefixes / sizeof *at_unsolicited_prefixes; i++)
		if (strncasecmp(line, at_unsolicited_prefixes[i],
		    strlen(at_unsolicited_prefixes[i])) == 0)
			return true;
	return false;
}

static void
at_trace(at_channel *ch, at_trace_kind kind, const char *text)
{
	if (ch->hooks.trace != NULL)
		ch->hooks.trace(ch->hooks.ctx, kind, text);
}

at_channel *
at_open(serial_port *port, const at_hooks *hooks)
{
	at_channel *ch = calloc(1, sizeof *ch);

	if (ch == NULL) {
		serial_close(port);
		return NULL;
	}
	ch->port = port;
	if (hooks != NULL)
		ch->hooks = *hooks;
	else
		ch->hooks.stop_fd = -1;
	/* What the tty holds before we asked anything is nobody's answer. */
	at_drain(ch, 0);
	return ch;
}

void
at_close(at_channel *ch)
{
	if (ch == NULL)
		return;
	at_queue_clear(&ch->urcs);
	at_queue_clear(&ch->held);
	serial_close(ch->port);
	free(ch);
}

serial_port *
at_port(at_channel *ch)
{
	return ch->port;
}

static void
at_queue_push(at_queue *q, const char *line)
{
	char *copy = strdup(line);

	if (copy == NULL)
		return;
	if (q->len == AT_QUEUE_MAX) {
		/* Nobody is reading: keep the newest, count the rest. */
		free(q->line[q->head]);
		q->head = (q->head + 1) % AT_QUEUE_MAX;
		q->len--;
		q->dropped++;
	}
	q->line[(q->head + q->len) % AT_QUEUE_MAX] = copy;
	q->len++;
}

static bool
at_queue_pop(at_queue *q, char *line, size_t len)
{
	if (q->len == 0)
		return false;
	snprintf(line, len, "%s", q->line[q->head]);
	free(q->line[q->head]);
	q->head = (q->head + 1) % AT_QUEUE_MAX;
	q->len--;
	return true;
}

static void
at_queue_clear(at_queue *q)
{
	char line[AT_LINE_MAX];

	while (at_queue_pop(q, line, sizeof line))
		;
}

/* Upload acks arrive as bare 'A' bytes before any text. */
static void
at_take_acks(at_channel *ch)
{
	while (ch->ack_mode && ch->rxlen > 0 && ch->rx[0] == 'A' &&
	    (ch->rxlen == 1 || ch->rx[1] == 'A' || ch->rx[1] == '\r' ||
	     ch->rx[1] == '\n' || ch->rx[1] == '+')) {
		ch->acks++;
		memmove(ch->rx, ch->rx + 1, --ch->rxlen);
		ch->rxscan = 0;
	}
}

/* Takes one complete line out of rx, if there is one. */
static bool
at_take_line(at_channel *ch, char *line, size_t len)
{
	for (;;) {
		at_take_acks(ch);
		size_t i;
		for (i = ch->rxscan; i < ch->rxlen; i++)
			if (ch->rx[i] == '\r' || ch->rx[i] == '\n')
				break;
		if (i == ch->rxlen && ch->rxlen < sizeof ch->rx) {
			ch->rxscan = ch->rxlen;
			return false;
		}
		/* i is an end of line, or the buffer is full: cut there. */
		size_t n = i < len ? i : len - 1;
		memcpy(line, ch->rx, n);
		line[n] = '\0';
		size_t skip = i < ch->rxlen ? i + 1 : i;
		memmove(ch->rx, ch->rx + skip, ch->rxlen - skip);
		ch->rxlen -= skip;
		ch->rxscan = 0;
		/* NULs are noise on the line: they would end it early for
		 * every consumer, and one in front of OK must not hide it. */
		size_t k = 0;
		for (size_t j = 0; j < n; j++)
			if (line[j] != '\0')
				line[k++] = line[j];
		line[k] = '\0';
		n = k;
		if (n > 0)
			return true;
	}
}

/* Waits for bytes; AT_OK when some arrived. */
static at_status
at_fill(at_channel *ch, int64_t deadline)
{
	struct pollfd pfd[2];
	int           nfd = 1;

	if (ch->lost)
		return AT_PORT_LOST;
	pfd[0] = (struct pollfd){ .fd = serial_fd(ch->port), .events = POLLIN };
	if (ch->hooks.stop_fd >= 0) {
		pfd[1] = (struct pollfd){ .fd = ch->hooks.stop_fd, .events = POLLIN };
		nfd = 2;
	}
	for (;;) {
		int64_t left = deadline - unit_mono_ms();
		if (left < 0)
			left = 0;
		int r = poll(pfd, (nfds_t)nfd, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (nfd == 2 && (pfd[1].revents & POLLIN))
			return AT_STOPPED;
		if (r == 0)
			return AT_TIMEOUT;
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
			if (ch->rxlen == sizeof ch->rx)
				return AT_OK;
			ssize_t n = serial_read(ch->port, ch->rx + ch->rxlen,
			    sizeof ch->rx - ch->rxlen);
			if (n > 0) {
				ch->rxlen += (size_t)n;
				return AT_OK;
			}
			if (n < 0 || (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))) {
				ch->lost = true;
				return AT_PORT_LOST;
			}
		}
		if (left == 0)
			return AT_TIMEOUT;
	}
}

/* The next line from the port (or held back from a data phase). */
static at_status
at_read_line(at_channel *ch, int64_t deadline, char *line, size_t len)
{
	if (at_queue_pop(&ch->held, line, len))
		return AT_OK;
	for (;;) {
		if (at_take_line(ch, line, len)) {
			ch->rx_lines++;
			at_trace(ch, AT_TRACE_RX, line);
			return AT_OK;
		}
		at_status s = at_fill(ch, deadline);
		if (s != AT_OK)
			return s;
	}
}

static bool at_final(const char *line, at_response *r);

/* How long the line must stay quiet before a drain ends, and the most a
 * drain may take (a chatty module must not hold the channel forever). */
#define AT_DRAIN_AFTER_TIMEOUT_MS  150
#define AT_DRAIN_AFTER_ERROR_MS    30
#define AT_DRAIN_MAX_MS            1500

size_t
at_drain(at_channel *ch, int quiet_ms)
{
	int64_t end = unit_mono_ms() + AT_DRAIN_MAX_MS;
	char    line[AT_LINE_MAX], note[AT_LINE_MAX + 64];
	size_t  dropped = 0;

	for (;;) {
		while (at_queue_pop(&ch->held, line, sizeof line) ||
		    at_take_line(ch, line, sizeof line)) {
			at_response r;
			/* Final results and plain text are what shifts answers;
			 * a "+XXX:" line that is no final result may be a
			 * dialect's update message: the worker gets it. */
			if (at_is_unsolicited(line) || (line[0] == '+' && !at_final(line, &r))) {
				at_trace(ch, AT_TRACE_RX, line);
				at_queue_push(&ch->urcs, line);
				continue;
			}
			snprintf(note, sizeof note, "stale input dropped: %s", line);
			at_trace(ch, AT_TRACE_NOTE, note);
			dropped++;
		}
		int64_t now = unit_mono_ms();
		if (now >= end)
			break;
		int64_t deadline = now + quiet_ms < end ? now + quiet_ms : end;
		if (at_fill(ch, deadline) != AT_OK)
			break;
	}
	/* A fragment without its line end stays: it may be the start of a
	 * line still arriving (an RDY cut by the open), which must not lose
	 * its first bytes. */
	return dropped;
}

/* An echo longer than a line buffer arrives cut at AT_LINE_MAX - 1. */
static bool
at_is_echo(const char *line, const char *cmd)
{
	size_t n = strlen(line);

	if (cmd == NULL)
		return false;
	if (n == AT_LINE_MAX - 1 && strlen(cmd) > n)
		return strncasecmp(line, cmd, n) == 0;
	return strcasecmp(line, cmd) == 0;
}

/* Classifies a final result; false for an information line. */
static bool
at_final(const char *line, at_response *r)
{
	static const struct {
		const char *prefix;
		at_status   status;
		bool        has_code;
	} finals[] = {
		{ "OK", AT_OK, false },
		{ "ERROR", AT_ERROR, false },
		{ "NO CARRIER", AT_ERROR, false },
		{ "CONNECT", AT_CONNECT, false },
		{ "+CME ERROR:", AT_CME_ERROR, true },
		{ "+CMS ERROR:", AT_CME_ERROR, true },
	};

	for (size_t i = 0; i < sizeof finals / sizeof *finals; i++) {
		size_t n = strlen(finals[i].prefix);
		if (strncasecmp(line, finals[i].prefix, n) != 0)
			continue;
		/* "OK" and "ERROR" must be the whole line; CONNECT may carry a rate. */
		if (!finals[i].has_code && finals[i].status != AT_CONNECT && line[n] != '\0')
			continue;
		if (finals[i].status == AT_CONNECT && line[n] != '\0' && line[n] != ' ')
			continue;
		r->status = finals[i].status;
		r->code = -1;
		if (finals[i].has_code) {
			char *end;
			long  v = strtol(line + n, &end, 10);
			if (end != line + n)
				r->code = (int)v;
		}
		snprintf(r->final, sizeof r->final, "%s", line);
		return true;
	}
	return false;
}

/* A module that has just become ready: RDY while a command waits means
 * the command was sent before the AT interpreter listened and is lost. */
static bool
at_is_ready_banner(const char *line)
{
	/* Not the BG95/BG77's APP RDY: it follows RDY seconds later, while
	 * the module already answers; taken for a boot it would have the
	 * command sent again, and its answer read one command behind. */
	return strcasecmp(line, "RDY") == 0;
}

/* "+CPIN: READY" is unsolicited after a boot, but the answer to AT+CPIN?:
 * a line whose "+NAME:" the pending command line names is its answer. */
static bool
at_asked_for(const char *cmd, const char *line)
{
	const char *colon = strchr(line, ':');
	size_t      n = colon != NULL ? (size_t)(colon - line) : 0;

	if (cmd == NULL || line[0] != '+' || n < 2)
		return false;
	for (const char *p = cmd; (p = strchr(p, '+')) != NULL; p++)
		if (strncasecmp(p, line, n) == 0 && !isalnum((unsigned char)p[n]))
			return true;
	return false;
}

static at_status
at_wait_result_rdy(at_channel *ch, const char *cmd, int timeout_ms, at_response *r,
    bool rdy_ends)
{
	int64_t deadline = unit_mono_ms() + timeout_ms;
	char    line[AT_LINE_MAX];

	for (;;) {
		at_status s = at_read_line(ch, deadline, line, sizeof line);
		if (s != AT_OK) {
			r->status = s;
			return s;
		}
		if (at_is_echo(line, cmd))
			continue;
		if (at_final(line, r))
			return r->status;
		if (at_is_unsolicited(line) && !at_asked_for(cmd, line)) {
			at_queue_push(&ch->urcs, line);
			if (rdy_ends && at_is_ready_banner(line)) {
				snprintf(r->final, sizeof r->final, "%s", line);
				return r->status = AT_TIMEOUT;
			}
			continue;
		}
		if (r->nlines < AT_MAX_LINES)
			snprintf(r->lines[r->nlines++], AT_LINE_MAX, "%s", line);
	}
}

static at_status
at_wait_result(at_channel *ch, const char *cmd, int timeout_ms, at_response *r)
{
	return at_wait_result_rdy(ch, cmd, timeout_ms, r, false);
}

static void
at_response_init(at_response *r)
{
	r->status = AT_TIMEOUT;
	r->code = -1;
	r->final[0] = '\0';
	r->nlines = 0;
}

static at_status
at_send_wait(at_channel *ch, const char *cmd, int timeout_ms, at_response *r,
    bool rdy_ends)
{
	size_t n = strlen(cmd);
	char  *buf;
	int    rc;

	at_response_init(r);
	if (ch->lost)
		return r->status = AT_PORT_LOST;
	/* No fixed cap: a command is as long as its caller made it (a BG95
	 * trigger carries a URL of up to 700 bytes); one write with its CR. */
	if ((buf = malloc(n + 1)) == NULL)
		return r->status = AT_ERROR;
	memcpy(buf, cmd, n);
	buf[n] = '\r';
	at_trace(ch, AT_TRACE_TX, cmd);
	rc = serial_write_all(ch->port, buf, n + 1, timeout_ms);
	free(buf);
	if (rc != 0) {
		ch->lost = errno != ETIMEDOUT;
		return r->status = ch->lost ? AT_PORT_LOST : AT_TIMEOUT;
	}
	at_wait_result_rdy(ch, cmd, timeout_ms, r, rdy_ends);
	/* A late answer, or the real answer behind a stale error, would be
	 * read as the answer to the next command. Not when RDY ended the wait
	 * (at_probe): a command sent before the module was ready gets no
	 * answer at all, and the next one must go at once. */
	if (r->status == AT_TIMEOUT && !(rdy_ends && r->final[0] != '\0'))
		at_drain(ch, AT_DRAIN_AFTER_TIMEOUT_MS);
	else if (r->status == AT_ERROR || r->status == AT_CME_ERROR)
		at_drain(ch, AT_DRAIN_AFTER_ERROR_MS);
	return r->status;
}

at_status
at_command(at_channel *ch, const char *cmd, int timeout_ms, at_response *r)
{
	return at_send_wait(ch, cmd, timeout_ms, r, false);
}

at_status
at_probe(at_channel *ch, const char *cmd, int timeout_ms, at_response *r)
{
	return at_send_wait(ch, cmd, timeout_ms, r, true);
}

at_status
at_finish(at_channel *ch, int timeout_ms, at_response *r)
{
	at_status s;

	at_response_init(r);
	s = at_wait_result(ch, NULL, timeout_ms, r);
	ch->ack_mode = false;
	return s;
}

size_t
at_discard_pending(at_channel *ch)
{
	size_t n = ch->urcs.len;

	at_queue_clear(&ch->urcs);
	return n;
}

size_t
at_rx_lines(const at_channel *ch)
{
	return ch->rx_lines + ch->urcs.len;
}

size_t
at_pending(const at_channel *ch)
{
	return ch->urcs.len;
}

at_status
at_next_line(at_channel *ch, int timeout_ms, char *line, size_t len)
{
	if (at_queue_pop(&ch->urcs, line, len))
		return AT_OK;
	return at_read_line(ch, unit_mono_ms() + timeout_ms, line, len);
}

/* at_fill without the stop descriptor, for at_leave_data. */
static at_status
at_fill_nostop(at_channel *ch, int64_t deadline)
{
	int stop = ch->hooks.stop_fd;
	at_status s;

	ch->hooks.stop_fd = -1;
	s = at_fill(ch, deadline);
	ch->hooks.stop_fd = stop;
	return s;
}

/* Reads until deadline; true when a final result line came (OK, ERROR,
 * +CME ERROR or the upload's own result line). */
static bool
at_quiet_until(at_channel *ch, int64_t deadline)
{
	char        line[AT_LINE_MAX];
	at_response r;
	bool        final = false;

	for (;;) {
		ch->ack_mode = true;        /* acks of the cut upload are not text */
		while (at_take_line(ch, line, sizeof line)) {
			at_trace(ch, AT_TRACE_RX, line);
			if (at_final(line, &r) && r.status != AT_CONNECT)
				final = true;
			else if (at_is_unsolicited(line))
				at_queue_push(&ch->urcs, line);
		}
		ch->ack_mode = false;
		if (final)
			return true;
		at_status s = at_fill_nostop(ch, deadline);
		if (s != AT_OK)
			return false;
	}
}

bool
at_leave_data(at_channel *ch, int guard_ms, int wait_ms)
{
	char note[128];
	bool done;

	if (ch->lost)
		return false;
	snprintf(note, sizeof note, "leaving data mode: %d ms of silence, +++, then up to %d ms "
	    "of silence for the module's own timeout", guard_ms, wait_ms);
	at_trace(ch, AT_TRACE_NOTE, note);
	if (at_quiet_until(ch, unit_mono_ms() + guard_ms))
		return true;
	at_trace(ch, AT_TRACE_TX, "+++");
	if (serial_write_all(ch->port, "+++", 3, guard_ms) != 0) {
		ch->lost = errno != ETIMEDOUT;
		return false;
	}
	done = at_quiet_until(ch, unit_mono_ms() + guard_ms + wait_ms);
	at_trace(ch, AT_TRACE_NOTE, done ? "data mode left: the module answered" :
	    "data mode: no final result from the module");
	return done;
}

/* Waits until at least want acks have been counted. A line in between is
 * held for at_finish(); a final result (the module gave up on the data)
 * ends the wait with AT_ERROR. */
static at_status
at_wait_acks(at_channel *ch, size_t want, int timeout_ms)
{
	int64_t     deadline = unit_mono_ms() + timeout_ms;
	char        line[AT_LINE_MAX];
	at_response r;

	for (;;) {
		at_take_acks(ch);
		if (ch->acks >= want)
			return AT_OK;
		if (at_take_line(ch, line, sizeof line)) {
			at_trace(ch, AT_TRACE_RX, line);
			at_queue_push(&ch->held, line);
			if (at_final(line, &r))
				return AT_ERROR;
			continue;
		}
		/* Taking a line may have taken acks behind an empty line. */
		if (ch->acks >= want)
			return AT_OK;
		at_status s = at_fill(ch, deadline);
		if (s != AT_OK)
			return s;
	}
}

at_status
at_send_data(at_channel *ch, const uint8_t *data, size_t len, size_t ack_block,
             int ack_timeout_ms, void (*progress)(void *, size_t), void *ctx)
{
	size_t block = ack_block > 0 ? ack_block : 65536;
	size_t sent = 0, nblocks = 0;
	char   note[128];

	ch->ack_mode = ack_block > 0;
	ch->acks = 0;
	snprintf(note, sizeof note, "data mode: sending %zu bytes%s", len,
	    ack_block > 0 ? " in 1024-byte blocks, one ack each" : "");
	at_trace(ch, AT_TRACE_NOTE, note);
	while (sent < len) {
		size_t n = len - sent < block ? len - sent : block;

		if (serial_write_all(ch->port, data + sent, n, ack_timeout_ms) != 0)
			return errno == ETIMEDOUT ? AT_TIMEOUT : (ch->lost = true, AT_PORT_LOST);
		sent += n;
		nblocks++;
		if (ch->hooks.stop_fd >= 0 && sent < len) {
			struct pollfd pfd = { .fd = ch->hooks.stop_fd, .events = POLLIN };
			if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN))
				return AT_STOPPED;
		}
		if (ack_block > 0 && sent < len) {
			at_status s = at_wait_acks(ch, nblocks, ack_timeout_ms);
			if (s != AT_OK) {
				snprintf(note, sizeof note, "data mode: %zu of %zu bytes sent, "
				    "%zu acks, then %s", sent, len, ch->acks, at_status_name(s));
				at_trace(ch, AT_TRACE_NOTE, note);
				return s;
			}
		}
		if (progress != NULL)
			progress(ctx, sent);
	}
	snprintf(note, sizeof note, "data mode: %zu bytes sent, %zu acks", sent, ch->acks);
	at_trace(ch, AT_TRACE_NOTE, note);
	return AT_OK;
}
