/*  contacts_market.h - internal to the contacts service: competitors and
    activities (their read model, commands and queries) and the two
    notebook indexes fed by activities and profiles.

    Databases (NUL separates parts; ids and dates hold no NUL):
      competitors      id -> competitor state map (the keys of
                       competitor.added plus status)
      competitor_names normalized name|id -> ""   duplicate names
                       (contacts_normalize_name, as account_names)
      rivals           account_id NUL competitor_id -> ""  close_to, both ways
      activities       id -> the activity.logged payload
      activity_by      'a' account_id | 'c' contact_id, NUL, the date with
                       every digit d written 9-d (so that a forward scan
                       reads the newest first), NUL, activity id -> ""
      touched          contact_id -> date of its last activity ("" never)
      touched_by_date  date NUL contact_id -> ""   "" sorts before any date
      birthdays        MM-DD NUL contact_id -> ""
*/
#ifndef CONTACTS_MARKET_H
#define CONTACTS_MARKET_H

#include "contacts_decider.h"

#include "dealbook/dbk_service.h"

#define CONTACTS_DB_COMPETITORS "competitors"
#define CONTACTS_DB_COMPETITOR_NAMES "competitor_names"
#define CONTACTS_DB_RIVALS "rivals"
#define CONTACTS_DB_ACTIVITIES "activities"
#define CONTACTS_DB_ACTIVITY_BY "activity_by"
#define CONTACTS_DB_TOUCHED "touched"
#define CONTACTS_DB_TOUCHED_BY "touched_by_date"
#define CONTACTS_DB_BIRTHDAYS "birthdays"

/*  The projection of competitor.* events, and of an activity.logged the
    contacts service applies (contacts_known_activity: the caller asked). */
int contacts_market_project (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *category,
                             const char *type, const dbk_obj_t *data, const char *id);

/*  Keep the notebook indexes of a contact after one of its events:
    `added` for its first, `old_birthday` its birthday before (or NULL),
    `now` its state after. */
int contacts_market_contact (dbk_svc_ctx_t *ctx, MDB_txn *txn, bool added, const char *old_birthday,
                             const contacts_contact_t *now);

/*  Load competitor `id` into st (initialised). 0, DBK_ENOTFOUND,
    DBK_ECORRUPT when its stored row does not fold back, DBK_ENOMEM, or
    an LMDB error. */
int contacts_market_competitor (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id,
                                contacts_competitor_t *st);

/*  Commands and queries (dbk_service.h). */
dbk_svc_command_fn contacts_competitor_add_cmd, contacts_competitor_update_cmd,
    contacts_activity_log_cmd;
dbk_svc_query_fn contacts_competitor_get_q, contacts_competitor_list_q, contacts_activity_list_q,
    contacts_untouched_q, contacts_birthdays_q;

#endif
