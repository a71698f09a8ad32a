/*  test_contacts_competitor.c - the contacts service's domain rules for
    competitors, Given-When-Then (fixture in support/contacts_given.h):
    adding and updating one, the accounts it is close to, and the events
    appended by hand that its projection must refuse whole.
*/
#include "support/contacts_given.h"

TestSuite (competitor, .init = s_setup, .fini = s_teardown);

/*  ======================= competitors ======================= */

static void given_rival (void)
{
    cr_assert_eq (contacts_competitor_add (d, &rival, "k1",
                                           cmd ("{\"name\":\"大金\",\"price_level\":\"high\","
                                                "\"close_to\":[\"a1\"]}"),
                                           &given_model),
                  0, "%s", dbk_decision_message (d));
    for (size_t i = 0; i < dbk_decision_count (d); i++)
        cr_assert_eq (contacts_competitor_evolve (&rival, dbk_decision_type (d, i), payload (i)),
                      0);
    dbk_decision_reset (d);
}

Test (competitor, adding_a_competitor_records_its_profile_and_the_accounts_it_is_close_to)
{
    contacts_competitor_add (d, &rival, "k1",
                             cmd ("{\"name\":\"Daikin\",\"products\":\"VRV\","
                                  "\"price_level\":\"high\",\"strengths\":\"brand\","
                                  "\"weaknesses\":\"slow service\",\"relationships\":\"总工\","
                                  "\"close_to\":[\"a1\",\" a2 \"]}"),
                             &given_model);
    then_accepted (1);
    then_event (0, "competitor-k1", "competitor.added");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "name", "Daikin"));
    cr_assert (has_str (p, "price_level", "high"));
    cr_assert (has_str (p, "weaknesses", "slow service"));
    const dbk_obj_t *close = dbk_obj_get (p, "close_to");
    cr_assert_eq (dbk_obj_len (close), 2);
    cr_assert (dbk_obj_str_eq (dbk_obj_at (close, 1), "a2"), "trimmed; archived is fine");
    cr_assert_eq (contacts_competitor_evolve (&rival, "competitor.added", p), 0);
    cr_assert_eq (rival.status, CONTACTS_COMPETITOR_ACTIVE);
    cr_assert_eq (rival.close_to.n, 2);
    cr_assert_str_eq (rival.close_to.items[0], "a1");
}

Test (competitor, adding_without_a_name_is_refused)
{
    contacts_competitor_add (d, &rival, "k1", cmd ("{\"products\":\"VRV\"}"), &given_model);
    then_rejected (DBK_EINVAL, "name");
}

Test (competitor, an_unknown_price_level_is_refused_listing_the_levels)
{
    contacts_competitor_add (d, &rival, "k1", cmd ("{\"name\":\"x\",\"price_level\":\"cheap\"}"),
                             &given_model);
    then_rejected (DBK_EINVAL, "price_level");
    then_message_mentions ("low, medium, high");
}

Test (competitor, being_close_to_an_unknown_account_is_refused_as_not_found)
{
    contacts_competitor_add (d, &rival, "k1", cmd ("{\"name\":\"x\",\"close_to\":[\"a1\",\"a9\"]}"),
                             &given_model);
    then_rejected (DBK_ENOTFOUND, "close_to");
    then_message_mentions ("a9");
}

Test (competitor, being_close_to_a_merged_account_is_refused_naming_the_survivor)
{
    contacts_competitor_add (d, &rival, "k1", cmd ("{\"name\":\"x\",\"close_to\":[\"a3\"]}"),
                             &given_model);
    then_rejected (DBK_EREJECTED, "close_to");
    then_message_mentions ("use a1");
}

Test (competitor, a_close_to_list_naming_an_account_twice_is_refused)
{
    contacts_competitor_add (d, &rival, "k1", cmd ("{\"name\":\"x\",\"close_to\":[\"a1\",\"a1\"]}"),
                             &given_model);
    then_rejected (DBK_EINVAL, "close_to");
    then_message_mentions ("twice");
}

Test (competitor, a_close_to_that_is_not_a_list_of_ids_is_refused)
{
    contacts_competitor_add (d, &rival, "k1", cmd ("{\"name\":\"x\",\"close_to\":\"a1\"}"),
                             &given_model);
    then_rejected (DBK_EINVAL, "close_to");
    dbk_decision_reset (d);
    contacts_competitor_add (d, &rival, "k1", cmd ("{\"name\":\"x\",\"close_to\":[7]}"),
                             &given_model);
    then_rejected (DBK_EINVAL, "close_to");
    dbk_decision_reset (d);
    contacts_competitor_add (d, &rival, "k1", cmd ("{\"name\":\"x\",\"close_to\":[\"a 1\"]}"),
                             &given_model);
    then_rejected (DBK_EINVAL, "close_to");
}

Test (competitor, adding_a_competitor_that_exists_is_refused)
{
    given_rival ();
    contacts_competitor_add (d, &rival, "k1", cmd ("{\"name\":\"x\"}"), &given_model);
    then_rejected (DBK_EDUPLICATE, "id");
}

Test (competitor, updating_replaces_the_close_to_list_and_records_only_changes)
{
    given_rival ();
    contacts_competitor_update (
        d, &rival, cmd ("{\"price_level\":\"high\",\"close_to\":[\"a1\",\"a2\"]}"), &given_model);
    then_accepted (1);
    then_event (0, "competitor-k1", "competitor.updated");
    const dbk_obj_t *changed = dbk_obj_get (payload (0), "changed");
    cr_assert_eq (dbk_obj_len (changed), 1);
    cr_assert (dbk_obj_str_eq (dbk_obj_at (changed, 0), "close_to"));
    cr_assert_eq (contacts_competitor_evolve (&rival, "competitor.updated", payload (0)), 0);
    cr_assert_eq (rival.close_to.n, 2);
}

Test (competitor, updating_with_an_empty_list_clears_close_to)
{
    given_rival ();
    contacts_competitor_update (d, &rival, cmd ("{\"close_to\":[]}"), &given_model);
    then_accepted (1);
    cr_assert_eq (contacts_competitor_evolve (&rival, "competitor.updated", payload (0)), 0);
    cr_assert_eq (rival.close_to.n, 0);
}

Test (competitor, updating_with_nothing_new_decides_no_event)
{
    given_rival ();
    contacts_competitor_update (d, &rival, cmd ("{\"name\":\"大金\",\"close_to\":[\"a1\"]}"),
                                &given_model);
    then_accepted (0);
}

Test (competitor, updating_an_unknown_competitor_is_refused_as_not_found)
{
    contacts_competitor_update (d, &rival, cmd ("{\"products\":\"chillers\"}"), &given_model);
    then_rejected (DBK_ENOTFOUND, "id");
}

Test (competitor, updating_close_to_with_an_unknown_account_is_refused)
{
    given_rival ();
    contacts_competitor_update (d, &rival, cmd ("{\"close_to\":[\"a9\"]}"), &given_model);
    then_rejected (DBK_ENOTFOUND, "close_to");
}

/*  A hand-appended payload: {"id": "k1", "name": "大金"} with `field`
    (id or name; any other key added) set to the bad value `kind`: nil,
    "", an array, a map, bin, an int, a bool, a text with a NUL inside or
    one that starts with a NUL. */
static const dbk_obj_t *bad_payload (const char *field, const char *kind)
{
    dbk_wr_t *w = dbk_wr_new ();
    bool extra = strcmp (field, "id") && strcmp (field, "name");
    dbk_wr_map (w, extra ? 3 : 2);
    if (strcmp (field, "id"))
        dbk_wr_kv_cstr (w, "id", "k1");
    if (strcmp (field, "name"))
        dbk_wr_kv_cstr (w, "name", "大金");
    dbk_wr_cstr (w, field);
    if (!strcmp (kind, "nil"))
        dbk_wr_nil (w);
    else if (!strcmp (kind, "empty"))
        dbk_wr_str (w, "", 0);
    else if (!strcmp (kind, "array")) {
        dbk_wr_array (w, 1);
        dbk_wr_i64 (w, 1);
    } else if (!strcmp (kind, "map")) {
        dbk_wr_map (w, 1);
        dbk_wr_kv_i64 (w, "a", 1);
    } else if (!strcmp (kind, "bin"))
        dbk_wr_bin (w, "\x00\x01", 2);
    else if (!strcmp (kind, "int"))
        dbk_wr_i64 (w, 0);
    else if (!strcmp (kind, "bool"))
        dbk_wr_bool (w, true);
    else if (!strcmp (kind, "nul"))
        dbk_wr_str (w, "a\0b", 3);
    else
        dbk_wr_str (w, "\0ab", 3);
    const dbk_obj_t *o = s_keep (dbk_wr_data (w), dbk_wr_size (w));
    dbk_wr_destroy (&w);
    return o;
}

static const char *const s_bad[] = {"nil", "empty", "array", "map", "bin",
                                    "int", "bool",  "nul",   "nul0"};

Test (competitor, an_added_event_without_a_name_and_id_it_keeps_whole_is_malformed)
{
    /*  such a state could not be stored and folded back (the read model
        stores a competitor as the map of a competitor.added): the event
        is refused, and a projection skips it */
    for (size_t i = 0; i < sizeof s_bad / sizeof s_bad[0]; i++)
        for (int f = 0; f < 2; f++) {
            contacts_competitor_t st;
            contacts_competitor_init (&st);
            cr_assert_eq (contacts_competitor_evolve (&st, "competitor.added",
                                                      bad_payload (f ? "name" : "id", s_bad[i])),
                          DBK_EMALFORMED, "%s %s", f ? "name" : "id", s_bad[i]);
            contacts_competitor_reset (&st);
        }
    /*  and so on a competitor that exists: it keeps its name */
    given_rival ();
    cr_assert_eq (
        contacts_competitor_evolve (&rival, "competitor.added", bad_payload ("name", "empty")),
        DBK_EMALFORMED);
    cr_assert_str_eq (rival.name, "大金");
}

Test (competitor, an_update_that_clears_the_name_is_malformed)
{
    given_rival ();
    for (size_t i = 0; i < sizeof s_bad / sizeof s_bad[0]; i++) {
        cr_assert_eq (contacts_competitor_evolve (&rival, "competitor.updated",
                                                  bad_payload ("name", s_bad[i])),
                      DBK_EMALFORMED, "name %s", s_bad[i]);
        cr_assert_str_eq (rival.name, "大金", "name %s", s_bad[i]);
    }
    /*  an update without a name leaves it as it is */
    cr_assert_eq (contacts_competitor_evolve (&rival, "competitor.updated",
                                              cmd ("{\"id\":\"k1\",\"products\":\"VRV\"}")),
                  0);
    cr_assert_str_eq (rival.name, "大金");
    cr_assert_str_eq (rival.products, "VRV");
}

Test (competitor, a_close_to_entry_that_would_not_be_kept_whole_is_malformed)
{
    given_rival ();
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 2);
    dbk_wr_kv_cstr (w, "id", "k1");
    dbk_wr_cstr (w, "close_to");
    dbk_wr_array (w, 2);
    dbk_wr_cstr (w, "a1");
    dbk_wr_str (w, "\0a2", 3); /* stored cut to "": no entry of a list is empty */
    const dbk_obj_t *p = s_keep (dbk_wr_data (w), dbk_wr_size (w));
    dbk_wr_destroy (&w);
    cr_assert_eq (contacts_competitor_evolve (&rival, "competitor.updated", p), DBK_EMALFORMED);
    cr_assert_eq (rival.close_to.n, 1);
}
