/*  eventlog_store.h - the append-only log in one LMDB environment.

    Tables (named databases):
      events   seq (u64 BE)            -> record bytes (MDB_APPEND)
      streams  stream name             -> ver (u64 BE) | last seq (u64 BE)
      sindex   stream | 0x00 | ver BE  -> seq (u64 BE)
      ids      event id (16 bytes)     -> seq (u64 BE)
      meta     "format"                -> u64 BE (2)
               "indexed"               -> u64 BE: the last seq in the three
                                          index tables
    Head seq, last ts and the chain head are derived at open from the last
    record, so there is no second copy of them to keep consistent.

    A group commit writes its records only. Their index entries wait in
    memory (eventlog_index.h), where lookups see them, and go into the
    index tables with a later commit: once EVENTLOG_INDEX_EVENTS are
    waiting or the first has waited EVENTLOG_INDEX_MS, with
    eventlog_store_flush (the server calls it when idle), and at a clean
    close. If they do not fit (the map, or the disk), the records are
    committed without them. "indexed" is written in the
   same transaction as the entries, so after a crash open indexes the records after it again. Format
   1 logs (every entry written with its record) are upgraded at open.

    One thread writes (the server loop); job threads may read (verify,
    backup) concurrently through their own read transactions. No LMDB code
    leaves this module: errors are DBK codes.
*/
#ifndef EVENTLOG_STORE_H
#define EVENTLOG_STORE_H

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_event.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct eventlog_store eventlog_store_t;

/*  One stream's part of an APPEND request. */
typedef struct {
    const char *stream;  /* borrowed                                  */
    size_t stream_len;   /* bytes of stream                           */
    int64_t expect;      /* exact version >= 0 or DBK_EXPECT_*        */
    dbk_event_t *events; /* proposed events (data_raw set)            */
    size_t n;            /* number of events                          */
} eventlog_batch_t;

/*  Where a batch landed. */
typedef struct {
    uint64_t first_seq, last_seq; /* global positions                    */
    uint64_t first_ver, last_ver; /* stream versions                     */
    bool duplicate;               /* already stored: nothing was written */
} eventlog_pos_t;

#define EVENTLOG_INDEX_EVENTS 8192    /* index entries waiting: write them    */
#define EVENTLOG_INDEX_MS 1000        /* ... or when the first has waited this */
#define EVENTLOG_INDEX_CAP (1u << 20) /* waiting, and they do not fit: refuse */

/*  Open (creating) the log in `dir`, indexing the records the index
    tables lack. Errors: DBK_EIO, DBK_ECORRUPT (the data file is cut
    short, the last record is unreadable, or the index is ahead of the
    records), DBK_ENOMEM, DBK_ENOSPC. why (if not NULL) receives a
    sentence when there is more to say than the code (a truncated file,
    dbk_lmdb_open), else "". */
int eventlog_store_open (eventlog_store_t **self_p, const char *dir, uint64_t map_size,
                         bool durable, char *why, size_t whysz);

/*  Records the last open indexed again (they were not in the index
    tables: the process that wrote them was stopped before it wrote
    their entries). */
uint64_t eventlog_store_reindexed (const eventlog_store_t *self);
/*  0, or why those records' entries wait in memory instead (DBK_ENOSPC,
    DBK_EMAPFULL: no room to write them when the log opened). */
int eventlog_store_index_deferred (const eventlog_store_t *self);

/*  Write the waiting index entries now, in a transaction of their own
    (durable if the log is): DBK_EBUSY while a transaction is open. On
    failure they keep waiting. Close does this too. */
int eventlog_store_flush (eventlog_store_t *self);

/*  A commit found the map too small for the waiting index entries (and
    committed its records without them): grow it when no transaction is
    open (eventlog_store_grow). */
bool eventlog_store_grow_wanted (const eventlog_store_t *self);

/*  When a commit writes the waiting entries, and how many may wait when
    they do not fit (for tests; the defaults are EVENTLOG_INDEX_EVENTS,
    EVENTLOG_INDEX_MS and EVENTLOG_INDEX_CAP). */
void eventlog_store_index_limits (eventlog_store_t *self, size_t events, int64_t ms, size_t cap);

/*  Index entries waiting in memory. */
size_t eventlog_store_waiting (const eventlog_store_t *self);

void eventlog_store_close (eventlog_store_t **self_p);

/*  Start the write transaction of a group commit. */
int eventlog_store_begin (eventlog_store_t *self);

/*  Apply one APPEND request (nb batches, distinct streams) inside the open
    transaction: all of it or nothing. Returns 0 with pos[i] per batch; or
      DBK_ECONFLICT   batch *bad failed its expected version; *current is
                      the stream's version;
      DBK_EIDCONFLICT ids mix stored and new, or an id is stored in
                      another stream;
      DBK_EMAPFULL / DBK_ENOSPC / DBK_EIO: the whole transaction must be
                      aborted (the map grown, or the error reported).
    New records are kept for eventlog_store_published until the next
    begin. */
int eventlog_store_append (eventlog_store_t *self, eventlog_batch_t *batches, size_t nb,
                           eventlog_pos_t *pos, uint64_t *current, size_t *bad);

/*  Commit durably (one fsync) or abort. After a failed commit the
    in-memory head and the waiting index entries are back at the last
    committed state. */
int eventlog_store_commit (eventlog_store_t *self);
void eventlog_store_abort (eventlog_store_t *self);

/*  Double the map; no transaction may be open. */
int eventlog_store_grow (eventlog_store_t *self);

/*  Records written by the last committed transaction, in seq order:
    record i's bytes (borrowed until the next begin). */
size_t eventlog_store_published (const eventlog_store_t *self);
void eventlog_store_published_at (const eventlog_store_t *self, size_t i, const uint8_t **rec,
                                  size_t *len);

/*  Committed head seq. */
uint64_t eventlog_store_head (const eventlog_store_t *self);

/*  A read: by seq from `from` (stream NULL) filtered by type prefixes (a
    record matches if its type starts with any), or by stream from
    version `from`. Appends each matching record as a bin to `out`, after
    what it holds; *count records, *last = last seq examined (0 if none),
    *head = committed head at read time. Stops at limit matches, max_scan
    examined records or EVENTLOG_PAGE_BYTES of records.

    By stream, each record is checked against the index entry that led to
    it (its seq, stream and version are the entry's) and the versions run
    on from `from` without a gap (an entry missing from the stream index
    before the stream's head): if not, DBK_ECORRUPT with *fault naming the
    seq, rather than a page with another stream's record or without one
    of the stream's. Only the records' first keys are decoded for this. */
#define EVENTLOG_TYPES_MAX 8 /* type prefixes in one READ */

typedef struct {
    uint64_t from;                         /* first seq / stream version              */
    const char *stream;                    /* NULL: all streams                       */
    size_t stream_len;                     /* bytes of stream                         */
    const char *types[EVENTLOG_TYPES_MAX]; /* prefixes                  */
    size_t type_lens[EVENTLOG_TYPES_MAX];  /* their bytes               */
    size_t ntypes;                         /* 0: every type             */
    uint32_t limit;                        /* max records                             */
    uint32_t max_scan;                     /* max records examined                    */
} eventlog_read_t;

/*  A page stops growing once it holds this many bytes of records (it
    always holds at least one record when any matches): 10,000 events of
    64 KiB would otherwise make a 650 MiB reply. */
#define EVENTLOG_PAGE_BYTES (4u << 20)

/*  What a read found wrong (DBK_ECORRUPT): the seq at fault (0 if the
    fault names none: an entry that is not a seq) and a sentence. */
typedef struct {
    uint64_t seq;  /* the record, or the entry's seq, at fault */
    char why[300]; /* what is wrong                            */
} eventlog_fault_t;

int eventlog_store_read (eventlog_store_t *self, const eventlog_read_t *rq, dbk_wr_t *out,
                         uint32_t *count, uint64_t *last, uint64_t *head, eventlog_fault_t *fault);

/*  Statistics for STATUS. */
typedef struct {
    uint64_t head;                    /* committed head seq        */
    uint8_t head_hash[DBK_HASH_SIZE]; /* its record's hash (zeros: empty log) */
    uint64_t streams;                 /* number of streams         */
    uint64_t map_size;                /* current map size, bytes   */
    uint64_t map_used;                /* bytes in use              */
} eventlog_stats_t;

int eventlog_store_stats (eventlog_store_t *self, eventlog_stats_t *st);

/*  What a verify found. */
typedef struct {
    uint64_t checked;            /* records that check out: seqs 1 .. checked        */
    uint64_t bad_seq;            /* the first bad seq (DBK_ECORRUPT), else 0          */
    uint8_t hash[DBK_HASH_SIZE]; /* the hash of record `checked` (zeros if 0)         */
    char why[300];               /* what is wrong with bad_seq (DBK_ECORRUPT), else "" */
} eventlog_verify_t;

/*  Check the log over one consistent snapshot (safe from any thread,
    concurrently with appends): from seq 1, the records (seqs without a
    gap, each decodes, the hash chain holds, ts never decreases:
    dbk_lmdb_verify_log), and the index tables against them
    (eventlog_verify.c: the entries of every record up to "indexed", and
    no others; each stream's versions; the stream heads). Returns 0 if
    everything checks out (r->checked = the head of the snapshot,
    r->hash its hash), DBK_ECORRUPT with r->bad_seq and r->why, or
    another DBK code. progress (may be NULL): the records checked so far,
    for STATUS. */
int eventlog_store_verify (eventlog_store_t *self, eventlog_verify_t *r,
                           _Atomic uint64_t *progress);

/*  Same, on a log directory not opened by this process (e.g. a backup). */
int eventlog_verify_dir (const char *dir, eventlog_verify_t *r, _Atomic uint64_t *progress);

/*  Consistent hot copy into the empty or new directory `dir` (compacted),
    safe concurrently with appends. Returns 0 only once the copy, its
    directory and each directory made for it (dbk_dir_create: `dir` and
    its missing parents) are fsynced, as far as the directory that was
    there: a copy answered done survives a power cut. Otherwise a DBK
    code: DBK_EINVAL when `dir` holds anything (nothing is written then),
    DBK_EIO when it cannot be created or read or an fsync fails, or the
    copy's error (DBK_ENOSPC); a failed copy's data.mdb is removed, so
    the directory takes a retry. Safe from several threads at once: of
    two backups into one directory, one makes the copy and the other
    gets DBK_EINVAL, having written and removed nothing. why (whysz
    bytes, "" if the code says it all) receives a sentence naming the
    path at fault. */
int eventlog_store_backup (eventlog_store_t *self, const char *dir, char *why, size_t whysz);

#endif
