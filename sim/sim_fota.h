/*
 * sim_fota: the DFOTA update of one module, as a plan of timed steps.
 *
 * When a trigger is accepted the module's whole future is written down at
 * once: each step is a URC line, a power-down, a port return (into the
 * recovery image or into normal mode), a revision change, a hang, or the
 * end. The dialect table decides the shape (download URCs, reboot before
 * START, RESTORE, RESETTING and the BG95 DFOTA mode); the faults insert
 * their steps (hang at 40 %, power loss at 50 %, END,<code> at 60 %,
 * duplicated and reordered percentages). A timer then plays the steps
 * with their delays. Building first keeps the random choices in a fixed
 * order, which is what makes a run repeatable with --seed.
 */
#ifndef SIM_FOTA_H
#define SIM_FOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim_loop.h"
#include "sim/sim_spec.h"

typedef struct sim_module sim_module;

typedef enum sim_step_op {
	SIM_STEP_URC,           /* print text (a URC line)               */
	SIM_STEP_DOWN,          /* power down / port gone                */
	SIM_STEP_UP_RECOVERY,   /* port back, updater running (deaf)     */
	SIM_STEP_UP_NORMAL,     /* port back in normal mode, RDY         */
	SIM_STEP_DEAF,          /* the updater starts without a reboot   */
	SIM_STEP_STORE,         /* BG95: the download becomes the local
	                         * package                               */
	SIM_STEP_SET_REV,       /* the new firmware is in place          */
	SIM_STEP_HANG,
	SIM_STEP_FINISH,        /* back to normal operation              */
} sim_step_op;

typedef struct sim_step {
	sim_step_op op;
	bool        dfota;      /* URC routed as in BG95 DFOTA mode */
	uint64_t    delay_us;   /* before this step                 */
	char        text[96];
} sim_step;

typedef struct sim_fota {
	sim_step  *steps;
	size_t     n, cap, pos;
	bool       active;
	sim_timer  timer;
	char       to_rev[SIM_REV_MAX];
	uint8_t   *pkg;         /* downloaded package until STORE */
	size_t     pkg_len;
} sim_fota;

void sim_fota_init(sim_fota *f, sim_module *m);
void sim_fota_free(sim_module *m);
bool sim_fota_busy(const sim_fota *f);
/* Triggers (the caller has answered OK). `pkg` may be NULL (no package). */
void sim_fota_url(sim_module *m, const char *url);
void sim_fota_package(sim_module *m, const uint8_t *pkg, size_t len);
/* Fault resume: the module powers on in the middle of an update. */
void sim_fota_resume(sim_module *m);

#endif
