/*
 * test_urc: the URC parser against the case files in $DFOTA_TESTDATA/urc/
 * (format in tests/data/urc/README), plus robustness: random bytes, cut-off
 * and mutated URCs, 10k lines each, checked for crashes and for invariants
 * of the result rather than for exact kinds.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialects/urc.h"
#include "tests/harness/harness.h"

#define FUZZ_LINES 10000

typedef struct expect {
	urc_kind      kind;
	urc_transport via;
	int           value;
} expect;

static int
kind_by_name(const char *s, urc_kind *out)
{
	int k;

	for (k = 0; k < URC_KIND_COUNT; k++) {
		if (strcmp(s, urc_kind_name((urc_kind)k)) == 0) {
			*out = (urc_kind)k;
			return 1;
		}
	}
	return 0;
}

static int
via_by_name(const char *s, urc_transport *out)
{
	int t;

	for (t = URC_VIA_NONE; t <= URC_VIA_LWM2M; t++) {
		if (strcmp(s, urc_via_name((urc_transport)t)) == 0) {
			*out = (urc_transport)t;
			return 1;
		}
	}
	return 0;
}

/* "KIND [VIA] [VALUE]" -> expect; 0 when the test data itself is bad. */
static int
parse_expect(char *s, expect *e)
{
	char *tok, *save = NULL, *end;

	e->via = URC_VIA_NONE;
	e->value = -1;
	tok = strtok_r(s, " ", &save);
	if (tok == NULL || !kind_by_name(tok, &e->kind))
		return 0;
	while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
		long v;

		if (via_by_name(tok, &e->via))
			continue;
		v = strtol(tok, &end, 10);
		if (*end != '\0' || end == tok)
			return 0;
		e->value = (int)v;
	}
	return 1;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *
data_dir(void)
{
	const char *d = getenv("DFOTA_TESTDATA");

	return d != NULL ? d : "tests/data";
}

/* Checks one file; returns the number of cases, adds to *failed. */
static int
run_file(const char *path, int *failed)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, cases = 0;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	while ((len = getline(&line, &cap, f)) != -1) {
		char *tab;
		expect want;
		urc_event got;
		bool ret;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		tab = strchr(line, '\t');
		ck_assert_msg(tab != NULL, "%s:%d: no tab", path, lineno);
		*tab = '\0';
		ck_assert_msg(parse_expect(line, &want), "%s:%d: bad expectation",
		    path, lineno);
		ret = urc_parse_line(tab + 1, &got);
		cases++;
		if (got.kind != want.kind || got.via != want.via ||
		    got.value != want.value || ret != (want.kind != URC_NONE)) {
			fprintf(stderr, "%s:%d: [%s] want %s %s %d, got %s %s %d\n",
			    path, lineno, tab + 1, urc_kind_name(want.kind),
			    urc_via_name(want.via), want.value,
			    urc_kind_name(got.kind), urc_via_name(got.via),
			    got.value);
			(*failed)++;
		}
	}
	free(line);
	fclose(f);
	return cases;
}

START_TEST(test_case_files)
{
	char dir[4096], path[8192];
	char *names[256];
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;
	int cases = 0, failed = 0, guides = 0;

	snprintf(dir, sizeof dir, "%s/urc", data_dir());
	d = opendir(dir);
	ck_assert_msg(d != NULL, "cannot open %s (set DFOTA_TESTDATA)", dir);
	while ((de = readdir(d)) != NULL && n < 256) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' || l < 4 ||
		    strcmp(de->d_name + l - 4, ".txt") != 0)
			continue;
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof names[0], name_cmp);
	for (i = 0; i < n; i++) {
		int c;

		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		c = run_file(path, &failed);
		ck_assert_msg(c > 0, "%s has no cases", path);
		if (names[i][0] >= '0' && names[i][0] <= '9')
			guides++;
		cases += c;
		free(names[i]);
	}
	ck_assert_int_ge(guides, 5); /* one file per vendor guide */
	ck_assert_msg(failed == 0, "%d of %d URC cases in %zu files failed",
	    failed, cases, n);
}
END_TEST

/* What must hold for any input, known or not. */
static void
check_invariants(const char *line)
{
	urc_event ev;
	bool ret = urc_parse_line(line, &ev);

	ck_assert(ev.kind >= URC_NONE && ev.kind < URC_KIND_COUNT);
	ck_assert(ev.via >= URC_VIA_NONE && ev.via <= URC_VIA_LWM2M);
	ck_assert(ret == (ev.kind != URC_NONE));
	if (ev.kind == URC_NONE) {
		ck_assert_int_eq(ev.via, URC_VIA_NONE);
		ck_assert_int_eq(ev.value, -1);
	}
}

START_TEST(test_fuzz_random_bytes)
{
	static char line[4096];
	int i;

	srand(12345);
	for (i = 0; i < FUZZ_LINES; i++) {
		size_t len = (size_t)rand() % (sizeof line - 1), j;

		for (j = 0; j < len; j++)
			line[j] = (char)(1 + rand() % 255);
		line[len] = '\0';
		check_invariants(line);
	}
}
END_TEST

/* Random lines from the URC alphabet find more corners than raw bytes. */
START_TEST(test_fuzz_urc_alphabet)
{
	static const char *const atoms[] = {
		"+QIND:", "+LWM2M:", "\"", ",", " ", "%", "FOTA", "END",
		"UPDATING", "DOWNLOADING", "START", "HTTPSTART", "\"FOTA\",",
		"Last upgrade was not finished", "42", "-", "\r", "\t",
		"9999999999", "\xff", "COMPLETED", "DOWNLOADED",
	};
	char line[512];
	int i;

	srand(54321);
	for (i = 0; i < FUZZ_LINES; i++) {
		size_t len = 0;
		int atoms_n = rand() % 12, j;

		for (j = 0; j < atoms_n; j++) {
			const char *a = atoms[rand() % (sizeof atoms / sizeof atoms[0])];
			size_t l = strlen(a);

			if (len + l >= sizeof line)
				break;
			memcpy(line + len, a, l);
			len += l;
		}
		line[len] = '\0';
		check_invariants(line);
	}
}
END_TEST

/* Every prefix of a real URC, and each with one byte flipped. */
START_TEST(test_fuzz_cut_and_flip)
{
	static const char *const urcs[] = {
		"+QIND: \"FOTA\",\"UPDATING\", 42%",
		"+QIND: \"FOTA\",\"Last upgrade was not finished,continue upgrade\"",
		"+LWM2M: \"FOTA\",\"DOWNLOADING\",\"COMPLETED\"",
		"+QIND: \"FOTA\",\"HTTPEND\",701 //comment",
	};
	char line[256];
	size_t u, cut, pos;

	srand(777);
	for (u = 0; u < sizeof urcs / sizeof urcs[0]; u++) {
		size_t len = strlen(urcs[u]);

		for (cut = 0; cut <= len; cut++) {
			memcpy(line, urcs[u], cut);
			line[cut] = '\0';
			check_invariants(line);
			for (pos = 0; pos < cut; pos++) {
				char keep = line[pos];

				line[pos] = (char)(1 + rand() % 255);
				check_invariants(line);
				line[pos] = keep;
			}
		}
	}
}
END_TEST

START_TEST(test_very_long_lines)
{
	size_t len = 1 << 20;
	char *line = malloc(len + 64);
	urc_event ev;

	ck_assert_ptr_nonnull(line);
	strcpy(line, "+QIND: \"FOTA\",\"");
	memset(line + strlen(line), 'A', len);
	line[len] = '\0';
	ck_assert(urc_parse_line(line, &ev));
	ck_assert_int_eq(ev.kind, URC_FOTA_OTHER);
	/* A megabyte of digits is not a number. */
	strcpy(line, "+QIND: \"FOTA\",\"UPDATING\",");
	memset(line + strlen(line), '7', len);
	line[len] = '\0';
	ck_assert(urc_parse_line(line, &ev));
	ck_assert_int_eq(ev.kind, URC_UPDATING);
	ck_assert_int_eq(ev.value, -1);
	free(line);
}
END_TEST

START_TEST(test_null_and_names)
{
	urc_event ev = { URC_END, URC_VIA_FTP, 5 };
	int k, j;

	ck_assert(!urc_parse_line(NULL, &ev));
	ck_assert_int_eq(ev.kind, URC_NONE);
	ck_assert_int_eq(ev.value, -1);
	ck_assert(urc_parse_line("+QIND: \"FOTA\",\"START\"", NULL));
	ck_assert(!urc_parse_line("", &ev));
	for (k = 0; k < URC_KIND_COUNT; k++) {
		ck_assert_ptr_nonnull(urc_kind_name((urc_kind)k));
		for (j = 0; j < k; j++)
			ck_assert_str_ne(urc_kind_name((urc_kind)k),
			    urc_kind_name((urc_kind)j));
	}
	ck_assert_str_eq(urc_kind_name(URC_KIND_COUNT), "?");
	ck_assert_str_eq(urc_via_name(URC_VIA_LWM2M), "LWM2M");
	ck_assert_str_eq(urc_via_name(URC_VIA_NONE), "NONE");
}
END_TEST

static Suite *
urc_suite(void)
{
	Suite *s = suite_create("urc");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_case_files);
	tcase_add_test(tc, test_fuzz_random_bytes);
	tcase_add_test(tc, test_fuzz_urc_alphabet);
	tcase_add_test(tc, test_fuzz_cut_and_flip);
	tcase_add_test(tc, test_very_long_lines);
	tcase_add_test(tc, test_null_and_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run_suite(urc_suite(), CK_NORMAL);
}
