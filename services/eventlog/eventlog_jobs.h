/*  eventlog_jobs.h - VERIFY and BACKUP run in their own threads, so that a
    long chain check or copy never stalls appends and reads: each job is a
    thread (dbk_actor.h) reading a consistent LMDB snapshot (the store
    allows readers in other threads), and reports one result on its pipe.
*/
#ifndef EVENTLOG_JOBS_H
#define EVENTLOG_JOBS_H

#include "eventlog_store.h"

#include "dealbook/dbk_actor.h"

typedef struct {
    int rc;                      /* 0 valid, DBK_ECORRUPT invalid, or the failure's code */
    uint64_t checked;            /* records that check out: seqs 1 .. checked        */
    uint64_t bad_seq;            /* first bad seq when rc is DBK_ECORRUPT            */
    uint8_t hash[DBK_HASH_SIZE]; /* hash of record `checked` (zeros if 0)            */
    char why[300];               /* reason when rc is DBK_ECORRUPT; a failed backup's
                                    sentence, or ""                                  */
} eventlog_job_result_t;

/*  Start a verify of the store (path NULL), or a backup into `path` that
    is then verified. The path is copied. The job sets *progress (may be
    NULL; it must outlive the actor) to the records it has checked so far.
    The actor is the caller's: poll its pipe, then eventlog_job_result,
    then dbk_actor_destroy. NULL with errno when it cannot start: EMFILE
    or ENFILE (out of file descriptors), EAGAIN (no thread), ENOMEM. */
dbk_actor_t *eventlog_job_start (eventlog_store_t *store, const char *path, size_t path_len,
                                 _Atomic uint64_t *progress);

/*  Receive the job's result (blocks until the job is done). */
void eventlog_job_result (dbk_actor_t *job, eventlog_job_result_t *result);

#endif
