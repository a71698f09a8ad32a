/*  testlib.c - process and directory helpers for the test suites. */
#include "testlib.h"

#include "dealbook/dbk_proto.h"

#include <arpa/inet.h>
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int s_spawn (tl_log_t *log, const char *const *extra_env)
{
    char *bin = tl_bin ("dealbook-eventlog");
    pid_t pid = fork ();
    if (pid == 0) {
        int fd = open (log->stderr_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2 (fd, 2);
            close (fd);
        }
        setenv ("DEALBOOK_DATA_DIR", log->dir, 1);
        setenv ("DEALBOOK_LOG_ENDPOINT", log->log_ep, 1);
        setenv ("DEALBOOK_PUB_ENDPOINT", log->pub_ep, 1);
        setenv ("DEALBOOK_LOG_LEVEL", "info", 1);
        for (const char *const *e = extra_env; e && *e; e++)
            putenv ((char *) *e);
        execl (bin, bin, (char *) NULL);
        fprintf (stderr, "testlib: cannot exec %s: %s\n", bin, strerror (errno));
        _exit (127);
    }
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

int tl_log_start (tl_log_t *log, bool use_tcp, const char *const *extra_env)
{
    memset (log, 0, sizeof *log);
    char *dir = tl_tmpdir ("log");
    if (!dir)
        return -1;
    snprintf (log->dir, sizeof log->dir, "%s", dir);
    free (dir);
    if (use_tcp) {
        snprintf (log->log_ep, sizeof log->log_ep, "tcp://127.0.0.1:%d", tl_free_port ());
        snprintf (log->pub_ep, sizeof log->pub_ep, "tcp://127.0.0.1:%d", tl_free_port ());
    } else {
        snprintf (log->log_ep, sizeof log->log_ep, "ipc://%s/log.sock", log->dir);
        snprintf (log->pub_ep, sizeof log->pub_ep, "ipc://%s/pub.sock", log->dir);
    }
    snprintf (log->stderr_path, sizeof log->stderr_path, "%s/stderr.log", log->dir);
    return s_spawn (log, extra_env);
}

int tl_log_restart (tl_log_t *log, const char *const *extra_env)
{
    return s_spawn (log, extra_env);
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
    dbk_client_begin (c, "STATUS", 0);
    dbk_doc_t *reply = NULL;
    int64_t head = -1;
    uint64_t h;
    if (dbk_client_call (c, &reply) == 0 &&
        dbk_obj_u64 (dbk_obj_get (dbk_doc_root (reply), "head"), &h) == 0)
        head = (int64_t) h;
    dbk_doc_destroy (&reply);
    return head;
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
