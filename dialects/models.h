/*
 * models: the table of Quectel modules the station knows.
 *
 * Everything that differs between modules is a row here, not a branch in
 * the worker: USB product id and AT interface, URC dialect, which delivery
 * methods the module offers, whether URCs can be routed to the USB AT port,
 * and whether the USB port is usable during the update. The worker asks the
 * table; adding a model is adding a row (dialects/models.c).
 */
#ifndef MODELS_H
#define MODELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUECTEL_USB_VID 0x2c7c

/* URC and error-code dialect: one per vendor guide family. */
typedef enum model_dialect {
	DIALECT_BG96,   /* START, UPDATING, RESTORE, END; resume banner   */
	DIALECT_AG35,   /* FTP/HTTP download, then START/UPDATING/END      */
	DIALECT_EP06,   /* as AG35, plus 504                               */
	DIALECT_EC25,   /* EC2x/EG2x/EG9x class: AG35-like                 */
	DIALECT_BC26,   /* NB-IoT, UART only, DOWNLOADING n%, typos        */
	DIALECT_BG95,   /* BG95/BG77: COM: upload, RESETTING, blind on USB */
	DIALECT_UNKNOWN,/* a module no row names: only the 3GPP codes mean
	                   anything; never guessed to be another family    */
	DIALECT_COUNT
} model_dialect;

/* Delivery methods, as bit flags. */
enum {
	MODEL_DELIVER_URL     = 1 << 0, /* AT+QFOTADL="<url>": module downloads    */
	MODEL_DELIVER_UFS     = 1 << 1, /* AT+QFUPL to UFS, AT+QFOTADL="/data/ufs/x" */
	MODEL_DELIVER_FOTAZIP = 1 << 2, /* AT+QFUPL to /fota/update.zip, QFOTADL=1 */
	MODEL_DELIVER_COM     = 1 << 3, /* AT+QFOTADL="COM:",size then QFOTADL=1   */
};

/* How a module shows it is online before a URL download (its guide's
 * "Check Network Status"). */
typedef struct model_netcheck {
	const char *signal;           /* signal query, noted, not judged       */
	const char *reg[3];           /* registration queries: one must say
	                                 1 (home) or 5 (roaming)              */
	const char *addr;             /* NULL, or a query that must show an IP
	                                 address ("AT+CGPADDR=1", BC26)       */
} model_netcheck;

typedef struct model_info {
	const char    *name;          /* as ATI prints it: "BG96"              */
	model_dialect  dialect;
	uint16_t       usb_pid;       /* main product id; 0: UART only. Every
	                                 id and its AT interface: usbids.h    */
	unsigned       deliveries;    /* MODEL_DELIVER_* flags; URL rules:
	                                 urls.h                               */
	bool           has_urcport;   /* AT+QURCCFG="urcport","usbat" exists    */
	bool           usb_blind_update; /* USB AT port unusable while updating */
	bool           has_file_cmds; /* AT+QFLST/QFDEL/QFLDS/QFUPL exist       */
	const char    *cert_dir;      /* where the HTTPS certificates go
	                                 (fota_cacert.pem...); NULL: the guide
	                                 names none                           */
	bool           has_fota_apn;  /* AT+QCFGEXT="fota_apn" (BG95/BG77)      */
	bool           has_trigger_mode; /* AT+QFOTADL=3,<0|1> (BG95/BG77): 1
	                                 updates right after a download, 0
	                                 waits for AT+QFOTADL=1; not kept over
	                                 a power cycle                        */
	const model_netcheck *net;
	const char    *summary;       /* one line for the README and --list     */
} model_info;

/* By the name ATI prints, case-insensitive ("bg96" finds BG96). */
const model_info *model_find(const char *name);
/* By USB ids (usbids.h): the model row the id stands for (EP06/EG06/EM06
 * share one: ATI tells them apart). */
const model_info *model_find_usb(uint16_t vid, uint16_t pid);
size_t            model_count(void);
const model_info *model_at(size_t i);
const char       *model_dialect_name(model_dialect d);

#endif
