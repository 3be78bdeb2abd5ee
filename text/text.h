/*
 * text: the two facts about bytes every output of the project needs, in one
 * place below everything else (dialects/ is its only peer).
 *
 *   text_utf8_seq()     how long the valid UTF-8 sequence at p is (0: none)
 *   text_json_string()  a JSON string literal of any bytes: valid UTF-8 is
 *                       kept, control bytes and invalid bytes are \u00XX
 *
 * The CSV writer (reports/csv.c), the headless JSON lines (ui/headless.c),
 * the summaries (reports/summary.c) and `--list --headless`
 * (station/discovery.c) all write through these, so a module that sends
 * garbage is shown the same way everywhere.
 */
#ifndef DFOTA_TEXT_H
#define DFOTA_TEXT_H

#include <stdio.h>

/* Length (1-4) of the valid UTF-8 sequence at p, 0 when p starts an invalid
 * one (overlong, surrogate, above U+10FFFF, truncated, stray continuation).
 * p is NUL-terminated; the NUL itself counts as a 1-byte sequence. */
int  text_utf8_seq(const unsigned char *p);

/* Writes s as a JSON string literal ("null" when s is NULL). */
void text_json_string(FILE *f, const char *s);

#endif
