/*  test_opportunities_touched.c - a deal's touched date
    (services/opportunities/opportunities_decider.h, opp_evolve and
    opp_touch_overdue), Given-When-Then: the latest business date of its
    owner's work, never moved back by a command entered late, nor moved
    by a registration conflict that another owner or a manager caused,
    nor moved past the day the log recorded an event.
*/
#include "support/opp_given.h"

TestSuite (touched, .init = s_setup, .fini = s_teardown);

/*  Given: the deal registered on 2026-01-10, its next step set on
    2026-03-01. */
static void given_worked_on_march_1 (void)
{
    given_deal ();
    GIVEN (&deal, opp_next_step_set (d, &deal, cmd ("{\"next_step\":\"visit\"}"), &facts));
    cr_assert_str_eq (deal.touched, "2026-03-01");
}

Test (touched, a_command_dated_in_the_past_does_not_move_it_back)
{
    given_worked_on_march_1 ();
    opp_facts_t f = facts;
    f.today = "2026-01-20"; /* a tick entered late, stated for that day */
    GIVEN (&deal, opp_check_tick (d, &deal, cmd ("{\"item\":\"plan.visit_plan\"}"), &f));
    cr_assert_str_eq (deal.touched, "2026-03-01");
    cr_assert_not (opp_touch_overdue (&deal, "2026-03-20", NULL),
                   "worked on 19 days before, within L1's 30");
}

Test (touched, a_later_command_moves_it_forward)
{
    given_worked_on_march_1 ();
    opp_facts_t f = facts;
    f.today = "2026-03-02";
    GIVEN (&deal, opp_check_tick (d, &deal, cmd ("{\"item\":\"plan.visit_plan\"}"), &f));
    cr_assert_str_eq (deal.touched, "2026-03-02");
}

Test (touched, another_owners_registration_of_the_project_does_not_touch_the_deal)
{
    given_deal (); /* wang's o1, 2026-01-10 */
    opp_match_t m = {"o1", "wang", "2026-01-10", 0};
    facts.match = &m;
    cr_assert_eq (opp_register (d, &other, "o2",
                                cmd ("{\"name\":\"浦东医院照明\",\"account_id\":\"a1\","
                                     "\"owner\":\"li\",\"currency\":\"CNY\","
                                     "\"close_date\":\"2026-09-30\"}"),
                                &facts),
                  0, "%s", dbk_decision_message (d));
    fold (&deal, "opportunity-o1"); /* the conflict flagged on o1, 2026-03-01 */
    fold (&other, "opportunity-o2");
    dbk_decision_reset (d);
    cr_assert_eq (deal.nconflicts, 1);
    cr_assert_str_eq (deal.touched, "2026-01-10", "wang has not worked on o1 since");
    cr_assert (opp_touch_overdue (&deal, "2026-03-01", NULL), "50 days: still forgotten");
    cr_assert_str_eq (other.touched, "2026-03-01", "li's registration is li's work");

    /* nor does a manager's resolution */
    facts.match = NULL;
    facts.manager = true;
    facts.actor = "zhao";
    cr_assert_eq (opp_resolve_conflict (d, &deal, &other,
                                        cmd ("{\"with\":\"o2\",\"owner\":\"wang\"}"), &facts),
                  0, "%s", dbk_decision_message (d));
    fold (&deal, "opportunity-o1");
    cr_assert_eq (deal.status, OPP_OPEN);
    cr_assert_str_eq (deal.touched, "2026-01-10");
}

Test (touched, an_on_that_is_not_a_date_is_ignored)
{
    given_deal ();
    given_event (&deal, "opportunity.next_step_set",
                 "{\"id\":\"o1\",\"next_step\":\"x\",\"on\":\"9999-99-99\"}");
    given_event (&deal, "opportunity.next_step_set",
                 "{\"id\":\"o1\",\"next_step\":\"y\",\"on\":7}");
    cr_assert_str_eq (deal.touched, "2026-01-10");
}

/*  The log's recorded times (ts, unix ms, UTC) of the events below. */
#define S_JAN_19_095959 1768816799000LL /* 2026-01-19 09:59:59 UTC: 23:59:59 at +14:00 */
#define S_JAN_19_100000 1768816800000LL /* 2026-01-19 10:00:00 UTC: 2026-01-20 at +14:00 */
#define S_JAN_20_NOON 1768910400000LL   /* 2026-01-20 12:00:00 */

Test (touched, an_on_after_the_day_the_log_recorded_the_event_counts_as_that_day)
{
    given_deal (); /* 2026-01-10 */
    /* appended by hand on 2026-01-20, stating a day to come */
    given_recorded_event (&deal, "opportunity.next_step_set",
                          "{\"id\":\"o1\",\"next_step\":\"x\",\"on\":\"2099-01-01\"}",
                          S_JAN_20_NOON);
    cr_assert_str_eq (deal.touched, "2026-01-21", "the latest date anywhere then (UTC+14)");
    cr_assert (opp_touch_overdue (&deal, "2026-03-01", NULL),
               "39 days after the day it was recorded: past L1's 30");
}

/*  The business day may be ahead of UTC's (DEALBOOK_TIMEZONE up to
    +14:00): an "on" of that day, stated when the log recorded it, is
    never cut. */
Test (touched, the_bound_is_the_date_at_utc_plus_14_of_the_recorded_time)
{
    given_deal ();
    given_recorded_event (&deal, "opportunity.next_step_set",
                          "{\"id\":\"o1\",\"next_step\":\"x\",\"on\":\"2026-01-20\"}",
                          S_JAN_19_095959);
    cr_assert_str_eq (deal.touched, "2026-01-19", "recorded when 2026-01-20 had begun nowhere");
    given_recorded_event (&deal, "opportunity.next_step_set",
                          "{\"id\":\"o1\",\"next_step\":\"y\",\"on\":\"2026-01-20\"}",
                          S_JAN_19_100000);
    cr_assert_str_eq (deal.touched, "2026-01-20", "recorded on its day at UTC+14: as it is");
}

Test (touched, an_on_before_the_recorded_day_is_kept_as_it_is)
{
    given_deal ();
    given_recorded_event (&deal, "opportunity.next_step_set",
                          "{\"id\":\"o1\",\"next_step\":\"x\",\"on\":\"2026-01-15\"}",
                          S_JAN_20_NOON);
    cr_assert_str_eq (deal.touched, "2026-01-15", "history entered late keeps its own day");
}

Test (touched, a_bounded_on_does_not_move_a_later_touched_back)
{
    given_deal ();
    given_recorded_event (&deal, "opportunity.next_step_set",
                          "{\"id\":\"o1\",\"next_step\":\"x\",\"on\":\"2026-02-01\"}",
                          OPP_UNRECORDED);
    given_recorded_event (&deal, "opportunity.next_step_set",
                          "{\"id\":\"o1\",\"next_step\":\"y\",\"on\":\"2099-01-01\"}",
                          S_JAN_20_NOON);
    cr_assert_str_eq (deal.touched, "2026-02-01");
}

/*  The registration's date starts the first owner's protection: one
    appended by hand for a day to come counts as recorded that day, or
    the deal would be protected until then. */
Test (touched, a_registration_dated_to_come_counts_as_the_day_it_was_recorded)
{
    given_recorded_event (&deal, "opportunity.registered",
                          "{\"id\":\"o1\",\"name\":\"Line 16\",\"account_id\":\"a1\","
                          "\"owner\":\"wang\",\"currency\":\"CNY\",\"close_date\":\"2099-12-31\","
                          "\"on\":\"2099-01-01\"}",
                          S_JAN_20_NOON);
    cr_assert_str_eq (deal.registered_on, "2026-01-21");
    cr_assert_str_eq (deal.close_date, "2099-12-31", "a planned date is not bounded");
}
