/*  contacts_known.c - whether the contacts service applies an account,
    contact or competitor event, and what it tells of the reference; and
    which activity.logged it applies (contacts_known.h). */
#include "contacts_known.h"

#include "dealbook/dbk_error.h"

#include <string.h>

/*  The category of a stream (its name before the dash), among the three. */
static contacts_known_kind_t s_category (const char *s, size_t n)
{
    if (n == 7 && memcmp (s, "account", 7) == 0)
        return CONTACTS_KNOWN_ACCOUNT;
    if (n == 7 && memcmp (s, "contact", 7) == 0)
        return CONTACTS_KNOWN_CONTACT;
    if (n == 10 && memcmp (s, "competitor", 10) == 0)
        return CONTACTS_KNOWN_COMPETITOR;
    return CONTACTS_KNOWN_NONE;
}

/*  The types the contacts service folds on the three categories' streams:
    the category each belongs to, and what it does to a reference (kind
    NONE: nothing a reference holds). */
#define A CONTACTS_KNOWN_ACCOUNT
#define C CONTACTS_KNOWN_CONTACT
#define K CONTACTS_KNOWN_COMPETITOR
static const struct {
    const char *type;
    contacts_known_kind_t category, kind;
    contacts_known_change_t change;
} s_types[] = {
    {"account.registered", A, A, CONTACTS_KNOWN_OPEN},
    {"account.updated", A, A, CONTACTS_KNOWN_KEEP},
    {"account.archived", A, A, CONTACTS_KNOWN_CLOSE},
    {"account.merged", A, A, CONTACTS_KNOWN_CLOSE},
    {"account.absorbed", A, CONTACTS_KNOWN_NONE, CONTACTS_KNOWN_KEEP},
    {"contact.added", C, C, CONTACTS_KNOWN_OPEN},
    {"contact.updated", C, C, CONTACTS_KNOWN_KEEP},
    {"contact.moved", C, CONTACTS_KNOWN_NONE, CONTACTS_KNOWN_KEEP},
    {"contact.trip_added", C, CONTACTS_KNOWN_NONE, CONTACTS_KNOWN_KEEP},
    {"contact.relationship_set", C, CONTACTS_KNOWN_NONE, CONTACTS_KNOWN_KEEP},
    {"competitor.added", K, K, CONTACTS_KNOWN_OPEN},
    {"competitor.updated", K, K, CONTACTS_KNOWN_KEEP},
};
#undef A
#undef C
#undef K
#define S_NTYPES (sizeof s_types / sizeof s_types[0])

/*  Index of the type in s_types, or -1. */
static int s_type (const char *type, size_t n)
{
    for (size_t i = 0; i < S_NTYPES; i++)
        if (strlen (s_types[i].type) == n && memcmp (s_types[i].type, type, n) == 0)
            return (int) i;
    return -1;
}

contacts_known_kind_t contacts_known_type (const char *type, size_t n)
{
    int t = s_type (type, n);
    return t < 0 ? CONTACTS_KNOWN_NONE : s_types[t].kind;
}

/*  The payload folded by the contacts evolve function of its category
    into a scratch state: 0, DBK_EMALFORMED (refused) or DBK_ENOMEM. */
static int s_evolve (contacts_known_kind_t category, const char *type, const dbk_obj_t *data)
{
    int rc;
    if (category == CONTACTS_KNOWN_ACCOUNT) {
        contacts_account_t st;
        contacts_account_init (&st);
        rc = contacts_account_evolve (&st, type, data);
        contacts_account_reset (&st);
    } else if (category == CONTACTS_KNOWN_CONTACT) {
        contacts_contact_t st;
        contacts_contact_init (&st);
        rc = contacts_contact_evolve (&st, type, data);
        contacts_contact_reset (&st);
    } else {
        contacts_competitor_t st;
        contacts_competitor_init (&st);
        rc = contacts_competitor_evolve (&st, type, data);
        contacts_competitor_reset (&st);
    }
    return rc;
}

/*  A str or nil value of the payload (absent: *present false). */
static void s_text (const dbk_obj_t *data, const char *key, bool *present, const char **s,
                    size_t *n)
{
    const dbk_obj_t *o = dbk_obj_get (data, key);
    *present = o != NULL;
    *s = NULL;
    *n = 0;
    if (o && dbk_obj_str (o, s, n) != 0) {
        *s = NULL; /* nil: the evolve functions take no other type */
        *n = 0;
    }
}

/*  contacts_known_belongs, with the type's index in *t and the stream's
    id (after the dash) in *id, *il when it returns 1. */
static int s_belongs (const dbk_event_t *ev, const dbk_obj_t *data, int *t, const char **id,
                      size_t *il)
{
    const char *dash = memchr (ev->stream, '-', ev->stream_len);
    contacts_known_kind_t category =
        dash ? s_category (ev->stream, (size_t) (dash - ev->stream)) : CONTACTS_KNOWN_NONE;
    *il = dash ? ev->stream_len - (size_t) (dash - ev->stream) - 1 : 0;
    /*  not on an account's, a contact's or a competitor's stream, or on
        one whose id no command can name: nobody's, ignored */
    if (!category || *il == 0 || *il > CONTACTS_ID_MAX || !data)
        return 0;
    if ((*t = s_type (ev->type, ev->type_len)) < 0)
        return 0; /* a type contacts does not fold: ignored */
    if (s_types[*t].category != category)
        return DBK_EMALFORMED; /* about an aggregate of another kind */
    const char *pid;
    size_t n;
    *id = dash + 1;
    if (dbk_obj_str (dbk_obj_get (data, "id"), &pid, &n) || n != *il || memcmp (pid, *id, n))
        return DBK_EMALFORMED; /* not this stream's aggregate */
    return 1;
}

int contacts_known_belongs (const dbk_event_t *ev, const dbk_obj_t *data)
{
    int t;
    const char *id;
    size_t il;
    return s_belongs (ev, data, &t, &id, &il);
}

int contacts_known_read (const dbk_event_t *ev, const dbk_obj_t *data, contacts_known_t *ref)
{
    memset (ref, 0, sizeof *ref);
    int t;
    const char *id;
    size_t il;
    int rc = s_belongs (ev, data, &t, &id, &il);
    if (rc <= 0)
        return rc;
    if ((rc = s_evolve (s_types[t].category, s_types[t].type, data)))
        return rc;
    ref->kind = s_types[t].kind;
    if (!ref->kind)
        return 0;
    ref->change = s_types[t].change;
    ref->id = id;
    ref->id_len = il;
    bool into;
    if (ref->change == CONTACTS_KNOWN_CLOSE) {
        /*  archived, merged: the name stays; a merge names the survivor */
        if (ref->kind == CONTACTS_KNOWN_ACCOUNT) /* an id: the evolve checked it */
            s_text (data, "into", &into, &ref->into, &ref->into_len);
    } else /* the name, when set: the evolve functions refuse to clear it */
        s_text (data, "name", &ref->named, &ref->name, &ref->name_len);
    return 0;
}

int contacts_known_activity (const dbk_event_t *ev, const dbk_obj_t *data,
                             contacts_known_logged_fn *logged, void *arg, bool judge,
                             contacts_known_activity_t *act)
{
    memset (act, 0, sizeof *act);
    const char *dash = memchr (ev->stream, '-', ev->stream_len);
    size_t cl = dash ? (size_t) (dash - ev->stream) : 0;
    size_t il = dash ? ev->stream_len - cl - 1 : 0;
    bool type = ev->type_len == 15 && memcmp (ev->type, "activity.logged", 15) == 0;
    /*  no activity, or nobody's (a stream of another category, one whose
        id no command can name): ignored */
    if (!type || cl != 8 || memcmp (ev->stream, "activity", 8) || il == 0 || il > CONTACTS_ID_MAX ||
        !data)
        return 0;
    /*  logged once: the first version cannot find one before it */
    if (ev->ver > 1 && logged && logged (arg, dash + 1, il))
        return 0;
    const char *id;
    size_t n;
    if (dbk_obj_str (dbk_obj_get (data, "id"), &id, &n) || n != il || memcmp (id, dash + 1, il))
        return DBK_EMALFORMED; /* another activity's than its stream's */
    if (!judge) {
        act->id = dash + 1;
        act->id_len = il;
        return 0; /* the caller's evolve decides the rest */
    }
    contacts_activity_t st;
    contacts_activity_init (&st);
    int rc = contacts_activity_evolve (&st, "activity.logged", data);
    contacts_activity_reset (&st);
    if (rc)
        return rc;
    /*  evolve took them: a real date, a non-empty array of ids */
    if (dbk_obj_str (dbk_obj_get (data, "date"), &act->date, &n) || n != 10)
        return DBK_EMALFORMED;
    act->people = dbk_obj_get (data, "their_people");
    act->id = dash + 1;
    act->id_len = il;
    return 0;
}
