/*
 * identity: parsing of the identify answers (ATI, AT+QGMR, AT+CGSN,
 * AT+QCCID). Modules differ in framing ("+CGSN: " prefix or none, quotes
 * or none), so each parser strips what it may find and then insists on the
 * shape of the value itself: an IMEI that fails its check digit is a module
 * that lies, and the worker reports it as such.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "packages/pkg.h"
#include "station/identity.h"
#include "dialects/models.h"

bool
identity_imei_valid(const char *imei)
{
	int sum = 0;

	if (strlen(imei) != 15)
		return false;
	for (int i = 0; i < 15; i++) {
		if (!isdigit((unsigned char)imei[i]))
			return false;
		int d = imei[i] - '0';
		/* Luhn: double every second digit from the left (index 1, 3, ...). */
		if (i % 2 == 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

/* Copies the first run of digits in s (after an optional "+XXX:" prefix). */
static bool
identity_digits(const char *s, const char *prefix, char *out, size_t len,
                size_t minlen, size_t maxlen)
{
	size_t n = 0;

	if (strncasecmp(s, prefix, strlen(prefix)) == 0)
		s += strlen(prefix);
	while (*s == ' ' || *s == '"')
		s++;
	while (isalnum((unsigned char)s[n]))
		n++;
	if (n < minlen || n > maxlen || n >= len)
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

bool
identity_parse_imei(const char *line, char *imei, size_t len)
{
	if (!identity_digits(line, "+CGSN:", imei, len, 15, 15))
		return false;
	for (const char *p = imei; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

bool
identity_parse_iccid(const char *line, char *iccid, size_t len)
{
	if (strncasecmp(line, "+QCCID:", 7) != 0 && strncasecmp(line, "+CCID:", 6) != 0)
		return false;
	return identity_digits(line + (line[1] == 'Q' || line[1] == 'q' ? 7 : 6), "",
	    iccid, len, 18, 22);
}

void
identity_parse_ati(const char (*lines)[512], int nlines, char *model, size_t mlen,
                   char *rev, size_t rlen)
{
	model[0] = '\0';
	rev[0] = '\0';
	for (int i = 0; i < nlines; i++) {
		const char *l = lines[i];

		if (strncasecmp(l, "Revision:", 9) == 0) {
			l += 9;
			while (*l == ' ')
				l++;
			size_t n = 0;
			while (isalnum((unsigned char)l[n]) || l[n] == '_' || l[n] == '.' || l[n] == '-')
				n++;
			snprintf(rev, rlen, "%.*s", (int)n, l);
		} else if (model[0] == '\0' && model_find(l) != NULL) {
			snprintf(model, mlen, "%s", model_find(l)->name);
		}
	}
}

const char *
identity_pick_revision(const char (*lines)[512], int nlines)
{
	for (int i = 0; i < nlines; i++) {
		const char *l = lines[i];
		size_t      n = 0;

		while (isalnum((unsigned char)l[n]) || l[n] == '_' || l[n] == '.' || l[n] == '-')
			n++;
		if (n >= 6 && l[n] == '\0')
			return l;
	}
	return NULL;
}

bool
identity_qgmr_incomplete(const char *qgmr)
{
	const char *u = strrchr(qgmr, '_');
	size_t      n;

	if (u == NULL)
		return false;
	n = strlen(u);
	/* "_01.016.00.000": the last two groups still zero. */
	return n >= 7 && strcmp(u + n - 7, ".00.000") == 0;
}

const char *
identity_revision(const ident *id)
{
	return id->qgmr[0] != '\0' ? id->qgmr : id->rev;
}

bool
identity_at_revision(const ident *id, const char *rev)
{
	return pkg_revision_match(rev, id->qgmr) || pkg_revision_match(rev, id->rev);
}
