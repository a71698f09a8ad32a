/*  test_opportunities_dates.c - the dates an opportunities command
    carries, as specifications, Given-When-Then. A date that records what
    happened (a deal won, lost or abandoned, a checklist item done, the
    customer's commitment given, a stakeholder last contacted) is never
    after the command's business date ("on", facts->today: 2026-03-01
    here): INVALID on that field, naming both dates, nothing decided,
    before the deal is looked at. Nor is anything on a deal dated before
    the deal was registered (its registration's "on": 2026-01-10 here):
    an outcome's date, any command's "on", and a reopen's "on" is not
    before the loss it starts again from; history entered after the fact
    registers the deal with its own past "on" first. A planned date (the
    close date, a next step's due) may lie ahead. The award reaction
    takes the award as the bidding service recorded it, and a log written
    before the rules folds as it did.
*/
#include "support/opp_given.h"

TestSuite (fact_dates, .init = s_setup, .fini = s_teardown);
TestSuite (plan_dates, .init = s_setup, .fini = s_teardown);
TestSuite (recorded, .init = s_setup, .fini = s_teardown);
TestSuite (since_registration, .init = s_setup, .fini = s_teardown);

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

/*  ============== since the registration: the lower bound ============== */

/*  Then: refused on `field` because `date` is before the registration of
    o1 (2026-01-10). */
static void then_before_registration (const char *field, const char *date)
{
    char want[120];
    then_rejected (DBK_EINVAL, field);
    snprintf (want, sizeof want,
              "%s (%s) cannot be before the registration of opportunity o1 "
              "(2026-01-10)",
              field, date);
    then_message_mentions (want);
}

Test (since_registration, a_deal_is_not_won_lost_or_abandoned_before_it_was_registered)
{
    /*  Given o1 registered on 2026-01-10
        When it is won on 1900-01-01, or the day before its registration,
        lost on 1900-01-01, abandoned on 2026-01-09
        Then each is refused on date, naming the registration's date */
    given_deal ();
    opp_win (d, &deal, cmd ("{\"amount\":1,\"date\":\"1900-01-01\"}"), &facts);
    then_before_registration ("date", "1900-01-01");
    dbk_decision_reset (d);
    opp_win (d, &deal, cmd ("{\"amount\":1,\"date\":\"2026-01-09\"}"), &facts);
    then_before_registration ("date", "2026-01-09");
    dbk_decision_reset (d);
    opp_lose (d, &deal, cmd ("{\"reason\":\"price\",\"date\":\"1900-01-01\"}"), &facts);
    then_before_registration ("date", "1900-01-01");
    dbk_decision_reset (d);
    opp_abandon (d, &deal, cmd ("{\"reason\":\"frozen\",\"date\":\"2026-01-09\"}"), &facts);
    then_before_registration ("date", "2026-01-09");
    /*  the day of the registration itself is a day of the deal */
    dbk_decision_reset (d);
    opp_win (d, &deal, cmd ("{\"amount\":1,\"date\":\"2026-01-10\"}"), &facts);
    then_accepted (1);
}

Test (since_registration, no_command_is_stated_on_a_day_before_the_registration)
{
    /*  Given o1 registered on 2026-01-10
        When a command states on 2026-01-09 (a level, a next step, a win)
        Then it is refused on on, naming the registration's date */
    given_deal ();
    opp_facts_t f = facts;
    f.today = "2026-01-09";
    opp_level_set (d, &deal, cmd ("{\"level\":\"L1\"}"), &f);
    then_before_registration ("on", "2026-01-09");
    dbk_decision_reset (d);
    opp_next_step_set (d, &deal, cmd ("{\"next_step\":\"visit\"}"), &f);
    then_before_registration ("on", "2026-01-09");
    dbk_decision_reset (d);
    opp_win (d, &deal, cmd ("{\"amount\":1,\"date\":\"2026-01-09\"}"), &f);
    then_before_registration ("on", "2026-01-09");
    dbk_decision_reset (d);
    f.today = "2026-01-10";
    opp_next_step_set (d, &deal, cmd ("{\"next_step\":\"visit\"}"), &f);
    then_accepted (1);
}

Test (since_registration, a_conflict_is_not_resolved_before_either_registration)
{
    /*  Given o1 (wang, 2026-01-10) in conflict with o2 (zhao, 2026-02-01)
        When a manager resolves it stated on 2026-01-20
        Then it is refused on on, naming o2's registration */
    given_deal ();
    opp_match_t m = {"o1", "wang", "2026-01-10", 0};
    opp_facts_t f = facts;
    f.today = "2026-02-01";
    f.match = &m;
    cr_assert_eq (opp_register (d, &other, "o2",
                                cmd ("{\"name\":\"浦东医院照明\",\"account_id\":\"a1\","
                                     "\"owner\":\"zhao\",\"currency\":\"CNY\","
                                     "\"close_date\":\"2026-09-30\"}"),
                                &f),
                  0);
    fold (&other, "opportunity-o2");
    fold (&deal, "opportunity-o1");
    dbk_decision_reset (d);
    cr_assert_eq (other.nconflicts, 1);
    cr_assert_eq (deal.nconflicts, 1);
    f = facts;
    f.manager = true;
    f.today = "2026-01-20";
    opp_resolve_conflict (d, &deal, &other, cmd ("{\"with\":\"o2\",\"owner\":\"wang\"}"), &f);
    then_rejected (DBK_EINVAL, "on");
    then_message_mentions ("on (2026-01-20) cannot be before the registration of opportunity o2 "
                           "(2026-02-01)");
    dbk_decision_reset (d);
    f.today = "2026-02-01";
    opp_resolve_conflict (d, &deal, &other, cmd ("{\"with\":\"o2\",\"owner\":\"wang\"}"), &f);
    then_accepted (2);
}

Test (since_registration, a_deal_is_reopened_after_it_was_lost)
{
    /*  Given o1 lost on 2026-02-20
        When it is reopened stated on 2026-02-19
        Then it is refused on on, naming the loss's date; on 2026-02-20 it
        reopens */
    given_deal ();
    GIVEN (&deal,
           opp_lose (d, &deal, cmd ("{\"reason\":\"price\",\"date\":\"2026-02-20\"}"), &facts));
    opp_facts_t f = facts;
    f.today = "2026-02-19";
    opp_reopen (d, &deal, cmd ("{\"reason\":\"re-tender\"}"), &f);
    then_rejected (DBK_EINVAL, "on");
    then_message_mentions ("on (2026-02-19) cannot be before the loss of opportunity o1 "
                           "(2026-02-20)");
    dbk_decision_reset (d);
    f.today = "1900-01-01";
    opp_reopen (d, &deal, cmd ("{\"reason\":\"re-tender\"}"), &f);
    then_before_registration ("on", "1900-01-01");
    dbk_decision_reset (d);
    f.today = "2026-02-20";
    opp_reopen (d, &deal, cmd ("{\"reason\":\"re-tender\"}"), &f);
    then_accepted (1);
}

Test (since_registration, an_old_deal_entered_after_the_fact_keeps_its_own_dates)
{
    /*  Given a deal of 2019 migrated today: registered stating on
        2019-05-06
        When it is won on 2020-02-28, stated on 2020-03-02
        Then the win is recorded with its dates: the bound is the deal's
        registration, not the day it was typed in */
    opp_facts_t f = facts;
    f.today = "2019-05-06";
    GIVEN (&deal, opp_register (d, &deal, "o1", cmd (S_DEAL_JSON), &f));
    f.today = "2020-03-02";
    opp_win (d, &deal, cmd ("{\"amount\":1,\"date\":\"2020-02-28\"}"), &f);
    then_accepted (1);
    cr_assert (has_str (payload (0), "date", "2020-02-28"));
}

Test (since_registration, without_the_registrations_date_nothing_is_bounded)
{
    /*  Given a registration appended by hand without "on" */
    given_event (&deal, "opportunity.registered",
                 "{\"id\":\"o1\",\"name\":\"n\",\"normalized_name\":\"n\",\"account_id\":"
                 "\"a1\",\"owner\":\"wang\",\"currency\":\"CNY\",\"close_date\":"
                 "\"2026-09-30\",\"amount\":1,\"level\":1}");
    opp_win (d, &deal, cmd ("{\"amount\":1,\"date\":\"2001-01-01\"}"), &facts);
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

Test (recorded, a_deal_won_before_its_registration_in_an_old_log_still_folds)
{
    given_event (&deal, "opportunity.registered",
                 "{\"id\":\"o1\",\"name\":\"n\",\"normalized_name\":\"n\",\"account_id\":"
                 "\"a1\",\"owner\":\"wang\",\"currency\":\"CNY\",\"close_date\":"
                 "\"2026-09-30\",\"amount\":1,\"level\":1,\"on\":\"2026-01-10\"}");
    given_event (&deal, "opportunity.won",
                 "{\"id\":\"o1\",\"amount\":1,\"currency\":\"CNY\",\"date\":\"1900-01-01\","
                 "\"on\":\"1900-01-01\"}");
    cr_assert_eq (deal.status, OPP_WON);
    cr_assert_str_eq (deal.outcome_date, "1900-01-01");
}
