/*  eventlog_append.h - one APPEND request: parsed and validated
    (docs/protocol.md §9.1), then held until its group commit. */
#ifndef EVENTLOG_APPEND_H
#define EVENTLOG_APPEND_H

#include "eventlog_store.h"

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_proto.h"

#include <stddef.h>
#include <stdint.h>

/*  One APPEND waiting for the group commit. */
typedef struct {
    dbk_req_t req;             /* the request (envelope + document)          */
    eventlog_batch_t *batches; /* one per stream (owns pos and events too)  */
    size_t nb;                 /* number of batches                          */
    dbk_event_t *events;       /* all proposed events                        */
    size_t nevents;            /* number of events                           */
    dbk_wr_t *data;            /* payloads, encoded once and size-checked    */
    eventlog_pos_t *pos;       /* where each batch landed                    */
    int rc;                    /* result                                     */
    uint64_t current;          /* stream version, on DBK_ECONFLICT           */
    size_t bad;                /* batch that failed                          */
    uint64_t who;              /* hash of the routing envelope: the client   */
} eventlog_append_t;

/*  Parse and validate a->req (its streams, expected versions and
    proposed events; the payloads encoded once into a->data). Returns 0, or
    an error code with *field (NULL: none to name) and msg filled. */
int eventlog_append_parse (eventlog_append_t *a, const char **field, char *msg, size_t msgsz);

/*  Free the append and its request. Safe on NULL / twice. */
void eventlog_append_destroy (eventlog_append_t **a_p);

#endif
