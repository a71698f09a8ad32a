/*  test_opportunities_conflicts.c - one project registered by three
    owners (services/opportunities/opportunities_decider.h,
    opp_register and opp_resolve_conflict), Given-When-Then: the first
    registration is in conflict with both later ones, each conflict is
    resolved by a manager in any order, none is lost, and the conflicts of
    a deal closed as a duplicate move to the deal that was kept.
    test_opportunities_decider.c has the conflict of two registrations.
*/
#include "support/opp_given.h"

static opp_state_t third; /* o3, with deal o1 and other o2 */

static void s_init (void)
{
    s_setup ();
    opp_init (&third);
}

static void s_fini (void)
{
    s_teardown ();
    opp_reset (&third);
}

TestSuite (conflicts, .init = s_init, .fini = s_fini);

#define S_PROJECT(owner)                                                                           \
    "{\"name\":\"浦东医院照明\",\"account_id\":\"a1\",\"owner\":\"" owner "\","                    \
    "\"currency\":\"CNY\",\"close_date\":\"2026-09-30\"}"

/*  Fold every decided event into the state of its stream, then empty
    the decision. */
static void s_fold_all (void)
{
    fold (&deal, "opportunity-o1");
    fold (&other, "opportunity-o2");
    fold (&third, "opportunity-o3");
    dbk_decision_reset (d);
}

/*  Given: `id` registered on `today`, the shell having found `match`
    (NULL: none) as the open deal of the same project. */
static void s_register (opp_state_t *st, const char *id, const char *json, const char *today,
                        const opp_state_t *match)
{
    opp_facts_t f = facts;
    opp_match_t m = {.opportunity_id = match ? match->id : NULL,
                     .owner = match ? match->owner : NULL,
                     .registered_on = match ? match->registered_on : NULL};
    f.today = today;
    f.match = match ? &m : NULL;
    cr_assert_eq (opp_register (d, st, id, cmd (json), &f), 0, "%s", dbk_decision_message (d));
    s_fold_all ();
}

/*  Given: o1 of li, then o2 of wang and o3 of zhou, both found o1 as the
    open deal of the project: o1 is in conflict with o2 and with o3. A
    manager acts from here on. */
static void given_three_registrations (void)
{
    s_register (&deal, "o1", S_PROJECT ("li"), "2026-01-01", NULL);
    s_register (&other, "o2", S_PROJECT ("wang"), "2026-02-01", &deal);
    s_register (&third, "o3", S_PROJECT ("zhou"), "2026-03-01", &deal);
    facts.manager = true;
    facts.actor = "zhao";
}

/*  When a manager resolves a and b for owner, accepted, folded. */
static void s_resolve (opp_state_t *a, opp_state_t *b, const char *owner)
{
    char json[120];
    snprintf (json, sizeof json, "{\"with\":\"%s\",\"owner\":\"%s\"}", b->id, owner);
    cr_assert_eq (opp_resolve_conflict (d, a, b, cmd (json), &facts), 0, "%s %s: %s", a->id, b->id,
                  dbk_decision_message (d));
    s_fold_all ();
}

Test (conflicts, a_third_registration_leaves_the_first_conflict_resolvable)
{
    given_three_registrations ();
    opp_resolve_conflict (d, &other, &deal, cmd ("{\"with\":\"o1\",\"owner\":\"li\"}"), &facts);
    then_accepted (2);
    then_event (0, "opportunity-o2", "opportunity.conflict_resolved");
    then_event (1, "opportunity-o1", "opportunity.conflict_resolved");
    cr_assert (has_str (payload (0), "outcome", "closed"));
    cr_assert (has_str (payload (1), "outcome", "kept"));
    s_fold_all ();
    cr_assert_eq (other.status, OPP_DUPLICATE);
    /* o1 is still in conflict with o3 */
    s_resolve (&third, &deal, "li");
    cr_assert_eq (third.status, OPP_DUPLICATE);
    cr_assert_eq (deal.status, OPP_OPEN);
}

Test (conflicts, the_conflicts_of_one_deal_resolve_in_any_order)
{
    given_three_registrations ();
    s_resolve (&deal, &third, "li"); /* the later conflict first */
    cr_assert_eq (third.status, OPP_DUPLICATE);
    s_resolve (&deal, &other, "li");
    cr_assert_eq (other.status, OPP_DUPLICATE);
    opp_resolve_conflict (d, &deal, &other, cmd ("{\"with\":\"o2\",\"owner\":\"li\"}"), &facts);
    then_rejected (DBK_EREJECTED, "with");
}

Test (conflicts, a_deal_closed_as_a_duplicate_hands_its_other_conflicts_to_the_kept_deal)
{
    given_three_registrations ();
    /* wang's o2 is kept: li's o1 closes, and zhou's o3, the same project,
       is now in conflict with o2 instead */
    opp_resolve_conflict (d, &deal, &other,
                          cmd ("{\"with\":\"o2\",\"owner\":\"wang\",\"reason\":\"his design\"}"),
                          &facts);
    then_accepted (4);
    then_event (0, "opportunity-o1", "opportunity.conflict_resolved");
    then_event (1, "opportunity-o2", "opportunity.conflict_resolved");
    cr_assert (has_str (payload (0), "outcome", "closed"));
    then_event (2, "opportunity-o3", "opportunity.conflict_flagged");
    cr_assert (has_str (payload (2), "with", "o2"));
    cr_assert (has_str (payload (2), "with_owner", "wang"));
    cr_assert (has_str (payload (2), "moved_from", "o1"));
    cr_assert (has_str (payload (2), "on", "2026-03-01"));
    then_event (3, "opportunity-o2", "opportunity.conflict_flagged");
    cr_assert (has_str (payload (3), "with", "o3"));
    cr_assert (has_str (payload (3), "with_owner", "zhou"));
    cr_assert (has_str (payload (3), "moved_from", "o1"));
    s_fold_all ();
    cr_assert_eq (deal.status, OPP_DUPLICATE);
    cr_assert_str_eq (deal.duplicate_of, "o2");
    /* a conflict with the closed o1 is no longer open ... */
    opp_resolve_conflict (d, &third, &deal, cmd ("{\"with\":\"o1\",\"owner\":\"zhou\"}"), &facts);
    then_rejected (DBK_EREJECTED, "with");
    dbk_decision_reset (d);
    /* ... the one with o2 is */
    s_resolve (&third, &other, "wang");
    cr_assert_eq (third.status, OPP_DUPLICATE);
    cr_assert_str_eq (third.duplicate_of, "o2");
    cr_assert_eq (other.status, OPP_OPEN);
}

Test (conflicts, the_closed_deals_conflict_with_the_kept_deal_is_not_flagged_again)
{
    given_three_registrations ();
    /* o2 and o3 in conflict too (o3 registered again, finding o2) */
    given_event (&other, "opportunity.conflict_flagged",
                 "{\"id\":\"o2\",\"with\":\"o3\",\"with_owner\":\"zhou\"}");
    given_event (&third, "opportunity.conflict_flagged",
                 "{\"id\":\"o3\",\"with\":\"o2\",\"with_owner\":\"wang\"}");
    opp_resolve_conflict (d, &deal, &other, cmd ("{\"with\":\"o2\",\"owner\":\"wang\"}"), &facts);
    then_accepted (3); /* o3's conflict with o1 ends; o2 has o3 already */
    then_event (2, "opportunity-o3", "opportunity.conflict_flagged");
    cr_assert (has_str (payload (2), "moved_from", "o1"));
    s_fold_all ();
    s_resolve (&other, &third, "wang");
    cr_assert_eq (third.status, OPP_DUPLICATE);
}

Test (conflicts, keeping_the_third_deal_closes_the_first_and_carries_the_second_over)
{
    given_three_registrations ();
    s_resolve (&deal, &third, "zhou");
    cr_assert_eq (deal.status, OPP_DUPLICATE);
    cr_assert_eq (third.status, OPP_OPEN);
    cr_assert_str_eq (third.owner, "zhou");
    s_resolve (&other, &third, "wang");
    cr_assert_eq (third.status, OPP_DUPLICATE);
    cr_assert_str_eq (other.owner, "wang");
}

/*  ---- the state: every open conflict, folded from the events ---- */

Test (conflicts, a_deal_keeps_every_open_conflict_oldest_first)
{
    given_three_registrations ();
    cr_assert_eq (deal.nconflicts, 2);
    cr_assert_str_eq (deal.conflicts[0].id, "o2");
    cr_assert_str_eq (deal.conflicts[0].owner, "wang");
    cr_assert_str_eq (deal.conflicts[1].id, "o3");
    cr_assert_str_eq (deal.conflicts[1].owner, "zhou");
    cr_assert_not_null (opp_conflict_find (&deal, "o3"));
    cr_assert_null (opp_conflict_find (&deal, "o4"));
    cr_assert_eq (other.nconflicts, 1);
    cr_assert_str_eq (other.conflicts[0].owner, "li");
    s_resolve (&deal, &other, "li");
    cr_assert_eq (deal.nconflicts, 1);
    cr_assert_str_eq (deal.conflicts[0].id, "o3");
    cr_assert_eq (other.nconflicts, 0, "a duplicate is in no conflict");
}

Test (conflicts, a_conflict_flagged_twice_is_kept_once)
{
    given_three_registrations ();
    given_event (&third, "opportunity.conflict_flagged",
                 "{\"id\":\"o3\",\"with\":\"o1\",\"with_owner\":\"li\"}");
    cr_assert_eq (third.nconflicts, 1);
    cr_assert_eq (
        opp_evolve (&third, "opportunity.conflict_flagged", cmd ("{\"with\":7}"), OPP_UNRECORDED),
        DBK_EMALFORMED);
    cr_assert_eq (opp_evolve (&third, "opportunity.conflict_flagged",
                              cmd ("{\"with\":\"o2\",\"moved_from\":[]}"), OPP_UNRECORDED),
                  DBK_EMALFORMED);
}

/*  ---- limits: every conflict a decider flags can be folded ---- */

Test (conflicts, a_registration_is_refused_when_the_match_is_in_too_many_conflicts)
{
    s_register (&deal, "o1", S_PROJECT ("li"), "2026-01-01", NULL);
    opp_match_t m = {.opportunity_id = "o1",
                     .owner = "li",
                     .registered_on = "2026-01-01",
                     .conflicts = OPP_CONFLICTS_MAX};
    facts.match = &m;
    opp_register (d, &other, "o2", cmd (S_PROJECT ("wang")), &facts);
    then_rejected (DBK_EREJECTED, "name");
    then_message_mentions ("a manager resolves them first");
    dbk_decision_reset (d);
    m.conflicts = OPP_CONFLICTS_MAX - 1;
    opp_register (d, &other, "o2", cmd (S_PROJECT ("wang")), &facts);
    then_accepted (3);
}

Test (conflicts, a_resolution_that_would_carry_too_many_conflicts_over_is_refused)
{
    given_three_registrations ();
    /* o2 in conflict with OPP_CONFLICTS_MAX - 1 more deals, o1 with o4
       too: keeping o2 would take o3 and o4 over in o1's place, one more
       than its list holds */
    given_event (&deal, "opportunity.conflict_flagged",
                 "{\"id\":\"o1\",\"with\":\"o4\",\"with_owner\":\"sun\"}");
    for (int i = 0; i < OPP_CONFLICTS_MAX - 1; i++) {
        char json[80];
        snprintf (json, sizeof json, "{\"id\":\"o2\",\"with\":\"x%d\",\"with_owner\":\"u\"}", i);
        given_event (&other, "opportunity.conflict_flagged", json);
    }
    cr_assert_eq (other.nconflicts, OPP_CONFLICTS_MAX);
    /*  a conflict moved here from a deal closed as a duplicate may take it
        past the limit of commands: the fold keeps it */
    cr_assert_eq (opp_evolve (&other, "opportunity.conflict_flagged",
                              cmd ("{\"with\":\"x99\",\"with_owner\":\"u\"}"), OPP_UNRECORDED),
                  0);
    cr_assert_eq (other.nconflicts, OPP_CONFLICTS_MAX + 1);
    /*  closing o2 would move its 33 conflicts: some are resolved first */
    opp_resolve_conflict (d, &deal, &other, cmd ("{\"with\":\"o2\",\"owner\":\"li\"}"), &facts);
    then_rejected (DBK_EREJECTED, "owner");
    then_message_mentions ("closing o2 would move its 33 registration conflicts");
    dbk_decision_reset (d);
    given_event (&other, "opportunity.conflict_resolved",
                 "{\"id\":\"o2\",\"with\":\"x99\",\"owner\":\"wang\",\"outcome\":\"kept\"}");
    cr_assert_eq (other.nconflicts, OPP_CONFLICTS_MAX);
    opp_resolve_conflict (d, &deal, &other, cmd ("{\"with\":\"o2\",\"owner\":\"wang\"}"), &facts);
    then_rejected (DBK_EREJECTED, "owner");
    then_message_mentions ("resolve some of o1's first");
    dbk_decision_reset (d);
    /* a manager resolves one of o2's others: now there is room */
    given_event (&other, "opportunity.conflict_resolved",
                 "{\"id\":\"o2\",\"with\":\"x0\",\"owner\":\"wang\",\"outcome\":\"kept\"}");
    cr_assert_eq (other.nconflicts, OPP_CONFLICTS_MAX - 1);
    s_resolve (&deal, &other, "wang");
    cr_assert_eq (other.nconflicts, OPP_CONFLICTS_MAX);
    cr_assert_not_null (opp_conflict_find (&other, "o4"));
    cr_assert_eq (deal.status, OPP_DUPLICATE);
}

Test (conflicts, a_conflict_with_a_deal_closed_since_is_settled_by_keeping_the_open_one)
{
    given_three_registrations ();
    /*  o2 is abandoned by its owner: o1 still lists it, and the manager
        settles that side alone, for o1's owner */
    facts.actor = "wang";
    facts.manager = false;
    cr_assert_eq (opp_abandon (d, &other, cmd ("{\"reason\":\"lost interest\"}"), &facts), 0, "%s",
                  dbk_decision_message (d));
    s_fold_all ();
    facts.actor = "zhao";
    facts.manager = true;
    cr_assert (opp_conflict_find (&deal, "o2"));
    opp_resolve_conflict (d, &deal, &other, cmd ("{\"with\":\"o2\",\"owner\":\"wang\"}"), &facts);
    then_rejected (DBK_EREJECTED, "owner"); /* only the open deal can be kept */
    dbk_decision_reset (d);
    s_resolve (&deal, &other, "li");
    cr_assert_null (opp_conflict_find (&deal, "o2"), "settled");
    cr_assert_not_null (opp_conflict_find (&deal, "o3"), "the other conflict stays");
    cr_assert_eq (deal.status, OPP_OPEN);
    cr_assert_eq (other.status, OPP_ABANDONED, "the closed deal took no event");
    /*  o2 reopened lists o1 still, o1 no longer o2: the pair resolves */
    facts.actor = "wang";
    facts.manager = false;
    cr_assert_eq (opp_reopen (d, &other, cmd ("{\"reason\":\"back on\"}"), &facts), 0, "%s",
                  dbk_decision_message (d));
    s_fold_all ();
    cr_assert_not_null (opp_conflict_find (&other, "o1"));
    facts.actor = "zhao";
    facts.manager = true;
    s_resolve (&other, &deal, "li");
    cr_assert_eq (other.status, OPP_DUPLICATE);
    cr_assert_null (opp_conflict_find (&other, "o1"));
    cr_assert_eq (deal.status, OPP_OPEN);
}
