/*  bench_bid_fill.c - the bidding bench's data set, written through the
    event log's store, and the dealbook-bidding process (see
    bench_bid_fill.h).
*/
#include "bench_bid_fill.h"

#include "bench_contacts_fill.h"
#include "bench_opp_fill.h"
#include "bench_svc.h"

#include "dealbook/dbk_client.h"
#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"
#include "eventlog_store.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define S_SALT UINT64_C (0x6269647300000000) /* "bids": another draw than opps' */
#define S_MAX_EVENTS 16                      /* events of one aggregate, at most */

static const char *const s_types[] = {"public", "invited", "competitive_negotiation",
                                      "single_source"};
static const char *const s_rivals[] = {"远大建设集团", "中建三局", "华美幕墙工程有限公司",
                                       "金鼎机电安装公司", "宏图智能科技"};
static const char *const s_kinds[] = {"advance", "delivery", "acceptance", "retention"};
static const unsigned s_share_pct[] = {30, 30, 30, 10};
static const long s_due_after[] = {15, 120, 240, 605}; /* days after signing */

void bb_tender_id (uint64_t i, char *out, size_t n)
{
    snprintf (out, n, "t%07llu", (unsigned long long) i);
}

static void s_quote_id (uint64_t i, char *out, size_t n)
{
    snprintf (out, n, "q%07llu", (unsigned long long) i);
}

static void s_contract_id (uint64_t i, char *out, size_t n)
{
    snprintf (out, n, "k%07llu", (unsigned long long) i);
}

bool bb_is_open (uint64_t i)
{
    return i % 10 >= 5;
}

/*  ---- the facts of tender i ---- */

typedef struct {
    uint64_t i, r;
    unsigned fate;
    long deadline, notice;
    int64_t qty[2], list[2], disc[2], unit[2], total;
    char id[32], opp[32], quote[32], contract[32];
} s_tender_t;

static void s_facts (uint64_t i, long today, s_tender_t *t)
{
    memset (t, 0, sizeof *t);
    t->i = i;
    t->r = bc_mix (i ^ S_SALT);
    t->fate = (unsigned) (i % 10);
    if (bb_is_open (i)) {
        t->deadline = today + 1 + (long) (t->r % BB_OPEN_DAYS);
        t->notice = today - 1 - (long) ((t->r >> 10) % 60);
    } else {
        t->deadline = today - 30 - (long) (t->r % 700);
        t->notice = t->deadline - 30;
    }
    for (int l = 0; l < 2; l++) {
        uint64_t x = t->r >> (16 + 12 * l);
        t->qty[l] = 1 + (int64_t) (x % 200);
        t->list[l] = (1 + (int64_t) ((x >> 4) % 500)) * 10000;
        t->disc[l] = l == 0 ? 500 : (int64_t) ((x >> 8) % 4) * 500; /* 0..1500 bp */
        t->unit[l] = t->list[l] - (t->list[l] * t->disc[l] + 5000) / 10000;
        t->total += t->qty[l] * t->unit[l];
    }
    bb_tender_id (i, t->id, sizeof t->id);
    bo_opp_id (i, t->opp, sizeof t->opp);
    s_quote_id (i, t->quote, sizeof t->quote);
    s_contract_id (i, t->contract, sizeof t->contract);
}

/*  ---- the pre-fill: one batch per aggregate ---- */

typedef struct {
    eventlog_store_t *st;
    size_t ne, nb;    /* events, batches of the open transaction     */
    size_t agg_start; /* first event of the aggregate being written  */
    uint64_t written, tag;
    bsvc_slots_t x; /* per: event slots per transaction            */
    const char **types;
    char (*streams)[48];
} s_fill_t;

static void s_flush (s_fill_t *f)
{
    if (!f->nb)
        return;
    bsvc_store_write (f->st, f->x.b, f->nb, f->x.pos, " after %llu bidding events",
                      (unsigned long long) f->written);
    f->written += f->ne;
    f->ne = f->nb = 0;
}

/*  Start an aggregate's batch on stream <cat>-<id>. */
static void s_agg_begin (s_fill_t *f, const char *cat, const char *id)
{
    if (f->ne + S_MAX_EVENTS > f->x.per)
        s_flush (f);
    f->agg_start = f->ne;
    snprintf (f->streams[f->nb], sizeof f->streams[0], "%s-%s", cat, id);
}

/*  The next event of the aggregate: its payload writer. */
static dbk_wr_t *s_ev (s_fill_t *f, const char *type)
{
    if (f->ne - f->agg_start >= S_MAX_EVENTS)
        bench_die ("bench_bid_fill: more than %d events in one aggregate", S_MAX_EVENTS);
    f->types[f->ne] = type;
    dbk_wr_t *w = f->x.bufs[f->ne++];
    dbk_wr_reset (w);
    return w;
}

/*  Close the aggregate: envelopes (ids in the shape of UUIDv7, distinct
    from the other pre-fills' by their tag) and its batch. */
static void s_agg_end (s_fill_t *f)
{
    uint64_t ms = (uint64_t) dbk_now_ms ();
    for (size_t e = f->agg_start; e < f->ne; e++)
        bsvc_envelope (&f->x.evs[e], f->written + e, f->tag, ms, f->types[e], f->x.bufs[e]);
    f->x.b[f->nb] = (eventlog_batch_t){.stream = f->streams[f->nb],
                                       .stream_len = strlen (f->streams[f->nb]),
                                       .expect = DBK_EXPECT_ANY,
                                       .events = &f->x.evs[f->agg_start],
                                       .n = f->ne - f->agg_start};
    f->nb++;
}

/*  "id" and "on" and n more pairs. */
static dbk_wr_t *s_begin (s_fill_t *f, const char *type, const char *id, long on, uint32_t n)
{
    char d[11];
    bc_civil (on, d);
    dbk_wr_t *w = s_ev (f, type);
    dbk_wr_map (w, 2 + n);
    dbk_wr_kv_cstr (w, "id", id);
    dbk_wr_kv_cstr (w, "on", d);
    return w;
}

static void s_kv_day (dbk_wr_t *w, const char *key, long day)
{
    char d[11];
    bc_civil (day, d);
    dbk_wr_kv_cstr (w, key, d);
}

/*  ---- the tender ---- */

static void s_tender (s_fill_t *f, const s_tender_t *t, const bb_shape_t *sh)
{
    char number[32], title[160], acc[32];
    s_agg_begin (f, "tender", t->id);
    snprintf (number, sizeof number, "ZB-%07llu", (unsigned long long) t->i);
    snprintf (title, sizeof title, "%s医院门诊楼幕墙及机电工程 %07llu",
              bc_cities[(t->r >> 40) % BC_CITIES], (unsigned long long) t->i);
    bc_account_id ((t->r >> 20) % sh->accounts, acc, sizeof acc);
    /*  open: questions may be asked until the clarification deadline (today at the earliest) */
    long clar = t->deadline - 3;
    if (clar < t->notice || (bb_is_open (t->i) && clar < sh->today))
        clar = t->deadline;
    dbk_wr_t *w = s_begin (f, "tender.opened", t->id, t->notice, 14);
    dbk_wr_kv_cstr (w, "opportunity_id", t->opp);
    dbk_wr_kv_cstr (w, "number", number);
    dbk_wr_kv_cstr (w, "issuer", "华信招标代理有限公司");
    dbk_wr_kv_cstr (w, "type", s_types[(t->r >> 50) % 4]);
    dbk_wr_kv_cstr (w, "currency", "CNY");
    dbk_wr_kv_cstr (w, "title", title);
    dbk_wr_kv_cstr (w, "account_id", acc);
    dbk_wr_kv_i64 (w, "envelopes", 1);
    dbk_wr_kv_i64 (w, "bond_required", 0);
    s_kv_day (w, "notice_date", t->notice);
    s_kv_day (w, "clarification_deadline", clar);
    s_kv_day (w, "submission_deadline", t->deadline);
    s_kv_day (w, "opening_date", t->deadline);
    dbk_wr_kv_cstr (w, "step", "notice");
    if (t->fate <= 6) {
        w = s_begin (f, "tender.bid_decided", t->id, t->notice + 1, 2);
        dbk_wr_kv_cstr (w, "decision", "bid");
        dbk_wr_kv_cstr (w, "reason", "重点客户, 技术方案匹配");
    }
    if (t->fate >= 5) {
        s_agg_end (f);
        return;
    }
    w = s_begin (f, "tender.submitted", t->id, t->deadline - 1, 6);
    dbk_wr_kv_cstr (w, "quote_id", t->quote);
    dbk_wr_kv_u64 (w, "quote_revision", 2);
    dbk_wr_kv_i64 (w, "amount", t->total);
    dbk_wr_kv_cstr (w, "currency", "CNY");
    dbk_wr_kv_cstr (w, "step", "submission");
    s_kv_day (w, "date", t->deadline - 1);
    if (t->fate == 4) {
        s_agg_end (f);
        return;
    }
    bool won = t->fate <= 2;
    int64_t rival = t->total + (won ? 1 : -1) * t->total / (int64_t) (5 + (t->r >> 56) % 20);
    w = s_begin (f, "tender.opening_recorded", t->id, t->deadline, 5);
    dbk_wr_kv_cstr (w, "envelope", "single");
    dbk_wr_kv_cstr (w, "step", "opening");
    dbk_wr_cstr (w, "bidders");
    dbk_wr_array (w, 3);
    for (int b = 0; b < 3; b++) {
        bool us = b == 0;
        dbk_wr_map (w, us ? 4 : 3);
        dbk_wr_kv_cstr (w, "bidder", us ? "本公司" : s_rivals[(t->r >> (44 + 4 * b)) % 5]);
        dbk_wr_kv_i64 (w, "price", us ? t->total : b == 1 ? rival : rival + t->total / 10);
        dbk_wr_kv_i64 (w, "rank", us ? (won ? 1 : 2) : b == 1 ? (won ? 2 : 1) : 3);
        if (us)
            dbk_wr_kv_bool (w, "us", true);
    }
    dbk_wr_kv_i64 (w, "our_rank", won ? 1 : 2);
    dbk_wr_kv_i64 (w, "our_price", t->total);
    w = s_begin (f, "tender.awarded", t->id, t->deadline + 10, won ? 7 : 9);
    dbk_wr_kv_cstr (w, "tender_id", t->id);
    dbk_wr_kv_cstr (w, "opportunity_id", t->opp);
    dbk_wr_kv_cstr (w, "step", "award");
    dbk_wr_kv_cstr (w, "result", won ? "won" : "lost");
    s_kv_day (w, "date", t->deadline + 10);
    if (won) {
        dbk_wr_kv_i64 (w, "amount", t->total);
        dbk_wr_kv_cstr (w, "currency", "CNY");
    } else {
        dbk_wr_kv_cstr (w, "winner", s_rivals[(t->r >> 48) % 5]);
        dbk_wr_kv_cstr (w, "reason", "价格偏高");
        dbk_wr_kv_i64 (w, "winning_price", rival);
        dbk_wr_kv_i64 (w, "price_gap", rival - t->total);
    }
    s_agg_end (f);
}

/*  ---- the quote: created, two lines, submitted, approved ---- */

static void s_quote (s_fill_t *f, const s_tender_t *t)
{
    long on = t->notice + 2;
    s_agg_begin (f, "quote", t->quote);
    dbk_wr_t *w = s_begin (f, "quote.created", t->quote, on, 3);
    dbk_wr_kv_cstr (w, "tender_id", t->id);
    dbk_wr_kv_cstr (w, "currency", "CNY");
    dbk_wr_kv_cstr (w, "title", "幕墙及机电报价");
    int64_t maxd = 0;
    for (int l = 0; l < 2; l++) {
        w = s_begin (f, "quote.line_added", t->quote, on, 9);
        dbk_wr_kv_u64 (w, "line", (uint64_t) l + 1);
        dbk_wr_kv_cstr (w, "product_code", l ? "MEP-200" : "CW-100");
        dbk_wr_kv_i64 (w, "quantity", t->qty[l]);
        dbk_wr_kv_i64 (w, "list_price", t->list[l]);
        dbk_wr_kv_cstr (w, "description", l ? "机电安装" : "单元式幕墙");
        dbk_wr_kv_i64 (w, "discount_bp", t->disc[l]);
        dbk_wr_kv_i64 (w, "cost_price", t->list[l] * 7 / 10);
        dbk_wr_kv_i64 (w, "unit_price", t->unit[l]);
        dbk_wr_kv_u64 (w, "revision", (uint64_t) l + 1);
        if (t->disc[l] > maxd)
            maxd = t->disc[l];
    }
    const char *level = maxd > 1000 ? "manager" : "salesperson";
    w = s_begin (f, "quote.submitted", t->quote, on + 1, 4);
    dbk_wr_kv_u64 (w, "revision", 2);
    dbk_wr_kv_i64 (w, "total", t->total);
    dbk_wr_kv_i64 (w, "max_discount_bp", maxd);
    dbk_wr_kv_cstr (w, "required_level", level);
    w = s_begin (f, "quote.approved", t->quote, on + 2, 3);
    dbk_wr_kv_u64 (w, "revision", 2);
    dbk_wr_kv_cstr (w, "approver", maxd > 1000 ? "user:manager" : "user:bench");
    dbk_wr_kv_cstr (w, "level", level);
    s_agg_end (f);
}

/*  ---- the contract: signed, invoiced when due, mostly paid ---- */

static void s_contract (s_fill_t *f, const s_tender_t *t, bb_shape_t *sh)
{
    long signed_on = t->deadline + 20;
    char number[32], buyer[32], inv[48];
    snprintf (number, sizeof number, "HT-%07llu", (unsigned long long) t->i);
    bc_account_id ((t->r >> 20) % sh->accounts, buyer, sizeof buyer);
    int64_t amt[4], left = t->total;
    for (int m = 0; m < 3; m++)
        left -= amt[m] = t->total * s_share_pct[m] / 100;
    amt[3] = left;
    s_agg_begin (f, "contract", t->contract);
    dbk_wr_t *w = s_begin (f, "contract.signed", t->contract, signed_on, 13);
    dbk_wr_kv_cstr (w, "number", number);
    dbk_wr_kv_cstr (w, "opportunity_id", t->opp);
    dbk_wr_kv_cstr (w, "buyer_id", buyer);
    dbk_wr_kv_cstr (w, "seller", "本公司建筑科技有限公司");
    dbk_wr_kv_cstr (w, "scope", "幕墙及机电工程的供货, 安装与调试");
    dbk_wr_kv_i64 (w, "amount", t->total);
    dbk_wr_kv_cstr (w, "currency", "CNY");
    s_kv_day (w, "signed_on", signed_on);
    dbk_wr_kv_cstr (w, "tender_id", t->id);
    s_kv_day (w, "delivery_date", signed_on + s_due_after[1]);
    s_kv_day (w, "warranty_end", signed_on + s_due_after[3]);
    dbk_wr_kv_i64 (w, "payment_days", 30);
    dbk_wr_cstr (w, "milestones");
    dbk_wr_array (w, 4);
    for (int m = 0; m < 4; m++) {
        dbk_wr_map (w, 4);
        dbk_wr_kv_u64 (w, "no", (uint64_t) m + 1);
        dbk_wr_kv_cstr (w, "kind", s_kinds[m]);
        dbk_wr_kv_i64 (w, "amount", amt[m]);
        s_kv_day (w, "due", signed_on + s_due_after[m]);
    }
    for (int m = 0; m < 4; m++) {
        long due = signed_on + s_due_after[m];
        if (due > sh->today)
            break;
        snprintf (inv, sizeof inv, "FP%07llu-%d", (unsigned long long) t->i, m + 1);
        w = s_begin (f, "contract.invoiced", t->contract, due, 4);
        dbk_wr_kv_u64 (w, "milestone", (uint64_t) m + 1);
        dbk_wr_kv_i64 (w, "amount", amt[m]);
        dbk_wr_kv_cstr (w, "invoice", inv);
        s_kv_day (w, "date", due);
        sh->invoices++;
        unsigned pay = (unsigned) ((t->r >> (24 + 5 * m)) % 10); /* 0..6 paid, 7 half, 8-9 not */
        if (pay >= 8)
            continue;
        long paid_on = due + 20 < sh->today ? due + 20 : sh->today;
        w = s_begin (f, "contract.payment_received", t->contract, paid_on, 4);
        dbk_wr_kv_u64 (w, "milestone", (uint64_t) m + 1);
        dbk_wr_kv_i64 (w, "amount", pay == 7 ? amt[m] / 2 : amt[m]);
        dbk_wr_kv_cstr (w, "invoice", inv);
        s_kv_day (w, "date", paid_on);
        sh->payments++;
    }
    s_agg_end (f);
}

void bb_prefill (bb_shape_t *sh)
{
    sh->today = (long) (time (NULL) / 86400);
    bo_shape_t os = {
        .accounts = sh->accounts, .contacts = sh->contacts, .opportunities = sh->tenders};
    bo_prefill (&os);
    sh->opp_total = os.total;
    s_fill_t f = {.st = bsvc_store_open (), .tag = bc_mix ((uint64_t) bench_now_ns () ^ S_SALT)};
    bsvc_slots_new (&f.x, 1000);
    f.types = calloc (f.x.per, sizeof *f.types);
    f.streams = calloc (f.x.per, sizeof *f.streams);
    if (!f.types || !f.streams)
        bench_die ("out of memory");
    sh->open = sh->quotes = sh->contracts = sh->invoices = sh->payments = 0;
    for (uint64_t i = 0; i < sh->tenders; i++) {
        s_tender_t t;
        s_facts (i, sh->today, &t);
        s_tender (&f, &t, sh);
        sh->open += bb_is_open (i);
        if (t.fate <= 4) {
            s_quote (&f, &t);
            sh->quotes++;
        }
        if (t.fate <= 2) {
            s_contract (&f, &t, sh);
            sh->contracts++;
        }
    }
    s_flush (&f);
    sh->total = sh->opp_total + f.written;
    bsvc_slots_free (&f.x);
    free (f.types);
    free (f.streams);
    eventlog_store_close (&f.st);
}

/*  ---- the dealbook-bidding process ---- */

void bb_spawn (const char *bin, const char *endpoint)
{
    if (!bsvc_spawn_once ("bidding", "DEALBOOK_BIDDING_ENDPOINT", NULL, bin, endpoint))
        bench_die ("dealbook-bidding (%s) exited at start; see %s/bidding.err", bin, bench_g.base);
}

void bb_stop (bool wipe)
{
    bsvc_stop ("bidding", wipe);
}
