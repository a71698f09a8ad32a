/*  dbk_lmdb.c - the LMDB conventions of dealbook. */
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
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

/*  The path of `dir` with its symbolic links resolved (of its parent
    when dir is not there yet), else dir as given: two names of one
    directory must take one lock. */
static void s_real_dir (const char *dir, char out[PATH_MAX])
{
    if (realpath (dir, out))
        return;
    size_t dl = strnlen (dir, PATH_MAX - 1);
    memcpy (out, dir, dl);
    out[dl] = 0;
    /*  not there yet: its parent resolved, then its name */
    const char *slash = strrchr (out, '/');
    const char *name = slash ? slash + 1 : out;
    char parent[PATH_MAX], real[PATH_MAX];
    size_t pl = slash ? (size_t) (slash - out) : 0;
    memcpy (parent, slash ? out : ".", slash ? pl : 1);
    parent[slash ? pl : 1] = 0;
    if (slash && pl == 0)
        strcpy (parent, "/");
    if (!*name || !realpath (parent, real))
        return;
    size_t rl = strlen (real), nl = strlen (name);
    if (rl == 1)
        rl = 0; /* "/" */
    if (rl + 1 + nl >= PATH_MAX)
        return;
    char joined[PATH_MAX];
    memcpy (joined, real, rl);
    joined[rl] = '/';
    memcpy (joined + rl + 1, name, nl + 1);
    memcpy (out, joined, rl + nl + 2);
}

int dbk_dir_lock (const char *dir, int *fd_p, char *why, size_t whysz)
{
    *fd_p = -1;
    char path[PATH_MAX + 8], real[PATH_MAX], none[1];
    if (!why) {
        why = none;
        whysz = sizeof none;
    }
    s_real_dir (dir, real);
    int n = snprintf (path, sizeof path, "%s.lock", real);
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

/*  ---- a data file shorter than the pages it uses ----

    LMDB maps data.mdb and trusts its meta page: a page in use that lies
    past the end of the file (a copy cut short, a file system that lost
    its tail) is read through the map, and that read is SIGBUS, not an
    error. So the size is checked once the metas are read, before any
    other page is.
    The file may also end before the meta's last page when nothing is
    wrong: pages a transaction took past the end and freed again before
    it committed ("loose" pages, or a large value put and deleted) are
    never written, and go to the free list. So what lies past the end
    must be free. The free list is read with pread, never through the
    map: in a damaged file its own pages may be missing too. */

/*  LMDB 0.9's file format (mdb.c, MDB_DATA_VERSION 1, 64-bit pgno_t),
    as far as the free list needs it: offsets into a page, flags. A page
    starts with its number (8 bytes), 2 spare, its flags (2), then the
    end of its node offsets (2) and the start of its nodes (2), or, on
    an overflow page, the number of pages the value takes (4). */
#define S_PAGEHDR 16      /* the header; the node offsets follow (u16) */
#define S_P_FLAGS 10      /* page flags                                */
#define S_P_LOWER 12      /* end of the node offsets; overflow: pages  */
#define S_P_BRANCH 0x01   /* a branch page: nodes point at pages       */
#define S_P_LEAF 0x02     /* a leaf page: nodes hold keys and data     */
#define S_P_OVERFLOW 0x04 /* the first page of a large value           */
#define S_NODE 8          /* a node: size lo, hi, flags, key size (u16) */
#define S_F_BIGDATA 0x01  /* the node's data is on overflow pages      */
#define S_M_MAGIC 16      /* meta: magic (u32), then version (u32)     */
#define S_M_PSIZE 40      /* page size (mm_dbs[0].md_pad, u32)         */
#define S_M_FREE_ROOT 80  /* the free list's root page (mm_dbs[0])     */
#define S_M_LAST 136      /* last page used                            */
#define S_M_TXNID 144     /* its transaction: LMDB opens the newer one */
#define S_MAGIC 0xBEEFC0DEu
#define S_NO_PAGE UINT64_MAX            /* an empty tree's root           */
#define S_MAX_DEPTH 32                  /* deeper: not a B-tree LMDB made */
#define S_MAX_TAIL (UINT64_C (1) << 27) /* pages past the end it checks   */
/*  MDB_node's two 16-bit halves of a size or page number: mn_lo first on
    a little-endian host, mn_hi first on a big-endian one (lmdb's mdb.c) */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define S_N_LO 2
#define S_N_HI 0
#else
#define S_N_LO 0
#define S_N_HI 2
#endif

static uint16_t s_u16 (const uint8_t *p)
{
    uint16_t v;
    memcpy (&v, p, sizeof v); /* LMDB writes them in the host's order */
    return v;
}

static uint32_t s_u32 (const uint8_t *p)
{
    uint32_t v;
    memcpy (&v, p, sizeof v);
    return v;
}

static uint64_t s_u64 (const uint8_t *p)
{
    uint64_t v;
    memcpy (&v, p, sizeof v);
    return v;
}

/*  The pages past the end of the file, and which of them are free. */
typedef struct {
    int fd;         /* the data file                        */
    uint64_t psize; /* page size                            */
    uint64_t have;  /* whole pages in the file              */
    uint64_t last;  /* last page in use, per the meta       */
    uint8_t *free;  /* a bit per page of have..last: free   */
    uint64_t reads; /* pages read, overflow pages included: at
                       most `have` in a tree                 */
} s_tail_t;

/*  n bytes at off, all of them, or -1 (a short read: past the end). */
static int s_pread (int fd, uint8_t *buf, size_t n, uint64_t off)
{
    while (n) {
        ssize_t got = pread (fd, buf, n, (off_t) off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        buf += got;
        n -= (size_t) got;
        off += (uint64_t) got;
    }
    return 0;
}

/*  A free list record (an IDL: count, then the page numbers). */
static int s_tail_ids (s_tail_t *t, const uint8_t *ids, size_t len)
{
    if (len < 8 || s_u64 (ids) > (len - 8) / 8)
        return -1;
    uint64_t n = s_u64 (ids);
    for (uint64_t i = 1; i <= n; i++) {
        uint64_t pg = s_u64 (ids + 8 * i);
        if (pg >= t->have && pg <= t->last)
            t->free[(pg - t->have) / 8] |= (uint8_t) (1u << ((pg - t->have) % 8));
    }
    return 0;
}

/*  The record of `len` bytes on the overflow pages from `pg`. */
static int s_tail_overflow (s_tail_t *t, uint64_t pg, size_t len)
{
    uint8_t hdr[S_PAGEHDR];
    if (pg >= t->have || s_pread (t->fd, hdr, sizeof hdr, pg * t->psize) ||
        !(s_u16 (hdr + S_P_FLAGS) & S_P_OVERFLOW))
        return -1;
    uint64_t pages = s_u32 (hdr + S_P_LOWER);
    if (pages == 0 || pages > t->have - pg || S_PAGEHDR + (uint64_t) len > pages * t->psize)
        return -1;
    /*  its pages count in the walk's budget too (s_tail_walk) */
    if ((t->reads += pages) > t->have)
        return -1;
    uint8_t *buf = malloc (len ? len : 1);
    int rc = buf ? s_pread (t->fd, buf, len, pg * t->psize + S_PAGEHDR) : -1;
    if (rc == 0)
        rc = s_tail_ids (t, buf, len);
    free (buf);
    return rc;
}

/*  Every record of the free list's subtree at page pg. -1 if a page of
    it is missing or is not what the tree says. */
static int s_tail_walk (s_tail_t *t, uint64_t pg, int depth)
{
    /*  a tree holds each of its pages once: a damaged or crafted one
        that names a page again and again is cut short, not walked for
        ever */
    if (depth > S_MAX_DEPTH || pg >= t->have || ++t->reads > t->have)
        return -1;
    uint8_t *p = malloc (t->psize);
    if (!p || s_pread (t->fd, p, t->psize, pg * t->psize)) {
        free (p);
        return -1;
    }
    uint16_t flags = s_u16 (p + S_P_FLAGS), lower = s_u16 (p + S_P_LOWER);
    int rc = (flags & (S_P_BRANCH | S_P_LEAF)) && lower >= S_PAGEHDR && lower <= t->psize ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < (size_t) (lower - S_PAGEHDR) / 2; i++) {
        size_t at = s_u16 (p + S_PAGEHDR + 2 * i);
        if (at + S_NODE > t->psize) {
            rc = -1;
            break;
        }
        const uint8_t *node = p + at;
        uint64_t lo = s_u16 (node + S_N_LO), hi = s_u16 (node + S_N_HI), nflags = s_u16 (node + 4);
        size_t data = at + S_NODE + s_u16 (node + 6);
        if (flags & S_P_BRANCH) /* the child's page number, in 48 bits */
            rc = s_tail_walk (t, lo | hi << 16 | nflags << 32, depth + 1);
        else if (nflags & S_F_BIGDATA)
            rc = data + 8 <= t->psize ? s_tail_overflow (t, s_u64 (p + data), lo | hi << 16) : -1;
        else
            rc = data + (lo | hi << 16) <= t->psize ? s_tail_ids (t, p + data, lo | hi << 16) : -1;
    }
    free (p);
    return rc;
}

/*  Whether every page of have..last is on the free list of the newer
    meta (the one LMDB opened, whose last page is `last`). */
static bool s_tail_is_free (s_tail_t *t)
{
    uint8_t m[2][S_M_TXNID + 8];
    for (int i = 0; i < 2; i++)
        if (s_pread (t->fd, m[i], sizeof m[i], (uint64_t) i * t->psize) ||
            s_u32 (m[i] + S_M_MAGIC) != S_MAGIC || s_u32 (m[i] + S_M_MAGIC + 4) != 1)
            return false;
    const uint8_t *meta = m[s_u64 (m[0] + S_M_TXNID) < s_u64 (m[1] + S_M_TXNID)];
    uint64_t root = s_u64 (meta + S_M_FREE_ROOT), n = t->last - t->have + 1;
    if (s_u64 (meta + S_M_LAST) != t->last || root == S_NO_PAGE || n > S_MAX_TAIL)
        return false;
    t->free = calloc ((size_t) (n + 7) / 8, 1);
    bool all = t->free && s_tail_walk (t, root, 0) == 0;
    for (uint64_t i = 0; all && i < n; i++)
        all = t->free[i / 8] & (1u << (i % 8));
    free (t->free);
    t->free = NULL;
    return all;
}

static int s_truncated (const char *path, uint64_t size, uint64_t need, char *why, size_t whysz)
{
    if (why)
        snprintf (why, whysz, "%s is truncated: %llu bytes, its last page ends at %llu", path,
                  (unsigned long long) size, (unsigned long long) need);
    return DBK_ECORRUPT;
}

/*  0 if no page env uses lies past the end of its data file `path`, or
    DBK_ECORRUPT with the sentence in why. */
static int s_check_size (MDB_env *env, const char *path, char *why, size_t whysz)
{
    MDB_envinfo info;
    MDB_stat ms;
    mdb_filehandle_t fd;
    struct stat st;
    int rc = mdb_env_info (env, &info);
    if (!rc)
        rc = mdb_env_stat (env, &ms);
    if (!rc)
        rc = mdb_env_get_fd (env, &fd);
    if (rc)
        return dbk_lmdb_err (rc);
    if (fstat (fd, &st) != 0)
        return DBK_EIO;
    uint64_t size = (uint64_t) st.st_size, psize = ms.ms_psize;
    uint64_t need = ((uint64_t) info.me_last_pgno + 1) * psize;
    if (size >= need)
        return 0;
    if (size < 2 * psize)
        return s_truncated (path, size, 2 * psize, why, whysz);
    s_tail_t t = {.fd = fd, .psize = psize, .have = size / psize, .last = info.me_last_pgno};
    return s_tail_is_free (&t) ? 0 : s_truncated (path, size, need, why, whysz);
}

/*  Before LMDB opens the file `path`: an existing one that cannot hold
    its two meta pages is refused (LMDB takes an empty file for a new
    environment, and one shorter than two pages fails its checks or has
    its second meta read through the map). The page size is the one the
    first meta records (LMDB's, on the machine that made the file); the
    system's if that meta is cut too. A file that is no LMDB file is
    LMDB's to refuse. */
static int s_check_metas (const char *path, char *why, size_t whysz)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0; /* none yet: a new environment (or LMDB says why not) */
    struct stat st;
    uint8_t m[S_M_TXNID + 8];
    int rc = fstat (fd, &st);
    bool whole = rc == 0 && s_pread (fd, m, sizeof m, 0) == 0;
    close (fd);
    if (rc != 0)
        return DBK_EIO;
    long sys = sysconf (_SC_PAGESIZE);
    uint64_t psize = sys > 0 ? (uint64_t) sys : 4096;
    if (whole) {
        psize = s_u32 (m + S_M_PSIZE);
        if (s_u32 (m + S_M_MAGIC) != S_MAGIC || psize < 512 || psize > 65536 ||
            (psize & (psize - 1)))
            return 0;
    }
    if ((uint64_t) st.st_size < 2 * psize)
        return s_truncated (path, (uint64_t) st.st_size, 2 * psize, why, whysz);
    return 0;
}

/*  mdb_env_open with `flags` on an environment set up, and the size
    checks; closes env on failure. */
static int s_env_open (MDB_env *env, const char *dir, unsigned flags, char *why, size_t whysz)
{
    char path[1100];
    snprintf (path, sizeof path, "%s/data.mdb", dir);
    int rc = s_check_metas (path, why, whysz);
    if (!rc && (rc = mdb_env_open (env, dir, flags, 0644)) != 0) {
        /*  the system's reason (a read-only file system, permissions) is
            the operator's clue: DBK_EIO alone says "storage error" */
        if (why && whysz && !*why)
            snprintf (why, whysz, "%s: %s", dir, mdb_strerror (rc));
        rc = dbk_lmdb_err (rc);
    }
    if (!rc)
        rc = s_check_size (env, path, why, whysz);
    if (rc)
        mdb_env_close (env);
    return rc;
}

int dbk_lmdb_open (MDB_env **env_p, const char *dir, uint64_t map_size, unsigned max_dbs,
                   bool durable, char *why, size_t whysz)
{
    *env_p = NULL;
    if (why && whysz)
        *why = 0;
    if (dbk_dir_create (dir) != 0) {
        if (why && whysz)
            snprintf (why, whysz, "cannot create %s: %s", dir, strerror (errno));
        return DBK_EIO;
    }
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
    if (rc) {
        mdb_env_close (env);
        return dbk_lmdb_err (rc);
    }
    /*  NOTLS: read transactions are not tied to threads (jobs run in their
        own threads); NORDAHEAD: random reads on a large map. */
    unsigned flags = MDB_NOTLS | MDB_NORDAHEAD | (durable ? 0 : MDB_NOSYNC);
    if ((rc = s_env_open (env, dir, flags, why, whysz)))
        return rc;
    int dead = 0;
    mdb_reader_check (env, &dead);
    *env_p = env;
    return 0;
}

int dbk_lmdb_open_copy (MDB_env **env_p, const char *dir, unsigned max_dbs, char *why, size_t whysz)
{
    *env_p = NULL;
    if (why && whysz)
        *why = 0;
    MDB_env *env;
    int rc = mdb_env_create (&env);
    if (!rc && (rc = mdb_env_set_maxdbs (env, max_dbs)) != 0)
        mdb_env_close (env);
    if (rc)
        return dbk_lmdb_err (rc);
    /*  NOLOCK: no lock.mdb beside the copy (nothing else writes it) */
    if ((rc = s_env_open (env, dir, MDB_RDONLY | MDB_NOLOCK, why, whysz)))
        return rc;
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
