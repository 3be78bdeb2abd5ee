/*
 * sim_hub_uevent: lets the hub's uevents wait for a slow listener instead
 * of killing the hub.
 *
 * umockdev (0.17) delivers each uevent of the testbed with sendmsg() on a
 * non-blocking AF_UNIX datagram socket connected to every listener's
 * socket, and exits the whole process when that fails -- as it does with
 * EAGAIN as soon as a listener has net.unix.max_dgram_qlen messages
 * queued, 10 by default. Each module the hub enumerates is 3 uevents, so
 * a station whose monitor thread is a few milliseconds late while 32
 * modules arrive at once ended the testbed (seen in make bench: "uevent_sender
 * sendmsg_one: sendmsg failed: Resource temporarily unavailable"). A real
 * kernel's uevent socket has a buffer of megabytes, so the station should
 * see a late read cost time, not the bus.
 *
 * How: dfota-sim defines sendmsg() itself. A symbol of the executable
 * comes first in the dynamic linker's lookup, so libumockdev's call lands
 * here; this one calls the next sendmsg (libc's, or a sanitizer's) and,
 * for an AF_UNIX datagram socket that answers EAGAIN, waits with poll()
 * until the listener has room (POLLOUT on a connected datagram socket
 * means exactly that), up to HUB_UEVENT_WAIT_MS in all. Any other socket,
 * error or kind of send goes through untouched.
 */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#define HUB_UEVENT_WAIT_MS 30000

typedef ssize_t (*hub_sendmsg_fn)(int, const struct msghdr *, int);

static int
hub_uevent_socket(int fd)
{
	int       type = 0;
	socklen_t len = sizeof type;
	struct sockaddr_storage ss;
	socklen_t slen = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &slen) != 0 || ss.ss_family != AF_UNIX)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0)
		return 0;
	return type == SOCK_RAW || type == SOCK_DGRAM;
}


ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static hub_sendmsg_fn next;
	int                   waited = 0;

	if (next == NULL)
		next = (hub_sendmsg_fn)dlsym(RTLD_NEXT, "sendmsg");
	if (next == NULL) {
		errno = ENOSYS;
		return -1;
	}
	for (;;) {
		ssize_t n = next(fd, msg, flags);
		if (n >= 0 || errno != EAGAIN || (flags & MSG_DONTWAIT) != 0 ||
		    waited >= HUB_UEVENT_WAIT_MS || !hub_uevent_socket(fd))
			return n;
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		poll(&p, 1, 50);
		waited += 50;
		errno = EAGAIN;
	}
}
