/*  test_bidding_signing.c - what a contract's signature is checked
    against (services/bidding/bidding_contract.h), as specifications,
    Given-When-Then: its milestones fall due once it is signed, its
    number is no other contract's, and without a tender it follows the
    deal's win as a tendered one follows its award. The contract's
    other rules are in test_bidding_contract.c.
*/
#include "support/bid_given.h"

TestSuite (milestone_dates, .init = s_setup, .fini = s_teardown);
TestSuite (contract_number, .init = s_setup, .fini = s_teardown);
TestSuite (won_deal, .init = s_setup, .fini = s_teardown);

/*  Contract c1 of won deal o8 after t8 (awarded 1 000 000.00 CNY on
    2026-02-20), signed on `signed_on`, its amount in one milestone of
    `kind` due on `due` (NULL: none), its warranty ending on `warranty`
    (NULL: none). */
static const dbk_obj_t *s_signed_with (const char *signed_on, const char *kind, const char *due,
                                       const char *warranty)
{
    char json[900], d_due[40] = "", d_war[40] = "";
    if (due)
        snprintf (d_due, sizeof d_due, ",\"due\":\"%s\"", due);
    if (warranty)
        snprintf (d_war, sizeof d_war, "\"warranty_end\":\"%s\",", warranty);
    snprintf (json, sizeof json,
              "{\"number\":\"HT-1\",\"opportunity_id\":\"o8\",\"tender_id\":\"t8\","
              "\"buyer_id\":\"a1\",\"seller\":\"S\",\"scope\":\"s\",\"amount\":100000000,"
              "\"currency\":\"CNY\",%s\"signed_on\":\"%s\",\"milestones\":[{\"kind\":\"%s\","
              "\"amount\":100000000%s}]}",
              d_war, signed_on, kind, d_due);
    return cmd (json);
}

/*  A due date before the signature is a typing error (1900 for 2026):
    the milestone would show overdue from the day the contract is
    signed. */
Test (milestone_dates, a_milestone_does_not_fall_due_before_the_signature)
{
    facts.today = "2026-11-29";
    bid_contract_sign (d, &con, "c1", s_signed_with ("2026-11-29", "advance", "1900-01-01", NULL),
                       &facts);
    then_rejected (DBK_EINVAL, "milestones");
    then_message_mentions ("milestone 1 (advance) falls due on 1900-01-01, before signed_on "
                           "(2026-11-29)");
    AGAIN ();
    bid_contract_sign (d, &con, "c1", s_signed_with ("2026-11-29", "advance", "2026-11-28", NULL),
                       &facts);
    then_rejected (DBK_EINVAL, "milestones");
}

/*  An advance often falls due the day the contract is signed. */
Test (milestone_dates, a_milestone_may_fall_due_on_the_day_of_the_signature)
{
    facts.today = "2026-11-29";
    bid_contract_sign (d, &con, "c1", s_signed_with ("2026-11-29", "advance", "2026-11-29", NULL),
                       &facts);
    then_accepted (1);
    AGAIN ();
    bid_contract_sign (d, &con, "c1", s_signed_with ("2026-11-29", "delivery", NULL, NULL), &facts);
    then_accepted (1);
}

/*  Retention falls due when the warranty ends: not before the signature
    either. */
Test (milestone_dates, retention_does_not_fall_due_before_the_signature)
{
    facts.today = "2026-11-29";
    bid_contract_sign (d, &con, "c1", s_signed_with ("2026-11-29", "retention", NULL, "2026-01-01"),
                       &facts);
    then_rejected (DBK_EINVAL, "milestones");
    then_message_mentions ("milestone 1 (retention) falls due when the warranty ends, "
                           "2026-01-01, before signed_on (2026-11-29)");
}

/*  ======================= contract numbers ======================= */

/*  Contract c1 of won deal o8 after t8, under `number`. */
static const dbk_obj_t *s_numbered (const char *number)
{
    char json[900];
    snprintf (json, sizeof json,
              "{\"number\":\"%s\",\"opportunity_id\":\"o8\",\"tender_id\":\"t8\","
              "\"buyer_id\":\"a1\",\"seller\":\"S\",\"scope\":\"s\",\"amount\":100000000,"
              "\"currency\":\"CNY\",\"signed_on\":\"2026-03-01\",\"milestones\":[{\"kind\":"
              "\"advance\",\"amount\":100000000}]}",
              number);
    return cmd (json);
}

/*  A contract number is one contract's (c0 has HT-2025-1): another
    contract under it, on whatever deal, is a duplicate. */
Test (contract_number, a_contract_number_is_one_contracts)
{
    bid_contract_sign (d, &con, "c1", s_numbered ("HT-2025-1"), &facts);
    then_rejected (DBK_EDUPLICATE, "number");
    then_message_mentions ("contract number HT-2025-1 is contract c0's already");
    AGAIN ();
    bid_contract_sign (d, &con, "c1", s_numbered ("HT-2025-2"), &facts);
    then_accepted (1);
}

/*  Typed again by hand, the same number may come in another case, in
    full-width characters from an IME, or with spaces. */
Test (contract_number, numbers_compare_regardless_of_case_width_and_spaces)
{
    const char *same[] = {"ht-2025-1", "ＨＴ－２０２５－１", "HT - 2025 - 1"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        AGAIN ();
        bid_contract_sign (d, &con, "c1", s_numbered (same[i]), &facts);
        then_rejected (DBK_EDUPLICATE, "number");
    }
}

/*  Punctuation is part of a number: dropping it would make two numbers
    one. */
Test (contract_number, punctuation_tells_two_numbers_apart)
{
    char *a = bid_number_key ("HT-2026-17", strlen ("HT-2026-17"));
    char *b = bid_number_key ("HT-20261-7", strlen ("HT-20261-7"));
    cr_assert_not_null (a);
    cr_assert_not_null (b);
    cr_assert_str_neq (a, b);
    cr_assert_str_eq (a, "ht-2026-17");
    free (a);
    free (b);
    cr_assert_null (bid_number_key ("  ", 2));
    cr_assert_null (bid_number_key ("\xff", 1));
    bid_contract_sign (d, &con, "c1", s_numbered ("HT-2025/1"), &facts);
    then_accepted (1);
}

/*  ======================= a deal won without a tender ======================= */

/*  o8 won by hand on 2026-02-25 for 1 200 000.00 CNY (amount 0: a win
    recorded without its amount, which compares with nothing). */
static int64_t s_won_amount = 120000000;

static bool s_o8_won (void *ctx, const char *id, char date[11], int64_t *amount)
{
    (void) ctx;
    if (strcmp (id, "o8"))
        return false;
    snprintf (date, 11, "2026-02-25");
    *amount = s_won_amount;
    return true;
}

static bid_lookup_t s_won_lookup;

/*  Given: the projection knows o8's win. */
static void given_o8_won_by_hand (void)
{
    s_won_lookup = s_lookup;
    s_won_lookup.deal_won = s_o8_won;
    facts.lookup = &s_won_lookup;
    s_won_amount = 120000000;
}

/*  Contract c1 of o8 without a tender, for `amount`, signed on
    `signed_on`, with the `extra` keys ("" or "\"key\":value,"). */
static const dbk_obj_t *s_untendered (long long amount, const char *signed_on, const char *extra)
{
    char json[900];
    snprintf (json, sizeof json,
              "{\"number\":\"HT-9\",\"opportunity_id\":\"o8\",\"buyer_id\":\"a1\","
              "\"seller\":\"S\",\"scope\":\"s\",\"amount\":%lld,\"currency\":\"CNY\",%s"
              "\"signed_on\":\"%s\",\"milestones\":[{\"kind\":\"advance\",\"amount\":%lld}]}",
              amount, extra, signed_on, amount);
    return cmd (json);
}

Test (won_deal, a_contract_for_the_won_amount_follows_the_win)
{
    given_o8_won_by_hand ();
    bid_contract_sign (d, &con, "c1", s_untendered (120000000, "2026-02-25", ""), &facts);
    then_accepted (1);
    cr_assert_null (dbk_obj_get (payload (0), "award_amount"));
}

/*  As after an award: another amount is a typing error unless the
    contract says why, and then the amount won stays beside it. */
Test (won_deal, another_amount_than_the_wins_needs_its_reason)
{
    given_o8_won_by_hand ();
    bid_contract_sign (d, &con, "c1", s_untendered (100000000, "2026-03-01", ""), &facts);
    then_rejected (DBK_EREJECTED, "amount");
    then_message_mentions ("amount 100000000 is not the 120000000 of the win of opportunity o8 "
                           "(-20000000)");
    then_message_mentions ("why the contract differs from the win");
    AGAIN ();
    bid_contract_sign (
        d, &con, "c1",
        s_untendered (100000000, "2026-03-01", "\"amount_reason\":\"installation dropped\","),
        &facts);
    then_accepted (1);
    cr_assert (has_int (payload (0), "award_amount", 120000000));
    fold ();
    cr_assert (con.award_differs);
    cr_assert_eq (con.award_amount, 120000000);
}

Test (won_deal, a_contract_is_not_signed_before_the_win)
{
    given_o8_won_by_hand ();
    bid_contract_sign (d, &con, "c1", s_untendered (120000000, "2026-02-24", ""), &facts);
    then_rejected (DBK_EINVAL, "signed_on");
    then_message_mentions (
        "signed_on (2026-02-24) cannot be before the win of opportunity o8 (2026-02-25)");
}

/*  A win recorded without its amount compares only its date. */
Test (won_deal, a_win_without_its_amount_compares_no_amount)
{
    given_o8_won_by_hand ();
    s_won_amount = 0;
    bid_contract_sign (d, &con, "c1", s_untendered (777, "2026-03-01", ""), &facts);
    then_accepted (1);
    cr_assert_null (dbk_obj_get (payload (0), "award_amount"));
}

/*  With a tender, the award is what the contract follows, not the win. */
Test (won_deal, a_contract_naming_its_tender_follows_the_award)
{
    given_o8_won_by_hand ();
    bid_contract_sign (d, &con, "c1", s_numbered ("HT-10"), &facts); /* t8: 1 000 000.00 */
    then_accepted (1);
    cr_assert_null (dbk_obj_get (payload (0), "award_amount"));
}
