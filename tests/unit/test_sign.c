/*
 * test_sign: Ed25519 signatures of the chain head (reports/sign.c). Session
 * files come from the real writer; keys are made here with libcrypto and
 * written as PKCS#8 / SubjectPublicKeyInfo PEM, the files `openssl genpkey
 * -algorithm ed25519` and `openssl pkey -pubout` write. Shown: a signed file
 * verifies with its public key; another run's chain-valid file given that
 * signature does not; nor does a file with a row added after signing, a
 * signature edited, or another key; a changed file is not signed at all.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "reports/chain.h"
#include "reports/report.h"
#include "reports/sign.h"
#include "reports/verify.h"
#include "tests/harness/harness.h"

static void
send_unit(report_writer *w, bus_kind kind, int64_t ts, unit_record *u)
{
	bus_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.ts_ms = ts;
	snprintf(ev.slot_label, sizeof ev.slot_label, "%s", u->slot);
	ev.phase = kind == BUS_UNIT_END ? PHASE_DONE : PHASE_IDENTIFY;
	ev.percent = -1;
	ev.error_code = -1;
	ev.unit = u;
	report_on_event(w, &ev);
}

/* n PASS units of run `run` into dir's line3-A file of 2026-11-21 (UTC). */
static void
write_units(const char *dir, const char *run, int first, int n)
{
	report_writer *w;
	char           err[256];
	struct tm      tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = 21, .tm_hour = 9 };
	int64_t        t0 = (int64_t)timegm(&tm) * 1000;

	ck_assert_int_eq(report_open(&w, dir, "line3-A", err, sizeof err), 0);
	for (int i = first; i < first + n; i++) {
		unit_record u;

		unit_record_init(&u);
		snprintf(u.run_id, sizeof u.run_id, "%s", run);
		snprintf(u.station, sizeof u.station, "line3-A");
		snprintf(u.slot, sizeof u.slot, "A%d", i + 1);
		snprintf(u.model, sizeof u.model, "BG96");
		snprintf(u.imei, sizeof u.imei, "8610000000000%02d", i);
		u.started_ms = t0 + i * 60000;
		send_unit(w, BUS_UNIT_START, u.started_ms, &u);
		u.result = RESULT_PASS;
		u.attempts = 1;
		u.finished_ms = u.started_ms + 30000;
		send_unit(w, BUS_UNIT_END, u.finished_ms, &u);
	}
	report_close(w);
}

static void
make_keys(const char *dir, const char *name, char *priv, char *pub, size_t len)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	FILE     *f;

	ck_assert_ptr_nonnull(k);
	snprintf(priv, len, "%s/%s.pem", dir, name);
	snprintf(pub, len, "%s/%s.pub.pem", dir, name);
	ck_assert_ptr_nonnull(f = fopen(priv, "w"));
	ck_assert_int_eq(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	ck_assert_ptr_nonnull(f = fopen(pub, "w"));
	ck_assert_int_eq(PEM_write_PUBKEY(f, k), 1);
	fclose(f);
	EVP_PKEY_free(k);
}

/* argv[0] plus up to 6 words; stdout/stderr into out (owned). */
static int
run(int (*fn)(int, char **, FILE *, FILE *), char **out, const char *a0,
    const char *a1, const char *a2, const char *a3)
{
	char  *argv[8] = { (char *)a0, (char *)a1, (char *)a2, (char *)a3, NULL };
	int    argc = a3 != NULL ? 4 : a2 != NULL ? 3 : a1 != NULL ? 2 : 1;
	size_t n = 0;
	FILE  *o = open_memstream(out, &n);
	int    rc = fn(argc, argv, o, o);

	fclose(o);
	return rc;
}

static void
copy_file(const char *from, const char *to)
{
	size_t len;
	char  *buf = chain_slurp(from, &len);
	FILE  *f = fopen(to, "wb");

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
	free(buf);
}

START_TEST(test_sign_and_verify)
{
	char base[1024], a[1100], b[1100], csv[1200], csvb[1200], sig[1300], sigb[1300];
	char priv[1200], pub[1200], priv2[1200], pub2[1200], *out;

	ck_assert(harness_fresh_dir("sign", base, sizeof base));
	snprintf(a, sizeof a, "%s/a", base);
	snprintf(b, sizeof b, "%s/b", base);
	make_keys(base, "station", priv, pub, sizeof priv);
	make_keys(base, "other", priv2, pub2, sizeof priv2);
	write_units(a, "run-a", 0, 3);
	write_units(b, "run-b", 0, 3);
	snprintf(csv, sizeof csv, "%s/line3-A-2026-11-21.csv", a);
	snprintf(csvb, sizeof csvb, "%s/line3-A-2026-11-21.csv", b);
	snprintf(sig, sizeof sig, "%s.sig", csv);
	snprintf(sigb, sizeof sigb, "%s.sig", csvb);

	ck_assert_int_eq(run(report_sign_run, &out, "sign", "--key", priv, csv), 0);
	ck_assert_ptr_nonnull(strstr(out, ": signed 3 rows, head "));
	free(out);
	ck_assert_int_eq(run(report_verify_run, &out, "verify", "--pubkey", pub, csv), 0);
	ck_assert_msg(strstr(out, ": OK 3 rows, head ") && strstr(out, "signature OK (key sha256:"),
	    "%s", out);
	free(out);

	/* Another run's file: its chain holds, the signature is not its own. */
	ck_assert_int_eq(run(report_verify_run, &out, "verify", csvb, NULL, NULL), 0);
	free(out);
	copy_file(sig, sigb);
	ck_assert_int_eq(run(report_verify_run, &out, "verify", "--pubkey", pub, csvb), 1);
	ck_assert_msg(strstr(out, "chain OK (3 rows) but the signature is of another file"), "%s", out);
	free(out);

	/* Another key. */
	ck_assert_int_eq(run(report_verify_run, &out, "verify", "--pubkey", pub2, csv), 1);
	ck_assert_ptr_nonnull(strstr(out, "signed with another key"));
	free(out);

	/* The signature text edited (the signed time): does not verify. */
	{
		char   keep[1400];
		size_t len;
		char  *t = chain_slurp(sig, &len), *p = strstr(t, "signed_at 2");
		FILE  *f;

		snprintf(keep, sizeof keep, "%s.keep", sig);
		copy_file(sig, keep);
		ck_assert_ptr_nonnull(p);
		p[10] = p[10] == '1' ? '2' : '1';
		ck_assert_ptr_nonnull(f = fopen(sig, "wb"));
		fwrite(t, 1, len, f);
		fclose(f);
		free(t);
		ck_assert_int_eq(run(report_verify_run, &out, "verify", "--pubkey", pub, csv), 1);
		ck_assert_msg(strstr(out, "the signature does not verify"), "%s", out);
		free(out);
		copy_file(keep, sig);
	}

	/* A row added after signing: the rows it does not cover are named. */
	write_units(a, "run-a2", 3, 1);
	ck_assert_int_eq(run(report_verify_run, &out, "verify", "--pubkey", pub, csv), 1);
	ck_assert_msg(strstr(out, "rows 4 to 4 were added after the signature"), "%s", out);
	free(out);
	/* Signed again, it verifies. */
	ck_assert_int_eq(run(report_sign_run, &out, "sign", "--key", priv, csv), 0);
	free(out);
	ck_assert_int_eq(run(report_verify_run, &out, "verify", "--pubkey", pub, csv), 0);
	free(out);

	/* No signature at all: not proven. */
	remove(sig);
	ck_assert_int_eq(run(report_verify_run, &out, "verify", "--pubkey", pub, csv), 1);
	ck_assert_ptr_nonnull(strstr(out, "no signature"));
	free(out);
}
END_TEST

/* A file whose chain is broken is not signed; keys of the wrong kind and
 * usage errors are exit 2. */
START_TEST(test_sign_refuses)
{
	char base[1024], csv[1200], priv[1200], pub[1200], *out, *buf;
	size_t len;
	FILE  *f;

	ck_assert(harness_fresh_dir("sign-refuse", base, sizeof base));
	make_keys(base, "k", priv, pub, sizeof priv);
	write_units(base, "run-a", 0, 2);
	snprintf(csv, sizeof csv, "%s/line3-A-2026-11-21.csv", base);
	ck_assert_int_eq(run(report_sign_run, &out, "sign", "--key", pub, csv), 2);
	ck_assert_ptr_nonnull(strstr(out, "not a PEM private key"));
	free(out);
	ck_assert_int_eq(run(report_sign_run, &out, "sign", csv, NULL, NULL), 2);
	ck_assert_ptr_nonnull(strstr(out, "--key KEY.pem is required"));
	free(out);
	ck_assert_int_eq(run(report_sign_run, &out, "sign", "--help", NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "usage: dfota-station report sign --key KEY.pem CSV..."));
	free(out);
	ck_assert_int_eq(run(report_verify_run, &out, "verify", "--pubkey", priv, csv), 2);
	free(out);

	buf = chain_slurp(csv, &len);
	ck_assert_ptr_nonnull(strstr(buf, "run-a"));
	strstr(buf, "run-a")[4] = 'X';
	ck_assert_ptr_nonnull(f = fopen(csv, "wb"));
	fwrite(buf, 1, len, f);
	fclose(f);
	free(buf);
	ck_assert_int_eq(run(report_sign_run, &out, "sign", "--key", priv, csv), 1);
	ck_assert_msg(strstr(out, "not signed: row 1 (line 2)"), "%s", out);
	free(out);
}
END_TEST

/* station.signing_key: the writer signs a day's file when it moves on to
 * the next day's, and the last one when it closes. */
START_TEST(test_writer_signs_each_day)
{
	char           base[1024], priv[1200], pub[1200], d1[1200], d2[1200], msg[512], *out;
	report_writer *w;
	struct evp_pkey_st *key;
	struct tm      tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = 21, .tm_hour = 23 };
	int64_t        t0 = (int64_t)timegm(&tm) * 1000;

	ck_assert(harness_fresh_dir("sign-writer", base, sizeof base));
	make_keys(base, "station", priv, pub, sizeof priv);
	ck_assert_ptr_nonnull(key = sign_key_load_private(priv, false, msg, sizeof msg));
	ck_assert_int_eq(report_open(&w, base, "line3-A", msg, sizeof msg), 0);
	report_set_signing_key(w, key);
	snprintf(d1, sizeof d1, "%s/line3-A-2026-11-21.csv", base);
	snprintf(d2, sizeof d2, "%s/line3-A-2026-11-22.csv", base);
	for (int i = 0; i < 3; i++) {
		unit_record u;

		unit_record_init(&u);
		snprintf(u.run_id, sizeof u.run_id, "run");
		snprintf(u.slot, sizeof u.slot, "A%d", i + 1);
		snprintf(u.imei, sizeof u.imei, "8610000000000%02d", i);
		u.started_ms = t0 + i * 1800000;       /* 23:00, 23:30, 00:00 */
		send_unit(w, BUS_UNIT_START, u.started_ms, &u);
		u.result = RESULT_PASS;
		u.attempts = 1;
		u.finished_ms = u.started_ms + 60000;
		send_unit(w, BUS_UNIT_END, u.finished_ms, &u);
	}
	/* The first day's file was signed when the third row opened day 2. */
	ck_assert_int_eq(run(report_verify_run, &out, "verify", "--pubkey", pub, d1), 0);
	ck_assert_msg(strstr(out, ": OK 2 rows, head ") && strstr(out, "signature OK"), "%s", out);
	free(out);
	ck_assert_int_eq(run(report_verify_run, &out, "verify", "--pubkey", pub, d2), 1);
	ck_assert_ptr_nonnull(strstr(out, "no signature"));
	free(out);
	report_close(w);
	ck_assert_int_eq(run(report_verify_run, &out, "verify", "--pubkey", pub, d2), 0);
	ck_assert_msg(strstr(out, ": OK 1 rows, head ") && strstr(out, "signature OK"), "%s", out);
	free(out);
	sign_key_free(key);
}
END_TEST

static Suite *
sign_suite(void)
{
	Suite *s = suite_create("sign");
	TCase *tc = tcase_create("sign");

	tcase_add_test(tc, test_sign_and_verify);
	tcase_add_test(tc, test_sign_refuses);
	tcase_add_test(tc, test_writer_signs_each_day);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	setenv("TZ", "UTC", 1);     /* the days of the files */
	tzset();
	return harness_run_suite(sign_suite(), CK_NORMAL);
}
