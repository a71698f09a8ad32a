/*  testlib.c - process and directory helpers for the test suites. */
#include "testlib.h"

#include "dealbook/dbk_logging.h"
#include "dealbook/dbk_proto.h"

#include <arpa/inet.h>
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

char *tl_tmpdir (const char *tag)
{
    const char *base = getenv ("TMPDIR");
    char *path;
    if (asprintf (&path, "%s/dbk-%s-XXXXXX", base && *base ? base : "/tmp", tag) < 0)
        return NULL;
    if (!mkdtemp (path)) {
        free (path);
        return NULL;
    }
    return path;
}

void tl_rmtree (const char *dir)
{
    if (!dir || !*dir || strcmp (dir, "/") == 0)
        return;
    char *cmd;
    if (asprintf (&cmd, "rm -rf '%s'", dir) >= 0) {
        if (system (cmd) != 0)
            fprintf (stderr, "testlib: could not remove %s\n", dir);
        free (cmd);
    }
}

static char *s_path (const char *var, const char *fallback, const char *name)
{
    const char *dir = getenv (var);
    char *p;
    if (asprintf (&p, "%s/%s", dir && *dir ? dir : fallback, name) < 0)
        return NULL;
    return p;
}

char *tl_bin (const char *name)
{
    return s_path ("DBK_BIN_DIR", "build/release/bin", name);
}

char *tl_helper (const char *name)
{
    return s_path ("DBK_TEST_BIN_DIR", "build/release/tests", name);
}

int tl_free_port (void)
{
    /*  below the kernel's ephemeral range: a port it may hand to any
        outgoing connection can be taken between a service's stop and its
        restart on that port (tests/support/ports.py says the same) */
    int low = 32768, high = 0;
    FILE *f = fopen ("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f) {
        if (fscanf (f, "%d %d", &low, &high) != 2 || low < 10200)
            low = 32768;
        fclose (f);
    }
    static unsigned seed;
    if (!seed)
        seed = (unsigned) getpid () ^ (unsigned) time (NULL);
    for (int tries = 0; tries < 1000; tries++) {
        int port = 10000 + (int) (rand_r (&seed) % (unsigned) (low - 10000));
        int fd = socket (AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return -1;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) port)};
        a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
        int ok = bind (fd, (struct sockaddr *) &a, sizeof a) == 0;
        close (fd);
        if (ok)
            return port;
    }
    return -1;
}

bool tl_alive (pid_t pid)
{
    if (pid <= 0)
        return false;
    int status;
    pid_t r = waitpid (pid, &status, WNOHANG);
    return r == 0;
}

int tl_wait_ready (const char *endpoint, int timeout_ms)
{
    int64_t deadline = zclock_mono () + timeout_ms;
    while (zclock_mono () < deadline) {
        dbk_client_t *c = dbk_client_new (endpoint, 200);
        if (!c)
            return -1;
        dbk_client_begin (c, "STATUS", 0);
        dbk_doc_t *reply = NULL;
        int rc = dbk_client_call (c, &reply);
        dbk_doc_destroy (&reply);
        dbk_client_destroy (&c);
        if (rc == 0)
            return 0;
    }
    return -1;
}

static int s_spawn (tl_log_t *log, const char *const *extra_env, const char *const *wrapper)
{
    char *bin = tl_bin ("dealbook-eventlog");
    /*  argv: the wrapper's words (if any), then the eventlog binary */
    size_t nw = 0;
    while (wrapper && wrapper[nw])
        nw++;
    const char **argv = calloc (nw + 2, sizeof *argv);
    if (!argv) {
        free (bin);
        return -1;
    }
    for (size_t i = 0; i < nw; i++)
        argv[i] = wrapper[i];
    argv[nw] = bin;
    pid_t parent = getpid ();
    pid_t pid = fork ();
    if (pid == 0) {
        /*  a test that fails (or crashes) before its cleanup must not leave
            the log running: it would hold the runner's output pipe open */
        if (prctl (PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid () != parent)
            _exit (127);
        int fd = open (log->stderr_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2 (fd, 1);
            dup2 (fd, 2);
            close (fd);
        }
        setenv ("DEALBOOK_DATA_DIR", log->dir, 1);
        setenv ("DEALBOOK_LOG_ENDPOINT", log->log_ep, 1);
        setenv ("DEALBOOK_PUB_ENDPOINT", log->pub_ep, 1);
        setenv ("DEALBOOK_LOG_LEVEL", "info", 1);
        for (const char *const *e = extra_env; e && *e; e++)
            putenv ((char *) *e);
        execv (argv[0], (char *const *) argv);
        fprintf (stderr, "testlib: cannot exec %s: %s\n", argv[0], strerror (errno));
        _exit (127);
    }
    free (argv);
    free (bin);
    if (pid < 0)
        return -1;
    log->pid = pid;
    if (tl_wait_ready (log->log_ep, 10000) != 0) {
        tl_log_kill9 (log);
        return -1;
    }
    return 0;
}

static void s_endpoints (tl_log_t *log, bool use_tcp)
{
    if (use_tcp) {
        snprintf (log->log_ep, sizeof log->log_ep, "tcp://127.0.0.1:%d", tl_free_port ());
        snprintf (log->pub_ep, sizeof log->pub_ep, "tcp://127.0.0.1:%d", tl_free_port ());
    } else {
        snprintf (log->log_ep, sizeof log->log_ep, "ipc://%s/log.sock", log->dir);
        snprintf (log->pub_ep, sizeof log->pub_ep, "ipc://%s/pub.sock", log->dir);
    }
    snprintf (log->stderr_path, sizeof log->stderr_path, "%s/stderr.log", log->dir);
}

int tl_log_start_wrapped (tl_log_t *log, bool use_tcp, const char *const *extra_env,
                          const char *const *wrapper)
{
    memset (log, 0, sizeof *log);
    char *dir = tl_tmpdir ("log");
    if (!dir)
        return -1;
    snprintf (log->dir, sizeof log->dir, "%s", dir);
    free (dir);
    s_endpoints (log, use_tcp);
    return s_spawn (log, extra_env, wrapper);
}

int tl_log_start (tl_log_t *log, bool use_tcp, const char *const *extra_env)
{
    return tl_log_start_wrapped (log, use_tcp, extra_env, NULL);
}

int tl_log_start_in (tl_log_t *log, const char *dir, bool use_tcp, const char *const *extra_env)
{
    memset (log, 0, sizeof *log);
    if (strlen (dir) >= sizeof log->dir - 20)
        return -1;
    snprintf (log->dir, sizeof log->dir, "%s", dir);
    s_endpoints (log, use_tcp);
    return s_spawn (log, extra_env, NULL);
}

int tl_log_restart (tl_log_t *log, const char *const *extra_env)
{
    return s_spawn (log, extra_env, NULL);
}

int tl_log_restart_wrapped (tl_log_t *log, const char *const *extra_env, const char *const *wrapper)
{
    return s_spawn (log, extra_env, wrapper);
}

static void s_stop (tl_log_t *log, int sig)
{
    if (log->pid <= 0)
        return;
    kill (log->pid, sig);
    int status;
    waitpid (log->pid, &status, 0);
    log->pid = 0;
}

void tl_log_stop (tl_log_t *log)
{
    s_stop (log, SIGTERM);
}

void tl_log_kill9 (tl_log_t *log)
{
    s_stop (log, SIGKILL);
}

void tl_log_cleanup (tl_log_t *log)
{
    tl_log_kill9 (log);
    if (log->dir[0] && !getenv ("DBK_KEEP_TMP"))
        tl_rmtree (log->dir);
}

void tl_event (dbk_event_t *ev, const char *type, uint64_t n, const char *note, dbk_wr_t *buf)
{
    memset (ev, 0, sizeof *ev);
    dbk_uuid_v7 (ev->id);
    ev->type = type;
    ev->type_len = strlen (type);
    ev->actor = "test";
    ev->actor_len = 4;
    ev->at = INT64_MIN;
    ev->schema = 1;
    dbk_wr_reset (buf);
    dbk_wr_map (buf, 2);
    dbk_wr_kv_u64 (buf, "n", n);
    dbk_wr_kv_cstr (buf, "note", note ? note : "");
    ev->data_raw = dbk_wr_data (buf);
    ev->data_raw_len = dbk_wr_size (buf);
}

int64_t tl_head (dbk_client_t *c)
{
    uint64_t h;
    return dbk_client_head (c, &h) == 0 ? (int64_t) h : -1;
}

int tl_verify (dbk_client_t *c, uint64_t *bad_seq)
{
    dbk_client_begin (c, "VERIFY", 0);
    dbk_doc_t *reply = NULL;
    int result = -1;
    bool valid;
    if (dbk_client_call (c, &reply) == 0 &&
        dbk_obj_bool (dbk_obj_get (dbk_doc_root (reply), "valid"), &valid) == 0) {
        result = valid;
        if (bad_seq)
            dbk_obj_u64 (dbk_obj_get (dbk_doc_root (reply), "bad_seq"), bad_seq);
    }
    dbk_doc_destroy (&reply);
    return result;
}

long tl_read_all (dbk_client_t *c, tl_rec_t **recs_p)
{
    *recs_p = NULL;
    size_t n = 0, cap = 0;
    tl_rec_t *recs = NULL;
    uint64_t from = 1;
    while (true) {
        dbk_read_t rq = {.from = from, .limit = 1000};
        dbk_doc_t *reply = NULL;
        dbk_page_t page;
        if (dbk_client_read (c, &rq, &reply, &page) != 0)
            goto fail;
        for (size_t i = 0; i < page.count; i++) {
            dbk_event_t ev;
            const uint8_t *raw;
            size_t len;
            if (dbk_page_record (&page, i, &raw, &len) || dbk_event_decode_record (raw, len, &ev) ||
                ev.stream_len > DBK_STREAM_MAX || ev.type_len > DBK_TYPE_MAX) {
                dbk_doc_destroy (&reply);
                goto fail;
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                tl_rec_t *more = realloc (recs, cap * sizeof *recs);
                if (!more) {
                    dbk_doc_destroy (&reply);
                    goto fail;
                }
                recs = more;
            }
            tl_rec_t *r = &recs[n];
            memset (r, 0, sizeof *r);
            r->seq = ev.seq;
            r->ver = ev.ver;
            r->ts = ev.ts;
            memcpy (r->id, ev.id, DBK_ID_SIZE);
            memcpy (r->stream, ev.stream, ev.stream_len);
            memcpy (r->type, ev.type, ev.type_len);
            r->rec = malloc (len);
            if (!r->rec) {
                dbk_doc_destroy (&reply);
                goto fail;
            }
            memcpy (r->rec, raw, len);
            r->rec_len = len;
            n++;
        }
        uint64_t last = page.last, head = page.head;
        size_t count = page.count;
        dbk_doc_destroy (&reply);
        if (count == 0 || last >= head)
            break;
        if (last < from)
            goto fail; /* the page does not move on: the answer is wrong */
        from = last + 1;
    }
    *recs_p = recs;
    return (long) n;
fail:
    tl_recs_free (&recs, n);
    return -1;
}

void tl_recs_free (tl_rec_t **recs_p, size_t n)
{
    if (!recs_p || !*recs_p)
        return;
    for (size_t i = 0; i < n; i++)
        free ((*recs_p)[i].rec);
    free (*recs_p);
    *recs_p = NULL;
}

int tl_svc_config (dbk_config_t *cfg, const tl_log_t *log, const char *dir, int timeout_ms)
{
    if (dbk_config_load (cfg, NULL, 0) != 0 || strlen (log->log_ep) >= DBK_ENDPOINT_MAX ||
        strlen (log->pub_ep) >= DBK_ENDPOINT_MAX)
        return -1;
    snprintf (cfg->data_dir, sizeof cfg->data_dir, "%s", dir);
    memcpy (cfg->log_endpoint, log->log_ep, strlen (log->log_ep) + 1);
    memcpy (cfg->pub_endpoint, log->pub_ep, strlen (log->pub_ep) + 1);
    cfg->timeout_ms = timeout_ms;
    cfg->durable = false;
    cfg->log_level = DBK_LOG_ERROR;
    return 0;
}

zactor_t *tl_svc_start (zactor_fn *fn, dbk_config_t *cfg, char *ep, size_t epsz)
{
    zactor_t *svc = zactor_new (fn, cfg);
    if (!svc)
        return NULL;
    char *ready = zstr_recv (svc);
    if (!ready || strcmp (ready, "READY") != 0) {
        fprintf (stderr, "the service did not start: %s\n", ready ? ready : "(nothing)");
        zstr_free (&ready);
        zactor_destroy (&svc);
        return NULL;
    }
    zstr_free (&ready);
    zstr_send (svc, "ENDPOINT");
    char *e = zstr_recv (svc);
    if (!e) {
        zactor_destroy (&svc);
        return NULL;
    }
    snprintf (ep, epsz, "%s", e);
    zstr_free (&e);
    return svc;
}

int tl_svc_count (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *db, const char *key, dbk_wr_t *w)
{
    MDB_stat st;
    if (mdb_stat (txn, dbk_svc_dbi (ctx, db), &st))
        return DBK_EIO;
    dbk_wr_map (w, 1);
    dbk_wr_kv_u64 (w, key, st.ms_entries);
    return 0;
}
