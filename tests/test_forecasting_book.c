/*  test_forecasting_book.c - the forecasting book (forecasting.h, "the
    book"): how each opportunity, quota and forecast event changes the
    per-deal records and the aggregate cells, replays and checkpoints,
    the period-start snapshots, and as-of books. The in-memory store is
    tested in test_forecasting_store.c, the figures computed over a book
    in test_forecasting_figures.c.
*/
#include "support/fc_given.h"

#include "fc_internal.h"

TestSuite (deal, .init = s_setup, .fini = s_teardown);
TestSuite (cells, .init = s_setup, .fini = s_teardown);
TestSuite (replay, .init = s_setup, .fini = s_teardown);
TestSuite (snapshot, .init = s_setup, .fini = s_teardown);
TestSuite (as_of, .init = s_setup, .fini = s_teardown);

/*  ======================= per-deal records ======================= */

Test (deal, a_packed_deal_reads_back_whole_and_a_damaged_one_is_refused)
{
    static fc_deal_t d, back;
    memset (&d, 0, sizeof d);
    memset (d.id, 'i', FC_ID_MAX);
    memset (d.owner, 'o', FC_SHORT_MAX);
    strcpy (d.team, "东区");
    memset (d.winner, 'w', FC_TEXT_MAX);
    strcpy (d.currency, "CNY");
    d.status = FC_LOST;
    d.category = FC_CAT_COMMIT;
    d.level = 4;
    d.max_level = 5;
    d.amount = INT64_MAX;
    d.won_amount = -7;
    d.close = D ("2026-05-20");
    d.registered = 1;
    d.last_on = D ("2026-04-01");
    d.outcome = -1;
    d.level_since = 12;
    d.slips = 3;
    d.nhist = FC_HIST_MAX;
    for (int i = 0; i < FC_HIST_MAX; i++)
        d.hist[i] = (fc_hist_t){i + 1,      (uint8_t) (i % 11 + 1), (int8_t) -i,
                                (int8_t) i, INT64_MIN + i,          (int64_t) i << 40};
    static uint8_t buf[FC_DEAL_PACKED_MAX];
    size_t n = fc_deal_pack (&d, buf);
    cr_assert_leq (n, sizeof buf);
    cr_assert_eq (fc_deal_unpack (buf, n, &back), 0);
    cr_assert (!memcmp (&d, &back, offsetof (fc_deal_t, hist)), "the head, texts included");
    for (int i = 0; i < FC_HIST_MAX; i++) {
        cr_assert_eq (back.hist[i].on, i + 1);
        cr_assert_eq (back.hist[i].kind, i % 11 + 1);
        cr_assert_eq (back.hist[i].from, -i);
        cr_assert_eq (back.hist[i].to, i);
        cr_assert_eq (back.hist[i].a, INT64_MIN + i);
        cr_assert_eq (back.hist[i].b, (int64_t) i << 40);
    }
    /*  a short deal is short: the texts take their length, not their room */
    fc_deal_t s = {.status = FC_OPEN, .level = 1, .nhist = 1};
    strcpy (s.id, "o1");
    strcpy (s.owner, "wang");
    size_t sn = fc_deal_pack (&s, buf);
    cr_assert_lt (sn, 100, "%zu bytes", sn);
    n = fc_deal_pack (&d, buf);
    for (size_t cut = 0; cut < n; cut++)
        cr_assert_eq (fc_deal_unpack (buf, cut, &back), DBK_ECORRUPT, "cut at %zu", cut);
    static uint8_t more[FC_DEAL_PACKED_MAX + 1];
    memcpy (more, buf, n);
    cr_assert_eq (fc_deal_unpack (more, n + 1, &back), DBK_ECORRUPT, "a byte too many");
    /*  a text longer than its field, and more history than kept */
    size_t at = 0;
    for (size_t i = 0; i < n; i++)
        if (buf[i] == FC_ID_MAX && buf[i + 1] == 'i') {
            at = i;
            break;
        }
    cr_assert_gt (at, 0);
    buf[at] = FC_ID_MAX + 1;
    cr_assert_eq (fc_deal_unpack (buf, n, &back), DBK_ECORRUPT);
    /*  numbers that would index past an array: a status, a level */
    n = fc_deal_pack (&d, buf);
    cr_assert_eq (fc_deal_unpack (buf, n, &back), 0);
    for (int bad = 0; bad < 2; bad++) {
        fc_deal_t e = d;
        if (bad)
            e.level = FC_LEVELS + 1;
        else
            e.status = 100;
        n = fc_deal_pack (&e, buf);
        cr_assert_eq (fc_deal_unpack (buf, n, &back), DBK_ECORRUPT, "case %d", bad);
    }
}

Test (deal, a_registration_creates_an_open_deal_at_L1)
{
    reg ("o1", "wang", "east", "华东", 320000000, "2026-09-30", "2026-01-10");
    fc_deal_t o = deal_of ("o1");
    cr_assert_str_eq (o.owner, "wang");
    cr_assert_str_eq (o.team, "east");
    cr_assert_str_eq (o.region, "华东");
    cr_assert_str_eq (o.account, "a1");
    cr_assert_str_eq (o.currency, "CNY");
    cr_assert_eq (o.status, FC_OPEN);
    cr_assert_eq (o.level, 1);
    cr_assert_eq (o.max_level, 1);
    cr_assert_eq (o.amount, 320000000);
    cr_assert_eq (o.close, D ("2026-09-30"));
    cr_assert_eq (o.registered, D ("2026-01-10"));
    cr_assert_eq (o.level_since, D ("2026-01-10"));
    cr_assert_eq (o.last_on, D ("2026-01-10"));
    cr_assert_eq (o.nhist, 1);
    cr_assert_eq (o.hist[0].kind, FC_H_REGISTERED);
    cr_assert_eq (o.hist[0].a, 320000000);
    cr_assert_eq (fc_deal_probability (&o, NULL), 10);
    cr_assert_eq (fc_book_deal (book, "nope", &o), DBK_ENOTFOUND);
}

Test (deal, level_moves_keep_the_entry_date_and_the_highest_level)
{
    reg ("o1", "wang", "east", "华东", 1000, "2026-09-30", "2026-01-10");
    level ("o1", 1, 3, "2026-02-01");
    level ("o1", 3, 2, "2026-02-15");
    fc_deal_t o = deal_of ("o1");
    cr_assert_eq (o.level, 2);
    cr_assert_eq (o.max_level, 3);
    cr_assert_eq (o.level_since, D ("2026-02-15"));
    cr_assert_eq (o.nhist, 3);
    cr_assert_eq (o.hist[1].kind, FC_H_LEVEL);
    cr_assert_eq (o.hist[1].from, 1);
    cr_assert_eq (o.hist[1].to, 3);
}

Test (deal, a_later_close_date_is_a_slip_an_earlier_one_is_not)
{
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    close_date ("o1", "2026-06-30", "2026-03-01");
    close_date ("o1", "2026-06-15", "2026-03-05");
    close_date ("o1", "2026-08-01", "2026-04-01");
    fc_deal_t o = deal_of ("o1");
    cr_assert_eq (o.slips, 2);
    cr_assert_eq (o.close, D ("2026-08-01"));
    cr_assert_eq (o.hist[1].kind, FC_H_SLIP);
    cr_assert_eq (o.hist[1].a, D ("2026-05-31"));
    cr_assert_eq (o.hist[1].b, D ("2026-06-30"));
    cr_assert_eq (o.hist[2].kind, FC_H_PULL_IN);
    cr_assert_eq (o.last_on, D ("2026-04-01"));
}

Test (deal, amount_team_region_and_currency_follow_updates)
{
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    feed ("opportunity.updated",
          "{\"id\":\"o1\",\"changed\":[\"currency\",\"amount\",\"team\",\"region\"],"
          "\"currency\":\"USD\",\"amount\":2500,\"team\":null,\"region\":\"华北\","
          "\"on\":\"2026-02-01\"}");
    fc_deal_t o = deal_of ("o1");
    cr_assert_eq (o.amount, 2500);
    cr_assert_str_eq (o.currency, "USD");
    cr_assert_str_eq (o.team, "", "cleared");
    cr_assert_str_eq (o.region, "华北");
    cr_assert_eq (o.hist[1].kind, FC_H_AMOUNT);
    cr_assert_eq (o.hist[1].a, 1000);
    cr_assert_eq (o.hist[1].b, 2500);
}

Test (deal, won_lost_abandoned_reopened_and_duplicate)
{
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    reg ("o2", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    reg ("o3", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    reg ("o4", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    level ("o1", 1, 4, "2026-02-01");
    feed ("opportunity.won",
          "{\"id\":\"o1\",\"amount\":900,\"currency\":\"USD\",\"date\":\"2026-03-03\","
          "\"on\":\"2026-03-04\"}");
    lost ("o2", "price", "k1", "2026-03-10");
    feed ("opportunity.abandoned",
          "{\"id\":\"o3\",\"reason\":\"no budget\",\"on\":\"2026-03-11\"}");
    feed ("opportunity.conflict_resolved",
          "{\"id\":\"o4\",\"with\":\"o1\",\"owner\":\"zhao\",\"outcome\":\"closed\","
          "\"on\":\"2026-03-12\"}");
    fc_deal_t o = deal_of ("o1");
    cr_assert_eq (o.status, FC_WON);
    cr_assert_eq (o.won_amount, 900);
    cr_assert_str_eq (o.won_currency, "USD");
    cr_assert_eq (o.outcome, D ("2026-03-03"), "the date of the win, not of the record");
    cr_assert_eq (fc_deal_period_day (&o), D ("2026-03-03"));
    cr_assert_eq (fc_deal_probability (&o, NULL), 100);
    o = deal_of ("o2");
    cr_assert_eq (o.status, FC_LOST);
    cr_assert_str_eq (o.loss_reason, "price");
    cr_assert_str_eq (o.winner, "k1");
    cr_assert_eq (fc_deal_probability (&o, NULL), 0);
    o = deal_of ("o3");
    cr_assert_eq (o.status, FC_ABANDONED);
    cr_assert_eq (o.outcome, D ("2026-03-11"), "no date: the business date");
    cr_assert_eq (deal_of ("o4").status, FC_DUPLICATE);
    feed ("opportunity.reopened",
          "{\"id\":\"o2\",\"from\":\"lost\",\"reason\":\"re-tender\",\"on\":\"2026-04-01\"}");
    o = deal_of ("o2");
    cr_assert_eq (o.status, FC_OPEN);
    cr_assert_eq (o.level, 1);
    cr_assert_eq (o.level_since, D ("2026-04-01"));
    cr_assert_str_eq (o.loss_reason, "price", "the loss stays on record");
    cr_assert_eq (fc_deal_period_day (&o), D ("2026-05-31"), "back to its close date");
    /*  abandoned after the reopen: nobody won it (WINLOSS by competitor
        must not count it under the earlier loss's winner) */
    feed ("opportunity.abandoned",
          "{\"id\":\"o2\",\"reason\":\"client stopped\",\"on\":\"2026-05-01\"}");
    o = deal_of ("o2");
    cr_assert_eq (o.status, FC_ABANDONED);
    cr_assert_str_eq (o.winner, "");
}

Test (deal, the_kept_deal_of_a_conflict_goes_to_the_chosen_owner)
{
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    feed ("opportunity.conflict_resolved",
          "{\"id\":\"o1\",\"with\":\"o2\",\"owner\":\"zhao\",\"outcome\":\"kept\","
          "\"on\":\"2026-03-12\"}");
    cr_assert_eq (deal_of ("o1").status, FC_OPEN);
    cr_assert_str_eq (deal_of ("o1").owner, "zhao");
    cr_assert_eq (funnel_of (book, (fc_filter_t){.owner = "zhao"}).open.count, 1);
    cr_assert_eq (funnel_of (book, (fc_filter_t){.owner = "wang"}).open.count, 0);
}

Test (deal, long_texts_are_cut_at_a_character_boundary)
{
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    char json[1200] = "{\"id\":\"o1\",\"date\":\"2026-03-01\",\"reason\":\"";
    for (int i = 0; i < 100; i++)
        strcat (json, "价"); /* 3 bytes each: 300 bytes */
    strcat (json, "\"}");
    feed ("opportunity.lost", json);
    fc_deal_t o = deal_of ("o1");
    cr_assert_eq (strlen (o.loss_reason), 198, "66 whole characters fit in 200 bytes");
    cr_assert (dbk_utf8_valid (o.loss_reason, strlen (o.loss_reason)));
}

Test (deal, the_newest_history_is_kept)
{
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    for (int i = 0; i < 40; i++) {
        level ("o1", 1, 2, "2026-02-01");
        level ("o1", 2, 1, "2026-02-02");
    }
    fc_deal_t o = deal_of ("o1");
    cr_assert_eq (o.nhist, FC_HIST_MAX);
    cr_assert_eq (o.hist[FC_HIST_MAX - 1].to, 1, "the last move is kept");
    cr_assert_neq (o.hist[0].kind, FC_H_REGISTERED, "the oldest went");
}

Test (deal, events_of_unknown_deals_and_second_registrations_change_nothing)
{
    level ("ghost", 1, 2, "2026-02-01");
    cr_assert_eq (fc_mem_store_count (store, FC_TAB_DEAL), 0);
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    reg ("o1", "zhao", "west", "华北", 5, "2026-07-31", "2026-01-11");
    cr_assert_str_eq (deal_of ("o1").owner, "wang");
    cr_assert_eq (deal_of ("o1").amount, 1000);
}

Test (deal, malformed_events_are_refused_and_change_nothing)
{
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    size_t cells = fc_mem_store_count (store, FC_TAB_CELL);
    struct {
        const char *type, *json;
    } bad[] = {
        {"opportunity.level_changed", "{\"id\":\"o1\",\"to\":9,\"on\":\"2026-02-01\"}"},
        {"opportunity.level_changed", "{\"to\":2}"},
        {"opportunity.registered", "{\"id\":\"o2\",\"owner\":\"w\",\"currency\":\"CNY\"}"},
        {"opportunity.won", "{\"id\":\"o1\",\"date\":\"2026-03-01\"}"},
        {"opportunity.lost", "{\"id\":\"o1\",\"date\":\"2026-03-01\"}"},
        {"opportunity.updated", "{\"id\":\"o1\",\"close_date\":\"someday\"}"},
        {"forecast.submitted", "{\"owner\":\"wang\",\"period\":\"2026-Q2\"}"},
        {"quota.set", "{\"scope\":\"galaxy\",\"who\":\"w\",\"period\":\"2026\",\"amount\":1,"
                      "\"currency\":\"CNY\",\"on\":\"2026-01-01\"}"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq (fc_book_apply (book, bad[i].type, cmd (bad[i].json), 0, 0, 0), DBK_EMALFORMED,
                      "%s", bad[i].json);
    fc_deal_t o = deal_of ("o1");
    cr_assert_eq (o.level, 1);
    cr_assert_eq (o.status, FC_OPEN);
    cr_assert_eq (o.nhist, 1);
    cr_assert_eq (fc_mem_store_count (store, FC_TAB_CELL), cells);
    cr_assert_eq (fc_mem_store_count (store, FC_TAB_DEAL), 1);
}

Test (deal, without_on_the_envelope_time_dates_the_event)
{
    cr_assert_eq (fc_book_apply (book, "opportunity.registered",
                                 cmd ("{\"id\":\"o1\",\"owner\":\"wang\",\"currency\":\"CNY\","
                                      "\"close_date\":\"2026-05-31\",\"amount\":5}"),
                                 1, 1767225600000LL /* 2026-01-01T00:00Z */, 0),
                  0);
    cr_assert_eq (deal_of ("o1").registered, D ("2026-01-01"));
    cr_assert_eq (fc_book_clock (book), D ("2026-01-01"));
}

/*  ======================= aggregate cells ======================= */

Test (cells, each_deal_adds_to_one_cell_in_each_index_and_roll_up)
{
    /* full cells month, owner and region first; roll-ups of none, the
       owner, the team, the region */
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    cr_assert_eq (fc_mem_store_count (store, FC_TAB_CELL), 7);
    reg ("o2", "wang", "east", "华东", 3000, "2026-05-01", "2026-01-10");
    cr_assert_eq (fc_mem_store_count (store, FC_TAB_CELL), 7, "same dimensions: same cell");
    fc_funnel_t f = funnel_of (book, (fc_filter_t){0});
    cr_assert_eq (f.level[1].count, 2);
    cr_assert_eq (f.level[1].amount, 4000);
    cr_assert_eq (f.level[1].weighted, 400);
}

typedef struct {
    int seen[128]; /* pairs per index letter */
    bool bad;
} s_parsed_t;

static int s_parse_cb (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    s_parsed_t *ps = arg;
    fc_cell_t c;
    cr_assert_eq (fc_cell_parse (key, klen, val, vlen, &c), 0);
    char idx = *(const char *) key;
    ps->seen[(int) idx]++;
    /* the dimensions each index keeps, the others empty */
    bool own = strchr ("aorO", idx), team = strchr ("aorT", idx), reg = strchr ("aorR", idx);
    cr_assert_str_eq (c.owner, own ? "wang" : "");
    cr_assert_str_eq (c.team, team ? "east" : "");
    cr_assert_str_eq (c.region, reg ? "华东" : "");
    cr_assert_str_eq (c.month, "2026-05");
    cr_assert_str_eq (c.currency, "CNY");
    cr_assert_eq (c.level, 3);
    cr_assert_eq (c.state, 'n');
    cr_assert_eq (c.count, 1);
    cr_assert_eq (c.amount, 1000000);
    cr_assert_eq (c.weighted, 500000);
    /*  a key cut short, a byte too many, a value of another size */
    cr_assert_eq (fc_cell_parse (key, klen - 1, val, vlen, &c), DBK_ECORRUPT);
    cr_assert_eq (fc_cell_parse (key, 1, val, vlen, &c), DBK_ECORRUPT);
    cr_assert_eq (fc_cell_parse (key, klen, val, vlen - 1, &c), DBK_ECORRUPT);
    char longer[400];
    memcpy (longer, key, klen);
    longer[klen] = 'x';
    cr_assert_eq (fc_cell_parse (longer, klen + 1, val, vlen, &c), DBK_ECORRUPT);
    longer[0] = 'z';
    cr_assert_eq (fc_cell_parse (longer, klen, val, vlen, &c), DBK_ECORRUPT, "no such index");
    longer[0] = 0;
    cr_assert_eq (fc_cell_parse (longer, klen, val, vlen, &c), DBK_ECORRUPT, "no index");
    return 0;
}

Test (cells, a_stored_cell_reads_back_from_its_key_and_its_sums)
{
    reg ("o1", "wang", "east", "华东", 1000000, "2026-05-20", "2026-01-05");
    level ("o1", 1, 3, "2026-01-06");
    s_parsed_t ps = {0};
    cr_assert_eq (store->scan (store->ctx, FC_TAB_CELL, "", 0, s_parse_cb, &ps), 0);
    for (const char *i = "aoOrRAT"; *i; i++)
        cr_assert_eq (ps.seen[(int) *i], 1, "one cell in index %c", *i);
}

Test (cells, a_move_leaves_no_empty_cell_behind)
{
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    level ("o1", 1, 2, "2026-01-20");
    category ("o1", "commit", "2026-01-21");
    cr_assert_eq (fc_mem_store_count (store, FC_TAB_CELL), 7);
    fc_funnel_t f = funnel_of (book, (fc_filter_t){0});
    cr_assert_eq (f.level[1].count, 0);
    cr_assert_eq (f.level[2].count, 1);
    cr_assert_eq (f.level[2].weighted, 250);
    cr_assert_eq (f.commit.amount, 1000);
}

Test (cells, an_id_with_a_nul_is_refused_not_counted_twice)
{
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    /* "o1\0x": stored as the C string "o1", it would overwrite o1 while
       its cell was counted as a new deal's */
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 7);
    dbk_wr_cstr (w, "id");
    dbk_wr_str (w, "o1\0x", 4);
    dbk_wr_kv_cstr (w, "owner", "wang");
    dbk_wr_kv_cstr (w, "currency", "CNY");
    dbk_wr_kv_cstr (w, "close_date", "2026-05-31");
    dbk_wr_kv_i64 (w, "amount", 5000);
    dbk_wr_kv_cstr (w, "account_id", "a1");
    dbk_wr_kv_cstr (w, "on", "2026-01-11");
    dbk_doc_t *doc = NULL;
    cr_assert_eq (dbk_doc_parse (dbk_wr_data (w), dbk_wr_size (w), &doc), 0);
    cr_assert_eq (fc_book_apply (book, "opportunity.registered", dbk_doc_root (doc), 99, 0, 0),
                  DBK_EMALFORMED);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
    fc_funnel_t f = funnel_of (book, (fc_filter_t){0});
    cr_assert_eq (f.open.count, 1);
    cr_assert_eq (f.open.amount, 1000);
}

static bool s_same_funnel (const fc_funnel_t *a, const fc_funnel_t *b)
{
    for (int l = 1; l <= FC_LEVELS; l++)
        if (a->level[l].count != b->level[l].count || a->level[l].amount != b->level[l].amount ||
            a->level[l].weighted != b->level[l].weighted)
            return false;
    return a->open.amount == b->open.amount && a->commit.amount == b->commit.amount &&
           a->won.amount == b->won.amount && a->lost.count == b->lost.count;
}

Test (cells, roll_ups_answer_what_the_full_cells_answer)
{
    /* two owners in one team over two regions, a second team, two months */
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    reg ("o2", "wang", "east", "华南", 2000, "2026-06-30", "2026-01-10");
    reg ("o3", "li", "east", "华东", 4000, "2026-05-15", "2026-01-10");
    reg ("o4", "zhao", "west", "华南", 8000, "2026-06-01", "2026-01-10");
    level ("o2", 1, 3, "2026-01-20");
    category ("o3", "commit", "2026-01-21");
    /* a single dimension (a roll-up) against the same set through a
       combination (full cells) that adds no restriction */
    fc_funnel_t a = funnel_of (book, (fc_filter_t){.team = "east"});
    fc_funnel_t b = funnel_of (book, (fc_filter_t){.owner = "wang", .team = "east"});
    fc_funnel_t c = funnel_of (book, (fc_filter_t){.owner = "li", .team = "east"});
    cr_assert_eq (a.open.count, 3);
    cr_assert_eq (a.open.amount, b.open.amount + c.open.amount);
    cr_assert_eq (a.commit.amount, 4000);
    fc_funnel_t r = funnel_of (book, (fc_filter_t){.region = "华南"});
    fc_funnel_t rt = funnel_of (book, (fc_filter_t){.region = "华南", .team = "east"});
    fc_funnel_t rw = funnel_of (book, (fc_filter_t){.region = "华南", .team = "west"});
    cr_assert_eq (r.open.amount, 10000);
    cr_assert_eq (r.open.amount, rt.open.amount + rw.open.amount);
    cr_assert_eq (rt.level[3].amount, 2000);
    fc_funnel_t o = funnel_of (book, (fc_filter_t){.owner = "zhao"});
    fc_funnel_t ow = funnel_of (book, (fc_filter_t){.owner = "zhao", .region = "华南"});
    cr_assert (s_same_funnel (&o, &ow));
    fc_funnel_t all = funnel_of (book, (fc_filter_t){0});
    cr_assert_eq (all.open.amount, 15000);
    fc_funnel_t june = funnel_of (book, (fc_filter_t){.period = "2026-06"});
    fc_funnel_t june_w = funnel_of (book, (fc_filter_t){.owner = "wang", .period = "2026-06"});
    cr_assert_eq (june.open.amount, 10000);
    cr_assert_eq (june_w.open.amount, 2000);
}

Test (cells, weighted_totals_are_sums_of_per_deal_rounded_amounts)
{
    /* 333 at 25% = 83.25 -> 83 each; three deals 249 (not 249.75 -> 250) */
    reg ("o1", "wang", "east", "华东", 333, "2026-05-31", "2026-01-10");
    reg ("o2", "wang", "east", "华东", 333, "2026-05-31", "2026-01-10");
    reg ("o3", "wang", "east", "华东", 333, "2026-05-31", "2026-01-10");
    level ("o1", 1, 2, "2026-01-20");
    level ("o2", 1, 2, "2026-01-20");
    level ("o3", 1, 2, "2026-01-20");
    fc_funnel_t f = funnel_of (book, (fc_filter_t){0});
    cr_assert_eq (f.level[2].amount, 999);
    cr_assert_eq (f.level[2].weighted, 249);
    /* 5 at 50% = 2.5 -> 3 */
    reg ("o4", "wang", "east", "华东", 5, "2026-05-31", "2026-01-10");
    level ("o4", 1, 3, "2026-01-20");
    f = funnel_of (book, (fc_filter_t){0});
    cr_assert_eq (f.level[3].weighted, 3);
}

Test (cells, aggregates_do_not_grow_with_history)
{
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    reg ("o2", "zhao", "west", "华北", 1000, "2026-06-30", "2026-01-10");
    size_t cells = fc_mem_store_count (store, FC_TAB_CELL);
    for (int i = 0; i < 100; i++) {
        level ("o1", 1, 2, "2026-01-20");
        touch ("o2", "2026-01-21");
        level ("o1", 2, 1, "2026-01-22");
    }
    cr_assert_eq (fc_mem_store_count (store, FC_TAB_CELL), cells);
    cr_assert_eq (funnel_of (book, (fc_filter_t){0}).level[1].count, 2);
}

/*  ======================= replays and checkpoints ======================= */

Test (replay, an_event_at_or_below_the_checkpoint_is_ignored)
{
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    level ("o1", 1, 2, "2026-01-20");
    cr_assert_eq (fc_book_seq (book), 2);
    cr_assert_eq (fc_book_apply (book, "opportunity.level_changed",
                                 cmd ("{\"id\":\"o1\",\"from\":2,\"to\":5,\"on\":\"2026-02-01\"}"),
                                 2, 0, 0),
                  0);
    cr_assert_eq (deal_of ("o1").level, 2, "seq 2 was applied already");
    cr_assert_eq (fc_book_seq (book), 2);
}

Test (replay, other_categories_move_the_checkpoint_only)
{
    cr_assert_eq (fc_book_apply (book, "account.registered",
                                 cmd ("{\"id\":\"a1\",\"on\":\"2027-01-01\"}"), 5, 0, 0),
                  0);
    cr_assert_eq (fc_book_seq (book), 5);
    cr_assert_eq (fc_book_clock (book), 0, "the clock moves with the book's own events");
    cr_assert_eq (fc_mem_store_count (store, FC_TAB_DEAL), 0);
}

Test (replay, a_new_book_on_the_same_store_resumes_where_it_was)
{
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    touch ("o1", "2026-02-10");
    fc_book_destroy (&book);
    book = fc_book_new (store, NULL);
    cr_assert_eq (fc_book_seq (book), 2);
    cr_assert_eq (fc_book_clock (book), D ("2026-02-10"));
    cr_assert_eq (deal_of ("o1").last_on, D ("2026-02-10"));
}

Test (replay, quotas_and_forecasts_are_folded_into_the_book)
{
    feed ("quota.set", "{\"scope\":\"owner\",\"who\":\"wang\",\"period\":\"2026-Q2\",\"amount\":9,"
                       "\"currency\":\"CNY\",\"on\":\"2026-01-05\"}");
    feed ("forecast.submitted",
          "{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":\"CNY\",\"commit\":5,"
          "\"best_case\":7,\"pipeline\":9,\"late\":false,\"on\":\"2026-03-01\"}");
    feed ("forecast.adjusted",
          "{\"owner\":\"wang\",\"period\":\"2026-Q2\",\"currency\":\"CNY\",\"commit\":4,"
          "\"best_case\":7,\"pipeline\":9,\"note\":\"n\",\"late\":true,\"on\":\"2026-04-02\"}");
    fc_quota_t q;
    cr_assert_eq (fc_book_quota (book, "owner", "wang", "2026-Q2", &q), 0);
    cr_assert_eq (q.amount, 9);
    cr_assert_eq (fc_book_quota (book, "team", "wang", "2026-Q2", &q), DBK_ENOTFOUND);
    fc_forecast_t f;
    cr_assert_eq (fc_book_forecast (book, "wang", "2026-Q2", &f), 0);
    cr_assert_eq (f.frozen.commit, 5);
    cr_assert_eq (f.adjusted.commit, 4);
    cr_assert_not (f.frozen_adjusted.set, "adjusted after the start");
    cr_assert_eq (fc_book_forecast (book, "wang", "2026-Q3", &f), DBK_ENOTFOUND);
}

/*  unix ms at noon UTC of a day: when an event without "on" was recorded */
static int64_t s_noon_ms (const char *day)
{
    return ((int64_t) (D (day) - D ("1970-01-01")) * 86400 + 43200) * 1000;
}

/*  A date (appended by hand) counts as no later than the date of ts at
    UTC+14:00; one the services decided, in any zone, is never cut. */
Test (replay, a_date_after_the_day_the_log_recorded_the_event_counts_as_that_day)
{
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    int64_t noon = s_noon_ms ("2026-02-10"); /* 2026-02-11 02:00 at UTC+14 */
    cr_assert_eq (fc_book_apply (book, "opportunity.next_step_set",
                                 cmd ("{\"id\":\"o1\",\"next_step\":\"x\",\"on\":\"2026-02-11\"}"),
                                 0, 0, noon),
                  0);
    cr_assert_eq (fc_book_clock (book), D ("2026-02-11"), "UTC+14's business day is not cut");
    cr_assert_eq (fc_book_apply (book, "opportunity.won",
                                 cmd ("{\"id\":\"o1\",\"amount\":900,\"currency\":\"CNY\","
                                      "\"date\":\"2099-06-01\",\"on\":\"2099-01-01\"}"),
                                 0, 0, noon),
                  0);
    cr_assert_eq (fc_book_clock (book), D ("2026-02-11"), "a day to come counts as that day");
    cr_assert_eq (deal_of ("o1").outcome, D ("2026-02-11"), "the win counts in no period to come");
}

Test (replay, competitors_are_folded_without_touching_deals_or_the_clock)
{
    reg ("o1", "wang", "east", "华东", 1000, "2026-05-31", "2026-01-10");
    cr_assert_eq (fc_book_apply (book, "competitor.added",
                                 cmd ("{\"id\":\"k1\",\"name\":\"Acme Glazing Ltd\","
                                      "\"price_level\":\"low\"}"),
                                 2, s_noon_ms ("2026-09-01"), 0),
                  0);
    cr_assert_eq (fc_book_seq (book), 2);
    cr_assert_eq (fc_book_clock (book), D ("2026-01-10"), "a competitor has no business date");
    char id[FC_ID_MAX + 1], name[FC_TEXT_MAX + 1];
    cr_assert_eq (fc_book_competitor (book, "acme glazing LTD", id, name), 0);
    cr_assert_str_eq (id, "k1");
    cr_assert_str_eq (name, "Acme Glazing Ltd");
    /* an update that leaves the name, or of a competitor never added */
    cr_assert_eq (fc_book_apply (book, "competitor.updated",
                                 cmd ("{\"id\":\"k1\",\"changed\":[\"products\"],"
                                      "\"products\":\"glass\"}"),
                                 3, 0, 0),
                  0);
    cr_assert_eq (fc_book_apply (book, "competitor.updated",
                                 cmd ("{\"id\":\"k9\",\"changed\":[\"name\"],\"name\":\"X\"}"), 4,
                                 0, 0),
                  0);
    cr_assert_eq (fc_book_competitor (book, "k1", id, name), 0);
    cr_assert_str_eq (name, "Acme Glazing Ltd");
    cr_assert_eq (fc_book_competitor (book, "X", id, name), DBK_ENOTFOUND);
    cr_assert_eq (fc_mem_store_count (store, FC_TAB_DEAL), 1);
}

Test (replay, a_competitor_event_without_its_id_or_name_is_refused)
{
    cr_assert_eq (fc_book_apply (book, "competitor.added", cmd ("{\"name\":\"Acme\"}"), 1, 0, 0),
                  DBK_EMALFORMED);
    cr_assert_eq (fc_book_apply (book, "competitor.added", cmd ("{\"id\":\"k1\"}"), 2, 0, 0),
                  DBK_EMALFORMED);
    cr_assert_eq (fc_mem_store_count (store, FC_TAB_COMPETITOR), 0);
}

/*  ======================= period-start snapshots ======================= */

/*  wang: o1 L3 1,000,000 closing in May (commit), o2 L2 333 in June
    (best case); zhao: o3 L4 2,000,000 in April; then the clock enters
    April on 2026-04-10 with wang's o1 moving to L4. */
static void s_given_q2 (void)
{
    reg ("o1", "wang", "east", "华东", 1000000, "2026-05-20", "2026-01-05");
    reg ("o2", "wang", "east", "华东", 333, "2026-06-30", "2026-01-10");
    reg ("o3", "zhao", "east", "华北", 2000000, "2026-04-15", "2026-01-15");
    level ("o2", 1, 2, "2026-01-20");
    level ("o1", 1, 3, "2026-02-01");
    category ("o1", "commit", "2026-02-10");
    category ("o2", "best_case", "2026-02-11");
    level ("o3", 1, 4, "2026-02-20");
    level ("o1", 3, 4, "2026-04-10");
}

Test (snapshot, the_funnel_of_each_owner_is_snapshot_when_a_period_begins)
{
    s_given_q2 ();
    fc_snap_t s;
    cr_assert_eq (fc_book_snapshot (book, 'o', "wang", "2026-Q2", "CNY", &s), 0);
    cr_assert_eq (s.count, 2);
    cr_assert_eq (s.amount, 1000333);
    cr_assert_eq (s.weighted, 500083, "500,000 at L3 + 83 at L2, before the move to L4");
    cr_assert_eq (s.commit, 1000000);
    cr_assert_eq (s.best_case, 1000333);
    cr_assert_eq (s.taken, D ("2026-04-10"));
    cr_assert_eq (fc_book_snapshot (book, 't', "east", "2026-Q2", "CNY", &s), 0);
    cr_assert_eq (s.weighted, 500083 + 1500000);
    cr_assert_eq (fc_book_snapshot (book, 'o', "zhao", "2026-04", "CNY", &s), 0);
    cr_assert_eq (s.weighted, 1500000);
}

Test (snapshot, an_owner_with_nothing_open_gets_zero_once_the_period_began)
{
    s_given_q2 ();
    fc_snap_t s;
    cr_assert_eq (fc_book_snapshot (book, 'o', "zhao", "2026-05", "CNY", &s), DBK_ENOTFOUND,
                  "May has not begun");
    cr_assert_eq (fc_book_snapshot (book, 'o', "wang", "2026-04", "CNY", &s), 0);
    cr_assert_eq (s.count, 0);
    cr_assert_eq (s.weighted, 0);
    cr_assert_eq (s.taken, D ("2026-04-10"));
}

Test (snapshot, periods_that_began_before_the_first_event_have_none)
{
    s_given_q2 ();
    fc_snap_t s;
    cr_assert_eq (fc_book_snapshot (book, 'o', "wang", "2026", "CNY", &s), DBK_ENOTFOUND);
    cr_assert_eq (fc_book_snapshot (book, 'o', "wang", "2026-01", "CNY", &s), DBK_ENOTFOUND);
    cr_assert_eq (fc_book_snapshot (book, 'o', "wang", "2026-02", "CNY", &s), 0,
                  "February began after the book's first event");
    cr_assert_eq (fc_book_snapshot (book, 'o', "wang", "2026-Q5", "CNY", &s), DBK_EINVAL);
}

Test (snapshot, a_jump_of_several_months_snapshots_every_period_crossed)
{
    reg ("o1", "wang", "east", "华东", 1000, "2026-12-20", "2026-01-05");
    touch ("o1", "2026-11-02"); /* crosses Feb .. Nov, and Q2, Q3, Q4 */
    fc_snap_t s;
    cr_assert_eq (fc_book_snapshot (book, 'o', "wang", "2026-Q4", "CNY", &s), 0);
    cr_assert_eq (s.weighted, 100);
    cr_assert_eq (fc_book_snapshot (book, 'o', "wang", "2026-Q3", "CNY", &s), 0);
    cr_assert_eq (s.count, 0, "nothing closes in Q3");
    cr_assert_eq (fc_book_snapshot (book, 'o', "wang", "2026-12", "CNY", &s), DBK_ENOTFOUND);
}

Test (snapshot, an_event_dated_earlier_than_the_clock_does_not_snapshot_again)
{
    s_given_q2 ();
    level ("o2", 2, 5, "2026-03-30"); /* recorded late, dated in March */
    fc_snap_t s;
    fc_book_snapshot (book, 'o', "wang", "2026-Q2", "CNY", &s);
    cr_assert_eq (s.weighted, 500083, "the snapshot stays what was known when Q2 began");
    cr_assert_eq (fc_book_clock (book), D ("2026-04-10"));
}

/*  ======================= as-of books ======================= */

Test (as_of, a_book_until_a_date_equals_the_book_fed_the_prefix)
{
    s_given_q2 ();
    won ("o3", 1900000, "2026-04-12");
    fc_store_t *s1, *s2;
    fc_book_t *prefix = replay (8, 0, &s1);                 /* up to 2026-02-20 */
    fc_book_t *until = replay (100, D ("2026-03-31"), &s2); /* all, cut by date */
    fc_filter_t f = {.team = "east", .period = "2026-Q2"};
    fc_funnel_t a = funnel_of (prefix, f), b = funnel_of (until, f), now = funnel_of (book, f);
    cr_assert_eq (a.open.weighted, 2000083);
    cr_assert_eq (b.open.weighted, a.open.weighted);
    cr_assert_eq (b.won.count, 0);
    cr_assert_eq (now.won.amount, 1900000, "today's book knows the win");
    cr_assert_eq (now.level[4].count, 1);
    cr_assert_eq (fc_book_clock (until), D ("2026-02-20"));
    fc_book_destroy (&prefix);
    fc_book_destroy (&until);
    fc_mem_store_destroy (&s1);
    fc_mem_store_destroy (&s2);
}

Test (as_of, a_later_event_does_not_change_an_as_of_answer)
{
    s_given_q2 ();
    fc_store_t *s1;
    fc_book_t *asof = replay (100, D ("2026-03-31"), &s1);
    fc_filter_t f = {.owner = "wang", .period = "2026-Q2"};
    fc_funnel_t before = funnel_of (asof, f);
    /* the log goes on: a win and a level move, both dated after the cut */
    cr_assert_eq (fc_book_apply (asof, "opportunity.won",
                                 cmd ("{\"id\":\"o1\",\"amount\":1,\"date\":\"2026-04-20\","
                                      "\"on\":\"2026-04-20\"}"),
                                 101, 0, 0),
                  0);
    cr_assert_eq (fc_book_apply (asof, "opportunity.level_changed",
                                 cmd ("{\"id\":\"o2\",\"from\":2,\"to\":5,\"on\":\"2026-05-01\"}"),
                                 102, 0, 0),
                  0);
    fc_funnel_t after = funnel_of (asof, f);
    cr_assert (!memcmp (&before, &after, sizeof before), "as of 2026-03-31 nothing changed");
    cr_assert_eq (after.level[3].weighted, 500000);
    cr_assert_eq (fc_book_seq (asof), 102, "the skipped events are consumed");
    fc_book_destroy (&asof);
    fc_mem_store_destroy (&s1);
}

Test (as_of, deal_records_are_as_they_were_then)
{
    s_given_q2 ();
    fc_store_t *s1;
    fc_book_t *asof = replay (100, D ("2026-02-05"), &s1);
    fc_deal_t o;
    cr_assert_eq (fc_book_deal (asof, "o1", &o), 0);
    cr_assert_eq (o.level, 3);
    cr_assert_eq (o.category, FC_CAT_NONE, "commit came on 2026-02-10");
    cr_assert_eq (deal_of ("o1").level, 4);
    fc_book_destroy (&asof);
    fc_mem_store_destroy (&s1);
}

Test (as_of, a_competitor_recorded_after_the_day_is_not_known_as_of_it)
{
    fc_book_set_until (book, D ("2026-03-01"));
    cr_assert_eq (fc_book_apply (book, "competitor.added",
                                 cmd ("{\"id\":\"k1\",\"name\":\"Acme\"}"), 1,
                                 s_noon_ms ("2026-03-01"), 0),
                  0);
    cr_assert_eq (fc_book_apply (book, "competitor.updated",
                                 cmd ("{\"id\":\"k1\",\"changed\":[\"name\"],"
                                      "\"name\":\"Bolt\"}"),
                                 2, s_noon_ms ("2026-03-02"), 0),
                  0);
    char id[FC_ID_MAX + 1], name[FC_TEXT_MAX + 1];
    cr_assert_eq (fc_book_competitor (book, "k1", id, name), 0);
    cr_assert_str_eq (name, "Acme", "as of 2026-03-01, its name then");
    cr_assert_eq (fc_book_competitor (book, "Bolt", id, name), DBK_ENOTFOUND);
    cr_assert_eq (fc_book_skipped (book), D ("2026-03-02"), "a kept book knows what it skipped");
    cr_assert_eq (fc_book_seq (book), 2);
}

/*  Every pair of a table, key and value, into one buffer. */
typedef struct {
    char buf[1 << 16];
    size_t n, pairs;
} s_dump_t;

static int s_dump_cb (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    s_dump_t *dump = arg;
    cr_assert_lt (dump->n + 16 + klen + vlen, sizeof dump->buf);
    memcpy (dump->buf + dump->n, &klen, sizeof klen);
    memcpy (dump->buf + dump->n + 8, &vlen, sizeof vlen);
    memcpy (dump->buf + dump->n + 16, key, klen);
    memcpy (dump->buf + dump->n + 16 + klen, val, vlen);
    dump->n += 16 + klen + vlen;
    dump->pairs++;
    return 0;
}

Test (as_of, a_deferred_book_completed_holds_exactly_the_pairs_of_a_book_kept_whole)
{
    s_given_q2 ();
    reg ("o4", "li", "west", "西南", 700000, "2026-07-31", "2026-03-02");
    level ("o4", 1, 2, "2026-03-05");
    won ("o3", 1900000, "2026-04-12");
    close_date ("o2", "2026-09-30", "2026-04-20");
    lost ("o4", "price", "acme", "2026-05-03");
    feed ("competitor.added", "{\"id\":\"k1\",\"name\":\"Acme\"}");
    amount ("o1", 1200000, "2026-05-04");
    fc_store_t *s1, *s2 = fc_mem_store_new ();
    fc_book_t *whole = replay (100, 0, &s1);
    fc_book_t *deferred = fc_book_new (s2, NULL);
    fc_book_defer (deferred);
    for (size_t i = 0; i < s_nlog; i++)
        cr_assert_eq (fc_book_apply (deferred, s_log[i].type, s_log[i].data, i + 1, 0, 0), 0);
    size_t before = fc_mem_store_count (s2, FC_TAB_CELL);
    cr_assert_eq (fc_book_complete (deferred), 0);
    cr_assert_gt (fc_mem_store_count (s2, FC_TAB_CELL), before, "the other indexes are written");
    static s_dump_t a, b;
    for (fc_table_t t = 0; t < FC_TABS; t++) {
        a.n = a.pairs = b.n = b.pairs = 0;
        cr_assert_eq (s1->scan (s1->ctx, t, "", 0, s_dump_cb, &a), 0);
        cr_assert_eq (s2->scan (s2->ctx, t, "", 0, s_dump_cb, &b), 0);
        cr_assert_gt (t == FC_TAB_QUOTA || t == FC_TAB_FORECAST ? 1 : a.pairs, 0);
        cr_assert_eq (a.pairs, b.pairs, "table %d", (int) t);
        cr_assert_eq (a.n, b.n, "table %d", (int) t);
        cr_assert (!memcmp (a.buf, b.buf, a.n), "table %d: the same pairs", (int) t);
    }
    fc_filter_t f = {.owner = "wang", .period = "2026-Q3"};
    fc_funnel_t fa = funnel_of (whole, f), fb = funnel_of (deferred, f);
    cr_assert_eq (fa.open.amount, 333);
    cr_assert (!memcmp (&fa, &fb, sizeof fa));
    cr_assert_eq (fc_book_complete (deferred), 0, "twice is harmless");
    fc_book_destroy (&whole);
    fc_book_destroy (&deferred);
    fc_mem_store_destroy (&s1);
    fc_mem_store_destroy (&s2);
}

/*  ======================= cost of a query ======================= */

/*  A store that forwards to the in-memory one and counts the pairs its
    scans hand out. */
static const fc_store_t *s_inner;
static size_t s_visited;

typedef struct {
    fc_scan_fn *fn;
    void *arg;
} s_fwd_t;

static int s_count_cb (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    s_fwd_t *f = arg;
    s_visited++;
    return f->fn (f->arg, key, klen, val, vlen);
}

static int s_get_c (void *ctx, fc_table_t t, const void *k, size_t kl, void *v, size_t cap,
                    size_t *vl)
{
    (void) ctx;
    return s_inner->get (s_inner->ctx, t, k, kl, v, cap, vl);
}

static int s_put_c (void *ctx, fc_table_t t, const void *k, size_t kl, const void *v, size_t vl)
{
    (void) ctx;
    return s_inner->put (s_inner->ctx, t, k, kl, v, vl);
}

static int s_del_c (void *ctx, fc_table_t t, const void *k, size_t kl)
{
    (void) ctx;
    return s_inner->del (s_inner->ctx, t, k, kl);
}

static int s_scan_c (void *ctx, fc_table_t t, const void *p, size_t pl, fc_scan_fn *fn, void *arg)
{
    (void) ctx;
    s_fwd_t f = {fn, arg};
    return s_inner->scan (s_inner->ctx, t, p, pl, s_count_cb, &f);
}

Test (cells, a_query_visits_the_cells_it_answers_from_not_the_history)
{
    s_inner = store;
    fc_store_t counting = {NULL, s_get_c, s_put_c, s_del_c, s_scan_c};
    fc_book_destroy (&book);
    book = fc_book_new (&counting, NULL);
    /* 60 owners x 3 deals over a year, each moved up and down */
    for (int o = 0; o < 60; o++)
        for (int k = 0; k < 3; k++) {
            char id[40], owner[40], close[40];
            snprintf (id, sizeof id, "d%d.%d", o, k);
            snprintf (owner, sizeof owner, "u%02d", o);
            snprintf (close, sizeof close, "2026-%02d-10", 1 + (o + k) % 12);
            reg (id, owner, o % 2 ? "east" : "west", "华东", 1000, close, "2026-01-01");
            level (id, 1, 3, "2026-01-02");
            level (id, 3, 2, "2026-01-03");
        }
    s_visited = 0;
    fc_funnel_t f = funnel_of (book, (fc_filter_t){.owner = "u07", .period = "2026-Q3"});
    cr_assert_eq (f.level[2].count, 2, "u07's deals close in August and September");
    /* the currency pick and the sum: each visits u07's Q3 cells only */
    cr_assert_leq (s_visited, 4, "%zu cells visited", s_visited);
    s_visited = 0;
    f = funnel_of (book, (fc_filter_t){.period = "2026-03", .currency = "CNY"});
    cr_assert_eq (f.open.count, 15);
    cr_assert_leq (s_visited, 15, "%zu cells visited for March", s_visited);
    fc_book_destroy (&book);
    book = fc_book_new (store, NULL);
}
