/*  eventlog_read.c - the arguments of a READ request (eventlog_read.h). */
#include "eventlog_read.h"

#include "dealbook/dbk_event.h"

/*  "type": one prefix, or an array of 1..EVENTLOG_TYPES_MAX. 0 or -1. */
static int s_types (const dbk_obj_t *o, eventlog_read_t *rq)
{
    bool one = dbk_obj_type (o) == DBK_T_STR;
    size_t n = one ? 1 : dbk_obj_len (o);
    if ((!one && dbk_obj_type (o) != DBK_T_ARRAY) || n == 0 || n > EVENTLOG_TYPES_MAX)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (dbk_obj_str (one ? o : dbk_obj_at (o, i), &rq->types[i], &rq->type_lens[i]) ||
            rq->type_lens[i] > DBK_TYPE_MAX)
            return -1;
    rq->ntypes = n;
    return 0;
}

int eventlog_read_parse (const dbk_obj_t *root, eventlog_read_t *rq, const char **field,
                         const char **msg)
{
    *rq = (eventlog_read_t){
        .from = 1, .limit = EVENTLOG_READ_DEFAULT, .max_scan = EVENTLOG_SCAN_DEFAULT};
    *field = *msg = NULL;
    const dbk_obj_t *o;
    uint64_t v;
    if ((o = dbk_obj_get (root, "from")) && (dbk_obj_u64 (o, &rq->from) || rq->from == 0))
        *field = "from", *msg = "from must be an integer >= 1";
    if ((o = dbk_obj_get (root, "limit"))) {
        if (dbk_obj_u64 (o, &v) || v == 0 || v > EVENTLOG_READ_LIMIT)
            *field = "limit", *msg = "limit must be 1..10000";
        else
            rq->limit = (uint32_t) v;
    }
    if ((o = dbk_obj_get (root, "max_scan"))) {
        if (dbk_obj_u64 (o, &v) || v == 0 || v > EVENTLOG_SCAN_MAX)
            *field = "max_scan", *msg = "max_scan must be 1..1000000";
        else
            rq->max_scan = (uint32_t) v;
    }
    if ((o = dbk_obj_get (root, "stream")) && (dbk_obj_str (o, &rq->stream, &rq->stream_len) ||
                                               !dbk_stream_name_valid (rq->stream, rq->stream_len)))
        *field = "stream", *msg = "stream must be a valid stream name";
    if ((o = dbk_obj_get (root, "type")) && s_types (o, rq))
        *field = "type",
        *msg = "type must be a type-name prefix (string) or an array of 1..8 of them";
    if (rq->stream && dbk_obj_get (root, "type"))
        *field = "type", *msg = "type filters apply to reads by seq, not by stream";
    return *field ? -1 : 0;
}
