/*
 * central_slots: the live state of the station's slots for dfota_slots,
 * kept from the event bus and handed to the sender in coalesced batches.
 *
 * The bus dispatcher applies events (central_slots_apply, cheap, under a
 * mutex); the sender takes what changed since it last looked
 * (central_slots_take) no more often than it chooses, so a slot whose
 * percentage moves ten times a second costs the database a few updates a
 * second at most, and always ends at its latest state.
 */
#ifndef CENTRAL_SLOTS_H
#define CENTRAL_SLOTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "station/bus.h"

typedef struct central_slot {
	char        label[32];
	char        unit[24];
	char        model[32];
	unit_phase  phase;
	int         percent;        /* -1 none */
	unit_result result;         /* RESULT_NONE while running */
	int         error_code;     /* -1 none */
	char        error_text[UNIT_TEXT_MAX];
	char        fw_before[UNIT_REV_MAX];
	char        fw_target[UNIT_REV_MAX];
	char        fw_after[UNIT_REV_MAX];
	int64_t     started_ms;     /* 0 none */
	int64_t     updated_ms;
	bool        dirty;
} central_slot;

typedef struct central_slots {
	pthread_mutex_t lock;
	central_slot   *v;
	size_t          n;
	size_t          cap;
	bool            dirty;      /* any slot is */
} central_slots;

void central_slots_init(central_slots *s);
void central_slots_free(central_slots *s);
/* True when the event changed a slot. */
bool central_slots_apply(central_slots *s, const bus_event *ev);
bool central_slots_dirty(central_slots *s);
/* Every slot goes again (a new connection). */
void central_slots_mark_all(central_slots *s);
/* The changed slots as dfota_slots parameters (CENTRAL_SLOT_NPARAMS text
 * values each, NULL = SQL NULL, *values and every string malloc'ed; free
 * with central_slots_values_free); they count as clean from now. A send
 * that fails puts them back with central_slots_mark_all. */
int  central_slots_take(central_slots *s, const char *station, char ***values,
                        size_t *n);
void central_slots_values_free(char **values, size_t n);

#endif
