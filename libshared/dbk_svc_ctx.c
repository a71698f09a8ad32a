/*  dbk_svc_ctx.c - what a handler asks of the service shell through its
    context (dbk_service.h): the service's databases and settings, the
    request's actor and command id, the event being projected, stream
    versions, the expected version of a decision, and rejections. */
#include "dbk_svc_internal.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

MDB_dbi dbk_svc_dbi (dbk_svc_ctx_t *ctx, const char *name)
{
    dbk_svci_t *self = ctx->svc;
    /*  handlers pass the definition's own constants: their addresses
        match before any text is compared */
    for (size_t i = 0; i < self->ndbs; i++)
        if (self->def->dbs[i] == name)
            return self->dbis[i];
    for (size_t i = 0; i < self->ndbs; i++)
        if (streq (self->def->dbs[i], name))
            return self->dbis[i];
    assert (!"dbk_svc_dbi: the service definition lists no such database");
    return 0;
}

bool dbk_svc_tagged_get (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *db, char tag, const char *id,
                         void *out, size_t size)
{
    char key[256];
    size_t n = id ? strlen (id) : 0;
    if (n == 0 || n >= sizeof key)
        return false;
    key[0] = tag;
    memcpy (key + 1, id, n);
    MDB_val k = {n + 1, key}, v;
    if (mdb_get (txn, dbk_svc_dbi (ctx, db), &k, &v) || v.mv_size != size)
        return false;
    memcpy (out, v.mv_data, size);
    return true;
}

int dbk_svc_stream_version (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *stream, uint64_t *ver)
{
    /*  a projection asking: the batch's versions are still deferred */
    if (ctx->projecting && ctx->txn) {
        int rc = dbk_svci_later_flush (ctx->svc, ctx->txn);
        if (rc)
            return rc;
    }
    return dbk_svci_version_get (ctx->svc, txn, stream, strlen (stream), ver);
}

void dbk_svc_expect (dbk_svc_ctx_t *ctx, const char *stream, int64_t expect)
{
    assert (ctx->cmd);
    for (size_t i = 0; i < ctx->nexpect; i++)
        if (streq (ctx->expect[i].stream, stream)) {
            ctx->expect[i].expect = expect;
            return;
        }
    assert (ctx->nexpect < DBK_SVC_MAX_STREAMS && strlen (stream) <= DBK_STREAM_MAX);
    snprintf (ctx->expect[ctx->nexpect].stream, sizeof ctx->expect[0].stream, "%s", stream);
    ctx->expect[ctx->nexpect++].expect = expect;
}

const char *dbk_svc_actor (const dbk_svc_ctx_t *ctx)
{
    return ctx->actor;
}

const dbk_config_t *dbk_svc_config (const dbk_svc_ctx_t *ctx)
{
    return &ctx->svc->cfg;
}

const void *dbk_svc_state (const dbk_svc_ctx_t *ctx)
{
    return ctx->svc->state;
}

uint32_t dbk_svc_settings (const dbk_svc_ctx_t *ctx)
{
    return ctx->svc->settings;
}

bool dbk_svc_is_manager (const dbk_config_t *cfg, const char *actor)
{
    return dbk_svc_in_list (cfg->managers, actor);
}

bool dbk_svc_in_list (const char *list, const char *actor)
{
    size_t n = actor ? strlen (actor) : 0;
    for (const char *p = list; n && *p;) {
        const char *end = strchr (p, ',');
        size_t len = end ? (size_t) (end - p) : strlen (p);
        /*  names may be padded: "zhao, qian" */
        const char *s = p;
        while (len && *s == ' ')
            s++, len--;
        while (len && s[len - 1] == ' ')
            len--;
        if (len == n && memcmp (s, actor, n) == 0)
            return true;
        p = end ? end + 1 : p + strlen (p);
    }
    return false;
}

const uint8_t *dbk_svc_command_id (const dbk_svc_ctx_t *ctx)
{
    return ctx->cmd_id;
}

const dbk_obj_t *dbk_svc_data (dbk_svc_ctx_t *ctx, const dbk_event_t *ev)
{
    if (ev->data)
        return ev->data;
    if (!ctx->data_doc && ev->data_raw &&
        dbk_doc_parse (ev->data_raw, ev->data_raw_len, &ctx->data_doc) != 0)
        return NULL;
    const dbk_obj_t *root = ctx->data_doc ? dbk_doc_root (ctx->data_doc) : NULL;
    return dbk_obj_type (root) == DBK_T_MAP ? root : NULL;
}

const void *dbk_svc_data_raw (dbk_svc_ctx_t *ctx, size_t *len)
{
    *len = 0;
    if (!ctx->ev || !ctx->ev->data_raw || !dbk_svc_data (ctx, ctx->ev))
        return NULL;
    *len = ctx->ev->data_raw_len;
    return ctx->ev->data_raw;
}

int dbk_svc_reject (dbk_svc_ctx_t *ctx, int code, const char *field, const char *fmt, ...)
{
    assert (code < 0);
    ctx->code = code;
    snprintf (ctx->field, sizeof ctx->field, "%s", field ? field : "");
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (ctx->msg, sizeof ctx->msg, fmt, ap);
    va_end (ap);
    return code;
}

int dbk_svc_parse_id (const dbk_obj_t *o, uint8_t id[DBK_ID_SIZE])
{
    const uint8_t *b;
    const char *s;
    size_t n;
    if (dbk_obj_bin (o, &b, &n) == 0) {
        if (n != DBK_ID_SIZE)
            return DBK_EINVAL;
        memcpy (id, b, DBK_ID_SIZE);
        return 0;
    }
    if (dbk_obj_str (o, &s, &n) == 0)
        return dbk_uuid_parse (s, n, id);
    return DBK_EINVAL;
}
