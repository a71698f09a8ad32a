/*  bid_tender.c - a tender's life before the bid goes in: opening it for
    an opportunity, its key dates, the procurement steps, clarifications,
    the bid bond, the bid / no-bid decision and the bid document's parts.
    The submission, the opening and the award are in bid_award.c. */
#include "bid_internal.h"

#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_OFF(f) ((long) offsetof (bid_tender_t, f))

/*  The key dates come last, in bid_date_keys order, so that dates_set
    validates with the tail of this table. */
const contacts_field_t bid_open_fields[] = {
    {"opportunity_id", CONTACTS_F_ID, true, BID_ID_MAX, NULL, 0, 0, T_OFF (opportunity_id)},
    {"number", CONTACTS_F_TEXT, true, BID_SHORT_MAX, NULL, 0, 0, T_OFF (number)},
    {"issuer", CONTACTS_F_TEXT, true, BID_NAME_MAX, NULL, 0, 0, T_OFF (issuer)},
    {"type", CONTACTS_F_ENUM, true, 64, bid_tender_types, 0, 0, T_OFF (type)},
    {"currency", CONTACTS_F_CURRENCY, true, 3, NULL, 0, 0, T_OFF (currency)},
    {"title", CONTACTS_F_TEXT, false, BID_NAME_MAX, NULL, 0, 0, T_OFF (title)},
    {"account_id", CONTACTS_F_ID, false, BID_ID_MAX, NULL, 0, 0, T_OFF (account_id)},
    {"envelopes", CONTACTS_F_INT, false, 0, NULL, 1, 2, T_OFF (envelopes)},
    {"bond_required", CONTACTS_F_MONEY, false, 0, NULL, 0, BID_AMOUNT_MAX, T_OFF (bond_required)},
    {"notice_date", CONTACTS_F_DATE, false, 10, NULL, 0, 0, T_OFF (dates[0])},
    {"prequalification_date", CONTACTS_F_DATE, false, 10, NULL, 0, 0, T_OFF (dates[1])},
    {"document_sale_date", CONTACTS_F_DATE, false, 10, NULL, 0, 0, T_OFF (dates[2])},
    {"site_visit_date", CONTACTS_F_DATE, false, 10, NULL, 0, 0, T_OFF (dates[3])},
    {"clarification_deadline", CONTACTS_F_DATE, false, 10, NULL, 0, 0, T_OFF (dates[4])},
    {"submission_deadline", CONTACTS_F_DATE, false, 10, NULL, 0, 0, T_OFF (dates[5])},
    {"opening_date", CONTACTS_F_DATE, false, 10, NULL, 0, 0, T_OFF (dates[6])},
};
const size_t bid_nopen_fields = sizeof bid_open_fields / sizeof bid_open_fields[0];
#define S_NDATES_AT (bid_nopen_fields - BID_DATES)

void bid_tender_init (bid_tender_t *self)
{
    memset (self, 0, sizeof *self);
}

void bid_tender_reset (bid_tender_t *self)
{
    contacts_free_fields (self, bid_open_fields, bid_nopen_fields);
    char **strs[] = {&self->id,
                     &self->step,
                     &self->step_on,
                     &self->technical_on,
                     &self->prices_on,
                     &self->touched,
                     &self->decision,
                     &self->decision_reason,
                     &self->bond_issued_on,
                     &self->bond_returned_on,
                     &self->quote_id,
                     &self->submitted_on,
                     &self->result,
                     &self->award_date,
                     &self->winner,
                     &self->award_reason};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free (*strs[i]);
    for (size_t i = 0; i < self->nparts; i++) {
        free (self->parts[i].code);
        free (self->parts[i].owner);
        free (self->parts[i].due);
        free (self->parts[i].status);
    }
    for (size_t i = 0; i < self->nclars; i++) {
        free (self->clars[i].question);
        free (self->clars[i].asked_on);
        free (self->clars[i].answer);
        free (self->clars[i].answered_on);
    }
    for (size_t i = 0; i < self->nbidders; i++)
        free (self->bidders[i].bidder);
    bid_tender_init (self);
}

const bid_part_t *bid_tender_part (const bid_tender_t *t, const char *code)
{
    for (size_t i = 0; code && i < t->nparts; i++)
        if (!strcmp (t->parts[i].code, code))
            return &t->parts[i];
    return NULL;
}

/*  The key dates, those of the state replaced by those of vals, must
    fall in bid_date_keys order: EINVAL on the first that does not. */
static int s_dates_ordered (dbk_decision_t *d, const bid_tender_t *t, const contacts_value_t *vals,
                            size_t n)
{
    char buf[BID_DATES][11];
    const char *at[BID_DATES];
    for (size_t i = 0; i < BID_DATES; i++) {
        at[i] = t->dates[i];
        const contacts_value_t *v = bid_val (vals, n, bid_date_keys[i]);
        if (v && !v->clear && v->n == 10) {
            memcpy (buf[i], v->s, 10);
            buf[i][10] = 0;
            at[i] = buf[i];
        }
    }
    int last = -1;
    for (int i = 0; i < BID_DATES; i++) {
        if (!at[i])
            continue;
        if (last >= 0 && strcmp (at[i], at[last]) < 0)
            return dbk_decision_reject (d, DBK_EINVAL, bid_date_keys[i],
                                        "%s (%s) cannot be before %s (%s)", bid_date_keys[i], at[i],
                                        bid_date_keys[last], at[last]);
        last = i;
    }
    return 0;
}

int bid_tender_open (dbk_decision_t *d, const bid_tender_t *t, const char *id, const dbk_obj_t *cmd,
                     const bid_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_id (d, "id", id, id ? strlen (id) : 0);
    if (!rc)
        rc = contacts_check_fields (d, cmd, bid_open_fields, bid_nopen_fields, NULL, false, vals,
                                    &nvals);
    if (rc)
        return rc;
    nvals = bid_present (vals, nvals);
    if (t->exists)
        return dbk_decision_reject (d, DBK_EDUPLICATE, "id", "tender %s exists already", id);
    const contacts_value_t *opp = bid_val (vals, nvals, "opportunity_id");
    const bid_lookup_t *lk = facts ? facts->lookup : NULL;
    bid_ref_t ref = bid_ref (facts, lk ? lk->opportunity : NULL, opp->s, opp->n);
    if (ref == BID_REF_MISSING)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "opportunity_id", "no such opportunity: %.*s",
                                    (int) opp->n, opp->s);
    char oid[CONTACTS_ID_MAX + 1];
    snprintf (oid, sizeof oid, "%.*s", (int) opp->n, opp->s);
    if ((rc = bid_check_on_deal (d, oid, facts)))
        return rc;
    if (ref == BID_REF_WON)
        return dbk_decision_reject (d, DBK_EREJECTED, "opportunity_id",
                                    "opportunity %.*s was won: a new deal is a new registration",
                                    (int) opp->n, opp->s);
    if (ref == BID_REF_CLOSED)
        return dbk_decision_reject (d, DBK_EREJECTED, "opportunity_id",
                                    "opportunity %.*s is closed: reopen it before tendering",
                                    (int) opp->n, opp->s);
    /*  the tender is in the deal's currency: its award becomes the deal's
        outcome, and the funnel and forecasts add it to the deal's figures */
    const contacts_value_t *cur = bid_val (vals, nvals, "currency");
    char want[4];
    if (cur && lk && lk->currency && lk->currency (lk->ctx, oid, want) &&
        (cur->n != 3 || memcmp (cur->s, want, 3) != 0))
        return dbk_decision_reject (d, DBK_EREJECTED, "currency",
                                    "opportunity %s is in %s: its tenders must be too (not %.*s)",
                                    oid, want, (int) cur->n, cur->s);
    const contacts_value_t *acc = bid_val (vals, nvals, "account_id");
    bid_ref_t aref =
        acc ? bid_ref (facts, lk ? lk->account : NULL, acc->s, acc->n) : BID_REF_ACTIVE;
    if (aref == BID_REF_MISSING)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "account_id", "no such account: %.*s",
                                    (int) acc->n, acc->s);
    if (aref != BID_REF_ACTIVE)
        return dbk_decision_reject (d, DBK_EREJECTED, "account_id",
                                    "account %.*s is archived or merged and takes no new tender",
                                    (int) acc->n, acc->s);
    bid_tender_t empty = {0};
    if ((rc = s_dates_ordered (d, &empty, vals, nvals)))
        return rc;
    bool env = bid_val (vals, nvals, "envelopes") != NULL;
    bool bond = bid_val (vals, nvals, "bond_required") != NULL;
    const bid_config_t *cfg = bid_cfg (facts);
    dbk_wr_t *w = bid_begin (d, "tender", id, "tender.opened", nvals + 1 + !env + !bond, facts);
    bid_write_vals (w, vals, nvals);
    dbk_wr_kv_cstr (w, "step", cfg->steps[0].code);
    if (!env)
        dbk_wr_kv_i64 (w, "envelopes", 1);
    if (!bond)
        dbk_wr_kv_i64 (w, "bond_required", 0);
    return 0;
}

int bid_tender_dates_set (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                          const bid_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, bid_open_fields + S_NDATES_AT, BID_DATES, NULL, false,
                                    vals, &nvals);
    if (rc)
        return rc;
    nvals = bid_present (vals, nvals);
    if (!nvals)
        return dbk_decision_reject (d, DBK_EINVAL, NULL, "give at least one of the key dates");
    if ((rc = bid_tender_check_work (d, t, facts)) || (rc = s_dates_ordered (d, t, vals, nvals)))
        return rc;
    size_t k = 0;
    for (size_t i = 0; i < nvals; i++)
        if (!contacts_value_same (&vals[i], t))
            vals[k++] = vals[i];
    if (!k)
        return 0;
    dbk_wr_t *w = bid_begin (d, "tender", t->id, "tender.dates_set", k, facts);
    bid_write_vals (w, vals, k);
    return 0;
}

static const contacts_field_t s_step_fields[] = {
    {"step", CONTACTS_F_TEXT, true, BID_SHORT_MAX, NULL, 0, 0, -1},
    {"date", CONTACTS_F_DATE, false, 10, NULL, 0, 0, -1},
};

int bid_tender_step_advance (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                             const bid_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_step_fields, 2, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    nvals = bid_present (vals, nvals);
    if ((rc = bid_check_done_by_on (d, vals, nvals, "date", facts)))
        return rc;
    const bid_config_t *cfg = bid_cfg (facts);
    char code[BID_SHORT_MAX + 1];
    snprintf (code, sizeof code, "%.*s", (int) vals[0].n, vals[0].s);
    int idx = bid_step_index (cfg, code);
    if (idx < 0) {
        char list[400] = "";
        for (size_t i = 0, at = 0; cfg->steps[i].code && at < sizeof list; i++) {
            int k =
                snprintf (list + at, sizeof list - at, "%s%s", i ? ", " : "", cfg->steps[i].code);
            at += k > 0 ? (size_t) k : 0;
        }
        return dbk_decision_reject (d, DBK_EINVAL, "step", "step must be one of: %s", list);
    }
    if ((rc = bid_tender_check_found (d, t, facts)))
        return rc;
    if (cfg->steps[idx].by)
        return dbk_decision_reject (d, DBK_EREJECTED, "step",
                                    "the %s step is recorded by the %s command, not by advancing",
                                    code, cfg->steps[idx].by);
    bool contract = !strcmp (code, "contract");
    if (contract && !(t->result && !strcmp (t->result, "won")))
        return dbk_decision_reject (d, DBK_EREJECTED, "step",
                                    "only a won tender moves on to the contract");
    if (!contract && (rc = bid_tender_check_work (d, t, facts)))
        return rc;
    char what[BID_SHORT_MAX + 16];
    if ((rc = bid_step_check (d, t, cfg, idx, "step")) ||
        (rc = bid_check_not_before (d, vals, nvals, "date", facts, t->step_on,
                                    bid_step_fact (t->step, what, sizeof what))))
        return rc;
    bool date = bid_has_date (vals, nvals, "date", facts);
    dbk_wr_t *w = bid_begin (d, "tender", t->id, "tender.step_advanced", 2 + date, facts);
    dbk_wr_kv_cstr (w, "from", t->step ? t->step : "");
    dbk_wr_kv_cstr (w, "step", code);
    bid_write_date (w, vals, nvals, "date", facts);
    return 0;
}

/*  ---- clarifications ---- */

int bid_tender_clarification_ask (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                                  const bid_facts_t *facts)
{
    static const contacts_field_t fields[] = {
        {"question", CONTACTS_F_NOTE, true, BID_NOTE_MAX, NULL, 0, 0, -1},
    };
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, fields, 1, NULL, false, vals, &nvals);
    if (!rc)
        rc = bid_tender_check_work (d, t, facts);
    if (rc)
        return rc;
    if (t->submitted_on)
        return dbk_decision_reject (d, DBK_EREJECTED, "id",
                                    "the bid of tender %s is submitted: questions are closed",
                                    t->id);
    const char *today = facts ? facts->today : NULL;
    const char *deadline = t->dates[4];
    if (today && deadline && strcmp (today, deadline) > 0)
        return dbk_decision_reject (d, DBK_EREJECTED, "clarification_deadline",
                                    "the clarification deadline of tender %s was %s", t->id,
                                    deadline);
    if (t->nclars >= BID_CLARS_MAX)
        return dbk_decision_reject (d, DBK_EREJECTED, "question",
                                    "tender %s holds %d clarifications, the most it can", t->id,
                                    BID_CLARS_MAX);
    dbk_wr_t *w = bid_begin (d, "tender", t->id, "tender.clarification_asked", 2, facts);
    dbk_wr_kv_u64 (w, "no", t->nclars + 1);
    bid_write_vals (w, vals, 1);
    return 0;
}

int bid_tender_clarification_answer (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                                     const bid_facts_t *facts)
{
    static const contacts_field_t fields[] = {
        {"no", CONTACTS_F_INT, true, 0, NULL, 1, BID_CLARS_MAX, -1},
        {"answer", CONTACTS_F_NOTE, true, BID_NOTE_MAX, NULL, 0, 0, -1},
        {"date", CONTACTS_F_DATE, false, 10, NULL, 0, 0, -1},
    };
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, fields, 3, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    nvals = bid_present (vals, nvals);
    if ((rc = bid_check_done_by_on (d, vals, nvals, "date", facts)) ||
        (rc = bid_tender_check_work (d, t, facts)))
        return rc;
    int64_t no = vals[0].i;
    if (no > (int64_t) t->nclars)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "no", "tender %s has no question %lld", t->id,
                                    (long long) no);
    if (t->clars[no - 1].answer)
        return dbk_decision_reject (d, DBK_EDUPLICATE, "no", "question %lld is answered already",
                                    (long long) no);
    if ((rc = bid_check_not_before (d, vals, nvals, "date", facts, t->clars[no - 1].asked_on,
                                    "the question it answers")))
        return rc;
    bool date = bid_has_date (vals, nvals, "date", facts);
    dbk_wr_t *w = bid_begin (d, "tender", t->id, "tender.clarification_answered", 2 + date, facts);
    bid_write_vals (w, vals, 2);
    bid_write_date (w, vals, nvals, "date", facts);
    return 0;
}

/*  ---- the bid bond ---- */

int bid_tender_bond_issue (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                           const bid_facts_t *facts)
{
    static const contacts_field_t fields[] = {
        {"amount", CONTACTS_F_MONEY, true, 0, NULL, 1, BID_AMOUNT_MAX, -1},
        {"date", CONTACTS_F_DATE, false, 10, NULL, 0, 0, -1},
        {"form", CONTACTS_F_TEXT, false, BID_SHORT_MAX, NULL, 0, 0, -1},
    };
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, fields, 3, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    nvals = bid_present (vals, nvals);
    if ((rc = bid_check_done_by_on (d, vals, nvals, "date", facts)) ||
        (rc = bid_tender_check_work (d, t, facts)))
        return rc;
    if (t->bond_amount > 0 && !t->bond_returned_on)
        return dbk_decision_reject (
            d, DBK_EDUPLICATE, "amount", "a bond of %lld is out already since %s",
            (long long) t->bond_amount, t->bond_issued_on ? t->bond_issued_on : "?");
    if (vals[0].i < t->bond_required)
        return dbk_decision_reject (d, DBK_EREJECTED, "amount",
                                    "the tender asks for a bond of %lld, more than %lld",
                                    (long long) t->bond_required, (long long) vals[0].i);
    bool date = bid_has_date (vals, nvals, "date", facts);
    const contacts_value_t *form = bid_val (vals, nvals, "form");
    dbk_wr_t *w = bid_begin (d, "tender", t->id, "tender.bond_issued", 1 + date + !!form, facts);
    bid_write_vals (w, vals, 1);
    bid_write_date (w, vals, nvals, "date", facts);
    if (form)
        bid_write_vals (w, form, 1);
    return 0;
}

int bid_tender_bond_return (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                            const bid_facts_t *facts)
{
    static const contacts_field_t fields[] = {
        {"date", CONTACTS_F_DATE, false, 10, NULL, 0, 0, -1},
        {"note", CONTACTS_F_NOTE, false, BID_NOTE_MAX, NULL, 0, 0, -1},
    };
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, fields, 2, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    nvals = bid_present (vals, nvals);
    if ((rc = bid_check_done_by_on (d, vals, nvals, "date", facts)))
        return rc;
    if ((rc = bid_tender_check_found (d, t, facts)))
        return rc;
    if (t->bond_amount == 0 || t->bond_returned_on)
        return dbk_decision_reject (d, DBK_EREJECTED, "bond", "tender %s has no bond out", t->id);
    if ((rc = bid_check_not_before (d, vals, nvals, "date", facts, t->bond_issued_on,
                                    "the bond's issue")))
        return rc;
    bool date = bid_has_date (vals, nvals, "date", facts);
    const contacts_value_t *note = bid_val (vals, nvals, "note");
    dbk_wr_t *w = bid_begin (d, "tender", t->id, "tender.bond_returned", 1 + date + !!note, facts);
    dbk_wr_kv_i64 (w, "amount", t->bond_amount);
    bid_write_date (w, vals, nvals, "date", facts);
    if (note)
        bid_write_vals (w, note, 1);
    return 0;
}

/*  ---- bid / no-bid ---- */

int bid_tender_decide_bid (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                           const bid_facts_t *facts)
{
    static const contacts_field_t fields[] = {
        {"decision", CONTACTS_F_ENUM, true, 16, bid_decisions, 0, 0, -1},
        {"reason", CONTACTS_F_NOTE, true, BID_NOTE_MAX, NULL, 0, 0, -1},
    };
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, fields, 2, NULL, false, vals, &nvals);
    if (!rc)
        rc = bid_tender_check_open (d, t, facts);
    /*  no_bid does no bid work: it records why we stay out, and stays
        open to a deal given up */
    if (!rc && bid_eq ("bid", vals[0].s, vals[0].n))
        rc = bid_tender_check_deal (d, t, facts);
    if (rc)
        return rc;
    if (t->submitted_on)
        return dbk_decision_reject (d, DBK_EREJECTED, "decision",
                                    "the bid of tender %s was submitted on %s", t->id,
                                    t->submitted_on);
    if (bid_eq (t->decision, vals[0].s, vals[0].n) &&
        bid_eq (t->decision_reason, vals[1].s, vals[1].n))
        return 0;
    dbk_wr_t *w =
        bid_begin (d, "tender", t->id, "tender.bid_decided", 2 + (t->decision != NULL), facts);
    bid_write_vals (w, vals, 2);
    if (t->decision)
        dbk_wr_kv_cstr (w, "from", t->decision);
    return 0;
}

/*  ---- the bid document's parts ---- */

/*  The config part of code [s, s+n), or NULL (EINVAL "part" decided). */
static const bid_part_kind_t *s_part_kind (dbk_decision_t *d, const bid_config_t *cfg,
                                           const contacts_value_t *v)
{
    for (size_t i = 0; cfg->parts[i].code; i++)
        if (bid_eq (cfg->parts[i].code, v->s, v->n))
            return &cfg->parts[i];
    char list[400] = "";
    for (size_t i = 0, at = 0; cfg->parts[i].code && at < sizeof list; i++) {
        int k = snprintf (list + at, sizeof list - at, "%s%s", i ? ", " : "", cfg->parts[i].code);
        at += k > 0 ? (size_t) k : 0;
    }
    dbk_decision_reject (d, DBK_EINVAL, "part", "part must be one of: %s", list);
    return NULL;
}

static int s_parts_open (dbk_decision_t *d, const bid_tender_t *t, const bid_facts_t *facts)
{
    int rc = bid_tender_check_work (d, t, facts);
    if (!rc && t->submitted_on)
        rc =
            dbk_decision_reject (d, DBK_EREJECTED, "id",
                                 "the bid of tender %s is submitted: its document is final", t->id);
    return rc;
}

int bid_tender_part_set (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                         const bid_facts_t *facts)
{
    static const contacts_field_t fields[] = {
        {"part", CONTACTS_F_TEXT, true, BID_SHORT_MAX, NULL, 0, 0, -1},
        {"owner", CONTACTS_F_TEXT, true, BID_SHORT_MAX, NULL, 0, 0, -1},
        {"due", CONTACTS_F_DATE, false, 10, NULL, 0, 0, -1},
    };
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, fields, 3, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    nvals = bid_present (vals, nvals);
    const bid_part_kind_t *kind = s_part_kind (d, bid_cfg (facts), &vals[0]);
    if (!kind)
        return DBK_EINVAL;
    if ((rc = s_parts_open (d, t, facts)))
        return rc;
    const bid_part_t *p = bid_tender_part (t, kind->code);
    const contacts_value_t *due = bid_val (vals, nvals, "due");
    if (p && bid_eq (p->owner, vals[1].s, vals[1].n) &&
        (due ? bid_eq (p->due, due->s, due->n) : !p->due))
        return 0;
    if (!p && t->nparts >= BID_PARTS_MAX)
        return dbk_decision_reject (d, DBK_EREJECTED, "part", "tender %s has %d parts already",
                                    t->id, BID_PARTS_MAX);
    dbk_wr_t *w = bid_begin (d, "tender", t->id, "tender.part_set", 3 + !!due, facts);
    dbk_wr_kv_cstr (w, "part", kind->code);
    bid_write_vals (w, &vals[1], nvals - 1);
    dbk_wr_kv_cstr (w, "status", p ? p->status : bid_part_statuses[0]);
    return 0;
}

int bid_tender_part_status (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                            const bid_facts_t *facts)
{
    static const contacts_field_t fields[] = {
        {"part", CONTACTS_F_TEXT, true, BID_SHORT_MAX, NULL, 0, 0, -1},
        {"status", CONTACTS_F_ENUM, true, 16, bid_part_statuses, 0, 0, -1},
    };
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, fields, 2, NULL, false, vals, &nvals);
    if (!rc)
        rc = s_parts_open (d, t, facts);
    if (rc)
        return rc;
    const bid_part_t *p = NULL;
    for (size_t i = 0; i < t->nparts && !p; i++)
        if (bid_eq (t->parts[i].code, vals[0].s, vals[0].n))
            p = &t->parts[i];
    if (!p)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "part",
                                    "part %.*s is not assigned on tender %s (set it first)",
                                    (int) vals[0].n, vals[0].s, t->id);
    if (bid_eq (p->status, vals[1].s, vals[1].n))
        return 0;
    dbk_wr_t *w = bid_begin (d, "tender", t->id, "tender.part_status_changed", 3, facts);
    dbk_wr_kv_cstr (w, "part", p->code);
    dbk_wr_kv_cstr (w, "from", p->status);
    bid_write_vals (w, &vals[1], 1);
    return 0;
}
