/*  cli_contract.c - dealbook quote <verb> and dealbook contract <verb>:
    priced quotes and their pricing approval, signed contracts, their
    milestones, invoices, payments and receivables, talking to the
    bidding service (docs/protocol.md §16.3). */
#include "cli_bid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  ---- quote ---- */

void cli_quote_help (void)
{
    printf ("usage: dealbook quote <verb> ...\n\n"
            "Money is integer minor units (fen, cents: 50.00 is 5000), in and out.\n"
            "Discounts: --discount PERCENT (15, 12.5) or --discount-bp BASIS_POINTS (1500).\n"
            "Prices are per unit: the unit price is rounded to the minor unit, and approval\n"
            "follows the discount it gives (EFF %%): 333 at 20%% is 266, 20.13%% off; 3 at\n"
            "10%% stays 3, 0%% off.\n"
            "Approval authority: DEALBOOK_DIRECTORS any discount, DEALBOOK_MANAGERS up to\n"
            "20%%, anyone else up to 10%% (give the approver with --actor).\n\n"
            "  create TENDER --currency C [--title T] [--id ID]     prints the quote's id\n"
            "      example: dealbook quote create T --currency CNY\n"
            "  line add ID --product CODE --qty N --list-price MINOR [--discount PCT]\n"
            "      [--discount-bp BP] [--cost MINOR] [--description D]\n"
            "      example: dealbook quote line add Q --product LED-T8-18W --qty 20000\n"
            "               --list-price 5000 --discount 15 --cost 2800\n"
            "  line change ID LINE [the flags of add]   (unchanged fields are kept)\n"
            "  line remove ID LINE\n"
            "      a change to a submitted or approved quote sends it back to draft\n"
            "  submit ID [--note N]                     ask for the approval its deepest\n"
            "                                           effective discount needs\n"
            "  approve ID [--note N]                    example: dealbook quote approve Q "
            "--actor mgr\n"
            "  reject ID --reason R\n"
            "  changes ID --note N                      request changes: a draft again\n"
            "      once its tender is awarded a quote is the history of its bid: only\n"
            "      reject (of a quote still pending) goes in\n"
            "  show ID                                  lines, totals, margin and approval\n"
            "  pending [--level salesperson|manager|director]   quotes awaiting approval\n"
            "  history ID                               every event of the quote, from the log\n\n"
            "  --bidding-endpoint EP (DEALBOOK_BIDDING_ENDPOINT), --actor WHO, --json;\n"
            "  every command takes --on YYYY-MM-DD: the business date it states, for\n"
            "  history entered after the fact (default today, DEALBOOK_TIMEZONE); from\n"
            "  1970-01-01, and not before the registration of its tender's deal\n");
}

#define S_S CLI_F_STR
#define S_I CLI_F_INT

static const cli_flagdef_t f_line[] = {{"--product", "product_code", CLI_F_STR},
                                       {"--qty", "quantity", CLI_F_INT},
                                       {"--list-price", "list_price", CLI_F_INT},
                                       {"--discount", NULL, CLI_F_STR},
                                       {"--discount-bp", "discount_bp", CLI_F_INT},
                                       {"--cost", "cost_price", CLI_F_INT},
                                       {"--description", "description", CLI_F_STR},
                                       CLI_CMD_FLAGS,
                                       CLI_BID_END};
static const cli_flagdef_t f_none[] = {CLI_CMD_FLAGS, CLI_BID_END};
static const cli_flagdef_t f_note[] = {{"--note", "note", CLI_F_STR}, CLI_CMD_FLAGS, CLI_BID_END};
static const cli_flagdef_t f_reason[] = {
    {"--reason", "reason", CLI_F_STR}, CLI_CMD_FLAGS, CLI_BID_END};
static const char *const n_line[] = {"--product", "--qty", "--list-price", NULL};
static const char *const n_note[] = {"--note", NULL};
static const char *const n_reason[] = {"--reason", NULL};

static const cli_bid_verb_t s_quote_verbs[] = {
    {"line", "add", "QUOTE_LINE_ADD", {NULL}, {NULL}, {S_S}, n_line, f_line, "line added"},
    {"line",
     "remove",
     "QUOTE_LINE_REMOVE",
     {"line"},
     {"LINE"},
     {S_I},
     NULL,
     f_none,
     "line removed"},
    {"submit", NULL, "QUOTE_SUBMIT", {NULL}, {NULL}, {S_S}, NULL, f_note, "submitted for approval"},
    {"approve", NULL, "QUOTE_APPROVE", {NULL}, {NULL}, {S_S}, NULL, f_note, "approved"},
    {"reject", NULL, "QUOTE_REJECT", {NULL}, {NULL}, {S_S}, n_reason, f_reason, "rejected"},
    {"changes", NULL, "QUOTE_CHANGES", {NULL}, {NULL}, {S_S}, n_note, f_note, "changes requested"},
    {NULL, NULL, NULL, {NULL}, {NULL}, {S_S}, NULL, NULL, NULL}};

static int s_get (cli_t *cli, const char *what, const char *op, const char *id, const char *as_of,
                  dbk_doc_t **reply)
{
    cli_req_t r = CLI_BID_REQ (cli);
    cli_req_add (&r, "id", id, CLI_F_STR);
    if (as_of)
        cli_req_add (&r, "as_of", as_of, CLI_F_STR);
    return cli_svc_call (cli, what, op, false, &r, reply);
}

/*  quote line change ID LINE [flags]: the fields not given are the
    line's current ones (the service replaces the whole line). */
static int s_line_change (cli_t *cli)
{
    static const cli_bid_verb_t v = {"line",   "change", "QUOTE_LINE_CHANGE",
                                     {"line"}, {"LINE"}, {S_I},
                                     NULL,     f_line,   "line changed"};
    static const char *const keep[][3] = {
        {"--product", NULL, "product_code"},  {"--qty", NULL, "quantity"},
        {"--list-price", NULL, "list_price"}, {"--discount", "--discount-bp", "discount_bp"},
        {"--cost", NULL, "cost_price"},       {"--description", NULL, "description"}};
    cli_req_t r = CLI_BID_REQ (cli);
    char vals[6][1024], no[24];
    dbk_doc_t *reply = NULL;
    int rc;
    if ((rc = cli_need_arg (cli, 1, "quote line change", "ID")) ||
        (rc = cli_need_arg (cli, 2, "quote line change", "LINE")))
        return rc;
    if ((rc = s_get (cli, "quote line change", "QUOTE_GET", cli->args[1], NULL, &reply)))
        return rc;
    const dbk_obj_t *lines = cli_bid_array (dbk_doc_root (reply), "lines");
    bool found = false;
    for (size_t i = 0; i < dbk_obj_len (lines); i++) {
        const dbk_obj_t *l = dbk_obj_at (lines, i);
        if (strcmp (cli_bid_val (l, "line", no, sizeof no), cli->args[2]) != 0)
            continue;
        found = true;
        for (int k = 0; k < 6; k++) {
            if (cli_flag (cli, keep[k][0]) || (keep[k][1] && cli_flag (cli, keep[k][1])))
                continue;
            const dbk_obj_t *o = dbk_obj_get (l, keep[k][2]);
            if (!o || dbk_obj_type (o) == DBK_T_NIL)
                continue;
            cli_bid_val (l, keep[k][2], vals[k], sizeof vals[k]);
            cli_req_add (&r, keep[k][2], vals[k],
                         dbk_obj_type (o) == DBK_T_STR ? CLI_F_STR : CLI_F_INT);
        }
    }
    /*  else the service would say the first field it misses is required */
    rc = found ? cli_bid_run (cli, "quote", &v, &r)
               : cli_fail (CLI_REJECTED, "quote line change: quote %s has no line %s", cli->args[1],
                           cli->args[2]);
    dbk_doc_destroy (&reply);
    return rc;
}

static void s_quote_show (const dbk_obj_t *root)
{
    static const char *const rows[][2] = {
        {"id", "id"},         {"tender", "tender_id"},
        {"title", "title"},   {"currency", "currency"},
        {"status", "status"}, {"revision", "revision"},
    };
    char b[1024], c[64], d[64];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (*cli_bid_val (root, rows[i][1], b, sizeof b))
            printf ("%-16s %s\n", rows[i][0], b);
    const dbk_obj_t *lines = cli_bid_array (root, "lines");
    printf ("\nLINES%s\n", dbk_obj_len (lines) ? " (money in minor units)" : ": none");
    if (dbk_obj_len (lines)) {
        static const char *const keys[] = {
            "line",       "product_code",          "quantity", "list_price", "discount_bp",
            "unit_price", "effective_discount_bp", "amount",   "cost_price"};
        static const char *const heads[] = {"LINE", "PRODUCT", "QTY",    "LIST", "DISC %",
                                            "UNIT", "EFF %",   "AMOUNT", "COST"};
        cli_bid_table (lines, keys, heads, 9);
    }
    const dbk_obj_t *t = dbk_obj_get (root, "totals");
    int64_t dbp = 0, mbp = 0, mx = 0, eff = -1;
    bool cost = false;
    dbk_obj_i64 (dbk_obj_get (t, "discount_bp"), &dbp);
    dbk_obj_i64 (dbk_obj_get (t, "margin_bp"), &mbp);
    dbk_obj_i64 (dbk_obj_get (t, "max_discount_bp"), &mx);
    dbk_obj_i64 (dbk_obj_get (t, "max_effective_discount_bp"), &eff);
    dbk_obj_bool (dbk_obj_get (t, "cost_known"), &cost);
    cli_bid_val (root, "currency", c, sizeof c);
    printf ("\nTOTALS (%s minor units)\n", c);
    printf ("  %-22s %s\n", "list total", cli_bid_val (t, "list_total", b, sizeof b));
    printf ("  %-22s %s\n", "total", cli_bid_val (t, "total", b, sizeof b));
    printf ("  %-22s %s%% (deepest line %s%%", "discount", cli_bid_bp (dbp, b, sizeof b),
            cli_bid_bp (mx, d, sizeof d));
    if (eff >= 0) /* an older service does not say */
        printf (", effective %s%%", cli_bid_bp (eff, d, sizeof d));
    printf (")\n");
    if (cost)
        printf ("  %-22s %s (%s%%)\n", "margin", cli_bid_val (t, "margin", b, sizeof b),
                cli_bid_bp (mbp, d, sizeof d));
    else
        printf ("  %-22s unknown (a line has no cost)\n", "margin");
    printf ("  %-22s %s\n", "status", cli_bid_val (root, "status", b, sizeof b));
    printf ("  %-22s %s\n", "approval level needed",
            *cli_bid_val (root, "required_level", b, sizeof b) ? b : "-");
    printf ("  %-22s %s\n", "approver", *cli_bid_val (root, "approver", b, sizeof b) ? b : "-");
    printf ("\nTIMELINE\n");
    cli_bid_timeline (dbk_obj_get (root, "timeline"));
}

static int s_show (cli_t *cli, const char *noun, const char *op, void (*print) (const dbk_obj_t *),
                   bool as_of)
{
    static const cli_flagdef_t none[] = {CLI_BID_END};
    static const cli_flagdef_t dated[] = {{"--as-of", "as_of", CLI_F_STR}, CLI_BID_END};
    char what[32];
    snprintf (what, sizeof what, "%s show", noun);
    cli_req_t r = CLI_BID_REQ (cli);
    dbk_doc_t *reply;
    int rc;
    if ((rc = cli_need_arg (cli, 0, what, "ID")) ||
        (rc = cli_req_flags (cli, what, as_of ? dated : none, &r)))
        return rc;
    cli_req_add (&r, "id", cli->args[0], CLI_F_STR);
    if ((rc = cli_svc_call (cli, what, op, false, &r, &reply)))
        return rc;
    if (!cli->json)
        print (dbk_doc_root (reply));
    return cli_svc_print (cli, reply, NULL);
}

static int s_pending (cli_t *cli)
{
    static const cli_flagdef_t flags[] = {{"--level", "level", CLI_F_STR}, CLI_BID_END};
    cli_req_t r = CLI_BID_REQ (cli);
    dbk_doc_t *reply;
    int rc;
    if ((rc = cli_req_flags (cli, "quote pending", flags, &r)) ||
        (rc = cli_svc_call (cli, "quote pending", "QUOTES_PENDING", false, &r, &reply)))
        return rc;
    if (!cli->json) {
        static const char *const keys[] = {"id",
                                           "tender_id",
                                           "currency",
                                           "total",
                                           "max_discount_bp",
                                           "max_effective_discount_bp",
                                           "required_level"};
        static const char *const heads[] = {"ID",     "TENDER", "CUR",  "TOTAL (minor)",
                                            "DISC %", "EFF %",  "LEVEL"};
        const dbk_obj_t *q = dbk_obj_get (dbk_doc_root (reply), "quotes");
        if (dbk_obj_len (q))
            cli_bid_table (q, keys, heads, 7);
        else
            printf ("no quote awaiting approval\n");
    }
    return cli_svc_print (cli, reply, NULL);
}

int cli_quote (cli_t *cli, const char *verb)
{
    static const cli_flagdef_t cflags[] = {{"--currency", "currency", CLI_F_STR},
                                           {"--title", "title", CLI_F_STR},
                                           {"--id", NULL, CLI_F_STR},
                                           CLI_CMD_FLAGS,
                                           CLI_BID_END};
    static const char *const cneed[] = {"--currency", NULL};
    if (cli->help || !verb)
        return cli_help_or_usage (cli, cli_quote_help,
                                  "quote: give a verb (dealbook help quote lists them)");
    if (strcmp (verb, "create") == 0) {
        cli_req_t r = CLI_BID_REQ (cli);
        int rc;
        if ((rc = cli_need_arg (cli, 0, "quote create", "TENDER")) ||
            (rc = cli_need_flag (cli, "quote create", cneed)) ||
            (rc = cli_req_flags (cli, "quote create", cflags, &r)))
            return rc;
        if (cli->nargs > 1)
            return cli_fail (CLI_USAGE, "quote create: unexpected argument '%s'", cli->args[1]);
        cli_req_add (&r, "tender_id", cli->args[0], CLI_F_STR);
        return cli_create (cli, "quote create", "QUOTE_CREATE", &r, "quote");
    }
    if (strcmp (verb, "show") == 0)
        return s_show (cli, "quote", "QUOTE_GET", s_quote_show, false);
    if (strcmp (verb, "pending") == 0)
        return s_pending (cli);
    if (strcmp (verb, "history") == 0)
        return cli_history (cli, "quote", "quote");
    if (strcmp (verb, "line") == 0 && cli->nargs > 0 && strcmp (cli->args[0], "change") == 0)
        return s_line_change (cli);
    int rc = cli_bid_dispatch (cli, "quote", verb, s_quote_verbs);
    if (rc >= 0)
        return rc;
    return cli_fail (CLI_USAGE, "unknown verb 'quote %s' (try: dealbook help quote)", verb);
}

/*  ---- contract ---- */

void cli_contract_help (void)
{
    printf (
        "usage: dealbook contract <verb> ...\n\n"
        "Money is integer minor units (fen, cents: 850000.00 is 85000000), in and out.\n\n"
        "  sign --number N --opp OPP --buyer ACCOUNT --seller S --scope S\n"
        "      --amount MINOR --currency C --signed-on D\n"
        "      --milestone KIND:AMOUNT[:DUE] ...   (repeated, in order; or\n"
        "      --milestones-json '[{\"kind\":\"advance\",\"amount\":1,\"due\":\"D\"}]')\n"
        "      [--tender T] [--delivery-date D] [--warranty-end D] [--penalties P]\n"
        "      [--payment-days N] [--amount-reason R] [--id ID]   prints its id\n"
        "      --amount: the tender's award's, or say in --amount-reason why the\n"
        "      contract differs from the award (negotiated after it)\n"
        "      kinds: advance delivery installation acceptance retention (its due is\n"
        "      the warranty end); the milestones add up to the amount\n"
        "      example: dealbook contract sign --number HT-016 --opp OPP --buyer A1\n"
        "               --seller 'Bright Lighting' --scope 'LED lighting' --amount 85000000\n"
        "               --currency CNY --signed-on 2026-04-01 --warranty-end 2028-06-01\n"
        "               --milestone advance:25500000:2026-04-10\n"
        "               --milestone delivery:51000000:2026-06-01 --milestone retention:8500000\n"
        "      --signed-on: the day it was signed, not after --on; the delivery, the\n"
        "      warranty end and the milestones' dues are plans, and may lie ahead\n"
        "  show ID [--as-of D]        terms, milestones and their receivable status,\n"
        "                             invoices, timeline\n"
        "  invoice ID INVOICE --milestone NO --amount MINOR [--date D]\n"
        "      example: dealbook contract invoice C INV-1 --milestone 1 --amount 25500000\n"
        "  payment ID --milestone NO --amount MINOR [--date D] [--invoice INVOICE]\n"
        "      never more than is left on the milestone\n"
        "      invoice and payment --date: the day it happened, not after --on, nor\n"
        "      before the contract's --signed-on\n"
        "  receivables [--owner O] [--as-of D]   per contract, with totals\n"
        "  history ID                 every event of the contract, from the log\n\n"
        "  --bidding-endpoint EP (DEALBOOK_BIDDING_ENDPOINT), --actor WHO, --json;\n"
        "  every command takes --on YYYY-MM-DD: the business date it states, for\n"
        "  history entered after the fact (default today, DEALBOOK_TIMEZONE); from\n"
        "  1970-01-01, and not before the registration of its deal\n");
}

static const cli_flagdef_t f_invoice[] = {{"--milestone", "milestone", CLI_F_INT},
                                          {"--amount", "amount", CLI_F_INT},
                                          {"--date", "date", CLI_F_STR},
                                          CLI_CMD_FLAGS,
                                          CLI_BID_END};
static const cli_flagdef_t f_payment[] = {{"--milestone", "milestone", CLI_F_INT},
                                          {"--amount", "amount", CLI_F_INT},
                                          {"--date", "date", CLI_F_STR},
                                          {"--invoice", "invoice", CLI_F_STR},
                                          CLI_CMD_FLAGS,
                                          CLI_BID_END};
static const char *const n_money[] = {"--milestone", "--amount", NULL};

static const cli_bid_verb_t s_contract_verbs[] = {
    {"invoice",
     NULL,
     "CONTRACT_INVOICE",
     {"invoice"},
     {"INVOICE"},
     {S_S},
     n_money,
     f_invoice,
     "invoiced"},
    {"payment",
     NULL,
     "CONTRACT_PAYMENT",
     {NULL},
     {NULL},
     {S_S},
     n_money,
     f_payment,
     "payment recorded"},
    {NULL, NULL, NULL, {NULL}, {NULL}, {S_S}, NULL, NULL, NULL}};

static const cli_flagdef_t s_sign_flags[] = {{"--number", "number", CLI_F_STR},
                                             {"--opp", "opportunity_id", CLI_F_STR},
                                             {"--buyer", "buyer_id", CLI_F_STR},
                                             {"--seller", "seller", CLI_F_STR},
                                             {"--scope", "scope", CLI_F_STR},
                                             {"--amount", "amount", CLI_F_INT},
                                             {"--currency", "currency", CLI_F_STR},
                                             {"--signed-on", "signed_on", CLI_F_STR},
                                             {"--milestone", NULL, CLI_F_LIST},
                                             {"--milestones-json", NULL, CLI_F_STR},
                                             {"--tender", "tender_id", CLI_F_STR},
                                             {"--delivery-date", "delivery_date", CLI_F_STR},
                                             {"--warranty-end", "warranty_end", CLI_F_STR},
                                             {"--penalties", "penalties", CLI_F_STR},
                                             {"--payment-days", "payment_days", CLI_F_INT},
                                             {"--amount-reason", "amount_reason", CLI_F_STR},
                                             {"--id", NULL, CLI_F_STR},
                                             CLI_CMD_FLAGS,
                                             CLI_BID_END};

static int s_sign (cli_t *cli)
{
    static const char *const need[] = {"--number",   "--opp",       "--buyer",
                                       "--seller",   "--scope",     "--amount",
                                       "--currency", "--signed-on", NULL};
    static const char *const keys[] = {"kind", "#amount", "due", NULL};
    const char *what = "contract sign";
    cli_req_t r = CLI_BID_REQ (cli);
    char *owned = NULL;
    int rc;
    if (cli->nargs)
        return cli_fail (CLI_USAGE, "%s: unexpected argument '%s' (every field is a flag)", what,
                         cli->args[0]);
    if ((rc = cli_need_flag (cli, what, need)) ||
        (rc = cli_req_flags (cli, what, s_sign_flags, &r)) ||
        (rc = cli_bid_list_flag (cli, what, "--milestone", "--milestones-json", "milestones", keys,
                                 &r, &owned)))
        return rc;
    rc = cli_create (cli, what, "CONTRACT_SIGN", &r, "contract");
    free (owned);
    return rc;
}

static void s_contract_show (const dbk_obj_t *root)
{
    static const char *const rows[][2] = {
        {"id", "id"},
        {"number", "number"},
        {"opportunity", "opportunity_id"},
        {"tender", "tender_id"},
        {"buyer", "buyer_id"},
        {"seller", "seller"},
        {"owner", "owner"},
        {"scope", "scope"},
        {"amount", "amount"},
        {"award amount", "award_amount"},
        {"amount reason", "amount_reason"},
        {"currency", "currency"},
        {"signed on", "signed_on"},
        {"delivery date", "delivery_date"},
        {"warranty end", "warranty_end"},
        {"payment days", "payment_days"},
        {"penalties", "penalties"},
        {"invoiced to date", "invoiced"},
        {"paid to date", "paid"},
    };
    static const char *const figs[][2] = {
        {"amount", "amount"},
        {"invoiced", "invoiced"},
        {"paid", "paid"},
        {"outstanding", "outstanding"},
        {"receivable", "receivable"},
        {"overdue", "overdue"},
        {"retention held", "retention_held"},
        {"upcoming", "upcoming"},
    };
    char b[4096], c[64];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (*cli_bid_val (root, rows[i][1], b, sizeof b))
            printf ("%-16s %s\n", rows[i][0], b);
    const dbk_obj_t *rc = dbk_obj_get (root, "receivables");
    printf ("\nRECEIVABLES as of %s (%s minor units)\n", cli_bid_val (root, "as_of", c, sizeof c),
            cli_bid_val (root, "currency", b, sizeof b));
    for (size_t i = 0; i < sizeof figs / sizeof figs[0]; i++)
        printf ("  %-16s %s\n", figs[i][0], cli_bid_val (rc, figs[i][1], b, sizeof b));
    static const char *const mkeys[] = {"no",   "kind",   "amount", "due",
                                        "paid", "unpaid", "status", "days_overdue"};
    static const char *const mheads[] = {"NO",   "KIND",   "AMOUNT", "DUE",
                                         "PAID", "UNPAID", "STATUS", "DAYS OVERDUE"};
    printf ("\nMILESTONES\n");
    cli_bid_table (dbk_obj_get (rc, "milestones"), mkeys, mheads, 8);
    const dbk_obj_t *inv = dbk_obj_get (root, "invoices");
    printf ("\nINVOICES (every one, to date)%s\n", dbk_obj_len (inv) ? "" : ": none");
    if (dbk_obj_len (inv)) {
        static const char *const keys[] = {"invoice", "milestone", "amount", "date"};
        static const char *const heads[] = {"INVOICE", "MILESTONE", "AMOUNT", "DATE"};
        cli_bid_table (inv, keys, heads, 4);
    }
    printf ("\nTIMELINE\n");
    cli_bid_timeline (dbk_obj_get (root, "timeline"));
}

/*  contract receivables: one row per contract and a total per currency,
    then the sums per owner (the service adds them up). */
static int s_receivables (cli_t *cli)
{
    static const cli_flagdef_t flags[] = {
        {"--owner", "owner", CLI_F_STR}, {"--as-of", "as_of", CLI_F_STR}, CLI_BID_END};
    static const char *const keys[] = {"id",   "number",      "currency", "amount",
                                       "paid", "outstanding", "overdue",  "retention_held"};
    static const char *const heads[] = {"ID",   "NUMBER",      "CUR",     "AMOUNT",
                                        "PAID", "OUTSTANDING", "OVERDUE", "RETENTION"};
    static const char *const okeys[] = {"owner", "currency",    "contracts", "amount",
                                        "paid",  "outstanding", "overdue",   "retention_held"};
    static const char *const oheads[] = {"OWNER", "CUR",         "CONTRACTS", "AMOUNT",
                                         "PAID",  "OUTSTANDING", "OVERDUE",   "RETENTION"};
    cli_req_t r = CLI_BID_REQ (cli);
    dbk_doc_t *reply, *doc = NULL;
    int rc;
    if ((rc = cli_req_flags (cli, "contract receivables", flags, &r)) ||
        (rc = cli_svc_call (cli, "contract receivables", "RECEIVABLES", false, &r, &reply)))
        return rc;
    if (cli->json)
        return cli_svc_print (cli, reply, NULL);
    const dbk_obj_t *root = dbk_doc_root (reply), *cs = dbk_obj_get (root, "contracts"),
                    *totals = dbk_obj_get (root, "totals");
    char as_of[16], b[512];
    size_t n = dbk_obj_len (cs), nt = dbk_obj_len (totals);
    printf ("receivables as of %s (minor units)\n\n",
            cli_bid_val (root, "as_of", as_of, sizeof as_of));
    if (!n) {
        printf ("no contract\n");
        return cli_svc_print (cli, reply, NULL);
    }
    /*  the contracts, then a TOTAL row per currency, as one table */
    dbk_wr_t *w = dbk_wr_new ();
    if (!w)
        return cli_svc_print (cli, reply, NULL);
    dbk_wr_array (w, (uint32_t) (n + nt));
    for (size_t i = 0; i < n + nt; i++) {
        const dbk_obj_t *c = i < n ? dbk_obj_at (cs, i) : dbk_obj_at (totals, i - n),
                        *f = i < n ? dbk_obj_get (c, "figures") : c;
        dbk_wr_map (w, 8);
        dbk_wr_kv_cstr (w, "id", i < n ? cli_bid_val (c, "id", b, sizeof b) : "TOTAL");
        dbk_wr_kv_cstr (w, "number", i < n ? cli_bid_val (c, "number", b, sizeof b) : "");
        dbk_wr_kv_cstr (w, "currency", cli_bid_val (c, "currency", b, sizeof b));
        for (int j = 3; j < 8; j++)
            dbk_wr_kv_cstr (w, keys[j], cli_bid_val (f, keys[j], b, sizeof b));
    }
    if (dbk_doc_parse (dbk_wr_data (w), dbk_wr_size (w), &doc) == 0)
        cli_bid_table (dbk_doc_root (doc), keys, heads, 8);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
    printf ("\nBY OWNER\n");
    cli_bid_table (dbk_obj_get (root, "owners"), okeys, oheads, 8);
    return cli_svc_print (cli, reply, NULL);
}

int cli_contract (cli_t *cli, const char *verb)
{
    if (cli->help || !verb)
        return cli_help_or_usage (cli, cli_contract_help,
                                  "contract: give a verb (dealbook help contract lists them)");
    if (strcmp (verb, "sign") == 0)
        return s_sign (cli);
    if (strcmp (verb, "show") == 0)
        return s_show (cli, "contract", "CONTRACT_GET", s_contract_show, true);
    if (strcmp (verb, "receivables") == 0)
        return s_receivables (cli);
    if (strcmp (verb, "history") == 0)
        return cli_history (cli, "contract", "contract");
    int rc = cli_bid_dispatch (cli, "contract", verb, s_contract_verbs);
    if (rc >= 0)
        return rc;
    return cli_fail (CLI_USAGE, "unknown verb 'contract %s' (try: dealbook help contract)", verb);
}
