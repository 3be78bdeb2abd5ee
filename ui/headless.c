/*
 * headless: the --headless output, one JSON object per line, flushed per
 * line so a supervising script sees each state change as it happens.
 *
 *   BUS_STATE      {"ts","slot","unit","phase","percent","error"}
 *   BUS_UNIT_END   the same with "phase":"DONE", "result", "fw_before",
 *                  "fw_after", "checks" (the verify checks run, or null)
 *   BUS_ALERT      {"ts","alert"}
 *   headless_finish {"ts","summary":{"units",PASS,...},"exit"}
 *   headless_fail   {"ts","error":{"file","line","setting","message"},"exit"}
 *                   the one line of a station that could not start
 *
 * Byte traffic (TX/RX), notes and port events are the timelines' business
 * and are not printed. BUS_UNIT_START prints nothing either: it only tells
 * which IMEI the slot's later lines belong to, until BUS_UNIT_END.
 *
 * Strings are escaped so every line is valid JSON whatever a module sent:
 * control bytes as \u00XX, and bytes that are not valid UTF-8 as \u00XX of
 * the byte (so they show, as Latin-1, instead of breaking the parser).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "text/text.h"
#include "ui/headless.h"

/* Slot indexes above this are not slots but a bug upstream. */
#define HEADLESS_SLOT_MAX 65536

typedef struct headless_slot {
	char imei[24];          /* "" when no unit is in the slot */
} headless_slot;

struct headless {
	FILE          *out;
	headless_slot *slots;
	int            nslots;
	int            units;
	int            results[RESULT_COUNT];
};

headless *
headless_new(FILE *out)
{
	headless *h = calloc(1, sizeof *h);

	if (h != NULL)
		h->out = out;
	return h;
}

void
headless_free(headless *h)
{
	if (h == NULL)
		return;
	free(h->slots);
	free(h);
}

static headless_slot *
headless_slot_get(headless *h, int slot)
{
	if (slot < 0 || slot >= HEADLESS_SLOT_MAX)
		return NULL;
	if (slot >= h->nslots) {
		int            n = slot + 1 > h->nslots * 2 ? slot + 1 : h->nslots * 2;
		headless_slot *ns = realloc(h->slots, (size_t)n * sizeof *ns);

		if (ns == NULL)
			return NULL;
		memset(ns + h->nslots, 0, (size_t)(n - h->nslots) * sizeof *ns);
		h->slots = ns;
		h->nslots = n;
	}
	return &h->slots[slot];
}

static void
headless_begin(headless *h, int64_t ts_ms)
{
	char ts[32];

	fputs("{\"ts\":", h->out);
	text_json_string(h->out, unit_format_time(ts_ms, ts, sizeof ts));
}

static void
headless_end(headless *h)
{
	fputs("}\n", h->out);
	fflush(h->out);
}

static void
headless_string_or_null(FILE *f, const char *s)
{
	text_json_string(f, s != NULL && s[0] != '\0' ? s : NULL);
}

static void
headless_percent(FILE *f, int percent)
{
	if (percent >= 0)
		fprintf(f, ",\"percent\":%d", percent);
	else
		fputs(",\"percent\":null", f);
}

/* null, or {"code":N|null,"text":"..."|null} when there is any error. */
static void
headless_error(FILE *f, int code, const char *text)
{
	int has_text = text != NULL && text[0] != '\0';

	fputs(",\"error\":", f);
	if (code < 0 && !has_text) {
		fputs("null", f);
		return;
	}
	if (code >= 0)
		fprintf(f, "{\"code\":%d,\"text\":", code);
	else
		fputs("{\"code\":null,\"text\":", f);
	headless_string_or_null(f, text);
	fputc('}', f);
}

/* "slot" and "unit": the unit is the IMEI known for the slot. */
static void
headless_where(headless *h, const bus_event *ev, const char *imei)
{
	fputs(",\"slot\":", h->out);
	headless_string_or_null(h->out, ev->slot_label);
	fputs(",\"unit\":", h->out);
	headless_string_or_null(h->out, imei);
}

static void
headless_state(headless *h, const bus_event *ev, const headless_slot *s)
{
	headless_begin(h, ev->ts_ms);
	headless_where(h, ev, s != NULL ? s->imei : NULL);
	fputs(",\"phase\":", h->out);
	text_json_string(h->out, unit_phase_name(ev->phase));
	headless_percent(h->out, ev->percent);
	headless_error(h->out, ev->error_code, ev->text);
	headless_end(h);
}

static void
headless_unit_end(headless *h, const bus_event *ev, headless_slot *s)
{
	const unit_record *u = ev->unit;
	const char        *imei = s != NULL ? s->imei : NULL;
	unit_result        result = u != NULL ? u->result : RESULT_NONE;

	if (u != NULL && u->imei[0] != '\0')
		imei = u->imei;
	headless_begin(h, ev->ts_ms);
	headless_where(h, ev, imei);
	fputs(",\"phase\":\"DONE\"", h->out);
	headless_percent(h->out, ev->percent);
	fputs(",\"result\":", h->out);
	headless_string_or_null(h->out, unit_result_name(result));
	fputs(",\"fw_before\":", h->out);
	headless_string_or_null(h->out, u != NULL ? u->fw_before : NULL);
	fputs(",\"fw_after\":", h->out);
	headless_string_or_null(h->out, u != NULL ? u->fw_after : NULL);
	/* The verify checks run, "imei=ok;sim=fail" (null when none ran). */
	fputs(",\"checks\":", h->out);
	headless_string_or_null(h->out, u != NULL && u->checks[0] ? u->checks : NULL);
	if (u != NULL)
		headless_error(h->out, u->error_code, u->error_text);
	else
		headless_error(h->out, ev->error_code, ev->text);
	headless_end(h);

	h->units++;
	if (result > RESULT_NONE && result < RESULT_COUNT)
		h->results[result]++;
	if (s != NULL)
		s->imei[0] = '\0';
}

void
headless_on_event(void *ctx, const bus_event *ev)
{
	headless      *h = ctx;
	headless_slot *s = headless_slot_get(h, ev->slot);

	switch (ev->kind) {
	case BUS_UNIT_START:
		if (s != NULL && ev->unit != NULL)
			snprintf(s->imei, sizeof s->imei, "%s", ev->unit->imei);
		break;
	case BUS_STATE:
		headless_state(h, ev, s);
		break;
	case BUS_UNIT_END:
		headless_unit_end(h, ev, s);
		break;
	case BUS_ALERT:
		headless_begin(h, ev->ts_ms);
		fputs(",\"alert\":", h->out);
		text_json_string(h->out, ev->text != NULL ? ev->text : "");
		headless_end(h);
		break;
	default:
		break;
	}
}

void
headless_finish(headless *h, int exit_status)
{
	static const unit_result order[] = {
		RESULT_PASS, RESULT_FAIL, RESULT_SKIPPED, RESULT_NO_PACKAGE,
		RESULT_ABORTED,
	};

	headless_begin(h, unit_now_ms());
	fprintf(h->out, ",\"summary\":{\"units\":%d", h->units);
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		fprintf(h->out, ",\"%s\":%d", unit_result_name(order[i]),
		    h->results[order[i]]);
	fprintf(h->out, "},\"exit\":%d", exit_status);
	headless_end(h);
}

/* The station's own messages say "FILE:LINE: SETTING: what is wrong" (a
 * config error, config_fail), "PATH: what is wrong" (path: the station
 * file, when the message is about it) or just a sentence:
 * the line splits them back into their parts; a part a message lacks is
 * null. A setting is one word of letters, digits, '_', '.', '[' and ']'. */
void
headless_fail(FILE *out, const char *path, const char *message, int exit_status)
{
	const char *colon = NULL, *rest = message, *p;
	char        file[1024] = "", setting[256] = "";
	long        line = -1;
	char        ts[32];

	/* FILE:LINE: -- the first ":<digits>: " (a path may hold ':'). */
	for (p = strchr(message, ':'); p != NULL && colon == NULL; p = strchr(p + 1, ':')) {
		const char *d = p + 1;
		while (isdigit((unsigned char)*d))
			d++;
		if (d > p + 1 && d[0] == ':' && d[1] == ' ')
			colon = p;
	}
	if (colon != NULL && (size_t)(colon - message) < sizeof file) {
		memcpy(file, message, (size_t)(colon - message));
		file[colon - message] = '\0';
		line = strtol(colon + 1, (char **)&rest, 10);
		rest += 2;
		p = rest;
		while (isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '[' || *p == ']')
			p++;
		if (p > rest && p[0] == ':' && p[1] == ' ' && (size_t)(p - rest) < sizeof setting) {
			memcpy(setting, rest, (size_t)(p - rest));
			setting[p - rest] = '\0';
			rest = p + 2;
		}
	} else if (path != NULL && strncmp(message, path, strlen(path)) == 0 &&
	    strncmp(message + strlen(path), ": ", 2) == 0 && strlen(path) < sizeof file) {
		snprintf(file, sizeof file, "%s", path);
		rest = message + strlen(path) + 2;
	}
	fputs("{\"ts\":", out);
	text_json_string(out, unit_format_time(unit_now_ms(), ts, sizeof ts));
	fputs(",\"error\":{\"file\":", out);
	text_json_string(out, file[0] != '\0' ? file : NULL);
	if (line >= 0)
		fprintf(out, ",\"line\":%ld", line);
	else
		fputs(",\"line\":null", out);
	fputs(",\"setting\":", out);
	text_json_string(out, setting[0] != '\0' ? setting : NULL);
	fputs(",\"message\":", out);
	text_json_string(out, rest);
	fprintf(out, "},\"exit\":%d}\n", exit_status);
	fflush(out);
}
