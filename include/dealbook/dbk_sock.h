/*  dbk_sock.h - every ZeroMQ socket of dealbook is made here, from
    configuration, so that transport security (CURVE) lands in one place.
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
    of the path is created. Returns NULL (and logs nothing) on failure;
    errno tells why. The socket is the caller's (zsock_destroy). */
zsock_t *dbk_sock_new (const dbk_sockcfg_t *cfg);

#ifdef __cplusplus
}
#endif
#endif
