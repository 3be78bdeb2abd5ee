/*
 * worker_deliver: getting a package to the module and starting the update.
 *
 * Which way a package goes is decided by the package and the model table:
 * a url package is downloaded by the module itself (after waiting until it
 * is registered on a network, without which it would only time out:
 * worker_network.c); a file
 * package is uploaded over the AT port in the model's way -- into UFS with
 * AT+QFUPL (AG35, EP06 family, EC2x), to /fota/update.zip (BG96), or
 * streamed with AT+QFOTADL="COM:" (BG95/BG77) -- and checked against the
 * module's XOR-16 checksum. Before the trigger the URCs are routed to the
 * USB AT port where the model allows it, and read back.
 *
 * What the guides add before a URL trigger, each set and read back: the
 * network check of the model's guide (BC26 also wants an IP address on the
 * default PDN), the BG95 DFOTA APN (AT+QCFGEXT="fota_apn"), the HTTPS
 * certificates (uploaded under the guides' names and checked like a
 * package), and the BG95 trigger mode (AT+QFOTADL=3: 1 for a URL, so the
 * module updates right after its download; 0 for a COM: upload, so the
 * station checks the upload before it starts the update with
 * AT+QFOTADL=1). The mode is read every time: it does not survive a power
 * cycle. The trigger is built without a fixed cap (BG95 URLs: 700 bytes).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialects/cmdtimes.h"
#include "dialects/urls.h"
#include "packages/pkg_checksum.h"
#include "station/worker_int.h"

#define WORKER_BG96_PACKAGE "/fota/update.zip"
#define WORKER_UFS_DIR      "/data/ufs/"

/* The upload's percentage goes to the grid, the timeline and the journal
 * at most every WORKER_PROGRESS_MS (and at the end): a fast upload passes
 * a percent every few blocks, and an event per percent wakes every bus
 * consumer a hundred times per unit while 32 uploads share the machine
 * with the modules they feed. A slow upload still shows every percent. */
#define WORKER_PROGRESS_MS 100

typedef struct upload_progress {
	worker *w;
	size_t  total;
	int64_t last_ms;
} upload_progress;

static void
worker_upload_progress(void *ctx, size_t sent)
{
	upload_progress *p = ctx;
	int64_t          now = unit_mono_ms();

	if (sent < p->total && now - p->last_ms < WORKER_PROGRESS_MS)
		return;
	p->last_ms = now;
	worker_set(p->w, PHASE_DELIVER, (int)(sent * 100 / (p->total ? p->total : 1)));
}

/* A UFS file name the module accepts: the package's base name, with
 * anything but letters, digits, '.', '-', '_' replaced. */
static void
worker_ufs_name(const pkg *hop, char *name, size_t len)
{
	const char *base = strrchr(hop->file, '/');
	size_t      i;

	base = base != NULL ? base + 1 : hop->file;
	for (i = 0; base[i] != '\0' && i + 1 < len && i < 80; i++)
		name[i] = (isalnum((unsigned char)base[i]) || strchr(".-_", base[i])) ? base[i] : '_';
	name[i] = '\0';
}

/* "+QFUPL: 65536,1a2b" or "+QFOTADL: 65536,1a2b" -> size and checksum. */
static bool
worker_parse_upload_result(const at_response *r, const char *prefix,
                           unsigned long *size, unsigned *sum)
{
	for (int i = 0; i < r->nlines; i++) {
		if (strncasecmp(r->lines[i], prefix, strlen(prefix)) != 0)
			continue;
		if (sscanf(r->lines[i] + strlen(prefix), " %lu , %x", size, sum) == 2)
			return true;
	}
	return false;
}

static hop_rc
worker_check_space(worker *w, uint64_t need)
{
	at_response   r;
	unsigned long free_b, total;

	if (worker_cmd(w, &r, "AT+QFLDS=\"UFS\"") != AT_OK)
		return HOP_OK;       /* not every firmware answers; QFUPL will say */
	for (int i = 0; i < r.nlines; i++)
		if (sscanf(r.lines[i], "+QFLDS: %lu,%lu", &free_b, &total) == 2 && free_b < need)
			return worker_fail(w, PHASE_DELIVER, -1, false,
			    "package (%llu bytes) does not fit: the module has %lu bytes free",
			    (unsigned long long)need, free_b);
	return HOP_OK;
}

/* Deletes a package left by an earlier try: AT+QFUPL refuses to overwrite. */
static hop_rc
worker_remove_stale(worker *w, const char *list_name, const char *del_name)
{
	at_response r;
	at_status   s = worker_cmd(w, &r, "AT+QFLST=\"%s\"", list_name);

	if (s == AT_STOPPED)
		return HOP_STOPPED;
	if (s != AT_OK || r.nlines == 0)
		return HOP_OK;
	worker_note(w, "deleting a package left on the module: %s", r.lines[0]);
	s = worker_cmd(w, &r, "AT+QFDEL=\"%s\"", del_name);
	if (s == AT_CME_ERROR && r.code != 405)
		return worker_fail_code(w, PHASE_DELIVER, ERRCTX_CME, r.code,
		    "could not delete the old package (AT+QFDEL)");
	return s == AT_STOPPED ? HOP_STOPPED : HOP_OK;
}

static hop_rc
worker_send(worker *w, const uint8_t *data, size_t len, size_t ack_block,
            const char *result_prefix)
{
	upload_progress prog = { .w = w, .total = len, .last_ms = unit_mono_ms() };
	at_response     r;
	unsigned long   got_size = 0;
	unsigned        got_sum = 0;
	uint16_t        want = pkg_checksum_xor16(data, len);
	at_status       s;

	s = at_send_data(w->ch, data, len, ack_block, worker_cmd_ms(w) * 2,
	    worker_upload_progress, &prog);
	/* A cut upload must not leave the module in data mode, where it
	 * answers nothing: out the guides' way before anything else. */
	if (s == AT_STOPPED || s == AT_TIMEOUT)
		at_leave_data(w->ch, WORKER_GUARD_MS, (WORKER_UPLOAD_TIMEOUT_S + 1) * 1000);
	if (s == AT_STOPPED)
		return HOP_STOPPED;
	if (s == AT_TIMEOUT)
		return worker_fail(w, PHASE_DELIVER, -1, true,
		    "upload stalled: the module stopped acknowledging data");
	if (s == AT_PORT_LOST)
		return worker_fail(w, PHASE_DELIVER, -1, true, "port lost during the upload");
	s = at_finish(w->ch, worker_cmd_ms(w) * 2, &r);
	if (s == AT_STOPPED)
		return HOP_STOPPED;
	if (s == AT_CME_ERROR)
		return worker_fail_code(w, PHASE_DELIVER, ERRCTX_CME, r.code, "upload failed");
	if (s != AT_OK || !worker_parse_upload_result(&r, result_prefix, &got_size, &got_sum))
		return worker_fail(w, PHASE_DELIVER, -1, true,
		    "upload not confirmed by the module (%s)", s == AT_OK ? "no size/checksum line" : at_status_name(s));
	if (got_size != len || got_sum != want)
		return worker_fail(w, PHASE_DELIVER, -1, true,
		    "upload damaged: module received %lu bytes with checksum %04x, package has %zu bytes with checksum %04x",
		    got_size, got_sum, len, want);
	worker_note(w, "upload confirmed: %zu bytes, checksum %04x", len, want);
	return HOP_OK;
}

/* BG95/BG77 AT+QFOTADL=3: reads the trigger mode, sets `want` when it
 * differs, and reads it back. Nothing to do on other models. */
static hop_rc
worker_trigger_mode(worker *w, int want)
{
	at_response r;
	at_status   s;
	int         mode = -1;

	if (!w->id.mi->has_trigger_mode)
		return HOP_OK;
	for (int round = 0; round < 2; round++) {
		s = worker_cmd(w, &r, "AT+QFOTADL=3");
		if (s == AT_STOPPED)
			return HOP_STOPPED;
		mode = -1;
		for (int i = 0; s == AT_OK && i < r.nlines; i++)
			if (sscanf(r.lines[i], "+QFOTADL: 3 , %d", &mode) == 1)
				break;
		if (mode == want) {
			if (round > 0)
				worker_note(w, "DFOTA trigger mode set to %d (%s)", want,
				    want ? "update right after the download" : "wait for AT+QFOTADL=1");
			return HOP_OK;
		}
		if (round > 0)
			break;
		worker_note(w, "DFOTA trigger mode is %d; setting %d", mode, want);
		s = worker_cmd(w, &r, "AT+QFOTADL=3,%d", want);
		if (s == AT_STOPPED)
			return HOP_STOPPED;
		if (s != AT_OK)
			break;
	}
	return worker_fail(w, PHASE_DELIVER, -1, true,
	    "could not set the DFOTA trigger mode to %d (AT+QFOTADL=3 reads %d)",
	    want, mode);
}

/* A whole small file (a certificate); the caller frees *data. */
static int
worker_read_small(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long  n;

	*data = NULL;
	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (*data = malloc((size_t)n + 1)) == NULL ||
	    fread(*data, 1, (size_t)n, f) != (size_t)n) {
		free(*data);
		*data = NULL;
		fclose(f);
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

/* The HTTPS certificates under the guides' names (BG96: the file system's
 * root; BG95/BG77: /datatx), each uploaded with AT+QFUPL after deleting
 * an old one and checked against the module's checksum like a package. */
static hop_rc
worker_upload_certs(worker *w, const pkg *hop)
{
	const struct { const char *file, *name; } certs[] = {
		{ hop->certs.ca,   "fota_cacert.pem" },
		{ hop->certs.cert, "fota_client_cert.pem" },
		{ hop->certs.key,  "fota_client_key.pem" },
	};
	const char *dir = w->id.mi->cert_dir;
	hop_rc      rc = HOP_OK;

	if (hop->certs.ca[0] == '\0' || dir == NULL)
		return HOP_OK;
	for (size_t i = 0; i < sizeof certs / sizeof certs[0] && rc == HOP_OK; i++) {
		char        name[160];
		uint8_t    *data;
		size_t      len;
		at_response r;
		at_status   s;

		if (certs[i].file[0] == '\0')
			continue;     /* no client certificate: the server wants none */
		snprintf(name, sizeof name, "%s%s", dir, certs[i].name);
		if (worker_read_small(certs[i].file, &data, &len) != 0)
			return worker_fail(w, PHASE_DELIVER, -1, false,
			    "cannot read certificate %s", certs[i].file);
		rc = worker_remove_stale(w, name, name);
		if (rc == HOP_OK) {
			s = worker_cmd(w, &r, "AT+QFUPL=\"%s\",%zu,%d,1", name, len, WORKER_UPLOAD_TIMEOUT_S);
			if (s == AT_CONNECT)
				rc = worker_send(w, data, len, 1024, "+QFUPL:");
			else if (s == AT_STOPPED)
				rc = HOP_STOPPED;
			else if (s == AT_CME_ERROR)
				rc = worker_fail_code(w, PHASE_DELIVER, ERRCTX_CME, r.code,
				    "module refused the certificate upload");
			else
				rc = worker_fail(w, PHASE_DELIVER, -1, true,
				    "module did not accept certificate %s (%s)", name,
				    at_status_name(s));
		}
		if (rc == HOP_OK)
			worker_note(w, "certificate %s uploaded as %s", certs[i].file, name);
		free(data);
	}
	return rc;
}

/* BG95/BG77: the DFOTA APN, set and read back. */
static hop_rc
worker_fota_apn(worker *w, const pkg *hop)
{
	at_response r;
	at_status   s;
	char        want[80];

	if (hop->apn[0] == '\0' || !w->id.mi->has_fota_apn)
		return HOP_OK;
	s = worker_cmd(w, &r, "AT+QCFGEXT=\"fota_apn\",0,\"%s\"", hop->apn);
	if (s == AT_STOPPED)
		return HOP_STOPPED;
	if (s == AT_OK)
		s = worker_cmd(w, &r, "AT+QCFGEXT=\"fota_apn\"");
	if (s == AT_STOPPED)
		return HOP_STOPPED;
	snprintf(want, sizeof want, ",\"%s\"", hop->apn);
	for (int i = 0; s == AT_OK && i < r.nlines; i++)
		if (strcasestr(r.lines[i], "fota_apn") != NULL &&
		    strcasestr(r.lines[i], want) != NULL) {
			worker_note(w, "DFOTA APN %s set", hop->apn);
			return HOP_OK;
		}
	return worker_fail(w, PHASE_DELIVER, -1, true,
	    "could not set the DFOTA APN %s (AT+QCFGEXT=\"fota_apn\" reads %s)",
	    hop->apn, s == AT_OK && r.nlines > 0 ? r.lines[0] : at_status_name(s));
}

/* The shapes of an upload, one row per delivery flag, in the order the
 * model's flags are tried: where the file goes, how it is checked before,
 * how it is sent, and which command then starts the update. */
typedef struct upload_shape {
	unsigned    delivery;      /* MODEL_DELIVER_*                            */
	bool        streamed;      /* AT+QFOTADL="COM:": no file, no name        */
	int         trigger_mode;  /* AT+QFOTADL=3,<n> to set first; -1: none    */
	const char *fixed_name;    /* the one name the model takes; NULL: UFS's  */
	const char *list_prefix;   /* AT+QFLST pattern before the name           */
	bool        check_space;   /* AT+QFLDS against the package size          */
	const char *trigger_fmt;   /* %s: the file's name                        */
	size_t      ack_block;     /* the module's 'A' every so many bytes; 0    */
	const char *done_prefix;   /* the answer that gives size and checksum    */
} upload_shape;

static const upload_shape upload_shapes[] = {
	/* BG95/BG77: streamed, then AT+QFOTADL=1 in trigger mode 0. */
	{ .delivery = MODEL_DELIVER_COM, .streamed = true, .trigger_mode = 0,
	  .trigger_fmt = "AT+QFOTADL=1", .done_prefix = "+QFOTADL:" },
	/* BG96: the fixed /fota/update.zip. */
	{ .delivery = MODEL_DELIVER_FOTAZIP, .trigger_mode = -1,
	  .fixed_name = WORKER_BG96_PACKAGE, .list_prefix = "",
	  .trigger_fmt = "AT+QFOTADL=1", .ack_block = 1024, .done_prefix = "+QFUPL:" },
	/* AG35, EP06 family, EC2x: a file in UFS, named after the package. */
	{ .delivery = MODEL_DELIVER_UFS, .trigger_mode = -1, .list_prefix = "UFS:",
	  .check_space = true, .trigger_fmt = "AT+QFOTADL=\"" WORKER_UFS_DIR "%s\"",
	  .ack_block = 1024, .done_prefix = "+QFUPL:" },
};

static const upload_shape *
worker_upload_shape(const model_info *mi)
{
	for (size_t i = 0; i < sizeof upload_shapes / sizeof upload_shapes[0]; i++)
		if (mi->deliveries & upload_shapes[i].delivery)
			return &upload_shapes[i];
	return NULL;
}

/* Uploads a file package the model's way (its upload_shape); trigger gets
 * the command that starts the update. */
static hop_rc
worker_upload(worker *w, const pkg *hop, char *trigger, size_t tlen)
{
	const upload_shape *sh = worker_upload_shape(w->id.mi);
	uint8_t            *data = NULL;
	size_t              len = 0;
	char                name[128], list[160];
	at_response         r;
	at_status           s = AT_OK;
	hop_rc              rc = HOP_OK;
	int64_t             t0;

	if (sh == NULL)
		return worker_fail(w, PHASE_DELIVER, -1, false,
		    "%s takes no uploaded package", w->id.model);
	if (pkg_read(hop, &data, &len) != 0)
		return worker_fail(w, PHASE_DELIVER, -1, false,
		    "cannot read package file %s", hop->file);
	if (!station_upload_acquire(w->st)) {
		free(data);
		return HOP_STOPPED;
	}
	t0 = unit_mono_ms();
	worker_set(w, PHASE_DELIVER, 0);
	if (sh->fixed_name != NULL)
		snprintf(name, sizeof name, "%s", sh->fixed_name);
	else
		worker_ufs_name(hop, name, sizeof name);
	snprintf(trigger, tlen, sh->trigger_fmt, name);
	if (sh->trigger_mode >= 0)
		rc = worker_trigger_mode(w, sh->trigger_mode);
	if (rc == HOP_OK && !sh->streamed) {
		snprintf(list, sizeof list, "%s%s", sh->list_prefix, name);
		rc = worker_remove_stale(w, list, name);
		if (rc == HOP_OK && sh->check_space)
			rc = worker_check_space(w, len);
	}
	if (rc == HOP_OK) {
		if (sh->streamed)
			s = worker_cmd(w, &r, "AT+QFOTADL=\"COM:\",%zu,%d", len, WORKER_UPLOAD_TIMEOUT_S);
		else
			s = worker_cmd(w, &r, "AT+QFUPL=\"%s\",%zu,%d,1", name, len, WORKER_UPLOAD_TIMEOUT_S);
		if (s == AT_CONNECT)
			rc = worker_send(w, data, len, sh->ack_block, sh->done_prefix);
	}
	if (rc == HOP_OK && s != AT_CONNECT) {
		if (s == AT_STOPPED)
			rc = HOP_STOPPED;
		else if (s == AT_CME_ERROR)
			rc = worker_fail_code(w, PHASE_DELIVER, ERRCTX_CME, r.code,
			    "module refused the upload");
		else
			rc = worker_fail(w, PHASE_DELIVER, -1, true,
			    "module did not accept the upload (%s)", at_status_name(s));
	}
	station_upload_release(w->st);
	free(data);
	w->u.transfer_s = (double)(unit_mono_ms() - t0) / 1000.0;
	return rc;
}

/* Route URCs to the USB AT port and read it back: on a module left at the
 * factory default the update's progress would go to the main UART only. */
static hop_rc
worker_route_urcs(worker *w)
{
	at_response r;
	at_status   s;

	if (!w->id.mi->has_urcport)
		return HOP_OK;
	s = worker_cmd(w, &r, "AT+QURCCFG=\"urcport\",\"usbat\"");
	if (s == AT_STOPPED)
		return HOP_STOPPED;
	if (s == AT_OK)
		s = worker_cmd(w, &r, "AT+QURCCFG=\"urcport\"");
	if (s == AT_STOPPED)
		return HOP_STOPPED;
	for (int i = 0; s == AT_OK && i < r.nlines; i++)
		if (strcasestr(r.lines[i], "usbat") != NULL)
			return HOP_OK;
	return worker_fail(w, PHASE_TRIGGER, -1, true,
	    "could not route progress messages to the USB port (AT+QURCCFG)");
}

static hop_rc
worker_trigger(worker *w, const char *cmd)
{
	at_response r;
	at_status   s;

	worker_set(w, PHASE_TRIGGER, -1);
	/* An RDY or URC of an earlier hop must not pass for this update's. */
	if (w->ch != NULL && at_discard_pending(w->ch) > 0)
		worker_note(w, "earlier unsolicited lines set aside before the trigger");
	s = worker_cmd(w, &r, "%s", cmd);
	switch (s) {
	case AT_OK:
		return HOP_OK;
	case AT_STOPPED:
		return HOP_STOPPED;
	case AT_PORT_LOST:
		/* Some firmware resets before its OK gets out; follow it. */
		worker_note(w, "port lost right after the trigger; following the reboot");
		return HOP_OK;
	case AT_CME_ERROR:
		return worker_fail_code(w, PHASE_TRIGGER, ERRCTX_CME, r.code,
		    "module refused to start the update");
	case AT_ERROR:
		return worker_fail(w, PHASE_TRIGGER, -1, true,
		    "module refused to start the update (ERROR to %.80s)", cmd);
	default:
		return worker_fail(w, PHASE_TRIGGER, -1, true,
		    "no answer to %.80s within %g s", cmd,
		    cmd_time_wait_ms(w->id.mi->dialect, cmd, worker_cmd_ms(w)) / 1000.0);
	}
}

/* Everything a URL download needs on the module, in the guides' order. */
static hop_rc
worker_prepare_url(worker *w, const pkg *hop)
{
	hop_rc rc = worker_url_network(w);

	if (rc == HOP_OK)
		rc = worker_fota_apn(w, hop);
	if (rc == HOP_OK)
		rc = worker_upload_certs(w, hop);
	if (rc == HOP_OK)
		rc = worker_trigger_mode(w, 1);
	return rc;
}

hop_rc
worker_deliver(worker *w, const pkg *hop, bool *url)
{
	const model_info *mi = w->id.mi;
	char              upload_trigger[256];
	char             *url_trigger = NULL;
	char              why[256];
	hop_rc            rc;

	*url = hop->url[0] != '\0';
	if (*url && !(mi->deliveries & MODEL_DELIVER_URL))
		return worker_fail(w, PHASE_PLAN, -1, false, "%s cannot download a package from a URL", mi->name);
	if (!*url && !(mi->deliveries & (MODEL_DELIVER_UFS | MODEL_DELIVER_FOTAZIP | MODEL_DELIVER_COM)))
		return worker_fail(w, PHASE_PLAN, -1, false,
		    "%s cannot take an uploaded package; give it a url package", mi->name);
	/* The station file was checked for the package's model; the module
	 * in the slot may be another one of the family. */
	if (*url && url_check(mi, hop->url, why, sizeof why) != 0)
		return worker_fail(w, PHASE_PLAN, -1, false, "url %s", why);
	worker_set(w, PHASE_DELIVER, -1);
	if (*url) {
		rc = worker_prepare_url(w, hop);
		if (rc == HOP_OK && asprintf(&url_trigger, "AT+QFOTADL=\"%s\"", hop->url) < 0) {
			url_trigger = NULL;
			rc = worker_fail(w, PHASE_TRIGGER, -1, true, "out of memory");
		}
	} else {
		rc = worker_upload(w, hop, upload_trigger, sizeof upload_trigger);
	}
	if (rc == HOP_OK)
		rc = worker_route_urcs(w);
	if (rc == HOP_OK)
		rc = worker_trigger(w, *url ? url_trigger : upload_trigger);
	free(url_trigger);
	/* From here the module may be anywhere between two firmwares: what it
	 * runs is known again only when it is read after the update. */
	if (rc == HOP_OK) {
		w->u.fw_after[0] = '\0';
		station_set_danger(w->st, w->sl->index, true);
	}
	return rc;
}
