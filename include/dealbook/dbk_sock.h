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

/*  Make, configure, bind or connect. Linger is 0 for clients and 1 s for
    servers so that shutdown never hangs. For ipc:// binds the directory
    of the path is created. Returns NULL (and logs nothing) on failure;
    errno tells why. The socket is the caller's (zsock_destroy). */
zsock_t *dbk_sock_new (const dbk_sockcfg_t *cfg);

#ifdef __cplusplus
}
#endif
#endif
