// libcurl for Swift: curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call, so
// each kind of argument gets a typed wrapper here. Only what the hub's SMTP relay and webhooks use.
#ifndef SWARM_CCURL_SHIM_H
#define SWARM_CCURL_SHIM_H

#include <curl/curl.h>

static inline CURLcode swarm_curl_set_long(CURL *curl, CURLoption option, long value) {
    return curl_easy_setopt(curl, option, value);
}

static inline CURLcode swarm_curl_set_string(CURL *curl, CURLoption option, const char *value) {
    return curl_easy_setopt(curl, option, value);
}

static inline CURLcode swarm_curl_set_pointer(CURL *curl, CURLoption option, void *value) {
    return curl_easy_setopt(curl, option, value);
}

static inline CURLcode swarm_curl_set_list(CURL *curl, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(curl, option, value);
}

typedef size_t (*swarm_curl_read_callback)(char *buffer, size_t size, size_t count, void *context);

static inline CURLcode swarm_curl_set_read_function(CURL *curl, swarm_curl_read_callback callback) {
    return curl_easy_setopt(curl, CURLOPT_READFUNCTION, callback);
}

typedef size_t (*swarm_curl_write_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode swarm_curl_set_write_function(CURL *curl, swarm_curl_write_callback callback) {
    return curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLcode swarm_curl_set_bytes(CURL *curl, CURLoption option, const void *value) {
    return curl_easy_setopt(curl, option, value);
}

static inline CURLcode swarm_curl_response_code(CURL *curl, long *code) {
    return curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, code);
}

#endif
