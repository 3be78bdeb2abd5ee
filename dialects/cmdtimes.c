/*
 * cmdtimes.c - the guides' maximum response times; see cmdtimes.h.
 *
 * Sources: BG95/BG77 DFOTA application note (003) §2.2: AT+QFOTADL=<url>
 * and ="COM:",... 300 ms; AT+QFOTADL=<para1>[,<para2>] (1 start, 3 trigger
 * mode, 4 package size, 5 delete) 10 s; AT+QCFGEXT="fota_apn" 300 ms. BC26
 * DFOTA guide (002) §3.1: AT+QFOTADL=<httpURL> 300 ms. The other guides
 * give no response times. A longer prefix wins over a shorter one.
 */
#include <string.h>
#include <strings.h>

#include "dialects/cmdtimes.h"

#define BG95_NOTE "BG95/BG77 DFOTA application note 2.2"

static const cmd_time cmd_times[] = {
	{ DIALECT_BG95, "AT+QFOTADL=\"", 300, BG95_NOTE },
	{ DIALECT_BG95, "AT+QFOTADL=1", 10000, BG95_NOTE },
	{ DIALECT_BG95, "AT+QFOTADL=3", 10000, BG95_NOTE },
	{ DIALECT_BG95, "AT+QFOTADL=4", 10000, BG95_NOTE },
	{ DIALECT_BG95, "AT+QFOTADL=5", 10000, BG95_NOTE },
	{ DIALECT_BG95, "AT+QCFGEXT=\"fota_apn\"", 300, BG95_NOTE },
	{ DIALECT_BC26, "AT+QFOTADL=", 300, "BC26 DFOTA guide 3.1" },
};

#define CMD_ROWS (sizeof cmd_times / sizeof cmd_times[0])

int
cmd_time_max_ms(model_dialect d, const char *cmd)
{
	size_t best = 0;
	int ms = 0;

	for (size_t i = 0; i < CMD_ROWS; i++) {
		size_t n = strlen(cmd_times[i].prefix);

		if (cmd_times[i].dialect == d && n > best &&
		    strncasecmp(cmd, cmd_times[i].prefix, n) == 0) {
			best = n;
			ms = cmd_times[i].max_ms;
		}
	}
	return ms;
}

int
cmd_time_wait_ms(model_dialect d, const char *cmd, int floor_ms)
{
	int ms = cmd_time_max_ms(d, cmd);

	return ms > floor_ms ? ms : floor_ms;
}

size_t
cmd_time_count(void)
{
	return CMD_ROWS;
}

const cmd_time *
cmd_time_at(size_t i)
{
	return i < CMD_ROWS ? &cmd_times[i] : NULL;
}
