/*  dbk_main.c - what every service binary's main() does. */
#include "dealbook/dbk_main.h"
#include "dealbook/dbk_config.h"
#include "dealbook/dbk_fds.h"
#include "dealbook/dbk_logging.h"
#include "dealbook/dbk_mem.h"

#include <malloc.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/*  A second SIGINT / SIGTERM while the actors finish what they accepted:
    stop at once, as a kill -9 would (whatever was acknowledged is on
    disk), rather than leave zactor_destroy early and return into CZMQ's
    shutdown while an actor still runs, which aborts in libzmq. */
static void s_second_signal (int sig)
{
    _exit (128 + sig);
}

/*  glibc's malloc, left to itself, costs a replay a tenth of its CPU:
    - each thread's arena grows its heap 4 KB at a time, one mprotect and
      one page fault each, while LMDB's dirty pages and the READ pages
      grow to their peak: one arena (the main heap, grown by brk) for
      every thread, 16 MB at a time;
    - a READ page's copy (hundreds of KB, one per thousand events) goes
      to mmap, or the heap's top goes back to the kernel at each free,
      and comes back through page faults: blocks below 32 MB come from
      the heap, and up to 256 MB of free heap is kept;
    - a replay's hot memory (about 160 MB for a million contacts events,
      most of it LMDB's dirty pages, malloc'd one 4 KB page at a time) sits
      in 4 KB pages: every copy of a dirty page into the page cache at
      commit, every B-tree step, misses the TLB. The first 192 MB of heap
      is grown at once and advised into huge pages (dbk_heap_huge); a
      cold start's catch-up took 10-20 % less time. */
static void s_malloc_settings (void)
{
    mallopt (M_ARENA_MAX, 1);
    mallopt (M_TOP_PAD, 16 << 20);
    mallopt (M_MMAP_THRESHOLD, 32 << 20);
    mallopt (M_TRIM_THRESHOLD, 256 << 20);
    dbk_heap_huge ((size_t) 192 << 20, (size_t) 24 << 20);
}

int dbk_main_run (const dbk_main_t *m, int argc, char **argv)
{
    dbk_config_t cfg;
    char why[512];
    if (dbk_config_load (&cfg, why, sizeof why)) {
        fprintf (stderr, "%s: %s\n", m->name, why);
        return 1;
    }
    /*  every flag takes a value; --help and --version end the run */
    for (int i = 1; i < argc; i += 2) {
        if (streq (argv[i], "--help") || streq (argv[i], "-h")) {
            printf ("usage: %s [flags]\n%s\n\n", m->name, m->summary);
            dbk_config_print_usage (stdout);
            printf ("\nexample: %s\n", m->example);
            return 0;
        }
        if (streq (argv[i], "--version")) {
            printf ("%s %s\n", m->name, DBK_VERSION);
            return 0;
        }
        int rc =
            dbk_config_flag (&cfg, argv[i], i + 1 < argc ? argv[i + 1] : NULL, why, sizeof why);
        if (rc == 0)
            fprintf (stderr, "%s: unknown flag %s (see --help)\n", m->name, argv[i]);
        else if (rc < 0)
            fprintf (stderr, "%s: %s\n", m->name, why);
        if (rc <= 0)
            return 1;
    }
    s_malloc_settings ();
    /*  every connection costs a descriptor: as many as allowed (dbk_fds.h),
        said once the actors started (a failed start says one line only) */
    dbk_fds_limit_t fds;
    dbk_fds_raise (&fds);
    /*  a full disk shows up as a write error (EFBIG/ENOSPC), not a signal */
    signal (SIGXFSZ, SIG_IGN);
    zsys_init ();
    zsys_set_logstream (NULL);
    enum { MAX_ACTORS = 8 };
    zactor_t *actors[MAX_ACTORS];
    size_t n = 0;
    int code = 0;
    for (size_t i = 0; code == 0 && n < MAX_ACTORS; i++) {
        zactor_fn *fn = i == 0 ? m->actor : m->more ? m->more[i - 1] : NULL;
        if (!fn)
            break;
        actors[n++] = zactor_new (fn, &cfg);
        char *ready = zstr_recv (actors[n - 1]);
        if (!ready || strncmp (ready, "READY", 5) != 0) {
            fprintf (stderr, "%s: %s\n", m->name, ready ? ready : "failed to start");
            code = 1;
        }
        zstr_free (&ready);
    }
    dbk_logger_t log;
    dbk_logger_init (&log, m->name, cfg.log_level);
    if (code == 0)
        dbk_fds_report (&log, &fds);
    if (code == 0 && m->ready && m->ready (&cfg) != 0)
        code = 1;
    /*  wait for SIGINT / SIGTERM (zsys turns them into an interrupted poll)
        or for an actor to die; and say when the process runs out of file
        descriptors, which nothing else may tell while it lasts */
    zpoller_t *poller = zpoller_new (NULL);
    for (size_t i = 0; i < n; i++)
        zpoller_add (poller, actors[i]);
    dbk_fds_watch_t watch = {0};
    while (code == 0 && !zsys_interrupted) {
        void *which = zpoller_wait (poller, 1000);
        if (which || zpoller_terminated (poller))
            break;
        dbk_fds_watch (&watch, &log);
    }
    zpoller_destroy (&poller);
    signal (SIGINT, s_second_signal);
    signal (SIGTERM, s_second_signal);
    while (n > 0)
        zactor_destroy (&actors[--n]);
    return code;
}
