/*  eventlog_jobs.c - VERIFY and BACKUP in their own threads. */
#include "eventlog_jobs.h"

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"

#include <czmq.h>
#include <errno.h>

typedef struct {
    eventlog_store_t *store;    /* shared env: LMDB allows readers in threads */
    char path[1024];            /* backup target, or "" for verify           */
    _Atomic uint64_t *progress; /* records checked so far (the caller's)  */
} s_args_t;

static void s_job_actor (void *pipe, void *args_)
{
    s_args_t *args = args_;
    zsock_signal (pipe, 0);
    eventlog_verify_t r = {0};
    int rc = 0;
    if (args->path[0]) {
        rc = eventlog_store_backup (args->store, args->path, r.why, sizeof r.why);
        if (!rc) {
            rc = eventlog_verify_dir (args->path, &r, args->progress);
            if (rc == DBK_ECORRUPT) {
                char why[sizeof r.why];
                snprintf (why, sizeof why, "the copy does not verify: %.260s", r.why);
                memcpy (r.why, why, sizeof why);
            }
        }
    } else
        rc = eventlog_store_verify (args->store, &r, args->progress);
    free (args);
    /*  the result travels as a small msgpack map: rc, checked, bad, hash, why */
    dbk_wr_t *w = dbk_wr_new ();
    if (w) {
        dbk_wr_map (w, 5);
        dbk_wr_kv_i64 (w, "rc", rc);
        dbk_wr_kv_u64 (w, "checked", r.checked);
        dbk_wr_kv_u64 (w, "bad_seq", r.bad_seq);
        dbk_wr_cstr (w, "hash");
        dbk_wr_bin (w, r.hash, DBK_HASH_SIZE);
        dbk_wr_kv_cstr (w, "why", r.why);
        zframe_t *f = zframe_new (dbk_wr_data (w), dbk_wr_size (w));
        zframe_send (&f, pipe, 0);
        dbk_wr_destroy (&w);
    } else
        zframe_send (&(zframe_t *){zframe_new_empty ()}, pipe, 0);
    /*  wait for $TERM from dbk_actor_destroy */
    while (true) {
        char *cmd = zstr_recv (pipe);
        bool term = !cmd || streq (cmd, "$TERM");
        zstr_free (&cmd);
        if (term)
            break;
    }
}

dbk_actor_t *eventlog_job_start (eventlog_store_t *store, const char *path, size_t path_len,
                                 _Atomic uint64_t *progress)
{
    s_args_t *args = calloc (1, sizeof *args);
    if (!args || (path && path_len >= sizeof args->path)) {
        int err = args ? ENAMETOOLONG : ENOMEM; /* args is not read once freed */
        free (args);
        errno = err;
        return NULL;
    }
    args->store = store;
    args->progress = progress;
    if (path)
        memcpy (args->path, path, path_len);
    dbk_actor_t *job = dbk_actor_new (s_job_actor, args);
    if (!job) {
        int err = errno;
        free (args); /* the thread never ran: it did not take them */
        errno = err;
    }
    return job;
}

void eventlog_job_result (dbk_actor_t *job, eventlog_job_result_t *r)
{
    memset (r, 0, sizeof *r);
    r->rc = DBK_EIO; /* an unreadable result is a failed job */
    zframe_t *f = zframe_recv (dbk_actor_pipe (job));
    dbk_doc_t *doc = NULL;
    if (f && dbk_doc_parse (zframe_data (f), zframe_size (f), &doc) == 0) {
        const dbk_obj_t *root = dbk_doc_root (doc);
        int64_t rc = DBK_EIO;
        const char *why = "";
        size_t why_len = 0;
        dbk_obj_i64 (dbk_obj_get (root, "rc"), &rc);
        dbk_obj_u64 (dbk_obj_get (root, "checked"), &r->checked);
        dbk_obj_u64 (dbk_obj_get (root, "bad_seq"), &r->bad_seq);
        dbk_obj_str (dbk_obj_get (root, "why"), &why, &why_len);
        const uint8_t *hash;
        size_t hash_len;
        if (dbk_obj_bin (dbk_obj_get (root, "hash"), &hash, &hash_len) == 0 &&
            hash_len == DBK_HASH_SIZE)
            memcpy (r->hash, hash, DBK_HASH_SIZE);
        r->rc = (int) rc;
        snprintf (r->why, sizeof r->why, "%.*s", (int) why_len, why);
    }
    zframe_destroy (&f);
    dbk_doc_destroy (&doc);
}
