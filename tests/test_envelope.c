/*  test_envelope.c - the proposed event (APPEND), the stored record and
    its hash chain (dbk_event.h), tested as specifications through the
    public API. UUIDv7 ids: test_uuid.c.
*/
#include "support/codec_given.h"

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_proto.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  ================= the proposed event (APPEND) ================= */

static const uint8_t s_id[DBK_ID_SIZE] = {0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, 0x7a, 0xbc,
                                          0x8d, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab};
static const uint8_t s_corr[DBK_ID_SIZE] = {0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, 0x70, 0x00,
                                            0x80, 0x00, 0,    0,    0,    0,    0,    0x42};
static const char *const s_fields[] = {"id",   "type",  "at",     "actor",
                                       "corr", "cause", "schema", "data"};
#define S_NFIELDS (sizeof s_fields / sizeof s_fields[0])

static void s_good_value (dbk_wr_t *w, const char *key)
{
    if (!strcmp (key, "id"))
        dbk_wr_bin (w, s_id, DBK_ID_SIZE);
    else if (!strcmp (key, "type"))
        dbk_wr_cstr (w, "opportunity.level_changed");
    else if (!strcmp (key, "at"))
        dbk_wr_i64 (w, 1700000000123);
    else if (!strcmp (key, "actor"))
        dbk_wr_cstr (w, "user:alice");
    else if (!strcmp (key, "corr"))
        dbk_wr_bin (w, s_corr, DBK_ID_SIZE);
    else if (!strcmp (key, "cause"))
        dbk_wr_nil (w);
    else if (!strcmp (key, "schema"))
        dbk_wr_u64 (w, 3);
    else {
        dbk_wr_map (w, 2);
        dbk_wr_kv_cstr (w, "level", "B");
        dbk_wr_cstr (w, "tags");
        dbk_wr_array (w, 1);
        dbk_wr_cstr (w, "风电");
    }
}

/*  A proposed event: the good fields except `omit`, with `key` set to the
    encoded value `val` (replacing a good field or added at the end). */
static dbk_doc_t *s_proposed_doc (const char *omit, const char *key, const void *val, size_t len)
{
    dbk_wr_t *w = dbk_wr_new ();
    uint32_t n = 0;
    bool replaced = false;
    for (size_t i = 0; i < S_NFIELDS; i++) {
        if (omit && !strcmp (omit, s_fields[i]))
            continue;
        n++;
        replaced |= key && !strcmp (key, s_fields[i]);
    }
    dbk_wr_map (w, n + (key && !replaced));
    for (size_t i = 0; i < S_NFIELDS; i++) {
        if (omit && !strcmp (omit, s_fields[i]))
            continue;
        dbk_wr_cstr (w, s_fields[i]);
        if (key && !strcmp (key, s_fields[i]))
            dbk_wr_raw (w, val, len);
        else
            s_good_value (w, s_fields[i]);
    }
    if (key && !replaced) {
        dbk_wr_cstr (w, key);
        dbk_wr_raw (w, val, len);
    }
    dbk_doc_t *doc = s_parse_wr (w);
    dbk_wr_destroy (&w);
    return doc;
}

static void s_reject (const char *omit, const char *key, const void *val, size_t len, int want,
                      const char *want_field)
{
    dbk_doc_t *doc = s_proposed_doc (omit, key, val, len);
    dbk_event_t ev;
    const char *field = NULL;
    int rc = dbk_event_from_proposed (dbk_doc_root (doc), &ev, &field);
    cr_assert_eq (rc, want, "%s%s: got %s, want %s", omit ? "without " : "set ", omit ? omit : key,
                  dbk_strerror (rc), dbk_strerror (want));
    cr_assert_not_null (field);
    cr_assert_str_eq (field, want_field);
    dbk_doc_destroy (&doc);
}

/*  Reject with `key` set to the str `s`. */
static void s_reject_str (const char *key, const char *s, size_t n, int want, const char *field)
{
    dbk_wr_t *v = dbk_wr_new ();
    dbk_wr_str (v, s, n);
    s_reject (NULL, key, dbk_wr_data (v), dbk_wr_size (v), want, field);
    dbk_wr_destroy (&v);
}

Test (envelope, a_good_proposed_event_is_accepted_with_every_field)
{
    dbk_doc_t *doc = s_proposed_doc (NULL, NULL, NULL, 0);
    dbk_event_t ev;
    const char *field = NULL;
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, &field), 0);
    cr_assert_eq (memcmp (ev.id, s_id, DBK_ID_SIZE), 0);
    cr_assert (ev.type_len == strlen ("opportunity.level_changed") &&
               memcmp (ev.type, "opportunity.level_changed", ev.type_len) == 0);
    cr_assert_eq (ev.at, 1700000000123);
    cr_assert (ev.actor_len == 10 && memcmp (ev.actor, "user:alice", 10) == 0);
    cr_assert (ev.has_corr);
    cr_assert_eq (memcmp (ev.corr, s_corr, DBK_ID_SIZE), 0);
    cr_assert_not (ev.has_cause, "cause nil");
    cr_assert_eq (ev.schema, 3);
    cr_assert_eq (dbk_obj_type (ev.data), DBK_T_MAP);
    cr_assert (dbk_obj_str_eq (dbk_obj_get (ev.data, "level"), "B"));
    cr_assert_null (ev.data_raw);
    dbk_doc_destroy (&doc);
}

Test (envelope, optional_fields_take_their_defaults)
{
    /*  only id, type, actor */
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 3);
    dbk_wr_cstr (w, "id");
    dbk_wr_bin (w, s_id, DBK_ID_SIZE);
    dbk_wr_kv_cstr (w, "type", "account.registered");
    dbk_wr_kv_cstr (w, "actor", "svc:contacts");
    dbk_doc_t *doc = s_parse_wr (w);
    dbk_event_t ev;
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, NULL), 0);
    cr_assert_eq (ev.at, INT64_MIN, "not given: the log uses ts");
    cr_assert_eq (ev.schema, 1);
    cr_assert_not (ev.has_corr);
    cr_assert_not (ev.has_cause);
    cr_assert_null (ev.data);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}

Test (envelope, boundary_values_are_accepted)
{
    char actor[DBK_ACTOR_MAX];
    memset (actor, 'a', sizeof actor);
    char type[DBK_TYPE_MAX];
    memset (type, 'x', sizeof type);
    type[0] = 'a', type[1] = '.';
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 6);
    dbk_wr_cstr (w, "id");
    dbk_wr_bin (w, s_id, DBK_ID_SIZE);
    dbk_wr_cstr (w, "type");
    dbk_wr_str (w, type, sizeof type);
    dbk_wr_cstr (w, "actor");
    dbk_wr_str (w, actor, sizeof actor);
    dbk_wr_kv_u64 (w, "schema", 65535);
    dbk_wr_kv_i64 (w, "at", 0); /* 1970-01-01T00:00:00.000Z, the first */
    dbk_wr_cstr (w, "cause");
    dbk_wr_bin (w, s_corr, DBK_ID_SIZE);
    dbk_doc_t *doc = s_parse_wr (w);
    dbk_event_t ev;
    const char *field = NULL;
    int rc = dbk_event_from_proposed (dbk_doc_root (doc), &ev, &field);
    cr_assert_eq (rc, 0, "%s: %s", dbk_strerror (rc), field);
    cr_assert_eq (ev.actor_len, DBK_ACTOR_MAX);
    cr_assert_eq (ev.type_len, DBK_TYPE_MAX);
    cr_assert_eq (ev.schema, 65535);
    cr_assert_eq (ev.at, 0);
    cr_assert (ev.has_cause);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}

Test (envelope, missing_id_type_or_actor_is_invalid_and_named)
{
    s_reject ("id", NULL, NULL, 0, DBK_EINVAL, "id");
    s_reject ("type", NULL, NULL, 0, DBK_EINVAL, "type");
    s_reject ("actor", NULL, NULL, 0, DBK_EINVAL, "actor");
}

Test (envelope, id_must_be_16_bytes_of_bin)
{
    s_reject (NULL, "id", MP (0xc4, 15, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
              DBK_EINVAL, "id");
    s_reject (NULL, "id", MP (0xc4, 17, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17),
              DBK_EINVAL, "id");
    s_reject (NULL, "id", MP (0xc4, 0), DBK_EINVAL, "id");
    s_reject_str ("id", "0123456789abcdef", 16, DBK_EINVAL, "id");
    s_reject (NULL, "id", MP (0xc0), DBK_EINVAL, "id");
}

Test (envelope, corr_and_cause_are_nil_or_16_bytes)
{
    s_reject (NULL, "corr", MP (0xc4, 8, 1, 2, 3, 4, 5, 6, 7, 8), DBK_EINVAL, "corr");
    s_reject (NULL, "cause", MP (0x01), DBK_EINVAL, "cause");
    s_reject_str ("cause", "018bcfe5-6800-7abc-8def-0123456789ab", 36, DBK_EINVAL, "cause");
}

Test (envelope, bad_type_names_are_invalid)
{
    static const char *const bad[] = {"",
                                      "account",
                                      "account.",
                                      ".registered",
                                      "Account.registered",
                                      "account.Registered",
                                      "1account.registered",
                                      "account.1registered",
                                      "account..registered",
                                      "account.level.",
                                      "acc-ount.registered",
                                      "account.regis tered",
                                      "account.régistered",
                                      "_account.registered"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_not (dbk_type_name_valid (bad[i], strlen (bad[i])), "%s", bad[i]);
        s_reject_str ("type", bad[i], strlen (bad[i]), DBK_EINVAL, "type");
    }
    s_reject (NULL, "type", MP (0x01), DBK_EINVAL, "type");
    char longtype[DBK_TYPE_MAX + 1];
    memset (longtype, 'x', sizeof longtype);
    longtype[0] = 'a', longtype[1] = '.';
    cr_assert_not (dbk_type_name_valid (longtype, sizeof longtype));
    s_reject_str ("type", longtype, sizeof longtype, DBK_ETOOBIG, "type");
}

Test (envelope, good_type_names_are_valid)
{
    static const char *const good[] = {
        "account.registered",        "opportunity.level_changed", "a.b",
        "contract.payment_received", "quote2.v2.approved",        "tender.step.recorded_1"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_assert (dbk_type_name_valid (good[i], strlen (good[i])), "%s", good[i]);
}

Test (envelope, stream_names_follow_category_dash_id)
{
    static const char *const good[] = {"opportunity-0193a1b2", "a-b",         "account-ACME_GmbH",
                                       "quota-2025-Q1",        "contact-zoë", "account-风电",
                                       "tender_2-x.y:z"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_assert (dbk_stream_name_valid (good[i], strlen (good[i])), "%s", good[i]);
    static const char *const bad[] = {"",
                                      "account",
                                      "-0193",
                                      "account-",
                                      "Account-1",
                                      "1account-1",
                                      "acc ount-1",
                                      "account-a b",
                                      "account-a\tb",
                                      "account-\x7f",
                                      "account-\x01",
                                      "_a-1",
                                      "account-\xc3",
                                      "account-a\xc2\x85"
                                      "b" /* C1 control U+0085 */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not (dbk_stream_name_valid (bad[i], strlen (bad[i])), "%s", bad[i]);
    char name[DBK_STREAM_MAX + 1];
    memset (name, 'x', sizeof name);
    memcpy (name, "account-", 8);
    cr_assert (dbk_stream_name_valid (name, DBK_STREAM_MAX));
    cr_assert_not (dbk_stream_name_valid (name, DBK_STREAM_MAX + 1));
}

Test (envelope, keys_the_log_sets_are_refused)
{
    static const char *const log_keys[] = {"seq", "ver", "ts", "stream", "prev", "hash"};
    for (size_t i = 0; i < sizeof log_keys / sizeof log_keys[0]; i++)
        s_reject (NULL, log_keys[i], MP (0x01), DBK_EINVAL, "event");
    s_reject (NULL, "colour", MP (0xa3, 'r', 'e', 'd'), DBK_EINVAL, "event");
}

Test (envelope, a_non_map_or_non_str_key_or_duplicate_key_is_refused)
{
    dbk_event_t ev;
    const char *field = NULL;
    dbk_doc_t *doc = s_parse (MP (0x91, 0x01));
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, &field), DBK_EINVAL);
    cr_assert_str_eq (field, "event");
    dbk_doc_destroy (&doc);
    cr_assert_eq (dbk_event_from_proposed (NULL, &ev, &field), DBK_EINVAL);

    /*  {id, 1: 1, ...good fields}: a non-str key, named as "event" (not
        as the key before it) */
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 4);
    dbk_wr_cstr (w, "id");
    dbk_wr_bin (w, s_id, DBK_ID_SIZE);
    dbk_wr_u64 (w, 1);
    dbk_wr_u64 (w, 1);
    dbk_wr_kv_cstr (w, "type", "a.b");
    dbk_wr_kv_cstr (w, "actor", "me");
    doc = s_parse_wr (w);
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, &field), DBK_EINVAL);
    cr_assert_str_eq (field, "event");
    dbk_doc_destroy (&doc);

    /*  "actor" twice */
    dbk_wr_reset (w);
    dbk_wr_map (w, 4);
    dbk_wr_cstr (w, "id");
    dbk_wr_bin (w, s_id, DBK_ID_SIZE);
    dbk_wr_kv_cstr (w, "type", "a.b");
    dbk_wr_kv_cstr (w, "actor", "me");
    dbk_wr_kv_cstr (w, "actor", "someone else");
    doc = s_parse_wr (w);
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, &field), DBK_EINVAL);
    cr_assert_str_eq (field, "event");
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}

Test (envelope, data_must_be_a_map_with_str_keys_everywhere)
{
    s_reject (NULL, "data", MP (0x91, 0x01), DBK_EINVAL, "data");
    s_reject (NULL, "data", MP (0xa1, 'x'), DBK_EINVAL, "data");
    s_reject (NULL, "data", MP (0xc0), DBK_EINVAL, "data");
    s_reject (NULL, "data", MP (0x07), DBK_EINVAL, "data");
    /*  {1: "x"} */
    s_reject (NULL, "data", MP (0x81, 0x01, 0xa1, 'x'), DBK_EINVAL, "data");
    /*  {"a": {true: nil}} */
    s_reject (NULL, "data", MP (0x81, 0xa1, 'a', 0x81, 0xc3, 0xc0), DBK_EINVAL, "data");
    /*  {"a": [1, {bin: 1}]} */
    s_reject (NULL, "data", MP (0x81, 0xa1, 'a', 0x92, 0x01, 0x81, 0xc4, 1, 'k', 0x01), DBK_EINVAL,
              "data");
    /*  {"a": 1, "a": 2} and a duplicate deeper down */
    s_reject (NULL, "data", MP (0x82, 0xa1, 'a', 0x01, 0xa1, 'a', 0x02), DBK_EINVAL, "data");
    s_reject (NULL, "data", MP (0x81, 0xa1, 'a', 0x91, 0x82, 0xa1, 'b', 0x01, 0xa1, 'b', 0x02),
              DBK_EINVAL, "data");
    /*  but an empty map and nested str-keyed maps are fine */
    dbk_doc_t *doc =
        s_proposed_doc (NULL, "data", MP (0x81, 0xa1, 'a', 0x91, 0x81, 0xa1, 'b', 0x80));
    dbk_event_t ev;
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, NULL), 0);
    dbk_doc_destroy (&doc);
    doc = s_proposed_doc (NULL, "data", MP (0x80));
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, NULL), 0);
    dbk_doc_destroy (&doc);
}

Test (envelope, data_numbers_must_be_finite)
{
    /*  JSON has no NaN nor infinity: {"x": NaN}, {"x": +inf} (float64),
        {"x": [-inf]} (float32), deep in an array and a map */
    s_reject (NULL, "data", MP (0x81, 0xa1, 'x', 0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0), DBK_EINVAL,
              "data");
    s_reject (NULL, "data", MP (0x81, 0xa1, 'x', 0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0), DBK_EINVAL,
              "data");
    s_reject (NULL, "data", MP (0x81, 0xa1, 'x', 0x91, 0xca, 0xff, 0x80, 0, 0), DBK_EINVAL, "data");
    s_reject (NULL, "data", MP (0x81, 0xa1, 'x', 0x91, 0x81, 0xa1, 'y', 0xca, 0x7f, 0xc0, 0, 0),
              DBK_EINVAL, "data");
    /*  a finite float64 and float32, the largest finite float64 too */
    dbk_doc_t *doc =
        s_proposed_doc (NULL, "data",
                        MP (0x83, 0xa1, 'a', 0xcb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a,
                            0xa1, 'b', 0xca, 0x3d, 0xcc, 0xcc, 0xcd, 0xa1, 'c', 0xcb, 0x7f, 0xef,
                            0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    dbk_event_t ev;
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, NULL), 0);
    dbk_doc_destroy (&doc);
}

Test (envelope, schema_must_be_1_to_65535)
{
    s_reject (NULL, "schema", MP (0x00), DBK_EINVAL, "schema");
    s_reject (NULL, "schema", MP (0xce, 0, 1, 0, 0), DBK_EINVAL, "schema");
    s_reject (NULL, "schema", MP (0xff), DBK_EINVAL, "schema");
    s_reject (NULL, "schema", MP (0xa1, '1'), DBK_EINVAL, "schema");
}

Test (envelope, actor_must_be_a_nonempty_str_within_its_limit)
{
    char actor[DBK_ACTOR_MAX + 1];
    memset (actor, 'a', sizeof actor);
    s_reject_str ("actor", actor, sizeof actor, DBK_ETOOBIG, "actor");
    s_reject_str ("actor", "", 0, DBK_EINVAL, "actor");
    s_reject (NULL, "actor", MP (0xc4, 1, 'a'), DBK_EINVAL, "actor");
}

Test (envelope, at_must_be_an_int64)
{
    s_reject (NULL, "at", MP (0xa1, '1'), DBK_EINVAL, "at");
    s_reject (NULL, "at", MP (0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0), DBK_EINVAL, "at");
    s_reject (NULL, "at", MP (0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0), DBK_EINVAL, "at");
    s_reject (NULL, "at", MP (0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0), DBK_EINVAL, "at"); /* INT64_MIN */
}

Test (envelope, at_is_not_before_1970)
{
    /*  -1 and -34560000000 (1968-11-27): the log's clock starts at 0 */
    s_reject (NULL, "at", MP (0xff), DBK_EINVAL, "at");
    s_reject (NULL, "at", MP (0xd3, 0xff, 0xff, 0xff, 0xf7, 0xf4, 0x10, 0x40, 0x00), DBK_EINVAL,
              "at");
    /*  0 itself is the first ms */
    dbk_doc_t *doc = s_proposed_doc (NULL, "at", MP (0x00));
    dbk_event_t ev;
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, NULL), 0);
    cr_assert_eq (ev.at, 0);
    dbk_doc_destroy (&doc);
}

Test (envelope, write_proposed_round_trips)
{
    dbk_doc_t *doc = s_proposed_doc (NULL, NULL, NULL, 0);
    dbk_event_t ev;
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, NULL), 0);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_event_write_proposed (w, &ev);
    dbk_doc_t *again = s_parse_wr (w);
    dbk_event_t ev2;
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (again), &ev2, NULL), 0);
    cr_assert_eq (memcmp (ev2.id, ev.id, DBK_ID_SIZE), 0);
    cr_assert (ev2.type_len == ev.type_len && !memcmp (ev2.type, ev.type, ev.type_len));
    cr_assert (ev2.actor_len == ev.actor_len && !memcmp (ev2.actor, ev.actor, ev.actor_len));
    cr_assert_eq (ev2.at, ev.at);
    cr_assert_eq (ev2.schema, ev.schema);
    cr_assert (ev2.has_corr && !memcmp (ev2.corr, ev.corr, DBK_ID_SIZE));
    cr_assert_not (ev2.has_cause);
    cr_assert (dbk_obj_str_eq (dbk_obj_get (ev2.data, "level"), "B"));
    dbk_doc_destroy (&again);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}

/*  ================= the stored record and the hash chain ================= */

/*  A fully set event with payload {"amount": 320000000, "note": "é"}. */
static void s_full_event (dbk_event_t *ev, const dbk_wr_t *payload)
{
    memset (ev, 0, sizeof *ev);
    ev->seq = 42;
    ev->ver = 7;
    ev->ts = 1700000000999;
    ev->at = -5;
    ev->schema = 3;
    memcpy (ev->id, s_id, DBK_ID_SIZE);
    ev->has_corr = true;
    memcpy (ev->corr, s_corr, DBK_ID_SIZE);
    ev->has_cause = true;
    memset (ev->cause, 0xcc, DBK_ID_SIZE);
    ev->stream = "opportunity-0193a1b2";
    ev->stream_len = strlen (ev->stream);
    ev->type = "opportunity.level_changed";
    ev->type_len = strlen (ev->type);
    ev->actor = "user:alice";
    ev->actor_len = strlen (ev->actor);
    ev->data_raw = dbk_wr_data (payload);
    ev->data_raw_len = dbk_wr_size (payload);
}

static dbk_wr_t *s_payload (void)
{
    dbk_wr_t *p = dbk_wr_new ();
    dbk_wr_map (p, 2);
    dbk_wr_kv_u64 (p, "amount", 320000000);
    dbk_wr_kv_cstr (p, "note", "é");
    return p;
}

static void s_random_prev (uint8_t prev[DBK_HASH_SIZE])
{
    cr_assert_geq (sodium_init (), 0);
    randombytes_buf (prev, DBK_HASH_SIZE);
}

Test (record, every_field_round_trips)
{
    dbk_wr_t *payload = s_payload ();
    dbk_event_t ev;
    s_full_event (&ev, payload);
    uint8_t prev[DBK_HASH_SIZE];
    s_random_prev (prev);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_event_write_record (w, &ev, prev);
    cr_assert_eq (memcmp (ev.prev, prev, DBK_HASH_SIZE), 0, "write_record sets prev");
    const uint8_t *rec = dbk_wr_data (w);
    size_t len = dbk_wr_size (w);
    cr_assert_eq (rec[0], 0x8e, "a map of 14 pairs");
    cr_assert_eq (dbk_mp_check (rec, len, DBK_MP_MAX_DEPTH), 0);

    dbk_event_t d;
    cr_assert_eq (dbk_event_decode_record (rec, len, &d), 0);
    cr_assert_eq (d.seq, 42);
    cr_assert_eq (d.ver, 7);
    cr_assert_eq (d.ts, 1700000000999);
    cr_assert_eq (d.at, -5);
    cr_assert_eq (d.schema, 3);
    cr_assert_eq (memcmp (d.id, s_id, DBK_ID_SIZE), 0);
    cr_assert (d.has_corr && !memcmp (d.corr, s_corr, DBK_ID_SIZE));
    cr_assert (d.has_cause && !memcmp (d.cause, ev.cause, DBK_ID_SIZE));
    cr_assert (d.stream_len == ev.stream_len && !memcmp (d.stream, ev.stream, d.stream_len));
    cr_assert (d.type_len == ev.type_len && !memcmp (d.type, ev.type, d.type_len));
    cr_assert (d.actor_len == ev.actor_len && !memcmp (d.actor, ev.actor, d.actor_len));
    cr_assert_null (d.data);
    cr_assert_eq (d.data_raw_len, dbk_wr_size (payload));
    cr_assert_eq (memcmp (d.data_raw, dbk_wr_data (payload), d.data_raw_len), 0);
    cr_assert ((const uint8_t *) d.data_raw > rec && (const uint8_t *) d.data_raw < rec + len,
               "zero-copy: the payload points into the record");
    cr_assert_eq (memcmp (d.prev, prev, DBK_HASH_SIZE), 0);
    cr_assert_eq (memcmp (d.hash, ev.hash, DBK_HASH_SIZE), 0);

    uint64_t seq;
    const char *type;
    size_t type_len;
    cr_assert_eq (dbk_event_peek (rec, len, &seq, &type, &type_len), 0);
    cr_assert_eq (seq, 42);
    cr_assert (type_len == ev.type_len && !memcmp (type, ev.type, type_len));

    /*  the record is also an ordinary document with the 14 keys in order */
    static const char *const keys[14] = {"seq",    "id",   "stream", "ver",  "type",
                                         "ts",     "at",   "actor",  "corr", "cause",
                                         "schema", "data", "prev",   "hash"};
    dbk_doc_t *doc = s_parse (rec, len);
    for (size_t i = 0; i < 14; i++)
        cr_assert (dbk_obj_str_eq (dbk_obj_key_at (dbk_doc_root (doc), i), keys[i]), "%s", keys[i]);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&payload);
}

Test (record, absent_ids_and_parsed_or_missing_payloads_round_trip)
{
    dbk_wr_t *payload = s_payload ();
    dbk_doc_t *pdoc = s_parse_wr (payload);
    dbk_event_t ev;
    s_full_event (&ev, payload);
    ev.has_corr = ev.has_cause = false;
    ev.data_raw = NULL;
    ev.data_raw_len = 0;
    ev.data = dbk_doc_root (pdoc);
    uint8_t zero[DBK_HASH_SIZE] = {0};
    dbk_wr_t *w = dbk_wr_new ();
    dbk_event_write_record (w, &ev, zero);
    dbk_event_t d;
    cr_assert_eq (dbk_event_decode_record (dbk_wr_data (w), dbk_wr_size (w), &d), 0);
    cr_assert_not (d.has_corr);
    cr_assert_not (d.has_cause);
    cr_assert_eq (d.data_raw_len, dbk_wr_size (payload));
    cr_assert_eq (memcmp (d.data_raw, dbk_wr_data (payload), d.data_raw_len), 0);
    cr_assert_eq (dbk_event_check_record (dbk_wr_data (w), dbk_wr_size (w), zero), 0);

    /*  no payload at all: an empty map */
    ev.data = NULL;
    dbk_wr_reset (w);
    dbk_event_write_record (w, &ev, zero);
    cr_assert_eq (dbk_event_decode_record (dbk_wr_data (w), dbk_wr_size (w), &d), 0);
    cr_assert_eq (d.data_raw_len, 1);
    cr_assert_eq (((const uint8_t *) d.data_raw)[0], 0x80);
    dbk_doc_destroy (&pdoc);
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&payload);
}

Test (record, hash_is_blake2b_256_of_prev_0x8c_and_the_first_twelve_pairs)
{
    dbk_wr_t *payload = s_payload ();
    dbk_event_t ev;
    s_full_event (&ev, payload);
    uint8_t prev[DBK_HASH_SIZE];
    s_random_prev (prev);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_event_write_record (w, &ev, prev);
    const uint8_t *rec = dbk_wr_data (w);
    size_t len = dbk_wr_size (w);
    /*  the last 78 bytes: "prev" bin32, "hash" bin32 */
    size_t tail = 2 * (1 + 4 + 2 + DBK_HASH_SIZE);
    cr_assert_eq (tail, 78);
    size_t body = len - 1 - tail;
    uint8_t *buf = malloc (DBK_HASH_SIZE + 1 + body);
    memcpy (buf, prev, DBK_HASH_SIZE);
    buf[DBK_HASH_SIZE] = 0x8c;
    memcpy (buf + DBK_HASH_SIZE + 1, rec + 1, body);
    uint8_t want[DBK_HASH_SIZE];
    cr_assert_eq (crypto_generichash (want, sizeof want, buf, DBK_HASH_SIZE + 1 + body, NULL, 0),
                  0);
    cr_assert_eq (memcmp (ev.hash, want, DBK_HASH_SIZE), 0);
    cr_assert_eq (memcmp (rec + len - DBK_HASH_SIZE, want, DBK_HASH_SIZE), 0, "stored last");
    cr_assert_eq (memcmp (rec + len - tail, "\xa4prev\xc4\x20", 7), 0);
    cr_assert_eq (memcmp (rec + len - tail + 7, prev, DBK_HASH_SIZE), 0);
    cr_assert_eq (memcmp (rec + len - tail + 39, "\xa4hash\xc4\x20", 7), 0);
    /*  and the canonical bytes are themselves a 12-pair map */
    cr_assert_eq (dbk_mp_check (buf + DBK_HASH_SIZE, 1 + body, DBK_MP_MAX_DEPTH), 0);
    free (buf);
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&payload);
}

Test (record, check_accepts_a_good_record_and_a_chain)
{
    dbk_wr_t *payload = s_payload ();
    dbk_event_t ev;
    s_full_event (&ev, payload);
    uint8_t zero[DBK_HASH_SIZE] = {0};
    /*  two records written one after the other into one writer */
    dbk_wr_t *w = dbk_wr_new ();
    ev.seq = 1;
    dbk_event_write_record (w, &ev, zero);
    size_t len1 = dbk_wr_size (w);
    uint8_t h1[DBK_HASH_SIZE];
    memcpy (h1, ev.hash, DBK_HASH_SIZE);
    ev.seq = 2;
    ev.ver = 8;
    dbk_event_write_record (w, &ev, h1);
    const uint8_t *all = dbk_wr_data (w);
    size_t len2 = dbk_wr_size (w) - len1;
    cr_assert_eq (dbk_event_check_record (all, len1, zero), 0);
    cr_assert_eq (dbk_event_check_record (all + len1, len2, h1), 0);
    cr_assert_eq (dbk_event_check_record (all + len1, len2, zero), DBK_ECORRUPT);
    dbk_event_t d;
    cr_assert_eq (dbk_event_decode_record (all + len1, len2, &d), 0);
    cr_assert_eq (d.seq, 2);
    cr_assert_eq (memcmp (d.prev, h1, DBK_HASH_SIZE), 0);
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&payload);
}

Test (record, check_detects_any_single_flipped_byte)
{
    dbk_wr_t *payload = s_payload ();
    dbk_event_t ev;
    s_full_event (&ev, payload);
    uint8_t prev[DBK_HASH_SIZE];
    s_random_prev (prev);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_event_write_record (w, &ev, prev);
    size_t len = dbk_wr_size (w);
    uint8_t *copy = malloc (len);
    static const uint8_t masks[] = {0x01, 0x80, 0xff};
    for (size_t i = 0; i < len; i++)
        for (size_t m = 0; m < sizeof masks; m++) {
            memcpy (copy, dbk_wr_data (w), len);
            copy[i] ^= masks[m];
            cr_assert_eq (dbk_event_check_record (copy, len, prev), DBK_ECORRUPT,
                          "byte %zu of %zu ^ 0x%02x went unnoticed", i, len, masks[m]);
        }
    memcpy (copy, dbk_wr_data (w), len);
    cr_assert_eq (dbk_event_check_record (copy, len, prev), 0);
    free (copy);
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&payload);
}

Test (record, check_detects_a_wrong_prev_and_a_cut_record)
{
    dbk_wr_t *payload = s_payload ();
    dbk_event_t ev;
    s_full_event (&ev, payload);
    uint8_t prev[DBK_HASH_SIZE];
    s_random_prev (prev);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_event_write_record (w, &ev, prev);
    const uint8_t *rec = dbk_wr_data (w);
    size_t len = dbk_wr_size (w);
    for (size_t i = 0; i < DBK_HASH_SIZE; i++) {
        uint8_t wrong[DBK_HASH_SIZE];
        memcpy (wrong, prev, DBK_HASH_SIZE);
        wrong[i] ^= 0x10;
        cr_assert_eq (dbk_event_check_record (rec, len, wrong), DBK_ECORRUPT);
    }
    uint8_t zero[DBK_HASH_SIZE] = {0};
    cr_assert_eq (dbk_event_check_record (rec, len, zero), DBK_ECORRUPT);
    cr_assert_eq (dbk_event_check_record (rec, len, ev.hash), DBK_ECORRUPT);
    for (size_t n = 0; n < len; n++)
        cr_assert_eq (dbk_event_check_record (rec, n, prev), DBK_ECORRUPT, "cut to %zu", n);
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&payload);
}

Test (record, decode_refuses_cut_extended_or_reordered_records)
{
    dbk_wr_t *payload = s_payload ();
    dbk_event_t ev, d;
    s_full_event (&ev, payload);
    uint8_t zero[DBK_HASH_SIZE] = {0};
    dbk_wr_t *w = dbk_wr_new ();
    dbk_event_write_record (w, &ev, zero);
    size_t len = dbk_wr_size (w);
    uint8_t *copy = malloc (len + 1);
    memcpy (copy, dbk_wr_data (w), len);
    for (size_t n = 0; n < len; n++)
        cr_assert_eq (dbk_event_decode_record (copy, n, &d), DBK_EMALFORMED, "cut to %zu", n);
    copy[len] = 0xc0;
    cr_assert_eq (dbk_event_decode_record (copy, len + 1, &d), DBK_EMALFORMED, "trailing byte");
    copy[2] = 'S'; /* "seq" -> "Seq" */
    cr_assert_eq (dbk_event_decode_record (copy, len, &d), DBK_EMALFORMED);
    free (copy);

    /*  seq 0 and ver 0 do not exist */
    ev.seq = 0;
    dbk_wr_reset (w);
    dbk_event_write_record (w, &ev, zero);
    cr_assert_eq (dbk_event_decode_record (dbk_wr_data (w), dbk_wr_size (w), &d), DBK_EMALFORMED);
    ev.seq = 1;
    ev.ver = 0;
    dbk_wr_reset (w);
    dbk_event_write_record (w, &ev, zero);
    cr_assert_eq (dbk_event_decode_record (dbk_wr_data (w), dbk_wr_size (w), &d), DBK_EMALFORMED);
    /*  data that is not a map */
    ev.ver = 1;
    ev.data_raw = (const uint8_t[]){0x91, 0x01};
    ev.data_raw_len = 2;
    dbk_wr_reset (w);
    dbk_event_write_record (w, &ev, zero);
    cr_assert_eq (dbk_event_decode_record (dbk_wr_data (w), dbk_wr_size (w), &d), DBK_EMALFORMED);
    /*  a proposed event is not a record */
    dbk_doc_t *doc = s_proposed_doc (NULL, NULL, NULL, 0);
    dbk_event_t p;
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &p, NULL), 0);
    dbk_wr_reset (w);
    dbk_event_write_proposed (w, &p);
    cr_assert_eq (dbk_event_decode_record (dbk_wr_data (w), dbk_wr_size (w), &d), DBK_EMALFORMED);
    uint64_t seq;
    const char *type;
    size_t type_len;
    cr_assert_eq (dbk_event_peek (dbk_wr_data (w), dbk_wr_size (w), &seq, &type, &type_len),
                  DBK_EMALFORMED);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&payload);
}

/*  A record's pairs in wider headers than dbk_event_write_record's (map16,
    str8 keys, uint64 / int64, str16, bin16): the decoder reads the
    written forms in a fast path, and must read any other form exactly as
    the general cursor does. These take its fallbacks for the map, the
    keys, the strings, the bins and the int64s. */
static size_t s_be_put (uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t) (v >> (8 * (n - 1 - i)));
    return (size_t) n;
}

static size_t s_wide_key (uint8_t *p, const char *k)
{
    size_t n = strlen (k);
    p[0] = 0xd9;
    p[1] = (uint8_t) n;
    memcpy (p + 2, k, n);
    return n + 2;
}

static size_t s_wide_str (uint8_t *p, const char *s, size_t n)
{
    p[0] = 0xda;
    s_be_put (p + 1, n, 2);
    memcpy (p + 3, s, n);
    return n + 3;
}

static size_t s_wide_bin (uint8_t *p, const uint8_t *b, size_t n)
{
    p[0] = 0xc5;
    s_be_put (p + 1, n, 2);
    memcpy (p + 3, b, n);
    return n + 3;
}

static size_t s_wide_u64 (uint8_t *p, uint64_t v)
{
    p[0] = 0xcf;
    return 1 + s_be_put (p + 1, v, 8);
}

static size_t s_wide_i64 (uint8_t *p, int64_t v)
{
    p[0] = 0xd3;
    return 1 + s_be_put (p + 1, (uint64_t) v, 8);
}

Test (record, wide_encodings_decode_as_the_shortest)
{
    dbk_wr_t *payload = s_payload ();
    dbk_event_t ev, narrow, wide;
    s_full_event (&ev, payload);
    uint8_t prev[DBK_HASH_SIZE];
    s_random_prev (prev);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_event_write_record (w, &ev, prev);
    cr_assert_eq (dbk_event_decode_record (dbk_wr_data (w), dbk_wr_size (w), &narrow), 0);

    uint8_t rec[1024];
    size_t n = 0;
    rec[n++] = 0xde;
    n += s_be_put (rec + n, 14, 2);
    n += s_wide_key (rec + n, "seq"), n += s_wide_u64 (rec + n, ev.seq);
    n += s_wide_key (rec + n, "id"), n += s_wide_bin (rec + n, ev.id, DBK_ID_SIZE);
    n += s_wide_key (rec + n, "stream"), n += s_wide_str (rec + n, ev.stream, ev.stream_len);
    n += s_wide_key (rec + n, "ver"), n += s_wide_u64 (rec + n, ev.ver);
    n += s_wide_key (rec + n, "type"), n += s_wide_str (rec + n, ev.type, ev.type_len);
    n += s_wide_key (rec + n, "ts"), n += s_wide_i64 (rec + n, ev.ts);
    n += s_wide_key (rec + n, "at"), n += s_wide_i64 (rec + n, ev.at);
    n += s_wide_key (rec + n, "actor"), n += s_wide_str (rec + n, ev.actor, ev.actor_len);
    n += s_wide_key (rec + n, "corr"), n += s_wide_bin (rec + n, ev.corr, DBK_ID_SIZE);
    n += s_wide_key (rec + n, "cause"), n += s_wide_bin (rec + n, ev.cause, DBK_ID_SIZE);
    n += s_wide_key (rec + n, "schema"), n += s_wide_u64 (rec + n, ev.schema);
    n += s_wide_key (rec + n, "data");
    memcpy (rec + n, ev.data_raw, ev.data_raw_len), n += ev.data_raw_len;
    n += s_wide_key (rec + n, "prev"), n += s_wide_bin (rec + n, narrow.prev, DBK_HASH_SIZE);
    n += s_wide_key (rec + n, "hash"), n += s_wide_bin (rec + n, narrow.hash, DBK_HASH_SIZE);
    cr_assert_eq (dbk_mp_check (rec, n, 0), 0);
    cr_assert_eq (dbk_event_decode_record (rec, n, &wide), 0);
    cr_assert_eq (wide.seq, ev.seq);
    cr_assert_eq (wide.ver, ev.ver);
    cr_assert_eq (wide.ts, ev.ts);
    cr_assert_eq (wide.at, ev.at);
    cr_assert_eq (wide.schema, ev.schema);
    cr_assert_eq (memcmp (wide.id, ev.id, DBK_ID_SIZE), 0);
    cr_assert (wide.has_corr && wide.has_cause);
    cr_assert_eq (memcmp (wide.corr, ev.corr, DBK_ID_SIZE), 0);
    cr_assert_eq (memcmp (wide.cause, ev.cause, DBK_ID_SIZE), 0);
    cr_assert_eq (wide.stream_len, ev.stream_len);
    cr_assert_eq (memcmp (wide.stream, ev.stream, ev.stream_len), 0);
    cr_assert_eq (wide.type_len, ev.type_len);
    cr_assert_eq (memcmp (wide.type, ev.type, ev.type_len), 0);
    cr_assert_eq (wide.actor_len, ev.actor_len);
    cr_assert_eq (memcmp (wide.actor, ev.actor, ev.actor_len), 0);
    cr_assert_eq (wide.data_raw_len, ev.data_raw_len);
    cr_assert_eq (memcmp (wide.data_raw, ev.data_raw, ev.data_raw_len), 0);
    cr_assert_eq (memcmp (wide.prev, narrow.prev, DBK_HASH_SIZE), 0);
    cr_assert_eq (memcmp (wide.hash, narrow.hash, DBK_HASH_SIZE), 0);
    uint64_t seq;
    const char *type;
    size_t tl;
    cr_assert_eq (dbk_event_peek (rec, n, &seq, &type, &tl), 0);
    cr_assert_eq (seq, ev.seq);
    cr_assert_eq (tl, ev.type_len);
    /*  cut anywhere, it is refused like the short form */
    for (size_t k = 0; k < n; k++)
        cr_assert_eq (dbk_event_decode_record (rec, k, &wide), DBK_EMALFORMED, "cut to %zu", k);
    /*  a ts past INT64_MAX (a uint64) is not an int64 */
    size_t ts_at = 3 + 5 + 9 + 4 + 19 + 8 + 3 + ev.stream_len + 5 + 9 + 6 + 3 + ev.type_len + 4;
    cr_assert_eq (rec[ts_at], 0xd3);
    rec[ts_at] = 0xcf;
    rec[ts_at + 1] = 0x80;
    cr_assert_eq (dbk_event_decode_record (rec, n, &wide), DBK_EMALFORMED);
    /*  an id of 15 bytes, in the short form: refused */
    dbk_wr_t *bad = dbk_wr_new ();
    const uint8_t *r = dbk_wr_data (w);
    dbk_wr_raw (bad, r, 9);                   /* map, "seq" 42, "id" */
    dbk_wr_bin (bad, ev.id, DBK_ID_SIZE - 1); /* 15 bytes */
    dbk_wr_raw (bad, r + 9 + 18, dbk_wr_size (w) - 9 - 18);
    cr_assert_eq (r[9], 0xc4);
    cr_assert_eq (dbk_event_decode_record (dbk_wr_data (bad), dbk_wr_size (bad), &wide),
                  DBK_EMALFORMED);
    dbk_wr_destroy (&bad);
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&payload);
}
