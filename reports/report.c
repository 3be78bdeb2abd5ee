/*
 * report: the bus sink behind the audit trail. It hands every event to the
 * timelines (report_timeline.c) and turns each BUS_UNIT_END into one row of
 * the day's session file, <dir>/<station>-<YYYY-MM-DD>.csv, the day being
 * the date of the row's finished_ms in the station's time zone (the
 * process's local time: station.timezone sets TZ before any thread starts),
 * so a night shift in UTC+8 is one file; the times in the rows stay UTC.
 *
 * A row is formatted once, queued, and written at once: open O_APPEND,
 * header first when the file is empty, write, fsync, close. Opening per row
 * costs nothing at the pace units finish, and means a file that an operator
 * moves away or a new day is simply a new file.
 *
 * Every row ends with row_sha256, a link of the hash chain of chain.h
 * (docs/audit.md). The queue keeps a row's fields only; the link is made
 * when the row is appended, from the file's last row_sha256: remembered
 * from the previous append when the file is still the one written then
 * (same inode and size), otherwise read back from the file. A file from a
 * version without the column gets a second header line with it, and the
 * chain starts there; a file chained under another column set (a version
 * before `checks`) gets this version's header line too, and the chain runs
 * on across it. After the row, the file's head sidecar is replaced
 * (<file>.head, written to a temporary file and renamed), and only then is
 * the unit ended in the journal (report_set_journal): a unit leaves the
 * journal when, and only when, its row is durable.
 *
 * The queue is what makes disk trouble survivable: a row that cannot be
 * written (ENOSPC, EIO, ...) stays queued, in order, and the queue is
 * retried on every later event, so rows reach the file in the order units
 * finished once space returns. A failed write, or a head that cannot be
 * replaced, is cut back with ftruncate to the size the file had, so a retry
 * never leaves half a row, or a row its head does not know, behind. A file
 * that ends in the middle of a row (a write that a crash cut short, never
 * acknowledged) is cut back the same way before the next row.
 * report_pending() tells the station how many rows wait, for its alert.
 *
 * With a signing key (report_set_signing_key), a file is signed (sign.c,
 * <file>.sig) when the writer leaves it for another day's file, and the
 * last one when the writer closes.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "station/durable.h"
#include "reports/chain.h"
#include "reports/csv.h"
#include "reports/report.h"
#include "reports/report_timeline.h"
#include "reports/sign.h"

const char *const report_columns[] = {
	"run_id", "station", "operator", "slot", "usb_path", "port", "model",
	"imei", "iccid", "fw_before", "fw_target", "fw_after", "package",
	"package_sha256", "delivery", "result", "error_phase", "error_code",
	"error_text", "attempts", "started_at", "finished_at", "duration_s",
	"transfer_s", "update_s", "detail_file", "checks", CHAIN_COLUMN,
};
const int report_ncolumns = sizeof report_columns / sizeof report_columns[0];

/* The fields before row_sha256, which the chain covers: the contract's 26
 * and, after detail_file, checks. */
#define REPORT_NFIELDS 27

/* One formatted session row waiting for its file. */
typedef struct report_row {
	char        day[48];        /* YYYY-MM-DD: which file */
	char       *text;           /* fields 1..27, escaped, without
	                               row_sha256 and line end; owned */
	char        slot[32];       /* for journal_end */
	char        imei[24];
	unit_result result;
} report_row;

/* A journal_end that failed (disk trouble), to retry. */
typedef struct report_end {
	char        slot[32];
	char        imei[24];
	unit_result result;
} report_end;

/* Where the last appended file's chain stands, so the next row to the
 * same file need not read it back. */
typedef struct report_chain {
	char  path[PATH_MAX];       /* "" when nothing is remembered */
	dev_t dev;
	ino_t ino;
	off_t size;
	char  head[CHAIN_HEX_LEN + 1];
	long  rows;
} report_chain;

/* How to continue a file, worked out before a row is appended. */
typedef struct report_link {
	char        head[CHAIN_HEX_LEN + 1];
	long        rows;
	bool        header;         /* write a header line first */
	const char *lead;           /* "" or the line end a tail row lacked */
} report_link;

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
	report_chain      chain;
	journal          *journal;       /* not owned; may be NULL */
	report_end       *ends;          /* journal_end calls to retry */
	size_t            nends;
	size_t            capends;
	report_alert_fn   alert;         /* disk trouble starts / ends */
	void             *alert_ctx;
	bool              troubled;      /* rows are waiting for the disk */
	struct evp_pkey_st *sign_key;    /* not owned; NULL: no signing */
	char              sign_path[PATH_MAX]; /* written since last signed */
};

static void
report_day(int64_t ms, char *buf, size_t len)
{
	time_t    secs = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday);
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
	if (durable_mkdirs(dir) != 0 || durable_mkdirs(units) != 0 ||
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

/* Replaces <csv>.head with "<head> <rows>\n": written beside it, fsync'ed,
 * renamed over it, so the sidecar is always one whole head, old or new. */
static int
report_head_write(report_writer *w, const char *csv, const char *head,
    long rows)
{
	char path[PATH_MAX + 8], tmp[PATH_MAX + 16], text[96];
	int  fd, n;

	chain_head_path(csv, path, sizeof path);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	n = snprintf(text, sizeof text, "%s %ld\n", head, rows);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (report_write_all(w, fd, text, (size_t)n) != 0 || fsync(fd) != 0 ||
	    close(fd) != 0) {
		int saved = errno;

		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (rename(tmp, path) != 0) {
		int saved = errno;

		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

/* Reads the chain's end back from a file this writer does not remember
 * (another run wrote it, or it changed since). A tail that is not a whole
 * chained row was never acknowledged: it is cut off (*cut_to). */
static int
report_link_read(const char *path, off_t size, report_link *l, off_t *cut_to)
{
	chain_result res;
	char        *buf;
	size_t       len;
	bool         chained;

	buf = chain_slurp(path, &len);
	if (buf == NULL)
		return -1;
	chain_check(buf, len, NULL, &res);
	if ((off_t)len != size) {
		/* Someone else is writing it: try again at the next event. */
		free(buf);
		errno = EAGAIN;
		return -1;
	}
	if (res.complete_len < len && res.tail_ok) {
		l->lead = "\r\n";
		memcpy(l->head, res.last, sizeof l->head);
		l->rows = res.rows;
		chained = res.chained;
	} else {
		if (res.complete_len < len)
			*cut_to = (off_t)res.complete_len;
		memcpy(l->head, res.complete_last, sizeof l->head);
		l->rows = res.complete_rows;
		chained = res.complete_chained;
	}
	/* No header with row_sha256 to continue under (a file of an older
	 * version): a header line with it starts a fresh chain. */
	if (!chained) {
		l->header = true;
		chain_zero(l->head);
		l->rows = 0;
	} else {
		/* Chained under other columns (a version before `checks`): this
		 * version's header line first, and the chain runs on under it. */
		char mine[1024];

		l->header = report_header(mine, sizeof mine) != 0 ||
		    strlen(mine) - 2 != res.complete_hdr_len ||
		    memcmp(mine, buf + res.complete_hdr, res.complete_hdr_len) != 0;
	}
	free(buf);
	return 0;
}

/* How the row goes on after the file's current end. */
static int
report_link_for(report_writer *w, const struct stat *st, report_link *l,
    off_t *cut_to)
{
	report_chain *c = &w->chain;

	l->lead = "";
	l->header = false;
	*cut_to = -1;
	if (st->st_size == 0) {
		l->header = true;
		chain_zero(l->head);
		l->rows = 0;
		return 0;
	}
	if (strcmp(c->path, w->path) == 0 && c->dev == st->st_dev &&
	    c->ino == st->st_ino && c->size == st->st_size) {
		memcpy(l->head, c->head, sizeof l->head);
		l->rows = c->rows;
		return 0;
	}
	return report_link_read(w->path, st->st_size, l, cut_to);
}

/* [line end][header]fields,row_sha256 CRLF: one buffer, one write. */
static char *
report_row_bytes(const report_row *row, const report_link *l, char *hash,
    size_t *len)
{
	char   header[1024] = "";
	char  *buf;
	size_t n;

	if (l->header && report_header(header, sizeof header) != 0) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	chain_row_hash(l->head, row->text, strlen(row->text), hash);
	n = strlen(l->lead) + strlen(header) + strlen(row->text) + 1 +
	    CHAIN_HEX_LEN + 3;
	buf = malloc(n);
	if (buf == NULL)
		return NULL;
	*len = (size_t)snprintf(buf, n, "%s%s%s,%s\r\n", l->lead, header,
	    row->text, hash);
	return buf;
}

/* Appends one row to its day's file, durably, with its head, or leaves
 * file and head as they were. The directory is fsync'ed too, so a new file
 * and the renamed head survive a power cut, not only their contents. */
static int
report_append(report_writer *w, const report_row *row)
{
	char        hash[CHAIN_HEX_LEN + 1], *bytes = NULL;
	report_link l;
	struct stat st;
	off_t       base, cut_to;
	size_t      len = 0;
	int         fd, rc = 0, saved;

	report_path_for(w, row->day);
	fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || report_link_for(w, &st, &l, &cut_to) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	base = st.st_size;
	if (cut_to >= 0) {
		if (ftruncate(fd, cut_to) != 0)
			rc = -1;
		base = cut_to;
	}
	if (rc == 0 && (bytes = report_row_bytes(row, &l, hash, &len)) == NULL)
		rc = -1;
	if (rc == 0 && (report_write_all(w, fd, bytes, len) != 0 || fsync(fd) != 0))
		rc = -1;
	free(bytes);
	if (rc == 0 && report_head_write(w, w->path, hash, l.rows + 1) != 0)
		rc = -1;
	if (rc != 0) {
		saved = errno;
		if (ftruncate(fd, base) != 0 || fsync(fd) != 0) {
			/* Nothing more to do: the next try reads the file back. */
		}
		close(fd);
		w->chain.path[0] = '\0';
		errno = saved;
		return -1;
	}
	if (close(fd) != 0) {
		w->chain.path[0] = '\0';
		return -1;
	}
	durable_fsync_dir(w->dir);
	snprintf(w->chain.path, sizeof w->chain.path, "%s", w->path);
	w->chain.dev = st.st_dev;
	w->chain.ino = st.st_ino;
	w->chain.size = base + (off_t)len;
	memcpy(w->chain.head, hash, sizeof w->chain.head);
	w->chain.rows = l.rows + 1;
	return 0;
}

/* The row is durable: the unit is no longer in flight. A journal that
 * cannot take it now gets it again at the next flush. */
static void
report_journal_end(report_writer *w, const char *slot, const char *imei,
    unit_result result)
{
	report_end *e;

	if (w->journal == NULL || journal_end(w->journal, slot, imei, result) == 0)
		return;
	if (w->nends == w->capends) {
		size_t      ncap = w->capends ? w->capends * 2 : 8;
		report_end *ne = realloc(w->ends, ncap * sizeof *ne);

		if (ne == NULL)
			return;     /* it stays in flight: recovery reports it */
		w->ends = ne;
		w->capends = ncap;
	}
	e = &w->ends[w->nends++];
	snprintf(e->slot, sizeof e->slot, "%s", slot);
	snprintf(e->imei, sizeof e->imei, "%s", imei);
	e->result = result;
}

static void
report_retry_ends(report_writer *w)
{
	size_t done = 0;

	while (done < w->nends && journal_end(w->journal, w->ends[done].slot,
	    w->ends[done].imei, w->ends[done].result) == 0)
		done++;
	if (done > 0) {
		memmove(w->ends, w->ends + done, (w->nends - done) * sizeof *w->ends);
		w->nends -= done;
	}
}

void
report_set_journal(report_writer *w, journal *j)
{
	w->journal = j;
}

void
report_set_alert(report_writer *w, report_alert_fn fn, void *ctx)
{
	w->alert = fn;
	w->alert_ctx = ctx;
}

void
report_set_signing_key(report_writer *w, struct evp_pkey_st *key)
{
	w->sign_key = key;
}

/* Signs the file written since the last signature, if any; a failure is
 * said where the operator looks (alert) and on stderr, and the file can
 * still be signed by hand (report sign). */
static void
report_sign_pending(report_writer *w)
{
	char msg[PATH_MAX + 512], text[PATH_MAX + 600];

	if (w->sign_key == NULL || w->sign_path[0] == '\0')
		return;
	if (sign_file(w->sign_path, w->sign_key, msg, sizeof msg) != 0) {
		snprintf(text, sizeof text, "reports: %s", msg);
		fprintf(stderr, "dfota-station: %s\n", text);
		if (w->alert != NULL)
			w->alert(w->alert_ctx, text);
	}
	w->sign_path[0] = '\0';
}

/* A row went to w->path: a file of another day left before is closed. */
static void
report_sign_track(report_writer *w)
{
	if (w->sign_key == NULL)
		return;
	if (w->sign_path[0] != '\0' && strcmp(w->sign_path, w->path) != 0)
		report_sign_pending(w);
	snprintf(w->sign_path, sizeof w->sign_path, "%s", w->path);
}

/* Says so loudly when rows start to wait, and when they are all written. */
static void
report_alert(report_writer *w, int err)
{
	char text[PATH_MAX + 256];

	if (w->troubled == (w->nqueue > 0))
		return;
	w->troubled = w->nqueue > 0;
	if (w->alert == NULL)
		return;
	if (w->troubled)
		snprintf(text, sizeof text, "reports: cannot write %s: %s; %zu result row(s) kept "
		    "in memory and in the journal until the disk takes them", w->path,
		    strerror(err), w->nqueue);
	else
		snprintf(text, sizeof text, "reports: %s is writable again; every waiting row is "
		    "written", w->path);
	w->alert(w->alert_ctx, text);
}

/* Writes queued rows, oldest first, stopping at the first that fails so
 * the order in the file stays the order units finished. */
static void
report_flush(report_writer *w)
{
	size_t done = 0;
	int    err = 0;

	if (w->nends > 0 && w->journal != NULL)
		report_retry_ends(w);
	while (done < w->nqueue && (errno = 0, report_append(w, &w->queue[done]) == 0)) {
		report_row *row = &w->queue[done];

		report_journal_end(w, row->slot, row->imei, row->result);
		report_sign_track(w);
		free(row->text);
		done++;
	}
	err = errno;
	if (done > 0) {
		memmove(w->queue, w->queue + done,
		    (w->nqueue - done) * sizeof *w->queue);
		w->nqueue -= done;
	}
	report_alert(w, err);
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

/* The fields of a finished unit's row, columns as report_columns up to
 * row_sha256, escaped and joined by commas, without a line end. */
static char *
report_format_row(const unit_record *u, int64_t finished_ms,
    const char *detail, const char *station)
{
	char        code[16], attempts[16], started[32], finished[32];
	char        dur[32], transfer[32], update[32];
	const char *f[REPORT_NFIELDS];
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
	f[26] = u->checks;

	mem = open_memstream(&text, &size);
	if (mem == NULL)
		return NULL;
	rc = csv_write_row(mem, f, REPORT_NFIELDS, true);
	if (fclose(mem) != 0 || rc != 0 || size < 2) {
		free(text);
		return NULL;
	}
	text[size - 2] = '\0';     /* the CRLF: row_sha256 comes first */
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
	snprintf(row.slot, sizeof row.slot, "%s", u->slot);
	snprintf(row.imei, sizeof row.imei, "%s", u->imei);
	row.result = u->result;
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
	if (w->nqueue > 0 || w->nends > 0)
		report_flush(w);
}

void
report_close(report_writer *w)
{
	if (w == NULL)
		return;
	report_timelines_free(w->timelines);
	if (w->nqueue > 0 || w->nends > 0)
		report_flush(w);
	/* Rows the disk never took are printed rather than lost. Their units
	 * stay in the journal: the next start reports them again. */
	for (size_t i = 0; i < w->nqueue; i++) {
		report_path_for(w, w->queue[i].day);
		fprintf(stderr, "dfota-station: could not write to %s: %s\n",
		    w->path, w->queue[i].text);
		free(w->queue[i].text);
	}
	/* The bus may be gone by now: a failure to sign goes to stderr. */
	w->alert = NULL;
	report_sign_pending(w);
	free(w->queue);
	free(w->ends);
	free(w->station);
	free(w->dir);
	free(w);
}
