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
#include <sys/stat.h>
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

static void attach_arguments(void **state) {
    (void)state;
    char dir[] = "/tmp/swarm-attach-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char log[256], other[256], missing[256], error[512], expected[600];
    snprintf(log, sizeof log, "%s/disk.log", dir);
    snprintf(other, sizeof other, "%s/df.txt", dir);
    snprintf(missing, sizeof missing, "%s/none.log", dir);
    FILE *file = fopen(log, "w");
    fputs("sda1 97%\n", file);
    fclose(file);
    file = fopen(other, "w");
    fputs("/ 3%\n", file);
    fclose(file);
    const char *paths[] = {log, other};
    json_t *list = attach_list(paths, 2, 0, error, sizeof error);
    assert_non_null(list);
    assert_int_equal(json_array_size(list), 2);
    json_t *first = json_array_get(list, 0), *second = json_array_get(list, 1);
    assert_string_equal(json_string_value(json_object_get(first, "path")), log);
    assert_string_equal(json_string_value(json_object_get(first, "name")), "disk.log");
    assert_string_equal(json_string_value(json_object_get(second, "name")), "df.txt");
    /* Internal to staff unless --public: the hub's default, so no visibility is sent. */
    assert_null(json_object_get(first, "visibility"));
    /* Each file its own key, made now. */
    assert_int_equal(strlen(json_string_value(json_object_get(first, "key"))), 32);
    assert_string_not_equal(json_string_value(json_object_get(first, "key")),
                            json_string_value(json_object_get(second, "key")));
    assert_int_equal(attach_check_sizes(list, 9, error, sizeof error), 0);
    assert_int_equal(attach_check_sizes(list, 8, error, sizeof error), -1);
    snprintf(expected, sizeof expected, "--attach: %s has 9 bytes, 1 over the hub's limit of 8 bytes per file", log);
    assert_string_equal(error, expected);
    json_decref(list);
    list = attach_list(paths + 1, 1, 1, error, sizeof error);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "visibility")), "public");
    json_decref(list);
    /* Each bad argument, named. */
    const char *bad[] = {log, missing};
    assert_null(attach_list(bad, 2, 0, error, sizeof error));
    snprintf(expected, sizeof expected, "--attach: no file %s", missing);
    assert_string_equal(error, expected);
    const char *folder[] = {dir};
    assert_null(attach_list(folder, 1, 0, error, sizeof error));
    snprintf(expected, sizeof expected, "--attach: %s is a directory; attach its files one by one", dir);
    assert_string_equal(error, expected);
    const char *device[] = {"/dev/null"};
    assert_null(attach_list(device, 1, 0, error, sizeof error));
    assert_string_equal(error, "--attach: /dev/null is not a regular file");
    unlink(log);
    unlink(other);
    rmdir(dir);
}

static void attach_failures_sorted(void **state) {
    (void)state;
    swarm_error error;
    memset(&error, 0, sizeof error);
    struct {
        swarm_status status;
        const char *code;
        int temporary;
    } cases[] = {
        {SWARM_ERR_CONNECT, "", 1},          {SWARM_ERR_TIMEOUT, "", 1},
        {SWARM_ERR_REFUSED, "unavailable", 1}, {SWARM_ERR_REFUSED, "internal", 1},
        {SWARM_ERR_REFUSED, "rate_limited", 1}, {SWARM_ERR_REFUSED, "too_large", 0},
        {SWARM_ERR_REFUSED, "infected", 0},    {SWARM_ERR_REFUSED, "not_found", 0},
        {SWARM_ERR_REFUSED, "conflict", 0},    {SWARM_ERR_REFUSED, "forbidden", 0},
        {SWARM_ERR_UNAUTHORIZED, "unauthorized", 0}, {SWARM_ERR_ARGUMENT, "", 0},
        {SWARM_ERR_PROTOCOL, "", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        error.status = cases[i].status;
        snprintf(error.code, sizeof error.code, "%s", cases[i].code);
        if (attach_failure_is_temporary(&error) != cases[i].temporary)
            fail_msg("%s %s: temporary should be %d", swarm_status_name(cases[i].status), cases[i].code,
                     cases[i].temporary);
    }
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

static void spool_with_files(void **state) {
    (void)state;
    char dir[] = "/tmp/swarm-spool-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char spool[256], source[256], path[4096], error[512], folder[4200], copy[4300];
    snprintf(spool, sizeof spool, "%s/spool", dir);
    snprintf(source, sizeof source, "%s/disk.log", dir);
    FILE *file = fopen(source, "w");
    fputs("sda1 97%\n", file);
    fclose(file);
    json_t *frame = json_pack("{s:s, s:s, s:s}", "type", "alert.resolve", "id", "ccc", "dedupKey", "k");
    json_t *files = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]", "path", source, "name", "disk.log", "key",
                              "key-1", "path", source, "name", "again.log", "key", "key-2", "visibility", "public");
    assert_int_equal(spool_write_files(spool, frame, files, path, sizeof path, error, sizeof error), 0);
    /* The original may go: the spool has its own copies. */
    unlink(source);
    snprintf(folder, sizeof folder, "%.*s.files", (int)(strlen(path) - 5), path);
    json_t *left = spool_read_files(path, error, sizeof error);
    assert_non_null(left);
    assert_int_equal(json_array_size(left), 2);
    json_t *first = json_array_get(left, 0);
    snprintf(copy, sizeof copy, "%s/1", folder);
    assert_string_equal(json_string_value(json_object_get(first, "path")), copy);
    assert_string_equal(json_string_value(json_object_get(first, "name")), "disk.log");
    assert_string_equal(json_string_value(json_object_get(first, "key")), "key-1");
    assert_null(json_object_get(first, "visibility"));
    assert_string_equal(json_string_value(json_object_get(json_array_get(left, 1), "visibility")), "public");
    char bytes[32] = "";
    file = fopen(copy, "r");
    assert_non_null(fgets(bytes, sizeof bytes, file));
    fclose(file);
    assert_string_equal(bytes, "sda1 97%\n");
    /* One attached: its copy goes, and the next run sees only the other. */
    unlink(copy);
    json_decref(left);
    left = spool_read_files(path, error, sizeof error);
    assert_int_equal(json_array_size(left), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(left, 0), "key")), "key-2");
    json_decref(left);
    /* An alert without files has none. */
    char plain[4096];
    assert_int_equal(spool_write(spool, frame, plain, sizeof plain, error, sizeof error), 0);
    left = spool_read_files(plain, error, sizeof error);
    assert_int_equal(json_array_size(left), 0);
    json_decref(left);
    spool_remove(plain);
    assert_false(exists(plain));
    /* Removing the alert removes its files. */
    spool_remove(path);
    assert_false(exists(path));
    assert_false(exists(folder));
    /* A file that cannot be copied: nothing spooled, nothing left. */
    assert_int_equal(spool_write_files(spool, frame, files, path, sizeof path, error, sizeof error), -1);
    char expected[600];
    snprintf(expected, sizeof expected, "cannot read %s: No such file or directory", source);
    assert_string_equal(error, expected);
    char **paths;
    size_t count;
    assert_int_equal(spool_list(spool, &paths, &count, error, sizeof error), 0);
    assert_int_equal(count, 0);
    spool_free(paths, count);
    /* What a run that died while spooling left is swept: a folder without its alert, a .tmp file. */
    snprintf(folder, sizeof folder, "%s/0000000000001-x.files", spool);
    assert_int_equal(mkdir(folder, 0700), 0);
    snprintf(copy, sizeof copy, "%s/1", folder);
    fclose(fopen(copy, "w"));
    snprintf(copy, sizeof copy, "%s/0000000000002-y.json.tmp", spool);
    fclose(fopen(copy, "w"));
    spool_sweep(spool);
    assert_false(exists(folder));
    assert_false(exists(copy));
    json_decref(files);
    json_decref(frame);
    rmdir(spool);
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
        cmocka_unit_test(unreachable_hub),        cmocka_unit_test(attach_arguments),
        cmocka_unit_test(attach_failures_sorted), cmocka_unit_test(spool_with_files),
    };
    return cmocka_run_group_tests_name("swarm-notify and libswarm (unit)", tests, NULL, NULL);
}
