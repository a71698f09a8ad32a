/*  dbk_fds.h - file descriptors: the process's limit, and running out.

    A server spends one file descriptor on every connection it accepts
    (a client, a subscriber, a service), one on every ZeroMQ socket it
    makes (two for a thread's pipe), and a few on each LMDB environment.
    At the soft limit (RLIMIT_NOFILE) libzmq cannot make a socket
    (EMFILE): the request that needed one is answered BUSY, the process
    logs it and goes on (docs/operations.md, "File descriptors").
*/
#ifndef DBK_FDS_H
#define DBK_FDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*  The soft limit in force now (0 if unknown). */
uint64_t dbk_fds_soft_limit (void);

/*  Whether err (an errno) means out of file descriptors: EMFILE (the
    process's limit) or ENFILE (the system's). */
bool dbk_fds_exhausted (int err);

/*  Write "out of file descriptors (limit N)" into out, for a reply or a
    log line; returns the length as snprintf. */
int dbk_fds_why (char *out, size_t size);

#ifdef __cplusplus
}
#endif
#endif
