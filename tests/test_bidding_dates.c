/*  test_bidding_dates.c - the dates a bidding command carries, as
    specifications, Given-When-Then. A date that records what happened
    (a step reached, an answer received, the bond issued or back, the
    bid submitted, the opening, the award, the signature) is never after
    the command's business date ("on", facts->today): INVALID on that
    field, naming both dates, nothing decided. A planned date (the key
    dates, a part's due, a contract's delivery, warranty end and
    milestones) may lie ahead. An invoice's and a payment's dates are
    test_bidding_contract.c's.

    Nor is anything on a deal dated before the deal was registered (its
    registration's "on", facts lookup registered: o1's 2026-01-10 here):
    a command on a tender, a quote or a contract stating an earlier "on"
    is INVALID on "on", and an award dated earlier INVALID on "date",
    naming the registration's date, once the aggregate (and the deal) is
    found. History entered after the fact registers the deal with its
    own past "on" first. A log written before the rule folds as it is,
    and a deal whose registration date is unknown bounds nothing.
*/
#include "support/bid_given.h"

TestSuite (fact_dates, .init = s_setup, .fini = s_teardown);
TestSuite (since_registration, .init = s_setup, .fini = s_teardown);

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

/*  ============== since the registration: the lower bound ============== */

/*  Then: refused on `field` because `date` is before the registration of
    deal `opp` on `reg`. */
static void then_before_registration (const char *field, const char *date, const char *opp,
                                      const char *reg)
{
    char want[120];
    then_rejected (DBK_EINVAL, field);
    snprintf (want, sizeof want, "%s (%s) cannot be before the registration of opportunity %s (%s)",
              field, date, opp, reg);
    then_message_mentions (want);
}

Test (since_registration, a_tender_is_not_opened_before_its_deal_was_registered)
{
    /*  Given o1 registered on 2026-01-10
        When a tender for it is opened stated on 2026-01-09
        Then it is refused on on, naming the registration's date; stated
        on 2026-01-10 it opens */
    facts.today = "2026-01-09";
    bid_tender_open (d, &ten, "t1", cmd (S_TENDER_JSON), &facts);
    then_before_registration ("on", "2026-01-09", "o1", "2026-01-10");
    then_message_mentions ("a deal has no history before it was registered");
    AGAIN ();
    /*  the deal is found first: an unknown one is not found, whatever the date */
    bid_tender_open (d, &ten, "t1",
                     cmd ("{\"opportunity_id\":\"o7\",\"number\":\"N\",\"issuer\":\"I\","
                          "\"type\":\"public\",\"currency\":\"CNY\"}"),
                     &facts);
    then_rejected (DBK_ENOTFOUND, "opportunity_id");
    AGAIN ();
    facts.today = "2026-01-10";
    bid_tender_open (d, &ten, "t1", cmd (S_TENDER_JSON), &facts);
    then_accepted (1);
}

Test (since_registration, no_command_on_a_tender_is_stated_before_its_deal_was_registered)
{
    /*  Given tender t1 of o1 (registered on 2026-01-10), its bid in and
        opened, on 2026-03-01
        When a command on it states on 2026-01-09 (new work, or what
        records how it ended: an opening, an award, a no_bid, the bond
        back)
        Then each is refused on on, naming the registration's date */
    given_opened ();
    facts.today = "2026-01-09";
    bid_tender_dates_set (d, &ten, cmd ("{\"opening_date\":\"2026-04-02\"}"), &facts);
    then_before_registration ("on", "2026-01-09", "o1", "2026-01-10");
    AGAIN ();
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"evaluation\"}"), &facts);
    then_before_registration ("on", "2026-01-09", "o1", "2026-01-10");
    AGAIN ();
    bid_tender_decide_bid (d, &ten, cmd ("{\"decision\":\"no_bid\",\"reason\":\"x\"}"), &facts);
    then_before_registration ("on", "2026-01-09", "o1", "2026-01-10");
    AGAIN ();
    bid_tender_bond_return (d, &ten, cmd ("{}"), &facts);
    then_before_registration ("on", "2026-01-09", "o1", "2026-01-10");
    AGAIN ();
    bid_tender_opening_record (d, &ten, cmd ("{\"bidders\":" S_BIDDERS "}"), &facts);
    then_before_registration ("on", "2026-01-09", "o1", "2026-01-10");
    AGAIN ();
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-01-09\"}"), &facts);
    then_before_registration ("on", "2026-01-09", "o1", "2026-01-10");
    AGAIN ();
    bid_tender_part_set (d, &ten, cmd ("{\"part\":\"samples\",\"owner\":\"li\"}"), &facts);
    then_before_registration ("on", "2026-01-09", "o1", "2026-01-10");
}

Test (since_registration, the_first_day_of_a_deal_is_a_day_of_its_tenders)
{
    /*  Given t1 opened on o1's registration day, 2026-01-10
        When it moves on stated on that day
        Then it is recorded */
    facts.today = "2026-01-10";
    given_tender ();
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"documents_issued\"}"), &facts);
    then_accepted (1);
    AGAIN ();
    bid_tender_clarification_ask (d, &ten, cmd ("{\"question\":\"IP rating?\"}"), &facts);
    then_accepted (1);
}

Test (since_registration, a_quote_is_not_priced_before_its_tenders_deal_was_registered)
{
    /*  Given quote q1 of t1 (o1's, registered on 2026-01-10), a line on
        it, submitted
        When it is created, priced or judged stated on 2026-01-09
        Then each is refused on on; stated on 2026-01-10, priced */
    given_tender ();
    given_quote ();
    given_line (S_LINE);
    GIVEN (bid_quote_submit (d, &quo, cmd ("{}"), &facts));
    facts.today = "2026-01-09";
    bid_quote_t other = {0};
    bid_quote_create (d, &other, "q2", cmd ("{\"tender_id\":\"t1\",\"currency\":\"CNY\"}"), &facts);
    then_before_registration ("on", "2026-01-09", "o1", "2026-01-10");
    AGAIN ();
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_before_registration ("on", "2026-01-09", "o1", "2026-01-10");
    AGAIN ();
    bid_quote_reject (d, &quo, cmd ("{\"reason\":\"too deep\"}"), &facts);
    then_before_registration ("on", "2026-01-09", "o1", "2026-01-10");
    AGAIN ();
    facts.today = "2026-01-10";
    bid_quote_create (d, &other, "q2", cmd ("{\"tender_id\":\"t1\",\"currency\":\"CNY\"}"), &facts);
    then_accepted (1);
    AGAIN ();
    bid_quote_reject (d, &quo, cmd ("{\"reason\":\"too deep\"}"), &facts);
    then_accepted (1);
}

/*  o8's contract without a tender, signed on `signed_on` (o8 is won; its
    win is not compared here). */
static const dbk_obj_t *s_untendered (const char *signed_on)
{
    char json[600];
    snprintf (json, sizeof json,
              "{\"number\":\"N8\",\"opportunity_id\":\"o8\",\"buyer_id\":\"a1\","
              "\"seller\":\"S\",\"scope\":\"S\",\"amount\":100,\"currency\":\"CNY\","
              "\"signed_on\":\"%s\",\"milestones\":[{\"kind\":\"advance\",\"amount\":100}]}",
              signed_on);
    return cmd (json);
}

Test (since_registration, a_contract_is_not_signed_nor_collected_before_its_deal_was_registered)
{
    /*  Given o8 registered on 2025-11-03
        When its contract is signed stated on 2025-11-02
        Then it is refused on on; stated on 2025-11-03, signed. Nor is an
        invoice or a payment of contract c1 (o8's) stated before it */
    facts.today = "2025-11-02";
    bid_contract_sign (d, &con, "c9", s_untendered ("2025-11-02"), &facts);
    then_before_registration ("on", "2025-11-02", "o8", "2025-11-03");
    AGAIN ();
    facts.today = "2025-11-03";
    bid_contract_sign (d, &con, "c9", s_untendered ("2025-11-03"), &facts);
    then_accepted (1);
    AGAIN ();
    facts.today = "2026-03-01";
    given_contract ();
    facts.today = "2025-11-02";
    bid_contract_invoice (d, &con, cmd ("{\"invoice\":\"F1\",\"milestone\":1,\"amount\":100}"),
                          &facts);
    then_before_registration ("on", "2025-11-02", "o8", "2025-11-03");
    AGAIN ();
    bid_contract_payment (d, &con, cmd ("{\"milestone\":1,\"amount\":100}"), &facts);
    then_before_registration ("on", "2025-11-02", "o8", "2025-11-03");
}

/*  The lookups of a service that did not know registrations yet: the
    facts of a log written before the rule. */
static bid_lookup_t s_unregistered;

static void s_no_registrations (void)
{
    s_unregistered = s_lookup;
    s_unregistered.registered = NULL;
    facts.lookup = &s_unregistered;
}

Test (since_registration, an_award_does_not_close_its_deal_before_it_was_registered)
{
    /*  Given t1 of o1 submitted and opened on 2026-01-05, in a log
        written before the rule (o1 was registered on 2026-01-10)
        When it is awarded dated 2026-01-09, stated on 2026-03-01
        Then it is refused on date, naming the registration's date: the
        award closes the deal (the opportunities service dates its win
        or loss with it), and a deal is closed after it was registered;
        dated 2026-01-10 it is recorded */
    s_no_registrations ();
    facts.today = "2026-01-05";
    given_opened ();
    facts.lookup = &s_lookup;
    facts.today = "2026-03-01";
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-01-09\"}"), &facts);
    then_before_registration ("date", "2026-01-09", "o1", "2026-01-10");
    then_message_mentions ("a deal is closed after it was registered");
    AGAIN ();
    bid_tender_award (d, &ten,
                      cmd ("{\"result\":\"lost\",\"date\":\"2026-01-09\",\"winner\":\"Philips\","
                           "\"reason\":\"price\"}"),
                      &facts);
    then_before_registration ("date", "2026-01-09", "o1", "2026-01-10");
    AGAIN ();
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-01-10\"}"), &facts);
    then_accepted (1);
}

Test (since_registration, a_tender_dated_before_its_deal_in_an_old_log_still_folds)
{
    /*  Given events of t1 stated on 1900-01-01 (a log written before the
        rule): they fold as they are, and the tender takes commands
        stated since its deal's registration */
    cr_assert_eq (tender_event ("tender.opened",
                                "{\"id\":\"t1\",\"opportunity_id\":\"o1\",\"number\":\"N\","
                                "\"issuer\":\"I\",\"type\":\"public\",\"currency\":\"CNY\","
                                "\"envelopes\":1,\"step\":\"notice\",\"bond_required\":0,"
                                "\"on\":\"1900-01-01\"}"),
                  0);
    cr_assert_eq (tender_event ("tender.step_advanced",
                                "{\"id\":\"t1\",\"from\":\"notice\",\"step\":"
                                "\"documents_issued\",\"date\":\"1900-01-01\",\"on\":"
                                "\"1900-01-01\"}"),
                  0);
    cr_assert (ten.exists);
    cr_assert_str_eq (ten.step, "documents_issued");
    bid_tender_decide_bid (d, &ten, cmd ("{\"decision\":\"bid\",\"reason\":\"x\"}"), &facts);
    then_accepted (1);
}

Test (since_registration, without_the_registrations_date_nothing_is_bounded)
{
    /*  a deal the lookups know no registration date of (registered
        without "on", appended by hand) bounds nothing */
    s_no_registrations ();
    facts.today = "2001-01-01";
    bid_tender_open (d, &ten, "t1", cmd (S_TENDER_JSON), &facts);
    then_accepted (1);
}
