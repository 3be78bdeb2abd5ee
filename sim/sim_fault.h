/*
 * sim_fault: the misbehaviours a module can be told to show (`fault=` in a
 * module spec, several joined with '+': "end:510+split").
 *
 * Parsing fills one plain struct; the module, the upload and the DFOTA plan
 * each read the fields that concern them. The names and their arguments
 * are a table in sim_fault.c.
 */
#ifndef SIM_FAULT_H
#define SIM_FAULT_H

#include <stdbool.h>
#include <stddef.h>

typedef enum sim_phase {
	SIM_PHASE_NONE = 0,
	SIM_PHASE_IDENTIFY,
	SIM_PHASE_UPLOAD,
	SIM_PHASE_DOWNLOAD,
	SIM_PHASE_UPDATING,
	SIM_PHASE_RESTORE,
	SIM_PHASE_START,       /* powerloss only: at START              */
	SIM_PHASE_END,         /* powerloss only: at END,0, before the
	                        * planned reboot                        */
} sim_phase;

typedef enum sim_trigger_fault {
	SIM_TRIGGER_OK = 0,
	SIM_TRIGGER_ERROR,     /* the trigger answers ERROR           */
	SIM_TRIGGER_CME,       /* the trigger answers +CME ERROR: <n> */
} sim_trigger_fault;

typedef struct sim_fault {
	int               end_code;      /* end:<code>; 0 = success         */
	int               end_times;     /* end:<code>x<N>: the first N tries
	                                  * fail (module-side retries), 0 =
	                                  * every try                       */
	int               dl_code;       /* dl:<code>; 0 = success          */
	int               gone_after;    /* gone[:N]; 0 = always comes back */
	sim_phase         hang;          /* hang[:PHASE]                    */
	sim_phase         powerloss;     /* powerloss[:PHASE]; NONE = off;
	                                  * the model's default is resolved
	                                  * by the module                   */
	bool              powerloss_set;
	sim_trigger_fault trigger;
	int               trigger_cme;
	int               slowack_ms;
	int               slow_ms;       /* slow:<ms>: AT+QFOTADL=<para1>
	                                  * answers after ms (BG95 guide: up
	                                  * to 10 s)                       */
	char              mute[16];      /* mute:NAME: AT+NAME gets no answer */
	bool noise, split, merge, dup, swap, silentack, badsum, nonet;
	bool qgmr_incomplete, resume, typo;
	bool nul, qgmr_junk;
	int               stale_cme;     /* stale:cme:<n>; -1 = stale:ok   */
	bool              stale;         /* a leftover line in the tty     */
	bool netloss;                    /* AT+CFUN=0/1 during a download  */
	bool noaddr;                     /* registered, no IP on the default
	                                  * PDN (AT+CGPADDR=1)              */
	bool nostart;                    /* trigger OK, reboot, but back in
	                                  * normal mode at the old revision
	                                  * with RDY and no FOTA URC: the
	                                  * updater never ran               */
} sim_fault;

void sim_fault_init(sim_fault *f);
/* Parses "F1+F2+..." into f (on top of what f holds). Returns 0, or -1
 * with a message naming the bad part in err. */
int  sim_fault_parse(sim_fault *f, const char *text, char *err, size_t errlen);

#endif
