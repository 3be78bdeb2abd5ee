/*
 * errors.c - what the modules' numeric codes mean, as one const table.
 *
 * Every row is (dialect, context, code) -> operator wording + whether another
 * attempt by the station can help. Code families that several dialects share
 * (the FTP and HTTP result codes of Quectel's LTE firmware, the +CME ERROR
 * codes of the file commands and of 3GPP) are written once as row macros and
 * expanded per dialect, so the table stays a plain array that a test can walk
 * for duplicates, and a lookup is a linear scan: a few hundred rows, read once
 * per failure, are not worth an index.
 *
 * Sources, per row group:
 *  - the DFOTA guides (docs/protocol.md §2): 0/601, 0/701, the END codes of each
 *    guide, BC26's 12/13/20 and 1/2/254/255, BG95's 701..710, 504..512 and
 *    +CME 590/591;
 *  - Quectel's FTP(S) and HTTP(S) AT manuals for 602..625 and 702..716, which
 *    the DFOTA guides lump into "unknown error" but public firmware reports
 *    (docs/protocol.md §2, last paragraph). A guide's own meaning always
 *    wins: 0, 601 and 701 are worded per guide, the generic rows fill only
 *    the codes a guide leaves out; BG95 defines its own 70x list, which
 *    differs from the generic one, and gets no generic rows;
 *  - Quectel's file AT manual (+CME 4xx) and 3GPP TS 27.007 (+CME 3..50).
 *
 * retry_helps says whether the station should try again by itself: yes for
 * network and download trouble and for package checks that a fresh download
 * can fix; no for a wrong package, an invalid package, no space, bad input.
 */
#include <stdio.h>
#include <string.h>

#include "dialects/errors.h"

#define ROW(d, c, n, m, r) { (d), (c), (n), (m), (r) }

/* FTP download results (FTPEND) the DFOTA guides leave out: the Quectel
 * FTP(S) AT manual's numbering. */
#define FTP_GENERIC_ROWS(d) \
	ROW(d, ERRCTX_FTP, 602, "FTP server blocked", true), \
	ROW(d, ERRCTX_FTP, 603, "FTP server busy", true), \
	ROW(d, ERRCTX_FTP, 604, "FTP: DNS lookup failed", true), \
	ROW(d, ERRCTX_FTP, 605, "FTP: network error", true), \
	ROW(d, ERRCTX_FTP, 606, "FTP control connection closed", true), \
	ROW(d, ERRCTX_FTP, 607, "FTP data connection closed", true), \
	ROW(d, ERRCTX_FTP, 608, "FTP socket closed by peer", true), \
	ROW(d, ERRCTX_FTP, 609, "FTP timeout", true), \
	ROW(d, ERRCTX_FTP, 610, "FTP: invalid parameter (check URL)", false), \
	ROW(d, ERRCTX_FTP, 611, "FTP: failed to open file", true), \
	ROW(d, ERRCTX_FTP, 612, "FTP: file position invalid", true), \
	ROW(d, ERRCTX_FTP, 613, "FTP: file error", true), \
	ROW(d, ERRCTX_FTP, 614, "FTP service not available", true), \
	ROW(d, ERRCTX_FTP, 615, "FTP: opening data connection failed", true), \
	ROW(d, ERRCTX_FTP, 616, "FTP connection closed, transfer aborted", true), \
	ROW(d, ERRCTX_FTP, 617, "FTP: file not available on server", false), \
	ROW(d, ERRCTX_FTP, 618, "FTP: server local error", true), \
	ROW(d, ERRCTX_FTP, 619, "FTP: server has insufficient storage", false), \
	ROW(d, ERRCTX_FTP, 620, "FTP: command not recognized", false), \
	ROW(d, ERRCTX_FTP, 621, "FTP: syntax error in parameters", false), \
	ROW(d, ERRCTX_FTP, 622, "FTP: command not implemented", false), \
	ROW(d, ERRCTX_FTP, 623, "FTP: bad sequence of commands", true), \
	ROW(d, ERRCTX_FTP, 624, "FTP: parameter not implemented", false), \
	ROW(d, ERRCTX_FTP, 625, "FTP: not logged in (check user/password)", false)

/* HTTP download results (HTTPEND) the DFOTA guides leave out: the Quectel
 * HTTP(S) AT manual's numbering. */
#define HTTP_GENERIC_ROWS(d) \
	ROW(d, ERRCTX_HTTP, 702, "HTTP timeout", true), \
	ROW(d, ERRCTX_HTTP, 703, "HTTP busy", true), \
	ROW(d, ERRCTX_HTTP, 704, "HTTP: UART busy", true), \
	ROW(d, ERRCTX_HTTP, 705, "HTTP: no GET/POST request", true), \
	ROW(d, ERRCTX_HTTP, 706, "HTTP: network busy", true), \
	ROW(d, ERRCTX_HTTP, 707, "HTTP: opening network failed", true), \
	ROW(d, ERRCTX_HTTP, 708, "HTTP: network not configured (APN?)", true), \
	ROW(d, ERRCTX_HTTP, 709, "HTTP: network deactivated", true), \
	ROW(d, ERRCTX_HTTP, 710, "HTTP: network error", true), \
	ROW(d, ERRCTX_HTTP, 711, "HTTP: URL error", false), \
	ROW(d, ERRCTX_HTTP, 712, "HTTP: empty URL", false), \
	ROW(d, ERRCTX_HTTP, 713, "HTTP: IP address error", true), \
	ROW(d, ERRCTX_HTTP, 714, "HTTP: DNS lookup failed", true), \
	ROW(d, ERRCTX_HTTP, 715, "HTTP: socket create failed", true), \
	ROW(d, ERRCTX_HTTP, 716, "HTTP: socket connect failed", true)

/* The guides' own download rows: 0 and the "unknown error" code, worded
 * as each guide words them. */
#define FTP_GUIDE_ROWS(d) \
	ROW(d, ERRCTX_FTP,   0, "FTP download successful", false), \
	ROW(d, ERRCTX_FTP, 601, "FTP unknown error", true)
#define HTTP_GUIDE_ROWS(d, words) \
	ROW(d, ERRCTX_HTTP,   0, "HTTP download successful", false), \
	ROW(d, ERRCTX_HTTP, 701, words " unknown error", true)

/* END codes of the AG35 guide, shared by EP06 and the EC2x class. The module
 * retries 520..530/540..546 itself and then restores the old version, so a
 * new station attempt starts from a sane module. */
#define UPDATE_AG35_ROWS(d) \
	ROW(d, ERRCTX_UPDATE,   0, "update successful", false), \
	ROW(d, ERRCTX_UPDATE, 502, "update aborted or package check failed", true), \
	ROW(d, ERRCTX_UPDATE, 510, "wrong package: does not match this firmware", false), \
	ROW(d, ERRCTX_UPDATE, 511, "not enough space for the update", false), \
	UPDATE_FAILED_ROWS(d)

#define UPDATE_FAILED(d, n) ROW(d, ERRCTX_UPDATE, n, "firmware update failed", true)
#define UPDATE_FAILED_ROWS(d) \
	UPDATE_FAILED(d, 520), UPDATE_FAILED(d, 521), UPDATE_FAILED(d, 522), \
	UPDATE_FAILED(d, 523), UPDATE_FAILED(d, 524), UPDATE_FAILED(d, 525), \
	UPDATE_FAILED(d, 526), UPDATE_FAILED(d, 527), UPDATE_FAILED(d, 528), \
	UPDATE_FAILED(d, 529), UPDATE_FAILED(d, 530), \
	UPDATE_FAILED(d, 540), UPDATE_FAILED(d, 541), UPDATE_FAILED(d, 542), \
	UPDATE_FAILED(d, 543), UPDATE_FAILED(d, 544), UPDATE_FAILED(d, 545), \
	UPDATE_FAILED(d, 546)

/* +CME ERROR to AT+QFLST/QFDEL/QFUPL/QFLDS (Quectel file AT manual). */
#define CME_FILE_ROWS(d) \
	ROW(d, ERRCTX_CME, 400, "file command: invalid input", false), \
	ROW(d, ERRCTX_CME, 405, "file not found", false), \
	ROW(d, ERRCTX_CME, 407, "file already exists", false), \
	ROW(d, ERRCTX_CME, 409, "file write failed", true), \
	ROW(d, ERRCTX_CME, 410, "file open failed", true), \
	ROW(d, ERRCTX_CME, 411, "file read failed", true), \
	ROW(d, ERRCTX_CME, 420, "no space left in module file system", false), \
	ROW(d, ERRCTX_CME, 421, "file transfer timeout", true), \
	ROW(d, ERRCTX_CME, 423, "file too large", false)

/* General 3GPP TS 27.007 +CME ERROR codes a station meets before a URL
 * delivery (no SIM, no network). */
#define CME_3GPP_ROWS(d) \
	ROW(d, ERRCTX_CME,  3, "operation not allowed", false), \
	ROW(d, ERRCTX_CME,  4, "operation not supported", false), \
	ROW(d, ERRCTX_CME, 10, "SIM not inserted", false), \
	ROW(d, ERRCTX_CME, 13, "SIM failure", false), \
	ROW(d, ERRCTX_CME, 30, "no network service", true), \
	ROW(d, ERRCTX_CME, 50, "incorrect parameters", false)

/* EP06/EG06/EM06 guide (004) §4.1.1: 504 and 505 mean "something wrong
 * with the upgrade package file": make the delta package again and put it
 * on the server again. The same file fails the same way, so no retry. */
#define UPDATE_EP06_ROWS(d) \
	UPDATE_AG35_ROWS(d), \
	ROW(d, ERRCTX_UPDATE, 504, "package file faulty: make the package again", false), \
	ROW(d, ERRCTX_UPDATE, 505, "package file faulty: make the package again", false)

static const error_info error_table[] = {
	/* BG96: the guide's http_err table has 0 and 701 ("HTTP(S) unknown
	 * error"), the generic list fills the rest; its err table was lost in
	 * the public copy beyond "0 = success", so other END codes are
	 * explained from AG35/EP06 (error_borrows, below) and say so. */
	HTTP_GUIDE_ROWS(DIALECT_BG96, "HTTP(S)"),
	HTTP_GENERIC_ROWS(DIALECT_BG96),
	ROW(DIALECT_BG96, ERRCTX_UPDATE, 0, "update successful", false),
	CME_FILE_ROWS(DIALECT_BG96),
	CME_3GPP_ROWS(DIALECT_BG96),

	/* AG35 (001): the module retries 505 itself and may pass next time. */
	FTP_GUIDE_ROWS(DIALECT_AG35),
	FTP_GENERIC_ROWS(DIALECT_AG35),
	HTTP_GUIDE_ROWS(DIALECT_AG35, "HTTP"),
	HTTP_GENERIC_ROWS(DIALECT_AG35),
	UPDATE_AG35_ROWS(DIALECT_AG35),
	ROW(DIALECT_AG35, ERRCTX_UPDATE, 505, "package check failed (corrupt download?)", true),
	CME_FILE_ROWS(DIALECT_AG35),
	CME_3GPP_ROWS(DIALECT_AG35),

	/* EP06/EG06/EM06 (004): the AG35 table, its own 504/505. */
	FTP_GUIDE_ROWS(DIALECT_EP06),
	FTP_GENERIC_ROWS(DIALECT_EP06),
	HTTP_GUIDE_ROWS(DIALECT_EP06, "HTTP(S)"),
	HTTP_GENERIC_ROWS(DIALECT_EP06),
	UPDATE_EP06_ROWS(DIALECT_EP06),
	CME_FILE_ROWS(DIALECT_EP06),
	CME_3GPP_ROWS(DIALECT_EP06),

	/* EC2x/EG2x/EG9x/EM12/EM060K: no guide of their own; same firmware
	 * family as EP06, so the EP06 table. */
	FTP_GUIDE_ROWS(DIALECT_EC25),
	FTP_GENERIC_ROWS(DIALECT_EC25),
	HTTP_GUIDE_ROWS(DIALECT_EC25, "HTTP(S)"),
	HTTP_GENERIC_ROWS(DIALECT_EC25),
	UPDATE_EP06_ROWS(DIALECT_EC25),
	CME_FILE_ROWS(DIALECT_EC25),
	CME_3GPP_ROWS(DIALECT_EC25),

	/* BC26: its own small numbering (NB-IoT firmware). */
	ROW(DIALECT_BC26, ERRCTX_HTTP,    0, "HTTP download successful", false),
	ROW(DIALECT_BC26, ERRCTX_HTTP,   12, "HTTP download failed", true),
	ROW(DIALECT_BC26, ERRCTX_HTTP,   13, "network deactivated", true),
	ROW(DIALECT_BC26, ERRCTX_HTTP,   20, "network still activating", true),
	ROW(DIALECT_BC26, ERRCTX_UPDATE,  0, "update successful", false),
	ROW(DIALECT_BC26, ERRCTX_UPDATE,  1, "update failed: unknown error", false),
	ROW(DIALECT_BC26, ERRCTX_UPDATE,  2, "FOTA is busy", true),
	ROW(DIALECT_BC26, ERRCTX_UPDATE, 254, "package does not match this firmware", false),
	ROW(DIALECT_BC26, ERRCTX_UPDATE, 255, "invalid update package", false),
	CME_3GPP_ROWS(DIALECT_BC26),

	/* BG95/BG77 (003, table 1): the guide's own 70x list, not the
	 * generic one, for HTTP, CoAP and LwM2M DOWNLOADED alike. */
	ROW(DIALECT_BG95, ERRCTX_HTTP,   0, "download successful", false),
	ROW(DIALECT_BG95, ERRCTX_HTTP, 701, "download: unknown error", true),
	ROW(DIALECT_BG95, ERRCTX_HTTP, 702, "server connection failed", true),
	ROW(DIALECT_BG95, ERRCTX_HTTP, 703, "download request failed", true),
	ROW(DIALECT_BG95, ERRCTX_HTTP, 704, "download timeout", true),
	ROW(DIALECT_BG95, ERRCTX_HTTP, 705, "URL error", false),
	ROW(DIALECT_BG95, ERRCTX_HTTP, 706, "package file does not exist on the server", false),
	ROW(DIALECT_BG95, ERRCTX_HTTP, 707, "writing data to file failed", true),
	ROW(DIALECT_BG95, ERRCTX_HTTP, 708, "downloaded file is too large", false),
	ROW(DIALECT_BG95, ERRCTX_HTTP, 710, "downloaded package check failed", true),
	ROW(DIALECT_BG95, ERRCTX_UPDATE,  0, "update successful", false),
	ROW(DIALECT_BG95, ERRCTX_UPDATE, 504, "firmware update failed", true),
	ROW(DIALECT_BG95, ERRCTX_UPDATE, 505, "update package missing", true),
	ROW(DIALECT_BG95, ERRCTX_UPDATE, 506, "package check failed (corrupt upload?)", true),
	ROW(DIALECT_BG95, ERRCTX_UPDATE, 511, "package does not match this firmware", false),
	ROW(DIALECT_BG95, ERRCTX_UPDATE, 512, "DFOTA unknown error", false),
	ROW(DIALECT_BG95, ERRCTX_CME, 590, "bad parameter to AT+QFOTADL", false),
	ROW(DIALECT_BG95, ERRCTX_CME, 591, "DFOTA already in progress", true),
	CME_3GPP_ROWS(DIALECT_BG95),

	/* A model without a row: the 3GPP codes are the only shared facts. */
	CME_3GPP_ROWS(DIALECT_UNKNOWN),
};

#define ERROR_ROWS (sizeof(error_table) / sizeof(error_table[0]))

static const char *const error_context_names[ERRCTX_COUNT] = {
	[ERRCTX_FTP]    = "FTP",
	[ERRCTX_HTTP]   = "HTTP",
	[ERRCTX_UPDATE] = "UPDATE",
	[ERRCTX_CME]    = "CME",
};

const error_info *
error_lookup(model_dialect d, err_context ctx, int code)
{
	size_t i;

	for (i = 0; i < ERROR_ROWS; i++) {
		const error_info *e = &error_table[i];

		if (e->dialect == d && e->ctx == ctx && e->code == code)
			return e;
	}
	return NULL;
}

/*
 * A guide whose code table did not survive: the codes its module sends are
 * explained by the guides of the same firmware family, and the meaning says
 * so plainly. Only the meaning is borrowed, never the retry class: the
 * station does not retry on a guess.
 */
typedef struct error_borrow {
	model_dialect dialect;
	err_context   ctx;
	const char   *guide;           /* "BG96 guide"              */
	model_dialect donors[2];       /* whose rows explain them   */
	size_t        ndonors;
} error_borrow;

static const error_borrow error_borrows[] = {
	/* BG96's err table is lost beyond "0 = success"; its firmware is the
	 * AG35/EP06 family's, whose guides number the END codes. */
	{ DIALECT_BG96, ERRCTX_UPDATE, "BG96 guide", { DIALECT_AG35, DIALECT_EP06 }, 2 },
};

static const error_borrow *
error_borrow_of(model_dialect d, err_context ctx)
{
	for (size_t i = 0; i < sizeof error_borrows / sizeof error_borrows[0]; i++)
		if (error_borrows[i].dialect == d && error_borrows[i].ctx == ctx)
			return &error_borrows[i];
	return NULL;
}

bool
error_borrowed(model_dialect d, err_context ctx, int code)
{
	const error_borrow *b = error_borrow_of(d, ctx);

	if (b == NULL || error_lookup(d, ctx, code) != NULL)
		return false;
	for (size_t i = 0; i < b->ndonors; i++)
		if (error_lookup(b->donors[i], ctx, code) != NULL)
			return true;
	return false;
}

/* "BG96 guide gives no meaning for 510; on AG35/EP06 it means ..." (donors
 * that agree share one clause); NULL when no donor knows the code. */
static const char *
error_borrowed_meaning(const error_borrow *b, err_context ctx, int code,
    char *buf, size_t len)
{
	const error_info *e[2] = { NULL, NULL };
	size_t off, n = 0;
	int    w;

	for (size_t i = 0; i < b->ndonors; i++)
		if ((e[n] = error_lookup(b->donors[i], ctx, code)) != NULL)
			n++;
	if (n == 0)
		return NULL;
	w = snprintf(buf, len, "%s gives no meaning for %d; on %s", b->guide, code,
	    model_dialect_name(e[0]->dialect));
	off = w < 0 ? 0 : (size_t)w;
	if (n == 2 && strcmp(e[0]->meaning, e[1]->meaning) == 0) {
		if (off < len)
			snprintf(buf + off, len - off, "/%s it means %s",
			    model_dialect_name(e[1]->dialect), e[0]->meaning);
	} else if (n == 2) {
		if (off < len)
			snprintf(buf + off, len - off, " it means %s; on %s, %s",
			    e[0]->meaning, model_dialect_name(e[1]->dialect), e[1]->meaning);
	} else if (off < len) {
		snprintf(buf + off, len - off, " it means %s", e[0]->meaning);
	}
	return buf;
}

const char *
error_meaning(model_dialect d, err_context ctx, int code, char *buf,
    size_t len)
{
	const error_info   *e = error_lookup(d, ctx, code);
	const error_borrow *b;

	if (e != NULL)
		return e->meaning;
	if (buf == NULL || len == 0)
		return "unknown code";
	b = error_borrow_of(d, ctx);
	if (b != NULL && error_borrowed_meaning(b, ctx, code, buf, len) != NULL)
		return buf;
	if (b != NULL)
		snprintf(buf, len, "unknown code %d (neither the %s nor %s/%s give a meaning)",
		    code, b->guide, model_dialect_name(b->donors[0]),
		    model_dialect_name(b->donors[b->ndonors - 1]));
	else
		snprintf(buf, len, "unknown code %d", code);
	return buf;
}

size_t
error_borrowed_codes(model_dialect d, err_context ctx, int *codes, size_t max)
{
	const error_borrow *b = error_borrow_of(d, ctx);
	size_t n = 0;

	if (b == NULL)
		return 0;
	for (size_t i = 0; i < ERROR_ROWS; i++) {
		const error_info *e = &error_table[i];
		bool seen = false;

		if (e->ctx != ctx || !error_borrowed(d, ctx, e->code))
			continue;
		for (size_t k = 0; k < n && !seen; k++)
			seen = codes[k] == e->code;
		if (!seen && n < max)
			codes[n++] = e->code;
	}
	return n;
}

bool
error_retry_helps(model_dialect d, err_context ctx, int code)
{
	const error_info *e = error_lookup(d, ctx, code);

	if (e != NULL)
		return e->retry_helps;
	/* An unknown download failure is most likely the network; an unknown
	 * update or command failure is not something a rerun fixes. */
	return ctx == ERRCTX_FTP || ctx == ERRCTX_HTTP;
}

const char *
error_context_name(err_context ctx)
{
	if ((unsigned)ctx >= ERRCTX_COUNT)
		return "unknown";
	return error_context_names[ctx];
}

size_t
error_count(void)
{
	return ERROR_ROWS;
}

const error_info *
error_at(size_t i)
{
	return i < ERROR_ROWS ? &error_table[i] : NULL;
}
