/*  dealbookd_demo.h - the demo data set of the all-in-one dealbookd: a
    lighting supplier's engineering sales, generated deterministically and
    entered through the services' real commands (so the log holds the
    same events a user would have produced).
*/
#ifndef DEALBOOKD_DEMO_H
#define DEALBOOKD_DEMO_H

#include "dealbook/dbk_config.h"

#include <stdbool.h>
#include <stdint.h>

/*  What was loaded. */
typedef struct {
    int accounts;      /* accounts registered                      */
    int contacts;      /* contacts added                           */
    int trips;         /* trips recorded                           */
    int activities;    /* activities logged                        */
    int competitors;   /* competitors added                        */
    int opportunities; /* opportunities registered                 */
    int tenders;       /* tenders opened                           */
    int contracts;     /* contracts signed                         */
    int quotas;        /* quotas set                               */
    int commands;      /* commands sent in all                     */
} dealbookd_demo_stats_t;

/*  Is the log at cfg->log_endpoint empty (head 0)? false when it cannot
    be asked (then nothing is loaded). */
bool dealbookd_demo_log_empty (const dbk_config_t *cfg);

/*  Load the demo data set through the contacts, opportunities, bidding
    and forecasting services of cfg (their endpoints), each command as
    the salesperson who would give it. Quotas and approvals of discounts
    over 10% need "li.mei" among cfg->managers (make run sets it); without
    her the demo sets no quota and quotes within 10%.
    Deterministic: the same ids and values every time (ids are fixed, so
    loading twice is refused by the services rather than duplicated).
    Returns 0, or the DBK code of the first command that failed (its
    reason printed on stderr). */
int dealbookd_demo_load (const dbk_config_t *cfg, dealbookd_demo_stats_t *stats);

#endif
