/*  test_service.c - the domain service shell (dbk_service.h) through its
    real sockets, against a real dealbook-eventlog process.

    The service under test is "tally" (support/tally_given.h). Events the
    projection fails on or skips: test_service_model.c.
*/
#include "support/tally_given.h"

TestSuite (service, .init = s_init, .fini = s_fini, .timeout = 60);

Test (service, command_appends_events_with_cause_and_actor)
{
    dbk_client_t *c = dbk_client_new (s_ep, 5000);
    uint8_t id[DBK_ID_SIZE];
    dbk_uuid_v7 (id);
    dbk_doc_t *reply;
    cr_assert_eq (s_add (c, id, "apples", 7, &reply), 0, "%s", dbk_client_errmsg (c));
    cr_assert_eq (s_u64 (reply, "events"), 1);
    cr_assert_eq (s_u64 (reply, "first_seq"), 1);
    cr_assert_eq (s_u64 (reply, "last_seq"), 1);
    dbk_doc_destroy (&reply);

    dbk_client_t *lc = dbk_client_new (s_log.log_ep, 5000);
    tl_rec_t *recs;
    long n = tl_read_all (lc, &recs);
    cr_assert_eq (n, 1);
    cr_assert_str_eq (recs[0].stream, "tally-apples");
    cr_assert_str_eq (recs[0].type, "tally.added");
    dbk_event_t ev;
    cr_assert_eq (dbk_event_decode_record (recs[0].rec, recs[0].rec_len, &ev), 0);
    cr_assert (ev.has_cause && memcmp (ev.cause, id, DBK_ID_SIZE) == 0, "cause is the command");
    cr_assert (ev.has_corr && memcmp (ev.corr, id, DBK_ID_SIZE) == 0, "corr defaults to it");
    cr_assert (ev.actor_len == 8 && memcmp (ev.actor, "user:ann", 8) == 0);
    cr_assert_eq (ev.ver, 1);
    tl_recs_free (&recs, (size_t) n);
    dbk_client_destroy (&lc);
    dbk_client_destroy (&c);
}

Test (service, query_sees_the_write_right_after_the_reply)
{
    dbk_client_t *c = dbk_client_new (s_ep, 5000);
    cr_assert_eq (s_total (c, "pears"), -1, "unknown before the first ADD");
    int64_t sum = 0;
    for (int i = 1; i <= 30; i++) {
        cr_assert_eq (s_add (c, NULL, "pears", i, NULL), 0, "%s", dbk_client_errmsg (c));
        sum += i;
        cr_assert_eq (s_total (c, "pears"), sum, "GET right after ADD %d", i);
    }
    dbk_client_destroy (&c);
}

Test (service, validation_error_names_the_field_and_appends_nothing)
{
    dbk_client_t *c = dbk_client_new (s_ep, 5000);
    dbk_doc_t *reply;
    char buf[100];
    struct {
        const char *name;
        int64_t n;
        const char *field;
    } cases[] = {{"plums", 0, "n"},
                 {"plums", 101, "n"},
                 {"plums", -3, "n"},
                 {"", 5, "name"},
                 {"Plums!", 5, "name"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq (s_add (c, NULL, cases[i].name, cases[i].n, &reply), DBK_EINVAL);
        cr_assert_str_eq (s_str (reply, "code", buf, sizeof buf), "INVALID");
        cr_assert_str_eq (s_str (reply, "field", buf, sizeof buf), cases[i].field);
        cr_assert_gt (strlen (s_str (reply, "msg", buf, sizeof buf)), 10);
        dbk_doc_destroy (&reply);
    }
    /*  the shell's own fields: a command id and an actor are required */
    dbk_wr_t *w = dbk_client_begin (c, "ADD", 3);
    dbk_wr_kv_cstr (w, "actor", "user:ann");
    dbk_wr_kv_cstr (w, "name", "plums");
    dbk_wr_kv_u64 (w, "n", 1);
    cr_assert_eq (dbk_client_call (c, &reply), DBK_EINVAL);
    cr_assert_str_eq (s_str (reply, "field", buf, sizeof buf), "cmd");
    dbk_doc_destroy (&reply);
    w = dbk_client_begin (c, "ADD", 3);
    dbk_wr_kv_cstr (w, "cmd", "not-a-uuid");
    dbk_wr_kv_cstr (w, "name", "plums");
    dbk_wr_kv_u64 (w, "n", 1);
    cr_assert_eq (dbk_client_call (c, &reply), DBK_EINVAL);
    cr_assert_str_eq (s_str (reply, "field", buf, sizeof buf), "cmd");
    dbk_doc_destroy (&reply);
    w = dbk_client_begin (c, "ADD", 3);
    dbk_wr_kv_cstr (w, "cmd", "0193a0b1-2c3d-7e4f-8a9b-0c1d2e3f4a5b");
    dbk_wr_kv_cstr (w, "name", "plums");
    dbk_wr_kv_u64 (w, "n", 1);
    cr_assert_eq (dbk_client_call (c, &reply), DBK_EINVAL);
    cr_assert_str_eq (s_str (reply, "field", buf, sizeof buf), "actor");
    dbk_doc_destroy (&reply);
    cr_assert_eq (s_log_head (), 0, "nothing appended");
    cr_assert_eq (s_total (c, "plums"), -1);
    dbk_client_destroy (&c);
}

Test (service, retried_command_id_appends_nothing_and_answers_the_same)
{
    dbk_client_t *c = dbk_client_new (s_ep, 5000);
    uint8_t id[DBK_ID_SIZE];
    dbk_uuid_v7 (id);
    cr_assert_eq (s_add (c, NULL, "figs", 1, NULL), 0);
    dbk_doc_t *first, *again;
    cr_assert_eq (s_add (c, id, "figs", 10, &first), 0);
    cr_assert_eq (s_add (c, id, "figs", 10, &again), 0);
    cr_assert_eq (s_u64 (again, "first_seq"), s_u64 (first, "first_seq"));
    cr_assert_eq (s_u64 (again, "last_seq"), s_u64 (first, "last_seq"));
    cr_assert_eq (s_u64 (again, "events"), 1);
    bool dup = false;
    dbk_obj_bool (dbk_obj_get (dbk_doc_root (again), "duplicate"), &dup);
    cr_assert (dup);
    dbk_doc_destroy (&first);
    dbk_doc_destroy (&again);
    /*  the same id as a UUID string is the same command */
    char s[37];
    dbk_uuid_format (id, s);
    dbk_wr_t *w = dbk_client_begin (c, "ADD", 4);
    dbk_wr_kv_cstr (w, "cmd", s);
    dbk_wr_kv_cstr (w, "actor", "user:ann");
    dbk_wr_kv_cstr (w, "name", "figs");
    dbk_wr_kv_u64 (w, "n", 10);
    cr_assert_eq (dbk_client_call (c, &again), 0);
    cr_assert_eq (s_u64 (again, "last_seq"), 2);
    dbk_doc_destroy (&again);
    cr_assert_eq (s_log_head (), 2);
    cr_assert_eq (s_total (c, "figs"), 11);
    dbk_client_destroy (&c);
}

static int s_move (dbk_client_t *c, const char *from, const char *to, int64_t n,
                   dbk_doc_t **reply_p)
{
    uint8_t id[DBK_ID_SIZE];
    dbk_uuid_v7 (id);
    dbk_wr_t *w = dbk_client_begin (c, "MOVE", 5);
    dbk_wr_cstr (w, "cmd");
    dbk_wr_bin (w, id, DBK_ID_SIZE);
    dbk_wr_kv_cstr (w, "actor", "user:bob");
    dbk_wr_kv_cstr (w, "from", from);
    dbk_wr_kv_cstr (w, "to", to);
    dbk_wr_kv_i64 (w, "n", n);
    return dbk_client_call (c, reply_p);
}

Test (service, a_command_on_two_streams_appends_both_or_none)
{
    dbk_client_t *c = dbk_client_new (s_ep, 5000);
    cr_assert_eq (s_add (c, NULL, "left", 50, NULL), 0);
    dbk_doc_t *r;
    char buf[100];
    cr_assert_eq (s_move (c, "left", "right", 20, &r), 0, "%s", dbk_client_errmsg (c));
    cr_assert_eq (s_u64 (r, "events"), 2);
    cr_assert_eq (s_u64 (r, "first_seq"), 2);
    cr_assert_eq (s_u64 (r, "last_seq"), 3);
    dbk_doc_destroy (&r);
    cr_assert_eq (s_total (c, "left"), 30, "read your writes, both streams");
    cr_assert_eq (s_total (c, "right"), 20);
    /*  the rule reads the state: a refusal keeps its code and appends nothing */
    cr_assert_eq (s_move (c, "left", "right", 31, &r), DBK_ECONFLICT);
    cr_assert_str_eq (s_str (r, "field", buf, sizeof buf), "n");
    cr_assert_str_eq (s_str (r, "msg", buf, sizeof buf), "left holds only 30");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_move (c, "nobody", "right", 1, &r), DBK_ENOTFOUND);
    cr_assert_str_eq (s_str (r, "field", buf, sizeof buf), "from");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_log_head (), 3);
    /*  both events of the move carry the same cause */
    dbk_client_t *lc = dbk_client_new (s_log.log_ep, 5000);
    tl_rec_t *recs;
    long n = tl_read_all (lc, &recs);
    cr_assert_eq (n, 3);
    dbk_event_t e2, e3;
    cr_assert_eq (dbk_event_decode_record (recs[1].rec, recs[1].rec_len, &e2), 0);
    cr_assert_eq (dbk_event_decode_record (recs[2].rec, recs[2].rec_len, &e3), 0);
    cr_assert_str_eq (recs[1].stream, "tally-left");
    cr_assert_str_eq (recs[2].stream, "tally-right");
    cr_assert (e2.has_cause && e3.has_cause && memcmp (e2.cause, e3.cause, DBK_ID_SIZE) == 0);
    tl_recs_free (&recs, (size_t) n);
    dbk_client_destroy (&lc);
    dbk_client_destroy (&c);
}

/*  ---- concurrency ---- */

typedef struct {
    const char *ep; /* service endpoint       */
    int count;      /* commands to send       */
    int base;       /* n of command i: base+i */
    int failed;     /* out: commands refused  */
    int64_t sum;    /* out: sum of n accepted */
    char err[300];  /* out: first failure     */
} s_worker_t;

static void *s_worker (void *arg)
{
    s_worker_t *wk = arg;
    dbk_client_t *c = dbk_client_new (wk->ep, 10000);
    for (int i = 0; i < wk->count && c; i++) {
        int n = 1 + (wk->base + i) % 100;
        int rc = s_add (c, NULL, "shared", n, NULL);
        if (rc) {
            if (!wk->failed++)
                snprintf (wk->err, sizeof wk->err, "%s: %s", dbk_strerror (rc),
                          dbk_client_errmsg (c));
        } else
            wk->sum += n;
    }
    dbk_client_destroy (&c);
    return NULL;
}

static void s_run_workers (s_worker_t *wk, int n, int64_t *sum)
{
    pthread_t th[16];
    for (int i = 0; i < n; i++)
        pthread_create (&th[i], NULL, s_worker, &wk[i]);
    *sum = 0;
    for (int i = 0; i < n; i++) {
        pthread_join (th[i], NULL);
        cr_expect_eq (wk[i].failed, 0, "worker %d: %d failed, first: %s", i, wk[i].failed,
                      wk[i].err);
        *sum += wk[i].sum;
    }
}

Test (service, concurrent_commands_on_one_stream_lose_no_update)
{
    /*  one instance: commands on one stream wait for the instance's own
        previous append to be applied, so none conflicts */
    enum { W = 6, N = 25 };
    s_worker_t wk[W];
    for (int i = 0; i < W; i++)
        wk[i] = (s_worker_t){.ep = s_ep, .count = N, .base = i * 37};
    int64_t sum;
    s_run_workers (wk, W, &sum);
    cr_assert_eq (s_log_head (), W * N);
    dbk_client_t *c = dbk_client_new (s_ep, 5000);
    cr_assert_eq (s_total (c, "shared"), sum);
    cr_assert_eq (s_counter (c, "conflicts"), 0);
    cr_assert_eq (s_counter (c, "commands"), W * N);
    dbk_client_destroy (&c);
}

static zactor_t *s_svc2; /* a second instance, on its own data dir */
static char *s_dir2;

static void s_fini2 (void)
{
    zactor_destroy (&s_svc2);
    if (s_dir2) {
        tl_rmtree (s_dir2);
        free (s_dir2);
        s_dir2 = NULL;
    }
    s_fini ();
}

Test (service, two_instances_on_one_stream_retry_conflicts_and_lose_no_update, .fini = s_fini2)
{
    /*  two instances (two read models) race on stream tally-shared, one
        client each: a decision on a model that has not yet seen the other
        instance's last event is refused by the log and decided again */
    s_dir2 = tl_tmpdir ("svc2");
    char ep2[600];
    s_start_in (s_dir2, &s_svc2, ep2, sizeof ep2);
    enum { N = 40 };
    s_worker_t wk[2] = {{.ep = s_ep, .count = N, .base = 0}, {.ep = ep2, .count = N, .base = 51}};
    int64_t sum;
    s_run_workers (wk, 2, &sum);
    cr_assert_eq (s_log_head (), 2 * N);
    dbk_client_t *c1 = dbk_client_new (s_ep, 5000), *c2 = dbk_client_new (ep2, 5000);
    /*  a command through an instance brings it past every earlier event
        (read your writes); then both models agree */
    cr_assert_eq (s_add (c1, NULL, "other", 1, NULL), 0);
    cr_assert_eq (s_add (c2, NULL, "other", 1, NULL), 0);
    cr_assert_eq (s_total (c2, "shared"), sum);
    cr_assert_eq (s_add (c1, NULL, "other", 1, NULL), 0);
    cr_assert_eq (s_total (c1, "shared"), sum);
    uint64_t k1 = s_counter (c1, "conflicts"), k2 = s_counter (c2, "conflicts");
    cr_log_info ("conflicts retried: %llu + %llu", (unsigned long long) k1,
                 (unsigned long long) k2);
    /*  racing on one stream they do conflict (dozens of times in 80
        commands): the retry path was taken, and lost nothing */
    cr_assert_gt (k1 + k2, 0);
    dbk_client_destroy (&c1);
    dbk_client_destroy (&c2);
}

/*  ---- restart, rebuild ---- */

static void s_fill (dbk_client_t *c, int64_t *apples, int64_t *kiwis)
{
    *apples = *kiwis = 0;
    for (int i = 1; i <= 20; i++) {
        cr_assert_eq (s_add (c, NULL, i % 3 ? "apples" : "kiwis", i, NULL), 0);
        *(i % 3 ? apples : kiwis) += i;
    }
}

Test (service, restart_continues_from_the_checkpoint)
{
    dbk_client_t *c = dbk_client_new (s_ep, 5000);
    int64_t apples, kiwis;
    s_fill (c, &apples, &kiwis);
    dbk_client_destroy (&c);
    zactor_destroy (&s_svc);
    s_start ();
    c = dbk_client_new (s_ep, 5000);
    dbk_doc_t *st = s_status (c);
    cr_assert_eq (s_u64 (st, "seq_applied"), 20, "the checkpoint survives the restart");
    dbk_doc_destroy (&st);
    cr_assert_eq (s_counter (c, "events"), 0, "no event applied again");
    cr_assert_eq (s_total (c, "apples"), apples, "not applied twice");
    cr_assert_eq (s_total (c, "kiwis"), kiwis);
    cr_assert_eq (s_add (c, NULL, "kiwis", 5, NULL), 0);
    cr_assert_eq (s_total (c, "kiwis"), kiwis + 5);
    dbk_client_destroy (&c);
}

Test (service, deleted_data_dir_rebuilds_the_same_state)
{
    dbk_client_t *c = dbk_client_new (s_ep, 5000);
    int64_t apples, kiwis;
    s_fill (c, &apples, &kiwis);
    dbk_client_destroy (&c);
    zactor_destroy (&s_svc);
    tl_rmtree (s_dir);
    s_start ();
    c = dbk_client_new (s_ep, 5000);
    /*  a command waits for the read model: once it is answered, the
        replay has passed every earlier event */
    uint8_t id[DBK_ID_SIZE];
    dbk_uuid_v7 (id);
    cr_assert_eq (s_add (c, id, "kiwis", 1, NULL), 0, "%s", dbk_client_errmsg (c));
    cr_assert_eq (s_total (c, "apples"), apples);
    cr_assert_eq (s_total (c, "kiwis"), kiwis + 1);
    dbk_doc_t *again;
    cr_assert_eq (s_add (c, id, "kiwis", 1, &again), 0);
    cr_assert_eq (s_u64 (again, "last_seq"), 21, "command ids were rebuilt from the log too");
    dbk_doc_destroy (&again);
    cr_assert_eq (s_log_head (), 21);
    dbk_client_destroy (&c);
}

/*  The model's data file: its inode, or 0 when there is none. */
static ino_t s_model_inode (const char *name)
{
    char dir[1100], f[1200];
    cr_assert_eq (dbk_config_service_dir (&s_cfg, "tally", dir, sizeof dir), 0);
    snprintf (f, sizeof f, "%s/%s", dir, name);
    struct stat st;
    return stat (f, &st) == 0 ? st.st_ino : 0;
}

static void s_rebuild_same_state (void)
{
    dbk_client_t *c = dbk_client_new (s_ep, 5000);
    int64_t apples, kiwis;
    s_fill (c, &apples, &kiwis);
    int rc;
    dbk_doc_t *r = s_call0 (c, "REBUILD", &rc);
    cr_assert_eq (rc, 0, "%s", dbk_client_errmsg (c));
    cr_assert_eq (s_u64 (r, "seq_applied"), 20);
    dbk_doc_destroy (&r);
    cr_assert_eq (s_total (c, "apples"), apples);
    cr_assert_eq (s_total (c, "kiwis"), kiwis);
    dbk_doc_t *st = s_status (c);
    bool rebuilding = true;
    dbk_obj_bool (dbk_obj_get (dbk_doc_root (st), "rebuilding"), &rebuilding);
    cr_assert_not (rebuilding);
    cr_assert_eq (s_u64 (st, "names"), 2);
    dbk_doc_destroy (&st);
    /*  and it goes on taking commands */
    cr_assert_eq (s_add (c, NULL, "kiwis", 1, NULL), 0, "%s", dbk_client_errmsg (c));
    cr_assert_eq (s_total (c, "kiwis"), kiwis + 1);
    dbk_client_destroy (&c);
}

Test (service, rebuild_verb_reaches_the_same_state)
{
    s_rebuild_same_state ();
}

Test (service, rebuild_replays_into_a_new_file_and_leaves_nothing_behind)
{
    ino_t before = s_model_inode ("data.mdb");
    cr_assert_neq (before, 0);
    s_rebuild_same_state ();
    ino_t after = s_model_inode ("data.mdb");
    cr_assert_neq (after, 0);
    cr_assert_neq (after, before, "the model was emptied in place, not replaced");
    cr_assert_eq (s_model_inode ("fresh"), 0, "the new file's directory was left behind");
    /*  the service restarts on the new file where it left off */
    zactor_destroy (&s_svc);
    s_start ();
    dbk_client_t *c = dbk_client_new (s_ep, 5000);
    int64_t kiwis = s_total (c, "kiwis");
    cr_assert_eq (s_add (c, NULL, "kiwis", 2, NULL), 0, "%s", dbk_client_errmsg (c));
    cr_assert_eq (s_total (c, "kiwis"), kiwis + 2);
    dbk_client_destroy (&c);
}

Test (service, rebuild_empties_the_old_file_when_no_new_one_can_be_made)
{
    /*  a file where the new one's directory would go: no new file */
    char dir[1100], f[1200];
    cr_assert_eq (dbk_config_service_dir (&s_cfg, "tally", dir, sizeof dir), 0);
    snprintf (f, sizeof f, "%s/fresh", dir);
    FILE *fp = fopen (f, "w");
    cr_assert_not_null (fp);
    fclose (fp);
    ino_t before = s_model_inode ("data.mdb");
    s_rebuild_same_state ();
    cr_assert_eq (s_model_inode ("data.mdb"), before, "emptied in place");
}

Test (service, status_reports_position_and_lag)
{
    dbk_client_t *c = dbk_client_new (s_ep, 5000);
    for (int i = 0; i < 3; i++)
        cr_assert_eq (s_add (c, NULL, "limes", 2, NULL), 0);
    dbk_doc_t *st = s_status (c);
    char buf[64];
    cr_assert_str_eq (s_str (st, "service", buf, sizeof buf), "tally");
    cr_assert_str_eq (s_str (st, "version", buf, sizeof buf), DBK_VERSION);
    cr_assert_neq (s_u64 (st, "uptime_ms"), UINT64_MAX);
    cr_assert_eq (s_u64 (st, "seq_applied"), 3);
    cr_assert_eq (s_u64 (st, "head"), 3);
    cr_assert_eq (s_u64 (st, "lag"), 0);
    cr_assert_eq (s_u64 (st, "waiting"), 0);
    cr_assert_eq (s_u64 (st, "names"), 1, "the service's own STATUS fields");
    dbk_doc_destroy (&st);
    int rc;
    dbk_doc_t *p = s_call0 (c, "PING", &rc);
    cr_assert_eq (rc, 0);
    dbk_doc_destroy (&p);
    dbk_client_destroy (&c);
}

Test (service, malformed_and_unknown_requests_get_error_and_service_goes_on)
{
    dbk_client_t *c = dbk_client_new (s_ep, 5000);
    int rc;
    char buf[100];
    dbk_doc_t *r = s_call0 (c, "FROB", &rc);
    cr_assert_eq (rc, DBK_EUNKNOWN_OP);
    cr_assert_str_eq (s_str (r, "field", buf, sizeof buf), "op");
    dbk_doc_destroy (&r);
    /*  raw frames through a DEALER: garbage, a non-map, an oversized count */
    zsock_t *d = zsock_new_dealer (s_ep);
    zsock_set_rcvtimeo (d, 5000);
    const char *bad[] = {"\xc1", "\x93\x01\x02\x03", "\xdf\xff\xff\xff\xff", ""};
    size_t len[] = {1, 4, 5, 0};
    for (size_t i = 0; i < 4; i++) {
        zframe_t *f = zframe_new (bad[i], len[i]);
        zframe_send (&f, d, 0);
        zframe_t *ans = zframe_recv (d);
        cr_assert_not_null (ans, "frame %zu answered", i);
        dbk_doc_t *doc;
        cr_assert_eq (dbk_doc_parse (zframe_data (ans), zframe_size (ans), &doc), 0);
        bool ok = true;
        dbk_obj_bool (dbk_obj_get (dbk_doc_root (doc), "ok"), &ok);
        cr_assert_not (ok);
        dbk_doc_destroy (&doc);
        zframe_destroy (&ans);
    }
    zsock_destroy (&d);
    /*  a command whose fields have the wrong types */
    dbk_wr_t *w = dbk_client_begin (c, "ADD", 4);
    dbk_wr_kv_u64 (w, "cmd", 12);
    dbk_wr_kv_u64 (w, "actor", 1);
    dbk_wr_kv_u64 (w, "name", 3);
    dbk_wr_kv_cstr (w, "n", "x");
    cr_assert_eq (dbk_client_call (c, &r), DBK_EINVAL);
    dbk_doc_destroy (&r);
    w = dbk_client_begin (c, "GET", 0);
    cr_assert_eq (dbk_client_call (c, &r), DBK_EINVAL);
    cr_assert_str_eq (s_str (r, "field", buf, sizeof buf), "name");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_add (c, NULL, "dates", 4, NULL), 0, "still serving");
    cr_assert_eq (s_total (c, "dates"), 4);
    dbk_client_destroy (&c);
}

Test (service, log_down_gives_unreachable_not_a_hang)
{
    dbk_client_t *c = dbk_client_new (s_ep, 10000);
    cr_assert_eq (s_add (c, NULL, "nuts", 3, NULL), 0);
    tl_log_stop (&s_log);
    int64_t t0 = zclock_mono ();
    dbk_doc_t *r;
    char buf[64];
    uint8_t id[DBK_ID_SIZE];
    dbk_uuid_v7 (id);
    cr_assert_eq (s_add (c, id, "nuts", 3, &r), DBK_ETIMEOUT, "%s", dbk_client_errmsg (c));
    cr_assert_str_eq (s_str (r, "code", buf, sizeof buf), "UNREACHABLE");
    dbk_doc_destroy (&r);
    cr_assert_lt (zclock_mono () - t0, 8000, "answered within the timeouts");
    /*  queries and STATUS still work from the read model */
    cr_assert_eq (s_total (c, "nuts"), 3);
    dbk_doc_t *st = s_status (c);
    dbk_doc_destroy (&st);
    /*  and commands work again once the log is back. The service sent
        the unanswered APPEND again until the log answered, so it is
        stored once: its command retried is a duplicate */
    cr_assert_eq (tl_log_restart (&s_log, NULL), 0);
    cr_assert_eq (s_add (c, id, "nuts", 3, NULL), 0, "%s", dbk_client_errmsg (c));
    cr_assert_eq (s_total (c, "nuts"), 6);
    cr_assert_eq (s_add (c, NULL, "nuts", 3, NULL), 0, "%s", dbk_client_errmsg (c));
    cr_assert_eq (s_total (c, "nuts"), 9);
    dbk_client_destroy (&c);
}
