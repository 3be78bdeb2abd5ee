/*
 * grid_int: the grid object, shared by grid.c (life, thread, keys) and
 * grid_draw.c (frames). Not for use outside ui/grid*.c.
 */
#ifndef GRID_INT_H
#define GRID_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <ncursesw/curses.h>

#include "ui/grid.h"
#include "ui/grid_layout.h"
#include "ui/grid_model.h"

typedef enum grid_view {
	GRID_VIEW_CELLS,     /* every slot                      */
	GRID_VIEW_DETAIL,    /* one slot's timeline             */
} grid_view;

typedef enum grid_prompt {
	GRID_PROMPT_NONE,
	GRID_PROMPT_STOP,    /* stop the selected slot? (y/n)   */
	GRID_PROMPT_QUIT,    /* quit while units run? (y/n)     */
	GRID_PROMPT_RETRY_ALL, /* retry every failed slot? (y/n) */
} grid_prompt;

/* Colour pairs; 0 is the terminal's own. */
enum {
	GRID_PAIR_RUN = 1,
	GRID_PAIR_PASS,
	GRID_PAIR_FAIL,
	GRID_PAIR_WARN,
	GRID_PAIR_DIM,
};

/* How a state looks: colour, a symbol so that colour is never needed, and
 * the word of a finished unit. */
typedef struct grid_look {
	short       pair;
	const char *sym;       /* UTF-8 */
	const char *ascii;     /* when the locale is not UTF-8 */
	const char *word;
	bool        band;      /* the state line is drawn in reverse video */
} grid_look;

struct grid {
	station              *st;
	const station_config *cfg;
	char                  report_path[1024];
	char                  operator_name[64];
	int64_t               started_ms;

	/* Shared with the bus dispatcher, under lock. */
	pthread_mutex_t       lock;
	grid_model            m;
	bool                  stop;

	/* The terminal and the UI thread's own state. */
	SCREEN               *screen;
	bool                  utf8;
	bool                  colour;
	pthread_t             thread;
	bool                  running;
	grid_view             view;
	grid_prompt           prompt;
	bool                  help;
	int                   selected;
	int                   prompt_slot;  /* the slot a stop prompt is about  */
	int                   scroll;       /* detail: lines up from the newest */
	bool                  paused;       /* as last read from the station    */
	bool                  quitting;
	char                  flash[160];   /* a short answer to a key          */
	int64_t               flash_until;
	grid_layout           layout;       /* of the last frame                */
	/* f and /: which slots the cells view shows, and finding one. */
	bool                  filter_failed;/* f: failed slots only             */
	int                  *vis;          /* slots shown, in order (owned)    */
	int                   nvis;
	int                   capvis;
	bool                  searching;    /* / typed: the footer takes text   */
	char                  search[48];
	int                   retry_count;  /* failed slots the R question counts */
};

const grid_look *grid_look_of(grid_state s);
/* A finished unit that did not pass and is still in its slot (f, R). */
bool             grid_slot_failed(const grid_slot *s);
/* Fills g->vis with the slots the cells view shows (every slot, or the
 * failed ones under f); returns g->nvis. */
int              grid_visible(grid *g);
const char      *grid_phase_word(unit_phase p);
/* Draws one frame into the virtual screen (the caller holds g->lock and
 * calls doupdate() after releasing it). */
void             grid_draw(grid *g, int64_t now_ms);
/* Lines of the detail view's timeline area at the current size. */
int              grid_detail_rows(void);

#endif
