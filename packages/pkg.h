/*
 * pkg: the package catalog. Loads the packages of the station file, checks
 * each file against its sha256 (a mismatch refuses to load), and chooses
 * what a unit needs from its (model, revision):
 *
 *   - already at its target           -> PKG_PLAN_SKIP
 *   - a package (or, with a target, the shortest chain of packages) that
 *     leads there                     -> PKG_PLAN_UPDATE with the hops
 *   - nothing applies                 -> PKG_PLAN_NONE
 *
 * Without a target for the model, the target is the `to` of the one package
 * whose `from` matches; a unit whose revision is the `to` of some package
 * (and the `from` of none) is already where it should be.
 */
#ifndef PKG_H
#define PKG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define PKG_MAX_HOPS 16

typedef struct pkg {
	char     model[32];
	char     from[96];
	char     to[96];
	char     file[CFG_PATH_MAX];  /* "" for url packages               */
	char     url[1024];           /* "" for file packages              */
	char     name[256];           /* file basename, or the url         */
	char     sha256[65];          /* computed for files; given for urls */
	uint64_t size;                /* file size; 0 for urls              */
	char     apn[64];             /* BG95/BG77 DFOTA APN; "" for none   */
	cfg_certs certs;              /* HTTPS certificates; "" for none    */
	int      line;                /* in the station file                */
} pkg;

typedef struct pkg_catalog {
	pkg        *items;
	size_t      n;
	cfg_target *targets;          /* copied from the config             */
	size_t      ntargets;
} pkg_catalog;

typedef enum pkg_plan_kind {
	PKG_PLAN_NONE = 0,
	PKG_PLAN_SKIP,
	PKG_PLAN_UPDATE,
} pkg_plan_kind;

typedef struct pkg_plan {
	pkg_plan_kind kind;
	const pkg    *hops[PKG_MAX_HOPS];
	size_t        nhops;
	char          target[96];     /* where the unit should end up       */
} pkg_plan;

/* 0, or -1 with "FILE:LINE: packages[i].file: ..." in err. */
int  pkg_catalog_load(pkg_catalog *cat, const station_config *cfg,
                      char *err, size_t errlen);
void pkg_catalog_free(pkg_catalog *cat);

/* Always fills plan; returns plan->kind. */
pkg_plan_kind pkg_select(const pkg_catalog *cat, const char *model,
                         const char *revision, pkg_plan *plan);

/* A package revision matches what a module reports when equal (ignoring
 * case), or when the module's string is the revision followed by '_' and a
 * build suffix (AT+QGMR: "BG96MAR02A07M1G_01.016.01.016"). */
bool pkg_revision_match(const char *pkg_rev, const char *module_rev);
/* The one form a revision takes in fw_before, fw_target and fw_after (the
 * report, the grid, the central store): spaces around it dropped, upper
 * case, and AT+QGMR's build suffix ("_01.016.01.016": '_' then digits and
 * dots) cut, so "BG96MAR02A08M1G_01.016.01.016" and a package's "to" of
 * "bg96mar02a08m1g" are both "BG96MAR02A08M1G". The module's raw answers
 * stay in the unit's timeline. */
void pkg_revision_form(const char *raw, char *out, size_t len);

/* The plan's hop names / sha256s joined by " > " into buf. */
void pkg_plan_names(const pkg_plan *plan, char *buf, size_t len);
void pkg_plan_sha256s(const pkg_plan *plan, char *buf, size_t len);

/* Reads a file package whole; the caller frees *data. 0 or -1 (errno). */
int  pkg_read(const pkg *p, uint8_t **data, size_t *len);

#endif
