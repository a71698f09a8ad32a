/*  fc_internal.h - shared by the forecasting book and its figures: the
    book's fields, the cell scans behind every aggregate query, the deal
    scans behind the per-deal figures and the fold of competitors. */
#ifndef FC_INTERNAL_H
#define FC_INTERNAL_H

#include "forecasting.h"

struct fc_book {
    const fc_store_t *store; /* borrowed                                */
    fc_config_t cfg;         /* copied                                  */
    fc_day_t until;          /* as-of: skip events dated after (0: no)  */
    uint64_t seq;            /* checkpoint (cached from META "seq")     */
    fc_day_t clock;          /* latest business date (META "clock")     */
    fc_day_t skipped;        /* earliest date skipped for until (META
                                "skipped"; 0: none)                     */
    bool deferred;           /* 'o' and 'r' cells left to fc_book_complete */
    fc_deal_t *scratch;      /* the deal fc_book_apply folds (or NULL)  */
};

/*  Is the cell state an open deal's ('n' 'p' 'b' 'c' 'x')? */
bool fc_state_open (char state);

/*  A filter with its period parsed (has_period false: any). */
typedef struct {
    const fc_filter_t *f;
    bool has_period;
    fc_period_t period;
    char currency[4]; /* the currency in force ("" before it is known) */
    bool full;        /* cells with every dimension (owner, team, region),
                         not a roll-up: a caller that groups by them  */
} fc_query_t;

/*  Parse filter (NULL: everything) into q; DBK_EINVAL for a malformed
    period or currency. When the filter's currency is NULL and `pick`,
    picks the one currency of the matching cells, or returns
    DBK_EREJECTED when there are several (no deals: currency ""); without
    `pick` the query matches every currency (figures that only count). */
int fc_query_init (const fc_book_t *book, const fc_filter_t *filter, bool pick, fc_query_t *q);

/*  Every cell matching q (dimensions, period, currency when set), through
    the index that narrows the scan most: a roll-up (the dimensions the
    filter does not name are empty in its cells) unless q->full. fn
    returns non-zero to stop. */
typedef int (fc_cell_fn) (void *arg, const fc_cell_t *cell);
int fc_cells_scan (const fc_book_t *book, const fc_query_t *q, fc_cell_fn *fn, void *arg);

/*  Every deal matching q (dimensions, period of fc_deal_period_day,
    currency of its amount when set). */
typedef int (fc_deal_fn) (void *arg, const fc_deal_t *deal);
int fc_deals_scan (const fc_book_t *book, const fc_query_t *q, fc_deal_fn *fn, void *arg);

/*  The quota for a scope/who/period in force for the outlook (exact, or
    the sum of the sub-periods when all are set in one currency). */
int fc_quota_for (const fc_book_t *book, const char *scope, const char *who, const fc_period_t *p,
                  fc_quota_t *out);

/*  A cell as the store keeps it: its key (dimensions, level, state)
    and its sums (count: int64; amount, weighted: fc_wide_t), read back into c
    (the dimensions its index does not keep are ""). 0 or DBK_ECORRUPT. */
int fc_cell_parse (const void *key, size_t klen, const void *val, size_t vlen, fc_cell_t *c);

/*  A deal as the store keeps it: packed (fc_deal_pack: its length; out
    holds FC_DEAL_PACKED_MAX bytes) and read back (0, or DBK_ECORRUPT for
    bytes that are not a packed deal). */
#define FC_DEAL_PACKED_MAX (sizeof (fc_deal_t) + 64)
size_t fc_deal_pack (const fc_deal_t *deal, uint8_t *out);
int fc_deal_unpack (const void *buf, size_t len, fc_deal_t *out);

/*  Fold competitor.<what> ("added", "updated"; others: 0) into the
    competitor table. 0, DBK_EMALFORMED (no id; added without a name),
    store errors. */
int fc_competitor_apply (fc_book_t *self, const char *what, const dbk_obj_t *data);

/*  Append a ref to a list (counts past max). */
void fc_refs_add (fc_refs_t *l, const fc_deal_t *deal, int32_t days);

#endif
