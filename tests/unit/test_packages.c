/*
 * test_packages: SHA-256, the XOR-16 upload checksum, revision matching,
 * the package catalog (sha256 check on load) and the plan for a unit
 * (direct package, SKIP, NONE, shortest chains, downgrades, loops).
 *
 * Plans are tested on catalogs built here in memory, so that each test
 * shows its whole graph. Temporary files go under DFOTA_TMP.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "packages/pkg.h"
#include "packages/pkg_checksum.h"
#include "packages/sha256.h"
#include "tests/harness/harness.h"

/* ---- helpers ---- */

static const char *
tmpdir(void)
{
	const char *d = getenv("DFOTA_TMP");
	char cmd[PATH_MAX + 16];

	if (d == NULL)
		d = "/tmp/dfota-test";
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", d);
	if (system(cmd) != 0)
		return "/tmp";
	return d;
}

static void
write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void
hex_of(const void *data, size_t len, char hex[65])
{
	sha256_hex(data, len, hex);
}

/* ---- sha256 ---- */

static const char nist448[] =
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char nist896[] =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

START_TEST(test_sha256_vectors)
{
	char hex[65];

	hex_of("", 0, hex);
	ck_assert_str_eq(hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, hex);
	ck_assert_str_eq(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hex_of(nist448, strlen(nist448), hex);
	ck_assert_str_eq(hex,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	hex_of(nist896, strlen(nist896), hex);
	ck_assert_str_eq(hex,
	    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}
END_TEST

START_TEST(test_sha256_million_a)
{
	const char *want =
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	static const size_t chunks[] = { 1, 3, 7, 63, 64, 65, 127, 1000, 4099 };
	size_t n = 1000000, done = 0, k = 0;
	char *a = malloc(n), hex[65];
	uint8_t digest[32];
	sha256_ctx c;

	ck_assert(a != NULL);
	memset(a, 'a', n);
	hex_of(a, n, hex);
	ck_assert_str_eq(hex, want);

	/* The same million bytes fed in odd, changing chunk sizes. */
	sha256_init(&c);
	while (done < n) {
		size_t take = chunks[k++ % (sizeof chunks / sizeof chunks[0])];

		if (take > n - done)
			take = n - done;
		sha256_update(&c, a + done, take);
		done += take;
	}
	sha256_final(&c, digest);
	sha256_to_hex(digest, hex);
	ck_assert_str_eq(hex, want);
	free(a);
}
END_TEST

/* The padding cases: a length field that fits in the last block or not. */
START_TEST(test_sha256_block_edges)
{
	static const struct { size_t n; const char *hex; } v[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
		{ 128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e" },
	};
	char a[128], hex[65];

	memset(a, 'a', sizeof a);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		hex_of(a, v[i].n, hex);
		ck_assert_msg(strcmp(hex, v[i].hex) == 0, "%zu bytes: %s", v[i].n, hex);
	}
}
END_TEST

/* Every split point of the 896-bit vector gives the one-shot digest. */
START_TEST(test_sha256_every_split)
{
	size_t n = strlen(nist896);
	uint8_t digest[32];
	char hex[65];

	for (size_t cut = 0; cut <= n; cut++) {
		for (size_t cut2 = cut; cut2 <= n; cut2 += 13) {
			sha256_ctx c;

			sha256_init(&c);
			sha256_update(&c, nist896, cut);
			sha256_update(&c, nist896 + cut, cut2 - cut);
			sha256_update(&c, nist896 + cut2, n - cut2);
			sha256_final(&c, digest);
			sha256_to_hex(digest, hex);
			ck_assert_msg(strcmp(hex, "cf5b16a778af8380036ce59e7b0492370b249"
			    "b11e8f07a51afac45037afee9d1") == 0, "cut %zu/%zu", cut, cut2);
		}
	}
}
END_TEST

START_TEST(test_sha256_file)
{
	char path[PATH_MAX], hex[65], want[65];
	size_t n = 200003;
	uint8_t *data = malloc(n);
	uint64_t size = 0;

	ck_assert(data != NULL);
	for (size_t i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 131 + (i >> 8));
	snprintf(path, sizeof path, "%s/pkg-sha-file.bin", tmpdir());
	write_bytes(path, data, n);
	hex_of(data, n, want);
	ck_assert_int_eq(sha256_file(path, hex, &size), 0);
	ck_assert_str_eq(hex, want);
	ck_assert_uint_eq(size, n);
	free(data);

	errno = 0;
	ck_assert_int_eq(sha256_file("/nonexistent/pkg.zip", hex, &size), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* ---- XOR-16 ---- */

START_TEST(test_checksum_vectors)
{
	static const uint8_t b[] = { 0x12, 0x34, 0x56, 0x78, 0x9a };

	ck_assert_uint_eq(pkg_checksum_xor16("", 0), 0x0000);
	ck_assert_uint_eq(pkg_checksum_xor16("\x12", 1), 0x1200);
	ck_assert_uint_eq(pkg_checksum_xor16("\x12\x34", 2), 0x1234);
	/* 0x1234 ^ 0x5600 */
	ck_assert_uint_eq(pkg_checksum_xor16(b, 3), 0x4434);
	/* 0x1234 ^ 0x5678 */
	ck_assert_uint_eq(pkg_checksum_xor16(b, 4), 0x444c);
	/* 0x1234 ^ 0x5678 ^ 0x9a00 */
	ck_assert_uint_eq(pkg_checksum_xor16(b, 5), 0xde4c);
	/* Equal words cancel. */
	ck_assert_uint_eq(pkg_checksum_xor16("\xab\xcd\xab\xcd", 4), 0x0000);
}
END_TEST

START_TEST(test_checksum_incremental)
{
	static const size_t splits[] = { 1, 3, 2, 5, 7, 1, 1, 64, 1023, 1025 };
	size_t n = 10007;
	uint8_t *data = malloc(n);
	uint16_t whole;

	ck_assert(data != NULL);
	for (size_t i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	whole = pkg_checksum_xor16(data, n);

	/* Every single split point... */
	for (size_t cut = 0; cut <= 64; cut++) {
		pkg_checksum c;

		pkg_checksum_init(&c);
		pkg_checksum_update(&c, data, cut);
		pkg_checksum_update(&c, data + cut, n - cut);
		ck_assert_uint_eq(pkg_checksum_final(&c), whole);
	}
	/* ...and many odd-sized blocks, as an upload would feed it. */
	{
		pkg_checksum c;
		size_t done = 0, k = 0;

		pkg_checksum_init(&c);
		while (done < n) {
			size_t take = splits[k++ % (sizeof splits / sizeof splits[0])];

			if (take > n - done)
				take = n - done;
			pkg_checksum_update(&c, data + done, take);
			/* final() does not disturb the running state. */
			(void)pkg_checksum_final(&c);
			done += take;
		}
		ck_assert_uint_eq(pkg_checksum_final(&c), whole);
	}
	free(data);
}
END_TEST

/* ---- revision matching ---- */

START_TEST(test_revision_match)
{
	{
		char f[96];

		pkg_revision_form("BG96MAR02A08M1G_01.016.01.016", f, sizeof f);
		ck_assert_str_eq(f, "BG96MAR02A08M1G");
		pkg_revision_form(" bg96mar02a08m1g\r", f, sizeof f);
		ck_assert_str_eq(f, "BG96MAR02A08M1G");
		pkg_revision_form("EM060KGLAAR01A07M4G_BETA_01.200", f, sizeof f);
		ck_assert_str_eq(f, "EM060KGLAAR01A07M4G_BETA");
		pkg_revision_form("BG95M3LAR02A03_X", f, sizeof f);
		ck_assert_str_eq(f, "BG95M3LAR02A03_X");
		pkg_revision_form("BG96MAR02A08M1G_", f, sizeof f);
		ck_assert_str_eq(f, "BG96MAR02A08M1G_");
		pkg_revision_form("_01.016", f, sizeof f);
		ck_assert_str_eq(f, "_01.016");
		pkg_revision_form("", f, sizeof f);
		ck_assert_str_eq(f, "");
		pkg_revision_form(NULL, f, sizeof f);
		ck_assert_str_eq(f, "");
		pkg_revision_form("BG96MAR02A08M1G", f, 5);
		ck_assert_str_eq(f, "BG96");
	}
	ck_assert(pkg_revision_match("BG96MAR02A07M1G", "BG96MAR02A07M1G"));
	ck_assert(pkg_revision_match("BG96MAR02A07M1G", "bg96mar02a07m1g"));
	ck_assert(pkg_revision_match("BG96MAR02A07M1G",
	    "BG96MAR02A07M1G_01.016.01.016"));
	ck_assert(!pkg_revision_match("BG96MAR02A07M1G", "BG96MAR02A07M1G2"));
	ck_assert(!pkg_revision_match("BG96MAR02A07M1G", "BG96MAR02A07M1"));
	ck_assert(!pkg_revision_match("BG96MAR02A07M1G", "BG96MAR02A08M1G"));
	ck_assert(!pkg_revision_match("BG96MAR02A07M1G", "BG96MAR02A07M1G_"));
	ck_assert(!pkg_revision_match("BG96MAR02A07M1G", ""));
	ck_assert(!pkg_revision_match("", ""));
	ck_assert(!pkg_revision_match("", "BG96"));
	ck_assert(!pkg_revision_match(NULL, "BG96"));
	ck_assert(!pkg_revision_match("BG96", NULL));
	/* The module's string is the longer one, never the package's. */
	ck_assert(!pkg_revision_match("BG96MAR02A07M1G_01.016.01.016",
	    "BG96MAR02A07M1G"));
}
END_TEST

/* ---- plans ---- */

typedef struct edge {
	const char *model, *from, *to;
} edge;

/* A catalog of url packages named after their edges: "A-B". */
static void
make_catalog(pkg_catalog *cat, const edge *e, size_t n,
             const cfg_target *t, size_t nt)
{
	memset(cat, 0, sizeof *cat);
	cat->items = calloc(n + 1, sizeof *cat->items);
	cat->targets = calloc(nt + 1, sizeof *cat->targets);
	ck_assert(cat->items != NULL && cat->targets != NULL);
	for (size_t i = 0; i < n; i++) {
		pkg *p = &cat->items[i];

		snprintf(p->model, sizeof p->model, "%s", e[i].model);
		snprintf(p->from, sizeof p->from, "%s", e[i].from);
		snprintf(p->to, sizeof p->to, "%s", e[i].to);
		snprintf(p->url, sizeof p->url, "http://x.example/%s-%s.zip",
		    e[i].from, e[i].to);
		snprintf(p->name, sizeof p->name, "%s-%s", e[i].from, e[i].to);
		snprintf(p->sha256, sizeof p->sha256, "%c%c", e[i].from[0],
		    e[i].to[0]);
		p->line = (int)i + 1;
	}
	cat->n = n;
	if (nt > 0)
		memcpy(cat->targets, t, nt * sizeof *t);
	cat->ntargets = nt;
}

static const char *
plan_str(const pkg_plan *plan)
{
	static char buf[1024];

	pkg_plan_names(plan, buf, sizeof buf);
	return buf;
}

START_TEST(test_select_direct)
{
	static const edge e[] = {
		{ "BG96", "A07", "A08" },
		{ "EC25", "A07", "B01" },
		{ "BG96", "A08", "A09" },
	};
	pkg_catalog cat;
	pkg_plan plan;

	make_catalog(&cat, e, 3, NULL, 0);
	/* The package whose from matches; the build suffix is ignored. */
	ck_assert_int_eq(pkg_select(&cat, "BG96", "A07_01.016.01.016", &plan),
	    PKG_PLAN_UPDATE);
	ck_assert_uint_eq(plan.nhops, 1);
	ck_assert_ptr_eq(plan.hops[0], &cat.items[0]);
	ck_assert_str_eq(plan.target, "A08");
	/* Without a target there is no chaining: A08 gets A08->A09. */
	ck_assert_int_eq(pkg_select(&cat, "bg96", "a08", &plan), PKG_PLAN_UPDATE);
	ck_assert_ptr_eq(plan.hops[0], &cat.items[2]);
	ck_assert_str_eq(plan.target, "A09");
	/* The model decides: EC25 at A07 gets its own package. */
	ck_assert_int_eq(pkg_select(&cat, "EC25", "A07", &plan), PKG_PLAN_UPDATE);
	ck_assert_ptr_eq(plan.hops[0], &cat.items[1]);
	/* A09 is the `to` of a package and the `from` of none: SKIP. */
	ck_assert_int_eq(pkg_select(&cat, "BG96", "A09_01.001", &plan),
	    PKG_PLAN_SKIP);
	ck_assert_uint_eq(plan.nhops, 0);
	ck_assert_str_eq(plan.target, "A09");
	/* Nothing applies. */
	ck_assert_int_eq(pkg_select(&cat, "BG96", "A01", &plan), PKG_PLAN_NONE);
	ck_assert_uint_eq(plan.nhops, 0);
	ck_assert_str_eq(plan.target, "");
	ck_assert_int_eq(pkg_select(&cat, "BG95", "A07", &plan), PKG_PLAN_NONE);
	ck_assert_int_eq(pkg_select(&cat, "BG96", "", &plan), PKG_PLAN_NONE);
	pkg_catalog_free(&cat);
}
END_TEST

START_TEST(test_select_target_skip_none)
{
	static const edge e[] = {
		{ "BG96", "A07", "A08" },
		{ "BG96", "A08", "A09" },
	};
	static const cfg_target t[] = { { "BG96", "A09", 10 } };
	pkg_catalog cat;
	pkg_plan plan;

	make_catalog(&cat, e, 2, t, 1);
	ck_assert_int_eq(pkg_select(&cat, "BG96", "A09_01.016", &plan),
	    PKG_PLAN_SKIP);
	ck_assert_str_eq(plan.target, "A09");
	/* No chain from A05: NONE, but the target is still named. */
	ck_assert_int_eq(pkg_select(&cat, "BG96", "A05", &plan), PKG_PLAN_NONE);
	ck_assert_uint_eq(plan.nhops, 0);
	ck_assert_str_eq(plan.target, "A09");
	/* A single hop that lands on the target. */
	ck_assert_int_eq(pkg_select(&cat, "BG96", "A08", &plan), PKG_PLAN_UPDATE);
	ck_assert_str_eq(plan_str(&plan), "A08-A09");
	pkg_catalog_free(&cat);
}
END_TEST

START_TEST(test_select_chains)
{
	static const edge e[] = {
		{ "BG96", "A08", "A09" },
		{ "BG96", "A06", "A07" },
		{ "BG96", "A07", "A08" },
		{ "BG96", "A09", "A10" },
	};
	static const cfg_target t[] = { { "BG96", "A09", 1 } };
	pkg_catalog cat;
	pkg_plan plan;
	char sums[256];

	make_catalog(&cat, e, 4, t, 1);
	/* Two hops, in the order they must be applied, not file order. */
	ck_assert_int_eq(pkg_select(&cat, "BG96", "A07", &plan), PKG_PLAN_UPDATE);
	ck_assert_uint_eq(plan.nhops, 2);
	ck_assert_str_eq(plan_str(&plan), "A07-A08 > A08-A09");
	/* Three hops; the package beyond the target is not used. */
	ck_assert_int_eq(pkg_select(&cat, "BG96", "A06_01.001", &plan),
	    PKG_PLAN_UPDATE);
	ck_assert_uint_eq(plan.nhops, 3);
	ck_assert_str_eq(plan_str(&plan), "A06-A07 > A07-A08 > A08-A09");
	ck_assert_str_eq(plan.target, "A09");
	pkg_plan_sha256s(&plan, sums, sizeof sums);
	ck_assert_str_eq(sums, "AA > AA > AA");
	pkg_catalog_free(&cat);
}
END_TEST

START_TEST(test_select_downgrade)
{
	static const edge e[] = {
		{ "EC25", "A06", "A07" },
		{ "EC25", "A07", "A06" },   /* the way back */
	};
	static const cfg_target t[] = { { "EC25", "A06", 1 } };
	pkg_catalog cat;
	pkg_plan plan;

	make_catalog(&cat, e, 2, t, 1);
	ck_assert_int_eq(pkg_select(&cat, "EC25", "A07", &plan), PKG_PLAN_UPDATE);
	ck_assert_str_eq(plan_str(&plan), "A07-A06");
	ck_assert_int_eq(pkg_select(&cat, "EC25", "A06", &plan), PKG_PLAN_SKIP);
	pkg_catalog_free(&cat);
}
END_TEST

START_TEST(test_select_shortest)
{
	/* A long way listed first, a short way later: the short one wins. */
	static const edge e[] = {
		{ "BG96", "A1", "A2" },
		{ "BG96", "A2", "A3" },
		{ "BG96", "A3", "A4" },
		{ "BG96", "A1", "A3" },
		{ "BG96", "A3", "A4" },   /* a second A3->A4, later in the file */
		{ "BG96", "A2", "A4" },
	};
	static const cfg_target t[] = { { "BG96", "A4", 1 } };
	pkg_catalog cat;
	pkg_plan plan;

	make_catalog(&cat, e, 6, t, 1);
	/* A1->A2->A4 and A1->A3->A4 are both two hops: the file order of the
	 * first hops decides (A1-A2 comes first), every time. */
	ck_assert_int_eq(pkg_select(&cat, "BG96", "A1", &plan), PKG_PLAN_UPDATE);
	ck_assert_uint_eq(plan.nhops, 2);
	ck_assert_str_eq(plan_str(&plan), "A1-A2 > A2-A4");
	for (int i = 0; i < 5; i++) {
		pkg_plan again;

		pkg_select(&cat, "BG96", "A1", &again);
		ck_assert_str_eq(plan_str(&again), "A1-A2 > A2-A4");
	}
	/* From A3: the first A3->A4 of the file. */
	ck_assert_int_eq(pkg_select(&cat, "BG96", "A3", &plan), PKG_PLAN_UPDATE);
	ck_assert_ptr_eq(plan.hops[0], &cat.items[2]);
	pkg_catalog_free(&cat);
}
END_TEST

START_TEST(test_select_loops)
{
	static const edge e[] = {
		{ "BG96", "A", "B" },
		{ "BG96", "B", "A" },
		{ "BG96", "B", "C" },
		{ "BG96", "C", "B" },
		{ "BG96", "C", "C2" },
		{ "BG96", "X", "Y" },
	};
	static const cfg_target t[] = { { "BG96", "Y", 1 } };
	static const cfg_target t2[] = { { "BG96", "C2", 1 } };
	pkg_catalog cat;
	pkg_plan plan;

	/* Y is unreachable from A through a graph full of cycles: NONE. */
	make_catalog(&cat, e, 6, t, 1);
	ck_assert_int_eq(pkg_select(&cat, "BG96", "A", &plan), PKG_PLAN_NONE);
	pkg_catalog_free(&cat);

	make_catalog(&cat, e, 6, t2, 1);
	ck_assert_int_eq(pkg_select(&cat, "BG96", "A", &plan), PKG_PLAN_UPDATE);
	ck_assert_str_eq(plan_str(&plan), "A-B > B-C > C-C2");
	pkg_catalog_free(&cat);
}
END_TEST

START_TEST(test_select_max_hops)
{
	enum { N = PKG_MAX_HOPS + 2 };
	char rev[N + 1][8];
	edge e[N];
	cfg_target t = { "BG96", "", 1 };
	pkg_catalog cat;
	pkg_plan plan;

	for (int i = 0; i <= N; i++)
		snprintf(rev[i], sizeof rev[i], "R%02d", i);
	for (int i = 0; i < N; i++)
		e[i] = (edge){ "BG96", rev[i], rev[i + 1] };

	/* Exactly PKG_MAX_HOPS hops is allowed... */
	snprintf(t.revision, sizeof t.revision, "%s", rev[PKG_MAX_HOPS]);
	make_catalog(&cat, e, N, &t, 1);
	ck_assert_int_eq(pkg_select(&cat, "BG96", "R00", &plan), PKG_PLAN_UPDATE);
	ck_assert_uint_eq(plan.nhops, PKG_MAX_HOPS);
	ck_assert_ptr_eq(plan.hops[PKG_MAX_HOPS - 1], &cat.items[PKG_MAX_HOPS - 1]);
	pkg_catalog_free(&cat);

	/* ...one more is not. */
	snprintf(t.revision, sizeof t.revision, "%s", rev[PKG_MAX_HOPS + 1]);
	make_catalog(&cat, e, N, &t, 1);
	ck_assert_int_eq(pkg_select(&cat, "BG96", "R00", &plan), PKG_PLAN_NONE);
	ck_assert_int_eq(pkg_select(&cat, "BG96", "R01", &plan), PKG_PLAN_UPDATE);
	pkg_catalog_free(&cat);
}
END_TEST

START_TEST(test_plan_join_truncates)
{
	static const edge e[] = {
		{ "BG96", "A1", "A2" },
		{ "BG96", "A2", "A3" },
	};
	static const cfg_target t[] = { { "BG96", "A3", 1 } };
	pkg_catalog cat;
	pkg_plan plan;
	char small[8];

	make_catalog(&cat, e, 2, t, 1);
	pkg_select(&cat, "BG96", "A1", &plan);
	memset(small, 'x', sizeof small);
	pkg_plan_names(&plan, small, 6);
	ck_assert_str_eq(small, "A1-A2");
	ck_assert_int_eq(small[6], 'x');
	pkg_plan_names(&plan, small, 1);
	ck_assert_str_eq(small, "");
	pkg_select(&cat, "BG96", "A0", &plan);
	pkg_plan_names(&plan, small, sizeof small);
	ck_assert_str_eq(small, "");
	pkg_catalog_free(&cat);
}
END_TEST

/* ---- catalog load ---- */

static void
config_with_file(station_config *cfg, cfg_package *p, const char *file,
                 const char *sha)
{
	memset(cfg, 0, sizeof *cfg);
	memset(p, 0, sizeof *p);
	snprintf(cfg->path, sizeof cfg->path, "station.cfg");
	snprintf(p->model, sizeof p->model, "BG96");
	snprintf(p->from, sizeof p->from, "BG96MAR02A07M1G");
	snprintf(p->to, sizeof p->to, "BG96MAR02A08M1G");
	snprintf(p->file, sizeof p->file, "%s", file);
	snprintf(p->sha256, sizeof p->sha256, "%s", sha);
	p->line = 12;
	cfg->packages = p;
	cfg->npackages = 1;
}

START_TEST(test_catalog_load)
{
	static const char data[] = "a delta package, not a real one\n";
	char path[PATH_MAX], err[1024], want[65];
	station_config cfg;
	cfg_package p[2];
	cfg_target t = { "BG96", "BG96MAR02A08M1G", 30 };
	pkg_catalog cat;
	uint8_t *buf;
	size_t len;

	snprintf(path, sizeof path, "%s/pkg-load.zip", tmpdir());
	write_bytes(path, data, sizeof data - 1);
	hex_of(data, sizeof data - 1, want);

	/* No sha256 given: computed. */
	config_with_file(&cfg, &p[0], path, "");
	ck_assert_msg(pkg_catalog_load(&cat, &cfg, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(cat.n, 1);
	ck_assert_str_eq(cat.items[0].sha256, want);
	ck_assert_uint_eq(cat.items[0].size, sizeof data - 1);
	ck_assert_str_eq(cat.items[0].name, "pkg-load.zip");
	ck_assert_int_eq(cat.items[0].line, 12);
	ck_assert_int_eq(pkg_read(&cat.items[0], &buf, &len), 0);
	ck_assert_uint_eq(len, sizeof data - 1);
	ck_assert(memcmp(buf, data, len) == 0);
	free(buf);
	pkg_catalog_free(&cat);
	ck_assert_ptr_eq(cat.items, NULL);

	/* The right sha256, a url package and a target next to it. */
	config_with_file(&cfg, &p[0], path, want);
	p[1] = p[0];
	p[1].file[0] = '\0';
	snprintf(p[1].from, sizeof p[1].from, "BG96MAR02A06M1G");
	snprintf(p[1].url, sizeof p[1].url, "http://x.example/bg96/a06-a07.zip");
	snprintf(p[1].sha256, sizeof p[1].sha256, "%s", want);
	cfg.npackages = 2;
	cfg.targets = &t;
	cfg.ntargets = 1;
	ck_assert_msg(pkg_catalog_load(&cat, &cfg, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(cat.items[1].name, "http://x.example/bg96/a06-a07.zip");
	ck_assert_str_eq(cat.items[1].sha256, want);
	ck_assert_uint_eq(cat.items[1].size, 0);
	ck_assert_uint_eq(cat.ntargets, 1);
	ck_assert_str_eq(cat.targets[0].revision, "BG96MAR02A08M1G");
	ck_assert_int_eq(pkg_read(&cat.items[1], &buf, &len), -1);
	ck_assert_int_eq(errno, EINVAL);
	pkg_catalog_free(&cat);
}
END_TEST

START_TEST(test_catalog_sha256_mismatch)
{
	char path[PATH_MAX], err[1024], want[65], msg[2048];
	const char *given =
	    "0000000000000000000000000000000000000000000000000000000000000000";
	station_config cfg;
	cfg_package p;
	pkg_catalog cat;

	snprintf(path, sizeof path, "%s/pkg-mismatch.zip", tmpdir());
	write_bytes(path, "tampered", 8);
	hex_of("tampered", 8, want);
	config_with_file(&cfg, &p, path, given);
	ck_assert_int_eq(pkg_catalog_load(&cat, &cfg, err, sizeof err), -1);
	snprintf(msg, sizeof msg, "station.cfg:12: packages[0].sha256: file %s "
	    "has sha256 %s, the station file says %s; refusing to load it",
	    path, want, given);
	ck_assert_str_eq(err, msg);
	ck_assert_ptr_eq(cat.items, NULL);
	ck_assert_uint_eq(cat.n, 0);
}
END_TEST

START_TEST(test_catalog_missing_file)
{
	char err[1024];
	station_config cfg;
	cfg_package p;
	pkg_catalog cat;

	config_with_file(&cfg, &p, "/nonexistent/pkg.zip", "");
	ck_assert_int_eq(pkg_catalog_load(&cat, &cfg, err, sizeof err), -1);
	ck_assert_str_eq(err, "station.cfg:12: packages[0].file: cannot read "
	    "/nonexistent/pkg.zip: No such file or directory");
}
END_TEST

static Suite *
packages_suite(void)
{
	Suite *s = suite_create("packages");
	TCase *tc = tcase_create("sha256");

	tcase_add_test(tc, test_sha256_vectors);
	tcase_add_test(tc, test_sha256_million_a);
	tcase_add_test(tc, test_sha256_block_edges);
	tcase_add_test(tc, test_sha256_every_split);
	tcase_add_test(tc, test_sha256_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("checksum");
	tcase_add_test(tc, test_checksum_vectors);
	tcase_add_test(tc, test_checksum_incremental);
	suite_add_tcase(s, tc);

	tc = tcase_create("select");
	tcase_add_test(tc, test_revision_match);
	tcase_add_test(tc, test_select_direct);
	tcase_add_test(tc, test_select_target_skip_none);
	tcase_add_test(tc, test_select_chains);
	tcase_add_test(tc, test_select_downgrade);
	tcase_add_test(tc, test_select_shortest);
	tcase_add_test(tc, test_select_loops);
	tcase_add_test(tc, test_select_max_hops);
	tcase_add_test(tc, test_plan_join_truncates);
	suite_add_tcase(s, tc);

	tc = tcase_create("catalog");
	tcase_add_test(tc, test_catalog_load);
	tcase_add_test(tc, test_catalog_sha256_mismatch);
	tcase_add_test(tc, test_catalog_missing_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run_suite(packages_suite(), CK_NORMAL);
}
