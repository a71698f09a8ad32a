/*  contacts_map.c - our relationship map (contacts_map.h): the
    RELATIONSHIP_SET command, its projection into the knows database, and
    the queries RELATIONSHIP_MAP and ACCOUNT_PEOPLE. */
#include "contacts_map.h"

#include "contacts_model.h"
#include "contacts_request.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  tag a NUL b: 'c' contact NUL person, or 'p' person NUL contact */
static size_t s_key (char *out, size_t outsz, char tag, const char *a, const char *b)
{
    size_t al = strlen (a), bl = b ? strlen (b) : 0;
    if (2 + al + bl > outsz)
        return 0;
    out[0] = tag;
    memcpy (out + 1, a, al);
    out[1 + al] = 0;
    if (bl)
        memcpy (out + 2 + al, b, bl);
    return 2 + al + bl;
}

bool contacts_map_depth (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *cid, const char *person,
                         char *out, size_t outsz)
{
    char key[CONTACTS_KEY_MAX];
    MDB_val k = {s_key (key, sizeof key, 'p', person, cid), key}, v;
    if (k.mv_size == 0 || mdb_get (txn, dbk_svc_dbi (ctx, CONTACTS_DB_KNOWS), &k, &v) ||
        v.mv_size >= outsz)
        return false;
    memcpy (out, v.mv_data, v.mv_size);
    out[v.mv_size] = 0;
    return true;
}

bool contacts_map_knows (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *person, const char *cid)
{
    char depth[32];
    return contacts_map_depth (ctx, txn, cid, person, depth, sizeof depth);
}

int contacts_map_req_person (dbk_svc_ctx_t *ctx, const dbk_obj_t *req,
                             char out[CONTACTS_PERSON_MAX + 1])
{
    out[0] = 0;
    const dbk_obj_t *o = dbk_obj_get (req, "salesperson");
    const char *s;
    size_t n;
    if (!o)
        return 0;
    if (dbk_obj_str (o, &s, &n) || n == 0 || n > CONTACTS_PERSON_MAX || memchr (s, 0, n))
        return dbk_svc_reject (ctx, DBK_EINVAL, "salesperson",
                               "salesperson must be one of our people (1 to %d bytes)",
                               CONTACTS_PERSON_MAX);
    memcpy (out, s, n);
    out[n] = 0;
    return 0;
}

/*  ---- the command ---- */

/*  RELATIONSHIP_SET {id, salesperson, depth, notes} */
int contacts_relate_cmd (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d)
{
    char id[CONTACTS_ID_MAX + 1], person[CONTACTS_PERSON_MAX + 1], depth[32];
    if (!contacts_req_id (req, "id", id))
        return dbk_decision_reject (d, DBK_EINVAL, "id", "id must name a contact"), 0;
    /*  the decider validates salesperson; a malformed one has no row */
    if (contacts_map_req_person (ctx, req, person))
        person[0] = 0;
    contacts_contact_t st;
    contacts_contact_init (&st);
    int rc = contacts_model_contact (ctx, txn, id, strlen (id), &st);
    if (rc == 0 || rc == DBK_ENOTFOUND) {
        bool has = person[0] && contacts_map_depth (ctx, txn, id, person, depth, sizeof depth);
        contacts_contact_relate (d, &st, req, has ? depth : NULL);
        rc = 0;
    }
    contacts_contact_reset (&st);
    return rc;
}

/*  ---- the projection ---- */

int contacts_map_project (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *data, const char *id)
{
    const char *who, *depth;
    size_t wn, dn;
    if (dbk_obj_str (dbk_obj_get (data, "salesperson"), &who, &wn) ||
        dbk_obj_str (dbk_obj_get (data, "depth"), &depth, &dn) || wn == 0 ||
        wn > CONTACTS_PERSON_MAX || memchr (who, 0, wn))
        return DBK_EMALFORMED;
    char person[CONTACTS_PERSON_MAX + 1], ck[CONTACTS_KEY_MAX], pk[CONTACTS_KEY_MAX];
    memcpy (person, who, wn);
    person[wn] = 0;
    MDB_dbi dbi = dbk_svc_dbi (ctx, CONTACTS_DB_KNOWS);
    MDB_val c = {s_key (ck, sizeof ck, 'c', id, person), ck};
    MDB_val p = {s_key (pk, sizeof pk, 'p', person, id), pk}, old;
    if (!c.mv_size || !p.mv_size)
        return DBK_EMALFORMED;
    if (dn == 4 && memcmp (depth, "none", 4) == 0) {
        int rc = mdb_del (txn, dbi, &c, NULL);
        if (rc == 0 || rc == MDB_NOTFOUND)
            rc = mdb_del (txn, dbi, &p, NULL);
        return rc == MDB_NOTFOUND ? 0 : dbk_lmdb_err (rc);
    }
    /*  notes stay until new ones are given */
    const dbk_obj_t *notes = dbk_obj_get (data, "notes");
    dbk_doc_t *prev = NULL;
    if (!notes && mdb_get (txn, dbi, &c, &old) == 0 &&
        dbk_doc_parse (old.mv_data, old.mv_size, &prev) == 0)
        notes = dbk_obj_get (dbk_doc_root (prev), "notes");
    dbk_wr_t *w = dbk_wr_new ();
    int rc = DBK_ENOMEM;
    if (w) {
        dbk_wr_map (w, notes ? 3 : 2);
        dbk_wr_kv_cstr (w, "salesperson", person);
        dbk_wr_cstr (w, "depth");
        dbk_wr_str (w, depth, dn);
        if (notes) {
            dbk_wr_cstr (w, "notes");
            dbk_wr_obj (w, notes);
        }
        MDB_val v = {dbk_wr_size (w), (void *) dbk_wr_data (w)}, dv = {dn, (void *) depth};
        rc = dbk_lmdb_err (mdb_put (txn, dbi, &c, &v, 0));
        if (rc == 0)
            rc = dbk_lmdb_err (mdb_put (txn, dbi, &p, &dv, 0));
    }
    dbk_wr_destroy (&w);
    dbk_doc_destroy (&prev);
    return rc;
}

/*  ---- queries ---- */

/*  Write "known_by": [{salesperson, depth, notes?}...] of contact cid
    (at most CONTACTS_PAGE_MAX). */
static int s_known_by (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *cid, dbk_wr_t *w)
{
    char key[CONTACTS_KEY_MAX];
    size_t kl = s_key (key, sizeof key, 'c', cid, NULL);
    MDB_cursor *cur;
    dbk_wr_t *items = dbk_wr_new ();
    if (!kl || !items || mdb_cursor_open (txn, dbk_svc_dbi (ctx, CONTACTS_DB_KNOWS), &cur)) {
        dbk_wr_destroy (&items);
        return DBK_EIO;
    }
    uint32_t n = 0;
    MDB_val k = {kl, key}, v;
    for (int r = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
         r == 0 && n < CONTACTS_PAGE_MAX && k.mv_size > kl && memcmp (k.mv_data, key, kl) == 0;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT), n++)
        dbk_wr_raw (items, v.mv_data, v.mv_size);
    mdb_cursor_close (cur);
    dbk_wr_cstr (w, "known_by");
    dbk_wr_array (w, n);
    dbk_wr_raw (w, dbk_wr_data (items), dbk_wr_size (items));
    dbk_wr_destroy (&items);
    return 0;
}

/*  Copy the pairs of a stored state map into w, which the caller opened
    with `extra` more pairs. */
static int s_copy_state (dbk_wr_t *w, const MDB_val *state, uint32_t extra)
{
    dbk_doc_t *doc = NULL;
    if (dbk_doc_parse (state->mv_data, state->mv_size, &doc))
        return DBK_EIO;
    const dbk_obj_t *m = dbk_doc_root (doc);
    dbk_wr_map (w, (uint32_t) dbk_obj_len (m) + extra);
    for (size_t i = 0; i < dbk_obj_len (m); i++) {
        dbk_wr_obj (w, dbk_obj_key_at (m, i));
        dbk_wr_obj (w, dbk_obj_val_at (m, i));
    }
    dbk_doc_destroy (&doc);
    return 0;
}

/*  {salesperson, after, limit}: the salesperson's contacts in id order,
    each its state plus "depth". */
static int s_map_of_person (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                            const char *person, dbk_wr_t *w)
{
    uint64_t limit;
    MDB_val after, k, v, next = {0, NULL};
    char after_buf[CONTACTS_CURSOR_MAX]; /* the decoded cursor */
    int rc = contacts_req_paging (ctx, req, &limit, &after, after_buf);
    if (rc)
        return rc;
    char key[CONTACTS_KEY_MAX];
    MDB_val start = {s_key (key, sizeof key, 'p', person, NULL), key};
    MDB_cursor *cur;
    dbk_wr_t *items = dbk_wr_new ();
    if (!items || mdb_cursor_open (txn, dbk_svc_dbi (ctx, CONTACTS_DB_KNOWS), &cur)) {
        dbk_wr_destroy (&items);
        return DBK_EIO;
    }
    uint32_t n = 0;
    for (int r = contacts_req_seek (cur, &k, &v, &start, &after);
         r == 0 && k.mv_size > start.mv_size && memcmp (k.mv_data, key, start.mv_size) == 0;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (n == limit) {
            next = after;
            break;
        }
        char id[CONTACTS_ID_MAX + 1];
        size_t il = k.mv_size - start.mv_size;
        after = k;
        if (il > CONTACTS_ID_MAX)
            continue;
        memcpy (id, (const char *) k.mv_data + start.mv_size, il);
        id[il] = 0;
        MDB_val state;
        if (contacts_req_get_raw (ctx, txn, CONTACTS_DB_CONTACTS, id, &state) == 0 &&
            s_copy_state (items, &state, 1) == 0) {
            dbk_wr_cstr (items, "depth");
            dbk_wr_str (items, v.mv_data, v.mv_size);
            n++;
        }
    }
    mdb_cursor_close (cur);
    dbk_wr_map (w, 3);
    dbk_wr_kv_cstr (w, "salesperson", person);
    contacts_req_list_pairs (w, "contacts", items, n, &next);
    dbk_wr_destroy (&items);
    return 0;
}

/*  RELATIONSHIP_MAP {contact_id} -> {contact_id, name, known_by}, or
    {salesperson, after, limit} -> {salesperson, contacts, next}. */
int contacts_map_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char person[CONTACTS_PERSON_MAX + 1], id[CONTACTS_ID_MAX + 1];
    int rc = contacts_map_req_person (ctx, req, person);
    if (rc)
        return rc;
    bool by_contact = dbk_obj_get (req, "contact_id") != NULL;
    if (by_contact == (person[0] != 0))
        return dbk_svc_reject (ctx, DBK_EINVAL, "contact_id",
                               "give either contact_id or salesperson");
    if (person[0])
        return s_map_of_person (ctx, txn, req, person, w);
    if (!contacts_req_id (req, "contact_id", id))
        return dbk_svc_reject (ctx, DBK_EINVAL, "contact_id", "contact_id must name a contact");
    contacts_contact_t st;
    contacts_contact_init (&st);
    rc = contacts_model_contact (ctx, txn, id, strlen (id), &st);
    if (rc == DBK_ENOTFOUND)
        rc = dbk_svc_reject (ctx, rc, "contact_id", "no contact %s", id);
    if (rc == 0) {
        dbk_wr_map (w, 3);
        dbk_wr_kv_cstr (w, "contact_id", id);
        dbk_wr_kv_cstr (w, "name", st.name ? st.name : "");
        rc = s_known_by (ctx, txn, id, w);
    }
    contacts_contact_reset (&st);
    return rc;
}

#define S_PEOPLE_MAX 2000 /* people of one account in ACCOUNT_PEOPLE */

/*  Index of a value in a NULL-terminated table; the table's length when
    absent (the "unassigned" column). */
static size_t s_index_of (const char *const *table, const dbk_obj_t *o)
{
    size_t i = 0;
    for (; table[i]; i++)
        if (dbk_obj_str_eq (o, table[i]))
            return i;
    return i;
}

/*  ACCOUNT_PEOPLE {id} -> {account_id, name, groups: [{level, function,
    people: [contact state + known_by]}], more}: the procurement chart of
    an account, by level (decision, management, operational, then none)
    and function (user, technical, procurement, then none); empty groups
    are left out. */
int contacts_account_people_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    enum { NL = 4, NF = 4 };
    char acc[CONTACTS_ID_MAX + 2];
    if (!contacts_req_id (req, "id", acc))
        return dbk_svc_reject (ctx, DBK_EINVAL, "id", "id must name an account");
    contacts_account_t a;
    contacts_account_init (&a);
    int rc = contacts_model_account (ctx, txn, acc, strlen (acc), &a);
    if (rc == DBK_ENOTFOUND)
        rc = dbk_svc_reject (ctx, rc, "id", "no account %s", acc);
    dbk_wr_t *groups[NL][NF] = {{NULL}};
    uint32_t count[NL][NF] = {{0}};
    for (int l = 0; rc == 0 && l < NL; l++)
        for (int f = 0; f < NF; f++)
            if (!(groups[l][f] = dbk_wr_new ()))
                rc = DBK_ENOMEM;
    MDB_cursor *cur = NULL;
    if (rc == 0 && mdb_cursor_open (txn, dbk_svc_dbi (ctx, CONTACTS_DB_PEOPLE), &cur))
        rc = DBK_EIO;
    size_t al = strlen (acc) + 1, total = 0;
    bool more = false;
    MDB_val k = {al, acc}, v;
    for (int r = rc ? 1 : mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
         r == 0 && k.mv_size > al && memcmp (k.mv_data, acc, al) == 0;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        char id[CONTACTS_ID_MAX + 1];
        size_t il = k.mv_size - al;
        MDB_val state;
        dbk_doc_t *doc = NULL;
        if (il > CONTACTS_ID_MAX)
            continue;
        if (total == S_PEOPLE_MAX) {
            more = true;
            break;
        }
        memcpy (id, (const char *) k.mv_data + al, il);
        id[il] = 0;
        if (contacts_req_get_raw (ctx, txn, CONTACTS_DB_CONTACTS, id, &state) ||
            dbk_doc_parse (state.mv_data, state.mv_size, &doc))
            continue;
        const dbk_obj_t *m = dbk_doc_root (doc);
        size_t l = s_index_of (contacts_levels, dbk_obj_get (m, "level"));
        size_t f = s_index_of (contacts_functions, dbk_obj_get (m, "function"));
        dbk_doc_destroy (&doc);
        assert (l < NL && f < NF); /* the tables have NL - 1 and NF - 1 values */
        if (s_copy_state (groups[l][f], &state, 1) || s_known_by (ctx, txn, id, groups[l][f]))
            continue; /* cannot happen: parsed above */
        count[l][f]++;
        total++;
    }
    if (cur)
        mdb_cursor_close (cur);
    if (rc == 0) {
        uint32_t ng = 0;
        for (int l = 0; l < NL; l++)
            for (int f = 0; f < NF; f++)
                ng += count[l][f] > 0;
        dbk_wr_map (w, 4);
        dbk_wr_kv_cstr (w, "account_id", acc);
        dbk_wr_kv_cstr (w, "name", a.name ? a.name : "");
        dbk_wr_cstr (w, "groups");
        dbk_wr_array (w, ng);
        for (int l = 0; l < NL; l++)
            for (int f = 0; f < NF; f++) {
                if (!count[l][f])
                    continue;
                dbk_wr_map (w, 3);
                dbk_wr_kv_cstr (w, "level", l < NL - 1 ? contacts_levels[l] : "");
                dbk_wr_kv_cstr (w, "function", f < NF - 1 ? contacts_functions[f] : "");
                dbk_wr_cstr (w, "people");
                dbk_wr_array (w, count[l][f]);
                dbk_wr_raw (w, dbk_wr_data (groups[l][f]), dbk_wr_size (groups[l][f]));
            }
        dbk_wr_kv_bool (w, "more", more);
    }
    for (int l = 0; l < NL; l++)
        for (int f = 0; f < NF; f++)
            dbk_wr_destroy (&groups[l][f]);
    contacts_account_reset (&a);
    return rc;
}
