/*
 * durable: the two file-system steps that make a write survive a power cut,
 * shared by the report writer and the journal: making a folder with its
 * parents, and fsync'ing a folder so that a file created or renamed in it
 * is there after a crash (fsync on the file alone does not promise that).
 */
#ifndef DURABLE_H
#define DURABLE_H

/* mkdir -p: 0, or -1 with errno from the mkdir that failed. */
int  durable_mkdirs(const char *dir);
/* Best effort: a folder that cannot be opened is left as it is. */
void durable_fsync_dir(const char *dir);

#endif
