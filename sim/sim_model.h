/*
 * sim_model: what differs between the emulated Quectel modules, as data.
 *
 * A dialect is one vendor guide's DFOTA behaviour: which URCs it prints in
 * which order, how a percentage looks, whether the module reboots into a
 * recovery image before START, and its error codes. A model is one product
 * name (what ATI prints) with its family, default revisions, delivery paths
 * and port layout, pointing at its dialect. The module state machine asks
 * these rows; it has no per-model branches.
 */
#ifndef SIM_MODEL_H
#define SIM_MODEL_H

#include <stdbool.h>

/* URL schemes a model accepts in AT+QFOTADL="<url>". */
enum {
	SIM_URL_HTTP  = 1 << 0,
	SIM_URL_FTP   = 1 << 1,
	SIM_URL_COAP  = 1 << 2,  /* coap:// and coaps:// */
	SIM_URL_HTTPS = 1 << 3,
};

/* Which AT command groups a model has. */
enum {
	SIM_CAP_URCCFG = 1 << 0, /* AT+QURCCFG="urcport"                     */
	SIM_CAP_FILES  = 1 << 1, /* AT+QFLDS/QFLST/QFDEL/QFUPL               */
	SIM_CAP_LOCAL  = 1 << 2, /* AT+QFOTADL="/data/ufs/<name>"            */
	SIM_CAP_FOTA1  = 1 << 3, /* AT+QFOTADL=1 with /fota/update.zip (BG96) */
	SIM_CAP_COM    = 1 << 4, /* AT+QFOTADL="COM:",... and =1,3,4,5 (BG95) */
	SIM_CAP_CFGEXT = 1 << 5, /* AT+QCFGEXT="fota_apn"                    */
	SIM_CAP_CSUB   = 1 << 6, /* ATI+CSUB: Revision and SubEdition        */
	SIM_CAP_EGMR   = 1 << 7, /* AT+EGMR=0,7 IMEI, AT+EGMR=0,9 SVN (reads) */
};

/* A line a module prints by itself after the RDY of a normal boot, ms
 * after RDY at --speed 1; a table ends with text NULL. */
typedef struct sim_chatter {
	unsigned    ms;
	const char *text;
} sim_chatter;

typedef struct sim_dialect {
	const char *name;
	const char *pct_fmt;        /* printf for "<word>",<pct>: "%d" or " %d%%" */
	bool  dl_progress;          /* DOWNLOADING,<pct> lines                  */
	bool  restore;              /* RESTORE,<pct> phase after UPDATING (BG96) */
	bool  recovery_reboot;      /* reboot between trigger/download and START */
	bool  dfota_mode;           /* BG95: RESETTING, then the USB port is gone
	                             * for the whole update (URCs on the UART)  */
	bool  reboot_on_fail;       /* reboots after END,<err != 0>             */
	bool  module_retries;       /* AG35/EP06 (guide 001): a failed check is
	                             * tried 3 times, a failed update 5, each
	                             * a reboot and a new START; then the old
	                             * version is restored                      */
	int   pct_step;             /* UPDATING/RESTORE step in percent         */
	int   code_mismatch;        /* END: package is for another source       */
	int   code_badpkg;          /* END: no valid package header             */
	int   code_nopkg;           /* END when =1 finds no package; 0: the
	                             * trigger answers +CME ERROR: 405 instead  */
	int   dl_missing_http;      /* download END code: file not found        */
	int   dl_missing_ftp;
	int   dl_nonet;             /* download END code: no network; 0: as missing */
	int   cme_busy;             /* +CME ERROR while DFOTA runs; 0: ERROR    */
	int   cme_badparam;         /* +CME ERROR for a bad argument; 0: ERROR  */
	int   dl_tls;               /* download END code: an https download
	                             * without the certificates it needs     */
	int   dl_apn;               /* download END code: wrong DFOTA APN    */
	const sim_chatter *chatter; /* after RDY of each normal boot         */
} sim_dialect;

typedef struct sim_model {
	const char        *name;       /* as ATI prints it                    */
	const char        *family;     /* packages apply within a family      */
	const sim_dialect *dialect;
	const char        *rev;        /* factory revision                     */
	const char        *rev_next;   /* where an interrupted update (fault
	                                * `resume`) ends                       */
	const char        *rev_swap;   /* revision of the other unit (`swap`) */
	const char        *tac;        /* 8-digit IMEI type allocation code   */
	bool               usb;        /* false: one UART port only (BC26)    */
	unsigned           caps;       /* SIM_CAP_*                           */
	unsigned           schemes;    /* SIM_URL_*                           */
	int                url_max;
	const char        *cert_dir;   /* where fota_cacert.pem... must be for
	                                * https; NULL: https has no certificates
	                                * to check (the module's own store)   */
	long               register_ms; /* default register=: ms (at --speed
	                                 * 1) from RDY until registered       */
} sim_model;

/* Case-insensitive lookup by name; NULL if unknown. */
const sim_model *sim_model_find(const char *name);
/* True when a package built for model name `pkg` applies to model m. */
bool             sim_model_compatible(const sim_model *m, const char *pkg);
/* "BG96|AG35|..." for usage messages. */
const char      *sim_model_names(void);

#endif
