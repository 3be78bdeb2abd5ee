/*
 * pkg: the package catalog, built from the packages of a validated station
 * file (config_load has already checked models, revisions, urls and that
 * each file exists).
 *
 * How it works: every file package is read once here, its sha256 and size
 * computed; when the station file gave a sha256 that differs, the whole
 * catalog refuses to load, because flashing the wrong bytes into a module is
 * worse than not starting. Url packages keep the sha256 they were given (the
 * module downloads them; the station never sees their bytes). The catalog
 * owns copies of everything, so it outlives the config.
 *
 * Choosing a package for a unit is in pkg_plan.c.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "packages/pkg.h"
#include "packages/sha256.h"

/* Copies with truncation; the config has already checked every length. */
static void
pkg_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The name that reports show: a file's basename; a url when it fits, else
 * its last path component (a name is for people, the url stays whole). */
static void
pkg_set_name(pkg *p)
{
	const char *base;

	if (p->file[0] != '\0') {
		base = strrchr(p->file, '/');
		pkg_copy(p->name, sizeof p->name, base ? base + 1 : p->file);
	} else if (strlen(p->url) < sizeof p->name) {
		pkg_copy(p->name, sizeof p->name, p->url);
	} else {
		base = strrchr(p->url, '/');
		pkg_copy(p->name, sizeof p->name, base ? base + 1 : p->url);
	}
}

/* Reads a file package's digest and size; checks it against the station
 * file. 0, or -1 with the message in err. */
static int
pkg_check_file(pkg *p, const cfg_package *cp, const char *cfgpath, size_t i,
               char *err, size_t errlen)
{
	char hex[65];

	if (sha256_file(p->file, hex, &p->size) != 0) {
		snprintf(err, errlen, "%s:%d: packages[%zu].file: cannot read %s: %s",
		    cfgpath, cp->line, i, p->file, strerror(errno));
		return -1;
	}
	if (cp->sha256[0] != '\0' && strcasecmp(cp->sha256, hex) != 0) {
		snprintf(err, errlen, "%s:%d: packages[%zu].sha256: file %s has "
		    "sha256 %s, the station file says %s; refusing to load it",
		    cfgpath, cp->line, i, p->file, hex, cp->sha256);
		return -1;
	}
	memcpy(p->sha256, hex, sizeof p->sha256);
	return 0;
}

int
pkg_catalog_load(pkg_catalog *cat, const station_config *cfg,
                 char *err, size_t errlen)
{
	char scratch[1];

	if (err == NULL || errlen == 0) {
		err = scratch;
		errlen = sizeof scratch;
	}
	memset(cat, 0, sizeof *cat);
	/* calloc(0) may return NULL; one spare element keeps the checks simple. */
	cat->items = calloc(cfg->npackages + 1, sizeof *cat->items);
	cat->targets = calloc(cfg->ntargets + 1, sizeof *cat->targets);
	if (cat->items == NULL || cat->targets == NULL) {
		snprintf(err, errlen, "%s: out of memory loading packages", cfg->path);
		pkg_catalog_free(cat);
		return -1;
	}

	for (size_t i = 0; i < cfg->npackages; i++) {
		const cfg_package *cp = &cfg->packages[i];
		pkg *p = &cat->items[i];

		pkg_copy(p->model, sizeof p->model, cp->model);
		pkg_copy(p->from, sizeof p->from, cp->from);
		pkg_copy(p->to, sizeof p->to, cp->to);
		pkg_copy(p->file, sizeof p->file, cp->file);
		pkg_copy(p->url, sizeof p->url, cp->url);
		pkg_copy(p->sha256, sizeof p->sha256, cp->sha256);
		pkg_copy(p->apn, sizeof p->apn, cp->apn);
		p->certs = cp->certs;
		p->line = cp->line;
		pkg_set_name(p);
		if (p->file[0] != '\0' &&
		    pkg_check_file(p, cp, cfg->path, i, err, errlen) != 0) {
			pkg_catalog_free(cat);
			return -1;
		}
		cat->n++;
	}
	if (cfg->ntargets > 0)
		memcpy(cat->targets, cfg->targets, cfg->ntargets * sizeof *cfg->targets);
	cat->ntargets = cfg->ntargets;
	return 0;
}

void
pkg_catalog_free(pkg_catalog *cat)
{
	free(cat->items);
	free(cat->targets);
	memset(cat, 0, sizeof *cat);
}

bool
pkg_revision_match(const char *pkg_rev, const char *module_rev)
{
	size_t n;

	if (pkg_rev == NULL || module_rev == NULL || pkg_rev[0] == '\0')
		return false;
	n = strlen(pkg_rev);
	if (strncasecmp(pkg_rev, module_rev, n) != 0)
		return false;
	/* Exactly the revision, or the revision plus "_<build>" as AT+QGMR
	 * prints it; "BG96MAR02A07M1G2" is another revision, not a build. */
	return module_rev[n] == '\0' ||
	    (module_rev[n] == '_' && module_rev[n + 1] != '\0');
}

void
pkg_revision_form(const char *raw, char *out, size_t len)
{
	size_t b = 0, e, cut, k;

	if (len == 0)
		return;
	out[0] = '\0';
	if (raw == NULL)
		return;
	e = strlen(raw);
	while (b < e && isspace((unsigned char)raw[b]))
		b++;
	while (e > b && isspace((unsigned char)raw[e - 1]))
		e--;
	/* The build suffix: the last '_' followed only by digits and dots,
	 * at least one digit; a '_' inside a revision name stays. */
	cut = e;
	for (k = e; k > b; k--) {
		if (raw[k - 1] == '_')
			break;
	}
	if (k > b + 1 && k < e && strspn(raw + k, "0123456789.") == e - k &&
	    strpbrk(raw + k, "0123456789") != NULL)
		cut = k - 1;
	for (k = 0; b + k < cut && k + 1 < len; k++)
		out[k] = (char)toupper((unsigned char)raw[b + k]);
	out[k] = '\0';
}

int
pkg_read(const pkg *p, uint8_t **data, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0, size;
	int fd, saved;

	*data = NULL;
	*len = 0;
	if (p->file[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	fd = open(p->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0)
		saved = errno;
	else if (!S_ISREG(st.st_mode))
		saved = EINVAL;
	else
		saved = 0;
	if (saved != 0) {
		close(fd);
		errno = saved;
		return -1;
	}
	size = (size_t)st.st_size;
	buf = malloc(size > 0 ? size : 1);
	if (buf == NULL) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* A file that shrank under us is not the file we checked. */
			saved = r < 0 ? errno : EIO;
			free(buf);
			close(fd);
			errno = saved;
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	*data = buf;
	*len = size;
	return 0;
}
