/*
 * harness: what the integration tests share. Runs the real binaries
 * (dfota-station, dfota-sim, found through DFOTA_STATION and DFOTA_SIM),
 * makes per-test folders under DFOTA_TMP, and reads reports back.
 *
 * A case file (tests/data/cases/NAME.case) describes one run of the station
 * against emulated modules and what its report must say:
 *
 *   # one line saying what the case shows
 *   module:  model=AG35 fault=end:510              one slot per module line
 *   package: model=AG35 from=REV to=REV [url] [size=N] [bad]
 *   target:  model=BG96 revision=REV
 *   policy:  stall_timeout=2 reboot_timeout=3      any policy.* setting
 *   config:  verify: { network = true; };          libconfig text, added verbatim
 *   station: --max-units 2                         extra command-line words
 *   speed:   200
 *   expect S1: result=PASS fw_after=REV error_text~words error_code=
 *   expect S1#2: result=NO_PACKAGE              the slot's second row
 *   expect S2: none                              no row for the slot
 *   exit:    1
 *
 * A module line's bare word `urc_link` wires the module's main UART to a
 * second pty and names it as the slot's urc_serial.
 *
 * `field=value` must match exactly (empty value: the field is empty),
 * `field~text` means the field contains text. Slots are labelled S1, S2, ...
 * in the order of the module lines. A package's `from`/`to` default to the
 * model's emulated revisions; `bad` makes a file without the package header.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include <check.h>

#define HARNESS_MAX_ROWS 256
#define HARNESS_MAX_COLS 40

typedef struct harness_row {
	int    ncols;
	char  *name[HARNESS_MAX_COLS];
	char  *value[HARNESS_MAX_COLS];
} harness_row;

typedef struct harness_csv {
	int         nrows;
	harness_row rows[HARNESS_MAX_ROWS];
} harness_csv;

const char *harness_env(const char *name);
/* A test program's main(): runs the suite (printing at verbosity), frees
 * the runner; 0 when every test passed, else 1. */
int         harness_run_suite(Suite *s, enum print_output verbosity);
/* The whole file (NUL-terminated; *len its length, len may be NULL), or
 * NULL when it cannot be read. The caller frees it. */
char       *harness_read_file(const char *path, size_t *len);
/* The whole content of an open stream from its start (flushed first). */
char       *harness_read_stream(FILE *f, size_t *len);
/* A folder DFOTA_TMP/<name>-XXXXXX that did not exist before (mkdtemp),
 * into out; false when it cannot be made. */
bool        harness_fresh_dir(const char *name, char *out, size_t len);
void        harness_write_file(const char *path, const char *text);
/* Starts argv[0] with stdout (and stderr) to out_path (NULL: inherit). */
pid_t       harness_spawn(char *const argv[], const char *out_path);
/* Exit status, or -1 when it did not end within timeout_s (then killed). */
int         harness_wait(pid_t pid, double timeout_s);
void        harness_stop(pid_t pid);
bool        harness_wait_path(const char *path, double timeout_s);

/* Reads the session CSVs in dir (every *.csv there, not units/): one per
 * UTC day, oldest first, rows appended; path gets the first file's name. */
bool        harness_read_session(const char *dir, harness_csv *csv, char *path, size_t len);
void        harness_csv_free(harness_csv *csv);
const char *harness_field(const harness_row *row, const char *name);
/* The (first / nth, from 1) row of slot label, or NULL. */
const harness_row *harness_row_of(const harness_csv *csv, const char *slot);
const harness_row *harness_row_nth(const harness_csv *csv, const char *slot, int nth);

/* Runs one case file; on failure returns false with the reason in why. */
bool        harness_run_case(const char *case_path, char *why, size_t len);

/* Sets up a case given as text (the case-file format) without running the
 * station: a fresh folder DFOTA_TMP/<name>-... (into dir) holding
 * station.cfg and the packages, and the emulator started on its modules
 * (*sim; stop it with harness_stop). For tests that run the station their
 * own way, e.g. in a terminal. False with the reason in why. */
bool        harness_setup_case(const char *name, const char *case_text, char *dir, size_t len,
                               pid_t *sim, char *why, size_t wlen);

#endif
