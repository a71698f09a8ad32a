/*  hold_fsync.so - an LD_PRELOAD shim that holds fsync and fdatasync while
    a file exists: a disk that takes its time to confirm a write. A test
    keeps the event log's group commit waiting so, while the rest of the
    process goes on (libzmq's I/O thread accepts connections and queues
    requests), unlike SIGSTOP, which stops that too:

        DBK_HOLD_FSYNC=FILE  while FILE exists, fsync and fdatasync wait
                             (FILE is looked at every 5 ms), then sync.

    Wraps the calls of every thread; the process's own shared libraries
    (liblmdb) take them from here.
*/
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef int (s_sync_fn) (int fd);

static void s_hold (void)
{
    const char *hold = getenv ("DBK_HOLD_FSYNC");
    if (hold)
        while (access (hold, F_OK) == 0)
            nanosleep (&(struct timespec){0, 5 * 1000 * 1000}, NULL);
}

int fsync (int fd)
{
    s_sync_fn *real = (s_sync_fn *) dlsym (RTLD_NEXT, "fsync");
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    s_hold ();
    return real (fd);
}

int fdatasync (int fd)
{
    s_sync_fn *real = (s_sync_fn *) dlsym (RTLD_NEXT, "fdatasync");
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    s_hold ();
    return real (fd);
}
