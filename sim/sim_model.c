/*
 * sim_model: the model and dialect tables. Codes and URC shapes come from
 * the vendor guides as condensed in docs/protocol.md section 2; revisions
 * are plausible names of the form the modules report.
 */
#include <stddef.h>
#include <strings.h>

#include "sim/sim_model.h"

/* What a module prints by itself after RDY (docs/protocol.md 5): the SIM
 * and the radio coming up, then SMS and phone book ready seconds later --
 * in the middle of whatever the station asks. The BG95/BG77 say APP RDY
 * when their application is up, after RDY; the BC26 reports its SIM. */
static const sim_chatter chatter_lte[] = {
	{ 0, "+CFUN: 1" }, { 200, "+CPIN: READY" }, { 300, "+QUSIM: 1" },
	{ 1500, "+QIND: SMS DONE" }, { 4000, "+QIND: PB DONE" }, { 0, NULL },
};
static const sim_chatter chatter_bg95[] = {
	{ 0, "+CFUN: 1" }, { 200, "+CPIN: READY" }, { 300, "+QUSIM: 1" },
	{ 1500, "+QIND: SMS DONE" }, { 2500, "APP RDY" }, { 0, NULL },
};
static const sim_chatter chatter_bc26[] = {
	{ 300, "+CPIN: READY" }, { 0, NULL },
};

/* BG96 guide (000): START, UPDATING, RESTORE, END; HTTP(S). */
static const sim_dialect dialect_bg96 = {
	.name = "BG96", .pct_fmt = "%d", .restore = true,
	.recovery_reboot = true, .reboot_on_fail = true, .pct_step = 5,
	.code_mismatch = 510, .code_badpkg = 505,
	.dl_missing_http = 701, .dl_missing_ftp = 701, .dl_tls = 701,
	.chatter = chatter_lte,
};

/* AG35 (001), EP06 family (004): FTP/HTTP, reboot, START...; the module
 * retries a failed check or update by itself (guide 001, table of <err>). */
static const sim_dialect dialect_ag35 = {
	.name = "AG35", .pct_fmt = "%d", .recovery_reboot = true,
	.reboot_on_fail = true, .module_retries = true, .pct_step = 5,
	.code_mismatch = 510, .code_badpkg = 505,
	.dl_missing_http = 701, .dl_missing_ftp = 601, .dl_tls = 701,
	.chatter = chatter_lte,
};

/* EC2x/EG2x: as AG35; no guide of theirs describes module-side retries. */
static const sim_dialect dialect_ec25 = {
	.name = "EC25", .pct_fmt = "%d", .recovery_reboot = true,
	.reboot_on_fail = true, .pct_step = 5,
	.code_mismatch = 510, .code_badpkg = 505,
	.dl_missing_http = 701, .dl_missing_ftp = 601, .dl_tls = 701,
	.chatter = chatter_lte,
};

/* BC26 (002): NB-IoT, UART, "DOWNLOADING", 1%; no reboot on failure
 * ("it will return an error and exit from DFOTA"). */
static const sim_dialect dialect_bc26 = {
	.name = "BC26", .pct_fmt = " %d%%", .dl_progress = true,
	.pct_step = 5,
	.code_mismatch = 254, .code_badpkg = 255,
	.dl_missing_http = 12, .dl_missing_ftp = 12, .dl_nonet = 13,
	.chatter = chatter_bc26,
};

/* BG95/BG77 (003): COM: upload, RESETTING, DFOTA mode off USB. */
static const sim_dialect dialect_bg95 = {
	.name = "BG95", .pct_fmt = "%d", .dl_progress = true,
	.dfota_mode = true, .reboot_on_fail = true, .pct_step = 5,
	.code_mismatch = 511, .code_badpkg = 506, .code_nopkg = 505,
	.dl_missing_http = 706, .dl_missing_ftp = 706, .dl_nonet = 702,
	.cme_busy = 591, .cme_badparam = 590, .dl_tls = 702, .dl_apn = 702,
	.chatter = chatter_bg95,
};

/* The LTE Cat families also answer what Quectel's DFOTA QA reads after an
 * update (docs/protocol.md §5): ATI+CSUB and AT+EGMR=0,7 / 0,9. */
#define CAPS_UFS  (SIM_CAP_URCCFG | SIM_CAP_FILES | SIM_CAP_LOCAL | \
                   SIM_CAP_CSUB | SIM_CAP_EGMR)
#define CAPS_BG96 (SIM_CAP_URCCFG | SIM_CAP_FILES | SIM_CAP_FOTA1)
/* BG95: AT+QFUPL exists (FILE application note) for the certificates in
 * /datatx, but there is no local-file trigger. */
#define CAPS_BG95 (SIM_CAP_URCCFG | SIM_CAP_COM | SIM_CAP_CFGEXT | SIM_CAP_FILES)
/* Schemes per guide: AG35 "FTP://" and "HTTP://"; EP06 FTP and HTTP(S)
 * (EC2x as its family); BG96 HTTP(S); BC26 HTTP ("HTTPS is not supported
 * currently"); BG95 HTTP(S) and CoAP(S). */
#define URL_AG35  (SIM_URL_HTTP | SIM_URL_FTP)
#define URL_EP06  (SIM_URL_HTTP | SIM_URL_HTTPS | SIM_URL_FTP)
#define URL_BG96  (SIM_URL_HTTP | SIM_URL_HTTPS)
#define URL_BG95  (SIM_URL_HTTP | SIM_URL_HTTPS | SIM_URL_COAP)

/* cert_dir: guides 000 (BG96, the file system's root) and 003 (BG95/BG77,
 * /datatx) name the certificate files an https download needs; the others
 * name none, and their https downloads use what the module has. */
/* How long after its RDY a module in coverage, with a SIM that attached
 * there before, takes to register (REG_* below, at --speed 1). No guide
 * gives a figure; these are the usual bench times by radio, kept on the
 * short side so that a station that does not wait is caught:
 *   LTE Cat 4/6 (AG35, EP06 family, EC2x family): about 5 s;
 *   LTE-M/NB-IoT with GSM fallback (BG96, BG95/BG77): about 10 s: their
 *     "Network Searching Scheme" notes scan eMTC, NB-IoT and GSM in turn
 *     (AT+QCFG="nwscanseq");
 *   NB-IoT only (BC26): about 15 s: coverage-enhancement repetitions make
 *     each step of the attach slow.
 * A first attach that scans every band takes minutes; register= gives
 * that, and `never`. */
#define REG_CAT4  5000
#define REG_LTEM  10000
#define REG_NBIOT 15000
static const sim_model models[] = {
	{ "BG96", "BG96", &dialect_bg96, "BG96MAR02A07M1G", "BG96MAR02A08M1G",
	  "BG96MAR02A06M1G", "86642603", true, CAPS_BG96, URL_BG96, 255, "", REG_LTEM },
	{ "AG35", "AG35", &dialect_ag35, "AG35CEVAR05A07T4G",
	  "AG35CEVAR05A08T4G", "AG35CEVAR05A06T4G", "86710303", true,
	  CAPS_UFS, URL_AG35, 255, NULL, REG_CAT4 },
	{ "EP06", "EP06", &dialect_ag35, "EP06ELAR03A05M4G",
	  "EP06ELAR03A06M4G", "EP06ELAR03A04M4G", "86753903", true,
	  CAPS_UFS, URL_EP06, 255, NULL, REG_CAT4 },
	{ "EG06", "EP06", &dialect_ag35, "EG06ELAR03A05M4G",
	  "EG06ELAR03A06M4G", "EG06ELAR03A04M4G", "86753904", true,
	  CAPS_UFS, URL_EP06, 255, NULL, REG_CAT4 },
	{ "EM06", "EP06", &dialect_ag35, "EM06ELAR03A05M4G",
	  "EM06ELAR03A06M4G", "EM06ELAR03A04M4G", "86753905", true,
	  CAPS_UFS, URL_EP06, 255, NULL, REG_CAT4 },
	{ "EC25", "EC25", &dialect_ec25, "EC25EFAR06A06M4G",
	  "EC25EFAR06A07M4G", "EC25EFAR06A05M4G", "86145803", true,
	  CAPS_UFS, URL_EP06, 255, NULL, REG_CAT4 },
	{ "EG25", "EG25", &dialect_ec25, "EG25GGBR07A08M2G",
	  "EG25GGBR07A09M2G", "EG25GGBR07A07M2G", "86145804", true,
	  CAPS_UFS, URL_EP06, 255, NULL, REG_CAT4 },
	{ "BC26", "BC26", &dialect_bc26, "BC26NBR01A08", "BC26NBR01A09",
	  "BC26NBR01A07", "86743703", false, 0, SIM_URL_HTTP, 255, NULL, REG_NBIOT },
	{ "BG95", "BG95", &dialect_bg95, "BG95M3LAR02A03", "BG95M3LAR02A04",
	  "BG95M3LAR02A02", "86628704", true, CAPS_BG95, URL_BG95, 700, "/datatx/", REG_LTEM },
	{ "BG77", "BG95", &dialect_bg95, "BG77LAR02A04", "BG77LAR02A05",
	  "BG77LAR02A03", "86628705", true, CAPS_BG95, URL_BG95, 700, "/datatx/", REG_LTEM },
};

const sim_model *
sim_model_find(const char *name)
{
	for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
		if (strcasecmp(models[i].name, name) == 0)
			return &models[i];
	return NULL;
}

bool
sim_model_compatible(const sim_model *m, const char *pkg)
{
	const sim_model *p = sim_model_find(pkg);

	return p != NULL && strcasecmp(p->family, m->family) == 0;
}

const char *
sim_model_names(void)
{
	return "BG96|AG35|EP06|EG06|EM06|EC25|EG25|BC26|BG95|BG77";
}
