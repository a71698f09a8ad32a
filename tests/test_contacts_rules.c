/*  test_contacts_rules.c - rules of the contacts deciders that weigh a
    command against more than its own fields, Given-When-Then (fixture in
    support/contacts_given.h): a competitor's name against the names of
    the others (as accounts are compared), a birthday against today.
*/
#include "support/contacts_given.h"

TestSuite (competitor_name, .init = s_setup, .fini = s_teardown);
TestSuite (birthday, .init = s_setup, .fini = s_teardown);

/*  The shell's read model, as the lookups see it: account a1 active, and
    competitor k1 named "Philips" (normalised: "philips"). */
static contacts_ref_status_t s_account (void *ctx, const char *id, const char **into)
{
    (void) ctx;
    (void) into;
    return !strcmp (id, "a1") ? CONTACTS_REF_ACTIVE : CONTACTS_REF_MISSING;
}

static const char *s_named (void *ctx, const char *norm, const char *except)
{
    (void) ctx;
    return !strcmp (norm, "philips") && (!except || strcmp (except, "k1")) ? "k1" : NULL;
}

static const contacts_lookup_t s_model = {s_account, NULL, s_named, NULL};

/*  Given: competitor `id` named `name`, folded into rival. */
static void given_rival_named (const char *id, const char *name)
{
    char json[200];
    snprintf (json, sizeof json, "{\"name\":\"%s\",\"force\":true}", name);
    cr_assert_eq (contacts_competitor_add (d, &rival, id, cmd (json), &s_model), 0, "%s",
                  dbk_decision_message (d));
    cr_assert_eq (contacts_competitor_evolve (&rival, dbk_decision_type (d, 0), payload (0)), 0);
    dbk_decision_reset (d);
}

Test (competitor_name, adding_a_name_another_competitor_has_is_refused_naming_it)
{
    const char *names[] = {"Philips", "philips", "PHILIPS", "Philips Co., Ltd.", "ＰＨＩＬＩＰＳ"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char json[100];
        snprintf (json, sizeof json, "{\"name\":\"%s\"}", names[i]);
        contacts_competitor_add (d, &rival, "k2", cmd (json), &s_model);
        then_rejected (DBK_EDUPLICATE, "name");
        then_message_mentions ("competitor k1 already has this name");
        then_message_mentions ("--force");
        dbk_decision_reset (d);
    }
}

Test (competitor_name, forcing_keeps_both_competitors)
{
    contacts_competitor_add (d, &rival, "k2", cmd ("{\"name\":\"philips\",\"force\":true}"),
                             &s_model);
    then_accepted (1);
    cr_assert_null (dbk_obj_get (payload (0), "force"), "force is no field of the competitor");
}

Test (competitor_name, force_must_be_a_bool)
{
    contacts_competitor_add (d, &rival, "k2", cmd ("{\"name\":\"philips\",\"force\":\"false\"}"),
                             &s_model);
    then_rejected (DBK_EINVAL, "force");
}

Test (competitor_name, another_name_is_accepted)
{
    contacts_competitor_add (d, &rival, "k2", cmd ("{\"name\":\"Philips Lighting\"}"), &s_model);
    then_accepted (1);
}

Test (competitor_name, a_name_without_letters_or_digits_is_refused)
{
    contacts_competitor_add (d, &rival, "k2", cmd ("{\"name\":\"-- --\"}"), &s_model);
    then_rejected (DBK_EINVAL, "name");
}

Test (competitor_name, renaming_to_the_name_of_another_is_refused_unless_forced)
{
    given_rival_named ("k2", "Signify");
    contacts_competitor_update (d, &rival, cmd ("{\"name\":\"philips\"}"), &s_model);
    then_rejected (DBK_EDUPLICATE, "name");
    then_message_mentions ("competitor k1");
    dbk_decision_reset (d);
    contacts_competitor_update (d, &rival, cmd ("{\"name\":\"philips\",\"force\":true}"), &s_model);
    then_accepted (1);
}

Test (competitor_name, a_competitor_may_change_the_case_of_its_own_name)
{
    given_rival_named ("k1", "Philips");
    contacts_competitor_update (d, &rival, cmd ("{\"name\":\"PHILIPS\"}"), &s_model);
    then_accepted (1);
}

Test (competitor_name, an_update_that_leaves_the_name_alone_is_not_checked)
{
    given_rival_named ("k2", "philips"); /* forced in before */
    contacts_competitor_update (d, &rival, cmd ("{\"products\":\"LED\"}"), &s_model);
    then_accepted (1);
}

Test (competitor_name, without_a_name_lookup_nothing_counts_as_a_duplicate)
{
    static const contacts_lookup_t bare = {s_account, NULL, NULL, NULL};
    contacts_competitor_add (d, &rival, "k2", cmd ("{\"name\":\"philips\"}"), &bare);
    then_accepted (1);
}

/*  ======================= birthdays ======================= */

/*  What the shell knows on 2026-11-29 at UTC+08:00: the account exists. */
static const contacts_contact_facts_t s_today = {CONTACTS_REF_ACTIVE, NULL, "2026-11-29",
                                                 "UTC+08:00"};

static void when_added_born (const char *birthday)
{
    char json[200];
    snprintf (json, sizeof json, "{\"name\":\"李明\",\"account_id\":\"a1\",\"birthday\":\"%s\"}",
              birthday);
    contacts_contact_add (d, &li, "c1", cmd (json), &s_today);
}

Test (birthday, a_birthday_after_today_is_refused_naming_today_and_its_zone)
{
    when_added_born ("2999-01-01");
    then_rejected (DBK_EINVAL, "birthday");
    then_message_mentions ("birthday (2999-01-01) cannot be after today at UTC+08:00 (2026-11-29)");
    dbk_decision_reset (d);
    when_added_born ("2026-11-30");
    then_rejected (DBK_EINVAL, "birthday");
}

Test (birthday, a_birthday_today_or_before_or_without_a_year_is_accepted)
{
    const char *ok[] = {"2026-11-29", "1968-02-29", "--12-31"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        when_added_born (ok[i]);
        then_accepted (1);
        dbk_decision_reset (d);
    }
}

Test (birthday, an_update_to_a_birthday_after_today_is_refused)
{
    given_contact ();
    contacts_contact_update (d, &li, cmd ("{\"birthday\":\"2999-01-01\"}"), &s_today);
    then_rejected (DBK_EINVAL, "birthday");
    dbk_decision_reset (d);
    contacts_contact_update (d, &li, cmd ("{\"birthday\":\"1999-01-01\"}"), &s_today);
    then_accepted (1);
}

Test (birthday, without_a_business_date_no_birthday_is_bounded)
{
    contacts_contact_add (d, &li, "c1",
                          cmd ("{\"name\":\"李明\",\"account_id\":\"a1\",\"birthday\":"
                               "\"2999-01-01\"}"),
                          &s_active);
    then_accepted (1);
}
