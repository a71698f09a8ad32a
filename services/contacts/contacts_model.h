/*  contacts_model.h - internal to the contacts service: the read model in
    LMDB (states as msgpack maps, indexes) and the projection that keeps it.

    Databases (keys are bytes; "|" separates parts whose alphabet cannot
    hold it, NUL separates free text):
      accounts       id -> account state map (contacts_model_write_account)
      account_names  normalized_name|id -> ""   duplicates and name prefixes
      contacts       id -> contact state map
      account_people account_id NUL contact_id -> ""
      trips          contact_id NUL be32 trip -> the trip_added payload
      notebook       city NUL class from-date NUL contact_id NUL be32 trip
                     -> to-date: city case- and width-folded
                     (contacts_model_city_key); class the byte c of the trip's
                     length L days, 2^(c-1) < L <= 2^c (L = 1: 0)
      account_by     tag value NUL normalized_name|id -> "": tag 't' type,
                     'r' region, 'c' city; value case- and width-folded
      contact_names  normalized name|id -> ""   contact name prefixes
      knows          (contacts_map.h) the relationship map
*/
#ifndef CONTACTS_MODEL_H
#define CONTACTS_MODEL_H

#include "contacts_decider.h"

#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_service.h"

#define CONTACTS_DB_ACCOUNTS "accounts"
#define CONTACTS_DB_NAMES "account_names"
#define CONTACTS_DB_CONTACTS "contacts"
#define CONTACTS_DB_PEOPLE "account_people"
#define CONTACTS_DB_TRIPS "trips"
#define CONTACTS_DB_NOTEBOOK "notebook"
#define CONTACTS_DB_ACCOUNT_BY "account_by"
#define CONTACTS_DB_CONTACT_NAMES "contact_names"
#define CONTACTS_DB_KNOWS "knows"

#define CONTACTS_KEY_MAX DBK_LMDB_KEY_MAX /* bytes of an index key */
#define CONTACTS_FOLD_MAX 512             /* bytes of a folded filter or city in a query    */
/*  The longest folded city a notebook key holds: the key is city NUL class
    from NUL id NUL be32, with an id of up to CONTACTS_ID_MAX bytes. */
#define CONTACTS_CITY_KEY_MAX (CONTACTS_KEY_MAX - (2 + 10 + 1 + CONTACTS_ID_MAX + 1 + 4))

/*  Layout of the read model (dbk_service_def_t.model_version): bump it
    whenever a database or key format changes. 4: competitor_names. 5:
    no competitor without a name, and no rivals or name row lost to an
    event skipped (a model built before may hold either: replayed). 6:
    an event of another aggregate than its stream's (its `id`, its type's
    category) is skipped (contacts_known.h), where it was folded. 7: so
    is one holding what its command refuses (a name cleared, a value
    outside its list, a merge into no id: contacts_fields_foldable). 8:
    an activity.logged whose `id` is not its stream's is skipped
    (contacts_known_activity), where it was folded. */
#define CONTACTS_MODEL_VERSION 8

extern const char *const contacts_model_dbs[];

/*  Load the state of account / contact `id` into st (initialised by the
    caller). 0 (st filled), DBK_ENOTFOUND (st left empty), DBK_ECORRUPT
    (the stored row does not parse), DBK_ENOMEM or an LMDB error. */
int contacts_model_account (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id, size_t n,
                            contacts_account_t *st);
int contacts_model_contact (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id, size_t n,
                            contacts_contact_t *st);

/*  Id of an account (db CONTACTS_DB_NAMES) or a competitor (db
    CONTACTS_DB_COMPETITOR_NAMES), other than `except` (may be NULL),
    holding the normalised name `norm`, copied into out (NUL-terminated);
    false when there is none. */
bool contacts_model_name_owner (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *db, const char *norm,
                                const char *except, char *out, size_t outsz);

/*  The key norm|id of a name index (id NULL: the prefix norm|); its
    length, 0 if it does not fit. */
size_t contacts_model_name_key (char *out, size_t outsz, const char *norm, const char *id);

/*  The account_by tags of type, region and city. */
extern const char contacts_account_by_tags[3];

/*  An account_by key: tag, the folded value, NUL, then norm|id (when id
    is NULL: norm alone, a prefix to seek). 0 when value folds to nothing
    or the key does not fit. */
size_t contacts_model_by_key (char *out, size_t outsz, char tag, const char *value, size_t vn,
                              const char *norm, const char *id);

#define CONTACTS_TRIP_CLASSES 23 /* length classes: 2^22 days cover every date */

/*  The length class of a trip from..to (valid dates, from <= to). */
int contacts_model_trip_class (const char *from, const char *to);

/*  A city as the notebook index keys it: case-, width- and
    punctuation-folded ("Shanghai", "SHANGHAI" and "ｓｈａｎｇｈａｉ" are
    one city), or as given when it folds to nothing. Its length, 0 if it
    does not fit. */
size_t contacts_model_city_key (char *out, size_t outsz, const char *city, size_t n);

/*  The contact_names key of a contact named `name` (NULL: 0). */
size_t contacts_model_contact_name_key (char *out, size_t outsz, const char *name, const char *id);

/*  The relationship map's projection (contacts_map.c): one
    contact.relationship_set of contact `id`. DBK_EMALFORMED, having
    written nothing, for a payload it cannot index. */
int contacts_map_project (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *data, const char *id);

/*  The projection of account.*, contact.*, competitor.* and activity.*
    events: 0, DBK_EMALFORMED for an event it skips (it wrote nothing
    for it: dbk_service.h), or another code. */
int contacts_model_project (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev);

#endif
