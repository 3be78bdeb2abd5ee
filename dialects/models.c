/*
 * models.c - the table of Quectel modules the station knows.
 *
 * One const row per name that ATI prints. Models that share a USB product id
 * (EP06/EG06/EM06, EC25/EG25/EC20, EM12/EG12/EG18, BG95/BG77/BG600L) are
 * separate rows with the same id, so that ATI picks the exact row while a
 * USB-only lookup gets the first row of the family, which carries the same
 * facts. Lookups are linear: the table is a few dozen rows and is read once
 * per unit.
 *
 * Sources: the vendor DFOTA guides (PROTOCOL.md sources) for deliveries,
 * URL lengths and the BG95 blind update; PROTOCOL.md §3 for USB ids and the
 * AT interface numbers, which the guides do not give.
 */
#include <string.h>
#include <strings.h>

#include "dialects/models.h"

/* Column order: name, dialect, pid, AT interface, deliveries, url_max,
 * urcport, usb_blind_update, file commands, summary. */
#define UFS_URL (MODEL_DELIVER_UFS | MODEL_DELIVER_URL)

static const model_info model_table[] = {
	{ "BG96", DIALECT_BG96, 0x0296, 2,
	  MODEL_DELIVER_FOTAZIP | MODEL_DELIVER_URL, 255, true, false, true,
	  "BG96 LTE-M/NB-IoT: /fota/update.zip or URL; RESTORE phase, resumes" },
	{ "AG35", DIALECT_AG35, 0x0435, 2, UFS_URL, 255, true, false, true,
	  "AG35 automotive LTE: UFS upload or FTP/HTTP URL (vendor USB driver)" },
	{ "EP06", DIALECT_EP06, 0x0306, 2, UFS_URL, 255, true, false, true,
	  "EP06 LTE-A: UFS upload or FTP/HTTP URL; do not power off until END" },
	{ "EG06", DIALECT_EP06, 0x0306, 2, UFS_URL, 255, true, false, true,
	  "EG06 LTE-A: UFS upload or FTP/HTTP URL; do not power off until END" },
	{ "EM06", DIALECT_EP06, 0x0306, 2, UFS_URL, 255, true, false, true,
	  "EM06 LTE-A M.2: UFS upload or FTP/HTTP URL; do not power off until END" },
	{ "EC25", DIALECT_EC25, 0x0125, 2, UFS_URL, 255, true, false, true,
	  "EC25 LTE Cat 4: UFS upload or FTP/HTTP URL" },
	{ "EG25", DIALECT_EC25, 0x0125, 2, UFS_URL, 255, true, false, true,
	  "EG25 LTE Cat 4: UFS upload or FTP/HTTP URL" },
	{ "EC20", DIALECT_EC25, 0x0125, 2, UFS_URL, 255, true, false, true,
	  "EC20 R2 LTE Cat 3: UFS upload or FTP/HTTP URL" },
	{ "EC21", DIALECT_EC25, 0x0121, 2, UFS_URL, 255, true, false, true,
	  "EC21 LTE Cat 1: UFS upload or FTP/HTTP URL" },
	{ "EG91", DIALECT_EC25, 0x0191, 2, UFS_URL, 255, true, false, true,
	  "EG91 LTE Cat 1: UFS upload or FTP/HTTP URL" },
	{ "EG95", DIALECT_EC25, 0x0195, 2, UFS_URL, 255, true, false, true,
	  "EG95 LTE Cat 1: UFS upload or FTP/HTTP URL" },
	{ "EM12", DIALECT_EC25, 0x0512, 2, UFS_URL, 255, true, false, true,
	  "EM12 LTE-A Cat 12 M.2: UFS upload or FTP/HTTP URL" },
	{ "EG12", DIALECT_EC25, 0x0512, 2, UFS_URL, 255, true, false, true,
	  "EG12 LTE-A Cat 12: UFS upload or FTP/HTTP URL" },
	{ "EG18", DIALECT_EC25, 0x0512, 2, UFS_URL, 255, true, false, true,
	  "EG18 LTE-A Cat 18: UFS upload or FTP/HTTP URL" },
	/* The MBIM build moves the AT port to interface 5 (PROTOCOL.md §3). */
	{ "EM060K", DIALECT_EC25, 0x0128, 5, UFS_URL, 255, true, false, true,
	  "EM060K LTE-A Cat 6 M.2 (MBIM build, AT on if 5): UFS or URL" },
	/* NB-IoT over UART only: no USB, no file commands, HTTP(S) URL only. */
	{ "BC26", DIALECT_BC26, 0, 0, MODEL_DELIVER_URL, 255, false, false, false,
	  "BC26 NB-IoT (UART only): HTTP(S) URL download, DOWNLOADING n%" },
	/* DFOTA mode runs only the application: URCs go to the main UART at
	 * 115200 and the USB AT port is unusable until the module returns. */
	{ "BG95", DIALECT_BG95, 0x0700, 2, MODEL_DELIVER_COM | MODEL_DELIVER_URL,
	  700, true, true, false,
	  "BG95 LTE-M/NB-IoT: COM: upload or HTTP/CoAP URL; blind on USB" },
	{ "BG77", DIALECT_BG95, 0x0700, 2, MODEL_DELIVER_COM | MODEL_DELIVER_URL,
	  700, true, true, false,
	  "BG77 LTE-M/NB-IoT: COM: upload or HTTP/CoAP URL; blind on USB" },
	{ "BG600L", DIALECT_BG95, 0x0700, 2, MODEL_DELIVER_COM | MODEL_DELIVER_URL,
	  700, true, true, false,
	  "BG600L LTE-M/NB-IoT: COM: upload or HTTP/CoAP URL; blind on USB" },
};

#define MODEL_ROWS (sizeof(model_table) / sizeof(model_table[0]))

static const char *const model_dialect_names[DIALECT_COUNT] = {
	[DIALECT_BG96] = "BG96",
	[DIALECT_AG35] = "AG35",
	[DIALECT_EP06] = "EP06",
	[DIALECT_EC25] = "EC25",
	[DIALECT_BC26] = "BC26",
	[DIALECT_BG95] = "BG95",
};

/* ATI prints a variant suffix on some builds ("BG95-M3", "BG600L-M3",
 * "EM060K-GL"): a row name followed by '-' or '_' is the same model. */
static int
model_name_matches(const char *row, const char *name)
{
	size_t n = strlen(row);

	if (strncasecmp(row, name, n) != 0)
		return 0;
	return name[n] == '\0' || name[n] == '-' || name[n] == '_';
}

const model_info *
model_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < MODEL_ROWS; i++) {
		if (model_name_matches(model_table[i].name, name))
			return &model_table[i];
	}
	return NULL;
}

const model_info *
model_find_usb(uint16_t vid, uint16_t pid)
{
	size_t i;

	/* pid 0 marks the UART-only rows; it is never a USB match. */
	if (vid != QUECTEL_USB_VID || pid == 0)
		return NULL;
	for (i = 0; i < MODEL_ROWS; i++) {
		if (model_table[i].usb_pid == pid)
			return &model_table[i];
	}
	return NULL;
}

size_t
model_count(void)
{
	return MODEL_ROWS;
}

const model_info *
model_at(size_t i)
{
	return i < MODEL_ROWS ? &model_table[i] : NULL;
}

const char *
model_dialect_name(model_dialect d)
{
	if ((unsigned)d >= DIALECT_COUNT)
		return "unknown";
	return model_dialect_names[d];
}
