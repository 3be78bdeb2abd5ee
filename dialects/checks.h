/*
 * checks: the acceptance checks after an update (docs/contract.md `verify`), as
 * data and pure functions, so that the rules are tested without a module.
 *
 * Three parts:
 *   - per dialect, the built-in checks the vendor's own QA runs after an
 *     update (docs/protocol.md §5): how to read the IMEI again (AT+EGMR=0,7
 *     where the model has it, else AT+CGSN), the sub-edition (ATI+CSUB) and
 *     the SVN (AT+EGMR=0,9) where the model has them, and which network
 *     registration queries its guide uses (CREG/CGREG/CEREG);
 *   - the table of commands a configured check may never send, because
 *     they would change the module (AT+QFOTADL, AT+QFDEL, AT+CFUN=...,
 *     AT&F, ...), applied to every command of a concatenated line;
 *   - reading answers: registration state (and what each state means, a
 *     table), IMEI, ATI+CSUB, SVN, and the POSIX extended regular
 *     expression a custom check's answer must match.
 */
#ifndef CHECKS_H
#define CHECKS_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "dialects/models.h"

/* Names of the built-in checks, as they appear in the `checks` column. */
#define CHECK_IMEI       "imei"
#define CHECK_NETWORK    "network"
#define CHECK_SUBEDITION "subedition"
#define CHECK_SVN        "svn"

#define CHECKS_NAME_MAX  32

typedef struct checks_model {
	model_dialect      dialect;
	const char *const *reg_queries;  /* NULL-terminated: "AT+CEREG?", ... */
	const char        *imei_cmd;     /* reads the IMEI the module keeps    */
	const char        *csub_cmd;     /* Revision + SubEdition, or NULL     */
	const char        *svn_cmd;      /* software version number, or NULL   */
} checks_model;

/* The built-in check set of a dialect (never NULL for a valid dialect). */
const checks_model *checks_for(model_dialect d);

/* Whether a configured check may send cmd. NULL when it may; otherwise
 * why not, worded to follow the refused command ("deletes files on the
 * module"), and that command in part: one of a concatenated line
 * ("AT+CSQ;+QFDEL=..." -> AT+QFDEL=...), spaces dropped, upper case
 * outside quotes. */
const char *checks_refused(const char *cmd, char *part, size_t partlen);

/* True for a name that is not a built-in check's and fits the column:
 * letters, digits, '-', '_', '.', at most CHECKS_NAME_MAX - 1 long. */
bool checks_name_ok(const char *name);
bool checks_name_builtin(const char *name);

/* Compiles a check's expect (POSIX ERE; ^ and $ match at each line). 0, or
 * the regcomp error with its text in err. */
int  checks_regex_compile(regex_t *re, const char *expect, char *err,
                          size_t errlen);

/* The answer of a command as one text: its lines and then its final
 * result line, joined by '\n' -- what a custom check's expect is matched
 * against. */
void checks_answer_text(const char (*lines)[512], int nlines,
                        const char *final, char *buf, size_t len);

/* "+CEREG: 0,1" -> 1 (the <stat> of a read answer, also in the unsolicited
 * form "+CEREG: 1"); -1 when the line is not a registration answer. */
int  checks_reg_stat(const char *line);
/* 1 home, 5 roaming. */
bool checks_registered(int stat);

/* What a registration <stat> (3GPP TS 27.007 +CREG/+CGREG/+CEREG) means,
 * in an operator's words. */
typedef struct checks_reg_state {
	int         stat;      /* as the module says it; -1: no answer       */
	const char *meaning;   /* "searching"                                */
	const char *hint;      /* what to look at when it stays so; "" none  */
	int         weight;    /* of several answers, the one that tells most
	                          about the module has the highest           */
} checks_reg_state;

/* The row of stat; a row for a state the table does not know otherwise
 * (its stat field is then not stat: print the number you have). Never
 * NULL. */
const checks_reg_state *checks_reg_state_of(int stat);
/* Of two states read in one round of queries, the one that tells most:
 * registered, then denied, searching, unknown, not searching, none. */
int  checks_reg_telling(int a, int b);
/* "searching (2)", with the hint "searching (2), no cell found yet: look
 * at the antenna and the coverage"; "no registration answer" for -1. */
void checks_reg_describe(int stat, bool hint, char *buf, size_t len);

/* The first 15-digit number in the lines (quotes and prefixes skipped). */
bool checks_find_imei(const char (*lines)[512], int nlines, char *imei,
                      size_t len);
/* ATI+CSUB: "Revision: X" and "SubEdition: Y"; false when either is
 * missing. */
bool checks_parse_csub(const char (*lines)[512], int nlines, char *rev,
                       size_t rlen, char *sub, size_t slen);
/* AT+EGMR=0,9: '+EGMR: "01"' -> "01"; false without a value of digits. */
bool checks_parse_svn(const char (*lines)[512], int nlines, char *svn,
                      size_t len);

/* Appends "name=ok" or "name=fail" to the `checks` column text, ';' between
 * entries. */
void checks_result_add(char *buf, size_t len, const char *name, bool ok);

#endif
