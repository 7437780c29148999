/*
 * swarm-load: the load generator of scripts/bench. One process, one libwebsockets event loop, driving
 * subscribers and publishers of swarmd's protocol v1 (or of the Node peer in Benchmarks/peer) over
 * ws://127.0.0.1:PORT/v1/ws, and printing one JSON object with what it measured on stdout.
 *
 * Every comment body starts with "swl:<CLOCK_MONOTONIC ns>:" so each delivery's latency is read from the
 * frame itself; those frames are recognised by that marker without a JSON parse (the generator must not
 * be the bound). Every other frame (welcome, ack, error) is parsed with jansson.
 *
 * Phases: open tickets (one control connection, pipelined), connect (batches), publish, close; with
 * --sync the generator stops at each phase boundary, says so on stderr ("swarm-load: connected 1") and
 * waits for a line on stdin, so the caller can read the hub's CPU and RSS at exactly that point.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "histogram.h"

enum conn_state { C_IDLE, C_CONNECTING, C_NEED_HELLO, C_WAIT_WELCOME, C_NEED_SUB, C_WAIT_SUB, C_READY, C_DEAD };

struct conn {
    struct lws *wsi;
    int index;
    enum conn_state state;
    int ticket;      /* index into the ticket table */
    int subscribes;  /* subscribes to its ticket when connecting */
    int late_sub;    /* subscribes with since 0 when the publish phase starts (resume) */
    int publishes;   /* messages this connection sends in the publish phase */
    int control;     /* the connection that opens the tickets */
    int closing;
    int sent, acked, failed, inflight;
    int sub_answered; /* a late subscribe was answered */
    long delivered;   /* this cycle */
    uint64_t *sent_at; /* send time of each in-flight command, by number modulo the window */
    uint64_t connect_start;
    char *rx;          /* reassembly of fragmented messages */
    size_t rx_len, rx_cap;
};

struct options {
    const char *url;
    const char *token;
    int bearer;
    int subscribers, publishers, members, tickets;
    const char *ticket; /* an existing ticket instead of opening new ones */
    int messages, window, size, batch, cycles;
    int connect_only;
    long resume;
    double timeout;
    int sync;
};

static struct options opt = {
    .url = "ws://127.0.0.1:8080/v1/ws", .token = NULL, .subscribers = 0, .publishers = 0, .members = 0,
    .tickets = 1, .messages = 0, .window = 1, .size = 200, .batch = 200, .cycles = 1, .resume = 0,
    .timeout = 120, .sync = 0};

static char host[256], path[512];
static int port;
static struct lws_context *context;
static struct conn *conns;
static int nconns;
static struct conn control;
static char **ticket_ids;
static int *subs_per_ticket;  /* ready subscribing connections per ticket, this cycle */
static long *pubs_per_ticket; /* comments ready connections will send per ticket, this cycle */
static long outstanding;      /* answers the publish phase still waits for */
static int tickets_opened, tickets_sent;
static unsigned long nonce;
static int go; /* the publish phase has started */
static int interrupted;
static int debug; /* SWARM_LOAD_DEBUG set: progress and stuck publishers on stderr */

/* counters */
static long delivered, expected_deliveries, acked_total, failed_total, commands_total, error_frames;
static long connect_errors, unexpected_closes, ready_count, closed_count, started_count;
static struct histogram delivery_latency, ack_latency, connect_latency;
static char first_error[512];

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *message)
{
    fprintf(stderr, "swarm-load: %s\n", message);
    exit(2);
}

static void note_error(const char *text, size_t len)
{
    if (first_error[0] == '\0') {
        size_t n = len < sizeof(first_error) - 1 ? len : sizeof(first_error) - 1;
        memcpy(first_error, text, n);
        first_error[n] = '\0';
    }
}

/* Stops at a phase boundary until the caller answers with a line on stdin (only with --sync). */
static void barrier(const char *phase, int cycle)
{
    if (!opt.sync)
        return;
    fprintf(stderr, "swarm-load: %s %d\n", phase, cycle);
    fflush(stderr);
    char line[64];
    if (fgets(line, sizeof(line), stdin) == NULL)
        opt.sync = 0; /* the caller went away: run on without stopping */
}

static unsigned char txbuf[LWS_PRE + 70000];

static int send_text(struct lws *wsi, const char *text, int len)
{
    if (len < 0 || (size_t)len > sizeof(txbuf) - LWS_PRE)
        return -1;
    memcpy(txbuf + LWS_PRE, text, (size_t)len);
    int n = lws_write(wsi, txbuf + LWS_PRE, (size_t)len, LWS_WRITE_TEXT);
    return n < len ? -1 : 0;
}

static char *body_padding;

/* Writes the next frame this connection owes; returns -1 to close it. */
static int on_writeable(struct conn *c)
{
    char frame[70000];
    int n;
    if (c->closing) {
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"bye", 3);
        return -1;
    }
    switch (c->state) {
    case C_NEED_HELLO:
        n = snprintf(frame, sizeof(frame), "{\"type\":\"hello\",\"id\":\"h%lx.%d\",\"token\":\"%s\",\"client\":\"swarm-load\"}",
                     nonce, c->index, opt.token);
        c->state = C_WAIT_WELCOME;
        return send_text(c->wsi, frame, n);
    case C_NEED_SUB:
        n = snprintf(frame, sizeof(frame), "{\"type\":\"subscribe\",\"id\":\"s%lx.%d\",\"channels\":[\"ticket:%s\"]%s}",
                     nonce, c->index, ticket_ids[c->ticket], c->late_sub ? ",\"since\":0" : "");
        c->state = C_WAIT_SUB;
        return send_text(c->wsi, frame, n);
    case C_READY:
        break;
    default:
        return 0;
    }
    if (c->control) {
        if (tickets_sent < opt.tickets && tickets_sent - tickets_opened < 64) {
            n = snprintf(frame, sizeof(frame),
                         "{\"type\":\"ticket.open\",\"id\":\"t%lx.%d\",\"title\":\"bench ticket %d\","
                         "\"description\":\"opened by swarm-load\",\"category\":\"other\",\"urgency\":\"low\","
                         "\"impact\":\"low\"}",
                         nonce, tickets_sent, tickets_sent + 1);
            tickets_sent++;
            if (send_text(c->wsi, frame, n) < 0)
                return -1;
            if (tickets_sent < opt.tickets && tickets_sent - tickets_opened < 64)
                lws_callback_on_writable(c->wsi);
        }
        return 0;
    }
    if (go && c->sent < c->publishes && c->inflight < opt.window) {
        uint64_t t = now_ns();
        n = snprintf(frame, sizeof(frame),
                     "{\"type\":\"comment.add\",\"id\":\"c%lx.%d.%d\",\"ticket\":\"%s\",\"body\":\"swl:%" PRIu64
                     ":%.*s\"}",
                     nonce, c->index, c->sent, ticket_ids[c->ticket], t, opt.size, body_padding);
        c->sent_at[c->sent % opt.window] = t;
        c->sent++;
        c->inflight++;
        if (send_text(c->wsi, frame, n) < 0)
            return -1;
        if (c->sent < c->publishes && c->inflight < opt.window)
            lws_callback_on_writable(c->wsi);
    }
    return 0;
}

static void become_ready(struct conn *c)
{
    c->state = C_READY;
    ready_count++;
    if (!c->control)
        histogram_record(&connect_latency, (now_ns() - c->connect_start) / 1000);
}

/* A whole text message from the hub. */
static void on_message(struct conn *c, const char *text, size_t len)
{
    const char *mark = memmem(text, len, "\"swl:", 5);
    if (mark != NULL) {
        uint64_t stamp = strtoull(mark + 5, NULL, 10);
        uint64_t t = now_ns();
        delivered++;
        c->delivered++;
        if (!c->late_sub && t > stamp)
            histogram_record(&delivery_latency, (t - stamp) / 1000);
        return;
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);
    if (root == NULL) {
        error_frames++;
        note_error(text, len);
        return;
    }
    const char *type = json_string_value(json_object_get(root, "type"));
    const char *id = json_string_value(json_object_get(root, "id"));
    if (type == NULL) {
        json_decref(root);
        return;
    }
    if (strcmp(type, "welcome") == 0 && c->state == C_WAIT_WELCOME) {
        if (c->subscribes && !c->late_sub) {
            c->state = C_NEED_SUB;
            lws_callback_on_writable(c->wsi);
        } else {
            become_ready(c);
        }
    } else if ((strcmp(type, "ack") == 0 || strcmp(type, "error") == 0) && id != NULL) {
        int is_error = strcmp(type, "error") == 0;
        if (is_error) {
            error_frames++;
            note_error(text, len);
        }
        if (id[0] == 's' && c->state == C_WAIT_SUB) {
            if (c->late_sub) {
                c->state = C_READY;
                c->sub_answered = 1;
                outstanding--;
            } else {
                become_ready(c);
            }
        } else if (id[0] == 'c') {
            const char *num = strrchr(id, '.');
            int k = num ? atoi(num + 1) : 0;
            c->inflight--;
            outstanding--;
            if (is_error) {
                failed_total++;
                c->failed++;
                expected_deliveries -= subs_per_ticket[c->ticket];
            } else {
                acked_total++;
                c->acked++;
                histogram_record(&ack_latency, (now_ns() - c->sent_at[k % opt.window]) / 1000);
            }
            if (c->sent < c->publishes)
                lws_callback_on_writable(c->wsi);
        } else if (id[0] == 't' && c->control) {
            const char *num = strrchr(id, '.');
            int k = num ? atoi(num + 1) : -1;
            const char *ticket = json_string_value(json_object_get(root, "ticket"));
            if (k >= 0 && k < opt.tickets && ticket != NULL && !is_error) {
                ticket_ids[k] = strdup(ticket);
                tickets_opened++;
            } else {
                die("a ticket.open was refused; see the error above");
            }
            lws_callback_on_writable(c->wsi);
        } else if (id[0] == 'h' && is_error) {
            die("hello refused: bad token?");
        }
    } else if (strcmp(type, "error") == 0) {
        error_frames++;
        note_error(text, len);
    }
    json_decref(root);
}

/* A connection gone in the publish phase: stop waiting for what it would have sent or received. */
static void forget(struct conn *c)
{
    if (!go || c->control)
        return;
    outstanding -= c->publishes - c->acked - c->failed;
    if (c->late_sub) {
        if (!c->sub_answered)
            outstanding--;
        expected_deliveries -= opt.resume - c->delivered;
    } else if (c->subscribes) {
        expected_deliveries -= pubs_per_ticket[c->ticket] - c->delivered;
    }
}

static struct conn *conn_of(struct lws *wsi, void *user)
{
    if (user != NULL)
        return user;
    return wsi ? lws_get_opaque_user_data(wsi) : NULL;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    struct conn *c = conn_of(wsi, user);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        if (opt.bearer && c != NULL) {
            unsigned char **p = (unsigned char **)in, *end = (*p) + len;
            char value[300];
            int n = snprintf(value, sizeof(value), "Bearer %s", opt.token);
            if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, (unsigned char *)value, n, p, end))
                return -1;
        }
        break;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (c == NULL)
            return -1;
        if (opt.bearer) {
            c->state = C_WAIT_WELCOME; /* the hub sends welcome first */
        } else {
            c->state = C_NEED_HELLO;
            lws_callback_on_writable(wsi);
        }
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (c != NULL && c->state != C_DEAD) {
            connect_errors++;
            if (in != NULL && len > 0)
                note_error(in, len);
            else
                note_error("connection error", 16);
            if (c->state == C_READY)
                forget(c);
            c->state = C_DEAD;
            c->wsi = NULL;
            closed_count++;
        }
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (c == NULL)
            break;
        if (lws_frame_is_binary(wsi))
            break;
        if (c->rx_len == 0 && lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
            on_message(c, in, len);
            break;
        }
        if (c->rx_len + len > c->rx_cap) {
            size_t cap = (c->rx_len + len) * 2;
            char *rx = realloc(c->rx, cap);
            if (rx == NULL)
                die("out of memory");
            c->rx = rx;
            c->rx_cap = cap;
        }
        memcpy(c->rx + c->rx_len, in, len);
        c->rx_len += len;
        if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
            on_message(c, c->rx, c->rx_len);
            c->rx_len = 0;
        }
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (c == NULL)
            break;
        return on_writeable(c);
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (c != NULL && c->state != C_DEAD) {
            if (!c->closing) {
                unexpected_closes++;
                note_error("connection closed by the hub", 28);
                forget(c);
            }
            c->state = C_DEAD;
            c->wsi = NULL;
            closed_count++;
        }
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"swarm-load", callback, 0, 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void start_connection(struct conn *c)
{
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof(ci));
    ci.context = context;
    ci.address = host;
    ci.port = port;
    ci.path = path;
    ci.host = host;
    ci.origin = host;
    ci.local_protocol_name = "swarm-load";
    ci.userdata = c;
    ci.opaque_user_data = c;
    ci.pwsi = &c->wsi;
    c->state = C_CONNECTING;
    c->closing = 0;
    c->rx_len = 0;
    c->connect_start = now_ns();
    started_count++;
    if (lws_client_connect_via_info(&ci) == NULL && c->state == C_CONNECTING) {
        connect_errors++;
        c->state = C_DEAD;
        closed_count++;
    }
}

/* Runs the loop until done() holds or the phase times out; returns 0 on success, -1 on timeout. */
static int run_until(int (*done)(void), void (*step)(void))
{
    uint64_t deadline = now_ns() + (uint64_t)(opt.timeout * 1e9);
    while (!done()) {
        if (interrupted || now_ns() > deadline) {
            if (debug)
                for (int i = 0; i < nconns; i++)
                    if (conns[i].publishes)
                        fprintf(stderr, "conn %d state %d sent %d acked %d inflight %d choked %d partial %d\n", i,
                                conns[i].state, conns[i].sent, conns[i].acked, conns[i].inflight,
                                conns[i].wsi ? lws_send_pipe_choked(conns[i].wsi) : -1,
                                conns[i].wsi ? lws_partial_buffered(conns[i].wsi) : -1);
            return -1;
        }
        if (step)
            step();
        lws_service(context, 0);
    }
    return 0;
}

static int control_done(void) { return tickets_opened == opt.tickets || control.state == C_DEAD; }
static int control_ready(void) { return control.state == C_READY || control.state == C_DEAD; }

static int next_to_start;
static void connect_step(void)
{
    /* Batches: the next batch starts when every connection of the previous one is ready or dead. */
    if (next_to_start < nconns && ready_count + closed_count >= started_count) {
        int end = next_to_start + opt.batch;
        if (end > nconns)
            end = nconns;
        for (; next_to_start < end; next_to_start++)
            start_connection(&conns[next_to_start]);
    }
}
static int connect_done(void) { return next_to_start == nconns && ready_count + closed_count >= started_count; }

static int publish_done(void) { return outstanding <= 0 && delivered >= expected_deliveries; }

/* Wakes the loop every 10 ms so phase ends and timeouts are seen even when no socket is busy. */
/* With SWARM_LOAD_DEBUG set, it also prints the progress once a second on stderr. */
static lws_sorted_usec_list_t tick_sul;
static void tick(lws_sorted_usec_list_t *sul)
{
    static uint64_t last;
    if (debug && now_ns() - last > 1000000000ull) {
        last = now_ns();
        fprintf(stderr, "swarm-load: progress: ready %ld, delivered %ld of %ld, acked %ld\n", ready_count,
                delivered, expected_deliveries, acked_total);
    }
    lws_sul_schedule(context, 0, sul, tick, 2 * LWS_US_PER_MS);
}

static int close_done(void) { return closed_count >= started_count; }

static void parse_url(const char *url)
{
    if (sscanf(url, "ws://%255[^:/]:%d%511s", host, &port, path) < 2)
        die("--url must look like ws://127.0.0.1:PORT/v1/ws");
    if (path[0] == '\0')
        strcpy(path, "/v1/ws");
    if (port <= 0 || port > 65535)
        die("--url: port must be 1 to 65535");
}

static void usage(void)
{
    fprintf(stderr,
            "usage: swarm-load --url ws://127.0.0.1:PORT/v1/ws --token TOKEN [options]\n"
            "  --subscribers N   connections that subscribe to a ticket and only read\n"
            "  --publishers N    connections that only publish comments (not subscribed)\n"
            "  --members N       per ticket, connections that subscribe to it and publish\n"
            "  --tickets N       tickets to open first (default 1); connections are spread over them\n"
            "  --ticket ID       use this existing ticket instead of opening one\n"
            "  --messages N      comments each publishing connection sends (default 0)\n"
            "  --window N        comments in flight per publishing connection (default 1)\n"
            "  --size N          comment body bytes (default 200)\n"
            "  --batch N         connections opened at a time (default 200)\n"
            "  --cycles N        connect, publish, close this many times (default 1)\n"
            "  --connect-only    connections say hello and nothing else\n"
            "  --resume N        one more connection subscribes with since 0 at the publish phase and\n"
            "                    waits for N comments (a replay); its time is resume_s\n"
            "  --bearer          authenticate with Authorization: Bearer instead of a hello frame\n"
            "  --timeout S       seconds each phase may take (default 120)\n"
            "  --sync            stop at each phase boundary: print the phase on stderr, wait for a line on stdin\n"
            "Prints one JSON object on stdout. Exit status 0 when every phase completed, 1 if one timed out.\n");
}

static int parse_int(const char *name, const char *text, long low, long high, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || end == text || v < low || v > high) {
        fprintf(stderr, "swarm-load: %s must be an integer from %ld to %ld, not '%s'\n", name, low, high, text);
        exit(2);
    }
    *out = v;
    return 0;
}

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"url", required_argument, NULL, 'u'},        {"token", required_argument, NULL, 'k'},
        {"subscribers", required_argument, NULL, 'S'}, {"publishers", required_argument, NULL, 'P'},
        {"members", required_argument, NULL, 'M'},    {"tickets", required_argument, NULL, 'T'},
        {"ticket", required_argument, NULL, 'i'},     {"messages", required_argument, NULL, 'm'},
        {"window", required_argument, NULL, 'w'},     {"size", required_argument, NULL, 's'},
        {"batch", required_argument, NULL, 'b'},      {"cycles", required_argument, NULL, 'c'},
        {"connect-only", no_argument, NULL, 'o'},     {"resume", required_argument, NULL, 'r'},
        {"bearer", no_argument, NULL, 'B'},           {"timeout", required_argument, NULL, 't'},
        {"sync", no_argument, NULL, 'y'},             {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    long v;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'u': opt.url = optarg; break;
        case 'k': opt.token = optarg; break;
        case 'S': parse_int("--subscribers", optarg, 0, 1000000, &v); opt.subscribers = (int)v; break;
        case 'P': parse_int("--publishers", optarg, 0, 100000, &v); opt.publishers = (int)v; break;
        case 'M': parse_int("--members", optarg, 0, 1000, &v); opt.members = (int)v; break;
        case 'T': parse_int("--tickets", optarg, 1, 100000, &v); opt.tickets = (int)v; break;
        case 'i': opt.ticket = optarg; break;
        case 'm': parse_int("--messages", optarg, 0, 100000000, &v); opt.messages = (int)v; break;
        case 'w': parse_int("--window", optarg, 1, 4096, &v); opt.window = (int)v; break;
        case 's': parse_int("--size", optarg, 0, 60000, &v); opt.size = (int)v; break;
        case 'b': parse_int("--batch", optarg, 1, 100000, &v); opt.batch = (int)v; break;
        case 'c': parse_int("--cycles", optarg, 1, 10000, &v); opt.cycles = (int)v; break;
        case 'o': opt.connect_only = 1; break;
        case 'r': parse_int("--resume", optarg, 1, 100000000, &v); opt.resume = v; break;
        case 'B': opt.bearer = 1; break;
        case 't': parse_int("--timeout", optarg, 1, 86400, &v); opt.timeout = (double)v; break;
        case 'y': opt.sync = 1; break;
        case 'h': usage(); return 0;
        default: usage(); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "swarm-load: unexpected argument '%s'\n", argv[optind]);
        usage();
        return 2;
    }
    if (opt.token == NULL || opt.token[0] == '\0' || strlen(opt.token) > 250 || strpbrk(opt.token, "\"\\") != NULL)
        die("--token is required (a swarmd token, without quotes or backslashes)");
    if (opt.ticket != NULL && (opt.ticket[0] == '\0' || strlen(opt.ticket) > 64 || strpbrk(opt.ticket, "\"\\") != NULL))
        die("--ticket must be a ticket id such as T-1");
    parse_url(opt.url);
    if (opt.ticket != NULL)
        opt.tickets = 1;

    /* Every connection is a file descriptor: take the hard limit. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    debug = getenv("SWARM_LOAD_DEBUG") != NULL;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    nonce = ((unsigned long)getpid() << 20) ^ (unsigned long)(now_ns() / 1000);

    body_padding = malloc((size_t)opt.size + 1);
    if (body_padding == NULL)
        die("out of memory");
    memset(body_padding, 'x', (size_t)opt.size);
    body_padding[opt.size] = '\0';

    nconns = opt.subscribers + opt.publishers + opt.members * opt.tickets + (opt.resume > 0 ? 1 : 0);
    conns = calloc((size_t)(nconns > 0 ? nconns : 1), sizeof(*conns));
    ticket_ids = calloc((size_t)opt.tickets, sizeof(*ticket_ids));
    subs_per_ticket = calloc((size_t)opt.tickets, sizeof(*subs_per_ticket));
    pubs_per_ticket = calloc((size_t)opt.tickets, sizeof(long));
    if (conns == NULL || ticket_ids == NULL || subs_per_ticket == NULL || pubs_per_ticket == NULL)
        die("out of memory");
    int k = 0;
    for (int i = 0; i < opt.subscribers; i++, k++) {
        conns[k].ticket = i % opt.tickets;
        conns[k].subscribes = !opt.connect_only;
    }
    for (int i = 0; i < opt.publishers; i++, k++) {
        conns[k].ticket = i % opt.tickets;
        conns[k].publishes = opt.messages;
    }
    for (int t = 0; t < opt.tickets; t++)
        for (int i = 0; i < opt.members; i++, k++) {
            conns[k].ticket = t;
            conns[k].subscribes = !opt.connect_only;
            conns[k].publishes = opt.messages;
        }
    if (opt.resume > 0) {
        conns[k].ticket = 0;
        conns[k].subscribes = 1;
        conns[k].late_sub = 1;
        k++;
    }
    for (int i = 0; i < nconns; i++) {
        conns[i].index = i;
        commands_total += conns[i].publishes;
        if (conns[i].publishes > 0) {
            conns[i].sent_at = calloc((size_t)opt.window, sizeof(uint64_t));
            if (conns[i].sent_at == NULL)
                die("out of memory");
        }
    }
    long expected_total = 0;

    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.gid = (gid_t)-1;
    info.uid = (uid_t)-1;
    info.timeout_secs = 30;
    context = lws_create_context(&info);
    if (context == NULL)
        die("could not create the libwebsockets context");
    tick(&tick_sul);

    double cpu_start = cpu_seconds();
    uint64_t t_start = now_ns();
    int complete = 1;

    /* Tickets: opened once by a control connection, which stays open to the end. */
    if (opt.ticket != NULL) {
        ticket_ids[0] = strdup(opt.ticket);
        tickets_opened = 1;
    } else if (nconns > 0) {
        control.index = -1;
        control.control = 1;
        start_connection(&control);
        started_count--; /* not one of the measured connections */
        if (run_until(control_ready, NULL) < 0 || control.state != C_READY)
            die(first_error[0] ? first_error : "the control connection could not authenticate");
        ready_count--;
        lws_callback_on_writable(control.wsi);
        if (run_until(control_done, NULL) < 0 || tickets_opened < opt.tickets)
            die("could not open the tickets");
    }
    uint64_t t_tickets = now_ns();

    barrier("ready", 0); /* tickets open, nothing else connected: the caller's baseline */
    json_t *cycles = json_array();
    double connect_s_total = 0, publish_s_total = 0, publish_cpu = 0, resume_s = 0;
    long connected_total = 0;
    for (int cycle = 1; cycle <= opt.cycles; cycle++) {
        ready_count = closed_count = started_count = 0;
        next_to_start = 0;
        go = 0;
        for (int i = 0; i < nconns; i++) {
            conns[i].sent = conns[i].acked = conns[i].failed = conns[i].inflight = conns[i].sub_answered = 0;
            conns[i].delivered = 0;
            conns[i].state = C_IDLE;
        }
        uint64_t t0 = now_ns();
        if (run_until(connect_done, connect_step) < 0)
            complete = 0;
        uint64_t t1 = now_ns();
        long ready = ready_count;
        connected_total += ready;
        connect_s_total += (double)(t1 - t0) / 1e9;
        barrier("connected", cycle);

        /* Publish (and resume): wait for the answers and deliveries the ready connections make possible. */
        memset(subs_per_ticket, 0, (size_t)opt.tickets * sizeof(*subs_per_ticket));
        memset(pubs_per_ticket, 0, (size_t)opt.tickets * sizeof(*pubs_per_ticket));
        outstanding = 0;
        long expected = 0;
        for (int i = 0; i < nconns; i++) {
            if (conns[i].state != C_READY)
                continue;
            if (conns[i].subscribes && !conns[i].late_sub)
                subs_per_ticket[conns[i].ticket]++;
            pubs_per_ticket[conns[i].ticket] += conns[i].publishes;
            outstanding += conns[i].publishes + (conns[i].late_sub ? 1 : 0);
            expected += conns[i].late_sub ? opt.resume : 0;
        }
        for (int t = 0; t < opt.tickets; t++)
            expected += pubs_per_ticket[t] * subs_per_ticket[t];
        expected_total += expected;
        expected_deliveries = delivered + expected;
        double c0 = cpu_seconds();
        uint64_t t2 = now_ns();
        go = 1;
        for (int i = 0; i < nconns; i++) {
            if (conns[i].state != C_READY)
                continue;
            if (conns[i].late_sub) {
                conns[i].state = C_NEED_SUB;
                lws_callback_on_writable(conns[i].wsi);
            } else if (conns[i].publishes > 0) {
                lws_callback_on_writable(conns[i].wsi);
            }
        }
        if (run_until(publish_done, NULL) < 0)
            complete = 0;
        uint64_t t3 = now_ns();
        publish_s_total += (double)(t3 - t2) / 1e9;
        publish_cpu += cpu_seconds() - c0;
        if (opt.resume > 0)
            resume_s = (double)(t3 - t2) / 1e9;
        barrier("published", cycle);

        for (int i = 0; i < nconns; i++)
            if (conns[i].state != C_DEAD && conns[i].wsi != NULL) {
                conns[i].closing = 1;
                lws_callback_on_writable(conns[i].wsi);
            } else if (conns[i].state != C_DEAD && conns[i].state != C_IDLE) {
                conns[i].state = C_DEAD;
                closed_count++;
            }
        if (run_until(close_done, NULL) < 0)
            complete = 0;
        json_array_append_new(cycles, json_pack("{s:I,s:f,s:f}", "connected", (json_int_t)ready, "connect_s",
                                                (double)(t1 - t0) / 1e9, "publish_s", (double)(t3 - t2) / 1e9));
        barrier("closed", cycle);
    }
    if (control.wsi != NULL && control.state != C_DEAD) {
        control.closing = 1;
        lws_callback_on_writable(control.wsi);
        for (int i = 0; i < 200 && control.state != C_DEAD; i++)
            lws_service(context, 0);
    }
    uint64_t t_end = now_ns();
    double cpu_total = cpu_seconds() - cpu_start;
    lws_context_destroy(context);

    json_t *out = json_pack(
        "{s:I,s:I,s:f,s:f,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:I,s:I,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,"
        "s:f,s:f,s:f,s:b,s:o}",
        "connections", (json_int_t)nconns, "connected", (json_int_t)connected_total, "connect_s", connect_s_total,
        "connect_per_s", connect_s_total > 0 ? connected_total / connect_s_total : 0.0, "connect_errors",
        (json_int_t)connect_errors, "unexpected_closes", (json_int_t)unexpected_closes, "error_frames",
        (json_int_t)error_frames, "commands", (json_int_t)(commands_total * opt.cycles), "acked",
        (json_int_t)acked_total, "failed", (json_int_t)failed_total, "tickets_s", (double)(t_tickets - t_start) / 1e9,
        "publish_s", publish_s_total, "delivered", (json_int_t)delivered, "expected",
        (json_int_t)expected_total, "delivered_per_s",
        publish_s_total > 0 ? delivered / publish_s_total : 0.0, "acked_per_s",
        publish_s_total > 0 ? acked_total / publish_s_total : 0.0, "latency_p50_ms",
        histogram_percentile(&delivery_latency, 50) / 1e3, "latency_p99_ms",
        histogram_percentile(&delivery_latency, 99) / 1e3, "latency_max_ms", delivery_latency.max / 1e3,
        "ack_p50_ms", histogram_percentile(&ack_latency, 50) / 1e3, "ack_p99_ms",
        histogram_percentile(&ack_latency, 99) / 1e3, "connect_p50_ms", histogram_percentile(&connect_latency, 50) / 1e3,
        "connect_p99_ms", histogram_percentile(&connect_latency, 99) / 1e3, "resume_s", resume_s, "cpu_s", cpu_total,
        "publish_cpu_s", publish_cpu, "wall_s", (double)(t_end - t_start) / 1e9, "complete", complete && !interrupted,
        "cycles", cycles);
    if (out == NULL)
        die("could not build the result");
    if (first_error[0] != '\0')
        json_object_set_new(out, "first_error", json_string(first_error));
    char *text = json_dumps(out, JSON_COMPACT);
    if (text == NULL)
        die("could not encode the result");
    printf("%s\n", text);
    free(text);
    json_decref(out);

    for (int i = 0; i < nconns; i++) {
        free(conns[i].sent_at);
        free(conns[i].rx);
    }
    free(control.rx);
    for (int t = 0; t < opt.tickets; t++)
        free(ticket_ids[t]);
    free(ticket_ids);
    free(subs_per_ticket);
    free(pubs_per_ticket);
    free(conns);
    free(body_padding);
    return complete && !interrupted ? 0 : 1;
}
