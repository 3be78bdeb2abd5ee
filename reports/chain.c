/*
 * chain: the row hash chain of the session files, docs/audit.md.
 *
 * The hash covers the bytes as written, not the values: a row is checked
 * against exactly what is in the file, so a spreadsheet that re-quotes a
 * field, drops the formula guard or rewrites a \xHH breaks the chain like
 * any other edit. That is why chain_check splits records on raw bytes
 * (quotes only toggle a state; "" toggles twice and changes nothing) and
 * never unescapes a field.
 *
 * One pass over the file does everything both users need: the first
 * broken row for `report verify`, and for the writer the row_sha256 to
 * continue from and whether the file ends in the middle of a row (a write
 * cut short by a crash).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packages/sha256.h"
#include "reports/chain.h"

/* One record's place in the buffer. */
typedef struct chain_rec {
	size_t start;        /* first byte                                 */
	size_t end;          /* after the last byte, CR LF excluded        */
	size_t next;         /* where the next record starts               */
	size_t last_comma;   /* the comma before the last field, or SIZE_MAX */
	int    nfields;
	long   inner_lines;  /* line ends inside quoted fields             */
	bool   terminated;   /* ended by LF (not by the end of the buffer) */
} chain_rec;

enum chain_section { CHAIN_NONE, CHAIN_LEGACY, CHAIN_CHAINED };

void
chain_zero(char head[CHAIN_HEX_LEN + 1])
{
	memset(head, '0', CHAIN_HEX_LEN);
	head[CHAIN_HEX_LEN] = '\0';
}

bool
chain_is_hex(const char *s, size_t len)
{
	if (len != CHAIN_HEX_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

void
chain_row_hash(const char *prev, const char *fields, size_t len,
    char out[CHAIN_HEX_LEN + 1])
{
	sha256_ctx c;
	uint8_t    digest[32];

	sha256_init(&c);
	sha256_update(&c, prev, CHAIN_HEX_LEN);
	sha256_update(&c, "\n", 1);
	sha256_update(&c, fields, len);
	sha256_final(&c, digest);
	sha256_to_hex(digest, out);
}

void
chain_head_path(const char *csv, char *buf, size_t len)
{
	snprintf(buf, len, "%s.head", csv);
}

int
chain_head_read(const char *csv, char head[CHAIN_HEX_LEN + 1], long *rows)
{
	char  path[4096], line[160], *end;
	FILE *f;
	long  n;

	chain_head_path(csv, path, sizeof path);
	f = fopen(path, "r");
	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	if (fgets(line, sizeof line, f) == NULL) {
		fclose(f);
		errno = EINVAL;
		return -1;
	}
	fclose(f);
	if (strlen(line) < CHAIN_HEX_LEN + 2 || !chain_is_hex(line, CHAIN_HEX_LEN) ||
	    line[CHAIN_HEX_LEN] != ' ') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	n = strtol(line + CHAIN_HEX_LEN + 1, &end, 10);
	if (errno != 0 || end == line + CHAIN_HEX_LEN + 1 || n < 0 ||
	    (*end != '\n' && *end != '\0')) {
		errno = EINVAL;
		return -1;
	}
	memcpy(head, line, CHAIN_HEX_LEN);
	head[CHAIN_HEX_LEN] = '\0';
	*rows = n;
	return 1;
}

/* The record starting at pos; false at the end of the buffer. */
static bool
chain_next(const char *buf, size_t len, size_t pos, chain_rec *r)
{
	bool   quoted = false;
	size_t i;

	if (pos >= len)
		return false;
	memset(r, 0, sizeof *r);
	r->start = pos;
	r->nfields = 1;
	r->last_comma = SIZE_MAX;
	for (i = pos; i < len; i++) {
		char c = buf[i];

		if (c == '"')
			quoted = !quoted;
		else if (quoted)
			r->inner_lines += c == '\n';
		else if (c == ',') {
			r->nfields++;
			r->last_comma = i;
		} else if (c == '\n') {
			r->terminated = true;
			break;
		}
	}
	r->end = i;
	r->next = r->terminated ? i + 1 : i;
	if (r->terminated && r->end > r->start && buf[r->end - 1] == '\r')
		r->end--;
	return true;
}

/* A header names its columns: the writer's starts with run_id; a file's
 * first line may name them in any order (summary reads by name), as long
 * as one is result. Later lines count only by run_id, which no row holds
 * as a value, so a module's text can never pass for a header. */
static bool
chain_rec_is_header(const char *buf, const chain_rec *r, bool first)
{
	size_t      n = r->end - r->start, i = 0;
	const char *p = buf + r->start;

	if (n >= 7 && memcmp(p, "run_id,", 7) == 0)
		return true;
	while (first && i <= n) {
		const char *comma = memchr(p + i, ',', n - i);
		size_t      flen = (comma ? (size_t)(comma - p) : n) - i;

		if (flen == 6 && memcmp(p + i, "result", 6) == 0)
			return true;
		i += flen + 1;
	}
	return false;
}

/* The last field's bytes. */
static const char *
chain_rec_last(const char *buf, const chain_rec *r, size_t *len)
{
	size_t from = r->last_comma == SIZE_MAX ? r->start : r->last_comma + 1;

	*len = r->end - from;
	return buf + from;
}

static void
chain_problem(chain_result *res, long row, long line, const char *what)
{
	if (res->bad_row != 0)
		return;
	res->bad_row = row;
	res->bad_line = line;
	snprintf(res->problem, sizeof res->problem, "%s", what);
}

/* Checks one data row under a row_sha256 header; true when it holds. */
static bool
chain_check_row(const char *buf, const chain_rec *r, int hdr_fields,
    char prev[CHAIN_HEX_LEN + 1], chain_result *res, long row, long line,
    const char *head)
{
	char        want[CHAIN_HEX_LEN + 1], what[128];
	const char *stored;
	size_t      slen;

	stored = chain_rec_last(buf, r, &slen);
	if (r->nfields != hdr_fields) {
		snprintf(what, sizeof what, "has %d fields, the header has %d "
		    "(a row cut short, or edited)", r->nfields, hdr_fields);
		chain_problem(res, row, line, what);
		return false;
	}
	if (!chain_is_hex(stored, slen)) {
		chain_problem(res, row, line, CHAIN_COLUMN " is missing or not 64 "
		    "lower-case hex digits");
		return false;
	}
	chain_row_hash(prev, buf + r->start, r->last_comma - r->start, want);
	/* What the next row chains from is what this row says, so a broken
	 * row is reported once rather than for every row after it. */
	memcpy(prev, stored, CHAIN_HEX_LEN);
	memcpy(res->last, stored, CHAIN_HEX_LEN);
	if (head != NULL && memcmp(head, stored, CHAIN_HEX_LEN) == 0)
		res->head_row = res->rows;
	if (memcmp(want, stored, CHAIN_HEX_LEN) != 0) {
		chain_problem(res, row, line, CHAIN_COLUMN " does not match its "
		    "content or the row before it was changed/deleted/inserted");
		return false;
	}
	return true;
}

void
chain_check(const char *buf, size_t len, const char *head, chain_result *res)
{
	enum chain_section section = CHAIN_NONE;
	char               prev[CHAIN_HEX_LEN + 1];
	chain_rec          r;
	size_t             pos = 0;
	long               line = 1;
	int                hdr_fields = 0;
	size_t             hdr_start = 0, hdr_len = 0;

	memset(res, 0, sizeof *res);
	chain_zero(res->last);
	chain_zero(res->complete_last);
	chain_zero(prev);
	while (chain_next(buf, len, pos, &r)) {
		long row = res->rows + res->legacy_rows + 1;
		bool ok = false;

		if (chain_rec_is_header(buf, &r, section == CHAIN_NONE)) {
			size_t      n;
			const char *last = chain_rec_last(buf, &r, &n);
			bool        with = n == strlen(CHAIN_COLUMN) &&
			    memcmp(last, CHAIN_COLUMN, n) == 0;

			res->header = true;
			if (section == CHAIN_CHAINED && (!with || (r.end - r.start ==
			    hdr_len && memcmp(buf + r.start, buf + hdr_start, hdr_len) == 0)))
				chain_problem(res, row, line, "a header line inside "
				    "the chained rows (files joined, or edited)");
			else if (section == CHAIN_CHAINED) {
				/* Another column set (a newer version went on
				 * with the file): the chain runs on across it. */
				hdr_fields = r.nfields;
			} else if (with) {
				section = CHAIN_CHAINED;
				hdr_fields = r.nfields;
				chain_zero(prev);
			} else
				section = CHAIN_LEGACY;
			res->chained = section == CHAIN_CHAINED;
			hdr_start = r.start;
			hdr_len = r.end - r.start;
		} else if (section == CHAIN_NONE) {
			/* Not a session file: the caller says so. */
			return;
		} else if (section == CHAIN_LEGACY) {
			res->legacy_rows++;
		} else {
			res->rows++;
			ok = chain_check_row(buf, &r, hdr_fields, prev, res, row,
			    line, head);
		}
		if (r.terminated) {
			res->complete_len = r.next;
			res->complete_rows = res->rows;
			res->complete_chained = res->chained;
			memcpy(res->complete_last, res->last, sizeof res->last);
			res->complete_hdr = hdr_start;
			res->complete_hdr_len = hdr_len;
		} else
			res->tail_ok = ok;
		line += 1 + r.inner_lines;
		pos = r.next;
	}
}

char *
chain_slurp(const char *path, size_t *len)
{
	FILE  *f = fopen(path, "rb");
	char  *buf = NULL;
	size_t cap = 0, used = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (cap - used < 65536) {
			char *nb = realloc(buf, cap + 65536 + 1);

			if (nb == NULL) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + used, 1, cap - used, f);
		used += n;
	} while (n > 0);
	if (ferror(f)) {
		int saved = errno;

		free(buf);
		fclose(f);
		errno = saved ? saved : EIO;
		return NULL;
	}
	fclose(f);
	buf[used] = '\0';
	*len = used;
	return buf;
}
