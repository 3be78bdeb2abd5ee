/*
 * harness: processes, folders, CSV reading and the case-file runner of the
 * integration tests (see harness.h for the case format).
 *
 * A case runs in its own folder: packages are made there with
 * `dfota-sim make-package`, the station file is written there, the emulator
 * puts its links there, and the station writes its reports there. When a
 * case fails, its folder stays for a person to read (station.out, sim.log,
 * reports/).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "reports/csv.h"
#include "tests/harness/harness.h"

#define CASE_MAX_MODULES 64
#define CASE_MAX_LINES   64

typedef struct case_def {
	char *modules[CASE_MAX_MODULES];
	int   nmodules;
	char *packages[CASE_MAX_LINES];
	int   npackages;
	char *targets[CASE_MAX_LINES];
	int   ntargets;
	char *expects[CASE_MAX_LINES];   /* "S1: result=PASS ..." */
	int   nexpects;
	char *timelines[CASE_MAX_LINES]; /* "S1: tx(AT+QFOTADL)=1 ..."  */
	int   ntimelines;
	char  policy[512];
	char  config[2048];               /* config: lines, verbatim */
	char  station_args[256];
	char  speed[32];
	int   exit_status;                /* -1: not checked */
} case_def;

const char *
harness_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL ? v : "";
}

static void
harness_mkdirs(const char *path)
{
	char buf[1024];

	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	mkdir(buf, 0755);
}

int
harness_run_suite(Suite *s, enum print_output verbosity)
{
	SRunner *sr = srunner_create(s);
	int      failed;

	srunner_run_all(sr, verbosity);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

char *
harness_read_stream(FILE *f, size_t *len)
{
	char  *buf;
	long   n;

	fflush(f);
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0)
		return NULL;
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

char *
harness_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (f == NULL)
		return NULL;
	buf = harness_read_stream(f, len);
	fclose(f);
	return buf;
}

bool
harness_fresh_dir(const char *name, char *out, size_t len)
{
	const char *base = harness_env("DFOTA_TMP");

	if (base[0] == '\0')
		base = "/tmp";
	harness_mkdirs(base);
	snprintf(out, len, "%s/%s-XXXXXX", base, name);
	return mkdtemp(out) != NULL;
}

void
harness_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

pid_t
harness_spawn(char *const argv[], const char *out_path)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (out_path != NULL) {
			int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
				close(fd);
			}
		}
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0) {
			dup2(devnull, 0);
			close(devnull);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

int
harness_wait(pid_t pid, double timeout_s)
{
	struct timespec t0, now;
	int             status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9 > timeout_s) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(10000);
	}
}

void
harness_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	if (harness_wait(pid, 5) < 0)
		kill(pid, SIGKILL);
}

bool
harness_wait_path(const char *path, double timeout_s)
{
	for (int i = 0; i < (int)(timeout_s * 100); i++) {
		if (access(path, F_OK) == 0)
			return true;
		usleep(10000);
	}
	return false;
}

static char *
harness_strdup_trim(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char  *d = strdup(s);
	size_t n = strlen(d);
	while (n > 0 && isspace((unsigned char)d[n - 1]))
		d[--n] = '\0';
	return d;
}

/* Appends the rows of one session CSV to csv. */
static void
harness_read_rows(FILE *f, harness_csv *csv)
{
	csv_reader r;
	char     **header = NULL;
	int        nheader = 0;

	csv_reader_init(&r, f);
	while (csv_read_record(&r) == 1) {
		if (header == NULL) {
			nheader = r.nfields < HARNESS_MAX_COLS ? r.nfields : HARNESS_MAX_COLS;
			header = calloc((size_t)nheader, sizeof *header);
			for (int i = 0; i < nheader; i++)
				header[i] = strdup(r.fields[i]);
			continue;
		}
		if (csv->nrows == HARNESS_MAX_ROWS)
			break;
		harness_row *row = &csv->rows[csv->nrows++];
		row->ncols = r.nfields < nheader ? r.nfields : nheader;
		for (int i = 0; i < row->ncols; i++) {
			row->name[i] = strdup(header[i]);
			row->value[i] = strdup(r.fields[i]);
		}
	}
	csv_reader_free(&r);
	for (int i = 0; i < nheader; i++)
		free(header[i]);
	free(header);
}

static int
harness_is_csv(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 4 && strcmp(e->d_name + n - 4, ".csv") == 0;
}

/* Every session CSV of the folder, oldest day first: a run that goes past
 * midnight (UTC) writes its later rows into the next day's file. */
bool
harness_read_session(const char *dir, harness_csv *csv, char *path, size_t len)
{
	struct dirent **names = NULL;
	int             n = scandir(dir, &names, harness_is_csv, alphasort);
	bool            any = false;

	memset(csv, 0, sizeof *csv);
	for (int i = 0; i < n; i++) {
		char  file[4096];
		FILE *f;
		snprintf(file, sizeof file, "%s/%s", dir, names[i]->d_name);
		if ((f = fopen(file, "r")) != NULL) {
			if (!any)
				snprintf(path, len, "%s", file);
			any = true;
			harness_read_rows(f, csv);
			fclose(f);
		}
		free(names[i]);
	}
	free(names);
	return any;
}

void
harness_csv_free(harness_csv *csv)
{
	for (int i = 0; i < csv->nrows; i++)
		for (int k = 0; k < csv->rows[i].ncols; k++) {
			free(csv->rows[i].name[k]);
			free(csv->rows[i].value[k]);
		}
	csv->nrows = 0;
}

const char *
harness_field(const harness_row *row, const char *name)
{
	for (int i = 0; i < row->ncols; i++)
		if (strcmp(row->name[i], name) == 0)
			return row->value[i];
	return NULL;
}

const harness_row *
harness_row_nth(const harness_csv *csv, const char *slot, int nth)
{
	for (int i = 0; i < csv->nrows; i++) {
		const char *s = harness_field(&csv->rows[i], "slot");
		if (s != NULL && strcmp(s, slot) == 0 && --nth == 0)
			return &csv->rows[i];
	}
	return NULL;
}

const harness_row *
harness_row_of(const harness_csv *csv, const char *slot)
{
	return harness_row_nth(csv, slot, 1);
}

/* ---- case files ---------------------------------------------------- */

static void
case_free(case_def *c)
{
	for (int i = 0; i < c->nmodules; i++)
		free(c->modules[i]);
	for (int i = 0; i < c->npackages; i++)
		free(c->packages[i]);
	for (int i = 0; i < c->ntargets; i++)
		free(c->targets[i]);
	for (int i = 0; i < c->nexpects; i++)
		free(c->expects[i]);
	for (int i = 0; i < c->ntimelines; i++)
		free(c->timelines[i]);
}

static bool
case_parse(const char *path, case_def *c, char *why, size_t len)
{
	FILE *f = fopen(path, "r");
	char  line[1024];

	memset(c, 0, sizeof *c);
	c->exit_status = -1;
	snprintf(c->speed, sizeof c->speed, "200");
	if (f == NULL) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return false;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *colon, *key = line, *val;

		while (isspace((unsigned char)*key))
			key++;
		if (*key == '#' || *key == '\0')
			continue;
		colon = strchr(key, ':');
		if (colon == NULL)
			continue;
		*colon = '\0';
		val = colon + 1;
		if (strcmp(key, "module") == 0 && c->nmodules < CASE_MAX_MODULES)
			c->modules[c->nmodules++] = harness_strdup_trim(val);
		else if (strcmp(key, "package") == 0 && c->npackages < CASE_MAX_LINES)
			c->packages[c->npackages++] = harness_strdup_trim(val);
		else if (strcmp(key, "target") == 0 && c->ntargets < CASE_MAX_LINES)
			c->targets[c->ntargets++] = harness_strdup_trim(val);
		else if (strncmp(key, "expect", 6) == 0 && c->nexpects < CASE_MAX_LINES) {
			char buf[1100];
			snprintf(buf, sizeof buf, "%s:%s", key + 6, val);
			c->expects[c->nexpects++] = harness_strdup_trim(buf);
		} else if (strncmp(key, "timeline", 8) == 0 && c->ntimelines < CASE_MAX_LINES) {
			char buf[1100];
			snprintf(buf, sizeof buf, "%s:%s", key + 8, val);
			c->timelines[c->ntimelines++] = harness_strdup_trim(buf);
		} else if (strcmp(key, "policy") == 0) {
			char *t = harness_strdup_trim(val);
			snprintf(c->policy, sizeof c->policy, "%s", t);
			free(t);
		} else if (strcmp(key, "config") == 0) {
			char *t = harness_strdup_trim(val);
			strncat(c->config, t, sizeof c->config - strlen(c->config) - 2);
			strcat(c->config, "\n");
			free(t);
		} else if (strcmp(key, "station") == 0) {
			char *t = harness_strdup_trim(val);
			snprintf(c->station_args, sizeof c->station_args, "%s", t);
			free(t);
		} else if (strcmp(key, "speed") == 0) {
			char *t = harness_strdup_trim(val);
			snprintf(c->speed, sizeof c->speed, "%s", t);
			free(t);
		} else if (strcmp(key, "exit") == 0) {
			c->exit_status = atoi(val);
		}
	}
	fclose(f);
	if (c->nmodules == 0) {
		snprintf(why, len, "%s: no module line", path);
		return false;
	}
	return true;
}

/* Value of key in "k=v k2=v2" words; "" when absent, "1" for a bare word. */
static void
case_word(const char *words, const char *key, char *out, size_t len)
{
	size_t      klen = strlen(key);
	const char *p = words;

	out[0] = '\0';
	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		const char *end = p;
		while (*end && !isspace((unsigned char)*end))
			end++;
		if ((size_t)(end - p) >= klen && strncmp(p, key, klen) == 0) {
			if (p[klen] == '=') {
				size_t n = (size_t)(end - p) - klen - 1;
				if (n >= len)
					n = len - 1;
				memcpy(out, p + klen + 1, n);
				out[n] = '\0';
				return;
			}
			if (p + klen == end) {
				snprintf(out, len, "1");
				return;
			}
		}
		p = end;
	}
}

static int
case_run_quiet(char *const argv[])
{
	pid_t pid = harness_spawn(argv, "/dev/null");

	return harness_wait(pid, 30);
}

/* Makes the package files and the station file's packages list. */
static bool
case_packages(const case_def *c, const char *dir, char *cfg, size_t len,
              char *why, size_t wlen)
{
	char pkgdir[1100], wwwdir[1100];

	snprintf(pkgdir, sizeof pkgdir, "%s/packages", dir);
	snprintf(wwwdir, sizeof wwwdir, "%s/www", dir);
	harness_mkdirs(pkgdir);
	harness_mkdirs(wwwdir);
	strncat(cfg, "packages = (\n", len - strlen(cfg) - 1);
	for (int i = 0; i < c->npackages; i++) {
		char model[32], from[96], to[96], url[8], size[16], bad[8], file[2200], entry[3000];
		char scheme[16], urllen[8], apn[64], certs[8], rel[1100], extra[600] = "";
		case_word(c->packages[i], "model", model, sizeof model);
		case_word(c->packages[i], "from", from, sizeof from);
		case_word(c->packages[i], "to", to, sizeof to);
		case_word(c->packages[i], "url", url, sizeof url);
		case_word(c->packages[i], "size", size, sizeof size);
		case_word(c->packages[i], "bad", bad, sizeof bad);
		case_word(c->packages[i], "scheme", scheme, sizeof scheme);
		case_word(c->packages[i], "urllen", urllen, sizeof urllen);
		case_word(c->packages[i], "apn", apn, sizeof apn);
		case_word(c->packages[i], "certs", certs, sizeof certs);
		if (scheme[0] == '\0')
			snprintf(scheme, sizeof scheme, "http");
		/* urllen=N: the package lies in folders named so that the whole
		 * URL is N bytes; the emulated server serves it by its whole path. */
		snprintf(rel, sizeof rel, "p%d.zip", i + 1);
		if (urllen[0]) {
			int    want = atoi(urllen);
			size_t fixed = strlen(scheme) + strlen("://fota.test/") + strlen(rel);
			char   dirs[1100] = "";
			int    k = 0;
			while (want > 0 && strlen(dirs) + fixed < (size_t)want && k < 1000) {
				size_t left = (size_t)want - fixed - strlen(dirs);
				size_t part = left > 201 ? 200 : left - 1;
				size_t at = strlen(dirs);
				memset(dirs + at, 'd' + (k % 20), part);
				dirs[at + part] = '/';
				dirs[at + part + 1] = '\0';
				k++;
			}
			char dirpath[2200];
			snprintf(dirpath, sizeof dirpath, "%s/%s", wwwdir, dirs);
			harness_mkdirs(dirpath);
			char joined[1100];
			snprintf(joined, sizeof joined, "%s%s", dirs, rel);
			snprintf(rel, sizeof rel, "%s", joined);
		}
		if (apn[0])
			snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " apn = \"%s\";", apn);
		if (certs[0]) {
			static const char *const pem[][2] = {
				{ "ca.pem", "-----BEGIN CERTIFICATE-----\nharness CA\n-----END CERTIFICATE-----\n" },
				{ "client.pem", "-----BEGIN CERTIFICATE-----\nharness client\n-----END CERTIFICATE-----\n" },
				{ "client.key", "-----BEGIN PRIVATE KEY-----\nharness key\n-----END PRIVATE KEY-----\n" },
			};
			for (size_t k = 0; k < 3; k++) {
				char cpath[1200];
				snprintf(cpath, sizeof cpath, "%s/%s", dir, pem[k][0]);
				harness_write_file(cpath, pem[k][1]);
			}
			/* certs: all three; certs=ca: the CA only (no client cert). */
			snprintf(extra + strlen(extra), sizeof extra - strlen(extra),
			    strcmp(certs, "ca") == 0 ? " certs = { ca = \"ca.pem\"; };" :
			    " certs = { ca = \"ca.pem\"; cert = \"client.pem\"; key = \"client.key\"; };");
		}
		if (url[0])
			snprintf(file, sizeof file, "%s/%s", wwwdir, rel);
		else
			snprintf(file, sizeof file, "%s/p%d.zip", pkgdir, i + 1);
		if (bad[0]) {
			harness_write_file(file, "this is not a delta package\n");
		} else {
			char *argv[] = { (char *)harness_env("DFOTA_SIM"), "make-package", "--model", model,
			    "--from", from, "--to", to, "--size", size[0] ? size : "20000", "-o", file, NULL };
			if (case_run_quiet(argv) != 0) {
				snprintf(why, wlen, "dfota-sim make-package failed for package %d", i + 1);
				return false;
			}
		}
		if (url[0])
			snprintf(entry, sizeof entry, "  { model = \"%s\"; from = \"%s\"; to = \"%s\"; url = \"%s://fota.test/%s\";%s }%s\n",
			    model, from, to, scheme, rel, extra, i + 1 < c->npackages ? "," : "");
		else
			snprintf(entry, sizeof entry, "  { model = \"%s\"; from = \"%s\"; to = \"%s\"; file = \"packages/p%d.zip\"; }%s\n",
			    model, from, to, i + 1, i + 1 < c->npackages ? "," : "");
		strncat(cfg, entry, len - strlen(cfg) - 1);
	}
	strncat(cfg, ");\n", len - strlen(cfg) - 1);
	return true;
}

static void
case_config(const case_def *c, const char *dir, char *cfg, size_t len)
{
	char buf[2048];

	snprintf(cfg, len,
	    "station: { name = \"itest\"; operator = \"harness\"; reports_dir = \"reports\"; };\n"
	    "discovery: { usb = false; };\n");
	/* Defaults fit a fast emulator; a case's policy line overrides them. */
	snprintf(buf, sizeof buf, "policy: { attempts = 1; reboot_timeout = 5.0; stall_timeout = 3.0; command_timeout = 2.0;");
	strncat(cfg, buf, len - strlen(cfg) - 1);
	const char *p = c->policy;
	while (*p) {
		char word[128];
		int  n = 0;
		while (isspace((unsigned char)*p))
			p++;
		while (*p && !isspace((unsigned char)*p) && n < 127)
			word[n++] = *p++;
		word[n] = '\0';
		if (n == 0)
			break;
		char *eq = strchr(word, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		/* A later setting of the same name wins: drop the default. */
		char *old = strstr(cfg, word);
		if (old != NULL && strstr(old, ";") != NULL && old > strstr(cfg, "policy:")) {
			char *semi = strchr(old, ';');
			memmove(old, semi + 1, strlen(semi + 1) + 1);
		}
		snprintf(buf, sizeof buf, " %s = %s;", word, eq + 1);
		strncat(cfg, buf, len - strlen(cfg) - 1);
	}
	strncat(cfg, " };\nslots = (\n", len - strlen(cfg) - 1);
	for (int i = 0; i < c->nmodules; i++) {
		char model[32], uart[8], extra[1200] = "";
		case_word(c->modules[i], "model", model, sizeof model);
		case_word(c->modules[i], "urc_link", uart, sizeof uart);
		if (strcmp(model, "BC26") == 0)
			snprintf(extra, sizeof extra, " model = \"BC26\";");
		if (uart[0])
			snprintf(extra, sizeof extra, " urc_serial = \"%s/S%d.uart\";", dir, i + 1);
		snprintf(buf, sizeof buf, "  { label = \"S%d\"; serial = \"%s/S%d\";%s }%s\n",
		    i + 1, dir, i + 1, extra, i + 1 < c->nmodules ? "," : "");
		strncat(cfg, buf, len - strlen(cfg) - 1);
	}
	strncat(cfg, ");\n", len - strlen(cfg) - 1);
	if (c->ntargets > 0) {
		strncat(cfg, "targets = (\n", len - strlen(cfg) - 1);
		for (int i = 0; i < c->ntargets; i++) {
			char model[32], rev[96];
			case_word(c->targets[i], "model", model, sizeof model);
			case_word(c->targets[i], "revision", rev, sizeof rev);
			snprintf(buf, sizeof buf, "  { model = \"%s\"; revision = \"%s\"; }%s\n", model, rev,
			    i + 1 < c->ntargets ? "," : "");
			strncat(cfg, buf, len - strlen(cfg) - 1);
		}
		strncat(cfg, ");\n", len - strlen(cfg) - 1);
	}
	strncat(cfg, c->config, len - strlen(cfg) - 1);
}

/* Checks one "S1: k=v k~v" expectation against the report. */
static bool
case_check(const harness_csv *csv, const char *expect, char *why, size_t len)
{
	char        slot[32];
	const char *p = strchr(expect, ':');
	int         n = p != NULL ? (int)(p - expect) : 0;

	snprintf(slot, sizeof slot, "%.*s", n, expect);
	int   nth = 1;
	char *hash = strchr(slot, '#');
	if (hash != NULL) {
		*hash = '\0';
		nth = atoi(hash + 1);
	}
	const harness_row *row = harness_row_nth(csv, slot, nth);
	p = p != NULL ? p + 1 : expect;
	while (isspace((unsigned char)*p))
		p++;
	if (strcmp(p, "none") == 0) {
		if (row != NULL) {
			snprintf(why, len, "slot %s: a report row (%s), expected none", slot,
			    harness_field(row, "result"));
			return false;
		}
		return true;
	}
	if (row == NULL) {
		snprintf(why, len, "no report row %d for slot %s", nth, slot);
		return false;
	}
	while (*p) {
		char word[512];
		int  k = 0;
		while (isspace((unsigned char)*p))
			p++;
		/* A value may hold spaces when quoted: error_text~"did not come". */
		bool quoted = false;
		while (*p && (quoted || !isspace((unsigned char)*p)) && k < 511) {
			if (*p == '"') {
				quoted = !quoted;
				p++;
				continue;
			}
			word[k++] = *p++;
		}
		word[k] = '\0';
		if (k == 0)
			break;
		char *op = strpbrk(word, "=~");
		if (op == NULL)
			continue;
		char kind = *op;
		*op = '\0';
		const char *have = harness_field(row, word);
		if (have == NULL) {
			snprintf(why, len, "slot %s: no column %s", slot, word);
			return false;
		}
		if ((kind == '=' && strcmp(have, op + 1) != 0) ||
		    (kind == '~' && strstr(have, op + 1) == NULL)) {
			snprintf(why, len, "slot %s: %s is \"%s\", expected %s\"%s\"", slot, word, have,
			    kind == '~' ? "it to contain " : "", op + 1);
			return false;
		}
	}
	return true;
}

/* One check of a unit's timeline (reports/units/...csv, columns ts,
 * phase, percent, event, raw):
 *   tx(TEXT)=N              N commands sent that contain TEXT
 *   notx-after(A)=B,C       after the first command containing A, none
 *                           containing B or C
 *   notx-until(A~N)=B,C     from each command containing A to the next
 *                           line containing N (any event), none
 *                           containing B or C; N must follow each A (one word, no spaces)
 *   has~"text"              some line (any event) contains text
 */
static bool
case_timeline_word(const char *path, const char *word, char *why, size_t len)
{
	char        key[256], arg[256], val[512];
	const char *open = strchr(word, '('), *close = strstr(word, ")=");
	FILE       *f;
	csv_reader  r;
	int         count = 0;
	bool        after = false, ok = true, has = false, open_w = false;
	char        until[256] = "";

	if (strncmp(word, "has~", 4) == 0) {
		snprintf(val, sizeof val, "%s", word + 4);
		snprintf(key, sizeof key, "has");
		arg[0] = '\0';
	} else if (open != NULL && close != NULL && close > open) {
		snprintf(key, sizeof key, "%.*s", (int)(open - word), word);
		snprintf(arg, sizeof arg, "%.*s", (int)(close - open - 1), open + 1);
		snprintf(val, sizeof val, "%s", close + 2);
	} else {
		snprintf(why, len, "timeline check '%s' not understood", word);
		return false;
	}
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(why, len, "timeline %s: %s", path, strerror(errno));
		return false;
	}
	if (strcmp(key, "notx-until") == 0) {
		char *tilde = strchr(arg, '~');

		if (tilde == NULL) {
			snprintf(why, len, "timeline check '%s': want notx-until(A~N)", word);
			fclose(f);
			return false;
		}
		*tilde = '\0';
		snprintf(until, sizeof until, "%s", tilde + 1);
	}
	csv_reader_init(&r, f);
	while (csv_read_record(&r) == 1) {
		const char *ev = r.nfields > 3 ? r.fields[3] : "";
		const char *raw = r.nfields > 4 ? r.fields[4] : "";
		bool        tx = strcmp(ev, "tx") == 0;

		if (strcmp(key, "notx-until") == 0) {
			if (open_w && strstr(raw, until) != NULL)
				open_w = false;
			if (open_w && tx) {
				char list[512];

				snprintf(list, sizeof list, "%s", val);
				for (char *t = strtok(list, ","); t != NULL; t = strtok(NULL, ","))
					if (strstr(raw, t) != NULL && ok) {
						snprintf(why, len, "timeline: %s sent after %s before \"%s\"",
						    raw, arg, until);
						ok = false;
					}
			}
			if (tx && strstr(raw, arg) != NULL) {
				after = true;
				open_w = true;
			}
		}

		if (strcmp(key, "has") == 0 && strstr(raw, val) != NULL)
			has = true;
		if (strcmp(key, "tx") == 0 && tx && strstr(raw, arg) != NULL)
			count++;
		if (strcmp(key, "notx-after") == 0 && tx) {
			char list[512];
			if (after) {
				snprintf(list, sizeof list, "%s", val);
				for (char *t = strtok(list, ","); t != NULL; t = strtok(NULL, ","))
					if (strstr(raw, t) != NULL && ok) {
						snprintf(why, len, "timeline: %s sent after %s", raw, arg);
						ok = false;
					}
			}
			if (strstr(raw, arg) != NULL)
				after = true;
		}
	}
	csv_reader_free(&r);
	fclose(f);
	if (strcmp(key, "has") == 0 && !has) {
		snprintf(why, len, "timeline: no line contains \"%s\"", val);
		return false;
	}
	if (strcmp(key, "tx") == 0 && count != atoi(val)) {
		snprintf(why, len, "timeline: %d commands contain %s, expected %s", count, arg, val);
		return false;
	}
	if (strcmp(key, "notx-until") == 0 && open_w && ok) {
		snprintf(why, len, "timeline: no line contains \"%s\" after the last %s", until, arg);
		return false;
	}
	if ((strcmp(key, "notx-after") == 0 || strcmp(key, "notx-until") == 0) && !after && ok) {
		snprintf(why, len, "timeline: no command contains %s", arg);
		return false;
	}
	return ok;
}

static bool
case_timeline(const harness_csv *csv, const char *reports, const char *expect,
    char *why, size_t len)
{
	char        slot[32], path[2048];
	const char *p = strchr(expect, ':');
	int         n = p != NULL ? (int)(p - expect) : 0;
	const harness_row *row;
	const char *detail;

	snprintf(slot, sizeof slot, "%.*s", n, expect);
	if ((row = harness_row_of(csv, slot)) == NULL ||
	    (detail = harness_field(row, "detail_file")) == NULL || detail[0] == '\0') {
		snprintf(why, len, "slot %s: no report row with a timeline", slot);
		return false;
	}
	snprintf(path, sizeof path, "%s/%s", reports, detail);
	p = p != NULL ? p + 1 : expect;
	while (*p) {
		char word[512];
		int  k = 0;
		bool quoted = false;

		while (isspace((unsigned char)*p))
			p++;
		while (*p && (quoted || !isspace((unsigned char)*p)) && k < 511) {
			if (*p == '"') {
				quoted = !quoted;
				p++;
				continue;
			}
			word[k++] = *p++;
		}
		word[k] = '\0';
		if (k == 0)
			break;
		if (!case_timeline_word(path, word, why, len))
			return false;
	}
	return true;
}

static pid_t
case_start_sim(const case_def *c, const char *dir)
{
	char *argv[8 + 2 * CASE_MAX_MODULES];
	char  specs[CASE_MAX_MODULES][600];
	char  www[1100], log[1100], events[1100];
	int   n = 0;

	snprintf(www, sizeof www, "%s/www", dir);
	snprintf(log, sizeof log, "%s/sim.log", dir);
	snprintf(events, sizeof events, "%s/sim-events.log", dir);
	argv[n++] = (char *)harness_env("DFOTA_SIM");
	argv[n++] = "--speed";
	argv[n++] = (char *)c->speed;
	argv[n++] = "--seed";
	argv[n++] = "7";
	argv[n++] = "--pkgdir";
	argv[n++] = www;
	argv[n++] = "--log";
	argv[n++] = events;
	for (int i = 0; i < c->nmodules; i++) {
		char words[512];
		snprintf(specs[i], sizeof specs[i], "link=%s/S%d", dir, i + 1);
		snprintf(words, sizeof words, "%s", c->modules[i]);
		for (char *t = strtok(words, " \t"); t != NULL; t = strtok(NULL, " \t")) {
			char uart[1100];
			if (strcmp(t, "urc_link") == 0) {
				snprintf(uart, sizeof uart, "urc_link=%s/S%d.uart", dir, i + 1);
				t = uart;
			}
			size_t used = strlen(specs[i]);
			snprintf(specs[i] + used, sizeof specs[i] - used, ",%s", t);
		}
		argv[n++] = "--module";
		argv[n++] = specs[i];
	}
	argv[n] = NULL;
	return harness_spawn(argv, log);
}

bool
harness_run_case(const char *case_path, char *why, size_t len)
{
	case_def c;
	char     dir[1024], cfgpath[1100], outpath[1100], reports[1100], csvpath[1200];
	char     cfg[16384];
	const char *base = strrchr(case_path, '/');
	bool     ok = false;
	pid_t    sim;

	if (!case_parse(case_path, &c, why, len))
		return false;
	base = base != NULL ? base + 1 : case_path;
	if (!harness_fresh_dir(base, dir, sizeof dir)) {
		snprintf(why, len, "cannot make a folder for %s", base);
		return false;
	}
	case_config(&c, dir, cfg, sizeof cfg);
	if (!case_packages(&c, dir, cfg, sizeof cfg, why, len)) {
		case_free(&c);
		return false;
	}
	snprintf(cfgpath, sizeof cfgpath, "%s/station.cfg", dir);
	harness_write_file(cfgpath, cfg);
	sim = case_start_sim(&c, dir);
	snprintf(outpath, sizeof outpath, "%s/S1", dir);
	if (!harness_wait_path(outpath, 10)) {
		snprintf(why, len, "%s: the emulator did not create its ports (see %s/sim.log)", base, dir);
		harness_stop(sim);
		case_free(&c);
		return false;
	}
	snprintf(outpath, sizeof outpath, "%s/station.out", dir);
	char *argv[32];
	int   n = 0;
	char  args[256];
	argv[n++] = (char *)harness_env("DFOTA_STATION");
	argv[n++] = "--config";
	argv[n++] = cfgpath;
	argv[n++] = "--headless";
	if (strstr(c.station_args, "--max-units") == NULL && strstr(c.station_args, "--idle-exit") == NULL)
		argv[n++] = "--once";
	snprintf(args, sizeof args, "%s", c.station_args);
	for (char *t = strtok(args, " "); t != NULL && n < 30; t = strtok(NULL, " "))
		argv[n++] = t;
	argv[n] = NULL;
	int status = harness_wait(harness_spawn(argv, outpath), 120);
	harness_stop(sim);
	snprintf(reports, sizeof reports, "%s/reports", dir);
	harness_csv csv;
	if (status < 0) {
		snprintf(why, len, "%s: the station did not finish within 120 s (see %s)", base, dir);
	} else if (c.exit_status >= 0 && status != c.exit_status) {
		snprintf(why, len, "%s: exit status %d, expected %d (see %s)", base, status, c.exit_status, dir);
	} else if (!harness_read_session(reports, &csv, csvpath, sizeof csvpath)) {
		snprintf(why, len, "%s: no session CSV in %s", base, reports);
	} else {
		ok = true;
		snprintf(why, len, "%s (see %s):", base, dir);
		for (int i = 0; i < c.nexpects; i++) {
			char reason[512];
			if (!case_check(&csv, c.expects[i], reason, sizeof reason)) {
				size_t used = strlen(why);
				snprintf(why + used, len - used, "\n    %s", reason);
				ok = false;
			}
		}
		for (int i = 0; i < c.ntimelines; i++) {
			char reason[1024];
			if (!case_timeline(&csv, reports, c.timelines[i], reason, sizeof reason)) {
				size_t used = strlen(why);
				snprintf(why + used, len - used, "\n    %s", reason);
				ok = false;
			}
		}
		harness_csv_free(&csv);
	}
	case_free(&c);
	return ok;
}

bool
harness_setup_case(const char *name, const char *case_text, char *dir, size_t len,
                   pid_t *sim, char *why, size_t wlen)
{
	case_def c;
	char     path[1100], cfg[16384];

	*sim = -1;
	if (!harness_fresh_dir(name, dir, len)) {
		snprintf(why, wlen, "cannot make a folder for %s", name);
		return false;
	}
	snprintf(path, sizeof path, "%s/test.case", dir);
	harness_write_file(path, case_text);
	if (!case_parse(path, &c, why, wlen))
		return false;
	case_config(&c, dir, cfg, sizeof cfg);
	if (!case_packages(&c, dir, cfg, sizeof cfg, why, wlen)) {
		case_free(&c);
		return false;
	}
	snprintf(path, sizeof path, "%s/station.cfg", dir);
	harness_write_file(path, cfg);
	*sim = case_start_sim(&c, dir);
	case_free(&c);
	snprintf(path, sizeof path, "%s/S1", dir);
	if (!harness_wait_path(path, 10)) {
		snprintf(why, wlen, "%s: the emulator did not create its ports (see %s/sim.log)", name, dir);
		harness_stop(*sim);
		*sim = -1;
		return false;
	}
	return true;
}
