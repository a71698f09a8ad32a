/*  contacts_account.c - the account aggregate: register, update, archive,
    merge, and evolve. */
#include "contacts_fields.h"

#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const contacts_account_types[] = {
    "owner",      "design_institute", "general_contractor", "subcontractor",
    "decoration", "government",       "distributor",        NULL};

const char *const contacts_lead_sources[] = {
    "tender_website", "government_notice", "design_institute", "exhibition", "association",
    "referral",       "partner",           "cold_visit",       NULL};

#define S_OFF(f) ((long) offsetof (contacts_account_t, f))

/*  The account's own fields, as register and update take them. */
static const contacts_field_t s_fields[] = {
    {"name", CONTACTS_F_TEXT, true, CONTACTS_NAME_MAX, NULL, 0, 0, S_OFF (name)},
    {"type", CONTACTS_F_ENUM, true, 64, contacts_account_types, 0, 0, S_OFF (type)},
    {"region", CONTACTS_F_TEXT, false, CONTACTS_SHORT_MAX, NULL, 0, 0, S_OFF (region)},
    {"city", CONTACTS_F_TEXT, false, CONTACTS_SHORT_MAX, NULL, 0, 0, S_OFF (city)},
    {"lead_source", CONTACTS_F_ENUM, false, 64, contacts_lead_sources, 0, 0, S_OFF (lead_source)},
    {"size", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, S_OFF (size)},
    {"ownership", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, S_OFF (ownership)},
    {"past_projects", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, S_OFF (past_projects)},
    {"credit", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, S_OFF (credit)},
};
#define S_NFIELDS (sizeof s_fields / sizeof s_fields[0])

static const contacts_field_t s_archive_fields[] = {
    {"reason", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, -1},
};

static const contacts_field_t s_merge_fields[] = {
    {"into", CONTACTS_F_ID, true, CONTACTS_ID_MAX, NULL, 0, 0, -1},
    {"reason", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, -1},
};

static const char *const s_force[] = {"force", NULL};

void contacts_account_init (contacts_account_t *self)
{
    memset (self, 0, sizeof *self);
}

void contacts_account_reset (contacts_account_t *self)
{
    contacts_free_fields (self, s_fields, S_NFIELDS);
    free (self->id);
    free (self->normalized_name);
    free (self->merged_into);
    contacts_account_init (self);
}

/*  An archived or merged account is read-only: say which, and where its
    story continues. */
static int s_check_writable (dbk_decision_t *d, const contacts_account_t *state)
{
    if (state->status == CONTACTS_ACCOUNT_NONE)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "id", "no such account");
    if (state->status == CONTACTS_ACCOUNT_ARCHIVED)
        return dbk_decision_reject (d, DBK_EREJECTED, "id",
                                    "account %s is archived and can no longer change", state->id);
    if (state->status == CONTACTS_ACCOUNT_MERGED)
        return dbk_decision_reject (d, DBK_EREJECTED, "id",
                                    "account %s was merged into account %s; use %s instead",
                                    state->id, state->merged_into, state->merged_into);
    return 0;
}

static int s_refuse_duplicate (dbk_decision_t *d, const char *dup)
{
    return dbk_decision_reject (
        d, DBK_EDUPLICATE, "name",
        "account %s already has this name (compared without case, width, "
        "punctuation and company suffixes); force (dealbook: --force) keeps both",
        dup);
}

static void s_stream (char *buf, size_t size, const char *id)
{
    snprintf (buf, size, "account-%s", id);
}

int contacts_account_register (dbk_decision_t *d, const contacts_account_t *state, const char *id,
                               const dbk_obj_t *cmd, const contacts_account_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    bool force;
    int rc = contacts_check_id (d, "id", id, id ? strlen (id) : 0);
    if (!rc)
        rc = contacts_check_fields (d, cmd, s_fields, S_NFIELDS, s_force, false, vals, &nvals);
    if (!rc)
        rc = contacts_force_flag (d, cmd, &force);
    if (rc)
        return rc;
    if (state->status != CONTACTS_ACCOUNT_NONE)
        return dbk_decision_reject (d, DBK_EDUPLICATE, "id", "account %s already exists", id);
    /* name is required and comes first in the table: vals[0] */
    char *norm = contacts_normalize_name (vals[0].s, vals[0].n);
    if (!norm)
        return dbk_decision_reject (d, DBK_EINVAL, "name", "name must contain letters or digits");
    const char *dup = facts ? facts->duplicate_id : NULL;
    if (dup && !force) {
        free (norm);
        return s_refuse_duplicate (d, dup);
    }
    size_t present = 0;
    for (size_t i = 0; i < nvals; i++)
        present += !vals[i].clear;
    char stream[CONTACTS_ID_MAX + 16];
    s_stream (stream, sizeof stream, id);
    dbk_wr_t *w = dbk_decision_event (d, stream, "account.registered");
    dbk_wr_map (w, (uint32_t) (2 + present + (dup != NULL)));
    dbk_wr_kv_cstr (w, "id", id);
    for (size_t i = 0; i < nvals; i++)
        if (!vals[i].clear) {
            dbk_wr_cstr (w, vals[i].f->key);
            contacts_write_value (w, &vals[i]);
        }
    dbk_wr_kv_cstr (w, "normalized_name", norm);
    if (dup)
        dbk_wr_kv_cstr (w, "duplicate_of", dup);
    free (norm);
    return 0;
}

int contacts_account_update (dbk_decision_t *d, const contacts_account_t *state,
                             const dbk_obj_t *cmd, const contacts_account_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    bool force;
    int rc = contacts_check_fields (d, cmd, s_fields, S_NFIELDS, s_force, true, vals, &nvals);
    if (!rc)
        rc = contacts_force_flag (d, cmd, &force);
    if (!rc)
        rc = s_check_writable (d, state);
    if (rc)
        return rc;
    /* keep only what changes, so the event says exactly what happened */
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
    if (name) {
        norm = contacts_normalize_name (name->s, name->n);
        if (!norm)
            return dbk_decision_reject (d, DBK_EINVAL, "name",
                                        "name must contain letters or digits");
        const char *dup = facts ? facts->duplicate_id : NULL;
        bool renamed_away = !state->normalized_name || strcmp (norm, state->normalized_name);
        if (dup && strcmp (dup, state->id) && renamed_away && !force) {
            free (norm);
            return s_refuse_duplicate (d, dup);
        }
    }
    char stream[CONTACTS_ID_MAX + 16];
    s_stream (stream, sizeof stream, state->id);
    dbk_wr_t *w = dbk_decision_event (d, stream, "account.updated");
    dbk_wr_map (w, (uint32_t) (2 + changed + (norm != NULL)));
    dbk_wr_kv_cstr (w, "id", state->id);
    dbk_wr_cstr (w, "changed");
    dbk_wr_array (w, (uint32_t) changed);
    for (size_t i = 0; i < changed; i++)
        dbk_wr_cstr (w, vals[i].f->key);
    for (size_t i = 0; i < changed; i++) {
        dbk_wr_cstr (w, vals[i].f->key);
        contacts_write_value (w, &vals[i]);
    }
    if (norm)
        dbk_wr_kv_cstr (w, "normalized_name", norm);
    free (norm);
    return 0;
}

int contacts_account_archive (dbk_decision_t *d, const contacts_account_t *state,
                              const dbk_obj_t *cmd)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_archive_fields, 1, NULL, false, vals, &nvals);
    if (!rc)
        rc = s_check_writable (d, state);
    if (rc)
        return rc;
    bool reason = nvals && !vals[0].clear;
    char stream[CONTACTS_ID_MAX + 16];
    s_stream (stream, sizeof stream, state->id);
    dbk_wr_t *w = dbk_decision_event (d, stream, "account.archived");
    dbk_wr_map (w, 1 + reason);
    dbk_wr_kv_cstr (w, "id", state->id);
    if (reason) {
        dbk_wr_cstr (w, "reason");
        contacts_write_value (w, &vals[0]);
    }
    return 0;
}

int contacts_account_merge (dbk_decision_t *d, const contacts_account_t *merged,
                            const contacts_account_t *survivor, const dbk_obj_t *cmd)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    int rc = contacts_check_fields (d, cmd, s_merge_fields, 2, NULL, false, vals, &nvals);
    if (rc)
        return rc;
    const contacts_value_t *into = &vals[0];
    const contacts_value_t *reason = nvals > 1 && !vals[1].clear ? &vals[1] : NULL;
    if (merged->status == CONTACTS_ACCOUNT_NONE)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "id", "no such account");
    if (strlen (merged->id) == into->n && !memcmp (merged->id, into->s, into->n))
        return dbk_decision_reject (d, DBK_EINVAL, "into",
                                    "an account cannot be merged into itself");
    if (survivor->status == CONTACTS_ACCOUNT_NONE)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "into", "no such account: %.*s",
                                    (int) into->n, into->s);
    if (strlen (survivor->id) != into->n || memcmp (survivor->id, into->s, into->n))
        return dbk_decision_reject (d, DBK_EINVAL, "into",
                                    "into names %.*s but account %s was given", (int) into->n,
                                    into->s, survivor->id);
    if (merged->status == CONTACTS_ACCOUNT_MERGED)
        return dbk_decision_reject (d, DBK_EREJECTED, "id",
                                    "account %s was already merged into account %s", merged->id,
                                    merged->merged_into);
    if (survivor->status == CONTACTS_ACCOUNT_ARCHIVED)
        return dbk_decision_reject (d, DBK_EREJECTED, "into",
                                    "account %s is archived and cannot take in another",
                                    survivor->id);
    if (survivor->status == CONTACTS_ACCOUNT_MERGED)
        return dbk_decision_reject (d, DBK_EREJECTED, "into",
                                    "account %s was merged into account %s; merge into %s instead",
                                    survivor->id, survivor->merged_into, survivor->merged_into);
    /* Two events, one per stream, so that each account's own history tells
       the whole story and readers of either stream find the other id. */
    char stream[CONTACTS_ID_MAX + 16];
    s_stream (stream, sizeof stream, merged->id);
    dbk_wr_t *w = dbk_decision_event (d, stream, "account.merged");
    dbk_wr_map (w, 2 + (reason != NULL));
    dbk_wr_kv_cstr (w, "id", merged->id);
    dbk_wr_kv_cstr (w, "into", survivor->id);
    if (reason) {
        dbk_wr_cstr (w, "reason");
        contacts_write_value (w, reason);
    }
    s_stream (stream, sizeof stream, survivor->id);
    w = dbk_decision_event (d, stream, "account.absorbed");
    dbk_wr_map (w, 2 + (reason != NULL));
    dbk_wr_kv_cstr (w, "id", survivor->id);
    dbk_wr_kv_cstr (w, "absorbed", merged->id);
    if (reason) {
        dbk_wr_cstr (w, "reason");
        contacts_write_value (w, reason);
    }
    return 0;
}

int contacts_account_evolve (contacts_account_t *state, const char *type, const dbk_obj_t *data)
{
    /*  anyone may append to the log: a payload holding what the command
        would have refused (a name nil, "" or spaces, a type outside
        contacts_account_types, a merge into no id) is no account of ours
        (contacts_fields_foldable) */
    if (!strcmp (type, "account.registered")) {
        if (!dbk_obj_get (data, "id") || contacts_fields_foldable (data, s_fields, S_NFIELDS, true))
            return DBK_EMALFORMED;
        int rc = contacts_set_str (&state->id, dbk_obj_get (data, "id"));
        if (!rc)
            rc = contacts_apply_fields (state, s_fields, S_NFIELDS, data);
        if (!rc)
            rc = contacts_set_str (&state->normalized_name, dbk_obj_get (data, "normalized_name"));
        if (!rc)
            state->status = CONTACTS_ACCOUNT_ACTIVE;
        return rc;
    }
    if (!strcmp (type, "account.updated")) {
        if (contacts_fields_foldable (data, s_fields, S_NFIELDS, false))
            return DBK_EMALFORMED;
        int rc = contacts_apply_fields (state, s_fields, S_NFIELDS, data);
        if (!rc && dbk_obj_get (data, "normalized_name"))
            rc = contacts_set_str (&state->normalized_name, dbk_obj_get (data, "normalized_name"));
        return rc;
    }
    if (!strcmp (type, "account.archived")) {
        if (contacts_fields_foldable (data, s_archive_fields, 1, true))
            return DBK_EMALFORMED;
        state->status = CONTACTS_ACCOUNT_ARCHIVED;
        return 0;
    }
    if (!strcmp (type, "account.merged")) {
        if (contacts_fields_foldable (data, s_merge_fields, 2, true))
            return DBK_EMALFORMED;
        int rc = contacts_set_str (&state->merged_into, dbk_obj_get (data, "into"));
        if (!rc)
            state->status = CONTACTS_ACCOUNT_MERGED;
        return rc;
    }
    if (!strcmp (type, "account.absorbed"))
        state->absorbed++;
    return 0;
}
