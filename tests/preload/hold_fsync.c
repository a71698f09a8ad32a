/*  hold_fsync.so - an LD_PRELOAD shim that holds fsync and fdatasync while
    a file exists: a disk that takes its time to confirm a write. A test
    keeps the event log's group commit waiting so, while the rest of the
    process goes on (libzmq's I/O thread accepts connections and queues
    requests), unlike SIGSTOP, which stops that too:

        DBK_HOLD_FSYNC=FILE  while FILE exists, fsync and fdatasync wait
                             (FILE is looked at every 5 ms), then sync.
        DBK_HOLD_SEEN=FILE2  and FILE2 is created when a call starts to
                             wait: the test knows a commit is held.

    Wraps the calls of every thread; the process's own shared libraries
    (liblmdb) take them from here.
*/
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef int (s_sync_fn) (int fd);

static void s_hold (void)
{
    const char *hold = getenv ("DBK_HOLD_FSYNC"), *seen = getenv ("DBK_HOLD_SEEN");
    if (!hold || access (hold, F_OK) != 0)
        return;
    if (seen) {
        int fd = open (seen, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0)
            close (fd);
    }
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
