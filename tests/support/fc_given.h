/*  fc_given.h - the Given-When-Then fixture of the forecasting suites
    (test_forecasting_decider.c, test_forecasting_book.c,
    test_forecasting_figures.c): one decision for the deciders, one book
    over an in-memory store for the projections, a log of the events fed
    to it (so that a test can replay a prefix or an as-of book), and a
    pool of parsed documents freed at the end of each test. Header-only
    (static inline) because the Makefile links tests/support/testlib.c
    only.
*/
#ifndef FC_GIVEN_H
#define FC_GIVEN_H

#include "forecasting.h"

#define S_POOL 2048
#define S_LOG 1024
#include "given.h"

static fc_store_t *store;
static fc_book_t *book;
static uint64_t s_seq; /* seq of the last event fed */

/*  The log fed to `book`, to replay into other books. */
typedef struct {
    char type[64];
    const dbk_obj_t *data;
} s_logged_t;
static s_logged_t s_log[S_LOG];
static size_t s_nlog;

/*  The facts of most commands: today 2026-03-01, wang acts, no manager. */
static fc_facts_t facts;

static inline void s_setup (void)
{
    d = dbk_decision_new ();
    cr_assert_not_null (d);
    store = fc_mem_store_new ();
    cr_assert_not_null (store);
    book = fc_book_new (store, NULL);
    cr_assert_not_null (book);
    s_seq = 0;
    s_nlog = 0;
    facts = (fc_facts_t){"2026-03-01", "wang", false};
}

static inline void s_teardown (void)
{
    given_teardown ();
    fc_book_destroy (&book);
    fc_mem_store_destroy (&store);
}

/*  ---- the book ---- */

/*  Feed one event to the book (next seq, `at` 0) and log it. */
static inline void feed (const char *type, const char *json)
{
    const dbk_obj_t *data = cmd (json);
    int rc = fc_book_apply (book, type, data, ++s_seq, 0, 0);
    cr_assert_eq (rc, 0, "%s %s: %s", type, json, dbk_strerror (rc));
    cr_assert_lt (s_nlog, S_LOG);
    snprintf (s_log[s_nlog].type, sizeof s_log[s_nlog].type, "%s", type);
    s_log[s_nlog++].data = data;
}

/*  Feed every decided event to the book and empty the decision. */
static inline void feed_decided (void)
{
    for (size_t i = 0; i < dbk_decision_count (d); i++) {
        const dbk_obj_t *data = payload (i);
        int rc = fc_book_apply (book, dbk_decision_type (d, i), data, ++s_seq, 0, 0);
        cr_assert_eq (rc, 0, "%s", dbk_strerror (rc));
        cr_assert_lt (s_nlog, S_LOG);
        snprintf (s_log[s_nlog].type, sizeof s_log[s_nlog].type, "%s", dbk_decision_type (d, i));
        s_log[s_nlog++].data = data;
    }
    dbk_decision_reset (d);
}

/*  A new book (on its own store, returned in *st_p) fed the first n
    events of the log (n > logged: all) with as-of `until` (0: none). */
static inline fc_book_t *replay (size_t n, fc_day_t until, fc_store_t **st_p)
{
    *st_p = fc_mem_store_new ();
    fc_book_t *b = fc_book_new (*st_p, NULL);
    cr_assert_not_null (b);
    fc_book_set_until (b, until);
    for (size_t i = 0; i < n && i < s_nlog; i++) {
        int rc = fc_book_apply (b, s_log[i].type, s_log[i].data, i + 1, 0, 0);
        cr_assert_eq (rc, 0, "%s", dbk_strerror (rc));
    }
    return b;
}

/*  Given: deal `id` of owner/team/region, amount (minor units) in CNY,
    expected to close on `close`, registered on `on`. */
static inline void reg (const char *id, const char *owner, const char *team, const char *region,
                        long long amount, const char *close, const char *on)
{
    char json[600];
    snprintf (json, sizeof json,
              "{\"id\":\"%s\",\"name\":\"P %s\",\"account_id\":\"a1\",\"owner\":\"%s\","
              "\"team\":\"%s\",\"region\":\"%s\",\"currency\":\"CNY\",\"close_date\":\"%s\","
              "\"amount\":%lld,\"stage\":\"need_discovery\",\"level\":1,\"on\":\"%s\"}",
              id, id, owner, team, region, close, amount, on);
    feed ("opportunity.registered", json);
}

static inline void level (const char *id, int from, int to, const char *on)
{
    char json[300];
    snprintf (json, sizeof json,
              "{\"id\":\"%s\",\"from\":%d,\"to\":%d,\"probability\":%d,\"on\":\"%s\"}", id, from,
              to, fc_default_config.probability[to], on);
    feed ("opportunity.level_changed", json);
}

static inline void category (const char *id, const char *cat, const char *on)
{
    char json[300];
    snprintf (json, sizeof json, "{\"id\":\"%s\",\"category\":\"%s\",\"on\":\"%s\"}", id, cat, on);
    feed ("opportunity.category_set", json);
}

static inline void won (const char *id, long long amount, const char *date)
{
    char json[300];
    snprintf (json, sizeof json,
              "{\"id\":\"%s\",\"amount\":%lld,\"currency\":\"CNY\",\"date\":\"%s\",\"on\":\"%s\"}",
              id, amount, date, date);
    feed ("opportunity.won", json);
}

static inline void lost (const char *id, const char *reason, const char *winner, const char *date)
{
    char json[400];
    if (winner)
        snprintf (json, sizeof json,
                  "{\"id\":\"%s\",\"reason\":\"%s\",\"winner\":\"%s\",\"date\":\"%s\","
                  "\"on\":\"%s\"}",
                  id, reason, winner, date, date);
    else
        snprintf (json, sizeof json,
                  "{\"id\":\"%s\",\"reason\":\"%s\",\"date\":\"%s\",\"on\":\"%s\"}", id, reason,
                  date, date);
    feed ("opportunity.lost", json);
}

static inline void close_date (const char *id, const char *close, const char *on)
{
    char json[300];
    snprintf (json, sizeof json,
              "{\"id\":\"%s\",\"changed\":[\"close_date\"],\"close_date\":\"%s\",\"on\":\"%s\"}",
              id, close, on);
    feed ("opportunity.updated", json);
}

static inline void amount (const char *id, long long amount, const char *on)
{
    char json[300];
    snprintf (json, sizeof json,
              "{\"id\":\"%s\",\"changed\":[\"amount\"],\"amount\":%lld,\"on\":\"%s\"}", id, amount,
              on);
    feed ("opportunity.updated", json);
}

/*  Any other event on the deal (touches it). */
static inline void touch (const char *id, const char *on)
{
    char json[300];
    snprintf (json, sizeof json, "{\"id\":\"%s\",\"next_step\":\"call\",\"on\":\"%s\"}", id, on);
    feed ("opportunity.next_step_set", json);
}

static inline fc_deal_t deal_of (const char *id)
{
    fc_deal_t deal;
    int rc = fc_book_deal (book, id, &deal);
    cr_assert_eq (rc, 0, "deal %s: %s", id, dbk_strerror (rc));
    return deal;
}

/*  The funnel of a filter, which must answer. */
static inline fc_funnel_t funnel_of (const fc_book_t *b, fc_filter_t f)
{
    fc_funnel_t out;
    int rc = fc_funnel (b, &f, &out);
    cr_assert_eq (rc, 0, "%s", dbk_strerror (rc));
    return out;
}

#define D(s) fc_day (s)

#endif
