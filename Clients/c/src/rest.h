/* rest.h — libswarm's helpers that do no I/O, internal to the library (src/swarm.c, src/attach.c) and declared
 * here so that tests/test_rest.c can test them one by one. */
#ifndef SWARM_REST_H
#define SWARM_REST_H

#include <stddef.h>

#include "swarm.h"

/* Fills error (when not NULL) with status, code (NULL: "") and a printf-style message. */
void swarm_set_error(swarm_error *error, swarm_status status, const char *code, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* Percent-encodes text for a URL's path segment or query value: every byte but RFC 3986's unreserved
 * characters (A–Z a–z 0–9 - . _ ~) becomes %XX, so '/', '&', '=', '#', '?', spaces and UTF-8 all travel
 * as data. Returns 0, or -1 when out (out_size bytes with the NUL) is too small. */
int swarm_percent_encode(const char *text, char *out, size_t out_size);

/* What an HTTP answer other than the one expected means, from its status and body (which need not be
 * NUL-terminated; NULL if none), for the request to url:
 *   - the hub's error body {"error": {"code", "message"}}: SWARM_ERR_UNAUTHORIZED for 401, else
 *     SWARM_ERR_REFUSED, with its code and message;
 *   - anything else from 502, 503 or 504: SWARM_ERR_CONNECT (a proxy whose hub is away);
 *   - anything else: SWARM_ERR_PROTOCOL naming the status (a plain 404 is a hub without this route, or
 *     a wrong path prefix).
 * Fills error and returns the status. */
swarm_status swarm_answer_error(long http_status, const char *body, size_t length, const char *url,
                                swarm_error *error);

/* The last component of path ("/var/log/x.log" → "x.log"; "dir/" → "dir"), copied into out. */
void swarm_base_name(const char *path, char *out, size_t out_size);

#endif
