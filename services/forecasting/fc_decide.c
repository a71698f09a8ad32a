/*  fc_decide.c - the deciders of the forecasting service's own streams
    (quota.set, forecast.submitted, forecast.adjusted) and their evolve.
    Fields are validated by the contacts service's field tables, so every
    service rejects a bad amount or currency with the same sentence. */
#include "forecasting.h"
#include "contacts_fields.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"

#include <stdio.h>
#include <string.h>

static const char *const s_scopes[] = {"owner", "team", NULL};

static const contacts_field_t s_quota_fields[] = {
    {"scope", CONTACTS_F_ENUM, true, 16, s_scopes, 0, 0, -1},
    {"who", CONTACTS_F_TEXT, true, FC_SHORT_MAX, NULL, 0, 0, -1},
    {"period", CONTACTS_F_TEXT, true, 16, NULL, 0, 0, -1},
    {"amount", CONTACTS_F_MONEY, true, 0, NULL, 0, FC_AMOUNT_MAX, -1},
    {"currency", CONTACTS_F_CURRENCY, true, 3, NULL, 0, 0, -1},
    {"note", CONTACTS_F_NOTE, false, FC_NOTE_MAX, NULL, 0, 0, -1},
};

static const contacts_field_t s_submit_fields[] = {
    {"owner", CONTACTS_F_TEXT, true, FC_SHORT_MAX, NULL, 0, 0, -1},
    {"period", CONTACTS_F_TEXT, true, 16, NULL, 0, 0, -1},
    {"currency", CONTACTS_F_CURRENCY, true, 3, NULL, 0, 0, -1},
    {"commit", CONTACTS_F_MONEY, true, 0, NULL, 0, FC_AMOUNT_MAX, -1},
    {"best_case", CONTACTS_F_MONEY, true, 0, NULL, 0, FC_AMOUNT_MAX, -1},
    {"pipeline", CONTACTS_F_MONEY, true, 0, NULL, 0, FC_AMOUNT_MAX, -1},
    {"note", CONTACTS_F_NOTE, false, FC_NOTE_MAX, NULL, 0, 0, -1},
};

static const contacts_field_t s_adjust_fields[] = {
    {"owner", CONTACTS_F_TEXT, true, FC_SHORT_MAX, NULL, 0, 0, -1},
    {"period", CONTACTS_F_TEXT, true, 16, NULL, 0, 0, -1},
    {"currency", CONTACTS_F_CURRENCY, false, 3, NULL, 0, 0, -1},
    {"commit", CONTACTS_F_MONEY, true, 0, NULL, 0, FC_AMOUNT_MAX, -1},
    {"best_case", CONTACTS_F_MONEY, true, 0, NULL, 0, FC_AMOUNT_MAX, -1},
    {"pipeline", CONTACTS_F_MONEY, false, 0, NULL, 0, FC_AMOUNT_MAX, -1},
    {"note", CONTACTS_F_NOTE, true, FC_NOTE_MAX, NULL, 0, 0, -1},
};

#define S_N(t) (sizeof (t) / sizeof (t)[0])

/*  The quota's "yes, I mean it" (the name every service gives it). */
static const char *const s_force[] = {"force", NULL};

static const contacts_value_t *s_val (const contacts_value_t *vals, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp (vals[i].f->key, key) && !vals[i].clear)
            return &vals[i];
    return NULL;
}

/*  Copy a short text value into buf (it fits: the table bounds it). */
static void s_copy (char *buf, size_t size, const contacts_value_t *v)
{
    size_t n = v && v->n < size ? v->n : 0;
    if (v && n)
        memcpy (buf, v->s, n);
    buf[n] = 0;
}

/*  who / owner end up in a stream name: no whitespace or controls. */
static int s_check_name (dbk_decision_t *d, const contacts_value_t *v)
{
    /* checked the way the log will check the stream it ends up in */
    char stream[FC_SHORT_MAX + 40];
    int n = snprintf (stream, sizeof stream, "quota-2026.owner.%.*s", (int) v->n, v->s);
    bool ok = n > 0 && (size_t) n < sizeof stream && dbk_stream_name_valid (stream, (size_t) n);
    for (size_t i = 0; ok && i < v->n; i++)
        ok = (unsigned char) v->s[i] > ' ' && v->s[i] != 0x7f;
    if (!ok)
        return dbk_decision_reject (d, DBK_EINVAL, v->f->key,
                                    "%s must be a user or team id without spaces", v->f->key);
    return 0;
}

static int s_check_period (dbk_decision_t *d, const contacts_value_t *v, fc_period_t *p,
                           char canon[FC_PERIOD_MAX + 1])
{
    if (fc_period_parse (v->s, v->n, p))
        return dbk_decision_reject (d, DBK_EINVAL, "period",
                                    "period must be a month (2026-04), a quarter (2026-Q2) or a "
                                    "year (2026), not '%.*s'",
                                    (int) (v->n > 40 ? 40 : v->n), v->s);
    fc_period_format (p, canon);
    return 0;
}

static int s_today (dbk_decision_t *d, const fc_facts_t *facts, fc_day_t *today)
{
    *today = facts ? fc_day (facts->today) : 0;
    if (!*today)
        return dbk_decision_reject (d, DBK_EINVAL, "on",
                                    "the business date (today) is required: forecasts are "
                                    "frozen by date");
    return 0;
}

int fc_quota_set (dbk_decision_t *d, const fc_quota_t *state, const dbk_obj_t *cmd,
                  const fc_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nv = 0;
    bool force;
    int rc = contacts_check_fields (d, cmd, s_quota_fields, S_N (s_quota_fields), s_force, false,
                                    vals, &nv);
    if (!rc)
        rc = contacts_force_flag (d, cmd, &force);
    if (rc)
        return rc;
    const contacts_value_t *who = s_val (vals, nv, "who"), *note = s_val (vals, nv, "note");
    fc_period_t p;
    char period[FC_PERIOD_MAX + 1], scope[8], whos[FC_SHORT_MAX + 1], cur[4];
    fc_day_t today;
    if ((rc = s_check_name (d, who)) ||
        (rc = s_check_period (d, s_val (vals, nv, "period"), &p, period)) ||
        (rc = s_today (d, facts, &today)))
        return rc;
    if (!facts->manager)
        return dbk_decision_reject (d, DBK_EREJECTED, "actor", "only a sales manager sets quotas");
    s_copy (scope, sizeof scope, s_val (vals, nv, "scope"));
    s_copy (whos, sizeof whos, who);
    s_copy (cur, sizeof cur, s_val (vals, nv, "currency"));
    int64_t amount = s_val (vals, nv, "amount")->i;
    bool had = state && state->exists;
    if (had && state->amount == amount && !strcmp (state->currency, cur))
        return 0;
    /*  attainment, coverage and what remains compare the quota with the
        deals of its currency: a quota that changes currency silently
        measures other deals from now on, so the change is said out loud
        (and the event keeps the currency it replaced, from_currency) */
    if (had && state->currency[0] && strcmp (state->currency, cur) && !force)
        return dbk_decision_reject (d, DBK_EREJECTED, "currency",
                                    "the %s quota of %s for %s is in %s: replacing it with one in "
                                    "%s changes what every attainment figure of it means; give "
                                    "force (dealbook: --force) to replace it",
                                    scope, whos, period, state->currency, cur);
    char stream[FC_SHORT_MAX + 40];
    fc_quota_stream (scope, whos, period, stream, sizeof stream);
    dbk_wr_t *w = dbk_decision_event (d, stream, "quota.set");
    dbk_wr_map (w, (uint32_t) (6 + (had ? 2 : 0) + (note != NULL)));
    dbk_wr_kv_cstr (w, "scope", scope);
    dbk_wr_kv_cstr (w, "who", whos);
    dbk_wr_kv_cstr (w, "period", period);
    dbk_wr_kv_i64 (w, "amount", amount);
    dbk_wr_kv_cstr (w, "currency", cur);
    if (had) {
        dbk_wr_kv_i64 (w, "from_amount", state->amount);
        dbk_wr_kv_cstr (w, "from_currency", state->currency);
    }
    if (note) {
        dbk_wr_cstr (w, "note");
        dbk_wr_str (w, note->s, note->n);
    }
    dbk_wr_kv_cstr (w, "on", facts->today);
    return 0;
}

/*  What submit and adjust share: owner, period, today, the figures. */
typedef struct {
    char owner[FC_SHORT_MAX + 1];
    char period[FC_PERIOD_MAX + 1];
    fc_period_t p;
    fc_day_t today;
    int64_t commit, best_case, pipeline;
} s_common_t;

/*  The figures nest: commit within best case, best case within the
    pipeline, everything still in play. `whose` says which pipeline. */
static int s_pipeline_below (dbk_decision_t *d, const s_common_t *c, const char *whose)
{
    return dbk_decision_reject (d, DBK_EINVAL, "pipeline",
                                "%s (%lld) cannot be below best_case (%lld): the pipeline "
                                "includes the best case",
                                whose, (long long) c->pipeline, (long long) c->best_case);
}

static int s_common (dbk_decision_t *d, const contacts_value_t *vals, size_t nv,
                     const fc_facts_t *facts, s_common_t *c)
{
    const contacts_value_t *owner = s_val (vals, nv, "owner");
    int rc;
    if ((rc = s_check_name (d, owner)) ||
        (rc = s_check_period (d, s_val (vals, nv, "period"), &c->p, c->period)) ||
        (rc = s_today (d, facts, &c->today)))
        return rc;
    s_copy (c->owner, sizeof c->owner, owner);
    c->commit = s_val (vals, nv, "commit")->i;
    c->best_case = s_val (vals, nv, "best_case")->i;
    const contacts_value_t *pl = s_val (vals, nv, "pipeline");
    c->pipeline = pl ? pl->i : -1;
    if (c->best_case < c->commit)
        return dbk_decision_reject (d, DBK_EINVAL, "best_case",
                                    "best_case (%lld) cannot be below commit (%lld): the best "
                                    "case includes what is committed",
                                    (long long) c->best_case, (long long) c->commit);
    if (c->pipeline >= 0 && c->pipeline < c->best_case)
        return s_pipeline_below (d, c, "pipeline");
    if (c->today > fc_period_end (&c->p))
        return dbk_decision_reject (d, DBK_EREJECTED, "period",
                                    "period %s is over: a closed period takes no forecast",
                                    c->period);
    return 0;
}

static dbk_wr_t *s_begin (dbk_decision_t *d, const s_common_t *c, const char *type, size_t n,
                          const char *currency)
{
    char stream[FC_SHORT_MAX + 40];
    fc_forecast_stream (c->owner, c->period, stream, sizeof stream);
    dbk_wr_t *w = dbk_decision_event (d, stream, type);
    dbk_wr_map (w, (uint32_t) (8 + n));
    dbk_wr_kv_cstr (w, "owner", c->owner);
    dbk_wr_kv_cstr (w, "period", c->period);
    dbk_wr_kv_cstr (w, "currency", currency);
    dbk_wr_kv_i64 (w, "commit", c->commit);
    dbk_wr_kv_i64 (w, "best_case", c->best_case);
    dbk_wr_kv_i64 (w, "pipeline", c->pipeline);
    dbk_wr_kv_bool (w, "late", c->today >= fc_period_start (&c->p));
    return w;
}

int fc_forecast_submit (dbk_decision_t *d, const fc_forecast_t *state, const dbk_obj_t *cmd,
                        const fc_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nv = 0;
    s_common_t c;
    int rc = contacts_check_fields (d, cmd, s_submit_fields, S_N (s_submit_fields), NULL, false,
                                    vals, &nv);
    if (rc || (rc = s_common (d, vals, nv, facts, &c)))
        return rc;
    if (facts->actor && strcmp (facts->actor, c.owner) && !facts->manager)
        return dbk_decision_reject (d, DBK_EREJECTED, "actor",
                                    "only %s or a sales manager submits %s's forecast", c.owner,
                                    c.owner);
    char cur[4];
    s_copy (cur, sizeof cur, s_val (vals, nv, "currency"));
    const contacts_value_t *note = s_val (vals, nv, "note");
    /*  one currency per forecast: an adjustment or a frozen figure in
        another would be compared with this one */
    if (state && state->exists && state->currency[0] && strcmp (state->currency, cur))
        return dbk_decision_reject (d, DBK_EINVAL, "currency",
                                    "%s's forecast for %s is in %s: submit it in %s", c.owner,
                                    state->period, state->currency, state->currency);
    if (state && state->exists && state->submitted.set && !strcmp (state->currency, cur) &&
        state->submitted.commit == c.commit && state->submitted.best_case == c.best_case &&
        state->submitted.pipeline == c.pipeline)
        return 0;
    dbk_wr_t *w = s_begin (d, &c, "forecast.submitted", note != NULL, cur);
    if (note) {
        dbk_wr_cstr (w, "note");
        dbk_wr_str (w, note->s, note->n);
    }
    dbk_wr_kv_cstr (w, "on", facts->today);
    return 0;
}

int fc_forecast_adjust (dbk_decision_t *d, const fc_forecast_t *state, const dbk_obj_t *cmd,
                        const fc_facts_t *facts)
{
    contacts_value_t vals[CONTACTS_MAX_FIELDS];
    size_t nv = 0;
    s_common_t c;
    int rc = contacts_check_fields (d, cmd, s_adjust_fields, S_N (s_adjust_fields), NULL, false,
                                    vals, &nv);
    if (rc || (rc = s_common (d, vals, nv, facts, &c)))
        return rc;
    if (!facts->manager)
        return dbk_decision_reject (d, DBK_EREJECTED, "actor",
                                    "only a sales manager adjusts a forecast");
    if (!state || !state->exists || !state->submitted.set)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "period",
                                    "%s has submitted no forecast for %s to adjust", c.owner,
                                    c.period);
    const contacts_value_t *cur = s_val (vals, nv, "currency");
    if (cur && (cur->n != 3 || memcmp (cur->s, state->currency, 3)))
        return dbk_decision_reject (d, DBK_EINVAL, "currency",
                                    "the forecast is in %s: an adjustment cannot change the "
                                    "currency",
                                    state->currency);
    if (c.pipeline < 0) {
        c.pipeline = state->submitted.pipeline;
        if (c.pipeline < c.best_case)
            return s_pipeline_below (d, &c, "the submitted pipeline");
    }
    const contacts_value_t *note = s_val (vals, nv, "note");
    bool by = facts->actor && *facts->actor;
    dbk_wr_t *w = s_begin (d, &c, "forecast.adjusted", 1 + by, state->currency);
    dbk_wr_cstr (w, "note");
    dbk_wr_str (w, note->s, note->n);
    if (by)
        dbk_wr_kv_cstr (w, "by", facts->actor);
    dbk_wr_kv_cstr (w, "on", facts->today);
    return 0;
}

/*  ---- evolve ---- */

static int s_str (const dbk_obj_t *data, const char *key, char *buf, size_t size, bool required)
{
    const char *s;
    size_t n;
    if (dbk_obj_str (dbk_obj_get (data, key), &s, &n)) {
        buf[0] = 0;
        return required ? DBK_EMALFORMED : 0;
    }
    if (n >= size)
        return DBK_EMALFORMED;
    memcpy (buf, s, n);
    buf[n] = 0;
    return 0;
}

/*  An amount of a quota or a forecast: what the deciders accept,
    0..FC_AMOUNT_MAX. One outside it was appended by hand, and would
    make the sum of a quarter's or a year's quotas (fc_quota_for) pass
    what an int64 holds. */
static int s_i64 (const dbk_obj_t *data, const char *key, int64_t *out)
{
    return dbk_obj_i64 (dbk_obj_get (data, key), out) || *out < 0 || *out > FC_AMOUNT_MAX
               ? DBK_EMALFORMED
               : 0;
}

int fc_quota_evolve (fc_quota_t *st, const char *type, const dbk_obj_t *data)
{
    if (!type || strcmp (type, "quota.set"))
        return 0;
    fc_quota_t q = {0};
    char on[11];
    int rc;
    if ((rc = s_str (data, "scope", q.scope, sizeof q.scope, true)) ||
        (rc = s_str (data, "who", q.who, sizeof q.who, true)) ||
        (rc = s_str (data, "period", q.period, sizeof q.period, true)) ||
        (rc = s_str (data, "currency", q.currency, sizeof q.currency, true)) ||
        (rc = s_i64 (data, "amount", &q.amount)) || (rc = s_str (data, "on", on, sizeof on, false)))
        return rc;
    q.on = fc_day (on);
    q.exists = true;
    *st = q;
    return 0;
}

int fc_forecast_evolve (fc_forecast_t *st, const char *type, const dbk_obj_t *data)
{
    if (!type)
        return 0;
    bool submit = !strcmp (type, "forecast.submitted");
    if (!submit && strcmp (type, "forecast.adjusted"))
        return 0;
    char owner[FC_SHORT_MAX + 1], period[FC_PERIOD_MAX + 1], cur[4], on[11];
    fc_figures_t f = {.set = true};
    fc_period_t p;
    int rc;
    if ((rc = s_str (data, "owner", owner, sizeof owner, true)) ||
        (rc = s_str (data, "period", period, sizeof period, true)) ||
        (rc = s_str (data, "currency", cur, sizeof cur, true)) ||
        (rc = s_str (data, "on", on, sizeof on, true)) ||
        (rc = s_i64 (data, "commit", &f.commit)) ||
        (rc = s_i64 (data, "best_case", &f.best_case)) ||
        (rc = s_i64 (data, "pipeline", &f.pipeline)))
        return rc;
    f.on = fc_day (on);
    if (!f.on || fc_period_parse (period, strlen (period), &p))
        return DBK_EMALFORMED;
    if (!st->exists) {
        if (!submit)
            return DBK_EMALFORMED; /* an adjustment of nothing */
        memset (st, 0, sizeof *st);
        st->exists = true;
        snprintf (st->owner, sizeof st->owner, "%s", owner);
        fc_period_format (&p, st->period);
    }
    /* THE FREEZE: only what is dated before the first day is in force */
    bool late = f.on >= fc_period_start (&p);
    st->revisions++;
    st->late += late;
    if (submit) {
        memcpy (st->currency, cur, sizeof st->currency);
        st->submitted = f;
        if (!late)
            st->frozen = f;
    } else {
        st->adjusted = f;
        if (!late)
            st->frozen_adjusted = f;
    }
    return 0;
}
