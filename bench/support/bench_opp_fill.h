/*  bench_opp_fill.h - what bench_opportunities needs besides bench.h and
    bench_contacts_fill.h: the shape of its data set (accounts and contacts
    of the contacts service, then opportunities with level changes and
    forecast categories, with the payloads the opportunities deciders
    emit), the pre-fill through the event log's store, and the
    dealbook-opportunities process. See bench_opportunities.c.
*/
#ifndef BENCH_OPP_FILL_H
#define BENCH_OPP_FILL_H

#include "bench.h"

#include <stdbool.h>
#include <stdint.h>

#define BO_OWNERS 200      /* owners "sales000".."sales199"                 */
#define BO_TEAMS 20        /* team of owner o: "team<o % 20>"               */
#define BO_REGIONS 8       /* regions, each opportunity's drawn at random   */
#define BO_STAGES 6        /* the six procurement stages                    */
#define BO_CATEGORIES 4    /* pipeline best_case commit omitted             */
#define BO_FIRST_DAY 20089 /* close dates from 2025-01-01 ...             */
#define BO_DAYS 730        /* ... over two years                          */
#define BO_LEVEL_PCT 30    /* share moved from L1 to L2..L5 (evenly)      */
#define BO_CATEGORY_PCT 15 /* share with a forecast category              */

typedef struct {
    uint64_t accounts;      /* account.registered                         */
    uint64_t contacts;      /* contact.added                              */
    uint64_t opportunities; /* opportunity.registered                     */
    uint64_t levels;        /* opportunity.level_changed (counted)        */
    uint64_t categories;    /* opportunity.category_set (counted)         */
    uint64_t total;         /* all events written                         */
} bo_shape_t;

extern const char *const bo_regions[BO_REGIONS];
extern const char *const bo_stages[BO_STAGES];
extern const char *const bo_categories[BO_CATEGORIES];

/*  Ids and names of the data set, into out. */
void bo_opp_id (uint64_t i, char *out, size_t n);
void bo_owner (uint64_t o, char *out, size_t n);

/*  Expected close of opportunity i, as pre-filled: days since 1970-01-01. */
long bo_close_day (uint64_t i);

/*  Level (1..5) and category (-1: none) of opportunity i, as pre-filled. */
int bo_level_of (uint64_t i);
int bo_category_of (uint64_t i);

/*  Write the data set into bench_g.log_dir through the event log's store
    (accounts and contacts with bc_prefill, then the opportunities: every
    registration, then the level changes, then the categories, 1000
    events per durable transaction). Fills in the counted fields of
    shape. */
void bo_prefill (bo_shape_t *shape);

/*  The dealbook-opportunities process: data in
    <bench_g.base>/opportunities, the log of bench_g, its ROUTER on
    `endpoint`; waits until it answers PING. Its pid goes to
    bench_g.echo_pid, so that bench_die, bench_cleanup and bc_on_signal
    stop it. */
void bo_spawn (const char *bin, const char *endpoint);
/*  Stop it (SIGTERM, wait) and optionally remove its data directory. */
void bo_stop (bool wipe);

#endif
