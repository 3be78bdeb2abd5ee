/*
 * dfota-sim: emulated Quectel modules on pseudo-terminals, for testing
 * dfota-station without hardware (docs/dfota-sim.md).
 *
 *   dfota-sim [--speed X] [--seed N] [--pkgdir DIR] [--log FILE]
 *             (--module SPEC | --scenario FILE)...   [-h|--help]
 *   dfota-sim hub ...                  (sim_hub.c: modules on emulated USB)
 *   dfota-sim make-package --model M --from REV --to REV [--size BYTES]
 *             [--seed N] -o FILE
 *
 * main() parses the command line into module specs, creates every module
 * (each opens its pty and link), prints "dfota-sim: ready, N modules" and
 * runs the event loop until SIGINT or SIGTERM arrive through a signalfd.
 * Then every module closes and removes its links, and the exit status is 0.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "sim/sim_hub.h"
#include "sim/sim_loop.h"
#include "sim/sim_module.h"
#include "sim/sim_package.h"
#include "sim/sim_spec.h"

typedef struct sim_app {
	sim_env      env;
	sim_spec    *specs;     /* owned */
	size_t       nspecs;
	sim_module **mods;      /* owned, nspecs of them once created */
	size_t       nmods;
	int          sigfd;
	sim_watch    sigwatch;
} sim_app;

static const char sim_usage_text[] =
    "usage: dfota-sim [--speed X] [--seed N] [--pkgdir DIR] [--log FILE]\n"
    "                 (--module SPEC | --scenario FILE)...\n"
    "       dfota-sim hub [...] --port PATH,SPEC... [-- COMMAND...]   (hub --help)\n"
    "       dfota-sim make-package --model M --from REV --to REV\n"
    "                 [--size BYTES] [--seed N] -o FILE       (make-package --help)\n"
    "\n"
    "Emulated Quectel modules on pseudo-terminals, for testing dfota-station\n"
    "without hardware. Prints \"dfota-sim: ready, N modules\" once every link\n"
    "exists, and runs until SIGINT or SIGTERM.\n"
    "\n"
    "  --speed X        time runs X times faster than a real module (default 1)\n"
    "  --seed N         seed of the emulated randomness (default 1)\n"
    "  --pkgdir DIR     where uploaded packages are looked up\n"
    "  --log FILE       every line each module receives and sends\n"
    "  --module SPEC    one module (repeatable)\n"
    "  --scenario FILE  modules from a file, one SPEC a line\n"
    "  -h, --help       this text\n"
    "\n"
    "SPEC: link=PATH,model=%s[,rev=,imei=,iccid=,fault=F+F,echo=,\n"
    "      network=,register=,space=,urcport=,\n"
    "      trigger_mode=,apn=,urc_link=]  (dfota-sim(1), docs/dfota-sim.md)\n";

static int
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "dfota-sim: %s\n", why);
	fprintf(stderr, sim_usage_text, sim_model_names());
	return 2;
}

static int
add_spec(sim_app *app, const char *text)
{
	char err[256];
	sim_spec *grown = realloc(app->specs,
	    (app->nspecs + 1) * sizeof *app->specs);

	if (grown == NULL)
		return usage("out of memory");
	app->specs = grown;
	sim_spec_init(&grown[app->nspecs]);
	if (sim_spec_parse(&grown[app->nspecs], text, err, sizeof err) != 0) {
		fprintf(stderr, "dfota-sim: --module %s: %s\n", text, err);
		return 2;
	}
	app->nspecs++;
	return 0;
}

static int
parse_args(sim_app *app, int argc, char **argv)
{
	char err[512];

	static const struct option opts[] = {
		{ "speed", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "pkgdir", required_argument, NULL, 'p' },
		{ "log", required_argument, NULL, 'l' },
		{ "module", required_argument, NULL, 'm' },
		{ "scenario", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		const char *v = optarg;
		char *end;

		switch (ch) {
		case 'h':
			printf(sim_usage_text, sim_model_names());
			return -1;
		case 's':
			app->env.speed = strtod(v, &end);
			if (*end != '\0' || !(app->env.speed > 0))
				return usage("--speed wants a number above 0");
			break;
		case 'S':
			app->env.seed = strtoull(v, &end, 10);
			if (*end != '\0')
				return usage("--seed wants an integer");
			break;
		case 'p':
			app->env.pkgdir = v;
			break;
		case 'l':
			if (app->env.log != NULL)
				fclose(app->env.log);
			app->env.log = fopen(v, "w");
			if (app->env.log == NULL) {
				fprintf(stderr, "dfota-sim: --log %s: %s\n", v,
				    strerror(errno));
				return 2;
			}
			break;
		case 'm':
			if (add_spec(app, v) != 0)
				return 2;
			break;
		case 'f':
			if (sim_spec_load(v, &app->specs, &app->nspecs, err,
			    sizeof err) != 0) {
				fprintf(stderr, "dfota-sim: %s\n", err);
				return 2;
			}
			break;
		case ':':
			return usage("an option is missing its value");
		default:
			return usage("unknown option");
		}
	}
	if (optind < argc)
		return usage("unexpected argument");
	return app->nspecs > 0 ? 0 : usage("no --module or --scenario given");
}

/* Two modules behind one name would fight over the link. */
static int
check_links(const sim_app *app)
{
	for (size_t i = 0; i < app->nspecs; i++)
		for (size_t j = 0; j < app->nspecs; j++) {
			const sim_spec *a = &app->specs[i], *b = &app->specs[j];

			if ((i != j && strcmp(a->link, b->link) == 0) ||
			    strcmp(a->link, b->urc_link) == 0) {
				fprintf(stderr, "dfota-sim: link %s is used twice\n",
				    a->link);
				return -1;
			}
		}
	return 0;
}

static void
on_signal(void *arg, short revents)
{
	sim_app *app = arg;
	struct signalfd_siginfo si;

	(void)revents;
	if (read(app->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
		sim_loop_stop(app->env.loop);
}

static int
setup_signals(sim_app *app)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	app->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (app->sigfd < 0)
		return -1;
	sim_watch_init(&app->sigwatch, on_signal, app);
	return sim_watch_start(app->env.loop, &app->sigwatch, app->sigfd, POLLIN);
}

static int
start_modules(sim_app *app)
{
	char err[512];

	app->mods = calloc(app->nspecs, sizeof *app->mods);
	if (app->mods == NULL)
		return -1;
	for (size_t i = 0; i < app->nspecs; i++) {
		sim_module *m = sim_module_new(&app->specs[i], &app->env, (int)i,
		    err, sizeof err);

		if (m == NULL) {
			fprintf(stderr, "dfota-sim: module %zu (%s): %s\n", i,
			    app->specs[i].link, err);
			return -1;
		}
		app->mods[app->nmods++] = m;
		if (sim_module_start(m, err, sizeof err) != 0) {
			fprintf(stderr, "dfota-sim: module %zu (%s): %s\n", i,
			    app->specs[i].link, err);
			return -1;
		}
	}
	return 0;
}

static void
app_free(sim_app *app)
{
	for (size_t i = 0; i < app->nmods; i++)
		sim_module_free(app->mods[i]);
	free(app->mods);
	free(app->specs);
	if (app->sigfd >= 0)
		close(app->sigfd);
	sim_loop_free(app->env.loop);
	if (app->env.log != NULL)
		fclose(app->env.log);
}

int
main(int argc, char **argv)
{
	sim_app app;
	int rc;

	if (argc > 1 && strcmp(argv[1], "make-package") == 0)
		return sim_package_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "hub") == 0)
		return sim_hub_main(argc - 1, argv + 1);
	memset(&app, 0, sizeof app);
	app.sigfd = -1;
	app.env.speed = 1.0;
	app.env.seed = 1;
	rc = parse_args(&app, argc, argv);
	if (rc == 0 && check_links(&app) != 0)
		rc = 2;
	if (rc != 0) {
		app_free(&app);
		return rc < 0 ? 0 : rc;   /* -1: --help was printed */
	}
	app.env.loop = sim_loop_new();
	if (app.env.loop == NULL || setup_signals(&app) != 0 ||
	    start_modules(&app) != 0) {
		fprintf(stderr, "dfota-sim: could not start\n");
		app_free(&app);
		return 1;
	}
	printf("dfota-sim: ready, %zu modules\n", app.nmods);
	fflush(stdout);
	rc = sim_loop_run(app.env.loop) == 0 ? 0 : 1;
	app_free(&app);
	return rc;
}
