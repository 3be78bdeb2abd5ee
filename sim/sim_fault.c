/*
 * sim_fault: parses the fault list of a module spec. Each fault is a row:
 * its name, what argument it takes, and a setter. "name" and "name:arg" are
 * the two shapes; the setter gets the argument text or NULL.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_fault.h"

typedef enum fault_arg {
	ARG_NONE,          /* "noise"                       */
	ARG_OPTIONAL,      /* "gone" or "gone:2"            */
	ARG_REQUIRED,      /* "end:510"                     */
} fault_arg;

typedef int fault_set(sim_fault *f, const char *arg);

typedef struct fault_row {
	const char *name;
	fault_arg   arg;
	fault_set  *set;
} fault_row;

static const struct {
	const char *name;
	sim_phase   phase;
} phases[] = {
	{ "identify", SIM_PHASE_IDENTIFY },
	{ "upload",   SIM_PHASE_UPLOAD },
	{ "download", SIM_PHASE_DOWNLOAD },
	{ "updating", SIM_PHASE_UPDATING },
	{ "restore",  SIM_PHASE_RESTORE },
	{ "start",    SIM_PHASE_START },
	{ "end",      SIM_PHASE_END },
};

static sim_phase
phase_parse(const char *s)
{
	for (size_t i = 0; i < sizeof phases / sizeof phases[0]; i++)
		if (strcmp(phases[i].name, s) == 0)
			return phases[i].phase;
	return SIM_PHASE_NONE;
}

/* A non-negative decimal that fits an int; -1 otherwise. */
static int
number(const char *s)
{
	char *end;
	long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v > 1000000)
		return -1;
	return (int)v;
}

static int set_ok(sim_fault *f, const char *a) { (void)f; (void)a; return 0; }

/* "510" or "502x2" (the first two tries fail, the third passes). */
static int
set_end(sim_fault *f, const char *a)
{
	char code[16];
	const char *x = strchr(a, 'x');
	size_t n = x ? (size_t)(x - a) : strlen(a);

	if (n == 0 || n >= sizeof code)
		return -1;
	memcpy(code, a, n);
	code[n] = '\0';
	f->end_code = number(code);
	f->end_times = x ? number(x + 1) : 0;
	return f->end_code > 0 && f->end_times >= 0 && (!x || f->end_times > 0)
	    ? 0 : -1;
}

static int
set_dl(sim_fault *f, const char *a)
{
	f->dl_code = number(a);
	return f->dl_code > 0 ? 0 : -1;
}

static int
set_gone(sim_fault *f, const char *a)
{
	f->gone_after = a ? number(a) : 1;
	return f->gone_after > 0 ? 0 : -1;
}

static int
set_hang(sim_fault *f, const char *a)
{
	f->hang = a ? phase_parse(a) : SIM_PHASE_UPDATING;
	return f->hang != SIM_PHASE_NONE && f->hang != SIM_PHASE_START &&
	    f->hang != SIM_PHASE_END ? 0 : -1;
}

static int
set_powerloss(sim_fault *f, const char *a)
{
	f->powerloss_set = true;
	f->powerloss = a ? phase_parse(a) : SIM_PHASE_NONE;
	if (a == NULL)
		return 0;
	/* Quectel's own QA list: 1-2 s into a download, at START, at a
	 * random UPDATING, (BG96) in RESTORE, at END,0. */
	return f->powerloss != SIM_PHASE_NONE &&
	    f->powerloss != SIM_PHASE_IDENTIFY &&
	    f->powerloss != SIM_PHASE_UPLOAD ? 0 : -1;
}

static int
set_trigger(sim_fault *f, const char *a)
{
	if (strcmp(a, "error") == 0) {
		f->trigger = SIM_TRIGGER_ERROR;
		return 0;
	}
	if (strncmp(a, "cme:", 4) == 0 && (f->trigger_cme = number(a + 4)) >= 0) {
		f->trigger = SIM_TRIGGER_CME;
		return 0;
	}
	return -1;
}

static int
set_slowack(sim_fault *f, const char *a)
{
	f->slowack_ms = number(a);
	return f->slowack_ms > 0 ? 0 : -1;
}

static int
set_slow(sim_fault *f, const char *a)
{
	f->slow_ms = number(a);
	return f->slow_ms > 0 ? 0 : -1;
}

/* mute:CPIN -- the module never answers AT+CPIN (any form), as a module
 * left half-working by its update may do. */
static int
set_mute(sim_fault *f, const char *a)
{
	size_t n = strlen(a);

	if (n == 0 || n + 2 > sizeof f->mute)
		return -1;
	f->mute[0] = '+';
	for (size_t i = 0; i <= n; i++)
		f->mute[i + 1] = (char)toupper((unsigned char)a[i]);
	return 0;
}

#define FLAG_SETTER(field) \
	static int set_##field(sim_fault *f, const char *a) \
	{ (void)a; f->field = true; return 0; }
FLAG_SETTER(noise)
FLAG_SETTER(split)
FLAG_SETTER(merge)
FLAG_SETTER(dup)
FLAG_SETTER(swap)
FLAG_SETTER(silentack)
FLAG_SETTER(badsum)
FLAG_SETTER(nonet)
FLAG_SETTER(qgmr_incomplete)
FLAG_SETTER(resume)
FLAG_SETTER(typo)
FLAG_SETTER(nul)
FLAG_SETTER(qgmr_junk)

/* stale:ok or stale:cme:<n>: the line a cut upload or another program
 * left in the tty. */
static int
set_stale(sim_fault *f, const char *a)
{
	f->stale = true;
	if (strcmp(a, "ok") == 0) {
		f->stale_cme = -1;
		return 0;
	}
	if (strncmp(a, "cme:", 4) == 0 && (f->stale_cme = number(a + 4)) >= 0)
		return 0;
	return -1;
}
FLAG_SETTER(netloss)
FLAG_SETTER(noaddr)
FLAG_SETTER(nostart)

static const fault_row faults[] = {
	{ "ok",              ARG_NONE,     set_ok },
	{ "end",             ARG_REQUIRED, set_end },
	{ "dl",              ARG_REQUIRED, set_dl },
	{ "gone",            ARG_OPTIONAL, set_gone },
	{ "hang",            ARG_OPTIONAL, set_hang },
	{ "noise",           ARG_NONE,     set_noise },
	{ "split",           ARG_NONE,     set_split },
	{ "merge",           ARG_NONE,     set_merge },
	{ "dup",             ARG_NONE,     set_dup },
	{ "swap",            ARG_NONE,     set_swap },
	{ "powerloss",       ARG_OPTIONAL, set_powerloss },
	{ "trigger",         ARG_REQUIRED, set_trigger },
	{ "slowack",         ARG_REQUIRED, set_slowack },
	{ "mute",            ARG_REQUIRED, set_mute },
	{ "silentack",       ARG_NONE,     set_silentack },
	{ "badsum",          ARG_NONE,     set_badsum },
	{ "nonet",           ARG_NONE,     set_nonet },
	{ "qgmr-incomplete", ARG_NONE,     set_qgmr_incomplete },
	{ "resume",          ARG_NONE,     set_resume },
	{ "typo",            ARG_NONE,     set_typo },
	{ "nul",             ARG_NONE,     set_nul },
	{ "qgmr-junk",       ARG_NONE,     set_qgmr_junk },
	{ "stale",           ARG_REQUIRED, set_stale },
	{ "netloss",         ARG_NONE,     set_netloss },
	{ "slow",            ARG_REQUIRED, set_slow },
	{ "noaddr",          ARG_NONE,     set_noaddr },
	{ "nostart",         ARG_NONE,     set_nostart },
};

void
sim_fault_init(sim_fault *f)
{
	memset(f, 0, sizeof *f);
}

static int
parse_one(sim_fault *f, char *item, char *err, size_t errlen)
{
	char *arg = strchr(item, ':');

	if (arg != NULL)
		*arg++ = '\0';
	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
		const fault_row *r = &faults[i];

		if (strcmp(r->name, item) != 0)
			continue;
		if ((r->arg == ARG_NONE && arg != NULL) ||
		    (r->arg == ARG_REQUIRED && arg == NULL) ||
		    r->set(f, arg) != 0) {
			snprintf(err, errlen, "fault %s: bad or missing argument "
			    "'%s'", item, arg ? arg : "");
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown fault '%s'", item);
	return -1;
}

int
sim_fault_parse(sim_fault *f, const char *text, char *err, size_t errlen)
{
	char *copy = strdup(text), *save = NULL, *item;
	int rc = 0;

	if (copy == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (item = strtok_r(copy, "+", &save); item != NULL && rc == 0;
	    item = strtok_r(NULL, "+", &save))
		rc = parse_one(f, item, err, errlen);
	free(copy);
	return rc;
}
