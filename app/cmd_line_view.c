/*
 * line-view: `dfota-station line-view --db URL [--listen ADDR:PORT]`, the
 * whole line on one page, live (lineview/). Serves until SIGINT or SIGTERM;
 * the signals are blocked before any thread starts and taken by sigwait()
 * here, so no thread of the server is ever interrupted by one.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "lineview/lineview.h"

static const char lv_usage[] =
	"usage: dfota-station line-view --db URL [--listen ADDR:PORT]\n"
	"\n"
	"Serves the whole line on one page, live, from its central store:\n"
	"  /           every station and every slot (open it on a wall screen)\n"
	"  /api/line   the same as JSON\n"
	"  /events     Server-Sent Events as slots change (LISTEN dfota_slots)\n"
	"\n"
	"  --db URL             the line's PostgreSQL (a libpq URI or key=value string)\n"
	"  --listen ADDR:PORT   where to serve (default 127.0.0.1:8080; [::1]:8080 for\n"
	"                       IPv6; port 0 takes a free one and prints it)\n"
	"  -h, --help           this text\n"
	"\n"
	"Exit status: 0 stopped by SIGINT or SIGTERM, 1 cannot listen on ADDR:PORT,\n"
	"2 usage. A database that does not answer is no exit: the page says so and\n"
	"line-view reconnects every second.\n";

/* "1.2.3.4:80" or "[::1]:80" into ss; false when it is neither. */
static bool
lv_parse_listen(const char *s, struct sockaddr_storage *ss)
{
	char        host[128];
	const char *colon = strrchr(s, ':');
	char       *end;
	long        port;
	size_t      hl;

	if (colon == NULL || colon[1] == '\0')
		return false;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 0 || port > 65535)
		return false;
	hl = (size_t)(colon - s);
	if (hl == 0 || hl >= sizeof host)
		return false;
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof *ss);
	if (host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		host[hl - 1] = '\0';
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1;
	}
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &in->sin_addr) == 1;
}

int
app_line_view_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db",     required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char             *db = NULL, *listen = "127.0.0.1:8080";
	struct sockaddr_storage ss;
	sigset_t                sigs;
	lineview               *lv;
	char                    err[1024], host[INET6_ADDRSTRLEN];
	int                     c, sig;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'l': listen = optarg; break;
		case 'h': fputs(lv_usage, stdout); return 0;
		default:  fputs(lv_usage, stderr); return APP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dfota-station line-view: unexpected argument '%s'\n%s", argv[optind], lv_usage);
		return APP_EXIT_USAGE;
	}
	if (db == NULL) {
		fprintf(stderr, "dfota-station line-view: --db URL is required\n%s", lv_usage);
		return APP_EXIT_USAGE;
	}
	if (!lv_parse_listen(listen, &ss)) {
		fprintf(stderr, "dfota-station line-view: --listen %s: give ADDR:PORT, e.g. "
		    "127.0.0.1:8080 or [::1]:8080\n", listen);
		return APP_EXIT_USAGE;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((lv = lineview_start(db, (const struct sockaddr *)&ss, err, sizeof err)) == NULL) {
		fprintf(stderr, "dfota-station line-view: %s: %s\n", listen, err);
		return 1;
	}
	if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
	fprintf(stderr, "line-view: serving http://%s%s%s:%d/ (SIGINT or SIGTERM stops)\n",
	    ss.ss_family == AF_INET6 ? "[" : "", host, ss.ss_family == AF_INET6 ? "]" : "",
	    lineview_port(lv));
	while (sigwait(&sigs, &sig) != 0)
		;
	fprintf(stderr, "line-view: stopping (signal %d)\n", sig);
	lineview_stop(lv);
	return 0;
}
