/*  contacts_server.h - the contacts service (DESIGN §2b, docs/protocol.md
    "Contacts service"): accounts, contacts and their trips on the shell of
    dbk_service.h. */
#ifndef CONTACTS_SERVER_H
#define CONTACTS_SERVER_H

#include "dealbook/dbk_service.h"

#include <czmq.h>

/*  The service's definition (for tools and tests). */
extern const dbk_service_def_t contacts_def;

/*  CZMQ actor: args is a dbk_config_t *. Sends "READY" or "FAILED ..." on
    the pipe, as dbk_service_run. */
void contacts_server (zsock_t *pipe, void *args);

#endif
