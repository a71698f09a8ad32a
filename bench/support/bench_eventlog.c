/*  bench_eventlog.c - the events and requests the bench appends, the
    eventlog and echo processes it starts, the pre-fill through the store,
    and STATUS (see bench.h).
*/
#include "bench.h"
#include "bench_svc.h"

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

/*  ---- the events we append ---- */

static const char s_note[] = "a small event of about two hundred bytes, as a domain service "
                             "appends them: a level change, a contact's trip, a quote "
                             "approved; this text only fills the payload to its size.....";

/*  A proposed event: fresh id, ~200-byte payload written into buf. */
void bench_event (dbk_event_t *ev, uint64_t n, dbk_wr_t *buf)
{
    memset (ev, 0, sizeof *ev);
    /*  a UUIDv7-shaped id made without a getrandom() call (dbk_uuid_v7 makes
        one per id, a syscall that would burden the load generator): ms
        time, then this process's random tag and a counter */
    static _Atomic uint64_t counter;
    static uint64_t tag;
    if (!tag)
        tag = ((uint64_t) getpid () << 20) ^ (uint64_t) bench_now_ns ();
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
void bench_append_request (dbk_wr_t *w, uint64_t rid, const char *stream, const dbk_event_t *ev)
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
int bench_reply_check (const void *data, size_t len, uint64_t *rid, bool *ok)
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

void bench_spawn_eventlog (void)
{
    char e_dir[800], e_log[100], e_pub[100], e_dur[40];
    snprintf (e_dir, sizeof e_dir, "DEALBOOK_DATA_DIR=%s", bench_g.log_dir);
    snprintf (e_log, sizeof e_log, "DEALBOOK_LOG_ENDPOINT=%s", bench_g.log_ep);
    snprintf (e_pub, sizeof e_pub, "DEALBOOK_PUB_ENDPOINT=%s", bench_g.pub_ep);
    snprintf (e_dur, sizeof e_dur, "DEALBOOK_DURABLE=1");
    char errpath[700];
    snprintf (errpath, sizeof errpath, "%s/eventlog.err", bench_g.base);
    char *env[] = {e_dir, e_log, e_pub, e_dur, "DEALBOOK_LOG_LEVEL=warning", NULL};
    pid_t pid = bsvc_fork_exec (bench_g.eventlog_bin, errpath, env);
    bench_g.log_pid = pid;
    /*  wait until it answers STATUS */
    int64_t deadline = bench_now_ns () + 10 * (int64_t) 1000000000;
    while (bench_now_ns () < deadline) {
        dbk_client_t *c = dbk_client_new (bench_g.log_ep, 200);
        if (!c)
            bench_die ("cannot make a client for %s", bench_g.log_ep);
        dbk_client_begin (c, "STATUS", 0);
        dbk_doc_t *reply = NULL;
        int rc = dbk_client_call (c, &reply);
        dbk_doc_destroy (&reply);
        dbk_client_destroy (&c);
        if (rc == 0)
            return;
        if (waitpid (pid, NULL, WNOHANG) == pid) {
            bench_g.log_pid = 0;
            bench_die ("dealbook-eventlog (%s) exited at start", bench_g.eventlog_bin);
        }
    }
    bench_die ("dealbook-eventlog does not answer on %s", bench_g.log_ep);
}

void bench_spawn_echo (void)
{
    pid_t pid = fork ();
    if (pid < 0)
        bench_die ("fork: %s", strerror (errno));
    if (pid == 0) {
        execl (bench_g.self_exe, bench_g.self_exe, "--echo", bench_g.echo_ep, (char *) NULL);
        _exit (127);
    }
    bench_g.echo_pid = pid;
}

/*  The bare ROUTER of the RTT reference: answer each request with a small
    frame, through the same CZMQ calls the event log uses. */
int bench_echo_main (const char *endpoint)
{
    zsys_handler_set (NULL);
    dbk_sockcfg_t cfg = {.type = ZMQ_ROUTER, .endpoint = endpoint, .bind = true};
    void *router = dbk_sock_open (&cfg);
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
    dbk_sock_close (&router);
    return 0;
}

void bench_spawn_ack (void)
{
    pid_t pid = fork ();
    if (pid < 0)
        bench_die ("fork: %s", strerror (errno));
    if (pid == 0) {
        execl (bench_g.self_exe, bench_g.self_exe, "--ack", bench_g.ack_ep, (char *) NULL);
        _exit (127);
    }
    bench_g.ack_pid = pid;
}

/*  The ceiling reference: every request is received and parsed as the log
    receives it (dbk_proto_recv), and answered at once with the reply an
    APPEND of one stream gets (docs/protocol.md), through the same calls.
    Nothing is checked, stored or published: what is left is the protocol
    and the transport. */
int bench_ack_main (const char *endpoint)
{
    zsys_handler_set (NULL);
    dbk_sockcfg_t cfg = {.type = ZMQ_ROUTER, .endpoint = endpoint, .bind = true};
    void *router = dbk_sock_open (&cfg);
    if (!router) {
        fprintf (stderr, "bench ack: cannot bind %s\n", endpoint);
        return 1;
    }
    dbk_wr_t *w = dbk_wr_new ();
    uint64_t seq = 0;
    while (true) {
        dbk_req_t req;
        int rc = dbk_proto_recv (router, &req);
        if (rc == DBK_EINTERRUPTED && zsys_interrupted) {
            dbk_req_release (&req);
            break;
        }
        if (rc == 0) {
            seq++;
            dbk_proto_reply_begin (w, req.rid, true, 2);
            dbk_wr_cstr (w, "results");
            dbk_wr_array (w, 1);
            dbk_wr_map (w, 6);
            dbk_wr_kv_cstr (w, "stream", "bench-r10c10");
            dbk_wr_kv_u64 (w, "first_seq", seq);
            dbk_wr_kv_u64 (w, "last_seq", seq);
            dbk_wr_kv_u64 (w, "first_ver", seq);
            dbk_wr_kv_u64 (w, "last_ver", seq);
            dbk_wr_kv_bool (w, "duplicate", false);
            dbk_wr_kv_u64 (w, "head", seq);
            dbk_proto_send (router, &req, w);
        }
        dbk_req_release (&req);
    }
    dbk_wr_destroy (&w);
    dbk_sock_close (&router);
    return 0;
}

/*  ---- pre-filling the log ---- */

/*  Write n events into the log's data directory through the event log's
    own store code (the same records, hash chain and indexes the server
    writes), 10 streams x 100 events per durable transaction, before the
    server starts: far quicker than through the protocol. */
void bench_prefill_direct (uint64_t n)
{
    eventlog_store_t *st = bsvc_store_open ();
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
                bench_event (&evs[k], done + k, bufs[k]);
                b[j].n++;
            }
        }
        bsvc_store_write (st, b, nb, pos, "%s", "");
        done += k;
        txn++;
    }
    for (int i = 0; i < NB * PER; i++)
        dbk_wr_destroy (&bufs[i]);
    eventlog_store_close (&st);
}

bench_status_t bench_status (void)
{
    bench_status_t st = {0, 0, 0};
    dbk_client_t *c = dbk_client_new (bench_g.log_ep, 10000);
    if (!c)
        bench_die ("no client");
    dbk_client_begin (c, "STATUS", 0);
    dbk_doc_t *reply = NULL;
    if (dbk_client_call (c, &reply) != 0)
        bench_die ("STATUS failed: %s", dbk_client_errmsg (c));
    const dbk_obj_t *root = dbk_doc_root (reply), *cn = dbk_obj_get (root, "counters");
    dbk_obj_u64 (dbk_obj_get (root, "head"), &st.head);
    dbk_obj_u64 (dbk_obj_get (cn, "commits"), &st.commits);
    dbk_obj_u64 (dbk_obj_get (cn, "events"), &st.events);
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    return st;
}
