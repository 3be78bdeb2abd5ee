/*
 * checks: acceptance-check data and the pure functions over it; see
 * checks.h.
 *
 * Refusing commands: a configured check runs on a unit that has just been
 * updated and is about to go back to a customer, so it must only read.
 * Which commands change a module is a table, not a judgement in code. A
 * line is taken apart the way V.250 does: spaces outside quotes ignored,
 * case ignored outside quotes, commands joined by ';', and basic commands
 * (ATZ, AT&F, ATE0) chained without a separator, an extended command
 * (+NAME) ending a piece. Every command of the line is checked, so that
 * "AT+CSQ;+QFDEL=\"x\"" is refused as surely as "AT+QFDEL=\"x\"".
 *
 * Basic commands are allowed by a short table (ATI, AT&V, S-register
 * reads): every other basic command changes a setting the station relies
 * on (echo, result codes) or the module itself (ATZ, AT&F, AT&W, ATD).
 * Extended commands are refused by a table with a rule per row: always,
 * in their write form only (AT+CFUN=... but not AT+CFUN?), as a setting
 * write (AT+QCFG="band",... but not the one-parameter read
 * AT+QCFG="band"), or AT+EGMR unless its first parameter is 0 (read).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialects/checks.h"

/* ---- built-in check sets per dialect --------------------------------- */

/* Registration queries as each guide uses them: BG96 (000) CREG/CGREG,
 * BC26 (002) CEREG, BG95/BG77 (003) CEREG/CGREG; the LTE Cat families
 * (AG35, EP06, EC2x) answer all three. */
static const char *const reg_bg96[] = { "AT+CREG?", "AT+CGREG?", NULL };
static const char *const reg_lte[]  = { "AT+CREG?", "AT+CGREG?", "AT+CEREG?", NULL };
static const char *const reg_bc26[] = { "AT+CEREG?", NULL };
static const char *const reg_bg95[] = { "AT+CEREG?", "AT+CGREG?", NULL };

/* ATI+CSUB and AT+EGMR=0,7 / 0,9 are what Quectel's own DFOTA test
 * scripts read after an update (docs/protocol.md §5); those scripts and the
 * AT manuals that carry the commands are for the LTE Cat families. For
 * the others no public source gives them: their IMEI is read with
 * AT+CGSN, and no sub-edition or SVN check is made up. */
static const checks_model checks_table[DIALECT_COUNT] = {
	[DIALECT_BG96] = { .dialect = DIALECT_BG96, .reg_queries = reg_bg96,
	                   .imei_cmd = "AT+CGSN" },
	[DIALECT_AG35] = { .dialect = DIALECT_AG35, .reg_queries = reg_lte,
	                   .imei_cmd = "AT+EGMR=0,7", .csub_cmd = "ATI+CSUB",
	                   .svn_cmd = "AT+EGMR=0,9" },
	[DIALECT_EP06] = { .dialect = DIALECT_EP06, .reg_queries = reg_lte,
	                   .imei_cmd = "AT+EGMR=0,7", .csub_cmd = "ATI+CSUB",
	                   .svn_cmd = "AT+EGMR=0,9" },
	[DIALECT_EC25] = { .dialect = DIALECT_EC25, .reg_queries = reg_lte,
	                   .imei_cmd = "AT+EGMR=0,7", .csub_cmd = "ATI+CSUB",
	                   .svn_cmd = "AT+EGMR=0,9" },
	[DIALECT_BC26] = { .dialect = DIALECT_BC26, .reg_queries = reg_bc26,
	                   .imei_cmd = "AT+CGSN" },
	[DIALECT_BG95] = { .dialect = DIALECT_BG95, .reg_queries = reg_bg95,
	                   .imei_cmd = "AT+CGSN" },
	/* No row names it: the 3GPP commands only, nothing Quectel's own. */
	[DIALECT_UNKNOWN] = { .dialect = DIALECT_UNKNOWN, .reg_queries = reg_lte,
	                      .imei_cmd = "AT+CGSN" },
};

const checks_model *
checks_for(model_dialect d)
{
	if ((unsigned)d >= DIALECT_COUNT)
		return &checks_table[DIALECT_UNKNOWN];
	return &checks_table[d];
}

/* ---- commands a check may not send ------------------------------------ */

typedef enum refuse_rule {
	REFUSE_ALWAYS,     /* every form                                   */
	REFUSE_WRITE,      /* AT+X=...; the read (?) and test (=?) forms pass */
	REFUSE_SETTING,    /* AT+X=a,b...: a setting written; AT+X=a reads  */
	REFUSE_EGMR,       /* AT+EGMR=<op>,...: only op 0 reads             */
} refuse_rule;

typedef struct refused_cmd {
	const char *name;         /* "+QFDEL", upper case */
	refuse_rule rule;
	const char *why;
} refused_cmd;

static const refused_cmd refused_table[] = {
	{ "+QFOTADL", REFUSE_ALWAYS,  "starts or changes a firmware update" },
	{ "+QFUPL",   REFUSE_ALWAYS,  "writes a file to the module" },
	{ "+QFDEL",   REFUSE_ALWAYS,  "deletes files on the module" },
	{ "+QFDWL",   REFUSE_ALWAYS,  "starts a binary file transfer" },
	{ "+QFOPEN",  REFUSE_ALWAYS,  "opens a file on the module for writing" },
	{ "+QFWRITE", REFUSE_ALWAYS,  "writes a file on the module" },
	{ "+QFMOV",   REFUSE_ALWAYS,  "moves files on the module" },
	{ "+QPOWD",   REFUSE_ALWAYS,  "powers the module off" },
	{ "+QRST",    REFUSE_ALWAYS,  "restarts the module" },
	{ "+QPRTPARA", REFUSE_ALWAYS, "stores or restores the module's parameters" },
	{ "+QNVW",    REFUSE_ALWAYS,  "writes the module's non-volatile memory" },
	{ "+QNVFW",   REFUSE_ALWAYS,  "writes the module's non-volatile memory" },
	{ "+CMGS",    REFUSE_ALWAYS,  "sends a message" },
	{ "+CMGD",    REFUSE_ALWAYS,  "deletes messages" },
	{ "+CFUN",    REFUSE_WRITE,   "changes the radio's function level or restarts the module" },
	{ "+CPIN",    REFUSE_WRITE,   "enters a PIN (and uses up its tries)" },
	{ "+CLCK",    REFUSE_WRITE,   "changes a facility lock" },
	{ "+CPWD",    REFUSE_WRITE,   "changes a password" },
	{ "+COPS",    REFUSE_WRITE,   "changes the network selection" },
	{ "+CGDCONT", REFUSE_WRITE,   "changes a PDP context" },
	{ "+CGATT",   REFUSE_WRITE,   "attaches to or detaches from the network" },
	{ "+CGACT",   REFUSE_WRITE,   "activates or deactivates a PDP context" },
	{ "+QIACT",   REFUSE_WRITE,   "activates a data context" },
	{ "+CREG",    REFUSE_WRITE,   "changes how registration is reported" },
	{ "+CGREG",   REFUSE_WRITE,   "changes how registration is reported" },
	{ "+CEREG",   REFUSE_WRITE,   "changes how registration is reported" },
	{ "+CMEE",    REFUSE_WRITE,   "changes how errors are reported, which the station reads" },
	{ "+IPR",     REFUSE_WRITE,   "changes the port's baud rate" },
	{ "+QSCLK",   REFUSE_WRITE,   "changes the sleep mode" },
	{ "+QCFG",    REFUSE_SETTING, "writes a configuration setting" },
	{ "+QCFGEXT", REFUSE_SETTING, "writes a configuration setting" },
	{ "+QURCCFG", REFUSE_SETTING, "changes the port progress messages go to" },
	{ "+QMBNCFG", REFUSE_SETTING, "changes the carrier configuration (MBN)" },
	{ "+EGMR",    REFUSE_EGMR,    "writes the IMEI or other factory data" },
};

/* Basic commands a check may send; every other one is refused. */
typedef enum basic_rule { BASIC_ANY, BASIC_READ } basic_rule;

typedef struct allowed_basic {
	const char *name;
	basic_rule  rule;
} allowed_basic;

static const allowed_basic allowed_basics[] = {
	{ "I",  BASIC_ANY },   /* identification: ATI, ATI0, ATI+CSUB */
	{ "&V", BASIC_ANY },   /* shows the current configuration     */
	{ "S",  BASIC_READ },  /* ATS3? reads; ATS0=1 would write      */
};

#define NELEM(a) (sizeof (a) / sizeof (a)[0])

/* The line without spaces outside quotes, upper case outside quotes. */
static void
checks_normalise(const char *cmd, char *out, size_t len)
{
	bool   quoted = false;
	size_t n = 0;

	for (; *cmd != '\0' && n + 1 < len; cmd++) {
		char c = *cmd;

		if (c == '"')
			quoted = !quoted;
		if (!quoted && isspace((unsigned char)c))
			continue;
		out[n++] = quoted ? c : (char)toupper((unsigned char)c);
	}
	out[n] = '\0';
}

static bool
checks_ext_start(char c)
{
	return c != '\0' && strchr("+$^%#*!", c) != NULL;
}

/* A comma outside quotes: more than one parameter. */
static bool
checks_many_params(const char *args)
{
	bool quoted = false;

	for (; *args != '\0'; args++) {
		if (*args == '"')
			quoted = !quoted;
		else if (*args == ',' && !quoted)
			return true;
	}
	return false;
}

/* One extended command ("+QCFG=\"band\",..."); NULL when it may be sent. */
static const char *
checks_refused_ext(const char *ext)
{
	char        name[32];
	size_t      n = 0;
	const char *rest;
	bool        write;

	name[n++] = *ext++;
	while (n + 1 < sizeof name && (isalnum((unsigned char)*ext) || *ext == '_'))
		name[n++] = *ext++;
	name[n] = '\0';
	rest = ext;
	write = rest[0] == '=' && strcmp(rest, "=?") != 0;
	for (size_t i = 0; i < NELEM(refused_table); i++) {
		const refused_cmd *r = &refused_table[i];

		if (strcmp(r->name, name) != 0)
			continue;
		switch (r->rule) {
		case REFUSE_ALWAYS:
			return r->why;
		case REFUSE_WRITE:
			return write ? r->why : NULL;
		case REFUSE_SETTING:
			return write && checks_many_params(rest + 1) ? r->why : NULL;
		case REFUSE_EGMR:
			if (!write)
				return NULL;
			return rest[1] == '0' && (rest[2] == ',' || rest[2] == '\0') ? NULL : r->why;
		}
	}
	return NULL;
}

/* One piece between ';': basic commands, then at most one extended. The
 * refused command goes to part ("AT" and its text). */
static const char *
checks_refused_piece(const char *p, char *part, size_t partlen)
{
	while (*p != '\0' && !checks_ext_start(*p)) {
		const char *start = p;
		char        name[3] = { 0 };
		const char *param;
		size_t      plen = 0, i;

		if (*p == '&' && p[1] != '\0') {
			name[0] = '&';
			name[1] = p[1];
			p += 2;
		} else {
			name[0] = *p++;
		}
		param = p;
		while (*p != '\0' && (isdigit((unsigned char)*p) || *p == '=' || *p == '?' || *p == ','))
			p++, plen++;
		snprintf(part, partlen, "AT%.*s", (int)(p - start), start);
		for (i = 0; i < NELEM(allowed_basics); i++) {
			if (strcmp(allowed_basics[i].name, name) == 0)
				break;
		}
		if (i == NELEM(allowed_basics))
			return "is a basic command that changes the module or its settings "
			    "(of the basic commands a check may send only ATI, AT&V and ATS<n>?)";
		if (allowed_basics[i].rule == BASIC_READ &&
		    (memchr(param, '=', plen) != NULL || memchr(param, '?', plen) == NULL))
			return "writes an S-register (a check may only read one: ATS<n>?)";
	}
	if (*p == '\0')
		return NULL;
	snprintf(part, partlen, "AT%s", p);
	return checks_refused_ext(p);
}

const char *
checks_refused(const char *cmd, char *part, size_t partlen)
{
	char  line[1024], *p, *piece;
	bool  quoted = false;

	if (partlen > 0)
		part[0] = '\0';
	checks_normalise(cmd, line, sizeof line);
	if (strncmp(line, "AT", 2) != 0) {
		snprintf(part, partlen, "%s", cmd);
		return "does not begin with AT";
	}
	piece = line + 2;
	for (p = piece;; p++) {
		if (*p == '"')
			quoted = !quoted;
		if ((*p == ';' && !quoted) || *p == '\0') {
			char        saved = *p;
			const char *why;

			*p = '\0';
			/* "AT+CSQ;AT+QFDEL": a repeated AT is taken as the same line. */
			if (strncmp(piece, "AT", 2) == 0 && piece != line + 2)
				piece += 2;
			why = checks_refused_piece(piece, part, partlen);
			if (why != NULL)
				return why;
			if (saved == '\0')
				break;
			piece = p + 1;
		}
	}
	if (partlen > 0)
		part[0] = '\0';
	return NULL;
}

/* ---- names ------------------------------------------------------------ */

bool
checks_name_builtin(const char *name)
{
	static const char *const builtins[] = {
		CHECK_IMEI, CHECK_NETWORK, CHECK_SUBEDITION, CHECK_SVN,
	};

	for (size_t i = 0; i < NELEM(builtins); i++)
		if (strcasecmp(builtins[i], name) == 0)
			return true;
	return false;
}

bool
checks_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= CHECKS_NAME_MAX || checks_name_builtin(name))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return false;
	}
	return true;
}

/* ---- answers ---------------------------------------------------------- */

int
checks_regex_compile(regex_t *re, const char *expect, char *err, size_t errlen)
{
	int rc = regcomp(re, expect, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);

	if (rc != 0 && errlen > 0)
		regerror(rc, re, err, errlen);
	return rc;
}

void
checks_answer_text(const char (*lines)[512], int nlines, const char *final,
    char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (int i = 0; i <= nlines; i++) {
		const char *s = i < nlines ? lines[i] : final;
		int         w;

		if (s == NULL || (i == nlines && s[0] == '\0'))
			break;
		w = snprintf(buf + used, len - used, "%s%s", used > 0 ? "\n" : "", s);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
}

int
checks_reg_stat(const char *line)
{
	static const char *const prefixes[] = { "+CREG:", "+CGREG:", "+CEREG:" };
	const char *p = NULL, *comma;

	for (size_t i = 0; i < NELEM(prefixes) && p == NULL; i++)
		if (strncasecmp(line, prefixes[i], strlen(prefixes[i])) == 0)
			p = line + strlen(prefixes[i]);
	if (p == NULL)
		return -1;
	while (*p == ' ')
		p++;
	comma = strchr(p, ',');
	/* Read form "<n>,<stat>[,...]": the second field; "<stat>" alone is
	 * the unsolicited form. */
	p = comma != NULL ? comma + 1 : p;
	while (*p == ' ')
		p++;
	return isdigit((unsigned char)*p) ? atoi(p) : -1;
}

bool
checks_registered(int stat)
{
	return stat == 1 || stat == 5;
}

/* 3GPP TS 27.007 <stat>, worded for the person at the station. The
 * weights rank what a state says about a module that is not registered:
 * a refusal by the network (3, 8, SMS only) is the most specific, then
 * searching (no cell yet), then unknown, then not searching (radio off);
 * no answer at all says least. */
static const checks_reg_state reg_states[] = {
	{ -1, "no registration answer", "", 0 },
	{ 0, "not searching", "the radio is off, there is no SIM, or the module gave up", 1 },
	{ 1, "registered, home network", "", 9 },
	{ 2, "searching", "no cell found yet: look at the antenna and the coverage", 3 },
	{ 3, "registration denied", "the network refuses the SIM: look at its subscription", 5 },
	{ 4, "unknown", "often out of coverage", 2 },
	{ 5, "registered, roaming", "", 9 },
	{ 6, "registered for SMS only", "no data service: look at the SIM's subscription", 4 },
	{ 7, "registered for SMS only, roaming", "no data service: look at the SIM's subscription", 4 },
	{ 8, "emergency services only", "the network refuses normal service to the SIM", 4 },
};
static const checks_reg_state reg_state_other = {
	-2, "a state the station does not know", "", 1
};

const checks_reg_state *
checks_reg_state_of(int stat)
{
	for (size_t i = 0; i < NELEM(reg_states); i++)
		if (reg_states[i].stat == stat)
			return &reg_states[i];
	return &reg_state_other;
}

int
checks_reg_telling(int a, int b)
{
	return checks_reg_state_of(b)->weight > checks_reg_state_of(a)->weight ? b : a;
}

void
checks_reg_describe(int stat, bool hint, char *buf, size_t len)
{
	const checks_reg_state *st = checks_reg_state_of(stat);
	bool                    more = hint && st->hint[0] != '\0';

	if (stat < 0)
		snprintf(buf, len, "%s", st->meaning);
	else
		snprintf(buf, len, "%s (%d)%s%s", st->meaning, stat,
		    more ? ", " : "", more ? st->hint : "");
}

bool
checks_find_imei(const char (*lines)[512], int nlines, char *imei, size_t len)
{
	for (int i = 0; i < nlines; i++) {
		const char *s = lines[i];

		while (*s != '\0') {
			size_t n = 0;

			while (isdigit((unsigned char)s[n]))
				n++;
			if (n == 15 && len > 15) {
				memcpy(imei, s, 15);
				imei[15] = '\0';
				return true;
			}
			s += n > 0 ? n : 1;
		}
	}
	return false;
}

/* "Key: value" of a line, value trimmed; NULL when the line is not it. */
static const char *
checks_keyed(const char *line, const char *key, size_t *vlen)
{
	size_t n = strlen(key), l;

	if (strncasecmp(line, key, n) != 0)
		return NULL;
	line += n;
	while (*line == ' ')
		line++;
	l = strlen(line);
	while (l > 0 && isspace((unsigned char)line[l - 1]))
		l--;
	*vlen = l;
	return l > 0 ? line : NULL;
}

bool
checks_parse_csub(const char (*lines)[512], int nlines, char *rev, size_t rlen,
    char *sub, size_t slen)
{
	bool have_rev = false, have_sub = false;

	for (int i = 0; i < nlines; i++) {
		size_t      n;
		const char *v;

		if ((v = checks_keyed(lines[i], "Revision:", &n)) != NULL && !have_rev) {
			snprintf(rev, rlen, "%.*s", (int)n, v);
			have_rev = true;
		} else if ((v = checks_keyed(lines[i], "SubEdition:", &n)) != NULL && !have_sub) {
			snprintf(sub, slen, "%.*s", (int)n, v);
			have_sub = true;
		}
	}
	return have_rev && have_sub;
}

bool
checks_parse_svn(const char (*lines)[512], int nlines, char *svn, size_t len)
{
	for (int i = 0; i < nlines; i++) {
		const char *p = lines[i];
		size_t      n = 0;

		if (strncasecmp(p, "+EGMR:", 6) != 0)
			continue;
		p += 6;
		while (*p == ' ' || *p == '"')
			p++;
		while (isdigit((unsigned char)p[n]))
			n++;
		if (n == 0 || n >= len)
			return false;
		memcpy(svn, p, n);
		svn[n] = '\0';
		return true;
	}
	return false;
}

void
checks_result_add(char *buf, size_t len, const char *name, bool ok)
{
	size_t used = strlen(buf);

	if (used < len)
		snprintf(buf + used, len - used, "%s%s=%s", used > 0 ? ";" : "", name,
		    ok ? "ok" : "fail");
}
