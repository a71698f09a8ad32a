/*  opp_people.c - the procurement analysis chart (采购分析图): the
    stakeholders of a deal, their needs, the competitors on it, and the
    red flags computed from the deal's qualification and its map. */
#include "opp_internal.h"

#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const contacts_field_t s_remove_fields[] = {
    {"contact_id", CONTACTS_F_ID, true, OPP_ID_MAX, NULL, 0, 0, -1},
    {"reason", CONTACTS_F_NOTE, false, OPP_NOTE_MAX, NULL, 0, 0, -1},
};

static const contacts_field_t s_need_fields[] = {
    {"kind", CONTACTS_F_ENUM, true, 32, opp_need_kinds, 0, 0, -1},
    {"text", CONTACTS_F_NOTE, true, OPP_NOTE_MAX, NULL, 0, 0, -1},
    {"contact_id", CONTACTS_F_ID, false, OPP_ID_MAX, NULL, 0, 0, -1},
};

#define S_RIVAL(f) ((long) offsetof (opp_rival_t, f))
static const contacts_field_t s_rival_fields[] = {
    {"competitor_id", CONTACTS_F_ID, true, OPP_ID_MAX, NULL, 0, 0, S_RIVAL (competitor_id)},
    {"position", CONTACTS_F_ENUM, true, 16, opp_competitor_positions, 0, 0, S_RIVAL (position)},
    {"notes", CONTACTS_F_NOTE, false, OPP_NOTE_MAX, NULL, 0, 0, S_RIVAL (notes)},
};

const opp_stakeholder_t *opp_stakeholder_find (const opp_state_t *state, const char *contact_id)
{
    for (size_t i = 0; i < state->nstakeholders; i++)
        if (!strcmp (state->stakeholders[i].contact_id, contact_id))
            return &state->stakeholders[i];
    return NULL;
}

static const opp_stakeholder_t *s_find (const opp_state_t *state, const contacts_value_t *id)
{
    for (size_t i = 0; i < state->nstakeholders; i++)
        if (opp_eq (state->stakeholders[i].contact_id, id->s, id->n))
            return &state->stakeholders[i];
    return NULL;
}

static const opp_rival_t *s_rival (const opp_state_t *state, const contacts_value_t *id)
{
    for (size_t i = 0; i < state->nrivals; i++)
        if (opp_eq (state->rivals[i].competitor_id, id->s, id->n))
            return &state->rivals[i];
    return NULL;
}

int opp_stakeholder_add (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                         const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc =
        contacts_check_fields (d, cmd, opp_sh_fields, opp_nsh_fields, NULL, false, vals, &nvals);
    if (!rc)
        rc = opp_check_done_by_on (d, vals, nvals, "last_contact", facts);
    if (!rc)
        rc = opp_check_open (d, state, facts);
    if (!rc)
        rc = opp_check_contact (d, "contact_id", vals[0].s, vals[0].n, facts);
    if (rc)
        return rc;
    if (s_find (state, &vals[0]))
        return dbk_decision_reject (d, DBK_EDUPLICATE, "contact_id",
                                    "contact %.*s is on the stakeholder map already; update them",
                                    (int) vals[0].n, vals[0].s);
    if (state->nstakeholders >= OPP_STAKEHOLDERS_MAX)
        return dbk_decision_reject (d, DBK_EREJECTED, "contact_id",
                                    "the stakeholder map holds %d people, the most it can",
                                    OPP_STAKEHOLDERS_MAX);
    nvals = opp_present (vals, nvals);
    dbk_wr_t *w = opp_begin (d, state->id, "opportunity.stakeholder_added", nvals, facts);
    opp_write_vals (w, vals, nvals);
    return 0;
}

/*  An *_updated event: the member's key (vals[0]), "changed" listing the
    keys of vals[1..changed], then those values. */
static void s_changed (dbk_decision_t *d, const opp_state_t *state, const char *type,
                       const contacts_value_t *vals, size_t changed, const opp_facts_t *facts)
{
    dbk_wr_t *w = opp_begin (d, state->id, type, 2 + changed, facts);
    opp_write_vals (w, vals, 1);
    dbk_wr_cstr (w, "changed");
    dbk_wr_array (w, (uint32_t) changed);
    for (size_t i = 1; i <= changed; i++)
        dbk_wr_cstr (w, vals[i].f->key);
    opp_write_vals (w, vals + 1, changed);
}

/*  Is v what stakeholder p holds? attitude is kept beside its "known"
    flag, everything else by offset. */
static bool s_sh_same (const contacts_value_t *v, const opp_stakeholder_t *p)
{
    if (!strcmp (v->f->key, "attitude"))
        return v->clear ? !p->attitude_known : p->attitude_known && p->attitude == v->i;
    return contacts_value_same (v, p);
}

int opp_stakeholder_update (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                            const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc =
        contacts_check_fields (d, cmd, opp_sh_fields, opp_nsh_fields, NULL, true, vals, &nvals);
    if (rc)
        return rc;
    if (!nvals || strcmp (vals[0].f->key, "contact_id"))
        return dbk_decision_reject (d, DBK_EINVAL, "contact_id", "contact_id is required");
    if ((rc = opp_check_done_by_on (d, vals, nvals, "last_contact", facts)))
        return rc;
    if ((rc = opp_check_open (d, state, facts)))
        return rc;
    const opp_stakeholder_t *p = s_find (state, &vals[0]);
    if (!p)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "contact_id",
                                    "contact %.*s is not on the stakeholder map", (int) vals[0].n,
                                    vals[0].s);
    size_t changed = 0;
    for (size_t i = 1; i < nvals; i++)
        if (!s_sh_same (&vals[i], p))
            vals[1 + changed++] = vals[i];
    if (!changed)
        return 0;
    s_changed (d, state, "opportunity.stakeholder_updated", vals, changed, facts);
    return 0;
}

int opp_stakeholder_remove (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                            const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_remove_fields, 2, NULL, false, vals, &nvals);
    if (!rc)
        rc = opp_check_open (d, state, facts);
    if (rc)
        return rc;
    if (!s_find (state, &vals[0]))
        return dbk_decision_reject (d, DBK_ENOTFOUND, "contact_id",
                                    "contact %.*s is not on the stakeholder map", (int) vals[0].n,
                                    vals[0].s);
    nvals = opp_present (vals, nvals);
    dbk_wr_t *w = opp_begin (d, state->id, "opportunity.stakeholder_removed", nvals, facts);
    opp_write_vals (w, vals, nvals);
    return 0;
}

int opp_need_add (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                  const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_need_fields, 3, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    nvals = opp_present (vals, nvals);
    const contacts_value_t *who = opp_val (vals, nvals, "contact_id");
    bool personal = opp_eq ("personal", vals[0].s, vals[0].n);
    bool organisational = opp_eq ("organisational", vals[0].s, vals[0].n);
    if (personal && !who)
        return dbk_decision_reject (d, DBK_EINVAL, "contact_id",
                                    "a personal need is someone's: contact_id is required");
    if (organisational && who)
        return dbk_decision_reject (d, DBK_EINVAL, "contact_id",
                                    "an organisational need is the organisation's, not a "
                                    "person's: leave contact_id out");
    if ((rc = opp_check_open (d, state, facts)))
        return rc;
    if (who && (rc = opp_check_contact (d, "contact_id", who->s, who->n, facts)))
        return rc;
    if (state->nneeds >= OPP_NEEDS_MAX)
        return dbk_decision_reject (d, DBK_EREJECTED, "text",
                                    "opportunity %s holds %d needs, the most it can", state->id,
                                    OPP_NEEDS_MAX);
    dbk_wr_t *w = opp_begin (d, state->id, "opportunity.need_added", 1 + nvals, facts);
    /* numbered within the opportunity, so that later commands can name a
       need without the decider inventing ids */
    dbk_wr_kv_u64 (w, "need", state->nneeds + 1);
    opp_write_vals (w, vals, nvals);
    return 0;
}

int opp_competitor_add (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                        const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_rival_fields, 3, NULL, false, vals, &nvals);
    if (!rc)
        rc = opp_check_open (d, state, facts);
    if (rc)
        return rc;
    if (opp_ref_competitor (facts, vals[0].s, vals[0].n) == OPP_REF_MISSING)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "competitor_id", "no such competitor: %.*s",
                                    (int) vals[0].n, vals[0].s);
    if (s_rival (state, &vals[0]))
        return dbk_decision_reject (d, DBK_EDUPLICATE, "competitor_id",
                                    "competitor %.*s is on this deal already", (int) vals[0].n,
                                    vals[0].s);
    if (state->nrivals >= OPP_COMPETITORS_MAX)
        return dbk_decision_reject (d, DBK_EREJECTED, "competitor_id",
                                    "a deal holds at most %d competitors", OPP_COMPETITORS_MAX);
    nvals = opp_present (vals, nvals);
    dbk_wr_t *w = opp_begin (d, state->id, "opportunity.competitor_added", nvals, facts);
    opp_write_vals (w, vals, nvals);
    return 0;
}

int opp_competitor_update (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                           const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_rival_fields, 3, NULL, true, vals, &nvals);
    if (rc)
        return rc;
    if (!nvals || strcmp (vals[0].f->key, "competitor_id"))
        return dbk_decision_reject (d, DBK_EINVAL, "competitor_id", "competitor_id is required");
    if ((rc = opp_check_open (d, state, facts)))
        return rc;
    const opp_rival_t *r = s_rival (state, &vals[0]);
    if (!r)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "competitor_id",
                                    "competitor %.*s is not on this deal", (int) vals[0].n,
                                    vals[0].s);
    size_t changed = 0;
    for (size_t i = 1; i < nvals; i++)
        if (!contacts_value_same (&vals[i], r))
            vals[1 + changed++] = vals[i];
    if (!changed)
        return 0;
    s_changed (d, state, "opportunity.competitor_updated", vals, changed, facts);
    return 0;
}

/*  ---- red flags ---- */

typedef struct {
    opp_flag_t *out;
    size_t max, n;
} s_flags_t;

static void s_flag (s_flags_t *f, const char *code, const char *contact, const char *role)
{
    if (f->n < f->max)
        f->out[f->n] = (opp_flag_t){code, contact, role};
    f->n++;
}

static bool s_role_held (const opp_state_t *s, const char *role)
{
    for (size_t i = 0; i < s->nstakeholders; i++)
        if (s->stakeholders[i].role && !strcmp (s->stakeholders[i].role, role))
            return true;
    return false;
}

size_t opp_red_flags (const opp_state_t *s, const char *as_of, const opp_config_t *cfg,
                      opp_flag_t *out, size_t max)
{
    cfg = opp_cfg_of (cfg);
    s_flags_t f = {out, out ? max : 0, 0};
    if (s->status > OPP_OPEN)
        return 0; /* closed: nothing left to pursue, nothing to warn of */
    /*  the deal's own standing first: a hold or a drop leaves the deal at
        its level (and its probability) until someone moves it down or
        abandons it, so it must not pass unseen */
    if (s->decision && !strcmp (s->decision, "hold"))
        s_flag (&f, "qualification_hold", NULL, NULL);
    else if (s->decision && !strcmp (s->decision, "drop"))
        s_flag (&f, "qualification_drop", NULL, NULL);
    const opp_stakeholder_t *p = s->stakeholders;
    size_t n = s->nstakeholders;
    if (!s_role_held (s, "decision_maker"))
        s_flag (&f, "no_decision_maker", NULL, NULL);
    for (size_t r = 0; opp_roles[r]; r++)
        if (strcmp (opp_roles[r], "decision_maker") && strcmp (opp_roles[r], "coach") &&
            !s_role_held (s, opp_roles[r]))
            s_flag (&f, "role_uncovered", NULL, opp_roles[r]);
    for (size_t i = 0; i < n; i++)
        if (!p[i].role)
            s_flag (&f, "unknown_role", p[i].contact_id, NULL);
    for (size_t i = 0; i < n; i++)
        if (!p[i].attitude_known)
            s_flag (&f, "unknown_attitude", p[i].contact_id, NULL);
    for (size_t i = 0; i < n; i++)
        if (p[i].attitude_known && p[i].attitude == -2 && p[i].influence >= 4)
            s_flag (&f, "strong_opponent", p[i].contact_id, NULL);
    for (size_t i = 0; i < n; i++)
        if (p[i].role && !strcmp (p[i].role, "decision_maker") && p[i].attitude_known &&
            p[i].attitude < 0)
            s_flag (&f, "hostile_decision_maker", p[i].contact_id, NULL);
    if (!s_role_held (s, "coach"))
        s_flag (&f, "no_coach", NULL, NULL);
    bool top = false;
    for (size_t i = 0; i < n; i++)
        top |= p[i].level && !strcmp (p[i].level, "decision");
    if (!top)
        s_flag (&f, "no_decision_level", NULL, NULL);
    if (n <= 1)
        s_flag (&f, "single_threaded", NULL, NULL);
    if (as_of && contacts_date_valid (as_of, strlen (as_of), false))
        for (size_t i = 0; i < n; i++) {
            int32_t days = opp_days_between (p[i].last_contact, as_of);
            if (days == INT32_MIN || days > cfg->stale_contact_days)
                s_flag (&f, "stale_contact", p[i].contact_id, NULL);
        }
    return f.n;
}
