/*
 * usbpath: port path strings and the sysfs walk from a port path to its
 * AT tty (see usbpath.h).
 *
 * The walk is deliberately small: open the interface directory, take the
 * first entry named ttyUSB* or ttyACM* (directly, or inside "tty/"). It
 * never counts ttys: interface numbers have gaps (BG95 in modem mode has
 * 0, 1, 2, 4), and the order of ttyUSB numbers says nothing.
 */
#include <dirent.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "station/usbpath.h"

static const char *
usbpath_root(const char *root)
{
	return root != NULL ? root : "/sys";
}

bool
usbpath_format(char *out, size_t len, int bus, const uint8_t *ports, int nports)
{
	size_t used;
	int    n;

	if (nports <= 0 || bus <= 0)
		return false;
	n = snprintf(out, len, "%d-%u", bus, ports[0]);
	if (n < 0 || (size_t)n >= len)
		return false;
	used = (size_t)n;
	for (int i = 1; i < nports; i++) {
		n = snprintf(out + used, len - used, ".%u", ports[i]);
		if (n < 0 || (size_t)n >= len - used)
			return false;
		used += (size_t)n;
	}
	return true;
}

/* Digits, at least one; returns the first byte after them. */
static const char *
usbpath_digits(const char *s)
{
	const char *p = s;

	while (*p >= '0' && *p <= '9')
		p++;
	return p > s ? p : NULL;
}

bool
usbpath_valid(const char *s)
{
	const char *p = usbpath_digits(s);

	if (p == NULL || *p != '-')
		return false;
	for (p++;; p++) {
		if ((p = usbpath_digits(p)) == NULL)
			return false;
		if (*p == '\0')
			return true;
		if (*p != '.')
			return false;
	}
}

static bool
usbpath_read_line(const char *file, char *buf, size_t len)
{
	FILE *f = fopen(file, "r");
	bool  ok;

	if (f == NULL)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\r\n")] = '\0';
	return ok && buf[0] != '\0';
}

bool
usbpath_read_hex(const char *root, const char *path, const char *attr, unsigned *out)
{
	char  file[512], buf[32], *end;
	unsigned long v;

	snprintf(file, sizeof file, "%s/bus/usb/devices/%s/%s", usbpath_root(root), path, attr);
	if (!usbpath_read_line(file, buf, sizeof buf))
		return false;
	v = strtoul(buf, &end, 16);
	if (end == buf)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool
usbpath_is_tty(const char *name)
{
	return strncmp(name, "ttyUSB", 6) == 0 || strncmp(name, "ttyACM", 6) == 0;
}

/* First tty entry of dir, or false. */
static bool
usbpath_scan(const char *dir, char *tty, size_t len)
{
	DIR           *d = opendir(dir);
	struct dirent *e;
	bool           found = false;

	if (d == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		if (usbpath_is_tty(e->d_name)) {
			snprintf(tty, len, "%s", e->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

bool
usbpath_tty(const char *root, const char *path, int iface, char *tty, size_t len)
{
	char     dir[512], sub[600], buf[16];
	unsigned config = 1;

	/* The interface directory carries the active configuration number;
	 * it is 1 on every Quectel module, but read it when sysfs says. */
	snprintf(dir, sizeof dir, "%s/bus/usb/devices/%s/bConfigurationValue",
	    usbpath_root(root), path);
	if (usbpath_read_line(dir, buf, sizeof buf) && atoi(buf) > 0)
		config = (unsigned)atoi(buf);
	snprintf(dir, sizeof dir, "%s/bus/usb/devices/%s:%u.%d", usbpath_root(root), path,
	    config, iface);
	if (usbpath_scan(dir, tty, len))
		return true;
	snprintf(sub, sizeof sub, "%s/tty", dir);
	return usbpath_scan(sub, tty, len);
}

