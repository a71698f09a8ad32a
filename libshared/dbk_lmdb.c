/*  dbk_lmdb.c - the LMDB conventions of dealbook. */
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

int dbk_lmdb_err (int rc)
{
    switch (rc) {
    case 0:
        return 0;
    case MDB_MAP_FULL:
        return DBK_EMAPFULL;
    case ENOSPC:
    case EFBIG:
    case EDQUOT:
        return DBK_ENOSPC;
    case MDB_NOTFOUND:
        return DBK_ENOTFOUND;
    case ENOMEM:
        return DBK_ENOMEM;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
        return DBK_ECORRUPT;
    default:
        return DBK_EIO;
    }
}

/*  Less free space than this after a short write: the disk is full. */
#define S_FULL_MARGIN (1u << 20)

int dbk_lmdb_write_err (MDB_env *env, int rc)
{
    if (rc != EIO)
        return dbk_lmdb_err (rc);
    /*  a write that does not fit first writes what fits, and LMDB turns
        that short count into EIO; only the next write would see ENOSPC or
        EFBIG. So look at what is left once the write failed. */
    mdb_filehandle_t fd;
    struct stat st;
    if (mdb_env_get_fd (env, &fd) != 0 || fstat (fd, &st) != 0)
        return DBK_EIO;
    struct rlimit rl;
    if (getrlimit (RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (uint64_t) st.st_size >= (uint64_t) rl.rlim_cur)
        return DBK_ENOSPC;
    struct statvfs vfs;
    if (fstatvfs (fd, &vfs) == 0) {
        uint64_t blocks = geteuid () == 0 ? vfs.f_bfree : vfs.f_bavail;
        if (blocks * vfs.f_frsize < S_FULL_MARGIN)
            return DBK_ENOSPC;
    }
    return DBK_EIO;
}

int dbk_dir_create (const char *path)
{
    char buf[1024];
    size_t n = strlen (path);
    if (n == 0 || n >= sizeof buf) {
        errno = n ? ENAMETOOLONG : ENOENT;
        return -1;
    }
    memcpy (buf, path, n + 1);
    /*  each prefix that ends a component, the whole path last */
    for (char *s = buf + 1;; s++) {
        if (*s && *s != '/')
            continue;
        char c = *s;
        *s = 0;
        if (mkdir (buf, 0775) != 0) {
            int e = errno;
            struct stat st;
            if (e != EEXIST || stat (buf, &st) != 0 || !S_ISDIR (st.st_mode)) {
                errno = e == EEXIST ? ENOTDIR : e;
                return -1;
            }
        }
        if (!(*s = c))
            return 0;
    }
}

/*  The pid a holder wrote into its lock file, or 0 (not written yet). */
static long s_lock_holder (int fd)
{
    char buf[24];
    ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    char *end;
    long pid = strtol (buf, &end, 10);
    return end != buf && *end == '\n' && pid > 0 ? pid : 0;
}

int dbk_dir_lock (const char *dir, int *fd_p, char *why, size_t whysz)
{
    *fd_p = -1;
    char path[1024], none[1];
    if (!why) {
        why = none;
        whysz = sizeof none;
    }
    int n = snprintf (path, sizeof path, "%s.lock", dir);
    if (n < 0 || (size_t) n >= sizeof path) {
        snprintf (why, whysz, "cannot lock %s: %s", dir, strerror (ENAMETOOLONG));
        return DBK_ETOOBIG;
    }
    char *slash = strrchr (path, '/');
    int rc = 0;
    if (slash && slash > path) {
        *slash = 0;
        rc = dbk_dir_create (path);
        *slash = '/';
    }
    int fd = rc ? -1 : open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0 && flock (fd, LOCK_EX | LOCK_NB) == 0) {
        char pid[24];
        int len = snprintf (pid, sizeof pid, "%ld\n", (long) getpid ());
        if (ftruncate (fd, 0) != 0 || pwrite (fd, pid, (size_t) len, 0) != len) {
            /*  the pid only names the holder to the next one: without
                it, the lock holds all the same */
        }
        *fd_p = fd;
        return 0;
    }
    int err = errno;
    if (fd >= 0 && err == EWOULDBLOCK) {
        long pid = s_lock_holder (fd);
        close (fd);
        if (pid)
            snprintf (why, whysz, "%s is in use by another process (pid %ld)", dir, pid);
        else
            snprintf (why, whysz, "%s is in use by another process", dir);
        return DBK_EBUSY;
    }
    if (fd >= 0)
        close (fd);
    snprintf (why, whysz, "cannot lock %s: %s", dir, strerror (err));
    return DBK_EIO;
}

int dbk_lmdb_open (MDB_env **env_p, const char *dir, uint64_t map_size, unsigned max_dbs,
                   bool durable)
{
    *env_p = NULL;
    if (dbk_dir_create (dir) != 0)
        return DBK_EIO;
    MDB_env *env;
    int rc = mdb_env_create (&env);
    if (rc)
        return dbk_lmdb_err (rc);
    char path[1100];
    snprintf (path, sizeof path, "%s/data.mdb", dir);
    struct stat st;
    if (stat (path, &st) == 0 && (uint64_t) st.st_size > map_size)
        map_size = (uint64_t) st.st_size;
    rc = mdb_env_set_mapsize (env, (size_t) map_size);
    if (!rc)
        rc = mdb_env_set_maxdbs (env, max_dbs);
    if (!rc)
        rc = mdb_env_set_maxreaders (env, 254);
    /*  NOTLS: read transactions are not tied to threads (jobs run in their
        own threads); NORDAHEAD: random reads on a large map. */
    unsigned flags = MDB_NOTLS | MDB_NORDAHEAD | (durable ? 0 : MDB_NOSYNC);
    if (!rc)
        rc = mdb_env_open (env, dir, flags, 0644);
    if (rc) {
        mdb_env_close (env);
        return dbk_lmdb_err (rc);
    }
    int dead = 0;
    mdb_reader_check (env, &dead);
    *env_p = env;
    return 0;
}

int dbk_lmdb_grow (MDB_env *env, uint64_t *new_size)
{
    MDB_envinfo info;
    int rc = mdb_env_info (env, &info);
    if (rc)
        return dbk_lmdb_err (rc);
    uint64_t size = (uint64_t) info.me_mapsize * 2;
    rc = mdb_env_set_mapsize (env, (size_t) size);
    if (rc)
        return dbk_lmdb_err (rc);
    if (new_size)
        *new_size = size;
    return 0;
}

uint64_t dbk_lmdb_used (MDB_env *env)
{
    MDB_envinfo info;
    MDB_stat st;
    if (mdb_env_info (env, &info) || mdb_env_stat (env, &st))
        return 0;
    return (uint64_t) (info.me_last_pgno + 1) * st.ms_psize;
}

int dbk_checkpoint_get (MDB_txn *txn, MDB_dbi dbi, uint64_t *seq)
{
    MDB_val k = {10, "checkpoint"}, v;
    int rc = mdb_get (txn, dbi, &k, &v);
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

int dbk_checkpoint_put (MDB_txn *txn, MDB_dbi dbi, uint64_t seq)
{
    uint8_t buf[8];
    dbk_be64_put (buf, seq);
    MDB_val k = {10, "checkpoint"}, v = {8, buf};
    return dbk_lmdb_err (mdb_put (txn, dbi, &k, &v, 0));
}

void dbk_be64_put (uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t) v;
        v >>= 8;
    }
}

uint64_t dbk_be64_get (const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | in[i];
    return v;
}

int dbk_lmdb_verify_log_txn (MDB_txn *txn, MDB_dbi events, uint64_t *checked, uint64_t *bad_seq,
                             const char **why, uint8_t last[32], _Atomic uint64_t *progress,
                             dbk_verify_each_fn *each, void *arg)
{
    *checked = 0;
    *bad_seq = 0;
    *why = "";
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, events, &cur);
    if (rc)
        return dbk_lmdb_err (rc);
    uint8_t prev[DBK_HASH_SIZE] = {0};
    uint64_t expect = 1;
    int64_t last_ts = INT64_MIN;
    int result = 0;
    MDB_val k, v;
    for (int op = MDB_FIRST; (rc = mdb_cursor_get (cur, &k, &v, op)) == 0; op = MDB_NEXT) {
        uint64_t seq = k.mv_size == 8 ? dbk_be64_get (k.mv_data) : 0;
        dbk_event_t ev;
        int hook = 0;
        if (seq != expect)
            *why = "gap or bad key in the seq sequence";
        else if (dbk_event_decode_record (v.mv_data, v.mv_size, &ev) || ev.seq != seq)
            *why = "record does not decode or its seq differs from its key";
        else if (dbk_event_check_record (v.mv_data, v.mv_size, prev))
            *why = "hash chain broken (record altered, or prev does not match)";
        else if (ev.ts < last_ts)
            *why = "ts goes back: the record's ts is earlier than the one of the record before it";
        else if (each && (hook = each (arg, &ev, why)) != 0) {
            if (hook != DBK_ECORRUPT) {
                result = hook; /* not a finding: the check itself failed */
                break;
            }
        } else {
            memcpy (prev, ev.hash, DBK_HASH_SIZE);
            last_ts = ev.ts;
            expect++;
            if ((++*checked & 4095) == 0 && progress)
                atomic_store_explicit (progress, *checked, memory_order_relaxed);
            continue;
        }
        *bad_seq = expect;
        result = DBK_ECORRUPT;
        break;
    }
    if (rc && rc != MDB_NOTFOUND && !result)
        result = dbk_lmdb_err (rc);
    mdb_cursor_close (cur);
    if (last)
        memcpy (last, prev, DBK_HASH_SIZE);
    if (progress)
        atomic_store_explicit (progress, *checked, memory_order_relaxed);
    return result;
}

int dbk_lmdb_verify_log (MDB_env *env, MDB_dbi events, uint64_t *checked, uint64_t *bad_seq,
                         const char **why, uint8_t last[32], _Atomic uint64_t *progress)
{
    *checked = 0;
    *bad_seq = 0;
    *why = "";
    MDB_txn *txn;
    int rc = mdb_txn_begin (env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return dbk_lmdb_err (rc);
    rc = dbk_lmdb_verify_log_txn (txn, events, checked, bad_seq, why, last, progress, NULL, NULL);
    mdb_txn_abort (txn);
    return rc;
}

int dbk_fsync_path (const char *path)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync (fd);
    int err = errno;
    close (fd);
    errno = err;
    return rc;
}
