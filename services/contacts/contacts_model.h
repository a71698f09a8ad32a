/*  contacts_model.h - internal to the contacts service: the read model in
    LMDB (states as msgpack maps, indexes) and the projection that keeps it.

    Databases (keys are bytes; "|" separates parts whose alphabet cannot
    hold it, NUL separates free text):
      accounts       id -> account state map (contacts_model_write_account)
      account_names  normalized_name|id -> ""   duplicates and name prefixes
      contacts       id -> contact state map
      account_people account_id NUL contact_id -> ""
      trips          contact_id NUL be32 trip -> the trip_added payload
      notebook       city NUL to-date NUL contact_id NUL be32 trip -> from-date
*/
#ifndef CONTACTS_MODEL_H
#define CONTACTS_MODEL_H

#include "contacts_decider.h"

#include "dealbook/dbk_service.h"

#define CONTACTS_DB_ACCOUNTS "accounts"
#define CONTACTS_DB_NAMES "account_names"
#define CONTACTS_DB_CONTACTS "contacts"
#define CONTACTS_DB_PEOPLE "account_people"
#define CONTACTS_DB_TRIPS "trips"
#define CONTACTS_DB_NOTEBOOK "notebook"

extern const char *const contacts_model_dbs[];

/*  Load the state of account / contact `id` into st (initialised by the
    caller). 0 (st filled), DBK_ENOTFOUND (st left empty) or DBK_EIO. */
int contacts_model_account (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id, size_t n,
                            contacts_account_t *st);
int contacts_model_contact (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id, size_t n,
                            contacts_contact_t *st);

/*  Id of an account (other than `except`, may be NULL) holding the
    normalised name `norm`, copied into out (NUL-terminated); false when
    there is none. */
bool contacts_model_name_owner (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *norm,
                                const char *except, char *out, size_t outsz);

/*  The projection of account.* and contact.* events. */
int contacts_model_project (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev);

#endif
