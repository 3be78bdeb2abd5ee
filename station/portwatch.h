/*
 * portwatch: one inotify instance and one thread for every serial slot's
 * port name, so that a worker waiting for its port is woken the moment the
 * name appears (see portwatch.c).
 */
#ifndef PORTWATCH_H
#define PORTWATCH_H

#include <stddef.h>

typedef struct portwatch portwatch;

/* An empty watch; NULL when out of memory. */
portwatch *portwatch_new(void);
/* Before portwatch_start: a byte goes to wake_fd whenever the name of
 * path changes in its folder (created, replaced, attributes changed) or
 * the folder itself goes or comes back. */
int        portwatch_add(portwatch *pw, const char *path, int wake_fd);
/* Starts the thread. -1 (with the reason in err) when inotify cannot be
 * had, e.g. the user's inotify instances are used up: the workers then
 * poll, as without a watch. */
int        portwatch_start(portwatch *pw, char *err, size_t errlen);
/* Stops the thread (if started) and frees everything; NULL is fine. */
void       portwatch_free(portwatch *pw);

#endif
