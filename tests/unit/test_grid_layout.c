/*
 * test_grid_layout: the operator grid's cell arithmetic -- which form is
 * chosen for a terminal size and a number of slots, how many cells go
 * across and down, the pages, and that every slot of 1..128 is reachable
 * (on some page, inside the screen, found again by a click on it) at the
 * sizes a line uses, from 80x24 to 200x60.
 */
#include <check.h>
#include <stdlib.h>

#include "ui/grid_layout.h"
#include "tests/harness/harness.h"

START_TEST(test_few_slots_get_full_cells)
{
	grid_layout l;

	grid_layout_compute(&l, 80, 24, 4, 0);
	ck_assert_int_eq(l.form, GRID_FORM_FULL);
	ck_assert_int_eq(l.ncols, 2);
	ck_assert_int_eq(l.nrows, 3);
	ck_assert_int_eq(l.npages, 1);
	ck_assert_int_eq(l.count, 4);
	ck_assert_int_ge(l.cell_w, GRID_CELL_MIN_W);

	grid_layout_compute(&l, 120, 40, 4, 0);
	ck_assert_int_eq(l.form, GRID_FORM_FULL);
	ck_assert_int_eq(l.ncols, 3);

	grid_layout_compute(&l, 200, 60, 12, 0);
	ck_assert_int_eq(l.form, GRID_FORM_FULL);
	ck_assert_int_eq(l.ncols, 5);
	ck_assert_int_eq(l.npages, 1);
}
END_TEST

START_TEST(test_one_slot_is_one_wide_cell)
{
	grid_layout l;

	grid_layout_compute(&l, 200, 60, 1, 0);
	ck_assert_int_eq(l.ncols, 1);
	ck_assert_int_eq(l.cell_w, GRID_CELL_MAX_W);
}
END_TEST

START_TEST(test_more_slots_go_compact_then_pages)
{
	grid_layout l;

	/* 12 at 80x24: six full cells fit, eighteen two-line ones do (below
	 * them, two lines for the selected slot's info). */
	grid_layout_compute(&l, 80, 24, 12, 0);
	ck_assert_int_eq(l.form, GRID_FORM_COMPACT2);
	ck_assert_int_eq(l.npages, 1);
	ck_assert_int_eq(l.count, 12);

	/* 30 at 80x24: one line each, two across. */
	grid_layout_compute(&l, 80, 24, 30, 0);
	ck_assert_int_eq(l.form, GRID_FORM_COMPACT1);
	ck_assert_int_eq(l.npages, 1);

	/* 128 at 80x24: 2 x 19 a page, four pages; slot 100 is on the third. */
	grid_layout_compute(&l, 80, 24, 128, 100);
	ck_assert_int_eq(l.form, GRID_FORM_COMPACT1);
	ck_assert_int_eq(l.per_page, 38);
	ck_assert_int_eq(l.npages, 4);
	ck_assert_int_eq(l.page, 2);
	ck_assert_int_eq(l.first, 76);
	ck_assert_int_eq(l.count, 38);
	ck_assert_int_eq(l.info_top, 21);
	ck_assert_int_eq(l.info_lines, GRID_INFO_LINES);
	grid_layout_compute(&l, 80, 24, 128, 127);
	ck_assert_int_eq(l.page, 3);
	ck_assert_int_eq(l.count, 128 - 114);

	/* 128 at 200x60 all fit at once. */
	grid_layout_compute(&l, 200, 60, 128, 127);
	ck_assert_int_eq(l.npages, 1);
}
END_TEST

START_TEST(test_too_small)
{
	grid_layout l;
	int         y, x;

	grid_layout_compute(&l, 30, 24, 4, 0);
	ck_assert_int_eq(l.form, GRID_FORM_TINY);
	ck_assert(!grid_layout_cell(&l, 0, &y, &x));
	ck_assert_int_eq(grid_layout_hit(&l, 5, 5), -1);
	grid_layout_compute(&l, 80, 3, 4, 0);
	ck_assert_int_eq(l.form, GRID_FORM_TINY);
	grid_layout_compute(&l, 80, 4, 4, 0);   /* one line of cells: compact, paged */
	ck_assert_int_eq(l.form, GRID_FORM_COMPACT1);
	ck_assert_int_eq(l.npages, 2);
}
END_TEST

START_TEST(test_zero_slots)
{
	grid_layout l;

	grid_layout_compute(&l, 80, 24, 0, 5);
	ck_assert_int_eq(l.npages, 1);
	ck_assert_int_eq(l.count, 0);
	ck_assert_int_eq(grid_layout_move(&l, 0, 0, 1, 0), 0);
}
END_TEST

/* Every slot, selected, is on the page shown, inside the screen, and a
 * click anywhere on its cell finds it. */
START_TEST(test_every_slot_reachable)
{
	static const int sizes[][2] = {
		{ 80, 24 }, { 120, 40 }, { 200, 60 }, { 100, 30 }, { 40, 10 }, { 79, 23 },
	};
	int cols = sizes[_i][0], lines = sizes[_i][1];

	for (int n = 1; n <= 128; n++) {
		for (int i = 0; i < n; i++) {
			grid_layout l;
			int         y, x;

			grid_layout_compute(&l, cols, lines, n, i);
			ck_assert_msg(l.form != GRID_FORM_TINY, "%dx%d n=%d: tiny", cols, lines, n);
			ck_assert_msg(grid_layout_cell(&l, i, &y, &x), "%dx%d n=%d slot %d not on its page",
			    cols, lines, n, i);
			ck_assert_int_ge(y, GRID_HEADER_LINES);
			ck_assert_int_le(y + l.cell_h, lines - GRID_FOOTER_LINES - l.info_lines);
			ck_assert_int_ge(x, 0);
			ck_assert_int_le(x + l.cell_w, cols);
			ck_assert_int_eq(grid_layout_hit(&l, y, x), i);
			ck_assert_int_eq(grid_layout_hit(&l, y + l.cell_h - 1, x + l.cell_w - 1), i);
		}
	}
}
END_TEST

START_TEST(test_gaps_are_not_cells)
{
	grid_layout l;
	int         y, x;

	grid_layout_compute(&l, 80, 24, 4, 0);
	ck_assert(grid_layout_cell(&l, 0, &y, &x));
	ck_assert_int_eq(grid_layout_hit(&l, y, x + l.cell_w), -1);      /* column gap */
	ck_assert_int_eq(grid_layout_hit(&l, y + l.cell_h, x), -1);      /* row gap */
	ck_assert_int_eq(grid_layout_hit(&l, 0, 0), -1);                 /* header */
	ck_assert_int_eq(grid_layout_hit(&l, y + 2 * (l.cell_h + l.row_gap), x), -1); /* no slot 4 */
}
END_TEST

START_TEST(test_moves)
{
	grid_layout l;

	grid_layout_compute(&l, 80, 24, 4, 0);
	ck_assert_int_eq(grid_layout_move(&l, 4, 0, 1, 0), 1);
	ck_assert_int_eq(grid_layout_move(&l, 4, 0, 0, 1), 2);
	ck_assert_int_eq(grid_layout_move(&l, 4, 0, -1, 0), 0);
	ck_assert_int_eq(grid_layout_move(&l, 4, 3, 0, 1), 3);
	ck_assert_int_eq(grid_layout_move(&l, 4, 2, 0, -1), 0);

	/* Down from a page's last row is the next page's first row. */
	grid_layout_compute(&l, 80, 24, 128, 37);
	ck_assert_int_eq(grid_layout_move(&l, 128, 37, 0, 1), 39);
	ck_assert_int_eq(grid_layout_page_move(&l, 128, 37, 1), 38);
	ck_assert_int_eq(grid_layout_page_move(&l, 128, 37, -1), 37);   /* first page: stays */
	ck_assert_int_eq(grid_layout_page_move(&l, 128, 100, 5), 114);  /* clamped to the last */
	ck_assert_int_eq(grid_layout_page_move(&l, 128, 127, 1), 127);  /* last page: stays */
	ck_assert_int_eq(grid_layout_page_move(&l, 128, 50, -1), 0);
}
END_TEST

static Suite *
grid_layout_suite(void)
{
	Suite *s = suite_create("grid_layout");
	TCase *tc = tcase_create("layout");

	tcase_add_test(tc, test_few_slots_get_full_cells);
	tcase_add_test(tc, test_one_slot_is_one_wide_cell);
	tcase_add_test(tc, test_more_slots_go_compact_then_pages);
	tcase_add_test(tc, test_too_small);
	tcase_add_test(tc, test_zero_slots);
	tcase_add_loop_test(tc, test_every_slot_reachable, 0, 6);
	tcase_add_test(tc, test_gaps_are_not_cells);
	tcase_add_test(tc, test_moves);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run_suite(grid_layout_suite(), CK_NORMAL);
}
