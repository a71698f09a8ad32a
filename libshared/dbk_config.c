/*  dbk_config.c - defaults, DEALBOOK_* variables and flags, in one table. */
#include "dealbook/dbk_config.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_logging.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum { S_STR, S_EP, S_LEVEL, S_BOOL, S_INT, S_U64, S_ZONE } s_kind_t;

/*  A setting: how it is given, parsed and explained. A refused value is
    answered with the setting, the value and `form` (with the range of a
    number, the length of a string): one sentence per setting, here. */
typedef struct {
    const char *flag;  /* command-line flag                          */
    const char *env;   /* environment variable                       */
    s_kind_t kind;     /* how to parse the value                     */
    size_t offset;     /* field in dbk_config_t                      */
    size_t size;       /* field size (strings)                       */
    uint64_t min, max; /* the range a number takes                   */
    const char *form;  /* what it takes: "a size in bytes"           */
    const char *help;  /* one line for --help                        */
} s_setting_t;

#define STR(f, form) S_STR, offsetof (dbk_config_t, f), sizeof (((dbk_config_t *) 0)->f), 0, 0, form
#define EP(f) S_EP, offsetof (dbk_config_t, f), sizeof (((dbk_config_t *) 0)->f), 0, 0, S_ENDPOINT
#define NUM(k, f, min, max, form) k, offsetof (dbk_config_t, f), 0, min, max, form
#define ONE(k, f, form) k, offsetof (dbk_config_t, f), 0, 0, 0, form
#define S_ENDPOINT "a ZeroMQ endpoint (tcp://HOST:PORT, ipc://PATH, inproc://NAME)"
#define S_YESNO "1, true or yes; 0, false or no"
#define S_MANY 100000000 /* ms or messages: from 1 to a hundred million */

static const s_setting_t s_settings[] = {
    {"--data-dir", "DEALBOOK_DATA_DIR", STR (data_dir, "a directory"), "data directory"},
    {"--log", "DEALBOOK_LOG_ENDPOINT", EP (log_endpoint), "event log ROUTER endpoint"},
    {"--log-endpoint", "DEALBOOK_LOG_ENDPOINT", EP (log_endpoint), "(same as --log)"},
    {"--pub", "DEALBOOK_PUB_ENDPOINT", EP (pub_endpoint), "event log PUB endpoint"},
    {"--pub-endpoint", "DEALBOOK_PUB_ENDPOINT", EP (pub_endpoint), "(same as --pub)"},
    {"--contacts-endpoint", "DEALBOOK_CONTACTS_ENDPOINT", EP (contacts_endpoint),
     "contacts service ROUTER"},
    {"--opportunities-endpoint", "DEALBOOK_OPPORTUNITIES_ENDPOINT", EP (opportunities_endpoint),
     "opportunities service ROUTER"},
    {"--bidding-endpoint", "DEALBOOK_BIDDING_ENDPOINT", EP (bidding_endpoint),
     "bidding service ROUTER"},
    {"--forecasting-endpoint", "DEALBOOK_FORECASTING_ENDPOINT", EP (forecasting_endpoint),
     "forecasting service ROUTER"},
    {"--log-level", "DEALBOOK_LOG_LEVEL",
     ONE (S_LEVEL, log_level, "one of error, warning, info, debug"),
     "error | warning | info | debug"},
    /*  LMDB's own default at least; at most 4 TiB, so that dealbookd's five
        maps fit in the 128 TiB of a process's address space */
    {"--map-size", "DEALBOOK_MAP_SIZE",
     NUM (S_U64, map_size, UINT64_C (1) << 20, UINT64_C (1) << 42, "a size in bytes"),
     "initial LMDB map size in bytes (grows by itself)"},
    {"--durable", "DEALBOOK_DURABLE", ONE (S_BOOL, durable, S_YESNO),
     "1 = fsync every commit (default); 0 only for throwaway data"},
    {"--heartbeat-ms", "DEALBOOK_HEARTBEAT_MS",
     NUM (S_INT, heartbeat_ms, 1, S_MANY, "a whole number of ms"), "PUB heartbeat period in ms"},
    {"--timeout-ms", "DEALBOOK_TIMEOUT_MS",
     NUM (S_INT, timeout_ms, 1, S_MANY, "a whole number of ms"),
     "how long a client waits for an answer"},
    {"--pub-hwm", "DEALBOOK_PUB_HWM", NUM (S_INT, pub_hwm, 1, S_MANY, "a whole number of messages"),
     "PUB high-water mark (messages)"},
    {"--demo", "DEALBOOK_DEMO", ONE (S_BOOL, demo, S_YESNO),
     "dealbookd: 1 loads the demo data set when the log is empty (default 0)"},
    {"--approval-limits", "DEALBOOK_APPROVAL_LIMITS",
     STR (approval_limits, "two discounts in percent, a salesperson's then a deeper manager's "
                           "(10,20)"),
     "bidding: deepest discount (%) a salesperson, a manager approves: 10,20"},
    {"--bid-parts", "DEALBOOK_BID_PARTS",
     STR (bid_parts, "part codes, comma-separated, '?' after an optional one"),
     "bidding: the bid document's parts, '?' marks an optional one"},
    {"--directors", "DEALBOOK_DIRECTORS", STR (directors, "actor ids, comma-separated"),
     "sales directors (actor ids, comma-separated): they approve any discount"},
    {"--managers", "DEALBOOK_MANAGERS", STR (managers, "actor ids, comma-separated"),
     "sales managers (actor ids, comma-separated): they resolve conflicts, approve "
     "discounts up to the second approval limit, set quotas and adjust forecasts"},
    {"--book-every", "DEALBOOK_BOOK_EVERY",
     NUM (S_U64, book_every, 0, UINT64_C (1000000000000), "a whole number of events"),
     "forecasting: keep the as-of book once the log moved N events past it (0: only on "
     "KEEP_BOOK)"},
    {"--replay-hold-mb", "DEALBOOK_REPLAY_HOLD_MB",
     NUM (S_U64, replay_hold_mb, 0, DBK_REPLAY_HOLD_MB_MAX, "a whole number of MiB"),
     "opportunities: MiB of index rows a rebuild holds to write them once (0: none)"},
    {"--funnel-levels", "DEALBOOK_FUNNEL_LEVELS",
     STR (funnel_levels, "L1 to L5 as PROB:DAYS[:CRITERION+...], comma-separated"),
     "L1..L5 as PROB:DAYS[:CRITERION+...], comma-separated: win probability (%), days a "
     "deal may go untouched, entry criteria"},
    {"--checklist", "DEALBOOK_CHECKLIST", STR (checklist, "items STEP:ITEM:TEXT separated by ';'"),
     "opportunities: the six-step checklist, STEP:ITEM:TEXT separated by ';'"},
    {"--protection-days", "DEALBOOK_PROTECTION_DAYS",
     NUM (S_U64, protection_days, 0, DBK_DAYS_MAX, "a whole number of days"),
     "opportunities: days a first registrant owns a project (90)"},
    {"--stale-contact-days", "DEALBOOK_STALE_CONTACT_DAYS",
     NUM (S_U64, stale_contact_days, 1, DBK_DAYS_MAX, "a whole number of days"),
     "opportunities: a stakeholder not met for longer is a red flag (30)"},
    {"--timezone", "DEALBOOK_TIMEZONE",
     ONE (S_ZONE, utc_offset_min, "UTC or an offset from UTC, +HH:MM or -HH:MM, -12:00 to +14:00"),
     "the business day's offset from UTC, +HH:MM or -HH:MM (-12:00 to +14:00): what "
     "\"today\" is for every service (UTC)"},
};

#define S_N (sizeof s_settings / sizeof s_settings[0])
_Static_assert(S_N <= 64, "dbk_config_t.flagged holds a bit per setting");

/*  A whole decimal number, digits only (no sign, no blanks). */
static bool s_number (const char *value, uint64_t *out)
{
    char *end;
    if (*value < '0' || *value > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull (value, &end, 10);
    *out = v;
    return !errno && !*end;
}

/*  tcp://HOST:PORT (PORT 1..65535, or * to bind any), ipc://PATH or
    inproc://NAME: libzmq takes a port above 65535 modulo 65536, so a
    typo (77100) would bind or reach another port without a word. */
static bool s_endpoint_ok (const char *ep)
{
    if (!strncmp (ep, "ipc://", 6) || !strncmp (ep, "inproc://", 9))
        return ep[ep[0] == 'i' && ep[1] == 'p' ? 6 : 9] != 0;
    if (strncmp (ep, "tcp://", 6) != 0)
        return false;
    const char *colon = strrchr (ep + 6, ':');
    if (!colon || colon == ep + 6)
        return false;
    const char *port = colon + 1;
    if (!strcmp (port, "*"))
        return true;
    size_t n = strlen (port);
    if (n == 0 || n > 5 || strspn (port, "0123456789") != n)
        return false;
    long v = strtol (port, NULL, 10);
    return v >= 1 && v <= 65535;
}

/*  "UTC", "Z" or a fixed offset "+HH:MM" / "-HH:MM" (the business runs on
    one calendar; a fixed offset needs no time zone database and gives
    every service and replay the same day) into minutes east of UTC. */
static bool s_zone (const char *value, int *out)
{
    if (strcmp (value, "UTC") == 0 || strcmp (value, "Z") == 0) {
        *out = 0;
        return true;
    }
    const char *v = value;
    if ((v[0] != '+' && v[0] != '-') || strlen (v) != 6 || v[3] != ':')
        return false;
    for (int i = 1; i < 6; i++)
        if (i != 3 && (v[i] < '0' || v[i] > '9'))
            return false;
    int h = (v[1] - '0') * 10 + (v[2] - '0'), m = (v[4] - '0') * 10 + (v[5] - '0');
    int min = (v[0] == '-' ? -1 : 1) * (h * 60 + m);
    if (m > 59 || min < DBK_UTC_OFFSET_MIN_MIN || min > DBK_UTC_OFFSET_MAX_MIN)
        return false;
    *out = min;
    return true;
}

static int s_set (dbk_config_t *cfg, const s_setting_t *s, const char *value)
{
    char *field = (char *) cfg + s->offset;
    uint64_t v;
    switch (s->kind) {
    case S_STR:
    case S_EP:
        if (!*value || strlen (value) >= s->size || (s->kind == S_EP && !s_endpoint_ok (value)))
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
    case S_BOOL:
        if (strcmp (value, "1") == 0 || strcmp (value, "true") == 0 || strcmp (value, "yes") == 0)
            *(bool *) field = true;
        else if (strcmp (value, "0") == 0 || strcmp (value, "false") == 0 ||
                 strcmp (value, "no") == 0)
            *(bool *) field = false;
        else
            return DBK_EINVAL;
        return 0;
    case S_INT:
    case S_U64:
        if (!s_number (value, &v) || v < s->min || v > s->max)
            return DBK_EINVAL;
        if (s->kind == S_INT)
            *(int *) field = (int) v; /* max fits */
        else
            *(uint64_t *) field = v;
        return 0;
    case S_ZONE:
        return s_zone (value, (int *) field) ? 0 : DBK_EINVAL;
    }
    return DBK_EINVAL;
}

/*  The line that refuses `value` (NULL: none given) of s, given by its
    flag or its variable; detail: what is wrong, else what s takes. */
static int s_refuse (const s_setting_t *s, bool by_flag, const char *value, char *why, size_t whysz,
                     const char *detail)
{
    if (!why || !whysz)
        return DBK_EINVAL;
    char form[200];
    if (!detail) {
        if (s->kind == S_STR)
            snprintf (form, sizeof form, "%s, 1 to %zu bytes", s->form, s->size - 1);
        else if (s->kind == S_EP)
            snprintf (form, sizeof form, "%s, a PORT from 1 to 65535 or *, 1 to %zu bytes", s->form,
                      s->size - 1);
        else if (s->kind == S_INT || s->kind == S_U64)
            snprintf (form, sizeof form, "%s from %llu to %llu", s->form,
                      (unsigned long long) s->min, (unsigned long long) s->max);
        else
            snprintf (form, sizeof form, "%s", s->form);
        detail = form;
    }
    /*  a checklist may be kilobytes long: its start says which it is */
    enum { S_SHOWN = 120 };
    const char *cut = value && strlen (value) > S_SHOWN ? "..." : "";
    if (!value)
        snprintf (why, whysz, "%s without a value: %s", s->flag, detail);
    else if (by_flag)
        snprintf (why, whysz, "%s %s%.*s%s: %s", s->flag, *value ? "" : "\"\"", S_SHOWN, value, cut,
                  detail);
    else
        snprintf (why, whysz, "%s=%.*s%s: %s", s->env, S_SHOWN, value, cut, detail);
    return DBK_EINVAL;
}

int dbk_config_load (dbk_config_t *cfg, char *why, size_t whysz)
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
    /*  a subscriber that stops reading pins this many messages of the
        log's: one group commit's events at most (16384) pass a
        subscriber that keeps up, and a larger lag is repaired by READ */
    cfg->pub_hwm = 16384;
    cfg->book_every = 100000;
    cfg->replay_hold_mb = 2048;
    cfg->protection_days = 90;
    cfg->stale_contact_days = 30;
    for (size_t i = 0; i < S_N; i++) {
        /*  an empty variable is an unset one (compose's ${X:-} passes
            one through), not a bad value */
        const char *v = getenv (s_settings[i].env);
        if (v && *v && s_set (cfg, &s_settings[i], v))
            return s_refuse (&s_settings[i], false, v, why, whysz, NULL);
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

int dbk_config_flag (dbk_config_t *cfg, const char *flag, const char *value, char *why,
                     size_t whysz)
{
    for (size_t i = 0; i < S_N; i++) {
        if (strcmp (flag, s_settings[i].flag) != 0)
            continue;
        if (!value || s_set (cfg, &s_settings[i], value))
            return s_refuse (&s_settings[i], true, value, why, whysz, NULL);
        cfg->flagged |= UINT64_C (1) << i;
        return 1;
    }
    return 0;
}

int dbk_config_refuse (const dbk_config_t *cfg, const char *env, char *why, size_t whysz,
                       const char *fmt, ...)
{
    const s_setting_t *s = NULL;
    bool by_flag = false;
    char detail[512];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (detail, sizeof detail, fmt, ap);
    va_end (ap);
    if (!env) {
        snprintf (why, whysz, "%s", detail);
        return DBK_EINVAL;
    }
    for (size_t i = 0; i < S_N && !by_flag; i++)
        if (strcmp (s_settings[i].env, env) == 0) {
            by_flag = cfg->flagged >> i & 1;
            if (!s || by_flag) /* --log or --log-endpoint: the one given */
                s = &s_settings[i];
        }
    /*  a string of the table: the numbers are checked here, whole */
    assert (s && (s->kind == S_STR || s->kind == S_EP));
    return s_refuse (s, by_flag, (const char *) cfg + s->offset, why, whysz, detail);
}

void dbk_config_print_usage (FILE *out)
{
    for (size_t i = 0; i < S_N; i++) {
        const s_setting_t *s = &s_settings[i];
        fprintf (out, "  %-26s %-32s %s", s->flag, s->env, s->help);
        /*  what a start refuses, said before it is tried */
        if (s->kind == S_INT || s->kind == S_U64)
            fprintf (out, " [%llu-%llu]", (unsigned long long) s->min, (unsigned long long) s->max);
        fputc ('\n', out);
    }
}

int dbk_config_service_dir (const dbk_config_t *cfg, const char *service, char *out, size_t outsz)
{
    int n = snprintf (out, outsz, "%s/%s", cfg->data_dir, service);
    return n > 0 && (size_t) n < outsz ? 0 : DBK_ETOOBIG;
}

int64_t dbk_day_end_ms (int64_t day, int utc_offset_min)
{
    return (day + 1) * 86400000 - (int64_t) utc_offset_min * 60000;
}

int64_t dbk_day_of_ms (int64_t ms, int utc_offset_min)
{
    /*  the inverse of dbk_day_end_ms: the first day whose end is after
        ms. The day and the time in it apart, so that no `at` appended by
        hand, however far from now, overflows when the offset is added;
        floors, so that an instant before 1970 falls on its own day. */
    int64_t day = ms / 86400000, t = ms % 86400000;
    if (t < 0) {
        t += 86400000;
        day--;
    }
    t += (int64_t) utc_offset_min * 60000;
    return day + t / 86400000 - (t % 86400000 < 0);
}

uint32_t dbk_config_zone_mark (uint32_t settings, int utc_offset_min)
{
    if (utc_offset_min == 0)
        return settings; /* UTC: a model built before the zone counted stays good */
    uint32_t h = (settings ^ 0x7a6f6e65u) * 16777619u; /* FNV-1a step, "zone" */
    h = (h ^ (uint32_t) utc_offset_min) * 16777619u;
    return h ? h : 1;
}

int64_t dbk_config_day (const dbk_config_t *cfg)
{
    return dbk_day_of_ms ((int64_t) time (NULL) * 1000, cfg->utc_offset_min);
}

void dbk_config_today (const dbk_config_t *cfg, char out[11])
{
    time_t t = (time_t) (dbk_config_day (cfg) * 86400);
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (out, 11, "%Y-%m-%d", &tm);
}

void dbk_config_zone (const dbk_config_t *cfg, char out[16])
{
    int m = cfg->utc_offset_min, a = m < 0 ? -m : m;
    if (m == 0)
        snprintf (out, 16, "UTC");
    else
        snprintf (out, 16, "UTC%c%02d:%02d", m < 0 ? '-' : '+', a / 60 % 100, a % 60);
}
