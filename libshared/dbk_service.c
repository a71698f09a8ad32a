/*  dbk_service.c - the domain service shell: the actor, its loop, the
    built-in verbs, and the life of a command (decide, append, wait for
    the read model, reply). The read model half is dbk_svc_model.c.

    The loop polls the pipe, the ROUTER and the SUB socket. Requests that
    must wait for the read model (a command whose events are appended, a
    command to retry after a conflict, a REBUILD) are parked in `waits`
    and looked at again each time events were applied or a deadline
    passed, so one slow command never stops the others nor the
    projection.
*/
#include "dbk_svc_internal.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_fds.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_sock.h"
#include "dealbook/dbk_mem.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

/*  ---- lifecycle ---- */

static void s_sent_free (dbk_svci_t *self);

static void s_self_destroy (dbk_svci_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    dbk_svci_t *self = *self_p;
    s_sent_free (self); /* first: its answer may park a reply */
    dbk_svci_waits_free (self);
    dbk_svci_unsure_free (self);
    dbk_svci_worker_stop (self); /* before the ROUTER and the model go */
    dbk_svci_later_free (self);
    dbk_svci_causes_free (self);
    dbk_sub_destroy (&self->sub);
    dbk_client_destroy (&self->client);
    dbk_decision_destroy (&self->decision);
    dbk_sock_close (&self->router);
    dbk_svci_flush_join (self);
    dbk_svci_model_close (self);
    if (self->state && self->def->teardown)
        self->def->teardown (self->state); /* after the worker: nothing reads it now */
    dbk_wr_destroy (&self->wr);
    dbk_wr_destroy (&self->body);
    free (self);
    *self_p = NULL;
}

int dbk_service_endpoint (const dbk_config_t *cfg, const char *name, char *out, size_t outsz)
{
    const char *ep = streq (name, "contacts")        ? cfg->contacts_endpoint
                     : streq (name, "opportunities") ? cfg->opportunities_endpoint
                     : streq (name, "bidding")       ? cfg->bidding_endpoint
                     : streq (name, "forecasting")   ? cfg->forecasting_endpoint
                                                     : NULL;
    int n = ep ? snprintf (out, outsz, "%s", ep)
               : snprintf (out, outsz, "ipc://%s/%s.ipc", cfg->data_dir, name);
    return n < 0 || (size_t) n >= outsz ? DBK_ETOOBIG : 0;
}

static bool s_def_valid (const dbk_service_def_t *def)
{
    if (!def || !def->name || !def->name[0] || strlen (def->name) >= 32 || !def->project)
        return false;
    static const char *const builtin[] = {"STATUS", "PING", "REBUILD"};
    for (const dbk_svc_command_t *c = def->commands; c && c->verb; c++)
        for (size_t i = 0; i < 3; i++)
            if (!c->fn || streq (c->verb, builtin[i]))
                return false;
    for (const dbk_svc_query_t *q = def->queries; q && q->verb; q++)
        for (size_t i = 0; i < 3; i++)
            if (!q->fn || streq (q->verb, builtin[i]))
                return false;
    return true;
}

static dbk_svci_t *s_self_new (zsock_t *pipe, const dbk_service_def_t *def, const dbk_config_t *cfg,
                               char *why, size_t whysz, int *rc_out)
{
    *rc_out = DBK_EINVAL;
    if (!s_def_valid (def) || !cfg) {
        snprintf (why, whysz, "invalid service definition (name, project, verbs)");
        return NULL;
    }
    dbk_svci_t *self = calloc (1, sizeof *self);
    if (!self) {
        *rc_out = DBK_ENOMEM;
        snprintf (why, whysz, "out of memory");
        return NULL;
    }
    self->def = def;
    self->cfg = *cfg;
    self->pipe = pipe;
    self->lock_fd = -1;
    self->started = zclock_mono ();
    dbk_logger_init (&self->log, def->name, cfg->log_level);
    self->wr = dbk_wr_new ();
    self->body = dbk_wr_new ();
    self->decision = dbk_decision_new ();
    if (sodium_init () < 0 || !self->wr || !self->body || !self->decision) {
        *rc_out = DBK_ENOMEM;
        snprintf (why, whysz, "out of memory");
        s_self_destroy (&self);
        return NULL;
    }
    if (def->setup &&
        (*rc_out = def->setup (cfg, &self->state, &self->settings, why, whysz)) != 0) {
        s_self_destroy (&self);
        return NULL;
    }
    char dir[1100];
    if (dbk_config_service_dir (cfg, def->name, dir, sizeof dir) != 0 ||
        dbk_service_endpoint (cfg, def->name, self->endpoint, sizeof self->endpoint) != 0) {
        *rc_out = DBK_ETOOBIG;
        snprintf (why, whysz, "data directory name too long");
        s_self_destroy (&self);
        return NULL;
    }
    if ((*rc_out = dbk_svci_model_start (self, dir, why, whysz)) != 0) {
        s_self_destroy (&self);
        return NULL;
    }
    dbk_svci_unsure_load (self, true, why, whysz);
    dbk_sockcfg_t rcfg = {.type = ZMQ_ROUTER,
                          .endpoint = self->endpoint,
                          .bind = true,
                          .rcvhwm = DBK_ROUTER_RCVHWM,
                          .sndhwm = DBK_ROUTER_SNDHWM,
                          .maxmsgsize = 2 * (int64_t) DBK_FRAME_MAX};
    self->router = dbk_sock_open (&rcfg);
    if (!self->router) {
        *rc_out = DBK_EIO;
        snprintf (why, whysz, "cannot bind %s: %s", self->endpoint, zmq_strerror (errno));
        s_self_destroy (&self);
        return NULL;
    }
    zsock_set_rcvtimeo (self->router, 0);
    self->client = dbk_client_new (cfg->log_endpoint, cfg->timeout_ms);
    if (!self->client || dbk_svci_sub_restart (self) != 0) {
        *rc_out = DBK_EINVAL;
        if (dbk_fds_exhausted (errno)) {
            char fds[80];
            dbk_fds_why (fds, sizeof fds);
            snprintf (why, whysz, "cannot connect to the event log: %s", fds);
        } else
            snprintf (why, whysz, "cannot use the log endpoints %s / %s", cfg->log_endpoint,
                      cfg->pub_endpoint);
        s_self_destroy (&self);
        return NULL;
    }
    dbk_logf (&self->log, DBK_LOG_INFO, "serving %s, read model %s at seq %llu", self->endpoint,
              dir, (unsigned long long) self->applied);
    *rc_out = 0;
    return self;
}

/*  ---- replies ---- */

/*  Send OK with the pairs of the one map in body (a handler's output).
    The body is re-parsed: a handler that wrote
    something else than one map is a programmer error reported as
    ERROR STORAGE rather than a malformed reply. */
void dbk_svci_send_body (dbk_svci_t *self, const dbk_req_t *req, dbk_wr_t *body)
{
    dbk_doc_t *doc = NULL;
    const dbk_obj_t *root = NULL;
    if (dbk_wr_size (body) == 0)
        dbk_wr_map (body, 0);
    if (dbk_doc_parse (dbk_wr_data (body), dbk_wr_size (body), &doc) != 0 ||
        dbk_obj_type (root = dbk_doc_root (doc)) != DBK_T_MAP) {
        dbk_doc_destroy (&doc);
        dbk_logf (&self->log, DBK_LOG_ERROR, "a handler of %.*s wrote no map", (int) req->op_len,
                  req->op);
        dbk_proto_send_error (self->router, req, self->wr, DBK_EIO,
                              "internal error: the handler's answer is not a map", NULL);
        return;
    }
    size_t n = dbk_obj_len (root);
    dbk_proto_reply_begin (self->wr, req->rid, true, (uint32_t) n);
    for (size_t i = 0; i < n; i++) {
        dbk_wr_obj (self->wr, dbk_obj_key_at (root, i));
        dbk_wr_obj (self->wr, dbk_obj_val_at (root, i));
    }
    dbk_proto_send (self->router, req, self->wr);
    dbk_doc_destroy (&doc);
}

static void s_reply_command (dbk_svci_t *self, dbk_svci_wait_t *w)
{
    dbk_wr_t *o = self->wr;
    dbk_proto_reply_begin (o, w->req.rid, true, 5);
    dbk_wr_cstr (o, "cmd");
    dbk_wr_bin (o, w->cmd_id, DBK_ID_SIZE);
    dbk_wr_kv_u64 (o, "events", w->res.count);
    dbk_wr_kv_u64 (o, "first_seq", w->res.first);
    dbk_wr_kv_u64 (o, "last_seq", w->res.last);
    dbk_wr_kv_bool (o, "duplicate", w->duplicate);
    dbk_proto_send (self->router, &w->req, o);
    self->count.commands++;
    self->count.duplicates += w->duplicate;
}

/*  ---- commands ---- */

/*  Answer req at once while the read model is stuck (dbk_svci_stuck: a
    full disk, the log down): it would wait for a model that does not
    move. w: the request's wait (NULL: a command not decided yet), which
    says what became of it. */
static void s_refuse_stuck (dbk_svci_t *self, dbk_req_t *req, const dbk_svci_wait_t *w)
{
    char msg[2000], why[1600];
    int code = dbk_svci_stuck (self, why, sizeof why);
    const char *field = NULL;
    if (w && w->kind == S_WAIT_REPLY)
        snprintf (msg, sizeof msg,
                  "the events are appended (seq %llu..%llu) but the read model cannot apply "
                  "them: %s; retry with the same command id later",
                  (unsigned long long) w->res.first, (unsigned long long) w->res.last, why);
    else if (w && w->kind == S_WAIT_AFTER) {
        snprintf (msg, sizeof msg,
                  "%s; the read model has applied the log up to seq %llu, not up to after_seq "
                  "%llu; nothing was done: retry later",
                  why, (unsigned long long) self->applied, (unsigned long long) w->seq);
        field = "after_seq";
    } else
        snprintf (msg, sizeof msg, "%s; nothing was appended: retry later", why);
    dbk_proto_send_error (self->router, req, self->wr, code, msg, field);
}

static void s_command (dbk_svci_t *self, dbk_req_t *req, const dbk_svc_command_t *c, int attempts,
                       int64_t conflicted, bool synced);

/*  Answer a command id that is known already: from the read model, or
    from a request of it that is still waiting. Returns true if answered
    (or parked), false if the id is new. */
static bool s_known_command (dbk_svci_t *self, dbk_req_t *req, const uint8_t id[DBK_ID_SIZE],
                             MDB_txn *txn)
{
    dbk_svci_wait_t *other = dbk_svci_find_wait (self, id);
    if (other && other->kind == S_WAIT_RETRY) {
        /*  not decided yet, so there is no answer to share: the other
            request waits for an earlier append of this service to be
            applied, for the catch-up with the log, or to decide again
            after a conflict */
        dbk_proto_send_error (self->router, req, self->wr, DBK_EBUSY,
                              "another request with this command id is waiting to be decided; "
                              "ask again once it is answered",
                              "cmd");
        return true;
    }
    dbk_svci_result_t res;
    if (other)
        res = other->res;
    else if (dbk_svci_command_get (self, txn, id, &res) != 0)
        return false;
    dbk_svci_wait_t *w = dbk_svci_park (self, req, S_WAIT_REPLY, !self->repark_deadline);
    if (!w)
        return true;
    memcpy (w->cmd_id, id, DBK_ID_SIZE);
    w->res = res;
    w->seq = res.last;
    w->duplicate = true;
    return true;
}

/*  attempts: handler runs that conflicted so far, the first at mono ms
    conflicted (0: none); synced: the request has waited once for the
    read model already (it is not parked again to catch up, so that a busy
    log cannot keep it waiting for ever). */
static void s_command (dbk_svci_t *self, dbk_req_t *req, const dbk_svc_command_t *c, int attempts,
                       int64_t conflicted, bool synced)
{
    const dbk_obj_t *root = req->root;
    uint8_t id[DBK_ID_SIZE];
    if (dbk_svc_parse_id (dbk_obj_get (root, "cmd"), id) != 0) {
        dbk_proto_send_error (self->router, req, self->wr, DBK_EINVAL,
                              "cmd must be the command id: 16 bytes or a UUID string", "cmd");
        return;
    }
    const char *actor;
    size_t alen;
    char actor_z[DBK_ACTOR_MAX + 1];
    if (dbk_obj_str (dbk_obj_get (root, "actor"), &actor, &alen) || alen == 0 ||
        alen > DBK_ACTOR_MAX || memchr (actor, 0, alen)) {
        dbk_proto_send_error (self->router, req, self->wr, DBK_EINVAL,
                              "actor must name who gives the command (1 to 200 bytes)", "actor");
        return;
    }
    memcpy (actor_z, actor, alen);
    actor_z[alen] = 0;
    const dbk_obj_t *corr_o = dbk_obj_get (root, "corr");
    uint8_t corr[DBK_ID_SIZE];
    if (corr_o && dbk_svc_parse_id (corr_o, corr) != 0) {
        dbk_proto_send_error (self->router, req, self->wr, DBK_EINVAL,
                              "corr must be a correlation id: 16 bytes or a UUID string", "corr");
        return;
    }
    uint64_t head = dbk_svci_head (self), own = dbk_svci_unapplied (self);
    if ((!synced && (head > dbk_svci_ready (self) || !self->head_known)) || own ||
        self->react_waiting || dbk_svci_appending (self)) {
        /*  behind the log (starting, catching up), or not knowing yet how
            far it goes: a decision now could miss a reference or a
            command id the log already holds. Or this shell's last append
            is not in the model yet (dbk_svci_unapplied), or not known to
            be in the log or not (dbk_svci_appending): decided once it is,
            without spending an attempt. A reaction waiting for its turn
            goes first. */
        dbk_svci_wait_t *w = dbk_svci_park (self, req, S_WAIT_RETRY, !self->repark_deadline);
        if (!w)
            return;
        memcpy (w->cmd_id, id, DBK_ID_SIZE);
        /*  the head, once it is known */
        w->seq = !self->head_known ? UINT64_MAX : own > head ? own : head;
        w->attempts = attempts;
        w->conflicted = conflicted;
        return;
    }
    MDB_txn *txn;
    int rc = mdb_txn_begin (self->env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        dbk_proto_send_error (self->router, req, self->wr, dbk_lmdb_err (rc),
                              "cannot read the read model", NULL);
        return;
    }
    if (s_known_command (self, req, id, txn)) {
        mdb_txn_abort (txn);
        return;
    }
    if (dbk_svci_stuck (self, NULL, 0)) {
        mdb_txn_abort (txn);
        s_refuse_stuck (self, req, NULL);
        return;
    }
    dbk_svc_ctx_t *ctx = calloc (1, sizeof *ctx);
    if (!ctx) {
        mdb_txn_abort (txn);
        dbk_proto_send_error (self->router, req, self->wr, DBK_ENOMEM, NULL, NULL);
        return;
    }
    *ctx = (dbk_svc_ctx_t){.svc = self, .cmd = true, .cmd_id = id, .actor = actor_z};
    dbk_decision_t *d = self->decision;
    dbk_decision_reset (d);
    rc = c->fn (ctx, txn, root, d);
    char msg[600] = "";
    if (rc) {
        mdb_txn_abort (txn);
        free (ctx);
        snprintf (msg, sizeof msg, "the command failed: %s", dbk_strerror (rc));
        dbk_proto_send_error (self->router, req, self->wr, rc, msg, NULL);
        return;
    }
    if (dbk_decision_rejected (d)) {
        mdb_txn_abort (txn);
        free (ctx);
        self->count.rejected++;
        dbk_logf (&self->log, DBK_LOG_DEBUG, "%.*s by %s refused (%s, field %s): %s",
                  (int) req->op_len, req->op, actor_z, dbk_err_wire_name (dbk_decision_code (d)),
                  dbk_decision_field (d) ? dbk_decision_field (d) : "none",
                  dbk_decision_message (d));
        dbk_proto_send_error (self->router, req, self->wr, dbk_decision_code (d),
                              dbk_decision_message (d), dbk_decision_field (d));
        return;
    }
    dbk_svci_result_t res = {0};
    if (dbk_decision_count (d) == 0) {
        /*  nothing to change: answered at once, and nothing remembered
            (no event carries the id), so a retry decides again */
        mdb_txn_abort (txn);
        free (ctx);
        dbk_svci_wait_t w = {.req = *req, .res = res};
        memcpy (w.cmd_id, id, DBK_ID_SIZE);
        s_reply_command (self, &w);
        return;
    }
    rc = dbk_svci_append_send (self, ctx, txn, corr_o, msg, sizeof msg);
    mdb_txn_abort (txn);
    free (ctx);
    if (rc) {
        dbk_logf (&self->log, DBK_LOG_WARNING, "%.*s: %s", (int) req->op_len, req->op, msg);
        dbk_proto_send_error (self->router, req, self->wr, rc, msg, NULL);
        return;
    }
    /*  answered when the log's is in (s_command_answered): the loop
        serves queries meanwhile */
    dbk_svci_sent_t *sent = &self->sent;
    sent->req = *req; /* the request is the APPEND's now */
    memset (req, 0, sizeof *req);
    memcpy (sent->cmd_id, id, DBK_ID_SIZE);
    snprintf (sent->actor, sizeof sent->actor, "%s", actor_z);
    sent->attempts = attempts;
    sent->conflicted = conflicted;
    sent->started = self->repark_deadline ? self->repark_started : 0;
    sent->deadline = self->repark_deadline;
}

/*  The log answered the command's APPEND (self->sent), or did not in
    time: park it to be answered once its events are applied, decide it
    again after a conflict, or answer the error. */
static void s_command_answered (dbk_svci_t *self, int rc, const dbk_svci_result_t *res,
                                const char *stream, uint64_t current, const char *msg)
{
    dbk_svci_sent_t *sent = &self->sent;
    dbk_req_t *req = &sent->req;
    int attempts = sent->attempts;
    int64_t conflicted = sent->conflicted;
    self->count.conflicts += rc == DBK_ECONFLICT;
    int64_t now = zclock_mono ();
    if (rc == DBK_ECONFLICT && !conflicted)
        conflicted = now;
    /*  a command parked before keeps its time (dbk_svci_park) */
    self->repark_started = sent->started;
    self->repark_deadline = sent->deadline;
    /*  another writer keeps winning: decided again while the budget lasts
        (it stops, or is slower at times), not for ever */
    if (rc == DBK_ECONFLICT && attempts + 1 < DBK_SVC_RETRIES &&
        now - conflicted < 2 * (int64_t) self->cfg.timeout_ms) {
        dbk_svci_wait_t *w = dbk_svci_park (self, req, S_WAIT_RETRY, false);
        if (!w)
            return;
        memcpy (w->cmd_id, sent->cmd_id, DBK_ID_SIZE);
        snprintf (w->stream, sizeof w->stream, "%s", stream);
        w->ver = current;
        w->attempts = attempts + 1;
        w->conflicted = conflicted;
        w->deadline = now + self->cfg.timeout_ms;
        return;
    }
    if (rc == DBK_ECONFLICT) {
        char m[600];
        snprintf (m, sizeof m, "stream %s kept changing; %d attempts in %lld ms conflicted", stream,
                  attempts + 1, (long long) (now - conflicted));
        dbk_proto_send_error (self->router, req, self->wr, rc, m, NULL);
        return;
    }
    if (rc) {
        dbk_logf (&self->log, DBK_LOG_WARNING, "%.*s: %s", (int) req->op_len, req->op, msg);
        dbk_proto_send_error (self->router, req, self->wr, rc, msg, NULL);
        return;
    }
    dbk_svci_appended (self, res->last); /* NO_MEMORY below: still appended */
    dbk_svci_wait_t *w = dbk_svci_park (self, req, S_WAIT_REPLY, false);
    if (!w)
        return;
    memcpy (w->cmd_id, sent->cmd_id, DBK_ID_SIZE);
    w->res = *res;
    w->seq = res->last;
    dbk_logf (&self->log, DBK_LOG_DEBUG, "%.*s by %s: %llu events appended, seq %llu..%llu",
              (int) w->req.op_len, w->req.op, sent->actor, (unsigned long long) res->count,
              (unsigned long long) res->first, (unsigned long long) res->last);
}

/*  Take the log's answer to the APPEND on its way, if it is in (or its
    time is up), and go on with what sent it. */
static void s_sent_poll (dbk_svci_t *self)
{
    if (!self->sent.on)
        return;
    int rc = 0;
    dbk_svci_result_t res = {0};
    char stream[DBK_STREAM_MAX + 1] = "", msg[600] = "";
    uint64_t current = 0;
    if (!dbk_svci_append_answer (self, &rc, &res, stream, &current, msg, sizeof msg))
        return;
    if (self->sent.reaction)
        dbk_svci_react_done (self, rc, &res, msg);
    else {
        s_command_answered (self, rc, &res, stream, current, msg);
        self->repark_deadline = 0;
        dbk_req_release (&self->sent.req); /* parked, or answered */
    }
}

/*  The service stops with an APPEND on its way: its command is answered
    (whether it is stored is not known). */
static void s_sent_free (dbk_svci_t *self)
{
    dbk_svci_sent_t *sent = &self->sent;
    s_sent_poll (self); /* an answer already there settles it */
    if (!sent->on)
        return;
    /*  kept as unsure: dbk_svci_unsure_free writes it for the next start */
    dbk_svci_unsure_keep (self, dbk_client_writer (self->client), DBK_EINTERRUPTED);
    if (!sent->reaction && self->router)
        dbk_proto_send_error (self->router, &sent->req, self->wr, DBK_EINTERRUPTED,
                              "the service is stopping before the event log answered; the events "
                              "may be stored: retry with the same command id",
                              NULL);
    dbk_req_release (&sent->req);
    sent->on = false;
}

static void s_dispatch (dbk_svci_t *self, dbk_req_t *req);

/*  Look at every waiting request: answer, retry or give up. */
static void s_serve_waits (dbk_svci_t *self)
{
    int64_t now = zclock_mono ();
    MDB_txn *txn = NULL;
    size_t i = 0;
    /*  a request parked again in this pass is looked at in the next one:
        one pass never loops on a command that waits for its turn */
    uint64_t pass = ++self->wait_pass;
    while (i < self->nwaits) {
        dbk_svci_wait_t *w = self->waits[i];
        bool done = false;
        if (w->pass == pass) {
            i++;
            continue;
        }
        if (w->kind == S_WAIT_AFTER) {
            if (dbk_svci_ready (self) >= w->seq) {
                if (txn) { /* a retry's, above: the request opens its own */
                    mdb_txn_abort (txn);
                    txn = NULL;
                }
                dbk_req_t req = w->req;
                memset (&w->req, 0, sizeof w->req);
                dbk_svci_wait_remove (self, i);
                s_dispatch (self, &req);
                dbk_req_release (&req);
                continue; /* waits[i] is another one now (or a new one at the end) */
            }
            if (dbk_svci_stuck (self, NULL, 0)) {
                s_refuse_stuck (self, &w->req, w);
                done = true;
            } else if (now >= w->deadline) {
                char msg[300];
                snprintf (msg, sizeof msg,
                          "the read model has applied the log up to seq %llu, not yet up to "
                          "after_seq %llu; nothing was done: retry later",
                          (unsigned long long) self->applied, (unsigned long long) w->seq);
                dbk_proto_send_error (self->router, &w->req, self->wr, DBK_ETIMEOUT, msg,
                                      "after_seq");
                done = true;
            }
        } else if (w->kind == S_WAIT_REPLY || w->kind == S_WAIT_REBUILD) {
            /*  a REBUILD replays up to the head known at the request, or
                the log's own head once the new subscriber heard it, when
                lower (a log restored from an older copy) */
            uint64_t want = w->seq;
            if (w->kind == S_WAIT_REBUILD) {
                uint64_t h = dbk_svci_head (self);
                want = !self->head_known ? UINT64_MAX : h < want ? h : want;
            }
            if (dbk_svci_ready (self) >= want) {
                if (w->kind == S_WAIT_REPLY)
                    s_reply_command (self, w);
                else {
                    self->rebuilding = false;
                    dbk_proto_reply_begin (self->wr, w->req.rid, true, 2);
                    dbk_wr_kv_u64 (self->wr, "seq_applied", self->applied);
                    dbk_wr_kv_u64 (self->wr, "elapsed_ms", (uint64_t) (now - w->started));
                    dbk_proto_send (self->router, &w->req, self->wr);
                    dbk_logf (&self->log, DBK_LOG_INFO, "rebuilt to seq %llu in %lld ms",
                              (unsigned long long) self->applied, (long long) (now - w->started));
                }
                done = true;
            } else if (w->kind == S_WAIT_REBUILD && self->apply_err) {
                /*  the replay stopped at an event that fails again and
                    again: it would never reach the head */
                self->rebuilding = false;
                char msg[600];
                snprintf (msg, sizeof msg, "the replay stopped: %s", self->apply_why);
                dbk_proto_send_error (self->router, &w->req, self->wr, self->apply_err, msg, NULL);
                dbk_logf (&self->log, DBK_LOG_ERROR, "REBUILD: %s", msg);
                done = true;
            } else if (w->kind == S_WAIT_REPLY && dbk_svci_stuck (self, NULL, 0)) {
                s_refuse_stuck (self, &w->req, w);
                done = true;
            } else if (w->kind == S_WAIT_REPLY && now >= w->deadline) {
                char msg[300];
                snprintf (msg, sizeof msg,
                          "the events are appended (seq %llu..%llu) but the read model has not "
                          "applied them yet; retry with the same command id",
                          (unsigned long long) w->res.first, (unsigned long long) w->res.last);
                dbk_proto_send_error (self->router, &w->req, self->wr, DBK_ETIMEOUT, msg, NULL);
                done = true;
            }
        } else { /* S_WAIT_RETRY */
            uint64_t ver = 0;
            if (w->seq == UINT64_MAX && self->head_known)
                w->seq = dbk_svci_head (self); /* parked before the log said how far it goes */
            if (w->stream[0] && !txn && mdb_txn_begin (self->env, NULL, MDB_RDONLY, &txn) != 0)
                txn = NULL;
            if (txn && w->stream[0])
                dbk_svci_version_get (self, txn, w->stream, strlen (w->stream), &ver);
            bool ready = ver >= w->ver && dbk_svci_ready (self) >= w->seq && !self->holding &&
                         self->head_known && !dbk_svci_appending (self);
            if (!ready && dbk_svci_stuck (self, NULL, 0)) {
                s_refuse_stuck (self, &w->req, w);
                done = true;
            } else if (!ready && now >= w->deadline) {
                char msg[700] = "the read model did not catch up with the log in time";
                if (dbk_svci_unsure (self))
                    dbk_svci_unsure_why (self, msg, sizeof msg);
                snprintf (msg + strlen (msg), sizeof msg - strlen (msg),
                          "; nothing was appended: retry with the same command id");
                dbk_proto_send_error (self->router, &w->req, self->wr, DBK_ETIMEOUT, msg, NULL);
                done = true;
            } else if (ready) {
                /*  caught up with the version that beat us: decide again */
                if (txn) {
                    mdb_txn_abort (txn);
                    txn = NULL;
                }
                dbk_req_t req = w->req;
                memset (&w->req, 0, sizeof w->req);
                int attempts = w->attempts;
                int64_t conflicted = w->conflicted;
                self->repark_started = w->started;
                self->repark_deadline = w->deadline;
                dbk_svci_wait_remove (self, i);
                const dbk_svc_command_t *c = self->def->commands;
                while (c && c->verb && !dbk_req_is (&req, c->verb))
                    c++;
                s_command (self, &req, c, attempts, conflicted, true);
                self->repark_deadline = 0;
                dbk_req_release (&req);
                continue; /* waits[i] is another one now (or a new one at the end) */
            }
        }
        if (done)
            dbk_svci_wait_remove (self, i);
        else
            i++;
    }
    if (txn)
        mdb_txn_abort (txn);
}

/*  ---- built-in verbs and queries ---- */

static void s_rebuild (dbk_svci_t *self, dbk_req_t *req)
{
    if (self->rebuilding) {
        dbk_proto_send_error (self->router, req, self->wr, DBK_EBUSY,
                              "a REBUILD is running already", NULL);
        return;
    }
    uint64_t target = dbk_svci_head (self);
    int rc = dbk_svci_model_reset (self);
    if (rc) {
        dbk_logf (&self->log, DBK_LOG_ERROR, "REBUILD: %s", dbk_strerror (rc));
        dbk_proto_send_error (self->router, req, self->wr, rc, "cannot empty the read model", NULL);
        return;
    }
    dbk_logf (&self->log, DBK_LOG_INFO, "REBUILD: replaying the log up to seq %llu",
              (unsigned long long) target);
    dbk_svci_wait_t *w = dbk_svci_park (self, req, S_WAIT_REBUILD, false);
    if (!w)
        return;
    w->seq = target;
    w->deadline = INT64_MAX; /* a replay takes as long as the log is long */
    self->rebuilding = true;
}

static void s_query (dbk_svci_t *self, dbk_req_t *req, const dbk_svc_query_t *q)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin (self->env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        dbk_proto_send_error (self->router, req, self->wr, dbk_lmdb_err (rc),
                              "cannot read the read model", NULL);
        return;
    }
    dbk_svc_ctx_t ctx = {.svc = self};
    dbk_wr_reset (self->body);
    rc = q->fn (&ctx, txn, req->root, self->body);
    mdb_txn_abort (txn);
    if (rc) {
        dbk_proto_send_error (self->router, req, self->wr, rc,
                              ctx.code == rc && ctx.msg[0] ? ctx.msg : dbk_strerror (rc),
                              ctx.code == rc && ctx.field[0] ? ctx.field : NULL);
        return;
    }
    self->count.queries++;
    dbk_svci_send_body (self, req, self->body);
}

static void s_unknown (dbk_svci_t *self, dbk_req_t *req)
{
    char msg[600];
    int n = snprintf (msg, sizeof msg, "unknown op %.*s; %s answers",
                      (int) (req->op_len > 40 ? 40 : req->op_len), req->op, self->def->name);
    for (const dbk_svc_command_t *c = self->def->commands; c && c->verb; c++)
        if (n > 0 && (size_t) n < sizeof msg - 40)
            n += snprintf (msg + n, sizeof msg - (size_t) n, " %s", c->verb);
    for (const dbk_svc_query_t *q = self->def->queries; q && q->verb; q++)
        if (n > 0 && (size_t) n < sizeof msg - 40)
            n += snprintf (msg + n, sizeof msg - (size_t) n, " %s", q->verb);
    if (n > 0 && (size_t) n < sizeof msg - 40)
        snprintf (msg + n, sizeof msg - (size_t) n, " STATUS PING REBUILD");
    dbk_proto_send_error (self->router, req, self->wr, DBK_EUNKNOWN_OP, msg, "op");
}

static void s_dispatch (dbk_svci_t *self, dbk_req_t *req)
{
    if (dbk_req_is (req, "PING")) {
        dbk_proto_reply_begin (self->wr, req->rid, true, 0);
        dbk_proto_send (self->router, req, self->wr);
        return;
    }
    if (dbk_req_is (req, "STATUS")) {
        dbk_svci_status (self, req);
        return;
    }
    if (dbk_req_is (req, "REBUILD")) {
        s_rebuild (self, req);
        return;
    }
    const dbk_svc_command_t *c = self->def->commands;
    while (c && c->verb && !dbk_req_is (req, c->verb))
        c++;
    const dbk_svc_query_t *q = self->def->queries;
    while (q && q->verb && !dbk_req_is (req, q->verb))
        q++;
    bool is_cmd = c && c->verb, is_query = q && q->verb;
    if (!is_cmd && !is_query) {
        s_unknown (self, req);
        return;
    }
    if (self->rebuilding) {
        dbk_proto_send_error (self->router, req, self->wr, DBK_EBUSY,
                              "the read model is being rebuilt; retry when STATUS says "
                              "rebuilding: false",
                              NULL);
        return;
    }
    /*  after_seq: a position another service answered (its last_seq);
        the request waits until this read model applied it too */
    uint64_t after_seq;
    if (!dbk_svci_after_seq (self, req, &after_seq))
        return;
    if (after_seq > dbk_svci_ready (self)) {
        dbk_svci_wait_t *w = dbk_svci_park (self, req, S_WAIT_AFTER, true);
        if (w)
            w->seq = after_seq;
        return;
    }
    if (is_cmd)
        s_command (self, req, c, 0, 0, false);
    else if (!dbk_svci_refuse_query (self, req) && !dbk_svci_offload (self, req, q))
        s_query (self, req, q);
}

/*  Handle one request if one is waiting (the ROUTER does not block). */
static bool s_handle_request (dbk_svci_t *self)
{
    dbk_req_t req;
    int rc = dbk_proto_recv (self->router, &req);
    if (rc == DBK_EINTERRUPTED) {
        dbk_req_release (&req);
        return false;
    }
    if (rc) {
        dbk_logf (&self->log, DBK_LOG_WARNING, "refused a request: %s", dbk_strerror (rc));
        dbk_proto_send_refused (self->router, &req, self->wr, rc);
    } else
        s_dispatch (self, &req);
    dbk_req_release (&req);
    return true;
}

static void s_handle_pipe (dbk_svci_t *self)
{
    char *cmd = zstr_recv (self->pipe);
    if (!cmd || streq (cmd, "$TERM"))
        self->terminated = true;
    else if (streq (cmd, "ENDPOINT"))
        zstr_send (self->pipe, self->endpoint);
    zstr_free (&cmd);
}

static long s_poll_timeout (dbk_svci_t *self)
{
    int64_t now = zclock_mono ();
    int64_t until = now + 1000;
    if (self->sub && dbk_sub_pending (self->sub))
        until = self->backoff_until > now ? self->backoff_until : now;
    int64_t rd = self->sub && dbk_sub_awaiting (self->sub) ? dbk_sub_read_deadline (self->sub) : 0;
    if (rd && rd < self->backoff_until)
        rd = self->backoff_until; /* given up only once the backoff is over */
    if (rd && rd < until)
        until = rd; /* a READ the log did not answer */
    for (size_t i = 0; i < self->nwaits; i++)
        if (self->waits[i]->deadline < until)
            until = self->waits[i]->deadline;
    int64_t due = dbk_svci_unsure_due (self); /* an unanswered APPEND: sent again */
    if (due && due < until)
        until = due;
    if (self->sent.on && self->sent.due < until)
        until = self->sent.due; /* no answer to the APPEND on its way: unsure then */
    if (self->def->react && self->react_after > now && self->react_after < until)
        until = self->react_after; /* a reaction backing off after a conflict */
    if (self->holding) {           /* held rows are written once caught up: soon after */
        int64_t h = self->backoff_until > now ? self->backoff_until : now + 50;
        if (h < until)
            until = h;
    }
    if (self->flushing && now + 100 < until) /* a replay's flush: its end, soon after */
        until = now + 100;
    return until > now ? (long) (until - now) : 0;
}

int dbk_service_run (zsock_t *pipe, const dbk_service_def_t *def, const dbk_config_t *cfg)
{
    char why[1400] = "";
    int rc;
    dbk_svci_t *self = s_self_new (pipe, def, cfg, why, sizeof why, &rc);
    zsock_signal (pipe, 0);
    if (!self) {
        zstr_sendf (pipe, "FAILED %s", why);
        char *cmd;
        while ((cmd = zstr_recv (pipe))) {
            bool term = streq (cmd, "$TERM");
            zstr_free (&cmd);
            if (term)
                break;
        }
        return rc;
    }
    zstr_send (pipe, "READY");
    while (!self->terminated) {
        zmq_pollitem_t items[5] = {
            {zsock_resolve (self->pipe), 0, ZMQ_POLLIN, 0},
            {self->router, 0, ZMQ_POLLIN, 0},
        };
        int nitems = 2, i_sub = -1, i_worker = -1;
        /*  while backing off (the log is down, a batch failed) the SUB is
            left out: its waiting messages would wake the loop at once; so
            while a READ's answer is awaited, and its socket is polled */
        if (!self->sub)
            dbk_svci_sub_retry (self); /* out of file descriptors when it was made */
        bool awaiting = self->sub && dbk_sub_awaiting (self->sub);
        if (self->sub && zclock_mono () >= self->backoff_until) {
            i_sub = nitems;
            void *s = awaiting ? dbk_sub_read_socket (self->sub) : dbk_sub_socket (self->sub);
            items[nitems++] = (zmq_pollitem_t){s, 0, ZMQ_POLLIN, 0};
        }
        if (self->worker) {
            i_worker = nitems;
            items[nitems++] = (zmq_pollitem_t){dbk_actor_pipe (self->worker), 0, ZMQ_POLLIN, 0};
        }
        if (dbk_svci_appending (self)) /* the log's answer to our APPEND */
            items[nitems++] = (zmq_pollitem_t){zsock_resolve (dbk_client_socket (self->client)), 0,
                                               ZMQ_POLLIN, 0};
        int n = zmq_poll (items, nitems, s_poll_timeout (self));
        if (n < 0 && errno != EINTR)
            break; /* context terminated */
        if (n > 0 && (items[0].revents & ZMQ_POLLIN))
            s_handle_pipe (self);
        if (n > 0 && i_worker >= 0 && (items[i_worker].revents & ZMQ_POLLIN))
            dbk_svci_offload_done (self);
        if (self->terminated)
            break;
        dbk_svci_flush_poll (self);  /* a replay's flush that has ended: its mark goes */
        s_sent_poll (self);          /* before the waits: they may go on then */
        dbk_svci_unsure_poll (self); /* ... so may these */
        /*  events first: a command decided after them sees more */
        if ((n > 0 && i_sub >= 0 && (items[i_sub].revents & ZMQ_POLLIN)) ||
            (self->sub && dbk_sub_pending (self->sub)) || self->holding ||
            (awaiting && zclock_mono () >= dbk_sub_read_deadline (self->sub) &&
             zclock_mono () >= self->backoff_until))
            while (dbk_svci_apply (self) > 0 && self->apply_more)
                if (zsock_events (self->router) & ZMQ_POLLIN)
                    break; /* a long replay still lets requests in */
        /*  a reaction waiting for its turn, then the waiting requests, then
            the new ones: a command waiting for the model to hold this
            service's last append is decided before one that arrived after
            it (first come, first decided), and a reaction before both */
        if (self->react_waiting)
            dbk_svci_react (self);
        if (self->nwaits)
            s_serve_waits (self);
        if (n > 0 && (items[1].revents & ZMQ_POLLIN))
            for (int k = 0; k < 1000 && s_handle_request (self); k++)
                ;
        if (self->nwaits)
            s_serve_waits (self);
        /*  reactions once caught up; a request arriving meanwhile first */
        while (dbk_svci_react (self) && !(zsock_events (self->router) & ZMQ_POLLIN))
            ;
        dbk_svci_background (self);
    }
    dbk_logf (&self->log, DBK_LOG_INFO, "stopped at seq %llu", (unsigned long long) self->applied);
    s_self_destroy (&self);
    return 0;
}
