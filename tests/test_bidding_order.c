/*  test_bidding_order.c - the dates of a tender's facts against each
    other, as specifications, Given-When-Then. The tender procedure is
    ordered (DOMAIN §5: notice, prequalification, documents issued, site
    visit and clarifications, submission with the bond, opening,
    evaluation, award, contract), and so are the facts that record it: a
    fact is never dated before a fact of the tender the procedure puts
    before it and that is recorded already (INVALID on the date's field,
    naming the earlier fact and its date, nothing decided). Only facts on
    record count. The bound by the business date is test_bidding_dates.c's;
    a contract's signature against its award is test_bidding_contract.c's.
*/
#include "support/bid_given.h"

TestSuite (fact_order, .init = s_setup, .fini = s_teardown);

/*  Then: refused on `field`, the message `date (D) cannot be before
    <what> (E)`. */
static void then_before (const char *field, const char *what)
{
    then_rejected (DBK_EINVAL, field);
    then_message_mentions (what);
}

/*  Given: t1 submitted on 2026-03-05 (documents issued, bond out,
    everything else on 2026-03-01). */
static void given_submitted_on_5th (void)
{
    given_ready_to_submit ();
    facts.today = "2026-03-05";
    GIVEN (bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts));
    facts.today = "2026-04-30";
}

Test (fact_order, an_answer_is_not_dated_before_its_question)
{
    given_tender ();
    facts.today = "2026-03-05";
    GIVEN (bid_tender_clarification_ask (d, &ten, cmd ("{\"question\":\"IP rating?\"}"), &facts));
    facts.today = "2026-03-09";
    bid_tender_clarification_answer (
        d, &ten, cmd ("{\"no\":1,\"answer\":\"IP54\",\"date\":\"2026-03-04\"}"), &facts);
    then_before ("date", "date (2026-03-04) cannot be before the question it answers (2026-03-05)");
    AGAIN ();
    facts.today = "2026-03-04"; /* no date: the business date is the answer's */
    bid_tender_clarification_answer (d, &ten, cmd ("{\"no\":1,\"answer\":\"IP54\"}"), &facts);
    then_before ("date", "date (2026-03-04, the business date) cannot be before the question");
    AGAIN ();
    facts.today = "2026-03-09";
    bid_tender_clarification_answer (
        d, &ten, cmd ("{\"no\":1,\"answer\":\"IP54\",\"date\":\"2026-03-05\"}"), &facts);
    then_accepted (1); /* the same day */
}

Test (fact_order, the_bond_does_not_come_back_before_it_went_out)
{
    given_tender ();
    GIVEN (bid_tender_bond_issue (d, &ten, cmd ("{\"amount\":5000000,\"date\":\"2026-02-25\"}"),
                                  &facts));
    bid_tender_bond_return (d, &ten, cmd ("{\"date\":\"2026-02-24\"}"), &facts);
    then_before ("date", "date (2026-02-24) cannot be before the bond's issue (2026-02-25)");
    AGAIN ();
    bid_tender_bond_return (d, &ten, cmd ("{\"date\":\"2026-02-25\"}"), &facts);
    then_accepted (1);
}

Test (fact_order, a_step_is_not_reached_before_the_step_the_tender_is_at)
{
    given_tender ();
    GIVEN (bid_tender_step_advance (
        d, &ten, cmd ("{\"step\":\"documents_issued\",\"date\":\"2026-02-20\"}"), &facts));
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"site_visit\",\"date\":\"2026-02-19\"}"),
                             &facts);
    then_before ("date",
                 "date (2026-02-19) cannot be before the documents_issued step (2026-02-20)");
    AGAIN ();
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"site_visit\",\"date\":\"2026-02-20\"}"),
                             &facts);
    then_accepted (1);
}

/*  A tender at notice has no step on record: the first step it reaches
    is bounded by the business date only. */
Test (fact_order, the_first_step_is_bounded_by_no_other_fact)
{
    given_tender ();
    bid_tender_step_advance (
        d, &ten, cmd ("{\"step\":\"prequalification\",\"date\":\"2025-01-01\"}"), &facts);
    then_accepted (1);
}

Test (fact_order, a_bid_is_not_submitted_before_the_documents_were_issued)
{
    given_ready_to_submit (); /* documents issued on 2026-03-01 */
    facts.today = "2026-03-10";
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\",\"date\":\"2026-02-27\"}"),
                       &facts);
    then_before ("date",
                 "date (2026-02-27) cannot be before the documents_issued step (2026-03-01)");
}

Test (fact_order, a_bid_is_not_submitted_before_the_bond_that_goes_in_with_it)
{
    given_tender ();
    GIVEN (bid_tender_step_advance (
        d, &ten, cmd ("{\"step\":\"documents_issued\",\"date\":\"2026-02-10\"}"), &facts));
    given_decided ("bid");
    given_parts_ready ();
    GIVEN (bid_tender_bond_issue (d, &ten, cmd ("{\"amount\":5000000,\"date\":\"2026-02-25\"}"),
                                  &facts));
    given_quote_approved ();
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\",\"date\":\"2026-02-20\"}"),
                       &facts);
    then_before ("date", "date (2026-02-20) cannot be before the issue of the bond that goes in "
                         "with it (2026-02-25)");
    AGAIN ();
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\",\"date\":\"2026-02-25\"}"),
                       &facts);
    then_accepted (1);
}

Test (fact_order, an_opening_is_not_dated_before_the_submission)
{
    given_submitted_on_5th ();
    bid_tender_opening_record (d, &ten, cmd ("{\"date\":\"2026-03-01\",\"bidders\":" S_BIDDERS "}"),
                               &facts);
    then_before ("date", "date (2026-03-01) cannot be before the submission (2026-03-05)");
    AGAIN ();
    facts.today = "2026-03-04"; /* entered as of a day before the bid went in */
    bid_tender_opening_record (d, &ten, cmd ("{\"bidders\":" S_BIDDERS "}"), &facts);
    then_before ("date", "date (2026-03-04, the business date) cannot be before the submission");
    AGAIN ();
    facts.today = "2026-04-30";
    bid_tender_opening_record (d, &ten, cmd ("{\"date\":\"2026-03-05\",\"bidders\":" S_BIDDERS "}"),
                               &facts);
    then_accepted (1);
}

/*  A two-envelope tender, submitted on 2026-03-01, its technical envelope
    opened on 2026-03-10. */
static void given_technical_opened_on_10th (void)
{
    given_two_envelope_tender ();
    given_step ("documents_issued");
    given_decided ("bid");
    given_parts_ready ();
    given_quote_approved ();
    GIVEN (bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts));
    facts.today = "2026-04-30";
    GIVEN (bid_tender_opening_record (
        d, &ten,
        cmd ("{\"envelope\":\"technical\",\"date\":\"2026-03-10\","
             "\"bidders\":[{\"bidder\":\"Philips\"},{\"bidder\":\"us\",\"us\":true}]}"),
        &facts));
}

#define S_PRICES                                                                                   \
    "\"bidders\":[{\"bidder\":\"Philips\",\"price\":9200000,\"rank\":1},"                          \
    "{\"bidder\":\"us\",\"price\":9500000,\"rank\":2,\"us\":true}]"

Test (fact_order, the_price_envelope_is_not_opened_before_the_technical_one)
{
    given_technical_opened_on_10th ();
    bid_tender_opening_record (
        d, &ten, cmd ("{\"envelope\":\"price\",\"date\":\"2026-03-09\"," S_PRICES "}"), &facts);
    then_before ("date", "date (2026-03-09) cannot be before the opening of the technical "
                         "envelope (2026-03-10)");
    AGAIN ();
    bid_tender_opening_record (
        d, &ten, cmd ("{\"envelope\":\"price\",\"date\":\"2026-03-10\"," S_PRICES "}"), &facts);
    then_accepted (1);
}

Test (fact_order, an_award_is_not_dated_before_the_opening_won_or_lost)
{
    given_submitted_on_5th ();
    GIVEN (bid_tender_opening_record (
        d, &ten, cmd ("{\"date\":\"2026-03-10\",\"bidders\":" S_BIDDERS "}"), &facts));
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-03-09\"}"), &facts);
    then_before ("date", "date (2026-03-09) cannot be before the opening (2026-03-10)");
    AGAIN ();
    bid_tender_award (d, &ten,
                      cmd ("{\"result\":\"lost\",\"date\":\"2026-03-09\",\"winner\":\"Philips\","
                           "\"reason\":\"price\"}"),
                      &facts);
    then_before ("date", "the opening (2026-03-10)");
    AGAIN ();
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-03-10\"}"), &facts);
    then_accepted (1);
}

/*  The evaluation began after the technical envelope; the prices were
    read out later still: the award follows both. */
Test (fact_order, an_award_is_not_dated_before_the_evaluation_nor_the_prices)
{
    given_technical_opened_on_10th ();
    GIVEN (bid_tender_step_advance (
        d, &ten, cmd ("{\"step\":\"evaluation\",\"date\":\"2026-03-12\"}"), &facts));
    GIVEN (bid_tender_opening_record (
        d, &ten, cmd ("{\"envelope\":\"price\",\"date\":\"2026-03-15\"," S_PRICES "}"), &facts));
    cr_assert_str_eq (ten.step, "evaluation");
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-03-11\"}"), &facts);
    then_before ("date", "date (2026-03-11) cannot be before the evaluation step (2026-03-12)");
    AGAIN ();
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-03-14\"}"), &facts);
    then_before ("date", "date (2026-03-14) cannot be before the opening of the prices "
                         "(2026-03-15)");
    AGAIN ();
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-03-15\"}"), &facts);
    then_accepted (1);
}

Test (fact_order, the_evaluation_does_not_begin_before_the_opening)
{
    given_technical_opened_on_10th ();
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"evaluation\",\"date\":\"2026-03-09\"}"),
                             &facts);
    then_before ("date", "date (2026-03-09) cannot be before the opening (2026-03-10)");
}

Test (fact_order, the_contract_step_is_not_reached_before_the_award)
{
    given_opened ();
    facts.today = "2026-04-30";
    GIVEN (
        bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts));
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"contract\",\"date\":\"2026-04-09\"}"),
                             &facts);
    then_before ("date", "date (2026-04-09) cannot be before the award (2026-04-10)");
    AGAIN ();
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"contract\",\"date\":\"2026-04-12\"}"),
                             &facts);
    then_accepted (1);
}

/*  A log written before the facts were dated: what the fold does not
    know bounds nothing. */
Test (fact_order, a_fact_the_fold_holds_without_a_date_bounds_nothing)
{
    given_tender ();
    cr_assert_eq (
        tender_event ("tender.step_advanced",
                      "{\"id\":\"t1\",\"from\":\"notice\",\"step\":\"documents_issued\"}"),
        0);
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"site_visit\",\"date\":\"2020-01-01\"}"),
                             &facts);
    then_accepted (1);
}
