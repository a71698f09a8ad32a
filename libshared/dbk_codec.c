/*  dbk_codec.c - msgpack validation, parsing and writing.

    This is the only file that includes msgpack.h: the rest of dealbook sees
    dbk_obj_t views and the dbk_wr_t writer, so no msgpack type leaves here.
*/
#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"

#include <assert.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

/*  ---- raw header decoding, shared by the validator and the cursor ---- */

typedef enum {
    K_NIL,
    K_BOOL,
    K_UINT,
    K_INT,
    K_FLOAT,
    K_STR,
    K_BIN,
    K_ARRAY,
    K_MAP,
    K_EXT,
    K_BAD
} s_kind_t;

typedef struct {
    s_kind_t kind; /* what the header announces                       */
    uint64_t n;    /* payload bytes (str/bin/ext) or count (array/map) */
    uint64_t ival; /* integer value (uint: as is; int: two's complement) */
    size_t hdr;    /* header length in bytes                          */
} s_head_t;

/*  Formats 0xc0..0xdf: kind, header bytes (type byte included), fixed
    payload size (fixext), and whether an ext type byte follows the length. */
typedef struct {
    s_kind_t kind;    /* what the header announces       */
    uint8_t hdr;      /* header length in bytes          */
    uint8_t n;        /* payload bytes of a fixext       */
    uint8_t ext_type; /* ext 8/16/32: type byte after len */
} s_fmt_t;

static const s_fmt_t s_fmts[32] = {
    {K_NIL, 1, 0, 0},   {K_BAD, 1, 0, 0},   {K_BOOL, 1, 0, 0},  {K_BOOL, 1, 0, 0},  /* c0 */
    {K_BIN, 2, 0, 0},   {K_BIN, 3, 0, 0},   {K_BIN, 5, 0, 0},   {K_EXT, 3, 0, 1},   /* c4 */
    {K_EXT, 4, 0, 1},   {K_EXT, 6, 0, 1},   {K_FLOAT, 5, 0, 0}, {K_FLOAT, 9, 0, 0}, /* c8 */
    {K_UINT, 2, 0, 0},  {K_UINT, 3, 0, 0},  {K_UINT, 5, 0, 0},  {K_UINT, 9, 0, 0},  /* cc */
    {K_INT, 2, 0, 0},   {K_INT, 3, 0, 0},   {K_INT, 5, 0, 0},   {K_INT, 9, 0, 0},   /* d0 */
    {K_EXT, 2, 1, 0},   {K_EXT, 2, 2, 0},   {K_EXT, 2, 4, 0},   {K_EXT, 2, 8, 0},   /* d4 */
    {K_EXT, 2, 16, 0},  {K_STR, 2, 0, 0},   {K_STR, 3, 0, 0},   {K_STR, 5, 0, 0},   /* d8 */
    {K_ARRAY, 3, 0, 0}, {K_ARRAY, 5, 0, 0}, {K_MAP, 3, 0, 0},   {K_MAP, 5, 0, 0},   /* dc */
};

static uint64_t s_be (const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/*  Decode the header at p. Returns 0 or DBK_EMALFORMED when truncated or
    reserved. For str/bin/ext the payload is NOT checked against the end. */
static int s_head (const uint8_t *p, const uint8_t *end, s_head_t *h)
{
    if (p >= end)
        return DBK_EMALFORMED;
    size_t left = (size_t) (end - p);
    uint8_t b = p[0];
    h->hdr = 1;
    h->n = 0;
    h->ival = 0;
    if (b <= 0x7f) {
        h->kind = K_UINT;
        h->ival = b;
        return 0;
    }
    if (b >= 0xe0) {
        h->kind = K_INT;
        h->ival = (uint64_t) (int64_t) (int8_t) b;
        return 0;
    }
    if ((b & 0xf0) == 0x80) {
        h->kind = K_MAP;
        h->n = b & 0x0f;
        return 0;
    }
    if ((b & 0xf0) == 0x90) {
        h->kind = K_ARRAY;
        h->n = b & 0x0f;
        return 0;
    }
    if ((b & 0xe0) == 0xa0) {
        h->kind = K_STR;
        h->n = b & 0x1f;
        return 0;
    }
    /*  0xc0..0xdf: the format table of the msgpack spec */
    const s_fmt_t *f = &s_fmts[b - 0xc0];
    if (f->kind == K_BAD)
        return DBK_EMALFORMED; /* 0xc1 is reserved */
    h->kind = f->kind;
    h->hdr = f->hdr;
    h->n = f->n;
    int ext_extra = f->ext_type; /* ext 8/16/32: a type byte after the length */
    if (h->kind == K_NIL)
        return 0;
    if (h->kind == K_BOOL) {
        h->ival = b == 0xc3;
        return 0;
    }
    if (left < h->hdr)
        return DBK_EMALFORMED;
    int field = (int) h->hdr - 1 - ext_extra;
    uint64_t v = s_be (p + 1, field);
    switch (h->kind) {
    case K_UINT:
        h->ival = v;
        break;
    case K_INT:
        /* sign-extend the big-endian field */
        if (field < 8 && (v >> (field * 8 - 1)) & 1)
            v |= ~((UINT64_C (1) << (field * 8)) - 1);
        h->ival = v;
        break;
    case K_FLOAT:
        h->n = 0;
        break;
    case K_EXT:
        if (ext_extra)
            h->n = v;
        break;
    default:
        h->n = v;
        break;
    }
    return 0;
}

/*  ---- UTF-8 ---- */

bool dbk_utf8_valid (const char *str, size_t n)
{
    const uint8_t *s = (const uint8_t *) str, *end = s + n;
    while (s < end) {
        uint8_t c = *s;
        if (c < 0x80) {
            /*  ASCII, most of any text: 8 bytes at a time while no byte
                has its high bit set (a quarter of a request's parse) */
            s++;
            while (end - s >= 8) {
                uint64_t word;
                memcpy (&word, s, 8);
                if (word & 0x8080808080808080u)
                    break;
                s += 8;
            }
            continue;
        }
        size_t need;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07;
        } else
            return false;
        if ((size_t) (end - s) <= need)
            return false;
        for (size_t i = 1; i <= need; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        s += need + 1;
    }
    return true;
}

/*  ---- the bounded validator ---- */

/*  The walk; *items counts the elements of every array and map (a map's
    pair as two), what msgpack-c allocates an object for. */
static int s_check (const void *data, size_t len, int max_depth, uint64_t *items_out)
{
    const uint8_t *p = data, *end = p + len;
    uint64_t all = 0;
    if (max_depth < 1 || max_depth > 64)
        max_depth = DBK_MP_MAX_DEPTH;
    uint64_t remaining[65]; /* items still to read at each open level */
    int depth = 0;
    remaining[0] = 1;
    while (depth >= 0) {
        if (remaining[depth] == 0) {
            depth--;
            continue;
        }
        remaining[depth]--;
        s_head_t h;
        if (s_head (p, end, &h))
            return DBK_EMALFORMED;
        p += h.hdr;
        size_t left = (size_t) (end - p);
        switch (h.kind) {
        case K_STR:
            if (h.n > left || !dbk_utf8_valid ((const char *) p, h.n))
                return DBK_EMALFORMED;
            p += h.n;
            break;
        case K_BIN:
            if (h.n > left)
                return DBK_EMALFORMED;
            p += h.n;
            break;
        case K_EXT:
            return DBK_EMALFORMED; /* no ext types in dealbook messages */
        case K_ARRAY:
        case K_MAP: {
            /*  every element takes at least one byte: a count larger than
                the bytes left is a lie, refused before anyone allocates */
            uint64_t items = h.kind == K_MAP ? h.n * 2 : h.n;
            if (items > left)
                return DBK_EMALFORMED;
            all += items;
            if (items > 0) {
                if (depth + 1 >= max_depth)
                    return DBK_ETOOBIG;
                remaining[++depth] = items;
            }
            break;
        }
        default:
            break; /* scalars: header already bounds-checked */
        }
    }
    *items_out = all;
    return p == end ? 0 : DBK_EMALFORMED;
}

int dbk_mp_check (const void *data, size_t len, int max_depth)
{
    uint64_t items;
    return s_check (data, len, max_depth, &items);
}

/*  ---- documents ---- */

struct dbk_doc {
    size_t cost;         /* bytes it holds, about (dbk_doc_cost)       */
    msgpack_unpacked up; /* result and its zone                        */
    char bytes[];        /* a copy of the input: str/bin views point here */
};

int dbk_doc_parse (const void *data, size_t len, dbk_doc_t **doc_p)
{
    return dbk_doc_parse_max (data, len, UINT64_MAX, doc_p);
}

int dbk_doc_parse_max (const void *data, size_t len, uint64_t max_items, dbk_doc_t **doc_p)
{
    *doc_p = NULL;
    uint64_t items;
    int rc = s_check (data, len, DBK_MP_MAX_DEPTH, &items);
    if (rc)
        return rc;
    if (items > max_items)
        return DBK_ETOOBIG; /* refused before msgpack-c allocates for them */
    /*  msgpack-c leaves str/bin pointing into the input: keep our own copy
        so that a document never depends on the lifetime of a frame */
    dbk_doc_t *doc = malloc (sizeof *doc + len);
    if (!doc)
        return DBK_ENOMEM;
    /*  msgpack-c's zone starts with a chunk of its own, whatever the size */
    doc->cost = sizeof *doc + len + MSGPACK_ZONE_CHUNK_SIZE +
                (size_t) (items + 1) * sizeof (msgpack_object);
    memcpy (doc->bytes, data, len);
    msgpack_unpacked_init (&doc->up);
    size_t off = 0;
    msgpack_unpack_return ret = msgpack_unpack_next (&doc->up, doc->bytes, len, &off);
    if (ret != MSGPACK_UNPACK_SUCCESS || off != len) {
        msgpack_unpacked_destroy (&doc->up);
        free (doc);
        return ret == MSGPACK_UNPACK_NOMEM_ERROR ? DBK_ENOMEM : DBK_EMALFORMED;
    }
    *doc_p = doc;
    return 0;
}

size_t dbk_doc_cost (const dbk_doc_t *doc)
{
    return doc ? doc->cost : 0;
}

const dbk_obj_t *dbk_doc_root (const dbk_doc_t *doc)
{
    return doc ? (const dbk_obj_t *) &doc->up.data : NULL;
}

void dbk_doc_destroy (dbk_doc_t **doc_p)
{
    if (doc_p && *doc_p) {
        msgpack_unpacked_destroy (&(*doc_p)->up);
        free (*doc_p);
        *doc_p = NULL;
    }
}

struct dbk_arena {
    msgpack_zone *zone;
};

dbk_arena_t *dbk_arena_new (void)
{
    dbk_arena_t *self = calloc (1, sizeof *self);
    if (self && !(self->zone = msgpack_zone_new (64 * 1024)))
        free (self), self = NULL;
    return self;
}

const dbk_obj_t *dbk_arena_parse (dbk_arena_t *self, const void *data, size_t len)
{
    if (dbk_mp_check (data, len, DBK_MP_MAX_DEPTH) != 0)
        return NULL;
    msgpack_object *root = msgpack_zone_malloc (self->zone, sizeof *root);
    size_t off = 0;
    if (!root || msgpack_unpack (data, len, &off, self->zone, root) != MSGPACK_UNPACK_SUCCESS ||
        off != len)
        return NULL;
    return (const dbk_obj_t *) root;
}

void dbk_arena_reset (dbk_arena_t *self)
{
    if (self)
        msgpack_zone_clear (self->zone);
}

void dbk_arena_destroy (dbk_arena_t **self_p)
{
    if (self_p && *self_p) {
        msgpack_zone_free ((*self_p)->zone);
        free (*self_p);
        *self_p = NULL;
    }
}

#define MO(o) ((const msgpack_object *) (o))

dbk_type_t dbk_obj_type (const dbk_obj_t *o)
{
    if (!o)
        return DBK_T_OTHER;
    switch (MO (o)->type) {
    case MSGPACK_OBJECT_NIL:
        return DBK_T_NIL;
    case MSGPACK_OBJECT_BOOLEAN:
        return DBK_T_BOOL;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return DBK_T_UINT;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return DBK_T_INT;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return DBK_T_FLOAT;
    case MSGPACK_OBJECT_STR:
        return DBK_T_STR;
    case MSGPACK_OBJECT_BIN:
        return DBK_T_BIN;
    case MSGPACK_OBJECT_ARRAY:
        return DBK_T_ARRAY;
    case MSGPACK_OBJECT_MAP:
        return DBK_T_MAP;
    default:
        return DBK_T_OTHER;
    }
}

const dbk_obj_t *dbk_obj_get (const dbk_obj_t *map, const char *key)
{
    if (!map || MO (map)->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t klen = strlen (key);
    const msgpack_object_map *m = &MO (map)->via.map;
    for (uint32_t i = 0; i < m->size; i++) {
        const msgpack_object *k = &m->ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen &&
            memcmp (k->via.str.ptr, key, klen) == 0)
            return (const dbk_obj_t *) &m->ptr[i].val;
    }
    return NULL;
}

int dbk_obj_u64 (const dbk_obj_t *o, uint64_t *out)
{
    if (!o || MO (o)->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return DBK_EINVAL;
    *out = MO (o)->via.u64;
    return 0;
}

int dbk_obj_i64 (const dbk_obj_t *o, int64_t *out)
{
    if (!o)
        return DBK_EINVAL;
    if (MO (o)->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *out = MO (o)->via.i64;
        return 0;
    }
    if (MO (o)->type == MSGPACK_OBJECT_POSITIVE_INTEGER && MO (o)->via.u64 <= INT64_MAX) {
        *out = (int64_t) MO (o)->via.u64;
        return 0;
    }
    return DBK_EINVAL;
}

int dbk_obj_bool (const dbk_obj_t *o, bool *out)
{
    if (!o || MO (o)->type != MSGPACK_OBJECT_BOOLEAN)
        return DBK_EINVAL;
    *out = MO (o)->via.boolean;
    return 0;
}

int dbk_obj_double (const dbk_obj_t *o, double *out)
{
    if (!o)
        return DBK_EINVAL;
    switch (MO (o)->type) {
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        *out = MO (o)->via.f64;
        return 0;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        *out = (double) MO (o)->via.u64;
        return 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        *out = (double) MO (o)->via.i64;
        return 0;
    default:
        return DBK_EINVAL;
    }
}

int dbk_obj_str (const dbk_obj_t *o, const char **s, size_t *n)
{
    if (!o || MO (o)->type != MSGPACK_OBJECT_STR)
        return DBK_EINVAL;
    *s = MO (o)->via.str.ptr;
    *n = MO (o)->via.str.size;
    return 0;
}

int dbk_obj_bin (const dbk_obj_t *o, const uint8_t **b, size_t *n)
{
    if (!o || MO (o)->type != MSGPACK_OBJECT_BIN)
        return DBK_EINVAL;
    *b = (const uint8_t *) MO (o)->via.bin.ptr;
    *n = MO (o)->via.bin.size;
    return 0;
}

bool dbk_obj_str_eq (const dbk_obj_t *o, const char *s)
{
    const char *p;
    size_t n;
    return dbk_obj_str (o, &p, &n) == 0 && strlen (s) == n && memcmp (p, s, n) == 0;
}

size_t dbk_obj_len (const dbk_obj_t *o)
{
    if (!o)
        return 0;
    if (MO (o)->type == MSGPACK_OBJECT_ARRAY)
        return MO (o)->via.array.size;
    if (MO (o)->type == MSGPACK_OBJECT_MAP)
        return MO (o)->via.map.size;
    return 0;
}

const dbk_obj_t *dbk_obj_at (const dbk_obj_t *arr, size_t i)
{
    if (!arr || MO (arr)->type != MSGPACK_OBJECT_ARRAY || i >= MO (arr)->via.array.size)
        return NULL;
    return (const dbk_obj_t *) &MO (arr)->via.array.ptr[i];
}

const dbk_obj_t *dbk_obj_key_at (const dbk_obj_t *map, size_t i)
{
    if (!map || MO (map)->type != MSGPACK_OBJECT_MAP || i >= MO (map)->via.map.size)
        return NULL;
    return (const dbk_obj_t *) &MO (map)->via.map.ptr[i].key;
}

const dbk_obj_t *dbk_obj_val_at (const dbk_obj_t *map, size_t i)
{
    if (!map || MO (map)->type != MSGPACK_OBJECT_MAP || i >= MO (map)->via.map.size)
        return NULL;
    return (const dbk_obj_t *) &MO (map)->via.map.ptr[i].val;
}

/*  Order of str keys for sorting: by length, then bytes. */
static int s_str_key_cmp (const void *a, const void *b)
{
    const msgpack_object *x = *(const msgpack_object *const *) a;
    const msgpack_object *y = *(const msgpack_object *const *) b;
    if (x->via.str.size != y->via.str.size)
        return x->via.str.size < y->via.str.size ? -1 : 1;
    return x->via.str.size ? memcmp (x->via.str.ptr, y->via.str.ptr, x->via.str.size) : 0;
}

bool dbk_obj_has_dup_keys (const dbk_obj_t *map)
{
    size_t n = dbk_obj_len (map);
    if (dbk_obj_type (map) != DBK_T_MAP || n < 2)
        return false;
    const msgpack_object_kv *kv = MO (map)->via.map.ptr;
    const msgpack_object *small[32]; /* envelopes, requests: no allocation */
    const msgpack_object **keys = small;
    /*  sort the str keys and compare neighbours: O(n log n), where comparing
        every pair would let one 8 MB frame cost billions of comparisons (and
        skipping large maps would let their duplicates through) */
    if (n > sizeof small / sizeof small[0] && !(keys = malloc (n * sizeof *keys)))
        return true; /* cannot tell: refuse the map rather than pass it */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (kv[i].key.type == MSGPACK_OBJECT_STR)
            keys[m++] = &kv[i].key;
    qsort (keys, m, sizeof *keys, s_str_key_cmp);
    bool dup = false;
    for (size_t i = 1; i < m && !dup; i++)
        dup = s_str_key_cmp (&keys[i - 1], &keys[i]) == 0;
    if (keys != small)
        free (keys);
    return dup;
}

/*  ---- writer ---- */

struct dbk_wr {
    msgpack_sbuffer buf; /* the bytes written so far       */
    msgpack_packer pk;   /* packer writing into buf        */
};

static int s_write (void *data, const char *buf, size_t len)
{
    int rc = msgpack_sbuffer_write (data, buf, len);
    /*  an allocation failure while encoding is not recoverable mid-object */
    assert (rc == 0);
    if (rc)
        abort ();
    return 0;
}

dbk_wr_t *dbk_wr_new (void)
{
    dbk_wr_t *w = calloc (1, sizeof *w);
    if (!w)
        return NULL;
    msgpack_sbuffer_init (&w->buf);
    msgpack_packer_init (&w->pk, &w->buf, s_write);
    return w;
}

void dbk_wr_destroy (dbk_wr_t **w_p)
{
    if (w_p && *w_p) {
        msgpack_sbuffer_destroy (&(*w_p)->buf);
        free (*w_p);
        *w_p = NULL;
    }
}

void dbk_wr_reset (dbk_wr_t *w)
{
    w->buf.size = 0;
}

const void *dbk_wr_data (const dbk_wr_t *w)
{
    return w->buf.data;
}

size_t dbk_wr_size (const dbk_wr_t *w)
{
    return w->buf.size;
}

void dbk_wr_nil (dbk_wr_t *w)
{
    msgpack_pack_nil (&w->pk);
}
void dbk_wr_bool (dbk_wr_t *w, bool v)
{
    if (v)
        msgpack_pack_true (&w->pk);
    else
        msgpack_pack_false (&w->pk);
}
void dbk_wr_u64 (dbk_wr_t *w, uint64_t v)
{
    msgpack_pack_uint64 (&w->pk, v);
}
void dbk_wr_i64 (dbk_wr_t *w, int64_t v)
{
    msgpack_pack_int64 (&w->pk, v);
}
void dbk_wr_double (dbk_wr_t *w, double v)
{
    msgpack_pack_double (&w->pk, v);
}
void dbk_wr_str (dbk_wr_t *w, const char *s, size_t n)
{
    msgpack_pack_str (&w->pk, n);
    msgpack_pack_str_body (&w->pk, s, n);
}
void dbk_wr_cstr (dbk_wr_t *w, const char *s)
{
    dbk_wr_str (w, s, strlen (s));
}
void dbk_wr_bin (dbk_wr_t *w, const void *b, size_t n)
{
    msgpack_pack_bin (&w->pk, n);
    msgpack_pack_bin_body (&w->pk, b, n);
}
void dbk_wr_array (dbk_wr_t *w, uint32_t n)
{
    msgpack_pack_array (&w->pk, n);
}
void dbk_wr_map (dbk_wr_t *w, uint32_t n)
{
    msgpack_pack_map (&w->pk, n);
}
size_t dbk_wr_array_begin (dbk_wr_t *w)
{
    static const char head[5] = {(char) 0xdd, 0, 0, 0, 0};
    size_t at = w->buf.size;
    s_write (&w->buf, head, sizeof head);
    return at;
}
void dbk_wr_array_end (dbk_wr_t *w, size_t at, uint32_t n)
{
    assert (at + 5 <= w->buf.size && (uint8_t) w->buf.data[at] == 0xdd);
    uint8_t *p = (uint8_t *) w->buf.data + at + 1;
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t) (n >> (24 - 8 * i));
}
void dbk_wr_raw (dbk_wr_t *w, const void *b, size_t n)
{
    s_write (&w->buf, b, n);
}
void dbk_wr_obj (dbk_wr_t *w, const dbk_obj_t *o)
{
    msgpack_pack_object (&w->pk, *MO (o));
}
void dbk_wr_kv_u64 (dbk_wr_t *w, const char *key, uint64_t v)
{
    dbk_wr_cstr (w, key);
    dbk_wr_u64 (w, v);
}
void dbk_wr_kv_i64 (dbk_wr_t *w, const char *key, int64_t v)
{
    dbk_wr_cstr (w, key);
    dbk_wr_i64 (w, v);
}
void dbk_wr_kv_cstr (dbk_wr_t *w, const char *key, const char *v)
{
    dbk_wr_cstr (w, key);
    dbk_wr_cstr (w, v);
}
void dbk_wr_kv_bool (dbk_wr_t *w, const char *key, bool v)
{
    dbk_wr_cstr (w, key);
    dbk_wr_bool (w, v);
}

/*  ---- cursor ---- */

void dbk_cur_init (dbk_cur_t *c, const void *data, size_t len)
{
    c->p = data;
    c->end = c->p + len;
}

static int s_cur_head (dbk_cur_t *c, s_kind_t want, s_head_t *h)
{
    if (s_head (c->p, c->end, h) || h->kind != want)
        return DBK_EMALFORMED;
    size_t left = (size_t) (c->end - c->p) - h->hdr;
    if ((want == K_STR || want == K_BIN) && h->n > left)
        return DBK_EMALFORMED;
    c->p += h->hdr;
    return 0;
}

int dbk_cur_map (dbk_cur_t *c, uint32_t *n)
{
    s_head_t h;
    int rc = s_cur_head (c, K_MAP, &h);
    if (!rc)
        *n = (uint32_t) h.n;
    return rc;
}

int dbk_cur_array (dbk_cur_t *c, uint32_t *n)
{
    s_head_t h;
    int rc = s_cur_head (c, K_ARRAY, &h);
    if (!rc)
        *n = (uint32_t) h.n;
    return rc;
}

int dbk_cur_str (dbk_cur_t *c, const char **s, uint32_t *n)
{
    s_head_t h;
    int rc = s_cur_head (c, K_STR, &h);
    if (rc)
        return rc;
    *s = (const char *) c->p;
    *n = (uint32_t) h.n;
    c->p += h.n;
    return 0;
}

int dbk_cur_bin (dbk_cur_t *c, const uint8_t **b, uint32_t *n)
{
    s_head_t h;
    int rc = s_cur_head (c, K_BIN, &h);
    if (rc)
        return rc;
    *b = c->p;
    *n = (uint32_t) h.n;
    c->p += h.n;
    return 0;
}

int dbk_cur_uint (dbk_cur_t *c, uint64_t *v)
{
    s_head_t h;
    int rc = s_cur_head (c, K_UINT, &h);
    if (!rc)
        *v = h.ival;
    return rc;
}

int dbk_cur_int (dbk_cur_t *c, int64_t *v)
{
    s_head_t h;
    if (s_head (c->p, c->end, &h))
        return DBK_EMALFORMED;
    if (h.kind == K_UINT && h.ival > INT64_MAX)
        return DBK_EMALFORMED;
    if (h.kind != K_UINT && h.kind != K_INT)
        return DBK_EMALFORMED;
    c->p += h.hdr;
    *v = (int64_t) h.ival;
    return 0;
}

int dbk_cur_nil (dbk_cur_t *c)
{
    if (c->p < c->end && *c->p == 0xc0) {
        c->p++;
        return 0;
    }
    return DBK_EINVAL;
}

int dbk_cur_skip (dbk_cur_t *c)
{
    uint64_t remaining[DBK_MP_MAX_DEPTH + 1];
    int depth = 0;
    remaining[0] = 1;
    while (depth >= 0) {
        if (remaining[depth] == 0) {
            depth--;
            continue;
        }
        remaining[depth]--;
        s_head_t h;
        if (s_head (c->p, c->end, &h))
            return DBK_EMALFORMED;
        c->p += h.hdr;
        size_t left = (size_t) (c->end - c->p);
        if (h.kind == K_STR || h.kind == K_BIN || h.kind == K_EXT) {
            if (h.n > left)
                return DBK_EMALFORMED;
            c->p += h.n;
        } else if (h.kind == K_ARRAY || h.kind == K_MAP) {
            uint64_t items = h.kind == K_MAP ? h.n * 2 : h.n;
            if (items > left)
                return DBK_EMALFORMED;
            if (items) {
                if (depth + 1 > DBK_MP_MAX_DEPTH)
                    return DBK_ETOOBIG;
                remaining[++depth] = items;
            }
        }
    }
    return 0;
}
