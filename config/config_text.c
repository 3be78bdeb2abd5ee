/*
 * config_text: the station file read into memory and checked as text
 * before libconfig parses it, for what libconfig reports badly or slowly.
 *
 * How it works: the file is read whole (at most CONFIG_TEXT_MAX bytes, so
 * a huge file is refused at once, not after seconds of scanning), one pass
 * then checks each line's length, every `@include` (the file it names must
 * open: libconfig says only "cannot open include file"), and every integer
 * literal outside strings and comments (libconfig turns one that does not
 * fit 64 bits into -1, which would then be echoed back as "got -1"). A
 * UTF-8 byte order mark at the start is dropped, and a last line without
 * its newline gets one (libconfig says "syntax error" with no line for a
 * final comment that lacks it). The lines keep their numbers, so
 * libconfig's own messages still point at the right line.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_text.h"

static int
config_text_fail(char *err, size_t errlen, const char *path, int line,
                 const char *what)
{
	if (line > 0)
		snprintf(err, errlen, "%s:%d: %s", path, line, what);
	else
		snprintf(err, errlen, "%s: %s", path, what);
	return -1;
}

/* `@include "name"` at the start of a line: the name must open. */
static int
config_text_include(const char *p, const char *end, const char *path,
                    const char *dir, int line, char *err, size_t errlen)
{
	char        name[CONFIG_TEXT_LINE_MAX], full[CONFIG_TEXT_LINE_MAX * 2], what[CONFIG_TEXT_LINE_MAX * 2 + 128];
	const char *q, *close;
	size_t      n;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(end - p) < 8 || memcmp(p, "@include", 8) != 0)
		return 0;
	q = memchr(p, '"', (size_t)(end - p));
	if (q == NULL)
		return 0;                 /* libconfig says what is wrong */
	close = memchr(q + 1, '"', (size_t)(end - q - 1));
	if (close == NULL)
		return 0;
	n = (size_t)(close - q - 1);
	if (n == 0 || n >= sizeof name)
		return 0;
	memcpy(name, q + 1, n);
	name[n] = '\0';
	if (name[0] == '/' || dir[0] == '\0')
		snprintf(full, sizeof full, "%s", name);
	else
		snprintf(full, sizeof full, "%s/%s", dir, name);
	if (access(full, R_OK) == 0)
		return 0;
	snprintf(what, sizeof what, "@include \"%s\": cannot open %s: %s", name, full,
	    strerror(errno));
	return config_text_fail(err, errlen, path, line, what);
}

/* Integer literals that do not fit 64 bits, outside strings and comments. */
static int
config_text_numbers(const char *text, size_t len, const char *path, char *err,
                    size_t errlen)
{
	int  line = 1;
	bool in_str = false, in_line_comment = false, in_block = false;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (c == '\n') {
			line++;
			in_line_comment = false;
			continue;
		}
		if (in_line_comment)
			continue;
		if (in_block) {
			if (c == '*' && i + 1 < len && text[i + 1] == '/') {
				in_block = false;
				i++;
			}
			continue;
		}
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
			continue;
		}
		if (c == '#' || (c == '/' && i + 1 < len && text[i + 1] == '/')) {
			in_line_comment = true;
			continue;
		}
		if (c == '/' && i + 1 < len && text[i + 1] == '*') {
			in_block = true;
			i++;
			continue;
		}
		if (c < '0' || c > '9')
			continue;
		/* A digit that starts a token (not inside a name such as "a1"). */
		if (i > 0) {
			char b = text[i - 1];
			if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_' ||
			    (b >= '0' && b <= '9') || b == '.')
				continue;
		}
		size_t start = i, digits = 0;
		while (i < len && text[i] == '0')
			i++;
		size_t sig = i;
		while (i < len && text[i] >= '0' && text[i] <= '9')
			i++;
		digits = i - sig;
		/* A float (1.5, 1e9) or hex (0x...) is libconfig's to judge. */
		if (i < len && (text[i] == '.' || text[i] == 'e' || text[i] == 'E' ||
		    text[i] == 'x' || text[i] == 'X'))
			continue;
		if (digits > 19 || (digits == 19 && memcmp(text + sig, "9223372036854775807", 19) > 0)) {
			char what[160];
			snprintf(what, sizeof what, "the number %.*s%s does not fit in 64 bits",
			    (int)(i - start > 40 ? 40 : i - start), text + start,
			    i - start > 40 ? "..." : "");
			return config_text_fail(err, errlen, path, line, what);
		}
		i--;
	}
	return 0;
}

int
config_text_read(const char *path, const char *dir, char **out, char *err,
                 size_t errlen)
{
	struct stat st;
	FILE       *f;
	char       *buf, *text;
	size_t      len, got = 0;
	int         line = 1;
	const char *ls;

	*out = NULL;
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	if (st.st_size > CONFIG_TEXT_MAX) {
		char what[128];
		fclose(f);
		snprintf(what, sizeof what, "is %lld bytes; a station file is at most %d",
		    (long long)st.st_size, CONFIG_TEXT_MAX);
		return config_text_fail(err, errlen, path, 0, what);
	}
	len = (size_t)st.st_size;
	buf = malloc(len + 2);
	if (buf == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -1;
	}
	while (got < len) {
		size_t n = fread(buf + got, 1, len - got, f);
		if (n == 0)
			break;
		got += n;
	}
	fclose(f);
	len = got;
	text = buf;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	ls = text;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		size_t n = (size_t)(text + i - ls);
		if (n > CONFIG_TEXT_LINE_MAX) {
			char what[96];
			snprintf(what, sizeof what, "line of %zu characters; at most %d are allowed",
			    n, CONFIG_TEXT_LINE_MAX);
			free(buf);
			return config_text_fail(err, errlen, path, line, what);
		}
		if (config_text_include(ls, text + i, path, dir, line, err, errlen) != 0) {
			free(buf);
			return -1;
		}
		ls = text + i + 1;
		line++;
	}
	if (config_text_numbers(text, len, path, err, errlen) != 0) {
		free(buf);
		return -1;
	}
	memmove(buf, text, len);
	if (len == 0 || buf[len - 1] != '\n')
		buf[len++] = '\n';
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		free(buf);
		return config_text_fail(err, errlen, path, 0, "holds a NUL byte: not a text file");
	}
	*out = buf;
	return 0;
}
