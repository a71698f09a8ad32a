/*  events_doc.h - the checker shared by the drift tests of docs/events.md
    (test_opportunities_events_doc.c, test_bidding_events_doc.c,
    test_forecasting_events_doc.c, and the events_doc suite of
    test_contacts_people.c): the document read whole, the section of
    `#### \`type\`` cut out, each key of a decided event's payload (and
    each key of the maps inside an array of maps, in that array's row)
    looked up in a table row of its section, the decided types and their
    keys recorded, and the other way round every section under a heading
    checked to be a decided type. Header-only (static inline) because the
    Makefile links tests/support/testlib.c only.

    Include it after a fixture that includes given.h (for `d`, payload ()
    and s_flush ()). Define EVENTS_DOC_FLUSH to 1 first to free the parsed
    documents after each check (for suites whose states keep their own
    copies and which decide more events than the pool holds).
*/
#ifndef EVENTS_DOC_H
#define EVENTS_DOC_H

#include "given.h"

#ifndef EVENTS_DOC_FLUSH
#define EVENTS_DOC_FLUSH 0
#endif

#define S_TYPES_MAX 64
static char s_seen[S_TYPES_MAX][100]; /* the types decided so far */
static size_t s_nseen;
static char s_keys[16000]; /* "type:key;" of every payload key checked */

/*  docs/events.md under $DBK_ROOT (or .), whole; the types and keys
    recorded so far are forgotten. */
static inline const char *s_read_doc (void)
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
    s_nseen = 0;
    s_keys[0] = 0;
    return buf;
}

static inline bool s_was_seen (const char *type, size_t n)
{
    for (size_t i = 0; i < s_nseen; i++)
        if (strlen (s_seen[i]) == n && !memcmp (s_seen[i], type, n))
            return true;
    return false;
}

/*  Does a table row (a line starting with "|") of [text, text+len) hold
    word, and also `also` when not NULL? Prose around the table does not
    count: each key has its row. */
static inline bool s_in_row (const char *text, size_t len, const char *word, const char *also)
{
    const char *end = text + len;
    for (const char *line = text; line < end;) {
        const char *nl = memchr (line, '\n', (size_t) (end - line));
        const char *stop = nl ? nl : end;
        size_t n = (size_t) (stop - line);
        if (*line == '|' && memmem (line, n, word, strlen (word)) &&
            (!also || memmem (line, n, also, strlen (also))))
            return true;
        line = stop + 1;
    }
    return false;
}

/*  The section of `#### \`type\`` in doc: up to the next heading. */
static inline const char *s_section (const char *doc, const char *type, size_t *len)
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

/*  Key k of map m: its text in *key, *kn, and "`key`" in want. */
static inline void s_key_at (const dbk_obj_t *m, size_t k, const char **key, size_t *kn, char *want,
                             size_t size)
{
    cr_assert_eq (dbk_obj_str (dbk_obj_key_at (m, k), key, kn), 0);
    snprintf (want, size, "`%.*s`", (int) *kn, *key);
}

/*  Every key of the maps in array a (the value of `outer`) is described
    in outer's row. */
static inline void s_items_documented (const char *section, size_t len, const char *type,
                                       const char *outer, const dbk_obj_t *a)
{
    for (size_t j = 0; j < dbk_obj_len (a); j++) {
        const dbk_obj_t *m = dbk_obj_at (a, j);
        if (dbk_obj_type (m) != DBK_T_MAP)
            continue;
        for (size_t k = 0; k < dbk_obj_len (m); k++) {
            const char *key;
            size_t kn;
            char want[120];
            s_key_at (m, k, &key, &kn, want, sizeof want);
            cr_assert (s_in_row (section, len, outer, want),
                       "docs/events.md does not describe %s of the items of %s of %s in its row",
                       want, outer, type);
        }
    }
}

/*  Record "type:key;" in s_keys (once). */
static inline void s_key_checked (const char *type, const char *key, size_t kn)
{
    char tk[200];
    int tn = snprintf (tk, sizeof tk, "%s:%.*s;", type, (int) kn, key);
    cr_assert (tn > 0 && (size_t) tn < sizeof tk);
    if (!strstr (s_keys, tk)) {
        cr_assert_lt (strlen (s_keys) + (size_t) tn, sizeof s_keys);
        strcat (s_keys, tk);
    }
}

/*  Every decided event's type has a section and every key of its payload
    is described in its table there; then the decision is emptied. */
static inline void s_documented (const char *doc)
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
            s_key_at (p, k, &key, &kn, want, sizeof want);
            cr_assert (s_in_row (section, len, want, NULL),
                       "docs/events.md does not describe %s of %s in its table", want, type);
            s_key_checked (type, key, kn);
            const dbk_obj_t *v = dbk_obj_val_at (p, k);
            if (dbk_obj_type (v) == DBK_T_ARRAY)
                s_items_documented (section, len, type, want, v);
        }
    }
    dbk_decision_reset (d);
    if (EVENTS_DOC_FLUSH)
        s_flush ();
}

/*  The decider call (spelled `text`) must decide; then `folding` (the
    suite's fold of the decided events into its states) runs, and the
    events are checked against the document `doc` in scope. */
#define DOC_THEN(call, text, folding)                                                              \
    do {                                                                                           \
        int doc_rc_ = (call);                                                                      \
        cr_assert_eq (doc_rc_, 0, "%s: %s", text, dbk_decision_message (d));                       \
        cr_assert_not (dbk_decision_rejected (d), "%s: %s", text, dbk_decision_message (d));       \
        folding;                                                                                   \
        s_documented (doc);                                                                        \
    } while (0)

/*  The other way: every `#### \`` section whose type starts with one of
    prefixes (such as "tender.") is a decided type. Returns how many such
    sections there are. */
static inline size_t s_sections_decided (const char *doc, const char *const *prefixes, size_t n)
{
    size_t sections = 0;
    for (size_t h = 0; h < n; h++) {
        char head[100];
        snprintf (head, sizeof head, "#### `%s", prefixes[h]);
        for (const char *at = strstr (doc, head); at; at = strstr (at + 1, head)) {
            const char *type = at + 6;
            const char *end = strchr (type, '`');
            cr_assert_not_null (end);
            cr_assert (s_was_seen (type, (size_t) (end - type)),
                       "docs/events.md documents %.*s, which no decider decided here",
                       (int) (end - type), type);
            sections++;
        }
    }
    return sections;
}

#endif
