/*
 * sim_package: header parsing and the make-package command; see
 * sim_package.h. The filler comes from sim_rng seeded with --seed, so a
 * package made twice with the same arguments is the same file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_package.h"
#include "sim/sim_rng.h"

/* Copies the value of " key=" out of the header line into dst. */
static int
header_field(const char *line, const char *key, char *dst, size_t cap)
{
	char pat[16];
	const char *v;
	size_t n;

	snprintf(pat, sizeof pat, " %s=", key);
	v = strstr(line, pat);
	if (v == NULL)
		return -1;
	v += strlen(pat);
	n = strcspn(v, " \n");
	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

int
sim_package_parse(const uint8_t *data, size_t len, sim_package *p)
{
	char line[256];
	const uint8_t *nl;
	size_t n;

	nl = memchr(data, '\n', len < sizeof line ? len : sizeof line);
	if (nl == NULL)
		return -1;
	n = (size_t)(nl - data);
	memcpy(line, data, n);
	line[n] = '\0';
	if (strncmp(line, SIM_PACKAGE_MAGIC " ", strlen(SIM_PACKAGE_MAGIC) + 1))
		return -1;
	if (header_field(line, "model", p->model, sizeof p->model) != 0 ||
	    header_field(line, "from", p->from, sizeof p->from) != 0 ||
	    header_field(line, "to", p->to, sizeof p->to) != 0)
		return -1;
	return 0;
}

typedef struct make_opts {
	const char *model, *from, *to, *out;
	long long   size;
	uint64_t    seed;
} make_opts;

static const char make_usage_text[] =
    "usage: dfota-sim make-package --model M --from REV --to REV "
    "[--size BYTES] [--seed N] -o FILE\n"
    "\n"
    "Writes a package the emulator accepts for model M from revision REV to\n"
    "REV: a header line and --size bytes (default 65536) of seeded noise.\n"
    "  -h, --help   this text\n";

static int
make_usage(const char *why)
{
	fprintf(stderr, "dfota-sim make-package: %s\n", why);
	fputs(make_usage_text, stderr);
	return 2;
}

/* 0, -1 on a bad command line, 1 after --help. */
static int
make_parse(int argc, char **argv, make_opts *o)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'M' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	o->model = o->from = o->to = o->out = NULL;
	o->size = 65536;
	o->seed = 1;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:ho:", opts, NULL)) != -1) {
		switch (ch) {
		case 'h': fputs(make_usage_text, stdout); return 1;
		case 'M': o->model = optarg; break;
		case 'f': o->from = optarg; break;
		case 't': o->to = optarg; break;
		case 'o': o->out = optarg; break;
		case 's': o->size = strtoll(optarg, NULL, 10); break;
		case 'S': o->seed = strtoull(optarg, NULL, 10); break;
		default: return -1;
		}
	}
	if (optind < argc)
		return -1;
	return o->model && o->from && o->to && o->out ? 0 : -1;
}

static int
make_write(FILE *fp, const make_opts *o)
{
	char head[256];
	int hn = snprintf(head, sizeof head, SIM_PACKAGE_MAGIC
	    " model=%s from=%s to=%s\n", o->model, o->from, o->to);
	long long left;
	sim_rng rng;

	if (hn < 0 || (size_t)hn >= sizeof head)
		return -1;
	/* A size below the header is raised to it: the header is the point. */
	left = o->size > hn ? o->size - hn : 0;
	if (fwrite(head, 1, (size_t)hn, fp) != (size_t)hn)
		return -1;
	sim_rng_seed(&rng, o->seed);
	while (left > 0) {
		uint64_t r = sim_rng_next(&rng);
		uint8_t b[8];
		size_t n = left < 8 ? (size_t)left : 8;

		/* Byte by byte, so the file is the same on any endianness. */
		for (size_t i = 0; i < 8; i++)
			b[i] = (uint8_t)(r >> (8 * i));
		if (fwrite(b, 1, n, fp) != n)
			return -1;
		left -= (long long)n;
	}
	return 0;
}

int
sim_package_main(int argc, char **argv)
{
	make_opts o;
	FILE *fp;
	int rc;

	if ((rc = make_parse(argc, argv, &o)) != 0)
		return rc > 0 ? 0 : make_usage("missing or unknown option");
	if (sim_model_find(o.model) == NULL)
		return make_usage("unknown model");
	if (o.size < 0 || o.size > (1LL << 31))
		return make_usage("bad --size");
	fp = fopen(o.out, "wb");
	if (fp == NULL) {
		fprintf(stderr, "dfota-sim make-package: %s: %s\n", o.out,
		    strerror(errno));
		return 1;
	}
	rc = make_write(fp, &o);
	if (fclose(fp) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "dfota-sim make-package: writing %s failed\n",
		    o.out);
		return 1;
	}
	return 0;
}
