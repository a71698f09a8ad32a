/*  bench_load.c - the load generators: APPEND client threads (synchronous
    or pipelined, with a live subscriber if asked), READ catch-up and the
    subscriber catching up (see bench.h).
*/
#include "bench.h"

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

typedef struct {
    int id;                    /* client number                              */
    int depth;                 /* requests in flight                         */
    int pause_us;              /* think time after each ack (light load)     */
    const char *endpoint;      /* the log, or the ack ROUTER                 */
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
    dbk_client_t *cl = dbk_client_new (bench_g.log_ep, REPLY_WAIT_MS);
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
    while (bench_now_ns () < deadline && s_take_budget (c)) {
        dbk_event_t ev;
        bench_event (&ev, n++, buf);
        int64_t t0 = bench_now_ns ();
        int rc = dbk_client_append (cl, c->stream, DBK_EXPECT_ANY, &ev, 1, NULL, NULL, NULL);
        int64_t t1 = bench_now_ns ();
        if (rc) {
            s_client_error (c, dbk_client_errmsg (cl));
            break;
        }
        c->total++;
        if (t1 <= deadline) {
            c->acks++;
            bench_lat_add (&c->lat, (double) (t1 - t0) / 1e3);
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
    dbk_sockcfg_t cfg = {.type = ZMQ_DEALER, .endpoint = c->endpoint};
    void *d = dbk_sock_open (&cfg);
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
        bench_event (&ev, n++, buf);
        bench_append_request (w, ++rid, c->stream, &ev);
        sent_at[rid & 255] = bench_now_ns ();
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
        int64_t t1 = bench_now_ns ();
        uint64_t r;
        bool ok;
        if (bench_reply_check (zmq_msg_data (&m), zmq_msg_size (&m), &r, &ok) || r == 0 ||
            r > rid || rid - r >= 256)
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
                bench_lat_add (&c->lat, (double) (t1 - sent_at[r & 255]) / 1e3);
            }
        }
        if (sending && t1 < deadline && s_take_budget (c)) {
            dbk_event_t ev;
            bench_event (&ev, n++, buf);
            bench_append_request (w, ++rid, c->stream, &ev);
            sent_at[rid & 255] = bench_now_ns ();
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
    dbk_sock_close (&d);
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
    dbk_subcfg_t cfg = {.log_endpoint = bench_g.log_ep,
                        .pub_endpoint = bench_g.pub_ep,
                        .after = l->after,
                        .timeout_ms = REPLY_WAIT_MS,
                        .page = bench_g.sub_page};
    dbk_sub_t *sub = dbk_sub_new (&cfg);
    dbk_event_t ev;
    if (!sub)
        l->rc = DBK_EIO;
    else
        dbk_sub_next (sub, &ev, 0); /* the first READ: caught up */
    pthread_barrier_wait (l->start);
    int64_t give_up = bench_now_ns () + (int64_t) ((bench_g.seconds + 60) * 1e9);
    while (sub && !l->rc) {
        uint64_t target = atomic_load (&l->target);
        if (target && dbk_sub_position (sub) >= target) {
            l->done_at = bench_now_ns ();
            break;
        }
        if (bench_now_ns () > give_up) {
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
        bench_lat_add (&l->lag, (double) (dbk_now_ms () - ev.ts));
    }
    if (sub)
        dbk_sub_stats (sub, &l->stats);
    dbk_sub_destroy (&sub);
    return NULL;
}

/*  ---- a dealbook APPEND case ---- */

/*  nclients x depth for the case's duration (budget == 0) or until
    `budget` events are appended; with `live`, a subscriber follows. `ack`:
    to the ack ROUTER instead of the log (no STATUS counters then). */
static res_t s_appenders (bool ack, int nclients, int depth, int pause_us, uint64_t budget,
                          bool live, res_t *live_res)
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
    pid_t srv = ack ? bench_g.ack_pid : bench_g.log_pid;
    bench_status_t st0 = ack ? (bench_status_t){0, 0, 0} : bench_status ();
    double srv0 = bench_cpu_of (srv), cli0 = bench_cpu_self ();
    for (int i = 0; i < nclients; i++) {
        cs[i].id = i;
        cs[i].endpoint = ack ? bench_g.ack_ep : bench_g.log_ep;
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
    int64_t start = bench_now_ns ();
    if (!budget)
        atomic_store (&deadline, start + (int64_t) (bench_g.seconds * 1e9));
    pthread_barrier_wait (&bar);
    lat_t all = {0};
    uint64_t acks = 0, total = 0;
    for (int i = 0; i < nclients; i++) {
        pthread_join (th[i], NULL);
        if (cs[i].errors)
            bench_die ("client %d: %llu errors, first: %s", i, (unsigned long long) cs[i].errors,
                       cs[i].errmsg);
        acks += cs[i].acks;
        total += cs[i].total;
        bench_lat_merge (&all, &cs[i].lat);
        free (cs[i].lat.v);
    }
    int64_t end = bench_now_ns ();
    bench_status_t st1 = ack ? (bench_status_t){total, 0, 0} : bench_status ();
    double srv1 = bench_cpu_of (srv), cli1 = bench_cpu_self ();
    if (live) {
        atomic_store (&lv.target, st1.head);
        pthread_join (lth, NULL);
        if (lv.rc)
            bench_die ("live subscriber: %s", dbk_strerror (lv.rc));
    }
    pthread_barrier_destroy (&bar);
    double secs = budget ? (double) (end - start) / 1e9 : bench_g.seconds;
    res_t r = {.rate = (double) (budget ? total : acks) / secs};
    r.p50 = bench_pct (&all, 0.50);
    r.p99 = bench_pct (&all, 0.99);
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
        live_res->p50 = bench_pct (&lv.lag, 0.50);
        live_res->p99 = bench_pct (&lv.lag, 0.99);
        free (lv.lag.v);
        if (lv.delivered != st1.head - st0.head)
            bench_die ("live subscriber delivered %llu of %llu events",
                       (unsigned long long) lv.delivered,
                       (unsigned long long) (st1.head - st0.head));
    }
    free (all.v);
    free (cs);
    free (th);
    return r;
}

res_t bench_appenders (int nclients, int depth, int pause_us, uint64_t budget, bool live,
                       res_t *live_res)
{
    return s_appenders (false, nclients, depth, pause_us, budget, live, live_res);
}

res_t bench_ack_ceiling (void)
{
    return s_appenders (true, 8, 64, 0, 0, false, NULL);
}

/*  ---- READ catch-up and the subscriber catching up ---- */

res_t bench_read_catchup (void)
{
    dbk_client_t *c = dbk_client_new (bench_g.log_ep, REPLY_WAIT_MS);
    if (!c)
        bench_die ("no client");
    uint64_t next = 1, sum = 0;
    lat_t lat = {0};
    unsigned long long f0 = 0, f1 = 0;
    double cpu0 = bench_cpu_of2 (bench_g.log_pid, &f0), cli0 = bench_cpu_self ();
    int64_t start = bench_now_ns ();
    while (next <= bench_g.events) {
        uint64_t want = bench_g.events - next + 1;
        dbk_read_t rq = {.from = next,
                         .limit = want < bench_g.read_page ? (uint32_t) want : bench_g.read_page};
        dbk_doc_t *reply = NULL;
        dbk_page_t page;
        int64_t t0 = bench_now_ns ();
        int rc = dbk_client_read (c, &rq, &reply, &page);
        if (rc)
            bench_die ("READ from %llu: %s", (unsigned long long) next, dbk_client_errmsg (c));
        for (size_t i = 0; i < page.count; i++) {
            dbk_event_t ev;
            if (dbk_page_event (&page, i, &ev) || ev.seq != next)
                bench_die ("READ: bad record at seq %llu", (unsigned long long) next);
            sum += ev.data_raw_len;
            next++;
        }
        dbk_doc_destroy (&reply);
        bench_lat_add (&lat, (double) (bench_now_ns () - t0) / 1e3);
        if (page.count == 0)
            bench_die ("READ: empty page at %llu", (unsigned long long) next);
    }
    int64_t end = bench_now_ns ();
    double cpu1 = bench_cpu_of2 (bench_g.log_pid, &f1), cli1 = bench_cpu_self ();
    dbk_client_destroy (&c);
    res_t r = {.rate = (double) bench_g.events / ((double) (end - start) / 1e9)};
    r.p50 = bench_pct (&lat, 0.50); /* per page, read + decode */
    r.p99 = bench_pct (&lat, 0.99);
    r.extra = (double) sum / (double) bench_g.events;
    r.extra2 = (double) (f1 - f0) * 1000 / (double) bench_g.events; /* log's page faults per 1000 */
    r.cpu_srv = (cpu1 - cpu0) * 1e6 / (double) bench_g.events;
    r.cpu_cli = (cli1 - cli0) * 1e6 / (double) bench_g.events;
    free (lat.v);
    return r;
}

res_t bench_sub_catchup (void)
{
    dbk_subcfg_t cfg = {.log_endpoint = bench_g.log_ep,
                        .pub_endpoint = bench_g.pub_ep,
                        .after = 0,
                        .timeout_ms = REPLY_WAIT_MS,
                        .page = bench_g.sub_page};
    int64_t start = bench_now_ns ();
    dbk_sub_t *sub = dbk_sub_new (&cfg);
    if (!sub)
        bench_die ("cannot start a subscriber");
    uint64_t expect = 1;
    while (dbk_sub_position (sub) < bench_g.events) {
        dbk_event_t ev;
        int rc = dbk_sub_next (sub, &ev, 1000);
        if (rc)
            bench_die ("subscriber at %llu: %s", (unsigned long long) dbk_sub_position (sub),
                       dbk_strerror (rc));
        if (ev.seq != expect++)
            bench_die ("subscriber: seq %llu out of order", (unsigned long long) ev.seq);
    }
    int64_t end = bench_now_ns ();
    dbk_sub_stats_t st;
    dbk_sub_stats (sub, &st);
    dbk_sub_destroy (&sub);
    res_t r = {.rate = (double) bench_g.events / ((double) (end - start) / 1e9)};
    r.extra = (double) st.reads;
    return r;
}

/*  ---- the table ---- */
