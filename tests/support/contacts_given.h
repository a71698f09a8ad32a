/*  contacts_given.h - the Given-When-Then fixture shared by the suites of
    the contacts deciders (test_contacts_decider.c, test_contacts_people.c):
    one decision, aggregate states, and a pool of parsed documents freed at
    the end of each test. Header-only (static inline) because the Makefile
    links tests/support/testlib.c only.
*/
#ifndef CONTACTS_GIVEN_H
#define CONTACTS_GIVEN_H

#include "contacts_decider.h"

/*  ---- fixture: a decision, states, and a pool of parsed documents ---- */

#define S_POOL 64
#include "given.h"

static contacts_account_t acme, other; /* account states under test */
static contacts_contact_t li;          /* a contact state under test */
static contacts_competitor_t rival;    /* a competitor state         */
static contacts_activity_t act;        /* an activity state          */

static inline void s_setup (void)
{
    d = dbk_decision_new ();
    cr_assert_not_null (d);
    contacts_account_init (&acme);
    contacts_account_init (&other);
    contacts_contact_init (&li);
    contacts_competitor_init (&rival);
    contacts_activity_init (&act);
}

static inline void s_teardown (void)
{
    given_teardown ();
    contacts_account_reset (&acme);
    contacts_account_reset (&other);
    contacts_contact_reset (&li);
    contacts_competitor_reset (&rival);
    contacts_activity_reset (&act);
}

/*  Fold the decided events of `stream` into an account or a contact. */
static inline void fold_account (contacts_account_t *st, const char *stream)
{
    for (size_t i = 0; i < dbk_decision_count (d); i++)
        if (!strcmp (dbk_decision_stream (d, i), stream))
            cr_assert_eq (contacts_account_evolve (st, dbk_decision_type (d, i), payload (i)), 0);
}

static inline void fold_contact (contacts_contact_t *st)
{
    for (size_t i = 0; i < dbk_decision_count (d); i++)
        cr_assert_eq (contacts_contact_evolve (st, dbk_decision_type (d, i), payload (i)), 0);
}

/*  Given: a registered account (folded into st), decision emptied. */
static inline void given_account (contacts_account_t *st, const char *id, const char *json)
{
    char stream[100];
    snprintf (stream, sizeof stream, "account-%s", id);
    cr_assert_eq (contacts_account_register (d, st, id, cmd (json), NULL), 0, "%s",
                  dbk_decision_message (d));
    fold_account (st, stream);
    dbk_decision_reset (d);
}

static inline void given_acme (void)
{
    given_account (&acme, "a1",
                   "{\"name\":\"ACME Co., Ltd.\",\"type\":\"owner\",\"city\":\"上海\"}");
}

static inline void given_other (void)
{
    given_account (&other, "a2", "{\"name\":\"上海建工集团\",\"type\":\"general_contractor\"}");
}

static inline void given_archived (contacts_account_t *st)
{
    cr_assert_eq (contacts_account_archive (d, st, cmd ("{}")), 0);
    fold_account (st, dbk_decision_stream (d, 0));
    dbk_decision_reset (d);
}

static inline void given_merged (contacts_account_t *merged, contacts_account_t *survivor)
{
    char json[200];
    snprintf (json, sizeof json, "{\"into\":\"%s\"}", survivor->id);
    cr_assert_eq (contacts_account_merge (d, merged, survivor, cmd (json)), 0, "%s",
                  dbk_decision_message (d));
    fold_account (merged, dbk_decision_stream (d, 0));
    fold_account (survivor, dbk_decision_stream (d, 1));
    dbk_decision_reset (d);
}

/*  What the shell knows when the named account exists and is active. */
#define s_active (*s_active_facts ())
static inline const contacts_contact_facts_t *s_active_facts (void)
{
    static const contacts_contact_facts_t facts = {CONTACTS_REF_ACTIVE, NULL, NULL, NULL};
    return &facts;
}

static inline void given_contact (void)
{
    cr_assert_eq (contacts_contact_add (d, &li, "c1",
                                        cmd ("{\"name\":\"李明\",\"account_id\":\"a1\","
                                             "\"level\":\"decision\",\"influence\":4}"),
                                        &s_active),
                  0, "%s", dbk_decision_message (d));
    fold_contact (&li);
    dbk_decision_reset (d);
}

/*  The shell's read model, as the lookups see it: a1 active, a2 archived,
    a3 merged into a1; contacts c1 and c2. */
static inline contacts_ref_status_t given_account_ref (void *ctx, const char *id, const char **into)
{
    (void) ctx;
    if (!strcmp (id, "a1"))
        return CONTACTS_REF_ACTIVE;
    if (!strcmp (id, "a2"))
        return CONTACTS_REF_ARCHIVED;
    if (!strcmp (id, "a3")) {
        *into = "a1";
        return CONTACTS_REF_MERGED;
    }
    return CONTACTS_REF_MISSING;
}

static inline contacts_ref_status_t given_contact_ref (void *ctx, const char *id)
{
    (void) ctx;
    return !strcmp (id, "c1") || !strcmp (id, "c2") ? CONTACTS_REF_ACTIVE : CONTACTS_REF_MISSING;
}

static inline const contacts_lookup_t *given_lookups (void)
{
    static const contacts_lookup_t model = {given_account_ref, given_contact_ref, NULL, NULL};
    return &model;
}
#define given_model (*given_lookups ())

#endif
