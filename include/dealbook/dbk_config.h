/*  dbk_config.h - settings shared by every binary and the CLI.

    Each setting has a default, may be set by a DEALBOOK_* environment
    variable and overridden by a command-line flag (docs/operations.md
    lists them all). Servers bind the endpoints; clients connect to them.
*/
#ifndef DBK_CONFIG_H
#define DBK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DBK_VERSION "0.1.0"

#define DBK_DEFAULT_DATA_DIR "./var/dealbook"
#define DBK_DEFAULT_LOG_ENDPOINT "tcp://127.0.0.1:7710"
#define DBK_DEFAULT_PUB_ENDPOINT "tcp://127.0.0.1:7711"

#define DBK_ENDPOINT_MAX 256

/*  Limits of the settings that dbk_config_load and dbk_config_flag
    check (docs/operations.md): code that takes those settings may rely
    on them. */
#define DBK_DAYS_MAX 3650 /* any setting in days: ten years */
/*  DEALBOOK_REPLAY_HOLD_MB: the held rows' arena counts its offsets in
    8-byte units in 32 bits (32 GiB), and sorting them takes as much
    again: 16 GiB at most. */
#define DBK_REPLAY_HOLD_MB_MAX 16384
/*  The offsets DEALBOOK_TIMEZONE takes, minutes east of UTC: the world's
    zones, -12:00 to +14:00. No business day is later than the date of
    UTC + DBK_UTC_OFFSET_MAX_MIN: a fold bounds the business date an
    event states (its "on", which an event appended by hand may set to
    any day) by the date of its `ts` plus that, which never cuts a date a
    service decided under any zone. */
#define DBK_UTC_OFFSET_MIN_MIN (-12 * 60)
#define DBK_UTC_OFFSET_MAX_MIN (14 * 60)

typedef struct {
    char data_dir[1024];                           /* DEALBOOK_DATA_DIR            */
    char log_endpoint[DBK_ENDPOINT_MAX];           /* DEALBOOK_LOG_ENDPOINT        */
    char pub_endpoint[DBK_ENDPOINT_MAX];           /* DEALBOOK_PUB_ENDPOINT        */
    char contacts_endpoint[DBK_ENDPOINT_MAX];      /* DEALBOOK_CONTACTS_ENDPOINT      */
    char opportunities_endpoint[DBK_ENDPOINT_MAX]; /* DEALBOOK_OPPORTUNITIES_ENDPOINT */
    char bidding_endpoint[DBK_ENDPOINT_MAX];       /* DEALBOOK_BIDDING_ENDPOINT       */
    char forecasting_endpoint[DBK_ENDPOINT_MAX];   /* DEALBOOK_FORECASTING_ENDPOINT   */
    int log_level;                                 /* DEALBOOK_LOG_LEVEL (dbk_level_t) */
    uint64_t map_size;                             /* DEALBOOK_MAP_SIZE: initial LMDB map, bytes */
    bool durable;                                  /* DEALBOOK_DURABLE: fsync each commit (1) */
    int heartbeat_ms;                              /* DEALBOOK_HEARTBEAT_MS: PUB heartbeat period */
    int timeout_ms;                                /* DEALBOOK_TIMEOUT_MS: client answer timeout */
    int pub_hwm;                                   /* DEALBOOK_PUB_HWM: PUB send high-water mark */
    bool demo;                /* DEALBOOK_DEMO: dealbookd loads the demo data into an empty log */
    char approval_limits[64]; /* DEALBOOK_APPROVAL_LIMITS: "10,20": the deepest discount
                                 (percent) a salesperson, then a manager may approve;
                                 "" the defaults */
    char bid_parts[512];      /* DEALBOOK_BID_PARTS: the bid document's parts,
                                 comma-separated, "?" after an optional one; "" defaults */
    char directors[512];      /* DEALBOOK_DIRECTORS: actors with a director's approval
                                 authority (any discount), comma-separated; "" none */
    char managers[512];       /* DEALBOOK_MANAGERS: actors who may act as sales managers
                                 (resolve registration conflicts), comma-separated; "" none */
    uint64_t book_every;      /* DEALBOOK_BOOK_EVERY: forecasting keeps its as-of book once
                                 the log moved this many events past it (0: never) */
    uint64_t replay_hold_mb;  /* DEALBOOK_REPLAY_HOLD_MB: memory (MiB, at most
                                 DBK_REPLAY_HOLD_MB_MAX) a replay from seq 1
                                 may hold index rows in (def->replay_hold); 0: none */
    char funnel_levels[512];  /* DEALBOOK_FUNNEL_LEVELS: L1..L5 as "PROB:DAYS[:CRIT+...]",
                                 comma-separated (opportunities, forecasting); "" defaults */
    char checklist[4096];     /* DEALBOOK_CHECKLIST: the six-step checklist as
                                 "STEP:ITEM:TEXT" separated by ';' (opportunities); ""
                                 defaults */
    uint64_t protection_days; /* DEALBOOK_PROTECTION_DAYS: a first registrant's protection
                                 (opportunities): 90 */
    uint64_t stale_contact_days; /* DEALBOOK_STALE_CONTACT_DAYS: a stakeholder not met for
                                    longer is a red flag (opportunities): 30 */
    int utc_offset_min;          /* DEALBOOK_TIMEZONE: the business day's offset east of UTC,
                                    in minutes (-720..840): what "today" is (0: UTC) */
    uint64_t flagged;            /* the settings a flag set (a bit per row of the table in
                                    dbk_config.c): dbk_config_refuse names the flag */
} dbk_config_t;

/*  Defaults, then the environment. Returns 0, or DBK_EINVAL with why
    (when not NULL) the one line that refuses the first unusable value:
    the variable, the value given and what the setting takes, e.g.
    "DEALBOOK_PUB_HWM=0: a number of messages from 1 to 100000000". An
    empty variable is an unset one. */
int dbk_config_load (dbk_config_t *cfg, char *why, size_t whysz);

/*  Apply one command-line flag (`--data-dir`, `--log-endpoint`, ...).
    Returns 1 if `flag` is a config flag and consumed `value`, 0 if it is
    not a config flag, DBK_EINVAL if the value is unusable (or NULL), with
    why (when not NULL) the line that says so as dbk_config_load does,
    under the flag's name: "--pub-hwm 0: a number of messages from 1 to
    100000000". */
int dbk_config_flag (dbk_config_t *cfg, const char *flag, const char *value, char *why,
                     size_t whysz);

/*  The line that refuses the value cfg holds for the setting `env`, for
    the settings whose form a service checks at its start (funnel levels,
    approval limits ...): "DEALBOOK_X=VALUE: " and the reason (printf
    format), or "--x VALUE: " and the reason when a flag set it; a long
    value is cut. Returns DBK_EINVAL, so that a setup can return it. `env`
    must be one of the table's string settings (numbers are checked whole
    by dbk_config_load and dbk_config_flag), or NULL when no setting is to
    blame (out of memory): the reason alone. */
int dbk_config_refuse (const dbk_config_t *cfg, const char *env, char *why, size_t whysz,
                       const char *fmt, ...) __attribute__ ((format (printf, 5, 6)));

/*  The DEALBOOK_* variable a config flag sets (two flags may set the same
    one: --log and --log-endpoint), or NULL when it is not a config flag. */
const char *dbk_config_flag_env (const char *flag);

/*  Print the flags dbk_config_flag knows, one per line with its variable,
    for --help texts. */
void dbk_config_print_usage (FILE *out);

/*  The business day (DEALBOOK_TIMEZONE): the date now at cfg's offset
    from UTC, as days since 1970-01-01. This is "today" for every date a
    command states or is bounded by (its `on`, an activity's date, the
    default of an as_of); the instants the log records (`ts`) stay UTC. */
int64_t dbk_config_day (const dbk_config_t *cfg);

/*  The end of business day `day` (days since 1970-01-01) at
    utc_offset_min minutes east of UTC: the instant, in unix ms, when the
    next day begins there, (day + 1) x 86400000 - utc_offset_min x 60000.
    This is what "as of day D" means in every service: what was known by
    the end of D in DEALBOOK_TIMEZONE, the events recorded (`at`) before
    dbk_day_end_ms (D, cfg->utc_offset_min). Pure; exact for any day
    of a date (|day| below 10^11). */
int64_t dbk_day_end_ms (int64_t day, int utc_offset_min);

/*  The business day of the instant ms (unix ms) at utc_offset_min east
    of UTC, as days since 1970-01-01 (before 1970 too): the day whose end
    is the first after ms, so that ms < dbk_day_end_ms (D, off) exactly
    when dbk_day_of_ms (ms, off) <= D. What dates an event that states no
    business date (`on`), by its `at`. Pure; exact for any int64 ms. */
int64_t dbk_day_of_ms (int64_t ms, int utc_offset_min);

/*  A service's fingerprint of its own settings (dbk_svc_setup_fn, 0: the
    defaults) with the business day's offset folded in, for a read model
    that dates instants by it (dbk_day_of_ms): a model built at another
    offset is then replayed. At UTC (0) it is `settings` itself, so that a
    model built before the offset counted is kept; at any other offset it
    is never 0. */
uint32_t dbk_config_zone_mark (uint32_t settings, int utc_offset_min);

/*  dbk_config_day as YYYY-MM-DD. */
void dbk_config_today (const dbk_config_t *cfg, char out[11]);

/*  The business day's zone for messages: "UTC" or "UTC+08:00". */
void dbk_config_zone (const dbk_config_t *cfg, char out[16]);

/*  Join the data directory and a service subdirectory into out. */
int dbk_config_service_dir (const dbk_config_t *cfg, const char *service, char *out, size_t outsz);

#ifdef __cplusplus
}
#endif
#endif
