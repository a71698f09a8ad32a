/*  test_forecasting_figures.c - the figures of the forecasting book
    (forecasting.h, "the figures"), each checked against numbers computed
    by hand from one small book:

      deal owner team region amount     close       level / outcome
      o1   wang  east 华东   1,000,000  2026-05-20  L3 since 02-01, commit
      o2   wang  east 华东         333  2026-06-30  L2 since 01-20, best case
      o3   zhao  east 华北   2,000,000  2026-04-15  L4 since 02-20
      o4   li    west 华南     500,000  2026-07-10  L5 since 02-25, commit
      o5   wang  east 华东     800,000  2026-03-31  L2, won 750,000 on 04-10
      o6   zhao  east 华北     400,000  2026-05-01  L3, lost 05-05 (price, k1)

    weighted: o1 500,000; o2 83 (83.25); o3 1,500,000; o4 450,000;
    o5 750,000 (won); o6 0. wang's quota for 2026-Q2: 1,500,000 CNY;
    wang forecast Q2 on 03-01 commit 1,000,000 and, late, 700,000 on
    04-20. The log ends on 2026-07-02.
*/
#include "support/fc_given.h"

TestSuite (funnel, .init = s_setup, .fini = s_teardown);
TestSuite (outlook, .init = s_setup, .fini = s_teardown);
TestSuite (accuracy, .init = s_setup, .fini = s_teardown);
TestSuite (progress, .init = s_setup, .fini = s_teardown);
TestSuite (health, .init = s_setup, .fini = s_teardown);
TestSuite (winloss, .init = s_setup, .fini = s_teardown);
TestSuite (changes, .init = s_setup, .fini = s_teardown);

#define S_FORECAST(c, on)                                                                          \
    "{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":\"CNY\",\"commit\":" #c               \
    ",\"best_case\":" #c ",\"pipeline\":" #c ",\"on\":\"" on "\"}"

static void given_book (void)
{
    reg ("o5", "wang", "east", "华东", 800000, "2026-03-31", "2026-01-02");
    reg ("o6", "zhao", "east", "华北", 400000, "2026-05-01", "2026-01-03");
    reg ("o1", "wang", "east", "华东", 1000000, "2026-05-20", "2026-01-05");
    reg ("o2", "wang", "east", "华东", 333, "2026-06-30", "2026-01-10");
    reg ("o3", "zhao", "east", "华北", 2000000, "2026-04-15", "2026-01-15");
    level ("o2", 1, 2, "2026-01-20");
    level ("o5", 1, 2, "2026-01-20");
    level ("o1", 1, 3, "2026-02-01");
    level ("o6", 1, 3, "2026-02-01");
    reg ("o4", "li", "west", "华南", 500000, "2026-07-10", "2026-02-01");
    category ("o1", "commit", "2026-02-10");
    level ("o3", 1, 4, "2026-02-20");
    level ("o4", 1, 5, "2026-02-25");
    category ("o4", "commit", "2026-02-25");
    category ("o2", "best_case", "2026-02-26");
    feed ("quota.set", "{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q2\","
                       "\"amount\":1500000,\"currency\":\"CNY\",\"on\":\"2026-03-01\"}");
    feed ("forecast.submitted", S_FORECAST (1000000, "2026-03-01"));
    won ("o5", 750000, "2026-04-10");
    feed ("forecast.submitted", S_FORECAST (700000, "2026-04-20"));
    lost ("o6", "price", "k1", "2026-05-05");
    touch ("o4", "2026-07-02");
}

static void s_sum (fc_sum_t s, int64_t count, int64_t amount, int64_t weighted)
{
    cr_assert_eq (s.count, count, "count %lld", (long long) s.count);
    cr_assert_eq (s.amount, amount, "amount %lld", (long long) s.amount);
    cr_assert_eq (s.weighted, weighted, "weighted %lld", (long long) s.weighted);
}

/*  ======================= funnel ======================= */

Test (funnel, an_owner_in_a_quarter)
{
    given_book ();
    fc_funnel_t f = funnel_of (book, (fc_filter_t){.owner = "wang", .period = "2026-Q2"});
    cr_assert_str_eq (f.currency, "CNY");
    s_sum (f.level[1], 0, 0, 0);
    s_sum (f.level[2], 1, 333, 83);
    s_sum (f.level[3], 1, 1000000, 500000);
    s_sum (f.open, 2, 1000333, 500083);
    s_sum (f.commit, 1, 1000000, 500000);
    s_sum (f.best_case, 2, 1000333, 500083);
    s_sum (f.won, 1, 750000, 750000);
    s_sum (f.lost, 0, 0, 0);
}

Test (funnel, a_team_a_region_a_month_a_year_and_combinations)
{
    given_book ();
    fc_funnel_t f = funnel_of (book, (fc_filter_t){.team = "east", .period = "2026-Q2"});
    s_sum (f.open, 3, 3000333, 2000083);
    s_sum (f.level[4], 1, 2000000, 1500000);
    s_sum (f.lost, 1, 400000, 0);
    f = funnel_of (book, (fc_filter_t){.region = "华北"});
    s_sum (f.open, 1, 2000000, 1500000);
    s_sum (f.lost, 1, 400000, 0);
    f = funnel_of (book, (fc_filter_t){.period = "2026-05"});
    s_sum (f.open, 1, 1000000, 500000);
    s_sum (f.lost, 1, 400000, 0);
    f = funnel_of (book, (fc_filter_t){.period = "2026"});
    s_sum (f.open, 4, 3500333, 2450083);
    s_sum (f.level[5], 1, 500000, 450000);
    s_sum (f.won, 1, 750000, 750000);
    f = funnel_of (book, (fc_filter_t){.team = "east", .region = "华东", .period = "2026-06"});
    s_sum (f.open, 1, 333, 83);
    f = funnel_of (book, (fc_filter_t){.owner = "zhao", .team = "west"});
    s_sum (f.open, 0, 0, 0);
    cr_assert_str_eq (f.currency, "", "no deals: no currency");
    f = funnel_of (book, (fc_filter_t){.period = "2025"});
    s_sum (f.open, 0, 0, 0);
    f = funnel_of (book, (fc_filter_t){.owner = "li", .period = "2026-Q3"});
    s_sum (f.level[5], 1, 500000, 450000);
}

Test (funnel, the_won_deal_counts_in_the_period_of_its_win)
{
    given_book ();
    fc_funnel_t f = funnel_of (book, (fc_filter_t){.owner = "wang", .period = "2026-03"});
    s_sum (f.open, 0, 0, 0);
    s_sum (f.won, 0, 0, 0);
    f = funnel_of (book, (fc_filter_t){.owner = "wang", .period = "2026-04"});
    s_sum (f.won, 1, 750000, 750000);
}

Test (funnel, amounts_of_different_currencies_are_never_added)
{
    given_book ();
    feed ("opportunity.registered",
          "{\"id\":\"u1\",\"owner\":\"wang\",\"team\":\"east\",\"currency\":\"USD\","
          "\"close_date\":\"2026-05-02\",\"amount\":100,\"level\":1,\"on\":\"2026-07-02\"}");
    fc_funnel_t f;
    fc_filter_t all = {.owner = "wang", .period = "2026-Q2"};
    cr_assert_eq (fc_funnel (book, &all, &f), DBK_EREJECTED);
    char cur[4][4];
    cr_assert_eq (fc_currencies (book, &all, cur, 4), 2);
    cr_assert_str_eq (cur[0], "CNY");
    cr_assert_str_eq (cur[1], "USD");
    all.currency = "USD";
    f = funnel_of (book, all);
    s_sum (f.open, 1, 100, 10);
    all.currency = "CNY";
    f = funnel_of (book, all);
    s_sum (f.open, 2, 1000333, 500083);
    all.currency = "EURO";
    cr_assert_eq (fc_funnel (book, &all, &f), DBK_EINVAL);
    all = (fc_filter_t){.period = "2026-Q9"};
    cr_assert_eq (fc_funnel (book, &all, &f), DBK_EINVAL);
}

Test (funnel, a_book_holds_the_currencies_of_its_deals_whoever_owns_them)
{
    /*  a code the ISO table dropped (HRK) is still asked for when a log
        written before holds a deal in it: the query asks the book */
    given_book ();
    feed ("opportunity.registered",
          "{\"id\":\"h1\",\"owner\":\"zhao\",\"team\":\"west\",\"currency\":\"HRK\","
          "\"close_date\":\"2019-05-02\",\"amount\":100,\"level\":1,\"on\":\"2019-01-02\"}");
    cr_assert_eq (fc_holds_currency (book, "HRK"), 1);
    cr_assert_eq (fc_holds_currency (book, "CNY"), 1);
    cr_assert_eq (fc_holds_currency (book, "XYZ"), 0);
    cr_assert_eq (fc_holds_currency (book, "USD"), 0);
}

Test (funnel, duplicates_and_abandoned_deals)
{
    given_book ();
    feed ("opportunity.conflict_resolved",
          "{\"id\":\"o2\",\"with\":\"o1\",\"owner\":\"wang\",\"outcome\":\"closed\","
          "\"on\":\"2026-07-02\"}");
    feed ("opportunity.abandoned", "{\"id\":\"o1\",\"reason\":\"x\",\"date\":\"2026-06-01\"}");
    fc_funnel_t f = funnel_of (book, (fc_filter_t){.owner = "wang", .period = "2026-Q2"});
    s_sum (f.open, 0, 0, 0);
    s_sum (f.abandoned, 1, 1000000, 0);
    s_sum (f.won, 1, 750000, 750000);
}

/*  ======================= forecast against quota ======================= */

Test (outlook, an_owner_against_the_quota_of_the_quarter)
{
    given_book ();
    fc_outlook_t o;
    fc_filter_t f = {.owner = "wang", .period = "2026-Q2"};
    cr_assert_eq (fc_forecast_outlook (book, &f, &o), 0);
    cr_assert_str_eq (o.currency, "CNY");
    cr_assert_eq (o.pipeline, 1000333);
    cr_assert_eq (o.weighted, 500083);
    cr_assert_eq (o.commit, 1000000);
    cr_assert_eq (o.best_case, 1000333);
    cr_assert_eq (o.won, 750000);
    cr_assert_eq (o.projected, 1250083);
    cr_assert (o.has_quota);
    cr_assert_eq (o.quota, 1500000);
    cr_assert_eq (o.remaining, 750000);
    cr_assert_eq (o.attainment_pm, 500);
    cr_assert_eq (o.coverage_pm, 1334, "1,000,333 / 750,000 = 1.33378");
}

Test (outlook, a_deal_omitted_stays_in_the_funnel_but_not_in_the_forecast)
{
    given_book ();
    category ("o2", "omitted", "2026-03-02");
    fc_funnel_t fu = funnel_of (book, (fc_filter_t){.owner = "wang", .period = "2026-Q2"});
    s_sum (fu.level[2], 1, 333, 83);
    s_sum (fu.omitted, 1, 333, 83);
    fc_outlook_t o;
    fc_filter_t f = {.owner = "wang", .period = "2026-Q2"};
    cr_assert_eq (fc_forecast_outlook (book, &f, &o), 0);
    cr_assert_eq (o.pipeline, 1000000);
    cr_assert_eq (o.weighted, 500000);
    cr_assert_eq (o.projected, 1250000);
    cr_assert_eq (o.best_case, 1000000, "omitted is no longer best case");
    cr_assert_eq (o.coverage_pm, 1333, "1,000,000 / 750,000");
}

Test (funnel, a_reopened_deal_has_no_category_until_it_is_set_again)
{
    given_book ();
    lost ("o1", "price", "k1", "2026-03-01");
    feed ("opportunity.reopened",
          "{\"id\":\"o1\",\"from\":\"lost\",\"reason\":\"re-tendered\",\"on\":\"2026-03-05\"}");
    fc_funnel_t f = funnel_of (book, (fc_filter_t){.owner = "wang", .period = "2026-Q2"});
    s_sum (f.level[1], 1, 1000000, 100000);
    s_sum (f.commit, 0, 0, 0);
    category ("o1", "commit", "2026-03-06");
    f = funnel_of (book, (fc_filter_t){.owner = "wang", .period = "2026-Q2"});
    s_sum (f.commit, 1, 1000000, 100000);
}

Test (outlook, a_quarter_takes_the_sum_of_its_month_quotas)
{
    given_book ();
    const char *months[] = {"2026-04", "2026-05", "2026-06"};
    for (int i = 0; i < 3; i++) {
        char json[300];
        snprintf (json, sizeof json,
                  "{\"scope\":\"team\",\"who\":\"east\",\"period\":\"%s\",\"amount\":1000000,"
                  "\"currency\":\"CNY\",\"on\":\"2026-07-02\"}",
                  months[i]);
        feed ("quota.set", json);
    }
    fc_outlook_t o;
    fc_filter_t f = {.team = "east", .period = "2026-Q2"};
    cr_assert_eq (fc_forecast_outlook (book, &f, &o), 0);
    cr_assert (o.has_quota);
    cr_assert_eq (o.quota, 3000000);
    cr_assert_eq (o.remaining, 2250000);
    cr_assert_eq (o.coverage_pm, 1333, "3,000,333 / 2,250,000 = 1.33348");
    f.period = "2026";
    cr_assert_eq (fc_forecast_outlook (book, &f, &o), 0);
    cr_assert_not (o.has_quota, "Q1, Q3, Q4 have none");
    cr_assert_eq (o.coverage_pm, -1);
}

Test (outlook, without_a_quota_or_in_another_currency_there_is_no_coverage)
{
    given_book ();
    fc_outlook_t o;
    fc_filter_t f = {.owner = "zhao", .period = "2026-Q2"};
    cr_assert_eq (fc_forecast_outlook (book, &f, &o), 0);
    cr_assert_not (o.has_quota);
    cr_assert_eq (o.attainment_pm, -1);
    cr_assert_eq (o.pipeline, 2000000);
    feed ("quota.set", "{\"scope\":\"owner\",\"who\":\"zhao\",\"period\":\"2026-Q2\","
                       "\"amount\":10,\"currency\":\"USD\",\"on\":\"2026-07-02\"}");
    cr_assert_eq (fc_forecast_outlook (book, &f, &o), 0);
    cr_assert_not (o.has_quota);
    f.period = NULL;
    cr_assert_eq (fc_forecast_outlook (book, &f, &o), DBK_EINVAL, "a period is required");
}

Test (outlook, a_quota_met_leaves_nothing_to_cover)
{
    given_book ();
    feed ("quota.set", "{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-04\","
                       "\"amount\":700000,\"currency\":\"CNY\",\"on\":\"2026-07-02\"}");
    fc_outlook_t o;
    fc_filter_t f = {.owner = "wang", .period = "2026-04"};
    cr_assert_eq (fc_forecast_outlook (book, &f, &o), 0);
    cr_assert_eq (o.remaining, 0);
    cr_assert_eq (o.attainment_pm, 1071, "750,000 / 700,000");
    cr_assert_eq (o.coverage_pm, -1);
}

/*  ======================= accuracy ======================= */

Test (accuracy, won_against_the_frozen_forecast_and_the_snapshot)
{
    given_book ();
    fc_accuracy_t a;
    cr_assert_eq (fc_accuracy (book, "wang", "2026-Q2", NULL, 0, &a), 0);
    cr_assert_str_eq (a.period, "2026-Q2");
    cr_assert (a.closed);
    cr_assert_eq (a.won, 750000);
    cr_assert (a.has_forecast);
    cr_assert_not (a.adjusted);
    cr_assert_eq (a.forecast, 1000000, "the frozen submission, not the late 700,000");
    cr_assert_eq (a.forecast_ratio_pm, 750);
    cr_assert_eq (a.forecast_accuracy_pm, 750);
    cr_assert (a.has_snapshot);
    cr_assert_eq (a.snapshot_weighted, 500083);
    cr_assert_eq (a.snapshot_ratio_pm, 1500, "750,000 / 500,083 = 1.49975");
    cr_assert_eq (a.snapshot_accuracy_pm, 500, "error 249,917 / 500,083 = 0.49975");
}

Test (accuracy, an_adjustment_in_force_at_the_start_is_used)
{
    given_book ();
    /* recorded after the fact but dated before the start: in force */
    feed ("forecast.adjusted",
          "{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":\"CNY\",\"commit\":750000,"
          "\"best_case\":750000,\"pipeline\":1,\"note\":\"n\",\"on\":\"2026-03-15\"}");
    fc_accuracy_t a;
    cr_assert_eq (fc_accuracy (book, "wang", "2026-Q2", "CNY", 0, &a), 0);
    cr_assert (a.adjusted);
    cr_assert_eq (a.forecast, 750000);
    cr_assert_eq (a.forecast_accuracy_pm, 1000);
}

Test (accuracy, a_trend_over_quarters_oldest_first)
{
    given_book ();
    fc_accuracy_t t[3];
    cr_assert_eq (fc_accuracy_trend (book, "wang", "2026-Q2", "CNY", 0, t, 3), 0);
    cr_assert_str_eq (t[0].period, "2025-Q4");
    cr_assert_str_eq (t[1].period, "2026-Q1");
    cr_assert_str_eq (t[2].period, "2026-Q2");
    cr_assert_not (t[0].has_forecast);
    cr_assert_not (t[1].has_snapshot, "Q1 began before the first event");
    cr_assert_eq (t[1].won, 0);
    cr_assert_eq (t[1].forecast_accuracy_pm, -1);
    cr_assert (t[1].closed);
    cr_assert_eq (t[2].forecast_accuracy_pm, 750);
}

Test (accuracy, an_open_period_is_not_closed_and_zero_forecasts_are_undefined)
{
    given_book ();
    fc_accuracy_t a;
    cr_assert_eq (fc_accuracy (book, "li", "2026-Q3", NULL, 0, &a), 0);
    cr_assert_not (a.closed);
    cr_assert (a.has_snapshot, "Q3 began on 07-02");
    cr_assert_eq (a.snapshot_weighted, 450000);
    cr_assert_eq (a.snapshot_ratio_pm, 0);
    cr_assert_eq (a.snapshot_accuracy_pm, 0);
    cr_assert_eq (fc_accuracy (book, "li", "Q3", NULL, 0, &a), DBK_EINVAL);
}

Test (accuracy, a_period_not_begun_has_no_frozen_forecast_and_no_accuracy_yet)
{
    given_book ();
    feed ("forecast.submitted",
          "{\"owner\":\"wang\",\"period\":\"2026-Q4\",\"currency\":\"CNY\",\"commit\":500,"
          "\"best_case\":600,\"pipeline\":700,\"on\":\"2026-07-02\"}");
    fc_accuracy_t t[3];
    cr_assert_eq (fc_accuracy_trend (book, "wang", "2026-Q4", NULL, D ("2026-07-02"), t, 3), 0);
    cr_assert (t[0].begun && t[1].begun, "Q2 and Q3 began before 07-02");
    cr_assert_eq (t[0].forecast_accuracy_pm, 750, "a past period as before");
    fc_accuracy_t *q4 = &t[2];
    cr_assert_str_eq (q4->period, "2026-Q4");
    cr_assert_not (q4->begun);
    cr_assert_not (q4->closed);
    cr_assert_not (q4->has_forecast, "the submission is not frozen before the period begins");
    cr_assert_eq (q4->forecast, 0);
    cr_assert_eq (q4->forecast_ratio_pm, -1);
    cr_assert_eq (q4->forecast_accuracy_pm, -1, "no accuracy yet, not 0%%");
    cr_assert_not (q4->has_snapshot);
    cr_assert_eq (q4->snapshot_accuracy_pm, -1);
    /* on its first day the submission made before it is frozen */
    fc_accuracy_t a;
    cr_assert_eq (fc_accuracy (book, "wang", "2026-Q4", NULL, D ("2026-10-01"), &a), 0);
    cr_assert (a.begun);
    cr_assert (a.has_forecast);
    cr_assert_eq (a.forecast, 500);
    cr_assert_eq (a.forecast_accuracy_pm, 0, "nothing won yet");
}

Test (accuracy, a_period_begins_on_its_first_day_or_once_the_book_saw_it_begin)
{
    given_book ();
    fc_period_t p;
    cr_assert_eq (fc_period_parse ("2026-10", 7, &p), 0);
    cr_assert_not (fc_period_begun (book, &p, D ("2026-09-30")));
    cr_assert (fc_period_begun (book, &p, D ("2026-10-01")));
    cr_assert_not (fc_period_begun (book, &p, 0), "the book's clock is 07-02");
    cr_assert_eq (fc_period_parse ("2026-Q3", 7, &p), 0);
    cr_assert (fc_period_begun (book, &p, 0));
    cr_assert (fc_period_begun (book, &p, D ("2026-06-01")), "the book saw Q3 begin on 07-02");
}

/*  ======================= progress ======================= */

Test (progress, conversion_days_in_level_win_rate_and_stuck_deals)
{
    given_book ();
    fc_ref_t refs[8];
    fc_progress_t p = {.stuck = {refs, 8, 0}};
    cr_assert_eq (fc_progress (book, NULL, 0, &p), 0);
    cr_assert_eq (p.deals, 6);
    int64_t reached[] = {0, 6, 6, 4, 2, 1};
    for (int l = 1; l <= 5; l++)
        cr_assert_eq (p.reached[l], reached[l], "L%d", l);
    cr_assert_eq (p.next_pm[1], 1000);
    cr_assert_eq (p.next_pm[2], 667);
    cr_assert_eq (p.next_pm[3], 500);
    cr_assert_eq (p.next_pm[4], 500);
    cr_assert_eq (p.won_pm[1], 167);
    cr_assert_eq (p.won_pm[2], 167);
    cr_assert_eq (p.won_pm[3], 0);
    cr_assert_eq (p.won, 1);
    cr_assert_eq (p.lost, 1);
    cr_assert_eq (p.win_rate_pm, 500);
    /* L1 stays 10 18 24 27 29 36; L2 80 163; L3 93 151; L4 132; L5 127 */
    cr_assert_eq (p.stays[1], 6);
    cr_assert_eq (p.median_days[1], 24);
    cr_assert_eq (p.p90_days[1], 36);
    cr_assert_eq (p.median_days[2], 80);
    cr_assert_eq (p.p90_days[2], 163);
    cr_assert_eq (p.median_days[3], 93);
    cr_assert_eq (p.p90_days[3], 151);
    cr_assert_eq (p.median_days[4], 132);
    cr_assert_eq (p.median_days[5], 127);
    cr_assert_eq (p.stuck.n, 4, "o1 o2 o3 o4");
    cr_assert_eq (p.slips, 0);
    cr_assert_eq (p.slipped_pm, 0);
}

Test (progress, as_of_an_earlier_day_and_filtered)
{
    given_book ();
    fc_ref_t refs[1];
    fc_progress_t p = {.stuck = {refs, 1, 0}};
    cr_assert_eq (fc_progress (book, &(fc_filter_t){.owner = "wang"}, D ("2026-02-15"), &p), 0);
    cr_assert_eq (p.deals, 3);
    /* on 02-15: o1 L3 for 14 days (<= 21), o2 L2 for 26 (<= 30) */
    cr_assert_eq (p.stuck.n, 0);
    /* as_of only moves the day measured against: o6 is lost today */
    cr_assert_eq (fc_progress (book, &(fc_filter_t){.owner = "zhao"}, D ("2026-03-10"), &p), 0);
    cr_assert_eq (p.stuck.n, 1, "o3 L4 18 days > 14");
    /* the book as it was on 03-10 also has o6 open at L3 for 37 days */
    fc_store_t *st;
    fc_book_t *then = replay (1000, D ("2026-03-10"), &st);
    cr_assert_eq (fc_progress (then, &(fc_filter_t){.owner = "zhao"}, D ("2026-03-10"), &p), 0);
    cr_assert_eq (p.stuck.n, 2, "o3 and o6 (L3 37 days > 21)");
    cr_assert_eq (p.won + p.lost, 0);
    cr_assert_str_eq (refs[0].id, "o3", "only the room given is written");
    cr_assert_eq (refs[0].days, 18);
    cr_assert_eq (refs[0].level, 4);
    fc_book_destroy (&then);
    fc_mem_store_destroy (&st);
}

Test (progress, slipped_close_dates_and_how_often)
{
    given_book ();
    close_date ("o1", "2026-06-20", "2026-07-02");
    close_date ("o1", "2026-08-20", "2026-07-02");
    close_date ("o2", "2026-06-01", "2026-07-02"); /* earlier: not a slip */
    fc_progress_t p = {0};
    cr_assert_eq (fc_progress (book, NULL, 0, &p), 0);
    cr_assert_eq (p.slips, 2);
    cr_assert_eq (p.slipped_deals, 1);
    cr_assert_eq (p.slipped_pm, 167);
}

/*  ======================= health ======================= */

Test (health, the_four_principles_with_their_failing_deals)
{
    given_book ();
    fc_ref_t stale[8], due[8], stuck[8];
    fc_health_t h = {.stale = {stale, 8, 0}, .past_due = {due, 8, 0}, .stuck = {stuck, 8, 0}};
    cr_assert_eq (fc_health (book, &(fc_filter_t){.team = "east"}, 0, 30, &h), 0);
    cr_assert_eq (h.open, 3, "o1 o2 o3");
    cr_assert_not (h.fresh);
    cr_assert_eq (h.stale.n, 3);
    cr_assert_not (h.clean);
    cr_assert_eq (h.past_due.n, 3);
    cr_assert_not (h.moving);
    cr_assert_not (h.balanced, "nothing at L1 or L5");
    cr_assert_eq (h.level_count[2], 1);
    cr_assert_eq (h.coverage_pm, -1);
    /* the deals come in id order: o1 last changed 02-10, closes 05-20 */
    cr_assert_str_eq (stale[0].id, "o1");
    cr_assert_eq (stale[0].days, 142);
    cr_assert_str_eq (due[0].id, "o1");
    cr_assert_eq (due[0].days, 43);
}

Test (health, a_healthy_funnel_passes_every_check)
{
    const char *ids[] = {"h1", "h2", "h3", "h4", "h5"};
    for (int l = 1; l <= 5; l++) {
        reg (ids[l - 1], "wang", "east", "华东", 1000000, "2026-05-31", "2026-04-01");
        if (l > 1)
            level (ids[l - 1], 1, l, "2026-04-05");
    }
    feed ("quota.set", "{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q2\","
                       "\"amount\":1000000,\"currency\":\"CNY\",\"on\":\"2026-04-01\"}");
    fc_health_t h = {0};
    fc_filter_t f = {.owner = "wang", .period = "2026-Q2"};
    cr_assert_eq (fc_health (book, &f, D ("2026-04-15"), 14, &h), 0);
    cr_assert (h.fresh && h.clean && h.moving && h.balanced);
    cr_assert_eq (h.coverage_pm, 5000);
    /* coverage below 3x: not balanced */
    feed ("quota.set", "{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q2\","
                       "\"amount\":2000000,\"currency\":\"CNY\",\"on\":\"2026-04-02\"}");
    cr_assert_eq (fc_health (book, &f, D ("2026-04-15"), 14, &h), 0);
    cr_assert_eq (h.coverage_pm, 2500);
    cr_assert_not (h.balanced);
    cr_assert_eq (h.stale.n, 0, "no room given, still counted: none");
    /* on 05-05: L1 34 days > 30, L2 30 (not > 30), L3 30 > 21, L4 and L5
       30 > 14 */
    cr_assert_eq (fc_health (book, &f, D ("2026-05-05"), 14, &h), 0);
    cr_assert_not (h.moving);
    cr_assert_eq (h.stuck.n, 4);
    cr_assert_not (h.fresh);
}

Test (health, a_deal_held_or_dropped_keeps_the_funnel_from_being_clean)
{
    /*  Given a funnel that passes every check on 04-15
        When a qualification decides drop for h3 on 04-10, and hold for h2
        Then the funnel is not clean: both are still weighted at their
        level, and HEALTH lists them (drop, hold) with the days since;
        a later qualification to pursue, or closing the deal, clears it */
    const char *ids[] = {"h1", "h2", "h3", "h4", "h5"};
    for (int l = 1; l <= 5; l++) {
        reg (ids[l - 1], "wang", "east", "华东", 1000000, "2026-05-31", "2026-04-01");
        if (l > 1)
            level (ids[l - 1], 1, l, "2026-04-05");
    }
    fc_ref_t np[4];
    fc_health_t h = {.not_pursued = {np, 4, 0}};
    fc_filter_t f = {.owner = "wang"};
    cr_assert_eq (fc_health (book, &f, D ("2026-04-15"), 14, &h), 0);
    cr_assert (h.clean);
    feed ("opportunity.qualified", "{\"id\":\"h3\",\"decision\":\"drop\",\"on\":\"2026-04-10\"}");
    feed ("opportunity.qualified", "{\"id\":\"h2\",\"decision\":\"hold\",\"on\":\"2026-04-12\"}");
    cr_assert_eq (deal_of ("h3").pursuit, FC_DROP, "kept through the store");
    cr_assert_eq (fc_health (book, &f, D ("2026-04-15"), 14, &h), 0);
    cr_assert_not (h.clean);
    cr_assert_eq (h.past_due.n, 0, "not for a close date");
    cr_assert_eq (h.not_pursued.n, 2);
    cr_assert_str_eq (np[0].id, "h2");
    cr_assert_eq (np[0].pursuit, FC_HOLD);
    cr_assert_eq (np[0].days, 3);
    cr_assert_str_eq (np[1].id, "h3");
    cr_assert_eq (np[1].pursuit, FC_DROP);
    cr_assert_eq (np[1].days, 5);
    cr_assert_eq (np[1].level, 3, "still at its level");
    feed ("opportunity.qualified", "{\"id\":\"h2\",\"decision\":\"pursue\",\"on\":\"2026-04-13\"}");
    feed ("opportunity.abandoned",
          "{\"id\":\"h3\",\"reason\":\"no budget\",\"on\":\"2026-04-14\"}");
    cr_assert_eq (fc_health (book, &f, D ("2026-04-15"), 14, &h), 0);
    cr_assert_eq (h.not_pursued.n, 0);
    cr_assert (h.clean);
}

/*  ======================= win / loss ======================= */

Test (winloss, by_reason_competitor_region_and_tender_type)
{
    given_book ();
    lost ("o3", "relationship", NULL, "2026-06-01");
    fc_wl_row_t r[4];
    cr_assert_eq (fc_winloss (book, NULL, FC_BY_REASON, r, 4), 3);
    cr_assert_str_eq (r[0].key, "");
    cr_assert_eq (r[0].won, 1);
    cr_assert_eq (r[0].won_amount, 750000);
    cr_assert_str_eq (r[1].key, "price");
    cr_assert_eq (r[1].lost, 1);
    cr_assert_eq (r[1].lost_amount, 400000);
    cr_assert_str_eq (r[2].key, "relationship");
    cr_assert_eq (r[2].lost_amount, 2000000);
    cr_assert_eq (fc_winloss (book, NULL, FC_BY_COMPETITOR, r, 4), 2);
    cr_assert_str_eq (r[1].key, "k1");
    cr_assert_eq (r[0].lost, 1, "o3's winner is unknown");
    cr_assert_eq (fc_winloss (book, NULL, FC_BY_REGION, r, 4), 2);
    cr_assert_str_eq (r[0].key, "华东");
    cr_assert_str_eq (r[1].key, "华北");
    cr_assert_eq (r[1].lost, 2);
    cr_assert_eq (fc_winloss (book, NULL, FC_BY_TENDER_TYPE, r, 4), 1);
    cr_assert_eq (r[0].won + r[0].lost, 3);
    cr_assert_eq (fc_winloss (book, &(fc_filter_t){.period = "2026-05"}, FC_BY_REASON, r, 1), 1);
    cr_assert_str_eq (r[0].key, "price");
}

Test (winloss, won_deals_are_grouped_under_the_reason_they_were_won)
{
    given_book (); /* o5 won without a reason, o6 lost on price */
    feed ("opportunity.won", "{\"id\":\"o1\",\"amount\":900000,\"date\":\"2026-05-02\","
                             "\"reason\":\"技术方案领先\",\"on\":\"2026-05-02\"}");
    feed ("opportunity.won", "{\"id\":\"o2\",\"amount\":300,\"date\":\"2026-05-03\","
                             "\"reason\":\"price\",\"tender_id\":\"t2\",\"on\":\"2026-05-03\"}");
    fc_wl_row_t r[4];
    cr_assert_eq (fc_winloss (book, NULL, FC_BY_REASON, r, 4), 3);
    cr_assert_str_eq (r[0].key, "", "a win without a reason");
    cr_assert_eq (r[0].won, 1);
    cr_assert_eq (r[0].won_amount, 750000);
    cr_assert_str_eq (r[1].key, "price", "won on price once, lost on it once");
    cr_assert_eq (r[1].won, 1);
    cr_assert_eq (r[1].won_amount, 300);
    cr_assert_eq (r[1].lost, 1);
    cr_assert_str_eq (r[2].key, "技术方案领先");
    cr_assert_eq (r[2].won, 1);
    cr_assert_eq (r[2].won_amount, 900000);
    /*  by competitor a won deal has no winner to name: one row "" */
    cr_assert_eq (fc_winloss (book, NULL, FC_BY_COMPETITOR, r, 4), 2);
    cr_assert_str_eq (r[0].key, "");
    cr_assert_eq (r[0].won, 3);
}

Test (winloss, a_tender_type_when_the_outcome_tells_it)
{
    given_book ();
    feed ("opportunity.lost", "{\"id\":\"o1\",\"reason\":\"price\",\"date\":\"2026-06-01\","
                              "\"tender_type\":\"public\"}");
    fc_wl_row_t r[4];
    cr_assert_eq (fc_winloss (book, NULL, FC_BY_TENDER_TYPE, r, 4), 2);
    cr_assert_str_eq (r[1].key, "public");
    cr_assert_eq (r[1].lost, 1);
}

/*  A competitor of the contacts service, added or renamed. */
static void s_rival (const char *type, const char *id, const char *name)
{
    char json[300];
    snprintf (json, sizeof json, "{\"id\":\"%s\",\"name\":\"%s\"}", id, name);
    feed (type, json);
}

Test (winloss, a_competitor_typed_by_id_and_named_by_an_award_is_one_row)
{
    given_book (); /* o6 lost to k1 (its id, as OPP_LOSE is typed) */
    s_rival ("competitor.added", "k1", "Philips Lighting");
    lost ("o3", "price", "PHILIPS  lighting", "2026-06-01"); /* an award's bidder name */
    lost ("o1", "price", "Opple", "2026-06-02");             /* no competitor of ours */
    fc_wl_row_t r[4];
    cr_assert_eq (fc_winloss (book, NULL, FC_BY_COMPETITOR, r, 4), 3);
    cr_assert_str_eq (r[0].key, "");
    cr_assert_eq (r[0].won, 1, "a won deal keeps the empty key");
    cr_assert_str_eq (r[1].key, "Opple");
    cr_assert_eq (r[1].lost, 1);
    cr_assert_str_eq (r[2].key, "Philips Lighting", "the competitor's name");
    cr_assert_eq (r[2].lost, 2);
    cr_assert_eq (r[2].lost_amount, 2400000);
}

Test (winloss, each_row_names_its_competitor_s_id_and_the_rest_none)
{
    given_book ();
    s_rival ("competitor.added", "k1", "Philips Lighting");
    lost ("o3", "price", "philips lighting", "2026-06-01");
    lost ("o1", "price", "Opple", "2026-06-02");
    fc_wl_row_t r[4];
    cr_assert_eq (fc_winloss (book, NULL, FC_BY_COMPETITOR, r, 4), 3);
    cr_assert_str_eq (r[0].competitor, "");
    cr_assert_str_eq (r[1].competitor, "", "Opple is nobody we know");
    cr_assert_str_eq (r[2].competitor, "k1");
    cr_assert_eq (fc_winloss (book, NULL, FC_BY_REASON, r, 4), 2);
    cr_assert_str_eq (r[1].key, "price");
    cr_assert_str_eq (r[1].competitor, "", "only by competitor");
    char id[FC_ID_MAX + 1], name[FC_TEXT_MAX + 1];
    cr_assert_eq (fc_book_competitor (book, "k1", id, name), 0);
    cr_assert_str_eq (name, "Philips Lighting");
    cr_assert_eq (fc_book_competitor (book, "Philips-Lighting!", id, name), 0);
    cr_assert_str_eq (id, "k1");
    cr_assert_eq (fc_book_competitor (book, "Philips", id, name), DBK_ENOTFOUND);
    cr_assert_eq (fc_book_competitor (book, "", id, name), DBK_ENOTFOUND);
    cr_assert_eq (fc_book_competitor (book, "K1", id, name), DBK_ENOTFOUND, "ids are exact");
}

Test (winloss, a_renamed_competitor_keeps_the_losses_its_former_name_won)
{
    given_book ();
    s_rival ("competitor.added", "k1", "Philips Lighting");
    lost ("o3", "price", "Philips Lighting", "2026-06-01");
    s_rival ("competitor.updated", "k1", "Signify");
    fc_wl_row_t r[4];
    cr_assert_eq (fc_winloss (book, NULL, FC_BY_COMPETITOR, r, 4), 2);
    cr_assert_str_eq (r[1].key, "Signify", "its current name");
    cr_assert_str_eq (r[1].competitor, "k1");
    cr_assert_eq (r[1].lost, 2);
    /* the name taken by another competitor: it names that one now */
    s_rival ("competitor.added", "k2", "Philips Lighting");
    cr_assert_eq (fc_winloss (book, NULL, FC_BY_COMPETITOR, r, 4), 3);
    cr_assert_str_eq (r[1].key, "Philips Lighting");
    cr_assert_str_eq (r[1].competitor, "k2");
    cr_assert_eq (r[1].lost, 1);
    cr_assert_str_eq (r[2].competitor, "k1");
    cr_assert_eq (r[2].lost, 1);
}

Test (winloss, a_name_two_competitors_share_stays_a_row_of_its_own)
{
    given_book ();
    s_rival ("competitor.added", "k1", "Acme");
    s_rival ("competitor.added", "k2", "ACME");
    lost ("o3", "price", "acme", "2026-06-01");
    fc_wl_row_t r[4];
    cr_assert_eq (fc_winloss (book, NULL, FC_BY_COMPETITOR, r, 4), 3);
    cr_assert_str_eq (r[1].key, "Acme");
    cr_assert_str_eq (r[1].competitor, "k1", "o6, lost to k1 by its id");
    cr_assert_str_eq (r[2].key, "acme");
    cr_assert_str_eq (r[2].competitor, "", "which of the two is not known");
}

/*  ======================= what changed ======================= */

Test (changes, per_owner_between_two_dates)
{
    given_book ();
    fc_change_row_t r[4];
    cr_assert_eq (fc_changes (book, NULL, D ("2026-01-31"), D ("2026-02-28"), r, 4), 3);
    cr_assert_str_eq (r[0].owner, "li");
    cr_assert_eq (r[0].added, 1);
    cr_assert_eq (r[0].added_amount, 500000);
    cr_assert_eq (r[0].amount_delta, 500000);
    cr_assert_eq (r[0].advanced, 1);
    cr_assert_str_eq (r[1].owner, "wang");
    cr_assert_eq (r[1].advanced, 1);
    cr_assert_eq (r[1].added, 0);
    cr_assert_str_eq (r[2].owner, "zhao");
    cr_assert_eq (r[2].advanced, 2);
    cr_assert_eq (fc_changes (book, NULL, D ("2026-03-31"), D ("2026-05-31"), r, 4), 2);
    cr_assert_eq (r[0].won, 1);
    cr_assert_eq (r[0].won_amount, 750000);
    cr_assert_eq (r[1].lost, 1);
}

Test (changes, slips_and_amount_changes_are_counted)
{
    given_book ();
    close_date ("o1", "2026-09-30", "2026-07-02");
    amount ("o1", 1200000, "2026-07-02");
    amount ("o2", 300, "2026-07-02");
    level ("o3", 4, 3, "2026-07-02");
    fc_change_row_t r[4];
    cr_assert_eq (
        fc_changes (book, &(fc_filter_t){.team = "east"}, D ("2026-07-01"), D ("2026-07-02"), r, 4),
        2);
    cr_assert_str_eq (r[0].owner, "wang");
    cr_assert_eq (r[0].slipped, 1);
    cr_assert_eq (r[0].amount_delta, 200000 - 33);
    cr_assert_str_eq (r[1].owner, "zhao");
    cr_assert_eq (r[1].advanced, 0, "a move down is not an advance");
    cr_assert_eq (
        fc_changes (book, &(fc_filter_t){.team = "east"}, D ("2026-07-02"), D ("2026-07-02"), r, 4),
        2, "both days are included: one day's changes");
    cr_assert_eq (fc_changes (book, NULL, D ("2026-07-03"), D ("2026-07-10"), r, 4), 0,
                  "nothing after");
}

/*  ======================= edges ======================= */

Test (progress, a_reopened_deal_starts_a_new_stay_and_duplicates_are_left_out)
{
    reg ("r1", "wang", "east", "华东", 1000, "2026-06-30", "2026-01-01");
    level ("r1", 1, 2, "2026-01-11");
    lost ("r1", "price", NULL, "2026-01-21");
    feed ("opportunity.reopened",
          "{\"id\":\"r1\",\"from\":\"lost\",\"reason\":\"again\",\"on\":\"2026-02-01\"}");
    level ("r1", 1, 3, "2026-02-11");
    reg ("r2", "wang", "east", "华东", 1000, "2026-06-30", "2026-01-01");
    feed ("opportunity.conflict_resolved",
          "{\"id\":\"r2\",\"with\":\"r1\",\"owner\":\"wang\",\"outcome\":\"closed\","
          "\"on\":\"2026-01-02\"}");
    fc_progress_t p = {0};
    cr_assert_eq (fc_progress (book, NULL, D ("2026-02-21"), &p), 0);
    cr_assert_eq (p.deals, 1, "the duplicate is not a deal of its own");
    cr_assert_eq (p.stays[1], 2, "before and after the reopening");
    cr_assert_eq (p.median_days[1], 10);
    cr_assert_eq (p.p90_days[1], 10);
    cr_assert_eq (p.stays[2], 1);
    cr_assert_eq (p.median_days[2], 10);
    cr_assert_eq (p.median_days[3], 10, "the current stay, up to as_of");
    cr_assert_eq (p.median_days[4], -1, "no stay measured");
    cr_assert_eq (p.win_rate_pm, -1, "nothing decided: open again");
    cr_assert_eq (p.reached[3], 1);
}

Test (health, a_deal_changed_exactly_n_days_ago_is_still_fresh)
{
    reg ("f1", "wang", "east", "华东", 1000, "2026-06-30", "2026-03-01");
    fc_health_t h = {0};
    cr_assert_eq (fc_health (book, NULL, D ("2026-03-31"), 30, &h), 0);
    cr_assert (h.fresh);
    cr_assert (h.moving, "30 days at L1 is the limit, not past it");
    cr_assert_eq (fc_health (book, NULL, D ("2026-04-01"), 30, &h), 0);
    cr_assert_not (h.fresh);
    cr_assert_not (h.moving);
    cr_assert (h.clean);
}

Test (funnel, a_deal_won_in_another_currency_counts_in_that_currency)
{
    reg ("c1", "wang", "east", "华东", 1000, "2026-06-30", "2026-03-01");
    feed ("opportunity.won", "{\"id\":\"c1\",\"amount\":150,\"currency\":\"USD\","
                             "\"date\":\"2026-04-02\",\"on\":\"2026-04-02\"}");
    fc_funnel_t f = funnel_of (book, (fc_filter_t){.owner = "wang"});
    cr_assert_str_eq (f.currency, "USD");
    s_sum (f.won, 1, 150, 150);
    f = funnel_of (book, (fc_filter_t){.owner = "wang", .currency = "CNY"});
    s_sum (f.won, 0, 0, 0);
}

Test (accuracy, an_as_of_book_answers_as_the_system_knew_it_then)
{
    given_book ();
    fc_store_t *st;
    fc_book_t *then = replay (1000, D ("2026-05-31"), &st);
    fc_accuracy_t a;
    cr_assert_eq (fc_accuracy (then, "wang", "2026-Q2", NULL, D ("2026-05-31"), &a), 0);
    cr_assert_not (a.closed, "on 05-31 Q2 was not over");
    cr_assert_eq (a.won, 750000);
    cr_assert_eq (a.forecast, 1000000);
    cr_assert_eq (a.snapshot_weighted, 500083);
    fc_forecast_t f;
    cr_assert_eq (fc_book_forecast (then, "wang", "2026-Q2", &f), 0);
    cr_assert_eq (f.submitted.commit, 700000, "the late revision of 04-20 was known");
    fc_book_destroy (&then);
    fc_mem_store_destroy (&st);
    /* on 04-09 nothing was won yet, and no event had been dated in Q2 */
    then = replay (1000, D ("2026-04-09"), &st);
    cr_assert_eq (fc_accuracy (then, "wang", "2026-Q2", NULL, D ("2026-04-09"), &a), 0);
    cr_assert (a.begun, "Q2 began on 04-01, though the book's clock had not got there");
    cr_assert (a.has_forecast, "the submission of 03-01 was frozen");
    cr_assert_eq (a.won, 0);
    cr_assert_eq (a.forecast_ratio_pm, 0);
    cr_assert_not (a.has_snapshot);
    fc_book_destroy (&then);
    fc_mem_store_destroy (&st);
}
