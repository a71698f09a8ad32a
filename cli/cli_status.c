/*  cli_status.c - dealbook status: every service's STATUS in one table.

    Each service is asked with a short timeout, one after the other; a
    service that does not answer is shown as unreachable and makes the
    exit code 4, so that a healthcheck can use the command as it is.

    A service's own `head` moves only while it reads the log: one that has
    not read for a while (a lost PUB stream, a load it has not looked at
    yet) says LAG 0 however far the log went. So the log is asked first,
    and every service's HEAD and LAG are the log's head of this run; its
    own figures are kept in the JSON as service_head / service_lag.
*/
#include "cli.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_json.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;     /* service name                 */
    const char *endpoint; /* its ROUTER                   */
} s_service_t;

/*  The services this build has; --services chooses among all five. */
#define S_DEFAULT_SERVICES "eventlog,contacts,opportunities,bidding,forecasting"

const char *cli_service_endpoint (const cli_t *cli, const char *name)
{
    const dbk_config_t *c = &cli->cfg;
    if (strcmp (name, "eventlog") == 0 || strcmp (name, "log") == 0)
        return c->log_endpoint;
    if (strcmp (name, "contacts") == 0)
        return c->contacts_endpoint;
    if (strcmp (name, "opportunities") == 0)
        return c->opportunities_endpoint;
    if (strcmp (name, "bidding") == 0)
        return c->bidding_endpoint;
    if (strcmp (name, "forecasting") == 0)
        return c->forecasting_endpoint;
    return NULL;
}

/*  STATUS of one service as JSON (with "service", "endpoint", "state"). */
static json_t *s_ask (const char *name, const char *endpoint, int timeout_ms)
{
    json_t *row = NULL;
    dbk_client_t *c = dbk_client_new (endpoint, timeout_ms);
    dbk_doc_t *reply = NULL;
    int rc = DBK_ETIMEOUT;
    if (c) {
        dbk_client_begin (c, "STATUS", 0);
        rc = dbk_client_call (c, &reply);
    }
    if (rc == 0)
        row = dbk_json_from_obj (dbk_doc_root (reply));
    if (!row)
        row = json_object ();
    json_object_del (row, "v");
    json_object_del (row, "rid");
    json_object_del (row, "ok");
    json_object_set_new (row, "service", json_string (name));
    json_object_set_new (row, "endpoint", json_string (endpoint));
    /*  up, but its read model cannot be written (a full disk) or it
        cannot follow the log: failing */
    bool failing = json_is_string (json_object_get (row, "model_error")) ||
                   json_is_string (json_object_get (row, "log_error"));
    const char *state = rc != 0 ? "unreachable" : failing ? "failing" : "up";
    json_object_set_new (row, "state", json_string (state));
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    return row;
}

static json_int_t s_int (const json_t *row, const char *key)
{
    const json_t *v = json_object_get (row, key);
    return json_is_integer (v) ? json_integer_value (v) : -1;
}

static void s_cell (json_int_t v)
{
    if (v < 0)
        printf (" %12s", "-");
    else
        printf (" %12lld", (long long) v);
}

/*  A service's HEAD and LAG against the log's head of this run (log_head,
    -1 when the log did not answer: the service's own figures stay). Its
    own are kept as service_head and service_lag; lag_from says which the
    row shows, "log" or "service". */
static void s_lag_from_log (json_t *row, json_int_t log_head)
{
    json_int_t applied = s_int (row, "seq_applied");
    if (applied < 0)
        return; /* unreachable: no figure at all */
    if (log_head < 0) {
        json_object_set_new (row, "lag_from", json_string ("service"));
        return;
    }
    json_object_set_new (row, "service_head", json_integer (s_int (row, "head")));
    json_object_set_new (row, "service_lag", json_integer (s_int (row, "lag")));
    json_object_set_new (row, "head", json_integer (log_head));
    json_object_set_new (row, "lag", json_integer (log_head > applied ? log_head - applied : 0));
    json_object_set_new (row, "lag_from", json_string ("log"));
}

#define S_MAX_NAMES 32

int cli_status (cli_t *cli)
{
    if (cli->help) {
        printf ("usage: dealbook status [--services eventlog,contacts,...] [--max-lag N] "
                "[--json]\n"
                "  every service's STATUS: up, failing (its read model cannot be written, a\n"
                "  full disk; or it cannot follow the event log: the log does not answer, a\n"
                "  record fails its hash check, the log is behind its read model) or\n"
                "  unreachable, version, seq applied, head and lag: the event log's head,\n"
                "  asked first in the same run (when the log does not answer: the head each\n"
                "  service last saw, said on stderr).\n"
                "  Exit 0 when all are up, 4 when one is not (for healthchecks).\n"
                "  --max-lag N: also exit 4 when a service lags more than N events behind\n"
                "  the log (seq applied < head - N)\n"
                "  --services: any of eventlog, contacts, opportunities, bidding, forecasting\n"
                "  (default " S_DEFAULT_SERVICES ")\n"
                "example: dealbook status --services eventlog\n");
        return CLI_OK;
    }
    static const char *const flags[] = {"--services", "--max-lag", NULL};
    int only = cli_only (cli, "status", 0, flags);
    if (only)
        return only;
    const char *list = cli_flag (cli, "--services"), *ml = cli_flag (cli, "--max-lag");
    uint64_t max_lag = UINT64_MAX;
    if (ml && cli_u64 (ml, &max_lag))
        return cli_fail (CLI_USAGE, "--max-lag takes a number of events >= 0");
    char names[256];
    snprintf (names, sizeof names, "%s", list ? list : S_DEFAULT_SERVICES);
    const char *name[S_MAX_NAMES];
    int nnames = 0;
    bool domain = false; /* a service that follows the log is asked */
    char *save = NULL;
    for (char *n = strtok_r (names, ",", &save); n; n = strtok_r (NULL, ",", &save)) {
        if (!cli_service_endpoint (cli, n))
            return cli_fail (CLI_USAGE, "--services: unknown service '%s'", n);
        if (nnames == S_MAX_NAMES)
            return cli_fail (CLI_USAGE, "--services: at most %d names", S_MAX_NAMES);
        bool log = strcmp (n, "eventlog") == 0 || strcmp (n, "log") == 0;
        domain = domain || !log;
        name[nnames++] = n;
    }
    int timeout = cli->cfg.timeout_ms < 2000 ? cli->cfg.timeout_ms : 2000;
    /*  the log first: a service asked after it has applied at least what
        it had applied then, so its lag is never overstated */
    json_t *log_row = NULL;
    json_int_t log_head = -1;
    if (domain) {
        log_row = s_ask ("eventlog", cli->cfg.log_endpoint, timeout);
        if (strcmp (json_string_value (json_object_get (log_row, "state")), "unreachable") != 0)
            log_head = s_int (log_row, "head");
        if (log_head < 0)
            fprintf (stderr,
                     "dealbook: the event log does not answer at %s: LAG is each service's own, "
                     "against the log's head as it last saw it\n",
                     cli->cfg.log_endpoint);
    }
    json_t *rows = json_array ();
    bool all_up = true;
    for (int i = 0; i < nnames; i++) {
        const char *n = name[i], *ep = cli_service_endpoint (cli, n);
        bool log = strcmp (n, "eventlog") == 0 || strcmp (n, "log") == 0;
        json_t *row;
        if (log && log_row) {
            row = json_deep_copy (log_row); /* asked once in a run */
            json_object_set_new (row, "service", json_string (n));
        } else
            row = s_ask (n, ep, timeout);
        if (!log)
            s_lag_from_log (row, log_head);
        const char *state = json_string_value (json_object_get (row, "state"));
        if (strcmp (state, "up") != 0) {
            /*  the table says it too; stderr says why the exit code is 4 */
            const char *why = json_string_value (json_object_get (row, "model_error"));
            const char *logerr = json_string_value (json_object_get (row, "log_error"));
            if (why)
                fprintf (stderr, "dealbook: %s cannot write its read model: %s\n", n, why);
            else if (logerr)
                fprintf (stderr, "dealbook: %s cannot follow the log: %s\n", n, logerr);
            else
                fprintf (stderr, "dealbook: %s is %s at %s\n", n, state, ep);
            all_up = false;
        }
        json_int_t lag = s_int (row, "lag");
        if (lag >= 0 && (uint64_t) lag > max_lag) {
            fprintf (stderr, "dealbook: %s lags %lld events behind the log (--max-lag %llu)\n", n,
                     (long long) lag, (unsigned long long) max_lag);
            all_up = false;
        }
        json_array_append_new (rows, row);
    }
    json_decref (log_row);
    if (cli->json)
        cli_print_json (rows);
    else {
        printf ("%-14s %-12s %-8s %12s %12s %12s  %s\n", "SERVICE", "STATE", "VERSION",
                "SEQ_APPLIED", "HEAD", "LAG", "ENDPOINT");
        size_t i;
        json_t *row;
        json_array_foreach (rows, i, row)
        {
            const char *ver = json_string_value (json_object_get (row, "version"));
            printf ("%-14s %-12s %-8s", json_string_value (json_object_get (row, "service")),
                    json_string_value (json_object_get (row, "state")), ver ? ver : "-");
            s_cell (s_int (row, "seq_applied"));
            s_cell (s_int (row, "head"));
            s_cell (s_int (row, "lag"));
            printf ("  %s\n", json_string_value (json_object_get (row, "endpoint")));
        }
        json_decref (rows);
    }
    return all_up ? CLI_OK : CLI_UNREACHABLE; /* down, or lagging beyond --max-lag */
}
