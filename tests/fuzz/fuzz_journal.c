/*
 * fuzz_journal: libFuzzer target for the journal's line codec
 * (station/journal_line.c).
 *
 * Every LF-separated piece of the input is one journal line as a restart
 * reads it back, given to journal_parse(). A damaged line must be refused,
 * never crash or read past its end; a line that parses and is a BEGIN must
 * come out of journal_line_begin() again as a line that parses to the same
 * unit (the codec is its own inverse). Seeds: tests/fuzz/journal-seed.txt,
 * lines of real journals (tests/fuzz/run makes the corpus).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "station/journal_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fz_round_trip(const journal_rec *rec)
{
	journal_rec again;
	size_t      len;
	char       *line = journal_line_begin(&rec->u, rec->ts, &len);

	if (line == NULL)
		return;
	/* The line end is not part of what journal_parse reads. */
	if (len == 0 || line[len - 1] != '\n')
		abort();
	memset(&again, 0, sizeof again);
	if (journal_parse(line, len - 1, &again) != 0 || again.kind != rec->kind ||
	    again.ts != rec->ts || strcmp(again.u.slot, rec->u.slot) != 0 ||
	    strcmp(again.u.imei, rec->u.imei) != 0 ||
	    strcmp(again.u.package, rec->u.package) != 0)
		abort();
	free(again.row);
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exact-size copies, so that ASan sees any read past a line. */
	const uint8_t *end = data + size;

	for (const uint8_t *p = data; p < end;) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t         n = (size_t)((nl != NULL ? nl : end) - p);
		char          *line = malloc(n + 1);
		journal_rec    rec;

		if (line == NULL)
			return 0;
		memcpy(line, p, n);
		line[n] = '\0';
		memset(&rec, 0, sizeof rec);
		if (journal_parse(line, n, &rec) == 0 && rec.kind == JOURNAL_BEGIN)
			fz_round_trip(&rec);
		free(rec.row);
		free(line);
		p += n + 1;
	}
	return 0;
}
