/*  bench_svc.h - what the service benchmarks (bench_contacts,
    bench_opportunities, bench_bidding) share: the service process (start
    it, wait for its PING, stop it), the settings and the temp directory,
    STATUS and the catch-up of a fresh read model, REBUILD, the command
    round-trip load from 1 or 8 client threads, the query latency loop, the
    pieces of the results table, and the pre-fill's transaction and event
    envelope (bench_*_fill.c). Each program describes its service in a
    bsvc_t and keeps its own cases, requests and table rows.

    Errors: unless a function says otherwise, every failure ends the
    program through bench_die (which stops the processes and removes the
    data), so the functions return only on success.
*/
#ifndef BENCH_SVC_H
#define BENCH_SVC_H

#include "bench.h"

#include "dealbook/dbk_client.h"
#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_event.h"
#include "eventlog_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*  The figures of one case in one round. */
typedef struct {
    double rate;  /* events/s, commands/s or queries/s        */
    double p50;   /* us                                       */
    double p99;   /* us                                       */
    double extra; /* results per query, events, errors        */
    double secs;  /* seconds (catch-up / rebuild: wall time)  */
    double cpu;   /* catch-up / rebuild: service CPU s        */
    double mb;    /* catch-up / rebuild: MB it wrote          */
} bsvc_res_t;

typedef struct bsvc bsvc_t;

/*  The service under test. The program fills in the first block (static
    strings and functions it owns; bsvc never frees them); bsvc_find_bins
    and bsvc_setup fill in bin and ep. */
struct bsvc {
    const char *name;         /* "contacts": dealbook-contacts, data in
                                 <base>/contacts, stderr to <base>/contacts.err */
    const char *cases_var;    /* "BENCH_CONTACTS_CASES"                        */
    const char *const *names; /* case names; case 0 is the catch-up            */
    int count;                /* number of cases                               */
    void (*spawn) (const char *bin, const char *endpoint); /* start, wait for PING */
    void (*stop) (bool wipe);                              /* stop, remove data?    */
    /*  After the first catch-up, check the read model holds the whole
        data set (bench_die if not); NULL: no check. */
    void (*check_model) (const bsvc_t *svc, dbk_client_t *c);
    char bin[1200]; /* the service's binary                */
    char ep[64];    /* its ROUTER endpoint                 */
};

/*  ---- progress, settings, setup ---- */

/*  printf to stderr and flush it. */
void bsvc_progress (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/*  Whether case k runs: svc->cases_var holds a comma-separated list of
    names of svc->names; unset or empty: every case. */
bool bsvc_selected (const bsvc_t *svc, int k);

/*  Environment variable `name` as a whole number, dflt if unset or empty;
    bench_die if it is not a whole number. */
uint64_t bsvc_env_u64 (const char *name, uint64_t dflt);

/*  bench_g.rounds (BENCH_ROUNDS, default 3, at most MAX_ROUNDS, at least
    1 if at_least_one) and bench_g.seconds (BENCH_SECONDS, default 3). */
void bsvc_read_rounds (bool at_least_one);

/*  bench_g.self_exe, bench_g.eventlog_bin and svc->bin: dealbook-eventlog
    and dealbook-<name> in DBK_BIN_DIR, else in <dir of self>/../bin.
    bench_die if one is not there or not executable. */
void bsvc_find_bins (bsvc_t *svc);

/*  The temp directory <TMPDIR or /tmp>/<prefix>-XXXXXX in bench_g.base,
    bench_g.log_dir, the free ports of bench_g.log_ep, bench_g.pub_ep and
    svc->ep; Ctrl-C / SIGTERM handlers (bc_on_signal), SIGPIPE ignored. */
void bsvc_setup (bsvc_t *svc, const char *prefix);

/*  Start dealbook-eventlog on bench_g (bench_spawn_eventlog) and install
    bc_on_signal again once CZMQ has set its own handlers. */
void bsvc_start_eventlog (void);

/*  One line under a table: the machine's memory and page cache, as
    measured before each round (new anonymous memory first touched, a new
    file written), in GB/s. */
void bsvc_machine_print (void);

/*  The rounds: for every round, the machine's memory measured
    (bsvc_machine_print), "bench: <name> round r/n (...):" and for each
    selected case sep and its name on stderr, then run_case (k, r), then a
    newline. Case 0 (the catch-up) always runs in round 0: the other cases
    need the read model. */
void bsvc_run_rounds (const bsvc_t *svc, const char *sep, void (*run_case) (int k, int r));

/*  The usage line on stderr: "usage: <prog>  (settings: <settings>,
    <cases_var>=<the case names>, BENCH_KEEP, DBK_BIN_DIR, TMPDIR)". */
void bsvc_usage (const bsvc_t *svc, const char *prog, const char *settings);

/*  The usual progress of one case: " (secs s, k/s, CPU, MB written)" for
    a catch-up or rebuild (rebuildish), else " (p50/p99 ms)". */
void bsvc_case_progress (const bsvc_res_t *x, bool rebuildish);

/*  ---- the service process (for bench_*_fill.c) ---- */

/*  Fork and run bin (no arguments) with the NULL-terminated "NAME=value"
    strings of env added to the environment and stderr appended to
    errpath. Returns the child's pid (the caller waits for it); bench_die
    if fork fails. env must stay valid until the call returns. */
pid_t bsvc_fork_exec (const char *bin, const char *errpath, char *const *env);

/*  Start dealbook-<name> at bin with DEALBOOK_DATA_DIR=<base>/<name>, the
    log and PUB endpoints of bench_g, <endpoint_var>=endpoint,
    DEALBOOK_DURABLE=1 (=0 if durable_var is set and names a variable
    that is "0") and stderr appended to <base>/<name>.err; wait (20 s at
    most) until it answers PING. Its pid goes to bench_g.echo_pid, so that
    bench_die, bench_cleanup and bc_on_signal stop it. Returns false (pid
    cleared) if it exited at start; bench_die on fork failure or if it
    does not answer. */
bool bsvc_spawn_once (const char *name, const char *endpoint_var, const char *durable_var,
                      const char *bin, const char *endpoint);

/*  Stop the process of bench_g.echo_pid (SIGTERM, wait) and, if wipe,
    remove <base>/<name>. */
void bsvc_stop (const char *name, bool wipe);

/*  ---- a client and STATUS ---- */

/*  A client of svc->ep with the given reply timeout; the caller owns it
    (dbk_client_destroy). */
dbk_client_t *bsvc_client (const bsvc_t *svc, int timeout_ms);

/*  STATUS of the service: returns seq_applied, and puts the unsigned
    fields[i] of the reply in values[i] (left as they are if absent) for
    i < n. */
uint64_t bsvc_status (const bsvc_t *svc, dbk_client_t *c, const char *const *fields,
                      uint64_t *values, int n);

/*  ---- catch-up and REBUILD ---- */

/*  Catch-up on an empty data directory: unless first, stop the service
    and remove its data; start it, poll STATUS every 50 ms until
    seq_applied reaches the log's head. rate = events/s, extra = events,
    secs, the service's CPU and MB written. If first, svc->check_model. */
bsvc_res_t bsvc_catchup (const bsvc_t *svc, bool first);

/*  REBUILD (client timeout timeout_ms): rate = seq_applied / elapsed_ms
    of the reply (wall time if 0), extra = seq_applied, secs = wall time,
    the service's CPU and MB written during it. */
bsvc_res_t bsvc_rebuild (const bsvc_t *svc, int timeout_ms);

/*  ---- commands from n client threads ---- */

/*  Begin one command request on c (dbk_client_begin and its fields), for
    client thread `index`, its n-th command, from the counter value seed
    (mix it with bc_mix for random bits); arg is bsvc_commands' arg.
    Returns the time (bench_now_ns) the measured round trip starts. */
typedef int64_t (*bsvc_cmd_fn) (dbk_client_t *c, int index, uint64_t seed, uint64_t n,
                                const void *arg);

/*  n (1..8) client threads (timeout 30 s) send commands built by fn for
    bench_g.seconds: rate = commands/s, p50/p99 of the round trips,
    extra = failed commands (a failed call, or if need_events a reply
    whose "events" is 0). Prints the first error of each thread; bench_die
    if more than 1% failed. */
bsvc_res_t bsvc_commands (const bsvc_t *svc, int n, bsvc_cmd_fn fn, const void *arg,
                          bool need_events);

/*  ---- queries from one client ---- */

/*  Begin the request of query case k on c from the counter value seed (mix
    it with bc_mix). May make untimed calls of its own first; a reply it
    must keep until the timed request has been sent goes to *hold (the
    loop destroys it). Returns the time (bench_now_ns) the measured round
    trip starts. */
typedef int64_t (*bsvc_query_fn) (dbk_client_t *c, int k, uint64_t seed, dbk_doc_t **hold);

/*  Query case k from one client (timeout timeout_ms) for bench_g.seconds
    and at least min_n queries: rate = queries/s, p50/p99, extra = mean
    length of the reply's array `list`. bench_die if a call fails, or with
    "<name>: <none_msg>" if none_msg is set and no reply held a row. */
bsvc_res_t bsvc_queries (const bsvc_t *svc, int k, int timeout_ms, uint64_t min_n, bsvc_query_fn fn,
                         const char *list, const char *none_msg);

/*  ---- the table ---- */

/*  Median over bench_g.rounds of field 0 rate, 1 p50, 2 p99, 3 extra of
    row[0..rounds). */
double bsvc_med (const bsvc_res_t *row, int field);

/*  v with unit into out: "12.3 k<unit>" from 10,000, else "123<unit>"
    (with small, "1.2<unit>" under 10). */
void bsvc_rate (char *out, size_t n, double v, const char *unit, bool small);

/*  The rounds column into out (n bytes, stops when fewer than margin are
    left): "r k/s (s, CPU, MB written)" for rebuildish cases, else
    "p50/p99 ms", comma-separated. */
void bsvc_rounds (char *out, size_t n, size_t margin, const bsvc_res_t *row, bool rebuildish);

/*  The table "| case | target | median | p50 | p99 | verdict | rounds |":
    its header, then one row per case. A rebuildish row (catch-up,
    REBUILD) shows events/s, with the verdict against min_rate when it is
    > 0 ("≥ N k events/s"); another shows the rate in `unit` and p50/p99,
    with the verdict against max_p99_us when it is > 0 ("p99 < N ms");
    without a target the row says "info". margin as for bsvc_rounds. */
void bsvc_target_header (void);
void bsvc_target_row (const char *label, const bsvc_res_t *row, bool rebuildish, const char *unit,
                      double min_rate, double max_p99_us, size_t margin);

/*  For the selected command cases from..to of res: "<name>: N failed
    command(s) in all rounds" if any failed. */
void bsvc_print_failed (const bsvc_t *svc, bsvc_res_t (*res)[MAX_ROUNDS], int from, int to);

/*  ---- the pre-fill (bench_*_fill.c) ---- */

/*  The log's store in <bench_g.log_dir>/eventlog, opened durable, 1 GB map;
    the caller closes it (eventlog_store_close). */
eventlog_store_t *bsvc_store_open (void);

/*  Append batches b[0..nb) in one durable transaction, growing the map
    when full (20 times at most). On failure bench_die with "pre-filling
    the log<where>: <error>", where is fmt and its arguments (printf). */
void bsvc_store_write (eventlog_store_t *st, eventlog_batch_t *b, size_t nb, eventlog_pos_t *pos,
                       const char *fmt, ...) __attribute__ ((format (printf, 5, 6)));

/*  Event slots of one transaction: per events, writers, batches and
    positions. bsvc_slots_new allocates them (bench_die if out of
    memory); bsvc_slots_free frees them. */
typedef struct {
    size_t per;
    dbk_event_t *evs;
    dbk_wr_t **bufs;
    eventlog_batch_t *b;
    eventlog_pos_t *pos;
} bsvc_slots_t;

void bsvc_slots_new (bsvc_slots_t *s, size_t per);
void bsvc_slots_free (bsvc_slots_t *s);

/*  The envelope of pre-filled event number k, whose payload is in w:
    ids in the shape of UUIDv7 (time ms, the fill's tag, k), a distinct
    cause and correlation id, type, actor user:bench. ev refers to type
    and to w's data: both must outlive it. */
void bsvc_envelope (dbk_event_t *ev, uint64_t k, uint64_t tag, uint64_t ms, const char *type,
                    dbk_wr_t *w);

#endif
