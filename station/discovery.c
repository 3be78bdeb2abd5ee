/*
 * discovery: libusb hotplug and rescan in, "port up / port gone" out (see
 * discovery.h).
 *
 * Threads and ownership:
 *   - the event thread only runs libusb_handle_events_timeout_completed();
 *     the hotplug callback runs inside it and appends one event to the
 *     queue (a mutex and a condition variable, never anything slower);
 *   - the supervisor thread owns the table of known ports. It takes the
 *     whole queue at once, applies each event, rescans the device list on
 *     its period, and polls the sysfs of ports still waiting for their tty
 *     every 10 ms up to tty_wait_ms. Many modules arriving at once
 *     therefore wait for their ttys side by side, not one after another.
 *
 * A port is known by its path and its device address: the address changes
 * at every re-enumeration, so an ARRIVED with a new address on a known path
 * is a LEFT followed by an ARRIVED, a LEFT with an old address is stale,
 * and an ARRIVED with the known address is a duplicate (the rescan and the
 * hotplug callback both saw it).
 *
 * Stopping: a flag for each thread; the event thread is woken by
 * deregistering the callback and libusb_interrupt_event_handler(), the
 * supervisor by its condition variable.
 */
#include <errno.h>
#include <libusb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "station/unit.h"
#include "station/discovery.h"
#include "dialects/models.h"
#include "dialects/usbids.h"
#include "station/usbpath.h"
#include "text/text.h"

#define DISCOVERY_POLL_MS 10

typedef enum disc_kind { DISC_ARRIVED, DISC_LEFT } disc_kind;

typedef struct disc_event {
	disc_kind          kind;
	char               path[USBPATH_MAX];
	uint8_t            addr;
	uint16_t           pid;
	struct disc_event *next;
} disc_event;

typedef enum port_state {
	PORT_RESOLVING,   /* waiting for its tty in sysfs            */
	PORT_UP,          /* the owner has its tty                   */
	PORT_NO_TTY,      /* no tty within tty_wait_ms               */
	PORT_IGNORED,     /* no slot takes this path                 */
} port_state;

typedef struct disc_port {
	char       path[USBPATH_MAX];
	uint8_t    addr;
	uint16_t   pid;
	int        iface;
	port_state state;
	int64_t    deadline;          /* monotonic ms, while resolving */
	bool       seen;              /* in the current rescan         */
} disc_port;

struct discovery {
	discovery_options               opt;
	libusb_context                 *usb;
	bool                            hotplug;
	libusb_hotplug_callback_handle  cb;
	pthread_t                       events_thread, super_thread;
	bool                            events_started, super_started;
	atomic_int                      events_stop;

	pthread_mutex_t                 lock;      /* guards the four below */
	pthread_cond_t                  cond;
	disc_event                     *head, *tail;
	bool                            draining;  /* supervisor holds events */
	int                             resolving;
	bool                            stopping;

	disc_port                      *ports;     /* supervisor thread only */
	size_t                          nports, cap;
	char                          (*noted)[USBPATH_MAX]; /* ignored paths said once */
	size_t                          nnoted;
};

/* The device's port path; false for root hubs and paths that do not fit. */
static bool
discovery_dev_path(libusb_device *dev, char *path, size_t len)
{
	uint8_t ports[8];
	int     n = libusb_get_port_numbers(dev, ports, (int)sizeof ports);

	return n > 0 && usbpath_format(path, len, libusb_get_bus_number(dev), ports, n);
}

static void
discovery_queue(discovery *d, disc_kind kind, const char *path, uint8_t addr, uint16_t pid)
{
	disc_event *e = calloc(1, sizeof *e);

	if (e == NULL)
		return;   /* the next rescan finds what this event said */
	e->kind = kind;
	snprintf(e->path, sizeof e->path, "%s", path);
	e->addr = addr;
	e->pid = pid;
	pthread_mutex_lock(&d->lock);
	if (d->tail != NULL)
		d->tail->next = e;
	else
		d->head = e;
	d->tail = e;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

/* Runs inside libusb_handle_events (or the registration): queue only. */
static int LIBUSB_CALL
discovery_hotplug(libusb_context *ctx, libusb_device *dev, libusb_hotplug_event ev, void *arg)
{
	discovery                      *d = arg;
	struct libusb_device_descriptor desc;
	char                            path[USBPATH_MAX];

	(void)ctx;
	if (!discovery_dev_path(dev, path, sizeof path) ||
	    libusb_get_device_descriptor(dev, &desc) != 0)
		return 0;
	discovery_queue(d, ev == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED ? DISC_ARRIVED : DISC_LEFT,
	    path, libusb_get_device_address(dev), desc.idProduct);
	return 0;
}

static void *
discovery_events_main(void *arg)
{
	discovery *d = arg;

	while (!atomic_load(&d->events_stop)) {
		struct timeval tv = { .tv_sec = 0, .tv_usec = 500000 };
		libusb_handle_events_timeout_completed(d->usb, &tv, NULL);
	}
	return NULL;
}

/* ---- the supervisor's table of ports -------------------------------- */

static disc_port *
discovery_find(discovery *d, const char *path)
{
	for (size_t i = 0; i < d->nports; i++)
		if (strcmp(d->ports[i].path, path) == 0)
			return &d->ports[i];
	return NULL;
}

static void
discovery_forget(discovery *d, disc_port *p)
{
	size_t i = (size_t)(p - d->ports);

	d->ports[i] = d->ports[--d->nports];
}

static void
discovery_gone(discovery *d, disc_port *p)
{
	if (p->state == PORT_UP)
		d->opt.on_port(d->opt.ctx, p->path, NULL, p->pid);
	discovery_forget(d, p);
}

static void
discovery_arrived(discovery *d, const char *path, uint8_t addr, uint16_t pid)
{
	disc_port        *p = discovery_find(d, path);
	if (p != NULL && p->addr == addr)
		return;             /* seen twice: hotplug and rescan */
	if (p != NULL)
		discovery_gone(d, p);   /* re-enumerated before its LEFT came */
	if (d->nports == d->cap) {
		size_t     cap = d->cap ? d->cap * 2 : 32;
		disc_port *grown = realloc(d->ports, cap * sizeof *grown);
		if (grown == NULL)
			return;
		d->ports = grown;
		d->cap = cap;
	}
	p = &d->ports[d->nports++];
	memset(p, 0, sizeof *p);
	snprintf(p->path, sizeof p->path, "%s", path);
	p->addr = addr;
	p->pid = pid;
	/* Interface 2 unless the USB id table says otherwise (protocol §3). */
	p->iface = usb_id_at_interface(QUECTEL_USB_VID, pid, 2);
	p->state = PORT_RESOLVING;
	p->deadline = unit_mono_ms() + d->opt.tty_wait_ms;
}

static void
discovery_left(discovery *d, const char *path, uint8_t addr)
{
	disc_port *p = discovery_find(d, path);

	if (p != NULL && p->addr == addr)
		discovery_gone(d, p);
}

static void
discovery_rescan(discovery *d)
{
	libusb_device **list;
	ssize_t         n = libusb_get_device_list(d->usb, &list);

	if (n < 0)
		return;
	for (size_t i = 0; i < d->nports; i++)
		d->ports[i].seen = false;
	for (ssize_t i = 0; i < n; i++) {
		struct libusb_device_descriptor desc;
		char                            path[USBPATH_MAX];
		disc_port                      *p;

		if (libusb_get_device_descriptor(list[i], &desc) != 0 ||
		    desc.idVendor != QUECTEL_USB_VID ||
		    !discovery_dev_path(list[i], path, sizeof path))
			continue;
		discovery_arrived(d, path, libusb_get_device_address(list[i]), desc.idProduct);
		if ((p = discovery_find(d, path)) != NULL)
			p->seen = true;
	}
	libusb_free_device_list(list, 1);
	for (size_t i = d->nports; i-- > 0;)
		if (!d->ports[i].seen)
			discovery_gone(d, &d->ports[i]);
}

/* A module on a path no slot has: said once per path, in verbose mode. */
static void
discovery_note_ignored(discovery *d, const disc_port *p)
{
	char (*grown)[USBPATH_MAX];

	if (!d->opt.verbose)
		return;
	for (size_t i = 0; i < d->nnoted; i++)
		if (strcmp(d->noted[i], p->path) == 0)
			return;
	fprintf(stderr, "dfota-station: Quectel module (0x%04x) on USB %s: no slot has this "
	    "usb_path; ignored\n", p->pid, p->path);
	if ((grown = realloc(d->noted, (d->nnoted + 1) * sizeof *grown)) == NULL)
		return;
	d->noted = grown;
	snprintf(d->noted[d->nnoted++], USBPATH_MAX, "%s", p->path);
}

/* Ports waiting for their tty: look once more; returns how many wait. */
static int
discovery_resolve(discovery *d)
{
	int64_t now = unit_mono_ms();
	int     waiting = 0;

	for (size_t i = 0; i < d->nports; i++) {
		disc_port *p = &d->ports[i];
		char       tty[64], dev[80];

		if (p->state != PORT_RESOLVING)
			continue;
		if (usbpath_tty(d->opt.sysfs_root, p->path, p->iface, tty, sizeof tty)) {
			snprintf(dev, sizeof dev, "/dev/%s", tty);
			p->state = d->opt.on_port(d->opt.ctx, p->path, dev, p->pid) ? PORT_UP : PORT_IGNORED;
			if (p->state == PORT_IGNORED)
				discovery_note_ignored(d, p);
		} else if (now >= p->deadline) {
			p->state = PORT_NO_TTY;
			if (d->opt.verbose)
				fprintf(stderr, "dfota-station: USB %s (0x%04x): no tty on interface %d "
				    "within %d ms; is the option or cdc_acm driver loaded?\n",
				    p->path, p->pid, p->iface, d->opt.tty_wait_ms);
		} else {
			waiting++;
		}
	}
	return waiting;
}

static void
discovery_apply(discovery *d, disc_event *list)
{
	while (list != NULL) {
		disc_event *next = list->next;

		if (list->kind == DISC_ARRIVED)
			discovery_arrived(d, list->path, list->addr, list->pid);
		else
			discovery_left(d, list->path, list->addr);
		free(list);
		list = next;
	}
}

static void
discovery_deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *
discovery_super_main(void *arg)
{
	discovery *d = arg;
	int64_t    next_scan = unit_mono_ms() + d->opt.rescan_ms;
	int        waiting;

	/* Without hotplug the first scan is the enumeration. */
	if (!d->hotplug)
		discovery_rescan(d);
	waiting = discovery_resolve(d);

	for (;;) {
		disc_event     *list;
		struct timespec ts;
		int64_t         now = unit_mono_ms();
		int             ms = waiting > 0 ? DISCOVERY_POLL_MS : (int)(next_scan - now);

		if (ms < 1)
			ms = 1;
		discovery_deadline(&ts, ms);
		pthread_mutex_lock(&d->lock);
		d->resolving = waiting;
		d->draining = false;
		while (d->head == NULL && !d->stopping &&
		    pthread_cond_timedwait(&d->cond, &d->lock, &ts) == 0)
			;
		if (d->stopping) {
			pthread_mutex_unlock(&d->lock);
			break;
		}
		list = d->head;
		d->head = d->tail = NULL;
		d->draining = true;
		pthread_mutex_unlock(&d->lock);

		discovery_apply(d, list);
		if (unit_mono_ms() >= next_scan) {
			discovery_rescan(d);
			next_scan = unit_mono_ms() + d->opt.rescan_ms;
		}
		waiting = discovery_resolve(d);
	}
	return NULL;
}

/* libusb starts happily on a machine without USB (it then finds nothing,
 * forever): a station there cannot run, and must say so. */
static bool
discovery_have_usb(const char *sysfs_root, char *err, size_t len)
{
	char path[512];

	snprintf(path, sizeof path, "%s/bus/usb", sysfs_root != NULL ? sysfs_root : "/sys");
	if (access(path, F_OK) == 0)
		return true;
	snprintf(err, len, "cannot use USB: %s: %s (no USB on this machine, or /sys not mounted)",
	    path, strerror(errno));
	return false;
}

bool
discovery_usb_present(char *err, size_t len)
{
	return discovery_have_usb(NULL, err, len);
}

bool
discovery_busy(discovery *d)
{
	bool busy;

	pthread_mutex_lock(&d->lock);
	busy = d->head != NULL || d->draining || d->resolving > 0;
	pthread_mutex_unlock(&d->lock);
	return busy;
}

discovery *
discovery_start(const discovery_options *o, char *err, size_t len)
{
	discovery *d = calloc(1, sizeof *d);
	int        rc;

	if (d == NULL) {
		snprintf(err, len, "USB discovery: out of memory");
		return NULL;
	}
	d->opt = *o;
	if (d->opt.rescan_ms <= 0)
		d->opt.rescan_ms = 1000;
	if (d->opt.tty_wait_ms <= 0)
		d->opt.tty_wait_ms = 3000;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	/* Busy until the supervisor has looked at the enumeration once. */
	d->draining = true;
	if (!discovery_have_usb(d->opt.sysfs_root, err, len)) {
		discovery_stop(d);
		return NULL;
	}
	if ((rc = libusb_init(&d->usb)) != 0) {
		snprintf(err, len, "cannot use USB: libusb_init: %s", libusb_strerror(rc));
		d->usb = NULL;
		discovery_stop(d);
		return NULL;
	}
	d->hotplug = libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) != 0;
	if (d->hotplug) {
		rc = libusb_hotplug_register_callback(d->usb,
		    LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
		    LIBUSB_HOTPLUG_ENUMERATE, QUECTEL_USB_VID, LIBUSB_HOTPLUG_MATCH_ANY,
		    LIBUSB_HOTPLUG_MATCH_ANY, discovery_hotplug, d, &d->cb);
		if (rc != 0) {
			if (d->opt.verbose)
				fprintf(stderr, "dfota-station: USB hotplug unavailable (%s); "
				    "scanning every %d ms\n", libusb_strerror(rc), d->opt.rescan_ms);
			d->hotplug = false;
		}
	}
	if (!d->hotplug) {
		libusb_device **list;
		ssize_t         n = libusb_get_device_list(d->usb, &list);
		if (n < 0) {
			snprintf(err, len, "cannot use USB: no hotplug and no device list (%s)",
			    libusb_strerror((int)n));
			discovery_stop(d);
			return NULL;
		}
		libusb_free_device_list(list, 1);
	}
	if (d->hotplug) {
		if (pthread_create(&d->events_thread, NULL, discovery_events_main, d) != 0) {
			snprintf(err, len, "USB discovery: cannot start a thread");
			discovery_stop(d);
			return NULL;
		}
		d->events_started = true;
	}
	if (pthread_create(&d->super_thread, NULL, discovery_super_main, d) != 0) {
		snprintf(err, len, "USB discovery: cannot start a thread");
		discovery_stop(d);
		return NULL;
	}
	d->super_started = true;
	return d;
}

void
discovery_stop(discovery *d)
{
	if (d == NULL)
		return;
	if (d->events_started) {
		atomic_store(&d->events_stop, 1);
		libusb_hotplug_deregister_callback(d->usb, d->cb);
		libusb_interrupt_event_handler(d->usb);
		pthread_join(d->events_thread, NULL);
	} else if (d->hotplug) {
		libusb_hotplug_deregister_callback(d->usb, d->cb);
	}
	if (d->super_started) {
		pthread_mutex_lock(&d->lock);
		d->stopping = true;
		pthread_cond_signal(&d->cond);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->super_thread, NULL);
	}
	while (d->head != NULL) {
		disc_event *next = d->head->next;
		free(d->head);
		d->head = next;
	}
	if (d->usb != NULL)
		libusb_exit(d->usb);
	free(d->ports);
	free(d->noted);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d);
}

/* ---- --list --------------------------------------------------------- */

/* Every model name with this product id, "EC25/EG25/EC20": only ATI can
 * tell them apart, and --list asks nothing of the modules. */
static void
list_models(uint16_t pid, char *out, size_t len)
{
	const model_info *family = model_find_usb(QUECTEL_USB_VID, pid);

	out[0] = '\0';
	for (size_t i = 0; i < model_count() && family != NULL; i++) {
		const model_info *mi = model_at(i);
		if (mi->usb_pid != family->usb_pid)
			continue;
		if (out[0] != '\0')
			strncat(out, "/", len - strlen(out) - 1);
		strncat(out, mi->name, len - strlen(out) - 1);
	}
}

typedef struct list_row {
	char     path[USBPATH_MAX];
	uint16_t pid;
	char     model[32];
	char     tty[80];
	char     slot[40];
	bool     has_slot;
} list_row;

/* Bus first, then each port number: "1-1.10" after "1-1.9". */
static int
list_row_cmp(const void *a, const void *b)
{
	const char *p = ((const list_row *)a)->path, *q = ((const list_row *)b)->path;

	while (*p && *q) {
		char *pe, *qe;
		long  x = strtol(p, &pe, 10), y = strtol(q, &qe, 10);
		if (x != y)
			return x < y ? -1 : 1;
		p = *pe ? pe + 1 : pe;
		q = *qe ? qe + 1 : qe;
	}
	return *p ? 1 : *q ? -1 : 0;
}

static void
list_label(const station_config *cfg, list_row *r)
{
	r->has_slot = true;
	if (cfg == NULL || cfg->nslots == 0) {
		snprintf(r->slot, sizeof r->slot, "%s", r->path);
		return;
	}
	for (size_t i = 0; i < cfg->nslots; i++)
		if (strcmp(cfg->slots[i].usb_path, r->path) == 0) {
			snprintf(r->slot, sizeof r->slot, "%s", cfg->slots[i].label);
			return;
		}
	r->has_slot = false;
	snprintf(r->slot, sizeof r->slot, "-");
}

static void
list_print(const list_row *rows, size_t n, bool json, FILE *out)
{
	int wp = 8, wm = 5, wt = 6;

	if (json) {
		for (size_t i = 0; i < n; i++) {
			fputs("{\"usb_path\":", out);
			text_json_string(out, rows[i].path);
			fputs(",\"model\":", out);
			if (rows[i].model[0])
				text_json_string(out, rows[i].model);
			else
				fputs("null", out);
			fprintf(out, ",\"product_id\":\"0x%04x\",\"tty\":", rows[i].pid);
			if (rows[i].tty[0])
				text_json_string(out, rows[i].tty);
			else
				fputs("null", out);
			fputs(",\"slot\":", out);
			if (rows[i].has_slot)
				text_json_string(out, rows[i].slot);
			else
				fputs("null", out);
			fputs("}\n", out);
		}
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int l;
		if ((l = (int)strlen(rows[i].path)) > wp)
			wp = l;
		if ((l = (int)strlen(rows[i].model)) > wm)
			wm = l;
		if ((l = (int)strlen(rows[i].tty)) > wt)
			wt = l;
	}
	fprintf(out, "%-*s  %-*s  %-6s  %-*s  %s\n", wp, "USB PATH", wm, "MODEL", "PID", wt,
	    "AT TTY", "SLOT");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%-*s  %-*s  0x%04x  %-*s  %s\n", wp, rows[i].path, wm,
		    rows[i].model[0] ? rows[i].model : "?", rows[i].pid, wt,
		    rows[i].tty[0] ? rows[i].tty : "-", rows[i].slot);
	if (n == 0)
		fprintf(out, "(no Quectel module on USB)\n");
}

int
discovery_list(const station_config *cfg, bool json, FILE *out)
{
	libusb_context  *usb;
	libusb_device  **list;
	list_row        *rows;
	ssize_t          n;
	size_t           nrows = 0;
	int              rc;

	char err[600];

	if (!discovery_have_usb(NULL, err, sizeof err)) {
		fprintf(stderr, "dfota-station: %s\n", err);
		return 3;
	}
	if ((rc = libusb_init(&usb)) != 0) {
		fprintf(stderr, "dfota-station: cannot use USB: libusb_init: %s\n", libusb_strerror(rc));
		return 3;
	}
	if ((n = libusb_get_device_list(usb, &list)) < 0) {
		fprintf(stderr, "dfota-station: cannot list USB devices: %s\n",
		    libusb_strerror((int)n));
		libusb_exit(usb);
		return 3;
	}
	rows = calloc((size_t)n + 1, sizeof *rows);
	for (ssize_t i = 0; rows != NULL && i < n; i++) {
		struct libusb_device_descriptor desc;
		list_row                       *r = &rows[nrows];
		char                            tty[64];

		if (libusb_get_device_descriptor(list[i], &desc) != 0 ||
		    desc.idVendor != QUECTEL_USB_VID ||
		    !discovery_dev_path(list[i], r->path, sizeof r->path))
			continue;
		r->pid = desc.idProduct;
		list_models(r->pid, r->model, sizeof r->model);
		if (usbpath_tty(NULL, r->path, usb_id_at_interface(QUECTEL_USB_VID, r->pid, 2), tty, sizeof tty))
			snprintf(r->tty, sizeof r->tty, "/dev/%s", tty);
		list_label(cfg, r);
		nrows++;
	}
	libusb_free_device_list(list, 1);
	libusb_exit(usb);
	if (rows == NULL) {
		fprintf(stderr, "dfota-station: out of memory\n");
		return 3;
	}
	qsort(rows, nrows, sizeof *rows, list_row_cmp);
	list_print(rows, nrows, json, out);
	free(rows);
	return 0;
}
