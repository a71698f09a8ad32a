/*  dbk_actor.c - a thread and its pipe, failing with errno. */
#include "dealbook/dbk_actor.h"
#include "dealbook/dbk_sock.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct dbk_actor {
    void *pipe;       /* the owner's end                */
    void *theirs;     /* the thread's end               */
    dbk_actor_fn *fn; /* the thread's body              */
    void *args;       /* its argument                   */
    pthread_t thread; /* joined by dbk_actor_destroy    */
};

static void *s_run (void *arg)
{
    dbk_actor_t *self = arg;
    self->fn (self->theirs, self->args);
    return NULL;
}

dbk_actor_t *dbk_actor_new (dbk_actor_fn *fn, void *args)
{
    dbk_actor_t *self = calloc (1, sizeof *self);
    if (!self) {
        errno = ENOMEM;
        return NULL;
    }
    if (dbk_sock_pair (&self->pipe, &self->theirs)) {
        free (self);
        return NULL;
    }
    self->fn = fn;
    self->args = args;
    int rc = pthread_create (&self->thread, NULL, s_run, self);
    if (rc) {
        dbk_sock_close (&self->theirs);
        dbk_sock_close (&self->pipe);
        free (self);
        errno = rc;
        return NULL;
    }
    zsock_wait (self->pipe); /* fn's first signal: it runs */
    return self;
}

void dbk_actor_destroy (dbk_actor_t **self_p)
{
    if (self_p && *self_p) {
        dbk_actor_t *self = *self_p;
        /*  when the context is ending, the send fails and so does fn's
            receive: it returns either way */
        zstr_send (self->pipe, "$TERM");
        pthread_join (self->thread, NULL);
        dbk_sock_close (&self->theirs);
        dbk_sock_close (&self->pipe);
        free (self);
        *self_p = NULL;
    }
}

void *dbk_actor_pipe (dbk_actor_t *self)
{
    return self->pipe;
}
