/*  dbk_config.c - defaults, DEALBOOK_* variables and flags, in one table. */
#include "dealbook/dbk_config.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_logging.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { S_STR, S_LEVEL, S_U64, S_BOOL, S_INT } s_kind_t;

typedef struct {
    const char *flag; /* command-line flag          */
    const char *env;  /* environment variable       */
    s_kind_t kind;    /* how to parse the value     */
    size_t offset;    /* field in dbk_config_t      */
    size_t size;      /* field size (strings)       */
    const char *help; /* one line for --help        */
} s_setting_t;

#define STR(f) S_STR, offsetof (dbk_config_t, f), sizeof (((dbk_config_t *) 0)->f)
#define NUM(k, f) k, offsetof (dbk_config_t, f), 0

static const s_setting_t s_settings[] = {
    {"--data-dir", "DEALBOOK_DATA_DIR", STR (data_dir), "data directory"},
    {"--log", "DEALBOOK_LOG_ENDPOINT", STR (log_endpoint), "event log ROUTER endpoint"},
    {"--log-endpoint", "DEALBOOK_LOG_ENDPOINT", STR (log_endpoint), "(same as --log)"},
    {"--pub", "DEALBOOK_PUB_ENDPOINT", STR (pub_endpoint), "event log PUB endpoint"},
    {"--pub-endpoint", "DEALBOOK_PUB_ENDPOINT", STR (pub_endpoint), "(same as --pub)"},
    {"--contacts-endpoint", "DEALBOOK_CONTACTS_ENDPOINT", STR (contacts_endpoint),
     "contacts service ROUTER"},
    {"--opportunities-endpoint", "DEALBOOK_OPPORTUNITIES_ENDPOINT", STR (opportunities_endpoint),
     "opportunities service ROUTER"},
    {"--bidding-endpoint", "DEALBOOK_BIDDING_ENDPOINT", STR (bidding_endpoint),
     "bidding service ROUTER"},
    {"--forecasting-endpoint", "DEALBOOK_FORECASTING_ENDPOINT", STR (forecasting_endpoint),
     "forecasting service ROUTER"},
    {"--log-level", "DEALBOOK_LOG_LEVEL", NUM (S_LEVEL, log_level),
     "error | warning | info | debug"},
    {"--map-size", "DEALBOOK_MAP_SIZE", NUM (S_U64, map_size),
     "initial LMDB map size in bytes (grows by itself)"},
    {"--durable", "DEALBOOK_DURABLE", NUM (S_BOOL, durable),
     "1 = fsync every commit (default); 0 only for throwaway data"},
    {"--heartbeat-ms", "DEALBOOK_HEARTBEAT_MS", NUM (S_INT, heartbeat_ms),
     "PUB heartbeat period in ms"},
    {"--timeout-ms", "DEALBOOK_TIMEOUT_MS", NUM (S_INT, timeout_ms),
     "how long a client waits for an answer"},
    {"--pub-hwm", "DEALBOOK_PUB_HWM", NUM (S_INT, pub_hwm), "PUB high-water mark (messages)"},
    {"--demo", "DEALBOOK_DEMO", NUM (S_BOOL, demo),
     "dealbookd: 1 loads the demo data set when the log is empty (default 0)"},
    {"--approval-limits", "DEALBOOK_APPROVAL_LIMITS", STR (approval_limits),
     "bidding: deepest discount (%) a salesperson, a manager approves: 10,20"},
    {"--bid-parts", "DEALBOOK_BID_PARTS", STR (bid_parts),
     "bidding: the bid document's parts, '?' marks an optional one"},
    {"--directors", "DEALBOOK_DIRECTORS", STR (directors),
     "sales directors (actor ids, comma-separated): they approve any discount"},
    {"--managers", "DEALBOOK_MANAGERS", STR (managers),
     "sales managers (actor ids, comma-separated): they resolve conflicts, approve "
     "discounts up to the second approval limit, set quotas and adjust forecasts"},
    {"--book-every", "DEALBOOK_BOOK_EVERY", NUM (S_U64, book_every),
     "forecasting: keep the as-of book once the log moved N events past it (0: only on "
     "KEEP_BOOK)"},
    {"--replay-hold-mb", "DEALBOOK_REPLAY_HOLD_MB", NUM (S_U64, replay_hold_mb),
     "opportunities: MiB of index rows a rebuild holds to write them once (0: none)"},
    {"--funnel-levels", "DEALBOOK_FUNNEL_LEVELS", STR (funnel_levels),
     "L1..L5 as PROB:DAYS[:CRITERION+...], comma-separated: win probability (%), days a "
     "deal may go untouched, entry criteria"},
    {"--checklist", "DEALBOOK_CHECKLIST", STR (checklist),
     "opportunities: the six-step checklist, STEP:ITEM:TEXT separated by ';'"},
    {"--protection-days", "DEALBOOK_PROTECTION_DAYS", NUM (S_U64, protection_days),
     "opportunities: days a first registrant owns a project (90)"},
    {"--stale-contact-days", "DEALBOOK_STALE_CONTACT_DAYS", NUM (S_U64, stale_contact_days),
     "opportunities: a stakeholder not met for longer is a red flag (30)"},
};

#define S_N (sizeof s_settings / sizeof s_settings[0])

static int s_set (dbk_config_t *cfg, const s_setting_t *s, const char *value)
{
    char *field = (char *) cfg + s->offset;
    char *end;
    switch (s->kind) {
    case S_STR:
        if (!*value || strlen (value) >= s->size)
            return DBK_EINVAL;
        memcpy (field, value, strlen (value) + 1);
        return 0;
    case S_LEVEL: {
        int lv = dbk_level_parse (value);
        if (lv < 0)
            return DBK_EINVAL;
        *(int *) field = lv;
        return 0;
    }
    case S_U64: {
        errno = 0;
        unsigned long long v = strtoull (value, &end, 10);
        if (errno || *end || end == value || value[0] == '-')
            return DBK_EINVAL;
        *(uint64_t *) field = v;
        return 0;
    }
    case S_BOOL:
        if (strcmp (value, "1") == 0 || strcmp (value, "true") == 0 || strcmp (value, "yes") == 0)
            *(bool *) field = true;
        else if (strcmp (value, "0") == 0 || strcmp (value, "false") == 0 ||
                 strcmp (value, "no") == 0)
            *(bool *) field = false;
        else
            return DBK_EINVAL;
        return 0;
    case S_INT: {
        errno = 0;
        long v = strtol (value, &end, 10);
        if (errno || *end || end == value || v < 1 || v > 100000000)
            return DBK_EINVAL;
        *(int *) field = (int) v;
        return 0;
    }
    }
    return DBK_EINVAL;
}

int dbk_config_load (dbk_config_t *cfg, const char **bad)
{
    memset (cfg, 0, sizeof *cfg);
    snprintf (cfg->data_dir, sizeof cfg->data_dir, "%s", DBK_DEFAULT_DATA_DIR);
    snprintf (cfg->log_endpoint, sizeof cfg->log_endpoint, "%s", DBK_DEFAULT_LOG_ENDPOINT);
    snprintf (cfg->pub_endpoint, sizeof cfg->pub_endpoint, "%s", DBK_DEFAULT_PUB_ENDPOINT);
    snprintf (cfg->contacts_endpoint, DBK_ENDPOINT_MAX, "tcp://127.0.0.1:7720");
    snprintf (cfg->opportunities_endpoint, DBK_ENDPOINT_MAX, "tcp://127.0.0.1:7730");
    snprintf (cfg->bidding_endpoint, DBK_ENDPOINT_MAX, "tcp://127.0.0.1:7740");
    snprintf (cfg->forecasting_endpoint, DBK_ENDPOINT_MAX, "tcp://127.0.0.1:7750");
    cfg->log_level = DBK_LOG_INFO;
    /*  address space, not disk or memory: the file grows with the data.
        A map that fills is doubled, which waits for VERIFY and BACKUP
        jobs and remaps (a cold map for readers): rarely, from this size */
    cfg->map_size = UINT64_C (16) << 30;
    cfg->durable = true;
    cfg->heartbeat_ms = 1000;
    cfg->timeout_ms = 5000;
    cfg->pub_hwm = 100000;
    cfg->book_every = 100000;
    cfg->replay_hold_mb = 2048;
    cfg->protection_days = 90;
    cfg->stale_contact_days = 30;
    for (size_t i = 0; i < S_N; i++) {
        /*  an empty variable is an unset one (compose's ${X:-} passes
            one through), not a bad value */
        const char *v = getenv (s_settings[i].env);
        if (v && *v && s_set (cfg, &s_settings[i], v)) {
            if (bad)
                *bad = s_settings[i].env;
            return DBK_EINVAL;
        }
    }
    return 0;
}

const char *dbk_config_flag_env (const char *flag)
{
    for (size_t i = 0; flag && i < S_N; i++)
        if (strcmp (s_settings[i].flag, flag) == 0)
            return s_settings[i].env;
    return NULL;
}

int dbk_config_flag (dbk_config_t *cfg, const char *flag, const char *value)
{
    for (size_t i = 0; i < S_N; i++)
        if (strcmp (flag, s_settings[i].flag) == 0)
            return value && s_set (cfg, &s_settings[i], value) == 0 ? 1 : DBK_EINVAL;
    return 0;
}

void dbk_config_print_usage (FILE *out)
{
    for (size_t i = 0; i < S_N; i++)
        fprintf (out, "  %-26s %-32s %s\n", s_settings[i].flag, s_settings[i].env,
                 s_settings[i].help);
}

int dbk_config_service_dir (const dbk_config_t *cfg, const char *service, char *out, size_t outsz)
{
    int n = snprintf (out, outsz, "%s/%s", cfg->data_dir, service);
    return n > 0 && (size_t) n < outsz ? 0 : DBK_ETOOBIG;
}
