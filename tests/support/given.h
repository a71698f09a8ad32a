/*  given.h - the part of the Given-When-Then fixtures that every decider
    suite shares (opp_given.h, bid_given.h, fc_given.h, contacts_given.h
    include it): one decision `d`, a pool of parsed documents freed at the
    end of each test, commands and payloads parsed into that pool, and the
    Then checks on the decision. Header-only (static inline) because the
    Makefile links tests/support/testlib.c only.

    The including fixture may define S_POOL (the pool's size) first; its
    s_setup must create `d` and its s_teardown call given_teardown ().
*/
#ifndef GIVEN_H
#define GIVEN_H

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_json.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef S_POOL
#define S_POOL 128
#endif
static dbk_doc_t *s_docs[S_POOL];
static size_t s_ndocs;
static dbk_decision_t *d;

/*  Free the parsed commands and payloads. */
static inline void s_flush (void)
{
    for (size_t i = 0; i < s_ndocs; i++)
        dbk_doc_destroy (&s_docs[i]);
    s_ndocs = 0;
}

/*  The end of a test: the pool freed, the decision destroyed. */
static inline void given_teardown (void)
{
    s_flush ();
    dbk_decision_destroy (&d);
}

static inline const dbk_obj_t *s_keep (const void *data, size_t len)
{
    cr_assert_lt (s_ndocs, S_POOL);
    int rc = dbk_doc_parse (data, len, &s_docs[s_ndocs]);
    cr_assert_eq (rc, 0, "%s", dbk_strerror (rc));
    return dbk_doc_root (s_docs[s_ndocs++]);
}

/*  A command's fields (or an event's payload) from JSON; valid until the
    test ends. */
static inline const dbk_obj_t *cmd (const char *json)
{
    dbk_wr_t *w = dbk_wr_new ();
    char err[200];
    cr_assert_eq (dbk_json_to_mp (json, strlen (json), w, err, sizeof err), 0, "%s: %s", err, json);
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

static inline void then_accepted (size_t events)
{
    cr_assert_not (dbk_decision_rejected (d), "rejected: %s (%s)", dbk_decision_message (d),
                   dbk_decision_field (d) ? dbk_decision_field (d) : "-");
    cr_assert_eq (dbk_decision_count (d), events, "%zu events", dbk_decision_count (d));
}

static inline void then_rejected (int code, const char *field)
{
    cr_assert (dbk_decision_rejected (d), "accepted, expected %s on %s", dbk_strerror (code),
               field ? field : "-");
    cr_assert_eq (dbk_decision_code (d), code, "%s: %s (%s)", dbk_strerror (dbk_decision_code (d)),
                  dbk_decision_message (d), dbk_decision_field (d) ? dbk_decision_field (d) : "-");
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

static inline bool has_int (const dbk_obj_t *o, const char *key, int64_t want)
{
    int64_t v;
    return dbk_obj_i64 (dbk_obj_get (o, key), &v) == 0 && v == want;
}

static inline bool has_bool (const dbk_obj_t *o, const char *key, bool want)
{
    bool v;
    return dbk_obj_bool (dbk_obj_get (o, key), &v) == 0 && v == want;
}

#endif
