/*  dbk_sub.h - the reusable subscriber of DESIGN §5 (the zguide's Clone
    pattern): catch up with READ from a checkpoint, then follow the PUB
    stream; duplicates dropped by seq, gaps (a PUB dropped at the high-water
    mark, a heartbeat ahead of us) repaired with READ. Events come out
    strictly in seq order, each once.

    Each event handed out is on the hash chain (protocol.md §8): its hash
    is that of its bytes with its prev, and its prev is the hash of the
    event handed out before it (of the record at cfg->after for the first
    one). A record that fails this is not handed out, and neither is
    anything after it: dbk_sub_next answers DBK_ECORRUPT at that seq
    until the log serves a record that checks out (dbk_sub_fault says
    which seq). An owner that folds events into figures thus never folds
    an altered record.

    It takes the whole PUB stream and filters nothing: a prefix-filtered
    PUB would hide gaps. Not thread-safe: one subscriber per thread.
*/
#ifndef DBK_SUB_H
#define DBK_SUB_H

#include "dealbook/dbk_event.h"

#include <czmq.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dbk_sub dbk_sub_t;

typedef struct {
    const char *log_endpoint; /* the log's ROUTER (READ)                    */
    const char *pub_endpoint; /* the log's PUB                              */
    uint64_t after;           /* checkpoint: deliver from after + 1         */
    int timeout_ms;           /* READ answer timeout (0: 5000)              */
    int rcvhwm;               /* SUB high-water mark (0: libzmq default)    */
    uint32_t page;            /* events per READ (0: 1000)                  */
    bool decode_ahead;        /* decode READ pages on a thread of its own   */
    bool async;               /* never wait for a READ's answer (below)     */
    int idle_ms;              /* nothing on the PUB stream for this long (no
                                 heartbeat either): READ, to learn whether
                                 the log still answers (0: never)           */

    /*  The hash of the record at `after`, as the owner kept it with its
        checkpoint (copied): a log whose record at `after` has another
        hash is not followed (DBK_SUB_FAULT_FORK). NULL: taken from the
        log by the first READ, which starts at `after` either way. Unused
        when after is 0: the chain starts at 32 zero bytes. */
    const uint8_t *after_hash;
} dbk_subcfg_t;

/*  Connect and subscribe. NULL with errno if it cannot be made: EMFILE
    or ENFILE when the process is out of file descriptors (it takes two
    sockets), EINVAL and the like for an unusable endpoint, ENOMEM. */
dbk_sub_t *dbk_sub_new (const dbk_subcfg_t *cfg);
void dbk_sub_destroy (dbk_sub_t **self_p);

/*  The next event, waiting up to timeout_ms for the PUB stream (0: don't
    wait for it). When it must READ (catching up, repairing a gap) the
    READ itself may take up to cfg->timeout_ms if the log is slow or down.
    Returns 0 with *ev filled (its views stay valid until the next call);
    DBK_ETIMEOUT when nothing came in time (caught up: not an error);
    DBK_EIO if the log cannot be reached for a READ; DBK_ECORRUPT when
    the log cannot be followed from our position (dbk_sub_fault says why:
    its head is below it, a seq is missing, a record fails its hash check,
    or its record at our position is not the one handed out); another DBK
    code for malformed answers. After an error the subscriber stays
    usable; after DBK_ECORRUPT it reads the log again at each call (the
    same answer until the log is repaired or replaced). */
int dbk_sub_next (dbk_sub_t *self, dbk_event_t *ev, int timeout_ms);

/*  Why dbk_sub_next last answered DBK_ECORRUPT. */
typedef enum {
    DBK_SUB_FAULT_NONE = 0, /* it has not                                  */
    DBK_SUB_FAULT_BEHIND,   /* the log's head (seq) is below our position:
                               it was replaced by an older copy (restored
                               from a backup) or lost events it had not
                               flushed. An owner's read model is ahead of
                               the log and must be built again             */
    DBK_SUB_FAULT_GAP,      /* the log does not hold seq (a READ page skips
                               it): the log is damaged                     */
    DBK_SUB_FAULT_HASH,     /* the record at seq fails its hash check: its
                               bytes are not those its hash was made of, or
                               its prev is not the hash of seq - 1 as
                               handed out. Altered or damaged on disk, or
                               the log holds another history after seq - 1 */
    DBK_SUB_FAULT_FORK,     /* the log's record at our position (seq) is not
                               the one handed out there (or cfg->after_hash):
                               the log was replaced by another copy        */
} dbk_sub_fault_kind_t;

typedef struct {
    dbk_sub_fault_kind_t kind; /* why                                      */
    uint64_t seq;              /* BEHIND: the log's head; else the seq at
                                  fault                                    */
} dbk_sub_fault_t;

/*  The fault found by the last DBK_ECORRUPT answer (kind NONE before
    any). */
dbk_sub_fault_t dbk_sub_fault (const dbk_sub_t *self);

/*  Raw bytes of the event last returned by dbk_sub_next (borrowed, same
    lifetime as its views). */
void dbk_sub_record (const dbk_sub_t *self, const uint8_t **rec, size_t *len);

/*  Seq of the last event delivered (starts at cfg->after). */
uint64_t dbk_sub_position (const dbk_sub_t *self);

/*  How long (ms) nothing came on the log's PUB (no event, no heartbeat),
    since the last message or since the subscriber began: a PUB endpoint
    that reaches no log is otherwise silent, the events arriving only by
    READ when the subscriber finds the log quiet. */
int64_t dbk_sub_pub_quiet_ms (const dbk_sub_t *self);

/*  Highest head seq seen (from READ replies, events and heartbeats). */
uint64_t dbk_sub_head (const dbk_sub_t *self);

/*  Counters, for tests and STATUS. */
typedef struct {
    uint64_t delivered;  /* events handed out                     */
    uint64_t from_pub;   /* of which straight from the PUB stream */
    uint64_t duplicates; /* PUB events dropped as already seen    */
    uint64_t gaps;       /* gaps detected (and repaired by READ)  */
    uint64_t reads;      /* READ requests sent                    */
} dbk_sub_stats_t;

void dbk_sub_stats (const dbk_sub_t *self, dbk_sub_stats_t *st);

/*  The SUB socket (a libzmq socket, dbk_sock.h), for an owner that polls
    several sockets: when it is readable, or when dbk_sub_pending() is
    true, call dbk_sub_next (0). */
void *dbk_sub_socket (dbk_sub_t *self);
bool dbk_sub_pending (const dbk_sub_t *self);

/*  With cfg->async, dbk_sub_next never waits for a READ: while the page
    it asked for has not come, it answers DBK_ETIMEOUT at once, and
    dbk_sub_awaiting is true. Such an owner polls dbk_sub_read_socket
    instead of the SUB socket (whose messages wait meanwhile), and calls
    dbk_sub_next (0) when it is readable, or once dbk_sub_read_deadline
    (mono ms) has passed: the READ is then given up (DBK_EIO, the log does
    not answer) and asked again on the next call. So a log that is down
    costs the owner no blocked wait. */
bool dbk_sub_awaiting (const dbk_sub_t *self);
/*  True once a READ was answered: the log's head is known (an async
    owner that decides on its position waits for it). */
bool dbk_sub_heard (const dbk_sub_t *self);
void *dbk_sub_read_socket (dbk_sub_t *self);
int64_t dbk_sub_read_deadline (const dbk_sub_t *self);

#ifdef __cplusplus
}
#endif
#endif
