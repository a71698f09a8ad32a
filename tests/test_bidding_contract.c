/*  test_bidding_contract.c - the bidding service's contract rules
    (services/bidding/bidding_decider.h) as specifications,
    Given-When-Then: contracts (合同的几个要素), invoices and payments
    against milestones, receivables as of a date, and the date helper.
*/
#include "support/bid_given.h"

TestSuite (contract, .init = s_setup, .fini = s_teardown);
TestSuite (collection, .init = s_setup, .fini = s_teardown);
TestSuite (receivables, .init = s_setup, .fini = s_teardown);

/*  A projection that has not seen the deal's outcome yet: every known
    deal is open. */
static bid_ref_t s_opportunity_open (void *ctx, const char *id)
{
    return s_opportunity (ctx, id) == BID_REF_MISSING ? BID_REF_MISSING : BID_REF_ACTIVE;
}

/*  ======================= contracts ======================= */

Test (contract, a_signed_contract_records_its_terms_and_milestones)
{
    bid_contract_sign (d, &con, "c1", cmd (S_CONTRACT_JSON), &facts);
    then_accepted (1);
    then_event (0, "contract-c1", "contract.signed");
    const dbk_obj_t *p = payload (0);
    cr_assert (has_str (p, "number", "HT-2026-7"));
    cr_assert (has_str (p, "buyer_id", "a1"));
    cr_assert (has_str (p, "seller", "光明照明有限公司"));
    cr_assert (has_int (p, "amount", 100000000));
    cr_assert (has_str (p, "warranty_end", "2028-07-01"));
    cr_assert (has_int (p, "payment_days", 30));
    const dbk_obj_t *ms = dbk_obj_get (p, "milestones");
    cr_assert_eq (dbk_obj_len (ms), 4);
    cr_assert (has_int (dbk_obj_at (ms, 0), "no", 1));
    cr_assert (has_str (dbk_obj_at (ms, 0), "kind", "advance"));
    cr_assert (has_str (dbk_obj_at (ms, 3), "due", "2028-07-01"), "retention: warranty end");
    fold ();
    cr_assert (con.exists);
    cr_assert_eq (con.nmilestones, 4);
    cr_assert_eq (con.milestones[1].amount, 40000000);
    cr_assert_str_eq (con.milestones[3].due, "2028-07-01");
    cr_assert_eq (con.payment_days, 30);
    cr_assert_str_eq (con.penalties, "0.05% of the amount per day late, at most 5%");
}

Test (contract, an_archived_or_merged_buyer_takes_no_new_contract)
{
    bid_contract_sign (d, &con, "c1",
                       cmd ("{\"number\":\"N\",\"opportunity_id\":\"o8\",\"buyer_id\":\"a9\","
                            "\"seller\":\"S\",\"scope\":\"s\",\"amount\":1000,\"currency\":\"CNY\","
                            "\"signed_on\":\"2026-03-01\",\"milestones\":[{\"kind\":\"advance\","
                            "\"amount\":1000}]}"),
                       &facts);
    then_rejected (DBK_EREJECTED, "buyer_id");
    then_message_mentions ("archived or merged");
}

Test (contract, the_milestones_add_up_to_the_amount)
{
    bid_contract_sign (d, &con, "c1",
                       cmd ("{\"number\":\"N\",\"opportunity_id\":\"o8\",\"buyer_id\":\"a1\","
                            "\"seller\":\"S\",\"scope\":\"s\",\"amount\":1000,\"currency\":\"CNY\","
                            "\"signed_on\":\"2026-03-01\",\"milestones\":[{\"kind\":\"advance\","
                            "\"amount\":300},{\"kind\":\"delivery\",\"amount\":600}]}"),
                       &facts);
    then_rejected (DBK_EINVAL, "milestones");
    then_message_mentions ("add up to 900 but the contract amount is 1000");
}

#define S_C(ms)                                                                                    \
    "{\"number\":\"N\",\"opportunity_id\":\"o8\",\"buyer_id\":\"a1\",\"seller\":\"S\","            \
    "\"scope\":\"s\",\"amount\":1000,\"currency\":\"CNY\",\"signed_on\":\"2026-03-01\","           \
    "\"milestones\":" ms "}"

Test (contract, each_milestone_is_checked)
{
    const char *bad[] = {
        S_C ("[]"),
        S_C ("{}"),
        S_C ("[{\"kind\":\"advance\",\"amount\":500},{\"kind\":\"bonus\",\"amount\":500}]"),
        S_C ("[{\"kind\":\"advance\",\"amount\":1000,\"due\":\"2026-13-01\"}]"),
        S_C ("[{\"kind\":\"advance\",\"amount\":0},{\"kind\":\"delivery\",\"amount\":1000}]"),
    };
    const char *says[] = {"1 to 12", "1 to 12", "milestone 2: kind must be one of",
                          "milestone 1: due", "milestone 1: amount"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        AGAIN ();
        bid_contract_sign (d, &con, "c1", cmd (bad[i]), &facts);
        then_rejected (DBK_EINVAL, "milestones");
        then_message_mentions (says[i]);
    }
    AGAIN ();
    bid_contract_sign (d, &con, "c1",
                       cmd ("{\"number\":\"N\",\"opportunity_id\":\"o8\",\"buyer_id\":\"a1\","
                            "\"seller\":\"S\",\"scope\":\"s\",\"amount\":1000,\"currency\":\"CNY\","
                            "\"signed_on\":\"2026-03-01\"}"),
                       &facts);
    then_rejected (DBK_EINVAL, "milestones");
}

Test (contract, retention_is_held_until_the_warranty_end)
{
    bid_contract_sign (
        d, &con, "c1",
        cmd (
            S_C ("[{\"kind\":\"advance\",\"amount\":950},{\"kind\":\"retention\",\"amount\":50}]")),
        &facts);
    then_rejected (DBK_EINVAL, "warranty_end");
    AGAIN ();
    bid_contract_sign (d, &con, "c1",
                       cmd ("{\"number\":\"N\",\"opportunity_id\":\"o8\",\"buyer_id\":\"a1\","
                            "\"seller\":\"S\",\"scope\":\"s\",\"amount\":1000,\"currency\":\"CNY\","
                            "\"signed_on\":\"2026-03-01\",\"warranty_end\":\"2028-01-01\","
                            "\"milestones\":[{\"kind\":\"advance\",\"amount\":950},"
                            "{\"kind\":\"retention\",\"amount\":50,\"due\":\"2027-01-01\"}]}"),
                       &facts);
    then_rejected (DBK_EINVAL, "milestones");
    then_message_mentions ("when the warranty ends, 2028-01-01");
}

Test (contract, the_warranty_cannot_end_before_delivery)
{
    bid_contract_sign (d, &con, "c1",
                       cmd ("{\"number\":\"N\",\"opportunity_id\":\"o8\",\"buyer_id\":\"a1\","
                            "\"seller\":\"S\",\"scope\":\"s\",\"amount\":1000,\"currency\":\"CNY\","
                            "\"signed_on\":\"2026-03-01\",\"delivery_date\":\"2026-06-01\","
                            "\"warranty_end\":\"2026-05-01\","
                            "\"milestones\":[{\"kind\":\"delivery\",\"amount\":1000}]}"),
                       &facts);
    then_rejected (DBK_EINVAL, "warranty_end");
}

Test (contract, required_fields_and_references)
{
    const char *keys[] = {"number", "opportunity_id", "buyer_id", "seller",
                          "scope",  "amount",         "currency", "signed_on"};
    for (size_t i = 0; i < 8; i++) {
        /* drop key i from a valid command by renaming it out of the way */
        char json[1200];
        snprintf (json, sizeof json, "%s", S_C ("[{\"kind\":\"advance\",\"amount\":1000}]"));
        char needle[40];
        snprintf (needle, sizeof needle, "\"%s\":", keys[i]);
        char *at = strstr (json, needle);
        cr_assert_not_null (at);
        memcpy (at + 1, "id", 2); /* "number" -> "idmber": unknown */
        AGAIN ();
        bid_contract_sign (d, &con, "c1", cmd (json), &facts);
        then_rejected (DBK_EINVAL, NULL);
    }
    AGAIN ();
    bid_contract_sign (
        d, &con, "c1",
        cmd ("{\"number\":\"N\",\"opportunity_id\":\"o8\",\"buyer_id\":\"a1\",\"seller\":\"S\","
             "\"scope\":\"s\",\"amount\":0,\"currency\":\"CNY\",\"signed_on\":\"2026-03-01\","
             "\"milestones\":[{\"kind\":\"advance\",\"amount\":1}]}"),
        &facts);
    then_rejected (DBK_EINVAL, "amount");
    const char *refs[] = {"\"opportunity_id\":\"o7\"", "\"buyer_id\":\"a7\"",
                          "\"tender_id\":\"t7\""};
    const char *fields[] = {"opportunity_id", "buyer_id", "tender_id"};
    for (size_t i = 0; i < 3; i++) {
        char json[1200];
        snprintf (json, sizeof json,
                  "{\"number\":\"N\",\"opportunity_id\":\"o9\",\"buyer_id\":\"a1\",%s,"
                  "\"seller\":\"S\",\"scope\":\"s\",\"amount\":1000,\"currency\":\"CNY\","
                  "\"signed_on\":\"2026-03-01\","
                  "\"milestones\":[{\"kind\":\"advance\",\"amount\":1000}]}",
                  refs[i]);
        /* the later key wins nothing: keys are unique, so rebuild */
        if (i < 2) {
            snprintf (json, sizeof json,
                      "{\"number\":\"N\",%s,%s,\"seller\":\"S\",\"scope\":\"s\","
                      "\"amount\":1000,\"currency\":\"CNY\",\"signed_on\":\"2026-03-01\","
                      "\"milestones\":[{\"kind\":\"advance\",\"amount\":1000}]}",
                      i == 0 ? refs[0] : "\"opportunity_id\":\"o8\"",
                      i == 1 ? refs[1] : "\"buyer_id\":\"a1\"");
        }
        AGAIN ();
        bid_contract_sign (d, &con, "c1", cmd (json), &facts);
        then_rejected (DBK_ENOTFOUND, fields[i]);
    }
}

/*  A contract of deal opp, after tender (NULL: none), in currency, for
    `amount` signed on `signed_on`, with the `extra` keys ("" or
    "\"key\":value,"). */
static const dbk_obj_t *s_contract_full (const char *opp, const char *tender, const char *currency,
                                         long long amount, const char *signed_on, const char *extra)
{
    char json[800];
    snprintf (json, sizeof json,
              "{\"number\":\"N\",\"opportunity_id\":\"%s\",%s%s%s\"buyer_id\":\"a1\","
              "\"seller\":\"S\",\"scope\":\"s\",\"amount\":%lld,\"currency\":\"%s\",%s"
              "\"signed_on\":\"%s\",\"milestones\":[{\"kind\":\"advance\","
              "\"amount\":%lld}]}",
              opp, tender ? "\"tender_id\":\"" : "", tender ? tender : "", tender ? "\"," : "",
              amount, currency, extra, signed_on, amount);
    return cmd (json);
}

/*  The same, for the amount t8 was awarded, signed on 2026-03-01. */
static const dbk_obj_t *s_contract_of (const char *opp, const char *tender, const char *currency)
{
    return s_contract_full (opp, tender, currency, 100000000, "2026-03-01", "");
}

Test (contract, a_contract_follows_its_tender_awarded_won)
{
    bid_contract_sign (d, &con, "c1", s_contract_of ("o1", "t1", "CNY"), &facts);
    then_rejected (DBK_EREJECTED, "tender_id");
    then_message_mentions ("tender t1 is not awarded yet");
    AGAIN ();
    bid_contract_sign (d, &con, "c1", s_contract_of ("o1", "t9", "CNY"), &facts);
    then_rejected (DBK_EREJECTED, "tender_id");
    then_message_mentions ("tender t9 was lost");
    AGAIN ();
    bid_contract_sign (d, &con, "c1", s_contract_of ("o8", "t8", "CNY"), &facts);
    then_accepted (1);
    cr_assert (has_str (payload (0), "tender_id", "t8"));
}

/*  The deal a won tender closes as won is not asked about: the
    opportunities service wins it after the award, the contract may come
    first. */
/*  签订合同 after 中标公示: the signature follows the award it names
    (t8, awarded on 2026-02-20). */
Test (contract, a_contract_is_not_signed_before_the_award_it_follows)
{
    bid_contract_sign (d, &con, "c1",
                       s_contract_full ("o8", "t8", "CNY", 100000000, "2026-02-19", ""), &facts);
    then_rejected (DBK_EINVAL, "signed_on");
    then_message_mentions (
        "signed_on (2026-02-19) cannot be before the award of tender t8 (2026-02-20)");
    AGAIN ();
    bid_contract_sign (d, &con, "c1",
                       s_contract_full ("o8", "t8", "CNY", 100000000, "2026-02-20", ""), &facts);
    then_accepted (1);
    AGAIN ();
    /*  without a tender there is no award to follow, nor here a win the
        projection knows (test_bidding_signing.c has one) */
    bid_contract_sign (d, &con, "c1",
                       s_contract_full ("o8", NULL, "CNY", 100000000, "2026-01-02", ""), &facts);
    then_accepted (1);
}

/*  A contract is often negotiated after the award (scope, quantities,
    taxes, a lot split off): another amount than the award's goes in
    with its reason, the award's amount recorded beside it; without a
    reason it is taken for a typing error. t8 was awarded 1 000 000.00. */
Test (contract, another_amount_than_the_awards_needs_its_reason)
{
    bid_contract_sign (d, &con, "c1",
                       s_contract_full ("o8", "t8", "CNY", 10000000, "2026-03-01", ""), &facts);
    then_rejected (DBK_EREJECTED, "amount");
    then_message_mentions ("amount 10000000 is not the 100000000 of the award of tender t8 "
                           "(-90000000)");
    then_message_mentions ("amount_reason");
    AGAIN ();
    bid_contract_sign (d, &con, "c1",
                       s_contract_full ("o8", "t8", "CNY", 93000000, "2026-03-01",
                                        "\"amount_reason\":\"controls taken out of scope\","),
                       &facts);
    then_accepted (1);
    cr_assert (has_int (payload (0), "award_amount", 100000000));
    cr_assert (has_str (payload (0), "amount_reason", "controls taken out of scope"));
    fold ();
    cr_assert (con.award_differs);
    cr_assert_eq (con.award_amount, 100000000);
    cr_assert_eq (con.amount, 93000000);
    cr_assert_str_eq (con.amount_reason, "controls taken out of scope");
}

Test (contract, the_awarded_amount_records_no_difference)
{
    bid_contract_sign (d, &con, "c1", s_contract_of ("o8", "t8", "CNY"), &facts);
    then_accepted (1);
    cr_assert_null (dbk_obj_get (payload (0), "award_amount"));
    fold ();
    cr_assert_not (con.award_differs);
}

/*  Nothing to compare with: a contract without a tender (the deal's won
    amount is the opportunities service's), or an award the lookups do
    not know. */
Test (contract, an_award_nobody_knows_is_not_compared)
{
    bid_contract_sign (d, &con, "c1", s_contract_full ("o8", NULL, "CNY", 1234, "2026-03-01", ""),
                       &facts);
    then_accepted (1);
    AGAIN ();
    bid_lookup_t lk = s_lookup;
    lk.tender_award = NULL;
    facts.lookup = &lk;
    bid_contract_sign (d, &con, "c1", s_contract_full ("o8", "t8", "CNY", 1234, "2026-03-01", ""),
                       &facts);
    then_accepted (1);
    cr_assert_null (dbk_obj_get (payload (0), "award_amount"));
}

/*  t8's award recorded without its amount (the won award's amount is
    optional): nothing to compare the contract with */
static bool s_award_no_amount (void *ctx, const char *id, char date[11], int64_t *amount)
{
    bool known = s_tender_award (ctx, id, date, amount);
    *amount = 0;
    return known;
}

Test (contract, an_award_without_its_amount_is_not_compared)
{
    bid_lookup_t lk = s_lookup;
    lk.tender_award = s_award_no_amount;
    facts.lookup = &lk;
    bid_contract_sign (d, &con, "c1", s_contract_full ("o8", "t8", "CNY", 1234, "2026-03-01", ""),
                       &facts);
    then_accepted (1);
    cr_assert_null (dbk_obj_get (payload (0), "award_amount"));
}

Test (contract, a_tender_awarded_won_takes_its_contract_before_its_deal_is_won)
{
    bid_lookup_t lk = s_lookup;
    lk.opportunity = s_opportunity_open;
    facts.lookup = &lk;
    bid_contract_sign (d, &con, "c1", s_contract_of ("o8", "t8", "CNY"), &facts);
    then_accepted (1);
}

Test (contract, the_tender_must_be_the_deals)
{
    bid_contract_sign (d, &con, "c1", s_contract_of ("o9", "t8", "CNY"), &facts);
    then_rejected (DBK_EREJECTED, "tender_id");
    then_message_mentions ("tender t8 is for opportunity o8, not o9");
}

Test (contract, without_a_tender_the_deal_must_be_won)
{
    bid_contract_sign (d, &con, "c1", s_contract_of ("o1", NULL, "CNY"), &facts);
    then_rejected (DBK_EREJECTED, "opportunity_id");
    then_message_mentions ("opportunity o1 is not won");
    AGAIN ();
    bid_contract_sign (d, &con, "c1", s_contract_of ("o9", NULL, "CNY"), &facts);
    then_rejected (DBK_EREJECTED, "opportunity_id");
    then_message_mentions ("lost, abandoned or closed as a duplicate");
    AGAIN ();
    bid_contract_sign (d, &con, "c1", s_contract_of ("o8", NULL, "CNY"), &facts);
    then_accepted (1);
    cr_assert (has_int (payload (0), "payment_days", 0), "no credit term by default");
}

Test (contract, a_contract_is_in_its_tenders_else_its_deals_currency)
{
    bid_contract_sign (d, &con, "c1", s_contract_of ("o8", "t8", "USD"), &facts);
    then_rejected (DBK_EREJECTED, "currency");
    then_message_mentions ("tender t8 is in CNY: its contract must be too (not USD)");
    AGAIN ();
    bid_contract_sign (d, &con, "c1", s_contract_of ("o8", NULL, "EUR"), &facts);
    then_rejected (DBK_EREJECTED, "currency");
    then_message_mentions ("opportunity o8 is in CNY");
    AGAIN ();
    bid_lookup_t lk = s_lookup; /* a currency nobody knows is not checked */
    lk.currency = NULL;
    lk.tender_terms = NULL;
    facts.lookup = &lk;
    bid_contract_sign (d, &con, "c1", s_contract_of ("o8", "t8", "USD"), &facts);
    then_accepted (1);
}

Test (contract, a_contract_is_signed_once)
{
    given_contract ();
    bid_contract_sign (d, &con, "c1", cmd (S_CONTRACT_JSON), &facts);
    then_rejected (DBK_EDUPLICATE, "id");
}

/*  ======================= invoices and payments ======================= */

Test (collection, a_milestone_is_invoiced_and_paid)
{
    given_contract ();
    bid_contract_invoice (
        d, &con, cmd ("{\"invoice\":\"FP-001\",\"milestone\":1,\"amount\":30000000}"), &facts);
    then_accepted (1);
    then_event (0, "contract-c1", "contract.invoiced");
    cr_assert (has_str (payload (0), "invoice", "FP-001"));
    cr_assert (has_int (payload (0), "milestone", 1));
    cr_assert (has_int (payload (0), "amount", 30000000));
    cr_assert (has_str (payload (0), "date", "2026-03-01"));
    fold ();
    cr_assert_eq (con.invoiced, 30000000);
    cr_assert_eq (con.milestones[0].invoiced, 30000000);
    AGAIN ();
    facts.today = "2026-03-25"; /* recorded a few days after it came in */
    bid_contract_payment (d, &con,
                          cmd ("{\"milestone\":1,\"amount\":10000000,\"invoice\":\"FP-001\","
                               "\"date\":\"2026-03-20\"}"),
                          &facts);
    then_accepted (1);
    then_event (0, "contract-c1", "contract.payment_received");
    cr_assert (has_str (payload (0), "invoice", "FP-001"));
    cr_assert (has_str (payload (0), "date", "2026-03-20"));
    fold ();
    cr_assert_eq (con.paid, 10000000);
    cr_assert_eq (con.milestones[0].paid, 10000000);
    cr_assert_eq (con.npayments, 1);
}

Test (collection, an_invoice_never_exceeds_what_is_left_on_its_milestone)
{
    given_contract ();
    GIVEN (bid_contract_invoice (
        d, &con, cmd ("{\"invoice\":\"FP-1\",\"milestone\":1,\"amount\":20000000}"), &facts));
    bid_contract_invoice (
        d, &con, cmd ("{\"invoice\":\"FP-2\",\"milestone\":1,\"amount\":10000001}"), &facts);
    then_rejected (DBK_EREJECTED, "amount");
    then_message_mentions ("only 10000000 is left to invoice on milestone 1 (advance)");
    AGAIN ();
    bid_contract_invoice (d, &con, cmd ("{\"invoice\":\"FP-1\",\"milestone\":2,\"amount\":1}"),
                          &facts);
    then_rejected (DBK_EDUPLICATE, "invoice");
    AGAIN ();
    bid_contract_invoice (d, &con, cmd ("{\"invoice\":\"FP-3\",\"milestone\":5,\"amount\":1}"),
                          &facts);
    then_rejected (DBK_ENOTFOUND, "milestone");
    AGAIN ();
    bid_contract_invoice (d, &con, cmd ("{\"milestone\":2,\"amount\":1}"), &facts);
    then_rejected (DBK_EINVAL, "invoice");
    AGAIN ();
    bid_contract_invoice (d, &con, cmd ("{\"invoice\":\"FP-3\",\"milestone\":2,\"amount\":0}"),
                          &facts);
    then_rejected (DBK_EINVAL, "amount");
}

Test (collection, retention_is_not_invoiced_before_the_warranty_ends)
{
    given_contract ();
    bid_contract_invoice (d, &con, cmd ("{\"invoice\":\"R\",\"milestone\":4,\"amount\":5000000}"),
                          &facts);
    then_rejected (DBK_EREJECTED, "milestone");
    then_message_mentions ("2028-07-01");
    AGAIN ();
    facts.today = "2028-07-01";
    bid_contract_invoice (
        d, &con,
        cmd ("{\"invoice\":\"R\",\"milestone\":4,\"amount\":5000000,\"date\":\"2028-07-01\"}"),
        &facts);
    then_accepted (1);
}

Test (collection, payments_never_exceed_a_milestone_nor_the_contract)
{
    given_contract ();
    const int64_t amounts[] = {30000000, 40000000, 25000000, 5000000};
    for (int i = 0; i < 4; i++) {
        char json[100];
        snprintf (json, sizeof json, "{\"milestone\":%d,\"amount\":%lld}", i + 1,
                  (long long) amounts[i]);
        GIVEN (bid_contract_payment (d, &con, cmd (json), &facts));
    }
    cr_assert_eq (con.paid, con.amount);
    for (int i = 0; i < 4; i++) {
        char json[100];
        snprintf (json, sizeof json, "{\"milestone\":%d,\"amount\":1}", i + 1);
        AGAIN ();
        bid_contract_payment (d, &con, cmd (json), &facts);
        then_rejected (DBK_EREJECTED, "amount");
        then_message_mentions ("only 0 is left to collect");
    }
}

Test (collection, a_contract_takes_at_most_its_number_of_payments)
{
    given_contract ();
    /*  folded straight in: a thousand decisions would outgrow the test's pool */
    const dbk_obj_t *one = cmd ("{\"milestone\":2,\"amount\":1,\"date\":\"2026-03-02\"}");
    for (int i = 0; i < BID_PAYMENTS_MAX; i++)
        cr_assert_eq (bid_contract_evolve (&con, "contract.payment_received", one), 0);
    cr_assert_eq (con.npayments, BID_PAYMENTS_MAX);
    bid_contract_payment (d, &con, cmd ("{\"milestone\":2,\"amount\":1}"), &facts);
    then_rejected (DBK_EREJECTED, "amount");
    then_message_mentions ("payments, the most");
}

Test (collection, a_payment_names_a_known_invoice_of_its_milestone)
{
    given_contract ();
    GIVEN (bid_contract_invoice (
        d, &con, cmd ("{\"invoice\":\"FP-1\",\"milestone\":1,\"amount\":30000000}"), &facts));
    bid_contract_payment (d, &con, cmd ("{\"milestone\":1,\"amount\":1,\"invoice\":\"FP-9\"}"),
                          &facts);
    then_rejected (DBK_ENOTFOUND, "invoice");
    AGAIN ();
    bid_contract_payment (d, &con, cmd ("{\"milestone\":2,\"amount\":1,\"invoice\":\"FP-1\"}"),
                          &facts);
    then_rejected (DBK_ENOTFOUND, "invoice");
    AGAIN ();
    bid_contract_payment (d, &con, cmd ("{\"milestone\":9,\"amount\":1}"), &facts);
    then_rejected (DBK_ENOTFOUND, "milestone");
    AGAIN ();
    bid_contract_reset (&con);
    bid_contract_payment (d, &con, cmd ("{\"milestone\":1,\"amount\":1}"), &facts);
    then_rejected (DBK_ENOTFOUND, "id");
}

/*  An invoice or a payment records what happened: dated after the
    business date the command is decided at ("on", itself at most today),
    it would be an invoice issued or money received in the future. */
Test (collection, an_invoice_is_not_dated_after_the_business_date)
{
    given_contract ();
    bid_contract_invoice (d, &con,
                          cmd ("{\"invoice\":\"FP-1\",\"milestone\":1,\"amount\":1,"
                               "\"date\":\"2026-03-02\"}"),
                          &facts);
    then_rejected (DBK_EINVAL, "date");
    then_message_mentions ("date (2026-03-02) cannot be after on (2026-03-01)");
    AGAIN ();
    bid_contract_invoice (d, &con,
                          cmd ("{\"invoice\":\"FP-1\",\"milestone\":1,\"amount\":1,"
                               "\"date\":\"2026-03-01\"}"),
                          &facts);
    then_accepted (1); /* on the business date itself */
    AGAIN ();
    facts.today = "2026-03-10";
    bid_contract_invoice (d, &con,
                          cmd ("{\"invoice\":\"FP-1\",\"milestone\":1,\"amount\":1,"
                               "\"date\":\"2026-03-05\"}"),
                          &facts);
    then_accepted (1); /* entered after the fact */
}

Test (collection, a_payment_is_not_dated_after_the_business_date)
{
    given_contract ();
    bid_contract_payment (d, &con, cmd ("{\"milestone\":1,\"amount\":1,\"date\":\"2026-04-10\"}"),
                          &facts);
    then_rejected (DBK_EINVAL, "date");
    then_message_mentions ("cannot be after on (2026-03-01)");
    AGAIN ();
    facts.today = "2026-04-10"; /* the day it came in */
    bid_contract_payment (d, &con, cmd ("{\"milestone\":1,\"amount\":1,\"date\":\"2026-04-10\"}"),
                          &facts);
    then_accepted (1);
}

/*  Nothing is invoiced nor paid on a contract before it was signed
    (c1 on 2026-03-01): neither dated before, nor, without a date,
    recorded as of a business date before. */
Test (collection, an_invoice_is_not_dated_before_the_signature)
{
    given_contract ();
    facts.today = "2026-03-10";
    bid_contract_invoice (d, &con,
                          cmd ("{\"invoice\":\"FP-1\",\"milestone\":1,\"amount\":1,"
                               "\"date\":\"2026-02-27\"}"),
                          &facts);
    then_rejected (DBK_EINVAL, "date");
    then_message_mentions ("date (2026-02-27) cannot be before signed_on (2026-03-01)");
    AGAIN ();
    facts.today = "2026-02-27";
    bid_contract_invoice (d, &con, cmd ("{\"invoice\":\"FP-1\",\"milestone\":1,\"amount\":1}"),
                          &facts);
    then_rejected (DBK_EINVAL, "date");
    then_message_mentions ("date (2026-02-27, the business date) cannot be before signed_on "
                           "(2026-03-01)");
    AGAIN ();
    facts.today = "2026-03-10";
    bid_contract_invoice (d, &con,
                          cmd ("{\"invoice\":\"FP-1\",\"milestone\":1,\"amount\":1,"
                               "\"date\":\"2026-03-01\"}"),
                          &facts);
    then_accepted (1); /* on the signing day itself */
}

Test (collection, a_payment_is_not_dated_before_the_signature)
{
    given_contract ();
    facts.today = "2026-03-10";
    bid_contract_payment (d, &con, cmd ("{\"milestone\":1,\"amount\":1,\"date\":\"2026-02-28\"}"),
                          &facts);
    then_rejected (DBK_EINVAL, "date");
    then_message_mentions ("date (2026-02-28) cannot be before signed_on (2026-03-01)");
    AGAIN ();
    facts.today = "2026-02-28";
    bid_contract_payment (d, &con, cmd ("{\"milestone\":1,\"amount\":1}"), &facts);
    then_rejected (DBK_EINVAL, "date");
    then_message_mentions ("the business date");
    AGAIN ();
    facts.today = "2026-03-01";
    bid_contract_payment (d, &con, cmd ("{\"milestone\":1,\"amount\":1}"), &facts);
    then_accepted (1);
}

/*  A contract folded from a log written before the rules keeps what it
    says: an invoice and a payment dated after their "on", or before the
    signature, still count, from their date on. */
Test (collection, a_log_with_money_dated_out_of_bounds_still_folds)
{
    given_contract ();
    cr_assert_eq (bid_contract_evolve (&con, "contract.invoiced",
                                       cmd ("{\"id\":\"c1\",\"invoice\":\"FP-0\",\"milestone\":2,"
                                            "\"amount\":1,\"date\":\"2026-02-20\","
                                            "\"on\":\"2026-03-01\"}")),
                  0);
    cr_assert_eq (bid_contract_evolve (&con, "contract.payment_received",
                                       cmd ("{\"id\":\"c1\",\"milestone\":2,\"amount\":1,"
                                            "\"on\":\"2026-02-25\"}")),
                  0);
    cr_assert_eq (bid_contract_evolve (
                      &con, "contract.invoiced",
                      cmd ("{\"id\":\"c1\",\"invoice\":\"FP-1\",\"milestone\":1,"
                           "\"amount\":30000000,\"date\":\"2026-04-01\",\"on\":\"2026-03-01\"}")),
                  0);
    cr_assert_eq (bid_contract_evolve (&con, "contract.payment_received",
                                       cmd ("{\"id\":\"c1\",\"milestone\":1,\"amount\":30000000,"
                                            "\"date\":\"2026-04-20\",\"on\":\"2026-03-01\"}")),
                  0);
    bid_receivables_t r;
    bid_receivables (&con, "2026-02-28", &r);
    cr_assert_eq (r.invoiced, 1);
    cr_assert_eq (r.paid, 1);
    bid_receivables (&con, "2026-04-19", &r);
    cr_assert_eq (r.invoiced, 30000001);
    cr_assert_eq (r.paid, 1);
    bid_receivables (&con, "2026-04-20", &r);
    cr_assert_eq (r.paid, 30000001);
}

/*  ======================= receivables ======================= */

Test (receivables, nothing_is_due_before_the_first_milestone)
{
    given_contract ();
    bid_receivables_t r;
    cr_assert_eq (bid_receivables (&con, "2026-03-15", &r), 0);
    cr_assert_eq (r.amount, 100000000);
    cr_assert_eq (r.outstanding, 100000000);
    cr_assert_eq (r.receivable, 0);
    cr_assert_eq (r.overdue, 0);
    cr_assert_eq (r.upcoming, 95000000);
    cr_assert_eq (r.retention_held, 5000000);
    cr_assert_eq (r.nlines, 4);
    cr_assert_eq (r.lines[0].status, BID_RCV_UPCOMING);
    cr_assert_eq (r.lines[3].status, BID_RCV_RETAINED);
}

Test (receivables, a_milestone_is_due_within_the_credit_term_then_overdue)
{
    given_contract ();
    bid_receivables_t r;
    bid_receivables (&con, "2026-04-01", &r);
    cr_assert_eq (r.lines[0].status, BID_RCV_DUE, "due on its date");
    cr_assert_eq (r.receivable, 30000000);
    cr_assert_eq (r.overdue, 0);
    bid_receivables (&con, "2026-05-01", &r);
    cr_assert_eq (r.lines[0].status, BID_RCV_DUE, "30 days to pay");
    bid_receivables (&con, "2026-05-15", &r);
    cr_assert_eq (r.lines[0].status, BID_RCV_OVERDUE);
    cr_assert_eq (r.lines[0].days_overdue, 14);
    cr_assert_eq (r.overdue, 30000000);
    cr_assert_eq (r.receivable, 30000000);
}

Test (receivables, payments_settle_milestones_and_partial_ones_stay_overdue)
{
    given_contract ();
    GIVEN (bid_contract_invoice (
        d, &con, cmd ("{\"invoice\":\"FP-1\",\"milestone\":1,\"amount\":30000000}"), &facts));
    GIVEN (bid_contract_payment (d, &con, cmd ("{\"milestone\":1,\"amount\":30000000}"), &facts));
    GIVEN (bid_contract_payment (d, &con, cmd ("{\"milestone\":2,\"amount\":10000000}"), &facts));
    bid_receivables_t r;
    bid_receivables (&con, "2026-07-20", &r);
    cr_assert_eq (r.lines[0].status, BID_RCV_SETTLED);
    cr_assert_eq (r.lines[0].uninvoiced, 0);
    cr_assert_eq (r.lines[1].status, BID_RCV_OVERDUE);
    cr_assert_eq (r.lines[1].days_overdue, 19, "due 2026-06-01, 30 days to pay");
    cr_assert_eq (r.lines[1].unpaid, 30000000);
    cr_assert_eq (r.lines[1].uninvoiced, 40000000);
    cr_assert_eq (r.lines[2].status, BID_RCV_DUE, "acceptance due 2026-07-01 + 30 days");
    cr_assert_eq (r.lines[2].days_overdue, 0);
    cr_assert_eq (r.invoiced, 30000000);
    cr_assert_eq (r.paid, 40000000);
    cr_assert_eq (r.outstanding, 60000000);
    cr_assert_eq (r.overdue, 30000000);
    cr_assert_eq (r.receivable, 30000000 + 25000000);
    cr_assert_eq (r.retention_held, 5000000);
}

/*  A milestone of 1 000 000.00 due 2026-01-31 with 30 days to pay,
    invoiced in two halves (2026-02-01 and 2026-04-01) and paid on
    2026-04-10, all of it entered on 2026-04-15: on 2026-03-31 it was
    unpaid and 29 days overdue, and half of it invoiced. */
Test (receivables, only_invoices_and_payments_dated_by_the_date_count)
{
    facts.today = "2026-04-15";
    GIVEN (bid_contract_sign (
        d, &con, "c1",
        cmd ("{\"number\":\"N\",\"opportunity_id\":\"o8\",\"buyer_id\":\"a1\",\"seller\":\"S\","
             "\"scope\":\"s\",\"amount\":100000000,\"currency\":\"CNY\","
             "\"signed_on\":\"2026-01-05\",\"payment_days\":30,\"milestones\":[{\"kind\":"
             "\"acceptance\",\"amount\":100000000,\"due\":\"2026-01-31\"}]}"),
        &facts));
    GIVEN (bid_contract_invoice (d, &con,
                                 cmd ("{\"invoice\":\"FP-1\",\"milestone\":1,\"amount\":50000000,"
                                      "\"date\":\"2026-02-01\"}"),
                                 &facts));
    GIVEN (bid_contract_invoice (d, &con,
                                 cmd ("{\"invoice\":\"FP-2\",\"milestone\":1,\"amount\":50000000,"
                                      "\"date\":\"2026-04-01\"}"),
                                 &facts));
    GIVEN (bid_contract_payment (
        d, &con, cmd ("{\"milestone\":1,\"amount\":100000000,\"date\":\"2026-04-10\"}"), &facts));
    bid_receivables_t r;
    cr_assert_eq (bid_receivables (&con, "2026-03-31", &r), 0);
    cr_assert_eq (r.lines[0].status, BID_RCV_OVERDUE, "paid only on 2026-04-10");
    cr_assert_eq (r.lines[0].days_overdue, 29);
    cr_assert_eq (r.lines[0].paid, 0);
    cr_assert_eq (r.lines[0].unpaid, 100000000);
    cr_assert_eq (r.lines[0].invoiced, 50000000);
    cr_assert_eq (r.lines[0].uninvoiced, 50000000, "FP-2 is dated 2026-04-01");
    cr_assert_eq (r.paid, 0);
    cr_assert_eq (r.invoiced, 50000000);
    cr_assert_eq (r.outstanding, 100000000);
    cr_assert_eq (r.overdue, 100000000);
    cr_assert_eq (r.receivable, 100000000);
    /* on 2026-03-01, the payment dated 2026-04-10 is not paid yet */
    bid_receivables (&con, "2026-03-01", &r);
    cr_assert_eq (r.lines[0].status, BID_RCV_DUE);
    cr_assert_eq (r.paid, 0);
    bid_receivables (&con, "2026-04-09", &r);
    cr_assert_eq (r.lines[0].status, BID_RCV_OVERDUE);
    cr_assert_eq (r.lines[0].days_overdue, 38);
    cr_assert_eq (r.invoiced, 100000000);
    bid_receivables (&con, "2026-04-10", &r);
    cr_assert_eq (r.lines[0].status, BID_RCV_SETTLED);
    cr_assert_eq (r.lines[0].paid, 100000000);
    cr_assert_eq (r.paid, 100000000);
    cr_assert_eq (r.outstanding, 0);
    cr_assert_eq (r.overdue, 0);
}

Test (receivables, a_payment_without_any_date_counts_on_every_date)
{
    given_contract ();
    facts.today = NULL; /* no "date", no "on": when it came is unknown */
    GIVEN (bid_contract_payment (d, &con, cmd ("{\"milestone\":1,\"amount\":30000000}"), &facts));
    cr_assert_null (con.payments[0].date);
    bid_receivables_t r;
    bid_receivables (&con, "2026-01-01", &r);
    cr_assert_eq (r.lines[0].status, BID_RCV_SETTLED);
    cr_assert_eq (r.paid, 30000000);
}

Test (receivables, retention_falls_due_when_the_warranty_ends)
{
    given_contract ();
    bid_receivables_t r;
    bid_receivables (&con, "2028-06-30", &r);
    cr_assert_eq (r.lines[3].status, BID_RCV_RETAINED);
    bid_receivables (&con, "2028-07-01", &r);
    cr_assert_eq (r.lines[3].status, BID_RCV_DUE);
    cr_assert_eq (r.retention_held, 0);
    bid_receivables (&con, "2028-09-01", &r);
    cr_assert_eq (r.lines[3].status, BID_RCV_OVERDUE);
    cr_assert_eq (r.overdue, 100000000);
}

Test (receivables, a_milestone_without_a_due_date_is_upcoming_and_the_date_is_checked)
{
    GIVEN (bid_contract_sign (d, &con, "c1",
                              cmd (S_C ("[{\"kind\":\"delivery\",\"amount\":1000}]")), &facts));
    bid_receivables_t r;
    cr_assert_eq (bid_receivables (&con, "2030-01-01", &r), 0);
    cr_assert_eq (r.lines[0].status, BID_RCV_UPCOMING);
    cr_assert_eq (bid_receivables (&con, "2030-02-30", &r), DBK_EINVAL);
    cr_assert_eq (bid_receivables (&con, NULL, &r), DBK_EINVAL);
}

Test (receivables, days_between_dates)
{
    cr_assert_eq (bid_days_between ("2026-04-01", "2026-05-15"), 44);
    cr_assert_eq (bid_days_between ("2028-02-28", "2028-03-01"), 2, "a leap year");
    cr_assert_eq (bid_days_between ("2026-05-15", "2026-04-01"), -44);
    cr_assert_eq (bid_days_between ("2026-04-31", "2026-05-01"), INT32_MIN);
}
