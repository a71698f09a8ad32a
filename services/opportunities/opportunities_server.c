/*  opportunities_server.c - the opportunities service (docs/protocol.md
    §16.2) on the shell of dbk_service.h: its commands hand the request to
    the pure deciders of opportunities_decider.h with the facts the read
    model knows; its queries are in opportunities_query.c. */
#include "opportunities_server.h"

#include "contacts_decider.h"
#include "contacts_request.h"
#include "opportunities_model.h"

#include "dealbook/dbk_config.h"
#include "dealbook/dbk_error.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/*  What a decider's lookups read: the model through the command's txn. */
typedef struct {
    dbk_svc_ctx_t *ctx;
    MDB_txn *txn;
} s_look_t;

static opp_ref_t s_ref (void *p, char kind, const char *id)
{
    s_look_t *l = p;
    return opportunities_model_ref (l->ctx, l->txn, kind, id, strlen (id));
}
static opp_ref_t s_account (void *p, const char *id)
{
    return s_ref (p, 'a', id);
}
static opp_ref_t s_contact (void *p, const char *id)
{
    return s_ref (p, 'c', id);
}
static opp_ref_t s_competitor (void *p, const char *id)
{
    return s_ref (p, 'k', id);
}

/*  The facts of a command: its business date, the actor and whether a
    manager, the lookups. */
typedef struct {
    char today[11];
    s_look_t look;
    opp_lookup_t lookup;
    opp_facts_t facts;
} s_facts_t;

static bool s_facts_at (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d,
                        s_facts_t *f, bool recorded)
{
    char buf[160];
    const char *why =
        contacts_req_on (req, dbk_svc_config (ctx), f->today, recorded, buf, sizeof buf);
    if (why) {
        dbk_decision_reject (d, DBK_EINVAL, "on", "%s", why);
        return false;
    }
    f->look = (s_look_t){ctx, txn};
    f->lookup = (opp_lookup_t){s_account, s_contact, s_competitor, &f->look};
    f->facts =
        (opp_facts_t){.today = f->today,
                      .actor = dbk_svc_actor (ctx),
                      .manager = dbk_svc_is_manager (dbk_svc_config (ctx), dbk_svc_actor (ctx)),
                      .lookup = &f->lookup,
                      .config = OPP_CFG (ctx)};
    return true;
}

/*  A command's facts: its "on" may not be a day to come. */
static bool s_facts (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d,
                     s_facts_t *f)
{
    return s_facts_at (ctx, txn, req, d, f, false);
}

/*  A text field of the request, NUL-terminated into out ("" absent). */
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

/*  ---- commands ---- */

#define S_CANDIDATES (OPP_CONFLICTS_MAX * 2) /* open deals of one project looked at */

/*  Whether deal a, rather than b, is the one a registration by `owner`
    meets: the owner's own (a second registration of theirs), else the
    first registered (by business date, then by when the log recorded
    it, then by id), whom the protection is for. */
static bool s_before (const opp_state_t *a, const opp_state_t *b, const char *owner)
{
    bool ao = a->owner && !strcmp (a->owner, owner), bo = b->owner && !strcmp (b->owner, owner);
    if (ao != bo)
        return ao;
    int on = strcmp (a->registered_on ? a->registered_on : "~",
                     b->registered_on ? b->registered_on : "~");
    if (on)
        return on < 0;
    if (a->registered_ts != b->registered_ts)
        return a->registered_ts < b->registered_ts;
    return strcmp (a->id ? a->id : "", b->id ? b->id : "") < 0;
}

/*  The open opportunity of the same project that a registration by
    `owner` meets (s_before), into *best: among those under the account,
    or under any account merged into it (a deal keeps the account it was
    registered under), by name or by site. 1 found, 0 none, or an error
    (a failed read refuses the registration). The index orders them by
    id, which says nothing of who came first. */
static int s_match (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *account, const char *norm,
                    const char *city, const char *address, const char *owner, const char *self_id,
                    opp_state_t *best)
{
    char (*cand)[OPP_ID_MAX + 1] = calloc (S_CANDIDATES, sizeof *cand);
    char family[OPP_FAMILY_MAX][OPP_ID_MAX + 1];
    opp_state_t *st = calloc (1, sizeof *st);
    size_t nc = 0, nf = 0;
    int rc = cand && st ? 0 : DBK_ENOMEM, found = 0;
    if (!rc) {
        opportunities_model_matches (ctx, txn, account[0] ? account : NULL, norm, city, address,
                                     cand, S_CANDIDATES, &nc);
        if (account[0])
            rc = opportunities_model_family (ctx, txn, account, family, OPP_FAMILY_MAX, &nf);
    }
    for (size_t i = 0; rc == 0 && i < nf; i++)
        opportunities_model_matches (ctx, txn, family[i], norm, NULL, NULL, cand, S_CANDIDATES,
                                     &nc);
    for (size_t i = 0; rc == 0 && i < nc; i++) {
        if (!strcmp (cand[i], self_id))
            continue;
        opp_reset (st);
        rc = opportunities_model_load (ctx, txn, cand[i], OPP_AS_OF_NOW, st);
        if (rc || st->status != OPP_OPEN)
            continue;
        if (!found || s_before (st, best, owner)) {
            opp_state_t t = *best;
            *best = *st;
            *st = t; /* the one it replaces is freed with the next reset */
            found = 1;
        }
    }
    if (st)
        opp_reset (st);
    free (st);
    free (cand);
    return rc ? rc : found;
}

/*  OPP_REGISTER: the decider with the open opportunity of the same
    project, if any (same account and normalised name, or same site). */
static int s_register (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d)
{
    char id[OPP_ID_MAX + 1];
    if (!contacts_req_new_id (ctx, req, d, id))
        return 0;
    char account[OPP_ID_MAX + 1], name[OPP_NAME_MAX + 1], city[OPP_SHORT_MAX + 1],
        address[OPP_SHORT_MAX * 4 + 1];
    s_text (req, "account_id", account, sizeof account);
    s_text (req, "name", name, sizeof name);
    s_text (req, "site_city", city, sizeof city);
    s_text (req, "site_address", address, sizeof address);
    char *norm = name[0] ? contacts_normalize_name (name, strlen (name)) : NULL;
    opp_state_t *st = calloc (1, sizeof *st), *other = calloc (1, sizeof *other);
    int rc = st && other ? 0 : DBK_ENOMEM;
    if (rc == 0)
        rc = opportunities_model_load (ctx, txn, id, OPP_AS_OF_NOW, st);
    opp_match_t match;
    s_facts_t f;
    char owner[OPP_SHORT_MAX + 1];
    s_text (req, "owner", owner, sizeof owner);
    bool facts_ok = s_facts (ctx, txn, req, d, &f);
    int found = rc == 0 && facts_ok ? s_match (ctx, txn, account, norm, city[0] ? city : NULL,
                                               address[0] ? address : NULL, owner, id, other)
                                    : 0;
    if (found < 0)
        rc = found;
    if (found == 1) {
        match = (opp_match_t){other->id, other->owner, other->registered_on, other->nconflicts};
        f.facts.match = &match;
    }
    if (rc == 0 && facts_ok)
        opp_register (d, st, id, req, &f.facts);
    free (norm);
    if (st)
        opp_reset (st);
    if (other)
        opp_reset (other);
    free (st);
    free (other);
    return rc;
}

typedef int (s_decider_fn) (dbk_decision_t *, const opp_state_t *, const dbk_obj_t *,
                            const opp_facts_t *);

/*  A command on one opportunity, named by "id". */
static int s_one (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d,
                  s_decider_fn *fn)
{
    char id[OPP_ID_MAX + 1];
    if (!contacts_req_id (req, "id", id))
        return dbk_decision_reject (d, DBK_EINVAL, "id", "id must name an opportunity"), 0;
    opp_state_t *st = calloc (1, sizeof *st);
    if (!st)
        return DBK_ENOMEM;
    int rc = opportunities_model_load (ctx, txn, id, OPP_AS_OF_NOW, st);
    if (rc == 0) {
        s_facts_t f;
        if (s_facts (ctx, txn, req, d, &f))
            fn (d, st, req, &f.facts);
    }
    opp_reset (st);
    free (st);
    return rc;
}

/*  OPP_RESOLVE: a manager keeps one of two conflicting registrations. */
static int s_resolve (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d)
{
    char id[OPP_ID_MAX + 1], with[OPP_ID_MAX + 1];
    if (!contacts_req_id (req, "id", id))
        return dbk_decision_reject (d, DBK_EINVAL, "id", "id must name an opportunity"), 0;
    if (!contacts_req_id (req, "with", with))
        with[0] = 0; /* the decider names the field */
    opp_state_t *a = calloc (1, sizeof *a), *b = calloc (1, sizeof *b);
    int rc = a && b ? opportunities_model_load (ctx, txn, id, OPP_AS_OF_NOW, a) : DBK_ENOMEM;
    if (rc == 0 && with[0])
        rc = opportunities_model_load (ctx, txn, with, OPP_AS_OF_NOW, b);
    if (rc == 0) {
        s_facts_t f;
        if (s_facts (ctx, txn, req, d, &f))
            opp_resolve_conflict (d, a, b, req, &f.facts);
    }
    if (a)
        opp_reset (a);
    if (b)
        opp_reset (b);
    free (a);
    free (b);
    return rc;
}

#define S_CMD(name, fn)                                                                            \
    static int name (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_decision_t *d)    \
    {                                                                                              \
        return s_one (ctx, txn, req, d, fn);                                                       \
    }
S_CMD (s_update, opp_update)
S_CMD (s_next_step, opp_next_step_set)
S_CMD (s_category, opp_category_set)
S_CMD (s_stage, opp_stage_set)
S_CMD (s_key_person, opp_key_person_set)
S_CMD (s_level, opp_level_set)
S_CMD (s_qualify, opp_qualify)
S_CMD (s_commitment, opp_commitment_record)
S_CMD (s_check, opp_check_tick)
S_CMD (s_sh_add, opp_stakeholder_add)
S_CMD (s_sh_update, opp_stakeholder_update)
S_CMD (s_sh_remove, opp_stakeholder_remove)
S_CMD (s_need, opp_need_add)
S_CMD (s_rival_add, opp_competitor_add)
S_CMD (s_rival_update, opp_competitor_update)
S_CMD (s_win, opp_win)
S_CMD (s_lose, opp_lose)
S_CMD (s_abandon, opp_abandon)
S_CMD (s_reopen, opp_reopen)
#undef S_CMD

/*  The process manager: an award of the bidding service (tender.awarded
    {opportunity_id, tender_id, result, date, ...}) closes the deal as won
    or lost, once (opp_react_award; the shell never reacts twice to one
    event, and the decider ignores a tender it already reacted to). */
static int s_react (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev, dbk_decision_t *d)
{
    char id[OPP_ID_MAX + 1];
    if (!contacts_req_id (ev->data, "opportunity_id", id))
        return dbk_decision_reject (d, DBK_EINVAL, "opportunity_id",
                                    "the award names no opportunity"),
               0;
    opp_state_t *st = calloc (1, sizeof *st);
    if (!st)
        return DBK_ENOMEM;
    int rc = opportunities_model_load (ctx, txn, id, OPP_AS_OF_NOW, st);
    if (rc == 0) {
        s_facts_t f;
        /*  the award's own business date, as recorded: whatever the day */
        if (s_facts_at (ctx, txn, ev->data, d, &f, true)) {
            /*  the service's own reaction to the log's facts closes any
                deal (opp_check_owner): it acts as a manager would */
            f.facts.manager = true;
            opp_react_award (d, st, ev->data, &f.facts);
        }
    }
    opp_reset (st);
    free (st);
    return rc;
}

static int s_status (dbk_svc_ctx_t *ctx, MDB_txn *txn, dbk_wr_t *w)
{
    MDB_stat rows, events;
    if (mdb_stat (txn, dbk_svc_dbi (ctx, OPP_DB_ROWS), &rows) ||
        mdb_stat (txn, dbk_svc_dbi (ctx, OPP_DB_EVENTS), &events))
        return DBK_EIO;
    dbk_wr_map (w, 2);
    dbk_wr_kv_u64 (w, "opportunities", rows.ms_entries);
    dbk_wr_kv_u64 (w, "opportunity_events", events.ms_entries);
    return 0;
}

/*  The funnel's settings, read once at start: a malformed one stops the
    start with a sentence naming it. */
static int s_setup (const dbk_config_t *cfg, void **state, uint32_t *settings, char *why,
                    size_t whysz)
{
    opp_config_t *c;
    int rc = opp_config_from (cfg, true, &c, why, whysz);
    *state = rc ? NULL : c;
    /*  the summary rows hold each deal's probability and weighted amount,
        and a contact's records are dated by the business day (the as-of
        chart, opportunities_model.c) */
    if (rc == 0)
        *settings = dbk_config_zone_mark (opp_config_fingerprint (c), cfg->utc_offset_min);
    return rc;
}

static void s_teardown (void *state)
{
    opp_config_t *c = state;
    opp_config_free (&c);
}

static const char *const s_categories[] = {"opportunity", NULL};
static const char *const s_react_types[] = {"tender.awarded", NULL};
static const dbk_svc_command_t s_commands[] = {{"OPP_REGISTER", s_register},
                                               {"OPP_UPDATE", s_update},
                                               {"OPP_RESOLVE", s_resolve},
                                               {"OPP_NEXT_STEP", s_next_step},
                                               {"OPP_CATEGORY", s_category},
                                               {"OPP_STAGE", s_stage},
                                               {"OPP_KEY_PERSON", s_key_person},
                                               {"OPP_LEVEL", s_level},
                                               {"OPP_QUALIFY", s_qualify},
                                               {"OPP_COMMITMENT", s_commitment},
                                               {"OPP_CHECK", s_check},
                                               {"OPP_STAKEHOLDER_ADD", s_sh_add},
                                               {"OPP_STAKEHOLDER_UPDATE", s_sh_update},
                                               {"OPP_STAKEHOLDER_REMOVE", s_sh_remove},
                                               {"OPP_NEED_ADD", s_need},
                                               {"OPP_COMPETITOR_ADD", s_rival_add},
                                               {"OPP_COMPETITOR_UPDATE", s_rival_update},
                                               {"OPP_WIN", s_win},
                                               {"OPP_LOSE", s_lose},
                                               {"OPP_ABANDON", s_abandon},
                                               {"OPP_REOPEN", s_reopen},
                                               {NULL, NULL}};
static const dbk_svc_query_t s_queries[] = {{"OPP_GET", opportunities_get_q},
                                            {"OPP_LIST", opportunities_list_q},
                                            {"OPP_CONFLICTS", opportunities_conflicts_q},
                                            {"OPP_ATTENTION", opportunities_attention_q},
                                            {NULL, NULL}};

const dbk_service_def_t opportunities_def = {.name = "opportunities",
                                             .dbs = opportunities_model_dbs,
                                             .categories = s_categories,
                                             .commands = s_commands,
                                             .queries = s_queries,
                                             .project = opportunities_model_project,
                                             .status = s_status,
                                             .react = s_react,
                                             .react_types = s_react_types,
                                             .model_version = OPP_MODEL_VERSION,
                                             .replay_hold = true,
                                             .setup = s_setup,
                                             .teardown = s_teardown};

void opportunities_server (zsock_t *pipe, void *args)
{
    dbk_service_run (pipe, &opportunities_def, args);
}
