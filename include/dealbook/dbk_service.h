/*  dbk_service.h - the shell every domain service runs in (DESIGN §2b).

    A domain service (contacts, opportunities, bidding, forecasting) is a
    constant table, dbk_service_def_t: its name, the named LMDB databases
    of its read model, its commands, its queries and one projection. The
    shell does all the I/O around them:

      - binds the service's ROUTER (dbk_service_endpoint) and answers
        requests framed as in docs/protocol.md;
      - keeps the read model in its own LMDB environment in
        <data_dir>/<name>, following the log with dbk_sub from the
        checkpoint stored in that environment. Events are applied in seq
        order, several per write transaction, with the checkpoint (and
        the hash of its event) in the same transaction: a crash never
        applies an event twice nor skips one. Only events on the log's
        hash chain are applied: at a record that fails its check, a gap,
        or a log behind the model, the model stays where it is (STATUS
        log_error says why) and commands are refused at once. Far
        behind the log (DBK_SVC_REPLAY_LAG) it replays: larger
        transactions, not flushed one by one, and one flush once caught
        up (a process killed mid-replay resumes from its last committed
        checkpoint). An empty data directory replays the log from seq 1, and so
        does a model written with another def->model_version (new code
        with new indexes never reads a model the old code built);
      - runs a command: first waits until the read model applied the log
        up to the head it knows (after a start or a deleted data directory
        it replays; deciding earlier could miss a reference or a command
        id the log holds), then decides against a read transaction (the
        handler is pure: it reads, fills a dbk_decision_t, nothing else),
        appends the decided events to the log in ONE APPEND (one stream
        group per stream, all or none), and answers only once its own read
        model has applied them (read your writes). The loop keeps serving
        while a command waits. An APPEND the log did not answer in time
        may still be committed: the shell sends it again, unchanged, until
        the log says (stored, or refused for good), and decides nothing
        meanwhile (dbk_svc_unsure.c). Each event gets a new UUIDv7 id,
        cause = the command id, corr, the command's actor, at = now,
        schema 1. Events for a stream outside def->categories are refused
        (INVALID: only the owner appends to a category, DESIGN §3);
      - after_seq: a command or query whose request carries `after_seq`
        (a log position, typically another service's last_seq) is parked
        until the read model applied that position, then dispatched as
        usual; not applied within 2 x timeout_ms it is answered
        DBK_ETIMEOUT (field after_seq) and nothing is done; beyond the
        log's head by more than DBK_SVC_AFTER_AHEAD, DBK_EINVAL at once;
        past the bound on parked requests (DBK_SVC_PARKED_MAX,
        DBK_SVC_PARKED_BYTES), DBK_EBUSY at once;
      - optimistic concurrency: each stream is appended with the version
        the decision was based on (the shell tracks the version of every
        stream of the service's categories; a handler may state another
        expectation with dbk_svc_expect). On WRONG_EXPECTED_VERSION the
        shell waits until its read model holds the stream's current
        version and runs the handler again, for up to 2 x
        DEALBOOK_TIMEOUT_MS and at most DBK_SVC_RETRIES times (see there);
      - idempotent command ids: every event carries its command's id as
        `cause`; the projection of the shell remembers command id ->
        (first seq, last seq, events) from the log itself (so it survives
        REBUILD and a deleted data directory). A command id seen before is
        answered with the original positions and appends nothing;
      - reactions (def->react): events of other services that this one
        answers with events of its own (opportunities closes a deal when
        the bidding service publishes an award), once each, remembered
        in the model's $pending table until their events are in the log;
      - built-in verbs STATUS, PING and REBUILD.

    Request of a command (DESIGN §2b, docs/protocol.md §4):
        {v, rid, op: "<VERB>", cmd: <command id>, actor: "<who>", ...fields}
      cmd   bin 16 or a UUID string (36 chars or 32 hex digits), required;
            the client makes a new one per intent and reuses it on retry;
      actor str of 1..DBK_ACTOR_MAX bytes, required (user id or svc:<name>);
      corr  optional bin 16 / UUID: correlation id of the events (default:
            the command id).
    OK reply of a command:
        {cmd: bin 16, events: n, first_seq, last_seq, duplicate: bool}
      events 0 (a command that changes nothing) has first/last_seq 0.
    Request of a query: {v, rid, op, ...fields}; OK reply: the pairs of the
    map the handler wrote. Queries read the model as it is, without
    waiting: STATUS's lag tells how far behind the log it is. But while
    the model is ahead of the log, or was built from another copy of it
    (the log was replaced by an older copy), queries are refused with
    CORRUPT and log_error's sentence: the model holds events the log no
    longer has.

    Errors (wire names of dbk_error.h):
      INVALID       a field of the request is missing or malformed (field
                    set: cmd, actor, corr or the handler's field), or the
                    decider rejected it with DBK_EINVAL;
      NOT_FOUND, REJECTED, DUPLICATE  the decider's rejection code (an
                    unknown reference, a rule the state forbids, something
                    that exists already), with its field and sentence,
                    passed through unchanged; nothing is appended;
      WRONG_EXPECTED_VERSION  also when the retries after conflicts ran out;
      UNREACHABLE   the event log did not answer in time (DEALBOOK_TIMEOUT_MS),
                    or has not said yet whether it stored an earlier
                    APPEND of the shell that it did not answer in time,
                    or the read model did not catch up with the log (before
                    deciding) or apply the appended events (before
                    answering) within 2 x DEALBOOK_TIMEOUT_MS, or (field
                    after_seq) did not reach the request's after_seq in that
                    time; retrying the same command id is safe;
      BUSY          a REBUILD is running (commands and queries are refused
                    until it is done), or another request with the same
                    command id waits to be decided (behind an earlier
                    append to its stream, the catch-up with the log, or a
                    conflict), or too many requests wait already
                    (DBK_SVC_PARKED_MAX, DBK_SVC_PARKED_BYTES) for one
                    more to wait;
      DISK_FULL / STORAGE  the read model cannot be written (a full disk, a
                    storage error), or is stuck at an event its projection
                    failed on DBK_SVC_APPLY_TRIES times (STATUS model_error
                    says which): commands at once, nothing appended (or,
                    the message says so, appended but not applied);
      CORRUPT       the log cannot be followed from the model's checkpoint
                    (a record fails its hash check, a seq is missing, the
                    log is behind the model or another copy): commands,
                    and queries while the model is ahead of the log or
                    was built from another copy of it; the sentence says
                    which and what to do;
      UNKNOWN_OP    not a verb of this service (field "op");
      MALFORMED / TOO_LARGE / UNSUPPORTED_VERSION  as every dealbook server.

    Built-in verbs:
      PING     -> {}
      STATUS   -> {service, version, uptime_ms, seq_applied (the checkpoint),
                   head (highest log head seen; the log's own while the
                         model is ahead of it), lag (head - seq_applied,
                         or 0),
                   model_error, log_error: str, why the model cannot be
                         written (a full disk; an event that failed
                         DBK_SVC_APPLY_TRIES times: "seq N (TYPE on
                         STREAM) cannot be applied: ...") or the log
                         cannot be followed, or nil,
                   rebuilding: bool, waiting: requests waiting,
                   background: offloaded queries and background work
                               running or waiting,
                   counters: {commands, duplicates, rejected, conflicts,
                              queries, events, skipped, reactions} since
                              start (skipped: those of the events
                              applied that the projection skipped as
                              malformed),
                   ...the pairs of def->status}
      REBUILD  -> empties every database of the read model (the service's
                  and the shell's), sets the checkpoint to 0 and replays the
                  log from seq 1; answers {seq_applied, elapsed_ms} when the
                  replay reached the head known at the request, or STORAGE
                  when the replay stopped at an event that failed
                  DBK_SVC_APPLY_TRIES times (the message names it). Meanwhile
                  STATUS answers (rebuilding: true), commands and queries get
                  BUSY.

    Threading: the shell is one CZMQ actor; handlers and the projection run
    in its thread. A command's APPEND is synchronous (at most
    DEALBOOK_TIMEOUT_MS when the log is down); waiting for the read model
    is not, nor is sending again an APPEND the log did not answer. A
    query request for which def->offload says so (an as-of replay) runs
    instead on the shell's worker thread, one at a time, while the loop
    keeps applying events and answering everything else; STATUS counts
    them (background). Such a handler gets no read transaction (txn NULL:
    it must not read the read model; a snapshot held for a whole replay
    would pin every page freed meanwhile) and may use of its ctx only
    dbk_svc_config, dbk_svc_reject and dbk_svc_cancelled.
*/
#ifndef DBK_SERVICE_H
#define DBK_SERVICE_H

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_config.h"
#include "dealbook/dbk_decide.h"
#include "dealbook/dbk_event.h"

#include <czmq.h>
#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*  Handler runs for one command when the log refuses its APPEND for the
    expected version. One instance never conflicts with itself (a command
    waits until the instance's own last append is applied, so that it is
    decided on a model holding it); conflicts come from another writer of
    the same streams (a
    second instance during a rolling restart). Two writers hammering one
    stream should each win about half of the rounds, but one that is
    slower (starved of CPU, its read model behind) can lose many in a row.
    A retry is started for up to 2 x DEALBOOK_TIMEOUT_MS after the first
    conflict, and the handler runs at most this many times in all. */
#define DBK_SVC_RETRIES 200
#define DBK_SVC_MAX_DBS 32         /* named databases of a service's read model     */
#define DBK_SVC_MAX_STREAMS 64     /* streams one command may append to            */
#define DBK_SVC_BATCH 500          /* events applied in one write transaction       */
#define DBK_SVC_REPLAY_LAG 5000    /* this far behind the log: replaying, with ... */
#define DBK_SVC_REPLAY_BATCH 50000 /* ... up to this many events per transaction */
#define DBK_SVC_REPLAY_MS 250      /* ... and at most this long per transaction     */
/*  An event the projection fails on this many times in a row (a second
    apart) stops the read model for good, until it can be applied: STATUS
    model_error says which and why, and commands are refused at once. */
#define DBK_SVC_APPLY_TRIES 3

/*  Requests parked while they wait for the read model (after_seq, a
    command behind the shell's own last append or the catch-up with the
    log, a retry after a conflict) hold their parsed bodies, up to 24
    bytes an element of a body: a new one that would wait beyond either
    bound is answered BUSY at once (a command already accepted is never
    refused so). As the event log's bound on the APPENDs it gathers. */
#define DBK_SVC_PARKED_MAX 4096          /* requests parked           */
#define DBK_SVC_PARKED_BYTES (64u << 20) /* what they hold (dbk_doc_cost) */
/*  An after_seq beyond the head of the log the service last heard of by
    more than this is INVALID at once: no position the log answered is so
    far ahead (heartbeats tell the head every DEALBOOK_HEARTBEAT_MS), so
    it is a client's mistake (a timestamp, 2^63), not one to wait for. */
#define DBK_SVC_AFTER_AHEAD 1000000

/*  What a handler gets: the service, the transaction, the request. Only
    valid during the call. */
typedef struct dbk_svc_ctx dbk_svc_ctx_t;

/*  A command: read the read model through txn (read-only), decide into d
    (events, or dbk_decision_reject). Return 0 (the decision says the
    rest) or a DBK code for a failure that is not the command's fault
    (e.g. DBK_EIO from LMDB): the client gets ERROR with that code. It may
    run several times for one request (conflict retries): pure. */
typedef int (dbk_svc_command_fn) (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                                  dbk_decision_t *d);

/*  A query: write exactly ONE msgpack map into w (its pairs become the
    reply's body) and return 0, or return dbk_svc_reject (...) / a DBK
    code. txn is read-only. */
typedef int (dbk_svc_query_fn) (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                                dbk_wr_t *w);

/*  The projection: called for EVERY event of the log, in seq order, inside
    the write transaction that also stores the checkpoint. It picks the
    categories it cares about and ignores the rest. The payload is
    dbk_svc_data (ctx, ev). Return 0, DBK_EMALFORMED, or another DBK code.

    DBK_EMALFORMED: the event is skipped, logged (a warning naming its
    seq, type and stream) and counted (STATUS counters.skipped), and the
    batch goes on. For an event the projection will never be able to
    apply for its own fault: anyone may append to the log, and an event
    lacking a field its type must have, or holding one of the wrong type,
    must not stop the read model. The projection must then have written
    NOTHING for it (no mdb_put / mdb_del, no dbk_svc_put_later /
    del_later): it validates the whole event, evolving the state first,
    and writes after. A stored state that does not fold back (a row the
    projection wrote from such an event in an older version) is the same
    malformed input: the event that finds it is skipped, not failed.

    Another code: the transaction is aborted (nothing of the batch is
    applied) and the shell retries a second later from its checkpoint
    (at once after growing the map on DBK_EMAPFULL). So an event the
    projection cannot handle otherwise stops the read model rather than
    being skipped: the projection must accept every past version of the
    payloads it reads. After DBK_SVC_APPLY_TRIES failures of one event in
    a row, STATUS model_error names it and commands are refused at once
    (STORAGE) until it is applied. */
typedef int (dbk_svc_project_fn) (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev);

/*  A reaction (a process manager, DESIGN §2b): called for an event of
    the log whose type is in def->react_types, once the read model holds
    it and everything before it, with a read transaction on the model.
    Decide into d exactly as a command does (events of the service's own
    categories, or nothing, or a rejection, which is logged and dropped).
    The shell appends the events with cause = the triggering event's id
    and actor "svc:<name>", so a reaction happens once: an event whose id
    is already a cause in the log (the reaction was appended before a
    restart, a REBUILD or a deleted data directory) is not reacted to
    again. ev->data is the payload; ev->stream, type, id, seq and at are
    set. Pure, like a command handler; may run again after a conflict. */
typedef int (dbk_svc_react_fn) (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev,
                                dbk_decision_t *d);

/*  Extra STATUS fields: write exactly ONE map into w (its pairs are added
    to the reply; do not reuse the shell's keys). txn is read-only. A
    non-zero return leaves the extra fields out. */
typedef int (dbk_svc_status_fn) (dbk_svc_ctx_t *ctx, MDB_txn *txn, dbk_wr_t *w);

typedef struct {
    const char *verb;       /* e.g. "ADD"; NULL ends the table */
    dbk_svc_command_fn *fn; /* the handler                     */
} dbk_svc_command_t;

/*  Does this query request take long (an as-of replay of the whole
    log)? true: it runs on the shell's worker thread (see "Threading"). */
typedef bool (dbk_svc_offload_fn) (const char *verb, const dbk_obj_t *req);

typedef struct {
    const char *verb;     /* e.g. "GET"; NULL ends the table */
    dbk_svc_query_fn *fn; /* the handler                     */
} dbk_svc_query_t;

/*  Index rows written later, in key order. A projection that writes rows
    at scattered keys (an index entry per owner, level, date ...) may hand
    them to the shell instead of mdb_put / mdb_del: the shell keeps them
    for the batch and writes them, sorted, into the same transaction just
    before the checkpoint and the commit (and forgets them if the batch is
    aborted). Consecutive rows then land on the leaf page the cursor holds,
    instead of one search from the root per row at scattered places.
    For one database and key the last call of the batch wins. Only for a
    database the projection never reads (it cannot see its deferred
    rows) and never writes directly; queries and commands see the rows
    once the batch is committed, as any other. Only from the projection
    (DBK_EINVAL elsewhere); keys of 1..DBK_LMDB_KEY_MAX bytes. 0, DBK_ENOMEM, or an
    LMDB error of an early write (past 64 MB of rows the batch's rows are
    written at once).

    Held rows. With def->replay_hold, a replay that builds the model from
    seq 1 (an empty data directory, a new layout, REBUILD) holds these
    rows across its batches and writes them once, in key order, when it
    has caught up (or when they outgrow DEALBOOK_REPLAY_HOLD_MB, rows and
    sort entries counted; 0 holds nothing), in transactions of their own
    after that batch's: each index page is written
    once rather than once per batch, and keys past a database's last one
    are appended (MDB_APPEND). Meanwhile the deferred databases are
    incomplete: commands, reactions, background work and after_seq wait
    until the rows are written, and a process stopped before that builds
    the model again from seq 1 at its next start ("hold" in $meta).
    Queries are answered from the model as it is, as during any replay
    (STATUS's lag). */
int dbk_svc_put_later (dbk_svc_ctx_t *ctx, MDB_dbi dbi, const void *key, size_t kl, const void *val,
                       size_t vl);
int dbk_svc_del_later (dbk_svc_ctx_t *ctx, MDB_dbi dbi, const void *key, size_t kl);

/*  An offloaded handler asks this between steps of its long work: true
    when the service is stopping (return DBK_EINTERRUPTED then). */
bool dbk_svc_cancelled (const dbk_svc_ctx_t *ctx);

/*  Background work on the worker thread (def->background). `due` runs on
    the loop's thread, at most once a second, while the service has caught
    up with the log and the worker has nothing to do; when it says true,
    `background` runs on the worker, as an offloaded query does (no read
    transaction; it asks dbk_svc_cancelled between steps). Queries that
    come meanwhile wait behind it. Its error is logged. */
typedef bool (dbk_svc_due_fn) (dbk_svc_ctx_t *ctx, uint64_t applied);

/*  The service's own settings, read from the configuration once at
    start: 0 with *state set (dbk_svc_state hands it to every handler,
    on every thread: it must not change afterwards), or a DBK code with
    why filled, and the service does not start (FAILED why). *settings
    (0 before the call) is a fingerprint of the settings its read model
    is computed with: a model built under another one is emptied and
    replayed at start, as after a change of model_version. teardown
    frees the state at the stop. */
typedef int (dbk_svc_setup_fn) (const dbk_config_t *cfg, void **state, uint32_t *settings,
                                char *why, size_t whysz);
typedef void (dbk_svc_teardown_fn) (void *state);
typedef int (dbk_svc_background_fn) (dbk_svc_ctx_t *ctx);

/*  Offloaded queries running or waiting at most; one more is BUSY. */
#define DBK_SVC_OFFLOAD_MAX 8

typedef struct {
    const char *name;                  /* "contacts": log name, data subdir, endpoint  */
    const char *const *dbs;            /* its named LMDB dbs, NULL-terminated (or NULL) */
    const char *const *categories;     /* stream categories it owns, NULL-terminated;
                                          NULL: every category                         */
    const dbk_svc_command_t *commands; /* {NULL, NULL}-terminated (or NULL)            */
    const dbk_svc_query_t *queries;    /* {NULL, NULL}-terminated (or NULL)            */
    dbk_svc_project_fn *project;       /* required                                     */
    dbk_svc_status_fn *status;         /* optional                                     */
    dbk_svc_react_fn *react;           /* optional: the process manager               */
    const char *const *react_types;    /* event types it reacts to, NULL-terminated    */
    dbk_svc_offload_fn *offload;       /* optional: which queries run on the worker    */
    dbk_svc_due_fn *background_due;    /* optional: background work due? (both or none) */
    dbk_svc_background_fn *background; /* optional: that work, on the worker           */
    uint32_t model_version;            /* layout of the read model: a model stored by
                                          another version is emptied and replayed at
                                          start (bump it when an index changes)        */
    bool replay_hold;                  /* hold the deferred rows of a replay from seq 1
                                          (see dbk_svc_put_later)                      */
    dbk_svc_setup_fn *setup;           /* optional: settings read at start            */
    dbk_svc_teardown_fn *teardown;     /* optional: frees what setup made             */
} dbk_service_def_t;

/*  The actor body. Use it from a CZMQ actor function:

        void contacts_server (zsock_t *pipe, void *args)
        {
            dbk_service_run (pipe, &contacts_def, args); // args: dbk_config_t *
        }

    After zsock_signal it sends "READY" or "FAILED <reason>" on the pipe
    (bad definition, endpoint in use, read model unusable); after FAILED
    it waits for $TERM. Pipe commands: "$TERM" stops it (requests still
    waiting get ERROR INTERRUPTED); "ENDPOINT" answers the bound endpoint.
    The log need not be up: the service starts, answers STATUS and
    queries, and catches up once the log answers. Returns 0 after a clean
    stop, or the DBK code of the start-up failure. The config is copied. */
int dbk_service_run (zsock_t *pipe, const dbk_service_def_t *def, const dbk_config_t *cfg);

/*  The ROUTER endpoint of service `name`: the DEALBOOK_<NAME>_ENDPOINT of
    cfg for contacts, opportunities, bidding and forecasting; for any other
    name (tests, tools) "ipc://<data_dir>/<name>.ipc". Returns 0 or
    DBK_ETOOBIG when out is too small. */
int dbk_service_endpoint (const dbk_config_t *cfg, const char *name, char *out, size_t outsz);

/*  ---- for handlers ---- */

/*  The dbi of one of the def's named databases. Asking for a name the def
    does not list is a programmer error (asserted). */
MDB_dbi dbk_svc_dbi (dbk_svc_ctx_t *ctx, const char *name);

/*  The value at key (tag, then id's bytes) of the database `db`, into out
    when it is exactly `size` bytes: false when there is none (or it has
    another size, or id is empty or longer than 254 bytes). */
bool dbk_svc_tagged_get (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *db, char tag, const char *id,
                         void *out, size_t size);

/*  The version of a stream of the service's categories as the read model
    knows it (0: no such stream). Returns 0 or a DBK code. From a
    projection it first writes the batch's deferred rows, where the
    versions wait: values read from LMDB before the call are then no
    longer valid (LMDB's rule after a write). */
int dbk_svc_stream_version (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *stream, uint64_t *ver);

/*  Commands only: append to `stream` with this expected version (an exact
    version or DBK_EXPECT_*) instead of the version the read model knows.
    DBK_EXPECT_ANY gives up optimistic concurrency for that stream (and
    with it the protection of a command id retried while its first
    attempt is still in flight). With DBK_EXPECT_EXISTS, an APPEND the
    log did not answer, then refused for that stream, could still be
    committed if the stream is created meanwhile (dbk_svc_unsure.c
    takes the refusal as final): prefer an exact version. */
void dbk_svc_expect (dbk_svc_ctx_t *ctx, const char *stream, int64_t expect);

/*  The service's configuration (borrowed for the handler's call). */
const dbk_config_t *dbk_svc_config (const dbk_svc_ctx_t *ctx);

/*  What def->setup made of it (NULL without setup): the service's for
    its whole life, read-only. */
const void *dbk_svc_state (const dbk_svc_ctx_t *ctx);

/*  The fingerprint def->setup gave of its settings (0 without). */
uint32_t dbk_svc_settings (const dbk_svc_ctx_t *ctx);

/*  Is `actor` one of the comma-separated names of cfg->managers? */
bool dbk_svc_is_manager (const dbk_config_t *cfg, const char *actor);

/*  Is `actor` one of the comma-separated names of `list`? */
bool dbk_svc_in_list (const char *list, const char *actor);

/*  Commands only: the command's actor (NUL-terminated) and id. */
const char *dbk_svc_actor (const dbk_svc_ctx_t *ctx);
const uint8_t *dbk_svc_command_id (const dbk_svc_ctx_t *ctx);

/*  Projection only: the payload map of ev, parsed on first use; borrowed
    until the projection returns. NULL if it does not parse (a corrupt
    record: the projection decides). */
const dbk_obj_t *dbk_svc_data (dbk_svc_ctx_t *ctx, const dbk_event_t *ev);

/*  Projection only: the payload of the event being projected as the log
    holds it, for a row that stores it whole without encoding it again.
    Only when it passed dbk_svc_data's checks (it is parsed if it was not
    yet): NULL otherwise, and outside a projection. */
const void *dbk_svc_data_raw (dbk_svc_ctx_t *ctx, size_t *len);

/*  Queries (and status): refuse the request with a DBK code, the field
    (or NULL) and a sentence. Returns code, so `return dbk_svc_reject (...)`. */
int dbk_svc_reject (dbk_svc_ctx_t *ctx, int code, const char *field, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

/*  Read a command id: bin 16, or a UUID str (36 chars or 32 hex digits).
    0 or DBK_EINVAL. */
int dbk_svc_parse_id (const dbk_obj_t *o, uint8_t id[DBK_ID_SIZE]);

/*  The category of a stream name ("contact" of "contact-0193..."): its
    length, 0 if the name has no dash. */
size_t dbk_svc_category_len (const char *stream, size_t n);

#ifdef __cplusplus
}
#endif
#endif
