/* spool.h — alerts that could not be delivered, kept as one JSON file each until the hub has them, with
 * the files to attach to their tickets (swarm-notify --attach) beside them.
 *
 * An alert spooled with files is <ms>-<id>.json (the frame, as without files) and the folder
 * <ms>-<id>.files: a copy of each file (1, 2, …) and files.json listing them in order,
 * [{"file": "1", "name", "visibility"?, "key"}], each with the Idempotency-Key it is attached with.
 * The folder is complete before the .json is renamed into place, so an alert in the spool always has
 * all its files; a copy is deleted once attached (or refused for good), the folder and then the .json
 * once none is left. */
#ifndef SPOOL_H
#define SPOOL_H

#include <jansson.h>
#include <stddef.h>

/* Writes frame to dir (created if missing) as <milliseconds>-<id>.json, atomically (a temporary
 * file renamed). Returns 0, or -1 with a reason in error. The path written goes to path (if not NULL). */
int spool_write(const char *dir, const json_t *frame, char *path, size_t path_size, char *error, size_t error_size);

/* spool_write with files to attach once the alert is delivered: NULL, or a JSON array of
 * {"path": the file to copy, "name", "visibility"?, "key"} (what spool_read_files gives back, "path"
 * then naming the copy). Nothing is left behind when it fails. */
int spool_write_files(const char *dir, const json_t *frame, const json_t *files, char *path, size_t path_size,
                      char *error, size_t error_size);

/* The files spooled with the alert at path that are still to be attached, in order: a new JSON array
 * of {"path": the copy, "name", "visibility"?, "key"} ([] when there are none). NULL, with a reason in
 * error, when their list cannot be read. */
json_t *spool_read_files(const char *path, char *error, size_t error_size);

/* Removes the spooled alert at path: the copies of its files, their folder, then the alert. */
void spool_remove(const char *path);

/* Removes what a run that died while spooling left: a .files folder without its .json, a .tmp file.
 * Call with the spool's lock held (every writer holds it). */
void spool_sweep(const char *dir);

/* The spooled files of dir, oldest first (malloc'ed; free with spool_free). A missing dir has none.
 * Returns 0, or -1 with a reason in error. */
int spool_list(const char *dir, char ***paths, size_t *count, char *error, size_t error_size);

/* Frees a list from spool_list. */
void spool_free(char **paths, size_t count);

/* Reads one spooled frame (a new reference), or NULL with a reason in error. */
json_t *spool_read(const char *path, char *error, size_t error_size);

#endif
