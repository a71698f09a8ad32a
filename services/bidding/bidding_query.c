/*  bidding_query.c - the queries of the bidding service (docs/protocol.md
    §16.3): a tender with its timeline, document status, quote and result;
    deadlines; a quote with its lines and figures; quotes awaiting
    approval; a contract with its receivables; receivables by owner;
    price intelligence on a competitor; win rate by tender type. */
#include "bidding_server.h"

#include "bidding_model.h"
#include "contacts_decider.h"
#include "contacts_fields.h"
#include "contacts_request.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_mem.h"
#include "dealbook/dbk_money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*  The stored row of kind/id, parsed (caller destroys). */
static dbk_doc_t *s_row (dbk_svc_ctx_t *ctx, MDB_txn *txn, char kind, const char *id)
{
    char key[CONTACTS_ID_MAX + 2];
    size_t n = strlen (id);
    if (n == 0 || n > CONTACTS_ID_MAX)
        return NULL;
    key[0] = kind;
    memcpy (key + 1, id, n);
    MDB_val k = {n + 1, key}, v;
    dbk_doc_t *doc = NULL;
    if (mdb_get (txn, dbk_svc_dbi (ctx, BID_DB_ROWS), &k, &v) ||
        dbk_doc_parse (v.mv_data, v.mv_size, &doc))
        return NULL;
    return doc;
}

/*  Open a map of the row's pairs plus `extra` (the caller writes them). */
static void s_row_pairs (dbk_wr_t *w, const dbk_doc_t *row, uint32_t extra)
{
    const dbk_obj_t *m = dbk_doc_root (row);
    dbk_wr_map (w, (uint32_t) dbk_obj_len (m) + extra);
    for (size_t i = 0; i < dbk_obj_len (m); i++) {
        dbk_wr_obj (w, dbk_obj_key_at (m, i));
        dbk_wr_obj (w, dbk_obj_val_at (m, i));
    }
}

static int s_id (dbk_svc_ctx_t *ctx, const dbk_obj_t *req, const char *what,
                 char id[CONTACTS_ID_MAX + 1])
{
    if (!contacts_req_id (req, "id", id))
        return dbk_svc_reject (ctx, DBK_EINVAL, "id", "id must name %s", what);
    return 0;
}

/*  ---- tenders ---- */

/*  TENDER_GET {id} -> the row plus step_on, technical_on, prices_on,
    dates, bond, parts, clarifications, bidders, quote (the submitted
    quote's row) and timeline. */
int bidding_tender_get_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char id[CONTACTS_ID_MAX + 1];
    int rc = s_id (ctx, req, "a tender", id);
    if (rc)
        return rc;
    dbk_doc_t *row = s_row (ctx, txn, 't', id);
    if (!row)
        return dbk_svc_reject (ctx, DBK_ENOTFOUND, "id", "no tender %s", id);
    bid_tender_t *t = calloc (1, sizeof *t);
    rc = t ? bidding_model_load (ctx, txn, 't', id, t) : DBK_ENOMEM;
    if (rc == 0) {
        s_row_pairs (w, row, 10);
        /*  the days the fold keeps that the row does not: when the
            current step was reached and when each envelope was opened */
        contacts_wr_kv_or_nil (w, "step_on", t->step_on);
        contacts_wr_kv_or_nil (w, "technical_on", t->technical_on);
        contacts_wr_kv_or_nil (w, "prices_on", t->prices_on);
        dbk_wr_cstr (w, "dates");
        uint32_t nd = 0;
        for (int i = 0; i < BID_DATES; i++)
            nd += t->dates[i] != NULL;
        dbk_wr_map (w, nd);
        for (int i = 0; i < BID_DATES; i++)
            if (t->dates[i])
                dbk_wr_kv_cstr (w, bid_date_keys[i], t->dates[i]);
        dbk_wr_cstr (w, "bond");
        dbk_wr_map (w, 4);
        dbk_wr_kv_i64 (w, "required", t->bond_required);
        dbk_wr_kv_i64 (w, "amount", t->bond_amount);
        contacts_wr_kv_or_nil (w, "issued_on", t->bond_issued_on);
        contacts_wr_kv_or_nil (w, "returned_on", t->bond_returned_on);
        dbk_wr_cstr (w, "parts");
        dbk_wr_array (w, (uint32_t) t->nparts);
        for (size_t i = 0; i < t->nparts; i++) {
            dbk_wr_map (w, 4);
            contacts_wr_kv_or_nil (w, "part", t->parts[i].code);
            contacts_wr_kv_or_nil (w, "owner", t->parts[i].owner);
            contacts_wr_kv_or_nil (w, "due", t->parts[i].due);
            contacts_wr_kv_or_nil (w, "status", t->parts[i].status);
        }
        dbk_wr_cstr (w, "clarifications");
        dbk_wr_array (w, (uint32_t) t->nclars);
        for (size_t i = 0; i < t->nclars; i++) {
            dbk_wr_map (w, 5);
            dbk_wr_kv_u64 (w, "no", t->clars[i].no);
            contacts_wr_kv_or_nil (w, "question", t->clars[i].question);
            contacts_wr_kv_or_nil (w, "asked_on", t->clars[i].asked_on);
            contacts_wr_kv_or_nil (w, "answer", t->clars[i].answer);
            contacts_wr_kv_or_nil (w, "answered_on", t->clars[i].answered_on);
        }
        dbk_wr_cstr (w, "bidders");
        dbk_wr_array (w, (uint32_t) t->nbidders);
        for (size_t i = 0; i < t->nbidders; i++) {
            dbk_wr_map (w, 4);
            contacts_wr_kv_or_nil (w, "bidder", t->bidders[i].bidder);
            dbk_wr_cstr (w, "price");
            if (t->bidders[i].has_price)
                dbk_wr_i64 (w, t->bidders[i].price);
            else
                dbk_wr_nil (w);
            dbk_wr_kv_i64 (w, "rank", t->bidders[i].rank);
            dbk_wr_kv_bool (w, "us", t->bidders[i].us);
        }
        dbk_wr_cstr (w, "quote");
        dbk_doc_t *q = t->quote_id ? s_row (ctx, txn, 'q', t->quote_id) : NULL;
        if (q)
            dbk_wr_obj (w, dbk_doc_root (q));
        else
            dbk_wr_nil (w);
        dbk_doc_destroy (&q);
        dbk_wr_cstr (w, "timeline");
        rc = bidding_model_timeline (ctx, txn, 't', id, w);
    }
    if (t)
        bid_tender_reset (t);
    free (t);
    dbk_doc_destroy (&row);
    return rc;
}

/*  Rows of kind, in id order, filtered by a key's value (NULL: all). */
static int s_rows (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, char kind,
                   const char *key, const char *want, const char *list, dbk_wr_t *w)
{
    uint64_t limit;
    MDB_val after, k, v, next = {0, NULL};
    char after_buf[CONTACTS_CURSOR_MAX];
    int rc = contacts_req_paging (ctx, req, &limit, &after, after_buf);
    if (rc)
        return rc;
    MDB_cursor *cur;
    dbk_wr_t *items = dbk_wr_new ();
    if (!items || mdb_cursor_open (txn, dbk_svc_dbi (ctx, BID_DB_ROWS), &cur)) {
        dbk_wr_destroy (&items);
        return DBK_EIO;
    }
    MDB_val start = {1, &kind};
    uint32_t n = 0;
    for (int r = contacts_req_seek (cur, &k, &v, &start, &after);
         r == 0 && k.mv_size > 1 && *(const char *) k.mv_data == kind;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (n == limit) {
            next = after;
            break;
        }
        after = k;
        dbk_doc_t *doc = NULL;
        if (want && (dbk_doc_parse (v.mv_data, v.mv_size, &doc) ||
                     !dbk_obj_str_eq (dbk_obj_get (dbk_doc_root (doc), key), want))) {
            dbk_doc_destroy (&doc);
            continue;
        }
        dbk_doc_destroy (&doc);
        dbk_wr_raw (items, v.mv_data, v.mv_size);
        n++;
    }
    mdb_cursor_close (cur);
    contacts_req_finish_list (w, list, items, n, &next);
    dbk_wr_destroy (&items);
    return 0;
}

/*  TENDER_LIST {opportunity_id, limit, after} -> {tenders: [row], next} */
int bidding_tender_list_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char opp[CONTACTS_ID_MAX + 1];
    bool by = dbk_obj_get (req, "opportunity_id") != NULL;
    if (by && !contacts_req_id (req, "opportunity_id", opp))
        return dbk_svc_reject (ctx, DBK_EINVAL, "opportunity_id",
                               "opportunity_id must name an opportunity");
    return s_rows (ctx, txn, req, 't', "opportunity_id", by ? opp : NULL, "tenders", w);
}

/*  An optional text filter of the request into out ("" absent). */
static int s_text (dbk_svc_ctx_t *ctx, const dbk_obj_t *req, const char *key, char *out,
                   size_t outsz)
{
    const char *s;
    size_t n;
    out[0] = 0;
    const dbk_obj_t *o = dbk_obj_get (req, key);
    if (!o)
        return 0;
    if (dbk_obj_str (o, &s, &n) || n == 0 || n >= outsz || memchr (s, 0, n))
        return dbk_svc_reject (ctx, DBK_EINVAL, key, "%s must be text of 1 to %zu bytes", key,
                               outsz - 1);
    memcpy (out, s, n);
    out[n] = 0;
    return 0;
}

/*  TENDER_DEADLINES {days (0..366, default 14), as_of, owner} ->
    {tenders: [row + days_left]}: tenders not yet submitted whose
    submission deadline falls from as_of to as_of + days, soonest first. */
int bidding_deadlines_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char as_of[11], owner[CONTACTS_SHORT_MAX + 1];
    uint64_t days = 14;
    const dbk_obj_t *dobj = dbk_obj_get (req, "days");
    if (dobj && (dbk_obj_u64 (dobj, &days) || days > 366))
        return dbk_svc_reject (ctx, DBK_EINVAL, "days", "days must be from 0 to 366");
    if (!contacts_req_date (ctx, req, "as_of", as_of, NULL))
        return DBK_EINVAL;
    int rc = s_text (ctx, req, "owner", owner, sizeof owner);
    if (rc)
        return rc;
    MDB_cursor *cur;
    dbk_wr_t *items = dbk_wr_new ();
    if (!items || mdb_cursor_open (txn, dbk_svc_dbi (ctx, BID_DB_DEADLINES), &cur)) {
        dbk_wr_destroy (&items);
        return DBK_EIO;
    }
    MDB_val k = {10, as_of}, v;
    uint32_t n = 0;
    for (int r = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE); r == 0 && n < CONTACTS_PAGE_MAX;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        char date[11], id[CONTACTS_ID_MAX + 1];
        if (k.mv_size < 12 || ((const char *) k.mv_data)[10] != 0 ||
            k.mv_size - 11 > CONTACTS_ID_MAX)
            continue;
        memcpy (date, k.mv_data, 10);
        date[10] = 0;
        int32_t left = bid_days_between (as_of, date);
        if (left < 0 || (uint64_t) left > days)
            break;
        memcpy (id, (const char *) k.mv_data + 11, k.mv_size - 11);
        id[k.mv_size - 11] = 0;
        dbk_doc_t *row = s_row (ctx, txn, 't', id);
        if (row &&
            (!owner[0] || dbk_obj_str_eq (dbk_obj_get (dbk_doc_root (row), "owner"), owner))) {
            s_row_pairs (items, row, 1);
            dbk_wr_kv_i64 (items, "days_left", left);
            n++;
        }
        dbk_doc_destroy (&row);
    }
    mdb_cursor_close (cur);
    dbk_wr_map (w, 1);
    dbk_wr_cstr (w, "tenders");
    dbk_wr_array (w, n);
    dbk_wr_raw (w, dbk_wr_data (items), dbk_wr_size (items));
    dbk_wr_destroy (&items);
    return 0;
}

/*  ---- quotes ---- */

/*  QUOTE_GET {id} -> the row plus lines, totals, timeline. */
int bidding_quote_get_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char id[CONTACTS_ID_MAX + 1];
    int rc = s_id (ctx, req, "a quote", id);
    if (rc)
        return rc;
    dbk_doc_t *row = s_row (ctx, txn, 'q', id);
    if (!row)
        return dbk_svc_reject (ctx, DBK_ENOTFOUND, "id", "no quote %s", id);
    bid_quote_t *q = calloc (1, sizeof *q);
    rc = q ? bidding_model_load (ctx, txn, 'q', id, q) : DBK_ENOMEM;
    if (rc == 0) {
        bid_totals_t tot;
        bid_quote_totals (q, &tot);
        s_row_pairs (w, row, 3);
        dbk_wr_cstr (w, "lines");
        dbk_wr_array (w, (uint32_t) q->nlines);
        for (size_t i = 0; i < q->nlines; i++) {
            const bid_line_t *l = &q->lines[i];
            dbk_wr_map (w, 10);
            dbk_wr_kv_u64 (w, "line", l->no);
            contacts_wr_kv_or_nil (w, "product_code", l->product_code);
            contacts_wr_kv_or_nil (w, "description", l->description);
            dbk_wr_kv_i64 (w, "quantity", l->quantity);
            dbk_wr_kv_i64 (w, "list_price", l->list_price);
            dbk_wr_kv_i64 (w, "discount_bp", l->discount_bp);
            dbk_wr_kv_i64 (w, "unit_price", l->unit_price);
            dbk_wr_kv_i64 (w, "effective_discount_bp",
                           bid_effective_bp (l->list_price, l->unit_price));
            dbk_wr_kv_i64 (w, "amount", l->quantity * l->unit_price);
            dbk_wr_cstr (w, "cost_price");
            if (l->has_cost)
                dbk_wr_i64 (w, l->cost_price);
            else
                dbk_wr_nil (w);
        }
        dbk_wr_cstr (w, "totals");
        dbk_wr_map (w, 8);
        dbk_wr_kv_i64 (w, "list_total", tot.list_total);
        dbk_wr_kv_i64 (w, "total", tot.total);
        dbk_wr_kv_i64 (w, "discount_bp", tot.discount_bp);
        dbk_wr_kv_i64 (w, "max_discount_bp", tot.max_discount_bp);
        dbk_wr_kv_i64 (w, "max_effective_discount_bp", tot.max_effective_discount_bp);
        dbk_wr_kv_bool (w, "cost_known", tot.cost_known);
        dbk_wr_kv_i64 (w, "margin", tot.cost_known ? tot.margin : 0);
        dbk_wr_kv_i64 (w, "margin_bp", tot.cost_known ? tot.margin_bp : 0);
        dbk_wr_cstr (w, "timeline");
        rc = bidding_model_timeline (ctx, txn, 'q', id, w);
    }
    if (q)
        bid_quote_reset (q);
    free (q);
    dbk_doc_destroy (&row);
    return rc;
}

/*  QUOTES_PENDING {level} -> {quotes: [row]}: submitted quotes awaiting
    approval, by the level they need (salesperson, manager, director). */
int bidding_pending_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char level[64];
    int rc = s_text (ctx, req, "level", level, sizeof level);
    if (rc)
        return rc;
    size_t ll = level[0] ? strlen (level) + 1 : 0; /* with its NUL */
    MDB_cursor *cur;
    dbk_wr_t *items = dbk_wr_new ();
    if (!items || mdb_cursor_open (txn, dbk_svc_dbi (ctx, BID_DB_PENDING), &cur)) {
        dbk_wr_destroy (&items);
        return DBK_EIO;
    }
    MDB_val k = {ll, level}, v;
    uint32_t n = 0;
    for (int r = mdb_cursor_get (cur, &k, &v, ll ? MDB_SET_RANGE : MDB_FIRST);
         r == 0 && n < CONTACTS_PAGE_MAX &&
         (!ll || (k.mv_size > ll && !memcmp (k.mv_data, level, ll)));
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        const char *z = memchr (k.mv_data, 0, k.mv_size);
        char id[CONTACTS_ID_MAX + 1];
        size_t il = z ? k.mv_size - (size_t) (z + 1 - (const char *) k.mv_data) : 0;
        if (!il || il > CONTACTS_ID_MAX)
            continue;
        memcpy (id, z + 1, il);
        id[il] = 0;
        dbk_doc_t *row = s_row (ctx, txn, 'q', id);
        if (row) {
            dbk_wr_obj (items, dbk_doc_root (row));
            n++;
        }
        dbk_doc_destroy (&row);
    }
    mdb_cursor_close (cur);
    dbk_wr_map (w, 1);
    dbk_wr_cstr (w, "quotes");
    dbk_wr_array (w, n);
    dbk_wr_raw (w, dbk_wr_data (items), dbk_wr_size (items));
    dbk_wr_destroy (&items);
    return 0;
}

/*  ---- contracts ---- */

static const char *const s_rcv[] = {"settled", "upcoming", "retained", "due", "overdue"};

static void s_receivables (dbk_wr_t *w, const bid_contract_t *c, const bid_receivables_t *r,
                           bool lines)
{
    dbk_wr_map (w, lines ? 9 : 8);
    dbk_wr_kv_i64 (w, "amount", r->amount);
    dbk_wr_kv_i64 (w, "invoiced", r->invoiced);
    dbk_wr_kv_i64 (w, "paid", r->paid);
    dbk_wr_kv_i64 (w, "outstanding", r->outstanding);
    dbk_wr_kv_i64 (w, "receivable", r->receivable);
    dbk_wr_kv_i64 (w, "overdue", r->overdue);
    dbk_wr_kv_i64 (w, "retention_held", r->retention_held);
    dbk_wr_kv_i64 (w, "upcoming", r->upcoming);
    if (!lines)
        return;
    dbk_wr_cstr (w, "milestones");
    dbk_wr_array (w, (uint32_t) r->nlines);
    for (size_t i = 0; i < r->nlines; i++) {
        const bid_milestone_t *m = i < c->nmilestones ? &c->milestones[i] : NULL;
        dbk_wr_map (w, 9);
        dbk_wr_kv_u64 (w, "no", r->lines[i].no);
        contacts_wr_kv_or_nil (w, "kind", m ? m->kind : NULL);
        dbk_wr_kv_i64 (w, "amount", m ? m->amount : 0);
        contacts_wr_kv_or_nil (w, "due", m ? m->due : NULL);
        dbk_wr_kv_i64 (w, "invoiced", r->lines[i].invoiced);
        dbk_wr_kv_i64 (w, "paid", r->lines[i].paid);
        dbk_wr_kv_cstr (w, "status", s_rcv[r->lines[i].status]);
        dbk_wr_kv_i64 (w, "unpaid", r->lines[i].unpaid);
        dbk_wr_kv_i64 (w, "days_overdue", r->lines[i].days_overdue);
    }
}

/*  CONTRACT_GET {id, as_of} -> the row plus terms, invoices, receivables
    (with its milestones) on as_of (default today), timeline. */
int bidding_contract_get_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char id[CONTACTS_ID_MAX + 1], as_of[11];
    bool given;
    int rc = s_id (ctx, req, "a contract", id);
    if (rc)
        return rc;
    if (!contacts_req_date (ctx, req, "as_of", as_of, &given))
        return DBK_EINVAL;
    dbk_doc_t *row = s_row (ctx, txn, 'c', id);
    if (!row)
        return dbk_svc_reject (ctx, DBK_ENOTFOUND, "id", "no contract %s", id);
    bid_contract_t *c = calloc (1, sizeof *c);
    bid_receivables_t r;
    rc = c ? bidding_model_load (ctx, txn, 'c', id, c) : DBK_ENOMEM;
    if (rc == 0 && given && c->signed_on && strcmp (c->signed_on, as_of) > 0)
        rc = dbk_svc_reject (ctx, DBK_ENOTFOUND, "as_of", "contract %s was signed on %s, after %s",
                             id, c->signed_on, as_of); /* as RECEIVABLES leaves it out */
    if (rc == 0)
        rc = bid_receivables (c, as_of, &r) ? DBK_EIO : 0;
    if (rc == 0) {
        s_row_pairs (w, row, 12);
        contacts_wr_kv_or_nil (w, "seller", c->seller);
        contacts_wr_kv_or_nil (w, "scope", c->scope);
        contacts_wr_kv_or_nil (w, "delivery_date", c->delivery_date);
        contacts_wr_kv_or_nil (w, "warranty_end", c->warranty_end);
        contacts_wr_kv_or_nil (w, "penalties", c->penalties);
        dbk_wr_kv_i64 (w, "payment_days", c->payment_days);
        dbk_wr_cstr (w, "award_amount"); /* set when the amount differs from the award */
        if (c->award_differs)
            dbk_wr_i64 (w, c->award_amount);
        else
            dbk_wr_nil (w);
        contacts_wr_kv_or_nil (w, "amount_reason", c->amount_reason);
        dbk_wr_kv_cstr (w, "as_of", as_of);
        dbk_wr_cstr (w, "invoices");
        dbk_wr_array (w, (uint32_t) c->ninvoices);
        for (size_t i = 0; i < c->ninvoices; i++) {
            dbk_wr_map (w, 4);
            contacts_wr_kv_or_nil (w, "invoice", c->invoices[i].no);
            dbk_wr_kv_u64 (w, "milestone", c->invoices[i].milestone);
            dbk_wr_kv_i64 (w, "amount", c->invoices[i].amount);
            contacts_wr_kv_or_nil (w, "date", c->invoices[i].date);
        }
        dbk_wr_cstr (w, "receivables");
        s_receivables (w, c, &r, true);
        dbk_wr_cstr (w, "timeline");
        rc = bidding_model_timeline (ctx, txn, 'c', id, w);
    }
    if (c)
        bid_contract_reset (c);
    free (c);
    dbk_doc_destroy (&row);
    return rc;
}

/*  One sum of receivables: an owner's in one currency, or a currency's
    (owner ""). In 128 bits: each contract's figures are bounded
    (BID_AMOUNT_MAX, bid_ev_money), but 9,300 contracts of 10^15 minor
    units already add up to more than an int64 holds. */
typedef struct {
    char owner[CONTACTS_SHORT_MAX + 1];
    char currency[4];
    int64_t contracts;
    dbk_wide_t v[8]; /* as s_rcv_keys */
} s_rcv_sum_t;

static const char *const s_rcv_keys[] = {"amount",     "invoiced", "paid",           "outstanding",
                                         "receivable", "overdue",  "retention_held", "upcoming"};

typedef struct {
    s_rcv_sum_t *v; /* sorted by owner, then currency */
    size_t n, cap;
} s_rcv_sums_t;

/*  Add a contract's figures to the sum of (owner, currency). */
static int s_rcv_add (s_rcv_sums_t *s, const char *owner, const char *currency,
                      const bid_receivables_t *r)
{
    size_t lo = 0, hi = s->n;
    int c = 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        c = strcmp (s->v[mid].owner, owner);
        if (!c)
            c = strcmp (s->v[mid].currency, currency);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == s->n || strcmp (s->v[lo].owner, owner) || strcmp (s->v[lo].currency, currency)) {
        if (dbk_grow (&s->v, &s->cap, s->n + 1, sizeof *s->v, 16))
            return DBK_ENOMEM;
        memmove (&s->v[lo + 1], &s->v[lo], (s->n - lo) * sizeof *s->v);
        memset (&s->v[lo], 0, sizeof *s->v);
        snprintf (s->v[lo].owner, sizeof s->v[lo].owner, "%s", owner);
        snprintf (s->v[lo].currency, sizeof s->v[lo].currency, "%s", currency);
        s->n++;
    }
    s_rcv_sum_t *t = &s->v[lo];
    const int64_t add[8] = {r->amount,     r->invoiced, r->paid,           r->outstanding,
                            r->receivable, r->overdue,  r->retention_held, r->upcoming};
    t->contracts++;
    for (int i = 0; i < 8; i++)
        t->v[i] += add[i];
    return 0;
}

/*  Write the sums under key. 0, or the refusal of a sum that does not
    fit the wire's int64 (TOO_LARGE, field "<key>.<figure>"): a total
    wrapped, or cut to the largest int64, would be a wrong figure. */
static int s_rcv_write (dbk_svc_ctx_t *ctx, dbk_wr_t *w, const char *key, const s_rcv_sums_t *s,
                        bool owner)
{
    dbk_wr_cstr (w, key);
    dbk_wr_array (w, (uint32_t) s->n);
    for (size_t i = 0; i < s->n; i++) {
        dbk_wr_map (w, 10 + owner);
        if (owner)
            dbk_wr_kv_cstr (w, "owner", s->v[i].owner);
        dbk_wr_kv_cstr (w, "currency", s->v[i].currency);
        dbk_wr_kv_i64 (w, "contracts", s->v[i].contracts);
        for (int k = 0; k < 8; k++) {
            dbk_wide_t v = s->v[i].v[k];
            if (!dbk_wide_fits (v)) {
                char field[32], value[DBK_WIDE_CHARS];
                snprintf (field, sizeof field, "%s.%s", key, s_rcv_keys[k]);
                return dbk_svc_reject (ctx, DBK_ETOOBIG, field,
                                       "%s of %s%s%s is %s: a figure on the wire is an int64, at "
                                       "most %lld in size; ask for fewer contracts (by owner)",
                                       field, owner ? s->v[i].owner : "", owner ? " in " : "",
                                       s->v[i].currency, dbk_wide_format (v, value),
                                       (long long) INT64_MAX);
            }
            dbk_wr_kv_i64 (w, s_rcv_keys[k], (int64_t) v);
        }
    }
    return 0;
}

/*  RECEIVABLES {owner, as_of} -> {as_of, contracts: [{id, number,
    owner, currency, figures}], owners: [{owner, currency, contracts,
    ...sums}], totals: [{currency, contracts, ...sums}]}: every contract
    (of the owner) signed by as_of, its figures on as_of, and their sums
    per owner and per currency (amounts of different currencies are never
    added). */
int bidding_receivables_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char as_of[11], owner[CONTACTS_SHORT_MAX + 1];
    if (!contacts_req_date (ctx, req, "as_of", as_of, NULL))
        return DBK_EINVAL;
    int rc = s_text (ctx, req, "owner", owner, sizeof owner);
    if (rc)
        return rc;
    MDB_cursor *cur;
    dbk_wr_t *items = dbk_wr_new ();
    bid_contract_t *c = calloc (1, sizeof *c);
    if (!items || !c || mdb_cursor_open (txn, dbk_svc_dbi (ctx, BID_DB_ROWS), &cur)) {
        dbk_wr_destroy (&items);
        free (c);
        return DBK_EIO;
    }
    char kind = 'c';
    MDB_val k = {1, &kind}, v;
    uint32_t n = 0;
    s_rcv_sums_t owners = {0}, totals = {0};
    for (int r = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
         r == 0 && rc == 0 && k.mv_size > 1 && *(const char *) k.mv_data == 'c';
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        dbk_doc_t *row = NULL;
        char id[CONTACTS_ID_MAX + 1];
        if (k.mv_size - 1 > CONTACTS_ID_MAX || dbk_doc_parse (v.mv_data, v.mv_size, &row))
            continue;
        const dbk_obj_t *m = dbk_doc_root (row);
        if (owner[0] && !dbk_obj_str_eq (dbk_obj_get (m, "owner"), owner)) {
            dbk_doc_destroy (&row);
            continue;
        }
        memcpy (id, (const char *) k.mv_data + 1, k.mv_size - 1);
        id[k.mv_size - 1] = 0;
        bid_contract_reset (c);
        bid_receivables_t rv;
        rc = bidding_model_load (ctx, txn, 'c', id, c);
        /*  a contract signed after as_of was owed nothing then */
        bool signed_by = !c->signed_on || strcmp (c->signed_on, as_of) <= 0;
        if (rc == 0 && signed_by && bid_receivables (c, as_of, &rv) == 0) {
            dbk_wr_map (items, 5);
            dbk_wr_kv_cstr (items, "id", id);
            dbk_wr_cstr (items, "number");
            dbk_wr_obj (items, dbk_obj_get (m, "number"));
            dbk_wr_cstr (items, "owner");
            dbk_wr_obj (items, dbk_obj_get (m, "owner"));
            contacts_wr_kv_or_nil (items, "currency", c->currency);
            dbk_wr_cstr (items, "figures");
            s_receivables (items, c, &rv, false);
            n++;
            const char *who = NULL, *cur = c->currency ? c->currency : "";
            size_t wl = 0;
            char o[CONTACTS_SHORT_MAX + 1] = "";
            if (!dbk_obj_str (dbk_obj_get (m, "owner"), &who, &wl))
                snprintf (o, sizeof o, "%.*s", (int) wl, who);
            rc = s_rcv_add (&owners, o, cur, &rv);
            if (rc == 0)
                rc = s_rcv_add (&totals, "", cur, &rv);
        }
        dbk_doc_destroy (&row);
    }
    mdb_cursor_close (cur);
    bid_contract_reset (c);
    free (c);
    if (rc == 0) {
        dbk_wr_map (w, 4);
        dbk_wr_kv_cstr (w, "as_of", as_of);
        dbk_wr_cstr (w, "contracts");
        dbk_wr_array (w, n);
        dbk_wr_raw (w, dbk_wr_data (items), dbk_wr_size (items));
        rc = s_rcv_write (ctx, w, "owners", &owners, true);
        if (rc == 0)
            rc = s_rcv_write (ctx, w, "totals", &totals, false);
    }
    free (owners.v);
    free (totals.v);
    dbk_wr_destroy (&items);
    return rc;
}

/*  ---- intelligence ---- */

/*  PRICE_INTEL {competitor} -> {competitor, openings: [{bidder, tender_id,
    date, price, rank, our_price, our_rank, type, ratio_pm}], summary:
    {openings, cheaper (their price below ours), average_ratio_pm}}: every
    opening where the competitor's price and ours were read out, ratio =
    their price / ours in per mille. The name is folded (case, width). */
int bidding_price_intel_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char name[CONTACTS_NAME_MAX + 1];
    int rc = s_text (ctx, req, "competitor", name, sizeof name);
    if (rc)
        return rc;
    if (!name[0])
        return dbk_svc_reject (ctx, DBK_EINVAL, "competitor", "competitor is required");
    char *fold = contacts_normalize_name_with (name, strlen (name), NULL);
    if (!fold)
        return dbk_svc_reject (ctx, DBK_EINVAL, "competitor", "competitor holds no letters");
    size_t fl = strlen (fold) + 1; /* with its NUL */
    MDB_cursor *cur;
    dbk_wr_t *items = dbk_wr_new ();
    if (!items || mdb_cursor_open (txn, dbk_svc_dbi (ctx, BID_DB_OPENINGS), &cur)) {
        dbk_wr_destroy (&items);
        free (fold);
        return DBK_EIO;
    }
    MDB_val k = {fl, fold}, v;
    uint32_t n = 0, cheaper = 0;
    dbk_wide_t ratio_sum = 0; /* up to CONTACTS_PAGE_MAX ratios of up to 10^18 each */
    for (int r = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
         r == 0 && n < CONTACTS_PAGE_MAX && k.mv_size > fl && !memcmp (k.mv_data, fold, fl);
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        dbk_doc_t *doc = NULL;
        int64_t price = 0, ours = 0;
        if (dbk_doc_parse (v.mv_data, v.mv_size, &doc))
            continue;
        const dbk_obj_t *m = dbk_doc_root (doc);
        dbk_obj_i64 (dbk_obj_get (m, "price"), &price);
        dbk_obj_i64 (dbk_obj_get (m, "our_price"), &ours);
        /*  prices within 0..BID_AMOUNT_MAX (bid_ev_money): the ratio,
            at most 10^18, fits; price x 1000 needs 128 bits */
        int64_t ratio = ours > 0 ? (int64_t) (((dbk_wide_t) price * 1000 + ours / 2) / ours) : 0;
        s_row_pairs (items, doc, 1);
        dbk_wr_kv_i64 (items, "ratio_pm", ratio);
        ratio_sum += ratio;
        cheaper += price < ours;
        n++;
        dbk_doc_destroy (&doc);
    }
    mdb_cursor_close (cur);
    dbk_wr_map (w, 3);
    dbk_wr_kv_cstr (w, "competitor", name);
    dbk_wr_cstr (w, "openings");
    dbk_wr_array (w, n);
    dbk_wr_raw (w, dbk_wr_data (items), dbk_wr_size (items));
    dbk_wr_cstr (w, "summary");
    dbk_wr_map (w, 3);
    dbk_wr_kv_u64 (w, "openings", n);
    dbk_wr_kv_u64 (w, "cheaper", cheaper);
    dbk_wr_kv_i64 (w, "average_ratio_pm", n ? (int64_t) ((ratio_sum + n / 2) / n) : 0);
    dbk_wr_destroy (&items);
    free (fold);
    return 0;
}

/*  WIN_RATE {} -> {types: [{type, won, lost, rate_pct}]}: awards by
    tender type; rate = won / (won + lost), percent rounded. */
int bidding_win_rate_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    (void) req;
    MDB_cursor *cur;
    dbk_wr_t *items = dbk_wr_new ();
    if (!items || mdb_cursor_open (txn, dbk_svc_dbi (ctx, BID_DB_STATS), &cur)) {
        dbk_wr_destroy (&items);
        return DBK_EIO;
    }
    MDB_val k = {1, "w"}, v;
    uint32_t n = 0;
    for (int r = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
         r == 0 && k.mv_size > 1 && *(const char *) k.mv_data == 'w';
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (v.mv_size != 16)
            continue;
        uint64_t won = dbk_be64_get (v.mv_data),
                 lost = dbk_be64_get ((const uint8_t *) v.mv_data + 8);
        dbk_wr_map (items, 4);
        dbk_wr_cstr (items, "type");
        dbk_wr_str (items, (const char *) k.mv_data + 1, k.mv_size - 1);
        dbk_wr_kv_u64 (items, "won", won);
        dbk_wr_kv_u64 (items, "lost", lost);
        unsigned __int128 all = (unsigned __int128) won + lost; /* counts: never wrapped */
        dbk_wr_kv_u64 (items, "rate_pct",
                       all ? (uint64_t) (((unsigned __int128) won * 100 + all / 2) / all) : 0);
        n++;
    }
    mdb_cursor_close (cur);
    dbk_wr_map (w, 1);
    dbk_wr_cstr (w, "types");
    dbk_wr_array (w, n);
    dbk_wr_raw (w, dbk_wr_data (items), dbk_wr_size (items));
    dbk_wr_destroy (&items);
    return 0;
}
