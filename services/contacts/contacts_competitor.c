/*  contacts_competitor.c - the competitor aggregate: who else chases our
    accounts, with what, at what price, and whom they are close to. */
#include "contacts_fields.h"

#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const contacts_price_levels[] = {"low", "medium", "high", NULL};

#define S_OFF(f) ((long) offsetof (contacts_competitor_t, f))

static const contacts_field_t s_fields[] = {
    {"name", CONTACTS_F_TEXT, true, CONTACTS_NAME_MAX, NULL, 0, 0, S_OFF (name)},
    {"products", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, S_OFF (products)},
    {"price_level", CONTACTS_F_ENUM, false, 64, contacts_price_levels, 0, 0, S_OFF (price_level)},
    {"strengths", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, S_OFF (strengths)},
    {"weaknesses", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, S_OFF (weaknesses)},
    {"relationships", CONTACTS_F_NOTE, false, CONTACTS_NOTE_MAX, NULL, 0, 0, S_OFF (relationships)},
    {"close_to", CONTACTS_F_IDS, false, CONTACTS_ID_MAX, NULL, 0, CONTACTS_LIST_MAX,
     S_OFF (close_to)},
};
#define S_NFIELDS (sizeof s_fields / sizeof s_fields[0])

static const char *const s_force[] = {"force", NULL};

void contacts_competitor_init (contacts_competitor_t *self)
{
    memset (self, 0, sizeof *self);
}

void contacts_competitor_reset (contacts_competitor_t *self)
{
    contacts_free_fields (self, s_fields, S_NFIELDS);
    free (self->id);
    contacts_competitor_init (self);
}

static const contacts_value_t *s_find (const contacts_value_t *vals, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp (vals[i].f->key, key))
            return &vals[i];
    return NULL;
}

static void s_stream (char *buf, size_t size, const char *id)
{
    snprintf (buf, size, "competitor-%s", id);
}

/*  A name another competitor has already, compared as accounts compare
    theirs: "Philips", "philips" and "PHILIPS Co., Ltd." are one company,
    and a second entry would split its losses and its price history in
    two. `current` is the competitor's own name (NULL: a new one): a
    change of case or spelling of it is no duplicate. force keeps both. */
static int s_check_name (dbk_decision_t *d, const contacts_value_t *name, const char *current,
                         const char *self, bool force, const contacts_lookup_t *lookup)
{
    char *norm = contacts_normalize_name (name->s, name->n);
    if (!norm)
        return dbk_decision_reject (d, DBK_EINVAL, "name", "name must contain letters or digits");
    char *was = current ? contacts_normalize_name (current, strlen (current)) : NULL;
    const char *dup = NULL;
    if (!force && (!was || strcmp (was, norm)) && lookup && lookup->competitor_named)
        dup = lookup->competitor_named (lookup->ctx, norm, self);
    free (was);
    free (norm);
    if (dup)
        return dbk_decision_reject (
            d, DBK_EDUPLICATE, "name",
            "competitor %s already has this name (compared without case, width, "
            "punctuation and company suffixes); force (dealbook: --force) keeps both",
            dup);
    return 0;
}

int contacts_competitor_add (dbk_decision_t *d, const contacts_competitor_t *state, const char *id,
                             const dbk_obj_t *cmd, const contacts_lookup_t *lookup)
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
    if (state->status != CONTACTS_COMPETITOR_NONE)
        return dbk_decision_reject (d, DBK_EDUPLICATE, "id", "competitor %s already exists", id);
    /* name is required and comes first in the table: vals[0] */
    if ((rc = s_check_name (d, &vals[0], NULL, id, force, lookup)))
        return rc;
    const contacts_value_t *close = s_find (vals, nvals, "close_to");
    if (close && (rc = contacts_check_account_refs (d, close, lookup, true)))
        return rc;
    size_t present = 0;
    for (size_t i = 0; i < nvals; i++)
        if (!vals[i].clear)
            vals[present++] = vals[i];
    char stream[CONTACTS_ID_MAX + 16];
    s_stream (stream, sizeof stream, id);
    dbk_wr_t *w = dbk_decision_event (d, stream, "competitor.added");
    dbk_wr_map (w, (uint32_t) (1 + present));
    dbk_wr_kv_cstr (w, "id", id);
    for (size_t i = 0; i < present; i++) {
        dbk_wr_cstr (w, vals[i].f->key);
        contacts_write_value (w, &vals[i]);
    }
    return 0;
}

int contacts_competitor_update (dbk_decision_t *d, const contacts_competitor_t *state,
                                const dbk_obj_t *cmd, const contacts_lookup_t *lookup)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nvals;
    bool force;
    int rc = contacts_check_fields (d, cmd, s_fields, S_NFIELDS, s_force, true, vals, &nvals);
    if (!rc)
        rc = contacts_force_flag (d, cmd, &force);
    if (rc)
        return rc;
    if (state->status == CONTACTS_COMPETITOR_NONE)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "id", "no such competitor");
    size_t changed = 0;
    for (size_t i = 0; i < nvals; i++)
        if (!contacts_value_same (&vals[i], state))
            vals[changed++] = vals[i];
    if (!changed)
        return 0;
    const contacts_value_t *name = s_find (vals, changed, "name");
    if (name && (rc = s_check_name (d, name, state->name, state->id, force, lookup)))
        return rc;
    const contacts_value_t *close = s_find (vals, changed, "close_to");
    if (close && (rc = contacts_check_account_refs (d, close, lookup, true)))
        return rc;
    char stream[CONTACTS_ID_MAX + 16];
    s_stream (stream, sizeof stream, state->id);
    dbk_wr_t *w = dbk_decision_event (d, stream, "competitor.updated");
    dbk_wr_map (w, (uint32_t) (2 + changed));
    dbk_wr_kv_cstr (w, "id", state->id);
    dbk_wr_cstr (w, "changed");
    dbk_wr_array (w, (uint32_t) changed);
    for (size_t i = 0; i < changed; i++)
        dbk_wr_cstr (w, vals[i].f->key);
    for (size_t i = 0; i < changed; i++) {
        dbk_wr_cstr (w, vals[i].f->key);
        contacts_write_value (w, &vals[i]);
    }
    return 0;
}

/*  A text the state keeps as it is: a str, not empty, without a NUL (the
    state holds C strings). */
static bool s_text (const dbk_obj_t *o)
{
    const char *s;
    size_t n;
    return dbk_obj_str (o, &s, &n) == 0 && n > 0 && !memchr (s, 0, n);
}

/*  Whether the state an event makes can be stored and folded back
    (contacts_market_competitor folds the stored state as a
    competitor.added): an id and a name (an update may leave the name
    out, never clear it: the decider refuses an empty one), and close_to
    entries kept whole. Anyone may append to the log: an event that would
    make a competitor without a name, or cut one of its ties to nothing,
    is malformed, and changes nothing. */
static bool s_foldable (const dbk_obj_t *data, bool added)
{
    const dbk_obj_t *name = dbk_obj_get (data, "name");
    if ((added && !s_text (dbk_obj_get (data, "id"))) || ((added || name) && !s_text (name)))
        return false;
    const dbk_obj_t *close = dbk_obj_get (data, "close_to");
    for (size_t i = 0; dbk_obj_type (close) == DBK_T_ARRAY && i < dbk_obj_len (close); i++)
        if (!s_text (dbk_obj_at (close, i)))
            return false;
    return true;
}

int contacts_competitor_evolve (contacts_competitor_t *state, const char *type,
                                const dbk_obj_t *data)
{
    bool added = !strcmp (type, "competitor.added");
    if ((added || !strcmp (type, "competitor.updated")) &&
        (!s_foldable (data, added) || contacts_fields_foldable (data, s_fields, S_NFIELDS, added)))
        return DBK_EMALFORMED;
    if (added) {
        int rc = contacts_set_str (&state->id, dbk_obj_get (data, "id"));
        if (!rc)
            rc = contacts_apply_fields (state, s_fields, S_NFIELDS, data);
        if (!rc)
            state->status = CONTACTS_COMPETITOR_ACTIVE;
        return rc;
    }
    if (!strcmp (type, "competitor.updated"))
        return contacts_apply_fields (state, s_fields, S_NFIELDS, data);
    return 0;
}
