/*
 * config_field: reads one libconfig group into a C struct by a table of
 * settings (name, type, required, range or rule, where it goes), and words
 * every error the same way:
 *
 *   FILE:LINE: PATH: what is wrong, and what is allowed
 *
 * PATH is the full setting path as a person would write it:
 * `policy.attempts`, `slots[1].baud` (list elements count from 0, as in
 * libconfig). Used by config.c and config_lists.c only; the rest of the
 * station sees the typed station_config.
 */
#ifndef CONFIG_FIELD_H
#define CONFIG_FIELD_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

/* The file being read, and where its errors go. */
typedef struct cfg_ctx {
	const char *file;             /* as given, for messages            */
	char        dir[CFG_PATH_MAX];/* its folder; "" when it names none */
	char       *err;
	size_t      errlen;
} cfg_ctx;

typedef enum cfg_field_kind {
	CFG_FIELD_STRING,   /* char[size]; `check` may add a rule            */
	CFG_FIELD_MODEL,    /* char[size]: a known model, stored as the table
	                       spells it ("bg96" -> "BG96")                  */
	CFG_FIELD_INT,      /* int, whole number in [min, max]               */
	CFG_FIELD_CHOICE,   /* int, one of choices[]                         */
	CFG_FIELD_SECONDS,  /* double; int or float, > min and <= max        */
	CFG_FIELD_BOOL,     /* bool                                          */
	CFG_FIELD_GROUP,    /* a { } group, read by the caller               */
	CFG_FIELD_LIST,     /* a ( ) list, read by the caller                */
} cfg_field_kind;

typedef struct cfg_field {
	const char     *name;
	cfg_field_kind  kind;
	bool            required;     /* strings: also must not be empty   */
	size_t          offset;       /* in the struct being filled        */
	size_t          size;         /* strings: the buffer, with the NUL */
	double          min, max;     /* INT, SECONDS                      */
	const int      *choices;      /* CHOICE                            */
	size_t          nchoices;
	bool          (*check)(const char *value); /* STRING: extra rule    */
	const char     *allowed;      /* STRING with check: what the rule allows */
} cfg_field;

/* Writes "FILE:LINE: PATH: <fmt...>" into ctx->err; the file and line are
 * those of `at` (or of the nearest parent that has a line). path may be NULL.
 * Always returns -1, so that callers can `return config_fail(...)`. */
int config_fail(const cfg_ctx *ctx, const config_setting_t *at,
                const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Checks that `group` is a group holding only the settings of the table,
 * and stores each one at base + offset. Settings that are absent keep
 * whatever base holds (the caller's defaults). 0 or -1. */
/* The member name of group, or NULL: one lookup for every reader. */
config_setting_t *config_member(const config_setting_t *group, const char *name);
int config_field_read(const cfg_ctx *ctx, const config_setting_t *group,
                      const char *path, const cfg_field *fields, size_t n,
                      void *base);

/* `rel` taken relative to the station file's folder (absolute paths stay).
 * 0, or -1 when the result does not fit in outlen. */
int config_field_resolve(const cfg_ctx *ctx, const char *rel, char *out,
                         size_t outlen);

/* Rules shared by tables. */
bool config_field_is_name(const char *s);     /* letters digits - _ .  */
bool config_field_is_usb_path(const char *s); /* 1-1.10.3             */
bool config_field_is_device(const char *s);   /* /dev/...  (absolute) */
bool config_field_is_sha256(const char *s);   /* 64 hex digits        */

#endif
