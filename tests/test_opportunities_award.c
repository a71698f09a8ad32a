/*  test_opportunities_award.c - the process manager of the opportunities
    service (opp_react_award in services/opportunities/opportunities_decider.h)
    as specifications, Given-When-Then: the bidding service's award of a
    deal's tender closes the deal as won or lost, once however often the
    log is replayed; an award of a deal closed otherwise is refused (the
    service logs it) or, a loss of a deal closed without a win, changes
    nothing; and a won award of a deal lost through another of its
    tenders wins it all the same. The deal's other outcomes are
    test_opportunities_decider.c's.
*/
#include "support/opp_given.h"

TestSuite (award, .init = s_setup, .fini = s_teardown);

#define S_AWARD_WON                                                                                \
    "{\"opportunity_id\":\"o1\",\"tender_id\":\"t1\",\"result\":\"won\",\"amount\":300000000,"     \
    "\"currency\":\"CNY\",\"date\":\"2026-02-27\"}"

Test (award, a_won_award_wins_the_deal_and_a_replay_reacts_once)
{
    given_deal ();
    opp_react_award (d, &deal, cmd (S_AWARD_WON), &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.won");
    cr_assert (has_int (payload (0), "amount", 300000000));
    cr_assert (has_str (payload (0), "tender_id", "t1"));
    cr_assert (has_str (payload (0), "date", "2026-02-27"));
    fold (&deal, NULL);
    cr_assert_eq (deal.status, OPP_WON);
    cr_assert_eq (deal.nawards, 1);
    dbk_decision_reset (d);
    cr_assert_eq (opp_react_award (d, &deal, cmd (S_AWARD_WON), &facts), 0);
    then_accepted (0);
}

Test (award, a_won_award_carries_its_reason_into_the_win)
{
    given_deal ();
    opp_react_award (d, &deal,
                     cmd ("{\"opportunity_id\":\"o1\",\"tender_id\":\"t1\",\"result\":\"won\","
                          "\"date\":\"2026-02-27\",\"reason\":\"best technical score\"}"),
                     &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.won");
    cr_assert (has_str (payload (0), "reason", "best technical score"));
    fold (&deal, NULL);
    cr_assert_str_eq (deal.won_reason, "best technical score");
}

Test (award, a_won_award_without_a_reason_gives_none)
{
    given_deal ();
    opp_react_award (d, &deal, cmd (S_AWARD_WON), &facts);
    then_accepted (1);
    cr_assert_null (dbk_obj_get (payload (0), "reason"));
}

Test (award, the_same_award_after_a_reopen_is_still_not_reacted_to_twice)
{
    given_deal ();
    GIVEN (&deal, opp_react_award (d, &deal,
                                   cmd ("{\"opportunity_id\":\"o1\",\"tender_id\":\"t1\","
                                        "\"result\":\"lost\",\"date\":\"2026-02-27\"}"),
                                   &facts));
    GIVEN (&deal, opp_reopen (d, &deal, cmd ("{\"reason\":\"re-tender\"}"), &facts));
    cr_assert_eq (opp_react_award (d, &deal,
                                   cmd ("{\"opportunity_id\":\"o1\",\"tender_id\":\"t1\","
                                        "\"result\":\"lost\",\"date\":\"2026-02-27\"}"),
                                   &facts),
                  0);
    then_accepted (0);
    opp_react_award (d, &deal,
                     cmd ("{\"opportunity_id\":\"o1\",\"tender_id\":\"t2\",\"result\":\"won\","
                          "\"date\":\"2026-02-28\"}"),
                     &facts);
    then_accepted (1);
    cr_assert (has_int (payload (0), "amount", 320000000), "the estimate by default");
    cr_assert (has_str (payload (0), "currency", "CNY"));
}

Test (award, a_lost_award_loses_the_deal_with_its_winner)
{
    given_deal ();
    opp_react_award (d, &deal,
                     cmd ("{\"opportunity_id\":\"o1\",\"tender_id\":\"t1\",\"result\":\"lost\","
                          "\"date\":\"2026-02-27\",\"winner\":\"k1\",\"price_gap\":-200}"),
                     &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.lost");
    cr_assert (has_str (payload (0), "reason", "tender lost"));
    cr_assert (has_str (payload (0), "winner", "k1"));
    cr_assert (has_int (payload (0), "price_gap", -200));
    fold (&deal, NULL);
    cr_assert_eq (deal.status, OPP_LOST);
    cr_assert_str_eq (deal.lost_to, "k1");
    cr_assert_str_eq (deal.awards[0], "t1");
}

Test (award, an_award_of_a_deal_closed_by_hand_is_refused_to_be_logged)
{
    given_deal ();
    GIVEN (&deal, opp_abandon (d, &deal, cmd ("{\"reason\":\"x\"}"), &facts));
    opp_react_award (d, &deal, cmd (S_AWARD_WON), &facts);
    then_rejected (DBK_EREJECTED, "opportunity_id");
    cr_assert (strstr (dbk_decision_message (d), "abandoned already"), "%s",
               dbk_decision_message (d));
}

#define S_AWARD_LOST_T2                                                                            \
    "{\"opportunity_id\":\"o1\",\"tender_id\":\"t2\",\"result\":\"lost\","                         \
    "\"date\":\"2026-02-25\",\"winner\":\"k1\"}"

/*  Two tenders for one deal (lots, or a re-tender): one lost, the other
    won. The loss reached the log first and closed the deal; the win of
    the other tender wins it all the same, reopening it first, as a
    person would. */
Test (award, a_won_award_wins_a_deal_lost_through_another_tender)
{
    given_deal ();
    GIVEN (&deal, opp_react_award (d, &deal, cmd (S_AWARD_LOST_T2), &facts));
    cr_assert_eq (deal.status, OPP_LOST);
    opp_react_award (d, &deal, cmd (S_AWARD_WON), &facts);
    then_accepted (2);
    then_event (0, "opportunity-o1", "opportunity.reopened");
    cr_assert (has_str (payload (0), "from", "lost"));
    cr_assert (
        has_str (payload (0), "reason", "tender t1 was won after the loss through tender t2"));
    then_event (1, "opportunity-o1", "opportunity.won");
    cr_assert (has_str (payload (1), "tender_id", "t1"));
    cr_assert (has_int (payload (1), "amount", 300000000));
    fold (&deal, NULL);
    cr_assert_eq (deal.status, OPP_WON);
    cr_assert_eq (deal.won_amount, 300000000);
    cr_assert_str_eq (deal.lost_to, "k1", "the loss stays on record");
    /*  replayed: neither award reacts again */
    dbk_decision_reset (d);
    cr_assert_eq (opp_react_award (d, &deal, cmd (S_AWARD_WON), &facts), 0);
    then_accepted (0);
    cr_assert_eq (opp_react_award (d, &deal, cmd (S_AWARD_LOST_T2), &facts), 0);
    then_accepted (0);
}

/*  The other order ends the same: won, the later loss recorded nowhere
    on the deal (the service logs it). */
Test (award, a_lost_award_after_another_tenders_win_leaves_the_deal_won)
{
    given_deal ();
    GIVEN (&deal, opp_react_award (d, &deal, cmd (S_AWARD_WON), &facts));
    opp_react_award (d, &deal, cmd (S_AWARD_LOST_T2), &facts);
    then_rejected (DBK_EREJECTED, "opportunity_id");
    cr_assert_eq (deal.status, OPP_WON);
}

/*  A loss a person recorded stays theirs: the won award is refused (and
    logged), the deal is reopened by hand if the award should count. So
    after a loss through a tender that a person reopened and then lost
    by hand. */
Test (award, a_won_award_of_a_deal_lost_by_hand_is_refused)
{
    given_deal ();
    GIVEN (&deal, opp_lose (d, &deal, cmd ("{\"reason\":\"budget cut\",\"date\":\"2026-02-20\"}"),
                            &facts));
    opp_react_award (d, &deal, cmd (S_AWARD_WON), &facts);
    then_rejected (DBK_EREJECTED, "opportunity_id");
    then_message_mentions ("lost already");
    dbk_decision_reset (d);
    GIVEN (&deal, opp_reopen (d, &deal, cmd ("{\"reason\":\"budget back\"}"), &facts));
    GIVEN (&deal, opp_react_award (d, &deal, cmd (S_AWARD_LOST_T2), &facts));
    GIVEN (&deal, opp_reopen (d, &deal, cmd ("{\"reason\":\"re-tender\"}"), &facts));
    GIVEN (&deal, opp_lose (d, &deal,
                            cmd ("{\"reason\":\"project cancelled\","
                                 "\"date\":\"2026-02-26\"}"),
                            &facts));
    opp_react_award (d, &deal, cmd (S_AWARD_WON), &facts);
    then_rejected (DBK_EREJECTED, "opportunity_id");
}

Test (award, a_lost_award_of_a_deal_closed_but_not_won_changes_nothing)
{
    given_deal ();
    GIVEN (&deal, opp_abandon (d, &deal, cmd ("{\"reason\":\"x\"}"), &facts));
    cr_assert_eq (opp_react_award (d, &deal,
                                   cmd ("{\"opportunity_id\":\"o1\",\"tender_id\":\"t1\","
                                        "\"result\":\"lost\",\"date\":\"2026-02-27\","
                                        "\"winner\":\"k1\"}"),
                                   &facts),
                  0);
    then_accepted (0); /* no event, and no refusal to log at every replay */
}

Test (award, an_award_for_another_opportunity_is_not_found)
{
    given_deal ();
    opp_react_award (d, &deal,
                     cmd ("{\"opportunity_id\":\"o2\",\"tender_id\":\"t1\",\"result\":\"won\","
                          "\"date\":\"2026-02-27\"}"),
                     &facts);
    then_rejected (DBK_ENOTFOUND, "opportunity_id");
}

Test (award, an_award_for_an_unknown_opportunity_is_not_found)
{
    opp_react_award (d, &deal, cmd (S_AWARD_WON), &facts);
    then_rejected (DBK_ENOTFOUND, "opportunity_id");
}

Test (award, a_mangled_award_is_malformed_naming_the_field)
{
    given_deal ();
    const char *bad[][2] = {
        {"{\"tender_id\":\"t1\",\"result\":\"won\",\"date\":\"2026-02-27\"}", "opportunity_id"},
        {"{\"opportunity_id\":\"o1\",\"result\":\"won\",\"date\":\"2026-02-27\"}", "tender_id"},
        {"{\"opportunity_id\":\"o1\",\"tender_id\":\"t1\",\"result\":\"draw\","
         "\"date\":\"2026-02-27\"}",
         "result"},
        {"{\"opportunity_id\":\"o1\",\"tender_id\":\"t1\",\"result\":\"won\"}", "date"},
        {"{\"opportunity_id\":\"o1\",\"tender_id\":\"t1\",\"result\":\"won\","
         "\"date\":\"2026-13-01\"}",
         "date"},
        {"{\"opportunity_id\":\"o1\",\"tender_id\":\"t1\",\"result\":\"won\","
         "\"date\":\"2026-02-27\",\"currency\":\"cny\"}",
         "currency"},
        {"{\"opportunity_id\":\"o1\",\"tender_id\":\"t1\",\"result\":\"won\","
         "\"date\":\"2026-02-27\",\"amount\":-5}",
         "amount"},
        {"{\"opportunity_id\":\"o1\",\"tender_id\":7,\"result\":\"won\","
         "\"date\":\"2026-02-27\"}",
         "tender_id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dbk_decision_reset (d);
        opp_react_award (d, &deal, cmd (bad[i][0]), &facts);
        then_rejected (DBK_EMALFORMED, bad[i][1]);
    }
    dbk_decision_reset (d);
    opp_react_award (d, &deal, cmd ("[]"), &facts);
    then_rejected (DBK_EMALFORMED, NULL);
}

Test (award, an_award_in_a_code_the_currency_table_dropped_still_closes_its_deal)
{
    /*  Given a tender opened in HRK before the table left withdrawn codes
        out, awarded now
        When the service reacts to its award
        Then the deal is won in HRK: the reaction records the bidding
        service's fact, it does not judge it again */
    given_deal ();
    opp_react_award (d, &deal,
                     cmd ("{\"opportunity_id\":\"o1\",\"tender_id\":\"t1\",\"result\":\"won\","
                          "\"amount\":1,\"currency\":\"HRK\",\"date\":\"2026-02-27\"}"),
                     &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "currency", "HRK"));
}
