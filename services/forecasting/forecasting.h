/*  forecasting.h - the pure core of the forecasting service (DOMAIN §6:
    the funnel, the sales forecast 销售预测, forecast accuracy 预计准确度,
    progress and problems 评估销售工作的进展和问题, the four principles of
    funnel health). Three parts, none of which does I/O:

    1. DECIDERS of the categories the service owns (DESIGN §3): quotas
       (`quota-<period>.<scope>.<who>`) and forecasts submitted by
       salespeople and adjusted by managers (`forecast-<period>.<owner>`).
    2. THE BOOK (fc_book_*): a projection that folds the log's events one
       at a time into per-deal records and incremental aggregates, kept in
       a storage-agnostic store (fc_store_t: ordered key-value tables).
       An in-memory store is provided (tests, as-of replays); the service
       implements the same interface on LMDB.
    3. THE FIGURES: pure functions over a book (funnel, forecast against
       quota, accuracy, progress, health, win/loss, what changed).

    Conventions
    - Money is int64 minor units with an ISO 4217 currency. Figures never
      add amounts of different currencies: each figure is computed for ONE
      currency (fc_filter_t.currency); when the filter leaves it NULL and
      the matching deals use exactly one currency, that one is used; when
      they use several, the figure answers DBK_EREJECTED and
      fc_currencies lists them. Progress and health only count deals:
      with a NULL currency they take every currency.
    - Weighted amount of a deal = amount x probability / 100 rounded half
      up to minor units (fc_weighted), probability by level (config,
      defaults L1 10, L2 25, L3 50, L4 75, L5 90), won 100, lost /
      abandoned / duplicate 0. Sums of weighted amounts are sums of the
      per-deal rounded values, so a total never depends on grouping.
    - Sums are never wrapped. Each amount folded is an int64, but the
      sums of many (the cells, the snapshots, every figure that adds
      deals up) are fc_wide_t, 128 bits: 9,300 deals of 10^15 minor
      units each already pass INT64_MAX. A figure says what the deals
      add up to, whatever its size; whether it fits the wire's int64 is
      the service's to tell (dbk_wide_fits; forecasting_query.c refuses
      the query naming the figure, docs/protocol.md §16.4).
    - Ratios are per-mille integers (rounded half up, computed without
      any intermediate overflow), or -1 when the denominator is 0 ("not
      defined").
    - Dates are fc_day_t day numbers (0: unknown). An event's business
      date is its payload's "on", else its envelope's `at` (UTC), else
      unknown.
    - Cost: the funnel, the outlook and accuracy sum aggregate cells
      through a key prefix (owner, team or region, then month), so they
      cost the cells that answer, never the events folded. A filter on
      one dimension (or none) reads its roll-up, whose cells keep only
      that dimension, month, currency, level and state: a few hundred
      cells whatever the number of deals; a combination of dimensions
      reads the full cells of the first one named; progress,
      health, win/loss and changes walk the deals (their history is in
      each deal record), never the log.

    Files: fc_common.c (dates, periods, money, stream names), fc_decide.c
    (deciders, evolve), fc_store_mem.c (in-memory store), fc_book.c (the
    fold, cells, snapshots), fc_competitor.c (the competitors a loss's
    winner resolves to), fc_figures.c (funnel, outlook, accuracy),
    fc_progress.c (progress, health, win/loss, changes); fc_internal.h is
    shared by the last four only.
*/
#ifndef FORECASTING_H
#define FORECASTING_H

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_decide.h"
#include "dealbook/dbk_money.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*  ---- limits ---- */
#define FC_ID_MAX 64                     /* a deal id (bytes)                        */
#define FC_SHORT_MAX 100                 /* owner, team, region (bytes)              */
#define FC_TEXT_MAX 200                  /* loss reason, winner kept (truncated)     */
#define FC_NOTE_MAX 4000                 /* a note in a command                      */
#define FC_AMOUNT_MAX 1000000000000000LL /* minor units                             */
#define FC_LEVELS 5                      /* L1..L5                                   */
#define FC_HIST_MAX 64                   /* history entries kept per deal (newest)   */
#define FC_PERIOD_MAX 7                  /* "YYYY-MM", "YYYY-Qn", "YYYY"             */

/*  ======================= dates, periods, money ======================= */

typedef int32_t fc_day_t; /* days since 0000-03-01 (proleptic Gregorian); 0: unknown */

/*  [s, s+n) as YYYY-MM-DD (years 1..9999); 0 if not a real date. */
fc_day_t fc_day_parse (const char *s, size_t n);
/*  NUL-terminated shorthand of fc_day_parse (NULL: 0). */
fc_day_t fc_day (const char *s);
/*  "YYYY-MM-DD" into out ("" for 0). */
void fc_day_format (fc_day_t day, char out[11]);
/*  The business day of unix milliseconds at utc_offset_min east of UTC
    (dbk_day_of_ms; 0: the UTC day); 0 for ms <= 0 and after 9999-12-31. */
fc_day_t fc_day_from_ms (int64_t ms, int utc_offset_min);
/*  Month index year*12 + month-1 of a day (0 for 0). */
int fc_day_month (fc_day_t day);

typedef enum { FC_MONTH = 1, FC_QUARTER, FC_YEAR } fc_period_kind_t;

/*  A calendar period: a month YYYY-MM, a quarter YYYY-Qn or a year YYYY. */
typedef struct {
    fc_period_kind_t kind; /* which                                  */
    int first;             /* month index (year*12 + m-1) of its 1st  */
    int months;            /* 1, 3 or 12                              */
} fc_period_t;

/*  Parse [s, s+n); 0 or DBK_EINVAL. */
int fc_period_parse (const char *s, size_t n, fc_period_t *out);
/*  Its canonical text into out (FC_PERIOD_MAX + 1 bytes). */
void fc_period_format (const fc_period_t *p, char out[FC_PERIOD_MAX + 1]);
fc_day_t fc_period_start (const fc_period_t *p); /* first day  */
fc_day_t fc_period_end (const fc_period_t *p);   /* last day   */
/*  The period of the same kind `k` periods later (negative: earlier). */
fc_period_t fc_period_shift (const fc_period_t *p, int k);

/*  A sum of amounts, or a ratio of such sums: 128 bits (dbk_money.h).
    Its terms are int64 values, and a book holds far fewer than 2^54 of
    them, so no sum can wrap (nor num x 1000 in fc_permille). */
typedef dbk_wide_t fc_wide_t;

/*  amount x percent / 100, rounded half up (half away from zero for a
    negative amount), for any int64 amount and 0 <= percent <= 100:
    dbk_weighted, as the opportunities service weighs a deal. */
int64_t fc_weighted (int64_t amount, int percent);

/*  num x 1000 / den rounded half up (half away from zero for a negative
    num); -1 when den <= 0. Exact for any num while den < 2^116 and the
    ratio < 2^116 (any sums of the book); a larger den is halved with num
    first, and a larger ratio, which no figure holds, is 2^126: nothing
    overflows whatever the arguments. */
fc_wide_t fc_permille (fc_wide_t num, fc_wide_t den);

/*  ======================= configuration ======================= */

typedef struct {
    int probability[FC_LEVELS + 1]; /* [1..5] percent: 10 25 50 75 90          */
    int max_days[FC_LEVELS + 1];    /* [1..5] days a deal may stay: 30 30 21 14 14 */
    int64_t coverage_pm;            /* balanced funnel needs pipeline >= 3000 pm of quota */
    int utc_offset_min;             /* DEALBOOK_TIMEZONE: the day of an event without `on`
                                       is its `at`'s there (fc_book_apply): 0, UTC */
} fc_config_t;
extern const fc_config_t fc_default_config;

/*  ======================= deciders ======================= */

/*  A quota: scope "owner" or "team", who, period. Stream
    "quota-<period>.<scope>.<who>" (fc_quota_stream): who comes last so
    that it may hold any stream-safe character. */
typedef struct {
    bool exists;                    /* a quota.set was folded           */
    char scope[8];                  /* "owner" | "team"                 */
    char who[FC_SHORT_MAX + 1];     /* owner or team                    */
    char period[FC_PERIOD_MAX + 1]; /* canonical                        */
    int64_t amount;                 /* minor units                      */
    char currency[4];               /* ISO 4217                         */
    fc_day_t on;                    /* when last set                    */
} fc_quota_t;

/*  One set of forecast figures (a submission or an adjustment). */
typedef struct {
    bool set;          /* false: none                          */
    int64_t commit;    /* what the owner commits to win        */
    int64_t best_case; /* commit plus the likely upside        */
    int64_t pipeline;  /* everything still in play             */
    fc_day_t on;       /* business date it was made            */
} fc_figures_t;

/*  A forecast of `owner` for `period` (stream
    "forecast-<period>.<owner>"). THE FREEZE: a submission or adjustment
    dated BEFORE the period's first day replaces the frozen figures
    (frozen / frozen_adjusted: the last of each kind dated before the
    start); one dated on or after the first day is a LATE revision: it is
    recorded (current figures, `late` counted, the event says late: true)
    but never changes the frozen figures. Accuracy uses frozen_adjusted
    when set (the manager's word in force at the start), else frozen. An
    adjustment only touches `adjusted`: the original submission is kept. */
typedef struct {
    bool exists;                    /* a forecast.submitted was folded      */
    char owner[FC_SHORT_MAX + 1];   /* the salesperson                      */
    char period[FC_PERIOD_MAX + 1]; /* canonical                            */
    char currency[4];               /* of every figure                      */
    fc_figures_t submitted;         /* the owner's latest submission        */
    fc_figures_t adjusted;          /* the manager's latest adjustment      */
    fc_figures_t frozen;            /* submission in force at the start     */
    fc_figures_t frozen_adjusted;   /* adjustment in force at the start     */
    uint32_t revisions;             /* submissions + adjustments folded     */
    uint32_t late;                  /* of which dated on/after the start    */
} fc_forecast_t;

/*  What a decider cannot know. */
typedef struct {
    const char *today; /* business date YYYY-MM-DD, stamped "on" (required)  */
    const char *actor; /* who acts; NULL: not checked                        */
    bool manager;      /* the actor is a sales manager                       */
} fc_facts_t;

/*  Stream ids for the shell: "quota-2026-Q2.owner.wang",
    "forecast-2026-Q2.wang" (out: at least FC_SHORT_MAX + 32 bytes). The
    period is canonicalised; returns false if a part is invalid. */
bool fc_quota_stream (const char *scope, const char *who, const char *period, char *out,
                      size_t size);
bool fc_forecast_stream (const char *owner, const char *period, char *out, size_t size);

/*  Set a quota (managers only). cmd keys: scope ("owner" | "team"), who
    (stream-safe id, <= FC_SHORT_MAX), period, amount (minor units
    0..FC_AMOUNT_MAX), currency (required); note, force (bool) (optional).
    `state` is the stream fc_quota_stream names for these keys. Decides
    quota.set {scope, who, period (canonical), amount, currency,
    from_amount?, from_currency? (the quota replaced), note?, on}; nothing
    when amount and currency are unchanged. A quota set already is
    replaced in another currency only with force true: the figures
    measured against it would otherwise change meaning without a word.
    Rejections: EINVAL any field ("period" not a month, quarter or year;
    "on" without facts->today; "force" not a bool); EREJECTED "actor"
    unless facts->manager; EREJECTED "currency" naming the quota's
    currency when it would change without force. */
int fc_quota_set (dbk_decision_t *d, const fc_quota_t *state, const dbk_obj_t *cmd,
                  const fc_facts_t *facts);

/*  An owner submits (or resubmits) a forecast. cmd keys: owner, period,
    currency, commit, best_case, pipeline (required, minor units), note
    (optional). Decides forecast.submitted {owner, period, currency,
    commit, best_case, pipeline, late (bool: today >= the period's first
    day), note?, on}; nothing when the figures and currency equal the
    current submission.
    Rejections: EINVAL any field; EINVAL "best_case" below commit; EINVAL
    "pipeline" below best_case (the figures nest); EINVAL "on" without
    facts->today; EREJECTED "actor" when facts->actor is
    set, is not the owner and not a manager; EREJECTED "period" after the
    period's last day (a closed period takes no forecast). */
int fc_forecast_submit (dbk_decision_t *d, const fc_forecast_t *state, const dbk_obj_t *cmd,
                        const fc_facts_t *facts);

/*  A manager adjusts a submitted forecast, with a note; the submission
    stays on record. cmd keys: owner, period, commit, best_case, note
    (required); pipeline (default: the submission's); currency (optional,
    must be the submission's). Decides forecast.adjusted {owner, period,
    currency, commit, best_case, pipeline, note, by? (facts->actor),
    late, on}.
    Rejections: EINVAL any field, "best_case" below commit, "pipeline"
    below best_case (the pipeline given, or without one the submission's:
    a best case raised above it needs a pipeline), "currency" other than
    the submission's, "on" without today; EREJECTED "actor"
    unless facts->manager; ENOTFOUND "period" when nothing was submitted;
    EREJECTED "period" after its last day. */
int fc_forecast_adjust (dbk_decision_t *d, const fc_forecast_t *state, const dbk_obj_t *cmd,
                        const fc_facts_t *facts);

/*  Fold quota.set / forecast.submitted / forecast.adjusted (other types
    ignored: 0). Returns 0 or DBK_EMALFORMED (a required field missing or
    mangled, "on" included for forecasts; an amount outside
    0..FC_AMOUNT_MAX, which no decider decides). */
int fc_quota_evolve (fc_quota_t *st, const char *type, const dbk_obj_t *data);
int fc_forecast_evolve (fc_forecast_t *st, const char *type, const dbk_obj_t *data);

/*  ======================= the store ======================= */

/*  The book keeps everything in ordered key-value tables; keys and
    values are byte strings, compared as memcmp then length (LMDB's
    default order). Values are fixed-layout records of this build (the
    read model is disposable: a layout change means REBUILD from the log).
    Tables:
      FC_TAB_META      "seq", "clock": the checkpoint and the latest
                       business date seen
      FC_TAB_DEAL      deal id -> fc_deal_t packed: its numbers, its
                       texts by length, its nhist entries (fc_internal.h)
      FC_TAB_CELL      aggregate cells: full in three index orders and
                       roll-ups of one dimension or none; the key holds
                       the dimensions, the value the sums (fc_cell_parse)
      FC_TAB_QUOTA     period \0 scope \0 who -> fc_quota_t
      FC_TAB_FORECAST  period \0 owner -> fc_forecast_t
      FC_TAB_SNAP      period-start snapshots (fc_snap_t)
      FC_TAB_COMPETITOR  the contacts service's competitors: id -> name,
                       and their names folded -> id (fc_competitor.c) */
typedef enum {
    FC_TAB_META,
    FC_TAB_DEAL,
    FC_TAB_CELL,
    FC_TAB_QUOTA,
    FC_TAB_FORECAST,
    FC_TAB_SNAP,
    FC_TAB_COMPETITOR,
    FC_TABS
} fc_table_t;

/*  Called for each pair of a scan, in key order; key and val are
    borrowed for the call only and the callback must not change the
    store. A non-zero return stops the scan, which returns it. */
typedef int (fc_scan_fn) (void *arg, const void *key, size_t klen, const void *val, size_t vlen);

typedef struct {
    void *ctx; /* the implementation's, passed back to each */
    /*  Copy the value of key into val (cap bytes) and set *vlen to its
        length. 0; DBK_ENOTFOUND; DBK_ETOOBIG when cap < *vlen (nothing
        copied); DBK_EIO. */
    int (*get) (void *ctx, fc_table_t t, const void *key, size_t klen, void *val, size_t cap,
                size_t *vlen);
    /*  Insert or replace. 0, DBK_ENOMEM, DBK_ENOSPC, DBK_EIO. */
    int (*put) (void *ctx, fc_table_t t, const void *key, size_t klen, const void *val,
                size_t vlen);
    /*  Remove; 0 also when absent. */
    int (*del) (void *ctx, fc_table_t t, const void *key, size_t klen);
    /*  Every pair whose key starts with prefix (plen 0: all), in order. */
    int (*scan) (void *ctx, fc_table_t t, const void *prefix, size_t plen, fc_scan_fn *fn,
                 void *arg);
} fc_store_t;

/*  The in-memory store: per table a hash index (get, put and del in O(1)
    expected) and a key order sorted when a scan needs it (scans in key
    order). NULL on allocation failure. The store and its ctx are freed by
    fc_mem_store_destroy (safe twice). */
fc_store_t *fc_mem_store_new (void);
void fc_mem_store_destroy (fc_store_t **store_p);
/*  Pairs in a table (tests: aggregates do not grow with history). */
size_t fc_mem_store_count (const fc_store_t *store, fc_table_t t);

/*  ======================= the book ======================= */

typedef enum {
    FC_OPEN = 1,  /* in the funnel                          */
    FC_WON,       /* won                                    */
    FC_LOST,      /* lost (may be reopened)                 */
    FC_ABANDONED, /* abandoned (may be reopened)            */
    FC_DUPLICATE  /* closed by a conflict resolution        */
} fc_status_t;

/*  The decision of a deal's latest qualification (opportunity.qualified):
    a hold or a drop leaves the deal at its level, and so in the figures,
    until it is qualified to pursue again or closed. */
typedef enum {
    FC_PURSUE = 0, /* pursue, or never qualified */
    FC_HOLD,
    FC_DROP
} fc_pursuit_t;

typedef enum {
    FC_CAT_NONE = 0, /* not set                 */
    FC_CAT_PIPELINE,
    FC_CAT_BEST_CASE,
    FC_CAT_COMMIT,
    FC_CAT_OMITTED
} fc_category_t;

/*  What happened to a deal, kept per deal (newest FC_HIST_MAX). */
typedef enum {
    FC_H_REGISTERED = 1, /* a = amount                          */
    FC_H_LEVEL,          /* from -> to                          */
    FC_H_SLIP,           /* close date later: a old, b new day  */
    FC_H_PULL_IN,        /* close date earlier: a old, b new    */
    FC_H_AMOUNT,         /* a old, b new amount                 */
    FC_H_WON,            /* a = amount won                      */
    FC_H_LOST,           /*                                      */
    FC_H_ABANDONED,      /*                                      */
    FC_H_REOPENED,       /* back to L1                          */
    FC_H_DUPLICATE,      /* closed as a duplicate               */
    FC_H_CATEGORY        /* from -> to (fc_category_t)          */
} fc_hist_kind_t;

typedef struct {
    fc_day_t on;     /* business date                 */
    uint8_t kind;    /* fc_hist_kind_t                */
    int8_t from, to; /* levels or categories          */
    int64_t a, b;    /* see fc_hist_kind_t            */
} fc_hist_t;

/*  A deal as the book knows it. */
typedef struct {
    char id[FC_ID_MAX + 1];
    char owner[FC_SHORT_MAX + 1];
    char team[FC_SHORT_MAX + 1];   /* "" unknown                        */
    char region[FC_SHORT_MAX + 1]; /* "" unknown                        */
    char account[FC_ID_MAX + 1];
    char currency[4];                   /* of amount                         */
    char won_currency[4];               /* of won_amount                     */
    char won_reason[FC_TEXT_MAX + 1];   /* why it was won ("" not told)      */
    char loss_reason[FC_TEXT_MAX + 1];  /* last loss / abandonment reason    */
    char winner[FC_TEXT_MAX + 1];       /* winning competitor of last loss   */
    char tender_type[FC_SHORT_MAX + 1]; /* when a payload tells ("" unknown) */
    int status;                         /* fc_status_t                       */
    int category;                       /* fc_category_t                     */
    int level;                          /* 1..5                              */
    int max_level;                      /* highest level reached             */
    int pursuit;                        /* fc_pursuit_t                      */
    int64_t amount;                     /* estimate, minor units             */
    int64_t won_amount;                 /* when won                          */
    fc_day_t close;                     /* expected close                    */
    fc_day_t registered;                /* registration date                 */
    fc_day_t last_on;                   /* last change (latest event date)   */
    fc_day_t outcome;                   /* won / lost / abandoned on         */
    fc_day_t level_since;               /* entered its current level         */
    fc_day_t pursuit_on;                /* of the latest qualification       */
    uint32_t slips;                     /* close date moved later            */
    uint32_t nhist;                     /* entries in hist                   */
    fc_hist_t hist[FC_HIST_MAX];        /* oldest first                      */
} fc_deal_t;

/*  The day that places a deal in a period: the outcome date when won,
    lost or abandoned, else the expected close date. */
fc_day_t fc_deal_period_day (const fc_deal_t *deal);
/*  Its probability in percent under cfg (NULL: defaults). */
int fc_deal_probability (const fc_deal_t *deal, const fc_config_t *cfg);

/*  An aggregate cell: every deal with the same dimensions adds to it.
    state: 'n' open without category, 'p' pipeline, 'b' best_case, 'c'
    commit, 'x' omitted, 'W' won, 'L' lost, 'A' abandoned, 'D' duplicate.
    month: "YYYY-MM" of fc_deal_period_day ("0000-00" unknown). */
typedef struct {
    char owner[FC_SHORT_MAX + 1];
    char team[FC_SHORT_MAX + 1];
    char region[FC_SHORT_MAX + 1];
    char currency[4];
    char month[8];
    int level;          /* 1..5                              */
    char state;         /* as above                          */
    int64_t count;      /* deals                             */
    fc_wide_t amount;   /* estimate (won: amount won)        */
    fc_wide_t weighted; /* sum of per-deal weighted amounts  */
} fc_cell_t;

/*  A period-start snapshot of one owner's (scope 'o') or team's ('t')
    open deals expected to close in the period, in one currency. */
typedef struct {
    int64_t count;              /* open deals                       */
    fc_wide_t amount, weighted; /* their sums                       */
    fc_wide_t commit;           /* amount in category commit        */
    fc_wide_t best_case;        /* amount in commit or best_case    */
    fc_day_t taken;             /* the business date that crossed   */
} fc_snap_t;

typedef struct fc_book fc_book_t;

/*  A book over `store` (borrowed: it must outlive the book) with cfg
    (NULL: fc_default_config; copied). NULL on allocation failure. */
fc_book_t *fc_book_new (const fc_store_t *store, const fc_config_t *cfg);
void fc_book_destroy (fc_book_t **self_p);

/*  AS-OF: skip every event whose business date is after `until` (0: no
    limit). Feeding the whole log to a book with until = D, or only the
    events up to D, gives the book "as the system knew it on D". A
    competitor event has no business date: its date is the day it was
    recorded (`at`). */
void fc_book_set_until (fc_book_t *self, fc_day_t until);

/*  A replay into a throw-away book (as-of): while it folds, the full
    cells are kept in one key order only (month first, which the
    period-start snapshots read); fc_book_complete then writes the other
    orders and the roll-ups that the queries read, from the full cells,
    once per cell instead of at every change of a deal. Query the book
    only after fc_book_complete (0, or the store's error). */
void fc_book_defer (fc_book_t *self);
int fc_book_complete (fc_book_t *self);

/*  Fold one event of the log: its type, payload map, seq and `at`.
    Events with seq <= the book's checkpoint are ignored (replays are
    idempotent; seq 0: no checkpoint check). Types other than
    opportunity.*, quota.set, forecast.submitted, forecast.adjusted,
    competitor.added and competitor.updated are ignored, as are events
    of unknown deals (the registration was cut off by an as-of date, or
    never seen) and a second registration;
    opportunity.* types the book does not model only touch the deal
    (its last change date). The fold per type: registered (a deal at L1),
    updated (close_date: a slip when later; amount, currency, team,
    region), level_changed (level, its entry date, highest level),
    category_set, won (amount, currency, date: the deal's period moves to
    the win's month; reason), lost (reason, winner, date), abandoned (reason,
    date, else the business date), reopened (open at L1 again; the loss
    stays on record), conflict_resolved (closed: a duplicate, out of
    every figure; kept: the deal goes to the chosen owner). The
    competitor events of the contacts service (id, name) keep each
    competitor's current name and the names it had (fc_book_competitor);
    they touch no deal and do not move the clock. SNAPSHOTS: before the first event whose
   business date falls in a later month than every date seen so far, the book snapshots, for every
   period (month, quarter, year) that starts in the months crossed, each owner's and team's open
   deals expected to close in it (fc_snap_t): what the funnel forecast when the period began. The
    clock (the latest business date of an opportunity, quota or forecast
    event) only moves forward: an event dated earlier than the clock (a
    late record) changes the deals but no snapshot. `ts` is when the log
    recorded the event (unix ms; 0: not recorded, no bound): a business
    date (its "on", a won, lost or abandoned "date") after the date of
    ts + DBK_UTC_OFFSET_MAX_MIN (the latest business day anywhere then)
    counts as that date. The services refuse a day to come, but an event
    appended by hand may state one, and the clock would then jump ahead
    and keep every later period start from being snapshot.
    Returns 0, DBK_EMALFORMED (a known event lacks a field it needs;
    nothing changed), or the store's error: the store may then hold part
    of the event's changes, so a transactional store (LMDB) aborts the
    transaction; the in-memory store fails only on DBK_ENOMEM. */
int fc_book_apply (fc_book_t *self, const char *type, const dbk_obj_t *data, uint64_t seq,
                   int64_t at, int64_t ts);

uint64_t fc_book_seq (const fc_book_t *self);   /* checkpoint: last seq applied */
fc_day_t fc_book_clock (const fc_book_t *self); /* latest business date seen   */
/*  The earliest business date of the events skipped for `until` (0: none). */
fc_day_t fc_book_skipped (const fc_book_t *self);
const fc_config_t *fc_book_config (const fc_book_t *self);

/*  Copy a deal out. 0, DBK_ENOTFOUND, store errors. */
int fc_book_deal (const fc_book_t *self, const char *id, fc_deal_t *out);
/*  Whether the book holds the deal id (n bytes, not NUL-terminated): it
    folded its registration. false on a store error too. */
bool fc_book_has_deal (const fc_book_t *self, const char *id, size_t n);
/*  The competitor that `text` (a loss's winner) names: the competitor
    whose id it is; else the one whose current name is the same text
    once folded (contacts_normalize_name_with without suffixes: Unicode
    compatibility forms, case, spaces and punctuation do not count); else
    the one that had such a name before a rename. A name two competitors
    share (as current names, or, when no current name matches, as former
    ones) names neither. Copies its id into id and its current name (as
    the book knows it: an as-of book, as it was then) into name. 0,
    DBK_ENOTFOUND (none, or the text is empty), store errors. */
int fc_book_competitor (const fc_book_t *self, const char *text, char id[FC_ID_MAX + 1],
                        char name[FC_TEXT_MAX + 1]);
/*  Quota of scope "owner"/"team", who, period (exact period only; the
    outlook also sums sub-periods). 0, DBK_ENOTFOUND, DBK_EINVAL. */
int fc_book_quota (const fc_book_t *self, const char *scope, const char *who, const char *period,
                   fc_quota_t *out);
/*  The forecast of owner for period, as fc_forecast_evolve folded it
    (frozen and late figures). Until the period begins (fc_period_begun)
    its frozen figures are only those that would be frozen if it began
    now: nothing is frozen yet. 0, DBK_ENOTFOUND, DBK_EINVAL. */
int fc_book_forecast (const fc_book_t *self, const char *owner, const char *period,
                      fc_forecast_t *out);
/*  Whether period p has begun on day `on` (today, or the day of an as-of
    query; 0: the book's clock): its first day is on or before the later
    of `on` and the book's clock, so a period the book saw begin (an
    event dated in it or after) has begun whatever `on` says. */
bool fc_period_begun (const fc_book_t *self, const fc_period_t *p, fc_day_t on);
/*  The snapshot of owner (scope 'o') or team ('t') for period and
    currency. When the book saw the period begin but that owner or team
    had nothing open for it in that currency: 0 and zero figures (taken
    set). DBK_ENOTFOUND when the book did not see the period begin (it
    began before the book's first event, or has not begun); DBK_EINVAL
    for a malformed period. */
int fc_book_snapshot (const fc_book_t *self, char scope, const char *who, const char *period,
                      const char *currency, fc_snap_t *out);

/*  ======================= the figures ======================= */

/*  Which deals: every non-NULL field must match. period: the month,
    quarter or year that holds fc_deal_period_day. */
typedef struct {
    const char *owner;
    const char *team;
    const char *region;
    const char *period;
    const char *currency; /* NULL: the one currency of the matching deals */
} fc_filter_t;

typedef struct {
    int64_t count;
    fc_wide_t amount, weighted;
} fc_sum_t;

/*  The currencies of the deals matching filter (its currency ignored),
    sorted; returns how many there are (may exceed max), or an error. */
int fc_currencies (const fc_book_t *book, const fc_filter_t *filter, char (*out)[4], size_t max);

/*  Does the book hold a deal in currency `code` (3 bytes: its estimate's
    or, won, the win's), whatever its owner, team, region and period? 1
    yes, 0 no, or an error. For a code the ISO 4217 table no longer has
    (dbk_currency.h): the events a log holds keep theirs, and a figure
    in it must still be asked for. Cost: the roll-up's cells. */
int fc_holds_currency (const fc_book_t *book, const char code[4]);

/*  The funnel: open deals per level, won, lost, abandoned (duplicates
    are left out). Cost: the cells matched (O(answer)), independent of
    the number of events folded. */
typedef struct {
    char currency[4];              /* of every amount ("" if nothing) */
    fc_sum_t level[FC_LEVELS + 1]; /* [1..5] open deals               */
    fc_sum_t open;                 /* all open                        */
    fc_sum_t commit, best_case;    /* open, by category (best_case:   */
                                   /* commit + best_case deals)       */
    fc_sum_t omitted;              /* open, left out of the forecast  */
    fc_sum_t won, lost, abandoned; /* closed in the period            */
} fc_funnel_t;
int fc_funnel (const fc_book_t *book, const fc_filter_t *filter, fc_funnel_t *out);

/*  The forecast of a period (filter.period required): the funnel's
    figures against the quota of filter.owner (scope owner) or, without
    an owner, filter.team (scope team). A quarter or year without a quota
    of its own takes the sum of its months' (or, for a year, quarters')
    quotas when every one is set. Coverage = open pipeline (unweighted) x
    1000 / remaining quota (quota - won, when > 0), per-mille; -1 when
    there is no quota, its currency differs, or nothing remains. */
typedef struct {
    char currency[4];
    fc_wide_t pipeline;      /* open amount                           */
    fc_wide_t weighted;      /* open weighted amount                  */
    fc_wide_t commit;        /* open amount in category commit        */
    fc_wide_t best_case;     /* open amount in commit + best_case     */
    fc_wide_t won;           /* won in the period                     */
    bool has_quota;          /* a quota in this currency              */
    int64_t quota;           /* minor units (a sum of at most 12)     */
    fc_wide_t remaining;     /* quota - won, at least 0               */
    fc_wide_t attainment_pm; /* won / quota, per-mille, -1: no quota  */
    fc_wide_t coverage_pm;   /* pipeline / remaining, per-mille       */
    fc_wide_t projected;     /* won + weighted                        */
} fc_outlook_t;
int fc_forecast_outlook (const fc_book_t *book, const fc_filter_t *filter, fc_outlook_t *out);

/*  Accuracy of owner's forecast for one period in one currency, asked on
    day `on` (as fc_period_begun: today, an as-of day, 0 for the book's
    clock): what was won in it (won date in the period) against (a) the
    frozen forecast (frozen_adjusted if set, else frozen commit) and (b)
    the funnel snapshot at the period's start (weighted). ratio = won /
    forecast; accuracy = max(0, 1000 - |won - forecast| x 1000 /
    forecast); per-mille, -1 when the forecast is missing or 0. A period
    that has not begun (`begun` false) has no accuracy yet: nothing is
    frozen and no snapshot taken, so has_forecast and has_snapshot are
    false and every ratio -1. `closed`: the book's clock is past the
    period's last day. */
typedef struct {
    char period[FC_PERIOD_MAX + 1];
    bool begun;                  /* the period has begun on `on`          */
    bool closed;                 /* the period is over                    */
    fc_wide_t won;               /* won in the period                     */
    bool has_forecast;           /* a frozen submission exists            */
    bool adjusted;               /* ... and the manager's adjustment used */
    int64_t forecast;            /* its commit                            */
    fc_wide_t forecast_ratio_pm; /* won / forecast                        */
    int64_t forecast_accuracy_pm;
    bool has_snapshot;           /* the book saw the period begin         */
    fc_wide_t snapshot_weighted; /* the funnel's weighted forecast then   */
    fc_wide_t snapshot_ratio_pm;
    int64_t snapshot_accuracy_pm;
} fc_accuracy_t;
int fc_accuracy (const fc_book_t *book, const char *owner, const char *period, const char *currency,
                 fc_day_t on, fc_accuracy_t *out);
/*  The trend: the n periods of last's kind ending with `last`, oldest
    first, into out[n]. */
int fc_accuracy_trend (const fc_book_t *book, const char *owner, const char *last,
                       const char *currency, fc_day_t on, fc_accuracy_t *out, size_t n);

/*  A deal named by a figure. */
typedef struct {
    char id[FC_ID_MAX + 1];
    char owner[FC_SHORT_MAX + 1];
    int level;    /* its level                                   */
    int pursuit;  /* fc_pursuit_t                                */
    int32_t days; /* days in level / since update / past close   */
} fc_ref_t;

/*  A list of deals: the caller gives room for max, n counts them all
    (n > max: only max were written). */
typedef struct {
    fc_ref_t *refs;
    size_t max;
    size_t n;
} fc_refs_t;

/*  Progress (评估销售工作的进展和问题) of the matching deals (each deal's
    history; cost O(deals matched)):
    - reached[L]: deals that ever reached level L (highest level >= L; a
      skipped level counts as passed); conversion to the next level =
      reached[L+1] / reached[L]; to won = won deals among reached[L] /
      reached[L];
    - days in level: completed stays (ended by a move or a close) and, up
      to as_of, the current stays of open deals; median (lower middle)
      and p90 (nearest rank);
    - win rate = won / (won + lost + abandoned);
    - stuck: open deals longer in their level than its max_days on as_of
      (0: the book's clock);
    as_of only sets the day measured against; the deals are as the book
    knows them: for the funnel as it was on a past day, ask an as-of
    book (fc_book_set_until) with that day;
    - slips: close dates moved later, in all and deals with one or more. */
typedef struct {
    int64_t reached[FC_LEVELS + 1];
    int64_t won_from[FC_LEVELS + 1];
    int64_t next_pm[FC_LEVELS + 1]; /* [1..4] conversion to L+1       */
    int64_t won_pm[FC_LEVELS + 1];  /* [1..5] conversion to won       */
    int64_t stays[FC_LEVELS + 1];   /* stays measured                 */
    int32_t median_days[FC_LEVELS + 1];
    int32_t p90_days[FC_LEVELS + 1];
    int64_t deals, won, lost, abandoned;
    int64_t win_rate_pm;
    int64_t slips, slipped_deals;
    int64_t slipped_pm; /* slipped_deals / deals         */
    fc_refs_t stuck;    /* caller's room (may be empty)  */
} fc_progress_t;
int fc_progress (const fc_book_t *book, const fc_filter_t *filter, fc_day_t as_of,
                 fc_progress_t *out);

/*  The four principles of funnel health for the matching OPEN deals on
    as_of (0: the book's clock):
    - fresh: every deal changed within fresh_days (failing: stale);
    - clean: no deal whose expected close is before as_of (past_due),
      and none whose latest qualification decided hold or drop
      (not_pursued, days since that qualification): both keep a deal
      weighted in the funnel that nobody is working to win;
    - balanced: every level holds at least one deal, and when a quota is
      known (as fc_forecast_outlook, period required for it) coverage >=
      cfg coverage_pm (3000: 3x);
    - moving: no deal beyond its level's max_days (stuck). */
typedef struct {
    bool fresh, clean, balanced, moving;
    int64_t open; /* open deals considered           */
    int64_t level_count[FC_LEVELS + 1];
    fc_wide_t coverage_pm;                         /* -1: no quota                    */
    fc_refs_t stale, past_due, stuck, not_pursued; /* caller's room    */
} fc_health_t;
int fc_health (const fc_book_t *book, const fc_filter_t *filter, fc_day_t as_of, int fresh_days,
               fc_health_t *out);

/*  Win/loss analysis of the deals closed (won, lost, abandoned) that
    match, grouped by reason (why each was won, lost or abandoned),
    winning competitor, region or tender type ("" for won deals by
    competitor, for a win without a reason, and for unknowns).
    By competitor, a loss's winner is an id typed by hand or a bidder's
    name from a tender award: every winner that fc_book_competitor
    resolves counts for that competitor, in one row keyed by its current
    name, with its id in `competitor`; any other winner keeps a row of
    its own under its text (`competitor` ""). */
typedef enum { FC_BY_REASON, FC_BY_COMPETITOR, FC_BY_REGION, FC_BY_TENDER_TYPE } fc_by_t;
typedef struct {
    char key[FC_TEXT_MAX + 1];
    char competitor[FC_ID_MAX + 1]; /* by competitor: its id ("" unknown) */
    int64_t won, lost, abandoned;
    fc_wide_t won_amount, lost_amount; /* lost: the estimate */
} fc_wl_row_t;
/*  Rows sorted by key (then competitor id); returns how many there are
    (may exceed max) or an error. */
int fc_winloss (const fc_book_t *book, const fc_filter_t *filter, fc_by_t by, fc_wl_row_t *rows,
                size_t max);

/*  What changed in (from, to] per owner, from each deal's history (the
    filter's period is ignored; currency as everywhere): deals added,
    advanced (level up), slipped (close later), won, lost (lost or
    abandoned), and the net change of estimates (registrations count
    their amount, updates their difference). Computed from the history
    kept in each deal (not by diffing two as-of books: one pass, and it
    tells moves that cancel out apart from no move); a deal keeps its
    newest FC_HIST_MAX entries, so a very busy deal's oldest moves drop
    out. Owners are the deals' current owners. Rows sorted by owner;
    returns how many (may exceed max) or an error. */
typedef struct {
    char owner[FC_SHORT_MAX + 1];
    int64_t added, advanced, slipped, won, lost;
    fc_wide_t added_amount, won_amount, amount_delta;
} fc_change_row_t;
int fc_changes (const fc_book_t *book, const fc_filter_t *filter, fc_day_t from, fc_day_t to,
                fc_change_row_t *rows, size_t max);

/*  ======================= kept books =======================

    An as-of answer replays the log into a throw-away book. A kept book is
    such a book written to a file (before fc_book_complete), with what
    says which later replays may start from it instead of from seq 1:

    - the replay folds the log in seq order, and stops at the first event
      recorded at or after the end of the day asked (cut_ms); a book that
      read events only up to at_max < cut_ms is a prefix of that replay;
    - with until = D it folds the events whose business date is <= D and
      skips the others. A book that folded events dated up to `clock` and
      skipped none dated before `skipped` folded exactly what a book with
      until = D' folds of the same events, for clock <= D' < skipped.

    So the book goes on from `seq` to the answer for (D', cut_ms) when
    fc_kept_fits. The file also holds the hash of the log's event at `seq`:
    a book of another log (a restored backup, another data set) is not
    used. The file ends with the BLAKE2b-256 of all before it; a file that
    does not match is not used either. Files are native-endian: a cache of
    this machine's service, rebuilt from the log at any time. */

typedef struct {
    uint64_t seq;     /* the last event folded (0: none)                 */
    uint64_t read_to; /* the log position the replay read up to (>= seq) */
    uint8_t hash[32]; /* the log's hash of the event at seq              */
    fc_day_t until;   /* the book's until (0: none)                      */
    fc_day_t clock;   /* latest business date folded                     */
    fc_day_t skipped; /* earliest business date skipped (0: none)        */
    int64_t at_max;   /* latest recording time among the events read     */
    uint64_t pairs;   /* pairs in the file                               */
} fc_kept_t;

/*  May a replay for until D (0: none) and cut_ms (INT64_MAX: none) start
    from the book k? */
bool fc_kept_fits (const fc_kept_t *k, fc_day_t until, int64_t cut_ms);

/*  Books kept (fc_kept_prune): the newest FC_KEPT_HEADS without until
    (books of the log's head); books with until (day books) of the last
    FC_KEPT_DAYS days, and of the last day of each month for
    FC_KEPT_MONTHS months. */
#define FC_KEPT_HEADS 2
#define FC_KEPT_DAYS 7
#define FC_KEPT_MONTHS 12

/*  Write store's pairs and k (pairs set here) to
    dir/book-<seq>-<until>.fcb through a temporary file, synced and
    renamed; then fc_kept_prune (dir, today). 0, or DBK_EIO / DBK_ENOSPC
    (nothing left behind but, when the directory cannot be synced, the
    book itself). */
int fc_kept_save (const char *dir, const fc_store_t *store, fc_kept_t *k, fc_day_t today,
                  size_t *bytes);

/*  Delete the books the retention above does not keep. */
void fc_kept_prune (const char *dir, fc_day_t today);

/*  Is there a book with this until (0: a book without)? */
bool fc_kept_has (const char *dir, fc_day_t until);

/*  The newest book of dir (highest seq) that fits (until, cut_ms) and
    reads back whole, loaded into a new in-memory store (*store_p) with its
    description in *k. Only the header of a book that does not fit is
    read. A book that does not read back (truncated, altered, another
    version) is deleted and counted in *dropped (may be NULL); one that
    cannot be read now (EIO) is skipped. 0, DBK_ENOTFOUND (none: *store_p
    NULL), DBK_ENOMEM. */
int fc_kept_load (const char *dir, fc_day_t until, int64_t cut_ms, fc_store_t **store_p,
                  fc_kept_t *k, int *dropped);

/*  Delete dir/book-<seq>-<until>.fcb (a book that turned out to belong
    to another log). */
void fc_kept_drop (const char *dir, uint64_t seq, fc_day_t until);

#ifdef __cplusplus
}
#endif
#endif
