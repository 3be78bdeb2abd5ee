/*
 * fuzz_at: libFuzzer target for the AT channel's line framing and result
 * matching (station/at.c), driven from a buffer through a real pty.
 *
 * The channel reads from a serial_port, so each input is played as a
 * module would: the input's bytes are written into the master of a fresh
 * pseudo-terminal whose slave the channel has open (serial_open, the
 * termios path every emulated module takes). The first byte picks what
 * the station is doing while they arrive:
 *
 *   even  a command is pending (at_command "ATI", echo matching, final
 *         results, information lines, unsolicited lines set aside)
 *   odd   data mode with acks (at_send_data of 3 KiB in 1 KiB blocks:
 *         'A' counting mixed with lines, finals ending the upload)
 *
 * after which every unsolicited line left is drained with at_next_line().
 * Waits are 0..1 ms: the bytes are already in the pty when the channel
 * reads, so nothing but the framing is exercised. Inputs are cut at
 * 3000 bytes (less than a pty holds, so the write never blocks).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "station/at.h"
#include "station/serial.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fz_trace(void *ctx, at_trace_kind kind, const char *text)
{
	(void)ctx;
	(void)kind;
	if (text == NULL || strlen(text) >= 65536)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t upload[3072];
	at_hooks       hooks = { .trace = fz_trace, .ctx = NULL, .stop_fd = -1 };
	serial_port   *port;
	at_channel    *ch;
	at_response    r;
	char           err[256], line[AT_LINE_MAX];
	int            master;

	if (size < 1)
		return 0;
	if (size > 3000)
		size = 3000;
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0)
		abort();
	if (serial_open(&port, ptsname(master), 115200, err, sizeof err) != 0) {
		fprintf(stderr, "fuzz_at: %s\n", err);
		abort();
	}
	ch = at_open(port, &hooks);
	if (ch == NULL)
		abort();
	if (size > 1 && write(master, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	if ((data[0] & 1) == 0) {
		at_status s = at_command(ch, "ATI", 1, &r);
		if (r.nlines < 0 || r.nlines > AT_MAX_LINES || at_status_name(s) == NULL)
			abort();
		if (memchr(r.final, '\0', sizeof r.final) == NULL)
			abort();
	} else {
		at_status s = at_send_data(ch, upload, sizeof upload, 1024, 1, NULL, NULL);
		if (s == AT_ERROR)
			at_finish(ch, 0, &r);
	}
	for (int i = 0; i < 4 * AT_MAX_LINES && at_next_line(ch, 0, line, sizeof line) == AT_OK; i++)
		if (memchr(line, '\0', sizeof line) == NULL)
			abort();
	at_close(ch);
	close(master);
	return 0;
}
