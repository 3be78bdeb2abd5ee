/*
 * grid: the operator's screen -- its life, its UI thread and its keys (the
 * frame itself is grid_draw.c, the picture of each slot grid_model.c).
 *
 * Threads. The bus dispatcher calls grid_on_event(), which applies the
 * event to the model under g->lock and returns: no curses call, no wait.
 * The UI thread owns the terminal. It waits for a key at most 100 ms
 * (timeout()), and draws a frame when the model changed, a key or a resize
 * arrived, or a running unit's clock ticked -- at most GRID_FPS frames a
 * second. A frame is drawn into curses' virtual screen under g->lock and
 * sent to the terminal with one doupdate() after the lock is released, so
 * a slow terminal never holds up the bus. grid_free() is the one way to
 * stop the thread: it sets g->stop and joins.
 *
 * Keys (cells view):
 *   arrows, h j k l  select          Enter        timeline of the slot
 *   PgUp PgDn [ ]    page            mouse click  select
 *   r  retry a failed unit           s  stop the slot's unit (asks y/n)
 *   R  retry every failed unit (asks y/n)
 *   /  find a slot by label or IMEI  f  failed slots only / all slots
 *   p  pause / resume new units      q  quit (asks y/n while units run)
 *   ?  help
 * Detail view: Up Down PgUp PgDn Home End scroll, Left Right other slot,
 * r and s as above, Esc or q back.
 *
 * Bells ring from the UI thread, spaced GRID_BEEP_MS apart: once for a
 * unit that passed, three times for one that did not (cfg ui.bell).
 */
#include <ctype.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "station/unit.h"
#include "ui/grid_int.h"

#define GRID_KEY_WAIT_MS 100
#define GRID_BEEP_MS     250
#define GRID_FLASH_MS    3000
#define GRID_KEY_ESC     27

grid *
grid_new(station *st, const station_config *cfg, const char *session_report_path)
{
	grid       *g = calloc(1, sizeof *g);
	const char *cs;

	if (g == NULL)
		return NULL;
	g->st = st;
	g->cfg = cfg;
	snprintf(g->report_path, sizeof g->report_path, "%s",
	    session_report_path != NULL ? session_report_path : "");
	g->started_ms = unit_now_ms();
	grid_model_init(&g->m);
	pthread_mutex_init(&g->lock, NULL);
	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	g->utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	/* newterm, not initscr: an unknown terminal is an answer, not an exit. */
	g->screen = newterm(NULL, stdout, stdin);
	if (g->screen == NULL) {
		grid_free(g);
		return NULL;
	}
	cbreak();                 /* Ctrl-C stays a signal: the station stops cleanly */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);         /* Esc closes the timeline without a second's wait */
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED, NULL);
	mouseinterval(0);
	timeout(GRID_KEY_WAIT_MS);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(GRID_PAIR_RUN, COLOR_CYAN, -1);
		init_pair(GRID_PAIR_PASS, COLOR_GREEN, -1);
		init_pair(GRID_PAIR_FAIL, COLOR_RED, -1);
		init_pair(GRID_PAIR_WARN, COLOR_YELLOW, -1);
		init_pair(GRID_PAIR_DIM, -1, -1);
		g->colour = true;
	}
	return g;
}

void
grid_on_event(void *ctx, const bus_event *ev)
{
	grid *g = ctx;

	pthread_mutex_lock(&g->lock);
	grid_model_apply(&g->m, ev);
	pthread_mutex_unlock(&g->lock);
}

/* Slots the station has that the model has not seen yet (discovery may add
 * some at any time). The station's lock is never held with the grid's. */
static void
grid_sync_slots(grid *g)
{
	char labels[64][32];
	int  have, k;

	pthread_mutex_lock(&g->lock);
	have = g->m.nslots;
	pthread_mutex_unlock(&g->lock);
	k = station_slot_labels(g->st, have, labels, 64);
	g->paused = station_is_paused(g->st);
	if (k == 0)
		return;
	pthread_mutex_lock(&g->lock);
	if (grid_model_ensure(&g->m, have + k) == 0)
		for (int i = 0; i < k; i++)
			grid_model_label(&g->m, have + i, labels[i]);
	pthread_mutex_unlock(&g->lock);
}

static void
grid_flash(grid *g, const char *text)
{
	snprintf(g->flash, sizeof g->flash, "%s", text);
	g->flash_until = unit_now_ms() + GRID_FLASH_MS;
}

/* ---- which slots are shown ------------------------------------------ */

bool
grid_slot_failed(const grid_slot *s)
{
	return s->state == GRID_ST_FAIL || s->state == GRID_ST_ABORT ||
	    s->state == GRID_ST_NOPKG;
}

int
grid_visible(grid *g)
{
	int n = g->m.nslots;

	if (n > g->capvis) {
		int *nv = realloc(g->vis, (size_t)n * sizeof *nv);

		if (nv == NULL) {
			/* Keep what was shown; the filter cannot grow now. */
			g->filter_failed = false;
			g->nvis = g->capvis < n ? g->capvis : n;
			for (int i = 0; i < g->nvis; i++)
				g->vis[i] = i;
			return g->nvis;
		}
		g->vis = nv;
		g->capvis = n;
	}
	g->nvis = 0;
	for (int i = 0; i < n; i++)
		if (!g->filter_failed || grid_slot_failed(&g->m.slots[i]))
			g->vis[g->nvis++] = i;
	return g->nvis;
}

/* Where the selected slot is among those shown; -1 when it is hidden. */
static int
grid_vis_pos(const grid *g, int which)
{
	for (int i = 0; i < g->nvis; i++)
		if (g->vis[i] == which)
			return i;
	return -1;
}

/* ---- keys ----------------------------------------------------------- */

/* r: only a finished unit that did not pass and is still in its slot. */
static void
grid_key_retry(grid *g)
{
	const grid_slot *s = &g->m.slots[g->selected];
	char             msg[128];

	/* With auto_start = false a planned unit waits for this key too. */
	bool waiting = s->state == GRID_ST_RUN && s->phase == PHASE_PLAN;

	if (!waiting && s->state != GRID_ST_FAIL && s->state != GRID_ST_ABORT &&
	    s->state != GRID_ST_NOPKG) {
		snprintf(msg, sizeof msg, "r: slot %s has no failed or waiting unit", s->label);
		grid_flash(g, msg);
		return;
	}
	station_slot_retry(g->st, g->selected);
	snprintf(msg, sizeof msg, waiting ? "starting the unit in slot %s" :
	    "retrying the unit in slot %s", s->label);
	grid_flash(g, msg);
}

/* R: every failed unit still in its slot, after a y/n question. */
static void
grid_key_retry_all(grid *g)
{
	int n = 0;

	for (int i = 0; i < g->m.nslots; i++)
		n += grid_slot_failed(&g->m.slots[i]);
	if (n == 0) {
		grid_flash(g, "R: no failed unit to retry");
		return;
	}
	g->retry_count = n;
	g->prompt = GRID_PROMPT_RETRY_ALL;
}

static void
grid_retry_all(grid *g)
{
	char msg[96];
	int  n = 0;

	for (int i = 0; i < g->m.nslots; i++) {
		if (!grid_slot_failed(&g->m.slots[i]))
			continue;
		station_slot_retry(g->st, i);
		n++;
	}
	snprintf(msg, sizeof msg, "retrying %d failed unit(s)", n);
	grid_flash(g, msg);
}

static void
grid_key_filter(grid *g)
{
	g->filter_failed = !g->filter_failed;
	grid_flash(g, g->filter_failed ? "f: failed slots only (f again: every slot)"
	    : "f: every slot");
}

/* Case-insensitive: "a1" finds "A1"; IMEIs are digits anyway. */
static bool
grid_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return false;
	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

/* Enter after /: the next slot after the selection whose label or IMEI
 * holds the text, wrapping around; a label that is the whole text first. */
static void
grid_search_run(grid *g)
{
	int  n = g->m.nslots, found = -1;
	char msg[128];

	for (int i = 0; i < n && found < 0; i++)
		if (strcasecmp(g->m.slots[i].label, g->search) == 0)
			found = i;
	for (int k = 1; k <= n && found < 0; k++) {
		int i = (g->selected + k) % n;

		if (grid_contains(g->m.slots[i].label, g->search) ||
		    grid_contains(g->m.slots[i].imei, g->search))
			found = i;
	}
	if (found < 0) {
		snprintf(msg, sizeof msg, "no slot label or IMEI holds \"%s\"", g->search);
		grid_flash(g, msg);
		return;
	}
	g->selected = found;
	if (g->filter_failed && !grid_slot_failed(&g->m.slots[found])) {
		g->filter_failed = false;
		snprintf(msg, sizeof msg, "found %s (not failed): showing every slot",
		    g->m.slots[found].label);
		grid_flash(g, msg);
	}
}

/* Keys while the footer takes the search text. */
static void
grid_key_search(grid *g, int ch)
{
	size_t n = strlen(g->search);

	if (ch == GRID_KEY_ESC) {
		g->searching = false;
	} else if (ch == KEY_ENTER || ch == '\n' || ch == '\r') {
		g->searching = false;
		if (n > 0)
			grid_search_run(g);
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (n > 0)
			g->search[n - 1] = '\0';
	} else if (ch >= 0 && ch < 128 && isprint(ch) && n + 1 < sizeof g->search) {
		g->search[n] = (char)ch;
		g->search[n + 1] = '\0';
	}
}

static void
grid_key_stop(grid *g)
{
	const grid_slot *s = &g->m.slots[g->selected];
	char             msg[128];

	if (s->state != GRID_ST_RUN) {
		snprintf(msg, sizeof msg, "s: nothing is running in slot %s", s->label);
		grid_flash(g, msg);
		return;
	}
	g->prompt = GRID_PROMPT_STOP;
	g->prompt_slot = g->selected;
}

static void
grid_key_quit(grid *g)
{
	if (g->quitting)
		return;
	if (station_busy(g->st) > 0) {
		g->prompt = GRID_PROMPT_QUIT;
		return;
	}
	g->quitting = true;
	station_request_quit(g->st);
}

static void
grid_key_prompt(grid *g, int ch)
{
	if (ch == 'y' || ch == 'Y') {
		if (g->prompt == GRID_PROMPT_STOP) {
			station_slot_stop(g->st, g->prompt_slot);
			grid_flash(g, "stopping at the next safe point");
		} else if (g->prompt == GRID_PROMPT_RETRY_ALL) {
			grid_retry_all(g);
		} else {
			g->quitting = true;
			station_request_quit(g->st);
		}
		g->prompt = GRID_PROMPT_NONE;
	} else if (ch == 'n' || ch == 'N' || ch == GRID_KEY_ESC || ch == 'q') {
		g->prompt = GRID_PROMPT_NONE;
	}
}

static void
grid_key_mouse(grid *g)
{
	MEVENT me;
	int    i;

	if (getmouse(&me) != OK || !(me.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)))
		return;
	if (g->view != GRID_VIEW_CELLS)
		return;
	i = grid_layout_hit(&g->layout, me.y, me.x);
	if (i >= 0 && i < g->nvis)
		g->selected = g->vis[i];
}

/* Keys of the detail view; false for those it leaves to the cells view. */
static bool
grid_key_detail(grid *g, int ch)
{
	int page = grid_detail_rows() - 1;

	switch (ch) {
	case KEY_UP: case 'k':     g->scroll++; break;
	case KEY_DOWN: case 'j':   g->scroll = g->scroll > 0 ? g->scroll - 1 : 0; break;
	case KEY_PPAGE: case '[':  g->scroll += page > 0 ? page : 1; break;
	case KEY_NPAGE: case ']':  g->scroll = g->scroll > page ? g->scroll - page : 0; break;
	case KEY_HOME: case 'g':   g->scroll = GRID_TIMELINE_MAX; break;
	case KEY_END: case 'G':    g->scroll = 0; break;
	case KEY_LEFT: case 'h':
		g->selected = g->selected > 0 ? g->selected - 1 : 0;
		g->scroll = 0;
		break;
	case KEY_RIGHT: case 'l':
		g->selected = g->selected + 1 < g->m.nslots ? g->selected + 1 : g->selected;
		g->scroll = 0;
		break;
	case GRID_KEY_ESC: case 'q': case KEY_BACKSPACE:
		g->view = GRID_VIEW_CELLS;
		break;
	default:
		return false;
	}
	return true;
}

/* Moves go over the slots shown (all, or the failed ones under f), as
 * positions in g->vis of the last frame. */
static void
grid_key_cells(grid *g, int ch)
{
	const grid_layout *l = &g->layout;
	int                n = g->nvis, pos = grid_vis_pos(g, g->selected), to = -1;

	if (pos < 0)
		pos = 0;
	switch (ch) {
	case KEY_LEFT: case 'h':  to = grid_layout_move(l, n, pos, -1, 0); break;
	case KEY_RIGHT: case 'l': to = grid_layout_move(l, n, pos, 1, 0); break;
	case KEY_UP: case 'k':    to = grid_layout_move(l, n, pos, 0, -1); break;
	case KEY_DOWN: case 'j':  to = grid_layout_move(l, n, pos, 0, 1); break;
	case KEY_PPAGE: case '[': to = grid_layout_page_move(l, n, pos, -1); break;
	case KEY_NPAGE: case ']': to = grid_layout_page_move(l, n, pos, 1); break;
	case KEY_ENTER: case '\n': case '\r':
		g->view = GRID_VIEW_DETAIL;
		g->scroll = 0;
		break;
	case 'q':
		grid_key_quit(g);
		break;
	default:
		break;
	}
	if (to >= 0 && to < n)
		g->selected = g->vis[to];
}

/* One key; called with g->lock held (it reads and moves the selection). */
static void
grid_key(grid *g, int ch)
{
	if (ch == KEY_RESIZE)
		return;
	if (ch == KEY_MOUSE) {
		grid_key_mouse(g);
		return;
	}
	if (g->prompt != GRID_PROMPT_NONE) {
		grid_key_prompt(g, ch);
		return;
	}
	if (g->searching) {
		grid_key_search(g, ch);
		return;
	}
	if (g->help) {
		g->help = false;
		return;
	}
	if (g->m.nslots == 0) {
		if (ch == 'q')
			grid_key_quit(g);
		return;
	}
	switch (ch) {
	case '?': g->help = true; return;
	case 'r': grid_key_retry(g); return;
	case 'R': grid_key_retry_all(g); return;
	case 'f': grid_key_filter(g); return;
	case '/':
		g->searching = true;
		g->search[0] = '\0';
		return;
	case 's': grid_key_stop(g); return;
	case 'p':
		g->paused = !station_is_paused(g->st);
		station_set_paused(g->st, g->paused);
		grid_flash(g, g->paused ? "paused: no new units start; running ones go on"
		    : "resumed: new units start again");
		return;
	default:
		break;
	}
	if (g->view == GRID_VIEW_DETAIL && grid_key_detail(g, ch))
		return;
	grid_key_cells(g, ch);
}

/* ---- the UI thread -------------------------------------------------- */

static bool
grid_running_units(grid *g)
{
	return grid_model_count(&g->m, GRID_ST_RUN) > 0;
}

static void *
grid_thread(void *arg)
{
	grid   *g = arg;
	int64_t last_frame = 0, next_beep = 0, last_tick = 0;
	int     beeps = 0;
	bool    want = true;

	for (;;) {
		int     ch = getch();
		int64_t now = unit_mono_ms();
		int64_t wall = unit_now_ms();
		bool    stop, draw, dirty;

		grid_sync_slots(g);
		pthread_mutex_lock(&g->lock);
		stop = g->stop;
		if (ch != ERR) {
			grid_key(g, ch);
			want = true;
		}
		/* A running unit's clock and the flash's end are changes too. */
		if (wall / 1000 != last_tick && (grid_running_units(g) || g->flash[0] != '\0')) {
			last_tick = wall / 1000;
			want = true;
		}
		draw = !stop && (want || g->m.dirty) && now - last_frame >= 1000 / GRID_FPS;
		if (draw) {
			grid_draw(g, wall);
			g->m.dirty = false;
			if (g->flash[0] != '\0' && wall >= g->flash_until)
				g->flash[0] = '\0';
		}
		beeps += g->m.beeps;
		g->m.beeps = 0;
		dirty = g->m.dirty;
		pthread_mutex_unlock(&g->lock);
		if (stop)
			break;
		if (draw) {
			doupdate();
			last_frame = now;
			want = false;
		}
		if (beeps > 0 && now >= next_beep) {
			if (g->cfg->ui.bell)
				beep();
			beeps--;
			next_beep = now + GRID_BEEP_MS;
		}
		/* Sleep no longer than the next thing due. */
		int wait = GRID_KEY_WAIT_MS;
		if ((want || dirty) && last_frame + 1000 / GRID_FPS - now < wait)
			wait = (int)(last_frame + 1000 / GRID_FPS - now);
		if (beeps > 0 && next_beep - now < wait)
			wait = (int)(next_beep - now);
		timeout(wait > 1 ? wait : 1);
	}
	return NULL;
}

int
grid_start(grid *g)
{
	station_operator(g->st, g->operator_name, sizeof g->operator_name);
	if (pthread_create(&g->thread, NULL, grid_thread, g) != 0)
		return -1;
	g->running = true;
	return 0;
}

void
grid_free(grid *g)
{
	if (g == NULL)
		return;
	if (g->running) {
		pthread_mutex_lock(&g->lock);
		g->stop = true;
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->thread, NULL);
	}
	if (g->screen != NULL) {
		endwin();
		delscreen(g->screen);
		/* What the operator saw last, in one line that stays. */
		printf("%s: %d unit(s): %d passed, %d failed%s%s\n", g->cfg->name, g->m.finished,
		    g->m.results[RESULT_PASS] + g->m.results[RESULT_SKIPPED],
		    g->m.finished - g->m.results[RESULT_PASS] - g->m.results[RESULT_SKIPPED],
		    g->report_path[0] ? "; report " : "", g->report_path);
		fflush(stdout);
	}
	grid_model_free(&g->m);
	pthread_mutex_destroy(&g->lock);
	free(g->vis);
	free(g);
}
