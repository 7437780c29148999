/* spool.c — see spool.h. */
#define _POSIX_C_SOURCE 200809L
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int spool_write(const char *dir, const json_t *frame, char *path, size_t path_size, char *error, size_t error_size) {
    const char *id = json_string_value(json_object_get(frame, "id"));
    if (!id) {
        snprintf(error, error_size, "a spooled frame needs an id");
        return -1;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(error, error_size, "cannot create the spool directory %s: %s", dir, strerror(errno));
        return -1;
    }
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    long long ms = (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
    char final[4096], temporary[4200];
    snprintf(final, sizeof final, "%s/%013lld-%.64s.json", dir, ms, id);
    snprintf(temporary, sizeof temporary, "%s.tmp", final);
    if (json_dump_file(frame, temporary, JSON_COMPACT) != 0) {
        snprintf(error, error_size, "cannot write %s: %s", temporary, strerror(errno));
        unlink(temporary);
        return -1;
    }
    /* Durable before it counts as spooled: fsync the file, rename, fsync the directory. */
    int fd = open(temporary, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    if (rename(temporary, final) != 0) {
        snprintf(error, error_size, "cannot write %s: %s", final, strerror(errno));
        unlink(temporary);
        return -1;
    }
    int dfd = open(dir, O_RDONLY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    if (path) snprintf(path, path_size, "%s", final);
    return 0;
}

static int compare(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int spool_list(const char *dir, char ***paths, size_t *count, char *error, size_t error_size) {
    *paths = NULL;
    *count = 0;
    DIR *folder = opendir(dir);
    if (!folder) {
        if (errno == ENOENT) return 0;
        snprintf(error, error_size, "cannot read the spool directory %s: %s", dir, strerror(errno));
        return -1;
    }
    size_t capacity = 0;
    struct dirent *entry;
    while ((entry = readdir(folder))) {
        size_t length = strlen(entry->d_name);
        if (entry->d_name[0] == '.' || length < 6 || strcmp(entry->d_name + length - 5, ".json") != 0) continue;
        if (*count == capacity) {
            capacity = capacity ? capacity * 2 : 8;
            char **grown = realloc(*paths, capacity * sizeof **paths);
            if (!grown) break;
            *paths = grown;
        }
        size_t size = strlen(dir) + length + 2;
        char *path = malloc(size);
        if (!path) break;
        snprintf(path, size, "%s/%s", dir, entry->d_name);
        (*paths)[(*count)++] = path;
    }
    closedir(folder);
    /* Names start with the time, zero-padded: sorting them is oldest first. */
    if (*count) qsort(*paths, *count, sizeof **paths, compare);
    return 0;
}

void spool_free(char **paths, size_t count) {
    for (size_t i = 0; i < count; i++) free(paths[i]);
    free(paths);
}

json_t *spool_read(const char *path, char *error, size_t error_size) {
    json_error_t problem;
    json_t *frame = json_load_file(path, 0, &problem);
    if (!frame) {
        snprintf(error, error_size, "cannot read spooled alert %s: %s", path, problem.text);
        return NULL;
    }
    if (!json_is_object(frame) || !json_is_string(json_object_get(frame, "id")) ||
        !json_is_string(json_object_get(frame, "type"))) {
        snprintf(error, error_size, "spooled alert %s is not a command with a type and an id", path);
        json_decref(frame);
        return NULL;
    }
    return frame;
}
