/*  cli.h - what the verbs of the dealbook CLI share: parsed arguments,
    exit codes, output helpers.

    Grammar: dealbook <noun> <verb> [ARG...] [--flag value] [--json]
    Exit codes: 0 done, 1 usage, 2 rejected by validation or a rule (or a
    log that fails verification), 3 conflict (expected version, duplicate),
    4 a service unreachable, 5 the service failed (storage, disk full).
*/
#ifndef CLI_H
#define CLI_H

#include "dealbook/dbk_client.h"
#include "dealbook/dbk_config.h"

#include <jansson.h>
#include <stdbool.h>

enum {
    CLI_OK = 0,
    CLI_USAGE = 1,
    CLI_REJECTED = 2,
    CLI_CONFLICT = 3,
    CLI_UNREACHABLE = 4,
    CLI_FAILED = 5
};

#define CLI_ID_MAX 64 /* an aggregate id, as the services take it (protocol.md §16) */
#define CLI_MAX_ARGS 8
#define CLI_MAX_FLAGS 32

typedef struct {
    const char *args[CLI_MAX_ARGS];   /* positional arguments after the verb */
    int nargs;                        /* how many                            */
    const char *flag[CLI_MAX_FLAGS];  /* flag names (without value)          */
    const char *value[CLI_MAX_FLAGS]; /* their values (NULL for switches)    */
    int nflags;                       /* how many                            */
    const char *conf[CLI_MAX_FLAGS];  /* configuration flags given (--log)   */
    int nconf;                        /* how many                            */
    bool json;                        /* --json                              */
    bool help;                        /* --help                              */
    bool tty;                         /* stdout is a terminal                */
    dbk_config_t cfg;                 /* configuration (env + config flags)  */
    uint8_t cmd[DBK_ID_SIZE];         /* the command id of this run: --cmd,  */
                                      /* else a new UUIDv7 (one command a run) */
} cli_t;

/*  Value of --name, or NULL. */
const char *cli_flag (const cli_t *cli, const char *name);

/*  The flag whose value is `value` (that very pointer, as cli_flag gave
    it), or NULL: to name in a message the flag a request's value came
    from. */
const char *cli_flag_of (const cli_t *cli, const char *value);

/*  Whether the configuration flag `name` (--data-dir) was given on the
    command line, rather than taken from the environment or a default. */
bool cli_conf_given (const cli_t *cli, const char *name);

/*  0, or a usage error (printed) when a flag given is not one of `flags`
    (NULL-terminated; NULL: none), is given twice, or more than max_args
    arguments are: for the verbs that read their flags one by one
    (cli_flag). */
int cli_only (const cli_t *cli, const char *what, int max_args, const char *const *flags);

/*  0, or a usage error (printed) "<what>: --name given twice" when the
    i-th flag given was given before it and is not a list flag (`list`).
    A flag that is not a list takes one value: a second one would be sent
    on as a repeated key, which the services refuse without naming the
    flag, or be silently dropped by cli_flag. Every verb checks its flags
    through cli_only or cli_req_flags, and both call this. */
int cli_flag_once (const cli_t *cli, const char *what, int i, bool list);

/*  With --help: help () on stdout, CLI_OK. Otherwise a usage error: one
    line "dealbook: <message>" on stderr, CLI_USAGE. */
int cli_help_or_usage (const cli_t *cli, void (*help) (void), const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/*  Print "dealbook: <message>" on stderr and return `code`. */
int cli_fail (int code, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/*  Exit code for a DBK error code (validation 2, conflict 3, ...). */
int cli_exit_code (int dbk_rc);

/*  Report a failed call: the server's message (or the local reason) on
    stderr, and the matching exit code. */
int cli_call_failed (const char *what, int rc, const dbk_client_t *c);

/*  Print a JSON value on one line to stdout (steals the reference). */
void cli_print_json (json_t *v);

/*  A connected client of the event log. */
dbk_client_t *cli_log_client (const cli_t *cli);

/*  The one parser of the whole numbers given on the command line: s is
    decimal digits only, with a leading '-' only when min < 0; no '+',
    no blanks, no "-0", and the value within [min, max]. 0 and *out, or
    -1 (*out untouched). Every number a flag or an argument gives goes
    through it, so that all are read alike. */
int cli_int (const char *s, int64_t min, int64_t max, int64_t *out);

/*  cli_int for what `name` gives (a flag, "--amount", or an argument,
    "AMOUNT") to the request's field `key`: 0 and *out; else one line
    "<what>: INVALID: <key>: <name> '<s>': a whole number in digits ..."
    on stderr and CLI_REJECTED, as when a service refuses the field.
    `sign`: the field takes negative numbers too (a price gap). */
int cli_int_arg (const char *what, const char *key, const char *name, const char *s, bool sign,
                 int64_t *out);

/*  cli_int for a count or a position: 0 .. INT64_MAX. 0 or -1. */
int cli_u64 (const char *s, uint64_t *out);

/*  Verbs of the "log" noun. */
int cli_log (cli_t *cli, const char *verb);

/*  dealbook status: every service's STATUS (cli_status.c). */
int cli_status (cli_t *cli);
/*  The ROUTER endpoint of a service by name (eventlog or log, contacts,
    opportunities, bidding, forecasting), or NULL (cli_status.c). */
const char *cli_service_endpoint (const cli_t *cli, const char *name);

/*  Polls a long job's progress: *done of *total events. 0; a DBK code
    when the server did not answer; or CLI_POLL_LOST when it answered but
    will never answer the job (it restarted since the job began: the
    request went with the process that took it), with why in `lost` (one
    sentence, of at most lostsz bytes). */
typedef int (cli_poll_fn) (dbk_client_t *st, void *arg, uint64_t *done, uint64_t *total, char *lost,
                           size_t lostsz);
#define CLI_POLL_LOST 1

/*  Wait for the answer to the request begun on job_client (its own
    client, with a timeout as long as the job may take), and meanwhile
    poll(st, arg) every 200 ms: on a terminal and without --json, to keep
    one line "<what>: done/total events (p%), r events/s, ETA s" on
    stdout (erased at the end); everywhere, as a watchdog. A poll that
    finds the job lost (CLI_POLL_LOST: the server restarted, and the job
    went with the process that took it) ends the program at once, exit
    4, with one line "<what>: <why>" on stderr. With misses_end, a server
    that fails three polls in a row ends it too (exit 4); otherwise a
    failed poll only skips an update and the job's own timeout decides.
    Returns as dbk_client_call; *reply is the caller's. (cli_ops.c) */
int cli_long_call (cli_t *cli, const char *what, dbk_client_t *job_client, dbk_doc_t **reply,
                   dbk_client_t *st, cli_poll_fn *poll, void *arg, bool misses_end);

/*  What the polls of the log's VERIFY or BACKUP learn (the arg of
    cli_log_job_poll). The job lives in the log process that took it: a
    log killed and started again (by hand, a supervisor, compose's
    restart:) answers STATUS at once, but never the request. */
typedef struct {
    const char *op;     /* "VERIFY" or "BACKUP"                               */
    const char *then;   /* what to do once it is lost: "run dealbook ..."     */
    bool sent;          /* the request is on its way: polls watch for it      */
    uint64_t uptime_ms; /* the last STATUS's uptime_ms (0: none yet)          */
    int idle;           /* polls in a row that found no such job running     */
} cli_log_watch_t;

/*  cli_poll_fn for the log's VERIFY or BACKUP (arg: a cli_log_watch_t):
    the records the newest such job has checked, of the head (STATUS
    "jobs"). A backup copies first: its count moves once the copy is
    verified. CLI_POLL_LOST once the request was sent and the log's
    uptime_ms went down, or five polls in a row found no such job
    running (the log lists a job until it sends its answer). Before the
    request is sent, a poll notes the uptime to compare with. */
int cli_log_job_poll (dbk_client_t *st, void *arg, uint64_t *done, uint64_t *total, char *lost,
                      size_t lostsz);

/*  How long a long call (REBUILD, VERIFY, BACKUP) may take: a replay or a
    copy takes as long as the log is long. */
#define CLI_LONG_MS (6 * 3600 * 1000)

/*  The operator's nouns rebuild, backup, restore, export (cli_ops.c). */
int cli_ops (cli_t *cli, const char *noun, const char *verb);
void cli_ops_help (void);
/*  dealbook restore DIR, and restore --check DIR (cli_restore.c). */
int cli_restore (cli_t *cli, const char *dir);
void cli_log_help (void);

/*  Nouns of the contacts service (cli_contacts.c). */
int cli_account (cli_t *cli, const char *verb);
int cli_contact (cli_t *cli, const char *verb);
void cli_account_help (void);
void cli_contact_help (void);

/*  Nouns of the contacts service's competitors and activities
    (cli_market.c). */
int cli_competitor (cli_t *cli, const char *verb);
int cli_activity (cli_t *cli, const char *verb);
void cli_competitor_help (void);
void cli_activity_help (void);

/*  The noun of the opportunities service (cli_opp.c). */
int cli_opp (cli_t *cli, const char *verb);
void cli_opp_help (void);

/*  The nouns of the bidding service: tender (alias bid) and intel
    (cli_bid.c), quote and contract (cli_contract.c). */
int cli_tender (cli_t *cli, const char *verb);
int cli_intel (cli_t *cli, const char *verb);
int cli_quote (cli_t *cli, const char *verb);
int cli_contract (cli_t *cli, const char *verb);
void cli_tender_help (void);
void cli_intel_help (void);
void cli_quote_help (void);
void cli_contract_help (void);

/*  The forecasting nouns: funnel, forecast, quota, accuracy, progress,
    health, winloss, changes (cli_fc.c). */
bool cli_fc_is_noun (const char *noun);
int cli_fc (cli_t *cli, const char *noun, const char *verb);
void cli_fc_help (void);

#endif
