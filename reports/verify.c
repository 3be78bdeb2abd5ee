/*
 * verify: `report verify CSV...`, the check a quality engineer runs on a
 * session file (docs/audit.md says what it proves and what it does not).
 *
 * For each file: read it whole, let chain_check recompute every row's
 * row_sha256 from the row before it and the row's own bytes, and report
 * the first row where the stored value differs (an edited, deleted,
 * inserted or moved row breaks the chain exactly there). Then compare the
 * last row_sha256 with the <file>.head sidecar: a head that no row of the
 * file carries means rows were cut off the end, which the chain alone
 * cannot see. Files keep being checked after a bad one, so one run reports
 * on all of them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "reports/chain.h"
#include "reports/verify.h"

enum verify_status { VERIFY_OK = 0, VERIFY_CHANGED = 1, VERIFY_UNREADABLE = 2 };

static void
verify_usage(FILE *err)
{
	fputs("usage: dfota-station report verify CSV...\n"
	    "\n"
	    "Checks the hash chain (row_sha256) of session CSVs: finds a row edited,\n"
	    "deleted, reordered or inserted after it was written.\n"
	    "Exit status: 0 every chain holds, 1 a file was changed, 2 a file could\n"
	    "not be read.\n"
	    "\n"
	    "  -h, --help   this text\n", err);
}

/* The line for a file whose rows all check out, with what it cannot say. */
static void
verify_ok(const char *path, const chain_result *res, int have_head,
    FILE *out)
{
	fprintf(out, "%s: OK %ld rows", path, res->rows);
	if (res->rows > 0)
		fprintf(out, ", head %s", res->last);
	if (res->legacy_rows > 0)
		fprintf(out, " (%ld %srows have no " CHAIN_COLUMN ": written by a "
		    "version before the chain, not covered)", res->legacy_rows,
		    res->rows > 0 ? "earlier " : "");
	if (!have_head && res->rows > 0)
		fprintf(out, " (no %s.head: rows removed at the end would not "
		    "show)", path);
	fputc('\n', out);
}

/* The end of the file against the sidecar; the chain itself is intact. */
static enum verify_status
verify_head(const char *path, const chain_result *res, const char *head,
    long hrows, FILE *out)
{
	if (strcmp(head, res->last) == 0 && hrows == res->rows)
		return VERIFY_OK;
	if (res->head_row > 0 && res->head_row < res->rows) {
		fprintf(out, "%s: row %ld: rows after the recorded head: rows %ld "
		    "to %ld were added after it (or the station stopped between "
		    "writing a row and its head)\n", path, res->head_row + 1,
		    res->head_row + 1, res->rows);
		return VERIFY_CHANGED;
	}
	if (strcmp(head, res->last) == 0) {
		fprintf(out, "%s: the head records %ld rows, the file has %ld "
		    "(the head file was edited)\n", path, hrows, res->rows);
		return VERIFY_CHANGED;
	}
	fprintf(out, "%s: file ends before the recorded head: rows removed at "
	    "the end (the head records %ld rows, the file has %ld)\n", path,
	    hrows, res->rows);
	return VERIFY_CHANGED;
}

static enum verify_status
verify_file(const char *path, FILE *out, FILE *err)
{
	chain_result       res;
	char               head[CHAIN_HEX_LEN + 1] = "";
	char              *buf;
	size_t             len;
	long               hrows = 0;
	int                have;
	enum verify_status st;

	buf = chain_slurp(path, &len);
	if (buf == NULL) {
		fprintf(err, "report verify: %s: %s\n", path, strerror(errno));
		return VERIFY_UNREADABLE;
	}
	have = chain_head_read(path, head, &hrows);
	if (have < 0 && errno != EINVAL) {
		fprintf(err, "report verify: %s.head: %s\n", path, strerror(errno));
		free(buf);
		return VERIFY_UNREADABLE;
	}
	chain_check(buf, len, have == 1 ? head : NULL, &res);
	free(buf);

	if (len > 0 && !res.header) {
		fprintf(err, "report verify: %s: not a session report (line 1 is "
		    "not the run_id,... header)\n", path);
		return VERIFY_UNREADABLE;
	}
	if (res.bad_row != 0) {
		fprintf(out, "%s: row %ld (line %ld): %s\n", path, res.bad_row,
		    res.bad_line, res.problem);
		return VERIFY_CHANGED;
	}
	if (have < 0) {
		fprintf(out, "%s: %s.head is not \"<64 hex digits> <rows>\": the "
		    "head file was edited\n", path, path);
		return VERIFY_CHANGED;
	}
	st = have == 1 ? verify_head(path, &res, head, hrows, out) : VERIFY_OK;
	if (st == VERIFY_OK)
		verify_ok(path, &res, have == 1, out);
	return st;
}

int
report_verify_run(int argc, char **argv, FILE *out, FILE *err)
{
	bool changed = false, unreadable = false;
	int  first = 1;

	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	/* getopt_long (docs/cli.md); its messages would go to stderr, not err. */
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'h') {
			verify_usage(out);
			return 0;
		}
		fprintf(err, "report verify: unknown option '%s'\n", argv[optind - 1]);
		verify_usage(err);
		return VERIFY_UNREADABLE;
	}
	first = optind;
	if (first >= argc) {
		verify_usage(err);
		return VERIFY_UNREADABLE;
	}
	for (int i = first; i < argc; i++) {
		switch (verify_file(argv[i], out, err)) {
		case VERIFY_OK:
			break;
		case VERIFY_CHANGED:
			changed = true;
			break;
		case VERIFY_UNREADABLE:
			unreadable = true;
			break;
		}
	}
	/* A changed file is the finding that matters most: it wins over a
	 * file that could not be read. */
	return changed ? VERIFY_CHANGED : unreadable ? VERIFY_UNREADABLE : VERIFY_OK;
}

int
report_verify_main(int argc, char **argv)
{
	return report_verify_run(argc, argv, stdout, stderr);
}
