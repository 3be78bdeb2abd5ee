/*
 * sim_spec: the description of one emulated module, as given on the
 * command line (--module "link=/tmp/a,model=BG96,fault=split") or as one
 * line of a scenario file (same keys, separated by commas or whitespace,
 * '#' starts a comment). Keys are a table in sim_spec.c; the result is a
 * plain value that sim_module copies.
 */
#ifndef SIM_SPEC_H
#define SIM_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/sim_fault.h"
#include "sim/sim_model.h"

#define SIM_PATH_MAX 256
#define SIM_REV_MAX  64

/* register= values that are not a delay. */
#define SIM_REGISTER_NEVER (-1L)   /* searching for ever                  */
#define SIM_REGISTER_MODEL (-2L)   /* the model's own delay (sim_model.c) */

typedef enum sim_tristate {
	SIM_DEFAULT = -1,
	SIM_OFF = 0,
	SIM_ON = 1,
} sim_tristate;

typedef struct sim_spec {
	char             link[SIM_PATH_MAX];
	char             urc_link[SIM_PATH_MAX];   /* "" = none          */
	const sim_model *model;
	char             rev[SIM_REV_MAX];         /* "" = model default */
	char             imei[16];                 /* "" = from the seed */
	char             iccid[24];                /* "" = from the seed */
	bool             no_iccid;                 /* iccid=none         */
	sim_fault        fault;
	sim_tristate     echo;
	bool             network;
	long             register_ms;              /* register=: ms after each
	                                              boot until registered
	                                              (at --speed 1), or
	                                              SIM_REGISTER_NEVER, or
	                                              SIM_REGISTER_MODEL */
	long long        space;
	sim_tristate     urc_usbat;                /* urcport=           */
	int              ready_ms;                 /* ready=: port up to AT
	                                            * answering and RDY (ms
	                                            * at --speed 1)      */
	sim_tristate     retries;                  /* retries=: module-side
	                                            * retries (AG35/EP06) */
	bool             chatter;                  /* chatter=no: nothing
	                                            * printed by itself
	                                            * after RDY           */
	bool             updater_rdy;              /* updater_rdy=yes: the
	                                            * updater prints RDY,
	                                            * START comes later   */
	int              trigger_mode;             /* BG95 AT+QFOTADL=3 at
	                                            * start (1; 0: left in
	                                            * manual mode)        */
	char             apn[64];                  /* the DFOTA APN the
	                                            * network needs; "" =
	                                            * any               */
} sim_spec;

void sim_spec_init(sim_spec *s);
/* Parses one spec (comma- or whitespace-separated key=value) into s and
 * checks it is complete. Returns 0 or -1 with a message in err. */
int  sim_spec_parse(sim_spec *s, const char *text, char *err, size_t errlen);
/* Reads a scenario file: one spec per non-empty line. Appends to *specs
 * (realloc'd, owned by the caller). Errors name the file and line. */
int  sim_spec_load(const char *path, sim_spec **specs, size_t *n,
         char *err, size_t errlen);

#endif
