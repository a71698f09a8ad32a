/*  bench.h - what the parts of bench_log share: the settings and the
    processes started (bench_g), latencies and CPU time, the events and
    requests appended, the eventlog and echo processes, the results of
    every case and round, the references (LMDB, fdatasync, round trip), the
    load generators (APPEND clients, READ and subscriber catch-up) and the
    table. See bench_log.c and docs/performance.md.
*/
#ifndef BENCH_H
#define BENCH_H

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_event.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MAX_ROUNDS 20
#define PAYLOAD_BYTES 200
#define FSYNC_FILE_BYTES (64u << 20)
#define REPLY_WAIT_MS 30000
#define LIGHT_PAUSE_US 5000 /* light load: 4 clients, each waits 5 ms after an ack */

/*  ---- settings and the processes we started (bench_common.c) ---- */

typedef struct {
    int rounds;            /* BENCH_ROUNDS                              */
    double seconds;        /* BENCH_SECONDS per case                    */
    uint64_t events;       /* BENCH_EVENTS for READ / subscriber cases  */
    bool prefill_protocol; /* BENCH_PREFILL=protocol: by 8x64 APPENDs */
    uint32_t read_page;    /* BENCH_READ_PAGE: events per READ          */
    uint32_t sub_page;     /* BENCH_SUB_PAGE: events per subscriber READ */
    char base[600];        /* temp dir holding everything               */
    char log_dir[700];     /* eventlog data dir                         */
    char ref_dir[700];     /* LMDB reference env                        */
    char file_path[700];   /* fdatasync reference file                  */
    char log_ep[64];       /* eventlog ROUTER                           */
    char pub_ep[64];       /* eventlog PUB                              */
    char echo_ep[64];      /* RTT echo ROUTER                           */
    char ack_ep[64];       /* ROUTER acking APPENDs at once (no log)    */
    char eventlog_bin[1200];
    char self_exe[1100];
    pid_t log_pid;
    pid_t echo_pid;
    pid_t ack_pid;
    size_t record_bytes;  /* bytes of one stored record                */
    size_t request_bytes; /* bytes of one APPEND request of one event  */
} bench_settings_t;

extern bench_settings_t bench_g;

int64_t bench_now_ns (void);
/*  Print "bench: <message>" and the eventlog's last lines, stop the
    processes we started, remove the data and exit(1). */
void bench_die (const char *fmt, ...) __attribute__ ((format (printf, 1, 2), noreturn));
void bench_cleanup (void);
void bench_on_signal (int sig);
int bench_free_port (void);
double bench_env_double (const char *name, double dflt);

/*  ---- latencies and CPU time (bench_common.c) ---- */

typedef struct {
    double *v; /* microseconds */
    size_t n;
    size_t cap;
} lat_t;

void bench_lat_add (lat_t *l, double us);
void bench_lat_merge (lat_t *into, const lat_t *from);
double bench_pct (lat_t *l, double p);
double bench_median (const double *v, int n);
double bench_cpu_of2 (pid_t pid, unsigned long long *faults);
double bench_cpu_of (pid_t pid);
double bench_cpu_self (void);

/*  ---- results (bench_common.c) ---- */

typedef struct {
    double rate;     /* events (or ops) per second          */
    double p50, p99; /* latency, us                         */
    double extra;    /* case-specific (events per commit...) */
    double extra2;   /* case-specific                        */
    double cpu_srv;  /* eventlog process CPU, us per event   */
    double cpu_cli;  /* bench process CPU, us per event      */
} res_t;

enum {
    C_R1,
    C_R1000,
    C_R1S,
    C_R1000S,
    C_FSYNC,
    C_RTT,
    C_ACK,
    C_1X1,
    C_8X1,
    C_64X1,
    C_8X64,
    C_LIGHT,
    C_READ,
    C_SUBCATCH,
    C_SUBLIVE,
    C_COUNT
};

extern res_t bench_res[C_COUNT][MAX_ROUNDS];
extern const char *bench_case_names[C_COUNT];
bool bench_selected (int c);

/*  ---- the events, the processes, STATUS (bench_eventlog.c) ---- */

void bench_event (dbk_event_t *ev, uint64_t n, dbk_wr_t *buf);
void bench_append_request (dbk_wr_t *w, uint64_t rid, const char *stream, const dbk_event_t *ev);
int bench_reply_check (const void *data, size_t len, uint64_t *rid, bool *ok);
void bench_spawn_eventlog (void);
void bench_spawn_echo (void);
int bench_echo_main (const char *endpoint);
/*  The ceiling reference: a ROUTER that answers every APPEND request as it
    arrives, with the reply the log would send, through the log's own
    receive and reply calls; no log behind it (`bench_log --ack EP`). */
void bench_spawn_ack (void);
int bench_ack_main (const char *endpoint);
void bench_prefill_direct (uint64_t n);

typedef struct {
    uint64_t head, commits, events;
} bench_status_t;

bench_status_t bench_status (void);

/*  ---- references: LMDB, fdatasync, round trip (bench_ref.c) ---- */

void bench_ref_open (void);
void bench_ref_reset (void);
res_t bench_ref_lmdb (int batch, bool schema);
void bench_file_open (void);
res_t bench_ref_fsync (void);
res_t bench_ref_rtt (void);
/*  Close the LMDB reference and the fdatasync file. */
void bench_ref_close (void);

/*  ---- load: APPEND clients, READ and subscriber catch-up (bench_load.c) ---- */

res_t bench_appenders (int nclients, int depth, int pause_us, uint64_t budget, bool live,
                       res_t *live_res);
/*  The 8 x 64 clients against the ack ROUTER instead of the log. */
res_t bench_ack_ceiling (void);
res_t bench_read_catchup (void);
res_t bench_sub_catchup (void);

/*  ---- the table (bench_table.c) ---- */

void bench_print (double prefill_rate, double prefill_secs);

#endif
