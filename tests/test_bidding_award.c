/*  test_bidding_award.c - the bidding service's tender rules, continued
    (see test_bidding_decider.c): the opening of the bids, the award (and
    that the opportunities service's reaction accepts it) and the
    tender's evolve. A tender whose deal closed meanwhile is in
    test_bidding_closed.c.
*/
#include "support/bid_given.h"

#include "opportunities_decider.h"

TestSuite (opening, .init = s_setup, .fini = s_teardown);
TestSuite (award, .init = s_setup, .fini = s_teardown);
TestSuite (tender_evolve, .init = s_setup, .fini = s_teardown);
TestSuite (evolve, .init = s_setup, .fini = s_teardown);

/*  ======================= opening ======================= */

Test (opening, the_opening_records_every_bidder_and_our_rank)
{
    given_submitted ();
    bid_tender_opening_record (d, &ten, cmd ("{\"bidders\":" S_BIDDERS "}"), &facts);
    then_accepted (1);
    then_event (0, "tender-t1", "tender.opening_recorded");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "envelope", "single"));
    cr_assert (has_str (p, "step", "opening"));
    cr_assert (has_int (p, "our_rank", 2));
    cr_assert (has_int (p, "our_price", 9500000));
    const dbk_obj_t *b = dbk_obj_get (p, "bidders");
    cr_assert_eq (dbk_obj_len (b), 3);
    cr_assert (has_str (dbk_obj_at (b, 0), "bidder", "Philips"));
    cr_assert (has_int (dbk_obj_at (b, 0), "rank", 1));
    cr_assert_null (dbk_obj_get (dbk_obj_at (b, 0), "us"));
    fold ();
    cr_assert_str_eq (ten.step, "opening");
    cr_assert (ten.price_opened);
    cr_assert_eq (ten.nbidders, 3);
    cr_assert_eq (ten.our_rank, 2);
    cr_assert (ten.bidders[1].us);
    cr_assert_eq (ten.bidders[2].price, 9900000);
}

Test (opening, not_before_the_bid_is_submitted)
{
    given_tender ();
    given_step ("documents_issued");
    bid_tender_opening_record (d, &ten, cmd ("{\"bidders\":" S_BIDDERS "}"), &facts);
    then_rejected (DBK_EREJECTED, "opening");
    then_message_mentions ("the next step is submission");
}

Test (opening, a_single_envelope_is_opened_once)
{
    given_opened ();
    bid_tender_opening_record (d, &ten, cmd ("{\"bidders\":" S_BIDDERS "}"), &facts);
    then_rejected (DBK_EREJECTED, "opening");
    then_message_mentions ("opened already");
}

Test (opening, each_bidder_needs_a_name_price_and_distinct_rank)
{
    given_submitted ();
    const char *bad[] = {
        "{\"bidders\":[]}",
        "{\"bidders\":[{\"bidder\":\"A\",\"rank\":1}]}",
        "{\"bidders\":[{\"bidder\":\"A\",\"price\":1,\"rank\":1},{\"price\":2,\"rank\":2}]}",
        "{\"bidders\":[{\"bidder\":\"A\",\"price\":1,\"rank\":1},"
        "{\"bidder\":\"B\",\"price\":-2,\"rank\":2}]}",
        "{\"bidders\":[{\"bidder\":\"A\",\"price\":1,\"rank\":1},"
        "{\"bidder\":\"B\",\"price\":2,\"rank\":1}]}",
        "{\"bidders\":[{\"bidder\":\"A\",\"price\":1,\"rank\":1,\"us\":true},"
        "{\"bidder\":\"B\",\"price\":2,\"rank\":2,\"us\":true}]}",
        "{\"bidders\":[{\"bidder\":\"A\",\"price\":1,\"rank\":1,\"us\":\"yes\"}]}",
        "{\"bidders\":[{\"bidder\":\"A\",\"price\":1,\"rank\":1,\"colour\":1}]}",
        "{\"bidders\":\"A\"}",
        "{}",
    };
    const char *says[] = {"1 to 30",
                          "entry 1 of bidders needs its price",
                          "entry 2 of bidders",
                          "entry 2 of bidders",
                          "rank 1 is given twice",
                          "two bidders",
                          "true or false",
                          "entry 1 of bidders",
                          "a list",
                          "required"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        AGAIN ();
        bid_tender_opening_record (d, &ten, cmd (bad[i]), &facts);
        then_rejected (DBK_EINVAL, "bidders");
        then_message_mentions (says[i]);
    }
}

/*  Given: t1 with two envelopes, its bid submitted. */
static void s_two_envelopes_submitted (void)
{
    given_two_envelope_tender ();
    given_step ("documents_issued");
    given_decided ("bid");
    given_parts_ready ();
    given_quote_approved ();
    GIVEN (bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts));
}

Test (opening, two_envelopes_open_technical_then_price)
{
    s_two_envelopes_submitted ();
    bid_tender_opening_record (d, &ten, cmd ("{\"bidders\":" S_BIDDERS "}"), &facts);
    then_rejected (DBK_EINVAL, "envelope");
    AGAIN ();
    bid_tender_opening_record (d, &ten, cmd ("{\"envelope\":\"single\",\"bidders\":" S_BIDDERS "}"),
                               &facts);
    then_rejected (DBK_EREJECTED, "envelope");
    AGAIN ();
    bid_tender_opening_record (d, &ten, cmd ("{\"envelope\":\"price\",\"bidders\":" S_BIDDERS "}"),
                               &facts);
    then_rejected (DBK_EREJECTED, "envelope");
    then_message_mentions ("technical envelope");
    AGAIN ();
    GIVEN (bid_tender_opening_record (
        d, &ten,
        cmd ("{\"envelope\":\"technical\",\"bidders\":[{\"bidder\":\"Philips\"},"
             "{\"bidder\":\"us\",\"us\":true}]}"),
        &facts));
    cr_assert (ten.technical_opened);
    cr_assert_not (ten.price_opened);
    cr_assert_eq (ten.our_rank, 0, "no rank in the technical envelope");
    bid_tender_opening_record (
        d, &ten, cmd ("{\"envelope\":\"technical\",\"bidders\":[{\"bidder\":\"X\"}]}"), &facts);
    then_rejected (DBK_EREJECTED, "opening");
    AGAIN ();
    bid_tender_opening_record (d, &ten, cmd ("{\"envelope\":\"price\",\"bidders\":" S_BIDDERS "}"),
                               &facts);
    then_accepted (1);
    fold ();
    cr_assert (ten.price_opened);
    cr_assert_eq (ten.our_rank, 2);
}

/*  Given: t1 with two envelopes, submitted, its technical envelope
    opened. */
static void s_technical_opened (void)
{
    s_two_envelopes_submitted ();
    GIVEN (bid_tender_opening_record (
        d, &ten, cmd ("{\"envelope\":\"technical\",\"bidders\":[{\"bidder\":\"X\"}]}"), &facts));
}

Test (opening, the_price_envelope_after_evaluation_leaves_the_step_there)
{
    s_technical_opened ();
    cr_assert_str_eq (ten.step, "opening");
    given_step ("evaluation");
    bid_tender_opening_record (d, &ten, cmd ("{\"envelope\":\"price\",\"bidders\":" S_BIDDERS "}"),
                               &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "step", "evaluation"));
    fold ();
    cr_assert_str_eq (ten.step, "evaluation", "steps never go back");
    AGAIN ();
    bid_tender_step_advance (d, &ten, cmd ("{\"step\":\"evaluation\"}"), &facts);
    then_rejected (DBK_EREJECTED, "step");
    AGAIN ();
    facts.today = "2026-04-10"; /* the award is entered on its day */
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts);
    then_accepted (1);
}

Test (opening, the_price_envelope_before_evaluation_is_at_the_opening_step)
{
    s_technical_opened ();
    bid_tender_opening_record (d, &ten, cmd ("{\"envelope\":\"price\",\"bidders\":" S_BIDDERS "}"),
                               &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "step", "opening"));
}

Test (opening, a_one_envelope_tender_has_no_technical_envelope)
{
    given_submitted ();
    bid_tender_opening_record (
        d, &ten, cmd ("{\"envelope\":\"technical\",\"bidders\":[{\"bidder\":\"X\"}]}"), &facts);
    then_rejected (DBK_EREJECTED, "envelope");
}

/*  ======================= award ======================= */

Test (award, a_won_award_carries_what_the_opportunities_service_reads)
{
    given_opened ();
    facts.today = "2026-04-10"; /* the award is entered on its day */
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts);
    then_accepted (1);
    then_event (0, "tender-t1", "tender.awarded");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "id", "t1"));
    cr_assert (has_str (p, "tender_id", "t1"));
    cr_assert (has_str (p, "opportunity_id", "o1"));
    cr_assert (has_str (p, "result", "won"));
    cr_assert (has_str (p, "date", "2026-04-10"));
    cr_assert (has_int (p, "amount", 9500000), "our bid amount by default");
    cr_assert (has_str (p, "currency", "CNY"));
    cr_assert (has_str (p, "step", "award"));
    cr_assert (has_str (p, "tender_type", "public"));
    cr_assert_null (dbk_obj_get (p, "winner"));
    fold ();
    cr_assert_str_eq (ten.result, "won");
    cr_assert_str_eq (ten.step, "award");
    cr_assert_eq (ten.award_amount, 9500000);
}

Test (award, a_won_award_may_name_the_negotiated_amount)
{
    given_opened ();
    facts.today = "2026-04-10"; /* the award is entered on its day */
    bid_tender_award (d, &ten,
                      cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\",\"amount\":9300000,"
                           "\"reason\":\"best technical score\"}"),
                      &facts);
    then_accepted (1);
    cr_assert (has_int (payload (0), "amount", 9300000));
    cr_assert (has_str (payload (0), "reason", "best technical score"));
}

Test (award, a_lost_award_names_the_winner_the_reason_and_the_price_gap)
{
    given_opened ();
    facts.today = "2026-04-10"; /* the award is entered on its day */
    bid_tender_award (d, &ten,
                      cmd ("{\"result\":\"lost\",\"date\":\"2026-04-10\",\"winner\":\"Philips\","
                           "\"winning_price\":9200000,\"reason\":\"price\"}"),
                      &facts);
    then_accepted (1);
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "result", "lost"));
    cr_assert (has_str (p, "winner", "Philips"));
    cr_assert (has_str (p, "reason", "price"));
    cr_assert (has_int (p, "winning_price", 9200000));
    cr_assert (has_int (p, "price_gap", -300000), "their price minus ours");
    cr_assert_null (dbk_obj_get (p, "amount"));
    fold ();
    cr_assert_str_eq (ten.winner, "Philips");
    cr_assert_eq (ten.winning_price, 9200000);
    cr_assert_str_eq (ten.award_reason, "price");
}

Test (award, a_loss_needs_the_winner_and_the_reason)
{
    given_opened ();
    facts.today = "2026-04-10"; /* the award is entered on its day */
    bid_tender_award (d, &ten, cmd ("{\"result\":\"lost\",\"date\":\"2026-04-10\"}"), &facts);
    then_rejected (DBK_EINVAL, "winner");
    AGAIN ();
    bid_tender_award (
        d, &ten, cmd ("{\"result\":\"lost\",\"date\":\"2026-04-10\",\"winner\":\"P\"}"), &facts);
    then_rejected (DBK_EINVAL, "reason");
    AGAIN ();
    bid_tender_award (d, &ten,
                      cmd ("{\"result\":\"lost\",\"date\":\"2026-04-10\",\"winner\":\"P\","
                           "\"reason\":\"r\",\"amount\":1}"),
                      &facts);
    then_rejected (DBK_EINVAL, "amount");
    AGAIN ();
    bid_tender_award (
        d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\",\"winner\":\"P\"}"), &facts);
    then_rejected (DBK_EINVAL, "winner");
    AGAIN ();
    bid_tender_award (d, &ten, cmd ("{\"result\":\"draw\",\"date\":\"2026-04-10\"}"), &facts);
    then_rejected (DBK_EINVAL, "result");
    AGAIN ();
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\"}"), &facts);
    then_rejected (DBK_EINVAL, "date");
}

Test (award, not_before_the_opening_and_only_once)
{
    given_submitted ();
    facts.today = "2026-04-10"; /* the award is entered on its day */
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts);
    then_rejected (DBK_EREJECTED, "award");
    then_message_mentions ("the next step is opening");
    AGAIN ();
    GIVEN (bid_tender_opening_record (d, &ten, cmd ("{\"bidders\":" S_BIDDERS "}"), &facts));
    GIVEN (
        bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts));
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts);
    then_rejected (DBK_EDUPLICATE, "id");
    AGAIN ();
    bid_tender_reset (&ten);
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts);
    then_rejected (DBK_ENOTFOUND, "id");
}

Test (award, the_award_may_follow_an_evaluation_step)
{
    given_opened ();
    given_step ("evaluation");
    facts.today = "2026-04-10"; /* the award is entered on its day */
    bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts);
    then_accepted (1);
}

Test (award, an_awarded_tender_can_no_longer_change)
{
    given_opened ();
    facts.today = "2026-04-10"; /* the award is entered on its day */
    GIVEN (
        bid_tender_award (d, &ten, cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\"}"), &facts));
    bid_tender_dates_set (d, &ten, cmd ("{\"opening_date\":\"2026-04-02\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    then_message_mentions ("awarded (won)");
    AGAIN ();
    bid_tender_clarification_ask (d, &ten, cmd ("{\"question\":\"q\"}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
    AGAIN ();
    bid_tender_bond_issue (d, &ten, cmd ("{\"amount\":5000000}"), &facts);
    then_rejected (DBK_EREJECTED, "id");
}

/*  The contract between the services: the opportunities service's
    reaction (opp_react_award) accepts the payload as the bidding service
    writes it, and closes the deal. */
static opp_ref_t s_opp_account (void *ctx, const char *id)
{
    (void) ctx;
    (void) id;
    return OPP_REF_ACTIVE;
}

static void s_react (const char *award_json, const char *want_type, opp_state_t *deal)
{
    static const opp_lookup_t lk = {s_opp_account, NULL, NULL, NULL};
    opp_facts_t of = {"2026-01-10", "wang", false, NULL, &lk, NULL};
    dbk_decision_t *od = dbk_decision_new ();
    int rc = opp_register (od, deal, "o1",
                           cmd ("{\"name\":\"浦东医院照明\",\"account_id\":\"a1\","
                                "\"owner\":\"wang\",\"currency\":\"CNY\","
                                "\"close_date\":\"2026-09-30\",\"amount\":9000000}"),
                           &of);
    cr_assert_eq (rc, 0, "%s", dbk_decision_message (od));
    const void *data;
    size_t len;
    dbk_decision_data (od, 0, &data, &len);
    cr_assert_eq (opp_evolve (deal, "opportunity.registered", s_keep (data, len), OPP_UNRECORDED),
                  0);
    dbk_decision_reset (od);
    given_opened ();
    facts.today = "2026-04-10"; /* the award is entered on its day */
    cr_assert_eq (bid_tender_award (d, &ten, cmd (award_json), &facts), 0);
    rc = opp_react_award (od, deal, payload (0), &of);
    cr_assert_eq (rc, 0, "%s (%s)", dbk_decision_message (od),
                  dbk_decision_field (od) ? dbk_decision_field (od) : "-");
    cr_assert_eq (dbk_decision_count (od), 1);
    cr_assert_str_eq (dbk_decision_type (od, 0), want_type);
    dbk_decision_data (od, 0, &data, &len);
    dbk_doc_t *doc = NULL;
    cr_assert_eq (dbk_doc_parse (data, len, &doc), 0);
    cr_assert (has_str (dbk_doc_root (doc), "tender_type", "public"),
               "the tender's type goes with the outcome (win/loss by tender type)");
    dbk_doc_destroy (&doc);
    cr_assert_eq (opp_evolve (deal, want_type, s_keep (data, len), OPP_UNRECORDED), 0);
    dbk_decision_destroy (&od);
}

Test (award, the_opportunities_service_wins_the_deal_on_a_won_award)
{
    opp_state_t deal;
    opp_init (&deal);
    s_react ("{\"result\":\"won\",\"date\":\"2026-04-10\"}", "opportunity.won", &deal);
    cr_assert_eq (deal.status, OPP_WON);
    cr_assert_eq (deal.won_amount, 9500000);
    opp_reset (&deal);
}

Test (award, the_opportunities_service_loses_the_deal_on_a_lost_award)
{
    opp_state_t deal;
    opp_init (&deal);
    s_react ("{\"result\":\"lost\",\"date\":\"2026-04-10\",\"winner\":\"Philips\","
             "\"winning_price\":9200000,\"reason\":\"price\"}",
             "opportunity.lost", &deal);
    cr_assert_eq (deal.status, OPP_LOST);
    cr_assert_str_eq (deal.lost_to, "Philips");
    cr_assert_str_eq (deal.loss_reason, "price");
    opp_reset (&deal);
}

/*  ======================= evolve ======================= */

Test (tender_evolve, unknown_types_are_ignored)
{
    cr_assert_eq (tender_event ("tender.painted", "{\"colour\":1}"), 0);
    cr_assert_eq (tender_event ("quote.created", "{}"), 0);
    cr_assert_not (ten.exists);
}

/*  A log written before the step could not go back: its price envelope,
    opened after evaluation, says "opening". The fold keeps evaluation. */
Test (tender_evolve, a_later_envelope_never_takes_the_step_back)
{
    cr_assert_eq (tender_event ("tender.opened",
                                "{\"id\":\"t1\",\"opportunity_id\":\"o1\",\"number\":\"N\","
                                "\"issuer\":\"I\",\"type\":\"public\",\"currency\":\"CNY\","
                                "\"envelopes\":2,\"step\":\"notice\"}"),
                  0);
    cr_assert_eq (tender_event ("tender.opening_recorded",
                                "{\"id\":\"t1\",\"envelope\":\"technical\",\"step\":\"opening\","
                                "\"bidders\":[{\"bidder\":\"X\"}]}"),
                  0);
    cr_assert_str_eq (ten.step, "opening");
    cr_assert_eq (tender_event ("tender.step_advanced",
                                "{\"id\":\"t1\",\"from\":\"opening\",\"step\":\"evaluation\"}"),
                  0);
    cr_assert_eq (tender_event ("tender.opening_recorded",
                                "{\"id\":\"t1\",\"envelope\":\"price\",\"step\":\"opening\","
                                "\"bidders\":[{\"bidder\":\"X\",\"price\":1,\"rank\":1}]}"),
                  0);
    cr_assert_str_eq (ten.step, "evaluation");
    cr_assert (ten.price_opened);
}

Test (tender_evolve, a_known_type_without_its_fields_is_malformed)
{
    cr_assert_eq (tender_event ("tender.opened", "{\"id\":\"t1\"}"), DBK_EMALFORMED);
    bid_tender_reset (&ten);
    cr_assert_eq (tender_event ("tender.step_advanced", "{\"id\":\"t1\",\"step\":\"x\"}"),
                  DBK_EMALFORMED, "an event before the tender was opened");
    given_tender ();
    cr_assert_eq (tender_event ("tender.opened", "{\"id\":\"t1\"}"), DBK_EMALFORMED, "twice");
    cr_assert_eq (tender_event ("tender.step_advanced", "{\"id\":\"t1\"}"), DBK_EMALFORMED);
    cr_assert_eq (tender_event ("tender.clarification_answered", "{\"no\":1,\"answer\":\"a\"}"),
                  DBK_EMALFORMED, "no such question");
    cr_assert_eq (tender_event ("tender.bond_issued", "{\"amount\":\"x\"}"), DBK_EMALFORMED);
    cr_assert_eq (tender_event ("tender.bond_returned", "{}"), DBK_EMALFORMED, "no bond out");
    cr_assert_eq (tender_event ("tender.part_status_changed", "{\"part\":\"price\","
                                                              "\"status\":\"ready\"}"),
                  DBK_EMALFORMED, "no such part");
    cr_assert_eq (tender_event ("tender.submitted", "{\"quote_id\":\"q1\"}"), DBK_EMALFORMED);
    cr_assert_eq (tender_event ("tender.opening_recorded", "{\"envelope\":\"single\"}"),
                  DBK_EMALFORMED);
    cr_assert_eq (tender_event ("tender.awarded", "{\"result\":\"won\"}"), DBK_EMALFORMED);
    cr_assert_eq (tender_event ("tender.opened", "[]"), DBK_EMALFORMED);
}

/*  ======================= evolve ======================= */

Test (evolve, unknown_types_are_ignored)
{
    cr_assert_eq (bid_quote_evolve (&quo, "quote.painted", cmd ("{}")), 0);
    cr_assert_eq (bid_quote_evolve (&quo, "tender.opened", cmd ("{}")), 0);
    cr_assert_eq (bid_contract_evolve (&con, "contract.amended", cmd ("{}")), 0);
    cr_assert_eq (bid_contract_evolve (&con, "quote.created", cmd ("{}")), 0);
}

Test (evolve, a_known_quote_event_without_its_fields_is_malformed)
{
    cr_assert_eq (bid_quote_evolve (&quo, "quote.line_added", cmd ("{\"line\":1}")), DBK_EMALFORMED,
                  "before quote.created");
    cr_assert_eq (bid_quote_evolve (&quo, "quote.created", cmd ("{\"id\":\"q1\"}")),
                  DBK_EMALFORMED);
    bid_quote_reset (&quo);
    given_quote ();
    cr_assert_eq (bid_quote_evolve (&quo, "quote.created", cmd ("{\"id\":\"q1\"}")), DBK_EMALFORMED,
                  "twice");
    cr_assert_eq (bid_quote_evolve (&quo, "quote.line_added",
                                    cmd ("{\"line\":1,\"revision\":1,\"product_code\":\"P\"}")),
                  DBK_EMALFORMED);
    cr_assert_eq (
        bid_quote_evolve (&quo, "quote.line_removed", cmd ("{\"line\":4,\"revision\":1}")),
        DBK_EMALFORMED, "no such line");
    cr_assert_eq (bid_quote_evolve (&quo, "quote.submitted", cmd ("{\"revision\":0}")),
                  DBK_EMALFORMED);
    cr_assert_eq (bid_quote_evolve (&quo, "quote.approved", cmd ("{\"revision\":0}")),
                  DBK_EMALFORMED);
}

Test (evolve, a_known_contract_event_without_its_fields_is_malformed)
{
    cr_assert_eq (bid_contract_evolve (&con, "contract.invoiced",
                                       cmd ("{\"milestone\":1,\"amount\":1,\"invoice\":\"F\"}")),
                  DBK_EMALFORMED, "before contract.signed");
    cr_assert_eq (bid_contract_evolve (&con, "contract.signed", cmd ("{\"id\":\"c1\"}")),
                  DBK_EMALFORMED);
    bid_contract_reset (&con);
    given_contract ();
    cr_assert_eq (bid_contract_evolve (&con, "contract.payment_received",
                                       cmd ("{\"milestone\":9,\"amount\":1}")),
                  DBK_EMALFORMED, "no such milestone");
    cr_assert_eq (
        bid_contract_evolve (&con, "contract.payment_received", cmd ("{\"milestone\":1}")),
        DBK_EMALFORMED);
    cr_assert_eq (
        bid_contract_evolve (&con, "contract.invoiced", cmd ("{\"milestone\":1,\"amount\":1}")),
        DBK_EMALFORMED, "no invoice number");
}

/*  ======================= limits ======================= */

TestSuite (limits, .init = s_setup, .fini = s_teardown);

Test (limits, a_quote_holds_at_most_BID_LINES_MAX_lines)
{
    given_quote ();
    for (int i = 0; i < BID_LINES_MAX; i++)
        given_line ("{\"product_code\":\"P\",\"quantity\":1,\"list_price\":1}");
    bid_quote_line_add (d, &quo, cmd ("{\"product_code\":\"P\",\"quantity\":1,\"list_price\":1}"),
                        &facts);
    then_rejected (DBK_EREJECTED, "line");
}

Test (limits, a_tender_holds_at_most_BID_CLARS_MAX_questions)
{
    given_tender ();
    for (int i = 0; i < BID_CLARS_MAX; i++)
        GIVEN (bid_tender_clarification_ask (d, &ten, cmd ("{\"question\":\"q\"}"), &facts));
    bid_tender_clarification_ask (d, &ten, cmd ("{\"question\":\"q\"}"), &facts);
    then_rejected (DBK_EREJECTED, "question");
}

Test (limits, a_contract_holds_at_most_BID_INVOICES_MAX_invoices)
{
    given_contract ();
    for (int i = 0; i < BID_INVOICES_MAX; i++) {
        char json[100];
        snprintf (json, sizeof json, "{\"invoice\":\"F%d\",\"milestone\":2,\"amount\":1}", i);
        GIVEN (bid_contract_invoice (d, &con, cmd (json), &facts));
    }
    bid_contract_invoice (d, &con, cmd ("{\"invoice\":\"G\",\"milestone\":2,\"amount\":1}"),
                          &facts);
    then_rejected (DBK_EREJECTED, "invoice");
}
