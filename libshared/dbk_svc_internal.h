/*  dbk_svc_internal.h - what the parts of the service shell share
    (dbk_service.c: actor, requests, commands; dbk_svc_model.c: the read
    model and the application of events; dbk_svc_ctx.c: what handlers
    ask of their context). Not installed, not public.
*/
#ifndef DBK_SVC_INTERNAL_H
#define DBK_SVC_INTERNAL_H

#include "dealbook/dbk_actor.h"
#include "dealbook/dbk_client.h"
#include "dealbook/dbk_logging.h"
#include "dealbook/dbk_proto.h"
#include "dealbook/dbk_service.h"
#include "dealbook/dbk_sub.h"

#include <pthread.h>
#include <stdatomic.h>

enum { S_META = 0, S_STREAMS = 1, S_COMMANDS = 2, S_PENDING = 3, S_OWN = 4 };

/*  Where a command's events landed. */
typedef struct {
    uint64_t first; /* first seq */
    uint64_t last;  /* last seq */
    uint64_t count; /* events of the command */
} dbk_svci_result_t;

/*  A request that waits for the read model. */
typedef enum {
    S_WAIT_REPLY,   /* a command's events appended: answer once applied */
    S_WAIT_RETRY,   /* a conflict: run the handler again once caught up */
    S_WAIT_REBUILD, /* REBUILD: answer once the replay reached the head */
    S_WAIT_AFTER,   /* after_seq: dispatch once the model applied it */
} s_wait_kind_t;

typedef struct {
    s_wait_kind_t kind;              /* what it waits for */
    dbk_req_t req;                   /* the request (owned) */
    uint8_t cmd_id[DBK_ID_SIZE];     /* command id (commands) */
    uint64_t seq;                    /* ready when applied >= seq */
    char stream[DBK_STREAM_MAX + 1]; /* retry: ready when this stream ... */
    uint64_t ver;                    /* ... reached this version in the model */
    int attempts;                    /* handler runs so far */
    int64_t conflicted;              /* mono ms of its first conflict, or 0 */
    int64_t deadline;                /* mono ms: give up (reply) or retry anyway */
    int64_t started;                 /* mono ms, for REBUILD's elapsed_ms */
    uint64_t pass;                   /* the pass over the waits it was parked in */
    size_t cost;                     /* bytes it holds, about (dbk_svci_park) */
    dbk_svci_result_t res;           /* reply: positions */
    bool duplicate;                  /* reply: a retried command id */
} dbk_svci_wait_t;

struct dbk_svc_ctx {
    struct dbk_svci *svc;  /* the shell */
    bool cmd;              /* a command handler is running */
    const uint8_t *cmd_id; /* its command id */
    const char *actor;     /* its actor, NUL-terminated */
    struct {
        char stream[DBK_STREAM_MAX + 1]; /* stated by the handler */
        int64_t expect;                  /* its expected version */
    } expect[DBK_SVC_MAX_STREAMS];
    size_t nexpect;        /* expectations stated */
    dbk_doc_t *data_doc;   /* projection: the payload, parsed lazily */
    bool projecting;       /* the projection is running (dbk_svc_put_later) */
    MDB_txn *txn;          /* projection: its write transaction */
    const dbk_event_t *ev; /* projection: the event */
    int code;              /* query: rejection code */
    char field[64];        /* query: rejected field */
    char msg[400];         /* query: rejection sentence */
};

/*  The shell's APPEND on its way to the log: sent, its answer not in
    yet (dbk_svc_react.c). One at a time: nothing is decided while one
    is (dbk_svci_appending). The loop polls the client's socket for the
    answer, so queries, after_seq and the projection go on while the log
    commits; the command it carries is answered then, or the reaction
    goes on. No answer within timeout_ms: the command is answered
    UNREACHABLE, and the APPEND is kept as unsure (dbk_svc_unsure.c). */
typedef struct {
    bool on;                       /* sent, not answered yet */
    bool reaction;                 /* a reaction's (else req's) */
    dbk_req_t req;                 /* the command (owned) */
    uint8_t cmd_id[DBK_ID_SIZE];   /* ... its id */
    char actor[DBK_ACTOR_MAX + 1]; /* ... and actor */
    uint64_t trigger;              /* a reaction: its trigger's seq */
    int attempts;                  /* the command's conflicts so far */
    int64_t conflicted;            /* ... the first at mono ms (0: none) */
    int64_t started;               /* a command parked before: its wait's */
    int64_t deadline;              /* ... start and deadline (0: none) */
    size_t nstreams;               /* groups in the APPEND */
    size_t nevents;                /* events in it */
    int64_t due;                   /* mono ms: unanswered then, unsure */
} dbk_svci_sent_t;

typedef struct dbk_svci {
    const dbk_service_def_t *def;    /* the service */
    dbk_config_t cfg;                /* configuration (a copy) */
    void *state;                     /* def->setup's, read-only after it */
    uint32_t settings;               /* def->setup's fingerprint of them  */
    dbk_logger_t log;                /* lines under the service's name */
    zsock_t *pipe;                   /* actor pipe */
    void *router;                    /* requests (libzmq socket) */
    char endpoint[DBK_ENDPOINT_MAX]; /* where it is bound */
    MDB_env *env;                    /* the read model */
    int lock_fd;                     /* holds its directory (dbk_dir_lock) */
    MDB_dbi own[S_OWN];              /* $meta, $streams, $commands, $pending */
    MDB_dbi dbis[DBK_SVC_MAX_DBS];   /* the def's databases, in its order */
    size_t ndbs;                     /* how many */
    uint64_t applied;                /* checkpoint: last seq applied and committed */
    uint8_t chain[DBK_HASH_SIZE];    /* the hash of the event at `applied` */
    bool chain_known;                /* ... kept with the checkpoint ($meta
                                        "chain", dbk_svc_follow.c) */
    uint64_t head_seen;              /* highest head of subscribers now gone */
    bool head_known;                 /* the log answered a READ once: until
                                        then no command is decided */
    dbk_sub_t *sub;                  /* follows the log (NULL: could not be
                                        made, dbk_svci_sub_retry) */
    int64_t sub_retry_at;            /* mono ms: make it again, when NULL */
    int sub_errno;                   /* ... why it could not be made */
    bool sub_warned;                 /* ... and that was logged */
    int64_t backoff_until;           /* mono ms: do not ask the subscriber before */
    int last_sub_error;              /* why the log cannot be followed (0: it can) */
    bool pub_warned;                 /* the log answers, its PUB says nothing */
    char open_why[1300];             /* why the model's LMDB did not open      */
    dbk_sub_fault_t fault;           /* ... its DBK_ECORRUPT's fault */
    int model_err;                   /* the read model's last write failed for
                                        want of space or storage (DBK_ENOSPC,
                                        DBK_EIO, DBK_EMAPFULL); 0 once one
                                        succeeds */
    uint64_t apply_seq;              /* the event the last failed batch
                                        stopped at (0: none since the last
                                        one applied) */
    int apply_rc;                    /* ... the code it failed with */
    unsigned apply_tries;            /* ... how many times in a row */
    int apply_err;                   /* DBK_EIO once it failed
                                        DBK_SVC_APPLY_TRIES times: the read
                                        model is stuck there; 0 otherwise */
    char apply_why[400];             /* ... why, for STATUS model_error */
    dbk_client_t *client;            /* APPENDs */
    dbk_decision_t *decision;        /* reused by every command */
    dbk_wr_t *wr;                    /* replies */
    dbk_wr_t *body;                  /* handler output, merged into replies */
    dbk_svci_wait_t **waits;         /* requests waiting for the read model */
    size_t nwaits;                   /* how many */
    size_t capwaits;                 /* capacity */
    size_t parked_bytes;             /* what the waits hold (their cost) */
    bool parked_full;                /* new waits are refused BUSY (logged once) */
    dbk_svci_sent_t sent;            /* an APPEND on its way (sent.on) */
    struct dbk_svci_unsure *unsure;  /* an APPEND the log did not answer (or NULL) */
    uint64_t own_last;               /* last seq of this shell's latest append */
    bool react_waiting;              /* a reaction waits for its turn */
    uint64_t wait_pass;              /* passes over the waits (s_serve_waits) */
    int64_t repark_started;          /* a command parked again: its start */
    int64_t repark_deadline;         /* ... and deadline (0: a new one) */
    struct {
        uint64_t commands;          /* commands answered OK (duplicates included) */
        uint64_t duplicates;        /* ... of which a retried command id */
        uint64_t rejected;          /* commands refused by a decider or the shell */
        uint64_t conflicts;         /* APPENDs refused for the expected version */
        uint64_t queries;           /* queries answered OK */
        uint64_t events;            /* events applied to the read model */
        uint64_t skipped;           /* ... of which skipped as malformed */
    } count;                        /* since start, for STATUS */
    uint64_t react_seq;             /* the last own reaction's last seq      */
    int64_t react_after;            /* mono ms: do not react before          */
    uint64_t reactions;             /* reactions appended since start        */
    bool rebuilding;                /* a REBUILD is replaying */
    bool replaying;                 /* far behind the log: large batches, no fsync */
    bool flushing;                  /* `flusher` runs or is to be joined */
    pthread_t flusher;              /* ... which fdatasyncs the model after a replay */
    int flush_fd;                   /* ... through this descriptor of its own */
    atomic_bool flushed;            /* ... and is done: */
    int flush_err;                  /* ... with this errno (0: flushed) */
    bool apply_more;                /* the last apply was cut short: more waiting */
    int64_t started;                /* mono ms at start */
    bool terminated;                /* $TERM received */
    dbk_actor_t *worker;            /* runs offloaded queries (NULL: none yet) */
    size_t offloaded;               /* queries handed to it, not answered yet */
    int64_t background_next;        /* mono ms: ask def->background_due again */
    atomic_bool stopping;           /* the worker's job should return early */
    struct dbk_svci_later *later;   /* rows the projection deferred (or NULL) */
    struct dbk_svci_later *held;    /* ... held across batches (or NULL)      */
    size_t held_mark[2];            /* held bytes and records at batch start  */
    bool building;                  /* the model is built from seq 1, not yet
                                       caught up                              */
    bool holding;                   /* ... and holds the deferred rows        */
    bool hold_marked;               /* $meta "hold" is written                */
    struct dbk_svci_causes *causes; /* $commands rows of the batch (or NULL) */
} dbk_svci_t;

/*  Rows deferred by dbk_svc_put_later / dbk_svc_del_later
    (dbk_svc_later.c): written in key order into txn (flush), forgotten
    (clear: the batch was aborted), freed with the shell. */
int dbk_svci_later_add (dbk_svci_t *self, MDB_txn *txn, MDB_dbi dbi, const void *k, size_t kl,
                        const void *v, size_t vl, bool del);
int dbk_svci_later_flush (dbk_svci_t *self, MDB_txn *txn);
void dbk_svci_later_clear (dbk_svci_t *self);
void dbk_svci_later_free (dbk_svci_t *self); /* and the held rows */

/*  A replay's unsynced writes (dbk_svc_sync.c). The mark that they may
    not be on disk yet (a file `unsynced` in the service's directory),
    set durably with this boot's id, or removed. Checked before the model
    in dir opens: 0 none, 1 this boot's (flush the model, then remove
    it), or, for another boot's or an unknown one, the model's files
    deleted (the model may be damaged: built again) and 0, or a negative
    DBK code. The flush at the end of a replay, on a thread of its own,
    which removes the mark; its end checked (poll), or awaited (join:
    before the environment closes or changes). */
int dbk_svci_unsynced_mark (dbk_svci_t *self, bool on);
int dbk_svci_unsynced_open (dbk_svci_t *self, const char *dir);
void dbk_svci_flush_behind (dbk_svci_t *self);
void dbk_svci_flush_poll (dbk_svci_t *self);
void dbk_svci_flush_join (dbk_svci_t *self);

/*  The rows held across the batches of a replay from seq 1 (while
    self->holding, dbk_svc_put_later / del_later go there): mark where
    a batch starts, take a batch's records back (undo: it was aborted),
    their memory, write them all in key order (they stay held until
    clear), forget them.
    dbk_svci_held_write writes them in transactions of its own, begun and
    committed there; `last` (or NULL) adds to the last one before its
    commit. 0, or the error of a transaction that did not commit: the
    rows of the transactions before it are in the model, and a later call
    writes every held row again (what the last call for each key says, as
    the first time, so that is harmless). */
void dbk_svci_held_mark (dbk_svci_t *self);
void dbk_svci_held_undo (dbk_svci_t *self);
size_t dbk_svci_held_bytes (const dbk_svci_t *self);
int dbk_svci_held_write (dbk_svci_t *self, int (*last) (dbk_svci_t *self, MDB_txn *txn));
void dbk_svci_held_clear (dbk_svci_t *self);

/*  The seq up to which the model may be read by commands, reactions,
    background work and after_seq: the checkpoint, or 0 while rows are
    held (the model's indexes are not all written). */
static inline uint64_t dbk_svci_ready (const dbk_svci_t *self)
{
    return self->holding ? 0 : self->applied;
}

/*  The $commands rows of the batch (dbk_svc_model.c): emptied when the
    batch is aborted, freed with the shell. */
void dbk_svci_causes_clear (dbk_svci_t *self);
void dbk_svci_causes_free (dbk_svci_t *self);

/*  The worker thread (dbk_svc_worker.c). dbk_svci_offload: true when
    req is for the worker (def->offload says so) and was handed to it or
    answered with an error (req is then the worker's: released empty);
    false: run it here. dbk_svci_offload_done: answer the job the worker
    hands back (its socket is readable). dbk_svci_worker_stop: cut the
    running job short, answer the rest, join the thread. */
typedef struct dbk_svci_job dbk_svci_job_t;
bool dbk_svci_offload (dbk_svci_t *self, dbk_req_t *req, const dbk_svc_query_t *q);
void dbk_svci_offload_done (dbk_svci_t *self);
void dbk_svci_worker_stop (dbk_svci_t *self);
/*  Hand def->background to the worker when it is due (see dbk_service.h). */
void dbk_svci_background (dbk_svci_t *self);

/*  ---- waiting requests (dbk_svc_park.c) ---- */

/*  Park req to wait as kind: req is the wait's then (emptied), and
    returns the wait, its deadline 2 x timeout_ms from now (or kept, for
    a command parked again: self->repark_deadline). With `bounded` (a
    request that did not wait yet, nothing appended for it), past the
    bound of the waits (DBK_SVC_PARKED_MAX, DBK_SVC_PARKED_BYTES) req is
    answered BUSY at once; NO_MEMORY if the wait cannot be made. NULL
    then: req answered, still the caller's to release. */
dbk_svci_wait_t *dbk_svci_park (dbk_svci_t *self, dbk_req_t *req, s_wait_kind_t kind, bool bounded);
/*  Remove waits[i], keeping the others in their order. */
void dbk_svci_wait_remove (dbk_svci_t *self, size_t i);
/*  The wait of a command with this id (NULL: none). */
dbk_svci_wait_t *dbk_svci_find_wait (dbk_svci_t *self, const uint8_t id[DBK_ID_SIZE]);
/*  Answer every wait INTERRUPTED (when the ROUTER is there) and free them. */
void dbk_svci_waits_free (dbk_svci_t *self);
/*  The request's after_seq into *after_seq (0 when absent). false when
    req was answered instead: INVALID (after_seq) when it is not a uint,
    or lies more than DBK_SVC_AFTER_AHEAD beyond the log's head. */
bool dbk_svci_after_seq (dbk_svci_t *self, const dbk_req_t *req, uint64_t *after_seq);

/*  ---- an APPEND the log did not answer in time (dbk_svc_unsure.c) ----

    Whether the log stores it is not known: a log that is slow or stopped
    still holds it (ZeroMQ delivers what reached its ROUTER even once our
    socket is gone), and may commit it whenever it goes on. While it is
    so, no command or reaction is decided (their rules read the model
    beyond the streams they write, which would lack its events): the
    same bytes (the same event ids, expected versions and rid) are sent
    again, from every timeout_ms to every 8 x timeout_ms, until the log
    gives an answer that settles it: stored (OK, first or duplicate:
    the shell then waits for the model to apply it, as for any own
    append), or refused for good (WRONG_EXPECTED_VERSION, a validation
    error: the same request, sent earlier, is refused so too). */

/*  Keep the APPEND in w (as sent on self->client) as unsure: rc is why,
    DBK_ETIMEOUT (no answer) or DBK_EIO (STORAGE: the log's commit failed,
    and a failed write may still show after its restart), or
    DBK_EINTERRUPTED (the service stops before the answer came: written
    for the next start by dbk_svci_unsure_free), or DBK_EMALFORMED (an OK
    whose positions cannot be read: stored, but where is not known). */
void dbk_svci_unsure_keep (dbk_svci_t *self, const dbk_wr_t *w, int rc);
/*  An APPEND of this shell is unanswered. */
bool dbk_svci_unsure (const dbk_svci_t *self);
/*  Why decisions wait, a sentence for a reply (since how long, what the
    log last answered). */
void dbk_svci_unsure_why (const dbk_svci_t *self, char *out, size_t size);
/*  Take the log's answers (without waiting), send again when due. */
void dbk_svci_unsure_poll (dbk_svci_t *self);
/*  The mono ms of the next send (0: nothing unanswered). */
int64_t dbk_svci_unsure_due (const dbk_svci_t *self);
/*  Forget it (the shell stops), saying so, after writing its file again
    for the next start (while the directory is this process's): the file
    may lack it (an APPEND still on its way at the stop, a start that set
    the directory aside). */
void dbk_svci_unsure_free (dbk_svci_t *self);
/*  At start: the APPEND a run before left unsure (the file `unsure` in
    the service's directory) is unsure again, sent at once. Read before
    the model opens (which may set the directory aside), then, `opened`,
    said and written again where the directory is now. 0, or a DBK code
    with why when the file is there but cannot be read: the service must
    not start and decide without it. */
int dbk_svci_unsure_load (dbk_svci_t *self, bool opened, char *why, size_t whysz);

/*  Send OK with the pairs of the one map in `body` (a handler's output). */
void dbk_svci_send_body (dbk_svci_t *self, const dbk_req_t *req, dbk_wr_t *body);

bool dbk_svci_owns (const dbk_service_def_t *def, const char *stream, size_t n);
/*  The read model of the service, in dir: held for this process alone
    (dbk_dir_lock: a second writer of the model would apply the log on a
    checkpoint it does not see move), then opened (dbk_svci_model_open).
    Returns 0, or a DBK code with a sentence in why (DBK_EBUSY: another
    process holds it). Closed, then let go, by dbk_svci_model_close
    (self->lock_fd is -1 before start). dbk_svci_model_open opens a model
    in any directory (a REBUILD's new file too). */
int dbk_svci_model_start (dbk_svci_t *self, const char *dir, char *why, size_t whysz);
void dbk_svci_model_close (dbk_svci_t *self);
int dbk_svci_model_open (dbk_svci_t *self, const char *dir);
int dbk_svci_command_get (dbk_svci_t *self, MDB_txn *txn, const uint8_t id[DBK_ID_SIZE],
                          dbk_svci_result_t *res);
int dbk_svci_version_get (dbk_svci_t *self, MDB_txn *txn, const char *stream, size_t n,
                          uint64_t *ver);
int dbk_svci_apply (dbk_svci_t *self);

/*  ---- following the log (dbk_svc_follow.c) ---- */

/*  A new subscriber from the checkpoint (and its event's hash, when
    known). 0, or DBK_EBUSY (out of file descriptors) or DBK_EINVAL (the
    endpoints are unusable) with self->sub NULL: the loop then calls
    dbk_svci_sub_retry, which makes it again once a second (and logs
    when it cannot, and when it can again). */
int dbk_svci_sub_restart (dbk_svci_t *self);
void dbk_svci_sub_retry (dbk_svci_t *self);
/*  The log's head as far as the shell knows: the highest seen, at least
    the checkpoint; but the log's own while the model is ahead of it. */
uint64_t dbk_svci_head (const dbk_svci_t *self);
/*  The model is ahead of the log: the log was replaced by an older copy. */
bool dbk_svci_ahead (const dbk_svci_t *self);
/*  The checkpoint's hash from $meta "chain" in txn, if it is that of seq
    cp (else chain_known is false); and written there, in the
    checkpoint's transaction. */
void dbk_svci_chain_load (dbk_svci_t *self, MDB_txn *txn, uint64_t cp);
int dbk_svci_chain_put (dbk_svci_t *self, MDB_txn *txn, uint64_t seq,
                        const uint8_t hash[DBK_HASH_SIZE]);
/*  After a batch of `applied` events that ended with the subscriber's
    answer sub_rc: whether the log is followed, why not (logged once). */
void dbk_svci_followed (dbk_svci_t *self, int sub_rc, int applied);

/*  Whether the read model is stuck, so that requests waiting for it are
    answered at once: its code (0: not stuck), and why into why (a
    sentence, up to some 1500 bytes; why may be NULL): the model cannot
    be written (model_err), or cannot go on past an event its projection
    failed on DBK_SVC_APPLY_TRIES times (apply_err), or the event log
    cannot be followed: no subscriber could be made (DBK_EBUSY when out of
    file descriptors), the log does not answer, is behind the model, or
    fails its checks. */
int dbk_svci_stuck (const dbk_svci_t *self, char *why, size_t size);

/*  Why the log cannot be followed now, into why: NULL when it can. */
const char *dbk_svci_log_error (const dbk_svci_t *self, char *why, size_t size);

/*  Answer a query with an error (true: answered) while the model was
    built from a log that is no longer there: it is ahead of the log, or
    its checkpoint is not the log's event at that seq
    (DBK_SUB_FAULT_FORK). So nothing of a log that no longer exists is
    served. */
bool dbk_svci_refuse_query (dbk_svci_t *self, const dbk_req_t *req);
int dbk_svci_model_reset (dbk_svci_t *self);
/*  The last seq of this shell's latest append (a command's or a
    reaction's) while the read model has not applied it, else 0; and
    recording an append that ended at seq. A decision reads the model
    beyond the streams it writes (a name that must be unique, the deals a
    registration conflicts with, whether an account is archived), so a
    command or a reaction is decided only once every event this shell
    appended is in the model: two commands taken in together would each
    decide without the other's events, and the log's expected versions,
    which cover only the streams written, would not see it. */
uint64_t dbk_svci_unapplied (const dbk_svci_t *self);

/*  Answer STATUS (dbk_svc_status.c). */
void dbk_svci_status (dbk_svci_t *self, dbk_req_t *req);
void dbk_svci_appended (dbk_svci_t *self, uint64_t seq);

/*  Send the decision of self->decision to the log in one APPEND, one
    group per stream, each with its expected version (dbk_svc_react.c),
    and mark it on its way in self->sent (the caller fills in whose it
    is). Returns 0, or a DBK code with msg: nothing was sent. */
int dbk_svci_append_send (dbk_svci_t *self, dbk_svc_ctx_t *ctx, MDB_txn *txn,
                          const dbk_obj_t *corr_o, char *msg, size_t msgsz);
/*  Take the log's answer to self->sent without waiting: false while
    there is none and its time is not up. true once settled (sent.on is
    false then, sent.req still the caller's to answer and release): rc 0
    with res filled; DBK_ECONFLICT with stream_out / *current of the
    stream that conflicted; or another DBK code with msg (DBK_ETIMEOUT:
    no answer in time, kept as unsure). */
bool dbk_svci_append_answer (dbk_svci_t *self, int *rc, dbk_svci_result_t *res, char *stream_out,
                             uint64_t *current, char *msg, size_t msgsz);
/*  An APPEND of this shell is on its way, or unanswered: decisions wait. */
static inline bool dbk_svci_appending (const dbk_svci_t *self)
{
    return self->sent.on || self->unsure != NULL;
}
/*  A reaction's APPEND answered (rc as dbk_svci_append_answer's). */
void dbk_svci_react_done (dbk_svci_t *self, int rc, const dbk_svci_result_t *res, const char *msg);

/*  Inside the apply transaction: remember ev in $pending when the def
    reacts to its type. */
int dbk_svci_pending_put (dbk_svci_t *self, MDB_txn *txn, const dbk_event_t *ev);

/*  Run at most one pending reaction if the model is caught up. Returns
    true when there may be more to do soon (poll again quickly). */
bool dbk_svci_react (dbk_svci_t *self);

#endif
