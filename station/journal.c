/*
 * journal: the units in flight, written ahead of every change to a module
 * so that a restarted station knows what it left unfinished. The format
 * and what each call guarantees are in journal.h; this is how it works.
 *
 * The file is the truth and memory is its summary: journal_open reads the
 * file line by line into a table of units in flight (BEGIN adds or
 * replaces, PHASE updates, END removes); every later call writes its line
 * first and changes the table only once the line is on disk, so the table
 * is always what a restart would read. That is what lets journal_phase
 * throttle itself, journal_end skip units that were never begun, and
 * journal_compact rewrite the file from memory.
 *
 * A line is built whole in memory by the codec (journal_line.c: values
 * percent-escaped, CRC-32 at the end) and written with one write(2) on an O_APPEND descriptor under the
 * journal's mutex. A write that fails half way is cut back with ftruncate;
 * if even that fails, the next line starts with a line end so the
 * fragment becomes one damaged line of its own, skipped when read, and
 * never swallows a good record.
 *
 * fsync is a group commit, outside the mutex: a caller waits on sync_lock
 * until the file is durable up to the end of its own line; whoever holds
 * sync_lock fsyncs everything written so far, so the callers queued behind
 * it find their line already on disk. With 128 slots changing phase at
 * once that is a handful of fsyncs instead of 128 in a row, every worker
 * waiting for the lock. A PHASE line that only moves the percent is not
 * waited for: the next fsync takes it along (after a power cut a restart
 * may see a percent one step old, never an old phase).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "station/durable.h"
#include "station/journal.h"
#include "station/journal_line.h"

struct journal {
	pthread_mutex_t lock;
	pthread_mutex_t sync_lock;    /* taken before lock, never after */
	off_t           synced;       /* bytes known to be on disk (sync_lock) */
	char           *dir;          /* reports_dir/journal; owned   */
	char           *path;         /* the journal file; owned      */
	int             fd;           /* O_APPEND, flock'ed           */
	off_t           size;         /* bytes of whole lines         */
	bool            dangling;     /* a fragment could not be cut off */
	journal_unit   *units;        /* in flight, oldest BEGIN first */
	size_t          nunits;
	size_t          capunits;
	journal_waiting *rows;         /* finished, row not yet in the CSV */
	size_t          nrows;
	size_t          caprows;
	off_t           reserved;     /* blocks allocated up to here (>= size) */
	bool            no_prealloc;  /* the file system cannot preallocate */
	size_t          corrupt;      /* what journal_open skipped    */
	size_t          torn;
};

/* The room a unit in flight is promised in the journal before anything
 * changes on its module: its PHASE lines and its ROW. */
#define JOURNAL_UNIT_ROOM  (32 * 1024)
#define JOURNAL_SLACK      (256 * 1024)

static journal_unit *
journal_find(journal *j, const char *slot, const char *imei)
{
	for (size_t i = 0; i < j->nunits; i++) {
		if (strcmp(j->units[i].unit.slot, slot) == 0 &&
		    strcmp(j->units[i].unit.imei, imei) == 0)
			return &j->units[i];
	}
	return NULL;
}

static int
journal_apply_begin(journal *j, const unit_record *u, int64_t ts)
{
	journal_unit *ju = journal_find(j, u->slot, u->imei);

	if (ju != NULL) {
		/* The same unit begun again goes to the end: oldest first. */
		size_t i = (size_t)(ju - j->units);

		memmove(ju, ju + 1, (j->nunits - i - 1) * sizeof *ju);
		j->nunits--;
	}
	if (j->nunits == j->capunits) {
		size_t        ncap = j->capunits ? j->capunits * 2 : 16;
		journal_unit *nu = realloc(j->units, ncap * sizeof *nu);

		if (nu == NULL)
			return -1;
		j->units = nu;
		j->capunits = ncap;
	}
	ju = &j->units[j->nunits++];
	ju->unit = *u;
	ju->unit.result = RESULT_NONE;
	ju->phase = PHASE_PLAN;
	ju->percent = -1;
	ju->begin_ms = ts;
	ju->last_ms = ts;
	return 0;
}

static journal_waiting *
journal_find_row(journal *j, const char *slot, const char *imei)
{
	for (size_t i = 0; i < j->nrows; i++)
		if (strcmp(j->rows[i].slot, slot) == 0 && strcmp(j->rows[i].imei, imei) == 0)
			return &j->rows[i];
	return NULL;
}

static void
journal_drop_row(journal *j, const char *slot, const char *imei)
{
	journal_waiting *r = journal_find_row(j, slot, imei);

	if (r != NULL) {
		size_t i = (size_t)(r - j->rows);

		free(r->text);
		memmove(r, r + 1, (j->nrows - i - 1) * sizeof *r);
		j->nrows--;
	}
}

static void
journal_apply_end(journal *j, const char *slot, const char *imei)
{
	journal_unit *ju = journal_find(j, slot, imei);

	if (ju != NULL) {
		size_t i = (size_t)(ju - j->units);

		memmove(ju, ju + 1, (j->nunits - i - 1) * sizeof *ju);
		j->nunits--;
	}
	journal_drop_row(j, slot, imei);
}

/* A finished unit whose row waits: no longer in flight, its row kept (a
 * later ROW of the same unit replaces it). Takes text. */
static int
journal_apply_row(journal *j, const char *slot, const char *imei, unit_result r,
    const char *day, char *text, int64_t ts)
{
	journal_waiting *jr;

	journal_apply_end(j, slot, imei);
	if (j->nrows == j->caprows) {
		size_t       ncap = j->caprows ? j->caprows * 2 : 8;
		journal_waiting *nr = realloc(j->rows, ncap * sizeof *nr);

		if (nr == NULL) {
			free(text);
			return -1;
		}
		j->rows = nr;
		j->caprows = ncap;
	}
	jr = &j->rows[j->nrows++];
	memset(jr, 0, sizeof *jr);
	snprintf(jr->slot, sizeof jr->slot, "%s", slot);
	snprintf(jr->imei, sizeof jr->imei, "%s", imei);
	snprintf(jr->day, sizeof jr->day, "%s", day);
	jr->result = r;
	jr->ts = ts;
	jr->text = text;
	return 0;
}

static int
journal_apply(journal *j, const journal_rec *rec)
{
	journal_unit *ju;

	switch (rec->kind) {
	case JOURNAL_BEGIN:
		return journal_apply_begin(j, &rec->u, rec->ts);
	case JOURNAL_PHASE:
		ju = journal_find(j, rec->u.slot, rec->u.imei);
		if (ju != NULL) {
			ju->phase = rec->phase;
			ju->percent = rec->percent;
			ju->last_ms = rec->ts;
		}
		return 0;
	case JOURNAL_END:
		journal_apply_end(j, rec->u.slot, rec->u.imei);
		return 0;
	case JOURNAL_ROW: {
		char *text = strdup(rec->row);
		if (text == NULL)
			return -1;
		return journal_apply_row(j, rec->u.slot, rec->u.imei, rec->result, rec->day,
		    text, rec->ts);
	}
	}
	return 0;
}

/* Reads the whole file through fd into the table; cuts off a torn tail. */
static int
journal_load(journal *j)
{
	struct stat st;
	char       *buf;
	size_t      pos = 0, len;
	journal_rec *rec;

	if (fstat(j->fd, &st) != 0)
		return -1;
	len = (size_t)st.st_size;
	buf = malloc(len + 1);
	rec = malloc(sizeof *rec);
	if (buf == NULL || rec == NULL) {
		free(buf);
		free(rec);
		errno = ENOMEM;
		return -1;
	}
	for (size_t got = 0; got < len;) {
		ssize_t n = pread(j->fd, buf + got, len - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			len = got;
			break;
		}
		got += (size_t)n;
	}
	while (pos < len) {
		char  *nl = memchr(buf + pos, '\n', len - pos);
		size_t n;

		if (nl == NULL) {
			j->torn = 1;
			break;
		}
		n = (size_t)(nl - (buf + pos));
		rec->row = NULL;
		if (journal_parse(buf + pos, n, rec) != 0)
			j->corrupt++;
		else if (journal_apply(j, rec) != 0) {
			free(rec->row);
			free(buf);
			free(rec);
			errno = ENOMEM;
			return -1;
		}
		free(rec->row);
		rec->row = NULL;
		pos += n + 1;
	}
	free(buf);
	free(rec);
	j->size = (off_t)pos;
	/* The torn line was never acknowledged to anyone: cut it off so the
	 * next record starts on a line of its own. */
	if (j->torn && (ftruncate(j->fd, j->size) != 0 || fsync(j->fd) != 0))
		return -1;
	j->reserved = j->size;     /* an earlier run's reserve is not visible */
	return 0;
}

/* Writing. */

/* Appends one sealed line, or leaves the file as it was (as far as the
 * disk allows). Called with the lock held; journal_sync makes it durable. */
static int
journal_write(journal *j, const char *line, size_t len)
{
	const char *p = line;
	size_t      left = len;
	int         saved;

	if (j->dangling) {
		if (write(j->fd, "\n", 1) != 1)
			return -1;
		j->dangling = false;
		j->size++;
	}
	while (left > 0) {
		ssize_t n = write(j->fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENOSPC;
			goto fail;
		}
		p += n;
		left -= (size_t)n;
	}
	j->size += (off_t)len;
	return 0;
fail:
	saved = errno;
	if (ftruncate(j->fd, j->size) != 0)
		j->dangling = true;
	j->reserved = j->size;     /* truncating frees the blocks beyond */
	errno = saved;
	return -1;
}

/* Makes sure the blocks for need more bytes after the end of the file are
 * allocated (fallocate, keeping the size): lines written into them cannot
 * fail for want of space, so a unit begun with its room promised can
 * always have its ROW written when the disk fills up later. Called with
 * the lock held. -1 (ENOSPC) when the disk cannot give the room. */
static int
journal_reserve(journal *j, off_t need)
{
	off_t want;

	if (j->no_prealloc || j->reserved - j->size >= need)
		return 0;
	want = need + JOURNAL_SLACK;
	int rc = fallocate(j->fd, FALLOC_FL_KEEP_SIZE, j->size, want);
	if (rc != 0 && (errno == EOPNOTSUPP || errno == ENOSYS)) {
		/* Nothing can be promised here: every write just has to succeed. */
		j->no_prealloc = true;
		return 0;
	}
	if (rc != 0) {
		/* Less slack, then exactly the room. */
		want = need;
		rc = fallocate(j->fd, FALLOC_FL_KEEP_SIZE, j->size, want);
	}
	if (rc != 0)
		return -1;
	j->reserved = j->size + want;
	return 0;
}

/* The reports folder, or the journal's folder, deleted under a running
 * station: the descriptor still writes, to a file nobody will ever read.
 * Recreates the folder and writes the file anew from memory. Called with
 * no lock held. */
static int journal_compact_locked(journal *j);

static int
journal_check_path(journal *j)
{
	struct stat a, b;

	if (stat(j->path, &a) == 0 && fstat(j->fd, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return 0;
	if (durable_mkdirs(j->dir) != 0)
		return -1;
	return journal_compact_locked(j);
}

/* Returns once the file is on disk up to offset upto (see the top of the
 * file). Called without the lock. */
static int
journal_sync(journal *j, off_t upto)
{
	int   rc = 0, fd;
	off_t target;

	pthread_mutex_lock(&j->sync_lock);
	if (j->synced < upto) {
		pthread_mutex_lock(&j->lock);
		target = j->size;
		fd = j->fd;
		pthread_mutex_unlock(&j->lock);
		rc = fsync(fd);
		if (rc == 0)
			j->synced = target;
	}
	pthread_mutex_unlock(&j->sync_lock);
	return rc;
}

int
journal_open(journal **out, const char *reports_dir, const char *station,
    char *err, size_t len)
{
	journal *j;
	char     path[PATH_MAX];
	size_t   i, off;

	*out = NULL;
	j = calloc(1, sizeof *j);
	if (j == NULL) {
		snprintf(err, len, "journal: %s", strerror(ENOMEM));
		return -1;
	}
	j->fd = -1;
	pthread_mutex_init(&j->lock, NULL);
	pthread_mutex_init(&j->sync_lock, NULL);
	snprintf(path, sizeof path, "%s/journal", reports_dir);
	if ((j->dir = strdup(path)) == NULL)
		goto nomem;
	off = (size_t)snprintf(path, sizeof path, "%s/", j->dir);
	snprintf(path + off, sizeof path - off, "%s.journal",
	    station != NULL && *station ? station : "station");
	/* The station name is part of a file name: keep it one. */
	for (i = off; path[i] != '\0'; i++) {
		if (path[i] == '/' || (unsigned char)path[i] < 0x20)
			path[i] = '_';
	}
	if ((j->path = strdup(path)) == NULL)
		goto nomem;

	if (durable_mkdirs(j->dir) != 0)
		goto fail;
	j->fd = open(j->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (j->fd < 0)
		goto fail;
	if (flock(j->fd, LOCK_EX | LOCK_NB) != 0) {
		int saved = errno;

		snprintf(err, len, "journal %s: in use by another station process "
		    "(%s)", j->path, strerror(saved));
		journal_close(j);
		errno = saved;
		return -1;
	}
	if (journal_load(j) != 0)
		goto fail;
	j->synced = j->size;
	durable_fsync_dir(j->dir);
	*out = j;
	return 0;
nomem:
	errno = ENOMEM;
fail:
	{
		int saved = errno;

		snprintf(err, len, "journal %s: %s", j->path ? j->path : path,
		    strerror(saved));
		journal_close(j);
		errno = saved;
	}
	return -1;
}

void
journal_close(journal *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0) {
		/* Percent-only lines not yet taken along by an fsync. */
		if (j->synced < j->size)
			fsync(j->fd);
		close(j->fd);
	}
	pthread_mutex_destroy(&j->lock);
	pthread_mutex_destroy(&j->sync_lock);
	free(j->units);
	journal_rows_free(j->rows, j->nrows);
	free(j->path);
	free(j->dir);
	free(j);
}

const char *
journal_path(const journal *j)
{
	return j->path;
}

void
journal_skipped(const journal *j, size_t *corrupt, size_t *torn)
{
	if (corrupt != NULL)
		*corrupt = j->corrupt;
	if (torn != NULL)
		*torn = j->torn;
}

int
journal_begin(journal *j, const unit_record *u)
{
	int64_t ts = unit_now_ms();
	size_t  len;
	char   *line = journal_line_begin(u, ts, &len);
	int     rc;
	off_t   end;

	if (line == NULL)
		return -1;
	pthread_mutex_lock(&j->sync_lock);
	rc = journal_check_path(j);
	pthread_mutex_unlock(&j->sync_lock);
	pthread_mutex_lock(&j->lock);
	if (rc == 0)
		rc = journal_reserve(j, (off_t)len +
		    (off_t)(j->nunits + 1) * JOURNAL_UNIT_ROOM);
	if (rc == 0)
		rc = journal_write(j, line, len);
	if (rc == 0)
		rc = journal_apply_begin(j, u, ts);
	end = j->size;
	pthread_mutex_unlock(&j->lock);
	free(line);
	return rc == 0 ? journal_sync(j, end) : rc;
}

int
journal_row(journal *j, const journal_waiting *row)
{
	int64_t ts = unit_now_ms();
	size_t  len;
	char   *line = journal_line_row(row, ts, &len), *text;
	int     rc;
	off_t   end;

	if (line == NULL)
		return -1;
	pthread_mutex_lock(&j->sync_lock);
	rc = journal_check_path(j);
	pthread_mutex_unlock(&j->sync_lock);
	pthread_mutex_lock(&j->lock);
	if (rc == 0)
		rc = journal_write(j, line, len);
	if (rc == 0) {
		if ((text = strdup(row->text)) == NULL)
			rc = -1;
		else
			rc = journal_apply_row(j, row->slot, row->imei, row->result, row->day,
			    text, ts);
	}
	end = j->size;
	pthread_mutex_unlock(&j->lock);
	free(line);
	return rc == 0 ? journal_sync(j, end) : rc;
}

int
journal_rows_waiting(journal *j, journal_waiting **rows, size_t *n)
{
	int rc = 0;

	*rows = NULL;
	*n = 0;
	pthread_mutex_lock(&j->lock);
	if (j->nrows > 0 && (*rows = calloc(j->nrows, sizeof **rows)) == NULL)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < j->nrows; i++) {
		(*rows)[i] = j->rows[i];
		if (((*rows)[i].text = strdup(j->rows[i].text)) == NULL)
			rc = -1;
		*n = i + 1;
	}
	pthread_mutex_unlock(&j->lock);
	if (rc != 0) {
		journal_rows_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		errno = ENOMEM;
	}
	return rc;
}

void
journal_rows_free(journal_waiting *rows, size_t n)
{
	for (size_t i = 0; rows != NULL && i < n; i++)
		free(rows[i].text);
	free(rows);
}

/* Whether a PHASE line would tell a restart anything new. */
static bool
journal_phase_news(const journal_unit *ju, unit_phase ph, int percent)
{
	if (ju->phase != ph)
		return true;
	if (percent < 0 || percent == ju->percent)
		return false;
	return ju->percent < 0 || abs(percent - ju->percent) >= 10;
}

int
journal_phase(journal *j, const char *slot, const char *imei, unit_phase ph,
    int percent)
{
	journal_unit *ju;
	int64_t       ts = unit_now_ms();
	size_t        len;
	char         *line;
	int           rc = 0;
	bool          progress_only;
	off_t         end;

	if (percent < -1 || percent > 100)
		percent = percent > 100 ? 100 : -1;
	pthread_mutex_lock(&j->lock);
	ju = journal_find(j, slot, imei);
	if (ju == NULL || !journal_phase_news(ju, ph, percent)) {
		pthread_mutex_unlock(&j->lock);
		return 0;
	}
	progress_only = ju->phase == ph;
	line = journal_line_phase(slot, imei, ph, percent, ts, &len);
	if (line == NULL)
		rc = -1;
	else if ((rc = journal_write(j, line, len)) == 0) {
		ju->phase = ph;
		ju->percent = percent;
		ju->last_ms = ts;
	}
	end = j->size;
	pthread_mutex_unlock(&j->lock);
	free(line);
	return rc == 0 && !progress_only ? journal_sync(j, end) : rc;
}

int
journal_end(journal *j, const char *slot, const char *imei, unit_result r)
{
	int64_t ts = unit_now_ms();
	size_t  len;
	char   *line;
	int     rc = 0;
	off_t   end;

	pthread_mutex_lock(&j->lock);
	if (journal_find(j, slot, imei) == NULL && journal_find_row(j, slot, imei) == NULL) {
		pthread_mutex_unlock(&j->lock);
		return 0;
	}
	line = journal_line_end(slot, imei, r, ts, &len);
	if (line == NULL)
		rc = -1;
	else if ((rc = journal_write(j, line, len)) == 0)
		journal_apply_end(j, slot, imei);
	end = j->size;
	pthread_mutex_unlock(&j->lock);
	free(line);
	return rc == 0 ? journal_sync(j, end) : rc;
}

int
journal_in_flight(journal *j, journal_unit **units, size_t *n)
{
	int rc = 0;

	*units = NULL;
	*n = 0;
	pthread_mutex_lock(&j->lock);
	if (j->nunits > 0) {
		*units = malloc(j->nunits * sizeof **units);
		if (*units == NULL) {
			errno = ENOMEM;
			rc = -1;
		} else {
			memcpy(*units, j->units, j->nunits * sizeof **units);
			*n = j->nunits;
		}
	}
	pthread_mutex_unlock(&j->lock);
	return rc;
}

/* The lines that stand for one unit in flight: its BEGIN, and its last
 * PHASE when one was written. */
static int
journal_write_unit(int fd, const journal_unit *ju, off_t *size)
{
	char  *lines[2] = { NULL, NULL };
	size_t lens[2] = { 0, 0 };
	int    nlines = 1, rc = 0;

	lines[0] = journal_line_begin(&ju->unit, ju->begin_ms, &lens[0]);
	if (ju->phase != PHASE_PLAN || ju->percent != -1) {
		nlines = 2;
		lines[1] = journal_line_phase(ju->unit.slot, ju->unit.imei,
		    ju->phase, ju->percent, ju->last_ms, &lens[1]);
	}
	for (int i = 0; i < nlines; i++) {
		if (lines[i] == NULL) {
			errno = ENOMEM;
			rc = -1;
		}
	}
	for (int i = 0; i < nlines && rc == 0; i++) {
		const char *p = lines[i];
		size_t      left = lens[i];

		while (left > 0 && rc == 0) {
			ssize_t n = write(fd, p, left);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				if (n == 0)
					errno = ENOSPC;
				rc = -1;
				break;
			}
			p += n;
			left -= (size_t)n;
		}
		if (rc == 0)
			*size += (off_t)lens[i];
	}
	free(lines[0]);
	free(lines[1]);
	return rc;
}

/* Writes one sealed line to fd (a new file being built). */
static int
journal_write_fd(int fd, const char *line, size_t len, off_t *size)
{
	while (len > 0) {
		ssize_t n = write(fd, line, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENOSPC;
			return -1;
		}
		line += n;
		len -= (size_t)n;
		*size += n;
	}
	return 0;
}

/* The file rewritten from memory: waiting rows first (they finished
 * first), then the units in flight, with the room those units were
 * promised reserved again. Called with sync_lock held, not lock. */
static int
journal_compact_locked(journal *j)
{
	char  tmp[PATH_MAX + 8];
	off_t size = 0;
	int   fd, rc = 0, saved;

	snprintf(tmp, sizeof tmp, "%s.tmp", j->path);
	pthread_mutex_lock(&j->lock);
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		pthread_mutex_unlock(&j->lock);
		return -1;
	}
	/* Locked before it takes the journal's name, so the lock never
	 * lapses for another process to take. */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0)
		rc = -1;
	for (size_t i = 0; i < j->nrows && rc == 0; i++) {
		size_t len;
		char  *line = journal_line_row(&j->rows[i], j->rows[i].ts, &len);

		rc = line != NULL ? journal_write_fd(fd, line, len, &size) : -1;
		free(line);
	}
	for (size_t i = 0; i < j->nunits && rc == 0; i++)
		rc = journal_write_unit(fd, &j->units[i], &size);
	if (rc == 0 && (fsync(fd) != 0 || rename(tmp, j->path) != 0))
		rc = -1;
	if (rc != 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		pthread_mutex_unlock(&j->lock);
		errno = saved;
		return -1;
	}
	durable_fsync_dir(j->dir);
	close(j->fd);
	j->fd = fd;
	j->size = j->synced = j->reserved = size;
	j->dangling = false;
	if (j->nunits > 0 && journal_reserve(j, (off_t)j->nunits * JOURNAL_UNIT_ROOM) != 0) {
		/* The units keep going: their lines just have no promise now. */
	}
	pthread_mutex_unlock(&j->lock);
	return 0;
}

int
journal_compact(journal *j)
{
	int rc;

	/* sync_lock first: no fsync of the old descriptor is under way while
	 * it is replaced. */
	pthread_mutex_lock(&j->sync_lock);
	if (durable_mkdirs(j->dir) != 0) {
		pthread_mutex_unlock(&j->sync_lock);
		return -1;
	}
	rc = journal_compact_locked(j);
	pthread_mutex_unlock(&j->sync_lock);
	return rc;
}
