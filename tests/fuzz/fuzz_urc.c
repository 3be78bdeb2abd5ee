/*
 * fuzz_urc: libFuzzer target for the URC parser (station/urc.c).
 *
 * The input is a transcript: every LF-separated piece is one line as the AT
 * channel hands it over (CR kept, as a module's stray CR would be), and is
 * given to urc_parse_line(). The parser must never read past the line,
 * never crash, and always give a kind it can name. Seeds: the received
 * lines of the tests/data/urc files (tests/fuzz/run makes the corpus).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialects/urc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so that ASan sees any read past the NUL. */
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (char *line = text, *next; line != NULL; line = next) {
		urc_event ev;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		bool fota = urc_parse_line(line, &ev);
		if (urc_kind_name(ev.kind) == NULL || urc_via_name(ev.via) == NULL)
			abort();
		if (fota != (ev.kind != URC_NONE))
			abort();
	}
	free(text);
	return 0;
}
