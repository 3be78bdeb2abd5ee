/*
 * identity: reading who a module is from its answers. Pure functions over
 * text, so that the rules (what an IMEI is, when AT+QGMR is not yet
 * complete, which ATI line is the model) are tested without a module.
 */
#ifndef IDENTITY_H
#define IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include "dialects/models.h"

/* Who a module says it is, as read by the worker. */
typedef struct ident {
	const model_info *mi;
	char              model[32];
	char              rev[96];       /* ATI "Revision:"          */
	char              qgmr[96];      /* AT+QGMR, complete        */
	char              imei[24];
	char              iccid[32];
} ident;

/* The revision to compare and report: AT+QGMR's when complete, else ATI's. */
const char *identity_revision(const ident *id);
/* Whether the module is at rev by either reading (AT+QGMR or ATI). */
bool        identity_at_revision(const ident *id, const char *rev);

/* 15 digits whose last is the Luhn check digit of the first 14. */
bool identity_imei_valid(const char *imei);
/* Takes the IMEI out of an AT+CGSN / AT+GSN answer line ("+CGSN: 86..." or
 * "86..."), quotes and spaces removed. false when the line holds no
 * 15-digit number. */
bool identity_parse_imei(const char *line, char *imei, size_t len);
/* "+QCCID: 8986..." -> "8986..."; false when not an ICCID line. */
bool identity_parse_iccid(const char *line, char *iccid, size_t len);
/* ATI lines: "Revision: X" gives the revision; the line naming a known
 * model gives the model. Either may stay empty. */
void identity_parse_ati(const char (*lines)[512], int nlines,
                        char *model, size_t mlen, char *rev, size_t rlen);
/* The answer line of AT+QGMR among what arrived (garbage on the line may
 * add lines): the first made only of letters, digits, '_', '.', '-' and
 * at least 6 long; NULL when there is none. */
const char *identity_pick_revision(const char (*lines)[512], int nlines);
/* Right after boot AT+QGMR can read "..._01.016.00.000": the build suffix
 * is not filled in yet. True for such a reading. */
bool identity_qgmr_incomplete(const char *qgmr);

#endif
