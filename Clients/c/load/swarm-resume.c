/*
 * swarm-resume: the resume scenario's reader for scripts/bench. One connection signs in with
 * Authorization: Bearer, subscribes to a ticket with since 0 and counts the comments of swarm-load's
 * preload (their bodies carry "swl:") until it has N; prints the time from subscribe to the last one.
 *
 * Why not swarm-load: libwebsockets 4.1's client parser moves the payload byte by byte, about 5 µs a
 * 400-byte frame, so swarm-load's reader used ~90 % of the resume's wall time and was its bound
 * (docs/performance.md). This reader does the least a WebSocket client may: it reads in 1 MB
 * chunks and only looks at frame headers and for the marker. It is a measuring tool for a hub that
 * speaks correctly; it does not check Sec-WebSocket-Accept and answers no ping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUFFER (1 << 20)

static void die(const char *what)
{
    fprintf(stderr, "swarm-resume: %s\n", what);
    exit(1);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double cpu_s(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static int fd = -1;
static uint64_t deadline;

static void send_all(const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die("the hub closed the connection while we were sending");
        p += n;
        len -= (size_t)n;
    }
}

/* Reads what is there into buf[*len...cap), waiting at most until the deadline. */
static void read_some(char *buf, size_t *len, size_t cap)
{
    if (*len == cap)
        die("a frame larger than the reader's buffer");
    for (;;) {
        uint64_t now = now_ns();
        if (now >= deadline)
            die("timed out");
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int ready = poll(&p, 1, (int)((deadline - now) / 1000000u) + 1);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            die("poll failed");
        if (ready == 0)
            continue;
        ssize_t n = recv(fd, buf + *len, cap - *len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die("the hub closed the connection");
        *len += (size_t)n;
        return;
    }
}

/* A text frame from the client: masked, as RFC 6455 requires of clients. */
static void send_text(const char *text)
{
    size_t len = strlen(text);
    unsigned char frame[1024];
    if (len > sizeof(frame) - 8 || len >= 126)
        die("a command too long for this reader");
    const unsigned char mask[4] = {0x5a, 0x17, 0xc3, 0x8e};
    frame[0] = 0x81;
    frame[1] = (unsigned char)(0x80 | len);
    memcpy(frame + 2, mask, 4);
    for (size_t i = 0; i < len; i++)
        frame[6 + i] = (unsigned char)text[i] ^ mask[i % 4];
    send_all(frame, 6 + len);
}

static void usage(void)
{
    fprintf(stderr, "usage: swarm-resume --url ws://HOST:PORT/PATH --token TOKEN --ticket ID --events N [--timeout S]\n"
                    "Subscribes to the ticket with since 0 and prints {resume_s, delivered, cpu_s, complete} as JSON when\n"
                    "N comments of swarm-load's (bodies with \"swl:\") have come. Exit status 1 on any failure.\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *url = NULL, *token = NULL, *ticket = NULL;
    long events = 0, timeout = 120;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--url") == 0)
            url = argv[i + 1];
        else if (strcmp(argv[i], "--token") == 0)
            token = argv[i + 1];
        else if (strcmp(argv[i], "--ticket") == 0)
            ticket = argv[i + 1];
        else if (strcmp(argv[i], "--events") == 0)
            events = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--timeout") == 0)
            timeout = strtol(argv[i + 1], NULL, 10);
        else
            usage();
    }
    if (argc % 2 == 0 || url == NULL || token == NULL || ticket == NULL || events <= 0 || timeout <= 0)
        usage();
    if (strlen(token) > 200 || strlen(ticket) > 40)
        die("--token or --ticket too long");

    char host[256], port[16], path[256];
    if (sscanf(url, "ws://%255[^:/]:%15[0-9]%255s", host, port, path) != 3)
        die("--url must be ws://HOST:PORT/PATH");
    deadline = now_ns() + (uint64_t)timeout * 1000000000u;

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *addresses;
    if (getaddrinfo(host, port, &hints, &addresses) != 0)
        die("cannot resolve the host");
    for (struct addrinfo *a = addresses; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(addresses);
    if (fd < 0)
        die("cannot connect");

    char request[1024];
    int n = snprintf(request, sizeof(request),
                     "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                     "Authorization: Bearer %s\r\n\r\n",
                     path, host, port, token);
    send_all(request, (size_t)n);

    char *buf = malloc(BUFFER);
    if (buf == NULL)
        die("out of memory");
    size_t len = 0, at = 0;
    /* The upgrade's answer. */
    char *end;
    for (;;) {
        read_some(buf, &len, BUFFER - 1);
        buf[len] = 0;
        if ((end = strstr(buf, "\r\n\r\n")) != NULL)
            break;
    }
    if (strncmp(buf, "HTTP/1.1 101", 12) != 0)
        die("the hub refused the upgrade (a bad token?)");
    at = (size_t)(end + 4 - buf);

    uint64_t started = 0;
    long delivered = 0;
    double cpu_start = 0;
    while (delivered < events) {
        /* Every whole frame in buf[at...len). */
        for (;;) {
            size_t have = len - at;
            if (have < 2)
                break;
            const unsigned char *h = (const unsigned char *)buf + at;
            if ((h[0] & 0x80) == 0 || (h[1] & 0x80) != 0)
                die("a fragmented or masked frame from the hub");
            uint64_t length = h[1] & 0x7f;
            size_t header = 2;
            if (length == 126) {
                if (have < 4)
                    break;
                length = ((uint64_t)h[2] << 8) | h[3];
                header = 4;
            } else if (length == 127) {
                if (have < 10)
                    break;
                length = 0;
                for (int i = 0; i < 8; i++)
                    length = (length << 8) | h[2 + i];
                header = 10;
            }
            if (length > BUFFER - 16)
                die("a frame larger than the reader's buffer");
            if (have < header + length)
                break;
            const char *payload = buf + at + header;
            int opcode = h[0] & 0x0f;
            if (opcode == 0x8)
                die("the hub closed the connection");
            if (opcode == 0x1) {
                if (started == 0) {
                    if (memmem(payload, length, "\"welcome\"", 9) != NULL) {
                        char subscribe[128];
                        snprintf(subscribe, sizeof(subscribe),
                                 "{\"type\":\"subscribe\",\"id\":\"s\",\"channels\":[\"ticket:%s\"],\"since\":0}", ticket);
                        started = now_ns();
                        cpu_start = cpu_s();
                        send_text(subscribe);
                    } else if (memmem(payload, length, "\"error\"", 7) != NULL) {
                        die("an error frame before the welcome");
                    }
                } else if (memmem(payload, length, "\"swl:", 5) != NULL) {
                    delivered++;
                } else if (memmem(payload, length, "\"type\":\"error\"", 14) != NULL) {
                    fprintf(stderr, "swarm-resume: %.*s\n", (int)(length < 300 ? length : 300), payload);
                    die("the subscribe was refused");
                }
            }
            at += header + (size_t)length;
        }
        if (delivered >= events)
            break;
        memmove(buf, buf + at, len - at);
        len -= at;
        at = 0;
        read_some(buf, &len, BUFFER);
    }
    double resume_s = (double)(now_ns() - started) / 1e9;
    /* "complete" as in swarm-load's JSON: scripts/bench counts a run without it as incomplete. */
    printf("{\"resume_s\":%.6f,\"delivered\":%ld,\"cpu_s\":%.6f,\"complete\":%s}\n", resume_s, delivered,
           cpu_s() - cpu_start, delivered == events ? "true" : "false");
    free(buf);
    close(fd);
    return 0;
}
