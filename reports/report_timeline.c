/*
 * report_timeline: one CSV file per unit attempt with every event of its
 * slot, header "ts,phase,percent,event,raw".
 *
 * Each slot (bus_event.slot, an index that grows the array on demand) is in
 * one of three states:
 *
 *   idle     no unit: events are held in a bounded ring (REPORT_HOLD_MAX);
 *            when it is full the oldest row goes and is counted, so the
 *            rows just before identification, the interesting ones, stay;
 *   wanted   BUS_UNIT_START named the file but it could not be created yet
 *            (disk trouble): rows stay held and the open is retried on
 *            every later event of the slot;
 *   open     rows go to the file, flushed per event so a crash loses
 *            little; BUS_UNIT_END fsyncs and closes it.
 *
 * The file name comes from the unit's IMEI (the slot label when the IMEI is
 * not known) and the UTC time of BUS_UNIT_START; O_EXCL keeps two units of
 * the same millisecond apart.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reports/csv.h"
#include "reports/report_timeline.h"

/* Slot indexes above this are not slots but a bug upstream. */
#define REPORT_SLOT_MAX 65536

typedef struct report_tl_row {
	int64_t    ts_ms;
	unit_phase phase;
	int        percent;
	bus_kind   kind;
	char      *raw;          /* owned */
} report_tl_row;

typedef struct report_tl_slot {
	FILE          *f;
	char           stem[128];           /* "units/IMEI-STAMP"; "" idle    */
	char           rel[UNIT_PATH_MAX];  /* the opened file, "units/...csv" */
	report_tl_row *held;                /* ring of REPORT_HOLD_MAX       */
	size_t         head;                /* oldest held row               */
	size_t         count;
	unsigned long  dropped;             /* overwritten while held        */
	unsigned long  lost;                /* could not be written          */
} report_tl_slot;

struct report_timelines {
	char           *dir;
	report_tl_slot *slots;
	int             nslots;
};

static const char *const report_tl_event_names[BUS_KIND_COUNT] = {
	[BUS_STATE]      = "state",
	[BUS_UNIT_START] = "unit_start",
	[BUS_UNIT_END]   = "unit_end",
	[BUS_TX]         = "tx",
	[BUS_RX]         = "rx",
	[BUS_PORT]       = "port",
	[BUS_NOTE]       = "note",
	[BUS_ALERT]      = "alert",
};

report_timelines *
report_timelines_new(const char *dir)
{
	report_timelines *t = calloc(1, sizeof *t);

	if (t == NULL)
		return NULL;
	t->dir = strdup(dir);
	if (t->dir == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

static report_tl_slot *
report_tl_slot_get(report_timelines *t, int slot)
{
	if (slot < 0 || slot >= REPORT_SLOT_MAX)
		return NULL;
	if (slot >= t->nslots) {
		int             n = slot + 1 > t->nslots * 2 ? slot + 1 : t->nslots * 2;
		report_tl_slot *ns = realloc(t->slots, (size_t)n * sizeof *ns);

		if (ns == NULL)
			return NULL;
		memset(ns + t->nslots, 0, (size_t)(n - t->nslots) * sizeof *ns);
		t->slots = ns;
		t->nslots = n;
	}
	return &t->slots[slot];
}

/* The raw column: what the event carried, in words when it carried none. */
static const char *
report_tl_raw(const bus_event *ev, char *buf, size_t len)
{
	const unit_record *u = ev->unit;

	switch (ev->kind) {
	case BUS_STATE:
		if (ev->text != NULL && ev->text[0] != '\0')
			return ev->text;
		if (ev->error_code >= 0) {
			snprintf(buf, len, "%d", ev->error_code);
			return buf;
		}
		return "";
	case BUS_UNIT_START:
		if (ev->text != NULL && ev->text[0] != '\0')
			return ev->text;
		if (u == NULL)
			return "";
		snprintf(buf, len, "model=%s imei=%s fw_before=%s",
		    u->model, u->imei, u->fw_before);
		return buf;
	case BUS_UNIT_END:
		if (u != NULL)
			return unit_result_name(u->result);
		return ev->text != NULL ? ev->text : "";
	default:
		return ev->text != NULL ? ev->text : "";
	}
}

static void
report_tl_write(report_tl_slot *s, int64_t ts_ms, unit_phase phase,
    int percent, bus_kind kind, const char *raw)
{
	char        ts[32], pct[16];
	const char *fields[5];

	unit_format_time(ts_ms, ts, sizeof ts);
	if (percent >= 0)
		snprintf(pct, sizeof pct, "%d", percent);
	else
		pct[0] = '\0';
	fields[0] = ts;
	fields[1] = phase >= 0 && phase < PHASE_COUNT ? unit_phase_name(phase) : "";
	fields[2] = pct;
	fields[3] = report_tl_event_names[kind];
	fields[4] = raw;
	/* No formula guard here: raw is exactly what the module sent (only
	 * bytes that are not UTF-8 become \xHH, and CSV quoting), so that
	 * `grep '+QIND'` finds it. The guard is for the session CSV, the file
	 * a spreadsheet opens. */
	if (csv_write_row(s->f, fields, 5, false) != 0) {
		s->lost++;
		clearerr(s->f);
	}
}

static void
report_tl_hold(report_tl_slot *s, const bus_event *ev, const char *raw)
{
	report_tl_row *r;
	char          *copy;

	if (s->held == NULL) {
		s->held = calloc(REPORT_HOLD_MAX, sizeof *s->held);
		if (s->held == NULL) {
			s->dropped++;
			return;
		}
	}
	copy = strdup(raw);
	if (copy == NULL) {
		s->dropped++;
		return;
	}
	if (s->count == REPORT_HOLD_MAX) {
		r = &s->held[s->head];
		free(r->raw);
		s->head = (s->head + 1) % REPORT_HOLD_MAX;
		s->count--;
		s->dropped++;
	}
	r = &s->held[(s->head + s->count) % REPORT_HOLD_MAX];
	r->ts_ms = ev->ts_ms;
	r->phase = ev->phase;
	r->percent = ev->percent;
	r->kind = ev->kind;
	r->raw = copy;
	s->count++;
}

/* Writes the held rows to the open file (or throws them away when f is
 * NULL), the drop note first, and empties the ring. */
static void
report_tl_release(report_tl_slot *s)
{
	if (s->f != NULL && s->dropped > 0) {
		char                 note[160];
		const report_tl_row *first = s->count ? &s->held[s->head] : NULL;

		snprintf(note, sizeof note,
		    "%lu earlier events dropped: more than %d arrived before "
		    "the unit was identified", s->dropped, REPORT_HOLD_MAX);
		report_tl_write(s, first ? first->ts_ms : 0,
		    first ? first->phase : PHASE_WAIT, -1, BUS_NOTE, note);
	}
	for (size_t i = 0; i < s->count; i++) {
		report_tl_row *r = &s->held[(s->head + i) % REPORT_HOLD_MAX];

		if (s->f != NULL)
			report_tl_write(s, r->ts_ms, r->phase, r->percent,
			    r->kind, r->raw);
		free(r->raw);
	}
	free(s->held);
	s->held = NULL;
	s->head = s->count = 0;
	s->dropped = 0;
}

/* Keeps the name a plain file name whatever a label or IMEI holds. */
static void
report_tl_sanitize(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	for (; *src != '\0' && i + 1 < len; src++) {
		char c = *src;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')
			dst[i++] = c;
		else
			dst[i++] = '_';
	}
	dst[i] = '\0';
	if (dst[0] == '\0' || dst[0] == '.')
		snprintf(dst, len, "unit");
}

/* Names the timeline of the unit that starts now: units/NAME-STAMP.csv. */
static void
report_tl_name(report_tl_slot *s, const bus_event *ev, int64_t ts_ms)
{
	const unit_record *u = ev->unit;
	const char        *who;
	char               base[64], stamp[48];
	time_t             secs = (time_t)(ts_ms / 1000);
	struct tm          tm;

	if (u != NULL && u->imei[0] != '\0')
		who = u->imei;
	else if (u != NULL && u->slot[0] != '\0')
		who = u->slot;
	else
		who = ev->slot_label;
	report_tl_sanitize(base, sizeof base, who);
	gmtime_r(&secs, &tm);
	snprintf(stamp, sizeof stamp, "%04d%02d%02dT%02d%02d%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ts_ms % 1000));
	snprintf(s->stem, sizeof s->stem, "units/%s-%s", base, stamp);
}

/* Creates the wanted file (never reusing one) and writes what was held. */
static void
report_tl_open(report_timelines *t, report_tl_slot *s)
{
	char path[UNIT_PATH_MAX + 1024];
	char rel[sizeof s->stem + 16];
	int  fd = -1;

	for (int n = 1; n < 100 && fd < 0; n++) {
		if (n == 1)
			snprintf(rel, sizeof rel, "%s.csv", s->stem);
		else
			snprintf(rel, sizeof rel, "%s-%d.csv", s->stem, n);
		snprintf(path, sizeof path, "%s/%s", t->dir, rel);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return;
	}
	if (fd < 0)
		return;
	s->f = fdopen(fd, "w");
	if (s->f == NULL) {
		close(fd);
		unlink(path);
		return;
	}
	snprintf(s->rel, sizeof s->rel, "%s", rel);
	if (fputs("ts,phase,percent,event,raw\r\n", s->f) == EOF) {
		s->lost++;
		clearerr(s->f);
	}
	report_tl_release(s);
}

/* Closes the open file after an fsync; the path goes to detail. */
static void
report_tl_close(report_tl_slot *s, char *detail, size_t len)
{
	if (s->lost > 0) {
		char note[96];

		snprintf(note, sizeof note, "%lu timeline rows could not be written",
		    s->lost);
		report_tl_write(s, unit_now_ms(), PHASE_WAIT, -1, BUS_NOTE, note);
	}
	/* A failure here cannot be told anywhere but in the file itself;
	 * the session row names the file either way, with what did reach it. */
	if (fflush(s->f) == 0)
		fsync(fileno(s->f));
	fclose(s->f);
	if (detail != NULL)
		snprintf(detail, len, "%s", s->rel);
	s->f = NULL;
	s->stem[0] = '\0';
	s->rel[0] = '\0';
	s->lost = 0;
}

static void
report_tl_unit_start(report_timelines *t, report_tl_slot *s,
    const bus_event *ev, const char *raw)
{
	if (s->f != NULL) {
		report_tl_write(s, ev->ts_ms, ev->phase, -1, BUS_NOTE,
		    "a new unit started before this one ended");
		report_tl_close(s, NULL, 0);
	}
	report_tl_name(s, ev, ev->ts_ms);
	report_tl_open(t, s);
	/* After the held rows, and never at the cost of one of them. */
	if (s->f != NULL) {
		report_tl_write(s, ev->ts_ms, ev->phase, ev->percent, ev->kind, raw);
		if (fflush(s->f) != 0)
			clearerr(s->f);
	} else
		report_tl_hold(s, ev, raw);
}

static void
report_tl_unit_end(report_timelines *t, report_tl_slot *s,
    const bus_event *ev, const char *raw, char *detail, size_t len)
{
	if (s->stem[0] == '\0') {
		/* Ended without a start: the file is named from the record. */
		int64_t ts = ev->unit != NULL && ev->unit->started_ms > 0 ?
		    ev->unit->started_ms : ev->ts_ms;

		report_tl_name(s, ev, ts);
	}
	if (s->f == NULL)
		report_tl_open(t, s);
	if (s->f == NULL) {
		/* Still no file: the held rows cannot go anywhere. */
		report_tl_release(s);
		s->stem[0] = '\0';
		if (detail != NULL && len > 0)
			detail[0] = '\0';
		return;
	}
	report_tl_write(s, ev->ts_ms, ev->phase, ev->percent, ev->kind, raw);
	report_tl_close(s, detail, len);
}

void
report_timelines_event(report_timelines *t, const bus_event *ev,
    char *detail, size_t len)
{
	report_tl_slot *s;
	char            buf[UNIT_REV_MAX * 2 + 96];
	const char     *raw;

	if (ev->kind < 0 || ev->kind >= BUS_KIND_COUNT)
		return;
	s = report_tl_slot_get(t, ev->slot);
	if (s == NULL)
		return;
	raw = report_tl_raw(ev, buf, sizeof buf);

	if (s->f == NULL && s->stem[0] != '\0')
		report_tl_open(t, s);           /* retry after disk trouble */

	switch (ev->kind) {
	case BUS_UNIT_START:
		report_tl_unit_start(t, s, ev, raw);
		break;
	case BUS_UNIT_END:
		report_tl_unit_end(t, s, ev, raw, detail, len);
		break;
	default:
		if (s->f == NULL) {
			report_tl_hold(s, ev, raw);
			break;
		}
		report_tl_write(s, ev->ts_ms, ev->phase, ev->percent, ev->kind,
		    raw);
		if (fflush(s->f) != 0)
			clearerr(s->f);
		break;
	}
}

void
report_timelines_free(report_timelines *t)
{
	if (t == NULL)
		return;
	for (int i = 0; i < t->nslots; i++) {
		report_tl_slot *s = &t->slots[i];

		if (s->f != NULL)
			report_tl_close(s, NULL, 0);
		s->f = NULL;
		report_tl_release(s);
	}
	free(t->slots);
	free(t->dir);
	free(t);
}
