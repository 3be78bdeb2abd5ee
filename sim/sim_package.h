/*
 * sim_package: the emulation's delta package format.
 *
 * A real delta is opaque; the emulator needs to know which update a file
 * stands for, so its packages start with one text line
 *
 *     DFOTA-SIM-DELTA model=<M> from=<REV> to=<REV>\n
 *
 * followed by pseudo-random filler up to the requested size. The module
 * parses that line when the update runs; a file without it is a package
 * that fails the module's check. `dfota-sim make-package` writes them.
 */
#ifndef SIM_PACKAGE_H
#define SIM_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sim_spec.h"

#define SIM_PACKAGE_MAGIC "DFOTA-SIM-DELTA"

typedef struct sim_package {
	char model[16];
	char from[SIM_REV_MAX];
	char to[SIM_REV_MAX];
} sim_package;

/* Returns 0 when data starts with a well-formed header, else -1. */
int sim_package_parse(const uint8_t *data, size_t len, sim_package *p);
/* `dfota-sim make-package ...` (argv[0] is "make-package"). Exit status. */
int sim_package_main(int argc, char **argv);

#endif
