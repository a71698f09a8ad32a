/*  bench_common.c - settings, the processes started and their cleanup,
    latencies, CPU time, and the results of every case (see bench.h).
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

bench_settings_t bench_g;

int64_t bench_now_ns (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void s_kill_children (void)
{
    pid_t pids[3] = {bench_g.log_pid, bench_g.echo_pid, bench_g.ack_pid};
    for (int i = 0; i < 3; i++)
        if (pids[i] > 0) {
            kill (pids[i], SIGTERM);
            waitpid (pids[i], NULL, 0);
        }
    bench_g.log_pid = bench_g.echo_pid = bench_g.ack_pid = 0;
}

void bench_cleanup (void)
{
    s_kill_children ();
    if (bench_g.base[0] && !getenv ("BENCH_KEEP")) {
        char *cmd;
        if (asprintf (&cmd, "rm -rf '%s'", bench_g.base) >= 0) {
            if (system (cmd) != 0)
                fprintf (stderr, "bench: could not remove %s\n", bench_g.base);
            free (cmd);
        }
    }
}

void bench_die (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    fprintf (stderr, "bench: ");
    vfprintf (stderr, fmt, ap);
    fprintf (stderr, "\n");
    va_end (ap);
    char tail[800];
    snprintf (tail, sizeof tail, "tail -5 '%s/eventlog.err' 2>/dev/null >&2", bench_g.base);
    if (bench_g.base[0] && system (tail) != 0)
        fprintf (stderr, "bench: (no eventlog log)\n");
    bench_cleanup ();
    exit (1);
}

void bench_on_signal (int sig)
{
    (void) sig;
    if (bench_g.log_pid > 0)
        kill (bench_g.log_pid, SIGKILL);
    if (bench_g.echo_pid > 0)
        kill (bench_g.echo_pid, SIGKILL);
    if (bench_g.ack_pid > 0)
        kill (bench_g.ack_pid, SIGKILL);
    _exit (130);
}

int bench_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind (fd, (struct sockaddr *) &a, sizeof a) == 0 &&
        getsockname (fd, (struct sockaddr *) &a, &len) == 0)
        port = ntohs (a.sin_port);
    if (fd >= 0)
        close (fd);
    return port;
}

double bench_env_double (const char *name, double dflt)
{
    const char *v = getenv (name);
    if (!v || !*v)
        return dflt;
    char *end;
    double d = strtod (v, &end);
    if (*end || d <= 0)
        bench_die ("%s=%s: expected a positive number", name, v);
    return d;
}

/*  ---- latencies ---- */

void bench_lat_add (lat_t *l, double us)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4096;
        l->v = realloc (l->v, l->cap * sizeof *l->v);
        if (!l->v)
            bench_die ("out of memory");
    }
    l->v[l->n++] = us;
}

void bench_lat_merge (lat_t *into, const lat_t *from)
{
    for (size_t i = 0; i < from->n; i++)
        bench_lat_add (into, from->v[i]);
}

static int s_cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

/*  Sorts in place. */
double bench_pct (lat_t *l, double p)
{
    if (l->n == 0)
        return 0;
    qsort (l->v, l->n, sizeof *l->v, s_cmp_double);
    size_t i = (size_t) (p * (double) (l->n - 1) + 0.5);
    return l->v[i];
}

double bench_median (const double *v, int n)
{
    double tmp[MAX_ROUNDS];
    memcpy (tmp, v, (size_t) n * sizeof *v);
    qsort (tmp, (size_t) n, sizeof *tmp, s_cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/*  ---- CPU time: the event log's (from /proc) and our own ---- */

/*  CPU seconds of a process; *faults (if not NULL) = its page faults. */
double bench_cpu_of2 (pid_t pid, unsigned long long *faults)
{
    char path[64], buf[1024];
    snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
    FILE *f = fopen (path, "r");
    if (!f)
        return 0;
    size_t n = fread (buf, 1, sizeof buf - 1, f);
    fclose (f);
    buf[n] = 0;
    /*  fields 14 and 15 (utime, stime) follow the ")" that ends the name */
    char *p = strrchr (buf, ')');
    unsigned long long ut = 0, st = 0, minflt = 0, majflt = 0;
    if (!p || sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %llu %*u %llu %*u %llu %llu", &minflt,
                      &majflt, &ut, &st) != 4)
        return 0;
    if (faults)
        *faults = minflt + majflt;
    return (double) (ut + st) / (double) sysconf (_SC_CLK_TCK);
}

double bench_cpu_of (pid_t pid)
{
    return bench_cpu_of2 (pid, NULL);
}

double bench_cpu_self (void)
{
    struct rusage ru;
    getrusage (RUSAGE_SELF, &ru);
    return (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/*  ---- results ---- */

res_t bench_res[C_COUNT][MAX_ROUNDS];

/*  Short names, as BENCH_CASES takes them (a comma-separated subset). */
const char *bench_case_names[C_COUNT] = {"r1",   "r1000", "r1s",  "r1000s", "fsync",
                                         "rtt",  "ack",   "1x1",  "8x1",    "64x1",
                                         "8x64", "light", "read", "sub",    "live"};

bool bench_selected (int c)
{
    const char *list = getenv ("BENCH_CASES");
    if (!list || !*list)
        return true;
    size_t n = strlen (bench_case_names[c]);
    for (const char *p = list; *p;) {
        const char *e = strchr (p, ',');
        size_t len = e ? (size_t) (e - p) : strlen (p);
        if (len == n && memcmp (p, bench_case_names[c], n) == 0)
            return true;
        p += len + (e != NULL);
    }
    return false;
}

/*  ---- references: LMDB, fdatasync, round trip ---- */
