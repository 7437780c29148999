/* swarm-mailgate — hands one e-mail message, read on standard input, to a swarmd hub's POST /v1/mail
 * (docs/mail.md). For Postfix's pipe transport, fetchmail's mda, procmail.
 *
 *   swarm-mailgate [--url URL] [--token-file FILE] [--ca-file PEM] [--timeout MS] [--max-size BYTES] < message
 *
 * Exit status (sysexits.h, what an MTA understands): 0 the hub took the message (any outcome, even
 * "rejected"); 64 bad arguments; 65 the message is refused (not a message, too large): the MTA bounces
 * it; 75 try again later (hub unreachable, busy, failing, or refusing the token): the MTA keeps it.
 * Errors are one line on stderr that starts with an RFC 3463 status code agreeing with the exit status,
 * which Postfix's pipe puts into its log and into the bounce.
 *
 * The HTTP client is libcurl, not libwebsockets (which libswarm uses for the WebSocket): this is one
 * plain, blocking POST whose body comes from memory or a file, and libcurl does exactly that
 * (a read callback, Content-Length, a timeout over the whole request, https with a CA file) in a few
 * lines, where libwebsockets' HTTP client would need an event loop and its own body-writing state machine.
 */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mailgate_core.h"

static void usage(FILE *to) {
    fputs("usage: swarm-mailgate [--url URL] [--token-file FILE] [--ca-file PEM] [--timeout MS] [--max-size BYTES]\n"
          "                      < message\n"
          "Posts the RFC 5322 message on standard input to the hub's POST /v1/mail.\n"
          "--url: the hub's base URL, http:// or https:// (default " MAILGATE_DEFAULT_URL ").\n"
          "--token-file: a file whose first line is a token of role mailgate (else SWARM_TOKEN).\n"
          "--ca-file: the CA (or self-signed certificate) an https:// hub's certificate must be signed by.\n"
          "--timeout: milliseconds for the whole request (default 60000).\n"
          "--max-size: the largest message taken, bytes with an optional k, M or G (default 30M).\n"
          "Environment: SWARM_URL, SWARM_TOKEN, SWARM_CA_FILE.\n"
          "Exit: 0 delivered (any outcome), 64 bad arguments, 65 message refused (bounce),\n"
          "      75 temporary failure (the MTA keeps the message and tries again).\n",
          to);
}

static const char *environment(const char *name, void *context) {
    (void)context;
    return getenv(name);
}

/* The upload: from memory or from the file, at most message->length bytes. */
typedef struct {
    const mailgate_message *message;
    size_t sent;
    int read_error; /* errno of a failed read of the file */
} upload;

static size_t read_body(char *buffer, size_t size, size_t count, void *context) {
    upload *up = context;
    size_t room = size * count, left = up->message->length - up->sent;
    if (room > left) room = left;
    if (room == 0) return 0;
    if (up->message->data) {
        memcpy(buffer, up->message->data + up->sent, room);
        up->sent += room;
        return room;
    }
    for (;;) {
        ssize_t got = read(up->message->fd, buffer, room);
        if (got > 0) {
            up->sent += (size_t)got;
            return (size_t)got;
        }
        if (got < 0 && errno == EINTR) continue;
        /* The file shrank or failed under us: abort, never send a short body as if it were whole. */
        up->read_error = got < 0 ? errno : EIO;
        return CURL_READFUNC_ABORT;
    }
}

/* The answer's body, kept up to 64 KiB (the hub's answers are small JSON). */
typedef struct {
    char data[64 * 1024];
    size_t length;
} answer_body;

static size_t write_body(char *data, size_t size, size_t count, void *context) {
    answer_body *body = context;
    size_t bytes = size * count, room = sizeof body->data - 1 - body->length;
    memcpy(body->data + body->length, data, bytes < room ? bytes : room);
    body->length += bytes < room ? bytes : room;
    body->data[body->length] = '\0';
    return bytes;
}

static size_t read_header(char *data, size_t size, size_t count, void *context) {
    char *retry_after = context;
    size_t bytes = size * count;
    static const char name[] = "retry-after:";
    if (bytes > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        size_t start = sizeof name - 1, end = bytes;
        while (start < end && (data[start] == ' ' || data[start] == '\t')) start++;
        while (end > start && (data[end - 1] == '\r' || data[end - 1] == '\n' || data[end - 1] == ' ')) end--;
        size_t length = end - start < 63 ? end - start : 63;
        memcpy(retry_after, data + start, length);
        retry_after[length] = '\0';
    }
    return bytes;
}

int main(int argc, char **argv) {
    char problem[512];
    mailgate_options options;
    int status = mailgate_parse_arguments(&options, argc, argv, environment, NULL, problem, sizeof problem);
    if (status != 0) {
        fprintf(stderr, "5.3.5 swarm-mailgate: %s\n", problem);
        return status;
    }
    if (options.help) {
        usage(stdout);
        return 0;
    }
    char endpoint[2048];
    mailgate_endpoint(options.url, endpoint, sizeof endpoint, problem, sizeof problem);
    /* Our own configuration's faults keep the mail (75) like a refused token: bouncing users' mail
     * for the operator's mistake would lose it. */
    char token[1024];
    status = mailgate_read_token(options.token_file, options.token, token, sizeof token, problem, sizeof problem);
    if (status != 0) {
        fprintf(stderr, "4.3.5 swarm-mailgate: %s\n", problem);
        return status;
    }
    if (options.ca_file && access(options.ca_file, R_OK) != 0) {
        fprintf(stderr, "4.3.5 swarm-mailgate: cannot read the CA file %s: %s\n", options.ca_file, strerror(errno));
        return MAILGATE_TEMPFAIL;
    }
    mailgate_message message;
    status = mailgate_read_message(STDIN_FILENO, options.max_size, &message, problem, sizeof problem);
    if (status != 0) {
        fprintf(stderr, "%s swarm-mailgate: %s\n",
                status == MAILGATE_TEMPFAIL ? "4.3.0" : message.too_large ? "5.3.4" : "5.6.0", problem);
        return status;
    }

    /* A peer closing early must not kill us with SIGPIPE before the exit status is set. */
    signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "4.3.0 swarm-mailgate: libcurl could not start\n");
        mailgate_message_free(&message);
        return MAILGATE_TEMPFAIL;
    }
    CURL *curl = curl_easy_init();
    char authorization[1100];
    snprintf(authorization, sizeof authorization, "Authorization: Bearer %s", token);
    struct curl_slist *headers = NULL, *more;
    const char *lines[] = {"Content-Type: message/rfc822", "Accept: application/json", authorization,
                           /* No "Expect: 100-continue" (libcurl's default above 1 MB): a hub that does not
                            * answer 100 would delay every large message by libcurl's wait. */
                           "Expect:"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        more = curl_slist_append(headers, lines[i]);
        if (more) headers = more;
    }
    upload up = {&message, 0, 0};
    static answer_body body;
    char retry_after[64] = "", failure[CURL_ERROR_SIZE] = "";
    CURLcode code = CURLE_OUT_OF_MEMORY;
    if (curl && headers) {
        curl_easy_setopt(curl, CURLOPT_URL, endpoint);
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)message.length);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_body);
        curl_easy_setopt(curl, CURLOPT_READDATA, &up);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_USERAGENT, "swarm-mailgate/1");
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, read_header);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, retry_after);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, failure);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, options.timeout_ms);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, options.timeout_ms);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        /* The hub is addressed directly: an http_proxy in fetchmail's or procmail's environment is
         * not for it. */
        curl_easy_setopt(curl, CURLOPT_PROXY, "");
        if (options.ca_file) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file);
        code = curl_easy_perform(curl);
    }
    mailgate_answer answer;
    memset(&answer, 0, sizeof answer);
    char why[CURL_ERROR_SIZE + 128];
    if (code != CURLE_OK) {
        answer.failed = 1;
        answer.timed_out = code == CURLE_OPERATION_TIMEDOUT;
        if (up.read_error)
            snprintf(why, sizeof why, "reading the message failed while sending it: %s", strerror(up.read_error));
        else
            snprintf(why, sizeof why, "%s", failure[0] ? failure : curl_easy_strerror(code));
        answer.failure = why;
    } else {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
        answer.retry_after = retry_after;
        answer.body = body.data;
    }
    char line[1024];
    status = mailgate_verdict(&answer, options.url, line, sizeof line);
    if (status == MAILGATE_DELIVERED) printf("%s\n", line);
    else fprintf(stderr, "%s\n", line);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    curl_global_cleanup();
    mailgate_message_free(&message);
    return status;
}
