/*
 * usbids.c - product id -> model family and AT interface; see usbids.h.
 *
 * Sources (docs/protocol.md §3 and §5):
 *  - ModemManager's 77-mm-quectel-port-types.rules: AT primary port on
 *    interface 2 (QCDM 0, GPS 1, AT secondary 3) for 0125, 0121, 0191,
 *    0195, 0296, 0306, 0512 (and 0800, a 5G module no DFOTA guide covers);
 *  - the Linux option driver: EM060K is 0x030b (DIAG 0, NMEA 1, AT 2,
 *    modem 3, matched by class/subclass/protocol ff/ff/40 for AT) and
 *    0x0128, its MBIM sub-model (MBIM 0-1, DIAG 3, NMEA 4, AT 5). Its other
 *    sub-model ids (0x0129-0x012c) have no published interface layout, so
 *    they are not rows: a guessed interface number would open the wrong
 *    port;
 *  - BG95/BG77/BG600L 0x0700: AT on 2 (interface 3 is absent in "modem"
 *    mode, so ttyUSB counting is wrong, the number is right);
 *  - AG35 0x0435: Quectel's vendor driver, AT on 2.
 */
#include "dialects/models.h"
#include "dialects/usbids.h"

static const usb_id usb_ids[] = {
	{ 0x0125, "EC25",   2, "ModemManager port-type rules" },
	{ 0x0121, "EC21",   2, "ModemManager port-type rules" },
	{ 0x0191, "EG91",   2, "ModemManager port-type rules" },
	{ 0x0195, "EG95",   2, "ModemManager port-type rules" },
	{ 0x0296, "BG96",   2, "ModemManager port-type rules" },
	{ 0x0306, "EP06",   2, "ModemManager port-type rules" },
	{ 0x0512, "EM12",   2, "ModemManager port-type rules" },
	{ 0x0700, "BG95",   2, "docs/protocol.md §3 (ports 0,1,2,4)" },
	{ 0x0435, "AG35",   2, "Quectel vendor driver" },
	{ 0x030b, "EM060K", 2, "Linux option driver (EM060K)" },
	{ 0x0128, "EM060K", 5, "Linux option driver (EM060K_128, MBIM)" },
};

#define USB_ROWS (sizeof usb_ids / sizeof usb_ids[0])

const usb_id *
usb_id_find(uint16_t vid, uint16_t pid)
{
	if (vid != QUECTEL_USB_VID)
		return NULL;
	for (size_t i = 0; i < USB_ROWS; i++)
		if (usb_ids[i].pid == pid)
			return &usb_ids[i];
	return NULL;
}

int
usb_id_at_interface(uint16_t vid, uint16_t pid, int fallback)
{
	const usb_id *u = usb_id_find(vid, pid);

	return u != NULL ? u->at_interface : fallback;
}

size_t
usb_id_count(void)
{
	return USB_ROWS;
}

const usb_id *
usb_id_at(size_t i)
{
	return i < USB_ROWS ? &usb_ids[i] : NULL;
}
