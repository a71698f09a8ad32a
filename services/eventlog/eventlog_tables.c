/*  eventlog_tables.c - the log's index tables (stream index, ids, stream
    heads) and the entries waiting to go into them (eventlog_store.h):
    their writes, the re-index at open, and the format upgrade. */
#include "eventlog_store_int.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"

#include <czmq.h>
#include <string.h>

#define S_REINDEX_TXN 10000 /* records re-indexed per transaction at open */

size_t eventlog_sindex_key (uint8_t *key, const char *stream, size_t len, uint64_t ver)
{
    memcpy (key, stream, len);
    key[len] = 0;
    dbk_be64_put (key + len + 1, ver);
    return len + 9;
}

/*  An event's entries in the stream index and the id table. */
static int s_put_entry (eventlog_store_t *self, MDB_txn *txn, const char *stream, size_t len,
                        uint64_t ver, const uint8_t *id, uint64_t seq)
{
    uint8_t seqkey[8], skey[DBK_STREAM_MAX + 9];
    dbk_be64_put (seqkey, seq);
    MDB_val sk = {eventlog_sindex_key (skey, stream, len, ver), skey}, sv = {8, seqkey};
    MDB_val ik = {DBK_ID_SIZE, (void *) id}, iv = {8, seqkey};
    int rc = mdb_put (txn, self->sindex, &sk, &sv, 0);
    if (!rc)
        rc = mdb_put (txn, self->ids, &ik, &iv, 0);
    return rc ? dbk_lmdb_write_err (self->env, rc) : 0;
}

/*  A stream's head: its last version and seq. */
static int s_put_head (eventlog_store_t *self, MDB_txn *txn, const char *stream, size_t len,
                       uint64_t ver, uint64_t seq)
{
    uint8_t verbuf[16];
    dbk_be64_put (verbuf, ver);
    dbk_be64_put (verbuf + 8, seq);
    MDB_val hk = {len, (void *) stream}, hv = {16, verbuf};
    int rc = mdb_put (txn, self->streams, &hk, &hv, 0);
    return rc ? dbk_lmdb_write_err (self->env, rc) : 0;
}

static int s_put_meta (eventlog_store_t *self, MDB_txn *txn, const char *key, uint64_t value)
{
    uint8_t buf[8];
    dbk_be64_put (buf, value);
    MDB_val k = {strlen (key), (void *) key}, v = {8, buf};
    int rc = mdb_put (txn, self->meta, &k, &v, 0);
    return rc ? dbk_lmdb_write_err (self->env, rc) : 0;
}

/*  The hash that record seq+1 must chain to: record seq's (zeros before
    the first record). */
static int s_hash_at (eventlog_store_t *self, MDB_txn *txn, uint64_t seq,
                      uint8_t out[DBK_HASH_SIZE])
{
    memset (out, 0, DBK_HASH_SIZE);
    if (seq == 0)
        return 0;
    dbk_event_t ev;
    int rc = eventlog_record_at (self, txn, seq, &ev);
    if (!rc)
        memcpy (out, ev.hash, DBK_HASH_SIZE);
    return rc;
}

/*  What the re-index at open does with each record's entries: put them
    into the tables in txn, or keep them waiting in memory. */
typedef int (*s_entry_fn) (eventlog_store_t *self, MDB_txn *txn, const dbk_event_t *ev);

static int s_entry_put (eventlog_store_t *self, MDB_txn *txn, const dbk_event_t *ev)
{
    int rc = s_put_entry (self, txn, ev->stream, ev->stream_len, ev->ver, ev->id, ev->seq);
    return rc ? rc : s_put_head (self, txn, ev->stream, ev->stream_len, ev->ver, ev->seq);
}

static int s_entry_wait (eventlog_store_t *self, MDB_txn *txn, const dbk_event_t *ev)
{
    (void) txn;
    if (eventlog_index_count (self->wait) == 0)
        self->wait_since = zclock_mono ();
    return eventlog_index_add (self->wait, ev->id, ev->stream, ev->stream_len, ev->ver, ev->seq);
}

/*  Hand at most max records after `from`, up to `head`, to fn, in txn;
    *at is the last seq handed. The records must be this log's: in seq
    order, on the hash chain, with valid stream names (keys are made of
    them); anything else is DBK_ECORRUPT. */
static int s_walk (eventlog_store_t *self, MDB_txn *txn, uint64_t from, uint64_t head, size_t max,
                   s_entry_fn fn, uint64_t *at)
{
    MDB_cursor *cur = NULL;
    uint8_t prev[DBK_HASH_SIZE];
    *at = from;
    int rc = s_hash_at (self, txn, from, prev);
    if (!rc)
        rc = dbk_lmdb_err (mdb_cursor_open (txn, self->events, &cur));
    uint8_t key[8];
    dbk_be64_put (key, from + 1);
    MDB_val k = {8, key}, v;
    for (size_t n = 0; !rc && n < max && *at < head; n++) {
        dbk_event_t ev;
        int mrc = mdb_cursor_get (cur, &k, &v, n ? MDB_NEXT : MDB_SET_RANGE);
        if (mrc) {
            rc = mrc == MDB_NOTFOUND ? DBK_ECORRUPT : dbk_lmdb_err (mrc);
            break;
        }
        if (k.mv_size != 8 || dbk_event_decode_record (v.mv_data, v.mv_size, &ev) ||
            ev.seq != dbk_be64_get (k.mv_data) || ev.seq != *at + 1 || ev.stream_len == 0 ||
            ev.stream_len > DBK_STREAM_MAX || !dbk_stream_name_valid (ev.stream, ev.stream_len) ||
            dbk_event_check_record (v.mv_data, v.mv_size, prev)) {
            rc = DBK_ECORRUPT;
            break;
        }
        if ((rc = fn (self, txn, &ev)))
            break;
        memcpy (prev, ev.hash, DBK_HASH_SIZE);
        *at = ev.seq;
    }
    if (cur)
        mdb_cursor_close (cur);
    return rc;
}

/*  Index the records after *from (the last seq indexed) up to `head`, in
    transactions of S_REINDEX_TXN records: after a crash, the entries
    that were still waiting in memory. *from moves with each commit. */
static int s_reindex (eventlog_store_t *self, uint64_t *from, uint64_t head)
{
    int grown = 0;
    while (*from < head) {
        MDB_txn *txn;
        int rc = dbk_lmdb_err (mdb_txn_begin (self->env, NULL, 0, &txn));
        if (rc)
            return rc;
        uint64_t at;
        rc = s_walk (self, txn, *from, head, S_REINDEX_TXN, s_entry_put, &at);
        if (!rc)
            rc = s_put_meta (self, txn, "indexed", at);
        if (!rc)
            rc = dbk_lmdb_write_err (self->env, mdb_txn_commit (txn));
        else
            mdb_txn_abort (txn);
        if (rc == DBK_EMAPFULL && grown++ < 40 && dbk_lmdb_grow (self->env, NULL) == 0)
            continue;
        if (rc)
            return rc;
        self->reindexed += at - *from;
        *from = at;
    }
    return 0;
}

/*  The entries of the records after `from` kept waiting in memory, as a
    running log keeps them when the disk is full: the tables take them
    with a later commit (eventlog_tables_write). */
static int s_reindex_wait (eventlog_store_t *self, uint64_t from, uint64_t head)
{
    MDB_txn *txn;
    int rc = dbk_lmdb_err (mdb_txn_begin (self->env, NULL, MDB_RDONLY, &txn));
    if (rc)
        return rc;
    uint64_t at;
    rc = s_walk (self, txn, from, head, SIZE_MAX, s_entry_wait, &at);
    mdb_txn_abort (txn);
    if (!rc)
        self->reindexed += at - from;
    return rc;
}

/*  Upgrade a format 1 log (its tables are complete), then index what the
    tables lack. */
int eventlog_tables_open (eventlog_store_t *self)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin (self->env, NULL, 0, &txn);
    if (rc)
        return dbk_lmdb_err (rc);
    MDB_val k = {6, "format"}, v;
    uint64_t indexed = 0;
    rc = mdb_get (txn, self->meta, &k, &v);
    if (!rc && v.mv_size == 8 && dbk_be64_get (v.mv_data) == 1) {
        if ((rc = s_put_meta (self, txn, "indexed", self->committed.head)) == 0 &&
            (rc = s_put_meta (self, txn, "format", EVENTLOG_FORMAT)) == 0)
            rc = dbk_lmdb_write_err (self->env, mdb_txn_commit (txn));
        else
            mdb_txn_abort (txn);
        return rc;
    }
    MDB_val ik = {7, "indexed"};
    if (!rc)
        rc = mdb_get (txn, self->meta, &ik, &v);
    if (!rc && v.mv_size == 8)
        indexed = dbk_be64_get (v.mv_data);
    else if (!rc)
        rc = MDB_CORRUPTED;
    mdb_txn_abort (txn);
    if (rc)
        return dbk_lmdb_err (rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc);
    if (indexed > self->committed.head)
        return DBK_ECORRUPT; /* the index names records that are not there */
    rc = s_reindex (self, &indexed, self->committed.head);
    if (rc != DBK_ENOSPC && rc != DBK_EMAPFULL)
        return rc;
    /*  the disk is full (a crash on a full disk leaves records to index
        and no room to write their entries): they wait in memory, and the
        log opens and serves; each failed start would otherwise eat the
        space an operator frees */
    self->index_deferred = rc;
    self->flush_after = zclock_mono () + self->index_ms;
    self->flush_err = rc;
    return s_reindex_wait (self, indexed, self->committed.head);
}

/*  Every waiting entry into the tables, and the seq they reach, in txn. */
static int s_flush (eventlog_store_t *self, MDB_txn *txn)
{
    const eventlog_index_t *w = self->wait;
    size_t n = eventlog_index_count (w);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const eventlog_index_entry_t *e = eventlog_index_at (w, i);
        size_t len;
        const char *name = eventlog_index_stream_name (w, e->stream, &len);
        rc = s_put_entry (self, txn, name, len, e->ver, e->id, e->seq);
    }
    for (uint32_t s = 0; s < eventlog_index_nstreams (w) && !rc; s++) {
        size_t len;
        const char *name = eventlog_index_stream_name (w, s, &len);
        const eventlog_index_entry_t *last = eventlog_index_stream_last (w, s);
        rc = s_put_head (self, txn, name, len, last->ver, last->seq);
    }
    return rc ? rc : s_put_meta (self, txn, "indexed", self->tip.head);
}

/*  Write the waiting entries within the group's transaction, in a nested
    one (LMDB refuses nested transactions under MDB_WRITEMAP, which
    dbk_lmdb_open does not set): if they do not fit the map, the group's
    records are still committed, the entries wait on, not written again
    before index_ms, and the map is to grow (eventlog_store_grow_wanted).
    Past EVENTLOG_INDEX_CAP waiting, a group fails with them instead:
    memory is not unbounded. */
int eventlog_tables_write (eventlog_store_t *self, bool *flushed)
{
    *flushed = false;
    size_t waiting = eventlog_index_count (self->wait);
    int64_t now = zclock_mono ();
    if (waiting == 0 || (waiting < self->index_events && now - self->wait_since < self->index_ms))
        return 0;
    if (now < self->flush_after)
        return waiting >= self->index_cap ? self->flush_err : 0;
    MDB_txn *child;
    int rc = dbk_lmdb_err (mdb_txn_begin (self->env, self->txn, 0, &child));
    if (!rc) {
        rc = s_flush (self, child);
        if (!rc)
            rc = dbk_lmdb_write_err (self->env, mdb_txn_commit (child));
        else
            mdb_txn_abort (child);
    }
    if (!rc) {
        *flushed = true;
        return 0;
    }
    self->flush_after = now + self->index_ms;
    self->flush_err = rc;
    self->grow_wanted = rc == DBK_EMAPFULL;
    return waiting >= self->index_cap ? rc : 0;
}

int eventlog_store_index_deferred (const eventlog_store_t *self)
{
    return self->index_deferred;
}

uint64_t eventlog_store_reindexed (const eventlog_store_t *self)
{
    return self->reindexed;
}

size_t eventlog_store_waiting (const eventlog_store_t *self)
{
    return eventlog_index_count (self->wait);
}

bool eventlog_store_grow_wanted (const eventlog_store_t *self)
{
    return self->grow_wanted;
}

int eventlog_store_flush (eventlog_store_t *self)
{
    if (self->txn)
        return DBK_EBUSY;
    if (eventlog_index_count (self->wait) == 0)
        return 0;
    /*  a transaction of its own (not begin: the records published by the
        last commit stay readable) */
    MDB_txn *txn;
    int rc = dbk_lmdb_err (mdb_txn_begin (self->env, NULL, 0, &txn));
    if (rc)
        return rc;
    rc = s_flush (self, txn);
    if (rc)
        mdb_txn_abort (txn);
    else
        rc = dbk_lmdb_write_err (self->env, mdb_txn_commit (txn));
    if (!rc)
        eventlog_index_truncate (self->wait, 0);
    return rc;
}

void eventlog_store_index_limits (eventlog_store_t *self, size_t events, int64_t ms, size_t cap)
{
    self->index_cap = cap;
    self->index_events = events;
    self->index_ms = ms;
}
