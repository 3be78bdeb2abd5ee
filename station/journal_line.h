/*
 * journal_line: the journal's line codec, pure functions over text.
 *
 * One line is one record: a kind word (BEGIN, PHASE, END, ROW), the time,
 * then " key=value" tokens with every value percent-escaped (so a value is
 * one space-free printable token whatever bytes it holds), and a CRC-32 of
 * everything before it at the end. journal_parse() reads a line back and
 * refuses any line whose CRC, kind, keys or values do not check out, so a
 * torn or damaged line is skipped, never half-applied. No I/O here: the
 * journal (journal.c) owns the file; a fuzz target (tests/fuzz/
 * fuzz_journal.c) feeds journal_parse() any bytes.
 */
#ifndef JOURNAL_LINE_H
#define JOURNAL_LINE_H

#include <stddef.h>
#include <stdint.h>

#include "station/journal.h"
#include "station/unit.h"

enum journal_kind { JOURNAL_BEGIN, JOURNAL_PHASE, JOURNAL_END, JOURNAL_ROW };

/* One line read back. */
typedef struct journal_rec {
	enum journal_kind kind;
	int64_t           ts;
	unit_record       u;          /* BEGIN: all; others: slot, imei */
	unit_phase        phase;
	int               percent;
	unit_result       result;
	char              day[16];    /* ROW */
	char             *row;        /* ROW: malloc'ed, taken by apply */
} journal_rec;

/* Each builds one whole line, its line end included, in a malloc'ed buffer
 * (len: its length); NULL when out of memory. */
char *journal_line_begin(const unit_record *u, int64_t ts, size_t *len);
char *journal_line_phase(const char *slot, const char *imei, unit_phase ph,
                         int percent, int64_t ts, size_t *len);
char *journal_line_end(const char *slot, const char *imei, unit_result r,
                       int64_t ts, size_t *len);
char *journal_line_row(const journal_waiting *r, int64_t ts, size_t *len);
/* Reads one line (without its line end) into rec: 0, or -1 for a line
 * that is damaged or not a record. A ROW's text is malloc'ed into rec->row
 * for the caller. */
int   journal_parse(const char *line, size_t len, journal_rec *rec);

#endif
