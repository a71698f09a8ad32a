/*  test_service_model.c - the domain service shell (dbk_service.h) when
    its projection cannot apply an event: one that fails is retried, one it
    refuses as malformed is skipped and counted, and one that fails again
    and again is named in STATUS and refuses commands at once. Through the
    real sockets of the "tally" service (support/tally_given.h), against a
    real dealbook-eventlog process.
*/
#include "support/tally_given.h"

TestSuite (service, .init = s_init, .fini = s_fini, .timeout = 60);

Test (service, a_failing_projection_is_retried_not_skipped)
{
    dbk_client_t *c = dbk_client_new (s_ep, 10000);
    cr_assert_eq (s_add (c, NULL, "limes", 1, NULL), 0);
    atomic_store (&s_fail_on_n, 13);
    /*  the batch holding n=13 is aborted, the shell backs off and applies
        it again from its checkpoint; the command waits for that */
    cr_assert_eq (s_add (c, NULL, "limes", 13, NULL), 0, "%s", dbk_client_errmsg (c));
    cr_assert_eq (atomic_load (&s_fail_on_n), 0, "the projection did fail once");
    cr_assert_eq (s_total (c, "limes"), 14);
    cr_assert_eq (s_add (c, NULL, "limes", 2, NULL), 0);
    cr_assert_eq (s_total (c, "limes"), 16);
    dbk_doc_t *st = s_status (c);
    cr_assert_eq (s_u64 (st, "seq_applied"), 3);
    dbk_doc_destroy (&st);
    dbk_client_destroy (&c);
}

/*  The service started again with a client timeout of 5 s: a command
    waits up to 10 s for the model to apply its events, far longer than
    DBK_SVC_APPLY_TRIES tries a second apart. */
static void s_restart_patient (void)
{
    zactor_destroy (&s_svc);
    cr_assert_eq (tl_svc_config (&s_cfg, &s_log, s_dir, 5000), 0);
    s_svc = tl_svc_start (s_tally_server, &s_cfg, s_ep, sizeof s_ep);
    cr_assert_not_null (s_svc, "the service did not start");
}

static char *s_model_error (dbk_client_t *c, char *buf, size_t bufsz)
{
    dbk_doc_t *st = s_status (c);
    s_str (st, "model_error", buf, bufsz);
    dbk_doc_destroy (&st);
    return buf;
}

Test (service, a_malformed_event_is_skipped_and_counted_not_retried)
{
    dbk_client_t *c = dbk_client_new (s_ep, 15000);
    cr_assert_eq (s_add (c, NULL, "figs", 1, NULL), 0, "%s", dbk_client_errmsg (c));
    atomic_store (&s_malformed_n, 77);
    /*  the projection refuses it (it wrote nothing): the shell goes past
        it in the same batch, and the command that appended it is answered */
    cr_assert_eq (s_add (c, NULL, "figs", 77, NULL), 0, "%s", dbk_client_errmsg (c));
    cr_assert_eq (s_add (c, NULL, "figs", 2, NULL), 0, "%s", dbk_client_errmsg (c));
    cr_assert_eq (s_total (c, "figs"), 3, "the skipped event added nothing");
    dbk_doc_t *st = s_status (c);
    char why[600];
    cr_assert_eq (s_u64 (st, "seq_applied"), 3);
    cr_assert_str_empty (s_str (st, "model_error", why, sizeof why));
    dbk_doc_destroy (&st);
    cr_assert_eq (s_counter (c, "skipped"), 1);
    cr_assert_eq (s_counter (c, "events"), 3);
    /*  a replay skips it again, and counts it again */
    int rc;
    dbk_doc_destroy ((st = s_call0 (c, "REBUILD", &rc), &st));
    cr_assert_eq (rc, 0, "%s", dbk_client_errmsg (c));
    cr_assert_eq (s_total (c, "figs"), 3);
    cr_assert_eq (s_counter (c, "skipped"), 2);
    dbk_client_destroy (&c);
}

Test (service, an_event_that_fails_again_and_again_is_named_and_refuses_commands_at_once)
{
    s_restart_patient ();
    dbk_client_t *c = dbk_client_new (s_ep, 15000);
    cr_assert_eq (s_add (c, NULL, "limes", 1, NULL), 0, "%s", dbk_client_errmsg (c));
    atomic_store (&s_broken_n, 66);
    /*  appended, never applied: once it failed DBK_SVC_APPLY_TRIES times
        the command is answered, naming the event, not after its 10 s */
    int64_t t0 = zclock_mono ();
    cr_assert_eq (s_add (c, NULL, "limes", 66, NULL), DBK_EIO, "%s", dbk_client_errmsg (c));
    cr_assert_lt (zclock_mono () - t0, 8000);
    const char *msg = dbk_client_errmsg (c);
    cr_assert (strstr (msg, "the events are appended (seq 2..2)"), "%s", msg);
    cr_assert (strstr (msg, "seq 2 (tally.added on tally-limes) cannot be applied: DBK_EIO"), "%s",
               msg);
    char why[600];
    dbk_doc_t *st = s_status (c);
    cr_assert_eq (s_u64 (st, "seq_applied"), 1);
    cr_assert_eq (s_u64 (st, "lag"), 1);
    cr_assert (strstr (s_str (st, "model_error", why, sizeof why),
                       "seq 2 (tally.added on tally-limes) cannot be applied: DBK_EIO"),
               "%s", why);
    dbk_doc_destroy (&st);
    /*  a new command is refused at once, and appends nothing */
    t0 = zclock_mono ();
    cr_assert_eq (s_add (c, NULL, "kiwis", 1, NULL), DBK_EIO, "%s", dbk_client_errmsg (c));
    cr_assert_lt (zclock_mono () - t0, 2000);
    cr_assert (strstr (dbk_client_errmsg (c), "nothing was appended"), "%s", dbk_client_errmsg (c));
    cr_assert_eq (s_log_head (), 2);
    /*  a REBUILD stops at it too, and says so rather than waiting for ever */
    int rc;
    dbk_doc_destroy ((st = s_call0 (c, "REBUILD", &rc), &st));
    cr_assert_eq (rc, DBK_EIO, "%s", dbk_client_errmsg (c));
    cr_assert (strstr (dbk_client_errmsg (c), "the replay stopped: seq 2 (tally.added"), "%s",
               dbk_client_errmsg (c));
    st = s_status (c);
    cr_assert_eq (s_u64 (st, "seq_applied"), 1);
    cr_assert (dbk_obj_type (dbk_obj_get (dbk_doc_root (st), "rebuilding")) == DBK_T_BOOL);
    bool rebuilding = true;
    dbk_obj_bool (dbk_obj_get (dbk_doc_root (st), "rebuilding"), &rebuilding);
    cr_assert_not (rebuilding);
    dbk_doc_destroy (&st);
    /*  mended (a new version of the service, as it were): the model goes
        on by itself, and the error is gone */
    atomic_store (&s_broken_n, 0);
    for (int i = 0; i < 100 && s_model_error (c, why, sizeof why)[0]; i++)
        zclock_sleep (50);
    cr_assert_str_empty (why);
    cr_assert_eq (s_total (c, "limes"), 67);
    cr_assert_eq (s_add (c, NULL, "kiwis", 1, NULL), 0, "%s", dbk_client_errmsg (c));
    dbk_client_destroy (&c);
}
