/*  test_opportunities_config.c - the funnel's settings (opp_config_parse):
    what the operator's values become, and every malformed one refused
    with the setting named and a sentence on what is wrong in it. */
#include "opportunities_decider.h"

#include "dealbook/dbk_error.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static opp_config_t *s_ok (const char *levels, const char *checklist, uint64_t prot, uint64_t stale)
{
    opp_config_t *c = NULL;
    const char *bad;
    char why[256] = "";
    cr_assert_eq (opp_config_parse (levels, checklist, prot, stale, &c, &bad, why, sizeof why), 0,
                  "%s", why);
    cr_assert_not_null (c);
    return c;
}

static void s_bad (const char *levels, const char *checklist, const char *says)
{
    opp_config_t *c = NULL;
    const char *bad = NULL;
    char why[256] = "";
    cr_assert_eq (opp_config_parse (levels, checklist, 90, 30, &c, &bad, why, sizeof why),
                  DBK_EINVAL, "accepted: %s / %s", levels ? levels : "",
                  checklist ? checklist : "");
    cr_assert_null (c);
    cr_assert_str_eq (bad, levels ? "DEALBOOK_FUNNEL_LEVELS" : "DEALBOOK_CHECKLIST");
    cr_assert (strstr (why, says), "'%s' does not say '%s'", why, says);
}

Test (config, nothing_set_is_the_defaults)
{
    opp_config_t *c = s_ok (NULL, "", 90, 30);
    for (int l = 0; l < OPP_LEVELS; l++) {
        cr_assert_eq (c->levels[l].probability, opp_default_levels[l].probability);
        cr_assert_eq (c->levels[l].max_days, opp_default_levels[l].max_days);
        cr_assert_eq (c->levels[l].criteria, opp_default_levels[l].criteria);
    }
    cr_assert_str_eq (c->checklist[13].item, "follow.review");
    cr_assert_null (c->checklist[14].item);
    cr_assert_eq (c->protection_days, 90);
    cr_assert_eq (opp_config_fingerprint (c), 0, "the defaults leave no mark");
    cr_assert_eq (opp_config_fingerprint (NULL), 0);
    opp_config_free (&c);
    cr_assert_null (c);
    opp_config_free (&c);
}

Test (config, levels_checklist_and_days_as_given)
{
    opp_config_t *c = s_ok (" 5:60 , 30:45:need_confirmed , 55:20:qualified_pursue+coach,"
                            "80:10:decision_maker_supports,100:7:commitment",
                            "2:contact.lunch:lunch with the owner;; 6:follow.review: review: "
                            "what we learnt ;",
                            0, 14);
    cr_assert_eq (c->levels[0].probability, 5);
    cr_assert_eq (c->levels[0].max_days, 60);
    cr_assert_null (c->levels[0].criteria);
    cr_assert_str_eq (c->levels[1].criteria[0], "need_confirmed");
    cr_assert_null (c->levels[1].criteria[1]);
    cr_assert_str_eq (c->levels[2].criteria[1], "coach");
    cr_assert_eq (c->levels[4].probability, 100);
    cr_assert_str_eq (c->levels[3].code, "L4", "codes and meanings stay");
    cr_assert_eq (c->checklist[0].step, 2);
    cr_assert_str_eq (c->checklist[0].item, "contact.lunch");
    cr_assert_str_eq (c->checklist[1].text, "review: what we learnt", "a text may hold ':'");
    cr_assert_null (c->checklist[2].item);
    cr_assert_eq (c->protection_days, 0);
    cr_assert_eq (c->stale_contact_days, 14);
    uint32_t f = opp_config_fingerprint (c);
    cr_assert_neq (f, 0);
    opp_config_t *d = s_ok ("5:1,30:1,55:1,80:1,100:1", NULL, 90, 30);
    cr_assert_eq (opp_config_fingerprint (d), f, "only the probabilities are folded");
    opp_config_free (&c);
    opp_config_free (&d);
}

Test (config, each_malformed_value_names_its_setting)
{
    const char *rest = "25:30,50:21,75:14,90:14";
    char l[256];
    s_bad ("10:30,25:30", NULL, "L1 to L5 are needed");
    s_bad ("10:30,25:30,50:21,75:14,90:14,99:1", NULL, "more than 5 levels");
    snprintf (l, sizeof l, "101:30,%s", rest);
    s_bad (l, NULL, "L1: the win probability");
    snprintf (l, sizeof l, "x:30,%s", rest);
    s_bad (l, NULL, "L1: the win probability");
    snprintf (l, sizeof l, "10:0,%s", rest);
    s_bad (l, NULL, "L1: the days");
    snprintf (l, sizeof l, "10,%s", rest);
    s_bad (l, NULL, "L1: the win probability");
    snprintf (l, sizeof l, "10:30:coach,%s", rest);
    s_bad (l, NULL, "L1 is where a deal starts");
    s_bad ("10:30,25:30:coach+coach,50:21,75:14,90:14", NULL, "L2: coach given twice");
    s_bad ("10:30,25:30:coach+,50:21,75:14,90:14", NULL, "unknown entry criterion ''");
    s_bad ("10:30,25:30,50:21:friend,75:14,90:14", NULL, "L3: unknown entry criterion");
    s_bad (NULL, "0:plan.x:x", "STEP from 1");
    s_bad (NULL, "1:plan.x", "STEP:ITEM:TEXT");
    s_bad (NULL, "1:Plan:x", "item 'Plan'");
    s_bad (NULL, "1:plan.x:", "a text of 1 to");
    s_bad (NULL, "1:plan.x:a;2:plan.x:b", "plan.x given twice");
    s_bad (NULL, " ; ;", "no item");
}

/*  A service's start refuses a malformed setting with one line: the
    setting as it was given (variable or flag), its value, what is wrong. */
Test (config, a_service_line_names_the_setting_and_its_value)
{
    setenv ("DEALBOOK_FUNNEL_LEVELS", "10:30,25:30", 1);
    dbk_config_t cfg;
    cr_assert_eq (dbk_config_load (&cfg, NULL, 0), 0);
    unsetenv ("DEALBOOK_FUNNEL_LEVELS");
    opp_config_t *c = NULL;
    char why[300];
    cr_assert_eq (opp_config_from (&cfg, true, &c, why, sizeof why), DBK_EINVAL);
    cr_assert_null (c);
    cr_assert_str_eq (why, "DEALBOOK_FUNNEL_LEVELS=10:30,25:30: 2 levels given, L1 to L5 are "
                           "needed (PROB:DAYS[:CRITERION+...] each, comma-separated)");
    cr_assert_eq (dbk_config_flag (&cfg, "--funnel-levels", "", NULL, 0), DBK_EINVAL);
    cr_assert_eq (
        dbk_config_flag (&cfg, "--funnel-levels", "10:30,25:30,50:21:,75:14,90:14", NULL, 0), 1);
    cr_assert_eq (opp_config_from (&cfg, false, &c, why, sizeof why), DBK_EINVAL);
    cr_assert (strstr (why, "--funnel-levels 10:30,25:30,50:21:,75:14,90:14: L3: unknown entry "
                            "criterion ''") == why,
               "%s", why);
    cr_assert_eq (
        dbk_config_flag (&cfg, "--funnel-levels", "10:30,25:30,50:21,75:14,90:14", NULL, 0), 1);
    cr_assert_eq (dbk_config_flag (&cfg, "--checklist", "1:Plan:x", NULL, 0), 1);
    cr_assert_eq (opp_config_from (&cfg, false, &c, why, sizeof why), 0,
                  "forecasting reads no checklist: %s", why);
    opp_config_free (&c);
    cr_assert_eq (opp_config_from (&cfg, true, &c, why, sizeof why), DBK_EINVAL);
    cr_assert (strstr (why, "--checklist 1:Plan:x: item 'Plan': a code of") == why, "%s", why);
}
