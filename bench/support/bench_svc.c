/*  bench_svc.c - what the service benchmarks share (see bench_svc.h).
 */
#include "bench_svc.h"

#include "bench_contacts_fill.h"

#include "dealbook/dbk_error.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/*  ---- progress, settings, setup ---- */

void bsvc_progress (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
    fflush (stderr);
}

bool bsvc_selected (const bsvc_t *svc, int k)
{
    const char *list = getenv (svc->cases_var);
    if (!list || !*list)
        return true;
    size_t n = strlen (svc->names[k]);
    for (const char *p = list; *p;) {
        const char *e = strchr (p, ',');
        size_t len = e ? (size_t) (e - p) : strlen (p);
        if (len == n && memcmp (p, svc->names[k], n) == 0)
            return true;
        p += len + (e != NULL);
    }
    return false;
}

uint64_t bsvc_env_u64 (const char *name, uint64_t dflt)
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

void bsvc_read_rounds (bool at_least_one)
{
    bench_g.rounds = (int) bench_env_double ("BENCH_ROUNDS", 3);
    if (at_least_one && bench_g.rounds < 1)
        bench_g.rounds = 1;
    if (bench_g.rounds > MAX_ROUNDS)
        bench_g.rounds = MAX_ROUNDS;
    bench_g.seconds = bench_env_double ("BENCH_SECONDS", 3);
}

void bsvc_find_bins (bsvc_t *svc)
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
    int b = snprintf (svc->bin, sizeof svc->bin, "%.1100s/dealbook-%s", dir, svc->name);
    if (a < 0 || b < 0 || (size_t) b >= sizeof svc->bin)
        bench_die ("binary directory name too long");
    if (access (bench_g.eventlog_bin, X_OK))
        bench_die ("%s: not found (build it: make)", bench_g.eventlog_bin);
    if (access (svc->bin, X_OK))
        bench_die ("%s: not found (build it: make)", svc->bin);
}

void bsvc_setup (bsvc_t *svc, const char *prefix)
{
    const char *tmpdir = getenv ("TMPDIR");
    snprintf (bench_g.base, sizeof bench_g.base, "%s/%s-XXXXXX",
              tmpdir && *tmpdir ? tmpdir : "/tmp", prefix);
    signal (SIGINT, bc_on_signal);
    signal (SIGTERM, bc_on_signal);
    signal (SIGPIPE, SIG_IGN);
    if (!mkdtemp (bench_g.base))
        bench_die ("mkdtemp %s: %s", bench_g.base, strerror (errno));
    snprintf (bench_g.log_dir, sizeof bench_g.log_dir, "%s/log", bench_g.base);
    snprintf (bench_g.log_ep, sizeof bench_g.log_ep, "tcp://127.0.0.1:%d", bench_free_port ());
    snprintf (bench_g.pub_ep, sizeof bench_g.pub_ep, "tcp://127.0.0.1:%d", bench_free_port ());
    snprintf (svc->ep, sizeof svc->ep, "tcp://127.0.0.1:%d", bench_free_port ());
}

void bsvc_start_eventlog (void)
{
    bench_spawn_eventlog ();
    zsys_handler_set (NULL); /* after CZMQ starts: Ctrl-C stops the bench */
    signal (SIGINT, bc_on_signal);
    signal (SIGTERM, bc_on_signal);
}

/*  ---- the machine's memory, measured before each round ----

    On a virtual machine whose host takes back the memory its guest
    frees, first touching memory cost from 0.7 to 5 s per GB, and a
    replay touches gigabytes (its file's page cache, its held rows).
    These two figures, taken before each round, tell a round that ran
    on such memory from one that did not. */

#define S_PROBE_BYTES ((size_t) 256 << 20)

static double s_mem_gbps[MAX_ROUNDS], s_file_gbps[MAX_ROUNDS];

/*  GB/s of first touching S_PROBE_BYTES of new anonymous memory. */
static double s_probe_memory (void)
{
    char *p =
        mmap (NULL, S_PROBE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    int64_t t0 = bench_now_ns ();
    memset (p, 1, S_PROBE_BYTES);
    int64_t t1 = bench_now_ns ();
    munmap (p, S_PROBE_BYTES);
    return t1 > t0 ? (double) S_PROBE_BYTES / (double) (t1 - t0) : 0;
}

/*  GB/s of writing S_PROBE_BYTES into a new file next to the services'
    data (the page cache's new pages; no sync). */
static double s_probe_file (void)
{
    char path[800];
    snprintf (path, sizeof path, "%s/probe.bin", bench_g.base);
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    static char chunk[1 << 20];
    if (fd < 0)
        return 0;
    memset (chunk, 1, sizeof chunk);
    int64_t t0 = bench_now_ns ();
    size_t done = 0;
    while (done < S_PROBE_BYTES && write (fd, chunk, sizeof chunk) == (ssize_t) sizeof chunk)
        done += sizeof chunk;
    int64_t t1 = bench_now_ns ();
    close (fd);
    unlink (path);
    return done == S_PROBE_BYTES && t1 > t0 ? (double) done / (double) (t1 - t0) : 0;
}

void bsvc_machine_print (void)
{
    printf ("machine, before each round: new memory touched at");
    for (int r = 0; r < bench_g.rounds; r++)
        printf ("%s %.2f", r ? " /" : "", s_mem_gbps[r]);
    printf (" GB/s, a new file written at");
    for (int r = 0; r < bench_g.rounds; r++)
        printf ("%s %.2f", r ? " /" : "", s_file_gbps[r]);
    printf (" GB/s (256 MB each)\n");
}

void bsvc_run_rounds (const bsvc_t *svc, const char *sep, void (*run_case) (int k, int r))
{
    for (int r = 0; r < bench_g.rounds; r++) {
        s_mem_gbps[r] = s_probe_memory ();
        s_file_gbps[r] = s_probe_file ();
        bsvc_progress ("bench: %s round %d/%d (new memory %.2f GB/s, new file %.2f GB/s):",
                       svc->name, r + 1, bench_g.rounds, s_mem_gbps[r], s_file_gbps[r]);
        for (int k = 0; k < svc->count; k++) {
            if (!bsvc_selected (svc, k) && !(r == 0 && k == 0))
                continue;
            bsvc_progress ("%s%s", sep, svc->names[k]);
            run_case (k, r);
        }
        bsvc_progress ("\n");
    }
}

void bsvc_usage (const bsvc_t *svc, const char *prog, const char *settings)
{
    fprintf (stderr, "usage: %s  (settings: %s, %s=", prog, settings, svc->cases_var);
    for (int k = 0; k < svc->count; k++)
        fprintf (stderr, "%s%s", k ? "," : "", svc->names[k]);
    fprintf (stderr, ", BENCH_KEEP, DBK_BIN_DIR, TMPDIR)\n");
}

void bsvc_case_progress (const bsvc_res_t *x, bool rebuildish)
{
    if (rebuildish)
        bsvc_progress (" (%.1f s, %.0f k/s, CPU %.1f s, %.0f MB written)", x->secs, x->rate / 1e3,
                       x->cpu, x->mb);
    else
        bsvc_progress (" (%.2f/%.2f ms)", x->p50 / 1e3, x->p99 / 1e3);
}

/*  ---- the service process ---- */

pid_t bsvc_fork_exec (const char *bin, const char *errpath, char *const *env)
{
    pid_t pid = fork ();
    if (pid < 0)
        bench_die ("fork: %s", strerror (errno));
    if (pid == 0) {
        int fd = open (errpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2 (fd, 2);
            close (fd);
        }
        for (int i = 0; env[i]; i++)
            putenv (env[i]);
        execl (bin, bin, (char *) NULL);
        _exit (127);
    }
    return pid;
}

bool bsvc_spawn_once (const char *name, const char *endpoint_var, const char *durable_var,
                      const char *bin, const char *endpoint)
{
    char e_dir[800], e_log[100], e_pub[100], e_ep[120], errpath[700];
    snprintf (e_dir, sizeof e_dir, "DEALBOOK_DATA_DIR=%s/%s", bench_g.base, name);
    snprintf (e_log, sizeof e_log, "DEALBOOK_LOG_ENDPOINT=%s", bench_g.log_ep);
    snprintf (e_pub, sizeof e_pub, "DEALBOOK_PUB_ENDPOINT=%s", bench_g.pub_ep);
    snprintf (e_ep, sizeof e_ep, "%s=%s", endpoint_var, endpoint);
    snprintf (errpath, sizeof errpath, "%s/%s.err", bench_g.base, name);
    const char *d = durable_var ? getenv (durable_var) : NULL;
    char *env[] = {e_dir,
                   e_log,
                   e_pub,
                   e_ep,
                   d && streq (d, "0") ? "DEALBOOK_DURABLE=0" : "DEALBOOK_DURABLE=1",
                   "DEALBOOK_LOG_LEVEL=warning",
                   NULL};
    pid_t pid = bsvc_fork_exec (bin, errpath, env);
    bench_g.echo_pid = pid;
    int64_t deadline = bench_now_ns () + 20 * (int64_t) 1000000000;
    while (bench_now_ns () < deadline) {
        dbk_client_t *c = dbk_client_new (endpoint, 200);
        if (!c)
            bench_die ("cannot make a client for %s", endpoint);
        dbk_client_begin (c, "PING", 0);
        dbk_doc_t *reply = NULL;
        int rc = dbk_client_call (c, &reply);
        dbk_doc_destroy (&reply);
        dbk_client_destroy (&c);
        if (rc == 0)
            return true;
        if (waitpid (pid, NULL, WNOHANG) == pid) {
            bench_g.echo_pid = 0;
            return false;
        }
    }
    bench_die ("dealbook-%s does not answer on %s", name, endpoint);
}

void bsvc_stop (const char *name, bool wipe)
{
    if (bench_g.echo_pid > 0) {
        kill (bench_g.echo_pid, SIGTERM);
        waitpid (bench_g.echo_pid, NULL, 0);
        bench_g.echo_pid = 0;
    }
    if (wipe) {
        char *cmd;
        if (asprintf (&cmd, "rm -rf '%s/%s'", bench_g.base, name) >= 0) {
            if (system (cmd) != 0)
                bench_die ("could not remove %s/%s", bench_g.base, name);
            free (cmd);
        }
    }
}

/*  ---- a client and STATUS ---- */

dbk_client_t *bsvc_client (const bsvc_t *svc, int timeout_ms)
{
    dbk_client_t *c = dbk_client_new (svc->ep, timeout_ms);
    if (!c)
        bench_die ("no client for %s", svc->ep);
    return c;
}

uint64_t bsvc_status (const bsvc_t *svc, dbk_client_t *c, const char *const *fields,
                      uint64_t *values, int n)
{
    dbk_client_begin (c, "STATUS", 0);
    dbk_doc_t *reply = NULL;
    if (dbk_client_call (c, &reply) != 0)
        bench_die ("%s STATUS failed: %s", svc->name, dbk_client_errmsg (c));
    uint64_t applied = 0;
    const dbk_obj_t *root = dbk_doc_root (reply);
    dbk_obj_u64 (dbk_obj_get (root, "seq_applied"), &applied);
    for (int i = 0; i < n; i++)
        dbk_obj_u64 (dbk_obj_get (root, fields[i]), &values[i]);
    dbk_doc_destroy (&reply);
    return applied;
}

/*  ---- catch-up and REBUILD ---- */

bsvc_res_t bsvc_catchup (const bsvc_t *svc, bool first)
{
    if (!first)
        svc->stop (true);
    uint64_t head = bench_status ().head;
    int64_t t0 = bench_now_ns ();
    svc->spawn (svc->bin, svc->ep);
    dbk_client_t *c = bsvc_client (svc, 30000);
    uint64_t applied;
    while ((applied = bsvc_status (svc, c, NULL, NULL, 0)) < head) {
        if (waitpid (bench_g.echo_pid, NULL, WNOHANG) == bench_g.echo_pid) {
            bench_g.echo_pid = 0;
            bench_die ("dealbook-%s died during its catch-up (see %s/%s.err)", svc->name,
                       bench_g.base, svc->name);
        }
        usleep (50000); /* rarely: each request interrupts the replay loop */
    }
    double secs = (double) (bench_now_ns () - t0) / 1e9;
    double cpu = bench_cpu_of (bench_g.echo_pid);
    double mb = (double) bc_written (bench_g.echo_pid) / 1e6;
    if (first && svc->check_model)
        svc->check_model (svc, c);
    dbk_client_destroy (&c);
    return (bsvc_res_t){.rate = (double) applied / secs,
                        .extra = (double) applied,
                        .secs = secs,
                        .cpu = cpu,
                        .mb = mb};
}

bsvc_res_t bsvc_rebuild (const bsvc_t *svc, int timeout_ms)
{
    dbk_client_t *c = bsvc_client (svc, timeout_ms);
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
    return (bsvc_res_t){.rate = (double) applied / secs,
                        .extra = (double) applied,
                        .secs = wall,
                        .cpu = cpu,
                        .mb = mb};
}

/*  ---- commands from n client threads ---- */

typedef struct {
    const bsvc_t *svc;
    bsvc_cmd_fn fn;
    const void *arg;
    bool need_events;
    int index;
    int64_t deadline;
    lat_t lat;
    uint64_t done, errors;
    char errmsg[200];
} s_worker_t;

static void *s_cmd_worker (void *arg)
{
    s_worker_t *wk = arg;
    dbk_client_t *c = dbk_client_new (wk->svc->ep, 30000);
    if (!c) {
        wk->errors++;
        return NULL;
    }
    uint64_t seed = bc_mix ((uint64_t) bench_now_ns () ^ (uint64_t) wk->index << 56);
    for (uint64_t n = 0; bench_now_ns () < wk->deadline; n++) {
        int64_t t0 = wk->fn (c, wk->index, seed++, n, wk->arg);
        dbk_doc_t *reply = NULL;
        int rc = dbk_client_call (c, &reply);
        int64_t t1 = bench_now_ns ();
        uint64_t events = 0;
        if (!rc && wk->need_events)
            dbk_obj_u64 (dbk_obj_get (dbk_doc_root (reply), "events"), &events);
        dbk_doc_destroy (&reply);
        if (rc || (wk->need_events && events == 0)) {
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

bsvc_res_t bsvc_commands (const bsvc_t *svc, int n, bsvc_cmd_fn fn, const void *arg,
                          bool need_events)
{
    s_worker_t wk[8];
    pthread_t th[8];
    int64_t t0 = bench_now_ns ();
    for (int i = 0; i < n; i++) {
        wk[i] = (s_worker_t){.svc = svc,
                             .fn = fn,
                             .arg = arg,
                             .need_events = need_events,
                             .index = i,
                             .deadline = t0 + (int64_t) (bench_g.seconds * 1e9)};
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
            bsvc_progress ("\nbench: %llu command(s) failed, e.g. %s\n",
                           (unsigned long long) wk[i].errors, wk[i].errmsg);
    }
    double secs = (double) (bench_now_ns () - t0) / 1e9;
    if (errors * 100 > done + errors)
        bench_die ("more than 1%% of the commands failed");
    bsvc_res_t r = {.rate = (double) done / secs,
                    .p50 = bench_pct (&all, 0.50),
                    .p99 = bench_pct (&all, 0.99),
                    .extra = (double) errors,
                    .secs = secs};
    free (all.v);
    return r;
}

/*  ---- queries from one client ---- */

bsvc_res_t bsvc_queries (const bsvc_t *svc, int k, int timeout_ms, uint64_t min_n, bsvc_query_fn fn,
                         const char *list, const char *none_msg)
{
    dbk_client_t *c = bsvc_client (svc, timeout_ms);
    lat_t lat = {0};
    uint64_t rows = 0, n = 0, seed = bc_mix ((uint64_t) bench_now_ns () + (uint64_t) k);
    int64_t t0 = bench_now_ns (), deadline = t0 + (int64_t) (bench_g.seconds * 1e9);
    while (bench_now_ns () < deadline || n < min_n) {
        dbk_doc_t *hold = NULL;
        int64_t q0 = fn (c, k, seed++, &hold);
        dbk_doc_t *reply = NULL;
        if (dbk_client_call (c, &reply) != 0)
            bench_die ("%s failed: %s", svc->names[k], dbk_client_errmsg (c));
        int64_t q1 = bench_now_ns ();
        dbk_doc_destroy (&hold);
        rows += dbk_obj_len (dbk_obj_get (dbk_doc_root (reply), list));
        dbk_doc_destroy (&reply);
        bench_lat_add (&lat, (double) (q1 - q0) / 1e3);
        n++;
    }
    double secs = (double) (bench_now_ns () - t0) / 1e9;
    bsvc_res_t res = {.rate = (double) n / secs,
                      .p50 = bench_pct (&lat, 0.50),
                      .p99 = bench_pct (&lat, 0.99),
                      .extra = n ? (double) rows / (double) n : 0,
                      .secs = secs};
    if (none_msg && rows == 0)
        bench_die ("%s: %s", svc->names[k], none_msg);
    free (lat.v);
    dbk_client_destroy (&c);
    return res;
}

/*  ---- the table ---- */

double bsvc_med (const bsvc_res_t *row, int field)
{
    double v[MAX_ROUNDS];
    for (int r = 0; r < bench_g.rounds; r++)
        v[r] = field == 0   ? row[r].rate
               : field == 1 ? row[r].p50
               : field == 2 ? row[r].p99
                            : row[r].extra;
    return bench_median (v, bench_g.rounds);
}

void bsvc_rate (char *out, size_t n, double v, const char *unit, bool small)
{
    if (v >= 1e4)
        snprintf (out, n, "%.1f k%s", v / 1e3, unit);
    else if (v >= 10 || !small)
        snprintf (out, n, "%.0f%s", v, unit);
    else
        snprintf (out, n, "%.1f%s", v, unit);
}

void bsvc_rounds (char *out, size_t n, size_t margin, const bsvc_res_t *row, bool rebuildish)
{
    size_t off = 0;
    out[0] = 0;
    for (int r = 0; r < bench_g.rounds && off < n - margin; r++) {
        const bsvc_res_t *x = &row[r];
        if (rebuildish)
            off += (size_t) snprintf (out + off, n - off,
                                      "%s%.0f k/s (%.1f s, CPU %.1f s, %.0f MB written)",
                                      r ? ", " : "", x->rate / 1e3, x->secs, x->cpu, x->mb);
        else
            off += (size_t) snprintf (out + off, n - off, "%s%.2f/%.2f ms", r ? ", " : "",
                                      x->p50 / 1e3, x->p99 / 1e3);
    }
}

void bsvc_target_header (void)
{
    printf ("\n| case | target | median | p50 | p99 | verdict | rounds |\n");
    printf ("|---|---|---:|---:|---:|---|---|\n");
}

void bsvc_target_row (const char *label, const bsvc_res_t *row, bool rebuildish, const char *unit,
                      double min_rate, double max_p99_us, size_t margin)
{
    char med[40], p50[32] = "", p99[32] = "", rounds[800], target[40] = "info";
    const char *verdict = "";
    double m = bsvc_med (row, 0);
    bsvc_rounds (rounds, sizeof rounds, margin, row, rebuildish);
    if (rebuildish) {
        bsvc_rate (med, sizeof med, m, " events/s", false);
        if (min_rate > 0) {
            snprintf (target, sizeof target, "≥ %.0f k events/s", min_rate / 1e3);
            verdict = m >= min_rate ? "MET" : "NOT MET";
        }
    } else {
        bsvc_rate (med, sizeof med, m, unit, false);
        snprintf (p50, sizeof p50, "%.2f ms", bsvc_med (row, 1) / 1e3);
        snprintf (p99, sizeof p99, "%.2f ms", bsvc_med (row, 2) / 1e3);
        if (max_p99_us > 0) {
            snprintf (target, sizeof target, "p99 < %.0f ms", max_p99_us / 1e3);
            verdict = bsvc_med (row, 2) < max_p99_us ? "MET" : "NOT MET";
        }
    }
    printf ("| %s | %s | %s | %s | %s | %s | %s |\n", label, target, med, p50, p99, verdict,
            rounds);
}

void bsvc_print_failed (const bsvc_t *svc, bsvc_res_t (*res)[MAX_ROUNDS], int from, int to)
{
    for (int k = from; k <= to; k++)
        if (bsvc_selected (svc, k)) {
            double e = 0;
            for (int r = 0; r < bench_g.rounds; r++)
                e += res[k][r].extra;
            if (e > 0)
                printf ("%s: %.0f failed command(s) in all rounds\n", svc->names[k], e);
        }
}

/*  ---- the pre-fill ---- */

eventlog_store_t *bsvc_store_open (void)
{
    char dir[800];
    snprintf (dir, sizeof dir, "%s/eventlog", bench_g.log_dir);
    eventlog_store_t *st = NULL;
    int rc = eventlog_store_open (&st, dir, UINT64_C (1) << 30, true, NULL, 0);
    if (rc)
        bench_die ("cannot open the log in %s: %s", dir, dbk_strerror (rc));
    return st;
}

void bsvc_store_write (eventlog_store_t *st, eventlog_batch_t *b, size_t nb, eventlog_pos_t *pos,
                       const char *fmt, ...)
{
    int rc;
    for (int attempt = 0;; attempt++) {
        uint64_t current;
        size_t bad;
        rc = eventlog_store_begin (st);
        if (!rc)
            rc = eventlog_store_append (st, b, nb, pos, &current, &bad);
        if (!rc)
            rc = eventlog_store_commit (st);
        else
            eventlog_store_abort (st);
        if (rc != DBK_EMAPFULL || attempt > 20)
            break;
        if ((rc = eventlog_store_grow (st)))
            break;
    }
    if (rc) {
        char where[200];
        va_list ap;
        va_start (ap, fmt);
        vsnprintf (where, sizeof where, fmt, ap);
        va_end (ap);
        bench_die ("pre-filling the log%s: %s", where, dbk_strerror (rc));
    }
}

void bsvc_slots_new (bsvc_slots_t *s, size_t per)
{
    s->per = per;
    s->evs = calloc (per, sizeof *s->evs);
    s->bufs = calloc (per, sizeof *s->bufs);
    s->b = calloc (per, sizeof *s->b);
    s->pos = calloc (per, sizeof *s->pos);
    if (!s->evs || !s->bufs || !s->b || !s->pos)
        bench_die ("out of memory");
    for (size_t i = 0; i < per; i++)
        if (!(s->bufs[i] = dbk_wr_new ()))
            bench_die ("out of memory");
}

void bsvc_slots_free (bsvc_slots_t *s)
{
    for (size_t i = 0; i < s->per; i++)
        dbk_wr_destroy (&s->bufs[i]);
    free (s->evs);
    free (s->bufs);
    free (s->b);
    free (s->pos);
    *s = (bsvc_slots_t){0};
}

void bsvc_envelope (dbk_event_t *ev, uint64_t k, uint64_t tag, uint64_t ms, const char *type,
                    dbk_wr_t *w)
{
    memset (ev, 0, sizeof *ev);
    for (int i = 0; i < 6; i++)
        ev->id[i] = (uint8_t) (ms >> (40 - 8 * i));
    ev->id[6] = (uint8_t) (0x70 | (tag & 0x0f));
    ev->id[7] = (uint8_t) (tag >> 8);
    ev->id[8] = (uint8_t) (0x80 | ((tag >> 16) & 0x3f));
    ev->id[9] = (uint8_t) (tag >> 24);
    for (int i = 0; i < 6; i++)
        ev->id[10 + i] = (uint8_t) (k >> (40 - 8 * i));
    /*  the command id: another UUIDv7-shaped id per event */
    memcpy (ev->cause, ev->id, DBK_ID_SIZE);
    ev->cause[9] ^= 0x5a;
    memcpy (ev->corr, ev->cause, DBK_ID_SIZE);
    ev->has_cause = ev->has_corr = true;
    ev->type = type;
    ev->type_len = strlen (type);
    ev->actor = "user:bench";
    ev->actor_len = strlen (ev->actor);
    ev->at = (int64_t) ms;
    ev->schema = 1;
    ev->data_raw = dbk_wr_data (w);
    ev->data_raw_len = dbk_wr_size (w);
}
