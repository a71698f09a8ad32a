/*  dbk_sock.c - one factory for every socket. */
#include "dealbook/dbk_sock.h"
#include "dealbook/dbk_lmdb.h"

#include <string.h>

zsock_t *dbk_sock_new (const dbk_sockcfg_t *cfg)
{
    zsock_t *s = zsock_new (cfg->type);
    if (!s)
        return NULL;
    zsock_set_linger (s, cfg->bind ? 1000 : 0);
    if (cfg->sndhwm)
        zsock_set_sndhwm (s, cfg->sndhwm);
    if (cfg->rcvhwm)
        zsock_set_rcvhwm (s, cfg->rcvhwm);
    if (cfg->sndtimeo_ms)
        zsock_set_sndtimeo (s, cfg->sndtimeo_ms);
    if (cfg->maxmsgsize)
        zsock_set_maxmsgsize (s, (int) cfg->maxmsgsize);
    if (cfg->type == ZMQ_ROUTER)
        zsock_set_router_mandatory (s, 0); /* a vanished client is not an error */
    if (cfg->type == ZMQ_SUB)
        zsock_set_subscribe (s, cfg->subscribe ? cfg->subscribe : "");
    if (cfg->bind && strncmp (cfg->endpoint, "ipc://", 6) == 0) {
        char dir[1024];
        snprintf (dir, sizeof dir, "%s", cfg->endpoint + 6);
        char *slash = strrchr (dir, '/');
        if (slash && slash != dir) {
            *slash = 0;
            dbk_dir_create (dir); /* a bind that then fails says why */
        }
    }
    int rc =
        cfg->bind ? zsock_bind (s, "%s", cfg->endpoint) : zsock_connect (s, "%s", cfg->endpoint);
    if (rc == -1) {
        zsock_destroy (&s);
        return NULL;
    }
    return s;
}
