/*  bench_opportunities.c - the opportunities service as a real
    dealbook-opportunities process against a real (durable)
    dealbook-eventlog process.

    Before the processes start, the bench writes a data set straight into
    the log through the event log's store (bench_opp_fill.c): 1,000
    accounts and 10,000 contacts (the contacts service's events the
    opportunities service takes its references from), BENCH_OPPS
    (default 1,000,000) opportunities over 200 owners, 20 teams, 8
    regions, 6 stages and close dates over 2025-2026, 30% of them moved
    to L2..L5 (opportunity.level_changed) and 15% with a forecast
    category (opportunity.category_set): about 1.46 million events. Then
    every round (BENCH_ROUNDS, default 3) runs, in this order:

      catch-up   dealbook-opportunities started on an empty data directory:
                 time until its read model applied the whole log (STATUS
                 seq_applied reaches the log's head), events/s;
      next1/8    OPP_NEXT_STEP on a random opportunity with a new text, a
                 fresh command id each, from 1 and from 8 client threads,
                 BENCH_SECONDS each: round trip (decide, durable APPEND,
                 the read model applies it) p50/p99;
      reg1/8     OPP_REGISTER of a new opportunity (random account and
                 owner, a new name), the same way;
      list-*     OPP_LIST (page of 50, one client, BENCH_SECONDS each) with
                 the filters: none (every open deal), owner, owner+level,
                 region+stage+close_from/close_to (90 days), category,
                 account, sort -close_date, and the second page of an
                 owner's list (its `after` from the first, untimed page);
      rebuild    REBUILD: the service empties its read model and replays
                 the log; its reply's seq_applied / elapsed_ms, events/s.

    Settings: see usage (). The table quotes the median over the rounds.
*/
#include "support/bench.h"
#include "support/bench_contacts_fill.h"
#include "support/bench_opp_fill.h"
#include "support/bench_svc.h"

#include "dealbook/dbk_client.h"
#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    K_CATCHUP,
    K_NEXT1,
    K_NEXT8,
    K_REG1,
    K_REG8,
    K_ALL,
    K_OWNER,
    K_OWNER_LEVEL,
    K_REGION,
    K_CATEGORY,
    K_ACCOUNT,
    K_DESC,
    K_PAGE2,
    K_REBUILD,
    K_COUNT
};

static const char *const s_names[K_COUNT] = {
    "catchup",      "next1",      "next8",      "reg1",        "reg8",
    "list-all",     "list-owner", "list-level", "list-region", "list-category",
    "list-account", "list-desc",  "list-page2", "rebuild"};

static const char *const s_labels[K_COUNT] = {"catch-up, empty data dir",
                                              "OPP_NEXT_STEP 1 client",
                                              "OPP_NEXT_STEP 8 clients",
                                              "OPP_REGISTER 1 client",
                                              "OPP_REGISTER 8 clients",
                                              "OPP_LIST no filter (open)",
                                              "OPP_LIST owner",
                                              "OPP_LIST owner+level",
                                              "OPP_LIST region+stage+close range",
                                              "OPP_LIST category",
                                              "OPP_LIST account",
                                              "OPP_LIST sort -close_date",
                                              "OPP_LIST owner, 2nd page (after)",
                                              "REBUILD"};

static bsvc_res_t s_res[K_COUNT][MAX_ROUNDS];
static bo_shape_t s_shape;
static const double s_target_list_p99_us = 10000; /* OPP_LIST p99 under 10 ms */
static const double s_target_rate = 200000;       /* rebuild, events/s         */

static void s_check_model (const bsvc_t *svc, dbk_client_t *c);

/*  BENCH_OPP_CASES (comma-separated names of s_names), else all. */
static bsvc_t s_svc = {.name = "opportunities",
                       .cases_var = "BENCH_OPP_CASES",
                       .names = s_names,
                       .count = K_COUNT,
                       .spawn = bo_spawn,
                       .stop = bo_stop,
                       .check_model = s_check_model};

/*  The read model holds every opportunity. */
static void s_check_model (const bsvc_t *svc, dbk_client_t *c)
{
    static const char *const fields[1] = {"opportunities"};
    uint64_t opps = 0;
    bsvc_status (svc, c, fields, &opps, 1);
    if (opps != s_shape.opportunities)
        bench_die ("the read model holds %llu opportunities; expected %llu (see "
                   "%s/opportunities.err)",
                   (unsigned long long) opps, (unsigned long long) s_shape.opportunities,
                   bench_g.base);
}

/*  ---- commands: OPP_REGISTER (*arg true), else OPP_NEXT_STEP ---- */

static int64_t s_command (dbk_client_t *c, int index, uint64_t seed, uint64_t n, const void *arg)
{
    int64_t t0 = bench_now_ns ();
    uint64_t r = bc_mix (seed);
    uint8_t cmd[DBK_ID_SIZE];
    dbk_uuid_v7 (cmd);
    char id[48], text[160], date[11];
    bc_civil (BO_FIRST_DAY + (long) ((r >> 24) % BO_DAYS), date);
    if (!*(const bool *) arg) {
        bo_opp_id (r % s_shape.opportunities, id, sizeof id);
        snprintf (text, sizeof text, "拜访设计院, 确认技术方案 (bench %d-%llu)", index,
                  (unsigned long long) n);
        dbk_wr_t *w = dbk_client_begin (c, "OPP_NEXT_STEP", 5);
        dbk_wr_cstr (w, "cmd");
        dbk_wr_bin (w, cmd, DBK_ID_SIZE);
        dbk_wr_kv_cstr (w, "actor", "user:bench");
        dbk_wr_kv_cstr (w, "id", id);
        dbk_wr_kv_cstr (w, "next_step", text);
        dbk_wr_kv_cstr (w, "due", date);
        return t0;
    }
    char acc[32], owner[32];
    snprintf (id, sizeof id, "bench-%02x%02x%02x%02x%02x%02x%02x%02x", cmd[8], cmd[9], cmd[10],
              cmd[11], cmd[12], cmd[13], cmd[14], cmd[15]);
    snprintf (text, sizeof text, "%s新建医院项目 %s", bc_cities[(r >> 8) % BC_CITIES], id);
    bc_account_id (r % s_shape.accounts, acc, sizeof acc);
    bo_owner (r >> 40, owner, sizeof owner);
    dbk_wr_t *w = dbk_client_begin (c, "OPP_REGISTER", 10);
    dbk_wr_cstr (w, "cmd");
    dbk_wr_bin (w, cmd, DBK_ID_SIZE);
    dbk_wr_kv_cstr (w, "actor", "user:bench");
    dbk_wr_kv_cstr (w, "id", id);
    dbk_wr_kv_cstr (w, "name", text);
    dbk_wr_kv_cstr (w, "account_id", acc);
    dbk_wr_kv_cstr (w, "owner", owner);
    dbk_wr_kv_cstr (w, "currency", "CNY");
    dbk_wr_kv_cstr (w, "close_date", date);
    dbk_wr_kv_cstr (w, "region", bo_regions[(r >> 48) % BO_REGIONS]);
    dbk_wr_kv_i64 (w, "amount", 50000000);
    return t0;
}

/*  ---- OPP_LIST, from one client ---- */

/*  Begin the OPP_LIST request of case k with random bits r. */
static dbk_wr_t *s_list_begin (dbk_client_t *c, int k, uint64_t r, uint32_t more)
{
    char owner[32], acc[32], from[11], to[11], level[4];
    bo_owner (r % BO_OWNERS, owner, sizeof owner);
    bc_account_id ((r >> 8) % s_shape.accounts, acc, sizeof acc);
    long day = BO_FIRST_DAY + (long) ((r >> 24) % (BO_DAYS - 90));
    bc_civil (day, from);
    bc_civil (day + 89, to);
    snprintf (level, sizeof level, "L%u", (unsigned) (1 + (r >> 40) % 5));
    dbk_wr_t *w;
    switch (k) {
    case K_OWNER:
    case K_PAGE2:
        w = dbk_client_begin (c, "OPP_LIST", 1 + more);
        dbk_wr_kv_cstr (w, "owner", owner);
        break;
    case K_OWNER_LEVEL:
        w = dbk_client_begin (c, "OPP_LIST", 2 + more);
        dbk_wr_kv_cstr (w, "owner", owner);
        dbk_wr_kv_cstr (w, "level", level);
        break;
    case K_REGION:
        w = dbk_client_begin (c, "OPP_LIST", 4 + more);
        dbk_wr_kv_cstr (w, "region", bo_regions[(r >> 44) % BO_REGIONS]);
        dbk_wr_kv_cstr (w, "stage", bo_stages[(r >> 48) % BO_STAGES]);
        dbk_wr_kv_cstr (w, "close_from", from);
        dbk_wr_kv_cstr (w, "close_to", to);
        break;
    case K_CATEGORY:
        w = dbk_client_begin (c, "OPP_LIST", 1 + more);
        dbk_wr_kv_cstr (w, "category", bo_categories[(r >> 52) % BO_CATEGORIES]);
        break;
    case K_ACCOUNT:
        w = dbk_client_begin (c, "OPP_LIST", 1 + more);
        dbk_wr_kv_cstr (w, "account_id", acc);
        break;
    case K_DESC:
        w = dbk_client_begin (c, "OPP_LIST", 1 + more);
        dbk_wr_kv_cstr (w, "sort", "-close_date");
        break;
    default:
        w = dbk_client_begin (c, "OPP_LIST", more);
    }
    return w;
}

/*  The timed request of case k; for the second page, the first page
    (untimed) gives the cursor, its reply held until the request is sent. */
static int64_t s_list (dbk_client_t *c, int k, uint64_t seed, dbk_doc_t **hold)
{
    uint64_t r = bc_mix (seed);
    const dbk_obj_t *next = NULL;
    for (int tries = 0; k == K_PAGE2 && !next; tries++) {
        /* the first page, untimed: its cursor (an owner whose deals fill
           more than one page: at small BENCH_OPPS some do not) */
        if (tries == 64)
            bench_die ("%s: no owner has a second page (BENCH_OPPS too small)", s_names[k]);
        if (tries)
            r = bc_mix (r);
        dbk_doc_destroy (hold);
        s_list_begin (c, k, r, 0);
        if (dbk_client_call (c, hold) != 0)
            bench_die ("%s failed: %s", s_names[k], dbk_client_errmsg (c));
        next = dbk_obj_get (dbk_doc_root (*hold), "next");
        if (next && dbk_obj_type (next) == DBK_T_NIL)
            next = NULL;
    }
    int64_t q0 = bench_now_ns ();
    dbk_wr_t *w = s_list_begin (c, k, r, next != NULL);
    if (next) {
        dbk_wr_cstr (w, "after");
        dbk_wr_obj (w, next);
    }
    return q0;
}

/*  ---- the table ---- */

static void s_print (double prefill_secs)
{
    printf ("\nopportunities service: %llu accounts, %llu contacts, %llu opportunities "
            "(%llu level changes, %llu categories) = %llu events (written through the store in "
            "%.1f s); %d round(s) x %.1f s\n",
            (unsigned long long) s_shape.accounts, (unsigned long long) s_shape.contacts,
            (unsigned long long) s_shape.opportunities, (unsigned long long) s_shape.levels,
            (unsigned long long) s_shape.categories, (unsigned long long) s_shape.total,
            prefill_secs, bench_g.rounds, bench_g.seconds);
    printf ("\n| case | target | median | p50 | p99 | verdict | rows/query | rounds |\n");
    printf ("|---|---|---:|---:|---:|---|---:|---|\n");
    for (int k = 0; k < K_COUNT; k++) {
        if (!bsvc_selected (&s_svc, k))
            continue;
        char med[40], p50[32] = "", p99[32] = "", rows[32] = "", rounds[800];
        const char *target = "info", *verdict = "";
        double m = bsvc_med (s_res[k], 0);
        bool rebuildish = k == K_CATCHUP || k == K_REBUILD;
        bool cmd = k >= K_NEXT1 && k <= K_REG8;
        bsvc_rounds (rounds, sizeof rounds, 60, s_res[k], rebuildish);
        if (rebuildish) {
            bsvc_rate (med, sizeof med, m, " events/s", false);
            target = "≥ 200 k events/s";
            verdict = m >= s_target_rate ? "MET" : "NOT MET";
        } else {
            bsvc_rate (med, sizeof med, m, cmd ? " cmds/s" : " q/s", false);
            snprintf (p50, sizeof p50, "%.2f ms", bsvc_med (s_res[k], 1) / 1e3);
            snprintf (p99, sizeof p99, "%.2f ms", bsvc_med (s_res[k], 2) / 1e3);
            if (!cmd) {
                target = "p99 < 10 ms";
                verdict = bsvc_med (s_res[k], 2) < s_target_list_p99_us ? "MET" : "NOT MET";
                snprintf (rows, sizeof rows, "%.1f", bsvc_med (s_res[k], 3));
            }
        }
        printf ("| %s | %s | %s | %s | %s | %s | %s | %s |\n", s_labels[k], target, med, p50, p99,
                verdict, rows, rounds);
    }
    bsvc_print_failed (&s_svc, s_res, K_NEXT1, K_REG8);
    printf ("p50/p99: median over rounds of each round's percentile; rounds: p50/p99 or "
            "events/s (wall time) per round. Commands: round trip from request to reply (decide, "
            "durable APPEND, the read model applied the events). REBUILD events/s = seq_applied / "
            "elapsed_ms of its reply; catch-up = seq_applied / time from process start to lag 0; "
            "CPU and MB written: the dealbook-opportunities process's (/proc).\n");
    bsvc_machine_print ();
    fflush (stdout);
}

/*  ---- settings ---- */

static void s_settings (void)
{
    bsvc_read_rounds (true);
    s_shape.opportunities = bsvc_env_u64 ("BENCH_OPPS", 1000000);
    s_shape.accounts = bsvc_env_u64 ("BENCH_OPP_ACCOUNTS", 1000);
    s_shape.contacts = bsvc_env_u64 ("BENCH_OPP_CONTACTS", 10000);
    if (s_shape.opportunities < 1000 || s_shape.accounts == 0 || s_shape.contacts == 0)
        bench_die ("BENCH_OPPS must be at least 1000, BENCH_OPP_ACCOUNTS and "
                   "BENCH_OPP_CONTACTS at least 1");
}

static void s_run_case (int k, int r)
{
    static const bool next = false, reg = true;
    switch (k) {
    case K_CATCHUP:
        s_res[k][r] = bsvc_catchup (&s_svc, r == 0);
        break;
    case K_NEXT1:
    case K_NEXT8:
        s_res[k][r] = bsvc_commands (&s_svc, k == K_NEXT1 ? 1 : 8, s_command, &next, true);
        break;
    case K_REG1:
    case K_REG8:
        s_res[k][r] = bsvc_commands (&s_svc, k == K_REG1 ? 1 : 8, s_command, &reg, true);
        break;
    case K_REBUILD:
        /*  an hour: at 1M opportunities a replay takes minutes */
        s_res[k][r] = bsvc_rebuild (&s_svc, 3600000);
        break;
    default:
        s_res[k][r] = bsvc_queries (&s_svc, k, 30000, 0, s_list, "opportunities",
                                    "no query found any opportunity");
    }
    bsvc_case_progress (&s_res[k][r], k == K_CATCHUP || k == K_REBUILD);
}

int main (int argc, char **argv)
{
    (void) argv;
    if (argc > 1) {
        bsvc_usage (&s_svc, "bench_opportunities",
                    "BENCH_OPPS (1000000), BENCH_ROUNDS (3), BENCH_SECONDS (3), "
                    "BENCH_OPP_ACCOUNTS (1000), BENCH_OPP_CONTACTS (10000)");
        return 1;
    }
    s_settings ();
    bsvc_find_bins (&s_svc);
    bsvc_setup (&s_svc, "dbk-bench-opps");

    bsvc_progress ("bench: opportunities data in %s; writing %llu opportunities and their events "
                   "through the store...",
                   bench_g.base, (unsigned long long) s_shape.opportunities);
    int64_t t0 = bench_now_ns ();
    bo_prefill (&s_shape);
    double prefill_secs = (double) (bench_now_ns () - t0) / 1e9;
    bsvc_progress (" %llu events, %.1f s\n", (unsigned long long) s_shape.total, prefill_secs);

    bsvc_start_eventlog ();
    bsvc_run_rounds (&s_svc, "\n  ", s_run_case);
    s_print (prefill_secs);
    bo_stop (false);
    bench_cleanup ();
    return 0;
}
