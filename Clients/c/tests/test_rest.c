/* Unit tests of libswarm's REST side (src/attach.c, cmocka): the REST address a WebSocket URL names,
 * encoding, the file checks, how an answer maps to a status, and swarm_attach() against a stand-in HTTP
 * server on loopback (a thread of this process) that plays the hub's answers and records what came —
 * so that "refused before a byte is sent" is checked by what the server saw. The real hub is
 * Tests/Monitoring/notify_test.py's (tests/test_client.c). */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rest.h"
#include "swarm.h"

static void rest_urls(void **state) {
    (void)state;
    char out[256];
    swarm_error error;
    assert_int_equal(swarm_rest_url("ws://127.0.0.1:8080/v1/ws", "/v1/limits", out, sizeof out, &error), SWARM_OK);
    assert_string_equal(out, "http://127.0.0.1:8080/v1/limits");
    /* No path: swarm_parse_url's /v1/ws. The scheme's own port is left out. */
    assert_int_equal(swarm_rest_url("wss://hub.example", "/v1/limits", out, sizeof out, &error), SWARM_OK);
    assert_string_equal(out, "https://hub.example/v1/limits");
    assert_int_equal(swarm_rest_url("ws://hub:80/v1/ws", "/v1/x", out, sizeof out, &error), SWARM_OK);
    assert_string_equal(out, "http://hub/v1/x");
    assert_int_equal(swarm_rest_url("wss://hub:8443/v1/ws", "/v1/x", out, sizeof out, &error), SWARM_OK);
    assert_string_equal(out, "https://hub:8443/v1/x");
    /* A hub behind a proxy under a prefix: the prefix is kept. */
    assert_int_equal(swarm_rest_url("wss://example.org/swarm/v1/ws", "/v1/limits", out, sizeof out, &error),
                     SWARM_OK);
    assert_string_equal(out, "https://example.org/swarm/v1/limits");
    assert_int_equal(swarm_rest_url("ws://h:9/a/b/v1/ws", "/v1/tickets/", out, sizeof out, &error), SWARM_OK);
    assert_string_equal(out, "http://h:9/a/b/v1/tickets/");
    /* A path that does not end in /v1/ws names no REST address. */
    assert_int_equal(swarm_rest_url("ws://h/ws", "/v1/limits", out, sizeof out, &error), SWARM_ERR_ARGUMENT);
    assert_string_equal(error.message, "hub URL 'ws://h/ws' names no REST address: its path must end in /v1/ws (a "
                                       "prefix before it is kept: wss://host/swarm/v1/ws → https://host/swarm/v1/…)");
    assert_int_equal(swarm_rest_url("ws://h/v1/ws/", "/v1/limits", out, sizeof out, &error), SWARM_ERR_ARGUMENT);
    assert_int_equal(swarm_rest_url("ws://h/v1/ws?x=1", "/v1/limits", out, sizeof out, &error), SWARM_ERR_ARGUMENT);
    assert_int_equal(swarm_rest_url("http://h/v1/ws", "/v1/limits", out, sizeof out, &error), SWARM_ERR_ARGUMENT);
    assert_string_equal(error.message, "hub URL 'http://h/v1/ws' must start with ws:// or wss://");
    assert_int_equal(swarm_rest_url("ws://h/v1/ws", "v1/limits", out, sizeof out, &error), SWARM_ERR_ARGUMENT);
    char small[16];
    assert_int_equal(swarm_rest_url("ws://127.0.0.1:8080/v1/ws", "/v1/limits", small, sizeof small, &error),
                     SWARM_ERR_ARGUMENT);
    assert_string_equal(error.message, "the REST address for hub URL 'ws://127.0.0.1:8080/v1/ws' is too long");
}

static void encoding_and_names(void **state) {
    (void)state;
    char out[128];
    assert_int_equal(swarm_percent_encode("a b/c&d=e#f?g+h%.txt", out, sizeof out), 0);
    assert_string_equal(out, "a%20b%2Fc%26d%3De%23f%3Fg%2Bh%25.txt");
    assert_int_equal(swarm_percent_encode("Prüf-Bericht_1~.pdf", out, sizeof out), 0);
    assert_string_equal(out, "Pr%C3%BCf-Bericht_1~.pdf");
    assert_int_equal(swarm_percent_encode("", out, sizeof out), 0);
    assert_string_equal(out, "");
    char small[4];
    assert_int_equal(swarm_percent_encode("abc", small, sizeof small), 0);
    assert_int_equal(swarm_percent_encode("abcd", small, sizeof small), -1);
    assert_int_equal(swarm_percent_encode("a b", small, sizeof small), -1);
    swarm_base_name("/var/log/backup.log", out, sizeof out);
    assert_string_equal(out, "backup.log");
    swarm_base_name("backup.log", out, sizeof out);
    assert_string_equal(out, "backup.log");
    swarm_base_name("logs/", out, sizeof out);
    assert_string_equal(out, "logs");
    swarm_base_name("/", out, sizeof out);
    assert_string_equal(out, ""); /* the hub names a file without a name "attachment" */
}

static void answers_mapped(void **state) {
    (void)state;
    swarm_error error;
    const char *url = "http://h/v1/tickets/T-1/attachments";
    const char *too_large = "{\"error\":{\"code\":\"too_large\",\"message\":\"the file has 11 bytes, 1 over the limit of "
                            "10 bytes per file\"}}";
    assert_int_equal(swarm_answer_error(413, too_large, strlen(too_large), url, &error), SWARM_ERR_REFUSED);
    assert_string_equal(error.code, "too_large");
    assert_string_equal(error.message, "the file has 11 bytes, 1 over the limit of 10 bytes per file");
    const char *infected = "{\"error\":{\"code\":\"infected\",\"message\":\"the file carries Eicar; it was not "
                           "attached\"}}";
    assert_int_equal(swarm_answer_error(422, infected, strlen(infected), url, &error), SWARM_ERR_REFUSED);
    assert_string_equal(error.code, "infected");
    const char *unauthorized = "{\"error\":{\"code\":\"unauthorized\",\"message\":\"unknown or revoked token\"}}";
    assert_int_equal(swarm_answer_error(401, unauthorized, strlen(unauthorized), url, &error), SWARM_ERR_UNAUTHORIZED);
    assert_string_equal(error.code, "unauthorized");
    assert_string_equal(error.message, "unknown or revoked token");
    assert_int_equal(swarm_answer_error(401, NULL, 0, url, &error), SWARM_ERR_UNAUTHORIZED);
    assert_string_equal(error.message, "the hub refused the token (HTTP 401)");
    /* The hub's 503 (its virus scanner away) is its answer: refused, with the code that says "later". */
    const char *unavailable = "{\"error\":{\"code\":\"unavailable\",\"message\":\"the virus scanner is not "
                              "available; nothing was attached\"}}";
    assert_int_equal(swarm_answer_error(503, unavailable, strlen(unavailable), url, &error), SWARM_ERR_REFUSED);
    assert_string_equal(error.code, "unavailable");
    /* A proxy's 502/503/504 page: the hub is not reachable behind it. */
    const char *page = "<html><body>502 Bad Gateway</body></html>";
    assert_int_equal(swarm_answer_error(502, page, strlen(page), url, &error), SWARM_ERR_CONNECT);
    assert_string_equal(error.code, "");
    assert_string_equal(error.message, "cannot reach the hub at http://h/v1/tickets/T-1/attachments: HTTP 502 without "
                                       "the hub's answer (a proxy whose hub is away?)");
    /* A plain 404: no such route (an older hub, a wrong prefix). */
    assert_int_equal(swarm_answer_error(404, "Not Found", 9, url, &error), SWARM_ERR_PROTOCOL);
    assert_string_equal(error.message, "HTTP 404 from http://h/v1/tickets/T-1/attachments is not an answer of the "
                                       "hub's API (a hub without this route, or a wrong path prefix in the URL?)");
    const char *no_message = "{\"error\":{\"code\":\"conflict\"}}";
    assert_int_equal(swarm_answer_error(409, no_message, strlen(no_message), url, &error), SWARM_ERR_PROTOCOL);
    /* The body need not be NUL-terminated: only `length` bytes count. */
    const char *not_found = "{\"error\":{\"code\":\"not_found\",\"message\":\"no ticket T-9\"}}trailing";
    assert_int_equal(swarm_answer_error(404, not_found, strlen(not_found) - 8, url, &error), SWARM_ERR_REFUSED);
    assert_string_equal(error.code, "not_found");
    assert_string_equal(error.message, "no ticket T-9");
}

/* A folder of files for one test, removed by the test. */
static void write_file(const char *path, const void *bytes, size_t length) {
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(bytes, 1, length, file), length);
    fclose(file);
}

static void files_checked(void **state) {
    (void)state;
    char dir[] = "/tmp/swarm-rest-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], message[512];
    swarm_error error;
    long long size = -1;
    snprintf(path, sizeof path, "%s/report.txt", dir);
    write_file(path, "12345", 5);
    assert_int_equal(swarm_check_file(path, &size, &error), SWARM_OK);
    assert_int_equal(size, 5);
    snprintf(path, sizeof path, "%s/missing.txt", dir);
    assert_int_equal(swarm_check_file(path, &size, &error), SWARM_ERR_ARGUMENT);
    snprintf(message, sizeof message, "no file %s", path);
    assert_string_equal(error.message, message);
    assert_int_equal(swarm_check_file(dir, &size, &error), SWARM_ERR_ARGUMENT);
    snprintf(message, sizeof message, "%s is a directory; attach its files one by one", dir);
    assert_string_equal(error.message, message);
    /* A FIFO without a writer: refused at once (not waited on), it has no size to announce. */
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(swarm_check_file(path, &size, &error), SWARM_ERR_ARGUMENT);
    snprintf(message, sizeof message, "%s is not a regular file", path);
    assert_string_equal(error.message, message);
    unlink(path);
    snprintf(path, sizeof path, "%s/secret.txt", dir);
    write_file(path, "x", 1);
    chmod(path, 0);
    if (geteuid() != 0) { /* root reads it all the same */
        assert_int_equal(swarm_check_file(path, &size, &error), SWARM_ERR_ARGUMENT);
        snprintf(message, sizeof message, "cannot read %s: Permission denied", path);
        assert_string_equal(error.message, message);
    }
    unlink(path);
    /* A regular file whose reads fail (at offset 0 nothing is mapped): said now, not half way through. */
    assert_int_equal(swarm_check_file("/proc/self/mem", &size, &error), SWARM_ERR_ARGUMENT);
    assert_string_equal(error.message, "cannot read /proc/self/mem: Input/output error");
    assert_int_equal(swarm_check_file("", &size, &error), SWARM_ERR_ARGUMENT);
    assert_string_equal(error.message, "no file given");
    snprintf(path, sizeof path, "%s/report.txt", dir);
    unlink(path);
    rmdir(dir);
}

/* ---- A stand-in hub: answers a script of HTTP answers in order, one per connection, and keeps what came. */

enum { MAX_EXCHANGES = 4 };

typedef struct {
    int status;
    const char *body;
    int silent; /* read the request, answer nothing (a hub that hangs) */
} scripted;

typedef struct {
    char line[1024];
    char authorization[256];
    char key[256];
    unsigned char *body;
    size_t body_length;
} received;

typedef struct {
    int listener, port;
    scripted script[MAX_EXCHANGES];
    size_t count;
    received got[MAX_EXCHANGES];
    size_t served;
    volatile int stop;
    pthread_t thread;
} fake_hub;

static void header_value(const char *head, const char *name, char *out, size_t size) {
    out[0] = '\0';
    size_t length = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, name, length) == 0 && line[2 + length] == ':') {
            const char *value = line + 3 + length;
            while (*value == ' ') value++;
            snprintf(out, size, "%.*s", (int)strcspn(value, "\r\n"), value);
            return;
        }
    }
}

static void serve_one(fake_hub *hub, int connection) {
    received *got = &hub->got[hub->served];
    const scripted *answer = &hub->script[hub->served];
    char head[8192];
    size_t used = 0;
    char *end = NULL;
    while (!end && used < sizeof head - 1) {
        ssize_t n = recv(connection, head + used, sizeof head - 1 - used, 0);
        if (n <= 0) return;
        used += (size_t)n;
        head[used] = '\0';
        end = strstr(head, "\r\n\r\n");
    }
    if (!end) return;
    snprintf(got->line, sizeof got->line, "%.*s", (int)strcspn(head, "\r\n"), head);
    header_value(head, "Authorization", got->authorization, sizeof got->authorization);
    header_value(head, "Idempotency-Key", got->key, sizeof got->key);
    char length_text[32];
    header_value(head, "Content-Length", length_text, sizeof length_text);
    size_t length = length_text[0] ? (size_t)strtoull(length_text, NULL, 10) : 0;
    got->body = malloc(length + 1);
    size_t already = used - (size_t)(end + 4 - head);
    if (already > length) already = length;
    memcpy(got->body, end + 4, already);
    got->body_length = already;
    while (got->body_length < length) {
        ssize_t n = recv(connection, got->body + got->body_length, length - got->body_length, 0);
        if (n <= 0) break;
        got->body_length += (size_t)n;
    }
    hub->served++;
    if (answer->silent) {
        /* Hang until the client gives up. */
        char byte;
        while (!hub->stop && recv(connection, &byte, 1, 0) > 0) {
        }
        return;
    }
    char response[4096];
    int n = snprintf(response, sizeof response,
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s",
                     answer->status, strlen(answer->body), answer->body);
    send(connection, response, (size_t)n, MSG_NOSIGNAL);
}

static void *serve(void *context) {
    fake_hub *hub = context;
    while (!hub->stop && hub->served < hub->count) {
        struct pollfd wait = {hub->listener, POLLIN, 0};
        if (poll(&wait, 1, 50) <= 0) continue;
        int connection = accept(hub->listener, NULL, NULL);
        if (connection < 0) continue;
        serve_one(hub, connection);
        close(connection);
    }
    return NULL;
}

static void fake_start(fake_hub *hub) {
    hub->listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(hub->listener >= 0);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(hub->listener, (struct sockaddr *)&address, sizeof address), 0);
    assert_int_equal(listen(hub->listener, 8), 0);
    socklen_t size = sizeof address;
    getsockname(hub->listener, (struct sockaddr *)&address, &size);
    hub->port = ntohs(address.sin_port);
    assert_int_equal(pthread_create(&hub->thread, NULL, serve, hub), 0);
}

/* Stops the server; what it received stays readable until fake_free(). */
static void fake_stop(fake_hub *hub) {
    hub->stop = 1;
    pthread_join(hub->thread, NULL);
    close(hub->listener);
}

static void fake_free(fake_hub *hub) {
    for (size_t i = 0; i < hub->served; i++) free(hub->got[i].body);
}

static const char limits_10[] = "{\"attachmentMaxFile\":10,\"attachmentMaxTicket\":100,\"maxFrameSize\":65536}";
static const char limits_big[] = "{\"attachmentMaxFile\":26214400,\"attachmentMaxTicket\":104857600,\"maxFrameSize\":65536}";
static const char attached[] = "{\"attachment\":{\"at\":\"2026-12-09T10:00:00.000Z\",\"author\":\"nagios\",\"id\":\"A-1\","
                               "\"mediaType\":\"application/octet-stream\",\"name\":\"a b&c.bin\",\"sha256\":\"00\","
                               "\"size\":300,\"visibility\":\"public\"},\"seq\":42}";

/* Writes bytes to a new file named from path's template ("/tmp/…-XXXXXX"). */
static void temporary_file(char *path, const void *bytes, size_t length) {
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, length), (ssize_t)length);
    close(fd);
}

static void over_limit_refused_before_sending(void **state) {
    (void)state;
    fake_hub hub = {.script = {{200, limits_10, 0}, {201, attached, 0}}, .count = 2};
    fake_start(&hub);
    char url[128], path[] = "/tmp/swarm-rest-file-XXXXXX";
    temporary_file(path, "12345678901", 11);
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/swarm/v1/ws", hub.port);
    swarm_options options = {url, "tok", 5000, NULL, 0};
    swarm_error error;
    json_t *answer = (json_t *)1;
    assert_int_equal(swarm_attach(&options, "T-7", path, NULL, SWARM_VISIBILITY_DEFAULT, NULL, &answer, &error),
                     SWARM_ERR_REFUSED);
    assert_null(answer);
    assert_string_equal(error.code, "too_large");
    char message[512];
    snprintf(message, sizeof message, "%s has 11 bytes, 1 over the hub's limit of 10 bytes per file", path);
    assert_string_equal(error.message, message);
    fake_stop(&hub);
    /* What the server saw: the limits asked under the prefix, with the token, and no upload. */
    assert_int_equal(hub.served, 1);
    assert_string_equal(hub.got[0].line, "GET /swarm/v1/limits HTTP/1.1");
    assert_string_equal(hub.got[0].authorization, "Bearer tok");
    swarm_limits limits;
    fake_hub again = {.script = {{200, limits_10, 0}}, .count = 1};
    fake_start(&again);
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/v1/ws", again.port);
    assert_int_equal(swarm_get_limits(&options, &limits, &error), SWARM_OK);
    assert_int_equal(limits.attachment_max_file, 10);
    assert_int_equal(limits.attachment_max_ticket, 100);
    assert_int_equal(limits.max_frame_size, 65536);
    fake_stop(&again);
    fake_free(&hub);
    fake_free(&again);
    unlink(path);
}

static void upload_as_sent(void **state) {
    (void)state;
    fake_hub hub = {.script = {{200, limits_big, 0}, {201, attached, 0}, {200, limits_big, 0}, {201, attached, 0}},
                    .count = 4};
    fake_start(&hub);
    char url[128], path[] = "/tmp/swarm-rest-file-XXXXXX";
    unsigned char bytes[300];
    for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = (unsigned char)(i * 7); /* NULs and all */
    temporary_file(path, bytes, sizeof bytes);
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/swarm/v1/ws", hub.port);
    swarm_options options = {url, "tok", 5000, NULL, 0};
    swarm_error error;
    json_t *answer = NULL;
    assert_int_equal(swarm_attach(&options, "T-7", path, "a b&c.bin", SWARM_VISIBILITY_PUBLIC, NULL, &answer, &error),
                     SWARM_OK);
    assert_string_equal(json_string_value(json_object_get(json_object_get(answer, "attachment"), "id")), "A-1");
    assert_int_equal(json_integer_value(json_object_get(answer, "seq")), 42);
    json_decref(answer);
    /* The second time with a key of the caller's, the visibility left to the hub. */
    assert_int_equal(swarm_attach(&options, "T 7", path, NULL, SWARM_VISIBILITY_DEFAULT, "spool-key-1", NULL, &error),
                     SWARM_OK);
    fake_stop(&hub);
    assert_int_equal(hub.served, 4);
    assert_string_equal(hub.got[1].line,
                        "POST /swarm/v1/tickets/T-7/attachments?name=a%20b%26c.bin&visibility=public HTTP/1.1");
    assert_string_equal(hub.got[1].authorization, "Bearer tok");
    /* A fresh key: 32 hex digits. */
    assert_int_equal(strlen(hub.got[1].key), 32);
    assert_int_equal(strspn(hub.got[1].key, "0123456789abcdef"), 32);
    assert_int_equal(hub.got[1].body_length, sizeof bytes);
    assert_memory_equal(hub.got[1].body, bytes, sizeof bytes);
    char line[512];
    snprintf(line, sizeof line, "POST /swarm/v1/tickets/T%%207/attachments?name=%s HTTP/1.1", strrchr(path, '/') + 1);
    assert_string_equal(hub.got[3].line, line);
    assert_string_equal(hub.got[3].key, "spool-key-1");
    fake_free(&hub);
    unlink(path);
}

static void refusals_mapped(void **state) {
    (void)state;
    const char *too_large = "{\"error\":{\"code\":\"too_large\",\"message\":\"T-7 holds 90 bytes of files; with 11 "
                            "more it would be 1 bytes over its limit of 100 bytes per ticket\"}}";
    const char *unauthorized = "{\"error\":{\"code\":\"unauthorized\",\"message\":\"unknown or revoked token\"}}";
    fake_hub hub = {.script = {{200, limits_big, 0}, {413, too_large, 0}, {401, unauthorized, 0}, {502, "bad gateway", 0}},
                    .count = 4};
    fake_start(&hub);
    char url[128], path[] = "/tmp/swarm-rest-file-XXXXXX";
    temporary_file(path, "12345678901", 11);
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/v1/ws", hub.port);
    swarm_options options = {url, "tok", 5000, NULL, 0};
    swarm_error error;
    assert_int_equal(swarm_attach(&options, "T-7", path, NULL, SWARM_VISIBILITY_INTERNAL, NULL, NULL, &error),
                     SWARM_ERR_REFUSED);
    assert_string_equal(error.code, "too_large");
    assert_string_equal(error.message,
                        "T-7 holds 90 bytes of files; with 11 more it would be 1 bytes over its limit of 100 bytes per ticket");
    /* A refused token is refused at the limits, before the file. */
    assert_int_equal(swarm_attach(&options, "T-7", path, NULL, SWARM_VISIBILITY_INTERNAL, NULL, NULL, &error),
                     SWARM_ERR_UNAUTHORIZED);
    assert_string_equal(error.message, "unknown or revoked token");
    swarm_limits limits;
    assert_int_equal(swarm_get_limits(&options, &limits, &error), SWARM_ERR_CONNECT);
    fake_stop(&hub);
    assert_int_equal(hub.served, 4);
    char line[512];
    snprintf(line, sizeof line, "POST /v1/tickets/T-7/attachments?name=%s&visibility=internal HTTP/1.1",
             strrchr(path, '/') + 1);
    assert_string_equal(hub.got[1].line, line);
    assert_string_equal(hub.got[2].line, "GET /v1/limits HTTP/1.1");
    assert_string_equal(hub.got[3].line, "GET /v1/limits HTTP/1.1");
    fake_free(&hub);
    unlink(path);
}

static void silent_hub_times_out(void **state) {
    (void)state;
    fake_hub hub = {.script = {{0, "", 1}}, .count = 1};
    fake_start(&hub);
    char url[128];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/v1/ws", hub.port);
    swarm_options options = {url, "tok", 1000, NULL, 0};
    swarm_error error;
    swarm_limits limits;
    assert_int_equal(swarm_get_limits(&options, &limits, &error), SWARM_ERR_TIMEOUT);
    char message[512];
    snprintf(message, sizeof message, "no progress with the hub at http://127.0.0.1:%d/v1/limits within 1000 ms",
             hub.port);
    assert_string_equal(error.message, message);
    fake_stop(&hub);
    fake_free(&hub);
}

static void arguments_checked(void **state) {
    (void)state;
    /* Nothing listens on port 1: each of these must fail on its argument before any connection. */
    swarm_options options = {"ws://127.0.0.1:1/v1/ws", "tok", 2000, NULL, 0};
    swarm_error error;
    assert_int_equal(swarm_attach(&options, NULL, "/etc/hostname", NULL, 0, NULL, NULL, &error), SWARM_ERR_ARGUMENT);
    assert_string_equal(error.message, "no ticket to attach to");
    assert_int_equal(swarm_attach(&options, "T-1", "/etc/hostname", "", 0, NULL, NULL, &error), SWARM_ERR_ARGUMENT);
    assert_string_equal(error.message, "the name to attach /etc/hostname under is empty");
    char long_key[200];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    assert_int_equal(swarm_attach(&options, "T-1", "/etc/hostname", NULL, 0, long_key, NULL, &error),
                     SWARM_ERR_ARGUMENT);
    assert_string_equal(error.message, "an idempotency key must have 1 to 128 characters");
    assert_int_equal(swarm_attach(&options, "T-1", "/etc/hostname", NULL, (swarm_visibility)7, NULL, NULL, &error),
                     SWARM_ERR_ARGUMENT);
    assert_int_equal(swarm_attach(&options, "T-1", "/nonexistent/x", NULL, 0, NULL, NULL, &error), SWARM_ERR_ARGUMENT);
    assert_string_equal(error.message, "no file /nonexistent/x");
    swarm_options other = {"ws://127.0.0.1:1/ws", "tok", 2000, NULL, 0};
    assert_int_equal(swarm_attach(&other, "T-1", "/etc/hostname", NULL, 0, NULL, NULL, &error), SWARM_ERR_ARGUMENT);
    assert_non_null(strstr(error.message, "names no REST address"));
    assert_int_equal(swarm_attach(NULL, "T-1", "/etc/hostname", NULL, 0, NULL, NULL, &error), SWARM_ERR_ARGUMENT);
    /* And once all is right, an unreachable hub is a failed connection, named. */
    assert_int_equal(swarm_attach(&options, "T-1", "/etc/hostname", NULL, 0, NULL, NULL, &error), SWARM_ERR_CONNECT);
    assert_non_null(strstr(error.message, "cannot reach the hub at http://127.0.0.1:1/v1/limits: "));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rest_urls),
        cmocka_unit_test(encoding_and_names),
        cmocka_unit_test(answers_mapped),
        cmocka_unit_test(files_checked),
        cmocka_unit_test(over_limit_refused_before_sending),
        cmocka_unit_test(upload_as_sent),
        cmocka_unit_test(refusals_mapped),
        cmocka_unit_test(silent_hub_times_out),
        cmocka_unit_test(arguments_checked),
    };
    return cmocka_run_group_tests_name("libswarm's REST side (unit)", tests, NULL, NULL);
}
