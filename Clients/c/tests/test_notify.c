/* Unit tests of swarm-notify's parsing, frames and spool, and the library's URL parsing (cmocka). */
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
#include <time.h>
#include <unistd.h>

#include "notify_core.h"
#include "spool.h"
#include "swarm.h"

/* A fake environment: NULL-terminated name, value pairs. */
static const char *table(const char *name, void *context) {
    const char *const *pairs = context;
    for (; pairs[0]; pairs += 2)
        if (strcmp(pairs[0], name) == 0) return pairs[1];
    return NULL;
}

/* Exactly what Nagios 4 sets (among its other macros) for a service notification. */
static const char *const nagios_service[] = {
    "NAGIOS_NOTIFICATIONTYPE", "PROBLEM", "NAGIOS_HOSTNAME", "db1", "NAGIOS_HOSTADDRESS", "10.0.0.5",
    "NAGIOS_SERVICEDESC", "Disk /", "NAGIOS_SERVICESTATE", "CRITICAL", "NAGIOS_SERVICEOUTPUT",
    "DISK CRITICAL - free space: / 3%", "NAGIOS_LONGSERVICEOUTPUT", "", NULL, NULL,
};

static void nagios_service_problem(void **state) {
    (void)state;
    alert_input input;
    memset(&input, 0, sizeof input);
    char scratch[64], error[256];
    assert_int_equal(input_from_nagios(&input, table, (void *)nagios_service, scratch, sizeof scratch, error, sizeof error), 0);
    alert a;
    assert_int_equal(alert_from_input(&a, &input, error, sizeof error), 0);
    assert_int_equal(a.kind, ALERT_PROBLEM);
    assert_string_equal(a.key, "nagios:db1/Disk /");
    assert_string_equal(a.title, "db1: Disk / is CRITICAL");
    assert_string_equal(a.output, "DISK CRITICAL - free space: / 3%");
    assert_string_equal(a.urgency, "high");
    assert_string_equal(a.impact, "high");
    json_t *frame = alert_frame(&a, "id-1");
    assert_non_null(frame);
    assert_string_equal(json_string_value(json_object_get(frame, "type")), "ticket.open");
    assert_string_equal(json_string_value(json_object_get(frame, "dedupKey")), "nagios:db1/Disk /");
    assert_string_equal(json_string_value(json_object_get(frame, "category")), "service");
    assert_null(json_object_get(frame, "queue"));
    json_decref(frame);
    alert_free(&a);
}

static void nagios_recovery_and_host(void **state) {
    (void)state;
    const char *const recovery[] = {"NAGIOS_NOTIFICATIONTYPE", "RECOVERY", "NAGIOS_HOSTNAME", "db1",
                                    "NAGIOS_SERVICEDESC", "Disk /", "NAGIOS_SERVICESTATE", "OK",
                                    "NAGIOS_SERVICEOUTPUT", "DISK OK", "NAGIOS_LONGSERVICEOUTPUT", "all fine",
                                    NULL, NULL};
    alert_input input;
    memset(&input, 0, sizeof input);
    char scratch[64], error[256];
    assert_int_equal(input_from_nagios(&input, table, (void *)recovery, scratch, sizeof scratch, error, sizeof error), 0);
    alert a;
    assert_int_equal(alert_from_input(&a, &input, error, sizeof error), 0);
    assert_int_equal(a.kind, ALERT_RECOVERY);
    assert_string_equal(a.output, "DISK OK\nall fine");
    json_t *frame = alert_frame(&a, "id-2");
    assert_string_equal(json_string_value(json_object_get(frame, "type")), "alert.resolve");
    assert_string_equal(json_string_value(json_object_get(frame, "dedupKey")), "nagios:db1/Disk /");
    json_decref(frame);
    alert_free(&a);

    const char *const host[] = {"NAGIOS_NOTIFICATIONTYPE", "PROBLEM", "NAGIOS_HOSTNAME", "sw-core",
                                "NAGIOS_HOSTSTATE", "DOWN", "NAGIOS_HOSTOUTPUT", "PING CRITICAL - 100% loss",
                                NULL, NULL};
    memset(&input, 0, sizeof input);
    assert_int_equal(input_from_nagios(&input, table, (void *)host, scratch, sizeof scratch, error, sizeof error), 0);
    assert_int_equal(alert_from_input(&a, &input, error, sizeof error), 0);
    assert_string_equal(a.key, "nagios:sw-core");
    assert_string_equal(a.title, "sw-core is DOWN");
    alert_free(&a);
}

static void nagios_missing_macros(void **state) {
    (void)state;
    const char *const none[] = {NULL, NULL};
    const char *const no_output[] = {"NAGIOS_NOTIFICATIONTYPE", "PROBLEM", "NAGIOS_HOSTNAME", "db1",
                                     "NAGIOS_SERVICEDESC", "Disk", "NAGIOS_SERVICESTATE", "CRITICAL", NULL, NULL};
    alert_input input;
    char scratch[64], error[256];
    memset(&input, 0, sizeof input);
    assert_int_equal(input_from_nagios(&input, table, (void *)none, scratch, sizeof scratch, error, sizeof error), -1);
    assert_string_equal(error,
                        "missing Nagios macro NAGIOS_NOTIFICATIONTYPE (is enable_environment_macros=1 in nagios.cfg?)");
    memset(&input, 0, sizeof input);
    assert_int_equal(input_from_nagios(&input, table, (void *)no_output, scratch, sizeof scratch, error, sizeof error), -1);
    assert_string_equal(error, "missing Nagios macro NAGIOS_SERVICEOUTPUT");
}

static void ignored_and_unknown_types(void **state) {
    (void)state;
    alert a;
    char error[256];
    alert_input input = {.type = "ACKNOWLEDGEMENT", .host = "db1"};
    assert_int_equal(alert_from_input(&a, &input, error, sizeof error), 0);
    assert_int_equal(a.kind, ALERT_IGNORED);
    input.type = "EXPLODED";
    assert_int_equal(alert_from_input(&a, &input, error, sizeof error), -1);
    assert_string_equal(error, "unknown notification type 'EXPLODED' (problem or recovery)");
    input.type = NULL;
    assert_int_equal(alert_from_input(&a, &input, error, sizeof error), -1);
    assert_string_equal(error, "missing the notification type (--type problem|recovery)");
}

static void oversized_output(void **state) {
    (void)state;
    char *big = malloc(ALERT_OUTPUT_MAX + 2);
    memset(big, 'x', ALERT_OUTPUT_MAX + 1);
    big[ALERT_OUTPUT_MAX + 1] = '\0';
    alert_input input = {.type = "problem", .host = "db1", .output = big};
    alert a;
    char error[256];
    assert_int_equal(alert_from_input(&a, &input, error, sizeof error), -1);
    assert_string_equal(error, "the output has 10001 characters; the hub accepts at most 10000");
    big[ALERT_OUTPUT_MAX] = '\0'; /* exactly the limit is fine */
    assert_int_equal(alert_from_input(&a, &input, error, sizeof error), 0);
    alert_free(&a);
    free(big);
    /* Characters, not bytes: 10 000 two-byte characters fit. */
    char *wide = malloc(ALERT_OUTPUT_MAX * 2 + 1);
    for (int i = 0; i < ALERT_OUTPUT_MAX; i++) memcpy(wide + 2 * i, "\xc3\xa9", 2);
    wide[ALERT_OUTPUT_MAX * 2] = '\0';
    input.output = wide;
    assert_int_equal(alert_from_input(&a, &input, error, sizeof error), 0);
    alert_free(&a);
    free(wide);
}

static void options_checked(void **state) {
    (void)state;
    alert a;
    char error[256];
    alert_input input = {.type = "problem", .host = "db1", .urgency = "urgent"};
    assert_int_equal(alert_from_input(&a, &input, error, sizeof error), -1);
    assert_string_equal(error, "--urgency and --impact must be high, medium or low");
    alert_input queue = {.type = "problem", .host = "db1", .queue = "Ops Team"};
    assert_int_equal(alert_from_input(&a, &queue, error, sizeof error), -1);
    assert_string_equal(error, "--queue must be 1 to 64 lowercase letters, digits, '-' or '_'");
    alert_input nohost = {.type = "problem"};
    assert_int_equal(alert_from_input(&a, &nohost, error, sizeof error), -1);
    assert_string_equal(error, "missing the host (--host) or the key (--key)");
    alert_input good = {.type = "problem", .host = "db1", .service = "HTTP", .state = "WARNING", .queue = "ops",
                        .source = "icinga"};
    assert_int_equal(alert_from_input(&a, &good, error, sizeof error), 0);
    assert_string_equal(a.key, "icinga:db1/HTTP");
    assert_string_equal(a.urgency, "medium");
    json_t *frame = alert_frame(&a, "x");
    assert_string_equal(json_string_value(json_object_get(frame, "queue")), "ops");
    json_decref(frame);
    alert_free(&a);
}

static void keys_made_valid(void **state) {
    (void)state;
    char key[ALERT_KEY_MAX + 1];
    make_key(key, "  nagios:h\xc3\xa9te/Disk\t/  ");
    assert_string_equal(key, "nagios:h_te/Disk_/");
    char long_raw[400];
    memset(long_raw, 'k', sizeof long_raw - 1);
    long_raw[sizeof long_raw - 1] = '\0';
    make_key(key, long_raw);
    assert_int_equal(strlen(key), 200);
}

static void zabbix_arguments(void **state) {
    (void)state;
    alert_input input;
    memset(&input, 0, sizeof input);
    char scratch[256], error[256];
    const char *message = "Problem started at 18:00:00 on 2026.12.02\nProblem name: High CPU on web1\n"
                          "Host: web1\nSeverity: High\nOriginal problem ID: 4711\n";
    assert_int_equal(input_from_zabbix(&input, "swarm", "Problem: High CPU on web1", message, scratch,
                                       sizeof scratch, error, sizeof error), 0);
    alert a;
    assert_int_equal(alert_from_input(&a, &input, error, sizeof error), 0);
    assert_int_equal(a.kind, ALERT_PROBLEM);
    assert_string_equal(a.key, "zabbix:4711");
    assert_string_equal(a.title, "High CPU on web1");
    alert_free(&a);
    memset(&input, 0, sizeof input);
    assert_int_equal(input_from_zabbix(&input, "swarm", "Resolved: High CPU on web1",
                                       "Problem has been resolved\nOriginal problem ID: 4711\n", scratch,
                                       sizeof scratch, error, sizeof error), 0);
    assert_int_equal(alert_from_input(&a, &input, error, sizeof error), 0);
    assert_int_equal(a.kind, ALERT_RECOVERY);
    assert_string_equal(a.key, "zabbix:4711");
    alert_free(&a);
    memset(&input, 0, sizeof input);
    assert_int_equal(input_from_zabbix(&input, "swarm", "Hello", "x", scratch, sizeof scratch, error, sizeof error), -1);
    assert_string_equal(error, "the Zabbix subject must start with 'Problem:' or 'Resolved:'");
}

static void spool_round_trip(void **state) {
    (void)state;
    char dir[] = "/tmp/swarm-spool-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[4096], error[512], sub[4200];
    snprintf(sub, sizeof sub, "%s/spool", dir);
    json_t *first = json_pack("{s:s, s:s}", "type", "alert.resolve", "id", "aaa");
    json_t *second = json_pack("{s:s, s:s}", "type", "alert.resolve", "id", "bbb");
    assert_int_equal(spool_write(sub, first, path, sizeof path, error, sizeof error), 0);
    nanosleep(&(struct timespec){0, 2000000}, NULL);
    assert_int_equal(spool_write(sub, second, NULL, 0, error, sizeof error), 0);
    char **paths;
    size_t count;
    assert_int_equal(spool_list(sub, &paths, &count, error, sizeof error), 0);
    assert_int_equal(count, 2);
    assert_string_equal(paths[0], path);
    json_t *read = spool_read(paths[1], error, sizeof error);
    assert_non_null(read);
    assert_string_equal(json_string_value(json_object_get(read, "id")), "bbb");
    json_decref(read);
    for (size_t i = 0; i < count; i++) unlink(paths[i]);
    spool_free(paths, count);
    json_t *noid = json_pack("{s:s}", "type", "x");
    assert_int_equal(spool_write(sub, noid, NULL, 0, error, sizeof error), -1);
    json_decref(noid);
    json_decref(first);
    json_decref(second);
    /* A missing spool has nothing in it. */
    snprintf(sub, sizeof sub, "%s/none", dir);
    assert_int_equal(spool_list(sub, &paths, &count, error, sizeof error), 0);
    assert_int_equal(count, 0);
    snprintf(sub, sizeof sub, "%s/spool/.lock", dir);
    unlink(sub);
    snprintf(sub, sizeof sub, "%s/spool", dir);
    rmdir(sub);
    rmdir(dir);
}

static void urls(void **state) {
    (void)state;
    swarm_url url;
    swarm_error error;
    assert_int_equal(swarm_parse_url("ws://127.0.0.1:8080/v1/ws", &url, &error), SWARM_OK);
    assert_string_equal(url.host, "127.0.0.1");
    assert_int_equal(url.port, 8080);
    assert_string_equal(url.path, "/v1/ws");
    assert_int_equal(url.tls, 0);
    assert_int_equal(swarm_parse_url("wss://hub.example", &url, &error), SWARM_OK);
    assert_int_equal(url.port, 443);
    assert_int_equal(url.tls, 1);
    assert_string_equal(url.path, "/v1/ws");
    assert_int_equal(swarm_parse_url("http://x", &url, &error), SWARM_ERR_ARGUMENT);
    assert_string_equal(error.message, "hub URL 'http://x' must start with ws:// or wss://");
    assert_int_equal(swarm_parse_url("ws://x:99999/", &url, &error), SWARM_ERR_ARGUMENT);
    assert_int_equal(swarm_parse_url("ws://:80/", &url, &error), SWARM_ERR_ARGUMENT);
    char a[33], b[33];
    swarm_new_id(a);
    swarm_new_id(b);
    assert_int_equal(strlen(a), 32);
    assert_string_not_equal(a, b);
}

static void unreachable_hub(void **state) {
    (void)state;
    /* Port 1 on loopback: nothing listens there, the connection is refused at once. */
    swarm_options options = {"ws://127.0.0.1:1/v1/ws", "token", 2000, NULL, 0};
    swarm_client *client = NULL;
    swarm_error error;
    assert_int_equal(swarm_connect(&options, &client, &error), SWARM_ERR_CONNECT);
    assert_null(client);
    assert_non_null(strstr(error.message, "cannot reach the hub at ws://127.0.0.1:1/v1/ws"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nagios_service_problem), cmocka_unit_test(nagios_recovery_and_host),
        cmocka_unit_test(nagios_missing_macros),  cmocka_unit_test(ignored_and_unknown_types),
        cmocka_unit_test(oversized_output),       cmocka_unit_test(options_checked),
        cmocka_unit_test(keys_made_valid),        cmocka_unit_test(zabbix_arguments),
        cmocka_unit_test(spool_round_trip),       cmocka_unit_test(urls),
        cmocka_unit_test(unreachable_hub),
    };
    return cmocka_run_group_tests_name("swarm-notify and libswarm (unit)", tests, NULL, NULL);
}
