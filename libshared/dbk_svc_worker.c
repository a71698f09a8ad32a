/*  dbk_svc_worker.c - the shell's worker thread: the query requests the
    def says take long (dbk_service_def_t.offload: an as-of replay of the
    whole log) run there, one at a time, without a read transaction,
    while the service's loop goes on applying events and serving
    every other request.

    Only the loop's thread touches the ROUTER: it hands the worker a job
    (the request, moved, and a writer for the handler's answer) through
    an inproc pipe, and sends the answer when the job comes back. */
#include "dbk_svc_internal.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_fds.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct dbk_svci_job {
    dbk_req_t req;            /* the request (owned: moved from the loop) */
    const dbk_svc_query_t *q; /* its handler                              */
    dbk_wr_t *body;           /* the handler's answer                     */
    dbk_svc_ctx_t ctx;        /* its rejection, if any                    */
    int rc;                   /* the handler's return                     */
    bool background;          /* def->background: no request, no answer   */
};

static void s_job_destroy (dbk_svci_job_t **job_p)
{
    if (job_p && *job_p) {
        dbk_req_release (&(*job_p)->req);
        dbk_wr_destroy (&(*job_p)->body);
        free (*job_p);
        *job_p = NULL;
    }
}

/*  No read transaction: an offloaded handler works from elsewhere (an
    as-of replay builds its own book), and a snapshot held for the length
    of a replay would keep every page the loop frees meanwhile (a REBUILD
    rewrites them all) from being reused. */
static void s_run (dbk_svci_t *self, dbk_svci_job_t *job)
{
    job->ctx = (dbk_svc_ctx_t){.svc = self};
    if (atomic_load (&self->stopping)) {
        job->rc = dbk_svc_reject (&job->ctx, DBK_EINTERRUPTED, NULL, "the service is stopping");
        return;
    }
    if (job->background)
        job->rc = self->def->background (&job->ctx);
    else
        job->rc = job->q->fn (&job->ctx, NULL, job->req.root, job->body);
}

/*  The worker thread: jobs in, the same jobs out, until $TERM. */
static void s_worker (void *pipe, void *args)
{
    dbk_svci_t *self = args;
    zsock_signal (pipe, 0);
    while (true) {
        char *cmd = NULL;
        void *job = NULL;
        if (zsock_recv (pipe, "sp", &cmd, &job)) {
            if (errno == EINTR)
                continue; /* a signal: the jobs are still there */
            break;        /* the context is terminated */
        }
        bool term = !cmd || streq (cmd, "$TERM");
        zstr_free (&cmd);
        if (term)
            break;
        if (job) {
            s_run (self, job);
            zsock_send (pipe, "sp", "DONE", job);
        }
    }
}

/*  Start the worker thread if it is not yet. When it cannot start, a
    sentence saying why (out of file descriptors: its pipe takes two) goes
    into why, and false. */
static bool s_worker_up (dbk_svci_t *self, char *why, size_t size)
{
    if (!self->worker)
        self->worker = dbk_actor_new (s_worker, self);
    if (self->worker)
        return true;
    int err = errno;
    if (dbk_fds_exhausted (err))
        dbk_fds_why (why, size);
    else if (err == EAGAIN)
        snprintf (why, size, "no thread could start");
    else
        snprintf (why, size, "out of memory");
    errno = err;
    return false;
}

void dbk_svci_background (dbk_svci_t *self)
{
    const dbk_service_def_t *def = self->def;
    int64_t now = zclock_mono ();
    if (!def->background || !def->background_due || self->offloaded ||
        now < self->background_next || atomic_load (&self->stopping))
        return;
    self->background_next = now + 1000;
    if (!self->sub || dbk_svci_head (self) > dbk_svci_ready (self))
        return; /* catching up: later */
    dbk_svc_ctx_t ctx = {.svc = self};
    if (!def->background_due (&ctx, self->applied))
        return;
    char why[80] = "out of memory";
    dbk_svci_job_t *job = calloc (1, sizeof *job);
    if (!job || !s_worker_up (self, why, sizeof why)) {
        free (job);
        dbk_logf (&self->log, DBK_LOG_WARNING, "cannot start the background work: %s", why);
        return;
    }
    job->background = true;
    if (zsock_send (dbk_actor_pipe (self->worker), "sp", "JOB", job)) {
        free (job);
        return;
    }
    self->offloaded++;
}

bool dbk_svci_offload (dbk_svci_t *self, dbk_req_t *req, const dbk_svc_query_t *q)
{
    if (!self->def->offload || !self->def->offload (q->verb, req->root))
        return false;
    if (self->offloaded >= DBK_SVC_OFFLOAD_MAX) {
        char msg[160];
        snprintf (msg, sizeof msg, "%zu long queries are running or waiting; retry later",
                  self->offloaded);
        dbk_proto_send_error (self->router, req, self->wr, DBK_EBUSY, msg, NULL);
        return true;
    }
    char why[80];
    if (!s_worker_up (self, why, sizeof why)) {
        /*  a passing state (connections come and go): BUSY, retry later */
        bool busy = errno != ENOMEM;
        char msg[200];
        snprintf (msg, sizeof msg, "the service cannot start its worker thread: %s%s", why,
                  busy ? "; retry later" : "");
        dbk_logf (&self->log, DBK_LOG_WARNING, "%.*s: %s", (int) req->op_len, req->op, msg);
        dbk_proto_send_error (self->router, req, self->wr, busy ? DBK_EBUSY : DBK_ENOMEM, msg,
                              NULL);
        return true;
    }
    dbk_svci_job_t *job = calloc (1, sizeof *job);
    if (job)
        job->body = dbk_wr_new ();
    if (!job || !job->body) {
        s_job_destroy (&job);
        dbk_proto_send_error (self->router, req, self->wr, DBK_ENOMEM, "out of memory", NULL);
        return true;
    }
    job->req = *req; /* moved: the loop's release of req frees nothing */
    memset (req, 0, sizeof *req);
    job->q = q;
    if (zsock_send (dbk_actor_pipe (self->worker), "sp", "JOB", job)) {
        *req = job->req;
        memset (&job->req, 0, sizeof job->req);
        s_job_destroy (&job);
        dbk_proto_send_error (self->router, req, self->wr, DBK_EIO,
                              "cannot hand the query to the worker thread", NULL);
        return true;
    }
    self->offloaded++;
    return true;
}

void dbk_svci_offload_done (dbk_svci_t *self)
{
    char *cmd = NULL;
    void *p = NULL;
    if (zsock_recv (dbk_actor_pipe (self->worker), "sp", &cmd, &p)) {
        if (errno != EINTR)
            self->offloaded = 0; /* the context is terminated: nothing comes back */
        return;                  /* a signal: the job comes back later */
    }
    zstr_free (&cmd);
    dbk_svci_job_t *job = p;
    if (!job)
        return;
    self->offloaded--;
    if (job->background) {
        if (job->rc && job->rc != DBK_EINTERRUPTED)
            dbk_logf (&self->log, DBK_LOG_WARNING, "background work: %s",
                      job->ctx.code == job->rc && job->ctx.msg[0] ? job->ctx.msg
                                                                  : dbk_strerror (job->rc));
    } else if (job->rc) {
        const dbk_svc_ctx_t *c = &job->ctx;
        dbk_proto_send_error (self->router, &job->req, self->wr, job->rc,
                              c->code == job->rc && c->msg[0] ? c->msg : dbk_strerror (job->rc),
                              c->code == job->rc && c->field[0] ? c->field : NULL);
    } else {
        self->count.queries++;
        dbk_svci_send_body (self, &job->req, job->body);
    }
    s_job_destroy (&job);
}

void dbk_svci_worker_stop (dbk_svci_t *self)
{
    if (!self->worker)
        return;
    atomic_store (&self->stopping, true); /* the running job returns early */
    while (self->offloaded)               /* and the waiting ones at once */
        dbk_svci_offload_done (self);
    dbk_actor_destroy (&self->worker); /* joins the thread: it is out of its job */
}

bool dbk_svc_cancelled (const dbk_svc_ctx_t *ctx)
{
    return atomic_load (&ctx->svc->stopping);
}
