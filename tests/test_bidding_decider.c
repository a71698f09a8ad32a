/*  test_bidding_decider.c - the bidding service's tender rules
    (services/bidding/bidding_decider.h) as specifications,
    Given-When-Then: given the events of a tender (decided by the same
    deciders and folded with bid_tender_evolve), when a command, then
    these events or this rejection. This suite: opening a tender, key
    dates, the procurement steps, clarifications, the bid bond, bid /
    no-bid, the bid document's parts and the submission.
    test_bidding_award.c: the opening, the award and evolve;
    test_bidding_rules.c: quotes and their pricing approval;
    test_bidding_contract.c: contracts, collection and receivables.
*/
#include "support/bid_given.h"

#include "opportunities_decider.h"

TestSuite (tender, .init = s_setup, .fini = s_teardown);
TestSuite (dates, .init = s_setup, .fini = s_teardown);
TestSuite (steps, .init = s_setup, .fini = s_teardown);
TestSuite (clarification, .init = s_setup, .fini = s_teardown);
TestSuite (bond, .init = s_setup, .fini = s_teardown);
TestSuite (decision, .init = s_setup, .fini = s_teardown);
TestSuite (parts, .init = s_setup, .fini = s_teardown);
TestSuite (submission, .init = s_setup, .fini = s_teardown);

/*  ======================= opening a tender ======================= */

Test (tender, opening_a_tender_records_its_fields_at_the_notice_step)
{
    cr_assert_eq (bid_tender_open (d, &ten, "t1", cmd (S_TENDER_JSON), &facts), 0);
    then_accepted (1);
    then_event (0, "tender-t1", "tender.opened");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "id", "t1"));
    cr_assert (has_str (p, "on", "2026-03-01"));
    cr_assert (has_str (p, "opportunity_id", "o1"));
    cr_assert (has_str (p, "number", "SH-2026-0042"));
    cr_assert (has_str (p, "issuer", "上海招标公司"));
    cr_assert (has_str (p, "type", "public"));
    cr_assert (has_str (p, "currency", "CNY"));
    cr_assert (has_str (p, "account_id", "a1"));
    cr_assert (has_str (p, "step", "notice"));
    cr_assert (has_int (p, "envelopes", 1), "one envelope by default");
    cr_assert (has_int (p, "bond_required", 5000000));
    cr_assert (has_str (p, "submission_deadline", "2026-04-01"));
    fold ();
    cr_assert (ten.exists);
    cr_assert_str_eq (ten.id, "t1");
    cr_assert_str_eq (ten.step, "notice");
    cr_assert_str_eq (ten.dates[4], "2026-03-15");
    cr_assert_str_eq (ten.touched, "2026-03-01");
    cr_assert_eq (ten.envelopes, 1);
    cr_assert_eq (ten.bond_required, 5000000);
}

Test (tender, each_required_field_is_required)
{
    const char *keys[] = {"opportunity_id", "number", "issuer", "type", "currency"};
    const char *vals[] = {"o1", "N1", "X", "public", "CNY"};
    for (size_t missing = 0; missing < 5; missing++) {
        char json[400] = "{";
        for (size_t i = 0; i < 5; i++) {
            if (i == missing)
                continue;
            size_t at = strlen (json);
            snprintf (json + at, sizeof json - at, "%s\"%s\":\"%s\"", at > 1 ? "," : "", keys[i],
                      vals[i]);
        }
        strcat (json, "}");
        AGAIN ();
        bid_tender_open (d, &ten, "t1", cmd (json), &facts);
        then_rejected (DBK_EINVAL, keys[missing]);
        then_message_mentions ("required");
    }
}

Test (tender, the_type_must_be_a_tender_type)
{
    bid_tender_open (d, &ten, "t1",
                     cmd ("{\"opportunity_id\":\"o1\",\"number\":\"N\",\"issuer\":\"X\","
                          "\"type\":\"auction\",\"currency\":\"CNY\"}"),
                     &facts);
    then_rejected (DBK_EINVAL, "type");
    then_message_mentions ("competitive_negotiation");
}

Test (tender, a_tender_is_in_its_deals_currency)
{
    bid_tender_open (d, &ten, "t1",
                     cmd ("{\"opportunity_id\":\"o1\",\"number\":\"N\",\"issuer\":\"X\","
                          "\"type\":\"public\",\"currency\":\"USD\"}"),
                     &facts);
    then_rejected (DBK_EREJECTED, "currency");
    then_message_mentions ("CNY");
}

Test (tender, an_archived_or_merged_account_takes_no_new_tender)
{
    bid_tender_open (d, &ten, "t1",
                     cmd ("{\"opportunity_id\":\"o1\",\"number\":\"N\",\"issuer\":\"X\","
                          "\"type\":\"public\",\"currency\":\"CNY\",\"account_id\":\"a9\"}"),
                     &facts);
    then_rejected (DBK_EREJECTED, "account_id");
}

Test (tender, a_tender_has_one_or_two_envelopes)
{
    bid_tender_open (d, &ten, "t1",
                     cmd ("{\"opportunity_id\":\"o1\",\"number\":\"N\",\"issuer\":\"X\","
                          "\"type\":\"public\",\"currency\":\"CNY\",\"envelopes\":3}"),
                     &facts);
    then_rejected (DBK_EINVAL, "envelopes");
}

Test (tender, a_malformed_id_or_an_unknown_field_is_refused)
{
    bid_tender_open (d, &ten, "t 1", cmd (S_TENDER_JSON), &facts);
    then_rejected (DBK_EINVAL, "id");
    AGAIN ();
    bid_tender_open (d, &ten, "t1",
                     cmd ("{\"opportunity_id\":\"o1\",\"number\":\"N\",\"issuer\":\"X\","
                          "\"type\":\"public\",\"currency\":\"CNY\",\"colour\":\"red\"}"),
                     &facts);
    then_rejected (DBK_EINVAL, "colour");
}

Test (tender, a_tender_that_exists_is_not_opened_again)
{
    given_tender ();
    bid_tender_open (d, &ten, "t1", cmd (S_TENDER_JSON), &facts);
    then_rejected (DBK_EDUPLICATE, "id");
}

Test (tender, the_opportunity_must_be_known_and_open)
{
    bid_tender_open (d, &ten, "t1",
                     cmd ("{\"opportunity_id\":\"o7\",\"number\":\"N\",\"issuer\":\"X\","
                          "\"type\":\"public\",\"currency\":\"CNY\"}"),
                     &facts);
    then_rejected (DBK_ENOTFOUND, "opportunity_id");
    AGAIN ();
    bid_tender_open (d, &ten, "t1",
                     cmd ("{\"opportunity_id\":\"o9\",\"number\":\"N\",\"issuer\":\"X\","
                          "\"type\":\"public\",\"currency\":\"CNY\"}"),
                     &facts);
    then_rejected (DBK_EREJECTED, "opportunity_id");
    then_message_mentions ("closed");
    AGAIN ();
    bid_tender_open (d, &ten, "t1",
                     cmd ("{\"opportunity_id\":\"o8\",\"number\":\"N\",\"issuer\":\"X\","
                          "\"type\":\"public\",\"currency\":\"CNY\"}"),
                     &facts);
    then_rejected (DBK_EREJECTED, "opportunity_id");
    then_message_mentions ("was won: a new deal is a new registration");
}

Test (tender, the_account_must_be_known)
{
    bid_tender_open (d, &ten, "t1",
                     cmd ("{\"opportunity_id\":\"o1\",\"number\":\"N\",\"issuer\":\"X\","
                          "\"type\":\"public\",\"currency\":\"CNY\",\"account_id\":\"a7\"}"),
                     &facts);
    then_rejected (DBK_ENOTFOUND, "account_id");
}

Test (tender, key_dates_must_fall_in_procurement_order)
{
    bid_tender_open (d, &ten, "t1",
                     cmd ("{\"opportunity_id\":\"o1\",\"number\":\"N\",\"issuer\":\"X\","
                          "\"type\":\"public\",\"currency\":\"CNY\","
                          "\"clarification_deadline\":\"2026-04-10\","
                          "\"submission_deadline\":\"2026-04-01\"}"),
                     &facts);
    then_rejected (DBK_EINVAL, "submission_deadline");
    then_message_mentions ("clarification_deadline (2026-04-10)");
}

/*  ======================= key dates ======================= */

Test (dates, setting_dates_records_only_what_changed)
{
    given_tender ();
    bid_tender_dates_set (d, &ten,
                          cmd ("{\"submission_deadline\":\"2026-04-01\","
                               "\"site_visit_date\":\"2026-03-10\"}"),
                          &facts);
    then_accepted (1);
    then_event (0, "tender-t1", "tender.dates_set");
    cr_assert (has_str (payload (0), "site_visit_date", "2026-03-10"));
    cr_assert_null (dbk_obj_get (payload (0), "submission_deadline"), "unchanged");
    fold ();
    cr_assert_str_eq (ten.dates[3], "2026-03-10");
    AGAIN ();
    bid_tender_dates_set (d, &ten, cmd ("{\"site_visit_date\":\"2026-03-10\"}"), &facts);
    then_accepted (0);
}

Test (dates, moved_dates_must_stay_in_order_with_those_set)
{
    given_tender ();
    bid_tender_dates_set (d, &ten, cmd ("{\"opening_date\":\"2026-03-31\"}"), &facts);
    then_rejected (DBK_EINVAL, "opening_date");
    then_message_mentions ("submission_deadline (2026-04-01)");
}

Test (dates, at_least_one_date_and_a_known_tender)
{
    given_tender ();
    bid_tender_dates_set (d, &ten, cmd ("{}"), &facts);
    then_rejected (DBK_EINVAL, NULL);
    AGAIN ();
    bid_tender_dates_set (d, &ten, cmd ("{\"notice_date\":\"2026-02-30\"}"), &facts);
    then_rejected (DBK_EINVAL, "notice_date");
    bid_tender_reset (&ten);
    AGAIN ();
    bid_tender_dates_set (d, &ten, cmd ("{\"notice_date\":\"2026-02-01\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "id");
}

/*  ======================= procurement steps ======================= */

Test (steps, an_optional_step_may_be_skipped)
{
    given_tender ();
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"documents_issued\"}"), &facts);
    then_accepted (1);
    then_event (0, "tender-t1", "tender.step_advanced");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "from", "notice"));
    cr_assert (has_str (p, "step", "documents_issued"));
    cr_assert (has_str (p, "date", "2026-03-01"), "today by default");
    fold ();
    cr_assert_str_eq (ten.step, "documents_issued");
}

Test (steps, steps_follow_the_procurement_order_one_by_one)
{
    given_tender ();
    given_step ("prequalification");
    given_step ("documents_issued");
    given_step ("site_visit");
    cr_assert_str_eq (ten.step, "site_visit");
}

Test (steps, a_required_step_cannot_be_skipped_and_the_refusal_names_the_next)
{
    given_tender ();
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"site_visit\"}"), &facts);
    then_rejected (DBK_EREJECTED, "step");
    then_message_mentions ("is at notice");
    then_message_mentions ("the next step is documents_issued");
}

Test (steps, steps_never_go_back)
{
    given_tender ();
    given_step ("documents_issued");
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"prequalification\"}"), &facts);
    then_rejected (DBK_EREJECTED, "step");
    then_message_mentions ("never go back");
    AGAIN ();
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"documents_issued\"}"), &facts);
    then_rejected (DBK_EREJECTED, "step");
}

Test (steps, submission_opening_and_award_are_reached_by_their_own_commands)
{
    given_tender ();
    const char *steps[] = {"submission", "opening", "award"};
    const char *by[] = {"submit", "record_opening", "award"};
    for (size_t i = 0; i < 3; i++) {
        char json[100];
        snprintf (json, sizeof json, "{\"step\":\"%s\"}", steps[i]);
        AGAIN ();
        bid_tender_step_advance (d, &ten, cmd (json), &facts);
        then_rejected (DBK_EREJECTED, "step");
        then_message_mentions (by[i]);
    }
}

Test (steps, an_unknown_step_is_refused_with_the_list)
{
    given_tender ();
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"lottery\"}"), &facts);
    then_rejected (DBK_EINVAL, "step");
    then_message_mentions ("notice, prequalification, documents_issued");
    AGAIN ();
    bid_tender_reset (&ten);
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"site_visit\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "id");
}

Test (steps, only_a_won_tender_moves_on_to_the_contract)
{
    given_opened ();
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"contract\"}"), &facts);
    then_rejected (DBK_EREJECTED, "step");
    AGAIN ();
    facts.today = "2026-04-10"; /* the award is entered on its day */
    GIVEN (
        bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts));
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"contract\"}"), &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "from", "award"));
}

Test (steps, an_awarded_tender_takes_no_other_step)
{
    given_opened ();
    facts.today = "2026-04-10"; /* the award is entered on its day */
    GIVEN (bid_tender_award (
        d, &ten,
        cmd ("{\"result\":\"lost\",\"date\":\"2026-04-10\",\"winner\":\"Philips\",\"reason\":"
             "\"price\"}"),
        &facts));
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"contract\"}"), &facts);
    then_rejected (DBK_EREJECTED, "step");
}

Test (steps, the_order_and_what_is_optional_are_configuration)
{
    static const bid_step_t steps[] = {
        {"notice", false, NULL, "notice"},
        {"prequalification", false, NULL, "prequalification"},
        {"documents_issued", false, NULL, "documents"},
        {"submission", false, "submit", "submission"},
        {"opening", false, "record_opening", "opening"},
        {"award", false, "award", "award"},
        {NULL, false, NULL, NULL},
    };
    bid_config_t cfg = bid_default_config;
    cfg.steps = steps;
    given_tender ();
    facts.config = &cfg;
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"documents_issued\"}"), &facts);
    then_rejected (DBK_EREJECTED, "step");
    then_message_mentions ("the next step is prequalification");
}

/*  ======================= clarifications ======================= */

Test (clarification, questions_are_numbered_and_answered)
{
    given_tender ();
    bid_tender_clarification_ask (d, &ten, cmd ("{\"question\":\"Is IP65 required?\"}"), &facts);
    then_accepted (1);
    then_event (0, "tender-t1", "tender.clarification_asked");
    cr_assert (has_int (payload (0), "no", 1));
    cr_assert (has_str (payload (0), "question", "Is IP65 required?"));
    fold ();
    AGAIN ();
    GIVEN (bid_tender_clarification_ask (d, &ten, cmd ("{\"question\":\"Samples?\"}"), &facts));
    cr_assert_eq (ten.nclars, 2);
    cr_assert_eq (ten.clars[1].no, 2);
    cr_assert_str_eq (ten.clars[0].asked_on, "2026-03-01");
    bid_tender_clarification_answer (d, &ten, cmd ("{\"no\":1,\"answer\":\"IP54 suffices\"}"),
                                     &facts);
    then_accepted (1);
    then_event (0, "tender-t1", "tender.clarification_answered");
    cr_assert (has_int (payload (0), "no", 1));
    fold ();
    cr_assert_str_eq (ten.clars[0].answer, "IP54 suffices");
    cr_assert_null (ten.clars[1].answer);
}

Test (clarification, no_question_after_the_clarification_deadline)
{
    given_tender ();
    facts.today = "2026-03-16";
    bid_tender_clarification_ask (d, &ten, cmd ("{\"question\":\"Late?\"}"), &facts);
    then_rejected (DBK_EREJECTED, "clarification_deadline");
    then_message_mentions ("2026-03-15");
}

Test (clarification, no_question_once_the_bid_is_in)
{
    given_submitted ();
    bid_tender_clarification_ask (d, &ten, cmd ("{\"question\":\"Late?\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
}

Test (clarification, an_answer_needs_a_question_and_comes_once)
{
    given_tender ();
    bid_tender_clarification_answer (d, &ten, cmd ("{\"no\":1,\"answer\":\"yes\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "no");
    AGAIN ();
    GIVEN (bid_tender_clarification_ask (d, &ten, cmd ("{\"question\":\"Q\"}"), &facts));
    GIVEN (
        bid_tender_clarification_answer (d, &ten, cmd ("{\"no\":1,\"answer\":\"yes\"}"), &facts));
    bid_tender_clarification_answer (d, &ten, cmd ("{\"no\":1,\"answer\":\"no\"}"), &facts);
    then_rejected (DBK_EDUPLICATE, "no");
    AGAIN ();
    bid_tender_clarification_answer (d, &ten, cmd ("{\"no\":1}"), &facts);
    then_rejected (DBK_EINVAL, "answer");
}

/*  ======================= bid bond ======================= */

Test (bond, a_bond_is_tracked_from_issue_to_return)
{
    given_tender ();
    bid_tender_bond_issue (d, &ten, cmd ("{\"amount\":5000000,\"form\":\"bank guarantee\"}"),
                           &facts);
    then_accepted (1);
    then_event (0, "tender-t1", "tender.bond_issued");
    cr_assert (has_int (payload (0), "amount", 5000000));
    cr_assert (has_str (payload (0), "form", "bank guarantee"));
    cr_assert (has_str (payload (0), "date", "2026-03-01"));
    fold ();
    cr_assert_eq (ten.bond_amount, 5000000);
    cr_assert_str_eq (ten.bond_issued_on, "2026-03-01");
    AGAIN ();
    facts.today = "2026-04-21"; /* entered the day after it came back */
    bid_tender_bond_return (d, &ten, cmd ("{\"date\":\"2026-04-20\"}"), &facts);
    then_accepted (1);
    then_event (0, "tender-t1", "tender.bond_returned");
    cr_assert (has_int (payload (0), "amount", 5000000));
    fold ();
    cr_assert_str_eq (ten.bond_returned_on, "2026-04-20");
}

Test (bond, one_bond_at_a_time_and_not_less_than_asked)
{
    given_tender ();
    bid_tender_bond_issue (d, &ten, cmd ("{\"amount\":4000000}"), &facts);
    then_rejected (DBK_EREJECTED, "amount");
    then_message_mentions ("5000000");
    AGAIN ();
    bid_tender_bond_issue (d, &ten, cmd ("{\"amount\":0}"), &facts);
    then_rejected (DBK_EINVAL, "amount");
    AGAIN ();
    given_bond ();
    bid_tender_bond_issue (d, &ten, cmd ("{\"amount\":5000000}"), &facts);
    then_rejected (DBK_EDUPLICATE, "amount");
}

Test (bond, only_a_bond_that_is_out_comes_back)
{
    given_tender ();
    bid_tender_bond_return (d, &ten, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "bond");
    AGAIN ();
    given_bond ();
    GIVEN (bid_tender_bond_return (d, &ten, cmd ("{}"), &facts));
    bid_tender_bond_return (d, &ten, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "bond");
}

Test (bond, the_bond_comes_back_after_the_award_too)
{
    given_opened ();
    facts.today = "2026-04-10"; /* the award is entered on its day */
    GIVEN (bid_tender_award (
        d, &ten,
        cmd ("{\"result\":\"lost\",\"date\":\"2026-04-10\",\"winner\":\"Philips\",\"reason\":"
             "\"price\"}"),
        &facts));
    bid_tender_bond_return (d, &ten, cmd ("{\"note\":\"refunded\"}"), &facts);
    then_accepted (1);
}

/*  ======================= bid / no-bid ======================= */

Test (decision, a_bid_decision_is_recorded_with_its_reason_and_may_change)
{
    given_tender ();
    bid_tender_decide_bid (d, &ten, cmd ("{\"decision\":\"bid\",\"reason\":\"specified\"}"),
                           &facts);
    then_accepted (1);
    then_event (0, "tender-t1", "tender.bid_decided");
    cr_assert (has_str (payload (0), "decision", "bid"));
    cr_assert (has_str (payload (0), "reason", "specified"));
    cr_assert_null (dbk_obj_get (payload (0), "from"));
    fold ();
    AGAIN ();
    bid_tender_decide_bid (d, &ten, cmd ("{\"decision\":\"bid\",\"reason\":\"specified\"}"),
                           &facts);
    then_accepted (0);
    bid_tender_decide_bid (d, &ten, cmd ("{\"decision\":\"no_bid\",\"reason\":\"rigged\"}"),
                           &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "from", "bid"));
    fold ();
    cr_assert_str_eq (ten.decision, "no_bid");
    cr_assert_str_eq (ten.decision_reason, "rigged");
}

Test (decision, a_decision_needs_a_reason_and_a_known_value)
{
    given_tender ();
    bid_tender_decide_bid (d, &ten, cmd ("{\"decision\":\"bid\"}"), &facts);
    then_rejected (DBK_EINVAL, "reason");
    AGAIN ();
    bid_tender_decide_bid (d, &ten, cmd ("{\"decision\":\"maybe\",\"reason\":\"r\"}"), &facts);
    then_rejected (DBK_EINVAL, "decision");
    then_message_mentions ("no_bid");
}

Test (decision, the_decision_is_final_once_the_bid_is_in)
{
    given_submitted ();
    bid_tender_decide_bid (d, &ten, cmd ("{\"decision\":\"no_bid\",\"reason\":\"r\"}"), &facts);
    then_rejected (DBK_EREJECTED, "decision");
}

/*  ======================= bid document parts ======================= */

Test (parts, a_part_gets_an_owner_a_due_date_and_a_status)
{
    given_tender ();
    bid_tender_part_set (
        d, &ten, cmd ("{\"part\":\"technical\",\"owner\":\"li\",\"due\":\"2026-03-20\"}"), &facts);
    then_accepted (1);
    then_event (0, "tender-t1", "tender.part_set");
    cr_assert (has_str (payload (0), "part", "technical"));
    cr_assert (has_str (payload (0), "owner", "li"));
    cr_assert (has_str (payload (0), "due", "2026-03-20"));
    cr_assert (has_str (payload (0), "status", "not_started"));
    fold ();
    AGAIN ();
    bid_tender_part_status (d, &ten, cmd ("{\"part\":\"technical\",\"status\":\"in_progress\"}"),
                            &facts);
    then_accepted (1);
    then_event (0, "tender-t1", "tender.part_status_changed");
    cr_assert (has_str (payload (0), "from", "not_started"));
    cr_assert (has_str (payload (0), "status", "in_progress"));
    fold ();
    const bid_part_t *p = bid_tender_part (&ten, "technical");
    cr_assert_not_null (p);
    cr_assert_str_eq (p->status, "in_progress");
    cr_assert_str_eq (p->owner, "li");
}

Test (parts, reassigning_a_part_keeps_its_status_and_no_change_is_no_event)
{
    given_tender ();
    given_part ("price", "ready");
    bid_tender_part_set (
        d, &ten, cmd ("{\"part\":\"price\",\"owner\":\"li\",\"due\":\"2026-03-20\"}"), &facts);
    then_accepted (0);
    bid_tender_part_set (d, &ten, cmd ("{\"part\":\"price\",\"owner\":\"zhao\"}"), &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "status", "ready"));
    fold ();
    cr_assert_null (bid_tender_part (&ten, "price")->due, "the due date was cleared");
    AGAIN ();
    bid_tender_part_status (d, &ten, cmd ("{\"part\":\"price\",\"status\":\"ready\"}"), &facts);
    then_accepted (0);
}

Test (parts, parts_are_those_configured)
{
    given_tender ();
    bid_tender_part_set (d, &ten, cmd ("{\"part\":\"poetry\",\"owner\":\"li\"}"), &facts);
    then_rejected (DBK_EINVAL, "part");
    then_message_mentions ("commercial, technical, price, samples");
    AGAIN ();
    bid_tender_part_status (d, &ten, cmd ("{\"part\":\"price\",\"status\":\"ready\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "part");
    AGAIN ();
    given_part ("price", "not_started");
    bid_tender_part_status (d, &ten, cmd ("{\"part\":\"price\",\"status\":\"done\"}"), &facts);
    then_rejected (DBK_EINVAL, "status");
}

Test (parts, the_document_is_final_once_submitted)
{
    given_submitted ();
    bid_tender_part_set (d, &ten, cmd ("{\"part\":\"samples\",\"owner\":\"li\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    AGAIN ();
    bid_tender_part_status (d, &ten, cmd ("{\"part\":\"price\",\"status\":\"in_progress\"}"),
                            &facts);
    then_rejected (DBK_EREJECTED, "id");
}

/*  ======================= submission ======================= */

Test (submission, a_ready_bid_is_submitted_with_its_approved_quote)
{
    given_ready_to_submit ();
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_accepted (1);
    then_event (0, "tender-t1", "tender.submitted");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "quote_id", "q1"));
    cr_assert (has_int (p, "quote_revision", 1));
    cr_assert (has_int (p, "amount", 9500000), "100 x 950.00");
    cr_assert (has_str (p, "currency", "CNY"));
    cr_assert (has_str (p, "step", "submission"));
    cr_assert (has_str (p, "date", "2026-03-01"));
    fold ();
    cr_assert_str_eq (ten.step, "submission");
    cr_assert_str_eq (ten.submitted_on, "2026-03-01");
    cr_assert_eq (ten.bid_amount, 9500000);
    cr_assert_str_eq (ten.quote_id, "q1");
}

Test (submission, out_of_order_before_the_documents_are_issued)
{
    given_tender ();
    given_decided ("bid");
    given_parts_ready ();
    given_bond ();
    given_quote_approved ();
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "submission");
    then_message_mentions ("the next step is documents_issued");
}

Test (submission, a_bid_is_submitted_once)
{
    given_submitted ();
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "submission");
    then_message_mentions ("at submission already");
}

Test (submission, a_bid_needs_a_decision_to_bid)
{
    given_tender ();
    given_step ("documents_issued");
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "decision");
    AGAIN ();
    given_decided ("no_bid");
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "decision");
    then_message_mentions ("no_bid");
}

Test (submission, not_after_the_submission_deadline)
{
    given_ready_to_submit ();
    facts.today = "2026-04-10"; /* entered after the fact */
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\",\"date\":\"2026-04-02\"}"),
                       &facts);
    then_rejected (DBK_EREJECTED, "submission_deadline");
    AGAIN ();
    facts.today = "2026-04-02";
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "submission_deadline");
    AGAIN ();
    facts.today = "2026-04-01";
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_accepted (1);
}

Test (submission, the_refusal_lists_every_required_part_not_ready)
{
    given_tender ();
    given_step ("documents_issued");
    given_decided ("bid");
    given_bond ();
    given_quote_approved ();
    given_part ("commercial", "ready");
    given_part ("technical", "in_progress");
    given_part ("samples", "not_started"); /* optional: not listed */
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "parts");
    then_message_mentions ("technical (in_progress), price (not assigned)");
    cr_assert_null (strstr (dbk_decision_message (d), "commercial"));
    cr_assert_null (strstr (dbk_decision_message (d), "samples"));
}

Test (submission, configured_parts_are_required_too)
{
    static const bid_part_kind_t parts[] = {
        {"commercial", true, "c"},
        {"drawings", true, "shop drawings"},
        {NULL, false, NULL},
    };
    bid_config_t cfg = bid_default_config;
    cfg.parts = parts;
    given_ready_to_submit ();
    facts.config = &cfg;
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "parts");
    then_message_mentions ("drawings (not assigned)");
}

Test (submission, the_bond_must_be_out_when_the_tender_asks_for_one)
{
    given_tender ();
    given_step ("documents_issued");
    given_decided ("bid");
    given_parts_ready ();
    given_quote_approved ();
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "bond");
    AGAIN ();
    given_bond ();
    GIVEN (bid_tender_bond_return (d, &ten, cmd ("{}"), &facts));
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "bond");
}

Test (submission, the_quote_must_exist_and_be_for_this_tender)
{
    given_ready_to_submit ();
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q2\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "quote_id");
    AGAIN ();
    bid_tender_submit (d, &ten, NULL, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "quote_id");
    AGAIN ();
    free (quo.tender_id);
    quo.tender_id = strdup ("t2");
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "quote_id");
    then_message_mentions ("for tender t2");
    AGAIN ();
    free (quo.tender_id);
    quo.tender_id = strdup ("t1");
    free (quo.currency);
    quo.currency = strdup ("USD");
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "quote_id");
    then_message_mentions ("USD");
}

Test (submission, an_unapproved_quote_cannot_be_submitted)
{
    given_tender ();
    given_step ("documents_issued");
    given_decided ("bid");
    given_parts_ready ();
    given_bond ();
    given_quote ();
    given_line (S_LINE);
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "quote_id");
    then_message_mentions ("not approved: it is a draft");
    AGAIN ();
    GIVEN (bid_quote_submit (d, &quo, cmd ("{}"), &facts));
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "quote_id");
    then_message_mentions ("waiting for approval");
}

Test (submission, a_quote_changed_after_approval_cannot_be_submitted)
{
    given_ready_to_submit ();
    GIVEN (bid_quote_line_add (d, &quo,
                               cmd ("{\"product_code\":\"DRV\",\"quantity\":10,"
                                    "\"list_price\":5000}"),
                               &facts));
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "quote_id");
    then_message_mentions ("a draft");
}
