/*  bid_award.c - the tender's decisive moments: the bid goes in (with an
    approved quote, every required part ready and the bond out), the
    opening reads out the prices, the award announces who won. The award
    event is what the opportunities service reacts to (opp_react_award),
    so its payload carries exactly the keys that reaction reads. */
#include "bid_internal.h"

#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  Index of step `code`; EREJECTED `code` when the configuration lacks
    it (an operator removed a step the code needs). */
static int s_step (dbk_decision_t *d, const bid_config_t *cfg, const char *code, int *idx)
{
    *idx = bid_step_index (cfg, code);
    if (*idx < 0)
        return dbk_decision_reject (d, DBK_EREJECTED, code, "the configuration has no %s step",
                                    code);
    return 0;
}

static const char *s_quote_status (bid_quote_status_t s)
{
    switch (s) {
    case BID_QUOTE_DRAFT:
        return "a draft";
    case BID_QUOTE_SUBMITTED:
        return "waiting for approval";
    case BID_QUOTE_REJECTED:
        return "rejected";
    default:
        return "approved";
    }
}

int bid_tender_submit (dbk_decision_t *d, const bid_tender_t *t, const struct bid_quote *q,
                       const dbk_obj_t *cmd, const bid_facts_t *facts)
{
    static const contacts_field_t fields[] = {
        {"quote_id", CONTACTS_F_ID, true, BID_ID_MAX, NULL, 0, 0, -1},
        {"date", CONTACTS_F_DATE, false, 10, NULL, 0, 0, -1},
    };
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, fields, 2, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    nvals = bid_present (vals, nvals);
    if ((rc = bid_check_done_by_on (d, vals, nvals, "date", facts)) ||
        (rc = bid_tender_check_work (d, t, facts)))
        return rc;
    const bid_config_t *cfg = bid_cfg (facts);
    int idx;
    char what[BID_SHORT_MAX + 16];
    if ((rc = s_step (d, cfg, "submission", &idx)) ||
        (rc = bid_step_check (d, t, cfg, idx, "submission")) ||
        (rc = bid_check_not_before (d, vals, nvals, "date", facts, t->step_on,
                                    bid_step_fact (t->step, what, sizeof what))))
        return rc;
    /*  the bond goes in with the bid (投标/投标保证金) */
    bool bond_out = t->bond_amount > 0 && !t->bond_returned_on;
    if (bond_out && (rc = bid_check_not_before (d, vals, nvals, "date", facts, t->bond_issued_on,
                                                "the issue of the bond that goes in with it")))
        return rc;
    if (!t->decision || strcmp (t->decision, "bid"))
        return dbk_decision_reject (d, DBK_EREJECTED, "decision",
                                    t->decision
                                        ? "tender %s was decided no_bid: decide to bid first"
                                        : "tender %s has no bid / no-bid decision yet",
                                    t->id);
    const contacts_value_t *dv = bid_val (vals, nvals, "date");
    char date[11] = "";
    if (dv)
        snprintf (date, sizeof date, "%.*s", (int) dv->n, dv->s);
    else if (facts && facts->today)
        snprintf (date, sizeof date, "%s", facts->today);
    if (*date && t->dates[5] && strcmp (date, t->dates[5]) > 0)
        return dbk_decision_reject (d, DBK_EREJECTED, "submission_deadline",
                                    "the submission deadline of tender %s was %s", t->id,
                                    t->dates[5]);
    char missing[600] = "";
    size_t at = 0;
    for (size_t i = 0; cfg->parts[i].code; i++) {
        if (!cfg->parts[i].required)
            continue;
        const bid_part_t *p = bid_tender_part (t, cfg->parts[i].code);
        if (p && !strcmp (p->status, "ready"))
            continue;
        if (at < sizeof missing) {
            int k = snprintf (missing + at, sizeof missing - at, "%s%s (%s)", at ? ", " : "",
                              cfg->parts[i].code, p ? p->status : "not assigned");
            at += k > 0 ? (size_t) k : 0;
        }
    }
    if (*missing)
        return dbk_decision_reject (d, DBK_EREJECTED, "parts",
                                    "required parts of the bid are not ready: %s", missing);
    if (t->bond_required > 0 && (t->bond_amount == 0 || t->bond_returned_on))
        return dbk_decision_reject (d, DBK_EREJECTED, "bond",
                                    "tender %s asks for a bid bond of %lld: issue it first", t->id,
                                    (long long) t->bond_required);
    const contacts_value_t *qv = &vals[0];
    if (!q || q->status == BID_QUOTE_NONE || !bid_eq (q->id, qv->s, qv->n))
        return dbk_decision_reject (d, DBK_ENOTFOUND, "quote_id", "no such quote: %.*s",
                                    (int) qv->n, qv->s);
    if (!q->tender_id || strcmp (q->tender_id, t->id))
        return dbk_decision_reject (d, DBK_EREJECTED, "quote_id", "quote %s is for tender %s",
                                    q->id, q->tender_id ? q->tender_id : "?");
    if (!q->currency || !t->currency || strcmp (q->currency, t->currency))
        return dbk_decision_reject (
            d, DBK_EREJECTED, "quote_id", "quote %s is in %s but tender %s is in %s", q->id,
            q->currency ? q->currency : "?", t->id, t->currency ? t->currency : "?");
    if (q->status != BID_QUOTE_APPROVED)
        return dbk_decision_reject (d, DBK_EREJECTED, "quote_id",
                                    "quote %s is not approved: it is %s", q->id,
                                    s_quote_status (q->status));
    bid_totals_t tot;
    bid_quote_totals (q, &tot);
    dbk_wr_t *w = bid_begin (d, "tender", t->id, "tender.submitted", 5 + (*date != 0), facts);
    dbk_wr_kv_cstr (w, "quote_id", q->id);
    dbk_wr_kv_u64 (w, "quote_revision", q->revision);
    dbk_wr_kv_i64 (w, "amount", tot.total);
    dbk_wr_kv_cstr (w, "currency", t->currency);
    dbk_wr_kv_cstr (w, "step", cfg->steps[idx].code);
    if (*date)
        dbk_wr_kv_cstr (w, "date", date);
    return 0;
}

/*  ---- the opening ---- */

static const contacts_field_t s_bidder_fields[] = {
    {"bidder", CONTACTS_F_TEXT, true, BID_NAME_MAX, NULL, 0, 0, -1},
    {"price", CONTACTS_F_MONEY, false, 0, NULL, 0, BID_AMOUNT_MAX, -1},
    {"rank", CONTACTS_F_INT, false, 0, NULL, 1, BID_RANK_MAX, -1},
};

typedef struct {
    contacts_value_t vals[3];
    size_t n;
    bool us;
} s_entry_t;

/*  Re-reject the decision on "bidders", prefixing which entry. */
static int s_entry_reject (dbk_decision_t *d, size_t i)
{
    char msg[300];
    snprintf (msg, sizeof msg, "%s", dbk_decision_message (d));
    return dbk_decision_reject (d, DBK_EINVAL, "bidders", "entry %zu of bidders: %s", i + 1, msg);
}

static int s_check_bidders (dbk_decision_t *d, const dbk_obj_t *arr, bool technical, s_entry_t *out,
                            size_t *n)
{
    static const char *const extra[] = {"us", NULL};
    if (!arr)
        return dbk_decision_reject (d, DBK_EINVAL, "bidders", "bidders is required");
    *n = dbk_obj_len (arr);
    if (dbk_obj_type (arr) != DBK_T_ARRAY || *n == 0 || *n > BID_BIDDERS_MAX)
        return dbk_decision_reject (d, DBK_EINVAL, "bidders",
                                    "bidders must be a list of 1 to %d bidders", BID_BIDDERS_MAX);
    bool us = false;
    for (size_t i = 0; i < *n; i++) {
        s_entry_t *e = &out[i];
        const dbk_obj_t *o = dbk_obj_at (arr, i);
        if (contacts_check_fields (d, o, s_bidder_fields, 3, extra, false, e->vals, &e->n))
            return s_entry_reject (d, i);
        e->n = bid_present (e->vals, e->n);
        const dbk_obj_t *u = dbk_obj_get (o, "us");
        e->us = false;
        if (u && dbk_obj_type (u) != DBK_T_NIL && dbk_obj_bool (u, &e->us))
            return dbk_decision_reject (d, DBK_EINVAL, "bidders",
                                        "entry %zu of bidders: us must be true or false", i + 1);
        if (e->us && us)
            return dbk_decision_reject (d, DBK_EINVAL, "bidders", "two bidders are marked as us");
        us = us || e->us;
        const contacts_value_t *rank = bid_val (e->vals, e->n, "rank");
        if (!technical && (!bid_val (e->vals, e->n, "price") || !rank))
            return dbk_decision_reject (d, DBK_EINVAL, "bidders",
                                        "entry %zu of bidders needs its price and rank", i + 1);
        for (size_t j = 0; rank && j < i; j++) {
            const contacts_value_t *r = bid_val (out[j].vals, out[j].n, "rank");
            if (r && r->i == rank->i)
                return dbk_decision_reject (d, DBK_EINVAL, "bidders", "rank %lld is given twice",
                                            (long long) rank->i);
        }
    }
    return 0;
}

int bid_tender_opening_record (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                               const bid_facts_t *facts)
{
    static const contacts_field_t fields[] = {
        {"envelope", CONTACTS_F_ENUM, false, 16, bid_envelopes, 0, 0, -1},
        {"date", CONTACTS_F_DATE, false, 10, NULL, 0, 0, -1},
    };
    static const char *const extra[] = {"bidders", NULL};
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, fields, 2, extra, false, vals, &nvals);
    if (rc)
        return rc;
    nvals = bid_present (vals, nvals);
    if ((rc = bid_check_done_by_on (d, vals, nvals, "date", facts)))
        return rc;
    const contacts_value_t *ev = bid_val (vals, nvals, "envelope");
    const char *env = ev ? bid_envelopes[bid_index (bid_envelopes, ev->s, ev->n)] : NULL;
    bool two = t->envelopes == 2;
    if (!env && two)
        return dbk_decision_reject (d, DBK_EINVAL, "envelope",
                                    "a two-envelope tender opens technical, then price: say "
                                    "which envelope");
    if (!env)
        env = "single";
    bool technical = !strcmp (env, "technical");
    s_entry_t e[BID_BIDDERS_MAX];
    size_t n = 0;
    rc = s_check_bidders (d, dbk_obj_get (cmd, "bidders"), technical, e, &n);
    if (!rc)
        rc = bid_tender_check_open (d, t, facts);
    const bid_config_t *cfg = bid_cfg (facts);
    int idx = -1;
    if (!rc)
        rc = s_step (d, cfg, "opening", &idx);
    if (!rc && bid_step_index (cfg, t->step) < idx)
        rc = bid_step_check (d, t, cfg, idx, "opening");
    if (!rc && two == !strcmp (env, "single"))
        rc = dbk_decision_reject (d, DBK_EREJECTED, "envelope",
                                  "tender %s opens in %s: there is no %s envelope", t->id,
                                  two ? "two envelopes" : "one envelope", env);
    if (!rc && !strcmp (env, "price") && !t->technical_opened)
        rc = dbk_decision_reject (d, DBK_EREJECTED, "envelope",
                                  "the technical envelope of tender %s opens first", t->id);
    if (!rc && (technical ? t->technical_opened : t->price_opened))
        rc = dbk_decision_reject (d, DBK_EREJECTED, "opening",
                                  "the %s envelope of tender %s was opened already", env, t->id);
    if (!rc)
        rc =
            bid_check_not_before (d, vals, nvals, "date", facts, t->submitted_on, "the submission");
    if (!rc && !strcmp (env, "price"))
        rc = bid_check_not_before (d, vals, nvals, "date", facts, t->technical_on,
                                   "the opening of the technical envelope");
    if (rc)
        return rc;
    const s_entry_t *ours = NULL;
    for (size_t i = 0; i < n; i++)
        if (e[i].us)
            ours = &e[i];
    const contacts_value_t *our_rank = ours ? bid_val (ours->vals, ours->n, "rank") : NULL;
    const contacts_value_t *our_price = ours ? bid_val (ours->vals, ours->n, "price") : NULL;
    bool date = bid_has_date (vals, nvals, "date", facts);
    dbk_wr_t *w = bid_begin (d, "tender", t->id, "tender.opening_recorded",
                             3 + date + !!our_rank + !!our_price, facts);
    dbk_wr_kv_cstr (w, "envelope", env);
    /*  the step never goes back: a price envelope opened once the tender
        moved on to evaluation leaves it there */
    bool past = bid_step_index (cfg, t->step) > idx;
    dbk_wr_kv_cstr (w, "step", past ? t->step : cfg->steps[idx].code);
    dbk_wr_cstr (w, "bidders");
    dbk_wr_array (w, (uint32_t) n);
    for (size_t i = 0; i < n; i++) {
        dbk_wr_map (w, (uint32_t) (e[i].n + e[i].us));
        bid_write_vals (w, e[i].vals, e[i].n);
        if (e[i].us)
            dbk_wr_kv_bool (w, "us", true);
    }
    if (our_rank)
        dbk_wr_kv_i64 (w, "our_rank", our_rank->i);
    if (our_price)
        dbk_wr_kv_i64 (w, "our_price", our_price->i);
    bid_write_date (w, vals, nvals, "date", facts);
    return 0;
}

/*  ---- the award ---- */

int bid_tender_award (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                      const bid_facts_t *facts)
{
    static const contacts_field_t fields[] = {
        {"result", CONTACTS_F_ENUM, true, 8, bid_results, 0, 0, -1},
        {"date", CONTACTS_F_DATE, true, 10, NULL, 0, 0, -1},
        {"amount", CONTACTS_F_MONEY, false, 0, NULL, 0, BID_AMOUNT_MAX, -1},
        {"winner", CONTACTS_F_TEXT, false, BID_NAME_MAX, NULL, 0, 0, -1},
        {"winning_price", CONTACTS_F_MONEY, false, 0, NULL, 0, BID_AMOUNT_MAX, -1},
        {"reason", CONTACTS_F_NOTE, false, BID_NOTE_MAX, NULL, 0, 0, -1},
    };
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, fields, 6, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    nvals = bid_present (vals, nvals);
    if ((rc = bid_check_done_by_on (d, vals, nvals, "date", facts)))
        return rc;
    bool won = bid_eq ("won", vals[0].s, vals[0].n);
    const contacts_value_t *amount = bid_val (vals, nvals, "amount");
    const contacts_value_t *winner = bid_val (vals, nvals, "winner");
    const contacts_value_t *price = bid_val (vals, nvals, "winning_price");
    const contacts_value_t *reason = bid_val (vals, nvals, "reason");
    if (won && (winner || price))
        return dbk_decision_reject (d, DBK_EINVAL, winner ? "winner" : "winning_price",
                                    "a won tender has no other winner nor winning price");
    if (!won && amount)
        return dbk_decision_reject (d, DBK_EINVAL, "amount",
                                    "a lost tender has no amount of ours: give winning_price");
    if (!won && !winner)
        return dbk_decision_reject (d, DBK_EINVAL, "winner", "winner is required for a loss");
    if (!won && !reason)
        return dbk_decision_reject (d, DBK_EINVAL, "reason", "reason is required for a loss");
    if ((rc = bid_tender_check_found (d, t, facts)))
        return rc;
    if (t->result)
        return dbk_decision_reject (d, DBK_EDUPLICATE, "id", "tender %s was awarded already (%s)",
                                    t->id, t->result);
    /*  a loss is recorded whatever became of the deal (lost by hand
        before the official notice, say): it wins nothing. A win is not
        recorded on a deal closed without a win, unless another of its
        tenders lost it: the opportunities service takes this tender's
        win over that loss (opp_react_award) just as when the two awards
        race to the log, so the answer here does not depend on whether
        it already reacted to the loss */
    const bid_lookup_t *lk = facts ? facts->lookup : NULL;
    bool lost_by_award = t->opportunity_id && lk && lk->lost_by_award &&
                         lk->lost_by_award (lk->ctx, t->opportunity_id);
    if (won && !lost_by_award && (rc = bid_tender_check_deal (d, t, facts)))
        return rc;
    const bid_config_t *cfg = bid_cfg (facts);
    int idx;
    char what[BID_SHORT_MAX + 16];
    if ((rc = s_step (d, cfg, "award", &idx)) || (rc = bid_step_check (d, t, cfg, idx, "award")) ||
        (rc = bid_check_not_before (d, vals, nvals, "date", facts, t->step_on,
                                    bid_step_fact (t->step, what, sizeof what))) ||
        (rc = bid_check_not_before (d, vals, nvals, "date", facts, t->prices_on,
                                    "the opening of the prices")) ||
        (rc = bid_check_not_before (d, vals, nvals, "date", facts, t->technical_on,
                                    "the opening of the technical envelope")))
        return rc;
    /*  the award closes the deal (opp_react_award dates its win or loss
        with it): not before the deal was registered, as a win or a loss
        recorded by hand is not */
    char date[11];
    snprintf (date, sizeof date, "%.*s", (int) vals[1].n, vals[1].s);
    if ((rc = bid_check_since_registration (d, "date", date, t->opportunity_id, facts,
                                            "a deal is closed after it was registered")))
        return rc;
    bool gap = !won && price && t->bid_amount > 0;
    size_t n = (won ? 7 + !!reason : 7 + !!price + gap) + !!t->type;
    dbk_wr_t *w = bid_begin (d, "tender", t->id, "tender.awarded", n, facts);
    dbk_wr_kv_cstr (w, "tender_id", t->id);
    dbk_wr_kv_cstr (w, "opportunity_id", t->opportunity_id ? t->opportunity_id : "");
    dbk_wr_kv_cstr (w, "step", cfg->steps[idx].code);
    if (t->type) /* the outcome's, for win/loss by tender type */
        dbk_wr_kv_cstr (w, "tender_type", t->type);
    bid_write_vals (w, vals, 2); /* result, date */
    if (won) {
        dbk_wr_kv_i64 (w, "amount", amount ? amount->i : t->bid_amount);
        dbk_wr_kv_cstr (w, "currency", t->currency ? t->currency : "");
        if (reason)
            bid_write_vals (w, reason, 1);
        return 0;
    }
    bid_write_vals (w, winner, 1);
    bid_write_vals (w, reason, 1);
    if (price)
        bid_write_vals (w, price, 1);
    if (gap)
        dbk_wr_kv_i64 (w, "price_gap", price->i - t->bid_amount);
    return 0;
}
