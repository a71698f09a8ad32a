/*  cli_opp.c - dealbook opp <verb>: opportunities, their funnel, the
    procurement analysis chart (stakeholder map and red flags), needs,
    competitors, the checklist and the outcome, talking to the
    opportunities service (docs/protocol.md §16.2). */
#include "cli.h"
#include "cli_contacts.h"

#include "dealbook/dbk_event.h"
#include "dealbook/dbk_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_opp_help (void)
{
    printf (
        "usage: dealbook opp <verb> ...\n\n"
        "  register NAME --account ID --owner O --currency CNY --close YYYY-MM-DD\n"
        "      [--amount MINOR_UNITS] [--city C] [--address A] [--type T] [--team T]\n"
        "      [--region R] [--stage S] [--force] [--id ID]\n"
        "      register a project; prints its id (and the conflicting registration\n"
        "      of another owner, if any). Same owner, same project: exit 3 unless --force.\n"
        "      Registered is exit 0, even when reading it back for the conflict fails:\n"
        "      the id is printed, a warning on stderr (--json: conflict_checked false)\n"
        "      example: dealbook opp register '协和医院新院区' --account A1 --owner li\n"
        "               --currency CNY --close 2027-06-30 --amount 350000000 --city 北京\n"
        "  update ID [--name N] [--amount N] [--currency C] [--close D] [--city C]\n"
        "      [--address A] [--type T] [--team T] [--region R]\n"
        "      example: dealbook opp update OPP --amount 420000000\n"
        "  show ID [--as-of YYYY-MM-DD]\n"
        "      summary, procurement analysis chart, red flags, needs, competitors,\n"
        "      checklist, qualification and outcome (as known at the end of a day\n"
        "      in DEALBOOK_TIMEZONE)\n"
        "      example: dealbook opp show OPP\n"
        "  list [--owner O] [--team T] [--region R] [--account ID] [--stage S]\n"
        "      [--level L] [--category C] [--status open|won|lost|abandoned|duplicate|all]\n"
        "      [--close-from D] [--close-to D] [--sort close_date|-close_date]\n"
        "      [--limit N] [--after CURSOR]\n"
        "      example: dealbook opp list --owner li --level L3 --sort -close_date\n"
        "  stage ID STAGE [--key-person CONTACT]\n"
        "      stages: need_discovery internal_deliberation requirement_design\n"
        "              evaluation commitment implementation\n"
        "      example: dealbook opp stage OPP evaluation --key-person C1\n"
        "  key-person ID STAGE CONTACT     the key person of any stage\n"
        "  level ID L1..L5 [--reason R]    (a reason is required moving down)\n"
        "      example: dealbook opp level OPP L3\n"
        "  qualify ID --real-project SCORE:EVIDENCE --our-opportunity SCORE:EVIDENCE\n"
        "      --can-win SCORE:EVIDENCE --worth-winning SCORE:EVIDENCE\n"
        "      --decision pursue|hold|drop --reason R    (scores 0..5; or give\n"
        "      --real-project-score N --real-project-evidence TEXT, and so on)\n"
        "      example: dealbook opp qualify OPP --real-project '5:budget approved'\n"
        "               --our-opportunity 4:spec --can-win 3:coach --worth-winning 4:margin\n"
        "               --decision pursue --reason 'worth it'\n"
        "  stakeholder add|update ID CONTACT [--role R] [--level L] [--function F]\n"
        "      [--relationship R] [--attitude -2..2] [--influence 1..5] [--mode M]\n"
        "      [--last-contact D] [--notes N]      (update: '' clears a field)\n"
        "      roles: decision_maker technical_evaluator user coach\n"
        "      modes: growth trouble even_keel overconfident\n"
        "      example: dealbook opp stakeholder add OPP C1 --role decision_maker "
        "--attitude -1\n"
        "  stakeholder remove ID CONTACT [--reason R]\n"
        "  need add ID --kind organisational|personal|relationship --text T\n"
        "      [--contact C]                       (a personal need names its contact)\n"
        "      example: dealbook opp need add OPP --kind organisational --text '节能'\n"
        "  competitor add ID COMPETITOR --position ahead|even|behind|unknown [--notes N]\n"
        "  competitor update ID COMPETITOR [--position P] [--notes N]\n"
        "      example: dealbook opp competitor add OPP K1 --position ahead\n"
        "  check ID ITEM [--by WHO] [--date D]     tick a checklist item\n"
        "      example: dealbook opp check OPP plan.visit_plan\n"
        "  category ID pipeline|best_case|commit|omitted   (owner or a manager)\n"
        "  next ID TEXT [--due D]                  example: dealbook opp next OPP '技术交流' "
        "--due 2027-01-10\n"
        "  commit ID --kind award_notice|verbal_commitment --date D [--contact C]\n"
        "      [--note N]                          the evidence of L5\n"
        "  win ID --amount MINOR_UNITS --date D [--currency C] [--reason R] [--note N]\n"
        "  lose ID --reason R --date D [--winner W] [--price-gap N]  (theirs - ours)\n"
        "      example: dealbook opp lose OPP --reason price --date 2026-11-02 "
        "--price-gap -50000\n"
        "  abandon ID --reason R [--date D]\n"
        "      --date of check, commit, win, lose and abandon, and --last-contact: the\n"
        "      day it happened, not after --on (--close and --due are plans, and may\n"
        "      lie ahead); win, lose and abandon not before the deal's registration\n"
        "  reopen ID --reason R                    a lost or abandoned deal, at L1\n"
        "  history ID                              every event of the deal, from the log\n"
        "  conflicts [--limit N] [--after CURSOR]  registrations in conflict\n"
        "  resolve ID --with OTHER --owner O [--reason R]   (a manager: --actor)\n"
        "      example: dealbook opp resolve OPP --with OPP2 --owner li --actor boss\n"
        "  attention [--as-of D] [--limit N]       deals without a next step, untouched\n"
        "                                          longer than their level allows, or held\n"
        "                                          or dropped by their qualification\n\n"
        "  --opportunities-endpoint EP (DEALBOOK_OPPORTUNITIES_ENDPOINT), --actor WHO, --json;\n"
        "  every command takes --on YYYY-MM-DD: the business date it states, for history\n"
        "  entered after the fact (default today, DEALBOOK_TIMEZONE); from 1970-01-01,\n"
        "  and on a deal not before its registration's (register an old deal with its\n"
        "  own --on first; a reopen: not before the loss)\n");
}

/*  A request to the opportunities service. */
#define S_REQ(cli)                                                                                 \
    {                                                                                              \
        .n = 0, .endpoint = (cli)->cfg.opportunities_endpoint, .service = "opportunities"          \
    }

/*  ---- reading replies ---- */

/*  A value as text ("" when absent or nil). */
static const char *s_val (const dbk_obj_t *m, const char *key, char *buf, size_t bufsz)
{
    const dbk_obj_t *o = dbk_obj_get (m, key);
    const char *s;
    size_t n;
    int64_t i;
    buf[0] = 0;
    if (o && dbk_obj_str (o, &s, &n) == 0)
        snprintf (buf, bufsz, "%.*s", (int) n, s);
    else if (o && dbk_obj_i64 (o, &i) == 0)
        snprintf (buf, bufsz, "%lld", (long long) i);
    else if (o && dbk_obj_type (o) == DBK_T_ARRAY) {
        /*  a list of ids (in_conflict_with): comma-separated */
        size_t len = 0;
        for (size_t k = 0; k < dbk_obj_len (o) && len < bufsz; k++)
            if (dbk_obj_str (dbk_obj_at (o, k), &s, &n) == 0) {
                int w = snprintf (buf + len, bufsz - len, "%s%.*s", len ? ", " : "", (int) n, s);
                len += w > 0 ? (size_t) w : 0;
            }
    }
    return buf;
}

/*  ---- commands ---- */

/*  A command on one opportunity: "opportunity ID <done>", or "unchanged"
    when it decided no event. */
static int s_done (const cli_t *cli, const char *what, const char *op, const cli_req_t *r,
                   const char *id, const char *done)
{
    dbk_doc_t *reply;
    int rc = cli_svc_call (cli, what, op, true, r, &reply);
    if (rc)
        return rc;
    uint64_t events = 0;
    dbk_obj_u64 (dbk_obj_get (dbk_doc_root (reply), "events"), &events);
    char line[300];
    snprintf (line, sizeof line, "opportunity %.80s %s", id, events ? done : "unchanged");
    return cli_svc_print (cli, reply, line);
}

static const cli_flagdef_t s_reg_flags[] = {{"--account", "account_id", CLI_F_STR},
                                            {"--owner", "owner", CLI_F_STR},
                                            {"--currency", "currency", CLI_F_STR},
                                            {"--close", "close_date", CLI_F_STR},
                                            {"--amount", "amount", CLI_F_INT},
                                            {"--city", "site_city", CLI_F_STR},
                                            {"--address", "site_address", CLI_F_STR},
                                            {"--type", "project_type", CLI_F_STR},
                                            {"--team", "team", CLI_F_STR},
                                            {"--region", "region", CLI_F_STR},
                                            {"--stage", "stage", CLI_F_STR},
                                            {"--force", "force", CLI_F_BOOL},
                                            {"--id", NULL, CLI_F_STR},
                                            CLI_CMD_FLAGS,
                                            {NULL, NULL, CLI_F_STR}};

/*  opp register NAME ...: the CLI picks the id (or --id), then asks
    whether the registration is in conflict with another owner's. */
static int s_register (cli_t *cli)
{
    static const char *const need[] = {"--account", "--owner", "--currency", "--close", NULL};
    const char *what = "opp register";
    cli_req_t r = S_REQ (cli);
    int rc;
    if ((rc = cli_need_arg (cli, 0, what, "NAME")) || (rc = cli_need_flag (cli, what, need)) ||
        (rc = cli_req_flags (cli, what, s_reg_flags, &r)))
        return rc;
    if (cli->nargs > 1)
        return cli_fail (CLI_USAGE, "%s: unexpected argument '%s' (quote a name with spaces)", what,
                         cli->args[1]);
    char id[CLI_ID_MAX + 1];
    const char *given = cli_flag (cli, "--id");
    if (given && (!*given || strlen (given) > CLI_ID_MAX))
        return cli_fail (CLI_USAGE, "%s: --id takes 1 to %d bytes", what, CLI_ID_MAX);
    if (given)
        snprintf (id, sizeof id, "%s", given);
    else
        cli_cmd_derived_id (cli, id); /* as cli_create */
    cli_req_add (&r, "name", cli->args[0], CLI_F_STR);
    cli_req_add (&r, "id", id, CLI_F_STR);
    dbk_doc_t *reply, *got = NULL;
    if ((rc = cli_svc_call (cli, what, "OPP_REGISTER", true, &r, &reply)))
        return rc;
    /*  The registration landed, conflict flags included: the read only
        shows them. When it fails the command still succeeded (exit 0, so
        a script does not register again), but whether it is in conflict
        is not known: said on stderr, and as conflict_checked with --json. */
    cli_req_t q = S_REQ (cli);
    cli_req_add (&q, "id", id, CLI_F_STR);
    char other[80] = "", again[120];
    snprintf (again, sizeof again, "%s: reading %s back", what, id);
    bool checked = cli_svc_call (cli, again, "OPP_GET", false, &q, &got) == 0;
    if (checked)
        s_val (dbk_doc_root (got), "conflict_with", other, sizeof other);
    else
        fprintf (stderr,
                 "dealbook: warning: %s: %s is registered, but whether it is in conflict with "
                 "another owner's registration is not known (see dealbook opp show %s)\n",
                 what, id, id);
    if (cli->json) {
        json_t *j = cli_reply_json (reply);
        json_object_set_new (j, "id", json_string (id));
        json_object_set_new (j, "conflict_with", *other ? json_string (other) : json_null ());
        json_object_set_new (j, "conflict_checked", json_boolean (checked));
        cli_print_json (j);
    } else if (*other)
        printf ("opportunity %s (in conflict with %s)\n", id, other);
    else
        printf ("opportunity %s\n", id);
    dbk_doc_destroy (&got);
    dbk_doc_destroy (&reply);
    return CLI_OK;
}

/*  opp qualify ID --<question> SCORE:EVIDENCE ... --decision D --reason R */
static const cli_flagdef_t s_qualify_flags[] = {
    {"--real-project", NULL, CLI_F_STR},
    {"--our-opportunity", NULL, CLI_F_STR},
    {"--can-win", NULL, CLI_F_STR},
    {"--worth-winning", NULL, CLI_F_STR},
    {"--real-project-score", "real_project_score", CLI_F_INT},
    {"--real-project-evidence", "real_project_evidence", CLI_F_STR},
    {"--our-opportunity-score", "our_opportunity_score", CLI_F_INT},
    {"--our-opportunity-evidence", "our_opportunity_evidence", CLI_F_STR},
    {"--can-win-score", "can_win_score", CLI_F_INT},
    {"--can-win-evidence", "can_win_evidence", CLI_F_STR},
    {"--worth-winning-score", "worth_winning_score", CLI_F_INT},
    {"--worth-winning-evidence", "worth_winning_evidence", CLI_F_STR},
    {"--decision", "decision", CLI_F_STR},
    {"--reason", "reason", CLI_F_STR},
    CLI_CMD_FLAGS,
    {NULL, NULL, CLI_F_STR}};

static int s_qualify (cli_t *cli)
{
    static const char *const need[] = {"--decision", "--reason", NULL};
    const char *what = "opp qualify";
    cli_req_t r = S_REQ (cli);
    char score[4][24];
    int rc;
    if ((rc = cli_need_arg (cli, 0, what, "ID")) || (rc = cli_need_flag (cli, what, need)) ||
        (rc = cli_req_flags (cli, what, s_qualify_flags, &r)))
        return rc;
    for (int i = 0; i < 4; i++) {
        const char *v = cli_flag (cli, s_qualify_flags[i].flag);
        if (!v)
            continue;
        const char *colon = strchr (v, ':');
        if (!colon || colon == v || (size_t) (colon - v) >= sizeof score[i])
            return cli_fail (CLI_USAGE, "%s: %s takes SCORE:EVIDENCE, e.g. '4:budget approved'",
                             what, s_qualify_flags[i].flag);
        snprintf (score[i], sizeof score[i], "%.*s", (int) (colon - v), v);
        /*  the table's next entries: --<q>-score and --<q>-evidence */
        const char *key = s_qualify_flags[4 + 2 * i].key;
        char name[64];
        int64_t n;
        snprintf (name, sizeof name, "%s SCORE", s_qualify_flags[i].flag);
        if ((rc = cli_int_arg (what, key, name, score[i], false, &n)))
            return rc;
        cli_req_add (&r, key, score[i], CLI_F_INT);
        cli_req_add (&r, s_qualify_flags[5 + 2 * i].key, colon + 1, CLI_F_STR);
    }
    cli_req_add (&r, "id", cli->args[0], CLI_F_STR);
    return s_done (cli, what, "OPP_QUALIFY", &r, cli->args[0], "qualified");
}

/*  ---- the simple commands: ID, maybe a sub-verb and positionals ---- */

typedef struct {
    const char *verb, *sub;     /* "stakeholder" "add"; sub NULL: none     */
    const char *op;             /* the service's verb                      */
    const char *pos[2];         /* request keys of positionals after ID    */
    const char *posname[2];     /* their names in usage messages           */
    const char *const *need;    /* required flags                          */
    const cli_flagdef_t *flags; /* accepted flags                          */
    const char *done;           /* what the line says on success           */
} s_verb_t;

#define S_END                                                                                      \
    {                                                                                              \
        NULL, NULL, CLI_F_STR                                                                      \
    }
static const cli_flagdef_t f_none[] = {CLI_CMD_FLAGS, S_END};
static const cli_flagdef_t f_reason[] = {{"--reason", "reason", CLI_F_STR}, CLI_CMD_FLAGS, S_END};
static const cli_flagdef_t f_update[] = {{"--name", "name", CLI_F_STR},
                                         {"--amount", "amount", CLI_F_INT},
                                         {"--currency", "currency", CLI_F_STR},
                                         {"--close", "close_date", CLI_F_STR},
                                         {"--city", "site_city", CLI_F_STR},
                                         {"--address", "site_address", CLI_F_STR},
                                         {"--type", "project_type", CLI_F_STR},
                                         {"--team", "team", CLI_F_STR},
                                         {"--region", "region", CLI_F_STR},
                                         CLI_CMD_FLAGS,
                                         S_END};
static const cli_flagdef_t f_stage[] = {
    {"--key-person", "key_person", CLI_F_STR}, CLI_CMD_FLAGS, S_END};
static const cli_flagdef_t f_next[] = {{"--due", "due", CLI_F_STR}, CLI_CMD_FLAGS, S_END};
static const cli_flagdef_t f_check[] = {
    {"--by", "by", CLI_F_STR}, {"--date", "date", CLI_F_STR}, CLI_CMD_FLAGS, S_END};
static const cli_flagdef_t f_commit[] = {{"--kind", "kind", CLI_F_STR},
                                         {"--date", "date", CLI_F_STR},
                                         {"--contact", "contact_id", CLI_F_STR},
                                         {"--note", "note", CLI_F_STR},
                                         CLI_CMD_FLAGS,
                                         S_END};
static const cli_flagdef_t f_win[] = {{"--amount", "amount", CLI_F_INT},
                                      {"--date", "date", CLI_F_STR},
                                      {"--currency", "currency", CLI_F_STR},
                                      {"--reason", "reason", CLI_F_STR},
                                      {"--note", "note", CLI_F_STR},
                                      CLI_CMD_FLAGS,
                                      S_END};
static const cli_flagdef_t f_lose[] = {{"--reason", "reason", CLI_F_STR},
                                       {"--date", "date", CLI_F_STR},
                                       {"--winner", "winner", CLI_F_STR},
                                       {"--price-gap", "price_gap", CLI_F_SINT},
                                       CLI_CMD_FLAGS,
                                       S_END};
static const cli_flagdef_t f_abandon[] = {
    {"--reason", "reason", CLI_F_STR}, {"--date", "date", CLI_F_STR}, CLI_CMD_FLAGS, S_END};
static const cli_flagdef_t f_resolve[] = {{"--with", "with", CLI_F_STR},
                                          {"--owner", "owner", CLI_F_STR},
                                          {"--reason", "reason", CLI_F_STR},
                                          CLI_CMD_FLAGS,
                                          S_END};
static const cli_flagdef_t f_person[] = {{"--role", "role", CLI_F_STR},
                                         {"--level", "level", CLI_F_STR},
                                         {"--function", "function", CLI_F_STR},
                                         {"--relationship", "relationship", CLI_F_STR},
                                         {"--attitude", "attitude", CLI_F_SINT},
                                         {"--influence", "influence", CLI_F_INT},
                                         {"--mode", "response_mode", CLI_F_STR},
                                         {"--last-contact", "last_contact", CLI_F_STR},
                                         {"--notes", "notes", CLI_F_STR},
                                         CLI_CMD_FLAGS,
                                         S_END};
static const cli_flagdef_t f_need[] = {{"--kind", "kind", CLI_F_STR},
                                       {"--text", "text", CLI_F_STR},
                                       {"--contact", "contact_id", CLI_F_STR},
                                       CLI_CMD_FLAGS,
                                       S_END};
static const cli_flagdef_t f_rival[] = {
    {"--position", "position", CLI_F_STR}, {"--notes", "notes", CLI_F_STR}, CLI_CMD_FLAGS, S_END};

static const char *const n_commit[] = {"--kind", "--date", NULL};
static const char *const n_win[] = {"--amount", "--date", NULL};
static const char *const n_lose[] = {"--reason", "--date", NULL};
static const char *const n_reason[] = {"--reason", NULL};
static const char *const n_resolve[] = {"--with", "--owner", NULL};
static const char *const n_need[] = {"--kind", "--text", NULL};
static const char *const n_rival[] = {"--position", NULL};

static const s_verb_t s_verbs[] = {
    {"update", NULL, "OPP_UPDATE", {NULL}, {NULL}, NULL, f_update, "updated"},
    {"stage", NULL, "OPP_STAGE", {"stage"}, {"STAGE"}, NULL, f_stage, "stage set"},
    {"key-person",
     NULL,
     "OPP_KEY_PERSON",
     {"stage", "contact_id"},
     {"STAGE", "CONTACT"},
     NULL,
     f_none,
     "key person set"},
    {"level", NULL, "OPP_LEVEL", {"level"}, {"LEVEL"}, NULL, f_reason, "level set"},
    {"category", NULL, "OPP_CATEGORY", {"category"}, {"CATEGORY"}, NULL, f_none, "category set"},
    {"next", NULL, "OPP_NEXT_STEP", {"next_step"}, {"TEXT"}, NULL, f_next, "next step set"},
    {"check", NULL, "OPP_CHECK", {"item"}, {"ITEM"}, NULL, f_check, "item ticked"},
    {"commit", NULL, "OPP_COMMITMENT", {NULL}, {NULL}, n_commit, f_commit, "commitment recorded"},
    {"win", NULL, "OPP_WIN", {NULL}, {NULL}, n_win, f_win, "won"},
    {"lose", NULL, "OPP_LOSE", {NULL}, {NULL}, n_lose, f_lose, "lost"},
    {"abandon", NULL, "OPP_ABANDON", {NULL}, {NULL}, n_reason, f_abandon, "abandoned"},
    {"reopen", NULL, "OPP_REOPEN", {NULL}, {NULL}, n_reason, f_reason, "reopened"},
    {"resolve", NULL, "OPP_RESOLVE", {NULL}, {NULL}, n_resolve, f_resolve, "conflict resolved"},
    {"stakeholder",
     "add",
     "OPP_STAKEHOLDER_ADD",
     {"contact_id"},
     {"CONTACT"},
     NULL,
     f_person,
     "stakeholder added"},
    {"stakeholder",
     "update",
     "OPP_STAKEHOLDER_UPDATE",
     {"contact_id"},
     {"CONTACT"},
     NULL,
     f_person,
     "stakeholder updated"},
    {"stakeholder",
     "remove",
     "OPP_STAKEHOLDER_REMOVE",
     {"contact_id"},
     {"CONTACT"},
     NULL,
     f_reason,
     "stakeholder removed"},
    {"need", "add", "OPP_NEED_ADD", {NULL}, {NULL}, n_need, f_need, "need added"},
    {"competitor",
     "add",
     "OPP_COMPETITOR_ADD",
     {"competitor_id"},
     {"COMPETITOR"},
     n_rival,
     f_rival,
     "competitor added"},
    {"competitor",
     "update",
     "OPP_COMPETITOR_UPDATE",
     {"competitor_id"},
     {"COMPETITOR"},
     NULL,
     f_rival,
     "competitor updated"},
    {NULL, NULL, NULL, {NULL}, {NULL}, NULL, NULL, NULL}};

static int s_run (cli_t *cli, const s_verb_t *v)
{
    char what[64];
    snprintf (what, sizeof what, "opp %s%s%s", v->verb, v->sub ? " " : "", v->sub ? v->sub : "");
    cli_req_t r = S_REQ (cli);
    int base = v->sub ? 1 : 0, npos = 0, rc;
    if ((rc = cli_need_arg (cli, base, what, "ID")))
        return rc;
    for (; npos < 2 && v->pos[npos]; npos++)
        if ((rc = cli_need_arg (cli, base + 1 + npos, what, v->posname[npos])))
            return rc;
    if (cli->nargs > base + 1 + npos)
        return cli_fail (CLI_USAGE, "%s: unexpected argument '%s' (quote a text with spaces)", what,
                         cli->args[base + 1 + npos]);
    if ((v->need && (rc = cli_need_flag (cli, what, v->need))) ||
        (rc = cli_req_flags (cli, what, v->flags, &r)))
        return rc;
    /*  an update's "" clears a number too: sent as nil (the service
        refuses "" for a number) */
    for (int i = 0; i < r.n; i++)
        if ((r.kind[i] == CLI_F_INT || r.kind[i] == CLI_F_SINT) && !r.val[i][0])
            r.kind[i] = CLI_F_NIL;
    cli_req_add (&r, "id", cli->args[base], CLI_F_STR);
    for (int i = 0; i < npos; i++)
        cli_req_add (&r, v->pos[i], cli->args[base + 1 + i], CLI_F_STR);
    return s_done (cli, what, v->op, &r, cli->args[base], v->done);
}

/*  ---- show: the procurement analysis chart ---- */

static const char *const s_levels[] = {"decision", "management", "operational", ""};
static const char *const s_functions[] = {"user", "technical", "procurement", ""};

/*  The stakeholders at one level and function as table rows (display
    values: "name (contact)", attitude "+2".."-2" or "?"). */
static dbk_doc_t *s_cell_rows (const dbk_obj_t *people, const char *level, const char *function)
{
    char lv[64], fn[64], b[300];
    uint32_t n = 0;
    for (int pass = 0; pass < 2; pass++) {
        dbk_wr_t *w = pass ? dbk_wr_new () : NULL;
        if (pass && !w)
            return NULL;
        if (pass)
            dbk_wr_array (w, n);
        for (size_t i = 0; i < dbk_obj_len (people); i++) {
            const dbk_obj_t *p = dbk_obj_at (people, i);
            if (strcmp (s_val (p, "level", lv, sizeof lv), level) ||
                strcmp (s_val (p, "function", fn, sizeof fn), function))
                continue;
            if (!pass) {
                n++;
                continue;
            }
            char name[200], id[80], att[16];
            s_val (p, "name", name, sizeof name);
            s_val (p, "contact_id", id, sizeof id);
            snprintf (b, sizeof b, "  %s%s%s%s", name, *name ? " (" : "", id, *name ? ")" : "");
            dbk_wr_map (w, 6);
            dbk_wr_kv_cstr (w, "who", b);
            dbk_wr_kv_cstr (w, "role", s_val (p, "role", b, sizeof b));
            s_val (p, "attitude", att, sizeof att);
            snprintf (b, sizeof b, "%s%s", *att && *att != '-' && *att != '0' ? "+" : "",
                      *att ? att : "?");
            dbk_wr_kv_cstr (w, "attitude", b);
            dbk_wr_kv_cstr (w, "influence", s_val (p, "influence", b, sizeof b));
            dbk_wr_kv_cstr (w, "mode", s_val (p, "response_mode", b, sizeof b));
            dbk_wr_kv_cstr (w, "last", s_val (p, "last_contact", b, sizeof b));
        }
        if (pass) {
            dbk_doc_t *doc = NULL;
            dbk_doc_parse (dbk_wr_data (w), dbk_wr_size (w), &doc);
            dbk_wr_destroy (&w);
            return doc;
        }
        if (n == 0)
            return NULL;
    }
    return NULL;
}

/*  The name of the stakeholder `id` on the map, or "". */
static const char *s_person (const dbk_obj_t *people, const char *id, char *buf, size_t bufsz)
{
    char cid[80];
    buf[0] = 0;
    for (size_t i = 0; i < dbk_obj_len (people); i++)
        if (strcmp (s_val (dbk_obj_at (people, i), "contact_id", cid, sizeof cid), id) == 0)
            return s_val (dbk_obj_at (people, i), "name", buf, bufsz);
    return buf;
}

/*  "a, b, c" of an array of texts ("none" when empty). */
static void s_join (const dbk_obj_t *a, char *out, size_t outsz)
{
    size_t len = 0;
    out[0] = 0;
    for (size_t i = 0; i < dbk_obj_len (a) && len < outsz; i++) {
        const char *s;
        size_t n;
        if (dbk_obj_str (dbk_obj_at (a, i), &s, &n) == 0) {
            int k = snprintf (out + len, outsz - len, "%s%.*s", len ? ", " : "", (int) n, s);
            len += k > 0 ? (size_t) k : 0;
        }
    }
    if (!out[0])
        snprintf (out, outsz, "none");
}

static void s_chart (const dbk_obj_t *root)
{
    static const char *const keys[] = {"who", "role", "attitude", "influence", "mode", "last"};
    static const char *const heads[] = {"  NAME (CONTACT)", "ROLE", "ATT", "INF", "MODE",
                                        "LAST CONTACT"};
    const dbk_obj_t *people = dbk_obj_get (root, "stakeholders");
    char b[4096], c[4096];
    printf ("\nPROCUREMENT ANALYSIS CHART\n"
            "(ATT attitude +2 supporter .. -2 opponent, INF influence 1-5)\n");
    if (!dbk_obj_len (people))
        printf ("  nobody on the map yet\n");
    for (int l = 0; l < 4; l++)
        for (int f = 0; f < 4; f++) {
            dbk_doc_t *doc = s_cell_rows (people, s_levels[l], s_functions[f]);
            if (!doc)
                continue;
            printf ("%s level / %s function\n", *s_levels[l] ? s_levels[l] : "unknown",
                    *s_functions[f] ? s_functions[f] : "unknown");
            cli_table (dbk_doc_root (doc), keys, heads, 6);
            dbk_doc_destroy (&doc);
        }
    const dbk_obj_t *roles = dbk_obj_get (root, "roles");
    s_join (dbk_obj_get (roles, "covered"), b, sizeof b);
    s_join (dbk_obj_get (roles, "missing"), c, sizeof c);
    printf ("roles covered: %s / missing: %s\n", b, c);
    const dbk_obj_t *flags = dbk_obj_get (root, "red_flags");
    printf ("\nRED FLAGS%s\n", dbk_obj_len (flags) ? "" : ": none");
    for (size_t i = 0; i < dbk_obj_len (flags); i++) {
        const dbk_obj_t *fl = dbk_obj_at (flags, i);
        char id[80], role[64], name[200];
        s_val (fl, "contact_id", id, sizeof id);
        s_val (fl, "role", role, sizeof role);
        s_person (people, id, name, sizeof name);
        if (*id)
            snprintf (c, sizeof c, " — %s%s%s%s", name, *name ? " (" : "", id, *name ? ")" : "");
        else if (*role)
            snprintf (c, sizeof c, " — role %s", role);
        else
            c[0] = 0;
        printf ("  ! %s%s  [%s]\n", s_val (fl, "sentence", b, sizeof b), c,
                s_val (fl, "code", role, sizeof role));
    }
}

static void s_lists (const dbk_obj_t *root)
{
    const dbk_obj_t *needs = dbk_obj_get (root, "needs"),
                    *rivals = dbk_obj_get (root, "competitors");
    if (dbk_obj_len (needs)) {
        static const char *const keys[] = {"need", "kind", "contact_id", "text"};
        static const char *const heads[] = {"NEED", "KIND", "CONTACT", "TEXT"};
        printf ("\nNEEDS\n");
        cli_table (needs, keys, heads, 4);
    }
    if (dbk_obj_len (rivals)) {
        static const char *const keys[] = {"competitor_id", "name", "position", "notes"};
        static const char *const heads[] = {"COMPETITOR", "NAME", "POSITION", "NOTES"};
        printf ("\nCOMPETITORS\n");
        cli_table (rivals, keys, heads, 4);
    }
    const dbk_obj_t *items = dbk_obj_get (root, "checklist");
    int w = 0;
    char b[600], by[120], date[16], step[8], last[8] = "";
    for (size_t i = 0; i < dbk_obj_len (items); i++) {
        int n = (int) strlen (s_val (dbk_obj_at (items, i), "item", b, sizeof b));
        w = n > w ? n : w;
    }
    printf ("\nCHECKLIST\n");
    for (size_t i = 0; i < dbk_obj_len (items); i++) {
        const dbk_obj_t *it = dbk_obj_at (items, i);
        bool done = false;
        dbk_obj_bool (dbk_obj_get (it, "done"), &done);
        s_val (it, "step", step, sizeof step);
        if (strcmp (step, last) != 0) {
            s_val (it, "item", b, sizeof b);
            printf ("step %s %.*s\n", step, (int) strcspn (b, "."), b);
            snprintf (last, sizeof last, "%s", step);
        }
        s_val (it, "by", by, sizeof by);
        s_val (it, "date", date, sizeof date);
        printf ("  [%s] %-*s  ", done ? "✓" : " ", w, s_val (it, "item", b, sizeof b));
        /*  who and when first, then what, cut to end by column 80 */
        int len = 0;
        if (done && (*by || *date))
            len = snprintf (b, sizeof b, "%s%s%s: ", by, *by && *date ? " " : "", date);
        s_val (it, "text", b + len, sizeof b - (size_t) len);
        int room = 80 - 8 - w;
        if (room > 4 && (int) strlen (b) > room) {
            int cut = room - 1;
            while (cut > 0 && (b[cut] & 0xC0) == 0x80)
                cut--;
            snprintf (b + cut, sizeof b - (size_t) cut, "…");
        }
        printf ("%s\n", b);
    }
}

static const char *const s_questions[] = {"real_project", "our_opportunity", "can_win",
                                          "worth_winning"};

static void s_details (const dbk_obj_t *root)
{
    char b[4096], c[4096];
    const dbk_obj_t *q = dbk_obj_get (root, "qualification");
    printf ("\nQUALIFICATION");
    if (dbk_obj_type (q) != DBK_T_MAP)
        printf (": not qualified\n");
    else {
        char t[16];
        printf (": %s, total %s/20 (%s)\n", s_val (q, "decision", b, sizeof b),
                s_val (q, "total", t, sizeof t), s_val (q, "reason", c, sizeof c));
        const dbk_obj_t *scores = dbk_obj_get (q, "scores");
        for (size_t i = 0; i < 4; i++)
            printf ("  %-16s %s\n", s_questions[i], s_val (scores, s_questions[i], b, sizeof b));
    }
    const dbk_obj_t *o = dbk_obj_get (root, "outcome");
    char status[32], date[16], reason[1000], to[200], won[32], re[16], why[1000];
    s_val (root, "status", status, sizeof status);
    s_val (o, "date", date, sizeof date);
    s_val (o, "loss_reason", reason, sizeof reason);
    s_val (o, "lost_to", to, sizeof to);
    s_val (o, "won_amount", won, sizeof won);
    s_val (o, "won_reason", why, sizeof why);
    s_val (o, "reopened", re, sizeof re);
    printf ("\nOUTCOME: %s", status);
    bool won_it = strcmp (status, "won") == 0, open = strcmp (status, "open") == 0;
    if (won_it)
        printf (" %s %s on %s%s%s", won, s_val (root, "currency", b, sizeof b), date,
                *why ? ", " : "", why);
    else if (*date && !open)
        printf (" on %s", date);
    /*  a loss before a reopen stays on record: it is not why a deal was won */
    if (*reason)
        printf ("%s %s%s%s", open || won_it ? "; last loss:" : ",", reason, *to ? ", to " : "", to);
    if (*re && strcmp (re, "0") != 0)
        printf ("; reopened %s time%s", re, strcmp (re, "1") ? "s" : "");
    printf ("\n");
}

/*  The summary: one "label  value" line per field that is set. */
static void s_summary (const dbk_obj_t *root)
{
    static const char *const rows[][2] = {
        {"id", "id"},
        {"name", "name"},
        {"account", "account_id"},
        {"owner", "owner"},
        {"team", "team"},
        {"region", "region"},
        {"status", "status"},
        {"level", "level"},
        {"stage", "stage"},
        {"category", "category"},
        {"amount", "amount"},
        {"close date", "close_date"},
        {"site", "site_city"},
        {"address", "site_address"},
        {"project type", "project_type"},
        {"registered on", "registered_on"},
        {"touched", "touched"},
        {"next step", "next_step"},
        {"conflict with", "in_conflict_with"},
        {"duplicate of", "duplicate_of"},
        {"commitment", "commitment"},
        {"as of", "as_of"},
    };
    char v[4096], x[1000], y[200];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *key = rows[i][1];
        if (!*s_val (root, key, v, sizeof v))
            continue;
        size_t len = strlen (v);
        if (strcmp (key, "account_id") == 0 && *s_val (root, "account_name", x, sizeof x))
            snprintf (v + len, sizeof v - len, " (%s)", x);
        else if (strcmp (key, "level") == 0)
            snprintf (v + len, sizeof v - len, " (%s%%)", s_val (root, "probability", x, sizeof x));
        else if (strcmp (key, "amount") == 0)
            snprintf (v + len, sizeof v - len, " %s minor units, weighted %s",
                      s_val (root, "currency", y, sizeof y), s_val (root, "weighted", x, sizeof x));
        else if (strcmp (key, "next_step") == 0 && *s_val (root, "next_step_due", x, sizeof x))
            snprintf (v + len, sizeof v - len, " (due %s)", x);
        printf ("%-14s %s\n", rows[i][0], v);
    }
    const dbk_obj_t *kp = dbk_obj_get (root, "key_persons");
    for (size_t i = 0; i < dbk_obj_len (kp); i++) {
        const char *s, *t;
        size_t n, m;
        if (!dbk_obj_str (dbk_obj_key_at (kp, i), &s, &n) &&
            !dbk_obj_str (dbk_obj_val_at (kp, i), &t, &m))
            printf ("%-14s %.*s at %.*s\n", i ? "" : "key persons", (int) m, t, (int) n, s);
    }
}

static int s_show (cli_t *cli)
{
    static const cli_flagdef_t flags[] = {{"--as-of", "as_of", CLI_F_STR}, S_END};
    cli_req_t r = S_REQ (cli);
    dbk_doc_t *reply;
    int rc;
    if ((rc = cli_need_arg (cli, 0, "opp show", "ID")) ||
        (rc = cli_req_flags (cli, "opp show", flags, &r)))
        return rc;
    cli_req_add (&r, "id", cli->args[0], CLI_F_STR);
    if ((rc = cli_svc_call (cli, "opp show", "OPP_GET", false, &r, &reply)))
        return rc;
    if (!cli->json) {
        const dbk_obj_t *root = dbk_doc_root (reply);
        s_summary (root);
        s_chart (root);
        s_lists (root);
        s_details (root);
    }
    return cli_svc_print (cli, reply, NULL);
}

/*  ---- queries ---- */

static const cli_flagdef_t s_list_flags[] = {{"--account", "account_id", CLI_F_STR},
                                             {"--owner", "owner", CLI_F_STR},
                                             {"--team", "team", CLI_F_STR},
                                             {"--region", "region", CLI_F_STR},
                                             {"--stage", "stage", CLI_F_STR},
                                             {"--level", "level", CLI_F_STR},
                                             {"--category", "category", CLI_F_STR},
                                             {"--status", "status", CLI_F_STR},
                                             {"--close-from", "close_from", CLI_F_STR},
                                             {"--close-to", "close_to", CLI_F_STR},
                                             {"--sort", "sort", CLI_F_STR},
                                             {"--limit", "limit", CLI_F_INT},
                                             {"--after", "after", CLI_F_STR},
                                             S_END};

static int s_list (cli_t *cli, bool conflicts)
{
    static const cli_flagdef_t cflags[] = {
        {"--limit", "limit", CLI_F_INT}, {"--after", "after", CLI_F_STR}, S_END};
    const char *what = conflicts ? "opp conflicts" : "opp list";
    cli_req_t r = S_REQ (cli);
    dbk_doc_t *reply;
    int rc;
    if ((rc = cli_req_flags (cli, what, conflicts ? cflags : s_list_flags, &r)) ||
        (rc =
             cli_svc_call (cli, what, conflicts ? "OPP_CONFLICTS" : "OPP_LIST", false, &r, &reply)))
        return rc;
    if (!cli->json) {
        /*  amounts in minor units, with their currency: deals of one list
            may be in several */
        static const char *const keys[] = {"id",       "name",   "owner", "level", "close_date",
                                           "currency", "amount", "stage", "status"};
        static const char *const heads[] = {"ID",  "NAME",           "OWNER", "LEVEL", "CLOSE",
                                            "CUR", "AMOUNT (minor)", "STAGE", "STATUS"};
        static const char *const ckeys[] = {"id",         "name",       "owner",
                                            "account_id", "close_date", "in_conflict_with"};
        static const char *const cheads[] = {"ID",      "NAME",  "OWNER",
                                             "ACCOUNT", "CLOSE", "IN CONFLICT WITH"};
        const dbk_obj_t *root = dbk_doc_root (reply);
        if (conflicts)
            cli_table (dbk_obj_get (root, "conflicts"), ckeys, cheads, 6);
        else
            cli_table (dbk_obj_get (root, "opportunities"), keys, heads, 9);
    }
    if (!cli->json)
        cli_next_hint (cli, dbk_doc_root (reply));
    return cli_svc_print (cli, reply, NULL);
}

static int s_attention (cli_t *cli)
{
    static const cli_flagdef_t flags[] = {
        {"--as-of", "as_of", CLI_F_STR}, {"--limit", "limit", CLI_F_INT}, S_END};
    cli_req_t r = S_REQ (cli);
    dbk_doc_t *reply;
    int rc;
    if ((rc = cli_req_flags (cli, "opp attention", flags, &r)) ||
        (rc = cli_svc_call (cli, "opp attention", "OPP_ATTENTION", false, &r, &reply)))
        return rc;
    if (!cli->json) {
        static const char *const keys[] = {"id", "name", "owner", "level", "close_date", "touched"};
        static const char *const heads[] = {"ID", "NAME", "OWNER", "LEVEL", "CLOSE", "TOUCHED"};
        static const char *const ukeys[] = {"days_untouched", "id",    "name",
                                            "owner",          "level", "touched"};
        static const char *const uheads[] = {"DAYS", "ID", "NAME", "OWNER", "LEVEL", "TOUCHED"};
        static const char *const qkeys[] = {"decision", "id",    "name",
                                            "owner",    "level", "probability"};
        static const char *const qheads[] = {"DECISION", "ID", "NAME", "OWNER", "LEVEL", "PROB%"};
        const dbk_obj_t *root = dbk_doc_root (reply);
        char as_of[16];
        const dbk_obj_t *a = dbk_obj_get (root, "no_next_step"),
                        *b = dbk_obj_get (root, "untouched"),
                        *q = dbk_obj_get (root, "not_pursued");
        printf ("as of %s\n\nno next step (%zu)\n", s_val (root, "as_of", as_of, sizeof as_of),
                dbk_obj_len (a));
        if (dbk_obj_len (a))
            cli_table (a, keys, heads, 6);
        printf ("\nuntouched longer than their level allows (%zu)\n", dbk_obj_len (b));
        if (dbk_obj_len (b))
            cli_table (b, ukeys, uheads, 6);
        printf ("\nheld or dropped by their qualification, still weighted at their level (%zu)\n",
                dbk_obj_len (q));
        if (dbk_obj_len (q))
            cli_table (q, qkeys, qheads, 6);
        bool more = false;
        dbk_obj_bool (dbk_obj_get (root, "more"), &more);
        if (more)
            printf ("(more: raise --limit)\n");
    }
    return cli_svc_print (cli, reply, NULL);
}

int cli_opp (cli_t *cli, const char *verb)
{
    if (cli->help || !verb)
        return cli_help_or_usage (cli, cli_opp_help,
                                  "opp: give a verb (dealbook help opp lists them)");
    if (strcmp (verb, "register") == 0)
        return s_register (cli);
    if (strcmp (verb, "show") == 0)
        return s_show (cli);
    if (strcmp (verb, "list") == 0)
        return s_list (cli, false);
    if (strcmp (verb, "conflicts") == 0)
        return s_list (cli, true);
    if (strcmp (verb, "attention") == 0)
        return s_attention (cli);
    if (strcmp (verb, "qualify") == 0)
        return s_qualify (cli);
    if (strcmp (verb, "history") == 0)
        return cli_history (cli, "opp", "opportunity");
    bool known = false;
    for (const s_verb_t *v = s_verbs; v->verb; v++) {
        if (strcmp (v->verb, verb) != 0)
            continue;
        known = true;
        if (!v->sub || (cli->nargs > 0 && strcmp (cli->args[0], v->sub) == 0))
            return s_run (cli, v);
    }
    if (known)
        return cli_fail (CLI_USAGE,
                         "opp %s: unknown or missing sub-verb '%s' (see dealbook help opp)", verb,
                         cli->nargs ? cli->args[0] : "");
    return cli_fail (CLI_USAGE, "unknown verb 'opp %s' (try: dealbook help opp)", verb);
}
