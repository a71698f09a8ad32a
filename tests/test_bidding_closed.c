/*  test_bidding_closed.c - the bidding service's rule for a deal closed
    without a win (lost, abandoned, closed as a duplicate) as
    specifications, Given-When-Then: its tenders and their quotes take
    no new bid work until it is reopened (REJECTED, nothing decided),
    while what records how the tender ended still goes in (the opening
    read out, a lost award, the bond back, a no_bid decision, a quote's
    rejection), and so does a won award on a deal lost through another of
    its tenders' award; a won deal stops nothing, the contract phase
    follows it.
*/
#include "support/bid_given.h"

TestSuite (closed_deal, .init = s_setup, .fini = s_teardown);

/*  The projection once o1 closed (lost, abandoned or a duplicate), or
    once it was won. */
static bid_ref_t s_o1_closed (void *ctx, const char *id)
{
    return !strcmp (id, "o1") ? BID_REF_CLOSED : s_opportunity (ctx, id);
}

static bid_ref_t s_o1_won (void *ctx, const char *id)
{
    return !strcmp (id, "o1") ? BID_REF_WON : s_opportunity (ctx, id);
}

static bid_lookup_t s_deal_lookup;

static void s_deal_becomes (bid_ref_t (*fn) (void *, const char *))
{
    s_deal_lookup = s_lookup;
    s_deal_lookup.opportunity = fn;
    facts.lookup = &s_deal_lookup;
}

Test (closed_deal, no_submission_once_the_deal_is_closed)
{
    given_ready_to_submit ();
    s_deal_becomes (s_o1_closed);
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("opportunity o1 of tender t1 is closed");
    then_message_mentions ("reopen it first");
}

Test (closed_deal, no_award_once_the_deal_is_closed)
{
    given_opened ();
    s_deal_becomes (s_o1_closed);
    facts.today = "2026-04-10"; /* the award is entered on its day */
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("reopen it first");
}

/*  o1 lost through the award of another of its tenders (t9), not by
    hand. */
static bool s_o1_lost_by_award (void *ctx, const char *id)
{
    (void) ctx;
    return !strcmp (id, "o1");
}

/*  Lots of one deal, or a re-tender: another tender's lost award closed
    the deal, this one is won. The win goes in (the opportunities service
    reopens the deal and wins it), as it would have, had it reached the
    log before the loss. */
Test (closed_deal, a_won_award_goes_in_on_a_deal_another_tender_lost)
{
    given_opened ();
    s_deal_becomes (s_o1_closed);
    s_deal_lookup.lost_by_award = s_o1_lost_by_award;
    facts.today = "2026-04-10"; /* the award is entered on its day */
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts);
    then_accepted (1);
    then_event (0, "tender-t1", "tender.awarded");
    cr_assert (has_str (payload (0), "result", "won"));
    cr_assert (has_str (payload (0), "opportunity_id", "o1"));
}

/*  Only the award: other bid work on the deal waits for it to be
    reopened, as on any deal closed without a win. */
Test (closed_deal, a_deal_another_tender_lost_takes_no_other_bid_work)
{
    given_ready_to_submit ();
    s_deal_becomes (s_o1_closed);
    s_deal_lookup.lost_by_award = s_o1_lost_by_award;
    bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("reopen it first");
}

/*  A loss is the tender's own record (the deal may have been marked lost
    by hand before the official notice): it wins nothing, it goes in. */
Test (closed_deal, a_lost_award_is_recorded_on_a_closed_deal)
{
    given_opened ();
    s_deal_becomes (s_o1_closed);
    facts.today = "2026-04-10"; /* the award is entered on its day */
    bid_tender_award (d, &ten,
                      cmd ("{\"result\":\"lost\",\"date\":\"2026-04-10\",\"winner\":\"Philips\","
                           "\"reason\":\"price\"}"),
                      &facts);
    cr_assert_not (dbk_decision_rejected (d), "%s", dbk_decision_message (d));
    cr_assert_str_eq (dbk_decision_type (d, 0), "tender.awarded");
}

/*  A deal won by hand (or by another tender) cannot be reopened: the
    tender still goes in and is awarded. */
Test (closed_deal, a_deal_won_meanwhile_does_not_stop_its_tender)
{
    given_ready_to_submit ();
    s_deal_becomes (s_o1_won);
    GIVEN (bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts));
    GIVEN (bid_tender_opening_record (d, &ten, cmd ("{\"bidders\":" S_BIDDERS "}"), &facts));
    facts.today = "2026-04-10"; /* the award is entered on its day */
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts);
    then_accepted (1);
}

/*  The award closes its own deal, through the opportunities service:
    what the tender still takes afterwards is not refused for it. */
Test (closed_deal, the_deal_its_lost_award_closed_blocks_nothing_after_it)
{
    given_opened ();
    facts.today = "2026-04-10"; /* the award is entered on its day */
    GIVEN (bid_tender_award (
        d, &ten,
        cmd ("{\"result\":\"lost\",\"date\":\"2026-04-10\",\"winner\":\"Philips\","
             "\"reason\":\"price\"}"),
        &facts));
    s_deal_becomes (s_o1_closed); /* the reaction: opportunity.lost */
    bid_tender_bond_return (d, &ten, cmd ("{}"), &facts);
    then_accepted (1);
    AGAIN ();
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts);
    then_rejected (DBK_EDUPLICATE, "id"); /* awarded already, whatever the deal */
}

Test (closed_deal, the_deal_its_won_award_closed_blocks_nothing_after_it)
{
    given_opened ();
    facts.today = "2026-04-10"; /* the award is entered on its day */
    GIVEN (
        bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts));
    s_deal_becomes (s_o1_won); /* the reaction: opportunity.won */
    given_step ("contract");
    cr_assert_str_eq (ten.step, "contract");
    bid_tender_bond_return (d, &ten, cmd ("{}"), &facts);
    then_accepted (1);
}

/*  Then: refused on `field` for the closed deal o1, nothing decided. */
static void then_refused_for_the_deal (const char *field)
{
    then_rejected (DBK_EREJECTED, field);
    then_message_mentions ("opportunity o1 of tender t1 is closed");
    then_message_mentions ("reopen it first");
}

/*  Given: t1 at documents_issued, a question asked, a part assigned, the
    bond out; then o1 closes. */
static void given_tender_of_a_closed_deal (void)
{
    given_tender ();
    given_step ("documents_issued");
    GIVEN (bid_tender_clarification_ask (d, &ten, cmd ("{\"question\":\"IP rating?\"}"), &facts));
    given_part ("commercial", "in_progress");
    given_bond ();
    s_deal_becomes (s_o1_closed);
}

Test (closed_deal, a_closed_deals_tender_takes_no_new_bid_work)
{
    given_tender_of_a_closed_deal ();
    bid_tender_dates_set (d, &ten, cmd ("{\"opening_date\":\"2026-04-02\"}"), &facts);
    then_refused_for_the_deal ("id");
    AGAIN ();
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"site_visit\"}"), &facts);
    then_refused_for_the_deal ("id");
    AGAIN ();
    bid_tender_clarification_ask (d, &ten, cmd ("{\"question\":\"samples?\"}"), &facts);
    then_refused_for_the_deal ("id");
    AGAIN ();
    bid_tender_clarification_answer (d, &ten, cmd ("{\"no\":1,\"answer\":\"IP54\"}"), &facts);
    then_refused_for_the_deal ("id");
    AGAIN ();
    bid_tender_decide_bid (d, &ten, cmd ("{\"decision\":\"bid\",\"reason\":\"r\"}"), &facts);
    then_refused_for_the_deal ("id");
    AGAIN ();
    bid_tender_part_set (d, &ten, cmd ("{\"part\":\"technical\",\"owner\":\"li\"}"), &facts);
    then_refused_for_the_deal ("id");
    AGAIN ();
    bid_tender_part_status (d, &ten, cmd ("{\"part\":\"commercial\",\"status\":\"ready\"}"),
                            &facts);
    then_refused_for_the_deal ("id");
    AGAIN ();
    GIVEN (bid_tender_bond_return (d, &ten, cmd ("{}"), &facts)); /* the bond comes back */
    bid_tender_bond_issue (d, &ten, cmd ("{\"amount\":5000000}"), &facts);
    then_refused_for_the_deal ("id");
}

/*  Malformed or unknown comes first: the deal is asked about last. */
Test (closed_deal, a_malformed_command_is_told_so_first)
{
    given_tender_of_a_closed_deal ();
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"nosuch\"}"), &facts);
    then_rejected (DBK_EINVAL, "step");
    AGAIN ();
    bid_tender_reset (&ten);
    bid_tender_dates_set (d, &ten, cmd ("{\"opening_date\":\"2026-04-02\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "id");
}

/*  Staying out is no bid work: the reason is recorded on a deal given up. */
Test (closed_deal, a_no_bid_decision_goes_in_on_a_closed_deal)
{
    given_tender_of_a_closed_deal ();
    bid_tender_decide_bid (
        d, &ten, cmd ("{\"decision\":\"no_bid\",\"reason\":\"the project is shelved\"}"), &facts);
    then_accepted (1);
    then_event (0, "tender-t1", "tender.bid_decided");
}

/*  The bid went in while the deal was open; it closed before the
    opening: what the opening read out is still recorded (the prices are
    price intelligence, and a lost award follows the opening). */
Test (closed_deal, the_opening_of_a_bid_in_goes_in_on_a_closed_deal)
{
    given_submitted ();
    s_deal_becomes (s_o1_closed);
    bid_tender_opening_record (d, &ten, cmd ("{\"bidders\":" S_BIDDERS "}"), &facts);
    then_accepted (1);
    fold ();
    AGAIN ();
    facts.today = "2026-04-10"; /* the award is entered on its day */
    bid_tender_award (d, &ten,
                      cmd ("{\"result\":\"lost\",\"date\":\"2026-04-10\",\"winner\":\"Philips\","
                           "\"reason\":\"price\"}"),
                      &facts);
    then_accepted (1);
}

Test (closed_deal, a_closed_deals_quotes_take_no_new_pricing_work)
{
    given_tender ();
    given_quote ();
    given_line (S_LINE);
    s_deal_becomes (s_o1_closed);
    bid_quote_create (d, &(bid_quote_t){0}, "q2",
                      cmd ("{\"tender_id\":\"t1\",\"currency\":\"CNY\"}"), &facts);
    then_refused_for_the_deal ("tender_id");
    AGAIN ();
    bid_quote_line_add (d, &quo, cmd (S_LINE), &facts);
    then_refused_for_the_deal ("id");
    AGAIN ();
    bid_quote_line_change (d, &quo,
                           cmd ("{\"line\":1,\"product_code\":\"LED-600\",\"quantity\":90,"
                                "\"list_price\":100000}"),
                           &facts);
    then_refused_for_the_deal ("id");
    AGAIN ();
    bid_quote_line_remove (d, &quo, cmd ("{\"line\":1}"), &facts);
    then_refused_for_the_deal ("id");
    AGAIN ();
    bid_quote_submit (d, &quo, cmd ("{}"), &facts);
    then_refused_for_the_deal ("id");
}

/*  A quote waiting for approval when the deal closed: it is neither
    approved nor sent back for new prices, but the approver may reject
    it, which takes it off their queue. */
Test (closed_deal, a_quote_waiting_for_approval_is_only_rejected)
{
    given_tender ();
    given_quote ();
    given_line (S_LINE);
    GIVEN (bid_quote_submit (d, &quo, cmd ("{}"), &facts));
    s_deal_becomes (s_o1_closed);
    bid_quote_approve (d, &quo, cmd ("{}"), &facts);
    then_refused_for_the_deal ("id");
    AGAIN ();
    bid_quote_request_changes (d, &quo, cmd ("{\"note\":\"cheaper\"}"), &facts);
    then_refused_for_the_deal ("id");
    AGAIN ();
    bid_quote_reject (d, &quo, cmd ("{\"reason\":\"the deal was lost\"}"), &facts);
    then_accepted (1);
    then_event (0, "quote-q1", "quote.rejected");
}

/*  Reopened, the deal takes the work again, where it stopped. */
Test (closed_deal, a_reopened_deal_takes_the_work_again)
{
    given_tender ();
    given_step ("documents_issued");
    given_quote ();
    s_deal_becomes (s_o1_closed);
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"site_visit\"}"), &facts);
    then_refused_for_the_deal ("id");
    AGAIN ();
    bid_quote_line_add (d, &quo, cmd (S_LINE), &facts);
    then_refused_for_the_deal ("id");
    AGAIN ();
    s_deal_becomes (s_opportunity); /* opportunity.reopened: o1 is open */
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"site_visit\"}"), &facts);
    then_accepted (1);
    AGAIN ();
    bid_quote_line_add (d, &quo, cmd (S_LINE), &facts);
    then_accepted (1);
}

/*  A won deal cannot be reopened, and its tender may still be the
    formality to go through after the customer chose us: its tender and
    quotes go on, up to the award and the contract step. */
Test (closed_deal, a_won_deal_stops_no_tender_work)
{
    given_tender ();
    s_deal_becomes (s_o1_won);
    given_step ("documents_issued");
    given_decided ("bid");
    given_parts_ready ();
    given_bond ();
    given_quote_approved ();
    GIVEN (bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts));
    cr_assert_str_eq (ten.step, "submission");
}
