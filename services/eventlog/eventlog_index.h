/*  eventlog_index.h - the index entries of committed events that are not
    in the log's index tables yet.

    A group commit writes its records, and only its records: each of the
    three index tables (stream versions, event ids, stream heads) would
    add a B-tree path of dirty pages to every durable commit. Their
    entries wait here, in memory, and eventlog_store writes them in a
    later commit (after so many events or so much time), together with
    the seq they reach, in the same transaction. After a crash, the store
    rebuilds the missing entries from the records at open.

    Lookups (event id -> seq, stream -> version and seq, the seqs of a
    stream from a version) see these entries first. Entries are kept in
    seq order; truncating to an earlier count undoes a transaction that
    did not commit. One thread only.
*/
#ifndef EVENTLOG_INDEX_H
#define EVENTLOG_INDEX_H

#include "dealbook/dbk_event.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct eventlog_index eventlog_index_t;

/*  One event's entry. */
typedef struct {
    uint64_t seq;            /* its position                          */
    uint64_t ver;            /* its version in its stream             */
    uint8_t id[DBK_ID_SIZE]; /* its id                                */
    uint32_t stream;         /* its stream (eventlog_index_stream_name) */
    uint32_t next;           /* the stream's next entry, or UINT32_MAX */
} eventlog_index_entry_t;

eventlog_index_t *eventlog_index_new (void);
void eventlog_index_destroy (eventlog_index_t **self_p);

/*  Add the entry of a new event (seq above every entry's; ver the one
    after the stream's last). 0 or DBK_ENOMEM (nothing added). */
int eventlog_index_add (eventlog_index_t *self, const uint8_t id[DBK_ID_SIZE], const char *stream,
                        size_t len, uint64_t ver, uint64_t seq);

/*  Entries held, and entry i (0 .. count-1, in seq order). */
size_t eventlog_index_count (const eventlog_index_t *self);
const eventlog_index_entry_t *eventlog_index_at (const eventlog_index_t *self, size_t i);

/*  Keep only the first n entries (n <= count); 0 empties it. */
void eventlog_index_truncate (eventlog_index_t *self, size_t n);

/*  The seq of an event id held here, or 0. */
uint64_t eventlog_index_id (const eventlog_index_t *self, const uint8_t id[DBK_ID_SIZE]);

/*  A stream's last version and seq held here (false: none). */
bool eventlog_index_head (const eventlog_index_t *self, const char *stream, size_t len,
                          uint64_t *ver, uint64_t *seq);

/*  The stream's first entry held here at version >= from, or UINT32_MAX;
    the next ones follow entry->next. */
uint32_t eventlog_index_from (const eventlog_index_t *self, const char *stream, size_t len,
                              uint64_t from);

/*  Streams with an entry here (0 .. nstreams-1), and their names. */
size_t eventlog_index_nstreams (const eventlog_index_t *self);
const char *eventlog_index_stream_name (const eventlog_index_t *self, uint32_t s, size_t *len);

/*  A stream's last entry held here (every stream listed has one). */
const eventlog_index_entry_t *eventlog_index_stream_last (const eventlog_index_t *self, uint32_t s);

/*  Streams whose first event is held here (they are new to the tables). */
size_t eventlog_index_new_streams (const eventlog_index_t *self);

#endif
