/*  eventlog_store_int.h - what eventlog_store.c, eventlog_tables.c and
    eventlog_verify.c share: the store itself, and the index tables' side
    of it. Not for other modules (eventlog_store.h is their interface). */
#ifndef EVENTLOG_STORE_INT_H
#define EVENTLOG_STORE_INT_H

#include "eventlog_index.h"
#include "eventlog_store.h"

#include <lmdb.h>
#include <pthread.h>

/*  1: the index tables written with every record. 2: written later, with
    "indexed" in meta (a format 1 log is read and upgraded; format 2 is
    refused by the code of format 1, which would trust a lagging index) */
#define EVENTLOG_FORMAT 2

typedef struct {
    uint64_t head;                /* last seq               */
    int64_t last_ts;              /* ts of the last record  */
    uint8_t chain[DBK_HASH_SIZE]; /* hash of the last record */
} eventlog_tip_t;

struct eventlog_store {
    MDB_env *env;             /* the environment                              */
    MDB_dbi events;           /* seq -> record                                */
    MDB_dbi streams;          /* stream -> ver | seq                          */
    MDB_dbi sindex;           /* stream 0 ver -> seq                          */
    MDB_dbi ids;              /* id -> seq                                    */
    MDB_dbi meta;             /* format                                       */
    MDB_txn *txn;             /* the open write transaction, if any           */
    MDB_txn *rtxn;            /* reusable read transaction (reset between)    */
    eventlog_tip_t committed; /* tip as of the last commit                    */
    eventlog_tip_t tip;       /* tip inside the open transaction              */
    dbk_wr_t *pending;        /* records written in the open / last txn       */
    size_t *offsets;          /* start of each pending record (+1 sentinel)   */
    size_t npending;          /* records pending                              */
    size_t cap;               /* capacity of offsets                          */
    eventlog_index_t *wait;   /* index entries not in the tables yet    */
    size_t mark;              /* ... how many at begin                  */
    int64_t wait_since;       /* mono ms when the first one came        */
    uint64_t reindexed;       /* records re-indexed at open             */
    int index_deferred;       /* ... their entries kept waiting: why    */
    int64_t flush_after;      /* mono ms: no write of them before (a write failed) */
    int flush_err;            /* ... with this error                    */
    bool grow_wanted;         /* they did not fit in the map            */
    size_t index_events;      /* write them once this many wait ...     */
    int64_t index_ms;         /* ... or the first has waited this long  */
    size_t index_cap;         /* past this many, a group fails with them */
    char dir[1024];           /* where the environment lives                  */
    pthread_mutex_t backup;   /* backup jobs: one at a time makes its target  */
};

/*  store: record seq decoded, in txn; DBK_ECORRUPT if it is not there or
    does not decode */
int eventlog_record_at (eventlog_store_t *self, MDB_txn *txn, uint64_t seq, dbk_event_t *ev);

/*  tables: key of the stream index (stream, NUL, version BE); returns
    its length */
size_t eventlog_sindex_key (uint8_t *key, const char *stream, size_t len, uint64_t ver);

/*  tables: at open, upgrade a format 1 log, then index the records the
    tables lack (after a crash) */
int eventlog_tables_open (eventlog_store_t *self);

/*  tables: within the group's open transaction, write the waiting
    entries if they are due (in a nested transaction: see
    eventlog_tables.c); *flushed says whether they went in */
int eventlog_tables_write (eventlog_store_t *self, bool *flushed);

/*  verify: the whole check of eventlog_store_verify in env, whose table
    handles are in st (only those are used) */
int eventlog_verify_env (MDB_env *env, const eventlog_store_t *st, eventlog_verify_t *r,
                         _Atomic uint64_t *progress);

#endif
