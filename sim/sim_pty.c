/*
 * sim_pty: posix_openpt/grantpt/unlockpt, raw mode set on the master (the
 * termios of a pty pair lives on the slave side, and the master fd reaches
 * it), and atomic symlink replacement. See sim_pty.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "sim/sim_pty.h"

void
sim_pty_init(sim_pty *p)
{
	p->master = -1;
	p->slave = -1;
	p->path[0] = '\0';
}

static int
make_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) != 0)
		return -1;
	/* No echo, no CR/LF translation, no signals: bytes pass unchanged,
	 * which the binary upload needs. */
	cfmakeraw(&t);
	return tcsetattr(fd, TCSANOW, &t);
}

int
sim_pty_open(sim_pty *p, char *err, size_t errlen)
{
	const char *name;
	int fl;

	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->master < 0) {
		snprintf(err, errlen, "posix_openpt: %s", strerror(errno));
		return -1;
	}
	if (grantpt(p->master) != 0 || unlockpt(p->master) != 0 ||
	    (name = ptsname(p->master)) == NULL) {
		snprintf(err, errlen, "pty setup: %s", strerror(errno));
		goto fail;
	}
	snprintf(p->path, sizeof p->path, "%s", name);
	if (make_raw(p->master) != 0) {
		snprintf(err, errlen, "raw mode on %s: %s", p->path,
		    strerror(errno));
		goto fail;
	}
	p->slave = open(p->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->slave < 0) {
		snprintf(err, errlen, "open %s: %s", p->path, strerror(errno));
		goto fail;
	}
	fl = fcntl(p->master, F_GETFL);
	if (fl < 0 || fcntl(p->master, F_SETFL, fl | O_NONBLOCK) != 0) {
		snprintf(err, errlen, "O_NONBLOCK: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	sim_pty_close(p);
	return -1;
}

void
sim_pty_close(sim_pty *p)
{
	if (p->slave >= 0)
		close(p->slave);
	if (p->master >= 0)
		close(p->master);
	sim_pty_init(p);
}

int
sim_link_point(const char *link, const char *target, char *err, size_t errlen)
{
	char tmp[4352];
	struct stat st;

	if (lstat(link, &st) == 0 && !S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a symlink", link);
		return -1;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", link, (long)getpid());
	(void)unlink(tmp);
	if (symlink(target, tmp) != 0) {
		snprintf(err, errlen, "symlink %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (rename(tmp, link) != 0) {
		snprintf(err, errlen, "rename %s: %s", link, strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

void
sim_link_remove(const char *link)
{
	struct stat st;

	if (link[0] != '\0' && lstat(link, &st) == 0 && S_ISLNK(st.st_mode))
		(void)unlink(link);
}
