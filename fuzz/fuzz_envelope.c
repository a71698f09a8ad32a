/*  fuzz_envelope.c - libFuzzer target for the event envelope decoders.

    The same bytes go through both ways an event enters dealbook:
    - as a proposed event from a producer (APPEND): dbk_doc_parse, then
      dbk_event_from_proposed;
    - as a stored record (the log, a READ reply, a PUB frame):
      dbk_event_decode_record, dbk_event_check_record, dbk_event_peek,
      dbk_event_peek_key.

    Besides "no crash", it checks properties that must hold for any input
    and aborts when one does not (libFuzzer then saves the input):
    - every decoder returns 0 or a negative DBK code;
    - an accepted proposed event survives dbk_event_write_proposed and a
      second parse unchanged, and as a record it decodes and verifies;
    - a decoded record re-encodes to a record that decodes to the same
      fields and verifies; dbk_event_peek agrees with the decoder.

    tests/test_corpus.c includes this file with FUZZ_NO_ENTRY defined, to
    replay the corpus and the saved crashes through fuzz_envelope_run.
*/
#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  What each decoder answered (0 or a negative DBK code). */
typedef struct {
    int parse;    /* dbk_doc_parse of the bytes                      */
    int proposed; /* dbk_event_from_proposed (parse's rc if it failed) */
    int record;   /* dbk_event_decode_record                         */
    int check;    /* dbk_event_check_record with the record's own prev */
    int peek;     /* dbk_event_peek                                  */
} fuzz_envelope_rc_t;

#define FE_REQUIRE(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf (stderr, "fuzz_envelope: property failed: %s (line %d)\n", #cond, __LINE__);   \
            abort ();                                                                              \
        }                                                                                          \
    } while (0)

#define FE_IS_DBK_RC(rc) ((rc) <= 0 && (rc) >= DBK_ELAST)

static bool fe_same_str (const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && (an == 0 || memcmp (a, b, an) == 0);
}

/*  The producer-set fields of two events are equal. */
static bool fe_same_proposed (const dbk_event_t *a, const dbk_event_t *b)
{
    return memcmp (a->id, b->id, DBK_ID_SIZE) == 0 && a->at == b->at && a->schema == b->schema &&
           a->has_corr == b->has_corr && a->has_cause == b->has_cause &&
           (!a->has_corr || memcmp (a->corr, b->corr, DBK_ID_SIZE) == 0) &&
           (!a->has_cause || memcmp (a->cause, b->cause, DBK_ID_SIZE) == 0) &&
           fe_same_str (a->type, a->type_len, b->type, b->type_len) &&
           fe_same_str (a->actor, a->actor_len, b->actor, b->actor_len);
}

/*  An independent oracle for dbk_obj_has_dup_keys: no map anywhere in o
    has two equal str keys (pairwise; maps from a 64 KB input are small
    enough, and larger ones are skipped to keep each run fast). */
static bool fe_no_dup_keys (const dbk_obj_t *o)
{
    size_t n = dbk_obj_len (o);
    if (dbk_obj_type (o) == DBK_T_ARRAY) {
        for (size_t i = 0; i < n; i++)
            if (!fe_no_dup_keys (dbk_obj_at (o, i)))
                return false;
        return true;
    }
    if (dbk_obj_type (o) != DBK_T_MAP)
        return true;
    for (size_t i = 0; i < n; i++) {
        if (!fe_no_dup_keys (dbk_obj_val_at (o, i)))
            return false;
        const char *a, *b;
        size_t an, bn;
        if (n > 8192 || dbk_obj_str (dbk_obj_key_at (o, i), &a, &an))
            continue;
        for (size_t j = i + 1; j < n; j++)
            if (dbk_obj_str (dbk_obj_key_at (o, j), &b, &bn) == 0 && fe_same_str (a, an, b, bn))
                return false;
    }
    return true;
}

/*  An accepted proposed event: re-encode it, parse it again, store it. */
static void fe_proposed_properties (dbk_event_t *ev)
{
    dbk_wr_t *w = dbk_wr_new ();
    FE_REQUIRE (w);
    dbk_event_write_proposed (w, ev);
    dbk_doc_t *doc = NULL;
    FE_REQUIRE (dbk_doc_parse (dbk_wr_data (w), dbk_wr_size (w), &doc) == 0);
    dbk_event_t again;
    const char *field = NULL;
    FE_REQUIRE (dbk_event_from_proposed (dbk_doc_root (doc), &again, &field) == 0);
    FE_REQUIRE (fe_same_proposed (ev, &again));

    /*  as the log would store it */
    static const char stream[] = "fuzz-1";
    uint8_t prev[DBK_HASH_SIZE];
    memset (prev, 0xa5, sizeof prev);
    again.seq = 1;
    again.ver = 1;
    again.ts = 1700000000000;
    if (again.at == INT64_MIN)
        again.at = again.ts;
    again.stream = stream;
    again.stream_len = sizeof stream - 1;
    dbk_wr_t *rw = dbk_wr_new ();
    FE_REQUIRE (rw);
    dbk_event_write_record (rw, &again, prev);
    const uint8_t *rec = dbk_wr_data (rw);
    size_t len = dbk_wr_size (rw);
    dbk_event_t dec;
    FE_REQUIRE (dbk_event_decode_record (rec, len, &dec) == 0);
    FE_REQUIRE (fe_same_proposed (&again, &dec));
    FE_REQUIRE (memcmp (dec.hash, again.hash, DBK_HASH_SIZE) == 0);
    FE_REQUIRE (dbk_event_check_record (rec, len, prev) == 0);
    uint64_t seq;
    const char *type;
    size_t type_len;
    FE_REQUIRE (dbk_event_peek (rec, len, &seq, &type, &type_len) == 0);
    FE_REQUIRE (seq == 1 && fe_same_str (type, type_len, again.type, again.type_len));
    dbk_wr_destroy (&rw);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}

/*  A record that decoded: the encoder and the decoder agree on it. */
static void fe_record_properties (const uint8_t *data, size_t size, dbk_event_t *ev)
{
    uint64_t seq;
    const char *type;
    size_t type_len;
    FE_REQUIRE (dbk_event_peek (data, size, &seq, &type, &type_len) == 0);
    FE_REQUIRE (seq == ev->seq && fe_same_str (type, type_len, ev->type, ev->type_len));
    uint8_t id[DBK_ID_SIZE];
    const char *stream;
    size_t stream_len;
    uint64_t ver;
    FE_REQUIRE (dbk_event_peek_key (data, size, &seq, id, &stream, &stream_len, &ver) == 0);
    FE_REQUIRE (seq == ev->seq && ver == ev->ver && memcmp (id, ev->id, DBK_ID_SIZE) == 0 &&
                fe_same_str (stream, stream_len, ev->stream, ev->stream_len));

    dbk_event_t copy = *ev;
    dbk_wr_t *w = dbk_wr_new ();
    FE_REQUIRE (w);
    dbk_event_write_record (w, &copy, ev->prev);
    const uint8_t *rec = dbk_wr_data (w);
    size_t len = dbk_wr_size (w);
    dbk_event_t dec;
    FE_REQUIRE (dbk_event_decode_record (rec, len, &dec) == 0);
    FE_REQUIRE (dec.seq == ev->seq && dec.ver == ev->ver && dec.ts == ev->ts);
    FE_REQUIRE (fe_same_proposed (ev, &dec));
    FE_REQUIRE (fe_same_str (dec.stream, dec.stream_len, ev->stream, ev->stream_len));
    FE_REQUIRE (fe_same_str (dec.data_raw, dec.data_raw_len, ev->data_raw, ev->data_raw_len));
    FE_REQUIRE (dbk_event_check_record (rec, len, ev->prev) == 0);
    /*  when the input differs from its re-encoding at most in the hash
        value, the checker must accept it exactly when that hash is right */
    if (len == size && memcmp (rec, data, len - DBK_HASH_SIZE) == 0)
        FE_REQUIRE ((dbk_event_check_record (data, size, ev->prev) == 0) ==
                    (memcmp (copy.hash, ev->hash, DBK_HASH_SIZE) == 0));
    dbk_wr_destroy (&w);
}

static fuzz_envelope_rc_t fuzz_envelope_run (const uint8_t *data, size_t size)
{
    fuzz_envelope_rc_t rc;
    dbk_doc_t *doc = NULL;
    rc.parse = dbk_doc_parse (data, size, &doc);
    FE_REQUIRE (FE_IS_DBK_RC (rc.parse));
    FE_REQUIRE ((rc.parse == 0) == (doc != NULL));
    rc.proposed = rc.parse;
    if (doc) {
        dbk_event_t ev;
        const char *field = NULL;
        rc.proposed = dbk_event_from_proposed (dbk_doc_root (doc), &ev, &field);
        FE_REQUIRE (FE_IS_DBK_RC (rc.proposed));
        FE_REQUIRE (rc.proposed == 0 || (field && *field));
        if (rc.proposed == 0) {
            /*  an accepted event has no duplicate keys, at any depth */
            FE_REQUIRE (fe_no_dup_keys (dbk_doc_root (doc)));
            fe_proposed_properties (&ev);
        }
        dbk_doc_destroy (&doc);
    }

    dbk_event_t ev;
    rc.record = dbk_event_decode_record (data, size, &ev);
    FE_REQUIRE (FE_IS_DBK_RC (rc.record));
    if (rc.record == 0)
        fe_record_properties (data, size, &ev);

    /*  check with the prev the record claims (reaches the hash), and with
        zeros (the first record's prev) */
    static const uint8_t zeros[DBK_HASH_SIZE];
    const uint8_t *own_prev = zeros;
    if (size >= 2 * (1 + 4 + 2 + DBK_HASH_SIZE))
        own_prev = data + size - 2 * (1 + 4 + 2 + DBK_HASH_SIZE) + 7;
    rc.check = dbk_event_check_record (data, size, own_prev);
    FE_REQUIRE (rc.check == 0 || rc.check == DBK_ECORRUPT);
    int zcheck = dbk_event_check_record (data, size, zeros);
    FE_REQUIRE (zcheck == 0 || zcheck == DBK_ECORRUPT);

    uint64_t seq;
    const char *type;
    size_t type_len;
    rc.peek = dbk_event_peek (data, size, &seq, &type, &type_len);
    FE_REQUIRE (FE_IS_DBK_RC (rc.peek));
    if (rc.peek == 0)
        FE_REQUIRE (type_len <= size && type >= (const char *) data &&
                    type + type_len <= (const char *) data + size);
    /*  the index keys alone (a read by stream checks its entries with
        them): a prefix decoder, so it may accept what the whole does not */
    uint8_t id[DBK_ID_SIZE];
    const char *stream;
    size_t stream_len;
    uint64_t ver;
    int pk = dbk_event_peek_key (data, size, &seq, id, &stream, &stream_len, &ver);
    FE_REQUIRE (FE_IS_DBK_RC (pk));
    if (pk == 0)
        FE_REQUIRE (stream_len <= size && stream >= (const char *) data &&
                    stream + stream_len <= (const char *) data + size);
    return rc;
}

#ifndef FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    fuzz_envelope_run (data, size);
    return 0;
}
#endif
