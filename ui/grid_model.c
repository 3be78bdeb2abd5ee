/*
 * grid_model: the grid's picture of each slot, and how each event changes
 * it (see grid_model.h).
 *
 * A slot moves IDLE -> RUN on the first sign of a unit (a phase other than
 * WAIT, or BUS_UNIT_START), RUN -> PASS/SKIP/FAIL/ABORT/NOPKG on
 * BUS_UNIT_END, and back to IDLE when its phase returns to WAIT (the unit
 * was pulled, or the port held no module). A finished slot that goes
 * through a phase again without WAIT in between is a retry: it runs anew.
 *
 * Every text that came from outside (module lines, labels, revisions) is
 * stored as printable ASCII, so the grid can count one byte as one column
 * and no byte from a module can move the cursor or change the terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/grid_model.h"

/* Slot indexes above this are not slots but a bug upstream. */
#define GRID_SLOT_MAX 4096

/* Copies src as printable ASCII: controls become blanks (a trailing CR or
 * LF disappears), other bytes '?'. */
static void
grid_copy(char *dst, size_t len, const char *src)
{
	size_t n = 0;

	if (len == 0)
		return;
	for (; src != NULL && *src != '\0' && n + 1 < len; src++) {
		unsigned char c = (unsigned char)*src;
		if (c == '\r' || c == '\n')
			continue;
		dst[n++] = c < 0x20 ? ' ' : c > 0x7e ? '?' : (char)c;
	}
	dst[n] = '\0';
}

void
grid_model_init(grid_model *m)
{
	memset(m, 0, sizeof *m);
}

void
grid_model_free(grid_model *m)
{
	for (int i = 0; i < m->nslots; i++)
		free(m->slots[i].lines);
	free(m->slots);
	memset(m, 0, sizeof *m);
}

static void
grid_slot_init(grid_slot *s)
{
	memset(s, 0, sizeof *s);
	s->state = GRID_ST_IDLE;
	s->phase = PHASE_WAIT;
	s->percent = -1;
	s->error_code = -1;
	s->logged_phase = PHASE_COUNT;
}

int
grid_model_ensure(grid_model *m, int n)
{
	if (n <= m->nslots)
		return 0;
	if (n > GRID_SLOT_MAX)
		return -1;
	if (n > m->cap) {
		int        cap = m->cap > 0 ? m->cap : 16;
		grid_slot *s;

		while (cap < n)
			cap *= 2;
		s = realloc(m->slots, (size_t)cap * sizeof *s);
		if (s == NULL)
			return -1;
		m->slots = s;
		m->cap = cap;
	}
	for (int i = m->nslots; i < n; i++)
		grid_slot_init(&m->slots[i]);
	m->nslots = n;
	m->dirty = true;
	return 0;
}

void
grid_model_label(grid_model *m, int i, const char *label)
{
	if (i < 0 || i >= m->nslots || m->slots[i].label[0] != '\0')
		return;
	grid_copy(m->slots[i].label, sizeof m->slots[i].label, label);
	m->dirty = true;
}

const grid_line *
grid_slot_line(const grid_slot *s, int i)
{
	return &s->lines[(s->head + i) % GRID_TIMELINE_MAX];
}

int
grid_model_count(const grid_model *m, grid_state st)
{
	int n = 0;

	for (int i = 0; i < m->nslots; i++)
		n += m->slots[i].state == st;
	return n;
}

static void
grid_slot_log(grid_slot *s, const bus_event *ev, const char *text)
{
	grid_line *l;

	if (s->lines == NULL) {
		s->lines = malloc(GRID_TIMELINE_MAX * sizeof *s->lines);
		if (s->lines == NULL)
			return;   /* the cell still works; only its history is lost */
	}
	if (s->nlines < GRID_TIMELINE_MAX) {
		l = &s->lines[(s->head + s->nlines) % GRID_TIMELINE_MAX];
		s->nlines++;
	} else {
		l = &s->lines[s->head];
		s->head = (s->head + 1) % GRID_TIMELINE_MAX;
	}
	l->ts_ms = ev->ts_ms;
	l->phase = ev->phase;
	l->kind = ev->kind;
	grid_copy(l->text, sizeof l->text, text);
}

/* Forgets the last unit's details: a new one (or a new try) begins. */
static void
grid_slot_reset_unit(grid_slot *s, int64_t started_ms)
{
	s->state = GRID_ST_RUN;
	s->has_unit = false;
	s->pulled = false;
	s->started_ms = started_ms;
	s->finished_ms = 0;
	s->model[0] = s->imei[0] = '\0';
	s->fw_before[0] = s->fw_target[0] = s->fw_after[0] = '\0';
	s->error_code = -1;
	s->error_text[0] = '\0';
}

static grid_state
grid_state_of(unit_result r)
{
	switch (r) {
	case RESULT_PASS:       return GRID_ST_PASS;
	case RESULT_SKIPPED:    return GRID_ST_SKIP;
	case RESULT_NO_PACKAGE: return GRID_ST_NOPKG;
	case RESULT_ABORTED:    return GRID_ST_ABORT;
	default:                return GRID_ST_FAIL;
	}
}

static void
grid_slot_start(grid_slot *s, const bus_event *ev)
{
	const unit_record *u = ev->unit;

	grid_slot_reset_unit(s, u != NULL && u->started_ms > 0 ? u->started_ms : ev->ts_ms);
	s->phase = ev->phase;
	if (u == NULL)
		return;
	s->has_unit = true;
	grid_copy(s->model, sizeof s->model, u->model);
	grid_copy(s->imei, sizeof s->imei, u->imei);
	grid_copy(s->fw_before, sizeof s->fw_before, u->fw_before);
}

static void
grid_slot_state(grid_slot *s, const bus_event *ev)
{
	if (ev->phase == PHASE_WAIT) {
		/* A finished unit left; or a port held no module after all. */
		if (s->state != GRID_ST_IDLE && s->state != GRID_ST_RUN)
			s->pulled = true;
		s->state = GRID_ST_IDLE;
		s->phase = PHASE_WAIT;
		s->percent = -1;
		return;
	}
	if (s->state != GRID_ST_RUN)
		grid_slot_reset_unit(s, ev->ts_ms);
	s->phase = ev->phase;
	s->percent = ev->percent;
	if (ev->unit != NULL)   /* the plan */
		grid_copy(s->fw_target, sizeof s->fw_target, ev->unit->fw_target);
	if (ev->text != NULL) { /* a try failed; the next may still pass */
		s->error_code = ev->error_code;
		s->error_phase = ev->phase;
		grid_copy(s->error_text, sizeof s->error_text, ev->text);
	}
}

static void
grid_slot_end(grid_model *m, grid_slot *s, const bus_event *ev)
{
	const unit_record *u = ev->unit;
	unit_result        r = u != NULL ? u->result : RESULT_FAIL;

	if (r <= RESULT_NONE || r >= RESULT_COUNT)
		r = RESULT_FAIL;
	s->state = grid_state_of(r);
	s->last_result = r;
	s->phase = PHASE_DONE;
	s->finished_ms = u != NULL && u->finished_ms > 0 ? u->finished_ms : ev->ts_ms;
	if (r == RESULT_PASS)
		s->percent = 100;
	if (u != NULL) {
		if (u->started_ms > 0)
			s->started_ms = u->started_ms;
		grid_copy(s->fw_after, sizeof s->fw_after, u->fw_after);
		if (u->fw_target[0] != '\0')
			grid_copy(s->fw_target, sizeof s->fw_target, u->fw_target);
		s->error_code = u->error_code;
		s->error_phase = u->error_phase;
		grid_copy(s->error_text, sizeof s->error_text, u->error_text);
	}
	m->results[r]++;
	m->finished++;
	/* One bell for a unit to pack, three for one to put aside. */
	m->beeps += r == RESULT_PASS || r == RESULT_SKIPPED ? 1 : 3;
	if (m->beeps > 12)
		m->beeps = 12;
}

/* The timeline line of an event, or NULL when it adds nothing there. */
static const char *
grid_line_text(grid_slot *s, const bus_event *ev, char *buf, size_t len)
{
	const unit_record *u = ev->unit;

	switch (ev->kind) {
	case BUS_TX: case BUS_RX:
		/* After a unit, the station asks "AT" every few seconds to learn
		 * whether it is still there; those would push its story out. */
		if (ev->phase == PHASE_DONE && ev->text != NULL) {
			if (ev->kind == BUS_TX && strcmp(ev->text, "AT") == 0) {
				s->polling = true;
				return NULL;
			}
			if (s->polling && strcmp(ev->text, "OK") == 0) {
				s->polling = false;
				return NULL;
			}
		}
		s->polling = false;
		return ev->text != NULL ? ev->text : "";
	case BUS_NOTE: case BUS_PORT:
		return ev->text != NULL ? ev->text : "";
	case BUS_STATE:
		if (ev->text != NULL) {
			if (ev->error_code >= 0)
				snprintf(buf, len, "error %d: %s", ev->error_code, ev->text);
			else
				snprintf(buf, len, "error: %s", ev->text);
			return buf;
		}
		if (u != NULL) {
			snprintf(buf, len, "plan: %s -> %s (%s)", u->fw_before, u->fw_target,
			    u->package[0] ? u->package : "no package");
			return buf;
		}
		if (ev->phase == s->logged_phase)
			return NULL;   /* a percent step: the cell shows it */
		s->logged_phase = ev->phase;
		snprintf(buf, len, "phase %s", unit_phase_name(ev->phase));
		return buf;
	case BUS_UNIT_START:
		if (u == NULL)
			return NULL;
		snprintf(buf, len, "unit %s IMEI %s at %s", u->model, u->imei, u->fw_before);
		return buf;
	case BUS_UNIT_END:
		if (u == NULL)
			return NULL;
		snprintf(buf, len, "result %s, now at %s%s%s", unit_result_name(u->result),
		    u->fw_after, u->error_text[0] ? ": " : "", u->error_text);
		return buf;
	default:
		return NULL;
	}
}

void
grid_model_apply(grid_model *m, const bus_event *ev)
{
	grid_slot  *s;
	const char *text;
	char        buf[GRID_LINE_TEXT];

	if (ev->kind == BUS_ALERT) {
		grid_copy(m->alert, sizeof m->alert, ev->text);
		m->dirty = true;
		return;
	}
	if (ev->slot < 0 || grid_model_ensure(m, ev->slot + 1) != 0)
		return;
	s = &m->slots[ev->slot];
	if (s->label[0] == '\0')
		grid_copy(s->label, sizeof s->label, ev->slot_label);
	switch (ev->kind) {
	case BUS_UNIT_START: grid_slot_start(s, ev); break;
	case BUS_STATE:      grid_slot_state(s, ev); break;
	case BUS_UNIT_END:   grid_slot_end(m, s, ev); break;
	default:             break;
	}
	text = grid_line_text(s, ev, buf, sizeof buf);
	if (text != NULL)
		grid_slot_log(s, ev, text);
	m->dirty = true;
}
