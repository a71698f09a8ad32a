/*  cli_bid.c - dealbook tender <verb> (alias bid) and dealbook intel
    <verb>: tenders, their procurement steps, the bid document, the
    bond, the submission, the opening and the award, and the price
    intelligence and win rate drawn from openings, talking to the bidding
    service (docs/protocol.md §16.3). Also the helpers the bidding nouns
    share (cli_bid.h). */
#include "cli_bid.h"

#include "dealbook/dbk_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*  ---- shared helpers ---- */

const char *cli_bid_val (const dbk_obj_t *m, const char *key, char *buf, size_t bufsz)
{
    const dbk_obj_t *o = dbk_obj_get (m, key);
    const char *s;
    size_t n;
    int64_t i;
    bool b;
    buf[0] = 0;
    if (o && dbk_obj_str (o, &s, &n) == 0)
        snprintf (buf, bufsz, "%.*s", (int) n, s);
    else if (o && dbk_obj_i64 (o, &i) == 0)
        snprintf (buf, bufsz, "%lld", (long long) i);
    else if (o && dbk_obj_bool (o, &b) == 0)
        snprintf (buf, bufsz, "%s", b ? "yes" : "");
    return buf;
}

const char *cli_bid_bp (int64_t bp, char *buf, size_t bufsz)
{
    /*  the magnitude as unsigned: llabs (INT64_MIN) overflows, and the
        value comes from the wire */
    uint64_t a = bp < 0 ? (uint64_t) 0 - (uint64_t) bp : (uint64_t) bp;
    snprintf (buf, bufsz, "%s%llu.%02llu", bp < 0 ? "-" : "", (unsigned long long) (a / 100),
              (unsigned long long) (a % 100));
    return buf;
}

int cli_bid_pct (const char *s, char *out, size_t outsz)
{
    long long whole = 0, frac = 0;
    int digits = 0, fdigits = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9' && digits < 4; p++, digits++)
        whole = whole * 10 + (*p - '0');
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9' && fdigits < 2; p++, fdigits++)
            frac = frac * 10 + (*p - '0');
    if (*p == '%')
        p++;
    if (!digits || *p || whole > 100)
        return -1;
    if (fdigits == 1)
        frac *= 10;
    long long bp = whole * 100 + frac;
    if (bp > 10000)
        return -1;
    snprintf (out, outsz, "%lld", bp);
    return 0;
}

const dbk_obj_t *cli_bid_array (const dbk_obj_t *m, const char *key)
{
    const dbk_obj_t *found = NULL;
    for (size_t i = 0; i < dbk_obj_len (m); i++)
        if (dbk_obj_str_eq (dbk_obj_key_at (m, i), key) &&
            dbk_obj_type (dbk_obj_val_at (m, i)) == DBK_T_ARRAY)
            found = dbk_obj_val_at (m, i);
    return found;
}

/*  A cell's text: integers in decimal, "*_bp" as percentages. */
static void s_cell (const char *key, const dbk_obj_t *o, char *buf, size_t bufsz)
{
    int64_t i;
    size_t kl = strlen (key), n;
    const char *s;
    bool b;
    buf[0] = 0;
    if (kl > 3 && strcmp (key + kl - 3, "_bp") == 0 && dbk_obj_i64 (o, &i) == 0)
        cli_bid_bp (i, buf, bufsz);
    else if (dbk_obj_str (o, &s, &n) == 0)
        snprintf (buf, bufsz, "%.*s", (int) n, s);
    else if (dbk_obj_i64 (o, &i) == 0)
        snprintf (buf, bufsz, "%lld", (long long) i);
    else if (dbk_obj_bool (o, &b) == 0)
        snprintf (buf, bufsz, "%s", b ? "yes" : "");
}

void cli_bid_table (const dbk_obj_t *rows, const char *const *keys, const char *const *heads,
                    int ncols)
{
    dbk_wr_t *w = dbk_wr_new ();
    if (!w)
        return;
    char b[1024];
    dbk_wr_array (w, (uint32_t) dbk_obj_len (rows));
    for (size_t i = 0; i < dbk_obj_len (rows); i++) {
        const dbk_obj_t *m = dbk_obj_at (rows, i);
        dbk_wr_map (w, (uint32_t) ncols);
        for (int j = 0; j < ncols; j++) {
            const dbk_obj_t *o = dbk_obj_get (m, keys[j]);
            b[0] = 0;
            if (o)
                s_cell (keys[j], o, b, sizeof b);
            dbk_wr_kv_cstr (w, keys[j], b);
        }
    }
    dbk_doc_t *doc = NULL;
    if (dbk_doc_parse (dbk_wr_data (w), dbk_wr_size (w), &doc) == 0)
        cli_table (dbk_doc_root (doc), keys, heads, ncols);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}

/*  The keys of an event's data worth a glance, in this order. */
static const char *const s_detail_keys[] = {"step",
                                            "part",
                                            "status",
                                            "decision",
                                            "result",
                                            "envelope",
                                            "no",
                                            "question",
                                            "answer",
                                            "owner",
                                            "due",
                                            "quote_id",
                                            "line",
                                            "product_code",
                                            "quantity",
                                            "discount_bp",
                                            "total",
                                            "required_level",
                                            "approver",
                                            "level",
                                            "invoice",
                                            "milestone",
                                            "amount",
                                            "winner",
                                            "date",
                                            "reason",
                                            "note",
                                            "clarification_deadline",
                                            "submission_deadline",
                                            "opening_date",
                                            NULL};

void cli_bid_timeline (const dbk_obj_t *tl)
{
    char at[32], type[80], v[300], line[400];
    printf ("%-16s  %-23s %s\n", "AT (UTC)", "EVENT", "DETAIL");
    for (size_t i = 0; i < dbk_obj_len (tl); i++) {
        const dbk_obj_t *e = dbk_obj_get (dbk_obj_at (tl, i), "data");
        int64_t ms = 0;
        dbk_obj_i64 (dbk_obj_get (dbk_obj_at (tl, i), "at"), &ms);
        time_t t = (time_t) (ms / 1000);
        struct tm tm;
        gmtime_r (&t, &tm);
        strftime (at, sizeof at, "%Y-%m-%d %H:%M", &tm);
        /*  the category is the noun shown: "tender.awarded" is "awarded" */
        cli_bid_val (dbk_obj_at (tl, i), "type", type, sizeof type);
        const char *dot = strchr (type, '.');
        const char *ev = dot ? dot + 1 : type;
        size_t len = 0;
        line[0] = 0;
        for (int k = 0; s_detail_keys[k] && len < 60; k++) {
            const dbk_obj_t *o = dbk_obj_get (e, s_detail_keys[k]);
            if (!o)
                continue;
            s_cell (s_detail_keys[k], o, v, sizeof v);
            if (!*v)
                continue;
            int n = snprintf (line + len, sizeof line - len, "%s%s=%s", len ? " " : "",
                              s_detail_keys[k], v);
            len += n > 0 && (size_t) n < sizeof line - len ? (size_t) n : 0;
        }
        for (char *p = line; *p; p++)
            if (*p == '\n' || *p == '\t')
                *p = ' ';
        /*  cut to end by column 80 (not inside a UTF-8 character) */
        size_t room = 80 - 42;
        if (strlen (line) > room) {
            size_t cut = room - 1;
            while (cut > 0 && (line[cut] & 0xC0) == 0x80)
                cut--;
            snprintf (line + cut, sizeof line - cut, "…");
        }
        if (*line)
            printf ("%-16s  %-23s %s\n", at, ev, line);
        else
            printf ("%-16s  %s\n", at, ev);
    }
}

char *cli_bid_list (const cli_t *cli, const char *what, const char *flag, const char *const *keys,
                    int *rc)
{
    *rc = 0;
    json_t *a = json_array ();
    for (int i = 0; i < cli->nflags; i++) {
        if (strcmp (cli->flag[i], flag) != 0)
            continue;
        const char *p = cli->value[i] ? cli->value[i] : "";
        json_t *m = json_object ();
        json_array_append_new (a, m);
        for (int k = 0; keys[k]; k++) {
            size_t n = strcspn (p, ":");
            char f[400];
            snprintf (f, sizeof f, "%.*s", (int) n, p);
            const char *key = keys[k][0] == '#' || keys[k][0] == '?' ? keys[k] + 1 : keys[k];
            if (!*f)
                ;
            else if (keys[k][0] == '?') {
                if (strcmp (f, key) != 0) {
                    *rc = cli_fail (CLI_USAGE, "%s: %s '%s': the last field is '%s' or nothing",
                                    what, flag, cli->value[i], key);
                    break;
                }
                json_object_set_new (m, key, json_true ());
            } else if (keys[k][0] == '#') {
                int64_t v;
                char name[500]; /* "--bidder 'Acme:+5': price" */
                snprintf (name, sizeof name, "%s '%s': %s", flag, cli->value[i], key);
                if ((*rc = cli_int_arg (what, key, name, f, false, &v)))
                    break;
                json_object_set_new (m, key, json_integer (v));
            } else
                json_object_set_new (m, key, json_string (f));
            p += n;
            if (*p == ':')
                p++;
        }
        if (!*rc && *p)
            *rc = cli_fail (CLI_USAGE, "%s: %s '%s': too many fields", what, flag, cli->value[i]);
        if (*rc)
            break;
    }
    char *out = NULL;
    if (!*rc && json_array_size (a))
        out = json_dumps (a, JSON_COMPACT);
    json_decref (a);
    return out;
}

int cli_bid_list_flag (const cli_t *cli, const char *what, const char *flag, const char *jsonflag,
                       const char *key, const char *const *keys, cli_req_t *r, char **owned)
{
    int rc;
    *owned = cli_bid_list (cli, what, flag, keys, &rc);
    if (rc)
        return rc;
    const char *js = cli_flag (cli, jsonflag);
    if (js && *owned)
        return cli_fail (CLI_USAGE, "%s: give %s or %s, not both", what, flag, jsonflag);
    if (!js && !*owned)
        return cli_fail (CLI_USAGE, "%s: missing %s (or %s)", what, flag, jsonflag);
    cli_req_add (r, key, js ? js : *owned, CLI_F_JSON);
    return 0;
}

/*  Send v's command with r (pre-filled) plus flags and positionals. */
int cli_bid_run (cli_t *cli, const char *noun, const cli_bid_verb_t *v, cli_req_t *r)
{
    char what[64], bp[24];
    snprintf (what, sizeof what, "%s %s%s%s", noun, v->verb, v->sub ? " " : "",
              v->sub ? v->sub : "");
    int base = v->sub ? 1 : 0, npos = 0, rc;
    if ((rc = cli_need_arg (cli, base, what, "ID")))
        return rc;
    for (; npos < 3 && v->pos[npos]; npos++)
        if ((rc = cli_need_arg (cli, base + 1 + npos, what, v->posname[npos])))
            return rc;
    if (cli->nargs > base + 1 + npos)
        return cli_fail (CLI_USAGE, "%s: unexpected argument '%s' (quote a text with spaces)", what,
                         cli->args[base + 1 + npos]);
    if ((v->need && (rc = cli_need_flag (cli, what, v->need))) ||
        (rc = cli_req_flags (cli, what, v->flags, r)))
        return rc;
    const char *pct = cli_flag (cli, "--discount");
    if (pct) {
        if (cli_flag (cli, "--discount-bp"))
            return cli_fail (CLI_USAGE, "%s: give --discount or --discount-bp, not both", what);
        if (cli_bid_pct (pct, bp, sizeof bp))
            return cli_fail (CLI_USAGE, "%s: --discount '%s': a percentage 0..100 (e.g. 15, 12.5)",
                             what, pct);
        cli_req_add (r, "discount_bp", bp, CLI_F_INT);
    }
    cli_req_add (r, "id", cli->args[base], CLI_F_STR);
    for (int i = 0; i < npos; i++) {
        int64_t n;
        if (v->poskind[i] == CLI_F_INT &&
            (rc = cli_int_arg (what, v->pos[i], v->posname[i], cli->args[base + 1 + i], false, &n)))
            return rc;
        cli_req_add (r, v->pos[i], cli->args[base + 1 + i], v->poskind[i]);
    }
    dbk_doc_t *reply;
    if ((rc = cli_svc_call (cli, what, v->op, true, r, &reply)))
        return rc;
    uint64_t events = 0;
    dbk_obj_u64 (dbk_obj_get (dbk_doc_root (reply), "events"), &events);
    char line[300];
    snprintf (line, sizeof line, "%s %.80s %s", noun, cli->args[base],
              events ? v->done : "unchanged");
    return cli_svc_print (cli, reply, line);
}

int cli_bid_dispatch (cli_t *cli, const char *noun, const char *verb, const cli_bid_verb_t *table)
{
    bool known = false;
    for (const cli_bid_verb_t *v = table; v->verb; v++) {
        if (strcmp (v->verb, verb) != 0)
            continue;
        known = true;
        if (!v->sub || (cli->nargs > 0 && strcmp (cli->args[0], v->sub) == 0)) {
            cli_req_t r = CLI_BID_REQ (cli);
            return cli_bid_run (cli, noun, v, &r);
        }
    }
    if (known)
        return cli_fail (CLI_USAGE,
                         "%s %s: unknown or missing sub-verb '%s' (see dealbook help %s)", noun,
                         verb, cli->nargs ? cli->args[0] : "", noun);
    return -1;
}

/*  ---- tender ---- */

void cli_tender_help (void)
{
    printf ("usage: dealbook tender <verb> ...      (alias: dealbook bid <verb>)\n\n"
            "Money is integer minor units (fen, cents: 850000.00 CNY is 85000000), in\n"
            "and out. Dates are YYYY-MM-DD. Date flags: --notice-date\n"
            "--prequalification-date --document-sale-date --site-visit-date\n"
            "--clarification-deadline --submission-deadline --opening-date (in that order).\n\n"
            "  open OPP --number N --issuer I --type T --currency C [--title T]\n"
            "      [--account ID] [--envelopes 1|2] [--bond-required MINOR] [date flags]\n"
            "      [--id ID]     types: public invited competitive_negotiation single_source\n"
            "      example: dealbook tender open OPP --number SZMC-016 --issuer 深圳地铁\n"
            "               --type public --currency CNY --bond-required 1000000\n"
            "               --submission-deadline 2099-03-01 --opening-date 2099-03-02\n"
            "  show ID          fields, key dates, parts, clarifications, bond, bidders,\n"
            "                   result and timeline\n"
            "  list [--opp OPP] [--limit N] [--after CURSOR]\n"
            "  dates ID [date flags]                  set or move key dates\n"
            "  step ID STEP [--date D]\n"
            "      steps in order: notice prequalification (optional) documents_issued\n"
            "      site_visit (optional) submission opening evaluation (optional) award\n"
            "      contract; submission, opening and award by submit, opening and award\n"
            "      example: dealbook tender step T documents_issued\n"
            "  clarify ID QUESTION                    ask the tenderer (答疑)\n"
            "  answer ID NO ANSWER [--date D]         record the answer to question NO\n"
            "                                         (given on D; default: the business date)\n"
            "  bond ID AMOUNT [--date D] [--form F]   the bid bond is out\n"
            "  bond-return ID [--date D] [--note N]\n"
            "  decide ID bid|no_bid --reason R\n"
            "  part ID PART --owner O [--due D]       parts: commercial technical price\n"
            "                                         samples\n"
            "  part-status ID PART not_started|in_progress|ready\n"
            "  submit ID QUOTE [--date D]             the approved quote; every required\n"
            "                                         part ready, the bond out\n"
            "  opening ID (or: result ID) --bidder NAME:PRICE:RANK[:us] ... [--envelope\n"
            "      single|technical|price]\n"
            "      [--date D]            (--bidder repeated; or --bidders-json '[{\"bidder\":\n"
            "      \"X\",\"price\":1,\"rank\":1,\"us\":true}]'; the technical envelope: NAME)\n"
            "      example: dealbook tender opening T --bidder Philips:82000000:1\n"
            "               --bidder us:85000000:2:us --bidder OPPLE:90000000:3\n"
            "  award ID won --date D [--amount MINOR] [--reason R]\n"
            "  award ID lost --date D --winner W --reason R [--winning-price MINOR]\n"
            "      --date of step, answer, bond, bond-return, submit, opening and award:\n"
            "      the day it happened, not after --on (the key dates and --due are\n"
            "      plans, and may lie ahead); award not before the deal's registration\n"
            "  deadlines [--days N] [--as-of D] [--owner O]  submission deadlines ahead\n"
            "                                         (default 14 days), soonest first\n"
            "  intel COMPETITOR                       = dealbook intel price COMPETITOR\n"
            "  winrate                                = dealbook intel winrate\n"
            "  history ID                             every event of the tender, from the log\n\n"
            "  --bidding-endpoint EP (DEALBOOK_BIDDING_ENDPOINT), --actor WHO, --json;\n"
            "  every command takes --on YYYY-MM-DD: the business date it states, for\n"
            "  history entered after the fact (default today, DEALBOOK_TIMEZONE); from\n"
            "  1970-01-01, and not before the registration of the tender's deal\n"
            "  (register an old deal with its own --on first)\n");
}

void cli_intel_help (void)
{
    printf ("usage: dealbook intel <verb> ...\n\n"
            "  price COMPETITOR   every opening where its price and ours were read out,\n"
            "                     ratio theirs / ours in per mille (‰), and a summary\n"
            "      example: dealbook intel price Philips\n"
            "  winrate            tenders won and lost by tender type\n\n"
            "  --bidding-endpoint EP (DEALBOOK_BIDDING_ENDPOINT), --json\n");
}

#define S_DATE_FLAGS                                                                               \
    {"--notice-date", "notice_date", CLI_F_STR},                                                   \
        {"--prequalification-date", "prequalification_date", CLI_F_STR},                           \
        {"--document-sale-date", "document_sale_date", CLI_F_STR},                                 \
        {"--site-visit-date", "site_visit_date", CLI_F_STR},                                       \
        {"--clarification-deadline", "clarification_deadline", CLI_F_STR},                         \
        {"--submission-deadline", "submission_deadline", CLI_F_STR},                               \
    {                                                                                              \
        "--opening-date", "opening_date", CLI_F_STR                                                \
    }

static const cli_flagdef_t f_dates[] = {S_DATE_FLAGS, CLI_CMD_FLAGS, CLI_BID_END};
static const cli_flagdef_t f_date[] = {{"--date", "date", CLI_F_STR}, CLI_CMD_FLAGS, CLI_BID_END};
static const cli_flagdef_t f_none[] = {CLI_CMD_FLAGS, CLI_BID_END};
static const cli_flagdef_t f_bond[] = {
    {"--date", "date", CLI_F_STR}, {"--form", "form", CLI_F_STR}, CLI_CMD_FLAGS, CLI_BID_END};
static const cli_flagdef_t f_bond_back[] = {
    {"--date", "date", CLI_F_STR}, {"--note", "note", CLI_F_STR}, CLI_CMD_FLAGS, CLI_BID_END};
static const cli_flagdef_t f_reason[] = {
    {"--reason", "reason", CLI_F_STR}, CLI_CMD_FLAGS, CLI_BID_END};
static const cli_flagdef_t f_part[] = {
    {"--owner", "owner", CLI_F_STR}, {"--due", "due", CLI_F_STR}, CLI_CMD_FLAGS, CLI_BID_END};
static const cli_flagdef_t f_opening[] = {{"--bidder", NULL, CLI_F_LIST},
                                          {"--bidders-json", NULL, CLI_F_STR},
                                          {"--envelope", "envelope", CLI_F_STR},
                                          {"--date", "date", CLI_F_STR},
                                          CLI_CMD_FLAGS,
                                          CLI_BID_END};
static const cli_flagdef_t f_award[] = {{"--date", "date", CLI_F_STR},
                                        {"--amount", "amount", CLI_F_INT},
                                        {"--reason", "reason", CLI_F_STR},
                                        {"--winner", "winner", CLI_F_STR},
                                        {"--winning-price", "winning_price", CLI_F_INT},
                                        CLI_CMD_FLAGS,
                                        CLI_BID_END};

static const char *const n_reason[] = {"--reason", NULL};
static const char *const n_owner[] = {"--owner", NULL};
static const char *const n_date[] = {"--date", NULL};

#define S_S CLI_F_STR
#define S_I CLI_F_INT

static const cli_bid_verb_t s_verbs[] = {
    {"dates", NULL, "TENDER_DATES", {NULL}, {NULL}, {S_S}, NULL, f_dates, "dates set"},
    {"step", NULL, "TENDER_STEP", {"step"}, {"STEP"}, {S_S}, NULL, f_date, "step reached"},
    {"clarify",
     NULL,
     "TENDER_ASK",
     {"question"},
     {"QUESTION"},
     {S_S},
     NULL,
     f_none,
     "question asked"},
    {"answer",
     NULL,
     "TENDER_ANSWER",
     {"no", "answer"},
     {"NO", "ANSWER"},
     {S_I, S_S},
     NULL,
     f_date,
     "answer recorded"},
    {"bond", NULL, "TENDER_BOND", {"amount"}, {"AMOUNT"}, {S_I}, NULL, f_bond, "bond issued"},
    {"bond-return",
     NULL,
     "TENDER_BOND_RETURN",
     {NULL},
     {NULL},
     {S_S},
     NULL,
     f_bond_back,
     "bond returned"},
    {"decide",
     NULL,
     "TENDER_DECIDE",
     {"decision"},
     {"DECISION"},
     {S_S},
     n_reason,
     f_reason,
     "decided"},
    {"part", NULL, "TENDER_PART", {"part"}, {"PART"}, {S_S}, n_owner, f_part, "part assigned"},
    {"part-status",
     NULL,
     "TENDER_PART_STATUS",
     {"part", "status"},
     {"PART", "STATUS"},
     {S_S, S_S},
     NULL,
     f_none,
     "part status set"},
    {"submit", NULL, "TENDER_SUBMIT", {"quote_id"}, {"QUOTE"}, {S_S}, NULL, f_date, "submitted"},
    {"award", NULL, "TENDER_AWARD", {"result"}, {"RESULT"}, {S_S}, n_date, f_award, "awarded"},
    {NULL, NULL, NULL, {NULL}, {NULL}, {S_S}, NULL, NULL, NULL}};

static const cli_flagdef_t s_open_flags[] = {{"--number", "number", CLI_F_STR},
                                             {"--issuer", "issuer", CLI_F_STR},
                                             {"--type", "type", CLI_F_STR},
                                             {"--currency", "currency", CLI_F_STR},
                                             {"--title", "title", CLI_F_STR},
                                             {"--account", "account_id", CLI_F_STR},
                                             {"--envelopes", "envelopes", CLI_F_INT},
                                             {"--bond-required", "bond_required", CLI_F_INT},
                                             S_DATE_FLAGS,
                                             {"--id", NULL, CLI_F_STR},
                                             CLI_CMD_FLAGS,
                                             CLI_BID_END};

static int s_open (cli_t *cli)
{
    static const char *const need[] = {"--number", "--issuer", "--type", "--currency", NULL};
    const char *what = "tender open";
    cli_req_t r = CLI_BID_REQ (cli);
    int rc;
    if ((rc = cli_need_arg (cli, 0, what, "OPP")) || (rc = cli_need_flag (cli, what, need)) ||
        (rc = cli_req_flags (cli, what, s_open_flags, &r)))
        return rc;
    if (cli->nargs > 1)
        return cli_fail (CLI_USAGE, "%s: unexpected argument '%s'", what, cli->args[1]);
    cli_req_add (&r, "opportunity_id", cli->args[0], CLI_F_STR);
    return cli_create (cli, what, "TENDER_OPEN", &r, "tender");
}

static int s_opening (cli_t *cli)
{
    static const char *const keys[] = {"bidder", "#price", "#rank", "?us", NULL};
    static const cli_bid_verb_t v = {"opening", NULL,      "TENDER_OPENING",  {NULL}, {NULL}, {S_S},
                                     NULL,      f_opening, "opening recorded"};
    cli_req_t r = CLI_BID_REQ (cli);
    char *owned = NULL;
    int rc = cli_bid_list_flag (cli, "tender opening", "--bidder", "--bidders-json", "bidders",
                                keys, &r, &owned);
    if (!rc)
        rc = cli_bid_run (cli, "tender", &v, &r);
    free (owned);
    return rc;
}

/*  "label  value" for each key of m that is set (numbers: not 0). */
static void s_fields (const dbk_obj_t *m, const char *const (*rows)[2], size_t n)
{
    char v[2048];
    for (size_t i = 0; i < n; i++)
        if (*cli_bid_val (m, rows[i][1], v, sizeof v) && strcmp (v, "0") != 0)
            printf ("%-15s %s\n", rows[i][0], v);
}

static void s_tender_show (const dbk_obj_t *root)
{
    static const char *const rows[][2] = {
        {"id", "id"},
        {"number", "number"},
        {"title", "title"},
        {"issuer", "issuer"},
        {"type", "type"},
        {"opportunity", "opportunity_id"},
        {"owner", "owner"},
        {"currency", "currency"},
        {"step", "step"},
        {"step reached", "step_on"},
        {"decision", "decision"},
        {"quote", "quote_id"},
        {"submitted on", "submitted_on"},
        {"bid amount", "bid_amount"},
        {"our rank", "our_rank"},
    };
    char b[4096], c[4096], d[64];
    s_fields (root, rows, sizeof rows / sizeof rows[0]);
    const dbk_obj_t *q = dbk_obj_get (root, "quote");
    if (dbk_obj_type (q) == DBK_T_MAP) {
        char cur[16];
        printf ("%-15s %s %s, total %s %s\n", "quote status", cli_bid_val (q, "id", b, sizeof b),
                cli_bid_val (q, "status", c, sizeof c), cli_bid_val (q, "total", d, sizeof d),
                cli_bid_val (root, "currency", cur, sizeof cur));
    }

    const dbk_obj_t *dates = dbk_obj_get (root, "dates");
    printf ("\nKEY DATES%s\n", dbk_obj_len (dates) ? "" : ": none set");
    for (size_t i = 0; i < dbk_obj_len (dates); i++) {
        const char *k, *v;
        size_t kn, vn;
        if (!dbk_obj_str (dbk_obj_key_at (dates, i), &k, &kn) &&
            !dbk_obj_str (dbk_obj_val_at (dates, i), &v, &vn))
            printf ("  %-24.*s %.*s\n", (int) kn, k, (int) vn, v);
    }

    const dbk_obj_t *parts = dbk_obj_get (root, "parts");
    printf ("\nBID DOCUMENT PARTS%s\n", dbk_obj_len (parts) ? "" : ": none assigned");
    if (dbk_obj_len (parts)) {
        static const char *const keys[] = {"part", "owner", "due", "status"};
        static const char *const heads[] = {"PART", "OWNER", "DUE", "STATUS"};
        cli_bid_table (parts, keys, heads, 4);
    }

    const dbk_obj_t *cl = dbk_obj_get (root, "clarifications");
    printf ("\nCLARIFICATIONS%s\n", dbk_obj_len (cl) ? "" : ": none");
    for (size_t i = 0; i < dbk_obj_len (cl); i++) {
        const dbk_obj_t *m = dbk_obj_at (cl, i);
        char no[16], on[16];
        printf ("  #%s %s  Q: %s\n", cli_bid_val (m, "no", no, sizeof no),
                cli_bid_val (m, "asked_on", on, sizeof on),
                cli_bid_val (m, "question", b, sizeof b));
        if (*cli_bid_val (m, "answer", b, sizeof b))
            printf ("     %s  A: %s\n", cli_bid_val (m, "answered_on", on, sizeof on), b);
        else
            printf ("     (not answered)\n");
    }

    const dbk_obj_t *bond = dbk_obj_get (root, "bond");
    char req[32], amt[32], iss[16], ret[16];
    cli_bid_val (bond, "required", req, sizeof req);
    cli_bid_val (bond, "amount", amt, sizeof amt);
    cli_bid_val (bond, "issued_on", iss, sizeof iss);
    cli_bid_val (bond, "returned_on", ret, sizeof ret);
    printf ("\nBID BOND: required %s", *req && strcmp (req, "0") ? req : "none");
    if (*amt && strcmp (amt, "0"))
        printf (", %s out%s%s", amt, *iss ? " since " : "", iss);
    if (*ret)
        printf (", returned %s", ret);
    printf ("\n");

    const dbk_obj_t *bidders = dbk_obj_get (root, "bidders");
    char tech_on[16], prices_on[16];
    cli_bid_val (root, "technical_on", tech_on, sizeof tech_on);
    cli_bid_val (root, "prices_on", prices_on, sizeof prices_on);
    printf ("\nOPENING%s", dbk_obj_len (bidders) ? " (prices in minor units)" : ": not yet");
    if (*tech_on)
        printf (", technical envelope opened %s", tech_on);
    if (*prices_on)
        printf (", prices read out %s", prices_on);
    printf ("\n");
    if (dbk_obj_len (bidders)) {
        static const char *const keys[] = {"bidder", "price", "rank", "us"};
        static const char *const heads[] = {"BIDDER", "PRICE", "RANK", "US"};
        cli_bid_table (bidders, keys, heads, 4);
    }

    printf ("\nRESULT: %s", *cli_bid_val (root, "result", b, sizeof b) ? b : "not awarded");
    if (*cli_bid_val (root, "award_date", c, sizeof c))
        printf (" on %s", c);
    printf ("\n\nTIMELINE\n");
    cli_bid_timeline (dbk_obj_get (root, "timeline"));
}

static int s_show (cli_t *cli)
{
    static const cli_flagdef_t flags[] = {CLI_BID_END};
    cli_req_t r = CLI_BID_REQ (cli);
    dbk_doc_t *reply;
    int rc;
    if ((rc = cli_need_arg (cli, 0, "tender show", "ID")) ||
        (rc = cli_req_flags (cli, "tender show", flags, &r)))
        return rc;
    cli_req_add (&r, "id", cli->args[0], CLI_F_STR);
    if ((rc = cli_svc_call (cli, "tender show", "TENDER_GET", false, &r, &reply)))
        return rc;
    if (!cli->json)
        s_tender_show (dbk_doc_root (reply));
    return cli_svc_print (cli, reply, NULL);
}

/*  tender list / tender deadlines */
static int s_list (cli_t *cli, bool deadlines)
{
    static const cli_flagdef_t lflags[] = {{"--opp", "opportunity_id", CLI_F_STR},
                                           {"--limit", "limit", CLI_F_INT},
                                           {"--after", "after", CLI_F_STR},
                                           CLI_BID_END};
    static const cli_flagdef_t dflags[] = {{"--days", "days", CLI_F_INT},
                                           {"--as-of", "as_of", CLI_F_STR},
                                           {"--owner", "owner", CLI_F_STR},
                                           CLI_BID_END};
    const char *what = deadlines ? "tender deadlines" : "tender list";
    cli_req_t r = CLI_BID_REQ (cli);
    dbk_doc_t *reply;
    int rc;
    if ((rc = cli_req_flags (cli, what, deadlines ? dflags : lflags, &r)) ||
        (rc = cli_svc_call (cli, what, deadlines ? "TENDER_DEADLINES" : "TENDER_LIST", false, &r,
                            &reply)))
        return rc;
    if (!cli->json) {
        static const char *const keys[] = {"id",   "number",   "opportunity_id",      "owner",
                                           "step", "decision", "submission_deadline", "result"};
        static const char *const heads[] = {"ID",   "NUMBER",   "OPPORTUNITY", "OWNER",
                                            "STEP", "DECISION", "DEADLINE",    "RESULT"};
        static const char *const dkeys[] = {
            "days_left", "submission_deadline", "id", "number", "owner", "step", "decision"};
        static const char *const dheads[] = {"DAYS",  "DEADLINE", "ID",      "NUMBER",
                                             "OWNER", "STEP",     "DECISION"};
        const dbk_obj_t *t = dbk_obj_get (dbk_doc_root (reply), "tenders");
        if (!dbk_obj_len (t))
            printf (deadlines ? "no submission deadline in the window\n" : "no tender\n");
        else if (deadlines)
            cli_bid_table (t, dkeys, dheads, 7);
        else
            cli_bid_table (t, keys, heads, 8);
        if (!deadlines)
            cli_next_hint (cli, dbk_doc_root (reply));
    }
    return cli_svc_print (cli, reply, NULL);
}

/*  ---- intel ---- */

static int s_price (cli_t *cli, const char *what)
{
    static const cli_flagdef_t flags[] = {CLI_BID_END};
    cli_req_t r = CLI_BID_REQ (cli);
    dbk_doc_t *reply;
    int rc;
    if ((rc = cli_need_arg (cli, 0, what, "COMPETITOR")) ||
        (rc = cli_req_flags (cli, what, flags, &r)))
        return rc;
    cli_req_add (&r, "competitor", cli->args[0], CLI_F_STR);
    if ((rc = cli_svc_call (cli, what, "PRICE_INTEL", false, &r, &reply)))
        return rc;
    if (!cli->json) {
        static const char *const keys[] = {"date", "tender_id", "bidder",   "price",
                                           "rank", "our_price", "our_rank", "ratio_pm"};
        static const char *const heads[] = {"DATE", "TENDER",    "BIDDER",   "PRICE",
                                            "RANK", "OUR PRICE", "OUR RANK", "‰ OF OURS"};
        const dbk_obj_t *root = dbk_doc_root (reply), *sum = dbk_obj_get (root, "summary");
        const dbk_obj_t *o = dbk_obj_get (root, "openings");
        char name[300], n[24], ch[24], avg[24];
        printf ("price intelligence on %s (prices in minor units)\n\n",
                cli_bid_val (root, "competitor", name, sizeof name));
        if (dbk_obj_len (o))
            cli_bid_table (o, keys, heads, 8);
        printf ("%sopenings %s, cheaper than us %s, average price %s‰ of ours\n",
                dbk_obj_len (o) ? "\n" : "", cli_bid_val (sum, "openings", n, sizeof n),
                cli_bid_val (sum, "cheaper", ch, sizeof ch),
                cli_bid_val (sum, "average_ratio_pm", avg, sizeof avg));
    }
    return cli_svc_print (cli, reply, NULL);
}

static int s_winrate (cli_t *cli, const char *what)
{
    static const cli_flagdef_t flags[] = {CLI_BID_END};
    cli_req_t r = CLI_BID_REQ (cli);
    dbk_doc_t *reply;
    int rc;
    if ((rc = cli_req_flags (cli, what, flags, &r)) ||
        (rc = cli_svc_call (cli, what, "WIN_RATE", false, &r, &reply)))
        return rc;
    if (!cli->json) {
        static const char *const keys[] = {"type", "won", "lost", "rate_pct"};
        static const char *const heads[] = {"TYPE", "WON", "LOST", "RATE %"};
        const dbk_obj_t *t = dbk_obj_get (dbk_doc_root (reply), "types");
        if (dbk_obj_len (t))
            cli_bid_table (t, keys, heads, 4);
        else
            printf ("no tender awarded yet\n");
    }
    return cli_svc_print (cli, reply, NULL);
}

int cli_intel (cli_t *cli, const char *verb)
{
    if (cli->help || !verb)
        return cli_help_or_usage (cli, cli_intel_help,
                                  "intel: give a verb (dealbook help intel lists them)");
    if (strcmp (verb, "price") == 0)
        return s_price (cli, "intel price");
    if (strcmp (verb, "winrate") == 0 || strcmp (verb, "win-rate") == 0)
        return s_winrate (cli, "intel winrate");
    return cli_fail (CLI_USAGE, "unknown verb 'intel %s' (try: dealbook help intel)", verb);
}

int cli_tender (cli_t *cli, const char *verb)
{
    if (cli->help || !verb)
        return cli_help_or_usage (cli, cli_tender_help,
                                  "tender: give a verb (dealbook help tender lists them)");
    if (strcmp (verb, "open") == 0)
        return s_open (cli);
    if (strcmp (verb, "show") == 0)
        return s_show (cli);
    if (strcmp (verb, "list") == 0)
        return s_list (cli, false);
    if (strcmp (verb, "deadlines") == 0)
        return s_list (cli, true);
    if (strcmp (verb, "opening") == 0 || strcmp (verb, "result") == 0) /* bid result */
        return s_opening (cli);
    if (strcmp (verb, "intel") == 0)
        return s_price (cli, "tender intel");
    if (strcmp (verb, "winrate") == 0 || strcmp (verb, "win-rate") == 0)
        return s_winrate (cli, "tender winrate");
    if (strcmp (verb, "history") == 0)
        return cli_history (cli, "tender", "tender");
    int rc = cli_bid_dispatch (cli, "tender", verb, s_verbs);
    if (rc >= 0)
        return rc;
    return cli_fail (CLI_USAGE, "unknown verb 'tender %s' (try: dealbook help tender)", verb);
}
