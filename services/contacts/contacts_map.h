/*  contacts_map.h - internal to the contacts service: our relationship map
    (which of our salespeople knows which contact, how well) and the
    queries that read it: a contact's or a salesperson's map, and an
    account's people grouped by level and function.

    Database knows (NUL separates parts; ids and salespeople hold no NUL):
      'c' contact_id NUL salesperson -> {salesperson, depth, notes?}
      'p' salesperson NUL contact_id -> depth
    A relationship ended with depth "none" has no rows.
*/
#ifndef CONTACTS_MAP_H
#define CONTACTS_MAP_H

#include "contacts_decider.h"

#include "dealbook/dbk_service.h"

/*  The depth of salesperson's relationship with contact cid, copied into
    out (NUL-terminated): true, or false when they have none. */
bool contacts_map_depth (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *cid, const char *person,
                         char *out, size_t outsz);

/*  Does `person` know contact cid (any depth)? */
bool contacts_map_knows (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *person, const char *cid);

/*  The optional "salesperson" field of a notebook query, NUL-terminated
    into out ("" when absent). 0, or the rejection of a malformed one. */
int contacts_map_req_person (dbk_svc_ctx_t *ctx, const dbk_obj_t *req,
                             char out[CONTACTS_PERSON_MAX + 1]);

/*  Commands and queries (dbk_service.h, docs/protocol.md §16.1). */
dbk_svc_command_fn contacts_relate_cmd;
dbk_svc_query_fn contacts_map_q, contacts_account_people_q;

#endif
