/*
 * discovery: which Quectel modules are on USB, where, and on which tty.
 *
 * Two threads, one job each. The event thread runs libusb: a hotplug
 * callback for vendor 0x2c7c (registered with LIBUSB_HOTPLUG_ENUMERATE, so
 * modules already attached count as arrivals) that only queues
 * (bus, port path, address, vid, pid, arrived/left) -- no I/O ever happens
 * inside it. The supervisor thread drains that queue, rescans the device
 * list every rescan_ms (the only source when libusb has no hotplug, and a
 * safety net when it has), finds each arrival's AT tty through sysfs
 * (bounded wait: the tty appears after the device), and tells its owner:
 * on_port(ctx, path, "ttyUSB2" path, pid) when a port is up,
 * on_port(ctx, path, NULL, pid) when it is gone.
 */
#ifndef DISCOVERY_H
#define DISCOVERY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"

/* Returns false when no slot takes that path (the module is ignored). */
typedef bool (*discovery_port_fn)(void *ctx, const char *usb_path, const char *tty,
                                  uint16_t pid);

typedef struct discovery_options {
	int               rescan_ms;      /* device list scan period        */
	int               tty_wait_ms;    /* bounded wait for the AT tty    */
	bool              verbose;        /* notes on stderr                */
	const char       *sysfs_root;     /* NULL: /sys                     */
	discovery_port_fn on_port;
	void             *ctx;
} discovery_options;

typedef struct discovery discovery;

/* Initialises libusb and starts both threads; every module attached now
 * is queued before this returns. NULL with the reason in err when USB
 * cannot be used (no libusb, no hotplug and no device list). */
discovery *discovery_start(const discovery_options *o, char *err, size_t len);
/* Stops both threads and frees everything; NULL is a no-op. */
void       discovery_stop(discovery *d);
/* True while arrivals wait in the queue or for their tty. */
bool       discovery_busy(discovery *d);

/* dfota-station --list: one scan, no threads. Labels come from cfg's
 * slots (NULL or no slots: the path is the label). Returns 0, or 3 when
 * USB cannot be read. */
/* Whether this machine has USB at all (/sys/bus/usb); false with the
 * reason for a person in err. */
bool       discovery_usb_present(char *err, size_t len);
int        discovery_list(const station_config *cfg, bool json, FILE *out);

#endif
