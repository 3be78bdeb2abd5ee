/*
 * run: dfota-station without a command word, the station itself.
 *
 *   dfota-station [--config FILE] [--headless] [--once] [--max-units N]
 *                 [--idle-exit SECONDS] [--operator NAME] [--reports DIR]
 *                 [--dry-run] [--verbose] [--version] [--help]
 *   dfota-station --list [--headless] [--config FILE]
 *   dfota-station COMMAND [ARGS]     (main.c's table; COMMAND --help)
 *
 * main() only wires things together: it reads and checks the station file
 * and the package catalog (exit 2 on any error, naming file, line and
 * setting), opens the reports folder (exit 3 when it cannot be written),
 * connects the sinks (reports, headless or grid, verbose trace) to the
 * event bus, and hands over to station_run().
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "config/config.h"
#include "packages/pkg.h"
#include "reports/report.h"
#include "reports/sign.h"
#include "reports/summary.h"
#include "reports/verify.h"
#include "station/journal.h"
#include "station/bus.h"
#include "station/discovery.h"
#include "station/station.h"
#include "station/worker.h"
#include "ui/grid.h"
#include "ui/headless.h"
#include "ui/trace.h"


typedef struct cli {
	const char     *config;
	const char     *reports;
	bool            headless;
	bool            list;
	station_options opt;
} cli;

static const char usage_text[] =
"usage: dfota-station [--config FILE] [--headless] [--once] [--max-units N]\n"
"                     [--idle-exit SECONDS] [--operator NAME] [--reports DIR]\n"
"                     [--dry-run] [--verbose] [--version] [--help]\n"
"       dfota-station --list [--headless] [--config FILE]\n"
"       dfota-station COMMAND [ARGS]      (dfota-station COMMAND --help)\n"
"\n"
"Updates Quectel modules by DFOTA on every configured slot and writes one\n"
"CSV row per unit to the reports folder.\n"
"\n"
"  -c, --config FILE  station file (default ./station.cfg, else\n"
"                     /etc/dfota-station/station.cfg)\n"
"  --headless         one JSON object per line on stdout instead of the grid\n"
"                     (also when the station cannot start: one line with\n"
"                     the error's file, line, setting and message)\n"
"  --once             each slot handles at most one unit, then exit\n"
"  --max-units N      exit after N units have finished\n"
"  --idle-exit S      exit when nothing ran or arrived for S seconds\n"
"  --operator NAME    written into every report row\n"
"  --reports DIR      reports folder (overrides station.reports_dir)\n"
"  --dry-run          identify and plan only; change nothing on any module\n"
"  -v, --verbose      every command and line: on stderr, or with the grid\n"
"                     appended to REPORTS_DIR/trace.log\n"
"  --list             the Quectel modules on USB now: port path, model,\n"
"                     product id, AT tty, slot (--headless: JSON lines)\n"
"  -V, --version      the version, then exit\n"
"  -h, --help         this text, then exit\n"
"\n"
"Commands:\n";

static const char usage_tail[] =
"\n"
"Exit status: 0 every unit passed or needed nothing, 1 a unit failed or was\n"
"cut short, 2 usage or configuration error, 3 the station could not run.\n"
"Manual: dfota-station(1), dfota-station.cfg(5).\n";

static void
usage(FILE *out)
{
	fputs(usage_text, out);
	app_print_commands(out);
	fputs(usage_tail, out);
}

/* An unknown option or a bad value: the reason, the usage, exit 2. */
static int
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "dfota-station: ");
	fprintf(stderr, fmt, arg);
	fputs("\n", stderr);
	usage(stderr);
	return APP_EXIT_USAGE;
}

static bool
parse_number(const char *s, double min, double *out)
{
	char  *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || v < min)
		return false;
	*out = v;
	return true;
}

static int
parse_cli(int argc, char **argv, cli *c)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "headless", no_argument, NULL, 'H' },
		{ "once", no_argument, NULL, '1' },
		{ "max-units", required_argument, NULL, 'm' },
		{ "idle-exit", required_argument, NULL, 'i' },
		{ "operator", required_argument, NULL, 'o' },
		{ "reports", required_argument, NULL, 'r' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "list", no_argument, NULL, 'L' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int    ch;
	double v;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:vVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': c->config = optarg; break;
		case 'H': c->headless = true; break;
		case '1': c->opt.once = true; break;
		case 'o': c->opt.operator_name = optarg; break;
		case 'r': c->reports = optarg; break;
		case 'n': c->opt.dry_run = true; break;
		case 'v': c->opt.verbose = true; break;
		case 'L': c->list = true; break;
		case 'm':
			if (!parse_number(optarg, 1, &v) || v != (int)v)
				return usage_error("--max-units needs a whole number of at least 1, got '%s'", optarg);
			c->opt.max_units = (int)v;
			break;
		case 'i':
			if (!parse_number(optarg, 0.001, &v))
				return usage_error("--idle-exit needs a number of seconds above 0, got '%s'", optarg);
			c->opt.idle_exit = v;
			break;
		case 'V':
			printf("dfota-station %s\n", DFOTA_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			return usage_error("%s needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unknown command or unexpected argument '%s'", argv[optind]);
	/* A dry run looks at each unit once; it changes nothing to wait for. */
	if (c->opt.dry_run)
		c->opt.once = true;
	c->opt.worker = worker_run;
	return 0;
}

/* --list: the station file is optional here (it only gives the labels). */
static int
cmd_list(const cli *c)
{
	station_config cfg;
	pkg_catalog    cat;
	const char    *path = c->config != NULL ? c->config : config_default_path();
	int            rc;

	if (path == NULL)
		return discovery_list(NULL, c->headless, stdout);
	if ((rc = app_load_config(path, &cfg, &cat)) != 0)
		return rc;
	rc = discovery_list(&cfg, c->headless, stdout);
	pkg_catalog_free(&cat);
	config_free(&cfg);
	return rc;
}

/* Disk trouble, from the report writer: an alert on the bus, so the grid
 * and the headless output say it where the operator looks. */
static void
alert_on_bus(void *ctx, const char *text)
{
	bus_event ev = { .kind = BUS_ALERT, .slot = -1, .percent = -1, .error_code = -1,
	                 .text = strdup(text) };

	bus_post(ctx, &ev);
}

/* As station.c decides: USB discovery runs when the file asks for it and
 * some slot is USB, or there is no slots list. */
static bool
config_wants_usb(const station_config *cfg)
{
	if (!cfg->discovery.usb)
		return false;
	for (size_t i = 0; i < cfg->nslots; i++)
		if (cfg->slots[i].usb_path[0] != '\0')
			return true;
	return cfg->nslots == 0;
}

/* Where the station speaks JSON lines (the headless sink, run_station). */
static bool
speaks_json(const cli *c)
{
	return !c->opt.dry_run && (c->headless || !isatty(1));
}

/* The station cannot start: the message on stderr and, where the station
 * speaks JSON, one line with its parts (ui/headless.c). */
static int
fail(const cli *c, const char *path, const char *message, int status)
{
	fprintf(stderr, "dfota-station: %s\n", message);
	if (speaks_json(c))
		headless_fail(stdout, path, message, status);
	return status;
}

/* app_load_config, with the error also as JSON (fail). */
static int
load_config(const cli *c, station_config *cfg, pkg_catalog *cat)
{
	const char *path = c->config != NULL ? c->config : config_default_path();
	char        err[1024];

	if (path == NULL)
		return fail(c, NULL, "no station file: give --config FILE, or create "
		    "./station.cfg or /etc/dfota-station/station.cfg", APP_EXIT_USAGE);
	if (config_load(path, cfg, err, sizeof err) != 0)
		return fail(c, path, err, APP_EXIT_USAGE);
	if (pkg_catalog_load(cat, cfg, err, sizeof err) != 0) {
		config_free(cfg);
		return fail(c, path, err, APP_EXIT_USAGE);
	}
	return 0;
}

static int
run_station(cli *c)
{
	station_config cfg;
	pkg_catalog    cat;
	report_writer *reports = NULL;
	struct evp_pkey_st *sign_key = NULL;
	journal       *jrn = NULL;
	journal_unit  *recovered = NULL;
	size_t         nrecovered = 0;
	headless      *hl = NULL;
	grid          *g = NULL;
	FILE          *trace = stderr;
	bus           *b;
	station        st;
	bus_sink       sinks[4];
	int            nsinks = 0, rc;
	char           err[1024];
	sigset_t       sigs;

	if ((rc = load_config(c, &cfg, &cat)) != 0)
		return rc;
	if (c->reports != NULL)
		snprintf(cfg.reports_dir, sizeof cfg.reports_dir, "%s", c->reports);
	/* station.timezone is the process's local time: the day of the report
	 * file and the times the grid shows. Set before any thread starts. */
	if (cfg.timezone[0] != '\0') {
		setenv("TZ", cfg.timezone, 1);
		tzset();
	}
	if (cfg.signing_key[0] != '\0' && !c->opt.dry_run &&
	    (sign_key = sign_key_load_private(cfg.signing_key, false, err, sizeof err)) == NULL) {
		fprintf(stderr, "dfota-station: %s:%d: station.signing_key: %s\n", cfg.path,
		    cfg.signing_key_line, err);
		rc = APP_EXIT_USAGE;
		goto out;
	}
	/* No slots list: every Quectel module on USB is a slot. */
	if (cfg.nslots == 0 && !cfg.discovery.usb) {
		snprintf(err, sizeof err, "%s: no slots configured and discovery.usb is "
		    "false: nothing to do", cfg.path);
		rc = fail(c, cfg.path, err, APP_EXIT_USAGE);
		goto out;
	}
	/* No USB at all: said before any slot starts, so a JSON reader gets
	 * the error line alone. */
	if (config_wants_usb(&cfg) && !discovery_usb_present(err, sizeof err)) {
		rc = fail(c, NULL, err, APP_EXIT_STATION);
		goto out;
	}
	if (!c->opt.dry_run && report_open(&reports, cfg.reports_dir, cfg.name, err, sizeof err) != 0) {
		rc = fail(c, cfg.path, err, APP_EXIT_STATION);
		goto out;
	}
	if (reports != NULL)
		report_set_signing_key(reports, sign_key);
	/* The journal: units in flight survive a crash of the station. What an
	 * earlier run left in flight goes back to its slot (station_init). */
	if (reports != NULL) {
		size_t corrupt = 0, torn = 0;
		if (journal_open(&jrn, cfg.reports_dir, cfg.name, err, sizeof err) != 0) {
			rc = fail(c, cfg.path, err, APP_EXIT_STATION);
			goto out;
		}
		report_set_journal(reports, jrn);
		journal_skipped(jrn, &corrupt, &torn);
		if (corrupt + torn > 0)
			fprintf(stderr, "dfota-station: %s: %zu damaged line(s) skipped, %zu torn line cut\n",
			    journal_path(jrn), corrupt, torn);
		if (journal_in_flight(jrn, &recovered, &nrecovered) == 0 && nrecovered > 0)
			fprintf(stderr, "dfota-station: %zu unit(s) were in flight when the station last "
			    "stopped; each is reported in this run\n", nrecovered);
	}
	/* Signals are taken by the main thread alone (station_run). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	b = bus_new();
	if (reports != NULL && b != NULL) {
		sinks[nsinks++] = (bus_sink){ report_on_event, reports };
		report_set_alert(reports, alert_on_bus, b);
	}
	/* The grid when a person watches a terminal; it reads st only once
	 * grid_start() runs, after station_init(). */
	if (!c->headless && !c->opt.dry_run && isatty(1))
		g = grid_new(&st, &cfg, reports != NULL ? report_session_path(reports) : "");
	if (g != NULL) {
		sinks[nsinks++] = (bus_sink){ grid_on_event, g };
	} else if (!c->opt.dry_run) {
		hl = headless_new(stdout);
		sinks[nsinks++] = (bus_sink){ headless_on_event, hl };
	}
	/* The trace would scribble over the grid: it goes to a file then. */
	if (c->opt.verbose && g != NULL) {
		char path[CFG_PATH_MAX + 16];
		snprintf(path, sizeof path, "%s/trace.log", cfg.reports_dir);
		trace = fopen(path, "a");
	}
	if (c->opt.verbose && trace != NULL)
		sinks[nsinks++] = (bus_sink){ trace_on_event, trace };
	if (b == NULL || bus_start(b, sinks, nsinks) != 0 ||
	    station_init(&st, &cfg, &cat, b, &c->opt) != 0 ||
	    station_recover(&st, jrn, recovered, nrecovered) != 0 ||
	    (g != NULL && grid_start(g) != 0)) {
		grid_free(g);
		g = NULL;
		bus_free(b);
		rc = fail(c, cfg.path, "cannot start (out of memory or threads)", APP_EXIT_STATION);
		goto out;
	}
	rc = station_run(&st);
	bus_stop(b);
	/* No USB: the station said why on stderr; the JSON reader hears it
	 * as the one error line instead of a summary of nothing. */
	if (rc == APP_EXIT_STATION && st.failure[0] != '\0' && hl != NULL) {
		headless_fail(stdout, NULL, st.failure, rc);
		headless_free(hl);
		hl = NULL;
	}
	/* Every row is written: what is still in flight is all the journal keeps. */
	if (jrn != NULL)
		journal_compact(jrn);
	grid_free(g);   /* gives the terminal back */
	g = NULL;
	if (hl != NULL)
		headless_finish(hl, rc);
	station_free(&st);
	bus_free(b);
out:
	grid_free(g);
	if (trace != NULL && trace != stderr)
		fclose(trace);
	headless_free(hl);
	if (reports != NULL)
		report_close(reports);
	sign_key_free(sign_key);        /* after the writer, which signs at close */
	journal_close(jrn);     /* after the writer: it ends units in the journal */
	free(recovered);
	pkg_catalog_free(&cat);
	config_free(&cfg);
	return rc;
}

int
app_station_main(int argc, char **argv)
{
	cli c = { 0 };
	int rc;

	if ((rc = parse_cli(argc, argv, &c)) != 0)
		return rc;
	if (c.list)
		return cmd_list(&c);
	return run_station(&c);
}
