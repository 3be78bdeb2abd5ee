/*
 * csv: RFC 4180 writing and reading, shared by the report writer, the
 * timelines and `report summary`.
 *
 * Writing quotes a field when it holds a comma, a quote, CR or LF; a field
 * that a spreadsheet would run as a formula (starts with = + - @, or a tab
 * or CR) gets a leading '. Bytes that are not valid UTF-8 and control bytes
 * other than tab/CR/LF are written as \xHH so the file stays valid UTF-8.
 */
#ifndef CSV_H
#define CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Appends one escaped field to buf (NUL-terminated); returns the length it
 * needed (like snprintf). The field is written from buf[0], as snprintf
 * would; quotes included, never more than len - 1 bytes. */
size_t csv_escape(char *buf, size_t len, const char *field, bool formula_guard);
int    csv_write_row(FILE *f, const char *const *fields, int n, bool formula_guard);

/* Reading: one record at a time, fields split and unquoted. */
typedef struct csv_reader {
	FILE  *f;
	char **fields;     /* owned by the reader, valid until the next call */
	int    nfields;
	int    cap;
	char  *buf;
	size_t buflen;
	long   line;       /* line the last record started on */
} csv_reader;

void csv_reader_init(csv_reader *r, FILE *f);
/* 1: a record; 0: end of file; -1: malformed (unterminated quote). */
int  csv_read_record(csv_reader *r);
void csv_reader_free(csv_reader *r);

#endif
