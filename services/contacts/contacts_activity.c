/*  contacts_activity.c - the activity aggregate: a visit, call, meeting,
    technical exchange, site visit or dinner, logged once; the raw
    material of a contact's "freshness". */
#include "contacts_fields.h"

#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const contacts_activity_kinds[] = {
    "visit", "call", "meeting", "technical_exchange", "site_visit", "dinner", NULL};

#define S_OFF(f) ((long) offsetof (contacts_activity_t, f))

/*  Order matters: kind, date, their_people first (required, at vals[0..2]),
    cost just before currency. */
static const contacts_field_t s_fields[] = {
    {"kind", CONTACTS_F_ENUM, true, 64, contacts_activity_kinds, 0, 0, S_OFF (kind)},
    {"date", CONTACTS_F_DATE, true, 10, NULL, 0, 0, S_OFF (date)},
    {"their_people", CONTACTS_F_IDS, true, CONTACTS_ID_MAX, NULL, 0, CONTACTS_LIST_MAX,
     S_OFF (their_people)},
    {"our_people", CONTACTS_F_TEXTS, false, CONTACTS_SHORT_MAX, NULL, 0, CONTACTS_LIST_MAX, -1},
    {"account_id", CONTACTS_F_ID, false, CONTACTS_ID_MAX, NULL, 0, 0, S_OFF (account_id)},
    {"notes", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, -1},
    {"cost", CONTACTS_F_MONEY, false, 0, NULL, 0, CONTACTS_COST_MAX, -1},
    {"currency", CONTACTS_F_CURRENCY, false, 3, NULL, 0, 0, -1},
};
#define S_NFIELDS (sizeof s_fields / sizeof s_fields[0])

void contacts_activity_init (contacts_activity_t *self)
{
    memset (self, 0, sizeof *self);
}

void contacts_activity_reset (contacts_activity_t *self)
{
    contacts_free_fields (self, s_fields, S_NFIELDS);
    free (self->id);
    contacts_activity_init (self);
}

int contacts_activity_log (dbk_decision_t *d, const contacts_activity_t *state, const char *id,
                           const dbk_obj_t *cmd, const contacts_lookup_t *lookup, const char *today,
                           const char *zone)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_id (d, "id", id, id ? strlen (id) : 0);
    if (!rc)
        rc = contacts_check_fields (d, cmd, s_fields, S_NFIELDS, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    size_t present = 0;
    const contacts_value_t *cost = NULL, *currency = NULL, *account = NULL;
    for (size_t i = 0; i < nvals; i++)
        if (!vals[i].clear)
            vals[present++] = vals[i];
    for (size_t i = 0; i < present; i++) {
        if (!strcmp (vals[i].f->key, "cost"))
            cost = &vals[i];
        else if (!strcmp (vals[i].f->key, "currency"))
            currency = &vals[i];
        else if (!strcmp (vals[i].f->key, "account_id"))
            account = &vals[i];
    }
    /* an amount without its currency means nothing, and the reverse is
       a sign the amount was lost on the way */
    if (cost && !currency)
        return dbk_decision_reject (d, DBK_EINVAL, "currency",
                                    "currency is required with a cost (ISO 4217, e.g. CNY)");
    if (currency && !cost)
        return dbk_decision_reject (d, DBK_EINVAL, "currency", "currency is given without a cost");
    char today_at[32] = "today";
    if (zone)
        snprintf (today_at, sizeof today_at, "today at %s", zone);
    if ((rc = contacts_check_done_by (d, vals, present, "date", today, today_at)))
        return rc;
    /*  nor before the log's clock, as a command's "on" is not: nothing
        earlier bounds an activity (work with people starts before they
        are entered, as work on a lead before its deal is registered),
        and 1900 for 2000 would date the contact's last activity a
        century back in the notebook. The field is required: present */
    char why[160];
    const contacts_value_t *date = contacts_value_of (vals, present, "date");
    if (contacts_date_too_early ("date", date->s, date->n, why, sizeof why))
        return dbk_decision_reject (d, DBK_EINVAL, "date", "%s", why);
    if (state->status != CONTACTS_ACTIVITY_NONE)
        return dbk_decision_reject (d, DBK_EDUPLICATE, "id", "activity %s is already logged", id);
    /* their_people is required and third in the table: vals[2] */
    if ((rc = contacts_check_contact_refs (d, &vals[2], lookup)))
        return rc;
    if (account && (rc = contacts_check_account_refs (d, account, lookup, true)))
        return rc;
    char stream[CONTACTS_ID_MAX + 16];
    snprintf (stream, sizeof stream, "activity-%s", id);
    dbk_wr_t *w = dbk_decision_event (d, stream, "activity.logged");
    dbk_wr_map (w, (uint32_t) (1 + present));
    dbk_wr_kv_cstr (w, "id", id);
    for (size_t i = 0; i < present; i++) {
        dbk_wr_cstr (w, vals[i].f->key);
        contacts_write_value (w, &vals[i]);
    }
    return 0;
}

int contacts_activity_evolve (contacts_activity_t *state, const char *type, const dbk_obj_t *data)
{
    if (!strcmp (type, "activity.logged")) {
        /*  anyone may append to the log: a kind outside its list, a date
            that is none, their_people empty or not ids are what the
            command refuses (contacts_fields_foldable) */
        if (!dbk_obj_get (data, "id") || contacts_fields_foldable (data, s_fields, S_NFIELDS, true))
            return DBK_EMALFORMED;
        int rc = contacts_set_str (&state->id, dbk_obj_get (data, "id"));
        if (!rc)
            rc = contacts_apply_fields (state, s_fields, S_NFIELDS, data);
        if (!rc)
            state->status = CONTACTS_ACTIVITY_LOGGED;
        return rc;
    }
    return 0;
}
