/* swarm-notify — turns a monitor's notification into a swarmd ticket (docs/monitoring.md).
 *
 *   swarm-notify [--url URL] [--ca-file PEM] [--token T | --token-file F] [--spool DIR] [--retries N] [--timeout MS]
 *                [--attach FILE]… [--public]
 *                [--nagios | --zabbix SENDTO SUBJECT MESSAGE | --type T --host H [--service S] …]
 *   swarm-notify --flush
 *
 * Exit status: 0 delivered (or nothing to send), 64 bad input, 65 the hub refused the alert (or a file),
 * 75 the hub was unreachable and the alert (or a file still to attach) was spooled, 77 the hub refused
 * the token.
 *
 * --attach: the files go to the ticket the alert's ack names (the one it opened or repeated on, or the
 * one a recovery recovered), over REST (swarm_attach), once the alert is delivered. Spooled alerts carry
 * copies of their files, each with the Idempotency-Key it was given here, so a file is attached once
 * however many runs it takes (src/spool.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "notify_core.h"
#include "spool.h"
#include "swarm.h"

enum { EXIT_USAGE = 64, EXIT_REFUSED = 65, EXIT_SPOOLED = 75, EXIT_TOKEN = 77 };

static void usage(FILE *to) {
    fputs("usage: swarm-notify [--url URL] [--ca-file PEM] [--token TOKEN | --token-file FILE] [--spool DIR]\n"
          "                    [--retries N] [--timeout MS] [--flush]\n"
          "                    [--nagios | --zabbix SENDTO SUBJECT MESSAGE |\n"
          "                     --type problem|recovery --host HOST [--service S] [--state S] [--output TEXT]]\n"
          "                    [--key KEY] [--title T] [--urgency L] [--impact L] [--category C] [--queue Q]\n"
          "                    [--source NAME] [--attach FILE]... [--public]\n"
          "--ca-file: the CA (or self-signed certificate) a wss:// hub's certificate must be signed by.\n"
          "--attach: a file to attach to the alert's ticket (repeatable); internal to staff unless --public\n"
          "(a requester's token attaches public files: the requester is the monitor itself).\n"
          "Environment: SWARM_URL, SWARM_CA_FILE, SWARM_TOKEN, SWARM_SPOOL; Nagios 4 NAGIOS_* macros\n"
          "(enable_environment_macros=1).\n"
          "Exit: 0 delivered, 64 bad input, 65 refused by the hub, 75 hub unreachable (spooled), 77 token refused.\n",
          to);
}

static const char *environment(const char *name, void *context) {
    (void)context;
    return getenv(name);
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

/* Connects, retrying unreachable hubs with exponential backoff (250 ms, 500 ms, 1 s, …). */
static swarm_status connect_with_retries(const swarm_options *options, int retries, swarm_client **client,
                                         swarm_error *error) {
    long backoff = 250;
    for (int attempt = 0;; attempt++) {
        swarm_status status = swarm_connect(options, client, error);
        if (status != SWARM_ERR_CONNECT && status != SWARM_ERR_TIMEOUT) return status;
        if (attempt >= retries) return status;
        sleep_ms(backoff);
        backoff *= 2;
    }
}

/* One line about a delivered command, to stdout: the ticket id first. */
static void report(const json_t *frame, const json_t *ack, const char *prefix) {
    const char *type = json_string_value(json_object_get(frame, "type"));
    const char *key = json_string_value(json_object_get(frame, "dedupKey"));
    const char *ticket = json_string_value(json_object_get(ack, "ticket"));
    if (json_is_true(json_object_get(ack, "unknown"))) {
        printf("%sno open ticket for %s (recovery noted, nothing to do)\n", prefix, key ? key : "?");
    } else if (type && strcmp(type, "alert.resolve") == 0) {
        printf("%s%s recovered (%s)\n", prefix, ticket ? ticket : "?", key ? key : "?");
    } else if (json_is_true(json_object_get(ack, "repeated"))) {
        printf("%s%s repeated (%s)\n", prefix, ticket ? ticket : "?", key ? key : "?");
    } else {
        printf("%s%s opened (%s)\n", prefix, ticket ? ticket : "?", key ? key : "?");
    }
    fflush(stdout);
}

/* Spools the alert with the files still to attach (NULL: none). */
static int spool_or_fail(const char *spool, const json_t *frame, const json_t *files, const char *why) {
    char path[4096], problem[512], with[64] = "";
    size_t count = files ? json_array_size(files) : 0;
    if (count == 1) snprintf(with, sizeof with, " with 1 file");
    else if (count > 1) snprintf(with, sizeof with, " with %zu files", count);
    if (spool_write_files(spool, frame, files, path, sizeof path, problem, sizeof problem) != 0) {
        fprintf(stderr, "swarm-notify: %s; and the alert could not be spooled: %s\n", why, problem);
        return EXIT_SPOOLED;
    }
    fprintf(stderr, "swarm-notify: %s; alert spooled as %s%s (delivered on the next run or with --flush)\n",
            why, path, with);
    return EXIT_SPOOLED;
}

/* One line about an attached file, to stdout: the ticket id first. */
static void report_attached(const char *prefix, const char *ticket, const json_t *answer) {
    const json_t *file = json_object_get(answer, "attachment");
    printf("%s%s attached %s as %s (%lld bytes, %s)\n", prefix, ticket,
           json_string_value(json_object_get(file, "name")), json_string_value(json_object_get(file, "id")),
           (long long)json_integer_value(json_object_get(file, "size")),
           json_string_value(json_object_get(file, "visibility")));
    fflush(stdout);
}

/* Attaches the files of list ({path, name, visibility?, key}) to ticket in order, taking each out of list
 * once attached or refused for good (and deleting it when it is a spooled copy). Stops at a failure
 * that may pass (EXIT_SPOOLED) or a refused token (EXIT_TOKEN), *why saying which, the files not yet
 * attached left in list; else 0, or EXIT_REFUSED when the hub refused one (each said on stderr). */
static int attach_files(const swarm_options *options, const char *ticket, json_t *list, const char *prefix,
                        int spooled, swarm_error *why) {
    int result = 0;
    while (json_array_size(list) > 0) {
        json_t *file = json_array_get(list, 0);
        const char *path = json_string_value(json_object_get(file, "path"));
        const char *name = json_string_value(json_object_get(file, "name"));
        const char *key = json_string_value(json_object_get(file, "key"));
        swarm_visibility visibility = json_object_get(file, "visibility") ? SWARM_VISIBILITY_PUBLIC
                                                                           : SWARM_VISIBILITY_DEFAULT;
        json_t *answer = NULL;
        swarm_error error;
        swarm_status status = swarm_attach(options, ticket, path, name, visibility, key, &answer, &error);
        if (status == SWARM_OK) {
            report_attached(prefix, ticket, answer);
            json_decref(answer);
        } else if (status == SWARM_ERR_UNAUTHORIZED || attach_failure_is_temporary(&error)) {
            *why = error;
            return status == SWARM_ERR_UNAUTHORIZED ? EXIT_TOKEN : EXIT_SPOOLED;
        } else {
            if (status == SWARM_ERR_REFUSED)
                fprintf(stderr, "swarm-notify: the hub refused %s for %s: %s: %s%s\n", name, ticket, error.code,
                        error.message, spooled ? " (removed from the spool)" : "");
            else
                fprintf(stderr, "swarm-notify: cannot attach %s to %s: %s%s\n", name, ticket, error.message,
                        spooled ? " (removed from the spool)" : "");
            result = EXIT_REFUSED;
        }
        if (spooled) unlink(path);
        json_array_remove(list, 0);
    }
    return result;
}

int main(int argc, char **argv) {
    const char *url = getenv("SWARM_URL");
    const char *token = getenv("SWARM_TOKEN");
    const char *token_file = NULL;
    const char *ca_file = getenv("SWARM_CA_FILE");
    const char *spool = getenv("SWARM_SPOOL");
    int retries = 3, timeout_ms = 5000, flush_only = 0, nagios = 0, zabbix = 0, public_files = 0;
    enum { ATTACH_MAX = 32 };
    const char *attach_paths[ATTACH_MAX];
    size_t attach_count = 0;
    alert_input input;
    memset(&input, 0, sizeof input);
    static const struct option options[] = {
        {"url", required_argument, 0, 'u'},      {"token", required_argument, 0, 'T'},
        {"token-file", required_argument, 0, 'F'}, {"spool", required_argument, 0, 'S'},
        {"retries", required_argument, 0, 'r'},  {"timeout", required_argument, 0, 'w'},
        {"flush", no_argument, 0, 'f'},          {"nagios", no_argument, 0, 'N'},
        {"zabbix", no_argument, 0, 'Z'},         {"type", required_argument, 0, 't'},
        {"host", required_argument, 0, 'H'},     {"service", required_argument, 0, 's'},
        {"state", required_argument, 0, 'x'},    {"output", required_argument, 0, 'o'},
        {"key", required_argument, 0, 'k'},      {"title", required_argument, 0, 'i'},
        {"urgency", required_argument, 0, 'U'},  {"impact", required_argument, 0, 'I'},
        {"category", required_argument, 0, 'c'}, {"queue", required_argument, 0, 'q'},
        {"source", required_argument, 0, 'R'},   {"help", no_argument, 0, 'h'},
        {"ca-file", required_argument, 0, 'C'},  {"attach", required_argument, 0, 'A'},
        {"public", no_argument, 0, 'P'},
        {0, 0, 0, 0},
    };
    int option;
    while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        char *end;
        switch (option) {
        case 'u': url = optarg; break;
        case 'T': token = optarg; break;
        case 'F': token_file = optarg; break;
        case 'C': ca_file = optarg; break;
        case 'S': spool = optarg; break;
        case 'r':
            retries = (int)strtol(optarg, &end, 10);
            if (*end || retries < 0 || retries > 10) {
                fprintf(stderr, "swarm-notify: --retries must be 0 to 10\n");
                return EXIT_USAGE;
            }
            break;
        case 'w':
            timeout_ms = (int)strtol(optarg, &end, 10);
            if (*end || timeout_ms < 100 || timeout_ms > 600000) {
                fprintf(stderr, "swarm-notify: --timeout must be 100 to 600000 milliseconds\n");
                return EXIT_USAGE;
            }
            break;
        case 'f': flush_only = 1; break;
        case 'N': nagios = 1; break;
        case 'Z': zabbix = 1; break;
        case 't': input.type = optarg; break;
        case 'H': input.host = optarg; break;
        case 's': input.service = optarg; break;
        case 'x': input.state = optarg; break;
        case 'o': input.output = optarg; break;
        case 'k': input.key = optarg; break;
        case 'i': input.title = optarg; break;
        case 'U': input.urgency = optarg; break;
        case 'I': input.impact = optarg; break;
        case 'c': input.category = optarg; break;
        case 'q': input.queue = optarg; break;
        case 'R': input.source = optarg; break;
        case 'A':
            if (attach_count == ATTACH_MAX) {
                fprintf(stderr, "swarm-notify: --attach may be given at most %d times\n", ATTACH_MAX);
                return EXIT_USAGE;
            }
            attach_paths[attach_count++] = optarg;
            break;
        case 'P': public_files = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (!url) url = "ws://127.0.0.1:8080/v1/ws";
    if (ca_file && !*ca_file) ca_file = NULL;
    if (ca_file) {
        /* Checked here: libwebsockets reports an unreadable CA file only as a failed connection,
         * which would spool every alert for a mistake in the command line. */
        FILE *file = fopen(ca_file, "r");
        if (!file) {
            fprintf(stderr, "swarm-notify: cannot read the CA file %s: %s\n", ca_file, strerror(errno));
            return EXIT_USAGE;
        }
        fclose(file);
    }
    if (!spool) spool = "/var/spool/swarm-notify";
    char token_text[1024];
    if (token_file) {
        FILE *file = fopen(token_file, "r");
        if (!file || !fgets(token_text, sizeof token_text, file)) {
            fprintf(stderr, "swarm-notify: cannot read the token file %s\n", token_file);
            if (file) fclose(file);
            return EXIT_USAGE;
        }
        fclose(file);
        token_text[strcspn(token_text, "\r\n")] = '\0';
        token = token_text;
    }
    if (!token || !*token) {
        fprintf(stderr, "swarm-notify: no token: give --token, --token-file or SWARM_TOKEN\n");
        return EXIT_USAGE;
    }

    if (flush_only && attach_count) {
        fprintf(stderr, "swarm-notify: --attach goes with an alert; --flush only delivers the spool\n");
        return EXIT_USAGE;
    }
    if (public_files && !attach_count) {
        fprintf(stderr, "swarm-notify: --public is for the files of --attach; there are none\n");
        return EXIT_USAGE;
    }

    char problem[512], scratch[ALERT_OUTPUT_MAX * 4 + 1024];
    json_t *frame = NULL, *files = NULL;
    alert a;
    memset(&a, 0, sizeof a);
    if (!flush_only) {
        int failed = 0;
        if (zabbix) {
            if (argc - optind != 3) {
                fprintf(stderr, "swarm-notify: --zabbix takes three arguments: {ALERT.SENDTO} {ALERT.SUBJECT} "
                                "{ALERT.MESSAGE}\n");
                return EXIT_USAGE;
            }
            failed = input_from_zabbix(&input, argv[optind], argv[optind + 1], argv[optind + 2], scratch,
                                       sizeof scratch, problem, sizeof problem);
        } else {
            if (optind < argc) {
                fprintf(stderr, "swarm-notify: unexpected argument '%s'\n", argv[optind]);
                return EXIT_USAGE;
            }
            if (nagios || (!input.type && getenv("NAGIOS_NOTIFICATIONTYPE")))
                failed = input_from_nagios(&input, environment, NULL, scratch, sizeof scratch, problem,
                                           sizeof problem);
        }
        if (failed || alert_from_input(&a, &input, problem, sizeof problem) != 0) {
            fprintf(stderr, "swarm-notify: %s\n", problem);
            return EXIT_USAGE;
        }
        if (a.kind == ALERT_IGNORED) {
            printf("ignored %s notification (only problems and recoveries make tickets)\n", a.type);
            return 0;
        }
        /* Checked before anything is sent: a file that is not there is the command line's mistake, like
         * a missing macro, and spooling it would only fail later. */
        if (attach_count) {
            files = attach_list(attach_paths, attach_count, public_files, problem, sizeof problem);
            if (!files) {
                fprintf(stderr, "swarm-notify: %s\n", problem);
                alert_free(&a);
                return EXIT_USAGE;
            }
        }
        char id[33];
        swarm_new_id(id);
        frame = alert_frame(&a, id);
        alert_free(&a);
        if (!frame) {
            fprintf(stderr, "swarm-notify: the alert's text is not valid UTF-8\n");
            json_decref(files);
            return EXIT_USAGE;
        }
    }

    /* One delivery at a time per spool: a second run waits, then finds the spool already flushed. */
    if (mkdir(spool, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "swarm-notify: cannot create the spool directory %s: %s\n", spool, strerror(errno));
        json_decref(frame);
        json_decref(files);
        return EXIT_USAGE;
    }
    char lock_path[4096];
    snprintf(lock_path, sizeof lock_path, "%s/.lock", spool);
    int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock >= 0) {
        flock(lock, LOCK_EX);
        /* What a run that died while spooling left (copies of files with no alert): only under the lock. */
        spool_sweep(spool);
    }

    swarm_options connect_options = {url, token, timeout_ms, ca_file, 0};
    swarm_client *client = NULL;
    swarm_error error;
    memset(&error, 0, sizeof error);
    swarm_status status = connect_with_retries(&connect_options, retries, &client, &error);
    int result = 0;
    if (status == SWARM_ERR_UNAUTHORIZED) {
        fprintf(stderr, "swarm-notify: the hub at %s refused the token (unknown or revoked); nothing sent\n", url);
        result = EXIT_TOKEN;
        goto done;
    }
    if (status != SWARM_OK) {
        if (frame) result = spool_or_fail(spool, frame, files, error.message);
        else {
            fprintf(stderr, "swarm-notify: %s; the spool stays for the next run\n", error.message);
            result = EXIT_SPOOLED;
        }
        goto done;
    }

    /* The spool first, oldest first: alerts arrive in the order they happened. */
    char **paths = NULL;
    size_t count = 0;
    if (spool_list(spool, &paths, &count, problem, sizeof problem) != 0) fprintf(stderr, "swarm-notify: %s\n", problem);
    for (size_t i = 0; i < count; i++) {
        json_t *spooled = spool_read(paths[i], problem, sizeof problem);
        if (!spooled) {
            fprintf(stderr, "swarm-notify: %s (left in place)\n", problem);
            continue;
        }
        json_t *spooled_files = spool_read_files(paths[i], problem, sizeof problem);
        if (!spooled_files) {
            fprintf(stderr, "swarm-notify: %s (left in place)\n", problem);
            json_decref(spooled);
            continue;
        }
        json_t *ack = NULL;
        int later = 0;
        char why[sizeof error.message + 256] = "";
        status = swarm_command(client, spooled, &ack, &error);
        if (status == SWARM_OK) {
            report(spooled, ack, "spooled alert delivered: ");
            const char *ticket = json_string_value(json_object_get(ack, "ticket"));
            if (json_array_size(spooled_files) > 0 && !ticket) {
                fprintf(stderr, "swarm-notify: no ticket to attach the files spooled with %s to (removed)\n",
                        paths[i]);
            } else if (ticket) {
                /* The frame was sent again with its id: if the hub had it already, the ack is the first one,
                 * with the same ticket; and each file goes with its own key, attached once. */
                int outcome = attach_files(&connect_options, ticket, spooled_files, "spooled alert delivered: ", 1,
                                           &error);
                if (outcome == EXIT_TOKEN) {
                    fprintf(stderr, "swarm-notify: the hub at %s refused the token (unknown or revoked)\n", url);
                    result = EXIT_TOKEN;
                    later = 1;
                } else if (outcome == EXIT_SPOOLED) {
                    later = 1;
                    snprintf(why, sizeof why, "cannot attach %s to %s yet: %s",
                             json_string_value(json_object_get(json_array_get(spooled_files, 0), "name")), ticket,
                             error.message);
                }
            }
            if (!later) spool_remove(paths[i]);
        } else if (status == SWARM_ERR_REFUSED) {
            fprintf(stderr, "swarm-notify: the hub refused spooled alert %s: %s: %s (removed)\n", paths[i], error.code,
                    error.message);
            spool_remove(paths[i]);
        } else {
            later = 1;
            snprintf(why, sizeof why, "%s", error.message);
        }
        json_decref(ack);
        json_decref(spooled);
        json_decref(spooled_files);
        if (later) {
            /* The hub went away (or will not take files now): this alert and the rest stay, in order. */
            spool_free(paths, count);
            if (result == EXIT_TOKEN) goto done;
            if (frame) result = spool_or_fail(spool, frame, files, why);
            else {
                fprintf(stderr, "swarm-notify: %s; the spool stays for the next run\n", why);
                result = EXIT_SPOOLED;
            }
            goto done;
        }
    }
    spool_free(paths, count);
    if (!frame) {
        if (count == 0) printf("spool empty: nothing to deliver\n");
        goto done;
    }
    /* A file over the hub's limit is refused before the alert is sent, as an output over its limit is:
     * the command line asks for what the hub will not take. A hub that cannot say its limits (not one
     * that takes files) gets the alert all the same; attaching then says why it failed. */
    if (files) {
        swarm_limits limits;
        status = swarm_get_limits(&connect_options, &limits, &error);
        if (status == SWARM_OK && attach_check_sizes(files, limits.attachment_max_file, problem, sizeof problem) != 0) {
            fprintf(stderr, "swarm-notify: %s; the alert was not sent\n", problem);
            result = EXIT_USAGE;
            goto done;
        }
        if (status == SWARM_ERR_UNAUTHORIZED) {
            fprintf(stderr, "swarm-notify: the hub at %s refused the token (unknown or revoked); the alert was not sent\n",
                    url);
            result = EXIT_TOKEN;
            goto done;
        }
        if (status == SWARM_ERR_CONNECT || status == SWARM_ERR_TIMEOUT) {
            result = spool_or_fail(spool, frame, files, error.message);
            goto done;
        }
    }

    json_t *ack = NULL;
    status = swarm_command(client, frame, &ack, &error);
    if (status == SWARM_OK) {
        report(frame, ack, "");
        const char *ticket = json_string_value(json_object_get(ack, "ticket"));
        if (files && !ticket) {
            /* A recovery no open ticket of ours waited for: nothing to do, and nowhere to put the files. */
            fprintf(stderr, "swarm-notify: no ticket to attach %s to; not attached\n",
                    json_array_size(files) == 1 ? "the file" : "the files");
        } else if (files) {
            int outcome = attach_files(&connect_options, ticket, files, "", 0, &error);
            if (outcome == EXIT_SPOOLED) {
                /* The alert again, with its id (the hub answers its first ack), and the files not yet
                 * attached, with their keys: the next run attaches each once. */
                char why[sizeof error.message + 256];
                snprintf(why, sizeof why, "cannot attach %s to %s yet: %s",
                         json_string_value(json_object_get(json_array_get(files, 0), "name")), ticket, error.message);
                result = spool_or_fail(spool, frame, files, why);
            } else if (outcome == EXIT_TOKEN) {
                fprintf(stderr, "swarm-notify: the hub at %s refused the token for the files (unknown or revoked)\n",
                        url);
                result = EXIT_TOKEN;
            } else {
                result = outcome;
            }
        }
    } else if (status == SWARM_ERR_REFUSED) {
        fprintf(stderr, "swarm-notify: the hub refused the alert: %s: %s\n", error.code, error.message);
        result = EXIT_REFUSED;
    } else {
        /* Sent perhaps, but unanswered: spooled with the same id, the hub answers a retry once. */
        result = spool_or_fail(spool, frame, files, error.message);
    }
    json_decref(ack);

done:
    swarm_close(client);
    json_decref(frame);
    json_decref(files);
    if (lock >= 0) close(lock);
    return result;
}
