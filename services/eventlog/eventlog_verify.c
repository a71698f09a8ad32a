/*  eventlog_verify.c - VERIFY of a log (eventlog_store_verify): the walk
    of its records (dbk_lmdb_verify_log_txn: seqs, chain, ts) and, in the
    same snapshot, its index tables against the records.

    Index entries lag their records by design (eventlog_index.h): the
    tables hold the entries of records 1 .. "indexed" (meta), written in
    the transaction that sets "indexed", while those of later records
    wait in the memory of the process that serves the log (this check,
    run in another thread or on a copy, does not look there; the log
    indexes them again at open after a crash). So in every snapshot:

      - each record up to "indexed" has its stream index entry (stream,
        ver) -> its seq, and its id entry -> its seq (walk);
      - the two tables hold no other entries: each holds "indexed" of
        them (when one holds more, its entries are checked one by one
        against their records to name the one at fault);
      - each stream's versions in the stream index run 1, 2, 3 ... at
        increasing seqs, and the heads table holds exactly one entry per
        stream there: its last version and seq.

    Records after "indexed" have no entries in the tables yet: that is
    not a fault. A format 1 log (every entry written with its record; the
    log upgrades it at open) counts as indexed up to its head.
*/
#include "eventlog_store_int.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"

#include <stdio.h>
#include <string.h>

#define S_NAME 60 /* bytes of a stream name quoted in a reason */

typedef struct {
    const eventlog_store_t *st; /* the table handles                          */
    MDB_txn *txn;               /* the snapshot                               */
    uint64_t indexed;           /* records 1 .. indexed have entries in tables */
    uint64_t bad;               /* a fault found after the walk: its seq      */
    eventlog_verify_t *r;       /* why goes into r->why                       */
} s_ctx_t;

/*  The fault at seq `at`, for the reason that follows (after the walk). */
#define S_BAD(x, at, ...)                                                                          \
    ((x)->bad = (at), snprintf ((x)->r->why, sizeof (x)->r->why, __VA_ARGS__), DBK_ECORRUPT)

static int s_len (size_t n)
{
    return (int) (n < S_NAME ? n : S_NAME);
}

/*  The seq a table's entry holds: 0 if there is none; UINT64_MAX if it
    is not 8 bytes long. */
static int s_lookup (MDB_txn *txn, MDB_dbi dbi, MDB_val *k, uint64_t *seq)
{
    MDB_val v;
    int rc = mdb_get (txn, dbi, k, &v);
    *seq = 0;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return dbk_lmdb_err (rc);
    *seq = v.mv_size == 8 ? dbk_be64_get (v.mv_data) : UINT64_MAX;
    return 0;
}

/*  During the walk: a record up to "indexed" has its entries. */
static int s_each (void *arg, const dbk_event_t *ev, const char **why)
{
    s_ctx_t *x = arg;
    if (ev->seq > x->indexed)
        return 0;
    char *out = x->r->why;
    size_t outsz = sizeof x->r->why;
    *why = out;
    if (!dbk_stream_name_valid (ev->stream, ev->stream_len)) {
        snprintf (out, outsz, "the record's stream name is not valid: it cannot be indexed");
        return DBK_ECORRUPT;
    }
    uint8_t key[DBK_STREAM_MAX + 9];
    MDB_val k = {eventlog_sindex_key (key, ev->stream, ev->stream_len, ev->ver), key};
    uint64_t seq;
    int rc = s_lookup (x->txn, x->st->sindex, &k, &seq);
    if (rc)
        return rc;
    int sl = s_len (ev->stream_len);
    unsigned long long ver = (unsigned long long) ev->ver;
    if (seq == 0)
        snprintf (out, outsz, "the stream index has no entry for it (stream %.*s version %llu)", sl,
                  ev->stream, ver);
    else if (seq == UINT64_MAX)
        snprintf (out, outsz, "its stream index entry (stream %.*s version %llu) is not a seq", sl,
                  ev->stream, ver);
    else if (seq != ev->seq)
        snprintf (out, outsz,
                  "its stream index entry (stream %.*s version %llu) leads to seq %llu instead", sl,
                  ev->stream, ver, (unsigned long long) seq);
    if (seq != ev->seq)
        return DBK_ECORRUPT;
    k = (MDB_val){DBK_ID_SIZE, (void *) ev->id};
    if ((rc = s_lookup (x->txn, x->st->ids, &k, &seq)))
        return rc;
    if (seq == 0)
        snprintf (out, outsz, "the id index has no entry for its id");
    else if (seq == UINT64_MAX)
        snprintf (out, outsz, "the id index entry of its id is not a seq");
    else if (seq != ev->seq)
        snprintf (out, outsz, "the id index entry of its id leads to seq %llu instead",
                  (unsigned long long) seq);
    return seq == ev->seq ? 0 : DBK_ECORRUPT;
}

/*  Record seq's first keys: 0, or DBK_ECORRUPT if seq is not indexed
    (after "indexed", or no such record) or the record does not decode. */
static int s_peek (s_ctx_t *x, uint64_t seq, uint8_t id[DBK_ID_SIZE], const char **s, size_t *n,
                   uint64_t *ver)
{
    uint8_t key[8];
    dbk_be64_put (key, seq);
    MDB_val k = {8, key}, v;
    uint64_t rseq;
    if (seq == 0 || seq > x->indexed)
        return DBK_ECORRUPT;
    int rc = mdb_get (x->txn, x->st->events, &k, &v);
    if (rc)
        return rc == MDB_NOTFOUND ? DBK_ECORRUPT : dbk_lmdb_err (rc);
    if (dbk_event_peek_key (v.mv_data, v.mv_size, &rseq, id, s, n, ver) || rseq != seq)
        return DBK_ECORRUPT;
    return 0;
}

/*  The heads table's entry at the cursor (*hrc: 0, or MDB_NOTFOUND past
    the last) against stream `s`, whose last entry in the stream index is
    version ver at seq; then the cursor moves on. */
static int s_check_head (s_ctx_t *x, MDB_cursor *hc, MDB_val *hk, MDB_val *hv, int *hrc,
                         const char *s, size_t n, uint64_t ver, uint64_t seq)
{
    if (*hrc && *hrc != MDB_NOTFOUND)
        return dbk_lmdb_err (*hrc);
    MDB_val sk = {n, (void *) s};
    int c = *hrc ? 1 : mdb_cmp (x->txn, x->st->streams, hk, &sk);
    if (c < 0)
        return S_BAD (x, hv->mv_size == 16 ? dbk_be64_get ((uint8_t *) hv->mv_data + 8) : 0,
                      "the heads table names stream %.*s, which has no entry in the stream index",
                      s_len (hk->mv_size), (const char *) hk->mv_data);
    if (c > 0)
        return S_BAD (x, seq,
                      "stream %.*s has no entry in the heads table (its last index entry is "
                      "version %llu, seq %llu)",
                      s_len (n), s, (unsigned long long) ver, (unsigned long long) seq);
    if (hv->mv_size != 16 || dbk_be64_get (hv->mv_data) != ver ||
        dbk_be64_get ((uint8_t *) hv->mv_data + 8) != seq)
        return S_BAD (x, seq,
                      "the heads table's entry of stream %.*s is not its last index entry, "
                      "version %llu at seq %llu",
                      s_len (n), s, (unsigned long long) ver, (unsigned long long) seq);
    *hrc = mdb_cursor_get (hc, hk, hv, MDB_NEXT);
    return 0;
}

/*  The stream index in key order (stream by stream, version by version),
    beside the heads table: versions from 1 without a gap, at increasing
    seqs, each stream's last the one of its head. With `peek`, each
    entry's record is read too (the table holds an entry too many). */
static int s_check_streams (s_ctx_t *x, bool peek)
{
    MDB_cursor *ic = NULL, *hc = NULL;
    int rc = dbk_lmdb_err (mdb_cursor_open (x->txn, x->st->sindex, &ic));
    if (!rc)
        rc = dbk_lmdb_err (mdb_cursor_open (x->txn, x->st->streams, &hc));
    MDB_val k, v, hk, hv;
    int hrc = rc ? 0 : mdb_cursor_get (hc, &hk, &hv, MDB_FIRST);
    const char *cur = NULL; /* the stream being walked (in the snapshot's pages) */
    size_t curlen = 0;
    uint64_t ver = 0, seq = 0; /* its last entry so far */
    for (int op = MDB_FIRST; !rc; op = MDB_NEXT) {
        int mrc = mdb_cursor_get (ic, &k, &v, op);
        if (mrc && mrc != MDB_NOTFOUND) {
            rc = dbk_lmdb_err (mrc);
            break;
        }
        bool end = mrc == MDB_NOTFOUND;
        const uint8_t *kb = end ? NULL : k.mv_data;
        size_t sl = end || k.mv_size < 10 ? 0 : k.mv_size - 9;
        if (!end && (sl == 0 || kb[sl] != 0 || v.mv_size != 8)) {
            rc = S_BAD (x, v.mv_size == 8 ? dbk_be64_get (v.mv_data) : 0,
                        "the stream index holds a malformed entry");
            break;
        }
        bool same = !end && cur && sl == curlen && memcmp (kb, cur, sl) == 0;
        if (cur && !same && (rc = s_check_head (x, hc, &hk, &hv, &hrc, cur, curlen, ver, seq)))
            break;
        if (end)
            break;
        uint64_t kver = dbk_be64_get (kb + sl + 1), kseq = dbk_be64_get (v.mv_data);
        if (!same) {
            cur = (const char *) kb;
            curlen = sl;
            ver = seq = 0;
        }
        if (kver != ver + 1) {
            rc = S_BAD (x, kseq,
                        "stream %.*s: the stream index goes from version %llu to version %llu "
                        "(seq %llu)",
                        s_len (sl), cur, (unsigned long long) ver, (unsigned long long) kver,
                        (unsigned long long) kseq);
            break;
        }
        if (kseq <= seq) {
            rc = S_BAD (x, kseq,
                        "stream %.*s: version %llu is at seq %llu, not after version %llu's seq "
                        "%llu",
                        s_len (sl), cur, (unsigned long long) kver, (unsigned long long) kseq,
                        (unsigned long long) ver, (unsigned long long) seq);
            break;
        }
        if (peek) {
            uint8_t id[DBK_ID_SIZE];
            const char *rs;
            size_t rn;
            uint64_t rver;
            int prc = s_peek (x, kseq, id, &rs, &rn, &rver);
            if (prc && prc != DBK_ECORRUPT) {
                rc = prc;
                break;
            }
            if (prc || rver != kver || rn != sl || memcmp (rs, cur, sl) != 0) {
                rc = S_BAD (x, kseq,
                            "the stream index entry of stream %.*s version %llu leads to seq %llu, "
                            "which is not that record%s",
                            s_len (sl), cur, (unsigned long long) kver, (unsigned long long) kseq,
                            kseq > x->indexed ? " (or is not indexed yet)" : "");
                break;
            }
        }
        ver = kver;
        seq = kseq;
    }
    if (!rc && hrc == 0)
        rc = S_BAD (x, hv.mv_size == 16 ? dbk_be64_get ((uint8_t *) hv.mv_data + 8) : 0,
                    "the heads table names stream %.*s, which has no entry in the stream index",
                    s_len (hk.mv_size), (const char *) hk.mv_data);
    else if (!rc && hrc != MDB_NOTFOUND)
        rc = dbk_lmdb_err (hrc);
    if (ic)
        mdb_cursor_close (ic);
    if (hc)
        mdb_cursor_close (hc);
    return rc;
}

/*  The id table holds an entry too many: the first whose record is not
    the one of its id. */
static int s_check_ids (s_ctx_t *x)
{
    MDB_cursor *c;
    int rc = dbk_lmdb_err (mdb_cursor_open (x->txn, x->st->ids, &c));
    MDB_val k, v;
    for (int op = MDB_FIRST; !rc; op = MDB_NEXT) {
        int mrc = mdb_cursor_get (c, &k, &v, op);
        if (mrc) {
            rc = mrc == MDB_NOTFOUND ? 0 : dbk_lmdb_err (mrc);
            break;
        }
        uint64_t seq = v.mv_size == 8 ? dbk_be64_get (v.mv_data) : 0, ver;
        uint8_t id[DBK_ID_SIZE];
        const char *s;
        size_t n;
        int prc = s_peek (x, seq, id, &s, &n, &ver);
        if (prc && prc != DBK_ECORRUPT)
            rc = prc;
        else if (prc || k.mv_size != DBK_ID_SIZE || memcmp (k.mv_data, id, DBK_ID_SIZE) != 0)
            rc = S_BAD (x, seq,
                        "the id index holds an entry that leads to seq %llu, which is not "
                        "the record of that id",
                        (unsigned long long) seq);
    }
    mdb_cursor_close (c);
    return rc;
}

/*  "indexed" and the format from meta. */
static int s_indexed (s_ctx_t *x)
{
    MDB_val k = {6, "format"}, v;
    int rc = mdb_get (x->txn, x->st->meta, &k, &v);
    if (rc == 0 && v.mv_size == 8 && dbk_be64_get (v.mv_data) == 1) {
        x->indexed = UINT64_MAX; /* format 1: everything, whatever the head */
        return 0;
    }
    MDB_val ik = {7, "indexed"};
    if (rc == 0)
        rc = mdb_get (x->txn, x->st->meta, &ik, &v);
    if (rc == 0 && v.mv_size == 8) {
        x->indexed = dbk_be64_get (v.mv_data);
        return 0;
    }
    if (rc && rc != MDB_NOTFOUND)
        return dbk_lmdb_err (rc);
    x->r->bad_seq = 0;
    snprintf (x->r->why, sizeof x->r->why, "meta holds no format or no indexed seq");
    return DBK_ECORRUPT;
}

/*  The table's entries, or an error. */
static int s_entries (MDB_txn *txn, MDB_dbi dbi, uint64_t *n)
{
    MDB_stat ms;
    int rc = mdb_stat (txn, dbi, &ms);
    *n = rc ? 0 : ms.ms_entries;
    return dbk_lmdb_err (rc);
}

/*  After the walk, the tables; a fault found there is at x->bad. */
static int s_check_tables (s_ctx_t *x, uint64_t head)
{
    if (x->indexed == UINT64_MAX)
        x->indexed = head;
    if (x->indexed > head)
        return S_BAD (x, head + 1,
                      "meta says the records up to seq %llu are indexed, and the last record is "
                      "seq %llu",
                      (unsigned long long) x->indexed, (unsigned long long) head);
    uint64_t nsindex, nids;
    int rc = s_entries (x->txn, x->st->sindex, &nsindex);
    if (!rc)
        rc = s_entries (x->txn, x->st->ids, &nids);
    if (!rc)
        rc = s_check_streams (x, nsindex != x->indexed);
    if (!rc && nsindex != x->indexed)
        rc = S_BAD (x, x->indexed,
                    "the stream index holds %llu entries for the %llu records indexed",
                    (unsigned long long) nsindex, (unsigned long long) x->indexed);
    if (!rc && nids != x->indexed && !(rc = s_check_ids (x)))
        rc = S_BAD (x, x->indexed, "the id index holds %llu entries for the %llu records indexed",
                    (unsigned long long) nids, (unsigned long long) x->indexed);
    return rc;
}

int eventlog_verify_env (MDB_env *env, const eventlog_store_t *st, eventlog_verify_t *r,
                         _Atomic uint64_t *progress)
{
    *r = (eventlog_verify_t){0};
    s_ctx_t x = {.st = st, .r = r};
    int rc = dbk_lmdb_err (mdb_txn_begin (env, NULL, MDB_RDONLY, &x.txn));
    if (rc)
        return rc;
    const char *why = r->why;
    if (!(rc = s_indexed (&x)))
        rc = dbk_lmdb_verify_log_txn (x.txn, st->events, &r->checked, &r->bad_seq, &why, r->hash,
                                      progress, s_each, &x);
    if (why != r->why) /* a reason of the walk's own (static) */
        snprintf (r->why, sizeof r->why, "%s", why);
    if (!rc && (rc = s_check_tables (&x, r->checked)) == DBK_ECORRUPT) {
        /*  records 1 .. bad - 1 check out; r->hash is the hash of the last */
        r->bad_seq = x.bad;
        if (x.bad && x.bad - 1 < r->checked) {
            dbk_event_t ev;
            r->checked = x.bad - 1;
            memset (r->hash, 0, sizeof r->hash);
            if (r->checked &&
                eventlog_record_at ((eventlog_store_t *) st, x.txn, r->checked, &ev) == 0)
                memcpy (r->hash, ev.hash, DBK_HASH_SIZE);
        }
    }
    if (progress)
        atomic_store_explicit (progress, r->checked, memory_order_relaxed);
    mdb_txn_abort (x.txn);
    return rc;
}
