/*
 * text: UTF-8 validation and JSON string literals (see text.h).
 *
 * UTF-8 follows RFC 3629's table of well-formed sequences, so overlongs,
 * surrogates and code points above U+10FFFF are invalid. JSON escaping keeps
 * every valid multi-byte sequence as it is (JSON is UTF-8) and writes each
 * invalid byte as \u00XX: the output is always valid JSON and valid UTF-8,
 * and the byte that came off the wire can still be read back from it.
 */
#include <stdio.h>

#include "text/text.h"

static int
text_is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

int
text_utf8_seq(const unsigned char *p)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;   /* range of the second byte */
	int           n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;          /* below: overlong */
		else if (c == 0xed)
			hi = 0x9f;          /* above: UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;          /* below: overlong */
		else if (c == 0xf4)
			hi = 0x8f;          /* above: beyond U+10FFFF */
	} else
		return 0;               /* C0, C1 overlongs, F5..FF, continuation */

	if (p[1] < lo || p[1] > hi)
		return 0;
	/* A NUL terminator is not a continuation byte: truncation stops here. */
	for (int i = 2; i < n; i++) {
		if (!text_is_cont(p[i]))
			return 0;
	}
	return n;
}

void
text_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	while (*p != '\0') {
		int n = text_utf8_seq(p);

		if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
			fprintf(f, "\\u%04X", *p++);
			continue;
		}
		if (n == 1 && (*p == '"' || *p == '\\'))
			fputc('\\', f);
		fwrite(p, 1, (size_t)n, f);
		p += n;
	}
	fputc('"', f);
}
