/* swarm.c — the swarmd C client on libwebsockets (see include/swarm.h). */
#define _POSIX_C_SOURCE 200809L
#include "swarm.h"
#include "rest.h"

#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { STATE_CONNECTING, STATE_OPEN, STATE_CLOSED };

struct swarm_client {
    struct lws_context *context;
    struct lws *wsi;
    int state;
    int unauthorized;
    char failure[256];
    char authorization[1100];
    int timeout_ms;
    /* The frame being received, fragments joined. */
    char *rx;
    size_t rx_length, rx_capacity;
    /* Complete frames not yet taken (a JSON array of objects). */
    json_t *inbox;
    int bad_frame;
    /* The frame waiting to be written, after LWS_PRE bytes of room. */
    unsigned char *tx;
    size_t tx_length;
    int tx_pending;
    json_t *welcome;
};

void swarm_set_error(swarm_error *error, swarm_status status, const char *code, const char *format, ...) {
    if (!error) return;
    error->status = status;
    snprintf(error->code, sizeof error->code, "%s", code ? code : "");
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error->message, sizeof error->message, format, arguments);
    va_end(arguments);
}

const char *swarm_status_name(swarm_status status) {
    switch (status) {
    case SWARM_OK: return "ok";
    case SWARM_ERR_ARGUMENT: return "argument";
    case SWARM_ERR_CONNECT: return "connect";
    case SWARM_ERR_UNAUTHORIZED: return "unauthorized";
    case SWARM_ERR_TIMEOUT: return "timeout";
    case SWARM_ERR_REFUSED: return "refused";
    case SWARM_ERR_PROTOCOL: return "protocol";
    case SWARM_ERR_MEMORY: return "memory";
    }
    return "unknown";
}

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void swarm_new_id(char buffer[33]) {
    unsigned char bytes[16];
    size_t got = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, bytes, sizeof bytes);
        if (n > 0) got = (size_t)n;
        close(fd);
    }
    if (got < sizeof bytes) {
        /* No /dev/urandom: time and pid still make ids unlikely to repeat. */
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        unsigned long long seed = (unsigned long long)t.tv_nsec ^ ((unsigned long long)t.tv_sec << 20) ^
                                  ((unsigned long long)getpid() << 40);
        for (size_t i = got; i < sizeof bytes; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            bytes[i] = (unsigned char)(seed >> 56);
        }
    }
    for (size_t i = 0; i < sizeof bytes; i++) snprintf(buffer + 2 * i, 3, "%02x", bytes[i]);
}

swarm_status swarm_parse_url(const char *url, swarm_url *out, swarm_error *error) {
    if (!url || !out) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "no hub URL");
        return SWARM_ERR_ARGUMENT;
    }
    memset(out, 0, sizeof *out);
    const char *rest;
    if (strncmp(url, "ws://", 5) == 0) {
        rest = url + 5;
        out->port = 80;
    } else if (strncmp(url, "wss://", 6) == 0) {
        rest = url + 6;
        out->tls = 1;
        out->port = 443;
    } else {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "hub URL '%s' must start with ws:// or wss://", url);
        return SWARM_ERR_ARGUMENT;
    }
    size_t host_length = strcspn(rest, ":/");
    if (host_length == 0 || host_length >= sizeof out->host) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "hub URL '%s' has no host", url);
        return SWARM_ERR_ARGUMENT;
    }
    memcpy(out->host, rest, host_length);
    rest += host_length;
    if (*rest == ':') {
        char *end;
        errno = 0;
        long port = strtol(rest + 1, &end, 10);
        if (end == rest + 1 || errno || port < 1 || port > 65535 || (*end && *end != '/')) {
            swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "hub URL '%s' has a bad port", url);
            return SWARM_ERR_ARGUMENT;
        }
        out->port = (int)port;
        rest = end;
    }
    const char *path = *rest ? rest : "/v1/ws";
    if (strlen(path) >= sizeof out->path) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "hub URL '%s' has a path that is too long", url);
        return SWARM_ERR_ARGUMENT;
    }
    snprintf(out->path, sizeof out->path, "%s", path);
    return SWARM_OK;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t length) {
    (void)user;
    struct lws_context *context = lws_get_context(wsi);
    swarm_client *client = context ? lws_context_user(context) : NULL;
    if (!client) return 0;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        unsigned char **p = (unsigned char **)in, *end = (*p) + length;
        if (client->authorization[0] &&
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, (unsigned char *)client->authorization,
                                         (int)strlen(client->authorization), p, end))
            return -1;
        break;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        client->state = STATE_OPEN;
        lws_set_timer_usecs(wsi, 20000);
        break;
    case LWS_CALLBACK_TIMER:
        /* Wakes the service loop so waits end on time. */
        lws_set_timer_usecs(wsi, 20000);
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE: {
        if (client->rx_length + length + 1 > client->rx_capacity) {
            size_t capacity = (client->rx_length + length + 1) * 2;
            char *grown = realloc(client->rx, capacity);
            if (!grown) return -1;
            client->rx = grown;
            client->rx_capacity = capacity;
        }
        memcpy(client->rx + client->rx_length, in, length);
        client->rx_length += length;
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            client->rx[client->rx_length] = '\0';
            json_error_t problem;
            json_t *frame = json_loadb(client->rx, client->rx_length, 0, &problem);
            client->rx_length = 0;
            if (!frame || !json_is_object(frame)) {
                json_decref(frame);
                client->bad_frame = 1;
            } else {
                json_array_append_new(client->inbox, frame);
            }
        }
        break;
    }
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (client->tx_pending) {
            int written = lws_write(wsi, client->tx + LWS_PRE, client->tx_length, LWS_WRITE_TEXT);
            client->tx_pending = 0;
            if (written < (int)client->tx_length) return -1;
        }
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        snprintf(client->failure, sizeof client->failure, "%s", in ? (const char *)in : "connection failed");
        if (in && strstr((const char *)in, "unauthorized")) client->unauthorized = 1;
        client->state = STATE_CLOSED;
        client->wsi = NULL;
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (!client->failure[0]) snprintf(client->failure, sizeof client->failure, "the hub closed the connection");
        client->state = STATE_CLOSED;
        client->wsi = NULL;
        break;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (length >= 2) {
            const unsigned char *bytes = in;
            snprintf(client->failure, sizeof client->failure, "the hub closed the connection (code %d)",
                     bytes[0] << 8 | bytes[1]);
        }
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"swarm", callback, 0, 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* Runs the event loop once (it wakes at least every 20 ms once connected). */
static void pump(swarm_client *client) { lws_service(client->context, 0); }

static swarm_status closed_error(swarm_client *client, swarm_error *error) {
    if (client->unauthorized) {
        swarm_set_error(error, SWARM_ERR_UNAUTHORIZED, "unauthorized", "the hub refused the token (unknown or revoked)");
        return SWARM_ERR_UNAUTHORIZED;
    }
    swarm_set_error(error, SWARM_ERR_CONNECT, "", "%s", client->failure[0] ? client->failure : "not connected");
    return SWARM_ERR_CONNECT;
}

/* Takes the first queued frame of `type` (and `id` when not NULL); NULL when there is none. */
static json_t *take(swarm_client *client, const char *const *types, const char *id) {
    size_t index;
    json_t *frame;
    json_array_foreach(client->inbox, index, frame) {
        const char *type = json_string_value(json_object_get(frame, "type"));
        if (!type) continue;
        for (const char *const *t = types; *t; t++) {
            if (strcmp(type, *t) != 0) continue;
            const char *frame_id = json_string_value(json_object_get(frame, "id"));
            if (id && (!frame_id || strcmp(frame_id, id) != 0)) continue;
            json_incref(frame);
            json_array_remove(client->inbox, index);
            return frame;
        }
    }
    return NULL;
}

/* Waits for a frame of one of `types` (with `id`), up to timeout_ms. */
static swarm_status await_frame(swarm_client *client, const char *const *types, const char *id, int timeout_ms,
                                json_t **out, swarm_error *error) {
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        json_t *frame = take(client, types, id);
        if (frame) {
            *out = frame;
            return SWARM_OK;
        }
        if (client->bad_frame) {
            swarm_set_error(error, SWARM_ERR_PROTOCOL, "", "the hub sent a frame that is not a JSON object");
            return SWARM_ERR_PROTOCOL;
        }
        if (client->state == STATE_CLOSED) return closed_error(client, error);
        if (now_ms() >= deadline) {
            swarm_set_error(error, SWARM_ERR_TIMEOUT, "", "no answer from the hub within %d ms", timeout_ms);
            return SWARM_ERR_TIMEOUT;
        }
        pump(client);
    }
}

swarm_status swarm_connect(const swarm_options *options, swarm_client **out, swarm_error *error) {
    if (!options || !out) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "no options");
        return SWARM_ERR_ARGUMENT;
    }
    *out = NULL;
    swarm_url url;
    swarm_status status = swarm_parse_url(options->url, &url, error);
    if (status != SWARM_OK) return status;
    if (options->token && strlen(options->token) > 1000) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "the token is longer than 1000 characters");
        return SWARM_ERR_ARGUMENT;
    }
    swarm_client *client = calloc(1, sizeof *client);
    if (!client) {
        swarm_set_error(error, SWARM_ERR_MEMORY, "", "out of memory");
        return SWARM_ERR_MEMORY;
    }
    client->timeout_ms = options->timeout_ms > 0 ? options->timeout_ms : 10000;
    client->inbox = json_array();
    if (options->token) snprintf(client->authorization, sizeof client->authorization, "Bearer %s", options->token);

    lws_set_log_level(0, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.user = client;
    info.gid = -1;
    info.uid = -1;
    info.timeout_secs = (unsigned int)(client->timeout_ms + 999) / 1000;
    if (url.tls) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.client_ssl_ca_filepath = options->ca_file;
    }
    json_t *frame = NULL;
    static const char *const welcome[] = {"welcome", "error", NULL};
    /* Attempt 0 sends the token as Authorization: Bearer on the upgrade. A hub (or proxy) that
     * answers a refused upgrade with a status other than 401 leaves the reason unknown, so attempt 1
     * connects without the header and sends the token in hello, whose answer says why. */
    for (int attempt = 0; attempt < 2; attempt++) {
        client->context = lws_create_context(&info);
        if (!client->context) {
            swarm_set_error(error, SWARM_ERR_CONNECT, "", "could not create the libwebsockets context");
            swarm_close(client);
            return SWARM_ERR_CONNECT;
        }
        client->state = STATE_CONNECTING;
        client->failure[0] = '\0';
        struct lws_client_connect_info connect;
        memset(&connect, 0, sizeof connect);
        connect.context = client->context;
        connect.address = url.host;
        connect.port = url.port;
        connect.path = url.path;
        connect.host = url.host;
        connect.origin = url.host;
        connect.pwsi = &client->wsi;
        if (url.tls) {
            connect.ssl_connection = LCCSCF_USE_SSL;
            if (options->insecure)
                connect.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                                          LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
        }
        if (!lws_client_connect_via_info(&connect)) {
            if (!client->failure[0])
                snprintf(client->failure, sizeof client->failure, "cannot connect to %s", options->url);
            client->state = STATE_CLOSED;
        }
        if (attempt == 1) {
            /* Wait for the upgrade, then authenticate with hello. */
            long long deadline = now_ms() + client->timeout_ms;
            while (client->state == STATE_CONNECTING && now_ms() < deadline) pump(client);
            if (client->state == STATE_OPEN) {
                json_t *hello = json_pack("{s:s, s:s, s:s, s:s}", "type", "hello", "id", "hello", "token",
                                          options->token, "client", "libswarm");
                status = swarm_send(client, hello, error);
                json_decref(hello);
                if (status != SWARM_OK) {
                    swarm_close(client);
                    return status;
                }
            }
        }
        status = await_frame(client, welcome, NULL, client->timeout_ms, &frame, error);
        int refused_upgrade = status == SWARM_ERR_CONNECT && strstr(client->failure, "not 101") != NULL;
        if (attempt == 0 && refused_upgrade && options->token) {
            lws_context_destroy(client->context);
            client->context = NULL;
            client->wsi = NULL;
            client->authorization[0] = '\0';
            continue;
        }
        break;
    }
    if (status == SWARM_ERR_CONNECT) {
        char reason[sizeof error->message];
        snprintf(reason, sizeof reason, "%s", error ? error->message : "");
        swarm_set_error(error, SWARM_ERR_CONNECT, "", "cannot reach the hub at %s: %s", options->url, reason);
    }
    if (status != SWARM_OK) {
        swarm_close(client);
        return status;
    }
    if (strcmp(json_string_value(json_object_get(frame, "type")), "error") == 0) {
        const char *code = json_string_value(json_object_get(frame, "code"));
        const char *message = json_string_value(json_object_get(frame, "message"));
        int unauthorized = code && strcmp(code, "unauthorized") == 0;
        swarm_set_error(error, unauthorized ? SWARM_ERR_UNAUTHORIZED : SWARM_ERR_REFUSED, code, "%s",
                  message ? message : "refused");
        json_decref(frame);
        swarm_close(client);
        return unauthorized ? SWARM_ERR_UNAUTHORIZED : SWARM_ERR_REFUSED;
    }
    client->welcome = frame;
    *out = client;
    return SWARM_OK;
}

const json_t *swarm_welcome(const swarm_client *client) { return client ? client->welcome : NULL; }

swarm_status swarm_send(swarm_client *client, const json_t *frame, swarm_error *error) {
    if (!client || !json_is_object(frame)) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "a frame must be a JSON object");
        return SWARM_ERR_ARGUMENT;
    }
    if (client->state != STATE_OPEN) return closed_error(client, error);
    char *text = json_dumps(frame, JSON_COMPACT);
    if (!text) {
        swarm_set_error(error, SWARM_ERR_MEMORY, "", "could not encode the frame");
        return SWARM_ERR_MEMORY;
    }
    size_t length = strlen(text);
    unsigned char *buffer = realloc(client->tx, LWS_PRE + length);
    if (!buffer) {
        free(text);
        swarm_set_error(error, SWARM_ERR_MEMORY, "", "out of memory");
        return SWARM_ERR_MEMORY;
    }
    client->tx = buffer;
    memcpy(client->tx + LWS_PRE, text, length);
    free(text);
    client->tx_length = length;
    client->tx_pending = 1;
    lws_callback_on_writable(client->wsi);
    long long deadline = now_ms() + client->timeout_ms;
    while (client->tx_pending) {
        if (client->state == STATE_CLOSED) return closed_error(client, error);
        if (now_ms() >= deadline) {
            swarm_set_error(error, SWARM_ERR_TIMEOUT, "", "could not send within %d ms", client->timeout_ms);
            return SWARM_ERR_TIMEOUT;
        }
        pump(client);
    }
    return SWARM_OK;
}

swarm_status swarm_command(swarm_client *client, json_t *frame, json_t **ack, swarm_error *error) {
    if (ack) *ack = NULL;
    if (!client || !json_is_object(frame)) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "a command must be a JSON object");
        return SWARM_ERR_ARGUMENT;
    }
    if (!json_is_string(json_object_get(frame, "id"))) {
        char id[33];
        swarm_new_id(id);
        json_object_set_new(frame, "id", json_string(id));
    }
    char id[256];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(frame, "id")));
    swarm_status status = swarm_send(client, frame, error);
    if (status != SWARM_OK) return status;
    static const char *const answers[] = {"ack", "error", NULL};
    json_t *answer = NULL;
    status = await_frame(client, answers, id, client->timeout_ms, &answer, error);
    if (status != SWARM_OK) return status;
    if (strcmp(json_string_value(json_object_get(answer, "type")), "error") == 0) {
        const char *code = json_string_value(json_object_get(answer, "code"));
        const char *message = json_string_value(json_object_get(answer, "message"));
        swarm_set_error(error, SWARM_ERR_REFUSED, code, "%s", message ? message : "refused");
        json_decref(answer);
        return SWARM_ERR_REFUSED;
    }
    if (ack)
        *ack = answer;
    else
        json_decref(answer);
    return SWARM_OK;
}

swarm_status swarm_subscribe(swarm_client *client, const char *const *channels, size_t count, long long since,
                             swarm_error *error) {
    if (!client || !channels || count == 0) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "subscribe needs at least one channel");
        return SWARM_ERR_ARGUMENT;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++) json_array_append_new(list, json_string(channels[i]));
    json_t *frame = json_pack("{s:s, s:o}", "type", "subscribe", "channels", list);
    if (since >= 0) json_object_set_new(frame, "since", json_integer(since));
    swarm_status status = swarm_command(client, frame, NULL, error);
    json_decref(frame);
    return status;
}

swarm_status swarm_next_event(swarm_client *client, int timeout_ms, json_t **event, swarm_error *error) {
    if (!client || !event) {
        swarm_set_error(error, SWARM_ERR_ARGUMENT, "", "no client");
        return SWARM_ERR_ARGUMENT;
    }
    static const char *const events[] = {"event", NULL};
    return await_frame(client, events, NULL, timeout_ms < 0 ? client->timeout_ms : timeout_ms, event, error);
}

void swarm_close(swarm_client *client) {
    if (!client) return;
    if (client->context) lws_context_destroy(client->context);
    json_decref(client->inbox);
    json_decref(client->welcome);
    free(client->rx);
    free(client->tx);
    free(client);
}
