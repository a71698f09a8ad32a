/*  testlib.h - what the test suites share: temporary directories, real
    dealbook processes started and stopped (kill -9 included), and waiting
    for a service to answer instead of sleeping.
*/
#ifndef TESTLIB_H
#define TESTLIB_H

#include "dealbook/dbk_client.h"
#include "dealbook/dbk_config.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_service.h"

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*  TESTLIB_ASAN: built with AddressSanitizer (tests of glibc's own heap
    or of resource limits that ASan's shadow memory upsets skip then). */
#if defined(__SANITIZE_ADDRESS__)
#define TESTLIB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TESTLIB_ASAN 1
#endif
#endif

/*  A fresh directory under $TMPDIR (or /tmp), removed by tl_rmtree. The
    string is the caller's (free). */
char *tl_tmpdir (const char *tag);
void tl_rmtree (const char *dir);

/*  Path of a built binary: $DBK_BIN_DIR/<name> (the test runner sets
    DBK_BIN_DIR to the build's bin directory) or <helpers dir>/<name> for
    test helpers (DBK_TEST_BIN_DIR). Static storage per call site is not
    kept: the result is the caller's (free). */
char *tl_bin (const char *name);
char *tl_helper (const char *name);

/*  A running dealbook-eventlog process. */
typedef struct {
    pid_t pid;             /* the process                      */
    char dir[512];         /* its data directory               */
    char log_ep[600];      /* its ROUTER endpoint (ipc or tcp) */
    char pub_ep[600];      /* its PUB endpoint                 */
    char stderr_path[600]; /* where its stderr goes            */
} tl_log_t;

/*  Start dealbook-eventlog on a new temp data dir with ipc endpoints in
    that dir (use_tcp: tcp://127.0.0.1 on free ports instead). extra_env
    is a NULL-terminated list of "NAME=value" strings or NULL. Waits until
    it answers STATUS (up to 10 s). Returns 0 or -1. The log's stdout and
    stderr go to stderr_path, and it is killed (SIGKILL) if the process
    that started it dies, so a failed test leaves no log running. */
int tl_log_start (tl_log_t *log, bool use_tcp, const char *const *extra_env);

/*  Restart a stopped log on the same directory and endpoints. */
int tl_log_restart (tl_log_t *log, const char *const *extra_env);

/*  Same as tl_log_start / tl_log_restart, but exec the log through a
    wrapper command: `wrapper` is a NULL-terminated argv prefix (e.g.
    {"/path/to/fsize_exec", "1048576", NULL}) to which the eventlog
    binary's path is appended. NULL wrapper: exec the log directly. */
int tl_log_start_wrapped (tl_log_t *log, bool use_tcp, const char *const *extra_env,
                          const char *const *wrapper);
int tl_log_restart_wrapped (tl_log_t *log, const char *const *extra_env,
                            const char *const *wrapper);

/*  Start a log on an existing data directory `dir` (e.g. one that holds a
    backup in dir/eventlog), with ipc endpoints inside it (or tcp).
    tl_log_cleanup removes `dir`. Returns 0 or -1. */
int tl_log_start_in (tl_log_t *log, const char *dir, bool use_tcp, const char *const *extra_env);

/*  One stored record read back, with the fields the tests check and a
    copy of its bytes. */
typedef struct {
    uint64_t seq;                    /* global position            */
    uint64_t ver;                    /* position in its stream     */
    int64_t ts;                      /* recorded time              */
    uint8_t id[DBK_ID_SIZE];         /* event id                   */
    char stream[DBK_STREAM_MAX + 1]; /* NUL-terminated stream name */
    char type[DBK_TYPE_MAX + 1];     /* NUL-terminated type        */
    uint8_t *rec;                    /* the record's bytes (owned) */
    size_t rec_len;                  /* bytes of rec               */
} tl_rec_t;

/*  READ every event from seq 1 up to the head, page by page. On success
    returns the count and *recs_p (free with tl_recs_free); -1 if a READ
    fails, a record does not decode, or a page's "last" does not move on. */
long tl_read_all (dbk_client_t *c, tl_rec_t **recs_p);
void tl_recs_free (tl_rec_t **recs_p, size_t n);

/*  SIGTERM and wait (clean stop), or SIGKILL and wait. */
void tl_log_stop (tl_log_t *log);
void tl_log_kill9 (tl_log_t *log);

/*  Stop (if running) and remove the data directory. */
void tl_log_cleanup (tl_log_t *log);

/*  Is the process still alive (not exited)? */
bool tl_alive (pid_t pid);

/*  Wait until the ROUTER at endpoint answers STATUS, up to timeout_ms.
    Returns 0 or -1. */
int tl_wait_ready (const char *endpoint, int timeout_ms);

/*  A proposed event with a fresh id, the given type and a small payload
    {"n": n, "note": note}. Views point into `buf` (the caller's writer
    that must outlive the event). */
void tl_event (dbk_event_t *ev, const char *type, uint64_t n, const char *note, dbk_wr_t *buf);

/*  STATUS's head through a client, or -1 on failure. */
int64_t tl_head (dbk_client_t *c);

/*  Run VERIFY; returns 1 valid, 0 invalid (bad seq in *bad_seq), -1 error. */
int tl_verify (dbk_client_t *c, uint64_t *bad_seq);

/*  A free TCP port on 127.0.0.1 (bound then released), below the
    kernel's ephemeral range; -1 if none was found. */
int tl_free_port (void);

/*  A domain service (dbk_service.h) run as an actor of the test process.
    tl_svc_config: its configuration, loaded from the defaults, with its
    data under `dir`, following `log`, not durable, logging errors only,
    with this client timeout; 0 or -1 if the log's endpoints do not fit.
    tl_svc_start: start `fn` with cfg (kept by the caller while the actor
    runs), wait for READY, and put its ROUTER endpoint into ep; NULL (and
    why on stderr) if it did not start. */
int tl_svc_config (dbk_config_t *cfg, const tl_log_t *log, const char *dir, int timeout_ms);
zactor_t *tl_svc_start (zactor_fn *fn, dbk_config_t *cfg, char *ep, size_t epsz);

/*  A test service's answer {key: the entries of its database db}, into w
    (its STATUS part, or a query's reply). 0 or DBK_EIO. */
int tl_svc_count (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *db, const char *key, dbk_wr_t *w);

#endif
