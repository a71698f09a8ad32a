/*  test_forecasting_events_doc.c - docs/events.md checked against the
    events the forecasting deciders (services/forecasting/forecasting.h)
    produce: every event type is decided by the real deciders, with every
    optional field given (fixture in support/fc_given.h), and must have a
    `#### \`type\`` section that describes each key of its payload as
    `key` in a row of its table; and every `#### \`quota.…\`` and
    `forecast.…` section must be a type decided here, so the document can
    drift from the deciders in neither direction.
*/
#include "support/fc_given.h"

TestSuite (forecasting_events_doc, .init = s_setup, .fini = s_teardown);

#define S_TYPES_MAX 16
static char s_seen[S_TYPES_MAX][100]; /* the types decided so far */
static size_t s_nseen;

static char s_keys[4000]; /* "type:key;" of every payload key checked */
static fc_quota_t quota;
static fc_forecast_t fcst;

static char *s_read_doc (void)
{
    const char *root = getenv ("DBK_ROOT");
    char path[600];
    snprintf (path, sizeof path, "%s/docs/events.md", root ? root : ".");
    FILE *f = fopen (path, "rb");
    cr_assert_not_null (f, "cannot open %s", path);
    static char buf[300000];
    size_t n = fread (buf, 1, sizeof buf - 1, f);
    cr_assert_lt (n, sizeof buf - 1, "%s is larger than the test's buffer", path);
    fclose (f);
    buf[n] = 0;
    return buf;
}

static bool s_was_seen (const char *type, size_t n)
{
    for (size_t i = 0; i < s_nseen; i++)
        if (strlen (s_seen[i]) == n && !memcmp (s_seen[i], type, n))
            return true;
    return false;
}

/*  Does a table row (a line starting with "|") of [text, text+len) hold
    word? Prose around the table does not count: each key has its row. */
static bool s_in_row (const char *text, size_t len, const char *word)
{
    const char *end = text + len;
    for (const char *line = text; line < end;) {
        const char *nl = memchr (line, '\n', (size_t) (end - line));
        const char *stop = nl ? nl : end;
        size_t n = (size_t) (stop - line);
        if (*line == '|' && memmem (line, n, word, strlen (word)))
            return true;
        line = stop + 1;
    }
    return false;
}

/*  The section of `#### \`type\`` in doc: up to the next heading. */
static const char *s_section (const char *doc, const char *type, size_t *len)
{
    char want[200];
    snprintf (want, sizeof want, "#### `%s`", type);
    const char *section = strstr (doc, want);
    cr_assert_not_null (section, "docs/events.md has no section %s", want);
    const char *end = NULL;
    static const char *const heads[] = {"\n## ", "\n### ", "\n#### "};
    for (size_t i = 0; i < 3; i++) {
        const char *at = strstr (section + 1, heads[i]);
        if (at && (!end || at < end))
            end = at;
    }
    *len = end ? (size_t) (end - section) : strlen (section);
    return section;
}

/*  Fold the decided events into the states of their streams (each
    evolve ignores the other's types). */
static void s_fold (void)
{
    for (size_t i = 0; i < dbk_decision_count (d); i++) {
        const char *type = dbk_decision_type (d, i);
        const dbk_obj_t *p = payload (i);
        cr_assert_eq (fc_quota_evolve (&quota, type, p), 0, "%s does not fold", type);
        cr_assert_eq (fc_forecast_evolve (&fcst, type, p), 0, "%s does not fold", type);
    }
}

/*  Every decided event's type has a section and every key of its payload
    is described in its table there; then the decision is emptied. */
static void s_documented (const char *doc)
{
    cr_assert_gt (dbk_decision_count (d), 0, "nothing decided: %s", dbk_decision_message (d));
    for (size_t i = 0; i < dbk_decision_count (d); i++) {
        const char *type = dbk_decision_type (d, i);
        if (!s_was_seen (type, strlen (type))) {
            cr_assert_lt (s_nseen, S_TYPES_MAX);
            snprintf (s_seen[s_nseen++], sizeof s_seen[0], "%s", type);
        }
        size_t len;
        const char *section = s_section (doc, type, &len);
        const dbk_obj_t *p = payload (i);
        cr_assert_eq (dbk_obj_type (p), DBK_T_MAP, "the payload of %s is a map", type);
        for (size_t k = 0; k < dbk_obj_len (p); k++) {
            const char *key;
            size_t kn;
            char want[120];
            cr_assert_eq (dbk_obj_str (dbk_obj_key_at (p, k), &key, &kn), 0);
            snprintf (want, sizeof want, "`%.*s`", (int) kn, key);
            cr_assert (s_in_row (section, len, want),
                       "docs/events.md does not describe %s of %s in its table", want, type);
            char tk[200];
            int tn = snprintf (tk, sizeof tk, "%s:%.*s;", type, (int) kn, key);
            cr_assert (tn > 0 && (size_t) tn < sizeof tk);
            if (!strstr (s_keys, tk)) {
                cr_assert_lt (strlen (s_keys) + (size_t) tn, sizeof s_keys);
                strcat (s_keys, tk);
            }
        }
    }
    dbk_decision_reset (d);
}

/*  The decider call must decide; its events are folded into the states
    of their streams, then checked against the document. */
#define DOC(call)                                                                                  \
    do {                                                                                           \
        int doc_rc_ = (call);                                                                      \
        cr_assert_eq (doc_rc_, 0, "%s: %s", #call, dbk_decision_message (d));                      \
        cr_assert_not (dbk_decision_rejected (d), "%s: %s", #call, dbk_decision_message (d));      \
        s_fold ();                                                                                 \
        s_documented (doc);                                                                        \
    } while (0)

/*  A sales manager's facts on `today`. */
static fc_facts_t s_manager (const char *today)
{
    return (fc_facts_t){today, "li", true};
}

/*  Quota of wang for 2026-Q2: set with a note, then replaced (from_*). */
static void s_quota (const char *doc)
{
    fc_facts_t m = s_manager ("2026-03-01");
    DOC (fc_quota_set (d, &quota,
                       cmd ("{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q2\","
                            "\"amount\":500000000,\"currency\":\"CNY\",\"note\":\"new region\"}"),
                       &m));
    cr_assert (quota.exists);
    cr_assert_eq (quota.amount, 500000000);
    DOC (fc_quota_set (d, &quota,
                       cmd ("{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q2\","
                            "\"amount\":600000000,\"currency\":\"CNY\",\"note\":\"stretch\"}"),
                       &m));
    cr_assert_eq (quota.amount, 600000000);
    cr_assert_str_eq (quota.period, "2026-Q2");
}

/*  wang's forecast for 2026-Q2: submitted before the start (frozen),
    adjusted by a manager with every optional field, then a late
    resubmission and a late adjustment. */
static void s_forecast (const char *doc)
{
    DOC (fc_forecast_submit (d, &fcst,
                             cmd ("{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":"
                                  "\"CNY\",\"commit\":300000000,\"best_case\":450000000,"
                                  "\"pipeline\":900000000,\"note\":\"metro in commit\"}"),
                             &facts));
    cr_assert (fcst.exists);
    cr_assert (fcst.frozen.set, "dated before the start: frozen");
    cr_assert_eq (fcst.late, 0);

    fc_facts_t m = s_manager ("2026-03-15");
    DOC (fc_forecast_adjust (d, &fcst,
                             cmd ("{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":"
                                  "\"CNY\",\"commit\":250000000,\"best_case\":400000000,"
                                  "\"pipeline\":800000000,\"note\":\"the metro deal slips\"}"),
                             &m));
    cr_assert (fcst.frozen_adjusted.set);
    cr_assert_eq (fcst.frozen_adjusted.commit, 250000000);

    fc_facts_t late = {"2026-04-10", "wang", false};
    DOC (fc_forecast_submit (d, &fcst,
                             cmd ("{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":"
                                  "\"CNY\",\"commit\":350000000,\"best_case\":500000000,"
                                  "\"pipeline\":950000000,\"note\":\"hospital won early\"}"),
                             &late));
    cr_assert_eq (fcst.late, 1, "dated after the start: a late revision");
    cr_assert_eq (fcst.frozen.commit, 300000000, "the freeze holds");

    m = s_manager ("2026-04-12");
    DOC (fc_forecast_adjust (d, &fcst,
                             cmd ("{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"commit\":"
                                  "340000000,\"best_case\":480000000,\"note\":\"agreed\"}"),
                             &m));
    cr_assert_eq (fcst.late, 2);
    cr_assert_eq (fcst.frozen_adjusted.commit, 250000000, "the freeze holds");
    cr_assert_eq (fcst.adjusted.pipeline, 950000000, "the submission's pipeline");
}

Test (forecasting_events_doc, every_forecasting_event_type_and_payload_field_is_documented)
{
    const char *doc = s_read_doc ();
    s_nseen = 0;
    s_keys[0] = 0;
    memset (&quota, 0, sizeof quota);
    memset (&fcst, 0, sizeof fcst);
    s_quota (doc);
    s_forecast (doc);

    /* and the other way: every quota.* and forecast.* section is a
       decided type */
    static const char *const heads[] = {"#### `quota.", "#### `forecast."};
    size_t sections = 0;
    for (size_t h = 0; h < 2; h++)
        for (const char *at = strstr (doc, heads[h]); at; at = strstr (at + 1, heads[h])) {
            const char *type = at + 6;
            const char *end = strchr (type, '`');
            cr_assert_not_null (end);
            cr_assert (s_was_seen (type, (size_t) (end - type)),
                       "docs/events.md documents %.*s, which no decider decided here",
                       (int) (end - type), type);
            sections++;
        }
    cr_assert_eq (sections, s_nseen, "%zu sections for %zu decided types", sections, s_nseen);
    cr_assert_eq (s_nseen, 3, "%zu types decided", s_nseen);

    /* every optional key was given, so each was checked */
    static const char *const optional[] = {"quota.set:from_amount;", "quota.set:from_currency;",
                                           "quota.set:note;",        "forecast.submitted:note;",
                                           "forecast.adjusted:by;",  "forecast.adjusted:note;",
                                           "quota.set:on;",          "forecast.submitted:late;",
                                           "forecast.adjusted:late;"};
    for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++)
        cr_assert (strstr (s_keys, optional[i]), "%s was never decided: %s", optional[i], s_keys);
}
