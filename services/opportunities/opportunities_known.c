/*  opportunities_known.c - whether the opportunities service folds an
    opportunity.* event (opportunities_known.h). */
#include "opportunities_known.h"

#include "opp_internal.h"

#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool opportunities_known_type (const char *type, size_t n)
{
    return n > 12 && memcmp (type, "opportunity.", 12) == 0;
}

/*  What an event of `type` names on the deal and must find there for
    opp_evolve to look at its payload: the stakeholder an update or a
    removal names, the competitor an update names, put in the scratch
    state. A name that is no text is left to evolve, which refuses it. */
static int s_seed (opp_state_t *st, const char *type, const dbk_obj_t *data)
{
    bool sh = !strcmp (type, "opportunity.stakeholder_updated") ||
              !strcmp (type, "opportunity.stakeholder_removed");
    bool rival = !strcmp (type, "opportunity.competitor_updated");
    const char *s;
    size_t n;
    if ((!sh && !rival) ||
        dbk_obj_str (dbk_obj_get (data, sh ? "contact_id" : "competitor_id"), &s, &n))
        return 0;
    char *copy = contacts_strndup (s, n);
    if (!copy)
        return DBK_ENOMEM;
    if (sh && (st->stakeholders = calloc (1, sizeof *st->stakeholders))) {
        st->stakeholders[0].contact_id = copy;
        st->nstakeholders = 1;
    } else if (rival && (st->rivals = calloc (1, sizeof *st->rivals))) {
        st->rivals[0].competitor_id = copy;
        st->nrivals = 1;
    } else {
        free (copy);
        return DBK_ENOMEM;
    }
    return 0;
}

int opportunities_known_read (const dbk_event_t *ev, const dbk_obj_t *data, opp_state_t *state,
                              opportunities_known_registered_fn *registered, void *arg,
                              opportunities_known_t *deal)
{
    memset (deal, 0, sizeof *deal);
    const char *dash = memchr (ev->stream, '-', ev->stream_len);
    size_t cl = dash ? (size_t) (dash - ev->stream) : 0;
    size_t il = dash ? ev->stream_len - cl - 1 : 0;
    /*  not a deal's event, or nobody's deal: ignored */
    if (!opportunities_known_type (ev->type, ev->type_len) || cl != 11 ||
        memcmp (ev->stream, "opportunity", 11) || il == 0 || il > OPP_ID_MAX || !data ||
        ev->type_len > DBK_TYPE_MAX)
        return 0;
    char type[DBK_TYPE_MAX + 1];
    memcpy (type, ev->type, ev->type_len);
    type[ev->type_len] = 0;
    /*  a deal is registered once (OPP_REGISTER refuses an id it knows): a
        later registration, appended by hand, would reopen a deal won or
        hand it to another owner; and only a registration makes a deal, or
        an outcome on a fresh stream would be a deal without a name or an
        owner. Both are ignored whatever they hold, as a later
        activity.logged of an activity is (contacts_known_activity) */
    bool reg = !strcmp (type, "opportunity.registered");
    bool known = state ? state->status != OPP_NONE
                       : ev->ver > 1 && registered && registered (arg, dash + 1, il);
    if (reg == known)
        return 0;
    opp_state_t scratch, *st = state ? state : &scratch;
    int rc = 0;
    if (!state) {
        opp_init (&scratch);
        rc = s_seed (&scratch, type, data);
    }
    if (rc == 0)
        rc = opp_fold (st, type, data, ev->ts);
    /*  the day the fold read, not read again by the caller */
    char on[11] = "";
    if (rc == 0 && reg && st->registered_on)
        snprintf (on, sizeof on, "%s", st->registered_on);
    if (!state)
        opp_reset (&scratch);
    if (rc == OPP_NOT_FOLDED)
        return 0; /* a type it does not fold */
    if (rc)
        return rc;
    const char *id;
    size_t n;
    if (dbk_obj_str (dbk_obj_get (data, "id"), &id, &n) || n != il || memcmp (id, dash + 1, il))
        return DBK_EMALFORMED; /* another deal's than its stream's */
    deal->id = dash + 1;
    deal->id_len = il;
    memcpy (deal->registered_on, on, sizeof on);
    return 0;
}

bool opportunities_registered_on (const dbk_obj_t *data, int64_t ts, char day[11])
{
    const char *on;
    size_t n;
    if (dbk_obj_str (dbk_obj_get (data, "on"), &on, &n) != 0 || n != 10 ||
        !contacts_date_valid (on, n, false))
        return false;
    memcpy (day, on, 10);
    day[10] = 0;
    if (ts != OPP_UNRECORDED)
        contacts_date_cap (day, ts);
    return true;
}

int opportunities_check_registered_by (dbk_decision_t *d, const char *key, const char *date,
                                       size_t date_len, const char *opp, const char *reg,
                                       const char *why)
{
    if (!date || !reg || strncmp (date, reg, date_len) >= 0)
        return 0;
    return dbk_decision_reject (d, DBK_EINVAL, key,
                                "%s (%.*s) cannot be before the registration of opportunity %s "
                                "(%s): %s",
                                key, (int) date_len, date, opp ? opp : "?", reg, why);
}
