/*
 * usbids: the Quectel USB product ids the station knows, and on which USB
 * interface each one has its AT port, as data.
 *
 * A model row (models.h) names its family's main product id; this table
 * lists every id (a family can have several: EM060K is 0x030b, and 0x0128
 * in its MBIM build), the model row it stands for, and the AT interface of
 * that id. Discovery maps a device to its AT tty with it; a unit test holds
 * it to the rows docs/protocol.md §5 lists from ModemManager's port-type
 * rules and the Linux option driver.
 */
#ifndef USBIDS_H
#define USBIDS_H

#include <stddef.h>
#include <stdint.h>

typedef struct usb_id {
	uint16_t    pid;
	const char *model;         /* a model row name: the family's first  */
	int         at_interface;  /* bInterfaceNumber of the AT port       */
	const char *source;        /* where the interface number comes from */
} usb_id;

/* The row of (vid, pid); NULL for another vendor or an unknown id. */
const usb_id *usb_id_find(uint16_t vid, uint16_t pid);
/* The AT interface of (vid, pid); fallback when the id is unknown. */
int           usb_id_at_interface(uint16_t vid, uint16_t pid, int fallback);
size_t        usb_id_count(void);
const usb_id *usb_id_at(size_t i);

#endif
