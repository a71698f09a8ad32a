/*  dbk_svc_status.c - STATUS, the built-in verb every domain service
    answers (docs/protocol.md §16): the shell's keys (where the read model
    stands against the log, why it cannot follow it or be written, the
    counters), then the service's own. */
#include "dbk_svc_internal.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_config.h"

#include <czmq.h>

void dbk_svci_status (dbk_svci_t *self, dbk_req_t *req)
{
    dbk_wr_reset (self->body);
    uint64_t head = dbk_svci_head (self);
    dbk_wr_t *b = self->body;
    if (self->def->status) {
        MDB_txn *txn;
        dbk_svc_ctx_t ctx = {.svc = self};
        if (mdb_txn_begin (self->env, NULL, MDB_RDONLY, &txn) == 0) {
            if (self->def->status (&ctx, txn, b) != 0)
                dbk_wr_reset (b);
            mdb_txn_abort (txn);
        }
    }
    /*  merge: the shell's keys, then the service's (parsed back) */
    dbk_doc_t *extra = NULL;
    const dbk_obj_t *em = NULL;
    if (dbk_wr_size (b) && dbk_doc_parse (dbk_wr_data (b), dbk_wr_size (b), &extra) == 0 &&
        dbk_obj_type (dbk_doc_root (extra)) == DBK_T_MAP)
        em = dbk_doc_root (extra);
    dbk_wr_t *w = self->wr;
    /*  the triggers whose reaction is not applied yet (dbk_svc_react.c):
        0 once every reaction is decided and its events are in the model */
    uint64_t pending = 0;
    MDB_txn *rt;
    MDB_stat ps;
    if (mdb_txn_begin (self->env, NULL, MDB_RDONLY, &rt) == 0) {
        if (mdb_stat (rt, self->own[S_PENDING], &ps) == 0)
            pending = ps.ms_entries;
        mdb_txn_abort (rt);
    }
    dbk_proto_reply_begin (w, req->rid, true, 13 + (uint32_t) dbk_obj_len (em));
    dbk_wr_kv_cstr (w, "service", self->def->name);
    dbk_wr_kv_cstr (w, "version", DBK_VERSION);
    dbk_wr_kv_u64 (w, "uptime_ms", (uint64_t) (zclock_mono () - self->started));
    dbk_wr_kv_u64 (w, "seq_applied", self->applied);
    dbk_wr_kv_u64 (w, "head", head);
    dbk_wr_kv_u64 (w, "lag", head > self->applied ? head - self->applied : 0);
    dbk_wr_kv_bool (w, "rebuilding", self->rebuilding);
    /*  parked, and the command whose APPEND is on its way */
    dbk_wr_kv_u64 (w, "waiting", self->nwaits + (self->sent.on && !self->sent.reaction));
    dbk_wr_kv_u64 (w, "background", self->offloaded);
    dbk_wr_kv_u64 (w, "reactions_pending", pending);
    /*  why the read model cannot be written (a full disk), or cannot go
        on past an event (DBK_SVC_APPLY_TRIES failures), or nil */
    dbk_wr_cstr (w, "model_error");
    if (self->model_err)
        dbk_wr_cstr (w, dbk_strerror (self->model_err));
    else if (self->apply_err)
        dbk_wr_cstr (w, self->apply_why);
    else
        dbk_wr_nil (w);
    char why[1600];
    dbk_wr_cstr (w, "log_error"); /* why the log cannot be followed, or nil */
    if (dbk_svci_log_error (self, why, sizeof why))
        dbk_wr_cstr (w, why);
    else
        dbk_wr_nil (w);
    dbk_wr_cstr (w, "counters");
    dbk_wr_map (w, 8);
    dbk_wr_kv_u64 (w, "commands", self->count.commands);
    dbk_wr_kv_u64 (w, "duplicates", self->count.duplicates);
    dbk_wr_kv_u64 (w, "rejected", self->count.rejected);
    dbk_wr_kv_u64 (w, "conflicts", self->count.conflicts);
    dbk_wr_kv_u64 (w, "queries", self->count.queries);
    dbk_wr_kv_u64 (w, "events", self->count.events);
    dbk_wr_kv_u64 (w, "skipped", self->count.skipped);
    dbk_wr_kv_u64 (w, "reactions", self->reactions);
    for (size_t i = 0; i < dbk_obj_len (em); i++) {
        dbk_wr_obj (w, dbk_obj_key_at (em, i));
        dbk_wr_obj (w, dbk_obj_val_at (em, i));
    }
    dbk_proto_send (self->router, req, w);
    dbk_doc_destroy (&extra);
}
