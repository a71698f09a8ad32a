/*  bench_log.c - `make bench`: the event log against its own references
    (docs/performance.md explains every case and the figures).

    One run measures, on this machine and this disk:

      references   R1     LMDB, one event per durable commit (commits/s)
                   R1000  LMDB, 1000 events per durable commit (events/s)
                   R1s, R1000s  the same into the log's 4 tables (info)
                   F      write + fdatasync on a preallocated file (info)
                   RTT    bare DEALER -> ROUTER round trip over tcp://127.0.0.1
                   A      the 8x64 clients below against a ROUTER that
                          answers each APPEND at once (no log): the ceiling
                          of the protocol and transport on this machine
                   T      1/R1 + RTT: the floor of one synchronous append
      dealbook     a real dealbook-eventlog process (durable), APPEND of
                   one ~200-byte event per request by 1x1, 8x1, 64x1 and
                   8x64 (clients x in flight) client threads, each with its
                   own DEALER, and a light load (4 clients, 5 ms apart);
                   READ catch-up + decode of the first BENCH_EVENTS events;
                   the subscriber (dbk_sub) catching up over them; and the
                   subscriber following live while 8x64 clients append.

    Every case runs BENCH_ROUNDS times (default 3), the rounds interleaved
    (every case once, then again), each for BENCH_SECONDS (default 3);
    the table quotes medians and each dealbook figure as a ratio to its
    reference from the same run, then the figures of every round.

    `bench_log --echo <endpoint>` is the bare ROUTER of the RTT reference,
    `bench_log --ack <endpoint>` the acking ROUTER of A (the bench starts
    itself as a separate process for each).

    This file is the program: settings, the order of the cases and rounds.
    The parts are in bench/support/ (bench.h): bench_common.c (settings,
    cleanup, latencies, results), bench_eventlog.c (events, processes,
    pre-fill, STATUS), bench_ref.c (references), bench_load.c (load
    generators) and bench_table.c (the table).
*/
#include "support/bench.h"

#include "dealbook/dbk_client.h"
#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_proto.h"
#include "dealbook/dbk_sock.h"
#include "dealbook/dbk_sub.h"
#include "eventlog_store.h"

#include <arpa/inet.h>
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void s_progress (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
static void s_progress (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
    fflush (stderr);
}

static void s_measure_sizes (void)
{
    dbk_wr_t *buf = dbk_wr_new (), *w = dbk_wr_new ();
    dbk_event_t ev;
    bench_event (&ev, 123456, buf);
    bench_append_request (w, 123456, "bench-r10c10", &ev);
    bench_g.request_bytes = dbk_wr_size (w);
    dbk_wr_reset (w);
    ev.seq = 1234567;
    ev.ver = 123456;
    ev.stream = "bench-r10c10";
    ev.stream_len = strlen (ev.stream);
    ev.ts = ev.at = dbk_now_ms ();
    uint8_t prev[DBK_HASH_SIZE] = {0};
    dbk_event_write_record (w, &ev, prev);
    bench_g.record_bytes = dbk_wr_size (w);
    dbk_wr_destroy (&buf);
    dbk_wr_destroy (&w);
}

int main (int argc, char **argv)
{
    if (argc == 3 && streq (argv[1], "--echo"))
        return bench_echo_main (argv[2]);
    if (argc == 3 && streq (argv[1], "--ack"))
        return bench_ack_main (argv[2]);
    if (argc > 1) {
        fprintf (stderr, "usage: bench_log  (settings: BENCH_ROUNDS, BENCH_SECONDS, "
                         "BENCH_EVENTS, BENCH_PREFILL=protocol, BENCH_READ_PAGE, BENCH_SUB_PAGE, "
                         "BENCH_KEEP, DBK_BIN_DIR, TMPDIR)\n");
        return 1;
    }
    bench_g.rounds = (int) bench_env_double ("BENCH_ROUNDS", 3);
    if (bench_g.rounds > MAX_ROUNDS)
        bench_g.rounds = MAX_ROUNDS;
    bench_g.seconds = bench_env_double ("BENCH_SECONDS", 3);
    bench_g.events = (uint64_t) bench_env_double ("BENCH_EVENTS", 1000000);
    bench_g.read_page = (uint32_t) bench_env_double ("BENCH_READ_PAGE", 1000);
    bench_g.sub_page = (uint32_t) bench_env_double ("BENCH_SUB_PAGE", 1000);
    const char *pf = getenv ("BENCH_PREFILL");
    bench_g.prefill_protocol = pf && streq (pf, "protocol");

    ssize_t n = readlink ("/proc/self/exe", bench_g.self_exe, sizeof bench_g.self_exe - 1);
    if (n <= 0)
        bench_die ("cannot find my own executable");
    bench_g.self_exe[n] = 0;
    const char *bindir = getenv ("DBK_BIN_DIR");
    if (bindir && *bindir)
        snprintf (bench_g.eventlog_bin, sizeof bench_g.eventlog_bin, "%s/dealbook-eventlog",
                  bindir);
    else {
        char tmp[1100];
        snprintf (tmp, sizeof tmp, "%s", bench_g.self_exe);
        char *slash = strrchr (tmp, '/');
        if (slash)
            *slash = 0;
        snprintf (bench_g.eventlog_bin, sizeof bench_g.eventlog_bin, "%s/../bin/dealbook-eventlog",
                  tmp);
    }
    if (access (bench_g.eventlog_bin, X_OK))
        bench_die ("%s: not found (build it: make)", bench_g.eventlog_bin);

    const char *tmpdir = getenv ("TMPDIR");
    snprintf (bench_g.base, sizeof bench_g.base, "%s/dbk-bench-XXXXXX",
              tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp (bench_g.base))
        bench_die ("mkdtemp %s: %s", bench_g.base, strerror (errno));
    snprintf (bench_g.log_dir, sizeof bench_g.log_dir, "%s/log", bench_g.base);
    snprintf (bench_g.ref_dir, sizeof bench_g.ref_dir, "%s/ref-lmdb", bench_g.base);
    snprintf (bench_g.file_path, sizeof bench_g.file_path, "%s/ref-fsync.dat", bench_g.base);
    snprintf (bench_g.log_ep, sizeof bench_g.log_ep, "tcp://127.0.0.1:%d", bench_free_port ());
    snprintf (bench_g.pub_ep, sizeof bench_g.pub_ep, "tcp://127.0.0.1:%d", bench_free_port ());
    snprintf (bench_g.echo_ep, sizeof bench_g.echo_ep, "tcp://127.0.0.1:%d", bench_free_port ());
    snprintf (bench_g.ack_ep, sizeof bench_g.ack_ep, "tcp://127.0.0.1:%d", bench_free_port ());
    signal (SIGINT, bench_on_signal);
    signal (SIGTERM, bench_on_signal);
    signal (SIGPIPE, SIG_IGN);

    s_measure_sizes ();
    s_progress ("bench: data in %s (eventlog, LMDB reference and fsync file on one disk)\n",
                bench_g.base);
    bench_spawn_echo ();
    if (bench_selected (C_ACK))
        bench_spawn_ack ();
    /*  the READ and subscriber cases need BENCH_EVENTS events in the log */
    double prefill_rate = 0, prefill_secs = 0;
    bool need = bench_selected (C_READ) || bench_selected (C_SUBCATCH);
    if (need && !bench_g.prefill_protocol) {
        s_progress ("bench: pre-filling the log with %llu events through the store...",
                    (unsigned long long) bench_g.events);
        int64_t t0 = bench_now_ns ();
        bench_prefill_direct (bench_g.events);
        prefill_secs = (double) (bench_now_ns () - t0) / 1e9;
        prefill_rate = (double) bench_g.events / prefill_secs;
        s_progress (" %.1f s\n", prefill_secs);
    }
    bench_spawn_eventlog ();
    zsys_handler_set (NULL); /* after CZMQ starts: Ctrl-C stops the bench */
    signal (SIGINT, bench_on_signal);
    signal (SIGTERM, bench_on_signal);
    bench_ref_open ();
    bench_file_open ();

    if (need && bench_g.prefill_protocol) {
        s_progress ("bench: pre-filling the log with %llu events (durable APPEND, 8 clients x "
                    "64)...",
                    (unsigned long long) bench_g.events);
        int64_t t0 = bench_now_ns ();
        bench_appenders (8, 64, 0, bench_g.events, false, NULL);
        prefill_secs = (double) (bench_now_ns () - t0) / 1e9;
        prefill_rate = (double) bench_g.events / prefill_secs;
        s_progress (" %.1f s\n", prefill_secs);
    }

    for (int r = 0; r < bench_g.rounds; r++) {
        s_progress ("bench: round %d/%d:", r + 1, bench_g.rounds);
        if (r > 0) /* a fresh LMDB reference each round: its file stays small */
            bench_ref_reset ();
        for (int c = 0; c < C_COUNT; c++) {
            if (!bench_selected (c))
                continue;
            s_progress (" %s", bench_case_names[c]);
            switch (c) {
            case C_R1:
                bench_res[c][r] = bench_ref_lmdb (1, false);
                break;
            case C_R1000:
                bench_res[c][r] = bench_ref_lmdb (1000, false);
                break;
            case C_R1S:
                bench_res[c][r] = bench_ref_lmdb (1, true);
                break;
            case C_R1000S:
                bench_res[c][r] = bench_ref_lmdb (1000, true);
                break;
            case C_FSYNC:
                bench_res[c][r] = bench_ref_fsync ();
                break;
            case C_RTT:
                bench_res[c][r] = bench_ref_rtt ();
                break;
            case C_ACK:
                bench_res[c][r] = bench_ack_ceiling ();
                break;
            case C_1X1:
                bench_res[c][r] = bench_appenders (1, 1, 0, 0, false, NULL);
                break;
            case C_8X1:
                bench_res[c][r] = bench_appenders (8, 1, 0, 0, false, NULL);
                break;
            case C_64X1:
                bench_res[c][r] = bench_appenders (64, 1, 0, 0, false, NULL);
                break;
            case C_8X64:
                bench_res[c][r] = bench_appenders (8, 64, 0, 0, false, NULL);
                break;
            case C_LIGHT:
                bench_res[c][r] = bench_appenders (4, 1, LIGHT_PAUSE_US, 0, false, NULL);
                break;
            case C_READ:
                bench_res[c][r] = bench_read_catchup ();
                break;
            case C_SUBCATCH:
                bench_res[c][r] = bench_sub_catchup ();
                break;
            case C_SUBLIVE:
                bench_appenders (8, 64, 0, 0, true, &bench_res[c][r]);
                break;
            default:
                break;
            }
        }
        s_progress ("\n");
    }
    bench_print (prefill_rate, prefill_secs);

    bench_ref_close ();
    bench_cleanup ();
    return 0;
}
