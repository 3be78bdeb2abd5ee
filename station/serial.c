/*
 * serial: libserialport for real ports, termios for the rest.
 *
 * Both back ends end in the same place: a non-blocking fd in raw 8N1 mode
 * that the AT channel polls. libserialport is tried first because on real
 * adapters it knows the platform's quirks (baud tables, flow control); when
 * it refuses the port (a pty, a name without a sysfs entry, TIOCMGET not
 * supported) the port is opened directly. Input already queued is kept:
 * a module's first line after a reboot may be waiting in the buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "station/serial.h"

struct serial_port {
	int             fd;
	serial_backend  backend;
	struct sp_port *sp;        /* libserialport's handle, or NULL */
	char            device[PATH_MAX];
};

static const struct {
	int     baud;
	speed_t speed;
} serial_speeds[] = {
	{ 9600, B9600 }, { 19200, B19200 }, { 38400, B38400 },
	{ 57600, B57600 }, { 115200, B115200 }, { 230400, B230400 },
	{ 460800, B460800 }, { 921600, B921600 }, { 3000000, B3000000 },
};

static speed_t
serial_speed(int baud)
{
	for (size_t i = 0; i < sizeof serial_speeds / sizeof serial_speeds[0]; i++)
		if (serial_speeds[i].baud == baud)
			return serial_speeds[i].speed;
	return B115200;
}

static int
serial_open_libserialport(serial_port *p, int baud)
{
	struct sp_port *sp;
	int             fd;

	if (sp_get_port_by_name(p->device, &sp) != SP_OK)
		return -1;
	if (sp_open(sp, SP_MODE_READ_WRITE) != SP_OK) {
		sp_free_port(sp);
		return -1;
	}
	if (sp_set_baudrate(sp, baud) != SP_OK || sp_set_bits(sp, 8) != SP_OK ||
	    sp_set_parity(sp, SP_PARITY_NONE) != SP_OK ||
	    sp_set_stopbits(sp, 1) != SP_OK ||
	    sp_set_flowcontrol(sp, SP_FLOWCONTROL_NONE) != SP_OK ||
	    sp_get_port_handle(sp, &fd) != SP_OK) {
		sp_close(sp);
		sp_free_port(sp);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	p->sp = sp;
	p->fd = fd;
	p->backend = SERIAL_LIBSERIALPORT;
	return 0;
}

static int
serial_open_termios(serial_port *p, int baud, char *err, size_t errlen)
{
	struct termios tio;
	int            fd;

	fd = open(p->device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", p->device, strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &tio) != 0) {
		int e = errno;
		snprintf(err, errlen, "%s is not a serial port: %s", p->device, strerror(e));
		close(fd);
		errno = e;
		return -1;
	}
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	cfsetispeed(&tio, serial_speed(baud));
	cfsetospeed(&tio, serial_speed(baud));
	/* TCSANOW, not TCSAFLUSH: keep what the module already said. */
	if (tcsetattr(fd, TCSANOW, &tio) != 0) {
		int e = errno;
		snprintf(err, errlen, "cannot configure %s: %s", p->device, strerror(e));
		close(fd);
		errno = e;
		return -1;
	}
	p->fd = fd;
	p->backend = SERIAL_TERMIOS;
	return 0;
}

int
serial_open(serial_port **out, const char *path, int baud, char *err, size_t errlen)
{
	serial_port *p;

	*out = NULL;
	p = calloc(1, sizeof *p);
	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->fd = -1;
	if (realpath(path, p->device) == NULL) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		free(p);
		errno = e;
		return -1;
	}
	if (serial_open_libserialport(p, baud) != 0 &&
	    serial_open_termios(p, baud, err, errlen) != 0) {
		int e = errno;
		free(p);
		errno = e;
		return -1;
	}
	*out = p;
	return 0;
}

void
serial_close(serial_port *p)
{
	if (p == NULL)
		return;
	if (p->sp != NULL) {
		sp_close(p->sp);
		sp_free_port(p->sp);
	} else if (p->fd >= 0) {
		close(p->fd);
	}
	free(p);
}

int
serial_fd(const serial_port *p)
{
	return p->fd;
}

const char *
serial_device(const serial_port *p)
{
	return p->device;
}

serial_backend
serial_backend_of(const serial_port *p)
{
	return p->backend;
}

ssize_t
serial_read(serial_port *p, void *buf, size_t len)
{
	ssize_t n = read(p->fd, buf, len);

	if (n > 0)
		return n;
	if (n == 0) {
		errno = 0;     /* end of file: the other side closed */
		return -1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	return -1;
}

int
serial_write_all(serial_port *p, const void *buf, size_t len, int timeout_ms)
{
	const char *c = buf;

	while (len > 0) {
		ssize_t n = write(p->fd, c, len);

		if (n > 0) {
			c += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		struct pollfd pfd = { .fd = p->fd, .events = POLLOUT };
		int r = poll(&pfd, 1, timeout_ms);
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (r > 0 && (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))) {
			errno = EIO;
			return -1;
		}
	}
	return 0;
}
