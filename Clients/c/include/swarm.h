/*
 * swarm.h — a small C client for the swarmd hub (protocol v1, Protocol/README.md).
 *
 * Blocking and single-threaded: one swarm_client is one WebSocket connection, used from one thread.
 * Frames are JSON objects (jansson json_t). Every command carries an "id"; swarm_command() sends it
 * and waits for the hub's "ack" or "error" with that id, queueing the events that arrive meanwhile
 * for swarm_next_event().
 *
 * Files go over the hub's REST API instead (swarm_attach(), one HTTP request each, with libcurl): a
 * WebSocket frame is JSON of at most 64 KiB, an attachment is raw bytes of up to 25 MiB.
 *
 * Build: link with -lswarm -lwebsockets -lcurl -ljansson (Clients/c/Makefile builds libswarm.a).
 */
#ifndef SWARM_H
#define SWARM_H

#include <jansson.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a call returned. SWARM_OK is 0; every failure fills a swarm_error when one is passed. */
typedef enum {
    SWARM_OK = 0,
    SWARM_ERR_ARGUMENT,     /* a bad argument (URL, NULL, a frame that is not an object) */
    SWARM_ERR_CONNECT,      /* the hub could not be reached, or the connection broke */
    SWARM_ERR_UNAUTHORIZED, /* the hub refused the token (HTTP 401 on the upgrade, or "unauthorized") */
    SWARM_ERR_TIMEOUT,      /* no answer in time */
    SWARM_ERR_REFUSED,      /* the hub refused: an "error" frame, or a REST error answer (see code); also a file
                             * over the size the hub announced, refused before it is sent ("too_large") */
    SWARM_ERR_PROTOCOL,     /* the hub sent something that is not a protocol v1 frame */
    SWARM_ERR_MEMORY
} swarm_status;

/* A failure: the status, the hub's error code when it sent one ("invalid_field", …, else ""), and a
 * message for people. */
typedef struct {
    swarm_status status;
    char code[32];
    char message[512];
} swarm_error;

/* How to connect. url: "ws://host:port/v1/ws" or "wss://…" (wss needs libwebsockets built with TLS,
 * as Debian's is). token: sent as "Authorization: Bearer <token>" on the upgrade;
 * when the upgrade is refused with a status other than 401 (swarmd answers a bad token with 400), the
 * client connects once more without it and sends the token in hello, so a refused token is reported
 * as such. timeout_ms: for connecting and for each answer (0: 10 000). ca_file: PEM file to verify wss servers with (NULL:
 * the system's); insecure: skip certificate checks (tests only). */
typedef struct {
    const char *url;
    const char *token;
    int timeout_ms;
    const char *ca_file;
    int insecure;
} swarm_options;

typedef struct swarm_client swarm_client;

/* A parsed hub URL. */
typedef struct {
    int tls;
    char host[256];
    int port;
    char path[512];
} swarm_url;

/* Parses "ws://host[:port][/path]" or "wss://…" (port 80/443 by default, path "/v1/ws"). Returns
 * SWARM_OK or SWARM_ERR_ARGUMENT. */
swarm_status swarm_parse_url(const char *url, swarm_url *out, swarm_error *error);

/* Connects and authenticates; on success *out is a client whose welcome frame has been read
 * (swarm_welcome()). Close it with swarm_close(). */
swarm_status swarm_connect(const swarm_options *options, swarm_client **out, swarm_error *error);

/* The hub's welcome frame (borrowed: valid until swarm_close()). */
const json_t *swarm_welcome(const swarm_client *client);

/* Sends a text frame as is (a JSON object; the caller sets "id"). */
swarm_status swarm_send(swarm_client *client, const json_t *frame, swarm_error *error);

/* Sends a command and waits for its answer. If frame has no "id", one is added (swarm_new_id()).
 * On SWARM_OK *ack is the ack frame (a new reference: json_decref it). On SWARM_ERR_REFUSED the
 * error frame's code and message are in *error. Events read meanwhile are queued. */
swarm_status swarm_command(swarm_client *client, json_t *frame, json_t **ack, swarm_error *error);

/* subscribe {channels, since?}: since < 0 means live events only. */
swarm_status swarm_subscribe(
    swarm_client *client, const char *const *channels, size_t count, long long since, swarm_error *error);

/* The next "event" frame (queued or read within timeout_ms; < 0: the client's timeout). On SWARM_OK
 * *event is a new reference. SWARM_ERR_TIMEOUT when none came. */
swarm_status swarm_next_event(swarm_client *client, int timeout_ms, json_t **event, swarm_error *error);

/* Closes the connection and frees the client (NULL is fine). */
void swarm_close(swarm_client *client);

/* Writes a new random command id (32 hex digits) into buffer (at least 33 bytes). */
void swarm_new_id(char buffer[33]);

/* A short name of a status ("connect", "unauthorized", …). */
const char *swarm_status_name(swarm_status status);

/* ---- Files (REST: Protocol/README.md §20, "Attachments"; docs/attachments.md) ----
 *
 * These calls make one HTTP request each with the options' token, to the hub the options' WebSocket URL
 * names: ws:// becomes http://, wss:// https://, same host and port, and the path before "/v1/ws" is
 * kept as a prefix for a hub behind a reverse proxy that serves it under one
 * (wss://example.org/swarm/v1/ws → https://example.org/swarm/v1/…). A URL whose path does not end in
 * "/v1/ws" names no REST address: SWARM_ERR_ARGUMENT. ca_file and insecure apply as for wss://;
 * timeout_ms bounds connecting and any stretch without progress (sending, or waiting for the answer
 * while the hub stores and scans the file), not the whole upload, which may take long on a slow link.
 * No proxy from the environment (http_proxy) is used: the hub is reached directly, as its WebSocket is.
 * Each call initialises libcurl and releases it (curl_global_init is counted: a program that calls it
 * once itself keeps libcurl loaded between calls, and should when it has threads). */

/* Writes the hub's REST address of path ("/v1/limits") for the WebSocket URL url into out:
 * "ws://hub:8080/v1/ws" → "http://hub:8080/v1/limits". SWARM_ERR_ARGUMENT when url is not a hub URL or
 * its path does not end in "/v1/ws", or out is too small. */
swarm_status swarm_rest_url(const char *url, const char *path, char *out, size_t out_size, swarm_error *error);

/* The sizes the hub refuses beyond (GET /v1/limits), in bytes. */
typedef struct {
    long long attachment_max_file;   /* one file (swarmd serve --attachment-max-file) */
    long long attachment_max_ticket; /* all of one ticket's files together (--attachment-max-ticket) */
    long long max_frame_size;        /* a WebSocket frame or a JSON body (--max-frame-size) */
} swarm_limits;

/* Asks the hub for its limits. */
swarm_status swarm_get_limits(const swarm_options *options, swarm_limits *limits, swarm_error *error);

/* Checks that path is a regular file this process can read, and gives its size (size may be NULL):
 * what swarm_attach() would send. SWARM_ERR_ARGUMENT with "no file F", "cannot read F: <reason>",
 * "F is a directory; attach its files one by one" or "F is not a regular file" (a pipe or a device has
 * no size to announce). For tools that check their arguments before they connect. */
swarm_status swarm_check_file(const char *path, long long *size, swarm_error *error);

/* Who sees an attached file (Protocol/README.md §31: as for comments). */
typedef enum {
    SWARM_VISIBILITY_DEFAULT = 0, /* the hub's choice: internal for staff's tokens, public for a requester's */
    SWARM_VISIBILITY_INTERNAL,    /* staff only; a requester's token is refused ("forbidden") */
    SWARM_VISIBILITY_PUBLIC       /* the ticket's requester too */
} swarm_visibility;

/* Attaches the file at path to ticket (POST /v1/tickets/{ticket}/attachments), under name (NULL: the
 * last component of path; the hub makes any name safe). The file is streamed from disk, never read
 * into memory whole; it is sent as long as it was when the call began (a file that shrinks meanwhile
 * fails the call, SWARM_ERR_ARGUMENT, and nothing is attached).
 *
 * First the hub's limits are asked (GET /v1/limits): a file over attachment_max_file is refused before
 * a byte of it is sent, SWARM_ERR_REFUSED with code "too_large" and the numbers in the message.
 *
 * idempotency_key: sent as Idempotency-Key (1–128 characters); NULL sends a fresh one (swarm_new_id()).
 * Calling again with the key of a call that took effect (its answer lost, say) within the hub's window
 * (24 h by default) attaches nothing more and answers the first attachment: keep the key with the file
 * to retry later exactly once.
 *
 * On SWARM_OK *answer (when answer is not NULL) is the hub's answer, a new reference:
 * {"attachment": {id, name, mediaType, size, sha256, visibility, author, at}, "seq": n}.
 * Failures: SWARM_ERR_ARGUMENT (the options' URL, the file), SWARM_ERR_CONNECT (unreachable, TLS, a proxy's
 * 502/503/504), SWARM_ERR_TIMEOUT, SWARM_ERR_UNAUTHORIZED (401), SWARM_ERR_REFUSED with the hub's code
 * and message (too_large 413, infected 422, not_found 404, conflict 409 — a closed ticket —, forbidden 403,
 * unavailable 503 — its virus scanner is away, retry later —, internal 500, …), SWARM_ERR_PROTOCOL (an answer
 * that is not the hub's, e.g. a plain 404 from a hub without attachments). */
swarm_status swarm_attach(const swarm_options *options, const char *ticket, const char *path, const char *name,
                          swarm_visibility visibility, const char *idempotency_key, json_t **answer,
                          swarm_error *error);

#ifdef __cplusplus
}
#endif

#endif
