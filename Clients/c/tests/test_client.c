/* Tests of libswarm against a live swarmd (cmocka). Run by Tests/Monitoring/notify_test.py, which
 * starts the hub and sets SWARM_TEST_URL and SWARM_TEST_TOKEN (an agent's token), and SWARM_TEST_CA (the
 * hub's certificate) when the URL is wss://. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    };
    return cmocka_run_group_tests_name("libswarm against a live swarmd", tests, NULL, NULL);
}
