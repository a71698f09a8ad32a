/*  opportunities_query.c - the queries of the opportunities service
    (docs/protocol.md §16.2): one opportunity with its procurement analysis
    chart, the pipeline, conflicts, and deals that need attention. */
#include "opportunities_server.h"

#include "contacts_decider.h"
#include "contacts_fields.h"
#include "contacts_request.h"
#include "opportunities_model.h"

#include "dealbook/dbk_config.h"
#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*  ---- OPP_GET ---- */

static void s_stakeholders (dbk_svc_ctx_t *ctx, MDB_txn *txn, dbk_wr_t *w, const opp_state_t *st)
{
    dbk_wr_cstr (w, "stakeholders");
    dbk_wr_array (w, (uint32_t) st->nstakeholders);
    for (size_t i = 0; i < st->nstakeholders; i++) {
        const opp_stakeholder_t *s = &st->stakeholders[i];
        char name[CONTACTS_NAME_MAX + 1];
        opportunities_model_ref_name (ctx, txn, 'c', s->contact_id, name, sizeof name);
        dbk_wr_map (w, 11);
        contacts_wr_kv_or_nil (w, "contact_id", s->contact_id);
        contacts_wr_kv_or_nil (w, "name", name[0] ? name : NULL);
        contacts_wr_kv_or_nil (w, "role", s->role);
        contacts_wr_kv_or_nil (w, "level", s->level);
        contacts_wr_kv_or_nil (w, "function", s->function);
        contacts_wr_kv_or_nil (w, "relationship", s->relationship);
        dbk_wr_cstr (w, "attitude");
        if (s->attitude_known)
            dbk_wr_i64 (w, s->attitude);
        else
            dbk_wr_nil (w);
        dbk_wr_cstr (w, "influence");
        if (s->influence > 0)
            dbk_wr_i64 (w, s->influence);
        else
            dbk_wr_nil (w);
        contacts_wr_kv_or_nil (w, "response_mode", s->response_mode);
        contacts_wr_kv_or_nil (w, "last_contact", s->last_contact);
        contacts_wr_kv_or_nil (w, "notes", s->notes);
    }
}

static void s_lists (dbk_svc_ctx_t *ctx, MDB_txn *txn, dbk_wr_t *w, const opp_state_t *st)
{
    dbk_wr_cstr (w, "needs");
    dbk_wr_array (w, (uint32_t) st->nneeds);
    for (size_t i = 0; i < st->nneeds; i++) {
        dbk_wr_map (w, 4);
        dbk_wr_kv_u64 (w, "need", st->needs[i].no);
        contacts_wr_kv_or_nil (w, "kind", st->needs[i].kind);
        contacts_wr_kv_or_nil (w, "contact_id", st->needs[i].contact_id);
        contacts_wr_kv_or_nil (w, "text", st->needs[i].text);
    }
    dbk_wr_cstr (w, "competitors");
    dbk_wr_array (w, (uint32_t) st->nrivals);
    for (size_t i = 0; i < st->nrivals; i++) {
        char name[CONTACTS_NAME_MAX + 1];
        opportunities_model_ref_name (ctx, txn, 'k', st->rivals[i].competitor_id, name,
                                      sizeof name);
        dbk_wr_map (w, 4);
        contacts_wr_kv_or_nil (w, "competitor_id", st->rivals[i].competitor_id);
        contacts_wr_kv_or_nil (w, "name", name[0] ? name : NULL);
        contacts_wr_kv_or_nil (w, "position", st->rivals[i].position);
        contacts_wr_kv_or_nil (w, "notes", st->rivals[i].notes);
    }
    /*  the whole checklist, ticked or not */
    size_t items = 0;
    const opp_check_item_t *list = opp_cfg_of (OPP_CFG (ctx))->checklist;
    while (list[items].item)
        items++;
    dbk_wr_cstr (w, "checklist");
    dbk_wr_array (w, (uint32_t) items);
    for (size_t i = 0; i < items; i++) {
        const opp_check_item_t *c = &list[i];
        const opp_tick_t *t = NULL;
        for (size_t j = 0; j < st->nticks && !t; j++)
            if (st->ticks[j].item && strcmp (st->ticks[j].item, c->item) == 0)
                t = &st->ticks[j];
        dbk_wr_map (w, 6);
        dbk_wr_kv_u64 (w, "step", (uint64_t) c->step);
        dbk_wr_kv_cstr (w, "item", c->item);
        dbk_wr_kv_cstr (w, "text", c->text);
        dbk_wr_kv_bool (w, "done", t != NULL);
        contacts_wr_kv_or_nil (w, "by", t ? t->by : NULL);
        contacts_wr_kv_or_nil (w, "date", t ? t->date : NULL);
    }
}

static void s_chart (dbk_wr_t *w, const opp_state_t *st, const char *as_of, const opp_config_t *cfg)
{
    opp_flag_t flags[64];
    size_t n = opp_red_flags (st, as_of, cfg, flags, 64);
    n = n > 64 ? 64 : n;
    dbk_wr_cstr (w, "red_flags");
    dbk_wr_array (w, (uint32_t) n);
    for (size_t i = 0; i < n; i++) {
        const char *sentence = "";
        for (const opp_red_flag_kind_t *k = opp_red_flag_kinds; k->code; k++)
            if (strcmp (k->code, flags[i].code) == 0)
                sentence = k->sentence;
        dbk_wr_map (w, 4);
        dbk_wr_kv_cstr (w, "code", flags[i].code);
        contacts_wr_kv_or_nil (w, "contact_id", flags[i].contact_id);
        contacts_wr_kv_or_nil (w, "role", flags[i].role);
        dbk_wr_kv_cstr (w, "sentence", sentence);
    }
    /*  buying roles held by someone on the map, and the others */
    size_t nroles = 0, covered = 0;
    bool held[16] = {false};
    for (; opp_roles[nroles] && nroles < 16; nroles++)
        for (size_t j = 0; j < st->nstakeholders; j++)
            if (st->stakeholders[j].role &&
                strcmp (st->stakeholders[j].role, opp_roles[nroles]) == 0)
                held[nroles] = true;
    for (size_t i = 0; i < nroles; i++)
        covered += held[i];
    dbk_wr_cstr (w, "roles");
    dbk_wr_map (w, 2);
    for (int want = 1; want >= 0; want--) {
        dbk_wr_cstr (w, want ? "covered" : "missing");
        dbk_wr_array (w, (uint32_t) (want ? covered : nroles - covered));
        for (size_t i = 0; i < nroles; i++)
            if (held[i] == (bool) want)
                dbk_wr_cstr (w, opp_roles[i]);
    }
}

static void s_details (dbk_wr_t *w, const opp_state_t *st)
{
    dbk_wr_cstr (w, "qualification");
    if (st->decision) {
        dbk_wr_map (w, 4);
        dbk_wr_cstr (w, "scores");
        dbk_wr_map (w, OPP_QUESTIONS);
        for (int i = 0; i < OPP_QUESTIONS; i++)
            dbk_wr_kv_i64 (w, opp_questions[i].key, st->scores[i]);
        dbk_wr_kv_i64 (w, "total", st->score_total);
        contacts_wr_kv_or_nil (w, "decision", st->decision);
        contacts_wr_kv_or_nil (w, "reason", st->decision_reason);
    } else
        dbk_wr_nil (w);
    size_t kp = 0;
    for (int i = 0; i < OPP_STAGES; i++)
        kp += st->key_person[i] != NULL;
    dbk_wr_cstr (w, "key_persons");
    dbk_wr_map (w, (uint32_t) kp);
    for (int i = 0; i < OPP_STAGES; i++)
        if (st->key_person[i])
            dbk_wr_kv_cstr (w, opp_stages[i], st->key_person[i]);
    dbk_wr_cstr (w, "outcome");
    dbk_wr_map (w, 6);
    dbk_wr_kv_i64 (w, "won_amount", st->won_amount);
    contacts_wr_kv_or_nil (w, "won_reason", st->won_reason);
    contacts_wr_kv_or_nil (w, "date", st->outcome_date);
    contacts_wr_kv_or_nil (w, "loss_reason", st->loss_reason);
    contacts_wr_kv_or_nil (w, "lost_to", st->lost_to);
    dbk_wr_kv_u64 (w, "reopened", st->reopened);
}

/*  Each stakeholder's last contact: the later of the one entered on the
    deal and the day of the latest activity logged with them (by the
    contacts service), up to as_of; a stakeholder met is not stale. */
static int s_last_met (dbk_svc_ctx_t *ctx, MDB_txn *txn, opp_state_t *st, const char *as_of)
{
    for (size_t i = 0; i < st->nstakeholders; i++) {
        opp_stakeholder_t *s = &st->stakeholders[i];
        char met[11];
        if (!opportunities_model_last_met (ctx, txn, s->contact_id, as_of, met) ||
            (s->last_contact && strcmp (met, s->last_contact) <= 0))
            continue;
        char *d = strdup (met);
        if (!d)
            return DBK_ENOMEM;
        free (s->last_contact);
        s->last_contact = d;
    }
    return 0;
}

/*  What a stakeholder's row on the deal leaves out, its level, function
    and influence, is the contact's on its record (DOMAIN §1: a person's
    level is theirs; their role and attitude are per deal): the chart, the
    roles and the red flags see them, as the record was at the end of day
    as_of (NULL: now). */
static int s_profiles (dbk_svc_ctx_t *ctx, MDB_txn *txn, opp_state_t *st, const char *as_of)
{
    for (size_t i = 0; i < st->nstakeholders; i++) {
        opp_stakeholder_t *s = &st->stakeholders[i];
        const char *level, *function;
        int influence;
        if ((s->level && s->function && s->influence) ||
            !opportunities_model_profile (ctx, txn, s->contact_id, as_of, &level, &function,
                                          &influence))
            continue;
        if (!s->level && level && !(s->level = strdup (level)))
            return DBK_ENOMEM;
        if (!s->function && function && !(s->function = strdup (function)))
            return DBK_ENOMEM;
        if (!s->influence)
            s->influence = influence;
    }
    return 0;
}

/*  OPP_GET {id, as_of} -> the summary row's keys plus site_address,
    project_type, account_name, commitment, duplicate_of, as_of,
    qualification, key_persons, outcome, stakeholders, needs,
    competitors, checklist, red_flags, roles. With as_of, the state as
    the service knew it at the end of that day in DEALBOOK_TIMEZONE
    (dbk_day_end_ms). */
int opportunities_get_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char id[OPP_ID_MAX + 1], as_of[11];
    bool past;
    if (!contacts_req_id (req, "id", id))
        return dbk_svc_reject (ctx, DBK_EINVAL, "id", "id must name an opportunity");
    if (!contacts_req_date (ctx, req, "as_of", as_of, &past))
        return DBK_EINVAL;
    int64_t before = OPP_AS_OF_NOW;
    if (past) /* the end of that day in DEALBOOK_TIMEZONE, as the forecasting service's */
        before = dbk_day_end_ms (opp_days_between ("1970-01-01", as_of),
                                 dbk_svc_config (ctx)->utc_offset_min);
    opp_state_t *st = calloc (1, sizeof *st);
    if (!st)
        return DBK_ENOMEM;
    int rc = opportunities_model_load (ctx, txn, id, before, st);
    if (rc == 0 && st->status == OPP_NONE)
        rc = dbk_svc_reject (ctx, DBK_ENOTFOUND, "id",
                             past ? "no opportunity %s on %s" : "no opportunity %s", id, as_of);
    if (rc == 0)
        rc = s_last_met (ctx, txn, st, as_of);
    if (rc == 0)
        rc = s_profiles (ctx, txn, st, past ? as_of : NULL);
    if (rc == 0) {
        char account[CONTACTS_NAME_MAX + 1];
        opportunities_model_ref_name (ctx, txn, 'a', st->account_id, account, sizeof account);
        opportunities_model_row (w, st, OPP_CFG (ctx), 15);
        contacts_wr_kv_or_nil (w, "site_address", st->site_address);
        contacts_wr_kv_or_nil (w, "project_type", st->project_type);
        contacts_wr_kv_or_nil (w, "account_name", account[0] ? account : NULL);
        contacts_wr_kv_or_nil (w, "commitment", st->commitment);
        contacts_wr_kv_or_nil (w, "duplicate_of", st->duplicate_of);
        contacts_wr_kv_or_nil (w, "as_of", past ? as_of : NULL);
        s_details (w, st);
        s_stakeholders (ctx, txn, w, st);
        s_lists (ctx, txn, w, st);
        s_chart (w, st, as_of, OPP_CFG (ctx));
    }
    opp_reset (st);
    free (st);
    return rc;
}

/*  ---- lists ---- */

/*  The id at the end of an opp_by / opp_touched key (after its last NUL). */
static bool s_key_id (const MDB_val *k, char out[OPP_ID_MAX + 1])
{
    const char *key = k->mv_data;
    size_t i = k->mv_size;
    while (i > 0 && key[i - 1] != 0)
        i--;
    size_t n = k->mv_size - i;
    if (i == 0 || n == 0 || n > OPP_ID_MAX)
        return false;
    memcpy (out, key + i, n);
    out[n] = 0;
    return true;
}

/*  The filters of OPP_LIST, in the order an index is chosen. */
static const struct {
    const char *field; /* request key               */
    const char *row;   /* key of the summary row    */
    char tag;          /* its opp_by tag            */
    bool folded;       /* compared case-blind       */
} s_filters[] = {{"account_id", "account_id", 'a', false},
                 {"owner", "owner", 'o', true},
                 {"team", "team", 't', true},
                 {"region", "region", 'r', true},
                 {"stage", "stage", 's', false},
                 {"level", "level", 'l', false},
                 {"category", "category", 'c', false},
                 {"status", "status", 'x', false}};
#define S_NFILTERS (sizeof s_filters / sizeof s_filters[0])

static bool s_same (const dbk_obj_t *row, const char *key, const char *want, bool folded)
{
    const char *s;
    size_t n;
    if (dbk_obj_str (dbk_obj_get (row, key), &s, &n))
        return false;
    if (!folded)
        return strlen (want) == n && memcmp (want, s, n) == 0;
    char *a = contacts_normalize_name_with (s, n, NULL),
         *b = contacts_normalize_name_with (want, strlen (want), NULL);
    bool same = a && b && strcmp (a, b) == 0;
    free (a);
    free (b);
    return same;
}

typedef struct {
    char value[S_NFILTERS][OPP_SHORT_MAX + 1]; /* "" absent */
    char from[11], to[11];                     /* close date range, "" open */
    bool desc;                                 /* newest close date first */
} s_list_req_t;

static int s_list_req (dbk_svc_ctx_t *ctx, const dbk_obj_t *req, s_list_req_t *q)
{
    memset (q, 0, sizeof *q);
    for (size_t i = 0; i < S_NFILTERS; i++) {
        const dbk_obj_t *o = dbk_obj_get (req, s_filters[i].field);
        const char *s;
        size_t n;
        if (!o)
            continue;
        if (dbk_obj_str (o, &s, &n) || n == 0 || n > OPP_SHORT_MAX || memchr (s, 0, n))
            return dbk_svc_reject (ctx, DBK_EINVAL, s_filters[i].field,
                                   "%s must be text of 1 to %d bytes", s_filters[i].field,
                                   OPP_SHORT_MAX);
        memcpy (q->value[i], s, n);
    }
    /*  open deals unless told otherwise; "all" drops the filter */
    char *status = q->value[S_NFILTERS - 1];
    if (!status[0])
        strcpy (status, "open");
    else if (strcmp (status, "all") == 0)
        status[0] = 0;
    const char *keys[2] = {"close_from", "close_to"};
    char *dates[2] = {q->from, q->to};
    for (int i = 0; i < 2; i++) {
        const char *s;
        size_t n;
        const dbk_obj_t *o = dbk_obj_get (req, keys[i]);
        if (!o)
            continue;
        if (dbk_obj_str (o, &s, &n) || n != 10 || !contacts_date_valid (s, n, false))
            return dbk_svc_reject (ctx, DBK_EINVAL, keys[i], "%s must be a date YYYY-MM-DD",
                                   keys[i]);
        memcpy (dates[i], s, 10);
    }
    const dbk_obj_t *sort = dbk_obj_get (req, "sort");
    if (sort && !dbk_obj_str_eq (sort, "close_date") && !dbk_obj_str_eq (sort, "-close_date"))
        return dbk_svc_reject (ctx, DBK_EINVAL, "sort",
                               "sort must be close_date or -close_date (latest first)");
    q->desc = sort && dbk_obj_str_eq (sort, "-close_date");
    return 0;
}

/*  One index prefix of OPP_LIST walked in close-date order: the
    filter's, or with account_id, that of each account merged into it. */
typedef struct {
    MDB_cursor *cur;
    MDB_val k, v;             /* the current key (live) */
    bool live;                /* k is a key of this prefix */
    size_t pl;                /* prefix bytes */
    char prefix[OPP_KEY_MAX]; /* "tag value \0" */
} s_scan_t;

/*  The part of an index key after its "tag value \0" prefix: "close \0 id". */
static MDB_val s_suffix (const MDB_val *k)
{
    const char *p = k->mv_data, *nul = k->mv_size > 1 ? memchr (p + 1, 0, k->mv_size - 1) : NULL;
    size_t at = nul ? (size_t) (nul - p) + 1 : k->mv_size;
    return (MDB_val){k->mv_size - at, (char *) p + at};
}

/*  A page's cursor is the last key of the page before: its suffix must be
    "close \0 id", close empty or a date, for the seek of each prefix. */
static bool s_cursor_ok (const MDB_val *after)
{
    MDB_val x = s_suffix (after);
    const char *p = x.mv_data, *nul = x.mv_size ? memchr (p, 0, x.mv_size) : NULL;
    size_t cl = nul ? (size_t) (nul - p) : 0, il = nul ? x.mv_size - cl - 1 : 0;
    return nul && (cl == 0 || cl == 10) && il >= 1 && il <= OPP_ID_MAX && !memchr (nul + 1, 0, il);
}

static int s_suffix_cmp (const MDB_val *a, const MDB_val *b)
{
    MDB_val x = s_suffix (a), y = s_suffix (b);
    int c = memcmp (x.mv_data, y.mv_data, x.mv_size < y.mv_size ? x.mv_size : y.mv_size);
    return c ? c : (x.mv_size > y.mv_size) - (x.mv_size < y.mv_size);
}

/*  Position a scan on its first key: after the cursor (its close date and
    id under this prefix), else at the first (ascending) or past the last
    (descending) close date of the range. */
static void s_scan_start (s_scan_t *sc, const s_list_req_t *q, const MDB_val *after)
{
    char seek[OPP_KEY_MAX + 16];
    size_t sl = sc->pl;
    memcpy (seek, sc->prefix, sc->pl);
    MDB_val x = after->mv_size ? s_suffix (after) : (MDB_val){0, NULL};
    /*  a cursor before the range's first close date (after it, descending)
        is not followed there: the range starts where it starts */
    bool follow = x.mv_size && !((!q->desc && q->from[0] && strncmp (x.mv_data, q->from, 10) < 0) ||
                                 (q->desc && q->to[0] && strncmp (x.mv_data, q->to, 10) > 0));
    if (follow) {
        size_t n = x.mv_size < sizeof seek - sl ? x.mv_size : sizeof seek - sl;
        memcpy (seek + sl, x.mv_data, n);
        sl += n;
    } else {
        const char *edge = q->desc ? q->to : q->from;
        memcpy (seek + sl, edge, strlen (edge));
        sl += strlen (edge);
        if (q->desc && edge[0])
            seek[sl++] = 1; /* after every key of that close date ("date \0 id") */
        else if (q->desc)
            seek[sc->pl - 1] = 1; /* "tag value \x01": after every "tag value \0..." */
    }
    MDB_val s = {sl, seek}, none = {0, NULL};
    MDB_val *k = &sc->k, *v = &sc->v;
    int r;
    if (q->desc) {
        /*  SET_RANGE stops on a key >= s: PREV steps back past it (and an
            exact `after` is skipped the same way) */
        *k = s;
        r = mdb_cursor_get (sc->cur, k, v, MDB_SET_RANGE);
        r = r == MDB_NOTFOUND ? mdb_cursor_get (sc->cur, k, v, MDB_LAST)
                              : mdb_cursor_get (sc->cur, k, v, MDB_PREV);
    } else if (follow)
        r = contacts_req_seek (sc->cur, k, v, &none, &s);
    else
        r = contacts_req_seek (sc->cur, k, v, &s, &none);
    sc->live = r == 0 && k->mv_size > sc->pl && memcmp (k->mv_data, sc->prefix, sc->pl) == 0;
}

static void s_scan_step (s_scan_t *sc, bool desc)
{
    int r = mdb_cursor_get (sc->cur, &sc->k, &sc->v, desc ? MDB_PREV : MDB_NEXT);
    sc->live = r == 0 && sc->k.mv_size > sc->pl && memcmp (sc->k.mv_data, sc->prefix, sc->pl) == 0;
}

/*  OPP_LIST {account_id, owner, team, region, stage, level, category,
    status (default open; "all"), close_from, close_to, sort, limit,
    after} -> {opportunities: [row], next}: ordered by close date (then
    id), read from the index of the first filter given in that order (or
    of every opportunity), the other filters checked on each row. An
    account's list holds the deals of the accounts merged into it too:
    their prefixes are walked together, merged on (close date, id). */
int opportunities_list_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    s_list_req_t q;
    uint64_t limit;
    MDB_val after, next = {0, NULL};
    char after_buf[CONTACTS_CURSOR_MAX]; /* the decoded cursor */
    int rc = s_list_req (ctx, req, &q);
    if (rc || (rc = contacts_req_paging (ctx, req, &limit, &after, after_buf)))
        return rc;
    if (after.mv_size && !s_cursor_ok (&after))
        return dbk_svc_reject (ctx, DBK_EINVAL, "after",
                               "after must be the `next` of the previous page");
    size_t by = S_NFILTERS;
    for (size_t i = 0; i < S_NFILTERS && by == S_NFILTERS; i++)
        if (q.value[i][0])
            by = i;
    char tag = by < S_NFILTERS ? s_filters[by].tag : '*';
    char family[OPP_FAMILY_MAX][OPP_ID_MAX + 1];
    size_t nfam = 0;
    if (tag == 'a' &&
        opportunities_model_family (ctx, txn, q.value[by], family, OPP_FAMILY_MAX, &nfam))
        return DBK_EIO;
    s_scan_t *scans = calloc (nfam + 1, sizeof *scans);
    dbk_wr_t *items = dbk_wr_new ();
    rc = scans && items ? 0 : DBK_ENOMEM;
    size_t ns = 0;
    for (; rc == 0 && ns <= nfam; ns++) {
        s_scan_t *sc = &scans[ns];
        const char *value = ns ? family[ns - 1] : by < S_NFILTERS ? q.value[by] : "";
        if (!(sc->pl = opportunities_model_by_key (sc->prefix, sizeof sc->prefix, tag, value, NULL,
                                                   NULL)))
            rc = dbk_svc_reject (ctx, DBK_EINVAL, by < S_NFILTERS ? s_filters[by].field : NULL,
                                 "filter too long");
        else if (mdb_cursor_open (txn, dbk_svc_dbi (ctx, OPP_DB_BY), &sc->cur))
            rc = DBK_EIO;
        else
            s_scan_start (sc, &q, &after);
    }
    uint32_t n = 0;
    while (rc == 0) {
        s_scan_t *sc = NULL; /* the scan whose key comes next */
        for (size_t i = 0; i < ns; i++)
            if (scans[i].live && (!sc || (s_suffix_cmp (&scans[i].k, &sc->k) < 0) != q.desc))
                sc = &scans[i];
        if (!sc)
            break;
        const char *close = (const char *) sc->k.mv_data + sc->pl;
        if (!q.desc && q.to[0] && strncmp (close, q.to, 10) > 0)
            break;
        if (q.desc && q.from[0] && strncmp (close, q.from, 10) < 0)
            break;
        if (n == limit) {
            next = after;
            break;
        }
        after = sc->k;
        char id[OPP_ID_MAX + 1];
        MDB_val row;
        dbk_doc_t *doc = NULL;
        if (s_key_id (&sc->k, id) && contacts_req_get_raw (ctx, txn, OPP_DB_ROWS, id, &row) == 0 &&
            dbk_doc_parse (row.mv_data, row.mv_size, &doc) == 0) {
            bool keep = true;
            for (size_t i = 0; i < S_NFILTERS && keep; i++)
                if (i != by && q.value[i][0])
                    keep = s_same (dbk_doc_root (doc), s_filters[i].row, q.value[i],
                                   s_filters[i].folded);
            dbk_doc_destroy (&doc);
            if (keep) {
                dbk_wr_raw (items, row.mv_data, row.mv_size);
                n++;
            }
        }
        s_scan_step (sc, q.desc);
    }
    if (rc == 0)
        contacts_req_finish_list (w, "opportunities", items, n, &next);
    for (size_t i = 0; scans && i < ns; i++)
        if (scans[i].cur)
            mdb_cursor_close (scans[i].cur);
    free (scans);
    dbk_wr_destroy (&items);
    return rc;
}

/*  OPP_CONFLICTS {limit, after} -> {conflicts: [row], next}: open
    opportunities in one or more registration conflicts (in_conflict_with
    names every other, conflict_with the oldest), by close date. */
int opportunities_conflicts_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    uint64_t limit;
    MDB_val after, k, v, next = {0, NULL};
    char after_buf[CONTACTS_CURSOR_MAX]; /* the decoded cursor */
    int rc = contacts_req_paging (ctx, req, &limit, &after, after_buf);
    if (rc)
        return rc;
    char prefix[8];
    size_t pl = opportunities_model_by_key (prefix, sizeof prefix, 'k', "", NULL, NULL);
    MDB_val start = {pl, prefix};
    MDB_cursor *cur;
    dbk_wr_t *items = dbk_wr_new ();
    if (!items || mdb_cursor_open (txn, dbk_svc_dbi (ctx, OPP_DB_BY), &cur)) {
        dbk_wr_destroy (&items);
        return DBK_EIO;
    }
    uint32_t n = 0;
    for (int r = contacts_req_seek (cur, &k, &v, &start, &after);
         r == 0 && k.mv_size > pl && memcmp (k.mv_data, prefix, pl) == 0;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (n == limit) {
            next = after;
            break;
        }
        after = k;
        char id[OPP_ID_MAX + 1];
        MDB_val row;
        if (s_key_id (&k, id) && contacts_req_get_raw (ctx, txn, OPP_DB_ROWS, id, &row) == 0) {
            dbk_wr_raw (items, row.mv_data, row.mv_size);
            n++;
        }
    }
    mdb_cursor_close (cur);
    contacts_req_finish_list (w, "conflicts", items, n, &next);
    dbk_wr_destroy (&items);
    return 0;
}

/*  The rows of the deals whose opp_by keys start with prefix (pl
    bytes), in key order, into out: at most limit (*more when there are
    others), *n of them. With `tagged`, each row gets one more pair: that
    key, the key's value (between its tag and the first NUL). */
static int s_rows_under (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *prefix, size_t pl,
                         const char *tagged, uint64_t limit, dbk_wr_t *out, uint32_t *n, bool *more)
{
    MDB_cursor *cur;
    if (mdb_cursor_open (txn, dbk_svc_dbi (ctx, OPP_DB_BY), &cur))
        return DBK_EIO;
    MDB_val k = {pl, (void *) prefix}, v, row;
    char id[OPP_ID_MAX + 1];
    for (int r = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
         r == 0 && k.mv_size > pl && memcmp (k.mv_data, prefix, pl) == 0;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (*n == limit) {
            *more = true;
            break;
        }
        if (!s_key_id (&k, id) || contacts_req_get_raw (ctx, txn, OPP_DB_ROWS, id, &row))
            continue;
        dbk_doc_t *doc = NULL;
        if (!tagged)
            dbk_wr_raw (out, row.mv_data, row.mv_size);
        else if (dbk_doc_parse (row.mv_data, row.mv_size, &doc) == 0) {
            const dbk_obj_t *m = dbk_doc_root (doc);
            const char *key = k.mv_data;
            dbk_wr_map (out, (uint32_t) dbk_obj_len (m) + 1);
            for (size_t i = 0; i < dbk_obj_len (m); i++) {
                dbk_wr_obj (out, dbk_obj_key_at (m, i));
                dbk_wr_obj (out, dbk_obj_val_at (m, i));
            }
            dbk_wr_cstr (out, tagged);
            dbk_wr_str (out, key + 1, strnlen (key + 1, k.mv_size - 1));
            dbk_doc_destroy (&doc);
        } else
            continue;
        (*n)++;
    }
    mdb_cursor_close (cur);
    return 0;
}

/*  OPP_ATTENTION {as_of, limit} -> {no_next_step: [row], untouched: [row
    + days], not_pursued: [row + decision], more: bool}: open deals
    without a next step (by close date), open deals untouched for longer
    than their level allows (the longest forgotten first), and open deals
    whose latest qualification decided hold or drop (drop first, then
    hold, each by close date), the red flags qualification_hold / _drop:
    weighted at their level's probability until moved down or closed,
    they are listed until a qualification decides pursue again. */
int opportunities_attention_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char as_of[11];
    bool given;
    uint64_t limit = CONTACTS_PAGE_DEFAULT;
    if (!contacts_req_date (ctx, req, "as_of", as_of, &given))
        return DBK_EINVAL;
    const dbk_obj_t *l = dbk_obj_get (req, "limit");
    if (l && (dbk_obj_u64 (l, &limit) || limit < 1 || limit > CONTACTS_PAGE_MAX))
        return dbk_svc_reject (ctx, DBK_EINVAL, "limit", "limit must be from 1 to %d",
                               CONTACTS_PAGE_MAX);
    dbk_wr_t *a = dbk_wr_new (), *b = dbk_wr_new (), *c = dbk_wr_new ();
    uint32_t na = 0, nb = 0, nc = 0;
    bool more = false;
    char prefix[8];
    size_t pl = opportunities_model_by_key (prefix, sizeof prefix, 'w', "", NULL, NULL);
    int rc = a && b && c ? 0 : DBK_ENOMEM;
    if (rc == 0)
        rc = s_rows_under (ctx, txn, prefix, pl, NULL, limit, a, &na, &more);
    if (rc == 0)
        rc = s_rows_under (ctx, txn, "q", 1, "decision", limit, c, &nc, &more);
    if (rc) {
        dbk_wr_destroy (&a);
        dbk_wr_destroy (&b);
        dbk_wr_destroy (&c);
        return rc;
    }
    MDB_cursor *cur;
    MDB_val k, v, row;
    char id[OPP_ID_MAX + 1];
    /*  untouched: oldest first; no level allows more than the largest
        max_days, none less than the smallest, so the scan stops at the
        first date younger than the smallest limit */
    const opp_level_t *levels = opp_cfg_of (OPP_CFG (ctx))->levels;
    int min_days = levels[0].max_days;
    for (int i = 1; i < OPP_LEVELS; i++)
        if (levels[i].max_days < min_days)
            min_days = levels[i].max_days;
    if (mdb_cursor_open (txn, dbk_svc_dbi (ctx, OPP_DB_TOUCHED), &cur) == 0) {
        int r = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
        for (; r == 0; r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
            char touched[11] = "";
            if (k.mv_size > 10 && ((const char *) k.mv_data)[10] == 0)
                memcpy (touched, k.mv_data, 10);
            int32_t days = touched[0] ? opp_days_between (touched, as_of) : INT32_MAX;
            if (days != INT32_MAX && days <= min_days)
                break;
            dbk_doc_t *doc = NULL;
            if (!s_key_id (&k, id) || contacts_req_get_raw (ctx, txn, OPP_DB_ROWS, id, &row) ||
                dbk_doc_parse (row.mv_data, row.mv_size, &doc))
                continue;
            const dbk_obj_t *m = dbk_doc_root (doc);
            const char *lv;
            size_t ln;
            int level =
                dbk_obj_str (dbk_obj_get (m, "level"), &lv, &ln) == 0 && ln == 2 ? lv[1] - '0' : 1;
            level = level < 1 || level > OPP_LEVELS ? 1 : level;
            if (days == INT32_MAX || days > levels[level - 1].max_days) {
                if (nb == limit) {
                    more = true;
                    dbk_doc_destroy (&doc);
                    break;
                }
                dbk_wr_map (b, (uint32_t) dbk_obj_len (m) + 1);
                for (size_t i = 0; i < dbk_obj_len (m); i++) {
                    dbk_wr_obj (b, dbk_obj_key_at (m, i));
                    dbk_wr_obj (b, dbk_obj_val_at (m, i));
                }
                dbk_wr_kv_i64 (b, "days_untouched", days == INT32_MAX ? -1 : days);
                nb++;
            }
            dbk_doc_destroy (&doc);
        }
        mdb_cursor_close (cur);
    }
    dbk_wr_map (w, 5);
    dbk_wr_kv_cstr (w, "as_of", as_of);
    dbk_wr_cstr (w, "no_next_step");
    dbk_wr_array (w, na);
    dbk_wr_raw (w, dbk_wr_data (a), dbk_wr_size (a));
    dbk_wr_cstr (w, "untouched");
    dbk_wr_array (w, nb);
    dbk_wr_raw (w, dbk_wr_data (b), dbk_wr_size (b));
    dbk_wr_cstr (w, "not_pursued");
    dbk_wr_array (w, nc);
    dbk_wr_raw (w, dbk_wr_data (c), dbk_wr_size (c));
    dbk_wr_kv_bool (w, "more", more);
    dbk_wr_destroy (&a);
    dbk_wr_destroy (&b);
    dbk_wr_destroy (&c);
    return 0;
}
