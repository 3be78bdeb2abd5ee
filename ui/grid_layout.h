/*
 * grid_layout: where each slot's cell goes on the operator's screen, as a
 * pure function of the terminal size, the number of slots and the selected
 * slot. No curses here, so the layout is tested on its own.
 *
 * The screen is a header (GRID_HEADER_LINES), the cells, the selected
 * slot's whole story (GRID_INFO_LINES, on terminals of GRID_INFO_MIN_LINES
 * lines or more: its full error text, wrapped, or the revision it was
 * verified at) and a footer (GRID_FOOTER_LINES). The first form in which
 * every slot fits wins:
 *
 *   FULL      5 lines per slot (state band, progress bar, model and IMEI,
 *             revisions, error), a blank line between cell rows
 *   COMPACT2  2 lines per slot (state band with bar, then details)
 *   COMPACT1  1 line per slot
 *
 * When not even COMPACT1 holds every slot, COMPACT1 is split into pages and
 * the page shown is the one of the selected slot. Cells fill rows left to
 * right, then top to bottom. A terminal too small for one cell is TINY.
 */
#ifndef GRID_LAYOUT_H
#define GRID_LAYOUT_H

#include <stdbool.h>

#define GRID_HEADER_LINES 2
#define GRID_FOOTER_LINES 1
#define GRID_INFO_LINES   2
#define GRID_INFO_MIN_LINES 12
#define GRID_CELL_MIN_W   38   /* narrowest cell, its selection column included */
#define GRID_CELL_MAX_W   64   /* wider terminals get more cells, not wider ones */
#define GRID_CELL_GAP     2    /* columns between two cells */

typedef enum grid_form {
	GRID_FORM_FULL,
	GRID_FORM_COMPACT2,
	GRID_FORM_COMPACT1,
	GRID_FORM_TINY,
} grid_form;

typedef struct grid_layout {
	grid_form form;
	int       cell_w;     /* columns of one cell                      */
	int       cell_h;     /* lines of one cell                        */
	int       row_gap;    /* blank lines between two cell rows        */
	int       ncols;      /* cells across                             */
	int       nrows;      /* cell rows on one page                    */
	int       per_page;   /* ncols * nrows                            */
	int       npages;     /* at least 1                               */
	int       page;       /* the page shown (that of the selection)   */
	int       first;      /* first slot on the page shown             */
	int       count;      /* slots on the page shown                  */
	int       top;        /* screen line of the first cell row        */
	int       info_top;   /* screen line of the selected slot's info  */
	int       info_lines; /* its lines; 0 on a small terminal         */
} grid_layout;

/* Lays out nslots (0..) on a cols x lines terminal with slot `selected`
 * (clamped to the slots there are) on the page shown. */
void grid_layout_compute(grid_layout *l, int cols, int lines, int nslots, int selected);
/* Screen position of slot i's cell; false when i is not on the page shown. */
bool grid_layout_cell(const grid_layout *l, int i, int *y, int *x);
/* The slot whose cell covers screen line y, column x; -1 for none. */
int  grid_layout_hit(const grid_layout *l, int y, int x);
/* The selection after a move of dx cells across and dy cells down, kept in
 * 0..nslots-1; a move down from the last row goes on to the next page. */
int  grid_layout_move(const grid_layout *l, int nslots, int selected, int dx, int dy);
/* The first slot of the page `delta` pages away, clamped to the pages. */
int  grid_layout_page_move(const grid_layout *l, int nslots, int selected, int delta);

#endif
