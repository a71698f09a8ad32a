/*  sub_model - a tiny read model, for the subscriber's crash test
    (tests/test_subscriber.c): it counts events per stream and in total,
    and writes its checkpoint in the same LMDB write transaction as those
    counters (DESIGN §5), so that a kill -9 at any moment can neither apply
    an event twice nor skip one.

    usage: sub_model DIR LOG_ENDPOINT PUB_ENDPOINT TARGET [BATCH [PAUSE]]

    DIR holds its LMDB environment, one named database "model":
      "checkpoint"  the last applied seq (dbk_checkpoint_put)
      "total"       events applied, big-endian u64
      "s:<stream>"  events applied of that stream, big-endian u64
    Each write transaction applies up to BATCH events (default 1). After
    each commit it prints "cp <seq>" on stdout, so that a test can kill it
    at chosen points of its progress without sleeping. With PAUSE > 0 it
    stops after that many commits and waits to be killed, which bounds
    how far one run goes however late the kill arrives. It exits 0 once
    its checkpoint reaches TARGET; 1 on a usage error; 3 if an event came
    out of seq order; 4 on a storage or subscriber failure.
*/
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_sub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_KEY_MAX (2 + DBK_STREAM_MAX)

static int s_fail (const char *what, int rc)
{
    fprintf (stderr, "sub_model: %s: %s\n", what, rc < 0 ? dbk_strerror (rc) : mdb_strerror (rc));
    return 4;
}

/*  Add one to the big-endian counter under `key`. */
static int s_incr (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen)
{
    MDB_val k = {klen, (void *) key}, v;
    uint64_t n = 0;
    int rc = mdb_get (txn, dbi, &k, &v);
    if (rc == 0 && v.mv_size == 8)
        n = dbk_be64_get (v.mv_data);
    else if (rc != MDB_NOTFOUND)
        return rc ? dbk_lmdb_err (rc) : DBK_ECORRUPT;
    uint8_t buf[8];
    dbk_be64_put (buf, n + 1);
    v = (MDB_val){8, buf};
    return dbk_lmdb_err (mdb_put (txn, dbi, &k, &v, 0));
}

/*  Everything one event changes, inside the caller's transaction. */
static int s_apply (MDB_txn *txn, MDB_dbi dbi, const dbk_event_t *ev)
{
    char key[S_KEY_MAX];
    if (ev->stream_len > DBK_STREAM_MAX)
        return DBK_EMALFORMED;
    memcpy (key, "s:", 2);
    memcpy (key + 2, ev->stream, ev->stream_len);
    int rc = s_incr (txn, dbi, key, 2 + ev->stream_len);
    if (!rc)
        rc = s_incr (txn, dbi, "total", 5);
    if (!rc)
        rc = dbk_checkpoint_put (txn, dbi, ev->seq);
    return rc;
}

int main (int argc, char **argv)
{
    if (argc < 5 || argc > 7) {
        fprintf (stderr, "usage: sub_model DIR LOG_ENDPOINT PUB_ENDPOINT TARGET [BATCH [PAUSE]]\n");
        return 1;
    }
    uint64_t target = strtoull (argv[4], NULL, 10);
    int batch = argc >= 6 ? atoi (argv[5]) : 1;
    int pause_after = argc >= 7 ? atoi (argv[6]) : 0;
    if (batch < 1)
        batch = 1;

    MDB_env *env = NULL;
    /*  MDB_NOSYNC: what is tested is a process killed, not a machine
        losing power; committed pages are in the page cache either way,
        and a test must not hang on a slow disk's fsync */
    int rc = dbk_lmdb_open (&env, argv[1], 64u << 20, 4, false, NULL, 0);
    if (rc)
        return s_fail ("open", rc);
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    uint64_t cp = 0;
    if ((rc = mdb_txn_begin (env, NULL, 0, &txn)) ||
        (rc = mdb_dbi_open (txn, "model", MDB_CREATE, &dbi)) ||
        (rc = dbk_checkpoint_get (txn, dbi, &cp)) || (rc = mdb_txn_commit (txn)))
        return s_fail ("checkpoint", rc);
    txn = NULL;

    dbk_subcfg_t cfg = {
        .log_endpoint = argv[2], .pub_endpoint = argv[3], .after = cp, .timeout_ms = 2000};
    dbk_sub_t *sub = dbk_sub_new (&cfg);
    if (!sub)
        return s_fail ("subscribe", DBK_EIO);

    int status = 0, in_txn = 0, errors = 0, commits = 0;
    while (cp < target) {
        dbk_event_t ev;
        /*  with a batch open, don't wait: commit what we have instead */
        rc = dbk_sub_next (sub, &ev, in_txn ? 0 : 1000);
        if (rc == 0) {
            if (ev.seq != cp + 1) {
                fprintf (stderr, "sub_model: got seq %llu after %llu\n",
                         (unsigned long long) ev.seq, (unsigned long long) cp);
                status = 3;
                break;
            }
            if (!txn && (rc = mdb_txn_begin (env, NULL, 0, &txn))) {
                status = s_fail ("begin", rc);
                break;
            }
            if ((rc = s_apply (txn, dbi, &ev))) {
                status = s_fail ("apply", rc);
                break;
            }
            cp = ev.seq;
            in_txn++;
        } else if (rc != DBK_ETIMEOUT && ++errors > 10) {
            status = s_fail ("next", rc);
            break;
        }
        if (txn && (rc != 0 || in_txn >= batch || cp >= target)) {
            rc = mdb_txn_commit (txn);
            txn = NULL;
            in_txn = 0;
            if (rc) {
                status = s_fail ("commit", rc);
                break;
            }
            printf ("cp %llu\n", (unsigned long long) cp);
            fflush (stdout);
            if (pause_after > 0 && ++commits >= pause_after && cp < target)
                for (;;)
                    pause (); /* until the test's SIGKILL */
        }
    }
    if (txn)
        mdb_txn_abort (txn);
    dbk_sub_destroy (&sub);
    mdb_env_close (env);
    return status;
}
