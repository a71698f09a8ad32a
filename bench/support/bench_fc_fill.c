/*  bench_fc_fill.c - the forecasting bench's data set and its as-of
    filler, written through the event log's store, and the
    dealbook-forecasting process (see bench_fc_fill.h).
*/
#include "bench_fc_fill.h"

#include "bench_contacts_fill.h"
#include "bench_svc.h"

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_event.h"
#include "eventlog_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SALT UINT64_C (0x666f726563000000) /* "forec": draws of their own */
#define S_PER 1000                           /* events per durable transaction */
#define S_STREAM_MAX 160                     /* bytes of a stream name */

static const char *const s_reasons[] = {"价格高于竞争对手", "技术方案未通过评审", "客户预算取消",
                                        "关系不够深入"};
static const char *const s_winners[] = {"cmp-0001", "cmp-0002", "cmp-0003", "某本地集成商"};
static const char *const s_kinds[] = {"visit",      "call",  "meeting", "technical_exchange",
                                      "site_visit", "dinner"};

#define S_PICK(arr, r) ((arr)[(r) % (sizeof (arr) / sizeof (arr)[0])])

bf_outcome_t bf_outcome_of (uint64_t i)
{
    unsigned u = (unsigned) (bc_mix (i ^ S_SALT) % 100);
    return u < BF_WON_PCT ? BF_WON : u < BF_WON_PCT + BF_LOST_PCT ? BF_LOST : BF_OPEN;
}

void bf_quarter (int q, char out[8])
{
    unsigned u = (unsigned) q % BF_QUARTERS;
    snprintf (out, 8, "%04u-Q%u", 2025 + u / 4, 1 + u % 4);
}

/*  Days since 1970-01-01 of the first day of quarter q (2025-Q1 + q;
    2025 and 2026 have no 29 February). */
static long s_quarter_start (int q)
{
    static const int before[4] = {0, 90, 181, 273}; /* days before Jan, Apr, Jul, Oct 1 */
    return BO_FIRST_DAY + (long) (q / 4) * 365 + before[q % 4];
}

/*  ---- the transaction being filled ---- */

typedef struct {
    eventlog_store_t *st;
    size_t nb;
    uint64_t written, tag;
    bsvc_slots_t x;                /* per = S_PER */
    char (*streams)[S_STREAM_MAX]; /* stream of event i of the transaction */
    const char **types;            /* its type                             */
} s_tx_t;

static void s_open (s_tx_t *t)
{
    *t = (s_tx_t){.st = bsvc_store_open (), .tag = bc_mix ((uint64_t) bench_now_ns () ^ S_SALT)};
    bsvc_slots_new (&t->x, S_PER);
    t->streams = calloc (S_PER, sizeof *t->streams);
    t->types = calloc (S_PER, sizeof *t->types);
    if (!t->streams || !t->types)
        bench_die ("out of memory");
}

static void s_flush (s_tx_t *t)
{
    if (!t->nb)
        return;
    bsvc_store_write (t->st, t->x.b, t->nb, t->x.pos, " after %llu forecasting events",
                      (unsigned long long) t->written);
    t->written += t->nb;
    t->nb = 0;
}

/*  The payload writer of the next event, of type, on stream <category><id>.
    Streams of one transaction must be distinct (eventlog_store_append). */
static dbk_wr_t *s_add (s_tx_t *t, const char *type, const char *category, const char *id)
{
    if (t->nb == t->x.per)
        s_flush (t);
    snprintf (t->streams[t->nb], S_STREAM_MAX, "%s%s", category, id);
    t->types[t->nb] = type;
    dbk_wr_t *w = t->x.bufs[t->nb];
    dbk_wr_reset (w);
    return w;
}

/*  The event s_add began is written: its envelope, recorded now. */
static void s_done (s_tx_t *t)
{
    size_t k = t->nb;
    bsvc_envelope (&t->x.evs[k], t->written + k, t->tag, (uint64_t) dbk_now_ms (), t->types[k],
                   t->x.bufs[k]);
    t->x.b[k] = (eventlog_batch_t){.stream = t->streams[k],
                                   .stream_len = strlen (t->streams[k]),
                                   .expect = DBK_EXPECT_ANY,
                                   .events = &t->x.evs[k],
                                   .n = 1};
    t->nb++;
}

static void s_close (s_tx_t *t)
{
    s_flush (t);
    bsvc_slots_free (&t->x);
    free (t->streams);
    free (t->types);
    eventlog_store_close (&t->st);
}

/*  ---- the data set ---- */

static void s_outcome (s_tx_t *t, uint64_t i, bf_outcome_t o)
{
    char id[32], date[11];
    uint64_t r = bc_mix (i ^ S_SALT ^ UINT64_C (0x0c0e));
    bo_opp_id (i, id, sizeof id);
    bc_civil (bo_close_day (i), date);
    if (o == BF_WON) {
        dbk_wr_t *w = s_add (t, "opportunity.won", "opportunity-", id);
        dbk_wr_map (w, 5);
        dbk_wr_kv_cstr (w, "id", id);
        dbk_wr_kv_i64 (w, "amount", (int64_t) (1 + r % 5000) * 1000000);
        dbk_wr_kv_cstr (w, "currency", "CNY");
        dbk_wr_kv_cstr (w, "date", date);
        dbk_wr_kv_cstr (w, "on", date);
    } else {
        dbk_wr_t *w = s_add (t, "opportunity.lost", "opportunity-", id);
        dbk_wr_map (w, 5);
        dbk_wr_kv_cstr (w, "id", id);
        dbk_wr_kv_cstr (w, "reason", S_PICK (s_reasons, r));
        dbk_wr_kv_cstr (w, "date", date);
        dbk_wr_kv_cstr (w, "winner", S_PICK (s_winners, r >> 8));
        dbk_wr_kv_cstr (w, "on", date);
    }
    s_done (t);
}

/*  The quota of an owner for a quarter: about 30 % of the estimates of
    the owner's deals expected to close in it (2,500 yuan mean estimate,
    in fen: 2.5e9 minor units). */
static int64_t s_owner_quota (const bf_shape_t *sh)
{
    uint64_t per = sh->opp.opportunities / BO_OWNERS / BF_QUARTERS + 1;
    return (int64_t) per * 750 * 1000000;
}

static void s_quota (s_tx_t *t, const char *scope, const char *who, int q, int64_t amount)
{
    char period[8], on[11], stream[S_STREAM_MAX];
    bf_quarter (q, period);
    bc_civil (s_quarter_start (q) - 10, on);
    snprintf (stream, sizeof stream, "%s.%s.%s", period, scope, who);
    dbk_wr_t *w = s_add (t, "quota.set", "quota-", stream);
    dbk_wr_map (w, 6);
    dbk_wr_kv_cstr (w, "scope", scope);
    dbk_wr_kv_cstr (w, "who", who);
    dbk_wr_kv_cstr (w, "period", period);
    dbk_wr_kv_i64 (w, "amount", amount);
    dbk_wr_kv_cstr (w, "currency", "CNY");
    dbk_wr_kv_cstr (w, "on", on);
    s_done (t);
}

static void s_forecast (s_tx_t *t, const char *owner, int q, int64_t quota)
{
    char period[8], on[11], stream[S_STREAM_MAX];
    bf_quarter (q, period);
    bc_civil (s_quarter_start (q) - 5, on);
    snprintf (stream, sizeof stream, "%s.%s", period, owner);
    dbk_wr_t *w = s_add (t, "forecast.submitted", "forecast-", stream);
    dbk_wr_map (w, 8);
    dbk_wr_kv_cstr (w, "owner", owner);
    dbk_wr_kv_cstr (w, "period", period);
    dbk_wr_kv_cstr (w, "currency", "CNY");
    dbk_wr_kv_i64 (w, "commit", quota / 10 * 8);
    dbk_wr_kv_i64 (w, "best_case", quota / 10 * 11);
    dbk_wr_kv_i64 (w, "pipeline", quota * 3);
    dbk_wr_kv_bool (w, "late", false);
    dbk_wr_kv_cstr (w, "on", on);
    s_done (t);
}

void bf_prefill (bf_shape_t *sh)
{
    bo_prefill (&sh->opp);
    s_tx_t t;
    s_open (&t);
    sh->won = sh->lost = sh->quotas = sh->forecasts = 0;
    for (uint64_t i = 0; i < sh->opp.opportunities; i++) {
        bf_outcome_t o = bf_outcome_of (i);
        if (o != BF_OPEN) {
            s_outcome (&t, i, o);
            sh->won += o == BF_WON;
            sh->lost += o == BF_LOST;
        }
    }
    int64_t quota = s_owner_quota (sh);
    for (int q = 0; q < BF_QUARTERS; q++) {
        char who[32];
        for (unsigned o = 0; o < BO_OWNERS; o++) {
            bo_owner (o, who, sizeof who);
            s_quota (&t, "owner", who, q, quota);
            s_forecast (&t, who, q, quota);
            sh->quotas++;
            sh->forecasts++;
        }
        for (unsigned m = 0; m < BO_TEAMS; m++) {
            snprintf (who, sizeof who, "team%02u", m);
            s_quota (&t, "team", who, q, quota * (BO_OWNERS / BO_TEAMS));
            sh->quotas++;
        }
    }
    s_close (&t);
    sh->total = sh->opp.total + t.written;
}

/*  ---- the as-of filler ---- */

static uint64_t s_gcd (uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t c = a % b;
        a = b;
        b = c;
    }
    return a;
}

static void s_next_step (s_tx_t *t, uint64_t j, uint64_t r)
{
    char id[32], on[11], due[11], text[120];
    bo_opp_id (j, id, sizeof id);
    long day = BO_FIRST_DAY + (long) ((r >> 8) % (BO_DAYS - 31));
    bc_civil (day, on);
    bc_civil (day + 7 + (long) ((r >> 24) % 24), due);
    snprintf (text, sizeof text, "拜访设计院, 确认技术方案 (第 %llu 次)",
              (unsigned long long) (r >> 40) % 50);
    dbk_wr_t *w = s_add (t, "opportunity.next_step_set", "opportunity-", id);
    dbk_wr_map (w, 4);
    dbk_wr_kv_cstr (w, "id", id);
    dbk_wr_kv_cstr (w, "next_step", text);
    dbk_wr_kv_cstr (w, "due", due);
    dbk_wr_kv_cstr (w, "on", on);
    s_done (t);
}

static void s_update (s_tx_t *t, uint64_t j, uint64_t r)
{
    char id[32], on[11], close[11];
    bo_opp_id (j, id, sizeof id);
    bc_civil (BO_FIRST_DAY + (long) ((r >> 8) % BO_DAYS), on);
    bc_civil (bo_close_day (j) + (long) ((r >> 24) % 120), close); /* a slip of 0..119 days */
    dbk_wr_t *w = s_add (t, "opportunity.updated", "opportunity-", id);
    dbk_wr_map (w, 4);
    dbk_wr_kv_cstr (w, "id", id);
    dbk_wr_cstr (w, "changed");
    dbk_wr_array (w, 1);
    dbk_wr_cstr (w, "close_date");
    dbk_wr_kv_cstr (w, "close_date", close);
    dbk_wr_kv_cstr (w, "on", on);
    s_done (t);
}

static void s_activity (s_tx_t *t, const bf_shape_t *sh, uint64_t k, uint64_t r)
{
    char id[32], c1[32], acc[32], date[11];
    snprintf (id, sizeof id, "fv%010llu", (unsigned long long) k);
    uint64_t who = (r >> 8) % sh->opp.contacts;
    bc_contact_id (who, c1, sizeof c1);
    bc_account_id (who % sh->opp.accounts, acc, sizeof acc);
    bc_civil (BO_FIRST_DAY + (long) ((r >> 32) % BO_DAYS), date);
    dbk_wr_t *w = s_add (t, "activity.logged", "activity-", id);
    dbk_wr_map (w, 6);
    dbk_wr_kv_cstr (w, "id", id);
    dbk_wr_kv_cstr (w, "kind", S_PICK (s_kinds, r >> 48));
    dbk_wr_kv_cstr (w, "date", date);
    dbk_wr_cstr (w, "their_people");
    dbk_wr_array (w, 1);
    dbk_wr_cstr (w, c1);
    dbk_wr_kv_cstr (w, "account_id", acc);
    dbk_wr_kv_cstr (w, "notes", "讨论了新项目的技术方案和报价");
    s_done (t);
}

void bf_filler (const bf_shape_t *sh, uint64_t n, bf_filler_t *out)
{
    uint64_t opps = sh->opp.opportunities;
    /*  deal (k * step) % opps: a permutation for a step coprime with opps,
        so S_PER <= opps consecutive events touch distinct deals */
    uint64_t step = 1000003;
    while (s_gcd (step, opps) != 1)
        step += 2;
    *out = (bf_filler_t){0};
    s_tx_t t;
    s_open (&t);
    for (uint64_t k = 0; k < n; k++) {
        uint64_t j = (k % opps) * step % opps, r = bc_mix (k ^ S_SALT ^ UINT64_C (0xf111e4));
        unsigned u = (unsigned) (r % 100);
        bool open = bf_outcome_of (j) == BF_OPEN;
        if (open && u < BF_NEXT_PCT) {
            s_next_step (&t, j, r);
            out->next_steps++;
        } else if (open && u < BF_NEXT_PCT + BF_UPD_PCT) {
            s_update (&t, j, r);
            out->updates++;
        } else {
            s_activity (&t, sh, k, r);
            out->activities++;
        }
    }
    s_close (&t);
    out->total = n;
}

/*  ---- the dealbook-forecasting process ---- */

void bf_spawn (const char *bin, const char *endpoint)
{
    /*  the as-of case keeps the book itself (KEEP_BOOK) after timing the
        full replays: a book kept in the background meanwhile would hold
        them up on the worker thread */
    setenv ("DEALBOOK_BOOK_EVERY", "0", 1);
    if (!bsvc_spawn_once ("forecasting", "DEALBOOK_FORECASTING_ENDPOINT", NULL, bin, endpoint))
        bench_die ("dealbook-forecasting (%s) exited at start; see %s/forecasting.err", bin,
                   bench_g.base);
}

void bf_stop (bool wipe)
{
    bsvc_stop ("forecasting", wipe);
}
