/*
 * central_outbox: reads the session CSVs forward from each one's cursor and
 * hands out batches of rows for dfota_units (see central_outbox.h for why
 * the CSVs are the outbox).
 *
 * How it works. Per file the outbox remembers where its reading stands
 * (byte offset, chained rows seen, the last row_sha256 seen, the header in
 * force) so that a new row costs a read of that row only. A file met for
 * the first time in this process is read from its start: its header, then
 * rows up to the cursor's row, which must carry the cursor's row_sha256 at
 * the cursor's row count. When it does not (the file was replaced, the
 * cursor belongs to another file), the cursor is dropped and the whole
 * file goes again; ON CONFLICT keeps that harmless. Reading stops at the
 * row the head names, never past it.
 *
 * A header line (first field "run_id") sets the columns by name; rows under
 * a header without row_sha256 (files of a version before the chain) cannot
 * be told apart in the database and are not sent. A batch holds the rows
 * of one header only, so its columns are one list.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "central/central_outbox.h"
#include "central/central_store.h"
#include "reports/csv.h"

#define CENTRAL_HDR_MAX 64

typedef struct central_file {
	char   path[PATH_MAX];
	dev_t  dev;
	ino_t  ino;
	bool   seen;                          /* in the latest scan          */
	char   sent_hash[CHAIN_HEX_LEN + 1];  /* the cursor                  */
	long   sent_rows;
	bool   has_head;                      /* the head, latest scan       */
	char   head_hash[CHAIN_HEX_LEN + 1];
	long   head_rows;
	bool   synced;                        /* reading is past the cursor  */
	off_t  offset;                        /* next byte to read           */
	long   parsed_rows;
	char   parsed_hash[CHAIN_HEX_LEN + 1];
	bool   have_header;
	int    map[CENTRAL_HDR_MAX];          /* header field -> batch column */
	int    nmap;
	int    hash_col;                      /* -1: a section without chain */
	int    cols[40];                      /* the section's unit columns  */
	int    ncols;
	bool   stuck;                         /* head not in the file        */
	bool   skip;                          /* unreadable until next scan  */
} central_file;

struct central_outbox {
	char          *dir;
	char          *station;
	central_file  *files;
	size_t         nfiles;
	size_t         cap;
	central_batch  batch;
	bool           ready;                 /* batch waits for its commit  */
	size_t         batch_file;
};

central_outbox *
central_outbox_new(const char *dir, const char *station)
{
	central_outbox *ob = calloc(1, sizeof *ob);

	if (ob == NULL || (ob->dir = strdup(dir)) == NULL ||
	    (ob->station = strdup(station)) == NULL) {
		central_outbox_free(ob);
		return NULL;
	}
	return ob;
}

static void
central_batch_clear(central_batch *b)
{
	for (size_t i = 0; i < b->nrows * (size_t)b->ncols; i++)
		free(b->values[i]);
	b->nrows = 0;
	b->ncols = 0;
}

void
central_outbox_free(central_outbox *ob)
{
	if (ob == NULL)
		return;
	central_batch_clear(&ob->batch);
	free(ob->batch.values);
	free(ob->files);
	free(ob->dir);
	free(ob->station);
	free(ob);
}

/* <station>-YYYY-MM-DD.csv */
static bool
central_is_session(const central_outbox *ob, const char *name)
{
	size_t n = strlen(ob->station);

	if (strncmp(name, ob->station, n) != 0 || name[n] != '-')
		return false;
	name += n + 1;
	for (int i = 0; i < 10; i++) {
		bool dash = i == 4 || i == 7;

		if (dash ? name[i] != '-' : (name[i] < '0' || name[i] > '9'))
			return false;
	}
	return strcmp(name + 10, ".csv") == 0;
}

static void
central_cursor_path(const char *csv, char *buf, size_t len)
{
	snprintf(buf, len, "%s.sent", csv);
}

/* A cursor that is not "<64 hex> <rows>" counts as none: the rows go again. */
static void
central_cursor_read(central_file *f)
{
	char  path[PATH_MAX + 8], hash[CHAIN_HEX_LEN + 2];
	long  rows;
	FILE *fp;

	chain_zero(f->sent_hash);
	f->sent_rows = 0;
	central_cursor_path(f->path, path, sizeof path);
	fp = fopen(path, "r");
	if (fp == NULL)
		return;
	if (fscanf(fp, "%65s %ld", hash, &rows) == 2 && chain_is_hex(hash, strlen(hash)) &&
	    rows > 0) {
		memcpy(f->sent_hash, hash, sizeof f->sent_hash);
		f->sent_rows = rows;
	}
	fclose(fp);
}

/* Written beside and renamed over: always one whole cursor. Not fsync'ed:
 * a cursor lost to a power cut only lags, and a lagging cursor is safe. */
static int
central_cursor_write(central_file *f)
{
	char  path[PATH_MAX + 8], tmp[PATH_MAX + 40];
	FILE *fp;

	central_cursor_path(f->path, path, sizeof path);
	snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
	fp = fopen(tmp, "w");
	if (fp == NULL)
		return -1;
	fprintf(fp, "%s %ld\n", f->sent_hash, f->sent_rows);
	if (fclose(fp) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void
central_file_restart(central_file *f)
{
	f->synced = f->sent_rows == 0;
	f->offset = 0;
	f->parsed_rows = 0;
	chain_zero(f->parsed_hash);
	f->have_header = false;
	f->hash_col = -1;
	f->ncols = 0;
	f->stuck = false;
}

static central_file *
central_file_get(central_outbox *ob, const char *path, const struct stat *st)
{
	central_file *f;

	for (size_t i = 0; i < ob->nfiles; i++) {
		f = &ob->files[i];
		if (strcmp(f->path, path) != 0)
			continue;
		/* Another file under the same name, or one cut shorter: start
		 * again from its cursor. */
		if (f->dev != st->st_dev || f->ino != st->st_ino || st->st_size < f->offset) {
			f->dev = st->st_dev;
			f->ino = st->st_ino;
			central_cursor_read(f);
			central_file_restart(f);
		}
		return f;
	}
	if (ob->nfiles == ob->cap) {
		size_t        ncap = ob->cap ? ob->cap * 2 : 16;
		central_file *nf = realloc(ob->files, ncap * sizeof *nf);

		if (nf == NULL)
			return NULL;
		ob->files = nf;
		ob->cap = ncap;
	}
	f = &ob->files[ob->nfiles++];
	memset(f, 0, sizeof *f);
	snprintf(f->path, sizeof f->path, "%s", path);
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	central_cursor_read(f);
	central_file_restart(f);
	return f;
}

static int
central_file_cmp(const void *a, const void *b)
{
	return strcmp(((const central_file *)a)->path, ((const central_file *)b)->path);
}

static size_t
central_file_waiting(const central_file *f)
{
	if (!f->has_head || f->stuck || f->skip || strcmp(f->head_hash, f->sent_hash) == 0)
		return 0;
	return f->head_rows > f->sent_rows ? (size_t)(f->head_rows - f->sent_rows) : 1;
}

int
central_outbox_scan(central_outbox *ob, size_t *waiting)
{
	DIR           *d = opendir(ob->dir);
	struct dirent *e;
	size_t         keep = 0;

	*waiting = 0;
	if (d == NULL)
		return -1;
	for (size_t i = 0; i < ob->nfiles; i++) {
		ob->files[i].seen = false;
		ob->files[i].skip = false;
	}
	while ((e = readdir(d)) != NULL) {
		char          path[PATH_MAX];
		struct stat   st;
		central_file *f;

		if (!central_is_session(ob, e->d_name))
			continue;
		snprintf(path, sizeof path, "%s/%s", ob->dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if ((f = central_file_get(ob, path, &st)) == NULL)
			continue;
		f->seen = true;
		f->has_head = chain_head_read(path, f->head_hash, &f->head_rows) == 1;
	}
	closedir(d);
	/* A file moved away is forgotten (with a batch of it not sent). */
	if (ob->ready && !ob->files[ob->batch_file].seen) {
		central_batch_clear(&ob->batch);
		ob->ready = false;
	}
	if (ob->ready) {
		ob->files[ob->batch_file].seen = true;
		snprintf(ob->batch.file, sizeof ob->batch.file, "%s", ob->files[ob->batch_file].path);
	}
	for (size_t i = 0; i < ob->nfiles; i++)
		if (ob->files[i].seen)
			ob->files[keep++] = ob->files[i];
	ob->nfiles = keep;
	if (ob->nfiles > 1)
		qsort(ob->files, ob->nfiles, sizeof *ob->files, central_file_cmp);
	if (ob->ready) {
		for (size_t i = 0; i < ob->nfiles; i++)
			if (strcmp(ob->files[i].path, ob->batch.file) == 0)
				ob->batch_file = i;
	}
	for (size_t i = 0; i < ob->nfiles; i++)
		*waiting += central_file_waiting(&ob->files[i]);
	return 0;
}

/* A header line: the columns by name, for the rows under it. */
static void
central_file_header(central_file *f, const csv_reader *r)
{
	f->have_header = true;
	f->hash_col = -1;
	f->ncols = 0;
	f->nmap = r->nfields < CENTRAL_HDR_MAX ? r->nfields : CENTRAL_HDR_MAX;
	for (int i = 0; i < f->nmap; i++) {
		int col = central_unit_column(r->fields[i]);
		int dup = 0;

		for (int k = 0; k < f->ncols; k++)
			dup |= f->cols[k] == col;
		f->map[i] = -1;
		if (strcmp(r->fields[i], CHAIN_COLUMN) == 0)
			f->hash_col = i;
		if (col < 0 || dup || f->ncols == (int)(sizeof f->cols / sizeof f->cols[0]))
			continue;
		f->map[i] = f->ncols;
		f->cols[f->ncols++] = col;
	}
}

static int
central_batch_add(central_batch *b, const central_file *f, const csv_reader *r)
{
	size_t base;

	if (b->nrows == 0) {
		memcpy(b->cols, f->cols, sizeof b->cols);
		b->ncols = f->ncols;
		snprintf(b->file, sizeof b->file, "%s", f->path);
	}
	if ((b->nrows + 1) * (size_t)b->ncols > b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : (size_t)b->ncols * 64;
		char **nv;

		while (ncap < (b->nrows + 1) * (size_t)b->ncols)
			ncap *= 2;
		nv = realloc(b->values, ncap * sizeof *nv);
		if (nv == NULL)
			return -1;
		b->values = nv;
		b->cap = ncap;
	}
	base = b->nrows * (size_t)b->ncols;
	for (int k = 0; k < b->ncols; k++)
		b->values[base + (size_t)k] = NULL;
	for (int i = 0; i < f->nmap && i < r->nfields; i++) {
		int k = f->map[i], oom;

		if (k < 0)
			continue;
		b->values[base + (size_t)k] = central_value(central_unit_columns[b->cols[k]].type,
		    r->fields[i], &oom);
		if (oom) {
			for (int j = 0; j < b->ncols; j++)
				free(b->values[base + (size_t)j]);
			return -1;
		}
	}
	b->nrows++;
	return 0;
}

/* Reads f forward into the batch. 0, or -1 with err set. */
static int
central_file_read(central_outbox *ob, central_file *f, size_t max, char *err, size_t errlen)
{
	central_batch *b = &ob->batch;
	csv_reader     r;
	FILE          *fp;
	int            rc = 0, restarts = 0;

again:
	fp = fopen(f->path, "r");
	if (fp == NULL || fseeko(fp, f->offset, SEEK_SET) != 0) {
		snprintf(err, errlen, "%s: %s", f->path, strerror(errno));
		f->skip = true;
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	csv_reader_init(&r, fp);
	while (b->nrows < max) {
		off_t       at = ftello(fp);
		const char *hash;
		int         got;
		bool        bad_cursor = false;

		if (f->parsed_rows > 0 && strcmp(f->parsed_hash, f->head_hash) == 0)
			break;              /* every durable row is read */
		got = csv_read_record(&r);
		if (got <= 0) {
			if (!f->synced) {
				bad_cursor = true;
			} else {
				f->stuck = true;
				snprintf(err, errlen, "%s: its head (%s.head) names a row the file "
				    "does not hold; `dfota-station report verify` tells more; its "
				    "later rows are not sent", f->path, f->path);
				rc = -1;
				break;
			}
		} else if (strcmp(r.fields[0], "run_id") == 0) {
			if (b->nrows > 0)
				break;      /* the next batch starts under it */
			central_file_header(f, &r);
			f->offset = ftello(fp);
			continue;
		} else {
			f->offset = ftello(fp);
			if (!f->have_header || f->hash_col < 0 || f->hash_col >= r.nfields)
				continue;
			hash = r.fields[f->hash_col];
			if (!chain_is_hex(hash, strlen(hash)))
				continue;
			f->parsed_rows++;
			memcpy(f->parsed_hash, hash, sizeof f->parsed_hash);
			if (!f->synced) {
				if (f->parsed_rows == f->sent_rows) {
					if (strcmp(hash, f->sent_hash) == 0)
						f->synced = true;
					else
						bad_cursor = true;
				} else if (strcmp(hash, f->head_hash) == 0) {
					bad_cursor = true;
				}
				if (!bad_cursor)
					continue;
			} else {
				if (central_batch_add(b, f, &r) != 0) {
					/* The row is read again next time. */
					f->offset = at;
					f->parsed_rows--;
					snprintf(err, errlen, "out of memory");
					f->skip = true;
					rc = -1;
					break;
				}
				continue;
			}
		}
		/* The cursor is not this file's: everything goes again. */
		if (bad_cursor && restarts++ == 0) {
			csv_reader_free(&r);
			fclose(fp);
			chain_zero(f->sent_hash);
			f->sent_rows = 0;
			central_file_restart(f);
			goto again;
		}
		break;
	}
	csv_reader_free(&r);
	fclose(fp);
	return rc;
}

int
central_outbox_next(central_outbox *ob, size_t max, const central_batch **out,
    char *err, size_t errlen)
{
	*out = NULL;
	if (ob->ready) {
		*out = &ob->batch;
		return 1;
	}
	for (size_t i = 0; i < ob->nfiles; i++) {
		central_file *f = &ob->files[i];

		if (central_file_waiting(f) == 0)
			continue;
		if (central_file_read(ob, f, max, err, errlen) != 0)
			return -1;
		if (ob->batch.nrows > 0) {
			ob->ready = true;
			ob->batch_file = i;
			*out = &ob->batch;
			return 1;
		}
		/* Nothing sendable up to the head (rows without a hash): the
		 * cursor moves to the head all the same. */
		if (f->synced && strcmp(f->parsed_hash, f->head_hash) == 0) {
			memcpy(f->sent_hash, f->parsed_hash, sizeof f->sent_hash);
			f->sent_rows = f->parsed_rows;
			central_cursor_write(f);
		}
	}
	return 0;
}

int
central_outbox_commit(central_outbox *ob)
{
	central_file *f;

	if (!ob->ready)
		return 0;
	f = &ob->files[ob->batch_file];
	if (f->parsed_rows == 0) {
		/* The file was replaced under the batch: it is read again. */
		central_batch_clear(&ob->batch);
		ob->ready = false;
		return 0;
	}
	memcpy(f->sent_hash, f->parsed_hash, sizeof f->sent_hash);
	f->sent_rows = f->parsed_rows;
	central_batch_clear(&ob->batch);
	ob->ready = false;
	return central_cursor_write(f);
}
