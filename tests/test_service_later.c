/*  test_service_later.c - rows a projection defers to the shell
    (dbk_svc_put_later / dbk_svc_del_later in dbk_service.h), through a
    real dealbook-eventlog process and the real shell.

    The service under test is "rows": its projection turns `row.put`
    {n, note} into a deferred put of key "k<n>" with value note,
    `row.del` {n} into a deferred delete, and counts every event in a
    database it writes directly. `row.fail` makes the projection fail
    once (the shell aborts the batch and applies it again). Query SCAN
    answers every row in key order and the count. The events are
    appended straight to the log, most of them before the service
    starts, so that it replays them in large batches.

    The same service with def->replay_hold ("held") holds its deferred
    rows through a replay from seq 1 and writes them once caught up;
    `row.stall` makes its projection fail while a flag is set, so that
    a test can look at a service stuck mid-replay; `row.many` defers
    thousands of rows at once.
*/
#include "support/testlib.h"

#include "dealbook/dbk_config.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_logging.h"
#include "dealbook/dbk_service.h"

#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define S_KEYS 300 /* keys k0 .. k299 */

/*  row.many {n}: S_MANY_ROWS rows "m<8 digits>" with value "v", keys
    n + i * S_MANY_EVENTS: events n = 0 .. S_MANY_EVENTS - 1 make each
    key once, in an order far from the keys' */
#define S_MANY_EVENTS 6000 /* past DBK_SVC_REPLAY_LAG: a replay */
#define S_MANY_ROWS 200

static atomic_int s_fail_once; /* row.fail fails the projection while set */
static atomic_int s_stall;     /* row.stall fails it while set */
static bool s_hold;            /* s_start starts the "held" service */
static bool s_durable;         /* ... durable (a replay then marks its unsynced writes) */

/*  Row n's key: "k<n>" for even n; for odd n twenty k's then n, so that
    those keys share more than the 16 bytes the shell sorts on, and for
    n = 3 mod 4 forty, so that they share more than 32. */
static int s_key (char *out, size_t outsz, uint64_t n)
{
    const char *ks = "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk";
    int many = n % 4 == 3 ? 39 : n % 2 ? 19 : 0;
    return snprintf (out, outsz, "%.*sk%llu", many, ks, (unsigned long long) n);
}

static int s_rows_project (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev)
{
    MDB_dbi seen = dbk_svc_dbi (ctx, "seen");
    MDB_val k = {1, "n"}, v;
    uint64_t count = 0;
    if (mdb_get (txn, seen, &k, &v) == 0 && v.mv_size == 8)
        memcpy (&count, v.mv_data, 8);
    count++;
    v = (MDB_val){8, &count};
    int rc = dbk_lmdb_err (mdb_put (txn, seen, &k, &v, 0));
    const dbk_obj_t *data = dbk_svc_data (ctx, ev);
    uint64_t n;
    if (rc || !data || dbk_obj_u64 (dbk_obj_get (data, "n"), &n) != 0)
        return rc;
    char key[48];
    int kl = s_key (key, sizeof key, n);
    MDB_dbi rows = dbk_svc_dbi (ctx, "rows");
    if (ev->type_len == 8 && memcmp (ev->type, "row.many", 8) == 0) {
        for (uint64_t i = 0; rc == 0 && i < S_MANY_ROWS; i++) {
            kl =
                snprintf (key, sizeof key, "m%08llu", (unsigned long long) (n + i * S_MANY_EVENTS));
            rc = dbk_svc_put_later (ctx, rows, key, (size_t) kl, "v", 1);
        }
        return rc;
    }
    if (ev->type_len == 7 && memcmp (ev->type, "row.put", 7) == 0) {
        const char *note;
        size_t nl;
        if (dbk_obj_str (dbk_obj_get (data, "note"), &note, &nl) != 0)
            return 0;
        return dbk_svc_put_later (ctx, rows, key, (size_t) kl, note, nl);
    }
    if (ev->type_len == 7 && memcmp (ev->type, "row.del", 7) == 0)
        return dbk_svc_del_later (ctx, rows, key, (size_t) kl);
    if (ev->type_len == 8 && memcmp (ev->type, "row.vers", 8) == 0) {
        /*  the stream's version as the model knows it, mid-batch: this
            event's own, though the shell defers it with the batch */
        uint64_t ver = 0;
        rc = dbk_svc_stream_version (ctx, txn, "rowsvc-x", &ver);
        MDB_val vk = {1, "v"}, vv = {8, &ver};
        return rc ? rc : dbk_lmdb_err (mdb_put (txn, seen, &vk, &vv, 0));
    }
    if (ev->type_len == 8 && memcmp (ev->type, "row.fail", 8) == 0 &&
        atomic_exchange (&s_fail_once, 0))
        return DBK_EIO;
    if (ev->type_len == 9 && memcmp (ev->type, "row.stall", 9) == 0 && atomic_load (&s_stall))
        return DBK_EIO;
    return 0;
}

/*  SCAN: {rows: [key, value, ...] in key order, seen: events counted,
    later: what dbk_svc_put_later answers outside the projection}. */
static int s_rows_scan (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    (void) req;
    MDB_stat st;
    MDB_dbi rows = dbk_svc_dbi (ctx, "rows");
    if (mdb_stat (txn, rows, &st))
        return DBK_EIO;
    MDB_val k = {1, "n"}, v;
    uint64_t seen = 0;
    if (mdb_get (txn, dbk_svc_dbi (ctx, "seen"), &k, &v) == 0 && v.mv_size == 8)
        memcpy (&seen, v.mv_data, 8);
    uint64_t ver = 0;
    MDB_val vk = {1, "v"}, vv;
    if (mdb_get (txn, dbk_svc_dbi (ctx, "seen"), &vk, &vv) == 0 && vv.mv_size == 8)
        memcpy (&ver, vv.mv_data, 8);
    dbk_wr_map (w, 4);
    dbk_wr_kv_u64 (w, "ver", ver);
    dbk_wr_cstr (w, "rows");
    dbk_wr_array (w, (uint32_t) (2 * st.ms_entries));
    MDB_cursor *cur;
    if (mdb_cursor_open (txn, rows, &cur))
        return DBK_EIO;
    for (int r = mdb_cursor_get (cur, &k, &v, MDB_FIRST); r == 0;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        dbk_wr_str (w, k.mv_data, k.mv_size);
        dbk_wr_str (w, v.mv_data, v.mv_size);
    }
    mdb_cursor_close (cur);
    dbk_wr_kv_u64 (w, "seen", seen);
    dbk_wr_kv_i64 (w, "later", dbk_svc_put_later (ctx, rows, "x", 1, "", 0));
    return 0;
}

static const char *const s_rows_dbs[] = {"rows", "seen", NULL};
static const char *const s_rows_cats[] = {"rowsvc", NULL};
/*  COUNT: {rows: rows in the model}. */
static int s_rows_count (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    (void) req;
    return tl_svc_count (ctx, txn, "rows", "rows", w);
}

static const dbk_svc_query_t s_rows_queries[] = {
    {"SCAN", s_rows_scan}, {"COUNT", s_rows_count}, {NULL, NULL}};
static const dbk_service_def_t s_rows = {.name = "rows",
                                         .dbs = s_rows_dbs,
                                         .categories = s_rows_cats,
                                         .queries = s_rows_queries,
                                         .project = s_rows_project};

static const dbk_service_def_t s_rows_held = {.name = "rows",
                                              .dbs = s_rows_dbs,
                                              .categories = s_rows_cats,
                                              .queries = s_rows_queries,
                                              .project = s_rows_project,
                                              .replay_hold = true};

static void s_rows_server (zsock_t *pipe, void *args)
{
    dbk_service_run (pipe, s_hold ? &s_rows_held : &s_rows, args);
}

/*  ---- fixture ---- */

static tl_log_t s_log;
static char *s_dir;
static zactor_t *s_svc;
static char s_ep[600];
static dbk_config_t s_cfg;

/*  Start the service with this timeout and DEALBOOK_REPLAY_HOLD_MB
    (0: the default). */
static void s_start_with (int timeout_ms, uint64_t hold_mb)
{
    cr_assert_eq (tl_svc_config (&s_cfg, &s_log, s_dir, timeout_ms), 0);
    if (hold_mb)
        s_cfg.replay_hold_mb = hold_mb;
    s_cfg.durable = s_durable;
    s_svc = tl_svc_start (s_rows_server, &s_cfg, s_ep, sizeof s_ep);
    cr_assert_not_null (s_svc, "the service did not start");
}

static void s_start (void)
{
    s_start_with (3000, 0);
}

static void s_init (void)
{
    cr_assert_eq (tl_log_start (&s_log, false, NULL), 0, "the eventlog did not start");
    s_dir = tl_tmpdir ("later");
    cr_assert_not_null (s_dir);
    atomic_store (&s_fail_once, 0);
    atomic_store (&s_stall, 0);
    s_hold = s_durable = false;
}

static void s_fini (void)
{
    zactor_destroy (&s_svc);
    tl_log_cleanup (&s_log);
    if (s_dir) {
        tl_rmtree (s_dir);
        free (s_dir);
        s_dir = NULL;
    }
}

/*  ---- the expected rows ---- */

typedef struct {
    char note[S_KEYS][16]; /* "" : no row */
    uint64_t events;       /* appended */
} s_model_t;

static uint32_t s_rand (uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/*  Append `count` random puts and deletes (in APPENDs of 500), one
    row.fail after the first half when `fail` is set, and follow them in
    the model. */
static void s_append_ops (s_model_t *m, uint32_t *seed, int count, bool fail)
{
    dbk_client_t *lc = dbk_client_new (s_log.log_ep, 10000);
    cr_assert_not_null (lc);
    dbk_wr_t *bufs[500];
    dbk_event_t evs[500];
    for (int i = 0; i < 500; i++)
        bufs[i] = dbk_wr_new ();
    int done = 0;
    while (done < count) {
        int n = count - done < 500 ? count - done : 500;
        for (int i = 0; i < n; i++) {
            uint32_t r = s_rand (seed);
            uint64_t key = r % S_KEYS;
            bool del = (r >> 16) % 3 == 0;
            char note[16] = "";
            if (fail && done + i == count / 2) {
                tl_event (&evs[i], "row.fail", 0, "", bufs[i]);
                m->events++;
                continue;
            }
            if (!del)
                snprintf (note, sizeof note, "v%u", (unsigned) (r >> 8) % 100000);
            tl_event (&evs[i], del ? "row.del" : "row.put", key, note, bufs[i]);
            snprintf (m->note[key], sizeof m->note[key], "%s", note);
            m->events++;
        }
        cr_assert_eq (
            dbk_client_append (lc, "rowsvc-x", DBK_EXPECT_ANY, evs, (size_t) n, NULL, NULL, NULL),
            0, "%s", dbk_client_errmsg (lc));
        done += n;
    }
    for (int i = 0; i < 500; i++)
        dbk_wr_destroy (&bufs[i]);
    dbk_client_destroy (&lc);
}

/*  SCAN, once the service applied every event, must equal the model.
    The events are the log's seqs 1 .. m->events, and after_seq waits for
    the held rows too: "seen" counts the events of a committed batch,
    and a replay's held rows are written after it. */
static void s_check (const s_model_t *m)
{
    dbk_client_t *c = dbk_client_new (s_ep, 10000);
    dbk_doc_t *r = NULL;
    uint64_t seen = 0;
    for (int i = 0; i < 400; i++) {
        dbk_doc_destroy (&r);
        dbk_wr_t *w = dbk_client_begin (c, "SCAN", 1);
        dbk_wr_kv_u64 (w, "after_seq", m->events);
        int rc = dbk_client_call (c, &r);
        if (rc == DBK_ETIMEOUT)
            continue; /* the service's own wait ran out: ask again */
        cr_assert_eq (rc, 0, "%s", dbk_client_errmsg (c));
        if (dbk_obj_u64 (dbk_obj_get (dbk_doc_root (r), "seen"), &seen) == 0 && seen == m->events)
            break;
        zclock_sleep (25);
    }
    cr_assert_eq (seen, m->events, "applied %llu of %llu events", (unsigned long long) seen,
                  (unsigned long long) m->events);
    int64_t later = 0;
    cr_assert_eq (dbk_obj_i64 (dbk_obj_get (dbk_doc_root (r), "later"), &later), 0);
    cr_assert_eq (later, DBK_EINVAL, "put_later outside the projection");
    /*  the model's rows in LMDB's key order: "k10" < "k2" byte-wise */
    const dbk_obj_t *rows = dbk_obj_get (dbk_doc_root (r), "rows");
    size_t want = 0;
    for (int k = 0; k < S_KEYS; k++)
        want += m->note[k][0] != 0;
    cr_assert_eq (dbk_obj_len (rows), 2 * want);
    char prev[48] = "";
    for (size_t i = 0; i < dbk_obj_len (rows); i += 2) {
        const char *ks, *vs;
        size_t kn, vn;
        cr_assert_eq (dbk_obj_str (dbk_obj_at (rows, i), &ks, &kn), 0);
        cr_assert_eq (dbk_obj_str (dbk_obj_at (rows, i + 1), &vs, &vn), 0);
        char key[48], want_key[48];
        snprintf (key, sizeof key, "%.*s", (int) kn, ks);
        cr_assert (strcmp (prev, key) < 0, "rows out of order: %s then %s", prev, key);
        snprintf (prev, sizeof prev, "%s", key);
        int k = atoi (key + strspn (key, "k"));
        cr_assert (k >= 0 && k < S_KEYS);
        s_key (want_key, sizeof want_key, (uint64_t) k);
        cr_assert_str_eq (key, want_key);
        cr_assert (strlen (m->note[k]) == vn && memcmp (m->note[k], vs, vn) == 0,
                   "%s: stored %.*s, expected %s", key, (int) vn, vs, m->note[k]);
    }
    dbk_doc_destroy (&r);
    dbk_client_destroy (&c);
}

TestSuite (service_later, .init = s_init, .fini = s_fini, .timeout = 90);

Test (service_later, deferred_rows_equal_the_last_call_per_key_in_a_replay_and_live)
{
    s_model_t *m = calloc (1, sizeof *m);
    uint32_t seed = 12345;
    /*  12,000 events before the start: a replay in large batches, where
        one key is put and deleted many times within one batch */
    s_append_ops (m, &seed, 12000, false);
    s_start ();
    s_check (m);
    /*  then live, in small batches */
    for (int i = 0; i < 5; i++) {
        s_append_ops (m, &seed, 40, false);
        s_check (m);
    }
    /*  the same rows from scratch: a deleted data directory */
    zactor_destroy (&s_svc);
    tl_rmtree (s_dir);
    s_start ();
    s_check (m);
    free (m);
}

Test (service_later, an_aborted_batch_forgets_its_deferred_rows_and_applies_them_again)
{
    s_model_t *m = calloc (1, sizeof *m);
    uint32_t seed = 777;
    s_start ();
    s_append_ops (m, &seed, 100, false);
    s_check (m);
    /*  a batch that fails halfway: its rows so far must not be written
        with the checkpoint of the batch before, and are applied again */
    atomic_store (&s_fail_once, 1);
    s_append_ops (m, &seed, 9000, true);
    s_check (m);
    cr_assert_eq (atomic_load (&s_fail_once), 0, "the projection did fail once");
    free (m);
}

/*  The value of `key` in database `db` of the stopped service's model,
    into out: its size, or -1 when there is none. */
/*  The stopped service's model opened (read-only, or to write), with a
    transaction and database db. */
static MDB_env *s_model_open (unsigned flags, MDB_txn **txn, const char *db, MDB_dbi *dbi)
{
    char dir[1100];
    cr_assert_eq (dbk_config_service_dir (&s_cfg, "rows", dir, sizeof dir), 0);
    MDB_env *env;
    cr_assert_eq (mdb_env_create (&env), 0);
    mdb_env_set_maxdbs (env, 16);
    cr_assert_eq (mdb_env_open (env, dir, flags, 0644), 0, "%s", dir);
    cr_assert_eq (mdb_txn_begin (env, NULL, flags, txn), 0);
    cr_assert_eq (mdb_dbi_open (*txn, db, 0, dbi), 0);
    return env;
}

static int s_model_get (const char *db, const void *key, size_t kl, void *out, size_t outsz)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_env *env = s_model_open (MDB_RDONLY, &txn, db, &dbi);
    MDB_val k = {kl, (void *) key}, v;
    int size = -1;
    if (mdb_get (txn, dbi, &k, &v) == 0 && v.mv_size <= outsz) {
        memcpy (out, v.mv_data, v.mv_size);
        size = (int) v.mv_size;
    }
    mdb_txn_abort (txn);
    mdb_env_close (env);
    return size;
}

/*  The shell's $commands row of a command: first and last seq and events. */
static void s_command_row (const uint8_t id[DBK_ID_SIZE], uint64_t out[3])
{
    uint8_t v[24];
    cr_assert_eq (s_model_get ("$commands", id, DBK_ID_SIZE, v, sizeof v), 24, "no $commands row");
    for (int i = 0; i < 3; i++)
        out[i] = dbk_be64_get (v + 8 * i);
}

/*  Append events of command `cause` (n of them, in one APPEND). */
static void s_append_caused (dbk_client_t *lc, const uint8_t cause[DBK_ID_SIZE], int n,
                             s_model_t *m)
{
    dbk_wr_t *bufs[4];
    dbk_event_t evs[4];
    for (int i = 0; i < n; i++) {
        bufs[i] = dbk_wr_new ();
        tl_event (&evs[i], "row.note", 0, "", bufs[i]);
        memcpy (evs[i].cause, cause, DBK_ID_SIZE);
        evs[i].has_cause = true;
        m->events++;
    }
    cr_assert_eq (
        dbk_client_append (lc, "rowsvc-x", DBK_EXPECT_ANY, evs, (size_t) n, NULL, NULL, NULL), 0,
        "%s", dbk_client_errmsg (lc));
    for (int i = 0; i < n; i++)
        dbk_wr_destroy (&bufs[i]);
}

Test (service_later, a_command_row_counts_its_events_across_appends_and_batches)
{
    s_model_t *m = calloc (1, sizeof *m);
    dbk_client_t *lc = dbk_client_new (s_log.log_ep, 10000);
    uint8_t x[DBK_ID_SIZE], y[DBK_ID_SIZE];
    dbk_uuid_v7 (x);
    dbk_uuid_v7 (y);
    /*  seq 1-2 for x, 3 for y, 4 for x again: one replay batch, where
        x's row must see its first events when the fourth comes */
    s_append_caused (lc, x, 2, m);
    s_append_caused (lc, y, 1, m);
    s_append_caused (lc, x, 1, m);
    s_start ();
    s_check (m);
    /*  then live, in a batch of its own: the row is read back and counted on */
    s_append_caused (lc, x, 3, m);
    s_check (m);
    zactor_destroy (&s_svc);
    uint64_t rx[3], ry[3];
    s_command_row (x, rx);
    s_command_row (y, ry);
    cr_assert_eq (rx[0], 1, "x first seq");
    cr_assert_eq (rx[1], 7, "x last seq");
    cr_assert_eq (rx[2], 6, "x events");
    cr_assert_eq (ry[0], 3);
    cr_assert_eq (ry[1], 3);
    cr_assert_eq (ry[2], 1);
    dbk_client_destroy (&lc);
    free (m);
}

Test (service_later, a_projection_asking_a_stream_version_sees_its_batch)
{
    s_model_t *m = calloc (1, sizeof *m);
    uint32_t seed = 99;
    dbk_client_t *lc = dbk_client_new (s_log.log_ep, 10000);
    /*  700 events, then one that asks its stream's version: one replay
        batch, where the versions are still deferred when it asks */
    s_append_ops (m, &seed, 700, false);
    dbk_wr_t *buf = dbk_wr_new ();
    dbk_event_t ev;
    tl_event (&ev, "row.vers", 0, "", buf);
    cr_assert_eq (dbk_client_append (lc, "rowsvc-x", DBK_EXPECT_ANY, &ev, 1, NULL, NULL, NULL), 0);
    m->events++;
    s_start ();
    s_check (m);
    dbk_client_t *c = dbk_client_new (s_ep, 10000);
    dbk_doc_t *r = NULL;
    dbk_client_begin (c, "SCAN", 0);
    cr_assert_eq (dbk_client_call (c, &r), 0, "%s", dbk_client_errmsg (c));
    uint64_t ver = 0;
    cr_assert_eq (dbk_obj_u64 (dbk_obj_get (dbk_doc_root (r), "ver"), &ver), 0);
    cr_assert_eq (ver, 701, "the projection saw version %llu", (unsigned long long) ver);
    dbk_doc_destroy (&r);
    dbk_client_destroy (&c);
    dbk_wr_destroy (&buf);
    dbk_client_destroy (&lc);
    free (m);
}

/*  ---- held rows (def->replay_hold) ---- */

/*  SCAN until the service has applied at least `min` events: how many. */
static uint64_t s_seen_at_least (uint64_t min)
{
    dbk_client_t *c = dbk_client_new (s_ep, 10000);
    uint64_t seen = 0;
    for (int i = 0; i < 400 && seen < min; i++) {
        dbk_doc_t *r = NULL;
        dbk_client_begin (c, "SCAN", 0);
        cr_assert_eq (dbk_client_call (c, &r), 0, "%s", dbk_client_errmsg (c));
        dbk_obj_u64 (dbk_obj_get (dbk_doc_root (r), "seen"), &seen);
        dbk_doc_destroy (&r);
        if (seen < min)
            zclock_sleep (25);
    }
    dbk_client_destroy (&c);
    return seen;
}

/*  `before` random ops, a row.stall, 3000 more, then the service started
    (with a timeout of 1000 ms) to stall at that event: the model. */
static s_model_t *s_stalled_start (uint32_t seed, int before)
{
    s_model_t *m = calloc (1, sizeof *m);
    cr_assert_not_null (m);
    s_append_ops (m, &seed, before, false);
    dbk_client_t *lc = dbk_client_new (s_log.log_ep, 10000);
    dbk_wr_t *buf = dbk_wr_new ();
    dbk_event_t ev;
    tl_event (&ev, "row.stall", 0, "", buf);
    cr_assert_eq (dbk_client_append (lc, "rowsvc-x", DBK_EXPECT_ANY, &ev, 1, NULL, NULL, NULL), 0);
    m->events++;
    dbk_wr_destroy (&buf);
    dbk_client_destroy (&lc);
    s_append_ops (m, &seed, 3000, false);
    atomic_store (&s_stall, 1);
    s_start_with (1000, 0);
    return m;
}

static bool s_hold_left (void)
{
    char v[8];
    return s_model_get ("$meta", "hold", 4, v, sizeof v) >= 0;
}

Test (service_later, a_replay_from_seq_1_holds_its_rows_and_writes_the_last_call_per_key)
{
    s_hold = true;
    s_model_t *m = calloc (1, sizeof *m);
    uint32_t seed = 4242;
    /*  one batch of the replay fails halfway: it takes back its own held
        rows, not those of the batches before it */
    atomic_store (&s_fail_once, 1);
    s_append_ops (m, &seed, 12000, true);
    s_start ();
    s_check (m);
    cr_assert_eq (atomic_load (&s_fail_once), 0, "the projection did fail once");
    for (int i = 0; i < 3; i++) { /* live: written with each batch */
        s_append_ops (m, &seed, 40, false);
        s_check (m);
    }
    /*  REBUILD: from seq 1 again, held again, answered once written */
    dbk_client_t *c = dbk_client_new (s_ep, 30000);
    dbk_doc_t *r = NULL;
    dbk_client_begin (c, "REBUILD", 0);
    cr_assert_eq (dbk_client_call (c, &r), 0, "%s", dbk_client_errmsg (c));
    dbk_doc_destroy (&r);
    dbk_client_destroy (&c);
    s_check (m);
    zactor_destroy (&s_svc);
    cr_assert_not (s_hold_left (), "caught up: nothing held any more");
    free (m);
}

Test (service_later, held_rows_too_many_for_their_memory_are_written_on_the_way)
{
    s_hold = true;
    s_model_t *m = calloc (1, sizeof *m);
    uint32_t seed = 5150;
    s_append_ops (m, &seed, 30000, false);
    s_start_with (3000, 1); /* 1 MiB: a few thousand events' rows */
    s_check (m);
    free (m);
}

Test (service_later, a_service_stopped_while_holding_rows_builds_its_model_again)
{
    s_hold = true;
    /*  the replay stalls at event 9001, its rows still held */
    s_model_t *m = s_stalled_start (31337, 9000);
    cr_assert_geq (s_seen_at_least (8500), 8500, "the replay went as far as the stall");
    /*  what waits for the model waits for the held rows: after_seq 1 is
        not served (ERROR TIMEOUT from the service after 2 x 1000 ms, or
        STORAGE at once when the stalled event has failed
        DBK_SVC_APPLY_TRIES times by then: the model is stuck there) */
    dbk_client_t *c = dbk_client_new (s_ep, 10000);
    dbk_doc_t *r = NULL;
    dbk_wr_t *w = dbk_client_begin (c, "SCAN", 1);
    dbk_wr_kv_u64 (w, "after_seq", 1);
    int rc = dbk_client_call (c, &r);
    cr_assert (rc == DBK_ETIMEOUT || rc == DBK_EIO, "%s", dbk_client_errmsg (c));
    cr_assert_not_null (r, "the service answered itself");
    dbk_doc_destroy (&r);
    dbk_client_destroy (&c);
    /*  stopped now: the model says it was being built */
    zactor_destroy (&s_svc);
    cr_assert (s_hold_left (), "the model is marked as being built");
    /*  started again: built from seq 1, every row there */
    atomic_store (&s_stall, 0);
    s_start ();
    s_check (m);
    zactor_destroy (&s_svc);
    cr_assert_not (s_hold_left ());
    free (m);
}

/*  The model's "rows" once the service stopped: exactly the keys of
    S_MANY_EVENTS row.many events, in order, each with its value. */
static void s_many_check (void)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    MDB_env *env = s_model_open (MDB_RDONLY, &txn, "rows", &dbi);
    cr_assert_eq (mdb_cursor_open (txn, dbi, &cur), 0);
    MDB_val k, v;
    uint64_t want = 0;
    for (int r = mdb_cursor_get (cur, &k, &v, MDB_FIRST); r == 0;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT), want++) {
        char key[16];
        int kl = snprintf (key, sizeof key, "m%08llu", (unsigned long long) want);
        cr_assert (k.mv_size == (size_t) kl && memcmp (k.mv_data, key, k.mv_size) == 0,
                   "row %llu: %.*s", (unsigned long long) want, (int) k.mv_size,
                   (const char *) k.mv_data);
        cr_assert (v.mv_size == 1 && *(const char *) v.mv_data == 'v');
    }
    cr_assert_eq (want, (uint64_t) S_MANY_EVENTS * S_MANY_ROWS, "%llu rows",
                  (unsigned long long) want);
    mdb_cursor_close (cur);
    mdb_txn_abort (txn);
    mdb_env_close (env);
}

Test (service_later, held_rows_of_many_transactions_are_all_written_though_the_map_fills)
{
    /*  1.2 M held rows: written in several transactions; a 1 MiB map is
        full during them, again and again, so that the rows are written
        again from the first after each growth of the map */
    s_hold = true;
    dbk_client_t *lc = dbk_client_new (s_log.log_ep, 10000);
    dbk_wr_t *bufs[500];
    dbk_event_t evs[500];
    for (int i = 0; i < 500; i++)
        bufs[i] = dbk_wr_new ();
    for (int done = 0; done < S_MANY_EVENTS; done += 500) {
        for (int i = 0; i < 500; i++)
            tl_event (&evs[i], "row.many", (uint64_t) (done + i), "", bufs[i]);
        cr_assert_eq (
            dbk_client_append (lc, "rowsvc-x", DBK_EXPECT_ANY, evs, 500, NULL, NULL, NULL), 0, "%s",
            dbk_client_errmsg (lc));
    }
    for (int i = 0; i < 500; i++)
        dbk_wr_destroy (&bufs[i]);
    dbk_client_destroy (&lc);
    cr_assert_eq (tl_svc_config (&s_cfg, &s_log, s_dir, 3000), 0);
    s_cfg.map_size = 1 << 20;
    s_svc = tl_svc_start (s_rows_server, &s_cfg, s_ep, sizeof s_ep);
    cr_assert_not_null (s_svc);
    /*  answered once the held rows are written (the service's own wait
        may run out first: asked again) */
    dbk_client_t *c = dbk_client_new (s_ep, 60000);
    dbk_doc_t *r = NULL;
    int rc = DBK_ETIMEOUT;
    for (int i = 0; i < 10 && rc == DBK_ETIMEOUT; i++) {
        dbk_doc_destroy (&r);
        dbk_wr_t *w = dbk_client_begin (c, "COUNT", 1);
        dbk_wr_kv_u64 (w, "after_seq", S_MANY_EVENTS);
        rc = dbk_client_call (c, &r);
    }
    cr_assert_eq (rc, 0, "%s", dbk_client_errmsg (c));
    uint64_t rows = 0;
    cr_assert_eq (dbk_obj_u64 (dbk_obj_get (dbk_doc_root (r), "rows"), &rows), 0);
    cr_assert_eq (rows, (uint64_t) S_MANY_EVENTS * S_MANY_ROWS);
    dbk_doc_destroy (&r);
    dbk_client_destroy (&c);
    zactor_destroy (&s_svc);
    cr_assert_not (s_hold_left (), "caught up: nothing held any more");
    s_many_check ();
}

/*  ---- the mark of a replay's unsynced writes ---- */

/*  key = val put into the stopped service's model. */
static void s_model_put (const char *db, const char *key, const char *val)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_env *env = s_model_open (0, &txn, db, &dbi);
    MDB_val k = {strlen (key), (void *) key}, v = {strlen (val), (void *) val};
    cr_assert_eq (mdb_put (txn, dbi, &k, &v, 0), 0);
    cr_assert_eq (mdb_txn_commit (txn), 0);
    mdb_env_close (env);
}

/*  The service's mark of unsynced replay writes: its path. */
static void s_mark_path (char *out, size_t outsz)
{
    char dir[1100];
    cr_assert_eq (dbk_config_service_dir (&s_cfg, "rows", dir, sizeof dir), 0);
    snprintf (out, outsz, "%s/unsynced", dir);
}

static bool s_unsynced_left (void)
{
    char path[1200];
    s_mark_path (path, sizeof path);
    return access (path, F_OK) == 0;
}

/*  The mark written as a replay of boot `boot` would have left it. */
static void s_mark (const char *boot)
{
    char path[1200];
    s_mark_path (path, sizeof path);
    FILE *f = fopen (path, "w");
    cr_assert_not_null (f);
    fputs (boot, f);
    fclose (f);
}

Test (service_later, a_model_marked_unsynced_in_another_boot_is_built_again_in_this_one_kept)
{
    s_durable = true;
    s_model_t *m = calloc (1, sizeof *m);
    uint32_t seed = 777;
    s_append_ops (m, &seed, 12000, false); /* far behind: replay mode, unsynced */
    s_start ();
    s_check (m);
    /*  idle once caught up: the flush ends, and its mark goes */
    for (int i = 0; i < 200 && s_unsynced_left (); i++)
        zclock_sleep (25);
    cr_assert_not (s_unsynced_left (), "flushed at the end of the replay: no mark left");
    zactor_destroy (&s_svc);
    /*  this boot's mark (a process stopped during its replay: the kernel
        has its pages), and a row no event made: the model is kept */
    char boot[64] = "";
    FILE *f = fopen ("/proc/sys/kernel/random/boot_id", "r");
    cr_assert_not_null (f);
    cr_assert_gt (fscanf (f, "%63s", boot), 0);
    fclose (f);
    s_mark (boot);
    s_model_put ("rows", "k0-not-an-event", "x");
    s_start ();
    cr_assert_geq (s_seen_at_least (m->events), m->events);
    zactor_destroy (&s_svc);
    char v[8];
    cr_assert_eq (s_model_get ("rows", "k0-not-an-event", 15, v, sizeof v), 1, "the model kept");
    cr_assert_not (s_unsynced_left (), "flushed at the start: the mark removed");
    /*  another boot's mark (the machine stopped during the replay): the
        model is built again from seq 1, without the stray row */
    s_mark ("00000000-0000-0000-0000-000000000000");
    s_start ();
    s_check (m);
    zactor_destroy (&s_svc);
    cr_assert_lt (s_model_get ("rows", "k0-not-an-event", 15, v, sizeof v), 0, "built again");
    cr_assert_not (s_unsynced_left ());
    free (m);
}

Test (service_later, a_replay_keeps_its_mark_until_its_writes_are_flushed)
{
    s_durable = s_hold = true;
    /*  the replay stalls at event 60,001: a replay batch (50,000 events
        at most) commits before it */
    s_model_t *m = s_stalled_start (4711, 60000);
    /*  the first batch may be an ordinary one (the log's head is learnt by
        its READ): past it, a replay batch has begun, and marked the model */
    cr_assert_geq (s_seen_at_least (DBK_SVC_BATCH + 1), DBK_SVC_BATCH + 1,
                   "a replay batch committed");
    zactor_destroy (&s_svc);
    cr_assert (s_unsynced_left (), "stopped during its replay: the mark is there");
    atomic_store (&s_stall, 0);
    s_start ();
    s_check (m);
    zactor_destroy (&s_svc);
    cr_assert_not (s_unsynced_left (), "caught up and flushed: the mark removed");
    free (m);
}
