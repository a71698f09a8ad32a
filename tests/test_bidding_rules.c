/*  test_bidding_rules.c - the bidding service's quote rules
    (services/bidding/bidding_decider.h) as specifications,
    Given-When-Then: quotes, their figures and their pricing approval
    (报价——定价流程). The tender's rules are in test_bidding_decider.c
    and test_bidding_award.c, the contract's in test_bidding_contract.c.
*/
#include "support/bid_given.h"

TestSuite (quote, .init = s_setup, .fini = s_teardown);
TestSuite (lines, .init = s_setup, .fini = s_teardown);
TestSuite (approval, .init = s_setup, .fini = s_teardown);
TestSuite (awarded, .init = s_setup, .fini = s_teardown);

/*  ======================= quotes ======================= */

Test (quote, a_quote_is_created_for_a_tender)
{
    bid_quote_create (d, &quo, "q1",
                      cmd ("{\"tender_id\":\"t1\",\"currency\":\"CNY\",\"title\":\"LED\"}"),
                      &facts);
    then_accepted (1);
    then_event (0, "quote-q1", "quote.created");
    cr_assert (has_str (payload (0), "tender_id", "t1"));
    cr_assert (has_str (payload (0), "currency", "CNY"));
    cr_assert (has_str (payload (0), "title", "LED"));
    cr_assert (has_str (payload (0), "on", "2026-03-01"));
    fold ();
    cr_assert_eq (quo.status, BID_QUOTE_DRAFT);
    cr_assert_str_eq (quo.tender_id, "t1");
    cr_assert_eq (quo.revision, 0);
}

Test (quote, the_tender_must_be_known_and_not_awarded)
{
    bid_quote_create (d, &quo, "q1", cmd ("{\"tender_id\":\"t7\",\"currency\":\"CNY\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "tender_id");
    AGAIN ();
    bid_quote_create (d, &quo, "q1", cmd ("{\"tender_id\":\"t9\",\"currency\":\"CNY\"}"), &facts);
    then_rejected (DBK_EREJECTED, "tender_id");
    AGAIN ();
    bid_quote_create (d, &quo, "q1", cmd ("{\"tender_id\":\"t8\",\"currency\":\"CNY\"}"), &facts);
    then_rejected (DBK_EREJECTED, "tender_id");
    AGAIN ();
    bid_quote_create (d, &quo, "q1", cmd ("{\"tender_id\":\"t1\"}"), &facts);
    then_rejected (DBK_EINVAL, "currency");
    AGAIN ();
    bid_quote_create (d, &quo, "q1", cmd ("{\"tender_id\":\"t1\",\"currency\":\"rmb\"}"), &facts);
    then_rejected (DBK_EINVAL, "currency");
    AGAIN ();
    bid_quote_create (d, &quo, "", cmd ("{\"tender_id\":\"t1\",\"currency\":\"CNY\"}"), &facts);
    then_rejected (DBK_EINVAL, "id");
}

/*  The submission takes only a quote in the tender's currency: a quote
    in another is refused when it is created, not after its pricing. */
Test (quote, a_quote_is_in_its_tenders_currency)
{
    bid_quote_create (d, &quo, "q1", cmd ("{\"tender_id\":\"t1\",\"currency\":\"USD\"}"), &facts);
    then_rejected (DBK_EINVAL, "currency");
    then_message_mentions ("tender t1 is in CNY: its quotes must be too (not USD)");
}

Test (quote, a_quote_is_created_once)
{
    given_quote ();
    bid_quote_create (d, &quo, "q1", cmd ("{\"tender_id\":\"t1\",\"currency\":\"CNY\"}"), &facts);
    then_rejected (DBK_EDUPLICATE, "id");
}

/*  ======================= lines and figures ======================= */

Test (lines, a_line_gets_a_number_its_unit_price_and_a_new_revision)
{
    given_quote ();
    bid_quote_line_add (d, &quo, cmd (S_LINE), &facts);
    then_accepted (1);
    then_event (0, "quote-q1", "quote.line_added");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_int (p, "line", 1));
    cr_assert (has_str (p, "product_code", "LED-600"));
    cr_assert (has_str (p, "description", "LED panel 600x600"));
    cr_assert (has_int (p, "quantity", 100));
    cr_assert (has_int (p, "list_price", 100000));
    cr_assert (has_int (p, "discount_bp", 500));
    cr_assert (has_int (p, "unit_price", 95000));
    cr_assert (has_int (p, "cost_price", 60000));
    cr_assert (has_int (p, "revision", 1));
    fold ();
    AGAIN ();
    given_line ("{\"product_code\":\"DRV\",\"quantity\":3,\"list_price\":999}");
    cr_assert_eq (quo.nlines, 2);
    cr_assert_eq (quo.lines[1].no, 2);
    cr_assert_eq (quo.lines[1].discount_bp, 0, "no discount by default");
    cr_assert_eq (quo.lines[1].unit_price, 999);
    cr_assert_not (quo.lines[1].has_cost);
    cr_assert_eq (quo.revision, 2);
}

Test (lines, the_unit_price_rounds_the_discount_half_up_and_never_overflows)
{
    cr_assert_eq (bid_unit_price (999, 1250), 874, "999 - 124.875 -> 999 - 125");
    cr_assert_eq (bid_unit_price (1000, 1250), 875);
    cr_assert_eq (bid_unit_price (100, 0), 100);
    cr_assert_eq (bid_unit_price (100, BID_BP_FULL), 0);
    cr_assert_eq (bid_unit_price (BID_AMOUNT_MAX, 3333), BID_AMOUNT_MAX - 333300000000000LL);
    cr_assert_eq (bid_unit_price (BID_AMOUNT_MAX - 1, 1), BID_AMOUNT_MAX - 1 - 100000000000LL);
}

/*  The unit price is rounded to the minor unit, so the discount it
    gives may be deeper than the one typed, or vanish; approval is
    decided from it, rounded up so that it passes a limit of whole
    basis points exactly when the discount given does. */
Test (lines, the_effective_discount_is_the_rounded_prices_rounded_up_exactly)
{
    cr_assert_eq (bid_unit_price (333, 2000), 266, "333 - 66.6 -> 333 - 67");
    cr_assert_eq (bid_effective_bp (333, 266), 2013, "67 / 333 = 20.12%%, rounded up");
    cr_assert_eq (bid_effective_bp (10000, 8500), 1500, "nothing rounded: the discount typed");
    cr_assert_eq (bid_unit_price (19999, 2000), 15999);
    cr_assert_eq (bid_effective_bp (19999, 15999), 2001, "20.001%%: beyond 20%%, if only just");
    cr_assert_eq (bid_unit_price (3, 1000), 3, "0.3 off rounds to nothing");
    cr_assert_eq (bid_effective_bp (3, 3), 0);
    cr_assert_eq (bid_unit_price (3, 2000), 2, "0.6 off rounds to 1");
    cr_assert_eq (bid_effective_bp (3, 2), 3334);
    cr_assert_eq (bid_effective_bp (100, 0), BID_BP_FULL);
    cr_assert_eq (bid_effective_bp (0, 0), 0, "nothing listed, nothing given");
    cr_assert_eq (bid_effective_bp (BID_AMOUNT_MAX, bid_unit_price (BID_AMOUNT_MAX, 2000)), 2000);
    cr_assert_eq (bid_effective_bp (INT64_MAX, INT64_MAX - 1), 1, "any fraction counts");
    cr_assert_eq (bid_effective_bp (INT64_MAX, 1), BID_BP_FULL, "no overflow");
}

Test (lines, each_field_is_checked)
{
    given_quote ();
    const char *bad[] = {
        "{\"quantity\":1,\"list_price\":1}",
        "{\"product_code\":\"P\",\"quantity\":0,\"list_price\":1}",
        "{\"product_code\":\"P\",\"quantity\":1.5,\"list_price\":1}",
        "{\"product_code\":\"P\",\"quantity\":1,\"list_price\":-1}",
        "{\"product_code\":\"P\",\"quantity\":1,\"list_price\":1,\"discount_bp\":10001}",
        "{\"product_code\":\"P\",\"quantity\":1,\"list_price\":1,\"cost_price\":-5}",
        "{\"product_code\":\"P\",\"quantity\":1,\"list_price\":1,\"discount\":\"5%\"}",
    };
    const char *field[] = {"product_code", "quantity",   "quantity", "list_price",
                           "discount_bp",  "cost_price", "discount"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        AGAIN ();
        bid_quote_line_add (d, &quo, cmd (bad[i]), &facts);
        then_rejected (DBK_EINVAL, field[i]);
    }
    AGAIN ();
    bid_quote_reset (&quo);
    bid_quote_line_add (d, &quo, cmd (S_LINE), &facts);
    then_rejected (DBK_ENOTFOUND, "id");
}

Test (lines, amounts_stay_within_the_limit)
{
    given_quote ();
    bid_quote_line_add (d, &quo,
                        cmd ("{\"product_code\":\"P\",\"quantity\":1000000000,"
                             "\"list_price\":1000000000}"),
                        &facts);
    then_rejected (DBK_EINVAL, "quantity");
    AGAIN ();
    bid_quote_line_add (d, &quo,
                        cmd ("{\"product_code\":\"P\",\"quantity\":1000000000,"
                             "\"list_price\":1000,\"cost_price\":1000000000}"),
                        &facts);
    then_rejected (DBK_EINVAL, "cost_price");
    AGAIN ();
    given_line ("{\"product_code\":\"P\",\"quantity\":1,\"list_price\":900000000000000}");
    bid_quote_line_add (d, &quo,
                        cmd ("{\"product_code\":\"Q\",\"quantity\":1,"
                             "\"list_price\":200000000000000}"),
                        &facts);
    then_rejected (DBK_EINVAL, "quantity");
    then_message_mentions ("list total");
}

Test (lines, totals_discount_and_margin_are_computed)
{
    given_quote ();
    given_line (S_LINE); /* 100 x 1000.00, 5% -> 95 000.00, cost 60 000.00 */
    given_line ("{\"product_code\":\"DRV\",\"quantity\":50,\"list_price\":20000,"
                "\"discount_bp\":1500,\"cost_price\":12000}"); /* 50 x 170.00 = 8 500.00 */
    bid_totals_t t;
    bid_quote_totals (&quo, &t);
    cr_assert_eq (t.list_total, 10000000 + 1000000);
    cr_assert_eq (t.total, 9500000 + 850000);
    cr_assert (t.cost_known);
    cr_assert_eq (t.cost_total, 6000000 + 600000);
    cr_assert_eq (t.margin, 10350000 - 6600000);
    cr_assert_eq (t.margin_bp, 3623, "3 750 000 / 10 350 000 = 36.23%%");
    cr_assert_eq (t.discount_bp, 591, "650 000 / 11 000 000 = 5.91%%");
    cr_assert_eq (t.max_discount_bp, 1500);
    cr_assert_eq (t.max_effective_discount_bp, 1500, "no price rounded");
}

Test (lines, the_margin_is_unknown_while_a_line_has_no_cost)
{
    given_quote ();
    given_line (S_LINE);
    given_line ("{\"product_code\":\"DRV\",\"quantity\":1,\"list_price\":100}");
    bid_totals_t t;
    bid_quote_totals (&quo, &t);
    cr_assert_not (t.cost_known);
    cr_assert_eq (t.margin, 0);
    cr_assert_eq (t.margin_bp, 0);
    bid_quote_reset (&quo);
    bid_quote_totals (&quo, &t);
    cr_assert_not (t.cost_known, "an empty quote has no margin");
    cr_assert_eq (t.total, 0);
}

Test (lines, a_line_is_replaced_and_an_identical_one_changes_nothing)
{
    given_quote ();
    given_line (S_LINE);
    bid_quote_line_change (d, &quo,
                           cmd ("{\"line\":1,\"product_code\":\"LED-600\",\"description\":\"LED "
                                "panel 600x600\",\"quantity\":100,\"list_price\":100000,"
                                "\"discount_bp\":500,\"cost_price\":60000}"),
                           &facts);
    then_accepted (0);
    bid_quote_line_change (d, &quo,
                           cmd ("{\"line\":1,\"product_code\":\"LED-600\",\"quantity\":120,"
                                "\"list_price\":100000,\"discount_bp\":800}"),
                           &facts);
    then_accepted (1);
    then_event (0, "quote-q1", "quote.line_changed");
    cr_assert (has_int (payload (0), "line", 1));
    cr_assert (has_int (payload (0), "unit_price", 92000));
    cr_assert (has_int (payload (0), "revision", 2));
    fold ();
    cr_assert_eq (quo.lines[0].quantity, 120);
    cr_assert_null (quo.lines[0].description, "replaced, so cleared");
    cr_assert_not (quo.lines[0].has_cost);
    AGAIN ();
    bid_quote_line_change (d, &quo,
                           cmd ("{\"line\":7,\"product_code\":\"X\",\"quantity\":1,"
                                "\"list_price\":1}"),
                           &facts);
    then_rejected (DBK_ENOTFOUND, "line");
}

Test (lines, a_line_is_removed_and_its_number_not_reused)
{
    given_quote ();
    given_line (S_LINE);
    given_line ("{\"product_code\":\"DRV\",\"quantity\":1,\"list_price\":100}");
    bid_quote_line_remove (d, &quo, cmd ("{\"line\":2}"), &facts);
    then_accepted (1);
    then_event (0, "quote-q1", "quote.line_removed");
    cr_assert (has_int (payload (0), "line", 2));
    cr_assert (has_int (payload (0), "revision", 3));
    fold ();
    AGAIN ();
    cr_assert_eq (quo.nlines, 1);
    bid_quote_line_remove (d, &quo, cmd ("{\"line\":2}"), &facts);
    then_rejected (DBK_ENOTFOUND, "line");
    AGAIN ();
    bid_quote_line_add (d, &quo, cmd (S_LINE), &facts);
    cr_assert (has_int (payload (0), "line", 3));
}

/*  ======================= pricing approval ======================= */

static void s_submit_with_discount (int bp)
{
    char json[200];
    given_quote ();
    snprintf (json, sizeof json,
              "{\"product_code\":\"P\",\"quantity\":10,\"list_price\":10000,\"discount_bp\":%d}",
              bp);
    given_line (json);
    GIVEN (bid_quote_submit (d, &quo, cmd ("{\"note\":\"hospital reference\"}"), &facts));
}

Test (approval, submitting_names_the_level_the_deepest_discount_needs)
{
    given_quote ();
    given_line (S_LINE);
    bid_quote_submit (d, &quo, cmd ("{\"note\":\"please\"}"), &facts);
    then_accepted (1);
    then_event (0, "quote-q1", "quote.submitted");
    cr_assert (has_int (payload (0), "revision", 1));
    cr_assert (has_int (payload (0), "total", 9500000));
    cr_assert (has_int (payload (0), "max_discount_bp", 500));
    cr_assert (has_str (payload (0), "required_level", "salesperson"));
    cr_assert (has_str (payload (0), "note", "please"));
    fold ();
    cr_assert_eq (quo.status, BID_QUOTE_SUBMITTED);
}

Test (approval, default_levels_are_10_and_20_percent)
{
    cr_assert_eq (bid_required_level (NULL, 0), 0);
    cr_assert_eq (bid_required_level (NULL, 1000), 0, "up to 10%%: the salesperson");
    cr_assert_eq (bid_required_level (NULL, 1001), 1);
    cr_assert_eq (bid_required_level (NULL, 2000), 1, "up to 20%%: a manager");
    cr_assert_eq (bid_required_level (NULL, 2001), 2, "beyond: a director");
    cr_assert_eq (bid_required_level (NULL, BID_BP_FULL), 2);
    cr_assert_str_eq (bid_default_levels[1].code, "manager");
}

Test (approval, a_salesperson_approves_within_their_limit)
{
    s_submit_with_discount (1000);
    bid_quote_approve (d, &quo, cmd ("{\"note\":\"ok\"}"), &facts);
    then_accepted (1);
    then_event (0, "quote-q1", "quote.approved");
    cr_assert (has_str (payload (0), "approver", "wang"));
    cr_assert (has_str (payload (0), "level", "salesperson"));
    cr_assert (has_int (payload (0), "revision", 1));
    cr_assert (has_str (payload (0), "note", "ok"));
    fold ();
    cr_assert_eq (quo.status, BID_QUOTE_APPROVED);
    cr_assert_eq (quo.approved_revision, 1);
    cr_assert_str_eq (quo.approver, "wang");
}

Test (approval, a_deeper_discount_needs_a_manager)
{
    s_submit_with_discount (1500);
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "actor");
    then_message_mentions ("15.00% needs the approval of a manager");
    AGAIN ();
    facts.actor = "zhou";
    facts.authority = 1;
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "approver", "zhou"));
    cr_assert (has_str (payload (0), "level", "manager"));
}

Test (approval, beyond_the_managers_limit_a_director)
{
    s_submit_with_discount (2500);
    facts.authority = 1;
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "actor");
    then_message_mentions ("director");
    AGAIN ();
    facts.authority = 2;
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "level", "director"));
}

/*  The sales team's case: 3 x 333 at 20% sells at 266 a unit (266.4
    rounded), 20.12% off: beyond a manager's 20%, a director approves. */
#define S_ROUNDED_LINE                                                                             \
    "{\"product_code\":\"P\",\"quantity\":3,\"list_price\":333,\"discount_bp\":2000}"

Test (approval, a_price_rounded_beyond_the_limit_needs_the_next_approver)
{
    given_quote ();
    given_line (S_ROUNDED_LINE);
    cr_assert_eq (quo.lines[0].unit_price, 266);
    bid_quote_submit (d, &quo, cmd ("{}"), &facts);
    then_accepted (1);
    cr_assert (has_int (payload (0), "max_discount_bp", 2000), "as typed");
    cr_assert (has_int (payload (0), "max_effective_discount_bp", 2013));
    cr_assert (has_str (payload (0), "required_level", "director"));
    fold ();
    AGAIN ();
    facts.actor = "zhou";
    facts.authority = 1;
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "actor");
    then_message_mentions ("effective discount of 20.13% needs the approval of a director");
    AGAIN ();
    facts.authority = 2;
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_accepted (1);
}

/*  The opposite: 1 000 000 x 3 at 15% sells at 3 a unit (2.55 rounded):
    no discount is given, and none needs a manager. */
Test (approval, a_discount_the_rounding_takes_away_needs_no_higher_approver)
{
    given_quote ();
    given_line ("{\"product_code\":\"P\",\"quantity\":1000000,\"list_price\":3,"
                "\"discount_bp\":1500}");
    cr_assert_eq (quo.lines[0].unit_price, 3);
    bid_quote_submit (d, &quo, cmd ("{}"), &facts);
    then_accepted (1);
    cr_assert (has_int (payload (0), "max_discount_bp", 1500));
    cr_assert (has_int (payload (0), "max_effective_discount_bp", 0));
    cr_assert (has_str (payload (0), "required_level", "salesperson"));
}

/*  A submission recorded before the rounded price decided the level
    asked for a manager: the verdict still needs the level the price
    needs. One that asked for more than the price needs (limits loosened
    since) keeps it. */
Test (approval, a_verdict_needs_the_higher_of_the_level_recorded_and_the_prices)
{
    given_quote ();
    given_line (S_ROUNDED_LINE);
    cr_assert_eq (bid_quote_evolve (&quo, "quote.submitted",
                                    cmd ("{\"revision\":1,\"total\":798,\"max_discount_bp\":2000,"
                                         "\"required_level\":\"manager\"}")),
                  0);
    facts.actor = "zhou";
    facts.authority = 1;
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "actor");
    then_message_mentions ("needs the approval of a director");
    AGAIN ();
    bid_quote_request_changes (d, &quo, cmd ("{\"note\":\"n\"}"), &facts);
    then_rejected (DBK_EREJECTED, "actor");
    AGAIN ();
    facts.authority = 2;
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_accepted (1);
    AGAIN ();
    bid_quote_reset (&quo);
    given_quote ();
    given_line ("{\"product_code\":\"P\",\"quantity\":1,\"list_price\":100}");
    cr_assert_eq (bid_quote_evolve (&quo, "quote.submitted",
                                    cmd ("{\"revision\":1,\"total\":100,\"max_discount_bp\":0,"
                                         "\"required_level\":\"director\"}")),
                  0);
    facts.authority = 1;
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "actor");
    then_message_mentions ("director");
}

Test (approval, no_approval_without_an_actor_or_any_authority)
{
    s_submit_with_discount (0);
    facts.authority = -1;
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "actor");
    then_message_mentions ("no approver");
    AGAIN ();
    facts.authority = 2;
    facts.actor = NULL;
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "actor");
}

Test (approval, only_a_submitted_quote_gets_a_verdict)
{
    given_quote ();
    given_line (S_LINE);
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    AGAIN ();
    bid_quote_reject (d, &quo, cmd ("{\"reason\":\"r\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    AGAIN ();
    bid_quote_reset (&quo);
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_ENOTFOUND, "id");
}

Test (approval, a_quote_without_lines_or_already_submitted_is_not_submitted)
{
    given_quote ();
    bid_quote_submit (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "lines");
    AGAIN ();
    given_line (S_LINE);
    GIVEN (bid_quote_submit (d, &quo, cmd ("{}"), &facts));
    bid_quote_submit (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("waiting");
    AGAIN ();
    GIVEN (bid_quote_approve (d, &quo, cmd ("{}"), &facts));
    bid_quote_submit (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("approved already");
}

Test (approval, a_rejection_needs_a_reason_and_the_quote_can_be_reworked)
{
    s_submit_with_discount (1500);
    facts.authority = 1;
    facts.actor = "zhou";
    bid_quote_reject (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EINVAL, "reason");
    AGAIN ();
    bid_quote_reject (d, &quo, cmd ("{\"reason\":\"margin too thin\"}"), &facts);
    then_accepted (1);
    then_event (0, "quote-q1", "quote.rejected");
    cr_assert (has_str (payload (0), "approver", "zhou"));
    cr_assert (has_str (payload (0), "reason", "margin too thin"));
    fold ();
    cr_assert_eq (quo.status, BID_QUOTE_REJECTED);
    cr_assert_str_eq (quo.verdict_note, "margin too thin");
    AGAIN ();
    facts.authority = 0;
    GIVEN (bid_quote_line_change (d, &quo,
                                  cmd ("{\"line\":1,\"product_code\":\"P\",\"quantity\":10,"
                                       "\"list_price\":10000,\"discount_bp\":800}"),
                                  &facts));
    cr_assert_eq (quo.status, BID_QUOTE_DRAFT);
    GIVEN (bid_quote_submit (d, &quo, cmd ("{}"), &facts));
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_accepted (1);
}

Test (approval, a_rejected_quote_is_submitted_again_only_once_changed)
{
    s_submit_with_discount (1500);
    facts.authority = 1;
    GIVEN (bid_quote_reject (d, &quo, cmd ("{\"reason\":\"margin too thin\"}"), &facts));
    bid_quote_submit (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("rejected at revision 1: change its lines");
    AGAIN ();
    /* the same line again is no change: still rejected */
    bid_quote_line_change (d, &quo,
                           cmd ("{\"line\":1,\"product_code\":\"P\",\"quantity\":10,"
                                "\"list_price\":10000,\"discount_bp\":1500}"),
                           &facts);
    then_accepted (0);
    cr_assert_eq (quo.status, BID_QUOTE_REJECTED);
    bid_quote_submit (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    AGAIN ();
    /* a removed line, as any change, makes it a draft */
    given_line ("{\"product_code\":\"DRV\",\"quantity\":1,\"list_price\":100}");
    GIVEN (bid_quote_submit (d, &quo, cmd ("{}"), &facts));
    GIVEN (bid_quote_reject (d, &quo, cmd ("{\"reason\":\"still too thin\"}"), &facts));
    GIVEN (bid_quote_line_remove (d, &quo, cmd ("{\"line\":2}"), &facts));
    cr_assert_eq (quo.status, BID_QUOTE_DRAFT);
    bid_quote_submit (d, &quo, cmd ("{}"), &facts);
    then_accepted (1);
}

Test (approval, requested_changes_send_the_quote_back_to_draft)
{
    s_submit_with_discount (500);
    bid_quote_request_changes (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EINVAL, "note");
    AGAIN ();
    bid_quote_request_changes (d, &quo, cmd ("{\"note\":\"add drivers\"}"), &facts);
    then_accepted (1);
    then_event (0, "quote-q1", "quote.changes_requested");
    cr_assert (has_str (payload (0), "approver", "wang"));
    fold ();
    cr_assert_eq (quo.status, BID_QUOTE_DRAFT);
    /*  the same lines again would be the same answer */
    bid_quote_submit (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("changes were requested to quote q1 at revision 1");
    AGAIN ();
    given_line ("{\"product_code\":\"DRV\",\"quantity\":1,\"list_price\":100}");
    bid_quote_submit (d, &quo, cmd ("{}"), &facts);
    then_accepted (1);
}

Test (approval, a_quote_changed_after_approval_needs_approval_again)
{
    given_quote_approved ();
    cr_assert_eq (quo.status, BID_QUOTE_APPROVED);
    given_line ("{\"product_code\":\"DRV\",\"quantity\":1,\"list_price\":100,"
                "\"discount_bp\":1800}");
    cr_assert_eq (quo.status, BID_QUOTE_DRAFT);
    /*  the old approval is history (the timeline's), not the new lines' */
    cr_assert_eq (quo.approved_revision, 0);
    cr_assert_null (quo.approver);
    GIVEN (bid_quote_submit (d, &quo, cmd ("{}"), &facts));
    cr_assert_str_eq (quo.required_level, "manager");
    cr_assert_null (quo.approver);
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "actor");
}

/*  Who approved, rejected or asked for changes is the verdict on the
    lines as they were: once a line changes, or the quote waits for a
    new verdict, it shows no approver (nor note) any more. */
Test (approval, a_changed_quote_shows_no_former_approver)
{
    given_quote_approved ();
    cr_assert_str_eq (quo.approver, "wang");
    GIVEN (bid_quote_line_remove (d, &quo, cmd ("{\"line\":1}"), &facts));
    cr_assert_eq (quo.status, BID_QUOTE_DRAFT);
    cr_assert_null (quo.approver);
    cr_assert_null (quo.verdict_note);
    given_line (S_LINE);
    GIVEN (bid_quote_submit (d, &quo, cmd ("{}"), &facts));
    GIVEN (bid_quote_request_changes (d, &quo, cmd ("{\"note\":\"add drivers\"}"), &facts));
    cr_assert_str_eq (quo.approver, "wang", "the request stands until a line changes");
    cr_assert_str_eq (quo.verdict_note, "add drivers");
    given_line ("{\"product_code\":\"DRV\",\"quantity\":1,\"list_price\":100}");
    cr_assert_null (quo.approver);
    GIVEN (bid_quote_submit (d, &quo, cmd ("{}"), &facts));
    cr_assert_eq (quo.status, BID_QUOTE_SUBMITTED);
    cr_assert_null (quo.approver);
}

Test (approval, the_levels_are_configuration)
{
    static const bid_approval_level_t levels[] = {{"sales", 500}, {"ceo", BID_BP_FULL}};
    bid_config_t cfg = bid_default_config;
    cfg.levels = levels;
    cfg.nlevels = 2;
    facts.config = &cfg;
    s_submit_with_discount (800);
    cr_assert_str_eq (quo.required_level, "ceo");
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_rejected (DBK_EREJECTED, "actor");
    then_message_mentions ("ceo");
    AGAIN ();
    facts.authority = 5; /* beyond the table: the highest level */
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "level", "ceo"));
}

/*  ======================= after the award ======================= */

/*  The projection once t1 was awarded, won or lost. */
static bid_ref_t s_t1_won (void *ctx, const char *id)
{
    return !strcmp (id, "t1") ? BID_REF_WON : s_tender (ctx, id);
}

static bid_ref_t s_t1_lost (void *ctx, const char *id)
{
    return !strcmp (id, "t1") ? BID_REF_CLOSED : s_tender (ctx, id);
}

static bid_lookup_t s_award_lookup;

static void s_tender_becomes (bid_ref_t (*fn) (void *, const char *))
{
    s_award_lookup = s_lookup;
    s_award_lookup.tender = fn;
    facts.lookup = &s_award_lookup;
}

/*  Then: refused on `field` because t1 was awarded, nothing decided. */
static void then_refused_as_awarded (const char *field, const char *result)
{
    char want[64];
    then_rejected (DBK_EREJECTED, field);
    snprintf (want, sizeof want, "tender t1 was awarded (%s)", result);
    then_message_mentions (want);
    then_message_mentions ("history of its bid");
}

/*  A quote is priced for a bid (DOMAIN §5): once the tender is awarded
    the bid is decided, and its quotes are its history. Neither a new
    quote, nor a change of lines, a submission for approval, an
    approval or a request for changes. */
Test (awarded, an_awarded_tenders_quotes_take_no_new_pricing_work)
{
    given_quote ();
    given_line (S_LINE);
    s_tender_becomes (s_t1_won);
    bid_quote_create (d, &(bid_quote_t){0}, "q2",
                      cmd ("{\"tender_id\":\"t1\",\"currency\":\"CNY\"}"), &facts);
    then_refused_as_awarded ("tender_id", "won");
    AGAIN ();
    bid_quote_line_add (d, &quo, cmd (S_LINE), &facts);
    then_refused_as_awarded ("id", "won");
    AGAIN ();
    bid_quote_line_change (d, &quo,
                           cmd ("{\"line\":1,\"product_code\":\"LED-600\",\"quantity\":90,"
                                "\"list_price\":100000}"),
                           &facts);
    then_refused_as_awarded ("id", "won");
    AGAIN ();
    bid_quote_line_remove (d, &quo, cmd ("{\"line\":1}"), &facts);
    then_refused_as_awarded ("id", "won");
    AGAIN ();
    bid_quote_submit (d, &quo, cmd ("{}"), &facts);
    then_refused_as_awarded ("id", "won");
}

/*  A quote waiting for approval when the tender was awarded: it is
    neither approved nor sent back for new prices, but the approver may
    reject it, which takes it off their queue. */
Test (awarded, a_quote_waiting_for_approval_is_only_rejected)
{
    given_quote ();
    given_line (S_LINE);
    GIVEN (bid_quote_submit (d, &quo, cmd ("{}"), &facts));
    s_tender_becomes (s_t1_lost);
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_refused_as_awarded ("id", "lost");
    AGAIN ();
    bid_quote_request_changes (d, &quo, cmd ("{\"note\":\"cheaper\"}"), &facts);
    then_refused_as_awarded ("id", "lost");
    AGAIN ();
    bid_quote_reject (d, &quo, cmd ("{\"reason\":\"the tender was lost\"}"), &facts);
    then_accepted (1);
    then_event (0, "quote-q1", "quote.rejected");
}
