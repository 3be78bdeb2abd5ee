/*
 * test_cli: the command line conventions of docs/cli.md, for every command.
 *
 * Every command -- those in tests/data/cli/commands and those the usage
 * texts list under "Commands:" (`dfota-station --help`, `report --help`),
 * so a new row of a command table is tested without an edit here -- must
 * print its usage on stdout and exit 0 for --help and for -h, and must
 * print the usage on stderr, nothing on stdout, and exit 2 for an option it
 * does not know. And the station that cannot start speaks JSON: a bad
 * station file or no USB (an empty umockdev testbed has no /sys/bus/usb)
 * is one JSON line on stdout with the file, line, setting and message.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/harness/harness.h"

#define CLI_MAX_COMMANDS 64
#define CLI_MAX_WORDS    8
#define CLI_OUT_MAX      65536

typedef struct cli_run {
	int  status;                 /* exit status, -1 when it did not end */
	char out[CLI_OUT_MAX];
	char err[CLI_OUT_MAX];
} cli_run;

static char cli_commands[CLI_MAX_COMMANDS][256];
static int  cli_ncommands;

/* The file's text into buf ("" when it cannot be read). */
static void
cli_read_file(const char *path, char *buf, size_t len)
{
	char *text = harness_read_file(path, NULL);

	snprintf(buf, len, "%s", text != NULL ? text : "");
	free(text);
}

/* Runs the words of line plus extra in cwd (NULL: a fresh folder), stdout
 * and stderr apart; the words dfota-station and dfota-sim are the binaries
 * under test, other programs are looked up on PATH. */
static void
cli_exec(const char *line, const char *extra, const char *cwd, cli_run *r)
{
	char  words[512], dir[1024], outp[1100], errp[1100];
	char *argv[CLI_MAX_WORDS + 2], *save = NULL;
	int   n = 0;
	pid_t pid;

	snprintf(words, sizeof words, "%s", line);
	for (char *w = strtok_r(words, " ", &save); w != NULL && n < CLI_MAX_WORDS;
	     w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	ck_assert_int_gt(n, 0);
	for (int i = 0; i < n; i++) {
		if (strcmp(argv[i], "dfota-station") == 0)
			argv[i] = (char *)harness_env("DFOTA_STATION");
		else if (strcmp(argv[i], "dfota-sim") == 0)
			argv[i] = (char *)harness_env("DFOTA_SIM");
	}
	if (extra != NULL)
		argv[n++] = (char *)extra;
	argv[n] = NULL;
	if (cwd != NULL)
		snprintf(dir, sizeof dir, "%s", cwd);
	else
		ck_assert(harness_fresh_dir("cli", dir, sizeof dir));
	snprintf(outp, sizeof outp, "%s/out", dir);
	snprintf(errp, sizeof errp, "%s/err", dir);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int z = open("/dev/null", O_RDONLY);
		if (o < 0 || e < 0 || z < 0)
			_exit(127);
		dup2(z, 0);
		dup2(o, 1);
		dup2(e, 2);
		if (chdir(dir) != 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	r->status = harness_wait(pid, 60);
	cli_read_file(outp, r->out, sizeof r->out);
	cli_read_file(errp, r->err, sizeof r->err);
}

static void
cli_add(const char *line)
{
	for (int i = 0; i < cli_ncommands; i++)
		if (strcmp(cli_commands[i], line) == 0)
			return;
	ck_assert_int_lt(cli_ncommands, CLI_MAX_COMMANDS);
	snprintf(cli_commands[cli_ncommands++], sizeof cli_commands[0], "%s", line);
}

/* The first word of each line after "Commands:" in usage text, each as
 * "prefix word". */
static void
cli_add_listed(const char *usage, const char *prefix)
{
	const char *p = strstr(usage, "\nCommands:\n");

	if (p == NULL)
		return;
	for (p = strchr(p + 1, '\n') + 1; p[0] == ' ' && p[1] == ' '; p = strchr(p, '\n') + 1) {
		char word[64], line[256];

		if (sscanf(p, " %63s", word) == 1) {
			snprintf(line, sizeof line, "%s %s", prefix, word);
			cli_add(line);
		}
		if (strchr(p, '\n') == NULL)
			break;
	}
}

static void
cli_load(void)
{
	char     path[1024], text[8192], *save = NULL;
	cli_run *r = malloc(sizeof *r);

	ck_assert_ptr_nonnull(r);
	cli_ncommands = 0;
	snprintf(path, sizeof path, "%s/cli/commands", harness_env("DFOTA_TESTDATA"));
	cli_read_file(path, text, sizeof text);
	ck_assert_msg(text[0] != '\0', "%s is missing or empty", path);
	for (char *l = strtok_r(text, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save))
		if (l[0] != '#' && l[0] != '\0')
			cli_add(l);
	cli_exec("dfota-station", "--help", NULL, r);
	cli_add_listed(r->out, "dfota-station");
	cli_exec("dfota-station report", "--help", NULL, r);
	cli_add_listed(r->out, "dfota-station report");
	free(r);
}

START_TEST(test_help_on_stdout)
{
	static const char *forms[] = { "--help", "-h" };
	cli_run *r = malloc(sizeof *r);

	ck_assert_ptr_nonnull(r);
	cli_load();
	ck_assert_int_ge(cli_ncommands, 8);
	for (int i = 0; i < cli_ncommands; i++)
		for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
			cli_exec(cli_commands[i], forms[f], NULL, r);
			ck_assert_msg(r->status == 0, "%s %s: exit %d, want 0 (stderr: %s)",
			    cli_commands[i], forms[f], r->status, r->err);
			ck_assert_msg(strncmp(r->out, "usage:", 6) == 0,
			    "%s %s: stdout does not start with usage: '%.200s'", cli_commands[i],
			    forms[f], r->out);
			ck_assert_msg(r->err[0] == '\0', "%s %s: wrote on stderr: %s",
			    cli_commands[i], forms[f], r->err);
		}
	free(r);
}
END_TEST

START_TEST(test_unknown_option_is_usage_error)
{
	cli_run *r = malloc(sizeof *r);

	ck_assert_ptr_nonnull(r);
	cli_load();
	for (int i = 0; i < cli_ncommands; i++) {
		cli_exec(cli_commands[i], "--no-such-option", NULL, r);
		ck_assert_msg(r->status == 2, "%s --no-such-option: exit %d, want 2",
		    cli_commands[i], r->status);
		ck_assert_msg(strstr(r->err, "usage:") != NULL,
		    "%s --no-such-option: no usage on stderr: '%.200s'", cli_commands[i], r->err);
		ck_assert_msg(r->out[0] == '\0', "%s --no-such-option: wrote on stdout: %.200s",
		    cli_commands[i], r->out);
	}
	free(r);
}
END_TEST

START_TEST(test_version)
{
	cli_run *r = malloc(sizeof *r);

	ck_assert_ptr_nonnull(r);
	cli_exec("dfota-station", "--version", NULL, r);
	ck_assert_int_eq(r->status, 0);
	ck_assert_msg(strncmp(r->out, "dfota-station ", 14) == 0, "'%s'", r->out);
	free(r);
}
END_TEST

/* Exactly one line on stdout, with these fragments. */
static void
cli_assert_one_json_line(const cli_run *r, const char *const *want, size_t nwant)
{
	const char *nl = strchr(r->out, '\n');

	ck_assert_msg(r->out[0] == '{' && nl != NULL && nl[1] == '\0',
	    "want one JSON line on stdout, got '%s'", r->out);
	for (size_t i = 0; i < nwant; i++)
		ck_assert_msg(strstr(r->out, want[i]) != NULL, "'%s' not in '%s'", want[i], r->out);
	ck_assert_msg(r->err[0] != '\0', "nothing on stderr");
}

START_TEST(test_bad_config_json)
{
	static const char *want[] = {
		"\"error\":{\"file\":\"bad.cfg\",\"line\":3,\"setting\":\"policy.attempts\","
		"\"message\":\"must be a whole number from 1 to 10, got 0\"}", "\"exit\":2}",
	};
	char     dir[1024], path[1100];
	cli_run *r = malloc(sizeof *r);

	ck_assert_ptr_nonnull(r);
	ck_assert(harness_fresh_dir("cli-cfg", dir, sizeof dir));
	snprintf(path, sizeof path, "%s/bad.cfg", dir);
	harness_write_file(path, "station: { name = \"t\"; };\n\npolicy: { attempts = 0; };\n");
	/* From dir: the path as given is the path in the message. */
	cli_exec("dfota-station --headless --config bad.cfg", NULL, dir, r);
	ck_assert_int_eq(r->status, 2);
	cli_assert_one_json_line(r, want, sizeof want / sizeof want[0]);
	ck_assert_msg(strstr(r->err, "bad.cfg:3: policy.attempts: must be") != NULL, "%s", r->err);
	free(r);
}
END_TEST

START_TEST(test_no_usb_json)
{
	static const char *want[] = {
		"\"error\":{\"file\":null,\"line\":null,\"setting\":null,\"message\":\"cannot use USB: ",
		"\"exit\":3}",
	};
	char     dir[1024], path[1100], line[1400];
	cli_run *r = malloc(sizeof *r);

	ck_assert_ptr_nonnull(r);
	ck_assert(harness_fresh_dir("cli-usb", dir, sizeof dir));
	snprintf(path, sizeof path, "%s/station.cfg", dir);
	harness_write_file(path, "station: { name = \"t\"; reports_dir = \"reports\"; };\n"
	    "slots = ( { label = \"A1\"; usb_path = \"1-1\"; } );\n");
	/* An empty testbed: no /sys/bus/usb, whatever this machine has. Its
	 * preload comes before ASan's runtime in a sanitizer build (make san),
	 * as in test_usb. */
	setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 0);
	snprintf(line, sizeof line, "umockdev-run -- dfota-station --headless --config %s", path);
	cli_exec(line, NULL, NULL, r);
	ck_assert_int_eq(r->status, 3);
	cli_assert_one_json_line(r, want, sizeof want / sizeof want[0]);
	free(r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("conventions");

	tcase_add_test(tc, test_help_on_stdout);
	tcase_add_test(tc, test_unknown_option_is_usage_error);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_bad_config_json);
	tcase_add_test(tc, test_no_usb_json);
	suite_add_tcase(s, tc);
	return harness_run_suite(s, CK_NORMAL);
}
