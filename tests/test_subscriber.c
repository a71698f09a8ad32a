/*  test_subscriber.c - the subscriber of DESIGN §5 against real
    dealbook-eventlog processes: catch-up and live with appends running,
    gaps from PUB high-water-mark drops, heartbeat repair, a read model
    killed with SIGKILL (tests/helpers/sub_model.c), and a log that
    restarts under its subscribers.

    Every event the tests append carries {"n": its stream version}, and
    each appender owns its streams (account-t<thread>s<index>), so the
    checker can tell, for each delivered event, that it is the next seq,
    the next version of its stream, that its record still decodes and
    that its prev hash is the hash of the event delivered before it.
*/
#include "support/testlib.h"

#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_proto.h"
#include "dealbook/dbk_sub.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define S_THREADS 8  /* appender threads at most                */
#define S_STREAMS 16 /* streams per appender at most            */
#define S_BATCH 100  /* events per APPEND at most               */
#define S_TYPE "account.noted"

/*  A fail-fast check for hot loops: Criterion's cr_assert is cheap when it
    passes, but this keeps the message formatting out of the loop too. */
#define S_CHECK(cond, ...)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            cr_assert_fail (__VA_ARGS__);                                                          \
    } while (0)

/*  What a test leaves running is stopped even when an assertion ends it
    early: its log, and the read model it may have spawned. */
static tl_log_t s_log;    /* the test's event log        */
static pid_t s_model_pid; /* a running sub_model, if any */

static void s_fini (void)
{
    if (s_model_pid > 0) {
        kill (s_model_pid, SIGKILL);
        waitpid (s_model_pid, NULL, 0);
    }
    tl_log_cleanup (&s_log);
}

/*  ---- appenders: each owns its streams and knows their versions ---- */

typedef struct {
    const char *endpoint;    /* the log's ROUTER                          */
    int thread;              /* streams are account-t<thread>s<index>    */
    int nstreams;            /* streams of this appender (<= S_STREAMS)  */
    uint64_t count;          /* events to append (0: until *stop)        */
    int batch;               /* events per APPEND, 1..batch (<= S_BATCH) */
    size_t note_size;        /* payload filler, bytes                     */
    atomic_bool *stop;       /* set by the test to end early (or NULL)   */
    unsigned seed;           /* rand_r state                              */
    uint64_t appended;       /* out: events appended                      */
    uint64_t ver[S_STREAMS]; /* out: current version of each stream       */
    int rc;                  /* out: first append error (0: none)        */
    char errmsg[256];        /* out: its message                          */
    dbk_client_t *client;    /* own connection (created lazily)          */
    dbk_wr_t *bufs[S_BATCH]; /* payloads of one batch                     */
    char *note;              /* the filler                                */
} s_appender_t;

static void s_appender_init (s_appender_t *a, const char *endpoint, int thread, int nstreams,
                             uint64_t count, int batch, size_t note_size)
{
    memset (a, 0, sizeof *a);
    a->endpoint = endpoint;
    a->thread = thread;
    a->nstreams = nstreams;
    a->count = count;
    a->batch = batch;
    a->note_size = note_size;
    a->seed = (unsigned) (thread * 7919 + 17);
}

static void s_appender_fini (s_appender_t *a)
{
    dbk_client_destroy (&a->client);
    for (int i = 0; i < S_BATCH; i++)
        dbk_wr_destroy (&a->bufs[i]);
    free (a->note);
    a->note = NULL;
}

/*  Append one batch of 1..batch events (at most `left`) to a random stream
    with its exact expected version. Returns 0 or a DBK code. */
static int s_append_batch (s_appender_t *a, uint64_t left)
{
    if (!a->client) {
        a->client = dbk_client_new (a->endpoint, 10000);
        a->note = malloc (a->note_size + 1);
        if (!a->client || !a->note)
            return DBK_ENOMEM;
        memset (a->note, 'x', a->note_size);
        a->note[a->note_size] = 0;
        for (int i = 0; i < S_BATCH; i++)
            if (!(a->bufs[i] = dbk_wr_new ()))
                return DBK_ENOMEM;
    }
    int s = (int) (rand_r (&a->seed) % (unsigned) a->nstreams);
    uint64_t n = 1 + rand_r (&a->seed) % (unsigned) a->batch;
    if (left && n > left)
        n = left;
    dbk_event_t evs[S_BATCH];
    for (uint64_t i = 0; i < n; i++)
        tl_event (&evs[i], S_TYPE, a->ver[s] + 1 + i, a->note, a->bufs[i]);
    char stream[64];
    snprintf (stream, sizeof stream, "account-t%ds%d", a->thread, s);
    uint64_t last_ver = 0;
    int rc =
        dbk_client_append (a->client, stream, (int64_t) a->ver[s], evs, n, NULL, NULL, &last_ver);
    if (rc) {
        snprintf (a->errmsg, sizeof a->errmsg, "%s: %s", dbk_strerror (rc),
                  dbk_client_errmsg (a->client));
        return rc;
    }
    if (last_ver != a->ver[s] + n)
        return DBK_ECORRUPT;
    a->ver[s] = last_ver;
    a->appended += n;
    return 0;
}

static void *s_appender_run (void *arg)
{
    s_appender_t *a = arg;
    while (!a->rc && (a->count == 0 || a->appended < a->count) &&
           !(a->stop && atomic_load (a->stop)))
        a->rc = s_append_batch (a, a->count ? a->count - a->appended : 0);
    return NULL;
}

/*  Run n appenders to completion on threads. */
static void s_append_parallel (s_appender_t *a, int n)
{
    pthread_t th[S_THREADS];
    for (int i = 0; i < n; i++)
        cr_assert_eq (pthread_create (&th[i], NULL, s_appender_run, &a[i]), 0);
    for (int i = 0; i < n; i++) {
        pthread_join (th[i], NULL);
        cr_assert_eq (a[i].rc, 0, "appender %d: %s", i, a[i].errmsg);
    }
}

/*  ---- the checker: every delivered event is the next one ---- */

typedef struct {
    uint64_t pos;                           /* seq of the last event checked */
    bool chained;                           /* hash is the last record's     */
    uint8_t hash[DBK_HASH_SIZE];            /* hash of the last record        */
    bool from_start;                        /* every stream seen from ver 1   */
    uint64_t ver[S_THREADS + 1][S_STREAMS]; /* last version seen per stream   */
} s_check_t;

static void s_check_init (s_check_t *ck, uint64_t after)
{
    memset (ck, 0, sizeof *ck);
    ck->pos = after;
    ck->from_start = after == 0;
}

static void s_check (s_check_t *ck, dbk_sub_t *sub, const dbk_event_t *ev)
{
    S_CHECK (ev->seq == ck->pos + 1, "delivered seq %llu after %llu (gap or duplicate)",
             (unsigned long long) ev->seq, (unsigned long long) ck->pos);
    S_CHECK (dbk_sub_position (sub) == ev->seq, "position %llu after delivering %llu",
             (unsigned long long) dbk_sub_position (sub), (unsigned long long) ev->seq);

    /*  the raw record decodes again to the same event, and chains on */
    const uint8_t *rec;
    size_t len;
    dbk_sub_record (sub, &rec, &len);
    S_CHECK (rec && len > 0, "no record bytes for seq %llu", (unsigned long long) ev->seq);
    dbk_event_t again;
    S_CHECK (dbk_event_decode_record (rec, len, &again) == 0, "record %llu does not decode",
             (unsigned long long) ev->seq);
    S_CHECK (again.seq == ev->seq, "record bytes are not those of seq %llu",
             (unsigned long long) ev->seq);
    if (ck->chained)
        S_CHECK (dbk_event_check_record (rec, len, ck->hash) == 0,
                 "seq %llu does not chain on the event delivered before it",
                 (unsigned long long) ev->seq);
    memcpy (ck->hash, ev->hash, DBK_HASH_SIZE);
    ck->chained = true;

    /*  the next version of its stream, with its payload intact */
    S_CHECK (ev->type_len == strlen (S_TYPE) && memcmp (ev->type, S_TYPE, ev->type_len) == 0,
             "seq %llu has type %.*s", (unsigned long long) ev->seq, (int) ev->type_len, ev->type);
    char stream[64];
    int t, s;
    S_CHECK (ev->stream_len < sizeof stream, "stream name too long");
    memcpy (stream, ev->stream, ev->stream_len);
    stream[ev->stream_len] = 0;
    S_CHECK (sscanf (stream, "account-t%ds%d", &t, &s) == 2 && t >= 0 && t <= S_THREADS && s >= 0 &&
                 s < S_STREAMS,
             "unexpected stream %s", stream);
    uint64_t *ver = &ck->ver[t][s];
    S_CHECK ((!ck->from_start && *ver == 0) || ev->ver == *ver + 1,
             "seq %llu is version %llu of %s after version %llu", (unsigned long long) ev->seq,
             (unsigned long long) ev->ver, stream, (unsigned long long) *ver);
    *ver = ev->ver;
    dbk_doc_t *doc = NULL;
    uint64_t n = 0;
    S_CHECK (dbk_doc_parse (ev->data_raw, ev->data_raw_len, &doc) == 0 &&
                 dbk_obj_u64 (dbk_obj_get (dbk_doc_root (doc), "n"), &n) == 0,
             "payload of seq %llu does not decode", (unsigned long long) ev->seq);
    dbk_doc_destroy (&doc);
    S_CHECK (n == ev->ver, "payload of seq %llu says n=%llu, version is %llu",
             (unsigned long long) ev->seq, (unsigned long long) n, (unsigned long long) ev->ver);
    ck->pos = ev->seq;
}

/*  Deliver and check events until the position reaches `head`, each within
    timeout_ms. */
static void s_consume_to (s_check_t *ck, dbk_sub_t *sub, uint64_t head, int timeout_ms)
{
    while (ck->pos < head) {
        dbk_event_t ev;
        int rc = dbk_sub_next (sub, &ev, timeout_ms);
        S_CHECK (rc == 0, "at seq %llu of %llu: dbk_sub_next: %s", (unsigned long long) ck->pos,
                 (unsigned long long) head, dbk_strerror (rc));
        s_check (ck, sub, &ev);
    }
}

/*  Caught up: nothing more comes (no duplicate, nothing past the head). */
static void s_assert_quiet (dbk_sub_t *sub, int timeout_ms)
{
    dbk_event_t ev;
    int rc = dbk_sub_next (sub, &ev, timeout_ms);
    cr_assert_eq (rc, DBK_ETIMEOUT, "expected nothing more, got %s (seq %llu)",
                  rc ? dbk_strerror (rc) : "an event", (unsigned long long) (rc ? 0 : ev.seq));
}

static uint64_t s_head (const tl_log_t *log)
{
    dbk_client_t *c = dbk_client_new (log->log_ep, 5000);
    cr_assert_not_null (c);
    int64_t head = tl_head (c);
    dbk_client_destroy (&c);
    cr_assert_geq (head, 0, "STATUS failed");
    return (uint64_t) head;
}

static dbk_sub_t *s_sub_new (const tl_log_t *log, uint64_t after, int rcvhwm, uint32_t page,
                             int timeout_ms)
{
    dbk_subcfg_t cfg = {.log_endpoint = log->log_ep,
                        .pub_endpoint = log->pub_ep,
                        .after = after,
                        .timeout_ms = timeout_ms,
                        .rcvhwm = rcvhwm,
                        .page = page};
    dbk_sub_t *sub = dbk_sub_new (&cfg);
    cr_assert_not_null (sub);
    return sub;
}

/*  ---- 1. catch-up, then live, with appenders running ---- */

Test (subscriber, catch_up_then_live_while_appending_delivers_every_seq_once_in_order,
      .fini = s_fini)
{
    const char *env[] = {"DEALBOOK_HEARTBEAT_MS=100", "DEALBOOK_DURABLE=0", NULL};
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, true, env), 0);

    /*  Given a log pre-filled by four concurrent clients */
    s_appender_t pre[4];
    for (int i = 0; i < 4; i++)
        s_appender_init (&pre[i], log->log_ep, i, 8, 1000, 20, 16);
    s_append_parallel (pre, 4);
    uint64_t prefilled = s_head (log);
    cr_assert_eq (prefilled, 4000);

    /*  When a subscriber starts from 0 while three more clients append
        (they go on until the subscriber has taken a good share of events
        live from PUB, so both paths surely run) */
    atomic_bool stop = false;
    s_appender_t live[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        s_appender_init (&live[i], log->log_ep, 4 + i, 8, 20000, 10, 16);
        live[i].stop = &stop;
        cr_assert_eq (pthread_create (&th[i], NULL, s_appender_run, &live[i]), 0);
    }
    dbk_sub_t *sub = s_sub_new (log, 0, 0, 256, 5000);
    s_check_t ck;
    s_check_init (&ck, 0);
    dbk_sub_stats_t st;
    bool running = true;
    while (running) {
        dbk_event_t ev;
        int rc = dbk_sub_next (sub, &ev, 5000);
        S_CHECK (rc == 0, "at seq %llu: %s", (unsigned long long) ck.pos, dbk_strerror (rc));
        s_check (&ck, sub, &ev);
        dbk_sub_stats (sub, &st);
        running = st.from_pub < 2000;
        for (int i = 0; i < 3; i++)
            running = running && live[i].appended < live[i].count && !live[i].rc;
    }
    atomic_store (&stop, true);
    for (int i = 0; i < 3; i++) {
        pthread_join (th[i], NULL);
        cr_assert_eq (live[i].rc, 0, "appender %d: %s", i, live[i].errmsg);
    }

    /*  Then, once the appenders stopped, it has delivered exactly 1..head */
    uint64_t head = s_head (log);
    uint64_t total = prefilled;
    for (int i = 0; i < 3; i++)
        total += live[i].appended;
    cr_assert_eq (head, total);
    s_consume_to (&ck, sub, head, 5000);
    s_assert_quiet (sub, 300);
    dbk_sub_stats (sub, &st);
    cr_assert_eq (st.delivered, head);
    cr_assert_gt (st.reads, 1, "catch-up took more than one page");
    cr_assert_gt (st.from_pub, 0, "live events came from PUB");
    cr_assert_gt (head - prefilled, 0);
    /*  each stream's last version is what its appender was told */
    for (int i = 0; i < 4; i++)
        for (int s = 0; s < 8; s++)
            cr_assert_eq (ck.ver[i][s], pre[i].ver[s]);
    for (int i = 0; i < 3; i++)
        for (int s = 0; s < 8; s++)
            cr_assert_eq (ck.ver[4 + i][s], live[i].ver[s]);

    dbk_sub_destroy (&sub);
    for (int i = 0; i < 4; i++)
        s_appender_fini (&pre[i]);
    for (int i = 0; i < 3; i++)
        s_appender_fini (&live[i]);
}

Test (subscriber, starting_from_a_checkpoint_delivers_from_the_next_seq, .fini = s_fini)
{
    const char *env[] = {"DEALBOOK_HEARTBEAT_MS=100", "DEALBOOK_DURABLE=0", NULL};
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, false, env), 0);
    s_appender_t pre[2];
    for (int i = 0; i < 2; i++)
        s_appender_init (&pre[i], log->log_ep, i, 4, 1500, 20, 16);
    s_append_parallel (pre, 2);

    /*  Given a checkpoint in the middle of the log, with appends going on */
    uint64_t after = 1234;
    s_appender_t more;
    s_appender_init (&more, log->log_ep, 2, 4, 1000, 5, 16);
    pthread_t th;
    cr_assert_eq (pthread_create (&th, NULL, s_appender_run, &more), 0);

    /*  When a subscriber starts from it */
    dbk_sub_t *sub = s_sub_new (log, after, 0, 100, 5000);
    cr_assert_eq (dbk_sub_position (sub), after);
    dbk_event_t ev;
    cr_assert_eq (dbk_sub_next (sub, &ev, 5000), 0);

    /*  Then the first event is checkpoint + 1, and the rest follow */
    cr_assert_eq (ev.seq, after + 1);
    s_check_t ck;
    s_check_init (&ck, after);
    s_check (&ck, sub, &ev);
    pthread_join (th, NULL);
    cr_assert_eq (more.rc, 0, "%s", more.errmsg);
    uint64_t head = s_head (log);
    cr_assert_eq (head, 4000);
    s_consume_to (&ck, sub, head, 5000);
    s_assert_quiet (sub, 300);
    dbk_sub_stats_t st;
    dbk_sub_stats (sub, &st);
    cr_assert_eq (st.delivered, head - after);

    dbk_sub_destroy (&sub);
    for (int i = 0; i < 2; i++)
        s_appender_fini (&pre[i]);
    s_appender_fini (&more);
}

/*  ---- 2. gaps from PUB high-water-mark drops ---- */

/*  The work a slow consumer does per event: hash its record `rounds`
    times over. Returns a byte of the result so it is not optimised away. */
static uint8_t s_work (dbk_sub_t *sub, int rounds)
{
    const uint8_t *rec;
    size_t len;
    dbk_sub_record (sub, &rec, &len);
    uint8_t h[32] = {0};
    for (int i = 0; i < rounds; i++) {
        crypto_generichash_state st;
        crypto_generichash_init (&st, NULL, 0, sizeof h);
        crypto_generichash_update (&st, h, sizeof h);
        crypto_generichash_update (&st, rec, len);
        crypto_generichash_final (&st, h, sizeof h);
    }
    return h[0];
}

/*  Append single events until the subscriber has received one live from
    PUB: its SUB connection is up and subscribed. */
static void s_settle (dbk_sub_t *sub, s_check_t *ck, s_appender_t *a)
{
    dbk_sub_stats_t st = {0};
    for (int i = 0; i < 100 && st.from_pub == 0; i++) {
        cr_assert_eq (s_append_batch (a, 1), 0, "%s", a->errmsg);
        s_consume_to (ck, sub, ck->pos + 1, 5000);
        dbk_sub_stats (sub, &st);
    }
    cr_assert_gt (st.from_pub, 0, "the SUB socket never received an event");
}

/*  s_settle for a log without heartbeats: a missed event shows only when
    the next one comes, so append single events, each followed by a short
    wait, until one came from PUB. */
static void s_settle_without_heartbeat (dbk_sub_t *sub, s_check_t *ck, s_appender_t *a)
{
    dbk_sub_stats_t st;
    dbk_sub_stats (sub, &st);
    uint64_t from_pub = st.from_pub;
    for (int i = 0; i < 100 && st.from_pub == from_pub; i++) {
        cr_assert_eq (s_append_batch (a, 1), 0, "%s", a->errmsg);
        dbk_event_t ev;
        int rc;
        while ((rc = dbk_sub_next (sub, &ev, 200)) == 0)
            s_check (ck, sub, &ev);
        cr_assert_eq (rc, DBK_ETIMEOUT, "%s", dbk_strerror (rc));
        dbk_sub_stats (sub, &st);
    }
    cr_assert_gt (st.from_pub, from_pub, "the SUB socket received no event");
}

Test (subscriber, gaps_from_pub_hwm_drops_are_repaired_in_order, .fini = s_fini)
{
    /*  heartbeats far apart: every gap counted here is seen by a seq
        jumping ahead in the live stream, not by a heartbeat */
    const char *env[] = {"DEALBOOK_PUB_HWM=2", "DEALBOOK_HEARTBEAT_MS=600000", "DEALBOOK_DURABLE=0",
                         NULL};
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, false, env), 0);
    dbk_sub_t *sub = s_sub_new (log, 0, 1, 64, 5000);
    s_check_t ck;
    s_check_init (&ck, 0);
    s_appender_t nudge;
    s_appender_init (&nudge, log->log_ep, S_THREADS, 1, 0, 1, 16);

    /*  Given a subscriber that receives live events (rcvhwm 1, log PUB hwm 2) */
    s_settle_without_heartbeat (sub, &ck, &nudge);
    dbk_sub_stats_t st;
    dbk_sub_stats (sub, &st);

    /*  When bursts are appended faster than the subscriber consumes (it
        hashes each record `rounds` times), until the PUB dropped some */
    uint64_t burst = 4000;
    int rounds = 50;
    uint8_t sink = 0;
    const uint64_t settled_gaps = st.gaps;
    for (int attempt = 0; attempt < 4 && st.gaps == settled_gaps; attempt++) {
        uint64_t target = s_head (log) + burst;
        s_appender_t a[2];
        pthread_t th[2];
        for (int i = 0; i < 2; i++) {
            s_appender_init (&a[i], log->log_ep, i, 4, burst / 2, S_BATCH, 200);
            for (int s = 0; s < 4; s++)
                a[i].ver[s] = ck.ver[i][s];
            a[i].seed += (unsigned) attempt * 1000;
            cr_assert_eq (pthread_create (&th[i], NULL, s_appender_run, &a[i]), 0);
        }
        int idle = 0;
        while (ck.pos < target) {
            dbk_event_t ev;
            int rc = dbk_sub_next (sub, &ev, 1000);
            if (rc == DBK_ETIMEOUT) {
                /*  the tail of the burst was dropped and no heartbeat is
                    coming: one more event reveals the gap */
                cr_assert_lt (++idle, 20, "stuck at seq %llu", (unsigned long long) ck.pos);
                cr_assert_eq (s_append_batch (&nudge, 1), 0, "%s", nudge.errmsg);
                target++;
                continue;
            }
            S_CHECK (rc == 0, "at seq %llu: %s", (unsigned long long) ck.pos, dbk_strerror (rc));
            s_check (&ck, sub, &ev);
            sink ^= s_work (sub, rounds);
        }
        for (int i = 0; i < 2; i++) {
            pthread_join (th[i], NULL);
            cr_assert_eq (a[i].rc, 0, "appender %d: %s", i, a[i].errmsg);
            s_appender_fini (&a[i]);
        }
        dbk_sub_stats (sub, &st);
        cr_log_info ("burst %llu, %d rounds: %llu gaps, %llu of %llu from PUB (sink %u)",
                     (unsigned long long) burst, rounds, (unsigned long long) st.gaps,
                     (unsigned long long) st.from_pub, (unsigned long long) st.delivered, sink);
        burst *= 2;
        rounds *= 2;
    }

    /*  Then gaps were detected and repaired, every seq came once, in
        order, and the subscriber went back to taking events live */
    s_settle_without_heartbeat (sub, &ck, &nudge);
    uint64_t head = s_head (log);
    s_consume_to (&ck, sub, head, 5000);
    s_assert_quiet (sub, 300);
    dbk_sub_stats (sub, &st);
    cr_assert_gt (st.gaps, settled_gaps, "no PUB drop was provoked: the repair path did not run");
    cr_assert_geq (st.reads, 2, "gaps were repaired by READ");
    cr_assert_eq (st.delivered, head);
    cr_assert_lt (st.from_pub, st.delivered, "some events came by READ");

    dbk_sub_destroy (&sub);
    s_appender_fini (&nudge);
}

/*  ---- 3. heartbeat-driven repair ---- */

Test (subscriber, a_heartbeat_reveals_missed_events_when_nothing_follows_them, .fini = s_fini)
{
    const char *env[] = {"DEALBOOK_HEARTBEAT_MS=100", "DEALBOOK_DURABLE=0", NULL};
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, false, env), 0);
    dbk_sub_t *sub = s_sub_new (log, 0, 0, 16, 5000);
    s_check_t ck;
    s_check_init (&ck, 0);
    s_appender_t a;
    s_appender_init (&a, log->log_ep, 0, 4, 0, 10, 16);

    /*  Given a subscriber that follows the live stream */
    s_settle (sub, &ck, &a);

    for (int round = 0; round < 2; round++) {
        /*  When events are published while its SUB connection is down (as
            before a connection has settled, or across a network cut), and
            no further event comes after them to reveal the gap. The
            disconnect is deterministic: libzmq reads nothing more from the
            terminated pipe. STATUS is answered only after the commit's
            events were handed to PUB, so they are gone when it reconnects. */
        zsock_t *s = dbk_sub_socket (sub);
        cr_assert_eq (zsock_disconnect (s, "%s", log->pub_ep), 0);
        uint64_t target = a.appended + 50;
        while (a.appended < target)
            cr_assert_eq (s_append_batch (&a, target - a.appended), 0, "%s", a.errmsg);
        uint64_t head = s_head (log);
        cr_assert_gt (head, ck.pos);
        cr_assert_eq (zsock_connect (s, "%s", log->pub_ep), 0);

        /*  Then a heartbeat's head makes it READ them, within a bounded wait */
        dbk_sub_stats_t before, st;
        dbk_sub_stats (sub, &before);
        int64_t t0 = zclock_mono ();
        s_consume_to (&ck, sub, head, 3000);
        int64_t took = zclock_mono () - t0;
        dbk_sub_stats (sub, &st);
        cr_log_info ("round %d: %llu events repaired in %lld ms", round,
                     (unsigned long long) (st.delivered - before.delivered), (long long) took);
        cr_assert_lt (took, 3000);
        cr_assert_gt (st.gaps, before.gaps, "the heartbeat revealed a gap");
        cr_assert_gt (st.reads, before.reads, "the gap was read");
        cr_assert_eq (st.from_pub, before.from_pub, "none of them came live");
        s_assert_quiet (sub, 300);

        /*  and the live stream goes on after it */
        s_settle (sub, &ck, &a);
    }
    cr_assert_eq (dbk_sub_position (sub), s_head (log));

    dbk_sub_destroy (&sub);
    s_appender_fini (&a);
}

/*  ---- 4. a read model's checkpoint across kill -9 ---- */

typedef struct {
    pid_t pid; /* the sub_model process       */
    int out;   /* read end of its stdout pipe */
} s_model_t;

static void s_model_spawn (s_model_t *m, const char *bin, const char *dir, const tl_log_t *log,
                           uint64_t target, int batch, int pause_after, const char *errpath)
{
    int fds[2];
    cr_assert_eq (pipe2 (fds, O_CLOEXEC), 0);
    char tgt[32], bat[16], pau[16];
    snprintf (tgt, sizeof tgt, "%llu", (unsigned long long) target);
    snprintf (bat, sizeof bat, "%d", batch);
    snprintf (pau, sizeof pau, "%d", pause_after);
    pid_t pid = fork ();
    cr_assert_geq (pid, 0);
    if (pid == 0) {
        int fd = open (errpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0)
            dup2 (fd, 2);
        dup2 (fds[1], 1);
        execl (bin, bin, dir, log->log_ep, log->pub_ep, tgt, bat, pau, (char *) NULL);
        _exit (127);
    }
    close (fds[1]);
    m->pid = s_model_pid = pid;
    m->out = fds[0];
}

/*  Read the model's progress until it reported at least `commits` commits
    (-1: until it closes stdout). Returns the commits seen, or -1 if
    nothing came for timeout_ms. */
static int s_model_progress (s_model_t *m, int commits, int timeout_ms)
{
    int seen = 0;
    char buf[256];
    while (commits < 0 || seen < commits) {
        struct pollfd p = {.fd = m->out, .events = POLLIN};
        int n = poll (&p, 1, timeout_ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        ssize_t r = read (m->out, buf, sizeof buf);
        if (r <= 0)
            break; /* it exited */
        for (ssize_t i = 0; i < r; i++)
            seen += buf[i] == '\n';
    }
    return seen;
}

/*  Wait for the model to end; its wait status. */
static int s_model_reap (s_model_t *m)
{
    int status = 0;
    cr_assert_eq (waitpid (m->pid, &status, 0), m->pid);
    s_model_pid = 0;
    close (m->out);
    m->out = -1;
    return status;
}

static uint64_t s_model_u64 (MDB_txn *txn, MDB_dbi dbi, const char *key, size_t klen)
{
    MDB_val k = {klen, (void *) key}, v;
    int rc = mdb_get (txn, dbi, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    cr_assert_eq (rc, 0);
    cr_assert_eq (v.mv_size, 8);
    return dbk_be64_get (v.mv_data);
}

Test (subscriber, read_model_checkpoint_is_atomic_across_kill9, .fini = s_fini)
{
    const char *env[] = {"DEALBOOK_HEARTBEAT_MS=100", "DEALBOOK_DURABLE=0", NULL};
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, false, env), 0);
    char *bin = tl_helper ("sub_model");
    cr_assert (access (bin, X_OK) == 0, "%s is not built", bin);
    char *dir, *errpath;
    cr_assert_geq (asprintf (&dir, "%s/model", log->dir), 0);
    cr_assert_geq (asprintf (&errpath, "%s/model.stderr", log->dir), 0);
    unsigned seed = (unsigned) time (NULL) ^ (unsigned) getpid ();
    cr_log_info ("seed %u", seed);

    /*  Given a known set of events: half of them appended before the
        model first starts (so that it has work to be killed in the middle
        of), the other half while it runs */
    const uint64_t total = 4000;
    s_appender_t a;
    s_appender_init (&a, log->log_ep, 0, 12, total / 2, 10, 16);
    s_appender_run (&a);
    cr_assert_eq (a.rc, 0, "%s", a.errmsg);
    a.count = total;
    pthread_t th;
    cr_assert_eq (pthread_create (&th, NULL, s_appender_run, &a), 0);

    /*  When the model is killed with SIGKILL at random points of its
        progress (0..0.2 ms after its 0..19th commit of 1..8 events each) and
        restarted each time. It pauses after 20 more commits if the kill
        has not come by then, so 12 runs apply at most 12 * 39 * 8 = 3744
        events: it cannot finish before the last kill. */
    int kills = 0;
    for (int i = 0; i < 12; i++) {
        s_model_t m;
        int batch = 1 + (int) (rand_r (&seed) % 8);
        int after = (int) (rand_r (&seed) % 20);
        s_model_spawn (&m, bin, dir, log, total, batch, after + 20, errpath);
        int seen = s_model_progress (&m, after, 30000);
        cr_assert_geq (seen, 0, "the model made no progress for 30 s (seed %u, see %s)", seed,
                       errpath);
        /*  not waiting for anything: a random point within its next few
            transactions, so the kill may land inside a commit */
        struct timespec ts = {0, (long) (rand_r (&seed) % 200) * 1000};
        nanosleep (&ts, NULL);
        kill (m.pid, SIGKILL);
        int status = s_model_reap (&m);
        if (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL)
            kills++;
        else
            cr_assert_fail ("the model ended by itself (status %d) before kill %d (seed %u)",
                            status, i, seed);
    }
    pthread_join (th, NULL);
    cr_assert_eq (a.rc, 0, "%s", a.errmsg);
    cr_assert_eq (s_head (log), total);

    /*  and finally let it run to the head */
    s_model_t m;
    s_model_spawn (&m, bin, dir, log, total, 1 + (int) (rand_r (&seed) % 8), 0, errpath);
    cr_assert_geq (s_model_progress (&m, -1, 30000), 0, "the model did not finish (see %s)",
                   errpath);
    int status = s_model_reap (&m);
    cr_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0,
               "the model failed (status %d, see %s)", status, errpath);
    cr_assert_eq (kills, 12);

    /*  Then its LMDB holds each event applied exactly once */
    MDB_env *menv = NULL;
    cr_assert_eq (dbk_lmdb_open (&menv, dir, 64u << 20, 4, false), 0);
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq (mdb_txn_begin (menv, NULL, MDB_RDONLY, &txn), 0);
    cr_assert_eq (mdb_dbi_open (txn, "model", 0, &dbi), 0);
    uint64_t cp;
    cr_assert_eq (dbk_checkpoint_get (txn, dbi, &cp), 0);
    cr_assert_eq (cp, total, "checkpoint");
    cr_assert_eq (s_model_u64 (txn, dbi, "total", 5), total, "total applied (seed %u)", seed);
    for (int s = 0; s < 12; s++) {
        char key[64];
        int klen = snprintf (key, sizeof key, "s:account-t0s%d", s);
        cr_assert_eq (s_model_u64 (txn, dbi, key, (size_t) klen), a.ver[s],
                      "stream %s: counter vs version (seed %u)", key + 2, seed);
    }
    mdb_txn_abort (txn);
    mdb_env_close (menv);
    free (bin);
    free (dir);
    free (errpath);
    s_appender_fini (&a);
}

/*  ---- 5. the log restarts under its subscribers ---- */

/*  While the log is down, dbk_sub_next answers with a code, in bounded time. */
static void s_assert_fails_in_time (dbk_sub_t *sub, int timeout_ms, int read_timeout_ms)
{
    dbk_event_t ev;
    int64_t t0 = zclock_mono ();
    int rc = dbk_sub_next (sub, &ev, timeout_ms);
    int64_t took = zclock_mono () - t0;
    cr_assert_neq (rc, 0, "an event while the log is down");
    cr_assert_lt (took, timeout_ms + read_timeout_ms + 1000, "dbk_sub_next took %lld ms",
                  (long long) took);
}

Test (subscriber, survives_log_restarts_without_gap_or_duplicate, .fini = s_fini)
{
    const char *env[] = {"DEALBOOK_HEARTBEAT_MS=100", NULL};
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, true, env), 0);
    const int read_timeout = 500;
    dbk_sub_t *sub = s_sub_new (log, 0, 0, 100, read_timeout);
    s_check_t ck;
    s_check_init (&ck, 0);
    s_appender_t a;
    s_appender_init (&a, log->log_ep, 0, 4, 0, 20, 16);

    /*  Given a subscriber that followed 300 events */
    while (a.appended < 300)
        cr_assert_eq (s_append_batch (&a, 300 - a.appended), 0, "%s", a.errmsg);
    s_consume_to (&ck, sub, 300, 5000);

    dbk_sub_t *late = NULL;
    s_check_t late_ck;
    s_check_init (&late_ck, 0);
    for (int round = 0; round < 2; round++) {
        /*  When the log stops (cleanly, then with SIGKILL) */
        if (round == 0)
            tl_log_stop (log);
        else
            tl_log_kill9 (log);

        /*  Then next answers with a code in bounded time, for a caught-up
            subscriber (nothing comes) and for one that must READ */
        s_assert_fails_in_time (sub, 300, read_timeout);
        if (!late)
            late = s_sub_new (log, 0, 0, 100, read_timeout);
        dbk_event_t ev;
        int64_t t0 = zclock_mono ();
        cr_assert_eq (dbk_sub_next (late, &ev, 300), round == 0 ? DBK_EIO : DBK_ETIMEOUT);
        cr_assert_lt (zclock_mono () - t0, 300 + read_timeout + 1000);

        /*  and once the log is back and more is appended, both go on
            from where they were, with no gap and no duplicate */
        cr_assert_eq (tl_log_restart (log, env), 0);
        uint64_t target = a.appended + 300;
        while (a.appended < target)
            cr_assert_eq (s_append_batch (&a, target - a.appended), 0, "%s", a.errmsg);
        cr_assert_eq (s_head (log), target);
        s_consume_to (&ck, sub, target, 5000);
        s_consume_to (&late_ck, late, target, 5000);
        s_assert_quiet (sub, 300);
        s_assert_quiet (late, 300);
    }
    dbk_sub_stats_t st;
    dbk_sub_stats (sub, &st);
    cr_assert_eq (st.delivered, 900);
    dbk_sub_stats (late, &st);
    cr_assert_eq (st.delivered, 900);

    dbk_sub_destroy (&sub);
    dbk_sub_destroy (&late);
    s_appender_fini (&a);
}

/*  ---- 6. retries while the log is down ---- */

/*  READ requests the log answered since it started (STATUS counters). */
static uint64_t s_reads_served (const tl_log_t *log)
{
    dbk_client_t *c = dbk_client_new (log->log_ep, 5000);
    cr_assert_not_null (c);
    dbk_client_begin (c, "STATUS", 0);
    dbk_doc_t *reply = NULL;
    cr_assert_eq (dbk_client_call (c, &reply), 0);
    uint64_t reads = 0;
    cr_assert_eq (
        dbk_obj_u64 (dbk_obj_get (dbk_obj_get (dbk_doc_root (reply), "counters"), "reads"), &reads),
        0);
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    return reads;
}

Test (subscriber, reads_retried_while_the_log_is_down_do_not_pile_up, .fini = s_fini)
{
    const char *env[] = {"DEALBOOK_HEARTBEAT_MS=100", "DEALBOOK_DURABLE=0", NULL};
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, false, env), 0);
    s_appender_t a;
    s_appender_init (&a, log->log_ep, 0, 4, 100, 20, 16);
    while (a.appended < a.count)
        cr_assert_eq (s_append_batch (&a, a.count - a.appended), 0, "%s", a.errmsg);

    /*  Given a subscriber that retries its READ while the log is down */
    dbk_sub_t *sub = s_sub_new (log, 0, 0, 1000, 100);
    tl_log_stop (log);
    dbk_event_t ev;
    for (int i = 0; i < 10; i++)
        cr_assert_eq (dbk_sub_next (sub, &ev, 0), DBK_EIO);

    /*  When the log is back */
    cr_assert_eq (tl_log_restart (log, env), 0);
    s_check_t ck;
    s_check_init (&ck, 0);
    s_consume_to (&ck, sub, 100, 5000);

    /*  Then the log did not have to answer the requests that timed out */
    uint64_t served = s_reads_served (log);
    cr_log_info ("%llu READs served after the restart", (unsigned long long) served);
    cr_assert_leq (served, 2, "%llu READs served for one subscriber's catch-up",
                   (unsigned long long) served);

    dbk_sub_destroy (&sub);
    s_appender_fini (&a);
}

/*  ---- 8. a log behind the checkpoint is reported, not trusted ---- */

Test (subscriber, a_log_behind_the_checkpoint_is_reported_as_corrupt, .fini = s_fini)
{
    /*  Given a log of 10 events (as if restored from an older backup) */
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, false, NULL), 0);
    s_appender_t a;
    s_appender_init (&a, log->log_ep, 0, 1, 10, 1, 16);
    s_append_parallel (&a, 1);
    cr_assert_eq (s_head (log), 10);

    /*  When a read model whose checkpoint is 1000 subscribes */
    dbk_sub_t *sub = s_sub_new (log, 1000, 0, 100, 5000);
    dbk_event_t ev;

    /*  Then it is told, instead of silently dropping seqs 11..1000 later */
    cr_assert_eq (dbk_sub_next (sub, &ev, 2000), DBK_ECORRUPT);
    dbk_sub_destroy (&sub);
    s_appender_fini (&a);
}
