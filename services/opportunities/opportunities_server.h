/*  opportunities_server.h - the opportunities service (DESIGN §2b,
    docs/protocol.md §16.2): project registration, the funnel, the
    stakeholder map and the outcome of each deal, on the shell of
    dbk_service.h. */
#ifndef OPPORTUNITIES_SERVER_H
#define OPPORTUNITIES_SERVER_H

#include "dealbook/dbk_service.h"

#include <czmq.h>

/*  The service's definition (for tools and tests). */
extern const dbk_service_def_t opportunities_def;

/*  CZMQ actor: args is a dbk_config_t *. Sends "READY" or "FAILED ..." on
    the pipe, as dbk_service_run. */
void opportunities_server (zsock_t *pipe, void *args);

/*  The queries (opportunities_query.c). */
dbk_svc_query_fn opportunities_get_q, opportunities_list_q, opportunities_conflicts_q,
    opportunities_attention_q;

#endif
