/*  test_forecasting_money.c - sums of money in the forecasting book never
    wrap (forecasting.h, "Sums are never wrapped"). Amounts at the limits:
    9,300 deals of FC_AMOUNT_MAX (10^15 minor units, what the
    opportunities service accepts) add up to 9.3 x 10^18, past INT64_MAX
    (9.22 x 10^18); an event appended by hand may carry any int64. Every
    figure must be the exact sum, and every ratio exact too: whether a
    figure fits the wire is the service's to tell (forecasting_query.c).

    The expected values are written as __int128, so that a figure kept in
    64 bits, wrapped, shows as a difference.
*/
#include "support/fc_given.h"

#include "dealbook/dbk_money.h"

TestSuite (money, .init = s_setup, .fini = s_teardown);

#define S_DEALS 9300
#define S_MAX ((__int128) FC_AMOUNT_MAX)

#define S_EQ(have, want)                                                                           \
    do {                                                                                           \
        char h_[DBK_WIDE_CHARS], w_[DBK_WIDE_CHARS];                                               \
        dbk_wide_t hv_ = (have), wv_ = (want);                                                     \
        cr_assert (hv_ == wv_, "%s: %s, wanted %s", #have, dbk_wide_format (hv_, h_),              \
                   dbk_wide_format (wv_, w_));                                                     \
    } while (0)

/*  Fold one event without logging it (the fixture's log holds 1024):
    the book copies what it keeps, the payload is freed here. */
static int s_apply (const char *type, const char *json)
{
    dbk_wr_t *w = dbk_wr_new ();
    char err[200];
    cr_assert_eq (dbk_json_to_mp (json, strlen (json), w, err, sizeof err), 0, "%s", err);
    dbk_doc_t *doc = NULL;
    cr_assert_eq (dbk_doc_parse (dbk_wr_data (w), dbk_wr_size (w), &doc), 0);
    int rc = fc_book_apply (book, type, dbk_doc_root (doc), ++s_seq, 0, 0);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
    return rc;
}

/*  Given: n deals d0..d(n-1) of wang, each of `amount`, closing on
    2026-06-30, registered on 2026-03-01; won for `amount` on 2026-06-10
    when `won`. */
static void given_deals (int n, long long amount, bool won)
{
    for (int i = 0; i < n; i++) {
        char json[400];
        snprintf (json, sizeof json,
                  "{\"id\":\"d%d\",\"name\":\"P %d\",\"account_id\":\"a1\",\"owner\":\"wang\","
                  "\"team\":\"east\",\"region\":\"north\",\"currency\":\"CNY\","
                  "\"close_date\":\"2026-06-30\",\"amount\":%lld,\"on\":\"2026-03-01\"}",
                  i, i, amount);
        cr_assert_eq (s_apply ("opportunity.registered", json), 0);
    }
    for (int i = 0; won && i < n; i++) {
        char json[300];
        snprintf (json, sizeof json,
                  "{\"id\":\"d%d\",\"amount\":%lld,\"currency\":\"CNY\",\"date\":\"2026-06-10\","
                  "\"reason\":\"service\",\"on\":\"2026-06-10\"}",
                  i, amount);
        cr_assert_eq (s_apply ("opportunity.won", json), 0);
    }
}

Test (money, weighted_amount_is_exact_for_any_int64)
{
    S_EQ (fc_weighted (FC_AMOUNT_MAX, 75), (__int128) 750000000000000);
    S_EQ (fc_weighted (INT64_MAX, 90), ((__int128) INT64_MAX * 90 + 50) / 100);
    S_EQ (fc_weighted (INT64_MAX, 100), INT64_MAX);
    S_EQ (fc_weighted (INT64_MIN, 100), INT64_MIN);
    S_EQ (fc_weighted (INT64_MIN, 10), -(((__int128) 1 << 63) * 10 + 50) / 100);
}

Test (money, a_ratio_of_large_sums_does_not_overflow)
{
    S_EQ (fc_permille (INT64_MAX, 1), (__int128) INT64_MAX * 1000);
    S_EQ (fc_permille (10000000000000000LL, 3), (__int128) 3333333333333333333LL);
    S_EQ (fc_permille (S_DEALS * S_MAX, S_MAX), (__int128) S_DEALS * 1000);
    S_EQ (fc_permille (-1, 3), -333);
    S_EQ (fc_permille (1, 0), -1);
    /* far beyond any sum of a book: scaled, never wrapped */
    S_EQ (fc_permille ((__int128) 1 << 120, (__int128) 1 << 119), 2000);
    S_EQ (fc_permille (((__int128) 1 << 125) * 3, (__int128) 1 << 118), 3 * 128 * 1000);
}

Test (money, the_funnel_of_9300_deals_at_the_limit_is_their_exact_sum)
{
    given_deals (S_DEALS, FC_AMOUNT_MAX, false);
    const fc_filter_t filters[] = {{0},
                                   {.owner = "wang"},
                                   {.period = "2026-06"},
                                   {.owner = "wang", .region = "north", .period = "2026-Q2"}};
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        fc_funnel_t f = funnel_of (book, filters[i]);
        cr_assert_eq (f.level[1].count, S_DEALS);
        S_EQ (f.level[1].amount, S_DEALS * S_MAX);
        S_EQ (f.level[1].weighted, S_DEALS * S_MAX / 10);
        S_EQ (f.open.amount, S_DEALS * S_MAX);
        S_EQ (f.open.weighted, S_DEALS * S_MAX / 10);
    }
    /*  a deal that leaves the cell is taken out of the wide sums exactly */
    cr_assert_eq (s_apply ("opportunity.level_changed",
                           "{\"id\":\"d7\",\"from\":1,\"to\":2,\"on\":\"2026-03-02\"}"),
                  0);
    fc_funnel_t f = funnel_of (book, (fc_filter_t){.owner = "wang"});
    S_EQ (f.level[1].amount, (S_DEALS - 1) * S_MAX);
    S_EQ (f.level[2].amount, S_MAX);
    S_EQ (f.open.weighted, (S_DEALS - 1) * S_MAX / 10 + S_MAX / 4);
}

Test (money, the_snapshot_of_a_period_keeps_its_exact_sums)
{
    given_deals (S_DEALS, FC_AMOUNT_MAX, false);
    /*  the clock crosses into June: the period's snapshot is taken */
    cr_assert_eq (s_apply ("opportunity.next_step_set",
                           "{\"id\":\"d1\",\"next_step\":\"call\",\"on\":\"2026-06-01\"}"),
                  0);
    fc_snap_t snap;
    cr_assert_eq (fc_book_snapshot (book, 'o', "wang", "2026-06", "CNY", &snap), 0);
    cr_assert_eq (snap.count, S_DEALS);
    S_EQ (snap.amount, S_DEALS * S_MAX);
    S_EQ (snap.weighted, S_DEALS * S_MAX / 10);
    cr_assert_eq (fc_book_snapshot (book, 't', "east", "2026-Q2", "CNY", &snap), 0);
    S_EQ (snap.amount, S_DEALS * S_MAX);
}

Test (money, won_deals_past_int64_give_exact_figures_and_ratios)
{
    feed ("quota.set", "{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-06\","
                       "\"amount\":1,\"currency\":\"CNY\",\"on\":\"2026-03-01\"}");
    given_deals (S_DEALS, FC_AMOUNT_MAX, true);
    fc_outlook_t o;
    fc_filter_t f = {.owner = "wang", .period = "2026-06"};
    cr_assert_eq (fc_forecast_outlook (book, &f, &o), 0);
    cr_assert (o.has_quota);
    S_EQ (o.won, S_DEALS * S_MAX);
    S_EQ (o.projected, S_DEALS * S_MAX);
    S_EQ (o.remaining, 0);
    S_EQ (o.attainment_pm, S_DEALS * S_MAX * 1000); /* won / a quota of 1 minor unit */

    fc_accuracy_t a;
    cr_assert_eq (fc_accuracy (book, "wang", "2026-06", "CNY", D ("2026-07-01"), &a), 0);
    S_EQ (a.won, S_DEALS * S_MAX);

    fc_wl_row_t rows[4];
    cr_assert_eq (fc_winloss (book, &(fc_filter_t){0}, FC_BY_REASON, rows, 4), 1);
    cr_assert_eq (rows[0].won, S_DEALS);
    S_EQ (rows[0].won_amount, S_DEALS * S_MAX);

    fc_change_row_t ch[4];
    cr_assert_eq (fc_changes (book, &(fc_filter_t){0}, D ("2026-01-01"), D ("2026-12-31"), ch, 4),
                  1);
    S_EQ (ch[0].added_amount, S_DEALS * S_MAX);
    S_EQ (ch[0].won_amount, S_DEALS * S_MAX);
}

Test (money, amounts_appended_by_hand_at_int64_add_up_exactly)
{
    /*  the book folds whatever int64 the log holds: two deals of 0 raised
        to INT64_MAX, each a change of INT64_MAX */
    given_deals (2, 0, false);
    for (int i = 0; i < 2; i++) {
        char json[300];
        snprintf (json, sizeof json,
                  "{\"id\":\"d%d\",\"changed\":[\"amount\"],\"amount\":%lld,"
                  "\"on\":\"2026-03-05\"}",
                  i, (long long) INT64_MAX);
        cr_assert_eq (s_apply ("opportunity.updated", json), 0);
    }
    fc_funnel_t f = funnel_of (book, (fc_filter_t){0});
    S_EQ (f.open.amount, 2 * (__int128) INT64_MAX);
    S_EQ (f.open.weighted, 2 * (((__int128) INT64_MAX * 10 + 50) / 100));
    fc_change_row_t ch[2];
    cr_assert_eq (fc_changes (book, &(fc_filter_t){0}, D ("2026-03-05"), D ("2026-03-05"), ch, 2),
                  1);
    S_EQ (ch[0].amount_delta, 2 * (__int128) INT64_MAX);
}

Test (money, a_quota_outside_what_the_decider_accepts_is_not_folded)
{
    /*  four quarters of INT64_MAX would make a year's quota (their sum)
        wrap: such a quota.set was appended by hand, and is refused */
    for (int q = 1; q <= 4; q++) {
        char json[300];
        snprintf (json, sizeof json,
                  "{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q%d\","
                  "\"amount\":%lld,\"currency\":\"CNY\",\"on\":\"2026-01-01\"}",
                  q, (long long) INT64_MAX);
        cr_assert_eq (s_apply ("quota.set", json), DBK_EMALFORMED);
    }
    fc_quota_t qt;
    cr_assert_eq (fc_book_quota (book, "owner", "wang", "2026-Q1", &qt), DBK_ENOTFOUND);
    cr_assert_eq (s_apply ("forecast.submitted",
                           "{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":\"CNY\","
                           "\"commit\":-1,\"best_case\":0,\"pipeline\":0,\"on\":\"2026-03-01\"}"),
                  DBK_EMALFORMED);
    /*  the limit itself is a quota */
    cr_assert_eq (s_apply ("quota.set", "{\"scope\":\"owner\",\"who\":\"wang\",\"period\":"
                                        "\"2026-Q1\",\"amount\":1000000000000000,\"currency\":"
                                        "\"CNY\",\"on\":\"2026-01-01\"}"),
                  0);
}
