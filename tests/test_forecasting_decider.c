/*  test_forecasting_decider.c - the forecasting service's own streams
    (services/forecasting/forecasting.h) as specifications,
    Given-When-Then: quotas set by managers, forecasts submitted by their
    owners and adjusted by managers, the freeze at the period's start;
    and the helpers every figure stands on (dates, periods, rounding).
*/
#include "support/fc_given.h"

TestSuite (quota, .init = s_setup, .fini = s_teardown);
TestSuite (submit, .init = s_setup, .fini = s_teardown);
TestSuite (adjust, .init = s_setup, .fini = s_teardown);
TestSuite (freeze, .init = s_setup, .fini = s_teardown);
TestSuite (calendar, .init = s_setup, .fini = s_teardown);

static fc_quota_t quota;
static fc_forecast_t fcst;

/*  Run a decider that must accept and fold its events into the state. */
#define GIVEN_Q(call)                                                                              \
    do {                                                                                           \
        cr_assert_eq ((call), 0, "given %s: %s", #call, dbk_decision_message (d));                 \
        for (size_t i_ = 0; i_ < dbk_decision_count (d); i_++)                                     \
            cr_assert_eq (fc_quota_evolve (&quota, dbk_decision_type (d, i_), payload (i_)), 0);   \
        dbk_decision_reset (d);                                                                    \
    } while (0)
#define GIVEN_F(call)                                                                              \
    do {                                                                                           \
        cr_assert_eq ((call), 0, "given %s: %s", #call, dbk_decision_message (d));                 \
        for (size_t i_ = 0; i_ < dbk_decision_count (d); i_++)                                     \
            cr_assert_eq (fc_forecast_evolve (&fcst, dbk_decision_type (d, i_), payload (i_)), 0); \
        dbk_decision_reset (d);                                                                    \
    } while (0)

#define S_QUOTA                                                                                    \
    "{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q2\",\"amount\":500000000,"           \
    "\"currency\":\"CNY\"}"
#define S_SUBMIT(c, b, p)                                                                          \
    "{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":\"CNY\",\"commit\":" #c               \
    ",\"best_case\":" #b ",\"pipeline\":" #p "}"
#define S_ADJUST(c, b)                                                                             \
    "{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"commit\":" #c ",\"best_case\":" #b               \
    ",\"note\":\"the metro deal slips to Q3\"}"

static fc_facts_t s_manager (const char *today)
{
    return (fc_facts_t){today, "li", true};
}

/*  ======================= quota ======================= */

Test (quota, a_manager_sets_a_quota_for_an_owner_and_a_period)
{
    fc_facts_t m = s_manager ("2026-03-01");
    cr_assert_eq (fc_quota_set (d, &quota, cmd (S_QUOTA), &m), 0);
    then_accepted (1);
    then_event (0, "quota-2026-Q2.owner.wang", "quota.set");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "scope", "owner"));
    cr_assert (has_str (p, "who", "wang"));
    cr_assert (has_str (p, "period", "2026-Q2"));
    cr_assert (has_int (p, "amount", 500000000));
    cr_assert (has_str (p, "currency", "CNY"));
    cr_assert (has_str (p, "on", "2026-03-01"));
    cr_assert_null (dbk_obj_get (p, "from_amount"), "nothing replaced");
}

Test (quota, a_team_quota_for_a_year_and_a_month_quota_have_their_own_streams)
{
    fc_facts_t m = s_manager ("2026-03-01");
    fc_quota_set (d, &quota,
                  cmd ("{\"scope\":\"team\",\"who\":\"east\",\"period\":\"2026\",\"amount\":1,"
                       "\"currency\":\"CNY\",\"note\":\"stretch\"}"),
                  &m);
    then_accepted (1);
    then_event (0, "quota-2026.team.east", "quota.set");
    cr_assert (has_str (payload (0), "note", "stretch"));
    dbk_decision_reset (d);
    fc_quota_set (d, &quota,
                  cmd ("{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-04\",\"amount\":1,"
                       "\"currency\":\"CNY\"}"),
                  &m);
    then_event (0, "quota-2026-04.owner.wang", "quota.set");
}

Test (quota, setting_it_again_records_what_it_replaced)
{
    fc_facts_t m = s_manager ("2026-03-01");
    GIVEN_Q (fc_quota_set (d, &quota, cmd (S_QUOTA), &m));
    cr_assert (quota.exists);
    cr_assert_eq (quota.amount, 500000000);
    fc_quota_set (d, &quota,
                  cmd ("{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q2\",\"amount\":"
                       "600000000,\"currency\":\"CNY\"}"),
                  &m);
    then_accepted (1);
    cr_assert (has_int (payload (0), "from_amount", 500000000));
    cr_assert (has_str (payload (0), "from_currency", "CNY"));
}

Test (quota, its_currency_changes_only_when_the_command_says_so)
{
    /*  Given wang's 2026-Q2 quota of 5,000,000.00 CNY */
    fc_facts_t m = s_manager ("2026-03-01");
    GIVEN_Q (fc_quota_set (d, &quota, cmd (S_QUOTA), &m));
    /*  When a manager sets it in USD without a word (or with force false)
        Then it is refused on currency, naming the quota's currency and
        how to say so; nothing is decided */
    static const char *const quiet[] = {
        "{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q2\",\"amount\":70000000,"
        "\"currency\":\"USD\"}",
        "{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q2\",\"amount\":70000000,"
        "\"currency\":\"USD\",\"force\":false}",
        /* the same amount: only the currency would change */
        "{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q2\",\"amount\":500000000,"
        "\"currency\":\"USD\"}"};
    for (size_t i = 0; i < sizeof quiet / sizeof quiet[0]; i++) {
        dbk_decision_reset (d);
        fc_quota_set (d, &quota, cmd (quiet[i]), &m);
        then_rejected (DBK_EREJECTED, "currency");
        then_message_mentions ("the owner quota of wang for 2026-Q2 is in CNY");
        then_message_mentions ("force");
    }
    /*  a force that is not a bool is no force */
    dbk_decision_reset (d);
    fc_quota_set (d, &quota,
                  cmd ("{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q2\","
                       "\"amount\":70000000,\"currency\":\"USD\",\"force\":\"yes\"}"),
                  &m);
    then_rejected (DBK_EINVAL, "force");
    /*  When it says so (force)
        Then the quota is replaced, and the event keeps what it replaced */
    dbk_decision_reset (d);
    fc_quota_set (d, &quota,
                  cmd ("{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q2\","
                       "\"amount\":70000000,\"currency\":\"USD\",\"force\":true}"),
                  &m);
    then_accepted (1);
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "currency", "USD"));
    cr_assert (has_int (p, "amount", 70000000));
    cr_assert (has_str (p, "from_currency", "CNY"));
    cr_assert (has_int (p, "from_amount", 500000000));
    /*  And, once in USD, an amount changed in USD needs no force */
    cr_assert_eq (fc_quota_evolve (&quota, dbk_decision_type (d, 0), p), 0);
    cr_assert_str_eq (quota.currency, "USD");
    dbk_decision_reset (d);
    fc_quota_set (d, &quota,
                  cmd ("{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q2\","
                       "\"amount\":80000000,\"currency\":\"USD\"}"),
                  &m);
    then_accepted (1);
}

Test (quota, the_same_quota_again_decides_nothing)
{
    fc_facts_t m = s_manager ("2026-03-01");
    GIVEN_Q (fc_quota_set (d, &quota, cmd (S_QUOTA), &m));
    cr_assert_eq (fc_quota_set (d, &quota, cmd (S_QUOTA), &m), 0);
    then_accepted (0);
}

Test (quota, only_a_manager_sets_quotas)
{
    fc_quota_set (d, &quota, cmd (S_QUOTA), &facts);
    then_rejected (DBK_EREJECTED, "actor");
}

Test (quota, every_field_is_validated)
{
    fc_facts_t m = s_manager ("2026-03-01");
    struct {
        const char *json, *field;
    } cases[] = {
        {"{\"scope\":\"region\",\"who\":\"w\",\"period\":\"2026\",\"amount\":1,\"currency\":"
         "\"CNY\"}",
         "scope"},
        {"{\"scope\":\"owner\",\"period\":\"2026\",\"amount\":1,\"currency\":\"CNY\"}", "who"},
        {"{\"scope\":\"owner\",\"who\":\"wang li\",\"period\":\"2026\",\"amount\":1,\"currency\":"
         "\"CNY\"}",
         "who"},
        {"{\"scope\":\"owner\",\"who\":\"w\",\"period\":\"2026-13\",\"amount\":1,\"currency\":"
         "\"CNY\"}",
         "period"},
        {"{\"scope\":\"owner\",\"who\":\"w\",\"period\":\"2026-Q5\",\"amount\":1,\"currency\":"
         "\"CNY\"}",
         "period"},
        {"{\"scope\":\"owner\",\"who\":\"w\",\"period\":\"26\",\"amount\":1,\"currency\":\"CNY\"}",
         "period"},
        {"{\"scope\":\"owner\",\"who\":\"w\",\"period\":\"2026\",\"amount\":-1,\"currency\":"
         "\"CNY\"}",
         "amount"},
        {"{\"scope\":\"owner\",\"who\":\"w\",\"period\":\"2026\",\"amount\":\"5\",\"currency\":"
         "\"CNY\"}",
         "amount"},
        {"{\"scope\":\"owner\",\"who\":\"w\",\"period\":\"2026\",\"amount\":1,\"currency\":"
         "\"cny\"}",
         "currency"},
        {"{\"scope\":\"owner\",\"who\":\"w\",\"period\":\"2026\",\"amount\":1,\"currency\":"
         "\"XYZ\"}",
         "currency"},
        {"{\"scope\":\"owner\",\"who\":\"w\",\"period\":\"2026\",\"amount\":1}", "currency"},
        {"{\"scope\":\"owner\",\"who\":\"w\",\"period\":\"2026\",\"amount\":1,\"currency\":\"CNY\","
         "\"colour\":1}",
         NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dbk_decision_reset (d);
        fc_quota_set (d, &quota, cmd (cases[i].json), &m);
        then_rejected (DBK_EINVAL, cases[i].field);
    }
}

Test (quota, without_a_business_date_nothing_is_decided)
{
    fc_facts_t m = s_manager (NULL);
    fc_quota_set (d, &quota, cmd (S_QUOTA), &m);
    then_rejected (DBK_EINVAL, "on");
}

/*  ======================= submit ======================= */

Test (submit, an_owner_submits_a_forecast_before_the_period)
{
    cr_assert_eq (fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts), 0);
    then_accepted (1);
    then_event (0, "forecast-2026-Q2.wang", "forecast.submitted");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "owner", "wang"));
    cr_assert (has_str (p, "period", "2026-Q2"));
    cr_assert (has_str (p, "currency", "CNY"));
    cr_assert (has_int (p, "commit", 100));
    cr_assert (has_int (p, "best_case", 150));
    cr_assert (has_int (p, "pipeline", 400));
    cr_assert (has_bool (p, "late", false));
    cr_assert (has_str (p, "on", "2026-03-01"));
}

Test (submit, a_submission_on_the_first_day_is_late)
{
    facts.today = "2026-04-01";
    fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts);
    then_accepted (1);
    cr_assert (has_bool (payload (0), "late", true));
}

Test (submit, the_period_is_canonical_in_the_event_and_stream)
{
    fc_forecast_submit (d, &fcst,
                        cmd ("{\"owner\":\"wang\",\"period\":\"2026-06\",\"currency\":\"CNY\","
                             "\"commit\":1,\"best_case\":1,\"pipeline\":1,\"note\":\"ok\"}"),
                        &facts);
    then_accepted (1);
    then_event (0, "forecast-2026-06.wang", "forecast.submitted");
    cr_assert (has_str (payload (0), "note", "ok"));
}

Test (submit, best_case_below_commit_is_refused)
{
    fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (200, 150, 400)), &facts);
    then_rejected (DBK_EINVAL, "best_case");
    then_message_mentions ("commit");
}

Test (submit, pipeline_below_best_case_is_refused)
{
    fc_facts_t facts = {"2026-03-01", "wang", false};
    fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 200, 150)), &facts);
    then_rejected (DBK_EINVAL, "pipeline");
    then_message_mentions ("pipeline (150) cannot be below best_case (200)");
    dbk_decision_reset (d);
    fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 200, 200)), &facts);
    then_accepted (1);
}

Test (submit, someone_else_than_the_owner_needs_to_be_a_manager)
{
    facts.actor = "zhao";
    fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts);
    then_rejected (DBK_EREJECTED, "actor");
    dbk_decision_reset (d);
    facts.manager = true;
    fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts);
    then_accepted (1);
}

Test (submit, a_closed_period_takes_no_forecast)
{
    facts.today = "2026-07-01";
    fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts);
    then_rejected (DBK_EREJECTED, "period");
    dbk_decision_reset (d);
    facts.today = "2026-06-30";
    fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts);
    then_accepted (1);
}

Test (submit, each_figure_is_required_and_non_negative)
{
    const char *cases[] = {
        "{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":\"CNY\",\"best_case\":1,"
        "\"pipeline\":1}",
        "{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":\"CNY\",\"commit\":1,"
        "\"pipeline\":1}",
        "{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":\"CNY\",\"commit\":1,"
        "\"best_case\":1}",
        "{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":\"CNY\",\"commit\":-1,"
        "\"best_case\":1,\"pipeline\":1}",
        "{\"period\":\"2026-Q2\",\"currency\":\"CNY\",\"commit\":1,\"best_case\":1,"
        "\"pipeline\":1}",
        "{\"owner\":\"wang\",\"period\":\"Q2\",\"currency\":\"CNY\",\"commit\":1,"
        "\"best_case\":1,\"pipeline\":1}",
    };
    const char *fields[] = {"commit", "best_case", "pipeline", "commit", "owner", "period"};
    for (size_t i = 0; i < 6; i++) {
        dbk_decision_reset (d);
        fc_forecast_submit (d, &fcst, cmd (cases[i]), &facts);
        then_rejected (DBK_EINVAL, fields[i]);
    }
}

Test (submit, resubmitting_the_same_figures_decides_nothing)
{
    GIVEN_F (fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts));
    fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts);
    then_accepted (0);
    fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (110, 150, 400)), &facts);
    then_accepted (1);
}

Test (submit, without_a_business_date_it_is_refused)
{
    facts.today = NULL;
    fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts);
    then_rejected (DBK_EINVAL, "on");
}

/*  ======================= adjust ======================= */

Test (adjust, a_manager_adjusts_with_a_note_and_the_submission_is_kept)
{
    GIVEN_F (fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts));
    fc_facts_t m = s_manager ("2026-03-10");
    cr_assert_eq (fc_forecast_adjust (d, &fcst, cmd (S_ADJUST (80, 120)), &m), 0);
    then_accepted (1);
    then_event (0, "forecast-2026-Q2.wang", "forecast.adjusted");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_int (p, "commit", 80));
    cr_assert (has_int (p, "best_case", 120));
    cr_assert (has_int (p, "pipeline", 400), "the submission's pipeline by default");
    cr_assert (has_str (p, "currency", "CNY"));
    cr_assert (has_str (p, "note", "the metro deal slips to Q3"));
    cr_assert (has_str (p, "by", "li"));
    cr_assert (has_bool (p, "late", false));
    cr_assert_eq (fc_forecast_evolve (&fcst, "forecast.adjusted", p), 0);
    cr_assert_eq (fcst.submitted.commit, 100, "the original is kept");
    cr_assert_eq (fcst.adjusted.commit, 80);
    cr_assert_eq (fcst.frozen.commit, 100);
    cr_assert_eq (fcst.frozen_adjusted.commit, 80);
    cr_assert_eq (fcst.revisions, 2);
}

Test (adjust, pipeline_below_best_case_is_refused_given_or_kept_from_the_submission)
{
    fc_facts_t facts = {"2026-03-01", "wang", false}, m = s_manager ("2026-03-02");
    GIVEN_F (fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts));
    fc_forecast_adjust (d, &fcst,
                        cmd ("{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"commit\":100,"
                             "\"best_case\":300,\"pipeline\":250,\"note\":\"n\"}"),
                        &m);
    then_rejected (DBK_EINVAL, "pipeline");
    dbk_decision_reset (d);
    fc_forecast_adjust (d, &fcst, cmd (S_ADJUST (100, 500)), &m);
    then_rejected (DBK_EINVAL, "pipeline");
    then_message_mentions ("the submitted pipeline (400) cannot be below best_case (500)");
    dbk_decision_reset (d);
    fc_forecast_adjust (d, &fcst, cmd (S_ADJUST (100, 400)), &m);
    then_accepted (1);
}

Test (adjust, only_a_manager_adjusts)
{
    GIVEN_F (fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts));
    fc_forecast_adjust (d, &fcst, cmd (S_ADJUST (80, 120)), &facts);
    then_rejected (DBK_EREJECTED, "actor");
}

Test (adjust, nothing_submitted_nothing_to_adjust)
{
    fc_facts_t m = s_manager ("2026-03-10");
    fc_forecast_adjust (d, &fcst, cmd (S_ADJUST (80, 120)), &m);
    then_rejected (DBK_ENOTFOUND, "period");
}

Test (adjust, the_note_is_required_and_the_currency_cannot_change)
{
    GIVEN_F (fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts));
    fc_facts_t m = s_manager ("2026-03-10");
    fc_forecast_adjust (d, &fcst,
                        cmd ("{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"commit\":1,"
                             "\"best_case\":2}"),
                        &m);
    then_rejected (DBK_EINVAL, "note");
    dbk_decision_reset (d);
    fc_forecast_adjust (d, &fcst,
                        cmd ("{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"commit\":1,"
                             "\"best_case\":2,\"note\":\"x\",\"currency\":\"USD\"}"),
                        &m);
    then_rejected (DBK_EINVAL, "currency");
    dbk_decision_reset (d);
    fc_forecast_adjust (d, &fcst,
                        cmd ("{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"commit\":3,"
                             "\"best_case\":2,\"note\":\"x\"}"),
                        &m);
    then_rejected (DBK_EINVAL, "best_case");
}

Test (adjust, a_closed_period_cannot_be_adjusted)
{
    GIVEN_F (fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts));
    fc_facts_t m = s_manager ("2026-07-02");
    fc_forecast_adjust (d, &fcst, cmd (S_ADJUST (80, 120)), &m);
    then_rejected (DBK_EREJECTED, "period");
}

/*  ======================= freeze ======================= */

Test (freeze, the_last_submission_before_the_start_is_frozen)
{
    GIVEN_F (fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts));
    facts.today = "2026-03-31";
    GIVEN_F (fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (120, 150, 400)), &facts));
    cr_assert (fcst.frozen.set);
    cr_assert_eq (fcst.frozen.commit, 120);
    cr_assert_eq (fcst.frozen.on, D ("2026-03-31"));
    cr_assert_eq (fcst.late, 0);
}

Test (freeze, a_late_revision_is_recorded_but_the_frozen_one_stays)
{
    GIVEN_F (fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts));
    facts.today = "2026-04-15";
    GIVEN_F (fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (60, 90, 300)), &facts));
    fc_facts_t m = s_manager ("2026-05-01");
    GIVEN_F (fc_forecast_adjust (d, &fcst, cmd (S_ADJUST (50, 70)), &m));
    cr_assert_eq (fcst.submitted.commit, 60, "the current submission is the late one");
    cr_assert_eq (fcst.adjusted.commit, 50);
    cr_assert_eq (fcst.frozen.commit, 100, "what was forecast at the start");
    cr_assert_not (fcst.frozen_adjusted.set, "the adjustment came late");
    cr_assert_eq (fcst.revisions, 3);
    cr_assert_eq (fcst.late, 2);
}

Test (freeze, a_first_submission_made_late_leaves_nothing_frozen)
{
    facts.today = "2026-04-02";
    GIVEN_F (fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts));
    cr_assert (fcst.exists);
    cr_assert (fcst.submitted.set);
    cr_assert_not (fcst.frozen.set);
}

Test (freeze, evolve_refuses_a_forecast_event_without_its_date_or_figures)
{
    cr_assert_eq (fc_forecast_evolve (&fcst, "forecast.submitted",
                                      cmd ("{\"owner\":\"wang\",\"period\":\"2026-Q2\","
                                           "\"currency\":\"CNY\",\"commit\":1,\"best_case\":1,"
                                           "\"pipeline\":1}")),
                  DBK_EMALFORMED);
    cr_assert_eq (fc_forecast_evolve (&fcst, "forecast.adjusted",
                                      cmd ("{\"owner\":\"wang\",\"period\":\"2026-Q2\","
                                           "\"currency\":\"CNY\",\"commit\":1,\"best_case\":1,"
                                           "\"pipeline\":1,\"on\":\"2026-01-01\"}")),
                  DBK_EMALFORMED, "an adjustment of nothing");
    cr_assert_eq (fc_forecast_evolve (&fcst, "forecast.other", cmd ("{}")), 0, "ignored");
    cr_assert_not (fcst.exists);
    cr_assert_eq (fc_quota_evolve (&quota, "quota.set", cmd ("{\"scope\":\"owner\"}")),
                  DBK_EMALFORMED);
}

/*  ======================= calendar and money ======================= */

Test (calendar, dates_round_trip_and_reject_impossible_days)
{
    char out[11];
    fc_day_format (D ("2024-02-29"), out);
    cr_assert_str_eq (out, "2024-02-29");
    cr_assert_eq (D ("2023-02-29"), 0);
    cr_assert_eq (D ("2026-13-01"), 0);
    cr_assert_eq (D ("2026-1-01"), 0);
    cr_assert_eq (D (NULL), 0);
    cr_assert_eq (D ("2026-03-01") - D ("2026-02-01"), 28);
    cr_assert_eq (D ("2025-01-01") - D ("2024-01-01"), 366);
    cr_assert_eq (fc_day_from_ms (86400000LL * 20000 + 5, 0), D ("2024-10-04"));
    cr_assert_eq (fc_day_from_ms (0, 0), 0);
    /*  the business day at an offset: a minute west of UTC it is still the day before */
    cr_assert_eq (fc_day_from_ms (86400000LL * 20000 + 5, -1), D ("2024-10-03"));
    cr_assert_eq (fc_day_from_ms (86400000LL * 20001 - 5, 600), D ("2024-10-05"));
    cr_assert_eq (fc_day_from_ms (253402300799999LL, 0), D ("9999-12-31"));
    cr_assert_eq (fc_day_from_ms (253402300799999LL, 1), 0, "10000-01-01 is no date");
    fc_day_format (0, out);
    cr_assert_str_eq (out, "");
}

Test (calendar, periods_parse_format_bound_and_shift)
{
    fc_period_t p;
    char s[FC_PERIOD_MAX + 1];
    cr_assert_eq (fc_period_parse ("2026-Q2", 7, &p), 0);
    cr_assert_eq (fc_period_start (&p), D ("2026-04-01"));
    cr_assert_eq (fc_period_end (&p), D ("2026-06-30"));
    fc_period_t q = fc_period_shift (&p, -2);
    fc_period_format (&q, s);
    cr_assert_str_eq (s, "2025-Q4");
    cr_assert_eq (fc_period_parse ("2024-02", 7, &p), 0);
    cr_assert_eq (fc_period_end (&p), D ("2024-02-29"));
    q = fc_period_shift (&p, 11);
    fc_period_format (&q, s);
    cr_assert_str_eq (s, "2025-01");
    cr_assert_eq (fc_period_parse ("2026", 4, &p), 0);
    cr_assert_eq (fc_period_end (&p), D ("2026-12-31"));
    fc_period_format (&p, s);
    cr_assert_str_eq (s, "2026");
    cr_assert_eq (fc_period_parse ("2026-Q0", 7, &p), DBK_EINVAL);
    cr_assert_eq (fc_period_parse ("2026-00", 7, &p), DBK_EINVAL);
    cr_assert_eq (fc_period_parse ("2026/04", 7, &p), DBK_EINVAL);
    cr_assert_eq (fc_period_parse ("0000", 4, &p), DBK_EINVAL);
}

Test (calendar, weighted_amounts_round_half_up_to_minor_units)
{
    cr_assert_eq (fc_weighted (1000, 25), 250);
    cr_assert_eq (fc_weighted (1, 50), 1, "0.5 rounds up");
    cr_assert_eq (fc_weighted (1, 25), 0, "0.25 rounds down");
    cr_assert_eq (fc_weighted (3, 50), 2, "1.5 rounds up");
    cr_assert_eq (fc_weighted (7, 90), 6, "6.3");
    cr_assert_eq (fc_weighted (-3, 50), -2, "half away from zero");
    cr_assert_eq (fc_weighted (FC_AMOUNT_MAX, 90), 900000000000000LL);
    cr_assert_eq (fc_permille (1, 3), 333);
    cr_assert_eq (fc_permille (2, 3), 667);
    cr_assert_eq (fc_permille (5, 0), -1);
    cr_assert_eq (fc_permille (FC_AMOUNT_MAX * 9, 1), FC_AMOUNT_MAX * 9000, "no overflow");
}

Test (calendar, stream_names_refuse_spaces_and_bad_periods)
{
    char s[200];
    cr_assert (fc_quota_stream ("team", "east", "2026-Q2", s, sizeof s));
    cr_assert_str_eq (s, "quota-2026-Q2.team.east");
    cr_assert_not (fc_quota_stream ("region", "east", "2026", s, sizeof s));
    cr_assert_not (fc_quota_stream ("team", "ea st", "2026", s, sizeof s));
    cr_assert_not (fc_forecast_stream ("wang", "2026-Q9", s, sizeof s));
    cr_assert (fc_forecast_stream ("wang.x", "2026", s, sizeof s));
    cr_assert_str_eq (s, "forecast-2026.wang.x");
    cr_assert_not (fc_forecast_stream ("wang", "2026", s, 10), "too small");
}

/*  ======================= decided events in the book ======================= */

Test (freeze, what_the_deciders_decide_the_book_folds)
{
    fc_facts_t m = s_manager ("2026-03-01");
    GIVEN_Q (fc_quota_set (d, &quota, cmd (S_QUOTA), &m));
    cr_assert_eq (fc_quota_set (d, NULL, cmd (S_QUOTA), &m), 0);
    feed_decided ();
    cr_assert_eq (fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts), 0);
    fc_forecast_evolve (&fcst, "forecast.submitted", payload (0));
    feed_decided ();
    fc_facts_t late = s_manager ("2026-04-03");
    cr_assert_eq (fc_forecast_adjust (d, &fcst, cmd (S_ADJUST (80, 120)), &late), 0);
    feed_decided ();
    fc_quota_t q;
    cr_assert_eq (fc_book_quota (book, "owner", "wang", "2026-Q2", &q), 0);
    cr_assert_eq (q.amount, 500000000);
    cr_assert_eq (q.on, D ("2026-03-01"));
    fc_forecast_t f;
    cr_assert_eq (fc_book_forecast (book, "wang", "2026-Q2", &f), 0);
    cr_assert_eq (f.frozen.commit, 100);
    cr_assert_eq (f.adjusted.commit, 80);
    cr_assert_not (f.frozen_adjusted.set);
    cr_assert_eq (f.late, 1);
    cr_assert_eq (fc_book_seq (book), 3);
}

Test (submit, a_resubmission_keeps_the_currency_of_the_forecast)
{
    cr_assert_eq (fc_forecast_submit (d, &fcst, cmd (S_SUBMIT (100, 150, 400)), &facts), 0);
    cr_assert_eq (fc_forecast_evolve (&fcst, dbk_decision_type (d, 0), payload (0)), 0);
    dbk_decision_reset (d);
    fc_forecast_submit (d, &fcst,
                        cmd ("{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":"
                             "\"USD\",\"commit\":100,\"best_case\":150,\"pipeline\":400}"),
                        &facts);
    then_rejected (DBK_EINVAL, "currency");
    then_message_mentions ("CNY");
}
