/*  opp_outcome.c - how a deal ends (won, lost, abandoned), how it starts
    again after a loss, and the process manager that closes a deal when
    the bidding service announces its tender's award. */
#include "opp_internal.h"

#include "dealbook/dbk_currency.h"
#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const contacts_field_t s_win_fields[] = {
    {"amount", CONTACTS_F_MONEY, true, 0, NULL, 0, OPP_AMOUNT_MAX, -1},
    {"currency", CONTACTS_F_CURRENCY, false, 3, NULL, 0, 0, -1},
    {"date", CONTACTS_F_DATE, true, 10, NULL, 0, 0, -1},
    {"reason", CONTACTS_F_NOTE, false, OPP_NOTE_MAX, NULL, 0, 0, -1},
    {"note", CONTACTS_F_NOTE, false, OPP_NOTE_MAX, NULL, 0, 0, -1},
};

static const contacts_field_t s_lose_fields[] = {
    {"reason", CONTACTS_F_NOTE, true, OPP_NOTE_MAX, NULL, 0, 0, -1},
    {"date", CONTACTS_F_DATE, true, 10, NULL, 0, 0, -1},
    {"winner", CONTACTS_F_TEXT, false, OPP_NAME_MAX, NULL, 0, 0, -1},
    {"price_gap", CONTACTS_F_MONEY, false, 0, NULL, -OPP_AMOUNT_MAX, OPP_AMOUNT_MAX, -1},
};

static const contacts_field_t s_abandon_fields[] = {
    {"reason", CONTACTS_F_NOTE, true, OPP_NOTE_MAX, NULL, 0, 0, -1},
    {"date", CONTACTS_F_DATE, false, 10, NULL, 0, 0, -1},
};

static const contacts_field_t s_reopen_fields[] = {
    {"reason", CONTACTS_F_NOTE, true, OPP_NOTE_MAX, NULL, 0, 0, -1},
};

int opp_win (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
             const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_win_fields, 5, NULL, false, vals, &nvals);
    if (!rc)
        rc = opp_check_done_by_on (d, vals, nvals, "date", facts);
    if (!rc)
        rc = opp_check_open (d, state, facts);
    if (!rc)
        rc = opp_check_not_before_registration (d, vals, nvals, "date", state);
    if (!rc)
        rc = opp_check_owner (d, state, facts, "closes");
    if (rc)
        return rc;
    nvals = opp_present (vals, nvals);
    bool currency = opp_val (vals, nvals, "currency") != NULL;
    dbk_wr_t *w = opp_begin (d, state->id, "opportunity.won", nvals + !currency, facts);
    opp_write_vals (w, vals, nvals);
    if (!currency)
        dbk_wr_kv_cstr (w, "currency", state->currency ? state->currency : "");
    return 0;
}

int opp_lose (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
              const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_lose_fields, 4, NULL, false, vals, &nvals);
    if (!rc)
        rc = opp_check_done_by_on (d, vals, nvals, "date", facts);
    if (!rc)
        rc = opp_check_open (d, state, facts);
    if (!rc)
        rc = opp_check_not_before_registration (d, vals, nvals, "date", state);
    if (!rc)
        rc = opp_check_owner (d, state, facts, "closes");
    if (rc)
        return rc;
    nvals = opp_present (vals, nvals);
    dbk_wr_t *w = opp_begin (d, state->id, "opportunity.lost", nvals, facts);
    opp_write_vals (w, vals, nvals);
    return 0;
}

int opp_abandon (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                 const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_abandon_fields, 2, NULL, false, vals, &nvals);
    if (!rc)
        rc = opp_check_done_by_on (d, vals, nvals, "date", facts);
    if (!rc)
        rc = opp_check_open (d, state, facts);
    if (!rc)
        rc = opp_check_not_before_registration (d, vals, nvals, "date", state);
    if (!rc)
        rc = opp_check_owner (d, state, facts, "closes");
    if (rc)
        return rc;
    nvals = opp_present (vals, nvals);
    const char *today = facts ? facts->today : NULL;
    bool date = opp_val (vals, nvals, "date") != NULL;
    dbk_wr_t *w =
        opp_begin (d, state->id, "opportunity.abandoned", nvals + (!date && today), facts);
    opp_write_vals (w, vals, nvals);
    if (!date && today)
        dbk_wr_kv_cstr (w, "date", today);
    return 0;
}

int opp_reopen (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_reopen_fields, 1, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    if (state->status == OPP_NONE)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "id", "no such opportunity");
    if (state->status == OPP_OPEN)
        return dbk_decision_reject (d, DBK_EREJECTED, "id", "opportunity %s is open already",
                                    state->id);
    if (state->status == OPP_WON)
        return dbk_decision_reject (d, DBK_EREJECTED, "id",
                                    "opportunity %s was won; a new deal with this customer is a "
                                    "new registration",
                                    state->id);
    if (state->status == OPP_DUPLICATE)
        return opp_check_open (d, state, facts);
    if ((rc = opp_check_on (d, state, facts)))
        return rc;
    /*  a deal is reopened after the loss (or the abandonment) it starts
        again from, not on a day before it */
    const char *on = facts ? facts->today : NULL, *out = state->outcome_date;
    if (on && out && strcmp (on, out) < 0)
        return dbk_decision_reject (d, DBK_EINVAL, "on",
                                    "on (%s) cannot be before the %s of opportunity %s (%s): a "
                                    "deal is reopened after it was closed",
                                    on, state->status == OPP_LOST ? "loss" : "abandonment",
                                    state->id, out);
    if ((rc = opp_check_owner (d, state, facts, "reopens")))
        return rc;
    dbk_wr_t *w = opp_begin (d, state->id, "opportunity.reopened", 2, facts);
    dbk_wr_kv_cstr (w, "from", state->status == OPP_LOST ? "lost" : "abandoned");
    opp_write_vals (w, vals, 1);
    return 0;
}

/*  ---- the award reaction ---- */

/*  A str of the award payload into *s, *n: 0, 1 when absent (or nil),
    or the rejection when of another type, empty or longer than max. */
static int s_award_str (dbk_decision_t *d, const dbk_obj_t *award, const char *key, size_t max,
                        const char **s, size_t *n)
{
    const dbk_obj_t *o = dbk_obj_get (award, key);
    *s = NULL;
    *n = 0;
    if (!o || dbk_obj_type (o) == DBK_T_NIL)
        return 1;
    if (dbk_obj_str (o, s, n) != 0 || *n == 0 || *n > max)
        return dbk_decision_reject (d, DBK_EMALFORMED, key,
                                    "the award's %s must be text of 1 to %zu bytes", key, max);
    return 0;
}

/*  The award's tender type, when it has one: win/loss by tender type
    (the forecasting service) reads it from the outcome. */
static void s_tender_type (dbk_wr_t *w, const char *s, size_t n)
{
    if (!s)
        return;
    dbk_wr_cstr (w, "tender_type");
    dbk_wr_str (w, s, n);
}

static int s_award_required (dbk_decision_t *d, int rc, const char *key)
{
    if (rc == 1)
        return dbk_decision_reject (d, DBK_EMALFORMED, key, "the award has no %s", key);
    return rc;
}

static int s_award_i64 (dbk_decision_t *d, const dbk_obj_t *award, const char *key, int64_t lo,
                        int64_t *v, bool *present)
{
    const dbk_obj_t *o = dbk_obj_get (award, key);
    *present = o && dbk_obj_type (o) != DBK_T_NIL;
    if (*present && (dbk_obj_i64 (o, v) != 0 || *v < lo || *v > OPP_AMOUNT_MAX))
        return dbk_decision_reject (d, DBK_EMALFORMED, key,
                                    "the award's %s must be a whole number of minor units", key);
    return 0;
}

int opp_react_award (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *award,
                     const opp_facts_t *facts)
{
    const char *opp, *tender, *result, *date, *cur, *winner, *reason, *ttype;
    size_t oppn, tendern, resultn, daten, curn, winnern, reasonn, ttypen;
    if (!award || dbk_obj_type (award) != DBK_T_MAP)
        return dbk_decision_reject (d, DBK_EMALFORMED, NULL, "the award must be a map");
    int rc = s_award_required (d, s_award_str (d, award, "opportunity_id", OPP_ID_MAX, &opp, &oppn),
                               "opportunity_id");
    if (!rc)
        rc = s_award_required (
            d, s_award_str (d, award, "tender_id", OPP_ID_MAX, &tender, &tendern), "tender_id");
    if (!rc)
        rc = s_award_required (d, s_award_str (d, award, "result", 8, &result, &resultn), "result");
    if (!rc)
        rc = s_award_required (d, s_award_str (d, award, "date", 10, &date, &daten), "date");
    if (rc)
        return rc;
    bool won = opp_eq ("won", result, resultn);
    if (!won && !opp_eq ("lost", result, resultn))
        return dbk_decision_reject (d, DBK_EMALFORMED, "result",
                                    "the award's result must be won or lost");
    if (!contacts_date_valid (date, daten, false))
        return dbk_decision_reject (d, DBK_EMALFORMED, "date",
                                    "the award's date must be a real date YYYY-MM-DD");
    if ((rc = s_award_str (d, award, "currency", 3, &cur, &curn)) < 0)
        return rc;
    /*  the tender's currency, checked against the table when the tender
        was opened: taken as the bidding service recorded it (a code
        dropped from the table since still closes its deal), so only its
        shape is checked here */
    if (cur && !dbk_currency_shaped (cur, curn))
        return dbk_decision_reject (d, DBK_EMALFORMED, "currency",
                                    "the award's currency must be an ISO 4217 code");
    if ((rc = s_award_str (d, award, "winner", OPP_NAME_MAX, &winner, &winnern)) < 0 ||
        (rc = s_award_str (d, award, "reason", OPP_NOTE_MAX, &reason, &reasonn)) < 0 ||
        (rc = s_award_str (d, award, "tender_type", OPP_SHORT_MAX, &ttype, &ttypen)) < 0)
        return rc;
    int64_t amount = 0, gap = 0;
    bool has_amount, has_gap;
    if ((rc = s_award_i64 (d, award, "amount", 0, &amount, &has_amount)) ||
        (rc = s_award_i64 (d, award, "price_gap", -OPP_AMOUNT_MAX, &gap, &has_gap)))
        return rc;
    if (state->status == OPP_NONE || !opp_eq (state->id, opp, oppn))
        return dbk_decision_reject (d, DBK_ENOTFOUND, "opportunity_id", "no such opportunity: %.*s",
                                    (int) oppn, opp);
    /* idempotence: an award already reacted to decides nothing, so a
       replay of the log never reacts twice */
    for (size_t i = 0; i < state->nawards; i++)
        if (opp_eq (state->awards[i], tender, tendern))
            return 0;
    /*  a deal lost through the award of one of its tenders is won by the
        won award of another one (a deal tendered in lots, or a re-tender
        after a failed one): the tender's own award wins the deal, whatever
        the order in which the two awards reached the log. It goes back
        open for the win, as a person would reopen it. A loss by hand, an
        abandoned deal or a duplicate stays as a person decided it */
    bool retake = won && state->status == OPP_LOST && state->lost_by;
    /*  a later award of a deal already closed (by hand, by another tender's
        award, as a duplicate): refused, so that the service logs it, and
        someone records it by hand if it should count */
    static const char *const closed[] = {[OPP_WON] = "won",
                                         [OPP_LOST] = "lost",
                                         [OPP_ABANDONED] = "abandoned",
                                         [OPP_DUPLICATE] = "closed as a duplicate"};
    /*  a loss of a deal no longer open but not won (lost by hand before the
        notice, abandoned, a duplicate) changes nothing: the bidding
        service records such awards, and a refusal would be logged again
        at every replay */
    if (state->status != OPP_OPEN && !won && state->status != OPP_WON)
        return 0;
    if (state->status != OPP_OPEN && !retake)
        return dbk_decision_reject (d, DBK_EREJECTED, "opportunity_id",
                                    "opportunity %s was %s already: the award of tender %.*s "
                                    "(%.*s) is not recorded on it",
                                    state->id, closed[state->status], (int) tendern, tender,
                                    (int) resultn, result);
    if (state->nawards >= OPP_AWARDS_MAX)
        return dbk_decision_reject (d, DBK_EREJECTED, "opportunity_id",
                                    "opportunity %s reacted to %d awards already", state->id,
                                    OPP_AWARDS_MAX);
    if (retake) {
        char why[OPP_ID_MAX * 2 + 80];
        snprintf (why, sizeof why, "tender %.*s was won after the loss through tender %s",
                  (int) tendern, tender, state->lost_by);
        dbk_wr_t *w = opp_begin (d, state->id, "opportunity.reopened", 2, facts);
        dbk_wr_kv_cstr (w, "from", "lost");
        dbk_wr_kv_cstr (w, "reason", why);
    }
    if (won) {
        /*  the award's reason says why we won: win/loss by reason (the
            forecasting service) groups the won deals under it */
        dbk_wr_t *w = opp_begin (d, state->id, "opportunity.won",
                                 4 + (ttype != NULL) + (reason != NULL), facts);
        dbk_wr_kv_i64 (w, "amount", has_amount ? amount : state->amount);
        dbk_wr_cstr (w, "currency");
        if (cur)
            dbk_wr_str (w, cur, curn);
        else
            dbk_wr_cstr (w, state->currency ? state->currency : "");
        dbk_wr_cstr (w, "date");
        dbk_wr_str (w, date, daten);
        dbk_wr_cstr (w, "tender_id");
        dbk_wr_str (w, tender, tendern);
        s_tender_type (w, ttype, ttypen);
        if (reason) {
            dbk_wr_cstr (w, "reason");
            dbk_wr_str (w, reason, reasonn);
        }
        return 0;
    }
    dbk_wr_t *w = opp_begin (d, state->id, "opportunity.lost",
                             3 + (winner != NULL) + has_gap + (ttype != NULL), facts);
    dbk_wr_cstr (w, "reason");
    if (reason)
        dbk_wr_str (w, reason, reasonn);
    else
        dbk_wr_cstr (w, "tender lost");
    dbk_wr_cstr (w, "date");
    dbk_wr_str (w, date, daten);
    dbk_wr_cstr (w, "tender_id");
    dbk_wr_str (w, tender, tendern);
    if (winner) {
        dbk_wr_cstr (w, "winner");
        dbk_wr_str (w, winner, winnern);
    }
    if (has_gap)
        dbk_wr_kv_i64 (w, "price_gap", gap);
    s_tender_type (w, ttype, ttypen);
    return 0;
}
