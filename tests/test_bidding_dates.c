/*  test_bidding_dates.c - the dates a bidding command carries, as
    specifications, Given-When-Then. A date that records what happened
    (a step reached, an answer received, the bond issued or back, the
    bid submitted, the opening, the award, the signature) is never after
    the command's business date ("on", facts->today): INVALID on that
    field, naming both dates, nothing decided. A planned date (the key
    dates, a part's due, a contract's delivery, warranty end and
    milestones) may lie ahead. An invoice's and a payment's dates are
    test_bidding_contract.c's.
*/
#include "support/bid_given.h"

TestSuite (fact_dates, .init = s_setup, .fini = s_teardown);

/*  Then: refused because `field` (`date`) is after the business date. */
static void then_after_on (const char *field, const char *date)
{
    char want[100];
    then_rejected (DBK_EINVAL, field);
    snprintf (want, sizeof want, "%s (%s) cannot be after on (%s)", field, date, facts.today);
    then_message_mentions (want);
}

Test (fact_dates, a_step_is_not_reached_after_the_business_date)
{
    given_tender ();
    bid_tender_step_advance (
        d, &ten, cmd ("{\"step\":\"documents_issued\",\"date\":\"2026-03-02\"}"), &facts);
    then_after_on ("date", "2026-03-02");
    AGAIN ();
    bid_tender_step_advance (
        d, &ten, cmd ("{\"step\":\"documents_issued\",\"date\":\"2026-03-01\"}"), &facts);
    then_accepted (1); /* on the business date itself */
    AGAIN ();
    bid_tender_step_advance (
        d, &ten, cmd ("{\"step\":\"documents_issued\",\"date\":\"2026-02-20\"}"), &facts);
    then_accepted (1); /* entered after the fact */
}

Test (fact_dates, an_answer_is_not_received_after_the_business_date)
{
    given_tender ();
    GIVEN (bid_tender_clarification_ask (d, &ten, cmd ("{\"question\":\"IP rating?\"}"), &facts));
    bid_tender_clarification_answer (
        d, &ten, cmd ("{\"no\":1,\"answer\":\"IP54\",\"date\":\"2099-01-20\"}"), &facts);
    then_after_on ("date", "2099-01-20");
    AGAIN ();
    bid_tender_clarification_answer (
        d, &ten, cmd ("{\"no\":1,\"answer\":\"IP54\",\"date\":\"2026-03-01\"}"), &facts);
    then_accepted (1);
}

Test (fact_dates, the_bond_is_not_issued_nor_back_after_the_business_date)
{
    given_tender ();
    bid_tender_bond_issue (d, &ten, cmd ("{\"amount\":5000000,\"date\":\"2026-03-02\"}"), &facts);
    then_after_on ("date", "2026-03-02");
    AGAIN ();
    GIVEN (bid_tender_bond_issue (d, &ten, cmd ("{\"amount\":5000000,\"date\":\"2026-02-28\"}"),
                                  &facts));
    bid_tender_bond_return (d, &ten, cmd ("{\"date\":\"2026-03-02\"}"), &facts);
    then_after_on ("date", "2026-03-02");
    AGAIN ();
    bid_tender_bond_return (d, &ten, cmd ("{\"date\":\"2026-03-01\"}"), &facts);
    then_accepted (1);
}

Test (fact_dates, a_bid_is_not_submitted_after_the_business_date)
{
    facts.today = "2026-02-20"; /* documents issued, bond out */
    given_ready_to_submit ();
    facts.today = "2026-03-01";
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\",\"date\":\"2026-03-31\"}"),
                       &facts);
    then_after_on ("date", "2026-03-31"); /* before the deadline, but not there yet */
    AGAIN ();
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\",\"date\":\"2026-02-27\"}"),
                       &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "date", "2026-02-27"));
}

Test (fact_dates, an_opening_is_not_recorded_after_the_business_date)
{
    given_submitted ();
    bid_tender_opening_record (d, &ten, cmd ("{\"date\":\"2026-04-01\",\"bidders\":" S_BIDDERS "}"),
                               &facts);
    then_after_on ("date", "2026-04-01");
    AGAIN ();
    facts.today = "2026-04-02"; /* read out on the opening date, entered the next day */
    bid_tender_opening_record (d, &ten, cmd ("{\"date\":\"2026-04-01\",\"bidders\":" S_BIDDERS "}"),
                               &facts);
    then_accepted (1);
}

/*  An award dated ahead would win (or lose) the deal, through the
    opportunities service, as of a day that has not come. */
Test (fact_dates, an_award_is_not_dated_after_the_business_date)
{
    given_opened ();
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts);
    then_after_on ("date", "2026-04-10");
    AGAIN ();
    bid_tender_award (d, &ten,
                      cmd ("{\"result\":\"lost\",\"date\":\"2026-04-10\",\"winner\":\"Philips\","
                           "\"reason\":\"price\"}"),
                      &facts);
    then_after_on ("date", "2026-04-10");
    AGAIN ();
    facts.today = "2026-04-10";
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts);
    then_accepted (1);
}

Test (fact_dates, a_contract_is_not_signed_after_the_business_date)
{
    facts.today = "2026-02-28";
    bid_contract_sign (d, &con, "c1", cmd (S_CONTRACT_JSON), &facts);
    then_after_on ("signed_on", "2026-03-01");
    AGAIN ();
    facts.today = "2026-03-01";
    bid_contract_sign (d, &con, "c1", cmd (S_CONTRACT_JSON), &facts);
    then_accepted (1);
}

/*  The date is checked with the command's fields: before the aggregate
    and the state are looked at. */
Test (fact_dates, a_date_after_the_business_date_is_told_first)
{
    bid_tender_bond_return (d, &ten, cmd ("{\"date\":\"2026-03-02\"}"), &facts);
    then_after_on ("date", "2026-03-02"); /* not "no such tender" */
    AGAIN ();
    given_opened ();
    facts.today = "2026-04-10";
    GIVEN (
        bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts));
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-11\"}"), &facts);
    then_after_on ("date", "2026-04-11"); /* not "awarded already" */
}

/*  Without a business date (a decider called outside the service)
    nothing is bounded. */
Test (fact_dates, without_a_business_date_nothing_is_bounded)
{
    given_opened ();
    facts.today = NULL;
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2099-04-10\"}"), &facts);
    then_accepted (1);
}

/*  What is planned may lie ahead: the tender's announced key dates, a
    part's due date, the contract's delivery, warranty end and the
    milestones' due dates. */
Test (fact_dates, planned_dates_may_lie_ahead)
{
    bid_tender_open (d, &ten, "t1",
                     cmd ("{\"opportunity_id\":\"o1\",\"number\":\"N\",\"issuer\":\"I\","
                          "\"type\":\"public\",\"currency\":\"CNY\","
                          "\"notice_date\":\"2026-03-05\",\"submission_deadline\":\"2027-04-01\","
                          "\"opening_date\":\"2027-04-02\"}"),
                     &facts);
    then_accepted (1);
    fold ();
    AGAIN ();
    bid_tender_dates_set (d, &ten, cmd ("{\"clarification_deadline\":\"2027-03-15\"}"), &facts);
    then_accepted (1);
    AGAIN ();
    bid_tender_part_set (
        d, &ten, cmd ("{\"part\":\"technical\",\"owner\":\"li\",\"due\":\"2027-03-20\"}"), &facts);
    then_accepted (1);
    AGAIN ();
    bid_contract_sign (
        d, &con, "c1",
        cmd ("{\"number\":\"N\",\"opportunity_id\":\"o8\",\"buyer_id\":\"a1\",\"seller\":\"S\","
             "\"scope\":\"S\",\"amount\":100,\"currency\":\"CNY\",\"signed_on\":\"2026-03-01\","
             "\"delivery_date\":\"2027-06-01\",\"warranty_end\":\"2029-06-01\","
             "\"milestones\":[{\"kind\":\"delivery\",\"amount\":90,\"due\":\"2027-06-01\"},"
             "{\"kind\":\"retention\",\"amount\":10}]}"),
        &facts);
    then_accepted (1);
}
