/*  bench_table.c - the table of medians, ratios to the references and
    the figures of every round (see bench.h).
*/
#include "bench.h"

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

static double s_med (int c, int field)
{
    double v[MAX_ROUNDS];
    for (int r = 0; r < bench_g.rounds; r++) {
        const res_t *x = &bench_res[c][r];
        v[r] = field == 0   ? x->rate
               : field == 1 ? x->p50
               : field == 2 ? x->p99
               : field == 3 ? x->extra
               : field == 4 ? x->extra2
                            : x->cpu_cli;
    }
    return bench_median (v, bench_g.rounds);
}

static const char *s_mark (double ratio, double target)
{
    return ratio >= target ? "PASS" : "below target";
}

static void s_fmt_rate (char *out, size_t n, double v)
{
    if (v >= 1e6)
        snprintf (out, n, "%.2f M", v / 1e6);
    else if (v >= 1e4)
        snprintf (out, n, "%.1f k", v / 1e3);
    else
        snprintf (out, n, "%.0f", v);
}

void bench_print (double prefill_rate, double prefill_secs)
{
    double R1 = s_med (C_R1, 0), R1000 = s_med (C_R1000, 0), F = s_med (C_FSYNC, 0);
    double R1s = s_med (C_R1S, 0), R1000s = s_med (C_R1000S, 0);
    double rtt_us = 1e6 / s_med (C_RTT, 0);
    double T_us = 1e6 / R1 + rtt_us, Ts_us = 1e6 / R1s + rtt_us;
    char b1[32];
    char date[64];
    time_t now = time (NULL);
    strftime (date, sizeof date, "%Y-%m-%d %H:%M %Z", localtime (&now));
    printf ("\ndealbook bench, %s: %d rounds interleaved, %.1f s per case; medians.\n", date,
            bench_g.rounds, bench_g.seconds);
    printf ("Events: ~%d-byte payload (%zu-byte stored record, %zu-byte APPEND request), one "
            "per APPEND; every ack after its durable commit.\n\n",
            PAYLOAD_BYTES, bench_g.record_bytes, bench_g.request_bytes);

    printf ("%-50s %12s %9s %9s\n", "references (same disk, same run)", "rate", "p50 us", "p99 us");
    s_fmt_rate (b1, sizeof b1, R1);
    if (bench_selected (C_R1))
        printf ("  %-48s %10s/s %9.0f %9.0f  commits/s (CPU %.0f us per commit)\n",
                "R1     LMDB, 1 event per durable commit", b1, s_med (C_R1, 1), s_med (C_R1, 2),
                s_med (C_R1, 5));
    s_fmt_rate (b1, sizeof b1, R1000);
    if (bench_selected (C_R1000))
        printf ("  %-48s %10s/s %9.0f %9.0f  events/s, latency per commit\n",
                "R1000  LMDB, 1000 events per durable commit", b1, s_med (C_R1000, 1),
                s_med (C_R1000, 2));
    s_fmt_rate (b1, sizeof b1, R1s);
    if (bench_selected (C_R1S))
        printf ("  %-48s %10s/s %9.0f %9.0f  (info) record + 3 index entries; CPU %.0f us\n",
                "R1s    same as R1 in the log's 4 tables", b1, s_med (C_R1S, 1), s_med (C_R1S, 2),
                s_med (C_R1S, 5));
    s_fmt_rate (b1, sizeof b1, R1000s);
    if (bench_selected (C_R1000S))
        printf ("  %-48s %10s/s %9.0f %9.0f  (info)\n",
                "R1000s same as R1000 in the log's 4 tables", b1, s_med (C_R1000S, 1),
                s_med (C_R1000S, 2));
    s_fmt_rate (b1, sizeof b1, F);
    if (bench_selected (C_FSYNC))
        printf ("  %-48s %10s/s %9.0f %9.0f  (info) R1/F = %.2f\n",
                "F      write+fdatasync, preallocated file", b1, s_med (C_FSYNC, 1),
                s_med (C_FSYNC, 2), R1 / F);
    if (bench_selected (C_RTT))
        printf ("  %-48s %9.1f us %9.0f %9.0f\n", "RTT    DEALER->ROUTER round trip, tcp loopback",
                rtt_us, s_med (C_RTT, 1), s_med (C_RTT, 2));
    printf ("  %-48s %9.1f us %19s  1/T = %.0f/s\n", "T      1/R1 + RTT: one synchronous append",
            T_us, "", 1e6 / T_us);
    double A = s_med (C_ACK, 0);
    s_fmt_rate (b1, sizeof b1, A);
    if (bench_selected (C_ACK))
        printf ("  %-48s %10s/s %9.0f %9.0f  (info) %.2f x R1000: the 8x64 clients against a "
                "ROUTER\n  %-48s %30s that acks each APPEND at once, no log behind it\n",
                "A      8x64 APPENDs acked at once, no log", b1, s_med (C_ACK, 1), s_med (C_ACK, 2),
                A / R1000, "", "");
    printf ("\n");

    printf ("%-38s %11s %8s %8s %7s  %-15s %-15s %-13s %s\n", "dealbook (durable)", "events/s",
            "p50 us", "p99 us", "ev/cmt", "ratio", "target", "", "vs 4-table ref");
    struct {
        int c;
        const char *name;
        double ratio;
        const char *unit;
        double target;
        const char *tstr;
        double schema;
    } rows[] = {
        {C_1X1, "APPEND 1 client x 1 in flight", s_med (C_1X1, 0) * T_us / 1e6, " / T", 0.9,
         ">= 0.9 / T", s_med (C_1X1, 0) * Ts_us / 1e6},
        {C_8X1, "APPEND 8 clients x 1 in flight", s_med (C_8X1, 0) / R1, " x R1", 3, ">= 3 x R1",
         s_med (C_8X1, 0) / R1s},
        {C_64X1, "APPEND 64 clients x 1 in flight", s_med (C_64X1, 0) / R1, " x R1", 7, ">= 7 x R1",
         s_med (C_64X1, 0) / R1s},
        {C_8X64, "APPEND 8 clients x 64 in flight", s_med (C_8X64, 0) / R1000, " x R1000", 0.4,
         ">= 0.4 x R1000", s_med (C_8X64, 0) / R1000s},
    };
    const char *sunit[] = {" / Ts", " x R1s", " x R1s", " x R1000s"};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (!bench_selected (rows[i].c))
            continue;
        char ratio[40];
        s_fmt_rate (b1, sizeof b1, s_med (rows[i].c, 0));
        snprintf (ratio, sizeof ratio, "%.2f%s", rows[i].ratio, rows[i].unit);
        printf ("%-38s %9s/s %8.0f %8.0f %7.1f  %-15s %-15s %-13s %.2f%s\n", rows[i].name, b1,
                s_med (rows[i].c, 1), s_med (rows[i].c, 2), s_med (rows[i].c, 3), ratio,
                rows[i].tstr, s_mark (rows[i].ratio, rows[i].target), rows[i].schema, sunit[i]);
    }
    if (bench_selected (C_ACK) && bench_selected (C_8X64))
        printf ("%-38s %9s   %8s %8s %7s  %.2f x A        (info) A, the protocol and transport "
                "alone, is %.2f x R1000\n",
                "  ... the same against A", "", "", "", "", s_med (C_8X64, 0) / A, A / R1000);
    if (bench_selected (C_LIGHT)) {
        char ratio[40];
        s_fmt_rate (b1, sizeof b1, s_med (C_LIGHT, 0));
        snprintf (ratio, sizeof ratio, "p50 = %.2f T", s_med (C_LIGHT, 1) / T_us);
        printf ("%-38s %9s/s %8.0f %8.0f %7.1f  %-15s %-15s\n",
                "APPEND light: 4 clients, 5 ms apart", b1, s_med (C_LIGHT, 1), s_med (C_LIGHT, 2),
                s_med (C_LIGHT, 3), ratio, "(info)");
    }
    double rd = s_med (C_READ, 0), sc = s_med (C_SUBCATCH, 0), top = 0;
    for (int c = C_1X1; c <= C_8X64; c++)
        if (s_med (c, 0) > top)
            top = s_med (c, 0);
    char ratio[40];
    s_fmt_rate (b1, sizeof b1, rd);
    snprintf (ratio, sizeof ratio, "%.2f x 1M/s", rd / 1e6);
    if (bench_selected (C_READ))
        printf ("%-38s %9s/s %8.0f %8.0f %7s  %-15s %-15s %s\n", "READ catch-up + decode", b1,
                s_med (C_READ, 1), s_med (C_READ, 2), "-", ratio, ">= 1M/s",
                s_mark (rd / 1e6, 1.0));
    s_fmt_rate (b1, sizeof b1, sc);
    snprintf (ratio, sizeof ratio, "%.2f x READ", sc / rd);
    if (bench_selected (C_SUBCATCH))
        printf ("%-38s %9s/s %8s %8s %7s  %-15s %-15s\n", "subscriber catch-up (dbk_sub)", b1, "-",
                "-", "-", ratio, "(info)");
    double keep = s_med (C_SUBLIVE, 3);
    s_fmt_rate (b1, sizeof b1, s_med (C_SUBLIVE, 0));
    snprintf (ratio, sizeof ratio, "%.2f x append", keep);
    if (bench_selected (C_SUBLIVE))
        printf ("%-38s %9s/s %8.0f %8.0f %7s  %-15s %-15s %s\n",
                "subscriber live next to 8x64 APPEND", b1, s_med (C_SUBLIVE, 1) * 1000,
                s_med (C_SUBLIVE, 2) * 1000, "-", ratio, ">= 1 x append", s_mark (keep, 0.95));

    printf ("\nratio: of the medians (the per-round ratios are below). vs 4-table ref: the same "
            "ratio against R1s / R1000s (Ts = 1/R1s + RTT),\n"
            "  i.e. with the cost of the log's index entries taken out. ev/cmt: events per LMDB "
            "commit (STATUS counters).\n");
    printf ("READ: pages of %u events from seq 1 to %llu through dbk_client_read, every record "
            "decoded (dbk_page_event); p50/p99 per page.\n",
            bench_g.read_page, (unsigned long long) bench_g.events);
    printf ("subscriber catch-up: dbk_sub from 0 to %llu (READ pages of %u events). live: "
            "all events appended by 8x64 clients during the case\n"
            "  over the time until the subscriber delivered the last one (PASS >= 0.95); "
            "p50/p99 = delivery time - recorded ts (ms resolution);\n"
            "  %.0f ms behind when the appends ended. Highest append rate above: %.0f events/s.\n",
            (unsigned long long) bench_g.events, bench_g.sub_page, s_med (C_SUBLIVE, 4), top);
    if (prefill_secs > 0)
        printf ("The log was pre-filled to %llu events %s, at %.0f events/s (%.1f s).\n",
                (unsigned long long) bench_g.events,
                bench_g.prefill_protocol
                    ? "by 8x64 durable APPEND clients (BENCH_PREFILL=protocol)"
                    : "before the server started, straight through its store code (1000 "
                      "events per durable transaction)",
                prefill_rate, prefill_secs);

    printf ("\nCPU per event appended (us, median; eventlog process + bench process with its "
            "client threads):");
    for (int c = C_1X1; c <= C_LIGHT; c++) {
        double v[MAX_ROUNDS], w[MAX_ROUNDS];
        for (int r = 0; r < bench_g.rounds; r++)
            v[r] = bench_res[c][r].cpu_srv, w[r] = bench_res[c][r].cpu_cli;
        printf (" %s %.0f+%.0f%s", bench_case_names[c], bench_median (v, bench_g.rounds),
                bench_median (w, bench_g.rounds), c < C_LIGHT ? "," : "\n");
    }
    printf ("\nper round: rate p50/p99 [ratio to the same round's reference] [events per "
            "commit, commits/s, CPU us per event: eventlog + bench]\n");
    static const char *names[C_COUNT] = {"R1 (commits/s)",   "R1000",
                                         "R1s (commits/s)",  "R1000s",
                                         "F (syncs/s)",      "RTT (round trips/s)",
                                         "A (acks, no log)", "APPEND 1x1",
                                         "APPEND 8x1",       "APPEND 64x1",
                                         "APPEND 8x64",      "APPEND light",
                                         "READ catch-up",    "subscriber catch-up",
                                         "subscriber live"};
    for (int c = 0; c < C_COUNT; c++) {
        if (!bench_selected (c))
            continue;
        printf ("  %-20s", names[c]);
        for (int r = 0; r < bench_g.rounds; r++) {
            const res_t *x = &bench_res[c][r];
            double R1r = bench_res[C_R1][r].rate, T_r = 1 / R1r + 1 / bench_res[C_RTT][r].rate;
            char extra[80] = "";
            switch (c) {
            case C_1X1:
                snprintf (extra, sizeof extra, " %.2f/T", x->rate * T_r);
                break;
            case C_8X1:
            case C_64X1:
                snprintf (extra, sizeof extra, " %.2fxR1", x->rate / R1r);
                break;
            case C_8X64:
            case C_ACK:
                snprintf (extra, sizeof extra, " %.2fxR1000", x->rate / bench_res[C_R1000][r].rate);
                break;
            default:
                break;
            }
            if (c == C_SUBCATCH)
                printf (" | %8.0f", x->rate);
            else if (c == C_READ)
                printf (" | %8.0f %.0f/%.0f, %.0f faults/1000 ev, cpu %.2f+%.2f", x->rate, x->p50,
                        x->p99, x->extra2, x->cpu_srv, x->cpu_cli);
            else if (c == C_SUBLIVE)
                printf (" | %8.0f keeps %.2f, lag %.0f/%.0f ms", x->rate, x->extra, x->p50, x->p99);
            else
                printf (" | %8.0f %.0f/%.0f%s", x->rate, x->p50, x->p99, extra);
            if (c >= C_1X1 && c <= C_LIGHT)
                printf (" %.1f %.0f/s cpu %.0f+%.0f", x->extra, x->extra2, x->cpu_srv, x->cpu_cli);
            else if (c == C_ACK)
                printf (" cpu %.0f+%.0f", x->cpu_srv, x->cpu_cli);
        }
        printf ("\n");
    }
    fflush (stdout);
}

/*  ---- main ---- */
