/*  fc_progress.c - the per-deal figures of the forecasting book:
    progress (conversion, days in level, win rate, stuck deals, slips),
    the four principles of funnel health, win/loss analysis and what
    changed between two dates. They walk the matching deals and their
    history (cost: the deals matched). */
#include "fc_internal.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_mem.h"

#include <stdlib.h>
#include <string.h>

static fc_day_t s_as_of (const fc_book_t *book, fc_day_t as_of)
{
    return as_of ? as_of : book->clock;
}

/*  ---- progress ---- */

typedef struct {
    int32_t *v;
    size_t n, cap;
} s_vec_t;

typedef struct {
    const fc_book_t *book;
    fc_day_t as_of;
    fc_progress_t *out;
    s_vec_t stays[FC_LEVELS + 1];
} s_progress_t;

static int s_push (s_vec_t *vec, int32_t days)
{
    if (dbk_grow (&vec->v, &vec->cap, vec->n + 1, sizeof *vec->v, 64))
        return DBK_ENOMEM;
    vec->v[vec->n++] = days;
    return 0;
}

static int s_stay (s_progress_t *ps, int level, fc_day_t since, fc_day_t until)
{
    if (level < 1 || level > FC_LEVELS || !since || !until || until < since)
        return 0;
    return s_push (&ps->stays[level], until - since);
}

/*  Days past the limit of its level, or -1 when within it. */
static int32_t s_stuck_days (const fc_book_t *book, const fc_deal_t *d, fc_day_t as_of)
{
    if (d->status != FC_OPEN || !d->level_since || !as_of || d->level < 1 || d->level > FC_LEVELS)
        return -1;
    int32_t days = as_of - d->level_since;
    return days > book->cfg.max_days[d->level] ? days : -1;
}

static int s_progress_cb (void *arg, const fc_deal_t *d)
{
    s_progress_t *ps = arg;
    fc_progress_t *o = ps->out;
    if (d->status == FC_DUPLICATE)
        return 0;
    o->deals++;
    for (int l = 1; l <= d->max_level && l <= FC_LEVELS; l++) {
        o->reached[l]++;
        o->won_from[l] += d->status == FC_WON;
    }
    o->won += d->status == FC_WON;
    o->lost += d->status == FC_LOST;
    o->abandoned += d->status == FC_ABANDONED;
    o->slips += d->slips;
    o->slipped_deals += d->slips > 0;
    /* the stays, from the history: a level starts with the registration,
       a move or a reopening, and ends with a move or a close */
    int level = 0, rc = 0;
    fc_day_t since = 0;
    for (uint32_t i = 0; !rc && i < d->nhist; i++) {
        const fc_hist_t *h = &d->hist[i];
        switch (h->kind) {
        case FC_H_REGISTERED:
        case FC_H_REOPENED:
            level = 1;
            since = h->on;
            break;
        case FC_H_LEVEL:
            rc = level ? s_stay (ps, level, since, h->on) : 0;
            level = h->to;
            since = h->on;
            break;
        case FC_H_WON:
        case FC_H_LOST:
        case FC_H_ABANDONED:
        case FC_H_DUPLICATE:
            rc = level ? s_stay (ps, level, since, h->on) : 0;
            level = 0;
            break;
        default:
            break;
        }
    }
    if (!rc && level && d->status == FC_OPEN)
        rc = s_stay (ps, level, since, ps->as_of);
    int32_t stuck = s_stuck_days (ps->book, d, ps->as_of);
    if (stuck >= 0)
        fc_refs_add (&o->stuck, d, stuck);
    return rc;
}

static int s_cmp_i32 (const void *a, const void *b)
{
    int32_t x = *(const int32_t *) a, y = *(const int32_t *) b;
    return (x > y) - (x < y);
}

int fc_progress (const fc_book_t *book, const fc_filter_t *filter, fc_day_t as_of,
                 fc_progress_t *out)
{
    fc_refs_t stuck = out->stuck;
    memset (out, 0, sizeof *out);
    out->stuck = (fc_refs_t){stuck.refs, stuck.max, 0};
    fc_query_t q;
    int rc = fc_query_init (book, filter, false, &q);
    if (rc)
        return rc;
    s_progress_t ps = {.book = book, .as_of = s_as_of (book, as_of), .out = out};
    rc = fc_deals_scan (book, &q, s_progress_cb, &ps);
    for (int l = 1; l <= FC_LEVELS; l++) {
        s_vec_t *v = &ps.stays[l];
        out->stays[l] = (int64_t) v->n;
        out->median_days[l] = out->p90_days[l] = -1;
        if (v->n) {
            qsort (v->v, v->n, sizeof *v->v, s_cmp_i32);
            out->median_days[l] = v->v[(v->n - 1) / 2];
            out->p90_days[l] = v->v[(v->n * 9 + 9) / 10 - 1]; /* nearest rank: ceil(0.9 n) */
        }
        free (v->v);
        /*  counts of deals, each part of its whole: at most 1000 */
        out->next_pm[l] =
            l < FC_LEVELS ? (int64_t) fc_permille (out->reached[l + 1], out->reached[l]) : -1;
        out->won_pm[l] = (int64_t) fc_permille (out->won_from[l], out->reached[l]);
    }
    out->win_rate_pm =
        (int64_t) fc_permille (out->won, (fc_wide_t) out->won + out->lost + out->abandoned);
    out->slipped_pm = (int64_t) fc_permille (out->slipped_deals, out->deals);
    return rc;
}

/*  ---- health ---- */

typedef struct {
    const fc_book_t *book;
    fc_day_t as_of;
    int fresh_days;
    fc_health_t *out;
} s_health_t;

static int s_health_cb (void *arg, const fc_deal_t *d)
{
    s_health_t *hs = arg;
    fc_health_t *o = hs->out;
    if (d->status != FC_OPEN)
        return 0;
    o->open++;
    if (d->level >= 1 && d->level <= FC_LEVELS)
        o->level_count[d->level]++;
    if (d->last_on && hs->as_of - d->last_on > hs->fresh_days)
        fc_refs_add (&o->stale, d, hs->as_of - d->last_on);
    if (d->close && d->close < hs->as_of)
        fc_refs_add (&o->past_due, d, hs->as_of - d->close);
    if (d->pursuit != FC_PURSUE)
        fc_refs_add (&o->not_pursued, d, hs->as_of - d->pursuit_on);
    int32_t stuck = s_stuck_days (hs->book, d, hs->as_of);
    if (stuck >= 0)
        fc_refs_add (&o->stuck, d, stuck);
    return 0;
}

int fc_health (const fc_book_t *book, const fc_filter_t *filter, fc_day_t as_of, int fresh_days,
               fc_health_t *out)
{
    fc_refs_t lists[4] = {out->stale, out->past_due, out->stuck, out->not_pursued};
    memset (out, 0, sizeof *out);
    out->stale = (fc_refs_t){lists[0].refs, lists[0].max, 0};
    out->past_due = (fc_refs_t){lists[1].refs, lists[1].max, 0};
    out->stuck = (fc_refs_t){lists[2].refs, lists[2].max, 0};
    out->not_pursued = (fc_refs_t){lists[3].refs, lists[3].max, 0};
    out->coverage_pm = -1;
    fc_query_t q;
    int rc = fc_query_init (book, filter, false, &q);
    if (rc)
        return rc;
    s_health_t hs = {book, s_as_of (book, as_of), fresh_days, out};
    if ((rc = fc_deals_scan (book, &q, s_health_cb, &hs)))
        return rc;
    fc_outlook_t ol;
    if (filter && filter->period && (filter->owner || filter->team) &&
        fc_forecast_outlook (book, filter, &ol) == 0 && ol.has_quota)
        out->coverage_pm = ol.coverage_pm;
    out->fresh = out->stale.n == 0;
    out->clean = out->past_due.n == 0 && out->not_pursued.n == 0;
    out->moving = out->stuck.n == 0;
    out->balanced = true;
    for (int l = 1; l <= FC_LEVELS; l++)
        if (!out->level_count[l])
            out->balanced = false;
    if (out->coverage_pm >= 0 && out->coverage_pm < book->cfg.coverage_pm)
        out->balanced = false;
    return 0;
}

/*  ---- rows grouped by a text key (win/loss, changes) ---- */

typedef struct {
    void *rows; /* sorted by key (the row's first member) */
    size_t n, cap, size;
} s_rows_t;

/*  The row whose key is `key`, inserted zeroed when new; NULL: no memory. */
static void *s_row (s_rows_t *r, const char *key, size_t keysize)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp ((char *) r->rows + mid * r->size, key);
        if (!c)
            return (char *) r->rows + mid * r->size;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (dbk_grow (&r->rows, &r->cap, r->n + 1, r->size, 16))
        return NULL;
    char *at = (char *) r->rows + lo * r->size;
    memmove (at + r->size, at, (r->n - lo) * r->size);
    memset (at, 0, r->size);
    size_t l = strlen (key);
    if (l >= keysize)
        l = keysize - 1;
    memcpy (at, key, l);
    r->n++;
    return at;
}

static int s_rows_out (s_rows_t *r, void *out, size_t max, int rc)
{
    if (!rc && out && r->rows && max)
        memcpy (out, r->rows, (r->n < max ? r->n : max) * r->size);
    free (r->rows);
    return rc ? rc : (int) r->n;
}

/*  ---- win / loss ---- */

typedef struct {
    fc_by_t by;
    s_rows_t rows;
} s_wl_t;

static int s_wl_cb (void *arg, const fc_deal_t *d)
{
    s_wl_t *w = arg;
    if (d->status != FC_WON && d->status != FC_LOST && d->status != FC_ABANDONED)
        return 0;
    bool won = d->status == FC_WON;
    const char *key = w->by == FC_BY_REASON       ? (won ? d->won_reason : d->loss_reason)
                      : w->by == FC_BY_COMPETITOR ? (won ? "" : d->winner)
                      : w->by == FC_BY_REGION     ? d->region
                                                  : d->tender_type;
    fc_wl_row_t *row = s_row (&w->rows, key, sizeof row->key);
    if (!row)
        return DBK_ENOMEM;
    if (won) {
        row->won++;
        row->won_amount += d->won_amount;
    } else if (d->status == FC_LOST) {
        row->lost++;
        row->lost_amount += d->amount;
    } else
        row->abandoned++;
    return 0;
}

static int s_wl_cmp (const void *a, const void *b)
{
    const fc_wl_row_t *x = a, *y = b;
    int c = strcmp (x->key, y->key);
    return c ? c : strcmp (x->competitor, y->competitor);
}

/*  The rows of the winners' texts become the rows of the competitors
    they name: each distinct text is resolved once (not once per deal),
    then the rows of one competitor (its id typed by hand, its name from
    an award) are added up. */
static int s_wl_competitors (const fc_book_t *book, s_rows_t *r)
{
    fc_wl_row_t *rows = r->rows;
    for (size_t i = 0; i < r->n; i++) {
        char name[FC_TEXT_MAX + 1];
        int rc = rows[i].key[0] ? fc_book_competitor (book, rows[i].key, rows[i].competitor, name)
                                : DBK_ENOTFOUND; /* won, or lost to nobody named */
        if (rc == 0)
            memcpy (rows[i].key, name, sizeof name);
        else if (rc != DBK_ENOTFOUND)
            return rc;
    }
    if (r->n)
        qsort (rows, r->n, sizeof *rows, s_wl_cmp);
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        fc_wl_row_t *to = &rows[n ? n - 1 : 0];
        if (n && !s_wl_cmp (to, &rows[i])) {
            to->won += rows[i].won;
            to->lost += rows[i].lost;
            to->abandoned += rows[i].abandoned;
            to->won_amount += rows[i].won_amount;
            to->lost_amount += rows[i].lost_amount;
        } else if (n++ != i)
            rows[n - 1] = rows[i];
    }
    r->n = n;
    return 0;
}

int fc_winloss (const fc_book_t *book, const fc_filter_t *filter, fc_by_t by, fc_wl_row_t *rows,
                size_t max)
{
    fc_query_t q;
    int rc = fc_query_init (book, filter, true, &q);
    if (rc)
        return rc;
    s_wl_t w = {by, {NULL, 0, 0, sizeof (fc_wl_row_t)}};
    rc = fc_deals_scan (book, &q, s_wl_cb, &w);
    if (!rc && by == FC_BY_COMPETITOR)
        rc = s_wl_competitors (book, &w.rows);
    return s_rows_out (&w.rows, rows, max, rc);
}

/*  ---- what changed ---- */

typedef struct {
    fc_day_t from, to;
    s_rows_t rows;
} s_ch_t;

static int s_ch_cb (void *arg, const fc_deal_t *d)
{
    s_ch_t *c = arg;
    fc_change_row_t *row = NULL;
    for (uint32_t i = 0; i < d->nhist; i++) {
        const fc_hist_t *h = &d->hist[i];
        if (h->on < c->from || h->on > c->to) /* both days included */
            continue;
        if (!row && !(row = s_row (&c->rows, d->owner, sizeof row->owner)))
            return DBK_ENOMEM;
        switch (h->kind) {
        case FC_H_REGISTERED:
            row->added++;
            row->added_amount += h->a;
            row->amount_delta += h->a;
            break;
        case FC_H_LEVEL:
            row->advanced += h->to > h->from;
            break;
        case FC_H_SLIP:
            row->slipped++;
            break;
        case FC_H_AMOUNT:
            row->amount_delta += (fc_wide_t) h->b - h->a; /* two int64: 65 bits */
            break;
        case FC_H_WON:
            row->won++;
            row->won_amount += h->a;
            break;
        case FC_H_LOST:
        case FC_H_ABANDONED:
            row->lost++;
            break;
        default:
            break;
        }
    }
    return 0;
}

int fc_changes (const fc_book_t *book, const fc_filter_t *filter, fc_day_t from, fc_day_t to,
                fc_change_row_t *rows, size_t max)
{
    fc_filter_t f = filter ? *filter : (fc_filter_t){0};
    f.period = NULL; /* what changed in the dates, whatever the close date */
    fc_query_t q;
    int rc = fc_query_init (book, &f, true, &q);
    if (rc)
        return rc;
    s_ch_t c = {from, to, {NULL, 0, 0, sizeof (fc_change_row_t)}};
    rc = fc_deals_scan (book, &q, s_ch_cb, &c);
    return s_rows_out (&c.rows, rows, max, rc);
}
