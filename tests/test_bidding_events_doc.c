/*  test_bidding_events_doc.c - docs/events.md checked against the events
    the bidding deciders (services/bidding/bidding_decider.h) produce:
    every event type is decided by the real deciders, with every optional
    field given (fixture in support/bid_given.h), and must have a
    `#### \`type\`` section that describes each key of its payload as
    `key` in a row of its table (and each key of the maps inside an array
    of maps, such as bidders and milestones, in that array's row); and
    every `#### \`tender.…\``, `quote.…` and `contract.…` section must
    be a type decided here, so the document can drift from the deciders
    in neither direction.
*/
#include "support/bid_given.h"

TestSuite (bidding_events_doc, .init = s_setup, .fini = s_teardown);

#define S_TYPES_MAX 64
static char s_seen[S_TYPES_MAX][100]; /* the types decided so far */
static size_t s_nseen;

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

/*  Free the parsed commands and payloads: the states keep their own
    copies, so one test can decide as many events as it needs. */
static void s_flush (void)
{
    for (size_t i = 0; i < s_ndocs; i++)
        dbk_doc_destroy (&s_docs[i]);
    s_ndocs = 0;
}

/*  Does a table row (a line starting with "|") of [text, text+len) hold
    word, and also `also` when not NULL? Prose around the table does not
    count: each key has its row. */
static bool s_in_row (const char *text, size_t len, const char *word, const char *also)
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

/*  Every key of the maps in array a (the value of `outer`) is described
    in outer's row. */
static void s_items_documented (const char *section, size_t len, const char *type,
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
            cr_assert_eq (dbk_obj_str (dbk_obj_key_at (m, k), &key, &kn), 0);
            snprintf (want, sizeof want, "`%.*s`", (int) kn, key);
            cr_assert (s_in_row (section, len, outer, want),
                       "docs/events.md does not describe %s of the items of %s of %s in its row",
                       want, outer, type);
        }
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
        for (size_t k = 0; k < dbk_obj_len (p); k++) {
            const char *key;
            size_t kn;
            char want[120];
            cr_assert_eq (dbk_obj_str (dbk_obj_key_at (p, k), &key, &kn), 0);
            snprintf (want, sizeof want, "`%.*s`", (int) kn, key);
            cr_assert (s_in_row (section, len, want, NULL),
                       "docs/events.md does not describe %s of %s in its table", want, type);
            const dbk_obj_t *v = dbk_obj_val_at (p, k);
            if (dbk_obj_type (v) == DBK_T_ARRAY)
                s_items_documented (section, len, type, want, v);
        }
    }
    dbk_decision_reset (d);
    s_flush ();
}

/*  The decider call must decide; its events are folded into the states
    of their streams, then checked against the document. */
#define DOC(call)                                                                                  \
    do {                                                                                           \
        int doc_rc_ = (call);                                                                      \
        cr_assert_eq (doc_rc_, 0, "%s: %s", #call, dbk_decision_message (d));                      \
        cr_assert_not (dbk_decision_rejected (d), "%s: %s", #call, dbk_decision_message (d));      \
        fold ();                                                                                   \
        s_documented (doc);                                                                        \
    } while (0)

/*  Every optional field of a tender, its key dates included. */
#define S_TENDER_ALL                                                                               \
    "{\"opportunity_id\":\"o1\",\"number\":\"SH-2026-0042\",\"issuer\":\"上海招标公司\","    \
    "\"type\":\"public\",\"currency\":\"CNY\",\"title\":\"浦东医院照明\","                   \
    "\"account_id\":\"a1\",\"envelopes\":1,\"bond_required\":5000000,"                             \
    "\"notice_date\":\"2026-02-01\",\"prequalification_date\":\"2026-02-05\","                     \
    "\"document_sale_date\":\"2026-02-10\",\"site_visit_date\":\"2026-02-20\","                    \
    "\"clarification_deadline\":\"2026-03-15\",\"submission_deadline\":\"2026-04-01\","            \
    "\"opening_date\":\"2026-04-01\"}"

/*  Tender t1 up to its submission: opened, dates, steps, clarifications,
    the bond, bid / no-bid, the parts. */
static void s_tendering (const char *doc)
{
    DOC (bid_tender_open (d, &ten, "t1", cmd (S_TENDER_ALL), &facts));
    DOC (bid_tender_dates_set (
        d, &ten,
        cmd ("{\"notice_date\":\"2026-02-02\",\"prequalification_date\":\"2026-02-06\","
             "\"document_sale_date\":\"2026-02-11\",\"site_visit_date\":\"2026-02-21\","
             "\"clarification_deadline\":\"2026-03-16\",\"submission_deadline\":\"2026-04-02\","
             "\"opening_date\":\"2026-04-03\"}"),
        &facts));
    cr_assert_str_eq (ten.dates[6], "2026-04-03");
    DOC (bid_tender_step_advance (
        d, &ten, cmd ("{\"step\":\"prequalification\",\"date\":\"2026-02-06\"}"), &facts));
    given_step ("documents_issued");
    DOC (bid_tender_clarification_ask (d, &ten, cmd ("{\"question\":\"which IP rating?\"}"),
                                       &facts));
    DOC (bid_tender_clarification_answer (
        d, &ten, cmd ("{\"no\":1,\"answer\":\"IP54\",\"date\":\"2026-03-02\"}"), &facts));
    DOC (bid_tender_bond_issue (
        d, &ten, cmd ("{\"amount\":5000000,\"date\":\"2026-03-01\",\"form\":\"guarantee\"}"),
        &facts));
    DOC (bid_tender_bond_return (d, &ten, cmd ("{\"date\":\"2026-03-02\",\"note\":\"wrong bank\"}"),
                                 &facts));
    given_bond ();
    given_decided ("no_bid");
    DOC (bid_tender_decide_bid (
        d, &ten, cmd ("{\"decision\":\"bid\",\"reason\":\"we are specified\"}"), &facts));
    cr_assert_str_eq (ten.decision, "bid");
    DOC (bid_tender_part_set (
        d, &ten, cmd ("{\"part\":\"commercial\",\"owner\":\"li\",\"due\":\"2026-03-20\"}"),
        &facts));
    DOC (bid_tender_part_status (d, &ten, cmd ("{\"part\":\"commercial\",\"status\":\"ready\"}"),
                                 &facts));
    given_part ("technical", "ready");
    given_part ("price", "ready");
}

/*  Quote q1 for t1: created, lines added, changed and removed, submitted,
    sent back, rejected and at last approved. */
static void s_quote (const char *doc)
{
    DOC (bid_quote_create (d, &quo, "q1",
                           cmd ("{\"tender_id\":\"t1\",\"currency\":\"CNY\",\"title\":\"LED\"}"),
                           &facts));
    DOC (bid_quote_line_add (d, &quo, cmd (S_LINE), &facts));
    DOC (bid_quote_line_add (d, &quo,
                             cmd ("{\"product_code\":\"DRV-1\",\"description\":\"driver\","
                                  "\"quantity\":10,\"list_price\":5000,\"discount_bp\":200,"
                                  "\"cost_price\":3000}"),
                             &facts));
    DOC (bid_quote_line_change (d, &quo,
                                cmd ("{\"line\":2,\"product_code\":\"DRV-2\",\"description\":"
                                     "\"driver 2\",\"quantity\":20,\"list_price\":6000,"
                                     "\"discount_bp\":300,\"cost_price\":3500}"),
                                &facts));
    DOC (bid_quote_line_remove (d, &quo, cmd ("{\"line\":2}"), &facts));
    cr_assert_eq (quo.nlines, 1);
    DOC (bid_quote_submit (d, &quo, cmd ("{\"note\":\"please\"}"), &facts));
    DOC (bid_quote_request_changes (d, &quo, cmd ("{\"note\":\"check the cost\"}"), &facts));
    GIVEN (bid_quote_submit (d, &quo, cmd ("{}"), &facts));
    DOC (bid_quote_reject (d, &quo, cmd ("{\"reason\":\"too cheap\"}"), &facts));
    GIVEN (bid_quote_submit (d, &quo, cmd ("{}"), &facts));
    DOC (bid_quote_approve (d, &quo, cmd ("{\"note\":\"fine\"}"), &facts));
    cr_assert_eq (quo.status, BID_QUOTE_APPROVED);
}

/*  The submission, the opening and a lost award of t1; then a won award
    of a fresh t1. */
static void s_award (const char *doc)
{
    DOC (bid_tender_submit (d, &ten, &quo, cmd ("{\"quote_id\":\"q1\",\"date\":\"2026-03-02\"}"),
                            &facts));
    DOC (bid_tender_opening_record (
        d, &ten,
        cmd ("{\"envelope\":\"single\",\"date\":\"2026-04-03\",\"bidders\":" S_BIDDERS "}"),
        &facts));
    cr_assert_eq (ten.our_rank, 2);
    DOC (bid_tender_award (d, &ten,
                           cmd ("{\"result\":\"lost\",\"date\":\"2026-04-10\",\"winner\":"
                                "\"Philips\",\"winning_price\":9200000,\"reason\":\"price\"}"),
                           &facts));
    cr_assert_str_eq (ten.result, "lost");

    bid_tender_reset (&ten);
    bid_quote_reset (&quo);
    given_opened ();
    DOC (bid_tender_award (d, &ten,
                           cmd ("{\"result\":\"won\",\"date\":\"2026-04-10\",\"amount\":9300000,"
                                "\"reason\":\"best technical score\"}"),
                           &facts));
    cr_assert_str_eq (ten.result, "won");
}

/*  Contract c1: signed with every field, invoiced, paid. */
static void s_contract (const char *doc)
{
    DOC (bid_contract_sign (d, &con, "c1", cmd (S_CONTRACT_JSON), &facts));
    DOC (bid_contract_invoice (d, &con,
                               cmd ("{\"invoice\":\"F-1\",\"milestone\":1,\"amount\":30000000,"
                                    "\"date\":\"2026-04-01\"}"),
                               &facts));
    DOC (bid_contract_payment (d, &con,
                               cmd ("{\"milestone\":1,\"amount\":30000000,\"date\":\"2026-04-20\","
                                    "\"invoice\":\"F-1\"}"),
                               &facts));
    cr_assert_eq (con.paid, 30000000);
}

Test (bidding_events_doc, every_bidding_event_type_and_payload_field_is_documented)
{
    const char *doc = s_read_doc ();
    s_nseen = 0;
    s_tendering (doc);
    s_quote (doc);
    s_award (doc);
    s_contract (doc);

    /* and the other way: every tender.*, quote.* and contract.* section
       is a decided type */
    static const char *const heads[] = {"#### `tender.", "#### `quote.", "#### `contract."};
    size_t sections = 0;
    for (size_t h = 0; h < 3; h++)
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
    cr_assert_eq (s_nseen, 24, "%zu types decided", s_nseen);
}
