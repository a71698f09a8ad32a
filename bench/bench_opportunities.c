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

#include "dealbook/dbk_client.h"
#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"

#include <czmq.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

typedef struct {
    double rate;  /* events/s, commands/s or queries/s */
    double p50;   /* us                                */
    double p99;   /* us                                */
    double extra; /* rows per query, errors            */
    double secs;  /* catch-up / rebuild: seconds       */
    double cpu;   /* catch-up / rebuild: service CPU s */
    double mb;    /* catch-up / rebuild: MB it wrote   */
} kres_t;

static kres_t s_res[K_COUNT][MAX_ROUNDS];
static bo_shape_t s_shape;
static char s_ep[64];
static char s_bin[1200];
static const double s_target_list_p99_us = 10000; /* OPP_LIST p99 under 10 ms */
static const double s_target_rate = 200000;       /* rebuild, events/s         */

static void s_progress (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
static void s_progress (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
    fflush (stderr);
}

/*  BENCH_OPP_CASES (comma-separated names of s_names), else all. */
static bool s_selected (int k)
{
    const char *list = getenv ("BENCH_OPP_CASES");
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

/*  STATUS of the service: seq_applied, and (if asked) its opportunities. */
static uint64_t s_applied (dbk_client_t *c, uint64_t *opps)
{
    dbk_client_begin (c, "STATUS", 0);
    dbk_doc_t *reply = NULL;
    if (dbk_client_call (c, &reply) != 0)
        bench_die ("opportunities STATUS failed: %s", dbk_client_errmsg (c));
    uint64_t applied = 0;
    dbk_obj_u64 (dbk_obj_get (dbk_doc_root (reply), "seq_applied"), &applied);
    if (opps)
        dbk_obj_u64 (dbk_obj_get (dbk_doc_root (reply), "opportunities"), opps);
    dbk_doc_destroy (&reply);
    return applied;
}

/*  ---- catch-up: a fresh data directory ---- */

static kres_t s_catchup (bool first)
{
    if (!first)
        bo_stop (true);
    uint64_t head = bench_status ().head;
    int64_t t0 = bench_now_ns ();
    bo_spawn (s_bin, s_ep);
    dbk_client_t *c = s_client (30000);
    uint64_t applied;
    while ((applied = s_applied (c, NULL)) < head) {
        if (waitpid (bench_g.echo_pid, NULL, WNOHANG) == bench_g.echo_pid) {
            bench_g.echo_pid = 0;
            bench_die ("dealbook-opportunities died during its catch-up (see "
                       "%s/opportunities.err)",
                       bench_g.base);
        }
        usleep (50000); /* rarely: each request interrupts the replay loop */
    }
    double secs = (double) (bench_now_ns () - t0) / 1e9;
    double cpu = bench_cpu_of (bench_g.echo_pid);
    double mb = (double) bc_written (bench_g.echo_pid) / 1e6;
    if (first) {
        uint64_t opps = 0;
        s_applied (c, &opps);
        if (opps != s_shape.opportunities)
            bench_die ("the read model holds %llu opportunities; expected %llu (see "
                       "%s/opportunities.err)",
                       (unsigned long long) opps, (unsigned long long) s_shape.opportunities,
                       bench_g.base);
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
    /*  an hour: at 1M opportunities a replay takes minutes */
    dbk_client_t *c = s_client (3600000);
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

/*  ---- commands from n client threads ---- */

typedef struct {
    int index;
    bool reg; /* OPP_REGISTER, else OPP_NEXT_STEP */
    int64_t deadline;
    lat_t lat;
    uint64_t done, errors;
    char errmsg[200];
} s_worker_t;

static void s_command (dbk_client_t *c, const s_worker_t *wk, uint64_t r, uint64_t n)
{
    uint8_t cmd[DBK_ID_SIZE];
    dbk_uuid_v7 (cmd);
    char id[48], text[160], date[11];
    bc_civil (BO_FIRST_DAY + (long) ((r >> 24) % BO_DAYS), date);
    if (!wk->reg) {
        bo_opp_id (r % s_shape.opportunities, id, sizeof id);
        snprintf (text, sizeof text, "拜访设计院, 确认技术方案 (bench %d-%llu)", wk->index,
                  (unsigned long long) n);
        dbk_wr_t *w = dbk_client_begin (c, "OPP_NEXT_STEP", 5);
        dbk_wr_cstr (w, "cmd");
        dbk_wr_bin (w, cmd, DBK_ID_SIZE);
        dbk_wr_kv_cstr (w, "actor", "user:bench");
        dbk_wr_kv_cstr (w, "id", id);
        dbk_wr_kv_cstr (w, "next_step", text);
        dbk_wr_kv_cstr (w, "due", date);
        return;
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

static kres_t s_commands (int n, bool reg)
{
    s_worker_t wk[8];
    pthread_t th[8];
    int64_t t0 = bench_now_ns ();
    for (int i = 0; i < n; i++) {
        wk[i] = (s_worker_t){
            .index = i, .reg = reg, .deadline = t0 + (int64_t) (bench_g.seconds * 1e9)};
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

static dbk_doc_t *s_list_call (dbk_client_t *c, int k)
{
    dbk_doc_t *reply = NULL;
    if (dbk_client_call (c, &reply) != 0)
        bench_die ("%s failed: %s", s_names[k], dbk_client_errmsg (c));
    return reply;
}

static kres_t s_list (int k)
{
    dbk_client_t *c = s_client (30000);
    lat_t lat = {0};
    uint64_t rows = 0, n = 0, seed = bc_mix ((uint64_t) bench_now_ns () + (uint64_t) k);
    int64_t t0 = bench_now_ns (), deadline = t0 + (int64_t) (bench_g.seconds * 1e9);
    while (bench_now_ns () < deadline) {
        uint64_t r = bc_mix (seed++);
        dbk_doc_t *first = NULL;
        const dbk_obj_t *next = NULL;
        if (k == K_PAGE2) {
            /* the first page, untimed: its cursor */
            s_list_begin (c, k, r, 0);
            first = s_list_call (c, k);
            next = dbk_obj_get (dbk_doc_root (first), "next");
            if (!next || dbk_obj_type (next) == DBK_T_NIL)
                bench_die ("%s: the first page has no next cursor", s_names[k]);
        }
        int64_t q0 = bench_now_ns ();
        dbk_wr_t *w = s_list_begin (c, k, r, next != NULL);
        if (next) {
            dbk_wr_cstr (w, "after");
            dbk_wr_obj (w, next);
        }
        dbk_doc_t *reply = s_list_call (c, k);
        int64_t q1 = bench_now_ns ();
        dbk_doc_destroy (&first);
        rows += dbk_obj_len (dbk_obj_get (dbk_doc_root (reply), "opportunities"));
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
        bench_die ("%s: no query found any opportunity", s_names[k]);
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
    else
        snprintf (out, n, "%.0f%s", v, unit);
}

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
        if (!s_selected (k))
            continue;
        char med[40], p50[32] = "", p99[32] = "", rows[32] = "", rounds[800] = "";
        const char *target = "info", *verdict = "";
        double m = s_med (k, 0);
        size_t off = 0;
        bool rebuildish = k == K_CATCHUP || k == K_REBUILD;
        bool cmd = k >= K_NEXT1 && k <= K_REG8;
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
            target = "≥ 200 k events/s";
            verdict = m >= s_target_rate ? "MET" : "NOT MET";
        } else {
            s_rate (med, sizeof med, m, cmd ? " cmds/s" : " q/s");
            snprintf (p50, sizeof p50, "%.2f ms", s_med (k, 1) / 1e3);
            snprintf (p99, sizeof p99, "%.2f ms", s_med (k, 2) / 1e3);
            if (!cmd) {
                target = "p99 < 10 ms";
                verdict = s_med (k, 2) < s_target_list_p99_us ? "MET" : "NOT MET";
                snprintf (rows, sizeof rows, "%.1f", s_med (k, 3));
            }
        }
        printf ("| %s | %s | %s | %s | %s | %s | %s | %s |\n", s_labels[k], target, med, p50, p99,
                verdict, rows, rounds);
    }
    for (int k = K_NEXT1; k <= K_REG8; k++)
        if (s_selected (k)) {
            double e = 0;
            for (int r = 0; r < bench_g.rounds; r++)
                e += s_res[k][r].extra;
            if (e > 0)
                printf ("%s: %.0f failed command(s) in all rounds\n", s_names[k], e);
        }
    printf ("p50/p99: median over rounds of each round's percentile; rounds: p50/p99 or "
            "events/s (wall time) per round. Commands: round trip from request to reply (decide, "
            "durable APPEND, the read model applied the events). REBUILD events/s = seq_applied / "
            "elapsed_ms of its reply; catch-up = seq_applied / time from process start to lag 0; "
            "CPU and MB written: the dealbook-opportunities process's (/proc).\n");
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
    int b = snprintf (s_bin, sizeof s_bin, "%.1100s/dealbook-opportunities", dir);
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
    s_shape.opportunities = s_env_u64 ("BENCH_OPPS", 1000000);
    s_shape.accounts = s_env_u64 ("BENCH_OPP_ACCOUNTS", 1000);
    s_shape.contacts = s_env_u64 ("BENCH_OPP_CONTACTS", 10000);
    if (s_shape.opportunities < 1000 || s_shape.accounts == 0 || s_shape.contacts == 0)
        bench_die ("BENCH_OPPS must be at least 1000, BENCH_OPP_ACCOUNTS and "
                   "BENCH_OPP_CONTACTS at least 1");
}

static void s_usage (void)
{
    fprintf (stderr, "usage: bench_opportunities  (settings: BENCH_OPPS (1000000), BENCH_ROUNDS "
                     "(3), BENCH_SECONDS (3), BENCH_OPP_ACCOUNTS (1000), BENCH_OPP_CONTACTS "
                     "(10000), BENCH_OPP_CASES=");
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
    case K_NEXT1:
    case K_NEXT8:
        s_res[k][r] = s_commands (k == K_NEXT1 ? 1 : 8, false);
        break;
    case K_REG1:
    case K_REG8:
        s_res[k][r] = s_commands (k == K_REG1 ? 1 : 8, true);
        break;
    case K_REBUILD:
        s_res[k][r] = s_rebuild ();
        break;
    default:
        s_res[k][r] = s_list (k);
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
    snprintf (bench_g.base, sizeof bench_g.base, "%s/dbk-bench-opps-XXXXXX",
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

    s_progress ("bench: opportunities data in %s; writing %llu opportunities and their events "
                "through the store...",
                bench_g.base, (unsigned long long) s_shape.opportunities);
    int64_t t0 = bench_now_ns ();
    bo_prefill (&s_shape);
    double prefill_secs = (double) (bench_now_ns () - t0) / 1e9;
    s_progress (" %llu events, %.1f s\n", (unsigned long long) s_shape.total, prefill_secs);

    bench_spawn_eventlog ();
    zsys_handler_set (NULL); /* after CZMQ starts: Ctrl-C stops the bench */
    signal (SIGINT, bc_on_signal);
    signal (SIGTERM, bc_on_signal);

    /*  the first catch-up always runs: the other cases need the model */
    for (int r = 0; r < bench_g.rounds; r++) {
        s_progress ("bench: opportunities round %d/%d:", r + 1, bench_g.rounds);
        for (int k = 0; k < K_COUNT; k++) {
            if (!s_selected (k) && !(r == 0 && k == K_CATCHUP))
                continue;
            s_progress ("\n  %s", s_names[k]);
            s_run_case (k, r);
        }
        s_progress ("\n");
    }
    s_print (prefill_secs);
    bo_stop (false);
    bench_cleanup ();
    return 0;
}
