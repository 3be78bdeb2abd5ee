/*
 * verify: `dfota-station report verify CSV...` recomputes the row hash
 * chain of each session file (docs/audit.md) and compares its end with the
 * <file>.head sidecar the writer keeps.
 */
#ifndef VERIFY_H
#define VERIFY_H

#include <stdio.h>

/* argv[0] is the command's own name ("verify"); files follow. Prints one
 * line per file to stdout ("FILE: OK <n> rows, head <hex>" or the first
 * problem, "FILE: row 7 (line 8): ..."), messages about unreadable files
 * to stderr. 0 every file checks out, 1 at least one file was changed
 * (whatever else happened), 2 usage error or a file that could not be read
 * as a session report. */
int report_verify_main(int argc, char **argv);
/* The same, printing to out and err. */
int report_verify_run(int argc, char **argv, FILE *out, FILE *err);

#endif
