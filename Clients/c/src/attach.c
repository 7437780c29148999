/* attach.c — libswarm's REST calls: the hub's limits and a file onto a ticket (include/swarm.h).
 *
 * Why libcurl beside libwebsockets: an upload is one plain, blocking request whose body comes from a
 * file, with Content-Length, https and a CA file; libcurl does exactly that with a read callback (as
 * swarm-mailgate does, src/mailgate.c), where libwebsockets' HTTP client would need its event loop and
 * a body-writing state machine of our own.
 */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rest.h"
#include "swarm.h"

/* The hub's answers here are small JSON objects; a longer body is not one of them. */
enum { ANSWER_MAX = 1 << 20, KEY_MAX = 128, TOKEN_MAX = 1000 };

int swarm_percent_encode(const char *text, char *out, size_t out_size) {
    static const char hex[] = "0123456789ABCDEF";
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        unsigned char c = *p;
        /* Spelled out rather than isalnum(): the locale must not widen what is sent unencoded. */
        int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~';
        if (used + (plain ? 1 : 3) >= out_size) return -1;
        if (plain) {
            out[used++] = (char)c;
        } else {
            out[used++] = '%';
            out[used++] = hex[c >> 4];
            out[used++] = hex[c & 15];
        }
    }
    if (used >= out_size) return -1;
    out[used] = '\0';
    return 0;
}

void swarm_base_name(const char *path, char *out, size_t out_size) {
    if (out_size == 0) return;
    size_t end = strlen(path);
    while (end > 1 && path[end - 1] == '/') end--;
    size_t start = end;
    while (start > 0 && path[start - 1] != '/') start--;
    size_t length = end - start;
    if (length >= out_size) length = out_size - 1;
    memcpy(out, path + start, length);
    out[length] = '\0';
}

swarm_status swarm_rest_url(const char *url, const char *path, char *out, size_t out_size, swarm_error *error) {
    swarm_url parsed;
    swarm_status status = swarm_parse_url(url, &parsed, error);
    if (status != SWARM_OK) return status;
    if (!path || path[0] != '/' || !out || out_size == 0) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "a REST path must start with '/'");
        return SWARM_ERR_ARGUMENT;
    }
    static const char endpoint[] = "/v1/ws";
    size_t length = strlen(parsed.path), tail = sizeof endpoint - 1;
    if (length < tail || strcmp(parsed.path + length - tail, endpoint) != 0) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "",
                        "hub URL '%s' names no REST address: its path must end in /v1/ws (a prefix before it is "
                        "kept: wss://host/swarm/v1/ws → https://host/swarm/v1/…)",
                        url);
        return SWARM_ERR_ARGUMENT;
    }
    /* The port only when it is not the scheme's: the address reads as people write it. */
    char port[16] = "";
    if (parsed.port != (parsed.tls ? 443 : 80)) snprintf(port, sizeof port, ":%d", parsed.port);
    int written = snprintf(out, out_size, "%s://%s%s%.*s%s", parsed.tls ? "https" : "http", parsed.host, port,
                           (int)(length - tail), parsed.path, path);
    if (written < 0 || (size_t)written >= out_size) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "the REST address for hub URL '%s' is too long", url);
        return SWARM_ERR_ARGUMENT;
    }
    return SWARM_OK;
}

swarm_status swarm_answer_error(long http_status, const char *body, size_t length, const char *url,
                                swarm_error *error) {
    json_t *root = body && length ? json_loadb(body, length, 0, NULL) : NULL;
    json_t *problem = json_object_get(root, "error");
    const char *code = json_string_value(json_object_get(problem, "code"));
    const char *message = json_string_value(json_object_get(problem, "message"));
    swarm_status status;
    if (http_status == 401) {
        status = SWARM_ERR_UNAUTHORIZED;
        swarm_set_error(error, status, "unauthorized", "%s",
                        message ? message : "the hub refused the token (HTTP 401)");
    } else if (code && *code && message) {
        status = SWARM_ERR_REFUSED;
        swarm_set_error(error, status, code, "%s", message);
    } else if (http_status == 502 || http_status == 503 || http_status == 504) {
        status = SWARM_ERR_CONNECT;
        swarm_set_error(error, status, "",
                        "cannot reach the hub at %s: HTTP %ld without the hub's answer (a proxy whose hub is away?)",
                        url, http_status);
    } else {
        status = SWARM_ERR_PROTOCOL;
        swarm_set_error(error, status, "",
                        "HTTP %ld from %s is not an answer of the hub's API (a hub without this route, or a wrong "
                        "path prefix in the URL?)",
                        http_status, url);
    }
    json_decref(root);
    return status;
}

/* Opens path for reading if it is a regular file; *fd and *size on SWARM_OK. */
static swarm_status open_file(const char *path, int *fd, long long *size, swarm_error *error) {
    if (!path || !*path) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "no file given");
        return SWARM_ERR_ARGUMENT;
    }
    /* O_NONBLOCK: opening a FIFO with no writer would otherwise wait for one, forever. */
    int opened = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (opened < 0) {
        if (errno == ENOENT) swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "no file %s", path);
        else swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "cannot read %s: %s", path, strerror(errno));
        return SWARM_ERR_ARGUMENT;
    }
    struct stat about;
    if (fstat(opened, &about) != 0) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "cannot read %s: %s", path, strerror(errno));
        close(opened);
        return SWARM_ERR_ARGUMENT;
    }
    if (S_ISDIR(about.st_mode)) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "%s is a directory; attach its files one by one", path);
        close(opened);
        return SWARM_ERR_ARGUMENT;
    }
    if (!S_ISREG(about.st_mode)) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "%s is not a regular file", path);
        close(opened);
        return SWARM_ERR_ARGUMENT;
    }
    /* open() reads nothing: a file whose reads fail (some FUSE, network or /proc files) says so now
     * rather than half way through the upload. */
    char probe;
    if (pread(opened, &probe, 1, 0) < 0 && errno != EAGAIN) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "cannot read %s: %s", path, strerror(errno));
        close(opened);
        return SWARM_ERR_ARGUMENT;
    }
    *fd = opened;
    if (size) *size = (long long)about.st_size;
    return SWARM_OK;
}

swarm_status swarm_check_file(const char *path, long long *size, swarm_error *error) {
    int fd;
    swarm_status status = open_file(path, &fd, size, error);
    if (status == SWARM_OK) close(fd);
    return status;
}

/* The body of an answer, kept up to ANSWER_MAX bytes. */
typedef struct {
    char *data;
    size_t length, capacity;
    int overflow;
} answer_buffer;

static size_t keep_answer(char *data, size_t size, size_t count, void *context) {
    answer_buffer *answer = context;
    size_t bytes = size * count;
    if (answer->length + bytes > ANSWER_MAX) {
        answer->overflow = 1;
        return 0; /* ends the transfer: CURLE_WRITE_ERROR */
    }
    if (answer->length + bytes + 1 > answer->capacity) {
        size_t capacity = (answer->length + bytes + 1) * 2;
        char *grown = realloc(answer->data, capacity);
        if (!grown) return 0;
        answer->data = grown;
        answer->capacity = capacity;
    }
    memcpy(answer->data + answer->length, data, bytes);
    answer->length += bytes;
    answer->data[answer->length] = '\0';
    return bytes;
}

/* An upload's body: `left` more bytes of fd, read as libcurl asks for them (its buffer, 64 KiB). */
typedef struct {
    int fd;
    curl_off_t left;
    int shrank;
    int read_error;
} upload_source;

static size_t read_file(char *buffer, size_t size, size_t count, void *context) {
    upload_source *source = context;
    size_t room = size * count;
    if ((curl_off_t)room > source->left) room = (size_t)source->left;
    if (room == 0) return 0;
    for (;;) {
        ssize_t got = read(source->fd, buffer, room);
        if (got > 0) {
            source->left -= got;
            return (size_t)got;
        }
        if (got < 0 && errno == EINTR) continue;
        /* Fewer bytes than announced: abort, never let a short body pass for the whole file. */
        if (got == 0) source->shrank = 1;
        else source->read_error = errno;
        return CURL_READFUNC_ABORT;
    }
}

/* One request: GET url, or POST the upload when there is one. On SWARM_OK *http_status and *answer
 * are the hub's answer (the caller frees answer->data); failures of the exchange itself are mapped
 * here. `file` names the upload in messages. */
static swarm_status perform(const swarm_options *options, const char *url, upload_source *upload,
                            const char *file, const char *idempotency_key, long *http_status, answer_buffer *answer,
                            swarm_error *error) {
    CURL *curl = curl_easy_init();
    if (!curl) {
        swarm_set_error(error, SWARM_ERR_MEMORY, "", "libcurl could not start");
        return SWARM_ERR_MEMORY;
    }
    char authorization[TOKEN_MAX + 32], key[KEY_MAX + 32];
    struct curl_slist *headers = NULL, *more;
    const char *lines[6];
    size_t count = 0;
    lines[count++] = "Accept: application/json";
    if (options->token) {
        snprintf(authorization, sizeof authorization, "Authorization: Bearer %s", options->token);
        lines[count++] = authorization;
    }
    if (upload) {
        /* The hub names a file's type by its bytes; this only says it is bytes. */
        lines[count++] = "Content-Type: application/octet-stream";
        /* No "Expect: 100-continue" (libcurl's default above 1 MB): a hub that does not answer 100
         * would hold every large upload for libcurl's wait; the limits were asked first instead. */
        lines[count++] = "Expect:";
        snprintf(key, sizeof key, "Idempotency-Key: %s", idempotency_key);
        lines[count++] = key;
    }
    int built = 1;
    for (size_t i = 0; i < count; i++) {
        more = curl_slist_append(headers, lines[i]);
        if (more) headers = more;
        else built = 0;
    }
    if (!built) {
        curl_slist_free_all(headers);
        curl_easy_cleanup(curl);
        swarm_set_error(error, SWARM_ERR_MEMORY, "", "out of memory");
        return SWARM_ERR_MEMORY;
    }
    int timeout_ms = options->timeout_ms > 0 ? options->timeout_ms : 10000;
    char failure[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "libswarm/1");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_answer);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, answer);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, failure);
    /* A library must not touch signals: no SIGALRM for timeouts, no SIGPIPE handler (libcurl sends with
     * MSG_NOSIGNAL). */
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
    /* Not a timeout over the whole request, which a large file on a slow link would exceed: a stretch
     * of timeout_ms in which not a byte moves either way fails it. */
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, (long)((timeout_ms + 999) / 1000));
    /* The hub is addressed directly, as its WebSocket is: an http_proxy in the environment is not for it. */
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    if (options->ca_file) curl_easy_setopt(curl, CURLOPT_CAINFO, options->ca_file);
    if (options->insecure) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (upload) {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, upload->left);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_file);
        curl_easy_setopt(curl, CURLOPT_READDATA, upload);
    }
    CURLcode code = curl_easy_perform(curl);
    swarm_status status = SWARM_OK;
    if (code == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, http_status);
    } else if (upload && upload->shrank) {
        status = SWARM_ERR_ARGUMENT;
        swarm_set_error(error, status, "", "%s became shorter while it was sent; nothing was attached", file);
    } else if (upload && upload->read_error) {
        status = SWARM_ERR_ARGUMENT;
        swarm_set_error(error, status, "", "reading %s failed while it was sent: %s; nothing was attached", file,
                        strerror(upload->read_error));
    } else if (answer->overflow) {
        status = SWARM_ERR_PROTOCOL;
        swarm_set_error(error, status, "", "the answer from %s is longer than %d bytes: not the hub's", url,
                        ANSWER_MAX);
    } else if (code == CURLE_OPERATION_TIMEDOUT) {
        status = SWARM_ERR_TIMEOUT;
        swarm_set_error(error, status, "", "no progress with the hub at %s within %d ms", url, timeout_ms);
    } else if (code == CURLE_OUT_OF_MEMORY) {
        status = SWARM_ERR_MEMORY;
        swarm_set_error(error, status, "", "out of memory");
    } else {
        /* Refused connections, names that do not resolve, TLS and certificate failures, broken
         * connections: as swarm_connect() reports them. */
        status = SWARM_ERR_CONNECT;
        swarm_set_error(error, status, "", "cannot reach the hub at %s: %s", url,
                        failure[0] ? failure : curl_easy_strerror(code));
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return status;
}

static swarm_status check_options(const swarm_options *options, swarm_error *error) {
    if (!options) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "no options");
        return SWARM_ERR_ARGUMENT;
    }
    if (options->token && strlen(options->token) > TOKEN_MAX) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "the token is longer than %d characters", TOKEN_MAX);
        return SWARM_ERR_ARGUMENT;
    }
    return SWARM_OK;
}

static swarm_status start_curl(swarm_error *error) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        swarm_set_error(error, SWARM_ERR_MEMORY, "", "libcurl could not start");
        return SWARM_ERR_MEMORY;
    }
    return SWARM_OK;
}

/* GET /v1/limits, libcurl started. */
static swarm_status get_limits(const swarm_options *options, swarm_limits *limits, swarm_error *error) {
    char url[1024];
    swarm_status status = swarm_rest_url(options->url, "/v1/limits", url, sizeof url, error);
    if (status != SWARM_OK) return status;
    answer_buffer answer = {NULL, 0, 0, 0};
    long http_status = 0;
    status = perform(options, url, NULL, NULL, NULL, &http_status, &answer, error);
    if (status == SWARM_OK && http_status != 200) {
        status = swarm_answer_error(http_status, answer.data, answer.length, url, error);
    } else if (status == SWARM_OK) {
        json_t *root = answer.data ? json_loadb(answer.data, answer.length, 0, NULL) : NULL;
        json_t *file = json_object_get(root, "attachmentMaxFile");
        if (!json_is_integer(file)) {
            status = SWARM_ERR_PROTOCOL;
            swarm_set_error(error, status, "", "the answer from %s has no attachmentMaxFile", url);
        } else {
            limits->attachment_max_file = json_integer_value(file);
            limits->attachment_max_ticket = json_integer_value(json_object_get(root, "attachmentMaxTicket"));
            limits->max_frame_size = json_integer_value(json_object_get(root, "maxFrameSize"));
        }
        json_decref(root);
    }
    free(answer.data);
    return status;
}

swarm_status swarm_get_limits(const swarm_options *options, swarm_limits *limits, swarm_error *error) {
    swarm_status status = check_options(options, error);
    if (status != SWARM_OK) return status;
    if (!limits) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "no limits to fill");
        return SWARM_ERR_ARGUMENT;
    }
    memset(limits, 0, sizeof *limits);
    status = start_curl(error);
    if (status != SWARM_OK) return status;
    status = get_limits(options, limits, error);
    curl_global_cleanup();
    return status;
}

/* POST the open file, libcurl started: the hub's answer in *answer on SWARM_OK. */
static swarm_status post_file(const swarm_options *options, const char *url, int fd, long long size, const char *path,
                              const char *key, json_t **answer, swarm_error *error) {
    upload_source source = {fd, (curl_off_t)size, 0, 0};
    answer_buffer body = {NULL, 0, 0, 0};
    long http_status = 0;
    swarm_status status = perform(options, url, &source, path, key, &http_status, &body, error);
    if (status == SWARM_OK && http_status != 201 && http_status != 200) {
        status = swarm_answer_error(http_status, body.data, body.length, url, error);
    } else if (status == SWARM_OK) {
        json_t *root = body.data ? json_loadb(body.data, body.length, 0, NULL) : NULL;
        if (!json_is_object(json_object_get(root, "attachment"))) {
            status = SWARM_ERR_PROTOCOL;
            swarm_set_error(error, status, "", "the hub's answer to the upload of %s has no attachment", path);
            json_decref(root);
        } else if (answer) {
            *answer = root;
        } else {
            json_decref(root);
        }
    }
    free(body.data);
    return status;
}

swarm_status swarm_attach(const swarm_options *options, const char *ticket, const char *path, const char *name,
                          swarm_visibility visibility, const char *idempotency_key, json_t **answer,
                          swarm_error *error) {
    if (answer) *answer = NULL;
    swarm_status status = check_options(options, error);
    if (status != SWARM_OK) return status;
    if (!ticket || !*ticket) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "no ticket to attach to");
        return SWARM_ERR_ARGUMENT;
    }
    if (name && !*name) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "the name to attach %s under is empty", path ? path : "");
        return SWARM_ERR_ARGUMENT;
    }
    char key[KEY_MAX + 1];
    if (idempotency_key) {
        size_t length = strlen(idempotency_key);
        if (length < 1 || length > KEY_MAX) {
            swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "an idempotency key must have 1 to %d characters",
                            KEY_MAX);
            return SWARM_ERR_ARGUMENT;
        }
        memcpy(key, idempotency_key, length + 1);
    } else {
        swarm_new_id(key);
    }
    const char *visibilities[] = {NULL, "internal", "public"};
    if ((int)visibility < 0 || (int)visibility > 2) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "unknown visibility %d", (int)visibility);
        return SWARM_ERR_ARGUMENT;
    }
    /* The URL first: a bad hub URL is the caller's mistake whatever the file. */
    char base[1024];
    status = swarm_rest_url(options->url, "/v1/tickets/", base, sizeof base, error);
    if (status != SWARM_OK) return status;
    int fd = -1;
    long long size = 0;
    status = open_file(path, &fd, &size, error);
    if (status != SWARM_OK) return status;

    char own_name[1024];
    if (!name) {
        swarm_base_name(path, own_name, sizeof own_name);
        name = own_name;
    }
    size_t name_room = strlen(name) * 3 + 1, ticket_room = strlen(ticket) * 3 + 1;
    size_t url_room = strlen(base) + ticket_room + name_room + 64;
    char *encoded_name = malloc(name_room), *encoded_ticket = malloc(ticket_room), *url = malloc(url_room);
    if (!encoded_name || !encoded_ticket || !url) {
        status = SWARM_ERR_MEMORY;
        swarm_set_error(error, status, "", "out of memory");
        goto done;
    }
    swarm_percent_encode(name, encoded_name, name_room);
    swarm_percent_encode(ticket, encoded_ticket, ticket_room);
    snprintf(url, url_room, "%s%s/attachments?name=%s%s%s", base, encoded_ticket, encoded_name,
             visibilities[visibility] ? "&visibility=" : "", visibilities[visibility] ? visibilities[visibility] : "");

    status = start_curl(error);
    if (status != SWARM_OK) goto done;
    /* The hub's limit first: a file over it is refused here with the numbers, before a byte is sent,
     * rather than after the hub has read up to its limit of it. */
    swarm_limits limits;
    status = get_limits(options, &limits, error);
    if (status == SWARM_OK && size > limits.attachment_max_file) {
        status = SWARM_ERR_REFUSED;
        swarm_set_error(error, status, "too_large", "%s has %lld bytes, %lld over the hub's limit of %lld bytes per file",
                        path, size, size - limits.attachment_max_file, limits.attachment_max_file);
    }
    if (status == SWARM_OK) status = post_file(options, url, fd, size, path, key, answer, error);
    curl_global_cleanup();
done:
    free(encoded_name);
    free(encoded_ticket);
    free(url);
    close(fd);
    return status;
}
