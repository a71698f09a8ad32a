/*  bid_given.h - the Given-When-Then fixture shared by the suites of the
    bidding deciders (test_bidding_decider.c, test_bidding_award.c,
    test_bidding_rules.c, test_bidding_contract.c, test_bidding_closed.c,
    test_bidding_dates.c, test_bidding_frozen.c): one decision, a
    tender, a quote and a contract under test, a fake projection of
    opportunities, accounts and tenders behind the lookups, and a pool
    of parsed documents freed at the end of each test.
    Header-only (static inline) because the Makefile links
    tests/support/testlib.c only.
*/
#ifndef BID_GIVEN_H
#define BID_GIVEN_H

#include "bidding_decider.h"

#define S_POOL 1024
#include "given.h"

static bid_tender_t ten;   /* tender t1 under test   */
static bid_quote_t quo;    /* quote q1 under test    */
static bid_contract_t con; /* contract c1 under test */

/*  ---- the shell's projection: opportunities o1, o2 open, o8 won, o9
    closed (lost), each with the day it was registered; accounts a1, a2, a9 closed; tenders t1, t2
   open (for o1), t8 awarded won (for o8, on 2026-02-20, 1 000 000.00 CNY), t9 awarded lost (for
   o1); contract c0 signed under number HT-2025-1
    ---- */

static inline bid_ref_t s_opportunity (void *ctx, const char *id)
{
    (void) ctx;
    return !strcmp (id, "o1") || !strcmp (id, "o2") ? BID_REF_ACTIVE
           : !strcmp (id, "o8")                     ? BID_REF_WON
           : !strcmp (id, "o9")                     ? BID_REF_CLOSED
                                                    : BID_REF_MISSING;
}

static inline bid_ref_t s_account (void *ctx, const char *id)
{
    (void) ctx;
    return !strcmp (id, "a1") || !strcmp (id, "a2") ? BID_REF_ACTIVE
           : !strcmp (id, "a9")                     ? BID_REF_CLOSED /* archived or merged */
                                                    : BID_REF_MISSING;
}

static inline bid_ref_t s_tender (void *ctx, const char *id)
{
    (void) ctx;
    return !strcmp (id, "t1") || !strcmp (id, "t2") ? BID_REF_ACTIVE
           : !strcmp (id, "t8")                     ? BID_REF_WON
           : !strcmp (id, "t9")                     ? BID_REF_CLOSED
                                                    : BID_REF_MISSING;
}

/*  o1, o2 and o8 are in CNY; o9's currency is unknown (not checked) */
static inline bool s_currency (void *ctx, const char *id, char out[4])
{
    (void) ctx;
    if (strcmp (id, "o1") && strcmp (id, "o2") && strcmp (id, "o8"))
        return false;
    memcpy (out, "CNY", 4);
    return true;
}

/*  every tender is in CNY; t8 is o8's, the others o1's */
static inline bool s_tender_terms (void *ctx, const char *id, char opp[BID_ID_MAX + 1], char cur[4])
{
    (void) ctx;
    if (s_tender (NULL, id) == BID_REF_MISSING)
        return false;
    snprintf (opp, BID_ID_MAX + 1, "%s", strcmp (id, "t8") ? "o1" : "o8");
    memcpy (cur, "CNY", 4);
    return true;
}

/*  t8 was awarded won on 2026-02-20 for 1 000 000.00 CNY */
static inline bool s_tender_award (void *ctx, const char *id, char date[11], int64_t *amount)
{
    (void) ctx;
    if (strcmp (id, "t8"))
        return false;
    memcpy (date, "2026-02-20", 11);
    *amount = 100000000;
    return true;
}

/*  The bid of the tender under test once submitted, as its row tells
    it: the quote it names and its date; no other tender's was. */
static inline bool s_tender_bid (void *ctx, const char *id, char quote[BID_ID_MAX + 1],
                                 char date[11])
{
    (void) ctx;
    if (!ten.exists || !ten.quote_id || strcmp (id, ten.id))
        return false;
    snprintf (quote, BID_ID_MAX + 1, "%s", ten.quote_id);
    snprintf (date, 11, "%s", ten.submitted_on ? ten.submitted_on : "");
    return true;
}

/*  contract c0 was signed under number HT-2025-1, compared as the shell
    compares numbers (bid_number_key) */
static inline bool s_contract_number (void *ctx, const char *number, char id[BID_ID_MAX + 1])
{
    (void) ctx;
    char *k = bid_number_key (number, strlen (number));
    bool taken = k && !strcmp (k, "ht-2025-1");
    free (k);
    if (taken)
        snprintf (id, BID_ID_MAX + 1, "c0");
    return taken;
}

/*  o1 and o2 were registered on 2026-01-10, o8 on 2025-11-03, o9 on
    2025-12-01: nothing on them is dated earlier */
static inline bool s_registered (void *ctx, const char *id, char date[11])
{
    (void) ctx;
    const char *on = !strcmp (id, "o1") || !strcmp (id, "o2") ? "2026-01-10"
                     : !strcmp (id, "o8")                     ? "2025-11-03"
                     : !strcmp (id, "o9")                     ? "2025-12-01"
                                                              : NULL;
    if (on)
        memcpy (date, on, 11);
    return on != NULL;
}

/*  no deal was lost through a tender's award (test_bidding_closed.c has
    one) */
static const bid_lookup_t s_lookup = {.opportunity = s_opportunity,
                                      .account = s_account,
                                      .tender = s_tender,
                                      .currency = s_currency,
                                      .tender_terms = s_tender_terms,
                                      .tender_award = s_tender_award,
                                      .tender_bid = s_tender_bid,
                                      .contract_number = s_contract_number,
                                      .registered = s_registered};

/*  The facts of most commands: today 2026-03-01, wang acts with the
    salesperson's authority (level 0), default configuration. Tests
    change them. */
static bid_facts_t facts;

static inline void s_setup (void)
{
    d = dbk_decision_new ();
    cr_assert_not_null (d);
    bid_tender_init (&ten);
    bid_quote_init (&quo);
    bid_contract_init (&con);
    facts = (bid_facts_t){"2026-03-01", "wang", 0, &s_lookup, NULL};
}

static inline void s_teardown (void)
{
    given_teardown ();
    bid_tender_reset (&ten);
    bid_quote_reset (&quo);
    bid_contract_reset (&con);
}

/*  Fold every decided event into the state of its stream's category. */
static inline void fold (void)
{
    for (size_t i = 0; i < dbk_decision_count (d); i++) {
        const char *stream = dbk_decision_stream (d, i);
        const char *type = dbk_decision_type (d, i);
        int rc = !strncmp (stream, "tender-", 7)  ? bid_tender_evolve (&ten, type, payload (i))
                 : !strncmp (stream, "quote-", 6) ? bid_quote_evolve (&quo, type, payload (i))
                                                  : bid_contract_evolve (&con, type, payload (i));
        cr_assert_eq (rc, 0, "%s: %s", type, dbk_strerror (rc));
    }
}

/*  Run a decider that must accept, fold its events, and empty the
    decision: the "Given" of a test. */
#define GIVEN(call)                                                                                \
    do {                                                                                           \
        int given_rc_ = (call);                                                                    \
        cr_assert_eq (given_rc_, 0, "given %s: %s", #call, dbk_decision_message (d));              \
        fold ();                                                                                   \
        dbk_decision_reset (d);                                                                    \
    } while (0)

/*  Reset the decision between two "When"s of one test. */
#define AGAIN() dbk_decision_reset (d)

/*  An event folded straight into a state (for states deciders would take
    long to reach, and for evolve's own tests). */
static inline int tender_event (const char *type, const char *json)
{
    return bid_tender_evolve (&ten, type, cmd (json));
}

#define S_TENDER_JSON                                                                              \
    "{\"opportunity_id\":\"o1\",\"number\":\"SH-2026-0042\",\"issuer\":\"上海招标公司\","    \
    "\"type\":\"public\",\"currency\":\"CNY\",\"title\":\"浦东医院照明\","                   \
    "\"account_id\":\"a1\",\"bond_required\":5000000,"                                             \
    "\"clarification_deadline\":\"2026-03-15\",\"submission_deadline\":\"2026-04-01\","            \
    "\"opening_date\":\"2026-04-01\"}"

/*  Given: tender t1 opened for o1 (one envelope, bond 50 000.00 CNY). */
static inline void given_tender (void)
{
    GIVEN (bid_tender_open (d, &ten, "t1", cmd (S_TENDER_JSON), &facts));
}

/*  Given: tender t1 opened with two envelopes and no bond. */
static inline void given_two_envelope_tender (void)
{
    GIVEN (bid_tender_open (d, &ten, "t1",
                            cmd ("{\"opportunity_id\":\"o1\",\"number\":\"N2\",\"issuer\":\"X\","
                                 "\"type\":\"invited\",\"currency\":\"CNY\",\"envelopes\":2}"),
                            &facts));
}

static inline void given_step (const char *step)
{
    char json[100];
    snprintf (json, sizeof json, "{\"step\":\"%s\"}", step);
    GIVEN (bid_tender_step_advance (d, &ten, cmd (json), &facts));
}

static inline void given_part (const char *part, const char *status)
{
    char json[200];
    snprintf (json, sizeof json, "{\"part\":\"%s\",\"owner\":\"li\",\"due\":\"2026-03-20\"}", part);
    GIVEN (bid_tender_part_set (d, &ten, cmd (json), &facts));
    snprintf (json, sizeof json, "{\"part\":\"%s\",\"status\":\"%s\"}", part, status);
    if (strcmp (status, "not_started"))
        GIVEN (bid_tender_part_status (d, &ten, cmd (json), &facts));
}

static inline void given_parts_ready (void)
{
    given_part ("commercial", "ready");
    given_part ("technical", "ready");
    given_part ("price", "ready");
}

static inline void given_decided (const char *decision)
{
    char json[200];
    snprintf (json, sizeof json, "{\"decision\":\"%s\",\"reason\":\"we are specified\"}", decision);
    GIVEN (bid_tender_decide_bid (d, &ten, cmd (json), &facts));
}

static inline void given_bond (void)
{
    GIVEN (bid_tender_bond_issue (d, &ten, cmd ("{\"amount\":5000000,\"form\":\"guarantee\"}"),
                                  &facts));
}

/*  Given: quote q1 for t1 in CNY. */
static inline void given_quote (void)
{
    GIVEN (bid_quote_create (d, &quo, "q1", cmd ("{\"tender_id\":\"t1\",\"currency\":\"CNY\"}"),
                             &facts));
}

/*  Given: a line on q1. */
static inline void given_line (const char *json)
{
    GIVEN (bid_quote_line_add (d, &quo, cmd (json), &facts));
}

/*  100 LED panels listed at 1 000.00, 5% off, cost 600.00 each. */
#define S_LINE                                                                                     \
    "{\"product_code\":\"LED-600\",\"description\":\"LED panel 600x600\",\"quantity\":100,"        \
    "\"list_price\":100000,\"discount_bp\":500,\"cost_price\":60000}"

/*  Given: q1 with S_LINE, submitted and approved by wang (5% is within
    a salesperson's limit). */
static inline void given_quote_approved (void)
{
    given_quote ();
    given_line (S_LINE);
    GIVEN (bid_quote_submit (d, &quo, cmd ("{}"), &facts));
    GIVEN (bid_quote_approve (d, &quo, cmd ("{}"), &facts));
}

/*  Given: t1 with every precondition of a submission met. */
static inline void given_ready_to_submit (void)
{
    given_tender ();
    given_step ("documents_issued");
    given_decided ("bid");
    given_parts_ready ();
    given_bond ();
    given_quote_approved ();
}

static inline void given_submitted (void)
{
    given_ready_to_submit ();
    GIVEN (bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\"}"), &facts));
}

#define S_BIDDERS                                                                                  \
    "[{\"bidder\":\"Philips\",\"price\":9200000,\"rank\":1},"                                      \
    "{\"bidder\":\"us\",\"price\":9500000,\"rank\":2,\"us\":true},"                                \
    "{\"bidder\":\"Opple\",\"price\":9900000,\"rank\":3}]"

static inline void given_opened (void)
{
    given_submitted ();
    GIVEN (bid_tender_opening_record (d, &ten, cmd ("{\"bidders\":" S_BIDDERS "}"), &facts));
}

/*  Contract c1 of won deal o8 after its tender t8, awarded won:
    1 000 000.00 CNY in four milestones: advance 30% due
    2026-04-01, delivery 40% due 2026-06-01, acceptance 25% due
    2026-07-01, retention 5% held until the warranty ends 2028-07-01;
    30 days to pay. */
#define S_CONTRACT_JSON                                                                            \
    "{\"number\":\"HT-2026-7\",\"opportunity_id\":\"o8\",\"buyer_id\":\"a1\","                     \
    "\"seller\":\"光明照明有限公司\",\"scope\":\"supply and install 2 000 LED panels\","   \
    "\"amount\":100000000,\"currency\":\"CNY\",\"signed_on\":\"2026-03-01\","                      \
    "\"tender_id\":\"t8\",\"delivery_date\":\"2026-06-01\",\"warranty_end\":\"2028-07-01\","       \
    "\"penalties\":\"0.05% of the amount per day late, at most 5%\",\"payment_days\":30,"          \
    "\"milestones\":[{\"kind\":\"advance\",\"amount\":30000000,\"due\":\"2026-04-01\"},"           \
    "{\"kind\":\"delivery\",\"amount\":40000000,\"due\":\"2026-06-01\"},"                          \
    "{\"kind\":\"acceptance\",\"amount\":25000000,\"due\":\"2026-07-01\"},"                        \
    "{\"kind\":\"retention\",\"amount\":5000000}]}"

static inline void given_contract (void)
{
    GIVEN (bid_contract_sign (d, &con, "c1", cmd (S_CONTRACT_JSON), &facts));
}

#endif
