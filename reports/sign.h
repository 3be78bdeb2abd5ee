/*
 * sign: Ed25519 signatures of a session file's chain head (docs/audit.md
 * §4), so that a report proves who closed it, not only that it is whole.
 *
 * `report sign --key KEY.pem CSV...` writes <csv>.sig beside each file:
 *
 *   dfota-station-signature 1
 *   algorithm ed25519
 *   head <row_sha256 of the last row, 64 hex>
 *   rows <number of chained rows>
 *   key sha256:<SHA-256 of the 32-byte raw public key, 64 hex>
 *   signed_at <ISO 8601 UTC>
 *   signature <base64 of the 64-byte Ed25519 signature>
 *
 * The signature is over the file's bytes before the "signature " line (the
 * six lines above it, each ending in "\n"). `report verify --pubkey` checks
 * the chain as always, then that the signed head is the file's last row,
 * the rows agree, the key is the one given, and the signature verifies.
 */
#ifndef SIGN_H
#define SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "reports/chain.h"

struct evp_pkey_st;

#define SIGN_SUFFIX ".sig"

/* Keys: PEM files as `openssl genpkey -algorithm ed25519` (PKCS#8 private)
 * and `openssl pkey -pubout` (SubjectPublicKeyInfo) write them. NULL with
 * "PATH: reason" in err when the file is missing, unreadable or not an
 * Ed25519 key. Free with sign_key_free. */
/* interactive: a passphrase-protected key may ask on the terminal (report
 * sign); the station never asks and refuses such a key. */
struct evp_pkey_st *sign_key_load_private(const char *path, bool interactive,
                                          char *err, size_t errlen);
struct evp_pkey_st *sign_key_load_public(const char *path, char *err, size_t errlen);
void                sign_key_free(struct evp_pkey_st *key);
/* "sha256:<hex>" of the raw public key (of a private key: of its public
 * half); false on a key that is not Ed25519. */
bool                sign_key_fingerprint(struct evp_pkey_st *key, char out[80]);

/* Signs the chain head of csv into csv.sig (temporary file, fsync,
 * rename). Refuses a file whose chain is broken or that does not end at
 * its recorded head, and a file without rows. 0 signed ("head" and "rows"
 * set when not NULL), 1 refused (reason in err), 2 unreadable/not a report
 * or the signature could not be written (reason in err). */
int  sign_file(const char *csv, struct evp_pkey_st *key, char *err, size_t errlen);

/* Checks csv.sig against a chain that verify found intact (res, from
 * chain_check of the same bytes) with key: 0 the signature holds, 1 it does
 * not or is missing (the reason in why), 2 csv.sig cannot be read. */
int  sign_check(const char *csv, const char *buf, size_t len, const chain_result *res,
                struct evp_pkey_st *key, char *why, size_t whylen);

/* `report sign --key KEY.pem CSV...`; argv[0] is "sign". 0 every file
 * signed, 1 a file was refused (changed), 2 usage, key or file error. */
int  report_sign_main(int argc, char **argv);
int  report_sign_run(int argc, char **argv, FILE *out, FILE *err);

#endif
