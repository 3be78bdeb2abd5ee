/*
 * grid: the operator's live screen (ncursesw). One cell per slot shows,
 * readable from two metres, which units run, which passed and which to
 * pull, and why; keys act on the selected slot (see grid.c for the keys).
 *
 * The grid is a bus sink that only updates its model under its own lock
 * (grid_on_event never draws and never blocks the bus). Its UI thread reads
 * the keys and redraws from the model at most GRID_FPS times a second, and
 * only when something changed.
 *
 *   g = grid_new(&st, &cfg, path);  takes the terminal; NULL when it cannot
 *   ... register grid_on_event with ctx g, station_init(&st, ...)
 *   grid_start(g);                  after station_init, before station_run
 *   ... station_run(&st); bus_stop(b);
 *   grid_free(g);                   stops the UI thread, gives the terminal back
 */
#ifndef GRID_H
#define GRID_H

#include "config/config.h"
#include "station/bus.h"
#include "station/station.h"

#define GRID_FPS 10

typedef struct grid grid;

/* st is not read before grid_start (it may not be initialised yet);
 * session_report_path is copied ("" or NULL: no reports). */
grid *grid_new(station *st, const station_config *cfg, const char *session_report_path);
/* Starts the UI thread; 0, or -1 when no thread could be made. */
int   grid_start(grid *g);
void  grid_on_event(void *g, const bus_event *ev);   /* a bus_sink */
/* Stops and joins the UI thread, restores the terminal and prints one line
 * with the session's counts. NULL is ignored. */
void  grid_free(grid *g);

#endif
