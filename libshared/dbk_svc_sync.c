/*  dbk_svc_sync.c - how a replay's unsynced writes reach the disk: the
    mark that says they may not have (and the machine's boot it was set
    in), and the flush at the end of a replay, on a thread of its own
    (dbk_svc_internal.h; replay mode itself is in dbk_svc_model.c). */
#include "dbk_svc_internal.h"

#include "dealbook/dbk_config.h"
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
    unsynced commit a file `unsynced` next to the model's is written and
    synced with this boot's id, and it is removed once the replay's
    writes are flushed. It is a file of its own, not a key of the model,
    so that reading it needs nothing of a tree that may be damaged. A
    model found with another boot's mark (or an unknown one) is built
    again from nothing; with this boot's, it is flushed and the mark
    removed (dbk_svci_model_open). */

/*  This boot's id (Linux), else "?" (unknown): its length. */
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

/*  dir/name into out; false when it does not fit. */
static bool s_file (char *out, size_t outsz, const char *dir, const char *name)
{
    int n = snprintf (out, outsz, "%s/%s", dir, name);
    return n > 0 && (size_t) n < outsz;
}

/*  The directory's entries made durable. */
static int s_sync_dir (const char *dir)
{
    int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd >= 0 && fsync (fd) == 0 ? 0 : DBK_EIO;
    if (fd >= 0)
        close (fd);
    return rc;
}

int dbk_svci_unsynced_mark (dbk_svci_t *self, bool on)
{
    char dir[1100], path[1200];
    if (dbk_config_service_dir (&self->cfg, self->def->name, dir, sizeof dir) != 0 ||
        !s_file (path, sizeof path, dir, "unsynced"))
        return DBK_ETOOBIG;
    if (!on) {
        if (unlink (path) != 0 && errno != ENOENT)
            return DBK_EIO;
        return 0; /* a removal lost to a power cut only costs a rebuild */
    }
    char boot[64];
    size_t bl = s_boot_id (boot);
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return DBK_EIO;
    bool done = write (fd, boot, bl) == (ssize_t) bl && fsync (fd) == 0;
    close (fd);
    return done ? s_sync_dir (dir) : DBK_EIO;
}

/*  The mark in dir: 0 none, 1 this boot's, -1 another boot's or
    unknown. */
static int s_unsynced_seen (const char *dir)
{
    char path[1200], mark[64], boot[64];
    if (!s_file (path, sizeof path, dir, "unsynced"))
        return -1;
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    ssize_t n = read (fd, mark, sizeof mark - 1);
    close (fd);
    size_t bl = s_boot_id (boot);
    bool known = !(bl == 1 && boot[0] == '?');
    return known && n == (ssize_t) bl && memcmp (mark, boot, bl) == 0 ? 1 : -1;
}

int dbk_svci_unsynced_open (dbk_svci_t *self, const char *dir)
{
    char sdir[1100], path[1200];
    if (dbk_config_service_dir (&self->cfg, self->def->name, sdir, sizeof sdir) != 0 ||
        strcmp (sdir, dir) != 0)
        return 0; /* a REBUILD's new file */
    int seen = s_unsynced_seen (dir);
    if (seen >= 0)
        return seen;
    dbk_logf (&self->log, DBK_LOG_WARNING,
              "the read model in %s was being replayed when the machine stopped: "
              "building it again from seq 1",
              dir);
    if (!s_file (path, sizeof path, dir, "data.mdb") || (unlink (path) != 0 && errno != ENOENT))
        return DBK_EIO;
    if (s_file (path, sizeof path, dir, "lock.mdb"))
        unlink (path);
    return dbk_svci_unsynced_mark (self, false) ? DBK_EIO : 0;
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
    char dir[1100], path[1200];
    int fd = -1;
    if (dbk_config_service_dir (&self->cfg, self->def->name, dir, sizeof dir) == 0 &&
        s_file (path, sizeof path, dir, "data.mdb"))
        fd = open (path, O_RDONLY | O_CLOEXEC);
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
