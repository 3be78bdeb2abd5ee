/*
 * urc.c - one tolerant scanner for the DFOTA URCs of every vendor guide.
 *
 * A line is read in three steps, never copying it and never reading past its
 * terminating NUL, so binary noise and very long lines cost nothing:
 *
 *  1. prefix: optional leading noise (blanks, control and non-ASCII bytes a
 *     UART spits out around a module reset), then "+QIND" or "+LWM2M" in any
 *     case, optional blanks, ':'.
 *  2. fields: up to three comma-separated fields, quoted or not. Blanks
 *     around commas are skipped. A quoted field runs to its closing quote
 *     (commas inside are kept: "Last upgrade was not finished,continue
 *     upgrade"); an unquoted one runs to the next comma or quote. Anything
 *     after a field that is not a comma ends the list: that is how trailing
 *     junk ("//comment", a second URC glued on by a lost CR) is ignored.
 *  3. rules: the first field must be FOTA; the second, with blanks removed and
 *     upper-cased ("ST ART" -> "START", " RESETTING" -> "RESETTING"), is looked
 *     up in a table together with the prefix and, for LwM2M, the third field.
 *     A row either takes a number from the third field or not.
 *
 * Numbers are kept as given (a percent of 250 is the worker's problem) but
 * must be numbers: digits, then blanks and an optional '%', then the end of
 * the field or a non-alphanumeric character. Anything else gives -1. A FOTA
 * line that no row matches is URC_FOTA_OTHER so that the worker can record
 * it; every other line is URC_NONE.
 */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "dialects/urc.h"

#define URC_MAX_FIELDS 3
#define URC_WORD_MAX   48 /* longer keywords are truncated; none is this long */

enum {
	URC_PFX_QIND  = 1 << 0,
	URC_PFX_LWM2M = 1 << 1,
};

enum {
	URC_RULE_VALUE  = 1 << 0, /* third field is a number                */
	URC_RULE_PREFIX = 1 << 1, /* word only has to start the second field */
};

typedef struct urc_field {
	const char *start;
	size_t      len;
	int         quoted; /* 1: opened with '"'                  */
	int         closed; /* quoted and the closing '"' was seen */
} urc_field;

typedef struct urc_rule {
	unsigned       prefixes;
	const char    *word;  /* second field, normalised            */
	const char    *sub;   /* third field, normalised; NULL: any  */
	urc_kind       kind;
	urc_transport  via;
	unsigned       flags;
} urc_rule;

/* First match wins: rows with a third-field keyword come before the row of
 * the same word that takes a number. */
static const urc_rule urc_rules[] = {
	{ URC_PFX_QIND, "FTPSTART",  NULL, URC_DL_START, URC_VIA_FTP,  0 },
	{ URC_PFX_QIND, "HTTPSTART", NULL, URC_DL_START, URC_VIA_HTTP, 0 },
	/* BC26 guide example prints the typo; firmware may copy it. */
	{ URC_PFX_QIND, "HTTPTART",  NULL, URC_DL_START, URC_VIA_HTTP, 0 },
	{ URC_PFX_QIND, "COAPSTART", NULL, URC_DL_START, URC_VIA_COAP, 0 },
	{ URC_PFX_QIND, "FTPEND",    NULL, URC_DL_END, URC_VIA_FTP,  URC_RULE_VALUE },
	{ URC_PFX_QIND, "HTTPEND",   NULL, URC_DL_END, URC_VIA_HTTP, URC_RULE_VALUE },
	/* BC26 guide command table prints this typo. */
	{ URC_PFX_QIND, "HTTPPEND",  NULL, URC_DL_END, URC_VIA_HTTP, URC_RULE_VALUE },
	{ URC_PFX_QIND, "COAPEND",   NULL, URC_DL_END, URC_VIA_COAP, URC_RULE_VALUE },
	/* BC26 and BG95 do not say which transport; the START line did. */
	{ URC_PFX_QIND, "DOWNLOADING", NULL, URC_DL_PROGRESS, URC_VIA_NONE,
	  URC_RULE_VALUE },
	{ URC_PFX_QIND, "RESETTING", NULL, URC_RESETTING, URC_VIA_NONE, 0 },
	{ URC_PFX_QIND, "START",     NULL, URC_START,     URC_VIA_NONE, 0 },
	{ URC_PFX_QIND, "UPDATING",  NULL, URC_UPDATING,  URC_VIA_NONE,
	  URC_RULE_VALUE },
	{ URC_PFX_QIND, "RESTORE",   NULL, URC_RESTORE,   URC_VIA_NONE,
	  URC_RULE_VALUE },
	{ URC_PFX_QIND, "END",       NULL, URC_END,       URC_VIA_NONE,
	  URC_RULE_VALUE },
	/* BG96 after a power loss during RESTORE. The guide's comma sits
	 * inside the quotes; without quotes it would split the field, so only
	 * the part before the comma is required. */
	{ URC_PFX_QIND, "LASTUPGRADEWASNOTFINISHED", NULL, URC_RESUME,
	  URC_VIA_NONE, URC_RULE_PREFIX },
	{ URC_PFX_LWM2M, "DOWNLOADING", "START", URC_DL_START,
	  URC_VIA_LWM2M, 0 },
	{ URC_PFX_LWM2M, "DOWNLOADING", "COMPLETED", URC_DL_COMPLETED,
	  URC_VIA_LWM2M, 0 },
	{ URC_PFX_LWM2M, "DOWNLOADING", NULL, URC_DL_PROGRESS,
	  URC_VIA_LWM2M, URC_RULE_VALUE },
	{ URC_PFX_LWM2M, "DOWNLOADED", NULL, URC_DL_END,
	  URC_VIA_LWM2M, URC_RULE_VALUE },
};

#define URC_RULES (sizeof(urc_rules) / sizeof(urc_rules[0]))

static const char *const urc_kind_names[URC_KIND_COUNT] = {
	[URC_NONE]         = "NONE",
	[URC_DL_START]     = "DL_START",
	[URC_DL_PROGRESS]  = "DL_PROGRESS",
	[URC_DL_END]       = "DL_END",
	[URC_DL_COMPLETED] = "DL_COMPLETED",
	[URC_RESETTING]    = "RESETTING",
	[URC_START]        = "START",
	[URC_UPDATING]     = "UPDATING",
	[URC_RESTORE]      = "RESTORE",
	[URC_END]          = "END",
	[URC_RESUME]       = "RESUME",
	[URC_FOTA_OTHER]   = "FOTA_OTHER",
};

static const char *const urc_via_names[] = {
	[URC_VIA_NONE]  = "NONE",
	[URC_VIA_FTP]   = "FTP",
	[URC_VIA_HTTP]  = "HTTP",
	[URC_VIA_COAP]  = "COAP",
	[URC_VIA_LWM2M] = "LWM2M",
};

/* Own ASCII classes: <ctype.h> is locale-dependent and undefined for the
 * negative chars that binary noise produces. */
/* Bytes >= 0x80 count as blanks: copied text carries UTF-8 no-break spaces
 * (C2 A0) where the guides have spaces, and no keyword or number contains a
 * non-ASCII byte, so skipping them can only help. */
static int
urc_is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c >= 0x80;
}

static int
urc_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
urc_is_alnum(unsigned char c)
{
	return urc_is_digit(c) || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z') || c == '_';
}

static unsigned char
urc_upper(unsigned char c)
{
	return (c >= 'a' && c <= 'z') ? (unsigned char)(c - 'a' + 'A') : c;
}

static const char *
urc_skip_blanks(const char *p)
{
	while (urc_is_blank((unsigned char)*p))
		p++;
	return p;
}

/* Matches the keyword after '+' case-insensitively; returns the rest. */
static const char *
urc_match_word(const char *p, const char *word)
{
	for (; *word != '\0'; word++, p++) {
		if (urc_upper((unsigned char)*p) != (unsigned char)*word)
			return NULL;
	}
	return p;
}

/* Step 1: returns the text after "+QIND:" / "+LWM2M:", or NULL. */
static const char *
urc_scan_prefix(const char *p, unsigned *prefix)
{
	const char *rest;

	/* Blanks and bytes outside printable ASCII; not printable text, so
	 * that "OK +QIND: ..." (a table row, not a line) stays NONE. */
	while (*p != '\0' && (urc_is_blank((unsigned char)*p) ||
	    (unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f))
		p++;
	if (*p++ != '+')
		return NULL;
	if ((rest = urc_match_word(p, "QIND")) != NULL)
		*prefix = URC_PFX_QIND;
	else if ((rest = urc_match_word(p, "LWM2M")) != NULL)
		*prefix = URC_PFX_LWM2M;
	else
		return NULL;
	rest = urc_skip_blanks(rest);
	if (*rest != ':')
		return NULL;
	return rest + 1;
}

/* Step 2: splits into at most URC_MAX_FIELDS fields; returns the count. */
static size_t
urc_scan_fields(const char *p, urc_field *f)
{
	size_t n = 0;

	for (;;) {
		p = urc_skip_blanks(p);
		if (*p == '\0')
			break;
		if (*p == '"') {
			const char *q = strchr(p + 1, '"');

			f[n].start = p + 1;
			f[n].quoted = 1;
			f[n].closed = q != NULL;
			f[n].len = q != NULL ? (size_t)(q - (p + 1)) : strlen(p + 1);
			p = q != NULL ? q + 1 : p + 1 + f[n].len;
		} else {
			f[n].start = p;
			f[n].quoted = 0;
			f[n].closed = 0;
			f[n].len = strcspn(p, ",\"");
			p += f[n].len;
		}
		n++;
		p = urc_skip_blanks(p);
		if (n == URC_MAX_FIELDS || *p != ',')
			break;
		p++;
	}
	return n;
}

/* A field as a keyword: blanks dropped, upper case. An unquoted field ends
 * at the first character that cannot be part of a word ("END //x" -> END). */
static void
urc_normalise(const urc_field *f, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < f->len && o < URC_WORD_MAX - 1; i++) {
		unsigned char c = (unsigned char)f->start[i];

		if (urc_is_blank(c))
			continue;
		if (!f->quoted && !urc_is_alnum(c))
			break;
		out[o++] = (char)urc_upper(c);
	}
	out[o] = '\0';
}

/* A field as a number, or -1: see the top of the file. */
static int
urc_number(const urc_field *f)
{
	const char *p = f->start, *end = f->start + f->len;
	int v = 0;
	int neg = 0, digits = 0;

	while (p < end && urc_is_blank((unsigned char)*p))
		p++;
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	for (; p < end && urc_is_digit((unsigned char)*p); p++) {
		int d = *p - '0';

		if (v > (INT_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		digits++;
	}
	if (digits == 0)
		return -1;
	while (p < end && urc_is_blank((unsigned char)*p))
		p++;
	if (p < end && *p == '%')
		p++;
	if (p < end && (urc_is_alnum((unsigned char)*p) || *p == '.'))
		return -1;
	return neg ? -v : v;
}

static int
urc_rule_matches(const urc_rule *r, unsigned prefix, const char *word,
    const char *sub)
{
	if ((r->prefixes & prefix) == 0)
		return 0;
	if (r->flags & URC_RULE_PREFIX) {
		if (strncmp(word, r->word, strlen(r->word)) != 0)
			return 0;
	} else if (strcmp(word, r->word) != 0) {
		return 0;
	}
	return r->sub == NULL || (sub != NULL && strcmp(sub, r->sub) == 0);
}

bool
urc_parse_line(const char *line, urc_event *out)
{
	urc_event ev = { URC_NONE, URC_VIA_NONE, -1 };
	urc_field f[URC_MAX_FIELDS];
	char word[URC_WORD_MAX], sub[URC_WORD_MAX];
	const char *rest;
	unsigned prefix = 0;
	size_t n, i;

	if (line == NULL || (rest = urc_scan_prefix(line, &prefix)) == NULL)
		goto done;
	n = urc_scan_fields(rest, f);
	if (n == 0)
		goto done;
	urc_normalise(&f[0], word);
	if (strcmp(word, "FOTA") != 0)
		goto done;

	/* From here on it is a FOTA line: never NONE again. */
	ev.kind = URC_FOTA_OTHER;
	if (prefix == URC_PFX_LWM2M)
		ev.via = URC_VIA_LWM2M;
	/* A cut-off keyword ("UPDAT) must not pass for a known one. */
	if (n < 2 || (f[1].quoted && !f[1].closed))
		goto done;
	urc_normalise(&f[1], word);
	if (n >= 3)
		urc_normalise(&f[2], sub);
	for (i = 0; i < URC_RULES; i++) {
		const urc_rule *r = &urc_rules[i];

		if (!urc_rule_matches(r, prefix, word, n >= 3 ? sub : NULL))
			continue;
		ev.kind = r->kind;
		ev.via = r->via;
		if ((r->flags & URC_RULE_VALUE) && n >= 3)
			ev.value = urc_number(&f[2]);
		break;
	}
done:
	if (out != NULL)
		*out = ev;
	return ev.kind != URC_NONE;
}

const char *
urc_kind_name(urc_kind k)
{
	if ((unsigned)k >= URC_KIND_COUNT)
		return "?";
	return urc_kind_names[k];
}

const char *
urc_via_name(urc_transport t)
{
	if ((unsigned)t >= sizeof(urc_via_names) / sizeof(urc_via_names[0]))
		return "?";
	return urc_via_names[t];
}
