/*  hold_snapshots.so - an LD_PRELOAD shim for dealbook-eventlog that holds
    its VERIFY and BACKUP jobs while a file exists, so that a test can
    do something (kill the log, restart it) while a job is surely running:

        DBK_HOLD_FILE=FILE   while FILE exists, a read-only LMDB
                             transaction begun by a thread that never
                             began a write transaction waits (FILE is
                             looked at every 5 ms) before it begins.

    The log's server thread begins a write transaction at open, before
    any read, so only the job threads (eventlog_jobs.c) are held; STATUS,
    READ and APPEND go on, and STATUS lists the held job. Wraps
    mdb_txn_begin, which the log takes from the shared liblmdb.
*/
#include <dlfcn.h>
#include <errno.h>
#include <lmdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef int (s_begin_fn) (MDB_env *env, MDB_txn *parent, unsigned flags, MDB_txn **txn);

static _Thread_local bool s_writer; /* this thread began a write transaction */

int mdb_txn_begin (MDB_env *env, MDB_txn *parent, unsigned flags, MDB_txn **txn)
{
    s_begin_fn *real = (s_begin_fn *) dlsym (RTLD_NEXT, "mdb_txn_begin");
    if (!real)
        return ENOSYS;
    const char *hold = getenv ("DBK_HOLD_FILE");
    if (!(flags & MDB_RDONLY))
        s_writer = true;
    else if (!s_writer && hold)
        while (access (hold, F_OK) == 0)
            nanosleep (&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    return real (env, parent, flags, txn);
}
