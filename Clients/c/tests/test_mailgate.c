/* Unit tests of swarm-mailgate's pure parts (cmocka): arguments, the token, the size limit on standard
 * input, and the exit status and reason for each answer of the hub. */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mailgate_core.h"

/* A fake environment: NULL-terminated name, value pairs. */
static const char *table(const char *name, void *context) {
    const char *const *pairs = context;
    for (; pairs && pairs[0]; pairs += 2)
        if (strcmp(pairs[0], name) == 0) return pairs[1];
    return NULL;
}

static const char *const no_environment[] = {NULL, NULL};

/* Parses a NULL-terminated argument list (argv[0] included). */
static int parse(mailgate_options *options, const char *const *environment, char *error, size_t size, ...) {
    char *argv[32];
    int argc = 0;
    va_list arguments;
    va_start(arguments, size);
    for (const char *argument; (argument = va_arg(arguments, const char *)) != NULL && argc < 31;)
        argv[argc++] = (char *)argument;
    va_end(arguments);
    argv[argc] = NULL;
    return mailgate_parse_arguments(options, argc, argv, table, (void *)environment, error, size);
}

static void defaults_and_environment(void **state) {
    (void)state;
    mailgate_options o;
    char error[256] = "";
    assert_int_equal(parse(&o, no_environment, error, sizeof error, "swarm-mailgate", NULL), 0);
    assert_string_equal(o.url, "http://127.0.0.1:8080");
    assert_null(o.token);
    assert_null(o.token_file);
    assert_null(o.ca_file);
    assert_int_equal(o.timeout_ms, 60000);
    assert_int_equal(o.max_size, 30 * 1024 * 1024);
    const char *const environment[] = {"SWARM_URL", "https://hub.example:8443/swarm/", "SWARM_TOKEN", "t0k",
                                       "SWARM_CA_FILE", "/etc/swarm/ca.pem", NULL, NULL};
    assert_int_equal(parse(&o, environment, error, sizeof error, "swarm-mailgate", NULL), 0);
    assert_string_equal(o.url, "https://hub.example:8443/swarm/");
    assert_string_equal(o.token, "t0k");
    assert_string_equal(o.ca_file, "/etc/swarm/ca.pem");
    /* Options win over the environment. */
    assert_int_equal(parse(&o, environment, error, sizeof error, "swarm-mailgate", "--url", "http://10.1.1.1:80",
                           "--token-file", "/etc/swarm/mailgate.token", "--timeout", "2500", "--max-size", "25M",
                           "--ca-file", "/ca.pem", NULL),
                     0);
    assert_string_equal(o.url, "http://10.1.1.1:80");
    assert_string_equal(o.token_file, "/etc/swarm/mailgate.token");
    assert_string_equal(o.ca_file, "/ca.pem");
    assert_int_equal(o.timeout_ms, 2500);
    assert_int_equal(o.max_size, 25 * 1024 * 1024);
    assert_int_equal(parse(&o, no_environment, error, sizeof error, "swarm-mailgate", "--help", NULL), 0);
    assert_true(o.help);
}

static void bad_arguments(void **state) {
    (void)state;
    mailgate_options o;
    char error[256];
    assert_int_equal(parse(&o, no_environment, error, sizeof error, "swarm-mailgate", "--token", "secret", NULL), 64);
    assert_string_equal(error, "--token is not taken (every user sees the command line in ps): use --token-file or "
                               "SWARM_TOKEN");
    assert_int_equal(parse(&o, no_environment, error, sizeof error, "swarm-mailgate", "--token=secret", NULL), 64);
    assert_int_equal(parse(&o, no_environment, error, sizeof error, "swarm-mailgate", "--bogus", NULL), 64);
    assert_string_equal(error, "unknown option '--bogus' (--help lists them)");
    assert_int_equal(parse(&o, no_environment, error, sizeof error, "swarm-mailgate", "help@it.example", NULL), 64);
    assert_string_equal(error, "unexpected argument 'help@it.example': the message comes on standard input (the "
                               "token: --token-file or SWARM_TOKEN)");
    assert_int_equal(parse(&o, no_environment, error, sizeof error, "swarm-mailgate", "--timeout", "99", NULL), 64);
    assert_string_equal(error, "--timeout must be 100 to 600000 milliseconds");
    assert_int_equal(parse(&o, no_environment, error, sizeof error, "swarm-mailgate", "--timeout", "5s", NULL), 64);
    assert_int_equal(parse(&o, no_environment, error, sizeof error, "swarm-mailgate", "--max-size", "0", NULL), 64);
    assert_string_equal(error, "--max-size must be 1 byte to 1G (digits, optionally k, M or G)");
    assert_int_equal(parse(&o, no_environment, error, sizeof error, "swarm-mailgate", "--max-size", "2G", NULL), 64);
    assert_int_equal(parse(&o, no_environment, error, sizeof error, "swarm-mailgate", "--max-size", "-1", NULL), 64);
    assert_int_equal(parse(&o, no_environment, error, sizeof error, "swarm-mailgate", "--url", NULL), 64);
    assert_string_equal(error, "option --url needs a value");
    assert_int_equal(parse(&o, no_environment, error, sizeof error, "swarm-mailgate", "--url", "ws://127.0.0.1:8080/v1/ws",
                           NULL),
                     64);
    assert_string_equal(error, "the hub URL must start with http:// or https:// (its base, e.g. "
                               "http://127.0.0.1:8080), not 'ws://127.0.0.1:8080/v1/ws'");
    const char *const environment[] = {"SWARM_URL", "ftp://hub", NULL, NULL};
    assert_int_equal(parse(&o, environment, error, sizeof error, "swarm-mailgate", NULL), 64);
}

static void sizes(void **state) {
    (void)state;
    size_t size = 0;
    assert_int_equal(mailgate_parse_size("1", &size), 0);
    assert_int_equal(size, 1);
    assert_int_equal(mailgate_parse_size("512k", &size), 0);
    assert_int_equal(size, 512 * 1024);
    assert_int_equal(mailgate_parse_size("30M", &size), 0);
    assert_int_equal(size, 30 * 1024 * 1024);
    assert_int_equal(mailgate_parse_size("1G", &size), 0);
    assert_int_equal(size, 1024 * 1024 * 1024);
    assert_int_equal(mailgate_parse_size("1073741825", &size), -1);
    assert_int_equal(mailgate_parse_size("3MB", &size), -1);
    assert_int_equal(mailgate_parse_size("", &size), -1);
    assert_int_equal(mailgate_parse_size("k", &size), -1);
    assert_int_equal(mailgate_parse_size(" 5", &size), -1);
    assert_int_equal(mailgate_parse_size("99999999999999999999999", &size), -1);
}

static void endpoints(void **state) {
    (void)state;
    char out[128], error[256];
    assert_int_equal(mailgate_endpoint("http://127.0.0.1:8080", out, sizeof out, error, sizeof error), 0);
    assert_string_equal(out, "http://127.0.0.1:8080/v1/mail");
    assert_int_equal(mailgate_endpoint("https://hub.example/swarm//", out, sizeof out, error, sizeof error), 0);
    assert_string_equal(out, "https://hub.example/swarm/v1/mail");
    assert_int_equal(mailgate_endpoint("http://", out, sizeof out, error, sizeof error), -1);
    assert_string_equal(error, "the hub URL 'http://' has no host");
    assert_int_equal(mailgate_endpoint("http://hub/?x=1", out, sizeof out, error, sizeof error), -1);
    assert_int_equal(mailgate_endpoint("http://a-very-long-host-name.example/with/a/long/path/that/does/not/fit/in/"
                                       "the/buffer/given/here/at/all",
                                       out, 64, error, sizeof error),
                     -1);
    assert_string_equal(error, "the hub URL is too long");
}

static void tokens(void **state) {
    (void)state;
    char token[64], error[256];
    char path[] = "/tmp/test-mailgate-token-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "s3cret\r\nsecond line\n", 20), 20);
    close(fd);
    assert_int_equal(mailgate_read_token(path, "from-env", token, sizeof token, error, sizeof error), 0);
    assert_string_equal(token, "s3cret");
    assert_int_equal(truncate(path, 0), 0);
    assert_int_equal(mailgate_read_token(path, "from-env", token, sizeof token, error, sizeof error), 75);
    assert_true(strstr(error, "is empty") != NULL);
    unlink(path);
    assert_int_equal(mailgate_read_token(path, NULL, token, sizeof token, error, sizeof error), 75);
    assert_true(strncmp(error, "cannot read the token file /tmp/test-mailgate-token-", 52) == 0);
    assert_true(strstr(error, "No such file or directory") != NULL);
    assert_int_equal(mailgate_read_token(NULL, "from-env", token, sizeof token, error, sizeof error), 0);
    assert_string_equal(token, "from-env");
    assert_int_equal(mailgate_read_token(NULL, NULL, token, sizeof token, error, sizeof error), 75);
    assert_string_equal(error, "no token: give --token-file or SWARM_TOKEN");
}

/* Reads text through a pipe with the given limit. */
static int through_pipe(const char *text, size_t max_size, mailgate_message *message, char *error, size_t size) {
    int ends[2];
    assert_int_equal(pipe(ends), 0);
    size_t length = strlen(text);
    assert_int_equal(write(ends[1], text, length), (ssize_t)length);
    close(ends[1]);
    int status = mailgate_read_message(ends[0], max_size, message, error, size);
    close(ends[0]);
    return status;
}

static void size_limit_on_a_pipe(void **state) {
    (void)state;
    mailgate_message message;
    char error[256];
    assert_int_equal(through_pipe("From: a@b\r\n\r\nhello", 18, &message, error, sizeof error), 0);
    assert_int_equal(message.length, 18);
    assert_int_equal(message.fd, -1);
    assert_memory_equal(message.data, "From: a@b\r\n\r\nhello", 18);
    mailgate_message_free(&message);
    assert_int_equal(through_pipe("From: a@b\r\n\r\nhello!", 18, &message, error, sizeof error), 65);
    assert_string_equal(error, "the message has more than 18 bytes, the limit (--max-size)");
    assert_true(message.too_large);
    assert_null(message.data);
    assert_int_equal(through_pipe("", 19, &message, error, sizeof error), 65);
    assert_string_equal(error, "no message on standard input");
    assert_false(message.too_large);
}

/* A message larger than the pipe's buffer, written by a child: read whole at the limit, and refused one
 * byte above it after reading no more than limit + 1 bytes (the rest stays unread in the pipe). */
static void size_limit_on_a_large_pipe(void **state) {
    (void)state;
    const size_t length = 300 * 1024 + 7;
    for (int over = 0; over <= 1; over++) {
        int ends[2];
        assert_int_equal(pipe(ends), 0);
        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0) {
            close(ends[0]);
            char chunk[4096];
            memset(chunk, 'x', sizeof chunk);
            size_t left = length + (size_t)over * 100000;
            while (left > 0) {
                ssize_t wrote = write(ends[1], chunk, left < sizeof chunk ? left : sizeof chunk);
                if (wrote <= 0) _exit(0); /* the reader stopped reading: expected when too large */
                left -= (size_t)wrote;
            }
            _exit(0);
        }
        close(ends[1]);
        mailgate_message message;
        char error[256];
        int status = mailgate_read_message(ends[0], length, &message, error, sizeof error);
        close(ends[0]);
        int child_status;
        waitpid(child, &child_status, 0);
        if (over) {
            assert_int_equal(status, 65);
            assert_true(message.too_large);
        } else {
            assert_int_equal(status, 0);
            assert_int_equal(message.length, length);
            assert_int_equal(message.data[length - 1], 'x');
            mailgate_message_free(&message);
        }
    }
}

static void size_limit_on_a_file(void **state) {
    (void)state;
    char path[] = "/tmp/test-mailgate-message-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(write(fd, "Subject: x\n\nbody\n", 17), 17);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    mailgate_message message;
    char error[256];
    assert_int_equal(mailgate_read_message(fd, 17, &message, error, sizeof error), 0);
    assert_int_equal(message.fd, fd);
    assert_int_equal(message.length, 17);
    assert_null(message.data); /* sent from the file, not copied */
    assert_int_equal(mailgate_read_message(fd, 16, &message, error, sizeof error), 65);
    assert_string_equal(error, "the message has 17 bytes; the limit is 16 (--max-size)");
    /* From the current offset (a caller that read a From_ line, say). */
    assert_int_equal(lseek(fd, 12, SEEK_SET), 12);
    assert_int_equal(mailgate_read_message(fd, 16, &message, error, sizeof error), 0);
    assert_int_equal(message.length, 5);
    assert_int_equal(lseek(fd, 0, SEEK_END), 17);
    assert_int_equal(mailgate_read_message(fd, 16, &message, error, sizeof error), 65);
    assert_string_equal(error, "no message on standard input");
    close(fd);
}

static int verdict(long status, const char *body, const char *retry_after, char *line, size_t size) {
    mailgate_answer answer = {0, 0, NULL, status, retry_after, body};
    return mailgate_verdict(&answer, "http://hub:8080", line, size);
}

static void accepted_outcomes(void **state) {
    (void)state;
    char line[512];
    assert_int_equal(verdict(202, "{\"outcome\":\"opened\",\"ticket\":\"T-12\",\"reason\":\"new thread\"}", NULL,
                             line, sizeof line),
                     0);
    assert_string_equal(line, "opened T-12");
    assert_int_equal(verdict(202, "{\"outcome\":\"commented\",\"ticket\":\"T-3\",\"reason\":\"reply\"}", NULL, line,
                             sizeof line),
                     0);
    assert_string_equal(line, "commented T-3");
    assert_int_equal(verdict(202, "{\"outcome\":\"ignored\",\"reason\":\"auto-reply\\n(Auto-Submitted)\"}", NULL,
                             line, sizeof line),
                     0);
    assert_string_equal(line, "ignored: auto-reply (Auto-Submitted)");
    /* Rejected is still delivered: the hub refused an unknown sender without backscatter. */
    assert_int_equal(verdict(202, "{\"outcome\":\"rejected\",\"reason\":\"unknown sender\"}", NULL, line, sizeof line),
                     0);
    assert_string_equal(line, "rejected: unknown sender");
    assert_int_equal(verdict(202, "not json", NULL, line, sizeof line), 0);
    assert_string_equal(line, "delivered (202; the hub's answer has no outcome)");
    assert_int_equal(verdict(202, NULL, NULL, line, sizeof line), 0);
}

static void permanent_refusals(void **state) {
    (void)state;
    char line[512];
    assert_int_equal(verdict(400, "{\"error\":{\"code\":\"invalid_field\",\"message\":\"not an RFC 5322 message\"}}",
                             NULL, line, sizeof line),
                     65);
    assert_string_equal(line, "5.6.0 swarm-mailgate: the hub refused the message (400): invalid_field: not an RFC "
                              "5322 message");
    assert_int_equal(verdict(413, "{\"error\":{\"code\":\"too_large\",\"message\":\"over 25 MB\"}}", NULL, line,
                             sizeof line),
                     65);
    assert_string_equal(line, "5.3.4 swarm-mailgate: the message is too large for the hub (413): too_large: over 25 MB");
}

static void temporary_failures(void **state) {
    (void)state;
    char line[512];
    assert_int_equal(verdict(503, "{\"error\":{\"code\":\"internal\",\"message\":\"starting\"}}", "30", line,
                             sizeof line),
                     75);
    assert_string_equal(line, "4.3.2 swarm-mailgate: the hub is unavailable (503, Retry-After 30): internal: starting");
    assert_int_equal(verdict(429, "{\"error\":{\"code\":\"rate_limited\",\"message\":\"slow down\"}}", "5", line,
                             sizeof line),
                     75);
    assert_string_equal(line, "4.3.2 swarm-mailgate: the hub is busy (429, Retry-After 5): rate_limited: slow down");
    assert_int_equal(verdict(500, "<html>oops</html>", NULL, line, sizeof line), 75);
    assert_string_equal(line, "4.3.0 swarm-mailgate: the hub failed (500): <html>oops</html>");
    assert_int_equal(verdict(502, "", NULL, line, sizeof line), 75);
    assert_string_equal(line, "4.3.0 swarm-mailgate: the hub failed (502): no error body");
    /* A refused token is the operator's to fix: the mail waits. */
    assert_int_equal(verdict(401, "{\"error\":{\"code\":\"unauthorized\",\"message\":\"unknown token\"}}", NULL, line,
                             sizeof line),
                     75);
    assert_string_equal(line, "4.7.0 swarm-mailgate: the hub at http://hub:8080 refused the token (401): unauthorized: "
                              "unknown token; the mail waits in the queue until the token is fixed");
    assert_int_equal(verdict(403, "{\"error\":{\"code\":\"forbidden\",\"message\":\"role agent\"}}", NULL, line,
                             sizeof line),
                     75);
    assert_int_equal(verdict(404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no route\"}}", NULL, line,
                             sizeof line),
                     75);
    assert_string_equal(line, "4.3.5 swarm-mailgate: http://hub:8080 answered 404: not a hub with POST /v1/mail (check "
                              "--url, or the hub's version): not_found: no route");
    assert_int_equal(verdict(301, "", NULL, line, sizeof line), 75);
    assert_int_equal(verdict(200, "{}", NULL, line, sizeof line), 75);
    assert_string_equal(line, "4.3.5 swarm-mailgate: unexpected answer 200 from http://hub:8080: {}");
    assert_int_equal(verdict(409, "{\"error\":{\"code\":\"conflict\",\"message\":\"x\"}}", NULL, line, sizeof line), 75);

    mailgate_answer refused = {1, 0, "Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server", 0,
                               NULL, NULL};
    assert_int_equal(mailgate_verdict(&refused, "http://127.0.0.1:9", line, sizeof line), 75);
    assert_string_equal(line, "4.4.1 swarm-mailgate: cannot reach the hub at http://127.0.0.1:9: Failed to connect to "
                              "127.0.0.1 port 9 after 0 ms: Couldn't connect to server");
    mailgate_answer slow = {1, 1, "Operation timed out after 1000 milliseconds with 0 bytes received", 0, NULL, NULL};
    assert_int_equal(mailgate_verdict(&slow, "http://hub", line, sizeof line), 75);
    assert_string_equal(line, "4.4.2 swarm-mailgate: no answer from the hub at http://hub in time (--timeout): "
                              "Operation timed out after 1000 milliseconds with 0 bytes received");
}

static void one_line(void **state) {
    (void)state;
    char out[8];
    mailgate_one_line(out, sizeof out, "a\r\nb\tc");
    assert_string_equal(out, "a  b c");
    mailgate_one_line(out, sizeof out, "abcdefghij");
    assert_string_equal(out, "abcdefg");
    /* "ab" then a 3-byte character then more: never half a character. */
    mailgate_one_line(out, 5, "ab\xe2\x82\xac" "cd");
    assert_string_equal(out, "ab");
    mailgate_one_line(out, 6, "ab\xe2\x82\xac" "cd");
    assert_string_equal(out, "ab\xe2\x82\xac");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_and_environment),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(sizes),
        cmocka_unit_test(endpoints),
        cmocka_unit_test(tokens),
        cmocka_unit_test(size_limit_on_a_pipe),
        cmocka_unit_test(size_limit_on_a_large_pipe),
        cmocka_unit_test(size_limit_on_a_file),
        cmocka_unit_test(accepted_outcomes),
        cmocka_unit_test(permanent_refusals),
        cmocka_unit_test(temporary_failures),
        cmocka_unit_test(one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
