/*  dbk_svc_follow.c - the service shell following the log: its
    subscriber, the head it shows, the hash of its checkpoint's event, and
    what it says and does when the log cannot be followed.

    The checkpoint's hash. The subscriber hands out an event only if its
    prev is the hash of the event before it (dbk_sub.h); after a restart,
    the event before the first one is the checkpoint's. Its hash is kept
    in $meta "chain" (the checkpoint's seq, big-endian u64, and the
    32-byte hash), written in the same transaction as the checkpoint:
    the two commit or abort together, so the hash is always that of the
    event the model last applied. Fetching it from the log instead (one
    READ of the checkpoint's record) would trust whatever log is there
    now: a log replaced by another copy that has grown past the model's
    seq would be followed from a record the model never applied. Kept,
    the first READ, which starts at the checkpoint's seq, checks it
    (DBK_SUB_FAULT_FORK). A model written before the hash was kept (no
    "chain", or one of another seq) takes it from that READ, and keeps it
    from its next commit on.

    The log cannot be followed (the subscriber answers DBK_ECORRUPT or
    DBK_EIO): the model keeps what it applied, up to the last event that
    checked out; STATUS log_error says why (one sentence, logged once
    while it lasts), and commands are refused at once. While the model is
    ahead of the log (the log was replaced by an older copy), or its
    checkpoint is not the log's event at that seq (replaced by a copy
    that has grown since), queries are refused too: what they would
    answer comes from events the log no longer holds, and which new
    appends there may contradict.
*/
#include "dbk_svc_internal.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_fds.h"
#include "dealbook/dbk_lmdb.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define S_CHAIN_LEN (8 + DBK_HASH_SIZE)

void dbk_svci_chain_load (dbk_svci_t *self, MDB_txn *txn, uint64_t cp)
{
    MDB_val k = {5, "chain"}, v;
    self->chain_known = mdb_get (txn, self->own[S_META], &k, &v) == 0 && v.mv_size == S_CHAIN_LEN &&
                        dbk_be64_get (v.mv_data) == cp;
    if (self->chain_known)
        memcpy (self->chain, (const uint8_t *) v.mv_data + 8, DBK_HASH_SIZE);
}

int dbk_svci_chain_put (dbk_svci_t *self, MDB_txn *txn, uint64_t seq,
                        const uint8_t hash[DBK_HASH_SIZE])
{
    uint8_t buf[S_CHAIN_LEN];
    dbk_be64_put (buf, seq);
    memcpy (buf + 8, hash, DBK_HASH_SIZE);
    MDB_val k = {5, "chain"}, v = {sizeof buf, buf};
    return dbk_lmdb_err (mdb_put (txn, self->own[S_META], &k, &v, 0));
}

/*  Why there is no subscriber (self->sub NULL). */
static void s_no_sub_why (const dbk_svci_t *self, char *why, size_t size)
{
    char fds[80];
    if (dbk_fds_exhausted (self->sub_errno))
        dbk_fds_why (fds, sizeof fds);
    snprintf (why, size, "cannot connect to the event log: %s",
              dbk_fds_exhausted (self->sub_errno) ? fds : zmq_strerror (self->sub_errno));
}

int dbk_svci_sub_restart (dbk_svci_t *self)
{
    uint64_t head = self->sub ? dbk_sub_head (self->sub) : 0;
    if (head > self->head_seen)
        self->head_seen = head;
    dbk_subcfg_t sc = {.log_endpoint = self->cfg.log_endpoint,
                       .pub_endpoint = self->cfg.pub_endpoint,
                       .after = self->applied,
                       .after_hash = self->chain_known ? self->chain : NULL,
                       .timeout_ms = self->cfg.timeout_ms,
                       .decode_ahead = true,
                       .async = true, /* a log that is down blocks no request */
                       .idle_ms =
                           3 * (self->cfg.heartbeat_ms > 333 ? self->cfg.heartbeat_ms : 333)};
    /*  the new one is made before the old one goes: out of file
        descriptors, the restart then fails as such, not by whether libzmq
        (on threads of its own) gave back the old one's in time */
    dbk_sub_t *fresh = dbk_sub_new (&sc);
    int err = errno;
    dbk_sub_destroy (&self->sub);
    self->sub = fresh;
    if (fresh)
        return 0;
    /*  out of file descriptors, most likely (the subscriber takes two
        sockets, and a connection each): the service serves from its model
        as it stands, and the loop makes the subscriber again once a
        second (dbk_svci_sub_retry) */
    self->sub_errno = err;
    self->sub_retry_at = zclock_mono () + 1000;
    if (!self->sub_warned) {
        char why[200];
        s_no_sub_why (self, why, sizeof why);
        dbk_logf (&self->log, DBK_LOG_WARNING, "%s (from seq %llu); trying again every second", why,
                  (unsigned long long) self->applied);
        self->sub_warned = true;
    }
    errno = err;
    return dbk_fds_exhausted (err) ? DBK_EBUSY : DBK_EINVAL;
}

void dbk_svci_sub_retry (dbk_svci_t *self)
{
    if (self->sub || zclock_mono () < self->sub_retry_at)
        return;
    if (dbk_svci_sub_restart (self) == 0 && self->sub_warned) {
        dbk_logf (&self->log, DBK_LOG_INFO, "following the event log again from seq %llu",
                  (unsigned long long) self->applied);
        self->sub_warned = false;
    }
}

bool dbk_svci_ahead (const dbk_svci_t *self)
{
    return self->last_sub_error == DBK_ECORRUPT && self->fault.kind == DBK_SUB_FAULT_BEHIND &&
           self->applied > self->fault.seq;
}

uint64_t dbk_svci_head (const dbk_svci_t *self)
{
    if (dbk_svci_ahead (self))
        return self->fault.seq; /* the log's, below the model */
    uint64_t h = self->sub ? dbk_sub_head (self->sub) : 0;
    if (self->head_seen > h)
        h = self->head_seen;
    return h > self->applied ? h : self->applied;
}

/*  What to do about a model built from a log that is no longer there. */
static int s_rebuild_hint (const dbk_svci_t *self, char *out, size_t size)
{
    char dir[1100];
    if (dbk_config_service_dir (&self->cfg, self->def->name, dir, sizeof dir) != 0)
        snprintf (dir, sizeof dir, "its data directory");
    return snprintf (out, size, "remove %s or run `dealbook rebuild %s`", dir, self->def->name);
}

const char *dbk_svci_log_error (const dbk_svci_t *self, char *why, size_t size)
{
    if (!self->sub) {
        s_no_sub_why (self, why, size);
        return why;
    }
    int e = self->last_sub_error;
    if (!e)
        return NULL;
    char hint[1300];
    s_rebuild_hint (self, hint, sizeof hint);
    /*  the model's seq once the batch that met the fault commits (it is
        formatted before the commit, to log it) */
    uint64_t at = self->sub ? dbk_sub_position (self->sub) : 0;
    unsigned long long seq = self->fault.seq, applied = at > self->applied ? at : self->applied;
    dbk_sub_fault_kind_t kind = e == DBK_ECORRUPT ? self->fault.kind : DBK_SUB_FAULT_NONE;
    if (e == DBK_EIO)
        snprintf (why, size, "the event log at %s does not answer", self->cfg.log_endpoint);
    else if (kind == DBK_SUB_FAULT_BEHIND && dbk_svci_ahead (self))
        snprintf (why, size,
                  "read model at seq %llu is ahead of the log's head %llu: the log was replaced "
                  "by an older copy; %s",
                  applied, seq, hint);
    else if (kind == DBK_SUB_FAULT_HASH)
        snprintf (why, size,
                  "seq %llu fails its hash check: the event log's record was altered or damaged "
                  "(or the log holds another history after seq %llu); the read model stays at "
                  "seq %llu. `dealbook log verify` names the first bad seq",
                  seq, seq - 1, seq - 1);
    else if (kind == DBK_SUB_FAULT_FORK)
        snprintf (why, size,
                  "the log's seq %llu is not the event the read model applied there: the log "
                  "was replaced by another copy; %s",
                  seq, hint);
    else if (kind == DBK_SUB_FAULT_GAP)
        snprintf (why, size,
                  "seq %llu is missing from the event log: the log is damaged; the read model "
                  "stays at seq %llu. `dealbook log verify` says where",
                  seq, seq > applied ? seq - 1 : applied);
    else
        snprintf (why, size, "cannot follow the event log: %s", dbk_strerror (e));
    return why;
}

int dbk_svci_stuck (const dbk_svci_t *self, char *why, size_t size)
{
    if (self->model_err) {
        if (why)
            snprintf (why, size, "the read model cannot be written (%s)",
                      dbk_strerror (self->model_err));
        return self->model_err;
    }
    if (self->apply_err) {
        if (why)
            snprintf (why, size, "the read model cannot go on: %s", self->apply_why);
        return self->apply_err;
    }
    if (!self->sub) {
        if (why)
            dbk_svci_log_error (self, why, size);
        /*  not a storage failure: the log cannot be followed (UNREACHABLE,
            as below), or not for want of descriptors (BUSY) */
        return dbk_fds_exhausted (self->sub_errno) ? DBK_EBUSY : DBK_ETIMEOUT;
    }
    if (!self->last_sub_error)
        return 0;
    if (why)
        dbk_svci_log_error (self, why, size);
    return self->last_sub_error == DBK_EIO ? DBK_ETIMEOUT : self->last_sub_error;
}

bool dbk_svci_refuse_query (dbk_svci_t *self, const dbk_req_t *req)
{
    bool fork = self->last_sub_error == DBK_ECORRUPT && self->fault.kind == DBK_SUB_FAULT_FORK;
    if (!dbk_svci_ahead (self) && !fork)
        return false;
    char why[1600];
    dbk_svci_log_error (self, why, sizeof why);
    dbk_proto_send_error (self->router, req, self->wr, DBK_ECORRUPT, why, NULL);
    return true;
}

void dbk_svci_followed (dbk_svci_t *self, int sub_rc, int applied)
{
    if (sub_rc && sub_rc != DBK_ETIMEOUT) {
        /*  the log is down (DBK_EIO) or cannot be followed from here
            (DBK_ECORRUPT): keep what was applied, try again a little
            later; say why once while it lasts (a log behind the model
            may move, its head with it: the same fault) */
        dbk_sub_fault_t f = {0};
        if (sub_rc == DBK_ECORRUPT)
            f = dbk_sub_fault (self->sub);
        bool again = sub_rc == self->last_sub_error && f.kind == self->fault.kind &&
                     (f.kind == DBK_SUB_FAULT_BEHIND || f.seq == self->fault.seq);
        self->last_sub_error = sub_rc;
        self->fault = f;
        if (f.kind == DBK_SUB_FAULT_BEHIND) {
            self->head_seen = 0; /* heads of the log that was replaced */
            if (self->own_last > f.seq)
                self->own_last = 0; /* our appends went with it: none to wait for */
        }
        if (!again) {
            char why[1600];
            dbk_svci_log_error (self, why, sizeof why);
            dbk_logf (&self->log, sub_rc == DBK_EIO ? DBK_LOG_WARNING : DBK_LOG_ERROR, "%s", why);
        }
        self->backoff_until = zclock_mono () + 500;
    } else if (!sub_rc || applied > 0 || !dbk_sub_awaiting (self->sub)) {
        /*  an event, or nothing new once a READ was answered: the log is
            followed again */
        if (self->last_sub_error == DBK_EIO)
            dbk_logf (&self->log, DBK_LOG_INFO, "the event log answers again");
        else if (self->last_sub_error)
            dbk_logf (&self->log, DBK_LOG_INFO, "the event log is followed again");
        self->last_sub_error = 0;
        self->fault = (dbk_sub_fault_t){0};
        /*  the log answers READ, yet its PUB brings nothing (heartbeats
            come every heartbeat_ms): DEALBOOK_PUB_ENDPOINT reaches no log,
            and events arrive only when the service finds the log quiet */
        int64_t quiet = dbk_sub_pub_quiet_ms (self->sub);
        int64_t limit = 10 * (int64_t) self->cfg.heartbeat_ms;
        if (limit < 2000)
            limit = 2000;
        if (!self->pub_warned && quiet > limit) {
            self->pub_warned = true;
            dbk_logf (&self->log, DBK_LOG_WARNING,
                      "nothing from the event log's PUB at %s for %lld ms, while the log answers "
                      "at %s: events arrive late, by polling; check DEALBOOK_PUB_ENDPOINT",
                      self->cfg.pub_endpoint, (long long) quiet, self->cfg.log_endpoint);
        } else if (self->pub_warned && quiet < limit) {
            self->pub_warned = false;
            dbk_logf (&self->log, DBK_LOG_INFO, "the event log's PUB at %s is heard again",
                      self->cfg.pub_endpoint);
        }
    }
}
