/*  test_opportunities_known.c - opportunities_known_read, the one rule by
    which the opportunities projection, the bidding service's deals and
    the forecasting book decide whether an opportunity.* event is folded,
    skipped or ignored (opportunities_known.h); and that the forecasting
    book, which has checks of its own, folds exactly the deals that rule
    lets through (forecasting_fold).
*/
#include "support/fc_given.h"

#include "forecasting_server.h"
#include "opportunities_decider.h"
#include "opportunities_known.h"

TestSuite (known, .init = s_setup, .fini = s_teardown);

/*  An event: type on stream, its payload from JSON (NULL: none); a
    registration its stream's first, any other type after it. */
static dbk_event_t s_ev (const char *stream, const char *type)
{
    return (dbk_event_t){.stream = stream,
                         .stream_len = strlen (stream),
                         .ver = strcmp (type, "opportunity.registered") ? 2 : 1,
                         .type = type,
                         .type_len = strlen (type),
                         .at = 1767225600000LL, /* 2026-01-01T00:00Z */
                         .ts = 1767225600000LL};
}

/*  A caller's record of the deals registered, for the rule to ask. */
typedef struct {
    bool holds; /* it holds the deal asked about */
    int asked;  /* times it was asked            */
} s_record_t;

/*  opportunities_known_registered_fn over an s_record_t; arg NULL: a
    record that holds every deal. */
static bool s_registered (void *arg, const char *id, size_t n)
{
    s_record_t *r = arg;
    (void) id, (void) n;
    if (r)
        r->asked++;
    return !r || r->holds;
}

/*  Read the event by the rule, as a service that holds its deal. */
static int s_read (const char *stream, const char *type, const char *json, opportunities_known_t *k)
{
    dbk_event_t ev = s_ev (stream, type);
    return opportunities_known_read (&ev, json ? cmd (json) : NULL, NULL, s_registered, NULL, k);
}

/*  A registration as OPP_REGISTER writes it, for deal `id`, but `key`
    holding `value` (JSON; NULL: left out; a key it does not write: added
    with value); key NULL: as written. Valid until the 16th call after. */
static const char *s_reg_with (const char *id, const char *key, const char *value)
{
    static const char *const keys[] = {
        "name",       "normalized_name", "account_id", "owner", "currency",
        "close_date", "amount",          "stage",      "level", "on"};
    static const char *const vals[] = {
        "\"Line 16\"", "\"line16\"",         "\"a1\"", "\"wang\"",      "\"CNY\"", "\"2026-09-30\"",
        "100",         "\"need_discovery\"", "1",      "\"2026-01-01\""};
    static char json[16][600];
    static int next;
    char *j = json[next++ % 16];
    size_t n = (size_t) snprintf (j, sizeof json[0], "{\"id\":\"%s\"", id);
    bool written = false;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        bool over = key && !strcmp (key, keys[i]);
        written |= over;
        if (!over || value)
            n += (size_t) snprintf (j + n, sizeof json[0] - n, ",\"%s\":%s", keys[i],
                                    over ? value : vals[i]);
    }
    if (key && value && !written)
        n += (size_t) snprintf (j + n, sizeof json[0] - n, ",\"%s\":%s", key, value);
    snprintf (j + n, sizeof json[0] - n, "}");
    return j;
}

static const char *s_reg (const char *id)
{
    return s_reg_with (id, NULL, NULL);
}

Test (known, a_registration_day_is_its_on_when_a_date_cut_to_when_recorded)
{
    char day[11];
    /*  a date: as stated, up to the latest business day anywhere when
        recorded (2026-01-01T00:00Z: 2026-01-01 at UTC+14) */
    cr_assert (opportunities_registered_on (cmd (s_reg ("o1")), 1767225600000LL, day));
    cr_assert_str_eq (day, "2026-01-01");
    cr_assert (opportunities_registered_on (cmd (s_reg_with ("o1", "on", "\"2099-01-01\"")),
                                            1767225600000LL, day));
    cr_assert_str_eq (day, "2026-01-01");
    cr_assert (opportunities_registered_on (cmd (s_reg_with ("o1", "on", "\"2099-01-01\"")),
                                            OPP_UNRECORDED, day));
    cr_assert_str_eq (day, "2099-01-01");
    /*  no date: none, in both services */
    cr_assert_not (opportunities_registered_on (cmd (s_reg_with ("o1", "on", "\"garbage!!\"")),
                                                1767225600000LL, day));
    cr_assert_not (opportunities_registered_on (cmd (s_reg_with ("o1", "on", "\"2026-02-30\"")),
                                                1767225600000LL, day));
    cr_assert_not (
        opportunities_registered_on (cmd (s_reg_with ("o1", "on", NULL)), 1767225600000LL, day));
    /*  and the deal then bounds nothing: a command dated 2026-01-01 on a
        deal "registered on" garbage (which sorts after every date) used
        to be refused */
    opp_state_t st;
    opp_init (&st);
    cr_assert_eq (opp_evolve (&st, "opportunity.registered",
                              cmd (s_reg_with ("o1", "on", "\"garbage!!\"")), 1767225600000LL),
                  0);
    cr_assert_null (st.registered_on);
    dbk_decision_t *d = dbk_decision_new ();
    cr_assert_eq (opportunities_check_registered_by (d, "on", "2026-01-01", 10, "o1",
                                                     st.registered_on, "why"),
                  0);
    cr_assert_not (dbk_decision_rejected (d));
    cr_assert_eq (
        opportunities_check_registered_by (d, "on", "2025-12-31", 10, "o1", "2026-01-01", "why"),
        DBK_EINVAL);
    cr_assert_str_eq (dbk_decision_message (d),
                      "on (2025-12-31) cannot be before the registration of opportunity o1 "
                      "(2026-01-01): why");
    dbk_decision_destroy (&d);
    opp_reset (&st);
}

/*  Given registrations whose "on" is a day to come, no date, or none
    When the rule folds them, as the bidding service reads them
    Then it hands over the registration's day as the fold read it, cut to
    when the log recorded it: the same day as the deal's registered_on
    and its touched date, and none for another type */
Test (known, the_rule_hands_over_the_registration_day_the_fold_read)
{
    struct {
        const char *on, *want;
    } cases[] = {{"\"2026-01-01\"", "2026-01-01"},
                 {"\"2099-01-01\"", "2026-01-01"},
                 {"\"garbage!!\"", ""},
                 {NULL, ""}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        opportunities_known_t k;
        const char *json = s_reg_with ("o1", "on", cases[i].on);
        cr_assert_eq (s_read ("opportunity-o1", "opportunity.registered", json, &k), 0);
        cr_expect_str_eq (k.registered_on, cases[i].want, "%s", json);
        opp_state_t st;
        opp_init (&st);
        dbk_event_t ev = s_ev ("opportunity-o1", "opportunity.registered");
        cr_assert_eq (opportunities_known_read (&ev, cmd (json), &st, NULL, NULL, &k), 0);
        cr_expect_str_eq (k.registered_on, cases[i].want, "%s", json);
        cr_expect_str_eq (st.registered_on ? st.registered_on : "", cases[i].want, "%s", json);
        cr_expect_str_eq (st.touched ? st.touched : "", cases[i].want, "%s", json);
        opp_reset (&st);
    }
    opportunities_known_t k;
    cr_assert_eq (s_read ("opportunity-o1", "opportunity.won",
                          "{\"id\":\"o1\",\"amount\":9,\"date\":\"2026-01-01\","
                          "\"on\":\"2026-01-01\"}",
                          &k),
                  0);
    cr_assert_not_null (k.id);
    cr_assert_str_eq (k.registered_on, "");
}

Test (known, a_deals_event_on_its_stream_is_the_deal_of_its_stream)
{
    opportunities_known_t k;
    cr_assert_eq (s_read ("opportunity-o1", "opportunity.registered", s_reg ("o1"), &k), 0);
    cr_assert_eq (k.id_len, 2);
    cr_assert (k.id && memcmp (k.id, "o1", 2) == 0);
    cr_assert_eq (s_read ("opportunity-o1", "opportunity.won",
                          "{\"id\":\"o1\",\"amount\":90,\"date\":\"2026-03-01\"}", &k),
                  0);
    cr_assert_not_null (k.id);
}

Test (known, events_of_no_deal_and_types_it_does_not_fold_are_ignored)
{
    opportunities_known_t k;
    char longid[OPP_ID_MAX + 20];
    snprintf (longid, sizeof longid, "opportunity-%0*d", OPP_ID_MAX + 1, 7);
    struct {
        const char *stream, *type, *json;
    } none[] = {
        /*  nobody's deal */
        {"thing-o9", "opportunity.registered", s_reg ("o9")},
        {"tender-o9", "opportunity.registered", s_reg ("o9")},
        {"opportunities-o9", "opportunity.registered", s_reg ("o9")},
        {longid, "opportunity.registered", s_reg ("o9")},
        /*  a type it does not fold, whatever it holds */
        {"opportunity-o1", "opportunity.renamed", "{\"id\":\"zz\"}"},
        {"opportunity-o1", "opportunity.stakeholder_forgotten", "{\"id\":\"o1\",\"contact_id\":5}"},
        {"opportunity-o1", "account.registered", "{\"id\":\"zz\"}"},
        {"opportunity-o1", "opportunity", "{\"id\":\"zz\"}"},
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        cr_assert_eq (s_read (none[i].stream, none[i].type, none[i].json, &k), 0, "%s on %s",
                      none[i].type, none[i].stream);
        cr_assert_null (k.id, "%s on %s", none[i].type, none[i].stream);
    }
    cr_assert_eq (s_read ("opportunity-o1", "opportunity.registered", NULL, &k), 0);
    cr_assert_null (k.id);
}

Test (known, an_event_of_another_deal_than_its_streams_is_skipped)
{
    opportunities_known_t k;
    const char *bad[] = {s_reg ("zz"), s_reg ("o"), s_reg ("o11"),
                         "{\"id\":1,\"amount\":1,\"date\":\"2026-03-01\"}",
                         "{\"amount\":1,\"date\":\"2026-03-01\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *type = i < 3 ? "opportunity.registered" : "opportunity.won";
        cr_expect_eq (s_read ("opportunity-o1", type, bad[i], &k), DBK_EMALFORMED, "%s", bad[i]);
        cr_expect_null (k.id, "%s", bad[i]);
    }
}

/*  Given payloads appended by hand that opp_evolve refuses
    When they are read by the rule
    Then each is skipped, whatever the state of the deal: a registration
    or an update holding what its command refuses too */
Test (known, what_the_evolve_function_refuses_is_skipped)
{
    opportunities_known_t k;
    struct {
        const char *type, *json;
    } bad[] = {
        {"opportunity.registered", s_reg_with ("o1", "account_id", NULL)},
        {"opportunity.registered", s_reg_with ("o1", "currency", NULL)},
        {"opportunity.registered", s_reg_with ("o1", "level", "\"x\"")},
        {"opportunity.registered", s_reg_with ("o1", "level", "9")},
        {"opportunity.registered", s_reg_with ("o1", "stage", "\"nowhere\"")},
        {"opportunity.registered", s_reg_with ("o1", "name", "\"\"")},
        {"opportunity.registered", s_reg_with ("o1", "close_date", "\"someday\"")},
        {"opportunity.registered", s_reg_with ("o1", "account_id", "\"a 1\"")},
        {"opportunity.updated", "{\"id\":\"o1\",\"changed\":[\"currency\"],\"currency\":null}"},
        {"opportunity.updated",
         "{\"id\":\"o1\",\"changed\":[\"close_date\"],\"close_date\":\"x\"}"},
        {"opportunity.updated", "{\"id\":\"o1\",\"changed\":[\"amount\"],\"amount\":\"lots\"}"},
        {"opportunity.won", "{\"id\":\"o1\",\"amount\":\"lots\",\"date\":\"2026-03-01\"}"},
        {"opportunity.won", "{\"id\":\"o1\",\"amount\":1}"},
        {"opportunity.lost", "{\"id\":\"o1\",\"date\":\"2026-03-01\"}"},
        {"opportunity.abandoned", "{\"id\":\"o1\",\"reason\":5}"},
        {"opportunity.level_changed", "{\"id\":\"o1\",\"from\":1,\"to\":9}"},
        {"opportunity.conflict_resolved", "{\"id\":\"o1\",\"with\":\"o2\",\"outcome\":\"merged\"}"},
        {"opportunity.qualified",
         "{\"id\":\"o1\",\"real_project_score\":9,\"our_opportunity_score\":1,"
         "\"can_win_score\":1,\"worth_winning_score\":1,\"decision\":\"pursue\"}"},
        {"opportunity.category_set", "{\"id\":\"o1\",\"category\":null}"},
        {"opportunity.stakeholder_added", "{\"id\":\"o1\",\"contact_id\":\"c1\",\"attitude\":7}"},
        {"opportunity.stakeholder_updated", "{\"id\":\"o1\",\"contact_id\":\"c1\",\"attitude\":7}"},
        {"opportunity.stakeholder_updated", "{\"id\":\"o1\",\"contact_id\":5}"},
        {"opportunity.stakeholder_removed", "{\"id\":\"o1\"}"},
        {"opportunity.competitor_updated",
         "{\"id\":\"o1\",\"competitor_id\":\"k1\",\"position\":5}"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq (s_read ("opportunity-o1", bad[i].type, bad[i].json, &k), DBK_EMALFORMED,
                      "%s %s", bad[i].type, bad[i].json);
        cr_expect_null (k.id, "%s %s", bad[i].type, bad[i].json);
    }
}

/*  The verdict depends on the payload only: an update of a stakeholder or
    a competitor is read as if the deal held the one it names. */
Test (known, an_update_of_a_stakeholder_or_competitor_is_read_as_if_it_were_on_the_map)
{
    opportunities_known_t k;
    struct {
        const char *type, *json;
    } good[] = {
        {"opportunity.stakeholder_updated",
         "{\"id\":\"o1\",\"contact_id\":\"c1\",\"attitude\":-2,\"on\":\"2026-03-01\"}"},
        {"opportunity.stakeholder_removed", "{\"id\":\"o1\",\"contact_id\":\"c1\"}"},
        {"opportunity.competitor_updated",
         "{\"id\":\"o1\",\"competitor_id\":\"k1\",\"position\":\"ahead\"}"},
        {"opportunity.updated", "{\"id\":\"o1\",\"changed\":[\"team\"],\"team\":null}"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        cr_assert_eq (s_read ("opportunity-o1", good[i].type, good[i].json, &k), 0, "%s %s",
                      good[i].type, good[i].json);
        cr_assert_not_null (k.id, "%s %s", good[i].type, good[i].json);
    }
}

Test (known, only_the_stakeholder_types_it_knows_change_the_map)
{
    /*  Given a deal with c1 on its map
        When an opportunity.stakeholder_* event of no known type comes
        Then c1 stays: the type is not folded (it was a removal) */
    opp_state_t st;
    opp_init (&st);
    cr_assert_eq (opp_evolve (&st, "opportunity.registered", cmd (s_reg ("o1")), OPP_UNRECORDED),
                  0);
    cr_assert_eq (opp_evolve (&st, "opportunity.stakeholder_added",
                              cmd ("{\"id\":\"o1\",\"contact_id\":\"c1\"}"), OPP_UNRECORDED),
                  0);
    cr_assert_eq (opp_evolve (&st, "opportunity.stakeholder_gone",
                              cmd ("{\"id\":\"o1\",\"contact_id\":\"c1\"}"), OPP_UNRECORDED),
                  0);
    cr_assert_eq (st.nstakeholders, 1);
    opp_reset (&st);
}

/*  Given a stream whose deal is registered, or not (yet)
    When a registration, or another event, is appended to it by hand
    Then a registration of a deal registered already is ignored, and any
    other event of a deal not registered is, whatever they hold (nothing
    is judged): by the caller's record of its deals, asked only after the
    stream's first event, and by the deal's own state alike */
Test (known, a_deal_is_registered_once_and_only_a_registration_makes_one)
{
    const char *won = "{\"id\":\"o1\",\"amount\":9,\"date\":\"2026-03-01\"}";
    struct {
        const char *type, *json;
        uint64_t ver;
        bool holds;  /* the caller's record holds the deal */
        bool folded; /* the rule folds the event           */
    } cases[] = {
        /*  the stream's first event: no record is asked */
        {"opportunity.registered", s_reg ("o1"), 1, true, true},
        {"opportunity.reopened", "{\"id\":\"o1\",\"from\":\"lost\",\"reason\":\"r\"}", 1, true,
         false},
        {"opportunity.won", won, 1, true, false},
        /*  a later one, by the record: a registration after events that
            made no deal makes it */
        {"opportunity.registered", s_reg ("o1"), 3, false, true},
        {"opportunity.registered", s_reg_with ("o1", "owner", "\"li\""), 3, true, false},
        {"opportunity.won", won, 3, false, false},
        {"opportunity.won", won, 3, true, true},
        /*  ignored, whatever they hold */
        {"opportunity.registered", s_reg ("zz"), 3, true, false},
        {"opportunity.registered", s_reg_with ("o1", "account_id", NULL), 3, true, false},
        {"opportunity.won", "{\"id\":\"o1\",\"amount\":\"lots\"}", 3, false, false},
        {"opportunity.level_changed", "{\"id\":\"zz\",\"to\":9}", 3, false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_record_t record = {.holds = cases[i].holds};
        opportunities_known_t k;
        dbk_event_t ev = s_ev ("opportunity-o1", cases[i].type);
        ev.ver = cases[i].ver;
        cr_expect_eq (
            opportunities_known_read (&ev, cmd (cases[i].json), NULL, s_registered, &record, &k), 0,
            "%s %s at %d", cases[i].type, cases[i].json, (int) cases[i].ver);
        cr_expect_eq (k.id != NULL, cases[i].folded, "%s %s at %d", cases[i].type, cases[i].json,
                      (int) cases[i].ver);
        cr_expect_eq (record.asked, cases[i].ver > 1, "%s at %d", cases[i].type,
                      (int) cases[i].ver);
    }
    /*  the deal's state: an outcome on a fresh stream makes no deal, and
        a registration of a deal won leaves it won, its owner's */
    opp_state_t st;
    opp_init (&st);
    opportunities_known_t k;
    dbk_event_t ev = s_ev ("opportunity-o1", "opportunity.won");
    cr_assert_eq (opportunities_known_read (&ev, cmd (won), &st, NULL, NULL, &k), 0);
    cr_assert_null (k.id);
    cr_assert_eq (st.status, OPP_NONE);
    ev = s_ev ("opportunity-o1", "opportunity.registered");
    ev.ver = 2;
    cr_assert_eq (opportunities_known_read (&ev, cmd (s_reg ("o1")), &st, NULL, NULL, &k), 0);
    cr_assert_not_null (k.id);
    ev = s_ev ("opportunity-o1", "opportunity.won");
    ev.ver = 3;
    cr_assert_eq (opportunities_known_read (&ev, cmd (won), &st, NULL, NULL, &k), 0);
    cr_assert_eq (st.status, OPP_WON);
    ev = s_ev ("opportunity-o1", "opportunity.registered");
    ev.ver = 4;
    cr_assert_eq (opportunities_known_read (&ev, cmd (s_reg_with ("o1", "owner", "\"li\"")), &st,
                                            NULL, NULL, &k),
                  0);
    cr_assert_null (k.id);
    cr_assert_eq (st.status, OPP_WON);
    cr_assert_str_eq (st.owner, "wang");
    opp_reset (&st);
}

/*  Given a deal whose awards, appended by hand, are as many as it
    remembers (OPP_AWARDS_MAX losses, each through another tender)
    When a win through one more tender comes
    Then the opportunities service folds it into the deal's state, as the
    others fold it into a scratch one: the deal is won, and the awards it
    remembers stay as they were */
Test (known, an_outcome_past_the_awards_a_deal_remembers_is_folded)
{
    opp_state_t st;
    opp_init (&st);
    opportunities_known_t k;
    dbk_event_t ev = s_ev ("opportunity-o1", "opportunity.registered");
    cr_assert_eq (opportunities_known_read (&ev, cmd (s_reg ("o1")), &st, NULL, NULL, &k), 0);
    char json[200];
    for (int i = 0; i < OPP_AWARDS_MAX; i++) {
        snprintf (json, sizeof json,
                  "{\"id\":\"o1\",\"reason\":\"price\",\"date\":\"2026-03-01\","
                  "\"tender_id\":\"t%d\"}",
                  i);
        ev = s_ev ("opportunity-o1", "opportunity.lost");
        ev.ver = (uint64_t) i + 2;
        cr_assert_eq (opportunities_known_read (&ev, cmd (json), &st, NULL, NULL, &k), 0, "%s",
                      json);
    }
    cr_assert_eq (st.nawards, OPP_AWARDS_MAX);
    const char *won = "{\"id\":\"o1\",\"amount\":90,\"date\":\"2026-03-02\",\"tender_id\":\"t99\"}";
    ev = s_ev ("opportunity-o1", "opportunity.won");
    ev.ver = OPP_AWARDS_MAX + 2;
    cr_assert_eq (opportunities_known_read (&ev, cmd (won), NULL, s_registered, NULL, &k), 0);
    cr_assert_not_null (k.id);
    cr_assert_eq (opportunities_known_read (&ev, cmd (won), &st, NULL, NULL, &k), 0);
    cr_assert_not_null (k.id);
    cr_assert_eq (st.status, OPP_WON);
    cr_assert_eq (st.won_amount, 90);
    cr_assert_eq (st.nawards, OPP_AWARDS_MAX);
    for (size_t i = 0; i < st.nawards; i++)
        cr_assert_str_neq (st.awards[i], "t99");
    /*  and a win whose tender is no text is skipped all the same */
    cr_assert_eq (
        opportunities_known_read (&ev,
                                  cmd ("{\"id\":\"o1\",\"amount\":90,\"date\":\"2026-03-02\","
                                       "\"tender_id\":5}"),
                                  &st, NULL, NULL, &k),
        DBK_EMALFORMED);
    opp_reset (&st);
}

/*  Fold ev (payload from JSON) into the fixture's book as the
    forecasting service does. */
static int s_fold (const char *stream, const char *type, const char *json, uint64_t seq)
{
    dbk_event_t ev = s_ev (stream, type);
    ev.seq = seq;
    return forecasting_fold (book, &ev, cmd (json));
}

static bool s_in_book (const char *id)
{
    fc_deal_t deal;
    return fc_book_deal (book, id, &deal) == 0;
}

/*  Given registrations appended by hand, some the opportunities service
    folds and some it skips or ignores
    When the forecasting book folds them
    Then it knows exactly the deals the opportunities service knows: each
    one the rule skips it skips, each one it ignores it ignores, each one
    it folds it folds (a registration with no amount too) */
Test (known, the_forecasting_book_folds_the_deals_the_opportunities_service_folds)
{
    struct {
        const char *stream, *id, *json;
    } regs[] = {
        {"opportunity-o1", "o1", s_reg ("o1")},
        {"opportunity-o2", "o2", s_reg_with ("o2", "amount", "null")},
        {"thing-o3", "o3", s_reg ("o3")},
        {"opportunity-o4", "zz", s_reg ("zz")},
        {"opportunity-o5", "o5", s_reg_with ("o5", "account_id", "null")},
        {"opportunity-o6", "o6", s_reg_with ("o6", "level", "\"x\"")},
        {"opportunity-o7", "o7", s_reg_with ("o7", "name", "\"  \"")},
        /*  not a field the opportunities service reads */
        {"opportunity-o8", "o8", s_reg_with ("o8", "tender_type", "5")},
    };
    uint64_t seq = 0;
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        opportunities_known_t k;
        int rule = s_read (regs[i].stream, "opportunity.registered", regs[i].json, &k);
        int fold = s_fold (regs[i].stream, "opportunity.registered", regs[i].json, ++seq);
        cr_expect_eq (fold, rule, "%s: the rule says %d, the book %d", regs[i].json, rule, fold);
        cr_expect_eq (s_in_book (regs[i].id), rule == 0 && k.id != NULL, "%s on %s", regs[i].json,
                      regs[i].stream);
    }
    /*  and what changes a deal: a win the rule skips leaves o1 open */
    cr_assert_eq (s_fold ("opportunity-o1", "opportunity.won",
                          "{\"id\":\"o1\",\"amount\":90,\"date\":\"2026-03-01\",\"tender_id\":5}",
                          ++seq),
                  DBK_EMALFORMED);
    fc_deal_t deal;
    cr_assert_eq (fc_book_deal (book, "o1", &deal), 0);
    cr_assert_eq (deal.status, FC_OPEN);
    /*  a second registration leaves the deal as it is, and an outcome
        of a deal never registered makes none */
    cr_assert_eq (s_fold ("opportunity-o1", "opportunity.registered",
                          s_reg_with ("o1", "owner", "\"li\""), ++seq),
                  0);
    cr_assert_eq (fc_book_deal (book, "o1", &deal), 0);
    cr_assert_str_eq (deal.owner, "wang");
    cr_assert_eq (s_fold ("opportunity-o9", "opportunity.reopened",
                          "{\"id\":\"o9\",\"from\":\"lost\",\"reason\":\"r\"}", ++seq),
                  0);
    cr_assert_not (s_in_book ("o9"));
    /*  an opportunity.* type nobody folds does not make the deal fresh */
    fc_day_t last = deal.last_on;
    cr_assert_eq (s_fold ("opportunity-o1", "opportunity.renamed",
                          "{\"id\":\"o1\",\"on\":\"2026-04-01\"}", ++seq),
                  0);
    cr_assert_eq (fc_book_deal (book, "o1", &deal), 0);
    cr_assert_eq (deal.last_on, last);
}
