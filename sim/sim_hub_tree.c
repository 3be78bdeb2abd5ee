/*
 * sim_hub_tree: USB devices, interfaces and ttys in a umockdev testbed
 * (see sim_hub_tree.h).
 *
 * Each node remembers its testbed sysfs path and the paths of its
 * interface and tty, because umockdev removes one directory at a time and
 * refuses to re-add a device while a child link is left behind: removal
 * always goes tty, interface, device, deepest device first. Device numbers
 * count up per bus (1..127, skipping numbers in use) and tty numbers count
 * up for the whole tree, so a re-enumerated module never gets its old
 * names back at once -- as on a busy real bus, and what the station must
 * cope with (it never reopens a lost name).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <umockdev.h>

#include "sim/sim_hub_tree.h"

#define HUB_TREE_MAX   512
#define HUB_PATH_MAX   64
#define HUB_HUB_PID    0x0608   /* a common 4-port USB 2.0 hub chip */
#define HUB_HUB_VID    0x05e3
#define HUB_ROOT_VID   0x1d6b   /* Linux Foundation root hub        */

typedef struct hub_node {
	char  path[HUB_PATH_MAX];    /* "usb1", "1-1", "1-1.2"           */
	char *sys;                   /* testbed syspath of the device    */
	char *iface_sys;             /* modules: the AT interface        */
	char *tty_sys;               /* modules: the tty                 */
	char  tty[32];               /* "ttyUSB7"                        */
	int   bus, devnum;
	int   used;
} hub_node;

struct hub_tree {
	UMockdevTestbed *tb;
	char            *root;
	hub_node         nodes[HUB_TREE_MAX];
	int              next_tty;
	int              next_devnum[128];   /* per bus */
};

hub_tree *
hub_tree_new(char *err, size_t len)
{
	hub_tree *t = calloc(1, sizeof *t);

	if (t == NULL) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	t->tb = umockdev_testbed_new();
	if (t->tb == NULL) {
		snprintf(err, len, "umockdev_testbed_new failed");
		free(t);
		return NULL;
	}
	t->root = umockdev_testbed_get_root_dir(t->tb);
	return t;
}

const char *
hub_tree_root(const hub_tree *t)
{
	return t->root;
}

static hub_node *
hub_tree_find(hub_tree *t, const char *path)
{
	for (int i = 0; i < HUB_TREE_MAX; i++)
		if (t->nodes[i].used && strcmp(t->nodes[i].path, path) == 0)
			return &t->nodes[i];
	return NULL;
}

static int
hub_tree_devnum(hub_tree *t, int bus)
{
	for (int tries = 0; tries < 127; tries++) {
		int n = t->next_devnum[bus] % 127 + 1, taken = 0;

		t->next_devnum[bus] = n;
		for (int i = 0; i < HUB_TREE_MAX && !taken; i++)
			taken = t->nodes[i].used && t->nodes[i].bus == bus && t->nodes[i].devnum == n;
		if (!taken)
			return n;
	}
	return -1;
}

/* Device descriptor and one configuration with interfaces 0..last. */
static void
hub_tree_descriptors(hub_tree *t, const char *sys, uint16_t vid, uint16_t pid,
                     uint8_t dev_class, int last_iface)
{
	guint8  d[18 + 9 + 9 * 16];
	guint8 *p = d;
	int     nif = last_iface + 1, total = 9 + 9 * nif;

	memset(d, 0, sizeof d);
	p[0] = 18; p[1] = 1; p[2] = 0x00; p[3] = 0x02; p[4] = dev_class; p[7] = 64;
	p[8] = vid & 0xff; p[9] = vid >> 8; p[10] = pid & 0xff; p[11] = pid >> 8;
	p[12] = 0x18; p[13] = 0x03; p[17] = 1;
	p += 18;
	p[0] = 9; p[1] = 2; p[2] = total & 0xff; p[3] = total >> 8; p[4] = (guint8)nif;
	p[5] = 1; p[7] = 0xa0; p[8] = 250;
	p += 9;
	for (int i = 0; i < nif; i++, p += 9) {
		p[0] = 9; p[1] = 4; p[2] = (guint8)i; p[5] = dev_class == 9 ? 9 : 0xff;
	}
	umockdev_testbed_set_attribute_binary(t->tb, sys, "descriptors", d, (gsize)(18 + total));
}

/* "1-1.2" -> parent "1-1"; "1-1" -> "usb1". */
static void
hub_tree_parent(const char *path, char *out, size_t len)
{
	const char *dot = strrchr(path, '.');

	if (dot != NULL)
		snprintf(out, len, "%.*s", (int)(dot - path), path);
	else
		snprintf(out, len, "usb%d", atoi(path));
}

static hub_node *
hub_tree_slot(hub_tree *t)
{
	for (int i = 0; i < HUB_TREE_MAX; i++)
		if (!t->nodes[i].used)
			return &t->nodes[i];
	return NULL;
}

/* Adds one USB device node (no uevent). */
static hub_node *
hub_tree_device(hub_tree *t, const char *path, const char *parent_sys, int bus,
                uint16_t vid, uint16_t pid, uint8_t dev_class, int last_iface)
{
	hub_node *n = hub_tree_slot(t);
	char      vids[8], pids[8], busnum[8], devnum[8], devpath[HUB_PATH_MAX], devname[64];
	char      busp[8], devp[8];
	const char *dash = strchr(path, '-');
	int       num;

	if (n == NULL || bus < 1 || bus > 127 || (num = hub_tree_devnum(t, bus)) < 0)
		return NULL;
	snprintf(vids, sizeof vids, "%04x", vid);
	snprintf(pids, sizeof pids, "%04x", pid);
	snprintf(busnum, sizeof busnum, "%d", bus);
	snprintf(devnum, sizeof devnum, "%d", num);
	snprintf(busp, sizeof busp, "%03d", bus);
	snprintf(devp, sizeof devp, "%03d", num);
	snprintf(devpath, sizeof devpath, "%s", dash != NULL ? dash + 1 : "0");
	snprintf(devname, sizeof devname, "/dev/bus/usb/%03d/%03d", bus, num);
	n->sys = umockdev_testbed_add_device(t->tb, "usb", path, parent_sys,
	    "idVendor", vids, "idProduct", pids, "busnum", busnum, "devnum", devnum,
	    "devpath", devpath, "speed", "480", "bNumConfigurations", "1",
	    "bConfigurationValue", "1", NULL,
	    "DEVTYPE", "usb_device", "BUSNUM", busp, "DEVNUM", devp, "DEVNAME", devname,
	    "PRODUCT", pids, NULL);
	if (n->sys == NULL)
		return NULL;
	hub_tree_descriptors(t, n->sys, vid, pid, dev_class, last_iface);
	snprintf(n->path, sizeof n->path, "%s", path);
	n->bus = bus;
	n->devnum = num;
	n->used = 1;
	return n;
}

/* The hub at path and every hub above it; returns its node. */
static hub_node *
hub_tree_hub(hub_tree *t, const char *path)
{
	hub_node *n = hub_tree_find(t, path), *parent;
	char      up[HUB_PATH_MAX];
	int       bus = atoi(strncmp(path, "usb", 3) == 0 ? path + 3 : path);

	if (n != NULL)
		return n;
	if (strncmp(path, "usb", 3) == 0) {
		n = hub_tree_device(t, path, NULL, bus, HUB_ROOT_VID, 0x0002, 9, 0);
	} else {
		hub_tree_parent(path, up, sizeof up);
		if ((parent = hub_tree_hub(t, up)) == NULL)
			return NULL;
		n = hub_tree_device(t, path, parent->sys, bus, HUB_HUB_VID, HUB_HUB_PID, 9, 0);
	}
	if (n != NULL)
		umockdev_testbed_uevent(t->tb, n->sys, "add");
	return n;
}

int
hub_tree_add_hub(hub_tree *t, const char *path)
{
	return hub_tree_hub(t, path) != NULL ? 0 : -1;
}

int
hub_tree_add_module(hub_tree *t, const char *path, uint16_t pid, int iface,
                    const char *pty, char *tty, size_t len, char *err, size_t elen)
{
	hub_node *parent, *n;
	char      up[HUB_PATH_MAX], name[HUB_PATH_MAX + 8], num[8], text[1024];
	char      dev[1200], tmp[1300];
	GError   *gerr = NULL;

	if (hub_tree_find(t, path) != NULL) {
		snprintf(err, elen, "%s is taken", path);
		return -1;
	}
	hub_tree_parent(path, up, sizeof up);
	if ((parent = hub_tree_hub(t, up)) == NULL ||
	    (n = hub_tree_device(t, path, parent->sys, atoi(path), 0x2c7c, pid, 0, iface)) == NULL) {
		snprintf(err, elen, "cannot add USB device %s", path);
		return -1;
	}
	snprintf(name, sizeof name, "%s:1.%d", path, iface);
	snprintf(num, sizeof num, "%02x", iface);
	n->iface_sys = umockdev_testbed_add_device(t->tb, "usb", name, n->sys,
	    "bInterfaceNumber", num, "bInterfaceClass", "ff", NULL,
	    "DEVTYPE", "usb_interface", NULL);
	snprintf(n->tty, sizeof n->tty, "ttyUSB%d", t->next_tty++);
	/* The /dev node first, pointing at the module's pty, and only then
	 * the tty in sysfs: a station polling sysfs for the tty must never
	 * find it while its node points anywhere else. No "N:" line, so
	 * umockdev makes no node (and no pty) of its own. */
	snprintf(dev, sizeof dev, "%s/dev", t->root);
	mkdir(dev, 0755);
	snprintf(dev, sizeof dev, "%s/dev/%s", t->root, n->tty);
	snprintf(tmp, sizeof tmp, "%s.new", dev);
	unlink(tmp);
	if (symlink(pty, tmp) != 0 || rename(tmp, dev) != 0) {
		snprintf(err, elen, "cannot link %s to %s: %s", dev, pty, strerror(errno));
		hub_tree_remove(t, path);
		return -1;
	}
	/* add_from_string wants the path without the "/sys" prefix. */
	snprintf(text, sizeof text, "P: %s/%s\nE: DEVNAME=/dev/%s\nE: SUBSYSTEM=tty\n"
	    "E: MAJOR=188\nE: MINOR=%d\n\n", n->iface_sys != NULL ? n->iface_sys + 4 : "",
	    n->tty, n->tty, t->next_tty - 1);
	if (n->iface_sys == NULL || !umockdev_testbed_add_from_string(t->tb, text, &gerr)) {
		snprintf(err, elen, "cannot add the tty of %s: %s", path,
		    gerr != NULL ? gerr->message : "no interface");
		if (gerr != NULL)
			g_error_free(gerr);
		hub_tree_remove(t, path);
		return -1;
	}
	n->tty_sys = g_strdup_printf("%s/%s", n->iface_sys, n->tty);
	umockdev_testbed_uevent(t->tb, n->sys, "add");
	umockdev_testbed_uevent(t->tb, n->iface_sys, "add");
	umockdev_testbed_uevent(t->tb, n->tty_sys, "add");
	snprintf(tty, len, "/dev/%s", n->tty);
	return 0;
}

/* Removes one node: uevents and directories, children first. */
static void
hub_tree_drop(hub_tree *t, hub_node *n)
{
	char *parts[3] = { n->tty_sys, n->iface_sys, n->sys };

	for (int i = 0; i < 3; i++)
		if (parts[i] != NULL)
			umockdev_testbed_uevent(t->tb, parts[i], "remove");
	for (int i = 0; i < 3; i++)
		if (parts[i] != NULL) {
			umockdev_testbed_remove_device(t->tb, parts[i]);
			g_free(parts[i]);
		}
	if (n->tty[0] != '\0') {
		char dev[1200];
		snprintf(dev, sizeof dev, "%s/dev/%s", t->root, n->tty);
		unlink(dev);
	}
	memset(n, 0, sizeof *n);
}

static int
hub_tree_under(const char *path, const char *top)
{
	size_t n = strlen(top);

	if (strncmp(top, "usb", 3) == 0)
		return atoi(path) == atoi(top + 3) && strncmp(path, "usb", 3) != 0;
	return strncmp(path, top, n) == 0 && path[n] == '.';
}

int
hub_tree_remove(hub_tree *t, const char *path)
{
	hub_node *top = hub_tree_find(t, path);

	if (top == NULL)
		return -1;
	/* Deepest first: a path with more dots sits lower. */
	for (int depth = 16; depth >= 0; depth--)
		for (int i = 0; i < HUB_TREE_MAX; i++) {
			hub_node *n = &t->nodes[i];
			int       dots = 0;
			if (!n->used || n == top || !hub_tree_under(n->path, path))
				continue;
			for (const char *p = n->path; *p; p++)
				dots += *p == '.';
			if (dots == depth)
				hub_tree_drop(t, n);
		}
	hub_tree_drop(t, top);
	return 0;
}

void
hub_tree_free(hub_tree *t)
{
	if (t == NULL)
		return;
	for (int i = 0; i < HUB_TREE_MAX; i++)
		if (t->nodes[i].used) {
			g_free(t->nodes[i].sys);
			g_free(t->nodes[i].iface_sys);
			g_free(t->nodes[i].tty_sys);
		}
	g_object_unref(t->tb);
	g_free(t->root);
	free(t);
}
