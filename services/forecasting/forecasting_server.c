/*  forecasting_server.c - the forecasting service (docs/protocol.md
    §16.4): its projection folds every opportunity, quota and forecast
    event, and the contacts service's competitors (whom a loss's winner
    names), into the book (forecasting.h) kept in the read model; its
    commands are the quota and forecast deciders; its queries are in
    forecasting_query.c. */
#include "forecasting_server.h"

#include "contacts_known.h"
#include "contacts_request.h"
#include "opportunities_decider.h"
#include "opportunities_known.h"

#include "dealbook/dbk_config.h"
#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int s_project (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev)
{
    static const char *const prefixes[] = {"opportunity.", "quota.", "forecast.", "competitor."};
    bool ours = false;
    for (int i = 0; i < 4 && !ours; i++)
        ours = ev->type_len > strlen (prefixes[i]) &&
               memcmp (ev->type, prefixes[i], strlen (prefixes[i])) == 0;
    if (!ours)
        return 0;
    const dbk_obj_t *data = dbk_svc_data (ctx, ev);
    if (!data)
        return 0;
    forecasting_lmdb_t s;
    forecasting_lmdb_init (&s, ctx, txn, false);
    fc_book_t *book = fc_book_new (&s.store, FC_CFG (ctx));
    if (!book)
        return DBK_ENOMEM;
    /*  the book folds an event before it writes (fc_book_apply): one
        lacking a field its type must have (appended by hand) is
        DBK_EMALFORMED, written nowhere, and skipped by the shell
        (dbk_service.h) */
    int rc = forecasting_fold (book, ev, data);
    fc_book_destroy (&book);
    return rc;
}

/*  opportunities_known_registered_fn: the book holds the deal. */
static bool s_deal_known (void *book, const char *id, size_t n)
{
    return fc_book_has_deal (book, id, n);
}

int forecasting_fold (fc_book_t *book, const dbk_event_t *ev, const dbk_obj_t *data)
{
    if (opportunities_known_type (ev->type, ev->type_len)) {
        /*  the opportunities service's rule, not the type alone: a deal's
            event on another stream is nobody's, one of another deal than
            its stream's or holding what its command refuses is skipped, a
            second registration or an event of a deal the book does not
            hold is ignored */
        opportunities_known_t deal;
        int rc = opportunities_known_read (ev, data, NULL, s_deal_known, book, &deal);
        if (rc || !deal.id)
            return rc;
    }
    if (ev->type_len > 11 && memcmp (ev->type, "competitor.", 11) == 0) {
        /*  the contacts service's rule, not the type alone: a competitor
            on another stream, or under another id than its stream's, is
            nobody's */
        contacts_known_t ref;
        int rc = contacts_known_read (ev, data, &ref);
        if (rc || ref.kind != CONTACTS_KNOWN_COMPETITOR)
            return rc;
    }
    char type[DBK_TYPE_MAX + 1];
    snprintf (type, sizeof type, "%.*s", (int) ev->type_len, ev->type);
    return fc_book_apply (book, type, data, ev->seq, ev->at, ev->ts);
}

/*  ---- commands ---- */

/*  The business date ("on", else today), the actor, whether a
    manager; false after rejecting a malformed "on". */
static bool s_facts (dbk_svc_ctx_t *ctx, const dbk_obj_t *req, dbk_decision_t *d, char today[11],
                     fc_facts_t *f)
{
    char buf[160];
    const char *why = contacts_req_on (req, dbk_svc_config (ctx), today, false, buf, sizeof buf);
    if (why) {
        dbk_decision_reject (d, DBK_EINVAL, "on", "%s", why);
        return false;
    }
    *f = (fc_facts_t){.today = today,
                      .actor = dbk_svc_actor (ctx),
                      .manager = dbk_svc_is_manager (dbk_svc_config (ctx), dbk_svc_actor (ctx))};
    return true;
}

/*  A text field into out ("" when absent or not text). */
static void s_text (const dbk_obj_t *req, const char *key, char *out, size_t outsz)
{
    const char *s;
    size_t n;
    out[0] = 0;
    if (dbk_obj_str (dbk_obj_get (req, key), &s, &n) == 0 && n < outsz) {
        memcpy (out, s, n);
        out[n] = 0;
    }
}

static int s_quota_set (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d)
{
    char scope[16], who[FC_SHORT_MAX + 1], period[32], today[11];
    s_text (req, "scope", scope, sizeof scope);
    s_text (req, "who", who, sizeof who);
    s_text (req, "period", period, sizeof period);
    forecasting_lmdb_t s;
    forecasting_lmdb_init (&s, ctx, txn, true);
    fc_book_t *book = fc_book_new (&s.store, FC_CFG (ctx));
    if (!book)
        return DBK_ENOMEM;
    fc_quota_t st = {0};
    int rc = fc_book_quota (book, scope, who, period, &st);
    fc_book_destroy (&book);
    if (rc && rc != DBK_ENOTFOUND && rc != DBK_EINVAL)
        return rc;
    if (rc)
        memset (&st, 0, sizeof st); /* the decider names a malformed field */
    fc_facts_t f;
    if (s_facts (ctx, req, d, today, &f))
        fc_quota_set (d, &st, req, &f);
    return 0;
}

static int s_forecast (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d,
                       bool adjust)
{
    char owner[FC_SHORT_MAX + 1], period[32], today[11];
    s_text (req, "owner", owner, sizeof owner);
    s_text (req, "period", period, sizeof period);
    forecasting_lmdb_t s;
    forecasting_lmdb_init (&s, ctx, txn, true);
    fc_book_t *book = fc_book_new (&s.store, FC_CFG (ctx));
    if (!book)
        return DBK_ENOMEM;
    fc_forecast_t *st = calloc (1, sizeof *st);
    int rc = st ? fc_book_forecast (book, owner, period, st) : DBK_ENOMEM;
    fc_book_destroy (&book);
    if (rc == DBK_ENOTFOUND || rc == DBK_EINVAL) {
        memset (st, 0, sizeof *st);
        rc = 0;
    }
    if (rc == 0) {
        fc_facts_t f;
        char now[11], zone[16];
        dbk_config_today (dbk_svc_config (ctx), now);
        dbk_config_zone (dbk_svc_config (ctx), zone);
        if (!s_facts (ctx, req, d, today, &f))
            ; /* rejected: "on" */
        else if (strcmp (today, now) < 0)
            /*  the freeze keeps what was forecast before a period began:
                a forecast dated back would pass for one made in time */
            dbk_decision_reject (d, DBK_EINVAL, "on",
                                 "a forecast cannot be dated before today (%s, %s)", now, zone);
        else if (adjust)
            fc_forecast_adjust (d, st, req, &f);
        else
            fc_forecast_submit (d, st, req, &f);
    }
    free (st);
    return rc;
}

static int s_forecast_submit (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                              dbk_decision_t *d)
{
    return s_forecast (ctx, txn, req, d, false);
}

static int s_forecast_adjust (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                              dbk_decision_t *d)
{
    return s_forecast (ctx, txn, req, d, true);
}

static int s_status (dbk_svc_ctx_t *ctx, MDB_txn *txn, dbk_wr_t *w)
{
    MDB_stat deals, cells;
    if (mdb_stat (txn, dbk_svc_dbi (ctx, "fc_deal"), &deals) ||
        mdb_stat (txn, dbk_svc_dbi (ctx, "fc_cell"), &cells))
        return DBK_EIO;
    dbk_wr_map (w, 3);
    dbk_wr_kv_u64 (w, "deals", deals.ms_entries);
    dbk_wr_kv_u64 (w, "cells", cells.ms_entries);
    dbk_wr_cstr (w, "as_of");
    dbk_wr_map (w, 4);
    dbk_wr_kv_u64 (w, "book_read_to", atomic_load (&forecasting_book_read_to));
    dbk_wr_kv_u64 (w, "replays", atomic_load (&forecasting_asof_count.replays));
    dbk_wr_kv_u64 (w, "from_book", atomic_load (&forecasting_asof_count.from_book));
    dbk_wr_kv_u64 (w, "events", atomic_load (&forecasting_asof_count.events));
    return 0;
}

static const char *const s_categories[] = {"quota", "forecast", NULL};
static const dbk_svc_command_t s_commands[] = {{"QUOTA_SET", s_quota_set},
                                               {"FORECAST_SUBMIT", s_forecast_submit},
                                               {"FORECAST_ADJUST", s_forecast_adjust},
                                               {NULL, NULL}};
static const dbk_svc_query_t s_queries[] = {{"FUNNEL", forecasting_funnel_q},
                                            {"FORECAST", forecasting_outlook_q},
                                            {"ACCURACY", forecasting_accuracy_q},
                                            {"PROGRESS", forecasting_progress_q},
                                            {"HEALTH", forecasting_health_q},
                                            {"WINLOSS", forecasting_winloss_q},
                                            {"CHANGES", forecasting_changes_q},
                                            {"QUOTA_GET", forecasting_quota_q},
                                            {"FORECAST_GET", forecasting_forecast_q},
                                            {"KEEP_BOOK", forecasting_keep_book_q},
                                            {NULL, NULL}};

forecasting_asof_count_t forecasting_asof_count;

/*  An as-of query replays the log, KEEP_BOOK too: the worker thread runs
    them (with no read transaction: with as_of, s_open never reads the
    read model). */
static bool s_offload (const char *verb, const dbk_obj_t *req)
{
    return streq (verb, "KEEP_BOOK") || dbk_obj_get (req, "as_of") != NULL;
}

/*  The funnel's levels as the opportunities service reads them
    (DEALBOOK_FUNNEL_LEVELS): the same probabilities weigh the deals here. */
static int s_setup (const dbk_config_t *cfg, void **state, uint32_t *settings, char *why,
                    size_t whysz)
{
    opp_config_t *oc;
    int rc = opp_config_from (cfg, false, &oc, why, whysz);
    if (rc)
        return rc;
    fc_config_t *c = malloc (sizeof *c);
    if (c) {
        *c = fc_default_config;
        for (int l = 1; l <= FC_LEVELS; l++) {
            c->probability[l] = oc->levels[l - 1].probability;
            c->max_days[l] = oc->levels[l - 1].max_days;
        }
        c->utc_offset_min = cfg->utc_offset_min;
        /*  an event without `on` is dated by the business day of its `at`:
            the read model and the kept books (their directory) are of
            this offset */
        *settings = dbk_config_zone_mark (opp_config_fingerprint (oc), cfg->utc_offset_min);
    }
    opp_config_free (&oc);
    *state = c;
    return c ? 0 : DBK_ENOMEM;
}

const dbk_service_def_t forecasting_def = {.name = "forecasting",
                                           .dbs = forecasting_dbs,
                                           .categories = s_categories,
                                           .commands = s_commands,
                                           .queries = s_queries,
                                           .project = s_project,
                                           .status = s_status,
                                           .offload = s_offload,
                                           .background_due = forecasting_book_due,
                                           .background = forecasting_book_keep,
                                           .model_version = FORECASTING_MODEL_VERSION,
                                           .setup = s_setup,
                                           .teardown = free};

void forecasting_server (zsock_t *pipe, void *args)
{
    dbk_service_run (pipe, &forecasting_def, args);
}
