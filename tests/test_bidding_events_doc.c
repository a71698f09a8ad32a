/*  test_bidding_events_doc.c - docs/events.md checked against the events
    the bidding deciders (services/bidding/bidding_decider.h) produce:
    every event type is decided by the real deciders, with every optional
    field given (fixture in support/bid_given.h), and must have a
    `#### \`type\`` section that describes each key of its payload as
    `key` in a row of its table (and each key of the maps inside an array
    of maps, such as bidders and milestones, in that array's row); and
    every `#### \`tender.…\``, `quote.…` and `contract.…` section must
    be a type decided here, so the document can drift from the deciders
    in neither direction.
*/
#include "support/bid_given.h"
#define EVENTS_DOC_FLUSH 1
#include "support/events_doc.h"

TestSuite (bidding_events_doc, .init = s_setup, .fini = s_teardown);

/*  The decider call must decide; its events are folded into the states
    of their streams, then checked against the document. */
#define DOC(call) DOC_THEN (call, #call, fold ())

/*  Every optional field of a tender, its key dates included. */
#define S_TENDER_ALL                                                                               \
    "{\"opportunity_id\":\"o1\",\"number\":\"SH-2026-0042\",\"issuer\":\"上海招标公司\","    \
    "\"type\":\"public\",\"currency\":\"CNY\",\"title\":\"浦东医院照明\","                   \
    "\"account_id\":\"a1\",\"envelopes\":1,\"bond_required\":5000000,"                             \
    "\"notice_date\":\"2026-02-01\",\"prequalification_date\":\"2026-02-05\","                     \
    "\"document_sale_date\":\"2026-02-10\",\"site_visit_date\":\"2026-02-20\","                    \
    "\"clarification_deadline\":\"2026-03-15\",\"submission_deadline\":\"2026-04-01\","            \
    "\"opening_date\":\"2026-04-01\"}"

/*  Tender t1 up to its submission: opened, dates, steps, clarifications,
    the bond, bid / no-bid, the parts. */
static void s_tendering (const char *doc)
{
    DOC (bid_tender_open (d, &ten, "t1", cmd (S_TENDER_ALL), &facts));
    DOC (bid_tender_dates_set (
        d, &ten,
        cmd ("{\"notice_date\":\"2026-02-02\",\"prequalification_date\":\"2026-02-06\","
             "\"document_sale_date\":\"2026-02-11\",\"site_visit_date\":\"2026-02-21\","
             "\"clarification_deadline\":\"2026-03-16\",\"submission_deadline\":\"2026-04-02\","
             "\"opening_date\":\"2026-04-03\"}"),
        &facts));
    cr_assert_str_eq (ten.dates[6], "2026-04-03");
    DOC (bid_tender_step_advance (
        d, &ten, cmd ("{\"step\":\"prequalification\",\"date\":\"2026-02-06\"}"), &facts));
    given_step ("documents_issued");
    DOC (bid_tender_clarification_ask (d, &ten, cmd ("{\"question\":\"which IP rating?\"}"),
                                       &facts));
    facts.today = "2026-03-02"; /* the answer came, and is entered, the next day */
    DOC (bid_tender_clarification_answer (
        d, &ten, cmd ("{\"no\":1,\"answer\":\"IP54\",\"date\":\"2026-03-02\"}"), &facts));
    DOC (bid_tender_bond_issue (
        d, &ten, cmd ("{\"amount\":5000000,\"date\":\"2026-03-01\",\"form\":\"guarantee\"}"),
        &facts));
    DOC (bid_tender_bond_return (d, &ten, cmd ("{\"date\":\"2026-03-02\",\"note\":\"wrong bank\"}"),
                                 &facts));
    given_bond ();
    given_decided ("no_bid");
    DOC (bid_tender_decide_bid (
        d, &ten, cmd ("{\"decision\":\"bid\",\"reason\":\"we are specified\"}"), &facts));
    cr_assert_str_eq (ten.decision, "bid");
    DOC (bid_tender_part_set (
        d, &ten, cmd ("{\"part\":\"commercial\",\"owner\":\"li\",\"due\":\"2026-03-20\"}"),
        &facts));
    DOC (bid_tender_part_status (d, &ten, cmd ("{\"part\":\"commercial\",\"status\":\"ready\"}"),
                                 &facts));
    given_part ("technical", "ready");
    given_part ("price", "ready");
}

/*  Quote q1 for t1: created, lines added, changed and removed, submitted,
    sent back, rejected and at last approved. */
static void s_quote (const char *doc)
{
    DOC (bid_quote_create (d, &quo, "q1",
                           cmd ("{\"tender_id\":\"t1\",\"currency\":\"CNY\",\"title\":\"LED\"}"),
                           &facts));
    DOC (bid_quote_line_add (d, &quo, cmd (S_LINE), &facts));
    DOC (bid_quote_line_add (d, &quo,
                             cmd ("{\"product_code\":\"DRV-1\",\"description\":\"driver\","
                                  "\"quantity\":10,\"list_price\":5000,\"discount_bp\":200,"
                                  "\"cost_price\":3000}"),
                             &facts));
    DOC (bid_quote_line_change (d, &quo,
                                cmd ("{\"line\":2,\"product_code\":\"DRV-2\",\"description\":"
                                     "\"driver 2\",\"quantity\":20,\"list_price\":6000,"
                                     "\"discount_bp\":300,\"cost_price\":3500}"),
                                &facts));
    DOC (bid_quote_line_remove (d, &quo, cmd ("{\"line\":2}"), &facts));
    cr_assert_eq (quo.nlines, 1);
    DOC (bid_quote_submit (d, &quo, cmd ("{\"note\":\"please\"}"), &facts));
    DOC (bid_quote_request_changes (d, &quo, cmd ("{\"note\":\"check the cost\"}"), &facts));
    GIVEN (bid_quote_line_add (
        d, &quo, cmd ("{\"product_code\":\"CAB-1\",\"quantity\":1,\"list_price\":900}"), &facts));
    GIVEN (bid_quote_submit (d, &quo, cmd ("{}"), &facts));
    DOC (bid_quote_reject (d, &quo, cmd ("{\"reason\":\"too cheap\"}"), &facts));
    GIVEN (bid_quote_line_change (d, &quo,
                                  cmd ("{\"line\":1,\"product_code\":\"LED-600\",\"quantity\":100,"
                                       "\"list_price\":100000,\"discount_bp\":400}"),
                                  &facts)); /* a rejected quote changes before it goes again */
    GIVEN (bid_quote_submit (d, &quo, cmd ("{}"), &facts));
    DOC (bid_quote_approve (d, &quo, cmd ("{\"note\":\"fine\"}"), &facts));
    cr_assert_eq (quo.status, BID_QUOTE_APPROVED);
}

/*  The submission, the opening and a lost award of t1; then a won award
    of a fresh t1. */
static void s_award (const char *doc)
{
    DOC (bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\",\"date\":\"2026-03-02\"}"),
                            &facts));
    facts.today = "2026-04-10"; /* the opening and the award, entered on the award's day */
    DOC (bid_tender_opening_record (
        d, &ten,
        cmd ("{\"envelope\":\"single\",\"date\":\"2026-04-03\",\"bidders\":" S_BIDDERS "}"),
        &facts));
    cr_assert_eq (ten.our_rank, 2);
    DOC (bid_tender_award (d, &ten,
                           cmd ("{\"result\":\"lost\",\"date\":\"2026-04-10\",\"winner\":"
                                "\"Philips\",\"winning_price\":9200000,\"reason\":\"price\"}"),
                           &facts));
    cr_assert_str_eq (ten.result, "lost");

    bid_tender_reset (&ten);
    bid_quote_reset (&quo);
    facts.today = "2026-03-01";
    given_opened ();
    facts.today = "2026-04-10";
    DOC (bid_tender_award (d, &ten,
                           cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\",\"amount\":9300000,"
                                "\"reason\":\"best technical score\"}"),
                           &facts));
    cr_assert_str_eq (ten.result, "won");
}

/*  t8's award, for less than the contract: the contract says why. */
static bool s_award_lower (void *ctx, const char *id, char date[11], int64_t *amount)
{
    bool won = s_tender_award (ctx, id, date, amount);
    *amount -= 5000000;
    return won;
}

/*  Contract c1: signed with every field (an amount other than the
    award's, with its reason), invoiced, paid. */
static void s_contract (const char *doc)
{
    bid_lookup_t lk = s_lookup;
    lk.tender_award = s_award_lower;
    facts.lookup = &lk;
    char json[2000];
    snprintf (json, sizeof json, "{\"amount_reason\":\"installation added after the award\",%s",
              S_CONTRACT_JSON + 1);
    DOC (bid_contract_sign (d, &con, "c1", cmd (json), &facts));
    cr_assert (con.award_differs);
    facts.lookup = &s_lookup;
    facts.today = "2026-04-20"; /* the money, recorded once it came in */
    DOC (bid_contract_invoice (d, &con,
                               cmd ("{\"invoice\":\"F-1\",\"milestone\":1,\"amount\":30000000,"
                                    "\"date\":\"2026-04-01\"}"),
                               &facts));
    DOC (bid_contract_payment (d, &con,
                               cmd ("{\"milestone\":1,\"amount\":30000000,\"date\":\"2026-04-20\","
                                    "\"invoice\":\"F-1\"}"),
                               &facts));
    cr_assert_eq (con.paid, 30000000);
}

Test (bidding_events_doc, every_bidding_event_type_and_payload_field_is_documented)
{
    const char *doc = s_read_doc ();
    s_tendering (doc);
    s_quote (doc);
    s_award (doc);
    s_contract (doc);

    /* and the other way: every tender.*, quote.* and contract.* section
       is a decided type */
    static const char *const prefixes[] = {"tender.", "quote.", "contract."};
    size_t sections = s_sections_decided (doc, prefixes, 3);
    cr_assert_eq (sections, s_nseen, "%zu sections for %zu decided types", sections, s_nseen);
    cr_assert_eq (s_nseen, 24, "%zu types decided", s_nseen);
}
