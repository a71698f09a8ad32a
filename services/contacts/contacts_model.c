/*  contacts_model.c - the contacts read model: states stored as msgpack
    maps (so that a query answers with the stored bytes and a command
    loads an aggregate without replaying its stream) and the indexes the
    queries need, kept by folding each event with the deciders' evolve
    functions. */
#include "contacts_model.h"

#include "contacts_fields.h"
#include "contacts_market.h"
#include "contacts_known.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const char *const contacts_model_dbs[] = {CONTACTS_DB_ACCOUNTS,
                                          CONTACTS_DB_NAMES,
                                          CONTACTS_DB_CONTACTS,
                                          CONTACTS_DB_PEOPLE,
                                          CONTACTS_DB_TRIPS,
                                          CONTACTS_DB_NOTEBOOK,
                                          CONTACTS_DB_COMPETITORS,
                                          CONTACTS_DB_RIVALS,
                                          CONTACTS_DB_ACTIVITIES,
                                          CONTACTS_DB_ACTIVITY_BY,
                                          CONTACTS_DB_TOUCHED,
                                          CONTACTS_DB_TOUCHED_BY,
                                          CONTACTS_DB_BIRTHDAYS,
                                          CONTACTS_DB_ACCOUNT_BY,
                                          CONTACTS_DB_CONTACT_NAMES,
                                          CONTACTS_DB_KNOWS,
                                          CONTACTS_DB_COMPETITOR_NAMES,
                                          NULL};

/*  The string fields of a state, by offset, so that one pair of functions
    writes and reads both kinds of state. */
typedef struct {
    const char *key;
    size_t off;
} s_strf_t;

#define A(f)                                                                                       \
    {                                                                                              \
#f, offsetof(contacts_account_t, f)                                                        \
    }
static const s_strf_t s_account_strs[] = {
    A (id),          A (name), A (normalized_name), A (type),          A (region), A (city),
    A (lead_source), A (size), A (ownership),       A (past_projects), A (credit), A (merged_into)};
#undef A
#define C(f)                                                                                       \
    {                                                                                              \
#f, offsetof(contacts_contact_t, f)                                                        \
    }
static const s_strf_t s_contact_strs[] = {
    C (id),      C (account_id),   C (name),     C (title),        C (phone),
    C (email),   C (messaging_id), C (level),    C (function),     C (relationship),
    C (hobbies), C (hometown),     C (birthday), C (family_notes), C (notes)};
#undef C
#define NSTR(t) (sizeof (t) / sizeof (t)[0])

static char **s_field (void *st, const s_strf_t *f)
{
    return (char **) ((char *) st + f->off);
}

static size_t s_count_strs (void *st, const s_strf_t *t, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += *s_field (st, &t[i]) != NULL;
    return c;
}

static void s_write_strs (dbk_wr_t *w, void *st, const s_strf_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (*s_field (st, &t[i]))
            dbk_wr_kv_cstr (w, t[i].key, *s_field (st, &t[i]));
}

static int s_read_strs (const dbk_obj_t *m, void *st, const s_strf_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *s;
        size_t len;
        if (dbk_obj_str (dbk_obj_get (m, t[i].key), &s, &len))
            continue;
        char **p = s_field (st, &t[i]);
        free (*p);
        *p = strndup (s, len);
        if (!*p)
            return DBK_ENOMEM;
    }
    return 0;
}

static const char *const s_account_status[] = {"none", "active", "archived", "merged"};

static void s_write_account (dbk_wr_t *w, void *state)
{
    contacts_account_t *st = state;
    dbk_wr_map (w, (uint32_t) s_count_strs (st, s_account_strs, NSTR (s_account_strs)) + 2);
    dbk_wr_kv_cstr (w, "status", s_account_status[st->status]);
    s_write_strs (w, st, s_account_strs, NSTR (s_account_strs));
    dbk_wr_kv_u64 (w, "absorbed", st->absorbed);
}

static void s_write_contact (dbk_wr_t *w, void *state)
{
    contacts_contact_t *st = state;
    dbk_wr_map (w, (uint32_t) s_count_strs (st, s_contact_strs, NSTR (s_contact_strs)) + 3 +
                       (st->influence > 0));
    dbk_wr_kv_cstr (w, "status", "active");
    s_write_strs (w, st, s_contact_strs, NSTR (s_contact_strs));
    if (st->influence > 0)
        dbk_wr_kv_u64 (w, "influence", (uint64_t) st->influence);
    dbk_wr_kv_u64 (w, "moves", st->moves);
    dbk_wr_kv_u64 (w, "trip_count", st->trips);
}

static int s_get (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *db, const char *id, size_t n,
                  dbk_doc_t **doc_p)
{
    if (n == 0 || n > CONTACTS_ID_MAX)
        return DBK_ENOTFOUND;
    MDB_val k = {n, (void *) id}, v;
    int rc = mdb_get (txn, dbk_svc_dbi (ctx, db), &k, &v);
    if (rc == MDB_NOTFOUND)
        return DBK_ENOTFOUND;
    if (rc)
        return dbk_lmdb_err (rc);
    /*  a row that does not parse fails its checks: no I/O failed */
    rc = dbk_doc_parse (v.mv_data, v.mv_size, doc_p);
    return rc == 0 || rc == DBK_ENOMEM ? rc : DBK_ECORRUPT;
}

/*  The stored state an event folds into, as the projection sees it
    (rc from contacts_model_account / contact): one that does not fold
    back is the malformed input it came from, and the event is skipped
    (dbk_service.h), as any other it cannot apply; found or not, 0. */
static int s_stored (int rc)
{
    return rc == DBK_ENOTFOUND ? 0 : rc == DBK_ECORRUPT ? DBK_EMALFORMED : rc;
}

int contacts_model_account (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id, size_t n,
                            contacts_account_t *st)
{
    dbk_doc_t *doc = NULL;
    int rc = s_get (ctx, txn, CONTACTS_DB_ACCOUNTS, id, n, &doc);
    if (rc)
        return rc;
    const dbk_obj_t *m = dbk_doc_root (doc);
    rc = s_read_strs (m, st, s_account_strs, NSTR (s_account_strs));
    st->status = CONTACTS_ACCOUNT_ACTIVE;
    for (int i = 0; i < 4; i++)
        if (dbk_obj_str_eq (dbk_obj_get (m, "status"), s_account_status[i]))
            st->status = (contacts_account_status_t) i;
    uint64_t u = 0;
    dbk_obj_u64 (dbk_obj_get (m, "absorbed"), &u);
    st->absorbed = u;
    dbk_doc_destroy (&doc);
    return rc;
}

int contacts_model_contact (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id, size_t n,
                            contacts_contact_t *st)
{
    dbk_doc_t *doc = NULL;
    int rc = s_get (ctx, txn, CONTACTS_DB_CONTACTS, id, n, &doc);
    if (rc)
        return rc;
    const dbk_obj_t *m = dbk_doc_root (doc);
    rc = s_read_strs (m, st, s_contact_strs, NSTR (s_contact_strs));
    st->status = CONTACTS_CONTACT_ACTIVE;
    uint64_t u = 0;
    if (dbk_obj_u64 (dbk_obj_get (m, "influence"), &u) == 0)
        st->influence = (int) u;
    u = 0;
    dbk_obj_u64 (dbk_obj_get (m, "moves"), &u);
    st->moves = u;
    u = 0;
    dbk_obj_u64 (dbk_obj_get (m, "trip_count"), &u);
    st->trips = u;
    dbk_doc_destroy (&doc);
    return rc;
}

/*  normalized|id: the normalised name holds only letters, digits and
    marks, so "|" cannot occur in it and a prefix scan stops cleanly. */
static size_t s_name_key (char *out, size_t outsz, const char *norm, const char *id)
{
    int k = snprintf (out, outsz, "%s|%s", norm, id ? id : "");
    return k < 0 || (size_t) k >= outsz ? 0 : (size_t) k;
}

const char contacts_account_by_tags[3] = {'t', 'r', 'c'};

size_t contacts_model_by_key (char *out, size_t outsz, char tag, const char *value, size_t vn,
                              const char *norm, const char *id)
{
    char *v = vn ? contacts_normalize_name_with (value, vn, NULL) : NULL;
    int k = v ? snprintf (out, outsz, "%c%s%c%s%s%s", tag, v, 0, norm ? norm : "", id ? "|" : "",
                          id ? id : "")
              : -1;
    free (v);
    return k < 0 || (size_t) k >= outsz ? 0 : (size_t) k;
}

size_t contacts_model_name_key (char *out, size_t outsz, const char *norm, const char *id)
{
    return s_name_key (out, outsz, norm, id);
}

bool contacts_model_name_owner (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *db, const char *norm,
                                const char *except, char *out, size_t outsz)
{
    char key[1024];
    size_t kl = s_name_key (key, sizeof key, norm, NULL);
    MDB_cursor *cur;
    if (kl == 0 || mdb_cursor_open (txn, dbk_svc_dbi (ctx, db), &cur))
        return false;
    MDB_val k = {kl, key}, v;
    bool found = false;
    for (int rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE); rc == 0 && !found;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size < kl || memcmp (k.mv_data, key, kl) != 0)
            break;
        const char *id = (const char *) k.mv_data + kl;
        size_t n = k.mv_size - kl;
        if (except && strlen (except) == n && memcmp (except, id, n) == 0)
            continue;
        snprintf (out, outsz, "%.*s", (int) n, id);
        found = true;
    }
    mdb_cursor_close (cur);
    return found;
}

static int s_put (MDB_txn *txn, MDB_dbi dbi, const void *k, size_t kl, const void *v, size_t vl)
{
    MDB_val key = {kl, (void *) k}, val = {vl, (void *) v};
    return dbk_lmdb_err (mdb_put (txn, dbi, &key, &val, 0));
}

/*  Store an aggregate's state, encoded by `write`, under its id (which the
    state takes as its own id if it has none yet). */
static int s_put_state (MDB_txn *txn, MDB_dbi dbi, const char *id, char **state_id,
                        void (*write) (dbk_wr_t *, void *), void *state)
{
    if (!*state_id)
        *state_id = strdup (id);
    dbk_wr_t *w = dbk_wr_new ();
    int rc = DBK_ENOMEM;
    if (w && *state_id) {
        write (w, state);
        rc = s_put (txn, dbi, id, strlen (id), dbk_wr_data (w), dbk_wr_size (w));
    }
    dbk_wr_destroy (&w);
    return rc;
}

static int s_del (MDB_txn *txn, MDB_dbi dbi, const void *k, size_t kl)
{
    MDB_val key = {kl, (void *) k};
    int rc = mdb_del (txn, dbi, &key, NULL);
    return rc == MDB_NOTFOUND ? 0 : dbk_lmdb_err (rc);
}

/*  The id of an event's aggregate: its stream name after the category. */
static void s_stream_id (const dbk_event_t *ev, size_t cat, char *out, size_t outsz)
{
    snprintf (out, outsz, "%.*s", (int) (ev->stream_len - cat - 1), ev->stream + cat + 1);
}

/*  The index rows of an account: its name (account_names) and its type,
    region and city (account_by). Merged accounts have none: they are found
    by id only. */
#define S_ACCOUNT_KEYS 4
typedef struct {
    char key[S_ACCOUNT_KEYS][CONTACTS_KEY_MAX];
    size_t len[S_ACCOUNT_KEYS];
} s_account_keys_t;

static void s_account_keys (const contacts_account_t *st, const char *id, s_account_keys_t *out)
{
    memset (out->len, 0, sizeof out->len);
    if (st->status == CONTACTS_ACCOUNT_NONE || st->status == CONTACTS_ACCOUNT_MERGED ||
        !st->normalized_name)
        return;
    out->len[0] = s_name_key (out->key[0], CONTACTS_KEY_MAX, st->normalized_name, id);
    const char *vals[3] = {st->type, st->region, st->city};
    for (int i = 0; i < 3; i++)
        out->len[i + 1] = contacts_model_by_key (
            out->key[i + 1], CONTACTS_KEY_MAX, contacts_account_by_tags[i], vals[i],
            vals[i] ? strlen (vals[i]) : 0, st->normalized_name, id);
}

static int s_project_account (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *type,
                              const dbk_obj_t *data, const char *id)
{
    contacts_account_t st;
    contacts_account_init (&st);
    int rc = s_stored (contacts_model_account (ctx, txn, id, strlen (id), &st));
    if (rc) {
        contacts_account_reset (&st);
        return rc;
    }
    s_account_keys_t *before = malloc (2 * sizeof *before), *after = before + 1;
    if (!before) {
        contacts_account_reset (&st);
        return DBK_ENOMEM;
    }
    s_account_keys (&st, id, before);
    MDB_dbi dbs[S_ACCOUNT_KEYS] = {
        dbk_svc_dbi (ctx, CONTACTS_DB_NAMES), dbk_svc_dbi (ctx, CONTACTS_DB_ACCOUNT_BY),
        dbk_svc_dbi (ctx, CONTACTS_DB_ACCOUNT_BY), dbk_svc_dbi (ctx, CONTACTS_DB_ACCOUNT_BY)};
    /*  decide first, write after: an event evolve refuses changes nothing */
    rc = contacts_account_evolve (&st, type, data);
    if (rc == 0 && st.status != CONTACTS_ACCOUNT_NONE)
        rc = s_put_state (txn, dbk_svc_dbi (ctx, CONTACTS_DB_ACCOUNTS), id, &st.id, s_write_account,
                          &st);
    /*  the old index rows go, the new ones come */
    if (rc == 0)
        s_account_keys (&st, id, after);
    for (int i = 0; rc == 0 && i < S_ACCOUNT_KEYS; i++)
        if (before->len[i])
            rc = s_del (txn, dbs[i], before->key[i], before->len[i]);
    for (int i = 0; rc == 0 && i < S_ACCOUNT_KEYS; i++)
        if (after->len[i])
            rc = s_put (txn, dbs[i], after->key[i], after->len[i], "", 0);
    free (before);
    contacts_account_reset (&st);
    return rc;
}

int contacts_model_trip_class (const char *from, const char *to)
{
    long f = contacts_days (atoi (from), atoi (from + 5), atoi (from + 8));
    long t = contacts_days (atoi (to), atoi (to + 5), atoi (to + 8));
    long len = t - f + 1;
    int c = 0;
    while (c < CONTACTS_TRIP_CLASSES - 1 && (1L << c) < len)
        c++;
    return c;
}

size_t contacts_model_city_key (char *out, size_t outsz, const char *city, size_t n)
{
    char *f = contacts_normalize_name_with (city, n, NULL);
    int k = f ? snprintf (out, outsz, "%s", f) : snprintf (out, outsz, "%.*s", (int) n, city);
    free (f);
    return k <= 0 || (size_t) k >= outsz || memchr (out, 0, (size_t) k) ? 0 : (size_t) k;
}

size_t contacts_model_contact_name_key (char *out, size_t outsz, const char *name, const char *id)
{
    char *norm = name ? contacts_normalize_name_with (name, strlen (name), NULL) : NULL;
    size_t k = norm ? s_name_key (out, outsz, norm, id) : 0;
    free (norm);
    return k;
}

/*  contact NUL account key of the account_people index. */
static size_t s_people_key (char *out, size_t outsz, const char *account, const char *contact)
{
    size_t a = strlen (account), c = strlen (contact);
    if (a + c + 1 > outsz)
        return 0;
    memcpy (out, account, a);
    out[a] = 0;
    memcpy (out + a + 1, contact, c);
    return a + 1 + c;
}

static int s_project_trip (dbk_svc_ctx_t *ctx, const dbk_obj_t *data, const char *id)
{
    uint64_t trip;
    const char *city, *f, *t;
    size_t cl, fl, tl;
    if (dbk_obj_u64 (dbk_obj_get (data, "trip"), &trip) || trip > UINT32_MAX ||
        dbk_obj_str (dbk_obj_get (data, "city"), &city, &cl) ||
        dbk_obj_str (dbk_obj_get (data, "from"), &f, &fl) ||
        dbk_obj_str (dbk_obj_get (data, "to"), &t, &tl))
        return DBK_EMALFORMED;
    /*  anyone may append to the log: the dates are checked here again,
        and copied out of the payload (its strings are not NUL-ended) */
    char from[11], to[11];
    if (fl != 10 || tl != 10 || !contacts_date_valid (f, fl, false) ||
        !contacts_date_valid (t, tl, false) || memcmp (f, t, 10) > 0)
        return DBK_EMALFORMED;
    memcpy (from, f, 10);
    memcpy (to, t, 10);
    from[10] = to[10] = 0;
    size_t il = strlen (id);
    uint8_t be[4] = {(uint8_t) (trip >> 24), (uint8_t) (trip >> 16), (uint8_t) (trip >> 8),
                     (uint8_t) trip};
    char key[CONTACTS_KEY_MAX], folded[CONTACTS_FOLD_MAX];
    cl = contacts_model_city_key (folded, sizeof folded, city, cl);
    /*  the notebook key: city NUL class from NUL id NUL be32. A city that
        folds too long for it (TRIP_ADD refuses those; an older or a
        hand-appended event may hold one) leaves the trip out of the
        notebook only: it is kept and counted, so trip numbers stay unique */
    bool notebook = cl > 0 && cl + 2 + 10 + 1 + il + 1 + 4 <= sizeof key;
    /*  trips, notebook, account_people and contact_names: the projection
        never reads them, so their rows are written in key order with the
        batch's others (dbk_svc_put_later) */
    memcpy (key, id, il);
    key[il] = 0;
    memcpy (key + il + 1, be, 4);
    /*  the row is the event's payload, as the log holds it */
    size_t rawl;
    const void *raw = dbk_svc_data_raw (ctx, &rawl);
    if (!raw)
        return DBK_EMALFORMED;
    int rc = dbk_svc_put_later (ctx, dbk_svc_dbi (ctx, CONTACTS_DB_TRIPS), key, il + 5, raw, rawl);
    /*  keyed by the trip's length class c (its length L days in
        (2^(c-1), 2^c]) then its first day: a query for [F, T] reads, in
        each class, the first days from F - 2^c + 1 to T: only trips that
        can overlap, however long other trips are (contacts_model.h) */
    if (!notebook)
        return rc;
    size_t k = 0;
    char cls = (char) contacts_model_trip_class (from, to);
    memcpy (key + k, folded, cl), k += cl, key[k++] = 0;
    key[k++] = cls;
    memcpy (key + k, from, 10), k += 10, key[k++] = 0;
    memcpy (key + k, id, il), k += il, key[k++] = 0;
    memcpy (key + k, be, 4), k += 4;
    if (rc == 0)
        rc = dbk_svc_put_later (ctx, dbk_svc_dbi (ctx, CONTACTS_DB_NOTEBOOK), key, k, to, 10);
    return rc;
}

/*  contact.trip_added, the quick way: half the events of a busy log are
    trips, and for each the contact's state row was parsed, folded and
    encoded again only to count one more trip. Its trip_count is the row's
    last pair (s_write_contact), so the row is copied up to that value and
    the new count written after it; the trip's own rows as usual. The same
    outcome as the fold: no row, nothing; a trip it cannot index, skipped.
    *done false: the row is not in that shape, the caller folds. */
static int s_project_trip_quick (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *data,
                                 const char *id, bool *done)
{
    *done = false;
    MDB_dbi dbi = dbk_svc_dbi (ctx, CONTACTS_DB_CONTACTS);
    size_t il = strlen (id);
    MDB_val k = {il, (void *) id}, v;
    int rc = mdb_get (txn, dbi, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *done = true; /* a trip of no known contact changes nothing */
        return 0;
    }
    if (rc)
        return dbk_lmdb_err (rc);
    dbk_cur_t c;
    uint32_t pairs;
    dbk_cur_init (&c, v.mv_data, v.mv_size);
    if (dbk_cur_map (&c, &pairs) || pairs == 0)
        return 0;
    for (uint32_t i = 0; i + 1 < pairs; i++)
        if (dbk_cur_skip (&c) || dbk_cur_skip (&c))
            return 0;
    const char *key;
    uint32_t kn;
    uint64_t count;
    if (dbk_cur_str (&c, &key, &kn) || kn != 10 || memcmp (key, "trip_count", 10) != 0)
        return 0;
    size_t head = (size_t) (c.p - (const uint8_t *) v.mv_data);
    if (dbk_cur_uint (&c, &count) || c.p != c.end || count == UINT64_MAX)
        return 0;
    *done = true;
    /*  the row is copied before anything is written: a write in this
        transaction may move the page v points into */
    dbk_wr_t *w = dbk_wr_new ();
    if (!w)
        return DBK_ENOMEM;
    dbk_wr_raw (w, v.mv_data, head);
    dbk_wr_u64 (w, count + 1);
    rc = s_project_trip (ctx, data, id);
    if (rc == 0)
        rc = s_put (txn, dbi, id, il, dbk_wr_data (w), dbk_wr_size (w));
    dbk_wr_destroy (&w);
    return rc;
}

static int s_project_contact (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *type,
                              const dbk_obj_t *data, const char *id)
{
    if (strcmp (type, "contact.trip_added") == 0) {
        bool done;
        int rc = s_project_trip_quick (ctx, txn, data, id, &done);
        if (done || rc)
            return rc;
    }
    contacts_contact_t st;
    contacts_contact_init (&st);
    int rc = s_stored (contacts_model_contact (ctx, txn, id, strlen (id), &st));
    if (rc) {
        contacts_contact_reset (&st);
        return rc;
    }
    char *old_account = st.account_id ? strdup (st.account_id) : NULL;
    char *old_birthday = st.birthday ? strdup (st.birthday) : NULL;
    char old_name[CONTACTS_KEY_MAX], new_name[CONTACTS_KEY_MAX];
    /*  only these change a name (folding one costs utf8proc's work) */
    bool naming = strcmp (type, "contact.added") == 0 || strcmp (type, "contact.updated") == 0;
    size_t old_nl =
        naming ? contacts_model_contact_name_key (old_name, sizeof old_name, st.name, id) : 0;
    bool added = st.status == CONTACTS_CONTACT_NONE;
    rc = contacts_contact_evolve (&st, type, data);
    /*  the trip's rows and the relationship's first: each checks its
        payload before writing, so one it refuses changes nothing */
    if (rc == 0 && st.status != CONTACTS_CONTACT_NONE && strcmp (type, "contact.trip_added") == 0)
        rc = s_project_trip (ctx, data, id);
    if (rc == 0 && st.status != CONTACTS_CONTACT_NONE &&
        strcmp (type, "contact.relationship_set") == 0)
        rc = contacts_map_project (ctx, txn, data, id);
    if (rc == 0 && st.status != CONTACTS_CONTACT_NONE) {
        rc = s_put_state (txn, dbk_svc_dbi (ctx, CONTACTS_DB_CONTACTS), id, &st.id, s_write_contact,
                          &st);
        MDB_dbi people = dbk_svc_dbi (ctx, CONTACTS_DB_PEOPLE);
        char key[256];
        size_t kl;
        if (rc == 0 && old_account && (!st.account_id || strcmp (old_account, st.account_id)) &&
            (kl = s_people_key (key, sizeof key, old_account, id)))
            rc = dbk_svc_del_later (ctx, people, key, kl);
        /*  a put of an unchanged row still dirties its page: only on a change */
        bool moved = !old_account || !st.account_id || strcmp (old_account, st.account_id) != 0;
        if (rc == 0 && moved && st.account_id &&
            (kl = s_people_key (key, sizeof key, st.account_id, id)))
            rc = dbk_svc_put_later (ctx, people, key, kl, "", 0);
        if (rc == 0)
            rc = contacts_market_contact (ctx, txn, added, old_birthday, &st);
        size_t new_nl =
            naming ? contacts_model_contact_name_key (new_name, sizeof new_name, st.name, id) : 0;
        MDB_dbi names = dbk_svc_dbi (ctx, CONTACTS_DB_CONTACT_NAMES);
        if (rc == 0 && naming && (old_nl != new_nl || memcmp (old_name, new_name, old_nl))) {
            if (old_nl)
                rc = dbk_svc_del_later (ctx, names, old_name, old_nl);
            if (rc == 0 && new_nl)
                rc = dbk_svc_put_later (ctx, names, new_name, new_nl, "", 0);
        }
    }
    free (old_birthday);
    free (old_account);
    contacts_contact_reset (&st);
    return rc;
}

/*  Whether an activity.logged of activity id was applied: its row
    (contacts_known_activity). */
typedef struct {
    dbk_svc_ctx_t *ctx;
    MDB_txn *txn;
} s_logged_t;

static bool s_logged (void *arg, const char *id, size_t n)
{
    s_logged_t *l = arg;
    MDB_val k = {n, (void *) id}, v;
    return mdb_get (l->txn, dbk_svc_dbi (l->ctx, CONTACTS_DB_ACTIVITIES), &k, &v) == 0;
}

int contacts_model_project (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev)
{
    size_t cat = dbk_svc_category_len (ev->stream, ev->stream_len);
    bool account = cat == 7 && memcmp (ev->stream, "account", 7) == 0;
    bool contact = cat == 7 && memcmp (ev->stream, "contact", 7) == 0;
    bool competitor = cat == 10 && memcmp (ev->stream, "competitor", 10) == 0;
    bool activity = cat == 8 && memcmp (ev->stream, "activity", 8) == 0;
    if ((!account && !contact && !competitor && !activity) ||
        ev->stream_len - cat - 1 > CONTACTS_ID_MAX)
        return 0;
    const dbk_obj_t *data = dbk_svc_data (ctx, ev);
    if (!data)
        return 0; /* a corrupt payload: the log's checks would have caught it */
    /*  only this service decides these events, but anyone may append to
        the log (dealbook log append): one lacking a field its type must
        have, holding one of the wrong type, or of another aggregate than
        its stream's is DBK_EMALFORMED, having written nothing, and the
        shell skips it (dbk_service.h) rather than stopping the read model
        for every later event. The rule is the one every other service's
        reference table follows (contacts_known.h), so that none of them
        knows an account, a contact or a competitor this service does not */
    int rc = contacts_known_belongs (ev, data);
    if (rc < 0)
        return rc;
    if (rc == 0 && !activity)
        return 0; /* a type this service does not fold: nothing to write */
    /*  the evolve functions below decide the rest, but a trip goes the
        quick way (s_project_trip_quick), which evolves nothing: judged
        here as the rule judges it, the fold of a trip into a scratch
        contact being only a count */
    contacts_known_t trip;
    if (rc > 0 && contact && ev->type_len == 18 &&
        memcmp (ev->type, "contact.trip_added", 18) == 0 &&
        (rc = contacts_known_read (ev, data, &trip)) != 0)
        return rc;
    /*  an activity by the rule the opportunities service's notebook
        follows too: one logged already, or on another stream, is ignored */
    contacts_known_activity_t act = {0};
    if (activity &&
        (rc = contacts_known_activity (ev, data, s_logged, &(s_logged_t){ctx, txn}, false, &act)))
        return rc;
    if (activity && !act.id)
        return 0;
    char id[CONTACTS_ID_MAX + 1], type[DBK_TYPE_MAX + 1];
    s_stream_id (ev, cat, id, sizeof id);
    snprintf (type, sizeof type, "%.*s", (int) ev->type_len, ev->type);
    /*  what the rule leaves to this service alone (a trip's dates, a
        relationship's payload) is DBK_EMALFORMED too */
    return account   ? s_project_account (ctx, txn, type, data, id)
           : contact ? s_project_contact (ctx, txn, type, data, id)
                     : contacts_market_project (ctx, txn, competitor ? "competitor" : "activity",
                                                type, data, id);
}
