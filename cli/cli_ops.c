/*  cli_ops.c - the operator's tools: dealbook rebuild | backup | restore |
    export (docs/operations.md).

      rebuild SERVICE   REBUILD on one DEALER, STATUS polled on another
                        every 200 ms for the progress line
      backup DIR        the log's BACKUP verb (hot copy, verified by the log)
      restore DIR       in cli_restore.c
      export            every event as a JSON line, the chain checked on
                        the way; with --records the record's bytes too,
                        so that the file is verifiable on its own
*/
#include "cli.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_json.h"
#include "dealbook/dbk_lmdb.h"

#include <errno.h>
#include <limits.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_LONG_MS CLI_LONG_MS
#define S_TICK_MS 200

void cli_ops_help (void)
{
    printf ("usage: dealbook <rebuild|backup|restore|export> ...\n\n"
            "  rebuild SERVICE [--json]\n"
            "      drop SERVICE's read model and replay it from the log (REBUILD); shows\n"
            "      events/s and ETA on a terminal, then events replayed, elapsed, events/s.\n"
            "      SERVICE: contacts, opportunities, bidding, forecasting. Exit 4 when\n"
            "      the service stops answering, or restarts (the REBUILD is lost with it)\n"
            "      example: dealbook rebuild contacts\n"
            "  backup DIR [--json]\n"
            "      hot, consistent copy of the event log into DIR (on the log's machine),\n"
            "      verified after the copy; prints its head and the hash of its last event.\n"
            "      Read models are not copied: they are rebuilt from the log on restore.\n"
            "      Exit 4 when the log restarts meanwhile (the BACKUP is lost with it)\n"
            "      example: dealbook backup /srv/backups/dealbook-2026-11-28\n"
            "  restore DIR --data-dir D [--force] [--json]\n"
            "      verify the backup in DIR, copy it into D/eventlog of a STOPPED data\n"
            "      directory and remove D's read models (contacts/, opportunities/,\n"
            "      bidding/, forecasting/): they replay the restored log at the next start.\n"
            "      D is --data-dir or DEALBOOK_DATA_DIR, never the default (exit 1 without).\n"
            "      Refused (exit 3) while an event log answers at --log or a process holds\n"
            "      D's LMDB files, and when D/eventlog exists unless --force (exit 3);\n"
            "      --force warns of the events of that log the backup does not hold\n"
            "      example: dealbook restore /srv/backups/dealbook-2026-11-28 \\\n"
            "                 --data-dir /var/lib/dealbook\n"
            "  restore --check DIR [--json]\n"
            "      verify the backup in DIR as restore does, and nothing else: no data\n"
            "      directory, no lock, nothing written; prints its events, head seq and the\n"
            "      hash of its last event (exit 2 if it does not verify)\n"
            "      example: dealbook restore --check /srv/backups/dealbook-2026-11-28\n"
            "  export --format jsonl [--from SEQ] [--until YYYY-MM-DD] [--type PREFIX]\n"
            "         [--records]\n"
            "      every event as one JSON line (as dealbook log read), for auditors;\n"
            "      --until stops at the first event recorded (ts) after that UTC day;\n"
            "      the hash chain is checked on the way (exit 5 on a break); events/s on\n"
            "      stderr when it is a terminal. --records adds \"record\" to each line:\n"
            "      the base64 of the bytes the log stored, which its hash covers. Such a\n"
            "      file is verifiable on its own (examples/python/verify_export.py): the\n"
            "      chain from line to line, and each line's fields against its record.\n"
            "      With --type too the chain has gaps: each record is checked against its\n"
            "      own prev only, and a line left out does not show\n"
            "      example: dealbook export --format jsonl --until 2026-12-31 > 2026.jsonl\n"
            "      example: dealbook export --records > all.jsonl\n"
            "               examples/python/verify_export.py all.jsonl\n\n"
            "exit codes: 0 done, 1 usage, 2 a backup that does not verify, 3 restore\n"
            "refused, 4 unreachable, 5 failed (or a broken chain in export)\n");
}

static int64_t s_mono_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*  A failed call to a service (not necessarily the log). */
static int s_call_failed (const char *what, const char *name, int rc, const dbk_client_t *c)
{
    const char *msg = c ? dbk_client_errmsg (c) : "";
    if (rc == DBK_ETIMEOUT)
        return cli_fail (CLI_UNREACHABLE, "%s: %s is unreachable (%s)", what, name, msg);
    return cli_fail (cli_exit_code (rc), "%s: %s%s%s", what, dbk_err_wire_name (rc),
                     *msg ? ": " : "", msg);
}

/*  ---- a long call with a progress line ---- */

typedef struct {
    dbk_client_t *client; /* its own DEALER, request begun      */
    dbk_doc_t *reply;     /* the answer                         */
    int rc;               /* as dbk_client_call                 */
    atomic_bool done;     /* set when the answer (or error) is in */
} s_long_job_t;

static void *s_long_run (void *arg)
{
    s_long_job_t *job = arg;
    job->rc = dbk_client_call (job->client, &job->reply);
    atomic_store (&job->done, true);
    return NULL;
}

static void s_progress (const char *what, uint64_t done, uint64_t total, int64_t ms)
{
    double rate = ms > 0 ? (double) done * 1000.0 / (double) ms : 0;
    printf ("\r%s: %llu/%llu events", what, (unsigned long long) done, (unsigned long long) total);
    if (total)
        printf (" (%.0f%%)", 100.0 * (double) (done < total ? done : total) / (double) total);
    if (rate > 0) {
        printf (", %.0f events/s", rate);
        if (total > done)
            printf (", ETA %.0f s", (double) (total - done) / rate);
    }
    printf ("\033[K");
    fflush (stdout);
}

int cli_long_call (cli_t *cli, const char *what, dbk_client_t *job_client, dbk_doc_t **reply,
                   dbk_client_t *st, cli_poll_fn *poll, void *arg, bool misses_end)
{
    s_long_job_t job = {.client = job_client};
    atomic_init (&job.done, false);
    bool show = cli->tty && !cli->json;
    uint64_t done = 0, total = 0, target = 0;
    int misses = 0;
    char lost[1600] = ""; /* a sentence that may name a backup's path */
    if (show && poll (st, arg, &done, &total, lost, sizeof lost) == 0) {
        target = total;
        s_progress (what, 0, target, 0);
    }
    pthread_t th;
    if (pthread_create (&th, NULL, s_long_run, &job))
        return DBK_ENOMEM;
    int64_t t0 = s_mono_ms ();
    while (!atomic_load (&job.done)) {
        for (int t = 0; t < S_TICK_MS && !atomic_load (&job.done); t += 10)
            usleep (10 * 1000);
        if (atomic_load (&job.done))
            continue;
        int prc = poll (st, arg, &done, &total, lost, sizeof lost);
        if (prc) {
            /*  the call waits as long as the job may take: with
                misses_end, a server that stopped answering STATUS will not
                answer it either; otherwise the job's own timeout decides
                (the log answers nothing while it grows its map under a
                job). A job the server lost is never answered: the thread
                waiting for it cannot be stopped, the process ends */
            if (prc != CLI_POLL_LOST && (!misses_end || ++misses < 3))
                continue;
            if (show)
                printf ("\n");
            fflush (stdout);
            if (prc == CLI_POLL_LOST)
                cli_fail (CLI_UNREACHABLE, "%s: %s", what, lost);
            else
                cli_fail (CLI_UNREACHABLE, "%s: the server stopped answering (%s)", what,
                          dbk_client_errmsg (st));
            _exit (CLI_UNREACHABLE);
        }
        misses = 0;
        if (total > target)
            target = total;
        if (show)
            s_progress (what, done, target, s_mono_ms () - t0);
    }
    pthread_join (th, NULL);
    if (show)
        printf ("\r\033[K");
    fflush (stdout);
    *reply = job.reply;
    return job.rc;
}

/*  Polls in a row that find no job running before a job counts as lost:
    a server shows its job (the log's STATUS jobs, a service's
    rebuilding) from when it takes the request until it sends the
    answer, so a poll may miss it just before the request arrives or
    just after the answer left (two connections), never five in a row. */
#define S_IDLE_POLLS 5

int cli_log_job_poll (dbk_client_t *st, void *arg, uint64_t *done, uint64_t *total, char *lost,
                      size_t lostsz)
{
    cli_log_watch_t *w = arg;
    dbk_doc_t *reply = NULL;
    dbk_client_begin (st, "STATUS", 0);
    int rc = dbk_client_call (st, &reply);
    if (rc) {
        dbk_doc_destroy (&reply);
        return rc;
    }
    const dbk_obj_t *root = dbk_doc_root (reply);
    dbk_obj_u64 (dbk_obj_get (root, "head"), total);
    uint64_t up = 0;
    bool has_up = dbk_obj_u64 (dbk_obj_get (root, "uptime_ms"), &up) == 0;
    const dbk_obj_t *jobs = dbk_obj_get (root, "jobs");
    uint64_t newest = UINT64_MAX;
    for (size_t i = 0; i < dbk_obj_len (jobs); i++) {
        const dbk_obj_t *j = dbk_obj_at (jobs, i);
        const char *s;
        size_t n;
        uint64_t ms = 0, checked = 0;
        if (dbk_obj_str (dbk_obj_get (j, "op"), &s, &n) || n != strlen (w->op) ||
            memcmp (s, w->op, n) || dbk_obj_u64 (dbk_obj_get (j, "elapsed_ms"), &ms) ||
            dbk_obj_u64 (dbk_obj_get (j, "checked"), &checked) || ms >= newest)
            continue;
        newest = ms; /* ours is the one started last */
        *done = checked;
    }
    dbk_doc_destroy (&reply);
    if (w->sent && has_up && up < w->uptime_ms) {
        snprintf (lost, lostsz,
                  "the event log restarted during the %s (up %llu ms, %llu ms before): the %s "
                  "was lost with the restart; %s",
                  w->op, (unsigned long long) up, (unsigned long long) w->uptime_ms, w->op,
                  w->then);
        return CLI_POLL_LOST;
    }
    if (has_up)
        w->uptime_ms = up;
    w->idle = w->sent && newest == UINT64_MAX ? w->idle + 1 : 0;
    if (w->idle >= S_IDLE_POLLS) {
        snprintf (lost, lostsz,
                  "the event log runs no %s (STATUS jobs) and never answered this one: it was "
                  "lost (the log restarted?); %s",
                  w->op, w->then);
        return CLI_POLL_LOST;
    }
    return 0;
}

/*  ---- rebuild ---- */

/*  What the polls of a rebuild learn of the service. The REBUILD lives in
    the process that took it: a service restarted meanwhile (kill -9 or a
    crash, then a supervisor's restart) answers STATUS again, so the
    watchdog of unanswered polls never fires, but never the REBUILD. */
typedef struct {
    const char *name;   /* the service                                  */
    bool sent;          /* the REBUILD is on its way: polls watch it    */
    uint64_t uptime_ms; /* the last STATUS's uptime_ms (0: none yet)    */
    int idle;           /* polls in a row that found no rebuild running */
} s_rebuild_watch_t;

/*  A service's replay: seq_applied of head (cli_poll_fn); watching
    (arg, s_rebuild_watch_t) for a restart that lost the REBUILD. */
static int s_status_of (dbk_client_t *c, void *arg, uint64_t *applied, uint64_t *head, char *lost,
                        size_t lostsz)
{
    s_rebuild_watch_t *w = arg;
    dbk_doc_t *reply = NULL;
    dbk_client_begin (c, "STATUS", 0);
    int rc = dbk_client_call (c, &reply);
    if (rc) {
        dbk_doc_destroy (&reply);
        return rc;
    }
    const dbk_obj_t *r = dbk_doc_root (reply);
    uint64_t up = 0;
    bool rebuilding = true;
    dbk_obj_u64 (dbk_obj_get (r, "seq_applied"), applied);
    dbk_obj_u64 (dbk_obj_get (r, "head"), head);
    bool has_up = dbk_obj_u64 (dbk_obj_get (r, "uptime_ms"), &up) == 0;
    dbk_obj_bool (dbk_obj_get (r, "rebuilding"), &rebuilding);
    dbk_doc_destroy (&reply);
    const char *then = "the service replays the log by itself from where its read model stands "
                       "(dealbook status shows its lag): run dealbook rebuild";
    if (has_up && up < w->uptime_ms) {
        snprintf (lost, lostsz,
                  "the service restarted during the REBUILD (up %llu ms, %llu ms before): the "
                  "REBUILD was lost with the restart; %s %s again to rebuild from seq 1",
                  (unsigned long long) up, (unsigned long long) w->uptime_ms, then, w->name);
        return CLI_POLL_LOST;
    }
    if (has_up)
        w->uptime_ms = up;
    w->idle = w->sent && !rebuilding ? w->idle + 1 : 0;
    if (w->idle >= S_IDLE_POLLS) {
        snprintf (lost, lostsz,
                  "the service is not rebuilding (STATUS rebuilding: false) and never answered "
                  "the REBUILD: it was lost (the service restarted?); %s %s again to rebuild "
                  "from seq 1",
                  then, w->name);
        return CLI_POLL_LOST;
    }
    return 0;
}

static int s_rebuild (cli_t *cli, const char *name)
{
    if (!name || cli->help || cli->nargs)
        return cli_help_or_usage (cli, cli_ops_help,
                                  "usage: dealbook rebuild SERVICE (see dealbook help rebuild)");
    int only = cli_only (cli, "rebuild", 0, NULL);
    if (only)
        return only;
    const char *ep = cli_service_endpoint (cli, name);
    if (!ep || strcmp (name, "eventlog") == 0 || strcmp (name, "log") == 0)
        return cli_fail (CLI_USAGE,
                         "rebuild: '%s' is not a service with a read model (contacts, "
                         "opportunities, bidding, forecasting; the event log is the source)",
                         name);
    int timeout = cli->cfg.timeout_ms;
    dbk_client_t *st = dbk_client_new (ep, timeout);
    if (!st)
        return cli_fail (CLI_USAGE, "bad endpoint %s", ep);
    uint64_t applied = 0, head = 0;
    s_rebuild_watch_t watch = {.name = name};
    char lost[400];
    int rc = s_status_of (st, &watch, &applied, &head, lost, sizeof lost);
    if (rc) {
        int code = s_call_failed ("rebuild", name, rc, st);
        dbk_client_destroy (&st);
        return code;
    }
    dbk_client_t *job = dbk_client_new (ep, S_LONG_MS);
    if (!job) {
        dbk_client_destroy (&st);
        return cli_fail (CLI_FAILED, "rebuild: cannot start");
    }
    char what[64];
    snprintf (what, sizeof what, "rebuild %s", name);
    dbk_client_begin (job, "REBUILD", 0);
    int64_t t0 = s_mono_ms ();
    dbk_doc_t *reply = NULL;
    watch.sent = true;
    rc = cli_long_call (cli, what, job, &reply, st, s_status_of, &watch, true);
    int64_t local_ms = s_mono_ms () - t0;
    int code = 0;
    if (rc)
        code = s_call_failed ("rebuild", name, rc, job);
    else {
        uint64_t seq = 0, ms = 0;
        const dbk_obj_t *r = dbk_doc_root (reply);
        dbk_obj_u64 (dbk_obj_get (r, "seq_applied"), &seq);
        dbk_obj_u64 (dbk_obj_get (r, "elapsed_ms"), &ms);
        double secs = ms ? (double) ms / 1000.0 : (double) local_ms / 1000.0;
        double rate = secs > 0 ? (double) seq / secs : (double) seq;
        if (cli->json)
            cli_print_json (json_pack ("{s:s, s:I, s:I, s:I, s:I}", "service", name, "events",
                                       (json_int_t) seq, "seq_applied", (json_int_t) seq,
                                       "elapsed_ms", (json_int_t) ms, "events_per_s",
                                       (json_int_t) (rate + 0.5)));
        else
            printf ("rebuilt %s: %llu events replayed in %.3f s (%.0f events/s)\n", name,
                    (unsigned long long) seq, secs, rate);
    }
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&job);
    dbk_client_destroy (&st);
    return code;
}

/*  ---- backup ---- */

static int s_absolute (const char *dir, char *out, size_t outsz)
{
    if (dir[0] == '/') {
        if (strlen (dir) >= outsz)
            return -1;
        strcpy (out, dir);
        return 0;
    }
    char cwd[PATH_MAX];
    if (!getcwd (cwd, sizeof cwd))
        return -1;
    int n = snprintf (out, outsz, "%s/%s", cwd, dir);
    return n < 0 || (size_t) n >= outsz ? -1 : 0;
}

/*  Hash of the record at `seq` as the log holds it. */
static int s_hash_at (dbk_client_t *c, uint64_t seq, char hex[2 * DBK_HASH_SIZE + 1])
{
    dbk_read_t rq = {.from = seq, .limit = 1};
    dbk_doc_t *reply = NULL;
    dbk_page_t page;
    dbk_event_t ev;
    int rc = dbk_client_read (c, &rq, &reply, &page);
    if (!rc && page.count != 1)
        rc = DBK_EMALFORMED;
    else if (!rc && (rc = dbk_page_event_checked (&page, 0, &ev)) == 0 && ev.seq != seq)
        rc = DBK_EMALFORMED; /* DBK_ECORRUPT: the hash it holds is not its record's */
    if (!rc)
        dbk_hex (ev.hash, DBK_HASH_SIZE, hex);
    dbk_doc_destroy (&reply);
    return rc;
}

static int s_backup (cli_t *cli, const char *dir)
{
    if (!dir || cli->help || cli->nargs)
        return cli_help_or_usage (cli, cli_ops_help,
                                  "usage: dealbook backup DIR (see dealbook help backup)");
    int only = cli_only (cli, "backup", 0, NULL);
    if (only)
        return only;
    char abs[PATH_MAX];
    if (s_absolute (dir, abs, sizeof abs))
        return cli_fail (CLI_USAGE, "cannot resolve %s", dir);
    dbk_client_t *c = cli_log_client (cli);
    if (!c)
        return cli_fail (CLI_USAGE, "bad endpoint %s", cli->cfg.log_endpoint);
    /*  the log's uptime before the request, to tell a restart during the
        BACKUP (which the new process never answers); a log that is not
        there fails at once */
    char then[PATH_MAX + 200];
    snprintf (then, sizeof then,
              "%s may hold an unfinished copy: empty it (or choose a new directory) and run "
              "dealbook backup again",
              abs);
    cli_log_watch_t watch = {.op = "BACKUP", .then = then};
    uint64_t done = 0, total = 0;
    char lost[8];
    dbk_doc_t *reply = NULL;
    int rc = cli_log_job_poll (c, &watch, &done, &total, lost, sizeof lost);
    if (rc) {
        int code = cli_call_failed ("backup", rc, c);
        dbk_client_destroy (&c);
        return code;
    }
    /*  the copy and its verification take as long as the log is long */
    dbk_client_t *lc = dbk_client_new (cli->cfg.log_endpoint, S_LONG_MS);
    if (lc) {
        dbk_wr_t *w = dbk_client_begin (lc, "BACKUP", 1);
        dbk_wr_kv_cstr (w, "path", abs);
    }
    watch.sent = true;
    rc = lc ? cli_long_call (cli, "backup", lc, &reply, c, cli_log_job_poll, &watch, false)
            : DBK_ENOMEM;
    if (rc) {
        int code = cli_call_failed ("backup", rc, lc);
        dbk_doc_destroy (&reply);
        dbk_client_destroy (&lc);
        dbk_client_destroy (&c);
        return code;
    }
    const dbk_obj_t *r = dbk_doc_root (reply);
    bool valid = false;
    uint64_t checked = 0, bad = 0;
    const char *why = "";
    size_t wl = 0;
    dbk_obj_bool (dbk_obj_get (r, "valid"), &valid);
    dbk_obj_u64 (dbk_obj_get (r, "checked"), &checked);
    dbk_obj_u64 (dbk_obj_get (r, "bad_seq"), &bad);
    dbk_obj_str (dbk_obj_get (r, "reason"), &why, &wl);
    int code = 0;
    /*  the hash of the copy's last event, as the log's check of the copy
        found it (a log of an earlier version does not say: it is then
        read from the log) */
    char hex[2 * DBK_HASH_SIZE + 1] = "";
    const char *hash = NULL;
    size_t hl = 0;
    if (dbk_obj_str (dbk_obj_get (r, "hash"), &hash, &hl) == 0 && hl == 2 * DBK_HASH_SIZE)
        memcpy (hex, hash, hl);
    if (!valid)
        code =
            cli_fail (CLI_REJECTED,
                      "backup in %s: INVALID at seq %llu: %.*s (%llu events before it check "
                      "out)",
                      abs, (unsigned long long) bad, (int) wl, why, (unsigned long long) checked);
    else if (checked && !hex[0] && (rc = s_hash_at (c, checked, hex)))
        code = cli_call_failed ("backup: reading the last event's hash", rc, c);
    else if (cli->json)
        cli_print_json (json_pack ("{s:s, s:b, s:I, s:s, s:b}", "path", abs, "valid", 1, "head",
                                   (json_int_t) checked, "hash", hex, "read_models", 0));
    else
        printf ("backup in %s: verified, head %llu, hash %s\n"
                "read models are not copied: they are rebuilt from the log on restore\n",
                abs, (unsigned long long) checked, checked ? hex : "(empty log)");
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&lc);
    dbk_client_destroy (&c);
    return code;
}

/*  ---- export ---- */

static void s_export_progress (uint64_t printed, uint64_t seq, uint64_t head, uint64_t scanned,
                               int64_t ms, bool done)
{
    double rate = ms > 0 ? (double) scanned * 1000.0 / (double) ms : 0;
    fprintf (stderr, "\rexport: seq %llu/%llu, %llu exported, %.0f events/s%s\033[K%s",
             (unsigned long long) seq, (unsigned long long) head, (unsigned long long) printed,
             rate, done ? ", done" : "", done ? "\n" : "");
}

static int s_export (cli_t *cli, const char *verb)
{
    if (verb || cli->help || cli->nargs)
        return cli_help_or_usage (cli, cli_ops_help,
                                  "export: takes no argument (see dealbook help export)");
    static const char *const flags[] = {"--format", "--from",    "--until",
                                        "--type",   "--records", NULL};
    int rc = cli_only (cli, "export", 0, flags);
    if (rc)
        return rc;
    const char *v = cli_flag (cli, "--format");
    if (v && strcmp (v, "jsonl") != 0)
        return cli_fail (CLI_USAGE, "export: --format takes jsonl");
    uint64_t from = 1;
    if ((v = cli_flag (cli, "--from")) && (cli_u64 (v, &from) || from == 0))
        return cli_fail (CLI_USAGE, "--from takes a number >= 1");
    int64_t until = INT64_MAX;
    if ((v = cli_flag (cli, "--until"))) {
        struct tm tm;
        memset (&tm, 0, sizeof tm);
        const char *end = strptime (v, "%Y-%m-%d", &tm);
        if (!end || *end)
            return cli_fail (CLI_USAGE, "--until takes YYYY-MM-DD (a UTC day)");
        until = ((int64_t) timegm (&tm) + 86400) * 1000 - 1;
    }
    const char *type = cli_flag (cli, "--type");
    size_t tn = type ? strlen (type) : 0;
    bool records = cli_flag (cli, "--records") != NULL;
    dbk_client_t *c = cli_log_client (cli);
    if (!c)
        return cli_fail (CLI_USAGE, "bad endpoint %s", cli->cfg.log_endpoint);
    bool progress = isatty (2);
    int64_t t0 = s_mono_ms (), shown = t0;
    /*  from SEQ > 1: read seq - 1 first (not printed) to anchor the chain */
    uint64_t pos = from > 1 ? from - 1 : 1, expect = pos, printed = 0, head = 0;
    uint8_t prev[DBK_HASH_SIZE] = {0};
    bool anchored = from == 1, stop = false;
    int code = 0;
    while (!stop && !code) {
        dbk_read_t rq = {.from = pos, .limit = 1000};
        dbk_doc_t *reply = NULL;
        dbk_page_t page;
        int rc = dbk_client_read (c, &rq, &reply, &page);
        if (rc) {
            code = cli_call_failed ("export", rc, c);
            dbk_doc_destroy (&reply);
            break;
        }
        for (size_t i = 0; i < page.count && !code && !stop; i++) {
            const uint8_t *rec;
            size_t len;
            dbk_event_t ev;
            if (dbk_page_record (&page, i, &rec, &len) || dbk_event_decode_record (rec, len, &ev)) {
                code = cli_fail (CLI_FAILED, "export: malformed record after seq %llu",
                                 (unsigned long long) expect - 1);
                break;
            }
            if (ev.seq != expect)
                code = cli_fail (CLI_FAILED, "export: seq %llu follows seq %llu: a gap in the log",
                                 (unsigned long long) ev.seq, (unsigned long long) expect - 1);
            else if (dbk_event_check_record (rec, len, anchored ? prev : ev.prev))
                code = cli_fail (CLI_FAILED,
                                 "export: the hash chain breaks at seq %llu (record altered, or "
                                 "prev does not match): run dealbook log verify",
                                 (unsigned long long) ev.seq);
            if (code)
                break;
            memcpy (prev, ev.hash, DBK_HASH_SIZE);
            expect++;
            if (!anchored) {
                anchored = true; /* seq from - 1: only the anchor */
                continue;
            }
            if (ev.ts > until) {
                stop = true; /* ts never decreases along seq */
                break;
            }
            if (tn && (ev.type_len < tn || memcmp (ev.type, type, tn) != 0))
                continue;
            json_t *j = dbk_json_from_event (&ev);
            /*  the JSON alone cannot always be encoded back into the bytes
                the hash covers (a uint64 above INT64_MAX, a bin, a float32
                print as what they are not): the bytes themselves make the
                file verifiable without the log */
            if (j && records && json_object_set_new (j, "record", dbk_json_base64 (rec, len))) {
                json_decref (j);
                j = NULL;
            }
            if (!j) {
                code = cli_fail (CLI_FAILED, "export: event %llu cannot be shown as JSON",
                                 (unsigned long long) ev.seq);
                break;
            }
            cli_print_json (j);
            printed++;
        }
        bool done = page.last >= page.head || page.last == 0;
        pos = page.last + 1;
        head = page.head;
        dbk_doc_destroy (&reply);
        if (done || ferror (stdout))
            break; /* the end, or output that no longer reaches the file (below) */
        int64_t now = s_mono_ms ();
        if (progress && now - shown >= S_TICK_MS) {
            s_export_progress (printed, expect - 1, head, expect - (from > 1 ? from - 1 : 1),
                               now - t0, false);
            shown = now;
        }
    }
    dbk_client_destroy (&c);
    if (fflush (stdout) || ferror (stdout))
        code = code ? code : cli_fail (CLI_FAILED, "export: writing the output failed");
    if (progress && !code)
        s_export_progress (printed, expect - 1, head, expect - (from > 1 ? from - 1 : 1),
                           s_mono_ms () - t0, true);
    return code;
}

int cli_ops (cli_t *cli, const char *noun, const char *verb)
{
    if (strcmp (noun, "rebuild") == 0)
        return s_rebuild (cli, verb);
    if (strcmp (noun, "backup") == 0)
        return s_backup (cli, verb);
    if (strcmp (noun, "restore") == 0)
        return cli_restore (cli, verb);
    if (strcmp (noun, "export") == 0)
        return s_export (cli, verb);
    return cli_fail (CLI_USAGE, "unknown noun '%s'", noun);
}
