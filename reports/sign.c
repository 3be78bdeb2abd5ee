/*
 * sign: Ed25519 signatures of the chain head of session files, with
 * OpenSSL's libcrypto (EVP_DigestSign with no digest: pure Ed25519).
 *
 * Why the head: every row_sha256 covers its row and, through the row
 * before, every earlier row (chain.h), so one signature over the last one
 * covers the whole file. The signed text also names the row count and the
 * key's fingerprint, so that a signature file read by a person says what it
 * covers and who made it; it is plain text (sign.h has the format) and can
 * be checked without this program (docs/audit.md §4 shows it with the
 * openssl command).
 *
 * A file is only signed when it checks out: a broken chain, or a file that
 * does not end at its recorded head, is refused, so a signature never
 * blesses a file that was changed before it was signed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "packages/sha256.h"
#include "reports/sign.h"
#include "station/durable.h"
#include "station/unit.h"

#define SIGN_MAGIC    "dfota-station-signature 1"
#define SIGN_SIG_LEN  64
#define SIGN_B64_LEN  88      /* base64 of 64 bytes, with "==" */

/* Never ask: the station runs unattended. */
static int
sign_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag; (void)u;
	return -1;
}

/* The last libcrypto error in words, or what. */
static const char *
sign_ssl_reason(const char *what)
{
	unsigned long e = ERR_get_error();
	const char   *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r != NULL ? r : what;
}

static EVP_PKEY *
sign_key_check(EVP_PKEY *key, const char *path, const char *kind, char *err, size_t errlen)
{
	if (key == NULL) {
		snprintf(err, errlen, "%s: not a PEM %s key (%s)", path, kind,
		    sign_ssl_reason("unreadable"));
		return NULL;
	}
	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		snprintf(err, errlen, "%s: a %s key, not Ed25519 (make one with "
		    "`openssl genpkey -algorithm ed25519 -out KEY.pem`)", path,
		    EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "non-Ed25519");
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

EVP_PKEY *
sign_key_load_private(const char *path, bool interactive, char *err, size_t errlen)
{
	EVP_PKEY *key;
	FILE     *f = fopen(path, "r");

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	key = PEM_read_PrivateKey(f, NULL, interactive ? NULL : sign_no_passphrase, NULL);
	fclose(f);
	if (key == NULL && !interactive) {
		snprintf(err, errlen, "%s: not an unencrypted PEM private key (%s); the "
		    "station cannot ask for a passphrase", path, sign_ssl_reason("unreadable"));
		return NULL;
	}
	return sign_key_check(key, path, "private", err, errlen);
}

EVP_PKEY *
sign_key_load_public(const char *path, char *err, size_t errlen)
{
	EVP_PKEY *key;
	FILE     *f = fopen(path, "r");

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	key = PEM_read_PUBKEY(f, NULL, sign_no_passphrase, NULL);
	fclose(f);
	return sign_key_check(key, path, "public", err, errlen);
}

void
sign_key_free(EVP_PKEY *key)
{
	EVP_PKEY_free(key);
}

bool
sign_key_fingerprint(EVP_PKEY *key, char out[80])
{
	unsigned char raw[32];
	size_t        n = sizeof raw;
	char          hex[65];

	if (key == NULL || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(key, raw, &n) != 1 || n != sizeof raw) {
		ERR_clear_error();
		return false;
	}
	sha256_hex(raw, n, hex);
	snprintf(out, 80, "sha256:%s", hex);
	return true;
}

/* The signed part: everything before the "signature " line. */
static int
sign_message(char *buf, size_t len, const char *head, long rows, const char *fp,
    const char *when)
{
	int n = snprintf(buf, len, SIGN_MAGIC "\nalgorithm ed25519\nhead %s\nrows %ld\n"
	    "key %s\nsigned_at %s\n", head, rows, fp, when);

	return n > 0 && (size_t)n < len ? n : -1;
}

/* Writes path with text: beside it, fsync'ed, renamed over it. */
static int
sign_write_file(const char *path, const char *text, size_t len)
{
	char    tmp[PATH_MAX + 8], dir[PATH_MAX], *slash;
	int     fd, saved;
	ssize_t n = -1;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	n = write(fd, text, len);
	if (n != (ssize_t)len || fsync(fd) != 0) {
		saved = n >= 0 && n != (ssize_t)len ? ENOSPC : errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	/* The rename survives a power cut only with its directory. */
	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	durable_fsync_dir(dir);
	return 0;
}

/* Reads csv and checks it against its head sidecar: 0 fine (res filled),
 * 1 changed, 2 unreadable. The reason goes to err. */
static int
sign_read_checked(const char *csv, chain_result *res, char *err, size_t errlen)
{
	char   head[CHAIN_HEX_LEN + 1] = "";
	long   hrows = 0;
	size_t len;
	char  *buf = chain_slurp(csv, &len);
	int    have;

	if (buf == NULL) {
		snprintf(err, errlen, "%s: %s", csv, strerror(errno));
		return 2;
	}
	have = chain_head_read(csv, head, &hrows);
	chain_check(buf, len, have == 1 ? head : NULL, res);
	free(buf);
	if (!res->header) {
		snprintf(err, errlen, "%s: not a session report (line 1 is not the run_id,... header)", csv);
		return 2;
	}
	if (res->bad_row != 0) {
		snprintf(err, errlen, "%s: not signed: row %ld (line %ld): %s", csv,
		    res->bad_row, res->bad_line, res->problem);
		return 1;
	}
	if (have < 0) {
		snprintf(err, errlen, "%s: not signed: %s.head is not \"<64 hex digits> "
		    "<rows>\" (run report verify)", csv, csv);
		return 1;
	}
	if (have == 1 && (strcmp(head, res->last) != 0 || hrows != res->rows)) {
		snprintf(err, errlen, "%s: not signed: the file does not end at its "
		    "recorded head (run report verify)", csv);
		return 1;
	}
	if (res->rows == 0) {
		snprintf(err, errlen, "%s: not signed: no chained rows", csv);
		return 1;
	}
	return 0;
}

int
sign_file(const char *csv, EVP_PKEY *key, char *err, size_t errlen)
{
	chain_result   res;
	char           fp[80], when[40], msg[512], b64[SIGN_B64_LEN + 4];
	char           path[PATH_MAX + 8], text[640];
	unsigned char  sig[SIGN_SIG_LEN];
	size_t         siglen = sizeof sig;
	EVP_MD_CTX    *md;
	int            rc, n, ok;

	if ((rc = sign_read_checked(csv, &res, err, errlen)) != 0)
		return rc;
	if (!sign_key_fingerprint(key, fp)) {
		snprintf(err, errlen, "%s: the key is not an Ed25519 key", csv);
		return 2;
	}
	unit_format_time(unit_now_ms(), when, sizeof when);
	if ((n = sign_message(msg, sizeof msg, res.last, res.rows, fp, when)) < 0) {
		snprintf(err, errlen, "%s: signature text too long", csv);
		return 2;
	}
	md = EVP_MD_CTX_new();
	ok = md != NULL && EVP_DigestSignInit(md, NULL, NULL, NULL, key) == 1 &&
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)msg, (size_t)n) == 1 &&
	    siglen == SIGN_SIG_LEN;
	EVP_MD_CTX_free(md);
	if (!ok) {
		snprintf(err, errlen, "%s: signing failed (%s)", csv, sign_ssl_reason("libcrypto"));
		return 2;
	}
	EVP_EncodeBlock((unsigned char *)b64, sig, (int)siglen);
	snprintf(text, sizeof text, "%ssignature %s\n", msg, b64);
	snprintf(path, sizeof path, "%s" SIGN_SUFFIX, csv);
	if (sign_write_file(path, text, strlen(text)) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return 2;
	}
	snprintf(err, errlen, "%s: signed %ld rows, head %s, key %s", csv, res.rows,
	    res.last, fp);
	return 0;
}

/* The value of line "name value" at *p, moving *p past its line end. */
static bool
sign_field(const char **p, const char *end, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name);
	const char *eol = memchr(*p, '\n', (size_t)(end - *p));
	size_t vlen;

	if (eol == NULL || (size_t)(eol - *p) <= nl || strncmp(*p, name, nl) != 0 ||
	    (*p)[nl] != ' ')
		return false;
	vlen = (size_t)(eol - (*p + nl + 1));
	if (vlen == 0 || vlen >= len)
		return false;
	memcpy(out, *p + nl + 1, vlen);
	out[vlen] = '\0';
	*p = eol + 1;
	return true;
}

int
sign_check(const char *csv, const char *buf, size_t len, const chain_result *res,
    EVP_PKEY *key, char *why, size_t whylen)
{
	char          path[PATH_MAX + 8], head[80], rows[32], fp[96], when[64], b64[128];
	char          want_fp[80], *text, *rend;
	const char   *p, *end, *sigline;
	unsigned char sig[SIGN_SIG_LEN + 4];
	size_t        tlen;
	long          nrows;
	chain_result  at;
	EVP_MD_CTX   *md;
	int           ok;

	snprintf(path, sizeof path, "%s" SIGN_SUFFIX, csv);
	text = chain_slurp(path, &tlen);
	if (text == NULL && errno == ENOENT) {
		snprintf(why, whylen, "no signature (%s is missing): not signed", path);
		return 1;
	}
	if (text == NULL) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return 2;
	}
	p = text;
	end = text + tlen;
	ok = tlen > strlen(SIGN_MAGIC) && strncmp(p, SIGN_MAGIC "\n", strlen(SIGN_MAGIC) + 1) == 0;
	if (ok)
		p += strlen(SIGN_MAGIC) + 1;
	ok = ok && sign_field(&p, end, "algorithm", b64, sizeof b64) && strcmp(b64, "ed25519") == 0 &&
	    sign_field(&p, end, "head", head, sizeof head) &&
	    sign_field(&p, end, "rows", rows, sizeof rows) &&
	    sign_field(&p, end, "key", fp, sizeof fp) &&
	    sign_field(&p, end, "signed_at", when, sizeof when);
	sigline = p;
	ok = ok && sign_field(&p, end, "signature", b64, sizeof b64) && p == end &&
	    strlen(b64) == SIGN_B64_LEN && chain_is_hex(head, strlen(head));
	nrows = ok ? strtol(rows, &rend, 10) : 0;
	if (!ok || *rend != '\0' || nrows <= 0) {
		free(text);
		snprintf(why, whylen, "%s is not a dfota-station signature (edited?)", path);
		return 1;
	}
	if (!sign_key_fingerprint(key, want_fp) || strcmp(fp, want_fp) != 0) {
		free(text);
		snprintf(why, whylen, "signed with another key (%s), not the one given (%s)",
		    fp, want_fp);
		return 1;
	}
	if (strcmp(head, res->last) != 0 || nrows != res->rows) {
		free(text);
		chain_check(buf, len, head, &at);
		if (at.head_row > 0 && at.head_row == nrows && at.head_row < res->rows)
			snprintf(why, whylen, "rows %ld to %ld were added after the signature "
			    "(not covered by it; sign again)", nrows + 1, res->rows);
		else
			snprintf(why, whylen, "the signature is of another file or of rows "
			    "that are no longer there (signed head %.12s..., %ld rows; the file's "
			    "head %.12s..., %ld rows)", head, nrows, res->last, res->rows);
		return 1;
	}
	md = EVP_MD_CTX_new();
	ok = md != NULL && EVP_DecodeBlock(sig, (const unsigned char *)b64, SIGN_B64_LEN) == 66 &&
	    EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) == 1 &&
	    EVP_DigestVerify(md, sig, SIGN_SIG_LEN, (const unsigned char *)text,
	        (size_t)(sigline - text)) == 1;
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	free(text);
	if (!ok) {
		snprintf(why, whylen, "the signature does not verify (%s was edited, or "
		    "not made with this key)", path);
		return 1;
	}
	snprintf(why, whylen, "signature OK (key %s, signed %s)", fp, when);
	return 0;
}

static void
sign_usage(FILE *f)
{
	fputs("usage: dfota-station report sign --key KEY.pem CSV...\n"
	    "\n"
	    "Signs the chain head of each session CSV with the Ed25519 key\n"
	    "(PKCS#8 PEM, as `openssl genpkey -algorithm ed25519 -out KEY.pem`\n"
	    "writes it) into CSV.sig. A file whose chain is broken or that does\n"
	    "not end at its recorded head is not signed. Check with\n"
	    "`dfota-station report verify --pubkey PUB.pem CSV...`.\n"
	    "\n"
	    "Exit status: 0 every file signed, 1 a file was refused (changed or\n"
	    "empty), 2 usage error, a key or file that cannot be read.\n", f);
}

int
report_sign_run(int argc, char **argv, FILE *out, FILE *err)
{
	static const struct option opts[] = {
		{ "key",  required_argument, NULL, 'k' },
		{ "help", no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keypath = NULL;
	EVP_PKEY   *key;
	char        msg[PATH_MAX + 512];
	int         ch, worst = 0;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hk:", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			keypath = optarg;
			break;
		case 'h':
			sign_usage(out);
			return 0;
		case ':':
			fprintf(err, "report sign: %s needs a value\n", argv[optind - 1]);
			sign_usage(err);
			return 2;
		default:
			fprintf(err, "report sign: unknown option '%s'\n", argv[optind - 1]);
			sign_usage(err);
			return 2;
		}
	}
	if (keypath == NULL || optind >= argc) {
		fprintf(err, "report sign: %s\n", keypath == NULL ? "--key KEY.pem is required"
		    : "no CSV file given");
		sign_usage(err);
		return 2;
	}
	if ((key = sign_key_load_private(keypath, true, msg, sizeof msg)) == NULL) {
		fprintf(err, "report sign: %s\n", msg);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		int rc = sign_file(argv[i], key, msg, sizeof msg);

		fprintf(rc == 0 ? out : err, "%s%s\n", rc == 0 ? "" : "report sign: ", msg);
		/* A refused (changed) file is the finding that matters most. */
		if (rc == 1 || (rc == 2 && worst == 0))
			worst = rc;
	}
	sign_key_free(key);
	return worst;
}

int
report_sign_main(int argc, char **argv)
{
	return report_sign_run(argc, argv, stdout, stderr);
}
