/*  test_contacts_hand.c - the contacts service against events appended
    by hand, straight to the log, that its projections cannot apply: each
    is skipped, changes nothing (no index row either) and stops nothing.
    Through its real ROUTER (fixture in support/contacts_svc_given.h).
*/
#include "support/contacts_svc_given.h"

TestSuite (contacts_service, .init = s_init, .fini = s_fini, .timeout = 60);

/*  ---- events appended by hand that cannot be applied ---- */

/*  Append type on stream straight to the log (anyone may), its payload
    the msgpack map in `data`. */
static void s_append_raw (const char *stream, const char *type, dbk_wr_t *data)
{
    dbk_wr_t *buf = dbk_wr_new ();
    dbk_event_t ev;
    tl_event (&ev, type, 0, NULL, buf);
    ev.data_raw = dbk_wr_data (data);
    ev.data_raw_len = dbk_wr_size (data);
    dbk_client_t *lc = dbk_client_new (s_log.log_ep, 5000);
    cr_assert_eq (dbk_client_append (lc, stream, DBK_EXPECT_ANY, &ev, 1, NULL, NULL, NULL), 0, "%s",
                  dbk_client_errmsg (lc));
    dbk_client_destroy (&lc);
    dbk_wr_destroy (&buf);
}

static uint64_t s_skipped (void)
{
    dbk_doc_t *st;
    cr_assert_eq (s_req ("STATUS", false, NULL, &st, NULL), 0);
    uint64_t v = UINT64_MAX;
    dbk_obj_u64 (dbk_obj_get (dbk_obj_get (dbk_doc_root (st), "counters"), "skipped"), &v);
    char why[300];
    cr_assert_str_empty (s_rstr (st, "model_error", why, sizeof why));
    dbk_doc_destroy (&st);
    return v;
}

/*  What k1 "Kone", close to a1, must still be. */
static void s_kone_intact (const char *products)
{
    dbk_doc_t *r;
    char buf[300];
    cr_assert_eq (s_req ("COMPETITOR_GET", false, NULL, &r, "id", "k1", NULL), 0, "%s",
                  dbk_client_errmsg (s_c));
    cr_assert_str_eq (s_rstr (r, "name", buf, sizeof buf), "Kone");
    cr_assert_str_eq (s_rstr (r, "products", buf, sizeof buf), products);
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("COMPETITOR_LIST", false, NULL, &r, "close_to", "a1", NULL), 0);
    cr_assert_str_eq (s_ids (r, "competitors", buf, sizeof buf), "k1", "its rivals row");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("COMPETITOR_ADD", true, NULL, &r, "id", "k2", "name", "KONE", NULL),
                  DBK_EDUPLICATE, "its name row");
    dbk_doc_destroy (&r);
}

Test (contacts_service, a_competitor_event_that_cannot_be_stored_is_skipped_and_changes_nothing)
{
    s_account ("a1", "Alpha Design", "design_institute");
    cr_assert_eq (s_list_cmd ("COMPETITOR_ADD", "k1", "close_to", "a1", NULL, "name", "Kone", NULL,
                              NULL, NULL),
                  0, "%s", dbk_client_errmsg (s_c));
    dbk_wr_t *w = dbk_wr_new ();
    /*  a name "" would be stored as no name, and the stored competitor
        would not fold back for the next event: skipped */
    dbk_wr_map (w, 2);
    dbk_wr_kv_cstr (w, "id", "k1");
    dbk_wr_kv_cstr (w, "name", "");
    s_append_raw ("competitor-k1", "competitor.added", w);
    dbk_wr_reset (w);
    dbk_wr_map (w, 3);
    dbk_wr_kv_cstr (w, "id", "k1");
    dbk_wr_cstr (w, "changed");
    dbk_wr_array (w, 1);
    dbk_wr_cstr (w, "products");
    dbk_wr_kv_cstr (w, "products", "escalators");
    s_append_raw ("competitor-k1", "competitor.updated", w);
    /*  a name that is no text: skipped before its old rivals and name
        rows are touched */
    dbk_wr_reset (w);
    dbk_wr_map (w, 2);
    dbk_wr_kv_cstr (w, "id", "k1");
    dbk_wr_cstr (w, "name");
    dbk_wr_array (w, 1);
    dbk_wr_i64 (w, 1);
    s_append_raw ("competitor-k1", "competitor.added", w);
    dbk_wr_destroy (&w);
    /*  the command waits until the read model passed them all */
    cr_assert_eq (
        s_req ("COMPETITOR_UPDATE", true, NULL, NULL, "id", "k1", "strengths", "service", NULL), 0,
        "%s", dbk_client_errmsg (s_c));
    s_kone_intact ("escalators");
    cr_assert_eq (s_skipped (), 2);
    /*  so does a replay */
    dbk_doc_t *r;
    cr_assert_eq (s_req ("REBUILD", false, NULL, &r, NULL), 0, "%s", dbk_client_errmsg (s_c));
    dbk_doc_destroy (&r);
    s_kone_intact ("escalators");
    cr_assert_eq (s_skipped (), 4);
}

Test (contacts_service, a_stored_competitor_that_does_not_fold_back_is_no_storage_failure)
{
    s_account ("a1", "Alpha Design", "design_institute");
    cr_assert_eq (s_req ("COMPETITOR_ADD", true, NULL, NULL, "id", "k1", "name", "Kone", NULL), 0,
                  "%s", dbk_client_errmsg (s_c));
    /*  k1's row as an older version stored it from a competitor.added
        whose name was "": no name */
    s_stop ();
    char dir[1100];
    cr_assert_eq (dbk_config_service_dir (&s_cfg, "contacts", dir, sizeof dir), 0);
    MDB_env *env;
    cr_assert_eq (dbk_lmdb_open (&env, dir, s_cfg.map_size, 64, false, NULL, 0), 0);
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
    cr_assert_eq (mdb_dbi_open (txn, "competitors", 0, &dbi), 0);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 3);
    dbk_wr_kv_cstr (w, "status", "active");
    dbk_wr_kv_cstr (w, "id", "k1");
    dbk_wr_cstr (w, "close_to");
    dbk_wr_array (w, 0);
    MDB_val k = {2, "k1"}, v = {dbk_wr_size (w), (void *) dbk_wr_data (w)};
    cr_assert_eq (mdb_put (txn, dbi, &k, &v, 0), 0);
    cr_assert_eq (mdb_txn_commit (txn), 0);
    mdb_env_close (env);
    s_start ();
    /*  the next event of k1 finds it: skipped, as the event it came from
        is now, and the model goes on */
    dbk_wr_reset (w);
    dbk_wr_map (w, 2);
    dbk_wr_kv_cstr (w, "id", "k1");
    dbk_wr_kv_cstr (w, "products", "escalators");
    s_append_raw ("competitor-k1", "competitor.updated", w);
    dbk_wr_destroy (&w);
    s_account ("a2", "Beta Build", "general_contractor");
    cr_assert_eq (s_skipped (), 1);
    /*  a command on k1 says what is wrong, not that storage failed */
    dbk_doc_t *r;
    cr_assert_eq (
        s_req ("COMPETITOR_UPDATE", true, NULL, &r, "id", "k1", "products", "lifts", NULL),
        DBK_ECORRUPT, "%s", dbk_client_errmsg (s_c));
    dbk_doc_destroy (&r);
    /*  a REBUILD folds k1 again from the log */
    cr_assert_eq (s_req ("REBUILD", false, NULL, &r, NULL), 0, "%s", dbk_client_errmsg (s_c));
    dbk_doc_destroy (&r);
    cr_assert_eq (
        s_req ("COMPETITOR_UPDATE", true, NULL, &r, "id", "k1", "products", "lifts", NULL), 0, "%s",
        dbk_client_errmsg (s_c));
    dbk_doc_destroy (&r);
}
