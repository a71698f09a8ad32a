/*  contacts_market_model.c - the read model of competitors and
    activities, and the notebook indexes (last activity, birthdays) that
    let the notebook queries seek instead of scanning (contacts_market.h). */
#include "contacts_market.h"

#include "contacts_model.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_logging.h"

#include <stdlib.h>
#include <string.h>

#define S_KEY 512 /* two ids, a date and separators fit with room to spare */

static int s_put (MDB_txn *txn, MDB_dbi dbi, const void *k, size_t kl, const void *v, size_t vl)
{
    MDB_val key = {kl, (void *) k}, val = {vl, (void *) v};
    return dbk_lmdb_err (mdb_put (txn, dbi, &key, &val, 0));
}

static int s_del (MDB_txn *txn, MDB_dbi dbi, const void *k, size_t kl)
{
    MDB_val key = {kl, (void *) k};
    int rc = mdb_del (txn, dbi, &key, NULL);
    return rc == MDB_NOTFOUND ? 0 : dbk_lmdb_err (rc);
}

/*  a NUL b: the shape of every two-part key here. */
static size_t s_pair (char *out, const char *a, size_t an, const char *b, size_t bn)
{
    if (an + bn + 1 > S_KEY)
        return 0;
    memcpy (out, a, an);
    out[an] = 0;
    memcpy (out + an + 1, b, bn);
    return an + 1 + bn;
}

/*  ---- competitors ---- */

static void s_write_competitor (dbk_wr_t *w, const contacts_competitor_t *st)
{
    const char *keys[] = {"id",        "name",       "products",     "price_level",
                          "strengths", "weaknesses", "relationships"};
    const char *vals[] = {st->id,        st->name,       st->products,     st->price_level,
                          st->strengths, st->weaknesses, st->relationships};
    uint32_t n = 2;
    for (int i = 0; i < 7; i++)
        n += vals[i] != NULL;
    dbk_wr_map (w, n);
    dbk_wr_kv_cstr (w, "status", "active");
    for (int i = 0; i < 7; i++)
        if (vals[i])
            dbk_wr_kv_cstr (w, keys[i], vals[i]);
    dbk_wr_cstr (w, "close_to");
    dbk_wr_array (w, (uint32_t) st->close_to.n);
    for (size_t i = 0; i < st->close_to.n; i++)
        dbk_wr_cstr (w, st->close_to.items[i]);
}

int contacts_market_competitor (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id,
                                contacts_competitor_t *st)
{
    size_t n = strlen (id);
    if (n == 0 || n > CONTACTS_ID_MAX)
        return DBK_ENOTFOUND;
    MDB_val k = {n, (void *) id}, v;
    int rc = mdb_get (txn, dbk_svc_dbi (ctx, CONTACTS_DB_COMPETITORS), &k, &v);
    if (rc)
        return rc == MDB_NOTFOUND ? DBK_ENOTFOUND : dbk_lmdb_err (rc);
    dbk_doc_t *doc = NULL;
    rc = dbk_doc_parse (v.mv_data, v.mv_size, &doc);
    if (rc)
        return rc == DBK_ENOMEM ? rc : DBK_ECORRUPT;
    /*  the stored map holds the keys of competitor.added: folding it as
        that event restores the state with the decider's own code. A row
        that does not fold back is no storage failure: it was stored from
        an event appended by hand, by a version that let one through */
    rc = contacts_competitor_evolve (st, "competitor.added", dbk_doc_root (doc));
    dbk_doc_destroy (&doc);
    return rc == DBK_EMALFORMED ? DBK_ECORRUPT : rc;
}

/*  The rivals index for every account of a close_to list. */
static int s_rivals (MDB_txn *txn, MDB_dbi dbi, const contacts_list_t *l, const char *id, bool put)
{
    char key[S_KEY];
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < l->n; i++) {
        size_t kl = s_pair (key, l->items[i], strlen (l->items[i]), id, strlen (id));
        if (kl)
            rc = put ? s_put (txn, dbi, key, kl, "", 0) : s_del (txn, dbi, key, kl);
    }
    return rc;
}

/*  The competitor_names row of a competitor named `name` (NULL, or a name
    that normalises to nothing: none, 0). */
static size_t s_name_key (char *out, const char *name, const char *id)
{
    char *norm = name ? contacts_normalize_name (name, strlen (name)) : NULL;
    size_t kl = norm ? contacts_model_name_key (out, CONTACTS_KEY_MAX, norm, id) : 0;
    free (norm);
    return kl;
}

static int s_project_competitor (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *type,
                                 const dbk_obj_t *data, const char *id)
{
    /*  the state before the event and the state after it: the event is
        folded first, and its rows written after, so that an event evolve
        refuses (one appended by hand) changes nothing, not even the ties
        and the name row an update replaces */
    contacts_competitor_t was, st;
    contacts_competitor_init (&was);
    contacts_competitor_init (&st);
    int rc = contacts_market_competitor (ctx, txn, id, &was);
    if (rc == 0)
        rc = contacts_market_competitor (ctx, txn, id, &st);
    if (rc == DBK_ENOTFOUND)
        rc = 0;
    else if (rc == DBK_ECORRUPT) {
        /*  a row that does not fold back is the malformed event it was
            stored from: skipped, as that event would be now */
        dbk_logger_t log;
        dbk_logger_init (&log, "contacts", DBK_LOG_WARNING);
        dbk_logf (&log, DBK_LOG_WARNING,
                  "the stored state of competitor %s does not fold back (stored from a malformed "
                  "event by an older version; `dealbook rebuild contacts` builds it again)",
                  id);
        rc = DBK_EMALFORMED;
    }
    if (rc == 0)
        rc = contacts_competitor_evolve (&st, type, data);
    MDB_dbi rivals = dbk_svc_dbi (ctx, CONTACTS_DB_RIVALS);
    MDB_dbi names = dbk_svc_dbi (ctx, CONTACTS_DB_COMPETITOR_NAMES);
    char name_key[CONTACTS_KEY_MAX];
    size_t kl;
    if (rc == 0 && st.status != CONTACTS_COMPETITOR_NONE) {
        /*  the old ties and name go, the new ones come: an update replaces
            the whole list, and a new name its row */
        rc = s_rivals (txn, rivals, &was.close_to, id, false);
        if (rc == 0 && (kl = s_name_key (name_key, was.name, id)))
            rc = s_del (txn, names, name_key, kl);
        dbk_wr_t *w = rc == 0 ? dbk_wr_new () : NULL;
        if (rc == 0 && !w)
            rc = DBK_ENOMEM;
        if (rc == 0) {
            s_write_competitor (w, &st);
            rc = s_put (txn, dbk_svc_dbi (ctx, CONTACTS_DB_COMPETITORS), id, strlen (id),
                        dbk_wr_data (w), dbk_wr_size (w));
        }
        dbk_wr_destroy (&w);
        if (rc == 0)
            rc = s_rivals (txn, rivals, &st.close_to, id, true);
        if (rc == 0 && (kl = s_name_key (name_key, st.name, id)))
            rc = s_put (txn, names, name_key, kl, "", 0);
    }
    contacts_competitor_reset (&was);
    contacts_competitor_reset (&st);
    return rc;
}

/*  ---- activities and the last activity of each contact ---- */

/*  Record that contact `cid` was touched on `date` ("" for never: a new
    contact), unless it already was on that date or later. */
static int s_touch (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *cid, const char *date)
{
    MDB_dbi touched = dbk_svc_dbi (ctx, CONTACTS_DB_TOUCHED);
    MDB_dbi by = dbk_svc_dbi (ctx, CONTACTS_DB_TOUCHED_BY);
    size_t cl = strlen (cid), dl = strlen (date);
    MDB_val k = {cl, (void *) cid}, v;
    char key[S_KEY], old[16] = "";
    int rc = mdb_get (txn, touched, &k, &v);
    if (rc && rc != MDB_NOTFOUND)
        return dbk_lmdb_err (rc);
    if (rc == 0) {
        snprintf (old, sizeof old, "%.*s", (int) v.mv_size, (const char *) v.mv_data);
        /*  dates YYYY-MM-DD compare as text; a late-logged older
            activity leaves the last one in place */
        if (strcmp (old, date) >= 0)
            return 0;
        size_t kl = s_pair (key, old, strlen (old), cid, cl);
        if (kl && (rc = dbk_svc_del_later (ctx, by, key, kl)))
            return rc;
    }
    size_t kl = s_pair (key, date, dl, cid, cl);
    rc = s_put (txn, touched, cid, cl, date, dl);
    if (rc == 0 && kl)
        rc = dbk_svc_put_later (ctx, by, key, kl, "", 0);
    return rc;
}

/*  activity_by key: prefix ('a' / 'c'), subject, NUL, reversed date, NUL,
    activity id. */
static size_t s_activity_key (char *out, char prefix, const char *subject, const char *date,
                              const char *id)
{
    size_t sl = strlen (subject), dl = strlen (date), il = strlen (id), k = 0;
    if (sl + dl + il + 3 > S_KEY)
        return 0;
    out[k++] = prefix;
    memcpy (out + k, subject, sl), k += sl, out[k++] = 0;
    for (size_t i = 0; i < dl; i++)
        out[k++] = date[i] >= '0' && date[i] <= '9' ? (char) ('9' - date[i] + '0') : date[i];
    out[k++] = 0;
    memcpy (out + k, id, il), k += il;
    return k;
}

/*  An activity.logged the rule applies (contacts_known_activity: logged
    once, on its own stream, holding what the command writes). */
static int s_project_activity (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *type,
                               const dbk_obj_t *data, const char *id)
{
    MDB_dbi acts = dbk_svc_dbi (ctx, CONTACTS_DB_ACTIVITIES);
    contacts_activity_t st;
    contacts_activity_init (&st);
    int rc = contacts_activity_evolve (&st, type, data);
    if (rc == 0 && !st.date)
        rc = DBK_EMALFORMED;
    /*  the row is the event's payload, as the log holds it */
    size_t rawl;
    const void *raw = dbk_svc_data_raw (ctx, &rawl);
    if (rc == 0 && !raw)
        rc = DBK_EMALFORMED;
    if (rc == 0)
        rc = s_put (txn, acts, id, strlen (id), raw, rawl);
    MDB_dbi by = dbk_svc_dbi (ctx, CONTACTS_DB_ACTIVITY_BY);
    char key[S_KEY];
    size_t kl;
    /*  activity_by, touched_by_date and birthdays: the projection never
        reads them, so their rows are written in key order with the
        batch's others (dbk_svc_put_later) */
    if (rc == 0 && st.account_id && (kl = s_activity_key (key, 'a', st.account_id, st.date, id)))
        rc = dbk_svc_put_later (ctx, by, key, kl, "", 0);
    for (size_t i = 0; rc == 0 && i < st.their_people.n; i++) {
        const char *cid = st.their_people.items[i];
        if ((kl = s_activity_key (key, 'c', cid, st.date, id)))
            rc = dbk_svc_put_later (ctx, by, key, kl, "", 0);
        if (rc == 0 && strlen (cid) <= CONTACTS_ID_MAX)
            rc = s_touch (ctx, txn, cid, st.date);
    }
    contacts_activity_reset (&st);
    return rc;
}

int contacts_market_project (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *category,
                             const char *type, const dbk_obj_t *data, const char *id)
{
    if (strcmp (category, "competitor") == 0)
        return s_project_competitor (ctx, txn, type, data, id);
    if (strcmp (category, "activity") == 0)
        return s_project_activity (ctx, txn, type, data, id);
    return 0;
}

/*  ---- the contact's notebook indexes ---- */

/*  MM-DD of a birthday YYYY-MM-DD or --MM-DD: its last five bytes. */
static size_t s_birthday_key (char *out, const char *birthday, const char *cid)
{
    size_t bl = birthday ? strlen (birthday) : 0;
    return bl >= 5 ? s_pair (out, birthday + bl - 5, 5, cid, strlen (cid)) : 0;
}

int contacts_market_contact (dbk_svc_ctx_t *ctx, MDB_txn *txn, bool added, const char *old_birthday,
                             const contacts_contact_t *now)
{
    int rc = 0;
    /*  a new contact counts as never touched until its first activity */
    if (added) {
        MDB_val k = {strlen (now->id), now->id}, v;
        if (mdb_get (txn, dbk_svc_dbi (ctx, CONTACTS_DB_TOUCHED), &k, &v) == MDB_NOTFOUND)
            rc = s_touch (ctx, txn, now->id, "");
    }
    bool same = (!old_birthday && !now->birthday) ||
                (old_birthday && now->birthday && strcmp (old_birthday, now->birthday) == 0);
    if (rc || same)
        return rc;
    MDB_dbi bd = dbk_svc_dbi (ctx, CONTACTS_DB_BIRTHDAYS);
    char key[S_KEY];
    size_t kl;
    if ((kl = s_birthday_key (key, old_birthday, now->id)))
        rc = dbk_svc_del_later (ctx, bd, key, kl);
    if (rc == 0 && (kl = s_birthday_key (key, now->birthday, now->id)))
        rc = dbk_svc_put_later (ctx, bd, key, kl, "", 0);
    return rc;
}
