/*  dbk_lmdb.h - LMDB environments opened the same way everywhere, errors
    mapped to DBK codes, the map grown on demand, read-model checkpoints
    stored in the same transaction as the changes they cover, and the
    directories that hold them (made, synced, held by one process).
*/
#ifndef DBK_LMDB_H
#define DBK_LMDB_H

#include "dealbook/dbk_event.h"

#include <lmdb.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*  The longest key LMDB stores (mdb_env_get_maxkeysize of its default
    build): a longer one is refused with MDB_BAD_VALSIZE, so index keys
    are built within it. */
#define DBK_LMDB_KEY_MAX 511

/*  Create `path` and its missing parents (mode 0775), as `mkdir -p`: a
    directory that exists already, or that another process creates at the
    same moment, is fine (CZMQ's zsys_dir_create fails on that race, and
    services starting together in one new data directory lost it). Returns
    0, or -1 with errno set (a part exists and is not a directory, no
    permission, a path longer than 1023 bytes). */
int dbk_dir_create (const char *path);

/*  Hold the directory `dir` for this process alone, for as long as it
    runs. LMDB lets several processes open one environment, but the log
    and the services keep state in memory that assumes they are its only
    writer (the chain tip and head, a read model's checkpoint and held
    rows): a second writer must refuse to start instead.
    Takes an exclusive flock(2) on the file `<dir>.lock`, beside `dir`
    rather than in it, so that the lock stays put while `dir` itself is
    moved aside (a read model LMDB cannot open) or replaced (a restore).
    The file is created (mode 0644, with the directories above it) if
    missing, and receives this process's pid for the message of the next
    one. The lock belongs to *fd_p (close-on-exec, so no child keeps it):
    it lasts until the caller closes *fd_p or the process ends, by any
    means, kill -9 included (the kernel drops it); the file left behind
    blocks nobody. It is taken per open file: a second dbk_dir_lock of
    the same `dir` fails in the same process too.
    Returns 0 with *fd_p the caller's; otherwise *fd_p is -1 and why (if
    not NULL) receives a sentence naming `dir`: DBK_EBUSY, "<dir> is in use
    by another process (pid N)" (without the pid if the holder has not
    written it yet); DBK_EIO, the file cannot be created or locked
    ("cannot lock <dir>: <errno text>"); DBK_ETOOBIG, a path over 1023
    bytes. */
int dbk_dir_lock (const char *dir, int *fd_p, char *why, size_t whysz);

/*  Create `dir` (and parents, dbk_dir_create), open an environment in it with `max_dbs`
    named databases and the given initial map size (raised to the current
    file size if smaller), and clear stale reader slots (mdb_reader_check).
    durable=false adds MDB_NOSYNC (throwaway data only). On success
    *env_p is the caller's (mdb_env_close). Returns 0 or a DBK code.
    A data file cut short is refused before LMDB reads any page past its
    end (which would be SIGBUS, not an error): DBK_ECORRUPT, and why (if
    not NULL) receives "<dir>/data.mdb is truncated: N bytes, its last
    page ends at M" — an existing file shorter than two pages (its metas,
    0 bytes included), or one whose meta counts pages in use past its end.
    Pages past the end that the free list holds are no damage: LMDB
    leaves unwritten the pages a transaction took and freed again. Other
    errors leave why empty. */
int dbk_lmdb_open (MDB_env **env_p, const char *dir, uint64_t map_size, unsigned max_dbs,
                   bool durable, char *why, size_t whysz);

/*  Open the environment in `dir` read-only as a copy at rest (a backup):
    nothing is written, `dir` is not created, no lock.mdb (MDB_NOLOCK: no
    other process may write it meanwhile). The same check of the size as
    dbk_lmdb_open, and the same errors; MDB_INVALID (not an LMDB file) is
    DBK_ECORRUPT, a missing directory or file DBK_EIO. */
int dbk_lmdb_open_copy (MDB_env **env_p, const char *dir, unsigned max_dbs, char *why,
                        size_t whysz);

/*  Map an LMDB or errno code to a DBK code: MDB_MAP_FULL -> DBK_EMAPFULL,
    ENOSPC / EFBIG / EDQUOT -> DBK_ENOSPC, MDB_NOTFOUND -> DBK_ENOTFOUND,
    ENOMEM -> DBK_ENOMEM, MDB_CORRUPTED / MDB_PAGE_NOTFOUND /
    MDB_INVALID -> DBK_ECORRUPT, anything else -> DBK_EIO. */
int dbk_lmdb_err (int rc);

/*  Map the error of a write (mdb_put, mdb_txn_commit) on `env`: as
    dbk_lmdb_err, except that LMDB reports a write cut short by a full
    disk or the file-size limit as a plain EIO ("short write"); when the
    data file stands at RLIMIT_FSIZE or its file system has (almost) no
    space left, that EIO is DBK_ENOSPC. */
int dbk_lmdb_write_err (MDB_env *env, int rc);

/*  Double the map (no transaction of this process may be open). Returns 0
    or a DBK code; *new_size receives the new size when not NULL. */
int dbk_lmdb_grow (MDB_env *env, uint64_t *new_size);

/*  Bytes the environment's data file uses (last page * page size). */
uint64_t dbk_lmdb_used (MDB_env *env);

/*  fsync a file or a directory (after a rename in it) of a data
    directory. 0, or -1 with errno set. */
int dbk_fsync_path (const char *path);

/*  Read / write a read model's checkpoint (the last applied seq) under
    the key "checkpoint" of `dbi`, inside the caller's transaction, so
    that it commits or aborts with the changes the events caused. A
    missing checkpoint reads as 0. Return 0 or a DBK code. */
int dbk_checkpoint_get (MDB_txn *txn, MDB_dbi dbi, uint64_t *seq);
int dbk_checkpoint_put (MDB_txn *txn, MDB_dbi dbi, uint64_t seq);

/*  Walk a log's events table (seq as big-endian u64 -> stored record,
    services/eventlog/eventlog_store.h) in one read transaction of env:
    keys from 1 without a gap, every record decodes, its seq matches its
    key, the hash chain holds from the 32 zero bytes, and ts never
    decreases along seq (it may repeat). The log's VERIFY and the CLI's
    restore share this walk. *checked counts the records that check out
    (seqs 1 .. *checked) and last (if not NULL) holds the hash of record
    *checked (32 zero bytes if none did). While it walks, progress (if
    not NULL) is set to the records checked so far, every few thousand,
    for another thread to show. Returns 0; DBK_ECORRUPT with *bad_seq and
    a sentence in *why (static); or the LMDB error. */
int dbk_lmdb_verify_log (MDB_env *env, MDB_dbi events, uint64_t *checked, uint64_t *bad_seq,
                         const char **why, uint8_t last[32], _Atomic uint64_t *progress);

/*  A further check of each record that passed those of the walk: 0;
    DBK_ECORRUPT with *why set (the record is then the bad one; *why
    stays the hook's, valid as long as its arg); or another DBK code,
    which ends the walk with that code (a read that failed). */
typedef int (dbk_verify_each_fn) (void *arg, const dbk_event_t *ev, const char **why);

/*  The same walk inside the caller's read transaction (the caller checks
    other tables in the same snapshot), each record also passed to `each`
    (may be NULL). */
int dbk_lmdb_verify_log_txn (MDB_txn *txn, MDB_dbi events, uint64_t *checked, uint64_t *bad_seq,
                             const char **why, uint8_t last[32], _Atomic uint64_t *progress,
                             dbk_verify_each_fn *each, void *arg);

/*  Big-endian u64 helpers for keys that must sort numerically. */
void dbk_be64_put (uint8_t out[8], uint64_t v);
uint64_t dbk_be64_get (const uint8_t in[8]);

#ifdef __cplusplus
}
#endif
#endif
