/*
 * sha256: FIPS 180-4 SHA-256, written here so that a package file can be
 * checked against the digest in the station file without a crypto library.
 *
 * How it works: bytes are gathered in a 64-byte block; each full block runs
 * the 64-round compression over the eight state words. sha256_final appends
 * the 0x80 byte, zero padding and the message length in bits (big-endian),
 * which may take one extra block. The context holds no pointers, so it can
 * be copied and kept on the stack.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "packages/sha256.h"

/* The first 32 bits of the fractional parts of the cube roots of the first
 * 64 primes (FIPS 180-4, 4.2.2). */
static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* Initial hash value (FIPS 180-4, 5.3.3). */
static const uint32_t sha256_h0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static uint32_t
sha256_rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t
sha256_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
sha256_store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One 512-bit block into the state (FIPS 180-4, 6.2.2). */
static void
sha256_compress(uint32_t state[8], const uint8_t block[64])
{
	uint32_t w[64], a, b, c, d, e, f, g, h;

	for (int t = 0; t < 16; t++)
		w[t] = sha256_load_be32(block + 4 * t);
	for (int t = 16; t < 64; t++) {
		uint32_t s0 = sha256_rotr(w[t - 15], 7) ^
		    sha256_rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32_t s1 = sha256_rotr(w[t - 2], 17) ^
		    sha256_rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}

	a = state[0]; b = state[1]; c = state[2]; d = state[3];
	e = state[4]; f = state[5]; g = state[6]; h = state[7];
	for (int t = 0; t < 64; t++) {
		uint32_t S1 = sha256_rotr(e, 6) ^ sha256_rotr(e, 11) ^
		    sha256_rotr(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = h + S1 + ch + sha256_k[t] + w[t];
		uint32_t S0 = sha256_rotr(a, 2) ^ sha256_rotr(a, 13) ^
		    sha256_rotr(a, 22);
		uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
		uint32_t t2 = S0 + maj;

		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	state[0] += a; state[1] += b; state[2] += c; state[3] += d;
	state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

void
sha256_init(sha256_ctx *c)
{
	memcpy(c->state, sha256_h0, sizeof c->state);
	c->bits = 0;
	c->used = 0;
}

void
sha256_update(sha256_ctx *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	c->bits += (uint64_t)len * 8;
	/* Top up a partial block first, then take whole blocks straight from
	 * the caller's buffer, and keep the tail for the next call. */
	if (c->used > 0) {
		size_t take = 64 - c->used;

		if (take > len)
			take = len;
		memcpy(c->block + c->used, p, take);
		c->used += take;
		p += take;
		len -= take;
		if (c->used < 64)
			return;
		sha256_compress(c->state, c->block);
		c->used = 0;
	}
	while (len >= 64) {
		sha256_compress(c->state, p);
		p += 64;
		len -= 64;
	}
	memcpy(c->block, p, len);
	c->used = len;
}

void
sha256_final(sha256_ctx *c, uint8_t out[32])
{
	uint64_t bits = c->bits;

	c->block[c->used++] = 0x80;
	/* No room for the 8-byte length: pad this block out and use another. */
	if (c->used > 56) {
		memset(c->block + c->used, 0, 64 - c->used);
		sha256_compress(c->state, c->block);
		c->used = 0;
	}
	memset(c->block + c->used, 0, 56 - c->used);
	for (int i = 0; i < 8; i++)
		c->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_compress(c->state, c->block);

	for (int i = 0; i < 8; i++)
		sha256_store_be32(out + 4 * i, c->state[i]);
	/* Leave nothing of the message behind in the context. */
	memset(c, 0, sizeof *c);
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
	sha256_ctx c;
	uint8_t digest[32];

	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final(&c, digest);
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
