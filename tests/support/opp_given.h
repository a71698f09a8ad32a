/*  opp_given.h - the Given-When-Then fixture shared by the suites of the
    opportunities deciders (test_opportunities_decider.c,
    test_opportunities_funnel.c, test_opportunities_rules.c): one decision, two opportunity states,
   a fake projection of accounts, contacts and competitors behind the lookups, and a pool of parsed
   documents freed at the end of each test. Header-only (static inline) because the Makefile links
    tests/support/testlib.c only.
*/
#ifndef OPP_GIVEN_H
#define OPP_GIVEN_H

#include "opportunities_decider.h"

#define S_POOL 128
#include "given.h"

static opp_state_t deal, other; /* opportunity states under test */

/*  ---- the shell's projection: a1 active, a9 archived; contacts c1..c9;
    competitors k1, k2 ---- */

static inline opp_ref_t s_account (void *ctx, const char *id)
{
    (void) ctx;
    return !strcmp (id, "a1") || !strcmp (id, "a2") ? OPP_REF_ACTIVE
           : !strcmp (id, "a9")                     ? OPP_REF_CLOSED
                                                    : OPP_REF_MISSING;
}

static inline opp_ref_t s_contact (void *ctx, const char *id)
{
    (void) ctx;
    return strlen (id) == 2 && id[0] == 'c' && id[1] >= '1' && id[1] <= '9' ? OPP_REF_ACTIVE
                                                                            : OPP_REF_MISSING;
}

static inline opp_ref_t s_competitor (void *ctx, const char *id)
{
    (void) ctx;
    return !strcmp (id, "k1") || !strcmp (id, "k2") ? OPP_REF_ACTIVE : OPP_REF_MISSING;
}

static const opp_lookup_t s_lookup = {s_account, s_contact, s_competitor, NULL};

/*  The facts of most commands: today 2026-03-01, wang acts, not a
    manager, default configuration. Tests change a copy. */
static opp_facts_t facts;

static inline void s_setup (void)
{
    d = dbk_decision_new ();
    cr_assert_not_null (d);
    opp_init (&deal);
    opp_init (&other);
    facts = (opp_facts_t){"2026-03-01", "wang", false, NULL, &s_lookup, NULL};
}

static inline void s_teardown (void)
{
    given_teardown ();
    opp_reset (&deal);
    opp_reset (&other);
}

/*  Fold the decided events of `stream` (NULL: all) into st. */
static inline void fold (opp_state_t *st, const char *stream)
{
    for (size_t i = 0; i < dbk_decision_count (d); i++)
        if (!stream || !strcmp (dbk_decision_stream (d, i), stream)) {
            int rc = opp_evolve (st, dbk_decision_type (d, i), payload (i), OPP_UNRECORDED);
            cr_assert_eq (rc, 0, "%s: %s", dbk_decision_type (d, i), dbk_strerror (rc));
        }
}

/*  Run a decider that must accept, fold its events into st (same
    stream), and empty the decision: the "Given" of a test. */
#define GIVEN(st, call)                                                                            \
    do {                                                                                           \
        int given_rc_ = (call);                                                                    \
        cr_assert_eq (given_rc_, 0, "given %s: %s", #call, dbk_decision_message (d));              \
        fold ((st), NULL);                                                                         \
        dbk_decision_reset (d);                                                                    \
    } while (0)

#define S_DEAL_JSON                                                                                   \
    "{\"name\":\"浦东医院照明\",\"account_id\":\"a1\",\"owner\":\"wang\",\"currency\":\"CNY\"," \
    "\"close_date\":\"2026-09-30\",\"amount\":320000000,\"site_city\":\"上海\","                    \
    "\"site_address\":\"浦东新区 1 号\",\"project_type\":\"hospital\",\"team\":\"east\","        \
    "\"region\":\"华东\"}"

/*  Given: opportunity o1 registered by wang on 2026-01-10. */
static inline void given_deal (void)
{
    opp_facts_t f = facts;
    f.today = "2026-01-10";
    GIVEN (&deal, opp_register (d, &deal, "o1", cmd (S_DEAL_JSON), &f));
}

/*  Given: a stakeholder on deal's map. */
static inline void given_stakeholder (const char *json)
{
    GIVEN (&deal, opp_stakeholder_add (d, &deal, cmd (json), &facts));
}

/*  Given: an event folded straight into st (for states deciders would
    take long to reach). */
static inline void given_event (opp_state_t *st, const char *type, const char *json)
{
    int rc = opp_evolve (st, type, cmd (json), OPP_UNRECORDED);
    cr_assert_eq (rc, 0, "%s: %s", type, dbk_strerror (rc));
}

/*  Given: an event folded straight into st as the log recorded it at
    ts (unix ms): an event appended by hand (dealbook log append). */
static inline void given_recorded_event (opp_state_t *st, const char *type, const char *json,
                                         int64_t ts)
{
    int rc = opp_evolve (st, type, cmd (json), ts);
    cr_assert_eq (rc, 0, "%s: %s", type, dbk_strerror (rc));
}

#define S_QUALIFY(decision)                                                                        \
    "{\"real_project_score\":5,\"real_project_evidence\":\"approved by the NDRC\","                \
    "\"our_opportunity_score\":4,\"our_opportunity_evidence\":\"our LED specified\","              \
    "\"can_win_score\":3,\"can_win_evidence\":\"coach in procurement\","                           \
    "\"worth_winning_score\":4,\"worth_winning_evidence\":\"margin 28%\","                         \
    "\"decision\":\"" decision "\",\"reason\":\"good fit\"}"

static inline void given_need (void)
{
    GIVEN (&deal,
           opp_need_add (d, &deal, cmd ("{\"kind\":\"organisational\",\"text\":\"energy saving\"}"),
                         &facts));
}

static inline void given_qualified (void)
{
    GIVEN (&deal, opp_qualify (d, &deal, cmd (S_QUALIFY ("pursue")), &facts));
}

static inline void given_level (const char *level)
{
    char json[100];
    snprintf (json, sizeof json, "{\"level\":\"%s\"}", level);
    GIVEN (&deal, opp_level_set (d, &deal, cmd (json), &facts));
}

/*  Given: everything up to L4 holds (need, supportive decision maker,
    pursue, coach). */
static inline void given_l4_evidence (void)
{
    given_need ();
    given_stakeholder ("{\"contact_id\":\"c1\",\"role\":\"decision_maker\",\"attitude\":1,"
                       "\"influence\":5,\"level\":\"decision\"}");
    given_qualified ();
    given_stakeholder ("{\"contact_id\":\"c2\",\"role\":\"coach\",\"attitude\":2}");
}

#endif
