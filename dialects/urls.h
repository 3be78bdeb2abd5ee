/*
 * urls: what each model's guide lets AT+QFOTADL="<url>" carry, as data.
 *
 * One row per guide family (dialect): the schemes it takes, the longest URL,
 * and for FTP the longest user, password, server and path (AG35 guide:
 * "FTP://<user_name>:<password>@<serverurl>:<port>/<file_path>", each part
 * at most 50 bytes). Schemes are matched in any case, as the guides write
 * them in capitals ("HTTP://", "CoAP://"). The station checks a package's
 * url against its model's row when the station file is loaded, so that a
 * URL the module cannot take is a config error, never a failed unit.
 */
#ifndef URLS_H
#define URLS_H

#include <stdbool.h>
#include <stddef.h>

#include "dialects/models.h"

/* Schemes, as bit flags. */
enum {
	URL_HTTP  = 1 << 0,
	URL_HTTPS = 1 << 1,
	URL_FTP   = 1 << 2,
	URL_COAP  = 1 << 3,
	URL_COAPS = 1 << 4,
};

typedef struct url_rule {
	model_dialect dialect;
	unsigned      schemes;     /* URL_* the module accepts             */
	int           url_max;     /* bytes of the whole URL               */
	int           ftp_part_max;/* user, password, server, path; 0: none */
	const char   *source;      /* where the row comes from             */
} url_rule;

/* The row for a model (by its dialect); never NULL for a known model. */
const url_rule *url_rule_for(const model_info *m);
/* URL_* of url's scheme ("HTTPS://x" -> URL_HTTPS), 0 when none of them. */
unsigned        url_scheme(const char *url);
/* "http, https, coap or coaps" for messages. */
void            url_scheme_names(unsigned schemes, char *buf, size_t len);
/* 0 when m can take url; -1 with the reason (for a person) in why. */
int             url_check(const model_info *m, const char *url, char *why,
                          size_t len);
size_t          url_rule_count(void);
const url_rule *url_rule_at(size_t i);

#endif
