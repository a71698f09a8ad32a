/*  forecasting_store.c - the book's store (forecasting.h, fc_store_t) on
    the service's LMDB read model: one named database per table, used
    through the transaction of the projection or the query at hand. */
#include "forecasting_server.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"

#include <string.h>

const char *const forecasting_dbs[] = {"fc_meta",     "fc_deal", "fc_cell",       "fc_quota",
                                       "fc_forecast", "fc_snap", "fc_competitor", NULL};

static MDB_dbi s_dbi (forecasting_lmdb_t *s, fc_table_t t)
{
    return dbk_svc_dbi (s->ctx, forecasting_dbs[t]);
}

static int s_get (void *ctx, fc_table_t t, const void *key, size_t klen, void *val, size_t cap,
                  size_t *vlen)
{
    forecasting_lmdb_t *s = ctx;
    MDB_val k = {klen, (void *) key}, v;
    int rc = mdb_get (s->txn, s_dbi (s, t), &k, &v);
    if (rc)
        return rc == MDB_NOTFOUND ? DBK_ENOTFOUND : DBK_EIO;
    *vlen = v.mv_size;
    if (v.mv_size > cap)
        return DBK_ETOOBIG;
    memcpy (val, v.mv_data, v.mv_size);
    return 0;
}

static int s_put (void *ctx, fc_table_t t, const void *key, size_t klen, const void *val,
                  size_t vlen)
{
    forecasting_lmdb_t *s = ctx;
    if (s->readonly)
        return DBK_EIO;
    MDB_val k = {klen, (void *) key}, v = {vlen, (void *) val};
    return dbk_lmdb_err (mdb_put (s->txn, s_dbi (s, t), &k, &v, 0));
}

static int s_del (void *ctx, fc_table_t t, const void *key, size_t klen)
{
    forecasting_lmdb_t *s = ctx;
    if (s->readonly)
        return DBK_EIO;
    MDB_val k = {klen, (void *) key};
    int rc = mdb_del (s->txn, s_dbi (s, t), &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : dbk_lmdb_err (rc);
}

static int s_scan (void *ctx, fc_table_t t, const void *prefix, size_t plen, fc_scan_fn *fn,
                   void *arg)
{
    forecasting_lmdb_t *s = ctx;
    MDB_cursor *cur;
    if (mdb_cursor_open (s->txn, s_dbi (s, t), &cur))
        return DBK_EIO;
    MDB_val k = {plen, (void *) prefix}, v;
    int rc = 0;
    for (int r = mdb_cursor_get (cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
         r == 0 && rc == 0 && k.mv_size >= plen && memcmp (k.mv_data, prefix, plen) == 0;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT))
        rc = fn (arg, k.mv_data, k.mv_size, v.mv_data, v.mv_size);
    mdb_cursor_close (cur);
    return rc;
}

void forecasting_lmdb_init (forecasting_lmdb_t *s, dbk_svc_ctx_t *ctx, MDB_txn *txn, bool readonly)
{
    s->ctx = ctx;
    s->txn = txn;
    s->readonly = readonly;
    s->store = (fc_store_t){s, s_get, s_put, s_del, s_scan};
}
