/*  subscriber_given.h - what the subscriber suites share
    (test_subscriber.c, test_subscriber_recovery.c): the test's log and
    read model stopped by s_fini, appenders that own their streams, and the
    checker that every delivered event is the next one. Header-only
    (static inline) because the Makefile links tests/support/testlib.c
    only.

    Every event the appenders write carries {"n": its stream version}, and
    each appender owns its streams (account-t<thread>s<index>), so the
    checker can tell, for each delivered event, that it is the next seq,
    the next version of its stream, that its record still decodes and
    that its prev hash is the hash of the event delivered before it.
*/
#ifndef SUBSCRIBER_GIVEN_H
#define SUBSCRIBER_GIVEN_H

#include "testlib.h"

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
static bool s_ahead;      /* s_sub_new: decode pages ahead */

static inline void s_fini (void)
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

static inline void s_appender_init (s_appender_t *a, const char *endpoint, int thread, int nstreams,
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

static inline void s_appender_fini (s_appender_t *a)
{
    dbk_client_destroy (&a->client);
    for (int i = 0; i < S_BATCH; i++)
        dbk_wr_destroy (&a->bufs[i]);
    free (a->note);
    a->note = NULL;
}

/*  Append one batch of 1..batch events (at most `left`) to a random stream
    with its exact expected version. Returns 0 or a DBK code. */
static inline int s_append_batch (s_appender_t *a, uint64_t left)
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

static inline void *s_appender_run (void *arg)
{
    s_appender_t *a = arg;
    while (!a->rc && (a->count == 0 || a->appended < a->count) &&
           !(a->stop && atomic_load (a->stop)))
        a->rc = s_append_batch (a, a->count ? a->count - a->appended : 0);
    return NULL;
}

/*  Run n appenders to completion on threads. */
static inline void s_append_parallel (s_appender_t *a, int n)
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
    uint64_t ahead;                         /* events with a payload unpacked ahead */
} s_check_t;

static inline void s_check_init (s_check_t *ck, uint64_t after)
{
    memset (ck, 0, sizeof *ck);
    ck->pos = after;
    ck->from_start = after == 0;
}

static inline void s_check (s_check_t *ck, dbk_sub_t *sub, const dbk_event_t *ev)
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
    /*  a payload unpacked ahead is the same map */
    uint64_t m = 0;
    S_CHECK (!ev->data || (dbk_obj_u64 (dbk_obj_get (ev->data, "n"), &m) == 0 && m == n),
             "payload of seq %llu unpacked ahead says n=%llu, not %llu",
             (unsigned long long) ev->seq, (unsigned long long) m, (unsigned long long) n);
    ck->ahead += ev->data != NULL;
    S_CHECK (n == ev->ver, "payload of seq %llu says n=%llu, version is %llu",
             (unsigned long long) ev->seq, (unsigned long long) n, (unsigned long long) ev->ver);
    ck->pos = ev->seq;
}

/*  Deliver and check events until the position reaches `head`, each within
    timeout_ms. */
static inline void s_consume_to (s_check_t *ck, dbk_sub_t *sub, uint64_t head, int timeout_ms)
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
static inline void s_assert_quiet (dbk_sub_t *sub, int timeout_ms)
{
    dbk_event_t ev;
    int rc = dbk_sub_next (sub, &ev, timeout_ms);
    cr_assert_eq (rc, DBK_ETIMEOUT, "expected nothing more, got %s (seq %llu)",
                  rc ? dbk_strerror (rc) : "an event", (unsigned long long) (rc ? 0 : ev.seq));
}

static inline uint64_t s_head (const tl_log_t *log)
{
    dbk_client_t *c = dbk_client_new (log->log_ep, 5000);
    cr_assert_not_null (c);
    int64_t head = tl_head (c);
    dbk_client_destroy (&c);
    cr_assert_geq (head, 0, "STATUS failed");
    return (uint64_t) head;
}

static inline dbk_sub_t *s_sub_new (const tl_log_t *log, uint64_t after, int rcvhwm, uint32_t page,
                                    int timeout_ms)
{
    dbk_subcfg_t cfg = {.log_endpoint = log->log_ep,
                        .pub_endpoint = log->pub_ep,
                        .after = after,
                        .timeout_ms = timeout_ms,
                        .rcvhwm = rcvhwm,
                        .page = page,
                        .decode_ahead = s_ahead};
    dbk_sub_t *sub = dbk_sub_new (&cfg);
    cr_assert_not_null (sub);
    return sub;
}

#endif
