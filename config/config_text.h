/*
 * config_text: the station file as text, checked before libconfig parses
 * it (size, line length, @include targets, integers too big for 64 bits;
 * a byte order mark dropped, a missing last newline added). See
 * config_text.c.
 */
#ifndef CONFIG_TEXT_H
#define CONFIG_TEXT_H

#include <stddef.h>

/* A station file is a few KiB; these are far beyond any real one. */
#define CONFIG_TEXT_MAX      (1024 * 1024)
#define CONFIG_TEXT_LINE_MAX 16384

/* Reads path; dir is the folder @include names are taken from ("" for
 * none). 0 with *out a malloc'ed NUL-terminated text for
 * config_read_string, or -1 with err naming the file (and line). */
int config_text_read(const char *path, const char *dir, char **out, char *err,
                     size_t errlen);

#endif
