/*  dbk_json.h - msgpack <-> JSON at the edges (CLI, exports, gateways),
    through jansson.

    JSON -> msgpack: objects -> maps (keys in document order), arrays,
    strings (UTF-8, validated by jansson), integers -> int, reals ->
    float64, true/false/null.
    msgpack -> JSON: the reverse; a bin of 16 bytes (DBK_ID_SIZE: an id,
    such as a command reply's cmd) -> a dashed UUID string, as an event's
    id, corr and cause are shown; any other bin -> base64 string; map keys
    must be strings (dealbook payloads always are).
*/
#ifndef DBK_JSON_H
#define DBK_JSON_H

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_event.h"

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/*  Parse JSON text and append its msgpack encoding to w. Returns 0 or
    DBK_EINVAL with a one-line reason in err (line and column). */
int dbk_json_to_mp (const char *text, size_t len, dbk_wr_t *w, char *err, size_t errsz);

/*  Encode a jansson value as msgpack into w. */
void dbk_json_write (dbk_wr_t *w, const json_t *v);

/*  A new JSON value for a msgpack object (caller's: json_decref); NULL if
    the object cannot be represented (non-string map key). */
json_t *dbk_json_from_obj (const dbk_obj_t *o);

/*  The same from encoded msgpack bytes (validated first). */
json_t *dbk_json_from_mp (const void *data, size_t len);

/*  A JSON string of `len` bytes at `data` in base64 (RFC 4648, standard
    alphabet, padded), as a bin is shown; also the `record` of an export
    with --records, the exact bytes of a stored record (protocol.md §7.4).
    Caller's; NULL when out of memory. */
json_t *dbk_json_base64 (const void *data, size_t len);

/*  An event as a JSON object: envelope keys, id / corr / cause as UUID
    strings (or null), prev / hash as hex, data as JSON. Caller's. */
json_t *dbk_json_from_event (const dbk_event_t *ev);

#ifdef __cplusplus
}
#endif
#endif
