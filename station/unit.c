/*
 * unit: names of phases, results and deliveries (as they appear in reports
 * and headless output), and the wall-clock helpers every report field uses.
 * The names are tables indexed by the enums: one place to read them.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "station/unit.h"

static const char *const unit_phase_names[PHASE_COUNT] = {
	[PHASE_WAIT]     = "WAIT",
	[PHASE_IDENTIFY] = "IDENTIFY",
	[PHASE_PLAN]     = "PLAN",
	[PHASE_DELIVER]  = "DELIVER",
	[PHASE_TRIGGER]  = "TRIGGER",
	[PHASE_DOWNLOAD] = "DOWNLOAD",
	[PHASE_REBOOT]   = "REBOOT",
	[PHASE_UPDATING] = "UPDATING",
	[PHASE_RESTORE]  = "RESTORE",
	[PHASE_END]      = "END",
	[PHASE_VERIFY]   = "VERIFY",
	[PHASE_DONE]     = "DONE",
};

static const char *const unit_result_names[RESULT_COUNT] = {
	[RESULT_NONE]       = "",
	[RESULT_PASS]       = "PASS",
	[RESULT_FAIL]       = "FAIL",
	[RESULT_SKIPPED]    = "SKIPPED",
	[RESULT_NO_PACKAGE] = "NO_PACKAGE",
	[RESULT_ABORTED]    = "ABORTED",
};

static const char *const unit_delivery_names[] = {
	[DELIVERY_NONE]   = "none",
	[DELIVERY_UPLOAD] = "upload",
	[DELIVERY_URL]    = "url",
};

const char *
unit_phase_name(unit_phase p)
{
	return (p >= 0 && p < PHASE_COUNT) ? unit_phase_names[p] : "?";
}

const char *
unit_result_name(unit_result r)
{
	return (r >= 0 && r < RESULT_COUNT) ? unit_result_names[r] : "?";
}

const char *
unit_delivery_name(unit_delivery d)
{
	return (d >= DELIVERY_NONE && d <= DELIVERY_URL) ? unit_delivery_names[d] : "none";
}

char *
unit_format_time(int64_t ms, char *buf, size_t len)
{
	time_t    secs = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return buf;
}

int64_t
unit_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
unit_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
unit_record_init(unit_record *u)
{
	memset(u, 0, sizeof *u);
	u->error_code = -1;
	u->error_phase = PHASE_WAIT;
	u->transfer_s = -1;
	u->update_s = -1;
}
