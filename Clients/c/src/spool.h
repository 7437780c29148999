/* spool.h — alerts that could not be delivered, kept as one JSON file each until the hub has them. */
#ifndef SPOOL_H
#define SPOOL_H

#include <jansson.h>
#include <stddef.h>

/* Writes frame to dir (created if missing) as <milliseconds>-<id>.json, atomically (a temporary
 * file renamed). Returns 0, or -1 with a reason in error. The path written goes to path (if not NULL). */
int spool_write(const char *dir, const json_t *frame, char *path, size_t path_size, char *error, size_t error_size);

/* The spooled files of dir, oldest first (malloc'ed; free with spool_free). A missing dir has none.
 * Returns 0, or -1 with a reason in error. */
int spool_list(const char *dir, char ***paths, size_t *count, char *error, size_t error_size);

/* Frees a list from spool_list. */
void spool_free(char **paths, size_t count);

/* Reads one spooled frame (a new reference), or NULL with a reason in error. */
json_t *spool_read(const char *path, char *error, size_t error_size);

#endif
