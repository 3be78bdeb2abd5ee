/*
 * lineview_http: the HTTP side of line-view on libmicrohttpd.
 *
 * A thread per connection, so a viewer's stream may wait in its reader
 * (lv_client_read blocks until the hub has something, at most
 * LV_HUB_PING_S) and a slot's timeline may wait for its own database
 * connection, without holding up anybody else. A stream that makes no
 * progress for LV_HTTP_STALL_S (the viewer stopped reading: its socket is
 * full) is closed by the server's per-connection timeout; one that reads
 * but falls more than the hub's ring behind is ended by its reader. Either
 * way only that viewer loses its stream; the browser reconnects and starts
 * again from the whole line.
 *
 * Stopping: the hub first (every waiting reader returns), then the daemon
 * (joins the connection threads), then the listener.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lineview/lineview.h"
#include "lineview/lineview_db.h"
#include "lineview/lineview_hub.h"
#include "lineview/lineview_listen.h"
#include "text/text.h"

/* Where the page takes the line as it is when served. */
#define LV_PAGE_MARK "/*LINE_JSON*/null"

struct lineview {
	struct MHD_Daemon *daemon;
	lv_hub            *hub;
	lv_listen         *listen;
	char              *url;
	int                port;
};

/* Marks a request as a viewer's stream (its con_cls). */
static char lv_stream_mark;

static void
lv_peer(struct MHD_Connection *conn, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char host[INET6_ADDRSTRLEN] = "?";
	int  port = 0;

	if (ci != NULL && ci->client_addr != NULL) {
		const struct sockaddr *sa = ci->client_addr;

		if (sa->sa_family == AF_INET) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
			inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
			port = ntohs(in->sin_port);
		} else if (sa->sa_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
			inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
			port = ntohs(in6->sin6_port);
		}
	}
	snprintf(buf, len, "%s:%d", host, port);
}

static enum MHD_Result
lv_send(struct MHD_Connection *conn, unsigned status, const char *type, char *body,
        enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, mode);
	enum MHD_Result      rc;

	if (r == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* {"error":"why"} with status. */
static enum MHD_Result
lv_send_error(struct MHD_Connection *conn, unsigned status, const char *why)
{
	char  *t = NULL;
	size_t n = 0;
	FILE  *f = open_memstream(&t, &n);

	if (f == NULL)
		return MHD_NO;
	fputs("{\"error\":", f);
	text_json_string(f, why);
	fputs("}\n", f);
	if (fclose(f) != 0) {
		free(t);
		return MHD_NO;
	}
	return lv_send(conn, status, "application/json; charset=utf-8", t, MHD_RESPMEM_MUST_FREE);
}

/* The page with the line in it; "</" is written "<\/" so no string in the
 * data can end the script early. */
static enum MHD_Result
lv_page(lineview *lv, struct MHD_Connection *conn)
{
	const char *mark = strstr(lineview_page_html, LV_PAGE_MARK);
	char       *line = lv_hub_line(lv->hub, NULL);
	char       *t = NULL;
	size_t      n = 0;
	FILE       *f = open_memstream(&t, &n);

	if (f == NULL) {
		free(line);
		return MHD_NO;
	}
	if (mark == NULL || line == NULL) {
		fputs(lineview_page_html, f);
	} else {
		fwrite(lineview_page_html, 1, (size_t)(mark - lineview_page_html), f);
		for (const char *p = line; *p != '\0'; p++) {
			if (p[0] == '<' && p[1] == '/')
				fputs("<\\", f);
			else
				fputc(*p, f);
		}
		fputs(mark + strlen(LV_PAGE_MARK), f);
	}
	free(line);
	if (fclose(f) != 0) {
		free(t);
		return MHD_NO;
	}
	return lv_send(conn, MHD_HTTP_OK, "text/html; charset=utf-8", t, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result
lv_api_line(lineview *lv, struct MHD_Connection *conn)
{
	char *why = NULL;
	char *line = lv_hub_line(lv->hub, &why);
	enum MHD_Result rc;

	if (line == NULL) {
		char msg[1200];

		snprintf(msg, sizeof msg, "the line's database does not answer: %s",
		    why != NULL ? why : "?");
		free(why);
		return lv_send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, msg);
	}
	rc = lv_send(conn, MHD_HTTP_OK, "application/json; charset=utf-8", line, MHD_RESPMEM_MUST_FREE);
	return rc;
}

static enum MHD_Result
lv_api_slot(lineview *lv, struct MHD_Connection *conn)
{
	const char *station = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "station");
	const char *slot = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "slot");
	char        err[1024];
	char       *json;
	PGconn     *c;

	if (station == NULL || slot == NULL)
		return lv_send_error(conn, MHD_HTTP_BAD_REQUEST, "give ?station=NAME&slot=LABEL");
	/* Its own connection: a click waits for the database, nobody else. */
	if ((c = lv_db_connect(lv->url, -1, 5, err, sizeof err)) == NULL)
		return lv_send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, err);
	if (lv_db_slot_json(c, station, slot, &json, err, sizeof err) != 0) {
		PQfinish(c);
		return lv_send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, err);
	}
	PQfinish(c);
	return lv_send(conn, MHD_HTTP_OK, "application/json; charset=utf-8", json, MHD_RESPMEM_MUST_FREE);
}

static ssize_t
lv_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	long n = lv_client_read(cls, buf, max);

	(void)pos;
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n;
}

static void
lv_stream_free(void *cls)
{
	lv_client_free(cls);
}

static enum MHD_Result
lv_events(lineview *lv, struct MHD_Connection *conn, void **con_cls)
{
	char                 peer[96];
	lv_client           *c;
	struct MHD_Response *r;
	enum MHD_Result      rc;

	lv_peer(conn, peer, sizeof peer);
	if ((c = lv_client_new(lv->hub, peer)) == NULL)
		return MHD_NO;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, lv_stream_read, c,
	    lv_stream_free);
	if (r == NULL) {
		lv_client_free(c);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)LV_HTTP_STALL_S);
	*con_cls = &lv_stream_mark;
	rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
lv_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	lineview *lv = cls;
	bool      get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;

	(void)version;
	(void)upload_data;
	if (*upload_data_size != 0) {
		*upload_data_size = 0;   /* nothing here takes a body */
		return MHD_YES;
	}
	if (!get && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		char msg[] = "only GET here\n";
		return lv_send(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", msg,
		    MHD_RESPMEM_MUST_COPY);
	}
	if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
		return lv_page(lv, conn);
	if (strcmp(url, "/api/line") == 0)
		return lv_api_line(lv, conn);
	if (strcmp(url, "/api/slot") == 0)
		return lv_api_slot(lv, conn);
	if (strcmp(url, "/events") == 0 && get)
		return lv_events(lv, conn, con_cls);
	return lv_send_error(conn, MHD_HTTP_NOT_FOUND, "no such page (try /, /api/line or /events)");
}

static void
lv_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
	char peer[96];

	(void)cls;
	if (*con_cls != &lv_stream_mark || toe != MHD_REQUEST_TERMINATED_TIMEOUT_REACHED)
		return;
	lv_peer(conn, peer, sizeof peer);
	fprintf(stderr, "line-view: viewer %s dropped: its stream made no progress for %d s\n", peer,
	    LV_HTTP_STALL_S);
}

lineview *
lineview_start(const char *db_url, const struct sockaddr *addr, char *err, size_t len)
{
	lineview                       *lv = calloc(1, sizeof *lv);
	unsigned                        flags = MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo     *di;

	if (lv == NULL || (lv->url = strdup(db_url)) == NULL || (lv->hub = lv_hub_new()) == NULL) {
		if (lv != NULL)
			free(lv->url);
		free(lv);
		snprintf(err, len, "out of memory");
		return NULL;
	}
	if (addr->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	lv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, lv_request, lv,
	    MHD_OPTION_SOCK_ADDR, addr,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_NOTIFY_COMPLETED, lv_completed, lv,
	    MHD_OPTION_END);
	if (lv->daemon == NULL) {
		snprintf(err, len, "cannot listen there (in use, or not an address of this machine?)");
		lv_hub_free(lv->hub);
		free(lv->url);
		free(lv);
		return NULL;
	}
	di = MHD_get_daemon_info(lv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	lv->port = di != NULL ? di->port : 0;
	if ((lv->listen = lv_listen_start(db_url, lv->hub, err, len)) == NULL) {
		lv_hub_stop(lv->hub);
		MHD_stop_daemon(lv->daemon);
		lv_hub_free(lv->hub);
		free(lv->url);
		free(lv);
		return NULL;
	}
	return lv;
}

int
lineview_port(const lineview *lv)
{
	return lv->port;
}

void
lineview_stop(lineview *lv)
{
	if (lv == NULL)
		return;
	lv_hub_stop(lv->hub);
	MHD_stop_daemon(lv->daemon);
	lv_listen_stop(lv->listen);
	lv_hub_free(lv->hub);
	free(lv->url);
	free(lv);
}
