/*  dbk_event.c - envelope validation, record encoding and the hash chain. */
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_error.h"

#include <sodium.h>
#include <math.h>
#include <string.h>
#include <time.h>

/*  The last two pairs of a record: "prev" bin32, "hash" bin32. */
#define S_TAIL (2 * (1 + 4 + 2 + DBK_HASH_SIZE))

int64_t dbk_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool s_ident (const char *s, size_t n, bool dots)
{
    if (n == 0 || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                  (dots && c == '.' && s[i - 1] != '.');
        if (!ok)
            return false;
    }
    return !dots || s[n - 1] != '.';
}

bool dbk_stream_name_valid (const char *s, size_t n)
{
    if (n == 0 || n > DBK_STREAM_MAX || !dbk_utf8_valid (s, n))
        return false;
    const char *dash = memchr (s, '-', n);
    if (!dash || !s_ident (s, (size_t) (dash - s), false) || dash == s + n - 1)
        return false;
    /*  no space, no C0 / DEL, and no C1 control (U+0080..U+009F, which
        UTF-8 writes as 0xc2 0x80..0x9f) */
    for (const unsigned char *p = (const unsigned char *) dash + 1;
         p < (const unsigned char *) s + n; p++)
        if (*p <= 0x20 || *p == 0x7f ||
            (*p == 0xc2 && p + 1 < (const unsigned char *) s + n && p[1] >= 0x80 && p[1] <= 0x9f))
            return false;
    return true;
}

bool dbk_type_name_valid (const char *s, size_t n)
{
    if (n == 0 || n > DBK_TYPE_MAX)
        return false;
    const char *dot = memchr (s, '.', n);
    if (!dot || !s_ident (s, (size_t) (dot - s), false))
        return false;
    return s_ident (dot + 1, n - (size_t) (dot + 1 - s), true);
}

/*  Payloads must survive a trip through JSON: str keys everywhere, and
    finite numbers (JSON has no NaN nor infinity: a reader of the log in
    JSON would stop there). */
static bool s_json_safe (const dbk_obj_t *o)
{
    double d;
    switch (dbk_obj_type (o)) {
    case DBK_T_FLOAT:
        return dbk_obj_double (o, &d) == 0 && isfinite (d);
    case DBK_T_MAP:
        if (dbk_obj_has_dup_keys (o))
            return false;
        for (size_t i = 0; i < dbk_obj_len (o); i++)
            if (dbk_obj_type (dbk_obj_key_at (o, i)) != DBK_T_STR ||
                !s_json_safe (dbk_obj_val_at (o, i)))
                return false;
        return true;
    case DBK_T_ARRAY:
        for (size_t i = 0; i < dbk_obj_len (o); i++)
            if (!s_json_safe (dbk_obj_at (o, i)))
                return false;
        return true;
    case DBK_T_OTHER:
        return false;
    default:
        return true;
    }
}

static int s_id16 (const dbk_obj_t *o, uint8_t out[DBK_ID_SIZE])
{
    const uint8_t *b;
    size_t n;
    if (dbk_obj_bin (o, &b, &n) || n != DBK_ID_SIZE)
        return DBK_EINVAL;
    memcpy (out, b, DBK_ID_SIZE);
    return 0;
}

int dbk_event_from_proposed (const dbk_obj_t *map, dbk_event_t *ev, const char **field)
{
    const char *dummy;
    if (!field)
        field = &dummy;
    memset (ev, 0, sizeof *ev);
    ev->at = INT64_MIN; /* "not given": the log uses ts */
    ev->schema = 1;
    *field = "event";
    if (dbk_obj_type (map) != DBK_T_MAP || dbk_obj_has_dup_keys (map))
        return DBK_EINVAL;
    bool have_id = false, have_type = false, have_actor = false;
    for (size_t i = 0; i < dbk_obj_len (map); i++) {
        const dbk_obj_t *k = dbk_obj_key_at (map, i), *v = dbk_obj_val_at (map, i);
        const char *ks;
        size_t kn;
        if (dbk_obj_str (k, &ks, &kn)) {
            *field = "event"; /* not the key before it */
            return DBK_EINVAL;
        }
#define KEY(name) (kn == sizeof (name) - 1 && memcmp (ks, name, kn) == 0 && (*field = name))
        if (KEY ("id")) {
            if (s_id16 (v, ev->id))
                return DBK_EINVAL;
            have_id = true;
        } else if (KEY ("type")) {
            if (dbk_obj_str (v, &ev->type, &ev->type_len))
                return DBK_EINVAL;
            if (ev->type_len > DBK_TYPE_MAX)
                return DBK_ETOOBIG;
            if (!dbk_type_name_valid (ev->type, ev->type_len))
                return DBK_EINVAL;
            have_type = true;
        } else if (KEY ("at")) {
            /*  ms since 1970-01-01 UTC, where the log's clock starts: an
                earlier one is a mistake, and would count in every as-of
                view */
            if (dbk_obj_i64 (v, &ev->at) || ev->at < 0)
                return DBK_EINVAL;
        } else if (KEY ("actor")) {
            if (dbk_obj_str (v, &ev->actor, &ev->actor_len) || ev->actor_len == 0)
                return DBK_EINVAL;
            if (ev->actor_len > DBK_ACTOR_MAX)
                return DBK_ETOOBIG;
            have_actor = true;
        } else if (KEY ("corr")) {
            if (dbk_obj_type (v) != DBK_T_NIL) {
                if (s_id16 (v, ev->corr))
                    return DBK_EINVAL;
                ev->has_corr = true;
            }
        } else if (KEY ("cause")) {
            if (dbk_obj_type (v) != DBK_T_NIL) {
                if (s_id16 (v, ev->cause))
                    return DBK_EINVAL;
                ev->has_cause = true;
            }
        } else if (KEY ("schema")) {
            if (dbk_obj_u64 (v, &ev->schema) || ev->schema < 1 || ev->schema > 65535)
                return DBK_EINVAL;
        } else if (KEY ("data")) {
            if (dbk_obj_type (v) != DBK_T_MAP || !s_json_safe (v))
                return DBK_EINVAL;
            ev->data = v;
        } else {
            /*  includes the keys only the log may set (seq, ver, ts, ...) */
            *field = "event";
            return DBK_EINVAL;
        }
#undef KEY
    }
    if (!have_id)
        *field = "id";
    else if (!have_type)
        *field = "type";
    else if (!have_actor)
        *field = "actor";
    else
        return 0;
    return DBK_EINVAL;
}

static void s_write_id_or_nil (dbk_wr_t *w, bool has, const uint8_t id[DBK_ID_SIZE])
{
    if (has)
        dbk_wr_bin (w, id, DBK_ID_SIZE);
    else
        dbk_wr_nil (w);
}

static void s_write_data (dbk_wr_t *w, const dbk_event_t *ev)
{
    if (ev->data_raw)
        dbk_wr_raw (w, ev->data_raw, ev->data_raw_len);
    else if (ev->data)
        dbk_wr_obj (w, ev->data);
    else
        dbk_wr_map (w, 0);
}

/*  actor, corr, cause, schema, data: the same pairs, in the same order, in
    a proposed event and in a record */
static void s_write_producer_tail (dbk_wr_t *w, const dbk_event_t *ev)
{
    dbk_wr_cstr (w, "actor");
    dbk_wr_str (w, ev->actor, ev->actor_len);
    dbk_wr_cstr (w, "corr");
    s_write_id_or_nil (w, ev->has_corr, ev->corr);
    dbk_wr_cstr (w, "cause");
    s_write_id_or_nil (w, ev->has_cause, ev->cause);
    dbk_wr_kv_u64 (w, "schema", ev->schema);
    dbk_wr_cstr (w, "data");
    s_write_data (w, ev);
}

void dbk_event_write_proposed (dbk_wr_t *w, const dbk_event_t *ev)
{
    bool has_at = ev->at != INT64_MIN;
    dbk_wr_map (w, 7 + has_at);
    dbk_wr_cstr (w, "id");
    dbk_wr_bin (w, ev->id, DBK_ID_SIZE);
    dbk_wr_cstr (w, "type");
    dbk_wr_str (w, ev->type, ev->type_len);
    if (has_at)
        dbk_wr_kv_i64 (w, "at", ev->at);
    s_write_producer_tail (w, ev);
}

static void s_chain (const uint8_t prev[DBK_HASH_SIZE], const uint8_t *body, size_t body_len,
                     uint8_t out[DBK_HASH_SIZE])
{
    static const uint8_t canon_header = 0x8c; /* map of 12 pairs */
    crypto_generichash_state st;
    crypto_generichash_init (&st, NULL, 0, DBK_HASH_SIZE);
    crypto_generichash_update (&st, prev, DBK_HASH_SIZE);
    crypto_generichash_update (&st, &canon_header, 1);
    crypto_generichash_update (&st, body, body_len);
    crypto_generichash_final (&st, out, DBK_HASH_SIZE);
}

void dbk_event_write_record (dbk_wr_t *w, dbk_event_t *ev, const uint8_t prev[DBK_HASH_SIZE])
{
    size_t start = dbk_wr_size (w);
    dbk_wr_map (w, 14);
    dbk_wr_kv_u64 (w, "seq", ev->seq);
    dbk_wr_cstr (w, "id");
    dbk_wr_bin (w, ev->id, DBK_ID_SIZE);
    dbk_wr_cstr (w, "stream");
    dbk_wr_str (w, ev->stream, ev->stream_len);
    dbk_wr_kv_u64 (w, "ver", ev->ver);
    dbk_wr_cstr (w, "type");
    dbk_wr_str (w, ev->type, ev->type_len);
    dbk_wr_kv_i64 (w, "ts", ev->ts);
    dbk_wr_kv_i64 (w, "at", ev->at);
    s_write_producer_tail (w, ev);
    const uint8_t *base = (const uint8_t *) dbk_wr_data (w) + start;
    size_t body_len = dbk_wr_size (w) - start - 1;
    memcpy (ev->prev, prev, DBK_HASH_SIZE);
    s_chain (prev, base + 1, body_len, ev->hash);
    dbk_wr_cstr (w, "prev");
    dbk_wr_bin (w, ev->prev, DBK_HASH_SIZE);
    dbk_wr_cstr (w, "hash");
    dbk_wr_bin (w, ev->hash, DBK_HASH_SIZE);
}

static int s_key (dbk_cur_t *c, const char *want, size_t wl)
{
    const char *s;
    uint32_t n;
    if (dbk_cur_str (c, &s, &n) || n != wl || memcmp (s, want, n) != 0)
        return DBK_EMALFORMED;
    return 0;
}

/*  ---- the record decoder's fast paths ----

    Every record is written by dbk_event_write_record, with fixstr keys
    and the shortest headers (what dbk_wr writes). These read that form
    in a few instructions; anything else goes through the general cursor,
    so a record is accepted or refused exactly as by the cursor alone. */

static inline size_t s_left (const dbk_cur_t *c)
{
    return (size_t) (c->end - c->p);
}

/*  Key `k` (a literal shorter than 32 bytes). */
#define S_KEY(c, k) s_key_fast (c, k, sizeof k - 1)
static inline int s_key_fast (dbk_cur_t *c, const char *k, size_t kl)
{
    if (s_left (c) > kl && c->p[0] == (uint8_t) (0xa0 | kl) && memcmp (c->p + 1, k, kl) == 0) {
        c->p += kl + 1;
        return 0;
    }
    return s_key (c, k, kl);
}

/*  Big-endian unsigned of n bytes at p. */
static inline uint64_t s_be (const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/*  A positive fixint or uint 8/16/32/64. */
static inline int s_uint (dbk_cur_t *c, uint64_t *v)
{
    if (s_left (c) >= 1 && c->p[0] <= 0x7f) {
        *v = *c->p++;
        return 0;
    }
    if (s_left (c) >= 1 && c->p[0] >= 0xcc && c->p[0] <= 0xcf) {
        size_t n = (size_t) 1 << (c->p[0] - 0xcc);
        if (s_left (c) > n) {
            *v = s_be (c->p + 1, n);
            c->p += n + 1;
            return 0;
        }
    }
    return dbk_cur_uint (c, v);
}

/*  An int64 written as a positive uint (what dbk_wr_i64 writes for >= 0). */
static inline int s_int (dbk_cur_t *c, int64_t *v)
{
    uint64_t u;
    if (s_left (c) >= 1 && (c->p[0] <= 0x7f || (c->p[0] >= 0xcc && c->p[0] <= 0xcf))) {
        const uint8_t *at = c->p;
        if (s_uint (c, &u) == 0 && u <= INT64_MAX) {
            *v = (int64_t) u;
            return 0;
        }
        c->p = at;
    }
    return dbk_cur_int (c, v);
}

/*  A fixstr or str8. */
static inline int s_str (dbk_cur_t *c, const char **s, uint32_t *n)
{
    size_t h = 0, l = 0;
    if (s_left (c) >= 1 && (c->p[0] & 0xe0) == 0xa0)
        h = 1, l = c->p[0] & 0x1f;
    else if (s_left (c) >= 2 && c->p[0] == 0xd9)
        h = 2, l = c->p[1];
    if (h && s_left (c) >= h + l) {
        *s = (const char *) c->p + h;
        *n = (uint32_t) l;
        c->p += h + l;
        return 0;
    }
    return dbk_cur_str (c, s, n);
}

/*  A bin8 of exactly `want` bytes, copied to out. */
static inline int s_bin_n (dbk_cur_t *c, uint8_t *out, size_t want)
{
    if (s_left (c) >= 2 + want && c->p[0] == 0xc4 && c->p[1] == want) {
        memcpy (out, c->p + 2, want);
        c->p += 2 + want;
        return 0;
    }
    const uint8_t *b;
    uint32_t n;
    if (dbk_cur_bin (c, &b, &n) || n != want)
        return DBK_EMALFORMED;
    memcpy (out, b, want);
    return 0;
}

static int s_cur_id (dbk_cur_t *c, uint8_t out[DBK_ID_SIZE], bool *has)
{
    if (has && dbk_cur_nil (c) == 0) {
        *has = false;
        return 0;
    }
    if (s_bin_n (c, out, DBK_ID_SIZE))
        return DBK_EMALFORMED;
    if (has)
        *has = true;
    return 0;
}

int dbk_event_decode_record (const void *rec, size_t len, dbk_event_t *ev)
{
    memset (ev, 0, sizeof *ev);
    dbk_cur_t c;
    dbk_cur_init (&c, rec, len);
    uint32_t n, sn;
    if (len >= 1 && *c.p == 0x8e) /* fixmap of 14: the form written */
        c.p++;
    else if (dbk_cur_map (&c, &n) || n != 14)
        return DBK_EMALFORMED;
    if (S_KEY (&c, "seq") || s_uint (&c, &ev->seq) || ev->seq == 0)
        return DBK_EMALFORMED;
    if (S_KEY (&c, "id") || s_cur_id (&c, ev->id, NULL))
        return DBK_EMALFORMED;
    if (S_KEY (&c, "stream") || s_str (&c, &ev->stream, &sn))
        return DBK_EMALFORMED;
    ev->stream_len = sn;
    if (S_KEY (&c, "ver") || s_uint (&c, &ev->ver) || ev->ver == 0)
        return DBK_EMALFORMED;
    if (S_KEY (&c, "type") || s_str (&c, &ev->type, &sn))
        return DBK_EMALFORMED;
    ev->type_len = sn;
    if (S_KEY (&c, "ts") || s_int (&c, &ev->ts))
        return DBK_EMALFORMED;
    if (S_KEY (&c, "at") || s_int (&c, &ev->at))
        return DBK_EMALFORMED;
    if (S_KEY (&c, "actor") || s_str (&c, &ev->actor, &sn))
        return DBK_EMALFORMED;
    ev->actor_len = sn;
    if (S_KEY (&c, "corr") || s_cur_id (&c, ev->corr, &ev->has_corr))
        return DBK_EMALFORMED;
    if (S_KEY (&c, "cause") || s_cur_id (&c, ev->cause, &ev->has_cause))
        return DBK_EMALFORMED;
    if (S_KEY (&c, "schema") || s_uint (&c, &ev->schema))
        return DBK_EMALFORMED;
    if (S_KEY (&c, "data"))
        return DBK_EMALFORMED;
    const uint8_t *data = c.p;
    if (c.p >= c.end || ((*c.p & 0xf0) != 0x80 && *c.p != 0xde && *c.p != 0xdf) ||
        dbk_cur_skip (&c))
        return DBK_EMALFORMED;
    ev->data_raw = data;
    ev->data_raw_len = (size_t) (c.p - data);
    if (S_KEY (&c, "prev") || s_bin_n (&c, ev->prev, DBK_HASH_SIZE))
        return DBK_EMALFORMED;
    if (S_KEY (&c, "hash") || s_bin_n (&c, ev->hash, DBK_HASH_SIZE))
        return DBK_EMALFORMED;
    return c.p == c.end ? 0 : DBK_EMALFORMED;
}

int dbk_event_check_record (const void *rec, size_t len, const uint8_t prev[DBK_HASH_SIZE])
{
    static const uint8_t tail_prev[7] = {0xa4, 'p', 'r', 'e', 'v', 0xc4, DBK_HASH_SIZE};
    static const uint8_t tail_hash[7] = {0xa4, 'h', 'a', 's', 'h', 0xc4, DBK_HASH_SIZE};
    const uint8_t *r = rec;
    if (len < 1 + S_TAIL || r[0] != 0x8e)
        return DBK_ECORRUPT;
    const uint8_t *t = r + len - S_TAIL;
    if (memcmp (t, tail_prev, 7) != 0 || memcmp (t + 7 + DBK_HASH_SIZE, tail_hash, 7) != 0)
        return DBK_ECORRUPT;
    if (memcmp (t + 7, prev, DBK_HASH_SIZE) != 0)
        return DBK_ECORRUPT;
    uint8_t h[DBK_HASH_SIZE];
    s_chain (prev, r + 1, len - 1 - S_TAIL, h);
    if (sodium_memcmp (h, t + 14 + DBK_HASH_SIZE, DBK_HASH_SIZE) != 0)
        return DBK_ECORRUPT;
    return 0;
}

int dbk_event_peek (const void *rec, size_t len, uint64_t *seq, const char **type, size_t *type_len)
{
    dbk_cur_t c;
    dbk_cur_init (&c, rec, len);
    uint32_t n;
    const char *s;
    uint64_t ver;
    uint8_t id[DBK_ID_SIZE];
    if (dbk_cur_map (&c, &n) || n != 14 || S_KEY (&c, "seq") || s_uint (&c, seq) ||
        S_KEY (&c, "id") || s_cur_id (&c, id, NULL) || S_KEY (&c, "stream") || s_str (&c, &s, &n) ||
        S_KEY (&c, "ver") || s_uint (&c, &ver) || S_KEY (&c, "type") || s_str (&c, type, &n))
        return DBK_EMALFORMED;
    *type_len = n;
    return 0;
}

int dbk_event_peek_key (const void *rec, size_t len, uint64_t *seq, uint8_t id[DBK_ID_SIZE],
                        const char **stream, size_t *stream_len, uint64_t *ver)
{
    dbk_cur_t c;
    dbk_cur_init (&c, rec, len);
    uint32_t n;
    if (dbk_cur_map (&c, &n) || n != 14 || S_KEY (&c, "seq") || s_uint (&c, seq) ||
        S_KEY (&c, "id") || s_cur_id (&c, id, NULL) || S_KEY (&c, "stream") ||
        s_str (&c, stream, &n) || S_KEY (&c, "ver") || s_uint (&c, ver))
        return DBK_EMALFORMED;
    *stream_len = n;
    return 0;
}

void dbk_uuid_v7 (uint8_t id[DBK_ID_SIZE])
{
    uint64_t ms = (uint64_t) dbk_now_ms ();
    randombytes_buf (id + 6, DBK_ID_SIZE - 6);
    for (int i = 0; i < 6; i++)
        id[i] = (uint8_t) (ms >> (40 - 8 * i));
    id[6] = (uint8_t) (0x70 | (id[6] & 0x0f)); /* version 7   */
    id[8] = (uint8_t) (0x80 | (id[8] & 0x3f)); /* variant 10  */
}

void dbk_hex (const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = 0;
}

void dbk_uuid_format (const uint8_t id[DBK_ID_SIZE], char out[37])
{
    char hex[33];
    dbk_hex (id, DBK_ID_SIZE, hex);
    memcpy (out, hex, 8);
    out[8] = '-';
    memcpy (out + 9, hex + 8, 4);
    out[13] = '-';
    memcpy (out + 14, hex + 12, 4);
    out[18] = '-';
    memcpy (out + 19, hex + 16, 4);
    out[23] = '-';
    memcpy (out + 24, hex + 20, 12);
    out[36] = 0;
}

static int s_nibble (char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int dbk_unhex (const char *s, size_t n, uint8_t *out)
{
    if (n % 2)
        return DBK_EINVAL;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = s_nibble (s[2 * i]), lo = s_nibble (s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return DBK_EINVAL; /* before the shift: -1 << 4 is undefined */
        out[i] = (uint8_t) (hi << 4 | lo);
    }
    return 0;
}

int dbk_uuid_parse (const char *s, size_t n, uint8_t id[DBK_ID_SIZE])
{
    if (n == 32)
        return dbk_unhex (s, n, id);
    if (n != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
        return DBK_EINVAL;
    /* 8-4-4-4-12 digits: the groups without their dashes */
    char hex[32];
    memcpy (hex, s, 8);
    memcpy (hex + 8, s + 9, 4);
    memcpy (hex + 12, s + 14, 4);
    memcpy (hex + 16, s + 19, 4);
    memcpy (hex + 20, s + 24, 12);
    return dbk_unhex (hex, sizeof hex, id);
}
