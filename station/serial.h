/*
 * serial: opens the port a module's AT channel runs on and gives back a
 * non-blocking file descriptor for poll().
 *
 * Real serial ports (USB-serial adapters, ttyUSB of the option driver) are
 * opened with libserialport. libserialport 0.1.1 cannot open a pty (sp_open
 * asks TIOCMGET, which a pty refuses) and wants a sysfs entry, so ptys --
 * which socat, ser2net and our emulator produce -- and any other tty it
 * rejects are opened with plain termios. Symlinks such as
 * /dev/serial/by-path/... are resolved first, and the resolved name is kept
 * so that a caller can tell a re-enumerated port from the lost one.
 */
#ifndef SERIAL_H
#define SERIAL_H

#include <stddef.h>
#include <sys/types.h>

typedef struct serial_port serial_port;

typedef enum serial_backend {
	SERIAL_LIBSERIALPORT,
	SERIAL_TERMIOS,
} serial_backend;

/* 0, or -1 with a reason for a person in err (errno is kept). */
int            serial_open(serial_port **out, const char *path, int baud,
                           char *err, size_t errlen);
void           serial_close(serial_port *p);
int            serial_fd(const serial_port *p);
/* What the path pointed at when opened ("/dev/pts/7", "/dev/ttyUSB2"). */
const char    *serial_device(const serial_port *p);
serial_backend serial_backend_of(const serial_port *p);
/* Non-blocking read: >0 bytes, 0 nothing available, -1 the port is gone or
 * failed (errno: EIO/ENXIO/ENODEV, or 0 for end of file). */
ssize_t        serial_read(serial_port *p, void *buf, size_t len);
/* Writes everything, waiting at most timeout_ms for the port to drain.
 * 0, or -1 (errno ETIMEDOUT when the port would not take the bytes). */
int            serial_write_all(serial_port *p, const void *buf, size_t len,
                                int timeout_ms);

#endif
