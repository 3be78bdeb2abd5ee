/*
 * urc: one tolerant parser for the DFOTA unsolicited result codes of all
 * five vendor guides:
 *
 *   +QIND: "FOTA","HTTPSTART"            +QIND: "FOTA","UPDATING", 42%
 *   +QIND: "FOTA","END",0                +LWM2M: "FOTA","DOWNLOADED",0
 *
 * Spaces after commas and inside quotes, a '%' after numbers (BC26), and the
 * guides' typos ("HTTPTART", "HTTPPEND", " RESETTING") are accepted. A FOTA
 * line the parser does not know is URC_FOTA_OTHER, never dropped; a code it
 * does not know is kept as a number.
 */
#ifndef URC_H
#define URC_H

#include <stdbool.h>

typedef enum urc_kind {
	URC_NONE = 0,       /* not a FOTA URC (or not a URC at all)           */
	URC_DL_START,       /* FTPSTART, HTTPSTART, COAPSTART, LwM2M "START"   */
	URC_DL_PROGRESS,    /* DOWNLOADING,<pct>                               */
	URC_DL_END,         /* FTPEND/HTTPEND/COAPEND,<err>; LwM2M DOWNLOADED  */
	URC_DL_COMPLETED,   /* +LWM2M: "FOTA","DOWNLOADING","COMPLETED"        */
	URC_RESETTING,      /* BG95: module resets into DFOTA mode             */
	URC_START,          /* update started                                  */
	URC_UPDATING,       /* UPDATING,<pct>                                  */
	URC_RESTORE,        /* RESTORE,<pct> (BG96)                            */
	URC_END,            /* END,<err>                                       */
	URC_RESUME,         /* "Last upgrade was not finished,continue upgrade" */
	URC_FOTA_OTHER,     /* a +QIND: "FOTA" line of unknown shape            */
	URC_KIND_COUNT
} urc_kind;

typedef enum urc_transport {
	URC_VIA_NONE = 0,
	URC_VIA_FTP,
	URC_VIA_HTTP,
	URC_VIA_COAP,
	URC_VIA_LWM2M,
} urc_transport;

typedef struct urc_event {
	urc_kind      kind;
	urc_transport via;    /* for the download kinds                   */
	int           value;  /* percent or error code; -1 when none given */
} urc_event;

/* Parses one line (without CR/LF). Returns false and kind URC_NONE when the
 * line is not a FOTA URC. */
bool        urc_parse_line(const char *line, urc_event *out);
const char *urc_kind_name(urc_kind k);
/* "FTP", "HTTP", "COAP", "LWM2M"; "NONE" for URC_VIA_NONE. */
const char *urc_via_name(urc_transport t);

#endif
