/*  test_subscriber.c - the subscriber of DESIGN §5 against real
    dealbook-eventlog processes: catch-up and live with appends running,
    gaps from PUB high-water-mark drops, and heartbeat repair.

    A read model killed with SIGKILL (tests/helpers/sub_model.c), a log
    that restarts under its subscribers, retries while it is down and a
    log behind the checkpoint are in test_subscriber_recovery.c. The
    appenders and the checker are in support/subscriber_given.h.
*/
#include "support/subscriber_given.h"
#include "support/testlib.h"

#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_proto.h"
#include "dealbook/dbk_sub.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*  ---- 1. catch-up, then live, with appenders running ---- */

static void s_catch_up_then_live (void)
{
    const char *env[] = {"DEALBOOK_HEARTBEAT_MS=100", "DEALBOOK_DURABLE=0", NULL};
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, true, env), 0);

    /*  Given a log pre-filled by four concurrent clients */
    s_appender_t pre[4];
    for (int i = 0; i < 4; i++)
        s_appender_init (&pre[i], log->log_ep, i, 8, 1000, 20, 16);
    s_append_parallel (pre, 4);
    uint64_t prefilled = s_head (log);
    cr_assert_eq (prefilled, 4000);

    /*  When a subscriber starts from 0 while three more clients append
        (they go on until the subscriber has taken a good share of events
        live from PUB, so both paths surely run) */
    atomic_bool stop = false;
    s_appender_t live[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        s_appender_init (&live[i], log->log_ep, 4 + i, 8, 20000, 10, 16);
        live[i].stop = &stop;
        cr_assert_eq (pthread_create (&th[i], NULL, s_appender_run, &live[i]), 0);
    }
    dbk_sub_t *sub = s_sub_new (log, 0, 0, 256, 5000);
    s_check_t ck;
    s_check_init (&ck, 0);
    dbk_sub_stats_t st;
    bool running = true;
    while (running) {
        dbk_event_t ev;
        int rc = dbk_sub_next (sub, &ev, 5000);
        S_CHECK (rc == 0, "at seq %llu: %s", (unsigned long long) ck.pos, dbk_strerror (rc));
        s_check (&ck, sub, &ev);
        /*  decoding ahead: a consumer slower than the log (a projection)
            gets the next page while it works on this one */
        if (s_ahead && ev.seq <= prefilled && ev.seq % 8 == 0)
            zclock_sleep (1);
        dbk_sub_stats (sub, &st);
        running = st.from_pub < 2000;
        for (int i = 0; i < 3; i++)
            running = running && live[i].appended < live[i].count && !live[i].rc;
    }
    atomic_store (&stop, true);
    for (int i = 0; i < 3; i++) {
        pthread_join (th[i], NULL);
        cr_assert_eq (live[i].rc, 0, "appender %d: %s", i, live[i].errmsg);
    }

    /*  Then, once the appenders stopped, it has delivered exactly 1..head */
    uint64_t head = s_head (log);
    uint64_t total = prefilled;
    for (int i = 0; i < 3; i++)
        total += live[i].appended;
    cr_assert_eq (head, total);
    s_consume_to (&ck, sub, head, 5000);
    s_assert_quiet (sub, 300);
    dbk_sub_stats (sub, &st);
    cr_assert_eq (st.delivered, head);
    cr_assert_gt (st.reads, 1, "catch-up took more than one page");
    cr_assert_gt (st.from_pub, 0, "live events came from PUB");
    cr_assert_gt (head - prefilled, 0);
    /*  each stream's last version is what its appender was told */
    for (int i = 0; i < 4; i++)
        for (int s = 0; s < 8; s++)
            cr_assert_eq (ck.ver[i][s], pre[i].ver[s]);
    for (int i = 0; i < 3; i++)
        for (int s = 0; s < 8; s++)
            cr_assert_eq (ck.ver[4 + i][s], live[i].ver[s]);

    /*  decoded ahead: most of the catch-up's payloads came unpacked */
    if (s_ahead)
        cr_assert_gt (ck.ahead, prefilled / 2, "%llu of %llu unpacked ahead",
                      (unsigned long long) ck.ahead, (unsigned long long) prefilled);
    else
        cr_assert_eq (ck.ahead, 0);

    dbk_sub_destroy (&sub);
    for (int i = 0; i < 4; i++)
        s_appender_fini (&pre[i]);
    for (int i = 0; i < 3; i++)
        s_appender_fini (&live[i]);
}

Test (subscriber, catch_up_then_live_while_appending_delivers_every_seq_once_in_order,
      .fini = s_fini)
{
    s_catch_up_then_live ();
}

Test (subscriber, the_same_with_pages_decoded_ahead, .fini = s_fini)
{
    s_ahead = true;
    s_catch_up_then_live ();
}

Test (subscriber, starting_from_a_checkpoint_delivers_from_the_next_seq, .fini = s_fini)
{
    const char *env[] = {"DEALBOOK_HEARTBEAT_MS=100", "DEALBOOK_DURABLE=0", NULL};
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, false, env), 0);
    s_appender_t pre[2];
    for (int i = 0; i < 2; i++)
        s_appender_init (&pre[i], log->log_ep, i, 4, 1500, 20, 16);
    s_append_parallel (pre, 2);

    /*  Given a checkpoint in the middle of the log, with appends going on */
    uint64_t after = 1234;
    s_appender_t more;
    s_appender_init (&more, log->log_ep, 2, 4, 1000, 5, 16);
    pthread_t th;
    cr_assert_eq (pthread_create (&th, NULL, s_appender_run, &more), 0);

    /*  When a subscriber starts from it */
    dbk_sub_t *sub = s_sub_new (log, after, 0, 100, 5000);
    cr_assert_eq (dbk_sub_position (sub), after);
    dbk_event_t ev;
    cr_assert_eq (dbk_sub_next (sub, &ev, 5000), 0);

    /*  Then the first event is checkpoint + 1, and the rest follow */
    cr_assert_eq (ev.seq, after + 1);
    s_check_t ck;
    s_check_init (&ck, after);
    s_check (&ck, sub, &ev);
    pthread_join (th, NULL);
    cr_assert_eq (more.rc, 0, "%s", more.errmsg);
    uint64_t head = s_head (log);
    cr_assert_eq (head, 4000);
    s_consume_to (&ck, sub, head, 5000);
    s_assert_quiet (sub, 300);
    dbk_sub_stats_t st;
    dbk_sub_stats (sub, &st);
    cr_assert_eq (st.delivered, head - after);

    dbk_sub_destroy (&sub);
    for (int i = 0; i < 2; i++)
        s_appender_fini (&pre[i]);
    s_appender_fini (&more);
}

/*  ---- 2. gaps from PUB high-water-mark drops ---- */

/*  The work a slow consumer does per event: hash its record `rounds`
    times over. Returns a byte of the result so it is not optimised away. */
static uint8_t s_work (dbk_sub_t *sub, int rounds)
{
    const uint8_t *rec;
    size_t len;
    dbk_sub_record (sub, &rec, &len);
    uint8_t h[32] = {0};
    for (int i = 0; i < rounds; i++) {
        crypto_generichash_state st;
        crypto_generichash_init (&st, NULL, 0, sizeof h);
        crypto_generichash_update (&st, h, sizeof h);
        crypto_generichash_update (&st, rec, len);
        crypto_generichash_final (&st, h, sizeof h);
    }
    return h[0];
}

/*  Append single events until the subscriber has received one live from
    PUB: its SUB connection is up and subscribed. */
static void s_settle (dbk_sub_t *sub, s_check_t *ck, s_appender_t *a)
{
    dbk_sub_stats_t st = {0};
    for (int i = 0; i < 100 && st.from_pub == 0; i++) {
        cr_assert_eq (s_append_batch (a, 1), 0, "%s", a->errmsg);
        s_consume_to (ck, sub, ck->pos + 1, 5000);
        dbk_sub_stats (sub, &st);
    }
    cr_assert_gt (st.from_pub, 0, "the SUB socket never received an event");
}

/*  s_settle for a log without heartbeats: a missed event shows only when
    the next one comes, so append single events, each followed by a short
    wait, until one came from PUB. */
static void s_settle_without_heartbeat (dbk_sub_t *sub, s_check_t *ck, s_appender_t *a)
{
    dbk_sub_stats_t st;
    dbk_sub_stats (sub, &st);
    uint64_t from_pub = st.from_pub;
    for (int i = 0; i < 100 && st.from_pub == from_pub; i++) {
        cr_assert_eq (s_append_batch (a, 1), 0, "%s", a->errmsg);
        dbk_event_t ev;
        int rc;
        while ((rc = dbk_sub_next (sub, &ev, 200)) == 0)
            s_check (ck, sub, &ev);
        cr_assert_eq (rc, DBK_ETIMEOUT, "%s", dbk_strerror (rc));
        dbk_sub_stats (sub, &st);
    }
    cr_assert_gt (st.from_pub, from_pub, "the SUB socket received no event");
}

Test (subscriber, gaps_from_pub_hwm_drops_are_repaired_in_order, .fini = s_fini)
{
    /*  heartbeats far apart: every gap counted here is seen by a seq
        jumping ahead in the live stream, not by a heartbeat */
    const char *env[] = {"DEALBOOK_PUB_HWM=2", "DEALBOOK_HEARTBEAT_MS=600000", "DEALBOOK_DURABLE=0",
                         NULL};
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, false, env), 0);
    dbk_sub_t *sub = s_sub_new (log, 0, 1, 64, 5000);
    s_check_t ck;
    s_check_init (&ck, 0);
    s_appender_t nudge;
    s_appender_init (&nudge, log->log_ep, S_THREADS, 1, 0, 1, 16);

    /*  Given a subscriber that receives live events (rcvhwm 1, log PUB hwm 2) */
    s_settle_without_heartbeat (sub, &ck, &nudge);
    dbk_sub_stats_t st;
    dbk_sub_stats (sub, &st);

    /*  When bursts are appended faster than the subscriber consumes (it
        hashes each record `rounds` times), until the PUB dropped some */
    uint64_t burst = 4000;
    int rounds = 50;
    uint8_t sink = 0;
    const uint64_t settled_gaps = st.gaps;
    for (int attempt = 0; attempt < 4 && st.gaps == settled_gaps; attempt++) {
        uint64_t target = s_head (log) + burst;
        s_appender_t a[2];
        pthread_t th[2];
        for (int i = 0; i < 2; i++) {
            s_appender_init (&a[i], log->log_ep, i, 4, burst / 2, S_BATCH, 200);
            for (int s = 0; s < 4; s++)
                a[i].ver[s] = ck.ver[i][s];
            a[i].seed += (unsigned) attempt * 1000;
            cr_assert_eq (pthread_create (&th[i], NULL, s_appender_run, &a[i]), 0);
        }
        int idle = 0;
        while (ck.pos < target) {
            dbk_event_t ev;
            int rc = dbk_sub_next (sub, &ev, 1000);
            if (rc == DBK_ETIMEOUT) {
                /*  the tail of the burst was dropped and no heartbeat is
                    coming: one more event reveals the gap */
                cr_assert_lt (++idle, 20, "stuck at seq %llu", (unsigned long long) ck.pos);
                cr_assert_eq (s_append_batch (&nudge, 1), 0, "%s", nudge.errmsg);
                target++;
                continue;
            }
            S_CHECK (rc == 0, "at seq %llu: %s", (unsigned long long) ck.pos, dbk_strerror (rc));
            s_check (&ck, sub, &ev);
            sink ^= s_work (sub, rounds);
        }
        for (int i = 0; i < 2; i++) {
            pthread_join (th[i], NULL);
            cr_assert_eq (a[i].rc, 0, "appender %d: %s", i, a[i].errmsg);
            s_appender_fini (&a[i]);
        }
        dbk_sub_stats (sub, &st);
        cr_log_info ("burst %llu, %d rounds: %llu gaps, %llu of %llu from PUB (sink %u)",
                     (unsigned long long) burst, rounds, (unsigned long long) st.gaps,
                     (unsigned long long) st.from_pub, (unsigned long long) st.delivered, sink);
        burst *= 2;
        rounds *= 2;
    }

    /*  Then gaps were detected and repaired, every seq came once, in
        order, and the subscriber went back to taking events live */
    s_settle_without_heartbeat (sub, &ck, &nudge);
    uint64_t head = s_head (log);
    s_consume_to (&ck, sub, head, 5000);
    s_assert_quiet (sub, 300);
    dbk_sub_stats (sub, &st);
    cr_assert_gt (st.gaps, settled_gaps, "no PUB drop was provoked: the repair path did not run");
    cr_assert_geq (st.reads, 2, "gaps were repaired by READ");
    cr_assert_eq (st.delivered, head);
    cr_assert_lt (st.from_pub, st.delivered, "some events came by READ");

    dbk_sub_destroy (&sub);
    s_appender_fini (&nudge);
}

/*  ---- 3. heartbeat-driven repair ---- */

Test (subscriber, a_heartbeat_reveals_missed_events_when_nothing_follows_them, .fini = s_fini)
{
    const char *env[] = {"DEALBOOK_HEARTBEAT_MS=100", "DEALBOOK_DURABLE=0", NULL};
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, false, env), 0);
    dbk_sub_t *sub = s_sub_new (log, 0, 0, 16, 5000);
    s_check_t ck;
    s_check_init (&ck, 0);
    s_appender_t a;
    s_appender_init (&a, log->log_ep, 0, 4, 0, 10, 16);

    /*  Given a subscriber that follows the live stream */
    s_settle (sub, &ck, &a);

    for (int round = 0; round < 2; round++) {
        /*  When events are published while its SUB connection is down (as
            before a connection has settled, or across a network cut), and
            no further event comes after them to reveal the gap. The
            disconnect is deterministic: libzmq reads nothing more from the
            terminated pipe. STATUS is answered only after the commit's
            events were handed to PUB, so they are gone when it reconnects. */
        void *s = dbk_sub_socket (sub);
        cr_assert_eq (zmq_disconnect (s, log->pub_ep), 0);
        uint64_t target = a.appended + 50;
        while (a.appended < target)
            cr_assert_eq (s_append_batch (&a, target - a.appended), 0, "%s", a.errmsg);
        uint64_t head = s_head (log);
        cr_assert_gt (head, ck.pos);
        cr_assert_eq (zmq_connect (s, log->pub_ep), 0);

        /*  Then a heartbeat's head makes it READ them, within a bounded wait */
        dbk_sub_stats_t before, st;
        dbk_sub_stats (sub, &before);
        int64_t t0 = zclock_mono ();
        s_consume_to (&ck, sub, head, 3000);
        int64_t took = zclock_mono () - t0;
        dbk_sub_stats (sub, &st);
        cr_log_info ("round %d: %llu events repaired in %lld ms", round,
                     (unsigned long long) (st.delivered - before.delivered), (long long) took);
        cr_assert_lt (took, 3000);
        cr_assert_gt (st.gaps, before.gaps, "the heartbeat revealed a gap");
        cr_assert_gt (st.reads, before.reads, "the gap was read");
        cr_assert_eq (st.from_pub, before.from_pub, "none of them came live");
        s_assert_quiet (sub, 300);

        /*  and the live stream goes on after it */
        s_settle (sub, &ck, &a);
    }
    cr_assert_eq (dbk_sub_position (sub), s_head (log));

    dbk_sub_destroy (&sub);
    s_appender_fini (&a);
}
