/*  contacts_given.h - the Given-When-Then fixture shared by the suites of
    the contacts deciders (test_contacts_decider.c, test_contacts_people.c):
    one decision, aggregate states, and a pool of parsed documents freed at
    the end of each test. Header-only (static inline) because the Makefile
    links tests/support/testlib.c only.
*/
#ifndef CONTACTS_GIVEN_H
#define CONTACTS_GIVEN_H

#include "contacts_decider.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_json.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  ---- fixture: a decision, states, and a pool of parsed documents ---- */

#define S_POOL 64
static dbk_doc_t *s_docs[S_POOL];
static size_t s_ndocs;
static dbk_decision_t *d;
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
    for (size_t i = 0; i < s_ndocs; i++)
        dbk_doc_destroy (&s_docs[i]);
    s_ndocs = 0;
    dbk_decision_destroy (&d);
    contacts_account_reset (&acme);
    contacts_account_reset (&other);
    contacts_contact_reset (&li);
    contacts_competitor_reset (&rival);
    contacts_activity_reset (&act);
}

static inline const dbk_obj_t *s_keep (const void *data, size_t len)
{
    cr_assert_lt (s_ndocs, S_POOL);
    int rc = dbk_doc_parse (data, len, &s_docs[s_ndocs]);
    cr_assert_eq (rc, 0, "%s", dbk_strerror (rc));
    return dbk_doc_root (s_docs[s_ndocs++]);
}

/*  A command's fields from JSON; valid until the test ends. */
static inline const dbk_obj_t *cmd (const char *json)
{
    dbk_wr_t *w = dbk_wr_new ();
    char err[200];
    cr_assert_eq (dbk_json_to_mp (json, strlen (json), w, err, sizeof err), 0, "%s", err);
    const dbk_obj_t *o = s_keep (dbk_wr_data (w), dbk_wr_size (w));
    dbk_wr_destroy (&w);
    return o;
}

/*  Payload of decided event i; valid until the test ends. */
static inline const dbk_obj_t *payload (size_t i)
{
    const void *data;
    size_t len;
    cr_assert_lt (i, dbk_decision_count (d));
    dbk_decision_data (d, i, &data, &len);
    return s_keep (data, len);
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

static inline void then_accepted (size_t events)
{
    cr_assert_not (dbk_decision_rejected (d), "rejected: %s (%s)", dbk_decision_message (d),
                   dbk_decision_field (d) ? dbk_decision_field (d) : "-");
    cr_assert_eq (dbk_decision_count (d), events);
}

static inline void then_rejected (int code, const char *field)
{
    cr_assert (dbk_decision_rejected (d), "accepted, expected %s on %s", dbk_strerror (code),
               field ? field : "-");
    cr_assert_eq (dbk_decision_code (d), code, "%s: %s", dbk_strerror (dbk_decision_code (d)),
                  dbk_decision_message (d));
    if (field)
        cr_assert_str_eq (dbk_decision_field (d) ? dbk_decision_field (d) : "", field, "%s",
                          dbk_decision_message (d));
    cr_assert_eq (dbk_decision_count (d), 0, "a rejection decides no events");
    cr_assert_gt (strlen (dbk_decision_message (d)), 10, "a sentence for the user");
}

static inline void then_message_mentions (const char *s)
{
    cr_assert (strstr (dbk_decision_message (d), s), "'%s' not in: %s", s,
               dbk_decision_message (d));
}

static inline void then_event (size_t i, const char *stream, const char *type)
{
    cr_assert_str_eq (dbk_decision_stream (d, i), stream);
    cr_assert_str_eq (dbk_decision_type (d, i), type);
}

static inline bool has_str (const dbk_obj_t *o, const char *key, const char *want)
{
    return dbk_obj_str_eq (dbk_obj_get (o, key), want);
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
    static const contacts_contact_facts_t facts = {CONTACTS_REF_ACTIVE, NULL};
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

#endif
