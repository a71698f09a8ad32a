/*  dbk_svc_park.c - the requests the service shell parks while they wait
    for the read model (`waits`: dbk_service.c serves them), and the bound
    on what they hold.

    A parked request keeps its parsed body for up to 2 x timeout_ms, and
    a body costs up to 24 bytes an element once unpacked (dbk_doc_cost):
    a flood of them sent without waiting for answers, each with an
    after_seq the model has not reached, would hold gigabytes and slow
    every other client down. So a request that is to wait for the first
    time is refused BUSY at once past DBK_SVC_PARKED_MAX requests or
    DBK_SVC_PARKED_BYTES of parked bodies, as the event log bounds the
    APPENDs it gathers. What was accepted keeps its place: a command
    parked again (its turn came, or a conflict), or one whose events are
    appended, which must be answered once they are applied.
*/
#include "dbk_svc_internal.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_mem.h"

#include <stdio.h>
#include <string.h>

static void s_wait_destroy (dbk_svci_wait_t **w_p)
{
    if (w_p && *w_p) {
        dbk_req_release (&(*w_p)->req);
        free (*w_p);
        *w_p = NULL;
    }
}

void dbk_svci_waits_free (dbk_svci_t *self)
{
    for (size_t i = 0; i < self->nwaits; i++) {
        if (self->router)
            dbk_proto_send_error (self->router, &self->waits[i]->req, self->wr, DBK_EINTERRUPTED,
                                  "the service is stopping", NULL);
        s_wait_destroy (&self->waits[i]);
    }
    free (self->waits);
    self->waits = NULL;
    self->nwaits = self->capwaits = 0;
    self->parked_bytes = 0;
}

/*  Waiting commands are decided first come, first served: the others
    keep their order. */
void dbk_svci_wait_remove (dbk_svci_t *self, size_t i)
{
    self->parked_bytes -= self->waits[i]->cost;
    s_wait_destroy (&self->waits[i]);
    memmove (&self->waits[i], &self->waits[i + 1], (self->nwaits - i - 1) * sizeof *self->waits);
    self->nwaits--;
    if (self->parked_full && self->nwaits <= DBK_SVC_PARKED_MAX / 2 &&
        self->parked_bytes <= DBK_SVC_PARKED_BYTES / 2) {
        self->parked_full = false;
        dbk_logf (&self->log, DBK_LOG_INFO,
                  "requests waiting are well below the bound again (%zu, %zu KiB)", self->nwaits,
                  self->parked_bytes >> 10);
    }
}

/*  Answer req BUSY: the waits are full. */
static void s_refuse_full (dbk_svci_t *self, const dbk_req_t *req, size_t cost)
{
    char msg[400];
    snprintf (msg, sizeof msg,
              "too many requests wait in the %s service (%zu, holding %zu KiB; at most %d, "
              "%u MiB): this one (%zu KiB) would wait for the read model (after_seq, or a "
              "command behind others); nothing was done: retry later",
              self->def->name, self->nwaits, self->parked_bytes >> 10, DBK_SVC_PARKED_MAX,
              DBK_SVC_PARKED_BYTES >> 20, cost >> 10);
    dbk_proto_send_error (self->router, req, self->wr, DBK_EBUSY, msg, NULL);
    if (!self->parked_full) {
        self->parked_full = true;
        dbk_logf (&self->log, DBK_LOG_WARNING,
                  "%zu requests wait, holding %zu KiB: new ones that would wait are answered "
                  "BUSY (at most %d, %u MiB)",
                  self->nwaits, self->parked_bytes >> 10, DBK_SVC_PARKED_MAX,
                  DBK_SVC_PARKED_BYTES >> 20);
    }
}

dbk_svci_wait_t *dbk_svci_park (dbk_svci_t *self, dbk_req_t *req, s_wait_kind_t kind, bool bounded)
{
    size_t cost = sizeof (dbk_svci_wait_t) + dbk_doc_cost (req->doc);
    if (bounded &&
        (self->nwaits >= DBK_SVC_PARKED_MAX || self->parked_bytes + cost > DBK_SVC_PARKED_BYTES)) {
        s_refuse_full (self, req, cost);
        return NULL;
    }
    dbk_svci_wait_t *w = NULL;
    if (dbk_grow (&self->waits, &self->capwaits, self->nwaits + 1, sizeof *self->waits, 16) ||
        !(w = calloc (1, sizeof *w))) {
        dbk_proto_send_error (self->router, req, self->wr, DBK_ENOMEM, NULL, NULL);
        return NULL;
    }
    w->kind = kind;
    w->req = *req; /* the request is the wait's now */
    memset (req, 0, sizeof *req);
    w->cost = cost;
    w->started = zclock_mono ();
    /*  the read model normally applies an appended event within a few ms;
        twice the client timeout covers a log that is slow to publish */
    w->deadline = w->started + 2 * (int64_t) self->cfg.timeout_ms;
    if (self->repark_deadline) {
        /*  a command parked again keeps its time: waiting behind others
            does not make it wait for ever */
        w->started = self->repark_started;
        w->deadline = self->repark_deadline;
    }
    w->pass = self->wait_pass;
    self->waits[self->nwaits++] = w;
    self->parked_bytes += cost;
    return w;
}

dbk_svci_wait_t *dbk_svci_find_wait (dbk_svci_t *self, const uint8_t id[DBK_ID_SIZE])
{
    for (size_t i = 0; i < self->nwaits; i++)
        if (self->waits[i]->kind != S_WAIT_REBUILD && self->waits[i]->kind != S_WAIT_AFTER &&
            memcmp (self->waits[i]->cmd_id, id, DBK_ID_SIZE) == 0)
            return self->waits[i];
    return NULL;
}

bool dbk_svci_after_seq (dbk_svci_t *self, const dbk_req_t *req, uint64_t *after_seq)
{
    *after_seq = 0;
    const dbk_obj_t *after = dbk_obj_get (req->root, "after_seq");
    if (after && dbk_obj_u64 (after, after_seq) != 0) {
        dbk_proto_send_error (self->router, req, self->wr, DBK_EINVAL,
                              "after_seq must be a log position (an unsigned integer)",
                              "after_seq");
        return false;
    }
    /*  judged only while the log is followed: then the head is at most a
        heartbeat old (a stale one must not refuse a real position) */
    uint64_t head = dbk_svci_head (self);
    if (self->head_known && !self->last_sub_error && *after_seq > head &&
        *after_seq - head > DBK_SVC_AFTER_AHEAD) {
        char msg[300];
        snprintf (msg, sizeof msg,
                  "after_seq %llu lies beyond the event log's head (seq %llu): pass a position "
                  "the log or a service answered (a last_seq); nothing was done",
                  (unsigned long long) *after_seq, (unsigned long long) head);
        dbk_proto_send_error (self->router, req, self->wr, DBK_EINVAL, msg, "after_seq");
        return false;
    }
    return true;
}
