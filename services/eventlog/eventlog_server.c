/*  eventlog_server.c - the event log actor: APPEND with group commit,
    READ, STATUS, VERIFY, BACKUP, and the PUB stream with heartbeats.

    The loop is written on zmq_poll rather than zloop because group commit
    needs to decide, after draining the ROUTER, whether to commit now or
    wait a moment for the clients it has just answered: synchronous
    clients tend to split into two groups that alternate commits, and
    waiting (about one commit's time at most) until every client
    acknowledged by the last commit has sent again keeps them in one
    batch (eventlog_linger.h).
*/
#include "eventlog_server.h"
#include "eventlog_append.h"
#include "eventlog_jobs.h"
#include "eventlog_linger.h"
#include "eventlog_read.h"
#include "eventlog_store.h"

#include "dealbook/dbk_config.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_fds.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_logging.h"
#include "dealbook/dbk_proto.h"
#include "dealbook/dbk_sock.h"

#include <errno.h>
#include <stdatomic.h>
#include <sodium.h>
#include <unistd.h>

#define S_MAX_PENDING 4096         /* requests in one group commit             */
#define S_MAX_PENDING_EVENTS 16384 /* events in one group commit           */
/*  memory the waiting APPENDs' parsed requests may hold (dbk_doc_cost): a
    body of tiny elements costs many times its size once unpacked */
#define S_MAX_PENDING_BYTES (64u << 20)
#define S_MAX_JOBS 8      /* verify / backup jobs at once             */
#define S_GROW_RETRIES 40 /* map doublings for one batch              */
/*  The group commit costs an APPEND about one commit's time at most
    (eventlog_linger.h); other requests served meanwhile must not add more
    than that. A READ with a type filter may examine a million records
    (tens of ms) and a client may queue thousands of them: before serving
    a request other than APPEND, the APPENDs that have waited this long
    are committed and answered. */
#define S_APPEND_WAIT_US EVENTLOG_LINGER_MAX_US
/*  One pass of the loop serves requests for at most this long, then
    tends to the actor's pipe, finished jobs, the commit and the
    heartbeat (one client's queue of slow READs must not hold them) */
#define S_PASS_US 20000

typedef struct {
    dbk_actor_t *actor;        /* the job's thread                   */
    dbk_req_t req;             /* request to answer when it is done  */
    _Atomic uint64_t progress; /* records checked so far (the job's) */
    int64_t started;           /* zclock_mono at the start           */
} s_job_t;

typedef struct {
    uint64_t appends;        /* APPEND requests answered ok          */
    uint64_t events;         /* events written                       */
    uint64_t commits;        /* write transactions committed         */
    uint64_t duplicates;     /* idempotent re-appends                */
    uint64_t conflicts;      /* expected-version conflicts           */
    uint64_t rejected;       /* requests refused by validation       */
    uint64_t malformed;      /* frames that were not messages        */
    uint64_t storage_errors; /* commits that failed (disk full, ...) */
    uint64_t reads;          /* READ requests                        */
    uint64_t grown;          /* map doublings                        */
} s_counters_t;

typedef struct {
    zsock_t *pipe;               /* actor pipe                                */
    void *router;                /* requests (libzmq socket)                  */
    void *pub;                   /* live events and heartbeats (same)         */
    dbk_config_t cfg;            /* configuration (a copy)                    */
    dbk_logger_t log;            /* "eventlog"                                */
    eventlog_store_t *store;     /* the log                                   */
    int lock_fd;                 /* holds the log's directory (dbk_dir_lock)  */
    dbk_wr_t *wr;                /* reply writer                              */
    eventlog_append_t **pending; /* APPENDs waiting for the group commit      */
    size_t npending;             /* how many                                  */
    size_t pending_events;       /* their events                              */
    size_t pending_bytes;        /* and the memory their requests hold        */
    int64_t pending_since;       /* zclock_usecs when the first one came      */
    eventlog_linger_t linger;    /* who the group commit waits for          */
    int64_t next_heartbeat;      /* mono ms                                   */
    uint64_t events_at_beat;     /* count.events at the last heartbeat        */
    bool index_warned;           /* the idle write of index entries failed    */
    int64_t started;             /* mono ms at start                          */
    s_job_t jobs[S_MAX_JOBS];    /* running verify / backup jobs             */
    s_counters_t count;          /* statistics                                */
    bool terminated;             /* $TERM received                            */
} self_t;

static void s_self_destroy (self_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    self_t *self = *self_p;
    for (size_t i = 0; i < self->npending; i++)
        eventlog_append_destroy (&self->pending[i]);
    for (int i = 0; i < S_MAX_JOBS; i++)
        if (self->jobs[i].actor) {
            dbk_actor_destroy (&self->jobs[i].actor);
            dbk_req_release (&self->jobs[i].req);
        }
    free (self->pending);
    eventlog_linger_destroy (&self->linger);
    dbk_sock_close (&self->router);
    dbk_sock_close (&self->pub);
    eventlog_store_close (&self->store);
    if (self->lock_fd >= 0)
        close (self->lock_fd); /* after the store's last write */
    dbk_wr_destroy (&self->wr);
    free (self);
    *self_p = NULL;
}

static self_t *s_self_new (zsock_t *pipe, const dbk_config_t *cfg, char *why, size_t whysz)
{
    self_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->pipe = pipe;
    self->cfg = *cfg;
    self->lock_fd = -1;
    dbk_logger_init (&self->log, "eventlog", cfg->log_level);
    self->started = zclock_mono ();
    self->wr = dbk_wr_new ();
    self->pending = calloc (S_MAX_PENDING, sizeof *self->pending);
    if (sodium_init () < 0 || !self->wr || !self->pending ||
        eventlog_linger_init (&self->linger, S_MAX_PENDING)) {
        snprintf (why, whysz, "out of memory");
        s_self_destroy (&self);
        return NULL;
    }
    char dir[1100];
    if (dbk_config_service_dir (cfg, "eventlog", dir, sizeof dir) != 0) {
        snprintf (why, whysz, "data directory name too long");
        s_self_destroy (&self);
        return NULL;
    }
    /*  the only writer, or none: the chain tip and the head live in
        memory, and a second log on this directory would append on a
        stale tip (its sockets are not bound yet) */
    if (dbk_dir_lock (dir, &self->lock_fd, why, whysz) != 0) {
        s_self_destroy (&self);
        return NULL;
    }
    /*  the store's sentence, when it has one, names the file and what is
        wrong with it (a data file cut short) */
    int rc = eventlog_store_open (&self->store, dir, cfg->map_size, cfg->durable, why, whysz);
    if (rc) {
        if (!*why)
            snprintf (why, whysz, "cannot open the log in %s: %s", dir, dbk_strerror (rc));
        s_self_destroy (&self);
        return NULL;
    }
    dbk_sockcfg_t rc_cfg = {.type = ZMQ_ROUTER,
                            .endpoint = cfg->log_endpoint,
                            .bind = true,
                            .rcvhwm = DBK_ROUTER_RCVHWM,
                            .sndhwm = DBK_ROUTER_SNDHWM,
                            .maxmsgsize = 2 * (int64_t) DBK_FRAME_MAX};
    dbk_sockcfg_t pub_cfg = {
        .type = ZMQ_PUB, .endpoint = cfg->pub_endpoint, .bind = true, .sndhwm = cfg->pub_hwm};
    self->router = dbk_sock_open (&rc_cfg);
    if (!self->router) {
        snprintf (why, whysz, "cannot bind %s: %s", cfg->log_endpoint, zmq_strerror (errno));
        s_self_destroy (&self);
        return NULL;
    }
    zsock_set_rcvtimeo (self->router, 0); /* the loop drains it without blocking */
    self->pub = dbk_sock_open (&pub_cfg);
    if (!self->pub) {
        snprintf (why, whysz, "cannot bind %s: %s", cfg->pub_endpoint, zmq_strerror (errno));
        s_self_destroy (&self);
        return NULL;
    }
    self->next_heartbeat = zclock_mono ();
    if (eventlog_store_index_deferred (self->store))
        dbk_logf (&self->log, DBK_LOG_WARNING,
                  "the index entries of the last %llu records wait in memory: %s; the log "
                  "serves, and writes them once there is room",
                  (unsigned long long) eventlog_store_reindexed (self->store),
                  dbk_strerror (eventlog_store_index_deferred (self->store)));
    else if (eventlog_store_reindexed (self->store))
        dbk_logf (&self->log, DBK_LOG_INFO,
                  "indexed the last %llu records again (the log was not stopped cleanly)",
                  (unsigned long long) eventlog_store_reindexed (self->store));
    dbk_logf (&self->log, DBK_LOG_INFO, "serving %s (pub %s), data %s, head %llu%s",
              cfg->log_endpoint, cfg->pub_endpoint, dir,
              (unsigned long long) eventlog_store_head (self->store),
              cfg->durable ? "" : ", NOT DURABLE");
    return self;
}

/*  ---- APPEND: parsed (eventlog_append.c), then queued for the group commit ---- */

static void s_reply_append (self_t *self, eventlog_append_t *a)
{
    dbk_wr_t *w = self->wr;
    if (a->rc == 0) {
        dbk_proto_reply_begin (w, a->req.rid, true, 2);
        dbk_wr_cstr (w, "results");
        dbk_wr_array (w, (uint32_t) a->nb);
        for (size_t i = 0; i < a->nb; i++) {
            dbk_wr_map (w, 6);
            dbk_wr_cstr (w, "stream");
            dbk_wr_str (w, a->batches[i].stream, a->batches[i].stream_len);
            dbk_wr_kv_u64 (w, "first_seq", a->pos[i].first_seq);
            dbk_wr_kv_u64 (w, "last_seq", a->pos[i].last_seq);
            dbk_wr_kv_u64 (w, "first_ver", a->pos[i].first_ver);
            dbk_wr_kv_u64 (w, "last_ver", a->pos[i].last_ver);
            dbk_wr_kv_bool (w, "duplicate", a->pos[i].duplicate);
        }
        dbk_wr_kv_u64 (w, "head", eventlog_store_head (self->store));
        if (a->pos[0].duplicate)
            self->count.duplicates++;
        else
            self->count.appends++;
    } else if (a->rc == DBK_ECONFLICT) {
        const eventlog_batch_t *b = &a->batches[a->bad];
        char want[40], msg[400];
        if (b->expect >= 0)
            snprintf (want, sizeof want, "version %lld", (long long) b->expect);
        else
            snprintf (want, sizeof want, "%s",
                      b->expect == DBK_EXPECT_NONE ? "no stream" : "an existing stream");
        snprintf (msg, sizeof msg, "stream %.*s is at version %llu; the append expected %s",
                  (int) b->stream_len, b->stream, (unsigned long long) a->current, want);
        dbk_proto_error_begin (w, a->req.rid, a->rc, msg, "expect", 2);
        dbk_wr_kv_u64 (w, "current", a->current);
        dbk_wr_cstr (w, "stream");
        dbk_wr_str (w, b->stream, b->stream_len);
        self->count.conflicts++;
    } else if (a->rc == DBK_EIDCONFLICT) {
        dbk_proto_error_begin (w, a->req.rid, a->rc,
                               "event ids are already stored in another stream, or the batch "
                               "mixes stored and new ids",
                               "id", 0);
        self->count.rejected++;
    } else if (a->rc == DBK_ENOSPC) {
        dbk_proto_error_begin (w, a->req.rid, a->rc,
                               "the disk is full: nothing was written; the log is intact and "
                               "still serves reads",
                               NULL, 0);
    } else if (a->rc == DBK_EIO) {
        /*  the group is not in the log, which goes on without it; but a
            write that failed may have reached the disk (protocol.md
            §9.1.7): the events' ids make a retry safe either way */
        dbk_proto_error_begin (w, a->req.rid, a->rc,
                               "DBK_EIO: storage error: the commit failed and the log goes on "
                               "without these events; retry with the same event ids (stored "
                               "once, whether or not the failed write reached the disk)",
                               NULL, 0);
    } else
        dbk_proto_error_begin (w, a->req.rid, a->rc, dbk_strerror (a->rc), NULL, 0);
    dbk_proto_send (self->router, &a->req, w); /* never blocks: ROUTER drops instead */
}

static void s_job_finished (self_t *self, s_job_t *job);

/*  A map resize must not happen under a job's read transaction. */
static void s_wait_for_jobs (self_t *self)
{
    for (int i = 0; i < S_MAX_JOBS; i++)
        if (self->jobs[i].actor)
            s_job_finished (self, &self->jobs[i]);
}

static void s_publish (self_t *self)
{
    void *pub = self->pub;
    size_t n = eventlog_store_published (self->store);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *rec;
        size_t len;
        uint64_t seq;
        const char *type;
        size_t tlen;
        eventlog_store_published_at (self->store, i, &rec, &len);
        if (dbk_event_peek (rec, len, &seq, &type, &tlen))
            continue; /* cannot happen: we just wrote it */
        /*  PUB never blocks: at the high-water mark it drops, and the
            subscriber repairs the gap with READ */
        zmq_send (pub, type, tlen, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        zmq_send (pub, rec, len, ZMQ_DONTWAIT);
    }
}

/*  One write transaction and one durable commit for every APPEND waiting;
    answers only after the commit, then publishes. */
static void s_commit (self_t *self)
{
    if (self->npending == 0)
        return;
    int64_t started = zclock_usecs ();
    int rc = 0;
    for (int attempt = 0; attempt <= S_GROW_RETRIES; attempt++) {
        rc = eventlog_store_begin (self->store);
        for (size_t i = 0; i < self->npending && !rc; i++) {
            eventlog_append_t *a = self->pending[i];
            a->rc = eventlog_store_append (self->store, a->batches, a->nb, a->pos, &a->current,
                                           &a->bad);
            if (a->rc == DBK_EMAPFULL || a->rc == DBK_ENOSPC || a->rc == DBK_EIO ||
                a->rc == DBK_ENOMEM || a->rc == DBK_ECORRUPT)
                rc = a->rc; /* the transaction is lost: all fail or retry */
        }
        if (!rc)
            rc = eventlog_store_commit (self->store);
        else
            eventlog_store_abort (self->store);
        if (rc != DBK_EMAPFULL)
            break;
        s_wait_for_jobs (self);
        rc = eventlog_store_grow (self->store);
        if (rc)
            break;
        self->count.grown++;
        dbk_logf (&self->log, DBK_LOG_INFO, "map full: doubled it");
        rc = DBK_EMAPFULL;
    }
    if (rc) {
        self->count.storage_errors++;
        dbk_logf (&self->log, DBK_LOG_ERROR, "commit of %zu appends failed: %s", self->npending,
                  dbk_strerror (rc));
        for (size_t i = 0; i < self->npending; i++)
            self->pending[i]->rc = rc == DBK_EMAPFULL ? DBK_ENOSPC : rc;
    } else {
        self->count.commits++;
        self->count.events += eventlog_store_published (self->store);
        dbk_logf (&self->log, DBK_LOG_DEBUG,
                  "committed %zu appends, %zu events, head %llu, in %lld us", self->npending,
                  (size_t) eventlog_store_published (self->store),
                  (unsigned long long) eventlog_store_head (self->store),
                  (long long) (zclock_usecs () - started));
    }
    for (size_t i = 0; i < self->npending; i++) {
        self->linger.awaited[i] = self->pending[i]->who;
        s_reply_append (self, self->pending[i]);
        eventlog_append_destroy (&self->pending[i]);
    }
    eventlog_linger_await (&self->linger, self->npending, zclock_usecs () - started);
    self->npending = 0;
    self->pending_events = 0;
    self->pending_bytes = 0;
    if (!rc)
        s_publish (self);
    if (eventlog_store_grow_wanted (self->store)) {
        /*  the records went in, their index entries did not fit */
        s_wait_for_jobs (self);
        if (eventlog_store_grow (self->store) == 0) {
            self->count.grown++;
            dbk_logf (&self->log, DBK_LOG_INFO, "map full for the index entries: doubled it");
        }
    }
}

static void s_handle_append (self_t *self, dbk_req_t *req)
{
    eventlog_append_t *a = calloc (1, sizeof *a);
    if (!a) {
        dbk_proto_send_error (self->router, req, self->wr, DBK_ENOMEM, NULL, NULL);
        return;
    }
    a->req = *req;
    memset (req, 0, sizeof *req); /* the append owns the request now */
    const char *field = NULL;
    char msg[300];
    int rc = eventlog_append_parse (a, &field, msg, sizeof msg);
    if (rc) {
        self->count.rejected++;
        dbk_proto_send_error (self->router, &a->req, self->wr, rc, msg, field);
        eventlog_append_destroy (&a);
        return;
    }
    a->who = eventlog_linger_who (&a->req);
    eventlog_linger_back (&self->linger, a->who);
    size_t cost = dbk_doc_cost (a->req.doc) + dbk_wr_size (a->data);
    if (self->pending_events + a->nevents > S_MAX_PENDING_EVENTS ||
        (self->npending && self->pending_bytes + cost > S_MAX_PENDING_BYTES))
        s_commit (self);
    if (self->npending == 0)
        self->pending_since = zclock_usecs ();
    self->pending[self->npending++] = a;
    self->pending_events += a->nevents;
    self->pending_bytes += cost;
    if (self->npending == S_MAX_PENDING || self->pending_bytes >= S_MAX_PENDING_BYTES)
        s_commit (self);
}

/*  ---- READ ---- */

static void s_handle_read (self_t *self, dbk_req_t *req)
{
    eventlog_read_t rq;
    const char *field = NULL, *msg = NULL;
    eventlog_read_parse (req->root, &rq, &field, &msg);
    if (field) {
        self->count.rejected++;
        dbk_proto_send_error (self->router, req, self->wr, DBK_EINVAL, msg, field);
        return;
    }
    self->count.reads++;
    /*  the records go straight into the reply (no page to copy): the
        array's count, and head and last, once they are known */
    dbk_wr_t *w = self->wr;
    dbk_proto_reply_begin (w, req->rid, true, 3);
    dbk_wr_cstr (w, "events");
    size_t at = dbk_wr_array_begin (w);
    uint32_t count;
    uint64_t last, head;
    eventlog_fault_t fault;
    int rc = eventlog_store_read (self->store, &rq, w, &count, &last, &head, &fault);
    if (rc == DBK_ECORRUPT && fault.why[0]) {
        /*  a stored record or index entry fails its checks: say which,
            rather than answer a page that is wrong */
        dbk_logf (&self->log, DBK_LOG_ERROR, "read failed at seq %llu: %s",
                  (unsigned long long) fault.seq, fault.why);
        dbk_proto_error_begin (w, req->rid, rc, fault.why, NULL, 1);
        dbk_wr_kv_u64 (w, "seq", fault.seq);
        dbk_proto_send (self->router, req, w);
        return;
    }
    if (rc) {
        dbk_logf (&self->log, DBK_LOG_ERROR, "read failed: %s", dbk_strerror (rc));
        dbk_proto_send_error (self->router, req, w, rc, NULL, NULL);
        return;
    }
    dbk_wr_array_end (w, at, count);
    dbk_wr_kv_u64 (w, "head", head);
    dbk_wr_kv_u64 (w, "last", last);
    dbk_proto_send (self->router, req, w);
}

/*  ---- STATUS ---- */

static void s_handle_status (self_t *self, dbk_req_t *req)
{
    eventlog_stats_t st;
    eventlog_store_stats (self->store, &st);
    char hex[2 * DBK_HASH_SIZE + 1] = "";
    if (st.head)
        dbk_hex (st.head_hash, DBK_HASH_SIZE, hex);
    dbk_wr_t *w = self->wr;
    dbk_proto_reply_begin (w, req->rid, true, 13);
    dbk_wr_kv_cstr (w, "service", "eventlog");
    dbk_wr_kv_cstr (w, "version", DBK_VERSION);
    dbk_wr_kv_u64 (w, "uptime_ms", (uint64_t) (zclock_mono () - self->started));
    dbk_wr_kv_u64 (w, "head", st.head);
    dbk_wr_kv_cstr (w, "head_hash", hex);
    dbk_wr_kv_u64 (w, "seq_applied", st.head);
    dbk_wr_kv_u64 (w, "lag", 0);
    dbk_wr_kv_u64 (w, "streams", st.streams);
    dbk_wr_kv_u64 (w, "map_size", st.map_size);
    dbk_wr_kv_u64 (w, "map_used", st.map_used);
    dbk_wr_kv_bool (w, "durable", self->cfg.durable);
    dbk_wr_cstr (w, "counters");
    const s_counters_t *c = &self->count;
    dbk_wr_map (w, 11);
    dbk_wr_kv_u64 (w, "appends", c->appends);
    dbk_wr_kv_u64 (w, "events", c->events);
    dbk_wr_kv_u64 (w, "commits", c->commits);
    dbk_wr_kv_u64 (w, "duplicates", c->duplicates);
    dbk_wr_kv_u64 (w, "conflicts", c->conflicts);
    dbk_wr_kv_u64 (w, "rejected", c->rejected);
    dbk_wr_kv_u64 (w, "malformed", c->malformed);
    dbk_wr_kv_u64 (w, "storage_errors", c->storage_errors);
    dbk_wr_kv_u64 (w, "reads", c->reads);
    dbk_wr_kv_u64 (w, "map_grown", c->grown);
    dbk_wr_kv_u64 (w, "reindexed", eventlog_store_reindexed (self->store));
    /*  the running VERIFY / BACKUP jobs, for a progress line */
    uint32_t njobs = 0;
    for (int i = 0; i < S_MAX_JOBS; i++)
        njobs += self->jobs[i].actor != NULL;
    dbk_wr_cstr (w, "jobs");
    dbk_wr_array (w, njobs);
    for (int i = 0; i < S_MAX_JOBS; i++) {
        const s_job_t *job = &self->jobs[i];
        if (!job->actor)
            continue;
        dbk_wr_map (w, 3);
        dbk_wr_kv_cstr (w, "op", dbk_req_is (&job->req, "BACKUP") ? "BACKUP" : "VERIFY");
        dbk_wr_kv_u64 (w, "checked", atomic_load (&job->progress));
        dbk_wr_kv_u64 (w, "elapsed_ms", (uint64_t) (zclock_mono () - job->started));
    }
    dbk_proto_send (self->router, req, w);
}

/*  ---- VERIFY and BACKUP run as jobs in their own threads ---- */

/*  A job whose thread could not start: out of file descriptors (its
    pipe takes two; every connection one) or threads is a passing state,
    answered BUSY, and the log goes on serving. */
static void s_job_refused (self_t *self, dbk_req_t *req, bool backup, int err)
{
    const char *what = backup ? "backup" : "verify";
    char why[80], msg[300];
    if (dbk_fds_exhausted (err) || err == EAGAIN) {
        if (err == EAGAIN)
            snprintf (why, sizeof why, "no thread could start");
        else
            dbk_fds_why (why, sizeof why);
        snprintf (msg, sizeof msg, "the event log cannot start the %s: %s; retry later", what, why);
        dbk_logf (&self->log, DBK_LOG_WARNING, "%s not started: %s", what, why);
        dbk_proto_send_error (self->router, req, self->wr, DBK_EBUSY, msg, NULL);
    } else {
        dbk_logf (&self->log, DBK_LOG_WARNING, "%s not started: out of memory", what);
        dbk_proto_send_error (self->router, req, self->wr, DBK_ENOMEM, NULL, NULL);
    }
}

static void s_start_job (self_t *self, dbk_req_t *req, bool backup)
{
    int slot = -1;
    for (int i = 0; i < S_MAX_JOBS && slot < 0; i++)
        if (!self->jobs[i].actor)
            slot = i;
    const char *path = NULL;
    size_t plen = 0;
    if (backup && (dbk_obj_str (dbk_obj_get (req->root, "path"), &path, &plen) || plen == 0 ||
                   plen >= 1000 || memchr (path, 0, plen))) {
        dbk_proto_send_error (self->router, req, self->wr, DBK_EINVAL,
                              "path must be the directory to copy the log into", "path");
        return;
    }
    if (slot < 0) {
        dbk_proto_send_error (self->router, req, self->wr, DBK_EBUSY,
                              "too many verify/backup jobs running; retry later", NULL);
        return;
    }
    atomic_store (&self->jobs[slot].progress, 0);
    self->jobs[slot].started = zclock_mono ();
    self->jobs[slot].actor =
        eventlog_job_start (self->store, path, plen, &self->jobs[slot].progress);
    if (!self->jobs[slot].actor) {
        s_job_refused (self, req, backup, errno);
        return;
    }
    dbk_logf (&self->log, DBK_LOG_INFO, "%s started%s%.*s", backup ? "backup" : "verify",
              backup ? " to " : "", (int) plen, backup ? path : "");
    self->jobs[slot].req = *req;
    memset (req, 0, sizeof *req);
}

static void s_job_finished (self_t *self, s_job_t *job)
{
    eventlog_job_result_t r;
    eventlog_job_result (job->actor, &r);
    dbk_wr_t *w = self->wr;
    bool backup = dbk_req_is (&job->req, "BACKUP");
    if (r.rc == 0 || r.rc == DBK_ECORRUPT) {
        char hex[2 * DBK_HASH_SIZE + 1] = "";
        if (r.checked)
            dbk_hex (r.hash, DBK_HASH_SIZE, hex);
        dbk_proto_reply_begin (w, job->req.rid, true, 5);
        dbk_wr_kv_bool (w, "valid", r.rc == 0);
        dbk_wr_kv_u64 (w, "checked", r.checked);
        dbk_wr_kv_u64 (w, "bad_seq", r.bad_seq);
        dbk_wr_kv_cstr (w, "reason", r.why);
        dbk_wr_kv_cstr (w, "hash", hex);
        if (r.rc)
            dbk_logf (&self->log, DBK_LOG_ERROR, "%s: %llu records checked, FAILED at seq %llu: %s",
                      backup ? "backup" : "verify", (unsigned long long) r.checked,
                      (unsigned long long) r.bad_seq, r.why);
        else
            dbk_logf (&self->log, DBK_LOG_INFO, "%s: %llu records checked, head hash %s",
                      backup ? "backup" : "verify", (unsigned long long) r.checked,
                      r.checked ? hex : "(empty log)");
    } else {
        char msg[400];
        if (r.rc == DBK_EINVAL)
            snprintf (msg, sizeof msg,
                      "the backup directory is not empty; choose a new or empty "
                      "directory");
        else {
            /*  a backup's sentence names the path at fault (a copy not
                synced: nothing was kept, the directory takes a retry) */
            snprintf (msg, sizeof msg, "%s failed: %s", backup ? "backup" : "verify",
                      r.why[0] ? r.why : dbk_strerror (r.rc));
            dbk_logf (&self->log, DBK_LOG_ERROR, "%s", msg);
        }
        dbk_proto_error_begin (w, job->req.rid, r.rc, msg, backup ? "path" : NULL, 0);
    }
    dbk_proto_send (self->router, &job->req, w);
    dbk_req_release (&job->req);
    dbk_actor_destroy (&job->actor);
}

/*  ---- dispatch ---- */

typedef void (s_handler_fn) (self_t *self, dbk_req_t *req);

static void s_handle_verify (self_t *self, dbk_req_t *req)
{
    s_start_job (self, req, false);
}

static void s_handle_backup (self_t *self, dbk_req_t *req)
{
    s_start_job (self, req, true);
}

static void s_handle_ping (self_t *self, dbk_req_t *req)
{
    dbk_proto_reply_begin (self->wr, req->rid, true, 0);
    dbk_proto_send (self->router, req, self->wr);
}

static const struct {
    const char *verb;
    s_handler_fn *fn;
} s_verbs[] = {
    {"APPEND", s_handle_append}, {"READ", s_handle_read},     {"STATUS", s_handle_status},
    {"VERIFY", s_handle_verify}, {"BACKUP", s_handle_backup}, {"PING", s_handle_ping},
};

/*  Handle one request if one is waiting (the ROUTER's receive timeout is
    0). Returns false when there was none. */
static bool s_handle_request (self_t *self)
{
    dbk_req_t req;
    int rc = dbk_proto_recv (self->router, &req);
    if (rc == DBK_EINTERRUPTED) {
        dbk_req_release (&req);
        return false;
    }
    if (rc) {
        self->count.malformed++;
        dbk_logf (&self->log, DBK_LOG_WARNING, "refused a request: %s", dbk_strerror (rc));
        dbk_proto_send_refused (self->router, &req, self->wr, rc);
        dbk_req_release (&req);
        return true;
    }
    for (size_t i = 0; i < sizeof s_verbs / sizeof s_verbs[0]; i++)
        if (dbk_req_is (&req, s_verbs[i].verb)) {
            if (s_verbs[i].fn != s_handle_append && self->npending &&
                zclock_usecs () - self->pending_since >= S_APPEND_WAIT_US)
                s_commit (self); /* S_APPEND_WAIT_US */
            s_verbs[i].fn (self, &req);
            dbk_req_release (&req);
            return true;
        }
    self->count.rejected++;
    char msg[200];
    snprintf (msg, sizeof msg, "unknown op %.*s (APPEND, READ, STATUS, VERIFY, BACKUP, PING)",
              (int) (req.op_len > 40 ? 40 : req.op_len), req.op);
    dbk_proto_send_error (self->router, &req, self->wr, DBK_EUNKNOWN_OP, msg, "op");
    dbk_req_release (&req);
    return true;
}

/*  The index entries waiting in memory, into the tables while the log
    is idle (eventlog_store.h). On failure they keep waiting, and the
    next group commit tries again. */
static void s_flush_index (self_t *self)
{
    if (!eventlog_store_waiting (self->store)) {
        self->index_warned = false; /* a group commit wrote them */
        return;
    }
    int rc = eventlog_store_flush (self->store);
    if (rc == DBK_EMAPFULL) {
        s_wait_for_jobs (self);
        if ((rc = eventlog_store_grow (self->store)) == 0) {
            self->count.grown++;
            rc = eventlog_store_flush (self->store);
        }
    }
    if (rc) {
        self->count.storage_errors++;
        if (!self->index_warned) /* once, until they are written */
            dbk_logf (&self->log, DBK_LOG_WARNING,
                      "cannot write %zu waiting index entries: %s (they stay in memory)",
                      eventlog_store_waiting (self->store), dbk_strerror (rc));
    }
    self->index_warned = rc != 0;
}

static void s_heartbeat (self_t *self)
{
    dbk_wr_t *w = self->wr;
    dbk_wr_reset (w);
    dbk_wr_map (w, 2);
    dbk_wr_kv_u64 (w, "head", eventlog_store_head (self->store));
    dbk_wr_kv_i64 (w, "ts", dbk_now_ms ());
    void *pub = self->pub;
    zmq_send (pub, DBK_HEARTBEAT_TOPIC, strlen (DBK_HEARTBEAT_TOPIC), ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send (pub, dbk_wr_data (w), dbk_wr_size (w), ZMQ_DONTWAIT);
}

static void s_handle_pipe (self_t *self)
{
    char *cmd = zstr_recv (self->pipe);
    if (!cmd || streq (cmd, "$TERM"))
        self->terminated = true;
    else if (streq (cmd, "PORTS")) {
        char *router = zsock_last_endpoint (self->router);
        char *pub = zsock_last_endpoint (self->pub);
        zstr_sendm (self->pipe, router ? router : "");
        zstr_send (self->pipe, pub ? pub : "");
        zstr_free (&router);
        zstr_free (&pub);
    }
    zstr_free (&cmd);
}

void eventlog_server (zsock_t *pipe, void *args)
{
    char why[1400] = "";
    self_t *self = s_self_new (pipe, args, why, sizeof why);
    zsock_signal (pipe, 0);
    if (!self) {
        zstr_sendf (pipe, "FAILED %s", why);
        char *cmd;
        while ((cmd = zstr_recv (pipe))) {
            bool term = streq (cmd, "$TERM");
            zstr_free (&cmd);
            if (term)
                break;
        }
        return;
    }
    zstr_send (pipe, "READY");
    while (!self->terminated) {
        zmq_pollitem_t items[2 + S_MAX_JOBS];
        int jobs_at[S_MAX_JOBS];
        int n = 0;
        items[n++] = (zmq_pollitem_t){zsock_resolve (self->pipe), 0, ZMQ_POLLIN, 0};
        items[n++] = (zmq_pollitem_t){self->router, 0, ZMQ_POLLIN, 0};
        for (int i = 0; i < S_MAX_JOBS; i++)
            if (self->jobs[i].actor) {
                jobs_at[n - 2] = i;
                items[n++] =
                    (zmq_pollitem_t){dbk_actor_pipe (self->jobs[i].actor), 0, ZMQ_POLLIN, 0};
            }
        int64_t now = zclock_mono ();
        long timeout = (long) (self->next_heartbeat - now);
        if (self->npending)
            timeout = eventlog_linger_timeout_ms (&self->linger);
        if (timeout < 0)
            timeout = 0;
        int rc = zmq_poll (items, n, timeout);
        if (rc < 0 && errno != EINTR)
            break; /* context terminated */
        if (rc > 0) {
            if (items[0].revents & ZMQ_POLLIN)
                s_handle_pipe (self);
            if (items[1].revents & ZMQ_POLLIN) {
                /*  drain everything waiting: it all goes in one commit.
                    Receives that do not block until none is left (asking
                    zsock_events before each one costs a poll() syscall),
                    for S_PASS_US at most */
                int64_t pass_end = zclock_usecs () + S_PASS_US;
                for (int k = 0;
                     k < S_MAX_PENDING && s_handle_request (self) && zclock_usecs () < pass_end;
                     k++)
                    ;
            }
            for (int i = 2; i < n; i++)
                if (items[i].revents & ZMQ_POLLIN)
                    s_job_finished (self, &self->jobs[jobs_at[i - 2]]);
        }
        now = zclock_mono ();
        if (self->npending && eventlog_linger_due (&self->linger))
            s_commit (self);
        if (now >= self->next_heartbeat) {
            /*  idle since the last heartbeat: no group commit will carry them */
            if (!self->npending && self->count.events == self->events_at_beat)
                s_flush_index (self);
            self->events_at_beat = self->count.events;
            s_heartbeat (self);
            self->next_heartbeat = now + self->cfg.heartbeat_ms;
        }
    }
    s_commit (self); /* answer what was accepted before stopping */
    /*  a running VERIFY or BACKUP cannot be cut short: it finishes, and its
        request gets its answer (every request gets exactly one) */
    for (int i = 0; i < S_MAX_JOBS; i++)
        if (self->jobs[i].actor)
            s_job_finished (self, &self->jobs[i]);
    s_flush_index (self);
    dbk_logf (&self->log, DBK_LOG_INFO, "stopped at head %llu",
              (unsigned long long) eventlog_store_head (self->store));
    s_self_destroy (&self);
}
