/*
 * fuzz_config: libFuzzer target for the station file loader
 * (config/config*.c on top of libconfig).
 *
 * Each input is written to station.cfg in a private folder that also
 * holds files/pkg-a.bin (the package file the seeds of tests/data/config
 * name), then loaded with config_load(). A load either succeeds -- and
 * then every string it filled is terminated and every list count matches
 * its array -- or fails with a message for a person; it never crashes.
 * Inputs with an @include directive are skipped: what they read is any
 * file of this machine (libconfig's business, and a fuzzer could name
 * /dev/stdin and wait forever), not the loader's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fz_dir[256];
static char fz_cfg[300];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char  path[320];
	FILE *f;

	(void)argc;
	(void)argv;
	snprintf(fz_dir, sizeof fz_dir, "%s/dfota-fuzz-config-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(fz_dir) == NULL)
		abort();
	snprintf(path, sizeof path, "%s/files", fz_dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/files/pkg-a.bin", fz_dir);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputs("DFOTA-SIM-DELTA model=BG96 from=A to=B\n", f);
	fclose(f);
	snprintf(fz_cfg, sizeof fz_cfg, "%s/station.cfg", fz_dir);
	return 0;
}

static void
fz_check_string(const char *s, size_t cap)
{
	if (memchr(s, '\0', cap) == NULL)
		abort();
}

/* A loaded config must be whole: terminated strings, counts that match. */
static void
fz_check(const station_config *c)
{
	fz_check_string(c->name, sizeof c->name);
	fz_check_string(c->operator_name, sizeof c->operator_name);
	fz_check_string(c->reports_dir, sizeof c->reports_dir);
	if ((c->nslots > 0 && c->slots == NULL) || (c->npackages > 0 && c->packages == NULL) ||
	    (c->ntargets > 0 && c->targets == NULL))
		abort();
	for (size_t i = 0; i < c->nslots; i++) {
		fz_check_string(c->slots[i].label, sizeof c->slots[i].label);
		fz_check_string(c->slots[i].serial, sizeof c->slots[i].serial);
		fz_check_string(c->slots[i].usb_path, sizeof c->slots[i].usb_path);
	}
	for (size_t i = 0; i < c->npackages; i++) {
		fz_check_string(c->packages[i].file, sizeof c->packages[i].file);
		fz_check_string(c->packages[i].url, sizeof c->packages[i].url);
		fz_check_string(c->packages[i].sha256, sizeof c->packages[i].sha256);
	}
}

/* "@include" in any case (what libconfig's scanner takes is its own). */
static int
fz_has_include(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i + 8 <= size; i++)
		if (data[i] == '@' && strncasecmp((const char *)data + i + 1, "include", 7) == 0)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	station_config cfg;
	char           err[1024];
	FILE          *f;

	if (fz_has_include(data, size))
		return 0;
	if ((f = fopen(fz_cfg, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	if (config_load(fz_cfg, &cfg, err, sizeof err) == 0) {
		fz_check(&cfg);
		config_free(&cfg);
	} else if (err[0] == '\0' || memchr(err, '\0', sizeof err) == NULL) {
		abort();   /* a failure must say why */
	}
	return 0;
}
