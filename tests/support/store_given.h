/*  store_given.h - a log store (services/eventlog/eventlog_store.h) on
    real LMDB in a temporary directory, for the tests of its index
    (test_eventlog_index.c) and of what READ and VERIFY check
    (test_eventlog_check.c): open, close, append, read by stream, and the
    raw tables under it.
*/
#ifndef STORE_GIVEN_H
#define STORE_GIVEN_H

#include "testlib.h"

#include "eventlog_index.h"
#include "eventlog_store.h"

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"

#include <criterion/criterion.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *dir;
    eventlog_store_t *st;
} s_log_t;

/*  Open; the entries are written by count only (not after a second: the
    counts the tests check do not depend on how fast this machine is). */
static inline void s_open (s_log_t *l)
{
    int rc = eventlog_store_open (&l->st, l->dir, 1 << 24, false, NULL, 0);
    cr_assert_eq (rc, 0, "open: %s", dbk_strerror (rc));
    eventlog_store_index_limits (l->st, EVENTLOG_INDEX_EVENTS, INT64_MAX / 4, EVENTLOG_INDEX_CAP);
}

/*  Close the store (if open) and remove its directory. */
static inline void s_finish (s_log_t *l)
{
    eventlog_store_close (&l->st);
    tl_rmtree (l->dir);
    free (l->dir);
    l->dir = NULL;
}

/*  The log's environment opened by hand, with a write transaction. */
static inline MDB_env *s_raw_open (const char *dir, MDB_txn **txn)
{
    MDB_env *env;
    cr_assert_eq (mdb_env_create (&env), 0);
    mdb_env_set_maxdbs (env, 8);
    cr_assert_eq (mdb_env_open (env, dir, 0, 0644), 0);
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, txn), 0);
    return env;
}

/*  One committed APPEND of n events to `stream`, expecting `expect`; ids
    (optional) get theirs, or are used if ids[0] is set and reuse. */
static inline int s_append (s_log_t *l, const char *stream, int64_t expect, size_t n,
                            uint8_t (*ids)[DBK_ID_SIZE], bool reuse, eventlog_pos_t *pos)
{
    dbk_event_t evs[64];
    dbk_wr_t *bufs[64];
    cr_assert (n <= 64);
    for (size_t i = 0; i < n; i++) {
        bufs[i] = dbk_wr_new ();
        tl_event (&evs[i], "index.tested", i, "x", bufs[i]);
        if (ids && reuse)
            memcpy (evs[i].id, ids[i], DBK_ID_SIZE);
        else if (ids)
            memcpy (ids[i], evs[i].id, DBK_ID_SIZE);
    }
    eventlog_batch_t b = {
        .stream = stream, .stream_len = strlen (stream), .expect = expect, .events = evs, .n = n};
    eventlog_pos_t p;
    uint64_t current;
    size_t bad;
    int rc = eventlog_store_begin (l->st);
    cr_assert_eq (rc, 0);
    rc = eventlog_store_append (l->st, &b, 1, pos ? pos : &p, &current, &bad);
    if (rc)
        eventlog_store_abort (l->st);
    else
        rc = eventlog_store_commit (l->st);
    for (size_t i = 0; i < n; i++)
        dbk_wr_destroy (&bufs[i]);
    return rc;
}

/*  The seqs of a stream read by version from `from` (at most 64). */
static inline size_t s_read_stream (s_log_t *l, const char *stream, uint64_t from, uint32_t limit,
                                    uint64_t *seqs)
{
    eventlog_read_t rq = {.from = from,
                          .stream = stream,
                          .stream_len = strlen (stream),
                          .limit = limit,
                          .max_scan = 1000};
    dbk_wr_t *w = dbk_wr_new ();
    uint32_t count;
    uint64_t last, head;
    cr_assert_eq (eventlog_store_read (l->st, &rq, w, &count, &last, &head, NULL), 0);
    cr_assert_leq (count, 64);
    const uint8_t *p = dbk_wr_data (w); /* one bin per record */
    size_t off = 0;
    for (uint32_t i = 0; i < count; i++) {
        /*  bin 8/16/32 header, then the record */
        size_t len;
        if (p[off] == 0xc4)
            len = p[off + 1], off += 2;
        else if (p[off] == 0xc5)
            len = (size_t) p[off + 1] << 8 | p[off + 2], off += 3;
        else {
            cr_assert_eq (p[off], 0xc6);
            len = (size_t) p[off + 1] << 24 | (size_t) p[off + 2] << 16 | (size_t) p[off + 3] << 8 |
                  p[off + 4],
            off += 5;
        }
        dbk_event_t ev;
        cr_assert_eq (dbk_event_decode_record (p + off, len, &ev), 0);
        cr_assert_eq (ev.stream_len, strlen (stream));
        seqs[i] = ev.seq;
        off += len;
    }
    dbk_wr_destroy (&w);
    return count;
}

/*  A meta value of a closed log, or UINT64_MAX if it has none; with
    `set`, write value instead (UINT64_MAX: delete the key). */
static inline uint64_t s_meta (const char *dir, const char *key, bool set, uint64_t value)
{
    MDB_txn *txn;
    MDB_dbi meta;
    MDB_env *env = s_raw_open (dir, &txn);
    cr_assert_eq (mdb_dbi_open (txn, "meta", 0, &meta), 0);
    MDB_val k = {strlen (key), (void *) key}, v;
    uint64_t out = UINT64_MAX;
    if (mdb_get (txn, meta, &k, &v) == 0 && v.mv_size == 8)
        out = dbk_be64_get (v.mv_data);
    if (set && value == UINT64_MAX)
        cr_assert_eq (mdb_del (txn, meta, &k, NULL), 0);
    else if (set) {
        uint8_t buf[8];
        dbk_be64_put (buf, value);
        v = (MDB_val){8, buf};
        cr_assert_eq (mdb_put (txn, meta, &k, &v, 0), 0);
    }
    cr_assert_eq (mdb_txn_commit (txn), 0);
    mdb_env_close (env);
    return out;
}

#endif
