/*  dbk_codec.h - the one place that speaks msgpack.

    Three tools, so that no other module includes msgpack.h:

    - dbk_mp_check: a bounded walk over raw bytes from outside. msgpack-c
      trusts the counts a header declares and allocates for them before it
      looks at the bytes; this walk checks first that every declared count
      fits in the bytes left, that nesting and total size stay under limits,
      that every str is valid UTF-8 and that no ext type appears.
    - dbk_doc_t / dbk_obj_t: a parsed document (validated, then unpacked by
      msgpack-c, exactly one object per buffer) and read-only views of its
      objects. Views are borrowed from their document and live until
      dbk_doc_destroy.
    - dbk_wr_t: a growable writer (msgpack-c packer on an sbuffer).
    - dbk_cur_t: a zero-copy, bounds-checked cursor for reading records that
      dealbook itself wrote (hot paths that must not allocate).
*/
#ifndef DBK_CODEC_H
#define DBK_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DBK_MP_MAX_DEPTH 32 /* nesting allowed in any message from outside */

/*  Walk `len` bytes: exactly one msgpack object, no trailing bytes, depth at
    most `max_depth`, every str valid UTF-8, no ext. Returns 0,
    DBK_EMALFORMED (truncated, trailing bytes, bad UTF-8, ext, reserved
    byte) or DBK_ETOOBIG (too deep). Reads only inside [data, data+len). */
int dbk_mp_check (const void *data, size_t len, int max_depth);

/*  Is [s, s+n) valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF)? */
bool dbk_utf8_valid (const char *s, size_t n);

typedef enum {
    DBK_T_NIL,
    DBK_T_BOOL,
    DBK_T_UINT, /* non-negative integer */
    DBK_T_INT,  /* negative integer     */
    DBK_T_FLOAT,
    DBK_T_STR,
    DBK_T_BIN,
    DBK_T_ARRAY,
    DBK_T_MAP,
    DBK_T_OTHER
} dbk_type_t;

typedef struct dbk_doc dbk_doc_t; /* a parsed message; owns its memory   */
typedef struct dbk_obj dbk_obj_t; /* a borrowed view of one of its objects */

/*  Validate with dbk_mp_check (depth DBK_MP_MAX_DEPTH) and unpack a copy
    of the bytes (the caller's buffer may be freed right after). On
    success *doc_p is the caller's (dbk_doc_destroy). Errors: DBK_EMALFORMED,
    DBK_ETOOBIG, DBK_ENOMEM. */
int dbk_doc_parse (const void *data, size_t len, dbk_doc_t **doc_p);

/*  As dbk_doc_parse, and DBK_ETOOBIG when the arrays and maps hold more
    than max_items elements together (a map's pair counts two). msgpack-c
    allocates an object of 24 bytes for each, so one byte of input can
    cost 24 (48 for an empty map's pair): a bound on what a message from
    outside may make a server hold. */
int dbk_doc_parse_max (const void *data, size_t len, uint64_t max_items, dbk_doc_t **doc_p);

/*  About how many bytes the document holds: its copy of the input, an
    object per element, and the first chunk of msgpack-c's zone (8 KiB,
    however small the input). */
size_t dbk_doc_cost (const dbk_doc_t *doc);

/*  The root object; borrowed, valid until the doc is destroyed. */
const dbk_obj_t *dbk_doc_root (const dbk_doc_t *doc);

/*  Free the document and every view into it. Safe on NULL / twice. */
void dbk_doc_destroy (dbk_doc_t **doc_p);

/*  Many small documents unpacked into one arena, their views pointing
    into bytes the caller keeps (a READ page and its events' payloads):
    one allocation per few hundred documents instead of two each.
    dbk_arena_parse validates as dbk_doc_parse does and answers the root,
    or NULL when the bytes are not one valid document; the views live
    until dbk_arena_reset or dbk_arena_destroy. */
typedef struct dbk_arena dbk_arena_t;
dbk_arena_t *dbk_arena_new (void);
const dbk_obj_t *dbk_arena_parse (dbk_arena_t *self, const void *data, size_t len);
void dbk_arena_reset (dbk_arena_t *self);
void dbk_arena_destroy (dbk_arena_t **self_p);

dbk_type_t dbk_obj_type (const dbk_obj_t *o);

/*  Map lookup by key (str keys only); NULL when absent or not a map. */
const dbk_obj_t *dbk_obj_get (const dbk_obj_t *map, const char *key);

/*  Typed reads. Each returns 0, or DBK_EINVAL when the object is NULL or of
    another type (or out of range). Pointers returned by _str/_bin point
    into the document and are NOT NUL-terminated. */
int dbk_obj_u64 (const dbk_obj_t *o, uint64_t *out);
int dbk_obj_i64 (const dbk_obj_t *o, int64_t *out); /* accepts uint <= INT64_MAX */
int dbk_obj_bool (const dbk_obj_t *o, bool *out);
int dbk_obj_double (const dbk_obj_t *o, double *out); /* float or integer */
int dbk_obj_str (const dbk_obj_t *o, const char **s, size_t *n);
int dbk_obj_bin (const dbk_obj_t *o, const uint8_t **b, size_t *n);

/*  Is this a str equal to the NUL-terminated `s`? */
bool dbk_obj_str_eq (const dbk_obj_t *o, const char *s);

/*  Number of elements (array) or pairs (map); 0 for other types. */
size_t dbk_obj_len (const dbk_obj_t *o);
/*  Element i of an array; NULL if out of range or not an array. */
const dbk_obj_t *dbk_obj_at (const dbk_obj_t *arr, size_t i);
/*  Key / value of pair i of a map; NULL if out of range or not a map. */
const dbk_obj_t *dbk_obj_key_at (const dbk_obj_t *map, size_t i);
const dbk_obj_t *dbk_obj_val_at (const dbk_obj_t *map, size_t i);

/*  Does the map have two equal str keys? (msgpack allows it; we don't.) */
bool dbk_obj_has_dup_keys (const dbk_obj_t *map);

/*  ---- writer ---- */
typedef struct dbk_wr dbk_wr_t;

dbk_wr_t *dbk_wr_new (void); /* NULL on allocation failure */
void dbk_wr_destroy (dbk_wr_t **w_p);
void dbk_wr_reset (dbk_wr_t *w);             /* empty, keep the buffer */
const void *dbk_wr_data (const dbk_wr_t *w); /* borrowed until next write */
size_t dbk_wr_size (const dbk_wr_t *w);

/*  Appenders. Allocation failure aborts the process (as CZMQ does): a
    writer never holds partial state the caller must check. */
void dbk_wr_nil (dbk_wr_t *w);
void dbk_wr_bool (dbk_wr_t *w, bool v);
void dbk_wr_u64 (dbk_wr_t *w, uint64_t v);
void dbk_wr_i64 (dbk_wr_t *w, int64_t v);
void dbk_wr_double (dbk_wr_t *w, double v);
void dbk_wr_str (dbk_wr_t *w, const char *s, size_t n);
void dbk_wr_cstr (dbk_wr_t *w, const char *s);
void dbk_wr_bin (dbk_wr_t *w, const void *b, size_t n);
void dbk_wr_array (dbk_wr_t *w, uint32_t n);
void dbk_wr_map (dbk_wr_t *w, uint32_t n);
/*  An array whose length is known only after its elements: begin writes
    an array 32 header (returns where), end sets its count. */
size_t dbk_wr_array_begin (dbk_wr_t *w);
void dbk_wr_array_end (dbk_wr_t *w, size_t at, uint32_t n);
/*  Append bytes that already are one encoded msgpack object. */
void dbk_wr_raw (dbk_wr_t *w, const void *b, size_t n);
/*  Encode a parsed object (shortest forms, keys in their order). */
void dbk_wr_obj (dbk_wr_t *w, const dbk_obj_t *o);
/*  Shorthand: key string then value. */
void dbk_wr_kv_u64 (dbk_wr_t *w, const char *key, uint64_t v);
void dbk_wr_kv_i64 (dbk_wr_t *w, const char *key, int64_t v);
void dbk_wr_kv_cstr (dbk_wr_t *w, const char *key, const char *v);
void dbk_wr_kv_bool (dbk_wr_t *w, const char *key, bool v);

/*  ---- cursor over trusted-but-checked bytes ---- */
typedef struct {
    const uint8_t *p;   /* next byte        */
    const uint8_t *end; /* one past the end */
} dbk_cur_t;

void dbk_cur_init (dbk_cur_t *c, const void *data, size_t len);
/*  Each reads one object of the named kind and advances; DBK_EMALFORMED on
    another kind or on truncation. */
int dbk_cur_map (dbk_cur_t *c, uint32_t *n);
int dbk_cur_array (dbk_cur_t *c, uint32_t *n);
int dbk_cur_str (dbk_cur_t *c, const char **s, uint32_t *n);
int dbk_cur_bin (dbk_cur_t *c, const uint8_t **b, uint32_t *n);
int dbk_cur_uint (dbk_cur_t *c, uint64_t *v);
int dbk_cur_int (dbk_cur_t *c, int64_t *v); /* any integer within int64 */
int dbk_cur_nil (dbk_cur_t *c);             /* 0 if nil (consumed), else DBK_EINVAL */
/*  Skip one whole object (bounded by depth DBK_MP_MAX_DEPTH). */
int dbk_cur_skip (dbk_cur_t *c);

#ifdef __cplusplus
}
#endif
#endif
