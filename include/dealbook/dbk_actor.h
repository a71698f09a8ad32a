/*  dbk_actor.h - a thread joined to its owner by a pipe, as CZMQ's
    zactor, but made so that running out of file descriptors is an error
    to answer rather than an abort: zactor_new asserts when libzmq cannot
    make the pipe (dbk_sock.h). The threads started while a process
    serves (an event log job, a service's worker) are these; the actors a
    binary starts with (dbk_main) are zactors.
*/
#ifndef DBK_ACTOR_H
#define DBK_ACTOR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dbk_actor dbk_actor_t;

/*  The thread's body: pipe is its end (a libzmq socket, dbk_sock.h). */
typedef void (dbk_actor_fn) (void *pipe, void *args);

/*  Run fn (pipe, args) in a new thread. As with zactor_new, fn must
    first zsock_signal (pipe, 0), which this waits for, and must return
    on "$TERM" or on a failed receive (the context is ending). Returns
    the actor, the caller's (dbk_actor_destroy), or NULL with errno:
    EMFILE or ENFILE (out of file descriptors: the pipe takes two), EAGAIN
    (no thread could start), ENOMEM. */
dbk_actor_t *dbk_actor_new (dbk_actor_fn *fn, void *args);

/*  Send "$TERM", wait for fn to return, close the pipe, and set *self_p
    to NULL. Safe when it is NULL. */
void dbk_actor_destroy (dbk_actor_t **self_p);

/*  The owner's end of the pipe (a libzmq socket), borrowed until
    dbk_actor_destroy: poll it, send to and receive from the thread. */
void *dbk_actor_pipe (dbk_actor_t *self);

#ifdef __cplusplus
}
#endif
#endif
