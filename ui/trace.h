/*
 * trace: the --verbose output. A bus sink that prints every event -- each
 * command sent, each line received, port losses and returns, notes -- as
 * one human-readable line on stderr, prefixed with time and slot.
 */
#ifndef TRACE_H
#define TRACE_H

#include <stdio.h>

#include "station/bus.h"

void trace_on_event(void *file, const bus_event *ev);   /* a bus_sink; ctx is a FILE* */

#endif
