/*  bid_contract.c - the contract (合同的几个要素) and its collection: the
    signed terms with their payment milestones, invoices and payments
    against each milestone (never more than it, so never more than the
    contract), the fold of contract-<id>, and the receivables as of a
    date, retention (质保金) held until the warranty ends. */
#include "bid_internal.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define C_OFF(f) ((long) offsetof (bid_contract_t, f))

static const contacts_field_t s_sign_fields[] = {
    {"number", CONTACTS_F_TEXT, true, BID_SHORT_MAX, NULL, 0, 0, C_OFF (number)},
    {"opportunity_id", CONTACTS_F_ID, true, BID_ID_MAX, NULL, 0, 0, C_OFF (opportunity_id)},
    {"buyer_id", CONTACTS_F_ID, true, BID_ID_MAX, NULL, 0, 0, C_OFF (buyer_id)},
    {"seller", CONTACTS_F_TEXT, true, BID_NAME_MAX, NULL, 0, 0, C_OFF (seller)},
    {"scope", CONTACTS_F_NOTE, true, BID_NOTE_MAX, NULL, 0, 0, C_OFF (scope)},
    {"amount", CONTACTS_F_MONEY, true, 0, NULL, 1, BID_AMOUNT_MAX, C_OFF (amount)},
    {"currency", CONTACTS_F_CURRENCY, true, 3, NULL, 0, 0, C_OFF (currency)},
    {"signed_on", CONTACTS_F_DATE, true, 10, NULL, 0, 0, C_OFF (signed_on)},
    {"tender_id", CONTACTS_F_ID, false, BID_ID_MAX, NULL, 0, 0, C_OFF (tender_id)},
    {"delivery_date", CONTACTS_F_DATE, false, 10, NULL, 0, 0, C_OFF (delivery_date)},
    {"warranty_end", CONTACTS_F_DATE, false, 10, NULL, 0, 0, C_OFF (warranty_end)},
    {"penalties", CONTACTS_F_NOTE, false, BID_NOTE_MAX, NULL, 0, 0, C_OFF (penalties)},
    {"payment_days", CONTACTS_F_INT, false, 0, NULL, 0, BID_PAYMENT_DAYS_MAX, C_OFF (payment_days)},
    {"amount_reason", CONTACTS_F_NOTE, false, BID_NOTE_MAX, NULL, 0, 0, C_OFF (amount_reason)},
};
#define S_NSIGN (sizeof s_sign_fields / sizeof s_sign_fields[0])

static const contacts_field_t s_ms_fields[] = {
    {"kind", CONTACTS_F_ENUM, true, 16, bid_milestone_kinds, 0, 0, -1},
    {"amount", CONTACTS_F_MONEY, true, 0, NULL, 1, BID_AMOUNT_MAX, -1},
    {"due", CONTACTS_F_DATE, false, 10, NULL, 0, 0, -1},
};

void bid_contract_init (bid_contract_t *self)
{
    memset (self, 0, sizeof *self);
}

void bid_contract_reset (bid_contract_t *self)
{
    contacts_free_fields (self, s_sign_fields, S_NSIGN);
    free (self->id);
    free (self->touched);
    for (size_t i = 0; i < self->nmilestones; i++) {
        free (self->milestones[i].kind);
        free (self->milestones[i].due);
    }
    for (size_t i = 0; i < self->ninvoices; i++) {
        free (self->invoices[i].no);
        free (self->invoices[i].date);
    }
    for (size_t i = 0; i < self->npayments; i++)
        free (self->payments[i].date);
    free (self->payments);
    bid_contract_init (self);
}

/*  ---- signing ---- */

typedef struct {
    contacts_value_t vals[3];
    size_t n;
    int kind;
} s_ms_t;

static int s_ms_reject (dbk_decision_t *d, size_t i)
{
    char msg[300];
    snprintf (msg, sizeof msg, "%s", dbk_decision_message (d));
    return dbk_decision_reject (d, DBK_EINVAL, "milestones", "milestone %zu: %s", i + 1, msg);
}

/*  The milestones: each valid, retention due when the warranty ends,
    none due before the signature (a payment term of a contract runs
    from it: an earlier due date is a typing error, and would show the
    milestone overdue from the day it is signed), the amounts adding up
    to the contract's. */
static int s_check_milestones (dbk_decision_t *d, const dbk_obj_t *arr, int64_t amount,
                               const contacts_value_t *signed_on, const contacts_value_t *warranty,
                               s_ms_t *ms, size_t *n)
{
    if (!arr)
        return dbk_decision_reject (d, DBK_EINVAL, "milestones", "milestones is required");
    *n = dbk_obj_len (arr);
    if (dbk_obj_type (arr) != DBK_T_ARRAY || *n == 0 || *n > BID_MILESTONES_MAX)
        return dbk_decision_reject (d, DBK_EINVAL, "milestones",
                                    "milestones must be a list of 1 to %d payment milestones",
                                    BID_MILESTONES_MAX);
    int64_t sum = 0;
    for (size_t i = 0; i < *n; i++) {
        s_ms_t *m = &ms[i];
        if (contacts_check_fields (d, dbk_obj_at (arr, i), s_ms_fields, 3, NULL, false, m->vals,
                                   &m->n))
            return s_ms_reject (d, i);
        m->n = bid_present (m->vals, m->n);
        m->kind = bid_index (bid_milestone_kinds, m->vals[0].s, m->vals[0].n);
        sum += m->vals[1].i;
        const contacts_value_t *due = bid_val (m->vals, m->n, "due");
        bool retention = !strcmp (bid_milestone_kinds[m->kind], "retention");
        const contacts_value_t *falls = retention && warranty ? warranty : due;
        if (falls && signed_on && falls->n == 10 && signed_on->n == 10 &&
            memcmp (falls->s, signed_on->s, 10) < 0)
            return dbk_decision_reject (d, DBK_EINVAL, "milestones",
                                        "milestone %zu (%s) falls due %s %.*s, before signed_on "
                                        "(%.*s): a payment falls due once the contract is signed",
                                        i + 1, bid_milestone_kinds[m->kind],
                                        falls == warranty ? "when the warranty ends," : "on",
                                        (int) falls->n, falls->s, (int) signed_on->n, signed_on->s);
        if (!retention)
            continue;
        if (!warranty)
            return dbk_decision_reject (d, DBK_EINVAL, "warranty_end",
                                        "retention is held until the warranty ends: give "
                                        "warranty_end");
        if (due && (due->n != warranty->n || memcmp (due->s, warranty->s, due->n)))
            return dbk_decision_reject (d, DBK_EINVAL, "milestones",
                                        "milestone %zu: retention falls due when the warranty "
                                        "ends, %.*s",
                                        i + 1, (int) warranty->n, warranty->s);
    }
    if (sum != amount)
        return dbk_decision_reject (d, DBK_EINVAL, "milestones",
                                    "the milestones add up to %lld but the contract amount is "
                                    "%lld",
                                    (long long) sum, (long long) amount);
    return 0;
}

/*  A contract follows a won award (签订合同 after 中标公示): the tender it
    names was awarded won, for this deal; without a tender, the deal was
    won (by hand, or by an award the contract does not name). A deal won
    by the tender's own award is not asked about: the opportunities
    service wins it after the award, and the contract may come first.
    The contract is in the currency of that tender, else of the deal. */
static int s_follows_a_win (dbk_decision_t *d, const contacts_value_t *vals, size_t nvals,
                            bid_ref_t deal, bid_ref_t tender, const bid_lookup_t *lk)
{
    const contacts_value_t *ov = bid_val (vals, nvals, "opportunity_id");
    const contacts_value_t *tv = bid_val (vals, nvals, "tender_id");
    const contacts_value_t *cv = bid_val (vals, nvals, "currency");
    char oid[BID_ID_MAX + 1], tid[BID_ID_MAX + 1] = "", of[BID_ID_MAX + 1] = "", want[4] = "";
    snprintf (oid, sizeof oid, "%.*s", (int) ov->n, ov->s);
    bool known;
    if (tv) {
        snprintf (tid, sizeof tid, "%.*s", (int) tv->n, tv->s);
        if (tender != BID_REF_WON)
            return dbk_decision_reject (d, DBK_EREJECTED, "tender_id",
                                        tender == BID_REF_CLOSED
                                            ? "tender %s was lost: a contract follows a won award"
                                            : "tender %s is not awarded yet: a contract follows a "
                                              "won award",
                                        tid);
        known = lk && lk->tender_terms && lk->tender_terms (lk->ctx, tid, of, want);
        if (known && strcmp (of, oid))
            return dbk_decision_reject (d, DBK_EREJECTED, "tender_id",
                                        "tender %s is for opportunity %s, not %s", tid, of, oid);
    } else {
        if (deal != BID_REF_WON)
            return dbk_decision_reject (
                d, DBK_EREJECTED, "opportunity_id",
                deal == BID_REF_CLOSED
                    ? "opportunity %s was lost, abandoned or closed as a duplicate: it takes no "
                      "contract"
                    : "opportunity %s is not won: a contract follows a won deal (record the win, "
                      "or name the tender awarded won)",
                oid);
        known = lk && lk->currency && lk->currency (lk->ctx, oid, want);
    }
    if (known && (cv->n != 3 || memcmp (cv->s, want, 3)))
        return dbk_decision_reject (
            d, DBK_EREJECTED, "currency", "%s %s is in %s: its contract must be too (not %.*s)",
            tv ? "tender" : "opportunity", tv ? tid : oid, want, (int) cv->n, cv->s);
    return 0;
}

int bid_contract_sign (dbk_decision_t *d, const bid_contract_t *c, const char *id,
                       const dbk_obj_t *cmd, const bid_facts_t *facts)
{
    static const char *const extra[] = {"milestones", NULL};
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_id (d, "id", id, id ? strlen (id) : 0);
    if (!rc)
        rc = contacts_check_fields (d, cmd, s_sign_fields, S_NSIGN, extra, false, vals, &nvals);
    if (rc)
        return rc;
    nvals = bid_present (vals, nvals);
    if ((rc = bid_check_done_by_on (d, vals, nvals, "signed_on", facts)))
        return rc;
    const contacts_value_t *warranty = bid_val (vals, nvals, "warranty_end");
    const contacts_value_t *delivery = bid_val (vals, nvals, "delivery_date");
    if (warranty && delivery && memcmp (warranty->s, delivery->s, 10) < 0)
        return dbk_decision_reject (d, DBK_EINVAL, "warranty_end",
                                    "the warranty cannot end (%.*s) before delivery (%.*s)",
                                    (int) warranty->n, warranty->s, (int) delivery->n, delivery->s);
    s_ms_t ms[BID_MILESTONES_MAX];
    size_t nms = 0;
    if ((rc = s_check_milestones (d, dbk_obj_get (cmd, "milestones"),
                                  bid_val (vals, nvals, "amount")->i,
                                  bid_val (vals, nvals, "signed_on"), warranty, ms, &nms)))
        return rc;
    if (c->exists)
        return dbk_decision_reject (d, DBK_EDUPLICATE, "id", "contract %s exists already", id);
    const bid_lookup_t *lk = facts ? facts->lookup : NULL;
    static const char *const refs[] = {"opportunity_id", "buyer_id", "tender_id"};
    static const char *const what[] = {"opportunity", "account", "tender"};
    bid_ref_t ref[3];
    for (size_t i = 0; i < 3; i++) {
        const contacts_value_t *v = bid_val (vals, nvals, refs[i]);
        bid_ref_t (*fn) (void *, const char *) = !lk      ? NULL
                                                 : i == 0 ? lk->opportunity
                                                 : i == 1 ? lk->account
                                                          : lk->tender;
        ref[i] = v ? bid_ref (facts, fn, v->s, v->n) : BID_REF_ACTIVE;
        if (ref[i] == BID_REF_MISSING)
            return dbk_decision_reject (d, DBK_ENOTFOUND, refs[i], "no such %s: %.*s", what[i],
                                        (int) v->n, v->s);
        /*  an account archived or merged into another takes no new one */
        if (i == 1 && ref[i] != BID_REF_ACTIVE)
            return dbk_decision_reject (d, DBK_EREJECTED, refs[i],
                                        "account %.*s is archived or merged into another and "
                                        "takes no new contract",
                                        (int) v->n, v->s);
    }
    /*  the deal found, the contract is not stated before its
        registration */
    const contacts_value_t *ov = bid_val (vals, nvals, "opportunity_id");
    char ref_id[BID_ID_MAX + 1], since[11], fact[BID_ID_MAX + 40];
    snprintf (ref_id, sizeof ref_id, "%.*s", (int) ov->n, ov->s);
    if ((rc = bid_check_on_deal (d, ref_id, facts)) ||
        (rc = s_follows_a_win (d, vals, nvals, ref[0], ref[2], lk)))
        return rc;
    /*  signed after the award it follows (签订合同 after 中标公示), else
        after the deal's win: a deal won without a tender (by hand) is
        compared with the win as a tendered one with its award */
    const contacts_value_t *tv = bid_val (vals, nvals, "tender_id");
    int64_t won = 0;
    snprintf (ref_id, sizeof ref_id, "%.*s", (int) (tv ? tv->n : ov->n), tv ? tv->s : ov->s);
    snprintf (fact, sizeof fact, tv ? "the award of tender %s" : "the win of opportunity %s",
              ref_id);
    bool award = lk && (tv ? lk->tender_award && lk->tender_award (lk->ctx, ref_id, since, &won)
                           : lk->deal_won && lk->deal_won (lk->ctx, ref_id, since, &won));
    if (award && (rc = bid_check_not_before (d, vals, nvals, "signed_on", facts, since, fact)))
        return rc;
    /*  the award's (the win's) amount, unless the contract says why not
        (see the header): a negotiated change is recorded with its reason
        and that amount beside it, a typo is refused with both amounts */
    int64_t amount = bid_val (vals, nvals, "amount")->i;
    bool differs = award && won > 0 && amount != won; /* 0: an award without its amount */
    if (differs && !bid_val (vals, nvals, "amount_reason"))
        return dbk_decision_reject (d, DBK_EREJECTED, "amount",
                                    "amount %lld is not the %lld of %s (%+lld): correct it, or "
                                    "say in amount_reason why the contract differs from the %s",
                                    (long long) amount, (long long) won, fact,
                                    (long long) (amount - won), tv ? "award" : "win");
    /*  a contract number is one contract's, as the customer's books and
        ours know it: invoices and payments are booked against it */
    const contacts_value_t *nv = bid_val (vals, nvals, "number");
    char number[BID_SHORT_MAX + 1], other[BID_ID_MAX + 1];
    snprintf (number, sizeof number, "%.*s", (int) nv->n, nv->s);
    if (lk && lk->contract_number && lk->contract_number (lk->ctx, number, other))
        return dbk_decision_reject (d, DBK_EDUPLICATE, "number",
                                    "contract number %s is contract %s's already (numbers "
                                    "compare regardless of case, width and spaces)",
                                    number, other);
    bool days = bid_val (vals, nvals, "payment_days") != NULL;
    dbk_wr_t *w =
        bid_begin (d, "contract", id, "contract.signed", nvals + 1 + !days + differs, facts);
    bid_write_vals (w, vals, nvals);
    if (!days)
        dbk_wr_kv_i64 (w, "payment_days", 0);
    if (differs)
        dbk_wr_kv_i64 (w, "award_amount", won);
    dbk_wr_cstr (w, "milestones");
    dbk_wr_array (w, (uint32_t) nms);
    for (size_t i = 0; i < nms; i++) {
        bool retention = !strcmp (bid_milestone_kinds[ms[i].kind], "retention");
        const contacts_value_t *due = retention ? warranty : bid_val (ms[i].vals, ms[i].n, "due");
        dbk_wr_map (w, 3 + (due != NULL));
        dbk_wr_kv_u64 (w, "no", i + 1);
        bid_write_vals (w, ms[i].vals, 2);
        if (due) {
            dbk_wr_cstr (w, "due");
            dbk_wr_str (w, due->s, due->n);
        }
    }
    return 0;
}

/*  ---- collection ---- */

/*  Invoices and payments share their fields; an invoice needs its
    number. (Two tables, not one patched copy: validated values point at
    their field for as long as they are used.) */
static const contacts_field_t s_money_fields[2][4] = {
    {
        {"milestone", CONTACTS_F_INT, true, 0, NULL, 1, BID_MILESTONES_MAX, -1},
        {"amount", CONTACTS_F_MONEY, true, 0, NULL, 1, BID_AMOUNT_MAX, -1},
        {"invoice", CONTACTS_F_TEXT, false, BID_SHORT_MAX, NULL, 0, 0, -1},
        {"date", CONTACTS_F_DATE, false, 10, NULL, 0, 0, -1},
    },
    {
        {"milestone", CONTACTS_F_INT, true, 0, NULL, 1, BID_MILESTONES_MAX, -1},
        {"amount", CONTACTS_F_MONEY, true, 0, NULL, 1, BID_AMOUNT_MAX, -1},
        {"invoice", CONTACTS_F_TEXT, true, BID_SHORT_MAX, NULL, 0, 0, -1},
        {"date", CONTACTS_F_DATE, false, 10, NULL, 0, 0, -1},
    },
};

/*  The date of a collection command: its "date", else today ("" if
    neither). */
static void s_date_of (const contacts_value_t *vals, size_t n, const bid_facts_t *facts,
                       char out[11])
{
    const contacts_value_t *v = bid_val (vals, n, "date");
    out[0] = 0;
    if (v)
        snprintf (out, 11, "%.*s", (int) v->n, v->s);
    else if (facts && facts->today)
        snprintf (out, 11, "%s", facts->today);
}

/*  Validate (a date no later than the business date), find the
    contract, date the invoice or payment (its "date", else the
    business date, no earlier than the signature) and find the
    milestone. */
static int s_money_cmd (dbk_decision_t *d, const bid_contract_t *c, const dbk_obj_t *cmd,
                        const bid_facts_t *facts, bool invoicing, contacts_value_t *vals,
                        size_t *nvals, char date[11], const bid_milestone_t **m)
{
    int rc = contacts_check_fields (d, cmd, s_money_fields[invoicing], 4, NULL, false, vals, nvals);
    if (rc)
        return rc;
    *nvals = bid_present (vals, *nvals);
    if ((rc = bid_check_done_by_on (d, vals, *nvals, "date", facts)))
        return rc;
    if (!c->exists)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "id", "no such contract");
    if ((rc = bid_check_on_deal (d, c->opportunity_id, facts)))
        return rc;
    /*  nothing is invoiced nor paid on a contract before it exists: an
        advance paid before the signature is recorded as of the signing
        day. A contract folded without signed_on bounds nothing. */
    s_date_of (vals, *nvals, facts, date);
    if (*date && c->signed_on && strcmp (date, c->signed_on) < 0)
        return dbk_decision_reject (
            d, DBK_EINVAL, "date",
            "date (%s%s) cannot be before signed_on (%s): contract %s was not signed yet", date,
            bid_val (vals, *nvals, "date") ? "" : ", the business date", c->signed_on, c->id);
    int64_t no = vals[0].i;
    if (no > (int64_t) c->nmilestones)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "milestone",
                                    "contract %s has no milestone %lld", c->id, (long long) no);
    *m = &c->milestones[no - 1];
    return 0;
}

static const bid_invoice_t *s_invoice (const bid_contract_t *c, const contacts_value_t *v)
{
    for (size_t i = 0; v && i < c->ninvoices; i++)
        if (bid_eq (c->invoices[i].no, v->s, v->n))
            return &c->invoices[i];
    return NULL;
}

int bid_contract_invoice (dbk_decision_t *d, const bid_contract_t *c, const dbk_obj_t *cmd,
                          const bid_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    const bid_milestone_t *m;
    char date[11];
    int rc = s_money_cmd (d, c, cmd, facts, true, vals, &nvals, date, &m);
    if (rc)
        return rc;
    const contacts_value_t *inv = bid_val (vals, nvals, "invoice");
    if (s_invoice (c, inv))
        return dbk_decision_reject (d, DBK_EDUPLICATE, "invoice", "invoice %.*s exists already",
                                    (int) inv->n, inv->s);
    if (!strcmp (m->kind, "retention") && m->due && (!*date || strcmp (date, m->due) < 0))
        return dbk_decision_reject (d, DBK_EREJECTED, "milestone",
                                    "retention is held until the warranty ends on %s", m->due);
    int64_t left = m->amount - m->invoiced;
    if (vals[1].i > left)
        return dbk_decision_reject (d, DBK_EREJECTED, "amount",
                                    "only %lld is left to invoice on milestone %u (%s) of %lld",
                                    (long long) left, m->no, m->kind, (long long) m->amount);
    if (c->ninvoices >= BID_INVOICES_MAX)
        return dbk_decision_reject (d, DBK_EREJECTED, "invoice",
                                    "contract %s holds %d invoices, the most it can", c->id,
                                    BID_INVOICES_MAX);
    dbk_wr_t *w = bid_begin (d, "contract", c->id, "contract.invoiced", 3 + (*date != 0), facts);
    bid_write_vals (w, vals, 3);
    if (*date)
        dbk_wr_kv_cstr (w, "date", date);
    return 0;
}

int bid_contract_payment (dbk_decision_t *d, const bid_contract_t *c, const dbk_obj_t *cmd,
                          const bid_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    const bid_milestone_t *m;
    char date[11];
    int rc = s_money_cmd (d, c, cmd, facts, false, vals, &nvals, date, &m);
    if (rc)
        return rc;
    const contacts_value_t *iv = bid_val (vals, nvals, "invoice");
    const bid_invoice_t *inv = s_invoice (c, iv);
    if (iv && (!inv || inv->milestone != m->no))
        return dbk_decision_reject (d, DBK_ENOTFOUND, "invoice", "milestone %u has no invoice %.*s",
                                    m->no, (int) iv->n, iv->s);
    if (c->npayments >= BID_PAYMENTS_MAX) /* a contract's state stays bounded */
        return dbk_decision_reject (d, DBK_EREJECTED, "amount",
                                    "contract %s has %d payments, the most: record the next "
                                    "ones together",
                                    c->id, BID_PAYMENTS_MAX);
    int64_t left = m->amount - m->paid;
    if (vals[1].i > left)
        return dbk_decision_reject (d, DBK_EREJECTED, "amount",
                                    "only %lld is left to collect on milestone %u (%s) of %lld",
                                    (long long) left, m->no, m->kind, (long long) m->amount);
    dbk_wr_t *w = bid_begin (d, "contract", c->id, "contract.payment_received",
                             2 + !!iv + (*date != 0), facts);
    bid_write_vals (w, vals, 2 + !!iv);
    if (*date)
        dbk_wr_kv_cstr (w, "date", date);
    return 0;
}

/*  ---- evolve ---- */

#define S_GET(k) dbk_obj_get (data, (k))

static int s_signed (bid_contract_t *c, const dbk_obj_t *data)
{
    const dbk_obj_t *arr = S_GET ("milestones");
    if (c->exists || !S_GET ("amount") || !S_GET ("currency") ||
        dbk_obj_type (arr) != DBK_T_ARRAY || dbk_obj_len (arr) > BID_MILESTONES_MAX)
        return DBK_EMALFORMED;
    int rc = bid_ev_req (&c->id, data, "id");
    if (!rc)
        rc = contacts_apply_fields (c, s_sign_fields, S_NSIGN, data);
    /*  the amounts within what the deciders accept (bid_ev_money), so
        that a contract's invoiced and paid sums, and the receivables of
        many contracts, are sums of bounded terms */
    if (!rc && (c->amount < 1 || c->amount > BID_AMOUNT_MAX))
        rc = DBK_EMALFORMED;
    if (!rc && S_GET ("award_amount")) {
        rc = bid_ev_i64 (&c->award_amount, data, "award_amount");
        c->award_differs = rc == 0;
    }
    for (size_t i = 0; !rc && i < dbk_obj_len (arr); i++) {
        const dbk_obj_t *o = dbk_obj_at (arr, i);
        bid_milestone_t *m = &c->milestones[c->nmilestones++];
        memset (m, 0, sizeof *m);
        m->no = (unsigned) c->nmilestones;
        rc = bid_ev_req (&m->kind, o, "kind");
        if (!rc)
            rc = bid_ev_money (&m->amount, o, "amount", 1);
        if (!rc)
            rc = bid_ev_opt (&m->due, o, "due");
    }
    if (!rc)
        c->exists = true;
    return rc;
}

static int s_money (bid_contract_t *c, bool invoiced, const dbk_obj_t *data)
{
    unsigned no;
    int64_t amount;
    if (bid_ev_uint (&no, data, "milestone") || no < 1 || no > c->nmilestones ||
        bid_ev_money (&amount, data, "amount", 1))
        return DBK_EMALFORMED;
    bid_milestone_t *m = &c->milestones[no - 1];
    /*  the date it happened ("date", else the business date it was
        recorded on): receivables as of an earlier date leave it out */
    const char *date_key = S_GET ("date") ? "date" : "on";
    if (!invoiced) {
        /*  as the decider: BID_PAYMENTS_MAX payments of at most
            BID_AMOUNT_MAX each keep `paid` within an int64 */
        if (c->npayments >= BID_PAYMENTS_MAX)
            return DBK_EMALFORMED;
        if (dbk_grow (&c->payments, &c->payments_cap, c->npayments + 1, sizeof *c->payments, 8))
            return DBK_ENOMEM;
        bid_payment_t *p = &c->payments[c->npayments++];
        memset (p, 0, sizeof *p);
        p->milestone = no;
        p->amount = amount;
        m->paid += amount;
        c->paid += amount;
        return bid_ev_opt (&p->date, data, date_key);
    }
    if (c->ninvoices >= BID_INVOICES_MAX)
        return DBK_EMALFORMED;
    bid_invoice_t *inv = &c->invoices[c->ninvoices++];
    memset (inv, 0, sizeof *inv);
    inv->milestone = no;
    inv->amount = amount;
    int rc = bid_ev_req (&inv->no, data, "invoice");
    if (!rc)
        rc = bid_ev_opt (&inv->date, data, date_key);
    m->invoiced += amount;
    c->invoiced += amount;
    return rc;
}

int bid_contract_evolve (bid_contract_t *c, const char *type, const dbk_obj_t *data)
{
    if (!type || strncmp (type, "contract.", 9))
        return 0;
    static const char *const known[] = {"signed", "invoiced", "payment_received", NULL};
    int k = bid_index (known, type + 9, strlen (type + 9));
    if (k < 0)
        return 0;
    if (!data || dbk_obj_type (data) != DBK_T_MAP || (k > 0 && !c->exists))
        return DBK_EMALFORMED;
    int rc = k == 0 ? s_signed (c, data) : s_money (c, k == 1, data);
    if (!rc && S_GET ("on") && dbk_obj_type (S_GET ("on")) == DBK_T_STR)
        rc = contacts_set_str (&c->touched, S_GET ("on"));
    return rc;
}

/*  ---- receivables ---- */

/*  Did it happen by as_of? Dates compare as strings; an undated fact
    (folded without a business date) counts on every date. */
static bool s_by (const char *date, const char *as_of)
{
    return !date || strcmp (date, as_of) <= 0;
}

int bid_receivables (const bid_contract_t *c, const char *as_of, bid_receivables_t *out)
{
    memset (out, 0, sizeof *out);
    if (!as_of || !contacts_date_valid (as_of, strlen (as_of), false))
        return DBK_EINVAL;
    out->amount = c->amount;
    out->nlines = c->nmilestones;
    for (size_t i = 0; i < c->nmilestones; i++)
        out->lines[i].no = c->milestones[i].no;
    for (size_t i = 0; i < c->ninvoices; i++) {
        const bid_invoice_t *v = &c->invoices[i];
        if (v->milestone >= 1 && v->milestone <= c->nmilestones && s_by (v->date, as_of)) {
            out->lines[v->milestone - 1].invoiced += v->amount;
            out->invoiced += v->amount;
        }
    }
    for (size_t i = 0; i < c->npayments; i++) {
        const bid_payment_t *p = &c->payments[i];
        if (p->milestone >= 1 && p->milestone <= c->nmilestones && s_by (p->date, as_of)) {
            out->lines[p->milestone - 1].paid += p->amount;
            out->paid += p->amount;
        }
    }
    out->outstanding = c->amount - out->paid;
    for (size_t i = 0; i < c->nmilestones; i++) {
        const bid_milestone_t *m = &c->milestones[i];
        bid_rcv_line_t *l = &out->lines[i];
        l->unpaid = m->amount - l->paid;
        l->uninvoiced = m->amount - l->invoiced;
        int32_t late = m->due ? bid_days_between (m->due, as_of) : INT32_MIN;
        bool retention = !strcmp (m->kind, "retention");
        if (l->unpaid <= 0)
            l->status = BID_RCV_SETTLED;
        else if (late == INT32_MIN || late < 0) {
            l->status = retention ? BID_RCV_RETAINED : BID_RCV_UPCOMING;
            if (retention)
                out->retention_held += l->unpaid;
            else
                out->upcoming += l->unpaid;
        } else if (late <= c->payment_days) {
            l->status = BID_RCV_DUE;
            out->receivable += l->unpaid;
        } else {
            l->status = BID_RCV_OVERDUE;
            l->days_overdue = late - c->payment_days;
            out->receivable += l->unpaid;
            out->overdue += l->unpaid;
        }
    }
    return 0;
}
