/*  bidding_model.c - the bidding read model (see the header): events per
    tender, quote and contract, summary rows, the deadline, approval,
    opening and win-rate indexes, and the opportunities and accounts
    known from their services' events. */
#include "bidding_model.h"

#include "contacts_decider.h"
#include "contacts_fields.h"
#include "contacts_known.h"
#include "contacts_request.h"
#include "opportunities_known.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const bidding_model_dbs[] = {
    BID_DB_EVENTS,   BID_DB_ROWS,  BID_DB_DEADLINES, BID_DB_PENDING,
    BID_DB_OPENINGS, BID_DB_STATS, BID_DB_REFS,      NULL};

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

/*  a NUL b [NUL c]: its length, 0 if it does not fit (or a is NULL) */
static size_t s_key3 (char *out, size_t outsz, const char *a, const char *b, const char *c)
{
    if (!a || !b)
        return 0;
    int k = c ? snprintf (out, outsz, "%s%c%s%c%s", a, 0, b, 0, c)
              : snprintf (out, outsz, "%s%c%s", a, 0, b);
    return k < 0 || (size_t) k >= outsz ? 0 : (size_t) k;
}

/*  ---- loading ---- */

static int s_evolve (char kind, void *state, const char *type, const dbk_obj_t *data)
{
    return kind == 't'   ? bid_tender_evolve (state, type, data)
           : kind == 'q' ? bid_quote_evolve (state, type, data)
                         : bid_contract_evolve (state, type, data);
}

/*  Call fn for each stored event of kind/id, in order. */
static int s_each (dbk_svc_ctx_t *ctx, MDB_txn *txn, char kind, const char *id,
                   int (*fn) (void *arg, const char *type, size_t tn, int64_t at,
                              const dbk_obj_t *data),
                   void *arg)
{
    size_t il = strlen (id);
    if (il == 0 || il > CONTACTS_ID_MAX)
        return 0;
    char key[CONTACTS_ID_MAX + 2];
    key[0] = kind;
    memcpy (key + 1, id, il + 1);
    size_t pl = il + 2; /* kind, id, NUL */
    MDB_cursor *cur;
    if (mdb_cursor_open (txn, dbk_svc_dbi (ctx, BID_DB_EVENTS), &cur))
        return DBK_EIO;
    MDB_val k = {pl, key}, v;
    int rc = 0;
    for (int r = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
         r == 0 && rc == 0 && k.mv_size == pl + 4 && memcmp (k.mv_data, key, pl) == 0;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        dbk_doc_t *doc = NULL;
        const dbk_obj_t *a;
        const char *type;
        size_t tn;
        int64_t at = 0;
        /*  a stored event that does not parse fails its checks: no I/O
            failed */
        if ((rc = dbk_doc_parse (v.mv_data, v.mv_size, &doc)))
            rc = rc == DBK_ENOMEM ? rc : DBK_ECORRUPT;
        else if (dbk_obj_len (a = dbk_doc_root (doc)) != 3 ||
                 dbk_obj_str (dbk_obj_at (a, 0), &type, &tn) || tn > DBK_TYPE_MAX ||
                 dbk_obj_i64 (dbk_obj_at (a, 1), &at))
            rc = DBK_ECORRUPT;
        else
            rc = fn (arg, type, tn, at, dbk_obj_at (a, 2));
        dbk_doc_destroy (&doc);
    }
    mdb_cursor_close (cur);
    return rc;
}

typedef struct {
    char kind;
    void *state;
} s_fold_t;

static int s_fold_one (void *arg, const char *type, size_t tn, int64_t at, const dbk_obj_t *data)
{
    (void) at;
    s_fold_t *f = arg;
    char t[DBK_TYPE_MAX + 1];
    memcpy (t, type, tn);
    t[tn] = 0;
    return s_evolve (f->kind, f->state, t, data);
}

int bidding_model_load (dbk_svc_ctx_t *ctx, MDB_txn *txn, char kind, const char *id, void *state)
{
    s_fold_t f = {kind, state};
    return s_each (ctx, txn, kind, id, s_fold_one, &f);
}

static int s_timeline_one (void *arg, const char *type, size_t tn, int64_t at,
                           const dbk_obj_t *data)
{
    dbk_wr_t *w = arg;
    dbk_wr_map (w, 3);
    dbk_wr_cstr (w, "type");
    dbk_wr_str (w, type, tn);
    dbk_wr_kv_i64 (w, "at", at);
    dbk_wr_cstr (w, "data");
    dbk_wr_obj (w, data);
    return 0;
}

static int s_count_one (void *arg, const char *type, size_t tn, int64_t at, const dbk_obj_t *data)
{
    (void) type, (void) tn, (void) at, (void) data;
    (*(uint32_t *) arg)++;
    return 0;
}

int bidding_model_timeline (dbk_svc_ctx_t *ctx, MDB_txn *txn, char kind, const char *id,
                            dbk_wr_t *w)
{
    uint32_t n = 0;
    int rc = s_each (ctx, txn, kind, id, s_count_one, &n);
    if (rc == 0) {
        dbk_wr_array (w, n);
        rc = s_each (ctx, txn, kind, id, s_timeline_one, w);
    }
    return rc;
}

/*  ---- references ---- */

/*  The state char of kind/id in bid_refs, 0 when unknown; its owner into
    owner (when given). */
static char s_ref_state (dbk_svc_ctx_t *ctx, MDB_txn *txn, char kind, const char *id, char *owner,
                         size_t ownersz)
{
    char key[CONTACTS_ID_MAX + 2];
    size_t n = id ? strlen (id) : 0;
    if (owner && ownersz)
        owner[0] = 0;
    if (n == 0 || n > CONTACTS_ID_MAX)
        return 0;
    key[0] = kind;
    memcpy (key + 1, id, n);
    MDB_val k = {n + 1, key}, v;
    if (mdb_get (txn, dbk_svc_dbi (ctx, BID_DB_REFS), &k, &v) || v.mv_size < 1)
        return 0;
    if (owner && ownersz) {
        size_t l = v.mv_size - 1 < ownersz - 1 ? v.mv_size - 1 : ownersz - 1;
        memcpy (owner, (const char *) v.mv_data + 1, l);
        owner[l] = 0;
    }
    return *(const char *) v.mv_data;
}

bid_ref_t bidding_model_ref (dbk_svc_ctx_t *ctx, MDB_txn *txn, char kind, const char *id,
                             char *owner, size_t ownersz)
{
    char state = s_ref_state (ctx, txn, kind, id, owner, ownersz);
    return !state         ? BID_REF_MISSING
           : state == 'A' ? BID_REF_ACTIVE
           : state == 'W' ? BID_REF_WON
                          : BID_REF_CLOSED;
}

bool bidding_model_lost_by_award (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id)
{
    return s_ref_state (ctx, txn, 'o', id, NULL, 0) == 'T';
}

bool bidding_model_currency (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id, char out[4])
{
    out[3] = 0;
    return dbk_svc_tagged_get (ctx, txn, BID_DB_REFS, 'y', id, out, 3);
}

/*  The key of contract number `number` in bid_refs ('n', then its
    bid_number_key; 'H', then its BLAKE2b-256 in hex, when that is longer
    than a key) into key: its length, 0 when it has none. */
static size_t s_number_key (const char *number, char key[BID_KEY_MAX])
{
    char *k = number ? bid_number_key (number, strlen (number)) : NULL;
    size_t kl = k ? strlen (k) : 0;
    if (kl + 1 > BID_KEY_MAX) {
        /*  a number that folding made longer than a key (compatibility
            forms expand many times): its hash stands for it, so that it
            is still unique */
        uint8_t h[32];
        crypto_generichash (h, sizeof h, (const uint8_t *) k, kl, NULL, 0);
        key[0] = 'H';
        sodium_bin2hex (key + 1, BID_KEY_MAX - 1, h, sizeof h);
        kl = 1 + 2 * sizeof h;
    } else if (kl > 0) {
        key[0] = 'n';
        memcpy (key + 1, k, kl);
        kl++;
    }
    free (k);
    return kl;
}

bool bidding_model_contract_number (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *number,
                                    char id[BID_ID_MAX + 1])
{
    char key[BID_KEY_MAX];
    size_t kl = s_number_key (number, key);
    MDB_val k = {kl, key}, v;
    if (!kl || mdb_get (txn, dbk_svc_dbi (ctx, BID_DB_REFS), &k, &v) || v.mv_size == 0 ||
        v.mv_size > BID_ID_MAX)
        return false;
    memcpy (id, v.mv_data, v.mv_size);
    id[v.mv_size] = 0;
    return true;
}

/*  A contract signed: its number is taken, by the first contract that
    had it (a log written before numbers were unique may hold it twice). */
static int s_project_number (dbk_svc_ctx_t *ctx, MDB_txn *txn, const bid_contract_t *c)
{
    char key[BID_KEY_MAX];
    size_t kl = s_number_key (c->number, key);
    MDB_dbi dbi = dbk_svc_dbi (ctx, BID_DB_REFS);
    MDB_val k = {kl, key}, v;
    if (!kl || !c->id || mdb_get (txn, dbi, &k, &v) == 0)
        return 0;
    return s_put (txn, dbi, key, kl, c->id, strlen (c->id));
}

/*  A deal's currency, 'y' id -> ISO 4217 code, from its registration and
    the updates that change it: a tender for it is in that currency. A
    win names the currency it was won in (a deal won by hand may be won
    in another): its contract without a tender is in that one. */
static int s_project_currency (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev, size_t cat)
{
    const char *t = ev->type;
    size_t tl = ev->type_len, il = ev->stream_len - cat - 1;
    bool reg = tl == 22 && memcmp (t, "opportunity.registered", 22) == 0;
    bool won = tl == 15 && memcmp (t, "opportunity.won", 15) == 0;
    if ((!reg && !won && !(tl == 19 && memcmp (t, "opportunity.updated", 19) == 0)) || il == 0 ||
        il > CONTACTS_ID_MAX)
        return 0;
    const char *cur;
    size_t cn;
    if (dbk_obj_str (dbk_obj_get (dbk_svc_data (ctx, ev), "currency"), &cur, &cn) || cn != 3)
        return 0;
    char key[CONTACTS_ID_MAX + 2];
    key[0] = 'y';
    memcpy (key + 1, ev->stream + cat + 1, il);
    return s_put (txn, dbk_svc_dbi (ctx, BID_DB_REFS), key, il + 1, cur, 3);
}

/*  A deal's win, 'w' id -> its date (10 bytes) then the amount won (be64):
    a contract without a tender follows it as a tendered one follows its
    award. A won deal is never reopened, so the win stays. */
static int s_project_win (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev, size_t cat)
{
    size_t il = ev->stream_len - cat - 1;
    if (!(ev->type_len == 15 && memcmp (ev->type, "opportunity.won", 15) == 0) || il == 0 ||
        il > CONTACTS_ID_MAX)
        return 0;
    const dbk_obj_t *data = dbk_svc_data (ctx, ev);
    const char *date;
    size_t dn;
    int64_t amount;
    if (dbk_obj_str (dbk_obj_get (data, "date"), &date, &dn) || dn != 10 ||
        dbk_obj_i64 (dbk_obj_get (data, "amount"), &amount) || amount < 0)
        return 0; /* a win without them compares with nothing */
    char key[CONTACTS_ID_MAX + 2];
    uint8_t val[18];
    key[0] = 'w';
    memcpy (key + 1, ev->stream + cat + 1, il);
    memcpy (val, date, 10);
    dbk_be64_put (val + 10, (uint64_t) amount);
    return s_put (txn, dbk_svc_dbi (ctx, BID_DB_REFS), key, il + 1, val, sizeof val);
}

bool bidding_model_won (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id, char date[11],
                        int64_t *amount)
{
    uint8_t val[18];
    if (!dbk_svc_tagged_get (ctx, txn, BID_DB_REFS, 'w', id, val, sizeof val))
        return false;
    memcpy (date, val, 10);
    date[10] = 0;
    *amount = (int64_t) dbk_be64_get (val + 10);
    return true;
}

/*  The day a deal was registered, 'r' id -> YYYY-MM-DD: nothing on it is
    dated before (bid_check_since_registration). Its registration's "on",
    cut to the day the log recorded it, as the opportunities service
    folds it (registered_on): a day to come appended by hand would refuse
    every command on the deal until then. The rule's fold read it
    (deal->registered_on): not read again here. A registration without a
    date bounds nothing; a later one (appended by hand) is ignored, as in
    that fold (opportunities_known.h). */
static int s_project_registered (dbk_svc_ctx_t *ctx, MDB_txn *txn,
                                 const opportunities_known_t *deal)
{
    if (!deal->registered_on[0])
        return 0; /* another type, or a registration without a date */
    char key[CONTACTS_ID_MAX + 2];
    key[0] = 'r';
    memcpy (key + 1, deal->id, deal->id_len);
    return s_put (txn, dbk_svc_dbi (ctx, BID_DB_REFS), key, deal->id_len + 1, deal->registered_on,
                  10);
}

bool bidding_model_registered (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id, char date[11])
{
    date[10] = 0;
    return dbk_svc_tagged_get (ctx, txn, BID_DB_REFS, 'r', id, date, 10);
}

/*  The accounts our commands reference: 'a' id -> 'A' (active) or 'C'
    (archived or merged), as the contacts service knows them
    (contacts_known.h): an event it skips is skipped here (DBK_EMALFORMED,
    nothing written), one it ignores is ignored. */
static int s_project_account (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev)
{
    contacts_known_t ref;
    int rc = contacts_known_read (ev, dbk_svc_data (ctx, ev), &ref);
    if (rc || ref.kind != CONTACTS_KNOWN_ACCOUNT || ref.change == CONTACTS_KNOWN_KEEP)
        return rc; /* an update changes nothing we keep */
    char key[CONTACTS_ID_MAX + 2];
    key[0] = 'a';
    memcpy (key + 1, ref.id, ref.id_len);
    return s_put (txn, dbk_svc_dbi (ctx, BID_DB_REFS), key, ref.id_len + 1,
                  ref.change == CONTACTS_KNOWN_OPEN ? "A" : "C", 1);
}

typedef struct {
    dbk_svc_ctx_t *ctx;
    MDB_txn *txn;
} s_txn_t;

/*  opportunities_known_registered_fn: we hold a row of the deal, which
    s_project_ref writes from its registration on. */
static bool s_deal_known (void *arg, const char *id, size_t n)
{
    s_txn_t *at = arg;
    char key[CONTACTS_ID_MAX + 1];
    if (n == 0 || n > CONTACTS_ID_MAX)
        return false;
    key[0] = 'o'; /* keyed by the stream's id as it is, as s_project_ref writes it */
    memcpy (key + 1, id, n);
    MDB_val k = {n + 1, key}, v;
    return mdb_get (at->txn, dbk_svc_dbi (at->ctx, BID_DB_REFS), &k, &v) == 0 && v.mv_size >= 1;
}

/*  The opportunity.* types the deals we know change (s_project_ref,
    s_project_currency, s_project_win, s_project_registered): the others
    are not read. */
static bool s_deal_type (const dbk_event_t *ev)
{
    static const char *const types[] = {"opportunity.registered",
                                        "opportunity.updated",
                                        "opportunity.won",
                                        "opportunity.lost",
                                        "opportunity.abandoned",
                                        "opportunity.reopened",
                                        "opportunity.conflict_resolved"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strlen (types[i]) == ev->type_len && memcmp (types[i], ev->type, ev->type_len) == 0)
            return true;
    return false;
}

/*  The deals our commands reference: 'o' id -> state, owner. A won deal
    is told from one closed otherwise: a contract without a tender follows
    a won deal only. */
static int s_project_ref (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev, size_t cat)
{
    char kind = 0, state = 0;
    bool owner = true; /* the event's "owner" is the deal's */
    const char *t = ev->type;
    size_t tl = ev->type_len;
    const dbk_obj_t *data = NULL;
#define IS(s) (tl == sizeof (s) - 1 && memcmp (t, s, tl) == 0)
    if (IS ("opportunity.registered") || IS ("opportunity.reopened"))
        kind = 'o', state = 'A';
    else if (IS ("opportunity.won"))
        kind = 'o', state = 'W';
    else if (IS ("opportunity.lost")) {
        /*  lost through the award of one of its tenders: the won award of
            another may still win it (bid_tender_award) */
        data = dbk_svc_data (ctx, ev);
        const dbk_obj_t *tender = dbk_obj_get (data, "tender_id");
        kind = 'o', state = tender && dbk_obj_type (tender) == DBK_T_STR ? 'T' : 'C';
    } else if (IS ("opportunity.abandoned"))
        kind = 'o', state = 'C';
    else if (IS ("opportunity.conflict_resolved")) {
        /*  the deal closed as a duplicate keeps its owner: the event's is
            the owner chosen for the other one, the deal kept (whose owner
            it already is) */
        data = dbk_svc_data (ctx, ev);
        if (dbk_obj_str_eq (dbk_obj_get (data, "outcome"), "closed"))
            kind = 'o', state = 'C', owner = false;
    }
#undef IS
    size_t il = ev->stream_len - cat - 1;
    if (!kind || il == 0 || il > CONTACTS_ID_MAX)
        return 0;
    char key[CONTACTS_ID_MAX + 2], val[CONTACTS_SHORT_MAX + 2];
    key[0] = kind;
    memcpy (key + 1, ev->stream + cat + 1, il);
    MDB_dbi dbi = dbk_svc_dbi (ctx, BID_DB_REFS);
    MDB_val k = {il + 1, key}, old;
    size_t vl = 1;
    if (mdb_get (txn, dbi, &k, &old) == 0 && old.mv_size >= 1 && old.mv_size <= sizeof val) {
        memcpy (val, old.mv_data, old.mv_size);
        vl = old.mv_size;
    }
    val[0] = state;
    const char *who;
    size_t on;
    if (kind == 'o' && owner && (data = dbk_svc_data (ctx, ev)) &&
        dbk_obj_str (dbk_obj_get (data, "owner"), &who, &on) == 0 && on <= CONTACTS_SHORT_MAX) {
        memcpy (val + 1, who, on);
        vl = on + 1;
    }
    return s_put (txn, dbi, key, il + 1, val, vl);
}

/*  ---- rows ---- */

static int s_date_index (const char *key)
{
    for (int i = 0; i < BID_DATES; i++)
        if (strcmp (bid_date_keys[i], key) == 0)
            return i;
    return -1;
}

static void s_tender_row (dbk_wr_t *w, const bid_tender_t *t, const char *owner)
{
    int sd = s_date_index ("submission_deadline");
    dbk_wr_map (w, 18);
    dbk_wr_kv_cstr (w, "kind", "tender");
    contacts_wr_kv_or_nil (w, "id", t->id);
    contacts_wr_kv_or_nil (w, "opportunity_id", t->opportunity_id);
    contacts_wr_kv_or_nil (w, "owner", owner[0] ? owner : NULL);
    contacts_wr_kv_or_nil (w, "number", t->number);
    contacts_wr_kv_or_nil (w, "issuer", t->issuer);
    contacts_wr_kv_or_nil (w, "type", t->type);
    contacts_wr_kv_or_nil (w, "title", t->title);
    contacts_wr_kv_or_nil (w, "currency", t->currency);
    contacts_wr_kv_or_nil (w, "step", t->step);
    contacts_wr_kv_or_nil (w, "submission_deadline", sd >= 0 ? t->dates[sd] : NULL);
    contacts_wr_kv_or_nil (w, "decision", t->decision);
    contacts_wr_kv_or_nil (w, "quote_id", t->quote_id);
    contacts_wr_kv_or_nil (w, "submitted_on", t->submitted_on);
    dbk_wr_kv_i64 (w, "bid_amount", t->bid_amount);
    dbk_wr_kv_i64 (w, "our_rank", t->our_rank);
    contacts_wr_kv_or_nil (w, "result", t->result);
    contacts_wr_kv_or_nil (w, "award_date", t->award_date);
}

static const char *const s_quote_status[] = {"none", "draft", "submitted", "approved", "rejected"};

static void s_quote_row (dbk_wr_t *w, const bid_quote_t *q)
{
    bid_totals_t tot;
    bid_quote_totals (q, &tot);
    dbk_wr_map (w, 13);
    dbk_wr_kv_cstr (w, "kind", "quote");
    contacts_wr_kv_or_nil (w, "id", q->id);
    contacts_wr_kv_or_nil (w, "tender_id", q->tender_id);
    contacts_wr_kv_or_nil (w, "currency", q->currency);
    contacts_wr_kv_or_nil (w, "title", q->title);
    dbk_wr_kv_cstr (w, "status", s_quote_status[q->status]);
    dbk_wr_kv_u64 (w, "revision", q->revision);
    dbk_wr_kv_u64 (w, "line_count", q->nlines);
    dbk_wr_kv_i64 (w, "total", tot.total);
    dbk_wr_kv_i64 (w, "max_discount_bp", tot.max_discount_bp);
    dbk_wr_kv_i64 (w, "max_effective_discount_bp", tot.max_effective_discount_bp);
    contacts_wr_kv_or_nil (w, "required_level", q->required_level);
    contacts_wr_kv_or_nil (w, "approver", q->approver);
}

static void s_contract_row (dbk_wr_t *w, const bid_contract_t *c, const char *owner)
{
    dbk_wr_map (w, 12);
    dbk_wr_kv_cstr (w, "kind", "contract");
    contacts_wr_kv_or_nil (w, "id", c->id);
    contacts_wr_kv_or_nil (w, "number", c->number);
    contacts_wr_kv_or_nil (w, "opportunity_id", c->opportunity_id);
    contacts_wr_kv_or_nil (w, "tender_id", c->tender_id);
    contacts_wr_kv_or_nil (w, "buyer_id", c->buyer_id);
    contacts_wr_kv_or_nil (w, "owner", owner[0] ? owner : NULL);
    dbk_wr_kv_i64 (w, "amount", c->amount);
    contacts_wr_kv_or_nil (w, "currency", c->currency);
    contacts_wr_kv_or_nil (w, "signed_on", c->signed_on);
    dbk_wr_kv_i64 (w, "invoiced", c->invoiced);
    dbk_wr_kv_i64 (w, "paid", c->paid);
}

/*  ---- the projection of our own aggregates ---- */

typedef union {
    bid_tender_t t;
    bid_quote_t q;
    bid_contract_t c;
} s_state_t;

static void s_reset (char kind, s_state_t *s)
{
    if (kind == 't')
        bid_tender_reset (&s->t);
    else if (kind == 'q')
        bid_quote_reset (&s->q);
    else
        bid_contract_reset (&s->c);
}

/*  The one index row of a state: a tender's deadline, a quote's pending
    approval. */
static size_t s_index_key (char kind, const s_state_t *s, char *out, size_t outsz, MDB_dbi *dbi,
                           dbk_svc_ctx_t *ctx)
{
    if (kind == 't') {
        int sd = s_date_index ("submission_deadline");
        *dbi = dbk_svc_dbi (ctx, BID_DB_DEADLINES);
        if (!s->t.exists || sd < 0 || !s->t.dates[sd] || s->t.submitted_on || s->t.result)
            return 0;
        return s_key3 (out, outsz, s->t.dates[sd], s->t.id, NULL);
    }
    if (kind == 'q') {
        *dbi = dbk_svc_dbi (ctx, BID_DB_PENDING);
        if (s->q.status != BID_QUOTE_SUBMITTED || !s->q.required_level)
            return 0;
        return s_key3 (out, outsz, s->q.required_level, s->q.id, NULL);
    }
    return 0;
}

/*  An opening read out: each other bidder's price next to ours. */
static int s_openings (dbk_svc_ctx_t *ctx, MDB_txn *txn, const bid_tender_t *t,
                       const dbk_obj_t *data)
{
    int64_t ours = 0;
    uint64_t our_rank = 0;
    if (dbk_obj_i64 (dbk_obj_get (data, "our_price"), &ours) || ours <= 0)
        return 0; /* no price of ours to compare with */
    dbk_obj_u64 (dbk_obj_get (data, "our_rank"), &our_rank);
    const char *date = NULL;
    size_t dn = 0;
    if (dbk_obj_str (dbk_obj_get (data, "date"), &date, &dn) &&
        dbk_obj_str (dbk_obj_get (data, "on"), &date, &dn))
        date = "", dn = 0;
    char d10[11];
    snprintf (d10, sizeof d10, "%.*s", (int) (dn < 10 ? dn : 10), date);
    const dbk_obj_t *bidders = dbk_obj_get (data, "bidders");
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < dbk_obj_len (bidders); i++) {
        const dbk_obj_t *b = dbk_obj_at (bidders, i);
        const char *name;
        size_t nn;
        int64_t price;
        bool us = false;
        dbk_obj_bool (dbk_obj_get (b, "us"), &us);
        if (us || dbk_obj_str (dbk_obj_get (b, "bidder"), &name, &nn) ||
            dbk_obj_i64 (dbk_obj_get (b, "price"), &price))
            continue;
        char *fold = contacts_normalize_name_with (name, nn, NULL);
        char key[BID_KEY_MAX];
        size_t kl = fold ? s_key3 (key, sizeof key, fold, d10, t->id) : 0;
        free (fold);
        if (!kl)
            continue;
        uint64_t rank = 0;
        dbk_obj_u64 (dbk_obj_get (b, "rank"), &rank);
        dbk_wr_t *w = dbk_wr_new ();
        if (!w)
            return DBK_ENOMEM;
        dbk_wr_map (w, 8);
        dbk_wr_cstr (w, "bidder");
        dbk_wr_str (w, name, nn);
        dbk_wr_kv_cstr (w, "tender_id", t->id);
        dbk_wr_kv_cstr (w, "date", d10);
        dbk_wr_kv_i64 (w, "price", price);
        dbk_wr_kv_u64 (w, "rank", rank);
        dbk_wr_kv_i64 (w, "our_price", ours);
        dbk_wr_kv_u64 (w, "our_rank", our_rank);
        contacts_wr_kv_or_nil (w, "type", t->type);
        rc = s_put (txn, dbk_svc_dbi (ctx, BID_DB_OPENINGS), key, kl, dbk_wr_data (w),
                    dbk_wr_size (w));
        dbk_wr_destroy (&w);
    }
    return rc;
}

/*  An award: one more won or lost for the tender's type. */
static int s_win_rate (dbk_svc_ctx_t *ctx, MDB_txn *txn, const bid_tender_t *t)
{
    if (!t->type || !t->result)
        return 0;
    char key[64];
    int kl = snprintf (key, sizeof key, "w%s", t->type);
    MDB_dbi dbi = dbk_svc_dbi (ctx, BID_DB_STATS);
    MDB_val k = {(size_t) kl, key}, v;
    uint8_t buf[16] = {0};
    if (mdb_get (txn, dbi, &k, &v) == 0 && v.mv_size == 16)
        memcpy (buf, v.mv_data, 16);
    bool won = strcmp (t->result, "won") == 0;
    dbk_be64_put (buf + (won ? 0 : 8), dbk_be64_get (buf + (won ? 0 : 8)) + 1);
    return s_put (txn, dbi, key, (size_t) kl, buf, 16);
}

static int s_project_own (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev, char kind,
                          const char *id)
{
    const dbk_obj_t *data = dbk_svc_data (ctx, ev);
    if (!data)
        return 0;
    s_state_t *s = calloc (1, sizeof *s);
    if (!s)
        return DBK_ENOMEM;
    char type[DBK_TYPE_MAX + 1], before[BID_KEY_MAX], after[BID_KEY_MAX];
    snprintf (type, sizeof type, "%.*s", (int) ev->type_len, ev->type);
    MDB_dbi idx = 0;
    int rc = bidding_model_load (ctx, txn, kind, id, s);
    /*  stored events that do not parse or fold back are the malformed
        input they came from: the event is skipped like one */
    if (rc == DBK_ECORRUPT)
        rc = DBK_EMALFORMED;
    size_t bl = rc == 0 ? s_index_key (kind, s, before, sizeof before, &idx, ctx) : 0;
    if (rc == 0)
        rc = s_evolve (kind, s, type, data);
    if (rc) {
        /*  the event first, its rows after: anyone may append to the log,
            and an event lacking a field its type must have is
            DBK_EMALFORMED, written nowhere, and skipped by the shell
            (dbk_service.h) rather than stopping the read model */
        s_reset (kind, s);
        free (s);
        return rc;
    }
    dbk_wr_t *w = rc == 0 ? dbk_wr_new () : NULL;
    if (rc == 0 && !w)
        rc = DBK_ENOMEM;
    size_t il = strlen (id);
    char key[CONTACTS_ID_MAX + 6];
    key[0] = kind;
    memcpy (key + 1, id, il + 1);
    if (rc == 0) {
        for (int i = 0; i < 4; i++)
            key[il + 2 + i] = (char) (uint8_t) (ev->ver >> (24 - 8 * i));
        dbk_wr_array (w, 3);
        dbk_wr_str (w, ev->type, ev->type_len);
        dbk_wr_i64 (w, ev->at);
        dbk_wr_obj (w, data);
        rc = s_put (txn, dbk_svc_dbi (ctx, BID_DB_EVENTS), key, il + 6, dbk_wr_data (w),
                    dbk_wr_size (w));
    }
    if (rc == 0) {
        char owner[CONTACTS_SHORT_MAX + 1] = "";
        const char *opp = kind == 't'   ? s->t.opportunity_id
                          : kind == 'c' ? s->c.opportunity_id
                                        : NULL;
        bidding_model_ref (ctx, txn, 'o', opp, owner, sizeof owner);
        dbk_wr_reset (w);
        if (kind == 't')
            s_tender_row (w, &s->t, owner);
        else if (kind == 'q')
            s_quote_row (w, &s->q);
        else
            s_contract_row (w, &s->c, owner);
        rc = s_put (txn, dbk_svc_dbi (ctx, BID_DB_ROWS), key, il + 1, dbk_wr_data (w),
                    dbk_wr_size (w));
    }
    size_t al = rc == 0 ? s_index_key (kind, s, after, sizeof after, &idx, ctx) : 0;
    if (rc == 0 && bl && (bl != al || memcmp (before, after, bl)))
        rc = s_del (txn, idx, before, bl);
    if (rc == 0 && al)
        rc = s_put (txn, idx, after, al, "", 0);
    if (rc == 0 && kind == 't' && strcmp (type, "tender.opening_recorded") == 0)
        rc = s_openings (ctx, txn, &s->t, data);
    if (rc == 0 && kind == 't' && strcmp (type, "tender.awarded") == 0)
        rc = s_win_rate (ctx, txn, &s->t);
    if (rc == 0 && kind == 'c' && strcmp (type, "contract.signed") == 0)
        rc = s_project_number (ctx, txn, &s->c);
    dbk_wr_destroy (&w);
    s_reset (kind, s);
    free (s);
    return rc;
}

int bidding_model_project (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev)
{
    size_t cat = dbk_svc_category_len (ev->stream, ev->stream_len);
    char kind = cat == 6 && memcmp (ev->stream, "tender", 6) == 0     ? 't'
                : cat == 5 && memcmp (ev->stream, "quote", 5) == 0    ? 'q'
                : cat == 8 && memcmp (ev->stream, "contract", 8) == 0 ? 'c'
                                                                      : 0;
    if (!kind && contacts_known_type (ev->type, ev->type_len) == CONTACTS_KNOWN_ACCOUNT)
        return s_project_account (ctx, txn, ev);
    if (!kind) {
        if (!s_deal_type (ev))
            return 0; /* read for nothing else: not even parsed */
        /*  a deal's event the opportunities service skips is skipped
            (DBK_EMALFORMED, nothing written), one it ignores (on a stream
            of no deal, a second registration, an event of a deal not
            registered) is ignored: the deals we know are the ones it
            knows, a deal registered when we hold its row */
        opportunities_known_t deal;
        s_txn_t at = {ctx, txn};
        int rc =
            opportunities_known_read (ev, dbk_svc_data (ctx, ev), NULL, s_deal_known, &at, &deal);
        if (rc || !deal.id)
            return rc;
        rc = s_project_ref (ctx, txn, ev, cat);
        if (rc == 0)
            rc = s_project_currency (ctx, txn, ev, cat);
        if (rc == 0)
            rc = s_project_win (ctx, txn, ev, cat);
        if (rc == 0)
            rc = s_project_registered (ctx, txn, &deal);
        return rc;
    }
    char id[CONTACTS_ID_MAX + 1];
    size_t il = ev->stream_len - cat - 1;
    if (il == 0 || il > CONTACTS_ID_MAX)
        return 0;
    memcpy (id, ev->stream + cat + 1, il);
    id[il] = 0;
    return s_project_own (ctx, txn, ev, kind, id);
}
