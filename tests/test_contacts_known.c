/*  test_contacts_known.c - contacts_known_read, the one rule by which the
    contacts projection and every other service's reference table decide
    whether an account, contact or competitor event is applied, skipped or
    ignored, and what it tells of the reference (contacts_known.h).
*/
#include "support/contacts_given.h"

#include "contacts_known.h"

TestSuite (known, .init = s_setup, .fini = s_teardown);

/*  type on stream, its payload from JSON (NULL: none), read into *k. */
static int s_read (const char *stream, const char *type, const char *json, contacts_known_t *k)
{
    dbk_event_t ev = {
        .stream = stream, .stream_len = strlen (stream), .type = type, .type_len = strlen (type)};
    return contacts_known_read (&ev, json ? cmd (json) : NULL, k);
}

static bool s_is (const char *s, size_t n, const char *want)
{
    return s && strlen (want) == n && memcmp (s, want, n) == 0;
}

Test (known, a_registration_opens_the_account_of_its_stream_with_its_name)
{
    contacts_known_t k;
    cr_assert_eq (s_read ("account-a1", "account.registered",
                          "{\"id\":\"a1\",\"name\":\"Acme\",\"type\":\"owner\"}", &k),
                  0);
    cr_assert_eq (k.kind, CONTACTS_KNOWN_ACCOUNT);
    cr_assert_eq (k.change, CONTACTS_KNOWN_OPEN);
    cr_assert (s_is (k.id, k.id_len, "a1"));
    cr_assert (k.named);
    cr_assert (s_is (k.name, k.name_len, "Acme"));
    cr_assert_null (k.into);
    cr_assert_eq (s_read ("contact-c1", "contact.added",
                          "{\"id\":\"c1\",\"name\":\"Li\",\"account_id\":\"a1\"}", &k),
                  0);
    cr_assert_eq (k.kind, CONTACTS_KNOWN_CONTACT);
    cr_assert_eq (k.change, CONTACTS_KNOWN_OPEN);
    cr_assert_eq (
        s_read ("competitor-k1", "competitor.added", "{\"id\":\"k1\",\"name\":\"Kone\"}", &k), 0);
    cr_assert_eq (k.kind, CONTACTS_KNOWN_COMPETITOR);
    cr_assert (s_is (k.name, k.name_len, "Kone"));
}

Test (known, an_event_of_another_aggregate_than_its_streams_is_skipped)
{
    contacts_known_t k;
    /*  its id is not the stream's (docs/events.md: id is always the
        aggregate's), or not there, or no str */
    const char *bad[] = {"{\"id\":\"a2\",\"name\":\"Acme\",\"type\":\"owner\"}",
                         "{\"id\":\"a\",\"name\":\"Acme\",\"type\":\"owner\"}",
                         "{\"id\":\"a11\",\"name\":\"Acme\",\"type\":\"owner\"}",
                         "{\"name\":\"Acme\",\"type\":\"owner\"}",
                         "{\"id\":null,\"name\":\"Acme\",\"type\":\"owner\"}",
                         "{\"id\":1,\"name\":\"Acme\",\"type\":\"owner\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq (s_read ("account-a1", "account.registered", bad[i], &k), DBK_EMALFORMED, "%s",
                      bad[i]);
    cr_assert_eq (s_read ("account-a1", "account.archived", "{}", &k), DBK_EMALFORMED);
    cr_assert_eq (
        s_read ("competitor-kc", "competitor.added", "{\"id\":\"kq\",\"name\":\"Q\"}", &k),
        DBK_EMALFORMED);
    /*  the events that change no reference too: the contacts service
        skips them alike */
    cr_assert_eq (s_read ("contact-c1", "contact.trip_added",
                          "{\"id\":\"c2\",\"trip\":1,\"from\":\"2026-01-01\",\"to\":\"2026-01-02\","
                          "\"city\":\"Xi'an\"}",
                          &k),
                  DBK_EMALFORMED);
    /*  a type of another of the three categories than the stream's */
    cr_assert_eq (s_read ("account-c1", "contact.added",
                          "{\"id\":\"c1\",\"name\":\"Li\",\"account_id\":\"a1\"}", &k),
                  DBK_EMALFORMED);
    cr_assert_eq (s_read ("account-kd", "competitor.added", "{\"id\":\"kd\",\"name\":\"D\"}", &k),
                  DBK_EMALFORMED);
    cr_assert_eq (s_read ("competitor-a1", "account.archived", "{\"id\":\"a1\"}", &k),
                  DBK_EMALFORMED);
}

Test (known, what_the_evolve_functions_refuse_is_skipped)
{
    contacts_known_t k;
    struct {
        const char *stream, *type, *json;
    } bad[] = {
        {"account-a1", "account.registered", "{\"id\":\"a1\",\"name\":[1],\"type\":\"owner\"}"},
        {"account-a1", "account.registered", "{\"id\":\"a1\",\"type\":\"owner\"}"},
        {"account-a1", "account.updated", "{\"id\":\"a1\",\"changed\":[\"city\"],\"city\":5}"},
        {"account-a1", "account.merged", "{\"id\":\"a1\",\"into\":5}"},
        {"account-a1", "account.merged", "{\"id\":\"a1\"}"},
        {"contact-c1", "contact.added", "{\"id\":\"c1\",\"name\":\"Li\"}"},
        {"contact-c1", "contact.updated",
         "{\"id\":\"c1\",\"changed\":[\"influence\"],"
         "\"influence\":\"high\"}"},
        {"competitor-k1", "competitor.added", "{\"id\":\"k1\",\"name\":\"\"}"},
        {"competitor-k1", "competitor.added", "{\"id\":\"k1\",\"name\":\"K\",\"close_to\":[1]}"},
        {"competitor-k1", "competitor.updated",
         "{\"id\":\"k1\",\"changed\":[\"name\"],"
         "\"name\":null}"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq (s_read (bad[i].stream, bad[i].type, bad[i].json, &k), DBK_EMALFORMED, "%s %s",
                      bad[i].type, bad[i].json);
}

/*  Given events appended by hand holding values the contacts commands
    refuse (contacts_fields_foldable: the commands' own field tables)
    When they are read by the rule
    Then each is skipped, as an event of the wrong type is: no service
    knows an account without a name, a contact at a level that is none,
    an account merged into nobody */
Test (known, what_no_command_would_write_is_skipped)
{
    contacts_known_t k;
    struct {
        const char *stream, *type, *json;
    } bad[] = {
        /*  a name nil, "", spaces, or absent; a type absent or outside
            contacts_account_types; a lead source outside its list */
        {"account-a1", "account.registered", "{\"id\":\"a1\",\"name\":null,\"type\":\"owner\"}"},
        {"account-a1", "account.registered", "{\"id\":\"a1\",\"name\":\"\",\"type\":\"owner\"}"},
        {"account-a1", "account.registered", "{\"id\":\"a1\",\"name\":\"  \",\"type\":\"owner\"}"},
        {"account-a1", "account.registered", "{\"id\":\"a1\",\"name\":\"Acme\"}"},
        {"account-a1", "account.registered", "{\"id\":\"a1\",\"name\":\"Acme\",\"type\":\"boss\"}"},
        {"account-a1", "account.registered",
         "{\"id\":\"a1\",\"name\":\"Acme\",\"type\":\" owner\"}"},
        {"account-a1", "account.registered",
         "{\"id\":\"a1\",\"name\":\"Acme\",\"type\":\"owner\",\"lead_source\":\"tv\"}"},
        /*  an update clears a required field, or sets one outside its list */
        {"account-a1", "account.updated", "{\"id\":\"a1\",\"changed\":[\"name\"],\"name\":null}"},
        {"account-a1", "account.updated", "{\"id\":\"a1\",\"changed\":[\"name\"],\"name\":\"\"}"},
        {"account-a1", "account.updated", "{\"id\":\"a1\",\"changed\":[\"type\"],\"type\":null}"},
        {"account-a1", "account.updated", "{\"id\":\"a1\",\"changed\":[\"type\"],\"type\":\"x\"}"},
        /*  a merge into no id */
        {"account-a1", "account.merged", "{\"id\":\"a1\",\"into\":null}"},
        {"account-a1", "account.merged", "{\"id\":\"a1\",\"into\":\"\"}"},
        {"account-a1", "account.merged", "{\"id\":\"a1\",\"into\":\"a 2\"}"},
        /*  a contact without a name, at a level, in a function or a
            relationship outside their lists, of an influence beyond 1..5 */
        {"contact-c1", "contact.added", "{\"id\":\"c1\",\"account_id\":\"a1\"}"},
        {"contact-c1", "contact.added", "{\"id\":\"c1\",\"name\":\"Li\",\"account_id\":null}"},
        {"contact-c1", "contact.added",
         "{\"id\":\"c1\",\"name\":\"Li\",\"account_id\":\"a1\",\"level\":\"boss\"}"},
        {"contact-c1", "contact.added",
         "{\"id\":\"c1\",\"name\":\"Li\",\"account_id\":\"a1\",\"function\":\"sales\"}"},
        {"contact-c1", "contact.added",
         "{\"id\":\"c1\",\"name\":\"Li\",\"account_id\":\"a1\",\"influence\":9}"},
        {"contact-c1", "contact.updated",
         "{\"id\":\"c1\",\"changed\":[\"relationship\"],\"relationship\":\"friends\"}"},
        {"contact-c1", "contact.updated", "{\"id\":\"c1\",\"changed\":[\"name\"],\"name\":null}"},
        {"contact-c1", "contact.moved", "{\"id\":\"c1\",\"from\":\"a1\",\"to\":null}"},
        {"contact-c1", "contact.trip_added",
         "{\"id\":\"c1\",\"trip\":1,\"from\":\"2026-02-30\",\"to\":\"2026-03-02\","
         "\"city\":\"Xi'an\"}"},
        {"contact-c1", "contact.trip_added",
         "{\"id\":\"c1\",\"trip\":1,\"from\":\"2026-03-01\",\"to\":\"2026-03-02\"}"},
        {"contact-c1", "contact.relationship_set",
         "{\"id\":\"c1\",\"salesperson\":\"wang\",\"depth\":\"besties\",\"previous\":\"none\"}"},
        /*  a competitor at a price level outside its list, close to no id */
        {"competitor-k1", "competitor.added",
         "{\"id\":\"k1\",\"name\":\"Kone\",\"price_level\":\"cheap\"}"},
        {"competitor-k1", "competitor.updated",
         "{\"id\":\"k1\",\"changed\":[\"close_to\"],\"close_to\":[\"a 1\"]}"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq (s_read (bad[i].stream, bad[i].type, bad[i].json, &k), DBK_EMALFORMED, "%s %s",
                      bad[i].type, bad[i].json);
    /*  what the commands write is applied: an optional field cleared, a
        value of each list */
    struct {
        const char *stream, *type, *json;
    } good[] = {
        {"account-a1", "account.registered",
         "{\"id\":\"a1\",\"name\":\"Acme\",\"type\":\"design_institute\",\"lead_source\":"
         "\"referral\",\"normalized_name\":\"acme\"}"},
        {"account-a1", "account.updated",
         "{\"id\":\"a1\",\"changed\":[\"lead_source\",\"city\"],\"lead_source\":null,"
         "\"city\":null}"},
        {"account-a1", "account.merged", "{\"id\":\"a1\",\"into\":\"a2\",\"reason\":\"same\"}"},
        {"contact-c1", "contact.added",
         "{\"id\":\"c1\",\"name\":\"Li\",\"account_id\":\"a1\",\"level\":\"decision\","
         "\"function\":\"technical\",\"influence\":5}"},
        {"contact-c1", "contact.updated",
         "{\"id\":\"c1\",\"changed\":[\"level\",\"influence\"],\"level\":null,"
         "\"influence\":null}"},
        {"contact-c1", "contact.relationship_set",
         "{\"id\":\"c1\",\"salesperson\":\"wang\",\"depth\":\"none\",\"previous\":\"trusted\"}"},
        {"competitor-k1", "competitor.updated",
         "{\"id\":\"k1\",\"changed\":[\"price_level\"],\"price_level\":\"low\"}"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_assert_eq (s_read (good[i].stream, good[i].type, good[i].json, &k), 0, "%s %s",
                      good[i].type, good[i].json);
}

Test (known, events_of_no_contacts_stream_and_types_it_does_not_fold_are_ignored)
{
    contacts_known_t k;
    char longid[CONTACTS_ID_MAX + 20];
    snprintf (longid, sizeof longid, "account-%0*d", CONTACTS_ID_MAX + 1, 7);
    struct {
        const char *stream, *type, *json;
    } none[] = {
        /*  nobody's: no stream of the contacts service, or one whose id
            no command can name */
        {"thing-a1", "account.registered", "{\"id\":\"a1\",\"name\":\"Acme\",\"type\":\"owner\"}"},
        {"opportunity-k1", "competitor.added", "{\"id\":\"k1\",\"name\":\"Kone\"}"},
        {"activity-a1", "account.archived", "{\"id\":\"a1\"}"},
        {longid, "account.archived", "{\"id\":\"a1\"}"},
        /*  a type of no account, contact or competitor, or one a later
            version may add */
        {"account-a1", "activity.logged", "{\"id\":\"a1\"}"},
        {"account-a1", "account.renamed", "{\"id\":\"zz\"}"},
        /*  folded by the contacts service, but no reference changes */
        {"account-a1", "account.absorbed", "{\"id\":\"a1\",\"absorbed\":\"a2\"}"},
        {"contact-c1", "contact.moved", "{\"id\":\"c1\",\"from\":\"a1\",\"to\":\"a2\"}"},
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        cr_assert_eq (s_read (none[i].stream, none[i].type, none[i].json, &k), 0, "%s on %s",
                      none[i].type, none[i].stream);
        cr_assert_eq (k.kind, CONTACTS_KNOWN_NONE, "%s on %s", none[i].type, none[i].stream);
    }
    /*  a payload that is no map (the log's checks would not let one in) */
    cr_assert_eq (s_read ("account-a1", "account.registered", NULL, &k), 0);
    cr_assert_eq (k.kind, CONTACTS_KNOWN_NONE);
}

Test (known, archives_and_merges_close_and_keep_the_name)
{
    contacts_known_t k;
    cr_assert_eq (s_read ("account-a1", "account.archived", "{\"id\":\"a1\",\"name\":\"X\"}", &k),
                  0);
    cr_assert_eq (k.kind, CONTACTS_KNOWN_ACCOUNT);
    cr_assert_eq (k.change, CONTACTS_KNOWN_CLOSE);
    cr_assert_not (k.named, "account.archived does not rename");
    cr_assert_null (k.into);
    cr_assert_eq (s_read ("account-a1", "account.merged", "{\"id\":\"a1\",\"into\":\"a2\"}", &k),
                  0);
    cr_assert_eq (k.change, CONTACTS_KNOWN_CLOSE);
    cr_assert (s_is (k.into, k.into_len, "a2"));
}

Test (known, an_update_keeps_the_status_and_names_or_not)
{
    contacts_known_t k;
    cr_assert_eq (s_read ("account-a1", "account.updated",
                          "{\"id\":\"a1\",\"changed\":[\"name\"],\"name\":\"Acme Group\"}", &k),
                  0);
    cr_assert_eq (k.kind, CONTACTS_KNOWN_ACCOUNT);
    cr_assert_eq (k.change, CONTACTS_KNOWN_KEEP);
    cr_assert (k.named);
    cr_assert (s_is (k.name, k.name_len, "Acme Group"));
    cr_assert_eq (s_read ("contact-c1", "contact.updated",
                          "{\"id\":\"c1\",\"changed\":[\"title\"],\"title\":\"VP\"}", &k),
                  0);
    cr_assert_eq (k.kind, CONTACTS_KNOWN_CONTACT);
    cr_assert_not (k.named);
}

Test (known, a_table_reads_only_the_types_that_change_a_reference)
{
    struct {
        const char *type;
        contacts_known_kind_t kind;
    } t[] = {
        {"account.registered", CONTACTS_KNOWN_ACCOUNT},
        {"account.updated", CONTACTS_KNOWN_ACCOUNT},
        {"account.archived", CONTACTS_KNOWN_ACCOUNT},
        {"account.merged", CONTACTS_KNOWN_ACCOUNT},
        {"account.absorbed", CONTACTS_KNOWN_NONE},
        {"contact.added", CONTACTS_KNOWN_CONTACT},
        {"contact.updated", CONTACTS_KNOWN_CONTACT},
        {"contact.trip_added", CONTACTS_KNOWN_NONE},
        {"contact.moved", CONTACTS_KNOWN_NONE},
        {"competitor.added", CONTACTS_KNOWN_COMPETITOR},
        {"competitor.updated", CONTACTS_KNOWN_COMPETITOR},
        {"competitor.removed", CONTACTS_KNOWN_NONE},
        {"opportunity.registered", CONTACTS_KNOWN_NONE},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        cr_assert_eq (contacts_known_type (t[i].type, strlen (t[i].type)), t[i].kind, "%s",
                      t[i].type);
    /*  compared whole: a prefix or a longer name is another type */
    cr_assert_eq (contacts_known_type ("account.register", 16), CONTACTS_KNOWN_NONE);
    cr_assert_eq (contacts_known_type ("account.registered2", 19), CONTACTS_KNOWN_NONE);
}

/*  ---- activities (contacts_known_activity) ---- */

/*  What a caller's record says of the activities logged before. */
static bool s_logged_yes (void *arg, const char *id, size_t n)
{
    (void) arg, (void) id, (void) n;
    return true;
}

static bool s_logged_no (void *arg, const char *id, size_t n)
{
    (void) id, (void) n;
    ++*(int *) arg;
    return false;
}

/*  activity.logged on stream, version ver, its payload from JSON (NULL:
    none), read with the record `logged`. */
static int s_act (const char *stream, uint64_t ver, const char *json,
                  contacts_known_logged_fn *logged, void *arg, contacts_known_activity_t *a)
{
    dbk_event_t ev = {.stream = stream,
                      .stream_len = strlen (stream),
                      .ver = ver,
                      .type = "activity.logged",
                      .type_len = 15};
    return contacts_known_activity (&ev, json ? cmd (json) : NULL, logged, arg, true, a);
}

#define S_VISIT "\"kind\":\"visit\",\"date\":\"2026-03-02\",\"their_people\":[\"c1\",\"c2\"]"

Test (known, an_activity_is_the_first_of_its_stream_with_its_day_and_people)
{
    /*  Given an activity logged on its own stream, as the command writes it
        When it is read
        Then it is the activity of its stream, met c1 and c2 that day; the
        record of activities logged is not asked for a first version */
    contacts_known_activity_t a;
    int asked = 0;
    cr_assert_eq (s_act ("activity-v1", 1, "{\"id\":\"v1\"," S_VISIT ",\"account_id\":\"a1\"}",
                         s_logged_no, &asked, &a),
                  0);
    cr_assert (s_is (a.id, a.id_len, "v1"));
    cr_assert (s_is (a.date, 10, "2026-03-02"));
    cr_assert_eq (dbk_obj_len (a.people), 2);
    cr_assert_eq (asked, 0);
    /*  a later version of a stream none was logged on yet (its first was
        skipped): the first that applies is the activity */
    cr_assert_eq (s_act ("activity-v1", 2, "{\"id\":\"v1\"," S_VISIT "}", s_logged_no, &asked, &a),
                  0);
    cr_assert_eq (asked, 1);
    cr_assert (s_is (a.id, a.id_len, "v1"));
}

Test (known, an_activity_of_another_stream_or_logged_already_is_ignored)
{
    contacts_known_activity_t a;
    char longid[CONTACTS_ID_MAX + 20];
    snprintf (longid, sizeof longid, "activity-%0*d", CONTACTS_ID_MAX + 1, 7);
    const char *streams[] = {"thing-v1", "account-v1", "contact-c1", "activities-v1", longid};
    for (size_t i = 0; i < sizeof streams / sizeof streams[0]; i++) {
        cr_assert_eq (s_act (streams[i], 1, "{\"id\":\"v1\"," S_VISIT "}", NULL, NULL, &a), 0, "%s",
                      streams[i]);
        cr_assert_null (a.id, "%s", streams[i]);
    }
    /*  logged once: a later one changes nothing, whatever it holds */
    cr_assert_eq (
        s_act ("activity-v1", 2, "{\"id\":\"zz\",\"kind\":\"party\"}", s_logged_yes, NULL, &a), 0);
    cr_assert_null (a.id);
    /*  another type, a payload that is no map */
    dbk_event_t ev = {.stream = "activity-v1",
                      .stream_len = 11,
                      .ver = 1,
                      .type = "activity.cancelled",
                      .type_len = 18};
    cr_assert_eq (contacts_known_activity (&ev, cmd ("{\"id\":\"v1\"}"), NULL, NULL, true, &a), 0);
    cr_assert_null (a.id);
    cr_assert_eq (s_act ("activity-v1", 1, NULL, NULL, NULL, &a), 0);
    cr_assert_null (a.id);
}

Test (known, an_activity_the_command_would_refuse_or_of_another_id_is_skipped)
{
    contacts_known_activity_t a;
    const char *bad[] = {
        /*  not this stream's activity */
        "{\"id\":\"zz\"," S_VISIT "}",
        "{" S_VISIT "}",
        /*  what ACTIVITY_LOG refuses */
        "{\"id\":\"v1\",\"kind\":\"party\",\"date\":\"2026-03-02\",\"their_people\":[\"c1\"]}",
        "{\"id\":\"v1\",\"date\":\"2026-03-02\",\"their_people\":[\"c1\"]}",
        "{\"id\":\"v1\",\"kind\":\"visit\",\"date\":\"yesterday\",\"their_people\":[\"c1\"]}",
        "{\"id\":\"v1\",\"kind\":\"visit\",\"date\":\"2026-02-30\",\"their_people\":[\"c1\"]}",
        "{\"id\":\"v1\",\"kind\":\"visit\",\"their_people\":[\"c1\"]}",
        "{\"id\":\"v1\",\"kind\":\"visit\",\"date\":\"2026-03-02\",\"their_people\":[]}",
        "{\"id\":\"v1\",\"kind\":\"visit\",\"date\":\"2026-03-02\"}",
        "{\"id\":\"v1\",\"kind\":\"visit\",\"date\":\"2026-03-02\",\"their_people\":[\"c 1\"]}",
        "{\"id\":\"v1\",\"kind\":\"visit\",\"date\":\"2026-03-02\",\"their_people\":[1]}",
        "{\"id\":\"v1\"," S_VISIT ",\"account_id\":\"a 1\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq (s_act ("activity-v1", 1, bad[i], NULL, NULL, &a), DBK_EMALFORMED, "%s",
                      bad[i]);
        cr_expect_null (a.id, "%s", bad[i]);
    }
}

Test (known, unjudged_an_activity_is_checked_for_its_stream_and_once_only)
{
    /*  Given the contacts projection's reading (judge false: its own
        evolve of the payload decides the rest)
        Then the checks of stream, id and "logged once" still hold, and a
        payload the evolve refuses (a kind none of the list) is its to
        refuse: not judged here */
    dbk_event_t ev = {.stream = "activity-v1",
                      .stream_len = 11,
                      .ver = 2,
                      .type = "activity.logged",
                      .type_len = 15};
    contacts_known_activity_t a;
    int asked = 0;
    cr_assert_eq (contacts_known_activity (&ev, cmd ("{\"id\":\"v1\",\"kind\":\"party\"}"),
                                           s_logged_no, &asked, false, &a),
                  0);
    cr_assert (s_is (a.id, a.id_len, "v1"));
    cr_assert_null (a.date);
    cr_assert_eq (asked, 1);
    cr_assert_eq (contacts_known_activity (&ev, cmd ("{\"id\":\"zz\"," S_VISIT "}"), s_logged_no,
                                           &asked, false, &a),
                  DBK_EMALFORMED);
    cr_assert_eq (contacts_known_activity (&ev, cmd ("{\"id\":\"v1\"," S_VISIT "}"), s_logged_yes,
                                           NULL, false, &a),
                  0);
    cr_assert_null (a.id);
    /*  judged, the same payload of kind party is skipped */
    cr_assert_eq (contacts_known_activity (&ev, cmd ("{\"id\":\"v1\",\"kind\":\"party\"}"),
                                           s_logged_no, &asked, true, &a),
                  DBK_EMALFORMED);
}
