/*  test_forecasting_events_doc.c - docs/events.md checked against the
    events the forecasting deciders (services/forecasting/forecasting.h)
    produce: every event type is decided by the real deciders, with every
    optional field given (fixture in support/fc_given.h), and must have a
    `#### \`type\`` section that describes each key of its payload as
    `key` in a row of its table; and every `#### \`quota.…\`` and
    `forecast.…` section must be a type decided here, so the document can
    drift from the deciders in neither direction.
*/
#include "support/fc_given.h"
#include "support/events_doc.h"

TestSuite (forecasting_events_doc, .init = s_setup, .fini = s_teardown);

static fc_quota_t quota;
static fc_forecast_t fcst;

/*  Fold the decided events into the states of their streams (each
    evolve ignores the other's types). */
static void s_fold (void)
{
    for (size_t i = 0; i < dbk_decision_count (d); i++) {
        const char *type = dbk_decision_type (d, i);
        const dbk_obj_t *p = payload (i);
        cr_assert_eq (fc_quota_evolve (&quota, type, p), 0, "%s does not fold", type);
        cr_assert_eq (fc_forecast_evolve (&fcst, type, p), 0, "%s does not fold", type);
    }
}

/*  The decider call must decide; its events are folded into the states
    of their streams, then checked against the document. */
#define DOC(call) DOC_THEN (call, #call, s_fold ())

/*  A sales manager's facts on `today`. */
static fc_facts_t s_manager (const char *today)
{
    return (fc_facts_t){today, "li", true};
}

/*  Quota of wang for 2026-Q2: set with a note, then replaced (from_*). */
static void s_quota (const char *doc)
{
    fc_facts_t m = s_manager ("2026-03-01");
    DOC (fc_quota_set (d, &quota,
                       cmd ("{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q2\","
                            "\"amount\":500000000,\"currency\":\"CNY\",\"note\":\"new region\"}"),
                       &m));
    cr_assert (quota.exists);
    cr_assert_eq (quota.amount, 500000000);
    DOC (fc_quota_set (d, &quota,
                       cmd ("{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q2\","
                            "\"amount\":600000000,\"currency\":\"CNY\",\"note\":\"stretch\"}"),
                       &m));
    cr_assert_eq (quota.amount, 600000000);
    cr_assert_str_eq (quota.period, "2026-Q2");
}

/*  wang's forecast for 2026-Q2: submitted before the start (frozen),
    adjusted by a manager with every optional field, then a late
    resubmission and a late adjustment. */
static void s_forecast (const char *doc)
{
    DOC (fc_forecast_submit (d, &fcst,
                             cmd ("{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":"
                                  "\"CNY\",\"commit\":300000000,\"best_case\":450000000,"
                                  "\"pipeline\":900000000,\"note\":\"metro in commit\"}"),
                             &facts));
    cr_assert (fcst.exists);
    cr_assert (fcst.frozen.set, "dated before the start: frozen");
    cr_assert_eq (fcst.late, 0);

    fc_facts_t m = s_manager ("2026-03-15");
    DOC (fc_forecast_adjust (d, &fcst,
                             cmd ("{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":"
                                  "\"CNY\",\"commit\":250000000,\"best_case\":400000000,"
                                  "\"pipeline\":800000000,\"note\":\"the metro deal slips\"}"),
                             &m));
    cr_assert (fcst.frozen_adjusted.set);
    cr_assert_eq (fcst.frozen_adjusted.commit, 250000000);

    fc_facts_t late = {"2026-04-10", "wang", false};
    DOC (fc_forecast_submit (d, &fcst,
                             cmd ("{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":"
                                  "\"CNY\",\"commit\":350000000,\"best_case\":500000000,"
                                  "\"pipeline\":950000000,\"note\":\"hospital won early\"}"),
                             &late));
    cr_assert_eq (fcst.late, 1, "dated after the start: a late revision");
    cr_assert_eq (fcst.frozen.commit, 300000000, "the freeze holds");

    m = s_manager ("2026-04-12");
    DOC (fc_forecast_adjust (d, &fcst,
                             cmd ("{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"commit\":"
                                  "340000000,\"best_case\":480000000,\"note\":\"agreed\"}"),
                             &m));
    cr_assert_eq (fcst.late, 2);
    cr_assert_eq (fcst.frozen_adjusted.commit, 250000000, "the freeze holds");
    cr_assert_eq (fcst.adjusted.pipeline, 950000000, "the submission's pipeline");
}

Test (forecasting_events_doc, every_forecasting_event_type_and_payload_field_is_documented)
{
    const char *doc = s_read_doc ();
    memset (&quota, 0, sizeof quota);
    memset (&fcst, 0, sizeof fcst);
    s_quota (doc);
    s_forecast (doc);

    /* and the other way: every quota.* and forecast.* section is a
       decided type */
    static const char *const prefixes[] = {"quota.", "forecast."};
    size_t sections = s_sections_decided (doc, prefixes, 2);
    cr_assert_eq (sections, s_nseen, "%zu sections for %zu decided types", sections, s_nseen);
    cr_assert_eq (s_nseen, 3, "%zu types decided", s_nseen);

    /* every optional key was given, so each was checked */
    static const char *const optional[] = {"quota.set:from_amount;", "quota.set:from_currency;",
                                           "quota.set:note;",        "forecast.submitted:note;",
                                           "forecast.adjusted:by;",  "forecast.adjusted:note;",
                                           "quota.set:on;",          "forecast.submitted:late;",
                                           "forecast.adjusted:late;"};
    for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++)
        cr_assert (strstr (s_keys, optional[i]), "%s was never decided: %s", optional[i], s_keys);
}
