/*  bidding_server.h - the bidding service (DESIGN §2b, docs/protocol.md
    §16.3): tenders, bids and their pricing approval, awards, contracts
    and collection, on the shell of dbk_service.h. */
#ifndef BIDDING_SERVER_H
#define BIDDING_SERVER_H

#include "dealbook/dbk_service.h"

#include <czmq.h>

/*  The service's definition (for tools and tests). */
extern const dbk_service_def_t bidding_def;

/*  CZMQ actor: args is a dbk_config_t *. Sends "READY" or "FAILED ..." on
    the pipe, as dbk_service_run. */
void bidding_server (zsock_t *pipe, void *args);

/*  The queries (bidding_query.c). */
dbk_svc_query_fn bidding_tender_get_q, bidding_tender_list_q, bidding_deadlines_q,
    bidding_quote_get_q, bidding_pending_q, bidding_contract_get_q, bidding_receivables_q,
    bidding_price_intel_q, bidding_win_rate_q;

#endif
