/*  opp_evolve.c - folding the events of stream opportunity-<id> into an
    opp_state_t. Unknown types are ignored so that older code replays
    newer logs; a known type without a field it must have is malformed. */
#include "opp_internal.h"
#include "opportunities_known.h"

#include "dealbook/dbk_error.h"

#include <stdlib.h>
#include <string.h>

#define S_HAS(k) (dbk_obj_get (data, (k)) != NULL)
#define S_GET(k) dbk_obj_get (data, (k))

/*  A required str field into *dst (owned copy). */
static int s_req (char **dst, const dbk_obj_t *data, const char *key)
{
    const dbk_obj_t *o = S_GET (key);
    if (!o || dbk_obj_type (o) != DBK_T_STR)
        return DBK_EMALFORMED;
    int rc = contacts_set_str (dst, o);
    return rc ? rc : *dst ? 0 : DBK_EMALFORMED;
}

/*  An optional str field: absent leaves *dst alone unless `clear`. */
static int s_opt (char **dst, const dbk_obj_t *data, const char *key, bool clear)
{
    const dbk_obj_t *o = S_GET (key);
    if (!o && !clear)
        return 0;
    return contacts_set_str (dst, o);
}

/*  The index of a str field's value in `list`, or -1. */
static int s_enum (const dbk_obj_t *data, const char *key, const char *const *list)
{
    const char *s;
    size_t n;
    if (dbk_obj_str (S_GET (key), &s, &n) != 0)
        return -1;
    return opp_index (list, s, n);
}

static int s_level (opp_state_t *st, const dbk_obj_t *data, const char *key)
{
    uint64_t l;
    if (dbk_obj_u64 (S_GET (key), &l) != 0 || l < 1 || l > OPP_LEVELS)
        return DBK_EMALFORMED;
    st->level = (int) l;
    return 0;
}

/*  Room in *arr (n elements of sz bytes) for element n, unless n is at
    max (DBK_EMALFORMED: the decider never lets a collection grow past it).
    The capacity is implied by the count: 4 from the first element, then
    doubled each time n reaches a power of two (a removal never shrinks
    it, so it is always more than n). 0 or DBK_ENOMEM. */
static int s_room (void *arr_p, size_t n, size_t sz, size_t max)
{
    if (n >= max)
        return DBK_EMALFORMED;
    void *a; /* arr_p is the address of a typed array pointer */
    memcpy (&a, arr_p, sizeof a);
    if (a && (n < 4 || (n & (n - 1)) != 0))
        return 0;
    size_t cap = n < 4 ? 4 : 2 * n;
    void *p = realloc (a, cap * sz);
    if (!p)
        return DBK_ENOMEM;
    memcpy (arr_p, &p, sizeof p);
    return 0;
}

/*  Anyone may append to the log: a registration or an update holding what
    OPP_REGISTER / OPP_UPDATE refuse by their field tables (a required
    field absent or cleared, a value outside its list, an account_id that
    is no id, a close_date that is no date: contacts_fields_foldable) is
    no deal of ours, nor of any service that knows deals by our rule
    (opportunities_known.h). */
static int s_registered (opp_state_t *st, const dbk_obj_t *data)
{
    if (contacts_fields_foldable (data, opp_reg_fields, opp_nreg_fields, true))
        return DBK_EMALFORMED;
    int rc = s_req (&st->id, data, "id");
    if (!rc)
        rc = contacts_apply_fields (st, opp_reg_fields, opp_nreg_fields, data);
    if (!rc)
        rc = s_opt (&st->normalized_name, data, "normalized_name", false);
    if (rc)
        return rc;
    st->level = 1;
    if (S_HAS ("level") && (rc = s_level (st, data, "level")))
        return rc;
    st->status = OPP_OPEN;
    return 0;
}

/*  The index of the open conflict with the deal named by data's `key`,
    -1 when none, -2 when the field is not text. */
static int s_conflict_at (const opp_state_t *st, const dbk_obj_t *data, const char *key)
{
    const char *s;
    size_t n;
    if (dbk_obj_str (S_GET (key), &s, &n) != 0)
        return -2;
    for (size_t i = 0; i < st->nconflicts; i++)
        if (opp_eq (st->conflicts[i].id, s, n))
            return (int) i;
    return -1;
}

static void s_conflict_drop (opp_state_t *st, int at)
{
    if (at < 0)
        return;
    opp_conflict_t *c = &st->conflicts[at];
    free (c->id);
    free (c->owner);
    memmove (c, c + 1, (st->nconflicts - (size_t) at - 1) * sizeof *c);
    st->nconflicts--;
}

/*  A conflict with `with` (once already: nothing more); one moved here
    from a deal closed as a duplicate ends the conflict with that deal. */
static int s_flagged (opp_state_t *st, const dbk_obj_t *data)
{
    if (s_conflict_at (st, data, "with") == -2)
        return DBK_EMALFORMED;
    if (S_HAS ("moved_from")) {
        int from = s_conflict_at (st, data, "moved_from");
        if (from == -2)
            return DBK_EMALFORMED;
        s_conflict_drop (st, from);
    }
    if (s_conflict_at (st, data, "with") >= 0)
        return 0;
    int rc = s_room (&st->conflicts, st->nconflicts, sizeof *st->conflicts, OPP_CONFLICTS_HELD);
    if (rc)
        return rc;
    opp_conflict_t *c = &st->conflicts[st->nconflicts];
    memset (c, 0, sizeof *c);
    st->nconflicts++; /* counted first, so that opp_reset frees what is set */
    rc = s_req (&c->id, data, "with");
    if (!rc)
        rc = s_opt (&c->owner, data, "with_owner", false);
    return rc;
}

static int s_resolved (opp_state_t *st, const dbk_obj_t *data)
{
    int closed = s_enum (data, "outcome", (const char *const[]){"kept", "closed", NULL});
    if (closed < 0 || !S_HAS ("with"))
        return DBK_EMALFORMED;
    /*  the kept deal is the chosen owner's; the closed one keeps who
        registered it */
    int rc = closed ? (S_HAS ("owner") ? 0 : DBK_EMALFORMED) : s_req (&st->owner, data, "owner");
    if (!rc && closed)
        rc = s_req (&st->duplicate_of, data, "with");
    if (rc)
        return rc;
    if (closed) {
        /*  its other conflicts moved to the kept deal (events on their
            streams): none is left open here */
        while (st->nconflicts)
            s_conflict_drop (st, (int) st->nconflicts - 1);
        st->status = OPP_DUPLICATE;
    } else
        s_conflict_drop (st, s_conflict_at (st, data, "with"));
    return 0;
}

static int s_stage (opp_state_t *st, const dbk_obj_t *data, const char *person)
{
    int at = s_enum (data, "stage", opp_stages);
    if (at < 0)
        return DBK_EMALFORMED;
    if (!strcmp (person, "contact_id"))
        return s_req (&st->key_person[at], data, person);
    int rc = s_req (&st->stage, data, "stage");
    if (!rc)
        rc = s_opt (&st->key_person[at], data, person, false);
    return rc;
}

static int s_qualified (opp_state_t *st, const dbk_obj_t *data)
{
    int total = 0;
    for (size_t q = 0; q < OPP_QUESTIONS; q++) {
        char key[64];
        strcpy (key, opp_questions[q].key);
        strcat (key, "_score");
        uint64_t v;
        if (dbk_obj_u64 (S_GET (key), &v) != 0 || v > OPP_SCORE_MAX)
            return DBK_EMALFORMED;
        st->scores[q] = (int) v;
        total += (int) v;
    }
    st->score_total = total;
    int rc = s_req (&st->decision, data, "decision");
    if (!rc)
        rc = s_opt (&st->decision_reason, data, "reason", true);
    return rc;
}

/*  The index of the stakeholder named by data's contact_id, or -1. */
static int s_sh_at (const opp_state_t *st, const dbk_obj_t *data)
{
    const char *s;
    size_t n;
    if (dbk_obj_str (S_GET ("contact_id"), &s, &n) != 0)
        return -2;
    for (size_t i = 0; i < st->nstakeholders; i++)
        if (opp_eq (st->stakeholders[i].contact_id, s, n))
            return (int) i;
    return -1;
}

static int s_sh_apply (opp_stakeholder_t *p, const dbk_obj_t *data)
{
    int rc = contacts_apply_fields (p, opp_sh_fields, opp_nsh_fields, data);
    const dbk_obj_t *a = S_GET ("attitude");
    if (rc || !a)
        return rc;
    int64_t v;
    if (dbk_obj_type (a) == DBK_T_NIL) {
        p->attitude_known = false;
        p->attitude = 0;
    } else if (dbk_obj_i64 (a, &v) == 0 && v >= -2 && v <= 2) {
        p->attitude_known = true;
        p->attitude = (int) v;
    } else
        return DBK_EMALFORMED;
    return 0;
}

static int s_stakeholder (opp_state_t *st, const char *what, const dbk_obj_t *data)
{
    int at = s_sh_at (st, data);
    if (at == -2)
        return DBK_EMALFORMED;
    if (!strcmp (what, "added")) {
        if (at >= 0)
            return DBK_EMALFORMED;
        int rc = s_room (&st->stakeholders, st->nstakeholders, sizeof *st->stakeholders,
                         OPP_STAKEHOLDERS_MAX);
        if (rc)
            return rc;
        opp_stakeholder_t *p = &st->stakeholders[st->nstakeholders++];
        memset (p, 0, sizeof *p);
        return s_sh_apply (p, data);
    }
    if (at < 0)
        return DBK_EMALFORMED;
    opp_stakeholder_t *p = &st->stakeholders[at];
    if (!strcmp (what, "updated"))
        return s_sh_apply (p, data);
    contacts_free_fields (p, opp_sh_fields, opp_nsh_fields);
    memmove (p, p + 1, (st->nstakeholders - (size_t) at - 1) * sizeof *p);
    st->nstakeholders--;
    return 0;
}

static int s_need (opp_state_t *st, const dbk_obj_t *data)
{
    int rc = s_room (&st->needs, st->nneeds, sizeof *st->needs, OPP_NEEDS_MAX);
    if (rc)
        return rc;
    opp_need_t *n = &st->needs[st->nneeds];
    memset (n, 0, sizeof *n);
    st->nneeds++; /* counted first, so that opp_reset frees what is set */
    n->no = (unsigned) st->nneeds;
    rc = s_req (&n->kind, data, "kind");
    if (!rc)
        rc = s_req (&n->text, data, "text");
    if (!rc)
        rc = s_opt (&n->contact_id, data, "contact_id", false);
    return rc;
}

static int s_rival (opp_state_t *st, bool added, const dbk_obj_t *data)
{
    const char *s;
    size_t n;
    if (dbk_obj_str (S_GET ("competitor_id"), &s, &n) != 0)
        return DBK_EMALFORMED;
    opp_rival_t *r = NULL;
    for (size_t i = 0; i < st->nrivals && !r; i++)
        if (opp_eq (st->rivals[i].competitor_id, s, n))
            r = &st->rivals[i];
    if (added) {
        if (r || !S_HAS ("position"))
            return DBK_EMALFORMED;
        int rc = s_room (&st->rivals, st->nrivals, sizeof *st->rivals, OPP_COMPETITORS_MAX);
        if (rc)
            return rc;
        r = &st->rivals[st->nrivals++];
        memset (r, 0, sizeof *r);
        rc = s_req (&r->competitor_id, data, "competitor_id");
        if (!rc)
            rc = s_req (&r->position, data, "position");
        if (!rc)
            rc = s_opt (&r->notes, data, "notes", false);
        return rc;
    }
    if (!r)
        return DBK_EMALFORMED;
    int rc = S_HAS ("position") ? s_req (&r->position, data, "position") : 0;
    if (!rc)
        rc = s_opt (&r->notes, data, "notes", false);
    return rc;
}

static int s_tick (opp_state_t *st, const dbk_obj_t *data)
{
    int rc = s_room (&st->ticks, st->nticks, sizeof *st->ticks, OPP_TICKS_MAX);
    if (rc)
        return rc;
    opp_tick_t *t = &st->ticks[st->nticks];
    memset (t, 0, sizeof *t);
    st->nticks++;
    rc = s_req (&t->item, data, "item");
    if (!rc)
        rc = s_opt (&t->by, data, "by", false);
    if (!rc)
        rc = s_opt (&t->date, data, "date", false);
    return rc;
}

/*  Remember the award a won / lost event reacted to, so that the award
    reaction never decides it twice (opp_react_award). Past
    OPP_AWARDS_MAX the outcome is folded all the same and its award not
    remembered: the reaction refuses every award of a deal that holds
    that many, so such an outcome was appended by hand, and refusing it
    would make the verdict on a payload depend on the awards the deal
    holds, where the other services fold it (opportunities_known.h). */
static int s_award (opp_state_t *st, const dbk_obj_t *data)
{
    if (!S_HAS ("tender_id"))
        return 0;
    char *tender = NULL;
    int rc = s_req (&tender, data, "tender_id");
    if (!rc && st->nawards < OPP_AWARDS_MAX)
        rc = s_room (&st->awards, st->nawards, sizeof *st->awards, OPP_AWARDS_MAX);
    if (!rc && st->nawards < OPP_AWARDS_MAX) {
        st->awards[st->nawards++] = tender;
        tender = NULL;
    }
    free (tender);
    return rc;
}

static int s_outcome (opp_state_t *st, const char *what, const dbk_obj_t *data)
{
    int rc = 0;
    /*  which tender's award lost it, while it stays lost: the won award
        of another of its tenders then wins it (opp_react_award) */
    free (st->lost_by);
    st->lost_by = NULL;
    if (!strcmp (what, "won")) {
        int64_t amount;
        if (dbk_obj_i64 (S_GET ("amount"), &amount) != 0 || !S_HAS ("date"))
            return DBK_EMALFORMED;
        st->won_amount = amount;
        rc = s_req (&st->outcome_date, data, "date");
        if (!rc)
            rc = s_opt (&st->won_reason, data, "reason", true);
        if (!rc)
            rc = s_opt (&st->won_currency, data, "currency", true);
        if (!rc)
            rc = s_award (st, data);
        if (!rc)
            st->status = OPP_WON;
        return rc;
    }
    if (!strcmp (what, "lost")) {
        rc = s_req (&st->loss_reason, data, "reason");
        if (!rc)
            rc = s_opt (&st->lost_to, data, "winner", true);
        if (!rc)
            rc = s_opt (&st->outcome_date, data, "date", true);
        if (!rc)
            rc = s_award (st, data);
        if (!rc)
            rc = s_opt (&st->lost_by, data, "tender_id", true);
        if (!rc)
            st->status = OPP_LOST;
        return rc;
    }
    if (!strcmp (what, "abandoned")) {
        rc = s_req (&st->loss_reason, data, "reason");
        if (!rc)
            rc = s_opt (&st->outcome_date, data, "date", true);
        if (!rc)
            st->status = OPP_ABANDONED;
        return rc;
    }
    /*  reopened: back to the top of the funnel for a new round. What was
        learnt of the customer stays (qualification, stakeholders, needs,
        checklist, stage) and the loss stays on record; the last round's
        commitment is no evidence for this one's L5, and its forecast
        category goes back to none, as on a new registration */
    char **gone[] = {&st->outcome_date, &st->commitment, &st->category};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
        free (*gone[i]);
        *gone[i] = NULL;
    }
    st->status = OPP_OPEN;
    st->level = 1;
    st->reopened++;
    return 0;
}

static int s_fold (opp_state_t *st, const char *t, const dbk_obj_t *data)
{
    if (!strcmp (t, "registered"))
        return s_registered (st, data);
    if (!strcmp (t, "updated")) {
        if (contacts_fields_foldable (data, opp_upd_fields, opp_nupd_fields, false))
            return DBK_EMALFORMED;
        int rc = contacts_apply_fields (st, opp_upd_fields, opp_nupd_fields, data);
        return rc ? rc : s_opt (&st->normalized_name, data, "normalized_name", false);
    }
    if (!strcmp (t, "conflict_flagged"))
        return s_flagged (st, data);
    if (!strcmp (t, "conflict_resolved"))
        return s_resolved (st, data);
    if (!strcmp (t, "stage_changed"))
        return s_stage (st, data, "key_person");
    if (!strcmp (t, "key_person_set"))
        return s_stage (st, data, "contact_id");
    if (!strcmp (t, "level_changed"))
        return s_level (st, data, "to");
    if (!strcmp (t, "qualified"))
        return s_qualified (st, data);
    if (!strcmp (t, "commitment_recorded"))
        return s_req (&st->commitment, data, "kind");
    if (!strcmp (t, "check_ticked"))
        return s_tick (st, data);
    if (!strcmp (t, "stakeholder_added") || !strcmp (t, "stakeholder_updated") ||
        !strcmp (t, "stakeholder_removed"))
        return s_stakeholder (st, t + 12, data);
    if (!strcmp (t, "need_added"))
        return s_need (st, data);
    if (!strcmp (t, "competitor_added") || !strcmp (t, "competitor_updated"))
        return s_rival (st, !strcmp (t, "competitor_added"), data);
    if (!strcmp (t, "category_set"))
        return s_req (&st->category, data, "category");
    if (!strcmp (t, "next_step_set")) {
        int rc = s_req (&st->next_step, data, "next_step");
        return rc ? rc : s_opt (&st->next_step_due, data, "due", true);
    }
    if (!strcmp (t, "won") || !strcmp (t, "lost") || !strcmp (t, "abandoned") ||
        !strcmp (t, "reopened"))
        return s_outcome (st, t, data);
    return OPP_NOT_FOLDED; /* not ours: ignored */
}

/*  `touched` is the latest business date of the owner's work on the
    deal, for the funnel's freshness (opp_touch_overdue). It moves
    forward, never back: a command entered late with a past "on" (a tick
    dated last month) says nothing about the deal having been left alone
    since. Nor past the latest date anywhere when the event was recorded
    (ts + 14 h, the date at UTC+14:00, which is as far as any business day
    of DEALBOOK_TIMEZONE goes, so a stated "on" is never cut): the service
    refuses an "on" to come, but an event appended by hand may carry
    one, and touched would then stay ahead, the deal kept off the
    attention list until that day, whatever else happens to it. Conflict
    events do not count: another owner's registration or a manager's
    resolution is no work of the owner's, and must not hide a forgotten
    deal. An "on" that is not a date is ignored: day NULL. */
static int s_touch (opp_state_t *st, const char *t, const char *day)
{
    if (!day || !strncmp (t, "conflict_", 9) || (st->touched && strcmp (st->touched, day) >= 0))
        return 0;
    char *copy = strdup (day);
    if (!copy)
        return DBK_ENOMEM;
    free (st->touched);
    st->touched = copy;
    return 0;
}

int opp_evolve (opp_state_t *state, const char *type, const dbk_obj_t *data, int64_t ts)
{
    int rc = opp_fold (state, type, data, ts);
    return rc == OPP_NOT_FOLDED ? 0 : rc;
}

int opp_fold (opp_state_t *state, const char *type, const dbk_obj_t *data, int64_t ts)
{
    static const char prefix[] = "opportunity.";
    if (strncmp (type, prefix, sizeof prefix - 1))
        return OPP_NOT_FOLDED;
    if (!data || dbk_obj_type (data) != DBK_T_MAP)
        return DBK_EMALFORMED;
    const char *t = type + sizeof prefix - 1;
    int rc = s_fold (state, t, data);
    if (rc)
        return rc; /* refused, or OPP_NOT_FOLDED */
    /*  the event's "on" read once, by the one reading of it
        (opportunities_registered_on): the registration's day and the day
        of the owner's work (touched) are the same day */
    char day[11];
    bool dated = opportunities_registered_on (data, ts, day);
    if (!strcmp (t, "registered")) {
        /*  the registration's date starts the first owner's protection: a
            day to come would protect the deal for as long. An "on" that
            is no date bounds nothing (a registration appended by hand) */
        char *copy = NULL;
        if (dated && !(copy = strdup (day)))
            return DBK_ENOMEM;
        if (copy) {
            free (state->registered_on);
            state->registered_on = copy;
        }
        state->registered_ts = ts == OPP_UNRECORDED ? 0 : ts;
    }
    return s_touch (state, t, dated ? day : NULL);
}
