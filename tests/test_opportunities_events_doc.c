/*  test_opportunities_events_doc.c - docs/events.md checked against the
    events the opportunities deciders (services/opportunities/
    opportunities_decider.h) produce: every event type is decided by the
    real deciders, with every optional field given (fixture in
    support/opp_given.h), and must have a `#### \`type\`` section that
    describes each key of its payload as `key`; and every
    `#### \`opportunity.…\`` section must be a type decided here, so the
    document can drift from the deciders in neither direction.
*/
#include "support/opp_given.h"
#define EVENTS_DOC_FLUSH 1
#include "support/events_doc.h"

TestSuite (events_doc, .init = s_setup, .fini = s_teardown);

/*  Fold the decided events of st's own stream into st. */
static void s_fold_own (opp_state_t *st)
{
    char stream[100];
    snprintf (stream, sizeof stream, "opportunity-%s", st->id);
    fold (st, stream);
}

/*  The decider call must decide; its events of st's stream are folded
    into st, then checked against the document. */
#define DOC(st, call) DOC_THEN (call, #call, s_fold_own (st))

#define S_ALL_FIELDS                                                                               \
    "\"account_id\":\"a1\",\"currency\":\"CNY\",\"close_date\":\"2026-09-30\","                    \
    "\"amount\":320000000,\"site_city\":\"上海\",\"site_address\":\"浦东新区 1 号\","       \
    "\"project_type\":\"hospital\",\"team\":\"east\",\"region\":\"华东\","                       \
    "\"stage\":\"evaluation\""

/*  Registration (with an overlap), conflicts, an update, a resolution
    that moves a conflict. */
static void s_registration (const char *doc)
{
    /* wang registers the project again (force), so it overlaps o0 */
    opp_facts_t f = facts;
    opp_match_t mine = {"o0", "wang", "2026-01-01", 0};
    f.match = &mine;
    cr_assert_eq (opp_register (d, &deal, "o1",
                                cmd ("{\"name\":\"浦东医院照明\",\"owner\":\"wang\"," S_ALL_FIELDS
                                     ",\"force\":true}"),
                                &f),
                  0, "%s", dbk_decision_message (d));
    fold (&deal, NULL);
    cr_assert (dbk_obj_get (payload (0), "overlaps"), "the registration overlaps o0");
    s_documented (doc);

    /* li registers the same project while wang's registration is
       protected: a conflict on both streams */
    opp_match_t wangs = {"o1", "wang", "2026-03-01", 0};
    f.match = &wangs;
    f.actor = "li";
    cr_assert_eq (opp_register (d, &other, "o2",
                                cmd ("{\"name\":\"浦东医院\",\"owner\":\"li\"," S_ALL_FIELDS "}"),
                                &f),
                  0, "%s", dbk_decision_message (d));
    cr_assert_eq (dbk_decision_count (d), 3);
    cr_assert_str_eq (dbk_decision_type (d, 2), "opportunity.conflict_flagged");
    cr_assert (dbk_obj_get (payload (1), "protected_until"));
    fold (&other, "opportunity-o2");
    fold (&deal, "opportunity-o1");
    s_documented (doc);

    DOC (&deal, opp_update (d, &deal,
                            cmd ("{\"name\":\"Pudong\",\"currency\":\"EUR\",\"close_date\":"
                                 "\"2026-10-31\",\"site_city\":\"Shanghai\",\"site_address\":"
                                 "\"No 2\",\"project_type\":\"metro\",\"amount\":5,\"team\":"
                                 "\"west\",\"region\":\"east\"}"),
                            &facts));
    cr_assert (!strcmp (deal.name, "Pudong"));

    /* zhou registers it too, finding li's: li's o2 is in two conflicts */
    opp_state_t third;
    opp_init (&third);
    opp_match_t lis = {"o2", "li", "2026-03-01", other.nconflicts};
    f.match = &lis;
    f.actor = "zhou";
    cr_assert_eq (opp_register (d, &third, "o3",
                                cmd ("{\"name\":\"浦东医院\",\"owner\":\"zhou\"," S_ALL_FIELDS "}"),
                                &f),
                  0, "%s", dbk_decision_message (d));
    fold (&other, "opportunity-o2");
    dbk_decision_reset (d);
    opp_reset (&third);

    /* wang's o1 is kept: li's o2 closes, its conflict with o3 moves to o1 */
    f = facts;
    f.manager = true;
    f.actor = "boss";
    DOC (&deal, opp_resolve_conflict (
                    d, &deal, &other,
                    cmd ("{\"with\":\"o2\",\"owner\":\"wang\",\"reason\":\"first\"}"), &f));
    cr_assert_eq (deal.status, OPP_OPEN);
    cr_assert_not_null (opp_conflict_find (&deal, "o3"), "o2's conflict with o3 moved to o1");
}

/*  Stage, key people, needs, the map, qualification, commitment, the
    level, the checklist, competitors, the category, the next step. */
static void s_funnel (const char *doc)
{
    given_deal ();
    DOC (&deal, opp_stage_set (d, &deal, cmd ("{\"stage\":\"evaluation\",\"key_person\":\"c1\"}"),
                               &facts));
    DOC (&deal, opp_key_person_set (
                    d, &deal, cmd ("{\"stage\":\"commitment\",\"contact_id\":\"c2\"}"), &facts));
    given_need ();
    DOC (&deal, opp_need_add (d, &deal,
                              cmd ("{\"kind\":\"personal\",\"text\":\"a promotion\","
                                   "\"contact_id\":\"c3\"}"),
                              &facts));
    DOC (&deal, opp_stakeholder_add (
                    d, &deal,
                    cmd ("{\"contact_id\":\"c1\",\"role\":\"decision_maker\",\"level\":"
                         "\"decision\",\"function\":\"user\",\"relationship\":\"trusted\","
                         "\"response_mode\":\"growth\",\"last_contact\":\"2026-02-01\","
                         "\"notes\":\"n\",\"influence\":5,\"attitude\":1}"),
                    &facts));
    given_stakeholder ("{\"contact_id\":\"c2\"}");
    DOC (&deal, opp_stakeholder_update (
                    d, &deal,
                    cmd ("{\"contact_id\":\"c2\",\"role\":\"coach\",\"level\":\"management\","
                         "\"function\":\"technical\",\"relationship\":\"allied\","
                         "\"response_mode\":\"trouble\",\"last_contact\":\"2026-02-02\","
                         "\"notes\":\"m\",\"influence\":3,\"attitude\":2}"),
                    &facts));
    given_stakeholder ("{\"contact_id\":\"c4\"}");
    DOC (&deal, opp_stakeholder_remove (
                    d, &deal, cmd ("{\"contact_id\":\"c4\",\"reason\":\"left\"}"), &facts));
    DOC (&deal, opp_qualify (d, &deal, cmd (S_QUALIFY ("pursue")), &facts));
    DOC (&deal, opp_commitment_record (d, &deal,
                                       cmd ("{\"kind\":\"award_notice\",\"date\":\"2026-02-20\","
                                            "\"contact_id\":\"c1\",\"note\":\"n\"}"),
                                       &facts));
    DOC (&deal,
         opp_level_set (d, &deal, cmd ("{\"level\":\"L5\",\"reason\":\"all evidence\"}"), &facts));
    cr_assert_eq (deal.level, 5);
    DOC (&deal,
         opp_level_set (d, &deal, cmd ("{\"level\":\"L3\",\"reason\":\"re-tendered\"}"), &facts));
    DOC (&deal, opp_check_tick (d, &deal,
                                cmd ("{\"item\":\"plan.visit_plan\",\"by\":\"li\","
                                     "\"date\":\"2026-02-01\"}"),
                                &facts));
    DOC (&deal,
         opp_competitor_add (
             d, &deal, cmd ("{\"competitor_id\":\"k1\",\"position\":\"ahead\",\"notes\":\"n\"}"),
             &facts));
    DOC (&deal,
         opp_competitor_update (
             d, &deal, cmd ("{\"competitor_id\":\"k1\",\"position\":\"behind\",\"notes\":\"m\"}"),
             &facts));
    GIVEN (&deal, opp_category_set (d, &deal, cmd ("{\"category\":\"pipeline\"}"), &facts));
    DOC (&deal, opp_category_set (d, &deal, cmd ("{\"category\":\"commit\"}"), &facts));
    DOC (&deal, opp_next_step_set (
                    d, &deal, cmd ("{\"next_step\":\"call\",\"due\":\"2026-03-10\"}"), &facts));
}

/*  Lost, reopened, abandoned, the award reaction (lost and won), won by
    hand. */
static void s_outcome (const char *doc)
{
    given_deal ();
    DOC (&deal, opp_lose (d, &deal,
                          cmd ("{\"reason\":\"price\",\"date\":\"2026-02-28\",\"winner\":\"k1\","
                               "\"price_gap\":-100}"),
                          &facts));
    DOC (&deal, opp_reopen (d, &deal, cmd ("{\"reason\":\"re-tendered\"}"), &facts));
    DOC (&deal,
         opp_abandon (d, &deal, cmd ("{\"reason\":\"frozen\",\"date\":\"2026-03-01\"}"), &facts));
    GIVEN (&deal, opp_reopen (d, &deal, cmd ("{\"reason\":\"thawed\"}"), &facts));
    DOC (&deal, opp_react_award (d, &deal,
                                 cmd ("{\"opportunity_id\":\"o1\",\"tender_id\":\"t1\","
                                      "\"result\":\"lost\",\"date\":\"2026-03-01\","
                                      "\"winner\":\"k2\",\"reason\":\"price\","
                                      "\"price_gap\":100}"),
                                 &facts));
    cr_assert_eq (deal.status, OPP_LOST);
    GIVEN (&deal, opp_reopen (d, &deal, cmd ("{\"reason\":\"new tender\"}"), &facts));
    DOC (&deal, opp_react_award (d, &deal,
                                 cmd ("{\"opportunity_id\":\"o1\",\"tender_id\":\"t2\","
                                      "\"result\":\"won\",\"date\":\"2026-03-01\","
                                      "\"amount\":10,\"currency\":\"EUR\",\"reason\":\"spec\"}"),
                                 &facts));
    cr_assert_eq (deal.status, OPP_WON);
    GIVEN (&other, opp_register (d, &other, "o3", cmd (S_DEAL_JSON), &facts));
    DOC (&other, opp_win (d, &other,
                          cmd ("{\"amount\":1,\"currency\":\"EUR\",\"date\":\"2026-03-01\","
                               "\"reason\":\"relationship\",\"note\":\"n\"}"),
                          &facts));
}

Test (events_doc, every_opportunity_event_type_and_payload_field_is_documented)
{
    const char *doc = s_read_doc ();
    s_registration (doc);
    opp_reset (&deal);
    opp_reset (&other);
    s_funnel (doc);
    opp_reset (&deal);
    opp_reset (&other);
    s_outcome (doc);

    /* and the other way: every opportunity.* section is a decided type */
    static const char *const prefixes[] = {"opportunity."};
    size_t sections = s_sections_decided (doc, prefixes, 1);
    cr_assert_eq (sections, s_nseen, "%zu sections for %zu decided types", sections, s_nseen);
}
