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
    five minutes, for producers whose clocks differ a little; beyond,
    INVALID "at". Small, since the as-of replays stop at the first event
    past the day asked: an `at` ahead could cut the day's last minutes. */
#define EVENTLOG_AT_AHEAD_MS (INT64_C (5) * 60 * 1000)

void eventlog_server (zsock_t *pipe, void *args);

#endif
