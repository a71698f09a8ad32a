/*  test_contacts_map.c - our relationship map as specifications (Given-When-
    Then, as test_contacts_decider.c): which of our salespeople knows a
    contact, how well (contacts_contact_relate). */
#include "support/contacts_given.h"

TestSuite (relate, .init = s_setup, .fini = s_teardown);

Test (relate, a_salesperson_who_knows_a_contact_is_recorded_with_the_depth)
{
    given_contact ();
    contacts_contact_relate (
        d, &li, cmd ("{\"salesperson\":\"zhao\",\"depth\":\"trusted\",\"notes\":\"同学\"}"), NULL);
    then_accepted (1);
    then_event (0, "contact-c1", "contact.relationship_set");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "id", "c1"));
    cr_assert (has_str (p, "salesperson", "zhao"));
    cr_assert (has_str (p, "depth", "trusted"));
    cr_assert (has_str (p, "previous", "none"));
    cr_assert (has_str (p, "notes", "同学"));
}

Test (relate, a_deeper_relationship_names_the_previous_depth)
{
    given_contact ();
    contacts_contact_relate (d, &li, cmd ("{\"salesperson\":\"zhao\",\"depth\":\"allied\"}"),
                             "trusted");
    then_accepted (1);
    cr_assert (has_str (payload (0), "previous", "trusted"));
    cr_assert_null (dbk_obj_get (payload (0), "notes"));
}

Test (relate, the_same_depth_without_notes_changes_nothing)
{
    given_contact ();
    contacts_contact_relate (d, &li, cmd ("{\"salesperson\":\"zhao\",\"depth\":\"trusted\"}"),
                             "trusted");
    then_accepted (0);
}

Test (relate, the_same_depth_with_new_notes_is_recorded)
{
    given_contact ();
    contacts_contact_relate (
        d, &li, cmd ("{\"salesperson\":\"zhao\",\"depth\":\"trusted\",\"notes\":\"golf\"}"),
        "trusted");
    then_accepted (1);
}

Test (relate, depth_none_ends_a_relationship)
{
    given_contact ();
    contacts_contact_relate (d, &li, cmd ("{\"salesperson\":\"zhao\",\"depth\":\"none\"}"),
                             "acquainted");
    then_accepted (1);
    cr_assert (has_str (payload (0), "depth", "none"));
    cr_assert (has_str (payload (0), "previous", "acquainted"));
}

Test (relate, ending_a_relationship_that_does_not_exist_is_refused)
{
    given_contact ();
    contacts_contact_relate (d, &li, cmd ("{\"salesperson\":\"zhao\",\"depth\":\"none\"}"), NULL);
    then_rejected (DBK_EINVAL, "salesperson");
}

Test (relate, an_unknown_depth_is_refused_naming_the_values)
{
    given_contact ();
    contacts_contact_relate (d, &li, cmd ("{\"salesperson\":\"zhao\",\"depth\":\"close\"}"), NULL);
    then_rejected (DBK_EINVAL, "depth");
    then_message_mentions ("interacting");
}

Test (relate, the_salesperson_is_required_and_one_line)
{
    given_contact ();
    contacts_contact_relate (d, &li, cmd ("{\"depth\":\"trusted\"}"), NULL);
    then_rejected (DBK_EINVAL, "salesperson");
    contacts_contact_relate (d, &li, cmd ("{\"salesperson\":\"a\\nb\",\"depth\":\"trusted\"}"),
                             NULL);
    then_rejected (DBK_EINVAL, "salesperson");
    contacts_contact_relate (d, &li, cmd ("{\"salesperson\":\"   \",\"depth\":\"trusted\"}"), NULL);
    then_rejected (DBK_EINVAL, "salesperson");
}

Test (relate, a_salesperson_longer_than_the_limit_is_refused)
{
    given_contact ();
    char json[200];
    snprintf (json, sizeof json, "{\"salesperson\":\"%0*d\",\"depth\":\"trusted\"}",
              CONTACTS_PERSON_MAX + 1, 0);
    contacts_contact_relate (d, &li, cmd (json), NULL);
    then_rejected (DBK_EINVAL, "salesperson");
}

Test (relate, an_unknown_field_is_refused)
{
    given_contact ();
    contacts_contact_relate (
        d, &li, cmd ("{\"salesperson\":\"zhao\",\"depth\":\"trusted\",\"since\":\"2020\"}"), NULL);
    then_rejected (DBK_EINVAL, "since");
}

Test (relate, an_unknown_contact_is_refused_as_not_found)
{
    contacts_contact_relate (d, &li, cmd ("{\"salesperson\":\"zhao\",\"depth\":\"trusted\"}"),
                             NULL);
    then_rejected (DBK_ENOTFOUND, "id");
}

Test (relate, the_contact_state_is_unchanged_by_a_relationship)
{
    given_contact ();
    contacts_contact_relate (d, &li, cmd ("{\"salesperson\":\"zhao\",\"depth\":\"trusted\"}"),
                             NULL);
    then_accepted (1);
    fold_contact (&li);
    cr_assert_null (li.relationship, "the contact's own relationship field is not the map");
    cr_assert_str_eq (li.name, "李明");
}

TestSuite (fields, .init = s_setup, .fini = s_teardown);

Test (fields, an_empty_string_clears_a_number_as_nil_does)
{
    given_contact (); /* influence 4 */
    contacts_contact_update (d, &li, cmd ("{\"influence\":\"\"}"), NULL);
    then_accepted (1);
    cr_assert_eq (dbk_obj_type (dbk_obj_get (payload (0), "influence")), DBK_T_NIL);
    fold_contact (&li);
    cr_assert_eq (li.influence, 0);
}

Test (fields, a_number_given_as_other_text_is_still_refused)
{
    given_contact ();
    contacts_contact_update (d, &li, cmd ("{\"influence\":\"4\"}"), NULL);
    then_rejected (DBK_EINVAL, "influence");
}
