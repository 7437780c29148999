/*
 * swarm.h — a small C client for the swarmd hub (protocol v1, Protocol/README.md).
 *
 * Blocking and single-threaded: one swarm_client is one WebSocket connection, used from one thread.
 * Frames are JSON objects (jansson json_t). Every command carries an "id"; swarm_command() sends it
 * and waits for the hub's "ack" or "error" with that id, queueing the events that arrive meanwhile
 * for swarm_next_event().
 *
 * Build: link with -lswarm -lwebsockets -ljansson (Clients/c/Makefile builds libswarm.a).
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
    SWARM_ERR_REFUSED,      /* the hub answered the command with an "error" frame (see code) */
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

#ifdef __cplusplus
}
#endif

#endif
