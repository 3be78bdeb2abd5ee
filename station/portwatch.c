/*
 * portwatch: wakes the workers of serial slots when their port appears.
 *
 * A serial slot's port is a name in a folder (/dev/ttyUSB3,
 * /dev/serial/by-path/..., a bridge's link). A worker whose port is not
 * there waits on its wake pipe; this module writes a byte into it when its
 * name changes in the folder. It takes one inotify instance for the whole
 * station, never one per slot: the kernel allows a user 128 instances by
 * default (fs.inotify.max_user_instances), and a station of 128 slots
 * would otherwise take them all, from itself and from every other
 * program of that user.
 *
 * How it works: every entry is (folder, name, wake fd, watch descriptor).
 * Entries in one folder share the kernel's watch descriptor. The thread
 * polls the inotify fd and its stop pipe; an event with a name wakes the
 * entries of that name, an event without one (the folder was deleted or
 * moved) wakes every entry of the folder and drops its watch. Folders
 * without a watch are tried again once a second -- by-path folders go with
 * the last adapter and come back with the next -- and their entries are
 * woken when the watch is back, since the name may have come with it.
 *
 * The folders are watched in portwatch_start, before any worker first
 * looks for its port. Stopping: the stop pipe, then join. Only the thread
 * touches the entries once it has started.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "station/portwatch.h"

#define PORTWATCH_MASK (IN_CREATE | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
#define PORTWATCH_RETRY_MS 1000

typedef struct portwatch_entry {
	char dir[PATH_MAX];
	char name[NAME_MAX + 1];
	int  wake_fd;
	int  wd;              /* -1: the folder is not watched (now) */
} portwatch_entry;

struct portwatch {
	portwatch_entry *entries;
	size_t           n, cap;
	int              fd;
	int              stop_pipe[2];
	bool             missing;         /* at the start: a folder not there */
	pthread_t        thread;
	bool             started;
};

portwatch *
portwatch_new(void)
{
	portwatch *pw = calloc(1, sizeof *pw);

	if (pw == NULL)
		return NULL;
	pw->fd = pw->stop_pipe[0] = pw->stop_pipe[1] = -1;
	return pw;
}

int
portwatch_add(portwatch *pw, const char *path, int wake_fd)
{
	portwatch_entry *e;
	const char      *slash = strrchr(path, '/');

	if (pw->started || slash == NULL || slash[1] == '\0')
		return -1;
	if (pw->n == pw->cap) {
		size_t cap = pw->cap != 0 ? pw->cap * 2 : 16;
		void  *p = realloc(pw->entries, cap * sizeof *pw->entries);
		if (p == NULL)
			return -1;
		pw->entries = p;
		pw->cap = cap;
	}
	e = &pw->entries[pw->n];
	if (slash == path)
		snprintf(e->dir, sizeof e->dir, "/");
	else
		snprintf(e->dir, sizeof e->dir, "%.*s", (int)(slash - path), path);
	snprintf(e->name, sizeof e->name, "%s", slash + 1);
	e->wake_fd = wake_fd;
	e->wd = -1;
	pw->n++;
	return 0;
}

static void
portwatch_wake(const portwatch_entry *e)
{
	ssize_t n = write(e->wake_fd, "w", 1);

	(void)n;   /* a full pipe wakes the worker all the same */
}

/* Watches the folders that have no watch; true while some still have
 * none. A folder that comes back wakes its entries. */
static bool
portwatch_rewatch(portwatch *pw, bool wake)
{
	bool missing = false;

	for (size_t i = 0; i < pw->n; i++) {
		portwatch_entry *e = &pw->entries[i];
		if (e->wd >= 0)
			continue;
		e->wd = inotify_add_watch(pw->fd, e->dir, PORTWATCH_MASK);
		if (e->wd < 0)
			missing = true;
		else if (wake)
			portwatch_wake(e);
	}
	return missing;
}

static void
portwatch_event(portwatch *pw, const struct inotify_event *ev)
{
	bool folder = (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) != 0;

	for (size_t i = 0; i < pw->n; i++) {
		portwatch_entry *e = &pw->entries[i];
		if (e->wd != ev->wd)
			continue;
		if (folder || (ev->len > 0 && strcmp(ev->name, e->name) == 0))
			portwatch_wake(e);
		if (ev->mask & IN_IGNORED)
			e->wd = -1;
	}
	/* A folder moved away keeps its watch; drop it (IN_IGNORED follows)
	 * so that the name is watched again where it is looked for. */
	if (ev->mask & IN_MOVE_SELF)
		inotify_rm_watch(pw->fd, ev->wd);
}

static void *
portwatch_main(void *arg)
{
	portwatch *pw = arg;
	char       buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool       missing = pw->missing;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = pw->stop_pipe[0], .events = POLLIN },
			{ .fd = pw->fd, .events = POLLIN },
		};
		ssize_t n;

		if (poll(pfd, 2, missing ? PORTWATCH_RETRY_MS : -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents != 0)
			break;
		while ((n = read(pw->fd, buf, sizeof buf)) > 0)
			for (char *p = buf; p < buf + n;) {
				const struct inotify_event *ev = (const void *)p;
				portwatch_event(pw, ev);
				p += sizeof *ev + ev->len;
			}
		missing = portwatch_rewatch(pw, true);
	}
	return NULL;
}

int
portwatch_start(portwatch *pw, char *err, size_t errlen)
{
	if (pw->n == 0)
		return 0;
	pw->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (pw->fd < 0) {
		snprintf(err, errlen, "cannot watch the serial ports' folders (inotify: %s%s); "
		    "slots look for their port every 20 ms instead", strerror(errno),
		    errno == EMFILE ? ", see fs.inotify.max_user_instances" : "");
		return -1;
	}
	/* Watched before the workers' first look: no name slips between. */
	pw->missing = portwatch_rewatch(pw, false);
	if (pipe2(pw->stop_pipe, O_CLOEXEC) != 0 ||
	    pthread_create(&pw->thread, NULL, portwatch_main, pw) != 0) {
		snprintf(err, errlen, "cannot start the port watch: %s", strerror(errno));
		return -1;
	}
	pw->started = true;
	return 0;
}

void
portwatch_free(portwatch *pw)
{
	if (pw == NULL)
		return;
	if (pw->started) {
		ssize_t n = write(pw->stop_pipe[1], "s", 1);
		(void)n;
		pthread_join(pw->thread, NULL);
	}
	if (pw->stop_pipe[0] >= 0)
		close(pw->stop_pipe[0]);
	if (pw->stop_pipe[1] >= 0)
		close(pw->stop_pipe[1]);
	if (pw->fd >= 0)
		close(pw->fd);
	free(pw->entries);
	free(pw);
}
