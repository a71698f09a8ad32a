/*  test_subscriber_chain.c - the subscriber of DESIGN §5 checks the hash
    chain of what it hands out (dbk_sub.h), against real dealbook-eventlog
    processes whose files are altered or replaced on disk:

      1. a record altered on disk (one byte, same length) is never handed
         out, nor anything after it: DBK_ECORRUPT at its seq, again and
         again, with pages decoded on the spot or ahead;
      2. a checkpoint whose hash the log does not hold at that seq is a
         fork; the right hash, or none, is followed;
      3. a log replaced by an older copy under a running subscriber is
         reported with the log's head, and once that copy has grown past
         the subscriber's position, as a fork at it; also when the log
         was unreachable meanwhile and no heartbeat told, and the copy
         grows back to exactly that position.

    The appenders and the checker are in support/subscriber_given.h.
*/
#include "support/subscriber_given.h"
#include "support/testlib.h"

#include "dealbook/dbk_sub.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*  Append count events one by one to account-t0s0 (the checker's
    streams), from version ver + 1; the one at version `marked` (0: none)
    carries `marker` in its note. */
static void s_append_n (const tl_log_t *log, uint64_t ver, uint64_t count, uint64_t marked,
                        const char *marker)
{
    dbk_client_t *c = dbk_client_new (log->log_ep, 5000);
    dbk_wr_t *buf = dbk_wr_new ();
    cr_assert (c && buf);
    for (uint64_t i = 1; i <= count; i++) {
        dbk_event_t ev;
        tl_event (&ev, S_TYPE, ver + i, ver + i == marked ? marker : "plain note", buf);
        int rc = dbk_client_append (c, "account-t0s0", (int64_t) (ver + i - 1), &ev, 1, NULL, NULL,
                                    NULL);
        cr_assert_eq (rc, 0, "append %llu: %s", (unsigned long long) (ver + i), dbk_strerror (rc));
    }
    dbk_wr_destroy (&buf);
    dbk_client_destroy (&c);
}

static char *s_slurp (const char *path, size_t *len)
{
    FILE *f = fopen (path, "rb");
    cr_assert_not_null (f, "cannot open %s", path);
    fseek (f, 0, SEEK_END);
    long n = ftell (f);
    fseek (f, 0, SEEK_SET);
    char *buf = malloc ((size_t) n);
    cr_assert (buf && fread (buf, 1, (size_t) n, f) == (size_t) n);
    fclose (f);
    *len = (size_t) n;
    return buf;
}

static void s_spit (const char *path, const char *data, size_t len)
{
    FILE *f = fopen (path, "wb");
    cr_assert_not_null (f, "cannot write %s", path);
    cr_assert_eq (fwrite (data, 1, len, f), len);
    cr_assert_eq (fclose (f), 0);
}

/*  ---- 1. a record altered on disk ---- */

static void s_altered_record (void)
{
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, false, NULL), 0);
    /*  Given a log of 60 events whose 40th holds a marker */
    char marker[40];
    uint8_t rnd[DBK_ID_SIZE];
    dbk_uuid_v7 (rnd);
    snprintf (marker, sizeof marker, "MARKER-%02x%02x%02x%02x", rnd[12], rnd[13], rnd[14], rnd[15]);
    s_append_n (log, 0, 60, 40, marker);
    tl_log_stop (log);

    /*  When one byte of it is changed in the file, the length kept (and
        in any stale copy of its page) */
    char path[2400];
    snprintf (path, sizeof path, "%s/eventlog/data.mdb", log->dir);
    size_t len, hits = 0;
    char *data = s_slurp (path, &len);
    for (char *p = data; (p = memmem (p, len - (size_t) (p - data), marker, strlen (marker)));
         p++, hits++)
        p[0] = 'L'; /* "MARKER" -> "LARKER": still valid msgpack and UTF-8 */
    cr_assert_geq (hits, 1, "the marker is not in %s", path);
    s_spit (path, data, len);
    free (data);
    cr_assert_eq (tl_log_restart (log, NULL), 0);

    /*  Then a subscriber from seq 1 (pages of 8: seq 40 is in a page of
        its own, decoded ahead when that is on) hands out seqs 1..39 */
    dbk_sub_t *sub = s_sub_new (log, 0, 0, 8, 5000);
    s_check_t ck;
    s_check_init (&ck, 0);
    s_consume_to (&ck, sub, 39, 5000);
    /*  and stops there: the altered record and what follows never come */
    for (int i = 0; i < 3; i++) {
        dbk_event_t ev;
        int rc = dbk_sub_next (sub, &ev, 200);
        cr_assert_eq (rc, DBK_ECORRUPT, "call %d after seq 39: %s (seq %llu)", i,
                      rc ? dbk_strerror (rc) : "an event", (unsigned long long) (rc ? 0 : ev.seq));
        dbk_sub_fault_t f = dbk_sub_fault (sub);
        cr_assert_eq (f.kind, DBK_SUB_FAULT_HASH);
        cr_assert_eq (f.seq, 40, "the fault is blamed on seq %llu", (unsigned long long) f.seq);
        cr_assert_eq (dbk_sub_position (sub), 39);
    }
    dbk_sub_destroy (&sub);
}

Test (chain, a_record_altered_on_disk_is_never_handed_out, .fini = s_fini)
{
    s_ahead = false;
    s_altered_record ();
}

Test (chain, the_same_with_pages_decoded_ahead, .fini = s_fini)
{
    s_ahead = true;
    s_altered_record ();
}

/*  ---- 2. the checkpoint's hash ---- */

Test (chain, a_checkpoint_hash_the_log_does_not_hold_is_a_fork, .fini = s_fini)
{
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, false, NULL), 0);
    s_append_n (log, 0, 20, 0, NULL);
    dbk_client_t *c = dbk_client_new (log->log_ep, 5000);
    tl_rec_t *recs = NULL;
    cr_assert_eq (tl_read_all (c, &recs), 20);
    dbk_client_destroy (&c);
    dbk_event_t tenth;
    cr_assert_eq (dbk_event_decode_record (recs[9].rec, recs[9].rec_len, &tenth), 0);

    /*  Given a read model whose checkpoint 10 kept another hash */
    uint8_t wrong[DBK_HASH_SIZE];
    memcpy (wrong, tenth.hash, sizeof wrong);
    wrong[0] ^= 1;
    dbk_subcfg_t cfg = {.log_endpoint = log->log_ep,
                        .pub_endpoint = log->pub_ep,
                        .after = 10,
                        .after_hash = wrong,
                        .timeout_ms = 5000};
    dbk_sub_t *sub = dbk_sub_new (&cfg);
    cr_assert_not_null (sub);
    /*  Then the log's seq 10 is not the event it applied: nothing comes */
    dbk_event_t ev;
    cr_assert_eq (dbk_sub_next (sub, &ev, 1000), DBK_ECORRUPT);
    cr_assert_eq (dbk_sub_fault (sub).kind, DBK_SUB_FAULT_FORK);
    cr_assert_eq (dbk_sub_fault (sub).seq, 10);
    cr_assert_eq (dbk_sub_position (sub), 10);
    dbk_sub_destroy (&sub);

    /*  With the right hash, or none (taken from the log), it goes on */
    for (int k = 0; k < 2; k++) {
        cfg.after_hash = k == 0 ? tenth.hash : NULL;
        sub = dbk_sub_new (&cfg);
        cr_assert_not_null (sub);
        s_check_t ck;
        s_check_init (&ck, 10);
        memcpy (ck.hash, tenth.hash, DBK_HASH_SIZE);
        ck.chained = true;
        s_consume_to (&ck, sub, 20, 5000);
        cr_assert_eq (dbk_sub_fault (sub).kind, DBK_SUB_FAULT_NONE);
        dbk_sub_destroy (&sub);
    }
    tl_recs_free (&recs, 20);
}

/*  ---- 3. a log replaced by an older copy ---- */

/*  dbk_sub_next until it answers DBK_ECORRUPT (a log restarting may
    answer DBK_EIO meanwhile), for up to 10 s. */
static dbk_sub_fault_t s_until_fault (dbk_sub_t *sub)
{
    int64_t until = zclock_mono () + 10000;
    int rc;
    do {
        dbk_event_t ev;
        rc = dbk_sub_next (sub, &ev, 200);
        cr_assert (rc != 0, "seq %llu handed out from a replaced log", (unsigned long long) ev.seq);
    } while (rc != DBK_ECORRUPT && zclock_mono () < until);
    cr_assert_eq (rc, DBK_ECORRUPT, "no fault found: %s", dbk_strerror (rc));
    return dbk_sub_fault (sub);
}

/*  The older copy: a log started with env, 20 events, a copy of its
    data.mdb taken then (c->copy, freed by s_put_copy), and 20 more
    events appended after the restart. */
typedef struct {
    char path[2400]; /* the log's data.mdb                  */
    char lock[2400]; /* its lock.mdb                        */
    char *copy;      /* data.mdb at seq 20                  */
    size_t len;      /* its size                            */
} s_copy_t;

static void s_older_copy (tl_log_t *log, const char *const *env, s_copy_t *c)
{
    cr_assert_eq (tl_log_start (log, false, env), 0);
    s_append_n (log, 0, 20, 0, NULL);
    tl_log_stop (log);
    snprintf (c->path, sizeof c->path, "%s/eventlog/data.mdb", log->dir);
    snprintf (c->lock, sizeof c->lock, "%s/eventlog/lock.mdb", log->dir);
    c->copy = s_slurp (c->path, &c->len);
    cr_assert_eq (tl_log_restart (log, env), 0);
    s_append_n (log, 20, 20, 0, NULL);
}

/*  Put the copy in place of the stopped log's file (and free it). */
static void s_put_copy (s_copy_t *c)
{
    s_spit (c->path, c->copy, c->len);
    unlink (c->lock);
    free (c->copy);
    c->copy = NULL;
}

Test (chain, a_log_replaced_by_an_older_copy_under_a_subscriber_is_reported, .fini = s_fini)
{
    const char *env[] = {"DEALBOOK_HEARTBEAT_MS=100", NULL};
    tl_log_t *log = &s_log;
    /*  Given a copy of the log at seq 20, and a subscriber that followed
        the log to seq 40 */
    s_copy_t c;
    s_older_copy (log, env, &c);
    dbk_sub_t *sub = s_sub_new (log, 0, 0, 100, 2000);
    s_check_t ck;
    s_check_init (&ck, 0);
    s_consume_to (&ck, sub, 40, 5000);
    s_assert_quiet (sub, 300); /* and heard the log's heartbeats at 40 */

    /*  When the log is replaced by the copy and started again */
    tl_log_stop (log);
    s_put_copy (&c);
    cr_assert_eq (tl_log_restart (log, env), 0);

    /*  Then the subscriber says that the log's head is 20, below it */
    dbk_sub_fault_t f = s_until_fault (sub);
    cr_assert_eq (f.kind, DBK_SUB_FAULT_BEHIND, "fault %d at %llu", f.kind,
                  (unsigned long long) f.seq);
    cr_assert_eq (f.seq, 20, "the log's head is %llu", (unsigned long long) f.seq);
    cr_assert_eq (dbk_sub_head (sub), 20, "the head is the log's now");
    cr_assert_eq (dbk_sub_position (sub), 40);

    /*  And once the copy has grown past 40 with other events, that its
        seq 40 is not the one handed out */
    s_append_n (log, 20, 25, 0, NULL);
    f = s_until_fault (sub);
    cr_assert_eq (f.kind, DBK_SUB_FAULT_FORK, "fault %d at %llu", f.kind,
                  (unsigned long long) f.seq);
    cr_assert_eq (f.seq, 40);
    dbk_sub_destroy (&sub);
}

/*  The same, the usual way of a restore: the log is stopped (the
    subscriber finds it unreachable), replaced, and started again; no
    heartbeat comes before the subscriber's READ finds it behind. Once
    the copy has grown back to exactly the subscriber's position, its
    record there must still be checked: the subscriber is not caught up
    on another history. */
Test (chain, a_log_restored_while_unreachable_is_checked_at_our_position, .fini = s_fini)
{
    const char *env[] = {"DEALBOOK_HEARTBEAT_MS=100", NULL};
    const char *quiet[] = {"DEALBOOK_HEARTBEAT_MS=60000", NULL};
    tl_log_t *log = &s_log;
    s_copy_t c;
    s_older_copy (log, env, &c);
    dbk_subcfg_t cfg = {.log_endpoint = log->log_ep,
                        .pub_endpoint = log->pub_ep,
                        .timeout_ms = 300,
                        .idle_ms = 300};
    dbk_sub_t *sub = dbk_sub_new (&cfg);
    cr_assert_not_null (sub);
    s_check_t ck;
    s_check_init (&ck, 0);
    s_consume_to (&ck, sub, 40, 5000);

    /*  When the log stops, and the subscriber finds it unreachable */
    tl_log_stop (log);
    int64_t until = zclock_mono () + 10000;
    int rc;
    do {
        dbk_event_t ev;
        rc = dbk_sub_next (sub, &ev, 200);
    } while (rc != DBK_EIO && zclock_mono () < until);
    cr_assert_eq (rc, DBK_EIO, "the stopped log was not missed: %s", dbk_strerror (rc));

    /*  And the copy at seq 20 starts in its place, without heartbeats */
    s_put_copy (&c);
    cr_assert_eq (tl_log_restart (log, quiet), 0);
    dbk_sub_fault_t f = s_until_fault (sub);
    cr_assert_eq (f.kind, DBK_SUB_FAULT_BEHIND, "fault %d at %llu", f.kind,
                  (unsigned long long) f.seq);

    /*  Then, once the copy is back at 40 with other events, its seq 40 is
        not the one handed out */
    s_append_n (log, 20, 20, 0, NULL);
    f = s_until_fault (sub);
    cr_assert_eq (f.kind, DBK_SUB_FAULT_FORK, "fault %d at %llu", f.kind,
                  (unsigned long long) f.seq);
    cr_assert_eq (f.seq, 40);
    dbk_sub_destroy (&sub);
}
