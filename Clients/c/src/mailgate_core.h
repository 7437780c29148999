/* mailgate_core.h — what swarm-mailgate decides: its options, the message read from standard input with
 * a size limit, and the exit status and one-line reason for the hub's answer. Pure functions (no
 * network), unit-tested (tests/test_mailgate.c); the HTTP request is in mailgate.c. */
#ifndef MAILGATE_CORE_H
#define MAILGATE_CORE_H

#include <stddef.h>

/* The exit statuses (sysexits.h): what an MTA (Postfix's pipe, fetchmail's mda, procmail) understands. */
enum {
    MAILGATE_DELIVERED = 0, /* the hub took the message (202, any outcome): the MTA forgets it */
    MAILGATE_USAGE = 64,    /* EX_USAGE: bad arguments (Postfix bounces: try the command line by hand first) */
    MAILGATE_REFUSED = 65,  /* EX_DATAERR: the message itself is refused (not a message, too large): bounce */
    MAILGATE_TEMPFAIL = 75  /* EX_TEMPFAIL: hub unreachable, busy, or our configuration (token): keep, retry */
};

/* Defaults. The size limit guards memory, a little above the hub's own limit (25 MB per message)
 * so that a message the hub would take is never refused here. */
#define MAILGATE_DEFAULT_URL "http://127.0.0.1:8080"
enum { MAILGATE_DEFAULT_TIMEOUT_MS = 60000 };
#define MAILGATE_DEFAULT_MAX_SIZE ((size_t)30 * 1024 * 1024)
#define MAILGATE_MAX_MAX_SIZE ((size_t)1024 * 1024 * 1024)

typedef struct {
    const char *url;        /* the hub's base URL, http:// or https:// (SWARM_URL) */
    const char *token_file; /* --token-file; else SWARM_TOKEN */
    const char *token;      /* SWARM_TOKEN (never an option: argv is visible to every user in ps) */
    const char *ca_file;    /* --ca-file (SWARM_CA_FILE): the CA an https:// hub's certificate is signed by */
    long timeout_ms;        /* --timeout: the whole request, connecting included */
    size_t max_size;        /* --max-size: the largest message taken from standard input, in bytes */
    int help;               /* --help given */
} mailgate_options;

/* Looks up an environment variable (getenv, or a table in tests). */
typedef const char *(*mailgate_env)(const char *name, void *context);

/* Parses the command line and the environment (SWARM_URL, SWARM_TOKEN, SWARM_CA_FILE). Returns 0, or
 * MAILGATE_USAGE with a one-line reason in error. Does not read the token file. */
int mailgate_parse_arguments(mailgate_options *out, int argc, char **argv, mailgate_env env, void *context,
                             char *error, size_t error_size);

/* A size in bytes: digits with an optional suffix k, M or G (powers of 1024). Returns 0 or -1. */
int mailgate_parse_size(const char *text, size_t *out);

/* The endpoint for a base URL: "<base without trailing '/'>/v1/mail". Returns 0, or -1 with a reason
 * (not http:// or https://, no host, too long). */
int mailgate_endpoint(const char *base, char *out, size_t out_size, char *error, size_t error_size);

/* The token: the first line of the file (without its line end), else the environment's. Returns 0, or
 * MAILGATE_TEMPFAIL with a reason: a token that cannot be had is the operator's to fix, and the MTA
 * keeps the mail meanwhile. */
int mailgate_read_token(const char *file, const char *from_env, char *out, size_t out_size, char *error,
                        size_t error_size);

/* The message on standard input: in memory (a pipe), or left in the file and sent from it (a regular
 * file, as procmail or a shell redirect may give). */
typedef struct {
    char *data;    /* malloc'ed, length bytes; NULL when sent from fd */
    size_t length; /* bytes to send */
    int fd;        /* >= 0: a regular file to send length bytes from, at its current offset */
    int too_large; /* set when refused for its size */
} mailgate_message;

/* Reads the message from fd, never holding more than max_size + 1 bytes: a larger one is refused
 * (MAILGATE_REFUSED) without reading the rest. Also MAILGATE_REFUSED for an empty one, and
 * MAILGATE_TEMPFAIL for a read error or no memory. Returns 0 or the exit status, with the reason. */
int mailgate_read_message(int fd, size_t max_size, mailgate_message *out, char *error, size_t error_size);

void mailgate_message_free(mailgate_message *message);

/* What came back from the request. */
typedef struct {
    int failed;              /* no HTTP answer: the connection failed or timed out */
    int timed_out;           /* failed by the timeout */
    const char *failure;     /* why, when failed */
    long status;             /* the HTTP status, when not failed */
    const char *retry_after; /* the Retry-After header, or NULL */
    const char *body;        /* the answer's body (NUL-terminated), or NULL */
} mailgate_answer;

/* The exit status for an answer, and the line to print: for 0 the hub's verdict for stdout ("opened
 * T-12", "commented T-3", "ignored: <reason>", "rejected: <reason>"); otherwise the reason for stderr,
 * starting with an RFC 3463 enhanced status code that agrees with the exit status (Postfix's pipe takes
 * it into the bounce or the deferral). url names the hub in the reasons. */
int mailgate_verdict(const mailgate_answer *answer, const char *url, char *line, size_t line_size);

/* Copies text into out as one printable line: control characters become spaces, at most out_size - 1
 * bytes (cut on a UTF-8 character boundary). */
void mailgate_one_line(char *out, size_t out_size, const char *text);

#endif
