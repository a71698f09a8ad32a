/*  bid_quote.c - quotes and their pricing approval (报价——定价流程): the
    lines with list price, discount and cost, the figures computed from
    them, the approval chain by discount, and the fold of quote-<id>.
    A quote's every change bumps its revision and makes it a draft again,
    so that an approval always covers exactly the lines approved. */
#include "bid_internal.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bid_quote_init (bid_quote_t *self)
{
    memset (self, 0, sizeof *self);
}

static void s_line_free (bid_line_t *l)
{
    free (l->product_code);
    free (l->description);
    memset (l, 0, sizeof *l);
}

void bid_quote_reset (bid_quote_t *self)
{
    char **strs[] = {&self->id,      &self->tender_id,      &self->currency, &self->title,
                     &self->touched, &self->required_level, &self->approver, &self->verdict_note};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free (*strs[i]);
    for (size_t i = 0; i < self->nlines; i++)
        s_line_free (&self->lines[i]);
    bid_quote_init (self);
}

int64_t bid_unit_price (int64_t list_price, int discount_bp)
{
    /* split so that no product exceeds int64 for any list price up to
       BID_AMOUNT_MAX: (list / 10000) * bp <= 10^15 */
    int64_t off = (list_price / BID_BP_FULL) * discount_bp +
                  ((list_price % BID_BP_FULL) * discount_bp + BID_BP_FULL / 2) / BID_BP_FULL;
    return list_price - off;
}

int bid_effective_bp (int64_t list_price, int64_t unit_price)
{
    if (list_price <= 0 || unit_price >= list_price)
        return 0;
    if (unit_price <= 0)
        return BID_BP_FULL;
    /*  ceil (off * 10000 / list), 0 < off < list: the product needs up
        to 78 bits, and rounding up keeps any fraction of a basis point
        beyond a limit beyond it (no float could promise that) */
    unsigned __int128 off = (unsigned __int128) (uint64_t) (list_price - unit_price) * BID_BP_FULL;
    uint64_t list = (uint64_t) list_price;
    return (int) ((off + list - 1) / list);
}

int bid_required_level (const bid_config_t *cfg, int discount_bp)
{
    if (!cfg)
        cfg = &bid_default_config;
    for (size_t i = 0; i < cfg->nlevels; i++)
        if (discount_bp <= cfg->levels[i].max_discount_bp)
            return (int) i;
    return (int) cfg->nlevels - 1;
}

/*  a / b in basis points, rounded half away from zero; b > 0. Sums
    reach 2 x 10^17, so a x 10000 needs 128 bits, where it is exact. The
    result is at most 10000 but for a margin, which a cost far above the
    price takes below -10000: -2 x 10^21 at worst (a total of 1 minor
    unit, costs of 2 x 10^17), past what an int64 holds. That margin is
    kept at INT64_MIN (-92233720368547758.08 %), never wrapped. */
static int64_t s_bp (int64_t a, int64_t b)
{
    dbk_wide_t x = (dbk_wide_t) a * BID_BP_FULL;
    dbk_wide_t r = x >= 0 ? (x + b / 2) / b : -((-x + b / 2) / b);
    return dbk_wide_fits (r) ? (int64_t) r : r < 0 ? INT64_MIN : INT64_MAX;
}

void bid_quote_totals (const bid_quote_t *q, bid_totals_t *out)
{
    memset (out, 0, sizeof *out);
    out->cost_known = q->nlines > 0;
    for (size_t i = 0; i < q->nlines; i++) {
        const bid_line_t *l = &q->lines[i];
        out->list_total += l->quantity * l->list_price;
        out->total += l->quantity * l->unit_price;
        if (l->has_cost)
            out->cost_total += l->quantity * l->cost_price;
        else
            out->cost_known = false;
        if (l->discount_bp > out->max_discount_bp)
            out->max_discount_bp = l->discount_bp;
        int eff = bid_effective_bp (l->list_price, l->unit_price);
        if (eff > out->max_effective_discount_bp)
            out->max_effective_discount_bp = eff;
    }
    if (!out->cost_known)
        out->cost_total = 0;
    else
        out->margin = out->total - out->cost_total;
    if (out->cost_known && out->total > 0)
        out->margin_bp = s_bp (out->margin, out->total);
    if (out->list_total > 0)
        out->discount_bp = s_bp (out->list_total - out->total, out->list_total);
}

/*  ---- deciders ---- */

/*  q exists, and the command is not stated before its tender's deal was
    registered. */
static int s_check_quote (dbk_decision_t *d, const bid_quote_t *q, const bid_facts_t *facts)
{
    if (q->status == BID_QUOTE_NONE)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "id", "no such quote");
    const char *tid = q->tender_id;
    return bid_check_on_tender (d, tid, tid ? strlen (tid) : 0, facts);
}

/*  New pricing work on q: s_check_quote, its tender was not awarded nor
    its bid submitted with q, and its tender's deal is not closed without
    a win. */
static int s_check_work (dbk_decision_t *d, const bid_quote_t *q, const bid_facts_t *facts)
{
    int rc = s_check_quote (d, q, facts);
    const char *tid = q->tender_id;
    return rc ? rc : bid_quote_check_work (d, "id", q->id, tid, tid ? strlen (tid) : 0, facts);
}

int bid_quote_create (dbk_decision_t *d, const bid_quote_t *q, const char *id, const dbk_obj_t *cmd,
                      const bid_facts_t *facts)
{
    static const contacts_field_t fields[] = {
        {"tender_id", CONTACTS_F_ID, true, BID_ID_MAX, NULL, 0, 0, -1},
        {"currency", CONTACTS_F_CURRENCY, true, 3, NULL, 0, 0, -1},
        {"title", CONTACTS_F_TEXT, false, BID_NAME_MAX, NULL, 0, 0, -1},
    };
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_id (d, "id", id, id ? strlen (id) : 0);
    if (!rc)
        rc = contacts_check_fields (d, cmd, fields, 3, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    nvals = bid_present (vals, nvals);
    if (q->status != BID_QUOTE_NONE)
        return dbk_decision_reject (d, DBK_EDUPLICATE, "id", "quote %s exists already", id);
    const contacts_value_t *tv = &vals[0];
    bid_ref_t ref =
        bid_ref (facts, facts && facts->lookup ? facts->lookup->tender : NULL, tv->s, tv->n);
    if (ref == BID_REF_MISSING)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "tender_id", "no such tender: %.*s",
                                    (int) tv->n, tv->s);
    if ((rc = bid_check_on_tender (d, tv->s, tv->n, facts)) ||
        (rc = bid_quote_check_work (d, "tender_id", NULL, tv->s, tv->n, facts)))
        return rc;
    /*  a quote prices its tender's bid, in the tender's currency: the
        submission would refuse it later, after all the pricing work */
    const contacts_value_t *cv = &vals[1];
    const bid_lookup_t *lk = facts ? facts->lookup : NULL;
    char tid[BID_ID_MAX + 1], opp[BID_ID_MAX + 1], want[4];
    snprintf (tid, sizeof tid, "%.*s", (int) tv->n, tv->s);
    if (lk && lk->tender_terms && lk->tender_terms (lk->ctx, tid, opp, want) &&
        (cv->n != 3 || memcmp (cv->s, want, 3)))
        return dbk_decision_reject (d, DBK_EINVAL, "currency",
                                    "tender %s is in %s: its quotes must be too (not %.*s)", tid,
                                    want, (int) cv->n, cv->s);
    dbk_wr_t *w = bid_begin (d, "quote", id, "quote.created", nvals, facts);
    bid_write_vals (w, vals, nvals);
    return 0;
}

/*  The line fields: "line" first (change only), then as add. */
static const contacts_field_t s_line_fields[] = {
    {"line", CONTACTS_F_INT, true, 0, NULL, 1, INT32_MAX, -1},
    {"product_code", CONTACTS_F_TEXT, true, BID_SHORT_MAX, NULL, 0, 0, -1},
    {"quantity", CONTACTS_F_INT, true, 0, NULL, 1, BID_QTY_MAX, -1},
    {"list_price", CONTACTS_F_MONEY, true, 0, NULL, 0, BID_AMOUNT_MAX, -1},
    {"description", CONTACTS_F_TEXT, false, BID_NAME_MAX, NULL, 0, 0, -1},
    {"discount_bp", CONTACTS_F_INT, false, 0, NULL, 0, BID_BP_FULL, -1},
    {"cost_price", CONTACTS_F_MONEY, false, 0, NULL, 0, BID_AMOUNT_MAX, -1},
};

/*  The line's figures from validated values. */
typedef struct {
    int64_t qty, list, cost;
    int disc;
    bool has_cost;
    const contacts_value_t *code, *desc;
} s_line_t;

static void s_line_of (const contacts_value_t *vals, size_t n, s_line_t *l)
{
    const contacts_value_t *v;
    memset (l, 0, sizeof *l);
    l->code = bid_val (vals, n, "product_code");
    l->desc = bid_val (vals, n, "description");
    l->qty = bid_val (vals, n, "quantity")->i;
    l->list = bid_val (vals, n, "list_price")->i;
    if ((v = bid_val (vals, n, "discount_bp")))
        l->disc = (int) v->i;
    if ((v = bid_val (vals, n, "cost_price"))) {
        l->has_cost = true;
        l->cost = v->i;
    }
}

/*  Amounts must stay within BID_AMOUNT_MAX: the line's, and the quote's
    list total once `old` (the line replaced, or NULL) is swapped for it. */
static int s_check_amounts (dbk_decision_t *d, const bid_quote_t *q, const s_line_t *l,
                            const bid_line_t *old)
{
    if (l->list > BID_AMOUNT_MAX / l->qty)
        return dbk_decision_reject (d, DBK_EINVAL, "quantity",
                                    "quantity × list_price is over %lld minor units",
                                    (long long) BID_AMOUNT_MAX);
    if (l->has_cost && l->cost > BID_AMOUNT_MAX / l->qty)
        return dbk_decision_reject (d, DBK_EINVAL, "cost_price",
                                    "quantity × cost_price is over %lld minor units",
                                    (long long) BID_AMOUNT_MAX);
    bid_totals_t tot;
    bid_quote_totals (q, &tot);
    int64_t sum = tot.list_total - (old ? old->quantity * old->list_price : 0);
    if (sum > BID_AMOUNT_MAX - l->qty * l->list)
        return dbk_decision_reject (d, DBK_EINVAL, "quantity",
                                    "the quote's list total would be over %lld minor units",
                                    (long long) BID_AMOUNT_MAX);
    return 0;
}

static const bid_line_t *s_line_find (const bid_quote_t *q, int64_t no)
{
    for (size_t i = 0; i < q->nlines; i++)
        if (q->lines[i].no == no)
            return &q->lines[i];
    return NULL;
}

static void s_write_line (dbk_wr_t *w, const contacts_value_t *vals, size_t n, const s_line_t *l,
                          unsigned revision)
{
    bid_write_vals (w, vals, n);
    if (!bid_val (vals, n, "discount_bp"))
        dbk_wr_kv_i64 (w, "discount_bp", 0);
    dbk_wr_kv_i64 (w, "unit_price", bid_unit_price (l->list, l->disc));
    dbk_wr_kv_u64 (w, "revision", revision);
}

int bid_quote_line_add (dbk_decision_t *d, const bid_quote_t *q, const dbk_obj_t *cmd,
                        const bid_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_line_fields + 1, 6, NULL, false, vals, &nvals);
    if (!rc)
        rc = s_check_work (d, q, facts);
    if (rc)
        return rc;
    nvals = bid_present (vals, nvals);
    if (q->nlines >= BID_LINES_MAX)
        return dbk_decision_reject (d, DBK_EREJECTED, "line", "quote %s has %d lines, the most",
                                    q->id, BID_LINES_MAX);
    s_line_t l;
    s_line_of (vals, nvals, &l);
    if ((rc = s_check_amounts (d, q, &l, NULL)))
        return rc;
    bool disc = bid_val (vals, nvals, "discount_bp") != NULL;
    dbk_wr_t *w = bid_begin (d, "quote", q->id, "quote.line_added", nvals + 3 + !disc, facts);
    dbk_wr_kv_u64 (w, "line", q->last_line + 1);
    s_write_line (w, vals, nvals, &l, q->revision + 1);
    return 0;
}

int bid_quote_line_change (dbk_decision_t *d, const bid_quote_t *q, const dbk_obj_t *cmd,
                           const bid_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_line_fields, 7, NULL, false, vals, &nvals);
    if (!rc)
        rc = s_check_work (d, q, facts);
    if (rc)
        return rc;
    nvals = bid_present (vals, nvals);
    const bid_line_t *old = s_line_find (q, vals[0].i);
    if (!old)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "line", "quote %s has no line %lld", q->id,
                                    (long long) vals[0].i);
    s_line_t l;
    s_line_of (vals, nvals, &l);
    if ((rc = s_check_amounts (d, q, &l, old)))
        return rc;
    bool same = bid_eq (old->product_code, l.code->s, l.code->n) &&
                (l.desc ? bid_eq (old->description, l.desc->s, l.desc->n) : !old->description) &&
                old->quantity == l.qty && old->list_price == l.list && old->discount_bp == l.disc &&
                old->has_cost == l.has_cost && (!l.has_cost || old->cost_price == l.cost);
    if (same)
        return 0;
    bool disc = bid_val (vals, nvals, "discount_bp") != NULL;
    dbk_wr_t *w = bid_begin (d, "quote", q->id, "quote.line_changed", nvals + 2 + !disc, facts);
    s_write_line (w, vals, nvals, &l, q->revision + 1);
    return 0;
}

int bid_quote_line_remove (dbk_decision_t *d, const bid_quote_t *q, const dbk_obj_t *cmd,
                           const bid_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_line_fields, 1, NULL, false, vals, &nvals);
    if (!rc)
        rc = s_check_work (d, q, facts);
    if (rc)
        return rc;
    if (!s_line_find (q, vals[0].i))
        return dbk_decision_reject (d, DBK_ENOTFOUND, "line", "quote %s has no line %lld", q->id,
                                    (long long) vals[0].i);
    dbk_wr_t *w = bid_begin (d, "quote", q->id, "quote.line_removed", 2, facts);
    dbk_wr_kv_i64 (w, "line", vals[0].i);
    dbk_wr_kv_u64 (w, "revision", q->revision + 1);
    return 0;
}

int bid_quote_submit (dbk_decision_t *d, const bid_quote_t *q, const dbk_obj_t *cmd,
                      const bid_facts_t *facts)
{
    static const contacts_field_t fields[] = {
        {"note", CONTACTS_F_NOTE, false, BID_NOTE_MAX, NULL, 0, 0, -1},
    };
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, fields, 1, NULL, false, vals, &nvals);
    if (!rc)
        rc = s_check_work (d, q, facts);
    if (rc)
        return rc;
    nvals = bid_present (vals, nvals);
    if (q->status == BID_QUOTE_SUBMITTED)
        return dbk_decision_reject (d, DBK_EREJECTED, "id",
                                    "quote %s is waiting for approval already", q->id);
    if (q->status == BID_QUOTE_APPROVED)
        return dbk_decision_reject (d, DBK_EREJECTED, "id",
                                    "quote %s is approved already (revision %u)", q->id,
                                    q->approved_revision);
    /*  the approver refused this price: the same lines would only be
        refused again. Any change of a line makes it a draft. */
    if (q->status == BID_QUOTE_REJECTED)
        return dbk_decision_reject (d, DBK_EREJECTED, "id",
                                    "quote %s was rejected at revision %u: change its lines, then "
                                    "submit it again",
                                    q->id, q->revision);
    if (q->changes_asked) /* the same: the approver asked for other lines */
        return dbk_decision_reject (d, DBK_EREJECTED, "id",
                                    "changes were requested to quote %s at revision %u: change "
                                    "its lines, then submit it again",
                                    q->id, q->revision);
    if (!q->nlines)
        return dbk_decision_reject (d, DBK_EREJECTED, "lines", "quote %s has no line to price",
                                    q->id);
    const bid_config_t *cfg = bid_cfg (facts);
    bid_totals_t tot;
    bid_quote_totals (q, &tot);
    /*  the discount given, not the one typed: the unit price is rounded
        to the minor unit, and 3 x 333 at 20% sells at 266, 20.12% off,
        beyond a manager's 20% */
    int level = bid_required_level (cfg, tot.max_effective_discount_bp);
    dbk_wr_t *w = bid_begin (d, "quote", q->id, "quote.submitted", 5 + nvals, facts);
    dbk_wr_kv_u64 (w, "revision", q->revision);
    dbk_wr_kv_i64 (w, "total", tot.total);
    dbk_wr_kv_i64 (w, "max_discount_bp", tot.max_discount_bp);
    dbk_wr_kv_i64 (w, "max_effective_discount_bp", tot.max_effective_discount_bp);
    dbk_wr_kv_cstr (w, "required_level", cfg->levels[level].code);
    bid_write_vals (w, vals, nvals);
    return 0;
}

/*  approve / reject / request changes: the actor must hold the level the
    submission requires. `work`: the verdict leads to more bid work (an
    approval lets the bid go in, changes ask for new prices), which an
    awarded tender, or a deal closed without a win, takes no more; a
    rejection ends the approval, and clears it from the approver's queue
    whatever became of the tender and the deal. */
static int s_verdict (dbk_decision_t *d, const bid_quote_t *q, const dbk_obj_t *cmd,
                      const bid_facts_t *facts, const char *type, const char *key, bool required,
                      bool work)
{
    const contacts_field_t fields[] = {
        {key, CONTACTS_F_NOTE, required, BID_NOTE_MAX, NULL, 0, 0, -1},
    };
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, fields, 1, NULL, false, vals, &nvals);
    if (!rc)
        rc = work ? s_check_work (d, q, facts) : s_check_quote (d, q, facts);
    if (rc)
        return rc;
    nvals = bid_present (vals, nvals);
    if (q->status != BID_QUOTE_SUBMITTED)
        return dbk_decision_reject (d, DBK_EREJECTED, "id",
                                    "quote %s is not waiting for approval: submit it first", q->id);
    const char *actor = facts ? facts->actor : NULL;
    if (!actor || !*actor)
        return dbk_decision_reject (d, DBK_EREJECTED, "actor",
                                    "an approval needs to know who approves");
    const bid_config_t *cfg = bid_cfg (facts);
    bid_totals_t tot;
    bid_quote_totals (q, &tot);
    /*  the level the price given needs now, or the one the submission
        asked for when higher (limits loosened since). A lower one was
        recorded from the discount typed, before the rounded price
        decided, or under limits tightened since: no approver goes
        beyond their limit on it. */
    int need = bid_required_level (cfg, tot.max_effective_discount_bp);
    for (size_t i = 0; q->required_level && i < cfg->nlevels; i++)
        if (!strcmp (cfg->levels[i].code, q->required_level) && (int) i > need)
            need = (int) i;
    int have = facts->authority;
    if (have >= (int) cfg->nlevels)
        have = (int) cfg->nlevels - 1;
    if (have < need)
        return dbk_decision_reject (d, DBK_EREJECTED, "actor",
                                    "an effective discount of %d.%02d%% needs the approval of a %s "
                                    "or above; %s is %s",
                                    tot.max_effective_discount_bp / 100,
                                    tot.max_effective_discount_bp % 100, cfg->levels[need].code,
                                    actor, have < 0 ? "no approver" : cfg->levels[have].code);
    dbk_wr_t *w = bid_begin (d, "quote", q->id, type, 3 + nvals, facts);
    dbk_wr_kv_u64 (w, "revision", q->revision);
    dbk_wr_kv_cstr (w, "approver", actor);
    dbk_wr_kv_cstr (w, "level", cfg->levels[have].code);
    bid_write_vals (w, vals, nvals);
    return 0;
}

int bid_quote_approve (dbk_decision_t *d, const bid_quote_t *q, const dbk_obj_t *cmd,
                       const bid_facts_t *facts)
{
    return s_verdict (d, q, cmd, facts, "quote.approved", "note", false, true);
}

int bid_quote_reject (dbk_decision_t *d, const bid_quote_t *q, const dbk_obj_t *cmd,
                      const bid_facts_t *facts)
{
    return s_verdict (d, q, cmd, facts, "quote.rejected", "reason", true, false);
}

int bid_quote_request_changes (dbk_decision_t *d, const bid_quote_t *q, const dbk_obj_t *cmd,
                               const bid_facts_t *facts)
{
    return s_verdict (d, q, cmd, facts, "quote.changes_requested", "note", true, true);
}

/*  ---- evolve ---- */

#define S_GET(k) dbk_obj_get (data, (k))

static int s_line_apply (bid_line_t *l, const dbk_obj_t *data)
{
    int64_t disc;
    int rc = bid_ev_req (&l->product_code, data, "product_code");
    if (!rc)
        rc = contacts_set_str (&l->description, S_GET ("description"));
    /*  what s_check_amounts lets a decision write: the line's amounts
        each within BID_AMOUNT_MAX, so that no product or sum of the
        quote's figures (bid_quote_totals) can pass an int64 */
    if (!rc && (bid_ev_i64 (&l->quantity, data, "quantity") || l->quantity < 1 ||
                l->quantity > BID_QTY_MAX || bid_ev_money (&l->list_price, data, "list_price", 0) ||
                bid_ev_money (&l->unit_price, data, "unit_price", 0) ||
                l->unit_price > l->list_price || l->list_price > BID_AMOUNT_MAX / l->quantity ||
                bid_ev_i64 (&disc, data, "discount_bp") || disc < 0 || disc > BID_BP_FULL))
        rc = DBK_EMALFORMED;
    if (rc)
        return rc;
    l->discount_bp = (int) disc;
    l->has_cost = S_GET ("cost_price") != NULL;
    l->cost_price = 0;
    if (l->has_cost && (bid_ev_money (&l->cost_price, data, "cost_price", 0) ||
                        l->cost_price > BID_AMOUNT_MAX / l->quantity))
        return DBK_EMALFORMED;
    return 0;
}

/*  The verdict given on the lines as they were (who approved, rejected
    or asked for changes, the revision approved, the note) no longer
    holds once a line changes or the quote waits for a new verdict: the
    quote's row and QUOTE_GET would show an approver next to a draft
    or a submission, as if its new lines were approved. The timeline
    keeps the old verdict. */
static void s_verdict_clear (bid_quote_t *q)
{
    free (q->approver);
    free (q->verdict_note);
    q->approver = q->verdict_note = NULL;
    q->approved_revision = 0;
}

static int s_line_event (bid_quote_t *q, int k, const dbk_obj_t *data)
{
    unsigned no, rev;
    if (bid_ev_uint (&no, data, "line") || bid_ev_uint (&rev, data, "revision"))
        return DBK_EMALFORMED;
    size_t at = q->nlines;
    for (size_t i = 0; i < q->nlines; i++)
        if (q->lines[i].no == no)
            at = i;
    int rc = 0;
    if (k == 1) { /* added */
        if (at < q->nlines || q->nlines >= BID_LINES_MAX)
            return DBK_EMALFORMED;
        bid_line_t *l = &q->lines[q->nlines++];
        memset (l, 0, sizeof *l);
        l->no = no;
        if (no > q->last_line)
            q->last_line = no;
        rc = s_line_apply (l, data);
    } else if (at == q->nlines)
        return DBK_EMALFORMED;
    else if (k == 2) /* changed */
        rc = s_line_apply (&q->lines[at], data);
    else { /* removed */
        s_line_free (&q->lines[at]);
        memmove (&q->lines[at], &q->lines[at + 1], (q->nlines - at - 1) * sizeof q->lines[0]);
        q->nlines--;
    }
    q->revision = rev;
    q->status = BID_QUOTE_DRAFT; /* a change needs approval again */
    q->changes_asked = false;
    s_verdict_clear (q);
    return rc;
}

static int s_verdict_event (bid_quote_t *q, int k, const dbk_obj_t *data)
{
    unsigned rev;
    int rc = bid_ev_uint (&rev, data, "revision");
    if (!rc)
        rc = bid_ev_req (&q->approver, data, "approver");
    if (!rc)
        rc = contacts_set_str (&q->verdict_note, S_GET (k == 6 ? "reason" : "note"));
    if (rc)
        return rc;
    if (k == 5) {
        q->status = BID_QUOTE_APPROVED;
        q->approved_revision = rev;
    } else
        q->status = k == 6 ? BID_QUOTE_REJECTED : BID_QUOTE_DRAFT;
    q->changes_asked = k == 7;
    return 0;
}

int bid_quote_evolve (bid_quote_t *q, const char *type, const dbk_obj_t *data)
{
    if (!type || strncmp (type, "quote.", 6))
        return 0;
    static const char *const known[] = {"created",      "line_added",        "line_changed",
                                        "line_removed", "submitted",         "approved",
                                        "rejected",     "changes_requested", NULL};
    int k = bid_index (known, type + 6, strlen (type + 6));
    if (k < 0)
        return 0;
    if (!data || dbk_obj_type (data) != DBK_T_MAP)
        return DBK_EMALFORMED;
    if ((k == 0) != (q->status == BID_QUOTE_NONE))
        return DBK_EMALFORMED;
    int rc = 0;
    if (k == 0) {
        rc = bid_ev_req (&q->id, data, "id");
        if (!rc)
            rc = bid_ev_req (&q->tender_id, data, "tender_id");
        if (!rc)
            rc = bid_ev_req (&q->currency, data, "currency");
        if (!rc)
            rc = bid_ev_opt (&q->title, data, "title");
        if (!rc)
            q->status = BID_QUOTE_DRAFT;
    } else if (k <= 3)
        rc = s_line_event (q, k, data);
    else if (k == 4) {
        rc = bid_ev_req (&q->required_level, data, "required_level");
        if (!rc)
            q->status = BID_QUOTE_SUBMITTED;
        s_verdict_clear (q);
    } else
        rc = s_verdict_event (q, k, data);
    if (!rc && S_GET ("on") && dbk_obj_type (S_GET ("on")) == DBK_T_STR)
        rc = contacts_set_str (&q->touched, S_GET ("on"));
    return rc;
}
