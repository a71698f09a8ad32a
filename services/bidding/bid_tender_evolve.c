/*  bid_tender_evolve.c - folding the events of stream tender-<id> into a
    bid_tender_t. Unknown types are ignored so that older code replays
    newer logs; a known type without a field it must have is malformed.
    The events that reach a step carry the step's code, so evolve needs
    no configuration. */
#include "bid_internal.h"

#include "dealbook/dbk_error.h"

#include <stdlib.h>
#include <string.h>

#define S_GET(k) dbk_obj_get (data, (k))

/*  *dst = data's `key`, else its "on", else "?": a date that marks a
    fact as done even when the producer knew no date. */
static int s_date (char **dst, const dbk_obj_t *data, const char *key)
{
    const dbk_obj_t *o = S_GET (key);
    if (!o || dbk_obj_type (o) != DBK_T_STR)
        o = S_GET ("on");
    if (o && dbk_obj_type (o) == DBK_T_STR) {
        int rc = contacts_set_str (dst, o);
        if (rc || *dst)
            return rc;
    }
    free (*dst);
    *dst = contacts_strndup ("?", 1);
    return *dst ? 0 : DBK_ENOMEM;
}

static int s_opened (bid_tender_t *t, const dbk_obj_t *data)
{
    const char *req[] = {"opportunity_id", "number", "issuer", "type", "currency"};
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++)
        if (!S_GET (req[i]) || dbk_obj_type (S_GET (req[i])) != DBK_T_STR)
            return DBK_EMALFORMED;
    int rc = bid_ev_req (&t->id, data, "id");
    if (!rc)
        rc = bid_ev_req (&t->step, data, "step");
    if (!rc)
        rc = contacts_apply_fields (t, bid_open_fields, bid_nopen_fields, data);
    if (rc)
        return rc;
    if (t->envelopes != 2)
        t->envelopes = 1;
    t->exists = true;
    return 0;
}

static int s_clar (bid_tender_t *t, bool asked, const dbk_obj_t *data)
{
    unsigned no;
    if (bid_ev_uint (&no, data, "no"))
        return DBK_EMALFORMED;
    if (asked) {
        if (no != t->nclars + 1 || t->nclars >= BID_CLARS_MAX)
            return DBK_EMALFORMED;
        bid_clar_t *c = &t->clars[t->nclars++];
        memset (c, 0, sizeof *c);
        c->no = no;
        int rc = bid_ev_req (&c->question, data, "question");
        return rc ? rc : s_date (&c->asked_on, data, "date");
    }
    if (no < 1 || no > t->nclars)
        return DBK_EMALFORMED;
    bid_clar_t *c = &t->clars[no - 1];
    int rc = bid_ev_req (&c->answer, data, "answer");
    return rc ? rc : s_date (&c->answered_on, data, "date");
}

static int s_part (bid_tender_t *t, bool set, const dbk_obj_t *data)
{
    const char *s;
    size_t n;
    if (dbk_obj_str (S_GET ("part"), &s, &n))
        return DBK_EMALFORMED;
    bid_part_t *p = NULL;
    for (size_t i = 0; i < t->nparts && !p; i++)
        if (bid_eq (t->parts[i].code, s, n))
            p = &t->parts[i];
    if (!p && !set)
        return DBK_EMALFORMED;
    if (!p) {
        if (t->nparts >= BID_PARTS_MAX)
            return DBK_EMALFORMED;
        p = &t->parts[t->nparts++];
        memset (p, 0, sizeof *p);
        int rc = bid_ev_req (&p->code, data, "part");
        if (rc)
            return rc;
    }
    int rc = bid_ev_req (&p->status, data, "status");
    if (!rc && set)
        rc = bid_ev_req (&p->owner, data, "owner");
    if (!rc && set)
        rc = contacts_set_str (&p->due, S_GET ("due"));
    return rc;
}

static int s_bond (bid_tender_t *t, bool issued, const dbk_obj_t *data)
{
    if (!issued) {
        if (!t->bond_amount)
            return DBK_EMALFORMED;
        return s_date (&t->bond_returned_on, data, "date");
    }
    if (bid_ev_money (&t->bond_amount, data, "amount", 1))
        return DBK_EMALFORMED;
    free (t->bond_returned_on);
    t->bond_returned_on = NULL;
    return s_date (&t->bond_issued_on, data, "date");
}

static int s_submitted (bid_tender_t *t, const dbk_obj_t *data)
{
    int rc = bid_ev_req (&t->quote_id, data, "quote_id");
    if (!rc)
        rc = bid_ev_uint (&t->quote_revision, data, "quote_revision");
    if (!rc)
        rc = bid_ev_money (&t->bid_amount, data, "amount", 0);
    if (!rc)
        rc = bid_ev_req (&t->step, data, "step");
    if (!rc)
        rc = s_date (&t->step_on, data, "date");
    return rc ? rc : s_date (&t->submitted_on, data, "date");
}

static int s_opening (bid_tender_t *t, const dbk_obj_t *data)
{
    const char *env;
    size_t envn;
    const dbk_obj_t *arr = S_GET ("bidders");
    if (dbk_obj_str (S_GET ("envelope"), &env, &envn) || dbk_obj_type (arr) != DBK_T_ARRAY ||
        dbk_obj_len (arr) > BID_BIDDERS_MAX)
        return DBK_EMALFORMED;
    /*  the first envelope opened reaches the opening step; a later one
        leaves the step where it is: the tender may have moved on to
        evaluation in between (and logs written before this rule say
        "opening" there, which would take it back) */
    int64_t ours;
    if (S_GET ("our_price") && bid_ev_money (&ours, data, "our_price", 0))
        return DBK_EMALFORMED; /* the price intelligence divides by it */
    char *step = NULL;
    int rc = bid_ev_req (&step, data, "step");
    if (rc)
        return rc;
    if (!t->technical_opened && !t->price_opened) {
        free (t->step);
        t->step = step;
        rc = s_date (&t->step_on, data, "date");
    } else
        free (step);
    bool technical = bid_eq ("technical", env, envn);
    if (!rc)
        rc = s_date (technical ? &t->technical_on : &t->prices_on, data, "date");
    if (rc)
        return rc;
    for (size_t i = 0; i < t->nbidders; i++)
        free (t->bidders[i].bidder);
    t->nbidders = 0;
    t->our_rank = 0;
    for (size_t i = 0; i < dbk_obj_len (arr); i++) {
        const dbk_obj_t *o = dbk_obj_at (arr, i);
        bid_bidder_t *b = &t->bidders[t->nbidders++];
        memset (b, 0, sizeof *b);
        if ((rc = bid_ev_req (&b->bidder, o, "bidder")))
            return rc;
        const dbk_obj_t *price = dbk_obj_get (o, "price");
        b->has_price = price && dbk_obj_type (price) != DBK_T_NIL;
        if (b->has_price && bid_ev_money (&b->price, o, "price", 0))
            return DBK_EMALFORMED;
        int64_t rank = 0;
        if (dbk_obj_get (o, "rank") && dbk_obj_i64 (dbk_obj_get (o, "rank"), &rank))
            return DBK_EMALFORMED;
        b->rank = (int) rank;
        if (dbk_obj_get (o, "us") && dbk_obj_bool (dbk_obj_get (o, "us"), &b->us))
            return DBK_EMALFORMED;
        if (b->us)
            t->our_rank = b->rank;
    }
    if (technical)
        t->technical_opened = true;
    else
        t->price_opened = true;
    return 0;
}

static int s_awarded (bid_tender_t *t, const dbk_obj_t *data)
{
    int rc = bid_ev_req (&t->result, data, "result");
    if (!rc)
        rc = bid_ev_req (&t->award_date, data, "date");
    if (!rc)
        rc = bid_ev_req (&t->step, data, "step");
    if (!rc)
        rc = bid_ev_opt (&t->award_reason, data, "reason");
    if (!rc)
        rc = s_date (&t->step_on, data, "date");
    if (rc)
        return rc;
    if (!strcmp (t->result, "won"))
        return bid_ev_money (&t->award_amount, data, "amount", 0);
    if (S_GET ("winning_price") && bid_ev_money (&t->winning_price, data, "winning_price", 0))
        return DBK_EMALFORMED;
    return bid_ev_req (&t->winner, data, "winner");
}

int bid_tender_evolve (bid_tender_t *t, const char *type, const dbk_obj_t *data)
{
    if (!type || strncmp (type, "tender.", 7))
        return 0;
    const char *what = type + 7;
    static const char *const known[] = {"opened",
                                        "dates_set",
                                        "step_advanced",
                                        "clarification_asked",
                                        "clarification_answered",
                                        "bond_issued",
                                        "bond_returned",
                                        "bid_decided",
                                        "part_set",
                                        "part_status_changed",
                                        "submitted",
                                        "opening_recorded",
                                        "awarded",
                                        NULL};
    int k = bid_index (known, what, strlen (what));
    if (k < 0)
        return 0;
    if (!data || dbk_obj_type (data) != DBK_T_MAP)
        return DBK_EMALFORMED;
    if (k > 0 && !t->exists)
        return DBK_EMALFORMED;
    int rc = 0;
    switch (k) {
    case 0:
        rc = t->exists ? DBK_EMALFORMED : s_opened (t, data);
        break;
    case 1:
        rc = contacts_apply_fields (t, bid_open_fields + (bid_nopen_fields - BID_DATES), BID_DATES,
                                    data);
        break;
    case 2:
        rc = bid_ev_req (&t->step, data, "step");
        if (!rc)
            rc = s_date (&t->step_on, data, "date");
        break;
    case 3:
    case 4:
        rc = s_clar (t, k == 3, data);
        break;
    case 5:
    case 6:
        rc = s_bond (t, k == 5, data);
        break;
    case 7:
        rc = bid_ev_req (&t->decision, data, "decision");
        if (!rc)
            rc = contacts_set_str (&t->decision_reason, S_GET ("reason"));
        break;
    case 8:
    case 9:
        rc = s_part (t, k == 8, data);
        break;
    case 10:
        rc = s_submitted (t, data);
        break;
    case 11:
        rc = s_opening (t, data);
        break;
    default:
        rc = s_awarded (t, data);
        break;
    }
    if (!rc && S_GET ("on") && dbk_obj_type (S_GET ("on")) == DBK_T_STR)
        rc = contacts_set_str (&t->touched, S_GET ("on"));
    return rc;
}
