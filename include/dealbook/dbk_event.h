/*  dbk_event.h - the event envelope (DESIGN §3), its limits, its stored
    record and the hash chain.

    A *proposed* event is what a producer sends in APPEND: id, type, at,
    actor, corr, cause, schema, data. The log adds seq, stream, ver, ts,
    prev and hash and stores the *record*: a msgpack map of exactly these
    14 keys in this order:

      seq id stream ver type ts at actor corr cause schema data prev hash

    The canonical bytes of a record are the msgpack map of its first 12
    pairs (header 0x8c, the same pairs, same shortest encodings):
    hash = BLAKE2b-256(prev || canonical). prev of seq 1 is 32 zero bytes.
*/
#ifndef DBK_EVENT_H
#define DBK_EVENT_H

#include "dealbook/dbk_codec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*  Limits, enforced on every event from outside. */
#define DBK_STREAM_MAX 200       /* bytes in a stream name            */
#define DBK_TYPE_MAX 100         /* bytes in a type name              */
#define DBK_ACTOR_MAX 200        /* bytes in an actor                 */
#define DBK_DATA_MAX (64 * 1024) /* encoded bytes of one payload      */
#define DBK_BATCH_MAX 1000       /* events in one APPEND              */
#define DBK_FRAME_MAX (8u << 20) /* bytes in one request frame        */
/*  Elements of the arrays and maps of one request body together (a map's
    pair counts two): 4 bytes of body each on average at the largest
    body. Each costs a 24-byte object once unpacked, so a body of empty
    arrays would cost 24 times its size without this bound. */
#define DBK_FRAME_ITEMS_MAX (DBK_FRAME_MAX / 4)
#define DBK_HASH_SIZE 32
#define DBK_ID_SIZE 16

typedef struct {
    uint64_t seq;                /* global position (log)             */
    uint64_t ver;                /* position in its stream (log)      */
    int64_t ts;                  /* recorded, unix ms (log)           */
    int64_t at;                  /* happened, unix ms (producer)      */
    uint64_t schema;             /* payload version (producer)        */
    uint8_t id[DBK_ID_SIZE];     /* event id, UUIDv7                  */
    bool has_corr;               /* corr present (else nil)           */
    bool has_cause;              /* cause present (else nil)          */
    uint8_t corr[DBK_ID_SIZE];   /* correlation id                    */
    uint8_t cause[DBK_ID_SIZE];  /* causation id                      */
    const char *stream;          /* borrowed, not NUL-terminated      */
    size_t stream_len;           /* bytes of stream                   */
    const char *type;            /* borrowed, not NUL-terminated      */
    size_t type_len;             /* bytes of type                     */
    const char *actor;           /* borrowed, not NUL-terminated      */
    size_t actor_len;            /* bytes of actor                    */
    const dbk_obj_t *data;       /* payload view (from a parsed doc)  */
    const void *data_raw;        /* or payload as encoded msgpack map */
    size_t data_raw_len;         /* bytes of data_raw                 */
    uint8_t prev[DBK_HASH_SIZE]; /* previous record's hash (log)      */
    uint8_t hash[DBK_HASH_SIZE]; /* this record's hash (log)          */
} dbk_event_t;

/*  Stream name: "<category>-<id>", category [a-z][a-z0-9_]*, id 1+ bytes of
    printable UTF-8 without spaces or control characters; total <=
    DBK_STREAM_MAX. */
bool dbk_stream_name_valid (const char *s, size_t n);
/*  Type name: "<category>.<name>", both [a-z][a-z0-9_]* (name may hold
    further dots); <= DBK_TYPE_MAX. */
bool dbk_type_name_valid (const char *s, size_t n);

/*  Fill a proposed event from a map received in APPEND. Validates every
    key (types, ranges, UTF-8, sizes) and refuses unknown keys and the keys
    the log sets. On error returns DBK_EINVAL / DBK_ETOOBIG and, if `field`
    is not NULL, points it at the offending key's name (static). Views
    borrow from the map's document. */
int dbk_event_from_proposed (const dbk_obj_t *map, dbk_event_t *ev, const char **field);

/*  Encode a proposed event (for APPEND) as a msgpack map into w. Uses
    data_raw if set, else data; an event without either gets an empty map. */
void dbk_event_write_proposed (dbk_wr_t *w, const dbk_event_t *ev);

/*  Encode a full record into w (appending) with the given prev, computing
    ev->hash. Sets ev->prev. Every log field must be set in ev. */
void dbk_event_write_record (dbk_wr_t *w, dbk_event_t *ev, const uint8_t prev[DBK_HASH_SIZE]);

/*  Decode a stored record (from the log, a READ reply or a PUB frame)
    with a zero-copy cursor: strict key order and types, off == len.
    ev->data is NULL; ev->data_raw / data_raw_len point at the payload
    bytes inside `rec`. Errors: DBK_EMALFORMED. */
int dbk_event_decode_record (const void *rec, size_t len, dbk_event_t *ev);

/*  Recompute the hash of a record whose bytes are `rec` given the
    previous hash, without trusting its fields: 0 if the record's own prev
    equals `prev` and its hash matches; DBK_ECORRUPT otherwise. */
int dbk_event_check_record (const void *rec, size_t len, const uint8_t prev[DBK_HASH_SIZE]);

/*  Peek the seq and type of a record cheaply (for filtered reads). */
int dbk_event_peek (const void *rec, size_t len, uint64_t *seq, const char **type,
                    size_t *type_len);

/*  Peek the keys a record is indexed by (its first four: seq, id, stream,
    ver) without decoding the rest; stream borrows from rec. 0 or
    DBK_EMALFORMED. */
int dbk_event_peek_key (const void *rec, size_t len, uint64_t *seq, uint8_t id[DBK_ID_SIZE],
                        const char **stream, size_t *stream_len, uint64_t *ver);

/*  ---- ids ---- */

/*  A new UUIDv7 (unix ms in the top 48 bits, random below). */
void dbk_uuid_v7 (uint8_t id[DBK_ID_SIZE]);
/*  Canonical 36-char lowercase form into out (>= 37 bytes). */
void dbk_uuid_format (const uint8_t id[DBK_ID_SIZE], char out[37]);
/*  Parse the 36-char form (or 32 hex digits). 0 or DBK_EINVAL. */
int dbk_uuid_parse (const char *s, size_t n, uint8_t id[DBK_ID_SIZE]);

/*  Lowercase hex of n bytes into out (2n+1 bytes). */
void dbk_hex (const uint8_t *b, size_t n, char *out);

/*  The n / 2 bytes that the n hex digits of s (either case) stand for,
    into out. 0, or DBK_EINVAL for an odd n or a character that is not a
    hex digit (out then holds the bytes before it). */
int dbk_unhex (const char *s, size_t n, uint8_t *out);

/*  Wall clock, unix ms. */
int64_t dbk_now_ms (void);

#ifdef __cplusplus
}
#endif
#endif
