/*  dealbook - the command-line interface: one grammar for every noun.

    dealbook <noun> <verb> [ARG...] [--flag value] [--json]
*/
#include "cli.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_fds.h"

#include <assert.h>
#include <signal.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *cli_flag (const cli_t *cli, const char *name)
{
    for (int i = 0; i < cli->nflags; i++)
        if (strcmp (cli->flag[i], name) == 0)
            return cli->value[i] ? cli->value[i] : "";
    return NULL;
}

const char *cli_flag_of (const cli_t *cli, const char *value)
{
    for (int i = 0; value && i < cli->nflags; i++)
        if (cli->value[i] == value)
            return cli->flag[i];
    return NULL;
}

bool cli_conf_given (const cli_t *cli, const char *name)
{
    for (int i = 0; i < cli->nconf; i++)
        if (strcmp (cli->conf[i], name) == 0)
            return true;
    return false;
}

/*  "dealbook: <message>" on stderr; `code`. */
static int s_vfail (int code, const char *fmt, va_list ap)
{
    fputs ("dealbook: ", stderr);
    vfprintf (stderr, fmt, ap);
    fputc ('\n', stderr);
    return code;
}

int cli_help_or_usage (const cli_t *cli, void (*help) (void), const char *fmt, ...)
{
    if (cli->help) {
        help ();
        return CLI_OK;
    }
    va_list ap;
    va_start (ap, fmt);
    int rc = s_vfail (CLI_USAGE, fmt, ap);
    va_end (ap);
    return rc;
}

int cli_only (const cli_t *cli, const char *what, int max_args, const char *const *flags)
{
    if (cli->nargs > max_args)
        return cli_fail (CLI_USAGE, "%s: unexpected argument '%s' (see dealbook help %.*s)", what,
                         cli->args[max_args], (int) strcspn (what, " "), what);
    for (int i = 0; i < cli->nflags; i++) {
        const char *const *f = flags;
        while (f && *f && strcmp (*f, cli->flag[i]) != 0)
            f++;
        if (!f || !*f)
            return cli_fail (CLI_USAGE, "%s: unknown flag %s (see dealbook help %.*s)", what,
                             cli->flag[i], (int) strcspn (what, " "), what);
        int rc = cli_flag_once (cli, what, i, false);
        if (rc)
            return rc;
    }
    return CLI_OK;
}

int cli_flag_once (const cli_t *cli, const char *what, int i, bool list)
{
    for (int j = 0; j < i && !list; j++)
        if (strcmp (cli->flag[j], cli->flag[i]) == 0)
            return cli_fail (CLI_USAGE, "%s: %s given twice", what, cli->flag[i]);
    return CLI_OK;
}

int cli_fail (int code, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int rc = s_vfail (code, fmt, ap);
    va_end (ap);
    return rc;
}

int cli_exit_code (int rc)
{
    switch (rc) {
    case 0:
        return CLI_OK;
    case DBK_EINVAL:
    case DBK_EMALFORMED:
    case DBK_ETOOBIG:
    case DBK_EUNKNOWN_OP:
    case DBK_EVERSION:
    case DBK_ENOTFOUND:
    case DBK_EREJECTED:
        return CLI_REJECTED;
    case DBK_ECONFLICT:
    case DBK_EIDCONFLICT:
    case DBK_EDUPLICATE:
        return CLI_CONFLICT;
    case DBK_ETIMEOUT:
        return CLI_UNREACHABLE;
    default:
        return CLI_FAILED;
    }
}

int cli_call_failed (const char *what, int rc, const dbk_client_t *c)
{
    const char *msg = c ? dbk_client_errmsg (c) : "";
    if (rc == DBK_ETIMEOUT)
        return cli_fail (CLI_UNREACHABLE, "%s: the event log is unreachable (%s)", what, msg);
    return cli_fail (cli_exit_code (rc), "%s: %s%s%s", what, dbk_err_wire_name (rc),
                     *msg ? ": " : "", msg);
}

/*  A line of output could not be made (out of memory): the run fails at
    its end (main), rather than ending 0 with a line missing. */
static bool s_output_lost;

void cli_print_json (json_t *v)
{
    if (!v)
        return;
    char *s = json_dumps (v, JSON_COMPACT);
    if (s) {
        puts (s);
        free (s);
    } else
        s_output_lost = true;
    json_decref (v);
}

dbk_client_t *cli_log_client (const cli_t *cli)
{
    return dbk_client_new (cli->cfg.log_endpoint, cli->cfg.timeout_ms);
}

int cli_int (const char *s, int64_t min, int64_t max, int64_t *out)
{
    assert (min <= max);
    if (!s)
        return -1;
    bool neg = *s == '-';
    const char *p = s + neg;
    if ((neg && min >= 0) || !*p)
        return -1;
    /*  the magnitude, checked against the largest one the sign allows
        before each step, so that no value wraps */
    uint64_t v = 0, lim = neg ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        uint64_t d = (uint64_t) (*p - '0');
        if (v > (lim - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (neg && v == 0)
        return -1; /* "-0": a sign on nothing */
    int64_t x = !neg ? (int64_t) v : v > (uint64_t) INT64_MAX ? INT64_MIN : -(int64_t) v;
    if (x < min || x > max)
        return -1;
    *out = x;
    return 0;
}

int cli_int_arg (const char *what, const char *key, const char *name, const char *s, bool sign,
                 int64_t *out)
{
    if (cli_int (s, sign ? -INT64_MAX : 0, INT64_MAX, out) == 0)
        return 0;
    return cli_fail (CLI_REJECTED, "%s: INVALID: %s: %s '%s': a whole number in digits%s", what,
                     key, name, s ? s : "",
                     sign ? ", with a leading - when below 0, from -9223372036854775807 to "
                            "9223372036854775807"
                          : ", from 0 to 9223372036854775807");
}

int cli_u64 (const char *s, uint64_t *out)
{
    int64_t v;
    if (cli_int (s, 0, INT64_MAX, &v))
        return -1;
    *out = (uint64_t) v;
    return 0;
}

static void s_help (void)
{
    printf ("usage: dealbook <noun> <verb> [ARG...] [--flag value] [--json]\n\n"
            "nouns:\n"
            "  log       the event log: append, read, tail, status, verify, backup\n"
            "  account   accounts: add, update, show, list, archive, merge, people,\n"
            "            history\n"
            "  contact   contacts: add, update, show, list, move, relate, map, trip add,\n"
            "            notebook, history\n"
            "  competitor  competitors: add, update, show, list\n"
            "  activity  activities: log, list\n"
            "  opp       opportunities: register, show, list, update, stage, key-person, level,\n"
            "            qualify, stakeholder, need, competitor, check, category, next,\n"
            "            commit, win, lose, abandon, reopen, history, conflicts,\n"
            "            resolve, attention\n"
            "  tender    tenders (alias: bid): open, show, list, dates, step, clarify,\n"
            "            answer, bond, bond-return, decide, part, part-status, submit,\n"
            "            opening, award, deadlines, intel, winrate, history\n"
            "  quote     quotes: create, line add|change|remove, submit, approve, reject,\n"
            "            changes, show, pending, history\n"
            "  contract  contracts: sign, show, invoice, payment, receivables, history\n"
            "  intel     price intelligence and win rate: price, winrate\n"
            "  status    every service's STATUS: up, seq applied, head, lag (exit 4 if one\n"
            "            does not answer, or lags more than --max-lag N events)\n"
            "  rebuild   rebuild SERVICE: replay a read model from the log, with progress\n"
            "  backup    backup DIR: hot, verified copy of the log (head and hash)\n"
            "  restore   restore DIR --data-dir D [--force]: a backup into a stopped data\n"
            "            directory; the read models replay it at the next start. restore\n"
            "            --check DIR: whether a backup is whole, touching nothing\n"
            "  export    export --format jsonl [--from SEQ] [--until DATE] [--type PREFIX]\n"
            "            [--records]: every event as a JSON line, the hash chain checked;\n"
            "            --records: with its stored bytes, verifiable from the file alone\n"
            "  funnel    open deals per level as a bar chart (filters: --owner --team\n"
            "            --region --period --currency --as-of)\n"
            "  forecast  forecast --period P: quota, coverage, projected; submit, adjust,\n"
            "            show, keep-book\n"
            "  quota     quotas: set (a manager), show\n"
            "  accuracy  forecast accuracy trend (chart); progress, health, winloss,\n"
            "            changes: the funnel's progress, health, win/loss, what changed\n"
            "  help      dealbook help <noun>\n\n"
            "common flags (each also an environment variable; --data-dir is for restore\n"
            "alone: every other command asks the running processes at their endpoints):\n");
    dbk_config_print_usage (stdout);
    printf (
        "  --json                     machine-readable output; a command's \"cmd\" (a UUID)\n"
        "                             is the \"cause\" of its events in dealbook log read\n"
        "  --cmd UUID                 the command id to send, instead of a new one: a command\n"
        "                             that fails unreachable (exit 4) or failed (5) prints\n"
        "                             \"command id UUID: repeat it with --cmd UUID\"; the same\n"
        "                             command with --cmd UUID is then recorded once at most\n"
        "                             (answered as a duplicate if it was), where a new run\n"
        "                             without it could record it twice (a payment, an\n"
        "                             activity). Commands only: a query refuses it\n\n"
        "a flag is given once (twice: exit 1), but the lists repeat: --with and --ours\n"
        "of activity log, --close-to of competitor add|update, --bidder of tender\n"
        "opening, --milestone of contract sign\n\n"
        "exit codes: 0 done, 1 usage, 2 rejected, 3 conflict, 4 unreachable, 5 service "
        "failed\n"
        "example: dealbook log append memo-42 memo.written '{\"text\":\"call back\"}'\n");
}

/*  Split argv after the noun into verb, positionals and flags. Flags that
    are configuration (--log, --data-dir, ...) go into cfg, and may be
    given once: no verb sees them to check. --json and --help are the
    CLI's own switches, idempotent. */
static int s_parse (cli_t *cli, int argc, char **argv, const char **verb)
{
    *verb = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp (a, "--json") == 0)
            cli->json = true;
        else if (strcmp (a, "--help") == 0 || strcmp (a, "-h") == 0)
            cli->help = true;
        else if (strcmp (a, "--force") == 0 || strcmp (a, "--full") == 0 ||
                 strcmp (a, "--records") == 0) {
            /*  the switches that take no value (account add, an as-of
                replay from seq 1, an export an auditor can verify) */
            if (cli->nflags == CLI_MAX_FLAGS)
                return cli_fail (CLI_USAGE, "too many flags");
            cli->flag[cli->nflags] = a;
            cli->value[cli->nflags++] = NULL;
        } else if (strncmp (a, "--", 2) == 0 && a[2]) {
            const char *v = i + 1 < argc ? argv[i + 1] : NULL;
            char why[512];
            int rc = dbk_config_flag (&cli->cfg, a, v, why, sizeof why);
            if (rc < 0)
                return cli_fail (CLI_USAGE, "%s", why);
            if (rc > 0) {
                /*  by the setting, not the spelling: --log and --log-endpoint
                    are one */
                const char *env = dbk_config_flag_env (a);
                for (int j = 0; j < cli->nconf; j++)
                    if (strcmp (cli->conf[j], a) == 0)
                        return cli_fail (CLI_USAGE, "%s given twice", a);
                    else if (env && strcmp (dbk_config_flag_env (cli->conf[j]), env) == 0)
                        return cli_fail (CLI_USAGE, "%s and %s given: both set %s", cli->conf[j], a,
                                         env);
                if (cli->nconf == CLI_MAX_FLAGS)
                    return cli_fail (CLI_USAGE, "too many flags");
                cli->conf[cli->nconf++] = a;
            } else {
                if (cli->nflags == CLI_MAX_FLAGS)
                    return cli_fail (CLI_USAGE, "too many flags");
                if (!v)
                    return cli_fail (CLI_USAGE, "%s needs a value", a);
                cli->flag[cli->nflags] = a;
                cli->value[cli->nflags++] = v;
            }
            i++;
        } else if (!*verb)
            *verb = a;
        else if (cli->nargs < CLI_MAX_ARGS)
            cli->args[cli->nargs++] = a;
        else
            return cli_fail (CLI_USAGE, "too many arguments");
    }
    return 0;
}

static int s_main (int argc, char **argv);

/*  What was printed must have reached stdout: a full disk (or another
    write error) under `dealbook export > file` fails the run (exit 5),
    never ends 0 with the output cut short. (A pipe closed by its reader,
    `| head`, ends the run by SIGPIPE, as for any filter.) */
int main (int argc, char **argv)
{
    int rc = s_main (argc, argv);
    bool lost = s_output_lost || fflush (stdout) != 0 || ferror (stdout);
    if (lost && rc == CLI_OK)
        rc = cli_fail (CLI_FAILED, "writing the output failed%s%s",
                       s_output_lost ? " (out of memory)" : ": ",
                       s_output_lost ? "" : strerror (errno ? errno : EIO));
    return rc;
}

static int s_main (int argc, char **argv)
{
    cli_t cli;
    memset (&cli, 0, sizeof cli);
    char why[512];
    if (dbk_config_load (&cli.cfg, why, sizeof why))
        return cli_fail (CLI_USAGE, "%s", why);
    cli.tty = isatty (1);
    /*  as every binary (dbk_fds.h); quietly: the CLI's stderr is the user's */
    dbk_fds_limit_t fds;
    dbk_fds_raise (&fds);
    /*  the CLI is short-lived: CZMQ must not install its signal handlers
        that would swallow Ctrl-C in `log tail` */
    setenv ("ZSYS_SIGHANDLER", "false", 1);
    if (argc < 2 || strcmp (argv[1], "help") == 0 || strcmp (argv[1], "--help") == 0 ||
        strcmp (argv[1], "-h") == 0) {
        if (argc >= 3 && strcmp (argv[2], "log") == 0)
            cli_log_help ();
        else if (argc >= 3 && strcmp (argv[2], "account") == 0)
            cli_account_help ();
        else if (argc >= 3 && strcmp (argv[2], "contact") == 0)
            cli_contact_help ();
        else if (argc >= 3 && strcmp (argv[2], "competitor") == 0)
            cli_competitor_help ();
        else if (argc >= 3 && strcmp (argv[2], "activity") == 0)
            cli_activity_help ();
        else if (argc >= 3 && strcmp (argv[2], "opp") == 0)
            cli_opp_help ();
        else if (argc >= 3 && (strcmp (argv[2], "tender") == 0 || strcmp (argv[2], "bid") == 0))
            cli_tender_help ();
        else if (argc >= 3 && strcmp (argv[2], "quote") == 0)
            cli_quote_help ();
        else if (argc >= 3 && strcmp (argv[2], "contract") == 0)
            cli_contract_help ();
        else if (argc >= 3 && strcmp (argv[2], "intel") == 0)
            cli_intel_help ();
        else if (argc >= 3 &&
                 (strcmp (argv[2], "rebuild") == 0 || strcmp (argv[2], "backup") == 0 ||
                  strcmp (argv[2], "restore") == 0 || strcmp (argv[2], "export") == 0))
            cli_ops_help ();
        else if (argc >= 3 && cli_fc_is_noun (argv[2]))
            cli_fc_help ();
        else
            s_help ();
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp (argv[1], "--version") == 0) {
        printf ("dealbook %s\n", DBK_VERSION);
        return 0;
    }
    const char *noun = argv[1], *verb;
    int rc = s_parse (&cli, argc - 2, argv + 2, &verb);
    if (rc)
        return rc;
    /*  the id of the one command a run may send: the one a failed command
        printed, to retry it, or a new one; a verb that sends no command
        refuses the flag (cli_req_flags, cli_only) */
    const char *cmd = cli_flag (&cli, "--cmd");
    if (cmd && dbk_uuid_parse (cmd, strlen (cmd), cli.cmd))
        return cli_fail (CLI_USAGE, "--cmd takes a command id: a UUID, as a failed command printed "
                                    "it (like 0193a3b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b)");
    if (!cmd)
        dbk_uuid_v7 (cli.cmd);
    /*  every command but restore talks to running processes at their
        endpoints: a --data-dir given to one would be ignored, and it would
        answer about whatever runs there, not about that directory */
    if (cli_conf_given (&cli, "--data-dir") && strcmp (noun, "restore") != 0)
        return cli_fail (CLI_USAGE,
                         "%s: --data-dir is only for restore; this command asks the running "
                         "processes (--log %s). For a backup at rest: dealbook restore --check DIR",
                         noun, cli.cfg.log_endpoint);
    if (strcmp (noun, "log") == 0)
        return cli_log (&cli, verb);
    if (strcmp (noun, "account") == 0)
        return cli_account (&cli, verb);
    if (strcmp (noun, "contact") == 0)
        return cli_contact (&cli, verb);
    if (strcmp (noun, "competitor") == 0)
        return cli_competitor (&cli, verb);
    if (strcmp (noun, "activity") == 0)
        return cli_activity (&cli, verb);
    if (strcmp (noun, "opp") == 0)
        return cli_opp (&cli, verb);
    if (strcmp (noun, "tender") == 0 || strcmp (noun, "bid") == 0)
        return cli_tender (&cli, verb);
    if (strcmp (noun, "quote") == 0)
        return cli_quote (&cli, verb);
    if (strcmp (noun, "contract") == 0)
        return cli_contract (&cli, verb);
    if (strcmp (noun, "intel") == 0)
        return cli_intel (&cli, verb);
    if (strcmp (noun, "rebuild") == 0 || strcmp (noun, "backup") == 0 ||
        strcmp (noun, "restore") == 0 || strcmp (noun, "export") == 0)
        return cli_ops (&cli, noun, verb);
    if (cli_fc_is_noun (noun))
        return cli_fc (&cli, noun, verb);
    if (strcmp (noun, "status") == 0) {
        if (verb) { /* status takes no verb: an argument, first of them */
            if (cli.nargs == CLI_MAX_ARGS)
                return cli_fail (CLI_USAGE, "too many arguments");
            memmove (cli.args + 1, cli.args, (size_t) cli.nargs * sizeof cli.args[0]);
            cli.args[0] = verb;
            cli.nargs++;
        }
        return cli_status (&cli);
    }
    return cli_fail (CLI_USAGE, "unknown noun '%s' (try: dealbook help)", noun);
}
