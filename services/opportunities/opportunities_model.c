/*  opportunities_model.c - the opportunities read model (see the header):
    events per opportunity, summary rows, pipeline indexes, and the
    accounts, contacts and competitors known from the contacts service. */
#include "opportunities_model.h"

#include "contacts_decider.h"
#include "contacts_fields.h"
#include "contacts_known.h"
#include "opportunities_known.h"

#include "dealbook/dbk_config.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const opportunities_model_dbs[] = {
    OPP_DB_EVENTS, OPP_DB_ROWS, OPP_DB_BY, OPP_DB_TOUCHED, OPP_DB_MATCH, OPP_DB_REFS, NULL};

static const char *const s_status[] = {"none", "open", "won", "lost", "abandoned", "duplicate"};

const char *opportunities_model_status (opp_status_t s)
{
    return (unsigned) s < sizeof s_status / sizeof s_status[0] ? s_status[s] : "none";
}

static int s_put (MDB_txn *txn, MDB_dbi dbi, const void *k, size_t kl, const void *v, size_t vl)
{
    MDB_val key = {kl, (void *) k}, val = {vl, (void *) v};
    return dbk_lmdb_err (mdb_put (txn, dbi, &key, &val, 0));
}

/*  The last folds of this thread, by a hash of the text: owners, teams,
    regions and cities repeat from one opportunity to the next, and the
    fold (utf8proc) is the costliest part of an index key. Per thread: the
    projection and queries run on the loop's thread, as-of replays on the
    worker's. */
#define S_FOLD_SLOTS 256
#define S_FOLD_IN 48  /* texts shorter than this are remembered ... */
#define S_FOLD_OUT 96 /* ... when their fold is shorter than this   */

typedef struct {
    uint8_t inl, outl; /* inl 0: an empty slot */
    char in[S_FOLD_IN];
    char out[S_FOLD_OUT];
} s_fold_slot_t;

static _Thread_local s_fold_slot_t s_folds[S_FOLD_SLOTS]; /* 37 KB a thread */

/*  Text folded into out (NUL-terminated) as the contacts service folds
    names (case, width, punctuation), or as given when it folds to
    nothing (or memory runs out). Its length, or SIZE_MAX when s is NULL
    or the fold does not fit outsz. */
static size_t s_fold (const char *s, char *out, size_t outsz)
{
    if (!s)
        return SIZE_MAX;
    size_t n = strlen (s);
    s_fold_slot_t *slot = NULL;
    if (n > 0 && n < S_FOLD_IN) {
        uint32_t h = 2166136261u; /* FNV-1a */
        for (size_t i = 0; i < n; i++)
            h = (h ^ (uint8_t) s[i]) * 16777619u;
        slot = &s_folds[h % S_FOLD_SLOTS];
        if (slot->inl == n && memcmp (slot->in, s, n) == 0) {
            if (slot->outl >= outsz)
                return SIZE_MAX;
            memcpy (out, slot->out, slot->outl + 1u);
            return slot->outl;
        }
    }
    char *f = contacts_normalize_name_with (s, n, NULL);
    const char *r = f ? f : s;
    size_t rl = strlen (r);
    if (rl < outsz)
        memcpy (out, r, rl + 1);
    if (slot && f && rl < S_FOLD_OUT) { /* NULL may be a lack of memory: not kept */
        slot->inl = (uint8_t) n;
        memcpy (slot->in, s, n);
        slot->outl = (uint8_t) rl;
        memcpy (slot->out, r, rl + 1);
    }
    free (f);
    return rl < outsz ? rl : SIZE_MAX;
}

/*  Parts joined by NUL into out (a NULL part ends the list early). */
static size_t s_join (char *out, size_t outsz, const char *const *parts, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n && parts[i]; i++) {
        size_t pl = strlen (parts[i]);
        if (len + pl + 1 > outsz)
            return 0;
        if (i)
            out[len++] = 0;
        memcpy (out + len, parts[i], pl);
        len += pl;
    }
    return len;
}

size_t opportunities_model_by_key (char *out, size_t outsz, char tag, const char *value,
                                   const char *close_date, const char *id)
{
    char folded[OPP_KEY_MAX];
    const char *val = value ? value : "";
    size_t vl;
    if (tag == 'o' || tag == 't' || tag == 'r') {
        if ((vl = s_fold (value, folded, sizeof folded)) == SIZE_MAX)
            return 0;
        val = folded;
    } else
        vl = strlen (val);
    size_t cl = close_date ? strlen (close_date) : 0, il = id ? strlen (id) : 0;
    /*  tag value NUL [close NUL id]: without a close date, the prefix */
    size_t need = 1 + vl + 1 + (close_date ? cl + 1 + il : 0);
    if (need > outsz)
        return 0;
    size_t k = 0;
    out[k++] = tag;
    memcpy (out + k, val, vl), k += vl;
    out[k++] = 0;
    if (close_date) {
        memcpy (out + k, close_date, cl), k += cl;
        out[k++] = 0;
        memcpy (out + k, id, il), k += il;
    }
    return k;
}

/*  ---- loading a state ---- */

int opportunities_model_load (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id, int64_t before_ms,
                              opp_state_t *st)
{
    size_t il = strlen (id);
    if (il == 0 || il > OPP_ID_MAX)
        return 0;
    char key[OPP_ID_MAX + 2];
    memcpy (key, id, il + 1);
    MDB_cursor *cur;
    if (mdb_cursor_open (txn, dbk_svc_dbi (ctx, OPP_DB_EVENTS), &cur))
        return DBK_EIO;
    MDB_val k = {il + 1, key}, v;
    int rc = 0;
    for (int r = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
         r == 0 && rc == 0 && k.mv_size == il + 5 && memcmp (k.mv_data, key, il + 1) == 0;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        dbk_doc_t *doc = NULL;
        /*  a stored event that does not parse fails its checks
            (DBK_ECORRUPT): no I/O failed */
        if ((rc = dbk_doc_parse (v.mv_data, v.mv_size, &doc))) {
            rc = rc == DBK_ENOMEM ? rc : DBK_ECORRUPT;
            break;
        }
        const dbk_obj_t *a = dbk_doc_root (doc);
        const char *type;
        size_t tn;
        int64_t at = 0, ts = 0;
        char t[DBK_TYPE_MAX + 1];
        if (dbk_obj_len (a) != 4 || dbk_obj_str (dbk_obj_at (a, 0), &type, &tn) ||
            tn > DBK_TYPE_MAX || dbk_obj_i64 (dbk_obj_at (a, 1), &at) ||
            dbk_obj_i64 (dbk_obj_at (a, 2), &ts))
            rc = DBK_ECORRUPT;
        else if (at < before_ms) {
            memcpy (t, type, tn);
            t[tn] = 0;
            /*  stored only after evolve accepted it: cannot fail but for memory */
            rc = opp_evolve (st, t, dbk_obj_at (a, 3), ts);
        }
        dbk_doc_destroy (&doc);
    }
    mdb_cursor_close (cur);
    return rc;
}

/*  ---- references ---- */

opp_ref_t opportunities_model_ref (dbk_svc_ctx_t *ctx, MDB_txn *txn, char kind, const char *id,
                                   size_t n)
{
    char key[OPP_ID_MAX + 2];
    if (n == 0 || n > OPP_ID_MAX)
        return OPP_REF_MISSING;
    key[0] = kind;
    memcpy (key + 1, id, n);
    MDB_val k = {n + 1, key}, v;
    if (mdb_get (txn, dbk_svc_dbi (ctx, OPP_DB_REFS), &k, &v) || v.mv_size < 1)
        return OPP_REF_MISSING;
    return *(const char *) v.mv_data == 'A' ? OPP_REF_ACTIVE : OPP_REF_CLOSED;
}

size_t opportunities_model_ref_name (dbk_svc_ctx_t *ctx, MDB_txn *txn, char kind, const char *id,
                                     char *out, size_t outsz)
{
    char key[OPP_ID_MAX + 2];
    size_t n = id ? strlen (id) : 0;
    out[0] = 0;
    if (n == 0 || n > OPP_ID_MAX || outsz == 0)
        return 0;
    key[0] = kind;
    memcpy (key + 1, id, n);
    MDB_val k = {n + 1, key}, v;
    if (mdb_get (txn, dbk_svc_dbi (ctx, OPP_DB_REFS), &k, &v) || v.mv_size < 1)
        return 0;
    size_t l = v.mv_size - 1 < outsz - 1 ? v.mv_size - 1 : outsz - 1;
    memcpy (out, (const char *) v.mv_data + 1, l);
    out[l] = 0;
    return l;
}

/*  A reference is named by a contacts id, which fits ours. */
_Static_assert(CONTACTS_ID_MAX == OPP_ID_MAX, "a reference's id is a contacts id");

/*  account.registered / updated / archived / merged, contact.added /
    updated, competitor.added / updated: what a command of ours may
    reference, with its name for display, as the contacts service knows
    it (contacts_known.h: an event it skips is skipped here). Key: the
    kind's tag ('a', 'c', 'k'), the id; value: 'A' (active) or 'C'
    (closed), then the name. */
static int s_project_ref (dbk_svc_ctx_t *ctx, MDB_txn *txn, const contacts_known_t *ref)
{
    char key[OPP_ID_MAX + 2], val[CONTACTS_NAME_MAX + 2];
    size_t il = ref->id_len;
    key[0] = (char) ref->kind;
    memcpy (key + 1, ref->id, il);
    MDB_dbi dbi = dbk_svc_dbi (ctx, OPP_DB_REFS);
    MDB_val k = {il + 1, key}, old;
    size_t vl = 0;
    if (mdb_get (txn, dbi, &k, &old) == 0 && old.mv_size >= 1 && old.mv_size <= sizeof val) {
        memcpy (val, old.mv_data, old.mv_size);
        vl = old.mv_size;
    } else if (ref->change == CONTACTS_KNOWN_KEEP)
        return 0; /* a change of something we never saw registered */
    if (ref->change != CONTACTS_KNOWN_KEEP)
        val[0] = ref->change == CONTACTS_KNOWN_OPEN ? 'A' : 'C';
    if (ref->into && ref->into_len <= OPP_ID_MAX) {
        /*  'M' survivor NUL merged -> "": the accounts merged into one, whose
            open deals a registration under the survivor may repeat */
        char mk[2 * OPP_ID_MAX + 3];
        mk[0] = 'M';
        memcpy (mk + 1, ref->into, ref->into_len);
        mk[ref->into_len + 1] = 0;
        memcpy (mk + ref->into_len + 2, ref->id, il);
        int rc = s_put (txn, dbi, mk, ref->into_len + 2 + il, "", 0);
        if (rc)
            return rc;
    }
    if (ref->named) {
        /*  a longer name (appended by hand) is cut at a character */
        size_t nl = ref->name_len;
        if (nl > CONTACTS_NAME_MAX) {
            nl = CONTACTS_NAME_MAX;
            while (nl && ((unsigned char) ref->name[nl] & 0xC0) == 0x80)
                nl--;
        }
        memcpy (val + 1, ref->name, nl);
        vl = nl + 1;
    }
    return s_put (txn, dbi, key, il + 1, val, vl ? vl : 1);
}

/*  ---- the rows and indexes of a state ---- */

static const char *s_level_code (int level)
{
    static const char *const codes[] = {"", "L1", "L2", "L3", "L4", "L5"};
    return level >= 1 && level <= 5 ? codes[level] : "";
}

void opportunities_model_row (dbk_wr_t *w, const opp_state_t *st, const opp_config_t *cfg,
                              uint32_t extra)
{
    const char *keys[] = {"id",       "name",      "account_id",    "owner",
                          "team",     "region",    "site_city",     "stage",
                          "category", "currency",  "close_date",    "registered_on",
                          "touched",  "next_step", "next_step_due", "conflict_with"};
    /*  conflict_with: the oldest open conflict, as before a deal kept
        them all; in_conflict_with: every one */
    const char *first = st->nconflicts ? st->conflicts[0].id : NULL;
    const char *vals[] = {st->id,       st->name,      st->account_id,    st->owner,
                          st->team,     st->region,    st->site_city,     st->stage,
                          st->category, st->currency,  st->close_date,    st->registered_on,
                          st->touched,  st->next_step, st->next_step_due, first};
    size_t n = sizeof keys / sizeof keys[0], set = 0;
    for (size_t i = 0; i < n; i++)
        set += vals[i] != NULL;
    int prob = opp_probability (st, cfg);
    dbk_wr_map (w, (uint32_t) (set + 5 + (st->nconflicts > 0)) + extra);
    for (size_t i = 0; i < n; i++)
        if (vals[i])
            dbk_wr_kv_cstr (w, keys[i], vals[i]);
    if (st->nconflicts) {
        dbk_wr_cstr (w, "in_conflict_with");
        dbk_wr_array (w, (uint32_t) st->nconflicts);
        for (size_t i = 0; i < st->nconflicts; i++)
            dbk_wr_cstr (w, st->conflicts[i].id);
    }
    dbk_wr_kv_cstr (w, "status", opportunities_model_status (st->status));
    dbk_wr_kv_cstr (w, "level", s_level_code (st->level));
    dbk_wr_kv_u64 (w, "probability", (uint64_t) prob);
    dbk_wr_kv_i64 (w, "amount", st->amount);
    /*  integer minor units: rounded half away from zero (dbk_weighted,
        as the forecasting service weighs it, exact for any amount the
        log may hold: the product is taken in 128 bits). A won deal weighs
        what it was won for (as the forecasting service counts it), when
        won in the deal's currency; the estimate in another */
    bool won = st->status == OPP_WON &&
               (!st->won_currency || !st->currency || !strcmp (st->won_currency, st->currency));
    dbk_wr_kv_i64 (w, "weighted", won ? st->won_amount : dbk_weighted (st->amount, prob));
}

#define S_KEYS 12

/*  The decision of a deal's latest qualification when it is hold or
    drop (the red flags qualification_hold / _drop), else NULL. */
static const char *s_not_pursued (const opp_state_t *st)
{
    const char *q = st->decision;
    return q && (!strcmp (q, "hold") || !strcmp (q, "drop")) ? q : NULL;
}

typedef struct {
    char by[S_KEYS][OPP_KEY_MAX]; /* opp_by keys    */
    size_t bl[S_KEYS];
    size_t nby;
    char touched[OPP_KEY_MAX]; /* opp_touched key, open only */
    size_t tl;
    char match[2][OPP_KEY_MAX]; /* opp_match keys, open only */
    size_t ml[2];
} s_keys_t;

static void s_keys (const opp_state_t *st, s_keys_t *k)
{
    memset (k->bl, 0, sizeof k->bl);
    k->nby = k->tl = k->ml[0] = k->ml[1] = 0;
    if (st->status == OPP_NONE || !st->id)
        return;
    const char *close = st->close_date ? st->close_date : "";
    struct {
        char tag;
        const char *value;
    } by[] = {{'o', st->owner},
              {'t', st->team},
              {'r', st->region},
              {'l', s_level_code (st->level)},
              {'s', st->stage},
              {'c', st->category},
              {'a', st->account_id},
              {'x', opportunities_model_status (st->status)},
              {'*', ""},
              {'w', st->status == OPP_OPEN && !st->next_step ? "" : NULL},
              {'k', st->status == OPP_OPEN && st->nconflicts ? "" : NULL},
              {'q', st->status == OPP_OPEN ? s_not_pursued (st) : NULL}};
    for (size_t i = 0; i < sizeof by / sizeof by[0]; i++)
        if (by[i].value && (k->bl[k->nby] = opportunities_model_by_key (
                                k->by[k->nby], OPP_KEY_MAX, by[i].tag, by[i].value, close, st->id)))
            k->nby++;
    if (st->status != OPP_OPEN)
        return;
    const char *tp[] = {st->touched ? st->touched : "", st->id};
    k->tl = s_join (k->touched, OPP_KEY_MAX, tp, 2);
    if (st->account_id && st->normalized_name) {
        const char *np[] = {st->account_id, st->normalized_name, st->id};
        k->match[0][0] = 'n';
        size_t l = s_join (k->match[0] + 1, OPP_KEY_MAX - 1, np, 3);
        k->ml[0] = l ? l + 1 : 0;
    }
    if (st->site_city && st->site_address) {
        char c[OPP_KEY_MAX], a[OPP_KEY_MAX];
        const char *sp[] = {c, a, st->id};
        k->match[1][0] = 's';
        size_t l = s_fold (st->site_city, c, sizeof c) != SIZE_MAX &&
                           s_fold (st->site_address, a, sizeof a) != SIZE_MAX
                       ? s_join (k->match[1] + 1, OPP_KEY_MAX - 1, sp, 3)
                       : 0;
        k->ml[1] = l ? l + 1 : 0;
    }
}

static bool s_same (const char *a, size_t al, const char *b, size_t bl)
{
    return al == bl && memcmp (a, b, al) == 0;
}

/*  Forget, in both sets, every row present in both (length 0 = none). */
static void s_keys_drop_common (s_keys_t *a, s_keys_t *b)
{
    for (size_t i = 0; i < a->nby; i++)
        for (size_t j = 0; j < b->nby; j++)
            if (a->bl[i] && s_same (a->by[i], a->bl[i], b->by[j], b->bl[j]))
                a->bl[i] = b->bl[j] = 0;
    if (s_same (a->touched, a->tl, b->touched, b->tl))
        a->tl = b->tl = 0;
    for (int i = 0; i < 2; i++)
        if (s_same (a->match[i], a->ml[i], b->match[i], b->ml[i]))
            a->ml[i] = b->ml[i] = 0;
}

/*  One index row put or deleted, in key order with the batch's others:
    the projection never reads these three databases. */
static int s_index_row (dbk_svc_ctx_t *ctx, MDB_dbi dbi, const char *k, size_t kl, bool put)
{
    return put ? dbk_svc_put_later (ctx, dbi, k, kl, "", 0) : dbk_svc_del_later (ctx, dbi, k, kl);
}

static int s_index (dbk_svc_ctx_t *ctx, const s_keys_t *k, bool put)
{
    MDB_dbi by = dbk_svc_dbi (ctx, OPP_DB_BY), tdb = dbk_svc_dbi (ctx, OPP_DB_TOUCHED),
            mdb = dbk_svc_dbi (ctx, OPP_DB_MATCH);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < k->nby; i++)
        if (k->bl[i])
            rc = s_index_row (ctx, by, k->by[i], k->bl[i], put);
    if (rc == 0 && k->tl)
        rc = s_index_row (ctx, tdb, k->touched, k->tl, put);
    for (int i = 0; rc == 0 && i < 2; i++)
        if (k->ml[i])
            rc = s_index_row (ctx, mdb, k->match[i], k->ml[i], put);
    return rc;
}

/*  The accounts merged straight into `account` ('M' refs). */
static int s_absorbed (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *account,
                       char (*out)[OPP_ID_MAX + 1], size_t max, size_t *np)
{
    size_t al = account ? strlen (account) : 0, n = 0;
    *np = 0;
    if (al == 0 || al > OPP_ID_MAX)
        return 0;
    char key[OPP_ID_MAX + 2];
    key[0] = 'M';
    memcpy (key + 1, account, al);
    key[al + 1] = 0;
    MDB_cursor *cur;
    if (mdb_cursor_open (txn, dbk_svc_dbi (ctx, OPP_DB_REFS), &cur))
        return DBK_EIO;
    MDB_val k = {al + 2, key}, v;
    for (int r = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
         r == 0 && n < max && k.mv_size > al + 2 && memcmp (k.mv_data, key, al + 2) == 0;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        size_t ml = k.mv_size - al - 2;
        if (ml > OPP_ID_MAX)
            continue;
        memcpy (out[n], (const char *) k.mv_data + al + 2, ml);
        out[n++][ml] = 0;
    }
    mdb_cursor_close (cur);
    *np = n;
    return 0;
}

int opportunities_model_family (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *account,
                                char (*out)[OPP_ID_MAX + 1], size_t max, size_t *np)
{
    size_t n = 0, got = 0;
    int rc = s_absorbed (ctx, txn, account, out, max, &got);
    for (size_t i = 0; rc == 0; i++) {
        /*  the log's merges form a tree (the contacts service refuses the
            rest), but a row seen twice must not list its deals twice */
        for (size_t j = n; j < n + got; j++) {
            bool seen = strcmp (out[j], account) == 0;
            for (size_t m = 0; m < n && !seen; m++)
                seen = strcmp (out[j], out[m]) == 0;
            if (!seen)
                memmove (out[n++], out[j], sizeof out[j]);
        }
        if (i >= n || n >= max)
            break;
        rc = s_absorbed (ctx, txn, out[i], out + n, max - n, &got); /* merged into that one */
    }
    *np = rc ? 0 : n;
    return rc;
}

void opportunities_model_matches (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *account,
                                  const char *norm, const char *city, const char *address,
                                  char (*out)[OPP_ID_MAX + 1], size_t max, size_t *n)
{
    char key[OPP_KEY_MAX], c[OPP_KEY_MAX], a[OPP_KEY_MAX];
    bool site = s_fold (city, c, sizeof c) != SIZE_MAX && s_fold (address, a, sizeof a) != SIZE_MAX;
    const char *np[] = {account, norm, ""}, *sp[] = {site ? c : NULL, a, ""};
    MDB_cursor *cur;
    if (mdb_cursor_open (txn, dbk_svc_dbi (ctx, OPP_DB_MATCH), &cur) != 0)
        return;
    for (int i = 0; i < 2; i++) {
        const char *const *parts = i ? sp : np;
        if (!parts[0] || !parts[1])
            continue;
        key[0] = i ? 's' : 'n';
        /*  the three parts with an empty id: the prefix, NUL-ended */
        size_t l = s_join (key + 1, sizeof key - 1, parts, 3);
        if (!l)
            continue;
        MDB_val k = {l + 1, key}, v;
        for (int r = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
             r == 0 && *n < max && k.mv_size > l + 1 && memcmp (k.mv_data, key, l + 1) == 0;
             r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
            size_t idl = k.mv_size - l - 1;
            if (idl > OPP_ID_MAX)
                continue;
            char id[OPP_ID_MAX + 1];
            memcpy (id, (const char *) k.mv_data + l + 1, idl);
            id[idl] = 0;
            bool seen = false;
            for (size_t j = 0; j < *n && !seen; j++)
                seen = strcmp (out[j], id) == 0;
            if (!seen)
                memcpy (out[(*n)++], id, idl + 1);
        }
    }
    mdb_cursor_close (cur);
}

/*  ---- the projection ---- */

static int s_project_opp (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev, const char *id)
{
    const dbk_obj_t *data = dbk_svc_data (ctx, ev);
    if (!data)
        return 0; /* a corrupt payload: the log's checks would have caught it */
    /*  on the stack: a large block from malloc for each event made glibc
        consolidate its small free chunks every time */
    opp_state_t stv, *st = &stv;
    s_keys_t keys[2], *before = &keys[0], *after = &keys[1];
    memset (st, 0, sizeof *st);
    int rc = 0;
    /*  the stream's first event: nothing of it is stored yet (a replay
        from seq 1 meets a million of these, each a search for nothing) */
    if (rc == 0 && ev->ver != 1)
        rc = opportunities_model_load (ctx, txn, id, OPP_AS_OF_NOW, st);
    /*  stored events that do not parse or fold back are the malformed
        input they came from: the event is skipped like one (below) */
    if (rc == DBK_ECORRUPT)
        rc = DBK_EMALFORMED;
    /*  the rule every service that knows deals follows, folding the
        event into the deal: one of another deal than its stream's, or
        holding what its command refuses, or that the deal refuses, is
        skipped before anything is written. One it ignores (an
        opportunity.* type it does not fold, a second registration, an
        event of a deal not registered) leaves the state as it was, and is
        not kept among the deal's events: a load folds those by
        opp_evolve, which would take a second registration */
    opportunities_known_t deal;
    if (rc == 0) {
        s_keys (st, before);
        rc = opportunities_known_read (ev, data, st, NULL, NULL, &deal);
    }
    /*  the event first, its rows after: anyone may append to the log
        (dealbook log append), and an event lacking a field its type must
        have is DBK_EMALFORMED, written nowhere, and skipped by the shell
        (dbk_service.h) rather than stopping the read model */
    if (rc == 0 && deal.id) {
        /*  the event itself, then the row and the indexes */
        dbk_wr_t *w = dbk_wr_new ();
        char key[OPP_ID_MAX + 5];
        size_t il = strlen (id);
        memcpy (key, id, il + 1);
        for (int i = 0; i < 4; i++)
            key[il + 1 + i] = (char) (uint8_t) (ev->ver >> (24 - 8 * i));
        rc = w ? 0 : DBK_ENOMEM;
        if (rc == 0) {
            dbk_wr_array (w, 4);
            dbk_wr_str (w, ev->type, ev->type_len);
            dbk_wr_i64 (w, ev->at);
            dbk_wr_i64 (w, ev->ts);
            size_t rawl;
            const void *raw = dbk_svc_data_raw (ctx, &rawl);
            if (raw) /* as the log holds it: no second encoding */
                dbk_wr_raw (w, raw, rawl);
            else
                dbk_wr_obj (w, data);
            rc = s_put (txn, dbk_svc_dbi (ctx, OPP_DB_EVENTS), key, il + 5, dbk_wr_data (w),
                        dbk_wr_size (w));
        }
        if (rc == 0) {
            dbk_wr_reset (w);
            opportunities_model_row (w, st, OPP_CFG (ctx), 0);
            rc = s_put (txn, dbk_svc_dbi (ctx, OPP_DB_ROWS), id, il, dbk_wr_data (w),
                        dbk_wr_size (w));
        }
        dbk_wr_destroy (&w);
        s_keys (st, after);
        /*  only the rows that change: a delete or put of a row dirties its
            page, and these indexes spread over the whole tree */
        s_keys_drop_common (before, after);
        if (rc == 0)
            rc = s_index (ctx, before, false);
        if (rc == 0)
            rc = s_index (ctx, after, true);
    }
    opp_reset (st);
    return rc;
}

/*  The index of s in list (NULL-terminated), plus 1; 0 when absent. */
static uint8_t s_code (const dbk_obj_t *o, const char *const *list)
{
    for (uint8_t i = 0; list[i]; i++)
        if (dbk_obj_str_eq (o, list[i]))
            return (uint8_t) (i + 1);
    return 0;
}

/*  A row of `tag` about a contact, dated: tag, the contact's id, NUL,
    the day (YYYY-MM-DD), into key (OPP_ID_MAX + 13 bytes): its length. */
static size_t s_dated_key (char *key, char tag, const char *contact, size_t il, const char *day)
{
    key[0] = tag;
    memcpy (key + 1, contact, il);
    key[il + 1] = 0;
    memcpy (key + il + 2, day, 10);
    return il + 12;
}

/*  The contact's latest row of `tag` dated on or before as_of, its day
    into day (11 bytes) and its value into v (valid while txn is and the
    row is not written): false when none. */
static bool s_dated_latest (MDB_txn *txn, MDB_dbi dbi, char tag, const char *contact, size_t il,
                            const char *as_of, char day[11], MDB_val *v)
{
    char key[OPP_ID_MAX + 13];
    size_t kl = s_dated_key (key, tag, contact, il, as_of);
    key[kl] = 1; /* past every day up to as_of: the latest is the key before */
    MDB_cursor *cur;
    if (mdb_cursor_open (txn, dbi, &cur))
        return false;
    MDB_val k = {kl + 1, key};
    int r = mdb_cursor_get (cur, &k, v, MDB_SET_RANGE);
    r = r == MDB_NOTFOUND ? mdb_cursor_get (cur, &k, v, MDB_LAST)
                          : mdb_cursor_get (cur, &k, v, MDB_PREV);
    bool found = r == 0 && k.mv_size == kl && memcmp (k.mv_data, key, il + 2) == 0;
    if (found) {
        memcpy (day, (const char *) k.mv_data + il + 2, 10);
        day[10] = 0;
    }
    mdb_cursor_close (cur);
    return found;
}

/*  contact.added / contact.updated: 'p' contact NUL day -> 3 bytes: its
    level (contacts_levels index + 1, 0 none), function
    (contacts_functions index + 1) and influence (1..5, 0 none) on its
    record from that day (the business day of the event's `at`,
    dbk_day_of_ms: it counts as of day D exactly when a deal's event
    recorded then would, dbk_day_end_ms) on: what a stakeholder's row
    lacks on the deal is the contact's (opportunities_model_profile), and
    a deal as of a past day sees the record of that day. An update
    changes what it names, nil clearing it. A day is never before the
    contact's latest one: an update dated back (entered late) counts from
    that latest day on. */
static int s_project_profile (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev,
                              const contacts_known_t *ref)
{
    bool added = ref->change == CONTACTS_KNOWN_OPEN;
    size_t il = ref->id_len;
    const char *contact = ref->id;
    MDB_dbi dbi = dbk_svc_dbi (ctx, OPP_DB_REFS);
    char day[11], last[11];
    int zone = dbk_svc_config (ctx)->utc_offset_min;
    contacts_civil ((long) (ev->at > 0 ? dbk_day_of_ms (ev->at, zone) : 0), day);
    uint8_t p[3] = {0, 0, 0};
    MDB_val old;
    bool known = s_dated_latest (txn, dbi, 'p', contact, il, "9999-12-31", last, &old);
    if (known) {
        if (!added && old.mv_size == 3)
            memcpy (p, old.mv_data, 3);
        if (strcmp (last, day) > 0)
            memcpy (day, last, 11);
    }
    const dbk_obj_t *data = dbk_svc_data (ctx, ev), *o;
    if ((o = dbk_obj_get (data, "level")))
        p[0] = s_code (o, contacts_levels);
    if ((o = dbk_obj_get (data, "function")))
        p[1] = s_code (o, contacts_functions);
    uint64_t inf;
    if ((o = dbk_obj_get (data, "influence")))
        p[2] = dbk_obj_u64 (o, &inf) == 0 && inf >= 1 && inf <= 5 ? (uint8_t) inf : 0;
    if (!known && !p[0] && !p[1] && !p[2])
        return 0; /* nothing to know of, then or before */
    char key[OPP_ID_MAX + 13];
    return s_put (txn, dbi, key, s_dated_key (key, 'p', contact, il, day), p, 3);
}

bool opportunities_model_profile (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *contact,
                                  const char *as_of, const char **level, const char **function,
                                  int *influence)
{
    uint8_t p[3];
    *level = *function = NULL;
    *influence = 0;
    size_t il = contact ? strlen (contact) : 0;
    char day[11];
    MDB_val v;
    if (il == 0 || il > OPP_ID_MAX ||
        !s_dated_latest (txn, dbk_svc_dbi (ctx, OPP_DB_REFS), 'p', contact, il,
                         as_of ? as_of : "9999-12-31", day, &v) ||
        v.mv_size != 3)
        return false;
    memcpy (p, v.mv_data, 3);
    if (!p[0] && !p[1] && !p[2])
        return false;
    *level = p[0] >= 1 && p[0] <= 3 ? contacts_levels[p[0] - 1] : NULL;
    *function = p[1] >= 1 && p[1] <= 3 ? contacts_functions[p[1] - 1] : NULL;
    *influence = p[2] <= 5 ? p[2] : 0;
    return true;
}

/*  Whether an activity.logged of activity id was applied: its 'L' row. */
typedef struct {
    dbk_svc_ctx_t *ctx;
    MDB_txn *txn;
} s_logged_t;

static bool s_logged (void *arg, const char *id, size_t n)
{
    s_logged_t *l = arg;
    char key[OPP_ID_MAX + 1];
    key[0] = 'L';
    memcpy (key + 1, id, n);
    MDB_val k = {n + 1, key}, v;
    return mdb_get (l->txn, dbk_svc_dbi (l->ctx, OPP_DB_REFS), &k, &v) == 0;
}

/*  activity.logged, as the contacts service applies it
    (contacts_known_activity: one it skips is skipped, having written
    nothing; one it ignores, on another stream or logged already, is
    ignored): 'L' activity -> "", logged; and 'l' contact NUL day
    (YYYY-MM-DD) -> "", for each of their_people: a stakeholder met is not
    stale (opportunities_model_last_met). Every day is kept, not only the
    latest: an activity dated ahead must not hide the earlier ones from a
    day before it. */
static int s_project_activity (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev)
{
    contacts_known_activity_t act;
    int rc = contacts_known_activity (ev, dbk_svc_data (ctx, ev), s_logged, &(s_logged_t){ctx, txn},
                                      true, &act);
    if (rc || !act.id)
        return rc;
    _Static_assert(CONTACTS_ID_MAX <= OPP_ID_MAX, "an activity's id is a contacts id");
    MDB_dbi dbi = dbk_svc_dbi (ctx, OPP_DB_REFS);
    char key[OPP_ID_MAX + 13];
    key[0] = 'L';
    memcpy (key + 1, act.id, act.id_len);
    /*  put now, not later: a later version of the stream in this batch
        asks for it */
    rc = s_put (txn, dbi, key, act.id_len + 1, "", 0);
    for (size_t i = 0; rc == 0 && i < dbk_obj_len (act.people); i++) {
        const char *id;
        size_t il;
        /*  an id each (the rule says so): 1..CONTACTS_ID_MAX bytes, no NUL */
        if (dbk_obj_str (dbk_obj_at (act.people, i), &id, &il))
            continue;
        MDB_val k = {s_dated_key (key, 'l', id, il, act.date), key}, v = {0, ""};
        int r = mdb_put (txn, dbi, &k, &v, MDB_NOOVERWRITE); /* a day known: nothing to write */
        rc = r == MDB_KEYEXIST ? 0 : dbk_lmdb_err (r);
    }
    return rc;
}

bool opportunities_model_last_met (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *contact,
                                   const char *as_of, char out[11])
{
    size_t il = contact ? strlen (contact) : 0;
    out[0] = out[10] = 0;
    MDB_val v;
    return il > 0 && il <= OPP_ID_MAX && strlen (as_of) == 10 &&
           s_dated_latest (txn, dbk_svc_dbi (ctx, OPP_DB_REFS), 'l', contact, il, as_of, out, &v);
}

int opportunities_model_project (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev)
{
    if (ev->type_len == 15 && memcmp (ev->type, "activity.logged", 15) == 0)
        return s_project_activity (ctx, txn, ev);
    size_t cat = dbk_svc_category_len (ev->stream, ev->stream_len);
    if (cat == 11 && memcmp (ev->stream, "opportunity", 11) == 0) {
        char id[OPP_ID_MAX + 1];
        size_t il = ev->stream_len - cat - 1;
        if (il == 0 || il > OPP_ID_MAX)
            return 0;
        memcpy (id, ev->stream + cat + 1, il);
        id[il] = 0;
        return s_project_opp (ctx, txn, ev, id);
    }
    if (!contacts_known_type (ev->type, ev->type_len))
        return 0; /* read for nothing else: not even parsed */
    /*  an event the contacts service skips is skipped (DBK_EMALFORMED,
        nothing written), one it ignores is ignored: what we know of an
        account, a contact or a competitor is what it knows */
    contacts_known_t ref;
    int rc = contacts_known_read (ev, dbk_svc_data (ctx, ev), &ref);
    if (rc == 0 && ref.kind)
        rc = s_project_ref (ctx, txn, &ref);
    /*  a contact's record, once it is known (an update of another is
        nothing to the contacts service) */
    if (rc == 0 && ref.kind == CONTACTS_KNOWN_CONTACT &&
        opportunities_model_ref (ctx, txn, 'c', ref.id, ref.id_len) != OPP_REF_MISSING)
        rc = s_project_profile (ctx, txn, ev, &ref);
    return rc;
}
