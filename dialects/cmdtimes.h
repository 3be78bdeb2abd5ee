/*
 * cmdtimes: how long a module may take to answer a command, from the
 * guides' "Maximum Response Time" rows, as data.
 *
 * A row is (dialect, command prefix, milliseconds). The station waits for
 * a command's final result the longer of policy.command_timeout and the
 * guide's figure for the longest matching prefix: a guide's 300 ms is what
 * the module promises, not what a loaded USB path delivers, so the policy
 * stays the floor; a guide's 10 s (BG95 AT+QFOTADL=<para1>) is what a slow
 * but healthy module takes, and waiting less calls its OK "no answer".
 */
#ifndef CMDTIMES_H
#define CMDTIMES_H

#include <stddef.h>

#include "dialects/models.h"

typedef struct cmd_time {
	model_dialect dialect;
	const char   *prefix;      /* "AT+QFOTADL=1": matched case-insensitively */
	int           max_ms;
	const char   *source;
} cmd_time;

/* The guide's maximum for cmd on dialect d; 0 when no row matches. */
int             cmd_time_max_ms(model_dialect d, const char *cmd);
/* How long to wait: the larger of floor_ms and the guide's maximum. */
int             cmd_time_wait_ms(model_dialect d, const char *cmd, int floor_ms);
size_t          cmd_time_count(void);
const cmd_time *cmd_time_at(size_t i);

#endif
