/*  bench_forecasting.c - the forecasting service as a real
    dealbook-forecasting process against a real (durable)
    dealbook-eventlog process.

    Before the processes start, the bench writes a data set straight into
    the log through the event log's store (bench_fc_fill.c): bo_prefill's
    1,000 accounts, 10,000 contacts and BENCH_FC_OPPS (default 1,000,000)
    opportunities over 200 owners, 20 teams, 8 regions and close dates
    over 2025-2026 (30 % moved to L2..L5, 15 % with a forecast category),
    then 12 % of them won and 8 % lost on their close date, a quota for
    every owner and team and a forecast of every owner for each quarter
    of 2025-2026: about 1.66 million events. Then every round
    (BENCH_ROUNDS, default 3) runs, in this order:

      catch-up      dealbook-forecasting started on an empty data
                    directory: time until its read model applied the whole
                    log (STATUS seq_applied reaches the log's head),
                    events/s, and the update cost per event: the service's
                    CPU seconds / events applied;
      funnel-*      FUNNEL (one client, BENCH_SECONDS each) with no filter,
                    a random owner, a random region, a random owner and
                    quarter of 2025-2026;
      forecast-*    FORECAST of a random quarter for an owner (against the
                    owner's quota), a team (the team's quota), a region;
      rebuild       REBUILD: the service empties its read model and replays
                    the log; its reply's seq_applied / elapsed_ms, events/s.

    After the rounds, the as-of case (asof): both processes stop, the
    bench appends filler events through the store until the log holds
    BENCH_FC_ASOF_EVENTS (default 10,000,000) events - next steps and
    close-date moves on open deals, activities of the contacts service -,
    restarts them and waits until the read model applied the filler (its
    catch-up from the checkpoint: events/s and update cost per event).
    Then BENCH_FC_ASOF_QUERIES (default 3) single FUNNEL queries with
    `as_of` a day after every event's recording time and business date,
    and "book": false, each replaying the whole log into a throw-away
    in-memory book: seconds and events/s (log head / seconds); KEEP_BOOK,
    which replays it once more and writes the book to a file; and as many
    FUNNEL queries from that book (the target: under 10 s). Each answer
    must equal the live read model's FUNNEL.

    Settings: see usage (). The table quotes the median over the rounds.
*/
#include "support/bench.h"
#include "support/bench_contacts_fill.h"
#include "support/bench_fc_fill.h"
#include "support/bench_opp_fill.h"
#include "support/bench_svc.h"

#include "dealbook/dbk_client.h"
#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_event.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
    K_CATCHUP,
    K_F_ALL,
    K_F_OWNER,
    K_F_REGION,
    K_F_PERIOD,
    K_O_OWNER,
    K_O_TEAM,
    K_O_REGION,
    K_REBUILD,
    K_ROUNDS, /* the cases above run in every round */
    K_ASOF = K_ROUNDS,
    K_COUNT
};

static const char *const s_names[K_COUNT] = {
    "catchup",        "funnel-all",    "funnel-owner",    "funnel-region", "funnel-period",
    "forecast-owner", "forecast-team", "forecast-region", "rebuild",       "asof"};

static const char *const s_labels[K_COUNT] = {"catch-up, empty data dir",
                                              "FUNNEL no filter",
                                              "FUNNEL owner",
                                              "FUNNEL region",
                                              "FUNNEL owner + quarter",
                                              "FORECAST quarter, owner (quota)",
                                              "FORECAST quarter, team (quota)",
                                              "FORECAST quarter, region",
                                              "REBUILD",
                                              "FUNNEL as_of from the kept book"};

static bsvc_res_t s_res[K_COUNT][MAX_ROUNDS];
static bf_shape_t s_shape;
static uint64_t s_cells;                    /* STATUS cells after the first catch-up */
static const double s_target_p99_us = 5000; /* FUNNEL / FORECAST p99 under 5 ms */
static const double s_target_asof_s = 10;   /* an as-of FUNNEL under 10 s      */

#define S_ASOF_MAX 20 /* as-of queries at most */

/*  The as-of queries of one kind: each one's seconds and CPU. */
typedef struct {
    double secs[S_ASOF_MAX];    /* each query's seconds                      */
    double cpu_svc[S_ASOF_MAX]; /* ... the service's CPU seconds in it       */
    double cpu_log[S_ASOF_MAX]; /* ... the event log's                       */
    int done;                   /* queries timed                             */
} s_asof_times_t;

/*  The as-of case: its settings and figures. */
static struct {
    uint64_t want;         /* BENCH_FC_ASOF_EVENTS: log head wanted     */
    int queries;           /* BENCH_FC_ASOF_QUERIES                     */
    bf_filler_t filler;    /* what the filler wrote                     */
    double fill_secs;      /* its time through the store                */
    bsvc_res_t catchup;    /* the read model applying the filler        */
    uint64_t head;         /* the log's head during the queries         */
    char as_of[11];        /* the date asked                            */
    double keep_secs;      /* KEEP_BOOK from seq 1 to the head          */
    uint64_t keep_bytes;   /* ... the book's file                       */
    uint64_t keep_events;  /* ... events it folded                      */
    s_asof_times_t full;   /* "book": false: the replay from seq 1      */
    s_asof_times_t booked; /* from the kept book                        */
    int mismatches;        /* answers unlike the live read model's      */
} s_asof;

static void s_check_model (const bsvc_t *svc, dbk_client_t *c);

/*  BENCH_FC_CASES (comma-separated names of s_names), else all. */
static bsvc_t s_svc = {.name = "forecasting",
                       .cases_var = "BENCH_FC_CASES",
                       .names = s_names,
                       .count = K_ROUNDS,
                       .spawn = bf_spawn,
                       .stop = bf_stop,
                       .check_model = s_check_model};

/*  ---- the requests ---- */

/*  Begin the FUNNEL or FORECAST request of case k with random bits r. */
static void s_begin (dbk_client_t *c, int k, uint64_t r)
{
    char owner[32], team[16], quarter[8];
    bo_owner (r % BO_OWNERS, owner, sizeof owner);
    snprintf (team, sizeof team, "team%02u", (unsigned) ((r >> 8) % BO_TEAMS));
    const char *region = bo_regions[(r >> 16) % BO_REGIONS];
    bf_quarter ((int) ((r >> 24) % BF_QUARTERS), quarter);
    dbk_wr_t *w;
    switch (k) {
    case K_F_OWNER:
        w = dbk_client_begin (c, "FUNNEL", 1);
        dbk_wr_kv_cstr (w, "owner", owner);
        break;
    case K_F_REGION:
        w = dbk_client_begin (c, "FUNNEL", 1);
        dbk_wr_kv_cstr (w, "region", region);
        break;
    case K_F_PERIOD:
        w = dbk_client_begin (c, "FUNNEL", 2);
        dbk_wr_kv_cstr (w, "owner", owner);
        dbk_wr_kv_cstr (w, "period", quarter);
        break;
    case K_O_OWNER:
        w = dbk_client_begin (c, "FORECAST", 2);
        dbk_wr_kv_cstr (w, "period", quarter);
        dbk_wr_kv_cstr (w, "owner", owner);
        break;
    case K_O_TEAM:
        w = dbk_client_begin (c, "FORECAST", 2);
        dbk_wr_kv_cstr (w, "period", quarter);
        dbk_wr_kv_cstr (w, "team", team);
        break;
    case K_O_REGION:
        w = dbk_client_begin (c, "FORECAST", 2);
        dbk_wr_kv_cstr (w, "period", quarter);
        dbk_wr_kv_cstr (w, "region", region);
        break;
    default:
        dbk_client_begin (c, "FUNNEL", 0);
    }
}

static int64_t s_query (dbk_client_t *c, int k, uint64_t seed, dbk_doc_t **hold)
{
    (void) hold;
    int64_t q0 = bench_now_ns ();
    s_begin (c, k, bc_mix (seed));
    return q0;
}

/*  One untimed call; the reply is the caller's. */
static dbk_doc_t *s_call (dbk_client_t *c, const char *what)
{
    dbk_doc_t *reply = NULL;
    if (dbk_client_call (c, &reply) != 0)
        bench_die ("%s failed: %s", what, dbk_client_errmsg (c));
    return reply;
}

/*  Field `key` ("count", "amount", "weighted") of the sum `sum` of a
    FUNNEL reply (-1 if absent). */
static int64_t s_sum (const dbk_doc_t *reply, const char *sum, const char *key)
{
    int64_t v = -1;
    if (dbk_obj_i64 (dbk_obj_get (dbk_obj_get (dbk_doc_root (reply), sum), key), &v))
        return -1;
    return v;
}

/*  The read model holds every opportunity, the funnel counts every deal
    by its fate, and an owner's forecast finds its quota. */
static void s_check_model (const bsvc_t *svc, dbk_client_t *c)
{
    static const char *const fields[2] = {"deals", "cells"};
    uint64_t v[2] = {0, 0}, deals;
    bsvc_status (svc, c, fields, v, 2);
    deals = v[0];
    s_cells = v[1];
    if (deals != s_shape.opp.opportunities)
        bench_die ("the read model holds %llu deals; expected %llu (see %s/forecasting.err)",
                   (unsigned long long) deals, (unsigned long long) s_shape.opp.opportunities,
                   bench_g.base);
    dbk_client_begin (c, "FUNNEL", 0);
    dbk_doc_t *f = s_call (c, "FUNNEL");
    int64_t open = s_sum (f, "open", "count"), won = s_sum (f, "won", "count"),
            lost = s_sum (f, "lost", "count");
    dbk_doc_destroy (&f);
    if (won != (int64_t) s_shape.won || lost != (int64_t) s_shape.lost ||
        open + won + lost != (int64_t) s_shape.opp.opportunities)
        bench_die ("FUNNEL counts %lld open, %lld won, %lld lost; expected %llu won, %llu lost "
                   "of %llu deals",
                   (long long) open, (long long) won, (long long) lost,
                   (unsigned long long) s_shape.won, (unsigned long long) s_shape.lost,
                   (unsigned long long) s_shape.opp.opportunities);
    s_begin (c, K_O_OWNER, 0);
    dbk_doc_t *o = s_call (c, "FORECAST");
    bool has = false;
    dbk_obj_bool (dbk_obj_get (dbk_doc_root (o), "has_quota"), &has);
    dbk_doc_destroy (&o);
    if (!has)
        bench_die ("FORECAST of an owner's quarter finds no quota");
}

/*  ---- the as-of case ---- */

static void s_stop_eventlog (void)
{
    if (bench_g.log_pid > 0) {
        kill (bench_g.log_pid, SIGTERM);
        waitpid (bench_g.log_pid, NULL, 0);
        bench_g.log_pid = 0;
    }
}

/*  Append the filler with both processes stopped (the log's store keeps
    its head in memory: one writer at a time), restart them and time the
    read model's catch-up from its checkpoint. */
static void s_asof_fill (void)
{
    uint64_t head = bench_status ().head;
    uint64_t n = s_asof.want > head ? s_asof.want - head : 0;
    if (n == 0)
        return;
    bsvc_progress ("\nbench: forecasting as-of: writing %llu filler events through the store...",
                   (unsigned long long) n);
    bf_stop (false);
    s_stop_eventlog ();
    int64_t t0 = bench_now_ns ();
    bf_filler (&s_shape, n, &s_asof.filler);
    s_asof.fill_secs = (double) (bench_now_ns () - t0) / 1e9;
    bsvc_progress (" %.1f s (%llu next steps, %llu close-date moves, %llu activities)\n",
                   s_asof.fill_secs, (unsigned long long) s_asof.filler.next_steps,
                   (unsigned long long) s_asof.filler.updates,
                   (unsigned long long) s_asof.filler.activities);
    bsvc_start_eventlog ();
    head = bench_status ().head;
    bsvc_progress ("bench: forecasting as-of: the read model applies the filler (head %llu)...",
                   (unsigned long long) head);
    t0 = bench_now_ns ();
    bf_spawn (s_svc.bin, s_svc.ep);
    dbk_client_t *c = bsvc_client (&s_svc, 30000);
    while (bsvc_status (&s_svc, c, NULL, NULL, 0) < head) {
        if (waitpid (bench_g.echo_pid, NULL, WNOHANG) == bench_g.echo_pid) {
            bench_g.echo_pid = 0;
            bench_die ("dealbook-forecasting died applying the filler (see %s/forecasting.err)",
                       bench_g.base);
        }
        usleep (200000);
    }
    dbk_client_destroy (&c);
    double secs = (double) (bench_now_ns () - t0) / 1e9;
    s_asof.catchup = (bsvc_res_t){.rate = (double) n / secs,
                                  .extra = (double) n,
                                  .secs = secs,
                                  .cpu = bench_cpu_of (bench_g.echo_pid),
                                  .mb = (double) bc_written (bench_g.echo_pid) / 1e6};
    bsvc_case_progress (&s_asof.catchup, true);
    bsvc_progress ("\n");
}

/*  FUNNEL's figures of a reply, to compare the as-of answer with the
    live one: open, won and lost count, amount and weighted. */
static void s_figures (const dbk_doc_t *reply, int64_t out[9])
{
    static const char *const sums[3] = {"open", "won", "lost"};
    static const char *const keys[3] = {"count", "amount", "weighted"};
    for (int i = 0; i < 9; i++)
        out[i] = s_sum (reply, sums[i / 3], keys[i % 3]);
}

/*  s_asof.queries FUNNEL as_of, from the kept book or not ("book"),
    each answer checked against the live one (want). */
static void s_asof_queries (dbk_client_t *c, bool book, const int64_t want[9], s_asof_times_t *t)
{
    for (int i = 0; i < s_asof.queries; i++) {
        double svc0 = bench_cpu_of (bench_g.echo_pid), log0 = bench_cpu_of (bench_g.log_pid);
        int64_t t0 = bench_now_ns ();
        dbk_wr_t *w = dbk_client_begin (c, "FUNNEL", 2);
        dbk_wr_kv_cstr (w, "as_of", s_asof.as_of);
        dbk_wr_kv_bool (w, "book", book);
        dbk_doc_t *reply = s_call (c, "FUNNEL as_of");
        t->secs[i] = (double) (bench_now_ns () - t0) / 1e9;
        t->cpu_svc[i] = bench_cpu_of (bench_g.echo_pid) - svc0;
        t->cpu_log[i] = bench_cpu_of (bench_g.log_pid) - log0;
        int64_t got[9];
        s_figures (reply, got);
        dbk_doc_destroy (&reply);
        s_asof.mismatches += memcmp (want, got, sizeof got) != 0;
        t->done++;
        bsvc_progress (" %.2f s (CPU %.1f s + log %.1f s)", t->secs[i], t->cpu_svc[i],
                       t->cpu_log[i]);
    }
    bsvc_progress ("%s\n", s_asof.mismatches ? " (answers differ from the live read model!)" : "");
}

static void s_asof_run (void)
{
    s_asof_fill ();
    s_asof.head = bench_status ().head;
    /*  the end of as_of's day must be after every event's `at` (now) and
        as_of after every business date (2025-2026) */
    long today = (long) (dbk_now_ms () / 86400000), last = BO_FIRST_DAY + BO_DAYS - 1;
    bc_civil (today > last ? today : last, s_asof.as_of);
    dbk_client_t *c = bsvc_client (&s_svc, 1800000); /* a replay may take minutes */
    dbk_client_begin (c, "FUNNEL", 0);
    dbk_doc_t *live = s_call (c, "FUNNEL");
    int64_t want[9];
    s_figures (live, want);
    dbk_doc_destroy (&live);
    bsvc_progress ("bench: forecasting as-of: FUNNEL as_of %s over %llu events, full replay:",
                   s_asof.as_of, (unsigned long long) s_asof.head);
    s_asof_queries (c, false, want, &s_asof.full);
    int64_t t0 = bench_now_ns ();
    dbk_client_begin (c, "KEEP_BOOK", 0);
    dbk_doc_t *kept = s_call (c, "KEEP_BOOK");
    s_asof.keep_secs = (double) (bench_now_ns () - t0) / 1e9;
    const dbk_obj_t *root = dbk_doc_root (kept);
    dbk_obj_u64 (dbk_obj_get (root, "bytes"), &s_asof.keep_bytes);
    dbk_obj_u64 (dbk_obj_get (root, "replayed"), &s_asof.keep_events);
    dbk_doc_destroy (&kept);
    bsvc_progress ("bench: forecasting as-of: KEEP_BOOK %.2f s (%llu events, %.0f MB); from the "
                   "book:",
                   s_asof.keep_secs, (unsigned long long) s_asof.keep_events,
                   (double) s_asof.keep_bytes / 1e6);
    s_asof_queries (c, true, want, &s_asof.booked);
    dbk_client_destroy (&c);
}

/*  ---- the table ---- */

/*  CPU microseconds per event of a catch-up or rebuild. */
static double s_cost (const bsvc_res_t *x)
{
    return x->extra > 0 ? x->cpu / x->extra * 1e6 : 0;
}

static void s_cost_row (const char *label, int k)
{
    double v[MAX_ROUNDS];
    char rounds[400] = "";
    size_t off = 0;
    for (int r = 0; r < bench_g.rounds; r++) {
        v[r] = s_cost (&s_res[k][r]);
        off +=
            (size_t) snprintf (rounds + off, sizeof rounds - off, "%s%.1f µs", r ? ", " : "", v[r]);
        if (off >= sizeof rounds - 20)
            break;
    }
    printf ("| %s | info | %.1f µs/event | | | | %s |\n", label, bench_median (v, bench_g.rounds),
            rounds);
}

/*  One row of as-of queries: median seconds, events/s (the log's head /
    seconds), each query's seconds and CPU; with the target when `target`. */
static void s_asof_row (const char *label, bool target, const s_asof_times_t *t)
{
    double med = bench_median ((double *) t->secs, t->done);
    char rate[40], rounds[400] = "";
    if (target) /* from the book: it folds only what came after the book */
        snprintf (rate, sizeof rate, "from the book");
    else
        bsvc_rate (rate, sizeof rate, (double) s_asof.head / med, " events/s", false);
    size_t off = 0;
    for (int i = 0; i < t->done && off < sizeof rounds - 60; i++)
        off += (size_t) snprintf (rounds + off, sizeof rounds - off,
                                  "%s%.2f s (CPU %.1f s, log %.1f s)", i ? ", " : "", t->secs[i],
                                  t->cpu_svc[i], t->cpu_log[i]);
    printf ("| %s, %llu events | %s | %.2f s (%s) | | | %s%s | %s |\n", label,
            (unsigned long long) s_asof.head, target ? "< 10 s" : "info", med, rate,
            !target                 ? ""
            : med < s_target_asof_s ? "MET"
                                    : "NOT MET",
            s_asof.mismatches ? " (answer differs from the live one)" : "", rounds);
}

static void s_print_asof (void)
{
    if (s_asof.catchup.extra > 0) {
        const bsvc_res_t *x = &s_asof.catchup;
        char med[40];
        bsvc_rate (med, sizeof med, x->rate, " events/s", false);
        printf ("| read model applies the as-of filler (from its checkpoint) | info | %s | | | | "
                "%.1f s, CPU %.1f s, %.0f MB written |\n",
                med, x->secs, x->cpu, x->mb);
        printf ("| update cost per event (the filler) | info | %.1f µs/event | | | | |\n",
                s_cost (&s_asof.catchup));
    }
    if (s_asof.full.done)
        s_asof_row ("FUNNEL as_of, full replay from seq 1 (\"book\": false)", false, &s_asof.full);
    if (s_asof.keep_secs > 0) {
        char rate[40];
        bsvc_rate (rate, sizeof rate, (double) s_asof.keep_events / s_asof.keep_secs, " events/s",
                   false);
        printf ("| KEEP_BOOK: the book from seq 1 to the head, written | info | %.2f s (%s) | | | "
                "| %llu events folded, %.0f MB file |\n",
                s_asof.keep_secs, rate, (unsigned long long) s_asof.keep_events,
                (double) s_asof.keep_bytes / 1e6);
    }
    if (s_asof.booked.done)
        s_asof_row (s_labels[K_ASOF], true, &s_asof.booked);
}

static void s_print (double prefill_secs)
{
    const bo_shape_t *o = &s_shape.opp;
    printf ("\nforecasting service: %llu accounts, %llu contacts, %llu opportunities (%llu level "
            "changes, %llu categories, %llu won, %llu lost), %llu quotas, %llu forecasts = %llu "
            "events (written through the store in %.1f s), %llu aggregate cells in the read model; "
            "%d round(s) x %.1f s\n",
            (unsigned long long) o->accounts, (unsigned long long) o->contacts,
            (unsigned long long) o->opportunities, (unsigned long long) o->levels,
            (unsigned long long) o->categories, (unsigned long long) s_shape.won,
            (unsigned long long) s_shape.lost, (unsigned long long) s_shape.quotas,
            (unsigned long long) s_shape.forecasts, (unsigned long long) s_shape.total,
            prefill_secs, (unsigned long long) s_cells, bench_g.rounds, bench_g.seconds);
    if (s_asof.filler.total)
        printf ("as-of: %llu filler events (%llu next steps, %llu close-date moves, %llu "
                "activities) written through the store in %.1f s; FUNNEL as_of %s over a log of "
                "%llu events\n",
                (unsigned long long) s_asof.filler.total,
                (unsigned long long) s_asof.filler.next_steps,
                (unsigned long long) s_asof.filler.updates,
                (unsigned long long) s_asof.filler.activities, s_asof.fill_secs, s_asof.as_of,
                (unsigned long long) s_asof.head);
    bsvc_target_header ();
    for (int k = 0; k < K_ROUNDS; k++) {
        if (!bsvc_selected (&s_svc, k))
            continue;
        bool rebuildish = k == K_CATCHUP || k == K_REBUILD;
        bsvc_target_row (s_labels[k], s_res[k], rebuildish, " q/s", 0, s_target_p99_us, 60);
        if (rebuildish)
            s_cost_row (k == K_CATCHUP ? "update cost per event (catch-up CPU / events)"
                                       : "update cost per event (REBUILD CPU / events)",
                        k);
    }
    if (bsvc_selected (&s_svc, K_ASOF))
        s_print_asof ();
    printf ("p50/p99: median over rounds of each round's percentile; rounds: p50/p99 or "
            "events/s (wall time) per round. REBUILD events/s = seq_applied / elapsed_ms of its "
            "reply; catch-up = seq_applied / time from process start to lag 0; update cost = the "
            "dealbook-forecasting process's CPU (/proc) / events applied; MB written: its "
            "(/proc). As-of: one client; a full replay folds the log (READ pages) into an "
            "in-memory book, events/s = log head / seconds; KEEP_BOOK writes that book to a file; "
            "a query from the book loads it and folds what came after it (here nothing); CPU: "
            "the service's, log: the event log's during the query.\n");
    bsvc_machine_print ();
    fflush (stdout);
}

/*  ---- settings ---- */

static void s_settings (void)
{
    bsvc_read_rounds (true);
    s_shape.opp.opportunities = bsvc_env_u64 ("BENCH_FC_OPPS", 1000000);
    s_shape.opp.accounts = bsvc_env_u64 ("BENCH_FC_ACCOUNTS", 1000);
    s_shape.opp.contacts = bsvc_env_u64 ("BENCH_FC_CONTACTS", 10000);
    s_asof.want = bsvc_env_u64 ("BENCH_FC_ASOF_EVENTS", 10000000);
    uint64_t q = bsvc_env_u64 ("BENCH_FC_ASOF_QUERIES", 3);
    if (s_shape.opp.opportunities < 1000 || s_shape.opp.accounts == 0 ||
        s_shape.opp.contacts == 0 || q < 1 || q > S_ASOF_MAX)
        bench_die ("BENCH_FC_OPPS must be at least 1000, BENCH_FC_ACCOUNTS and "
                   "BENCH_FC_CONTACTS at least 1, BENCH_FC_ASOF_QUERIES from 1 to %d",
                   S_ASOF_MAX);
    s_asof.queries = (int) q;
}

static void s_run_case (int k, int r)
{
    switch (k) {
    case K_CATCHUP:
        s_res[k][r] = bsvc_catchup (&s_svc, r == 0);
        break;
    case K_REBUILD:
        /*  an hour: at 1M opportunities a replay takes minutes */
        s_res[k][r] = bsvc_rebuild (&s_svc, 3600000);
        break;
    default:
        s_res[k][r] = bsvc_queries (&s_svc, k, 30000, 0, s_query, "levels", NULL);
    }
    bsvc_case_progress (&s_res[k][r], k == K_CATCHUP || k == K_REBUILD);
    if (k == K_CATCHUP || k == K_REBUILD)
        bsvc_progress (" %.1f µs/event", s_cost (&s_res[k][r]));
}

int main (int argc, char **argv)
{
    (void) argv;
    if (argc > 1) {
        bsvc_t all = s_svc;
        all.count = K_COUNT;
        bsvc_usage (&all, "bench_forecasting",
                    "BENCH_FC_OPPS (1000000), BENCH_FC_ASOF_EVENTS (10000000), "
                    "BENCH_FC_ASOF_QUERIES (3), BENCH_ROUNDS (3), BENCH_SECONDS (3), "
                    "BENCH_FC_ACCOUNTS (1000), BENCH_FC_CONTACTS (10000)");
        return 1;
    }
    s_settings ();
    bsvc_find_bins (&s_svc);
    bsvc_setup (&s_svc, "dbk-bench-fc");

    bsvc_progress ("bench: forecasting data in %s; writing %llu opportunities, their outcomes, "
                   "quotas and forecasts through the store...",
                   bench_g.base, (unsigned long long) s_shape.opp.opportunities);
    int64_t t0 = bench_now_ns ();
    bf_prefill (&s_shape);
    double prefill_secs = (double) (bench_now_ns () - t0) / 1e9;
    bsvc_progress (" %llu events, %.1f s\n", (unsigned long long) s_shape.total, prefill_secs);

    bsvc_start_eventlog ();
    bsvc_run_rounds (&s_svc, "\n  ", s_run_case);
    if (bsvc_selected (&s_svc, K_ASOF))
        s_asof_run ();
    s_print (prefill_secs);
    bf_stop (false);
    bench_cleanup ();
    return 0;
}
