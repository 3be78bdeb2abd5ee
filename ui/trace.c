/*
 * trace: one line per event on a stream, for a technician watching a run
 * with --verbose. Non-printable bytes are shown as \xHH so that garbage on
 * a serial line cannot corrupt the terminal.
 */
#include <ctype.h>
#include <stdio.h>

#include "ui/trace.h"

static void
trace_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isprint(c))
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

void
trace_on_event(void *file, const bus_event *ev)
{
	FILE *f = file;
	char  ts[32];

	unit_format_time(ev->ts_ms, ts, sizeof ts);
	flockfile(f);
	fprintf(f, "%s %-6s %-10s %-8s", ts + 11, ev->slot_label, bus_kind_name(ev->kind),
	    unit_phase_name(ev->phase));
	if (ev->percent >= 0)
		fprintf(f, " %3d%%", ev->percent);
	if (ev->error_code >= 0)
		fprintf(f, " code %d", ev->error_code);
	if (ev->unit != NULL && ev->kind == BUS_UNIT_END)
		fprintf(f, " %s", unit_result_name(ev->unit->result));
	if (ev->text != NULL) {
		fputc(' ', f);
		trace_text(f, ev->text);
	}
	fputc('\n', f);
	funlockfile(f);
}
