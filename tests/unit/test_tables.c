/*
 * test_tables: the model table and the error-code table are data; these
 * tests hold them to their contracts (every row complete, lookups right, no
 * duplicate rows, every code the vendor guides document present).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialects/cmdtimes.h"
#include "dialects/errors.h"
#include "dialects/models.h"
#include "dialects/urls.h"
#include "dialects/usbids.h"
#include "tests/harness/harness.h"

START_TEST(test_models_complete)
{
	size_t i, j, n = model_count();

	ck_assert_uint_ge(n, 19);
	ck_assert_ptr_null(model_at(n));
	for (i = 0; i < n; i++) {
		const model_info *m = model_at(i);

		ck_assert_ptr_nonnull(m);
		ck_assert_ptr_nonnull(m->name);
		ck_assert_uint_gt(strlen(m->name), 0);
		ck_assert_int_lt(m->dialect, DIALECT_COUNT);
		ck_assert_str_ne(model_dialect_name(m->dialect), "unknown");
		ck_assert_uint_ne(m->deliveries, 0);
		ck_assert_ptr_nonnull(m->summary);
		ck_assert_uint_gt(strlen(m->summary), 0);
		ck_assert_uint_le(strlen(m->summary), 80);
		if (m->deliveries & MODEL_DELIVER_URL)
			ck_assert_int_ge(url_rule_for(m)->url_max, 255);
		if (m->deliveries & (MODEL_DELIVER_UFS | MODEL_DELIVER_FOTAZIP))
			ck_assert_msg(m->has_file_cmds, "%s uploads files", m->name);
		if (m->cert_dir != NULL)
			ck_assert_msg(m->has_file_cmds && (url_rule_for(m)->schemes & URL_HTTPS),
			    "%s takes certificates", m->name);
		ck_assert_ptr_nonnull(m->net);
		ck_assert_ptr_nonnull(m->net->signal);
		ck_assert_ptr_nonnull(m->net->reg[0]);
		if (m->has_fota_apn || m->has_trigger_mode)
			ck_assert_int_eq(m->dialect, DIALECT_BG95);
		/* The main id is in the USB table, with a row of the family. */
		if (m->usb_pid != 0) {
			const model_info *u = model_find_usb(QUECTEL_USB_VID,
			    m->usb_pid);

			ck_assert_ptr_nonnull(u);
			ck_assert_int_eq(u->usb_pid, m->usb_pid);
			ck_assert_int_eq(u->dialect, m->dialect);
			ck_assert_int_gt(usb_id_at_interface(QUECTEL_USB_VID,
			    m->usb_pid, -1), 0);
		}
		ck_assert_ptr_eq(model_find(m->name), m);
		for (j = 0; j < i; j++)
			ck_assert_msg(strcasecmp(model_at(j)->name, m->name) != 0,
			    "duplicate model %s", m->name);
	}
	ck_assert_str_eq(model_dialect_name(DIALECT_COUNT), "unknown");
}
END_TEST

START_TEST(test_models_lookup)
{
	const model_info *m;

	m = model_find("bg96");
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m->name, "BG96");
	ck_assert_int_eq(m->usb_pid, 0x0296);
	ck_assert_int_eq(usb_id_at_interface(QUECTEL_USB_VID, 0x0296, -1), 2);
	ck_assert_uint_eq(m->deliveries, MODEL_DELIVER_FOTAZIP | MODEL_DELIVER_URL);
	ck_assert_int_eq(url_rule_for(m)->url_max, 255);
	ck_assert(m->has_urcport);

	m = model_find_usb(0x2c7c, 0x0700);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m->name, "BG95");
	ck_assert_int_eq(m->dialect, DIALECT_BG95);
	ck_assert_int_eq(url_rule_for(m)->url_max, 700);
	ck_assert(m->usb_blind_update);
	/* The package goes by COM:, the certificates by AT+QFUPL. */
	ck_assert(m->has_file_cmds);
	ck_assert_str_eq(m->cert_dir, "/datatx/");
	ck_assert(m->has_fota_apn);
	ck_assert(m->has_trigger_mode);
	ck_assert_uint_eq(m->deliveries, MODEL_DELIVER_COM | MODEL_DELIVER_URL);
	ck_assert_int_eq(model_find("bg77")->dialect, DIALECT_BG95);
	ck_assert_int_eq(model_find("BG600L")->dialect, DIALECT_BG95);

	m = model_find_usb(QUECTEL_USB_VID, 0x0306);
	ck_assert_str_eq(m->name, "EP06");
	ck_assert_int_eq(model_find("em06")->dialect, DIALECT_EP06);
	ck_assert_int_eq(model_find("EG06")->usb_pid, 0x0306);

	m = model_find("AG35");
	ck_assert_int_eq(m->usb_pid, 0x0435);
	ck_assert_uint_eq(m->deliveries, MODEL_DELIVER_UFS | MODEL_DELIVER_URL);

	m = model_find("BC26");
	ck_assert_int_eq(m->usb_pid, 0);
	ck_assert_uint_eq(m->deliveries, MODEL_DELIVER_URL);
	ck_assert(!m->has_urcport);
	ck_assert(!m->has_file_cmds);
	ck_assert_ptr_null(m->cert_dir);
	ck_assert_str_eq(m->net->signal, "AT+CESQ");
	ck_assert_str_eq(m->net->reg[0], "AT+CEREG?");
	ck_assert_str_eq(m->net->addr, "AT+CGPADDR=1");
	ck_assert_ptr_null(model_find("BG96")->net->addr);

	ck_assert_int_eq(model_find("EM060K")->usb_pid, 0x030b);
	ck_assert_str_eq(model_find_usb(QUECTEL_USB_VID, 0x030b)->name, "EM060K");
	ck_assert_str_eq(model_find_usb(QUECTEL_USB_VID, 0x0128)->name, "EM060K");
	ck_assert_int_eq(usb_id_at_interface(QUECTEL_USB_VID, 0x030b, -1), 2);
	ck_assert_int_eq(usb_id_at_interface(QUECTEL_USB_VID, 0x0128, -1), 5);
	ck_assert_int_eq(usb_id_at_interface(QUECTEL_USB_VID, 0x0129, -1), -1);
	ck_assert_str_eq(model_find_usb(QUECTEL_USB_VID, 0x0125)->name, "EC25");
	ck_assert_int_eq(model_find("EC21")->usb_pid, 0x0121);
	ck_assert_int_eq(model_find("eg91")->usb_pid, 0x0191);
	ck_assert_int_eq(model_find("EG95")->usb_pid, 0x0195);
	ck_assert_int_eq(model_find("EG18")->dialect, DIALECT_EC25);
	ck_assert_int_eq(model_find("EM12")->usb_pid, 0x0512);

	/* Variant suffixes that ATI prints on some builds. */
	ck_assert_str_eq(model_find("BG95-M3")->name, "BG95");
	ck_assert_str_eq(model_find("bg600l-m3")->name, "BG600L");
	ck_assert_str_eq(model_find("EM060K-GL")->name, "EM060K");
	ck_assert_ptr_null(model_find("BG950"));
	ck_assert_ptr_null(model_find("BG97"));
	ck_assert_ptr_null(model_find(""));
	ck_assert_ptr_null(model_find(NULL));
	ck_assert_ptr_null(model_find("BG9"));
	ck_assert_ptr_null(model_find_usb(0x1234, 0x0700));
	ck_assert_ptr_null(model_find_usb(QUECTEL_USB_VID, 0x0000));
	ck_assert_ptr_null(model_find_usb(QUECTEL_USB_VID, 0xffff));
}
END_TEST

START_TEST(test_errors_rows)
{
	size_t i, j, n = error_count();

	ck_assert_uint_gt(n, 0);
	ck_assert_ptr_null(error_at(n));
	for (i = 0; i < n; i++) {
		const error_info *e = error_at(i);

		ck_assert_int_lt(e->dialect, DIALECT_COUNT);
		ck_assert_int_lt(e->ctx, ERRCTX_COUNT);
		ck_assert_ptr_nonnull(e->meaning);
		ck_assert_uint_gt(strlen(e->meaning), 0);
		ck_assert_msg(strlen(e->meaning) <= 48, "too long: \"%s\"",
		    e->meaning);
		ck_assert_ptr_eq(error_lookup(e->dialect, e->ctx, e->code), e);
		for (j = 0; j < i; j++) {
			const error_info *o = error_at(j);

			ck_assert_msg(!(o->dialect == e->dialect &&
			    o->ctx == e->ctx && o->code == e->code),
			    "duplicate row %s/%s/%d",
			    model_dialect_name(e->dialect),
			    error_context_name(e->ctx), e->code);
		}
	}
}
END_TEST

/* Every code the guides (and docs/protocol.md §2) document, per dialect. */
typedef struct documented {
	model_dialect d;
	err_context   ctx;
	int           code;
	int           retry; /* 0, 1, or -1: not asserted */
} documented;

static const documented documented_codes[] = {
	{ DIALECT_BG96, ERRCTX_HTTP, 0, -1 },
	{ DIALECT_BG96, ERRCTX_HTTP, 701, 1 },
	{ DIALECT_BG96, ERRCTX_UPDATE, 0, -1 },

	{ DIALECT_AG35, ERRCTX_FTP, 0, -1 },
	{ DIALECT_AG35, ERRCTX_FTP, 601, 1 },
	{ DIALECT_AG35, ERRCTX_HTTP, 0, -1 },
	{ DIALECT_AG35, ERRCTX_HTTP, 701, 1 },
	{ DIALECT_AG35, ERRCTX_UPDATE, 0, -1 },
	{ DIALECT_AG35, ERRCTX_UPDATE, 502, 1 },
	{ DIALECT_AG35, ERRCTX_UPDATE, 505, 1 },
	{ DIALECT_AG35, ERRCTX_UPDATE, 510, 0 },
	{ DIALECT_AG35, ERRCTX_UPDATE, 511, 0 },
	{ DIALECT_AG35, ERRCTX_UPDATE, 520, -1 },
	{ DIALECT_AG35, ERRCTX_UPDATE, 525, -1 },
	{ DIALECT_AG35, ERRCTX_UPDATE, 530, -1 },
	{ DIALECT_AG35, ERRCTX_UPDATE, 540, -1 },
	{ DIALECT_AG35, ERRCTX_UPDATE, 546, -1 },

	{ DIALECT_EP06, ERRCTX_FTP, 601, 1 },
	{ DIALECT_EP06, ERRCTX_HTTP, 701, 1 },
	{ DIALECT_EP06, ERRCTX_UPDATE, 0, -1 },
	{ DIALECT_EP06, ERRCTX_UPDATE, 502, 1 },
	/* 004 §4.1.1: make the package again; the same file fails again. */
	{ DIALECT_EP06, ERRCTX_UPDATE, 504, 0 },
	{ DIALECT_EP06, ERRCTX_UPDATE, 505, 0 },
	{ DIALECT_EP06, ERRCTX_UPDATE, 510, 0 },
	{ DIALECT_EP06, ERRCTX_UPDATE, 511, 0 },
	{ DIALECT_EP06, ERRCTX_UPDATE, 520, -1 },
	{ DIALECT_EP06, ERRCTX_UPDATE, 546, -1 },

	{ DIALECT_EC25, ERRCTX_FTP, 601, 1 },
	{ DIALECT_EC25, ERRCTX_HTTP, 701, 1 },
	{ DIALECT_EC25, ERRCTX_UPDATE, 504, 0 },
	{ DIALECT_EC25, ERRCTX_UPDATE, 505, 0 },
	{ DIALECT_EC25, ERRCTX_UPDATE, 510, 0 },

	{ DIALECT_BC26, ERRCTX_HTTP, 0, -1 },
	{ DIALECT_BC26, ERRCTX_HTTP, 12, 1 },
	{ DIALECT_BC26, ERRCTX_HTTP, 13, 1 },
	{ DIALECT_BC26, ERRCTX_HTTP, 20, 1 },
	{ DIALECT_BC26, ERRCTX_UPDATE, 0, -1 },
	{ DIALECT_BC26, ERRCTX_UPDATE, 1, -1 },
	{ DIALECT_BC26, ERRCTX_UPDATE, 2, 1 },
	{ DIALECT_BC26, ERRCTX_UPDATE, 254, 0 },
	{ DIALECT_BC26, ERRCTX_UPDATE, 255, 0 },

	{ DIALECT_BG95, ERRCTX_HTTP, 0, -1 },
	{ DIALECT_BG95, ERRCTX_HTTP, 701, 1 },
	{ DIALECT_BG95, ERRCTX_HTTP, 702, 1 },
	{ DIALECT_BG95, ERRCTX_HTTP, 703, 1 },
	{ DIALECT_BG95, ERRCTX_HTTP, 704, 1 },
	{ DIALECT_BG95, ERRCTX_HTTP, 705, -1 },
	{ DIALECT_BG95, ERRCTX_HTTP, 706, -1 },
	{ DIALECT_BG95, ERRCTX_HTTP, 707, -1 },
	{ DIALECT_BG95, ERRCTX_HTTP, 708, -1 },
	{ DIALECT_BG95, ERRCTX_HTTP, 710, 1 },
	{ DIALECT_BG95, ERRCTX_UPDATE, 0, -1 },
	{ DIALECT_BG95, ERRCTX_UPDATE, 504, -1 },
	{ DIALECT_BG95, ERRCTX_UPDATE, 505, -1 },
	{ DIALECT_BG95, ERRCTX_UPDATE, 506, 1 },
	{ DIALECT_BG95, ERRCTX_UPDATE, 511, 0 },
	{ DIALECT_BG95, ERRCTX_UPDATE, 512, -1 },
	{ DIALECT_BG95, ERRCTX_CME, 590, 0 },
	{ DIALECT_BG95, ERRCTX_CME, 591, -1 },
};

START_TEST(test_errors_documented)
{
	size_t i;

	for (i = 0; i < sizeof documented_codes / sizeof documented_codes[0]; i++) {
		const documented *c = &documented_codes[i];
		const error_info *e = error_lookup(c->d, c->ctx, c->code);

		ck_assert_msg(e != NULL, "missing %s/%s/%d",
		    model_dialect_name(c->d), error_context_name(c->ctx),
		    c->code);
		if (c->retry >= 0)
			ck_assert_msg(e->retry_helps == (c->retry == 1),
			    "retry_helps of %s/%s/%d",
			    model_dialect_name(c->d),
			    error_context_name(c->ctx), c->code);
		ck_assert_int_eq(error_retry_helps(c->d, c->ctx, c->code),
		    e->retry_helps);
	}
}
END_TEST

START_TEST(test_errors_generic_codes)
{
	static const model_dialect lte[] = {
		DIALECT_AG35, DIALECT_EP06, DIALECT_EC25,
	};
	static const int cme_file[] = { 400, 405, 407, 409, 410, 411, 420, 421, 423 };
	size_t i;
	int code;

	for (i = 0; i < sizeof lte / sizeof lte[0]; i++) {
		for (code = 601; code <= 625; code++)
			ck_assert_ptr_nonnull(error_lookup(lte[i], ERRCTX_FTP, code));
		for (code = 701; code <= 716; code++)
			ck_assert_ptr_nonnull(error_lookup(lte[i], ERRCTX_HTTP, code));
	}
	for (i = 0; i < sizeof cme_file / sizeof cme_file[0]; i++) {
		ck_assert_ptr_nonnull(error_lookup(DIALECT_BG96, ERRCTX_CME, cme_file[i]));
		ck_assert_ptr_nonnull(error_lookup(DIALECT_EC25, ERRCTX_CME, cme_file[i]));
	}
	for (i = 0; i < DIALECT_COUNT; i++)
		ck_assert_str_eq(error_lookup((model_dialect)i, ERRCTX_CME, 10)->meaning,
		    "SIM not inserted");
	ck_assert(!error_retry_helps(DIALECT_EC25, ERRCTX_CME, 420));
	ck_assert(!error_retry_helps(DIALECT_EC25, ERRCTX_CME, 407));
	ck_assert(error_retry_helps(DIALECT_EC25, ERRCTX_CME, 421));
	/* BG95 keeps its own 70x wording, not the generic HTTP list. */
	ck_assert_str_eq(error_lookup(DIALECT_BG95, ERRCTX_HTTP, 702)->meaning,
	    "server connection failed");
	ck_assert_ptr_null(error_lookup(DIALECT_BG95, ERRCTX_HTTP, 709));
	ck_assert_str_eq(error_lookup(DIALECT_BG95, ERRCTX_HTTP, 701)->meaning,
	    "download: unknown error");
	ck_assert_str_eq(error_lookup(DIALECT_BG95, ERRCTX_HTTP, 706)->meaning,
	    "package file does not exist on the server");
	/* A guide's own wording for its codes; generic rows only where the
	 * guide has none. */
	ck_assert_str_eq(error_lookup(DIALECT_AG35, ERRCTX_HTTP, 701)->meaning,
	    "HTTP unknown error");
	ck_assert_str_eq(error_lookup(DIALECT_BG96, ERRCTX_HTTP, 701)->meaning,
	    "HTTP(S) unknown error");
	ck_assert_str_eq(error_lookup(DIALECT_EP06, ERRCTX_HTTP, 701)->meaning,
	    "HTTP(S) unknown error");
	ck_assert_str_eq(error_lookup(DIALECT_BG96, ERRCTX_HTTP, 702)->meaning,
	    "HTTP timeout");
	ck_assert_str_eq(error_lookup(DIALECT_AG35, ERRCTX_FTP, 601)->meaning,
	    "FTP unknown error");
	ck_assert_ptr_nonnull(strstr(error_lookup(DIALECT_EP06, ERRCTX_UPDATE,
	    504)->meaning, "make the package again"));
	ck_assert(error_retry_helps(DIALECT_AG35, ERRCTX_UPDATE, 505));
	ck_assert_str_eq(error_lookup(DIALECT_AG35, ERRCTX_UPDATE, 511)->meaning,
	    "not enough space for the update");
}
END_TEST

START_TEST(test_errors_unknown)
{
	char buf[ERROR_MEANING_MAX];

	ck_assert_str_eq(error_meaning(DIALECT_BG96, ERRCTX_UPDATE, 612, buf,
	    sizeof buf), "unknown code 612 (neither the BG96 guide nor AG35/EP06 give a meaning)");
	ck_assert_str_eq(error_meaning(DIALECT_BG95, ERRCTX_FTP, 612, buf,
	    sizeof buf), "unknown code 612");
	ck_assert_str_eq(error_meaning(DIALECT_AG35, ERRCTX_UPDATE, -3, buf,
	    sizeof buf), "unknown code -3");
	ck_assert_str_eq(error_meaning(DIALECT_AG35, ERRCTX_UPDATE, 510, buf,
	    sizeof buf), "wrong package: does not match this firmware");
	/* A short buffer is truncated, never overrun. */
	ck_assert_str_eq(error_meaning(DIALECT_AG35, ERRCTX_UPDATE, 12345, buf,
	    8), "unknown");
	ck_assert_ptr_null(error_lookup(DIALECT_AG35, ERRCTX_UPDATE, 999));
	ck_assert(error_retry_helps(DIALECT_AG35, ERRCTX_FTP, 699));
	ck_assert(error_retry_helps(DIALECT_BC26, ERRCTX_HTTP, 999));
	ck_assert(!error_retry_helps(DIALECT_BG96, ERRCTX_UPDATE, 552));
	ck_assert(!error_retry_helps(DIALECT_BG95, ERRCTX_CME, 9999));
	ck_assert_str_eq(error_context_name(ERRCTX_FTP), "FTP");
	ck_assert_str_eq(error_context_name(ERRCTX_HTTP), "HTTP");
	ck_assert_str_eq(error_context_name(ERRCTX_UPDATE), "UPDATE");
	ck_assert_str_eq(error_context_name(ERRCTX_CME), "CME");
	ck_assert_str_eq(error_context_name(ERRCTX_COUNT), "unknown");
}
END_TEST

/* BG96's lost END table: the meaning names its source, the retry class
 * stays the conservative one of an unknown code. */
START_TEST(test_errors_bg96_borrowed)
{
	char buf[ERROR_MEANING_MAX];
	int  codes[64];
	size_t n;

	ck_assert_str_eq(error_meaning(DIALECT_BG96, ERRCTX_UPDATE, 510, buf, sizeof buf),
	    "BG96 guide gives no meaning for 510; on AG35/EP06 it means wrong package: "
	    "does not match this firmware");
	ck_assert_str_eq(error_meaning(DIALECT_BG96, ERRCTX_UPDATE, 504, buf, sizeof buf),
	    "BG96 guide gives no meaning for 504; on EP06 it means package file faulty: make the package again");
	ck_assert(error_borrowed(DIALECT_BG96, ERRCTX_UPDATE, 510));
	ck_assert(!error_borrowed(DIALECT_BG96, ERRCTX_UPDATE, 0));
	ck_assert(!error_borrowed(DIALECT_AG35, ERRCTX_UPDATE, 510));
	ck_assert(!error_retry_helps(DIALECT_BG96, ERRCTX_UPDATE, 520));
	n = error_borrowed_codes(DIALECT_BG96, ERRCTX_UPDATE, codes, 64);
	ck_assert_uint_eq(n, 4 + 18 + 1);     /* 502 505 510 511, 520..546, 504 */
	ck_assert_uint_eq(error_borrowed_codes(DIALECT_AG35, ERRCTX_UPDATE, codes, 64), 0);
	/* A short buffer is cut, never overrun. */
	ck_assert_str_eq(error_meaning(DIALECT_BG96, ERRCTX_UPDATE, 510, buf, 10), "BG96 guid");
}
END_TEST

/* Every dialect a model uses has an error table of its own. */
START_TEST(test_every_dialect_has_codes)
{
	size_t i;

	for (i = 0; i < model_count(); i++) {
		model_dialect d = model_at(i)->dialect;

		ck_assert_msg(error_lookup(d, ERRCTX_UPDATE, 0) != NULL,
		    "no END codes for %s", model_dialect_name(d));
		ck_assert_msg(error_lookup(d, ERRCTX_HTTP, 0) != NULL,
		    "no download codes for %s", model_dialect_name(d));
	}
}
END_TEST

/* docs/protocol.md §5 lists the product ids whose AT port ModemManager's
 * rules put on interface 2, and EM060K's option-driver ids: the table must
 * hold every one of them with that interface. */
static char *
read_protocol(void)
{
	const char *td = getenv("DFOTA_TESTDATA");
	char path[1024];
	char *text;

	snprintf(path, sizeof path, "%s/../../docs/protocol.md", td ? td : "tests/data");
	text = harness_read_file(path, NULL);
	ck_assert_msg(text != NULL, "cannot read %s", path);
	return text;
}

START_TEST(test_usb_ids_protocol)
{
	char *text = read_protocol();
	char *sec = strstr(text, "## 5.");
	char *rule, *end;
	int listed = 0;

	ck_assert_ptr_nonnull(sec);
	rule = strstr(sec, "AT primary");
	ck_assert_ptr_nonnull(rule);
	rule = strstr(rule, "2c7c:");
	ck_assert_ptr_nonnull(rule);
	end = strchr(rule, '.');
	ck_assert_ptr_nonnull(end);
	/* "2c7c:0125, 0121, ... 0800." */
	for (char *p = rule + 5; p < end; ) {
		char *q;
		long pid = strtol(p, &q, 16);

		if (q == p) {
			p++;
			continue;
		}
		p = q;
		listed++;
		/* 0x0800 (RM500Q, 5G) has no DFOTA guide: not a station model. */
		if (pid == 0x0800) {
			ck_assert_ptr_null(usb_id_find(QUECTEL_USB_VID, 0x0800));
			continue;
		}
		ck_assert_msg(usb_id_find(QUECTEL_USB_VID, (uint16_t)pid) != NULL,
		    "0x%04lx is in docs/protocol.md §5 but not in the table", pid);
		ck_assert_int_eq(usb_id_at_interface(QUECTEL_USB_VID, (uint16_t)pid, -1), 2);
	}
	ck_assert_int_ge(listed, 8);
	/* "The Linux option driver lists EM060K as 0x030b (and 0x0128-...)" */
	ck_assert_ptr_nonnull(strstr(sec, "EM060K"));
	ck_assert_ptr_nonnull(strstr(sec, "0x030b"));
	ck_assert_str_eq(usb_id_find(QUECTEL_USB_VID, 0x030b)->model, "EM060K");
	ck_assert_str_eq(usb_id_find(QUECTEL_USB_VID, 0x0128)->model, "EM060K");
	free(text);

	for (size_t i = 0; i < usb_id_count(); i++) {
		const usb_id *u = usb_id_at(i);

		ck_assert_ptr_nonnull(model_find(u->model));
		ck_assert_ptr_nonnull(u->source);
		ck_assert_int_ge(u->at_interface, 0);
		for (size_t j = 0; j < i; j++)
			ck_assert_uint_ne(usb_id_at(j)->pid, u->pid);
	}
	ck_assert_ptr_null(usb_id_at(usb_id_count()));
	ck_assert_ptr_null(usb_id_find(0x1234, 0x0125));
}
END_TEST

START_TEST(test_url_rules)
{
	char why[256];
	char url[800];

	/* Schemes in any case, per model (docs/contract.md additions). */
	ck_assert_int_eq(url_check(model_find("EC25"), "HTTP://a.example/p.zip", why, sizeof why), 0);
	ck_assert_int_eq(url_check(model_find("BG95"), "CoAPS://a.example/p", why, sizeof why), 0);
	ck_assert_int_eq(url_check(model_find("BC26"), "https://a.example/p", why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "BC26 takes http URLs"));
	ck_assert_int_eq(url_check(model_find("BG95"), "ftp://a.example/p", why, sizeof why), -1);
	ck_assert_int_eq(url_check(model_find("BG96"), "ftp://a.example/p", why, sizeof why), -1);
	ck_assert_int_eq(url_check(model_find("BG96"), "coap://a.example/p", why, sizeof why), -1);
	ck_assert_int_eq(url_check(model_find("AG35"), "https://a.example/p", why, sizeof why), -1);
	ck_assert_int_eq(url_check(model_find("AG35"), "ftp://u:p@a.example:21/p.zip", why, sizeof why), 0);
	ck_assert_int_eq(url_check(model_find("EP06"), "https://a.example/p", why, sizeof why), 0);
	ck_assert_int_eq(url_check(model_find("EM060K"), "ftp://a.example/p", why, sizeof why), 0);
	ck_assert_int_eq(url_check(model_find("BG96"), "http://", why, sizeof why), -1);
	ck_assert_int_eq(url_check(model_find("BG96"), "tftp://a/p", why, sizeof why), -1);
	/* Lengths: 255, BG95/BG77 700. */
	snprintf(url, sizeof url, "http://a.example/%0*d", 255 - 17, 0);
	ck_assert_uint_eq(strlen(url), 255);
	ck_assert_int_eq(url_check(model_find("EC25"), url, why, sizeof why), 0);
	strcat(url, "1");
	ck_assert_int_eq(url_check(model_find("EC25"), url, why, sizeof why), -1);
	ck_assert_int_eq(url_check(model_find("BG77"), url, why, sizeof why), 0);
	snprintf(url, sizeof url, "http://a.example/%0*d", 701 - 17, 0);
	ck_assert_int_eq(url_check(model_find("BG95"), url, why, sizeof why), -1);
	/* FTP parts: 50 bytes each. */
	snprintf(url, sizeof url, "ftp://%0*d:pw@a.example/p.zip", 51, 0);
	ck_assert_int_eq(url_check(model_find("AG35"), url, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "FTP user is 51 bytes"));
	snprintf(url, sizeof url, "ftp://u:%0*d@a.example/p.zip", 51, 0);
	ck_assert_int_eq(url_check(model_find("AG35"), url, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "FTP password"));
	snprintf(url, sizeof url, "ftp://u:p@%0*d.example:21/p.zip", 51, 0);
	ck_assert_int_eq(url_check(model_find("EP06"), url, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "FTP server"));
	snprintf(url, sizeof url, "ftp://a.example/%0*d", 51, 0);
	ck_assert_int_eq(url_check(model_find("EP06"), url, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "FTP path"));
	snprintf(url, sizeof url, "ftp://%0*d:%0*d@a.example/%0*d", 50, 0, 50, 0, 50, 0);
	ck_assert_int_eq(url_check(model_find("AG35"), url, why, sizeof why), 0);
	ck_assert_int_eq(url_check(NULL, "https://a/p", why, sizeof why), -1);
	for (size_t i = 0; i < url_rule_count(); i++)
		ck_assert_ptr_nonnull(url_rule_at(i)->source);
	ck_assert_ptr_null(url_rule_at(url_rule_count()));
}
END_TEST

START_TEST(test_cmd_times)
{
	/* BG95 guide: AT+QFOTADL=<para1> up to 10 s; URL and COM: 300 ms. */
	ck_assert_int_eq(cmd_time_max_ms(DIALECT_BG95, "AT+QFOTADL=1"), 10000);
	ck_assert_int_eq(cmd_time_max_ms(DIALECT_BG95, "AT+QFOTADL=3,0"), 10000);
	ck_assert_int_eq(cmd_time_max_ms(DIALECT_BG95, "at+qfotadl=5"), 10000);
	ck_assert_int_eq(cmd_time_max_ms(DIALECT_BG95, "AT+QFOTADL=\"http://a/b\""), 300);
	ck_assert_int_eq(cmd_time_max_ms(DIALECT_BG96, "AT+QFOTADL=1"), 0);
	ck_assert_int_eq(cmd_time_max_ms(DIALECT_BG95, "AT+CSQ"), 0);
	/* The policy is the floor; the guide raises it. */
	ck_assert_int_eq(cmd_time_wait_ms(DIALECT_BG95, "AT+QFOTADL=1", 2000), 10000);
	ck_assert_int_eq(cmd_time_wait_ms(DIALECT_BG95, "AT+QFOTADL=\"http://a\"", 2000), 2000);
	ck_assert_int_eq(cmd_time_wait_ms(DIALECT_BG95, "AT+QFOTADL=1", 20000), 20000);
	for (size_t i = 0; i < cmd_time_count(); i++) {
		ck_assert_int_gt(cmd_time_at(i)->max_ms, 0);
		ck_assert_ptr_nonnull(cmd_time_at(i)->source);
	}
	ck_assert_ptr_null(cmd_time_at(cmd_time_count()));
}
END_TEST

static Suite *
tables_suite(void)
{
	Suite *s = suite_create("tables");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_models_complete);
	tcase_add_test(tc, test_models_lookup);
	tcase_add_test(tc, test_errors_rows);
	tcase_add_test(tc, test_errors_documented);
	tcase_add_test(tc, test_errors_generic_codes);
	tcase_add_test(tc, test_errors_unknown);
	tcase_add_test(tc, test_errors_bg96_borrowed);
	tcase_add_test(tc, test_every_dialect_has_codes);
	tcase_add_test(tc, test_usb_ids_protocol);
	tcase_add_test(tc, test_url_rules);
	tcase_add_test(tc, test_cmd_times);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run_suite(tables_suite(), CK_NORMAL);
}
