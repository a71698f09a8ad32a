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
#include "support/bench_svc.h"

#include "dealbook/dbk_client.h"
#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_CATCHUP, K_CMD1, K_CMD8, K_CITY, K_BDAY, K_UNTOUCHED, K_REBUILD, K_COUNT };

static const char *const s_names[K_COUNT] = {"catchup",   "cmd1",      "cmd8",   "city",
                                             "birthdays", "untouched", "rebuild"};

static bsvc_res_t s_res[K_COUNT][MAX_ROUNDS];
static bc_shape_t s_shape;
static double s_target_p99_us = 5000; /* NOTEBOOK_CITY p99 under 5 ms */
static double s_target_rate = 200000; /* rebuild, events/s            */

static void s_check_model (const bsvc_t *svc, dbk_client_t *c);

/*  BENCH_CONTACTS_CASES (comma-separated names of s_names), else all. */
static bsvc_t s_svc = {.name = "contacts",
                       .cases_var = "BENCH_CONTACTS_CASES",
                       .names = s_names,
                       .count = K_COUNT,
                       .spawn = bc_spawn_contacts,
                       .stop = bc_stop_contacts,
                       .check_model = s_check_model};

/*  The read model holds the whole data set: no event was skipped. */
static void s_check_model (const bsvc_t *svc, dbk_client_t *c)
{
    static const char *const fields[3] = {"accounts", "contacts", "trips"};
    uint64_t v[3] = {0, 0, 0};
    bsvc_status (svc, c, fields, v, 3);
    if (v[0] != s_shape.accounts || v[1] != s_shape.contacts || v[2] != s_shape.trips)
        bench_die ("the read model holds %llu accounts, %llu contacts, %llu trips; expected "
                   "%llu, %llu, %llu (see %s/contacts.err)",
                   (unsigned long long) v[0], (unsigned long long) v[1], (unsigned long long) v[2],
                   (unsigned long long) s_shape.accounts, (unsigned long long) s_shape.contacts,
                   (unsigned long long) s_shape.trips, bench_g.base);
}

/*  ---- commands: TRIP_ADD on a random contact ---- */

static int64_t s_trip_add (dbk_client_t *c, int index, uint64_t seed, uint64_t n, const void *arg)
{
    (void) index;
    (void) n;
    (void) arg;
    uint64_t r = bc_mix (seed);
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
    return t0;
}

/*  ---- queries ---- */

static int64_t s_query (dbk_client_t *c, int k, uint64_t seed, dbk_doc_t **hold)
{
    (void) hold;
    uint64_t r = bc_mix (seed);
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
    return q0;
}

/*  ---- the table ---- */

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
    bsvc_target_header ();
    for (int k = 0; k < K_COUNT; k++)
        if (bsvc_selected (&s_svc, k))
            bsvc_target_row (labels[k], s_res[k], k == K_CATCHUP || k == K_REBUILD,
                             k <= K_CMD8 ? " cmds/s" : " q/s", s_target_rate,
                             k == K_CITY ? s_target_p99_us : 0, 40);
    for (int k = K_CITY; k <= K_UNTOUCHED; k++)
        if (bsvc_selected (&s_svc, k))
            printf ("%s: %.0f results per query (median of rounds)\n", s_names[k],
                    bsvc_med (s_res[k], 3));
    bsvc_print_failed (&s_svc, s_res, K_CMD1, K_CMD8);
    printf ("p50/p99: median over rounds of each round's percentile; rounds: p50/p99 or "
            "events/s (wall time) per round. REBUILD events/s = seq_applied / elapsed_ms of its "
            "reply; catch-up = seq_applied / time from process start to lag 0; CPU and MB written: "
            "the dealbook-contacts process's (/proc).\n");
    bsvc_machine_print ();
    fflush (stdout);
}

/*  ---- settings ---- */

static void s_settings (void)
{
    bsvc_read_rounds (false);
    s_shape.accounts = bsvc_env_u64 ("BENCH_CONTACTS_ACCOUNTS", 2000);
    s_shape.contacts = bsvc_env_u64 ("BENCH_CONTACTS_CONTACTS", 100000);
    s_shape.trips = bsvc_env_u64 ("BENCH_CONTACTS_TRIPS", 500000);
    uint64_t want = bsvc_env_u64 ("BENCH_REBUILD_EVENTS", 1000000);
    if (s_shape.accounts == 0 || s_shape.contacts == 0)
        bench_die ("BENCH_CONTACTS_ACCOUNTS and BENCH_CONTACTS_CONTACTS must be at least 1");
    uint64_t base = s_shape.accounts + s_shape.contacts + s_shape.trips;
    s_shape.activities = want > base ? want - base : 0;
    s_shape.total = base + s_shape.activities;
}

static void s_run_case (int k, int r)
{
    switch (k) {
    case K_CATCHUP:
        s_res[k][r] = bsvc_catchup (&s_svc, r == 0);
        break;
    case K_CMD1:
        s_res[k][r] = bsvc_commands (&s_svc, 1, s_trip_add, NULL, false);
        break;
    case K_CMD8:
        s_res[k][r] = bsvc_commands (&s_svc, 8, s_trip_add, NULL, false);
        break;
    case K_REBUILD:
        s_res[k][r] = bsvc_rebuild (&s_svc, 600000);
        break;
    default:
        s_res[k][r] =
            bsvc_queries (&s_svc, k, 30000, 0, s_query, k == K_CITY ? "trips" : "contacts", NULL);
    }
    if (k == K_CATCHUP || k == K_REBUILD)
        bsvc_progress (" (%.1f s, CPU %.1f s, %.0f MB written)", s_res[k][r].secs, s_res[k][r].cpu,
                       s_res[k][r].mb);
}

int main (int argc, char **argv)
{
    if (argc > 1) {
        bsvc_usage (&s_svc, "bench_contacts",
                    "BENCH_ROUNDS, BENCH_SECONDS, BENCH_CONTACTS_ACCOUNTS, "
                    "BENCH_CONTACTS_CONTACTS, BENCH_CONTACTS_TRIPS, BENCH_REBUILD_EVENTS");
        return 1;
    }
    (void) argv;
    s_settings ();
    bsvc_find_bins (&s_svc);
    bsvc_setup (&s_svc, "dbk-bench-contacts");

    bsvc_progress ("bench: contacts data in %s; writing %llu events through the store...",
                   bench_g.base, (unsigned long long) s_shape.total);
    int64_t t0 = bench_now_ns ();
    bc_prefill (&s_shape);
    double prefill_secs = (double) (bench_now_ns () - t0) / 1e9;
    bsvc_progress (" %.1f s\n", prefill_secs);

    bsvc_start_eventlog ();
    bsvc_run_rounds (&s_svc, " ", s_run_case);
    s_print (prefill_secs);
    bc_stop_contacts (false);
    bench_cleanup ();
    return 0;
}
