/*  bench_fc_fill.h - what bench_forecasting needs besides bench.h,
    bench_contacts_fill.h and bench_opp_fill.h: the shape of its data set
    (bo_prefill's accounts, contacts and opportunities, then outcomes,
    quotas and forecast submissions, with the payloads the deciders
    emit), the as-of filler (more events of a realistic mix appended to
    the log later), both written through the event log's store, and the
    dealbook-forecasting process. See bench_forecasting.c.

    Opportunity i's fate (bf_outcome_of): 12 % won, 8 % lost on its
    expected close date, the rest open. Quotas and forecasts: every owner
    (scope owner) and team (scope team) has a quota for each quarter of
    2025-2026, every owner a forecast submitted before each quarter.
*/
#ifndef BENCH_FC_FILL_H
#define BENCH_FC_FILL_H

#include "bench.h"
#include "bench_opp_fill.h"

#include <stdbool.h>
#include <stdint.h>

#define BF_QUARTERS 8  /* quotas and forecasts for 2025-Q1 .. 2026-Q4   */
#define BF_WON_PCT 12  /* share of the opportunities won                 */
#define BF_LOST_PCT 8  /* share lost                                     */
#define BF_NEXT_PCT 50 /* filler: next steps (open deals), of 100 drawn */
#define BF_UPD_PCT 5   /* filler: close date moved (open deals)         */

typedef enum { BF_OPEN, BF_WON, BF_LOST } bf_outcome_t;

typedef struct {
    bo_shape_t opp;     /* bo_prefill's (accounts, contacts, opportunities) */
    uint64_t won;       /* opportunity.won (counted)                         */
    uint64_t lost;      /* opportunity.lost (counted)                        */
    uint64_t quotas;    /* quota.set (counted)                               */
    uint64_t forecasts; /* forecast.submitted (counted)                      */
    uint64_t total;     /* all events written (counted)                      */
} bf_shape_t;

/*  The as-of filler's events (counted by bf_filler). */
typedef struct {
    uint64_t next_steps; /* opportunity.next_step_set on open deals         */
    uint64_t updates;    /* opportunity.updated: close_date of open deals   */
    uint64_t activities; /* activity.logged (the contacts service's)       */
    uint64_t total;      /* all of them                                    */
} bf_filler_t;

/*  The fate of opportunity i. */
bf_outcome_t bf_outcome_of (uint64_t i);

/*  Quarter q (0..BF_QUARTERS-1 from 2025-Q1) as "2025-Q1" into out. */
void bf_quarter (int q, char out[8]);

/*  Write the data set into bench_g.log_dir through the event log's store
    (no process may hold the log open): bo_prefill with sh->opp's sizes,
    then the outcomes, the quotas and the forecasts, 1000 events per
    durable transaction. Fills in the counted fields. */
void bf_prefill (bf_shape_t *sh);

/*  Append n more events through the store (no process may hold the log
    open), 1000 per durable transaction, each recorded (`at`) when its
    transaction is written: of every 100 drawn, BF_NEXT_PCT next steps and
    BF_UPD_PCT close-date moves on open opportunities of sh (a step
    through them that touches no deal twice in a transaction), the rest
    activities with sh's contacts. Business dates stay in 2025-2026. */
void bf_filler (const bf_shape_t *sh, uint64_t n, bf_filler_t *out);

/*  The dealbook-forecasting process: data in <bench_g.base>/forecasting,
    the log of bench_g, its ROUTER on `endpoint`; waits until it answers
    PING. Its pid goes to bench_g.echo_pid, so that bench_die,
    bench_cleanup and bc_on_signal stop it. */
void bf_spawn (const char *bin, const char *endpoint);
/*  Stop it (SIGTERM, wait) and optionally remove its data directory. */
void bf_stop (bool wipe);

#endif
