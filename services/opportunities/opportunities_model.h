/*  opportunities_model.h - internal to the opportunities service: its read
    model in LMDB and the projection that keeps it.

    An opportunity's state is the fold of its events (opp_evolve), so the
    model keeps the events of each opportunity and folds them to load a
    state, plus one summary row per opportunity and the indexes the queries
    read. Databases (NUL separates parts; ids, codes and dates hold none):
      opp_events  id NUL be32 version -> [type, at, ts (unix ms: when it
                  happened, when the log recorded it), payload map]
      opp_rows    id -> summary map (opportunities_model_row)
      opp_by      tag value NUL close_date NUL id -> ""   the pipeline
                  indexes: tag 'o' owner, 't' team, 'r' region, 'l' level
                  (L1..L5), 's' stage, 'c' category, 'a' account, 'x'
                  status (open won lost abandoned duplicate), '*' every
                  opportunity (value ""), 'w' open without a next step
                  (value ""), 'k' open in a registration conflict, one or more
                  (value ""), 'q' open whose latest qualification did
                  not decide pursue (value: hold or drop);
                  text values case- and width-folded
      opp_touched touched NUL id -> ""   open opportunities by touched date
      opp_match   'n' account NUL normalized name NUL id, or 's' folded
                  city NUL folded address NUL id -> ""   open ones only:
                  the registration conflict check
      opp_refs    'a' | 'c' | 'k' id -> 'A' (active) or 'C' (closed), then
                  the name:
                  accounts, contacts, competitors known from the contacts
                  service's events (DESIGN §2b); 'M' survivor NUL merged
                  -> "": merges; 'p' contact NUL day -> level, function,
                  influence: contacts' records; 'L' activity -> "": the
                  activities logged, and 'l' contact NUL day -> "": the
                  days each contact was met (contacts_known_activity)
*/
#ifndef OPPORTUNITIES_MODEL_H
#define OPPORTUNITIES_MODEL_H

#include "opportunities_decider.h"

#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_service.h"

#define OPP_DB_EVENTS "opp_events"
#define OPP_DB_ROWS "opp_rows"
#define OPP_DB_BY "opp_by"
#define OPP_DB_TOUCHED "opp_touched"
#define OPP_DB_MATCH "opp_match"
#define OPP_DB_REFS "opp_refs"

#define OPP_KEY_MAX DBK_LMDB_KEY_MAX /* bytes of an index key */
/*  14: a row's weighted amount is dbk_weighted's, exact for any amount
    (an amount appended by hand past 9.2 x 10^16 wrapped before); 15: the
    accounts, contacts and competitors known are the contacts service's
    (contacts_known.h): an event it skips or ignores was folded before;
    16: that service skips an event holding what its commands refuse
    (contacts_fields_foldable), which was folded before; 17: the days a
    contact was met are those of the activities that service applies
    (contacts_known_activity: logged once, on its own stream), marked 'L';
    18: a deal's event of another deal than its stream's, or holding what
    its command refuses, is skipped (opportunities_known.h), where it was
    folded, and an opportunity.stakeholder_* type none of added, updated,
    removed is ignored, where it removed the stakeholder; 19: a
    registration's "on" that is no date is no registration day
    (opportunities_registered_on), where it was kept and refused every
    dated command on the deal; 20: a won or lost event past the awards a
    deal remembers (OPP_AWARDS_MAX) is folded, where it was skipped; 21:
    a second registration of a deal, and any other event of a deal not
    registered, are ignored and not kept (opportunities_known.h), where
    the one reopened the deal under its new fields and the other made a
    deal without a name or an owner */
#define OPP_MODEL_VERSION 21    /* layout of the read model           */
#define OPP_AS_OF_NOW INT64_MAX /* opportunities_model_load: every event */

/*  The service's funnel settings (opp_config_parse at its start). */
#define OPP_CFG(ctx) ((const opp_config_t *) dbk_svc_state (ctx))

extern const char *const opportunities_model_dbs[];

/*  Load opportunity `id` into st (initialised by the caller) by folding
    its stored events recorded (`at`) before `before_ms` (OPP_AS_OF_NOW:
    all). 0 (st filled, OPP_NONE when there is no such opportunity),
    DBK_ECORRUPT (a stored event does not parse), the code of evolve
    refusing one, DBK_EIO or DBK_ENOMEM. */
int opportunities_model_load (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id, int64_t before_ms,
                              opp_state_t *st);

/*  The day of the latest activity logged with `contact` among its people
    (activity.logged, from the contacts service) dated on or before
    `as_of` (YYYY-MM-DD) into out: false when none. */
bool opportunities_model_last_met (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *contact,
                                   const char *as_of, char out[11]);

/*  The contact's level, function and influence on its record (contacts
    service) at the end of day as_of (YYYY-MM-DD; NULL: now), for a
    stakeholder whose row on a deal leaves them out: borrowed constants,
    NULL / 0 when not set; false when none is. */
bool opportunities_model_profile (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *contact,
                                  const char *as_of, const char **level, const char **function,
                                  int *influence);

/*  The accounts merged into `account` (account.merged into it), and
    those merged into them, and so on: at most max, into out, their ids,
    *n of them. A deal keeps the account it was registered under, so the
    survivor of a merge answers for these accounts' deals too. 0 or
    DBK_EIO. */
#define OPP_FAMILY_MAX 64
int opportunities_model_family (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *account,
                                char (*out)[OPP_ID_MAX + 1], size_t max, size_t *n);

/*  The open opportunities matching a registration (same account and
    normalised name, or same site): their ids appended to out[*n..max),
    each once (*n grows). */
void opportunities_model_matches (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *account,
                                  const char *norm, const char *city, const char *address,
                                  char (*out)[OPP_ID_MAX + 1], size_t max, size_t *n);

/*  What the model knows of an account ('a'), contact ('c') or competitor
    ('k'). */
opp_ref_t opportunities_model_ref (dbk_svc_ctx_t *ctx, MDB_txn *txn, char kind, const char *id,
                                   size_t n);

/*  The name of an account, contact or competitor as the model knows it,
    into out (NUL-terminated, "" when unknown); its length. */
size_t opportunities_model_ref_name (dbk_svc_ctx_t *ctx, MDB_txn *txn, char kind, const char *id,
                                     char *out, size_t outsz);

/*  The summary row of a state (one map): id, name, account_id, owner,
    team, region, site_city, stage, level (L1..L5), probability, category,
    amount, currency, weighted, close_date, status, registered_on,
    touched, next_step, next_step_due, conflict_with (the oldest open
    conflict), in_conflict_with (every open conflict, when any); the map
    has `extra` more pairs, which the caller writes after. */
void opportunities_model_row (dbk_wr_t *w, const opp_state_t *st, const opp_config_t *cfg,
                              uint32_t extra);

/*  The status's word: none open won lost abandoned duplicate. */
const char *opportunities_model_status (opp_status_t s);

/*  An opp_by key: tag, folded value, NUL, then close_date NUL id when
    given (NULL: the prefix to seek). 0 if it does not fit. */
size_t opportunities_model_by_key (char *out, size_t outsz, char tag, const char *value,
                                   const char *close_date, const char *id);

/*  The projection: opportunity.* events, and the accounts, contacts and
    competitors of the contacts service. */
int opportunities_model_project (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev);

#endif
