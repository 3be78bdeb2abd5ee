/*
 * report: the bus sink behind the audit trail. It hands every event to the
 * timelines (report_timeline.c) and turns each BUS_UNIT_END into one row of
 * the day's session file, <dir>/<station>-<YYYY-MM-DD>.csv, the day being
 * the UTC date of the row's finished_ms.
 *
 * A row is formatted once, queued, and written at once: open O_APPEND,
 * header first when the file is empty, write, fsync, close. Opening per row
 * costs nothing at the pace units finish, and means a file that an operator
 * moves away or a new day is simply a new file.
 *
 * The queue is what makes disk trouble survivable: a row that cannot be
 * written (ENOSPC, EIO, ...) stays queued, in order, and the queue is
 * retried on every later event, so rows reach the file in the order units
 * finished once space returns. A failed write is cut back with ftruncate to
 * the size the file had, so a retry never leaves half a row behind.
 * report_pending() tells the station how many rows wait, for its alert.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "reports/csv.h"
#include "reports/report.h"
#include "reports/report_timeline.h"

const char *const report_columns[] = {
	"run_id", "station", "operator", "slot", "usb_path", "port", "model",
	"imei", "iccid", "fw_before", "fw_target", "fw_after", "package",
	"package_sha256", "delivery", "result", "error_phase", "error_code",
	"error_text", "attempts", "started_at", "finished_at", "duration_s",
	"transfer_s", "update_s", "detail_file",
};
const int report_ncolumns = sizeof report_columns / sizeof report_columns[0];

/* One formatted session row waiting for its file. */
typedef struct report_row {
	char  day[48];        /* YYYY-MM-DD: which file */
	char *text;           /* the CSV line with CRLF; owned */
} report_row;

struct report_writer {
	char             *dir;
	char             *station;       /* file-name safe */
	char              path[PATH_MAX];
	report_row       *queue;         /* oldest first */
	size_t            nqueue;
	size_t            capqueue;
	report_timelines *timelines;
	report_write_fn   write_fn;
	void             *write_ctx;
};

static void
report_day(int64_t ms, char *buf, size_t len)
{
	time_t    secs = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday);
}

static int
report_mkdir_p(const char *dir)
{
	char  *p, *copy = strdup(dir);
	int    rc = 0;

	if (copy == NULL)
		return -1;
	for (p = copy + 1; *p != '\0' && rc == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) != 0 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	if (rc == 0 && mkdir(copy, 0755) != 0 && errno != EEXIST)
		rc = -1;
	free(copy);
	return rc;
}

/* Writable means a file can be created and removed there, not just that
 * the mode bits say so (read-only mounts, full disks, ACLs). */
static int
report_probe(const char *dir)
{
	char path[PATH_MAX];
	int  fd;

	snprintf(path, sizeof path, "%s/.dfota-probe-%ld", dir, (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return unlink(path);
}

int
report_open(report_writer **out, const char *dir, const char *station,
    char *err, size_t errlen)
{
	report_writer *w;
	char           units[PATH_MAX];
	size_t         i;

	*out = NULL;
	snprintf(units, sizeof units, "%s/units", dir);
	if (report_mkdir_p(dir) != 0 || report_mkdir_p(units) != 0 ||
	    report_probe(dir) != 0 || report_probe(units) != 0) {
		snprintf(err, errlen, "reports folder %s: %s", dir, strerror(errno));
		return -1;
	}

	w = calloc(1, sizeof *w);
	if (w == NULL || (w->dir = strdup(dir)) == NULL ||
	    (w->station = strdup(station && *station ? station : "station")) == NULL ||
	    (w->timelines = report_timelines_new(dir)) == NULL) {
		snprintf(err, errlen, "reports folder %s: %s", dir, strerror(ENOMEM));
		report_close(w);
		return -1;
	}
	/* The station name is part of a file name: keep it one. */
	for (i = 0; w->station[i] != '\0'; i++) {
		if (w->station[i] == '/' || (unsigned char)w->station[i] < 0x20)
			w->station[i] = '_';
	}
	*out = w;
	return 0;
}

void
report_set_write_hook(report_writer *w, report_write_fn fn, void *ctx)
{
	w->write_fn = fn;
	w->write_ctx = ctx;
}

static void
report_path_for(report_writer *w, const char *day)
{
	snprintf(w->path, sizeof w->path, "%s/%s-%s.csv", w->dir, w->station, day);
}

const char *
report_session_path(report_writer *w)
{
	char day[48];

	report_day(unit_now_ms(), day, sizeof day);
	report_path_for(w, day);
	return w->path;
}

size_t
report_pending(report_writer *w)
{
	return w->nqueue;
}

static int
report_write_all(report_writer *w, int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n;

		if (w->write_fn != NULL)
			n = w->write_fn(fd, buf, len, w->write_ctx);
		else
			n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENOSPC;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
report_header(char *buf, size_t len)
{
	size_t used = 0;

	for (int i = 0; i < report_ncolumns; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? "," : "",
		    report_columns[i]);

		if (n < 0 || (size_t)n >= len - used)
			return -1;
		used += (size_t)n;
	}
	return snprintf(buf + used, len - used, "\r\n") == 2 ? 0 : -1;
}

/* Appends one row to its day's file, durably, or leaves the file as it
 * was. The directory is fsync'ed too when the file is new, so the file
 * itself survives a power cut, not only its contents. */
static int
report_append(report_writer *w, const report_row *row)
{
	char        header[1024];
	struct stat st;
	int         fd, rc = 0;

	report_path_for(w, row->day);
	fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return -1;
	}
	if (st.st_size == 0 && (report_header(header, sizeof header) != 0 ||
	    report_write_all(w, fd, header, strlen(header)) != 0))
		rc = -1;
	if (rc == 0 && report_write_all(w, fd, row->text, strlen(row->text)) != 0)
		rc = -1;
	if (rc == 0 && fsync(fd) != 0)
		rc = -1;
	if (rc != 0) {
		int saved = errno;

		if (ftruncate(fd, st.st_size) != 0) {
			/* Nothing more to do: the next try appends after it. */
		}
		close(fd);
		errno = saved;
		return -1;
	}
	if (close(fd) != 0)
		return -1;
	if (st.st_size == 0) {
		int dfd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	return 0;
}

/* Writes queued rows, oldest first, stopping at the first that fails so
 * the order in the file stays the order units finished. */
static void
report_flush(report_writer *w)
{
	size_t done = 0;

	while (done < w->nqueue && report_append(w, &w->queue[done]) == 0) {
		free(w->queue[done].text);
		done++;
	}
	if (done > 0) {
		memmove(w->queue, w->queue + done,
		    (w->nqueue - done) * sizeof *w->queue);
		w->nqueue -= done;
	}
}

static void
report_seconds(char *buf, size_t len, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	snprintf(buf, len, "%" PRId64 ".%03d", ms / 1000, (int)(ms % 1000));
}

static void
report_seconds_d(char *buf, size_t len, double s)
{
	if (s < 0)
		buf[0] = '\0';
	else
		snprintf(buf, len, "%.3f", s);
}

/* The row of a finished unit as one CSV line, columns as report_columns. */
static char *
report_format_row(const unit_record *u, int64_t finished_ms,
    const char *detail, const char *station)
{
	char        code[16], attempts[16], started[32], finished[32];
	char        dur[32], transfer[32], update[32];
	const char *f[26];
	char       *text = NULL;
	size_t      size = 0;
	FILE       *mem;
	int         rc;

	if (u->error_code >= 0)
		snprintf(code, sizeof code, "%d", u->error_code);
	else
		code[0] = '\0';
	snprintf(attempts, sizeof attempts, "%d", u->attempts);
	if (u->started_ms > 0)
		unit_format_time(u->started_ms, started, sizeof started);
	else
		started[0] = '\0';
	unit_format_time(finished_ms, finished, sizeof finished);
	if (u->started_ms > 0)
		report_seconds(dur, sizeof dur, finished_ms - u->started_ms);
	else
		dur[0] = '\0';
	report_seconds_d(transfer, sizeof transfer, u->transfer_s);
	report_seconds_d(update, sizeof update, u->update_s);

	f[0] = u->run_id;
	f[1] = u->station[0] != '\0' ? u->station : station;
	f[2] = u->operator_name;
	f[3] = u->slot;
	f[4] = u->usb_path;
	f[5] = u->port;
	f[6] = u->model;
	f[7] = u->imei;
	f[8] = u->iccid;
	f[9] = u->fw_before;
	f[10] = u->fw_target;
	f[11] = u->fw_after;
	f[12] = u->package;
	f[13] = u->package_sha256;
	f[14] = unit_delivery_name(u->delivery);
	f[15] = unit_result_name(u->result);
	f[16] = u->error_text[0] != '\0' ? unit_phase_name(u->error_phase) : "";
	f[17] = code;
	f[18] = u->error_text;
	f[19] = attempts;
	f[20] = started;
	f[21] = finished;
	f[22] = dur;
	f[23] = transfer;
	f[24] = update;
	f[25] = detail;

	mem = open_memstream(&text, &size);
	if (mem == NULL)
		return NULL;
	rc = csv_write_row(mem, f, report_ncolumns, true);
	if (fclose(mem) != 0 || rc != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void
report_queue(report_writer *w, const bus_event *ev, const char *detail)
{
	const unit_record *u = ev->unit;
	report_row         row;
	/* A finished time is filled in when the worker left it out, so the
	 * row still lands in a day's file. */
	int64_t            finished = u->finished_ms > 0 ? u->finished_ms : ev->ts_ms;

	report_day(finished, row.day, sizeof row.day);
	row.text = report_format_row(u, finished, detail, w->station);
	if (row.text == NULL)
		goto lost;

	if (w->nqueue == w->capqueue) {
		size_t      ncap = w->capqueue ? w->capqueue * 2 : 8;
		report_row *nq = realloc(w->queue, ncap * sizeof *nq);

		if (nq == NULL) {
			free(row.text);
			goto lost;
		}
		w->queue = nq;
		w->capqueue = ncap;
	}
	w->queue[w->nqueue++] = row;
	return;
lost:
	/* Out of memory: stderr is the only place left that can keep it. */
	fprintf(stderr, "dfota-station: report row of unit %s in slot %s lost: "
	    "out of memory\n", u->imei, u->slot);
}

void
report_on_event(void *writer, const bus_event *ev)
{
	report_writer *w = writer;
	char           detail[UNIT_PATH_MAX] = "";

	report_timelines_event(w->timelines, ev, detail, sizeof detail);
	if (ev->kind == BUS_UNIT_END && ev->unit != NULL)
		report_queue(w, ev, detail);
	if (w->nqueue > 0)
		report_flush(w);
}

void
report_close(report_writer *w)
{
	if (w == NULL)
		return;
	report_timelines_free(w->timelines);
	if (w->nqueue > 0)
		report_flush(w);
	/* Rows the disk never took are printed rather than lost. */
	for (size_t i = 0; i < w->nqueue; i++) {
		report_path_for(w, w->queue[i].day);
		fprintf(stderr, "dfota-station: could not write to %s: %s",
		    w->path, w->queue[i].text);
		free(w->queue[i].text);
	}
	free(w->queue);
	free(w->station);
	free(w->dir);
	free(w);
}
