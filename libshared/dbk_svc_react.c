/*  dbk_svc_react.c - the shell's appends: the decision of a command or of
    a reaction goes to the log in one APPEND (dbk_svci_append_send, its
    answer taken by dbk_svci_append_answer); and the
    reactions themselves (def->react, the process managers of DESIGN §2b):
    events of the types a service reacts to are remembered in $pending as
    they are applied, and once the model has caught up with the log each
    is handed to def->react. Its events carry cause = the triggering
    event's id, which the shell's $commands table records when they come
    back from the log: a trigger whose id is already a cause there has
    been reacted to (before a restart, a REBUILD, a deleted data
    directory) and is dropped, so replaying the log never reacts twice.
*/
#include "dbk_svc_internal.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/*  Send the decision in one APPEND, one group per stream (in the order
    the streams first appear), each with its expected version. */
int dbk_svci_append_send (dbk_svci_t *self, dbk_svc_ctx_t *ctx, MDB_txn *txn,
                          const dbk_obj_t *corr_o, char *msg, size_t msgsz)
{
    assert (!dbk_svci_appending (self)); /* one at a time */
    dbk_decision_t *d = self->decision;
    size_t n = dbk_decision_count (d);
    const char *streams[DBK_SVC_MAX_STREAMS];
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = dbk_decision_stream (d, i);
        size_t j = 0;
        while (j < ns && !streq (streams[j], s))
            j++;
        if (j == ns) {
            if (ns == DBK_SVC_MAX_STREAMS) {
                snprintf (msg, msgsz, "the command decided events for too many streams");
                return DBK_ETOOBIG;
            }
            if (!dbk_svci_owns (self->def, s, strlen (s))) {
                /*  only the owner appends to a category (DESIGN §3) */
                snprintf (msg, msgsz, "internal error: %s does not own stream %s", self->def->name,
                          s);
                return DBK_EINVAL;
            }
            streams[ns++] = s;
        }
    }
    uint8_t corr[DBK_ID_SIZE];
    if (!corr_o || dbk_svc_parse_id (corr_o, corr) != 0)
        memcpy (corr, ctx->cmd_id, DBK_ID_SIZE);
    dbk_wr_t *w = dbk_client_begin (self->client, "APPEND", 1);
    dbk_wr_cstr (w, "streams");
    dbk_wr_array (w, (uint32_t) ns);
    int64_t now = dbk_now_ms ();
    for (size_t j = 0; j < ns; j++) {
        int64_t expect = DBK_EXPECT_ANY;
        bool stated = false;
        for (size_t k = 0; k < ctx->nexpect && !stated; k++)
            if (streq (ctx->expect[k].stream, streams[j])) {
                expect = ctx->expect[k].expect;
                stated = true;
            }
        if (!stated) {
            uint64_t ver = 0;
            int rc = dbk_svci_version_get (self, txn, streams[j], strlen (streams[j]), &ver);
            if (rc) {
                snprintf (msg, msgsz, "cannot read the read model: %s", dbk_strerror (rc));
                return rc;
            }
            expect = (int64_t) ver;
        }
        size_t count = 0;
        for (size_t i = 0; i < n; i++)
            count += streq (dbk_decision_stream (d, i), streams[j]);
        dbk_wr_map (w, 3);
        dbk_wr_kv_cstr (w, "stream", streams[j]);
        dbk_wr_cstr (w, "expect");
        dbk_proto_write_expect (w, expect);
        dbk_wr_cstr (w, "events");
        dbk_wr_array (w, (uint32_t) count);
        for (size_t i = 0; i < n; i++) {
            if (!streq (dbk_decision_stream (d, i), streams[j]))
                continue;
            dbk_event_t ev = {.at = now, .schema = 1, .has_corr = true, .has_cause = true};
            dbk_uuid_v7 (ev.id);
            memcpy (ev.corr, corr, DBK_ID_SIZE);
            memcpy (ev.cause, ctx->cmd_id, DBK_ID_SIZE);
            ev.type = dbk_decision_type (d, i);
            ev.type_len = strlen (ev.type);
            ev.actor = ctx->actor;
            ev.actor_len = strlen (ctx->actor);
            dbk_decision_data (d, i, &ev.data_raw, &ev.data_raw_len);
            dbk_event_write_proposed (w, &ev);
        }
    }
    /*  the client's writer keeps the request until the answer: sent
        again from there when it is kept as unsure */
    if (dbk_client_send (self->client) != 0) {
        /*  not queued (the socket's queue is full): nothing was sent */
        snprintf (msg, msgsz, "cannot send to the event log at %s: %s; nothing was appended",
                  self->cfg.log_endpoint, dbk_client_errmsg (self->client));
        return DBK_ETIMEOUT;
    }
    self->sent = (dbk_svci_sent_t){
        .on = true, .nstreams = ns, .nevents = n, .due = zclock_mono () + self->cfg.timeout_ms};
    return 0;
}

bool dbk_svci_append_answer (dbk_svci_t *self, int *rc_out, dbk_svci_result_t *res,
                             char *stream_out, uint64_t *current, char *msg, size_t msgsz)
{
    dbk_svci_sent_t *sent = &self->sent;
    dbk_doc_t *reply = NULL;
    int rc = dbk_client_wait_ms (self->client, &reply, 0);
    if (!reply && zclock_mono () < sent->due)
        return false; /* not yet */
    if (!reply)
        rc = DBK_ETIMEOUT;
    sent->on = false;
    size_t ns = sent->nstreams, n = sent->nevents;
    const dbk_obj_t *root = dbk_doc_root (reply);
    if (rc == 0) {
        const dbk_obj_t *results = dbk_obj_get (root, "results");
        *res = (dbk_svci_result_t){.first = UINT64_MAX, .count = n};
        for (size_t j = 0; j < dbk_obj_len (results); j++) {
            uint64_t fs, ls;
            const dbk_obj_t *r = dbk_obj_at (results, j);
            if (dbk_obj_u64 (dbk_obj_get (r, "first_seq"), &fs) ||
                dbk_obj_u64 (dbk_obj_get (r, "last_seq"), &ls)) {
                rc = DBK_EMALFORMED;
                break;
            }
            res->first = fs < res->first ? fs : res->first;
            res->last = ls > res->last ? ls : res->last;
        }
        if (rc || dbk_obj_len (results) != ns) {
            /*  stored, but where is not known: as unsure as no answer (a
                copy sent again is answered duplicate, with positions) */
            snprintf (msg, msgsz,
                      "the event log answered APPEND OK with positions that cannot be read; the "
                      "service sends the same events again until it can tell where they are, "
                      "and decides other commands only then; retry with the same command id");
            dbk_svci_unsure_keep (self, dbk_client_writer (self->client), DBK_EMALFORMED);
            /*  to the command, as a log that did not answer: MALFORMED
                would say its own request was bad (protocol.md §5) */
            rc = DBK_ETIMEOUT;
        }
    } else if (rc == DBK_ECONFLICT) {
        const char *s = NULL;
        size_t sl = 0;
        *current = 0;
        dbk_obj_u64 (dbk_obj_get (root, "current"), current);
        if (dbk_obj_str (dbk_obj_get (root, "stream"), &s, &sl) || sl > DBK_STREAM_MAX)
            sl = 0;
        memcpy (stream_out, s ? s : "", sl);
        stream_out[sl] = 0;
    } else if (rc == DBK_ETIMEOUT) {
        snprintf (msg, msgsz,
                  "the event log at %s did not answer in %d ms; nothing is known to be "
                  "appended yet: the service sends the same events again until the log answers "
                  "(stored once at most) and decides other commands only then; retry with the "
                  "same command id, never a new one",
                  self->cfg.log_endpoint, self->cfg.timeout_ms);
        /*  what reached the log (a log slow or stopped, not gone) may
            still be committed: kept, sent again until the log says
            (dbk_svc_unsure.c). A DEALER would deliver the unanswered
            APPEND later, when nobody waits for it any more: a new socket
            (linger 0) drops what it has not sent. */
        dbk_svci_unsure_keep (self, dbk_client_writer (self->client), DBK_ETIMEOUT);
        dbk_client_t *fresh = dbk_client_new (self->cfg.log_endpoint, self->cfg.timeout_ms);
        if (fresh) {
            dbk_client_destroy (&self->client);
            self->client = fresh;
        }
        rc = DBK_ETIMEOUT;
    } else if (rc == DBK_EIO) {
        /*  the log went on without them, but the failed write may have
            reached its disk and show after its restart: as unsure as no
            answer, so kept and sent again until the log says (a copy
            stored answers duplicate); the command id settles it for the
            client (a retry finds the command applied) */
        snprintf (msg, msgsz,
                  "the event log could not store the events (a storage error: the disk failed "
                  "its commit); they may still appear: the service sends them again until the "
                  "log answers, and decides other commands only then; retry with the same "
                  "command id");
        dbk_svci_unsure_keep (self, dbk_client_writer (self->client), DBK_EIO);
    } else
        snprintf (msg, msgsz, "the event log refused the events: %s",
                  dbk_client_errmsg (self->client));
    dbk_doc_destroy (&reply);
    *rc_out = rc;
    return true;
}

/*  ---- reactions ---- */

static bool s_reacts_to (const dbk_service_def_t *def, const char *type, size_t n)
{
    for (const char *const *t = def->react_types; t && *t; t++)
        if (strlen (*t) == n && memcmp (*t, type, n) == 0)
            return true;
    return false;
}

int dbk_svci_pending_put (dbk_svci_t *self, MDB_txn *txn, const dbk_event_t *ev)
{
    if (!s_reacts_to (self->def, ev->type, ev->type_len))
        return 0;
    /*  what the reaction needs of the event: {id, seq, stream, type, at,
        data} (data as the log holds it) */
    dbk_wr_t *w = dbk_wr_new ();
    if (!w)
        return DBK_ENOMEM;
    dbk_wr_map (w, 6);
    dbk_wr_cstr (w, "id");
    dbk_wr_bin (w, ev->id, DBK_ID_SIZE);
    dbk_wr_kv_u64 (w, "seq", ev->seq);
    dbk_wr_cstr (w, "stream");
    dbk_wr_str (w, ev->stream, ev->stream_len);
    dbk_wr_cstr (w, "type");
    dbk_wr_str (w, ev->type, ev->type_len);
    dbk_wr_kv_i64 (w, "at", ev->at);
    dbk_wr_cstr (w, "data");
    if (ev->data_raw) /* as the log holds it: no encoding again */
        dbk_wr_raw (w, ev->data_raw, ev->data_raw_len);
    else if (ev->data)
        dbk_wr_obj (w, ev->data);
    else
        dbk_wr_map (w, 0);
    uint8_t key[8];
    dbk_be64_put (key, ev->seq);
    MDB_val k = {8, key}, v = {dbk_wr_size (w), (void *) dbk_wr_data (w)};
    int rc = dbk_lmdb_err (mdb_put (txn, self->own[S_PENDING], &k, &v, 0));
    dbk_wr_destroy (&w);
    return rc;
}

/*  Forget the pending trigger of key k (its reaction is done or refused). */
static void s_pending_del (dbk_svci_t *self, const uint8_t key[8])
{
    MDB_txn *txn;
    if (mdb_txn_begin (self->env, NULL, 0, &txn))
        return;
    MDB_val k = {8, (void *) key};
    int rc = mdb_del (txn, self->own[S_PENDING], &k, NULL);
    if (rc && rc != MDB_NOTFOUND)
        mdb_txn_abort (txn);
    else if (mdb_txn_commit (txn))
        self->react_after = zclock_mono () + 1000; /* try again later */
}

/*  The first pending trigger, parsed into ev (borrowing from *doc_p).
    false when there is none (or it cannot be read: then it is dropped). */
static bool s_pending_first (dbk_svci_t *self, MDB_txn *txn, uint8_t key[8], dbk_doc_t **doc_p,
                             dbk_event_t *ev)
{
    MDB_cursor *cur;
    MDB_val k, v;
    if (mdb_cursor_open (txn, self->own[S_PENDING], &cur))
        return false;
    int rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    mdb_cursor_close (cur);
    if (rc || k.mv_size != 8)
        return false;
    memcpy (key, k.mv_data, 8);
    const uint8_t *id;
    size_t idn;
    *ev = (dbk_event_t){0};
    const dbk_obj_t *m;
    if (dbk_doc_parse (v.mv_data, v.mv_size, doc_p) ||
        dbk_obj_bin (dbk_obj_get (m = dbk_doc_root (*doc_p), "id"), &id, &idn) ||
        idn != DBK_ID_SIZE || dbk_obj_u64 (dbk_obj_get (m, "seq"), &ev->seq) ||
        dbk_obj_str (dbk_obj_get (m, "stream"), &ev->stream, &ev->stream_len) ||
        dbk_obj_str (dbk_obj_get (m, "type"), &ev->type, &ev->type_len) ||
        dbk_obj_i64 (dbk_obj_get (m, "at"), &ev->at) ||
        dbk_obj_type (ev->data = dbk_obj_get (m, "data")) != DBK_T_MAP) {
        dbk_logf (&self->log, DBK_LOG_ERROR, "an unreadable pending reaction: dropped");
        dbk_doc_destroy (doc_p);
        s_pending_del (self, key);
        return false;
    }
    memcpy (ev->id, id, DBK_ID_SIZE);
    return true;
}

bool dbk_svci_react (dbk_svci_t *self)
{
    self->react_waiting = false;
    if (!self->def->react || self->rebuilding || zclock_mono () < self->react_after ||
        dbk_svci_stuck (self, NULL, 0) || !self->head_known)
        return false; /* not now: backing off, or stuck */
    /*  behind the log, the last reaction in flight, or a command's events
        on their way: the reaction waits, and so do commands meanwhile
        (react_waiting), or a steady flow of them would keep it waiting */
    bool behind = dbk_svci_head (self) > dbk_svci_ready (self) || self->react_seq > self->applied ||
                  dbk_svci_unapplied (self) || dbk_svci_appending (self);
    MDB_txn *txn;
    if (mdb_txn_begin (self->env, NULL, MDB_RDONLY, &txn))
        return false;
    uint8_t key[8];
    dbk_doc_t *doc = NULL;
    dbk_event_t ev;
    if (!s_pending_first (self, txn, key, &doc, &ev)) {
        mdb_txn_abort (txn);
        return false;
    }
    if (behind) {
        self->react_waiting = true;
        mdb_txn_abort (txn);
        dbk_doc_destroy (&doc);
        return false;
    }
    dbk_svci_result_t res;
    bool more = true;
    char actor[48], msg[600] = "";
    snprintf (actor, sizeof actor, "svc:%s", self->def->name);
    dbk_svc_ctx_t ctx = {.svc = self, .cmd = true, .cmd_id = ev.id, .actor = actor};
    dbk_decision_t *d = self->decision;
    dbk_decision_reset (d);
    int rc = 0;
    if (dbk_svci_command_get (self, txn, ev.id, &res) == 0)
        s_pending_del (self, key); /* its reaction is in the log already */
    else if ((rc = self->def->react (&ctx, txn, &ev, d)) != 0 || dbk_decision_rejected (d)) {
        dbk_logf (&self->log, DBK_LOG_WARNING, "no reaction to seq %llu (%.*s): %s",
                  (unsigned long long) ev.seq, (int) ev.type_len, ev.type,
                  rc ? dbk_strerror (rc) : dbk_decision_message (d));
        s_pending_del (self, key);
    } else if (dbk_decision_count (d) == 0)
        s_pending_del (self, key);
    else if (dbk_svci_unapplied (self))
        more = false; /* decided again once the model holds our last append */
    else {
        rc = dbk_svci_append_send (self, &ctx, txn, NULL, msg, sizeof msg);
        self->sent.reaction = true;
        self->sent.trigger = ev.seq;
        if (rc)
            dbk_svci_react_done (self, rc, NULL, msg);
        more = false; /* the next once this one is answered and applied */
    }
    mdb_txn_abort (txn);
    dbk_doc_destroy (&doc);
    return more;
}

void dbk_svci_react_done (dbk_svci_t *self, int rc, const dbk_svci_result_t *res, const char *msg)
{
    if (rc == 0) {
        /*  the trigger goes once these events are applied: their cause
            is its id then */
        dbk_svci_appended (self, res->last);
        self->react_seq = res->last;
        self->reactions++;
        return;
    }
    if (rc != DBK_ECONFLICT)
        dbk_logf (&self->log, DBK_LOG_WARNING, "reaction to seq %llu: %s",
                  (unsigned long long) self->sent.trigger, msg);
    /*  a conflict: decide again once the model caught up */
    self->react_after = zclock_mono () + (rc == DBK_ECONFLICT ? 20 : 1000);
}
