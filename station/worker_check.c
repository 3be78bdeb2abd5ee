/*
 * worker_check: the acceptance checks after an update (docs/contract.md
 * `verify`), run once the unit's revision is verified at its target.
 *
 * A unit whose firmware reads right can still be broken. In the order the
 * vendor's own DFOTA QA reads them (docs/protocol.md §5), the station checks:
 *
 *   imei        always: the IMEI the module keeps (AT+EGMR=0,7 where the
 *               model has it, else AT+CGSN) is the one read before the
 *               update;
 *   subedition  where the model has ATI+CSUB: it shows the target revision
 *               and a SubEdition;
 *   svn         where the model has AT+EGMR=0,9: it reports an SVN;
 *   network     with verify.network: registered (home or roaming) within
 *               verify.network_timeout, waited for as before a URL
 *               download (worker_network.c) with the queries the
 *               model's guide uses;
 *   custom      each verify.checks entry: its command answers OK and the
 *               answer (lines, then the final OK, joined by '\n') matches
 *               its POSIX extended regular expression.
 *
 * They run after the last hop of a plan only, where the unit is at its
 * target; a unit found in the middle of an update the station did not
 * start is judged by its revision alone (its IMEI before is not known).
 *
 * Which commands a model has is data (dialects/checks.c); so is the list
 * of commands a custom check may not send, refused when the file is
 * loaded. Every check runs even after one failed, so the `checks` column
 * (name=ok|fail;...) tells the whole story; the first failure becomes the
 * unit's error (FAIL in VERIFY, naming the check and what came back). A
 * check failure is never retried by the station: the unit is at its
 * target, another attempt would not change what it answers. Every command
 * and answer is in the unit's timeline through the AT trace, and each
 * verdict is a note there.
 */
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dialects/checks.h"
#include "station/worker_int.h"

#define CHECK_SHOW_MAX 96   /* how much of an answer an error quotes */

typedef struct check_run {
	worker     *w;
	bool        failed;
	bool        stopped;
	char        first[UNIT_TEXT_MAX];   /* the first failure, for error_text */
} check_run;

/* An answer as one line for a message: its lines joined by " / ",
 * shortened; the final result when there are none. */
static void
check_show(const at_response *r, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < r->nlines && used + 4 < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? " / " : "", r->lines[i]);

		if (n < 0)
			break;
		used += (size_t)n < len - used ? (size_t)n : len - used - 1;
	}
	if (r->nlines == 0)
		snprintf(buf, len, "%s", r->final[0] ? r->final : at_status_name(r->status));
	if (strlen(buf) > CHECK_SHOW_MAX)
		memcpy(buf + CHECK_SHOW_MAX - 3, "...", 4);
}

static void
check_verdict(check_run *run, const char *name, bool ok, const char *what)
{
	worker *w = run->w;

	checks_result_add(w->u.checks, sizeof w->u.checks, name, ok);
	worker_note(w, "check %s: %s%s%s", name, ok ? "ok" : "failed", what[0] ? ": " : "", what);
	if (!ok && !run->failed) {
		run->failed = true;
		snprintf(run->first, sizeof run->first, "check %s failed: %s", name, what);
	}
}

/* Sends one check command. true with r filled when it answered OK;
 * otherwise the reason is in why (run->stopped when the station stops). */
static bool
check_command(check_run *run, const char *cmd, at_response *r, char *why, size_t len)
{
	at_status s = worker_cmd(run->w, r, "%s", cmd);

	if (s == AT_OK)
		return true;
	if (s == AT_STOPPED) {
		run->stopped = true;
		snprintf(why, len, "stopped");
		return false;
	}
	worker_cmd_why(run->w, cmd, r, why, len);
	if (s == AT_PORT_LOST)
		worker_disconnect(run->w, "port lost during the acceptance checks");
	return false;
}

static void
check_imei(check_run *run, const checks_model *cm)
{
	worker     *w = run->w;
	at_response r;
	char        why[UNIT_TEXT_MAX], imei[24], shown[CHECK_SHOW_MAX + 8];

	if (!check_command(run, cm->imei_cmd, &r, why, sizeof why)) {
		if (!run->stopped)
			check_verdict(run, CHECK_IMEI, false, why);
		return;
	}
	if (!checks_find_imei(r.lines, r.nlines, imei, sizeof imei)) {
		check_show(&r, shown, sizeof shown);
		snprintf(why, sizeof why, "%s answered \"%s\", no IMEI in it", cm->imei_cmd, shown);
		check_verdict(run, CHECK_IMEI, false, why);
		return;
	}
	if (strcmp(imei, w->u.imei) != 0) {
		snprintf(why, sizeof why, "%s reads IMEI %s, before the update it was %s",
		    cm->imei_cmd, imei, w->u.imei);
		check_verdict(run, CHECK_IMEI, false, why);
		return;
	}
	snprintf(why, sizeof why, "%s unchanged (%s)", imei, cm->imei_cmd);
	check_verdict(run, CHECK_IMEI, true, why);
}

static void
check_subedition(check_run *run, const checks_model *cm, const char *target)
{
	at_response r;
	char        why[UNIT_TEXT_MAX], rev[96], sub[64], shown[CHECK_SHOW_MAX + 8];

	if (!check_command(run, cm->csub_cmd, &r, why, sizeof why)) {
		if (!run->stopped)
			check_verdict(run, CHECK_SUBEDITION, false, why);
		return;
	}
	if (!checks_parse_csub(r.lines, r.nlines, rev, sizeof rev, sub, sizeof sub) ||
	    !pkg_revision_match(target, rev)) {
		check_show(&r, shown, sizeof shown);
		snprintf(why, sizeof why, "%s answered \"%s\", expected Revision: %s and a SubEdition",
		    cm->csub_cmd, shown, target);
		check_verdict(run, CHECK_SUBEDITION, false, why);
		return;
	}
	snprintf(why, sizeof why, "%s %s", rev, sub);
	check_verdict(run, CHECK_SUBEDITION, true, why);
}

static void
check_svn(check_run *run, const checks_model *cm)
{
	at_response r;
	char        why[UNIT_TEXT_MAX], svn[16], shown[CHECK_SHOW_MAX + 8];

	if (!check_command(run, cm->svn_cmd, &r, why, sizeof why)) {
		if (!run->stopped)
			check_verdict(run, CHECK_SVN, false, why);
		return;
	}
	if (!checks_parse_svn(r.lines, r.nlines, svn, sizeof svn)) {
		check_show(&r, shown, sizeof shown);
		snprintf(why, sizeof why, "%s answered \"%s\", no SVN in it", cm->svn_cmd, shown);
		check_verdict(run, CHECK_SVN, false, why);
		return;
	}
	snprintf(why, sizeof why, "SVN %s", svn);
	check_verdict(run, CHECK_SVN, true, why);
}

/* Registered within verify.network_timeout, waited for as before a URL
 * download (worker_network.c) with the queries the model's guide uses. */
static void
check_network(check_run *run, const checks_model *cm, double timeout_s)
{
	worker  *w = run->w;
	reg_wait rw;
	char     why[UNIT_TEXT_MAX];
	size_t   n = 0;

	while (cm->reg_queries[n] != NULL)
		n++;
	switch (worker_wait_registered(w, cm->reg_queries, n, timeout_s, &rw)) {
	case REG_STOPPED:
		run->stopped = true;
		return;
	case REG_LOST:
		worker_disconnect(w, "port lost during the acceptance checks");
		check_verdict(run, CHECK_NETWORK, false, rw.failure);
		return;
	case REG_TIMEOUT:
		worker_reg_why(&rw, timeout_s, why, sizeof why);
		check_verdict(run, CHECK_NETWORK, false, why);
		return;
	case REG_OK:
		snprintf(why, sizeof why, "registered (%s)", rw.line);
		check_verdict(run, CHECK_NETWORK, true, why);
		return;
	}
}

static void
check_custom(check_run *run, const cfg_check *c)
{
	at_response r;
	regex_t     re;
	char        why[UNIT_TEXT_MAX], text[AT_LINE_MAX * 2], err[128];
	char        shown[CHECK_SHOW_MAX + 8];
	bool        match;

	if (!check_command(run, c->command, &r, why, sizeof why)) {
		if (!run->stopped)
			check_verdict(run, c->name, false, why);
		return;
	}
	/* The file was checked at load; compiling cannot fail but for memory. */
	if (checks_regex_compile(&re, c->expect, err, sizeof err) != 0) {
		snprintf(why, sizeof why, "expect /%s/: %s", c->expect, err);
		check_verdict(run, c->name, false, why);
		return;
	}
	checks_answer_text(r.lines, r.nlines, r.final, text, sizeof text);
	match = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	check_show(&r, shown, sizeof shown);
	if (!match)
		snprintf(why, sizeof why, "%s answered \"%s\", expected /%s/", c->command, shown, c->expect);
	else
		snprintf(why, sizeof why, "%s answered \"%s\"", c->command, shown);
	check_verdict(run, c->name, match, why);
}

hop_rc
worker_check(worker *w, const pkg *hop)
{
	const cfg_verify   *v = &w->st->cfg->verify;
	const checks_model *cm;
	check_run           run = { .w = w };

	/* An intermediate hop of a chain: the unit is not where it goes yet. */
	if (hop == NULL || (w->u.fw_target[0] != '\0' && strcasecmp(w->u.fw_target, hop->to) != 0))
		return HOP_OK;
	cm = checks_for(w->id.mi != NULL ? w->id.mi->dialect : DIALECT_UNKNOWN);
	w->u.checks[0] = '\0';
	/* The update is over and verified: a stop now cuts checks, not an
	 * update, so it need not wait for policy.stop_grace. */
	station_set_danger(w->st, w->sl->index, false);
	check_imei(&run, cm);
	if (!run.stopped && w->ch != NULL && cm->csub_cmd != NULL)
		check_subedition(&run, cm, hop->to);
	if (!run.stopped && w->ch != NULL && cm->svn_cmd != NULL)
		check_svn(&run, cm);
	if (!run.stopped && w->ch != NULL && v->network)
		check_network(&run, cm, v->network_timeout);
	for (size_t i = 0; !run.stopped && w->ch != NULL && i < v->nchecks; i++)
		check_custom(&run, &v->checks[i]);
	if (run.stopped)
		return HOP_STOPPED;
	if (run.failed)
		return worker_fail(w, PHASE_VERIFY, -1, false, "%s", run.first);
	return HOP_OK;
}
