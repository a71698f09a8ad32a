/*  test_opportunities_rules.c - the opportunities service's domain rules,
    continued (see test_opportunities_decider.c, and
    test_opportunities_funnel.c for the funnel): qualification, the
    six-step checklist, the stakeholder map and its red flags, needs,
    competitors, evolve and the date helpers.
*/
#include "support/opp_given.h"

TestSuite (qualify, .init = s_setup, .fini = s_teardown);
TestSuite (checklist, .init = s_setup, .fini = s_teardown);
TestSuite (stakeholders, .init = s_setup, .fini = s_teardown);
TestSuite (needs, .init = s_setup, .fini = s_teardown);
TestSuite (competitors, .init = s_setup, .fini = s_teardown);
TestSuite (red_flags, .init = s_setup, .fini = s_teardown);
TestSuite (evolve, .init = s_setup, .fini = s_teardown);
TestSuite (dates);
TestSuite (outcome, .init = s_setup, .fini = s_teardown);

/*  ======================= qualification ======================= */

Test (qualify, a_qualification_records_every_answer_the_total_and_the_decision)
{
    given_deal ();
    opp_qualify (d, &deal, cmd (S_QUALIFY ("pursue")), &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.qualified");
    const dbk_obj_t *p = payload (0);
    for (size_t q = 0; q < OPP_QUESTIONS; q++) {
        char key[64];
        snprintf (key, sizeof key, "%s_evidence", opp_questions[q].key);
        cr_assert_not_null (dbk_obj_get (p, key), "%s", key);
    }
    cr_assert (has_int (p, "can_win_score", 3));
    cr_assert (has_int (p, "total", 16));
    cr_assert (has_str (p, "decision", "pursue"));
    cr_assert (has_str (p, "reason", "good fit"));
    fold (&deal, NULL);
    cr_assert_eq (deal.score_total, 16);
    cr_assert_eq (deal.scores[0], 5);
    cr_assert_str_eq (deal.decision, "pursue");
    cr_assert_str_eq (deal.decision_reason, "good fit");
}

Test (qualify, a_new_qualification_replaces_the_last)
{
    given_deal ();
    given_qualified ();
    GIVEN (&deal, opp_qualify (d, &deal, cmd (S_QUALIFY ("drop")), &facts));
    cr_assert_str_eq (deal.decision, "drop");
}

Test (qualify, every_answer_needs_its_evidence_and_a_score_from_0_to_5)
{
    given_deal ();
    opp_qualify (d, &deal,
                 cmd ("{\"real_project_score\":5,\"our_opportunity_score\":4,"
                      "\"our_opportunity_evidence\":\"x\",\"can_win_score\":3,"
                      "\"can_win_evidence\":\"x\",\"worth_winning_score\":4,"
                      "\"worth_winning_evidence\":\"x\",\"decision\":\"pursue\",\"reason\":\"r\"}"),
                 &facts);
    then_rejected (DBK_EINVAL, "real_project_evidence");
    dbk_decision_reset (d);
    opp_qualify (d, &deal,
                 cmd ("{\"real_project_score\":6,\"real_project_evidence\":\"x\","
                      "\"our_opportunity_score\":4,"
                      "\"our_opportunity_evidence\":\"x\",\"can_win_score\":3,"
                      "\"can_win_evidence\":\"x\",\"worth_winning_score\":4,"
                      "\"worth_winning_evidence\":\"x\",\"decision\":\"pursue\",\"reason\":\"r\"}"),
                 &facts);
    then_rejected (DBK_EINVAL, "real_project_score");
    then_message_mentions ("from 0 to 5");
}

Test (qualify, the_decision_must_be_pursue_hold_or_drop_with_a_reason)
{
    given_deal ();
    opp_qualify (d, &deal,
                 cmd ("{\"real_project_score\":1,\"real_project_evidence\":\"x\","
                      "\"our_opportunity_score\":1,\"our_opportunity_evidence\":\"x\","
                      "\"can_win_score\":1,\"can_win_evidence\":\"x\",\"worth_winning_score\":1,"
                      "\"worth_winning_evidence\":\"x\",\"decision\":\"go\",\"reason\":\"r\"}"),
                 &facts);
    then_rejected (DBK_EINVAL, "decision");
    then_message_mentions ("pursue, hold, drop");
    dbk_decision_reset (d);
    opp_qualify (d, &deal,
                 cmd ("{\"real_project_score\":1,\"real_project_evidence\":\"x\","
                      "\"our_opportunity_score\":1,\"our_opportunity_evidence\":\"x\","
                      "\"can_win_score\":1,\"can_win_evidence\":\"x\",\"worth_winning_score\":1,"
                      "\"worth_winning_evidence\":\"x\",\"decision\":\"drop\"}"),
                 &facts);
    then_rejected (DBK_EINVAL, "reason");
}

/*  ======================= checklist ======================= */

Test (checklist, ticking_an_item_records_its_step_who_and_when)
{
    given_deal ();
    opp_check_tick (d, &deal, cmd ("{\"item\":\"needs.personal\"}"), &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.check_ticked");
    cr_assert (has_str (payload (0), "item", "needs.personal"));
    cr_assert (has_int (payload (0), "step", 3));
    cr_assert (has_str (payload (0), "by", "wang"), "the actor by default");
    cr_assert (has_str (payload (0), "date", "2026-03-01"), "today by default");
    fold (&deal, NULL);
    cr_assert_eq (deal.nticks, 1);
    cr_assert_str_eq (deal.ticks[0].by, "wang");
}

Test (checklist, who_and_when_may_be_given)
{
    given_deal ();
    facts.actor = NULL;
    facts.today = NULL;
    opp_check_tick (d, &deal,
                    cmd ("{\"item\":\"plan.visit_plan\",\"by\":\"li\",\"date\":\"2026-02-01\"}"),
                    &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "by", "li"));
    cr_assert (has_str (payload (0), "date", "2026-02-01"));
    dbk_decision_reset (d);
    opp_check_tick (d, &deal, cmd ("{\"item\":\"plan.visit_plan\"}"), &facts);
    then_rejected (DBK_EINVAL, "date");
}

Test (checklist, an_item_not_in_the_checklist_is_refused_listing_the_items)
{
    given_deal ();
    opp_check_tick (d, &deal, cmd ("{\"item\":\"bribe\"}"), &facts);
    then_rejected (DBK_EINVAL, "item");
    then_message_mentions ("plan.account_researched, plan.project_info");
}

Test (checklist, an_item_is_ticked_once)
{
    given_deal ();
    GIVEN (&deal, opp_check_tick (d, &deal, cmd ("{\"item\":\"win.contract_signed\"}"), &facts));
    opp_check_tick (d, &deal, cmd ("{\"item\":\"win.contract_signed\"}"), &facts);
    then_rejected (DBK_EDUPLICATE, "item");
    then_message_mentions ("wang");
}

Test (checklist, the_checklist_is_configurable)
{
    static const opp_check_item_t mine[] = {{1, "plan.sample_sent", "send a sample"},
                                            {0, NULL, NULL}};
    opp_config_t cfg = opp_default_config;
    cfg.checklist = mine;
    facts.config = &cfg;
    given_deal ();
    opp_check_tick (d, &deal, cmd ("{\"item\":\"plan.sample_sent\"}"), &facts);
    then_accepted (1);
    dbk_decision_reset (d);
    opp_check_tick (d, &deal, cmd ("{\"item\":\"needs.personal\"}"), &facts);
    then_rejected (DBK_EINVAL, "item");
}

Test (checklist, the_default_checklist_covers_the_six_steps_with_unique_codes)
{
    bool step[7] = {false};
    for (size_t i = 0; opp_default_checklist[i].item; i++) {
        step[opp_default_checklist[i].step] = true;
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq (opp_default_checklist[i].item, opp_default_checklist[j].item);
    }
    for (int s = 1; s <= 6; s++)
        cr_assert (step[s], "step %d has no item", s);
}

Test (checklist, a_full_checklist_takes_no_more_ticks)
{
    given_deal ();
    char json[100];
    for (int i = 0; i < OPP_TICKS_MAX; i++) {
        snprintf (json, sizeof json, "{\"item\":\"old.%d\"}", i);
        given_event (&deal, "opportunity.check_ticked", json);
    }
    opp_check_tick (d, &deal, cmd ("{\"item\":\"plan.visit_plan\"}"), &facts);
    then_rejected (DBK_EREJECTED, "item");
}

/*  ======================= stakeholders ======================= */

Test (stakeholders, a_contact_goes_on_the_map_with_role_attitude_influence_and_mode)
{
    given_deal ();
    opp_stakeholder_add (d, &deal,
                         cmd ("{\"contact_id\":\"c1\",\"role\":\"decision_maker\","
                              "\"level\":\"decision\",\"function\":\"user\","
                              "\"relationship\":\"trusted\",\"attitude\":-2,\"influence\":5,"
                              "\"response_mode\":\"even_keel\",\"last_contact\":\"2026-02-20\","
                              "\"notes\":\"loves theatre\"}"),
                         &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.stakeholder_added");
    cr_assert (has_int (payload (0), "attitude", -2));
    fold (&deal, NULL);
    const opp_stakeholder_t *p = opp_stakeholder_find (&deal, "c1");
    cr_assert_not_null (p);
    cr_assert_str_eq (p->role, "decision_maker");
    cr_assert_str_eq (p->level, "decision");
    cr_assert_str_eq (p->function, "user");
    cr_assert_str_eq (p->relationship, "trusted");
    cr_assert_str_eq (p->response_mode, "even_keel");
    cr_assert_str_eq (p->last_contact, "2026-02-20");
    cr_assert (p->attitude_known);
    cr_assert_eq (p->attitude, -2);
    cr_assert_eq (p->influence, 5);
    cr_assert_null (opp_stakeholder_find (&deal, "c2"));
}

Test (stakeholders, a_neutral_attitude_is_known_and_an_absent_one_is_not)
{
    given_deal ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"attitude\":0}");
    given_stakeholder ("{\"contact_id\":\"c2\"}");
    cr_assert (opp_stakeholder_find (&deal, "c1")->attitude_known);
    cr_assert_not (opp_stakeholder_find (&deal, "c2")->attitude_known);
}

Test (stakeholders, values_out_of_range_are_refused)
{
    given_deal ();
    const char *bad[][2] = {
        {"{\"contact_id\":\"c1\",\"attitude\":3}", "attitude"},
        {"{\"contact_id\":\"c1\",\"influence\":0}", "influence"},
        {"{\"contact_id\":\"c1\",\"role\":\"boss\"}", "role"},
        {"{\"contact_id\":\"c1\",\"response_mode\":\"happy\"}", "response_mode"},
        {"{\"contact_id\":\"c1\",\"level\":\"ceo\"}", "level"},
        {"{\"contact_id\":\"c1\",\"last_contact\":\"yesterday\"}", "last_contact"},
        {"{\"role\":\"coach\"}", "contact_id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dbk_decision_reset (d);
        opp_stakeholder_add (d, &deal, cmd (bad[i][0]), &facts);
        then_rejected (DBK_EINVAL, bad[i][1]);
    }
    then_message_mentions ("required");
}

Test (stakeholders, the_roles_listed_are_the_four_buying_roles)
{
    given_deal ();
    opp_stakeholder_add (d, &deal, cmd ("{\"contact_id\":\"c1\",\"role\":\"boss\"}"), &facts);
    then_message_mentions ("decision_maker, technical_evaluator, user, coach");
}

Test (stakeholders, an_unknown_contact_or_one_already_on_the_map_is_refused)
{
    given_deal ();
    opp_stakeholder_add (d, &deal, cmd ("{\"contact_id\":\"x1\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "contact_id");
    dbk_decision_reset (d);
    given_stakeholder ("{\"contact_id\":\"c1\"}");
    opp_stakeholder_add (d, &deal, cmd ("{\"contact_id\":\"c1\"}"), &facts);
    then_rejected (DBK_EDUPLICATE, "contact_id");
}

Test (stakeholders, the_map_holds_at_most_its_limit)
{
    given_deal ();
    char json[100];
    for (int i = 0; i < OPP_STAKEHOLDERS_MAX; i++) {
        snprintf (json, sizeof json, "{\"contact_id\":\"p%d\"}", i);
        given_event (&deal, "opportunity.stakeholder_added", json);
    }
    opp_stakeholder_add (d, &deal, cmd ("{\"contact_id\":\"c1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "contact_id");
}

/*  The map grows as people are added (its array is reallocated at 4, 8,
    16 and 32) and keeps everyone through removals and additions across
    those sizes; an event past the limit cannot be folded. */
Test (stakeholders, the_map_keeps_everyone_as_it_grows_and_shrinks)
{
    given_deal ();
    char json[100];
    for (int i = 0; i < 40; i++) {
        snprintf (json, sizeof json, "{\"contact_id\":\"p%d\",\"influence\":%d}", i, i % 5 + 1);
        given_event (&deal, "opportunity.stakeholder_added", json);
    }
    for (int i = 0; i < 40; i += 3) { /* 14 off: 26 stay */
        snprintf (json, sizeof json, "{\"contact_id\":\"p%d\"}", i);
        given_event (&deal, "opportunity.stakeholder_removed", json);
    }
    for (int i = 40; i < 40 + 24; i++) { /* back up to the limit */
        snprintf (json, sizeof json, "{\"contact_id\":\"p%d\",\"influence\":%d}", i, i % 5 + 1);
        given_event (&deal, "opportunity.stakeholder_added", json);
    }
    cr_assert_eq (deal.nstakeholders, OPP_STAKEHOLDERS_MAX);
    for (int i = 0; i < 64; i++) {
        char id[16];
        snprintf (id, sizeof id, "p%d", i);
        const opp_stakeholder_t *p = opp_stakeholder_find (&deal, id);
        if (i < 40 && i % 3 == 0)
            cr_assert_null (p, "%s was removed", id);
        else {
            cr_assert_not_null (p, "%s is on the map", id);
            cr_assert_eq (p->influence, i % 5 + 1, "%s", id);
        }
    }
    cr_assert_eq (opp_evolve (&deal, "opportunity.stakeholder_added",
                              cmd ("{\"contact_id\":\"x\"}"), OPP_UNRECORDED),
                  DBK_EMALFORMED);
    cr_assert_eq (deal.nstakeholders, OPP_STAKEHOLDERS_MAX);
}

Test (stakeholders, an_update_records_only_what_changes_and_may_clear)
{
    given_deal ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"role\":\"user\",\"attitude\":1,\"influence\":3}");
    opp_stakeholder_update (d, &deal,
                            cmd ("{\"contact_id\":\"c1\",\"role\":\"user\",\"attitude\":null,"
                                 "\"influence\":4,\"last_contact\":\"2026-02-27\"}"),
                            &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.stakeholder_updated");
    cr_assert (has_str (payload (0), "contact_id", "c1"));
    cr_assert_eq (dbk_obj_len (dbk_obj_get (payload (0), "changed")), 3);
    cr_assert_null (dbk_obj_get (payload (0), "role"));
    fold (&deal, NULL);
    const opp_stakeholder_t *p = opp_stakeholder_find (&deal, "c1");
    cr_assert_not (p->attitude_known);
    cr_assert_eq (p->influence, 4);
    cr_assert_str_eq (p->last_contact, "2026-02-27");
    dbk_decision_reset (d);
    opp_stakeholder_update (d, &deal, cmd ("{\"contact_id\":\"c1\",\"influence\":4}"), &facts);
    then_accepted (0);
}

Test (stakeholders, updating_someone_not_on_the_map_is_refused)
{
    given_deal ();
    opp_stakeholder_update (d, &deal, cmd ("{\"contact_id\":\"c1\",\"influence\":4}"), &facts);
    then_rejected (DBK_ENOTFOUND, "contact_id");
    dbk_decision_reset (d);
    opp_stakeholder_update (d, &deal, cmd ("{\"influence\":4}"), &facts);
    then_rejected (DBK_EINVAL, "contact_id");
}

Test (stakeholders, a_contact_comes_off_the_map)
{
    given_deal ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"notes\":\"x\"}");
    given_stakeholder ("{\"contact_id\":\"c2\"}");
    opp_stakeholder_remove (d, &deal, cmd ("{\"contact_id\":\"c1\",\"reason\":\"retired\"}"),
                            &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.stakeholder_removed");
    cr_assert (has_str (payload (0), "reason", "retired"));
    fold (&deal, NULL);
    cr_assert_eq (deal.nstakeholders, 1);
    cr_assert_null (opp_stakeholder_find (&deal, "c1"));
    cr_assert_not_null (opp_stakeholder_find (&deal, "c2"));
    dbk_decision_reset (d);
    opp_stakeholder_remove (d, &deal, cmd ("{\"contact_id\":\"c1\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "contact_id");
}

/*  ======================= needs ======================= */

Test (needs, needs_are_numbered_within_the_opportunity)
{
    given_deal ();
    given_need ();
    opp_need_add (d, &deal,
                  cmd ("{\"kind\":\"personal\",\"contact_id\":\"c1\",\"text\":\"promotion\"}"),
                  &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.need_added");
    cr_assert (has_int (payload (0), "need", 2));
    cr_assert (has_str (payload (0), "kind", "personal"));
    cr_assert (has_str (payload (0), "contact_id", "c1"));
    fold (&deal, NULL);
    cr_assert_eq (deal.nneeds, 2);
    cr_assert_str_eq (deal.needs[1].text, "promotion");
    cr_assert_eq (deal.needs[1].no, 2);
}

Test (needs, a_personal_need_is_someones_and_an_organisational_one_nobodys)
{
    given_deal ();
    opp_need_add (d, &deal, cmd ("{\"kind\":\"personal\",\"text\":\"x\"}"), &facts);
    then_rejected (DBK_EINVAL, "contact_id");
    dbk_decision_reset (d);
    opp_need_add (d, &deal,
                  cmd ("{\"kind\":\"organisational\",\"contact_id\":\"c1\",\"text\":\"x\"}"),
                  &facts);
    then_rejected (DBK_EINVAL, "contact_id");
    dbk_decision_reset (d);
    opp_need_add (d, &deal, cmd ("{\"kind\":\"relationship\",\"text\":\"golf with li\"}"), &facts);
    then_accepted (1);
}

Test (needs, an_unknown_kind_contact_or_missing_text_is_refused)
{
    given_deal ();
    opp_need_add (d, &deal, cmd ("{\"kind\":\"wish\",\"text\":\"x\"}"), &facts);
    then_rejected (DBK_EINVAL, "kind");
    dbk_decision_reset (d);
    opp_need_add (d, &deal, cmd ("{\"kind\":\"organisational\"}"), &facts);
    then_rejected (DBK_EINVAL, "text");
    dbk_decision_reset (d);
    opp_need_add (d, &deal, cmd ("{\"kind\":\"personal\",\"contact_id\":\"zz\",\"text\":\"x\"}"),
                  &facts);
    then_rejected (DBK_ENOTFOUND, "contact_id");
}

Test (needs, an_opportunity_holds_at_most_its_limit_of_needs)
{
    given_deal ();
    for (int i = 0; i < OPP_NEEDS_MAX; i++)
        given_event (&deal, "opportunity.need_added",
                     "{\"id\":\"o1\",\"kind\":\"organisational\",\"text\":\"x\"}");
    opp_need_add (d, &deal, cmd ("{\"kind\":\"organisational\",\"text\":\"y\"}"), &facts);
    then_rejected (DBK_EREJECTED, "text");
}

/*  ======================= competitors ======================= */

Test (competitors, a_competitor_is_put_on_the_deal_with_its_position)
{
    given_deal ();
    opp_competitor_add (d, &deal,
                        cmd ("{\"competitor_id\":\"k1\",\"position\":\"ahead\","
                             "\"notes\":\"specified in the design\"}"),
                        &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.competitor_added");
    cr_assert (has_str (payload (0), "position", "ahead"));
    fold (&deal, NULL);
    cr_assert_eq (deal.nrivals, 1);
    cr_assert_str_eq (deal.rivals[0].notes, "specified in the design");
}

Test (competitors, an_unknown_or_repeated_competitor_or_position_is_refused)
{
    given_deal ();
    opp_competitor_add (d, &deal, cmd ("{\"competitor_id\":\"k9\",\"position\":\"even\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "competitor_id");
    dbk_decision_reset (d);
    opp_competitor_add (d, &deal, cmd ("{\"competitor_id\":\"k1\"}"), &facts);
    then_rejected (DBK_EINVAL, "position");
    dbk_decision_reset (d);
    opp_competitor_add (d, &deal, cmd ("{\"competitor_id\":\"k1\",\"position\":\"first\"}"),
                        &facts);
    then_rejected (DBK_EINVAL, "position");
    then_message_mentions ("ahead, even, behind, unknown");
    dbk_decision_reset (d);
    GIVEN (&deal, opp_competitor_add (
                      d, &deal, cmd ("{\"competitor_id\":\"k1\",\"position\":\"even\"}"), &facts));
    opp_competitor_add (d, &deal, cmd ("{\"competitor_id\":\"k1\",\"position\":\"even\"}"), &facts);
    then_rejected (DBK_EDUPLICATE, "competitor_id");
}

Test (competitors, a_competitors_position_changes)
{
    given_deal ();
    GIVEN (&deal, opp_competitor_add (
                      d, &deal, cmd ("{\"competitor_id\":\"k1\",\"position\":\"even\"}"), &facts));
    opp_competitor_update (d, &deal, cmd ("{\"competitor_id\":\"k1\",\"position\":\"behind\"}"),
                           &facts);
    then_accepted (1);
    then_event (0, "opportunity-o1", "opportunity.competitor_updated");
    fold (&deal, NULL);
    cr_assert_str_eq (deal.rivals[0].position, "behind");
    dbk_decision_reset (d);
    opp_competitor_update (d, &deal, cmd ("{\"competitor_id\":\"k1\",\"position\":\"behind\"}"),
                           &facts);
    then_accepted (0);
    opp_competitor_update (d, &deal, cmd ("{\"competitor_id\":\"k2\",\"position\":\"ahead\"}"),
                           &facts);
    then_rejected (DBK_ENOTFOUND, "competitor_id");
    dbk_decision_reset (d);
    opp_competitor_update (d, &deal, cmd ("{\"position\":\"ahead\"}"), &facts);
    then_rejected (DBK_EINVAL, "competitor_id");
}

Test (competitors, a_deal_holds_at_most_its_limit_of_competitors)
{
    given_deal ();
    char json[100];
    for (int i = 0; i < OPP_COMPETITORS_MAX; i++) {
        snprintf (json, sizeof json, "{\"competitor_id\":\"r%d\",\"position\":\"even\"}", i);
        given_event (&deal, "opportunity.competitor_added", json);
    }
    opp_competitor_add (d, &deal, cmd ("{\"competitor_id\":\"k1\",\"position\":\"even\"}"), &facts);
    then_rejected (DBK_EREJECTED, "competitor_id");
}

/*  ======================= red flags ======================= */

static bool has_flag (const opp_flag_t *f, size_t n, const char *code, const char *who)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp (f[i].code, code) &&
            (!who || (f[i].contact_id && !strcmp (f[i].contact_id, who)) ||
             (f[i].role && !strcmp (f[i].role, who))))
            return true;
    return false;
}

Test (red_flags, a_closed_deal_has_none)
{
    given_deal ();
    opp_flag_t f[16];
    cr_assert_eq (opp_red_flags (&deal, "2026-03-01", NULL, f, 16), 6, "open: the empty map's");
    const opp_status_t closed[] = {OPP_WON, OPP_LOST, OPP_ABANDONED, OPP_DUPLICATE};
    for (size_t i = 0; i < sizeof closed / sizeof closed[0]; i++) {
        deal.status = closed[i];
        cr_assert_eq (opp_red_flags (&deal, "2026-03-01", NULL, f, 16), 0, "status %d",
                      (int) closed[i]);
    }
}

Test (red_flags, an_empty_map_raises_every_structural_flag)
{
    given_deal ();
    opp_flag_t f[16];
    size_t n = opp_red_flags (&deal, "2026-03-01", NULL, f, 16);
    cr_assert_eq (n, 6);
    cr_assert (has_flag (f, n, "no_decision_maker", NULL));
    cr_assert (has_flag (f, n, "role_uncovered", "technical_evaluator"));
    cr_assert (has_flag (f, n, "role_uncovered", "user"));
    cr_assert (has_flag (f, n, "no_coach", NULL));
    cr_assert (has_flag (f, n, "no_decision_level", NULL));
    cr_assert (has_flag (f, n, "single_threaded", NULL));
}

Test (red_flags, a_well_covered_map_raises_none)
{
    given_deal ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"role\":\"decision_maker\",\"attitude\":1,"
                       "\"influence\":5,\"level\":\"decision\",\"last_contact\":\"2026-02-20\"}");
    given_stakeholder ("{\"contact_id\":\"c2\",\"role\":\"coach\",\"attitude\":2,"
                       "\"last_contact\":\"2026-02-25\"}");
    given_stakeholder ("{\"contact_id\":\"c3\",\"role\":\"technical_evaluator\",\"attitude\":0,"
                       "\"last_contact\":\"2026-02-25\"}");
    given_stakeholder ("{\"contact_id\":\"c4\",\"role\":\"user\",\"attitude\":-2,\"influence\":3,"
                       "\"last_contact\":\"2026-02-25\"}");
    opp_flag_t f[16];
    size_t n = opp_red_flags (&deal, "2026-03-01", NULL, f, 16);
    cr_assert_eq (n, 0, "first: %s", n ? f[0].code : "");
}

Test (red_flags, people_of_unknown_role_or_attitude_strong_opponents_and_a_hostile_dm)
{
    given_deal ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"role\":\"decision_maker\",\"attitude\":-1}");
    given_stakeholder ("{\"contact_id\":\"c2\",\"attitude\":-2,\"influence\":4}");
    given_stakeholder ("{\"contact_id\":\"c3\",\"role\":\"user\"}");
    opp_flag_t f[16];
    size_t n = opp_red_flags (&deal, NULL, NULL, f, 16);
    cr_assert (has_flag (f, n, "hostile_decision_maker", "c1"));
    cr_assert (has_flag (f, n, "unknown_role", "c2"));
    cr_assert (has_flag (f, n, "strong_opponent", "c2"));
    cr_assert (has_flag (f, n, "unknown_attitude", "c3"));
    cr_assert_not (has_flag (f, n, "unknown_attitude", "c1"));
    cr_assert_not (has_flag (f, n, "no_decision_maker", NULL));
    cr_assert_not (has_flag (f, n, "single_threaded", NULL));
    cr_assert_not (has_flag (f, n, "stale_contact", NULL), "no date, no staleness");
}

Test (red_flags, a_stakeholder_not_contacted_for_too_long_is_stale)
{
    given_deal ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"last_contact\":\"2026-01-30\"}");
    given_stakeholder ("{\"contact_id\":\"c2\",\"last_contact\":\"2026-01-29\"}");
    given_stakeholder ("{\"contact_id\":\"c3\"}");
    opp_flag_t f[32];
    size_t n = opp_red_flags (&deal, "2026-03-01", NULL, f, 32);
    cr_assert_not (has_flag (f, n, "stale_contact", "c1"), "30 days is the limit");
    cr_assert (has_flag (f, n, "stale_contact", "c2"));
    cr_assert (has_flag (f, n, "stale_contact", "c3"), "never contacted");
    opp_config_t cfg = opp_default_config;
    cfg.stale_contact_days = 60;
    n = opp_red_flags (&deal, "2026-03-01", &cfg, f, 32);
    cr_assert_not (has_flag (f, n, "stale_contact", "c2"));
}

/*  Given: the deal at L3 on a pursue decision, then qualified again with
    `decision` (a qualification may be recorded at any level). */
static void given_l3_then_qualified (const char *decision)
{
    given_deal ();
    given_need ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"role\":\"decision_maker\",\"attitude\":1,"
                       "\"influence\":5,\"level\":\"decision\"}");
    given_qualified ();
    given_level ("L3");
    char json[1024];
    snprintf (json, sizeof json,
              "{\"real_project_score\":5,\"real_project_evidence\":\"x\","
              "\"our_opportunity_score\":1,\"our_opportunity_evidence\":\"x\","
              "\"can_win_score\":1,\"can_win_evidence\":\"x\",\"worth_winning_score\":1,"
              "\"worth_winning_evidence\":\"x\",\"decision\":\"%s\",\"reason\":\"r\"}",
              decision);
    GIVEN (&deal, opp_qualify (d, &deal, cmd (json), &facts));
}

Test (red_flags, a_deal_held_at_its_level_is_flagged_and_keeps_its_probability)
{
    given_l3_then_qualified ("hold");
    opp_flag_t f[16];
    size_t n = opp_red_flags (&deal, "2026-03-01", NULL, f, 16);
    cr_assert (n >= 1);
    cr_assert_str_eq (f[0].code, "qualification_hold", "the deal's own standing comes first");
    cr_assert_null (f[0].contact_id);
    cr_assert_null (f[0].role);
    cr_assert_not (has_flag (f, n, "qualification_drop", NULL));
    cr_assert_eq (deal.level, 3);
    cr_assert_eq (opp_probability (&deal, NULL), 50, "the level's, until moved down");
}

Test (red_flags, a_deal_dropped_at_its_level_is_flagged)
{
    given_l3_then_qualified ("drop");
    opp_flag_t f[16];
    size_t n = opp_red_flags (&deal, "2026-03-01", NULL, f, 16);
    cr_assert (has_flag (f, n, "qualification_drop", NULL));
    cr_assert_not (has_flag (f, n, "qualification_hold", NULL));
    cr_assert_eq (opp_probability (&deal, NULL), 50);
}

Test (red_flags, a_deal_moved_down_after_a_drop_is_still_flagged)
{
    given_l3_then_qualified ("drop");
    GIVEN (&deal,
           opp_level_set (d, &deal, cmd ("{\"level\":\"L1\",\"reason\":\"dropped\"}"), &facts));
    opp_flag_t f[16];
    size_t n = opp_red_flags (&deal, "2026-03-01", NULL, f, 16);
    cr_assert (has_flag (f, n, "qualification_drop", NULL), "the decision stands at L1 too");
    cr_assert_eq (opp_probability (&deal, NULL), 10);
}

Test (red_flags, a_new_pursue_decision_lifts_the_flag)
{
    given_l3_then_qualified ("hold");
    given_qualified (); /* pursue */
    opp_flag_t f[16];
    size_t n = opp_red_flags (&deal, "2026-03-01", NULL, f, 16);
    cr_assert_not (has_flag (f, n, "qualification_hold", NULL));
    cr_assert_not (has_flag (f, n, "qualification_drop", NULL));
}

Test (red_flags, a_closed_deal_held_or_dropped_has_none)
{
    given_l3_then_qualified ("drop");
    GIVEN (&deal, opp_abandon (d, &deal, cmd ("{\"reason\":\"dropped\"}"), &facts));
    opp_flag_t f[16];
    cr_assert_eq (opp_red_flags (&deal, "2026-03-01", NULL, f, 16), 0);
}

Test (red_flags, the_count_is_total_even_when_the_buffer_is_short)
{
    given_deal ();
    opp_flag_t f[2];
    cr_assert_eq (opp_red_flags (&deal, NULL, NULL, f, 2), 6);
    cr_assert_eq (opp_red_flags (&deal, NULL, NULL, NULL, 0), 6);
    cr_assert_str_eq (f[0].code, "no_decision_maker");
}

Test (red_flags, every_flag_code_has_a_sentence)
{
    size_t n = 0;
    for (; opp_red_flag_kinds[n].code; n++)
        cr_assert_gt (strlen (opp_red_flag_kinds[n].sentence), 10);
    cr_assert_eq (n, 12);
}

/*  ======================= evolve and dates ======================= */

Test (evolve, unknown_event_types_are_ignored)
{
    given_deal ();
    given_event (&deal, "opportunity.renamed_in_2030", "{\"id\":\"o1\",\"on\":\"2030-01-01\"}");
    given_event (&deal, "account.registered", "{\"id\":\"a1\"}");
    cr_assert_str_eq (deal.touched, "2026-01-10", "an ignored event touches nothing");
}

Test (evolve, a_known_event_without_its_fields_is_malformed)
{
    given_deal ();
    cr_assert_eq (
        opp_evolve (&other, "opportunity.registered", cmd ("{\"id\":\"o1\"}"), OPP_UNRECORDED),
        DBK_EMALFORMED);
    cr_assert_eq (
        opp_evolve (&deal, "opportunity.level_changed", cmd ("{\"to\":9}"), OPP_UNRECORDED),
        DBK_EMALFORMED);
    cr_assert_eq (
        opp_evolve (&deal, "opportunity.stage_changed", cmd ("{\"stage\":\"x\"}"), OPP_UNRECORDED),
        DBK_EMALFORMED);
    cr_assert_eq (opp_evolve (&deal, "opportunity.stakeholder_updated",
                              cmd ("{\"contact_id\":\"c1\"}"), OPP_UNRECORDED),
                  DBK_EMALFORMED, "not on the map");
    cr_assert_eq (
        opp_evolve (&deal, "opportunity.won", cmd ("{\"date\":\"2026-01-01\"}"), OPP_UNRECORDED),
        DBK_EMALFORMED);
    cr_assert_eq (opp_evolve (&deal, "opportunity.category_set", cmd ("[]"), OPP_UNRECORDED),
                  DBK_EMALFORMED);
    cr_assert_eq (opp_evolve (&deal, "opportunity.conflict_resolved",
                              cmd ("{\"with\":\"o0\",\"owner\":\"li\",\"outcome\":\"maybe\"}"),
                              OPP_UNRECORDED),
                  DBK_EMALFORMED);
}

Test (evolve, reset_frees_everything_and_is_safe_twice)
{
    given_deal ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"role\":\"coach\",\"notes\":\"n\"}");
    opp_reset (&deal);
    opp_reset (&deal);
    cr_assert_eq (deal.status, OPP_NONE);
    cr_assert_null (deal.id);
}

Test (dates, days_between_counts_calendar_days)
{
    cr_assert_eq (opp_days_between ("2026-01-01", "2026-03-01"), 59);
    cr_assert_eq (opp_days_between ("2024-02-28", "2024-03-01"), 2, "leap year");
    cr_assert_eq (opp_days_between ("2026-03-01", "2026-01-01"), -59);
    cr_assert_eq (opp_days_between ("2026-02-30", "2026-03-01"), INT32_MIN);
    cr_assert_eq (opp_days_between (NULL, "2026-03-01"), INT32_MIN);
}

Test (dates, a_deal_untouched_beyond_its_levels_limit_is_overdue)
{
    opp_state_t s;
    opp_init (&s);
    s.status = OPP_OPEN;
    s.level = 4; /* 14 days */
    s.touched = "2026-03-01";
    cr_assert_not (opp_touch_overdue (&s, "2026-03-15", NULL));
    cr_assert (opp_touch_overdue (&s, "2026-03-16", NULL));
    s.level = 1; /* 30 days */
    cr_assert_not (opp_touch_overdue (&s, "2026-03-16", NULL));
    s.status = OPP_WON;
    cr_assert_not (opp_touch_overdue (&s, "2027-01-01", NULL), "closed deals are not stuck");
    s.status = OPP_OPEN;
    cr_assert_not (opp_touch_overdue (&s, "someday", NULL));
}

Test (outcome, only_the_owner_or_a_manager_closes_or_reopens_a_deal)
{
    /*  Given o1, wang's deal
        When li, who is neither its owner nor a manager, wins, loses or
        abandons it
        Then each is refused on actor, naming the owner; wang and a
        manager close it (a service's reaction runs as a manager), and
        only wang or a manager reopens it */
    given_deal ();
    opp_facts_t li = facts;
    li.actor = "li";
    opp_win (d, &deal, cmd ("{\"amount\":100,\"date\":\"2026-02-01\"}"), &li);
    then_rejected (DBK_EREJECTED, "actor");
    then_message_mentions ("only the owner (wang) or a manager closes opportunity o1");
    dbk_decision_reset (d);
    opp_lose (d, &deal, cmd ("{\"reason\":\"price\",\"date\":\"2026-02-01\"}"), &li);
    then_rejected (DBK_EREJECTED, "actor");
    dbk_decision_reset (d);
    opp_abandon (d, &deal, cmd ("{\"reason\":\"gone\"}"), &li);
    then_rejected (DBK_EREJECTED, "actor");
    dbk_decision_reset (d);
    opp_facts_t boss = li;
    boss.manager = true;
    opp_lose (d, &deal, cmd ("{\"reason\":\"price\",\"date\":\"2026-02-01\"}"), &boss);
    then_accepted (1);
    dbk_decision_reset (d);
    /*  a command's actor named like a service is no authority */
    opp_facts_t svc = li;
    svc.actor = "svc:opportunities";
    opp_lose (d, &deal, cmd ("{\"reason\":\"price\",\"date\":\"2026-02-01\"}"), &svc);
    then_rejected (DBK_EREJECTED, "actor");
    dbk_decision_reset (d);
    opp_lose (d, &deal, cmd ("{\"reason\":\"price\",\"date\":\"2026-02-01\"}"), &facts);
    then_accepted (1);
    fold (&deal, NULL);
    dbk_decision_reset (d);
    opp_reopen (d, &deal, cmd ("{\"reason\":\"again\"}"), &li);
    then_rejected (DBK_EREJECTED, "actor");
    then_message_mentions ("only the owner (wang) or a manager reopens opportunity o1");
    dbk_decision_reset (d);
    opp_reopen (d, &deal, cmd ("{\"reason\":\"again\"}"), &facts);
    then_accepted (1);
}
