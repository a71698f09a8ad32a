/*  eventlog_server.h - the event log actor (DESIGN §4).

    void eventlog_server (zsock_t *pipe, void *args)

    args is a const dbk_config_t * (copied at start). The actor binds the
    ROUTER at cfg->log_endpoint and the PUB at cfg->pub_endpoint, stores its
    data in <data_dir>/eventlog, and answers on its pipe, right after the
    zactor handshake, one string: "READY" or "FAILED <reason>".

    Pipe commands: "$TERM" stops it; "PORTS" answers two strings, the
    bound ROUTER and PUB endpoints (useful with tcp://...:* binds).
*/
#ifndef EVENTLOG_SERVER_H
#define EVENTLOG_SERVER_H

#include <czmq.h>

/*  How far an APPENDed event's `at` may be ahead of the log's clock (ms):
    a day, for producers whose clocks differ; beyond, INVALID "at". */
#define EVENTLOG_AT_AHEAD_MS (INT64_C (24) * 3600 * 1000)

void eventlog_server (zsock_t *pipe, void *args);

#endif
