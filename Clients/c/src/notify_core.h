/* notify_core.h — what swarm-notify makes of a monitor's notification: pure functions, unit-tested. */
#ifndef NOTIFY_CORE_H
#define NOTIFY_CORE_H

#include <jansson.h>
#include <stddef.h>

#include "swarm.h"

/* What the notification asks for. */
typedef enum {
    ALERT_PROBLEM,  /* open a ticket, or repeat on the open one (ticket.open with dedupKey) */
    ALERT_RECOVERY, /* recover (alert.resolve) */
    ALERT_IGNORED   /* acknowledgements, flapping, downtime: nothing to send */
} alert_kind;

/* The hub's limits (Protocol/README.md §16). */
enum { ALERT_KEY_MAX = 200, ALERT_TITLE_MAX = 200, ALERT_OUTPUT_MAX = 10000 };

typedef struct {
    alert_kind kind;
    char type[64];      /* the notification type as the monitor named it (PROBLEM, RECOVERY, …) */
    char key[ALERT_KEY_MAX + 1];
    char title[ALERT_TITLE_MAX * 4 + 1]; /* up to 200 UTF-8 characters */
    char *output;                        /* malloc'ed; up to ALERT_OUTPUT_MAX characters */
    char urgency[8];
    char impact[8];
    char category[16];
    char queue[65];
} alert;

/* Plain options (also what Icinga 2 passes): any may be NULL. */
typedef struct {
    const char *type;    /* problem | recovery (or PROBLEM, RECOVERY, firing, resolved, OK) */
    const char *host;
    const char *service; /* NULL for a host alert */
    const char *state;   /* CRITICAL, WARNING, UNKNOWN, DOWN, UNREACHABLE, OK, UP */
    const char *output;
    const char *key;     /* default: <source>:<host>[/<service>] */
    const char *title;   /* default: "<host>: <service> is <state>" or "<host> is <state>" */
    const char *urgency; /* default from state: CRITICAL/DOWN/UNREACHABLE high, else medium */
    const char *impact;  /* default as urgency */
    const char *category; /* default service */
    const char *queue;    /* default: the hub's (the category's queue, else general) */
    const char *source;   /* key prefix: nagios, icinga, zabbix, … (default "alert") */
} alert_input;

/* Looks up an environment variable (getenv, or a table in tests). */
typedef const char *(*env_lookup)(const char *name, void *context);

/* Builds an alert from options. Returns 0, or -1 with a one-line reason in error. */
int alert_from_input(alert *out, const alert_input *input, char *error, size_t error_size);

/* Builds the input of a Nagios 4 notification from its environment macros (enable_environment_macros=1):
 * NAGIOS_NOTIFICATIONTYPE, NAGIOS_HOSTNAME, and for a service NAGIOS_SERVICEDESC, NAGIOS_SERVICESTATE,
 * NAGIOS_SERVICEOUTPUT (NAGIOS_LONGSERVICEOUTPUT appended); for a host NAGIOS_HOSTSTATE, NAGIOS_HOSTOUTPUT.
 * Options already set in input win. Returns 0, or -1 naming the missing macro. */
int input_from_nagios(alert_input *input, env_lookup lookup, void *context, char *scratch, size_t scratch_size,
                      char *error, size_t error_size);

/* Builds the input of a Zabbix media-script call: {ALERT.SENDTO} {ALERT.SUBJECT} {ALERT.MESSAGE}. The
 * subject starts "Problem:" or "Resolved:" (also "Recovery:", "OK:"); the key is the message's
 * "Original problem ID: N" (or "Problem ID: N", "Event ID: N") line, else the subject after its prefix. */
int input_from_zabbix(alert_input *input, const char *send_to, const char *subject, const char *message,
                      char *scratch, size_t scratch_size, char *error, size_t error_size);

/* The frame for the alert: ticket.open {…, dedupKey} or alert.resolve {dedupKey, output}, with `id`. */
json_t *alert_frame(const alert *a, const char *id);

/* Frees the alert's output. */
void alert_free(alert *a);

/* The files of --attach, checked (swarm_check_file: they exist, are regular files, can be read), as a
 * new JSON array in order: {"path", "name": the path's last component, "visibility": "public" when
 * public (else none: the hub's default), "key": a fresh Idempotency-Key}. The key is made now so that
 * the file is attached once however often its attachment is tried (spooled, retried). NULL with
 * "--attach: <reason>" in error. */
json_t *attach_list(const char *const *paths, size_t count, int public_files, char *error, size_t error_size);

/* Whether the files of list fit the hub's limit per file: 0, or -1 with "--attach: F has N bytes, M over
 * the hub's limit of L bytes per file" in error (or why a file can no longer be read). */
int attach_check_sizes(const json_t *list, long long max_file, char *error, size_t error_size);

/* Whether an attachment that failed may succeed later, so that it is kept (spooled) and tried again: the
 * hub unreachable or not answering, or answering that it cannot now (unavailable: its virus scanner is
 * away; internal; rate_limited). Not a refused token, nor a refusal for good (too_large, infected,
 * not_found, conflict, forbidden, a bad file). */
int attach_failure_is_temporary(const swarm_error *error);

/* UTF-8 characters (code points) in text. */
size_t utf8_length(const char *text);

/* The dedup key of raw text: control and non-ASCII bytes become '_', spaces at both ends go, at most
 * 200 characters. */
void make_key(char out[ALERT_KEY_MAX + 1], const char *raw);

#endif
