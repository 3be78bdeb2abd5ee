/*
 * worker_network: whether the module is online, and waiting until it is.
 *
 * Real modules register seconds after every boot (docs/protocol.md §5):
 * right after a power-on or an update's reboot their registration queries
 * say searching (2), and a station that asked once would fail a module
 * that is online a few seconds later. So the two places that need the
 * network wait for it the same way, bounded by verify.network_timeout:
 * the network check before a URL download (below: the model guide's
 * queries, BC26's IP address, the signal noted) and the acceptance check
 * after the update (worker_check.c).
 *
 * One round asks every query of the model in turn; an answer home (1) or
 * roaming (5) ends the wait. Otherwise the next round comes a second
 * later, in worker_sleep, so a stop ends the wait at once. A query that
 * does not answer OK is remembered and the round goes on; a lost port
 * ends the wait. What the module said is kept as one state per round, the
 * one that tells most (checks_reg_telling: denied over searching over
 * unknown over not searching), and named in the operator's words of the
 * table in dialects/checks.c. The timeline shows the wait: when it starts,
 * each change of state, and how long registering took.
 *
 * Registration denied (3) is waited on like the other states, not failed
 * at once: a module passes through 3 while it tries again (a reject whose
 * cause allows a retry; a SIM the network provisions on its first attach;
 * a public BC66 log shows 2, 3, 0, 2 in a row), and of several queries
 * one domain may be denied while another registers (an LTE-only module's
 * CREG). The wait is bounded all the same, and the failure then says
 * "registration denied" and what to look at.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dialects/checks.h"
#include "station/worker_int.h"

#define REG_POLL_MS 1000   /* between rounds of queries */

/* One round: every query once. REG_OK when one says registered; the
 * round's telling state and its line in *stat and line; REG_TIMEOUT here
 * means "not yet". */
static reg_rc
reg_round(worker *w, const char *const *queries, size_t nqueries, int *stat,
    char *line, size_t linelen, reg_wait *out)
{
	at_response r;

	*stat = -1;
	line[0] = '\0';
	for (size_t q = 0; q < nqueries && queries[q] != NULL; q++) {
		at_status s = worker_cmd(w, &r, "%s", queries[q]);

		if (s == AT_STOPPED)
			return REG_STOPPED;
		if (s != AT_OK) {
			worker_cmd_why(w, queries[q], &r, out->failure, sizeof out->failure);
			if (s == AT_PORT_LOST)
				return REG_LOST;
			continue;
		}
		for (int i = 0; i < r.nlines; i++) {
			int st = checks_reg_stat(r.lines[i]);

			if (st < 0)
				continue;
			if (checks_registered(st)) {
				*stat = st;
				snprintf(line, linelen, "%s", r.lines[i]);
				return REG_OK;
			}
			if (*stat < 0 || checks_reg_telling(*stat, st) != *stat) {
				*stat = st;
				snprintf(line, linelen, "%s", r.lines[i]);
			}
		}
	}
	return REG_TIMEOUT;
}

reg_rc
worker_wait_registered(worker *w, const char *const *queries, size_t nqueries,
    double timeout_s, reg_wait *out)
{
	int64_t t0 = unit_mono_ms();
	int64_t deadline = t0 + (int64_t)(timeout_s * 1000);
	int     last = -2;        /* no round yet */
	char    what[160];

	out->stat = -1;
	out->line[0] = '\0';
	out->failure[0] = '\0';
	out->waited_s = 0;
	for (;;) {
		int    stat;
		char   line[AT_LINE_MAX];
		reg_rc rc = reg_round(w, queries, nqueries, &stat, line, sizeof line, out);

		out->waited_s = (double)(unit_mono_ms() - t0) / 1000.0;
		if (rc == REG_STOPPED || rc == REG_LOST)
			return rc;
		out->stat = stat;
		snprintf(out->line, sizeof out->line, "%s", line);
		if (rc == REG_OK) {
			if (last != -2)
				worker_note(w, "registered after %.1f s (%.80s)", out->waited_s, line);
			return REG_OK;
		}
		if (unit_mono_ms() >= deadline)
			return REG_TIMEOUT;
		if (stat != last) {
			checks_reg_describe(stat, false, what, sizeof what);
			if (last == -2)
				worker_note(w, "waiting for the network: %s, up to %g s (verify.network_timeout)",
				    what, timeout_s);
			else
				worker_note(w, "network after %.1f s: %s", out->waited_s, what);
			last = stat;
		}
		int64_t left = deadline - unit_mono_ms();
		if (!worker_sleep(w, left < REG_POLL_MS ? (int)left + 1 : REG_POLL_MS))
			return REG_STOPPED;
	}
}

void
worker_reg_why(const reg_wait *rw, double timeout_s, char *buf, size_t len)
{
	char what[160];

	checks_reg_describe(rw->stat, true, what, sizeof what);
	if (rw->line[0] != '\0')
		snprintf(buf, len, "not registered on a network within %g s: %s (%.60s)",
		    timeout_s, what, rw->line);
	else if (rw->failure[0] != '\0')
		snprintf(buf, len, "not registered on a network within %g s: %s (%.100s)",
		    timeout_s, what, rw->failure);
	else
		snprintf(buf, len, "not registered on a network within %g s: %s",
		    timeout_s, what);
}

/* "+CGPADDR: 1,10.0.0.5" (quoted or not): true when an address follows
 * the context id. */
static bool
worker_has_address(const at_response *r)
{
	for (int i = 0; i < r->nlines; i++) {
		const char *c = strchr(r->lines[i], ',');

		if (strncasecmp(r->lines[i], "+CGPADDR:", 9) != 0 || c == NULL)
			continue;
		c += strspn(c + 1, " \"") + 1;
		if (*c != '\0' && *c != '"' && strncmp(c, "0.0.0.0", 7) != 0)
			return true;
	}
	return false;
}

/* The model guide's network check (dialects/models.c): a registration
 * query must say home or roaming, within verify.network_timeout (the time
 * a module may take to register after its boot); BC26 also needs an IP
 * address on the default PDN, without which its download fails with
 * 13/20 later. */
hop_rc
worker_url_network(worker *w)
{
	const model_netcheck *net = w->id.mi->net;
	double      timeout_s = w->st->cfg->verify.network_timeout;
	reg_wait    rw;
	at_response r;
	char        why[UNIT_TEXT_MAX];

	switch (worker_wait_registered(w, net->reg, sizeof net->reg / sizeof *net->reg,
	    timeout_s, &rw)) {
	case REG_STOPPED:
		return HOP_STOPPED;
	case REG_LOST:
		return worker_fail(w, PHASE_DELIVER, -1, true, "%s, checking the network before the URL download",
		    rw.failure);
	case REG_TIMEOUT:
		worker_reg_why(&rw, timeout_s, why, sizeof why);
		return worker_fail(w, PHASE_DELIVER, -1, false,
		    "%s: a URL package needs the module online", why);
	case REG_OK:
		break;
	}
	if (net->addr != NULL) {
		at_status s = worker_cmd(w, &r, "%s", net->addr);
		if (s == AT_STOPPED)
			return HOP_STOPPED;
		if (s != AT_OK || !worker_has_address(&r))
			return worker_fail(w, PHASE_DELIVER, -1, false,
			    "registered, but no IP address on the default PDN (%s): the module cannot download", net->addr);
	}
	if (worker_cmd(w, &r, "%s", net->signal) == AT_OK && r.nlines > 0)
		worker_note(w, "network: registered (%d), signal %s", rw.stat, r.lines[0]);
	return HOP_OK;
}
