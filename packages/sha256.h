/*
 * sha256: SHA-256 for package files and the report hash chain, from
 * OpenSSL's libcrypto (EVP), a maintained library, not a copy of our own.
 * Streaming: init, update any number of times, final (which frees).
 */
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>
#include <stdint.h>

struct evp_md_ctx_st;

/* One digest in progress; owned by whoever called sha256_init, released
 * by sha256_final (call it exactly once per init). */
typedef struct sha256_ctx {
	struct evp_md_ctx_st *md;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(sha256_ctx *c, uint8_t out[32]);
/* Lower-case hex of the digest of data; hex must hold 65 bytes. */
void sha256_hex(const void *data, size_t len, char hex[65]);
/* Of a whole file; 0, or -1 with errno set. */
int  sha256_file(const char *path, char hex[65], uint64_t *size);
void sha256_to_hex(const uint8_t digest[32], char hex[65]);

#endif
