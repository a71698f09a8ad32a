/*  eventlog_append.c - one APPEND request parsed and validated: its
    streams, expected versions and proposed events, the payloads encoded
    once (and size-checked), every refusal naming its field. */
#include "eventlog_append.h"
#include "eventlog_server.h"

#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_STREAMS 64 /* streams in one APPEND                    */

static bool s_key_is (const char *key, size_t n, const char *want)
{
    return n == strlen (want) && !memcmp (key, want, n);
}

int eventlog_append_parse (eventlog_append_t *a, const char **field, char *msg, size_t msgsz)
{
    const dbk_obj_t *streams = dbk_obj_get (a->req.root, "streams");
    *field = "streams";
    size_t nb = dbk_obj_len (streams);
    if (dbk_obj_type (streams) != DBK_T_ARRAY || nb == 0) {
        snprintf (msg, msgsz, "streams must be a non-empty array of {stream, expect, events}");
        return DBK_EINVAL;
    }
    if (nb > S_MAX_STREAMS) {
        snprintf (msg, msgsz, "at most %d streams in one APPEND", S_MAX_STREAMS);
        return DBK_ETOOBIG;
    }
    size_t total = 0;
    for (size_t i = 0; i < nb; i++) {
        const dbk_obj_t *evs = dbk_obj_get (dbk_obj_at (streams, i), "events");
        if (dbk_obj_type (evs) != DBK_T_ARRAY || dbk_obj_len (evs) == 0) {
            *field = "events";
            snprintf (msg, msgsz, "streams[%zu].events must be a non-empty array", i);
            return DBK_EINVAL;
        }
        total += dbk_obj_len (evs);
    }
    if (total > DBK_BATCH_MAX) {
        *field = "events";
        snprintf (msg, msgsz, "%zu events in one APPEND; the limit is %d", total, DBK_BATCH_MAX);
        return DBK_ETOOBIG;
    }
    /*  one block: batches, positions, events and the payloads' offsets
        (each part a multiple of 8 bytes long) */
    size_t bsz = nb * sizeof *a->batches, psz = nb * sizeof *a->pos,
           esz = total * sizeof *a->events;
    _Static_assert(sizeof (eventlog_batch_t) % 8 == 0 && sizeof (eventlog_pos_t) % 8 == 0 &&
                       sizeof (dbk_event_t) % 8 == 0,
                   "the parts of an append's block stay aligned");
    char *block = calloc (1, bsz + psz + esz + (total + 1) * sizeof (size_t));
    a->data = dbk_wr_new ();
    if (!block || !a->data) {
        free (block);
        snprintf (msg, msgsz, "out of memory");
        return DBK_ENOMEM;
    }
    a->batches = (eventlog_batch_t *) block;
    a->pos = (eventlog_pos_t *) (block + bsz);
    a->events = (dbk_event_t *) (block + bsz + psz);
    size_t *offs = (size_t *) (block + bsz + psz + esz);
    a->nb = nb;
    a->nevents = total;
    int rc = 0;
    size_t k = 0;
    int64_t latest_at = dbk_now_ms () + EVENTLOG_AT_AHEAD_MS;
    for (size_t i = 0; i < nb && !rc; i++) {
        const dbk_obj_t *s = dbk_obj_at (streams, i);
        eventlog_batch_t *b = &a->batches[i];
        *field = "stream";
        if (dbk_obj_type (s) != DBK_T_MAP ||
            dbk_obj_str (dbk_obj_get (s, "stream"), &b->stream, &b->stream_len)) {
            snprintf (msg, msgsz, "streams[%zu].stream must be a string", i);
            rc = DBK_EINVAL;
            break;
        }
        /*  an entry has three keys: a misspelt "expect" must not turn
            the append's concurrency check into "any" */
        for (size_t j = 0; j < dbk_obj_len (s) && !rc; j++) {
            const char *key;
            size_t kn;
            if (dbk_obj_str (dbk_obj_key_at (s, j), &key, &kn)) {
                *field = NULL;
                snprintf (msg, msgsz, "streams[%zu] has a key that is not text", i);
                rc = DBK_EINVAL;
            } else if (!s_key_is (key, kn, "stream") && !s_key_is (key, kn, "expect") &&
                       !s_key_is (key, kn, "events")) {
                *field = "streams";
                snprintf (msg, msgsz,
                          "streams[%zu] has an unknown key \"%.*s\": an entry is {stream, expect, "
                          "events}",
                          i, (int) (kn > 64 ? 64 : kn), key);
                rc = DBK_EINVAL;
            }
        }
        if (rc)
            break;
        if (b->stream_len > DBK_STREAM_MAX) {
            snprintf (msg, msgsz, "stream name longer than %d bytes", DBK_STREAM_MAX);
            rc = DBK_ETOOBIG;
            break;
        }
        if (!dbk_stream_name_valid (b->stream, b->stream_len)) {
            snprintf (msg, msgsz,
                      "stream name must be <category>-<id>: lowercase category, a dash, an id "
                      "without spaces");
            rc = DBK_EINVAL;
            break;
        }
        for (size_t j = 0; j < i; j++)
            if (a->batches[j].stream_len == b->stream_len &&
                memcmp (a->batches[j].stream, b->stream, b->stream_len) == 0) {
                snprintf (msg, msgsz, "stream %.*s appears twice in one APPEND",
                          (int) b->stream_len, b->stream);
                rc = DBK_EINVAL;
            }
        if (rc)
            break;
        *field = "expect";
        if (dbk_proto_parse_expect (dbk_obj_get (s, "expect"), &b->expect)) {
            snprintf (msg, msgsz, "expect must be a version >= 0, \"any\", \"none\" or \"exists\"");
            rc = DBK_EINVAL;
            break;
        }
        const dbk_obj_t *evs = dbk_obj_get (s, "events");
        b->events = &a->events[k];
        b->n = dbk_obj_len (evs);
        for (size_t j = 0; j < b->n; j++, k++) {
            dbk_event_t *ev = &a->events[k];
            rc = dbk_event_from_proposed (dbk_obj_at (evs, j), ev, field);
            if (rc) {
                const char *hint = rc == DBK_ETOOBIG ? ""
                                   : strcmp (*field, "at") == 0
                                       ? " (ms since 1970-01-01 UTC, not before)"
                                   : strcmp (*field, "data") == 0
                                       ? " (a map with str keys at every level, numbers finite)"
                                       : "";
                snprintf (msg, msgsz, "event %zu of stream %.*s: %s is %s%s", j,
                          (int) b->stream_len, b->stream, *field,
                          rc == DBK_ETOOBIG ? "too long" : "missing or invalid", hint);
                break;
            }
            /*  `at` is when it happened: a time to come would date a fact
                ahead of every as-of view (they cut the log by `at`), and
                end a replay there; a margin for producers' clocks */
            if (ev->at != INT64_MIN && ev->at > latest_at) {
                *field = "at";
                snprintf (msg, msgsz,
                          "event %zu of stream %.*s: at is %lld, more than 5 minutes after the "
                          "log's clock: an event records what has happened",
                          j, (int) b->stream_len, b->stream, (long long) ev->at);
                rc = DBK_EINVAL;
                break;
            }
            offs[k] = dbk_wr_size (a->data);
            if (ev->data)
                dbk_wr_obj (a->data, ev->data);
            else
                dbk_wr_map (a->data, 0);
            offs[k + 1] = dbk_wr_size (a->data);
            if (offs[k + 1] - offs[k] > DBK_DATA_MAX) {
                *field = "data";
                snprintf (msg, msgsz,
                          "event %zu of stream %.*s: data is %zu bytes; the limit is %d", j,
                          (int) b->stream_len, b->stream, offs[k + 1] - offs[k], DBK_DATA_MAX);
                rc = DBK_ETOOBIG;
                break;
            }
            for (size_t m = 0; m < k; m++)
                if (memcmp (a->events[m].id, ev->id, DBK_ID_SIZE) == 0) {
                    *field = "id";
                    snprintf (msg, msgsz, "event id repeated within one APPEND");
                    rc = DBK_EINVAL;
                    break;
                }
            if (rc)
                break;
        }
    }
    /*  payloads are final now: point the events at their encoded bytes */
    for (size_t i = 0; !rc && i < total; i++) {
        a->events[i].data_raw = (const uint8_t *) dbk_wr_data (a->data) + offs[i];
        a->events[i].data_raw_len = offs[i + 1] - offs[i];
    }
    return rc;
}

void eventlog_append_destroy (eventlog_append_t **a_p)
{
    if (a_p && *a_p) {
        eventlog_append_t *a = *a_p;
        dbk_req_release (&a->req);
        free (a->batches); /* the block of batches, positions and events */
        dbk_wr_destroy (&a->data);
        free (a);
        *a_p = NULL;
    }
}
