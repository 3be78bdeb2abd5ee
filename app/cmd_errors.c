/*
 * errors: `dfota-station errors [MODEL [CODE]]` prints what the station
 * knows about the modules' numeric codes, from its own tables
 * (dialects/errors.c), so an operator never looks a code up in a guide.
 *
 *   errors              every model family, every code
 *   errors EP06         the codes of one model (and the models that share them)
 *   errors AG35 510     one code: its meaning in every context it occurs in
 *
 * Each code is printed with its context (where the module sends it), the
 * retry class (does the station try again by itself) and the meaning in the
 * same words the grid and the report use. BG96's END codes, whose table its
 * guide lost, are listed with the meaning its family's guides give, and say
 * so. Exit: 0 printed, 1 the model has no such code, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "dialects/errors.h"
#include "dialects/models.h"

#define ERRORS_MAX_CODES 256

static const char errors_usage_text[] =
"usage: dfota-station errors [MODEL [CODE]]\n"
"\n"
"The meaning of every code a module can send, per model, from the station's\n"
"own tables, and whether another attempt can fix it.\n"
"\n"
"  errors              every model family and its codes\n"
"  errors EP06         the codes of one model\n"
"  errors AG35 510     one code, in every context it occurs in\n"
"\n"
"Contexts: FTP = result of an FTP download (FTPEND), HTTP = result of an\n"
"HTTP/CoAP/LwM2M download (HTTPEND, COAPEND, DOWNLOADED), UPDATE = result\n"
"of the update itself (+QIND END), CME = +CME ERROR to a command.\n"
"retry: yes = the station tries again by itself (policy.attempts); no =\n"
"another attempt will not fix it (wrong package, bad URL, no space...).\n"
"\n"
"Exit status: 0 printed, 1 the model has no such code, 2 usage error.\n";

static int
errors_cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The codes of (d, ctx), own rows and borrowed ones, ascending. */
static size_t
errors_codes(model_dialect d, err_context ctx, int *codes, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < error_count() && n < max; i++) {
		const error_info *e = error_at(i);

		if (e->dialect == d && e->ctx == ctx)
			codes[n++] = e->code;
	}
	n += error_borrowed_codes(d, ctx, codes + n, max - n);
	qsort(codes, n, sizeof codes[0], errors_cmp_int);
	return n;
}

static void
errors_print_code(model_dialect d, err_context ctx, int code)
{
	char        buf[ERROR_MEANING_MAX];
	const char *meaning = error_meaning(d, ctx, code, buf, sizeof buf);

	printf("  %-7s %5d  %-5s %s\n", error_context_name(ctx), code,
	    code == 0 ? "-" : error_retry_helps(d, ctx, code) ? "yes" : "no", meaning);
}

/* "BG96" or "EP06, EG06, EM06": the models that share dialect d. */
static void
errors_print_models(model_dialect d)
{
	const char *sep = "";

	for (size_t i = 0; i < model_count(); i++) {
		if (model_at(i)->dialect != d)
			continue;
		printf("%s%s", sep, model_at(i)->name);
		sep = ", ";
	}
	if (sep[0] == '\0')
		printf("a module no model row names (%s)", model_dialect_name(d));
}

static void
errors_print_dialect(model_dialect d)
{
	int codes[ERRORS_MAX_CODES];

	errors_print_models(d);
	printf("\n  %-7s %5s  %-5s %s\n", "context", "code", "retry", "meaning");
	for (int c = 0; c < ERRCTX_COUNT; c++) {
		size_t n = errors_codes(d, (err_context)c, codes, ERRORS_MAX_CODES);

		for (size_t i = 0; i < n; i++)
			errors_print_code(d, (err_context)c, codes[i]);
	}
}

static int
errors_one_code(const model_info *mi, const char *arg)
{
	char *end;
	long  code;
	int   found = 0;
	char  buf[ERROR_MEANING_MAX];

	errno = 0;
	code = strtol(arg, &end, 10);
	if (end == arg || *end != '\0' || errno != 0 || code < -100000 || code > 100000)
		return app_usage_error("errors: CODE must be a number such as 510, got '%s'", arg);
	for (int c = 0; c < ERRCTX_COUNT; c++) {
		if (error_lookup(mi->dialect, (err_context)c, (int)code) == NULL &&
		    !error_borrowed(mi->dialect, (err_context)c, (int)code))
			continue;
		if (found++ == 0)
			printf("%s code %ld\n  %-7s %5s  %-5s %s\n", mi->name, code,
			    "context", "code", "retry", "meaning");
		errors_print_code(mi->dialect, (err_context)c, (int)code);
	}
	if (found > 0)
		return 0;
	printf("%s code %ld: not in the station's tables for %s; the grid and the "
	    "report show it as \"%s\"\n", mi->name, code, mi->name,
	    error_meaning(mi->dialect, ERRCTX_UPDATE, (int)code, buf, sizeof buf));
	return 1;
}

int
app_errors_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const model_info *mi;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(errors_usage_text, stdout);
			return 0;
		}
		fprintf(stderr, "dfota-station errors: unknown option '%s'\n", argv[optind - 1]);
		fputs(errors_usage_text, stderr);
		return APP_EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	if (argc > 2)
		return app_usage_error("errors: unexpected argument '%s' (errors [MODEL [CODE]])",
		    argv[2]);
	if (argc == 0) {
		for (int d = 0; d < DIALECT_COUNT; d++) {
			if (d > 0)
				putchar('\n');
			errors_print_dialect((model_dialect)d);
		}
		return 0;
	}
	if ((mi = model_find(argv[0])) == NULL) {
		fprintf(stderr, "dfota-station: errors: unknown model '%s'; the station knows:", argv[0]);
		for (size_t i = 0; i < model_count(); i++)
			fprintf(stderr, " %s", model_at(i)->name);
		fputc('\n', stderr);
		return APP_EXIT_USAGE;
	}
	if (argc == 2)
		return errors_one_code(mi, argv[1]);
	errors_print_dialect(mi->dialect);
	return 0;
}
