/*  opp_funnel.c - where the deal stands: the customer's procurement stage
    and its key people, the funnel level with its entry criteria, the
    qualification (商机评估), the commitment, and the six-step checklist. */
#include "opp_internal.h"

#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const contacts_field_t s_stage_fields[] = {
    {"stage", CONTACTS_F_ENUM, true, 64, opp_stages, 0, 0, -1},
    {"key_person", CONTACTS_F_ID, false, OPP_ID_MAX, NULL, 0, 0, -1},
};

static const contacts_field_t s_key_fields[] = {
    {"stage", CONTACTS_F_ENUM, true, 64, opp_stages, 0, 0, -1},
    {"contact_id", CONTACTS_F_ID, true, OPP_ID_MAX, NULL, 0, 0, -1},
};

static const contacts_field_t s_level_fields[] = {
    {"level", CONTACTS_F_ENUM, true, 8, opp_level_codes, 0, 0, -1},
    {"reason", CONTACTS_F_NOTE, false, OPP_NOTE_MAX, NULL, 0, 0, -1},
};

/*  Question i answers as keys 2i (score) and 2i+1 (evidence), in the
    order of opp_questions; then decision and reason. */
static const contacts_field_t s_qualify_fields[] = {
    {"real_project_score", CONTACTS_F_INT, true, 0, NULL, 0, OPP_SCORE_MAX, -1},
    {"real_project_evidence", CONTACTS_F_NOTE, true, OPP_NOTE_MAX, NULL, 0, 0, -1},
    {"our_opportunity_score", CONTACTS_F_INT, true, 0, NULL, 0, OPP_SCORE_MAX, -1},
    {"our_opportunity_evidence", CONTACTS_F_NOTE, true, OPP_NOTE_MAX, NULL, 0, 0, -1},
    {"can_win_score", CONTACTS_F_INT, true, 0, NULL, 0, OPP_SCORE_MAX, -1},
    {"can_win_evidence", CONTACTS_F_NOTE, true, OPP_NOTE_MAX, NULL, 0, 0, -1},
    {"worth_winning_score", CONTACTS_F_INT, true, 0, NULL, 0, OPP_SCORE_MAX, -1},
    {"worth_winning_evidence", CONTACTS_F_NOTE, true, OPP_NOTE_MAX, NULL, 0, 0, -1},
    {"decision", CONTACTS_F_ENUM, true, 16, opp_decisions, 0, 0, -1},
    {"reason", CONTACTS_F_NOTE, true, OPP_NOTE_MAX, NULL, 0, 0, -1},
};
#define S_NQUALIFY (sizeof s_qualify_fields / sizeof s_qualify_fields[0])

static const contacts_field_t s_commit_fields[] = {
    {"kind", CONTACTS_F_ENUM, true, 32, opp_commitment_kinds, 0, 0, -1},
    {"date", CONTACTS_F_DATE, true, 10, NULL, 0, 0, -1},
    {"contact_id", CONTACTS_F_ID, false, OPP_ID_MAX, NULL, 0, 0, -1},
    {"note", CONTACTS_F_NOTE, false, OPP_NOTE_MAX, NULL, 0, 0, -1},
};

static const contacts_field_t s_tick_fields[] = {
    {"item", CONTACTS_F_TEXT, true, 64, NULL, 0, 0, -1},
    {"by", CONTACTS_F_TEXT, false, OPP_SHORT_MAX, NULL, 0, 0, -1},
    {"date", CONTACTS_F_DATE, false, 10, NULL, 0, 0, -1},
};

int opp_stage_set (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                   const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_stage_fields, 2, NULL, false, vals, &nvals);
    if (!rc)
        rc = opp_check_open (d, state, facts);
    if (rc)
        return rc;
    nvals = opp_present (vals, nvals);
    const contacts_value_t *key = nvals > 1 ? &vals[1] : NULL;
    if (key && (rc = opp_check_contact (d, "key_person", key->s, key->n, facts)))
        return rc;
    int at = opp_index (opp_stages, vals[0].s, vals[0].n);
    if (opp_eq (state->stage, vals[0].s, vals[0].n) &&
        (!key || opp_eq (state->key_person[at], key->s, key->n)))
        return 0;
    dbk_wr_t *w = opp_begin (d, state->id, "opportunity.stage_changed", 1 + nvals, facts);
    dbk_wr_kv_cstr (w, "from", state->stage ? state->stage : "");
    opp_write_vals (w, vals, nvals);
    return 0;
}

int opp_key_person_set (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                        const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_key_fields, 2, NULL, false, vals, &nvals);
    if (!rc)
        rc = opp_check_open (d, state, facts);
    if (!rc)
        rc = opp_check_contact (d, "contact_id", vals[1].s, vals[1].n, facts);
    if (rc)
        return rc;
    int at = opp_index (opp_stages, vals[0].s, vals[0].n);
    if (opp_eq (state->key_person[at], vals[1].s, vals[1].n))
        return 0;
    dbk_wr_t *w = opp_begin (d, state->id, "opportunity.key_person_set", 2, facts);
    opp_write_vals (w, vals, 2);
    return 0;
}

bool opp_criterion_met (const opp_state_t *s, const char *criterion)
{
    if (!strcmp (criterion, "need_confirmed")) {
        for (size_t i = 0; i < s->nneeds; i++)
            if (s->needs[i].kind && !strcmp (s->needs[i].kind, "organisational"))
                return true;
        return false;
    }
    if (!strcmp (criterion, "qualified_pursue"))
        return s->decision && !strcmp (s->decision, "pursue");
    if (!strcmp (criterion, "commitment"))
        return s->commitment != NULL;
    bool coach = !strcmp (criterion, "coach");
    bool supports = !strcmp (criterion, "decision_maker_supports");
    if (!coach && !supports && strcmp (criterion, "decision_maker_known"))
        return false;
    for (size_t i = 0; i < s->nstakeholders; i++) {
        const opp_stakeholder_t *p = &s->stakeholders[i];
        if (!p->role)
            continue;
        if (coach) {
            if (!strcmp (p->role, "coach"))
                return true;
        } else if (!strcmp (p->role, "decision_maker") &&
                   (!supports || (p->attitude_known && p->attitude >= 0)))
            return true;
    }
    return false;
}

static const char *s_sentence (const char *criterion)
{
    for (size_t i = 0; opp_criteria[i].code; i++)
        if (!strcmp (opp_criteria[i].code, criterion))
            return opp_criteria[i].sentence;
    return "a criterion this version does not know";
}

/*  May the deal move up from its level to `to`? The latest qualification
    comes first: one that decided hold (do not invest now) or drop (do not
    invest at all) takes back the evidence the deal climbed on, so no move
    up is allowed until a new one decides pursue, whatever the levels'
    configured criteria. Then every level passed on the way up must hold
    its own evidence, so that a jump cannot skip what a step would have
    checked. The first failure is the rejection. */
static int s_check_move_up (dbk_decision_t *d, const opp_state_t *state, const opp_level_t *levels,
                            int to)
{
    if (state->decision && strcmp (state->decision, "pursue"))
        return dbk_decision_reject (
            d, DBK_EREJECTED, "qualified_pursue",
            "the latest qualification decided %s: re-qualify before moving up", state->decision);
    for (int l = state->level + 1; l <= to; l++) {
        const char *const *c = levels[l - 1].criteria;
        for (size_t i = 0; c && c[i]; i++)
            if (!opp_criterion_met (state, c[i]))
                return dbk_decision_reject (d, DBK_EREJECTED, c[i], "%s needs %s",
                                            levels[l - 1].code, s_sentence (c[i]));
    }
    return 0;
}

int opp_level_set (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                   const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_level_fields, 2, NULL, false, vals, &nvals);
    if (!rc)
        rc = opp_check_open (d, state, facts);
    if (rc)
        return rc;
    nvals = opp_present (vals, nvals);
    const contacts_value_t *reason = nvals > 1 ? &vals[1] : NULL;
    int to = opp_index (opp_level_codes, vals[0].s, vals[0].n) + 1;
    const opp_level_t *levels = opp_cfg (facts)->levels;
    if (to == state->level)
        return 0;
    if (to < state->level && !reason)
        return dbk_decision_reject (d, DBK_EINVAL, "reason",
                                    "moving down from L%d to L%d needs a reason", state->level, to);
    if (to > state->level && (rc = s_check_move_up (d, state, levels, to)))
        return rc;
    dbk_wr_t *w =
        opp_begin (d, state->id, "opportunity.level_changed", 3 + (reason != NULL), facts);
    dbk_wr_kv_u64 (w, "from", (uint64_t) state->level);
    dbk_wr_kv_u64 (w, "to", (uint64_t) to);
    dbk_wr_kv_u64 (w, "probability", (uint64_t) levels[to - 1].probability);
    if (reason)
        opp_write_vals (w, reason, 1);
    return 0;
}

int opp_qualify (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                 const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc =
        contacts_check_fields (d, cmd, s_qualify_fields, S_NQUALIFY, NULL, false, vals, &nvals);
    if (!rc)
        rc = opp_check_open (d, state, facts);
    if (rc)
        return rc;
    int64_t total = 0;
    for (size_t q = 0; q < OPP_QUESTIONS; q++)
        total += vals[2 * q].i;
    dbk_wr_t *w = opp_begin (d, state->id, "opportunity.qualified", nvals + 1, facts);
    opp_write_vals (w, vals, nvals);
    dbk_wr_kv_i64 (w, "total", total);
    return 0;
}

int opp_commitment_record (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                           const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_commit_fields, 4, NULL, false, vals, &nvals);
    if (!rc)
        rc = opp_check_done_by_on (d, vals, nvals, "date", facts);
    if (!rc)
        rc = opp_check_open (d, state, facts);
    if (rc)
        return rc;
    nvals = opp_present (vals, nvals);
    const contacts_value_t *who = opp_val (vals, nvals, "contact_id");
    if (who && (rc = opp_check_contact (d, "contact_id", who->s, who->n, facts)))
        return rc;
    dbk_wr_t *w = opp_begin (d, state->id, "opportunity.commitment_recorded", nvals, facts);
    opp_write_vals (w, vals, nvals);
    return 0;
}

/*  The checklist item named [s, s+n), or NULL. */
static const opp_check_item_t *s_item (const opp_check_item_t *list, const char *s, size_t n)
{
    for (size_t i = 0; list[i].item; i++)
        if (opp_eq (list[i].item, s, n))
            return &list[i];
    return NULL;
}

int opp_check_tick (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                    const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_tick_fields, 3, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    const opp_check_item_t *list = opp_cfg (facts)->checklist;
    const opp_check_item_t *item = s_item (list, vals[0].s, vals[0].n);
    if (!item) {
        char codes[1000];
        size_t at = 0;
        codes[0] = 0;
        for (size_t i = 0; list[i].item && at < sizeof codes; i++) {
            int k = snprintf (codes + at, sizeof codes - at, "%s%s", i ? ", " : "", list[i].item);
            if (k < 0)
                break;
            at += (size_t) k;
        }
        return dbk_decision_reject (d, DBK_EINVAL, "item", "item must be one of: %s", codes);
    }
    nvals = opp_present (vals, nvals);
    if ((rc = opp_check_done_by_on (d, vals, nvals, "date", facts)))
        return rc;
    const contacts_value_t *by = opp_val (vals, nvals, "by");
    const contacts_value_t *date = opp_val (vals, nvals, "date");
    const char *today = facts ? facts->today : NULL;
    const char *actor = facts ? facts->actor : NULL;
    if (!date && !today)
        return dbk_decision_reject (d, DBK_EINVAL, "date", "date is required");
    if ((rc = opp_check_open (d, state, facts)))
        return rc;
    for (size_t i = 0; i < state->nticks; i++)
        if (!strcmp (state->ticks[i].item, item->item))
            return dbk_decision_reject (d, DBK_EDUPLICATE, "item",
                                        "%s was ticked already by %s on %s", item->item,
                                        state->ticks[i].by ? state->ticks[i].by : "someone",
                                        state->ticks[i].date ? state->ticks[i].date : "?");
    if (state->nticks >= OPP_TICKS_MAX)
        return dbk_decision_reject (d, DBK_EREJECTED, "item", "the checklist is full");
    dbk_wr_t *w = opp_begin (d, state->id, "opportunity.check_ticked", 3 + (by || actor), facts);
    dbk_wr_kv_cstr (w, "item", item->item);
    dbk_wr_kv_u64 (w, "step", (uint64_t) item->step);
    if (by)
        opp_write_vals (w, by, 1);
    else if (actor)
        dbk_wr_kv_cstr (w, "by", actor);
    if (date)
        opp_write_vals (w, date, 1);
    else
        dbk_wr_kv_cstr (w, "date", today);
    return 0;
}
