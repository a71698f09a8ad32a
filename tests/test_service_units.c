/*  test_service_units.c - the service shell's pieces without a log or
    clients: command ids, endpoints and categories, and a definition the
    shell refuses to start. The shell through real sockets and a real
    event log is in test_service.c. */
#include "support/testlib.h"

#include "dealbook/dbk_config.h"
#include "dealbook/dbk_service.h"

#include <criterion/criterion.h>
#include <string.h>

Test (service_units, command_ids_parse_from_bin_or_uuid_text)
{
    dbk_wr_t *w = dbk_wr_new ();
    uint8_t id[DBK_ID_SIZE], out[DBK_ID_SIZE];
    dbk_uuid_v7 (id);
    char text[37];
    dbk_uuid_format (id, text);
    dbk_wr_array (w, 5);
    dbk_wr_bin (w, id, DBK_ID_SIZE);
    dbk_wr_cstr (w, text);
    dbk_wr_bin (w, id, 15);
    dbk_wr_cstr (w, "0193a0b1-2c3d-7e4f-8a9b-0c1d2e3f4a5");
    dbk_wr_u64 (w, 7);
    dbk_doc_t *doc;
    cr_assert_eq (dbk_doc_parse (dbk_wr_data (w), dbk_wr_size (w), &doc), 0);
    const dbk_obj_t *a = dbk_doc_root (doc);
    cr_assert_eq (dbk_svc_parse_id (dbk_obj_at (a, 0), out), 0);
    cr_assert_arr_eq (out, id, DBK_ID_SIZE);
    memset (out, 0, sizeof out);
    cr_assert_eq (dbk_svc_parse_id (dbk_obj_at (a, 1), out), 0);
    cr_assert_arr_eq (out, id, DBK_ID_SIZE);
    for (size_t i = 2; i < 5; i++)
        cr_assert_eq (dbk_svc_parse_id (dbk_obj_at (a, i), out), DBK_EINVAL, "element %zu", i);
    cr_assert_eq (dbk_svc_parse_id (NULL, out), DBK_EINVAL);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}

Test (service_units, endpoints_and_categories)
{
    dbk_config_t cfg;
    cr_assert_eq (dbk_config_load (&cfg, NULL, 0), 0);
    snprintf (cfg.data_dir, sizeof cfg.data_dir, "/tmp/x");
    char ep[300];
    cr_assert_eq (dbk_service_endpoint (&cfg, "contacts", ep, sizeof ep), 0);
    cr_assert_str_eq (ep, cfg.contacts_endpoint);
    cr_assert_eq (dbk_service_endpoint (&cfg, "forecasting", ep, sizeof ep), 0);
    cr_assert_str_eq (ep, cfg.forecasting_endpoint);
    cr_assert_eq (dbk_service_endpoint (&cfg, "tally", ep, sizeof ep), 0);
    cr_assert_str_eq (ep, "ipc:///tmp/x/tally.ipc");
    cr_assert_eq (dbk_service_endpoint (&cfg, "tally", ep, 10), DBK_ETOOBIG);
    cr_assert_eq (dbk_svc_category_len ("contact-0193", 12), 7);
    cr_assert_eq (dbk_svc_category_len ("nodash", 6), 0);
}

static int s_nop_project (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_event_t *ev)
{
    (void) ctx, (void) txn, (void) ev;
    return 0;
}

static int s_nop_query (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    (void) ctx, (void) txn, (void) req;
    dbk_wr_map (w, 0);
    return 0;
}

static const dbk_svc_query_t s_bad_queries[] = {{"STATUS", s_nop_query}, {NULL, NULL}};
static const dbk_service_def_t s_bad = {
    .name = "bad", .queries = s_bad_queries, .project = s_nop_project};

static void s_bad_server (zsock_t *pipe, void *args)
{
    dbk_service_run (pipe, &s_bad, args);
}

Test (service_units, a_definition_that_redefines_a_builtin_verb_fails_to_start)
{
    char *dir = tl_tmpdir ("svcbad");
    dbk_config_t cfg;
    cr_assert_eq (dbk_config_load (&cfg, NULL, 0), 0);
    snprintf (cfg.data_dir, sizeof cfg.data_dir, "%s", dir);
    zactor_t *a = zactor_new (s_bad_server, &cfg);
    char *msg = zstr_recv (a);
    cr_assert (msg && strncmp (msg, "FAILED ", 7) == 0, "got %s", msg);
    zstr_free (&msg);
    zactor_destroy (&a);
    tl_rmtree (dir);
    free (dir);
}
