/*
 * sim_spec: key=value parsing for module specs and scenario files. Each
 * key is a row with its own small parser; a spec is complete when it has a
 * link and a model.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_spec.h"

typedef int key_set(sim_spec *s, const char *v, char *err, size_t errlen);

static int
copy_str(char *dst, size_t cap, const char *v, const char *key, char *err,
    size_t errlen)
{
	if (strlen(v) >= cap || v[0] == '\0') {
		snprintf(err, errlen, "%s: empty or longer than %zu", key, cap - 1);
		return -1;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static bool
all_digits(const char *v, size_t len)
{
	if (strlen(v) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)v[i]))
			return false;
	return true;
}

static int
onoff(const char *v, const char *on, const char *off, sim_tristate *out)
{
	if (strcmp(v, on) == 0)
		*out = SIM_ON;
	else if (strcmp(v, off) == 0)
		*out = SIM_OFF;
	else
		return -1;
	return 0;
}

static int
set_link(sim_spec *s, const char *v, char *err, size_t errlen)
{
	return copy_str(s->link, sizeof s->link, v, "link", err, errlen);
}

static int
set_urc_link(sim_spec *s, const char *v, char *err, size_t errlen)
{
	return copy_str(s->urc_link, sizeof s->urc_link, v, "urc_link", err,
	    errlen);
}

static int
set_model(sim_spec *s, const char *v, char *err, size_t errlen)
{
	s->model = sim_model_find(v);
	if (s->model == NULL) {
		snprintf(err, errlen, "model '%s' unknown (%s)", v,
		    sim_model_names());
		return -1;
	}
	return 0;
}

static int
set_rev(sim_spec *s, const char *v, char *err, size_t errlen)
{
	return copy_str(s->rev, sizeof s->rev, v, "rev", err, errlen);
}

static int
set_imei(sim_spec *s, const char *v, char *err, size_t errlen)
{
	if (!all_digits(v, 15)) {
		snprintf(err, errlen, "imei '%s': want 15 digits", v);
		return -1;
	}
	memcpy(s->imei, v, 16);
	return 0;
}

static int
set_iccid(sim_spec *s, const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (strcmp(v, "none") == 0) {
		s->no_iccid = true;
		return 0;
	}
	if (n < 18 || n > 22) {
		snprintf(err, errlen, "iccid '%s': want 18..22 characters or "
		    "'none'", v);
		return -1;
	}
	memcpy(s->iccid, v, n + 1);
	return 0;
}

static int
set_fault(sim_spec *s, const char *v, char *err, size_t errlen)
{
	return sim_fault_parse(&s->fault, v, err, errlen);
}

static int
set_echo(sim_spec *s, const char *v, char *err, size_t errlen)
{
	if (onoff(v, "on", "off", &s->echo) == 0)
		return 0;
	snprintf(err, errlen, "echo '%s': want on or off", v);
	return -1;
}

static int
set_network(sim_spec *s, const char *v, char *err, size_t errlen)
{
	sim_tristate t;

	if (onoff(v, "yes", "no", &t) != 0) {
		snprintf(err, errlen, "network '%s': want yes or no", v);
		return -1;
	}
	s->network = t == SIM_ON;
	return 0;
}

static int
set_space(sim_spec *s, const char *v, char *err, size_t errlen)
{
	char *end;

	s->space = strtoll(v, &end, 10);
	if (*end != '\0' || end == v || s->space < 0) {
		snprintf(err, errlen, "space '%s': want a byte count", v);
		return -1;
	}
	return 0;
}

/* register=SECONDS (after each boot, at --speed 1) or never; without it,
 * the model's delay (sim_model.c). */
static int
set_register(sim_spec *s, const char *v, char *err, size_t errlen)
{
	char  *end;
	double secs;

	if (strcmp(v, "never") == 0) {
		s->register_ms = SIM_REGISTER_NEVER;
		return 0;
	}
	secs = strtod(v, &end);
	if (*end != '\0' || end == v || secs < 0 || secs > 86400) {
		snprintf(err, errlen, "register '%s': want seconds after boot or never", v);
		return -1;
	}
	s->register_ms = (long)(secs * 1000);
	return 0;
}

static int
set_urcport(sim_spec *s, const char *v, char *err, size_t errlen)
{
	if (onoff(v, "usbat", "uart", &s->urc_usbat) == 0)
		return 0;
	snprintf(err, errlen, "urcport '%s': want usbat or uart", v);
	return -1;
}

static int
set_ready(sim_spec *s, const char *v, char *err, size_t errlen)
{
	char *end;
	long ms = strtol(v, &end, 10);

	if (*end != '\0' || end == v || ms < 0 || ms > 600000) {
		snprintf(err, errlen, "ready '%s': want milliseconds 0..600000", v);
		return -1;
	}
	s->ready_ms = (int)ms;
	return 0;
}

static int
set_trigger_mode(sim_spec *s, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
		snprintf(err, errlen, "trigger_mode '%s': want 0 or 1", v);
		return -1;
	}
	s->trigger_mode = v[0] - '0';
	return 0;
}

static int
set_retries(sim_spec *s, const char *v, char *err, size_t errlen)
{
	if (onoff(v, "yes", "no", &s->retries) == 0)
		return 0;
	snprintf(err, errlen, "retries '%s': want yes or no", v);
	return -1;
}

static int
set_updater_rdy(sim_spec *s, const char *v, char *err, size_t errlen)
{
	sim_tristate t;

	if (onoff(v, "yes", "no", &t) != 0) {
		snprintf(err, errlen, "updater_rdy '%s': want yes or no", v);
		return -1;
	}
	s->updater_rdy = t == SIM_ON;
	return 0;
}

static int
set_chatter(sim_spec *s, const char *v, char *err, size_t errlen)
{
	sim_tristate t;

	if (onoff(v, "yes", "no", &t) != 0) {
		snprintf(err, errlen, "chatter '%s': want yes or no", v);
		return -1;
	}
	s->chatter = t == SIM_ON;
	return 0;
}

static int
set_apn(sim_spec *s, const char *v, char *err, size_t errlen)
{
	return copy_str(s->apn, sizeof s->apn, v, "apn", err, errlen);
}

static const struct {
	const char *key;
	key_set    *set;
} keys[] = {
	{ "link",     set_link },
	{ "urc_link", set_urc_link },
	{ "model",    set_model },
	{ "rev",      set_rev },
	{ "imei",     set_imei },
	{ "iccid",    set_iccid },
	{ "fault",    set_fault },
	{ "echo",     set_echo },
	{ "network",  set_network },
	{ "space",    set_space },
	{ "urcport",  set_urcport },
	{ "ready",    set_ready },
	{ "retries",  set_retries },
	{ "updater_rdy", set_updater_rdy },
	{ "chatter",  set_chatter },
	{ "trigger_mode", set_trigger_mode },
	{ "apn",      set_apn },
	{ "register", set_register },
};

void
sim_spec_init(sim_spec *s)
{
	memset(s, 0, sizeof *s);
	sim_fault_init(&s->fault);
	s->echo = SIM_DEFAULT;
	s->network = true;
	s->space = 20000000;
	s->urc_usbat = SIM_DEFAULT;
	/* Real modules answer AT seconds after their port appears. */
	s->ready_ms = 3000;
	/* ... and print the SIM and radio coming up by themselves after RDY. */
	s->chatter = true;
	s->retries = SIM_DEFAULT;
	s->trigger_mode = 1;
	/* Real modules register seconds after each boot, not at once. */
	s->register_ms = SIM_REGISTER_MODEL;
}

static int
set_pair(sim_spec *s, char *item, char *err, size_t errlen)
{
	char *eq = strchr(item, '=');

	if (eq == NULL) {
		snprintf(err, errlen, "'%s': want key=value", item);
		return -1;
	}
	*eq = '\0';
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(keys[i].key, item) == 0)
			return keys[i].set(s, eq + 1, err, errlen);
	snprintf(err, errlen, "unknown key '%s'", item);
	return -1;
}

static int
check_complete(const sim_spec *s, char *err, size_t errlen)
{
	if (s->link[0] == '\0' || s->model == NULL) {
		snprintf(err, errlen, "link= and model= are required");
		return -1;
	}
	if (!s->model->usb && s->urc_link[0] != '\0') {
		snprintf(err, errlen, "urc_link: %s has only one port",
		    s->model->name);
		return -1;
	}
	return 0;
}

int
sim_spec_parse(sim_spec *s, const char *text, char *err, size_t errlen)
{
	char *copy = strdup(text), *save = NULL, *item;
	int rc = 0;

	if (copy == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (item = strtok_r(copy, ", \t\r\n", &save); item != NULL && rc == 0;
	    item = strtok_r(NULL, ", \t\r\n", &save))
		rc = set_pair(s, item, err, errlen);
	free(copy);
	return rc != 0 ? rc : check_complete(s, err, errlen);
}

static bool
blank(const char *line)
{
	while (isspace((unsigned char)*line))
		line++;
	return *line == '\0';
}

int
sim_spec_load(const char *path, sim_spec **specs, size_t *n, char *err,
    size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char line[2048], why[256];
	int lineno = 0, rc = 0;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof line, fp) != NULL) {
		char *hash = strchr(line, '#');
		sim_spec *grown;

		lineno++;
		if (hash != NULL)
			*hash = '\0';
		if (blank(line))
			continue;
		grown = realloc(*specs, (*n + 1) * sizeof **specs);
		if (grown == NULL) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		*specs = grown;
		sim_spec_init(&grown[*n]);
		if (sim_spec_parse(&grown[*n], line, why, sizeof why) != 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
			rc = -1;
			break;
		}
		(*n)++;
	}
	fclose(fp);
	return rc;
}
