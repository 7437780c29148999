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

/* "<dir>/<ms>-<id>.json" → "<dir>/<ms>-<id>.files". Returns 0, or -1 if it does not fit. */
static int files_folder(const char *path, char *out, size_t size) {
    size_t length = strlen(path);
    if (length < 5 || strcmp(path + length - 5, ".json") != 0) return -1;
    int written = snprintf(out, size, "%.*s.files", (int)(length - 5), path);
    return written < 0 || (size_t)written >= size ? -1 : 0;
}

static void sync_path(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Removes a folder of files (no subfolders) and the folder. */
static void remove_folder(const char *folder) {
    DIR *entries = opendir(folder);
    if (entries) {
        struct dirent *entry;
        char path[4400];
        while ((entry = readdir(entries))) {
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
            snprintf(path, sizeof path, "%s/%s", folder, entry->d_name);
            unlink(path);
        }
        closedir(entries);
    }
    rmdir(folder);
}

/* Copies from to to (a new file), a block at a time, and makes it durable. */
static int copy_file(const char *from, const char *to, char *error, size_t error_size) {
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        snprintf(error, error_size, "cannot read %s: %s", from, strerror(errno));
        return -1;
    }
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        snprintf(error, error_size, "cannot write %s: %s", to, strerror(errno));
        close(in);
        return -1;
    }
    char buffer[65536];
    int failed = 0;
    for (;;) {
        ssize_t got = read(in, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            snprintf(error, error_size, "cannot read %s: %s", from, strerror(errno));
            failed = 1;
            break;
        }
        if (got == 0) break;
        for (ssize_t done = 0; done < got;) {
            ssize_t put = write(out, buffer + done, (size_t)(got - done));
            if (put < 0 && errno == EINTR) continue;
            if (put < 0) {
                snprintf(error, error_size, "cannot write %s: %s", to, strerror(errno));
                failed = 1;
                break;
            }
            done += put;
        }
        if (failed) break;
    }
    if (!failed && fsync(out) != 0) {
        snprintf(error, error_size, "cannot write %s: %s", to, strerror(errno));
        failed = 1;
    }
    close(in);
    close(out);
    return failed ? -1 : 0;
}

/* Copies the files into folder (created) with their list; -1 with a reason, the folder removed. */
static int write_files(const char *folder, const json_t *files, char *error, size_t error_size) {
    if (mkdir(folder, 0700) != 0) {
        snprintf(error, error_size, "cannot create %s: %s", folder, strerror(errno));
        return -1;
    }
    json_t *list = json_array();
    size_t index;
    json_t *file;
    char copy[4400], number[32];
    json_array_foreach(files, index, file) {
        const char *from = json_string_value(json_object_get(file, "path"));
        const char *name = json_string_value(json_object_get(file, "name"));
        const char *key = json_string_value(json_object_get(file, "key"));
        if (!from || !name || !key) {
            snprintf(error, error_size, "a file to spool needs a path, a name and a key");
            goto failed;
        }
        snprintf(number, sizeof number, "%zu", index + 1);
        snprintf(copy, sizeof copy, "%s/%s", folder, number);
        if (copy_file(from, copy, error, error_size) != 0) goto failed;
        json_t *entry = json_pack("{s:s, s:s, s:s}", "file", number, "name", name, "key", key);
        json_t *visibility = json_object_get(file, "visibility");
        if (json_is_string(visibility)) json_object_set(entry, "visibility", visibility);
        json_array_append_new(list, entry);
    }
    char manifest[4400], temporary[4500];
    snprintf(manifest, sizeof manifest, "%s/files.json", folder);
    snprintf(temporary, sizeof temporary, "%s.tmp", manifest);
    if (json_dump_file(list, temporary, JSON_COMPACT) != 0) {
        snprintf(error, error_size, "cannot write %s: %s", temporary, strerror(errno));
        goto failed;
    }
    sync_path(temporary);
    if (rename(temporary, manifest) != 0) {
        snprintf(error, error_size, "cannot write %s: %s", manifest, strerror(errno));
        goto failed;
    }
    sync_path(folder);
    json_decref(list);
    return 0;
failed:
    json_decref(list);
    remove_folder(folder);
    return -1;
}

int spool_write(const char *dir, const json_t *frame, char *path, size_t path_size, char *error, size_t error_size) {
    return spool_write_files(dir, frame, NULL, path, path_size, error, error_size);
}

int spool_write_files(const char *dir, const json_t *frame, const json_t *files, char *path, size_t path_size,
                      char *error, size_t error_size) {
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
    char final[4096], temporary[4200], folder[4200];
    snprintf(final, sizeof final, "%s/%013lld-%.64s.json", dir, ms, id);
    snprintf(temporary, sizeof temporary, "%s.tmp", final);
    files_folder(final, folder, sizeof folder);
    /* The files first: the alert is spooled, with all of them, once its .json is in place. */
    int with_files = files && json_array_size(files) > 0;
    if (with_files && write_files(folder, files, error, error_size) != 0) return -1;
    if (json_dump_file(frame, temporary, JSON_COMPACT) != 0) {
        snprintf(error, error_size, "cannot write %s: %s", temporary, strerror(errno));
        unlink(temporary);
        if (with_files) remove_folder(folder);
        return -1;
    }
    /* Durable before it counts as spooled: fsync the file, rename, fsync the directory. */
    sync_path(temporary);
    if (rename(temporary, final) != 0) {
        snprintf(error, error_size, "cannot write %s: %s", final, strerror(errno));
        unlink(temporary);
        if (with_files) remove_folder(folder);
        return -1;
    }
    sync_path(dir);
    if (path) snprintf(path, path_size, "%s", final);
    return 0;
}

json_t *spool_read_files(const char *path, char *error, size_t error_size) {
    char folder[4200], manifest[4400];
    if (files_folder(path, folder, sizeof folder) != 0) return json_array();
    snprintf(manifest, sizeof manifest, "%s/files.json", folder);
    struct stat about;
    if (stat(folder, &about) != 0) return json_array();
    json_error_t problem;
    json_t *list = json_load_file(manifest, 0, &problem);
    if (!json_is_array(list)) {
        snprintf(error, error_size, "cannot read the files spooled with %s: %s", path,
                 list ? "not a list" : problem.text);
        json_decref(list);
        return NULL;
    }
    json_t *left = json_array();
    size_t index;
    json_t *entry;
    json_array_foreach(list, index, entry) {
        const char *file = json_string_value(json_object_get(entry, "file"));
        const char *name = json_string_value(json_object_get(entry, "name"));
        const char *key = json_string_value(json_object_get(entry, "key"));
        /* A copy's name is a number: nothing in the list may point outside the folder. */
        if (!file || !*file || strspn(file, "0123456789") != strlen(file) || !name || !key) {
            snprintf(error, error_size, "the files spooled with %s are listed wrongly (entry %zu)", path, index + 1);
            json_decref(left);
            json_decref(list);
            return NULL;
        }
        char copy[4500];
        snprintf(copy, sizeof copy, "%s/%s", folder, file);
        if (access(copy, F_OK) != 0) continue; /* attached (or refused) already */
        json_t *out = json_pack("{s:s, s:s, s:s}", "path", copy, "name", name, "key", key);
        json_t *visibility = json_object_get(entry, "visibility");
        if (json_is_string(visibility)) json_object_set(out, "visibility", visibility);
        json_array_append_new(left, out);
    }
    json_decref(list);
    return left;
}

void spool_remove(const char *path) {
    char folder[4200];
    if (files_folder(path, folder, sizeof folder) == 0) remove_folder(folder);
    unlink(path);
}

void spool_sweep(const char *dir) {
    DIR *entries = opendir(dir);
    if (!entries) return;
    struct dirent *entry;
    char path[4400], alert[4400];
    while ((entry = readdir(entries))) {
        const char *name = entry->d_name;
        size_t length = strlen(name);
        if (name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (length > 4 && strcmp(name + length - 4, ".tmp") == 0) {
            unlink(path);
        } else if (length > 6 && strcmp(name + length - 6, ".files") == 0) {
            snprintf(alert, sizeof alert, "%s/%.*s.json", dir, (int)(length - 6), name);
            if (access(alert, F_OK) != 0) remove_folder(path);
        }
    }
    closedir(entries);
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
