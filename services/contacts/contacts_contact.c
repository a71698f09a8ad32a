/*  contacts_contact.c - the contact aggregate: add, update, move, trips
    (the salesperson's notebook), and evolve. */
#include "contacts_fields.h"

#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const contacts_levels[] = {"decision", "management", "operational", NULL};
const char *const contacts_functions[] = {"user", "technical", "procurement", NULL};
const char *const contacts_relationships[] = {"acquainted", "interacting", "trusted", "allied",
                                              NULL};

#define S_OFF(f) ((long) offsetof (contacts_contact_t, f))

/*  account_id comes first so that add finds it at vals[1]; update refuses
    it by hand (a change of account is a move). */
static const contacts_field_t s_fields[] = {
    {"name", CONTACTS_F_TEXT, true, CONTACTS_NAME_MAX, NULL, 0, 0, S_OFF (name)},
    {"account_id", CONTACTS_F_ID, true, CONTACTS_ID_MAX, NULL, 0, 0, S_OFF (account_id)},
    {"title", CONTACTS_F_TEXT, false, CONTACTS_SHORT_MAX, NULL, 0, 0, S_OFF (title)},
    {"phone", CONTACTS_F_PHONE, false, CONTACTS_PHONE_MAX, NULL, 0, 0, S_OFF (phone)},
    {"email", CONTACTS_F_EMAIL, false, CONTACTS_EMAIL_MAX, NULL, 0, 0, S_OFF (email)},
    {"messaging_id", CONTACTS_F_TEXT, false, CONTACTS_SHORT_MAX, NULL, 0, 0, S_OFF (messaging_id)},
    {"level", CONTACTS_F_ENUM, false, 64, contacts_levels, 0, 0, S_OFF (level)},
    {"function", CONTACTS_F_ENUM, false, 64, contacts_functions, 0, 0, S_OFF (function)},
    {"relationship", CONTACTS_F_ENUM, false, 64, contacts_relationships, 0, 0,
     S_OFF (relationship)},
    {"influence", CONTACTS_F_INT, false, 0, NULL, 1, 5, S_OFF (influence)},
    {"hobbies", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, S_OFF (hobbies)},
    {"hometown", CONTACTS_F_TEXT, false, CONTACTS_SHORT_MAX, NULL, 0, 0, S_OFF (hometown)},
    {"birthday", CONTACTS_F_BIRTHDAY, false, 10, NULL, 0, 0, S_OFF (birthday)},
    {"family_notes", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, S_OFF (family_notes)},
    {"notes", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, S_OFF (notes)},
};
#define S_NFIELDS (sizeof s_fields / sizeof s_fields[0])

static const contacts_field_t s_move_fields[] = {
    {"account_id", CONTACTS_F_ID, true, CONTACTS_ID_MAX, NULL, 0, 0, -1},
    {"reason", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, -1},
};

static const contacts_field_t s_trip_fields[] = {
    {"from", CONTACTS_F_DATE, true, 10, NULL, 0, 0, -1},
    {"to", CONTACTS_F_DATE, true, 10, NULL, 0, 0, -1},
    {"city", CONTACTS_F_TEXT, true, CONTACTS_SHORT_MAX, NULL, 0, 0, -1},
    {"hotel", CONTACTS_F_TEXT, false, CONTACTS_SHORT_MAX, NULL, 0, 0, -1},
    {"transport", CONTACTS_F_TEXT, false, CONTACTS_SHORT_MAX, NULL, 0, 0, -1},
    {"purpose", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, -1},
};
#define S_NTRIP (sizeof s_trip_fields / sizeof s_trip_fields[0])

/*  "none" ends a relationship: the depths plus it */
const char *const contacts_relationship_depths[] = {"none",    "acquainted", "interacting",
                                                    "trusted", "allied",     NULL};

static const contacts_field_t s_relate_fields[] = {
    {"salesperson", CONTACTS_F_TEXT, true, CONTACTS_PERSON_MAX, NULL, 0, 0, -1},
    {"depth", CONTACTS_F_ENUM, true, 64, contacts_relationship_depths, 0, 0, -1},
    {"notes", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, -1},
};
#define S_NRELATE (sizeof s_relate_fields / sizeof s_relate_fields[0])

void contacts_contact_init (contacts_contact_t *self)
{
    memset (self, 0, sizeof *self);
}

void contacts_contact_reset (contacts_contact_t *self)
{
    contacts_free_fields (self, s_fields, S_NFIELDS);
    free (self->id);
    contacts_contact_init (self);
}

static void s_stream (char *buf, size_t size, const char *id)
{
    snprintf (buf, size, "contact-%s", id);
}

/*  A contact may only join an active account; a merged one names where
    its people now belong. */
static int s_check_account (dbk_decision_t *d, const contacts_value_t *account,
                            const contacts_contact_facts_t *facts)
{
    contacts_ref_status_t st = facts ? facts->account : CONTACTS_REF_MISSING;
    int n = (int) account->n;
    if (st == CONTACTS_REF_MISSING)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "account_id", "no such account: %.*s", n,
                                    account->s);
    if (st == CONTACTS_REF_ARCHIVED)
        return dbk_decision_reject (d, DBK_EREJECTED, "account_id",
                                    "account %.*s is archived and takes no new contacts", n,
                                    account->s);
    if (st == CONTACTS_REF_MERGED)
        return dbk_decision_reject (d, DBK_EREJECTED, "account_id",
                                    "account %.*s was merged into account %s; use %s instead", n,
                                    account->s, facts->merged_into ? facts->merged_into : "?",
                                    facts->merged_into ? facts->merged_into : "?");
    return 0;
}

/*  A birthday with its year is a day that has been: one after today is a
    typing error (2999 for 1999), which the notebook would otherwise show
    as a birthday coming up every year. --MM-DD has no year to check. */
static int s_check_birthday (dbk_decision_t *d, const contacts_value_t *vals, size_t n,
                             const contacts_contact_facts_t *facts)
{
    const contacts_value_t *v = contacts_value_of (vals, n, "birthday");
    const char *today = facts ? facts->today : NULL;
    if (!v || v->clear || !today || v->n != 10 || v->s[0] == '-' || strncmp (v->s, today, 10) <= 0)
        return 0;
    char today_at[32] = "today";
    if (facts->zone)
        snprintf (today_at, sizeof today_at, "today at %s", facts->zone);
    return dbk_decision_reject (d, DBK_EINVAL, "birthday",
                                "birthday (%.*s) cannot be after %s (%s), the business date: "
                                "give a past date, or --MM-DD when the year is unknown",
                                (int) v->n, v->s, today_at, today);
}

int contacts_contact_add (dbk_decision_t *d, const contacts_contact_t *state, const char *id,
                          const dbk_obj_t *cmd, const contacts_contact_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_id (d, "id", id, id ? strlen (id) : 0);
    if (!rc)
        rc = contacts_check_fields (d, cmd, s_fields, S_NFIELDS, NULL, false, vals, &nvals);
    if (!rc)
        rc = s_check_birthday (d, vals, nvals, facts);
    if (rc)
        return rc;
    if (state->status != CONTACTS_CONTACT_NONE)
        return dbk_decision_reject (d, DBK_EDUPLICATE, "id", "contact %s already exists", id);
    rc = s_check_account (d, &vals[1], facts);
    if (rc)
        return rc;
    nvals = contacts_present (vals, nvals);
    char stream[CONTACTS_ID_MAX + 16];
    s_stream (stream, sizeof stream, id);
    dbk_wr_t *w = dbk_decision_event (d, stream, "contact.added");
    dbk_wr_map (w, (uint32_t) (1 + nvals));
    dbk_wr_kv_cstr (w, "id", id);
    contacts_write_values (w, vals, nvals);
    return 0;
}

int contacts_contact_update (dbk_decision_t *d, const contacts_contact_t *state,
                             const dbk_obj_t *cmd, const contacts_contact_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    if (cmd && dbk_obj_get (cmd, "account_id"))
        return dbk_decision_reject (d, DBK_EINVAL, "account_id",
                                    "a contact changes account by a move, which keeps the "
                                    "history; account_id cannot be updated");
    int rc = contacts_check_fields (d, cmd, s_fields, S_NFIELDS, NULL, true, vals, &nvals);
    if (!rc)
        rc = s_check_birthday (d, vals, nvals, facts);
    if (rc)
        return rc;
    if (state->status == CONTACTS_CONTACT_NONE)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "id", "no such contact");
    size_t changed = 0;
    for (size_t i = 0; i < nvals; i++)
        if (!contacts_value_same (&vals[i], state))
            vals[changed++] = vals[i];
    if (!changed)
        return 0;
    char stream[CONTACTS_ID_MAX + 16];
    s_stream (stream, sizeof stream, state->id);
    dbk_wr_t *w = dbk_decision_event (d, stream, "contact.updated");
    dbk_wr_map (w, (uint32_t) (2 + changed));
    dbk_wr_kv_cstr (w, "id", state->id);
    dbk_wr_cstr (w, "changed");
    dbk_wr_array (w, (uint32_t) changed);
    for (size_t i = 0; i < changed; i++)
        dbk_wr_cstr (w, vals[i].f->key);
    contacts_write_values (w, vals, changed);
    return 0;
}

int contacts_contact_move (dbk_decision_t *d, const contacts_contact_t *state, const dbk_obj_t *cmd,
                           const contacts_contact_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_move_fields, 2, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    if (state->status == CONTACTS_CONTACT_NONE)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "id", "no such contact");
    const contacts_value_t *to = &vals[0];
    if (state->account_id && strlen (state->account_id) == to->n &&
        !memcmp (state->account_id, to->s, to->n))
        return dbk_decision_reject (d, DBK_EINVAL, "account_id",
                                    "contact %s already works for account %s", state->id,
                                    state->account_id);
    rc = s_check_account (d, to, facts);
    if (rc)
        return rc;
    nvals = contacts_present (vals, nvals);
    char stream[CONTACTS_ID_MAX + 16];
    s_stream (stream, sizeof stream, state->id);
    dbk_wr_t *w = dbk_decision_event (d, stream, "contact.moved");
    dbk_wr_map (w, (uint32_t) (3 + (nvals > 1)));
    dbk_wr_kv_cstr (w, "id", state->id);
    dbk_wr_kv_cstr (w, "from", state->account_id ? state->account_id : "");
    dbk_wr_cstr (w, "to");
    dbk_wr_str (w, to->s, to->n);
    if (nvals > 1) {
        dbk_wr_cstr (w, "reason");
        contacts_write_value (w, &vals[1]);
    }
    return 0;
}

int contacts_contact_trip_add (dbk_decision_t *d, const contacts_contact_t *state,
                               const dbk_obj_t *cmd)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_trip_fields, S_NTRIP, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    /* from and to are required and first: vals[0], vals[1]; YYYY-MM-DD
       compares as text in calendar order */
    if (memcmp (vals[1].s, vals[0].s, 10) < 0)
        return dbk_decision_reject (d, DBK_EINVAL, "to", "to (%.10s) is before from (%.10s)",
                                    vals[1].s, vals[0].s);
    if (state->status == CONTACTS_CONTACT_NONE)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "id", "no such contact");
    nvals = contacts_present (vals, nvals);
    char stream[CONTACTS_ID_MAX + 16];
    s_stream (stream, sizeof stream, state->id);
    dbk_wr_t *w = dbk_decision_event (d, stream, "contact.trip_added");
    dbk_wr_map (w, (uint32_t) (2 + nvals));
    dbk_wr_kv_cstr (w, "id", state->id);
    /* numbered within the contact, so later commands can name a trip
       without the decider inventing ids */
    dbk_wr_kv_u64 (w, "trip", state->trips + 1);
    contacts_write_values (w, vals, nvals);
    return 0;
}

int contacts_contact_relate (dbk_decision_t *d, const contacts_contact_t *state,
                             const dbk_obj_t *cmd, const char *current_depth)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_relate_fields, S_NRELATE, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    if (state->status == CONTACTS_CONTACT_NONE)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "id", "no such contact");
    /*  salesperson and depth are required and first */
    const contacts_value_t *who = &vals[0], *depth = &vals[1];
    bool ending = depth->n == 4 && memcmp (depth->s, "none", 4) == 0;
    const char *cur = current_depth ? current_depth : "none";
    bool same = strlen (cur) == depth->n && memcmp (cur, depth->s, depth->n) == 0;
    nvals = contacts_present (vals, nvals);
    if (ending && !current_depth)
        return dbk_decision_reject (d, DBK_EINVAL, "salesperson",
                                    "%.*s has no relationship with contact %s to end", (int) who->n,
                                    who->s, state->id);
    if (same && nvals == 2)
        return 0; /* nothing changes */
    char stream[CONTACTS_ID_MAX + 16];
    s_stream (stream, sizeof stream, state->id);
    dbk_wr_t *w = dbk_decision_event (d, stream, "contact.relationship_set");
    dbk_wr_map (w, (uint32_t) (2 + nvals));
    dbk_wr_kv_cstr (w, "id", state->id);
    dbk_wr_kv_cstr (w, "previous", cur);
    contacts_write_values (w, vals, nvals);
    return 0;
}

int contacts_contact_evolve (contacts_contact_t *state, const char *type, const dbk_obj_t *data)
{
    /*  anyone may append to the log: a payload holding what the command
        would have refused (a name cleared, a level, function,
        relationship or depth outside its list, an influence outside
        1..5, a move to no id, a trip without its city) is skipped
        (contacts_fields_foldable) */
    if (!strcmp (type, "contact.added")) {
        if (!dbk_obj_get (data, "id") || contacts_fields_foldable (data, s_fields, S_NFIELDS, true))
            return DBK_EMALFORMED;
        int rc = contacts_set_str (&state->id, dbk_obj_get (data, "id"));
        if (!rc)
            rc = contacts_apply_fields (state, s_fields, S_NFIELDS, data);
        if (!rc)
            state->status = CONTACTS_CONTACT_ACTIVE;
        return rc;
    }
    if (!strcmp (type, "contact.updated"))
        return contacts_fields_foldable (data, s_fields, S_NFIELDS, false)
                   ? DBK_EMALFORMED
                   : contacts_apply_fields (state, s_fields, S_NFIELDS, data);
    if (!strcmp (type, "contact.moved")) {
        /*  the event names the account `to`, the command account_id */
        const char *to;
        size_t tn;
        if (dbk_obj_str (dbk_obj_get (data, "to"), &to, &tn) || !contacts_id_valid (to, tn))
            return DBK_EMALFORMED;
        int rc = contacts_set_str (&state->account_id, dbk_obj_get (data, "to"));
        if (!rc)
            state->moves++;
        return rc;
    }
    if (!strcmp (type, "contact.trip_added")) {
        if (contacts_fields_foldable (data, s_trip_fields, S_NTRIP, true))
            return DBK_EMALFORMED;
        state->trips++;
    }
    if (!strcmp (type, "contact.relationship_set") &&
        contacts_fields_foldable (data, s_relate_fields, S_NRELATE, true))
        return DBK_EMALFORMED;
    return 0;
}
