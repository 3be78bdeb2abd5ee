/*
 * test_grid: the operator's grid, as a person sees it. The real station
 * runs in a real terminal (a detached tmux session, its own server per
 * test) against emulated modules (dfota-sim); the test presses keys with
 * `tmux send-keys` and reads the screen with `tmux capture-pane -p`.
 *
 * What a line operator relies on is checked on screen text: labels and
 * percentages that advance; a failed cell with its code and meaning; the
 * timeline behind Enter; the question before quitting while updates run
 * (and that `n` keeps them running); after resizes, every slot still on
 * some page; the selected slot's whole error text, the revision a PASS was
 * verified at, a NO_PACKAGE unit's clean revision; `/` finding a slot by
 * label or IMEI, `f` showing failed slots only, `R` retrying them all after
 * a question; the timeline's times in station.timezone, zone named.
 *
 * The station runs as `sh -c 'dfota-station ...; echo "station exited $?";
 * sleep 60'`, so its exit status is read off the screen as well.
 */
#include <check.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/harness/harness.h"

#define SCREEN_MAX 65536

typedef struct term {
	char  sock[64];
	char  dir[1024];
	pid_t sim;
	char  screen[SCREEN_MAX];
} term;

/* The terminal of the test running now, for the teardown: a failed test
 * must not leave a station behind that goes on opening the emulator's
 * links (they name pseudo-terminals that later belong to others). */
static term *current;

static void term_teardown(void);

/* Check ends a failed test's process at once, past any teardown: every
 * check here ends the terminal and the emulator first. */
#define TERM_ASSERT(cond, ...) do {                                         \
	if (!(cond)) {                                                      \
		static char why_[SCREEN_MAX + 512];                         \
		snprintf(why_, sizeof why_, __VA_ARGS__);                   \
		term_teardown();                                            \
		ck_abort_msg("%s", why_);                                   \
	}                                                                   \
} while (0)

static int
tmux_run(const term *t, const char *const *args)
{
	char *argv[32];
	int   n = 0;

	argv[n++] = "/usr/bin/env";
	argv[n++] = "tmux";
	argv[n++] = "-L";
	argv[n++] = (char *)t->sock;
	while (*args != NULL && n < 31)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	return harness_wait(harness_spawn(argv, "/dev/null"), 10);
}

/* The screen as text now, into t->screen. */
static const char *
term_capture(term *t)
{
	char  cmd[256];
	FILE *f;
	size_t n;

	snprintf(cmd, sizeof cmd, "tmux -L %s capture-pane -p 2>/dev/null", t->sock);
	f = popen(cmd, "r");
	if (f == NULL) {
		t->screen[0] = '\0';
		return t->screen;
	}
	n = fread(t->screen, 1, sizeof t->screen - 1, f);
	t->screen[n] = '\0';
	pclose(f);
	return t->screen;
}

static void
term_keys(term *t, const char *key)
{
	const char *args[] = { "send-keys", "-t", "grid", key, NULL };

	tmux_run(t, args);
}

static void
term_resize(term *t, int cols, int lines)
{
	char        x[16], y[16];
	const char *args[] = { "resize-window", "-t", "grid", "-x", x, "-y", y, NULL };

	snprintf(x, sizeof x, "%d", cols);
	snprintf(y, sizeof y, "%d", lines);
	tmux_run(t, args);
}

/* Waits until the screen holds text; false after timeout_s. */
static bool
term_wait(term *t, const char *text, double timeout_s)
{
	for (int i = 0; i < (int)(timeout_s * 10); i++) {
		if (strstr(term_capture(t), text) != NULL)
			return true;
		usleep(100000);
	}
	return false;
}

static bool
term_wait_gone(term *t, const char *text, double timeout_s)
{
	for (int i = 0; i < (int)(timeout_s * 10); i++) {
		if (strstr(term_capture(t), text) == NULL)
			return true;
		usleep(100000);
	}
	return false;
}

/* A slot label as a word: "S1" is not found in "S12". */
static bool
screen_has_label(const char *screen, const char *label)
{
	size_t n = strlen(label);

	for (const char *p = strstr(screen, label); p != NULL; p = strstr(p + 1, label)) {
		bool start = p == screen || !isalnum((unsigned char)p[-1]);
		bool end = !isalnum((unsigned char)p[n]);
		if (start && end)
			return true;
	}
	return false;
}

/* The percentages on the screen, summed: it grows while units progress. */
static int
screen_percent_sum(const char *screen)
{
	int sum = 0;

	for (const char *p = strchr(screen, '%'); p != NULL; p = strchr(p + 1, '%')) {
		const char *q = p;
		while (q > screen && isdigit((unsigned char)q[-1]))
			q--;
		if (q < p)
			sum += atoi(q);
	}
	return sum;
}

/* The station in a cols x lines terminal with LANG=lang, against the
 * emulated modules of a case text. The terminal comes first and the
 * station waits for a go file: the emulator frees and takes pseudo-
 * terminals as its modules reboot, and a pane opened meanwhile could get
 * the number a module's link still names. */
/* station.cfg's station group gets `extra` settings (NULL: none). */
static void
term_config(term *t, const char *extra)
{
	char   path[1200], *buf, *at, *out;
	size_t len;
	FILE  *f;

	if (extra == NULL)
		return;
	snprintf(path, sizeof path, "%s/station.cfg", t->dir);
	f = fopen(path, "r");
	TERM_ASSERT(f != NULL, "no %s", path);
	buf = calloc(1, 1 << 16);
	len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	buf[len] = '\0';
	at = strstr(buf, "reports_dir = \"reports\";");
	TERM_ASSERT(at != NULL, "no reports_dir in %s", path);
	at += strlen("reports_dir = \"reports\";");
	out = calloc(1, len + strlen(extra) + 2);
	memcpy(out, buf, (size_t)(at - buf));
	strcat(out, " ");
	strcat(out, extra);
	strcat(out, at);
	harness_write_file(path, out);
	free(buf);
	free(out);
}

static void
term_start_cfg(term *t, const char *name, const char *case_text, int cols, int lines,
               const char *lang, const char *station_args, const char *cfg_extra);

static void
term_start(term *t, const char *name, const char *case_text, int cols, int lines,
           const char *lang, const char *station_args)
{
	term_start_cfg(t, name, case_text, cols, lines, lang, station_args, NULL);
}

static void
term_start_cfg(term *t, const char *name, const char *case_text, int cols, int lines,
               const char *lang, const char *station_args, const char *cfg_extra)
{
	static int n;
	char       why[1024], cmd[4096], x[16], y[16], go[1024];

	snprintf(t->sock, sizeof t->sock, "dfota-grid-%ld-%d", (long)getpid(), n++);
	snprintf(go, sizeof go, "%s/%s.go", harness_env("DFOTA_TMP"), t->sock);
	unlink(go);
	snprintf(cmd, sizeof cmd, "while [ ! -s '%s' ]; do sleep 0.05; done; cd \"$(cat '%s')\" && "
	    "LANG=%s LC_ALL=%s TERM=screen sh -c '\"%s\" --config station.cfg %s; "
	    "echo \"station exited $?\"; sleep 60'", go, go, lang, lang,
	    harness_env("DFOTA_STATION"), station_args);
	snprintf(x, sizeof x, "%d", cols);
	snprintf(y, sizeof y, "%d", lines);
	const char *args[] = { "new-session", "-d", "-s", "grid", "-x", x, "-y", y, cmd, NULL };
	TERM_ASSERT(tmux_run(t, args) == 0, "tmux new-session failed");
	TERM_ASSERT(harness_setup_case(name, case_text, t->dir, sizeof t->dir, &t->sim, why,
	    sizeof why), "%s", why);
	term_config(t, cfg_extra);
	harness_write_file(go, t->dir);
}


static term *
term_new(void)
{
	current = calloc(1, sizeof *current);
	ck_assert_ptr_nonnull(current);
	current->sim = -1;
	return current;
}

/* Ends the tmux server (its hangup ends the station) and the emulator. */
static void
term_teardown(void)
{
	const char *args[] = { "kill-server", NULL };

	if (current == NULL)
		return;
	if (current->sock[0] != '\0')
		tmux_run(current, args);
	if (current->sim > 0)
		harness_stop(current->sim);
	free(current);
	current = NULL;
}

#define WAIT_FOR(t, text, s) \
	TERM_ASSERT(term_wait((t), (text), (s)), "no \"%s\" on the screen (%s):\n%s", (text), \
	    (t)->dir, (t)->screen)

/* Four slots with mixed outcomes: labels, percentages that advance, a FAIL
 * with its code and meaning, PASS cells, the timeline behind Enter. */
static const char mixed_case[] =
	"module:  model=BG96 rev=BG96MAR02A07M1G\n"
	"module:  model=AG35 rev=AG35CEVAR05A07T4G\n"
	"module:  model=AG35 rev=AG35CEVAR05A07T4G fault=end:510\n"
	"module:  model=BG96 rev=BG96MAR02A07M1G\n"
	"package: model=BG96 from=BG96MAR02A07M1G to=BG96MAR02A08M1G\n"
	"package: model=AG35 from=AG35CEVAR05A07T4G to=AG35CEVAR05A08T4G\n"
	"speed:   6\n";

START_TEST(test_grid_cells)
{
	term *t = term_new();
	int   first, later = 0;

	term_start(t, "grid-cells", mixed_case, 120, 40, "C.UTF-8", "");
	WAIT_FOR(t, "%", 20);
	for (int i = 1; i <= 4; i++) {
		char label[8];
		snprintf(label, sizeof label, "S%d", i);
		TERM_ASSERT(screen_has_label(t->screen, label), "no %s:\n%s", label, t->screen);
	}
	TERM_ASSERT(strstr(t->screen, "itest") != NULL, "no station name:\n%s", t->screen);
	TERM_ASSERT(strstr(t->screen, "operator harness") != NULL, "no operator:\n%s", t->screen);
	TERM_ASSERT(strstr(t->screen, "report ") != NULL, "no report path:\n%s", t->screen);
	first = screen_percent_sum(t->screen);
	for (int i = 0; i < 100 && later <= first; i++) {
		usleep(100000);
		later = screen_percent_sum(term_capture(t));
	}
	TERM_ASSERT(later > first, "percentages did not advance (%d, then %d):\n%s", first, later,
	    t->screen);
	/* The failed cell: its symbol, its word, the module's code, the meaning. */
	WAIT_FOR(t, "\u2716 S3", 40);
	TERM_ASSERT(strstr(t->screen, "510 wrong package") != NULL, "no code and meaning:\n%s",
	    t->screen);
	TERM_ASSERT(strstr(t->screen, "FAIL") != NULL, "no FAIL word:\n%s", t->screen);
	WAIT_FOR(t, "\u2714 S1", 40);
	TERM_ASSERT(strstr(t->screen, "PASS") != NULL, "no PASS word:\n%s", t->screen);
	WAIT_FOR(t, "\u2714 S4", 40);
	/* The header counts them: three passed, one failed. */
	WAIT_FOR(t, "3 pass", 10);
	TERM_ASSERT(strstr(t->screen, "1 fail") != NULL, "counts:\n%s", t->screen);
	/* Enter: S1's timeline, with the identification commands. */
	term_keys(t, "Enter");
	WAIT_FOR(t, "AT+QGMR", 5);
	TERM_ASSERT(strstr(t->screen, "lines ") != NULL, "no timeline footer:\n%s", t->screen);
	/* S3's: the module's END,510. */
	term_keys(t, "Right");
	term_keys(t, "Right");
	WAIT_FOR(t, "\"END\",510", 5);
	term_keys(t, "Escape");
	WAIT_FOR(t, "3 pass", 5);
	/* Nothing runs: q ends the station at once, with status 1 (a FAIL). */
	term_keys(t, "q");
	WAIT_FOR(t, "station exited 1", 15);
	TERM_ASSERT(strstr(t->screen, "4 unit(s): 3 passed, 1 failed") != NULL,
	    "no closing line:\n%s", t->screen);
}
END_TEST

/* A unit whose acceptance check fails: its cell says FAIL and names the
 * check, and so does the timeline behind Enter. */
static const char check_case[] =
	"module:  model=EC25 rev=EC25EFAR06A06M4G\n"
	"package: model=EC25 from=EC25EFAR06A06M4G to=EC25EFAR06A07M4G\n"
	"config:  verify: { checks = ( { name = \"sim\"; command = \"AT+CPIN?\"; "
	"expect = \"SIM PIN\"; } ); };\n";

START_TEST(test_grid_failed_check)
{
	term *t = term_new();

	term_start(t, "grid-check", check_case, 120, 30, "C.UTF-8", "");
	WAIT_FOR(t, "\u2716 S1", 40);
	TERM_ASSERT(strstr(t->screen, "check sim failed") != NULL, "no check name:\n%s",
	    t->screen);
	term_keys(t, "Enter");
	WAIT_FOR(t, "check sim: failed", 5);
	term_keys(t, "Escape");
	term_keys(t, "q");
	WAIT_FOR(t, "station exited 1", 15);
}
END_TEST

/* q while units update asks first; n keeps them running; y ends them. */
static const char slow_case[] =
	"module:  model=BG96 rev=BG96MAR02A07M1G\n"
	"module:  model=BG96 rev=BG96MAR02A07M1G\n"
	"package: model=BG96 from=BG96MAR02A07M1G to=BG96MAR02A08M1G\n"
	"policy:  stall_timeout=60 reboot_timeout=60 command_timeout=10\n"
	"speed:   2\n";

START_TEST(test_grid_quit_asks)
{
	term *t = term_new();
	int   before, after = 0;

	term_start(t, "grid-quit", slow_case, 100, 30, "C", "");
	/* ASCII symbols when the locale is not UTF-8. */
	WAIT_FOR(t, "> S1", 20);
	WAIT_FOR(t, "%", 30);
	term_keys(t, "q");
	WAIT_FOR(t, "Quit while", 5);
	TERM_ASSERT(strstr(t->screen, "ABORTED") != NULL && strstr(t->screen, "re-flash") != NULL,
	    "the question does not say what quitting does:\n%s", t->screen);
	term_keys(t, "n");
	TERM_ASSERT(term_wait_gone(t, "Quit while", 5), "the question stays:\n%s", t->screen);
	before = screen_percent_sum(t->screen);
	for (int i = 0; i < 150 && after <= before; i++) {
		usleep(100000);
		after = screen_percent_sum(term_capture(t));
	}
	TERM_ASSERT(after > before, "units stopped after n:\n%s", t->screen);
	TERM_ASSERT(strstr(t->screen, "station exited") == NULL, "station ended after n");
	/* s on a running slot asks too; n leaves it alone. */
	term_keys(t, "s");
	WAIT_FOR(t, "Stop slot S1", 5);
	term_keys(t, "n");
	TERM_ASSERT(term_wait_gone(t, "Stop slot", 5), "still on the screen:\n%s", t->screen);
	/* Pause shows in the header. */
	term_keys(t, "p");
	WAIT_FOR(t, "PAUSED", 5);
	term_keys(t, "p");
	TERM_ASSERT(term_wait_gone(t, "PAUSED", 5), "still on the screen:\n%s", t->screen);
	/* ? shows the keys; any key closes. */
	term_keys(t, "?");
	WAIT_FOR(t, "this help", 5);
	term_keys(t, "x");
	TERM_ASSERT(term_wait_gone(t, "this help", 5), "still on the screen:\n%s", t->screen);
	/* Quit for real: both units are cut short, so the status is 1. */
	term_keys(t, "q");
	WAIT_FOR(t, "Quit while", 5);
	term_keys(t, "y");
	WAIT_FOR(t, "station exited 1", 30);
	TERM_ASSERT(strstr(t->screen, "2 unit(s): 0 passed, 2 failed") != NULL,
	    "no closing line:\n%s", t->screen);
}
END_TEST

/* Every label of slots S1..Sn seen on some page: the pages are walked with
 * ']' from the first. */
static void
check_every_slot_reachable(term *t, int nslots, int cols, int lines)
{
	bool seen[64] = { false };
	int  missing = 0;

	term_resize(t, cols, lines);
	term_keys(t, "Home");
	for (int k = 0; k < 8; k++)
		term_keys(t, "[");
	usleep(400000);
	for (int page = 0; page < 16; page++) {
		term_capture(t);
		for (int i = 1; i <= nslots; i++) {
			char label[8];
			snprintf(label, sizeof label, "S%d", i);
			if (screen_has_label(t->screen, label))
				seen[i] = true;
		}
		if (strstr(t->screen, " page ") == NULL)
			break;
		term_keys(t, "]");
		usleep(300000);
	}
	for (int i = 1; i <= nslots; i++)
		missing += !seen[i];
	TERM_ASSERT(missing == 0, "%dx%d: %d slot(s) never shown; last screen:\n%s", cols, lines,
	    missing, t->screen);
}

START_TEST(test_grid_resize)
{
	term *t = term_new();
	char  text[2048] = "";

	for (int i = 0; i < 12; i++)
		strcat(text, "module: model=BG96 rev=BG96MAR02A07M1G\n");
	strcat(text, "package: model=BG96 from=BG96MAR02A07M1G to=BG96MAR02A08M1G\nspeed: 4\n");
	term_start(t, "grid-resize", text, 120, 40, "C.UTF-8", "");
	WAIT_FOR(t, "S12", 20);
	check_every_slot_reachable(t, 12, 80, 24);
	check_every_slot_reachable(t, 12, 200, 60);
	/* Too small for two-line cells: one line each, over pages. */
	check_every_slot_reachable(t, 12, 60, 12);
	TERM_ASSERT(strstr(t->screen, "page 2/2") != NULL, "no page indicator:\n%s", t->screen);
	/* Back to the first page. */
	term_keys(t, "[");
	WAIT_FOR(t, "S1 ", 5);
	term_resize(t, 120, 40);
	WAIT_FOR(t, "S12", 5);
	term_keys(t, "q");
	WAIT_FOR(t, "Quit while", 5);
	term_keys(t, "y");
	WAIT_FOR(t, "station exited", 30);
}
END_TEST

/* Operators at many slots: the whole error of the selected slot, PASS
 * and NO_PACKAGE cells, / by label and by IMEI, f, R with its question,
 * and the timeline's times in the station's zone. */
static const char many_case[] =
	"module:  model=BG96 rev=BG96MAR02A07M1G\n"
	"module:  model=AG35 rev=AG35CEVAR05A07T4G fault=end:510\n"
	"module:  model=BG96 rev=BG96MAR02A06M1G\n"
	"module:  model=BG96 rev=BG96MAR02A07M1G\n"
	"package: model=BG96 from=BG96MAR02A07M1G to=BG96MAR02A08M1G\n"
	"package: model=AG35 from=AG35CEVAR05A07T4G to=AG35CEVAR05A08T4G\n"
	"speed:   6\n";

static void
term_type(term *t, const char *text)
{
	const char *args[] = { "send-keys", "-t", "grid", "-l", text, NULL };

	tmux_run(t, args);
}

START_TEST(test_grid_operator_tools)
{
	term              *t = term_new();
	harness_csv        csv;
	char               reports[1200], path[1200], imei[32] = "";
	const harness_row *r;

	/* 120 columns: three cells across, each too narrow for S2's error. */
	term_start_cfg(t, "grid-tools", many_case, 120, 40, "C.UTF-8", "",
	    "timezone = \"Asia/Shanghai\";");
	WAIT_FOR(t, "\u2716 S2", 60);
	WAIT_FOR(t, "! S3", 30);
	WAIT_FOR(t, "2 pass", 60);
	WAIT_FOR(t, "2 fail", 10);
	/* PASS cells show the verified revision, the NO_PACKAGE one where the
	 * unit is, without AT+QGMR's build suffix. */
	TERM_ASSERT(strstr(t->screen, "verified BG96MAR02A08M1G") != NULL, "PASS cell:\n%s",
	    t->screen);
	TERM_ASSERT(strstr(t->screen, "at BG96MAR02A06M1G") != NULL &&
	    strstr(t->screen, "BG96MAR02A06M1G_") == NULL, "NO_PACKAGE cell:\n%s", t->screen);
	WAIT_FOR(t, "S1 PASS: verified at BG96MAR02A08M1G (was BG96MAR02A07M1G)", 5);
	/* S2's whole error on the info lines; its cell has room for a part. */
	term_keys(t, "Right");
	WAIT_FOR(t, "S2 FAIL in ", 5);
	TERM_ASSERT(strstr(t->screen, "510 ") != NULL &&
	    strstr(t->screen, "wrong package: does not match this firmware") != NULL,
	    "no whole error text:\n%s", t->screen);
	/* / by label, lower case. */
	term_keys(t, "/");
	WAIT_FOR(t, "find slot or IMEI", 5);
	term_type(t, "s4");
	term_keys(t, "Enter");
	WAIT_FOR(t, "S4 PASS: verified at", 5);
	/* / by IMEI: the last nine digits of S3's, from the report. */
	snprintf(reports, sizeof reports, "%s/reports", t->dir);
	TERM_ASSERT(harness_read_session(reports, &csv, path, sizeof path), "no report in %s",
	    reports);
	r = harness_row_of(&csv, "S3");
	TERM_ASSERT(r != NULL && strlen(harness_field(r, "imei")) == 15, "no S3 row in %s", path);
	snprintf(imei, sizeof imei, "%s", harness_field(r, "imei") + 6);
	TERM_ASSERT(strcmp(harness_field(r, "result"), "NO_PACKAGE") == 0 &&
	    strcmp(harness_field(r, "fw_before"), "BG96MAR02A06M1G") == 0, "S3 row");
	harness_csv_free(&csv);
	term_keys(t, "/");
	WAIT_FOR(t, "find slot or IMEI", 5);
	term_type(t, imei);
	term_keys(t, "Enter");
	WAIT_FOR(t, "S3 NO PACKAGE: BG96", 5);
	TERM_ASSERT(strstr(t->screen, "at BG96MAR02A06M1G: no package") != NULL,
	    "NO_PACKAGE info:\n%s", t->screen);
	/* f: failed slots only. */
	term_keys(t, "f");
	WAIT_FOR(t, "FAILED ONLY", 5);
	TERM_ASSERT(!screen_has_label(t->screen, "S1") && !screen_has_label(t->screen, "S4") &&
	    screen_has_label(t->screen, "S2") && screen_has_label(t->screen, "S3"),
	    "f shows:\n%s", t->screen);
	/* The help lists the new keys. */
	term_keys(t, "?");
	WAIT_FOR(t, "this help", 5);
	TERM_ASSERT(strstr(t->screen, "retry every failed unit") != NULL &&
	    strstr(t->screen, "find a slot by its label or IMEI") != NULL &&
	    strstr(t->screen, "failed slots only") != NULL, "help:\n%s", t->screen);
	term_keys(t, "x");
	TERM_ASSERT(term_wait_gone(t, "this help", 5), "help stays:\n%s", t->screen);
	/* R asks first; n leaves them; y retries both (they fail again). */
	term_keys(t, "R");
	WAIT_FOR(t, "Retry 2 failed unit(s)?", 5);
	term_keys(t, "n");
	TERM_ASSERT(term_wait_gone(t, "Retry 2 failed", 5), "question stays:\n%s", t->screen);
	term_keys(t, "R");
	WAIT_FOR(t, "Retry 2 failed unit(s)?", 5);
	term_keys(t, "y");
	WAIT_FOR(t, "retrying 2 failed unit(s)", 5);
	WAIT_FOR(t, "4 fail", 90);
	/* The timeline: times in Asia/Shanghai, the zone on each line. */
	term_keys(t, "Enter");
	WAIT_FOR(t, "lines ", 5);
	TERM_ASSERT(strstr(t->screen, " CST ") != NULL, "no zone in the timeline:\n%s",
	    t->screen);
	term_keys(t, "Escape");
	term_keys(t, "f");
	TERM_ASSERT(term_wait_gone(t, "FAILED ONLY", 5), "f stays:\n%s", t->screen);
	WAIT_FOR(t, "\u2714 S1", 5);
	term_keys(t, "q");
	WAIT_FOR(t, "station exited 1", 15);
}
END_TEST

int
main(void)
{
	Suite   *s = suite_create("grid");
	TCase   *tc = tcase_create("grid-in-tmux");

	tcase_set_timeout(tc, 240);
	tcase_add_checked_fixture(tc, NULL, term_teardown);
	tcase_add_test(tc, test_grid_cells);
	tcase_add_test(tc, test_grid_failed_check);
	tcase_add_test(tc, test_grid_quit_asks);
	tcase_add_test(tc, test_grid_resize);
	tcase_add_test(tc, test_grid_operator_tools);
	suite_add_tcase(s, tc);
	return harness_run_suite(s, CK_NORMAL);
}
