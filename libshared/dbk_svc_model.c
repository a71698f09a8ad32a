/*  dbk_svc_model.c - the read model side of the service shell: the LMDB
    environment, the shell's own tables and the application of events.

    Besides the service's databases the environment holds three of the
    shell's own:
      $meta      "checkpoint" -> last applied seq (dbk_checkpoint_*)
                 "chain" -> that seq and its event's hash (dbk_svc_follow.c)
                 "model" -> def->model_version (big-endian u32): a model
                 written by another layout is emptied and replayed
                 "settings" -> def->setup's fingerprint of the settings
                 the model folds (big-endian u32; absent: 0): a model
                 built under others is emptied and replayed
                 "hold" -> "1" while a replay from seq 1 holds deferred
                 rows (def->replay_hold): a model found so at start is
                 emptied and replayed
      $streams   stream name -> its version (big-endian u64), for the
                 streams of the service's categories: the expected version
                 a decision was based on
      $commands  command id (16 bytes) -> first seq, last seq, events
                 (3 big-endian u64), from the `cause` of the events of the
                 service's categories: the answer to a retried command
      $pending   seq (big-endian u64) -> an event the service reacts to
                 (def->react), until its reaction is in the log
                 (dbk_svc_react.c)
    All are rebuilt from the log like any projection.
*/
#include "dbk_svc_internal.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_mem.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const s_own_dbs[S_OWN] = {"$meta", "$streams", "$commands", "$pending"};

size_t dbk_svc_category_len (const char *stream, size_t n)
{
    const char *dash = memchr (stream, '-', n);
    return dash ? (size_t) (dash - stream) : 0;
}

bool dbk_svci_owns (const dbk_service_def_t *def, const char *stream, size_t n)
{
    if (!def->categories)
        return true;
    size_t cl = dbk_svc_category_len (stream, n);
    for (const char *const *c = def->categories; *c; c++)
        if (cl && strlen (*c) == cl && memcmp (*c, stream, cl) == 0)
            return true;
    return false;
}

/*  Empty every database of the model (the shell's and the service's) and
    set the checkpoint to 0, inside txn. */
static int s_drop_all (dbk_svci_t *self, MDB_txn *txn)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < S_OWN; i++)
        rc = mdb_drop (txn, self->own[i], 0);
    for (size_t i = 0; !rc && i < self->ndbs; i++)
        rc = mdb_drop (txn, self->dbis[i], 0);
    return rc ? dbk_lmdb_err (rc) : dbk_checkpoint_put (txn, self->own[S_META], 0);
}

/*  Store def->model_version under "model" of $meta, inside txn, and
    the settings' fingerprint under "settings" (none when 0). */
static int s_put_layout (dbk_svci_t *self, MDB_txn *txn)
{
    uint32_t ver = self->def->model_version, set = self->settings;
    uint8_t be[4] = {(uint8_t) (ver >> 24), (uint8_t) (ver >> 16), (uint8_t) (ver >> 8),
                     (uint8_t) ver};
    uint8_t sb[4] = {(uint8_t) (set >> 24), (uint8_t) (set >> 16), (uint8_t) (set >> 8),
                     (uint8_t) set};
    MDB_val k = {5, "model"}, v = {4, be}, sk = {8, "settings"}, sv = {4, sb};
    int rc = mdb_put (txn, self->own[S_META], &k, &v, 0);
    if (rc == 0 && set)
        rc = mdb_put (txn, self->own[S_META], &sk, &sv, 0);
    else if (rc == 0 && (rc = mdb_del (txn, self->own[S_META], &sk, NULL)) == MDB_NOTFOUND)
        rc = 0;
    return dbk_lmdb_err (rc);
}

/*  The settings' fingerprint stored with the model (0: none), or a DBK
    code when unreadable. */
static int64_t s_stored_settings (dbk_svci_t *self, MDB_txn *txn)
{
    MDB_val k = {8, "settings"}, v;
    int rc = mdb_get (txn, self->own[S_META], &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc || v.mv_size != 4)
        return rc ? dbk_lmdb_err (rc) : DBK_ECORRUPT;
    const uint8_t *b = v.mv_data;
    return (int64_t) ((uint32_t) b[0] << 24 | (uint32_t) b[1] << 16 | (uint32_t) b[2] << 8 | b[3]);
}

/*  A model whose stored layout version is not the def's (or that has none
    but holds events: written before versions were stored) was built by
    other code: its indexes may lack what this code reads. Empty it, so
    that it is replayed from seq 1, and store the def's version. */
static int s_check_layout (dbk_svci_t *self, MDB_txn *txn, uint64_t *cp)
{
    uint32_t want = self->def->model_version;
    MDB_val k = {5, "model"}, v;
    int rc = mdb_get (txn, self->own[S_META], &k, &v);
    if (rc && rc != MDB_NOTFOUND)
        return dbk_lmdb_err (rc);
    const uint8_t *b = v.mv_data;
    bool same = rc == 0 ? v.mv_size == 4 && ((uint32_t) b[0] << 24 | (uint32_t) b[1] << 16 |
                                             (uint32_t) b[2] << 8 | b[3]) == want
                        : *cp == 0;
    int64_t set = s_stored_settings (self, txn);
    if (set < 0)
        return (int) set;
    bool same_settings = (uint32_t) set == self->settings;
    if (same && same_settings && rc == 0)
        return 0;
    if (!same)
        dbk_logf (&self->log, DBK_LOG_WARNING,
                  "read model layout changed (now version %u): replaying the log from seq 1",
                  (unsigned) want);
    else if (!same_settings && *cp) {
        dbk_logf (&self->log, DBK_LOG_WARNING,
                  "read model built under other settings (the service's own, e.g. "
                  "DEALBOOK_FUNNEL_LEVELS): replaying the log from seq 1");
        same = false;
    }
    if (!same) {
        rc = s_drop_all (self, txn);
        if (rc)
            return rc;
        *cp = 0;
    }
    return s_put_layout (self, txn);
}

int dbk_svci_model_open (dbk_svci_t *self, const char *dir)
{
    size_t ndbs = 0;
    while (self->def->dbs && self->def->dbs[ndbs])
        ndbs++;
    if (ndbs > DBK_SVC_MAX_DBS)
        return DBK_ETOOBIG;
    self->ndbs = ndbs;
    /*  the mark of a replay's unsynced commits, before anything of the
        file is read (a model left by another boot is deleted there) */
    int unsynced = dbk_svci_unsynced_open (self, dir);
    if (unsynced < 0)
        return unsynced;
    char why[1300];
    int rc = dbk_lmdb_open (&self->env, dir, self->cfg.map_size, (unsigned) ndbs + S_OWN,
                            self->cfg.durable, why, sizeof why);
    if (rc == DBK_ECORRUPT) {
        /*  a read model is derived from the log: one LMDB cannot open (a
            power loss during a replay, a disk error) is set aside and
            built again rather than keeping the service down */
        char aside[1200];
        long long now = (long long) time (NULL);
        int moved = -1;
        /*  a name not taken yet: one set aside in the same second (a
            second failure at once) must not keep the service down */
        for (int k = 0; moved != 0 && k < 100; k++) {
            if (k == 0)
                snprintf (aside, sizeof aside, "%s.corrupt-%lld", dir, now);
            else
                snprintf (aside, sizeof aside, "%s.corrupt-%lld.%d", dir, now, k);
            moved = rename (dir, aside);
            if (moved != 0 && errno != EEXIST && errno != ENOTEMPTY)
                break;
        }
        if (moved == 0) {
            dbk_logf (&self->log, DBK_LOG_ERROR,
                      "the read model in %s is unreadable%s%s%s: moved to %s, rebuilding from "
                      "the log",
                      dir, *why ? " (" : "", why, *why ? ")" : "", aside);
            rc = dbk_lmdb_open (&self->env, dir, self->cfg.map_size, (unsigned) ndbs + S_OWN,
                                self->cfg.durable, NULL, 0);
        } else
            dbk_logf (&self->log, DBK_LOG_ERROR,
                      "the read model in %s is unreadable%s%s%s, and cannot be moved aside: %s",
                      dir, *why ? " (" : "", why, *why ? ")" : "", strerror (errno));
    }
    if (rc) {
        /*  the file's or the system's reason, for the start's line */
        snprintf (self->open_why, sizeof self->open_why, "%s", why);
        return rc;
    }
    MDB_txn *txn;
    rc = mdb_txn_begin (self->env, NULL, 0, &txn);
    for (size_t i = 0; !rc && i < S_OWN; i++)
        rc = mdb_dbi_open (txn, s_own_dbs[i], MDB_CREATE, &self->own[i]);
    for (size_t i = 0; !rc && i < ndbs; i++)
        rc = mdb_dbi_open (txn, self->def->dbs[i], MDB_CREATE, &self->dbis[i]);
    if (rc) {
        if (txn)
            mdb_txn_abort (txn);
        return dbk_lmdb_err (rc);
    }
    uint64_t cp = 0;
    rc = dbk_checkpoint_get (txn, self->own[S_META], &cp);
    if (rc == 0)
        rc = s_check_layout (self, txn, &cp);
    MDB_val hk = {4, "hold"}, hv;
    if (rc == 0 && cp && mdb_get (txn, self->own[S_META], &hk, &hv) == 0) {
        /*  stopped while its replay from seq 1 held index rows: those
            never reached the file */
        dbk_logf (&self->log, DBK_LOG_WARNING,
                  "the model was still being built from seq 1 (seq %llu): building it again",
                  (unsigned long long) cp);
        rc = s_drop_all (self, txn);
        if (rc == 0)
            rc = s_put_layout (self, txn);
        cp = 0;
    }
    if (rc == 0)
        dbk_svci_chain_load (self, txn, cp);
    if (rc) {
        mdb_txn_abort (txn);
        return rc;
    }
    rc = mdb_txn_commit (txn);
    if (rc)
        return dbk_lmdb_write_err (self->env, rc);
    /*  this boot's mark: a process stopped during a replay, its pages
        still with the kernel. Flushed now, the mark can go (kept if
        not: a rebuild after the next power cut, no more) */
    if (unsynced == 1 &&
        (mdb_env_sync (self->env, 1) != 0 || dbk_svci_unsynced_mark (self, false) != 0))
        dbk_logf (&self->log, DBK_LOG_WARNING, "cannot flush the read model in %s", dir);
    self->applied = cp;
    self->building = cp == 0;
    return 0;
}

int dbk_svci_model_start (dbk_svci_t *self, const char *dir, char *why, size_t whysz)
{
    int rc = dbk_dir_lock (dir, &self->lock_fd, why, whysz);
    self->open_why[0] = 0;
    /*  the APPEND a run before left unsure, once the directory is ours and
        before the model's open may set it aside (dbk_svc_unsure.c) */
    if (rc == 0 && (rc = dbk_svci_unsure_load (self, false, why, whysz)) != 0)
        return rc;
    if (rc == 0 && (rc = dbk_svci_model_open (self, dir)) != 0) {
        if (self->open_why[0])
            snprintf (why, whysz, "cannot open the read model in %s", self->open_why);
        else
            snprintf (why, whysz, "cannot open the read model in %s: %s", dir, dbk_strerror (rc));
    }
    return rc;
}

void dbk_svci_model_close (dbk_svci_t *self)
{
    if (self->env)
        mdb_env_close (self->env);
    self->env = NULL;
    if (self->lock_fd >= 0)
        close (self->lock_fd); /* the model written: the next process may start */
    self->lock_fd = -1;
}

/*  ---- the shell's tables ---- */

int dbk_svci_command_get (dbk_svci_t *self, MDB_txn *txn, const uint8_t id[DBK_ID_SIZE],
                          dbk_svci_result_t *res)
{
    MDB_val k = {DBK_ID_SIZE, (void *) id}, v;
    int rc = mdb_get (txn, self->own[S_COMMANDS], &k, &v);
    if (rc)
        return dbk_lmdb_err (rc);
    if (v.mv_size != 24)
        return DBK_ECORRUPT;
    res->first = dbk_be64_get (v.mv_data);
    res->last = dbk_be64_get ((const uint8_t *) v.mv_data + 8);
    res->count = dbk_be64_get ((const uint8_t *) v.mv_data + 16);
    return 0;
}

int dbk_svci_version_get (dbk_svci_t *self, MDB_txn *txn, const char *stream, size_t n,
                          uint64_t *ver)
{
    *ver = 0;
    if (n == 0 || n > DBK_STREAM_MAX)
        return 0;
    MDB_val k = {n, (void *) stream}, v;
    int rc = mdb_get (txn, self->own[S_STREAMS], &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return dbk_lmdb_err (rc);
    if (v.mv_size != 8)
        return DBK_ECORRUPT;
    *ver = dbk_be64_get (v.mv_data);
    return 0;
}

/*  The $commands rows of the batch being applied. A command's events are
    consecutive in the log, as one APPEND wrote them: the batch keeps one
    run per stretch of events with the same cause, in log order, and adds
    each run to its command's row when the batch ends. Runs are applied in
    order and written at once, so a command whose events come in two
    stretches (anyone may append) sees its first run in its row when the
    second is added. Command ids are UUIDv7 as a rule, rising with time:
    the rows are visited nearly in key order, through one cursor. */
typedef struct {
    uint8_t id[DBK_ID_SIZE];
    dbk_svci_result_t r;
} s_run_t;

struct dbk_svci_causes {
    s_run_t *runs;
    size_t n, cap;
};

static int s_cause_count (dbk_svci_t *self, const dbk_event_t *ev)
{
    if (!self->causes && !(self->causes = calloc (1, sizeof *self->causes)))
        return DBK_ENOMEM;
    struct dbk_svci_causes *c = self->causes;
    s_run_t *last = c->n ? &c->runs[c->n - 1] : NULL;
    if (last && memcmp (last->id, ev->cause, DBK_ID_SIZE) == 0) {
        last->r.last = ev->seq;
        last->r.count++;
        return 0;
    }
    if (dbk_grow (&c->runs, &c->cap, c->n + 1, sizeof *c->runs, 256))
        return DBK_ENOMEM;
    s_run_t *run = &c->runs[c->n++];
    memcpy (run->id, ev->cause, DBK_ID_SIZE);
    run->r = (dbk_svci_result_t){.first = ev->seq, .last = ev->seq, .count = 1};
    return 0;
}

/*  The batch's runs added to their commands' rows; emptied either way. */
static int s_causes_put (dbk_svci_t *self, MDB_txn *txn)
{
    struct dbk_svci_causes *c = self->causes;
    if (!c || c->n == 0)
        return 0;
    MDB_cursor *cur = NULL;
    int rc = dbk_lmdb_err (mdb_cursor_open (txn, self->own[S_COMMANDS], &cur));
    for (size_t i = 0; rc == 0 && i < c->n; i++) {
        s_run_t *run = &c->runs[i];
        MDB_val k = {DBK_ID_SIZE, run->id}, v;
        dbk_svci_result_t r = run->r;
        int g = mdb_cursor_get (cur, &k, &v, MDB_SET);
        if (g == 0 && v.mv_size != 24)
            rc = DBK_ECORRUPT;
        else if (g == 0) {
            r.first = dbk_be64_get (v.mv_data);
            r.count += dbk_be64_get ((const uint8_t *) v.mv_data + 16);
        } else if (g != MDB_NOTFOUND)
            rc = dbk_lmdb_err (g);
        uint8_t buf[24];
        dbk_be64_put (buf, r.first);
        dbk_be64_put (buf + 8, r.last);
        dbk_be64_put (buf + 16, r.count);
        v = (MDB_val){sizeof buf, buf};
        k = (MDB_val){DBK_ID_SIZE, run->id};
        if (rc == 0)
            rc = dbk_lmdb_err (mdb_cursor_put (cur, &k, &v, 0));
    }
    if (cur)
        mdb_cursor_close (cur);
    dbk_svci_causes_clear (self);
    return rc;
}

void dbk_svci_causes_clear (dbk_svci_t *self)
{
    struct dbk_svci_causes *c = self->causes;
    if (!c)
        return;
    /*  a replay's runs are not kept for the small batches after it */
    if (c->cap > 4096 && c->n < c->cap / 64) {
        free (c->runs);
        c->runs = NULL;
        c->cap = 0;
    }
    c->n = 0;
}

void dbk_svci_causes_free (dbk_svci_t *self)
{
    if (self->causes) {
        free (self->causes->runs);
        free (self->causes);
        self->causes = NULL;
    }
}

/*  The shell's own projection of one event: the stream's version and its
    command's row. Both are written when the batch ends (the version with
    its deferred rows, the command in its run): the shell reads them only
    to decide commands, after the batch commits. */
static int s_track (dbk_svci_t *self, MDB_txn *txn, const dbk_event_t *ev)
{
    if (!dbk_svci_owns (self->def, ev->stream, ev->stream_len) || ev->stream_len == 0 ||
        ev->stream_len > DBK_STREAM_MAX)
        return 0;
    uint8_t buf[8];
    dbk_be64_put (buf, ev->ver);
    int rc = dbk_svci_later_add (self, txn, self->own[S_STREAMS], ev->stream, ev->stream_len, buf,
                                 sizeof buf, false);
    if (rc == 0 && ev->has_cause)
        rc = s_cause_count (self, ev);
    return rc;
}

/*  ---- following the log ---- */

/*  A replay that builds the model from seq 1 (the first batches may
    have gone before the head was known) holds the deferred rows of a def
    that asks for it (dbk_svc_later.c): nobody reads that model yet but
    to watch it grow, so they can wait for the end. */
static void s_hold_start (dbk_svci_t *self)
{
    if (self->holding || !self->def->replay_hold || !self->building || !self->cfg.replay_hold_mb)
        return;
    /*  the bound of the arena's offsets: dbk_config_load refuses more */
    assert (self->cfg.replay_hold_mb <= DBK_REPLAY_HOLD_MB_MAX);
    dbk_svci_held_clear (self);
    self->holding = true;
    self->hold_marked = false;
    dbk_logf (&self->log, DBK_LOG_INFO, "building the model from seq 1: index rows held");
}

/*  $meta "hold": present while held rows are not all written, so that a
    process stopped meanwhile builds the model again from seq 1. */
static int s_hold_meta (dbk_svci_t *self, MDB_txn *txn, bool on)
{
    MDB_val k = {4, "hold"}, v = {1, "1"};
    if (on && !self->hold_marked)
        return dbk_lmdb_err (mdb_put (txn, self->own[S_META], &k, &v, 0));
    if (!on && self->hold_marked) {
        int rc = mdb_del (txn, self->own[S_META], &k, NULL);
        return rc == MDB_NOTFOUND ? 0 : dbk_lmdb_err (rc);
    }
    return 0;
}

static int s_unhold (dbk_svci_t *self, MDB_txn *txn)
{
    return s_hold_meta (self, txn, false);
}

/*  The outcome of a write of the read model, for the commands
    (dbk_service.c): after a failure for want of space or of storage they
    are answered at once, until a write succeeds again, instead of waiting
    for a model that cannot move. A write is tried again a second later;
    the same storage error is logged once while it lasts. what: the write
    that failed (a transaction begun or committed, held rows written), for
    the log line. The failure of an event's projection is s_apply_failed's. */
static void s_model_failed (dbk_svci_t *self, int rc, const char *what)
{
    self->backoff_until = zclock_mono () + 1000;
    bool storage = rc == DBK_ENOSPC || rc == DBK_EIO || rc == DBK_EMAPFULL;
    if (!storage || rc != self->model_err)
        dbk_logf (&self->log, DBK_LOG_ERROR, "cannot %s: %s%s", what, dbk_strerror (rc),
                  storage ? "; commands are refused until the read model is written again "
                            "(tried every second)"
                          : "");
    if (storage)
        self->model_err = rc;
}

static void s_model_written (dbk_svci_t *self)
{
    if (self->model_err)
        dbk_logf (&self->log, DBK_LOG_INFO, "the read model is written again");
    self->model_err = 0;
}

/*  An event the projection skipped (DBK_EMALFORMED, dbk_service.h): it
    wrote nothing for it. Counted once the batch is committed. */
static void s_skipped (dbk_svci_t *self, const dbk_event_t *ev)
{
    dbk_logf (&self->log, DBK_LOG_WARNING,
              "seq %llu (%.*s on %.*s) lacks a required field, or holds one of the wrong type or "
              "out of range: "
              "skipped",
              (unsigned long long) ev->seq, (int) ev->type_len, ev->type, (int) ev->stream_len,
              ev->stream);
}

/*  The batch was aborted at event ev, which failed with rc (not a full
    map): tried again a second later. Logged once while the same event
    fails the same way; after DBK_SVC_APPLY_TRIES failures in a row the
    model is stuck there (apply_err): STATUS model_error says why and
    commands are refused at once, until it is applied (s_applied). */
static void s_apply_failed (dbk_svci_t *self, const dbk_event_t *ev, int rc)
{
    self->backoff_until = zclock_mono () + 1000;
    bool again = ev->seq == self->apply_seq && rc == self->apply_rc;
    if (!again) {
        self->apply_seq = ev->seq;
        self->apply_rc = rc;
        self->apply_tries = 0;
        self->apply_err = 0; /* another event, or another cause: counted anew */
    }
    self->apply_tries++;
    char what[300];
    snprintf (what, sizeof what, "seq %llu (%.*s on %.*s)", (unsigned long long) ev->seq,
              (int) ev->type_len, ev->type, (int) (ev->stream_len > 200 ? 200 : ev->stream_len),
              ev->stream);
    if (!again)
        dbk_logf (&self->log, DBK_LOG_ERROR, "cannot apply %s: %s; tried again every second", what,
                  dbk_strerror (rc));
    if (self->apply_tries == DBK_SVC_APPLY_TRIES) {
        snprintf (self->apply_why, sizeof self->apply_why,
                  "%s cannot be applied: %s (%u tries); the read model stays at seq %llu", what,
                  dbk_strerror (rc), self->apply_tries, (unsigned long long) self->applied);
        self->apply_err = DBK_EIO;
        dbk_logf (&self->log, DBK_LOG_ERROR,
                  "%s; commands are refused until it is applied (STATUS model_error)",
                  self->apply_why);
    }
}

/*  The model is committed up to `last`: an event that failed before is
    applied now. */
static void s_applied (dbk_svci_t *self, uint64_t last)
{
    if (!self->apply_seq || last < self->apply_seq)
        return;
    if (self->apply_err)
        dbk_logf (&self->log, DBK_LOG_INFO, "seq %llu is applied: the read model goes on",
                  (unsigned long long) self->apply_seq);
    self->apply_seq = 0;
    self->apply_rc = 0;
    self->apply_tries = 0;
    self->apply_err = 0;
}

/*  The held rows written, after the batch up to self->applied committed,
    in transactions of their own (dbk_svc_later.c); done: the replay has
    caught up, and the last of them takes $meta "hold" away. A failure
    leaves them held, to be written again by a later call. */
static void s_held_write (dbk_svci_t *self, bool done)
{
    int64_t from = zclock_mono ();
    int rc = dbk_svci_held_write (self, done ? s_unhold : NULL);
    if (rc) {
        /*  a full map grows, and they are written again at once */
        if (rc != DBK_EMAPFULL || dbk_lmdb_grow (self->env, NULL) != 0)
            s_model_failed (self, rc, "write the held index rows");
        else
            dbk_logf (&self->log, DBK_LOG_INFO, "read model map grown");
        return;
    }
    dbk_logf (&self->log, DBK_LOG_INFO, "held index rows written at seq %llu in %lld ms%s",
              (unsigned long long) self->applied, (long long) (zclock_mono () - from),
              done ? "" : " (too many to keep)");
    dbk_svci_held_clear (self);
    s_model_written (self);
    if (done)
        self->holding = self->hold_marked = false;
}

/*  Replaying: far behind the log (a start on an empty or old model, a
    REBUILD), the model is written in large transactions that are not
    flushed one by one; it is flushed once, when it has caught up (in the
    background, dbk_svci_flush_behind). The log, not the read model, is what
    must survive a crash: a process that dies mid-replay restarts from
    the last committed checkpoint, which the operating system still
    writes out. */
static void s_replay_mode (dbk_svci_t *self, bool on)
{
    if (on)
        s_hold_start (self);
    if (on == self->replaying || !self->cfg.durable)
        return;
    if (on && dbk_svci_unsynced_mark (self, true) != 0)
        return; /* not marked: stays durable, and tries again next batch */
    mdb_env_set_flags (self->env, MDB_NOSYNC, on);
    if (!on)
        dbk_svci_flush_behind (self);
    self->replaying = on;
    dbk_logf (&self->log, DBK_LOG_INFO,
              on ? "replaying the log from seq %llu" : "caught up at seq %llu",
              (unsigned long long) self->applied);
}

/*  Apply what the subscriber has in one write transaction with the
    checkpoint: up to DBK_SVC_BATCH events, or DBK_SVC_REPLAY_BATCH (and
    at most DBK_SVC_REPLAY_MS) while replaying. Returns the number
    applied, or a negative DBK code when the batch was aborted;
    self->apply_more says whether the batch was cut short (more may be
    waiting). */
int dbk_svci_apply (dbk_svci_t *self)
{
    self->apply_more = false;
    if (!self->sub || zclock_mono () < self->backoff_until)
        return 0;
    uint64_t head = dbk_svci_head (self);
    if (head > self->applied + DBK_SVC_REPLAY_LAG)
        s_replay_mode (self, true);
    dbk_svci_held_mark (self); /* an abort takes back this call's held rows, no more */
    int limit = self->replaying ? DBK_SVC_REPLAY_BATCH : DBK_SVC_BATCH;
    int64_t until = zclock_mono () + DBK_SVC_REPLAY_MS;
    MDB_txn *txn = NULL;
    int rc = 0;
    int n = 0;
    uint64_t last = self->applied;
    uint8_t last_hash[DBK_HASH_SIZE] = {0}; /* the event at last's, once n > 0 */
    uint64_t skipped = 0;                   /* of the n, skipped as malformed */
    int sub_rc = 0;
    dbk_svc_ctx_t ctx = {.svc = self, .projecting = true};
    bool cut = false;
    while (n < limit) {
        if ((n & 255) == 255 && zclock_mono () >= until) {
            cut = true; /* let requests in: a long replay goes on next turn */
            break;
        }
        if (n > 0 && last + 1 == self->apply_seq) {
            /*  the event that failed the last batch comes next: the
                events before it are committed first, and it is tried on
                its own, so that the model holds all it can */
            cut = true;
            break;
        }
        dbk_event_t ev;
        sub_rc = dbk_sub_next (self->sub, &ev, 0);
        if (sub_rc)
            break;
        /*  the write transaction is opened only once there is an event:
            the loop calls this whenever the SUB socket stirs */
        if (!txn && (rc = mdb_txn_begin (self->env, NULL, 0, &txn)) != 0) {
            txn = NULL;
            s_model_failed (self, dbk_lmdb_err (rc), "begin a read model transaction");
            dbk_svci_sub_restart (self);
            return dbk_lmdb_err (rc);
        }
        ctx.txn = txn;
        rc = s_track (self, txn, &ev);
        if (!rc) {
            ctx.data_doc = NULL;
            ctx.ev = &ev;
            rc = self->def->project (&ctx, txn, &ev);
            ctx.ev = NULL;
            dbk_doc_destroy (&ctx.data_doc);
            if (rc == DBK_EMALFORMED) {
                /*  anyone may append to the log: an event the projection
                    can never apply (it wrote nothing for it) is skipped
                    rather than stopping the model for every later one */
                s_skipped (self, &ev);
                skipped++;
                rc = 0;
            }
        }
        if (!rc && self->def->react)
            rc = dbk_svci_pending_put (self, txn, &ev);
        if (rc) {
            /*  the subscriber has moved past events that are now not
                applied: start it again from the checkpoint */
            mdb_txn_abort (txn);
            dbk_svci_later_clear (self);
            dbk_svci_held_undo (self);
            dbk_svci_causes_clear (self);
            if (rc == DBK_EMAPFULL && dbk_lmdb_grow (self->env, NULL) == 0)
                dbk_logf (&self->log, DBK_LOG_INFO, "read model map grown");
            else
                s_apply_failed (self, &ev, rc);
            dbk_svci_sub_restart (self);
            return rc;
        }
        last = ev.seq;
        memcpy (last_hash, ev.hash, DBK_HASH_SIZE);
        n++;
    }
    self->apply_more = n == limit || cut;
    if (dbk_sub_heard (self->sub))
        self->head_known = true;
    dbk_svci_followed (self, sub_rc, n);
    /*  caught up: at the head, and nothing left to read, even when the
        batch was cut short (apply_more) just there. Held rows are written
        then, after the batch that caught up (or at a later call, when that
        write failed), or when they grew too large; and a replay is
        flushed once and durable again */
    bool caught_up =
        dbk_svci_head (self) <= last && (!self->apply_more || !dbk_sub_pending (self->sub));
    bool hold_done = self->holding && caught_up;
    bool write_held = self->holding &&
                      (hold_done || dbk_svci_held_bytes (self) >> 20 >= self->cfg.replay_hold_mb);
    if (n == 0 && !hold_done) {
        if (self->replaying && caught_up)
            s_replay_mode (self, false);
        return 0;
    }
    if (!txn && (rc = mdb_txn_begin (self->env, NULL, 0, &txn)) != 0) {
        s_model_failed (self, dbk_lmdb_err (rc), "begin a read model transaction");
        return dbk_lmdb_err (rc);
    }
    rc = s_causes_put (self, txn);
    if (!rc)
        rc = dbk_svci_later_flush (self, txn);
    else
        dbk_svci_later_clear (self);
    if (!rc && self->holding)
        rc = s_hold_meta (self, txn, true);
    if (!rc)
        rc = dbk_checkpoint_put (txn, self->own[S_META], last);
    if (!rc && n > 0) /* the checkpoint's event's hash, with it */
        rc = dbk_svci_chain_put (self, txn, last, last_hash);
    if (!rc) {
        rc = mdb_txn_commit (txn);
        if (rc)
            rc = dbk_lmdb_write_err (self->env, rc);
    } else
        mdb_txn_abort (txn);
    if (rc) {
        dbk_svci_held_undo (self);
        if (rc != DBK_EMAPFULL || dbk_lmdb_grow (self->env, NULL) != 0)
            s_model_failed (self, rc, "commit the read model");
        else
            dbk_logf (&self->log, DBK_LOG_INFO, "read model map grown");
        dbk_svci_sub_restart (self);
        return rc;
    }
    if (self->holding)
        self->hold_marked = true;
    if (caught_up)
        self->building = false;
    self->applied = last;
    if (n > 0) {
        memcpy (self->chain, last_hash, DBK_HASH_SIZE);
        self->chain_known = true;
    }
    self->count.events += (uint64_t) n;
    self->count.skipped += skipped;
    if (n > 0)
        s_applied (self, last);
    if (write_held)
        s_held_write (self, hold_done); /* which says whether the model is written */
    else
        s_model_written (self);
    if (self->replaying && caught_up)
        s_replay_mode (self, false);
    return n;
}

/*  dir/name into out. */
static void s_path (char *out, size_t outsz, const char *dir, const char *name)
{
    snprintf (out, outsz, "%s/%s", dir, name);
}

/*  Remove dir/fresh and the files in it, if they are there. */
static void s_fresh_remove (const char *fresh)
{
    char f[1300];
    s_path (f, sizeof f, fresh, "data.mdb");
    unlink (f);
    s_path (f, sizeof f, fresh, "lock.mdb");
    unlink (f);
    rmdir (fresh);
}

/*  The model emptied by a new file in place of the old one. Emptying the
    tables in place frees every page, and a replay into those pages gets
    them back in scattered order: LMDB's sorted list of dirty pages then
    moves its tail on most inserts (10-15 % of a REBUILD). The new file is
    made and opened in dir/fresh while the old one is still open, then
    moved over it (the open environment keeps its descriptors): a failure
    on the way (a full disk) leaves the old model as it was. */
static int s_model_fresh (dbk_svci_t *self)
{
    char dir[1100], fresh[1200], from[1300], to[1300];
    if (dbk_config_service_dir (&self->cfg, self->def->name, dir, sizeof dir) != 0)
        return DBK_ETOOBIG;
    s_path (fresh, sizeof fresh, dir, "fresh");
    s_fresh_remove (fresh); /* a leftover of a crash in here */
    if (mkdir (fresh, 0755) != 0)
        return DBK_EIO;
    dbk_svci_flush_join (self); /* the old file's flush, and its mark */
    MDB_env *old = self->env;
    MDB_dbi own[S_OWN], dbis[DBK_SVC_MAX_DBS];
    memcpy (own, self->own, sizeof own);
    memcpy (dbis, self->dbis, sizeof dbis);
    self->env = NULL;
    int rc = dbk_svci_model_open (self, fresh);
    s_path (from, sizeof from, fresh, "data.mdb");
    s_path (to, sizeof to, dir, "data.mdb");
    if (rc == 0 && rename (from, to) != 0)
        rc = DBK_EIO;
    if (rc) {
        if (self->env)
            mdb_env_close (self->env);
        self->env = old;
        memcpy (self->own, own, sizeof own);
        memcpy (self->dbis, dbis, sizeof dbis);
        s_fresh_remove (fresh);
        return rc;
    }
    /*  the lock file goes with it; a stale one left in dir would only be
        set up again by the next open */
    s_path (from, sizeof from, fresh, "lock.mdb");
    s_path (to, sizeof to, dir, "lock.mdb");
    if (rename (from, to) != 0)
        unlink (from);
    rmdir (fresh);
    mdb_env_close (old);
    if (self->replaying &&
        dbk_svci_unsynced_mark (self, true) == 0) /* the old file's replay mode */
        mdb_env_set_flags (self->env, MDB_NOSYNC, 1);
    else
        self->replaying = false; /* durable: replay mode again at the next batch */
    return 0;
}

/*  The model is empty again (REBUILD): what a replay held is dropped,
    and the replay that follows from seq 1 holds again. */
static int s_reset_done (dbk_svci_t *self)
{
    self->applied = 0;
    self->chain_known = false;
    /*  our appends are the log's now, or gone with a log restored from
        an older copy: either way nothing of ours is on its way */
    self->own_last = 0;
    self->react_seq = 0;
    /*  what the old subscriber found (a log behind the model, a record
        that failed its check) is for the new one to find again */
    self->last_sub_error = 0;
    self->fault = (dbk_sub_fault_t){0};
    /*  an event that failed is tried anew by the replay */
    self->apply_seq = 0;
    self->apply_rc = 0;
    self->apply_tries = 0;
    self->apply_err = 0;
    self->building = true;
    self->holding = self->hold_marked = false;
    dbk_svci_held_clear (self);
    if (self->replaying)
        s_hold_start (self);
    /*  a subscriber that cannot be made now (out of file descriptors) is
        made again by the loop (dbk_svci_sub_retry): the model is empty
        either way, and a REBUILD waits for the replay that follows */
    dbk_svci_sub_restart (self);
    /*  the new subscriber learns the log's head again: the one seen so far
        (the old subscriber's, kept by the restart) may be an older copy's,
        restored meanwhile, which a REBUILD would wait for for ever */
    self->head_seen = 0;
    self->head_known = false;
    return 0;
}

int dbk_svci_model_reset (dbk_svci_t *self)
{
    int frc = s_model_fresh (self);
    if (frc == 0)
        return s_reset_done (self);
    dbk_logf (&self->log, DBK_LOG_WARNING, "REBUILD: no new file (%s): emptying the old one",
              dbk_strerror (frc));
    MDB_txn *txn;
    int rc = mdb_txn_begin (self->env, NULL, 0, &txn);
    if (rc)
        return dbk_lmdb_err (rc);
    rc = s_drop_all (self, txn);
    if (rc == 0) /* mdb_drop emptied $meta too */
        rc = s_put_layout (self, txn);
    if (rc) {
        mdb_txn_abort (txn);
        return rc;
    }
    rc = mdb_txn_commit (txn);
    if (rc)
        return dbk_lmdb_write_err (self->env, rc);
    return s_reset_done (self);
}

/*  ---- own appends not applied yet ---- */

uint64_t dbk_svci_unapplied (const dbk_svci_t *self)
{
    return self->own_last > dbk_svci_ready (self) ? self->own_last : 0;
}

void dbk_svci_appended (dbk_svci_t *self, uint64_t seq)
{
    if (seq > self->own_last)
        self->own_last = seq;
}
