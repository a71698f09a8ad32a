/*  opp_common.c - the opportunities service's default tables, the state's
    lifecycle, the helpers the deciders share, and date arithmetic. */
#include "opp_internal.h"
#include "opportunities_known.h"

#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const opp_stages[] = {"need_discovery",
                                  "internal_deliberation",
                                  "requirement_design",
                                  "evaluation",
                                  "commitment",
                                  "implementation",
                                  NULL};

const char *const opp_project_types[] = {"hospital",   "airport",     "metro",      "hotel",
                                         "office",     "residential", "industrial", "education",
                                         "government", "other",       NULL};

const char *const opp_roles[] = {"decision_maker", "technical_evaluator", "user", "coach", NULL};

const char *const opp_response_modes[] = {"growth", "trouble", "even_keel", "overconfident", NULL};

const char *const opp_categories[] = {"pipeline", "best_case", "commit", "omitted", NULL};

const char *const opp_need_kinds[] = {"organisational", "personal", "relationship", NULL};

const char *const opp_competitor_positions[] = {"ahead", "even", "behind", "unknown", NULL};

const char *const opp_decisions[] = {"pursue", "hold", "drop", NULL};

const char *const opp_commitment_kinds[] = {"award_notice", "verbal_commitment", NULL};

const char *const opp_level_codes[] = {"L1", "L2", "L3", "L4", "L5", NULL};

const opp_question_t opp_questions[OPP_QUESTIONS] = {
    {"real_project", "Is it a real project? (funded, approved, with a schedule)"},
    {"our_opportunity",
     "Is it our opportunity? (fits our products, we are or can be specified, we reach the people)"},
    {"can_win", "Can we win? (our position against named competitors, a coach, the decision "
                "maker's support)"},
    {"worth_winning", "Is it worth winning? (expected margin, strategic value, risk)"},
};

const opp_criterion_t opp_criteria[] = {
    {"need_confirmed", "a confirmed organisational need (record one with need_added)"},
    {"decision_maker_known", "a known decision maker on the stakeholder map"},
    {"qualified_pursue", "a qualification that decided to pursue"},
    {"coach", "a coach on the stakeholder map"},
    {"decision_maker_supports",
     "a decision maker whose attitude is known and at least neutral (>= 0)"},
    {"commitment", "an award notice or a verbal commitment (record it first)"},
    {NULL, NULL},
};

static const char *const s_l2[] = {"need_confirmed", "decision_maker_known", NULL};
static const char *const s_l3[] = {"qualified_pursue", NULL};
static const char *const s_l4[] = {"coach", "decision_maker_supports", NULL};
static const char *const s_l5[] = {"commitment", NULL};

const opp_level_t opp_default_levels[OPP_LEVELS] = {
    {"L1", 10, 30, NULL, "opportunity found, first contact"},
    {"L2", 25, 30, s_l2, "need confirmed, project approved, key people known"},
    {"L3", 50, 21, s_l3, "solution accepted / specified, bidding"},
    {"L4", 75, 14, s_l4, "shortlisted, negotiating, decision maker supports us"},
    {"L5", 90, 14, s_l5, "award announced / verbal commitment, contract pending"},
};

const opp_check_item_t opp_default_checklist[] = {
    {1, "plan.account_researched", "research the account: background, past projects, credit"},
    {1, "plan.project_info", "collect the project's facts: site, scale, investment, schedule"},
    {1, "plan.visit_plan", "plan the first visit: whom, why, what to bring"},
    {2, "contact.first_visit", "first visit made: a good first impression"},
    {2, "contact.company_presented", "our company and references presented"},
    {3, "needs.organisational", "organisational needs analysed"},
    {3, "needs.personal", "each key person's personal needs known"},
    {3, "needs.stakeholder_map", "procurement analysis chart drawn"},
    {4, "solution.design", "engineering solution designed with the customer"},
    {4, "solution.bid_submitted", "bid document submitted"},
    {5, "win.terms_agreed", "contract terms agreed"},
    {5, "win.contract_signed", "contract signed"},
    {6, "follow.delivery", "delivery and installation followed up"},
    {6, "follow.review", "deal reviewed, won or lost, lessons kept"},
    {0, NULL, NULL},
};

const opp_red_flag_kind_t opp_red_flag_kinds[] = {
    {"qualification_hold", "on hold, yet still weighted at its level's probability"},
    {"qualification_drop", "dropped, yet still weighted at its level's probability"},
    {"no_decision_maker", "nobody on the map is the decision maker"},
    {"role_uncovered", "a buying role nobody covers"},
    {"unknown_role", "a stakeholder whose buying role is unknown"},
    {"unknown_attitude", "a stakeholder whose attitude is unknown"},
    {"strong_opponent", "a strong opponent with influence 4 or more"},
    {"hostile_decision_maker", "the decision maker is against us"},
    {"no_coach", "no coach (insider) on the map"},
    {"no_decision_level", "no contact at the decision level"},
    {"single_threaded", "one contact or none: the deal hangs on a single thread"},
    {"stale_contact", "a stakeholder not contacted for too long"},
    {NULL, NULL},
};

const opp_config_t opp_default_config = {opp_default_levels, opp_default_checklist, 90, 30};

#define S_OFF(f) ((long) offsetof (opp_state_t, f))

const contacts_field_t opp_reg_fields[] = {
    {"name", CONTACTS_F_TEXT, true, OPP_NAME_MAX, NULL, 0, 0, S_OFF (name)},
    {"account_id", CONTACTS_F_ID, true, OPP_ID_MAX, NULL, 0, 0, S_OFF (account_id)},
    {"owner", CONTACTS_F_TEXT, true, OPP_SHORT_MAX, NULL, 0, 0, S_OFF (owner)},
    {"currency", CONTACTS_F_CURRENCY, true, 3, NULL, 0, 0, S_OFF (currency)},
    {"close_date", CONTACTS_F_DATE, true, 10, NULL, 0, 0, S_OFF (close_date)},
    {"site_city", CONTACTS_F_TEXT, false, OPP_SHORT_MAX, NULL, 0, 0, S_OFF (site_city)},
    {"site_address", CONTACTS_F_TEXT, false, OPP_NAME_MAX, NULL, 0, 0, S_OFF (site_address)},
    {"project_type", CONTACTS_F_ENUM, false, 64, opp_project_types, 0, 0, S_OFF (project_type)},
    {"amount", CONTACTS_F_MONEY, false, 0, NULL, 0, OPP_AMOUNT_MAX, S_OFF (amount)},
    {"team", CONTACTS_F_TEXT, false, OPP_SHORT_MAX, NULL, 0, 0, S_OFF (team)},
    {"region", CONTACTS_F_TEXT, false, OPP_SHORT_MAX, NULL, 0, 0, S_OFF (region)},
    {"stage", CONTACTS_F_ENUM, false, 64, opp_stages, 0, 0, S_OFF (stage)},
};
const size_t opp_nreg_fields = sizeof opp_reg_fields / sizeof opp_reg_fields[0];

const contacts_field_t opp_upd_fields[] = {
    {"name", CONTACTS_F_TEXT, true, OPP_NAME_MAX, NULL, 0, 0, S_OFF (name)},
    {"currency", CONTACTS_F_CURRENCY, true, 3, NULL, 0, 0, S_OFF (currency)},
    {"close_date", CONTACTS_F_DATE, true, 10, NULL, 0, 0, S_OFF (close_date)},
    {"site_city", CONTACTS_F_TEXT, false, OPP_SHORT_MAX, NULL, 0, 0, S_OFF (site_city)},
    {"site_address", CONTACTS_F_TEXT, false, OPP_NAME_MAX, NULL, 0, 0, S_OFF (site_address)},
    {"project_type", CONTACTS_F_ENUM, false, 64, opp_project_types, 0, 0, S_OFF (project_type)},
    {"amount", CONTACTS_F_MONEY, false, 0, NULL, 0, OPP_AMOUNT_MAX, S_OFF (amount)},
    {"team", CONTACTS_F_TEXT, false, OPP_SHORT_MAX, NULL, 0, 0, S_OFF (team)},
    {"region", CONTACTS_F_TEXT, false, OPP_SHORT_MAX, NULL, 0, 0, S_OFF (region)},
};
const size_t opp_nupd_fields = sizeof opp_upd_fields / sizeof opp_upd_fields[0];

#define S_SH(f) ((long) offsetof (opp_stakeholder_t, f))

const contacts_field_t opp_sh_fields[] = {
    {"contact_id", CONTACTS_F_ID, true, OPP_ID_MAX, NULL, 0, 0, S_SH (contact_id)},
    {"role", CONTACTS_F_ENUM, false, 64, opp_roles, 0, 0, S_SH (role)},
    {"level", CONTACTS_F_ENUM, false, 64, contacts_levels, 0, 0, S_SH (level)},
    {"function", CONTACTS_F_ENUM, false, 64, contacts_functions, 0, 0, S_SH (function)},
    {"relationship", CONTACTS_F_ENUM, false, 64, contacts_relationships, 0, 0, S_SH (relationship)},
    {"response_mode", CONTACTS_F_ENUM, false, 64, opp_response_modes, 0, 0, S_SH (response_mode)},
    {"last_contact", CONTACTS_F_DATE, false, 10, NULL, 0, 0, S_SH (last_contact)},
    {"notes", CONTACTS_F_NOTE, false, OPP_NOTE_MAX, NULL, 0, 0, S_SH (notes)},
    {"influence", CONTACTS_F_INT, false, 0, NULL, 1, 5, S_SH (influence)},
    /* -2 is a real value and 0 means neutral, so the state keeps
       attitude_known beside it: handled by hand, not by offset */
    {"attitude", CONTACTS_F_INT, false, 0, NULL, -2, 2, -1},
};
const size_t opp_nsh_fields = sizeof opp_sh_fields / sizeof opp_sh_fields[0];

void opp_init (opp_state_t *self)
{
    memset (self, 0, sizeof *self);
}

static void s_free_stakeholder (opp_stakeholder_t *s)
{
    contacts_free_fields (s, opp_sh_fields, opp_nsh_fields);
}

void opp_reset (opp_state_t *self)
{
    contacts_free_fields (self, opp_reg_fields, opp_nreg_fields);
    char **strs[] = {&self->id,
                     &self->normalized_name,
                     &self->registered_on,
                     &self->touched,
                     &self->category,
                     &self->next_step,
                     &self->next_step_due,
                     &self->decision,
                     &self->decision_reason,
                     &self->commitment,
                     &self->duplicate_of,
                     &self->outcome_date,
                     &self->won_reason,
                     &self->won_currency,
                     &self->loss_reason,
                     &self->lost_to,
                     &self->lost_by};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free (*strs[i]);
    for (size_t i = 0; i < OPP_STAGES; i++)
        free (self->key_person[i]);
    for (size_t i = 0; i < self->nstakeholders; i++)
        s_free_stakeholder (&self->stakeholders[i]);
    for (size_t i = 0; i < self->nneeds; i++) {
        free (self->needs[i].kind);
        free (self->needs[i].contact_id);
        free (self->needs[i].text);
    }
    for (size_t i = 0; i < self->nrivals; i++) {
        free (self->rivals[i].competitor_id);
        free (self->rivals[i].position);
        free (self->rivals[i].notes);
    }
    for (size_t i = 0; i < self->nticks; i++) {
        free (self->ticks[i].item);
        free (self->ticks[i].by);
        free (self->ticks[i].date);
    }
    for (size_t i = 0; i < self->nawards; i++)
        free (self->awards[i]);
    for (size_t i = 0; i < self->nconflicts; i++) {
        free (self->conflicts[i].id);
        free (self->conflicts[i].owner);
    }
    free (self->conflicts);
    free (self->stakeholders);
    free (self->needs);
    free (self->rivals);
    free (self->ticks);
    free (self->awards);
    opp_init (self);
}

const opp_conflict_t *opp_conflict_find (const opp_state_t *state, const char *id)
{
    for (size_t i = 0; id && i < state->nconflicts; i++)
        if (state->conflicts[i].id && strcmp (state->conflicts[i].id, id) == 0)
            return &state->conflicts[i];
    return NULL;
}

const opp_config_t *opp_cfg (const opp_facts_t *facts)
{
    return opp_cfg_of (facts ? facts->config : NULL);
}

int opp_check_owner (dbk_decision_t *d, const opp_state_t *state, const opp_facts_t *facts,
                     const char *what)
{
    /*  a service's own reaction runs with facts->manager set: an actor
        named "svc:..." in a command is no one's authority */
    if (!facts || !facts->actor || facts->manager ||
        (state->owner && !strcmp (facts->actor, state->owner)))
        return 0;
    return dbk_decision_reject (
        d, DBK_EREJECTED, "actor", "only the owner (%s) or a manager %s opportunity %s",
        state->owner ? state->owner : "?", what, state->id ? state->id : "?");
}

/*  A deal has no history before it was registered: a command stating a
    day before its registration (1900-01-01 for 2026-01-10) would put
    work, a level or an outcome where the funnel's ages and the
    forecasts' periods cannot have it. History entered after the fact
    registers the deal with its own past "on" first. Without either date
    (a registration appended by hand without "on"), nothing is bounded. */
int opp_check_on (dbk_decision_t *d, const opp_state_t *state, const opp_facts_t *facts)
{
    const char *on = facts ? facts->today : NULL;
    return opportunities_check_registered_by (d, "on", on, on ? strlen (on) : 0, state->id,
                                              state->registered_on,
                                              "a deal has no history before it was registered");
}

int opp_check_not_before_registration (dbk_decision_t *d, const contacts_value_t *vals, size_t n,
                                       const char *key, const opp_state_t *state)
{
    const contacts_value_t *v = contacts_value_of (vals, n, key);
    if (!v || v->clear)
        return 0;
    return opportunities_check_registered_by (d, key, v->s, v->n, state->id, state->registered_on,
                                              "a deal is closed after it was registered");
}

int opp_check_open (dbk_decision_t *d, const opp_state_t *state, const opp_facts_t *facts)
{
    static const char *const why[] = {[OPP_WON] = "was won",
                                      [OPP_LOST] = "was lost (reopen it first)",
                                      [OPP_ABANDONED] = "was abandoned (reopen it first)",
                                      [OPP_DUPLICATE] = "was closed as a duplicate"};
    if (state->status == OPP_NONE)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "id", "no such opportunity");
    int rc = opp_check_on (d, state, facts);
    if (rc)
        return rc;
    if (state->status != OPP_OPEN) {
        if (state->status == OPP_DUPLICATE)
            return dbk_decision_reject (d, DBK_EREJECTED, "id",
                                        "opportunity %s was closed as a duplicate of %s and can "
                                        "no longer change",
                                        state->id, state->duplicate_of ? state->duplicate_of : "?");
        return dbk_decision_reject (d, DBK_EREJECTED, "id",
                                    "opportunity %s %s and can no longer change", state->id,
                                    why[state->status]);
    }
    return 0;
}

dbk_wr_t *opp_begin (dbk_decision_t *d, const char *id, const char *type, size_t n,
                     const opp_facts_t *facts)
{
    char stream[OPP_ID_MAX + 16];
    snprintf (stream, sizeof stream, "opportunity-%s", id);
    const char *today = facts ? facts->today : NULL;
    dbk_wr_t *w = dbk_decision_event (d, stream, type);
    dbk_wr_map (w, (uint32_t) (n + 1 + (today != NULL)));
    dbk_wr_kv_cstr (w, "id", id);
    if (today)
        dbk_wr_kv_cstr (w, "on", today);
    return w;
}

/*  The bound is the command's business date, as in the bidding service:
    "on" is at most today already, and a deal won on a day after the one
    its command states would count, as of that day, in a period it has
    not reached (the forecasts' won figures); a stakeholder "last
    contacted" ahead would keep the stale-contact flag away for as long. */
int opp_check_done_by_on (dbk_decision_t *d, const contacts_value_t *vals, size_t n,
                          const char *key, const opp_facts_t *facts)
{
    return contacts_check_done_by (d, vals, n, key, facts ? facts->today : NULL, "on");
}

typedef opp_ref_t (*s_ref_fn) (void *ctx, const char *id);

static opp_ref_t s_ref (const opp_facts_t *facts, s_ref_fn fn, const char *s, size_t n)
{
    if (!fn || n > OPP_ID_MAX)
        return OPP_REF_MISSING;
    char id[OPP_ID_MAX + 1];
    memcpy (id, s, n);
    id[n] = 0;
    return fn (facts->lookup->ctx, id);
}

opp_ref_t opp_ref_account (const opp_facts_t *facts, const char *s, size_t n)
{
    return facts && facts->lookup ? s_ref (facts, facts->lookup->account, s, n) : OPP_REF_MISSING;
}

opp_ref_t opp_ref_contact (const opp_facts_t *facts, const char *s, size_t n)
{
    return facts && facts->lookup ? s_ref (facts, facts->lookup->contact, s, n) : OPP_REF_MISSING;
}

opp_ref_t opp_ref_competitor (const opp_facts_t *facts, const char *s, size_t n)
{
    return facts && facts->lookup ? s_ref (facts, facts->lookup->competitor, s, n)
                                  : OPP_REF_MISSING;
}

int opp_check_contact (dbk_decision_t *d, const char *field, const char *s, size_t n,
                       const opp_facts_t *facts)
{
    if (opp_ref_contact (facts, s, n) == OPP_REF_MISSING)
        return dbk_decision_reject (d, DBK_ENOTFOUND, field, "no such contact: %.*s", (int) n, s);
    return 0;
}

int32_t opp_days_between (const char *a, const char *b)
{
    return contacts_days_between (a, b);
}

int opp_probability (const opp_state_t *state, const opp_config_t *cfg)
{
    cfg = opp_cfg_of (cfg);
    if (state->status == OPP_WON)
        return 100;
    if (state->status != OPP_OPEN || state->level < 1 || state->level > OPP_LEVELS)
        return 0;
    return cfg->levels[state->level - 1].probability;
}

bool opp_touch_overdue (const opp_state_t *state, const char *as_of, const opp_config_t *cfg)
{
    cfg = opp_cfg_of (cfg);
    if (state->status != OPP_OPEN || state->level < 1 || state->level > OPP_LEVELS)
        return false;
    int32_t days = opp_days_between (state->touched, as_of);
    return days != INT32_MIN && days > cfg->levels[state->level - 1].max_days;
}

bool opp_date_add (const char *date, int days, char out[11])
{
    return contacts_date_add (date, days, out);
}
