/*  opp_config.c - the funnel's settings (opportunities_decider.h,
    opp_config_parse): the levels' probabilities, untouched limits and
    entry criteria, the six-step checklist, the protection period and
    the stale-contact limit, from the operator's configuration. */
#include "opportunities_decider.h"

#include "dealbook/dbk_config.h"
#include "dealbook/dbk_error.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CRITERIA_MAX 6        /* entry criteria a level may require: each at most once */
#define S_ITEMS_MAX 64          /* checklist items */
#define S_ITEM_MAX 64           /* bytes of an item's code */
#define S_TEXT_MAX 200          /* bytes of an item's text */
#define S_DAYS_MAX DBK_DAYS_MAX /* any limit in days */

typedef struct {
    opp_config_t cfg; /* first: what the caller holds */
    opp_level_t levels[OPP_LEVELS];
    const char *criteria[OPP_LEVELS][S_CRITERIA_MAX + 1];
    opp_check_item_t items[S_ITEMS_MAX + 1];
    char *buf; /* the checklist setting, cut into its items' codes and texts */
} s_config_t;

static int s_fail (char *why, size_t whysz, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (why, whysz, fmt, ap);
    va_end (ap);
    return DBK_EINVAL;
}

/*  A whole decimal number from..to in [s, e) (spaces around allowed). */
static bool s_int (const char *s, const char *e, long from, long to, long *out)
{
    while (s < e && isspace ((unsigned char) *s))
        s++;
    while (e > s && isspace ((unsigned char) e[-1]))
        e--;
    if (s == e || e - s > 9)
        return false;
    long v = 0;
    for (const char *p = s; p < e; p++) {
        if (!isdigit ((unsigned char) *p))
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return v >= from && v <= to;
}

static const char *s_trim (char *s)
{
    while (isspace ((unsigned char) *s))
        s++;
    size_t n = strlen (s);
    while (n > 0 && isspace ((unsigned char) s[n - 1]))
        s[--n] = 0;
    return s;
}

/*  "PROB:DAYS[:CRIT+CRIT...]" x 5, comma-separated. */
static int s_levels (s_config_t *c, const char *text, char *why, size_t whysz)
{
    const char *p = text;
    for (int l = 0; l < OPP_LEVELS; l++) {
        const char *end = strchr (p, ',');
        if (!end)
            end = p + strlen (p);
        if (l == OPP_LEVELS - 1 && *end)
            return s_fail (why, whysz,
                           "more than %d levels (or a comma "
                           "at the end)",
                           OPP_LEVELS);
        if (l < OPP_LEVELS - 1 && !*end)
            return s_fail (why, whysz,
                           "%d level%s given, L1 to L5 are needed "
                           "(PROB:DAYS[:CRITERION+...] each, comma-separated)",
                           l + 1, l ? "s" : "");
        opp_level_t *lv = &c->levels[l];
        const char *c1 = memchr (p, ':', (size_t) (end - p));
        const char *c2 = c1 ? memchr (c1 + 1, ':', (size_t) (end - c1 - 1)) : NULL;
        long prob, days;
        if (!c1 || !s_int (p, c1, 0, 100, &prob))
            return s_fail (why, whysz,
                           "L%d: the win probability must be a "
                           "percent from 0 to 100, then ':' and the days",
                           l + 1);
        if (!s_int (c1 + 1, c2 ? c2 : end, 1, S_DAYS_MAX, &days))
            return s_fail (why, whysz,
                           "L%d: the days a deal may go untouched "
                           "must be from 1 to %d",
                           l + 1, S_DAYS_MAX);
        lv->probability = (int) prob;
        lv->max_days = (int) days;
        lv->criteria = NULL;
        const char *next = *end ? end + 1 : end;
        if (!c2) {
            p = next;
            continue;
        }
        if (l == 0)
            return s_fail (why, whysz,
                           "L1 is where a deal starts: it takes no "
                           "entry criteria");
        size_t n = 0;
        for (const char *q = c2 + 1;;) { /* every segment, empty ones too */
            const char *qe = memchr (q, '+', (size_t) (end - q));
            if (!qe)
                qe = end;
            while (q < qe && isspace ((unsigned char) *q))
                q++;
            size_t ql = (size_t) (qe - q);
            while (ql > 0 && isspace ((unsigned char) q[ql - 1]))
                ql--;
            const char *code = NULL;
            for (const opp_criterion_t *k = opp_criteria; k->code && !code; k++)
                if (strlen (k->code) == ql && memcmp (k->code, q, ql) == 0)
                    code = k->code;
            if (!code)
                return s_fail (why, whysz,
                               "L%d: unknown entry criterion '%.*s' "
                               "(need_confirmed, decision_maker_known, qualified_pursue, coach, "
                               "decision_maker_supports, commitment)",
                               l + 1, (int) ql, q);
            for (size_t i = 0; i < n; i++)
                if (c->criteria[l][i] == code)
                    return s_fail (why, whysz, "L%d: %s given twice", l + 1, code);
            c->criteria[l][n++] = code; /* at most one of each: fits */
            if (qe == end)
                break;
            q = qe + 1;
        }
        c->criteria[l][n] = NULL;
        lv->criteria = n ? c->criteria[l] : NULL;
        p = next;
    }
    return 0;
}

/*  "STEP:ITEM:TEXT" items separated by ';' (empty ones skipped). */
static int s_checklist (s_config_t *c, const char *text, char *why, size_t whysz)
{
    if (!(c->buf = strdup (text)))
        return snprintf (why, whysz, "out of memory"), DBK_ENOMEM;
    size_t n = 0;
    for (char *save = NULL, *it = strtok_r (c->buf, ";", &save); it;
         it = strtok_r (NULL, ";", &save)) {
        const char *t = s_trim (it);
        if (!*t)
            continue;
        char *c1 = strchr (it, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
        long step;
        if (!c1 || !c2 || !s_int (t, c1, 1, 6, &step))
            return s_fail (why, whysz,
                           "'%.40s': each item is STEP:ITEM:TEXT, STEP "
                           "from 1 (plan) to 6 (follow-up)",
                           t);
        *c1 = *c2 = 0;
        const char *item = s_trim (c1 + 1), *desc = s_trim (c2 + 1);
        size_t il = strlen (item), tl = strlen (desc);
        bool ok = il >= 1 && il <= S_ITEM_MAX;
        for (size_t i = 0; ok && i < il; i++)
            ok = islower ((unsigned char) item[i]) || isdigit ((unsigned char) item[i]) ||
                 strchr ("._-", item[i]);
        if (!ok)
            return s_fail (why, whysz,
                           "item '%.64s': a code of 1 to %d lowercase "
                           "letters, digits, '.', '_' or '-'",
                           item, S_ITEM_MAX);
        if (tl < 1 || tl > S_TEXT_MAX)
            return s_fail (why, whysz, "item %s: a text of 1 to %d bytes", item, S_TEXT_MAX);
        for (size_t i = 0; i < n; i++)
            if (strcmp (c->items[i].item, item) == 0)
                return s_fail (why, whysz, "item %s given twice", item);
        if (n == S_ITEMS_MAX)
            return s_fail (why, whysz, "more than %d items", S_ITEMS_MAX);
        c->items[n++] = (opp_check_item_t){(int) step, item, desc};
    }
    if (n == 0)
        return s_fail (why, whysz, "no item (STEP:ITEM:TEXT;...)");
    c->items[n] = (opp_check_item_t){0, NULL, NULL};
    return 0;
}

int opp_config_parse (const char *levels, const char *checklist, uint64_t protection_days,
                      uint64_t stale_contact_days, opp_config_t **out, const char **bad, char *why,
                      size_t whysz)
{
    *out = NULL;
    *bad = NULL;
    s_config_t *c = calloc (1, sizeof *c);
    if (!c)
        return snprintf (why, whysz, "out of memory"), DBK_ENOMEM;
    memcpy (c->levels, opp_default_levels, sizeof c->levels);
    int rc = 0;
    if (levels && *levels && (rc = s_levels (c, levels, why, whysz)))
        *bad = "DEALBOOK_FUNNEL_LEVELS";
    else if (checklist && *checklist && (rc = s_checklist (c, checklist, why, whysz)))
        *bad = rc == DBK_EINVAL ? "DEALBOOK_CHECKLIST" : NULL;
    else if (!checklist || !*checklist)
        for (size_t i = 0; i < S_ITEMS_MAX && opp_default_checklist[i].item; i++)
            c->items[i] = opp_default_checklist[i]; /* the rest: zeros, the end */
    if (rc) {
        free (c->buf);
        free (c);
        return rc;
    }
    c->cfg = (opp_config_t){c->levels, c->items, (int) protection_days, (int) stale_contact_days};
    *out = &c->cfg;
    return 0;
}

int opp_config_from (const dbk_config_t *cfg, bool checklist, opp_config_t **out, char *why,
                     size_t whysz)
{
    const char *bad;
    char detail[256];
    int rc = opp_config_parse (cfg->funnel_levels, checklist ? cfg->checklist : NULL,
                               cfg->protection_days, cfg->stale_contact_days, out, &bad, detail,
                               sizeof detail);
    if (rc)
        dbk_config_refuse (cfg, bad, why, whysz, "%s", detail);
    return rc;
}

void opp_config_free (opp_config_t **cfg_p)
{
    if (!cfg_p || !*cfg_p)
        return;
    s_config_t *c = (s_config_t *) *cfg_p; /* cfg is its first member */
    free (c->buf);
    free (c);
    *cfg_p = NULL;
}

const opp_config_t *opp_cfg_of (const opp_config_t *cfg)
{
    return cfg ? cfg : &opp_default_config;
}

uint32_t opp_config_fingerprint (const opp_config_t *cfg)
{
    uint32_t h = 2166136261u; /* FNV-1a over the probabilities */
    bool defaults = true;
    for (int l = 0; l < OPP_LEVELS; l++) {
        int p = opp_cfg_of (cfg)->levels[l].probability;
        defaults = defaults && p == opp_default_levels[l].probability;
        h = (h ^ (uint32_t) p) * 16777619u;
    }
    return defaults ? 0 : h ? h : 1;
}
