/*  dbk_decide.h - the result of a pure decider (DESIGN §2):
        decide(state, command) -> list of events | error (code, field, message)

    A decider fills a dbk_decision_t: either one or more new events (each
    with its stream, type and payload map), or one rejection. It does no
    I/O; the service shell appends the events with the stream's expected
    version and replies. Tests assert on decisions Given-When-Then.
*/
#ifndef DBK_DECIDE_H
#define DBK_DECIDE_H

#include "dealbook/dbk_codec.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dbk_decision dbk_decision_t;

dbk_decision_t *dbk_decision_new (void); /* NULL on allocation failure */
void dbk_decision_destroy (dbk_decision_t **self_p);
void dbk_decision_reset (dbk_decision_t *self); /* empty, keep buffers */

/*  Add a new event for `stream` of `type` and return the writer into which
    the caller writes exactly ONE msgpack map: the event's payload. The
    writer is borrowed until the next call on this decision. Deciding an
    event after a rejection is a programmer error (asserted). */
dbk_wr_t *dbk_decision_event (dbk_decision_t *self, const char *stream, const char *type);

#define DBK_DECISION_FIELD_MAX 64 /* bytes of a rejection's field name kept */

/*  Reject the command: code is a DBK_E* (DBK_EINVAL for validation,
    DBK_EREJECTED for a transition the state forbids, DBK_EDUPLICATE for
    something that exists already, DBK_ENOTFOUND
    for an unknown reference), field the offending field (or NULL; cut to
    DBK_DECISION_FIELD_MAX bytes), and a sentence a user understands. Drops any events decided so
   far. Returns `code`, so a decider can `return dbk_decision_reject (...)`. */
int dbk_decision_reject (dbk_decision_t *self, int code, const char *field, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

/*  Reading a decision. */
bool dbk_decision_rejected (const dbk_decision_t *self);
int dbk_decision_code (const dbk_decision_t *self);            /* 0 if not rejected  */
const char *dbk_decision_field (const dbk_decision_t *self);   /* NULL if none  */
const char *dbk_decision_message (const dbk_decision_t *self); /* "" if none  */
size_t dbk_decision_count (const dbk_decision_t *self);        /* events decided     */
const char *dbk_decision_stream (const dbk_decision_t *self, size_t i);
const char *dbk_decision_type (const dbk_decision_t *self, size_t i);
/*  Payload of event i as encoded msgpack (borrowed until the next change). */
void dbk_decision_data (const dbk_decision_t *self, size_t i, const void **data, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
