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
 * Sources: the vendor DFOTA guides (docs/protocol.md sources) for deliveries,
 * URL lengths and the BG95 blind update; docs/protocol.md §3 for USB ids and the
 * AT interface numbers, which the guides do not give.
 */
#include <string.h>
#include <strings.h>

#include "dialects/models.h"
#include "dialects/usbids.h"

#define UFS_URL (MODEL_DELIVER_UFS | MODEL_DELIVER_URL)

/* The network checks before a URL download, as the guides list them: the
 * LTE guides (000, 001, 003: AT+CSQ, AT+CREG?/AT+CGREG?/AT+CEREG?) and
 * BC26's (002 §2.3: AT+CESQ, AT+CEREG?, AT+CGPADDR=1 for an IP address on
 * the default PDN). */
static const model_netcheck net_lte = {
	.signal = "AT+CSQ",
	.reg = { "AT+CREG?", "AT+CGREG?", "AT+CEREG?" },
	.addr = NULL,
};
static const model_netcheck net_bc26 = {
	.signal = "AT+CESQ",
	.reg = { "AT+CEREG?" },
	.addr = "AT+CGPADDR=1",
};

static const model_info model_table[] = {
	{ .name = "BG96", .dialect = DIALECT_BG96, .usb_pid = 0x0296,
	  .deliveries = MODEL_DELIVER_FOTAZIP | MODEL_DELIVER_URL,
	  .has_urcport = true, .usb_blind_update = false, .has_file_cmds = true,
	  .cert_dir = "", .net = &net_lte,
	  .summary = "BG96 LTE-M/NB-IoT: /fota/update.zip or URL; RESTORE phase, resumes" },
	{ .name = "AG35", .dialect = DIALECT_AG35, .usb_pid = 0x0435,
	  .deliveries = UFS_URL,
	  .has_urcport = true, .usb_blind_update = false, .has_file_cmds = true,
	  .net = &net_lte,
	  .summary = "AG35 automotive LTE: UFS upload or FTP/HTTP URL (vendor USB driver)" },
	{ .name = "EP06", .dialect = DIALECT_EP06, .usb_pid = 0x0306,
	  .deliveries = UFS_URL,
	  .has_urcport = true, .usb_blind_update = false, .has_file_cmds = true,
	  .net = &net_lte,
	  .summary = "EP06 LTE-A: UFS upload or FTP/HTTP URL; do not power off until END" },
	{ .name = "EG06", .dialect = DIALECT_EP06, .usb_pid = 0x0306,
	  .deliveries = UFS_URL,
	  .has_urcport = true, .usb_blind_update = false, .has_file_cmds = true,
	  .net = &net_lte,
	  .summary = "EG06 LTE-A: UFS upload or FTP/HTTP URL; do not power off until END" },
	{ .name = "EM06", .dialect = DIALECT_EP06, .usb_pid = 0x0306,
	  .deliveries = UFS_URL,
	  .has_urcport = true, .usb_blind_update = false, .has_file_cmds = true,
	  .net = &net_lte,
	  .summary = "EM06 LTE-A M.2: UFS upload or FTP/HTTP URL; do not power off until END" },
	{ .name = "EC25", .dialect = DIALECT_EC25, .usb_pid = 0x0125,
	  .deliveries = UFS_URL,
	  .has_urcport = true, .usb_blind_update = false, .has_file_cmds = true,
	  .net = &net_lte,
	  .summary = "EC25 LTE Cat 4: UFS upload or FTP/HTTP URL" },
	{ .name = "EG25", .dialect = DIALECT_EC25, .usb_pid = 0x0125,
	  .deliveries = UFS_URL,
	  .has_urcport = true, .usb_blind_update = false, .has_file_cmds = true,
	  .net = &net_lte,
	  .summary = "EG25 LTE Cat 4: UFS upload or FTP/HTTP URL" },
	{ .name = "EC20", .dialect = DIALECT_EC25, .usb_pid = 0x0125,
	  .deliveries = UFS_URL,
	  .has_urcport = true, .usb_blind_update = false, .has_file_cmds = true,
	  .net = &net_lte,
	  .summary = "EC20 R2 LTE Cat 3: UFS upload or FTP/HTTP URL" },
	{ .name = "EC21", .dialect = DIALECT_EC25, .usb_pid = 0x0121,
	  .deliveries = UFS_URL,
	  .has_urcport = true, .usb_blind_update = false, .has_file_cmds = true,
	  .net = &net_lte,
	  .summary = "EC21 LTE Cat 1: UFS upload or FTP/HTTP URL" },
	{ .name = "EG91", .dialect = DIALECT_EC25, .usb_pid = 0x0191,
	  .deliveries = UFS_URL,
	  .has_urcport = true, .usb_blind_update = false, .has_file_cmds = true,
	  .net = &net_lte,
	  .summary = "EG91 LTE Cat 1: UFS upload or FTP/HTTP URL" },
	{ .name = "EG95", .dialect = DIALECT_EC25, .usb_pid = 0x0195,
	  .deliveries = UFS_URL,
	  .has_urcport = true, .usb_blind_update = false, .has_file_cmds = true,
	  .net = &net_lte,
	  .summary = "EG95 LTE Cat 1: UFS upload or FTP/HTTP URL" },
	{ .name = "EM12", .dialect = DIALECT_EC25, .usb_pid = 0x0512,
	  .deliveries = UFS_URL,
	  .has_urcport = true, .usb_blind_update = false, .has_file_cmds = true,
	  .net = &net_lte,
	  .summary = "EM12 LTE-A Cat 12 M.2: UFS upload or FTP/HTTP URL" },
	{ .name = "EG12", .dialect = DIALECT_EC25, .usb_pid = 0x0512,
	  .deliveries = UFS_URL,
	  .has_urcport = true, .usb_blind_update = false, .has_file_cmds = true,
	  .net = &net_lte,
	  .summary = "EG12 LTE-A Cat 12: UFS upload or FTP/HTTP URL" },
	{ .name = "EG18", .dialect = DIALECT_EC25, .usb_pid = 0x0512,
	  .deliveries = UFS_URL,
	  .has_urcport = true, .usb_blind_update = false, .has_file_cmds = true,
	  .net = &net_lte,
	  .summary = "EG18 LTE-A Cat 18: UFS upload or FTP/HTTP URL" },
	/* Main product id 0x030b; its MBIM build 0x0128 has the AT port on
	 * interface 5 (dialects/usbids.c). */
	{ .name = "EM060K", .dialect = DIALECT_EC25, .usb_pid = 0x030b,
	  .deliveries = UFS_URL,
	  .has_urcport = true, .usb_blind_update = false, .has_file_cmds = true,
	  .net = &net_lte,
	  .summary = "EM060K LTE-A Cat 6 M.2: UFS upload or FTP/HTTP URL" },
	/* NB-IoT over UART only: no USB, no file commands, HTTP URL only. */
	{ .name = "BC26", .dialect = DIALECT_BC26, .usb_pid = 0,
	  .deliveries = MODEL_DELIVER_URL,
	  .has_urcport = false, .usb_blind_update = false, .has_file_cmds = false,
	  .net = &net_bc26,
	  .summary = "BC26 NB-IoT (UART only): HTTP URL download, DOWNLOADING n%" },
	/* DFOTA mode runs only the application: URCs go to the main UART at
	 * 115200 and the USB AT port is unusable until the module returns.
	 * The package goes by COM:, but AT+QFUPL exists (the BG95 file
	 * application note): the HTTPS certificates go into /datatx with it. */
	{ .name = "BG95", .dialect = DIALECT_BG95, .usb_pid = 0x0700,
	  .deliveries = MODEL_DELIVER_COM | MODEL_DELIVER_URL,
	  .has_urcport = true, .usb_blind_update = true, .has_file_cmds = true,
	  .cert_dir = "/datatx/", .has_fota_apn = true, .has_trigger_mode = true,
	  .net = &net_lte,
	  .summary = "BG95 LTE-M/NB-IoT: COM: upload or HTTP/CoAP URL; blind on USB" },
	{ .name = "BG77", .dialect = DIALECT_BG95, .usb_pid = 0x0700,
	  .deliveries = MODEL_DELIVER_COM | MODEL_DELIVER_URL,
	  .has_urcport = true, .usb_blind_update = true, .has_file_cmds = true,
	  .cert_dir = "/datatx/", .has_fota_apn = true, .has_trigger_mode = true,
	  .net = &net_lte,
	  .summary = "BG77 LTE-M/NB-IoT: COM: upload or HTTP/CoAP URL; blind on USB" },
	{ .name = "BG600L", .dialect = DIALECT_BG95, .usb_pid = 0x0700,
	  .deliveries = MODEL_DELIVER_COM | MODEL_DELIVER_URL,
	  .has_urcport = true, .usb_blind_update = true, .has_file_cmds = true,
	  .cert_dir = "/datatx/", .has_fota_apn = true, .has_trigger_mode = true,
	  .net = &net_lte,
	  .summary = "BG600L LTE-M/NB-IoT: COM: upload or HTTP/CoAP URL; blind on USB" },
};

#define MODEL_ROWS (sizeof(model_table) / sizeof(model_table[0]))

static const char *const model_dialect_names[DIALECT_COUNT] = {
	[DIALECT_BG96] = "BG96",
	[DIALECT_AG35] = "AG35",
	[DIALECT_EP06] = "EP06",
	[DIALECT_EC25] = "EC25",
	[DIALECT_BC26] = "BC26",
	[DIALECT_BG95] = "BG95",
	[DIALECT_UNKNOWN] = "unknown",
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
	const usb_id *u = usb_id_find(vid, pid);

	return u != NULL ? model_find(u->model) : NULL;
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
