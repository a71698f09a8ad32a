/*  eventlog_linger.h - who the group commit waits for.

    Synchronous clients answered by a commit send their next APPEND about
    one round trip later; if the log committed whatever had arrived, they
    would split into groups that alternate commits (each waiting for the
    other's fsync). So after a commit the loop waits for the clients it
    has just answered - by identity, not by count, so that a second group
    whose requests queued during the commit cannot stand in for them - at
    most the commit's own duration (clamped to EVENTLOG_LINGER_MIN_US ..
    EVENTLOG_LINGER_MAX_US). Under a light load of occasional appends
    nobody is coming back and a wait would only add latency: after a wait
    in vain the loop commits at once, trying a wait again every
    EVENTLOG_PROBE_US. One thread.
*/
#ifndef EVENTLOG_LINGER_H
#define EVENTLOG_LINGER_H

#include "dealbook/dbk_proto.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVENTLOG_LINGER_MIN_US 1000 /* wait for clients to come back at least   */
#define EVENTLOG_LINGER_MAX_US 5000 /* ... and at most (else: the last commit's time) */
#define EVENTLOG_PROBE_US 100000    /* after a wait in vain, try again after this */

typedef struct {
    uint64_t *awaited;    /* clients answered by the last commit (sorted) */
    bool *returned;       /* ... which of them sent an APPEND since     */
    size_t cap;           /* room in both                              */
    size_t nawaited;      /* how many                                  */
    size_t awaiting;      /* of which not back yet                     */
    int64_t linger_until; /* wait for them until (zclock_usecs)        */
    bool waiting;         /* this time the loop waits for them         */
    bool wait_ok;         /* the last wait was not in vain             */
    int64_t next_probe;   /* when not waiting: try a wait again then   */
} eventlog_linger_t;

/*  Room for cap clients answered by one commit. 0 or DBK_ENOMEM. */
int eventlog_linger_init (eventlog_linger_t *l, size_t cap);
void eventlog_linger_destroy (eventlog_linger_t *l);

/*  The client that sent a request: a hash of its envelope. */
uint64_t eventlog_linger_who (const dbk_req_t *req);

/*  A commit that took commit_us answered the clients in awaited[0..n)
    (n <= cap; the caller fills them): wait for them. */
void eventlog_linger_await (eventlog_linger_t *l, size_t n, int64_t commit_us);

/*  An APPEND came from client `who`. */
void eventlog_linger_back (eventlog_linger_t *l, uint64_t who);

/*  With APPENDs pending: is the group commit due? Learns whether waiting
    is worth it. */
bool eventlog_linger_due (eventlog_linger_t *l);

/*  With APPENDs pending: how long the loop may sleep (ms, 0: commit). */
long eventlog_linger_timeout_ms (const eventlog_linger_t *l);

#endif
