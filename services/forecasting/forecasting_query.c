/*  forecasting_query.c - the queries of the forecasting service
    (docs/protocol.md §16.4). Each answers from the book in the read model
    or, with `as_of`, from a book built for the query by replaying the log
    up to the end of that day in DEALBOOK_TIMEZONE (forecasting_asof.c):
    the answer as the system knew it then, from the events recorded by
    then. */
#include "forecasting_server.h"

#include "dealbook/dbk_currency.h"
#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  ---- the book a query reads ---- */

typedef struct {
    forecasting_lmdb_t lmdb; /* the read model's                 */
    forecasting_replay_t r;  /* or an as-of replay's             */
    fc_book_t *book;         /* over one of them                 */
    char as_of[11];          /* "" for now                       */
} s_book_t;

static void s_close (s_book_t *b)
{
    if (b->r.book)
        forecasting_replay_close (&b->r);
    else
        fc_book_destroy (&b->book);
    b->book = NULL;
}

/*  The book for req: now (the read model) or as of req's "as_of", from
    a kept book unless req says "book": false. 0 or the rejection /
    error. */
static int s_open (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, s_book_t *b)
{
    memset (b, 0, sizeof *b);
    const dbk_obj_t *o = dbk_obj_get (req, "as_of");
    if (!o) {
        forecasting_lmdb_init (&b->lmdb, ctx, txn, true);
        b->book = fc_book_new (&b->lmdb.store, FC_CFG (ctx));
        return b->book ? 0 : DBK_ENOMEM;
    }
    const char *s;
    size_t n;
    fc_day_t day;
    if (dbk_obj_str (o, &s, &n) || n != 10 || (day = fc_day_parse (s, n)) == 0)
        return dbk_svc_reject (ctx, DBK_EINVAL, "as_of", "as_of must be a date YYYY-MM-DD");
    bool from_book = true;
    const dbk_obj_t *ob = dbk_obj_get (req, "book");
    if (ob && dbk_obj_bool (ob, &from_book))
        return dbk_svc_reject (ctx, DBK_EINVAL, "book", "book must be true or false");
    memcpy (b->as_of, s, 10);
    int rc = forecasting_replay_open (ctx, &b->r, day, from_book);
    if (rc == DBK_EBUSY || rc == DBK_ECORRUPT)
        return rc; /* rejected with its sentence (out of file descriptors, a record altered) */
    if (rc)
        return dbk_svc_reject (ctx, rc, "as_of", "replaying the log for as_of failed: %s",
                               dbk_strerror (rc));
    b->book = b->r.book;
    return 0;
}

/*  The day a query asks about: its as_of, else today (DEALBOOK_TIMEZONE):
    what says whether a period has begun (fc_period_begun). */
static fc_day_t s_asked (dbk_svc_ctx_t *ctx, const s_book_t *b)
{
    char today[11];
    if (b->as_of[0])
        return fc_day (b->as_of);
    dbk_config_today (dbk_svc_config (ctx), today);
    return fc_day (today);
}

/*  ---- request fields ---- */

typedef struct {
    char owner[FC_SHORT_MAX + 1], team[FC_SHORT_MAX + 1], region[FC_SHORT_MAX + 1];
    char period[FC_PERIOD_MAX + 2], currency[4];
    bool unlisted; /* currency shaped as a code the table lacks */
    fc_filter_t f;
} s_filter_t;

static int s_text (dbk_svc_ctx_t *ctx, const dbk_obj_t *req, const char *key, char *out,
                   size_t outsz, bool required)
{
    const char *s;
    size_t n;
    out[0] = 0;
    const dbk_obj_t *o = dbk_obj_get (req, key);
    if (!o && !required)
        return 0;
    if (!o || dbk_obj_str (o, &s, &n) || n == 0 || n >= outsz || memchr (s, 0, n))
        return dbk_svc_reject (ctx, DBK_EINVAL, key, "%s must be text of 1 to %zu bytes%s", key,
                               outsz - 1, required ? " (required)" : "");
    memcpy (out, s, n);
    out[n] = 0;
    return 0;
}

/*  INVALID "currency" in the words a command's currency is refused with
    (contacts_fields.c), naming the value when it is short and plain. */
static int s_bad_currency (dbk_svc_ctx_t *ctx, const char *s, size_t n)
{
    bool plain = s && n > 0 && n <= 8;
    for (size_t i = 0; plain && i < n; i++)
        plain = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\'';
    if (!plain)
        return dbk_svc_reject (ctx, DBK_EINVAL, "currency",
                               "currency must be an ISO 4217 code such as " DBK_CURRENCY_EXAMPLES);
    return dbk_svc_reject (ctx, DBK_EINVAL, "currency",
                           "currency must be an ISO 4217 code such as " DBK_CURRENCY_EXAMPLES
                           ", not '%.*s'",
                           (int) n, s);
}

/*  The filter's "currency": a code of the one ISO 4217 table
    (dbk_currency.h), as a command's is: "usd" or "XYZ" asks for a figure
    in a money no deal can be in, and would answer zero, as if there
    were nothing, rather than say the typing error. A code shaped like
    one that the table lacks (HRK, dropped since) is kept `unlisted`:
    deals of a log written before may be in it, and s_open_for asks the
    book. */
static int s_currency_field (dbk_svc_ctx_t *ctx, const dbk_obj_t *req, s_filter_t *q)
{
    const dbk_obj_t *o = dbk_obj_get (req, "currency");
    const char *s = NULL;
    size_t n = 0;
    if (!o)
        return 0;
    if (dbk_obj_str (o, &s, &n) || !dbk_currency_shaped (s, n))
        return s_bad_currency (ctx, s, n);
    memcpy (q->currency, s, 3);
    q->currency[3] = 0;
    q->unlisted = !dbk_currency_known (s, n);
    return 0;
}

static int s_filter (dbk_svc_ctx_t *ctx, const dbk_obj_t *req, s_filter_t *q, bool need_period)
{
    int rc = 0;
    memset (q, 0, sizeof *q);
    if ((rc = s_text (ctx, req, "owner", q->owner, sizeof q->owner, false)) ||
        (rc = s_text (ctx, req, "team", q->team, sizeof q->team, false)) ||
        (rc = s_text (ctx, req, "region", q->region, sizeof q->region, false)) ||
        (rc = s_text (ctx, req, "period", q->period, sizeof q->period, need_period)) ||
        (rc = s_currency_field (ctx, req, q)))
        return rc;
    fc_period_t p;
    if (q->period[0] && fc_period_parse (q->period, strlen (q->period), &p))
        return dbk_svc_reject (ctx, DBK_EINVAL, "period",
                               "period must be a month YYYY-MM, a quarter YYYY-Qn or a year YYYY");
    q->f = (fc_filter_t){q->owner[0] ? q->owner : NULL, q->team[0] ? q->team : NULL,
                         q->region[0] ? q->region : NULL, q->period[0] ? q->period : NULL,
                         q->currency[0] ? q->currency : NULL};
    return 0;
}

/*  s_open for a query with filter q: a currency the table lacks is
    asked for only when the book (the one the query reads) holds a deal
    in it; else it is refused as any code that is not one. */
static int s_open_for (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, const s_filter_t *q,
                       s_book_t *b)
{
    int rc = s_open (ctx, txn, req, b);
    if (rc || !q->unlisted)
        return rc;
    int held = fc_holds_currency (b->book, q->currency);
    if (held == 1)
        return 0;
    s_close (b);
    return held < 0 ? held : s_bad_currency (ctx, q->currency, 3);
}

/*  A figure refused for mixing currencies: name them. */
static int s_figure_rc (dbk_svc_ctx_t *ctx, const s_book_t *b, const s_filter_t *q, int rc)
{
    if (rc != DBK_EREJECTED)
        return rc;
    char cur[8][4], list[64] = "";
    int n = fc_currencies (b->book, &q->f, cur, 8);
    for (int i = 0; i < n && i < 8; i++)
        snprintf (list + strlen (list), sizeof list - strlen (list), "%s%s", i ? ", " : "", cur[i]);
    return dbk_svc_reject (ctx, DBK_EREJECTED, "currency",
                           "the deals are in several currencies (%s): give currency", list);
}

/*  "currency": the one the figures' amounts are in (the filter's, or the
    only one of the matching deals), nil when no deal matches. */
static void s_currency (dbk_wr_t *w, const s_book_t *b, const s_filter_t *q)
{
    char cur[1][4];
    dbk_wr_cstr (w, "currency");
    if (q->f.currency)
        dbk_wr_cstr (w, q->f.currency);
    else if (fc_currencies (b->book, &q->f, cur, 1) == 1)
        dbk_wr_cstr (w, cur[0]);
    else
        dbk_wr_nil (w);
}

/*  ---- figures on the wire ----

    The book adds amounts in 128 bits (fc_wide_t), so a figure is what
    the deals add up to, whatever its size. The wire's integer is an
    int64: a figure is written as one only when it fits. The first that
    does not is remembered, and the query is refused naming it
    (s_out_end): a total that wrapped, or one cut to the largest int64,
    would be a wrong figure that nothing marks as wrong. */

typedef struct {
    dbk_wr_t *w;
    char field[64];  /* the first figure over int64 ("": none) */
    char where[240]; /* which row holds it ("": the answer's)  */
    fc_wide_t value; /* its value                              */
} s_out_t;

/*  Write key: v, when v fits. path: where key lives in the answer
    ("open", "levels.L1"; NULL: at its top). */
static void s_fig (s_out_t *o, const char *path, const char *key, fc_wide_t v)
{
    dbk_wr_cstr (o->w, key);
    if (dbk_wide_fits (v)) {
        dbk_wr_i64 (o->w, (int64_t) v);
        return;
    }
    dbk_wr_nil (o->w); /* the answer is not sent (s_out_end) */
    if (!o->field[0]) {
        snprintf (o->field, sizeof o->field, "%s%s%s", path ? path : "", path ? "." : "", key);
        o->value = v;
    }
}

/*  0, or the refusal of an answer that holds a figure over int64
    (TOO_LARGE, field: that figure). */
static int s_out_end (dbk_svc_ctx_t *ctx, const s_out_t *o)
{
    if (!o->field[0])
        return 0;
    char v[DBK_WIDE_CHARS];
    dbk_wide_format (o->value, v);
    return dbk_svc_reject (ctx, DBK_ETOOBIG, o->field,
                           "%s%s%s is %s: a figure on the wire is an int64, at most %lld in "
                           "size; ask for fewer deals (by owner, team, region or period)",
                           o->field, o->where[0] ? " of " : "", o->where, v, (long long) INT64_MAX);
}

static void s_sum (s_out_t *o, const char *key, const fc_sum_t *s)
{
    dbk_wr_cstr (o->w, key);
    dbk_wr_map (o->w, 3);
    dbk_wr_kv_i64 (o->w, "count", s->count);
    s_fig (o, key, "amount", s->amount);
    s_fig (o, key, "weighted", s->weighted);
}

static void s_as_of (dbk_wr_t *w, const s_book_t *b)
{
    dbk_wr_cstr (w, "as_of");
    if (b->as_of[0])
        dbk_wr_cstr (w, b->as_of);
    else
        dbk_wr_nil (w);
}

/*  ---- the queries ---- */

/*  FUNNEL {owner, team, region, period, currency, as_of} */
int forecasting_funnel_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    s_filter_t q;
    s_book_t b;
    int rc = s_filter (ctx, req, &q, false);
    if (rc || (rc = s_open_for (ctx, txn, req, &q, &b)))
        return rc;
    fc_funnel_t f;
    s_out_t o = {.w = w};
    rc = s_figure_rc (ctx, &b, &q, fc_funnel (b.book, &q.f, &f));
    if (rc == 0) {
        dbk_wr_map (w, 9);
        dbk_wr_kv_cstr (w, "currency", f.currency);
        s_as_of (w, &b);
        dbk_wr_cstr (w, "levels");
        dbk_wr_array (w, FC_LEVELS);
        for (int l = 1; l <= FC_LEVELS; l++) {
            char code[16];
            snprintf (code, sizeof code, "L%d", l);
            char path[24];
            snprintf (path, sizeof path, "levels.%s", code);
            dbk_wr_map (w, 5);
            dbk_wr_kv_cstr (w, "level", code);
            dbk_wr_kv_i64 (w, "probability", FC_CFG (ctx)->probability[l]);
            dbk_wr_kv_i64 (w, "count", f.level[l].count);
            s_fig (&o, path, "amount", f.level[l].amount);
            s_fig (&o, path, "weighted", f.level[l].weighted);
        }
        s_sum (&o, "open", &f.open);
        s_sum (&o, "commit", &f.commit);
        s_sum (&o, "best_case", &f.best_case);
        s_sum (&o, "won", &f.won);
        s_sum (&o, "lost", &f.lost);
        s_sum (&o, "abandoned", &f.abandoned);
        rc = s_out_end (ctx, &o);
    }
    s_close (&b);
    return rc;
}

/*  FORECAST {period (required), owner | team, region, currency, as_of} */
int forecasting_outlook_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    s_filter_t q;
    s_book_t b;
    int rc = s_filter (ctx, req, &q, true);
    if (rc || (rc = s_open_for (ctx, txn, req, &q, &b)))
        return rc;
    fc_outlook_t o;
    s_out_t out = {.w = w};
    rc = s_figure_rc (ctx, &b, &q, fc_forecast_outlook (b.book, &q.f, &o));
    if (rc == 0) {
        dbk_wr_map (w, 14);
        dbk_wr_kv_cstr (w, "period", q.period);
        dbk_wr_kv_cstr (w, "currency", o.currency);
        s_as_of (w, &b);
        s_fig (&out, NULL, "pipeline", o.pipeline);
        s_fig (&out, NULL, "weighted", o.weighted);
        s_fig (&out, NULL, "commit", o.commit);
        s_fig (&out, NULL, "best_case", o.best_case);
        s_fig (&out, NULL, "won", o.won);
        dbk_wr_cstr (w, "quota");
        if (o.has_quota)
            dbk_wr_i64 (w, o.quota);
        else
            dbk_wr_nil (w);
        s_fig (&out, NULL, "remaining", o.remaining);
        s_fig (&out, NULL, "attainment_pm", o.attainment_pm);
        s_fig (&out, NULL, "coverage_pm", o.coverage_pm);
        s_fig (&out, NULL, "projected", o.projected);
        dbk_wr_kv_bool (w, "has_quota", o.has_quota);
        rc = s_out_end (ctx, &out);
    }
    s_close (&b);
    return rc;
}

static void s_accuracy_item (s_out_t *o, const fc_accuracy_t *a)
{
    dbk_wr_t *w = o->w;
    char path[8 + FC_PERIOD_MAX + 1];
    snprintf (path, sizeof path, "periods.%.*s", FC_PERIOD_MAX, a->period);
    dbk_wr_map (w, 13);
    dbk_wr_kv_cstr (w, "period", a->period);
    dbk_wr_kv_bool (w, "begun", a->begun);
    dbk_wr_kv_bool (w, "closed", a->closed);
    s_fig (o, path, "won", a->won);
    dbk_wr_kv_bool (w, "has_forecast", a->has_forecast);
    dbk_wr_kv_bool (w, "adjusted", a->adjusted);
    dbk_wr_kv_i64 (w, "forecast", a->forecast);
    s_fig (o, path, "forecast_ratio_pm", a->forecast_ratio_pm);
    dbk_wr_kv_i64 (w, "forecast_accuracy_pm", a->forecast_accuracy_pm);
    dbk_wr_kv_bool (w, "has_snapshot", a->has_snapshot);
    s_fig (o, path, "snapshot_weighted", a->snapshot_weighted);
    s_fig (o, path, "snapshot_ratio_pm", a->snapshot_ratio_pm);
    dbk_wr_kv_i64 (w, "snapshot_accuracy_pm", a->snapshot_accuracy_pm);
}

/*  ACCURACY {owner, period (the last one), periods (1..24, default 1),
    currency, as_of} -> {owner, currency, periods: [...] oldest first} */
int forecasting_accuracy_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    s_filter_t q;
    s_book_t b;
    uint64_t n = 1;
    int rc = s_filter (ctx, req, &q, true);
    if (rc == 0 && !q.owner[0])
        rc = dbk_svc_reject (ctx, DBK_EINVAL, "owner", "owner is required");
    const dbk_obj_t *no = dbk_obj_get (req, "periods");
    if (rc == 0 && no && (dbk_obj_u64 (no, &n) || n < 1 || n > 24))
        rc = dbk_svc_reject (ctx, DBK_EINVAL, "periods", "periods must be from 1 to 24");
    if (rc || (rc = s_open_for (ctx, txn, req, &q, &b)))
        return rc;
    if (!q.currency[0]) {
        /*  the one currency of the owner's deals (of any period); none
            yet: nothing was won, the figures are zero in any currency */
        fc_filter_t any = {q.f.owner, NULL, NULL, NULL, NULL};
        char cur[8][4];
        int nc = fc_currencies (b.book, &any, cur, 8);
        if (nc > 1) {
            int refused = s_figure_rc (ctx, &b, &q, DBK_EREJECTED);
            s_close (&b);
            return refused;
        }
        /*  no deal yet: the period's forecast says which currency (a
            forecast of 0 won is still a forecast), else any will do */
        fc_forecast_t *f = nc == 0 ? calloc (1, sizeof *f) : NULL;
        bool fcur = f && q.period[0] && fc_book_forecast (b.book, q.owner, q.period, f) == 0 &&
                    f->currency[0];
        snprintf (q.currency, sizeof q.currency, "%s",
                  nc == 1 ? cur[0]
                  : fcur  ? f->currency
                          : "CNY");
        free (f);
    }
    fc_accuracy_t a[24];
    rc =
        fc_accuracy_trend (b.book, q.owner, q.period, q.currency, s_asked (ctx, &b), a, (size_t) n);
    if (rc == 0) {
        dbk_wr_map (w, 4);
        dbk_wr_kv_cstr (w, "owner", q.owner);
        dbk_wr_kv_cstr (w, "currency", q.currency);
        s_as_of (w, &b);
        dbk_wr_cstr (w, "periods");
        dbk_wr_array (w, (uint32_t) n);
        s_out_t o = {.w = w};
        for (size_t i = 0; i < n; i++)
            s_accuracy_item (&o, &a[i]);
        rc = s_out_end (ctx, &o);
    }
    s_close (&b);
    return rc;
}

/*  A list of deals {id, owner, level, days}; not_pursued ones also say
    their decision (hold, drop). */
static void s_refs (dbk_wr_t *w, const char *key, const fc_refs_t *r)
{
    size_t n = r->n < r->max ? r->n : r->max;
    bool decision = !strcmp (key, "not_pursued");
    dbk_wr_cstr (w, key);
    dbk_wr_array (w, (uint32_t) n);
    for (size_t i = 0; i < n; i++) {
        char code[16];
        snprintf (code, sizeof code, "L%d", r->refs[i].level);
        dbk_wr_map (w, 4 + decision);
        if (decision)
            dbk_wr_kv_cstr (w, "decision", r->refs[i].pursuit == FC_DROP ? "drop" : "hold");
        dbk_wr_kv_cstr (w, "id", r->refs[i].id);
        dbk_wr_kv_cstr (w, "owner", r->refs[i].owner);
        dbk_wr_kv_cstr (w, "level", code);
        dbk_wr_kv_i64 (w, "days", r->refs[i].days);
    }
}

#define S_REFS 200 /* deals listed per figure */

/*  The day figures are measured against: "on" if given, else as_of, else
    the book's clock. */
static int s_day (dbk_svc_ctx_t *ctx, const dbk_obj_t *req, const s_book_t *b, fc_day_t *day)
{
    const dbk_obj_t *o = dbk_obj_get (req, "on");
    const char *s;
    size_t n;
    *day = b->as_of[0] ? fc_day (b->as_of) : 0;
    if (o && (dbk_obj_str (o, &s, &n) || n != 10 || (*day = fc_day_parse (s, n)) == 0))
        return dbk_svc_reject (ctx, DBK_EINVAL, "on", "on must be a date YYYY-MM-DD");
    return 0;
}

/*  PROGRESS {filter, as_of, on} */
int forecasting_progress_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    s_filter_t q;
    s_book_t b;
    fc_day_t day;
    int rc = s_filter (ctx, req, &q, false);
    if (rc || (rc = s_open_for (ctx, txn, req, &q, &b)))
        return rc;
    fc_ref_t *refs = calloc (S_REFS, sizeof *refs);
    fc_progress_t p = {0};
    p.stuck = (fc_refs_t){refs, refs ? S_REFS : 0, 0};
    rc = s_day (ctx, req, &b, &day);
    if (rc == 0)
        rc = s_figure_rc (ctx, &b, &q, fc_progress (b.book, &q.f, day, &p));
    if (rc == 0) {
        dbk_wr_map (w, 9);
        s_as_of (w, &b);
        dbk_wr_cstr (w, "levels");
        dbk_wr_array (w, FC_LEVELS);
        for (int l = 1; l <= FC_LEVELS; l++) {
            char code[16];
            snprintf (code, sizeof code, "L%d", l);
            dbk_wr_map (w, 8);
            dbk_wr_kv_cstr (w, "level", code);
            dbk_wr_kv_i64 (w, "reached", p.reached[l]);
            dbk_wr_kv_i64 (w, "next_pm", l < FC_LEVELS ? p.next_pm[l] : -1);
            dbk_wr_kv_i64 (w, "won_pm", p.won_pm[l]);
            dbk_wr_kv_i64 (w, "won_from", p.won_from[l]);
            dbk_wr_kv_i64 (w, "stays", p.stays[l]);
            dbk_wr_kv_i64 (w, "median_days", p.median_days[l]);
            dbk_wr_kv_i64 (w, "p90_days", p.p90_days[l]);
        }
        dbk_wr_kv_i64 (w, "deals", p.deals);
        dbk_wr_kv_i64 (w, "won", p.won);
        dbk_wr_kv_i64 (w, "lost", p.lost + p.abandoned);
        dbk_wr_kv_i64 (w, "win_rate_pm", p.win_rate_pm);
        dbk_wr_kv_i64 (w, "slips", p.slips);
        dbk_wr_kv_i64 (w, "slipped_deals", p.slipped_deals);
        s_refs (w, "stuck", &p.stuck);
    }
    free (refs);
    s_close (&b);
    return rc;
}

/*  HEALTH {filter, fresh_days (1..365, default 14), as_of, on} */
int forecasting_health_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    s_filter_t q;
    s_book_t b;
    fc_day_t day;
    uint64_t fresh = 14;
    int rc = s_filter (ctx, req, &q, false);
    const dbk_obj_t *fo = dbk_obj_get (req, "fresh_days");
    if (rc == 0 && fo && (dbk_obj_u64 (fo, &fresh) || fresh < 1 || fresh > 365))
        rc = dbk_svc_reject (ctx, DBK_EINVAL, "fresh_days", "fresh_days must be from 1 to 365");
    if (rc || (rc = s_open_for (ctx, txn, req, &q, &b)))
        return rc;
    fc_ref_t *refs = calloc (4 * S_REFS, sizeof *refs);
    fc_health_t h = {0};
    if (refs) {
        h.stale = (fc_refs_t){refs, S_REFS, 0};
        h.past_due = (fc_refs_t){refs + S_REFS, S_REFS, 0};
        h.stuck = (fc_refs_t){refs + 2 * S_REFS, S_REFS, 0};
        h.not_pursued = (fc_refs_t){refs + 3 * S_REFS, S_REFS, 0};
    }
    rc = s_day (ctx, req, &b, &day);
    if (rc == 0)
        rc = s_figure_rc (ctx, &b, &q, fc_health (b.book, &q.f, day, (int) fresh, &h));
    if (rc == 0) {
        dbk_wr_map (w, 12);
        s_as_of (w, &b);
        dbk_wr_kv_bool (w, "fresh", h.fresh);
        dbk_wr_kv_bool (w, "clean", h.clean);
        dbk_wr_kv_bool (w, "balanced", h.balanced);
        dbk_wr_kv_bool (w, "moving", h.moving);
        dbk_wr_kv_i64 (w, "open", h.open);
        dbk_wr_cstr (w, "level_count");
        dbk_wr_array (w, FC_LEVELS);
        for (int l = 1; l <= FC_LEVELS; l++)
            dbk_wr_i64 (w, h.level_count[l]);
        s_out_t o = {.w = w};
        s_fig (&o, NULL, "coverage_pm", h.coverage_pm);
        s_refs (w, "stale", &h.stale);
        s_refs (w, "past_due", &h.past_due);
        s_refs (w, "stuck", &h.stuck);
        s_refs (w, "not_pursued", &h.not_pursued);
        rc = s_out_end (ctx, &o);
    }
    free (refs);
    s_close (&b);
    return rc;
}

/*  WINLOSS {filter, by (reason | competitor | region | tender_type), as_of};
    by competitor, each row also names the competitor (fc_winloss). */
int forecasting_winloss_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    static const char *const bys[] = {"reason", "competitor", "region", "tender_type"};
    s_filter_t q;
    s_book_t b;
    int by = 0;
    int rc = s_filter (ctx, req, &q, false);
    const dbk_obj_t *bo = dbk_obj_get (req, "by");
    if (rc == 0 && bo) {
        by = -1;
        for (int i = 0; i < 4; i++)
            if (dbk_obj_str_eq (bo, bys[i]))
                by = i;
        if (by < 0)
            rc = dbk_svc_reject (ctx, DBK_EINVAL, "by",
                                 "by must be reason, competitor, region or tender_type");
    }
    if (rc || (rc = s_open_for (ctx, txn, req, &q, &b)))
        return rc;
    enum { MAX = 200 };
    fc_wl_row_t *rows = calloc (MAX, sizeof *rows);
    int n = rows ? fc_winloss (b.book, &q.f, (fc_by_t) by, rows, MAX) : DBK_ENOMEM;
    rc = n < 0 ? s_figure_rc (ctx, &b, &q, n) : 0;
    if (rc == 0) {
        size_t m = (size_t) n < MAX ? (size_t) n : MAX;
        dbk_wr_map (w, 4);
        dbk_wr_kv_cstr (w, "by", bys[by]);
        s_currency (w, &b, &q);
        s_as_of (w, &b);
        dbk_wr_cstr (w, "rows");
        dbk_wr_array (w, (uint32_t) m);
        s_out_t o = {.w = w};
        for (size_t i = 0; i < m; i++) {
            bool rival = by == FC_BY_COMPETITOR;
            dbk_wr_map (w, rival ? 7 : 6);
            dbk_wr_kv_cstr (w, "key", rows[i].key);
            if (rival) { /* the competitor the key names, nil: a text no competitor has */
                dbk_wr_cstr (w, "competitor_id");
                if (rows[i].competitor[0])
                    dbk_wr_cstr (w, rows[i].competitor);
                else
                    dbk_wr_nil (w);
            }
            dbk_wr_kv_i64 (w, "won", rows[i].won);
            dbk_wr_kv_i64 (w, "lost", rows[i].lost);
            dbk_wr_kv_i64 (w, "abandoned", rows[i].abandoned);
            bool was = o.field[0] != 0;
            s_fig (&o, "rows", "won_amount", rows[i].won_amount);
            s_fig (&o, "rows", "lost_amount", rows[i].lost_amount);
            if (!was && o.field[0])
                snprintf (o.where, sizeof o.where, "the row of %s \"%s\"", bys[by], rows[i].key);
        }
        rc = s_out_end (ctx, &o);
    }
    free (rows);
    s_close (&b);
    return rc;
}

/*  CHANGES {filter, from, to (dates, required), as_of} */
int forecasting_changes_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    s_filter_t q;
    s_book_t b;
    char from[16], to[16];
    int rc = s_filter (ctx, req, &q, false);
    if (rc == 0)
        rc = s_text (ctx, req, "from", from, sizeof from, true);
    if (rc == 0)
        rc = s_text (ctx, req, "to", to, sizeof to, true);
    fc_day_t f = rc ? 0 : fc_day (from), t = rc ? 0 : fc_day (to);
    if (rc == 0 && (!f || !t || t < f))
        rc = dbk_svc_reject (ctx, DBK_EINVAL, !f ? "from" : "to",
                             "from and to must be dates YYYY-MM-DD, from <= to");
    if (rc || (rc = s_open_for (ctx, txn, req, &q, &b)))
        return rc;
    enum { MAX = 500 };
    fc_change_row_t *rows = calloc (MAX, sizeof *rows);
    int n = rows ? fc_changes (b.book, &q.f, f, t, rows, MAX) : DBK_ENOMEM;
    rc = n < 0 ? s_figure_rc (ctx, &b, &q, n) : 0;
    if (rc == 0) {
        size_t m = (size_t) n < MAX ? (size_t) n : MAX;
        dbk_wr_map (w, 5);
        dbk_wr_kv_cstr (w, "from", from);
        dbk_wr_kv_cstr (w, "to", to);
        s_filter_t any = q; /* CHANGES ignores the period (fc_changes) */
        any.f.period = NULL;
        s_currency (w, &b, &any);
        s_as_of (w, &b);
        dbk_wr_cstr (w, "owners");
        dbk_wr_array (w, (uint32_t) m);
        s_out_t o = {.w = w};
        for (size_t i = 0; i < m; i++) {
            dbk_wr_map (w, 9);
            dbk_wr_kv_cstr (w, "owner", rows[i].owner);
            dbk_wr_kv_i64 (w, "added", rows[i].added);
            dbk_wr_kv_i64 (w, "advanced", rows[i].advanced);
            dbk_wr_kv_i64 (w, "slipped", rows[i].slipped);
            dbk_wr_kv_i64 (w, "won", rows[i].won);
            dbk_wr_kv_i64 (w, "lost", rows[i].lost);
            bool was = o.field[0] != 0;
            s_fig (&o, "owners", "added_amount", rows[i].added_amount);
            s_fig (&o, "owners", "won_amount", rows[i].won_amount);
            s_fig (&o, "owners", "amount_delta", rows[i].amount_delta);
            if (!was && o.field[0])
                snprintf (o.where, sizeof o.where, "owner %s", rows[i].owner);
        }
        rc = s_out_end (ctx, &o);
    }
    free (rows);
    s_close (&b);
    return rc;
}

/*  QUOTA_GET {scope, who, period} */
int forecasting_quota_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char scope[16], who[FC_SHORT_MAX + 1], period[FC_PERIOD_MAX + 2];
    s_book_t b;
    int rc;
    if ((rc = s_text (ctx, req, "scope", scope, sizeof scope, true)) ||
        (rc = s_text (ctx, req, "who", who, sizeof who, true)) ||
        (rc = s_text (ctx, req, "period", period, sizeof period, true)) ||
        (rc = s_open (ctx, txn, req, &b)))
        return rc;
    fc_quota_t qt;
    rc = fc_book_quota (b.book, scope, who, period, &qt);
    if (rc == DBK_ENOTFOUND)
        rc = dbk_svc_reject (ctx, rc, "period", "no quota for %s %s in %s", scope, who, period);
    else if (rc == DBK_EINVAL)
        rc = dbk_svc_reject (ctx, rc, "period",
                             "scope must be owner or team, period a month, "
                             "quarter or year");
    if (rc == 0) {
        char on[11];
        fc_day_format (qt.on, on);
        dbk_wr_map (w, 6);
        dbk_wr_kv_cstr (w, "scope", qt.scope);
        dbk_wr_kv_cstr (w, "who", qt.who);
        dbk_wr_kv_cstr (w, "period", qt.period);
        dbk_wr_kv_i64 (w, "amount", qt.amount);
        dbk_wr_kv_cstr (w, "currency", qt.currency);
        dbk_wr_kv_cstr (w, "on", on);
    }
    s_close (&b);
    return rc;
}

static void s_figures (dbk_wr_t *w, const char *key, const fc_figures_t *f)
{
    dbk_wr_cstr (w, key);
    if (!f->set) {
        dbk_wr_nil (w);
        return;
    }
    char on[11];
    fc_day_format (f->on, on);
    dbk_wr_map (w, 4);
    dbk_wr_kv_i64 (w, "commit", f->commit);
    dbk_wr_kv_i64 (w, "best_case", f->best_case);
    dbk_wr_kv_i64 (w, "pipeline", f->pipeline);
    dbk_wr_kv_cstr (w, "on", on);
}

/*  FORECAST_GET {owner, period} */
int forecasting_forecast_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char owner[FC_SHORT_MAX + 1], period[FC_PERIOD_MAX + 2];
    s_book_t b;
    int rc;
    if ((rc = s_text (ctx, req, "owner", owner, sizeof owner, true)) ||
        (rc = s_text (ctx, req, "period", period, sizeof period, true)) ||
        (rc = s_open (ctx, txn, req, &b)))
        return rc;
    fc_forecast_t *f = calloc (1, sizeof *f);
    rc = f ? fc_book_forecast (b.book, owner, period, f) : DBK_ENOMEM;
    if (rc == DBK_ENOTFOUND || rc == DBK_EINVAL)
        rc = dbk_svc_reject (ctx, rc, "period", "no forecast of %s for %s", owner, period);
    if (rc == 0) {
        /*  before the period begins nothing is frozen yet: the
            submission and adjustment in force when it begins will be */
        fc_period_t p;
        bool begun = fc_period_parse (f->period, strlen (f->period), &p) == 0 &&
                     fc_period_begun (b.book, &p, s_asked (ctx, &b));
        const fc_figures_t none = {0};
        dbk_wr_map (w, 10);
        dbk_wr_kv_cstr (w, "owner", f->owner);
        dbk_wr_kv_cstr (w, "period", f->period);
        dbk_wr_kv_cstr (w, "currency", f->currency);
        dbk_wr_kv_bool (w, "begun", begun);
        s_figures (w, "submitted", &f->submitted);
        s_figures (w, "adjusted", &f->adjusted);
        s_figures (w, "frozen", begun ? &f->frozen : &none);
        s_figures (w, "frozen_adjusted", begun ? &f->frozen_adjusted : &none);
        dbk_wr_kv_u64 (w, "revisions", f->revisions);
        dbk_wr_kv_u64 (w, "late", f->late);
    }
    free (f);
    s_close (&b);
    return rc;
}
