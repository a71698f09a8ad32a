/*  fail_fsync.so - an LD_PRELOAD shim that makes fsync and fdatasync fail
    with EIO on demand, and records every call, for tests of what a
    process does when the disk does not confirm a write:

        DBK_FSYNC_CTL=FILE   the control file: one line "SKIP FAIL [PATH]".
                             The next SKIP calls on a file or directory at
                             PATH or under it (any path if none) pass, the
                             FAIL calls after them fail with EIO without
                             syncing anything; the shim writes the counts
                             left back into the file, so a test arms a
                             fault by writing the file and knows it struck
                             when the file reads "0 0". No file: every
                             call passes.
        DBK_FSYNC_LOG=FILE   every call appends one line to FILE:
                             "fsync|fdatasync PATH ok|EIO".

    The path of a descriptor is its /proc/self/fd link, so "dir/.." is
    logged as the parent directory's real path. msync is not wrapped:
    LMDB calls it only with MDB_WRITEMAP, which dealbook does not set.
    Calls from every thread go through one mutex.
*/
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (s_sync_fn) (int fd);

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;

/*  Is `path` the directory or file `under`, or inside it? */
static int s_under (const char *path, const char *under)
{
    size_t n = strlen (under);
    while (n > 1 && under[n - 1] == '/')
        n--;
    return strncmp (path, under, n) == 0 && (path[n] == 0 || path[n] == '/');
}

/*  Whether this call on `path` is to fail, per the control file (whose
    counts it updates). Under s_lock. */
static int s_should_fail (const char *path)
{
    const char *ctl = getenv ("DBK_FSYNC_CTL");
    if (!ctl)
        return 0;
    FILE *f = fopen (ctl, "re");
    if (!f)
        return 0;
    long skip = 0, fail = 0;
    char under[4096] = "";
    int got = fscanf (f, "%ld %ld %4095s", &skip, &fail, under);
    fclose (f);
    if (got < 2 || (skip <= 0 && fail <= 0) || (got == 3 && !s_under (path, under)))
        return 0;
    int failing = skip <= 0;
    if (failing)
        fail--;
    else
        skip--;
    /*  written whole and renamed: a test reading it never sees half a line */
    char tmp[4200];
    snprintf (tmp, sizeof tmp, "%s.tmp", ctl);
    f = fopen (tmp, "we");
    if (f) {
        fprintf (f, "%ld %ld%s%s\n", skip, fail, got == 3 ? " " : "", got == 3 ? under : "");
        if (fclose (f) == 0)
            rename (tmp, ctl);
    }
    return failing;
}

static void s_log (const char *fn, const char *path, int failed)
{
    const char *log = getenv ("DBK_FSYNC_LOG");
    if (!log)
        return;
    int fd = open (log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    char line[4200];
    int n = snprintf (line, sizeof line, "%s %s %s\n", fn, path, failed ? "EIO" : "ok");
    if (n > 0 && (size_t) n < sizeof line && write (fd, line, (size_t) n) < 0)
        n = 0; /* nothing to do: the test sees the line missing */
    close (fd);
}

static int s_sync (const char *fn, int fd)
{
    s_sync_fn *real = (s_sync_fn *) dlsym (RTLD_NEXT, fn);
    char link[64], path[4096];
    snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink (link, path, sizeof path - 1);
    path[n > 0 ? n : 0] = 0;
    pthread_mutex_lock (&s_lock);
    int failed = s_should_fail (path);
    s_log (fn, path, failed);
    pthread_mutex_unlock (&s_lock);
    if (failed) {
        errno = EIO;
        return -1;
    }
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    return real (fd);
}

int fsync (int fd)
{
    return s_sync ("fsync", fd);
}

int fdatasync (int fd)
{
    return s_sync ("fdatasync", fd);
}
