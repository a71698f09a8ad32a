/*  test_bidding_config.c - the bidding service's settings
    (bid_config_parse): what the operator's approval limits and bid parts
    become, and every malformed one refused with the setting named and a
    sentence on what is wrong in it. */
#include "bidding_decider.h"

#include "dealbook/dbk_config.h"
#include "dealbook/dbk_error.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static bid_config_t *s_ok (const char *limits, const char *parts)
{
    bid_config_t *c = NULL;
    const char *bad;
    char why[256] = "";
    cr_assert_eq (bid_config_parse (limits, parts, &c, &bad, why, sizeof why), 0, "%s", why);
    cr_assert_not_null (c);
    return c;
}

static void s_bad (const char *limits, const char *parts, const char *setting, const char *says)
{
    bid_config_t *c = NULL;
    const char *bad = NULL;
    char why[256] = "";
    cr_assert_eq (bid_config_parse (limits, parts, &c, &bad, why, sizeof why), DBK_EINVAL,
                  "accepted: %s / %s", limits ? limits : "", parts ? parts : "");
    cr_assert_null (c);
    cr_assert_str_eq (bad, setting);
    cr_assert (strstr (why, says), "'%s' does not say '%s'", why, says);
}

Test (config, nothing_set_is_the_defaults)
{
    bid_config_t *c = s_ok ("", NULL);
    cr_assert_eq (c->levels, bid_default_config.levels);
    cr_assert_eq (c->parts, bid_default_config.parts);
    cr_assert_eq (c->steps, bid_default_config.steps);
    cr_assert_eq (c->nlevels, BID_DEFAULT_NLEVELS);
    bid_config_free (&c);
    cr_assert_null (c);
    bid_config_free (&c);
}

Test (config, limits_and_parts_as_given)
{
    bid_config_t *c = s_ok (" 5, 12.5", "technical , price,, samples? ");
    cr_assert_eq (c->levels[0].max_discount_bp, 500);
    cr_assert_eq (c->levels[1].max_discount_bp, 1250);
    cr_assert_eq (c->levels[2].max_discount_bp, BID_BP_FULL, "a director approves any discount");
    cr_assert_str_eq (c->levels[1].code, "manager");
    cr_assert_str_eq (c->parts[0].code, "technical");
    cr_assert (c->parts[0].required);
    cr_assert_str_eq (c->parts[2].code, "samples");
    cr_assert_not (c->parts[2].required, "'?' marks an optional part");
    cr_assert_null (c->parts[3].code);
    cr_assert_eq (bid_required_level (c, 800), 1, "8%% needs a manager under 5,12.5");
    bid_config_free (&c);
    c = s_ok ("0.25,100", NULL);
    cr_assert_eq (c->levels[0].max_discount_bp, 25);
    cr_assert_eq (c->levels[1].max_discount_bp, BID_BP_FULL);
    cr_assert_eq (c->parts, bid_default_config.parts);
    bid_config_free (&c);
}

Test (config, each_malformed_value_names_its_setting)
{
    const char *L = "DEALBOOK_APPROVAL_LIMITS", *P = "DEALBOOK_BID_PARTS";
    s_bad ("20,10", NULL, L, "the manager's limit must be deeper than the salesperson's");
    s_bad ("10,10", NULL, L, "deeper");
    s_bad ("10", NULL, L, "two percents, a salesperson's then a manager's");
    s_bad ("10,20,30", NULL, L, "two percents");
    s_bad ("0,20", NULL, L, "the salesperson's limit: a percent above 0 and at most 100");
    s_bad ("10,101", NULL, L, "the manager's limit: a percent above 0");
    s_bad ("10,12.555", NULL, L, "at most two decimals");
    s_bad ("10,nan", NULL, L, "the manager's limit");
    s_bad ("1e1,20", NULL, L, "the salesperson's limit");
    s_bad ("10.,20", NULL, L, "the salesperson's limit");
    s_bad ("-5,20", NULL, L, "the salesperson's limit");
    s_bad (NULL, "Commercial", P, "part 'Commercial': a code of 1 to 32 lowercase letters");
    s_bad (NULL, "price,?", P, "part '?'");
    s_bad (NULL, "price,price?", P, "part price given twice");
    s_bad (NULL, " , ,", P, "no part");
    s_bad (NULL, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", P, "more than 16 parts");
    s_bad ("20,10", "Commercial", L, "deeper"); /* the first one found */
}

/*  The service's start refuses it with one line: the setting as it was
    given, its value, what is wrong (dbk_config_refuse). */
Test (config, the_line_names_the_setting_and_its_value)
{
    setenv ("DEALBOOK_APPROVAL_LIMITS", "20,10", 1);
    dbk_config_t cfg;
    cr_assert_eq (dbk_config_load (&cfg, NULL, 0), 0);
    unsetenv ("DEALBOOK_APPROVAL_LIMITS");
    bid_config_t *c;
    const char *bad;
    char detail[256], why[400];
    cr_assert_eq (
        bid_config_parse (cfg.approval_limits, cfg.bid_parts, &c, &bad, detail, sizeof detail),
        DBK_EINVAL);
    dbk_config_refuse (&cfg, bad, why, sizeof why, "%s", detail);
    cr_assert_str_eq (why, "DEALBOOK_APPROVAL_LIMITS=20,10: the manager's limit must be deeper "
                           "than the salesperson's; two percents, a salesperson's then a "
                           "manager's, comma-separated (10,20)");
}
