/* mailgate_core.c — see mailgate_core.h. */
#define _POSIX_C_SOURCE 200809L
#include "mailgate_core.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int mailgate_parse_size(const char *text, size_t *out) {
    if (!text || *text < '0' || *text > '9') return -1;
    errno = 0;
    char *end;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0) return -1;
    unsigned long long unit = 1;
    if (*end == 'k' || *end == 'K') unit = 1024ULL, end++;
    else if (*end == 'm' || *end == 'M') unit = 1024ULL * 1024, end++;
    else if (*end == 'g' || *end == 'G') unit = 1024ULL * 1024 * 1024, end++;
    if (*end) return -1;
    if (value > (unsigned long long)MAILGATE_MAX_MAX_SIZE / unit) return -1;
    *out = (size_t)(value * unit);
    return 0;
}

int mailgate_endpoint(const char *base, char *out, size_t out_size, char *error, size_t error_size) {
    const char *host;
    if (strncasecmp(base, "http://", 7) == 0) host = base + 7;
    else if (strncasecmp(base, "https://", 8) == 0) host = base + 8;
    else {
        snprintf(error, error_size, "the hub URL must start with http:// or https:// (its base, e.g. %s), not '%.80s'",
                 MAILGATE_DEFAULT_URL, base);
        return -1;
    }
    if (*host == '\0' || *host == '/') {
        snprintf(error, error_size, "the hub URL '%.80s' has no host", base);
        return -1;
    }
    if (strpbrk(base, "?# \t\r\n")) {
        snprintf(error, error_size, "the hub URL '%.80s' must be a base URL, without a query, fragment or space", base);
        return -1;
    }
    size_t length = strlen(base);
    while (length > 0 && base[length - 1] == '/') length--;
    int written = snprintf(out, out_size, "%.*s/v1/mail", (int)length, base);
    if (written < 0 || (size_t)written >= out_size) {
        snprintf(error, error_size, "the hub URL is too long");
        return -1;
    }
    return 0;
}

static void usage_error(char *error, size_t size, const char *message) { snprintf(error, size, "%s", message); }

int mailgate_parse_arguments(mailgate_options *out, int argc, char **argv, mailgate_env env, void *context,
                             char *error, size_t error_size) {
    memset(out, 0, sizeof *out);
    out->url = env("SWARM_URL", context);
    out->token = env("SWARM_TOKEN", context);
    out->ca_file = env("SWARM_CA_FILE", context);
    out->timeout_ms = MAILGATE_DEFAULT_TIMEOUT_MS;
    out->max_size = MAILGATE_DEFAULT_MAX_SIZE;
    static const struct option options[] = {
        {"url", required_argument, 0, 'u'},     {"token-file", required_argument, 0, 'F'},
        {"ca-file", required_argument, 0, 'C'}, {"timeout", required_argument, 0, 'w'},
        {"max-size", required_argument, 0, 'm'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    /* getopt_long takes "--token" as the abbreviation of "--token-file": refuse it by name instead. */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--token") == 0 || strncmp(argv[i], "--token=", 8) == 0) {
            usage_error(error, error_size,
                        "--token is not taken (every user sees the command line in ps): use --token-file or SWARM_TOKEN");
            return MAILGATE_USAGE;
        }
    }
    /* getopt keeps its place in globals: start afresh (the tests parse many command lines), quietly
     * (the reason is ours, one line). */
    optind = 0;
    opterr = 0;
    int option;
    while ((option = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
        char *end;
        switch (option) {
        case 'u': out->url = optarg; break;
        case 'F': out->token_file = optarg; break;
        case 'C': out->ca_file = optarg; break;
        case 'w':
            errno = 0;
            out->timeout_ms = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || out->timeout_ms < 100 || out->timeout_ms > 600000) {
                usage_error(error, error_size, "--timeout must be 100 to 600000 milliseconds");
                return MAILGATE_USAGE;
            }
            break;
        case 'm':
            if (mailgate_parse_size(optarg, &out->max_size) != 0 || out->max_size == 0) {
                usage_error(error, error_size, "--max-size must be 1 byte to 1G (digits, optionally k, M or G)");
                return MAILGATE_USAGE;
            }
            break;
        case 'h': out->help = 1; return 0;
        default:
            if (optopt == 'u' || optopt == 'F' || optopt == 'C' || optopt == 'w' || optopt == 'm')
                snprintf(error, error_size, "option %.60s needs a value", argv[optind - 1]);
            else
                snprintf(error, error_size, "unknown option '%.60s' (--help lists them)", argv[optind - 1]);
            return MAILGATE_USAGE;
        }
    }
    if (optind < argc) {
        snprintf(error, error_size,
                 "unexpected argument '%.60s': the message comes on standard input (the token: --token-file or "
                 "SWARM_TOKEN)",
                 argv[optind]);
        return MAILGATE_USAGE;
    }
    if (!out->url || !*out->url) out->url = MAILGATE_DEFAULT_URL;
    if (out->ca_file && !*out->ca_file) out->ca_file = NULL;
    if (out->token && !*out->token) out->token = NULL;
    char endpoint[2048];
    if (mailgate_endpoint(out->url, endpoint, sizeof endpoint, error, error_size) != 0) return MAILGATE_USAGE;
    return 0;
}

int mailgate_read_token(const char *file, const char *from_env, char *out, size_t out_size, char *error,
                        size_t error_size) {
    if (file) {
        FILE *stream = fopen(file, "r");
        if (!stream) {
            snprintf(error, error_size, "cannot read the token file %.200s: %s", file, strerror(errno));
            return MAILGATE_TEMPFAIL;
        }
        if (!fgets(out, (int)out_size, stream)) out[0] = '\0';
        fclose(stream);
        out[strcspn(out, "\r\n")] = '\0';
        if (!out[0]) {
            snprintf(error, error_size, "the token file %.200s is empty", file);
            return MAILGATE_TEMPFAIL;
        }
        return 0;
    }
    if (!from_env || !*from_env) {
        snprintf(error, error_size, "no token: give --token-file or SWARM_TOKEN");
        return MAILGATE_TEMPFAIL;
    }
    if (strlen(from_env) >= out_size) {
        snprintf(error, error_size, "SWARM_TOKEN is too long");
        return MAILGATE_TEMPFAIL;
    }
    snprintf(out, out_size, "%s", from_env);
    return 0;
}

int mailgate_read_message(int fd, size_t max_size, mailgate_message *out, char *error, size_t error_size) {
    memset(out, 0, sizeof *out);
    out->fd = -1;
    struct stat info;
    if (fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) {
        /* A file: its size is known, and it is sent from where it is, never copied into memory. */
        off_t at = lseek(fd, 0, SEEK_CUR);
        if (at >= 0) {
            off_t left = info.st_size > at ? info.st_size - at : 0;
            if ((unsigned long long)left > (unsigned long long)max_size) {
                snprintf(error, error_size, "the message has %lld bytes; the limit is %zu (--max-size)",
                         (long long)left, max_size);
                out->too_large = 1;
                return MAILGATE_REFUSED;
            }
            if (left == 0) {
                snprintf(error, error_size, "no message on standard input");
                return MAILGATE_REFUSED;
            }
            out->fd = fd;
            out->length = (size_t)left;
            return 0;
        }
    }
    /* A pipe: read into memory, which grows with the message up to max_size + 1 bytes (one more than
     * allowed tells a message just too large from one exactly at the limit). */
    size_t capacity = 0, length = 0;
    char *data = NULL;
    for (;;) {
        if (length == capacity) {
            if (capacity == max_size + 1) break;
            size_t grown = capacity ? capacity * 2 : 64 * 1024;
            if (grown > max_size + 1 || grown < capacity) grown = max_size + 1;
            char *larger = realloc(data, grown);
            if (!larger) {
                free(data);
                snprintf(error, error_size, "out of memory reading a message of %zu bytes or more", length);
                return MAILGATE_TEMPFAIL;
            }
            data = larger;
            capacity = grown;
        }
        ssize_t got = read(fd, data + length, capacity - length);
        if (got < 0) {
            if (errno == EINTR) continue;
            int problem = errno;
            free(data);
            snprintf(error, error_size, "cannot read the message on standard input: %s", strerror(problem));
            return MAILGATE_TEMPFAIL;
        }
        if (got == 0) break;
        length += (size_t)got;
    }
    if (length > max_size) {
        free(data);
        snprintf(error, error_size, "the message has more than %zu bytes, the limit (--max-size)", max_size);
        out->too_large = 1;
        return MAILGATE_REFUSED;
    }
    if (length == 0) {
        free(data);
        snprintf(error, error_size, "no message on standard input");
        return MAILGATE_REFUSED;
    }
    out->data = data;
    out->length = length;
    return 0;
}

void mailgate_message_free(mailgate_message *message) {
    free(message->data);
    message->data = NULL;
    message->length = 0;
}

void mailgate_one_line(char *out, size_t out_size, const char *text) {
    if (out_size == 0) return;
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p && used + 1 < out_size; p++)
        out[used++] = (*p < 0x20 || *p == 0x7F) ? ' ' : (char)*p;
    /* Cut on a character boundary: drop a trailing partial UTF-8 sequence. */
    if (text && strlen(text) > used) {
        size_t start = used;
        while (start > 0 && ((unsigned char)out[start - 1] & 0xC0) == 0x80) start--;
        if (start > 0 && (unsigned char)out[start - 1] >= 0xC0) {
            unsigned char lead = (unsigned char)out[start - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            if (used - (start - 1) < need) used = start - 1;
        }
    }
    out[used] = '\0';
}

/* "code: message" from an error body {"error": {"code", "message"}}, else the body's start. */
static void error_text(const char *body, char *out, size_t out_size) {
    out[0] = '\0';
    if (!body || !*body) {
        snprintf(out, out_size, "no error body");
        return;
    }
    json_t *root = json_loads(body, 0, NULL);
    const char *code = json_string_value(json_object_get(json_object_get(root, "error"), "code"));
    const char *message = json_string_value(json_object_get(json_object_get(root, "error"), "message"));
    char raw[400];
    if (code && message) snprintf(raw, sizeof raw, "%s: %s", code, message);
    else snprintf(raw, sizeof raw, "%s", body);
    json_decref(root);
    mailgate_one_line(out, out_size < 240 ? out_size : 240, raw);
}

static int say(char *line, size_t size, int status, const char *format, ...) __attribute__((format(printf, 4, 5)));
static int say(char *line, size_t size, int status, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(line, size, format, arguments);
    va_end(arguments);
    return status;
}

static int accepted(const char *body, char *line, size_t size) {
    json_t *root = body ? json_loads(body, 0, NULL) : NULL;
    const char *outcome = json_string_value(json_object_get(root, "outcome"));
    const char *ticket = json_string_value(json_object_get(root, "ticket"));
    const char *reason = json_string_value(json_object_get(root, "reason"));
    char why[240], number[64];
    mailgate_one_line(why, sizeof why, reason ? reason : "no reason given");
    mailgate_one_line(number, sizeof number, ticket ? ticket : "?");
    if (!outcome)
        say(line, size, 0, "delivered (202; the hub's answer has no outcome)");
    else if ((strcmp(outcome, "opened") == 0 || strcmp(outcome, "commented") == 0) && ticket)
        say(line, size, 0, "%s %s", outcome, number);
    else if (strcmp(outcome, "ignored") == 0 || strcmp(outcome, "rejected") == 0)
        say(line, size, 0, "%s: %s", outcome, why);
    else {
        char other[64];
        mailgate_one_line(other, sizeof other, outcome);
        say(line, size, 0, "%s %s", other, number);
    }
    json_decref(root);
    return MAILGATE_DELIVERED;
}

int mailgate_verdict(const mailgate_answer *answer, const char *url, char *line, size_t line_size) {
    char failure[240];
    mailgate_one_line(failure, sizeof failure, answer->failure ? answer->failure : "unknown error");
    if (answer->failed) {
        if (answer->timed_out)
            return say(line, line_size, MAILGATE_TEMPFAIL,
                       "4.4.2 swarm-mailgate: no answer from the hub at %s in time (--timeout): %s", url, failure);
        return say(line, line_size, MAILGATE_TEMPFAIL, "4.4.1 swarm-mailgate: cannot reach the hub at %s: %s", url,
                   failure);
    }
    long status = answer->status;
    if (status == 202) return accepted(answer->body, line, line_size);
    char text[240], retry[64] = "";
    error_text(answer->body, text, sizeof text);
    if (answer->retry_after && *answer->retry_after) {
        char value[32];
        mailgate_one_line(value, sizeof value, answer->retry_after);
        snprintf(retry, sizeof retry, ", Retry-After %s", value);
    }
    switch (status) {
    case 400:
        return say(line, line_size, MAILGATE_REFUSED, "5.6.0 swarm-mailgate: the hub refused the message (400): %s",
                   text);
    case 413:
        return say(line, line_size, MAILGATE_REFUSED, "5.3.4 swarm-mailgate: the message is too large for the hub (413): %s",
                   text);
    case 401:
    case 403:
        return say(line, line_size, MAILGATE_TEMPFAIL,
                   "4.7.0 swarm-mailgate: the hub at %s refused the token (%ld): %s; the mail waits in the queue "
                   "until the token is fixed",
                   url, status, text);
    case 404:
    case 405:
        return say(line, line_size, MAILGATE_TEMPFAIL,
                   "4.3.5 swarm-mailgate: %s answered %ld: not a hub with POST /v1/mail (check --url, or the hub's "
                   "version): %s",
                   url, status, text);
    case 429:
        return say(line, line_size, MAILGATE_TEMPFAIL, "4.3.2 swarm-mailgate: the hub is busy (429%s): %s", retry,
                   text);
    case 503:
        return say(line, line_size, MAILGATE_TEMPFAIL, "4.3.2 swarm-mailgate: the hub is unavailable (503%s): %s",
                   retry, text);
    default: break;
    }
    if (status >= 500)
        return say(line, line_size, MAILGATE_TEMPFAIL, "4.3.0 swarm-mailgate: the hub failed (%ld%s): %s", status,
                   retry, text);
    if (status >= 300 && status < 400)
        return say(line, line_size, MAILGATE_TEMPFAIL,
                   "4.3.5 swarm-mailgate: %s answered %ld, a redirect (not followed): check --url", url, status);
    /* Any other answer (another 2xx, a 4xx the hub does not give for mail): kept and retried, so that no
     * mail is lost to a proxy's or an older hub's surprise; the MTA bounces it at its queue lifetime. */
    return say(line, line_size, MAILGATE_TEMPFAIL, "4.3.5 swarm-mailgate: unexpected answer %ld from %s: %s", status,
               url, text);
}
