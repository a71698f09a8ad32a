/*  dbk_svc_unsure.c - an APPEND of the service shell that the event log
    did not answer in time, kept until the log says whether it is stored.

    Commands and reactions are decided on a model that holds every event
    the shell appended before (dbk_svci_unapplied), so that rules reading
    beyond the streams written (a unique account name, a registration in
    conflict with another owner's) hold. An APPEND without an answer
    breaks that: the shell cannot tell whether it is stored. It may well
    be, later: a log that is slow (a long commit) or stopped still holds
    it, and libzmq hands a ROUTER the messages a peer sent before it went
    away (the socket's end of the pipe reads what is pending before it
    terminates), so closing our socket does not take the request back.
    Deciding the next command then could append a second account of the
    same name.

    So the shell decides nothing until it knows. It sends the same bytes
    again (same event ids, same expected versions, same rid: an answer to
    any copy will do) on its client's socket, at once, then timeout_ms
    later, and less often while it lasts (8 x timeout_ms apart at most);
    the socket is polled in the loop, so queries, after_seq and the
    projection go on meanwhile. The log settles it with an answer to any
    copy:

      - OK, fresh or duplicate (it looks the ids up before checking
        versions, so whichever copy came first is stored and every other
        answers duplicate with its positions): stored; its last seq is
        this shell's own last append, applied before the next decision;
      - WRONG_EXPECTED_VERSION: a stream was not at the version the
        decision was based on, and never will be again (a stream only
        grows, and the shell states exact versions or "none": a copy
        judged later is refused too; only "exists", which no service
        states, could come to hold); a validation error (INVALID,
        TOO_LARGE, ID_CONFLICT) refuses every copy alike: not stored;
      - anything else (DISK_FULL, STORAGE, NO_MEMORY, BUSY, ...) refuses
        this copy, but an earlier one may still be committed: sent again.

    The command whose APPEND went unanswered was answered UNREACHABLE;
    its client retries with the same command id, which waits like any
    command and then finds the events (duplicate) or decides anew.

    It is kept across a restart too: a service stopped or killed while
    the log holds its APPEND would otherwise start again, decide on a
    model without those events, and the log could commit them later. So
    the APPEND is also written, durably, to a file `unsure` in the
    service's directory when it is kept, and removed once the log has
    settled it; a service that starts with the file sends it again and
    decides nothing until the log settles it (dbk_svci_unsure_load).
*/
#include "dbk_svc_internal.h"

#include "dealbook/dbk_config.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct dbk_svci_unsure {
    uint8_t *body;      /* the APPEND as first sent, its rid included */
    size_t len;         /* its bytes */
    uint64_t rid;       /* its rid: the log's answer to any copy has it */
    int64_t since;      /* mono ms when it went unanswered */
    int64_t due;        /* mono ms of the next send */
    unsigned sends;     /* copies sent since */
    int last;           /* the last answer that settled nothing (0: none) */
    char last_msg[200]; /* ... its message */
};

bool dbk_svci_unsure (const dbk_svci_t *self)
{
    return self->unsure != NULL;
}

int64_t dbk_svci_unsure_due (const dbk_svci_t *self)
{
    return self->unsure ? self->unsure->due : 0;
}

/*  ---- the file that keeps it across a restart ---- */

/*  The service's directory into dir, and the file's path into path. */
static bool s_paths (const dbk_svci_t *self, char *dir, size_t dirsz, char *path, size_t pathsz,
                     const char *name)
{
    if (dbk_config_service_dir (&self->cfg, self->def->name, dir, dirsz) != 0)
        return false;
    int n = snprintf (path, pathsz, "%s/%s", dir, name);
    return n > 0 && (size_t) n < pathsz;
}

/*  Write the APPEND to `unsure`, durably: a new file synced, renamed
    over the old one, and the directory synced. A failure is logged: the
    APPEND is still sent again while the service runs. */
static bool s_save (dbk_svci_t *self)
{
    const struct dbk_svci_unsure *u = self->unsure;
    char dir[1100], tmp[1200], path[1200];
    if (!s_paths (self, dir, sizeof dir, tmp, sizeof tmp, "unsure.tmp") ||
        !s_paths (self, dir, sizeof dir, path, sizeof path, "unsure")) {
        dbk_logf (&self->log, DBK_LOG_ERROR, "the data directory's name is too long");
        return false;
    }
    int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool done = fd >= 0 && write (fd, u->body, u->len) == (ssize_t) u->len && fsync (fd) == 0;
    int err = errno;
    if (fd >= 0)
        close (fd);
    if (done && (rename (tmp, path) != 0 || dbk_fsync_path (dir) != 0)) {
        done = false;
        err = errno;
    }
    if (!done) {
        unlink (tmp);
        dbk_logf (&self->log, DBK_LOG_ERROR,
                  "cannot write %s (%s): the APPEND the event log has not answered is sent "
                  "again while the service runs, but is forgotten if it stops before the log "
                  "answers",
                  path, strerror (err));
    }
    return done;
}

/*  The log settled it: the file goes. */
static void s_forget (dbk_svci_t *self)
{
    char dir[1100], path[1200];
    if (s_paths (self, dir, sizeof dir, path, sizeof path, "unsure") && unlink (path) != 0 &&
        errno != ENOENT)
        dbk_logf (&self->log, DBK_LOG_ERROR, "cannot remove %s (%s): it is sent again at start",
                  path, strerror (errno));
}

static struct dbk_svci_unsure *s_new (const void *body, size_t len, uint64_t rid)
{
    struct dbk_svci_unsure *u = calloc (1, sizeof *u);
    if (u)
        u->body = malloc (len ? len : 1);
    if (!u || !u->body) {
        free (u);
        return NULL;
    }
    memcpy (u->body, body, len);
    u->len = len;
    u->rid = rid;
    u->since = u->due = zclock_mono (); /* again at once */
    return u;
}

int dbk_svci_unsure_load (dbk_svci_t *self, bool opened, char *why, size_t whysz)
{
    char dir[1100], path[1200];
    if (opened) {
        if (!self->unsure)
            return 0;
        dbk_logf (&self->log, DBK_LOG_WARNING,
                  "the event log had not answered an APPEND when the service stopped: sending "
                  "it again until it answers; commands wait for that");
        s_save (self); /* where the directory is now */
        return 0;
    }
    if (!s_paths (self, dir, sizeof dir, path, sizeof path, "unsure")) {
        snprintf (why, whysz, "data directory name too long");
        return DBK_ETOOBIG;
    }
    /*  a file that is there but cannot be read holds an APPEND the log
        may still commit: deciding without it could break the rules it
        was decided under, so the service does not start */
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return 0;
    struct stat st;
    uint8_t *body = NULL;
    int err = 0;
    if (fd < 0 || fstat (fd, &st) != 0)
        err = errno;
    else if (st.st_size > 0 && st.st_size <= DBK_FRAME_MAX &&
             !(body = malloc ((size_t) st.st_size)))
        err = ENOMEM;
    else if (body && read (fd, body, (size_t) st.st_size) != st.st_size)
        err = errno ? errno : EIO;
    if (fd >= 0)
        close (fd);
    if (err) {
        free (body);
        snprintf (why, whysz,
                  "cannot read %s (%s): it holds an APPEND the event log may not have settled; "
                  "fix what keeps it from being read (the service sends it again when it "
                  "starts)",
                  path, strerror (err));
        return err == ENOMEM ? DBK_ENOMEM : DBK_EIO;
    }
    dbk_doc_t *doc = NULL;
    uint64_t rid = 0;
    const dbk_obj_t *root;
    int rc = 0;
    if (!body || dbk_doc_parse (body, (size_t) st.st_size, &doc) != 0 ||
        !dbk_obj_str_eq (dbk_obj_get (root = dbk_doc_root (doc), "op"), "APPEND") ||
        dbk_obj_u64 (dbk_obj_get (root, "rid"), &rid) != 0) {
        /*  not an APPEND this shell wrote (a torn write is never renamed
            in): nothing to send; kept for the operator to look at */
        dbk_logf (&self->log, DBK_LOG_ERROR,
                  "%s holds no APPEND: ignored (renamed to unsure.bad); if the service "
                  "stopped while the event log had not answered one, its command may be "
                  "stored once the log goes on",
                  path);
        char bad[1200];
        if (s_paths (self, dir, sizeof dir, bad, sizeof bad, "unsure.bad"))
            rename (path, bad);
    } else if (!(self->unsure = s_new (body, (size_t) st.st_size, rid))) {
        snprintf (why, whysz, "cannot load %s: out of memory", path);
        rc = DBK_ENOMEM;
    }
    dbk_doc_destroy (&doc);
    free (body);
    return rc;
}

void dbk_svci_unsure_keep (dbk_svci_t *self, const dbk_wr_t *w, int rc)
{
    assert (!self->unsure); /* nothing is appended while one is unanswered */
    /*  sent again at once, on the new socket */
    struct dbk_svci_unsure *u =
        s_new (dbk_wr_data (w), dbk_wr_size (w), dbk_client_rid (self->client));
    if (!u) {
        dbk_logf (&self->log, DBK_LOG_ERROR,
                  "an APPEND the event log did not answer cannot be kept (out of memory): "
                  "commands go on without knowing whether it is stored");
        return;
    }
    self->unsure = u;
    if (rc == DBK_EINTERRUPTED)
        return; /* the service stops: dbk_svci_unsure_free writes it */
    s_save (self);
    if (rc == DBK_EMALFORMED)
        dbk_logf (&self->log, DBK_LOG_WARNING,
                  "the event log answered an APPEND OK with positions that cannot be read: "
                  "sending it again until it answers readably; commands wait for that");
    else if (rc == DBK_EIO)
        dbk_logf (&self->log, DBK_LOG_WARNING,
                  "the event log failed to store an APPEND (STORAGE), whose events may still "
                  "show: sending it again until it answers; commands wait for that");
    else
        dbk_logf (&self->log, DBK_LOG_WARNING,
                  "the event log did not answer an APPEND in %d ms: sending it again until it "
                  "answers; commands wait for that",
                  self->cfg.timeout_ms);
}

void dbk_svci_unsure_why (const dbk_svci_t *self, char *out, size_t size)
{
    const struct dbk_svci_unsure *u = self->unsure;
    if (!u)
        return;
    int n = snprintf (out, size,
                      "the event log has not said whether it stored this service's APPEND of %lld "
                      "ms ago (sent again %u times), and commands are decided only once it has",
                      (long long) (zclock_mono () - u->since), u->sends);
    if (u->last && n > 0 && (size_t) n < size)
        snprintf (out + n, size - (size_t) n, " (it last answered %s: %s)",
                  dbk_err_wire_name (u->last), u->last_msg);
}

static void s_free (dbk_svci_t *self)
{
    free (self->unsure->body);
    free (self->unsure);
    self->unsure = NULL;
}

void dbk_svci_unsure_free (dbk_svci_t *self)
{
    if (!self->unsure)
        return;
    /*  written again (it may not be there: a start that set the model's
        directory aside and failed, or an APPEND still on its way), while
        the directory is this process's */
    bool kept = self->lock_fd >= 0 && s_save (self);
    if (self->router) /* it served: not a start that failed */
        dbk_logf (&self->log, DBK_LOG_WARNING,
                  "stopping while the event log has not answered an APPEND: its events may "
                  "still be stored; %s",
                  kept ? "it is sent again when the service starts"
                       : "it could not be kept for the next start (above): retry the commands "
                         "answered UNREACHABLE or STORAGE with their command ids");
    s_free (self);
}

/*  The log settled it. */
static void s_settled (dbk_svci_t *self)
{
    s_free (self);
    s_forget (self);
}

/*  The log's answer (root): settle the APPEND, or note why not. */
static void s_answer (dbk_svci_t *self, const dbk_obj_t *root, int rc, const char *m, size_t mlen)
{
    struct dbk_svci_unsure *u = self->unsure;
    long long ms = (long long) (zclock_mono () - u->since);
    if (rc == 0) {
        uint64_t first = UINT64_MAX, last = 0, fs, ls;
        const dbk_obj_t *results = dbk_obj_get (root, "results");
        for (size_t j = 0; j < dbk_obj_len (results); j++)
            if (!dbk_obj_u64 (dbk_obj_get (dbk_obj_at (results, j), "first_seq"), &fs) &&
                !dbk_obj_u64 (dbk_obj_get (dbk_obj_at (results, j), "last_seq"), &ls)) {
                first = fs < first ? fs : first;
                last = ls > last ? ls : last;
            }
        if (!last && dbk_obj_u64 (dbk_obj_get (root, "head"), &last))
            last = dbk_svci_head (self); /* unreadable: at least wait for the head */
        dbk_svci_appended (self, last);
        dbk_logf (&self->log, DBK_LOG_INFO,
                  "the APPEND the event log did not answer is stored (seq %llu..%llu), said "
                  "after %lld ms: commands go on",
                  first == UINT64_MAX ? 0ULL : (unsigned long long) first,
                  (unsigned long long) last, ms);
        s_settled (self);
    } else if (rc == DBK_ECONFLICT || rc == DBK_EINVAL || rc == DBK_ETOOBIG ||
               rc == DBK_EIDCONFLICT) {
        dbk_logf (&self->log, DBK_LOG_WARNING,
                  "the APPEND the event log did not answer is refused (%s: %.*s), said after "
                  "%lld ms: none of its events is stored; commands go on",
                  dbk_err_wire_name (rc), (int) (mlen > 300 ? 300 : mlen), m, ms);
        s_settled (self);
    } else {
        if (rc != u->last)
            dbk_logf (&self->log, DBK_LOG_WARNING,
                      "the APPEND the event log did not answer is refused for now (%s: %.*s): "
                      "an earlier copy may still be stored; sending it again",
                      dbk_err_wire_name (rc), (int) (mlen > 300 ? 300 : mlen), m);
        u->last = rc;
        snprintf (u->last_msg, sizeof u->last_msg, "%.*s", (int) (mlen > 190 ? 190 : mlen), m);
    }
}

void dbk_svci_unsure_poll (dbk_svci_t *self)
{
    zmsg_t *msg;
    while (self->unsure && (msg = dbk_client_recv_now (self->client))) {
        zframe_t *body = zmsg_last (msg);
        dbk_doc_t *doc = NULL;
        uint64_t rid = 0;
        const char *m = "";
        size_t mlen = 0;
        if (body && dbk_doc_parse (zframe_data (body), zframe_size (body), &doc) == 0) {
            const dbk_obj_t *root = dbk_doc_root (doc);
            int rc = dbk_proto_reply_status (root, &rid, &m, &mlen);
            if (rc != DBK_EMALFORMED && rid == self->unsure->rid)
                s_answer (self, root, rc, m, mlen);
            /*  else the late answer to an earlier request: dropped */
        }
        dbk_doc_destroy (&doc);
        zmsg_destroy (&msg);
    }
    struct dbk_svci_unsure *u = self->unsure;
    int64_t now = zclock_mono ();
    if (!u || now < u->due)
        return;
    /*  not sent when the socket cannot take it now (its queue full): the
        copies it holds will do, or the next one. Copies wait in its queue
        while the log is down: sent less often as it stays so (up to 8 x
        timeout_ms apart), so that a log back after an hour finds a few
        hundred, not thousands */
    if (zmq_send (zsock_resolve (dbk_client_socket (self->client)), u->body, u->len,
                  ZMQ_DONTWAIT) >= 0)
        u->sends++;
    unsigned shift = u->sends < 1 ? 0 : u->sends > 4 ? 3 : u->sends - 1;
    u->due = now + ((int64_t) self->cfg.timeout_ms << shift);
}
