/*  contacts_request.c - reading the fields of a request and paging the
    answers of lists, shared by every command and query file of the
    contacts service so that all of them refuse and page alike. */
#include "contacts_request.h"

#include "contacts_decider.h"
#include "contacts_fields.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"

#include <string.h>
#include <time.h>

/*  ---- request fields ---- */

/*  An id field as a NUL-terminated string; false when missing, not text or
    not an id (the caller rejects naming the field). An id holding a NUL
    must not pass: copied out, it would name the aggregate before the NUL. */
bool contacts_req_id (const dbk_obj_t *req, const char *key, char out[CONTACTS_ID_MAX + 1])
{
    const char *s;
    size_t n;
    if (dbk_obj_str (dbk_obj_get (req, key), &s, &n) || !contacts_id_valid (s, n))
        return false;
    memcpy (out, s, n);
    out[n] = 0;
    return true;
}

/*  An optional text field trimmed of ASCII blanks, NUL-terminated into out;
    false when absent or empty. */
bool contacts_req_text (const dbk_obj_t *req, const char *key, char *out, size_t outsz)
{
    const char *s;
    size_t n;
    if (dbk_obj_str (dbk_obj_get (req, key), &s, &n))
        return false;
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= outsz)
        return false;
    memcpy (out, s, n);
    out[n] = 0;
    return true;
}

/*  The id of a new aggregate: the request's "id" when the client chose one
    (it then knows it without another round trip), else derived from the
    command id, so that a handler run again after a conflict decides the
    same id: 12 hex digits of its time and 8 of its random bits. */
bool contacts_req_new_id (dbk_svc_ctx_t *ctx, const dbk_obj_t *req, dbk_decision_t *d,
                          char out[CONTACTS_ID_MAX + 1])
{
    if (dbk_obj_get (req, "id")) {
        if (contacts_req_id (req, "id", out))
            return true; /* the decider checks its characters */
        dbk_decision_reject (d, DBK_EINVAL, "id",
                             "id must be 1 to %d bytes of printable text without spaces",
                             CONTACTS_ID_MAX);
        return false;
    }
    const uint8_t *c = dbk_svc_command_id (ctx);
    dbk_hex (c, 6, out);
    dbk_hex (c + 12, 4, out + 12);
    out[20] = 0;
    return true;
}

int contacts_req_get_raw (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *db, const char *id,
                          MDB_val *v)
{
    MDB_val k = {strlen (id), (void *) id};
    int rc = mdb_get (txn, dbk_svc_dbi (ctx, db), &k, v);
    return rc == MDB_NOTFOUND ? DBK_ENOTFOUND : rc ? DBK_EIO : 0;
}

/*  Paging of the lists: at most `limit` items after the cursor `after`
    (the `next` of the previous page, an opaque key). */
int contacts_req_paging (dbk_svc_ctx_t *ctx, const dbk_obj_t *req, uint64_t *limit, MDB_val *after,
                         char buf[CONTACTS_CURSOR_MAX])
{
    *limit = CONTACTS_PAGE_DEFAULT;
    const dbk_obj_t *l = dbk_obj_get (req, "limit");
    if (l && (dbk_obj_u64 (l, limit) || *limit < 1 || *limit > CONTACTS_PAGE_MAX))
        return dbk_svc_reject (ctx, DBK_EINVAL, "limit", "limit must be from 1 to %d",
                               CONTACTS_PAGE_MAX);
    const char *s;
    size_t n;
    after->mv_size = 0;
    after->mv_data = NULL;
    const dbk_obj_t *o = dbk_obj_get (req, "after");
    if (!o || dbk_obj_type (o) == DBK_T_NIL || (dbk_obj_str (o, &s, &n) == 0 && n == 0))
        return 0;
    if (dbk_obj_str (o, &s, &n) || n / 2 > CONTACTS_CURSOR_MAX || dbk_unhex (s, n, (uint8_t *) buf))
        return dbk_svc_reject (ctx, DBK_EINVAL, "after",
                               "after must be the `next` of the previous page (hex digits)");
    after->mv_size = n / 2;
    after->mv_data = buf;
    return 0;
}

/*  Position cur on the first key >= start, or after `after` when given. */
int contacts_req_seek (MDB_cursor *cur, MDB_val *k, MDB_val *v, const MDB_val *start,
                       const MDB_val *after)
{
    *k = after->mv_size ? *after : *start;
    int rc = mdb_cursor_get (cur, k, v, k->mv_size ? MDB_SET_RANGE : MDB_FIRST);
    if (rc == 0 && after->mv_size && k->mv_size == after->mv_size &&
        memcmp (k->mv_data, after->mv_data, after->mv_size) == 0)
        rc = mdb_cursor_get (cur, k, v, MDB_NEXT);
    return rc;
}

void contacts_req_finish_list (dbk_wr_t *w, const char *key, dbk_wr_t *items, uint32_t n,
                               const MDB_val *next)
{
    dbk_wr_map (w, 2);
    contacts_req_list_pairs (w, key, items, n, next);
}

void contacts_req_list_pairs (dbk_wr_t *w, const char *key, dbk_wr_t *items, uint32_t n,
                              const MDB_val *next)
{
    dbk_wr_cstr (w, key);
    dbk_wr_array (w, n);
    dbk_wr_raw (w, dbk_wr_data (items), dbk_wr_size (items));
    dbk_wr_cstr (w, "next");
    if (next->mv_size) {
        char hex[2 * CONTACTS_CURSOR_MAX + 1];
        size_t n = next->mv_size < CONTACTS_CURSOR_MAX ? next->mv_size : CONTACTS_CURSOR_MAX;
        dbk_hex ((const uint8_t *) next->mv_data, n, hex);
        dbk_wr_str (w, hex, 2 * n);
    } else
        dbk_wr_nil (w);
}

bool contacts_req_date (dbk_svc_ctx_t *ctx, const dbk_obj_t *req, const char *key, char out[11],
                        bool *given)
{
    const char *s;
    size_t n;
    const dbk_obj_t *o = dbk_obj_get (req, key);
    if (given)
        *given = o != NULL;
    if (!o) {
        dbk_config_today (dbk_svc_config (ctx), out);
        return true;
    }
    if (dbk_obj_str (o, &s, &n) || n != 10 || !contacts_date_valid (s, n, false)) {
        dbk_svc_reject (ctx, DBK_EINVAL, key, "%s must be a date YYYY-MM-DD", key);
        return false;
    }
    memcpy (out, s, 10);
    out[10] = 0;
    return true;
}

void contacts_wr_kv_or_nil (dbk_wr_t *w, const char *key, const char *s)
{
    dbk_wr_cstr (w, key);
    if (s)
        dbk_wr_cstr (w, s);
    else
        dbk_wr_nil (w);
}

const char *contacts_req_on (const dbk_obj_t *req, const dbk_config_t *cfg, char out[11],
                             bool recorded, char *why, size_t whysz)
{
    const char *s;
    size_t n;
    const dbk_obj_t *o = dbk_obj_get (req, "on");
    if (!o) {
        dbk_config_today (cfg, out);
        return NULL;
    }
    if (dbk_obj_str (o, &s, &n) || n != 10 || !contacts_date_valid (s, n, false)) {
        snprintf (why, whysz, "on must be a date YYYY-MM-DD");
        return why;
    }
    char today[11], zone[16];
    dbk_config_today (cfg, today);
    dbk_config_zone (cfg, zone);
    /*  nor from before the log's clock: every `at` and `ts` counts from
        1970-01-01, and a business date before it is a typing error (1900
        for 2000, 0026 for 2026), not history a sales book holds; it would
        register a deal, and start its protection and its age in the
        funnel, a century early */
    if (!recorded && contacts_date_too_early ("on", s, n, why, whysz))
        return why;
    if (!recorded && memcmp (s, today, 10) > 0) {
        snprintf (why, whysz,
                  "on must not be later than today (%s, %s): a command states what happened", today,
                  zone);
        return why;
    }
    memcpy (out, s, 10);
    out[10] = 0;
    return NULL;
}
