/*  dbk_fds.h - file descriptors: the process's limit, and running out.

    A server spends one file descriptor on every connection it accepts
    (a client, a subscriber, a service), one on every ZeroMQ socket it
    makes (two for a thread's pipe), and a few on each LMDB environment.
    At the soft limit (RLIMIT_NOFILE) libzmq cannot make a socket
    (EMFILE): the request that needed one is answered BUSY, the process
    logs it and goes on; and libzmq retries the accept of a waiting
    connection at once, in a loop that spends CPU, until a descriptor is
    free again (it has no setting against that). So every binary raises
    its soft limit to the hard limit at start, and dbk_main watches for
    the limit being reached (docs/operations.md, "File descriptors").
*/
#ifndef DBK_FDS_H
#define DBK_FDS_H

#include "dealbook/dbk_logging.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*  Below this soft limit, dbk_fds_report warns. */
#define DBK_FDS_LOW 4096

typedef struct {
    uint64_t was;  /* the soft limit before                     */
    uint64_t soft; /* the soft limit now                        */
    uint64_t hard; /* the hard limit                            */
    int err;       /* errno of a failed get/setrlimit, else 0   */
} dbk_fds_limit_t;

/*  Raise the soft RLIMIT_NOFILE to the hard limit (to the kernel's
    fs.nr_open when the hard limit is unlimited) and describe the
    outcome in *out. Returns 0, or -1 when the limit could not be read or
    raised (out->err says why; out->soft is the limit in force). */
int dbk_fds_raise (dbk_fds_limit_t *out);

/*  Log the outcome of dbk_fds_raise: the limit at info level; a warning
    when it is below DBK_FDS_LOW or could not be raised. */
void dbk_fds_report (const dbk_logger_t *log, const dbk_fds_limit_t *lim);

/*  The soft limit in force now (0 if unknown). */
uint64_t dbk_fds_soft_limit (void);

/*  Whether err (an errno) means out of file descriptors: EMFILE (the
    process's limit) or ENFILE (the system's). */
bool dbk_fds_exhausted (int err);

/*  Write "out of file descriptors (limit N)" into out, for a reply or a
    log line; returns the length as snprintf. */
int dbk_fds_why (char *out, size_t size);

/*  The process's watch over its descriptors (dbk_main calls it every
    second): each call probes for a free descriptor, cheaply (an open of
    /dev/null and its close), and logs a warning when the process is out
    of them: at most once a minute while that lasts, and not again within
    10 s of the last warning. Once it has had one free for DBK_FDS_CALM
    calls in a row (a descriptor freed at the limit is soon taken again
    by a waiting connection), it logs that they are free again. */
#define DBK_FDS_CALM 3

typedef struct {
    bool out;          /* out of descriptors, not calm again yet */
    bool said;         /* ... and a warning said so              */
    int calm;          /* probes in a row that found one free    */
    int64_t warned_at; /* mono ms of the last warning (0: none)  */
} dbk_fds_watch_t;

void dbk_fds_watch (dbk_fds_watch_t *w, const dbk_logger_t *log);

#ifdef __cplusplus
}
#endif
#endif
