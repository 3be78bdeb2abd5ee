/*
 * sim_hub: `dfota-sim hub` -- emulated modules behind an emulated USB tree.
 *
 *   dfota-sim hub [--speed X] [--seed N] [--pkgdir DIR] [--logdir DIR]
 *                 [--control FIFO] --port PATH,SPEC... [-- COMMAND ARGS...]
 *
 * Each --port is one module plugged into USB port path PATH ("1-1.2"; the
 * hubs above it are made from the path) running the module SPEC of
 * dfota-sim (model=..., fault=..., any key but link). Two keys are the
 * hub's own: `moveto=PATH2@N` (at its N-th re-enumeration the module comes
 * back on PATH2, as a SuperSpeed module does on the companion bus) and
 * `plugged=no` (the port starts empty; `plug` fills it).
 *
 * How it works: every module is a child `dfota-sim --module link=...`,
 * whose link the hub watches with inotify. The link appears: the module
 * is enumerated (device, AT interface, tty whose /dev node points at the
 * module's pty, "add" uevents). The link goes (a reboot, a power-off):
 * the device and its children are removed ("remove" uevents). So every
 * reboot of an emulated module is a re-enumeration, with a new device
 * number and a new ttyUSB name on the same port path.
 *
 * Commands, one per line on the control FIFO (each answered on stdout
 * with "hub: ok ..." or "hub: error ..."):
 *   unplug PATH        the module on PATH loses power and leaves
 *   plug PATH [SPEC]   a module is plugged into PATH (default: its spec)
 *   move PATH PATH2    from its next re-enumeration on, it is on PATH2
 *   hub-remove PATH    the hub at PATH goes, with every module under it
 *   quit               end (as SIGTERM)
 * Events on stdout: "hub: up PATH TTY -> PTY", "hub: gone PATH",
 * "hub: ready UMOCKDEV_DIR=DIR, N modules", "hub: command pid N".
 *
 * The testbed needs umockdev's preload in this process, so the hub runs
 * itself again under it when it is missing; the module emulators run
 * without it, the COMMAND with it (and UMOCKDEV_DIR), so that a station
 * started there sees only the emulated USB tree. The preload limits one
 * process to about 50 open testbed /dev nodes (docs/testing.md §2). For the
 * COMMAND, libdfota-hubfix.so (next to this program in a build tree,
 * ../lib/dfota-sim/ from it when installed; see
 * sim/preload/sim_hub_realpath.c) goes in front of umockdev's preload: it
 * keeps umockdev 0.17's realpath() from corrupting memory on emulated ttys.
 */
#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/sim_hub.h"
#include "sim/sim_hub_tree.h"
#include "dialects/models.h"
#include "dialects/usbids.h"

#define HUB_MAX_PORTS 128
#define HUB_PATH      64

typedef struct hub_port {
	char     port[HUB_PATH];     /* where it is plugged                   */
	char     at[HUB_PATH];       /* where it is enumerated; "" off the bus */
	char     spec[512];          /* dfota-sim module keys, without link   */
	char     moveto[HUB_PATH];   /* re-enumerates there ...               */
	int      move_after;         /* ... once it has come up this often    */
	uint16_t pid;
	int      iface;
	pid_t    sim;                /* its emulator; -1 when unplugged       */
	char     link[PATH_MAX];
	char     pty[256];           /* the link's target while on the bus    */
	ino_t    link_ino;           /* ... and the link itself: a module that */
	struct timespec link_ctime;  /* reboots makes a new one, even when it  */
	                             /* gets its old /dev/pts number back      */
	int      ups;                /* times it came up since plugged        */
	int      plugs;
} hub_port;

typedef struct hub_app {
	hub_tree   *tree;
	hub_port    ports[HUB_MAX_PORTS];
	int         nports;
	char        dir[PATH_MAX];      /* the emulators' links          */
	char        self[PATH_MAX];     /* this program, for the modules */
	const char *speed, *pkgdir, *logdir, *control;
	unsigned long seed;
	char      **command;
	pid_t       cmd_pid;
	int         cmd_status;
	int         ctl_fd, ino_fd, sig_fd;
	char        ctl_buf[1024];
	size_t      ctl_len;
	int         stop;
} hub_app;

static const char hub_usage_text[] =
    "usage: dfota-sim hub [--speed X] [--seed N] [--pkgdir DIR] [--logdir DIR]\n"
    "                     [--control FIFO] --port PATH,model=M[,KEY=V...]...\n"
    "                     [-- COMMAND ARGS...]\n"
    "\n"
    "Emulated modules behind emulated USB hubs (umockdev): each --port is a\n"
    "USB port path with a module; COMMAND runs inside the testbed and the hub\n"
    "exits with its status.\n"
    "\n"
    "hub keys: moveto=PATH@N (N-th re-enumeration on PATH), plugged=no\n"
    "control: unplug PATH | plug PATH [SPEC] | move PATH PATH2 |\n"
    "         hub-remove PATH | quit\n"
    "  -h, --help   this text\n";

static int
hub_usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "dfota-sim hub: %s\n", why);
	fputs(hub_usage_text, stderr);
	return 2;
}

static void
hub_say(const char *fmt, const char *a, const char *b)
{
	printf(fmt, a, b);
	putchar('\n');
	fflush(stdout);
}

/* Reads "PATH,k=v,..." into p: hub keys kept, the rest is the spec. */
static int
hub_port_parse(hub_port *p, const char *text, bool *plugged)
{
	char  buf[640], *save = NULL, model[32] = "";
	const model_info *mi;

	memset(p, 0, sizeof *p);
	p->sim = -1;
	*plugged = true;
	snprintf(buf, sizeof buf, "%s", text);
	for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (p->port[0] == '\0' && strchr(tok, '=') == NULL) {
			snprintf(p->port, sizeof p->port, "%s", tok);
			continue;
		}
		if (strncmp(tok, "moveto=", 7) == 0) {
			char *at = strchr(tok + 7, '@');
			p->move_after = at != NULL ? atoi(at + 1) : 1;
			snprintf(p->moveto, sizeof p->moveto, "%.*s",
			    at != NULL ? (int)(at - tok - 7) : (int)strlen(tok + 7), tok + 7);
			continue;
		}
		if (strcmp(tok, "plugged=no") == 0) {
			*plugged = false;
			continue;
		}
		if (strncmp(tok, "link=", 5) == 0)
			return -1;   /* the hub names the links */
		if (strncmp(tok, "model=", 6) == 0)
			snprintf(model, sizeof model, "%s", tok + 6);
		if (p->spec[0] != '\0')
			strncat(p->spec, ",", sizeof p->spec - strlen(p->spec) - 1);
		strncat(p->spec, tok, sizeof p->spec - strlen(p->spec) - 1);
	}
	mi = model_find(model);
	if (p->port[0] == '\0' || mi == NULL || mi->usb_pid == 0)
		return -1;
	p->pid = mi->usb_pid;
	p->iface = usb_id_at_interface(QUECTEL_USB_VID, mi->usb_pid, 2);
	return 0;
}

static hub_port *
hub_find(hub_app *app, const char *path)
{
	for (int i = 0; i < app->nports; i++)
		if (strcmp(app->ports[i].port, path) == 0)
			return &app->ports[i];
	return NULL;
}

/*
 * Starts a child with posix_spawn, never fork: this process has threads
 * (GLib's, under umockdev), and a forked child may only make
 * async-signal-safe calls until exec. Even open() was not safe there: it
 * goes through umockdev's preload, whose path lock another thread can hold
 * at the fork, and the child then hangs before it execs (seen as a hub
 * that never got ready). posix_spawn's child uses libc's internal calls,
 * which no preload interposes. The child starts with no signal blocked;
 * with null_stdio its stdin and stdout are /dev/null. envp NULL: this
 * environment, and path is searched in PATH.
 */
static int
hub_spawn(const char *path, char *const argv[], char *const envp[], bool null_stdio,
          pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t          attr;
	sigset_t                   none;
	int                        rc;

	sigemptyset(&none);
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	if (posix_spawnattr_init(&attr) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	rc = posix_spawnattr_setsigmask(&attr, &none);
	if (rc == 0)
		rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	if (rc == 0 && null_stdio) {
		rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
		if (rc == 0)
			rc = posix_spawn_file_actions_adddup2(&fa, 0, 1);
	}
	if (rc == 0)
		rc = envp != NULL ? posix_spawn(pid, path, &fa, &attr, argv, envp)
		                  : posix_spawnp(pid, path, &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return 0;
}

/* Starts the port's emulator (dfota-sim --module link=...,SPEC). */
static int
hub_plug(hub_app *app, hub_port *p)
{
	char  seed[32], module[PATH_MAX + 600], log[PATH_MAX];
	char *argv[12];
	int   n = 0;
	pid_t pid;

	p->plugs++;
	p->ups = 0;
	snprintf(p->link, sizeof p->link, "%s/m%d.%d", app->dir, (int)(p - app->ports), p->plugs);
	/* Each plugged module is a unit of its own: its own seed. */
	snprintf(seed, sizeof seed, "%lu", app->seed + (unsigned long)(p - app->ports) * 1000 +
	    (unsigned long)p->plugs);
	snprintf(module, sizeof module, "link=%s,%s", p->link, p->spec);
	argv[n++] = "dfota-sim";
	argv[n++] = "--speed";
	argv[n++] = (char *)app->speed;
	argv[n++] = "--seed";
	argv[n++] = seed;
	if (app->pkgdir != NULL) {
		argv[n++] = "--pkgdir";
		argv[n++] = (char *)app->pkgdir;
	}
	if (app->logdir != NULL) {
		snprintf(log, sizeof log, "%s/sim-%s-%d.log", app->logdir, p->port, p->plugs);
		argv[n++] = "--log";
		argv[n++] = log;
	}
	argv[n++] = "--module";
	argv[n++] = module;
	argv[n] = NULL;
	/* A module is hardware: it runs outside the testbed, so its
	 * environment has neither umockdev's preload nor its UMOCKDEV_DIR. */
	size_t ne = 0, k = 0;
	while (environ[ne] != NULL)
		ne++;
	char **envp = calloc(ne + 1, sizeof *envp);
	if (envp == NULL)
		return -1;
	for (size_t i = 0; i < ne; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0 &&
		    strncmp(environ[i], "UMOCKDEV_DIR=", 13) != 0)
			envp[k++] = environ[i];
	envp[k] = NULL;
	if (hub_spawn(app->self, argv, envp, true, &pid) != 0) {
		free(envp);
		return -1;
	}
	free(envp);
	p->sim = pid;
	return 0;
}

/* The module on p leaves the bus (if it is on it). */
static void
hub_leave(hub_app *app, hub_port *p)
{
	if (p->at[0] == '\0')
		return;
	hub_tree_remove(app->tree, p->at);
	hub_say("hub: gone %s%s", p->at, "");
	p->at[0] = '\0';
	p->pty[0] = '\0';
}

/* The link's target and identity; n <= 0 when there is no link. A link
 * replaced between the two looks is read again. */
static ssize_t
hub_read_link(const hub_port *p, char *target, size_t len, struct stat *st)
{
	struct stat again;
	ssize_t     n = -1;

	for (int i = 0; i < 3; i++) {
		if (lstat(p->link, st) != 0)
			return -1;
		n = readlink(p->link, target, len - 1);
		if (n > 0)
			target[n] = '\0';
		if (lstat(p->link, &again) == 0 && again.st_ino == st->st_ino &&
		    again.st_ctim.tv_sec == st->st_ctim.tv_sec &&
		    again.st_ctim.tv_nsec == st->st_ctim.tv_nsec)
			break;
	}
	return n;
}

/* Mirrors the emulator's link on the bus: present -> enumerated there. A
 * link made anew is a new enumeration even with the same target: the
 * events are not looked at one by one, so a removal and a new link read in
 * one go, or one already mirrored, cannot be mistaken. */
static void
hub_sync(hub_app *app, hub_port *p)
{
	char        target[256], tty[64], err[256];
	struct stat st;
	ssize_t     n;

	if (p->sim <= 0)
		return;
	n = hub_read_link(p, target, sizeof target, &st);
	if (n > 0 && p->at[0] != '\0' && strcmp(target, p->pty) == 0 &&
	    st.st_ino == p->link_ino && st.st_ctim.tv_sec == p->link_ctime.tv_sec &&
	    st.st_ctim.tv_nsec == p->link_ctime.tv_nsec)
		return;
	hub_leave(app, p);
	if (n <= 0)
		return;
	p->ups++;
	if (p->moveto[0] != '\0' && p->ups == p->move_after + 1) {
		snprintf(p->port, sizeof p->port, "%s", p->moveto);
		p->moveto[0] = '\0';
	}
	if (hub_tree_add_module(app->tree, p->port, p->pid, p->iface, target, tty, sizeof tty,
	    err, sizeof err) != 0) {
		hub_say("hub: error %s: %s", p->port, err);
		return;
	}
	snprintf(p->at, sizeof p->at, "%s", p->port);
	snprintf(p->pty, sizeof p->pty, "%s", target);
	p->link_ino = st.st_ino;
	p->link_ctime = st.st_ctim;
	printf("hub: up %s %s -> %s\n", p->at, tty, target);
	fflush(stdout);
}

static void
hub_sync_all(hub_app *app)
{
	for (int i = 0; i < app->nports; i++)
		hub_sync(app, &app->ports[i]);
}

static void
hub_unplug(hub_app *app, hub_port *p)
{
	hub_leave(app, p);
	if (p->sim > 0) {
		kill(p->sim, SIGTERM);
		waitpid(p->sim, NULL, 0);
		p->sim = -1;
	}
	unlink(p->link);
}

static int
hub_under(const char *path, const char *top)
{
	size_t n = strlen(top);

	return strcmp(path, top) == 0 || (strncmp(path, top, n) == 0 && path[n] == '.');
}

static void
hub_command(hub_app *app, char *line)
{
	char     *save = NULL, *verb = strtok_r(line, " \t", &save);
	char     *a = strtok_r(NULL, " \t", &save), *b = strtok_r(NULL, " \t", &save);
	hub_port *p = a != NULL ? hub_find(app, a) : NULL;

	if (verb == NULL)
		return;
	if (strcmp(verb, "quit") == 0) {
		app->stop = 1;
	} else if (strcmp(verb, "unplug") == 0 && p != NULL) {
		hub_unplug(app, p);
	} else if (strcmp(verb, "plug") == 0 && a != NULL) {
		bool plugged;
		if (p == NULL && b == NULL) {
			hub_say("hub: error plug %s: no spec for a new port%s", a, "");
			return;
		}
		if (p == NULL) {
			if (app->nports == HUB_MAX_PORTS)
				return;
			p = &app->ports[app->nports];
			char text[640];
			snprintf(text, sizeof text, "%s,%s", a, b);
			if (hub_port_parse(p, text, &plugged) != 0) {
				hub_say("hub: error plug %s: bad spec %s", a, b);
				return;
			}
			app->nports++;
		}
		if (p->sim > 0) {
			hub_say("hub: error plug %s: taken%s", a, "");
			return;
		}
		if (hub_plug(app, p) != 0) {
			hub_say("hub: error plug %s: %s", a, strerror(errno));
			return;
		}
	} else if (strcmp(verb, "move") == 0 && p != NULL && b != NULL) {
		snprintf(p->moveto, sizeof p->moveto, "%s", b);
		p->move_after = p->ups;
	} else if (strcmp(verb, "hub-remove") == 0 && a != NULL) {
		for (int i = 0; i < app->nports; i++)
			if (hub_under(app->ports[i].at, a) || hub_under(app->ports[i].port, a))
				hub_unplug(app, &app->ports[i]);
		hub_tree_remove(app->tree, a);
	} else {
		hub_say("hub: error %s %s: unknown command or port", verb, a != NULL ? a : "");
		return;
	}
	hub_say("hub: ok %s %s", verb, a != NULL ? a : "");
}

static void
hub_read_control(hub_app *app)
{
	ssize_t n = read(app->ctl_fd, app->ctl_buf + app->ctl_len,
	    sizeof app->ctl_buf - app->ctl_len - 1);
	char   *nl;

	if (n <= 0)
		return;
	app->ctl_len += (size_t)n;
	app->ctl_buf[app->ctl_len] = '\0';
	while ((nl = strchr(app->ctl_buf, '\n')) != NULL) {
		*nl = '\0';
		hub_command(app, app->ctl_buf);
		memmove(app->ctl_buf, nl + 1, strlen(nl + 1) + 1);
		app->ctl_len = strlen(app->ctl_buf);
	}
	if (app->ctl_len == sizeof app->ctl_buf - 1)
		app->ctl_len = 0;   /* a line this long is no command */
}

static void
hub_reap(hub_app *app)
{
	int   status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == app->cmd_pid) {
			app->cmd_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			app->cmd_pid = -1;
			app->stop = 1;
			continue;
		}
		for (int i = 0; i < app->nports; i++)
			if (app->ports[i].sim == pid) {
				app->ports[i].sim = -1;
				hub_leave(app, &app->ports[i]);
			}
	}
}

/* The realpath fix first, when it was built next to this program. */
static void
hub_command_preload(const hub_app *app)
{
	char        fix[PATH_MAX + 32], val[2 * PATH_MAX];
	const char *pre = getenv("LD_PRELOAD");
	char       *slash;

	snprintf(fix, sizeof fix, "%s", app->self);
	if ((slash = strrchr(fix, '/')) == NULL)
		return;
	/* build/ (beside the program), then an installed tree (make install:
	 * PREFIX/bin/dfota-sim, PREFIX/lib/dfota-sim/libdfota-hubfix.so). */
	snprintf(slash + 1, sizeof fix - (size_t)(slash + 1 - fix), "libdfota-hubfix.so");
	if (access(fix, R_OK) != 0)
		snprintf(slash + 1, sizeof fix - (size_t)(slash + 1 - fix),
		    "../lib/dfota-sim/libdfota-hubfix.so");
	if (access(fix, R_OK) != 0)
		return;
	snprintf(val, sizeof val, "%s:%s", fix, pre != NULL ? pre : "libumockdev-preload.so.0");
	setenv("LD_PRELOAD", val, 1);
}

/* Runs COMMAND inside the testbed: preload and UMOCKDEV_DIR inherited. */
static int
hub_run_command(hub_app *app)
{
	pid_t pid;

	/* The hub's own preload is loaded already; the command's goes into
	 * this environment, which the command inherits. */
	hub_command_preload(app);
	if (hub_spawn(app->command[0], app->command, NULL, false, &pid) != 0) {
		fprintf(stderr, "dfota-sim hub: %s: %s\n", app->command[0], strerror(errno));
		return -1;
	}
	app->cmd_pid = pid;
	printf("hub: command pid %ld\n", (long)pid);
	fflush(stdout);
	return 0;
}

static void
hub_wait_events(hub_app *app, int ms)
{
	struct pollfd pfd[3] = {
		{ .fd = app->sig_fd, .events = POLLIN },
		{ .fd = app->ino_fd, .events = POLLIN },
		{ .fd = app->ctl_fd, .events = POLLIN },
	};
	char buf[4096] __attribute__((aligned(8)));

	if (poll(pfd, app->ctl_fd >= 0 ? 3 : 2, ms) <= 0)
		return;
	if (pfd[0].revents & POLLIN) {
		struct signalfd_siginfo si;
		while (read(app->sig_fd, &si, sizeof si) == (ssize_t)sizeof si)
			if (si.ssi_signo != SIGCHLD)
				app->stop = 1;
		hub_reap(app);
	}
	if (pfd[1].revents & POLLIN) {
		while (read(app->ino_fd, buf, sizeof buf) > 0)
			;
		hub_sync_all(app);
	}
	if (app->ctl_fd >= 0 && (pfd[2].revents & POLLIN))
		hub_read_control(app);
}

static int
hub_parse(hub_app *app, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "speed", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "pkgdir", required_argument, NULL, 'p' },
		{ "logdir", required_argument, NULL, 'l' },
		{ "control", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	/* "+": no reordering, argv stays as given (hub_reexec_with_preload
	 * runs it again), and the first word after "--" is the command. */
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		const char *v = optarg;
		bool        plugged;

		switch (ch) {
		case 'h':
			fputs(hub_usage_text, stdout);
			return -1;
		case 's':
			app->speed = v;
			break;
		case 'S':
			app->seed = strtoul(v, NULL, 10);
			break;
		case 'p':
			app->pkgdir = v;
			break;
		case 'l':
			app->logdir = v;
			break;
		case 'c':
			app->control = v;
			break;
		case 'P': {
			hub_port *p = &app->ports[app->nports];
			if (app->nports == HUB_MAX_PORTS)
				return hub_usage("too many ports");
			if (hub_port_parse(p, v, &plugged) != 0) {
				fprintf(stderr, "dfota-sim hub: --port %s: want PATH,model=M with a USB "
				    "model, no link=\n", v);
				return 2;
			}
			if (hub_find(app, p->port) != NULL)
				return hub_usage("a port path is given twice");
			p->plugs = plugged ? 0 : -1;   /* -1: not plugged at the start */
			app->nports++;
			break;
		}
		case ':':
			return hub_usage("an option is missing its value");
		default:
			return hub_usage("unknown option");
		}
	}
	if (optind > 1 && strcmp(argv[optind - 1], "--") == 0) {
		if (optind >= argc)
			return hub_usage("-- needs a command");
		app->command = argv + optind;
	} else if (optind < argc)
		return hub_usage("unexpected argument (a command goes after --)");
	return app->nports > 0 ? 0 : hub_usage("no --port given");
}

/* The testbed needs the preload in this very process. */
static void
hub_reexec_with_preload(int argc, char **argv)
{
	const char *pre = getenv("LD_PRELOAD");
	char        val[1024];
	char      **args;

	if (pre != NULL && strstr(pre, "libumockdev-preload") != NULL)
		return;
	snprintf(val, sizeof val, "libumockdev-preload.so.0%s%s", pre != NULL ? ":" : "",
	    pre != NULL ? pre : "");
	setenv("LD_PRELOAD", val, 1);
	/* A sanitizer build must accept a preload in front of its runtime. */
	pre = getenv("ASAN_OPTIONS");
	snprintf(val, sizeof val, "%s%sverify_asan_link_order=0", pre != NULL ? pre : "",
	    pre != NULL && pre[0] != '\0' ? ":" : "");
	setenv("ASAN_OPTIONS", val, 1);
	args = calloc((size_t)argc + 2, sizeof *args);
	if (args == NULL)
		return;
	args[0] = "dfota-sim";
	for (int i = 0; i < argc; i++)
		args[i + 1] = argv[i];
	execv("/proc/self/exe", args);
	free(args);   /* exec failed: go on and let umockdev say what is wrong */
}

static int
hub_setup(hub_app *app)
{
	char     err[256];
	sigset_t set;
	ssize_t  n = readlink("/proc/self/exe", app->self, sizeof app->self - 1);

	if (n <= 0) {
		fprintf(stderr, "dfota-sim hub: /proc/self/exe: %s\n", strerror(errno));
		return -1;
	}
	app->self[n] = '\0';
	if ((app->tree = hub_tree_new(err, sizeof err)) == NULL) {
		fprintf(stderr, "dfota-sim hub: %s\n", err);
		return -1;
	}
	snprintf(app->dir, sizeof app->dir, "%s/links", hub_tree_root(app->tree));
	if (mkdir(app->dir, 0755) != 0) {
		fprintf(stderr, "dfota-sim hub: %s: %s\n", app->dir, strerror(errno));
		return -1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	app->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	app->ino_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (app->sig_fd < 0 || app->ino_fd < 0 ||
	    inotify_add_watch(app->ino_fd, app->dir,
	    IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM) < 0) {
		/* EMFILE from inotify: the user's instances are used up. */
		fprintf(stderr, "dfota-sim hub: cannot watch %s: %s%s\n", app->dir, strerror(errno),
		    errno == EMFILE ? " (see fs.inotify.max_user_instances)" : "");
		return -1;
	}
	if (app->control != NULL) {
		unlink(app->control);
		/* O_RDWR: the FIFO never reads as closed between writers. */
		if (mkfifo(app->control, 0600) != 0 ||
		    (app->ctl_fd = open(app->control, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
			fprintf(stderr, "dfota-sim hub: %s: %s\n", app->control, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Waits (bounded) until every module plugged at the start is on the bus. */
static int
hub_start_ports(hub_app *app)
{
	struct timespec t0, now;
	int             want = 0, up;

	for (int i = 0; i < app->nports; i++) {
		hub_port *p = &app->ports[i];
		if (p->plugs < 0) {
			/* An empty port: its hub is there all the same. */
			char hub[HUB_PATH];
			const char *dot = strrchr(p->port, '.');
			p->plugs = 0;
			if (dot != NULL)
				snprintf(hub, sizeof hub, "%.*s", (int)(dot - p->port), p->port);
			else
				snprintf(hub, sizeof hub, "usb%d", atoi(p->port));
			if (hub_tree_add_hub(app->tree, hub) != 0) {
				fprintf(stderr, "dfota-sim hub: cannot add the hub %s\n", hub);
				return -1;
			}
			continue;
		}
		if (hub_plug(app, p) != 0) {
			fprintf(stderr, "dfota-sim hub: cannot start the module on %s: %s\n", p->port,
			    strerror(errno));
			return -1;
		}
		want++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		hub_sync_all(app);
		up = 0;
		for (int i = 0; i < app->nports; i++)
			up += app->ports[i].at[0] != '\0';
		if (up >= want || app->stop)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* Generous: a loaded machine or a sanitizer build starts slowly,
		 * and readiness is no timing claim. */
		if (now.tv_sec - t0.tv_sec > 90) {
			fprintf(stderr, "dfota-sim hub: only %d of %d modules came up\n", up, want);
			return -1;
		}
		hub_wait_events(app, 50);
	}
}

static void
hub_teardown(hub_app *app)
{
	if (app->cmd_pid > 0) {
		kill(app->cmd_pid, SIGTERM);
		waitpid(app->cmd_pid, NULL, 0);
	}
	for (int i = 0; i < app->nports; i++)
		hub_unplug(app, &app->ports[i]);
	if (app->ctl_fd >= 0) {
		close(app->ctl_fd);
		unlink(app->control);
	}
	if (app->ino_fd >= 0)
		close(app->ino_fd);
	if (app->sig_fd >= 0)
		close(app->sig_fd);
	hub_tree_free(app->tree);
}

int
sim_hub_main(int argc, char **argv)
{
	static hub_app app;
	int            rc;

	memset(&app, 0, sizeof app);
	app.speed = "1";
	app.seed = 1;
	app.ctl_fd = app.ino_fd = app.sig_fd = -1;
	app.cmd_pid = -1;
	if ((rc = hub_parse(&app, argc, argv)) != 0)
		return rc < 0 ? 0 : rc;   /* -1: --help was printed */
	hub_reexec_with_preload(argc, argv);
	if (hub_setup(&app) != 0 || hub_start_ports(&app) != 0) {
		fprintf(stderr, "dfota-sim hub: could not start\n");
		hub_teardown(&app);
		return 1;
	}
	printf("hub: ready UMOCKDEV_DIR=%s, %d modules\n", hub_tree_root(app.tree), app.nports);
	fflush(stdout);
	if (app.command != NULL && hub_run_command(&app) != 0) {
		hub_teardown(&app);
		return 1;
	}
	/* Reap on every turn, not only on SIGCHLD: a thread of umockdev's
	 * preload that does not block the signal can take it, and a command
	 * that exits at once would then never be noticed. */
	while (!app.stop) {
		hub_wait_events(&app, 1000);
		hub_reap(&app);
	}
	rc = app.command != NULL ? app.cmd_status : 0;
	hub_teardown(&app);
	return rc;
}
