/*  bench_ref.c - the references: LMDB with one or 1000 events per durable
    commit, write + fdatasync on a preallocated file, and the bare DEALER ->
    ROUTER round trip (see bench.h).
*/
#include "bench.h"

#include "dealbook/dbk_client.h"
#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_proto.h"
#include "dealbook/dbk_sock.h"
#include "dealbook/dbk_sub.h"
#include "eventlog_store.h"

#include <arpa/inet.h>
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static MDB_env *s_ref_env;
static MDB_dbi s_ref_dbi, s_ref_sindex, s_ref_ids, s_ref_streams;
static uint64_t s_ref_seq, s_ref_ver[8];
static uint8_t *s_ref_value;

void bench_ref_open (void)
{
    int rc = dbk_lmdb_open (&s_ref_env, bench_g.ref_dir, UINT64_C (16) << 30, 4, true, NULL, 0);
    if (rc)
        bench_die ("LMDB reference: %s", dbk_strerror (rc));
    MDB_txn *txn;
    if (mdb_txn_begin (s_ref_env, NULL, 0, &txn) ||
        mdb_dbi_open (txn, "events", MDB_CREATE, &s_ref_dbi) ||
        mdb_dbi_open (txn, "sindex", MDB_CREATE, &s_ref_sindex) ||
        mdb_dbi_open (txn, "ids", MDB_CREATE, &s_ref_ids) ||
        mdb_dbi_open (txn, "streams", MDB_CREATE, &s_ref_streams) || mdb_txn_commit (txn))
        bench_die ("LMDB reference: cannot create its table");
    s_ref_value = malloc (bench_g.record_bytes);
    if (!s_ref_value)
        bench_die ("out of memory");
    for (size_t i = 0; i < bench_g.record_bytes; i++)
        s_ref_value[i] = (uint8_t) (i * 131 + 7);
}

void bench_ref_reset (void)
{
    mdb_env_close (s_ref_env);
    free (s_ref_value);
    char path[800];
    snprintf (path, sizeof path, "%s/data.mdb", bench_g.ref_dir);
    unlink (path);
    snprintf (path, sizeof path, "%s/lock.mdb", bench_g.ref_dir);
    unlink (path);
    s_ref_seq = 0;
    memset (s_ref_ver, 0, sizeof s_ref_ver);
    bench_ref_open ();
}

/*  The three index entries the log writes next to each record: stream +
    version -> seq, event id -> seq, stream -> version | seq (8 streams in
    turn, ids time-ordered like UUIDv7). */
static int s_ref_index (MDB_txn *txn, const uint8_t seqkey[8])
{
    int s = (int) (s_ref_seq % 8);
    char stream[16];
    int sl = snprintf (stream, sizeof stream, "bench-s%d", s);
    uint64_t ver = ++s_ref_ver[s];
    uint8_t skey[32], id[16], head[16];
    memcpy (skey, stream, (size_t) sl);
    skey[sl] = 0;
    dbk_be64_put (skey + sl + 1, ver);
    dbk_be64_put (id, (uint64_t) dbk_now_ms () << 16);
    dbk_be64_put (id + 8, s_ref_seq * 0x9e3779b97f4a7c15u);
    dbk_be64_put (head, ver);
    memcpy (head + 8, seqkey, 8);
    MDB_val k1 = {(size_t) sl + 9, skey}, k2 = {16, id}, k3 = {(size_t) sl, stream};
    MDB_val v1 = {8, (void *) seqkey}, v2 = {8, (void *) seqkey}, v3 = {16, head};
    int rc = mdb_put (txn, s_ref_sindex, &k1, &v1, 0);
    if (!rc)
        rc = mdb_put (txn, s_ref_ids, &k2, &v2, 0);
    if (!rc)
        rc = mdb_put (txn, s_ref_streams, &k3, &v3, 0);
    return rc;
}

/*  Durable commits of `batch` events each (seq keys, MDB_APPEND, values of
    one record's size), for the case's duration; with `schema`, each event
    also gets the log's three index entries. */
res_t bench_ref_lmdb (int batch, bool schema)
{
    lat_t lat = {0};
    int64_t start = bench_now_ns (), deadline = start + (int64_t) (bench_g.seconds * 1e9);
    uint64_t events = 0, commits = 0;
    double cpu0 = bench_cpu_self ();
    int64_t t = start;
    while (t < deadline) {
        MDB_txn *txn;
        int rc = mdb_txn_begin (s_ref_env, NULL, 0, &txn);
        for (int i = 0; i < batch && !rc; i++) {
            uint8_t key[8];
            dbk_be64_put (key, ++s_ref_seq);
            MDB_val k = {8, key}, v = {bench_g.record_bytes, s_ref_value};
            rc = mdb_put (txn, s_ref_dbi, &k, &v, MDB_APPEND);
            if (!rc && schema)
                rc = s_ref_index (txn, key);
        }
        if (rc) {
            mdb_txn_abort (txn);
            bench_die ("LMDB reference put: %s", mdb_strerror (rc));
        }
        if ((rc = mdb_txn_commit (txn)))
            bench_die ("LMDB reference commit: %s", mdb_strerror (rc));
        int64_t t2 = bench_now_ns ();
        bench_lat_add (&lat, (double) (t2 - t) / 1e3);
        events += (uint64_t) batch;
        commits++;
        t = t2;
    }
    res_t r = {.rate = (double) events / ((double) (t - start) / 1e9)};
    r.cpu_cli = (bench_cpu_self () - cpu0) * 1e6 / (double) commits; /* per commit */
    r.p50 = bench_pct (&lat, 0.50);
    r.p99 = bench_pct (&lat, 0.99);
    free (lat.v);
    return r;
}

static int s_file_fd = -1;

void bench_file_open (void)
{
    s_file_fd = open (bench_g.file_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (s_file_fd < 0)
        bench_die ("%s: %s", bench_g.file_path, strerror (errno));
    /*  really allocated (written), so a later overwrite changes no metadata */
    static uint8_t zeros[1 << 20];
    for (size_t off = 0; off < FSYNC_FILE_BYTES; off += sizeof zeros)
        if (pwrite (s_file_fd, zeros, sizeof zeros, (off_t) off) != (ssize_t) sizeof zeros)
            bench_die ("cannot preallocate %s: %s", bench_g.file_path, strerror (errno));
    if (fsync (s_file_fd))
        bench_die ("fsync %s: %s", bench_g.file_path, strerror (errno));
}

res_t bench_ref_fsync (void)
{
    lat_t lat = {0};
    int64_t start = bench_now_ns (), deadline = start + (int64_t) (bench_g.seconds * 1e9);
    uint64_t n = 0;
    static size_t off;
    int64_t t = start;
    while (t < deadline) {
        if (off + bench_g.record_bytes > FSYNC_FILE_BYTES)
            off = 0;
        if (pwrite (s_file_fd, s_ref_value, bench_g.record_bytes, (off_t) off) !=
                (ssize_t) bench_g.record_bytes ||
            fdatasync (s_file_fd))
            bench_die ("write+fdatasync: %s", strerror (errno));
        off += bench_g.record_bytes;
        n++;
        int64_t t2 = bench_now_ns ();
        bench_lat_add (&lat, (double) (t2 - t) / 1e3);
        t = t2;
    }
    res_t r = {.rate = (double) n / ((double) (t - start) / 1e9)};
    r.p50 = bench_pct (&lat, 0.50);
    r.p99 = bench_pct (&lat, 0.99);
    free (lat.v);
    return r;
}

/*  Round trips of an APPEND-sized request to the bare echo ROUTER. */
res_t bench_ref_rtt (void)
{
    dbk_sockcfg_t cfg = {.type = ZMQ_DEALER, .endpoint = bench_g.echo_ep};
    void *d = dbk_sock_open (&cfg);
    if (!d)
        bench_die ("cannot connect to %s", bench_g.echo_ep);
    void *sock = zsock_resolve (d);
    uint8_t *req = calloc (1, bench_g.request_bytes);
    char buf[512];
    zmq_setsockopt (sock, ZMQ_RCVTIMEO, &(int){REPLY_WAIT_MS}, sizeof (int));
    /*  connection established before timing */
    for (int i = 0; i < 100; i++)
        if (zmq_send (sock, req, bench_g.request_bytes, 0) < 0 ||
            zmq_recv (sock, buf, sizeof buf, 0) < 0)
            bench_die ("the echo ROUTER does not answer");
    lat_t lat = {0};
    int64_t start = bench_now_ns (), deadline = start + (int64_t) (bench_g.seconds * 1e9);
    uint64_t n = 0;
    int64_t t = start;
    while (t < deadline) {
        if (zmq_send (sock, req, bench_g.request_bytes, 0) < 0 ||
            zmq_recv (sock, buf, sizeof buf, 0) < 0)
            bench_die ("the echo ROUTER does not answer");
        n++;
        int64_t t2 = bench_now_ns ();
        bench_lat_add (&lat, (double) (t2 - t) / 1e3);
        t = t2;
    }
    /*  rate = round trips/s; mean RTT = 1/rate */
    res_t r = {.rate = (double) n / ((double) (t - start) / 1e9)};
    r.p50 = bench_pct (&lat, 0.50);
    r.p99 = bench_pct (&lat, 0.99);
    free (lat.v);
    free (req);
    dbk_sock_close (&d);
    return r;
}

/*  ---- APPEND clients ---- */

void bench_ref_close (void)
{
    mdb_env_close (s_ref_env);
    close (s_file_fd);
    free (s_ref_value);
}
