/*  dbk_fds.c - the descriptor limit, raised, reported and watched. */
#include "dealbook/dbk_fds.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/*  The most a process may have (fs.nr_open), for an unlimited hard limit. */
static uint64_t s_nr_open (void)
{
    uint64_t n = 1048576; /* the kernel's default */
    FILE *f = fopen ("/proc/sys/fs/nr_open", "r");
    if (f) {
        unsigned long long v;
        if (fscanf (f, "%llu", &v) == 1 && v > 0)
            n = v;
        fclose (f);
    }
    return n;
}

int dbk_fds_raise (dbk_fds_limit_t *out)
{
    memset (out, 0, sizeof *out);
    struct rlimit rl;
    if (getrlimit (RLIMIT_NOFILE, &rl)) {
        out->err = errno;
        return -1;
    }
    out->was = out->soft = rl.rlim_cur;
    out->hard = rl.rlim_max;
    rlim_t want = rl.rlim_max == RLIM_INFINITY ? (rlim_t) s_nr_open () : rl.rlim_max;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= want)
        return 0;
    rl.rlim_cur = want;
    if (setrlimit (RLIMIT_NOFILE, &rl)) {
        out->err = errno;
        return -1;
    }
    out->soft = want;
    return 0;
}

void dbk_fds_report (const dbk_logger_t *log, const dbk_fds_limit_t *lim)
{
    if (lim->err) {
        dbk_logf (log, DBK_LOG_WARNING,
                  "cannot raise the file descriptor limit (%s); it stays %llu", strerror (lim->err),
                  (unsigned long long) lim->soft);
    } else if (lim->soft != lim->was)
        dbk_logf (log, DBK_LOG_INFO, "file descriptor limit %llu (raised from %llu)",
                  (unsigned long long) lim->soft, (unsigned long long) lim->was);
    else
        dbk_logf (log, DBK_LOG_INFO, "file descriptor limit %llu", (unsigned long long) lim->soft);
    if (lim->soft < DBK_FDS_LOW)
        dbk_logf (log, DBK_LOG_WARNING,
                  "the file descriptor limit %llu is low: every connection (a client, a "
                  "subscriber, a service) takes one; raise the hard limit (ulimit -Hn, "
                  "LimitNOFILE=, compose ulimits: nofile) to %d or more",
                  (unsigned long long) lim->soft, DBK_FDS_LOW);
}

uint64_t dbk_fds_soft_limit (void)
{
    struct rlimit rl;
    return getrlimit (RLIMIT_NOFILE, &rl) ? 0 : (uint64_t) rl.rlim_cur;
}

bool dbk_fds_exhausted (int err)
{
    return err == EMFILE || err == ENFILE;
}

int dbk_fds_why (char *out, size_t size)
{
    return snprintf (out, size, "out of file descriptors (limit %llu)",
                     (unsigned long long) dbk_fds_soft_limit ());
}

void dbk_fds_watch (dbk_fds_watch_t *w, const dbk_logger_t *log)
{
    int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
    bool none = fd < 0 && dbk_fds_exhausted (errno);
    if (fd >= 0)
        close (fd);
    int64_t now = zclock_mono ();
    if (none) {
        w->calm = 0;
        /*  a new spell: said unless the last one ended a moment ago (a
            limit that is reached again and again says so once a minute) */
        int64_t quiet = w->out ? 60000 : 10000;
        if (!w->warned_at || now - w->warned_at >= quiet) {
            char why[80];
            dbk_fds_why (why, sizeof why);
            dbk_logf (log, DBK_LOG_WARNING,
                      "%s: new connections wait (libzmq retries their accept, spending CPU), "
                      "and a request that needs a new socket or thread (VERIFY, BACKUP, a query "
                      "with as_of) is answered BUSY; too many connections are open",
                      why);
            w->warned_at = now;
            w->said = true;
        }
        w->out = true;
    } else if (w->out && ++w->calm >= DBK_FDS_CALM) {
        if (w->said)
            dbk_logf (log, DBK_LOG_INFO, "file descriptors are free again (limit %llu)",
                      (unsigned long long) dbk_fds_soft_limit ());
        w->out = w->said = false;
        w->calm = 0;
    }
}
