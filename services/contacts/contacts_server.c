/*  contacts_server.c - the contacts service: its commands (load the
    aggregate from the read model, look up the facts, call the pure
    decider) and its queries, on the shell of dbk_service.h. */
#include "contacts_server.h"

#include "contacts_decider.h"
#include "contacts_fields.h"
#include "contacts_map.h"
#include "contacts_market.h"
#include "contacts_model.h"
#include "contacts_request.h"

#include "dealbook/dbk_event.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_mem.h"

#include <stdlib.h>
#include <string.h>

/*  ---- facts ---- */

static void s_account_ref (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                           contacts_account_t *acc, contacts_contact_facts_t *facts)
{
    const char *s = NULL;
    size_t n = 0;
    dbk_obj_str (dbk_obj_get (req, "account_id"), &s, &n);
    facts->account = CONTACTS_REF_MISSING;
    facts->merged_into = NULL;
    if (!s || contacts_model_account (ctx, txn, s, n, acc))
        return;
    facts->account = acc->status == CONTACTS_ACCOUNT_ARCHIVED ? CONTACTS_REF_ARCHIVED
                     : acc->status == CONTACTS_ACCOUNT_MERGED ? CONTACTS_REF_MERGED
                                                              : CONTACTS_REF_ACTIVE;
    facts->merged_into = acc->merged_into;
}

/*  The business date and its zone, into the facts: this service ignores
    a command's "on", so today (DEALBOOK_TIMEZONE) bounds a birthday. */
static void s_today (dbk_svc_ctx_t *ctx, contacts_contact_facts_t *facts, char today[11],
                     char zone[16])
{
    dbk_config_today (dbk_svc_config (ctx), today);
    dbk_config_zone (dbk_svc_config (ctx), zone);
    facts->today = today;
    facts->zone = zone;
}

/*  Another account with the normalised form of the request's name. */
static const char *s_duplicate (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                                const char *except, char *out, size_t outsz)
{
    const char *s;
    size_t n;
    if (dbk_obj_str (dbk_obj_get (req, "name"), &s, &n))
        return NULL;
    char *norm = contacts_normalize_name (s, n);
    bool found =
        norm && contacts_model_name_owner (ctx, txn, CONTACTS_DB_NAMES, norm, except, out, outsz);
    free (norm);
    return found ? out : NULL;
}

/*  ---- commands ---- */

static int s_account_register (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                               dbk_decision_t *d)
{
    char id[CONTACTS_ID_MAX + 1], dup[CONTACTS_ID_MAX + 1];
    if (!contacts_req_new_id (ctx, req, d, id))
        return 0;
    contacts_account_t st;
    contacts_account_init (&st);
    int rc = contacts_model_account (ctx, txn, id, strlen (id), &st);
    if (rc && rc != DBK_ENOTFOUND)
        return rc;
    contacts_account_facts_t facts = {s_duplicate (ctx, txn, req, NULL, dup, sizeof dup)};
    contacts_account_register (d, &st, id, req, &facts);
    contacts_account_reset (&st);
    return 0;
}

/*  Load the account named by the request's "id" for update / archive;
    rejects (returning false) when the id is missing. */
static bool s_load_account (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                            dbk_decision_t *d, char id[CONTACTS_ID_MAX + 1], contacts_account_t *st,
                            int *rc)
{
    *rc = 0;
    if (!contacts_req_id (req, "id", id)) {
        dbk_decision_reject (d, DBK_EINVAL, "id", "id must name an account");
        return false;
    }
    int r = contacts_model_account (ctx, txn, id, strlen (id), st);
    if (r && r != DBK_ENOTFOUND) {
        *rc = r;
        return false;
    }
    return true;
}

static int s_account_update (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                             dbk_decision_t *d)
{
    char id[CONTACTS_ID_MAX + 1], dup[CONTACTS_ID_MAX + 1];
    contacts_account_t st;
    contacts_account_init (&st);
    int rc;
    if (s_load_account (ctx, txn, req, d, id, &st, &rc)) {
        contacts_account_facts_t facts = {s_duplicate (ctx, txn, req, id, dup, sizeof dup)};
        contacts_account_update (d, &st, req, &facts);
    }
    contacts_account_reset (&st);
    return rc;
}

static int s_account_archive (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                              dbk_decision_t *d)
{
    char id[CONTACTS_ID_MAX + 1];
    contacts_account_t st;
    contacts_account_init (&st);
    int rc;
    if (s_load_account (ctx, txn, req, d, id, &st, &rc))
        contacts_account_archive (d, &st, req);
    contacts_account_reset (&st);
    return rc;
}

/*  ACCOUNT_MERGE {id, into, reason}: both states come from the read model;
    the decider checks that "into" names the survivor it was given, so a
    missing or malformed "into" is passed through as it is. */
static int s_account_merge (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                            dbk_decision_t *d)
{
    char id[CONTACTS_ID_MAX + 1], into[CONTACTS_ID_MAX + 1];
    contacts_account_t merged, survivor;
    contacts_account_init (&merged);
    contacts_account_init (&survivor);
    int rc;
    if (s_load_account (ctx, txn, req, d, id, &merged, &rc)) {
        if (contacts_req_id (req, "into", into)) {
            rc = contacts_model_account (ctx, txn, into, strlen (into), &survivor);
            rc = rc == DBK_ENOTFOUND ? 0 : rc;
        }
        if (rc == 0)
            contacts_account_merge (d, &merged, &survivor, req);
    }
    contacts_account_reset (&survivor);
    contacts_account_reset (&merged);
    return rc;
}

static int s_contact_add (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d)
{
    char id[CONTACTS_ID_MAX + 1];
    if (!contacts_req_new_id (ctx, req, d, id))
        return 0;
    contacts_contact_t st;
    contacts_account_t acc;
    contacts_contact_init (&st);
    contacts_account_init (&acc);
    int rc = contacts_model_contact (ctx, txn, id, strlen (id), &st);
    if (rc == 0 || rc == DBK_ENOTFOUND) {
        rc = 0;
        contacts_contact_facts_t facts;
        char today[11], zone[16];
        s_account_ref (ctx, txn, req, &acc, &facts);
        s_today (ctx, &facts, today, zone);
        contacts_contact_add (d, &st, id, req, &facts);
    }
    contacts_account_reset (&acc);
    contacts_contact_reset (&st);
    return rc;
}

typedef enum { S_UPDATE, S_MOVE, S_TRIP } s_contact_op_t;

static int s_contact_cmd (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d,
                          s_contact_op_t op)
{
    char id[CONTACTS_ID_MAX + 1];
    if (!contacts_req_id (req, "id", id))
        return dbk_decision_reject (d, DBK_EINVAL, "id", "id must name a contact"), 0;
    contacts_contact_t st;
    contacts_account_t acc;
    contacts_contact_init (&st);
    contacts_account_init (&acc);
    int rc = contacts_model_contact (ctx, txn, id, strlen (id), &st);
    if (rc == 0 || rc == DBK_ENOTFOUND) {
        rc = 0;
        contacts_contact_facts_t facts = {CONTACTS_REF_MISSING, NULL, NULL, NULL};
        char today[11], zone[16];
        s_today (ctx, &facts, today, zone);
        if (op == S_UPDATE)
            contacts_contact_update (d, &st, req, &facts);
        else if (op == S_TRIP)
            contacts_contact_trip_add (d, &st, req);
        else {
            s_account_ref (ctx, txn, req, &acc, &facts);
            contacts_contact_move (d, &st, req, &facts);
        }
    }
    contacts_account_reset (&acc);
    contacts_contact_reset (&st);
    return rc;
}

static int s_contact_update (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                             dbk_decision_t *d)
{
    return s_contact_cmd (ctx, txn, req, d, S_UPDATE);
}

static int s_contact_move (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                           dbk_decision_t *d)
{
    return s_contact_cmd (ctx, txn, req, d, S_MOVE);
}

static int s_trip_add (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d)
{
    /*  the notebook keys a trip by its folded city: a city that folds
        too long for a key (a few characters unfold into many) is refused
        here, rather than left out of the notebook by the projection */
    const char *city;
    size_t cl;
    char folded[CONTACTS_CITY_KEY_MAX + 1];
    if (dbk_obj_str (dbk_obj_get (req, "city"), &city, &cl) == 0 && cl > 0 &&
        contacts_model_city_key (folded, sizeof folded, city, cl) == 0)
        return dbk_decision_reject (d, DBK_EINVAL, "city",
                                    "city is too long once normalised (at most %d bytes)",
                                    (int) sizeof folded - 1),
               0;
    return s_contact_cmd (ctx, txn, req, d, S_TRIP);
}

/*  ---- queries ---- */

static int s_account_get (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char id[CONTACTS_ID_MAX + 1];
    if (!contacts_req_id (req, "id", id))
        return dbk_svc_reject (ctx, DBK_EINVAL, "id", "id must name an account");
    MDB_val v;
    int rc = contacts_req_get_raw (ctx, txn, CONTACTS_DB_ACCOUNTS, id, &v);
    if (rc == DBK_ENOTFOUND)
        return dbk_svc_reject (ctx, rc, "id", "no account %s", id);
    if (rc == 0)
        dbk_wr_raw (w, v.mv_data, v.mv_size); /* the stored state is one map */
    return rc;
}

/*  Does the state's `key` fold (case, width, punctuation) to `want` (the
    folded request value; NULL: no filter)? */
static bool s_match (const dbk_obj_t *m, const char *key, const char *want)
{
    const char *s;
    size_t n;
    if (!want)
        return true;
    if (dbk_obj_str (dbk_obj_get (m, key), &s, &n))
        return false;
    char *f = contacts_normalize_name_with (s, n, NULL);
    bool same = f && strcmp (f, want) == 0;
    free (f);
    return same;
}

/*  A filter of a list request, folded into out ("" when absent). 0 or the
    rejection. */
static int s_filter (dbk_svc_ctx_t *ctx, const dbk_obj_t *req, const char *key, char *out,
                     size_t outsz)
{
    const char *s;
    size_t n;
    out[0] = 0;
    const dbk_obj_t *o = dbk_obj_get (req, key);
    if (!o || (dbk_obj_str (o, &s, &n) == 0 && n == 0))
        return 0;
    char *f = dbk_obj_str (o, &s, &n) ? NULL : contacts_normalize_name_with (s, n, NULL);
    if (!f || strlen (f) >= outsz) {
        free (f);
        return dbk_svc_reject (ctx, DBK_EINVAL, key, "%s must be text holding letters or digits",
                               key);
    }
    snprintf (out, outsz, "%s", f);
    free (f);
    return 0;
}

/*  The id at the end of an index key "...|id", NUL-terminated into out. */
static bool s_key_id (const MDB_val *k, char out[CONTACTS_ID_MAX + 1])
{
    const char *key = k->mv_data, *bar = NULL;
    for (size_t i = k->mv_size; i-- > 0;)
        if (key[i] == '|') {
            bar = key + i;
            break;
        }
    size_t il = bar ? k->mv_size - (size_t) (bar + 1 - key) : 0;
    if (!bar || il == 0 || il > CONTACTS_ID_MAX)
        return false;
    memcpy (out, bar + 1, il);
    out[il] = 0;
    return true;
}

/*  ACCOUNT_LIST {prefix, type, region, city, after, limit}. Filters fold
    case, width and punctuation. Answered from one index: account_by for
    city, else region, else type (with the name prefix inside it), else
    the name index for a prefix alone, else every account in id order;
    the other filters are checked on the accounts read. Merged accounts
    are never listed. */
static int s_account_list (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    uint64_t limit;
    MDB_val after, k, v, next = {0, NULL};
    char after_buf[CONTACTS_CURSOR_MAX]; /* the decoded cursor */
    char f[3][CONTACTS_SHORT_MAX * 4], prefix[CONTACTS_FOLD_MAX] = "";
    static const char *const keys[3] = {"type", "region", "city"};
    int rc = contacts_req_paging (ctx, req, &limit, &after, after_buf);
    for (int i = 0; rc == 0 && i < 3; i++)
        rc = s_filter (ctx, req, keys[i], f[i], sizeof f[i]);
    if (rc)
        return rc;
    const char *p;
    size_t pn;
    if (!dbk_obj_str (dbk_obj_get (req, "prefix"), &p, &pn) && pn > 0) {
        /*  without suffix removal: "ACME Co" must still find "acme..." */
        char *norm = contacts_normalize_name_with (p, pn, NULL);
        if (!norm || strlen (norm) >= sizeof prefix) {
            free (norm);
            return dbk_svc_reject (ctx, DBK_EINVAL, "prefix", "prefix holds no letters or digits");
        }
        snprintf (prefix, sizeof prefix, "%s", norm);
        free (norm);
    }
    int by = f[2][0] ? 2 : f[1][0] ? 1 : f[0][0] ? 0 : -1; /* the index filter */
    char start_key[2 * CONTACTS_FOLD_MAX];
    MDB_val start = {strlen (prefix), prefix};
    const char *db = prefix[0] ? CONTACTS_DB_NAMES : CONTACTS_DB_ACCOUNTS;
    bool indexed = by >= 0 || prefix[0];
    if (by >= 0) {
        db = CONTACTS_DB_ACCOUNT_BY;
        start.mv_data = start_key;
        start.mv_size =
            contacts_model_by_key (start_key, sizeof start_key, contacts_account_by_tags[by], f[by],
                                   strlen (f[by]), prefix, NULL);
        if (start.mv_size == 0) { /* longer than any key: nothing can match */
            dbk_wr_t *none = dbk_wr_new ();
            if (!none)
                return DBK_ENOMEM;
            contacts_req_finish_list (w, "accounts", none, 0, &next);
            dbk_wr_destroy (&none);
            return 0;
        }
    }
    MDB_cursor *cur;
    if (mdb_cursor_open (txn, dbk_svc_dbi (ctx, db), &cur))
        return DBK_EIO;
    dbk_wr_t *items = dbk_wr_new ();
    uint32_t n = 0;
    rc = items ? 0 : DBK_ENOMEM;
    for (int r = rc ? 1 : contacts_req_seek (cur, &k, &v, &start, &after); r == 0;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (indexed &&
            (k.mv_size < start.mv_size || memcmp (k.mv_data, start.mv_data, start.mv_size)))
            break;
        if (n == limit) {
            next = after; /* the last key returned */
            break;
        }
        after = k; /* the last key seen: where the next page starts */
        MDB_val state = v;
        char id[CONTACTS_ID_MAX + 1];
        if (indexed && (!s_key_id (&k, id) ||
                        contacts_req_get_raw (ctx, txn, CONTACTS_DB_ACCOUNTS, id, &state)))
            continue;
        dbk_doc_t *doc = NULL;
        if (dbk_doc_parse (state.mv_data, state.mv_size, &doc))
            continue;
        const dbk_obj_t *m = dbk_doc_root (doc);
        /*  merged accounts are found by id only (ACCOUNT_GET): the indexes
            leave them out, and the walk of every account does too, so
            that no filter changes whether one is listed */
        bool keep = !dbk_obj_str_eq (dbk_obj_get (m, "status"), "merged");
        for (int i = 0; i < 3; i++)
            keep = keep && (i == by || s_match (m, keys[i], f[i][0] ? f[i] : NULL));
        if (keep) {
            dbk_wr_raw (items, state.mv_data, state.mv_size);
            n++;
        }
        dbk_doc_destroy (&doc);
    }
    mdb_cursor_close (cur);
    if (rc == 0)
        contacts_req_finish_list (w, "accounts", items, n, &next);
    dbk_wr_destroy (&items);
    return rc;
}

/*  CONTACT_GET {id} -> the contact's state and "trips": its notebook. */
static int s_contact_get (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char id[CONTACTS_ID_MAX + 1];
    if (!contacts_req_id (req, "id", id))
        return dbk_svc_reject (ctx, DBK_EINVAL, "id", "id must name a contact");
    MDB_val v, k;
    int rc = contacts_req_get_raw (ctx, txn, CONTACTS_DB_CONTACTS, id, &v);
    if (rc == DBK_ENOTFOUND)
        return dbk_svc_reject (ctx, rc, "id", "no contact %s", id);
    dbk_doc_t *doc = NULL;
    if (rc || dbk_doc_parse (v.mv_data, v.mv_size, &doc))
        return DBK_EIO;
    const dbk_obj_t *m = dbk_doc_root (doc);
    size_t pairs = dbk_obj_len (m);
    dbk_wr_map (w, (uint32_t) pairs + 2);
    for (size_t i = 0; i < pairs; i++) {
        dbk_wr_obj (w, dbk_obj_key_at (m, i));
        dbk_wr_obj (w, dbk_obj_val_at (m, i));
    }
    dbk_doc_destroy (&doc);
    /*  kept apart from the state (activities, not contact events, move
        it): "" in the index means never, answered as nil */
    dbk_wr_cstr (w, "last_activity");
    if (contacts_req_get_raw (ctx, txn, CONTACTS_DB_TOUCHED, id, &v) == 0 && v.mv_size)
        dbk_wr_str (w, v.mv_data, v.mv_size);
    else
        dbk_wr_nil (w);
    MDB_cursor *cur;
    dbk_wr_t *items = dbk_wr_new ();
    if (!items || mdb_cursor_open (txn, dbk_svc_dbi (ctx, CONTACTS_DB_TRIPS), &cur)) {
        dbk_wr_destroy (&items);
        return DBK_EIO;
    }
    uint32_t n = 0;
    size_t il = strlen (id) + 1; /* id and its NUL */
    k.mv_size = il;
    k.mv_data = id;
    for (int r = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
         r == 0 && k.mv_size == il + 4 && memcmp (k.mv_data, id, il) == 0;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT), n++)
        dbk_wr_raw (items, v.mv_data, v.mv_size);
    mdb_cursor_close (cur);
    dbk_wr_cstr (w, "trips");
    dbk_wr_array (w, n);
    dbk_wr_raw (w, dbk_wr_data (items), dbk_wr_size (items));
    dbk_wr_destroy (&items);
    return 0;
}

/*  CONTACT_LIST {account_id, prefix, after, limit}: contacts whose folded
    name starts with prefix (from the contact_names index, in name order),
    optionally only the account's; or the account's people in id order
    (account_people index); or every contact in id order. */
static int s_contact_list (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char acc[CONTACTS_ID_MAX + 2] = "", prefix[CONTACTS_FOLD_MAX] = "";
    if (dbk_obj_get (req, "account_id") && !contacts_req_id (req, "account_id", acc))
        return dbk_svc_reject (ctx, DBK_EINVAL, "account_id", "account_id must name an account");
    const char *p;
    size_t pn;
    const dbk_obj_t *po = dbk_obj_get (req, "prefix");
    if (po && (dbk_obj_str (po, &p, &pn) || pn > 0)) {
        char *norm = dbk_obj_str (po, &p, &pn) ? NULL : contacts_normalize_name_with (p, pn, NULL);
        if (!norm || strlen (norm) >= sizeof prefix) {
            free (norm);
            return dbk_svc_reject (ctx, DBK_EINVAL, "prefix", "prefix holds no letters or digits");
        }
        snprintf (prefix, sizeof prefix, "%s", norm);
        free (norm);
    }
    uint64_t limit;
    MDB_val after, k, v, next = {0, NULL};
    char after_buf[CONTACTS_CURSOR_MAX]; /* the decoded cursor */
    int rc = contacts_req_paging (ctx, req, &limit, &after, after_buf);
    if (rc)
        return rc;
    /*  start: the index key prefix of the answer; id_at: where the id
        starts in a key (0: after the last "|") */
    size_t al = acc[0] ? strlen (acc) + 1 : 0; /* the account and its NUL */
    const char *db = prefix[0] ? CONTACTS_DB_CONTACT_NAMES
                     : al      ? CONTACTS_DB_PEOPLE
                               : CONTACTS_DB_CONTACTS;
    MDB_val start = prefix[0] ? (MDB_val){strlen (prefix), prefix} : (MDB_val){al, acc};
    MDB_cursor *cur;
    dbk_wr_t *items = dbk_wr_new ();
    if (!items || mdb_cursor_open (txn, dbk_svc_dbi (ctx, db), &cur)) {
        dbk_wr_destroy (&items);
        return DBK_EIO;
    }
    uint32_t n = 0;
    for (int r = contacts_req_seek (cur, &k, &v, &start, &after);
         r == 0 && k.mv_size > start.mv_size &&
         memcmp (k.mv_data, start.mv_data, start.mv_size) == 0;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (n == limit) {
            next = after;
            break;
        }
        after = k;
        char id[CONTACTS_ID_MAX + 1];
        MDB_val state = v;
        if (prefix[0] ? !s_key_id (&k, id) : al ? k.mv_size - al > CONTACTS_ID_MAX : false)
            continue;
        if (!prefix[0] && al) {
            memcpy (id, (const char *) k.mv_data + al, k.mv_size - al);
            id[k.mv_size - al] = 0;
        }
        if ((prefix[0] || al) && contacts_req_get_raw (ctx, txn, CONTACTS_DB_CONTACTS, id, &state))
            continue;
        if (prefix[0] && al) {
            /*  a prefix within one account: check the account */
            dbk_doc_t *doc = NULL;
            bool mine = dbk_doc_parse (state.mv_data, state.mv_size, &doc) == 0 &&
                        dbk_obj_str_eq (dbk_obj_get (dbk_doc_root (doc), "account_id"), acc);
            dbk_doc_destroy (&doc);
            if (!mine)
                continue;
        }
        dbk_wr_raw (items, state.mv_data, state.mv_size);
        n++;
    }
    mdb_cursor_close (cur);
    contacts_req_finish_list (w, "contacts", items, n, &next);
    dbk_wr_destroy (&items);
    return 0;
}

/*  One notebook entry: the trip's payload plus who travels. Both rows
    are the model's own msgpack maps: they are walked with a cursor and
    their bytes copied, not parsed into documents (most of a query's time
    went into parsing each contact's whole row for four of its fields). */
static void s_notebook_entry (dbk_svc_ctx_t *ctx, MDB_txn *txn, dbk_wr_t *items, const char *id,
                              const uint8_t be[4], uint32_t *n)
{
    static const char *const who[] = {"name", "account_id", "title", "phone"};
    enum { S_WHO = sizeof who / sizeof who[0] };
    char key[CONTACTS_ID_MAX + 5];
    size_t il = strlen (id);
    memcpy (key, id, il + 1);
    memcpy (key + il + 1, be, 4);
    MDB_val k = {il + 5, key}, trip, state;
    if (mdb_get (txn, dbk_svc_dbi (ctx, CONTACTS_DB_TRIPS), &k, &trip) ||
        contacts_req_get_raw (ctx, txn, CONTACTS_DB_CONTACTS, id, &state))
        return;
    dbk_cur_t tc, cc;
    uint32_t pairs, cpairs;
    dbk_cur_init (&tc, trip.mv_data, trip.mv_size);
    dbk_cur_init (&cc, state.mv_data, state.mv_size);
    if (dbk_cur_map (&tc, &pairs) || dbk_cur_map (&cc, &cpairs))
        return;
    const uint8_t *body = tc.p;
    for (uint64_t i = 0; i < 2 * (uint64_t) pairs; i++)
        if (dbk_cur_skip (&tc))
            return;
    size_t body_len = (size_t) (tc.p - body);
    struct {
        const uint8_t *p;
        size_t n;
    } val[S_WHO] = {{0}};
    uint32_t extra = 0;
    for (uint32_t i = 0; i < cpairs; i++) {
        const char *ks;
        uint32_t kn;
        if (dbk_cur_str (&cc, &ks, &kn))
            return;
        const uint8_t *v = cc.p;
        if (dbk_cur_skip (&cc))
            return;
        for (size_t j = 0; j < S_WHO; j++)
            if (!val[j].p && strlen (who[j]) == kn && memcmp (who[j], ks, kn) == 0) {
                val[j].p = v;
                val[j].n = (size_t) (cc.p - v);
                extra++;
            }
    }
    dbk_wr_map (items, pairs + extra);
    dbk_wr_raw (items, body, body_len);
    for (size_t j = 0; j < S_WHO; j++)
        if (val[j].p) {
            dbk_wr_cstr (items, who[j]);
            dbk_wr_raw (items, val[j].p, val[j].n);
        }
    (*n)++;
}

/*  Trips found by NOTEBOOK_CITY, sorted before they are answered. */
typedef struct {
    struct s_hit {
        char to[10];                  /* last day               */
        char id[CONTACTS_ID_MAX + 1]; /* contact                */
        uint8_t be[4];                /* trip number, big-endian */
    } * v;
    size_t n, cap;
} s_hits_t;

static int s_hits_add (s_hits_t *h, const char *to, const char *id, const uint8_t be[4])
{
    if (dbk_grow (&h->v, &h->cap, h->n + 1, sizeof *h->v, 64))
        return DBK_ENOMEM;
    struct s_hit *x = &h->v[h->n++];
    memcpy (x->to, to, 10);
    snprintf (x->id, sizeof x->id, "%s", id);
    memcpy (x->be, be, 4);
    return 0;
}

static int s_hit_cmp (const void *a, const void *b)
{
    const struct s_hit *x = a, *y = b;
    int c = memcmp (x->to, y->to, 10);
    if (!c)
        c = strcmp (x->id, y->id);
    return c ? c : memcmp (x->be, y->be, 4);
}

/*  NOTEBOOK_CITY {city, from, to, salesperson, limit}: trips in city
    (folded: contacts_model_city_key) overlapping [from, to], ordered by
    their last day; with salesperson, only the trips of contacts they know.
    The index (contacts_model.h) reads only trips that can overlap. */
static int s_notebook_city (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char city[CONTACTS_SHORT_MAX + 1], from[16], to[16];
    if (!contacts_req_text (req, "city", city, sizeof city))
        return dbk_svc_reject (ctx, DBK_EINVAL, "city", "city is required (at most %d bytes)",
                               CONTACTS_SHORT_MAX);
    if (!contacts_req_text (req, "from", from, sizeof from) ||
        !contacts_date_valid (from, strlen (from), false))
        return dbk_svc_reject (ctx, DBK_EINVAL, "from", "from must be a date YYYY-MM-DD");
    if (!contacts_req_text (req, "to", to, sizeof to) ||
        !contacts_date_valid (to, strlen (to), false))
        return dbk_svc_reject (ctx, DBK_EINVAL, "to", "to must be a date YYYY-MM-DD");
    if (strcmp (to, from) < 0)
        return dbk_svc_reject (ctx, DBK_EINVAL, "to", "to is before from");
    uint64_t limit = CONTACTS_PAGE_MAX;
    const dbk_obj_t *l = dbk_obj_get (req, "limit");
    if (l && (dbk_obj_u64 (l, &limit) || limit < 1 || limit > CONTACTS_PAGE_MAX))
        return dbk_svc_reject (ctx, DBK_EINVAL, "limit", "limit must be from 1 to %d",
                               CONTACTS_PAGE_MAX);
    char person[CONTACTS_PERSON_MAX + 1];
    int rc = contacts_map_req_person (ctx, req, person);
    if (rc)
        return rc;
    char folded[CONTACTS_FOLD_MAX];
    size_t cl = contacts_model_city_key (folded, sizeof folded, city, strlen (city));
    if (cl == 0)
        return dbk_svc_reject (ctx, DBK_EINVAL, "city", "city is too long");
    long f = contacts_days (atoi (from), atoi (from + 5), atoi (from + 8));
    s_hits_t hits = {0};
    MDB_cursor *cur;
    if (mdb_cursor_open (txn, dbk_svc_dbi (ctx, CONTACTS_DB_NOTEBOOK), &cur))
        return DBK_EIO;
    /*  in each length class c, the trips that start from F - 2^c + 1 to T */
    for (int c = 0; rc == 0 && c < CONTACTS_TRIP_CLASSES; c++) {
        char key[CONTACTS_FOLD_MAX + 32], start[11];
        contacts_civil (f - (1L << c) + 1, start);
        memcpy (key, folded, cl + 1);
        key[cl + 1] = (char) c;
        memcpy (key + cl + 2, start, 10);
        size_t pl = cl + 2; /* city NUL class */
        MDB_val k = {pl + 10, key}, v;
        for (int r = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
             r == 0 && rc == 0 && k.mv_size > pl + 16 && memcmp (k.mv_data, key, pl) == 0;
             r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
            const char *first = (const char *) k.mv_data + pl;
            if (memcmp (first, to, 10) > 0)
                break; /* starts after the window */
            if (v.mv_size != 10 || memcmp (v.mv_data, from, 10) < 0)
                continue; /* ended before it */
            const char *cid = first + 11;
            size_t il = k.mv_size - pl - 11 - 5;
            if (il == 0 || il > CONTACTS_ID_MAX || cid[il] != 0)
                continue;
            char id[CONTACTS_ID_MAX + 1];
            memcpy (id, cid, il);
            id[il] = 0;
            if (person[0] && !contacts_map_knows (ctx, txn, person, id))
                continue; /* not one of the salesperson's contacts */
            rc = s_hits_add (&hits, v.mv_data, id, (const uint8_t *) cid + il + 1);
        }
    }
    mdb_cursor_close (cur);
    dbk_wr_t *items = rc ? NULL : dbk_wr_new ();
    if (rc == 0 && !items)
        rc = DBK_ENOMEM;
    if (rc == 0) {
        /*  ordered by the last day, then contact and trip */
        if (hits.n > 1) /* qsort wants an array, even of none */
            qsort (hits.v, hits.n, sizeof *hits.v, s_hit_cmp);
        uint32_t n = 0;
        for (size_t i = 0; i < hits.n && n < limit; i++)
            s_notebook_entry (ctx, txn, items, hits.v[i].id, hits.v[i].be, &n);
        dbk_wr_map (w, 2);
        dbk_wr_cstr (w, "trips");
        dbk_wr_array (w, n);
        dbk_wr_raw (w, dbk_wr_data (items), dbk_wr_size (items));
        dbk_wr_kv_bool (w, "more", hits.n > limit);
    }
    dbk_wr_destroy (&items);
    free (hits.v);
    return rc;
}

static int s_status (dbk_svc_ctx_t *ctx, MDB_txn *txn, dbk_wr_t *w)
{
    MDB_stat a, c, t;
    if (mdb_stat (txn, dbk_svc_dbi (ctx, CONTACTS_DB_ACCOUNTS), &a) ||
        mdb_stat (txn, dbk_svc_dbi (ctx, CONTACTS_DB_CONTACTS), &c) ||
        mdb_stat (txn, dbk_svc_dbi (ctx, CONTACTS_DB_TRIPS), &t))
        return DBK_EIO;
    dbk_wr_map (w, 3);
    dbk_wr_kv_u64 (w, "accounts", a.ms_entries);
    dbk_wr_kv_u64 (w, "contacts", c.ms_entries);
    dbk_wr_kv_u64 (w, "trips", t.ms_entries);
    return 0;
}

static const char *const s_categories[] = {"account", "contact", "competitor", "activity", NULL};
static const dbk_svc_command_t s_commands[] = {
    {"ACCOUNT_REGISTER", s_account_register},
    {"ACCOUNT_UPDATE", s_account_update},
    {"ACCOUNT_ARCHIVE", s_account_archive},
    {"ACCOUNT_MERGE", s_account_merge},
    {"CONTACT_ADD", s_contact_add},
    {"CONTACT_UPDATE", s_contact_update},
    {"CONTACT_MOVE", s_contact_move},
    {"TRIP_ADD", s_trip_add},
    {"COMPETITOR_ADD", contacts_competitor_add_cmd},
    {"COMPETITOR_UPDATE", contacts_competitor_update_cmd},
    {"ACTIVITY_LOG", contacts_activity_log_cmd},
    {"RELATIONSHIP_SET", contacts_relate_cmd},
    {NULL, NULL}};
static const dbk_svc_query_t s_queries[] = {{"ACCOUNT_GET", s_account_get},
                                            {"ACCOUNT_LIST", s_account_list},
                                            {"CONTACT_GET", s_contact_get},
                                            {"CONTACT_LIST", s_contact_list},
                                            {"NOTEBOOK_CITY", s_notebook_city},
                                            {"COMPETITOR_GET", contacts_competitor_get_q},
                                            {"COMPETITOR_LIST", contacts_competitor_list_q},
                                            {"ACTIVITY_LIST", contacts_activity_list_q},
                                            {"NOTEBOOK_UNTOUCHED", contacts_untouched_q},
                                            {"NOTEBOOK_BIRTHDAYS", contacts_birthdays_q},
                                            {"RELATIONSHIP_MAP", contacts_map_q},
                                            {"ACCOUNT_PEOPLE", contacts_account_people_q},
                                            {NULL, NULL}};

const dbk_service_def_t contacts_def = {.name = "contacts",
                                        .dbs = contacts_model_dbs,
                                        .categories = s_categories,
                                        .commands = s_commands,
                                        .queries = s_queries,
                                        .project = contacts_model_project,
                                        .status = s_status,
                                        .model_version = CONTACTS_MODEL_VERSION};

void contacts_server (zsock_t *pipe, void *args)
{
    dbk_service_run (pipe, &contacts_def, args);
}
