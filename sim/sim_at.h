/*
 * sim_at: the AT interpreter of an emulated module.
 *
 * A command line ("AT+QFLST=\"UFS:*\"") is split into a name ("+QFLST"),
 * a form (execute, read "?", test "=?", write "=...") and arguments, and
 * looked up in one table. Each row names the capability a model needs for
 * the command (sim_model.h); a model without it answers ERROR, as for an
 * unknown command. Responses are framed as the modules frame them:
 * "\r\n<info>\r\n...\r\n\r\nOK\r\n", sent as one write.
 */
#ifndef SIM_AT_H
#define SIM_AT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sim_module sim_module;

typedef struct sim_resp {
	char   buf[2048];
	size_t len;
	bool   info;   /* an information line is already in buf */
} sim_resp;

void sim_resp_init(sim_resp *r);
void sim_resp_line(sim_resp *r, const char *fmt, ...)
         __attribute__((format(printf, 2, 3)));
/* Appends the final result ("OK") and sends the whole response. */
void sim_resp_send(sim_module *m, sim_resp *r, const char *final);

void sim_at_ok(sim_module *m);
void sim_at_error(sim_module *m);
/* "+CME ERROR: <n>", or "ERROR" after AT+CMEE=0. */
void sim_at_cme(sim_module *m, int code);
/* One received command line, without its terminator. */
void sim_at_execute(sim_module *m, const char *line);
/* A command held back by fault slow: set up, and dropped (power down,
 * end of the module). */
void sim_at_init(sim_module *m);
void sim_at_cancel(sim_module *m);

#endif
