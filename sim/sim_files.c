/*
 * sim_files: a flat array of named byte buffers; see sim_files.h. A
 * module holds a handful of files, so linear search is the right size.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/sim_files.h"

void
sim_files_init(sim_files *fs, long long total)
{
	fs->v = NULL;
	fs->n = 0;
	fs->total = total;
}

void
sim_files_free(sim_files *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->v[i].data);
	free(fs->v);
	fs->v = NULL;
	fs->n = 0;
}

const char *
sim_files_strip(const char *name)
{
	if (strncasecmp(name, "UFS:", 4) == 0 || strncasecmp(name, "EFS:", 4) == 0)
		return name + 4;
	return name;
}

sim_file *
sim_files_find(sim_files *fs, const char *name)
{
	name = sim_files_strip(name);
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].name, name) == 0)
			return &fs->v[i];
	return NULL;
}

int
sim_files_put(sim_files *fs, const char *name, uint8_t *data, size_t size)
{
	sim_file *f, *grown;

	name = sim_files_strip(name);
	if (strlen(name) >= SIM_NAME_MAX) {
		free(data);
		return -1;
	}
	f = sim_files_find(fs, name);
	if (f == NULL) {
		grown = realloc(fs->v, (fs->n + 1) * sizeof *fs->v);
		if (grown == NULL) {
			free(data);
			return -1;
		}
		fs->v = grown;
		f = &fs->v[fs->n++];
		strcpy(f->name, name);
	} else {
		free(f->data);
	}
	f->data = data;
	f->size = size;
	return 0;
}

int
sim_files_del(sim_files *fs, const char *name)
{
	sim_file *f = sim_files_find(fs, name);

	if (f == NULL)
		return -1;
	free(f->data);
	*f = fs->v[--fs->n];
	return 0;
}

long long
sim_files_free_space(const sim_files *fs)
{
	long long used = 0;

	for (size_t i = 0; i < fs->n; i++)
		used += (long long)fs->v[i].size;
	return fs->total > used ? fs->total - used : 0;
}

int
sim_files_match(const char *pattern, const char *name)
{
	size_t plen;

	pattern = sim_files_strip(pattern);
	plen = strlen(pattern);
	if (strcmp(pattern, "*") == 0)
		return strchr(name, '/') == NULL;
	if (plen >= 1 && pattern[plen - 1] == '*')
		return strncmp(pattern, name, plen - 1) == 0 &&
		    strchr(name + plen - 1, '/') == NULL;
	return strcmp(pattern, name) == 0;
}
