/*
 * test_follow: the follow engine's transition table (station/follow.c),
 * without a module: each rule of docs/protocol.md section 5 as a sequence of
 * events per dialect, and the table's own consistency (every row names a
 * real state, event and action; no row for the final state).
 */
#include <check.h>
#include <stdlib.h>

#include "station/follow.h"

/* Plays events from state s; returns the final state and the last
 * action in *last. */
static follow_state
play(unsigned traits, follow_state s, const follow_event *ev, size_t n,
    follow_action *last)
{
	*last = FA_NONE;
	for (size_t i = 0; i < n && s != FS_DONE; i++) {
		const follow_row *r = follow_step(traits, s, ev[i]);

		if (r == NULL)
			continue;
		s = r->next;
		*last = r->action;
	}
	return s;
}

#define PLAY(t, s, last, ...) \
	play((t), (s), (const follow_event[]){ __VA_ARGS__ }, \
	    sizeof((const follow_event[]){ __VA_ARGS__ }) / sizeof(follow_event), (last))

/* A normal-looking boot after the trigger is no verdict: RDY before START
 * asks (probe) and listens on; START then follows; only START_TIMEOUT
 * judges. */
START_TEST(test_rdy_before_start_is_no_verdict)
{
	for (int d = 0; d < DIALECT_COUNT; d++) {
		unsigned t = follow_traits((model_dialect)d, false);
		follow_action a;
		follow_state s = PLAY(t, FS_TO_UPDATER, &a, FE_PORT_LOST, FE_PORT_BACK, FE_RDY);

		ck_assert_int_eq(s, FS_LOOKS_NORMAL);
		ck_assert_int_eq(a, FA_PROBE);
		s = PLAY(t, s, &a, FE_START, FE_PROGRESS);
		ck_assert_int_eq(s, FS_UPDATING);
		s = PLAY(t, FS_LOOKS_NORMAL, &a, FE_START_TIMEOUT);
		ck_assert_int_eq(s, FS_DONE);
		ck_assert_int_eq(a, FA_FAIL_NOSTART);
	}
}
END_TEST

/* The port lost after <X>START and before <X>END: a power cut, retry. */
START_TEST(test_port_lost_in_download_is_power_cut)
{
	follow_action a;
	follow_state s = PLAY(0, FS_DL_WAIT, &a, FE_DL_START, FE_DL_PROGRESS, FE_PORT_LOST);

	ck_assert_int_eq(s, FS_DONE);
	ck_assert_int_eq(a, FA_FAIL_POWERCUT);
	/* BC26 keeps its port: a power cut shows as RDY. */
	s = PLAY(follow_traits(DIALECT_BC26, false), FS_DL_WAIT, &a, FE_DL_START, FE_RDY);
	ck_assert_int_eq(a, FA_FAIL_POWERCUT);
	/* After the download's END the port is expected to go. */
	s = PLAY(0, FS_DL_WAIT, &a, FE_DL_START, FE_DL_END_OK, FE_PORT_LOST);
	ck_assert_int_eq(s, FS_TO_UPDATER);
	ck_assert_int_eq(a, FA_NONE);
}
END_TEST

/* AG35/EP06: END,502 twice, then END,0: followed to the last END. */
START_TEST(test_ag35_retries_followed)
{
	unsigned t = follow_traits(DIALECT_AG35, false);
	follow_action a;
	follow_state s = PLAY(t, FS_TO_UPDATER, &a,
	    FE_PORT_LOST, FE_PORT_BACK, FE_START, FE_END_FAIL,
	    FE_PORT_LOST, FE_PORT_BACK, FE_START);

	ck_assert_int_eq(s, FS_UPDATING);
	ck_assert_int_eq(a, FA_RETRY);
	s = PLAY(t, s, &a, FE_END_FAIL, FE_PORT_LOST, FE_PORT_BACK, FE_START,
	    FE_PROGRESS, FE_END_OK, FE_PORT_LOST, FE_PORT_BACK);
	ck_assert_int_eq(s, FS_DONE);
	ck_assert_int_eq(a, FA_VERIFY);
	/* Three failed checks, then the restored old version (RDY). */
	s = PLAY(follow_traits(DIALECT_EP06, false), FS_TO_UPDATER, &a,
	    FE_START, FE_END_FAIL, FE_PORT_LOST, FE_PORT_BACK,
	    FE_START, FE_END_FAIL, FE_PORT_LOST, FE_PORT_BACK,
	    FE_START, FE_END_FAIL, FE_PORT_LOST, FE_PORT_BACK, FE_RDY);
	ck_assert_int_eq(s, FS_DONE);
	ck_assert_int_eq(a, FA_FAIL_END);
}
END_TEST

/* BC26: a failure returns an error and exits DFOTA without a reboot:
 * judged at the END itself. */
START_TEST(test_bc26_failure_at_once)
{
	follow_action a;
	follow_state s = PLAY(follow_traits(DIALECT_BC26, false), FS_DL_WAIT, &a,
	    FE_DL_START, FE_DL_END_OK, FE_START, FE_PROGRESS, FE_END_FAIL);

	ck_assert_int_eq(s, FS_DONE);
	ck_assert_int_eq(a, FA_FAIL_END);
	/* Others wait for the reboot to read where the module is. */
	s = PLAY(follow_traits(DIALECT_BG96, false), FS_UPDATING, &a, FE_END_FAIL);
	ck_assert_int_eq(s, FS_ENDED_FAIL);
}
END_TEST

/* BG96 power cut in RESTORE: the port goes, comes back with the banner
 * and START; END,0 then the final boot. No verdict on the way. */
START_TEST(test_bg96_resume)
{
	unsigned t = follow_traits(DIALECT_BG96, false);
	follow_action a;
	follow_state s = PLAY(t, FS_TO_UPDATER, &a, FE_PORT_LOST, FE_PORT_BACK,
	    FE_START, FE_PROGRESS, FE_PORT_LOST, FE_PORT_BACK, FE_RESUME, FE_START,
	    FE_PROGRESS);

	ck_assert_int_eq(s, FS_UPDATING);
	s = PLAY(t, s, &a, FE_END_OK, FE_PORT_LOST, FE_PORT_BACK);
	ck_assert_int_eq(s, FS_DONE);
	ck_assert_int_eq(a, FA_VERIFY);
}
END_TEST

/* BG95/BG77: the USB port's return ends a blind update. */
START_TEST(test_blind_return)
{
	unsigned t = follow_traits(DIALECT_BG95, true);
	follow_action a;
	follow_state s = PLAY(t, FS_DL_WAIT, &a, FE_DL_START, FE_DL_END_OK,
	    FE_RESETTING, FE_PORT_LOST, FE_PORT_BACK);

	ck_assert_int_eq(s, FS_DONE);
	ck_assert_int_eq(a, FA_VERIFY);
	/* Not blind: the port's return inside the updater is no verdict. */
	s = PLAY(follow_traits(DIALECT_EC25, false), FS_UPDATING, &a,
	    FE_PORT_LOST, FE_PORT_BACK);
	ck_assert_int_eq(s, FS_UPDATING);
}
END_TEST

START_TEST(test_table_consistent)
{
	unsigned n;
	const follow_row *r = follow_rows(&n);

	ck_assert_uint_gt(n, 20);
	for (unsigned i = 0; i < n; i++) {
		ck_assert_int_ne(r[i].state, FS_DONE);
		ck_assert_int_lt(r[i].event, FE_EVENT_COUNT);
		ck_assert_int_lt(r[i].action, FA_ACTION_COUNT);
		ck_assert_int_lt(r[i].next, FS_STATE_COUNT);
		ck_assert_str_ne(follow_action_name(r[i].action), "?");
		ck_assert_str_ne(follow_event_name(r[i].event), "?");
		/* A failing or verifying action ends the follow. */
		if (r[i].action != FA_NONE && r[i].action != FA_NOTE &&
		    r[i].action != FA_PROBE && r[i].action != FA_RETRY)
			ck_assert_int_eq(r[i].next, FS_DONE);
	}
	ck_assert_ptr_null(follow_step(0, FS_DONE, FE_RDY));
	for (int e = 0; e < FE_EVENT_COUNT; e++)
		ck_assert_str_ne(follow_event_name((follow_event)e), "?");
}
END_TEST

static Suite *
follow_suite(void)
{
	Suite *s = suite_create("follow");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_rdy_before_start_is_no_verdict);
	tcase_add_test(tc, test_port_lost_in_download_is_power_cut);
	tcase_add_test(tc, test_ag35_retries_followed);
	tcase_add_test(tc, test_bc26_failure_at_once);
	tcase_add_test(tc, test_bg96_resume);
	tcase_add_test(tc, test_blind_return);
	tcase_add_test(tc, test_table_consistent);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(follow_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
