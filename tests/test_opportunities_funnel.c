/*  test_opportunities_funnel.c - the opportunities service's funnel
    (see test_opportunities_decider.c and test_opportunities_rules.c for
    the other rules): the levels, their entry criteria and probabilities,
    the commitment L5 needs, and moves down.
*/
#include "support/opp_given.h"

TestSuite (funnel, .init = s_setup, .fini = s_teardown);

Test (funnel, moving_up_to_L2_needs_a_confirmed_need)
{
    given_deal ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"role\":\"decision_maker\"}");
    opp_level_set (d, &deal, cmd ("{\"level\":\"L2\"}"), &facts);
    then_rejected (DBK_EREJECTED, "need_confirmed");
    then_message_mentions ("L2 needs a confirmed organisational need");
}

Test (funnel, moving_up_to_L2_needs_a_known_decision_maker)
{
    given_deal ();
    given_need ();
    opp_level_set (d, &deal, cmd ("{\"level\":\"L2\"}"), &facts);
    then_rejected (DBK_EREJECTED, "decision_maker_known");
    then_message_mentions ("decision maker");
}

Test (funnel, with_its_evidence_the_deal_moves_up_with_the_levels_probability)
{
    given_deal ();
    given_need ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"role\":\"decision_maker\"}");
    opp_level_set (d, &deal, cmd ("{\"level\":\"L2\"}"), &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.level_changed");
    cr_assert (has_int (payload (0), "from", 1));
    cr_assert (has_int (payload (0), "to", 2));
    cr_assert (has_int (payload (0), "probability", 25));
    fold (&deal, NULL);
    cr_assert_eq (deal.level, 2);
    cr_assert_eq (opp_probability (&deal, NULL), 25);
}

Test (funnel, L3_needs_a_qualification_that_decided_to_pursue)
{
    given_deal ();
    given_need ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"role\":\"decision_maker\"}");
    given_level ("L2");
    GIVEN (&deal, opp_qualify (d, &deal, cmd (S_QUALIFY ("hold")), &facts));
    opp_level_set (d, &deal, cmd ("{\"level\":\"L3\"}"), &facts);
    then_rejected (DBK_EREJECTED, "qualified_pursue");
    dbk_decision_reset (d);
    given_qualified ();
    opp_level_set (d, &deal, cmd ("{\"level\":\"L3\"}"), &facts);
    then_accepted (1);
    cr_assert (has_int (payload (0), "probability", 50));
}

Test (funnel, a_jump_checks_the_criteria_of_every_level_in_between)
{
    given_deal ();
    given_need ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"role\":\"decision_maker\",\"attitude\":1}");
    given_stakeholder ("{\"contact_id\":\"c2\",\"role\":\"coach\"}");
    /* L4's own criteria hold, L3's (qualification) does not */
    opp_level_set (d, &deal, cmd ("{\"level\":\"L4\"}"), &facts);
    then_rejected (DBK_EREJECTED, "qualified_pursue");
    then_message_mentions ("L3 needs");
    dbk_decision_reset (d);
    given_qualified ();
    opp_level_set (d, &deal, cmd ("{\"level\":\"L4\"}"), &facts);
    then_accepted (1);
    cr_assert (has_int (payload (0), "from", 1));
    cr_assert (has_int (payload (0), "to", 4));
    cr_assert (has_int (payload (0), "probability", 75));
}

Test (funnel, L4_needs_a_coach)
{
    given_deal ();
    given_need ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"role\":\"decision_maker\",\"attitude\":0}");
    given_qualified ();
    given_level ("L3");
    opp_level_set (d, &deal, cmd ("{\"level\":\"L4\"}"), &facts);
    then_rejected (DBK_EREJECTED, "coach");
    then_message_mentions ("L4 needs a coach");
}

Test (funnel, L4_needs_a_decision_maker_whose_attitude_is_known_and_not_negative)
{
    given_deal ();
    given_need ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"role\":\"decision_maker\"}");
    given_stakeholder ("{\"contact_id\":\"c2\",\"role\":\"coach\"}");
    given_qualified ();
    opp_level_set (d, &deal, cmd ("{\"level\":\"L4\"}"), &facts);
    then_rejected (DBK_EREJECTED, "decision_maker_supports");
    dbk_decision_reset (d);
    GIVEN (&deal, opp_stakeholder_update (d, &deal, cmd ("{\"contact_id\":\"c1\",\"attitude\":-1}"),
                                          &facts));
    opp_level_set (d, &deal, cmd ("{\"level\":\"L4\"}"), &facts);
    then_rejected (DBK_EREJECTED, "decision_maker_supports");
    then_message_mentions (">= 0");
    dbk_decision_reset (d);
    GIVEN (&deal, opp_stakeholder_update (d, &deal, cmd ("{\"contact_id\":\"c1\",\"attitude\":0}"),
                                          &facts));
    opp_level_set (d, &deal, cmd ("{\"level\":\"L4\"}"), &facts);
    then_accepted (1);
}

Test (funnel, L5_needs_an_award_notice_or_a_verbal_commitment)
{
    given_deal ();
    given_l4_evidence ();
    given_level ("L4");
    opp_level_set (d, &deal, cmd ("{\"level\":\"L5\"}"), &facts);
    then_rejected (DBK_EREJECTED, "commitment");
    dbk_decision_reset (d);
    opp_commitment_record (d, &deal,
                           cmd ("{\"kind\":\"verbal_commitment\",\"date\":\"2026-02-28\","
                                "\"contact_id\":\"c1\",\"note\":\"at dinner\"}"),
                           &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.commitment_recorded");
    cr_assert (has_str (payload (0), "kind", "verbal_commitment"));
    cr_assert (has_str (payload (0), "contact_id", "c1"));
    fold (&deal, NULL);
    dbk_decision_reset (d);
    opp_level_set (d, &deal, cmd ("{\"level\":\"L5\"}"), &facts);
    then_accepted (1);
    cr_assert (has_int (payload (0), "probability", 90));
}

Test (funnel, a_commitment_needs_a_kind_a_date_and_a_known_contact)
{
    given_deal ();
    opp_commitment_record (d, &deal, cmd ("{\"kind\":\"handshake\",\"date\":\"2026-02-28\"}"),
                           &facts);
    then_rejected (DBK_EINVAL, "kind");
    dbk_decision_reset (d);
    opp_commitment_record (d, &deal, cmd ("{\"kind\":\"award_notice\"}"), &facts);
    then_rejected (DBK_EINVAL, "date");
    dbk_decision_reset (d);
    opp_commitment_record (
        d, &deal, cmd ("{\"kind\":\"award_notice\",\"date\":\"2026-02-28\",\"contact_id\":\"q\"}"),
        &facts);
    then_rejected (DBK_ENOTFOUND, "contact_id");
}

Test (funnel, moving_down_needs_a_reason)
{
    given_deal ();
    given_l4_evidence ();
    given_level ("L3");
    opp_level_set (d, &deal, cmd ("{\"level\":\"L2\"}"), &facts);
    then_rejected (DBK_EINVAL, "reason");
    then_message_mentions ("reason");
    dbk_decision_reset (d);
    opp_level_set (d, &deal, cmd ("{\"level\":\"L1\",\"reason\":\"budget frozen\"}"), &facts);
    then_accepted (1);
    cr_assert (has_int (payload (0), "to", 1));
    cr_assert (has_str (payload (0), "reason", "budget frozen"));
    cr_assert (has_int (payload (0), "probability", 10));
}

/*  ---- the latest qualification stands against every move up ---- */

/*  Given: a deal at `level` with the evidence of every level up to L5
    (need, supportive decision maker, pursue, coach, commitment). */
static void given_deal_with_all_evidence_at (const char *level)
{
    given_deal ();
    given_l4_evidence ();
    GIVEN (&deal,
           opp_commitment_record (
               d, &deal, cmd ("{\"kind\":\"award_notice\",\"date\":\"2026-02-20\"}"), &facts));
    given_level (level);
}

Test (funnel, a_drop_after_pursue_keeps_a_deal_at_L3_from_moving_up)
{
    given_deal_with_all_evidence_at ("L3");
    GIVEN (&deal, opp_qualify (d, &deal, cmd (S_QUALIFY ("drop")), &facts));
    /* L4's own criteria (coach, supportive decision maker) still hold */
    opp_level_set (d, &deal, cmd ("{\"level\":\"L4\"}"), &facts);
    then_rejected (DBK_EREJECTED, "qualified_pursue");
    then_message_mentions ("the latest qualification decided drop: re-qualify before moving up");
}

Test (funnel, a_drop_after_pursue_keeps_a_deal_at_L4_from_moving_up)
{
    given_deal_with_all_evidence_at ("L4");
    GIVEN (&deal, opp_qualify (d, &deal, cmd (S_QUALIFY ("drop")), &facts));
    opp_level_set (d, &deal, cmd ("{\"level\":\"L5\"}"), &facts);
    then_rejected (DBK_EREJECTED, "qualified_pursue");
    then_message_mentions ("decided drop");
}

Test (funnel, a_hold_keeps_the_deal_from_moving_up_as_a_drop_does)
{
    given_deal_with_all_evidence_at ("L3");
    GIVEN (&deal, opp_qualify (d, &deal, cmd (S_QUALIFY ("hold")), &facts));
    opp_level_set (d, &deal, cmd ("{\"level\":\"L4\"}"), &facts);
    then_rejected (DBK_EREJECTED, "qualified_pursue");
    then_message_mentions ("the latest qualification decided hold: re-qualify before moving up");
    dbk_decision_reset (d);
    opp_level_set (d, &deal, cmd ("{\"level\":\"L5\"}"), &facts);
    then_rejected (DBK_EREJECTED, "qualified_pursue");
}

Test (funnel, a_new_qualification_that_decides_pursue_lets_the_deal_move_up_again)
{
    given_deal_with_all_evidence_at ("L4");
    GIVEN (&deal, opp_qualify (d, &deal, cmd (S_QUALIFY ("drop")), &facts));
    opp_level_set (d, &deal, cmd ("{\"level\":\"L5\"}"), &facts);
    then_rejected (DBK_EREJECTED, "qualified_pursue");
    dbk_decision_reset (d);
    given_qualified ();
    opp_level_set (d, &deal, cmd ("{\"level\":\"L5\"}"), &facts);
    then_accepted (1);
    cr_assert (has_int (payload (0), "from", 4));
    cr_assert (has_int (payload (0), "to", 5));
}

Test (funnel, a_dropped_deal_moves_down_with_a_reason_not_up)
{
    given_deal_with_all_evidence_at ("L4");
    GIVEN (&deal, opp_qualify (d, &deal, cmd (S_QUALIFY ("drop")), &facts));
    opp_level_set (d, &deal, cmd ("{\"level\":\"L5\"}"), &facts);
    then_rejected (DBK_EREJECTED, "qualified_pursue");
    dbk_decision_reset (d);
    opp_level_set (d, &deal, cmd ("{\"level\":\"L2\"}"), &facts);
    then_rejected (DBK_EINVAL, "reason");
    dbk_decision_reset (d);
    opp_level_set (d, &deal, cmd ("{\"level\":\"L2\",\"reason\":\"budget cut\"}"), &facts);
    then_accepted (1);
    cr_assert (has_int (payload (0), "to", 2));
}

Test (funnel, a_drop_refuses_a_move_up_even_where_no_level_asks_for_a_qualification)
{
    opp_level_t levels[OPP_LEVELS];
    memcpy (levels, opp_default_levels, sizeof levels);
    static const char *const none[] = {NULL};
    levels[2].criteria = none;
    opp_config_t cfg = opp_default_config;
    cfg.levels = levels;
    facts.config = &cfg;
    given_deal ();
    given_need ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"role\":\"decision_maker\"}");
    GIVEN (&deal, opp_qualify (d, &deal, cmd (S_QUALIFY ("drop")), &facts));
    opp_level_set (d, &deal, cmd ("{\"level\":\"L2\"}"), &facts);
    then_rejected (DBK_EREJECTED, "qualified_pursue");
    dbk_decision_reset (d);
    /* a deal never qualified climbs on the configured criteria alone */
    opp_reset (&deal);
    opp_init (&deal);
    given_deal ();
    given_need ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"role\":\"decision_maker\"}");
    opp_level_set (d, &deal, cmd ("{\"level\":\"L3\"}"), &facts);
    then_accepted (1);
}

Test (funnel, the_same_level_decides_nothing)
{
    given_deal ();
    cr_assert_eq (opp_level_set (d, &deal, cmd ("{\"level\":\"L1\"}"), &facts), 0);
    then_accepted (0);
}

Test (funnel, an_unknown_level_is_refused)
{
    given_deal ();
    opp_level_set (d, &deal, cmd ("{\"level\":\"L6\"}"), &facts);
    then_rejected (DBK_EINVAL, "level");
    then_message_mentions ("L1, L2, L3, L4, L5");
    dbk_decision_reset (d);
    opp_level_set (d, &deal, cmd ("{\"level\":2}"), &facts);
    then_rejected (DBK_EINVAL, "level");
}

Test (funnel, criteria_and_probabilities_are_configurable)
{
    opp_level_t levels[OPP_LEVELS];
    memcpy (levels, opp_default_levels, sizeof levels);
    static const char *const only_coach[] = {"coach", NULL};
    levels[1].criteria = only_coach;
    levels[1].probability = 30;
    opp_config_t cfg = opp_default_config;
    cfg.levels = levels;
    facts.config = &cfg;
    given_deal ();
    opp_level_set (d, &deal, cmd ("{\"level\":\"L2\"}"), &facts);
    then_rejected (DBK_EREJECTED, "coach");
    dbk_decision_reset (d);
    given_stakeholder ("{\"contact_id\":\"c2\",\"role\":\"coach\"}");
    opp_level_set (d, &deal, cmd ("{\"level\":\"L2\"}"), &facts);
    then_accepted (1);
    cr_assert (has_int (payload (0), "probability", 30));
    fold (&deal, NULL);
    cr_assert_eq (opp_probability (&deal, &cfg), 30);
}

Test (funnel, every_default_criterion_is_one_the_code_knows)
{
    cr_assert_eq (opp_default_levels[0].criteria, NULL, "L1 needs nothing");
    for (size_t l = 0; l < OPP_LEVELS; l++)
        for (size_t i = 0; opp_default_levels[l].criteria && opp_default_levels[l].criteria[i];
             i++) {
            bool known = false;
            for (size_t c = 0; opp_criteria[c].code; c++)
                known |= !strcmp (opp_criteria[c].code, opp_default_levels[l].criteria[i]);
            cr_assert (known, "%s", opp_default_levels[l].criteria[i]);
        }
    static const int p[] = {10, 25, 50, 75, 90};
    for (size_t l = 0; l < OPP_LEVELS; l++)
        cr_assert_eq (opp_default_levels[l].probability, p[l]);
}

Test (funnel, an_unknown_criterion_is_never_met)
{
    cr_assert_not (opp_criterion_met (&deal, "luck"));
}

Test (funnel, a_closed_or_unknown_deal_does_not_move)
{
    opp_level_set (d, &deal, cmd ("{\"level\":\"L2\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "id");
    dbk_decision_reset (d);
    given_deal ();
    given_event (&deal, "opportunity.abandoned", "{\"id\":\"o1\",\"reason\":\"x\"}");
    opp_level_set (d, &deal, cmd ("{\"level\":\"L2\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("abandoned");
}
