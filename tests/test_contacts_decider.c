/*  test_contacts_decider.c - the contacts service's domain rules
    (services/contacts/contacts_decider.h) as specifications, Given-When-
    Then: given the events of an aggregate (decided by the same deciders
    and folded with evolve), when a command, then these events or this
    rejection. Commands are written as JSON for legibility and turned into
    the msgpack maps the service shell hands over. This suite: name
    normalisation and accounts; test_contacts_people.c: contacts, trips,
    competitors, activities and docs/events.md.
*/
#include "support/contacts_given.h"

TestSuite (normalize);
TestSuite (account, .init = s_setup, .fini = s_teardown);

/*  ======================= normalisation ======================= */

static void same_key (const char *a, const char *b, const char *want)
{
    char *ka = contacts_normalize_name (a, strlen (a));
    char *kb = contacts_normalize_name (b, strlen (b));
    cr_assert_not_null (ka, "%s normalised to nothing", a);
    cr_assert_not_null (kb, "%s normalised to nothing", b);
    cr_assert_str_eq (ka, want, "%s", a);
    cr_assert_str_eq (kb, want, "%s", b);
    free (ka);
    free (kb);
}

Test (normalize, full_width_letters_match_their_ascii_form)
{
    same_key ("ＡＢＣ", "ABC", "abc");
}

Test (normalize, chinese_company_suffixes_are_removed)
{
    same_key ("上海建工集团有限公司", "上海建工集团", "上海建工");
    same_key ("中建三局股份有限公司", "中建三局有限责任公司", "中建三局");
}

Test (normalize, latin_company_suffixes_case_and_punctuation_are_removed)
{
    same_key ("ACME Co., Ltd.", "acme", "acme");
    same_key ("Acme, Inc.", "ACME GmbH", "acme");
    same_key ("Acme  Corp.", "acme corporation limited", "acme");
}

Test (normalize, spaces_and_punctuation_inside_a_name_are_ignored)
{
    same_key ("China-State Construction", "china state construction", "chinastateconstruction");
    same_key ("中 建（三局）", "中建三局", "中建三局");
}

Test (normalize, a_latin_suffix_inside_a_word_is_kept)
{
    same_key ("Costco", "COSTCO", "costco");
}

Test (normalize, a_suffix_that_would_leave_nothing_is_kept)
{
    same_key ("Company Limited", "company", "company");
    same_key ("集团", "集团有限公司", "集团");
}

Test (normalize, a_name_without_letters_or_digits_or_bad_utf8_normalises_to_null)
{
    cr_assert_null (contacts_normalize_name ("  ., -  ", 8));
    cr_assert_null (contacts_normalize_name ("\xff\xfe", 2));
}

Test (normalize, a_callers_suffix_table_replaces_the_default)
{
    const char *const de[] = {"Bau", "AG", NULL};
    char *k = contacts_normalize_name_with ("Hochtief Bau AG", 15, de);
    cr_assert_str_eq (k, "hochtief");
    free (k);
    k = contacts_normalize_name_with ("ACME Ltd.", 9, NULL);
    cr_assert_str_eq (k, "acmeltd");
    free (k);
}

/*  ======================= accounts: register ======================= */

Test (account, registering_an_account_records_every_given_field)
{
    contacts_account_facts_t none = {NULL};
    int rc = contacts_account_register (
        d, &acme, "a1",
        cmd ("{\"name\":\" 上海建工集团有限公司 \",\"type\":\"general_contractor\","
             "\"region\":\"华东\",\"city\":\"上海\",\"lead_source\":\"tender_website\","
             "\"size\":\"30000 staff\",\"ownership\":\"state-owned\","
             "\"past_projects\":\"上海中心\\n浦东机场\",\"credit\":\"AAA\",\"force\":false}"),
        &none);
    cr_assert_eq (rc, 0);
    then_accepted (1);
    then_event (0, "account-a1", "account.registered");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "id", "a1"));
    cr_assert (has_str (p, "name", "上海建工集团有限公司"), "trimmed");
    cr_assert (has_str (p, "type", "general_contractor"));
    cr_assert (has_str (p, "region", "华东"));
    cr_assert (has_str (p, "city", "上海"));
    cr_assert (has_str (p, "lead_source", "tender_website"));
    cr_assert (has_str (p, "size", "30000 staff"));
    cr_assert (has_str (p, "ownership", "state-owned"));
    cr_assert (has_str (p, "past_projects", "上海中心\n浦东机场"));
    cr_assert (has_str (p, "credit", "AAA"));
    cr_assert (has_str (p, "normalized_name", "上海建工"));
    cr_assert_null (dbk_obj_get (p, "duplicate_of"));
    cr_assert_null (dbk_obj_get (p, "force"), "force is about the command, not the account");
}

Test (account, a_registered_account_is_active_with_its_fields)
{
    given_acme ();
    cr_assert_eq (acme.status, CONTACTS_ACCOUNT_ACTIVE);
    cr_assert_str_eq (acme.id, "a1");
    cr_assert_str_eq (acme.name, "ACME Co., Ltd.");
    cr_assert_str_eq (acme.normalized_name, "acme");
    cr_assert_str_eq (acme.type, "owner");
    cr_assert_str_eq (acme.city, "上海");
    cr_assert_null (acme.region);
}

Test (account, empty_optional_fields_are_left_out_of_the_event)
{
    contacts_account_register (d, &acme, "a1",
                               cmd ("{\"name\":\"ACME\",\"type\":\"owner\",\"city\":\"  \","
                                    "\"region\":null}"),
                               NULL);
    then_accepted (1);
    cr_assert_null (dbk_obj_get (payload (0), "city"));
    cr_assert_null (dbk_obj_get (payload (0), "region"));
}

Test (account, registering_without_a_name_is_refused)
{
    contacts_account_register (d, &acme, "a1", cmd ("{\"type\":\"owner\"}"), NULL);
    then_rejected (DBK_EINVAL, "name");
    then_message_mentions ("required");
}

Test (account, registering_with_a_blank_name_is_refused)
{
    contacts_account_register (d, &acme, "a1", cmd ("{\"name\":\"  \",\"type\":\"owner\"}"), NULL);
    then_rejected (DBK_EINVAL, "name");
    then_message_mentions ("empty");
}

Test (account, registering_with_a_name_of_only_punctuation_is_refused)
{
    contacts_account_register (d, &acme, "a1", cmd ("{\"name\":\"...\",\"type\":\"owner\"}"), NULL);
    then_rejected (DBK_EINVAL, "name");
    then_message_mentions ("letters or digits");
}

Test (account, registering_with_a_name_that_is_not_text_is_refused)
{
    contacts_account_register (d, &acme, "a1", cmd ("{\"name\":42,\"type\":\"owner\"}"), NULL);
    then_rejected (DBK_EINVAL, "name");
    then_message_mentions ("text");
}

Test (account, registering_with_an_overlong_name_is_refused)
{
    char json[600];
    snprintf (json, sizeof json, "{\"name\":\"%0*d\",\"type\":\"owner\"}", CONTACTS_NAME_MAX + 1,
              0);
    contacts_account_register (d, &acme, "a1", cmd (json), NULL);
    then_rejected (DBK_EINVAL, "name");
    then_message_mentions ("too long");
}

Test (account, registering_with_a_control_character_in_the_name_is_refused)
{
    contacts_account_register (d, &acme, "a1", cmd ("{\"name\":\"AC\\nME\",\"type\":\"owner\"}"),
                               NULL);
    then_rejected (DBK_EINVAL, "name");
}

Test (account, registering_without_a_type_is_refused)
{
    contacts_account_register (d, &acme, "a1", cmd ("{\"name\":\"ACME\"}"), NULL);
    then_rejected (DBK_EINVAL, "type");
}

Test (account, registering_with_an_unknown_type_is_refused_listing_the_allowed_types)
{
    contacts_account_register (d, &acme, "a1", cmd ("{\"name\":\"ACME\",\"type\":\"bank\"}"), NULL);
    then_rejected (DBK_EINVAL, "type");
    then_message_mentions ("owner, design_institute, general_contractor, subcontractor, "
                           "decoration, government, distributor");
}

Test (account, registering_with_an_unknown_lead_source_is_refused_listing_the_allowed_ones)
{
    contacts_account_register (
        d, &acme, "a1", cmd ("{\"name\":\"ACME\",\"type\":\"owner\",\"lead_source\":\"web\"}"),
        NULL);
    then_rejected (DBK_EINVAL, "lead_source");
    then_message_mentions ("tender_website, government_notice, design_institute, exhibition, "
                           "association, referral, partner, cold_visit");
}

Test (account, registering_with_an_unknown_field_is_refused)
{
    contacts_account_register (
        d, &acme, "a1", cmd ("{\"name\":\"ACME\",\"type\":\"owner\",\"cty\":\"上海\"}"), NULL);
    then_rejected (DBK_EINVAL, "cty");
}

/*  {key: value}, both of the lengths given: a command with bytes that JSON
    cannot carry (a NUL), written by hand. */
static const dbk_obj_t *cmd_pair (const char *key, size_t kn, const char *value, size_t vn)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 1);
    dbk_wr_str (w, key, kn);
    dbk_wr_str (w, value, vn);
    const dbk_obj_t *o = s_keep (dbk_wr_data (w), dbk_wr_size (w));
    dbk_wr_destroy (&w);
    return o;
}

/*  The field of an unknown key is text a client can decode and show:
    found by tests/services_wire_fuzz_test.py, where a key of 30 CJK
    characters came back cut inside a character (the reply's field and
    msg were not UTF-8, so a strict client could not read the reply), and
    the keys "\0" and "" came back with no field at all. */
Test (account, an_unknown_key_is_named_whole_characters_and_printable)
{
    char key[91] = "";
    for (int i = 0; i < 30; i++)
        strcat (key, "名"); /* 3 bytes each */
    contacts_account_update (d, &acme, cmd_pair (key, 90, "x", 1), NULL);
    then_rejected (DBK_EINVAL, NULL);
    const char *f = dbk_decision_field (d);
    cr_assert_not_null (f);
    cr_assert_eq (strlen (f), 63, "21 whole characters: %s", f);
    cr_assert (dbk_utf8_valid (f, strlen (f)));
    cr_assert (dbk_utf8_valid (dbk_decision_message (d), strlen (dbk_decision_message (d))));

    contacts_account_update (d, &acme, cmd_pair ("a\0b\n", 4, "x", 1), NULL);
    then_rejected (DBK_EINVAL, "a\\u0000b\\u000a");
    contacts_account_update (d, &acme, cmd_pair ("", 0, "x", 1), NULL);
    then_rejected (DBK_EINVAL, "\"\"");
    then_message_mentions ("\"\" is not a field");
}

Test (account, the_service_request_keys_around_the_fields_are_ignored)
{
    contacts_account_register (d, &acme, "a1",
                               cmd ("{\"v\":1,\"rid\":7,\"op\":\"ACCOUNT_REGISTER\","
                                    "\"cmd\":\"0193a3b4-0000-7000-8000-000000000001\","
                                    "\"actor\":\"u1\",\"corr\":null,\"id\":\"a1\","
                                    "\"name\":\"ACME\",\"type\":\"owner\"}"),
                               NULL);
    then_accepted (1);
    cr_assert_eq (dbk_obj_len (payload (0)), 4, "id, name, type, normalized_name only");
}

Test (account, a_command_that_is_not_a_map_is_refused)
{
    contacts_account_register (d, &acme, "a1", cmd ("[\"ACME\"]"), NULL);
    then_rejected (DBK_EINVAL, NULL);
}

Test (account, registering_with_a_malformed_id_is_refused)
{
    contacts_account_register (d, &acme, "a 1", cmd ("{\"name\":\"ACME\",\"type\":\"owner\"}"),
                               NULL);
    then_rejected (DBK_EINVAL, "id");
}

Test (account, registering_an_account_that_exists_is_refused)
{
    given_acme ();
    contacts_account_register (d, &acme, "a1", cmd ("{\"name\":\"ACME\",\"type\":\"owner\"}"),
                               NULL);
    then_rejected (DBK_EDUPLICATE, "id");
}

Test (account, registering_an_account_whose_normalised_name_exists_is_refused_as_duplicate)
{
    contacts_account_facts_t dup = {"a1"};
    contacts_account_register (d, &other, "a2", cmd ("{\"name\":\"acme\",\"type\":\"owner\"}"),
                               &dup);
    then_rejected (DBK_EDUPLICATE, "name");
    then_message_mentions ("a1");
    then_message_mentions ("force");
}

Test (account, registering_a_duplicate_with_force_is_accepted_and_names_the_duplicate)
{
    contacts_account_facts_t dup = {"a1"};
    contacts_account_register (d, &other, "a2",
                               cmd ("{\"name\":\"acme\",\"type\":\"owner\",\"force\":true}"), &dup);
    then_accepted (1);
    cr_assert (has_str (payload (0), "duplicate_of", "a1"));
}

Test (account, force_that_is_not_a_boolean_is_refused)
{
    contacts_account_register (
        d, &acme, "a1", cmd ("{\"name\":\"ACME\",\"type\":\"owner\",\"force\":\"false\"}"), NULL);
    then_rejected (DBK_EINVAL, "force");
}

/*  ======================= accounts: update ======================= */

Test (account, updating_an_account_records_only_the_changed_fields)
{
    given_acme ();
    contacts_account_update (d, &acme,
                             cmd ("{\"id\":\"a1\",\"city\":\"上海\",\"region\":\"华东\","
                                  "\"credit\":\"good\"}"),
                             NULL);
    then_accepted (1);
    then_event (0, "account-a1", "account.updated");
    const dbk_obj_t *p = payload (0);
    const dbk_obj_t *changed = dbk_obj_get (p, "changed");
    cr_assert_eq (dbk_obj_len (changed), 2);
    cr_assert (dbk_obj_str_eq (dbk_obj_at (changed, 0), "region"));
    cr_assert (dbk_obj_str_eq (dbk_obj_at (changed, 1), "credit"));
    cr_assert (has_str (p, "region", "华东"));
    cr_assert_null (dbk_obj_get (p, "city"), "unchanged fields stay out");
    fold_account (&acme, "account-a1");
    cr_assert_str_eq (acme.region, "华东");
    cr_assert_str_eq (acme.credit, "good");
}

Test (account, updating_with_nothing_new_decides_no_event)
{
    given_acme ();
    int rc =
        contacts_account_update (d, &acme, cmd ("{\"city\":\"上海\",\"type\":\"owner\"}"), NULL);
    cr_assert_eq (rc, 0);
    then_accepted (0);
}

Test (account, updating_with_an_empty_value_clears_an_optional_field)
{
    given_acme ();
    contacts_account_update (d, &acme, cmd ("{\"city\":\"\"}"), NULL);
    then_accepted (1);
    cr_assert_eq (dbk_obj_type (dbk_obj_get (payload (0), "city")), DBK_T_NIL);
    fold_account (&acme, "account-a1");
    cr_assert_null (acme.city);
}

/*  A NUL is no blank to trim: "\0" is a control character, not an empty
    value that clears the field (found by tests/services_wire_fuzz_test.py,
    where {"city": "\0"} was accepted as a clear and {"phone": "\0"} as no
    phone at all). */
Test (account, updating_with_a_nul_byte_is_refused_not_taken_for_a_clear)
{
    given_acme ();
    contacts_account_update (d, &acme, cmd_pair ("city", 4, "\0", 1), NULL);
    then_rejected (DBK_EINVAL, "city");
    then_message_mentions ("control characters");
}

Test (account, updating_cannot_clear_the_name)
{
    given_acme ();
    contacts_account_update (d, &acme, cmd ("{\"name\":\"\"}"), NULL);
    then_rejected (DBK_EINVAL, "name");
}

Test (account, updating_with_an_invalid_type_is_refused)
{
    given_acme ();
    contacts_account_update (d, &acme, cmd ("{\"type\":\"Owner\"}"), NULL);
    then_rejected (DBK_EINVAL, "type");
}

Test (account, updating_an_unknown_account_is_refused_as_not_found)
{
    contacts_account_update (d, &acme, cmd ("{\"city\":\"北京\"}"), NULL);
    then_rejected (DBK_ENOTFOUND, "id");
}

Test (account, updating_an_archived_account_is_refused)
{
    given_acme ();
    given_archived (&acme);
    contacts_account_update (d, &acme, cmd ("{\"city\":\"北京\"}"), NULL);
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("archived");
}

Test (account, updating_a_merged_account_is_refused_naming_the_survivor)
{
    given_acme ();
    given_other ();
    given_merged (&acme, &other);
    contacts_account_update (d, &acme, cmd ("{\"city\":\"北京\"}"), NULL);
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("merged into account a2");
}

Test (account, renaming_to_the_name_of_another_account_is_refused_as_duplicate)
{
    given_acme ();
    contacts_account_facts_t dup = {"a2"};
    contacts_account_update (d, &acme, cmd ("{\"name\":\"上海建工\"}"), &dup);
    then_rejected (DBK_EDUPLICATE, "name");
    then_message_mentions ("a2");
}

Test (account, renaming_to_a_duplicate_with_force_is_accepted)
{
    given_acme ();
    contacts_account_facts_t dup = {"a2"};
    contacts_account_update (d, &acme, cmd ("{\"name\":\"上海建工\",\"force\":true}"), &dup);
    then_accepted (1);
    cr_assert (has_str (payload (0), "normalized_name", "上海建工"));
    fold_account (&acme, "account-a1");
    cr_assert_str_eq (acme.normalized_name, "上海建工");
}

Test (account, respelling_a_name_to_the_same_normalised_name_is_no_duplicate)
{
    given_acme ();
    contacts_account_facts_t self = {"a1"};
    contacts_account_update (d, &acme, cmd ("{\"name\":\"Acme Limited\"}"), &self);
    then_accepted (1);
}

/*  ======================= accounts: archive ======================= */

Test (account, archiving_an_account_records_the_reason)
{
    given_acme ();
    contacts_account_archive (d, &acme, cmd ("{\"reason\":\"bankrupt\"}"));
    then_accepted (1);
    then_event (0, "account-a1", "account.archived");
    cr_assert (has_str (payload (0), "reason", "bankrupt"));
    fold_account (&acme, "account-a1");
    cr_assert_eq (acme.status, CONTACTS_ACCOUNT_ARCHIVED);
}

Test (account, archiving_twice_is_refused)
{
    given_acme ();
    given_archived (&acme);
    contacts_account_archive (d, &acme, cmd ("{}"));
    then_rejected (DBK_EREJECTED, "id");
}

Test (account, archiving_an_unknown_account_is_refused_as_not_found)
{
    contacts_account_archive (d, &acme, cmd ("{}"));
    then_rejected (DBK_ENOTFOUND, "id");
}

/*  ======================= accounts: merge ======================= */

Test (account, merging_records_an_event_on_each_account_naming_the_other)
{
    given_acme ();
    given_other ();
    contacts_account_merge (d, &acme, &other, cmd ("{\"into\":\"a2\",\"reason\":\"same firm\"}"));
    then_accepted (2);
    then_event (0, "account-a1", "account.merged");
    then_event (1, "account-a2", "account.absorbed");
    cr_assert (has_str (payload (0), "into", "a2"));
    cr_assert (has_str (payload (0), "reason", "same firm"));
    cr_assert (has_str (payload (1), "id", "a2"));
    cr_assert (has_str (payload (1), "absorbed", "a1"));
    fold_account (&acme, "account-a1");
    fold_account (&other, "account-a2");
    cr_assert_eq (acme.status, CONTACTS_ACCOUNT_MERGED);
    cr_assert_str_eq (acme.merged_into, "a2");
    cr_assert_eq (other.status, CONTACTS_ACCOUNT_ACTIVE);
    cr_assert_eq (other.absorbed, 1);
}

Test (account, merging_without_naming_the_survivor_is_refused)
{
    given_acme ();
    given_other ();
    contacts_account_merge (d, &acme, &other, cmd ("{}"));
    then_rejected (DBK_EINVAL, "into");
}

Test (account, merging_an_account_into_itself_is_refused)
{
    given_acme ();
    contacts_account_merge (d, &acme, &acme, cmd ("{\"into\":\"a1\"}"));
    then_rejected (DBK_EINVAL, "into");
}

Test (account, merging_an_unknown_account_is_refused_as_not_found)
{
    given_other ();
    contacts_account_merge (d, &acme, &other, cmd ("{\"into\":\"a2\"}"));
    then_rejected (DBK_ENOTFOUND, "id");
}

Test (account, merging_into_an_unknown_account_is_refused_as_not_found)
{
    given_acme ();
    contacts_account_merge (d, &acme, &other, cmd ("{\"into\":\"a9\"}"));
    then_rejected (DBK_ENOTFOUND, "into");
    then_message_mentions ("a9");
}

Test (account, merging_an_already_merged_account_is_refused)
{
    given_acme ();
    given_other ();
    given_merged (&acme, &other);
    contacts_account_merge (d, &acme, &other, cmd ("{\"into\":\"a2\"}"));
    then_rejected (DBK_EREJECTED, "id");
}

Test (account, merging_into_an_archived_account_is_refused)
{
    given_acme ();
    given_other ();
    given_archived (&other);
    contacts_account_merge (d, &acme, &other, cmd ("{\"into\":\"a2\"}"));
    then_rejected (DBK_EREJECTED, "into");
}

Test (account, merging_into_a_merged_account_is_refused_naming_its_survivor)
{
    given_acme ();
    given_other ();
    given_merged (&other, &acme);
    contacts_account_t third;
    contacts_account_init (&third);
    given_account (&third, "a3", "{\"name\":\"Third\",\"type\":\"distributor\"}");
    contacts_account_merge (d, &third, &other, cmd ("{\"into\":\"a2\"}"));
    then_rejected (DBK_EREJECTED, "into");
    then_message_mentions ("merge into a1");
    contacts_account_reset (&third);
}

Test (account, an_archived_account_can_be_merged_away)
{
    given_acme ();
    given_other ();
    given_archived (&acme);
    contacts_account_merge (d, &acme, &other, cmd ("{\"into\":\"a2\"}"));
    then_accepted (2);
}

/*  ======================= accounts: evolve ======================= */

Test (account, evolve_ignores_event_types_it_does_not_know)
{
    given_acme ();
    cr_assert_eq (contacts_account_evolve (&acme, "account.renamed_in_2030", cmd ("{}")), 0);
    cr_assert_eq (acme.status, CONTACTS_ACCOUNT_ACTIVE);
}

Test (account, evolve_refuses_a_registration_without_its_id)
{
    cr_assert_eq (contacts_account_evolve (&acme, "account.registered", cmd ("{\"name\":\"x\"}")),
                  DBK_EMALFORMED);
}
