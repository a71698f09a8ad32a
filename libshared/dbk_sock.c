/*  dbk_sock.c - one factory for every socket. */
#include "dealbook/dbk_sock.h"
#include "dealbook/dbk_lmdb.h"

#include <errno.h>
#include <string.h>

static void s_setopt (void *s, int option, int value)
{
    zmq_setsockopt (s, option, &value, sizeof value);
}

/*  A libzmq socket of the process's CZMQ context, linger 0 (libzmq's
    default, for ever, would let a closed socket's unsent messages hold
    up the context's end); NULL with errno. */
static void *s_socket (int type)
{
    void *ctx = zsys_init ();
    void *s = ctx ? zmq_socket (ctx, type) : NULL;
    if (s)
        s_setopt (s, ZMQ_LINGER, 0);
    return s;
}

void *dbk_sock_open (const dbk_sockcfg_t *cfg)
{
    void *s = s_socket (cfg->type);
    if (!s)
        return NULL;
    if (cfg->bind)
        s_setopt (s, ZMQ_LINGER, 1000);
    if (cfg->sndhwm)
        s_setopt (s, ZMQ_SNDHWM, cfg->sndhwm);
    if (cfg->rcvhwm)
        s_setopt (s, ZMQ_RCVHWM, cfg->rcvhwm);
    if (cfg->sndtimeo_ms)
        s_setopt (s, ZMQ_SNDTIMEO, cfg->sndtimeo_ms);
    if (cfg->maxmsgsize) {
        int64_t max = cfg->maxmsgsize;
        zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &max, sizeof max);
    }
    if (cfg->type == ZMQ_ROUTER)
        s_setopt (s, ZMQ_ROUTER_MANDATORY, 0); /* a vanished client is not an error */
    if (cfg->type == ZMQ_SUB) {
        const char *prefix = cfg->subscribe ? cfg->subscribe : "";
        zmq_setsockopt (s, ZMQ_SUBSCRIBE, prefix, strlen (prefix));
    }
    if (cfg->bind && strncmp (cfg->endpoint, "ipc://", 6) == 0) {
        char dir[1024];
        snprintf (dir, sizeof dir, "%s", cfg->endpoint + 6);
        char *slash = strrchr (dir, '/');
        if (slash && slash != dir) {
            *slash = 0;
            dbk_dir_create (dir); /* a bind that then fails says why */
        }
    }
    int rc = cfg->bind ? zmq_bind (s, cfg->endpoint) : zmq_connect (s, cfg->endpoint);
    if (rc == -1) {
        dbk_sock_close (&s);
        return NULL;
    }
    return s;
}

void dbk_sock_close (void **sock_p)
{
    if (sock_p && *sock_p) {
        int err = errno;
        zmq_close (*sock_p);
        *sock_p = NULL;
        errno = err;
    }
}

int dbk_sock_pair (void **front_p, void **back_p)
{
    *front_p = *back_p = NULL;
    void *front = s_socket (ZMQ_PAIR);
    void *back = front ? s_socket (ZMQ_PAIR) : NULL;
    if (!back) {
        dbk_sock_close (&front);
        return -1;
    }
    /*  the name only has to be unique among the live pairs: the front
        socket's address is, and a pair closed at that address a moment
        ago may still hold it (libzmq unbinds when it reaps), so retry */
    char ep[64];
    int rc = -1;
    for (unsigned i = 0; rc == -1 && i < 1000; i++) {
        snprintf (ep, sizeof ep, "inproc://dbk-pair-%p-%u", front, i);
        rc = zmq_bind (front, ep);
        if (rc == -1 && errno != EADDRINUSE)
            break;
    }
    if (rc == 0)
        rc = zmq_connect (back, ep);
    if (rc == -1) {
        dbk_sock_close (&back);
        dbk_sock_close (&front);
        return -1;
    }
    *front_p = front;
    *back_p = back;
    return 0;
}
