/*  bench_opp_fill.c - the opportunities bench's data set, written through
    the event log's store, and the dealbook-opportunities process (see
    bench_opp_fill.h).
*/
#include "bench_opp_fill.h"

#include "bench_contacts_fill.h"
#include "bench_svc.h"

#include "contacts_decider.h"

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
#include <unistd.h>

const char *const bo_regions[BO_REGIONS] = {"华东", "华北", "华南", "华中",
                                            "西南", "西北", "东北", "港澳"};
const char *const bo_stages[BO_STAGES] = {"need_discovery",     "internal_deliberation",
                                          "requirement_design", "evaluation",
                                          "commitment",         "implementation"};
const char *const bo_categories[BO_CATEGORIES] = {"pipeline", "best_case", "commit", "omitted"};

static const char *const s_kinds[] = {"医院门诊楼", "机场航站楼", "地铁站",   "酒店",
                                      "办公楼",     "住宅小区",   "工业厂房", "学校"};
static const char *const s_types[] = {"hospital", "airport",     "metro",      "hotel",
                                      "office",   "residential", "industrial", "education"};
static const unsigned s_probability[] = {10, 25, 50, 75, 90};

#define S_SALT UINT64_C (0x6f70707300000000) /* "opps": another draw than contacts' */

void bo_opp_id (uint64_t i, char *out, size_t n)
{
    snprintf (out, n, "o%07llu", (unsigned long long) i);
}

void bo_owner (uint64_t o, char *out, size_t n)
{
    snprintf (out, n, "sales%03u", (unsigned) (o % BO_OWNERS));
}

long bo_close_day (uint64_t i)
{
    return BO_FIRST_DAY + (long) ((bc_mix (i ^ S_SALT) >> 20) % BO_DAYS);
}

int bo_level_of (uint64_t i)
{
    uint64_t r = bc_mix (i ^ S_SALT ^ UINT64_C (0x1e7e1));
    if (r % 100 >= BO_LEVEL_PCT)
        return 1;
    return 2 + (int) ((r >> 20) % 4);
}

int bo_category_of (uint64_t i)
{
    uint64_t r = bc_mix (i ^ S_SALT ^ UINT64_C (0xca7e9));
    if (r % 100 >= BO_CATEGORY_PCT)
        return -1;
    return (int) ((r >> 20) % BO_CATEGORIES);
}

/*  ---- one event ---- */

typedef struct {
    char stream[80];
    const char *type;
} s_slot_t;

static void s_registered (uint64_t i, uint64_t accounts, dbk_wr_t *w)
{
    char id[32], name[160], acc[32], owner[32], team[16], close[11], on[11];
    uint64_t r = bc_mix (i ^ S_SALT);
    bo_opp_id (i, id, sizeof id);
    bc_account_id (r % accounts, acc, sizeof acc);
    uint64_t o = (r >> 12) % BO_OWNERS;
    bo_owner (o, owner, sizeof owner);
    snprintf (team, sizeof team, "team%02u", (unsigned) (o % BO_TEAMS));
    long close_day = bo_close_day (i);
    bc_civil (close_day, close);
    bc_civil (close_day - 30 - (long) ((r >> 32) % 300), on);
    const char *city = bc_cities[(r >> 40) % BC_CITIES];
    unsigned kind = (unsigned) ((r >> 46) % 8);
    snprintf (name, sizeof name, "%s%s项目%07llu", city, s_kinds[kind], (unsigned long long) i);
    char *norm = contacts_normalize_name (name, strlen (name));
    if (!norm)
        bench_die ("cannot normalise %s", name);
    dbk_wr_map (w, 15);
    dbk_wr_kv_cstr (w, "id", id);
    dbk_wr_kv_cstr (w, "on", on);
    dbk_wr_kv_cstr (w, "name", name);
    dbk_wr_kv_cstr (w, "account_id", acc);
    dbk_wr_kv_cstr (w, "owner", owner);
    dbk_wr_kv_cstr (w, "currency", "CNY");
    dbk_wr_kv_cstr (w, "close_date", close);
    dbk_wr_kv_cstr (w, "site_city", city);
    dbk_wr_kv_cstr (w, "project_type", s_types[kind]);
    dbk_wr_kv_i64 (w, "amount", (int64_t) (1 + (r >> 50) % 5000) * 1000000);
    dbk_wr_kv_cstr (w, "team", team);
    dbk_wr_kv_cstr (w, "region", bo_regions[(r >> 53) % BO_REGIONS]);
    dbk_wr_kv_cstr (w, "stage", bo_stages[(r >> 56) % BO_STAGES]);
    dbk_wr_kv_cstr (w, "normalized_name", norm);
    dbk_wr_kv_u64 (w, "level", 1);
    free (norm);
}

static void s_level (uint64_t i, dbk_wr_t *w)
{
    char id[32];
    bo_opp_id (i, id, sizeof id);
    int to = bo_level_of (i);
    dbk_wr_map (w, 5);
    dbk_wr_kv_cstr (w, "id", id);
    dbk_wr_kv_cstr (w, "on", "2026-06-01");
    dbk_wr_kv_u64 (w, "from", 1);
    dbk_wr_kv_u64 (w, "to", (uint64_t) to);
    dbk_wr_kv_u64 (w, "probability", s_probability[to - 1]);
}

static void s_category (uint64_t i, dbk_wr_t *w)
{
    char id[32];
    bo_opp_id (i, id, sizeof id);
    dbk_wr_map (w, 3);
    dbk_wr_kv_cstr (w, "id", id);
    dbk_wr_kv_cstr (w, "on", "2026-07-01");
    dbk_wr_kv_cstr (w, "category", bo_categories[bo_category_of (i)]);
}

/*  ---- the pre-fill ---- */

typedef struct {
    eventlog_store_t *st;
    size_t nb;
    uint64_t written, tag;
    bsvc_slots_t x; /* per = 1000 */
    s_slot_t *slots;
} s_fill_t;

static void s_flush (s_fill_t *f)
{
    if (!f->nb)
        return;
    bsvc_store_write (f->st, f->x.b, f->nb, f->x.pos, " after %llu opportunity events",
                      (unsigned long long) f->written);
    f->written += f->nb;
    f->nb = 0;
}

/*  Start event number f->nb of the transaction: its payload writer. */
static dbk_wr_t *s_add (s_fill_t *f, uint64_t i, const char *type)
{
    if (f->nb == f->x.per)
        s_flush (f);
    s_slot_t *s = &f->slots[f->nb];
    char id[32];
    bo_opp_id (i, id, sizeof id);
    snprintf (s->stream, sizeof s->stream, "opportunity-%s", id);
    s->type = type;
    dbk_wr_t *w = f->x.bufs[f->nb];
    dbk_wr_reset (w);
    return w;
}

static void s_done (s_fill_t *f)
{
    size_t k = f->nb;
    /*  ids in the shape of UUIDv7, distinct from the contacts pre-fill's
        by their tag */
    if (!f->tag)
        f->tag = bc_mix ((uint64_t) bench_now_ns () ^ S_SALT);
    bsvc_envelope (&f->x.evs[k], f->written + k, f->tag, (uint64_t) dbk_now_ms (), f->slots[k].type,
                   f->x.bufs[k]);
    f->x.b[k] = (eventlog_batch_t){.stream = f->slots[k].stream,
                                   .stream_len = strlen (f->slots[k].stream),
                                   .expect = DBK_EXPECT_ANY,
                                   .events = &f->x.evs[k],
                                   .n = 1};
    f->nb++;
}

void bo_prefill (bo_shape_t *sh)
{
    bc_shape_t cs = {
        .accounts = sh->accounts, .contacts = sh->contacts, .total = sh->accounts + sh->contacts};
    bc_prefill (&cs);
    s_fill_t f = {.st = bsvc_store_open ()};
    bsvc_slots_new (&f.x, 1000);
    f.slots = calloc (f.x.per, sizeof *f.slots);
    if (!f.slots)
        bench_die ("out of memory");
    /*  each pass writes at most one event per opportunity, in order: the
        streams of one transaction are distinct */
    for (uint64_t i = 0; i < sh->opportunities; i++) {
        s_registered (i, sh->accounts, s_add (&f, i, "opportunity.registered"));
        s_done (&f);
    }
    sh->levels = sh->categories = 0;
    for (uint64_t i = 0; i < sh->opportunities; i++)
        if (bo_level_of (i) > 1) {
            s_level (i, s_add (&f, i, "opportunity.level_changed"));
            s_done (&f);
            sh->levels++;
        }
    for (uint64_t i = 0; i < sh->opportunities; i++)
        if (bo_category_of (i) >= 0) {
            s_category (i, s_add (&f, i, "opportunity.category_set"));
            s_done (&f);
            sh->categories++;
        }
    s_flush (&f);
    sh->total = cs.total + f.written;
    bsvc_slots_free (&f.x);
    free (f.slots);
    eventlog_store_close (&f.st);
}

/*  ---- the dealbook-opportunities process ---- */

void bo_spawn (const char *bin, const char *endpoint)
{
    if (!bsvc_spawn_once ("opportunities", "DEALBOOK_OPPORTUNITIES_ENDPOINT", NULL, bin, endpoint))
        bench_die ("dealbook-opportunities (%s) exited at start; see %s/opportunities.err", bin,
                   bench_g.base);
}

void bo_stop (bool wipe)
{
    bsvc_stop ("opportunities", wipe);
}
