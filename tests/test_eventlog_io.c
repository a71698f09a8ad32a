/*  test_eventlog_io.c - the event log (DESIGN §4, §6) through its real
    process and sockets: READ, PUB, BACKUP, and what it answers to
    malformed and oversized requests.

    Expected versions, idempotency, multi-stream appends, concurrency and
    restart are in test_eventlog.c. Every wait is on an answer or a
    message, never a sleep.
*/
#include "support/eventlog_given.h"
#include "support/testlib.h"

#include "dealbook/dbk_proto.h"

#include <criterion/criterion.h>
#include <czmq.h>
#include <pthread.h>

/*  ---- 11. READ ---- */

Test (read, reads_by_seq_come_in_pages_bounded_by_limit)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    char stream[40];
    for (int i = 0; i < 25; i++) {
        snprintf (stream, sizeof stream, "deal-%d", i % 3);
        s_append_n (c, stream, 1, "opportunity.noted");
    }
    uint64_t from = 1, next = 1;
    int pages = 0;
    while (true) {
        dbk_read_t rq = {.from = from, .limit = 10};
        dbk_doc_t *reply = NULL;
        dbk_page_t page;
        cr_assert_eq (dbk_client_read (c, &rq, &reply, &page), 0);
        cr_assert_eq (page.head, 25);
        cr_assert_leq (page.count, 10);
        for (size_t i = 0; i < page.count; i++) {
            dbk_event_t ev;
            cr_assert_eq (dbk_page_event (&page, i, &ev), 0);
            cr_assert_eq (ev.seq, next++);
        }
        size_t count = page.count;
        if (count)
            cr_assert_eq (page.last, next - 1, "last is the last seq returned");
        dbk_doc_destroy (&reply);
        if (count == 0)
            break;
        pages++;
        from = next;
    }
    cr_assert_eq (next, 26);
    cr_assert_eq (pages, 3);
    /*  past the head: an empty page that still tells the head */
    dbk_read_t rq = {.from = 1000};
    dbk_doc_t *reply = NULL;
    dbk_page_t page;
    cr_assert_eq (dbk_client_read (c, &rq, &reply, &page), 0);
    cr_assert_eq (page.count, 0);
    cr_assert_eq (page.head, 25);
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (read, a_filtered_read_stops_at_max_scan_and_tells_where_to_continue)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_append_n (c, "account-1", 20, "account.noted");      /* seqs 1..20  */
    s_append_n (c, "deal-1", 5, "opportunity.registered"); /* seqs 21..25 */
    s_append_n (c, "account-2", 3, "account.other");       /* seqs 26..28 */
    uint64_t from = 1;
    dbk_read_t rq = {.from = from, .type_prefix = "opportunity.", .max_scan = 8};
    dbk_doc_t *reply = NULL;
    dbk_page_t page;
    /*  nothing matches in the first 8 and 16: the answer still moves on */
    cr_assert_eq (dbk_client_read (c, &rq, &reply, &page), 0);
    cr_assert_eq (page.count, 0);
    cr_assert_eq (page.last, 8);
    cr_assert_eq (page.head, 28);
    dbk_doc_destroy (&reply);
    rq.from = 9;
    cr_assert_eq (dbk_client_read (c, &rq, &reply, &page), 0);
    cr_assert_eq (page.count, 0);
    cr_assert_eq (page.last, 16);
    dbk_doc_destroy (&reply);
    rq.from = 17;
    cr_assert_eq (dbk_client_read (c, &rq, &reply, &page), 0);
    cr_assert_eq (page.count, 4, "seqs 21..24 of 17..24 match");
    cr_assert_eq (page.last, 24);
    for (size_t i = 0; i < page.count; i++) {
        dbk_event_t ev;
        cr_assert_eq (dbk_page_event (&page, i, &ev), 0);
        cr_assert_eq (ev.seq, 21 + i);
        cr_assert (ev.type_len == 22 && !memcmp (ev.type, "opportunity.registered", 22));
    }
    dbk_doc_destroy (&reply);
    /*  a limit stops the page before max_scan */
    dbk_read_t rq2 = {.from = 1, .type_prefix = "account.", .limit = 3};
    cr_assert_eq (dbk_client_read (c, &rq2, &reply, &page), 0);
    cr_assert_eq (page.count, 3);
    cr_assert_eq (page.last, 3);
    dbk_doc_destroy (&reply);
    /*  a prefix is a prefix of the type, not of the category only */
    dbk_read_t rq3 = {.from = 1, .type_prefix = "account.oth"};
    cr_assert_eq (dbk_client_read (c, &rq3, &reply, &page), 0);
    cr_assert_eq (page.count, 3);
    cr_assert_eq (page.last, 28);
    dbk_event_t ev;
    cr_assert_eq (dbk_page_event (&page, 0, &ev), 0);
    cr_assert_eq (ev.seq, 26);
    dbk_doc_destroy (&reply);
    /*  several prefixes: an event matches any of them, in seq order */
    static const char *const two[] = {"account.oth", "opportunity."};
    dbk_read_t rq4 = {.from = 1, .type_prefixes = two, .ntype_prefixes = 2};
    cr_assert_eq (dbk_client_read (c, &rq4, &reply, &page), 0);
    cr_assert_eq (page.count, 8, "seqs 21..28");
    cr_assert_eq (page.last, 28);
    for (size_t i = 0; i < page.count; i++) {
        cr_assert_eq (dbk_page_event (&page, i, &ev), 0);
        cr_assert_eq (ev.seq, 21 + i);
    }
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (read, a_read_by_stream_starts_at_the_given_version)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    for (int i = 0; i < 10; i++) {
        s_append_n (c, "deal-a", 1, "opportunity.noted");
        s_append_n (c, "deal-ab", 1, "opportunity.noted"); /* shares a prefix with deal-a */
    }
    dbk_read_t rq = {.from = 4, .stream = "deal-a", .limit = 3};
    dbk_doc_t *reply = NULL;
    dbk_page_t page;
    cr_assert_eq (dbk_client_read (c, &rq, &reply, &page), 0);
    cr_assert_eq (page.count, 3);
    cr_assert_eq (page.head, 20);
    for (size_t i = 0; i < page.count; i++) {
        dbk_event_t ev;
        cr_assert_eq (dbk_page_event (&page, i, &ev), 0);
        cr_assert_eq (ev.ver, 4 + i);
        cr_assert_eq (ev.seq, 2 * (4 + i) - 1);
        cr_assert (ev.stream_len == 6 && !memcmp (ev.stream, "deal-a", 6));
    }
    cr_assert_eq (page.last, 11, "last is the seq of the last event returned");
    dbk_doc_destroy (&reply);
    /*  to the end of the stream, and never into deal-ab */
    rq.limit = 0;
    cr_assert_eq (dbk_client_read (c, &rq, &reply, &page), 0);
    cr_assert_eq (page.count, 7);
    dbk_doc_destroy (&reply);
    /*  a stream that does not exist reads as empty */
    dbk_read_t none = {.from = 1, .stream = "deal-zzz"};
    cr_assert_eq (dbk_client_read (c, &none, &reply, &page), 0);
    cr_assert_eq (page.count, 0);
    cr_assert_eq (page.head, 20);
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (read, reads_with_invalid_arguments_are_refused_with_the_field_named)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_append_n (c, "account-1", 2, "account.noted");
    static const struct {
        const char *key;   /* argument                    */
        int kind;          /* 0 uint, 1 str               */
        uint64_t u;        /* value if uint               */
        const char *s;     /* value if str                */
        const char *field; /* field the error must name  */
    } cases[] = {
        {"from", 0, 0, NULL, "from"},
        {"limit", 0, 0, NULL, "limit"},
        {"limit", 0, 10001, NULL, "limit"},
        {"max_scan", 0, 0, NULL, "max_scan"},
        {"stream", 1, 0, "Not A Stream", "stream"},
        {"stream", 0, 42, NULL, "stream"},
        {"type", 0, 42, NULL, "type"},
        {"from", 1, 0, "one", "from"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dbk_wr_t *w = dbk_client_begin (c, "READ", 1);
        if (cases[i].kind == 0)
            dbk_wr_kv_u64 (w, cases[i].key, cases[i].u);
        else
            dbk_wr_kv_cstr (w, cases[i].key, cases[i].s);
        dbk_doc_t *reply = NULL;
        cr_assert_eq (dbk_client_call (c, &reply), DBK_EINVAL, "READ case %zu accepted", i);
        s_assert_error (reply, "INVALID", cases[i].field, cases[i].key);
        dbk_doc_destroy (&reply);
    }
    /*  a stream read takes no type filter */
    dbk_wr_t *w = dbk_client_begin (c, "READ", 2);
    dbk_wr_kv_cstr (w, "stream", "account-1");
    dbk_wr_kv_cstr (w, "type", "account.");
    dbk_doc_t *reply = NULL;
    cr_assert_eq (dbk_client_call (c, &reply), DBK_EINVAL);
    s_assert_error (reply, "INVALID", "type", "stream + type");
    dbk_doc_destroy (&reply);
    /*  a list of type prefixes: 1..8 strings */
    for (int k = 0; k < 3; k++) {
        w = dbk_client_begin (c, "READ", 1);
        dbk_wr_cstr (w, "type");
        uint32_t n = k == 0 ? 0 : k == 1 ? 9 : 2;
        dbk_wr_array (w, n);
        for (uint32_t i = 0; i < n; i++)
            if (k == 2 && i == 1)
                dbk_wr_u64 (w, 7);
            else
                dbk_wr_cstr (w, "account.");
        cr_assert_eq (dbk_client_call (c, &reply), DBK_EINVAL, "type list %d accepted", k);
        s_assert_error (reply, "INVALID", "type", "type list");
        dbk_doc_destroy (&reply);
    }
    dbk_client_destroy (&c);
    s_assert_still_serving (&log, 2);
    tl_log_cleanup (&log);
}

/*  ---- 12. PUB ---- */

static zsock_t *s_sub (const char *endpoint, const char *const *prefixes)
{
    zsock_t *s = zsock_new (ZMQ_SUB);
    cr_assert_not_null (s);
    zsock_set_linger (s, 0);
    zsock_set_rcvtimeo (s, S_TIMEOUT_MS);
    for (const char *const *p = prefixes; *p; p++)
        zsock_set_subscribe (s, *p);
    cr_assert_eq (zsock_connect (s, "%s", endpoint), 0);
    return s;
}

/*  One PUB message: its topic (copied into topic) and its body. */
static zframe_t *s_sub_recv (zsock_t *s, char *topic, size_t topicsz)
{
    zmsg_t *m = zmsg_recv (s);
    cr_assert_not_null (m, "nothing published within %d ms", S_TIMEOUT_MS);
    cr_assert_eq (zmsg_size (m), 2, "a PUB message has two frames");
    zframe_t *t = zmsg_pop (m);
    zframe_t *body = zmsg_pop (m);
    size_t n = zframe_size (t) < topicsz - 1 ? zframe_size (t) : topicsz - 1;
    memcpy (topic, zframe_data (t), n);
    topic[n] = 0;
    zframe_destroy (&t);
    zmsg_destroy (&m);
    return body;
}

/*  Wait for a heartbeat: then the subscription is in place. Returns its
    head. */
static uint64_t s_sub_heartbeat (zsock_t *s)
{
    while (true) {
        char topic[128];
        zframe_t *body = s_sub_recv (s, topic, sizeof topic);
        bool hb = streq (topic, DBK_HEARTBEAT_TOPIC);
        uint64_t head = 0;
        if (hb) {
            dbk_doc_t *doc = NULL;
            cr_assert_eq (dbk_doc_parse (zframe_data (body), zframe_size (body), &doc), 0);
            const dbk_obj_t *r = dbk_doc_root (doc);
            head = s_u64 (r, "head");
            int64_t ts;
            cr_assert_eq (dbk_obj_i64 (dbk_obj_get (r, "ts"), &ts), 0, "heartbeat has a ts");
            int64_t now = dbk_now_ms ();
            cr_assert (ts > now - 60000 && ts < now + 60000, "heartbeat ts %lld far from now",
                       (long long) ts);
            dbk_doc_destroy (&doc);
        }
        zframe_destroy (&body);
        if (hb)
            return head;
    }
}

static const char *const s_fast_hb[] = {"DEALBOOK_HEARTBEAT_MS=100", NULL};

Test (pub, every_committed_event_is_published_with_its_type_as_topic)
{
    tl_log_t log;
    s_start (&log, s_fast_hb);
    dbk_client_t *c = s_client (&log);
    const char *const all[] = {"", NULL};
    zsock_t *sub = s_sub (log.pub_ep, all);
    s_sub_heartbeat (sub);
    uint64_t next = 1;
    for (int k = 0; k < 10; k++) {
        s_batch_t b;
        s_batch (&b, 1 + (size_t) k % 3, k % 2 ? "opportunity.noted" : "account.noted", "pub");
        uint64_t fs, ls;
        s_append_ok (c, k % 2 ? "deal-1" : "account-1", DBK_EXPECT_ANY, &b, &fs, &ls, NULL);
        cr_assert_eq (fs, next);
        for (size_t i = 0; i < b.n;) {
            char topic[128];
            zframe_t *body = s_sub_recv (sub, topic, sizeof topic);
            if (streq (topic, DBK_HEARTBEAT_TOPIC)) {
                zframe_destroy (&body);
                continue;
            }
            dbk_event_t ev;
            cr_assert_eq (dbk_event_decode_record (zframe_data (body), zframe_size (body), &ev), 0,
                          "the PUB body is a stored record");
            cr_assert_eq (ev.seq, next, "published seq %llu, want %llu",
                          (unsigned long long) ev.seq, (unsigned long long) next);
            cr_assert (!memcmp (ev.id, b.ev[i].id, DBK_ID_SIZE));
            cr_assert (strlen (topic) == ev.type_len && !memcmp (topic, ev.type, ev.type_len),
                       "topic %s is the type", topic);
            cr_assert_eq (dbk_event_check_record (zframe_data (body), zframe_size (body), ev.prev),
                          0);
            zframe_destroy (&body);
            next++;
            i++;
        }
        s_batch_free (&b);
    }
    /*  a refused append publishes nothing: the next message is a heartbeat
        with the same head, or the next good event */
    s_batch_t bad;
    s_batch (&bad, 1, "account.noted", "refused");
    cr_assert_eq (dbk_client_append (c, "account-1", 0, bad.ev, 1, NULL, NULL, NULL),
                  DBK_ECONFLICT);
    s_append_n (c, "account-9", 1, "account.last");
    while (true) {
        char topic[128];
        zframe_t *body = s_sub_recv (sub, topic, sizeof topic);
        bool hb = streq (topic, DBK_HEARTBEAT_TOPIC);
        if (!hb) {
            dbk_event_t ev;
            cr_assert_eq (dbk_event_decode_record (zframe_data (body), zframe_size (body), &ev), 0);
            cr_assert_eq (ev.seq, next, "seq %llu published after a refused append",
                          (unsigned long long) ev.seq);
            cr_assert (streq (topic, "account.last"));
        }
        zframe_destroy (&body);
        if (!hb)
            break;
    }
    s_batch_free (&bad);
    zsock_destroy (&sub);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (pub, heartbeats_carry_the_head_and_come_often)
{
    tl_log_t log;
    s_start (&log, s_fast_hb);
    dbk_client_t *c = s_client (&log);
    const char *const hb[] = {DBK_HEARTBEAT_TOPIC, NULL};
    zsock_t *sub = s_sub (log.pub_ep, hb);
    cr_assert_eq (s_sub_heartbeat (sub), 0);
    s_append_n (c, "account-1", 3, "account.noted");
    /*  a heartbeat sent after the commit tells head 3 */
    uint64_t head = 0;
    for (int i = 0; i < 50 && head != 3; i++)
        head = s_sub_heartbeat (sub);
    cr_assert_eq (head, 3);
    /*  with a 100 ms period, consecutive heartbeats are well within 1 s */
    int64_t t0 = zclock_mono ();
    for (int i = 0; i < 3; i++) {
        s_sub_heartbeat (sub);
        int64_t t1 = zclock_mono ();
        cr_assert_lt (t1 - t0, 1000, "%lld ms between heartbeats", (long long) (t1 - t0));
        t0 = t1;
    }
    zsock_destroy (&sub);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (pub, a_prefix_subscriber_receives_only_its_types)
{
    tl_log_t log;
    s_start (&log, s_fast_hb);
    dbk_client_t *c = s_client (&log);
    const char *const prefixes[] = {"opportunity.", DBK_HEARTBEAT_TOPIC, NULL};
    zsock_t *sub = s_sub (log.pub_ep, prefixes);
    s_sub_heartbeat (sub);
    for (int i = 0; i < 12; i++)
        s_append_n (c, i % 3 ? "account-1" : "deal-1", 1,
                    i % 3 ? "account.noted" : "opportunity.noted");
    s_append_n (c, "deal-1", 1, "opportunity.last"); /* seq 13, published last */
    uint64_t got[8];
    int n = 0;
    while (n < 5) {
        char topic[128];
        zframe_t *body = s_sub_recv (sub, topic, sizeof topic);
        if (!streq (topic, DBK_HEARTBEAT_TOPIC)) {
            cr_assert (!strncmp (topic, "opportunity.", 12), "received a %s event", topic);
            dbk_event_t ev;
            cr_assert_eq (dbk_event_decode_record (zframe_data (body), zframe_size (body), &ev), 0);
            got[n++] = ev.seq;
        }
        zframe_destroy (&body);
    }
    /*  opportunity events at seqs 1, 4, 7, 10 and 13, in order */
    for (int i = 0; i < 5; i++)
        cr_assert_eq (got[i], (uint64_t) (1 + 3 * i));
    zsock_destroy (&sub);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

/*  ---- 13. BACKUP ---- */

typedef struct {
    const char *ep;     /* log endpoint                    */
    pthread_mutex_t mu; /* guards the fields below         */
    pthread_cond_t cv;  /* signalled at each ack           */
    int acked;          /* appends acknowledged            */
    bool stop;          /* the test is done with the load  */
    char err[256];      /* first failure                   */
} s_load_t;

static void *s_load (void *arg)
{
    s_load_t *l = arg;
    dbk_client_t *c = dbk_client_new (l->ep, S_TIMEOUT_MS);
    dbk_wr_t *buf = dbk_wr_new ();
    for (int k = 0;; k++) {
        pthread_mutex_lock (&l->mu);
        bool stop = l->stop;
        pthread_mutex_unlock (&l->mu);
        if (stop)
            break;
        dbk_event_t ev;
        tl_event (&ev, "account.noted", (uint64_t) k, "backup load", buf);
        char stream[32];
        snprintf (stream, sizeof stream, "account-%d", k % 7);
        int rc = dbk_client_append (c, stream, DBK_EXPECT_ANY, &ev, 1, NULL, NULL, NULL);
        pthread_mutex_lock (&l->mu);
        if (rc) {
            snprintf (l->err, sizeof l->err, "%s", dbk_strerror (rc));
            l->stop = true;
        } else
            l->acked++;
        pthread_cond_broadcast (&l->cv);
        pthread_mutex_unlock (&l->mu);
    }
    dbk_wr_destroy (&buf);
    dbk_client_destroy (&c);
    return NULL;
}

static dbk_doc_t *s_backup (dbk_client_t *c, const char *path, int *rc)
{
    dbk_wr_t *w = dbk_client_begin (c, "BACKUP", 1);
    dbk_wr_kv_cstr (w, "path", path);
    dbk_doc_t *reply = NULL;
    *rc = dbk_client_call (c, &reply);
    cr_assert_not_null (reply, "no answer to BACKUP: %s", dbk_client_errmsg (c));
    return reply;
}

Test (backup, a_backup_taken_during_appends_opens_and_verifies)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = dbk_client_new (log.log_ep, 60000);
    s_load_t load = {.ep = log.log_ep};
    pthread_mutex_init (&load.mu, NULL);
    pthread_cond_init (&load.cv, NULL);
    pthread_t th;
    cr_assert_eq (pthread_create (&th, NULL, s_load, &load), 0);
    pthread_mutex_lock (&load.mu);
    while (load.acked < 200 && !load.stop)
        pthread_cond_wait (&load.cv, &load.mu);
    pthread_mutex_unlock (&load.mu);

    char *copy = tl_tmpdir ("backup");
    char path[600];
    snprintf (path, sizeof path, "%s/eventlog", copy);
    int rc;
    dbk_doc_t *reply = s_backup (c, path, &rc);
    cr_assert_eq (rc, 0, "BACKUP failed: %s", dbk_client_errmsg (c));
    cr_assert (s_bool (dbk_doc_root (reply), "valid"));
    uint64_t checked = s_u64 (dbk_doc_root (reply), "checked");
    dbk_doc_destroy (&reply);

    pthread_mutex_lock (&load.mu);
    load.stop = true;
    pthread_mutex_unlock (&load.mu);
    pthread_join (th, NULL);
    cr_assert_eq (load.err[0], 0, "appender: %s", load.err);
    cr_assert_geq (checked, 200);
    uint64_t head = s_head (c);
    cr_assert_leq (checked, head);

    /*  the copy is a log of its own: it starts, verifies, and holds the
        original's first `checked` records byte for byte */
    tl_log_t copylog;
    cr_assert_eq (tl_log_start_in (&copylog, copy, false, NULL), 0, "the copy does not open");
    dbk_client_t *cc = s_client (&copylog);
    cr_assert_eq (s_head (cc), checked);
    cr_assert_eq (tl_verify (cc, NULL), 1);
    tl_rec_t *orig, *dup;
    long n = tl_read_all (c, &orig), m = tl_read_all (cc, &dup);
    cr_assert_eq (m, (long) checked);
    cr_assert_geq (n, m);
    for (long i = 0; i < m; i++)
        cr_assert (dup[i].rec_len == orig[i].rec_len &&
                       !memcmp (dup[i].rec, orig[i].rec, orig[i].rec_len),
                   "record %ld differs in the copy", i + 1);
    s_append_n (cc, "account-new", 1, "account.noted");
    cr_assert_eq (s_head (cc), checked + 1);
    cr_assert_eq (tl_verify (cc, NULL), 1);
    tl_recs_free (&orig, (size_t) n);
    tl_recs_free (&dup, (size_t) m);
    dbk_client_destroy (&cc);
    tl_log_cleanup (&copylog);
    free (copy);
    pthread_mutex_destroy (&load.mu);
    pthread_cond_destroy (&load.cv);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (backup, a_backup_into_a_directory_that_holds_a_copy_is_refused)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = dbk_client_new (log.log_ep, 30000);
    s_append_n (c, "account-1", 5, "account.noted");
    char *copy = tl_tmpdir ("backup");
    char path[600];
    snprintf (path, sizeof path, "%s/eventlog", copy);
    int rc;
    dbk_doc_t *reply = s_backup (c, path, &rc);
    cr_assert_eq (rc, 0, "first BACKUP failed: %s", dbk_client_errmsg (c));
    dbk_doc_destroy (&reply);
    s_append_n (c, "account-1", 2, "account.noted");
    reply = s_backup (c, path, &rc);
    cr_assert_neq (rc, 0, "a second BACKUP over a copy was accepted");
    s_assert_error (reply, "INVALID", "path", "backup over a copy");
    dbk_doc_destroy (&reply);
    /*  no path at all */
    dbk_client_begin (c, "BACKUP", 0);
    cr_assert_eq (dbk_client_call (c, &reply), DBK_EINVAL);
    s_assert_error (reply, "INVALID", "path", "backup without path");
    dbk_doc_destroy (&reply);
    /*  the first copy is untouched: 5 events, valid */
    tl_log_t copylog;
    cr_assert_eq (tl_log_start_in (&copylog, copy, false, NULL), 0);
    dbk_client_t *cc = s_client (&copylog);
    cr_assert_eq (s_head (cc), 5);
    cr_assert_eq (tl_verify (cc, NULL), 1);
    dbk_client_destroy (&cc);
    tl_log_cleanup (&copylog);
    free (copy);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

/*  ---- 10. malformed and oversized requests ---- */

Test (malformed, frames_that_are_not_one_msgpack_map_get_malformed)
{
    tl_log_t log;
    s_start (&log, NULL);
    static const struct {
        const char *what;  /* the case            */
        const char *bytes; /* the frame          */
        size_t len;        /* its length          */
    } cases[] = {
        {"garbage", "\xc1\xc1 this is not msgpack", 22},
        {"plain text", "hello, log", 10},
        {"truncated map", "\x83\xa1v\x01\xa2op", 7},
        {"map announcing 0xdddddddd entries", "\xdf\xdd\xdd\xdd\xdd", 5},
        {"array announcing 0xdddddddd entries", "\xdd\xdd\xdd\xdd\xdd", 5},
        {"str announcing 4 GB",
         "\xdb\xff\xff\xff\xf0"
         "abc",
         8},
        {"trailing bytes", "\x81\xa2op\xa4PING\xc0", 10},
        {"root is an array", "\x92\x01\x02", 3},
        {"invalid UTF-8 key", "\x81\xa2\xff\xfe\x01", 5},
        {"ext type", "\x81\xa2op\xd4\x01\x02", 7},
        {"empty frame", "", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_raw_expect_error (log.log_ep, cases[i].bytes, cases[i].len, "MALFORMED", NULL,
                            cases[i].what);
    s_assert_still_serving (&log, 0);
    tl_log_cleanup (&log);
}

Test (malformed, too_deep_or_too_large_frames_get_too_large)
{
    tl_log_t log;
    s_start (&log, NULL);
    /*  {"v":1,"op":"PING","x":[[[...nil...]]]} nested 100 deep */
    dbk_wr_t *w = dbk_wr_new ();
    dbk_proto_request_begin (w, 1, "PING", 1);
    dbk_wr_cstr (w, "x");
    for (int i = 0; i < 100; i++)
        dbk_wr_array (w, 1);
    dbk_wr_nil (w);
    s_raw_expect_error (log.log_ep, dbk_wr_data (w), dbk_wr_size (w), "TOO_LARGE", NULL,
                        "depth 100");
    /*  a bare array nested 100 deep */
    uint8_t deep[101];
    memset (deep, 0x91, 100);
    deep[100] = 0xc0;
    s_raw_expect_error (log.log_ep, deep, sizeof deep, "TOO_LARGE", NULL, "bare depth 100");
    /*  a frame over 8 MiB: a well-formed APPEND carrying a big bin */
    dbk_wr_reset (w);
    dbk_proto_request_begin (w, 2, "APPEND", 1);
    dbk_wr_cstr (w, "pad");
    size_t big = DBK_FRAME_MAX + 1;
    uint8_t *blob = calloc (1, big);
    dbk_wr_bin (w, blob, big);
    free (blob);
    s_raw_expect_error (log.log_ep, dbk_wr_data (w), dbk_wr_size (w), "TOO_LARGE", NULL,
                        "frame over 8 MiB");
    dbk_wr_destroy (&w);
    s_assert_still_serving (&log, 0);
    /*  and the refusals are counted */
    dbk_client_t *c = s_client (&log);
    dbk_client_begin (c, "STATUS", 0);
    dbk_doc_t *reply = NULL;
    cr_assert_eq (dbk_client_call (c, &reply), 0);
    cr_assert_geq (s_u64 (dbk_obj_get (dbk_doc_root (reply), "counters"), "malformed"), 3);
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (malformed, requests_without_op_with_an_unknown_op_or_another_version_are_refused)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_wr_t *w = dbk_wr_new ();
    /*  no op */
    dbk_wr_map (w, 2);
    dbk_wr_kv_u64 (w, "v", 1);
    dbk_wr_kv_u64 (w, "rid", 77);
    dbk_doc_t *doc = s_raw_call (log.log_ep, dbk_wr_data (w), dbk_wr_size (w));
    s_assert_error (doc, "INVALID", "op", "no op");
    cr_assert_eq (s_u64 (dbk_doc_root (doc), "rid"), 77, "the rid is echoed");
    dbk_doc_destroy (&doc);
    /*  op not a string */
    dbk_wr_reset (w);
    dbk_wr_map (w, 2);
    dbk_wr_kv_u64 (w, "v", 1);
    dbk_wr_kv_u64 (w, "op", 5);
    s_raw_expect_error (log.log_ep, dbk_wr_data (w), dbk_wr_size (w), "INVALID", "op",
                        "op not a string");
    /*  unknown op */
    dbk_proto_request_begin (w, 78, "FROBNICATE", 0);
    doc = s_raw_call (log.log_ep, dbk_wr_data (w), dbk_wr_size (w));
    s_assert_error (doc, "UNKNOWN_OP", "op", "unknown op");
    cr_assert_eq (s_u64 (dbk_doc_root (doc), "rid"), 78);
    dbk_doc_destroy (&doc);
    /*  a lowercase verb is another verb */
    dbk_proto_request_begin (w, 79, "append", 0);
    s_raw_expect_error (log.log_ep, dbk_wr_data (w), dbk_wr_size (w), "UNKNOWN_OP", "op",
                        "lowercase op");
    /*  wrong protocol version, as a number and as a string */
    dbk_wr_reset (w);
    dbk_wr_map (w, 3);
    dbk_wr_kv_u64 (w, "v", 2);
    dbk_wr_kv_u64 (w, "rid", 80);
    dbk_wr_kv_cstr (w, "op", "PING");
    s_raw_expect_error (log.log_ep, dbk_wr_data (w), dbk_wr_size (w), "UNSUPPORTED_VERSION", NULL,
                        "v 2");
    dbk_wr_reset (w);
    dbk_wr_map (w, 2);
    dbk_wr_kv_cstr (w, "v", "1");
    dbk_wr_kv_cstr (w, "op", "PING");
    s_raw_expect_error (log.log_ep, dbk_wr_data (w), dbk_wr_size (w), "UNSUPPORTED_VERSION", NULL,
                        "v \"1\"");
    /*  and a good PING still answers ok */
    dbk_proto_request_begin (w, 81, "PING", 0);
    doc = s_raw_call (log.log_ep, dbk_wr_data (w), dbk_wr_size (w));
    cr_assert (s_bool (dbk_doc_root (doc), "ok"));
    cr_assert_eq (s_u64 (dbk_doc_root (doc), "rid"), 81);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
    s_assert_still_serving (&log, 0);
    tl_log_cleanup (&log);
}

/*  An APPEND case: one stream with `nevents` events, each built from
    these settings (NULL / 0 = a good default). */
typedef struct {
    const char *what;   /* the case                                */
    const char *stream; /* stream name                             */
    const char *expect; /* expect as a string ("any" if NULL)      */
    int64_t expect_int; /* or as an integer, when expect is ""     */
    const char *type;   /* event type                              */
    int id_len;         /* 0: 16 bytes; -1: no id; else that many  */
    int data;           /* 0 map, 1 array, 2 str, 3 70000-byte map, 4 int keys, 5 none */
    int nevents;        /* 0: 1                                    */
    int extra;          /* 1: add "seq"; 2: drop actor; 3: actor "" */
    const char *code;   /* expected error code                     */
    const char *field;  /* expected field                          */
} s_bad_t;

static void s_wr_bad_event (dbk_wr_t *w, const s_bad_t *k)
{
    uint32_t n = 5 + (k->id_len >= 0) + (k->data != 5) + (k->extra == 1) - (k->extra == 2);
    dbk_wr_map (w, n);
    if (k->id_len >= 0) {
        uint8_t id[32];
        dbk_uuid_v7 (id);
        dbk_uuid_v7 (id + 16);
        dbk_wr_cstr (w, "id");
        dbk_wr_bin (w, id, k->id_len ? (size_t) k->id_len : 16);
    }
    dbk_wr_kv_cstr (w, "type", k->type ? k->type : "account.registered");
    if (k->extra != 2)
        dbk_wr_kv_cstr (w, "actor", k->extra == 3 ? "" : "test");
    dbk_wr_kv_u64 (w, "schema", 1);
    dbk_wr_kv_i64 (w, "at", 1700000000000);
    dbk_wr_cstr (w, "corr");
    dbk_wr_nil (w);
    if (k->extra == 1)
        dbk_wr_kv_u64 (w, "seq", 5);
    if (k->data == 5)
        return;
    dbk_wr_cstr (w, "data");
    switch (k->data) {
    case 0:
        dbk_wr_map (w, 1);
        dbk_wr_kv_cstr (w, "name", "ACME");
        break;
    case 1:
        dbk_wr_array (w, 1);
        dbk_wr_u64 (w, 1);
        break;
    case 2:
        dbk_wr_cstr (w, "not a map");
        break;
    case 3: {
        char *s = malloc (70000);
        memset (s, 'x', 70000);
        dbk_wr_map (w, 1);
        dbk_wr_cstr (w, "big");
        dbk_wr_str (w, s, 70000);
        free (s);
        break;
    }
    case 4:
        dbk_wr_map (w, 1);
        dbk_wr_u64 (w, 1);
        dbk_wr_u64 (w, 2);
        break;
    }
}

Test (malformed, appends_with_invalid_fields_are_refused_with_the_field_named)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    char long_stream[300], long_type[200];
    memset (long_stream, 'a', sizeof long_stream);
    memcpy (long_stream, "account-", 8);
    long_stream[DBK_STREAM_MAX + 1] = 0;
    memset (long_type, 'a', sizeof long_type);
    memcpy (long_type, "account.", 8);
    long_type[DBK_TYPE_MAX + 1] = 0;
    const s_bad_t cases[] = {
        {.what = "stream without dash", .stream = "account1", .code = "INVALID", .field = "stream"},
        {.what = "uppercase category", .stream = "Account-1", .code = "INVALID", .field = "stream"},
        {.what = "empty id", .stream = "account-", .code = "INVALID", .field = "stream"},
        {.what = "space in id", .stream = "account-a b", .code = "INVALID", .field = "stream"},
        {.what = "empty category", .stream = "-1", .code = "INVALID", .field = "stream"},
        {.what = "empty stream", .stream = "", .code = "INVALID", .field = "stream"},
        {.what = "stream too long", .stream = long_stream, .code = "TOO_LARGE", .field = "stream"},
        {.what = "uppercase type",
         .type = "Account.registered",
         .code = "INVALID",
         .field = "type"},
        {.what = "type without dot", .type = "account", .code = "INVALID", .field = "type"},
        {.what = "type ending in dot", .type = "account.", .code = "INVALID", .field = "type"},
        {.what = "type with double dot", .type = "account..x", .code = "INVALID", .field = "type"},
        {.what = "type with space", .type = "account.re named", .code = "INVALID", .field = "type"},
        {.what = "type too long", .type = long_type, .code = "TOO_LARGE", .field = "type"},
        {.what = "missing id", .id_len = -1, .code = "INVALID", .field = "id"},
        {.what = "id of 15 bytes", .id_len = 15, .code = "INVALID", .field = "id"},
        {.what = "id of 17 bytes", .id_len = 17, .code = "INVALID", .field = "id"},
        {.what = "data an array", .data = 1, .code = "INVALID", .field = "data"},
        {.what = "data a string", .data = 2, .code = "INVALID", .field = "data"},
        {.what = "data over 64 KiB", .data = 3, .code = "TOO_LARGE", .field = "data"},
        {.what = "data with int keys", .data = 4, .code = "INVALID", .field = "data"},
        {.what = "1001 events",
         .nevents = DBK_BATCH_MAX + 1,
         .code = "TOO_LARGE",
         .field = "events"},
        {.what = "expect bogus", .expect = "bogus", .code = "INVALID", .field = "expect"},
        {.what = "expect negative",
         .expect = "",
         .expect_int = -7,
         .code = "INVALID",
         .field = "expect"},
        {.what = "a key the log sets", .extra = 1, .code = "INVALID", .field = "event"},
        {.what = "missing actor", .extra = 2, .code = "INVALID", .field = "actor"},
        {.what = "empty actor", .extra = 3, .code = "INVALID", .field = "actor"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const s_bad_t *k = &cases[i];
        dbk_wr_t *w = dbk_client_begin (c, "APPEND", 1);
        dbk_wr_cstr (w, "streams");
        dbk_wr_array (w, 1);
        dbk_wr_map (w, 3);
        dbk_wr_kv_cstr (w, "stream", k->stream ? k->stream : "account-1");
        dbk_wr_cstr (w, "expect");
        if (k->expect && !*k->expect)
            dbk_wr_i64 (w, k->expect_int);
        else
            dbk_wr_cstr (w, k->expect ? k->expect : "any");
        dbk_wr_cstr (w, "events");
        int n = k->nevents ? k->nevents : 1;
        dbk_wr_array (w, (uint32_t) n);
        for (int j = 0; j < n; j++)
            s_wr_bad_event (w, k);
        dbk_doc_t *reply = NULL;
        int rc = dbk_client_call (c, &reply);
        cr_assert_not_null (reply, "%s: no answer (%s)", k->what, dbk_strerror (rc));
        s_assert_error (reply, k->code, k->field, k->what);
        dbk_doc_destroy (&reply);
    }
    /*  the shape of the request itself */
    static const char *const shapes[] = {
        "no streams",   "streams empty",  "streams not an array", "a stream entry not a map",
        "events empty", "events missing", "stream not a string"};
    static const char *const shape_field[] = {"streams", "streams", "streams", "events",
                                              "events",  "events",  "stream"};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        dbk_wr_t *w = dbk_client_begin (c, "APPEND", i == 0 ? 0 : 1);
        if (i == 1) {
            dbk_wr_cstr (w, "streams");
            dbk_wr_array (w, 0);
        } else if (i == 2) {
            dbk_wr_kv_cstr (w, "streams", "account-1");
        } else if (i == 3) {
            dbk_wr_cstr (w, "streams");
            dbk_wr_array (w, 1);
            dbk_wr_u64 (w, 3);
        } else if (i >= 4) {
            dbk_wr_cstr (w, "streams");
            dbk_wr_array (w, 1);
            dbk_wr_map (w, i == 5 ? 2 : 3);
            dbk_wr_cstr (w, "stream");
            if (i == 6)
                dbk_wr_u64 (w, 42);
            else
                dbk_wr_cstr (w, "account-1");
            dbk_wr_kv_cstr (w, "expect", "any");
            if (i != 5) {
                dbk_wr_cstr (w, "events");
                if (i == 4)
                    dbk_wr_array (w, 0);
                else {
                    s_bad_t good = {0};
                    dbk_wr_array (w, 1);
                    s_wr_bad_event (w, &good);
                }
            }
        }
        dbk_doc_t *reply = NULL;
        dbk_client_call (c, &reply);
        cr_assert_not_null (reply, "%s: no answer", shapes[i]);
        s_assert_error (reply, "INVALID", shape_field[i], shapes[i]);
        dbk_doc_destroy (&reply);
    }
    /*  the good default case is accepted: the builder is not the problem */
    s_bad_t good = {0};
    dbk_wr_t *w = dbk_client_begin (c, "APPEND", 1);
    dbk_wr_cstr (w, "streams");
    dbk_wr_array (w, 1);
    dbk_wr_map (w, 3);
    dbk_wr_kv_cstr (w, "stream", "account-1");
    dbk_wr_kv_cstr (w, "expect", "none");
    dbk_wr_cstr (w, "events");
    dbk_wr_array (w, 1);
    s_wr_bad_event (w, &good);
    dbk_doc_t *reply = NULL;
    cr_assert_eq (dbk_client_call (c, &reply), 0, "the good case: %s", dbk_client_errmsg (c));
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    s_assert_still_serving (&log, 1);
    tl_log_cleanup (&log);
}
