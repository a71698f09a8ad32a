/*  dbk_json.c - msgpack <-> JSON. */
#include "dealbook/dbk_json.h"
#include "dealbook/dbk_error.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

void dbk_json_write (dbk_wr_t *w, const json_t *v)
{
    switch (json_typeof (v)) {
    case JSON_OBJECT: {
        dbk_wr_map (w, (uint32_t) json_object_size (v));
        const char *key;
        json_t *val;
        json_object_foreach ((json_t *) v, key, val)
        {
            dbk_wr_cstr (w, key);
            dbk_json_write (w, val);
        }
        break;
    }
    case JSON_ARRAY: {
        dbk_wr_array (w, (uint32_t) json_array_size (v));
        size_t i;
        json_t *val;
        json_array_foreach (v, i, val) dbk_json_write (w, val);
        break;
    }
    case JSON_STRING:
        dbk_wr_str (w, json_string_value (v), json_string_length (v));
        break;
    case JSON_INTEGER:
        dbk_wr_i64 (w, json_integer_value (v));
        break;
    case JSON_REAL:
        dbk_wr_double (w, json_real_value (v));
        break;
    case JSON_TRUE:
        dbk_wr_bool (w, true);
        break;
    case JSON_FALSE:
        dbk_wr_bool (w, false);
        break;
    case JSON_NULL:
        dbk_wr_nil (w);
        break;
    }
}

int dbk_json_to_mp (const char *text, size_t len, dbk_wr_t *w, char *err, size_t errsz)
{
    json_error_t je;
    /*  JSON_PRESERVE_ORDER is the default since jansson 2.8: keys keep
        their document order. Strings with NUL are refused. */
    json_t *v = json_loadb (text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (!v) {
        snprintf (err, errsz, "invalid JSON at line %d, column %d: %s", je.line, je.column,
                  je.text);
        return DBK_EINVAL;
    }
    dbk_json_write (w, v);
    json_decref (v);
    return 0;
}

static json_t *s_uuid (bool has, const uint8_t id[DBK_ID_SIZE])
{
    if (!has)
        return json_null ();
    char s[37];
    dbk_uuid_format (id, s);
    return json_string (s);
}

json_t *dbk_json_base64 (const void *data, size_t len)
{
    size_t cap = sodium_base64_ENCODED_LEN (len, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc (cap);
    if (!s)
        return NULL;
    sodium_bin2base64 (s, cap, data, len, sodium_base64_VARIANT_ORIGINAL);
    json_t *j = json_string (s);
    free (s);
    return j;
}

json_t *dbk_json_from_obj (const dbk_obj_t *o)
{
    switch (dbk_obj_type (o)) {
    case DBK_T_NIL:
        return json_null ();
    case DBK_T_BOOL: {
        bool b = false;
        dbk_obj_bool (o, &b);
        return json_boolean (b);
    }
    case DBK_T_UINT: {
        uint64_t u = 0;
        dbk_obj_u64 (o, &u);
        /*  JSON integers in jansson are int64: larger values become reals */
        return u <= INT64_MAX ? json_integer ((json_int_t) u) : json_real ((double) u);
    }
    case DBK_T_INT: {
        int64_t i = 0;
        dbk_obj_i64 (o, &i);
        return json_integer (i);
    }
    case DBK_T_FLOAT: {
        double d = 0;
        dbk_obj_double (o, &d);
        return json_real (d);
    }
    case DBK_T_STR: {
        const char *s;
        size_t n;
        dbk_obj_str (o, &s, &n);
        return json_stringn (s, n);
    }
    case DBK_T_BIN: {
        const uint8_t *b;
        size_t n;
        dbk_obj_bin (o, &b, &n);
        /*  ids are bin 16 on the wire (protocol §6): shown as the events'
            are, so that a command's cmd matches its events' cause */
        if (n == DBK_ID_SIZE)
            return s_uuid (true, b);
        return dbk_json_base64 (b, n);
    }
    case DBK_T_ARRAY: {
        json_t *a = json_array ();
        for (size_t i = 0; a && i < dbk_obj_len (o); i++) {
            json_t *e = dbk_json_from_obj (dbk_obj_at (o, i));
            if (!e || json_array_append_new (a, e)) {
                json_decref (a);
                return NULL;
            }
        }
        return a;
    }
    case DBK_T_MAP: {
        json_t *m = json_object ();
        for (size_t i = 0; m && i < dbk_obj_len (o); i++) {
            const char *k;
            size_t kn;
            if (dbk_obj_str (dbk_obj_key_at (o, i), &k, &kn)) {
                json_decref (m);
                return NULL;
            }
            json_t *e = dbk_json_from_obj (dbk_obj_val_at (o, i));
            /*  json_object_setn_new takes e, and frees it when it fails */
            if (!e || json_object_setn_new (m, k, kn, e)) {
                json_decref (m);
                return NULL;
            }
        }
        return m;
    }
    default:
        return NULL;
    }
}

json_t *dbk_json_from_mp (const void *data, size_t len)
{
    dbk_doc_t *doc;
    if (dbk_doc_parse (data, len, &doc))
        return NULL;
    json_t *j = dbk_json_from_obj (dbk_doc_root (doc));
    dbk_doc_destroy (&doc);
    return j;
}

static json_t *s_hex (const uint8_t *b, size_t n)
{
    char s[2 * DBK_HASH_SIZE + 1];
    dbk_hex (b, n, s);
    return json_string (s);
}

json_t *dbk_json_from_event (const dbk_event_t *ev)
{
    json_t *data = ev->data_raw ? dbk_json_from_mp (ev->data_raw, ev->data_raw_len)
                   : ev->data   ? dbk_json_from_obj (ev->data)
                                : json_object ();
    if (!data)
        return NULL;
    return json_pack ("{s:I, s:o, s:s%, s:I, s:s%, s:I, s:I, s:s%, s:o, s:o, s:I, s:o, s:o, s:o}",
                      "seq", (json_int_t) ev->seq, "id", s_uuid (true, ev->id), "stream",
                      ev->stream, ev->stream_len, "ver", (json_int_t) ev->ver, "type", ev->type,
                      ev->type_len, "ts", (json_int_t) ev->ts, "at", (json_int_t) ev->at, "actor",
                      ev->actor, ev->actor_len, "corr", s_uuid (ev->has_corr, ev->corr), "cause",
                      s_uuid (ev->has_cause, ev->cause), "schema", (json_int_t) ev->schema, "data",
                      data, "prev", s_hex (ev->prev, DBK_HASH_SIZE), "hash",
                      s_hex (ev->hash, DBK_HASH_SIZE));
}
