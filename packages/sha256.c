/*
 * sha256: SHA-256 through OpenSSL's EVP interface.
 *
 * How it works: a context is an EVP_MD_CTX set up for EVP_sha256();
 * update feeds it, final writes the 32 bytes and frees it. libcrypto
 * fails here only when it cannot allocate a few hundred bytes or its
 * default provider is missing (a broken installation): then no digest the
 * station computed could be trusted, so it stops with a message instead
 * of writing a wrong hash into a report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "packages/sha256.h"

static void
sha256_fatal(const char *what)
{
	fprintf(stderr, "dfota: libcrypto SHA-256 failed in %s (out of memory, "
	    "or OpenSSL's default provider is missing)\n", what);
	abort();
}

void
sha256_init(sha256_ctx *c)
{
	c->md = EVP_MD_CTX_new();
	if (c->md == NULL || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1)
		sha256_fatal("init");
}

void
sha256_update(sha256_ctx *c, const void *data, size_t len)
{
	if (len > 0 && EVP_DigestUpdate(c->md, data, len) != 1)
		sha256_fatal("update");
}

void
sha256_final(sha256_ctx *c, uint8_t out[32])
{
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(c->md, out, &n) != 1 || n != 32)
		sha256_fatal("final");
	EVP_MD_CTX_free(c->md);
	c->md = NULL;
}

void
sha256_to_hex(const uint8_t digest[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 0x0f];
	}
	hex[64] = '\0';
}

void
sha256_hex(const void *data, size_t len, char hex[65])
{
	uint8_t digest[32];
	unsigned int n = 0;

	if (EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) != 1 || n != 32)
		sha256_fatal("one-shot digest");
	sha256_to_hex(digest, hex);
}

int
sha256_file(const char *path, char hex[65], uint64_t *size)
{
	uint8_t buf[65536], digest[32];
	sha256_ctx c;
	uint64_t total = 0;
	size_t n;
	FILE *f;
	int saved;

	f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	sha256_init(&c);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		sha256_update(&c, buf, n);
		total += n;
	}
	if (ferror(f)) {
		saved = errno != 0 ? errno : EIO;
		fclose(f);
		sha256_final(&c, digest);
		errno = saved;
		return -1;
	}
	fclose(f);
	sha256_final(&c, digest);
	sha256_to_hex(digest, hex);
	if (size != NULL)
		*size = total;
	return 0;
}
