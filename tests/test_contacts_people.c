/*  test_contacts_people.c - the contacts service's domain rules for
    people and what surrounds them: contacts, their trips (the notebook)
    and activities, Given-When-Then (fixture in support/contacts_given.h);
    and docs/events.md checked against the events the deciders produce.
    Competitors: test_contacts_competitor.c.
*/
#include "support/contacts_given.h"
#include "support/events_doc.h"

TestSuite (contact, .init = s_setup, .fini = s_teardown);
TestSuite (trip, .init = s_setup, .fini = s_teardown);
TestSuite (activity, .init = s_setup, .fini = s_teardown);

/*  ======================= contacts ======================= */

Test (contact, adding_a_contact_records_the_whole_profile)
{
    contacts_contact_add (d, &li, "c1",
                          cmd ("{\"name\":\"李明\",\"account_id\":\"a1\",\"title\":\"院长\","
                               "\"phone\":\"+86 138-0013-8000\",\"email\":\"li@example.cn\","
                               "\"messaging_id\":\"wx_liming\",\"level\":\"decision\","
                               "\"function\":\"technical\",\"relationship\":\"trusted\","
                               "\"influence\":5,\"hobbies\":\"京剧\",\"hometown\":\"绍兴\","
                               "\"birthday\":\"--03-15\",\"family_notes\":\"daughter at "
                               "Tongji\",\"notes\":\"prefers tea\\nno calls before 9\"}"),
                          &s_active);
    then_accepted (1);
    then_event (0, "contact-c1", "contact.added");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "account_id", "a1"));
    cr_assert (has_str (p, "hobbies", "京剧"));
    cr_assert (has_str (p, "birthday", "--03-15"));
    int64_t influence;
    cr_assert_eq (dbk_obj_i64 (dbk_obj_get (p, "influence"), &influence), 0);
    cr_assert_eq (influence, 5);
    fold_contact (&li);
    cr_assert_eq (li.status, CONTACTS_CONTACT_ACTIVE);
    cr_assert_str_eq (li.name, "李明");
    cr_assert_str_eq (li.level, "decision");
    cr_assert_str_eq (li.relationship, "trusted");
    cr_assert_eq (li.influence, 5);
    cr_assert_str_eq (li.notes, "prefers tea\nno calls before 9");
}

Test (contact, adding_without_an_account_is_refused)
{
    contacts_contact_add (d, &li, "c1", cmd ("{\"name\":\"李明\"}"), &s_active);
    then_rejected (DBK_EINVAL, "account_id");
}

Test (contact, adding_without_a_name_is_refused)
{
    contacts_contact_add (d, &li, "c1", cmd ("{\"account_id\":\"a1\"}"), &s_active);
    then_rejected (DBK_EINVAL, "name");
}

Test (contact, adding_to_an_unknown_account_is_refused_as_not_found)
{
    contacts_contact_facts_t missing = {CONTACTS_REF_MISSING, NULL, NULL, NULL};
    contacts_contact_add (d, &li, "c1", cmd ("{\"name\":\"李明\",\"account_id\":\"a9\"}"),
                          &missing);
    then_rejected (DBK_ENOTFOUND, "account_id");
    then_message_mentions ("a9");
}

Test (contact, adding_to_an_archived_account_is_refused)
{
    contacts_contact_facts_t archived = {CONTACTS_REF_ARCHIVED, NULL, NULL, NULL};
    contacts_contact_add (d, &li, "c1", cmd ("{\"name\":\"李明\",\"account_id\":\"a1\"}"),
                          &archived);
    then_rejected (DBK_EREJECTED, "account_id");
}

Test (contact, adding_to_a_merged_account_is_refused_naming_the_survivor)
{
    contacts_contact_facts_t merged = {CONTACTS_REF_MERGED, "a2", NULL, NULL};
    contacts_contact_add (d, &li, "c1", cmd ("{\"name\":\"李明\",\"account_id\":\"a1\"}"), &merged);
    then_rejected (DBK_EREJECTED, "account_id");
    then_message_mentions ("use a2");
}

Test (contact, adding_a_contact_that_exists_is_refused)
{
    given_contact ();
    contacts_contact_add (d, &li, "c1", cmd ("{\"name\":\"李明\",\"account_id\":\"a1\"}"),
                          &s_active);
    then_rejected (DBK_EDUPLICATE, "id");
}

Test (contact, influence_outside_one_to_five_is_refused)
{
    const char *bad[] = {"0", "6", "-1", "2.5", "\"4\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[200];
        snprintf (json, sizeof json, "{\"name\":\"李明\",\"account_id\":\"a1\",\"influence\":%s}",
                  bad[i]);
        dbk_decision_reset (d);
        contacts_contact_add (d, &li, "c1", cmd (json), &s_active);
        then_rejected (DBK_EINVAL, "influence");
        then_message_mentions ("from 1 to 5");
    }
}

Test (contact, an_unknown_level_is_refused_listing_the_levels)
{
    contacts_contact_add (d, &li, "c1",
                          cmd ("{\"name\":\"李明\",\"account_id\":\"a1\",\"level\":\"boss\"}"),
                          &s_active);
    then_rejected (DBK_EINVAL, "level");
    then_message_mentions ("decision, management, operational");
}

Test (contact, an_unknown_function_is_refused_listing_the_functions)
{
    contacts_contact_add (d, &li, "c1",
                          cmd ("{\"name\":\"李明\",\"account_id\":\"a1\",\"function\":\"sales\"}"),
                          &s_active);
    then_rejected (DBK_EINVAL, "function");
    then_message_mentions ("user, technical, procurement");
}

Test (contact, an_unknown_relationship_depth_is_refused_listing_the_depths)
{
    contacts_contact_add (
        d, &li, "c1", cmd ("{\"name\":\"李明\",\"account_id\":\"a1\",\"relationship\":\"friend\"}"),
        &s_active);
    then_rejected (DBK_EINVAL, "relationship");
    then_message_mentions ("acquainted, interacting, trusted, allied");
}

Test (contact, a_birthday_must_be_a_real_date_with_or_without_its_year)
{
    const char *good[] = {"1970-05-01", "--02-29", "2000-02-29", "--12-31"};
    const char *bad[] = {"1971-02-29", "1900-02-29", "--02-30", "1970-13-01",
                         "1970-04-31", "1970/05/01", "05-01",   "1970-5-1"};
    char json[200];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf (json, sizeof json,
                  "{\"name\":\"李明\",\"account_id\":\"a1\",\"birthday\":\"%s\"}", good[i]);
        dbk_decision_reset (d);
        contacts_contact_add (d, &li, "c1", cmd (json), &s_active);
        then_accepted (1);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf (json, sizeof json,
                  "{\"name\":\"李明\",\"account_id\":\"a1\",\"birthday\":\"%s\"}", bad[i]);
        dbk_decision_reset (d);
        contacts_contact_add (d, &li, "c1", cmd (json), &s_active);
        then_rejected (DBK_EINVAL, "birthday");
    }
}

Test (contact, a_malformed_email_is_refused)
{
    const char *bad[] = {"li", "li@", "@x.cn", "li@x", "li@@x.cn", "li ming@x.cn"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[200];
        snprintf (json, sizeof json, "{\"name\":\"李明\",\"account_id\":\"a1\",\"email\":\"%s\"}",
                  bad[i]);
        dbk_decision_reset (d);
        contacts_contact_add (d, &li, "c1", cmd (json), &s_active);
        then_rejected (DBK_EINVAL, "email");
    }
}

Test (contact, a_malformed_phone_number_is_refused)
{
    contacts_contact_add (d, &li, "c1",
                          cmd ("{\"name\":\"李明\",\"account_id\":\"a1\",\"phone\":\"call me\"}"),
                          &s_active);
    then_rejected (DBK_EINVAL, "phone");
}

Test (contact, a_line_break_is_refused_in_a_title_but_kept_in_notes)
{
    contacts_contact_add (d, &li, "c1",
                          cmd ("{\"name\":\"李明\",\"account_id\":\"a1\",\"title\":\"a\\nb\"}"),
                          &s_active);
    then_rejected (DBK_EINVAL, "title");
    dbk_decision_reset (d);
    contacts_contact_add (
        d, &li, "c1", cmd ("{\"name\":\"李明\",\"account_id\":\"a1\",\"family_notes\":\"a\\nb\"}"),
        &s_active);
    then_accepted (1);
}

Test (contact, overlong_notes_are_refused)
{
    size_t n = CONTACTS_NOTE_MAX + 1;
    char *json = malloc (n + 100);
    int k = sprintf (json, "{\"name\":\"李明\",\"account_id\":\"a1\",\"notes\":\"");
    memset (json + k, 'x', n);
    strcpy (json + k + n, "\"}");
    contacts_contact_add (d, &li, "c1", cmd (json), &s_active);
    free (json);
    then_rejected (DBK_EINVAL, "notes");
    then_message_mentions ("at most 4000");
}

Test (contact, updating_a_contact_records_only_the_changed_fields)
{
    given_contact ();
    contacts_contact_update (
        d, &li, cmd ("{\"level\":\"decision\",\"relationship\":\"allied\",\"influence\":5}"), NULL);
    then_accepted (1);
    then_event (0, "contact-c1", "contact.updated");
    const dbk_obj_t *changed = dbk_obj_get (payload (0), "changed");
    cr_assert_eq (dbk_obj_len (changed), 2);
    cr_assert (dbk_obj_str_eq (dbk_obj_at (changed, 0), "relationship"));
    cr_assert (dbk_obj_str_eq (dbk_obj_at (changed, 1), "influence"));
    fold_contact (&li);
    cr_assert_str_eq (li.relationship, "allied");
    cr_assert_eq (li.influence, 5);
}

Test (contact, updating_with_nothing_new_decides_no_event)
{
    given_contact ();
    contacts_contact_update (d, &li, cmd ("{\"name\":\"李明\",\"influence\":4}"), NULL);
    then_accepted (0);
}

Test (contact, updating_with_nil_clears_the_influence_assessment)
{
    given_contact ();
    contacts_contact_update (d, &li, cmd ("{\"influence\":null}"), NULL);
    then_accepted (1);
    fold_contact (&li);
    cr_assert_eq (li.influence, 0);
}

Test (contact, updating_the_account_is_refused_in_favour_of_a_move)
{
    given_contact ();
    contacts_contact_update (d, &li, cmd ("{\"account_id\":\"a2\"}"), NULL);
    then_rejected (DBK_EINVAL, "account_id");
    then_message_mentions ("move");
}

Test (contact, updating_the_name_to_empty_is_refused)
{
    given_contact ();
    contacts_contact_update (d, &li, cmd ("{\"name\":\" \"}"), NULL);
    then_rejected (DBK_EINVAL, "name");
}

Test (contact, updating_an_unknown_contact_is_refused_as_not_found)
{
    contacts_contact_update (d, &li, cmd ("{\"title\":\"总工\"}"), NULL);
    then_rejected (DBK_ENOTFOUND, "id");
}

Test (contact, moving_a_contact_records_where_from_and_where_to)
{
    given_contact ();
    contacts_contact_move (d, &li, cmd ("{\"account_id\":\"a2\",\"reason\":\"joined owner\"}"),
                           &s_active);
    then_accepted (1);
    then_event (0, "contact-c1", "contact.moved");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "from", "a1"));
    cr_assert (has_str (p, "to", "a2"));
    cr_assert (has_str (p, "reason", "joined owner"));
    fold_contact (&li);
    cr_assert_str_eq (li.account_id, "a2");
    cr_assert_eq (li.moves, 1);
    cr_assert_str_eq (li.name, "李明", "the rest of the profile moves along");
}

Test (contact, moving_to_the_current_account_is_refused)
{
    given_contact ();
    contacts_contact_move (d, &li, cmd ("{\"account_id\":\"a1\"}"), &s_active);
    then_rejected (DBK_EINVAL, "account_id");
}

Test (contact, moving_to_an_unknown_account_is_refused_as_not_found)
{
    given_contact ();
    contacts_contact_facts_t missing = {CONTACTS_REF_MISSING, NULL, NULL, NULL};
    contacts_contact_move (d, &li, cmd ("{\"account_id\":\"a9\"}"), &missing);
    then_rejected (DBK_ENOTFOUND, "account_id");
}

Test (contact, moving_to_an_archived_account_is_refused)
{
    given_contact ();
    contacts_contact_facts_t archived = {CONTACTS_REF_ARCHIVED, NULL, NULL, NULL};
    contacts_contact_move (d, &li, cmd ("{\"account_id\":\"a2\"}"), &archived);
    then_rejected (DBK_EREJECTED, "account_id");
}

Test (contact, moving_an_unknown_contact_is_refused_as_not_found)
{
    contacts_contact_move (d, &li, cmd ("{\"account_id\":\"a2\"}"), &s_active);
    then_rejected (DBK_ENOTFOUND, "id");
}

Test (contact, moving_without_an_account_is_refused)
{
    given_contact ();
    contacts_contact_move (d, &li, cmd ("{}"), &s_active);
    then_rejected (DBK_EINVAL, "account_id");
}

/*  ======================= trips (the notebook) ======================= */

Test (trip, adding_a_trip_records_it_with_its_number)
{
    given_contact ();
    contacts_contact_trip_add (d, &li,
                               cmd ("{\"from\":\"2026-12-01\",\"to\":\"2026-12-03\","
                                    "\"city\":\"北京\",\"hotel\":\"北京饭店\","
                                    "\"transport\":\"G15\",\"purpose\":\"部委会议\"}"));
    then_accepted (1);
    then_event (0, "contact-c1", "contact.trip_added");
    const dbk_obj_t *p = payload (0);
    uint64_t trip;
    cr_assert_eq (dbk_obj_u64 (dbk_obj_get (p, "trip"), &trip), 0);
    cr_assert_eq (trip, 1);
    cr_assert (has_str (p, "from", "2026-12-01"));
    cr_assert (has_str (p, "to", "2026-12-03"));
    cr_assert (has_str (p, "city", "北京"));
    cr_assert (has_str (p, "hotel", "北京饭店"));
    cr_assert (has_str (p, "transport", "G15"));
    cr_assert (has_str (p, "purpose", "部委会议"));
}

Test (trip, trips_are_numbered_in_order)
{
    given_contact ();
    for (uint64_t want = 1; want <= 3; want++) {
        contacts_contact_trip_add (
            d, &li, cmd ("{\"from\":\"2026-12-01\",\"to\":\"2026-12-01\",\"city\":\"杭州\"}"));
        then_accepted (1);
        uint64_t trip;
        cr_assert_eq (dbk_obj_u64 (dbk_obj_get (payload (0), "trip"), &trip), 0);
        cr_assert_eq (trip, want);
        fold_contact (&li);
        dbk_decision_reset (d);
    }
    cr_assert_eq (li.trips, 3);
}

Test (trip, a_trip_ending_before_it_starts_is_refused)
{
    given_contact ();
    contacts_contact_trip_add (
        d, &li, cmd ("{\"from\":\"2026-12-03\",\"to\":\"2026-12-01\",\"city\":\"北京\"}"));
    then_rejected (DBK_EINVAL, "to");
    then_message_mentions ("before");
}

Test (trip, a_trip_on_a_date_that_does_not_exist_is_refused)
{
    given_contact ();
    contacts_contact_trip_add (
        d, &li, cmd ("{\"from\":\"2026-02-29\",\"to\":\"2026-03-01\",\"city\":\"北京\"}"));
    then_rejected (DBK_EINVAL, "from");
    then_message_mentions ("YYYY-MM-DD");
}

Test (trip, a_trip_without_a_year_is_refused)
{
    given_contact ();
    contacts_contact_trip_add (
        d, &li, cmd ("{\"from\":\"2026-12-01\",\"to\":\"--12-02\",\"city\":\"北京\"}"));
    then_rejected (DBK_EINVAL, "to");
}

Test (trip, a_trip_without_a_city_is_refused)
{
    given_contact ();
    contacts_contact_trip_add (d, &li, cmd ("{\"from\":\"2026-12-01\",\"to\":\"2026-12-02\"}"));
    then_rejected (DBK_EINVAL, "city");
}

Test (trip, a_trip_without_dates_is_refused)
{
    given_contact ();
    contacts_contact_trip_add (d, &li, cmd ("{\"to\":\"2026-12-02\",\"city\":\"北京\"}"));
    then_rejected (DBK_EINVAL, "from");
}

Test (trip, a_trip_of_an_unknown_contact_is_refused_as_not_found)
{
    contacts_contact_trip_add (
        d, &li, cmd ("{\"from\":\"2026-12-01\",\"to\":\"2026-12-02\",\"city\":\"北京\"}"));
    then_rejected (DBK_ENOTFOUND, "id");
}

/*  ======================= activities ======================= */

/*  The business date the shell passes to the activity decider: the
    contacts service ignores "on", so it is today (UTC). */
#define S_TODAY "2026-11-28"

Test (activity, logging_an_activity_records_who_when_and_what_it_cost)
{
    contacts_activity_log (d, &act, "v1",
                           cmd ("{\"kind\":\"dinner\",\"date\":\"2026-11-20\","
                                "\"their_people\":[\"c1\",\"c2\"],\"our_people\":[\"wang\"],"
                                "\"account_id\":\"a1\",\"notes\":\"京剧 tickets\","
                                "\"cost\":128000,\"currency\":\"CNY\"}"),
                           &given_model, S_TODAY, NULL);
    then_accepted (1);
    then_event (0, "activity-v1", "activity.logged");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "kind", "dinner"));
    cr_assert (has_str (p, "date", "2026-11-20"));
    cr_assert_eq (dbk_obj_len (dbk_obj_get (p, "their_people")), 2);
    cr_assert (dbk_obj_str_eq (dbk_obj_at (dbk_obj_get (p, "our_people"), 0), "wang"));
    int64_t cost;
    cr_assert_eq (dbk_obj_i64 (dbk_obj_get (p, "cost"), &cost), 0);
    cr_assert_eq (cost, 128000);
    cr_assert (has_str (p, "currency", "CNY"));
    cr_assert_eq (contacts_activity_evolve (&act, "activity.logged", p), 0);
    cr_assert_eq (act.status, CONTACTS_ACTIVITY_LOGGED);
    cr_assert_str_eq (act.date, "2026-11-20");
    cr_assert_eq (act.their_people.n, 2);
}

Test (activity, an_unknown_kind_is_refused_listing_the_kinds)
{
    contacts_activity_log (
        d, &act, "v1",
        cmd ("{\"kind\":\"golf\",\"date\":\"2026-11-20\",\"their_people\":[\"c1\"]}"), &given_model,
        S_TODAY, NULL);
    then_rejected (DBK_EINVAL, "kind");
    then_message_mentions ("visit, call, meeting, technical_exchange, site_visit, dinner");
}

Test (activity, an_activity_without_a_real_date_is_refused)
{
    contacts_activity_log (
        d, &act, "v1",
        cmd ("{\"kind\":\"call\",\"date\":\"2026-11-31\",\"their_people\":[\"c1\"]}"), &given_model,
        S_TODAY, NULL);
    then_rejected (DBK_EINVAL, "date");
}

Test (activity, an_activity_with_nobody_of_theirs_is_refused)
{
    contacts_activity_log (d, &act, "v1",
                           cmd ("{\"kind\":\"call\",\"date\":\"2026-11-20\",\"their_people\":[]}"),
                           &given_model, S_TODAY, NULL);
    then_rejected (DBK_EINVAL, "their_people");
}

Test (activity, an_activity_with_an_unknown_contact_is_refused_as_not_found)
{
    contacts_activity_log (
        d, &act, "v1",
        cmd ("{\"kind\":\"call\",\"date\":\"2026-11-20\",\"their_people\":[\"c1\",\"c9\"]}"),
        &given_model, S_TODAY, NULL);
    then_rejected (DBK_ENOTFOUND, "their_people");
    then_message_mentions ("c9");
}

Test (activity, an_activity_at_an_unknown_account_is_refused_as_not_found)
{
    contacts_activity_log (d, &act, "v1",
                           cmd ("{\"kind\":\"call\",\"date\":\"2026-11-20\","
                                "\"their_people\":[\"c1\"],\"account_id\":\"a9\"}"),
                           &given_model, S_TODAY, NULL);
    then_rejected (DBK_ENOTFOUND, "account_id");
}

Test (activity, a_cost_without_a_currency_is_refused)
{
    contacts_activity_log (d, &act, "v1",
                           cmd ("{\"kind\":\"dinner\",\"date\":\"2026-11-20\","
                                "\"their_people\":[\"c1\"],\"cost\":100}"),
                           &given_model, S_TODAY, NULL);
    then_rejected (DBK_EINVAL, "currency");
}

Test (activity, a_currency_without_a_cost_is_refused)
{
    contacts_activity_log (d, &act, "v1",
                           cmd ("{\"kind\":\"dinner\",\"date\":\"2026-11-20\","
                                "\"their_people\":[\"c1\"],\"currency\":\"CNY\"}"),
                           &given_model, S_TODAY, NULL);
    then_rejected (DBK_EINVAL, "currency");
}

Test (activity, a_currency_that_is_not_an_iso_4217_code_is_refused)
{
    contacts_activity_log (d, &act, "v1",
                           cmd ("{\"kind\":\"dinner\",\"date\":\"2026-11-20\","
                                "\"their_people\":[\"c1\"],\"cost\":1,\"currency\":\"rmb\"}"),
                           &given_model, S_TODAY, NULL);
    then_rejected (DBK_EINVAL, "currency");
}

Test (activity, a_negative_or_fractional_cost_is_refused)
{
    const char *bad[] = {"-1", "12.5", "\"100\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[300];
        snprintf (json, sizeof json,
                  "{\"kind\":\"dinner\",\"date\":\"2026-11-20\",\"their_people\":[\"c1\"],"
                  "\"cost\":%s,\"currency\":\"CNY\"}",
                  bad[i]);
        dbk_decision_reset (d);
        contacts_activity_log (d, &act, "v1", cmd (json), &given_model, S_TODAY, NULL);
        then_rejected (DBK_EINVAL, "cost");
        then_message_mentions ("minor units");
    }
}

Test (activity, logging_the_same_activity_twice_is_refused)
{
    contacts_activity_log (
        d, &act, "v1",
        cmd ("{\"kind\":\"visit\",\"date\":\"2026-11-20\",\"their_people\":[\"c1\"]}"),
        &given_model, S_TODAY, NULL);
    then_accepted (1);
    cr_assert_eq (contacts_activity_evolve (&act, "activity.logged", payload (0)), 0);
    dbk_decision_reset (d);
    contacts_activity_log (
        d, &act, "v1",
        cmd ("{\"kind\":\"visit\",\"date\":\"2026-11-20\",\"their_people\":[\"c1\"]}"),
        &given_model, S_TODAY, NULL);
    then_rejected (DBK_EDUPLICATE, "id");
}

Test (activity, too_many_people_are_refused)
{
    char json[2000];
    int k = sprintf (json, "{\"kind\":\"meeting\",\"date\":\"2026-11-20\",\"their_people\":[");
    for (int i = 0; i <= CONTACTS_LIST_MAX; i++)
        k += sprintf (json + k, "%s\"c%d\"", i ? "," : "", i);
    strcpy (json + k, "]}");
    contacts_activity_log (d, &act, "v1", cmd (json), &given_model, S_TODAY, NULL);
    then_rejected (DBK_EINVAL, "their_people");
    then_message_mentions ("too many");
}

Test (activity, an_activity_dated_after_today_is_refused_naming_both_dates)
{
    /*  Given today (UTC) 2026-11-28, the contacts service's business date
        When an activity dated the next day is logged
        Then it is refused on its date, nothing is decided: it records a
        visit or a call that took place, not one planned (a trip is) */
    contacts_activity_log (
        d, &act, "v1",
        cmd ("{\"kind\":\"visit\",\"date\":\"2026-11-29\",\"their_people\":[\"c1\"]}"),
        &given_model, S_TODAY, NULL);
    then_rejected (DBK_EINVAL, "date");
    then_message_mentions ("date (2026-11-29) cannot be after today (2026-11-28)");
    dbk_decision_reset (d);
    /*  the zone the shell names (DEALBOOK_TIMEZONE) is in the message */
    contacts_activity_log (
        d, &act, "v1",
        cmd ("{\"kind\":\"visit\",\"date\":\"2026-11-29\",\"their_people\":[\"c1\"]}"),
        &given_model, S_TODAY, "UTC+08:00");
    then_rejected (DBK_EINVAL, "date");
    then_message_mentions ("cannot be after today at UTC+08:00 (2026-11-28)");
    dbk_decision_reset (d);
    contacts_activity_log (
        d, &act, "v1",
        cmd ("{\"kind\":\"dinner\",\"date\":\"2099-01-01\",\"their_people\":[\"c1\"]}"),
        &given_model, S_TODAY, NULL);
    then_rejected (DBK_EINVAL, "date");
}

Test (activity, an_activity_of_today_or_of_a_past_day_is_logged)
{
    contacts_activity_log (
        d, &act, "v1",
        cmd ("{\"kind\":\"call\",\"date\":\"2026-11-28\",\"their_people\":[\"c1\"]}"), &given_model,
        S_TODAY, NULL);
    then_accepted (1);
    dbk_decision_reset (d);
    contacts_activity_log (
        d, &act, "v2",
        cmd ("{\"kind\":\"call\",\"date\":\"2025-06-01\",\"their_people\":[\"c1\"]}"), &given_model,
        S_TODAY, NULL);
    then_accepted (1); /* logged long after the fact */
}

Test (activity, an_activity_dated_before_1970_is_refused_naming_the_bound)
{
    /*  Given today 2026-11-28
        When an activity dated 1900-01-01 (a typing error for 2000), or
        the day before 1970-01-01, is logged
        Then it is refused on its date, naming the bound, nothing decided:
        no business date is before the log's clock, as no command's "on"
        is; 1970-01-01 itself is logged */
    contacts_activity_log (
        d, &act, "v1",
        cmd ("{\"kind\":\"visit\",\"date\":\"1900-01-01\",\"their_people\":[\"c1\"]}"),
        &given_model, S_TODAY, NULL);
    then_rejected (DBK_EINVAL, "date");
    then_message_mentions ("date (1900-01-01) cannot be before 1970-01-01");
    dbk_decision_reset (d);
    /*  checked with the fields: before the contacts are looked up */
    contacts_activity_log (
        d, &act, "v1",
        cmd ("{\"kind\":\"call\",\"date\":\"1969-12-31\",\"their_people\":[\"c9\"]}"), &given_model,
        S_TODAY, NULL);
    then_rejected (DBK_EINVAL, "date");
    then_message_mentions ("date (1969-12-31) cannot be before 1970-01-01");
    dbk_decision_reset (d);
    contacts_activity_log (
        d, &act, "v1",
        cmd ("{\"kind\":\"call\",\"date\":\"1970-01-01\",\"their_people\":[\"c1\"]}"), &given_model,
        S_TODAY, NULL);
    then_accepted (1);
}

Test (activity, an_activity_dated_before_1970_in_the_log_still_folds)
{
    /*  the rule binds commands: a log written before it folds as it is */
    cr_assert_eq (
        contacts_activity_evolve (&act, "activity.logged",
                                  cmd ("{\"id\":\"v1\",\"kind\":\"visit\",\"date\":\"1900-01-01\","
                                       "\"their_people\":[\"c1\"]}")),
        0);
    cr_assert_eq (act.status, CONTACTS_ACTIVITY_LOGGED);
    cr_assert_str_eq (act.date, "1900-01-01");
}

Test (activity, a_future_dated_activity_in_the_log_still_folds)
{
    /*  a log written before the rule may hold one: evolve keeps it */
    cr_assert_eq (
        contacts_activity_evolve (&act, "activity.logged",
                                  cmd ("{\"id\":\"v1\",\"kind\":\"visit\",\"date\":\"2099-01-01\","
                                       "\"their_people\":[\"c1\"]}")),
        0);
    cr_assert_eq (act.status, CONTACTS_ACTIVITY_LOGGED);
    cr_assert_str_eq (act.date, "2099-01-01");
}

/*  ======================= docs/events.md ======================= */

TestSuite (events_doc, .init = s_setup, .fini = s_teardown);

Test (events_doc, every_event_type_and_payload_field_is_documented)
{
    const char *doc = s_read_doc ();
    contacts_account_facts_t dup = {"a0"};
    contacts_account_register (
        d, &acme, "a1",
        cmd ("{\"name\":\"ACME\",\"type\":\"owner\",\"region\":\"r\",\"city\":\"c\","
             "\"lead_source\":\"partner\",\"size\":\"s\",\"ownership\":\"o\","
             "\"past_projects\":\"p\",\"credit\":\"c\",\"force\":true}"),
        &dup);
    fold_account (&acme, "account-a1");
    s_documented (doc);
    contacts_account_update (d, &acme,
                             cmd ("{\"name\":\"B\",\"type\":\"decoration\",\"region\":\"x\","
                                  "\"city\":\"x\",\"lead_source\":\"exhibition\",\"size\":\"x\","
                                  "\"ownership\":\"x\",\"past_projects\":\"x\",\"credit\":\"x\"}"),
                             NULL);
    s_documented (doc);
    given_other ();
    contacts_account_merge (d, &acme, &other, cmd ("{\"into\":\"a2\",\"reason\":\"r\"}"));
    s_documented (doc);
    contacts_account_archive (d, &acme, cmd ("{\"reason\":\"r\"}"));
    s_documented (doc);
    const char *all = "{\"name\":\"n\",\"account_id\":\"a1\",\"title\":\"t\",\"phone\":\"123\","
                      "\"email\":\"a@b.c\",\"messaging_id\":\"m\",\"level\":\"decision\","
                      "\"function\":\"user\",\"relationship\":\"allied\",\"influence\":3,"
                      "\"hobbies\":\"h\",\"hometown\":\"h\",\"birthday\":\"--01-01\","
                      "\"family_notes\":\"f\",\"notes\":\"n\"}";
    contacts_contact_add (d, &li, "c1", cmd (all), &s_active);
    fold_contact (&li);
    s_documented (doc);
    contacts_contact_update (d, &li,
                             cmd ("{\"name\":\"m\",\"title\":\"u\",\"phone\":\"456\","
                                  "\"email\":\"b@b.c\",\"messaging_id\":\"n\",\"level\":"
                                  "\"management\",\"function\":\"technical\",\"relationship\":"
                                  "\"trusted\",\"influence\":4,\"hobbies\":\"i\",\"hometown\":"
                                  "\"i\",\"birthday\":\"--01-02\",\"family_notes\":\"g\","
                                  "\"notes\":\"o\"}"),
                             NULL);
    s_documented (doc);
    contacts_contact_move (d, &li, cmd ("{\"account_id\":\"a2\",\"reason\":\"r\"}"), &s_active);
    s_documented (doc);
    contacts_contact_trip_add (
        d, &li,
        cmd ("{\"from\":\"2026-01-01\",\"to\":\"2026-01-02\",\"city\":"
             "\"c\",\"hotel\":\"h\",\"transport\":\"t\",\"purpose\":\"p\"}"));
    s_documented (doc);
    contacts_contact_relate (d, &li,
                             cmd ("{\"salesperson\":\"zhao\",\"depth\":\"trusted\","
                                  "\"notes\":\"n\"}"),
                             NULL);
    s_documented (doc);
    contacts_competitor_add (d, &rival, "k1",
                             cmd ("{\"name\":\"n\",\"products\":\"p\",\"price_level\":\"low\","
                                  "\"strengths\":\"s\",\"weaknesses\":\"w\",\"relationships\":"
                                  "\"r\",\"close_to\":[\"a1\"]}"),
                             &given_model);
    for (size_t i = 0; i < dbk_decision_count (d); i++)
        contacts_competitor_evolve (&rival, dbk_decision_type (d, i), payload (i));
    s_documented (doc);
    contacts_competitor_update (d, &rival,
                                cmd ("{\"name\":\"m\",\"products\":\"q\",\"price_level\":\"high\","
                                     "\"strengths\":\"t\",\"weaknesses\":\"x\",\"relationships\":"
                                     "\"s\",\"close_to\":[\"a2\"]}"),
                                &given_model);
    s_documented (doc);
    contacts_activity_log (d, &act, "v1",
                           cmd ("{\"kind\":\"visit\",\"date\":\"2026-01-01\",\"their_people\":"
                                "[\"c1\"],\"our_people\":[\"me\"],\"account_id\":\"a1\","
                                "\"notes\":\"n\",\"cost\":1,\"currency\":\"EUR\"}"),
                           &given_model, S_TODAY, NULL);
    s_documented (doc);
}
