/*
 * journal_line: the journal's line codec (see journal_line.h): building
 * each kind of line, percent-escaping, CRC-32, and parsing a line back by
 * a table of the BEGIN fields.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "station/journal_line.h"

/* The text fields of a BEGIN, in the order they are written. */
typedef struct journal_field {
	const char *key;
	size_t      off;
	size_t      size;
} journal_field;

#define JOURNAL_FIELD(key, member) \
	{ key, offsetof(unit_record, member), sizeof ((unit_record *)0)->member }

static const journal_field journal_fields[] = {
	JOURNAL_FIELD("slot", slot),
	JOURNAL_FIELD("imei", imei),
	JOURNAL_FIELD("usb_path", usb_path),
	JOURNAL_FIELD("port", port),
	JOURNAL_FIELD("model", model),
	JOURNAL_FIELD("iccid", iccid),
	JOURNAL_FIELD("fw_before", fw_before),
	JOURNAL_FIELD("fw_target", fw_target),
	JOURNAL_FIELD("package", package),
	JOURNAL_FIELD("package_sha256", package_sha256),
	JOURNAL_FIELD("run_id", run_id),
	JOURNAL_FIELD("station", station),
	JOURNAL_FIELD("operator", operator_name),
};
#define JOURNAL_NFIELDS (sizeof journal_fields / sizeof journal_fields[0])

static uint32_t
journal_crc32(const char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= (unsigned char)p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

/* " key=value", the value percent-escaped: whatever bytes it holds, it
 * stays one space-free, printable token. */
static void
journal_put(FILE *m, const char *key, const char *value)
{
	fprintf(m, " %s=", key);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '%')
			fprintf(m, "%%%02X", *p);
		else
			fputc(*p, m);
	}
}

/* Ends a line built in m with its crc and returns it (malloc'ed). */
static char *
journal_seal(FILE *m, char **text, size_t *size)
{
	uint32_t crc;

	if (fflush(m) != 0) {
		fclose(m);
		free(*text);
		return NULL;
	}
	crc = journal_crc32(*text, *size);
	fprintf(m, " crc=%08" PRIx32 "\n", crc);
	if (fclose(m) != 0) {
		free(*text);
		return NULL;
	}
	return *text;
}

char *
journal_line_begin(const unit_record *u, int64_t ts, size_t *len)
{
	char *text = NULL;
	FILE *m = open_memstream(&text, len);

	if (m == NULL)
		return NULL;
	fprintf(m, "BEGIN ts=%" PRId64, ts);
	for (size_t i = 0; i < JOURNAL_NFIELDS; i++)
		journal_put(m, journal_fields[i].key,
		    (const char *)u + journal_fields[i].off);
	journal_put(m, "delivery", unit_delivery_name(u->delivery));
	fprintf(m, " started_ms=%" PRId64, u->started_ms);
	return journal_seal(m, &text, len);
}

char *
journal_line_phase(const char *slot, const char *imei, unit_phase ph,
    int percent, int64_t ts, size_t *len)
{
	char *text = NULL;
	FILE *m = open_memstream(&text, len);

	if (m == NULL)
		return NULL;
	fprintf(m, "PHASE ts=%" PRId64, ts);
	journal_put(m, "slot", slot);
	journal_put(m, "imei", imei);
	journal_put(m, "phase", unit_phase_name(ph));
	fprintf(m, " percent=%d", percent);
	return journal_seal(m, &text, len);
}

char *
journal_line_end(const char *slot, const char *imei, unit_result r,
    int64_t ts, size_t *len)
{
	char *text = NULL;
	FILE *m = open_memstream(&text, len);

	if (m == NULL)
		return NULL;
	fprintf(m, "END ts=%" PRId64, ts);
	journal_put(m, "slot", slot);
	journal_put(m, "imei", imei);
	journal_put(m, "result", unit_result_name(r));
	return journal_seal(m, &text, len);
}

char *
journal_line_row(const journal_waiting *r, int64_t ts, size_t *len)
{
	char *text = NULL;
	FILE *m = open_memstream(&text, len);

	if (m == NULL)
		return NULL;
	fprintf(m, "ROW ts=%" PRId64, ts);
	journal_put(m, "slot", r->slot);
	journal_put(m, "imei", r->imei);
	journal_put(m, "result", unit_result_name(r->result));
	journal_put(m, "day", r->day);
	journal_put(m, "row", r->text);
	return journal_seal(m, &text, len);
}

/* Reading. */

static int
journal_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes a value of n bytes into out (size bytes, truncated as the
 * unit_record field would be); -1 on a broken escape. */
static int
journal_decode(const char *v, size_t n, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = v[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = journal_hex(v[i + 1]);
			lo = journal_hex(v[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (o + 1 < size)
			out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

static int
journal_int64(const char *s, int64_t *out)
{
	char     *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int
journal_name_index(const char *s, const char *(*name)(int), int count)
{
	for (int i = 0; i < count; i++) {
		if (strcmp(s, name(i)) == 0)
			return i;
	}
	return -1;
}

static const char *
journal_phase_name(int i)
{
	return unit_phase_name((unit_phase)i);
}

static const char *
journal_result_name(int i)
{
	return unit_result_name((unit_result)i);
}

static const char *
journal_delivery_name(int i)
{
	return unit_delivery_name((unit_delivery)i);
}

/* One key=value token into rec; -1 when its value does not parse. Keys
 * that this version does not know are skipped, so a newer journal still
 * reads. */
static int
journal_token(journal_rec *rec, const char *key, size_t klen,
    const char *v, size_t vlen, unsigned *seen)
{
	char    val[UNIT_PKG_MAX];
	int64_t n;
	int     i;

	for (size_t f = 0; f < JOURNAL_NFIELDS; f++) {
		if (strlen(journal_fields[f].key) == klen &&
		    memcmp(journal_fields[f].key, key, klen) == 0) {
			*seen |= f < 2 ? 1u << f : 0;
			return journal_decode(v, vlen, (char *)&rec->u +
			    journal_fields[f].off, journal_fields[f].size);
		}
	}
#define JOURNAL_KEY(s) (klen == sizeof s - 1 && memcmp(key, s, klen) == 0)
	if (JOURNAL_KEY("row")) {
		free(rec->row);
		if ((rec->row = malloc(vlen + 1)) == NULL)
			return -1;
		return journal_decode(v, vlen, rec->row, vlen + 1);
	}
	if (journal_decode(v, vlen, val, sizeof val) != 0)
		return -1;
	if (JOURNAL_KEY("day"))
		return snprintf(rec->day, sizeof rec->day, "%s", val) < 0 ? -1 : 0;
	if (JOURNAL_KEY("ts")) {
		*seen |= 4;
		return journal_int64(val, &rec->ts);
	}
	if (JOURNAL_KEY("started_ms"))
		return journal_int64(val, &rec->u.started_ms);
	if (JOURNAL_KEY("percent")) {
		if (journal_int64(val, &n) != 0 || n < -1 || n > 100)
			return -1;
		rec->percent = (int)n;
		return 0;
	}
	if (JOURNAL_KEY("delivery")) {
		i = journal_name_index(val, journal_delivery_name, DELIVERY_URL + 1);
		rec->u.delivery = i < 0 ? DELIVERY_NONE : (unit_delivery)i;
		return i < 0 ? -1 : 0;
	}
	if (JOURNAL_KEY("phase")) {
		i = journal_name_index(val, journal_phase_name, PHASE_COUNT);
		rec->phase = (unit_phase)i;
		return i < 0 ? -1 : 0;
	}
	if (JOURNAL_KEY("result")) {
		i = journal_name_index(val, journal_result_name, RESULT_COUNT);
		rec->result = (unit_result)i;
		return i < 0 ? -1 : 0;
	}
#undef JOURNAL_KEY
	return 0;
}

/* Parses one line (without its LF); -1 when it is damaged. */
int
journal_parse(const char *line, size_t len, journal_rec *rec)
{
	static const char mark[] = " crc=";
	const size_t      mlen = sizeof mark - 1;
	const char       *p, *end;
	unsigned          seen = 0;
	uint32_t          crc = 0;

	if (len < mlen + 8 || memcmp(line + len - 8 - mlen, mark, mlen) != 0)
		return -1;
	for (size_t i = len - 8; i < len; i++) {
		int h = journal_hex(line[i]);

		if (h < 0)
			return -1;
		crc = crc << 4 | (uint32_t)h;
	}
	len -= 8 + mlen;
	if (journal_crc32(line, len) != crc)
		return -1;

	memset(rec, 0, sizeof *rec);
	unit_record_init(&rec->u);
	rec->percent = -1;
	p = line;
	end = line + len;
	{
		const char *sp = memchr(p, ' ', len);
		size_t      tl = sp ? (size_t)(sp - p) : len;

		if (tl == 5 && memcmp(p, "BEGIN", 5) == 0)
			rec->kind = JOURNAL_BEGIN;
		else if (tl == 5 && memcmp(p, "PHASE", 5) == 0)
			rec->kind = JOURNAL_PHASE;
		else if (tl == 3 && memcmp(p, "END", 3) == 0)
			rec->kind = JOURNAL_END;
		else if (tl == 3 && memcmp(p, "ROW", 3) == 0)
			rec->kind = JOURNAL_ROW;
		else
			return -1;
		p += tl;
	}
	while (p < end) {
		const char *tok, *eq, *sp;

		if (*p++ != ' ')
			return -1;
		tok = p;
		sp = memchr(tok, ' ', (size_t)(end - tok));
		p = sp ? sp : end;
		eq = memchr(tok, '=', (size_t)(p - tok));
		if (eq == NULL || journal_token(rec, tok, (size_t)(eq - tok), eq + 1,
		    (size_t)(p - eq - 1), &seen) != 0)
			return -1;
	}
	/* Every record names its unit and its time; a ROW carries its row. */
	if (rec->kind == JOURNAL_ROW && (rec->row == NULL || rec->day[0] == '\0'))
		return -1;
	return seen == 7 ? 0 : -1;
}

/* The table of units in flight. */
