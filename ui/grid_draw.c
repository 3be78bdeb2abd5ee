/*
 * grid_draw: one frame of the operator's grid, drawn from the model into
 * curses' virtual screen (the UI thread then calls doupdate() once, so the
 * terminal only ever sees whole frames and nothing flickers).
 *
 *   line 0     station, operator, PAUSED
 *   line 1     counts, units per hour, report file, last alert
 *   cells      one per slot, in the form grid_layout chose (full, compact);
 *              under f only the failed ones
 *   info       the selected slot in full: its whole error text, wrapped,
 *              the revision a passed unit was verified at, a NO_PACKAGE
 *              unit's revision (a cell has room for a part only)
 *   last line  keys, a short answer to the last key, the search text
 *              while / is typed, page n/m
 *
 * A cell's state is told three ways at once: a colour band, a symbol
 * (UTF-8, or ASCII when the locale is not UTF-8) and a word. Every text
 * in the model is printable ASCII (grid_model), so a byte is a column;
 * symbols and bar blocks are drawn apart, one column each.
 *
 * The detail view replaces the cells with one slot's timeline (its times
 * in the station's zone, named); the help and the y/n questions are boxes
 * drawn over the frame.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ui/grid_int.h"

/* Indexed by grid_state. */
static const grid_look grid_looks[GRID_ST_COUNT] = {
	[GRID_ST_IDLE]  = { GRID_PAIR_DIM,  "\u00b7", ".", "waiting",    false },
	[GRID_ST_RUN]   = { GRID_PAIR_RUN,  "\u25b6", ">", "running",    true  },
	[GRID_ST_PASS]  = { GRID_PAIR_PASS, "\u2714", "+", "PASS",       true  },
	[GRID_ST_SKIP]  = { GRID_PAIR_PASS, "\u2714", "+", "UP TO DATE", true  },
	[GRID_ST_FAIL]  = { GRID_PAIR_FAIL, "\u2716", "X", "FAIL",       true  },
	[GRID_ST_ABORT] = { GRID_PAIR_WARN, "!",      "!", "ABORTED",    true  },
	[GRID_ST_NOPKG] = { GRID_PAIR_WARN, "!",      "!", "NO PACKAGE", true  },
};

/* What a running unit is doing, in the operator's words. */
static const char *const grid_phase_words[PHASE_COUNT] = {
	[PHASE_WAIT]     = "waiting",
	[PHASE_IDENTIFY] = "identifying",
	[PHASE_PLAN]     = "planning",
	[PHASE_DELIVER]  = "uploading",
	[PHASE_TRIGGER]  = "starting",
	[PHASE_DOWNLOAD] = "downloading",
	[PHASE_REBOOT]   = "rebooting",
	[PHASE_UPDATING] = "updating",
	[PHASE_RESTORE]  = "restoring",
	[PHASE_END]      = "finishing",
	[PHASE_VERIFY]   = "verifying",
	[PHASE_DONE]     = "done",
};

/* Timeline markers, indexed by bus_kind. */
static const char grid_kind_marks[BUS_KIND_COUNT] = {
	[BUS_STATE] = '=', [BUS_UNIT_START] = '*', [BUS_UNIT_END] = '*',
	[BUS_TX] = '>', [BUS_RX] = '<', [BUS_PORT] = '~', [BUS_NOTE] = '#',
	[BUS_ALERT] = '!',
};

const grid_look *
grid_look_of(grid_state s)
{
	return &grid_looks[s >= 0 && s < GRID_ST_COUNT ? s : GRID_ST_IDLE];
}

const char *
grid_phase_word(unit_phase p)
{
	return p >= 0 && p < PHASE_COUNT && grid_phase_words[p] != NULL ? grid_phase_words[p] : "?";
}

int
grid_detail_rows(void)
{
	int n = LINES - 4;

	return n > 1 ? n : 1;
}

/* ---- pens: writing clipped pieces along one screen line ------------- */

typedef struct grid_pen {
	const grid *g;
	int         y, x, end;   /* end: first column not to write */
} grid_pen;

static grid_pen
grid_pen_at(const grid *g, int y, int x, int width)
{
	return (grid_pen){ .g = g, .y = y, .x = x, .end = x + width };
}

static attr_t
grid_attr(const grid *g, short pair, attr_t a)
{
	return a | (g->colour && pair > 0 ? COLOR_PAIR(pair) : 0);
}

/* ASCII text, clipped at the pen's end. */
static void
grid_text(grid_pen *p, attr_t a, const char *s)
{
	int n = (int)strlen(s);

	if (n > p->end - p->x)
		n = p->end - p->x;
	if (n <= 0)
		return;
	attrset(a);
	mvaddnstr(p->y, p->x, s, n);
	p->x += n;
}

static void
grid_textf(grid_pen *p, attr_t a, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
grid_textf(grid_pen *p, attr_t a, const char *fmt, ...)
{
	char    buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	grid_text(p, a, buf);
}

/* One column: the UTF-8 glyph, or its ASCII stand-in. */
static void
grid_glyph(grid_pen *p, attr_t a, const char *utf8, const char *ascii)
{
	if (p->x >= p->end)
		return;
	attrset(a);
	mvaddstr(p->y, p->x, p->g->utf8 ? utf8 : ascii);
	p->x++;
}

static void
grid_fill(grid_pen *p, attr_t a, int upto)
{
	if (upto > p->end)
		upto = p->end;
	attrset(a);
	while (p->x < upto)
		mvaddch(p->y, p->x++, ' ');
}

/* Text ending at the pen's end (right-aligned); the end moves left. */
static void
grid_text_right(grid_pen *p, attr_t a, const char *s)
{
	int n = (int)strlen(s);

	if (n > p->end - p->x)
		return;
	attrset(a);
	mvaddnstr(p->y, p->end - n, s, n);
	p->end -= n;
}

/* ---- pieces --------------------------------------------------------- */

static void
grid_duration(int64_t ms, char *buf, size_t len)
{
	long s = ms > 0 ? (long)(ms / 1000) : 0;

	if (s >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%02ld:%02ld", s / 60, s % 60);
}

static int64_t
grid_elapsed(const grid_slot *s, int64_t now_ms)
{
	if (s->started_ms <= 0)
		return 0;
	return (s->finished_ms > 0 ? s->finished_ms : now_ms) - s->started_ms;
}

/* A progress bar of width w, then the percent ("  42%"). */
static void
grid_bar(grid_pen *p, int w, int percent, attr_t on, attr_t off)
{
	int full = percent > 0 ? (w * (percent > 100 ? 100 : percent)) / 100 : 0;

	for (int i = 0; i < w; i++) {
		if (i < full)
			grid_glyph(p, on, "\u2588", "#");
		else
			grid_glyph(p, off, "\u2591", "-");
	}
	if (percent >= 0)
		grid_textf(p, on, " %3d%%", percent);
	else
		grid_text(p, off, "     ");
}

/* The last six digits of an IMEI, as the operator reads them off a label. */
static const char *
grid_imei_tail(const char *imei)
{
	size_t n = strlen(imei);

	return n > 6 ? imei + n - 6 : imei;
}

/* "before -> after", shortened to fit w columns: first the tail of the
 * before revision goes (its build suffix), then the part of the target it
 * shares with the before revision (only the news of the target stays). */
static void
grid_revisions(grid_pen *p, attr_t a, const char *before, const char *to, int w)
{
	int  nb = (int)strlen(before), nt = (int)strlen(to), shared = 0;
	char buf[UNIT_REV_MAX];

	if (to[0] == '\0' || nb + 1 + nt <= w) {
		grid_text(p, a, before);
		if (to[0] != '\0') {
			grid_glyph(p, a, "\u2192", ">");
			grid_text(p, a, to);
		}
		return;
	}
	if (w - 2 - nt < 8) {
		while (before[shared] != '\0' && before[shared] == to[shared])
			shared++;
		shared = shared > 4 ? shared - 4 : 0;   /* keep a little context */
		nt -= shared;
	}
	nb = w - 2 - nt - (shared > 0);
	snprintf(buf, sizeof buf, "%.*s", nb > 1 ? nb : 1, before);
	grid_text(p, a, buf);
	grid_glyph(p, a, "\u2026", "~");
	grid_glyph(p, a, "\u2192", ">");
	if (shared > 0)
		grid_glyph(p, a, "\u2026", "~");
	grid_text(p, a, to + shared);
}

/* The word on a cell's state line. */
static const char *
grid_state_word(const grid_slot *s)
{
	if (s->state == GRID_ST_RUN)
		return grid_phase_word(s->phase);
	if (s->state == GRID_ST_IDLE)
		return "waiting";
	return grid_look_of(s->state)->word;
}

static attr_t
grid_band_attr(const grid *g, const grid_slot *s)
{
	const grid_look *lk = grid_look_of(s->state);

	if (!lk->band)
		return grid_attr(g, lk->pair, A_DIM);
	return grid_attr(g, lk->pair, A_REVERSE | A_BOLD);
}

/* Symbol, label and word, then the elapsed time at the right; the pen is
 * left after the word with its end before the time. */
static void
grid_state_line(const grid *g, const grid_slot *s, grid_pen *p, int64_t now_ms, int label_w)
{
	const grid_look *lk = grid_look_of(s->state);
	attr_t           band = grid_band_attr(g, s);
	char             t[24];
	int              start = p->x;

	grid_fill(p, band, p->end);
	p->x = start;
	if (s->state != GRID_ST_IDLE || s->pulled) {
		grid_duration(grid_elapsed(s, now_ms), t, sizeof t);
		grid_text_right(p, band, " ");
		if (s->state != GRID_ST_IDLE)
			grid_text_right(p, band, t);
	}
	grid_text(p, band, " ");
	grid_glyph(p, band, lk->sym, lk->ascii);
	grid_textf(p, band, " %-*.*s ", label_w, label_w, s->label);
	grid_textf(p, band, "%-11s", grid_state_word(s));
}

/* The error of a finished (or retrying) unit: symbol, code, meaning. A
 * cell has room for the meaning only: "update failed: wrong package: ..."
 * shows from "wrong package" on when the module gave a code (brief). */
static bool
grid_error_line(const grid *g, const grid_slot *s, grid_pen *p, bool brief)
{
	const grid_look *lk = grid_look_of(s->state);
	const char      *text = s->error_text, *colon = strstr(text, ": ");
	attr_t           a;

	if (text[0] == '\0')
		return false;
	if (brief && s->error_code >= 0 && colon != NULL)
		text = colon + 2;
	if (s->state == GRID_ST_RUN) {
		a = grid_attr(g, GRID_PAIR_WARN, A_BOLD);
		grid_glyph(p, a, "!", "!");
		grid_text(p, a, " try failed: ");
	} else {
		/* A pulled unit's error stays, in the colour of its result. */
		if (s->state == GRID_ST_IDLE)
			lk = grid_look_of(s->last_result == RESULT_ABORTED ? GRID_ST_ABORT :
			    s->last_result == RESULT_NO_PACKAGE ? GRID_ST_NOPKG : GRID_ST_FAIL);
		a = grid_attr(g, lk->pair, s->state == GRID_ST_IDLE ? A_NORMAL : A_BOLD);
		grid_glyph(p, a, lk->sym, lk->ascii);
		grid_text(p, a, " ");
	}
	if (s->error_code >= 0)
		grid_textf(p, a, "%d ", s->error_code);
	grid_text(p, a, text);
	return true;
}

static void
grid_identity(const grid *g, const grid_slot *s, grid_pen *p)
{
	attr_t a = grid_attr(g, 0, A_NORMAL);

	if (!s->has_unit)
		return;
	grid_textf(p, a, "%-6s", s->model);
	grid_text(p, grid_attr(g, 0, A_DIM), " IMEI ");
	grid_glyph(p, a, "\u2026", "~");
	grid_text(p, grid_attr(g, 0, A_BOLD), grid_imei_tail(s->imei));
}

/* Where the unit is going; the detail view says where it ended up (the
 * module's full revision string is too long for a cell). */
static const char *
grid_rev_to(const grid_slot *s)
{
	return s->fw_target[0] != '\0' ? s->fw_target : s->fw_after;
}

/* The revision line of a cell: where a passed unit was verified, where a
 * unit without a package is, else where the unit goes from and to. */
static void
grid_cell_revisions(const grid *g, const grid_slot *s, grid_pen *p, attr_t a)
{
	const grid_look *lk = grid_look_of(s->state);

	if ((s->state == GRID_ST_PASS || s->state == GRID_ST_SKIP) && s->fw_after[0] != '\0') {
		grid_text(p, grid_attr(g, lk->pair, A_BOLD),
		    s->state == GRID_ST_PASS ? "verified " : "at ");
		grid_text(p, a, s->fw_after);
		return;
	}
	if (s->state == GRID_ST_NOPKG) {
		grid_text(p, grid_attr(g, lk->pair, A_BOLD), "at ");
		grid_text(p, a, s->fw_before);
		return;
	}
	grid_revisions(p, a, s->fw_before, grid_rev_to(s), p->end - p->x);
}

static void
grid_idle_line(const grid *g, const grid_slot *s, grid_pen *p)
{
	attr_t dim = grid_attr(g, 0, A_DIM);

	if (s->pulled) {
		grid_textf(p, dim, "last: %s", unit_result_name(s->last_result));
		if (s->imei[0] != '\0')
			grid_textf(p, dim, " ..%s", grid_imei_tail(s->imei));
	} else {
		grid_text(p, dim, "no module");
	}
}

/* Bar and percent of a unit; a finished one keeps the bar where it stopped. */
static void
grid_progress(const grid *g, const grid_slot *s, grid_pen *p, int w)
{
	const grid_look *lk = grid_look_of(s->state);

	grid_bar(p, w, s->percent, grid_attr(g, lk->pair, A_BOLD), grid_attr(g, 0, A_DIM));
}

/* ---- cells ----------------------------------------------------------- */

static void
grid_cell_full(const grid *g, const grid_slot *s, int y, int x, int w, int64_t now_ms)
{
	grid_pen p = grid_pen_at(g, y, x, w);

	grid_state_line(g, s, &p, now_ms, 8);
	p = grid_pen_at(g, y + 1, x + 1, w - 1);
	if (s->state == GRID_ST_IDLE)
		grid_idle_line(g, s, &p);
	else
		grid_progress(g, s, &p, w - 7);
	p = grid_pen_at(g, y + 2, x + 1, w - 1);
	grid_identity(g, s, &p);
	p = grid_pen_at(g, y + 3, x + 1, w - 1);
	if (s->has_unit)
		grid_cell_revisions(g, s, &p, grid_attr(g, 0, A_NORMAL));
	p = grid_pen_at(g, y + 4, x + 1, w - 1);
	grid_error_line(g, s, &p, true);
}

/* State line with the bar in it (compact forms). */
static void
grid_cell_line(const grid *g, const grid_slot *s, int y, int x, int w, int64_t now_ms,
               bool error_inline)
{
	grid_pen p = grid_pen_at(g, y, x, w);
	attr_t   band = grid_band_attr(g, s);
	int      room;

	grid_state_line(g, s, &p, now_ms, 5);
	room = p.end - p.x;
	if (error_inline && s->state != GRID_ST_RUN && s->state != GRID_ST_IDLE &&
	    s->error_text[0] != '\0') {
		const char *colon = strstr(s->error_text, ": ");
		if (s->error_code >= 0)
			grid_textf(&p, band, "%d ", s->error_code);
		grid_text(&p, band, s->error_code >= 0 && colon != NULL ? colon + 2 : s->error_text);
	} else if (s->state != GRID_ST_IDLE && room >= 9) {
		grid_bar(&p, room - 6, s->percent, band, band);
	}
}

static void
grid_cell_compact2(const grid *g, const grid_slot *s, int y, int x, int w, int64_t now_ms)
{
	grid_pen p;

	grid_cell_line(g, s, y, x, w, now_ms, false);
	p = grid_pen_at(g, y + 1, x + 3, w - 3);
	if (grid_error_line(g, s, &p, true))
		return;
	if (s->state == GRID_ST_IDLE) {
		grid_idle_line(g, s, &p);
		return;
	}
	grid_identity(g, s, &p);
	if (s->has_unit) {
		grid_text(&p, 0, " ");
		grid_cell_revisions(g, s, &p, grid_attr(g, 0, A_DIM));
	}
}

static void
grid_selection_mark(const grid *g, int y, int x, int h)
{
	attr_t a = grid_attr(g, 0, A_REVERSE | A_BOLD);

	attrset(a);
	for (int i = 0; i < h; i++)
		mvaddch(y + i, x, ' ');
}

static void
grid_draw_cells(grid *g, int64_t now_ms)
{
	const grid_layout *l = &g->layout;

	for (int pos = l->first; pos < l->first + l->count && pos < g->nvis; pos++) {
		int              i = g->vis[pos];
		const grid_slot *s = &g->m.slots[i];
		int              y, x;

		if (!grid_layout_cell(l, pos, &y, &x))
			continue;
		/* Column x marks the selection; the cell itself starts after it. */
		if (i == g->selected)
			grid_selection_mark(g, y, x, l->cell_h);
		switch (l->form) {
		case GRID_FORM_FULL:
			grid_cell_full(g, s, y, x + 1, l->cell_w - 1, now_ms);
			break;
		case GRID_FORM_COMPACT2:
			grid_cell_compact2(g, s, y, x + 1, l->cell_w - 1, now_ms);
			break;
		default:
			grid_cell_line(g, s, y, x + 1, l->cell_w - 1, now_ms, true);
			break;
		}
	}
}

/* ---- the selected slot in full -------------------------------------- */

/* Breaks text into at most max lines of at most w columns, at spaces where
 * it can; start[i] and len[i] name each line. Returns the lines used; *cut
 * tells when text was left over. */
static int
grid_wrap(const char *text, int w, int max, const char **start, int *len, bool *cut)
{
	const char *p = text;
	int         n = 0;

	*cut = false;
	if (w < 1)
		return 0;
	while (*p != '\0' && n < max) {
		int k = (int)strlen(p);

		if (n > 0)
			while (*p == ' ')
				p++, k--;
		if (k > w) {
			k = w;
			while (k > 0 && p[k] != ' ')
				k--;
			if (k == 0)
				k = w;      /* one word longer than the line */
		}
		start[n] = p;
		len[n++] = k;
		p += k;
	}
	while (*p == ' ')
		p++;
	*cut = *p != '\0';
	return n;
}

/* Text over lines y0.., wrapped to the width from x; the last line ends in
 * an ellipsis when it did not all fit. Returns the lines drawn. */
static int
grid_wrapped(const grid *g, int y0, int x, int w, int max, attr_t a, const char *text)
{
	const char *start[16];
	int         len[16], n;
	bool        cut;

	if (max > 16)
		max = 16;
	n = grid_wrap(text, w, max, start, len, &cut);
	for (int i = 0; i < n; i++) {
		grid_pen p = grid_pen_at(g, y0 + i, x, w);
		char     buf[512];
		int      k = len[i] < (int)sizeof buf - 1 ? len[i] : (int)sizeof buf - 1;

		if (cut && i == n - 1 && k >= w)
			k = w - 1;
		memcpy(buf, start[i], (size_t)k);
		buf[k] = '\0';
		grid_text(&p, a, buf);
		if (cut && i == n - 1)
			grid_glyph(&p, a, "\u2026", "~");
	}
	return n;
}

/* What the selected slot's info lines say, whole. */
static void
grid_info_text(const grid_slot *s, char *buf, size_t len)
{
	char code[16] = "";

	if (s->error_code >= 0)
		snprintf(code, sizeof code, "%d ", s->error_code);
	switch (s->state) {
	case GRID_ST_PASS:
		snprintf(buf, len, "%s PASS: verified at %s (was %s)", s->label, s->fw_after,
		    s->fw_before);
		break;
	case GRID_ST_SKIP:
		snprintf(buf, len, "%s UP TO DATE: at %s", s->label, s->fw_after);
		break;
	case GRID_ST_NOPKG:
		snprintf(buf, len, "%s NO PACKAGE: %s %s at %s: %s", s->label, s->model, s->imei,
		    s->fw_before, s->error_text);
		break;
	case GRID_ST_FAIL:
	case GRID_ST_ABORT:
		snprintf(buf, len, "%s %s in %s: %s%s", s->label, grid_look_of(s->state)->word,
		    unit_phase_name(s->error_phase), code, s->error_text);
		break;
	case GRID_ST_RUN:
		if (s->error_text[0] != '\0')
			snprintf(buf, len, "%s %s, last try failed: %s%s", s->label,
			    grid_phase_word(s->phase), code, s->error_text);
		else
			snprintf(buf, len, "%s %s: %s %s, %s -> %s", s->label, grid_phase_word(s->phase),
			    s->model, s->imei[0] ? s->imei : "(no IMEI yet)", s->fw_before,
			    s->fw_target[0] ? s->fw_target : "?");
		break;
	default:
		if (s->pulled)
			snprintf(buf, len, "%s: waiting; last unit %s %s%s%s", s->label,
			    unit_result_name(s->last_result), s->imei, s->error_text[0] ? ": " : "",
			    s->error_text);
		else
			snprintf(buf, len, "%s: no module", s->label);
		break;
	}
}

static void
grid_draw_info(grid *g)
{
	const grid_layout *l = &g->layout;
	const grid_slot   *s;
	char               text[UNIT_TEXT_MAX + 3 * UNIT_REV_MAX + 128];
	attr_t             a;

	if (l->info_lines == 0 || g->m.nslots == 0)
		return;
	s = &g->m.slots[g->selected];
	if (g->filter_failed && g->nvis == 0) {
		grid_pen p = grid_pen_at(g, l->info_top, 1, COLS - 1);
		grid_text(&p, grid_attr(g, GRID_PAIR_PASS, A_BOLD),
		    "no failed slot (f: show every slot)");
		return;
	}
	grid_info_text(s, text, sizeof text);
	a = grid_attr(g, grid_look_of(s->state)->pair,
	    grid_slot_failed(s) ? A_BOLD : A_NORMAL);
	grid_wrapped(g, l->info_top, 1, COLS - 2, l->info_lines, a, text);
}

/* ---- header and footer ---------------------------------------------- */

static void
grid_draw_title(grid *g)
{
	grid_pen p = grid_pen_at(g, 0, 0, COLS);
	attr_t   a = grid_attr(g, 0, A_REVERSE);

	grid_fill(&p, a, COLS);
	p.x = 0;
	if (g->paused)
		grid_text_right(&p, grid_attr(g, GRID_PAIR_WARN, A_REVERSE | A_BOLD),
		    " PAUSED: no new units ");
	if (g->quitting)
		grid_text_right(&p, grid_attr(g, GRID_PAIR_WARN, A_REVERSE | A_BOLD), " QUITTING ");
	grid_textf(&p, a | A_BOLD, " %s ", g->cfg->name);
	if (g->operator_name[0] != '\0')
		grid_textf(&p, a, " operator %s ", g->operator_name);
}

static void
grid_draw_counts(grid *g, int64_t now_ms)
{
	const grid_model *m = &g->m;
	grid_pen          p = grid_pen_at(g, 1, 0, COLS);
	int               pass = m->results[RESULT_PASS] + m->results[RESULT_SKIPPED];
	int               fail = m->finished - pass;
	double            hours = (double)(now_ms - g->started_ms) / 3600000.0;
	attr_t            norm = grid_attr(g, 0, A_NORMAL);

	grid_text(&p, norm, " ");
	grid_glyph(&p, grid_attr(g, GRID_PAIR_PASS, A_BOLD), "\u2714", "+");
	grid_textf(&p, grid_attr(g, GRID_PAIR_PASS, A_BOLD), " %d pass  ", pass);
	grid_glyph(&p, grid_attr(g, GRID_PAIR_FAIL, A_BOLD), "\u2716", "X");
	grid_textf(&p, grid_attr(g, GRID_PAIR_FAIL, A_BOLD), " %d fail  ", fail);
	grid_glyph(&p, grid_attr(g, GRID_PAIR_RUN, A_BOLD), "\u25b6", ">");
	grid_textf(&p, grid_attr(g, GRID_PAIR_RUN, A_BOLD), " %d running  ",
	    grid_model_count(m, GRID_ST_RUN));
	grid_glyph(&p, norm, "\u00b7", ".");
	grid_textf(&p, norm, " %d waiting  ", grid_model_count(m, GRID_ST_IDLE));
	/* Over seconds the rate says nothing: it shows from the first minute on. */
	if (hours >= 1.0 / 60)
		grid_textf(&p, norm, " %.1f units/h  ", (double)m->finished / hours);
	else
		grid_text(&p, norm, " -- units/h  ");
	if (m->alert[0] != '\0') {
		grid_text(&p, grid_attr(g, GRID_PAIR_FAIL, A_BOLD | A_REVERSE), " ALERT ");
		grid_textf(&p, grid_attr(g, GRID_PAIR_FAIL, A_BOLD), " %s", m->alert);
		return;
	}
	if (g->report_path[0] != '\0') {
		int         room = p.end - p.x - 8;
		const char *path = g->report_path;
		int         n = (int)strlen(path);

		grid_text(&p, grid_attr(g, 0, A_DIM), " report ");
		if (room > 1 && n > room) {
			/* The file name matters more than where its folder is. */
			grid_glyph(&p, norm, "\u2026", "~");
			path += n - room + 1;
		}
		grid_text(&p, norm, path);
	}
}

static void
grid_draw_footer(grid *g, const char *keys, int64_t now_ms)
{
	grid_pen p = grid_pen_at(g, LINES - 1, 0, COLS);
	attr_t   a = grid_attr(g, 0, A_REVERSE);
	char     page[32];

	grid_fill(&p, a, COLS);
	p.x = 0;
	if (g->view == GRID_VIEW_CELLS && g->layout.npages > 1) {
		snprintf(page, sizeof page, " page %d/%d ", g->layout.page + 1, g->layout.npages);
		grid_text_right(&p, a | A_BOLD, page);
	}
	if (g->view == GRID_VIEW_CELLS && g->filter_failed)
		grid_text_right(&p, grid_attr(g, GRID_PAIR_FAIL, A_REVERSE | A_BOLD),
		    " FAILED ONLY (f: all) ");
	if (g->searching) {
		grid_textf(&p, grid_attr(g, GRID_PAIR_WARN, A_REVERSE | A_BOLD),
		    " find slot or IMEI: %s_ ", g->search);
		grid_text(&p, a, " Enter find  Esc cancel ");
	} else if (g->flash[0] != '\0' && now_ms < g->flash_until)
		grid_textf(&p, grid_attr(g, GRID_PAIR_WARN, A_REVERSE | A_BOLD), " %s ", g->flash);
	else if (g->quitting)
		grid_text(&p, grid_attr(g, GRID_PAIR_WARN, A_REVERSE | A_BOLD),
		    " quitting: running units stop at a safe point or are aborted ");
	else
		grid_text(&p, a, keys);
}

/* ---- the detail view ------------------------------------------------ */

/* Draws the timeline of the selected slot; range gets "lines a-b of n". */
static void
grid_draw_detail(grid *g, int64_t now_ms, char *range, size_t rlen)
{
	const grid_slot *s = &g->m.slots[g->selected];
	const grid_look *lk = grid_look_of(s->state);
	grid_pen         p = grid_pen_at(g, 1, 0, COLS);
	int              rows = grid_detail_rows(), top = 3;
	int              n = s->nlines, from;

	grid_state_line(g, s, &p, now_ms, 8);
	if (s->state != GRID_ST_IDLE && s->percent >= 0)
		grid_textf(&p, grid_band_attr(g, s), " %d%%", s->percent);
	if (s->has_unit) {
		grid_textf(&p, grid_band_attr(g, s), "   %s IMEI %s   ", s->model, s->imei);
		grid_revisions(&p, grid_band_attr(g, s), s->fw_before, grid_rev_to(s), p.end - p.x);
	}
	p = grid_pen_at(g, 2, 1, COLS - 1);
	if (s->error_text[0] != '\0') {
		/* The whole error, over as many lines as it needs (up to 4). */
		char text[UNIT_TEXT_MAX + 32], code[16] = "";
		int  used;

		if (s->error_code >= 0)
			snprintf(code, sizeof code, "%d ", s->error_code);
		snprintf(text, sizeof text, "%s %s%s", s->state == GRID_ST_RUN ? "! try failed:" :
		    g->utf8 ? "" : "!", code, s->error_text);
		used = grid_wrapped(g, 2, 1, COLS - 2, rows > 5 ? 4 : 1,
		    grid_attr(g, s->state == GRID_ST_RUN ? GRID_PAIR_WARN : lk->pair, A_BOLD),
		    text[0] == ' ' ? text + 1 : text);
		top += used > 1 ? used - 1 : 0;
		rows -= used > 1 ? used - 1 : 0;
	} else if (s->state == GRID_ST_IDLE)
		grid_idle_line(g, s, &p);
	else if (s->fw_after[0] != '\0')
		grid_textf(&p, grid_attr(g, lk->pair, A_NORMAL), "%s %s",
		    s->state == GRID_ST_PASS ? "verified at" : "now at", s->fw_after);
	if (g->scroll > n - rows)
		g->scroll = n - rows > 0 ? n - rows : 0;
	from = n - rows - g->scroll;
	if (from < 0)
		from = 0;
	for (int i = 0; i < rows && from + i < n; i++) {
		const grid_line *l = grid_slot_line(s, from + i);
		time_t           secs = (time_t)(l->ts_ms / 1000);
		struct tm        tm;
		attr_t           a = grid_attr(g, 0, A_NORMAL);

		if (l->kind == BUS_TX)
			a = grid_attr(g, GRID_PAIR_RUN, A_NORMAL);
		else if (l->kind == BUS_NOTE || l->kind == BUS_PORT)
			a = grid_attr(g, GRID_PAIR_WARN, A_NORMAL);
		else if (l->kind == BUS_STATE && strncmp(l->text, "error", 5) == 0)
			a = grid_attr(g, GRID_PAIR_FAIL, A_BOLD);
		else if (l->kind == BUS_STATE || l->kind == BUS_UNIT_START || l->kind == BUS_UNIT_END)
			a = grid_attr(g, 0, A_BOLD);
		/* Local time of station.timezone, its zone named on every line
		 * (the report files say UTC). */
		localtime_r(&secs, &tm);
		p = grid_pen_at(g, top + i, 1, COLS - 1);
		grid_textf(&p, grid_attr(g, 0, A_DIM), "%02d:%02d:%02d.%03d %s %-9s ", tm.tm_hour,
		    tm.tm_min, tm.tm_sec, (int)(l->ts_ms % 1000), tm.tm_zone != NULL ? tm.tm_zone : "",
		    unit_phase_name(l->phase));
		grid_textf(&p, a, "%c %s", grid_kind_marks[l->kind < BUS_KIND_COUNT ? l->kind : 0], l->text);
	}
	if (n == 0) {
		p = grid_pen_at(g, top, 1, COLS - 1);
		grid_text(&p, grid_attr(g, 0, A_DIM), "nothing has happened in this slot yet");
	}
	snprintf(range, rlen, " lines %d-%d of %d ", n > 0 ? from + 1 : 0,
	    from + (rows < n ? rows : n), n);
}

/* ---- boxes over the frame ------------------------------------------- */

/* A framed box in the middle of the screen; *top and *left get where its
 * first text line starts. */
static void
grid_box(const grid *g, const char *const *lines, int n, attr_t a, int *top, int *left)
{
	int w = 0, h = n + 2, y0, x0;

	for (int i = 0; i < n; i++)
		if ((int)strlen(lines[i]) > w)
			w = (int)strlen(lines[i]);
	w += 4;
	if (w > COLS)
		w = COLS;
	if (h > LINES)
		h = LINES;
	y0 = (LINES - h) / 2;
	x0 = (COLS - w) / 2;
	for (int y = 0; y < h; y++) {
		grid_pen p = grid_pen_at(g, y0 + y, x0, w);
		grid_fill(&p, a, x0 + w);
		if (y == 0 || y == h - 1)
			continue;
		p = grid_pen_at(g, y0 + y, x0 + 2, w - 4);
		grid_text(&p, a, lines[y - 1]);
	}
	attrset(a);
	mvhline(y0, x0, ACS_HLINE, w);
	mvhline(y0 + h - 1, x0, ACS_HLINE, w);
	mvvline(y0, x0, ACS_VLINE, h);
	mvvline(y0, x0 + w - 1, ACS_VLINE, h);
	mvaddch(y0, x0, ACS_ULCORNER);
	mvaddch(y0, x0 + w - 1, ACS_URCORNER);
	mvaddch(y0 + h - 1, x0, ACS_LLCORNER);
	mvaddch(y0 + h - 1, x0 + w - 1, ACS_LRCORNER);
	*top = y0 + 1;
	*left = x0 + 2;
}

static void
grid_draw_help(const grid *g)
{
	static const char *const help[] = {
		"dfota-station: keys",
		"",
		"arrows, h j k l   select a slot (or click it)",
		"Enter             the slot's timeline (Esc or q: back)",
		"PgUp PgDn [ ]     other page of slots / scroll the timeline",
		"r                 retry the failed unit in the slot",
		"R                 retry every failed unit (asks)",
		"/                 find a slot by its label or IMEI",
		"f                 failed slots only / every slot",
		"s                 stop the slot's unit at a safe point (asks)",
		"p                 pause / resume starting new units",
		"q                 quit (asks while units are updating)",
		"?                 this help; any key closes it",
		"",
		"", /* the legend, drawn below with the symbols of this terminal */
	};
	int      n = (int)(sizeof help / sizeof *help), y, x;
	grid_pen p;

	grid_box(g, help, n, grid_attr(g, 0, A_NORMAL), &y, &x);
	p = grid_pen_at(g, y + n - 1, x, COLS - x - 2);
	for (grid_state st = GRID_ST_IDLE; st < GRID_ST_COUNT; st++) {
		const grid_look *lk = grid_look_of(st);
		if (st == GRID_ST_SKIP || st == GRID_ST_NOPKG)
			continue;   /* same symbol as the one before */
		grid_glyph(&p, grid_attr(g, lk->pair, A_BOLD), lk->sym, lk->ascii);
		grid_textf(&p, grid_attr(g, 0, A_NORMAL), " %s  ", lk->word);
	}
}

static void
grid_draw_prompt(grid *g)
{
	char        who[128];
	const char *stop[] = {
		who,
		"",
		"The unit stops at the next safe point and is reported ABORTED.",
		"",
		"Stop it?  y = yes, stop it    n = no, keep it running",
	};
	const char *quit[] = {
		who,
		"",
		"Quitting now stops every running update: those units are",
		"reported ABORTED. A module cut during UPDATING may need a",
		"re-flash.",
		"",
		"Quit?  y = yes, quit now    n = no, keep running",
	};
	attr_t a = grid_attr(g, GRID_PAIR_WARN, A_BOLD);
	int    y, x;

	const char *retry[] = {
		who,
		"",
		"Each failed unit still in its slot is tried again from the start.",
		"",
		"Retry them?  y = yes, retry all    n = no",
	};

	if (g->prompt == GRID_PROMPT_RETRY_ALL) {
		snprintf(who, sizeof who, "Retry %d failed unit(s)?", g->retry_count);
		grid_box(g, retry, (int)(sizeof retry / sizeof *retry), a, &y, &x);
	} else if (g->prompt == GRID_PROMPT_STOP) {
		const grid_slot *s = &g->m.slots[g->prompt_slot];
		snprintf(who, sizeof who, "Stop slot %s (%s, %s)?", s->label, grid_phase_word(s->phase),
		    s->imei[0] ? s->imei : "no IMEI yet");
		grid_box(g, stop, (int)(sizeof stop / sizeof *stop), a, &y, &x);
	} else {
		snprintf(who, sizeof who, "Quit while %d unit(s) are updating?",
		    grid_model_count(&g->m, GRID_ST_RUN));
		grid_box(g, quit, (int)(sizeof quit / sizeof *quit), a, &y, &x);
	}
}

void
grid_draw(grid *g, int64_t now_ms)
{
	erase();
	int pos = -1;

	if (g->m.nslots > 0 && g->selected >= g->m.nslots)
		g->selected = g->m.nslots - 1;
	grid_visible(g);
	for (int i = 0; i < g->nvis && pos < 0; i++)
		if (g->vis[i] == g->selected)
			pos = i;
	/* Under f the selection stays on a slot that is shown. */
	if (pos < 0 && g->nvis > 0 && g->view == GRID_VIEW_CELLS) {
		pos = 0;
		g->selected = g->vis[0];
	}
	grid_layout_compute(&g->layout, COLS, LINES, g->nvis, pos < 0 ? 0 : pos);
	grid_draw_title(g);
	if (g->view == GRID_VIEW_DETAIL && g->m.nslots > 0) {
		char range[64], keys[256];
		grid_draw_detail(g, now_ms, range, sizeof range);
		snprintf(keys, sizeof keys, " Up Down PgUp PgDn Home End scroll   Left Right other slot"
		    "   r retry  s stop   Esc back  %s", range);
		grid_draw_footer(g, keys, now_ms);
	} else {
		grid_draw_counts(g, now_ms);
		if (g->layout.form == GRID_FORM_TINY) {
			grid_pen p = grid_pen_at(g, GRID_HEADER_LINES, 0, COLS);
			grid_text(&p, grid_attr(g, GRID_PAIR_WARN, A_BOLD), "terminal too small for the grid");
		} else {
			grid_draw_cells(g, now_ms);
			grid_draw_info(g);
		}
		grid_draw_footer(g, " arrows select  Enter timeline  r retry  R retry all  "
		    "/ find  f failed  s stop  p pause  q quit  ? help ", now_ms);
	}
	if (g->prompt != GRID_PROMPT_NONE)
		grid_draw_prompt(g);
	else if (g->help)
		grid_draw_help(g);
	attrset(A_NORMAL);
	move(LINES - 1, COLS - 1);
	wnoutrefresh(stdscr);
}
