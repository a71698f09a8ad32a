/*  bidding_model.h - internal to the bidding service: its read model in
    LMDB and the projection that keeps it.

    Tenders, quotes and contracts are the fold of their events (the
    deciders' evolve functions), so the model keeps each aggregate's
    events and folds them to load it, plus summary rows and the indexes
    the queries read. Databases (NUL separates parts):
      bid_events     kind id NUL be32 version -> [type, at (unix ms), payload]
                     kind: 't' tender, 'q' quote, 'c' contract
      bid_rows       kind id -> summary map (bidding_model_row)
      bid_deadlines  submission_deadline NUL tender id -> ""   tenders
                     not submitted nor awarded, with a deadline
      bid_pending    required level NUL quote id -> ""   quotes awaiting
                     approval
      bid_openings   folded bidder name NUL date NUL tender id -> {bidder,
                     price, rank, our_price, our_rank, type, currency}:
                     prices read out where we had a price too
      bid_stats      'w' tender type -> {won, lost} (be64 each): win rate
      bid_refs       (the deals as the opportunities service folds their
                     events, opportunities_known.h; the accounts as the
                     contacts service applies theirs, contacts_known.h)
                     'o' opportunity id -> state char ('A' open, 'W' won,
                     'T' lost through the award of one of its tenders,
                     'C' closed otherwise) then its owner; 'a' account
                     id -> 'A' / 'C'; 'y' opportunity id -> its currency;
                     'n' contract number (bid_number_key) -> the id of
                     the contract signed first under it; 'w' opportunity
                     id -> its win's date (10 bytes), amount (be64);
                     'r' opportunity id -> the day it was registered
                     (10 bytes: its registration's "on")
*/
#ifndef BIDDING_MODEL_H
#define BIDDING_MODEL_H

#include "bidding_decider.h"

#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_service.h"

#define BID_DB_EVENTS "bid_events"
#define BID_DB_ROWS "bid_rows"
#define BID_DB_DEADLINES "bid_deadlines"
#define BID_DB_PENDING "bid_pending"
#define BID_DB_OPENINGS "bid_openings"
#define BID_DB_STATS "bid_stats"
#define BID_DB_REFS "bid_refs"

/*  4: a won deal's state is 'W', no longer 'C'; 5: a tender's row holds
    its step as folded now, a later envelope never taking it back; 6: a
    deal's currency follows its win's; 7: a deal lost through a tender's
    award is 'T', no longer 'C'; 8: a quote's row shows no approver once
    a line changed or it was submitted again; 9: contract numbers are
    indexed ('n'); 10: a deal's win, its date and amount ('w'); 11: a
    quote's row holds its deepest effective line discount; 13: an
    amount of a tender, quote or contract event outside what the deciders
    accept (bid_ev_money) is not folded; 14: a deal's registration date
    ('r'); 15: the accounts known are the contacts service's
    (contacts_known.h): an account event it skips or ignores was folded
    before; 16: that service skips an account event holding what its
    commands refuse (contacts_fields_foldable), which was folded before;
    17: the deals known are the opportunities service's
    (opportunities_known.h): a deal's event on a stream of no deal, or
    one that service skips, was folded before; 18: a second registration
    of a deal, and any other event of a deal not registered, are ignored
    (opportunities_known.h), where the one reopened the deal under its
    new owner and the other made a deal that took tenders */
#define BID_MODEL_VERSION 18
#define BID_KEY_MAX DBK_LMDB_KEY_MAX /* bytes of an index key */

extern const char *const bidding_model_dbs[];

/*  Fold the stored events of aggregate kind/id ('t', 'q', 'c') into the
    state (initialised by the caller: a bid_tender_t, bid_quote_t or
    bid_contract_t). 0 (an unknown id leaves it empty), DBK_ECORRUPT (a
    stored event does not parse), the code of evolve refusing one,
    DBK_EIO, DBK_ENOMEM. */
int bidding_model_load (dbk_svc_ctx_t *ctx, MDB_txn *txn, char kind, const char *id, void *state);

/*  Write the stored events of kind/id as an array of {type, at, data}
    (its timeline). */
int bidding_model_timeline (dbk_svc_ctx_t *ctx, MDB_txn *txn, char kind, const char *id,
                            dbk_wr_t *w);

/*  A deal's currency into out (NUL-terminated): false when unknown. */
bool bidding_model_currency (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id, char out[4]);

/*  What the model knows of an opportunity ('o': BID_REF_WON when won) or
    account ('a'); for an opportunity also its owner (into owner, "" when
    unknown). */
bid_ref_t bidding_model_ref (dbk_svc_ctx_t *ctx, MDB_txn *txn, char kind, const char *id,
                             char *owner, size_t ownersz);

/*  The day deal id was registered into date (NUL-terminated): the "on"
    of its opportunity.registered, cut to the day the log recorded it
    (contacts_date_cap), as the opportunities service reads it; false
    when unknown (no registration seen, or one without a date). */
bool bidding_model_registered (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id, char date[11]);

/*  Deal id's win: its date into date (NUL-terminated), the amount won
    into amount; false when it is not won (or its win had neither). */
bool bidding_model_won (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id, char date[11],
                        int64_t *amount);

/*  The contract signed under `number` (compared as bid_number_key) into
    id: false when none. */
bool bidding_model_contract_number (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *number,
                                    char id[BID_ID_MAX + 1]);

/*  Is opportunity id lost through the award of one of its tenders (its
    last outcome an opportunity.lost naming a tender)? */
bool bidding_model_lost_by_award (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *id);

/*  The projection: tender.*, quote.*, contract.* and the opportunities'
    and accounts' events. */
int bidding_model_project (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev);

#endif
