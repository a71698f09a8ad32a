/*  dbk_svc_sync.c - how a replay's unsynced writes reach the disk: the
    mark that says they may not have (and the machine's boot it was set
    in), and the flush at the end of a replay, on a thread of its own
    (dbk_svc_internal.h; replay mode itself is in dbk_svc_model.c). */
#include "dbk_svc_internal.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*  ---- a replay's unsynced commits and the machine's boot ----

    A replay commits without syncing (MDB_NOSYNC, s_replay_mode). A
    process that dies meanwhile loses nothing the kernel has (it still
    writes the pages out), but a machine that stops may leave the file
    with pages of those commits missing, behind a meta page that points
    at them: LMDB may open it and read garbage. So before the first
    unsynced commit, $meta "unsynced" is committed durably with this
    boot's id, and it is removed once the replay's writes are flushed. A
    model opened with another boot's mark is built again from nothing;
    with this boot's, it is flushed and the mark removed. */

static const MDB_val s_unsynced_key = {8, "unsynced"};

/*  This boot's id (Linux), else "?": its length. */
static size_t s_boot_id (char out[64])
{
    FILE *f = fopen ("/proc/sys/kernel/random/boot_id", "r");
    size_t n = f ? fread (out, 1, 63, f) : 0;
    if (f)
        fclose (f);
    while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
        n--;
    if (n == 0)
        out[n++] = '?';
    out[n] = 0;
    return n;
}

/*  The mark set (this boot's id) or removed, in a transaction of its own
    (durable unless the environment is in replay mode already). */
int dbk_svci_unsynced_mark (dbk_svci_t *self, bool on)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin (self->env, NULL, 0, &txn);
    if (rc)
        return dbk_lmdb_err (rc);
    MDB_val k = s_unsynced_key;
    if (on) {
        char boot[64];
        MDB_val v = {s_boot_id (boot), boot};
        rc = mdb_put (txn, self->own[S_META], &k, &v, 0);
    } else if ((rc = mdb_del (txn, self->own[S_META], &k, NULL)) == MDB_NOTFOUND)
        rc = 0;
    if (rc) {
        mdb_txn_abort (txn);
        return dbk_lmdb_err (rc);
    }
    rc = mdb_txn_commit (txn);
    return rc ? dbk_lmdb_write_err (self->env, rc) : 0;
}

/*  The mark read inside txn: 0 none, 1 this boot's, -1 another boot's
    (or unreadable). */
int dbk_svci_unsynced_seen (dbk_svci_t *self, MDB_txn *txn)
{
    MDB_val k = s_unsynced_key, v;
    int rc = mdb_get (txn, self->own[S_META], &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    char boot[64];
    size_t bl = s_boot_id (boot);
    return rc == 0 && v.mv_size == bl && memcmp (v.mv_data, boot, bl) == 0 ? 1 : -1;
}

static void *s_flusher (void *arg)
{
    dbk_svci_t *self = arg;
    self->flush_err = fdatasync (self->flush_fd) ? errno : 0;
    close (self->flush_fd);
    atomic_store (&self->flushed, true);
    return NULL;
}

/*  The flusher joined (wait: even when it has not finished), its
    failure logged. */
static void s_flush_end (dbk_svci_t *self, bool wait)
{
    if (!self->flushing || (!wait && !atomic_load (&self->flushed)))
        return;
    pthread_join (self->flusher, NULL);
    self->flushing = false;
    if (self->flush_err)
        dbk_logf (&self->log, DBK_LOG_ERROR,
                  "cannot flush the read model after its replay: %s (its next commit "
                  "flushes it again)",
                  strerror (self->flush_err));
    else if (!self->replaying) /* flushed, and no replay since */
        dbk_svci_unsynced_mark (self, false);
}

void dbk_svci_flush_join (dbk_svci_t *self)
{
    s_flush_end (self, true);
}

void dbk_svci_flush_poll (dbk_svci_t *self)
{
    s_flush_end (self, false);
}

/*  A replay's writes flushed to disk on a thread of its own (a million
    opportunities write about 3 GB, a second to flush), while the
    service answers again; the model's next durable commit flushes them
    as well, before its meta page, and waits for what is left. The file
    is opened again for it, so that a write error reaches both that
    descriptor and LMDB's (each open file sees an error once). */
void dbk_svci_flush_behind (dbk_svci_t *self)
{
    dbk_svci_flush_join (self);
    const char *dir = NULL;
    char path[1200];
    int fd = -1;
    if (mdb_env_get_path (self->env, &dir) == 0 && dir) {
        snprintf (path, sizeof path, "%s/data.mdb", dir);
        fd = open (path, O_RDONLY | O_CLOEXEC);
    }
    if (fd >= 0) {
        self->flush_fd = fd;
        atomic_store (&self->flushed, false);
        if (pthread_create (&self->flusher, NULL, s_flusher, self) == 0) {
            self->flushing = true;
            return;
        }
        close (fd);
    }
    if (mdb_env_sync (self->env, 1) == 0)
        dbk_svci_unsynced_mark (self, false);
}
