/*  cli_fc.c - the forecasting nouns of the CLI: funnel, forecast (the
    outlook of a period; submit, adjust, show), quota (set, show),
    accuracy, progress, health, winloss and changes, talking to the
    forecasting service (docs/protocol.md §16.4). Charts and number
    formats are in cli_fc_chart.c. */
#include "cli_fc.h"
#include "cli_contacts.h"

#include "dealbook/dbk_money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_nouns[] = {"funnel", "forecast", "quota",   "accuracy", "progress",
                                      "health", "winloss",  "changes", NULL};

bool cli_fc_is_noun (const char *noun)
{
    for (int i = 0; noun && s_nouns[i]; i++)
        if (strcmp (noun, s_nouns[i]) == 0)
            return true;
    return false;
}

void cli_fc_help (void)
{
    printf (
        "usage: dealbook <funnel|forecast|quota|accuracy|progress|health|winloss|changes> ...\n\n"
        "Amounts given (--amount, --commit, ...) are integer MINOR units (CNY 1.00 = 100).\n"
        "Tables and charts print MAJOR units with thousands separators, the currency\n"
        "in the heading (the currency's decimals: 2 for most, none for JPY, KRW, VND...,\n"
        "3 for KWD, BHD..., 4 for CLF, UYW); ratios\n"
        "print as percentages with one decimal. --json prints the service's raw reply\n"
        "(minor units, per-mille ratios).\n\n"
        "filters of every query: --owner O --team T --region R --currency C\n"
        "  --period P (YYYY-MM, YYYY-Qn or YYYY: the expected close's month, quarter, year)\n"
        "  --as-of YYYY-MM-DD (the answer as known at the end of that day in\n"
        "    DEALBOOK_TIMEZONE),\n"
        "  --full (with --as-of: replay the log from seq 1, not from a kept book)\n\n"
        "  funnel [filters]\n"
        "      open deals per level as a bar chart (amount, count, weighted), then\n"
        "      open, commit, best case, won, lost, abandoned\n"
        "      example: dealbook funnel --owner zhao --period 2027\n"
        "  forecast --period P [filters]\n"
        "      the outlook: pipeline, weighted, commit, best case, won against the quota\n"
        "      of --owner (or of --team without an owner): attainment, coverage, projected\n"
        "      example: dealbook forecast --owner zhao --period 2027-Q1\n"
        "  forecast submit --owner O --period P --currency C --commit N --best-case N\n"
        "      --pipeline N [--note T]            the owner (or a manager): --actor\n"
        "      the figures nest: commit <= best case <= pipeline\n"
        "      example: dealbook forecast submit --owner zhao --period 2027-Q1 --currency CNY\n"
        "               --commit 200000000 --best-case 300000000 --pipeline 500000000 "
        "--actor zhao\n"
        "  forecast adjust --owner O --period P --commit N --best-case N --note T\n"
        "      [--pipeline N] [--currency C]      a manager: --actor\n"
        "  forecast show --owner O --period P [--as-of D]\n"
        "      the submission, the manager's adjustment and the frozen figures (frozen\n"
        "      when the period begins: none before)\n"
        "  forecast keep-book\n"
        "      keep the as-of book now: replay the log from the newest kept book to its\n"
        "      head and write it (the service also does so every DEALBOOK_BOOK_EVERY events)\n"
        "  quota set --owner O | --team T --period P --amount N --currency C [--note T]\n"
        "      [--force]  a manager (DEALBOOK_MANAGERS on the service): --actor; a quota\n"
        "      set already changes currency only with --force (exit 2 without): every\n"
        "      attainment figure against it changes meaning\n"
        "      example: dealbook quota set --owner zhao --period 2027 --amount 500000000\n"
        "               --currency CNY --actor mgr\n"
        "  quota show --owner O | --team T --period P [--as-of D]\n"
        "  accuracy --owner O --period P [--periods N] [--currency C] [--as-of D]\n"
        "      the trend of the last N periods (1..24) as a bar chart: won against the\n"
        "      frozen forecast and against the funnel's weighted amount at the start\n"
        "      (a period not begun yet has no accuracy: n/a)\n"
        "      example: dealbook accuracy --owner zhao --period 2027-Q1 --periods 4\n"
        "  progress [filters] [--on D]\n"
        "      conversion per level, days in level (median, p90), win rate, slips, stuck\n"
        "  health [filters] [--fresh-days N] [--on D]\n"
        "      the four principles (fresh, clean, balanced, moving) and the deals failing\n"
        "  winloss [--by reason|competitor|region|tender_type] [filters]\n"
        "      example: dealbook winloss --by competitor --region south\n"
        "  changes --from YYYY-MM-DD --to YYYY-MM-DD [filters but --period]\n"
        "      per owner: deals added, advanced, slipped, won, lost, and the amounts\n"
        "      (both days included: --from D --to D is that day's changes)\n\n"
        "  --forecasting-endpoint EP (DEALBOOK_FORECASTING_ENDPOINT), --actor WHO, --json;\n"
        "  forecast submit|adjust and quota set take --on YYYY-MM-DD: the business date\n"
        "  they state (default today in DEALBOOK_TIMEZONE; never later than today, and\n"
        "  for a forecast never earlier either)\n");
}

/*  A request to the forecasting service. */
#define S_REQ(cli)                                                                                 \
    {                                                                                              \
        .n = 0, .endpoint = (cli)->cfg.forecasting_endpoint, .service = "forecasting"              \
    }

/*  the filters of every query but changes, whose period is --from..--to */
#define S_FILTERS_BUT_PERIOD                                                                       \
    {"--owner", "owner", CLI_F_STR}, {"--team", "team", CLI_F_STR},                                \
        {"--region", "region", CLI_F_STR}, {"--currency", "currency", CLI_F_STR},                  \
        {"--as-of", "as_of", CLI_F_STR},                                                           \
    {                                                                                              \
        "--full", "book", CLI_F_FALSE                                                              \
    }
#define S_FILTERS                                                                                  \
    S_FILTERS_BUT_PERIOD,                                                                          \
    {                                                                                              \
        "--period", "period", CLI_F_STR                                                            \
    }
#define S_END                                                                                      \
    {                                                                                              \
        NULL, NULL, CLI_F_STR                                                                      \
    }

/*  "owner zhao, period 2027" from the filters given. */
static void s_scope (const cli_t *cli, char *out, size_t outsz)
{
    static const char *const f[] = {"--owner", "--team", "--region", "--period", NULL};
    size_t len = 0;
    out[0] = 0;
    for (int i = 0; f[i]; i++) {
        const char *v = cli_flag (cli, f[i]);
        if (v && len < outsz) {
            int k = snprintf (out + len, outsz - len, "%s%s %.40s", len ? ", " : "", f[i] + 2, v);
            len += k > 0 ? (size_t) k : 0;
        }
    }
}

/*  Usage error for positionals a noun does not take. */
static int s_no_args (const cli_t *cli, const char *what, const char *verb)
{
    if (verb || cli->nargs)
        return cli_fail (CLI_USAGE, "%s: unexpected argument '%s' (see dealbook help %s)", what,
                         verb ? verb : cli->args[0], what);
    return 0;
}

/*  A query: flags checked, the call, then --json or `draw`. */
static int s_query (cli_t *cli, const char *what, const char *op, const cli_flagdef_t *flags,
                    const char *const *need, void (*draw) (const cli_t *, const dbk_obj_t *))
{
    cli_req_t r = S_REQ (cli);
    dbk_doc_t *reply;
    int rc;
    if ((need && (rc = cli_need_flag (cli, what, need))) ||
        (rc = cli_req_flags (cli, what, flags, &r)) ||
        (rc = cli_svc_call (cli, what, op, false, &r, &reply)))
        return rc;
    if (!cli->json)
        draw (cli, dbk_doc_root (reply));
    return cli_svc_print (cli, reply, NULL);
}

/*  ---- funnel, forecast, accuracy ---- */

static void s_draw_funnel (const cli_t *cli, const dbk_obj_t *root)
{
    char scope[256];
    s_scope (cli, scope, sizeof scope);
    cli_fc_funnel_chart (root, scope);
}

static void s_draw_outlook (const cli_t *cli, const dbk_obj_t *root)
{
    char scope[256];
    s_scope (cli, scope, sizeof scope);
    cli_fc_outlook_chart (root, scope);
}

static void s_draw_accuracy (const cli_t *cli, const dbk_obj_t *root)
{
    (void) cli;
    cli_fc_accuracy_chart (root);
}

static const cli_flagdef_t s_filter_flags[] = {S_FILTERS, S_END};

/*  ---- forecast submit | adjust | show, quota set | show ---- */

/*  A command: "<noun> ... <done>", or "unchanged" when no event. */
static int s_command (cli_t *cli, const char *what, const char *op, const cli_flagdef_t *flags,
                      const char *const *need, const char *line)
{
    cli_req_t r = S_REQ (cli);
    dbk_doc_t *reply;
    int rc;
    if ((rc = cli_need_flag (cli, what, need)) || (rc = cli_req_flags (cli, what, flags, &r)))
        return rc;
    if (cli->nargs)
        return cli_fail (CLI_USAGE, "%s: unexpected argument '%s'", what, cli->args[0]);
    if ((rc = cli_svc_call (cli, what, op, true, &r, &reply)))
        return rc;
    uint64_t events = 0;
    dbk_obj_u64 (dbk_obj_get (dbk_doc_root (reply), "events"), &events);
    char text[400];
    snprintf (text, sizeof text, "%s%s", line, events ? "" : " (unchanged)");
    return cli_svc_print (cli, reply, text);
}

static int s_forecast_submit (cli_t *cli, bool adjust)
{
    static const cli_flagdef_t flags[] = {{"--owner", "owner", CLI_F_STR},
                                          {"--period", "period", CLI_F_STR},
                                          {"--currency", "currency", CLI_F_STR},
                                          {"--commit", "commit", CLI_F_INT},
                                          {"--best-case", "best_case", CLI_F_INT},
                                          {"--pipeline", "pipeline", CLI_F_INT},
                                          {"--note", "note", CLI_F_STR},
                                          CLI_CMD_FLAGS,
                                          S_END};
    static const char *const need_submit[] = {"--owner",     "--period",   "--currency", "--commit",
                                              "--best-case", "--pipeline", NULL};
    static const char *const need_adjust[] = {"--owner",     "--period", "--commit",
                                              "--best-case", "--note",   NULL};
    const char *owner = cli_flag (cli, "--owner"), *period = cli_flag (cli, "--period");
    char line[300];
    snprintf (line, sizeof line, "forecast of %.80s for %.20s %s", owner ? owner : "",
              period ? period : "", adjust ? "adjusted" : "submitted");
    return adjust ? s_command (cli, "forecast adjust", "FORECAST_ADJUST", flags, need_adjust, line)
                  : s_command (cli, "forecast submit", "FORECAST_SUBMIT", flags, need_submit, line);
}

/*  quota set|show: --owner O or --team T is the scope and who. */
static int s_quota_who (const cli_t *cli, const char *what, cli_req_t *r, const char **who)
{
    const char *o = cli_flag (cli, "--owner"), *t = cli_flag (cli, "--team");
    if ((o && t) || (!o && !t))
        return cli_fail (CLI_USAGE, "%s: give one of --owner O or --team T", what);
    cli_req_add (r, "scope", o ? "owner" : "team", CLI_F_STR);
    cli_req_add (r, "who", o ? o : t, CLI_F_STR);
    *who = o ? o : t;
    return 0;
}

static int s_quota (cli_t *cli, const char *verb)
{
    static const cli_flagdef_t set_flags[] = {{"--owner", NULL, CLI_F_STR},
                                              {"--team", NULL, CLI_F_STR},
                                              {"--period", "period", CLI_F_STR},
                                              {"--amount", "amount", CLI_F_INT},
                                              {"--currency", "currency", CLI_F_STR},
                                              {"--note", "note", CLI_F_STR},
                                              {"--force", "force", CLI_F_BOOL},
                                              CLI_CMD_FLAGS,
                                              S_END};
    static const cli_flagdef_t show_flags[] = {
        {"--owner", NULL, CLI_F_STR},      {"--team", NULL, CLI_F_STR},
        {"--period", "period", CLI_F_STR}, {"--as-of", "as_of", CLI_F_STR},
        {"--full", "book", CLI_F_FALSE},   S_END};
    static const char *const need_set[] = {"--period", "--amount", "--currency", NULL};
    static const char *const need_show[] = {"--period", NULL};
    bool set = verb && strcmp (verb, "set") == 0;
    if (!verb || (!set && strcmp (verb, "show") != 0))
        return cli_fail (CLI_USAGE, "quota: %s%s (try: quota set, quota show; dealbook help quota)",
                         verb ? "unknown verb " : "a verb is needed", verb ? verb : "");
    const char *what = set ? "quota set" : "quota show", *who = "";
    cli_req_t r = S_REQ (cli);
    dbk_doc_t *reply;
    int rc;
    if ((rc = cli_need_flag (cli, what, set ? need_set : need_show)) ||
        (rc = cli_req_flags (cli, what, set ? set_flags : show_flags, &r)) ||
        (rc = s_quota_who (cli, what, &r, &who)))
        return rc;
    if (cli->nargs)
        return cli_fail (CLI_USAGE, "%s: unexpected argument '%s'", what, cli->args[0]);
    if ((rc = cli_svc_call (cli, what, set ? "QUOTA_SET" : "QUOTA_GET", set, &r, &reply)))
        return rc;
    char text[400], m[64], cur[8], on[16];
    const dbk_obj_t *root = dbk_doc_root (reply);
    if (set) {
        uint64_t events = 0;
        dbk_obj_u64 (dbk_obj_get (root, "events"), &events);
        int64_t amount = 0; /* read alike by cli_svc_call before the call */
        cli_int (cli_flag (cli, "--amount"), 0, INT64_MAX, &amount);
        snprintf (cur, sizeof cur, "%.3s", cli_flag (cli, "--currency"));
        cli_fc_money_cur (amount, cur, m, sizeof m);
        snprintf (text, sizeof text, "quota of %s %.80s for %.20s set: %s%s",
                  cli_flag (cli, "--owner") ? "owner" : "team", who, cli_flag (cli, "--period"), m,
                  events ? "" : " (unchanged)");
    } else {
        char p[16], scope[8];
        cli_fc_str (root, "currency", cur, sizeof cur);
        cli_fc_money_cur (cli_fc_i64 (root, "amount", 0), cur, m, sizeof m);
        snprintf (text, sizeof text, "quota of %s %.80s for %s: %s (set on %s)",
                  cli_fc_str (root, "scope", scope, sizeof scope), who,
                  cli_fc_str (root, "period", p, sizeof p), m,
                  cli_fc_str (root, "on", on, sizeof on));
    }
    return cli_svc_print (cli, reply, text);
}

/*  forecast show: the submission, the adjustment, the frozen figures. */
static void s_draw_forecast_get (const cli_t *cli, const dbk_obj_t *root)
{
    (void) cli;
    static const char *const keys[] = {"submitted", "adjusted", "frozen", "frozen_adjusted"};
    static const char *const names[] = {"submitted", "adjusted (manager)", "frozen at the start",
                                        "frozen adjustment"};
    static const char *const heads[] = {"figures", ">commit", ">best case", ">pipeline", "on"};
    char owner[128], period[16], cur[8];
    cli_fc_str (root, "currency", cur, sizeof cur);
    printf ("FORECAST of %s for %s, amounts in %s major units\n",
            cli_fc_str (root, "owner", owner, sizeof owner),
            cli_fc_str (root, "period", period, sizeof period), cur);
    /*  before the period begins nothing is frozen: no such rows (a reply
        without the key is of a service that did not tell) */
    bool begun = true;
    dbk_obj_bool (dbk_obj_get (root, "begun"), &begun);
    cli_fc_tab_t t;
    cli_fc_tab_init (&t, 5, heads);
    for (int i = 0; i < (begun ? 4 : 2); i++) {
        const dbk_obj_t *f = dbk_obj_get (root, keys[i]);
        char c[48] = "-", b[48] = "-", p[48] = "-", on[16] = "";
        if (dbk_obj_type (f) == DBK_T_MAP) {
            cli_fc_money (cli_fc_i64 (f, "commit", 0), cur, c, sizeof c);
            cli_fc_money (cli_fc_i64 (f, "best_case", 0), cur, b, sizeof b);
            cli_fc_money (cli_fc_i64 (f, "pipeline", 0), cur, p, sizeof p);
            cli_fc_str (f, "on", on, sizeof on);
        }
        const char *row[] = {names[i], c, b, p, on};
        cli_fc_tab_add (&t, row);
    }
    cli_fc_tab_print (&t, 0);
    if (!begun)
        printf ("not frozen yet: the period has not begun (the figures in force when it\n"
                "begins will be frozen)\n");
    printf ("revisions %lld, of which late (on or after the period's start) %lld\n",
            (long long) cli_fc_i64 (root, "revisions", 0),
            (long long) cli_fc_i64 (root, "late", 0));
}

static void s_draw_kept (const cli_t *cli, const dbk_obj_t *root)
{
    (void) cli;
    bool written = false;
    dbk_obj_bool (dbk_obj_get (root, "written"), &written);
    printf (
        "as-of book %s at seq %lld (log read to %lld): %lld events folded from seq %lld, "
        "%lld pairs, %lld bytes, %lld ms\n",
        written ? "kept" : "unchanged", (long long) cli_fc_i64 (root, "seq", 0),
        (long long) cli_fc_i64 (root, "read_to", 0), (long long) cli_fc_i64 (root, "replayed", 0),
        (long long) cli_fc_i64 (root, "from_seq", 0), (long long) cli_fc_i64 (root, "pairs", 0),
        (long long) cli_fc_i64 (root, "bytes", 0), (long long) cli_fc_i64 (root, "elapsed_ms", 0));
}

static int s_forecast (cli_t *cli, const char *verb)
{
    if (!verb) {
        static const char *const need[] = {"--period", NULL};
        return s_query (cli, "forecast", "FORECAST", s_filter_flags, need, s_draw_outlook);
    }
    if (strcmp (verb, "submit") == 0 || strcmp (verb, "adjust") == 0)
        return s_forecast_submit (cli, verb[0] == 'a');
    if (strcmp (verb, "keep-book") == 0) {
        static const cli_flagdef_t none[] = {S_END};
        if (cli->nargs)
            return cli_fail (CLI_USAGE, "forecast keep-book: unexpected argument '%s'",
                             cli->args[0]);
        return s_query (cli, "forecast keep-book", "KEEP_BOOK", none, NULL, s_draw_kept);
    }
    if (strcmp (verb, "show") == 0) {
        static const cli_flagdef_t flags[] = {{"--owner", "owner", CLI_F_STR},
                                              {"--period", "period", CLI_F_STR},
                                              {"--as-of", "as_of", CLI_F_STR},
                                              {"--full", "book", CLI_F_FALSE},
                                              S_END};
        static const char *const need[] = {"--owner", "--period", NULL};
        if (cli->nargs)
            return cli_fail (CLI_USAGE, "forecast show: unexpected argument '%s'", cli->args[0]);
        return s_query (cli, "forecast show", "FORECAST_GET", flags, need, s_draw_forecast_get);
    }
    return cli_fail (CLI_USAGE,
                     "forecast: unknown verb '%s' (forecast --period P, or submit, adjust, show, "
                     "keep-book)",
                     verb);
}

/*  ---- progress, health, winloss, changes ---- */

/*  A list of deals {id, owner, level, days} under a heading. */
static void s_refs (const dbk_obj_t *root, const char *key, const char *title, const char *days)
{
    const dbk_obj_t *a = dbk_obj_get (root, key);
    printf ("\n%s (%zu)\n", title, dbk_obj_len (a));
    if (!dbk_obj_len (a))
        return;
    const char *heads[] = {"id", "owner", "level", days};
    cli_fc_tab_t t;
    cli_fc_tab_init (&t, 4, heads);
    for (size_t i = 0; i < dbk_obj_len (a); i++) {
        const dbk_obj_t *r = dbk_obj_at (a, i);
        char id[80], owner[128], level[8], dec[8], lv[24], d[24];
        snprintf (d, sizeof d, "%lld", (long long) cli_fc_i64 (r, "days", 0));
        cli_fc_str (r, "level", level, sizeof level);
        /*  not_pursued: the level, then the decision that holds it there */
        if (*cli_fc_str (r, "decision", dec, sizeof dec))
            snprintf (lv, sizeof lv, "%s %s", level, dec);
        else
            snprintf (lv, sizeof lv, "%s", level);
        const char *row[] = {cli_fc_str (r, "id", id, sizeof id),
                             cli_fc_str (r, "owner", owner, sizeof owner), lv, d};
        cli_fc_tab_add (&t, row);
    }
    cli_fc_tab_print (&t, 2);
}

static void s_draw_progress (const cli_t *cli, const dbk_obj_t *root)
{
    char scope[256], when[48], pct[3][32];
    s_scope (cli, scope, sizeof scope);
    cli_fc_str (root, "as_of", when, sizeof when);
    printf ("PROGRESS%s%s  %s\n", *scope ? "  " : "", scope, *when ? when : "now");
    static const char *const heads[] = {"level",  ">reached",     ">to next", ">to won",
                                        ">stays", ">median days", ">p90 days"};
    cli_fc_tab_t t;
    cli_fc_tab_init (&t, 7, heads);
    const dbk_obj_t *levels = dbk_obj_get (root, "levels");
    for (size_t i = 0; i < dbk_obj_len (levels); i++) {
        const dbk_obj_t *l = dbk_obj_at (levels, i);
        char level[8], n[4][24];
        snprintf (n[0], sizeof n[0], "%lld", (long long) cli_fc_i64 (l, "reached", 0));
        cli_fc_pct (cli_fc_i64 (l, "next_pm", -1), pct[0], sizeof pct[0]);
        cli_fc_pct (cli_fc_i64 (l, "won_pm", -1), pct[1], sizeof pct[1]);
        snprintf (n[1], sizeof n[1], "%lld", (long long) cli_fc_i64 (l, "stays", 0));
        int64_t med = cli_fc_i64 (l, "median_days", -1), p90 = cli_fc_i64 (l, "p90_days", -1);
        snprintf (n[2], sizeof n[2], med < 0 ? "-" : "%lld", (long long) med);
        snprintf (n[3], sizeof n[3], p90 < 0 ? "-" : "%lld", (long long) p90);
        const char *row[] = {
            cli_fc_str (l, "level", level, sizeof level), n[0], pct[0], pct[1], n[1], n[2], n[3]};
        cli_fc_tab_add (&t, row);
    }
    cli_fc_tab_print (&t, 0);
    cli_fc_pct (cli_fc_i64 (root, "win_rate_pm", -1), pct[2], sizeof pct[2]);
    printf ("\ndeals %lld, won %lld, lost or abandoned %lld, win rate %s\n"
            "close dates moved later: %lld times, in %lld deals\n",
            (long long) cli_fc_i64 (root, "deals", 0), (long long) cli_fc_i64 (root, "won", 0),
            (long long) cli_fc_i64 (root, "lost", 0), pct[2],
            (long long) cli_fc_i64 (root, "slips", 0),
            (long long) cli_fc_i64 (root, "slipped_deals", 0));
    s_refs (root, "stuck", "stuck: longer in their level than it allows", "days in level");
    s_refs (root, "not_pursued", "not pursued: qualified to hold or drop, still weighted",
            "days since");
}

static void s_draw_health (const cli_t *cli, const dbk_obj_t *root)
{
    static const char *const keys[] = {"fresh", "clean", "balanced", "moving"};
    static const char *const says[] = {
        "every deal changed recently", "no deal past its close, none held or dropped",
        "every level holds a deal, coverage >= 3x quota", "no deal stuck in its level"};
    char scope[256], when[48], cov[32];
    s_scope (cli, scope, sizeof scope);
    cli_fc_str (root, "as_of", when, sizeof when);
    printf ("FUNNEL HEALTH%s%s  %s: %lld open deals\n", *scope ? "  " : "", scope,
            *when ? when : "now", (long long) cli_fc_i64 (root, "open", 0));
    for (int i = 0; i < 4; i++)
        printf ("  [%s] %-9s %s\n", cli_fc_bool (root, keys[i]) ? "✓" : "✗", keys[i], says[i]);
    const dbk_obj_t *lc = dbk_obj_get (root, "level_count");
    printf ("deals per level:");
    for (size_t i = 0; i < dbk_obj_len (lc); i++) {
        int64_t v = 0;
        dbk_obj_i64 (dbk_obj_at (lc, i), &v);
        printf (" L%zu %lld", i + 1, (long long) v);
    }
    cli_fc_pct (cli_fc_i64 (root, "coverage_pm", -1), cov, sizeof cov);
    printf ("\ncoverage of the quota: %s\n", cov);
    s_refs (root, "stale", "stale: not changed recently", "days since update");
    s_refs (root, "past_due", "past due: expected close already passed", "days past close");
    s_refs (root, "stuck", "stuck: longer in their level than it allows", "days in level");
}

static void s_draw_winloss (const cli_t *cli, const dbk_obj_t *root)
{
    (void) cli;
    char by[32], when[48], cur[8];
    cli_fc_str (root, "currency", cur, sizeof cur);
    cli_fc_str (root, "by", by, sizeof by);
    cli_fc_str (root, "as_of", when, sizeof when);
    printf ("WIN/LOSS by %s  %s, amounts in %s major units\n", by, *when ? when : "now",
            *cur ? cur : "(unknown currency)");
    const dbk_obj_t *rows = dbk_obj_get (root, "rows");
    if (!dbk_obj_len (rows)) {
        printf ("(no closed deals)\n");
        return;
    }
    static const char *const heads[] = {"",          ">won",        ">lost",       ">abandoned",
                                        ">win rate", ">won amount", ">lost amount"};
    cli_fc_tab_t t;
    cli_fc_tab_init (&t, 7, heads);
    t.head[0] = by;
    for (size_t i = 0; i < dbk_obj_len (rows); i++) {
        const dbk_obj_t *r = dbk_obj_at (rows, i);
        char key[128], n[3][24], rate[32], wa[48], la[48];
        int64_t w = cli_fc_i64 (r, "won", 0), l = cli_fc_i64 (r, "lost", 0),
                a = cli_fc_i64 (r, "abandoned", 0);
        snprintf (n[0], sizeof n[0], "%lld", (long long) w);
        snprintf (n[1], sizeof n[1], "%lld", (long long) l);
        snprintf (n[2], sizeof n[2], "%lld", (long long) a);
        /*  per mille, rounded half up; in 128 bits: the counts come from
            the wire, and w x 2000 or their sum may pass an int64 */
        dbk_wide_t all = (dbk_wide_t) w + l + a;
        cli_fc_pct (w >= 0 && l >= 0 && a >= 0 && all > 0
                        ? (int64_t) (((dbk_wide_t) w * 2000 + all) / (2 * all))
                        : -1,
                    rate, sizeof rate);
        cli_fc_money (cli_fc_i64 (r, "won_amount", 0), cur, wa, sizeof wa);
        cli_fc_money (cli_fc_i64 (r, "lost_amount", 0), cur, la, sizeof la);
        cli_fc_str (r, "key", key, sizeof key);
        char cid[72], shown[208];
        cli_fc_str (r, "competitor_id", cid, sizeof cid);
        /*  by competitor: its name, and its id when the service knows it */
        snprintf (shown, sizeof shown, *cid ? "%s (%s)" : "%s", *key ? key : "(none)", cid);
        const char *row[] = {shown, n[0], n[1], n[2], rate, wa, la};
        cli_fc_tab_add (&t, row);
    }
    cli_fc_tab_print (&t, 0);
}

static void s_draw_changes (const cli_t *cli, const dbk_obj_t *root)
{
    (void) cli;
    char from[16], to[16], cur[8];
    cli_fc_str (root, "currency", cur, sizeof cur);
    printf ("CHANGES %s to %s, both included; amounts in %s major units\n",
            cli_fc_str (root, "from", from, sizeof from), cli_fc_str (root, "to", to, sizeof to),
            *cur ? cur : "(unknown currency)");
    const dbk_obj_t *rows = dbk_obj_get (root, "owners");
    if (!dbk_obj_len (rows)) {
        printf ("(no changes)\n");
        return;
    }
    static const char *const heads[] = {"owner",         ">added",      ">up",
                                        ">slipped",      ">won",        ">lost",
                                        ">added amount", ">won amount", ">estimates Δ"};
    static const char *const keys[] = {"added", "advanced", "slipped", "won", "lost"};
    cli_fc_tab_t t;
    cli_fc_tab_init (&t, 9, heads);
    for (size_t i = 0; i < dbk_obj_len (rows); i++) {
        const dbk_obj_t *r = dbk_obj_at (rows, i);
        char owner[128], n[5][24], m[3][48];
        for (int k = 0; k < 5; k++)
            snprintf (n[k], sizeof n[k], "%lld", (long long) cli_fc_i64 (r, keys[k], 0));
        cli_fc_money (cli_fc_i64 (r, "added_amount", 0), cur, m[0], sizeof m[0]);
        cli_fc_money (cli_fc_i64 (r, "won_amount", 0), cur, m[1], sizeof m[1]);
        cli_fc_money (cli_fc_i64 (r, "amount_delta", 0), cur, m[2], sizeof m[2]);
        const char *row[] = {cli_fc_str (r, "owner", owner, sizeof owner),
                             n[0],
                             n[1],
                             n[2],
                             n[3],
                             n[4],
                             m[0],
                             m[1],
                             m[2]};
        cli_fc_tab_add (&t, row);
    }
    cli_fc_tab_print (&t, 0);
}

/*  ---- the nouns ---- */

int cli_fc (cli_t *cli, const char *noun, const char *verb)
{
    static const cli_flagdef_t accuracy_flags[] = {{"--owner", "owner", CLI_F_STR},
                                                   {"--period", "period", CLI_F_STR},
                                                   {"--periods", "periods", CLI_F_INT},
                                                   {"--currency", "currency", CLI_F_STR},
                                                   {"--as-of", "as_of", CLI_F_STR},
                                                   {"--full", "book", CLI_F_FALSE},
                                                   S_END};
    static const cli_flagdef_t progress_flags[] = {S_FILTERS, {"--on", "on", CLI_F_STR}, S_END};
    static const cli_flagdef_t health_flags[] = {
        S_FILTERS, {"--on", "on", CLI_F_STR}, {"--fresh-days", "fresh_days", CLI_F_INT}, S_END};
    static const cli_flagdef_t winloss_flags[] = {S_FILTERS, {"--by", "by", CLI_F_STR}, S_END};
    static const cli_flagdef_t changes_flags[] = {
        S_FILTERS_BUT_PERIOD, {"--from", "from", CLI_F_STR}, {"--to", "to", CLI_F_STR}, S_END};
    static const char *const need_accuracy[] = {"--owner", "--period", NULL};
    static const char *const need_changes[] = {"--from", "--to", NULL};
    int rc;
    if (cli->help || (verb && strcmp (verb, "help") == 0)) {
        cli_fc_help ();
        return CLI_OK;
    }
    if (strcmp (noun, "forecast") == 0)
        return s_forecast (cli, verb);
    if (strcmp (noun, "quota") == 0)
        return s_quota (cli, verb);
    if ((rc = s_no_args (cli, noun, verb)))
        return rc;
    if (strcmp (noun, "funnel") == 0)
        return s_query (cli, "funnel", "FUNNEL", s_filter_flags, NULL, s_draw_funnel);
    if (strcmp (noun, "accuracy") == 0)
        return s_query (cli, "accuracy", "ACCURACY", accuracy_flags, need_accuracy,
                        s_draw_accuracy);
    if (strcmp (noun, "progress") == 0)
        return s_query (cli, "progress", "PROGRESS", progress_flags, NULL, s_draw_progress);
    if (strcmp (noun, "health") == 0)
        return s_query (cli, "health", "HEALTH", health_flags, NULL, s_draw_health);
    if (strcmp (noun, "winloss") == 0)
        return s_query (cli, "winloss", "WINLOSS", winloss_flags, NULL, s_draw_winloss);
    if (strcmp (noun, "changes") == 0)
        return s_query (cli, "changes", "CHANGES", changes_flags, need_changes, s_draw_changes);
    return cli_fail (CLI_USAGE, "unknown noun '%s'", noun);
}
