/*  test_opportunities_dates.c - the dates an opportunities command
    carries, as specifications, Given-When-Then. A date that records what
    happened (a deal won, lost or abandoned, a checklist item done, the
    customer's commitment given, a stakeholder last contacted) is never
    after the command's business date ("on", facts->today: 2026-03-01
    here): INVALID on that field, naming both dates, nothing decided,
    before the deal is looked at. A planned date (the close date, a next
    step's due) may lie ahead. The award reaction takes the award as the
    bidding service recorded it, and a log written before the rule folds
    as it did.
*/
#include "support/opp_given.h"

TestSuite (fact_dates, .init = s_setup, .fini = s_teardown);
TestSuite (plan_dates, .init = s_setup, .fini = s_teardown);
TestSuite (recorded, .init = s_setup, .fini = s_teardown);

/*  Then: refused because `field` (`date`) is after the business date. */
static void then_after_on (const char *field, const char *date)
{
    char want[100];
    then_rejected (DBK_EINVAL, field);
    snprintf (want, sizeof want, "%s (%s) cannot be after on (%s), the business date", field, date,
              facts.today);
    then_message_mentions (want);
}

/*  ======================= facts: bounded by "on" ======================= */

Test (fact_dates, a_deal_is_not_won_after_the_business_date)
{
    given_deal ();
    opp_win (d, &deal, cmd ("{\"amount\":310000000,\"date\":\"2026-03-02\"}"), &facts);
    then_after_on ("date", "2026-03-02");
    dbk_decision_reset (d);
    opp_win (d, &deal, cmd ("{\"amount\":310000000,\"date\":\"2026-03-01\"}"), &facts);
    then_accepted (1); /* on the business date itself */
    dbk_decision_reset (d);
    opp_win (d, &deal, cmd ("{\"amount\":310000000,\"date\":\"2026-02-10\"}"), &facts);
    then_accepted (1); /* entered after the fact */
    cr_assert (has_str (payload (0), "date", "2026-02-10"));
    cr_assert (has_str (payload (0), "on", "2026-03-01"));
}

Test (fact_dates, a_deal_is_not_lost_after_the_business_date)
{
    given_deal ();
    opp_lose (d, &deal, cmd ("{\"reason\":\"price\",\"date\":\"2099-01-01\"}"), &facts);
    then_after_on ("date", "2099-01-01");
    dbk_decision_reset (d);
    opp_lose (d, &deal, cmd ("{\"reason\":\"price\",\"date\":\"2026-03-01\"}"), &facts);
    then_accepted (1);
}

Test (fact_dates, a_deal_is_not_abandoned_after_the_business_date)
{
    given_deal ();
    opp_abandon (d, &deal, cmd ("{\"reason\":\"frozen\",\"date\":\"2026-04-01\"}"), &facts);
    then_after_on ("date", "2026-04-01");
    dbk_decision_reset (d);
    opp_abandon (d, &deal, cmd ("{\"reason\":\"frozen\",\"date\":\"\"}"), &facts);
    then_accepted (1); /* no date given: the business date */
    cr_assert (has_str (payload (0), "date", "2026-03-01"));
}

Test (fact_dates, the_date_is_checked_with_the_fields_before_the_deal)
{
    /*  Given no such deal: the malformed command is told so first */
    opp_win (d, &deal, cmd ("{\"amount\":1,\"date\":\"2026-03-02\"}"), &facts);
    then_after_on ("date", "2026-03-02");
    /*  Given a deal closed already */
    dbk_decision_reset (d);
    given_deal ();
    GIVEN (&deal, opp_abandon (d, &deal, cmd ("{\"reason\":\"frozen\"}"), &facts));
    opp_lose (d, &deal, cmd ("{\"reason\":\"price\",\"date\":\"2026-03-02\"}"), &facts);
    then_after_on ("date", "2026-03-02");
}

Test (fact_dates, a_checklist_item_is_not_done_after_the_business_date)
{
    given_deal ();
    opp_check_tick (d, &deal, cmd ("{\"item\":\"plan.visit_plan\",\"date\":\"2026-03-05\"}"),
                    &facts);
    then_after_on ("date", "2026-03-05");
    dbk_decision_reset (d);
    opp_check_tick (d, &deal, cmd ("{\"item\":\"plan.visit_plan\",\"date\":\"2026-02-27\"}"),
                    &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "date", "2026-02-27"));
}

Test (fact_dates, a_commitment_is_not_given_after_the_business_date)
{
    given_deal ();
    opp_commitment_record (
        d, &deal, cmd ("{\"kind\":\"verbal_commitment\",\"date\":\"2026-03-02\"}"), &facts);
    then_after_on ("date", "2026-03-02");
    dbk_decision_reset (d);
    opp_commitment_record (d, &deal, cmd ("{\"kind\":\"award_notice\",\"date\":\"2026-03-01\"}"),
                           &facts);
    then_accepted (1);
}

Test (fact_dates, a_stakeholder_is_not_last_contacted_after_the_business_date)
{
    /*  a contact "last contacted" ahead would keep the stale-contact red
        flag away until that day */
    given_deal ();
    opp_stakeholder_add (d, &deal, cmd ("{\"contact_id\":\"c1\",\"last_contact\":\"2026-11-25\"}"),
                         &facts);
    then_after_on ("last_contact", "2026-11-25");
    dbk_decision_reset (d);
    given_stakeholder ("{\"contact_id\":\"c1\",\"last_contact\":\"2026-02-20\"}");
    opp_stakeholder_update (
        d, &deal, cmd ("{\"contact_id\":\"c1\",\"last_contact\":\"2026-03-02\"}"), &facts);
    then_after_on ("last_contact", "2026-03-02");
    dbk_decision_reset (d);
    opp_stakeholder_update (
        d, &deal, cmd ("{\"contact_id\":\"c1\",\"last_contact\":\"2026-03-01\"}"), &facts);
    then_accepted (1);
    dbk_decision_reset (d);
    opp_stakeholder_update (d, &deal, cmd ("{\"contact_id\":\"c1\",\"last_contact\":null}"),
                            &facts);
    then_accepted (1); /* clearing it records no date */
}

Test (fact_dates, without_a_business_date_nothing_is_bounded)
{
    given_deal ();
    opp_facts_t f = facts;
    f.today = NULL;
    opp_win (d, &deal, cmd ("{\"amount\":1,\"date\":\"2099-01-01\"}"), &f);
    then_accepted (1);
}

/*  ======================= plans: may lie ahead ======================= */

Test (plan_dates, the_close_date_and_a_next_steps_due_may_lie_ahead)
{
    given_deal (); /* closes 2026-09-30, registered on 2026-01-10 */
    opp_update (d, &deal, cmd ("{\"close_date\":\"2027-06-30\"}"), &facts);
    then_accepted (1);
    dbk_decision_reset (d);
    opp_next_step_set (d, &deal, cmd ("{\"next_step\":\"visit\",\"due\":\"2026-04-15\"}"), &facts);
    then_accepted (1);
}

/*  ======================= the log as it was ======================= */

Test (recorded, an_award_is_taken_as_the_bidding_service_recorded_it)
{
    /*  Given an award in a log written before the bidding service bounded
        it: dated 2026-05-01 on the business date 2026-03-01
        When the service reacts to it (with the award's own "on")
        Then the deal is won on the award's date, as it was before: the
        reaction records the bidding service's fact, never refuses it */
    given_deal ();
    opp_react_award (d, &deal,
                     cmd ("{\"opportunity_id\":\"o1\",\"tender_id\":\"t1\",\"result\":\"won\","
                          "\"date\":\"2026-05-01\"}"),
                     &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "date", "2026-05-01"));
}

Test (recorded, a_deal_won_after_its_business_date_in_an_old_log_still_folds)
{
    given_event (&deal, "opportunity.registered",
                 "{\"id\":\"o1\",\"name\":\"n\",\"normalized_name\":\"n\",\"account_id\":\"a1\","
                 "\"owner\":\"wang\",\"currency\":\"CNY\",\"close_date\":\"2026-09-30\","
                 "\"amount\":1,\"level\":1,\"on\":\"2026-01-10\"}");
    given_event (&deal, "opportunity.won",
                 "{\"id\":\"o1\",\"amount\":1,\"currency\":\"CNY\",\"date\":\"2026-11-21\","
                 "\"on\":\"2026-09-28\"}");
    cr_assert_eq (deal.status, OPP_WON);
    cr_assert_str_eq (deal.outcome_date, "2026-11-21");
}
