/*  dbk_sock.h - every ZeroMQ socket of dealbook is made here, from
    configuration, so that transport security (CURVE) lands in one place.

    A socket is a libzmq socket handle (void *), not a CZMQ zsock_t:
    CZMQ 4.2's zsock_new, zsys_create_pipe and zactor_new assert, and so
    abort the whole process, when libzmq cannot make a socket, which is
    what happens to a server out of file descriptors (EMFILE; dbk_fds.h).
    The handle is a CZMQ "polymorphic" reference: zsock_resolve, zmsg_,
    zframe_, zstr_ send and receive, zsock_send / zsock_recv and the
    zsock_set_* / zsock_* option calls take it as they take a zsock_t
    (zsock_bind, zsock_connect, zsock_endpoint and zsock_destroy do not).
*/
#ifndef DBK_SOCK_H
#define DBK_SOCK_H

#include <czmq.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int type;              /* ZMQ_ROUTER, ZMQ_DEALER, ZMQ_PUB, ZMQ_SUB ...  */
    const char *endpoint;  /* tcp://host:port, ipc://path, inproc://name   */
    bool bind;             /* bind (servers) or connect (clients)          */
    int sndhwm;            /* 0 = libzmq default (1000)                    */
    int rcvhwm;            /* 0 = libzmq default                           */
    int sndtimeo_ms;       /* 0 = block (-1 in libzmq terms)               */
    int64_t maxmsgsize;    /* 0 = unlimited; larger messages drop the peer */
    const char *subscribe; /* SUB only: prefix; NULL = everything          */
} dbk_sockcfg_t;

/*  The queues of a server's ROUTER (the event log's, a domain service's),
    per connection, in messages: libzmq has no bound in bytes.
    Replies: past DBK_ROUTER_SNDHWM waiting to be sent, the next ones to
    that connection are dropped (ROUTER_MANDATORY is off: a reply never
    blocks the loop). Small replies go on into the kernel's socket
    buffers; the queue fills only when those are full, with large replies
    (READ pages of up to ~4.1 MiB) that the client does not read. libzmq
    learns of room in a queue in steps of half its mark, so 128 keeps
    every reply of a client that has 64 requests in flight (bench_log's
    8x64) and reads them.
    Requests: past DBK_ROUTER_RCVHWM waiting to be served, libzmq stops
    reading that connection until there is room; nothing is lost (they
    wait in the client's socket), so a small mark costs no request.
    docs/operations.md ("Memory per connection") gives the bounds in
    bytes. */
#define DBK_ROUTER_SNDHWM 128
#define DBK_ROUTER_RCVHWM 32

/*  Make, configure, bind or connect. Linger is 0 for clients and 1 s for
    servers so that shutdown never hangs. For ipc:// binds the directory
    of the path is created; tcp://host:* binds a port the system chooses
    (zmq_bind; CZMQ's "!" and "[first-last]" forms are not understood).
    Returns the socket, the caller's (dbk_sock_close), or NULL (and logs
    nothing) with errno telling why: EMFILE or ENFILE when the process
    (or the system) is out of file descriptors, or libzmq out of socket
    slots; EINVAL, EPROTONOSUPPORT for a bad endpoint; EADDRINUSE ...
    Never aborts the process. */
void *dbk_sock_open (const dbk_sockcfg_t *cfg);

/*  Close a socket from dbk_sock_open (or dbk_sock_pair) and set the
    caller's pointer to NULL; safe when it is NULL. errno is kept. */
void dbk_sock_close (void **sock_p);

/*  Two PAIR sockets joined over a fresh inproc endpoint, for a thread and
    its owner (what zsys_create_pipe makes, without aborting): 0, or -1
    with errno (EMFILE: out of file descriptors; each end takes one) and
    nothing made. The sockets are the caller's (dbk_sock_close). */
int dbk_sock_pair (void **front_p, void **back_p);

#ifdef __cplusplus
}
#endif
#endif
