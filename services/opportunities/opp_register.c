/*  opp_register.c - project registration (项目报备) and its conflicts,
    changes of the project's facts, the next step and the forecast
    category. */
#include "opp_internal.h"

#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_force[] = {"force", NULL};

static const contacts_field_t s_resolve_fields[] = {
    {"with", CONTACTS_F_ID, true, OPP_ID_MAX, NULL, 0, 0, -1},
    {"owner", CONTACTS_F_TEXT, true, OPP_SHORT_MAX, NULL, 0, 0, -1},
    {"reason", CONTACTS_F_NOTE, false, OPP_NOTE_MAX, NULL, 0, 0, -1},
};

static const contacts_field_t s_next_fields[] = {
    {"next_step", CONTACTS_F_NOTE, true, OPP_NOTE_MAX, NULL, 0, 0, -1},
    {"due", CONTACTS_F_DATE, false, 10, NULL, 0, 0, -1},
};

static const contacts_field_t s_category_fields[] = {
    {"category", CONTACTS_F_ENUM, true, 64, opp_categories, 0, 0, -1},
};

int opp_register (dbk_decision_t *d, const opp_state_t *state, const char *id, const dbk_obj_t *cmd,
                  const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    bool force;
    int rc = contacts_check_id (d, "id", id, id ? strlen (id) : 0);
    if (!rc)
        rc = contacts_check_fields (d, cmd, opp_reg_fields, opp_nreg_fields, s_force, false, vals,
                                    &nvals);
    if (!rc)
        rc = contacts_force_flag (d, cmd, &force);
    if (rc)
        return rc;
    if (state->status != OPP_NONE)
        return dbk_decision_reject (d, DBK_EDUPLICATE, "id", "opportunity %s already exists", id);
    /* the required fields come first in the table: name, account_id, owner */
    const contacts_value_t *account = &vals[1], *owner = &vals[2];
    opp_ref_t acc = opp_ref_account (facts, account->s, account->n);
    if (acc == OPP_REF_MISSING)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "account_id", "no such account: %.*s",
                                    (int) account->n, account->s);
    if (acc == OPP_REF_CLOSED)
        return dbk_decision_reject (d, DBK_EREJECTED, "account_id",
                                    "account %.*s is archived or merged and takes no new projects",
                                    (int) account->n, account->s);
    const opp_match_t *m = facts ? facts->match : NULL;
    if (m && !m->opportunity_id)
        m = NULL;
    bool conflict = false;
    char until[11] = "";
    if (m && opp_eq (m->owner, owner->s, owner->n) && !force)
        return dbk_decision_reject (d, DBK_EDUPLICATE, "name",
                                    "you registered this project already as opportunity %s; "
                                    "use force to register it again",
                                    m->opportunity_id);
    if (m && !opp_eq (m->owner, owner->s, owner->n)) {
        /* an unknown date cannot prove that the protection has lapsed */
        int32_t age = opp_days_between (m->registered_on, facts->today);
        conflict = age == INT32_MIN || age < opp_cfg (facts)->protection_days;
        if (!opp_date_add (m->registered_on, opp_cfg (facts)->protection_days, until))
            strcpy (until, "");
    }
    if (conflict && m->conflicts >= OPP_CONFLICTS_MAX)
        return dbk_decision_reject (d, DBK_EREJECTED, "name",
                                    "opportunity %s of this project is in %d registration "
                                    "conflicts already; a manager resolves them first",
                                    m->opportunity_id, OPP_CONFLICTS_MAX);
    char *norm = contacts_normalize_name (vals[0].s, vals[0].n);
    if (!norm)
        return dbk_decision_reject (d, DBK_EINVAL, "name", "name must contain letters or digits");
    nvals = opp_present (vals, nvals);
    bool has_amount = opp_val (vals, nvals, "amount") != NULL;
    bool has_stage = opp_val (vals, nvals, "stage") != NULL;
    bool overlaps = m && !conflict;
    dbk_wr_t *w = opp_begin (d, id, "opportunity.registered",
                             nvals + 2 + !has_amount + !has_stage + overlaps, facts);
    opp_write_vals (w, vals, nvals);
    dbk_wr_kv_cstr (w, "normalized_name", norm);
    dbk_wr_kv_u64 (w, "level", 1);
    if (!has_amount)
        dbk_wr_kv_i64 (w, "amount", 0);
    if (!has_stage)
        dbk_wr_kv_cstr (w, "stage", opp_stages[0]);
    if (overlaps)
        dbk_wr_kv_cstr (w, "overlaps", m->opportunity_id);
    free (norm);
    if (!conflict)
        return 0;
    /* One event on each stream, so that either deal's history shows the
       conflict and a manager finds both sides from either. */
    w = opp_begin (d, id, "opportunity.conflict_flagged", 2 + (*until != 0), facts);
    dbk_wr_kv_cstr (w, "with", m->opportunity_id);
    dbk_wr_kv_cstr (w, "with_owner", m->owner ? m->owner : "");
    if (*until)
        dbk_wr_kv_cstr (w, "protected_until", until);
    w = opp_begin (d, m->opportunity_id, "opportunity.conflict_flagged", 2 + (*until != 0), facts);
    dbk_wr_kv_cstr (w, "with", id);
    dbk_wr_cstr (w, "with_owner");
    dbk_wr_str (w, owner->s, owner->n);
    if (*until)
        dbk_wr_kv_cstr (w, "protected_until", until);
    return 0;
}

int opp_update (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc =
        contacts_check_fields (d, cmd, opp_upd_fields, opp_nupd_fields, NULL, true, vals, &nvals);
    if (!rc)
        rc = opp_check_open (d, state, facts);
    if (rc)
        return rc;
    size_t changed = 0;
    const contacts_value_t *name = NULL;
    for (size_t i = 0; i < nvals; i++)
        if (!contacts_value_same (&vals[i], state)) {
            vals[changed] = vals[i];
            if (!strcmp (vals[changed].f->key, "name"))
                name = &vals[changed];
            changed++;
        }
    if (!changed)
        return 0;
    char *norm = NULL;
    if (name && !(norm = contacts_normalize_name (name->s, name->n)))
        return dbk_decision_reject (d, DBK_EINVAL, "name", "name must contain letters or digits");
    dbk_wr_t *w =
        opp_begin (d, state->id, "opportunity.updated", 1 + changed + (norm != NULL), facts);
    dbk_wr_cstr (w, "changed");
    dbk_wr_array (w, (uint32_t) changed);
    for (size_t i = 0; i < changed; i++)
        dbk_wr_cstr (w, vals[i].f->key);
    opp_write_vals (w, vals, changed);
    if (norm)
        dbk_wr_kv_cstr (w, "normalized_name", norm);
    free (norm);
    return 0;
}

static void s_resolved (dbk_decision_t *d, const opp_state_t *st, const opp_state_t *other,
                        const contacts_value_t *owner, bool kept, const contacts_value_t *reason,
                        const opp_facts_t *facts)
{
    dbk_wr_t *w =
        opp_begin (d, st->id, "opportunity.conflict_resolved", 3 + (reason != NULL), facts);
    dbk_wr_kv_cstr (w, "with", other->id);
    dbk_wr_cstr (w, "owner");
    dbk_wr_str (w, owner->s, owner->n);
    dbk_wr_kv_cstr (w, "outcome", kept ? "kept" : "closed");
    if (reason) {
        dbk_wr_cstr (w, "reason");
        contacts_write_value (w, reason);
    }
}

/*  The closed deal's conflict with c is now the kept deal's: the project
    a manager has just given to the kept deal is the one c registered
    again. On c's stream, its conflict moves to the kept deal; on the
    kept deal's, c joins its conflicts (unless it is there already). */
static void s_moved (dbk_decision_t *d, const opp_state_t *closed, const opp_conflict_t *c,
                     const opp_state_t *kept, const opp_facts_t *facts)
{
    dbk_wr_t *w = opp_begin (d, c->id, "opportunity.conflict_flagged", 3, facts);
    dbk_wr_kv_cstr (w, "with", kept->id);
    dbk_wr_kv_cstr (w, "with_owner", kept->owner ? kept->owner : "");
    dbk_wr_kv_cstr (w, "moved_from", closed->id);
    if (opp_conflict_find (kept, c->id))
        return;
    w = opp_begin (d, kept->id, "opportunity.conflict_flagged", 3, facts);
    dbk_wr_kv_cstr (w, "with", c->id);
    dbk_wr_kv_cstr (w, "with_owner", c->owner ? c->owner : "");
    dbk_wr_kv_cstr (w, "moved_from", closed->id);
}

int opp_resolve_conflict (dbk_decision_t *d, const opp_state_t *a, const opp_state_t *b,
                          const dbk_obj_t *cmd, const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_resolve_fields, 3, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    const contacts_value_t *with = &vals[0], *owner = &vals[1];
    const contacts_value_t *reason = nvals > 2 && !vals[2].clear ? &vals[2] : NULL;
    if (!facts || !facts->manager)
        return dbk_decision_reject (d, DBK_EREJECTED, "actor",
                                    "only a sales manager can resolve a registration conflict");
    if ((rc = opp_check_open (d, a, facts)))
        return rc;
    if (opp_eq (a->id, with->s, with->n))
        return dbk_decision_reject (d, DBK_EINVAL, "with",
                                    "an opportunity cannot conflict with itself");
    if (b->status == OPP_NONE)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "with", "no such opportunity: %.*s",
                                    (int) with->n, with->s);
    /*  the conflict began with the later registration of the two */
    if ((rc = opp_check_on (d, b, facts)))
        return rc;
    if (!opp_eq (b->id, with->s, with->n))
        return dbk_decision_reject (d, DBK_EINVAL, "with",
                                    "with names %.*s but opportunity %s was given", (int) with->n,
                                    with->s, b->id);
    if (b->status != OPP_OPEN && opp_conflict_find (a, b->id)) {
        /*  the other deal was won, lost, abandoned or closed as a duplicate
            since: only a's side is left to settle, by keeping a (a closed
            deal takes no event; reopened, it may be resolved again) */
        if (!opp_eq (a->owner, owner->s, owner->n))
            return dbk_decision_reject (d, DBK_EREJECTED, "owner",
                                        "%s is closed already: the conflict is settled by keeping "
                                        "%s for its owner %s",
                                        b->id, a->id, a->owner);
        s_resolved (d, a, b, owner, true, reason, facts);
        return 0;
    }
    /*  both open: a pair listed on one side only (a deal reopened after
        its conflict was settled against it while closed) resolves too;
        the fold ignores a pair its side does not list */
    if (b->status != OPP_OPEN || (!opp_conflict_find (a, b->id) && !opp_conflict_find (b, a->id)))
        return dbk_decision_reject (d, DBK_EREJECTED, "with",
                                    "opportunities %s and %s are not in an open conflict", a->id,
                                    b->id);
    bool keep_a;
    if (opp_eq (a->owner, owner->s, owner->n))
        keep_a = true;
    else if (opp_eq (b->owner, owner->s, owner->n))
        keep_a = false;
    else
        return dbk_decision_reject (d, DBK_EINVAL, "owner",
                                    "owner must be %s or %s, the owners in conflict", a->owner,
                                    b->owner);
    const opp_state_t *kept = keep_a ? a : b, *closed = keep_a ? b : a;
    size_t carried = 0; /* conflicts the kept deal takes over */
    for (size_t i = 0; i < closed->nconflicts; i++)
        carried += strcmp (closed->conflicts[i].id, kept->id) != 0 &&
                   !opp_conflict_find (kept, closed->conflicts[i].id);
    size_t after = kept->nconflicts - (opp_conflict_find (kept, closed->id) != NULL) + carried;
    /*  the closed deal's conflicts move, each on its own stream: past the
        limit (only moves take a deal there), some are resolved first */
    if (closed->nconflicts > OPP_CONFLICTS_MAX)
        return dbk_decision_reject (d, DBK_EREJECTED, "owner",
                                    "closing %s would move its %zu registration conflicts, more "
                                    "than %d: resolve some of them first",
                                    closed->id, closed->nconflicts, OPP_CONFLICTS_MAX);
    if (after > OPP_CONFLICTS_MAX)
        return dbk_decision_reject (d, DBK_EREJECTED, "owner",
                                    "keeping %s would give it %zu registration conflicts, more "
                                    "than %d: resolve some of %s's first",
                                    kept->id, after, OPP_CONFLICTS_MAX, closed->id);
    s_resolved (d, a, b, owner, keep_a, reason, facts);
    s_resolved (d, b, a, owner, !keep_a, reason, facts);
    for (size_t i = 0; i < closed->nconflicts; i++) {
        const opp_conflict_t *c = &closed->conflicts[i];
        if (strcmp (c->id, kept->id) != 0)
            s_moved (d, closed, c, kept, facts);
    }
    return 0;
}

int opp_next_step_set (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                       const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_next_fields, 2, NULL, false, vals, &nvals);
    if (!rc)
        rc = opp_check_open (d, state, facts);
    if (rc)
        return rc;
    nvals = opp_present (vals, nvals);
    const contacts_value_t *due = opp_val (vals, nvals, "due");
    bool same_due = due ? opp_eq (state->next_step_due, due->s, due->n) : !state->next_step_due;
    if (opp_eq (state->next_step, vals[0].s, vals[0].n) && same_due)
        return 0;
    dbk_wr_t *w = opp_begin (d, state->id, "opportunity.next_step_set", nvals, facts);
    opp_write_vals (w, vals, nvals);
    return 0;
}

int opp_category_set (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                      const opp_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_category_fields, 1, NULL, false, vals, &nvals);
    if (!rc)
        rc = opp_check_open (d, state, facts);
    if (rc)
        return rc;
    if ((rc = opp_check_owner (d, state, facts, "sets the forecast category of")))
        return rc;
    if (opp_eq (state->category, vals[0].s, vals[0].n))
        return 0;
    dbk_wr_t *w =
        opp_begin (d, state->id, "opportunity.category_set", 1 + !!state->category, facts);
    opp_write_vals (w, vals, 1);
    if (state->category)
        dbk_wr_kv_cstr (w, "from", state->category);
    return 0;
}
