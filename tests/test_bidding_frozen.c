/*  test_bidding_frozen.c - what a quote may still become, as
    specifications, Given-When-Then: the quote a tender's bid was
    submitted with is frozen from the submission on (its lines, a new
    submission for approval, an approval or a request for changes are
    REJECTED naming the tender, nothing decided), while the tender's
    other quotes are not.
*/
#include "support/bid_given.h"

TestSuite (frozen_quote, .init = s_setup, .fini = s_teardown);

/*  The refusal every change of the submitted quote q1 gets. */
static void then_frozen (void)
{
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("quote q1 was submitted in the bid of tender t1 on 2026-03-01");
    then_message_mentions ("can no longer change");
}

Test (frozen_quote, the_submitted_quote_takes_no_new_line)
{
    given_submitted ();
    bid_quote_line_add (d, &quo, cmd (S_LINE), &facts);
    then_frozen ();
}

Test (frozen_quote, the_submitted_quote_keeps_its_lines)
{
    given_submitted ();
    bid_quote_line_change (d, &quo,
                           cmd ("{\"line\":1,\"product_code\":\"LED-600\",\"quantity\":90,"
                                "\"list_price\":100000,\"discount_bp\":500}"),
                           &facts);
    then_frozen ();
    AGAIN ();
    bid_quote_line_remove (d, &quo, cmd ("{\"line\":1}"), &facts);
    then_frozen ();
}

/*  Nor is it sent round the approval again: the bid went in at the
    price approved. */
Test (frozen_quote, the_submitted_quote_is_not_submitted_nor_judged_again)
{
    given_submitted ();
    bid_quote_submit (d, &quo, cmd ("{}"), &facts);
    then_frozen ();
    AGAIN ();
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_frozen ();
    AGAIN ();
    bid_quote_request_changes (d, &quo, cmd ("{\"note\":\"cheaper\"}"), &facts);
    then_frozen ();
}

/*  The freeze outlasts the opening (and the award, which freezes every
    quote of the tender anyway): a bid is not taken back. */
Test (frozen_quote, the_quote_stays_frozen_after_the_opening)
{
    given_opened ();
    bid_quote_line_add (d, &quo, cmd (S_LINE), &facts);
    then_frozen ();
}

/*  Before the submission the approved quote still changes (and needs
    approval again). */
Test (frozen_quote, an_approved_quote_not_yet_in_a_bid_still_changes)
{
    given_ready_to_submit ();
    bid_quote_line_add (d, &quo, cmd (S_LINE), &facts);
    then_accepted (1);
    then_event (0, "quote-q1", "quote.line_added");
}

/*  Another quote of the tender is not the bid's price: it takes work
    (a negotiation may ask for a new price after the opening). */
Test (frozen_quote, another_quote_of_the_tender_is_not_frozen)
{
    given_submitted ();
    bid_quote_t other;
    bid_quote_init (&other);
    int rc = bid_quote_create (d, &other, "q2", cmd ("{\"tender_id\":\"t1\",\"currency\":\"CNY\"}"),
                               &facts);
    cr_assert_eq (rc, 0, "%s", dbk_decision_message (d));
    cr_assert_eq (bid_quote_evolve (&other, dbk_decision_type (d, 0), payload (0)), 0);
    AGAIN ();
    bid_quote_line_add (d, &other, cmd (S_LINE), &facts);
    then_accepted (1);
    then_event (0, "quote-q2", "quote.line_added");
    bid_quote_reset (&other);
}
