/*  eventlog_store.c - the log's LMDB environment: group-commit writes of
    the records, reads, verification and hot backup. The index tables
    and their waiting entries are in eventlog_tables.c. */
#include "eventlog_store_int.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_proto.h"
#include "dealbook/dbk_mem.h"

#include <czmq.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int s_open_dbis (MDB_env *env, eventlog_store_t *self, bool create)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin (env, NULL, create ? 0 : MDB_RDONLY, &txn);
    if (rc)
        return dbk_lmdb_err (rc);
    unsigned f = create ? MDB_CREATE : 0;
    if ((rc = mdb_dbi_open (txn, "events", f, &self->events)) ||
        (rc = mdb_dbi_open (txn, "streams", f, &self->streams)) ||
        (rc = mdb_dbi_open (txn, "sindex", f, &self->sindex)) ||
        (rc = mdb_dbi_open (txn, "ids", f, &self->ids)) ||
        (rc = mdb_dbi_open (txn, "meta", f, &self->meta))) {
        mdb_txn_abort (txn);
        return dbk_lmdb_err (rc);
    }
    if (create) {
        /*  a new log: format 2, nothing to index; format 1 is upgraded by
            eventlog_tables_open once the head is known */
        uint8_t fmt[8], zero[8] = {0};
        dbk_be64_put (fmt, EVENTLOG_FORMAT);
        MDB_val k = {6, "format"}, v = {8, fmt}, old, ik = {7, "indexed"}, iv = {8, zero};
        rc = mdb_get (txn, self->meta, &k, &old);
        if (rc == MDB_NOTFOUND) {
            rc = mdb_put (txn, self->meta, &k, &v, 0);
            if (!rc)
                rc = mdb_put (txn, self->meta, &ik, &iv, 0);
        } else if (rc == 0 && (old.mv_size != 8 || dbk_be64_get (old.mv_data) < 1 ||
                               dbk_be64_get (old.mv_data) > EVENTLOG_FORMAT))
            rc = MDB_INVALID;
        if (rc) {
            mdb_txn_abort (txn);
            return dbk_lmdb_err (rc);
        }
    }
    /*  handles opened in a transaction survive only if it commits, even a
        read-only one */
    return dbk_lmdb_err (mdb_txn_commit (txn));
}

/*  Derive the tip from the last record. */
static int s_load_tip (eventlog_store_t *self, MDB_txn *txn, eventlog_tip_t *tip)
{
    memset (tip, 0, sizeof *tip);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, self->events, &cur);
    if (rc)
        return dbk_lmdb_err (rc);
    MDB_val k, v;
    rc = mdb_cursor_get (cur, &k, &v, MDB_LAST);
    mdb_cursor_close (cur);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return dbk_lmdb_err (rc);
    dbk_event_t ev;
    if (k.mv_size != 8 || dbk_event_decode_record (v.mv_data, v.mv_size, &ev) ||
        ev.seq != dbk_be64_get (k.mv_data))
        return DBK_ECORRUPT;
    tip->head = ev.seq;
    tip->last_ts = ev.ts;
    memcpy (tip->chain, ev.hash, DBK_HASH_SIZE);
    return 0;
}

int eventlog_store_open (eventlog_store_t **self_p, const char *dir, uint64_t map_size,
                         bool durable, char *why, size_t whysz)
{
    *self_p = NULL;
    if (why && whysz)
        *why = 0;
    eventlog_store_t *self = calloc (1, sizeof *self);
    if (!self)
        return DBK_ENOMEM;
    pthread_mutex_init (&self->backup, NULL);
    snprintf (self->dir, sizeof self->dir, "%s", dir);
    self->pending = dbk_wr_new ();
    self->wait = eventlog_index_new ();
    self->index_events = EVENTLOG_INDEX_EVENTS;
    self->index_ms = EVENTLOG_INDEX_MS;
    self->index_cap = EVENTLOG_INDEX_CAP;
    self->cap = 1024;
    self->offsets = malloc (self->cap * sizeof *self->offsets);
    int rc = self->pending && self->offsets && self->wait ? 0 : DBK_ENOMEM;
    if (!rc)
        rc = dbk_lmdb_open (&self->env, dir, map_size, 8, durable, why, whysz);
    if (!rc)
        rc = s_open_dbis (self->env, self, true);
    MDB_txn *txn = NULL;
    if (!rc)
        rc = dbk_lmdb_err (mdb_txn_begin (self->env, NULL, MDB_RDONLY, &txn));
    if (!rc)
        rc = s_load_tip (self, txn, &self->committed);
    if (txn)
        mdb_txn_abort (txn);
    if (!rc)
        rc = eventlog_tables_open (self);
    if (rc) {
        eventlog_store_close (&self);
        return rc;
    }
    self->tip = self->committed;
    *self_p = self;
    return 0;
}

void eventlog_store_close (eventlog_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    eventlog_store_t *self = *self_p;
    if (self->txn)
        eventlog_store_abort (self);
    if (self->env)
        eventlog_store_flush (self); /* else the next open indexes them again */
    if (self->rtxn)
        mdb_txn_abort (self->rtxn);
    if (self->env)
        mdb_env_close (self->env);
    dbk_wr_destroy (&self->pending);
    eventlog_index_destroy (&self->wait);
    free (self->offsets);
    pthread_mutex_destroy (&self->backup);
    free (self);
    *self_p = NULL;
}

int eventlog_store_begin (eventlog_store_t *self)
{
    dbk_wr_reset (self->pending);
    self->npending = 0;
    self->offsets[0] = 0;
    self->tip = self->committed;
    self->mark = eventlog_index_count (self->wait);
    return dbk_lmdb_err (mdb_txn_begin (self->env, NULL, 0, &self->txn));
}

void eventlog_store_abort (eventlog_store_t *self)
{
    if (!self->txn)
        return; /* nothing open: what waits was committed */
    mdb_txn_abort (self->txn);
    self->txn = NULL;
    self->tip = self->committed;
    self->npending = 0;
    dbk_wr_reset (self->pending);
    eventlog_index_truncate (self->wait, self->mark);
}

/*  The group's records once more, alone, in a transaction of their own:
    its commit with the index entries failed (a full disk can refuse the
    pages of the entries and have room for the records). */
static int s_records_alone (eventlog_store_t *self)
{
    MDB_txn *txn;
    int rc = dbk_lmdb_err (mdb_txn_begin (self->env, NULL, 0, &txn));
    if (rc)
        return rc;
    uint64_t seq = self->committed.head;
    for (size_t i = 0; i < self->npending && !rc; i++) {
        uint8_t key[8];
        dbk_be64_put (key, ++seq);
        MDB_val k = {8, key}, v = {self->offsets[i + 1] - self->offsets[i],
                                   (uint8_t *) dbk_wr_data (self->pending) + self->offsets[i]};
        rc = dbk_lmdb_write_err (self->env, mdb_put (txn, self->events, &k, &v, MDB_APPEND));
    }
    if (rc) {
        mdb_txn_abort (txn);
        return rc;
    }
    return dbk_lmdb_write_err (self->env, mdb_txn_commit (txn));
}

int eventlog_store_commit (eventlog_store_t *self)
{
    bool flushed;
    int rc = eventlog_tables_write (self, &flushed);
    if (rc) {
        eventlog_store_abort (self);
        return rc;
    }
    /*  mdb_txn_commit frees the transaction whatever it returns */
    rc = dbk_lmdb_write_err (self->env, mdb_txn_commit (self->txn));
    self->txn = NULL;
    if (rc && flushed) {
        self->flush_after = zclock_mono () + self->index_ms;
        self->flush_err = rc;
        flushed = false;
        /*  the entries took the room the records needed: commit these
            alone. Not after an I/O error: a failed sync says the disk
            cannot be trusted with the group, and a retry that syncs
            without error proves nothing of what the failed one lost */
        if ((rc == DBK_EMAPFULL || rc == DBK_ENOSPC) &&
            eventlog_index_count (self->wait) < self->index_cap)
            rc = s_records_alone (self);
    }
    if (rc) {
        self->tip = self->committed;
        self->npending = 0;
        eventlog_index_truncate (self->wait, self->mark);
        return rc;
    }
    self->committed = self->tip;
    if (flushed)
        eventlog_index_truncate (self->wait, 0);
    return 0;
}

int eventlog_store_grow (eventlog_store_t *self)
{
    /*  the reusable read transaction holds a snapshot: release it so the
        map can be resized (LMDB requires no open transaction) */
    if (self->rtxn) {
        mdb_txn_abort (self->rtxn);
        self->rtxn = NULL;
    }
    int rc = dbk_lmdb_grow (self->env, NULL);
    if (!rc) {
        self->flush_after = 0; /* room again, perhaps for the waiting entries */
        self->grow_wanted = false;
    }
    return rc;
}

/*  Current version of a stream inside the open txn (0 = none). */
static int s_stream_ver (eventlog_store_t *self, const char *s, size_t n, uint64_t *ver)
{
    uint64_t seq;
    if (eventlog_index_head (self->wait, s, n, ver, &seq))
        return 0;
    MDB_val k = {n, (void *) s}, v;
    int rc = mdb_get (self->txn, self->streams, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *ver = 0;
        return 0;
    }
    if (rc)
        return dbk_lmdb_err (rc);
    if (v.mv_size != 16)
        return DBK_ECORRUPT;
    *ver = dbk_be64_get (v.mv_data);
    return 0;
}

/*  Seq of a stored event id (0 = not stored). */
static int s_id_seq (eventlog_store_t *self, MDB_txn *txn, const uint8_t *id, uint64_t *seq)
{
    if ((*seq = eventlog_index_id (self->wait, id)))
        return 0;
    MDB_val k = {DBK_ID_SIZE, (void *) id}, v;
    int rc = mdb_get (txn, self->ids, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *seq = 0;
        return 0;
    }
    if (rc)
        return dbk_lmdb_err (rc);
    if (v.mv_size != 8)
        return DBK_ECORRUPT;
    *seq = dbk_be64_get (v.mv_data);
    return 0;
}

/*  The stored bytes of record seq: 0, or an LMDB code (MDB_CORRUPTED for
    a record that is not there: an index or the chain names it). */
static int s_get (const eventlog_store_t *self, MDB_txn *txn, uint64_t seq, MDB_val *v)
{
    uint8_t key[8];
    dbk_be64_put (key, seq);
    MDB_val k = {8, key};
    int rc = mdb_get (txn, self->events, &k, v);
    return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
}

int eventlog_record_at (eventlog_store_t *self, MDB_txn *txn, uint64_t seq, dbk_event_t *ev)
{
    MDB_val v;
    int rc = s_get (self, txn, seq, &v);
    if (rc)
        return dbk_lmdb_err (rc);
    return dbk_event_decode_record (v.mv_data, v.mv_size, ev) ? DBK_ECORRUPT : 0;
}

/*  All ids of the request stored (in the batch's stream)? Fills pos. */
static int s_check_ids (eventlog_store_t *self, eventlog_batch_t *b, size_t nb, eventlog_pos_t *pos,
                        bool *all_stored)
{
    size_t stored = 0, total = 0;
    for (size_t i = 0; i < nb; i++) {
        memset (&pos[i], 0, sizeof pos[i]);
        for (size_t j = 0; j < b[i].n; j++, total++) {
            uint64_t seq = 0;
            int rc = s_id_seq (self, self->txn, b[i].events[j].id, &seq);
            if (rc)
                return rc;
            if (!seq)
                continue;
            stored++;
            dbk_event_t ev;
            if ((rc = eventlog_record_at (self, self->txn, seq, &ev)))
                return rc;
            if (ev.stream_len != b[i].stream_len ||
                memcmp (ev.stream, b[i].stream, ev.stream_len) != 0)
                return DBK_EIDCONFLICT;
            if (!pos[i].first_seq || seq < pos[i].first_seq) {
                pos[i].first_seq = seq;
                pos[i].first_ver = ev.ver;
            }
            if (seq > pos[i].last_seq) {
                pos[i].last_seq = seq;
                pos[i].last_ver = ev.ver;
            }
            pos[i].duplicate = true;
        }
    }
    if (stored && stored != total)
        return DBK_EIDCONFLICT;
    *all_stored = stored > 0;
    return 0;
}

static bool s_expect_ok (int64_t expect, uint64_t ver)
{
    switch (expect) {
    case DBK_EXPECT_ANY:
        return true;
    case DBK_EXPECT_NONE:
        return ver == 0;
    case DBK_EXPECT_EXISTS:
        return ver > 0;
    default:
        return expect >= 0 && (uint64_t) expect == ver;
    }
}

static int s_keep_offset (eventlog_store_t *self)
{
    if (dbk_grow (&self->offsets, &self->cap, self->npending + 2, sizeof *self->offsets, 64))
        return DBK_ENOMEM;
    self->offsets[++self->npending] = dbk_wr_size (self->pending);
    return 0;
}

static int s_write_event (eventlog_store_t *self, const eventlog_batch_t *b, dbk_event_t *ev,
                          uint64_t ver)
{
    eventlog_tip_t *tip = &self->tip;
    int64_t now = dbk_now_ms ();
    ev->seq = tip->head + 1;
    ev->ver = ver;
    ev->stream = b->stream;
    ev->stream_len = b->stream_len;
    ev->ts = now > tip->last_ts ? now : tip->last_ts; /* never decreasing */
    /*  an omitted `at` is the record's ts; ev keeps "omitted" so that a
        batch replayed after a map growth takes the new ts */
    int64_t at_given = ev->at;
    if (ev->at == INT64_MIN)
        ev->at = ev->ts;
    size_t start = dbk_wr_size (self->pending);
    dbk_event_write_record (self->pending, ev, tip->chain);
    ev->at = at_given;
    int rc = s_keep_offset (self);
    if (rc)
        return rc;
    uint8_t seqkey[8];
    dbk_be64_put (seqkey, ev->seq);
    MDB_val k = {8, seqkey};
    MDB_val v = {dbk_wr_size (self->pending) - start,
                 (uint8_t *) dbk_wr_data (self->pending) + start};
    /*  a put may spill dirty pages to disk: map its errors as writes */
    if ((rc = mdb_put (self->txn, self->events, &k, &v, MDB_APPEND)))
        return dbk_lmdb_write_err (self->env, rc);
    /*  the index entries wait (eventlog_index.h) */
    if (eventlog_index_count (self->wait) == 0)
        self->wait_since = zclock_mono ();
    if ((rc = eventlog_index_add (self->wait, ev->id, b->stream, b->stream_len, ver, ev->seq)))
        return rc;
    tip->head = ev->seq;
    tip->last_ts = ev->ts;
    memcpy (tip->chain, ev->hash, DBK_HASH_SIZE);
    return 0;
}

int eventlog_store_append (eventlog_store_t *self, eventlog_batch_t *batches, size_t nb,
                           eventlog_pos_t *pos, uint64_t *current, size_t *bad)
{
    assert (self->txn);
    *bad = 0;
    *current = 0;
    bool all_stored = false;
    int rc = s_check_ids (self, batches, nb, pos, &all_stored);
    if (rc || all_stored)
        return rc; /* a retry answers the original positions */
    /*  check every expected version before writing anything, so a refused
        request leaves the shared transaction untouched */
    uint64_t vers[nb];
    for (size_t i = 0; i < nb; i++) {
        if ((rc = s_stream_ver (self, batches[i].stream, batches[i].stream_len, &vers[i])))
            return rc;
        if (!s_expect_ok (batches[i].expect, vers[i])) {
            *bad = i;
            *current = vers[i];
            return DBK_ECONFLICT;
        }
    }
    for (size_t i = 0; i < nb; i++) {
        eventlog_batch_t *b = &batches[i];
        pos[i].first_seq = self->tip.head + 1;
        pos[i].first_ver = vers[i] + 1;
        for (size_t j = 0; j < b->n; j++)
            if ((rc = s_write_event (self, b, &b->events[j], vers[i] + 1 + j)))
                return rc;
        pos[i].last_seq = self->tip.head;
        pos[i].last_ver = vers[i] + b->n;
        pos[i].duplicate = false;
    }
    return 0;
}

size_t eventlog_store_published (const eventlog_store_t *self)
{
    return self->npending;
}

void eventlog_store_published_at (const eventlog_store_t *self, size_t i, const uint8_t **rec,
                                  size_t *len)
{
    *rec = (const uint8_t *) dbk_wr_data (self->pending) + self->offsets[i];
    *len = self->offsets[i + 1] - self->offsets[i];
}

uint64_t eventlog_store_head (const eventlog_store_t *self)
{
    return self->committed.head;
}

static int s_read_txn (eventlog_store_t *self)
{
    if (self->rtxn)
        return dbk_lmdb_err (mdb_txn_renew (self->rtxn));
    return dbk_lmdb_err (mdb_txn_begin (self->env, NULL, MDB_RDONLY, &self->rtxn));
}

/*  Set *f (if any): record seq is at fault, for the reason that follows. */
#define S_FAULT(f, at, ...)                                                                        \
    do {                                                                                           \
        if (f) {                                                                                   \
            (f)->seq = (at);                                                                       \
            snprintf ((f)->why, sizeof (f)->why, __VA_ARGS__);                                     \
        }                                                                                          \
    } while (0)

#define S_NAME 60 /* bytes of a stream name quoted in a reason */

/*  The record that a stream's entry (ver -> seq) leads to, as a bin to
    out, in a read by stream that needs version `want` next: DBK_ECORRUPT
    (and *f) unless the entry is that version's and its record is there,
    with that seq, stream and version. Only the record's first keys are
    decoded. */
static int s_read_entry (eventlog_store_t *self, MDB_txn *txn, const eventlog_read_t *rq,
                         uint64_t want, uint64_t ver, uint64_t seq, dbk_wr_t *out,
                         eventlog_fault_t *f)
{
    int sl = (int) (rq->stream_len < S_NAME ? rq->stream_len : S_NAME);
    if (ver != want) {
        S_FAULT (f, seq,
                 "stream %.*s has no index entry for version %llu (the next one, version %llu, "
                 "leads to seq %llu)",
                 sl, rq->stream, (unsigned long long) want, (unsigned long long) ver,
                 (unsigned long long) seq);
        return DBK_ECORRUPT;
    }
    MDB_val v;
    int rc = s_get (self, txn, seq, &v);
    if (rc == MDB_CORRUPTED)
        S_FAULT (f, seq,
                 "the index entry of stream %.*s version %llu leads to seq %llu: no such record",
                 sl, rq->stream, (unsigned long long) ver, (unsigned long long) seq);
    if (rc)
        return dbk_lmdb_err (rc);
    uint64_t rseq, rver;
    uint8_t id[DBK_ID_SIZE];
    const char *rs;
    size_t rsl;
    if (dbk_event_peek_key (v.mv_data, v.mv_size, &rseq, id, &rs, &rsl, &rver)) {
        S_FAULT (f, seq,
                 "the index entry of stream %.*s version %llu leads to seq %llu: its record does "
                 "not decode",
                 sl, rq->stream, (unsigned long long) ver, (unsigned long long) seq);
        return DBK_ECORRUPT;
    }
    if (rseq != seq || rver != ver || rsl != rq->stream_len || memcmp (rs, rq->stream, rsl)) {
        S_FAULT (f, seq,
                 "the index entry of stream %.*s version %llu leads to seq %llu, which holds "
                 "seq %llu of stream %.*s version %llu",
                 sl, rq->stream, (unsigned long long) ver, (unsigned long long) seq,
                 (unsigned long long) rseq, (int) (rsl < S_NAME ? rsl : S_NAME), rs,
                 (unsigned long long) rver);
        return DBK_ECORRUPT;
    }
    dbk_wr_bin (out, v.mv_data, v.mv_size);
    return 0;
}

/*  A read by stream: its entries in the stream index from version
    `from`, then those still waiting (eventlog_index.h). Each record is
    checked against the entry that led to it, and the versions must run
    on from `from` without a gap (up to the stream's head in the tables
    where the entries end): a page never holds another stream's record
    and never skips one. DBK codes. */
static int s_read_stream (eventlog_store_t *self, MDB_txn *txn, const eventlog_read_t *rq,
                          dbk_wr_t *out, size_t base, uint32_t *count, uint64_t *last,
                          eventlog_fault_t *f)
{
    uint64_t next = rq->from ? rq->from : 1; /* the version the page needs next */
    uint8_t skey[DBK_STREAM_MAX + 9];
    MDB_val k = {eventlog_sindex_key (skey, rq->stream, rq->stream_len, next), skey}, v;
    MDB_cursor *cur;
    int rc = dbk_lmdb_err (mdb_cursor_open (txn, self->sindex, &cur));
    if (rc)
        return rc;
    bool tables_done = false; /* then the entries still waiting follow */
    for (int op = MDB_SET_RANGE;
         !rc && *count < rq->limit && dbk_wr_size (out) - base < EVENTLOG_PAGE_BYTES;
         op = MDB_NEXT) {
        int mrc = mdb_cursor_get (cur, &k, &v, op);
        if (mrc == MDB_NOTFOUND ||
            (mrc == 0 && (k.mv_size != rq->stream_len + 9 ||
                          memcmp (k.mv_data, rq->stream, rq->stream_len) != 0 ||
                          ((uint8_t *) k.mv_data)[rq->stream_len] != 0))) {
            tables_done = true;
            break;
        }
        if (mrc) {
            rc = dbk_lmdb_err (mrc);
            break;
        }
        uint64_t ver = dbk_be64_get ((uint8_t *) k.mv_data + rq->stream_len + 1);
        if (v.mv_size != 8) {
            S_FAULT (f, 0, "the index entry of stream %.*s version %llu is not a seq",
                     (int) (rq->stream_len < S_NAME ? rq->stream_len : S_NAME), rq->stream,
                     (unsigned long long) ver);
            rc = DBK_ECORRUPT;
            break;
        }
        uint64_t seq = dbk_be64_get (v.mv_data);
        if ((rc = s_read_entry (self, txn, rq, next, ver, seq, out, f)))
            break;
        (*count)++;
        *last = seq;
        next++;
    }
    mdb_cursor_close (cur);
    if (rc || !tables_done)
        return rc;
    /*  no entry of the stream in the tables from version `next` on: its
        head there must be before it */
    MDB_val hk = {rq->stream_len, (void *) rq->stream}, hv;
    int mrc = mdb_get (txn, self->streams, &hk, &hv);
    if (mrc && mrc != MDB_NOTFOUND)
        return dbk_lmdb_err (mrc);
    if (mrc == 0 && hv.mv_size == 16 && dbk_be64_get (hv.mv_data) >= next) {
        uint64_t hseq = dbk_be64_get ((uint8_t *) hv.mv_data + 8);
        S_FAULT (f, hseq,
                 "stream %.*s has no index entry for version %llu (its head is version %llu, "
                 "seq %llu)",
                 (int) (rq->stream_len < S_NAME ? rq->stream_len : S_NAME), rq->stream,
                 (unsigned long long) next, (unsigned long long) dbk_be64_get (hv.mv_data),
                 (unsigned long long) hseq);
        return DBK_ECORRUPT;
    }
    for (uint32_t e = eventlog_index_from (self->wait, rq->stream, rq->stream_len, next);
         e != UINT32_MAX && *count < rq->limit && dbk_wr_size (out) - base < EVENTLOG_PAGE_BYTES;
         e = eventlog_index_at (self->wait, e)->next) {
        const eventlog_index_entry_t *en = eventlog_index_at (self->wait, e);
        if ((rc = s_read_entry (self, txn, rq, next, en->ver, en->seq, out, f)))
            return rc;
        (*count)++;
        *last = en->seq;
        next++;
    }
    return 0;
}

int eventlog_store_read (eventlog_store_t *self, const eventlog_read_t *rq, dbk_wr_t *out,
                         uint32_t *count, uint64_t *last, uint64_t *head, eventlog_fault_t *fault)
{
    *count = 0;
    *last = 0;
    if (fault)
        *fault = (eventlog_fault_t){0};
    size_t base = dbk_wr_size (out); /* the page's bytes are counted from here */
    int rc = s_read_txn (self);
    if (rc)
        return rc;
    MDB_txn *txn = self->rtxn;
    *head = 0;
    {
        /* the head as of this snapshot (not the in-memory one, which may be ahead) */
        MDB_cursor *c;
        MDB_val k, v;
        if ((rc = mdb_cursor_open (txn, self->events, &c)) == 0) {
            if (mdb_cursor_get (c, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
                *head = dbk_be64_get (k.mv_data);
            mdb_cursor_close (c);
        }
    }
    if (rq->stream) {
        rc = rc ? dbk_lmdb_err (rc) : s_read_stream (self, txn, rq, out, base, count, last, fault);
        mdb_txn_reset (txn);
        return rc;
    }
    MDB_cursor *cur = NULL;
    uint8_t key[8];
    dbk_be64_put (key, rq->from ? rq->from : 1);
    MDB_val k = {8, key}, v;
    if (!rc)
        rc = mdb_cursor_open (txn, self->events, &cur);
    int op = MDB_SET_RANGE;
    uint32_t scanned = 0;
    while (!rc && *count < rq->limit && scanned < rq->max_scan &&
           dbk_wr_size (out) - base < EVENTLOG_PAGE_BYTES) {
        rc = mdb_cursor_get (cur, &k, &v, op);
        op = MDB_NEXT;
        if (rc)
            break;
        scanned++;
        *last = dbk_be64_get (k.mv_data);
        if (rq->ntypes) {
            uint64_t seq;
            const char *type;
            size_t tlen, i = 0;
            if (dbk_event_peek (v.mv_data, v.mv_size, &seq, &type, &tlen)) {
                rc = MDB_CORRUPTED;
                S_FAULT (fault, *last, "the record of seq %llu does not decode",
                         (unsigned long long) *last);
                break;
            }
            while (i < rq->ntypes &&
                   (tlen < rq->type_lens[i] || memcmp (type, rq->types[i], rq->type_lens[i])))
                i++;
            if (i == rq->ntypes)
                continue;
        }
        dbk_wr_bin (out, v.mv_data, v.mv_size);
        (*count)++;
    }
    if (cur)
        mdb_cursor_close (cur);
    mdb_txn_reset (txn);
    return rc == MDB_NOTFOUND ? 0 : dbk_lmdb_err (rc);
}

int eventlog_store_stats (eventlog_store_t *self, eventlog_stats_t *st)
{
    memset (st, 0, sizeof *st);
    st->head = self->committed.head;
    memcpy (st->head_hash, self->committed.chain, DBK_HASH_SIZE);
    MDB_envinfo info;
    if (mdb_env_info (self->env, &info) == 0)
        st->map_size = info.me_mapsize;
    st->map_used = dbk_lmdb_used (self->env);
    MDB_txn *txn;
    if (mdb_txn_begin (self->env, NULL, MDB_RDONLY, &txn) == 0) {
        MDB_stat ms;
        if (mdb_stat (txn, self->streams, &ms) == 0)
            st->streams = ms.ms_entries + eventlog_index_new_streams (self->wait);
        mdb_txn_abort (txn);
    }
    return 0;
}

int eventlog_store_verify (eventlog_store_t *self, eventlog_verify_t *r, _Atomic uint64_t *progress)
{
    return eventlog_verify_env (self->env, self, r, progress);
}

int eventlog_verify_dir (const char *dir, eventlog_verify_t *r, _Atomic uint64_t *progress)
{
    *r = (eventlog_verify_t){0};
    eventlog_store_t tmp;
    memset (&tmp, 0, sizeof tmp);
    MDB_env *env;
    /*  read-only, without a lock file: the copy is checked, not changed,
        and a backup directory holds data.mdb alone */
    int rc = dbk_lmdb_open_copy (&env, dir, 8, NULL, 0);
    if (rc)
        return rc;
    rc = s_open_dbis (env, &tmp, false);
    if (!rc)
        rc = eventlog_verify_env (env, &tmp, r, progress);
    mdb_env_close (env);
    return rc;
}

/*  1 if the directory `dir` holds anything, 0 if not, -1 if it cannot
    be read. */
static int s_dir_used (const char *dir)
{
    DIR *d = opendir (dir);
    if (!d)
        return -1;
    int used = 0;
    for (struct dirent *e; !used && (e = readdir (d));)
        used = strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0;
    closedir (d);
    return used;
}

/*  fsync `path`; on failure a sentence into why. 0 or DBK_EIO. */
static int s_sync (const char *path, const char *what, char *why, size_t whysz)
{
    if (dbk_fsync_path (path) == 0)
        return 0;
    int err = errno;
    char real[PATH_MAX]; /* "dir/.." named as the directory it is */
    if (realpath (path, real))
        path = real;
    errno = err;
    snprintf (why, whysz,
              "the copy could not be made durable: fsync of %s (%s) failed: %s; the copy was "
              "removed, retry into the same directory",
              what, path, strerror (errno));
    return DBK_EIO;
}

/*  Make the directory `dir` (and its missing parents) and create the
    copy's file in it, if `dir` is empty: the file open for writing, or a
    DBK code (DBK_EINVAL: `dir` holds anything) with nothing created but
    directories. */
static int s_backup_file (const char *dir, const char *path, int *fd, char *why, size_t whysz)
{
    if (dbk_dir_create (dir) != 0) {
        snprintf (why, whysz, "cannot create %s: %s", dir, strerror (errno));
        return DBK_EIO;
    }
    /*  a new or empty directory only: never overwrite a copy, and never
        mix one with other files (a restore takes the whole directory for
        the backup; a mistyped path, the data directory itself, would get
        a data.mdb among the services' directories) */
    int used = s_dir_used (dir);
    if (used) {
        if (used < 0)
            snprintf (why, whysz, "cannot read %s: %s", dir, strerror (errno));
        return used < 0 ? DBK_EIO : DBK_EINVAL;
    }
    /*  created here rather than by mdb_env_copy2, which also creates it
        exclusively but, failing, leaves the caller unable to tell its own
        file from another's */
    *fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (*fd < 0) {
        int err = errno;
        if (err == EEXIST)
            return DBK_EINVAL; /* a copy made by someone else meanwhile */
        snprintf (why, whysz, "cannot create %s: %s", path, strerror (err));
        return err == ENOSPC ? DBK_ENOSPC : DBK_EIO;
    }
    /*  as mdb_env_copy2 does: past the page cache, where the file system
        allows it */
    int fl = fcntl (*fd, F_GETFL);
    if (fl != -1)
        (void) fcntl (*fd, F_SETFL, fl | O_DIRECT);
    return 0;
}

int eventlog_store_backup (eventlog_store_t *self, const char *dir, char *why, size_t whysz)
{
    *why = 0;
    char path[PATH_MAX + 16];
    snprintf (path, sizeof path, "%s/data.mdb", dir);
    /*  two jobs into one directory make it one after the other: the first
        finds it empty and creates the file, the second finds the file
        (DBK_EINVAL) and removes nothing */
    int fd = -1;
    pthread_mutex_lock (&self->backup);
    int rc = s_backup_file (dir, path, &fd, why, whysz);
    pthread_mutex_unlock (&self->backup);
    if (rc)
        return rc;
    rc = dbk_lmdb_err (mdb_env_copyfd2 (self->env, fd, MDB_CP_COMPACT));
    if (close (fd) != 0 && !rc) {
        int err = errno;
        snprintf (why, whysz, "cannot write %s: %s", path, strerror (err));
        rc = err == ENOSPC ? DBK_ENOSPC : DBK_EIO;
    }
    /*  mdb_env_copyfd2 writes the file and syncs nothing: a backup
        answered valid must survive a power cut, so the file, its
        directory's entry of it and every directory above, up to the root,
        go to the disk. Every one, not only those this job made (backup
        /srv/b/2026/11 may make 2026 and 11): another job may have made
        one a moment before and not synced it yet, or never, if its copy
        failed. A directory's fsync costs little next to the copy. */
    if (!rc)
        rc = s_sync (path, "the copy", why, whysz);
    if (!rc)
        rc = s_sync (dir, "its directory", why, whysz);
    char up[PATH_MAX];
    if (!rc && !realpath (dir, up)) {
        snprintf (why, whysz, "cannot resolve %s to sync its parents: %s", dir, strerror (errno));
        rc = DBK_EIO;
    }
    while (!rc && strcmp (up, "/") != 0) {
        char *slash = strrchr (up, '/');
        if (slash == up)
            slash[1] = 0; /* the root */
        else
            *slash = 0;
        rc = s_sync (up, "a parent directory", why, whysz);
    }
    /*  a copy cut short (a full disk) or not synced is no backup: the
        directory was empty, and stays so for a retry once there is room
        (the file is this job's: it created it) */
    if (rc)
        unlink (path);
    return rc;
}
