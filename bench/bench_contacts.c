/*  bench_contacts.c - `make bench`, contacts part: the contacts service as
    a real dealbook-contacts process against a real (durable)
    dealbook-eventlog process (docs/performance.md, "Contacts service").

    Before the processes start, the bench writes a data set straight into
    the log through the event log's store (bench_contacts_fill.c): by
    default 2,000 accounts, 100,000 contacts (each with a birthday),
    500,000 trips over 50 cities in 2025-2026, and activities up to
    1,000,000 events in all, with the payloads the contacts deciders emit.
    Then every round (BENCH_ROUNDS, default 3) runs, in this order:

      catch-up   dealbook-contacts started on an empty data directory:
                 time until its read model applied the whole log (STATUS
                 seq_applied reaches the log's head), events/s;
      cmd 1x1    TRIP_ADD on a random contact, fresh command id each, one
                 client, BENCH_SECONDS: round trip (decide, durable APPEND,
                 the read model applies it) p50/p99, commands/s;
      cmd 8x1    the same from 8 client threads at once;
      city       NOTEBOOK_CITY {random city, a random 7-day window}: p50/p99;
      birthdays  NOTEBOOK_BIRTHDAYS {days 7, random as_of}: p50/p99;
      untouched  NOTEBOOK_UNTOUCHED {days 90, random as_of}: p50/p99;
      rebuild    REBUILD: the service empties its read model and replays
                 the log; its reply's seq_applied / elapsed_ms, events/s.

    The table quotes the median over the rounds, and the figure of every
    round. Settings: see usage () and bench/run.sh.
*/
#include "support/bench.h"
#include "support/bench_contacts_fill.h"

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

enum { K_CATCHUP, K_CMD1, K_CMD8, K_CITY, K_BDAY, K_UNTOUCHED, K_REBUILD, K_COUNT };

static const char *const s_names[K_COUNT] = {"catchup",   "cmd1",      "cmd8",   "city",
                                             "birthdays", "untouched", "rebuild"};

typedef struct {
    double rate;  /* events/s, commands/s or queries/s */
    double p50;   /* us                                */
    double p99;   /* us                                */
    double extra; /* results per query, events, errors */
    double secs;  /* catch-up / rebuild: seconds       */
    double cpu;   /* catch-up / rebuild: service CPU s */
    double mb;    /* catch-up / rebuild: MB it wrote   */
} kres_t;

static kres_t s_res[K_COUNT][MAX_ROUNDS];
static bc_shape_t s_shape;
static char s_ep[64];
static char s_contacts_bin[1200];
static double s_target_p99_us = 5000; /* NOTEBOOK_CITY p99 under 5 ms */
static double s_target_rate = 200000; /* rebuild, events/s            */

static void s_progress (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
static void s_progress (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
    fflush (stderr);
}

/*  BENCH_CASES (comma-separated names of s_names), else all. */
static bool s_selected (int k)
{
    const char *list = getenv ("BENCH_CONTACTS_CASES");
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

/*  STATUS of the contacts service: seq_applied, and whether it rebuilds. */
static uint64_t s_applied (dbk_client_t *c)
{
    dbk_client_begin (c, "STATUS", 0);
    dbk_doc_t *reply = NULL;
    if (dbk_client_call (c, &reply) != 0)
        bench_die ("contacts STATUS failed: %s", dbk_client_errmsg (c));
    uint64_t applied = 0;
    dbk_obj_u64 (dbk_obj_get (dbk_doc_root (reply), "seq_applied"), &applied);
    dbk_doc_destroy (&reply);
    return applied;
}

/*  The read model holds the whole data set: no event was skipped. */
static void s_check_model (dbk_client_t *c)
{
    dbk_client_begin (c, "STATUS", 0);
    dbk_doc_t *reply = NULL;
    if (dbk_client_call (c, &reply) != 0)
        bench_die ("contacts STATUS failed: %s", dbk_client_errmsg (c));
    uint64_t acc = 0, con = 0, trips = 0;
    const dbk_obj_t *root = dbk_doc_root (reply);
    dbk_obj_u64 (dbk_obj_get (root, "accounts"), &acc);
    dbk_obj_u64 (dbk_obj_get (root, "contacts"), &con);
    dbk_obj_u64 (dbk_obj_get (root, "trips"), &trips);
    dbk_doc_destroy (&reply);
    if (acc != s_shape.accounts || con != s_shape.contacts || trips != s_shape.trips)
        bench_die ("the read model holds %llu accounts, %llu contacts, %llu trips; expected "
                   "%llu, %llu, %llu (see %s/contacts.err)",
                   (unsigned long long) acc, (unsigned long long) con, (unsigned long long) trips,
                   (unsigned long long) s_shape.accounts, (unsigned long long) s_shape.contacts,
                   (unsigned long long) s_shape.trips, bench_g.base);
}

/*  ---- catch-up: a fresh data directory ---- */

static kres_t s_catchup (bool first)
{
    if (!first)
        bc_stop_contacts (true);
    uint64_t head = bench_status ().head;
    int64_t t0 = bench_now_ns ();
    bc_spawn_contacts (s_contacts_bin, s_ep);
    dbk_client_t *c = dbk_client_new (s_ep, 30000);
    if (!c)
        bench_die ("no client for %s", s_ep);
    uint64_t applied;
    while ((applied = s_applied (c)) < head) {
        if (waitpid (bench_g.echo_pid, NULL, WNOHANG) == bench_g.echo_pid) {
            bench_g.echo_pid = 0;
            bench_die ("dealbook-contacts died during its catch-up (see %s/contacts.err)",
                       bench_g.base);
        }
        usleep (50000); /* rarely: each request interrupts the replay loop */
    }
    double secs = (double) (bench_now_ns () - t0) / 1e9;
    double cpu = bench_cpu_of (bench_g.echo_pid);
    double mb = (double) bc_written (bench_g.echo_pid) / 1e6;
    if (first)
        s_check_model (c);
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
    dbk_client_t *c = dbk_client_new (s_ep, 600000);
    if (!c)
        bench_die ("no client for %s", s_ep);
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

/*  ---- commands: TRIP_ADD from n client threads ---- */

typedef struct {
    int index;
    int64_t deadline;
    lat_t lat;
    uint64_t done, errors;
    char errmsg[200];
} s_worker_t;

static void *s_cmd_worker (void *arg)
{
    s_worker_t *wk = arg;
    dbk_client_t *c = dbk_client_new (s_ep, 30000);
    if (!c) {
        wk->errors++;
        return NULL;
    }
    uint64_t seed = bc_mix ((uint64_t) bench_now_ns () ^ (uint64_t) wk->index << 56);
    while (bench_now_ns () < wk->deadline) {
        uint64_t r = bc_mix (seed++);
        char id[32], from[11], to[11];
        bc_contact_id (r % s_shape.contacts, id, sizeof id);
        long day = BC_FIRST_DAY + (long) ((r >> 24) % BC_DAYS);
        bc_civil (day, from);
        bc_civil (day + (long) ((r >> 40) % BC_TRIP_MAX_DAYS), to);
        uint8_t cmd[DBK_ID_SIZE];
        dbk_uuid_v7 (cmd);
        int64_t t0 = bench_now_ns ();
        dbk_wr_t *w = dbk_client_begin (c, "TRIP_ADD", 7);
        dbk_wr_cstr (w, "cmd");
        dbk_wr_bin (w, cmd, DBK_ID_SIZE);
        dbk_wr_kv_cstr (w, "actor", "user:bench");
        dbk_wr_kv_cstr (w, "id", id);
        dbk_wr_kv_cstr (w, "from", from);
        dbk_wr_kv_cstr (w, "to", to);
        dbk_wr_kv_cstr (w, "city", bc_cities[(r >> 48) % BC_CITIES]);
        dbk_wr_kv_cstr (w, "hotel", "全季酒店");
        dbk_doc_t *reply = NULL;
        int rc = dbk_client_call (c, &reply);
        int64_t t1 = bench_now_ns ();
        dbk_doc_destroy (&reply);
        if (rc) {
            if (!wk->errors)
                snprintf (wk->errmsg, sizeof wk->errmsg, "%s: %s", dbk_strerror (rc),
                          dbk_client_errmsg (c));
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

/*  ---- queries, from one client ---- */

static kres_t s_queries (int k)
{
    dbk_client_t *c = dbk_client_new (s_ep, 30000);
    if (!c)
        bench_die ("no client for %s", s_ep);
    lat_t lat = {0};
    uint64_t results = 0, n = 0, seed = bc_mix ((uint64_t) bench_now_ns () + (uint64_t) k);
    const char *list = k == K_CITY ? "trips" : "contacts";
    int64_t t0 = bench_now_ns (), deadline = t0 + (int64_t) (bench_g.seconds * 1e9);
    while (bench_now_ns () < deadline) {
        uint64_t r = bc_mix (seed++);
        char from[11], to[11];
        long day = BC_FIRST_DAY + (long) (r % BC_DAYS);
        bc_civil (day, from);
        bc_civil (day + 6, to);
        int64_t q0 = bench_now_ns ();
        if (k == K_CITY) {
            dbk_wr_t *w = dbk_client_begin (c, "NOTEBOOK_CITY", 3);
            dbk_wr_kv_cstr (w, "city", bc_cities[(r >> 32) % BC_CITIES]);
            dbk_wr_kv_cstr (w, "from", from);
            dbk_wr_kv_cstr (w, "to", to);
        } else {
            dbk_wr_t *w =
                dbk_client_begin (c, k == K_BDAY ? "NOTEBOOK_BIRTHDAYS" : "NOTEBOOK_UNTOUCHED", 2);
            dbk_wr_kv_u64 (w, "days", k == K_BDAY ? 7 : 90);
            dbk_wr_kv_cstr (w, "as_of", from);
        }
        dbk_doc_t *reply = NULL;
        int rc = dbk_client_call (c, &reply);
        int64_t q1 = bench_now_ns ();
        if (rc)
            bench_die ("%s failed: %s", s_names[k], dbk_client_errmsg (c));
        results += dbk_obj_len (dbk_obj_get (dbk_doc_root (reply), list));
        dbk_doc_destroy (&reply);
        bench_lat_add (&lat, (double) (q1 - q0) / 1e3);
        n++;
    }
    double secs = (double) (bench_now_ns () - t0) / 1e9;
    kres_t res = {.rate = (double) n / secs,
                  .p50 = bench_pct (&lat, 0.50),
                  .p99 = bench_pct (&lat, 0.99),
                  .extra = n ? (double) results / (double) n : 0,
                  .secs = secs};
    free (lat.v);
    dbk_client_destroy (&c);
    return res;
}

/*  ---- the table ---- */

static double s_med (int k, int field)
{
    double v[MAX_ROUNDS];
    for (int r = 0; r < bench_g.rounds; r++)
        v[r] = field == 0 ? s_res[k][r].rate : field == 1 ? s_res[k][r].p50 : s_res[k][r].p99;
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
    static const char *const labels[K_COUNT] = {"catch-up, empty data dir",
                                                "TRIP_ADD 1 client",
                                                "TRIP_ADD 8 clients",
                                                "NOTEBOOK_CITY",
                                                "NOTEBOOK_BIRTHDAYS",
                                                "NOTEBOOK_UNTOUCHED",
                                                "REBUILD"};
    printf ("\ncontacts service: %llu accounts, %llu contacts, %llu trips, %llu activities = "
            "%llu events (written through the store in %.1f s); %d round(s) x %.1f s\n",
            (unsigned long long) s_shape.accounts, (unsigned long long) s_shape.contacts,
            (unsigned long long) s_shape.trips, (unsigned long long) s_shape.activities,
            (unsigned long long) s_shape.total, prefill_secs, bench_g.rounds, bench_g.seconds);
    printf ("\n| case | target | median | p50 | p99 | verdict | rounds |\n");
    printf ("|---|---|---:|---:|---:|---|---|\n");
    for (int k = 0; k < K_COUNT; k++) {
        if (!s_selected (k))
            continue;
        char med[40], p50[32] = "", p99[32] = "", rounds[800] = "";
        const char *target = "info", *verdict = "";
        double m = s_med (k, 0);
        size_t off = 0;
        bool rebuildish = k == K_CATCHUP || k == K_REBUILD;
        for (int r = 0; r < bench_g.rounds && off < sizeof rounds - 40; r++) {
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
            s_rate (med, sizeof med, m, k <= K_CMD8 ? " cmds/s" : " q/s");
            snprintf (p50, sizeof p50, "%.2f ms", s_med (k, 1) / 1e3);
            snprintf (p99, sizeof p99, "%.2f ms", s_med (k, 2) / 1e3);
            if (k == K_CITY) {
                target = "p99 < 5 ms";
                verdict = s_med (k, 2) < s_target_p99_us ? "MET" : "NOT MET";
            }
        }
        printf ("| %s | %s | %s | %s | %s | %s | %s |\n", labels[k], target, med, p50, p99, verdict,
                rounds);
    }
    double v[MAX_ROUNDS];
    for (int k = K_CITY; k <= K_UNTOUCHED; k++)
        if (s_selected (k)) {
            for (int r = 0; r < bench_g.rounds; r++)
                v[r] = s_res[k][r].extra;
            printf ("%s: %.0f results per query (median of rounds)\n", s_names[k],
                    bench_median (v, bench_g.rounds));
        }
    for (int k = K_CMD1; k <= K_CMD8; k++)
        if (s_selected (k)) {
            double e = 0;
            for (int r = 0; r < bench_g.rounds; r++)
                e += s_res[k][r].extra;
            if (e > 0)
                printf ("%s: %.0f failed command(s) in all rounds\n", s_names[k], e);
        }
    printf ("p50/p99: median over rounds of each round's percentile; rounds: p50/p99 or "
            "events/s (wall time) per round. REBUILD events/s = seq_applied / elapsed_ms of its "
            "reply; catch-up = seq_applied / time from process start to lag 0; CPU and MB written: "
            "the dealbook-contacts process's (/proc).\n");
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
    int b = snprintf (s_contacts_bin, sizeof s_contacts_bin, "%.1100s/dealbook-contacts", dir);
    if (a < 0 || b < 0 || (size_t) b >= sizeof s_contacts_bin)
        bench_die ("binary directory name too long");
    if (access (bench_g.eventlog_bin, X_OK))
        bench_die ("%s: not found (build it: make)", bench_g.eventlog_bin);
    if (access (s_contacts_bin, X_OK))
        bench_die ("%s: not found (build it: make)", s_contacts_bin);
}

static void s_settings (void)
{
    bench_g.rounds = (int) bench_env_double ("BENCH_ROUNDS", 3);
    if (bench_g.rounds > MAX_ROUNDS)
        bench_g.rounds = MAX_ROUNDS;
    bench_g.seconds = bench_env_double ("BENCH_SECONDS", 3);
    s_shape.accounts = s_env_u64 ("BENCH_CONTACTS_ACCOUNTS", 2000);
    s_shape.contacts = s_env_u64 ("BENCH_CONTACTS_CONTACTS", 100000);
    s_shape.trips = s_env_u64 ("BENCH_CONTACTS_TRIPS", 500000);
    uint64_t want = s_env_u64 ("BENCH_REBUILD_EVENTS", 1000000);
    if (s_shape.accounts == 0 || s_shape.contacts == 0)
        bench_die ("BENCH_CONTACTS_ACCOUNTS and BENCH_CONTACTS_CONTACTS must be at least 1");
    uint64_t base = s_shape.accounts + s_shape.contacts + s_shape.trips;
    s_shape.activities = want > base ? want - base : 0;
    s_shape.total = base + s_shape.activities;
}

int main (int argc, char **argv)
{
    if (argc > 1) {
        fprintf (stderr,
                 "usage: bench_contacts  (settings: BENCH_ROUNDS, BENCH_SECONDS, "
                 "BENCH_CONTACTS_ACCOUNTS, BENCH_CONTACTS_CONTACTS, BENCH_CONTACTS_TRIPS, "
                 "BENCH_REBUILD_EVENTS, BENCH_CONTACTS_CASES=catchup,cmd1,cmd8,city,birthdays,"
                 "untouched,rebuild, BENCH_KEEP, DBK_BIN_DIR, TMPDIR)\n");
        return 1;
    }
    (void) argv;
    s_settings ();
    s_find_bins ();
    const char *tmpdir = getenv ("TMPDIR");
    snprintf (bench_g.base, sizeof bench_g.base, "%s/dbk-bench-contacts-XXXXXX",
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

    s_progress ("bench: contacts data in %s; writing %llu events through the store...",
                bench_g.base, (unsigned long long) s_shape.total);
    int64_t t0 = bench_now_ns ();
    bc_prefill (&s_shape);
    double prefill_secs = (double) (bench_now_ns () - t0) / 1e9;
    s_progress (" %.1f s\n", prefill_secs);

    bench_spawn_eventlog ();
    zsys_handler_set (NULL); /* after CZMQ starts: Ctrl-C stops the bench */
    signal (SIGINT, bc_on_signal);
    signal (SIGTERM, bc_on_signal);

    /*  the first catch-up always runs: the other cases need the model */
    for (int r = 0; r < bench_g.rounds; r++) {
        s_progress ("bench: contacts round %d/%d:", r + 1, bench_g.rounds);
        for (int k = 0; k < K_COUNT; k++) {
            bool first = r == 0 && k == K_CATCHUP;
            if (!s_selected (k) && !first)
                continue;
            s_progress (" %s", s_names[k]);
            switch (k) {
            case K_CATCHUP:
                s_res[k][r] = s_catchup (first);
                break;
            case K_CMD1:
                s_res[k][r] = s_commands (1);
                break;
            case K_CMD8:
                s_res[k][r] = s_commands (8);
                break;
            case K_REBUILD:
                s_res[k][r] = s_rebuild ();
                break;
            default:
                s_res[k][r] = s_queries (k);
            }
            if (k == K_CATCHUP || k == K_REBUILD)
                s_progress (" (%.1f s, CPU %.1f s, %.0f MB written)", s_res[k][r].secs,
                            s_res[k][r].cpu, s_res[k][r].mb);
        }
        s_progress ("\n");
    }
    s_print (prefill_secs);
    bc_stop_contacts (false);
    bench_cleanup ();
    return 0;
}
