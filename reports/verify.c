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
 * cannot see. With --pubkey, the file's <file>.sig must then sign exactly
 * that last row with the given key (sign.c). Files keep being checked after
 * a bad one, so one run reports on all of them.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reports/chain.h"
#include "reports/sign.h"
#include "reports/verify.h"

enum verify_status { VERIFY_OK = 0, VERIFY_CHANGED = 1, VERIFY_UNREADABLE = 2 };

static void
verify_usage(FILE *err)
{
	fputs("usage: dfota-station report verify [--pubkey PUB.pem] CSV...\n"
	    "\n"
	    "Checks the row hash chain of each session CSV and its end against\n"
	    "CSV.head; with --pubkey, also that CSV.sig signs the file's last row\n"
	    "with that Ed25519 key (docs/audit.md).\n"
	    "\n"
	    "Exit status: 0 every file checks out (and, with --pubkey, its signature\n"
	    "verifies), 1 a file was changed or its signature is missing or does\n"
	    "not verify, 2 usage error or a file that cannot be read.\n", err);
}

/* The line for a file whose rows all check out, with what it cannot say. */
static void
verify_ok(const char *path, const chain_result *res, int have_head,
    const char *signature, FILE *out)
{
	char sig[PATH_MAX + 8];

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
	snprintf(sig, sizeof sig, "%s" SIGN_SUFFIX, path);
	if (signature != NULL)
		fprintf(out, ", %s", signature);
	else if (access(sig, F_OK) == 0)
		fprintf(out, " (signed: %s; give --pubkey to check it)", sig);
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
verify_file(const char *path, struct evp_pkey_st *pub, FILE *out, FILE *err)
{
	char               why[512];
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

	if (len > 0 && !res.header) {
		free(buf);
		fprintf(err, "report verify: %s: not a session report (line 1 is "
		    "not the run_id,... header)\n", path);
		return VERIFY_UNREADABLE;
	}
	if (res.bad_row != 0) {
		free(buf);
		fprintf(out, "%s: row %ld (line %ld): %s\n", path, res.bad_row,
		    res.bad_line, res.problem);
		return VERIFY_CHANGED;
	}
	if (have < 0) {
		free(buf);
		fprintf(out, "%s: %s.head is not \"<64 hex digits> <rows>\": the "
		    "head file was edited\n", path, path);
		return VERIFY_CHANGED;
	}
	st = have == 1 ? verify_head(path, &res, head, hrows, out) : VERIFY_OK;
	if (st == VERIFY_OK && pub != NULL) {
		/* The chain holds: now whether its head is the one signed. */
		int rc = sign_check(path, buf, len, &res, pub, why, sizeof why);

		if (rc == 2) {
			free(buf);
			fprintf(err, "report verify: %s\n", why);
			return VERIFY_UNREADABLE;
		}
		if (rc == 1) {
			free(buf);
			fprintf(out, "%s: chain OK (%ld rows) but %s\n", path, res.rows, why);
			return VERIFY_CHANGED;
		}
	}
	free(buf);
	if (st == VERIFY_OK)
		verify_ok(path, &res, have == 1, pub != NULL ? why : NULL, out);
	return st;
}

int
report_verify_run(int argc, char **argv, FILE *out, FILE *err)
{
	static const struct option opts[] = {
		{ "pubkey", required_argument, NULL, 'p' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool        changed = false, unreadable = false;
	const char *pubpath = NULL;
	struct evp_pkey_st *pub = NULL;
	char        msg[PATH_MAX + 256];
	int         ch, first;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hp:", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			pubpath = optarg;
			break;
		case 'h':
			verify_usage(out);
			return 0;
		case ':':
			fprintf(err, "report verify: %s needs a value\n", argv[optind - 1]);
			verify_usage(err);
			return VERIFY_UNREADABLE;
		default:
			fprintf(err, "report verify: unknown option '%s'\n", argv[optind - 1]);
			verify_usage(err);
			return VERIFY_UNREADABLE;
		}
	}
	first = optind;
	if (first >= argc) {
		verify_usage(err);
		return VERIFY_UNREADABLE;
	}
	if (pubpath != NULL && (pub = sign_key_load_public(pubpath, msg, sizeof msg)) == NULL) {
		fprintf(err, "report verify: %s\n", msg);
		return VERIFY_UNREADABLE;
	}
	for (int i = first; i < argc; i++) {
		switch (verify_file(argv[i], pub, out, err)) {
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
	sign_key_free(pub);
	/* A changed file is the finding that matters most: it wins over a
	 * file that could not be read. */
	return changed ? VERIFY_CHANGED : unreadable ? VERIFY_UNREADABLE : VERIFY_OK;
}

int
report_verify_main(int argc, char **argv)
{
	return report_verify_run(argc, argv, stdout, stderr);
}
