/* notify_core.c — see notify_core.h. */
#define _POSIX_C_SOURCE 200809L
#include "notify_core.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void fail(char *error, size_t size, const char *message) { snprintf(error, size, "%s", message); }

size_t utf8_length(const char *text) {
    size_t count = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if ((*p & 0xC0) != 0x80) count++;
    return count;
}

/* Copies at most `characters` UTF-8 characters of text (and `bytes` - 1 bytes) into out. */
static void copy_characters(char *out, size_t bytes, const char *text, size_t characters) {
    size_t used = 0, count = 0;
    const unsigned char *p = (const unsigned char *)text;
    while (*p && used + 1 < bytes) {
        size_t length = 1;
        if (*p >= 0xF0) length = 4;
        else if (*p >= 0xE0) length = 3;
        else if (*p >= 0xC0) length = 2;
        if (count == characters || used + length >= bytes) break;
        memcpy(out + used, p, length);
        used += length;
        p += length;
        count++;
    }
    out[used] = '\0';
}

void make_key(char out[ALERT_KEY_MAX + 1], const char *raw) {
    size_t length = 0;
    const unsigned char *p = (const unsigned char *)raw;
    while (*p == ' ') p++;
    for (; *p && length < ALERT_KEY_MAX; p++) {
        if (*p >= 0x80 && (*p & 0xC0) == 0x80) continue; /* one '_' per non-ASCII character */
        out[length++] = (*p >= 0x20 && *p <= 0x7E) ? (char)*p : '_';
    }
    while (length > 0 && out[length - 1] == ' ') length--;
    out[length] = '\0';
}

static int is_one_of(const char *text, const char *const *names) {
    for (; *names; names++)
        if (strcasecmp(text, *names) == 0) return 1;
    return 0;
}

static int is_level(const char *text) {
    static const char *const levels[] = {"high", "medium", "low", NULL};
    for (const char *const *l = levels; *l; l++)
        if (strcmp(text, *l) == 0) return 1;
    return 0;
}

int alert_from_input(alert *out, const alert_input *input, char *error, size_t error_size) {
    memset(out, 0, sizeof *out);
    if (!input->type || !*input->type) {
        fail(error, error_size, "missing the notification type (--type problem|recovery)");
        return -1;
    }
    static const char *const problems[] = {"problem", "firing", NULL};
    static const char *const recoveries[] = {"recovery", "resolved", "ok", NULL};
    static const char *const ignored[] = {"acknowledgement", "flappingstart", "flappingstop", "flappingdisabled",
                                          "downtimestart", "downtimeend", "downtimecancelled", "custom", NULL};
    snprintf(out->type, sizeof out->type, "%s", input->type);
    if (is_one_of(input->type, problems)) {
        out->kind = ALERT_PROBLEM;
    } else if (is_one_of(input->type, recoveries)) {
        out->kind = ALERT_RECOVERY;
    } else if (is_one_of(input->type, ignored)) {
        out->kind = ALERT_IGNORED;
        return 0;
    } else {
        snprintf(error, error_size, "unknown notification type '%.40s' (problem or recovery)", input->type);
        return -1;
    }
    if ((!input->host || !*input->host) && (!input->key || !*input->key)) {
        fail(error, error_size, "missing the host (--host) or the key (--key)");
        return -1;
    }
    const char *output = input->output ? input->output : "";
    size_t characters = utf8_length(output);
    if (characters > ALERT_OUTPUT_MAX) {
        snprintf(error, error_size, "the output has %zu characters; the hub accepts at most %d", characters,
                 ALERT_OUTPUT_MAX);
        return -1;
    }
    out->output = strdup(output);
    if (!out->output) {
        fail(error, error_size, "out of memory");
        return -1;
    }
    char raw[1024];
    if (input->key && *input->key) {
        snprintf(raw, sizeof raw, "%s", input->key);
    } else if (input->service && *input->service) {
        snprintf(raw, sizeof raw, "%s:%s/%s", input->source ? input->source : "alert", input->host, input->service);
    } else {
        snprintf(raw, sizeof raw, "%s:%s", input->source ? input->source : "alert", input->host);
    }
    make_key(out->key, raw);
    if (!out->key[0]) {
        fail(error, error_size, "the key is empty");
        alert_free(out);
        return -1;
    }
    const char *state = input->state && *input->state ? input->state : (out->kind == ALERT_PROBLEM ? "PROBLEM" : "OK");
    char title[2048];
    if (input->title && *input->title)
        snprintf(title, sizeof title, "%s", input->title);
    else if (input->service && *input->service)
        snprintf(title, sizeof title, "%s: %s is %s", input->host ? input->host : "?", input->service, state);
    else
        snprintf(title, sizeof title, "%s is %s", input->host ? input->host : out->key, state);
    copy_characters(out->title, sizeof out->title, title, ALERT_TITLE_MAX);
    static const char *const severe[] = {"critical", "down", "unreachable", "disaster", "high", NULL};
    const char *level = is_one_of(state, severe) ? "high" : "medium";
    const char *urgency = input->urgency ? input->urgency : level;
    const char *impact = input->impact ? input->impact : urgency;
    if (!is_level(urgency) || !is_level(impact)) {
        fail(error, error_size, "--urgency and --impact must be high, medium or low");
        alert_free(out);
        return -1;
    }
    snprintf(out->urgency, sizeof out->urgency, "%s", urgency);
    snprintf(out->impact, sizeof out->impact, "%s", impact);
    static const char *const categories[] = {"hardware", "software", "service", "network", "access", "other", NULL};
    const char *category = input->category ? input->category : "service";
    int known = 0;
    for (const char *const *c = categories; *c; c++) known |= strcmp(category, *c) == 0;
    if (!known) {
        fail(error, error_size, "--category must be hardware, software, service, network, access or other");
        alert_free(out);
        return -1;
    }
    snprintf(out->category, sizeof out->category, "%s", category);
    if (input->queue) {
        size_t length = strlen(input->queue);
        int valid = length >= 1 && length <= 64 && (islower((unsigned char)input->queue[0]) || isdigit((unsigned char)input->queue[0]));
        for (size_t i = 0; valid && i < length; i++) {
            unsigned char c = (unsigned char)input->queue[i];
            valid = islower(c) || isdigit(c) || c == '-' || c == '_';
        }
        if (!valid) {
            fail(error, error_size, "--queue must be 1 to 64 lowercase letters, digits, '-' or '_'");
            alert_free(out);
            return -1;
        }
        snprintf(out->queue, sizeof out->queue, "%s", input->queue);
    }
    return 0;
}

int input_from_nagios(alert_input *input, env_lookup lookup, void *context, char *scratch, size_t scratch_size,
                      char *error, size_t error_size) {
    const char *type = lookup("NAGIOS_NOTIFICATIONTYPE", context);
    const char *host = lookup("NAGIOS_HOSTNAME", context);
    if (!type) {
        fail(error, error_size,
             "missing Nagios macro NAGIOS_NOTIFICATIONTYPE (is enable_environment_macros=1 in nagios.cfg?)");
        return -1;
    }
    if (!host) {
        fail(error, error_size, "missing Nagios macro NAGIOS_HOSTNAME");
        return -1;
    }
    const char *service = lookup("NAGIOS_SERVICEDESC", context);
    const char *state, *output, *more = NULL;
    if (service && *service) {
        state = lookup("NAGIOS_SERVICESTATE", context);
        output = lookup("NAGIOS_SERVICEOUTPUT", context);
        more = lookup("NAGIOS_LONGSERVICEOUTPUT", context);
        if (!state) {
            fail(error, error_size, "missing Nagios macro NAGIOS_SERVICESTATE");
            return -1;
        }
        if (!output) {
            fail(error, error_size, "missing Nagios macro NAGIOS_SERVICEOUTPUT");
            return -1;
        }
    } else {
        service = NULL;
        state = lookup("NAGIOS_HOSTSTATE", context);
        output = lookup("NAGIOS_HOSTOUTPUT", context);
        more = lookup("NAGIOS_LONGHOSTOUTPUT", context);
        if (!state) {
            fail(error, error_size, "missing Nagios macro NAGIOS_HOSTSTATE");
            return -1;
        }
        if (!output) {
            fail(error, error_size, "missing Nagios macro NAGIOS_HOSTOUTPUT");
            return -1;
        }
    }
    if (more && *more) {
        /* Long output is often large: keep it whole here; alert_from_input checks the limit. */
        int written = snprintf(scratch, scratch_size, "%s\n%s", output, more);
        if (written < 0 || (size_t)written >= scratch_size) {
            snprintf(error, error_size, "the output has more than %d characters; the hub accepts at most %d",
                     ALERT_OUTPUT_MAX, ALERT_OUTPUT_MAX);
            return -1;
        }
        output = scratch;
    }
    if (!input->type) input->type = type;
    if (!input->host) input->host = host;
    if (!input->service) input->service = service;
    if (!input->state) input->state = state;
    if (!input->output) input->output = output;
    if (!input->source) input->source = "nagios";
    return 0;
}

int input_from_zabbix(alert_input *input, const char *send_to, const char *subject, const char *message,
                      char *scratch, size_t scratch_size, char *error, size_t error_size) {
    (void)send_to;
    if (!subject || !*subject) {
        fail(error, error_size, "missing the Zabbix subject ({ALERT.SUBJECT}, the second argument)");
        return -1;
    }
    if (!message) {
        fail(error, error_size, "missing the Zabbix message ({ALERT.MESSAGE}, the third argument)");
        return -1;
    }
    static const struct {
        const char *prefix;
        const char *type;
    } prefixes[] = {{"Problem:", "problem"}, {"Resolved:", "recovery"}, {"Recovery:", "recovery"}, {"OK:", "recovery"}};
    const char *rest = NULL;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t length = strlen(prefixes[i].prefix);
        if (strncasecmp(subject, prefixes[i].prefix, length) == 0) {
            if (!input->type) input->type = prefixes[i].type;
            rest = subject + length;
            break;
        }
    }
    if (!rest) {
        fail(error, error_size, "the Zabbix subject must start with 'Problem:' or 'Resolved:'");
        return -1;
    }
    while (*rest == ' ') rest++;
    static const char *const labels[] = {"Original problem ID:", "Problem ID:", "Event ID:"};
    const char *id = NULL;
    for (size_t i = 0; !id && i < sizeof labels / sizeof labels[0]; i++) {
        const char *found = strstr(message, labels[i]);
        if (found) id = found + strlen(labels[i]);
    }
    if (id) {
        while (*id == ' ') id++;
        size_t digits = strspn(id, "0123456789");
        if (digits > 0 && digits < 32) snprintf(scratch, scratch_size, "zabbix:%.*s", (int)digits, id);
        else id = NULL;
    }
    if (!id) snprintf(scratch, scratch_size, "zabbix:%s", rest);
    if (!input->key) input->key = scratch;
    if (!input->title) input->title = *rest ? rest : subject;
    if (!input->host) input->host = "zabbix";
    if (!input->output) input->output = message;
    if (!input->source) input->source = "zabbix";
    return 0;
}

json_t *alert_frame(const alert *a, const char *id) {
    if (a->kind == ALERT_RECOVERY)
        return json_pack("{s:s, s:s, s:s, s:s}", "type", "alert.resolve", "id", id, "dedupKey", a->key, "output",
                         a->output ? a->output : "");
    json_t *frame = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "ticket.open", "id", id, "title",
                              a->title, "description", a->output ? a->output : "", "category", a->category,
                              "urgency", a->urgency, "impact", a->impact, "dedupKey", a->key);
    if (frame && a->queue[0]) json_object_set_new(frame, "queue", json_string(a->queue));
    return frame;
}

void alert_free(alert *a) {
    free(a->output);
    a->output = NULL;
}

json_t *attach_list(const char *const *paths, size_t count, int public_files, char *error, size_t error_size) {
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++) {
        swarm_error problem;
        if (swarm_check_file(paths[i], NULL, &problem) != SWARM_OK) {
            snprintf(error, error_size, "--attach: %s", problem.message);
            json_decref(list);
            return NULL;
        }
        const char *slash = strrchr(paths[i], '/');
        char key[33];
        swarm_new_id(key);
        json_t *file = json_pack("{s:s, s:s, s:s}", "path", paths[i], "name", slash ? slash + 1 : paths[i], "key", key);
        if (!file) {
            /* jansson takes UTF-8 only: a name in another encoding cannot travel in JSON. */
            snprintf(error, error_size, "--attach: the name of %s is not valid UTF-8", paths[i]);
            json_decref(list);
            return NULL;
        }
        if (public_files) json_object_set_new(file, "visibility", json_string("public"));
        json_array_append_new(list, file);
    }
    return list;
}

int attach_check_sizes(const json_t *list, long long max_file, char *error, size_t error_size) {
    size_t index;
    json_t *file;
    json_array_foreach(list, index, file) {
        const char *path = json_string_value(json_object_get(file, "path"));
        long long size = 0;
        swarm_error problem;
        if (swarm_check_file(path, &size, &problem) != SWARM_OK) {
            snprintf(error, error_size, "--attach: %s", problem.message);
            return -1;
        }
        if (size > max_file) {
            snprintf(error, error_size, "--attach: %s has %lld bytes, %lld over the hub's limit of %lld bytes per file",
                     path, size, size - max_file, max_file);
            return -1;
        }
    }
    return 0;
}

int attach_failure_is_temporary(const swarm_error *error) {
    switch (error->status) {
    case SWARM_ERR_CONNECT:
    case SWARM_ERR_TIMEOUT:
    case SWARM_ERR_MEMORY:
        return 1;
    case SWARM_ERR_REFUSED:
        return strcmp(error->code, "unavailable") == 0 || strcmp(error->code, "internal") == 0 ||
               strcmp(error->code, "rate_limited") == 0;
    default:
        return 0;
    }
}
