/*  test_opportunities_decider.c - the opportunities service's domain rules
    (services/opportunities/opportunities_decider.h) as specifications,
    Given-When-Then: given the events of an opportunity (decided by the
    same deciders and folded with opp_evolve), when a command, then these
    events or this rejection. This suite: the deal's life - registration
    and its conflicts, updates, the next step, the forecast category, the
    procurement stage and outcomes; test_opportunities_award.c: the
    reaction to the bidding service's award; test_opportunities_funnel.c:
    the funnel; test_opportunities_rules.c:
    qualification, checklist, stakeholders and red flags, needs,
    competitors, evolve and the date helpers.
*/
#include "support/opp_given.h"

TestSuite (registration, .init = s_setup, .fini = s_teardown);
TestSuite (conflict, .init = s_setup, .fini = s_teardown);
TestSuite (changes, .init = s_setup, .fini = s_teardown);
TestSuite (stage, .init = s_setup, .fini = s_teardown);
TestSuite (outcome, .init = s_setup, .fini = s_teardown);

/*  ======================= registration ======================= */

Test (registration, registering_a_project_records_every_given_field_at_L1)
{
    cr_assert_eq (opp_register (d, &deal, "o1", cmd (S_DEAL_JSON), &facts), 0);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.registered");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "id", "o1"));
    cr_assert (has_str (p, "on", "2026-03-01"));
    cr_assert (has_str (p, "name", "浦东医院照明"));
    cr_assert (has_str (p, "normalized_name", "浦东医院照明"));
    cr_assert (has_str (p, "account_id", "a1"));
    cr_assert (has_str (p, "owner", "wang"));
    cr_assert (has_str (p, "currency", "CNY"));
    cr_assert (has_str (p, "close_date", "2026-09-30"));
    cr_assert (has_int (p, "amount", 320000000));
    cr_assert (has_str (p, "site_city", "上海"));
    cr_assert (has_str (p, "site_address", "浦东新区 1 号"));
    cr_assert (has_str (p, "project_type", "hospital"));
    cr_assert (has_str (p, "team", "east"));
    cr_assert (has_str (p, "region", "华东"));
    cr_assert (has_str (p, "stage", "need_discovery"), "the default stage");
    cr_assert (has_int (p, "level", 1));
    cr_assert_null (dbk_obj_get (p, "overlaps"));
}

Test (registration, a_registered_project_is_open_at_L1_with_its_fields)
{
    given_deal ();
    cr_assert_eq (deal.status, OPP_OPEN);
    cr_assert_str_eq (deal.id, "o1");
    cr_assert_str_eq (deal.owner, "wang");
    cr_assert_eq (deal.amount, 320000000);
    cr_assert_eq (deal.level, 1);
    cr_assert_str_eq (deal.stage, "need_discovery");
    cr_assert_str_eq (deal.registered_on, "2026-01-10");
    cr_assert_str_eq (deal.touched, "2026-01-10");
    cr_assert_eq (opp_probability (&deal, NULL), 10);
}

Test (registration, the_amount_defaults_to_zero_and_a_stage_may_be_given)
{
    opp_register (d, &deal, "o1",
                  cmd ("{\"name\":\"Metro 5\",\"account_id\":\"a1\",\"owner\":\"wang\","
                       "\"currency\":\"CNY\",\"close_date\":\"2026-12-31\","
                       "\"stage\":\"evaluation\",\"team\":\"\"}"),
                  &facts);
    then_accepted (1);
    cr_assert (has_int (payload (0), "amount", 0));
    cr_assert (has_str (payload (0), "stage", "evaluation"));
    cr_assert_null (dbk_obj_get (payload (0), "team"), "an empty optional field is left out");
}

Test (registration, without_today_the_event_carries_no_date)
{
    facts.today = NULL;
    opp_register (d, &deal, "o1", cmd (S_DEAL_JSON), &facts);
    then_accepted (1);
    cr_assert_null (dbk_obj_get (payload (0), "on"));
}

Test (registration, each_required_field_is_required_and_cannot_be_empty)
{
    const char *keys[] = {"name", "account_id", "owner", "currency", "close_date"};
    const char *vals[] = {"P", "a1", "wang", "CNY", "2026-09-30"};
    for (size_t missing = 0; missing < 5; missing++)
        for (int empty = 0; empty < 2; empty++) {
            char json[600] = "{";
            for (size_t i = 0; i < 5; i++) {
                if (i == missing && !empty)
                    continue;
                size_t at = strlen (json);
                snprintf (json + at, sizeof json - at, "%s\"%s\":\"%s\"", at > 1 ? "," : "",
                          keys[i], i == missing ? " " : vals[i]);
            }
            strcat (json, "}");
            dbk_decision_reset (d);
            opp_register (d, &deal, "o1", cmd (json), &facts);
            then_rejected (DBK_EINVAL, keys[missing]);
            then_message_mentions (empty ? "empty" : "required");
        }
}

Test (registration, a_malformed_id_is_refused)
{
    opp_register (d, &deal, "o 1", cmd (S_DEAL_JSON), &facts);
    then_rejected (DBK_EINVAL, "id");
    dbk_decision_reset (d);
    opp_register (d, &deal, NULL, cmd (S_DEAL_JSON), &facts);
    then_rejected (DBK_EINVAL, "id");
}

Test (registration, a_name_of_only_punctuation_is_refused)
{
    opp_register (d, &deal, "o1",
                  cmd ("{\"name\":\"...\",\"account_id\":\"a1\",\"owner\":\"wang\","
                       "\"currency\":\"CNY\",\"close_date\":\"2026-09-30\"}"),
                  &facts);
    then_rejected (DBK_EINVAL, "name");
    then_message_mentions ("letters or digits");
}

Test (registration, a_negative_or_fractional_amount_is_refused)
{
    opp_register (d, &deal, "o1",
                  cmd ("{\"name\":\"P\",\"account_id\":\"a1\",\"owner\":\"wang\","
                       "\"currency\":\"CNY\",\"close_date\":\"2026-09-30\",\"amount\":-1}"),
                  &facts);
    then_rejected (DBK_EINVAL, "amount");
    dbk_decision_reset (d);
    opp_register (d, &deal, "o1",
                  cmd ("{\"name\":\"P\",\"account_id\":\"a1\",\"owner\":\"wang\","
                       "\"currency\":\"CNY\",\"close_date\":\"2026-09-30\",\"amount\":1.5}"),
                  &facts);
    then_rejected (DBK_EINVAL, "amount");
    then_message_mentions ("minor units");
}

Test (registration, a_currency_that_is_not_iso_4217_is_refused)
{
    opp_register (d, &deal, "o1",
                  cmd ("{\"name\":\"P\",\"account_id\":\"a1\",\"owner\":\"wang\","
                       "\"currency\":\"rmb\",\"close_date\":\"2026-09-30\"}"),
                  &facts);
    then_rejected (DBK_EINVAL, "currency");
    then_message_mentions ("ISO 4217");
}

Test (registration, three_capitals_that_iso_4217_does_not_list_are_no_currency)
{
    /*  Given nothing registered
        When a deal is registered in XYZ, in XXX (ISO's "no currency"), in
        HRK (withdrawn when Croatia took the euro)
        Then each is refused on currency, naming what is accepted; and the
        money the repo's deals are in (CNY, USD, EUR, VND, KWD) is taken */
    static const char *const refused[] = {"XYZ", "XXX", "HRK"};
    static const char *const taken[] = {"CNY", "USD", "EUR", "VND", "KWD"};
    char json[300];
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        dbk_decision_reset (d);
        snprintf (json, sizeof json,
                  "{\"name\":\"P\",\"account_id\":\"a1\",\"owner\":\"wang\","
                  "\"currency\":\"%s\",\"close_date\":\"2026-09-30\"}",
                  refused[i]);
        opp_register (d, &deal, "o1", cmd (json), &facts);
        then_rejected (DBK_EINVAL, "currency");
        then_message_mentions ("currency must be an ISO 4217 code such as CNY, EUR or USD");
        then_message_mentions (refused[i]);
    }
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
        dbk_decision_reset (d);
        snprintf (json, sizeof json,
                  "{\"name\":\"P\",\"account_id\":\"a1\",\"owner\":\"wang\","
                  "\"currency\":\"%s\",\"close_date\":\"2026-09-30\"}",
                  taken[i]);
        opp_register (d, &deal, "o1", cmd (json), &facts);
        then_accepted (1);
    }
}

Test (registration, a_close_date_that_is_not_a_real_date_is_refused)
{
    opp_register (d, &deal, "o1",
                  cmd ("{\"name\":\"P\",\"account_id\":\"a1\",\"owner\":\"wang\","
                       "\"currency\":\"CNY\",\"close_date\":\"2026-02-30\"}"),
                  &facts);
    then_rejected (DBK_EINVAL, "close_date");
    then_message_mentions ("YYYY-MM-DD");
}

Test (registration, an_unknown_project_type_or_stage_is_refused_listing_the_allowed_ones)
{
    opp_register (d, &deal, "o1",
                  cmd ("{\"name\":\"P\",\"account_id\":\"a1\",\"owner\":\"wang\","
                       "\"currency\":\"CNY\",\"close_date\":\"2026-09-30\","
                       "\"project_type\":\"castle\"}"),
                  &facts);
    then_rejected (DBK_EINVAL, "project_type");
    then_message_mentions ("hospital, airport, metro");
    dbk_decision_reset (d);
    opp_register (d, &deal, "o1",
                  cmd ("{\"name\":\"P\",\"account_id\":\"a1\",\"owner\":\"wang\","
                       "\"currency\":\"CNY\",\"close_date\":\"2026-09-30\",\"stage\":\"won\"}"),
                  &facts);
    then_rejected (DBK_EINVAL, "stage");
    then_message_mentions ("need_discovery, internal_deliberation, requirement_design, "
                           "evaluation, commitment, implementation");
}

Test (registration, an_unknown_key_is_refused_but_the_request_envelope_is_allowed)
{
    opp_register (d, &deal, "o1",
                  cmd ("{\"name\":\"P\",\"account_id\":\"a1\",\"owner\":\"wang\","
                       "\"currency\":\"CNY\",\"close_date\":\"2026-09-30\",\"level\":\"L3\"}"),
                  &facts);
    then_rejected (DBK_EINVAL, "level");
    then_message_mentions ("not a field");
    dbk_decision_reset (d);
    opp_register (d, &deal, "o1",
                  cmd ("{\"name\":\"P\",\"account_id\":\"a1\",\"owner\":\"wang\","
                       "\"currency\":\"CNY\",\"close_date\":\"2026-09-30\",\"rid\":7,"
                       "\"op\":\"opportunity.register\",\"actor\":\"wang\",\"id\":\"o1\"}"),
                  &facts);
    then_accepted (1);
}

Test (registration, force_must_be_a_bool)
{
    opp_register (d, &deal, "o1",
                  cmd ("{\"name\":\"P\",\"account_id\":\"a1\",\"owner\":\"wang\","
                       "\"currency\":\"CNY\",\"close_date\":\"2026-09-30\",\"force\":\"yes\"}"),
                  &facts);
    then_rejected (DBK_EINVAL, "force");
}

Test (registration, registering_an_existing_opportunity_is_a_duplicate)
{
    given_deal ();
    opp_register (d, &deal, "o1", cmd (S_DEAL_JSON), &facts);
    then_rejected (DBK_EDUPLICATE, "id");
}

Test (registration, an_unknown_account_is_not_found)
{
    opp_register (d, &deal, "o1",
                  cmd ("{\"name\":\"P\",\"account_id\":\"a7\",\"owner\":\"wang\","
                       "\"currency\":\"CNY\",\"close_date\":\"2026-09-30\"}"),
                  &facts);
    then_rejected (DBK_ENOTFOUND, "account_id");
    dbk_decision_reset (d);
    opp_register (d, &deal, "o1", cmd (S_DEAL_JSON), NULL);
    then_rejected (DBK_ENOTFOUND, "account_id");
}

Test (registration, an_archived_or_merged_account_takes_no_new_project)
{
    opp_register (d, &deal, "o1",
                  cmd ("{\"name\":\"P\",\"account_id\":\"a9\",\"owner\":\"wang\","
                       "\"currency\":\"CNY\",\"close_date\":\"2026-09-30\"}"),
                  &facts);
    then_rejected (DBK_EREJECTED, "account_id");
}

Test (registration, the_same_owner_registering_the_same_project_again_is_a_duplicate)
{
    opp_match_t m = {"o0", "wang", "2026-02-01", 0};
    facts.match = &m;
    opp_register (d, &deal, "o1", cmd (S_DEAL_JSON), &facts);
    then_rejected (DBK_EDUPLICATE, "name");
    then_message_mentions ("o0");
}

Test (registration, the_same_owner_may_force_a_second_registration_noting_the_overlap)
{
    opp_match_t m = {"o0", "wang", "2026-02-01", 0};
    facts.match = &m;
    opp_register (d, &deal, "o1",
                  cmd ("{\"name\":\"P\",\"account_id\":\"a1\",\"owner\":\"wang\","
                       "\"currency\":\"CNY\",\"close_date\":\"2026-09-30\",\"force\":true}"),
                  &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "overlaps", "o0"));
    cr_assert_null (dbk_obj_get (payload (0), "force"));
}

/*  ======================= conflicts ======================= */

Test (conflict, a_match_of_another_owner_within_protection_is_recorded_and_flagged_on_both)
{
    opp_match_t m = {"o0", "li", "2026-01-01", 0}; /* 59 days before today */
    facts.match = &m;
    opp_register (d, &deal, "o1", cmd (S_DEAL_JSON), &facts);
    then_accepted (3);
    then_event (0, "opportunity-o1", "opportunity.registered");
    then_event (1, "opportunity-o1", "opportunity.conflict_flagged");
    then_event (2, "opportunity-o0", "opportunity.conflict_flagged");
    cr_assert (has_str (payload (1), "with", "o0"));
    cr_assert (has_str (payload (1), "with_owner", "li"));
    cr_assert (has_str (payload (1), "protected_until", "2026-04-01"));
    cr_assert (has_str (payload (2), "id", "o0"));
    cr_assert (has_str (payload (2), "with", "o1"));
    cr_assert (has_str (payload (2), "with_owner", "wang"));
    cr_assert_null (dbk_obj_get (payload (0), "overlaps"));
    fold (&deal, "opportunity-o1");
    cr_assert_eq (deal.nconflicts, 1);
    cr_assert_str_eq (deal.conflicts[0].id, "o0");
    cr_assert_str_eq (deal.conflicts[0].owner, "li");
    cr_assert_eq (deal.status, OPP_OPEN, "still recorded, to be resolved");
}

Test (conflict, after_the_protection_period_a_match_is_only_noted)
{
    opp_match_t m = {"o0", "li", "2025-12-01", 0}; /* 90 days before 2026-03-01 */
    facts.match = &m;
    opp_register (d, &deal, "o1", cmd (S_DEAL_JSON), &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "overlaps", "o0"));
}

Test (conflict, the_protection_period_is_configurable)
{
    opp_config_t cfg = opp_default_config;
    cfg.protection_days = 30;
    opp_match_t m = {"o0", "li", "2026-01-01", 0};
    facts.match = &m;
    facts.config = &cfg;
    opp_register (d, &deal, "o1", cmd (S_DEAL_JSON), &facts);
    then_accepted (1);
    cfg.protection_days = 365;
    dbk_decision_reset (d);
    opp_register (d, &deal, "o1", cmd (S_DEAL_JSON), &facts);
    then_accepted (3);
    cr_assert (has_str (payload (1), "protected_until", "2027-01-01"));
}

Test (conflict, an_unknown_registration_date_keeps_the_first_owner_protected)
{
    opp_match_t m = {"o0", "li", NULL, 0};
    facts.match = &m;
    opp_register (d, &deal, "o1", cmd (S_DEAL_JSON), &facts);
    then_accepted (3);
    cr_assert_null (dbk_obj_get (payload (1), "protected_until"));
}

/*  Given: o0 of li and o1 of wang in conflict. */
static void given_conflict (void)
{
    opp_facts_t f = facts;
    f.today = "2026-01-01";
    GIVEN (&other, opp_register (d, &other, "o0",
                                 cmd ("{\"name\":\"浦东医院照明\",\"account_id\":\"a1\","
                                      "\"owner\":\"li\",\"currency\":\"CNY\","
                                      "\"close_date\":\"2026-09-30\"}"),
                                 &f));
    opp_match_t m = {"o0", "li", "2026-01-01", 0};
    facts.match = &m;
    cr_assert_eq (opp_register (d, &deal, "o1", cmd (S_DEAL_JSON), &facts), 0);
    fold (&deal, "opportunity-o1");
    fold (&other, "opportunity-o0");
    dbk_decision_reset (d);
    facts.match = NULL;
    facts.manager = true;
    facts.actor = "zhao";
}

Test (conflict, a_manager_assigns_the_project_to_the_first_owner)
{
    given_conflict ();
    opp_resolve_conflict (d, &deal, &other,
                          cmd ("{\"with\":\"o0\",\"owner\":\"li\",\"reason\":\"first\"}"), &facts);
    then_accepted (2);
    then_event (0, "opportunity-o1", "opportunity.conflict_resolved");
    then_event (1, "opportunity-o0", "opportunity.conflict_resolved");
    cr_assert (has_str (payload (0), "outcome", "closed"));
    cr_assert (has_str (payload (1), "outcome", "kept"));
    cr_assert (has_str (payload (0), "owner", "li"));
    cr_assert (has_str (payload (0), "reason", "first"));
    fold (&deal, "opportunity-o1");
    fold (&other, "opportunity-o0");
    cr_assert_eq (deal.status, OPP_DUPLICATE);
    cr_assert_str_eq (deal.duplicate_of, "o0");
    cr_assert_str_eq (deal.owner, "wang", "the closed deal keeps who registered it");
    cr_assert_str_eq (other.owner, "li");
    cr_assert_eq (other.status, OPP_OPEN);
    cr_assert_eq (other.nconflicts, 0);
    cr_assert_eq (deal.nconflicts, 0);
    dbk_decision_reset (d);
    opp_next_step_set (d, &deal, cmd ("{\"next_step\":\"call\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("duplicate of o0");
}

Test (conflict, a_manager_may_assign_it_to_the_second_owner)
{
    given_conflict ();
    opp_resolve_conflict (d, &deal, &other, cmd ("{\"with\":\"o0\",\"owner\":\"wang\"}"), &facts);
    then_accepted (2);
    cr_assert (has_str (payload (0), "outcome", "kept"));
    cr_assert (has_str (payload (1), "outcome", "closed"));
    cr_assert_null (dbk_obj_get (payload (0), "reason"));
}

Test (conflict, only_a_manager_resolves)
{
    given_conflict ();
    facts.manager = false;
    opp_resolve_conflict (d, &deal, &other, cmd ("{\"with\":\"o0\",\"owner\":\"li\"}"), &facts);
    then_rejected (DBK_EREJECTED, "actor");
}

Test (conflict, the_owner_must_be_one_of_the_two)
{
    given_conflict ();
    opp_resolve_conflict (d, &deal, &other, cmd ("{\"with\":\"o0\",\"owner\":\"zhou\"}"), &facts);
    then_rejected (DBK_EINVAL, "owner");
}

Test (conflict, with_must_name_the_other_opportunity)
{
    given_conflict ();
    opp_resolve_conflict (d, &deal, &other, cmd ("{\"with\":\"o1\",\"owner\":\"li\"}"), &facts);
    then_rejected (DBK_EINVAL, "with");
    then_message_mentions ("itself");
    dbk_decision_reset (d);
    opp_resolve_conflict (d, &deal, &other, cmd ("{\"with\":\"o5\",\"owner\":\"li\"}"), &facts);
    then_rejected (DBK_EINVAL, "with");
    dbk_decision_reset (d);
    opp_resolve_conflict (d, &deal, &other, cmd ("{\"owner\":\"li\"}"), &facts);
    then_rejected (DBK_EINVAL, "with");
}

Test (conflict, unknown_opportunities_are_not_found)
{
    facts.manager = true;
    given_deal ();
    opp_resolve_conflict (d, &deal, &other, cmd ("{\"with\":\"o0\",\"owner\":\"li\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "with");
    dbk_decision_reset (d);
    opp_resolve_conflict (d, &other, &deal, cmd ("{\"with\":\"o1\",\"owner\":\"li\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "id");
}

Test (conflict, two_opportunities_not_in_conflict_cannot_be_resolved)
{
    given_deal ();
    opp_facts_t f = facts;
    GIVEN (&other, opp_register (d, &other, "o0",
                                 cmd ("{\"name\":\"X\",\"account_id\":\"a1\",\"owner\":\"li\","
                                      "\"currency\":\"CNY\",\"close_date\":\"2026-09-30\"}"),
                                 &f));
    facts.manager = true;
    opp_resolve_conflict (d, &deal, &other, cmd ("{\"with\":\"o0\",\"owner\":\"li\"}"), &facts);
    then_rejected (DBK_EREJECTED, "with");
}

/*  ======================= updates, next step, category ======================= */

Test (changes, an_update_records_only_what_changes)
{
    given_deal ();
    opp_update (d, &deal,
                cmd ("{\"amount\":350000000,\"team\":\"east\",\"name\":\"浦东医院 LED 照明\","
                     "\"region\":\"\"}"),
                &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.updated");
    const dbk_obj_t *p = payload (0);
    cr_assert_eq (dbk_obj_len (dbk_obj_get (p, "changed")), 3);
    cr_assert (has_int (p, "amount", 350000000));
    cr_assert (has_str (p, "name", "浦东医院 LED 照明"));
    cr_assert (has_str (p, "normalized_name", "浦东医院led照明"));
    cr_assert_eq (dbk_obj_type (dbk_obj_get (p, "region")), DBK_T_NIL, "cleared");
    cr_assert_null (dbk_obj_get (p, "team"), "unchanged");
    fold (&deal, NULL);
    cr_assert_eq (deal.amount, 350000000);
    cr_assert_null (deal.region);
    cr_assert_str_eq (deal.touched, "2026-03-01");
}

Test (changes, an_update_that_changes_nothing_decides_nothing)
{
    given_deal ();
    cr_assert_eq (opp_update (d, &deal, cmd ("{\"team\":\"east\"}"), &facts), 0);
    then_accepted (0);
}

Test (changes, an_update_cannot_clear_a_required_field_or_change_the_owner)
{
    given_deal ();
    opp_update (d, &deal, cmd ("{\"close_date\":\"\"}"), &facts);
    then_rejected (DBK_EINVAL, "close_date");
    dbk_decision_reset (d);
    opp_update (d, &deal, cmd ("{\"owner\":\"li\"}"), &facts);
    then_rejected (DBK_EINVAL, "owner");
}

Test (changes, an_update_to_a_name_of_only_punctuation_is_refused)
{
    given_deal ();
    opp_update (d, &deal, cmd ("{\"name\":\"--\"}"), &facts);
    then_rejected (DBK_EINVAL, "name");
}

Test (changes, a_closed_deal_takes_no_change)
{
    given_deal ();
    given_event (&deal, "opportunity.lost", "{\"id\":\"o1\",\"reason\":\"price\"}");
    opp_update (d, &deal, cmd ("{\"team\":\"west\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("reopen it first");
}

Test (changes, changing_an_unknown_opportunity_is_not_found)
{
    opp_update (d, &deal, cmd ("{\"team\":\"x\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "id");
}

Test (changes, the_next_step_is_recorded_with_its_due_date)
{
    given_deal ();
    opp_next_step_set (d, &deal, cmd ("{\"next_step\":\"visit the chief\",\"due\":\"2026-03-05\"}"),
                       &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.next_step_set");
    cr_assert (has_str (payload (0), "next_step", "visit the chief"));
    cr_assert (has_str (payload (0), "due", "2026-03-05"));
    fold (&deal, NULL);
    cr_assert_str_eq (deal.next_step_due, "2026-03-05");
    dbk_decision_reset (d);
    opp_next_step_set (d, &deal, cmd ("{\"next_step\":\"visit the chief\",\"due\":\"2026-03-05\"}"),
                       &facts);
    then_accepted (0);
    opp_next_step_set (d, &deal, cmd ("{\"next_step\":\"visit the chief\"}"), &facts);
    then_accepted (1);
    fold (&deal, NULL);
    cr_assert_null (deal.next_step_due, "a new next step without a date has none");
}

Test (changes, a_next_step_needs_text_and_a_real_due_date)
{
    given_deal ();
    opp_next_step_set (d, &deal, cmd ("{\"due\":\"2026-03-05\"}"), &facts);
    then_rejected (DBK_EINVAL, "next_step");
    dbk_decision_reset (d);
    opp_next_step_set (d, &deal, cmd ("{\"next_step\":\"x\",\"due\":\"next week\"}"), &facts);
    then_rejected (DBK_EINVAL, "due");
}

Test (changes, the_owner_sets_the_forecast_category)
{
    given_deal ();
    opp_category_set (d, &deal, cmd ("{\"category\":\"best_case\"}"), &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.category_set");
    cr_assert (has_str (payload (0), "category", "best_case"));
    cr_assert_null (dbk_obj_get (payload (0), "from"));
    fold (&deal, NULL);
    dbk_decision_reset (d);
    opp_category_set (d, &deal, cmd ("{\"category\":\"commit\"}"), &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "from", "best_case"));
    fold (&deal, NULL);
    cr_assert_str_eq (deal.category, "commit");
    dbk_decision_reset (d);
    opp_category_set (d, &deal, cmd ("{\"category\":\"commit\"}"), &facts);
    then_accepted (0);
}

Test (changes, someone_else_than_the_owner_or_a_manager_cannot_set_the_category)
{
    given_deal ();
    facts.actor = "li";
    opp_category_set (d, &deal, cmd ("{\"category\":\"commit\"}"), &facts);
    then_rejected (DBK_EREJECTED, "actor");
    dbk_decision_reset (d);
    facts.manager = true;
    opp_category_set (d, &deal, cmd ("{\"category\":\"commit\"}"), &facts);
    then_accepted (1);
}

Test (changes, an_unknown_category_is_refused_listing_the_four)
{
    given_deal ();
    opp_category_set (d, &deal, cmd ("{\"category\":\"maybe\"}"), &facts);
    then_rejected (DBK_EINVAL, "category");
    then_message_mentions ("pipeline, best_case, commit, omitted");
}

/*  ======================= procurement stage ======================= */

Test (stage, the_customer_moves_to_another_stage_with_its_key_person)
{
    given_deal ();
    opp_stage_set (d, &deal, cmd ("{\"stage\":\"internal_deliberation\",\"key_person\":\"c2\"}"),
                   &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.stage_changed");
    cr_assert (has_str (payload (0), "from", "need_discovery"));
    cr_assert (has_str (payload (0), "stage", "internal_deliberation"));
    cr_assert (has_str (payload (0), "key_person", "c2"));
    fold (&deal, NULL);
    cr_assert_str_eq (deal.stage, "internal_deliberation");
    cr_assert_str_eq (deal.key_person[1], "c2");
    dbk_decision_reset (d);
    opp_stage_set (d, &deal, cmd ("{\"stage\":\"internal_deliberation\"}"), &facts);
    then_accepted (0);
    opp_stage_set (d, &deal, cmd ("{\"stage\":\"need_discovery\"}"), &facts);
    then_accepted (1);
}

Test (stage, an_unknown_stage_or_key_person_is_refused)
{
    given_deal ();
    opp_stage_set (d, &deal, cmd ("{\"stage\":\"tender\"}"), &facts);
    then_rejected (DBK_EINVAL, "stage");
    dbk_decision_reset (d);
    opp_stage_set (d, &deal, cmd ("{\"stage\":\"evaluation\",\"key_person\":\"x7\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "key_person");
}

Test (stage, the_key_person_of_any_stage_is_set)
{
    given_deal ();
    opp_key_person_set (d, &deal, cmd ("{\"stage\":\"evaluation\",\"contact_id\":\"c3\"}"), &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.key_person_set");
    fold (&deal, NULL);
    cr_assert_str_eq (deal.key_person[3], "c3");
    cr_assert_str_eq (deal.stage, "need_discovery", "the stage itself does not move");
    dbk_decision_reset (d);
    opp_key_person_set (d, &deal, cmd ("{\"stage\":\"evaluation\",\"contact_id\":\"c3\"}"), &facts);
    then_accepted (0);
    opp_key_person_set (d, &deal, cmd ("{\"stage\":\"evaluation\",\"contact_id\":\"zz\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "contact_id");
    dbk_decision_reset (d);
    opp_key_person_set (d, &deal, cmd ("{\"stage\":\"evaluation\"}"), &facts);
    then_rejected (DBK_EINVAL, "contact_id");
}

/*  ======================= outcome ======================= */

Test (outcome, a_won_deal_is_closed_at_100_percent)
{
    given_deal ();
    opp_win (d, &deal, cmd ("{\"amount\":310000000,\"date\":\"2026-02-28\"}"), &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.won");
    cr_assert (has_int (payload (0), "amount", 310000000));
    cr_assert (has_str (payload (0), "currency", "CNY"), "the deal's currency by default");
    fold (&deal, NULL);
    cr_assert_eq (deal.status, OPP_WON);
    cr_assert_eq (deal.won_amount, 310000000);
    cr_assert_eq (opp_probability (&deal, NULL), 100);
    dbk_decision_reset (d);
    opp_stakeholder_add (d, &deal, cmd ("{\"contact_id\":\"c1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("won");
    dbk_decision_reset (d);
    opp_lose (d, &deal, cmd ("{\"reason\":\"x\",\"date\":\"2026-03-01\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
}

Test (outcome, a_won_deal_keeps_the_reason_it_was_won)
{
    given_deal ();
    opp_win (d, &deal,
             cmd ("{\"amount\":310000000,\"date\":\"2026-02-28\",\"reason\":\"技术方案领先\"}"),
             &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "reason", "技术方案领先"));
    fold (&deal, NULL);
    cr_assert_str_eq (deal.won_reason, "技术方案领先");
    cr_assert_null (deal.loss_reason, "a win's reason is no loss reason");
}

Test (outcome, a_win_without_a_reason_records_none)
{
    given_deal ();
    opp_win (d, &deal, cmd ("{\"amount\":1,\"date\":\"2026-02-28\"}"), &facts);
    then_accepted (1);
    cr_assert_null (dbk_obj_get (payload (0), "reason"));
    fold (&deal, NULL);
    cr_assert_null (deal.won_reason);
}

Test (outcome, winning_needs_an_amount_and_a_date)
{
    given_deal ();
    opp_win (d, &deal, cmd ("{\"date\":\"2026-02-28\"}"), &facts);
    then_rejected (DBK_EINVAL, "amount");
    dbk_decision_reset (d);
    opp_win (d, &deal, cmd ("{\"amount\":1}"), &facts);
    then_rejected (DBK_EINVAL, "date");
}

Test (outcome, a_lost_deal_keeps_its_reason_winner_and_price_gap)
{
    given_deal ();
    opp_lose (d, &deal,
              cmd ("{\"reason\":\"price\",\"date\":\"2026-02-28\",\"winner\":\"k1\","
                   "\"price_gap\":-1500000}"),
              &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.lost");
    cr_assert (has_int (payload (0), "price_gap", -1500000));
    fold (&deal, NULL);
    cr_assert_eq (deal.status, OPP_LOST);
    cr_assert_str_eq (deal.loss_reason, "price");
    cr_assert_str_eq (deal.lost_to, "k1");
    cr_assert_eq (opp_probability (&deal, NULL), 0);
    dbk_decision_reset (d);
    opp_lose (d, &other, cmd ("{\"date\":\"2026-02-28\"}"), &facts);
    then_rejected (DBK_EINVAL, "reason");
}

Test (outcome, an_abandoned_deal_is_dated_today_by_default)
{
    given_deal ();
    opp_abandon (d, &deal, cmd ("{\"reason\":\"project cancelled\"}"), &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.abandoned");
    cr_assert (has_str (payload (0), "date", "2026-03-01"));
    fold (&deal, NULL);
    cr_assert_eq (deal.status, OPP_ABANDONED);
    dbk_decision_reset (d);
    opp_abandon (d, &deal, cmd ("{\"reason\":\"again\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    dbk_decision_reset (d);
    opp_abandon (d, &deal, cmd ("{}"), &facts);
    then_rejected (DBK_EINVAL, "reason");
}

Test (outcome, a_lost_deal_is_reopened_at_L1_keeping_its_loss)
{
    given_deal ();
    given_l4_evidence ();
    given_level ("L3");
    GIVEN (&deal,
           opp_lose (d, &deal,
                     cmd ("{\"reason\":\"price\",\"date\":\"2026-02-28\",\"winner\":\"k1\"}"),
                     &facts));
    opp_reopen (d, &deal, cmd ("{\"reason\":\"re-tendered\"}"), &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.reopened");
    cr_assert (has_str (payload (0), "from", "lost"));
    fold (&deal, NULL);
    cr_assert_eq (deal.status, OPP_OPEN);
    cr_assert_eq (deal.level, 1);
    cr_assert_eq (deal.reopened, 1);
    cr_assert_str_eq (deal.loss_reason, "price");
    cr_assert_str_eq (deal.lost_to, "k1");
}

Test (outcome, a_reopened_deal_starts_without_the_last_rounds_commitment_and_category)
{
    given_deal ();
    given_l4_evidence ();
    given_level ("L4");
    GIVEN (&deal,
           opp_commitment_record (
               d, &deal, cmd ("{\"kind\":\"verbal_commitment\",\"date\":\"2026-02-20\"}"), &facts));
    given_level ("L5");
    GIVEN (&deal, opp_category_set (d, &deal, cmd ("{\"category\":\"commit\"}"), &facts));
    GIVEN (&deal,
           opp_lose (d, &deal, cmd ("{\"reason\":\"price\",\"date\":\"2026-02-28\"}"), &facts));
    GIVEN (&deal, opp_reopen (d, &deal, cmd ("{\"reason\":\"re-tendered\"}"), &facts));
    cr_assert_null (deal.commitment, "the lost round's commitment is no evidence now");
    cr_assert_null (deal.category, "no forecast category, as a new registration");
    opp_level_set (d, &deal, cmd ("{\"level\":\"L5\"}"), &facts);
    then_rejected (DBK_EREJECTED, "commitment");
    /* what was learnt of the customer stays */
    cr_assert_eq (deal.nstakeholders, 2);
    cr_assert_eq (deal.nneeds, 1);
    cr_assert_str_eq (deal.decision, "pursue");
    cr_assert_str_eq (deal.loss_reason, "price");
    dbk_decision_reset (d);
    opp_level_set (d, &deal, cmd ("{\"level\":\"L4\"}"), &facts);
    then_accepted (1);
}

Test (outcome, an_abandoned_deal_is_reopened)
{
    given_deal ();
    GIVEN (&deal, opp_abandon (d, &deal, cmd ("{\"reason\":\"frozen\"}"), &facts));
    opp_reopen (d, &deal, cmd ("{\"reason\":\"budget back\"}"), &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "from", "abandoned"));
}

Test (outcome, only_lost_or_abandoned_deals_reopen_and_with_a_reason)
{
    opp_reopen (d, &deal, cmd ("{\"reason\":\"x\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "id");
    dbk_decision_reset (d);
    given_deal ();
    opp_reopen (d, &deal, cmd ("{\"reason\":\"x\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("open already");
    dbk_decision_reset (d);
    opp_reopen (d, &deal, cmd ("{}"), &facts);
    then_rejected (DBK_EINVAL, "reason");
    dbk_decision_reset (d);
    GIVEN (&deal, opp_win (d, &deal, cmd ("{\"amount\":1,\"date\":\"2026-02-28\"}"), &facts));
    opp_reopen (d, &deal, cmd ("{\"reason\":\"x\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("new registration");
}

Test (outcome, a_deal_closed_as_a_duplicate_does_not_reopen)
{
    given_deal ();
    given_event (&deal, "opportunity.conflict_resolved",
                 "{\"id\":\"o1\",\"with\":\"o0\",\"owner\":\"li\",\"outcome\":\"closed\"}");
    opp_reopen (d, &deal, cmd ("{\"reason\":\"x\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
}
