/*  fuzz_proto.c - libFuzzer target for the wire protocol (docs/protocol.md).

    The bytes are one frame, read both ways a frame is read:
    - as a request body on a ROUTER: dbk_doc_parse, the checks of
      dbk_proto_recv (map, "v", "op"), then the accessor walk the event log
      does for APPEND (streams, expect, events through
      dbk_event_from_proposed, payload re-encoding and size) and READ; the
      answer is built with dbk_proto_reply_begin / dbk_proto_error_begin
      echoing the request's rid, and must itself parse and read back with
      the same status;
    - as a reply on a client: dbk_proto_reply_status, then the READ page's
      records through dbk_event_decode_record.

    Every decoder must return 0 or a negative DBK code; a violated
    property aborts. tests/test_corpus.c includes this file with
    FUZZ_NO_ENTRY defined and replays inputs through fuzz_proto_run.
*/
#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  What each reading answered (0 or a negative DBK code). */
typedef struct {
    int parse;   /* dbk_doc_parse of the frame                   */
    int request; /* the server's checks and accessor walk        */
    int reply;   /* dbk_proto_reply_status (parse's rc if it failed) */
} fuzz_proto_rc_t;

#define FP_REQUIRE(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf (stderr, "fuzz_proto: property failed: %s (line %d)\n", #cond, __LINE__);      \
            abort ();                                                                              \
        }                                                                                          \
    } while (0)

#define FP_IS_DBK_RC(rc) ((rc) <= 0 && (rc) >= DBK_ELAST)
#define FP_MAX_STREAMS 64 /* as the event log (S_MAX_STREAMS) */

static int fp_append (const dbk_obj_t *root, const char **field)
{
    const dbk_obj_t *streams = dbk_obj_get (root, "streams");
    *field = "streams";
    size_t nb = dbk_obj_len (streams);
    if (dbk_obj_type (streams) != DBK_T_ARRAY || nb == 0)
        return DBK_EINVAL;
    if (nb > FP_MAX_STREAMS)
        return DBK_ETOOBIG;
    size_t total = 0;
    for (size_t i = 0; i < nb; i++) {
        const dbk_obj_t *evs = dbk_obj_get (dbk_obj_at (streams, i), "events");
        *field = "events";
        if (dbk_obj_type (evs) != DBK_T_ARRAY || dbk_obj_len (evs) == 0)
            return DBK_EINVAL;
        total += dbk_obj_len (evs);
    }
    if (total > DBK_BATCH_MAX)
        return DBK_ETOOBIG;
    dbk_event_t *events = calloc (total, sizeof *events);
    dbk_wr_t *payload = dbk_wr_new ();
    FP_REQUIRE (events && payload);
    int rc = 0;
    size_t k = 0;
    for (size_t i = 0; i < nb && !rc; i++) {
        const dbk_obj_t *s = dbk_obj_at (streams, i);
        const char *name = NULL;
        size_t name_len = 0;
        *field = "stream";
        if (dbk_obj_type (s) != DBK_T_MAP ||
            dbk_obj_str (dbk_obj_get (s, "stream"), &name, &name_len))
            rc = DBK_EINVAL;
        else if (name_len > DBK_STREAM_MAX)
            rc = DBK_ETOOBIG;
        else if (!dbk_stream_name_valid (name, name_len))
            rc = DBK_EINVAL;
        int64_t expect;
        if (!rc && dbk_proto_parse_expect (dbk_obj_get (s, "expect"), &expect)) {
            *field = "expect";
            rc = DBK_EINVAL;
        }
        const dbk_obj_t *evs = dbk_obj_get (s, "events");
        for (size_t j = 0; !rc && j < dbk_obj_len (evs); j++, k++) {
            dbk_event_t *ev = &events[k];
            rc = dbk_event_from_proposed (dbk_obj_at (evs, j), ev, field);
            FP_REQUIRE (FP_IS_DBK_RC (rc));
            if (rc)
                break;
            dbk_wr_reset (payload);
            if (ev->data)
                dbk_wr_obj (payload, ev->data);
            else
                dbk_wr_map (payload, 0);
            /*  what the log stores must be what the producer sent */
            FP_REQUIRE (
                dbk_mp_check (dbk_wr_data (payload), dbk_wr_size (payload), DBK_MP_MAX_DEPTH) == 0);
            if (dbk_wr_size (payload) > DBK_DATA_MAX) {
                *field = "data";
                rc = DBK_ETOOBIG;
            }
            for (size_t m = 0; !rc && m < k; m++)
                if (memcmp (events[m].id, ev->id, DBK_ID_SIZE) == 0) {
                    *field = "id";
                    rc = DBK_EINVAL;
                }
        }
    }
    dbk_wr_destroy (&payload);
    free (events);
    return rc;
}

static int fp_read (const dbk_obj_t *root, const char **field)
{
    const dbk_obj_t *o;
    uint64_t v;
    const char *s;
    size_t n;
    int rc = 0;
    if ((o = dbk_obj_get (root, "from")) && (dbk_obj_u64 (o, &v) || v == 0))
        *field = "from", rc = DBK_EINVAL;
    if ((o = dbk_obj_get (root, "limit")) && (dbk_obj_u64 (o, &v) || v == 0 || v > 10000))
        *field = "limit", rc = DBK_EINVAL;
    if ((o = dbk_obj_get (root, "max_scan")) && (dbk_obj_u64 (o, &v) || v == 0 || v > 1000000))
        *field = "max_scan", rc = DBK_EINVAL;
    if ((o = dbk_obj_get (root, "stream")) &&
        (dbk_obj_str (o, &s, &n) || !dbk_stream_name_valid (s, n)))
        *field = "stream", rc = DBK_EINVAL;
    if ((o = dbk_obj_get (root, "type")) && (dbk_obj_str (o, &s, &n) || n > DBK_TYPE_MAX))
        *field = "type", rc = DBK_EINVAL;
    return rc;
}

/*  The checks of dbk_proto_recv, then the verb's own. */
static int fp_request (const dbk_obj_t *root, const char **field)
{
    *field = NULL;
    if (dbk_obj_type (root) != DBK_T_MAP || dbk_obj_has_dup_keys (root))
        return DBK_EMALFORMED;
    const dbk_obj_t *v = dbk_obj_get (root, "v");
    uint64_t version;
    if (v && (dbk_obj_u64 (v, &version) || version != DBK_PROTO_VERSION))
        return DBK_EVERSION;
    const char *op;
    size_t op_len;
    if (dbk_obj_str (dbk_obj_get (root, "op"), &op, &op_len))
        return DBK_EINVAL;
    if (dbk_obj_str_eq (dbk_obj_get (root, "op"), "APPEND"))
        return fp_append (root, field);
    if (dbk_obj_str_eq (dbk_obj_get (root, "op"), "READ"))
        return fp_read (root, field);
    return 0;
}

/*  The answer to a request echoes its rid: it must parse and read back. */
static void fp_answer (const dbk_obj_t *rid, int code, const char *field)
{
    dbk_wr_t *w = dbk_wr_new ();
    FP_REQUIRE (w);
    if (code)
        dbk_proto_error_begin (w, rid, code, NULL, field, 0);
    else
        dbk_proto_reply_begin (w, rid, true, 0);
    dbk_doc_t *doc = NULL;
    FP_REQUIRE (dbk_doc_parse (dbk_wr_data (w), dbk_wr_size (w), &doc) == 0);
    uint64_t got_rid = 1, want_rid = 0;
    const char *msg = NULL;
    size_t msg_len;
    int status = dbk_proto_reply_status (dbk_doc_root (doc), &got_rid, &msg, &msg_len);
    int want =
        code ? dbk_err_from_wire (dbk_err_wire_name (code), strlen (dbk_err_wire_name (code))) : 0;
    FP_REQUIRE (status == want);
    FP_REQUIRE (msg != NULL);
    if (dbk_obj_u64 (rid, &want_rid))
        want_rid = 0;
    FP_REQUIRE (got_rid == want_rid);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}

/*  A reply as a client reads it, with a READ page's records. */
static int fp_reply (const dbk_obj_t *root)
{
    uint64_t rid;
    const char *msg = NULL;
    size_t msg_len;
    int rc = dbk_proto_reply_status (root, &rid, &msg, &msg_len);
    FP_REQUIRE (FP_IS_DBK_RC (rc));
    FP_REQUIRE (msg != NULL);
    if (rc)
        return rc;
    const dbk_obj_t *events = dbk_obj_get (root, "events");
    for (size_t i = 0; i < dbk_obj_len (events); i++) {
        const uint8_t *rec;
        size_t len;
        dbk_event_t ev;
        if (dbk_obj_bin (dbk_obj_at (events, i), &rec, &len))
            continue;
        int r = dbk_event_decode_record (rec, len, &ev);
        FP_REQUIRE (FP_IS_DBK_RC (r));
        if (r == 0)
            FP_REQUIRE (dbk_event_check_record (rec, len, ev.prev) <= 0);
    }
    return 0;
}

static fuzz_proto_rc_t fuzz_proto_run (const uint8_t *data, size_t size)
{
    fuzz_proto_rc_t rc;
    dbk_doc_t *doc = NULL;
    rc.parse = dbk_doc_parse (data, size, &doc);
    FP_REQUIRE (FP_IS_DBK_RC (rc.parse));
    FP_REQUIRE ((rc.parse == 0) == (doc != NULL));
    rc.request = rc.reply = rc.parse;
    if (!doc) {
        fp_answer (NULL, rc.parse, NULL);
        return rc;
    }
    const dbk_obj_t *root = dbk_doc_root (doc);
    const char *field = NULL;
    rc.request = fp_request (root, &field);
    FP_REQUIRE (FP_IS_DBK_RC (rc.request));
    fp_answer (dbk_obj_get (root, "rid"), rc.request, field);
    rc.reply = fp_reply (root);
    dbk_doc_destroy (&doc);
    return rc;
}

#ifndef FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    fuzz_proto_run (data, size);
    return 0;
}
#endif
