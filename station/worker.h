/*
 * worker: one thread per slot. It owns the slot's AT channel and takes each
 * unit that appears in the slot through
 *
 *   WAIT -> IDENTIFY -> PLAN -> DELIVER -> TRIGGER -> DOWNLOAD -> REBOOT
 *        -> UPDATING (-> RESTORE) -> END -> REBOOT -> VERIFY -> DONE
 *
 * posting every change and every line in and out to the station's bus. The
 * worker outlives each unit in its slot; it ends when the station stops or,
 * with --once, after its first unit.
 */
#ifndef WORKER_H
#define WORKER_H

#include "station/station.h"

/* Thread entry; arg is the slot. */
void *worker_run(void *arg);

#endif
