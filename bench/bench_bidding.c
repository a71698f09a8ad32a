/*  bench_bidding.c - the bidding service as a real dealbook-bidding
    process against a real (durable) dealbook-eventlog process.

    Before the processes start, the bench writes a data set straight into
    the log through the event log's store (bench_bid_fill.c): 1,000
    accounts and 1,000 contacts, one opportunity per tender (over 200
    owners, with bench_opp_fill's level changes and categories), then
    BENCH_TENDERS (default 100,000) tenders: half of them open (submission
    deadline 1..365 days ahead), half submitted with an approved two-line
    quote, 30% of all won with a contract of 4 milestones invoiced when due
    and mostly paid (30,000 contracts at the default size). Then every
    round (BENCH_ROUNDS, default 3) runs, in this order:

      catch-up   dealbook-bidding started on an empty data directory: time
                 until its read model applied the whole log (STATUS
                 seq_applied reaches the log's head), events/s;
      ask1/8     TENDER_ASK on a random open tender, a fresh command id
                 each, from 1 and from 8 client threads, BENCH_SECONDS
                 each: round trip (decide, durable APPEND, the read model
                 applies it) p50/p99;
      dl*        TENDER_DEADLINES as of today over 14 and 90 days, without
                 and with an owner (one client, BENCH_SECONDS each);
      rcv*       RECEIVABLES as of today, without and with an owner;
      rebuild    REBUILD: the service empties its read model and replays
                 the log; its reply's seq_applied / elapsed_ms, events/s.

    Settings: see usage (). The table quotes the median over the rounds.
*/
#include "support/bench.h"
#include "support/bench_bid_fill.h"
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
    K_ASK1,
    K_ASK8,
    K_DL14,
    K_DL14_OWNER,
    K_DL90,
    K_DL90_OWNER,
    K_RCV,
    K_RCV_OWNER,
    K_REBUILD,
    K_COUNT
};

static const char *const s_names[K_COUNT] = {"catchup",    "ask1",   "ask8",       "dl14",
                                             "dl14-owner", "dl90",   "dl90-owner", "rcv",
                                             "rcv-owner",  "rebuild"};

static const char *const s_labels[K_COUNT] = {"catch-up, empty data dir",
                                              "TENDER_ASK 1 client",
                                              "TENDER_ASK 8 clients",
                                              "TENDER_DEADLINES 14 days",
                                              "TENDER_DEADLINES 14 days, owner",
                                              "TENDER_DEADLINES 90 days",
                                              "TENDER_DEADLINES 90 days, owner",
                                              "RECEIVABLES all",
                                              "RECEIVABLES owner",
                                              "REBUILD"};

static bsvc_res_t s_res[K_COUNT][MAX_ROUNDS];
static bb_shape_t s_shape;
static char s_today[11];

static void s_check_model (const bsvc_t *svc, dbk_client_t *c);

/*  BENCH_BID_CASES (comma-separated names of s_names), else all. */
static bsvc_t s_svc = {.name = "bidding",
                       .cases_var = "BENCH_BID_CASES",
                       .names = s_names,
                       .count = K_COUNT,
                       .spawn = bb_spawn,
                       .stop = bb_stop,
                       .check_model = s_check_model};

/*  The read model holds every tender, quote and contract. */
static void s_check_model (const bsvc_t *svc, dbk_client_t *c)
{
    static const char *const fields[1] = {"aggregates"};
    uint64_t aggs = 0, want = s_shape.tenders + s_shape.quotes + s_shape.contracts;
    bsvc_status (svc, c, fields, &aggs, 1);
    if (aggs != want)
        bench_die ("the read model holds %llu tenders, quotes and contracts; expected %llu "
                   "(see %s/bidding.err)",
                   (unsigned long long) aggs, (unsigned long long) want, bench_g.base);
}

/*  ---- TENDER_ASK ---- */

/*  A random open tender (fates 5..9 of bench_bid_fill.h). */
static uint64_t s_open_tender (uint64_t r)
{
    uint64_t i = (r % (s_shape.tenders / 10)) * 10 + 5 + (r >> 40) % 5;
    return i < s_shape.tenders ? i : i - 10;
}

static int64_t s_command (dbk_client_t *c, int index, uint64_t seed, uint64_t n, const void *arg)
{
    (void) arg;
    int64_t t0 = bench_now_ns ();
    uint64_t r = bc_mix (seed);
    uint8_t cmd[DBK_ID_SIZE];
    dbk_uuid_v7 (cmd);
    char id[32], text[200];
    bb_tender_id (s_open_tender (r), id, sizeof id);
    snprintf (text, sizeof text,
              "幕墙龙骨的防腐等级是否可按 C4 执行? 招标文件第 3.2 条与图纸不一致 (bench %d-%llu)",
              index, (unsigned long long) n);
    dbk_wr_t *w = dbk_client_begin (c, "TENDER_ASK", 4);
    dbk_wr_cstr (w, "cmd");
    dbk_wr_bin (w, cmd, DBK_ID_SIZE);
    dbk_wr_kv_cstr (w, "actor", "user:bench");
    dbk_wr_kv_cstr (w, "id", id);
    dbk_wr_kv_cstr (w, "question", text);
    return t0;
}

/*  ---- the queries, from one client ---- */

static int64_t s_query_begin (dbk_client_t *c, int k, uint64_t seed, dbk_doc_t **hold)
{
    (void) hold;
    int64_t q0 = bench_now_ns ();
    uint64_t r = bc_mix (seed);
    char owner[32];
    bo_owner (r % BO_OWNERS, owner, sizeof owner);
    bool by_owner = k == K_DL14_OWNER || k == K_DL90_OWNER || k == K_RCV_OWNER;
    if (k == K_RCV || k == K_RCV_OWNER) {
        dbk_wr_t *w = dbk_client_begin (c, "RECEIVABLES", 1 + by_owner);
        dbk_wr_kv_cstr (w, "as_of", s_today);
        if (by_owner)
            dbk_wr_kv_cstr (w, "owner", owner);
        return q0;
    }
    dbk_wr_t *w = dbk_client_begin (c, "TENDER_DEADLINES", 2 + by_owner);
    dbk_wr_kv_cstr (w, "as_of", s_today);
    dbk_wr_kv_u64 (w, "days", k == K_DL14 || k == K_DL14_OWNER ? 14 : 90);
    if (by_owner)
        dbk_wr_kv_cstr (w, "owner", owner);
    return q0;
}

/*  ---- the table ---- */

static void s_ms (char *out, size_t n, double us)
{
    snprintf (out, n, us >= 100000 ? "%.0f ms" : "%.2f ms", us / 1e3);
}

static void s_print (double prefill_secs)
{
    printf ("\nbidding service: %llu tenders (%llu open, %llu quotes, %llu contracts with %llu "
            "invoices and %llu payments) over %d owners; with %llu accounts, %llu contacts and "
            "%llu opportunities = %llu events (written through the store in %.1f s); as of %s; "
            "%d round(s) x %.1f s\n",
            (unsigned long long) s_shape.tenders, (unsigned long long) s_shape.open,
            (unsigned long long) s_shape.quotes, (unsigned long long) s_shape.contracts,
            (unsigned long long) s_shape.invoices, (unsigned long long) s_shape.payments, BO_OWNERS,
            (unsigned long long) s_shape.accounts, (unsigned long long) s_shape.contacts,
            (unsigned long long) s_shape.tenders, (unsigned long long) s_shape.total, prefill_secs,
            s_today, bench_g.rounds, bench_g.seconds);
    printf ("\n| case | p50 | p99 | rate | rows/answer | rounds |\n");
    printf ("|---|---:|---:|---:|---:|---|\n");
    for (int k = 0; k < K_COUNT; k++) {
        if (!bsvc_selected (&s_svc, k))
            continue;
        char med[40], p50[32] = "", p99[32] = "", rows[32] = "", rounds[800];
        double m = bsvc_med (s_res[k], 0);
        bool rebuildish = k == K_CATCHUP || k == K_REBUILD;
        bool cmd = k == K_ASK1 || k == K_ASK8;
        bsvc_rounds (rounds, sizeof rounds, 60, s_res[k], rebuildish);
        if (rebuildish) {
            bsvc_rate (med, sizeof med, m, " events/s", true);
            snprintf (rows, sizeof rows, "%.0f events", bsvc_med (s_res[k], 3));
        } else {
            bsvc_rate (med, sizeof med, m, cmd ? " cmds/s" : " q/s", true);
            s_ms (p50, sizeof p50, bsvc_med (s_res[k], 1));
            s_ms (p99, sizeof p99, bsvc_med (s_res[k], 2));
            if (!cmd)
                snprintf (rows, sizeof rows, "%.1f", bsvc_med (s_res[k], 3));
        }
        printf ("| %s | %s | %s | %s | %s | %s |\n", s_labels[k], p50, p99, med, rows, rounds);
    }
    bsvc_print_failed (&s_svc, s_res, K_ASK1, K_ASK8);
    printf ("p50/p99: median over rounds of each round's percentile; rounds: p50/p99 or "
            "events/s (wall time) per round. Commands: round trip from request to reply (decide, "
            "durable APPEND, the read model applied the events). Queries: one client, as_of "
            "today; TENDER_DEADLINES answers at most 500 rows. REBUILD events/s = seq_applied / "
            "elapsed_ms of its reply; catch-up = seq_applied / time from process start to lag 0; "
            "CPU and MB written: the dealbook-bidding process's (/proc).\n");
    bsvc_machine_print ();
    fflush (stdout);
}

/*  ---- settings ---- */

static void s_settings (void)
{
    bsvc_read_rounds (true);
    s_shape.tenders = bsvc_env_u64 ("BENCH_TENDERS", 100000);
    s_shape.accounts = bsvc_env_u64 ("BENCH_BID_ACCOUNTS", 1000);
    s_shape.contacts = bsvc_env_u64 ("BENCH_BID_CONTACTS", 1000);
    if (s_shape.tenders < 1000 || s_shape.accounts == 0 || s_shape.contacts == 0)
        bench_die ("BENCH_TENDERS must be at least 1000, BENCH_BID_ACCOUNTS and "
                   "BENCH_BID_CONTACTS at least 1");
}

static void s_run_case (int k, int r)
{
    switch (k) {
    case K_CATCHUP:
        s_res[k][r] = bsvc_catchup (&s_svc, r == 0);
        break;
    case K_ASK1:
    case K_ASK8:
        s_res[k][r] = bsvc_commands (&s_svc, k == K_ASK1 ? 1 : 8, s_command, NULL, true);
        break;
    case K_REBUILD:
        /*  an hour: a replay takes minutes at scale */
        s_res[k][r] = bsvc_rebuild (&s_svc, 3600000);
        break;
    default:
        /*  at least 3 answers, however slow each is */
        s_res[k][r] = bsvc_queries (&s_svc, k, 600000, 3, s_query_begin,
                                    k == K_RCV || k == K_RCV_OWNER ? "contracts" : "tenders",
                                    "no answer held any row");
    }
    bsvc_case_progress (&s_res[k][r], k == K_CATCHUP || k == K_REBUILD);
}

int main (int argc, char **argv)
{
    (void) argv;
    if (argc > 1) {
        bsvc_usage (&s_svc, "bench_bidding",
                    "BENCH_TENDERS (100000), BENCH_ROUNDS (3), BENCH_SECONDS (3), "
                    "BENCH_BID_ACCOUNTS (1000), BENCH_BID_CONTACTS (1000)");
        return 1;
    }
    s_settings ();
    bsvc_find_bins (&s_svc);
    bsvc_setup (&s_svc, "dbk-bench-bids");

    bsvc_progress ("bench: bidding data in %s; writing %llu tenders, their opportunities, quotes "
                   "and contracts through the store...",
                   bench_g.base, (unsigned long long) s_shape.tenders);
    int64_t t0 = bench_now_ns ();
    bb_prefill (&s_shape);
    bc_civil (s_shape.today, s_today);
    double prefill_secs = (double) (bench_now_ns () - t0) / 1e9;
    bsvc_progress (" %llu events, %.1f s\n", (unsigned long long) s_shape.total, prefill_secs);

    bsvc_start_eventlog ();
    bsvc_run_rounds (&s_svc, "\n  ", s_run_case);
    s_print (prefill_secs);
    bb_stop (false);
    bench_cleanup ();
    return 0;
}
