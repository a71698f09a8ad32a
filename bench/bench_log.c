/*  bench_log.c - `make bench`: the event log against its own references
    (docs/performance.md explains every case and the figures).

    One run measures, on this machine and this disk:

      references   R1     LMDB, one event per durable commit (commits/s)
                   R1000  LMDB, 1000 events per durable commit (events/s)
                   R1s, R1000s  the same into the log's 4 tables (info)
                   F      write + fdatasync on a preallocated file (info)
                   RTT    bare DEALER -> ROUTER round trip over tcp://127.0.0.1
                   T      1/R1 + RTT: the floor of one synchronous append
      dealbook     a real dealbook-eventlog process (durable), APPEND of
                   one ~200-byte event per request by 1x1, 8x1, 64x1 and
                   8x64 (clients x in flight) client threads, each with its
                   own DEALER, and a light load (4 clients, 5 ms apart);
                   READ catch-up + decode of the first BENCH_EVENTS events;
                   the subscriber (dbk_sub) catching up over them; and the
                   subscriber following live while 8x64 clients append.

    Every case runs BENCH_ROUNDS times (default 3), the rounds interleaved
    (every case once, then again), each for BENCH_SECONDS (default 3);
    the table quotes medians and each dealbook figure as a ratio to its
    reference from the same run, then the figures of every round.

    `bench_log --echo <endpoint>` is the bare ROUTER of the RTT reference
    (the bench starts itself as a separate process for it).
*/
#include "dealbook/dbk_client.h"
#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_proto.h"
#include "dealbook/dbk_sock.h"
#include "dealbook/dbk_sub.h"
#include "eventlog_store.h"

#include <arpa/inet.h>
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS 20
#define PAYLOAD_BYTES 200
#define FSYNC_FILE_BYTES (64u << 20)
#define REPLY_WAIT_MS 30000
#define LIGHT_PAUSE_US 5000 /* light load: 4 clients, each waits 5 ms after an ack */

/*  ---- settings and the processes we started ---- */

static struct {
    int rounds;            /* BENCH_ROUNDS                              */
    double seconds;        /* BENCH_SECONDS per case                    */
    uint64_t events;       /* BENCH_EVENTS for READ / subscriber cases  */
    bool prefill_protocol; /* BENCH_PREFILL=protocol: by 8x64 APPENDs */
    uint32_t read_page;    /* BENCH_READ_PAGE: events per READ          */
    uint32_t sub_page;     /* BENCH_SUB_PAGE: events per subscriber READ */
    char base[600];        /* temp dir holding everything               */
    char log_dir[700];     /* eventlog data dir                         */
    char ref_dir[700];     /* LMDB reference env                        */
    char file_path[700];   /* fdatasync reference file                  */
    char log_ep[64];       /* eventlog ROUTER                           */
    char pub_ep[64];       /* eventlog PUB                              */
    char echo_ep[64];      /* RTT echo ROUTER                           */
    char eventlog_bin[1200];
    char self_exe[1100];
    pid_t log_pid;
    pid_t echo_pid;
    size_t record_bytes;  /* bytes of one stored record                */
    size_t request_bytes; /* bytes of one APPEND request of one event  */
} g;

static int64_t s_now_ns (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void s_die (const char *fmt, ...) __attribute__ ((format (printf, 1, 2), noreturn));

static void s_kill_children (void)
{
    pid_t pids[2] = {g.log_pid, g.echo_pid};
    for (int i = 0; i < 2; i++)
        if (pids[i] > 0) {
            kill (pids[i], SIGTERM);
            waitpid (pids[i], NULL, 0);
        }
    g.log_pid = g.echo_pid = 0;
}

static void s_cleanup (void)
{
    s_kill_children ();
    if (g.base[0] && !getenv ("BENCH_KEEP")) {
        char *cmd;
        if (asprintf (&cmd, "rm -rf '%s'", g.base) >= 0) {
            if (system (cmd) != 0)
                fprintf (stderr, "bench: could not remove %s\n", g.base);
            free (cmd);
        }
    }
}

static void s_die (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    fprintf (stderr, "bench: ");
    vfprintf (stderr, fmt, ap);
    fprintf (stderr, "\n");
    va_end (ap);
    char tail[800];
    snprintf (tail, sizeof tail, "tail -5 '%s/eventlog.err' 2>/dev/null >&2", g.base);
    if (g.base[0] && system (tail) != 0)
        fprintf (stderr, "bench: (no eventlog log)\n");
    s_cleanup ();
    exit (1);
}

static void s_on_signal (int sig)
{
    (void) sig;
    if (g.log_pid > 0)
        kill (g.log_pid, SIGKILL);
    if (g.echo_pid > 0)
        kill (g.echo_pid, SIGKILL);
    _exit (130);
}

static int s_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind (fd, (struct sockaddr *) &a, sizeof a) == 0 &&
        getsockname (fd, (struct sockaddr *) &a, &len) == 0)
        port = ntohs (a.sin_port);
    if (fd >= 0)
        close (fd);
    return port;
}

static double s_env_double (const char *name, double dflt)
{
    const char *v = getenv (name);
    if (!v || !*v)
        return dflt;
    char *end;
    double d = strtod (v, &end);
    if (*end || d <= 0)
        s_die ("%s=%s: expected a positive number", name, v);
    return d;
}

/*  ---- latencies ---- */

typedef struct {
    double *v; /* microseconds */
    size_t n;
    size_t cap;
} lat_t;

static void s_lat_add (lat_t *l, double us)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4096;
        l->v = realloc (l->v, l->cap * sizeof *l->v);
        if (!l->v)
            s_die ("out of memory");
    }
    l->v[l->n++] = us;
}

static void s_lat_merge (lat_t *into, const lat_t *from)
{
    for (size_t i = 0; i < from->n; i++)
        s_lat_add (into, from->v[i]);
}

static int s_cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

/*  Sorts in place. */
static double s_pct (lat_t *l, double p)
{
    if (l->n == 0)
        return 0;
    qsort (l->v, l->n, sizeof *l->v, s_cmp_double);
    size_t i = (size_t) (p * (double) (l->n - 1) + 0.5);
    return l->v[i];
}

static double s_median (const double *v, int n)
{
    double tmp[MAX_ROUNDS];
    memcpy (tmp, v, (size_t) n * sizeof *v);
    qsort (tmp, (size_t) n, sizeof *tmp, s_cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/*  ---- CPU time: the event log's (from /proc) and our own ---- */

/*  CPU seconds of a process; *faults (if not NULL) = its page faults. */
static double s_cpu_of2 (pid_t pid, unsigned long long *faults)
{
    char path[64], buf[1024];
    snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
    FILE *f = fopen (path, "r");
    if (!f)
        return 0;
    size_t n = fread (buf, 1, sizeof buf - 1, f);
    fclose (f);
    buf[n] = 0;
    /*  fields 14 and 15 (utime, stime) follow the ")" that ends the name */
    char *p = strrchr (buf, ')');
    unsigned long long ut = 0, st = 0, minflt = 0, majflt = 0;
    if (!p || sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %llu %*u %llu %*u %llu %llu", &minflt,
                      &majflt, &ut, &st) != 4)
        return 0;
    if (faults)
        *faults = minflt + majflt;
    return (double) (ut + st) / (double) sysconf (_SC_CLK_TCK);
}

static double s_cpu_of (pid_t pid)
{
    return s_cpu_of2 (pid, NULL);
}

static double s_cpu_self (void)
{
    struct rusage ru;
    getrusage (RUSAGE_SELF, &ru);
    return (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/*  ---- the events we append ---- */

static const char s_note[] = "a small event of about two hundred bytes, as a domain service "
                             "appends them: a level change, a contact's trip, a quote "
                             "approved; this text only fills the payload to its size.....";

/*  A proposed event: fresh id, ~200-byte payload written into buf. */
static void s_event (dbk_event_t *ev, uint64_t n, dbk_wr_t *buf)
{
    memset (ev, 0, sizeof *ev);
    /*  a UUIDv7-shaped id made without a getrandom() call (dbk_uuid_v7 makes
        one per id, a syscall that would burden the load generator): ms
        time, then this process's random tag and a counter */
    static _Atomic uint64_t counter;
    static uint64_t tag;
    if (!tag)
        tag = ((uint64_t) getpid () << 20) ^ (uint64_t) s_now_ns ();
    uint64_t ms = (uint64_t) dbk_now_ms (), k = atomic_fetch_add (&counter, 1);
    for (int i = 0; i < 6; i++)
        ev->id[i] = (uint8_t) (ms >> (40 - 8 * i));
    ev->id[6] = (uint8_t) (0x70 | ((tag >> 8) & 0x0f));
    ev->id[7] = (uint8_t) tag;
    ev->id[8] = (uint8_t) (0x80 | ((tag >> 16) & 0x3f));
    ev->id[9] = (uint8_t) (tag >> 24);
    for (int i = 0; i < 6; i++)
        ev->id[10 + i] = (uint8_t) (k >> (40 - 8 * i));
    ev->type = "bench.appended";
    ev->type_len = strlen (ev->type);
    ev->actor = "svc:bench";
    ev->actor_len = strlen (ev->actor);
    ev->at = INT64_MIN;
    ev->schema = 1;
    dbk_wr_reset (buf);
    dbk_wr_map (buf, 2);
    dbk_wr_kv_u64 (buf, "n", n);
    size_t fill = PAYLOAD_BYTES - 1 - 2 - 9 - 5 - 2;
    if (fill > sizeof s_note - 1)
        fill = sizeof s_note - 1;
    dbk_wr_cstr (buf, "note");
    dbk_wr_str (buf, s_note, fill);
    ev->data_raw = dbk_wr_data (buf);
    ev->data_raw_len = dbk_wr_size (buf);
}

/*  An APPEND request of one event into w. */
static void s_append_request (dbk_wr_t *w, uint64_t rid, const char *stream, const dbk_event_t *ev)
{
    dbk_proto_request_begin (w, rid, "APPEND", 1);
    dbk_wr_cstr (w, "streams");
    dbk_wr_array (w, 1);
    dbk_wr_map (w, 3);
    dbk_wr_kv_cstr (w, "stream", stream);
    dbk_wr_kv_cstr (w, "expect", "any");
    dbk_wr_cstr (w, "events");
    dbk_wr_array (w, 1);
    dbk_event_write_proposed (w, ev);
}

/*  Cheap check of a reply: its rid and whether ok is true. */
static int s_reply_check (const void *data, size_t len, uint64_t *rid, bool *ok)
{
    dbk_cur_t c;
    dbk_cur_init (&c, data, len);
    uint32_t n;
    *rid = 0;
    *ok = false;
    if (dbk_cur_map (&c, &n))
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (dbk_cur_str (&c, &k, &kl))
            return -1;
        if (kl == 3 && memcmp (k, "rid", 3) == 0) {
            if (dbk_cur_uint (&c, rid))
                return -1;
        } else if (kl == 2 && memcmp (k, "ok", 2) == 0) {
            if (c.p >= c.end)
                return -1;
            *ok = *c.p == 0xc3;
            c.p++;
        } else if (dbk_cur_skip (&c))
            return -1;
    }
    return 0;
}

/*  ---- processes ---- */

static void s_spawn_eventlog (void)
{
    char e_dir[800], e_log[100], e_pub[100], e_dur[40];
    snprintf (e_dir, sizeof e_dir, "DEALBOOK_DATA_DIR=%s", g.log_dir);
    snprintf (e_log, sizeof e_log, "DEALBOOK_LOG_ENDPOINT=%s", g.log_ep);
    snprintf (e_pub, sizeof e_pub, "DEALBOOK_PUB_ENDPOINT=%s", g.pub_ep);
    snprintf (e_dur, sizeof e_dur, "DEALBOOK_DURABLE=1");
    char errpath[700];
    snprintf (errpath, sizeof errpath, "%s/eventlog.err", g.base);
    pid_t pid = fork ();
    if (pid < 0)
        s_die ("fork: %s", strerror (errno));
    if (pid == 0) {
        int fd = open (errpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2 (fd, 2);
            close (fd);
        }
        putenv (e_dir);
        putenv (e_log);
        putenv (e_pub);
        putenv (e_dur);
        putenv ("DEALBOOK_LOG_LEVEL=warning");
        execl (g.eventlog_bin, g.eventlog_bin, (char *) NULL);
        _exit (127);
    }
    g.log_pid = pid;
    /*  wait until it answers STATUS */
    int64_t deadline = s_now_ns () + 10 * (int64_t) 1000000000;
    while (s_now_ns () < deadline) {
        dbk_client_t *c = dbk_client_new (g.log_ep, 200);
        if (!c)
            s_die ("cannot make a client for %s", g.log_ep);
        dbk_client_begin (c, "STATUS", 0);
        dbk_doc_t *reply = NULL;
        int rc = dbk_client_call (c, &reply);
        dbk_doc_destroy (&reply);
        dbk_client_destroy (&c);
        if (rc == 0)
            return;
        if (waitpid (pid, NULL, WNOHANG) == pid) {
            g.log_pid = 0;
            s_die ("dealbook-eventlog (%s) exited at start", g.eventlog_bin);
        }
    }
    s_die ("dealbook-eventlog does not answer on %s", g.log_ep);
}

static void s_spawn_echo (void)
{
    pid_t pid = fork ();
    if (pid < 0)
        s_die ("fork: %s", strerror (errno));
    if (pid == 0) {
        execl (g.self_exe, g.self_exe, "--echo", g.echo_ep, (char *) NULL);
        _exit (127);
    }
    g.echo_pid = pid;
}

/*  The bare ROUTER of the RTT reference: answer each request with a small
    frame, through the same CZMQ calls the event log uses. */
static int s_echo_main (const char *endpoint)
{
    zsys_handler_set (NULL);
    dbk_sockcfg_t cfg = {.type = ZMQ_ROUTER, .endpoint = endpoint, .bind = true};
    zsock_t *router = dbk_sock_new (&cfg);
    if (!router) {
        fprintf (stderr, "bench echo: cannot bind %s\n", endpoint);
        return 1;
    }
    uint8_t reply[120];
    memset (reply, 0xa5, sizeof reply);
    while (true) {
        zmsg_t *m = zmsg_recv (router);
        if (!m)
            break;
        zframe_t *body = zmsg_last (m);
        zmsg_remove (m, body);
        zframe_destroy (&body);
        zmsg_addmem (m, reply, sizeof reply);
        zmsg_send (&m, router);
    }
    zsock_destroy (&router);
    return 0;
}

/*  ---- pre-filling the log ---- */

/*  Write n events into the log's data directory through the event log's
    own store code (the same records, hash chain and indexes the server
    writes), 10 streams x 100 events per durable transaction, before the
    server starts: far quicker than through the protocol. */
static void s_prefill_direct (uint64_t n)
{
    char dir[800];
    snprintf (dir, sizeof dir, "%s/eventlog", g.log_dir);
    eventlog_store_t *st = NULL;
    int rc = eventlog_store_open (&st, dir, UINT64_C (1) << 30, true);
    if (rc)
        s_die ("cannot open the log in %s: %s", dir, dbk_strerror (rc));
    enum { NB = 10, PER = 100 };
    static dbk_event_t evs[NB * PER];
    dbk_wr_t *bufs[NB * PER];
    for (int i = 0; i < NB * PER; i++)
        bufs[i] = dbk_wr_new ();
    char names[NB][40];
    eventlog_batch_t b[NB];
    eventlog_pos_t pos[NB];
    uint64_t done = 0, txn = 0;
    while (done < n) {
        size_t k = 0, nb = 0;
        for (int j = 0; j < NB && done + k < n; j++, nb++) {
            snprintf (names[j], sizeof names[j], "bench-prefill%llu",
                      (unsigned long long) ((txn * NB + (uint64_t) j) % 1000));
            b[j] = (eventlog_batch_t){.stream = names[j],
                                      .stream_len = strlen (names[j]),
                                      .expect = DBK_EXPECT_ANY,
                                      .events = &evs[k],
                                      .n = 0};
            for (int e = 0; e < PER && done + k < n; e++, k++) {
                s_event (&evs[k], done + k, bufs[k]);
                b[j].n++;
            }
        }
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
        if (rc)
            s_die ("pre-filling the log: %s", dbk_strerror (rc));
        done += k;
        txn++;
    }
    for (int i = 0; i < NB * PER; i++)
        dbk_wr_destroy (&bufs[i]);
    eventlog_store_close (&st);
}

/*  ---- STATUS ---- */

typedef struct {
    uint64_t head, commits, events;
} s_status_t;

static s_status_t s_status (void)
{
    s_status_t st = {0, 0, 0};
    dbk_client_t *c = dbk_client_new (g.log_ep, 10000);
    if (!c)
        s_die ("no client");
    dbk_client_begin (c, "STATUS", 0);
    dbk_doc_t *reply = NULL;
    if (dbk_client_call (c, &reply) != 0)
        s_die ("STATUS failed: %s", dbk_client_errmsg (c));
    const dbk_obj_t *root = dbk_doc_root (reply), *cn = dbk_obj_get (root, "counters");
    dbk_obj_u64 (dbk_obj_get (root, "head"), &st.head);
    dbk_obj_u64 (dbk_obj_get (cn, "commits"), &st.commits);
    dbk_obj_u64 (dbk_obj_get (cn, "events"), &st.events);
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    return st;
}

/*  ---- results ---- */

typedef struct {
    double rate;     /* events (or ops) per second          */
    double p50, p99; /* latency, us                         */
    double extra;    /* case-specific (events per commit...) */
    double extra2;   /* case-specific                        */
    double cpu_srv;  /* eventlog process CPU, us per event   */
    double cpu_cli;  /* bench process CPU, us per event      */
} res_t;

enum {
    C_R1,
    C_R1000,
    C_R1S,
    C_R1000S,
    C_FSYNC,
    C_RTT,
    C_1X1,
    C_8X1,
    C_64X1,
    C_8X64,
    C_LIGHT,
    C_READ,
    C_SUBCATCH,
    C_SUBLIVE,
    C_COUNT
};

static res_t s_res[C_COUNT][MAX_ROUNDS];

/*  Short names, as BENCH_CASES takes them (a comma-separated subset). */
static const char *s_case_names[C_COUNT] = {"r1",    "r1000", "r1s", "r1000s", "fsync",
                                            "rtt",   "1x1",   "8x1", "64x1",   "8x64",
                                            "light", "read",  "sub", "live"};

static bool s_selected (int c)
{
    const char *list = getenv ("BENCH_CASES");
    if (!list || !*list)
        return true;
    size_t n = strlen (s_case_names[c]);
    for (const char *p = list; *p;) {
        const char *e = strchr (p, ',');
        size_t len = e ? (size_t) (e - p) : strlen (p);
        if (len == n && memcmp (p, s_case_names[c], n) == 0)
            return true;
        p += len + (e != NULL);
    }
    return false;
}

/*  ---- references: LMDB, fdatasync, round trip ---- */

static MDB_env *s_ref_env;
static MDB_dbi s_ref_dbi, s_ref_sindex, s_ref_ids, s_ref_streams;
static uint64_t s_ref_seq, s_ref_ver[8];
static uint8_t *s_ref_value;

static void s_ref_open (void)
{
    int rc = dbk_lmdb_open (&s_ref_env, g.ref_dir, UINT64_C (16) << 30, 4, true);
    if (rc)
        s_die ("LMDB reference: %s", dbk_strerror (rc));
    MDB_txn *txn;
    if (mdb_txn_begin (s_ref_env, NULL, 0, &txn) ||
        mdb_dbi_open (txn, "events", MDB_CREATE, &s_ref_dbi) ||
        mdb_dbi_open (txn, "sindex", MDB_CREATE, &s_ref_sindex) ||
        mdb_dbi_open (txn, "ids", MDB_CREATE, &s_ref_ids) ||
        mdb_dbi_open (txn, "streams", MDB_CREATE, &s_ref_streams) || mdb_txn_commit (txn))
        s_die ("LMDB reference: cannot create its table");
    s_ref_value = malloc (g.record_bytes);
    if (!s_ref_value)
        s_die ("out of memory");
    for (size_t i = 0; i < g.record_bytes; i++)
        s_ref_value[i] = (uint8_t) (i * 131 + 7);
}

static void s_ref_reset (void)
{
    mdb_env_close (s_ref_env);
    free (s_ref_value);
    char path[800];
    snprintf (path, sizeof path, "%s/data.mdb", g.ref_dir);
    unlink (path);
    snprintf (path, sizeof path, "%s/lock.mdb", g.ref_dir);
    unlink (path);
    s_ref_seq = 0;
    memset (s_ref_ver, 0, sizeof s_ref_ver);
    s_ref_open ();
}

/*  The three index entries the log writes next to each record: stream +
    version -> seq, event id -> seq, stream -> version | seq (8 streams in
    turn, ids time-ordered like UUIDv7). */
static int s_ref_index (MDB_txn *txn, const uint8_t seqkey[8])
{
    int s = (int) (s_ref_seq % 8);
    char stream[16];
    int sl = snprintf (stream, sizeof stream, "bench-s%d", s);
    uint64_t ver = ++s_ref_ver[s];
    uint8_t skey[32], id[16], head[16];
    memcpy (skey, stream, (size_t) sl);
    skey[sl] = 0;
    dbk_be64_put (skey + sl + 1, ver);
    dbk_be64_put (id, (uint64_t) dbk_now_ms () << 16);
    dbk_be64_put (id + 8, s_ref_seq * 0x9e3779b97f4a7c15u);
    dbk_be64_put (head, ver);
    memcpy (head + 8, seqkey, 8);
    MDB_val k1 = {(size_t) sl + 9, skey}, k2 = {16, id}, k3 = {(size_t) sl, stream};
    MDB_val v1 = {8, (void *) seqkey}, v2 = {8, (void *) seqkey}, v3 = {16, head};
    int rc = mdb_put (txn, s_ref_sindex, &k1, &v1, 0);
    if (!rc)
        rc = mdb_put (txn, s_ref_ids, &k2, &v2, 0);
    if (!rc)
        rc = mdb_put (txn, s_ref_streams, &k3, &v3, 0);
    return rc;
}

/*  Durable commits of `batch` events each (seq keys, MDB_APPEND, values of
    one record's size), for the case's duration; with `schema`, each event
    also gets the log's three index entries. */
static res_t s_ref_lmdb (int batch, bool schema)
{
    lat_t lat = {0};
    int64_t start = s_now_ns (), deadline = start + (int64_t) (g.seconds * 1e9);
    uint64_t events = 0, commits = 0;
    double cpu0 = s_cpu_self ();
    int64_t t = start;
    while (t < deadline) {
        MDB_txn *txn;
        int rc = mdb_txn_begin (s_ref_env, NULL, 0, &txn);
        for (int i = 0; i < batch && !rc; i++) {
            uint8_t key[8];
            dbk_be64_put (key, ++s_ref_seq);
            MDB_val k = {8, key}, v = {g.record_bytes, s_ref_value};
            rc = mdb_put (txn, s_ref_dbi, &k, &v, MDB_APPEND);
            if (!rc && schema)
                rc = s_ref_index (txn, key);
        }
        if (rc) {
            mdb_txn_abort (txn);
            s_die ("LMDB reference put: %s", mdb_strerror (rc));
        }
        if ((rc = mdb_txn_commit (txn)))
            s_die ("LMDB reference commit: %s", mdb_strerror (rc));
        int64_t t2 = s_now_ns ();
        s_lat_add (&lat, (double) (t2 - t) / 1e3);
        events += (uint64_t) batch;
        commits++;
        t = t2;
    }
    res_t r = {.rate = (double) events / ((double) (t - start) / 1e9)};
    r.cpu_cli = (s_cpu_self () - cpu0) * 1e6 / (double) commits; /* per commit */
    r.p50 = s_pct (&lat, 0.50);
    r.p99 = s_pct (&lat, 0.99);
    free (lat.v);
    return r;
}

static int s_file_fd = -1;

static void s_file_open (void)
{
    s_file_fd = open (g.file_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (s_file_fd < 0)
        s_die ("%s: %s", g.file_path, strerror (errno));
    /*  really allocated (written), so a later overwrite changes no metadata */
    static uint8_t zeros[1 << 20];
    for (size_t off = 0; off < FSYNC_FILE_BYTES; off += sizeof zeros)
        if (pwrite (s_file_fd, zeros, sizeof zeros, (off_t) off) != (ssize_t) sizeof zeros)
            s_die ("cannot preallocate %s: %s", g.file_path, strerror (errno));
    if (fsync (s_file_fd))
        s_die ("fsync %s: %s", g.file_path, strerror (errno));
}

static res_t s_ref_fsync (void)
{
    lat_t lat = {0};
    int64_t start = s_now_ns (), deadline = start + (int64_t) (g.seconds * 1e9);
    uint64_t n = 0;
    static size_t off;
    int64_t t = start;
    while (t < deadline) {
        if (off + g.record_bytes > FSYNC_FILE_BYTES)
            off = 0;
        if (pwrite (s_file_fd, s_ref_value, g.record_bytes, (off_t) off) !=
                (ssize_t) g.record_bytes ||
            fdatasync (s_file_fd))
            s_die ("write+fdatasync: %s", strerror (errno));
        off += g.record_bytes;
        n++;
        int64_t t2 = s_now_ns ();
        s_lat_add (&lat, (double) (t2 - t) / 1e3);
        t = t2;
    }
    res_t r = {.rate = (double) n / ((double) (t - start) / 1e9)};
    r.p50 = s_pct (&lat, 0.50);
    r.p99 = s_pct (&lat, 0.99);
    free (lat.v);
    return r;
}

/*  Round trips of an APPEND-sized request to the bare echo ROUTER. */
static res_t s_ref_rtt (void)
{
    dbk_sockcfg_t cfg = {.type = ZMQ_DEALER, .endpoint = g.echo_ep};
    zsock_t *d = dbk_sock_new (&cfg);
    if (!d)
        s_die ("cannot connect to %s", g.echo_ep);
    void *sock = zsock_resolve (d);
    uint8_t *req = calloc (1, g.request_bytes);
    char buf[512];
    zmq_setsockopt (sock, ZMQ_RCVTIMEO, &(int){REPLY_WAIT_MS}, sizeof (int));
    /*  connection established before timing */
    for (int i = 0; i < 100; i++)
        if (zmq_send (sock, req, g.request_bytes, 0) < 0 || zmq_recv (sock, buf, sizeof buf, 0) < 0)
            s_die ("the echo ROUTER does not answer");
    lat_t lat = {0};
    int64_t start = s_now_ns (), deadline = start + (int64_t) (g.seconds * 1e9);
    uint64_t n = 0;
    int64_t t = start;
    while (t < deadline) {
        if (zmq_send (sock, req, g.request_bytes, 0) < 0 || zmq_recv (sock, buf, sizeof buf, 0) < 0)
            s_die ("the echo ROUTER does not answer");
        n++;
        int64_t t2 = s_now_ns ();
        s_lat_add (&lat, (double) (t2 - t) / 1e3);
        t = t2;
    }
    /*  rate = round trips/s; mean RTT = 1/rate */
    res_t r = {.rate = (double) n / ((double) (t - start) / 1e9)};
    r.p50 = s_pct (&lat, 0.50);
    r.p99 = s_pct (&lat, 0.99);
    free (lat.v);
    free (req);
    zsock_destroy (&d);
    return r;
}

/*  ---- APPEND clients ---- */

typedef struct {
    int id;                    /* client number                              */
    int depth;                 /* requests in flight                         */
    int pause_us;              /* think time after each ack (light load)     */
    char stream[64];           /* its stream                                 */
    pthread_barrier_t *start;  /* all clients connected: go                  */
    _Atomic int64_t *deadline; /* stop sending at (mono ns)                  */
    _Atomic int64_t *budget;   /* events left to send (NULL: by time only)   */
    lat_t lat;                 /* ack latencies of acks before the deadline  */
    uint64_t acks;             /* acks before the deadline                   */
    uint64_t total;            /* all acks                                   */
    uint64_t errors;           /* error replies / failures                   */
    char errmsg[200];          /* the first error                            */
} client_t;

static bool s_take_budget (client_t *c)
{
    if (!c->budget)
        return true;
    return atomic_fetch_sub (c->budget, 1) > 0;
}

static void s_client_error (client_t *c, const char *msg)
{
    if (!c->errors++)
        snprintf (c->errmsg, sizeof c->errmsg, "%s", msg);
}

/*  A think time (a timed interval of the load, not a synchronisation). */
static void s_pause (int64_t us)
{
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (long) (us % 1000000) * 1000};
    while (nanosleep (&ts, &ts) && errno == EINTR)
        ;
}

/*  One request in flight: the synchronous client of libshared. */
static void s_client_sync (client_t *c)
{
    dbk_client_t *cl = dbk_client_new (g.log_ep, REPLY_WAIT_MS);
    dbk_wr_t *buf = dbk_wr_new ();
    dbk_client_begin (cl, "PING", 0);
    dbk_doc_t *reply = NULL;
    if (dbk_client_call (cl, &reply))
        s_client_error (c, "PING failed");
    dbk_doc_destroy (&reply);
    pthread_barrier_wait (c->start);
    int64_t deadline = atomic_load (c->deadline);
    uint64_t n = 0;
    if (c->pause_us) /* spread the clients over the interval */
        s_pause ((int64_t) c->pause_us * c->id / 4);
    while (s_now_ns () < deadline && s_take_budget (c)) {
        dbk_event_t ev;
        s_event (&ev, n++, buf);
        int64_t t0 = s_now_ns ();
        int rc = dbk_client_append (cl, c->stream, DBK_EXPECT_ANY, &ev, 1, NULL, NULL, NULL);
        int64_t t1 = s_now_ns ();
        if (rc) {
            s_client_error (c, dbk_client_errmsg (cl));
            break;
        }
        c->total++;
        if (t1 <= deadline) {
            c->acks++;
            s_lat_add (&c->lat, (double) (t1 - t0) / 1e3);
        }
        if (c->pause_us)
            s_pause (c->pause_us);
    }
    dbk_wr_destroy (&buf);
    dbk_client_destroy (&cl);
}

/*  depth requests in flight on a raw DEALER: each reply sends the next. */
static void s_client_pipelined (client_t *c)
{
    dbk_sockcfg_t cfg = {.type = ZMQ_DEALER, .endpoint = g.log_ep};
    zsock_t *d = dbk_sock_new (&cfg);
    if (!d) {
        s_client_error (c, "cannot connect");
        pthread_barrier_wait (c->start);
        return;
    }
    void *sock = zsock_resolve (d);
    dbk_wr_t *w = dbk_wr_new (), *buf = dbk_wr_new ();
    int64_t sent_at[256]; /* by rid & 255; depth <= 256 */
    uint64_t rid = 0, n = 0;
    int outstanding = 0;

    dbk_proto_request_begin (w, ++rid, "PING", 0);
    zmq_msg_t m;
    zmq_msg_init (&m);
    if (zmq_send (sock, dbk_wr_data (w), dbk_wr_size (w), 0) < 0)
        s_client_error (c, "cannot send");
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&item, 1, REPLY_WAIT_MS) != 1 || zmq_msg_recv (&m, sock, 0) < 0)
        s_client_error (c, "PING failed");
    pthread_barrier_wait (c->start);
    int64_t deadline = atomic_load (c->deadline);
    bool sending = !c->errors;
    while (sending && outstanding < c->depth) {
        if (!s_take_budget (c)) {
            sending = false;
            break;
        }
        dbk_event_t ev;
        s_event (&ev, n++, buf);
        s_append_request (w, ++rid, c->stream, &ev);
        sent_at[rid & 255] = s_now_ns ();
        if (zmq_send (sock, dbk_wr_data (w), dbk_wr_size (w), 0) < 0) {
            s_client_error (c, "cannot send");
            sending = false;
            break;
        }
        outstanding++;
    }
    while (outstanding > 0) {
        /*  poll only when nothing is waiting: a poll per reply is a syscall */
        if (zmq_msg_recv (&m, sock, ZMQ_DONTWAIT) < 0) {
            if (errno != EAGAIN)
                break;
            if (zmq_poll (&item, 1, REPLY_WAIT_MS) != 1) {
                s_client_error (c, "no reply in time");
                break;
            }
            continue;
        }
        if (zmq_msg_more (&m))
            continue; /* envelope: the body is the last frame */
        int64_t t1 = s_now_ns ();
        uint64_t r;
        bool ok;
        if (s_reply_check (zmq_msg_data (&m), zmq_msg_size (&m), &r, &ok) || r == 0 || r > rid ||
            rid - r >= 256)
            continue; /* not an answer of ours (late PING) */
        outstanding--;
        if (!ok) {
            dbk_doc_t *doc = NULL;
            const char *msg = "error reply";
            size_t ml = strlen (msg);
            uint64_t rr;
            if (dbk_doc_parse (zmq_msg_data (&m), zmq_msg_size (&m), &doc) == 0)
                dbk_proto_reply_status (dbk_doc_root (doc), &rr, &msg, &ml);
            char tmp[200];
            snprintf (tmp, sizeof tmp, "%.*s", (int) ml, msg);
            s_client_error (c, tmp);
            dbk_doc_destroy (&doc);
            sending = false;
        } else {
            c->total++;
            if (t1 <= deadline) {
                c->acks++;
                s_lat_add (&c->lat, (double) (t1 - sent_at[r & 255]) / 1e3);
            }
        }
        if (sending && t1 < deadline && s_take_budget (c)) {
            dbk_event_t ev;
            s_event (&ev, n++, buf);
            s_append_request (w, ++rid, c->stream, &ev);
            sent_at[rid & 255] = s_now_ns ();
            if (zmq_send (sock, dbk_wr_data (w), dbk_wr_size (w), 0) < 0) {
                s_client_error (c, "cannot send");
                sending = false;
            } else
                outstanding++;
        } else
            sending = false;
    }
    zmq_msg_close (&m);
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&buf);
    zsock_destroy (&d);
}

static void *s_client_thread (void *arg)
{
    client_t *c = arg;
    if (c->depth == 1)
        s_client_sync (c);
    else
        s_client_pipelined (c);
    return NULL;
}

/*  ---- the live subscriber (runs next to the appenders) ---- */

typedef struct {
    uint64_t after;           /* start after this seq                   */
    pthread_barrier_t *start; /* ready: go                              */
    _Atomic uint64_t target;  /* stop once delivered up to here (0: not yet known) */
    int64_t done_at;          /* mono ns when target was reached        */
    uint64_t delivered;       /* events handed out                      */
    lat_t lag;                /* delivery time - recorded ts, ms        */
    dbk_sub_stats_t stats;    /* its counters                           */
    int rc;                   /* error, if any                          */
} live_t;

static void *s_live_thread (void *arg)
{
    live_t *l = arg;
    dbk_subcfg_t cfg = {.log_endpoint = g.log_ep,
                        .pub_endpoint = g.pub_ep,
                        .after = l->after,
                        .timeout_ms = REPLY_WAIT_MS,
                        .page = g.sub_page};
    dbk_sub_t *sub = dbk_sub_new (&cfg);
    dbk_event_t ev;
    if (!sub)
        l->rc = DBK_EIO;
    else
        dbk_sub_next (sub, &ev, 0); /* the first READ: caught up */
    pthread_barrier_wait (l->start);
    int64_t give_up = s_now_ns () + (int64_t) ((g.seconds + 60) * 1e9);
    while (sub && !l->rc) {
        uint64_t target = atomic_load (&l->target);
        if (target && dbk_sub_position (sub) >= target) {
            l->done_at = s_now_ns ();
            break;
        }
        if (s_now_ns () > give_up) {
            l->rc = DBK_ETIMEOUT;
            break;
        }
        int rc = dbk_sub_next (sub, &ev, 20);
        if (rc == DBK_ETIMEOUT)
            continue;
        if (rc) {
            l->rc = rc;
            break;
        }
        l->delivered++;
        s_lat_add (&l->lag, (double) (dbk_now_ms () - ev.ts));
    }
    if (sub)
        dbk_sub_stats (sub, &l->stats);
    dbk_sub_destroy (&sub);
    return NULL;
}

/*  ---- a dealbook APPEND case ---- */

/*  nclients x depth for the case's duration (budget == 0) or until
    `budget` events are appended; with `live`, a subscriber follows. */
static res_t s_appenders (int nclients, int depth, int pause_us, uint64_t budget, bool live,
                          res_t *live_res)
{
    static int run;
    run++;
    client_t *cs = calloc ((size_t) nclients, sizeof *cs);
    pthread_t *th = calloc ((size_t) nclients, sizeof *th);
    pthread_t lth;
    live_t lv;
    memset (&lv, 0, sizeof lv);
    pthread_barrier_t bar;
    pthread_barrier_init (&bar, NULL, (unsigned) (nclients + 1 + (live ? 1 : 0)));
    _Atomic int64_t deadline = INT64_MAX;
    _Atomic int64_t left = (int64_t) budget;
    s_status_t st0 = s_status ();
    double srv0 = s_cpu_of (g.log_pid), cli0 = s_cpu_self ();
    for (int i = 0; i < nclients; i++) {
        cs[i].id = i;
        cs[i].depth = depth;
        cs[i].pause_us = pause_us;
        cs[i].start = &bar;
        cs[i].deadline = &deadline;
        cs[i].budget = budget ? &left : NULL;
        snprintf (cs[i].stream, sizeof cs[i].stream, "bench-r%dc%d", run, i);
        pthread_create (&th[i], NULL, s_client_thread, &cs[i]);
    }
    if (live) {
        lv.after = st0.head;
        lv.start = &bar;
        pthread_create (&lth, NULL, s_live_thread, &lv);
    }
    /*  the clients read the deadline once the barrier lets them go */
    int64_t start = s_now_ns ();
    if (!budget)
        atomic_store (&deadline, start + (int64_t) (g.seconds * 1e9));
    pthread_barrier_wait (&bar);
    lat_t all = {0};
    uint64_t acks = 0, total = 0;
    for (int i = 0; i < nclients; i++) {
        pthread_join (th[i], NULL);
        if (cs[i].errors)
            s_die ("client %d: %llu errors, first: %s", i, (unsigned long long) cs[i].errors,
                   cs[i].errmsg);
        acks += cs[i].acks;
        total += cs[i].total;
        s_lat_merge (&all, &cs[i].lat);
        free (cs[i].lat.v);
    }
    int64_t end = s_now_ns ();
    s_status_t st1 = s_status ();
    double srv1 = s_cpu_of (g.log_pid), cli1 = s_cpu_self ();
    if (live) {
        atomic_store (&lv.target, st1.head);
        pthread_join (lth, NULL);
        if (lv.rc)
            s_die ("live subscriber: %s", dbk_strerror (lv.rc));
    }
    pthread_barrier_destroy (&bar);
    double secs = budget ? (double) (end - start) / 1e9 : g.seconds;
    res_t r = {.rate = (double) (budget ? total : acks) / secs};
    r.p50 = s_pct (&all, 0.50);
    r.p99 = s_pct (&all, 0.99);
    r.extra = st1.commits > st0.commits
                  ? (double) (st1.events - st0.events) / (double) (st1.commits - st0.commits)
                  : 0;
    r.extra2 = (double) (st1.commits - st0.commits) / ((double) (end - start) / 1e9);
    if (st1.head > st0.head) {
        r.cpu_srv = (srv1 - srv0) * 1e6 / (double) (st1.head - st0.head);
        r.cpu_cli = (cli1 - cli0) * 1e6 / (double) (st1.head - st0.head);
    }
    if (live) {
        /*  keeps up: the subscriber delivered everything appended in this
            case by (done_at - start), the appenders took (end - start) */
        double sub_secs = (double) (lv.done_at - start) / 1e9;
        live_res->rate = (double) (st1.head - st0.head) / sub_secs;
        live_res->extra = (double) (end - start) / (double) (lv.done_at - start);
        live_res->extra2 = (double) (lv.done_at - end) / 1e6; /* ms behind at the end */
        live_res->p50 = s_pct (&lv.lag, 0.50);
        live_res->p99 = s_pct (&lv.lag, 0.99);
        free (lv.lag.v);
        if (lv.delivered != st1.head - st0.head)
            s_die ("live subscriber delivered %llu of %llu events",
                   (unsigned long long) lv.delivered, (unsigned long long) (st1.head - st0.head));
    }
    free (all.v);
    free (cs);
    free (th);
    return r;
}

/*  ---- READ catch-up and the subscriber catching up ---- */

static res_t s_read_catchup (void)
{
    dbk_client_t *c = dbk_client_new (g.log_ep, REPLY_WAIT_MS);
    if (!c)
        s_die ("no client");
    uint64_t next = 1, sum = 0;
    lat_t lat = {0};
    unsigned long long f0 = 0, f1 = 0;
    double cpu0 = s_cpu_of2 (g.log_pid, &f0), cli0 = s_cpu_self ();
    int64_t start = s_now_ns ();
    while (next <= g.events) {
        uint64_t want = g.events - next + 1;
        dbk_read_t rq = {.from = next, .limit = want < g.read_page ? (uint32_t) want : g.read_page};
        dbk_doc_t *reply = NULL;
        dbk_page_t page;
        int64_t t0 = s_now_ns ();
        int rc = dbk_client_read (c, &rq, &reply, &page);
        if (rc)
            s_die ("READ from %llu: %s", (unsigned long long) next, dbk_client_errmsg (c));
        for (size_t i = 0; i < page.count; i++) {
            dbk_event_t ev;
            if (dbk_page_event (&page, i, &ev) || ev.seq != next)
                s_die ("READ: bad record at seq %llu", (unsigned long long) next);
            sum += ev.data_raw_len;
            next++;
        }
        dbk_doc_destroy (&reply);
        s_lat_add (&lat, (double) (s_now_ns () - t0) / 1e3);
        if (page.count == 0)
            s_die ("READ: empty page at %llu", (unsigned long long) next);
    }
    int64_t end = s_now_ns ();
    double cpu1 = s_cpu_of2 (g.log_pid, &f1), cli1 = s_cpu_self ();
    dbk_client_destroy (&c);
    res_t r = {.rate = (double) g.events / ((double) (end - start) / 1e9)};
    r.p50 = s_pct (&lat, 0.50); /* per page, read + decode */
    r.p99 = s_pct (&lat, 0.99);
    r.extra = (double) sum / (double) g.events;
    r.extra2 = (double) (f1 - f0) * 1000 / (double) g.events; /* log's page faults per 1000 */
    r.cpu_srv = (cpu1 - cpu0) * 1e6 / (double) g.events;
    r.cpu_cli = (cli1 - cli0) * 1e6 / (double) g.events;
    free (lat.v);
    return r;
}

static res_t s_sub_catchup (void)
{
    dbk_subcfg_t cfg = {.log_endpoint = g.log_ep,
                        .pub_endpoint = g.pub_ep,
                        .after = 0,
                        .timeout_ms = REPLY_WAIT_MS,
                        .page = g.sub_page};
    int64_t start = s_now_ns ();
    dbk_sub_t *sub = dbk_sub_new (&cfg);
    if (!sub)
        s_die ("cannot start a subscriber");
    uint64_t expect = 1;
    while (dbk_sub_position (sub) < g.events) {
        dbk_event_t ev;
        int rc = dbk_sub_next (sub, &ev, 1000);
        if (rc)
            s_die ("subscriber at %llu: %s", (unsigned long long) dbk_sub_position (sub),
                   dbk_strerror (rc));
        if (ev.seq != expect++)
            s_die ("subscriber: seq %llu out of order", (unsigned long long) ev.seq);
    }
    int64_t end = s_now_ns ();
    dbk_sub_stats_t st;
    dbk_sub_stats (sub, &st);
    dbk_sub_destroy (&sub);
    res_t r = {.rate = (double) g.events / ((double) (end - start) / 1e9)};
    r.extra = (double) st.reads;
    return r;
}

/*  ---- the table ---- */

static double s_med (int c, int field)
{
    double v[MAX_ROUNDS];
    for (int r = 0; r < g.rounds; r++) {
        const res_t *x = &s_res[c][r];
        v[r] = field == 0   ? x->rate
               : field == 1 ? x->p50
               : field == 2 ? x->p99
               : field == 3 ? x->extra
               : field == 4 ? x->extra2
                            : x->cpu_cli;
    }
    return s_median (v, g.rounds);
}

static const char *s_mark (double ratio, double target)
{
    return ratio >= target ? "PASS" : "below target";
}

static void s_fmt_rate (char *out, size_t n, double v)
{
    if (v >= 1e6)
        snprintf (out, n, "%.2f M", v / 1e6);
    else if (v >= 1e4)
        snprintf (out, n, "%.1f k", v / 1e3);
    else
        snprintf (out, n, "%.0f", v);
}

static void s_print (double prefill_rate, double prefill_secs)
{
    double R1 = s_med (C_R1, 0), R1000 = s_med (C_R1000, 0), F = s_med (C_FSYNC, 0);
    double R1s = s_med (C_R1S, 0), R1000s = s_med (C_R1000S, 0);
    double rtt_us = 1e6 / s_med (C_RTT, 0);
    double T_us = 1e6 / R1 + rtt_us, Ts_us = 1e6 / R1s + rtt_us;
    char b1[32];
    char date[64];
    time_t now = time (NULL);
    strftime (date, sizeof date, "%Y-%m-%d %H:%M %Z", localtime (&now));
    printf ("\ndealbook bench, %s: %d rounds interleaved, %.1f s per case; medians.\n", date,
            g.rounds, g.seconds);
    printf ("Events: ~%d-byte payload (%zu-byte stored record, %zu-byte APPEND request), one "
            "per APPEND; every ack after its durable commit.\n\n",
            PAYLOAD_BYTES, g.record_bytes, g.request_bytes);

    printf ("%-50s %12s %9s %9s\n", "references (same disk, same run)", "rate", "p50 us", "p99 us");
    s_fmt_rate (b1, sizeof b1, R1);
    if (s_selected (C_R1))
        printf ("  %-48s %10s/s %9.0f %9.0f  commits/s (CPU %.0f us per commit)\n",
                "R1     LMDB, 1 event per durable commit", b1, s_med (C_R1, 1), s_med (C_R1, 2),
                s_med (C_R1, 5));
    s_fmt_rate (b1, sizeof b1, R1000);
    if (s_selected (C_R1000))
        printf ("  %-48s %10s/s %9.0f %9.0f  events/s, latency per commit\n",
                "R1000  LMDB, 1000 events per durable commit", b1, s_med (C_R1000, 1),
                s_med (C_R1000, 2));
    s_fmt_rate (b1, sizeof b1, R1s);
    if (s_selected (C_R1S))
        printf ("  %-48s %10s/s %9.0f %9.0f  (info) record + 3 index entries; CPU %.0f us\n",
                "R1s    same as R1 in the log's 4 tables", b1, s_med (C_R1S, 1), s_med (C_R1S, 2),
                s_med (C_R1S, 5));
    s_fmt_rate (b1, sizeof b1, R1000s);
    if (s_selected (C_R1000S))
        printf ("  %-48s %10s/s %9.0f %9.0f  (info)\n",
                "R1000s same as R1000 in the log's 4 tables", b1, s_med (C_R1000S, 1),
                s_med (C_R1000S, 2));
    s_fmt_rate (b1, sizeof b1, F);
    if (s_selected (C_FSYNC))
        printf ("  %-48s %10s/s %9.0f %9.0f  (info) R1/F = %.2f\n",
                "F      write+fdatasync, preallocated file", b1, s_med (C_FSYNC, 1),
                s_med (C_FSYNC, 2), R1 / F);
    if (s_selected (C_RTT))
        printf ("  %-48s %9.1f us %9.0f %9.0f\n", "RTT    DEALER->ROUTER round trip, tcp loopback",
                rtt_us, s_med (C_RTT, 1), s_med (C_RTT, 2));
    printf ("  %-48s %9.1f us %19s  1/T = %.0f/s\n\n", "T      1/R1 + RTT: one synchronous append",
            T_us, "", 1e6 / T_us);

    printf ("%-38s %11s %8s %8s %7s  %-15s %-15s %-13s %s\n", "dealbook (durable)", "events/s",
            "p50 us", "p99 us", "ev/cmt", "ratio", "target", "", "vs 4-table ref");
    struct {
        int c;
        const char *name;
        double ratio;
        const char *unit;
        double target;
        const char *tstr;
        double schema;
    } rows[] = {
        {C_1X1, "APPEND 1 client x 1 in flight", s_med (C_1X1, 0) * T_us / 1e6, " / T", 0.9,
         ">= 0.9 / T", s_med (C_1X1, 0) * Ts_us / 1e6},
        {C_8X1, "APPEND 8 clients x 1 in flight", s_med (C_8X1, 0) / R1, " x R1", 3, ">= 3 x R1",
         s_med (C_8X1, 0) / R1s},
        {C_64X1, "APPEND 64 clients x 1 in flight", s_med (C_64X1, 0) / R1, " x R1", 7, ">= 7 x R1",
         s_med (C_64X1, 0) / R1s},
        {C_8X64, "APPEND 8 clients x 64 in flight", s_med (C_8X64, 0) / R1000, " x R1000", 0.4,
         ">= 0.4 x R1000", s_med (C_8X64, 0) / R1000s},
    };
    const char *sunit[] = {" / Ts", " x R1s", " x R1s", " x R1000s"};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (!s_selected (rows[i].c))
            continue;
        char ratio[40];
        s_fmt_rate (b1, sizeof b1, s_med (rows[i].c, 0));
        snprintf (ratio, sizeof ratio, "%.2f%s", rows[i].ratio, rows[i].unit);
        printf ("%-38s %9s/s %8.0f %8.0f %7.1f  %-15s %-15s %-13s %.2f%s\n", rows[i].name, b1,
                s_med (rows[i].c, 1), s_med (rows[i].c, 2), s_med (rows[i].c, 3), ratio,
                rows[i].tstr, s_mark (rows[i].ratio, rows[i].target), rows[i].schema, sunit[i]);
    }
    if (s_selected (C_LIGHT)) {
        char ratio[40];
        s_fmt_rate (b1, sizeof b1, s_med (C_LIGHT, 0));
        snprintf (ratio, sizeof ratio, "p50 = %.2f T", s_med (C_LIGHT, 1) / T_us);
        printf ("%-38s %9s/s %8.0f %8.0f %7.1f  %-15s %-15s\n",
                "APPEND light: 4 clients, 5 ms apart", b1, s_med (C_LIGHT, 1), s_med (C_LIGHT, 2),
                s_med (C_LIGHT, 3), ratio, "(info)");
    }
    double rd = s_med (C_READ, 0), sc = s_med (C_SUBCATCH, 0), top = 0;
    for (int c = C_1X1; c <= C_8X64; c++)
        if (s_med (c, 0) > top)
            top = s_med (c, 0);
    char ratio[40];
    s_fmt_rate (b1, sizeof b1, rd);
    snprintf (ratio, sizeof ratio, "%.2f x 1M/s", rd / 1e6);
    if (s_selected (C_READ))
        printf ("%-38s %9s/s %8.0f %8.0f %7s  %-15s %-15s %s\n", "READ catch-up + decode", b1,
                s_med (C_READ, 1), s_med (C_READ, 2), "-", ratio, ">= 1M/s",
                s_mark (rd / 1e6, 1.0));
    s_fmt_rate (b1, sizeof b1, sc);
    snprintf (ratio, sizeof ratio, "%.2f x READ", sc / rd);
    if (s_selected (C_SUBCATCH))
        printf ("%-38s %9s/s %8s %8s %7s  %-15s %-15s\n", "subscriber catch-up (dbk_sub)", b1, "-",
                "-", "-", ratio, "(info)");
    double keep = s_med (C_SUBLIVE, 3);
    s_fmt_rate (b1, sizeof b1, s_med (C_SUBLIVE, 0));
    snprintf (ratio, sizeof ratio, "%.2f x append", keep);
    if (s_selected (C_SUBLIVE))
        printf ("%-38s %9s/s %8.0f %8.0f %7s  %-15s %-15s %s\n",
                "subscriber live next to 8x64 APPEND", b1, s_med (C_SUBLIVE, 1) * 1000,
                s_med (C_SUBLIVE, 2) * 1000, "-", ratio, ">= 1 x append", s_mark (keep, 0.95));

    printf ("\nratio: of the medians (the per-round ratios are below). vs 4-table ref: the same "
            "ratio against R1s / R1000s (Ts = 1/R1s + RTT),\n"
            "  i.e. with the cost of the log's index entries taken out. ev/cmt: events per LMDB "
            "commit (STATUS counters).\n");
    printf ("READ: pages of %u events from seq 1 to %llu through dbk_client_read, every record "
            "decoded (dbk_page_event); p50/p99 per page.\n",
            g.read_page, (unsigned long long) g.events);
    printf ("subscriber catch-up: dbk_sub from 0 to %llu (READ pages of %u events). live: "
            "all events appended by 8x64 clients during the case\n"
            "  over the time until the subscriber delivered the last one (PASS >= 0.95); "
            "p50/p99 = delivery time - recorded ts (ms resolution);\n"
            "  %.0f ms behind when the appends ended. Highest append rate above: %.0f events/s.\n",
            (unsigned long long) g.events, g.sub_page, s_med (C_SUBLIVE, 4), top);
    if (prefill_secs > 0)
        printf ("The log was pre-filled to %llu events %s, at %.0f events/s (%.1f s).\n",
                (unsigned long long) g.events,
                g.prefill_protocol
                    ? "by 8x64 durable APPEND clients (BENCH_PREFILL=protocol)"
                    : "before the server started, straight through its store code (1000 "
                      "events per durable transaction)",
                prefill_rate, prefill_secs);

    printf ("\nCPU per event appended (us, median; eventlog process + bench process with its "
            "client threads):");
    for (int c = C_1X1; c <= C_LIGHT; c++) {
        double v[MAX_ROUNDS], w[MAX_ROUNDS];
        for (int r = 0; r < g.rounds; r++)
            v[r] = s_res[c][r].cpu_srv, w[r] = s_res[c][r].cpu_cli;
        printf (" %s %.0f+%.0f%s", s_case_names[c], s_median (v, g.rounds), s_median (w, g.rounds),
                c < C_LIGHT ? "," : "\n");
    }
    printf ("\nper round: rate p50/p99 [ratio to the same round's reference] [events per "
            "commit, commits/s, CPU us per event: eventlog + bench]\n");
    static const char *names[C_COUNT] = {"R1 (commits/s)",      "R1000",
                                         "R1s (commits/s)",     "R1000s",
                                         "F (syncs/s)",         "RTT (round trips/s)",
                                         "APPEND 1x1",          "APPEND 8x1",
                                         "APPEND 64x1",         "APPEND 8x64",
                                         "APPEND light",        "READ catch-up",
                                         "subscriber catch-up", "subscriber live"};
    for (int c = 0; c < C_COUNT; c++) {
        if (!s_selected (c))
            continue;
        printf ("  %-20s", names[c]);
        for (int r = 0; r < g.rounds; r++) {
            const res_t *x = &s_res[c][r];
            double R1r = s_res[C_R1][r].rate, T_r = 1 / R1r + 1 / s_res[C_RTT][r].rate;
            char extra[80] = "";
            switch (c) {
            case C_1X1:
                snprintf (extra, sizeof extra, " %.2f/T", x->rate * T_r);
                break;
            case C_8X1:
            case C_64X1:
                snprintf (extra, sizeof extra, " %.2fxR1", x->rate / R1r);
                break;
            case C_8X64:
                snprintf (extra, sizeof extra, " %.2fxR1000", x->rate / s_res[C_R1000][r].rate);
                break;
            default:
                break;
            }
            if (c == C_SUBCATCH)
                printf (" | %8.0f", x->rate);
            else if (c == C_READ)
                printf (" | %8.0f %.0f/%.0f, %.0f faults/1000 ev, cpu %.2f+%.2f", x->rate, x->p50,
                        x->p99, x->extra2, x->cpu_srv, x->cpu_cli);
            else if (c == C_SUBLIVE)
                printf (" | %8.0f keeps %.2f, lag %.0f/%.0f ms", x->rate, x->extra, x->p50, x->p99);
            else
                printf (" | %8.0f %.0f/%.0f%s", x->rate, x->p50, x->p99, extra);
            if (c >= C_1X1 && c <= C_LIGHT)
                printf (" %.1f %.0f/s cpu %.0f+%.0f", x->extra, x->extra2, x->cpu_srv, x->cpu_cli);
        }
        printf ("\n");
    }
    fflush (stdout);
}

/*  ---- main ---- */

static void s_progress (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
static void s_progress (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
    fflush (stderr);
}

static void s_measure_sizes (void)
{
    dbk_wr_t *buf = dbk_wr_new (), *w = dbk_wr_new ();
    dbk_event_t ev;
    s_event (&ev, 123456, buf);
    s_append_request (w, 123456, "bench-r10c10", &ev);
    g.request_bytes = dbk_wr_size (w);
    dbk_wr_reset (w);
    ev.seq = 1234567;
    ev.ver = 123456;
    ev.stream = "bench-r10c10";
    ev.stream_len = strlen (ev.stream);
    ev.ts = ev.at = dbk_now_ms ();
    uint8_t prev[DBK_HASH_SIZE] = {0};
    dbk_event_write_record (w, &ev, prev);
    g.record_bytes = dbk_wr_size (w);
    dbk_wr_destroy (&buf);
    dbk_wr_destroy (&w);
}

int main (int argc, char **argv)
{
    if (argc == 3 && streq (argv[1], "--echo"))
        return s_echo_main (argv[2]);
    if (argc > 1) {
        fprintf (stderr, "usage: bench_log  (settings: BENCH_ROUNDS, BENCH_SECONDS, "
                         "BENCH_EVENTS, BENCH_PREFILL=protocol, BENCH_READ_PAGE, BENCH_SUB_PAGE, "
                         "BENCH_KEEP, DBK_BIN_DIR, TMPDIR)\n");
        return 1;
    }
    g.rounds = (int) s_env_double ("BENCH_ROUNDS", 3);
    if (g.rounds > MAX_ROUNDS)
        g.rounds = MAX_ROUNDS;
    g.seconds = s_env_double ("BENCH_SECONDS", 3);
    g.events = (uint64_t) s_env_double ("BENCH_EVENTS", 1000000);
    g.read_page = (uint32_t) s_env_double ("BENCH_READ_PAGE", 1000);
    g.sub_page = (uint32_t) s_env_double ("BENCH_SUB_PAGE", 1000);
    const char *pf = getenv ("BENCH_PREFILL");
    g.prefill_protocol = pf && streq (pf, "protocol");

    ssize_t n = readlink ("/proc/self/exe", g.self_exe, sizeof g.self_exe - 1);
    if (n <= 0)
        s_die ("cannot find my own executable");
    g.self_exe[n] = 0;
    const char *bindir = getenv ("DBK_BIN_DIR");
    if (bindir && *bindir)
        snprintf (g.eventlog_bin, sizeof g.eventlog_bin, "%s/dealbook-eventlog", bindir);
    else {
        char tmp[1100];
        snprintf (tmp, sizeof tmp, "%s", g.self_exe);
        char *slash = strrchr (tmp, '/');
        if (slash)
            *slash = 0;
        snprintf (g.eventlog_bin, sizeof g.eventlog_bin, "%s/../bin/dealbook-eventlog", tmp);
    }
    if (access (g.eventlog_bin, X_OK))
        s_die ("%s: not found (build it: make)", g.eventlog_bin);

    const char *tmpdir = getenv ("TMPDIR");
    snprintf (g.base, sizeof g.base, "%s/dbk-bench-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp (g.base))
        s_die ("mkdtemp %s: %s", g.base, strerror (errno));
    snprintf (g.log_dir, sizeof g.log_dir, "%s/log", g.base);
    snprintf (g.ref_dir, sizeof g.ref_dir, "%s/ref-lmdb", g.base);
    snprintf (g.file_path, sizeof g.file_path, "%s/ref-fsync.dat", g.base);
    snprintf (g.log_ep, sizeof g.log_ep, "tcp://127.0.0.1:%d", s_free_port ());
    snprintf (g.pub_ep, sizeof g.pub_ep, "tcp://127.0.0.1:%d", s_free_port ());
    snprintf (g.echo_ep, sizeof g.echo_ep, "tcp://127.0.0.1:%d", s_free_port ());
    signal (SIGINT, s_on_signal);
    signal (SIGTERM, s_on_signal);
    signal (SIGPIPE, SIG_IGN);

    s_measure_sizes ();
    s_progress ("bench: data in %s (eventlog, LMDB reference and fsync file on one disk)\n",
                g.base);
    s_spawn_echo ();
    /*  the READ and subscriber cases need BENCH_EVENTS events in the log */
    double prefill_rate = 0, prefill_secs = 0;
    bool need = s_selected (C_READ) || s_selected (C_SUBCATCH);
    if (need && !g.prefill_protocol) {
        s_progress ("bench: pre-filling the log with %llu events through the store...",
                    (unsigned long long) g.events);
        int64_t t0 = s_now_ns ();
        s_prefill_direct (g.events);
        prefill_secs = (double) (s_now_ns () - t0) / 1e9;
        prefill_rate = (double) g.events / prefill_secs;
        s_progress (" %.1f s\n", prefill_secs);
    }
    s_spawn_eventlog ();
    zsys_handler_set (NULL); /* after CZMQ starts: Ctrl-C stops the bench */
    signal (SIGINT, s_on_signal);
    signal (SIGTERM, s_on_signal);
    s_ref_open ();
    s_file_open ();

    if (need && g.prefill_protocol) {
        s_progress ("bench: pre-filling the log with %llu events (durable APPEND, 8 clients x "
                    "64)...",
                    (unsigned long long) g.events);
        int64_t t0 = s_now_ns ();
        s_appenders (8, 64, 0, g.events, false, NULL);
        prefill_secs = (double) (s_now_ns () - t0) / 1e9;
        prefill_rate = (double) g.events / prefill_secs;
        s_progress (" %.1f s\n", prefill_secs);
    }

    for (int r = 0; r < g.rounds; r++) {
        s_progress ("bench: round %d/%d:", r + 1, g.rounds);
        if (r > 0) /* a fresh LMDB reference each round: its file stays small */
            s_ref_reset ();
        for (int c = 0; c < C_COUNT; c++) {
            if (!s_selected (c))
                continue;
            s_progress (" %s", s_case_names[c]);
            switch (c) {
            case C_R1:
                s_res[c][r] = s_ref_lmdb (1, false);
                break;
            case C_R1000:
                s_res[c][r] = s_ref_lmdb (1000, false);
                break;
            case C_R1S:
                s_res[c][r] = s_ref_lmdb (1, true);
                break;
            case C_R1000S:
                s_res[c][r] = s_ref_lmdb (1000, true);
                break;
            case C_FSYNC:
                s_res[c][r] = s_ref_fsync ();
                break;
            case C_RTT:
                s_res[c][r] = s_ref_rtt ();
                break;
            case C_1X1:
                s_res[c][r] = s_appenders (1, 1, 0, 0, false, NULL);
                break;
            case C_8X1:
                s_res[c][r] = s_appenders (8, 1, 0, 0, false, NULL);
                break;
            case C_64X1:
                s_res[c][r] = s_appenders (64, 1, 0, 0, false, NULL);
                break;
            case C_8X64:
                s_res[c][r] = s_appenders (8, 64, 0, 0, false, NULL);
                break;
            case C_LIGHT:
                s_res[c][r] = s_appenders (4, 1, LIGHT_PAUSE_US, 0, false, NULL);
                break;
            case C_READ:
                s_res[c][r] = s_read_catchup ();
                break;
            case C_SUBCATCH:
                s_res[c][r] = s_sub_catchup ();
                break;
            case C_SUBLIVE:
                s_appenders (8, 64, 0, 0, true, &s_res[c][r]);
                break;
            default:
                break;
            }
        }
        s_progress ("\n");
    }
    s_print (prefill_rate, prefill_secs);

    mdb_env_close (s_ref_env);
    close (s_file_fd);
    free (s_ref_value);
    s_cleanup ();
    return 0;
}
