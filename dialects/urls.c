/*
 * urls.c - the URL rules of the guides, one row per dialect; see urls.h.
 *
 * Sources per row (docs/protocol.md §1 and §5 condense them):
 *  - BG96 (000): "HTTP(S)" only, 255 bytes;
 *  - AG35 (001): "FTP://" and "HTTP://", 255 bytes, FTP parts 50 bytes;
 *  - EP06/EG06/EM06 (004): FTP and HTTP(S), 255 bytes, FTP parts as AG35;
 *  - EC2x/EG9x/EM12/EM060K: no guide of their own; their family's (EP06);
 *  - BC26 (002): "HTTPS is not supported currently": http, 255 bytes;
 *  - BG95/BG77 (003): HTTP(S) and CoAP(S), "the maximum length is 700 bytes",
 *    no FTP.
 * A model the table does not know (DIALECT_UNKNOWN) gets the strictest row:
 * http, 255 bytes.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dialects/urls.h"

#define FTP_PART_MAX 50

static const url_rule url_rules[] = {
	{ .dialect = DIALECT_BG96, .schemes = URL_HTTP | URL_HTTPS,
	  .url_max = 255, .source = "BG96 DFOTA guide" },
	{ .dialect = DIALECT_AG35, .schemes = URL_FTP | URL_HTTP,
	  .url_max = 255, .ftp_part_max = FTP_PART_MAX,
	  .source = "AG35 DFOTA guide" },
	{ .dialect = DIALECT_EP06, .schemes = URL_FTP | URL_HTTP | URL_HTTPS,
	  .url_max = 255, .ftp_part_max = FTP_PART_MAX,
	  .source = "EP06/EG06/EM06 DFOTA guide" },
	{ .dialect = DIALECT_EC25, .schemes = URL_FTP | URL_HTTP | URL_HTTPS,
	  .url_max = 255, .ftp_part_max = FTP_PART_MAX,
	  .source = "EP06 family (no guide of its own)" },
	{ .dialect = DIALECT_BC26, .schemes = URL_HTTP,
	  .url_max = 255, .source = "BC26 DFOTA guide" },
	{ .dialect = DIALECT_BG95,
	  .schemes = URL_HTTP | URL_HTTPS | URL_COAP | URL_COAPS,
	  .url_max = 700, .source = "BG95/BG77 DFOTA application note" },
	{ .dialect = DIALECT_UNKNOWN, .schemes = URL_HTTP,
	  .url_max = 255, .source = "no guide: the strictest rule" },
};

#define URL_ROWS (sizeof url_rules / sizeof url_rules[0])

static const struct {
	const char *prefix;
	unsigned    scheme;
} url_prefixes[] = {
	{ "http://",  URL_HTTP },
	{ "https://", URL_HTTPS },
	{ "ftp://",   URL_FTP },
	{ "coap://",  URL_COAP },
	{ "coaps://", URL_COAPS },
};

#define URL_NPREFIX (sizeof url_prefixes / sizeof url_prefixes[0])

const url_rule *
url_rule_for(const model_info *m)
{
	model_dialect d = m != NULL ? m->dialect : DIALECT_UNKNOWN;

	for (size_t i = 0; i < URL_ROWS; i++)
		if (url_rules[i].dialect == d)
			return &url_rules[i];
	return &url_rules[URL_ROWS - 1];
}

/* The index of url's scheme in url_prefixes; URL_NPREFIX for none. */
static size_t
url_prefix_of(const char *url)
{
	for (size_t i = 0; i < URL_NPREFIX; i++)
		if (strncasecmp(url, url_prefixes[i].prefix,
		    strlen(url_prefixes[i].prefix)) == 0)
			return i;
	return URL_NPREFIX;
}

unsigned
url_scheme(const char *url)
{
	size_t i = url_prefix_of(url);

	return i < URL_NPREFIX ? url_prefixes[i].scheme : 0;
}

void
url_scheme_names(unsigned schemes, char *buf, size_t len)
{
	size_t n = 0, k = 0;

	for (size_t i = 0; i < URL_NPREFIX; i++)
		n += (schemes & url_prefixes[i].scheme) != 0;
	buf[0] = '\0';
	for (size_t i = 0; i < URL_NPREFIX; i++) {
		size_t plen;

		if ((schemes & url_prefixes[i].scheme) == 0)
			continue;
		k++;
		if (k > 1)
			strncat(buf, k == n ? " or " : ", ", len - strlen(buf) - 1);
		plen = strlen(url_prefixes[i].prefix) - 3;   /* without "://" */
		strncat(buf, url_prefixes[i].prefix,
		    plen < len - strlen(buf) - 1 ? plen : len - strlen(buf) - 1);
	}
}

/* The FTP parts of "ftp://user:password@server:port/path": each checked
 * against the guide's 50 bytes. */
static int
url_check_ftp(const url_rule *r, const model_info *m, const char *url,
              char *why, size_t len)
{
	const char *auth = url + strlen("ftp://");
	const char *slash = strchr(auth, '/');
	const char *end = slash != NULL ? slash : auth + strlen(auth);
	const char *at = NULL, *host, *colon;
	struct { const char *what; size_t n; } part[4];
	size_t nparts = 0;

	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	host = at != NULL ? at + 1 : auth;
	if (at != NULL) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		part[nparts].what = "user";
		part[nparts++].n = (size_t)((colon != NULL ? colon : at) - auth);
		part[nparts].what = "password";
		part[nparts++].n = colon != NULL ? (size_t)(at - colon - 1) : 0;
	}
	colon = memchr(host, ':', (size_t)(end - host));
	part[nparts].what = "server";
	part[nparts++].n = (size_t)((colon != NULL ? colon : end) - host);
	part[nparts].what = "path";
	part[nparts++].n = slash != NULL ? strlen(slash + 1) : 0;
	if (part[nparts - 2].n == 0) {
		snprintf(why, len, "names no FTP server");
		return -1;
	}
	for (size_t i = 0; i < nparts; i++)
		if (part[i].n > (size_t)r->ftp_part_max) {
			snprintf(why, len, "FTP %s is %zu bytes; %s takes at most "
			    "%d (%s)", part[i].what, part[i].n, m->name,
			    r->ftp_part_max, r->source);
			return -1;
		}
	return 0;
}

int
url_check(const model_info *m, const char *url, char *why, size_t len)
{
	const url_rule *r = url_rule_for(m);
	size_t p = url_prefix_of(url);
	unsigned s = url_scheme(url);
	size_t n = strlen(url);
	char names[64];

	url_scheme_names(r->schemes, names, sizeof names);
	if (p == URL_NPREFIX || (s & r->schemes) == 0 ||
	    n == strlen(url_prefixes[p].prefix)) {
		snprintf(why, len, "%s takes %s URLs (%s), got \"%.60s\"",
		    m != NULL ? m->name : "this model", names, r->source, url);
		return -1;
	}
	if (n > (size_t)r->url_max) {
		snprintf(why, len, "is %zu bytes long; %s takes URLs of at most "
		    "%d (%s)", n, m != NULL ? m->name : "this model", r->url_max,
		    r->source);
		return -1;
	}
	if (s == URL_FTP && r->ftp_part_max > 0)
		return url_check_ftp(r, m, url, why, len);
	return 0;
}

size_t
url_rule_count(void)
{
	return URL_ROWS;
}

const url_rule *
url_rule_at(size_t i)
{
	return i < URL_ROWS ? &url_rules[i] : NULL;
}
