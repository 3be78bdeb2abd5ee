/*
 * test_cases: every file in tests/data/cases/ is one run of the real
 * station against emulated modules, checked through its report (see
 * tests/harness/harness.h for the case format). Adding a case is adding a
 * file; nothing here changes.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness/harness.h"

#define MAX_CASES 512

static char *case_paths[MAX_CASES];
static int   ncases;

static int
case_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
find_cases(void)
{
	char           dir[1024];
	const char    *only = getenv("DFOTA_CASE");   /* run one: DFOTA_CASE=ag35-end-510 */
	DIR           *d;
	struct dirent *e;

	snprintf(dir, sizeof dir, "%s/cases", harness_env("DFOTA_TESTDATA"));
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && ncases < MAX_CASES) {
		size_t n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".case") != 0)
			continue;
		if (only != NULL && strncmp(e->d_name, only, strlen(only)) != 0)
			continue;
		char path[1400];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		case_paths[ncases++] = strdup(path);
	}
	closedir(d);
	qsort(case_paths, (size_t)ncases, sizeof *case_paths, case_cmp);
}

START_TEST(test_case)
{
	char why[2048] = "";

	ck_assert_msg(harness_run_case(case_paths[_i], why, sizeof why), "%s", why);
}
END_TEST

START_TEST(test_have_cases)
{
	ck_assert_msg(ncases > 0, "no case files in $DFOTA_TESTDATA/cases");
}
END_TEST

int
main(void)
{
	Suite   *s = suite_create("cases");
	TCase   *tc = tcase_create("station-vs-emulator");
	int      failed;

	find_cases();
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_have_cases);
	tcase_add_loop_test(tc, test_case, 0, ncases);
	suite_add_tcase(s, tc);
	failed = harness_run_suite(s, CK_VERBOSE);
	for (int i = 0; i < ncases; i++)
		free(case_paths[i]);
	return failed;
}
