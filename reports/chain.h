/*
 * chain: the hash chain of the session files (docs/audit.md), shared by the
 * report writer, which extends it, and `report verify`, which checks it.
 *
 * Every data row ends with a row_sha256 field:
 *
 *   row_sha256 = hex(SHA-256(previous row's row_sha256 "\n" fields))
 *
 * where fields are the row's own bytes as written up to, not including,
 * the comma before row_sha256, and the first row under a header chains
 * from 64 zeros. The last row_sha256 of a file is also kept in the sidecar
 * <file>.head ("<64 hex> <rows>\n") so that rows cut off the end show.
 *
 * A file written by a version with fewer columns goes on under a new header
 * line naming the new set: the chain runs on across it (the first row
 * under it chains from the row above), so no row can be taken out around
 * it unseen. A repeated header with the same columns is an edit.
 */
#ifndef CHAIN_H
#define CHAIN_H

#include <stdbool.h>
#include <stddef.h>

#define CHAIN_COLUMN  "row_sha256"
#define CHAIN_HEX_LEN 64

/* 64 '0' characters: what the first row of a file chains from. */
void chain_zero(char head[CHAIN_HEX_LEN + 1]);
/* True when s is exactly 64 lower-case hex digits (len bytes). */
bool chain_is_hex(const char *s, size_t len);
/* row_sha256 of a row whose fields are fields[0..len), after prev. */
void chain_row_hash(const char *prev, const char *fields, size_t len,
                    char out[CHAIN_HEX_LEN + 1]);

/* "<csv>.head" into buf. */
void chain_head_path(const char *csv, char *buf, size_t len);
/* Reads the sidecar: 1 found (head and rows set), 0 there is none, -1
 * it is not "<64 hex> <rows>" or cannot be read (errno set). */
int  chain_head_read(const char *csv, char head[CHAIN_HEX_LEN + 1],
                     long *rows);

/* What one pass over a session file's bytes found. Rows are the data
 * rows of the file (headers not counted), numbered from 1; lines are the
 * file's lines, numbered from 1 (a row with a quoted line end spans two). */
typedef struct chain_result {
	bool   header;          /* the first record is a session header     */
	long   rows;            /* data rows under a row_sha256 header      */
	long   legacy_rows;     /* data rows under a header without it      */
	long   bad_row;         /* first broken row, 0 when none            */
	long   bad_line;
	char   problem[256];    /* what is wrong with bad_row               */
	bool   chained;         /* the last header has row_sha256           */
	char   last[CHAIN_HEX_LEN + 1];  /* row_sha256 of the last chained
	                                    row (zeros when none)          */
	long   head_row;        /* chained row whose row_sha256 equals the
	                           head given to chain_check, 0 none        */
	/* The end of the file, for the writer that continues it. */
	size_t complete_len;    /* bytes up to the last line end            */
	bool   tail_ok;         /* bytes after complete_len (if any) are a
	                           chained row that checks out              */
	long   complete_rows;   /* rows, last: as of complete_len           */
	char   complete_last[CHAIN_HEX_LEN + 1];
	bool   complete_chained;
	size_t complete_hdr;    /* the last header line before complete_len:
	                           offset and length (CR LF excluded), so the
	                           writer can tell an older column set      */
	size_t complete_hdr_len;
} chain_result;

/* Checks buf (a whole session file) and fills res. head: the sidecar's
 * value to look for among the rows, or NULL. */
void chain_check(const char *buf, size_t len, const char *head,
                 chain_result *res);
/* Reads a whole file into a malloc'ed buffer (NUL added, not counted).
 * NULL with errno set when it cannot be read. */
char *chain_slurp(const char *path, size_t *len);

#endif
