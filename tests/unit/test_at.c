/*
 * test_at: the AT channel against a scripted peer on a real pty. The test
 * plays the module on the master side; the channel runs on the slave side
 * through serial_open(), exactly as in the station (termios back end).
 */
#include <check.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "station/at.h"
#include "tests/harness/harness.h"

typedef struct peer {
	int         master;
	at_channel *ch;
	char        traced[8192];
} peer;

static const char *const trace_name[] = {
	[AT_TRACE_TX] = "tx", [AT_TRACE_RX] = "rx", [AT_TRACE_NOTE] = "note",
};

static void
trace(void *ctx, at_trace_kind kind, const char *text)
{
	peer *p = ctx;
	size_t n = strlen(p->traced);

	snprintf(p->traced + n, sizeof p->traced - n, "%s:%s\n", trace_name[kind], text);
}

static void peer_open_stale(peer *p, const char *stale);

static void
peer_open(peer *p)
{
	peer_open_stale(p, NULL);
}

/* stale: bytes the tty holds before the channel opens (a cut upload,
 * another program). */
static void
peer_open_stale(peer *p, const char *stale)
{
	int          slave;
	char         name[64], err[256];
	serial_port *port;
	struct termios tio;

	memset(p, 0, sizeof *p);
	ck_assert_int_eq(openpty(&p->master, &slave, name, NULL, NULL), 0);
	tcgetattr(p->master, &tio);
	cfmakeraw(&tio);
	tcsetattr(p->master, TCSANOW, &tio);
	ck_assert_msg(serial_open(&port, name, 115200, err, sizeof err) == 0, "%s", err);
	close(slave);
	ck_assert_int_eq(serial_backend_of(port), SERIAL_TERMIOS);
	if (stale != NULL) {
		ck_assert_int_eq(write(p->master, stale, strlen(stale)), (ssize_t)strlen(stale));
		usleep(20000);
	}
	at_hooks hooks = { .trace = trace, .ctx = p, .stop_fd = -1 };
	p->ch = at_open(port, &hooks);
}

static void
peer_say(peer *p, const char *s)
{
	ck_assert_int_eq(write(p->master, s, strlen(s)), (ssize_t)strlen(s));
}

/* What the channel sent, as one string. */
static void
peer_heard(peer *p, char *buf, size_t len)
{
	ssize_t n;

	usleep(20000);
	n = read(p->master, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/* Lines in the tty before the channel opens are nobody's answer: a
 * leftover OK and +CME ERROR are dropped (and noted), a URC is kept, and
 * the first command gets its own answer. A NUL before the final result is
 * noise, not a different line. A late answer after a timeout is drained
 * with it, not taken by the next command. */
START_TEST(test_stale_input_and_nul)
{
	peer        p;
	at_response r;
	char        sent[256], line[AT_LINE_MAX];

	peer_open_stale(&p, "\r\nOK\r\n\r\n+CME ERROR: 421\r\n\r\n+QIND: \"FOTA\",\"START\"\r\n");
	ck_assert_ptr_nonnull(strstr(p.traced, "stale input dropped: OK"));
	ck_assert_ptr_nonnull(strstr(p.traced, "stale input dropped: +CME ERROR: 421"));
	{
		static const char nul[] = "\r\n866425031234562\r\n\r\n\0OK\r\n";
		ck_assert_int_eq(write(p.master, nul, sizeof nul - 1), (ssize_t)sizeof nul - 1);
	}
	ck_assert_int_eq(at_command(p.ch, "AT+CGSN", 1000, &r), AT_OK);
	ck_assert_int_eq(r.nlines, 1);
	ck_assert_str_eq(r.lines[0], "866425031234562");
	peer_heard(&p, sent, sizeof sent);
	ck_assert_int_eq(at_next_line(p.ch, 0, line, sizeof line), AT_OK);
	ck_assert_str_eq(line, "+QIND: \"FOTA\",\"START\"");

	/* No answer in time; it comes late and is drained, not read as the
	 * answer to the next command. */
	ck_assert_int_eq(at_command(p.ch, "AT+QGMR", 50, &r), AT_TIMEOUT);
	peer_heard(&p, sent, sizeof sent);
	peer_say(&p, "\r\nBG96MAR02A07M1G\r\n\r\nOK\r\n");
	usleep(30000);
	at_drain(p.ch, 50);
	peer_say(&p, "\r\n+QCCID: 89860318640220133897\r\n\r\nOK\r\n");
	ck_assert_int_eq(at_command(p.ch, "AT+QCCID", 1000, &r), AT_OK);
	ck_assert_int_eq(r.nlines, 1);
	ck_assert_str_eq(r.lines[0], "+QCCID: 89860318640220133897");
	at_close(p.ch);
	close(p.master);
}
END_TEST

START_TEST(test_ok_with_echo_and_info)
{
	peer        p;
	at_response r;
	char        sent[256];

	peer_open(&p);
	peer_say(&p, "AT+QGMR\r\r\nBG96MAR02A07M1G_01.016.01.016\r\n\r\nOK\r\n");
	ck_assert_int_eq(at_command(p.ch, "AT+QGMR", 1000, &r), AT_OK);
	ck_assert_int_eq(r.nlines, 1);
	ck_assert_str_eq(r.lines[0], "BG96MAR02A07M1G_01.016.01.016");
	peer_heard(&p, sent, sizeof sent);
	ck_assert_str_eq(sent, "AT+QGMR\r");
	ck_assert_ptr_nonnull(strstr(p.traced, "tx:AT+QGMR\n"));
	ck_assert_ptr_nonnull(strstr(p.traced, "rx:BG96MAR02A07M1G_01.016.01.016\n"));
	at_close(p.ch);
	close(p.master);
}
END_TEST

START_TEST(test_cme_error_and_error)
{
	peer        p;
	at_response r;

	peer_open(&p);
	peer_say(&p, "\r\n+CME ERROR: 407\r\n");
	ck_assert_int_eq(at_command(p.ch, "AT+QFUPL=\"x\",10,5,1", 1000, &r), AT_CME_ERROR);
	ck_assert_int_eq(r.code, 407);
	peer_say(&p, "\r\nERROR\r\n");
	ck_assert_int_eq(at_command(p.ch, "AT+FOO", 1000, &r), AT_ERROR);
	ck_assert_int_eq(r.code, -1);
	peer_say(&p, "\r\n+CME ERROR: SIM not inserted\r\n");
	ck_assert_int_eq(at_command(p.ch, "AT+QCCID", 1000, &r), AT_CME_ERROR);
	ck_assert_int_eq(r.code, -1);
	ck_assert_str_eq(r.final, "+CME ERROR: SIM not inserted");
	at_close(p.ch);
	close(p.master);
}
END_TEST

START_TEST(test_urc_during_command_is_queued)
{
	peer        p;
	at_response r;
	char        line[AT_LINE_MAX];

	peer_open(&p);
	peer_say(&p, "\r\n+QIND: \"FOTA\",\"UPDATING\",42\r\n\r\n+CSQ: 24,99\r\n\r\nOK\r\nRDY\r\n");
	ck_assert_int_eq(at_command(p.ch, "AT+CSQ", 1000, &r), AT_OK);
	ck_assert_int_eq(r.nlines, 1);
	ck_assert_str_eq(r.lines[0], "+CSQ: 24,99");
	ck_assert_int_eq(at_next_line(p.ch, 200, line, sizeof line), AT_OK);
	ck_assert_str_eq(line, "+QIND: \"FOTA\",\"UPDATING\",42");
	ck_assert_int_eq(at_next_line(p.ch, 200, line, sizeof line), AT_OK);
	ck_assert_str_eq(line, "RDY");
	ck_assert_int_eq(at_next_line(p.ch, 50, line, sizeof line), AT_TIMEOUT);
	at_close(p.ch);
	close(p.master);
}
END_TEST

/* A module's RDY while the first command waits: that command was lost to
 * the boot; at_probe returns at once (not after its timeout), the RDY
 * stays queued for the worker. at_command waits on. */
START_TEST(test_probe_ends_at_rdy)
{
	peer        p;
	at_response r;
	char        line[AT_LINE_MAX];

	peer_open(&p);
	peer_say(&p, "\r\nRDY\r\n");
	ck_assert_int_eq(at_probe(p.ch, "ATE0", 60000, &r), AT_TIMEOUT);
	ck_assert_str_eq(r.final, "RDY");
	ck_assert_int_eq(at_pending(p.ch), 1);
	peer_say(&p, "\r\nOK\r\n");
	ck_assert_int_eq(at_probe(p.ch, "ATE0", 1000, &r), AT_OK);
	ck_assert_int_eq(at_next_line(p.ch, 0, line, sizeof line), AT_OK);
	ck_assert_str_eq(line, "RDY");
	peer_say(&p, "\r\nRDY\r\n");
	ck_assert_int_eq(at_command(p.ch, "AT", 200, &r), AT_TIMEOUT);
	/* The BG95's APP RDY comes after RDY, while the module already
	 * answers: the probe's own answer follows, no boot in between. */
	peer_say(&p, "\r\nAPP RDY\r\n\r\nOK\r\n");
	ck_assert_int_eq(at_probe(p.ch, "ATE0", 1000, &r), AT_OK);
	ck_assert_str_eq(r.final, "OK");
	at_close(p.ch);
	close(p.master);
}
END_TEST

/* +CPIN: READY after a boot is unsolicited, but the answer to AT+CPIN?
 * (also inside a concatenated line). */
START_TEST(test_asked_for_line_is_the_answer)
{
	peer        p;
	at_response r;
	char        line[AT_LINE_MAX];

	peer_open(&p);
	peer_say(&p, "\r\n+CPIN: READY\r\n\r\nOK\r\n");
	ck_assert_int_eq(at_command(p.ch, "AT+CSQ", 1000, &r), AT_OK);
	ck_assert_int_eq(r.nlines, 0);
	ck_assert_int_eq(at_next_line(p.ch, 200, line, sizeof line), AT_OK);
	ck_assert_str_eq(line, "+CPIN: READY");
	peer_say(&p, "\r\n+CPIN: READY\r\n\r\nOK\r\n");
	ck_assert_int_eq(at_command(p.ch, "AT+CPIN?", 1000, &r), AT_OK);
	ck_assert_int_eq(r.nlines, 1);
	ck_assert_str_eq(r.lines[0], "+CPIN: READY");
	peer_say(&p, "\r\n+CSQ: 24,99\r\n+CFUN: 1\r\n\r\nOK\r\n");
	ck_assert_int_eq(at_command(p.ch, "at+csq;+cfun?", 1000, &r), AT_OK);
	ck_assert_int_eq(r.nlines, 2);
	ck_assert_str_eq(r.lines[1], "+CFUN: 1");
	/* +CPINX is not +CPIN. */
	peer_say(&p, "\r\n+CPIN: READY\r\n\r\nOK\r\n");
	ck_assert_int_eq(at_command(p.ch, "AT+CPINX?", 1000, &r), AT_OK);
	ck_assert_int_eq(r.nlines, 0);
	at_close(p.ch);
	close(p.master);
}
END_TEST

START_TEST(test_split_and_merged_and_bare_lf)
{
	peer        p;
	char        line[AT_LINE_MAX];
	const char *parts[] = { "+QI", "ND: \"FO", "TA\",\"END\",0\n+QIND: \"FOTA\",\"START\"\r", "\n" };

	peer_open(&p);
	for (size_t i = 0; i < 4; i++) {
		peer_say(&p, parts[i]);
		usleep(5000);
	}
	ck_assert_int_eq(at_next_line(p.ch, 500, line, sizeof line), AT_OK);
	ck_assert_str_eq(line, "+QIND: \"FOTA\",\"END\",0");
	ck_assert_int_eq(at_next_line(p.ch, 500, line, sizeof line), AT_OK);
	ck_assert_str_eq(line, "+QIND: \"FOTA\",\"START\"");
	at_close(p.ch);
	close(p.master);
}
END_TEST

START_TEST(test_timeout_and_port_lost)
{
	peer        p;
	at_response r;
	char        line[AT_LINE_MAX];

	peer_open(&p);
	ck_assert_int_eq(at_command(p.ch, "AT", 100, &r), AT_TIMEOUT);
	close(p.master);
	ck_assert_int_eq(at_next_line(p.ch, 1000, line, sizeof line), AT_PORT_LOST);
	ck_assert_int_eq(at_command(p.ch, "AT", 100, &r), AT_PORT_LOST);
	at_close(p.ch);
}
END_TEST

START_TEST(test_garbage_and_long_lines)
{
	peer   p;
	char   line[AT_LINE_MAX];
	char   big[6000];

	peer_open(&p);
	memset(big, 'x', sizeof big);
	big[sizeof big - 2] = '\r';
	big[sizeof big - 1] = '\n';
	ck_assert_int_eq(write(p.master, big, sizeof big), (ssize_t)sizeof big);
	static const char junk[] = "\x01\xff\xfe\x00junk\r\nOK\r\n";
	ck_assert_int_eq(write(p.master, junk, sizeof junk - 1), (ssize_t)sizeof junk - 1);
	int n = 0;
	at_status s;
	while ((s = at_next_line(p.ch, 200, line, sizeof line)) == AT_OK && strcmp(line, "OK") != 0)
		n++;
	ck_assert_int_eq(s, AT_OK);
	ck_assert_int_ge(n, 2);
	at_close(p.ch);
	close(p.master);
}
END_TEST

START_TEST(test_data_mode_acks)
{
	peer        p;
	at_response r;
	uint8_t     data[2500];
	char        buf[4096];

	peer_open(&p);
	memset(data, 0x5a, sizeof data);
	peer_say(&p, "\r\nCONNECT\r\n");
	ck_assert_int_eq(at_command(p.ch, "AT+QFUPL=\"a\",2500,5,1", 500, &r), AT_CONNECT);
	peer_heard(&p, buf, sizeof buf);
	/* Acks for the two full blocks, then the result. */
	peer_say(&p, "AA");
	peer_say(&p, "\r\n+QFUPL: 2500,0\r\n\r\nOK\r\n");
	ck_assert_int_eq(at_send_data(p.ch, data, sizeof data, 1024, 500, NULL, NULL), AT_OK);
	ck_assert_int_eq(at_finish(p.ch, 500, &r), AT_OK);
	ck_assert_int_eq(r.nlines, 1);
	ck_assert_str_eq(r.lines[0], "+QFUPL: 2500,0");
	at_close(p.ch);
	close(p.master);
}
END_TEST

START_TEST(test_data_mode_missing_ack)
{
	peer        p;
	at_response r;
	uint8_t     data[3000] = { 0 };

	peer_open(&p);
	peer_say(&p, "CONNECT\r\n");
	ck_assert_int_eq(at_command(p.ch, "AT+QFUPL=\"a\",3000,5,1", 500, &r), AT_CONNECT);
	ck_assert_int_eq(at_send_data(p.ch, data, sizeof data, 1024, 100, NULL, NULL), AT_TIMEOUT);
	at_close(p.ch);
	close(p.master);
}
END_TEST

START_TEST(test_stop_fd)
{
	peer        p;
	at_response r;
	int         pipefd[2];
	int         slave;
	char        name[64], err[256];
	serial_port *port;

	memset(&p, 0, sizeof p);
	ck_assert_int_eq(pipe(pipefd), 0);
	ck_assert_int_eq(openpty(&p.master, &slave, name, NULL, NULL), 0);
	ck_assert(serial_open(&port, name, 115200, err, sizeof err) == 0);
	close(slave);
	at_hooks hooks = { .trace = NULL, .stop_fd = pipefd[0] };
	p.ch = at_open(port, &hooks);
	ck_assert_int_eq(write(pipefd[1], "x", 1), 1);
	ck_assert_int_eq(at_command(p.ch, "AT", 5000, &r), AT_STOPPED);
	at_close(p.ch);
	close(p.master);
	close(pipefd[0]);
	close(pipefd[1]);
}
END_TEST

/* A command has no fixed cap (a BG95 trigger carries up to 700 bytes of
 * URL): it goes out whole with its CR, and its echo, longer than a line
 * buffer, is still recognised as the echo. */
START_TEST(test_long_command)
{
	peer        p;
	at_response r;
	char        cmd[800], sent[1024], echo[1024];

	peer_open(&p);
	snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"http://fota.test/%0*d\"", 700 - 17, 7);
	ck_assert_uint_gt(strlen(cmd), AT_LINE_MAX);
	snprintf(echo, sizeof echo, "%s\r\r\nOK\r\n", cmd);
	peer_say(&p, echo);
	ck_assert_int_eq(at_command(p.ch, cmd, 1000, &r), AT_OK);
	ck_assert_int_eq(r.nlines, 0);
	peer_heard(&p, sent, sizeof sent);
	ck_assert_uint_eq(strlen(sent), strlen(cmd) + 1);
	ck_assert(strncmp(sent, cmd, strlen(cmd)) == 0);
	ck_assert_int_eq(sent[strlen(cmd)], '\r');
	at_close(p.ch);
	close(p.master);
}
END_TEST

int
main(void)
{
	Suite   *s = suite_create("at");
	TCase   *tc = tcase_create("channel");

	tcase_add_test(tc, test_ok_with_echo_and_info);
	tcase_add_test(tc, test_stale_input_and_nul);
	tcase_add_test(tc, test_cme_error_and_error);
	tcase_add_test(tc, test_urc_during_command_is_queued);
	tcase_add_test(tc, test_asked_for_line_is_the_answer);
	tcase_add_test(tc, test_split_and_merged_and_bare_lf);
	tcase_add_test(tc, test_probe_ends_at_rdy);
	tcase_add_test(tc, test_timeout_and_port_lost);
	tcase_add_test(tc, test_garbage_and_long_lines);
	tcase_add_test(tc, test_data_mode_acks);
	tcase_add_test(tc, test_data_mode_missing_ack);
	tcase_add_test(tc, test_stop_fd);
	tcase_add_test(tc, test_long_command);
	suite_add_tcase(s, tc);
	return harness_run_suite(s, CK_NORMAL);
}
