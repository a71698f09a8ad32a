/*  test_bidding_signing.c - what a contract's signature is checked
    against (services/bidding/bidding_contract.h), as specifications,
    Given-When-Then: its milestones fall due once it is signed. The
    contract's other rules are in test_bidding_contract.c.
*/
#include "support/bid_given.h"

TestSuite (milestone_dates, .init = s_setup, .fini = s_teardown);

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
