/*  test_bidding_money.c - the bidding service's amounts stay within what
    an int64 holds, whatever the log says (services/bidding/bid_internal.h,
    bid_ev_money). The deciders refuse a command whose own arithmetic
    would pass BID_AMOUNT_MAX (a quote line's quantity x list price); the
    folds refuse an event appended by hand with an amount no decider
    writes, so that the products and sums of a quote, a contract's
    invoiced and paid sums and the receivables of many contracts are sums
    of bounded terms (RECEIVABLES adds those in 128 bits).
*/
#include "support/bid_given.h"

TestSuite (money, .init = s_setup, .fini = s_teardown);

/*  A line of a new q1 folded straight from the log (a line refused may
    be half folded: the service drops the state, and so does this). */
static int s_line_event (long long qty, long long list, long long unit, const char *cost)
{
    bid_quote_reset (&quo);
    cr_assert_eq (bid_quote_evolve (&quo, "quote.created",
                                    cmd ("{\"id\":\"q1\",\"tender_id\":\"t1\","
                                         "\"currency\":\"CNY\"}")),
                  0);
    char json[400];
    snprintf (json, sizeof json,
              "{\"line\":1,\"revision\":1,\"product_code\":\"P\",\"quantity\":%lld,"
              "\"list_price\":%lld,\"unit_price\":%lld,\"discount_bp\":0%s%s}",
              qty, list, unit, cost ? ",\"cost_price\":" : "", cost ? cost : "");
    return bid_quote_evolve (&quo, "quote.line_added", cmd (json));
}

Test (money, a_quote_line_past_the_amount_limit_is_refused_and_not_folded)
{
    given_quote ();
    /*  the decider: quantity x list price at most 10^15 minor units */
    bid_quote_line_add (d, &quo,
                        cmd ("{\"product_code\":\"P\",\"quantity\":1000000000,"
                             "\"list_price\":1000001}"),
                        &facts);
    then_rejected (DBK_EINVAL, "quantity");
    then_message_mentions ("quantity × list_price is over 1000000000000000");
    AGAIN ();
    /*  the fold: 10^9 x 10^15 appended by hand would make the quote's
        totals wrap */
    cr_assert_eq (s_line_event (BID_QTY_MAX, BID_AMOUNT_MAX, BID_AMOUNT_MAX, NULL), DBK_EMALFORMED);
    cr_assert_eq (s_line_event (1, INT64_MAX, 1, NULL), DBK_EMALFORMED);
    cr_assert_eq (s_line_event (1, 10, 11, NULL), DBK_EMALFORMED, "a unit price above its list");
    cr_assert_eq (s_line_event (0, 10, 10, NULL), DBK_EMALFORMED, "no quantity");
    cr_assert_eq (s_line_event (BID_QTY_MAX + 1, 1, 1, NULL), DBK_EMALFORMED);
    cr_assert_eq (s_line_event (1000, 1000, 1000, "9223372036854775807"), DBK_EMALFORMED);
    cr_assert_eq (s_line_event (1000000000, 1000000, 1000000, "1000001"), DBK_EMALFORMED,
                  "quantity x cost over the limit");
    /*  at the limit: folded, and its totals exact */
    cr_assert_eq (s_line_event (1000000000, 1000000, 900000, "1000000"), 0);
    bid_totals_t tot;
    bid_quote_totals (&quo, &tot);
    cr_assert_eq (tot.list_total, BID_AMOUNT_MAX);
    cr_assert_eq (tot.total, 900000000000000LL);
    cr_assert_eq (tot.margin, -100000000000000LL);
    /*  and at its most lines, each at the limit: 2 x 10^17 */
    for (int i = 2; i <= BID_LINES_MAX; i++) {
        char json[300];
        snprintf (json, sizeof json,
                  "{\"line\":%d,\"revision\":%d,\"product_code\":\"P\",\"quantity\":1,"
                  "\"list_price\":%lld,\"unit_price\":%lld,\"discount_bp\":0,"
                  "\"cost_price\":%lld}",
                  i, i, BID_AMOUNT_MAX, BID_AMOUNT_MAX, BID_AMOUNT_MAX);
        cr_assert_eq (bid_quote_evolve (&quo, "quote.line_added", cmd (json)), 0);
    }
    bid_quote_totals (&quo, &tot);
    cr_assert_eq (tot.list_total, BID_LINES_MAX * BID_AMOUNT_MAX);
    cr_assert_eq (tot.total, BID_LINES_MAX * BID_AMOUNT_MAX - 100000000000000LL);
    cr_assert_eq (tot.margin, -100000000000000LL);
}

Test (money, a_contract_amount_no_decider_writes_is_not_folded)
{
    const char *sign = "{\"id\":\"c9\",\"number\":\"N9\",\"opportunity_id\":\"o8\","
                       "\"buyer_id\":\"a1\",\"seller\":\"S\",\"scope\":\"x\",\"currency\":"
                       "\"CNY\",\"signed_on\":\"2026-03-01\",\"payment_days\":0,\"amount\":%s,"
                       "\"milestones\":[{\"kind\":\"advance\",\"amount\":%s}]}";
    const char *bad[][2] = {{"9223372036854775807", "1"},
                            {"1000000000000001", "1"},
                            {"0", "1"},
                            {"1000", "4611686018427387904"},
                            {"1000", "-5"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[600];
        snprintf (json, sizeof json, sign, bad[i][0], bad[i][1]);
        bid_contract_reset (&con);
        cr_assert_eq (bid_contract_evolve (&con, "contract.signed", cmd (json)), DBK_EMALFORMED,
                      "amount %s, milestone %s", bad[i][0], bad[i][1]);
    }
    bid_contract_reset (&con);
    given_contract ();
    cr_assert_eq (bid_contract_evolve (&con, "contract.payment_received",
                                       cmd ("{\"milestone\":1,\"amount\":9223372036854775807}")),
                  DBK_EMALFORMED);
    cr_assert_eq (bid_contract_evolve (&con, "contract.invoiced",
                                       cmd ("{\"invoice\":\"F1\",\"milestone\":1,"
                                            "\"amount\":9223372036854775807}")),
                  DBK_EMALFORMED);
    cr_assert_eq (con.paid, 0);
    cr_assert_eq (con.invoiced, 0);
}

Test (money, a_contract_folds_at_most_its_number_of_payments)
{
    given_contract ();
    /*  BID_PAYMENTS_MAX payments of 10^15 keep `paid` within an int64;
        more, appended by hand, would not */
    const dbk_obj_t *one = cmd ("{\"milestone\":2,\"amount\":1000000000000000}");
    for (int i = 0; i < BID_PAYMENTS_MAX; i++)
        cr_assert_eq (bid_contract_evolve (&con, "contract.payment_received", one), 0);
    cr_assert_eq (bid_contract_evolve (&con, "contract.payment_received", one), DBK_EMALFORMED);
    cr_assert_eq (con.paid, BID_PAYMENTS_MAX * BID_AMOUNT_MAX);
    bid_receivables_t r;
    cr_assert_eq (bid_receivables (&con, "2026-12-31", &r), 0);
    cr_assert_eq (r.paid, BID_PAYMENTS_MAX * BID_AMOUNT_MAX);
    cr_assert_eq (r.outstanding, 100000000 - BID_PAYMENTS_MAX * BID_AMOUNT_MAX);
}

Test (money, a_tender_amount_no_decider_writes_is_not_folded)
{
    given_tender ();
    cr_assert_eq (tender_event ("tender.submitted",
                                "{\"quote_id\":\"q1\",\"quote_revision\":1,\"step\":\"submission\","
                                "\"amount\":9223372036854775807}"),
                  DBK_EMALFORMED, "a bid amount");
    cr_assert_eq (tender_event ("tender.bond_issued", "{\"amount\":1000000000000001}"),
                  DBK_EMALFORMED, "a bond");
    cr_assert_eq (tender_event ("tender.opening_recorded",
                                "{\"envelope\":\"single\",\"step\":\"opening\",\"bidders\":"
                                "[{\"bidder\":\"X\",\"price\":-1,\"rank\":1}]}"),
                  DBK_EMALFORMED, "a bidder's price");
    cr_assert_eq (tender_event ("tender.opening_recorded",
                                "{\"envelope\":\"single\",\"step\":\"opening\",\"our_price\":"
                                "1000000000000001,\"bidders\":[{\"bidder\":\"X\",\"rank\":1}]}"),
                  DBK_EMALFORMED, "our price");
    cr_assert_eq (tender_event ("tender.awarded",
                                "{\"result\":\"lost\",\"date\":\"2026-05-01\",\"step\":\"award\","
                                "\"winner\":\"X\",\"winning_price\":9223372036854775807}"),
                  DBK_EMALFORMED, "a winning price");
    cr_assert_eq (tender_event ("tender.submitted",
                                "{\"quote_id\":\"q1\",\"quote_revision\":1,\"step\":\"submission\","
                                "\"amount\":1000000000000000}"),
                  0, "the limit itself");
    cr_assert_eq (ten.bid_amount, BID_AMOUNT_MAX);
}

Test (money, a_margin_far_below_the_price_is_exact_in_basis_points)
{
    /*  a line sold at 1 minor unit that costs 300,000: -29,999,900 %,
        below what an int holds; a cost of 10^15 against 1 is below any
        int64 and kept at INT64_MIN */
    cr_assert_eq (s_line_event (1, 1, 1, "300000"), 0);
    bid_totals_t tot;
    bid_quote_totals (&quo, &tot);
    cr_assert_eq (tot.margin, -299999);
    cr_assert_eq (tot.margin_bp, -2999990000LL, "%lld", (long long) tot.margin_bp);
    cr_assert_eq (s_line_event (1, 1, 1, "1000000000000000"), 0);
    bid_quote_totals (&quo, &tot);
    cr_assert_eq (tot.margin_bp, INT64_MIN, "%lld", (long long) tot.margin_bp);
}
