/*  tally_given.h - the service under test of test_service.c and
    test_service_model.c: "tally", a domain service on the shell
    (dbk_service.h). Command ADD {name, n} with the rule 1 <= n <= 100,
    decided into `tally.added` {name, n} on stream tally-<name>; its
    projection keeps a total per name; query GET {name} answers {name,
    total}. It runs as an actor in the test process, its read model in
    <dir>/tally and its ROUTER at ipc://<dir>/tally.ipc, against a real
    dealbook-eventlog process. Each suite includes it once.
*/
#ifndef TALLY_GIVEN_H
#define TALLY_GIVEN_H

#include "testlib.h"

#include "dealbook/dbk_config.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_logging.h"
#include "dealbook/dbk_proto.h"
#include "dealbook/dbk_service.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>

/*  ---- the tally service ---- */

static inline int s_tally_add (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                               dbk_decision_t *d)
{
    (void) ctx;
    (void) txn;
    const char *name;
    size_t len;
    uint64_t n;
    if (dbk_obj_str (dbk_obj_get (req, "name"), &name, &len) || len == 0 || len > 64)
        return dbk_decision_reject (d, DBK_EINVAL, "name", "name must be 1 to 64 characters"), 0;
    for (size_t i = 0; i < len; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9')))
            return dbk_decision_reject (d, DBK_EINVAL, "name", "name may hold only a-z and 0-9"), 0;
    if (dbk_obj_u64 (dbk_obj_get (req, "n"), &n) || n < 1 || n > 100)
        return dbk_decision_reject (d, DBK_EINVAL, "n", "n must be a whole number from 1 to 100"),
               0;
    char stream[80];
    snprintf (stream, sizeof stream, "tally-%.*s", (int) len, name);
    dbk_wr_t *w = dbk_decision_event (d, stream, "tally.added");
    dbk_wr_map (w, 2);
    dbk_wr_cstr (w, "name");
    dbk_wr_str (w, name, len);
    dbk_wr_kv_u64 (w, "n", n);
    return 0;
}

static inline int s_total_get (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *name, size_t len,
                               uint64_t *total)
{
    MDB_val k = {len, (void *) name}, v;
    int rc = mdb_get (txn, dbk_svc_dbi (ctx, "totals"), &k, &v);
    *total = 0;
    if (rc == MDB_NOTFOUND)
        return DBK_ENOTFOUND;
    if (rc || v.mv_size != 8)
        return DBK_EIO;
    *total = dbk_be64_get (v.mv_data);
    return 0;
}

/*  MOVE {from, to, n}: two streams, one decision, a rule on the state. */
static inline int s_tally_move (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                                dbk_decision_t *d)
{
    const char *from, *to;
    size_t fl, tl;
    uint64_t n, have;
    if (dbk_obj_str (dbk_obj_get (req, "from"), &from, &fl) || fl == 0 || fl > 64)
        return dbk_decision_reject (d, DBK_EINVAL, "from", "from must name a tally"), 0;
    if (dbk_obj_str (dbk_obj_get (req, "to"), &to, &tl) || tl == 0 || tl > 64 ||
        (tl == fl && memcmp (to, from, fl) == 0))
        return dbk_decision_reject (d, DBK_EINVAL, "to", "to must name another tally"), 0;
    if (dbk_obj_u64 (dbk_obj_get (req, "n"), &n) || n < 1 || n > 100)
        return dbk_decision_reject (d, DBK_EINVAL, "n", "n must be a whole number from 1 to 100"),
               0;
    int rc = s_total_get (ctx, txn, from, fl, &have);
    if (rc == DBK_ENOTFOUND)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "from", "no tally named %.*s", (int) fl,
                                    from),
               0;
    if (rc)
        return rc;
    if (have < n)
        return dbk_decision_reject (d, DBK_ECONFLICT, "n", "%.*s holds only %llu", (int) fl, from,
                                    (unsigned long long) have),
               0;
    char stream[80];
    snprintf (stream, sizeof stream, "tally-%.*s", (int) fl, from);
    dbk_wr_t *w = dbk_decision_event (d, stream, "tally.removed");
    dbk_wr_map (w, 2);
    dbk_wr_cstr (w, "name");
    dbk_wr_str (w, from, fl);
    dbk_wr_kv_u64 (w, "n", n);
    snprintf (stream, sizeof stream, "tally-%.*s", (int) tl, to);
    w = dbk_decision_event (d, stream, "tally.added");
    dbk_wr_map (w, 2);
    dbk_wr_cstr (w, "name");
    dbk_wr_str (w, to, tl);
    dbk_wr_kv_u64 (w, "n", n);
    return 0;
}

static inline int s_tally_get (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    const char *name;
    size_t len;
    uint64_t total;
    if (dbk_obj_str (dbk_obj_get (req, "name"), &name, &len) || len == 0)
        return dbk_svc_reject (ctx, DBK_EINVAL, "name", "name is required");
    int rc = s_total_get (ctx, txn, name, len, &total);
    if (rc == DBK_ENOTFOUND)
        return dbk_svc_reject (ctx, rc, "name", "no tally named %.*s", (int) len, name);
    if (rc)
        return rc;
    dbk_wr_map (w, 2);
    dbk_wr_cstr (w, "name");
    dbk_wr_str (w, name, len);
    dbk_wr_kv_u64 (w, "total", total);
    return 0;
}

/*  Set by a test: the projection fails once on an event with this n;
    fails on every event with s_broken_n (until the test sets it to 0);
    refuses as malformed (DBK_EMALFORMED, having written nothing) every
    event with s_malformed_n. */
static _Atomic uint64_t s_fail_on_n;
static _Atomic uint64_t s_broken_n;
static _Atomic uint64_t s_malformed_n;

static inline int s_tally_project (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev)
{
    bool added = ev->type_len == 11 && memcmp (ev->type, "tally.added", 11) == 0;
    bool removed = ev->type_len == 13 && memcmp (ev->type, "tally.removed", 13) == 0;
    if (!added && !removed)
        return 0;
    const dbk_obj_t *data = dbk_svc_data (ctx, ev);
    const char *name;
    size_t len;
    uint64_t n, total;
    if (dbk_obj_str (dbk_obj_get (data, "name"), &name, &len) ||
        dbk_obj_u64 (dbk_obj_get (data, "n"), &n))
        return 0; /* not ours to judge: a payload we cannot read adds nothing */
    uint64_t fail = n;
    if (atomic_compare_exchange_strong (&s_fail_on_n, &fail, 0))
        return DBK_EIO;
    if (n == atomic_load (&s_broken_n))
        return DBK_EIO;
    if (n == atomic_load (&s_malformed_n))
        return DBK_EMALFORMED;
    int rc = s_total_get (ctx, txn, name, len, &total);
    if (rc && rc != DBK_ENOTFOUND)
        return rc;
    uint8_t buf[8];
    dbk_be64_put (buf, added ? total + n : total > n ? total - n : 0);
    MDB_val k = {len, (void *) name}, v = {8, buf};
    return dbk_lmdb_err (mdb_put (txn, dbk_svc_dbi (ctx, "totals"), &k, &v, 0));
}

static inline int s_tally_status (dbk_svc_ctx_t *ctx, MDB_txn *txn, dbk_wr_t *w)
{
    return tl_svc_count (ctx, txn, "totals", "names", w);
}

static const char *const s_tally_dbs[] = {"totals", NULL};
static const char *const s_tally_cats[] = {"tally", NULL};
static const dbk_svc_command_t s_tally_cmds[] = {
    {"ADD", s_tally_add}, {"MOVE", s_tally_move}, {NULL, NULL}};
static const dbk_svc_query_t s_tally_queries[] = {{"GET", s_tally_get}, {NULL, NULL}};
static const dbk_service_def_t s_tally = {.name = "tally",
                                          .dbs = s_tally_dbs,
                                          .categories = s_tally_cats,
                                          .commands = s_tally_cmds,
                                          .queries = s_tally_queries,
                                          .project = s_tally_project,
                                          .status = s_tally_status};

static inline void s_tally_server (zsock_t *pipe, void *args)
{
    dbk_service_run (pipe, &s_tally, args);
}

/*  ---- fixture ---- */

static tl_log_t s_log;     /* the test's event log               */
static char *s_dir;        /* the service's data directory       */
static zactor_t *s_svc;    /* the running service                */
static char s_ep[600];     /* its endpoint                       */
static dbk_config_t s_cfg; /* its configuration                  */

static inline void s_start_in (const char *dir, zactor_t **svc_p, char *ep, size_t epsz)
{
    cr_assert_eq (tl_svc_config (&s_cfg, &s_log, dir, 1500), 0);
    *svc_p = tl_svc_start (s_tally_server, &s_cfg, ep, epsz);
    cr_assert_not_null (*svc_p, "the service did not start");
}

static inline void s_start (void)
{
    s_start_in (s_dir, &s_svc, s_ep, sizeof s_ep);
}

static inline void s_init (void)
{
    cr_assert_eq (tl_log_start (&s_log, false, NULL), 0, "the eventlog did not start");
    s_dir = tl_tmpdir ("svc");
    cr_assert_not_null (s_dir);
    s_start ();
}

static inline void s_fini (void)
{
    zactor_destroy (&s_svc);
    tl_log_cleanup (&s_log);
    if (s_dir) {
        tl_rmtree (s_dir);
        free (s_dir);
        s_dir = NULL;
    }
}

/*  ---- client side ---- */

/*  ADD with the given command id (NULL: a fresh one). Returns the DBK
    code; *reply_p (if not NULL) receives the reply. */
static inline int s_add (dbk_client_t *c, const uint8_t *id, const char *name, int64_t n,
                         dbk_doc_t **reply_p)
{
    uint8_t fresh[DBK_ID_SIZE];
    if (!id) {
        dbk_uuid_v7 (fresh);
        id = fresh;
    }
    dbk_wr_t *w = dbk_client_begin (c, "ADD", 4);
    dbk_wr_cstr (w, "cmd");
    dbk_wr_bin (w, id, DBK_ID_SIZE);
    dbk_wr_kv_cstr (w, "actor", "user:ann");
    dbk_wr_kv_cstr (w, "name", name);
    dbk_wr_kv_i64 (w, "n", n);
    dbk_doc_t *reply = NULL;
    int rc = dbk_client_call (c, &reply);
    if (reply_p)
        *reply_p = reply;
    else
        dbk_doc_destroy (&reply);
    return rc;
}

/*  The total of a name through GET; -1 if unknown, -2 on failure. */
static inline int64_t s_total (dbk_client_t *c, const char *name)
{
    dbk_wr_t *w = dbk_client_begin (c, "GET", 1);
    dbk_wr_kv_cstr (w, "name", name);
    dbk_doc_t *reply = NULL;
    int rc = dbk_client_call (c, &reply);
    uint64_t total = 0;
    int64_t out = rc == DBK_ENOTFOUND ? -1 : -2;
    if (rc == 0 && dbk_obj_u64 (dbk_obj_get (dbk_doc_root (reply), "total"), &total) == 0)
        out = (int64_t) total;
    dbk_doc_destroy (&reply);
    return out;
}

static inline uint64_t s_u64 (dbk_doc_t *doc, const char *key)
{
    uint64_t v = UINT64_MAX;
    dbk_obj_u64 (dbk_obj_get (dbk_doc_root (doc), key), &v);
    return v;
}

static inline const char *s_str (dbk_doc_t *doc, const char *key, char *buf, size_t bufsz)
{
    const char *s = "";
    size_t n = 0;
    dbk_obj_str (dbk_obj_get (dbk_doc_root (doc), key), &s, &n);
    snprintf (buf, bufsz, "%.*s", (int) n, s);
    return buf;
}

static inline dbk_doc_t *s_call0 (dbk_client_t *c, const char *op, int *rc)
{
    dbk_client_begin (c, op, 0);
    dbk_doc_t *reply = NULL;
    *rc = dbk_client_call (c, &reply);
    return reply;
}

static inline int64_t s_log_head (void)
{
    dbk_client_t *lc = dbk_client_new (s_log.log_ep, 5000);
    int64_t h = tl_head (lc);
    dbk_client_destroy (&lc);
    return h;
}

static inline uint64_t s_counter (dbk_client_t *c, const char *name)
{
    dbk_client_begin (c, "STATUS", 0);
    dbk_doc_t *st = NULL;
    uint64_t v = UINT64_MAX;
    if (dbk_client_call (c, &st) == 0)
        dbk_obj_u64 (dbk_obj_get (dbk_obj_get (dbk_doc_root (st), "counters"), name), &v);
    dbk_doc_destroy (&st);
    return v;
}

static inline dbk_doc_t *s_status (dbk_client_t *c)
{
    int rc;
    dbk_doc_t *st = s_call0 (c, "STATUS", &rc);
    cr_assert_eq (rc, 0);
    return st;
}

#endif
