/* Tests of libswarm against a live swarmd (cmocka). Run by Tests/Monitoring/notify_test.py, which
 * starts the hub and sets SWARM_TEST_URL and SWARM_TEST_TOKEN (an agent's token), and SWARM_TEST_CA (the
 * hub's certificate) when the URL is wss://. The hub's limits are its defaults (or any: the tests ask). */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "swarm.h"

static swarm_client *connect_or_fail(const char *token) {
    swarm_options options = {getenv("SWARM_TEST_URL"), token, 5000, getenv("SWARM_TEST_CA"), 0};
    swarm_client *client = NULL;
    swarm_error error;
    swarm_status status = swarm_connect(&options, &client, &error);
    if (status != SWARM_OK) fail_msg("connect: %s", error.message);
    return client;
}

static void welcome_and_bearer(void **state) {
    (void)state;
    swarm_client *client = connect_or_fail(getenv("SWARM_TEST_TOKEN"));
    const json_t *welcome = swarm_welcome(client);
    assert_string_equal(json_string_value(json_object_get(welcome, "type")), "welcome");
    assert_string_equal(json_string_value(json_object_get(welcome, "agent")), "ctest");
    assert_int_equal(json_integer_value(json_object_get(welcome, "protocol")), 1);
    swarm_close(client);
}

static void unknown_token_refused(void **state) {
    (void)state;
    swarm_options options = {getenv("SWARM_TEST_URL"), "swm_not_a_token", 5000, getenv("SWARM_TEST_CA"), 0};
    swarm_client *client = NULL;
    swarm_error error;
    assert_int_equal(swarm_connect(&options, &client, &error), SWARM_ERR_UNAUTHORIZED);
    assert_null(client);
    assert_string_equal(error.code, "unauthorized");
}

static void command_ack_event_and_error(void **state) {
    (void)state;
    swarm_client *client = connect_or_fail(getenv("SWARM_TEST_TOKEN"));
    swarm_error error;
    const char *channels[] = {"queue:ctest"};
    assert_int_equal(swarm_subscribe(client, channels, 1, -1, &error), SWARM_OK);
    json_t *open = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "ticket.open", "title",
                             "C client ticket", "description", "from libswarm", "category", "software", "urgency",
                             "low", "impact", "low", "queue", "ctest");
    json_t *ack = NULL;
    assert_int_equal(swarm_command(client, open, &ack, &error), SWARM_OK);
    const char *ticket = json_string_value(json_object_get(ack, "ticket"));
    assert_non_null(ticket);
    assert_true(json_integer_value(json_object_get(ack, "seq")) > 0);
    /* The id the library chose is on the frame and echoed by the ack. */
    assert_string_equal(json_string_value(json_object_get(open, "id")),
                        json_string_value(json_object_get(ack, "id")));
    json_t *event = NULL;
    assert_int_equal(swarm_next_event(client, 5000, &event, &error), SWARM_OK);
    assert_string_equal(json_string_value(json_object_get(event, "channel")), "queue:ctest");
    json_t *inner = json_object_get(event, "event");
    assert_string_equal(json_string_value(json_object_get(inner, "type")), "ticket.opened");
    assert_string_equal(json_string_value(json_object_get(inner, "ticket")), ticket);
    json_decref(event);
    /* A retry with the same id gets the same ack, not a second ticket. */
    json_t *again = NULL;
    assert_int_equal(swarm_command(client, open, &again, &error), SWARM_OK);
    assert_string_equal(json_string_value(json_object_get(again, "ticket")), ticket);
    assert_int_equal(swarm_next_event(client, 300, &event, &error), SWARM_ERR_TIMEOUT);
    json_decref(again);
    json_decref(ack);
    json_decref(open);
    /* An error frame is SWARM_ERR_REFUSED with the hub's code and message. */
    json_t *bad = json_pack("{s:s, s:s, s:s}", "type", "comment.add", "ticket", "T-999999", "body", "x");
    assert_int_equal(swarm_command(client, bad, NULL, &error), SWARM_ERR_REFUSED);
    assert_string_equal(error.code, "not_found");
    assert_string_equal(error.message, "no ticket T-999999");
    json_decref(bad);
    swarm_close(client);
}

/* Over wss://, a client that does not trust the hub's certificate (the system's CAs only) is refused at
 * the handshake; skipped over ws://. */
static void untrusted_certificate_refused(void **state) {
    (void)state;
    if (!getenv("SWARM_TEST_CA")) skip();
    swarm_options options = {getenv("SWARM_TEST_URL"), getenv("SWARM_TEST_TOKEN"), 5000, NULL, 0};
    swarm_client *client = NULL;
    swarm_error error;
    assert_int_equal(swarm_connect(&options, &client, &error), SWARM_ERR_CONNECT);
    assert_null(client);
    fprintf(stderr, "untrusted: %s\n", error.message);
}

static swarm_options test_options(const char *token) {
    swarm_options options = {getenv("SWARM_TEST_URL"), token, 5000, getenv("SWARM_TEST_CA"), 0};
    return options;
}

/* Opens a ticket in queue ctest and returns its id (malloc'ed). */
static char *open_ticket(const char *title) {
    swarm_client *client = connect_or_fail(getenv("SWARM_TEST_TOKEN"));
    json_t *open = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "ticket.open", "title", title,
                             "description", "attachments from libswarm", "category", "software", "urgency", "low",
                             "impact", "low", "queue", "ctest");
    json_t *ack = NULL;
    swarm_error error;
    if (swarm_command(client, open, &ack, &error) != SWARM_OK) fail_msg("ticket.open: %s", error.message);
    char *ticket = strdup(json_string_value(json_object_get(ack, "ticket")));
    json_decref(ack);
    json_decref(open);
    swarm_close(client);
    return ticket;
}

static void sha256_hex(const unsigned char *bytes, size_t length, char out[65]) {
    unsigned char digest[32];
    unsigned int size = 0;
    assert_int_equal(EVP_Digest(bytes, length, digest, &size, EVP_sha256(), NULL), 1);
    for (unsigned int i = 0; i < size; i++) snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

typedef struct {
    unsigned char *data;
    size_t length;
} downloaded;

static size_t keep(char *data, size_t size, size_t count, void *context) {
    downloaded *into = context;
    unsigned char *grown = realloc(into->data, into->length + size * count);
    if (!grown) return 0;
    memcpy(grown + into->length, data, size * count);
    into->data = grown;
    into->length += size * count;
    return size * count;
}

/* GET /v1/attachments/{id} with token, as any REST client would: the body, and the HTTP status. */
static long download(const char *id, const char *token, downloaded *into) {
    char path[128], url[512], authorization[1100];
    snprintf(path, sizeof path, "/v1/attachments/%s", id);
    swarm_error error;
    assert_int_equal(swarm_rest_url(getenv("SWARM_TEST_URL"), path, url, sizeof url, &error), SWARM_OK);
    snprintf(authorization, sizeof authorization, "Authorization: Bearer %s", token);
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = curl_slist_append(NULL, authorization);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, into);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    if (getenv("SWARM_TEST_CA")) curl_easy_setopt(curl, CURLOPT_CAINFO, getenv("SWARM_TEST_CA"));
    long status = 0;
    assert_int_equal(curl_easy_perform(curl), CURLE_OK);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return status;
}

/* A file of `length` bytes of every value (NULs too), made the same way each time. */
static void write_bytes(const char *path, unsigned char *bytes, size_t length) {
    unsigned long long seed = 28;
    for (size_t i = 0; i < length; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        bytes[i] = (unsigned char)(seed >> 56);
    }
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(bytes, 1, length, file), length);
    fclose(file);
}

/* A file attached, then downloaded back with the agent's token: the same bytes and SHA-256; again with
 * the same idempotency key: the same attachment, not a second one. */
static void attach_and_download(void **state) {
    (void)state;
    char *ticket = open_ticket("C client attachment");
    char path[] = "/tmp/swarm-attach-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    size_t length = 300 * 1024 + 7;
    unsigned char *bytes = malloc(length);
    write_bytes(path, bytes, length);
    char sha[65];
    sha256_hex(bytes, length, sha);

    swarm_options options = test_options(getenv("SWARM_TEST_TOKEN"));
    swarm_error error;
    json_t *answer = NULL;
    swarm_status status =
        swarm_attach(&options, ticket, path, "capture.bin", SWARM_VISIBILITY_DEFAULT, "c-live-key-1", &answer, &error);
    if (status != SWARM_OK) fail_msg("attach: %s: %s", swarm_status_name(status), error.message);
    json_t *attachment = json_object_get(answer, "attachment");
    assert_string_equal(json_string_value(json_object_get(attachment, "name")), "capture.bin");
    assert_int_equal(json_integer_value(json_object_get(attachment, "size")), length);
    assert_string_equal(json_string_value(json_object_get(attachment, "sha256")), sha);
    /* An agent's file is internal unless it says otherwise. */
    assert_string_equal(json_string_value(json_object_get(attachment, "visibility")), "internal");
    assert_string_equal(json_string_value(json_object_get(attachment, "author")), "ctest");
    assert_true(json_integer_value(json_object_get(answer, "seq")) > 0);
    const char *id = json_string_value(json_object_get(attachment, "id"));

    downloaded back = {NULL, 0};
    assert_int_equal(download(id, getenv("SWARM_TEST_TOKEN"), &back), 200);
    assert_int_equal(back.length, length);
    assert_memory_equal(back.data, bytes, length);
    char back_sha[65];
    sha256_hex(back.data, back.length, back_sha);
    assert_string_equal(back_sha, sha);
    free(back.data);

    /* The same key again (an answer lost, say): the first attachment, nothing more. */
    json_t *again = NULL;
    assert_int_equal(
        swarm_attach(&options, ticket, path, "capture.bin", SWARM_VISIBILITY_DEFAULT, "c-live-key-1", &again, &error),
        SWARM_OK);
    assert_string_equal(json_string_value(json_object_get(json_object_get(again, "attachment"), "id")), id);
    json_decref(again);
    /* A fresh key: a second attachment of the same bytes; public when asked. */
    assert_int_equal(swarm_attach(&options, ticket, path, NULL, SWARM_VISIBILITY_PUBLIC, NULL, &again, &error),
                     SWARM_OK);
    json_t *second = json_object_get(again, "attachment");
    assert_string_not_equal(json_string_value(json_object_get(second, "id")), id);
    assert_string_equal(json_string_value(json_object_get(second, "name")), strrchr(path, '/') + 1);
    assert_string_equal(json_string_value(json_object_get(second, "visibility")), "public");
    json_decref(again);
    json_decref(answer);
    free(bytes);
    free(ticket);
    unlink(path);
}

/* What the hub refuses, as swarm_attach reports it. */
static void attach_refused(void **state) {
    (void)state;
    char *ticket = open_ticket("C client refusals");
    swarm_options options = test_options(getenv("SWARM_TEST_TOKEN"));
    swarm_error error;
    swarm_limits limits;
    assert_int_equal(swarm_get_limits(&options, &limits, &error), SWARM_OK);
    assert_true(limits.attachment_max_file > 0);
    assert_true(limits.attachment_max_ticket >= limits.attachment_max_file);

    /* One byte over the limit, as a sparse file (no disk used): refused with the numbers by the client,
     * in its words, not the hub's ("the file has …"), for it sent nothing. */
    char path[] = "/tmp/swarm-attach-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)limits.attachment_max_file + 1), 0);
    close(fd);
    assert_int_equal(swarm_attach(&options, ticket, path, NULL, SWARM_VISIBILITY_DEFAULT, NULL, NULL, &error),
                     SWARM_ERR_REFUSED);
    assert_string_equal(error.code, "too_large");
    char message[512];
    snprintf(message, sizeof message, "%s has %lld bytes, 1 over the hub's limit of %lld bytes per file", path,
             limits.attachment_max_file + 1, limits.attachment_max_file);
    assert_string_equal(error.message, message);

    /* A file of 2 MB to a ticket that does not exist: the hub answers before it reads the body, and the
     * answer is read all the same. */
    fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    assert_int_equal(ftruncate(fd, 2 * 1024 * 1024), 0);
    close(fd);
    assert_int_equal(swarm_attach(&options, "T-999999", path, NULL, SWARM_VISIBILITY_DEFAULT, NULL, NULL, &error),
                     SWARM_ERR_REFUSED);
    assert_string_equal(error.code, "not_found");
    assert_string_equal(error.message, "no ticket T-999999");

    /* An unknown token: refused as such. */
    swarm_options stranger = test_options("swm_not_a_token");
    assert_int_equal(swarm_attach(&stranger, ticket, path, NULL, SWARM_VISIBILITY_DEFAULT, NULL, NULL, &error),
                     SWARM_ERR_UNAUTHORIZED);
    assert_string_equal(error.code, "unauthorized");
    assert_string_equal(error.message, "unknown or revoked token");
    /* An attachment that does not exist, downloaded: 404. */
    downloaded back = {NULL, 0};
    assert_int_equal(download("A-999999", getenv("SWARM_TEST_TOKEN"), &back), 404);
    free(back.data);
    free(ticket);
    unlink(path);
}

int main(void) {
    if (!getenv("SWARM_TEST_URL") || !getenv("SWARM_TEST_TOKEN")) {
        fprintf(stderr, "test_client needs SWARM_TEST_URL and SWARM_TEST_TOKEN (Tests/Monitoring/notify_test.py)\n");
        return 2;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(welcome_and_bearer),
        cmocka_unit_test(unknown_token_refused),
        cmocka_unit_test(command_ack_event_and_error),
        cmocka_unit_test(untrusted_certificate_refused),
        cmocka_unit_test(attach_and_download),
        cmocka_unit_test(attach_refused),
    };
    return cmocka_run_group_tests_name("libswarm against a live swarmd", tests, NULL, NULL);
}
