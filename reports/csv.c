/*
 * csv: RFC 4180 writing and reading for the session reports, the unit
 * timelines and `report summary`.
 *
 * Writing a field is one pass over its bytes through a small bounded
 * emitter (csv_out) that counts what it would need, like snprintf:
 *
 *   1. formula guard: a field starting with = + - @ TAB or CR gets a
 *      leading ' so a spreadsheet shows it as text instead of running it;
 *   2. every byte that is not part of a valid UTF-8 sequence (overlong
 *      forms, surrogates, code points above U+10FFFF, truncated sequences,
 *      stray continuation bytes) and every control byte other than TAB, CR
 *      and LF becomes the four characters \xHH, so the file is always valid
 *      UTF-8 whatever the module sent;
 *   3. the field is quoted when it holds , " CR or LF, with " doubled.
 *
 * Reading is a small state machine over getc(): quoted fields may hold
 * commas, doubled quotes and line ends; records end at LF or CRLF outside
 * quotes. The fields of a record are stored one after another, each NUL-
 * terminated, in one growing buffer; the field pointers are set once the
 * record is complete because the buffer may move while it grows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reports/csv.h"
#include "text/text.h"

/* A bounded writer that always counts, so callers can size a buffer. */
typedef struct csv_out {
	char  *buf;
	size_t len;
	size_t pos;
} csv_out;

static void
csv_out_char(csv_out *o, char c)
{
	if (o->len > 0 && o->pos < o->len - 1)
		o->buf[o->pos] = c;
	o->pos++;
}

static void
csv_out_hex(csv_out *o, unsigned char byte)
{
	static const char digits[] = "0123456789ABCDEF";

	csv_out_char(o, '\\');
	csv_out_char(o, 'x');
	csv_out_char(o, digits[byte >> 4]);
	csv_out_char(o, digits[byte & 0x0f]);
}

static int
csv_needs_guard(const char *field)
{
	return field[0] != '\0' && strchr("=+-@\t\r", field[0]) != NULL;
}

size_t
csv_escape(char *buf, size_t len, const char *field, bool formula_guard)
{
	const unsigned char *p;
	csv_out              o = { buf, len, 0 };
	int                  quote;

	if (field == NULL)
		field = "";
	/* \xHH never contains these, so the raw field decides the quoting. */
	quote = strpbrk(field, ",\"\r\n") != NULL;

	if (quote)
		csv_out_char(&o, '"');
	if (formula_guard && csv_needs_guard(field))
		csv_out_char(&o, '\'');

	p = (const unsigned char *)field;
	while (*p != '\0') {
		int n = text_utf8_seq(p);

		if (n == 0) {
			csv_out_hex(&o, *p++);
			continue;
		}
		if (n == 1) {
			unsigned char c = *p++;

			if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') ||
			    c == 0x7f)
				csv_out_hex(&o, c);
			else {
				if (c == '"')
					csv_out_char(&o, '"');
				csv_out_char(&o, (char)c);
			}
			continue;
		}
		while (n-- > 0)
			csv_out_char(&o, (char)*p++);
	}
	if (quote)
		csv_out_char(&o, '"');

	if (len > 0)
		buf[o.pos < len ? o.pos : len - 1] = '\0';
	return o.pos;
}

int
csv_write_row(FILE *f, const char *const *fields, int n, bool formula_guard)
{
	char   small[512];
	char  *big = NULL;
	size_t bigsize = 0;
	int    rc = 0;

	for (int i = 0; i < n && rc == 0; i++) {
		const char *text = small;
		size_t      need;

		need = csv_escape(small, sizeof small, fields[i], formula_guard);
		if (need >= sizeof small) {
			if (need >= bigsize) {
				char *nb = realloc(big, need + 1);

				if (nb == NULL) {
					rc = -1;
					break;
				}
				big = nb;
				bigsize = need + 1;
			}
			csv_escape(big, bigsize, fields[i], formula_guard);
			text = big;
		}
		if ((i > 0 && fputc(',', f) == EOF) ||
		    fwrite(text, 1, need, f) != need)
			rc = -1;
	}
	if (rc == 0 && fputs("\r\n", f) == EOF)
		rc = -1;
	free(big);
	return rc;
}

void
csv_reader_init(csv_reader *r, FILE *f)
{
	memset(r, 0, sizeof *r);
	r->f = f;
}

/* Appends one byte to the record buffer, growing it. */
static int
csv_reader_put(csv_reader *r, size_t *used, char c)
{
	if (*used + 1 >= r->buflen) {
		size_t nlen = r->buflen ? r->buflen * 2 : 256;
		char  *nb = realloc(r->buf, nlen);

		if (nb == NULL)
			return -1;
		r->buf = nb;
		r->buflen = nlen;
	}
	r->buf[(*used)++] = c;
	return 0;
}

/* Points fields[] at the NUL-separated fields now that buf is final. */
static int
csv_reader_split(csv_reader *r, int nfields)
{
	char *p = r->buf;

	if (nfields > r->cap) {
		char **nf = realloc(r->fields, (size_t)nfields * sizeof *nf);

		if (nf == NULL)
			return -1;
		r->fields = nf;
		r->cap = nfields;
	}
	for (int i = 0; i < nfields; i++) {
		r->fields[i] = p;
		p += strlen(p) + 1;
	}
	r->nfields = nfields;
	return 0;
}

/* Line ends inside the previous record's quoted fields, for r->line. */
static long
csv_reader_lines_in_record(const csv_reader *r)
{
	long n = 0;

	for (int i = 0; i < r->nfields; i++) {
		for (const char *p = r->fields[i]; *p != '\0'; p++)
			n += *p == '\n';
	}
	return n;
}

int
csv_read_record(csv_reader *r)
{
	enum { FIELD_START, UNQUOTED, QUOTED, QUOTE_IN_QUOTED } st = FIELD_START;
	size_t used = 0;
	int    nfields = 1;
	int    c, any = 0;

	r->line = r->line == 0 ? 1 : r->line + 1 + csv_reader_lines_in_record(r);
	r->nfields = 0;

	for (;;) {
		c = getc(r->f);
		if (c == EOF) {
			if (st == QUOTED)
				return -1;
			if (!any)
				return 0;
			break;
		}
		any = 1;
		if (c == '\0')
			continue;       /* never written by csv_write_row */

		if (st == QUOTED) {
			if (c == '"')
				st = QUOTE_IN_QUOTED;
			else if (csv_reader_put(r, &used, (char)c) != 0)
				return -1;
			continue;
		}
		if (st == QUOTE_IN_QUOTED && c == '"') {
			/* A doubled quote inside a quoted field. */
			st = QUOTED;
			if (csv_reader_put(r, &used, '"') != 0)
				return -1;
			continue;
		}
		if (c == ',') {
			if (csv_reader_put(r, &used, '\0') != 0)
				return -1;
			nfields++;
			st = FIELD_START;
			continue;
		}
		if (c == '\n')
			break;
		if (c == '\r') {
			int next = getc(r->f);

			if (next == '\n' || next == EOF)
				break;
			ungetc(next, r->f);
		}
		if (st == FIELD_START && c == '"') {
			st = QUOTED;
			continue;
		}
		/* Text after a closing quote is kept as it is: lenient, as
		 * spreadsheets are, rather than losing a record. */
		st = UNQUOTED;
		if (csv_reader_put(r, &used, (char)c) != 0)
			return -1;
	}
	if (csv_reader_put(r, &used, '\0') != 0 ||
	    csv_reader_split(r, nfields) != 0)
		return -1;
	return 1;
}

void
csv_reader_free(csv_reader *r)
{
	free(r->fields);
	free(r->buf);
	r->fields = NULL;
	r->buf = NULL;
	r->nfields = r->cap = 0;
	r->buflen = 0;
}
