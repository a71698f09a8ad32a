/*  bidding_server.c - the bidding service (docs/protocol.md §16.3) on the
    shell of dbk_service.h: its commands hand the request to the pure
    deciders of bidding_decider.h with the facts the read model knows; its
    queries are in bidding_query.c. */
#include "bidding_server.h"

#include "bidding_model.h"
#include "contacts_request.h"

#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    dbk_svc_ctx_t *ctx;
    MDB_txn *txn;
} s_look_t;

static bid_ref_t s_opportunity (void *p, const char *id)
{
    s_look_t *l = p;
    return bidding_model_ref (l->ctx, l->txn, 'o', id, NULL, 0);
}

static bool s_currency (void *p, const char *id, char out[4])
{
    s_look_t *l = p;
    return bidding_model_currency (l->ctx, l->txn, id, out);
}

static bid_ref_t s_account (void *p, const char *id)
{
    s_look_t *l = p;
    return bidding_model_ref (l->ctx, l->txn, 'a', id, NULL, 0);
}

/*  The row of tender id, parsed (caller destroys), or NULL. */
static dbk_doc_t *s_tender_row (s_look_t *l, const char *id)
{
    char key[CONTACTS_ID_MAX + 2];
    size_t n = strlen (id);
    if (n == 0 || n > CONTACTS_ID_MAX)
        return NULL;
    key[0] = 't';
    memcpy (key + 1, id, n);
    MDB_val k = {n + 1, key}, v;
    dbk_doc_t *doc = NULL;
    if (mdb_get (l->txn, dbk_svc_dbi (l->ctx, BID_DB_ROWS), &k, &v) ||
        dbk_doc_parse (v.mv_data, v.mv_size, &doc))
        return NULL;
    return doc;
}

/*  A tender we know: open until awarded, then won or closed (lost). */
static bid_ref_t s_tender (void *p, const char *id)
{
    dbk_doc_t *doc = s_tender_row (p, id);
    if (!doc)
        return BID_REF_MISSING;
    const dbk_obj_t *r = dbk_obj_get (dbk_doc_root (doc), "result");
    bid_ref_t ref = !r || dbk_obj_type (r) == DBK_T_NIL ? BID_REF_ACTIVE
                    : dbk_obj_str_eq (r, "won")         ? BID_REF_WON
                                                        : BID_REF_CLOSED;
    dbk_doc_destroy (&doc);
    return ref;
}

/*  A tender's deal and currency, from its row. */
static bool s_tender_terms (void *p, const char *id, char opp[BID_ID_MAX + 1], char cur[4])
{
    dbk_doc_t *doc = s_tender_row (p, id);
    const char *o, *c;
    size_t on, cn;
    bool ok = doc && !dbk_obj_str (dbk_obj_get (dbk_doc_root (doc), "opportunity_id"), &o, &on) &&
              !dbk_obj_str (dbk_obj_get (dbk_doc_root (doc), "currency"), &c, &cn) &&
              on <= BID_ID_MAX && cn == 3;
    if (ok) {
        snprintf (opp, BID_ID_MAX + 1, "%.*s", (int) on, o);
        snprintf (cur, 4, "%.*s", (int) cn, c);
    }
    dbk_doc_destroy (&doc);
    return ok;
}

/*  A tender's submitted bid, from its row: the quote it names and the
    day it went in. */
static bool s_tender_bid (void *p, const char *id, char quote[BID_ID_MAX + 1], char date[11])
{
    dbk_doc_t *doc = s_tender_row (p, id);
    const dbk_obj_t *row = doc ? dbk_doc_root (doc) : NULL;
    const char *q, *on;
    size_t qn, onn;
    bool ok =
        row && !dbk_obj_str (dbk_obj_get (row, "quote_id"), &q, &qn) && qn > 0 && qn <= BID_ID_MAX;
    if (ok) {
        snprintf (quote, BID_ID_MAX + 1, "%.*s", (int) qn, q);
        if (dbk_obj_str (dbk_obj_get (row, "submitted_on"), &on, &onn) || onn > 10)
            on = "", onn = 0;
        snprintf (date, 11, "%.*s", (int) onn, on);
    }
    dbk_doc_destroy (&doc);
    return ok;
}

static bool s_contract_number (void *p, const char *number, char id[BID_ID_MAX + 1])
{
    s_look_t *l = p;
    return bidding_model_contract_number (l->ctx, l->txn, number, id);
}

static bool s_deal_won (void *p, const char *id, char date[11], int64_t *amount)
{
    s_look_t *l = p;
    return bidding_model_won (l->ctx, l->txn, id, date, amount);
}

static bool s_registered (void *p, const char *id, char date[11])
{
    s_look_t *l = p;
    return bidding_model_registered (l->ctx, l->txn, id, date);
}

static bool s_lost_by_award (void *p, const char *id)
{
    s_look_t *l = p;
    return bidding_model_lost_by_award (l->ctx, l->txn, id);
}

/*  A tender's award when it was won (date and amount), folded from its
    events: the row keeps the date but not the amount. */
static bool s_award_won (void *p, const char *id, char date[11], int64_t *amount)
{
    s_look_t *l = p;
    bid_tender_t *t = calloc (1, sizeof *t);
    bool ok = t && bidding_model_load (l->ctx, l->txn, 't', id, t) == 0 && t->result &&
              !strcmp (t->result, "won");
    if (ok) {
        snprintf (date, 11, "%s",
                  t->award_date && strlen (t->award_date) == 10 ? t->award_date : "");
        *amount = t->award_amount;
    }
    if (t)
        bid_tender_reset (t);
    free (t);
    return ok;
}

typedef struct {
    char today[11];
    s_look_t look;
    bid_lookup_t lookup;
    bid_facts_t facts;
} s_facts_t;

/*  The business date ("on", else today), the actor and the approval
    authority its configuration gives it: a director (DEALBOOK_DIRECTORS) the last level, a manager
    (DEALBOOK_MANAGERS) the second, anyone else the first. */
static bool s_facts (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d,
                     s_facts_t *f)
{
    char buf[160];
    const char *why = contacts_req_on (req, dbk_svc_config (ctx), f->today, false, buf, sizeof buf);
    if (why) {
        dbk_decision_reject (d, DBK_EINVAL, "on", "%s", why);
        return false;
    }
    const dbk_config_t *cfg = dbk_svc_config (ctx);
    const char *actor = dbk_svc_actor (ctx);
    int authority = dbk_svc_in_list (cfg->directors, actor)  ? BID_DEFAULT_NLEVELS - 1
                    : dbk_svc_in_list (cfg->managers, actor) ? 1
                                                             : 0;
    f->look = (s_look_t){ctx, txn};
    f->lookup = (bid_lookup_t){.opportunity = s_opportunity,
                               .account = s_account,
                               .tender = s_tender,
                               .ctx = &f->look,
                               .currency = s_currency,
                               .tender_terms = s_tender_terms,
                               .tender_award = s_award_won,
                               .lost_by_award = s_lost_by_award,
                               .tender_bid = s_tender_bid,
                               .contract_number = s_contract_number,
                               .deal_won = s_deal_won,
                               .registered = s_registered};
    f->facts = (bid_facts_t){.today = f->today,
                             .actor = actor,
                             .authority = authority,
                             .lookup = &f->lookup,
                             .config = dbk_svc_state (ctx)};
    return true;
}

typedef union {
    bid_tender_t t;
    bid_quote_t q;
    bid_contract_t c;
} s_state_t;

static void s_free (char kind, s_state_t *s)
{
    if (kind == 't')
        bid_tender_reset (&s->t);
    else if (kind == 'q')
        bid_quote_reset (&s->q);
    else if (kind == 'c')
        bid_contract_reset (&s->c);
    free (s);
}

typedef int (s_new_fn) (dbk_decision_t *, const void *, const char *, const dbk_obj_t *,
                        const bid_facts_t *);
typedef int (s_one_fn) (dbk_decision_t *, const void *, const dbk_obj_t *, const bid_facts_t *);

/*  A command creating aggregate kind (id from the request or the command
    id), or on the one named by "id". */
static int s_run (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d,
                  char kind, s_new_fn *create, s_one_fn *change)
{
    char id[CONTACTS_ID_MAX + 1];
    static const char *const what[] = {"a tender", "a quote", "a contract"};
    if (create ? !contacts_req_new_id (ctx, req, d, id) : !contacts_req_id (req, "id", id)) {
        if (!create)
            dbk_decision_reject (d, DBK_EINVAL, "id", "id must name %s",
                                 what[kind == 't'   ? 0
                                      : kind == 'q' ? 1
                                                    : 2]);
        return 0;
    }
    s_state_t *s = calloc (1, sizeof *s);
    if (!s)
        return DBK_ENOMEM;
    int rc = bidding_model_load (ctx, txn, kind, id, s);
    if (rc == 0) {
        s_facts_t f;
        if (!s_facts (ctx, txn, req, d, &f))
            ; /* rejected: "on" */
        else if (create)
            create (d, s, id, req, &f.facts);
        else
            change (d, s, req, &f.facts);
    }
    s_free (kind, s);
    return rc;
}

/*  TENDER_SUBMIT: the tender and the quote it submits. */
static int s_submit (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d)
{
    char id[CONTACTS_ID_MAX + 1], qid[CONTACTS_ID_MAX + 1] = "";
    if (!contacts_req_id (req, "id", id))
        return dbk_decision_reject (d, DBK_EINVAL, "id", "id must name a tender"), 0;
    if (!contacts_req_id (req, "quote_id", qid))
        qid[0] = 0; /* the decider names the field */
    s_state_t *t = calloc (1, sizeof *t), *q = calloc (1, sizeof *q);
    int rc = t && q ? bidding_model_load (ctx, txn, 't', id, t) : DBK_ENOMEM;
    if (rc == 0 && qid[0])
        rc = bidding_model_load (ctx, txn, 'q', qid, q);
    if (rc == 0) {
        s_facts_t f;
        if (s_facts (ctx, txn, req, d, &f))
            bid_tender_submit (d, &t->t, &q->q, req, &f.facts);
    }
    if (t)
        s_free ('t', t);
    if (q)
        s_free ('q', q);
    return rc;
}

/*  Each decider behind an adapter of the one signature s_run calls (no
    cast of function pointers). */
#define S_NEW(name, kind, T, fn)                                                                   \
    static int name##_decide (dbk_decision_t *d, const void *s, const char *id,                    \
                              const dbk_obj_t *c, const bid_facts_t *f)                            \
    {                                                                                              \
        return fn (d, (const T *) s, id, c, f);                                                    \
    }                                                                                              \
    static int name (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d)    \
    {                                                                                              \
        return s_run (ctx, txn, req, d, kind, name##_decide, NULL);                                \
    }
#define S_ONE(name, kind, T, fn)                                                                   \
    static int name##_decide (dbk_decision_t *d, const void *s, const dbk_obj_t *c,                \
                              const bid_facts_t *f)                                                \
    {                                                                                              \
        return fn (d, (const T *) s, c, f);                                                        \
    }                                                                                              \
    static int name (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d)    \
    {                                                                                              \
        return s_run (ctx, txn, req, d, kind, NULL, name##_decide);                                \
    }
S_NEW (s_tender_open, 't', bid_tender_t, bid_tender_open)
S_ONE (s_tender_dates, 't', bid_tender_t, bid_tender_dates_set)
S_ONE (s_tender_step, 't', bid_tender_t, bid_tender_step_advance)
S_ONE (s_tender_ask, 't', bid_tender_t, bid_tender_clarification_ask)
S_ONE (s_tender_answer, 't', bid_tender_t, bid_tender_clarification_answer)
S_ONE (s_tender_bond, 't', bid_tender_t, bid_tender_bond_issue)
S_ONE (s_tender_bond_back, 't', bid_tender_t, bid_tender_bond_return)
S_ONE (s_tender_decide, 't', bid_tender_t, bid_tender_decide_bid)
S_ONE (s_tender_part, 't', bid_tender_t, bid_tender_part_set)
S_ONE (s_tender_part_status, 't', bid_tender_t, bid_tender_part_status)
S_ONE (s_tender_opening, 't', bid_tender_t, bid_tender_opening_record)
S_ONE (s_tender_award, 't', bid_tender_t, bid_tender_award)
S_NEW (s_quote_create, 'q', bid_quote_t, bid_quote_create)
S_ONE (s_quote_line_add, 'q', bid_quote_t, bid_quote_line_add)
S_ONE (s_quote_line_change, 'q', bid_quote_t, bid_quote_line_change)
S_ONE (s_quote_line_remove, 'q', bid_quote_t, bid_quote_line_remove)
S_ONE (s_quote_submit, 'q', bid_quote_t, bid_quote_submit)
S_ONE (s_quote_approve, 'q', bid_quote_t, bid_quote_approve)
S_ONE (s_quote_reject, 'q', bid_quote_t, bid_quote_reject)
S_ONE (s_quote_changes, 'q', bid_quote_t, bid_quote_request_changes)
S_NEW (s_contract_sign, 'c', bid_contract_t, bid_contract_sign)
S_ONE (s_contract_invoice, 'c', bid_contract_t, bid_contract_invoice)
S_ONE (s_contract_payment, 'c', bid_contract_t, bid_contract_payment)
#undef S_NEW
#undef S_ONE

static int s_status (dbk_svc_ctx_t *ctx, MDB_txn *txn, dbk_wr_t *w)
{
    MDB_stat rows, events;
    if (mdb_stat (txn, dbk_svc_dbi (ctx, BID_DB_ROWS), &rows) ||
        mdb_stat (txn, dbk_svc_dbi (ctx, BID_DB_EVENTS), &events))
        return DBK_EIO;
    dbk_wr_map (w, 2);
    dbk_wr_kv_u64 (w, "aggregates", rows.ms_entries);
    dbk_wr_kv_u64 (w, "bidding_events", events.ms_entries);
    return 0;
}

/*  The approval limits and bid parts, read once at start: a malformed one
    stops the start with the line that names it (the read model folds
    neither: *settings stays 0). */
static int s_setup (const dbk_config_t *cfg, void **state, uint32_t *settings, char *why,
                    size_t whysz)
{
    (void) settings;
    bid_config_t *c;
    const char *bad;
    char detail[256];
    int rc =
        bid_config_parse (cfg->approval_limits, cfg->bid_parts, &c, &bad, detail, sizeof detail);
    if (rc)
        return dbk_config_refuse (cfg, bad, why, whysz, "%s", detail), rc;
    *state = c;
    return 0;
}

static void s_teardown (void *state)
{
    bid_config_t *c = state;
    bid_config_free (&c);
}

static const char *const s_categories[] = {"tender", "quote", "contract", NULL};
static const dbk_svc_command_t s_commands[] = {{"TENDER_OPEN", s_tender_open},
                                               {"TENDER_DATES", s_tender_dates},
                                               {"TENDER_STEP", s_tender_step},
                                               {"TENDER_ASK", s_tender_ask},
                                               {"TENDER_ANSWER", s_tender_answer},
                                               {"TENDER_BOND", s_tender_bond},
                                               {"TENDER_BOND_RETURN", s_tender_bond_back},
                                               {"TENDER_DECIDE", s_tender_decide},
                                               {"TENDER_PART", s_tender_part},
                                               {"TENDER_PART_STATUS", s_tender_part_status},
                                               {"TENDER_SUBMIT", s_submit},
                                               {"TENDER_OPENING", s_tender_opening},
                                               {"TENDER_AWARD", s_tender_award},
                                               {"QUOTE_CREATE", s_quote_create},
                                               {"QUOTE_LINE_ADD", s_quote_line_add},
                                               {"QUOTE_LINE_CHANGE", s_quote_line_change},
                                               {"QUOTE_LINE_REMOVE", s_quote_line_remove},
                                               {"QUOTE_SUBMIT", s_quote_submit},
                                               {"QUOTE_APPROVE", s_quote_approve},
                                               {"QUOTE_REJECT", s_quote_reject},
                                               {"QUOTE_CHANGES", s_quote_changes},
                                               {"CONTRACT_SIGN", s_contract_sign},
                                               {"CONTRACT_INVOICE", s_contract_invoice},
                                               {"CONTRACT_PAYMENT", s_contract_payment},
                                               {NULL, NULL}};
static const dbk_svc_query_t s_queries[] = {
    {"TENDER_GET", bidding_tender_get_q},      {"TENDER_LIST", bidding_tender_list_q},
    {"TENDER_DEADLINES", bidding_deadlines_q}, {"QUOTE_GET", bidding_quote_get_q},
    {"QUOTES_PENDING", bidding_pending_q},     {"CONTRACT_GET", bidding_contract_get_q},
    {"RECEIVABLES", bidding_receivables_q},    {"PRICE_INTEL", bidding_price_intel_q},
    {"WIN_RATE", bidding_win_rate_q},          {NULL, NULL}};

const dbk_service_def_t bidding_def = {.name = "bidding",
                                       .dbs = bidding_model_dbs,
                                       .categories = s_categories,
                                       .commands = s_commands,
                                       .queries = s_queries,
                                       .project = bidding_model_project,
                                       .status = s_status,
                                       .model_version = BID_MODEL_VERSION,
                                       .setup = s_setup,
                                       .teardown = s_teardown};

void bidding_server (zsock_t *pipe, void *args)
{
    dbk_service_run (pipe, &bidding_def, args);
}
