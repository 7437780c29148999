// The C side of SwarmMail's use of GMime 3: the library's own header, plus small helpers for what Swift
// cannot call directly. GObject's type checks and casts (GMIME_IS_MULTIPART, GMIME_MULTIPART, ...) are
// macros, which Swift does not import; each helper below is one of them as a function, returning NULL
// when the object is not of the type, so that the Swift side never casts a pointer on trust.
#ifndef SWARM_CGMIME_SHIM_H
#define SWARM_CGMIME_SHIM_H

#include <gmime/gmime.h>

static inline GMimeMultipart *cgmime_as_multipart(GMimeObject *object) {
    return GMIME_IS_MULTIPART(object) ? (GMimeMultipart *)object : NULL;
}

static inline GMimeMessagePart *cgmime_as_message_part(GMimeObject *object) {
    return GMIME_IS_MESSAGE_PART(object) ? (GMimeMessagePart *)object : NULL;
}

static inline GMimePart *cgmime_as_part(GMimeObject *object) {
    return GMIME_IS_PART(object) ? (GMimePart *)object : NULL;
}

static inline GMimeObject *cgmime_object(gpointer object) { return GMIME_OBJECT(object); }

static inline InternetAddressMailbox *cgmime_as_mailbox(InternetAddress *address) {
    return INTERNET_ADDRESS_IS_MAILBOX(address) ? (InternetAddressMailbox *)address : NULL;
}

static inline InternetAddressGroup *cgmime_as_group(InternetAddress *address) {
    return INTERNET_ADDRESS_IS_GROUP(address) ? (InternetAddressGroup *)address : NULL;
}

/// Parses one message from a copy of `length` bytes; NULL when GMime finds no message. The parser and its
/// stream are released here; the message keeps what it needs.
static inline GMimeMessage *cgmime_parse_message(const char *bytes, size_t length) {
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(bytes, length);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    g_object_unref(stream);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    GMimeMessage *message = g_mime_parser_construct_message(parser, NULL);
    g_object_unref(parser);
    return message;
}

/// A part's content with its transfer encoding undone and, when `from_charset` is given and iconv knows
/// it, converted from that charset to UTF-8 (`*converted` says whether it was). NULL when the part has no
/// content. The caller frees the array with g_byte_array_free(array, TRUE).
static inline GByteArray *cgmime_part_content(GMimePart *part, const char *from_charset, gboolean *converted) {
    *converted = FALSE;
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    if (content == NULL) return NULL;
    GMimeStream *memory = g_mime_stream_mem_new();
    GMimeFilter *filter = from_charset != NULL ? g_mime_filter_charset_new(from_charset, "utf-8") : NULL;
    if (filter != NULL) {
        GMimeStream *filtered = g_mime_stream_filter_new(memory);
        g_mime_stream_filter_add((GMimeStreamFilter *)filtered, filter);
        g_object_unref(filter);
        g_mime_data_wrapper_write_to_stream(content, filtered);
        g_mime_stream_flush(filtered);
        g_object_unref(filtered);
        *converted = TRUE;
    } else {
        g_mime_data_wrapper_write_to_stream(content, memory);
    }
    GByteArray *bytes = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)memory);
    g_mime_stream_mem_set_owner((GMimeStreamMem *)memory, FALSE);
    g_object_unref(memory);
    return bytes;
}

/// An object written out as GMime serialises it with its default format options (a forwarded message kept
/// as a file of its own). The caller frees the array with g_byte_array_free(array, TRUE).
static inline GByteArray *cgmime_object_bytes(GMimeObject *object) {
    GMimeStream *memory = g_mime_stream_mem_new();
    g_mime_object_write_to_stream(object, NULL, memory);
    g_mime_stream_flush(memory);
    GByteArray *bytes = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)memory);
    g_mime_stream_mem_set_owner((GMimeStreamMem *)memory, FALSE);
    g_object_unref(memory);
    return bytes;
}

/// A message written out with CRLF line ends. The caller frees the array with g_byte_array_free(array, TRUE).
static inline GByteArray *cgmime_write_message_crlf(GMimeMessage *message) {
    GMimeFormatOptions *format = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(format, GMIME_NEWLINE_FORMAT_DOS);
    GMimeStream *memory = g_mime_stream_mem_new();
    g_mime_object_write_to_stream((GMimeObject *)message, format, memory);
    g_mime_stream_flush(memory);
    g_mime_format_options_free(format);
    GByteArray *bytes = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)memory);
    g_mime_stream_mem_set_owner((GMimeStreamMem *)memory, FALSE);
    g_object_unref(memory);
    return bytes;
}

#endif
