/*  eventlog_read.h - the arguments of a READ request (docs/protocol.md
    §9.2.1), validated into an eventlog_read_t for eventlog_store_read.
*/
#ifndef EVENTLOG_READ_H
#define EVENTLOG_READ_H

#include "eventlog_store.h"

#include "dealbook/dbk_codec.h"

#define EVENTLOG_READ_LIMIT 10000    /* most events in one READ page        */
#define EVENTLOG_READ_DEFAULT 1000   /* events in a READ page by default    */
#define EVENTLOG_SCAN_DEFAULT 100000 /* records examined by a filtered READ */
#define EVENTLOG_SCAN_MAX 1000000

/*  Fill *rq from the request map root (defaults for what it leaves out).
    Its strings are views into root. Returns 0, or -1 with *field and
    *msg (static) naming the first argument that is wrong. */
int eventlog_read_parse (const dbk_obj_t *root, eventlog_read_t *rq, const char **field,
                         const char **msg);

#endif
