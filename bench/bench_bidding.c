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

#include "dealbook/dbk_client.h"
#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"

#include <czmq.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

typedef struct {
    double rate;  /* events/s, commands/s or queries/s */
    double p50;   /* us                                */
    double p99;   /* us                                */
    double extra; /* rows per answer, errors           */
    double secs;  /* catch-up / rebuild: seconds       */
    double cpu;   /* catch-up / rebuild: service CPU s */
    double mb;    /* catch-up / rebuild: MB it wrote   */
} kres_t;

static kres_t s_res[K_COUNT][MAX_ROUNDS];
static bb_shape_t s_shape;
static char s_today[11];
static char s_ep[64];
static char s_bin[1200];

static void s_progress (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
static void s_progress (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
    fflush (stderr);
}

/*  BENCH_BID_CASES (comma-separated names of s_names), else all. */
static bool s_selected (int k)
{
    const char *list = getenv ("BENCH_BID_CASES");
    if (!list || !*list)
        return true;
    size_t n = strlen (s_names[k]);
    for (const char *p = list; *p;) {
        const char *e = strchr (p, ',');
        size_t len = e ? (size_t) (e - p) : strlen (p);
        if (len == n && memcmp (p, s_names[k], n) == 0)
            return true;
        p += len + (e != NULL);
    }
    return false;
}

static uint64_t s_env_u64 (const char *name, uint64_t dflt)
{
    const char *v = getenv (name);
    if (!v || !*v)
        return dflt;
    char *end;
    unsigned long long u = strtoull (v, &end, 10);
    if (*end || v[0] == '-')
        bench_die ("%s=%s: expected a whole number", name, v);
    return u;
}

static dbk_client_t *s_client (int timeout_ms)
{
    dbk_client_t *c = dbk_client_new (s_ep, timeout_ms);
    if (!c)
        bench_die ("no client for %s", s_ep);
    return c;
}

/*  STATUS of the service: seq_applied, and (if asked) its aggregates. */
static uint64_t s_applied (dbk_client_t *c, uint64_t *aggregates)
{
    dbk_client_begin (c, "STATUS", 0);
    dbk_doc_t *reply = NULL;
    if (dbk_client_call (c, &reply) != 0)
        bench_die ("bidding STATUS failed: %s", dbk_client_errmsg (c));
    uint64_t applied = 0;
    dbk_obj_u64 (dbk_obj_get (dbk_doc_root (reply), "seq_applied"), &applied);
    if (aggregates)
        dbk_obj_u64 (dbk_obj_get (dbk_doc_root (reply), "aggregates"), aggregates);
    dbk_doc_destroy (&reply);
    return applied;
}

/*  ---- catch-up: a fresh data directory ---- */

static kres_t s_catchup (bool first)
{
    if (!first)
        bb_stop (true);
    uint64_t head = bench_status ().head;
    int64_t t0 = bench_now_ns ();
    bb_spawn (s_bin, s_ep);
    dbk_client_t *c = s_client (30000);
    uint64_t applied;
    while ((applied = s_applied (c, NULL)) < head) {
        if (waitpid (bench_g.echo_pid, NULL, WNOHANG) == bench_g.echo_pid) {
            bench_g.echo_pid = 0;
            bench_die ("dealbook-bidding died during its catch-up (see %s/bidding.err)",
                       bench_g.base);
        }
        usleep (50000); /* rarely: each request interrupts the replay loop */
    }
    double secs = (double) (bench_now_ns () - t0) / 1e9;
    double cpu = bench_cpu_of (bench_g.echo_pid);
    double mb = (double) bc_written (bench_g.echo_pid) / 1e6;
    if (first) {
        uint64_t aggs = 0, want = s_shape.tenders + s_shape.quotes + s_shape.contracts;
        s_applied (c, &aggs);
        if (aggs != want)
            bench_die ("the read model holds %llu tenders, quotes and contracts; expected %llu "
                       "(see %s/bidding.err)",
                       (unsigned long long) aggs, (unsigned long long) want, bench_g.base);
    }
    dbk_client_destroy (&c);
    return (kres_t){.rate = (double) applied / secs,
                    .extra = (double) applied,
                    .secs = secs,
                    .cpu = cpu,
                    .mb = mb};
}

/*  ---- REBUILD ---- */

static kres_t s_rebuild (void)
{
    dbk_client_t *c = s_client (3600000); /* an hour: a replay takes minutes at scale */
    double cpu0 = bench_cpu_of (bench_g.echo_pid);
    uint64_t w0 = bc_written (bench_g.echo_pid);
    int64_t t0 = bench_now_ns ();
    dbk_client_begin (c, "REBUILD", 0);
    dbk_doc_t *reply = NULL;
    if (dbk_client_call (c, &reply) != 0)
        bench_die ("REBUILD failed: %s", dbk_client_errmsg (c));
    double wall = (double) (bench_now_ns () - t0) / 1e9;
    double cpu = bench_cpu_of (bench_g.echo_pid) - cpu0;
    double mb = (double) (bc_written (bench_g.echo_pid) - w0) / 1e6;
    uint64_t applied = 0, ms = 0;
    const dbk_obj_t *root = dbk_doc_root (reply);
    dbk_obj_u64 (dbk_obj_get (root, "seq_applied"), &applied);
    dbk_obj_u64 (dbk_obj_get (root, "elapsed_ms"), &ms);
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    double secs = ms ? (double) ms / 1e3 : wall;
    return (kres_t){.rate = (double) applied / secs,
                    .extra = (double) applied,
                    .secs = wall,
                    .cpu = cpu,
                    .mb = mb};
}

/*  ---- TENDER_ASK from n client threads ---- */

typedef struct {
    int index;
    int64_t deadline;
    lat_t lat;
    uint64_t done, errors;
    char errmsg[200];
} s_worker_t;

/*  A random open tender (fates 5..9 of bench_bid_fill.h). */
static uint64_t s_open_tender (uint64_t r)
{
    uint64_t i = (r % (s_shape.tenders / 10)) * 10 + 5 + (r >> 40) % 5;
    return i < s_shape.tenders ? i : i - 10;
}

static void s_command (dbk_client_t *c, const s_worker_t *wk, uint64_t r, uint64_t n)
{
    uint8_t cmd[DBK_ID_SIZE];
    dbk_uuid_v7 (cmd);
    char id[32], text[200];
    bb_tender_id (s_open_tender (r), id, sizeof id);
    snprintf (text, sizeof text,
              "幕墙龙骨的防腐等级是否可按 C4 执行? 招标文件第 3.2 条与图纸不一致 (bench %d-%llu)",
              wk->index, (unsigned long long) n);
    dbk_wr_t *w = dbk_client_begin (c, "TENDER_ASK", 4);
    dbk_wr_cstr (w, "cmd");
    dbk_wr_bin (w, cmd, DBK_ID_SIZE);
    dbk_wr_kv_cstr (w, "actor", "user:bench");
    dbk_wr_kv_cstr (w, "id", id);
    dbk_wr_kv_cstr (w, "question", text);
}

static void *s_cmd_worker (void *arg)
{
    s_worker_t *wk = arg;
    dbk_client_t *c = dbk_client_new (s_ep, 30000);
    if (!c) {
        wk->errors++;
        return NULL;
    }
    uint64_t seed = bc_mix ((uint64_t) bench_now_ns () ^ (uint64_t) wk->index << 56);
    for (uint64_t n = 0; bench_now_ns () < wk->deadline; n++) {
        int64_t t0 = bench_now_ns ();
        s_command (c, wk, bc_mix (seed++), n);
        dbk_doc_t *reply = NULL;
        int rc = dbk_client_call (c, &reply);
        int64_t t1 = bench_now_ns ();
        uint64_t events = 0;
        if (!rc)
            dbk_obj_u64 (dbk_obj_get (dbk_doc_root (reply), "events"), &events);
        dbk_doc_destroy (&reply);
        if (rc || events == 0) {
            if (!wk->errors)
                snprintf (wk->errmsg, sizeof wk->errmsg, "%s: %s",
                          rc ? dbk_strerror (rc) : "no event",
                          rc ? dbk_client_errmsg (c) : "the command changed nothing");
            wk->errors++;
            continue;
        }
        bench_lat_add (&wk->lat, (double) (t1 - t0) / 1e3);
        wk->done++;
    }
    dbk_client_destroy (&c);
    return NULL;
}

static kres_t s_commands (int n)
{
    s_worker_t wk[8];
    pthread_t th[8];
    int64_t t0 = bench_now_ns ();
    for (int i = 0; i < n; i++) {
        wk[i] = (s_worker_t){.index = i, .deadline = t0 + (int64_t) (bench_g.seconds * 1e9)};
        if (pthread_create (&th[i], NULL, s_cmd_worker, &wk[i]))
            bench_die ("pthread_create failed");
    }
    lat_t all = {0};
    uint64_t done = 0, errors = 0;
    for (int i = 0; i < n; i++) {
        pthread_join (th[i], NULL);
        bench_lat_merge (&all, &wk[i].lat);
        free (wk[i].lat.v);
        done += wk[i].done;
        errors += wk[i].errors;
        if (wk[i].errors)
            s_progress ("\nbench: %llu command(s) failed, e.g. %s\n",
                        (unsigned long long) wk[i].errors, wk[i].errmsg);
    }
    double secs = (double) (bench_now_ns () - t0) / 1e9;
    if (errors * 100 > done + errors)
        bench_die ("more than 1%% of the commands failed");
    kres_t r = {.rate = (double) done / secs,
                .p50 = bench_pct (&all, 0.50),
                .p99 = bench_pct (&all, 0.99),
                .extra = (double) errors,
                .secs = secs};
    free (all.v);
    return r;
}

/*  ---- the queries, from one client ---- */

static void s_query_begin (dbk_client_t *c, int k, uint64_t r)
{
    char owner[32];
    bo_owner (r % BO_OWNERS, owner, sizeof owner);
    bool by_owner = k == K_DL14_OWNER || k == K_DL90_OWNER || k == K_RCV_OWNER;
    if (k == K_RCV || k == K_RCV_OWNER) {
        dbk_wr_t *w = dbk_client_begin (c, "RECEIVABLES", 1 + by_owner);
        dbk_wr_kv_cstr (w, "as_of", s_today);
        if (by_owner)
            dbk_wr_kv_cstr (w, "owner", owner);
        return;
    }
    dbk_wr_t *w = dbk_client_begin (c, "TENDER_DEADLINES", 2 + by_owner);
    dbk_wr_kv_cstr (w, "as_of", s_today);
    dbk_wr_kv_u64 (w, "days", k == K_DL14 || k == K_DL14_OWNER ? 14 : 90);
    if (by_owner)
        dbk_wr_kv_cstr (w, "owner", owner);
}

static kres_t s_query (int k)
{
    dbk_client_t *c = s_client (600000);
    lat_t lat = {0};
    uint64_t rows = 0, n = 0, seed = bc_mix ((uint64_t) bench_now_ns () + (uint64_t) k);
    const char *list = k == K_RCV || k == K_RCV_OWNER ? "contracts" : "tenders";
    int64_t t0 = bench_now_ns (), deadline = t0 + (int64_t) (bench_g.seconds * 1e9);
    /*  at least 3 answers, however slow each is */
    while (bench_now_ns () < deadline || n < 3) {
        int64_t q0 = bench_now_ns ();
        s_query_begin (c, k, bc_mix (seed++));
        dbk_doc_t *reply = NULL;
        if (dbk_client_call (c, &reply) != 0)
            bench_die ("%s failed: %s", s_names[k], dbk_client_errmsg (c));
        int64_t q1 = bench_now_ns ();
        rows += dbk_obj_len (dbk_obj_get (dbk_doc_root (reply), list));
        dbk_doc_destroy (&reply);
        bench_lat_add (&lat, (double) (q1 - q0) / 1e3);
        n++;
    }
    double secs = (double) (bench_now_ns () - t0) / 1e9;
    kres_t res = {.rate = (double) n / secs,
                  .p50 = bench_pct (&lat, 0.50),
                  .p99 = bench_pct (&lat, 0.99),
                  .extra = n ? (double) rows / (double) n : 0,
                  .secs = secs};
    if (rows == 0)
        bench_die ("%s: no answer held any row", s_names[k]);
    free (lat.v);
    dbk_client_destroy (&c);
    return res;
}

/*  ---- the table ---- */

static double s_med (int k, int field)
{
    double v[MAX_ROUNDS];
    for (int r = 0; r < bench_g.rounds; r++)
        v[r] = field == 0   ? s_res[k][r].rate
               : field == 1 ? s_res[k][r].p50
               : field == 2 ? s_res[k][r].p99
                            : s_res[k][r].extra;
    return bench_median (v, bench_g.rounds);
}

static void s_rate (char *out, size_t n, double v, const char *unit)
{
    if (v >= 1e4)
        snprintf (out, n, "%.1f k%s", v / 1e3, unit);
    else if (v >= 10)
        snprintf (out, n, "%.0f%s", v, unit);
    else
        snprintf (out, n, "%.1f%s", v, unit);
}

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
        if (!s_selected (k))
            continue;
        char med[40], p50[32] = "", p99[32] = "", rows[32] = "", rounds[800] = "";
        double m = s_med (k, 0);
        size_t off = 0;
        bool rebuildish = k == K_CATCHUP || k == K_REBUILD;
        bool cmd = k == K_ASK1 || k == K_ASK8;
        for (int r = 0; r < bench_g.rounds && off < sizeof rounds - 60; r++) {
            const kres_t *x = &s_res[k][r];
            if (rebuildish)
                off += (size_t) snprintf (rounds + off, sizeof rounds - off,
                                          "%s%.0f k/s (%.1f s, CPU %.1f s, %.0f MB written)",
                                          r ? ", " : "", x->rate / 1e3, x->secs, x->cpu, x->mb);
            else
                off += (size_t) snprintf (rounds + off, sizeof rounds - off, "%s%.2f/%.2f ms",
                                          r ? ", " : "", x->p50 / 1e3, x->p99 / 1e3);
        }
        if (rebuildish) {
            s_rate (med, sizeof med, m, " events/s");
            snprintf (rows, sizeof rows, "%.0f events", s_med (k, 3));
        } else {
            s_rate (med, sizeof med, m, cmd ? " cmds/s" : " q/s");
            s_ms (p50, sizeof p50, s_med (k, 1));
            s_ms (p99, sizeof p99, s_med (k, 2));
            if (!cmd)
                snprintf (rows, sizeof rows, "%.1f", s_med (k, 3));
        }
        printf ("| %s | %s | %s | %s | %s | %s |\n", s_labels[k], p50, p99, med, rows, rounds);
    }
    for (int k = K_ASK1; k <= K_ASK8; k++)
        if (s_selected (k)) {
            double e = 0;
            for (int r = 0; r < bench_g.rounds; r++)
                e += s_res[k][r].extra;
            if (e > 0)
                printf ("%s: %.0f failed command(s) in all rounds\n", s_names[k], e);
        }
    printf ("p50/p99: median over rounds of each round's percentile; rounds: p50/p99 or "
            "events/s (wall time) per round. Commands: round trip from request to reply (decide, "
            "durable APPEND, the read model applied the events). Queries: one client, as_of "
            "today; TENDER_DEADLINES answers at most 500 rows. REBUILD events/s = seq_applied / "
            "elapsed_ms of its reply; catch-up = seq_applied / time from process start to lag 0; "
            "CPU and MB written: the dealbook-bidding process's (/proc).\n");
    fflush (stdout);
}

/*  ---- settings ---- */

static void s_find_bins (void)
{
    ssize_t n = readlink ("/proc/self/exe", bench_g.self_exe, sizeof bench_g.self_exe - 1);
    if (n <= 0)
        bench_die ("cannot find my own executable");
    bench_g.self_exe[n] = 0;
    char dir[1200];
    const char *bindir = getenv ("DBK_BIN_DIR");
    if (bindir && *bindir)
        snprintf (dir, sizeof dir, "%s", bindir);
    else {
        char tmp[1100];
        snprintf (tmp, sizeof tmp, "%s", bench_g.self_exe);
        char *slash = strrchr (tmp, '/');
        if (slash)
            *slash = 0;
        snprintf (dir, sizeof dir, "%s/../bin", tmp);
    }
    int a = snprintf (bench_g.eventlog_bin, sizeof bench_g.eventlog_bin,
                      "%.1100s/dealbook-eventlog", dir);
    int b = snprintf (s_bin, sizeof s_bin, "%.1100s/dealbook-bidding", dir);
    if (a < 0 || b < 0 || (size_t) b >= sizeof s_bin)
        bench_die ("binary directory name too long");
    if (access (bench_g.eventlog_bin, X_OK))
        bench_die ("%s: not found (build it: make)", bench_g.eventlog_bin);
    if (access (s_bin, X_OK))
        bench_die ("%s: not found (build it: make)", s_bin);
}

static void s_settings (void)
{
    bench_g.rounds = (int) bench_env_double ("BENCH_ROUNDS", 3);
    if (bench_g.rounds < 1)
        bench_g.rounds = 1;
    if (bench_g.rounds > MAX_ROUNDS)
        bench_g.rounds = MAX_ROUNDS;
    bench_g.seconds = bench_env_double ("BENCH_SECONDS", 3);
    s_shape.tenders = s_env_u64 ("BENCH_TENDERS", 100000);
    s_shape.accounts = s_env_u64 ("BENCH_BID_ACCOUNTS", 1000);
    s_shape.contacts = s_env_u64 ("BENCH_BID_CONTACTS", 1000);
    if (s_shape.tenders < 1000 || s_shape.accounts == 0 || s_shape.contacts == 0)
        bench_die ("BENCH_TENDERS must be at least 1000, BENCH_BID_ACCOUNTS and "
                   "BENCH_BID_CONTACTS at least 1");
}

static void s_usage (void)
{
    fprintf (stderr, "usage: bench_bidding  (settings: BENCH_TENDERS (100000), BENCH_ROUNDS (3), "
                     "BENCH_SECONDS (3), BENCH_BID_ACCOUNTS (1000), BENCH_BID_CONTACTS (1000), "
                     "BENCH_BID_CASES=");
    for (int k = 0; k < K_COUNT; k++)
        fprintf (stderr, "%s%s", k ? "," : "", s_names[k]);
    fprintf (stderr, ", BENCH_KEEP, DBK_BIN_DIR, TMPDIR)\n");
}

static void s_run_case (int k, int r)
{
    switch (k) {
    case K_CATCHUP:
        s_res[k][r] = s_catchup (r == 0);
        break;
    case K_ASK1:
    case K_ASK8:
        s_res[k][r] = s_commands (k == K_ASK1 ? 1 : 8);
        break;
    case K_REBUILD:
        s_res[k][r] = s_rebuild ();
        break;
    default:
        s_res[k][r] = s_query (k);
    }
    if (k == K_CATCHUP || k == K_REBUILD)
        s_progress (" (%.1f s, %.0f k/s, CPU %.1f s, %.0f MB written)", s_res[k][r].secs,
                    s_res[k][r].rate / 1e3, s_res[k][r].cpu, s_res[k][r].mb);
    else
        s_progress (" (%.2f/%.2f ms)", s_res[k][r].p50 / 1e3, s_res[k][r].p99 / 1e3);
}

int main (int argc, char **argv)
{
    (void) argv;
    if (argc > 1) {
        s_usage ();
        return 1;
    }
    s_settings ();
    s_find_bins ();
    const char *tmpdir = getenv ("TMPDIR");
    snprintf (bench_g.base, sizeof bench_g.base, "%s/dbk-bench-bids-XXXXXX",
              tmpdir && *tmpdir ? tmpdir : "/tmp");
    signal (SIGINT, bc_on_signal);
    signal (SIGTERM, bc_on_signal);
    signal (SIGPIPE, SIG_IGN);
    if (!mkdtemp (bench_g.base))
        bench_die ("mkdtemp %s: %s", bench_g.base, strerror (errno));
    snprintf (bench_g.log_dir, sizeof bench_g.log_dir, "%s/log", bench_g.base);
    snprintf (bench_g.log_ep, sizeof bench_g.log_ep, "tcp://127.0.0.1:%d", bench_free_port ());
    snprintf (bench_g.pub_ep, sizeof bench_g.pub_ep, "tcp://127.0.0.1:%d", bench_free_port ());
    snprintf (s_ep, sizeof s_ep, "tcp://127.0.0.1:%d", bench_free_port ());

    s_progress ("bench: bidding data in %s; writing %llu tenders, their opportunities, quotes "
                "and contracts through the store...",
                bench_g.base, (unsigned long long) s_shape.tenders);
    int64_t t0 = bench_now_ns ();
    bb_prefill (&s_shape);
    bc_civil (s_shape.today, s_today);
    double prefill_secs = (double) (bench_now_ns () - t0) / 1e9;
    s_progress (" %llu events, %.1f s\n", (unsigned long long) s_shape.total, prefill_secs);

    bench_spawn_eventlog ();
    zsys_handler_set (NULL); /* after CZMQ starts: Ctrl-C stops the bench */
    signal (SIGINT, bc_on_signal);
    signal (SIGTERM, bc_on_signal);

    /*  the first catch-up always runs: the other cases need the model */
    for (int r = 0; r < bench_g.rounds; r++) {
        s_progress ("bench: bidding round %d/%d:", r + 1, bench_g.rounds);
        for (int k = 0; k < K_COUNT; k++) {
            if (!s_selected (k) && !(r == 0 && k == K_CATCHUP))
                continue;
            s_progress ("\n  %s", s_names[k]);
            s_run_case (k, r);
        }
        s_progress ("\n");
    }
    s_print (prefill_secs);
    bb_stop (false);
    bench_cleanup ();
    return 0;
}
