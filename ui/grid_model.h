/*
 * grid_model: what the operator's grid knows about each slot, built from
 * the event stream alone. Pure data: the grid applies events under its own
 * lock and draws from it; nothing here locks, draws or blocks.
 *
 * A slot's cell shows the unit in it (identity, phase, percent, revisions)
 * and, once the unit has finished, its result until the unit is pulled
 * (the slot then waits again and remembers the last result). Each slot
 * keeps the last GRID_TIMELINE_MAX events of its timeline (bytes sent and
 * received, notes, port changes, phase changes) for the detail view.
 */
#ifndef GRID_MODEL_H
#define GRID_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "station/bus.h"
#include "station/unit.h"

#define GRID_TIMELINE_MAX 500
#define GRID_LINE_TEXT    200

/* What a cell says at a glance; colour, symbol and word come from a table
 * in the grid (grid_look). */
typedef enum grid_state {
	GRID_ST_IDLE,     /* no unit in the slot                      */
	GRID_ST_RUN,      /* a unit is being identified or updated    */
	GRID_ST_PASS,     /* updated; pull it                         */
	GRID_ST_SKIP,     /* already at the target; pull it           */
	GRID_ST_FAIL,     /* the update failed; pull it aside         */
	GRID_ST_ABORT,    /* cut short (stop, quit, swap)             */
	GRID_ST_NOPKG,    /* no package applies                       */
	GRID_ST_COUNT
} grid_state;

typedef struct grid_line {
	int64_t    ts_ms;
	unit_phase phase;
	bus_kind   kind;
	char       text[GRID_LINE_TEXT];
} grid_line;

typedef struct grid_slot {
	char        label[32];
	grid_state  state;
	unit_phase  phase;
	int         percent;                /* -1: none                      */
	bool        has_unit;               /* identity fields below are set */
	bool        pulled;                 /* the finished unit left        */
	unit_result last_result;            /* of the last finished unit     */
	int64_t     started_ms;
	int64_t     finished_ms;            /* 0 while running               */
	char        model[32];
	char        imei[24];
	char        fw_before[UNIT_REV_MAX];
	char        fw_target[UNIT_REV_MAX];
	char        fw_after[UNIT_REV_MAX];
	int         error_code;             /* -1: none                      */
	unit_phase  error_phase;            /* where error_text happened     */
	char        error_text[UNIT_TEXT_MAX];
	unit_phase  logged_phase;           /* last phase put on the timeline */
	bool        polling;                /* an "AT" presence poll is out  */
	grid_line  *lines;                  /* ring, allocated on first use  */
	int         nlines;
	int         head;                   /* index of the oldest line      */
} grid_slot;

typedef struct grid_model {
	grid_slot *slots;
	int        nslots;
	int        cap;
	int        results[RESULT_COUNT];  /* finished units of the session */
	int        finished;
	int        beeps;                  /* bells the UI thread still owes */
	char       alert[GRID_LINE_TEXT];  /* last station-wide alert        */
	bool       dirty;                  /* changed since the last frame   */
} grid_model;

void             grid_model_init(grid_model *m);
void             grid_model_free(grid_model *m);
/* At least n slots (new ones idle); -1 when out of memory. */
int              grid_model_ensure(grid_model *m, int n);
/* Sets the label of slot i when it has none yet (slots may be announced by
 * the station before any event of theirs arrives). */
void             grid_model_label(grid_model *m, int i, const char *label);
void             grid_model_apply(grid_model *m, const bus_event *ev);
/* The i-th oldest timeline line of a slot (0 <= i < s->nlines). */
const grid_line *grid_slot_line(const grid_slot *s, int i);
/* How many slots are in a state. */
int              grid_model_count(const grid_model *m, grid_state st);

#endif
