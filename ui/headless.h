/*
 * headless: the --headless output. A bus sink that prints one JSON object
 * per line on stdout for every state change of a slot, e.g.
 *
 * {"ts":"2026-11-21T10:00:01.123Z","slot":"A1","unit":"861234567890123",
 *  "phase":"UPDATING","percent":42,"error":null}
 *
 * a "result" object when a unit finishes, and a final summary object.
 */
#ifndef HEADLESS_H
#define HEADLESS_H

#include <stdio.h>

#include "station/bus.h"

typedef struct headless headless;

headless *headless_new(FILE *out);
void      headless_on_event(void *h, const bus_event *ev); /* a bus_sink */
/* The last line: counts per result and the exit status. */
void      headless_finish(headless *h, int exit_status);
void      headless_free(headless *h);
/* A station that cannot start (bad station file, no USB): one line
 * {"ts","error":{"file","line","setting","message"},"exit"} from the
 * message it also prints on stderr ("FILE:LINE: SETTING: text"; a message
 * that starts "PATH: " names the file path, the station file). */
void      headless_fail(FILE *out, const char *path, const char *message, int exit_status);

#endif
