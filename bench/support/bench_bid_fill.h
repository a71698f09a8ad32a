/*  bench_bid_fill.h - what bench_bidding needs besides bench.h,
    bench_contacts_fill.h and bench_opp_fill.h: the shape of its data set
    (accounts, contacts and one opportunity per tender, written by
    bo_prefill; then the tenders, their quotes and the contracts of the won
    ones, with the payloads the bidding deciders emit), the pre-fill
    through the event log's store, and the dealbook-bidding process. See
    bench_bidding.c.

    Tender i is for opportunity i (so its owner is that deal's, one of
    BO_OWNERS); its fate is i % 10:
      0..2  submitted, opened, won; contract with 4 milestones (advance,
            delivery, acceptance, retention), invoiced when due, most paid;
      3     submitted, opened, lost;
      4     submitted, awaiting the opening;
      5..9  open (not submitted): submission deadline 1..365 days after
            today, so TENDER_DEADLINES finds them; 5 and 6 decided `bid`.
    Fates 0..4 have an approved quote of two lines; their deadlines lie
    30..730 days back.
*/
#ifndef BENCH_BID_FILL_H
#define BENCH_BID_FILL_H

#include "bench.h"

#include <stdbool.h>
#include <stdint.h>

#define BB_OPEN_DAYS 365 /* open tenders' deadlines: today + 1 .. + 365 */

typedef struct {
    uint64_t accounts;  /* account.registered                            */
    uint64_t contacts;  /* contact.added                                 */
    uint64_t tenders;   /* tender.opened (and one opportunity each)      */
    uint64_t opp_total; /* events bo_prefill wrote (counted)             */
    uint64_t open;      /* tenders not submitted (counted)               */
    uint64_t quotes;    /* quotes (counted)                              */
    uint64_t contracts; /* contracts (counted)                           */
    uint64_t invoices;  /* contract.invoiced (counted)                   */
    uint64_t payments;  /* contract.payment_received (counted)           */
    uint64_t total;     /* all events written (counted)                  */
    long today;         /* the UTC day of the pre-fill (set by bb_prefill) */
} bb_shape_t;

/*  Ids of tender / quote / contract number i, into out. */
void bb_tender_id (uint64_t i, char *out, size_t n);

/*  Is tender i open (not submitted: questions may be asked)? */
bool bb_is_open (uint64_t i);

/*  Write the data set into bench_g.log_dir through the event log's store:
    bo_prefill (accounts, contacts, `tenders` opportunities), then per
    tender its events, its quote's and its contract's, one batch per
    aggregate, about 1000 events per durable transaction. Sets today and
    the counted fields of shape. */
void bb_prefill (bb_shape_t *shape);

/*  The dealbook-bidding process: data in <bench_g.base>/bidding, the log
    of bench_g, its ROUTER on `endpoint`; waits until it answers PING. Its
    pid goes to bench_g.echo_pid, so that bench_die, bench_cleanup and
    bc_on_signal stop it. */
void bb_spawn (const char *bin, const char *endpoint);
/*  Stop it (SIGTERM, wait) and optionally remove its data directory. */
void bb_stop (bool wipe);

#endif
