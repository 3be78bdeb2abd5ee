/*
 * central_slots: bus events folded into one record per slot label.
 *
 *   BUS_UNIT_START  a new unit: its IMEI, model, revision, start time; the
 *                   last unit's result and error are cleared
 *   BUS_STATE       phase, percent, error; the plan's target when the event
 *                   carries it; IDENTIFY after WAIT clears the last unit
 *                   (someone put a new module in)
 *   BUS_UNIT_END    result, revision after, error; phase DONE
 *
 * A slot in WAIT keeps its last unit and result until the next one is
 * identified, so a dashboard shows what the slot last did. Slots are keyed
 * by label, which is what dfota_slots and the operators use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "central/central_slots.h"
#include "central/central_store.h"

void
central_slots_init(central_slots *s)
{
	memset(s, 0, sizeof *s);
	pthread_mutex_init(&s->lock, NULL);
}

void
central_slots_free(central_slots *s)
{
	free(s->v);
	pthread_mutex_destroy(&s->lock);
}

static central_slot *
central_slot_get(central_slots *s, const char *label)
{
	central_slot *sl;

	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].label, label) == 0)
			return &s->v[i];
	if (s->n == s->cap) {
		size_t        ncap = s->cap ? s->cap * 2 : 16;
		central_slot *nv = realloc(s->v, ncap * sizeof *nv);

		if (nv == NULL)
			return NULL;
		s->v = nv;
		s->cap = ncap;
	}
	sl = &s->v[s->n++];
	memset(sl, 0, sizeof *sl);
	snprintf(sl->label, sizeof sl->label, "%s", label);
	sl->phase = PHASE_WAIT;
	sl->percent = -1;
	sl->error_code = -1;
	return sl;
}

static void
central_slot_forget_unit(central_slot *sl)
{
	sl->unit[0] = sl->model[0] = '\0';
	sl->fw_before[0] = sl->fw_target[0] = sl->fw_after[0] = '\0';
	sl->error_text[0] = '\0';
	sl->error_code = -1;
	sl->result = RESULT_NONE;
	sl->started_ms = 0;
}

static void
central_slot_error(central_slot *sl, int code, const char *text)
{
	sl->error_code = code;
	snprintf(sl->error_text, sizeof sl->error_text, "%s", text != NULL ? text : "");
}

bool
central_slots_apply(central_slots *s, const bus_event *ev)
{
	const unit_record *u = ev->unit;
	central_slot      *sl;

	if (ev->kind != BUS_STATE && ev->kind != BUS_UNIT_START && ev->kind != BUS_UNIT_END)
		return false;
	if (ev->slot_label[0] == '\0')
		return false;
	pthread_mutex_lock(&s->lock);
	sl = central_slot_get(s, ev->slot_label);
	if (sl == NULL) {
		pthread_mutex_unlock(&s->lock);
		return false;
	}
	switch (ev->kind) {
	case BUS_UNIT_START:
		central_slot_forget_unit(sl);
		if (u != NULL) {
			snprintf(sl->unit, sizeof sl->unit, "%s", u->imei);
			snprintf(sl->model, sizeof sl->model, "%s", u->model);
			snprintf(sl->fw_before, sizeof sl->fw_before, "%s", u->fw_before);
			snprintf(sl->fw_target, sizeof sl->fw_target, "%s", u->fw_target);
			sl->started_ms = u->started_ms;
		}
		break;
	case BUS_STATE:
		if (ev->phase == PHASE_IDENTIFY && sl->phase == PHASE_WAIT)
			central_slot_forget_unit(sl);
		sl->phase = ev->phase;
		sl->percent = ev->percent;
		central_slot_error(sl, ev->error_code, ev->text);
		if (u != NULL && u->fw_target[0] != '\0')
			snprintf(sl->fw_target, sizeof sl->fw_target, "%s", u->fw_target);
		break;
	default:    /* BUS_UNIT_END */
		sl->phase = PHASE_DONE;
		sl->percent = ev->percent;
		if (u != NULL) {
			sl->result = u->result;
			snprintf(sl->fw_after, sizeof sl->fw_after, "%s", u->fw_after);
			if (u->fw_target[0] != '\0')
				snprintf(sl->fw_target, sizeof sl->fw_target, "%s", u->fw_target);
			if (sl->unit[0] == '\0')
				snprintf(sl->unit, sizeof sl->unit, "%s", u->imei);
			central_slot_error(sl, u->error_code, u->error_text);
		}
		break;
	}
	sl->updated_ms = ev->ts_ms > 0 ? ev->ts_ms : unit_now_ms();
	sl->dirty = true;
	s->dirty = true;
	pthread_mutex_unlock(&s->lock);
	return true;
}

bool
central_slots_dirty(central_slots *s)
{
	bool d;

	pthread_mutex_lock(&s->lock);
	d = s->dirty;
	pthread_mutex_unlock(&s->lock);
	return d;
}

void
central_slots_mark_all(central_slots *s)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n; i++)
		s->v[i].dirty = true;
	s->dirty = s->n > 0;
	pthread_mutex_unlock(&s->lock);
}

static char *
central_text_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? strdup(s) : NULL;
}

static char *
central_int_or_null(int v)
{
	char buf[16];

	if (v < 0)
		return NULL;
	snprintf(buf, sizeof buf, "%d", v);
	return strdup(buf);
}

static char *
central_time_or_null(int64_t ms)
{
	char buf[32];

	return ms > 0 ? strdup(unit_format_time(ms, buf, sizeof buf)) : NULL;
}

static void
central_slot_values(const central_slot *sl, const char *station, char **v)
{
	v[0] = strdup(station);
	v[1] = strdup(sl->label);
	v[2] = central_text_or_null(sl->unit);
	v[3] = central_text_or_null(sl->model);
	v[4] = strdup(unit_phase_name(sl->phase));
	v[5] = central_int_or_null(sl->percent);
	v[6] = sl->result != RESULT_NONE ? strdup(unit_result_name(sl->result)) : NULL;
	v[7] = central_int_or_null(sl->error_code);
	v[8] = central_text_or_null(sl->error_text);
	v[9] = central_text_or_null(sl->fw_before);
	v[10] = central_text_or_null(sl->fw_target);
	v[11] = central_text_or_null(sl->fw_after);
	v[12] = central_time_or_null(sl->started_ms);
	v[13] = central_time_or_null(sl->updated_ms);
}

/* The text of a dfota_slots value must be valid UTF-8 for the server;
 * what a module sent may not be. */
static void
central_values_clean(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int   oom;
		char *clean;

		if (v[i] == NULL)
			continue;
		clean = central_value(CENTRAL_TEXT, v[i], &oom);
		if (clean != NULL) {
			free(v[i]);
			v[i] = clean;
		}
	}
}

int
central_slots_take(central_slots *s, const char *station, char ***values, size_t *n)
{
	char **v;
	size_t k = 0;

	*values = NULL;
	*n = 0;
	pthread_mutex_lock(&s->lock);
	v = calloc(s->n * CENTRAL_SLOT_NPARAMS + 1, sizeof *v);
	if (v == NULL) {
		pthread_mutex_unlock(&s->lock);
		return -1;
	}
	for (size_t i = 0; i < s->n; i++) {
		if (!s->v[i].dirty)
			continue;
		central_slot_values(&s->v[i], station, v + k * CENTRAL_SLOT_NPARAMS);
		s->v[i].dirty = false;
		k++;
	}
	s->dirty = false;
	pthread_mutex_unlock(&s->lock);
	central_values_clean(v, k * CENTRAL_SLOT_NPARAMS);
	*values = v;
	*n = k;
	return 0;
}

void
central_slots_values_free(char **values, size_t n)
{
	if (values == NULL)
		return;
	for (size_t i = 0; i < n * CENTRAL_SLOT_NPARAMS; i++)
		free(values[i]);
	free(values);
}
