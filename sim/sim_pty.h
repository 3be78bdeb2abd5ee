/*
 * sim_pty: the pseudo-terminal behind one emulated port, and the symlink
 * that gives it a stable name.
 *
 * The master side is the module; the station opens the slave through the
 * link, as it would open /dev/serial/by-path/... for a real module. The
 * emulator also keeps one slave descriptor of its own open (never read):
 * without it the master reports POLLHUP/EIO whenever no station holds the
 * slave, and the loop would spin. Closing both ends is how a module
 * "leaves the USB bus": the station's descriptor then reads EOF/EIO.
 */
#ifndef SIM_PTY_H
#define SIM_PTY_H

#include <stddef.h>

typedef struct sim_pty {
	int  master;    /* non-blocking, close-on-exec; -1 when closed */
	int  slave;     /* the emulator's own, never read              */
	char path[64];  /* /dev/pts/N                                  */
} sim_pty;

void sim_pty_init(sim_pty *p);
/* Opens a new raw pty pair. Returns 0, or -1 with a message in err. */
int  sim_pty_open(sim_pty *p, char *err, size_t errlen);
void sim_pty_close(sim_pty *p);

/* Points link at target atomically (temporary symlink in the same
 * directory, then rename), so a reader never sees a missing or half-made
 * link while it is being replaced. Refuses to replace anything that is not a
 * symlink. */
int  sim_link_point(const char *link, const char *target, char *err,
         size_t errlen);
/* Removes link if it is a symlink; anything else is left alone. */
void sim_link_remove(const char *link);

#endif
