/*
 * sim_hub_tree: an emulated USB tree in a umockdev testbed, for
 * `dfota-sim hub` (see sim_hub.c).
 *
 * The tree is built from port paths: adding a module at "1-1.10.3" first
 * makes the root hub usb1 and the hubs 1-1 and 1-1.10 (each a USB device
 * with descriptors, so that libusb can walk the parents and build port
 * numbers), then the module 1-1.10.3, its AT interface 1-1.10.3:1.<if>,
 * and a tty ttyUSB<n> under it whose /dev node is a link to the emulated
 * module's pty. Every module addition gets a new device number and a new
 * ttyUSB number, as a real re-enumeration does (docs/testing.md §2).
 *
 * The testbed must be created in a process running under umockdev's
 * preload (it checks parents through it); sim_hub.c re-executes itself
 * under it.
 */
#ifndef SIM_HUB_TREE_H
#define SIM_HUB_TREE_H

#include <stddef.h>
#include <stdint.h>

typedef struct hub_tree hub_tree;

/* A new, empty testbed; sets UMOCKDEV_DIR in this process's environment. */
hub_tree   *hub_tree_new(char *err, size_t len);
/* The testbed's root folder (UMOCKDEV_DIR). */
const char *hub_tree_root(const hub_tree *t);
/* The module at path (vendor 0x2c7c, product pid, AT on interface iface)
 * arrives: hubs above it are made as needed, the tty's /dev node points at
 * pty, "add" uevents go out. Writes the tty's /dev path into tty. */
int         hub_tree_add_module(hub_tree *t, const char *path, uint16_t pid, int iface,
                                const char *pty, char *tty, size_t len, char *err, size_t elen);
/* The hub at path and the hubs above it (an empty port's hub). */
int         hub_tree_add_hub(hub_tree *t, const char *path);
/* The device at path (module or hub) and everything under it leave:
 * "remove" uevents, children first. 0, or -1 when nothing is there. */
int         hub_tree_remove(hub_tree *t, const char *path);
/* Removes the testbed and its folder. */
void        hub_tree_free(hub_tree *t);

#endif
