/*  bid_common.c - the bidding service's default tables, the helpers the
    deciders share, the procurement-step order and date arithmetic. */
#include "bid_internal.h"
#include "opportunities_known.h"

#include "dealbook/dbk_error.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

const char *const bid_tender_types[] = {"public", "invited", "competitive_negotiation",
                                        "single_source", NULL};

const char *const bid_date_keys[BID_DATES + 1] = {"notice_date",
                                                  "prequalification_date",
                                                  "document_sale_date",
                                                  "site_visit_date",
                                                  "clarification_deadline",
                                                  "submission_deadline",
                                                  "opening_date",
                                                  NULL};

const char *const bid_decisions[] = {"bid", "no_bid", NULL};

const char *const bid_part_statuses[] = {"not_started", "in_progress", "ready", NULL};

const char *const bid_envelopes[] = {"single", "technical", "price", NULL};

const char *const bid_results[] = {"won", "lost", NULL};

const char *const bid_milestone_kinds[] = {"advance",    "delivery",  "installation",
                                           "acceptance", "retention", NULL};

const bid_step_t bid_default_steps[] = {
    {"notice", false, NULL, "tender notice (招标公告)"},
    {"prequalification", true, NULL, "prequalification (资格预审)"},
    {"documents_issued", false, NULL, "tender documents issued (发售招标文件)"},
    {"site_visit", true, NULL, "site visit and clarifications (踏勘/答疑)"},
    {"submission", false, "submit", "bid submission with bid bond (投标/投标保证金)"},
    {"opening", false, "record_opening", "opening (开标)"},
    {"evaluation", true, NULL, "evaluation (评标)"},
    {"award", false, "award", "award announcement (中标公示)"},
    {"contract", false, NULL, "contract (签订合同)"},
    {NULL, false, NULL, NULL},
};

const bid_part_kind_t bid_default_parts[] = {
    {"commercial", true, "bid letter, authorisation, bond, qualifications"},
    {"technical", true, "solution, specifications, samples, drawings, plan"},
    {"price", true, "price schedule"},
    {"samples", false, "physical samples, when the tender asks for them"},
    {NULL, false, NULL},
};

const bid_approval_level_t bid_default_levels[BID_DEFAULT_NLEVELS] = {
    {"salesperson", 1000},
    {"manager", 2000},
    {"director", BID_BP_FULL},
};

const bid_config_t bid_default_config = {bid_default_steps, bid_default_parts, bid_default_levels,
                                         BID_DEFAULT_NLEVELS};

typedef struct {
    bid_config_t cfg; /* first: what the caller holds */
    bid_approval_level_t levels[BID_DEFAULT_NLEVELS];
    bid_part_kind_t parts[BID_PARTS_MAX + 1];
    char *buf; /* the parts setting, cut into its codes */
} s_config_t;

static int s_bad (char *why, size_t whysz, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
static int s_bad (char *why, size_t whysz, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (why, whysz, fmt, ap);
    va_end (ap);
    return DBK_EINVAL;
}

/*  [s, e) without the blanks around it. */
static void s_trim (const char **s, const char **e)
{
    while (*s < *e && isspace ((unsigned char) **s))
        (*s)++;
    while (*e > *s && isspace ((unsigned char) (*e)[-1]))
        (*e)--;
}

/*  A percent in [s, e), above 0, at most 100, at most two decimals, in
    basis points; -1 when it is not one. */
static int s_percent (const char *s, const char *e)
{
    s_trim (&s, &e);
    int bp = 0, decimals = -1; /* -1: no point yet */
    for (const char *p = s; p < e; p++) {
        if (*p == '.' && decimals < 0 && p > s) {
            decimals = 0;
            continue;
        }
        /*  past 100 % a digit more is refused anyway: no overflow */
        if (!isdigit ((unsigned char) *p) || decimals == 2 || bp > BID_BP_FULL)
            return -1;
        bp = bp * 10 + (*p - '0');
        if (decimals >= 0)
            decimals++;
    }
    if (s == e || decimals == 0)
        return -1;
    bp *= decimals == 1 ? 10 : decimals == 2 ? 1 : 100;
    return bp > 0 && bp <= BID_BP_FULL ? bp : -1;
}

/*  "SALES,MANAGER" over the default levels. */
static int s_limits (s_config_t *c, const char *text, char *why, size_t whysz)
{
    static const char *const form = "two percents, a salesperson's then a manager's, "
                                    "comma-separated (10,20)";
    const char *comma = strchr (text, ','), *end = text + strlen (text);
    if (!comma || strchr (comma + 1, ','))
        return s_bad (why, whysz, "%s", form);
    int sales = s_percent (text, comma), manager = s_percent (comma + 1, end);
    if (sales < 0 || manager < 0)
        return s_bad (why, whysz,
                      "the %s's limit: a percent above 0 and at most 100, with at most two "
                      "decimals; %s",
                      sales < 0 ? "salesperson" : "manager", form);
    if (manager <= sales)
        return s_bad (why, whysz, "the manager's limit must be deeper than the salesperson's; %s",
                      form);
    memcpy (c->levels, bid_default_levels, sizeof c->levels);
    c->levels[0].max_discount_bp = sales;
    c->levels[1].max_discount_bp = manager;
    c->cfg.levels = c->levels;
    return 0;
}

/*  "CODE[?],..." (empty entries skipped). */
static int s_parts (s_config_t *c, const char *text, char *why, size_t whysz)
{
    if (!(c->buf = strdup (text)))
        return snprintf (why, whysz, "out of memory"), DBK_ENOMEM;
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r (c->buf, ",", &save); t;
         t = strtok_r (NULL, ",", &save)) {
        const char *s = t, *e = t + strlen (t);
        s_trim (&s, &e);
        if (s == e)
            continue;
        char *code = t + (s - t); /* in buf: ended at its '?' or blanks below */
        bool optional = e[-1] == '?';
        size_t l = (size_t) (e - s) - optional;
        if (l == 0 || l > BID_PART_CODE_MAX ||
            strspn (s, "abcdefghijklmnopqrstuvwxyz0123456789_") < l)
            return s_bad (why, whysz,
                          "part '%.*s': a code of 1 to %d lowercase letters, digits or '_', "
                          "'?' after an optional one",
                          (int) (e - s), s, BID_PART_CODE_MAX);
        code[l] = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp (c->parts[i].code, code) == 0)
                return s_bad (why, whysz, "part %s given twice", code);
        if (n == BID_PARTS_MAX)
            return s_bad (why, whysz, "more than %d parts", BID_PARTS_MAX);
        c->parts[n++] = (bid_part_kind_t){code, !optional, code};
    }
    if (n == 0)
        return s_bad (why, whysz, "no part (CODE[?],... e.g. commercial,technical,price)");
    c->parts[n] = (bid_part_kind_t){NULL, false, NULL};
    c->cfg.parts = c->parts;
    return 0;
}

int bid_config_parse (const char *limits, const char *parts, bid_config_t **out, const char **bad,
                      char *why, size_t whysz)
{
    *out = NULL;
    *bad = NULL;
    s_config_t *c = calloc (1, sizeof *c);
    if (!c)
        return snprintf (why, whysz, "out of memory"), DBK_ENOMEM;
    c->cfg = bid_default_config;
    int rc = 0;
    if (limits && *limits && (rc = s_limits (c, limits, why, whysz)))
        *bad = "DEALBOOK_APPROVAL_LIMITS";
    else if (parts && *parts && (rc = s_parts (c, parts, why, whysz)))
        *bad = rc == DBK_EINVAL ? "DEALBOOK_BID_PARTS" : NULL;
    if (rc) {
        free (c->buf);
        free (c);
        return rc;
    }
    *out = &c->cfg;
    return 0;
}

void bid_config_free (bid_config_t **cfg_p)
{
    if (!cfg_p || !*cfg_p)
        return;
    s_config_t *c = (s_config_t *) *cfg_p; /* cfg is its first member */
    free (c->buf);
    free (c);
    *cfg_p = NULL;
}

const bid_config_t *bid_cfg (const bid_facts_t *facts)
{
    return facts && facts->config ? facts->config : &bid_default_config;
}

dbk_wr_t *bid_begin (dbk_decision_t *d, const char *category, const char *id, const char *type,
                     size_t n, const bid_facts_t *facts)
{
    char stream[BID_ID_MAX + 32];
    snprintf (stream, sizeof stream, "%s-%s", category, id);
    const char *today = facts ? facts->today : NULL;
    dbk_wr_t *w = dbk_decision_event (d, stream, type);
    dbk_wr_map (w, (uint32_t) (n + 1 + (today != NULL)));
    dbk_wr_kv_cstr (w, "id", id);
    if (today)
        dbk_wr_kv_cstr (w, "on", today);
    return w;
}

bid_ref_t bid_ref (const bid_facts_t *facts, bid_ref_t (*fn) (void *, const char *), const char *s,
                   size_t n)
{
    if (!fn || n > BID_ID_MAX)
        return BID_REF_MISSING;
    char id[BID_ID_MAX + 1];
    memcpy (id, s, n);
    id[n] = 0;
    return fn (facts->lookup->ctx, id);
}

bool bid_has_date (const contacts_value_t *vals, size_t n, const char *key,
                   const bid_facts_t *facts)
{
    return bid_val (vals, n, key) || (facts && facts->today);
}

void bid_write_date (dbk_wr_t *w, const contacts_value_t *vals, size_t n, const char *key,
                     const bid_facts_t *facts)
{
    const contacts_value_t *v = bid_val (vals, n, key);
    if (v) {
        dbk_wr_cstr (w, "date");
        dbk_wr_str (w, v->s, v->n);
    } else if (facts && facts->today)
        dbk_wr_kv_cstr (w, "date", facts->today);
}

/*  The bound is the command's business date, not today: "on" is
    at most today already, and a fact dated after the day its command
    states would record, as of that day, what had not happened yet (the
    receivables as of "on" would leave out an invoice, a tender would be
    awarded or a contract signed in the future). Planned dates (key
    dates, due dates, a delivery or a warranty end) are not passed here:
    they may lie ahead. The comparison is the one every service uses
    (contacts_check_done_by). */
int bid_check_done_by_on (dbk_decision_t *d, const contacts_value_t *vals, size_t n,
                          const char *key, const bid_facts_t *facts)
{
    return contacts_check_done_by (d, vals, n, key, facts ? facts->today : NULL, "on");
}

/*  The procedure is ordered (DOMAIN §5), and so are the facts that
    record it: an answer after its question, the bid after the documents
    were issued and with its bond, the opening after the bid, the award
    after the opening, the contract after the award. Each fact's date is
    bounded by the business date alone (bid_check_done_by_on); without
    this bound a typo (2026-03-01 for 2026-05-01) would put the award
    before the bid, and the tender's history, its win-loss dates and the
    receivables that start at the signature would tell it so. Compared
    only with facts on record: an optional step skipped has no date. */
int bid_check_not_before (dbk_decision_t *d, const contacts_value_t *vals, size_t n,
                          const char *key, const bid_facts_t *facts, const char *earlier,
                          const char *what)
{
    const contacts_value_t *v = bid_val (vals, n, key);
    const char *today = facts ? facts->today : NULL;
    char date[11];
    if (v && v->n == 10)
        snprintf (date, sizeof date, "%.*s", (int) v->n, v->s);
    else if (!v && today)
        snprintf (date, sizeof date, "%s", today);
    else
        return 0;
    if (!earlier || !contacts_date_valid (earlier, strlen (earlier), false) ||
        strcmp (date, earlier) >= 0)
        return 0;
    return dbk_decision_reject (d, DBK_EINVAL, key, "%s (%s%s) cannot be before %s (%s)", key, date,
                                v ? "" : ", the business date", what, earlier);
}

const char *bid_step_fact (const char *code, char *out, size_t outsz)
{
    static const char *const own[] = {"submission", "opening", "award", NULL};
    if (code && bid_index (own, code, strlen (code)) >= 0)
        snprintf (out, outsz, "the %s", code);
    else
        snprintf (out, outsz, "the %s step", code ? code : "current");
    return out;
}

/*  A deal has no history before it was registered (the opportunities
    service refuses the same of a command on the deal itself): a tender,
    a quote or a contract stated on a day before the registration (1900
    for 2026) would put bid work, or the award that closes the deal,
    where the deal's funnel and the forecasts' periods cannot have it.
    History entered after the fact registers the deal with its own past
    "on" first. */
int bid_check_since_registration (dbk_decision_t *d, const char *key, const char *date,
                                  const char *opp, const bid_facts_t *facts, const char *why)
{
    const bid_lookup_t *lk = facts ? facts->lookup : NULL;
    char reg[11];
    if (!date || !opp || !lk || !lk->registered || !lk->registered (lk->ctx, opp, reg))
        return 0;
    return opportunities_check_registered_by (d, key, date, strlen (date), opp, reg, why);
}

int bid_check_on_deal (dbk_decision_t *d, const char *opp, const bid_facts_t *facts)
{
    return bid_check_since_registration (d, "on", facts ? facts->today : NULL, opp, facts,
                                         "a deal has no history before it was registered");
}

int bid_check_on_tender (dbk_decision_t *d, const char *tender, size_t n, const bid_facts_t *facts)
{
    const bid_lookup_t *lk = facts ? facts->lookup : NULL;
    char id[BID_ID_MAX + 1], opp[BID_ID_MAX + 1], cur[4];
    if (!tender || n > BID_ID_MAX || !lk || !lk->tender_terms)
        return 0;
    memcpy (id, tender, n);
    id[n] = 0;
    if (!lk->tender_terms (lk->ctx, id, opp, cur))
        return 0;
    return bid_check_on_deal (d, opp, facts);
}

int bid_tender_check_found (dbk_decision_t *d, const bid_tender_t *t, const bid_facts_t *facts)
{
    if (!t->exists)
        return dbk_decision_reject (d, DBK_ENOTFOUND, "id", "no such tender");
    return bid_check_on_deal (d, t->opportunity_id, facts);
}

int bid_tender_check_open (dbk_decision_t *d, const bid_tender_t *t, const bid_facts_t *facts)
{
    int rc = bid_tender_check_found (d, t, facts);
    if (rc)
        return rc;
    if (t->result)
        return dbk_decision_reject (d, DBK_EREJECTED, "id",
                                    "tender %s was awarded (%s) and can no longer change", t->id,
                                    t->result);
    return 0;
}

/*  The one rule of a deal closed without a win (lost, abandoned, closed
    as a duplicate), for its tenders and their quotes: it takes no new
    bid work until it is reopened.

    A won deal refuses nothing here. The award of this very tender wins
    it (the opportunities service reacts to tender.awarded), but only
    after the award, when the tender takes no new work any more anyway.
    A deal won otherwise (by hand, or by another tender) cannot be
    reopened: refusing would leave this tender open for ever, and a
    tender is often still a formality to go through after the customer
    chose us (single source, negotiation); its award is still the
    tender's own record (the reaction then leaves the deal as it is),
    and the contract phase follows the win. A deal the lookups do not
    know was known when the tender opened: no reason to refuse either. */
static int s_deal_check (dbk_decision_t *d, const char *field, const char *opp, const char *tender,
                         const bid_facts_t *facts)
{
    const bid_lookup_t *lk = facts ? facts->lookup : NULL;
    if (!opp || !lk || !lk->opportunity || lk->opportunity (lk->ctx, opp) != BID_REF_CLOSED)
        return 0;
    return dbk_decision_reject (d, DBK_EREJECTED, field,
                                "opportunity %s of tender %s is closed (lost, abandoned or a "
                                "duplicate): reopen it first",
                                opp, tender);
}

int bid_tender_check_deal (dbk_decision_t *d, const bid_tender_t *t, const bid_facts_t *facts)
{
    return s_deal_check (d, "id", t->opportunity_id, t->id, facts);
}

int bid_tender_check_work (dbk_decision_t *d, const bid_tender_t *t, const bid_facts_t *facts)
{
    int rc = bid_tender_check_open (d, t, facts);
    return rc ? rc : bid_tender_check_deal (d, t, facts);
}

/*  A quote is priced for a bid (DOMAIN §5): once its tender is awarded,
    the bid is decided and the quote is its history. Changing its lines,
    submitting or approving it, or asking for new prices would rewrite
    what was bid (TENDER_GET shows the submitted quote) for a bid that
    can no longer go in. A rejection does not ask (s_verdict in
    bid_quote.c): it only ends an approval still pending.

    The quote the bid went in with is frozen earlier, from the
    submission: tender.submitted records its revision and total as the
    bid amount, so a change would leave the tender naming a draft at a
    price that is not the one bid. No command takes a submitted bid
    back, so nothing thaws it. */
int bid_quote_check_work (dbk_decision_t *d, const char *field, const char *quote,
                          const char *tender, size_t n, const bid_facts_t *facts)
{
    const bid_lookup_t *lk = facts ? facts->lookup : NULL;
    char id[BID_ID_MAX + 1], opp[BID_ID_MAX + 1], cur[4], bid[BID_ID_MAX + 1], on[11];
    if (!tender || n > BID_ID_MAX || !lk)
        return 0;
    memcpy (id, tender, n);
    id[n] = 0;
    bid_ref_t ref = lk->tender ? lk->tender (lk->ctx, id) : BID_REF_MISSING;
    if (ref == BID_REF_WON || ref == BID_REF_CLOSED)
        return dbk_decision_reject (d, DBK_EREJECTED, field,
                                    "tender %s was awarded (%s): its quotes are the history of "
                                    "its bid and take no new pricing work",
                                    id, ref == BID_REF_WON ? "won" : "lost");
    if (quote && lk->tender_bid && lk->tender_bid (lk->ctx, id, bid, on) && !strcmp (bid, quote))
        return dbk_decision_reject (d, DBK_EREJECTED, field,
                                    "quote %s was submitted in the bid of tender %s on %s: it is "
                                    "the price of that bid and can no longer change",
                                    quote, id, *on ? on : "?");
    if (!lk->tender_terms || !lk->tender_terms (lk->ctx, id, opp, cur))
        return 0;
    return s_deal_check (d, field, opp, id, facts);
}

int bid_step_index (const bid_config_t *cfg, const char *code)
{
    if (!cfg)
        cfg = &bid_default_config;
    for (int i = 0; code && cfg->steps[i].code; i++)
        if (!strcmp (cfg->steps[i].code, code))
            return i;
    return -1;
}

int bid_step_check (dbk_decision_t *d, const bid_tender_t *t, const bid_config_t *cfg, int target,
                    const char *field)
{
    int cur = bid_step_index (cfg, t->step);
    const bid_step_t *s = cfg->steps;
    const char *at = t->step ? t->step : "?";
    if (target <= cur) {
        const char *next = s[cur + 1].code;
        return dbk_decision_reject (
            d, DBK_EREJECTED, field, "tender %s is at %s already, past %s; steps never go back%s%s",
            t->id, at, s[target].code, next ? "; the next step is " : "", next ? next : "");
    }
    for (int i = cur + 1; i < target; i++)
        if (!s[i].optional)
            return dbk_decision_reject (d, DBK_EREJECTED, field,
                                        "tender %s is at %s: the next step is %s (%s), which "
                                        "comes before %s",
                                        t->id, at, s[i].code, s[i].name, s[target].code);
    return 0;
}

int bid_ev_req (char **dst, const dbk_obj_t *data, const char *key)
{
    const dbk_obj_t *o = dbk_obj_get (data, key);
    if (!o || dbk_obj_type (o) != DBK_T_STR)
        return DBK_EMALFORMED;
    int rc = contacts_set_str (dst, o);
    return rc ? rc : *dst ? 0 : DBK_EMALFORMED;
}

int bid_ev_opt (char **dst, const dbk_obj_t *data, const char *key)
{
    const dbk_obj_t *o = dbk_obj_get (data, key);
    return o ? contacts_set_str (dst, o) : 0;
}

int bid_ev_i64 (int64_t *dst, const dbk_obj_t *data, const char *key)
{
    return dbk_obj_i64 (dbk_obj_get (data, key), dst) ? DBK_EMALFORMED : 0;
}

int bid_ev_money (int64_t *dst, const dbk_obj_t *data, const char *key, int64_t min)
{
    int64_t v;
    if (dbk_obj_i64 (dbk_obj_get (data, key), &v) || v < min || v > BID_AMOUNT_MAX)
        return DBK_EMALFORMED;
    *dst = v;
    return 0;
}

int bid_ev_uint (unsigned *dst, const dbk_obj_t *data, const char *key)
{
    uint64_t v;
    if (dbk_obj_u64 (dbk_obj_get (data, key), &v) || v > UINT32_MAX)
        return DBK_EMALFORMED;
    *dst = (unsigned) v;
    return 0;
}

int32_t bid_days_between (const char *a, const char *b)
{
    return contacts_days_between (a, b);
}

/*  A number is typed by hand, often in an IME that gives full-width
    letters and digits, and with or without spaces: those are the same
    number. Punctuation is kept: a dash or a slash in a number is part
    of it, and dropping it would make two numbers one. */
static bool s_not_space (int32_t c)
{
    utf8proc_category_t cat = utf8proc_category (c);
    return !(cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
             cat == UTF8PROC_CATEGORY_ZP || cat == UTF8PROC_CATEGORY_CC);
}

char *bid_number_key (const char *s, size_t n)
{
    size_t len;
    char *key = contacts_fold (s, n, s_not_space, 0, &len);
    if (key && len == 0) {
        free (key);
        return NULL;
    }
    return key;
}
