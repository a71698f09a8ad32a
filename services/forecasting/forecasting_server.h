/*  forecasting_server.h - the forecasting service (DESIGN §2b,
    docs/protocol.md §16.4): quotas, forecast submissions and the funnel
    projections of forecasting.h, on the shell of dbk_service.h. The
    book's store is the service's LMDB read model (forecasting_store.c);
    an as-of query replays the log into an in-memory book. */
#ifndef FORECASTING_SERVER_H
#define FORECASTING_SERVER_H

#include "forecasting.h"

#include "dealbook/dbk_service.h"

#include <czmq.h>
#include <stdatomic.h>

/*  3: deals packed; 4: cells keep only their sums; 5: the competitors
    (fc_competitor), which a model of 4 never folded; 6: a business date
    is folded no later than the day its event was recorded (fc_book_apply);
    7: a deal keeps its latest qualification's decision (fc_pursuit_t);
    8: and the reason it was won (win/loss by reason); 9: a cell's and a
    snapshot's sums are 128 bits (fc_wide_t), and a quota or forecast
    amount outside 0..FC_AMOUNT_MAX is not folded; 10: the competitors
    known are the contacts service's (forecasting_fold): one of an event
    it skips or ignores was folded before; 11: that service skips a
    competitor event holding what its commands refuse (a price level
    outside its list, a tie to no id: contacts_fields_foldable); 12: the
    deals folded are the opportunities service's (opportunities_known.h):
    a deal's event on a stream of no deal, or one that service skips, was
    folded before, and a registration without an amount (nil) skipped;
    13: a second registration of a deal, or an event of a deal the book
    does not hold, is ignored before the book (opportunities_known.h),
    where it moved the book's clock and took the period snapshots; 14:
    a registration whose tender_type is no text is folded without one,
    as that service folds it, where it was skipped */
#define FORECASTING_MODEL_VERSION 14

/*  The levels' probabilities and limits the service folds and measures
    with (DEALBOOK_FUNNEL_LEVELS, read at its start). */
#define FC_CFG(ctx) ((const fc_config_t *) dbk_svc_state (ctx))

/*  The service's definition (for tools and tests). */
extern const dbk_service_def_t forecasting_def;

/*  CZMQ actor: args is a dbk_config_t *; as dbk_service_run. */
void forecasting_server (zsock_t *pipe, void *args);

/*  The book's tables as named LMDB databases, in fc_table_t order. */
extern const char *const forecasting_dbs[];

/*  An fc_store_t over the read model, through txn (read-only: puts fail). */
typedef struct {
    fc_store_t store;   /* what the book uses   */
    dbk_svc_ctx_t *ctx; /* the shell's          */
    MDB_txn *txn;       /* the transaction      */
    bool readonly;      /* a query's            */
} forecasting_lmdb_t;

void forecasting_lmdb_init (forecasting_lmdb_t *s, dbk_svc_ctx_t *ctx, MDB_txn *txn, bool readonly);

/*  Fold one event of the log (its payload data) into the book, as the
    projection and the as-of replays do: fc_book_apply, but a
    competitor.* event only as the contacts service applies it
    (contacts_known.h), an opportunity.* event only as the opportunities
    service folds it (opportunities_known.h): DBK_EMALFORMED, nothing
    written, for one it skips, 0 and nothing folded for one it ignores
    (on a stream of no competitor, of no deal; a type it does not fold),
    so that the book knows no competitor and no deal that service does
    not. */
int forecasting_fold (fc_book_t *book, const dbk_event_t *ev, const dbk_obj_t *data);

/*  The queries (forecasting_query.c). */
dbk_svc_query_fn forecasting_funnel_q, forecasting_outlook_q, forecasting_accuracy_q,
    forecasting_progress_q, forecasting_health_q, forecasting_winloss_q, forecasting_changes_q,
    forecasting_quota_q, forecasting_forecast_q, forecasting_keep_book_q;

/*  A book as of a past day, replayed from the log (forecasting_asof.c). */
typedef struct {
    fc_store_t *mem;   /* the in-memory store (owned)                    */
    fc_book_t *book;   /* over it                                        */
    uint64_t replayed; /* events folded by the replay                   */
    fc_kept_t kept;    /* the replay's position (fc_kept_t)              */
    uint64_t from_seq; /* the kept book it started from (0: none)       */
    bool cut_reached;  /* it stopped at an event of ours recorded at or
                          after the end of the day                      */
} forecasting_replay_t;

/*  Replay into r the book as of the end of `day` in DEALBOOK_TIMEZONE
    (dbk_day_end_ms): from the newest kept book that fits unless
    !from_book, then completed, ready for the figures. 0, or a DBK code
    (r is then closed): DBK_EBUSY when the process is out of file
    descriptors for the replay's connection to the log, or DBK_ECORRUPT
    when a record the replay read fails its hash check, each with ctx
    already rejected (dbk_svc_reject) with its sentence. */
int forecasting_replay_open (dbk_svc_ctx_t *ctx, forecasting_replay_t *r, fc_day_t day,
                             bool from_book);
void forecasting_replay_close (forecasting_replay_t *r);

/*  As-of replays since start (STATUS "as_of"): answered, of which from
    a kept book, and the events they folded. */
typedef struct {
    _Atomic uint64_t replays, from_book, events;
} forecasting_asof_count_t;
extern forecasting_asof_count_t forecasting_asof_count;

/*  Keeping the as-of book in the background (def->background): due once
    the log moved DEALBOOK_BOOK_EVERY events past the newest book
    (forecasting_book_read_to: the log position it read up to, 0 until a
    first keep), not within a minute of a failed keep. */
extern _Atomic uint64_t forecasting_book_read_to;
dbk_svc_due_fn forecasting_book_due;
dbk_svc_background_fn forecasting_book_keep;

#endif
