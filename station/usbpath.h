/*
 * usbpath: USB port paths ("1-1.10.3") and the AT tty under them, read
 * from sysfs.
 *
 * A slot's identity is its port path (docs/protocol.md §3): the bus number and
 * the chain of hub port numbers, joined "BUS-P.P.P", which is also the
 * device's directory name in /sys/bus/usb/devices. The AT port is the tty
 * under interface <path>:<config>.<if>: "ttyUSB*" right under the
 * interface (usb-serial drivers such as option) or "tty/ttyACM*" (cdc_acm).
 *
 * Every function takes the sysfs root as a parameter (NULL: "/sys") so the
 * tests can point it at a fake tree; sysfs is read with plain file calls,
 * which is also what lets umockdev's preload redirect it.
 */
#ifndef USBPATH_H
#define USBPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USBPATH_MAX 64

/* "1-1.2" from bus 1 and ports {1, 2}; false when it does not fit or the
 * numbers make no path (no ports: a root hub). */
bool usbpath_format(char *out, size_t len, int bus, const uint8_t *ports, int nports);
/* Whether s looks like a port path: digits, '-', digits joined by dots. */
bool usbpath_valid(const char *s);
/* The tty name ("ttyUSB2") of interface iface of the device at path, right
 * now; false while there is none. */
bool usbpath_tty(const char *root, const char *path, int iface, char *tty, size_t len);
/* A device attribute written in hex (idVendor, idProduct); false if absent. */
bool usbpath_read_hex(const char *root, const char *path, const char *attr, unsigned *out);

#endif
