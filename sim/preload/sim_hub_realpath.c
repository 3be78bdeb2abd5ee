/*
 * sim_hub_realpath: an LD_PRELOAD object that `dfota-sim hub` puts in front
 * of umockdev's preload for the command it runs in the testbed.
 *
 * Why: umockdev 0.17's realpath() wrapper redirects a /dev path into the
 * testbed and then cuts the testbed prefix off the result -- also when
 * the /dev node is a symlink out of the testbed, as every emulated tty is
 * (umockdev's own, and the hub's links to the module ptys). The result,
 * "/dev/pts/N", is shorter than the prefix and the cut corrupts memory.
 * Any program that resolves its serial port (dfota-station does, for
 * by-path names) crashes under umockdev without this.
 *
 * What: a real device node resolves to itself, so for a /dev path whose
 * testbed node is a link to a pty this answers the path as given; every
 * other path goes on to the next realpath (umockdev's, then libc's).
 * Not linked into any program: built as its own shared object.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *realpath(const char *path, char *resolved);
char *__realpath_chk(const char *path, char *resolved, size_t len);

/* Whether path is an emulated tty: its testbed node links to a pty. */
static int
hubfix_emulated_tty(const char *path)
{
	const char *dir = getenv("UMOCKDEV_DIR");
	char        node[PATH_MAX], target[32];
	ssize_t     n;

	if (dir == NULL || path == NULL || strncmp(path, "/dev/", 5) != 0)
		return 0;
	if (snprintf(node, sizeof node, "%s%s", dir, path) >= (int)sizeof node)
		return 0;
	n = readlink(node, target, sizeof target - 1);
	return n >= 9 && strncmp(target, "/dev/pts/", 9) == 0;
}

static char *
hubfix_self(const char *path, char *resolved, size_t len)
{
	if (strlen(path) >= len) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (resolved == NULL)
		return strdup(path);
	memcpy(resolved, path, strlen(path) + 1);
	return resolved;
}

char *
realpath(const char *path, char *resolved)
{
	char *(*next)(const char *, char *);

	if (hubfix_emulated_tty(path))
		return hubfix_self(path, resolved, PATH_MAX);
	*(void **)&next = dlsym(RTLD_NEXT, "realpath");
	return next(path, resolved);
}

char *
__realpath_chk(const char *path, char *resolved, size_t len)
{
	char *(*next)(const char *, char *, size_t);

	if (hubfix_emulated_tty(path))
		return hubfix_self(path, resolved, len < PATH_MAX ? len : PATH_MAX);
	*(void **)&next = dlsym(RTLD_NEXT, "__realpath_chk");
	return next(path, resolved, len);
}
