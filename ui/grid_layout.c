/*
 * grid_layout: the cell arithmetic of the operator's grid (see
 * grid_layout.h). Each form is one row of a table -- its cell height and
 * the blank lines between rows -- and the computation is the same for all:
 * how many cells fit across, how many rows fit down, and whether that holds
 * every slot.
 */
#include "ui/grid_layout.h"

typedef struct grid_form_size {
	grid_form form;
	int       cell_h;
	int       row_gap;
} grid_form_size;

/* Most readable first; the last one is the one that pages. */
static const grid_form_size grid_forms[] = {
	{ GRID_FORM_FULL,     5, 1 },
	{ GRID_FORM_COMPACT2, 2, 0 },
	{ GRID_FORM_COMPACT1, 1, 0 },
};

#define GRID_NFORMS ((int)(sizeof grid_forms / sizeof grid_forms[0]))

static int
grid_clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Cells across and rows down of one form; 0 when none fits. */
static void
grid_form_fit(const grid_form_size *f, int cols, int area, int *ncols, int *nrows)
{
	*ncols = cols >= GRID_CELL_MIN_W ? (cols + GRID_CELL_GAP) / (GRID_CELL_MIN_W + GRID_CELL_GAP) : 0;
	*nrows = area >= f->cell_h ? (area + f->row_gap) / (f->cell_h + f->row_gap) : 0;
}

void
grid_layout_compute(grid_layout *l, int cols, int lines, int nslots, int selected)
{
	int info = lines >= GRID_INFO_MIN_LINES ? GRID_INFO_LINES : 0;
	int area = lines - GRID_HEADER_LINES - GRID_FOOTER_LINES - info;
	int k, ncols = 0, nrows = 0;

	*l = (grid_layout){ .form = GRID_FORM_TINY, .npages = 1, .top = GRID_HEADER_LINES,
	                    .info_top = lines - GRID_FOOTER_LINES - info, .info_lines = info };
	if (nslots < 0)
		nslots = 0;
	for (k = 0; k < GRID_NFORMS; k++) {
		grid_form_fit(&grid_forms[k], cols, area, &ncols, &nrows);
		if (ncols * nrows >= nslots && ncols * nrows > 0)
			break;
	}
	if (k == GRID_NFORMS) {
		k = GRID_NFORMS - 1;          /* page the most compact form */
		if (ncols * nrows == 0)
			return;               /* not even one line of one cell */
	}
	l->form = grid_forms[k].form;
	l->cell_h = grid_forms[k].cell_h;
	l->row_gap = grid_forms[k].row_gap;
	/* Fewer slots than a row holds: fewer, wider cells read better. */
	if (nslots > 0 && nslots < ncols)
		ncols = nslots;
	l->ncols = ncols;
	l->nrows = nrows;
	l->cell_w = (cols + GRID_CELL_GAP) / ncols - GRID_CELL_GAP;
	if (l->cell_w > GRID_CELL_MAX_W)
		l->cell_w = GRID_CELL_MAX_W;
	l->per_page = ncols * nrows;
	l->npages = nslots > 0 ? (nslots + l->per_page - 1) / l->per_page : 1;
	selected = nslots > 0 ? grid_clamp(selected, 0, nslots - 1) : 0;
	l->page = selected / l->per_page;
	l->first = l->page * l->per_page;
	l->count = grid_clamp(nslots - l->first, 0, l->per_page);
}

bool
grid_layout_cell(const grid_layout *l, int i, int *y, int *x)
{
	int k = i - l->first;

	if (l->form == GRID_FORM_TINY || k < 0 || k >= l->count)
		return false;
	*y = l->top + (k / l->ncols) * (l->cell_h + l->row_gap);
	*x = (k % l->ncols) * (l->cell_w + GRID_CELL_GAP);
	return true;
}

int
grid_layout_hit(const grid_layout *l, int y, int x)
{
	int row, col, dy, dx, k;

	if (l->form == GRID_FORM_TINY || y < l->top || x < 0)
		return -1;
	row = (y - l->top) / (l->cell_h + l->row_gap);
	dy = (y - l->top) % (l->cell_h + l->row_gap);
	col = x / (l->cell_w + GRID_CELL_GAP);
	dx = x % (l->cell_w + GRID_CELL_GAP);
	if (dy >= l->cell_h || dx >= l->cell_w || row >= l->nrows || col >= l->ncols)
		return -1;
	k = row * l->ncols + col;
	return k < l->count ? l->first + k : -1;
}

int
grid_layout_move(const grid_layout *l, int nslots, int selected, int dx, int dy)
{
	int ncols = l->ncols > 0 ? l->ncols : 1;

	if (nslots <= 0)
		return 0;
	return grid_clamp(selected + dx + dy * ncols, 0, nslots - 1);
}

int
grid_layout_page_move(const grid_layout *l, int nslots, int selected, int delta)
{
	int per = l->per_page > 0 ? l->per_page : 1;
	int page;

	if (nslots <= 0)
		return 0;
	page = grid_clamp(selected / per + delta, 0, (nslots - 1) / per);
	return page == selected / per ? selected : page * per;
}
