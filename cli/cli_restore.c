/*  cli_restore.c - dealbook restore: a backup into a stopped data
    directory (docs/operations.md "Backup and restore"): verify the backup
    here, copy it into the data directory's eventlog/, and drop the read
    models so that they replay it; restore --check DIR: the verification
    alone, of a backup at rest. Its help is cli_ops_help's.
*/
#include "cli.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_lmdb.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*  The subdirectories of a data directory: the log, then the read models
    (restore removes these). */
static const char *const s_dirs[] = {"eventlog", "contacts",    "opportunities",
                                     "bidding",  "forecasting", NULL};
static const char *const *const s_models = s_dirs + 1;

/*  dir/name into out; false if it does not fit (restore checks the
    lengths of its directories first). */
static bool s_path (char *out, size_t outsz, const char *dir, const char *name)
{
    size_t a = strlen (dir), b = strlen (name);
    if (a + 1 + b >= outsz) {
        *out = 0;
        return false;
    }
    memcpy (out, dir, a);
    out[a] = '/';
    memcpy (out + a + 1, name, b + 1);
    return true;
}

/*  Open a log directory read-only without touching it (no lock file),
    refusing a data file cut short before LMDB reads past its end
    (dbk_lmdb_open_copy; why receives the sentence). */
static int s_open_log (const char *dir, MDB_env **env, char *why, size_t whysz)
{
    return dbk_lmdb_open_copy (env, dir, 8, why, whysz);
}

/*  Walk the events table of a log (seq u64 BE -> record, see
    services/eventlog/eventlog_store.h) as the log's VERIFY does: keys
    from 1 without a gap, every record decodes, the chain holds
    (dbk_lmdb_verify_log, the walk of the log's own VERIFY). last = the
    hash of the last record. */
static int s_walk (MDB_env *env, uint64_t *checked, uint64_t *bad, const char **why,
                   uint8_t last[DBK_HASH_SIZE])
{
    *checked = *bad = 0;
    *why = "";
    memset (last, 0, DBK_HASH_SIZE);
    MDB_txn *txn;
    MDB_dbi dbi;
    int rc = mdb_txn_begin (env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return dbk_lmdb_err (rc);
    rc = mdb_dbi_open (txn, "events", 0, &dbi);
    if (rc) {
        mdb_txn_abort (txn);
        *why = "no events table: not a dealbook log";
        return DBK_ECORRUPT;
    }
    /*  committed, not aborted: an aborted transaction closes the handle */
    if ((rc = mdb_txn_commit (txn)))
        return dbk_lmdb_err (rc);
    return dbk_lmdb_verify_log (env, dbi, checked, bad, why, last, NULL);
}

/*  Open the backup in `dir` and walk it: 0 with *env_p (the caller's),
    its head and the hash of its last record; otherwise the exit code,
    the reason printed ("<what>: ...", then `tail`): 2 for a backup that
    is no whole log (cut short, not an LMDB file, a broken chain), 5 for
    one that cannot be read. */
static int s_verify (const char *what, const char *dir, const char *tail, MDB_env **env_p,
                     uint64_t *head, uint8_t hash[DBK_HASH_SIZE])
{
    char cut[PATH_MAX + 200];
    int rc = s_open_log (dir, env_p, cut, sizeof cut);
    if (rc && *cut)
        return cli_fail (CLI_REJECTED, "%s: the backup in %s is not whole: %s%s", what, dir, cut,
                         tail);
    if (rc)
        return cli_fail (CLI_REJECTED, "%s: %s cannot be opened as a log: %s%s", what, dir,
                         dbk_strerror (rc), tail);
    uint64_t bad = 0;
    const char *why = "";
    rc = s_walk (*env_p, head, &bad, &why, hash);
    if (rc) {
        mdb_env_close (*env_p);
        *env_p = NULL;
        if (rc == DBK_ECORRUPT)
            return cli_fail (CLI_REJECTED,
                             "%s: the backup in %s is INVALID at seq %llu: %s (%llu events before "
                             "it check out)%s",
                             what, dir, (unsigned long long) bad, why, (unsigned long long) *head,
                             tail);
        return cli_fail (CLI_FAILED, "%s: cannot read %s: %s", what, dir, dbk_strerror (rc));
    }
    return 0;
}

static bool s_exists (const char *path)
{
    struct stat sb;
    return stat (path, &sb) == 0;
}

/*  Take the lock of every directory of the data directory `data`, which
    the log and each service hold while they run (dbk_dir_lock): no
    process uses them, and none starts before the restore is done. A data
    directory that does not exist yet has no process in it. Returns 0 with
    the locks in fds (-1: none), or the exit code of the refusal. */
static int s_hold_dirs (const char *data, int fds[])
{
    for (int i = 0; s_dirs[i]; i++)
        fds[i] = -1;
    if (!s_exists (data))
        return 0;
    char sub[PATH_MAX], why[PATH_MAX + 64];
    for (int i = 0; s_dirs[i]; i++) {
        s_path (sub, sizeof sub, data, s_dirs[i]);
        int rc = dbk_dir_lock (sub, &fds[i], why, sizeof why);
        if (rc == DBK_EBUSY)
            return cli_fail (CLI_CONFLICT, "restore: %s: stop it first", why);
        if (rc)
            return cli_fail (CLI_FAILED, "restore: %s", why);
    }
    return 0;
}

static int s_rm_one (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void) sb;
    (void) flag;
    (void) ftw;
    return remove (path);
}

static int s_rm_tree (const char *path)
{
    struct stat sb;
    if (lstat (path, &sb) != 0)
        return errno == ENOENT ? 0 : -1;
    return nftw (path, s_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*  Copy the verified backup `env` into D/eventlog through a temporary
    directory renamed into place, and check the copy walks the same. */
static int s_install (MDB_env *env, const char *data, uint64_t head,
                      const uint8_t hash[DBK_HASH_SIZE])
{
    char tmp[PATH_MAX], dst[PATH_MAX], file[PATH_MAX + 16];
    char name[64];
    snprintf (name, sizeof name, ".eventlog.restore-%ld", (long) getpid ());
    s_path (tmp, sizeof tmp, data, name);
    s_path (dst, sizeof dst, data, "eventlog");
    s_path (file, sizeof file, tmp, "data.mdb");
    s_rm_tree (tmp);
    if (mkdir (data, 0755) && errno != EEXIST)
        return cli_fail (CLI_FAILED, "restore: cannot create %s: %s", data, strerror (errno));
    if (mkdir (tmp, 0755))
        return cli_fail (CLI_FAILED, "restore: cannot create %s: %s", tmp, strerror (errno));
    int rc = mdb_env_copy2 (env, tmp, MDB_CP_COMPACT);
    if (rc || dbk_fsync_path (file)) {
        int e = errno; /* before the removal sets it again */
        s_rm_tree (tmp);
        return cli_fail (CLI_FAILED, "restore: copying into %s failed: %s", tmp,
                         rc ? mdb_strerror (rc) : strerror (e));
    }
    MDB_env *copy = NULL;
    uint64_t checked = 0, bad = 0;
    const char *why = "";
    uint8_t last[DBK_HASH_SIZE];
    rc = s_open_log (tmp, &copy, NULL, 0);
    if (!rc)
        rc = s_walk (copy, &checked, &bad, &why, last);
    mdb_env_close (copy);
    if (rc || checked != head || memcmp (last, hash, DBK_HASH_SIZE)) {
        s_rm_tree (tmp);
        return cli_fail (CLI_FAILED, "restore: the copy in %s does not verify like the backup",
                         tmp);
    }
    /*  the copy takes the old log's place in one step: exchanged with it
        (the old one is then at tmp, removed after), so that at no moment
        D lacks a log; where the file system cannot exchange, the old log
        goes aside first (eventlog.replaced-<pid>, put back if the copy
        cannot take its place) */
    bool had = s_exists (dst);
    if (!had)
        rc = rename (tmp, dst);
    else if ((rc = renameat2 (AT_FDCWD, tmp, AT_FDCWD, dst, RENAME_EXCHANGE)) == 0)
        s_rm_tree (tmp);
    else if (errno == EINVAL || errno == ENOSYS) {
        char old[PATH_MAX + 32];
        snprintf (old, sizeof old, "%s.replaced-%ld", dst, (long) getpid ());
        if ((rc = rename (dst, old)) == 0 && (rc = rename (tmp, dst)) != 0) {
            int e = errno;
            rename (old, dst);
            errno = e;
        }
        if (rc == 0)
            s_rm_tree (old);
    }
    if (rc) {
        int e = errno;
        s_rm_tree (tmp);
        return cli_fail (CLI_FAILED, "restore: cannot move the copy to %s: %s", dst, strerror (e));
    }
    /*  the copy is in place: a directory sync that fails is said, the
        restore goes on (the read models must still go) */
    if (dbk_fsync_path (data))
        fprintf (stderr, "dealbook: restore: WARNING: syncing %s failed: %s\n", data,
                 strerror (errno));
    return 0;
}

/*  Refuse (exit 3) to replace the log `sub` without --force. */
static int s_refuse_existing (const char *sub, bool force)
{
    if (!force && s_exists (sub))
        return cli_fail (CLI_CONFLICT,
                         "restore: %s exists: add --force to replace that log (what it holds "
                         "beyond the backup is lost)",
                         sub);
    return 0;
}

/*  The hash of a log's record at `seq` (as the record holds it: the hash
    chain up to that record) into hash, or, with seq 0, its last record's
    seq into *seq and its hash (none: *seq 0). The log is a copy at rest:
    the backup, or the old log under the restore's lock. 0, DBK_ENOTFOUND
    when there is no such record, or a DBK code. */
static int s_record_hash (MDB_env *env, uint64_t *seq, uint8_t hash[DBK_HASH_SIZE])
{
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    MDB_val k, v;
    uint8_t key[8];
    int rc = mdb_txn_begin (env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return dbk_lmdb_err (rc);
    if ((rc = mdb_dbi_open (txn, "events", 0, &dbi)) == 0 &&
        (rc = mdb_cursor_open (txn, dbi, &cur)) == 0) {
        dbk_be64_put (key, *seq);
        k = (MDB_val){.mv_size = 8, .mv_data = key};
        rc = mdb_cursor_get (cur, &k, &v, *seq ? MDB_SET_KEY : MDB_LAST);
        dbk_event_t ev;
        if (rc == 0 && (k.mv_size != 8 || dbk_event_decode_record (v.mv_data, v.mv_size, &ev) ||
                        ev.seq != dbk_be64_get (k.mv_data)))
            rc = MDB_CORRUPTED;
        else if (rc == 0) {
            *seq = ev.seq;
            memcpy (hash, ev.hash, DBK_HASH_SIZE);
        } else if (rc == MDB_NOTFOUND && *seq == 0)
            rc = 0; /* a log without events */
        mdb_cursor_close (cur);
    }
    mdb_txn_abort (txn);
    return dbk_lmdb_err (rc);
}

/*  Whether the logs `a` and `b` hold the same record at `seq` (0: the
    empty history, always): each record's hash covers every record before
    it, so the same hash at seq means the same events up to it. */
static bool s_same_at (MDB_env *a, MDB_env *b, uint64_t seq)
{
    uint8_t ha[DBK_HASH_SIZE], hb[DBK_HASH_SIZE];
    uint64_t sa = seq, sb = seq;
    return seq == 0 || (s_record_hash (a, &sa, ha) == 0 && s_record_hash (b, &sb, hb) == 0 &&
                        memcmp (ha, hb, DBK_HASH_SIZE) == 0);
}

/*  How many events the old log `old` (head seq old_head) shares with the
    backup `bk` (head seq head) from seq 1: old_head when it is a prefix
    of the backup, else the last seq up to which both hold the same
    records, found by bisection (the same hash at a seq means the same up
    to it). A record that cannot be read counts as different. */
static uint64_t s_shared (MDB_env *old, uint64_t old_head, MDB_env *bk, uint64_t head)
{
    uint64_t hi = old_head < head ? old_head : head; /* the last seq both may share */
    if (s_same_at (old, bk, hi))
        return hi;
    uint64_t lo = 0; /* same up to lo, not at hi */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (s_same_at (old, bk, mid))
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/*  One line on stderr: what --force replaces, the log in `sub`, and what
    the backup `bk` holds (up to seq head); a warning naming the events
    that are lost when that log is not a prefix of the backup: the backup
    ends before it, or holds other events from some seq on (a log that
    went on after another copy was backed up). */
static void s_say_replaced (const char *sub, MDB_env *bk, uint64_t head)
{
    uint64_t old = 0;
    uint8_t old_hash[DBK_HASH_SIZE];
    char why[PATH_MAX + 200] = "";
    MDB_env *env = NULL;
    int rc = s_open_log (sub, &env, why, sizeof why);
    if (rc == 0)
        rc = s_record_hash (env, &old, old_hash);
    uint64_t shared = rc ? 0 : s_shared (env, old, bk, head);
    if (env)
        mdb_env_close (env);
    if (rc)
        fprintf (stderr,
                 "dealbook: restore: replacing %s (its head cannot be read: %s) with the backup "
                 "(head seq %llu)\n",
                 sub, *why ? why : dbk_strerror (rc), (unsigned long long) head);
    else if (shared < old && shared < head)
        fprintf (stderr,
                 "dealbook: restore: WARNING: replacing %s (head seq %llu) with the backup (head "
                 "seq %llu): the log's events from seq %llu on are not the backup's: the %llu "
                 "events of seq %llu..%llu are lost\n",
                 sub, (unsigned long long) old, (unsigned long long) head,
                 (unsigned long long) shared + 1, (unsigned long long) (old - shared),
                 (unsigned long long) shared + 1, (unsigned long long) old);
    else if (shared < old)
        fprintf (stderr,
                 "dealbook: restore: WARNING: replacing %s (head seq %llu) with the backup (head "
                 "seq %llu): the %llu events after seq %llu are lost\n",
                 sub, (unsigned long long) old, (unsigned long long) head,
                 (unsigned long long) (old - head), (unsigned long long) head);
    else
        fprintf (stderr,
                 "dealbook: restore: replacing %s (head seq %llu) with the backup (head "
                 "seq %llu)\n",
                 sub, (unsigned long long) old, (unsigned long long) head);
}

/*  The restore of the verified backup `env` (from `dir`, up to `head`
    whose record's hash is `hash`), once no process uses the data
    directory. */
static int s_restore_held (cli_t *cli, MDB_env *env, const char *dir, const char *data, bool force,
                           uint64_t head, const uint8_t hash[DBK_HASH_SIZE])
{
    char sub[PATH_MAX];
    s_path (sub, sizeof sub, data, "eventlog");
    /*  again, now that no log can start there */
    int code = s_refuse_existing (sub, force);
    if (code)
        return code;
    /*  5. what --force replaces */
    if (s_exists (sub))
        s_say_replaced (sub, env, head);
    /*  6. copy, then 7. drop the read models */
    if ((code = s_install (env, data, head, hash)))
        return code;
    json_t *removed = json_array ();
    for (int i = 0; s_models[i]; i++) {
        s_path (sub, sizeof sub, data, s_models[i]);
        if (!s_exists (sub))
            continue;
        if (s_rm_tree (sub)) {
            json_decref (removed);
            return cli_fail (CLI_FAILED, "restore: cannot remove %s: %s (remove it by hand)", sub,
                             strerror (errno));
        }
        json_array_append_new (removed, json_string (s_models[i]));
    }
    char hex[2 * DBK_HASH_SIZE + 1];
    dbk_hex (hash, DBK_HASH_SIZE, hex);
    if (cli->json) {
        cli_print_json (json_pack ("{s:s, s:s, s:I, s:s, s:o}", "backup", dir, "data_dir", data,
                                   "head", (json_int_t) head, "hash", head ? hex : "", "removed",
                                   removed));
        return 0;
    }
    printf ("restored %s into %s/eventlog: verified, head %llu, hash %s\n", dir, data,
            (unsigned long long) head, head ? hex : "(empty log)");
    if (json_array_size (removed)) {
        printf ("removed the read models:");
        size_t i;
        json_t *n;
        json_array_foreach (removed, i, n) printf (" %s", json_string_value (n));
        printf ("\n");
    }
    printf ("the services rebuild their read models from the restored log when they start\n");
    json_decref (removed);
    return 0;
}

/*  restore --check DIR: the verification a restore makes, and nothing
    else: no data directory, no PING, no lock, nothing written. */
static int s_check (cli_t *cli, const char *dir)
{
    if (cli_conf_given (cli, "--data-dir") || cli_flag (cli, "--force"))
        return cli_fail (CLI_USAGE, "restore --check reads the backup only: --data-dir and "
                                    "--force do not go with it");
    char path[PATH_MAX];
    if (strlen (dir) > PATH_MAX - 100)
        return cli_fail (CLI_USAGE, "restore --check: path too long");
    s_path (path, sizeof path, dir, "data.mdb");
    if (!s_exists (path))
        return cli_fail (CLI_USAGE, "restore --check: %s holds no backup (no data.mdb)", dir);
    MDB_env *env = NULL;
    uint64_t head = 0;
    uint8_t hash[DBK_HASH_SIZE];
    int code = s_verify ("restore --check", dir, "", &env, &head, hash);
    if (code)
        return code;
    mdb_env_close (env);
    char hex[2 * DBK_HASH_SIZE + 1];
    dbk_hex (hash, DBK_HASH_SIZE, hex);
    /*  keys 1..head without a gap: head is also the number of events */
    if (cli->json)
        cli_print_json (json_pack ("{s:s, s:b, s:I, s:I, s:s}", "path", dir, "valid", 1, "events",
                                   (json_int_t) head, "head", (json_int_t) head, "hash",
                                   head ? hex : ""));
    else
        printf ("backup in %s: valid, %llu events, head seq %llu, hash %s\n", dir,
                (unsigned long long) head, (unsigned long long) head, head ? hex : "(empty log)");
    return 0;
}

int cli_restore (cli_t *cli, const char *dir)
{
    /*  --check takes the backup as its value: restore --check DIR */
    const char *check = cli_flag (cli, "--check");
    if ((!dir && !check) || (dir && check) || cli->help || cli->nargs)
        return cli_help_or_usage (cli, cli_ops_help,
                                  "usage: dealbook restore DIR --data-dir D, or dealbook restore "
                                  "--check DIR (see dealbook help restore)");
    static const char *const flags[] = {"--force", "--check", NULL};
    int only = cli_only (cli, "restore", 0, flags);
    if (only)
        return only;
    if (check)
        return s_check (cli, check);
    /*  restore replaces what a data directory holds: the operator names
        it, on the command line or in the environment the services run
        with; the built-in default, relative to wherever the CLI runs, is
        nobody's choice */
    const char *from_env = getenv ("DEALBOOK_DATA_DIR");
    if (!cli_conf_given (cli, "--data-dir") && !(from_env && *from_env))
        return cli_fail (CLI_USAGE, "restore: give the data directory to replace: --data-dir D (or "
                                    "DEALBOOK_DATA_DIR); nothing was changed");
    const char *data = cli->cfg.data_dir;
    bool force = cli_flag (cli, "--force") != NULL;
    char path[PATH_MAX];
    if (strlen (dir) > PATH_MAX - 100 || strlen (data) > PATH_MAX - 100)
        return cli_fail (CLI_USAGE, "restore: path too long");
    s_path (path, sizeof path, dir, "data.mdb");
    if (!s_exists (path))
        return cli_fail (CLI_USAGE, "restore: %s holds no backup (no data.mdb)", dir);
    /*  1. nothing may run on the target */
    int ping_ms = cli->cfg.timeout_ms < 1000 ? cli->cfg.timeout_ms : 1000;
    dbk_client_t *c = dbk_client_new (cli->cfg.log_endpoint, ping_ms);
    if (c) {
        dbk_doc_t *reply = NULL;
        dbk_client_begin (c, "PING", 0);
        int rc = dbk_client_call (c, &reply);
        dbk_doc_destroy (&reply);
        dbk_client_destroy (&c);
        if (rc != DBK_ETIMEOUT && rc != DBK_EINTERRUPTED)
            return cli_fail (CLI_CONFLICT,
                             "restore: an event log answers at %s: stop dealbookd (or "
                             "dealbook-eventlog and the services) first",
                             cli->cfg.log_endpoint);
    }
    /*  2. the log there is kept unless --force (checked again under the
        locks: said now, it spares the walk of a large backup) */
    char sub[PATH_MAX];
    s_path (sub, sizeof sub, data, "eventlog");
    int code = s_refuse_existing (sub, force);
    if (code)
        return code;
    /*  3. the backup must verify before anything in D is touched, its
        locks included */
    MDB_env *env = NULL;
    uint64_t head = 0;
    uint8_t hash[DBK_HASH_SIZE];
    if ((code = s_verify ("restore", dir, "; nothing was changed", &env, &head, hash)))
        return code;
    /*  4. no process may use D's directories, nor start while they are
        replaced */
    int locks[sizeof s_dirs / sizeof *s_dirs];
    code = s_hold_dirs (data, locks);
    if (code == 0)
        code = s_restore_held (cli, env, dir, data, force, head, hash);
    mdb_env_close (env);
    for (int i = 0; s_dirs[i]; i++)
        if (locks[i] >= 0)
            close (locks[i]);
    return code;
}
