/*
 * errors: what a module's numeric codes mean, per dialect, as data.
 *
 * A code arrives in one of four contexts: the result of an FTP download
 * (FTPEND), of an HTTP/CoAP/LwM2M download (HTTPEND, COAPEND, DOWNLOADED),
 * of the update itself (END), or as +CME ERROR to a command. For each known
 * (dialect, context, code) the table gives words an operator understands and
 * whether another attempt by the station can help. Unknown codes are never
 * dropped: they are shown as numbers ("unknown code 612"). A guide whose
 * table was lost (BG96's END codes) borrows the meaning from its family and
 * says so: "BG96 guide gives no meaning for 510; on AG35/EP06 it means ...".
 */
#ifndef ERRORS_H
#define ERRORS_H

#include <stdbool.h>
#include <stddef.h>

#include "dialects/models.h"

typedef enum err_context {
	ERRCTX_FTP,       /* FTPEND,<ftp_err>                        */
	ERRCTX_HTTP,      /* HTTPEND / COAPEND / LwM2M DOWNLOADED     */
	ERRCTX_UPDATE,    /* END,<err>                               */
	ERRCTX_CME,       /* +CME ERROR: <n> to a command            */
	ERRCTX_COUNT
} err_context;

typedef struct error_info {
	model_dialect dialect;
	err_context   ctx;
	int           code;
	const char   *meaning;     /* short, for the grid and the report */
	bool          retry_helps; /* can another station attempt fix it */
} error_info;

const error_info *error_lookup(model_dialect d, err_context ctx, int code);
/* The meaning in words; "unknown code N" or a borrowed meaning (written to
 * buf, ERROR_MEANING_MAX is always enough) when the dialect has no row. */
#define ERROR_MEANING_MAX 192
const char       *error_meaning(model_dialect d, err_context ctx, int code,
                                char *buf, size_t len);
/* Unknown codes: true for download contexts, false for the update itself. */
bool              error_retry_helps(model_dialect d, err_context ctx, int code);
const char       *error_context_name(err_context ctx);
/* True when (d, ctx) has no row for code but a family guide explains it. */
bool              error_borrowed(model_dialect d, err_context ctx, int code);
/* The codes of (d, ctx) explained only by a family guide, table order,
 * at most max of them; returns how many. */
size_t            error_borrowed_codes(model_dialect d, err_context ctx,
                                       int *codes, size_t max);
/* The rows themselves, for tests and --list: every (dialect, ctx, code). */
size_t            error_count(void);
const error_info *error_at(size_t i);

#endif
