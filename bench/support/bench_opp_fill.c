/*  bench_opp_fill.c - the opportunities bench's data set, written through
    the event log's store, and the dealbook-opportunities process (see
    bench_opp_fill.h).
*/
#include "bench_opp_fill.h"

#include "bench_contacts_fill.h"

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
    long close_day = BO_FIRST_DAY + (long) ((r >> 20) % BO_DAYS);
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

/*  The envelope of event number k (ids in the shape of UUIDv7, distinct
    from the contacts pre-fill's by their tag). */
static void s_envelope (uint64_t k, const s_slot_t *s, dbk_wr_t *w, dbk_event_t *ev)
{
    static uint64_t tag;
    if (!tag)
        tag = bc_mix ((uint64_t) bench_now_ns () ^ S_SALT);
    memset (ev, 0, sizeof *ev);
    uint64_t ms = (uint64_t) dbk_now_ms ();
    for (int i = 0; i < 6; i++)
        ev->id[i] = (uint8_t) (ms >> (40 - 8 * i));
    ev->id[6] = (uint8_t) (0x70 | (tag & 0x0f));
    ev->id[7] = (uint8_t) (tag >> 8);
    ev->id[8] = (uint8_t) (0x80 | ((tag >> 16) & 0x3f));
    ev->id[9] = (uint8_t) (tag >> 24);
    for (int i = 0; i < 6; i++)
        ev->id[10 + i] = (uint8_t) (k >> (40 - 8 * i));
    memcpy (ev->cause, ev->id, DBK_ID_SIZE);
    ev->cause[9] ^= 0x5a;
    memcpy (ev->corr, ev->cause, DBK_ID_SIZE);
    ev->has_cause = ev->has_corr = true;
    ev->type = s->type;
    ev->type_len = strlen (s->type);
    ev->actor = "user:bench";
    ev->actor_len = strlen (ev->actor);
    ev->at = (int64_t) ms;
    ev->schema = 1;
    ev->data_raw = dbk_wr_data (w);
    ev->data_raw_len = dbk_wr_size (w);
}

/*  ---- the pre-fill ---- */

typedef struct {
    eventlog_store_t *st;
    size_t per, nb;
    uint64_t written;
    dbk_event_t *evs;
    dbk_wr_t **bufs;
    s_slot_t *slots;
    eventlog_batch_t *b;
    eventlog_pos_t *pos;
} s_fill_t;

static void s_flush (s_fill_t *f)
{
    if (!f->nb)
        return;
    int rc;
    for (int attempt = 0;; attempt++) {
        uint64_t current;
        size_t bad;
        rc = eventlog_store_begin (f->st);
        if (!rc)
            rc = eventlog_store_append (f->st, f->b, f->nb, f->pos, &current, &bad);
        if (!rc)
            rc = eventlog_store_commit (f->st);
        else
            eventlog_store_abort (f->st);
        if (rc != DBK_EMAPFULL || attempt > 20)
            break;
        if ((rc = eventlog_store_grow (f->st)))
            break;
    }
    if (rc)
        bench_die ("pre-filling the log after %llu opportunity events: %s",
                   (unsigned long long) f->written, dbk_strerror (rc));
    f->written += f->nb;
    f->nb = 0;
}

/*  Start event number f->nb of the transaction: its payload writer. */
static dbk_wr_t *s_add (s_fill_t *f, uint64_t i, const char *type)
{
    if (f->nb == f->per)
        s_flush (f);
    s_slot_t *s = &f->slots[f->nb];
    char id[32];
    bo_opp_id (i, id, sizeof id);
    snprintf (s->stream, sizeof s->stream, "opportunity-%s", id);
    s->type = type;
    dbk_wr_t *w = f->bufs[f->nb];
    dbk_wr_reset (w);
    return w;
}

static void s_done (s_fill_t *f)
{
    size_t k = f->nb;
    s_envelope (f->written + k, &f->slots[k], f->bufs[k], &f->evs[k]);
    f->b[k] = (eventlog_batch_t){.stream = f->slots[k].stream,
                                 .stream_len = strlen (f->slots[k].stream),
                                 .expect = DBK_EXPECT_ANY,
                                 .events = &f->evs[k],
                                 .n = 1};
    f->nb++;
}

void bo_prefill (bo_shape_t *sh)
{
    bc_shape_t cs = {
        .accounts = sh->accounts, .contacts = sh->contacts, .total = sh->accounts + sh->contacts};
    bc_prefill (&cs);
    char dir[800];
    snprintf (dir, sizeof dir, "%s/eventlog", bench_g.log_dir);
    s_fill_t f = {.per = 1000};
    int rc = eventlog_store_open (&f.st, dir, UINT64_C (1) << 30, true);
    if (rc)
        bench_die ("cannot open the log in %s: %s", dir, dbk_strerror (rc));
    f.evs = calloc (f.per, sizeof *f.evs);
    f.bufs = calloc (f.per, sizeof *f.bufs);
    f.slots = calloc (f.per, sizeof *f.slots);
    f.b = calloc (f.per, sizeof *f.b);
    f.pos = calloc (f.per, sizeof *f.pos);
    if (!f.evs || !f.bufs || !f.slots || !f.b || !f.pos)
        bench_die ("out of memory");
    for (size_t i = 0; i < f.per; i++)
        if (!(f.bufs[i] = dbk_wr_new ()))
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
    for (size_t i = 0; i < f.per; i++)
        dbk_wr_destroy (&f.bufs[i]);
    free (f.evs);
    free (f.bufs);
    free (f.slots);
    free (f.b);
    free (f.pos);
    eventlog_store_close (&f.st);
}

/*  ---- the dealbook-opportunities process ---- */

void bo_spawn (const char *bin, const char *endpoint)
{
    char e_dir[800], e_log[100], e_pub[100], e_ep[120], errpath[700];
    snprintf (e_dir, sizeof e_dir, "DEALBOOK_DATA_DIR=%s/opportunities", bench_g.base);
    snprintf (e_log, sizeof e_log, "DEALBOOK_LOG_ENDPOINT=%s", bench_g.log_ep);
    snprintf (e_pub, sizeof e_pub, "DEALBOOK_PUB_ENDPOINT=%s", bench_g.pub_ep);
    snprintf (e_ep, sizeof e_ep, "DEALBOOK_OPPORTUNITIES_ENDPOINT=%s", endpoint);
    snprintf (errpath, sizeof errpath, "%s/opportunities.err", bench_g.base);
    pid_t pid = fork ();
    if (pid < 0)
        bench_die ("fork: %s", strerror (errno));
    if (pid == 0) {
        int fd = open (errpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2 (fd, 2);
            close (fd);
        }
        putenv (e_dir);
        putenv (e_log);
        putenv (e_pub);
        putenv (e_ep);
        putenv ("DEALBOOK_DURABLE=1");
        putenv ("DEALBOOK_LOG_LEVEL=warning");
        execl (bin, bin, (char *) NULL);
        _exit (127);
    }
    bench_g.echo_pid = pid;
    int64_t deadline = bench_now_ns () + 20 * (int64_t) 1000000000;
    while (bench_now_ns () < deadline) {
        dbk_client_t *c = dbk_client_new (endpoint, 200);
        if (!c)
            bench_die ("cannot make a client for %s", endpoint);
        dbk_client_begin (c, "PING", 0);
        dbk_doc_t *reply = NULL;
        int rc = dbk_client_call (c, &reply);
        dbk_doc_destroy (&reply);
        dbk_client_destroy (&c);
        if (rc == 0)
            return;
        if (waitpid (pid, NULL, WNOHANG) == pid) {
            bench_g.echo_pid = 0;
            bench_die ("dealbook-opportunities (%s) exited at start; see %s", bin, errpath);
        }
    }
    bench_die ("dealbook-opportunities does not answer on %s", endpoint);
}

void bo_stop (bool wipe)
{
    if (bench_g.echo_pid > 0) {
        kill (bench_g.echo_pid, SIGTERM);
        waitpid (bench_g.echo_pid, NULL, 0);
        bench_g.echo_pid = 0;
    }
    if (wipe) {
        char *cmd;
        if (asprintf (&cmd, "rm -rf '%s/opportunities'", bench_g.base) >= 0) {
            if (system (cmd) != 0)
                bench_die ("could not remove %s/opportunities", bench_g.base);
            free (cmd);
        }
    }
}
