/*
 * sim_module: one emulated Quectel module.
 *
 * A module owns its ports (the AT port, and optionally the main UART given
 * by urc_link), its identity, its in-memory file system, an upload in
 * progress and a DFOTA plan in progress. It is driven by two things only:
 * bytes arriving on the AT port (assembled into command lines, or fed to
 * the upload in data mode) and timers (the plan's next step, upload
 * timeouts, delayed acks).
 *
 * "Power" is modelled per port type. A USB module going down closes its pty
 * and removes its link (the station sees EOF/EIO/HUP); coming up opens a
 * new pty behind the same link. A UART-only module (BC26) keeps its pty and
 * link and only goes deaf and silent while it boots.
 */
#ifndef SIM_MODULE_H
#define SIM_MODULE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/sim_files.h"
#include "sim/sim_fota.h"
#include "sim/sim_loop.h"
#include "sim/sim_model.h"
#include "sim/sim_out.h"
#include "sim/sim_pty.h"
#include "sim/sim_rng.h"
#include "sim/sim_spec.h"
#include "sim/sim_upload.h"

#define SIM_LINE_MAX 1024

/* What every module shares; owned by the caller (sim_main). */
typedef struct sim_env {
	sim_loop   *loop;
	FILE       *log;      /* NULL: no event log        */
	double      speed;    /* divides module durations  */
	const char *pkgdir;   /* NULL: URL downloads fail  */
	uint64_t    seed;
} sim_env;

typedef struct sim_module sim_module;

typedef struct sim_port {
	sim_module *owner;
	const char *link;     /* in the module's spec; "" = no such port */
	const char *name;     /* "at" or "uart", for the log              */
	sim_pty     pty;
	sim_out     out;
	sim_watch   in;
	bool        up;
} sim_port;

/* AT+QURCCFG="urcport" values, in the order of the names in sim_at.c. */
enum {
	SIM_URCPORT_USBAT,
	SIM_URCPORT_USBMODEM,
	SIM_URCPORT_UART,
};

typedef enum sim_up_result {
	SIM_UP_OK,
	SIM_UP_GONE,          /* fault gone: the port never returns   */
	SIM_UP_SWAPPED,       /* fault swap: another unit came back   */
} sim_up_result;

struct sim_module {
	int                index;
	const sim_env     *env;
	sim_spec           spec;
	const sim_model   *model;
	const sim_dialect *dialect;
	sim_rng            rng;        /* plan choices (dup, RESETTING count) */
	sim_rng            noise;      /* noise bytes and junk lines          */
	sim_rng            ident;      /* IMEI/ICCID of this and swapped units */

	char rev[SIM_REV_MAX];
	char imei[16];
	char iccid[24];

	/* Settings lost at reboot. */
	bool echo;
	int  cmee;
	int  trigger_mode;             /* BG95 AT+QFOTADL=3: 1 auto, 0 manual;
	                                * not kept over a power cycle        */
	/* Settings kept in NV. */
	int  urcport;                  /* SIM_URCPORT_*                       */
	int  apn_type;
	char apn[64];

	sim_port at;
	sim_port uart;

	char   line[SIM_LINE_MAX];
	size_t line_len;
	bool   line_cr;                /* last byte was CR: skip a following LF */
	bool   line_long;              /* overflowed: answer ERROR at the end   */

	bool     deaf;                 /* booting or updating: input ignored */
	bool     hung;                 /* fault hang: no output, no input    */
	bool     gone;                 /* fault gone: never comes back       */
	bool     booting;              /* port up, AT interpreter not yet    */
	sim_timer ready;               /* ends `booting`: RDY                */
	sim_timer chatter;             /* the dialect's lines after RDY      */
	size_t   chatter_pos;          /* the next of them                   */
	int      boots;                /* port returns so far                */
	uint64_t boot_at;              /* loop time of the last normal boot  */

	sim_files files;
	uint8_t  *com_pkg;             /* BG95 local DFOTA package           */
	size_t    com_pkg_len;
	bool      has_com_pkg;

	sim_upload up;
	sim_fota   fota;
	struct sim_batch *batch;       /* a concatenated line being answered
	                                * (sim_at.c); NULL otherwise          */
	sim_timer slow;                /* fault slow: a command answered late */
	char     *slow_line;           /* that command, until it runs         */
};

sim_module *sim_module_new(const sim_spec *spec, const sim_env *env,
                int index, char *err, size_t errlen);
/* Opens the ports and links, and starts a resumed update if asked. */
int         sim_module_start(sim_module *m, char *err, size_t errlen);
/* Closes every port and removes the links. */
void        sim_module_free(sim_module *m);

/* A module duration (milliseconds at --speed 1) in loop microseconds. */
uint64_t    sim_module_us(const sim_module *m, unsigned base_ms);
void        sim_module_log(const sim_module *m, const char *fmt, ...)
                __attribute__((format(printf, 2, 3)));

/* A response on the AT port, as one write (noise may come first). */
void        sim_module_send(sim_module *m, const char *data, size_t len);
/* Bytes on the AT port that no noise may touch (echo, acks, CONNECT). */
void        sim_module_send_raw(sim_module *m, const void *data, size_t len);
/* URC lines (without CR/LF), in one write, to where URCs go now;
 * `dfota` routes them as BG95 does in DFOTA mode (main UART only). */
void        sim_module_urc(sim_module *m, const char *const *lines, size_t n,
                bool dfota);

void          sim_module_power_down(sim_module *m);
sim_up_result sim_module_power_up(sim_module *m, bool normal);
void          sim_module_hang(sim_module *m);
/* True while module-side retries are on (AG35/EP06 by default). */
bool          sim_module_retries(const sim_module *m);
/* ms (at --speed 1) from a boot's RDY until the module is registered:
 * register=, or the model's delay; SIM_REGISTER_NEVER. */
long          sim_module_register_ms(const sim_module *m);

#endif
