/*  fc_figures.c - the aggregate figures of the forecasting book: the
    funnel, the forecast of a period against its quota, and forecast
    accuracy. Each sums the cells that match (cost: the cells matched,
    not the events folded). */
#include "fc_internal.h"

#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  ---- scans ---- */

typedef struct {
    const fc_query_t *q;
    fc_cell_fn *fn;
    void *arg;
} s_cellscan_t;

static bool s_eq (const char *want, const char *have)
{
    return !want || !strcmp (want, have);
}

static int s_cell_cb (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    s_cellscan_t *cs = arg;
    fc_cell_t c;
    if (fc_cell_parse (key, klen, val, vlen, &c))
        return DBK_ECORRUPT;
    const fc_filter_t *f = cs->q->f;
    if (f && (!s_eq (f->owner, c.owner) || !s_eq (f->team, c.team) || !s_eq (f->region, c.region)))
        return 0;
    if (cs->q->currency[0] && strcmp (cs->q->currency, c.currency))
        return 0;
    return cs->fn (cs->arg, &c);
}

int fc_cells_scan (const fc_book_t *book, const fc_query_t *q, fc_cell_fn *fn, void *arg)
{
    const fc_filter_t *f = q->f;
    /*  the roll-up of the one dimension asked (or of none); the full
        cells, owner or region first, for a combination (s_cell_cb
        filters the other dimensions) */
    bool ow = f && f->owner, te = f && f->team, re = f && f->region;
    char idx = q->full ? 'a' : 'A';
    const char *dim = NULL;
    if (ow)
        idx = te || re || q->full ? 'o' : 'O', dim = f->owner;
    else if (re)
        idx = te || q->full ? 'r' : 'R', dim = f->region;
    else if (te && !q->full)
        idx = 'T', dim = f->team;
    if (dim && strlen (dim) > FC_SHORT_MAX)
        return 0; /* no such owner / team / region can be stored */
    /* months of the period as key prefixes: "YYYY-MM" each, "YYYY-" for
       a whole year, "" for no period */
    char months[12][8];
    size_t nm = 0;
    if (!q->has_period)
        months[nm++][0] = 0;
    else if (q->period.kind == FC_YEAR)
        snprintf (months[nm++], 8, "%04u-", (unsigned) (q->period.first / 12) % 10000u);
    else
        for (int i = 0; i < q->period.months; i++) {
            fc_period_t m = {FC_MONTH, q->period.first + i, 1};
            fc_period_format (&m, months[nm++]);
        }
    s_cellscan_t cs = {q, fn, arg};
    for (size_t i = 0; i < nm; i++) {
        char prefix[FC_SHORT_MAX + 16];
        size_t n = 0;
        prefix[n++] = idx;
        if (dim) {
            size_t l = strlen (dim);
            memcpy (prefix + n, dim, l + 1);
            n += l + 1;
        }
        size_t l = strlen (months[i]);
        memcpy (prefix + n, months[i], l);
        n += l;
        int rc = book->store->scan (book->store->ctx, FC_TAB_CELL, prefix, n, s_cell_cb, &cs);
        if (rc)
            return rc;
    }
    return 0;
}

typedef struct {
    const fc_query_t *q;
    fc_deal_fn *fn;
    void *arg;
    fc_deal_t deal;
} s_dealscan_t;

static int s_deal_cb (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    (void) key;
    (void) klen;
    s_dealscan_t *ds = arg;
    fc_deal_t *d = &ds->deal;
    if (fc_deal_unpack (val, vlen, d))
        return DBK_ECORRUPT;
    const fc_filter_t *f = ds->q->f;
    if (f &&
        (!s_eq (f->owner, d->owner) || !s_eq (f->team, d->team) || !s_eq (f->region, d->region)))
        return 0;
    if (ds->q->has_period) {
        fc_day_t day = fc_deal_period_day (d);
        if (day < fc_period_start (&ds->q->period) || day > fc_period_end (&ds->q->period))
            return 0;
    }
    const char *cur = d->status == FC_WON && d->won_currency[0] ? d->won_currency : d->currency;
    if (ds->q->currency[0] && strcmp (ds->q->currency, cur))
        return 0;
    return ds->fn (ds->arg, d);
}

int fc_deals_scan (const fc_book_t *book, const fc_query_t *q, fc_deal_fn *fn, void *arg)
{
    s_dealscan_t *ds = malloc (sizeof *ds);
    if (!ds)
        return DBK_ENOMEM;
    ds->q = q;
    ds->fn = fn;
    ds->arg = arg;
    int rc = book->store->scan (book->store->ctx, FC_TAB_DEAL, "", 0, s_deal_cb, ds);
    free (ds);
    return rc;
}

/*  ---- currencies ---- */

typedef struct {
    char (*out)[4];
    size_t max, n;
    char seen[16][4]; /* the first 16 distinct, sorted */
    size_t nseen;
    size_t total;
} s_curs_t;

static int s_cur_cb (void *arg, const fc_cell_t *c)
{
    s_curs_t *cs = arg;
    size_t i = 0;
    while (i < cs->nseen && strcmp (cs->seen[i], c->currency) < 0)
        i++;
    if (i < cs->nseen && !strcmp (cs->seen[i], c->currency))
        return 0;
    cs->total++;
    if (cs->nseen == 16)
        return 0;
    memmove (&cs->seen[i + 1], &cs->seen[i], (cs->nseen - i) * 4);
    memcpy (cs->seen[i], c->currency, 4);
    cs->nseen++;
    return 0;
}

static int s_prepare (const fc_filter_t *filter, fc_query_t *q)
{
    memset (q, 0, sizeof *q);
    q->f = filter;
    if (filter && filter->period) {
        if (fc_period_parse (filter->period, strlen (filter->period), &q->period))
            return DBK_EINVAL;
        q->has_period = true;
    }
    return 0;
}

int fc_currencies (const fc_book_t *book, const fc_filter_t *filter, char (*out)[4], size_t max)
{
    fc_query_t q;
    int rc = s_prepare (filter, &q);
    s_curs_t cs = {.out = out, .max = max};
    if (!rc)
        rc = fc_cells_scan (book, &q, s_cur_cb, &cs);
    if (rc)
        return rc;
    for (size_t i = 0; i < cs.nseen && i < max; i++)
        memcpy (out[i], cs.seen[i], 4);
    return (int) cs.total;
}

/*  any cell of the code asked: the scan stops at the first */
static int s_held_cb (void *arg, const fc_cell_t *c)
{
    (void) arg, (void) c;
    return 1;
}

int fc_holds_currency (const fc_book_t *book, const char code[4])
{
    fc_query_t q;
    int rc = s_prepare (NULL, &q);
    if (rc)
        return rc;
    memcpy (q.currency, code, 3);
    q.currency[3] = 0;
    rc = fc_cells_scan (book, &q, s_held_cb, NULL);
    return rc == 1 ? 1 : rc;
}

int fc_query_init (const fc_book_t *book, const fc_filter_t *filter, bool pick, fc_query_t *q)
{
    int rc = s_prepare (filter, q);
    if (rc)
        return rc;
    if (filter && filter->currency) {
        if (strlen (filter->currency) != 3)
            return DBK_EINVAL;
        memcpy (q->currency, filter->currency, 4);
        return 0;
    }
    if (!pick)
        return 0;
    char one[1][4];
    rc = fc_currencies (book, filter, one, 1);
    if (rc < 0)
        return rc;
    if (rc > 1)
        return DBK_EREJECTED; /* never add amounts of different currencies */
    if (rc == 1)
        memcpy (q->currency, one[0], 4);
    return 0;
}

/*  ---- funnel ---- */

static void s_add (fc_sum_t *s, const fc_cell_t *c)
{
    s->count += c->count;
    s->amount += c->amount;
    s->weighted += c->weighted;
}

static int s_funnel_cb (void *arg, const fc_cell_t *c)
{
    fc_funnel_t *f = arg;
    if (fc_state_open (c->state)) {
        if (c->level >= 1 && c->level <= FC_LEVELS)
            s_add (&f->level[c->level], c);
        s_add (&f->open, c);
        if (c->state == 'c')
            s_add (&f->commit, c);
        if (c->state == 'c' || c->state == 'b')
            s_add (&f->best_case, c);
        if (c->state == 'x')
            s_add (&f->omitted, c);
    } else if (c->state == 'W')
        s_add (&f->won, c);
    else if (c->state == 'L')
        s_add (&f->lost, c);
    else if (c->state == 'A')
        s_add (&f->abandoned, c);
    return 0;
}

int fc_funnel (const fc_book_t *book, const fc_filter_t *filter, fc_funnel_t *out)
{
    memset (out, 0, sizeof *out);
    fc_query_t q;
    int rc = fc_query_init (book, filter, true, &q);
    if (rc)
        return rc;
    memcpy (out->currency, q.currency, 4);
    return fc_cells_scan (book, &q, s_funnel_cb, out);
}

/*  ---- forecast against quota ---- */

int fc_quota_for (const fc_book_t *book, const char *scope, const char *who, const fc_period_t *p,
                  fc_quota_t *out)
{
    char ps[FC_PERIOD_MAX + 1];
    fc_period_format (p, ps);
    int rc = fc_book_quota (book, scope, who, ps, out);
    if (rc != DBK_ENOTFOUND || p->kind == FC_MONTH)
        return rc;
    /* a quarter from its months, a year from its quarters (each of which
       may come from its months): every part set, one currency */
    int parts = p->kind == FC_YEAR ? 4 : 3, step = p->months / parts;
    fc_quota_t sum = {0};
    for (int i = 0; i < parts; i++) {
        fc_period_t sub = {p->kind == FC_YEAR ? FC_QUARTER : FC_MONTH, p->first + i * step, step};
        fc_quota_t q;
        rc = fc_quota_for (book, scope, who, &sub, &q);
        if (rc)
            return rc;
        if (i && strcmp (q.currency, sum.currency))
            return DBK_ENOTFOUND;
        if (!i)
            sum = q;
        else
            sum.amount += q.amount;
    }
    memcpy (sum.period, ps, sizeof sum.period);
    *out = sum;
    return 0;
}

int fc_forecast_outlook (const fc_book_t *book, const fc_filter_t *filter, fc_outlook_t *out)
{
    memset (out, 0, sizeof *out);
    out->attainment_pm = out->coverage_pm = -1;
    if (!filter || !filter->period)
        return DBK_EINVAL;
    fc_funnel_t f;
    int rc = fc_funnel (book, filter, &f);
    if (rc)
        return rc;
    memcpy (out->currency, f.currency, 4);
    /*  the forecast: the open deals but those their owner left out of it
        (category omitted), which the funnel still counts by level */
    out->pipeline = f.open.amount - f.omitted.amount;
    out->weighted = f.open.weighted - f.omitted.weighted;
    out->commit = f.commit.amount;
    out->best_case = f.best_case.amount;
    out->won = f.won.amount;
    out->projected = out->won + out->weighted;
    const char *scope = filter->owner ? "owner" : filter->team ? "team" : NULL;
    const char *who = filter->owner ? filter->owner : filter->team;
    fc_period_t p;
    fc_quota_t quota;
    fc_period_parse (filter->period, strlen (filter->period), &p);
    if (!scope || fc_quota_for (book, scope, who, &p, &quota))
        return 0;
    if (!out->currency[0] && !filter->currency)
        memcpy (out->currency, quota.currency, 4); /* nothing in the funnel yet */
    if (strcmp (quota.currency, out->currency))
        return 0; /* a quota in another currency is not comparable */
    out->has_quota = true;
    out->quota = quota.amount;
    out->remaining = quota.amount > out->won ? quota.amount - out->won : 0;
    out->attainment_pm = fc_permille (out->won, quota.amount);
    out->coverage_pm = fc_permille (out->pipeline, out->remaining);
    return 0;
}

/*  ---- accuracy ---- */

static int64_t s_accuracy (fc_wide_t won, fc_wide_t forecast)
{
    if (forecast <= 0)
        return -1;
    fc_wide_t err = fc_permille (won > forecast ? won - forecast : forecast - won, forecast);
    return err >= 1000 ? 0 : (int64_t) (1000 - err);
}

bool fc_period_begun (const fc_book_t *self, const fc_period_t *p, fc_day_t on)
{
    fc_day_t day = on > self->clock ? on : self->clock;
    return day && day >= fc_period_start (p);
}

int fc_accuracy (const fc_book_t *book, const char *owner, const char *period, const char *currency,
                 fc_day_t on, fc_accuracy_t *out)
{
    memset (out, 0, sizeof *out);
    out->forecast_ratio_pm = out->forecast_accuracy_pm = -1;
    out->snapshot_ratio_pm = out->snapshot_accuracy_pm = -1;
    fc_period_t p;
    if (!owner || !period || fc_period_parse (period, strlen (period), &p))
        return DBK_EINVAL;
    fc_period_format (&p, out->period);
    out->begun = fc_period_begun (book, &p, on);
    out->closed = book->clock > fc_period_end (&p);
    fc_forecast_t fc;
    bool submitted = fc_book_forecast (book, owner, out->period, &fc) == 0 &&
                     (fc.frozen.set || fc.frozen_adjusted.set);
    /*  before the start the submission in force is not frozen yet: it
        only says the currency the owner forecasts in */
    bool has_fc = submitted && out->begun;
    if (!currency && submitted)
        currency = fc.currency;
    fc_filter_t f = {.owner = owner, .period = out->period, .currency = currency};
    fc_funnel_t fun;
    int rc = fc_funnel (book, &f, &fun);
    if (rc)
        return rc;
    out->won = fun.won.amount;
    if (has_fc && (!fun.currency[0] || !strcmp (fc.currency, fun.currency))) {
        out->has_forecast = true;
        out->adjusted = fc.frozen_adjusted.set;
        out->forecast = out->adjusted ? fc.frozen_adjusted.commit : fc.frozen.commit;
        out->forecast_ratio_pm = fc_permille (out->won, out->forecast);
        out->forecast_accuracy_pm = s_accuracy (out->won, out->forecast);
    }
    fc_snap_t snap;
    if (fun.currency[0] &&
        fc_book_snapshot (book, 'o', owner, out->period, fun.currency, &snap) == 0) {
        out->has_snapshot = true;
        out->snapshot_weighted = snap.weighted;
        out->snapshot_ratio_pm = fc_permille (out->won, snap.weighted);
        out->snapshot_accuracy_pm = s_accuracy (out->won, snap.weighted);
    }
    return 0;
}

int fc_accuracy_trend (const fc_book_t *book, const char *owner, const char *last,
                       const char *currency, fc_day_t on, fc_accuracy_t *out, size_t n)
{
    fc_period_t p;
    if (!last || fc_period_parse (last, strlen (last), &p) || n > 1000)
        return DBK_EINVAL;
    for (size_t i = 0; i < n; i++) {
        fc_period_t q = fc_period_shift (&p, (int) i - (int) (n - 1));
        char ps[FC_PERIOD_MAX + 1];
        fc_period_format (&q, ps);
        int rc = fc_accuracy (book, owner, ps, currency, on, &out[i]);
        if (rc)
            return rc;
    }
    return 0;
}

void fc_refs_add (fc_refs_t *l, const fc_deal_t *deal, int32_t days)
{
    if (l->refs && l->n < l->max) {
        fc_ref_t *r = &l->refs[l->n];
        memcpy (r->id, deal->id, sizeof r->id);
        memcpy (r->owner, deal->owner, sizeof r->owner);
        r->level = deal->level;
        r->pursuit = deal->pursuit;
        r->days = days;
    }
    l->n++;
}
