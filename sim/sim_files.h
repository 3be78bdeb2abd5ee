/*
 * sim_files: a module's file system (UFS, and BG96's /fota), in memory.
 *
 * Uploaded packages are kept whole because the update judges them by their
 * header. Names are stored without the "UFS:"/"EFS:" prefix the AT commands
 * may carry. The store owns every file's bytes.
 */
#ifndef SIM_FILES_H
#define SIM_FILES_H

#include <stddef.h>
#include <stdint.h>

#define SIM_NAME_MAX 128

typedef struct sim_file {
	char     name[SIM_NAME_MAX];
	uint8_t *data;
	size_t   size;
} sim_file;

typedef struct sim_files {
	sim_file *v;
	size_t    n;
	long long total;    /* capacity: used + free */
} sim_files;

void      sim_files_init(sim_files *fs, long long total);
void      sim_files_free(sim_files *fs);
/* Strips "UFS:" / "EFS:" and surrounding quotes are the caller's job. */
const char *sim_files_strip(const char *name);
sim_file *sim_files_find(sim_files *fs, const char *name);
/* Takes ownership of data (malloc'd); replaces a file of the same name. */
int       sim_files_put(sim_files *fs, const char *name, uint8_t *data,
              size_t size);
int       sim_files_del(sim_files *fs, const char *name);
long long sim_files_free_space(const sim_files *fs);
/* Whether name is listed by pattern: "*" lists names without a directory,
 * "dir/" + "*" lists that directory, anything else is an exact name. */
int       sim_files_match(const char *pattern, const char *name);

#endif
