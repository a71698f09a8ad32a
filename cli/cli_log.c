/*  cli_log.c - dealbook log append | read | tail | status | verify | backup */
#include "cli.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_json.h"
#include "dealbook/dbk_sub.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void cli_log_help (void)
{
    printf (
        "usage: dealbook log <verb> ...\n\n"
        "  append STREAM TYPE JSON [--expect N|any|none|exists] [--id UUID] [--actor WHO]\n"
        "         [--at YYYY-MM-DD|unix-ms] [--corr UUID] [--cause UUID] [--schema N]\n"
        "      append one event; prints its seq and version as JSON\n"
        "      example: dealbook log append memo-7 memo.written \\\n"
        "                 '{\"text\":\"Metro Line 3: tender in Q2\"}' --expect none\n"
        "      (account-, contact-, opportunity- ... streams belong to their services,\n"
        "      which append them through their commands)\n"
        "  read [--from SEQ] [--stream S] [--type PREFIX] [--limit N]\n"
        "      print events as JSON lines (with --stream, --from is a stream version)\n"
        "      example: dealbook log read --type opportunity. --limit 20\n"
        "  tail [--from SEQ] [--type PREFIX] [--limit N]\n"
        "      the last 10 events (or from SEQ), then follow live events until Ctrl-C\n"
        "      example: dealbook log tail --type tender.\n"
        "  status [--json]           head and its hash, streams, map usage, counters\n"
        "  verify                    check the log from seq 1: hash chain, ts order, stream\n"
        "                            index (exit 2 if broken); prints the head seq and its\n"
        "                            hash: note them, and compare them later\n"
        "  backup DIR                hot, consistent copy of the log into DIR on the log's\n"
        "                            machine, verified after the copy (its head seq and hash)\n"
        "                            (both exit 4 if the log restarts: the job is lost with it)\n\n"
        "  --log ENDPOINT (DEALBOOK_LOG_ENDPOINT), --pub ENDPOINT (DEALBOOK_PUB_ENDPOINT),\n"
        "  --timeout-ms MS (DEALBOOK_TIMEOUT_MS)\n");
}

static int s_parse_expect (const char *s, int64_t *out)
{
    uint64_t v;
    if (!s || strcmp (s, "any") == 0)
        *out = DBK_EXPECT_ANY;
    else if (strcmp (s, "none") == 0)
        *out = DBK_EXPECT_NONE;
    else if (strcmp (s, "exists") == 0)
        *out = DBK_EXPECT_EXISTS;
    else if (cli_u64 (s, &v) == 0 && v <= INT64_MAX)
        *out = (int64_t) v;
    else
        return -1;
    return 0;
}

/*  YYYY-MM-DD (UTC midnight) or unix ms. */
static int s_parse_time (const char *s, int64_t *ms)
{
    uint64_t v;
    if (cli_u64 (s, &v) == 0 && v <= INT64_MAX) {
        *ms = (int64_t) v;
        return 0;
    }
    struct tm tm;
    memset (&tm, 0, sizeof tm);
    const char *end = strptime (s, "%Y-%m-%d", &tm);
    if (!end || *end)
        return -1;
    *ms = (int64_t) timegm (&tm) * 1000;
    return 0;
}

static int s_id_flag (const cli_t *cli, const char *name, uint8_t id[16], bool *has)
{
    const char *v = cli_flag (cli, name);
    if (has)
        *has = v != NULL;
    if (!v)
        return 0;
    if (dbk_uuid_parse (v, strlen (v), id))
        return cli_fail (CLI_USAGE, "%s must be a UUID (like 0193a3b4-...)", name);
    return 0;
}

static int s_append (cli_t *cli)
{
    static const char *const flags[] = {"--expect", "--id",     "--corr",  "--cause",
                                        "--at",     "--schema", "--actor", NULL};
    int only = cli_only (cli, "log append", 3, flags);
    if (only)
        return only;
    if (cli->nargs != 3)
        return cli_fail (CLI_USAGE, "usage: dealbook log append STREAM TYPE JSON [flags] "
                                    "(see dealbook help log)");
    const char *stream = cli->args[0], *type = cli->args[1], *json = cli->args[2];
    if (!dbk_stream_name_valid (stream, strlen (stream)))
        return cli_fail (CLI_REJECTED,
                         "stream '%s' is not <category>-<id> (lowercase category, a dash, an id "
                         "without spaces, at most %d bytes)",
                         stream, DBK_STREAM_MAX);
    if (!dbk_type_name_valid (type, strlen (type)))
        return cli_fail (CLI_REJECTED,
                         "type '%s' is not <category>.<name> in lowercase (e.g. "
                         "opportunity.level_changed)",
                         type);
    dbk_event_t ev;
    memset (&ev, 0, sizeof ev);
    int64_t expect;
    if (s_parse_expect (cli_flag (cli, "--expect"), &expect))
        return cli_fail (CLI_USAGE, "--expect takes a version, any, none or exists");
    if (s_id_flag (cli, "--id", ev.id, NULL) || s_id_flag (cli, "--corr", ev.corr, &ev.has_corr) ||
        s_id_flag (cli, "--cause", ev.cause, &ev.has_cause))
        return CLI_USAGE;
    if (!cli_flag (cli, "--id"))
        dbk_uuid_v7 (ev.id);
    ev.at = INT64_MIN;
    const char *at = cli_flag (cli, "--at");
    if (at && s_parse_time (at, &ev.at))
        return cli_fail (CLI_USAGE, "--at takes YYYY-MM-DD or unix milliseconds");
    uint64_t schema = 1;
    const char *sc = cli_flag (cli, "--schema");
    if (sc && (cli_u64 (sc, &schema) || schema < 1 || schema > 65535))
        return cli_fail (CLI_USAGE, "--schema takes 1..65535");
    ev.schema = schema;
    const char *actor = cli_flag (cli, "--actor");
    if (!actor)
        actor = getenv ("USER") ? getenv ("USER") : "cli";
    ev.actor = actor;
    ev.actor_len = strlen (actor);
    ev.type = type;
    ev.type_len = strlen (type);
    dbk_wr_t *data = dbk_wr_new ();
    char err[300];
    if (dbk_json_to_mp (json, strlen (json), data, err, sizeof err)) {
        dbk_wr_destroy (&data);
        return cli_fail (CLI_REJECTED, "data: %s", err);
    }
    if (((const uint8_t *) dbk_wr_data (data))[0] >> 4 != 0x8 &&
        ((const uint8_t *) dbk_wr_data (data))[0] != 0xde &&
        ((const uint8_t *) dbk_wr_data (data))[0] != 0xdf) {
        dbk_wr_destroy (&data);
        return cli_fail (CLI_REJECTED, "data must be a JSON object, like '{\"name\":\"ACME\"}'");
    }
    ev.data_raw = dbk_wr_data (data);
    ev.data_raw_len = dbk_wr_size (data);
    dbk_client_t *c = cli_log_client (cli);
    if (!c) {
        dbk_wr_destroy (&data);
        return cli_fail (CLI_USAGE, "bad endpoint %s", cli->cfg.log_endpoint);
    }
    uint64_t fs = 0, ls = 0, lv = 0;
    int rc = dbk_client_append (c, stream, expect, &ev, 1, &fs, &ls, &lv);
    int code = 0;
    if (rc == 0) {
        char id[37];
        dbk_uuid_format (ev.id, id);
        cli_print_json (json_pack ("{s:s, s:s, s:I, s:I}", "id", id, "stream", stream, "seq",
                                   (json_int_t) ls, "ver", (json_int_t) lv));
    } else
        code = cli_call_failed ("append", rc, c);
    dbk_client_destroy (&c);
    dbk_wr_destroy (&data);
    return code;
}

static bool s_type_matches (const dbk_event_t *ev, const char *prefix)
{
    size_t n = prefix ? strlen (prefix) : 0;
    return n == 0 || (ev->type_len >= n && memcmp (ev->type, prefix, n) == 0);
}

static int s_print_event (const dbk_event_t *ev)
{
    json_t *j = dbk_json_from_event (ev);
    if (!j)
        return cli_fail (CLI_FAILED, "event %llu cannot be shown as JSON",
                         (unsigned long long) ev->seq);
    cli_print_json (j);
    return 0;
}

static int s_read (cli_t *cli)
{
    static const char *const flags[] = {"--from", "--limit", "--stream", "--type", NULL};
    int rc = cli_only (cli, "log read", 0, flags);
    if (rc)
        return rc; /* "log read STREAM" would have printed the whole log */
    uint64_t from = 1, limit = UINT64_MAX;
    const char *v;
    if ((v = cli_flag (cli, "--from")) && (cli_u64 (v, &from) || from == 0))
        return cli_fail (CLI_USAGE, "--from takes a number >= 1");
    if ((v = cli_flag (cli, "--limit")) && (cli_u64 (v, &limit) || limit == 0))
        return cli_fail (CLI_USAGE, "--limit takes a number >= 1");
    const char *stream = cli_flag (cli, "--stream"), *type = cli_flag (cli, "--type");
    if (stream && type)
        return cli_fail (CLI_USAGE, "--type filters reads by seq; drop it with --stream");
    dbk_client_t *c = cli_log_client (cli);
    if (!c)
        return cli_fail (CLI_USAGE, "bad endpoint %s", cli->cfg.log_endpoint);
    uint64_t printed = 0;
    int code = 0;
    while (printed < limit && !code) {
        dbk_read_t rq = {.from = from,
                         .stream = stream,
                         .type_prefix = type,
                         .limit = limit - printed < 1000 ? (uint32_t) (limit - printed) : 1000};
        dbk_doc_t *reply = NULL;
        dbk_page_t page;
        int rc = dbk_client_read (c, &rq, &reply, &page);
        if (rc) {
            code = cli_call_failed ("read", rc, c);
            break;
        }
        for (size_t i = 0; i < page.count && !code; i++) {
            dbk_event_t ev;
            int erc = dbk_page_event_checked (&page, i, &ev);
            if (erc == DBK_ECORRUPT)
                code = cli_fail (CLI_FAILED,
                                 "read: the record at seq %llu fails its hash check (altered "
                                 "on disk?): run dealbook log verify",
                                 (unsigned long long) ev.seq);
            else if (erc)
                code = cli_fail (CLI_FAILED, "malformed record in the READ reply");
            else if (!(code = s_print_event (&ev)))
                printed++;
        }
        /*  pages are cut by bytes too: by stream only an empty page is the
            end; by seq, `last` says how far the log was examined */
        bool done = stream ? page.count == 0 : page.last >= page.head || page.last == 0;
        from = stream ? from + page.count : page.last + 1;
        dbk_doc_destroy (&reply);
        if (done)
            break;
    }
    dbk_client_destroy (&c);
    return code;
}

static volatile sig_atomic_t s_stop;
static void s_on_signal (int sig)
{
    (void) sig;
    s_stop = 1;
}

/*  Why a tail cannot follow the log (the subscriber's fault), as the
    one line it stops with. */
static int s_tail_fault (const dbk_sub_t *sub)
{
    dbk_sub_fault_t f = dbk_sub_fault (sub);
    unsigned long long seq = (unsigned long long) f.seq,
                       at = (unsigned long long) dbk_sub_position (sub);
    switch (f.kind) {
    case DBK_SUB_FAULT_BEHIND:
        return cli_fail (CLI_FAILED,
                         "tail: the log's head %llu is below seq %llu, where the tail was: it "
                         "was replaced by an older copy",
                         seq, at);
    case DBK_SUB_FAULT_GAP:
        return cli_fail (CLI_FAILED,
                         "tail: the log does not hold seq %llu: it is damaged (dealbook log "
                         "verify)",
                         seq);
    case DBK_SUB_FAULT_HASH:
        return cli_fail (CLI_FAILED,
                         "tail: seq %llu fails its hash check: altered or damaged on disk "
                         "(dealbook log verify)",
                         seq);
    case DBK_SUB_FAULT_FORK:
        return cli_fail (CLI_FAILED,
                         "tail: the log's seq %llu is not the event shown before: the log was "
                         "replaced by another copy",
                         seq);
    default:
        return cli_fail (CLI_FAILED, "tail: %s", dbk_strerror (DBK_ECORRUPT));
    }
}

static int s_tail (cli_t *cli)
{
    static const char *const flags[] = {"--from", "--limit", "--type", NULL};
    int only = cli_only (cli, "log tail", 0, flags);
    if (only)
        return only;
    uint64_t from = 0, limit = UINT64_MAX;
    const char *v;
    if ((v = cli_flag (cli, "--from")) && (cli_u64 (v, &from) || from == 0))
        return cli_fail (CLI_USAGE, "--from takes a number >= 1");
    if ((v = cli_flag (cli, "--limit")) && (cli_u64 (v, &limit) || limit == 0))
        return cli_fail (CLI_USAGE, "--limit takes a number >= 1");
    const char *type = cli_flag (cli, "--type");
    /*  the head: without --from, like tail(1), the last 10 events, then
        follow; a --from beyond it waits for that seq, following from the
        head (a subscriber placed past the head would take the log for
        one replaced by an older copy) */
    dbk_client_t *c = cli_log_client (cli);
    if (!c)
        return cli_fail (CLI_USAGE, "bad endpoint %s", cli->cfg.log_endpoint);
    uint64_t head = 0;
    int hrc = dbk_client_head (c, &head);
    if (hrc) {
        int code = cli_call_failed ("tail", hrc, c);
        dbk_client_destroy (&c);
        return code;
    }
    dbk_client_destroy (&c);
    if (!from)
        from = head > 10 ? head - 9 : 1;
    signal (SIGINT, s_on_signal);
    signal (SIGTERM, s_on_signal);
    /*  silence on the PUB stream (no heartbeat either: a wrong --pub,
        a PUB that drops us) for three heartbeat periods (protocol.md
        §10.2): READ, as the services do, so that nothing is missed
        while it lasts */
    int beat = cli->cfg.heartbeat_ms > 333 ? cli->cfg.heartbeat_ms : 333;
    dbk_subcfg_t sc = {.log_endpoint = cli->cfg.log_endpoint,
                       .pub_endpoint = cli->cfg.pub_endpoint,
                       .after = from - 1 < head ? from - 1 : head,
                       .timeout_ms = cli->cfg.timeout_ms,
                       .idle_ms = 3 * beat};
    dbk_sub_t *sub = dbk_sub_new (&sc);
    if (!sub)
        return cli_fail (CLI_USAGE, "bad endpoint %s or %s", sc.log_endpoint, sc.pub_endpoint);
    uint64_t printed = 0;
    int code = 0;
    while (!s_stop && printed < limit && !code) {
        dbk_event_t ev;
        int rc = dbk_sub_next (sub, &ev, 200);
        if (rc == DBK_ETIMEOUT || rc == DBK_EINTERRUPTED)
            continue;
        if (rc == DBK_EIO) {
            fprintf (stderr, "dealbook: tail: the event log is unreachable; retrying\n");
            continue;
        }
        if (rc == DBK_ECORRUPT) {
            code = s_tail_fault (sub);
            break;
        }
        if (rc) {
            code = cli_fail (CLI_FAILED, "tail: %s", dbk_strerror (rc));
            break;
        }
        if (ev.seq < from || !s_type_matches (&ev, type))
            continue;
        if (!(code = s_print_event (&ev)))
            printed++;
        if (fflush (stdout) != 0 || ferror (stdout)) /* no one reads it any more */
            break;                                   /* main says so */
    }
    dbk_sub_destroy (&sub);
    return code;
}

static int s_simple_call (cli_t *cli, const char *op, const char *what, dbk_doc_t **reply)
{
    dbk_client_t *c = cli_log_client (cli);
    if (!c)
        return cli_fail (CLI_USAGE, "bad endpoint %s", cli->cfg.log_endpoint);
    dbk_client_begin (c, op, 0);
    int rc = dbk_client_call (c, reply);
    int code = rc ? cli_call_failed (what, rc, c) : 0;
    dbk_client_destroy (&c);
    return code;
}

static void s_print_status (const dbk_obj_t *root, int indent)
{
    for (size_t i = 0; i < dbk_obj_len (root); i++) {
        const char *k;
        size_t kn;
        if (dbk_obj_str (dbk_obj_key_at (root, i), &k, &kn))
            continue;
        if ((kn == 1 && *k == 'v') || (kn == 3 && memcmp (k, "rid", 3) == 0) ||
            (kn == 2 && memcmp (k, "ok", 2) == 0))
            continue;
        const dbk_obj_t *v = dbk_obj_val_at (root, i);
        if (dbk_obj_type (v) == DBK_T_MAP) {
            printf ("%*s%.*s:\n", indent, "", (int) kn, k);
            s_print_status (v, indent + 2);
            continue;
        }
        json_t *j = dbk_json_from_obj (v);
        char *s = j ? json_dumps (j, JSON_ENCODE_ANY) : NULL;
        printf ("%*s%-*.*s %s\n", indent, "", 16 - indent, (int) kn, k, s ? s : "?");
        free (s);
        json_decref (j);
    }
}

static int s_status (cli_t *cli)
{
    dbk_doc_t *reply = NULL;
    int code = s_simple_call (cli, "STATUS", "status", &reply);
    if (!code) {
        if (cli->json)
            cli_print_json (dbk_json_from_obj (dbk_doc_root (reply)));
        else {
            printf ("eventlog at %s: up\n", cli->cfg.log_endpoint);
            s_print_status (dbk_doc_root (reply), 2);
        }
    }
    dbk_doc_destroy (&reply);
    return code;
}

/*  VERIFY or BACKUP: as long as the log is long, with a progress line on
    a terminal (cli_long_call). */
static int s_verify_like (cli_t *cli, const char *op, const char *path)
{
    const char *what = op[0] == 'V' ? "verify" : "backup";
    dbk_client_t *st = cli_log_client (cli);
    dbk_client_t *job = dbk_client_new (cli->cfg.log_endpoint, CLI_LONG_MS);
    if (!st || !job) {
        dbk_client_destroy (&st);
        dbk_client_destroy (&job);
        return cli_fail (CLI_USAGE, "bad endpoint %s", cli->cfg.log_endpoint);
    }
    /*  the log's uptime before the request, to tell a restart during the
        job (which the new process never answers); a log that is not
        there fails at once, not after the long timeout */
    char then[PATH_MAX + 200];
    if (path)
        snprintf (then, sizeof then,
                  "%s may hold an unfinished copy: empty it (or choose a new directory) and run "
                  "dealbook log backup again",
                  path);
    else
        snprintf (then, sizeof then, "run dealbook log verify again");
    cli_log_watch_t watch = {.op = op, .then = then};
    uint64_t done = 0, total = 0;
    char lost[8];
    dbk_doc_t *reply = NULL;
    int rc = cli_log_job_poll (st, &watch, &done, &total, lost, sizeof lost);
    dbk_client_t *failed = st;
    if (!rc) {
        dbk_wr_t *w = dbk_client_begin (job, op, path != NULL);
        if (path)
            dbk_wr_kv_cstr (w, "path", path);
        failed = job;
        watch.sent = true;
        rc = cli_long_call (cli, what, job, &reply, st, cli_log_job_poll, &watch, false);
    }
    int code = rc ? cli_call_failed (what, rc, failed) : 0;
    dbk_client_destroy (&st);
    dbk_client_destroy (&job);
    if (code) {
        dbk_doc_destroy (&reply);
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
    /*  the hash of the last event checked, to note and compare later */
    const char *hash = "";
    size_t hl = 0;
    dbk_obj_str (dbk_obj_get (r, "hash"), &hash, &hl);
    if (cli->json)
        cli_print_json (dbk_json_from_obj (r));
    else if (valid)
        printf ("%s%s: valid, %llu events checked, head seq %llu%s%.*s\n",
                path ? "backup in " : "log", path ? path : "", (unsigned long long) checked,
                (unsigned long long) checked,
                !checked ? " (empty log)"
                : hl     ? " hash "
                         : "",
                (int) hl, hash);
    else /* a failed check is an error: one line on stderr, as dealbook backup says it */
        cli_fail (CLI_REJECTED, "%s%s: INVALID at seq %llu: %.*s (%llu events before it check out)",
                  path ? "backup in " : "log", path ? path : "", (unsigned long long) bad, (int) wl,
                  why, (unsigned long long) checked);
    dbk_doc_destroy (&reply);
    return valid ? CLI_OK : CLI_REJECTED;
}

int cli_log (cli_t *cli, const char *verb)
{
    if (!verb || cli->help)
        return cli_help_or_usage (cli, cli_log_help,
                                  "log: give a verb (dealbook help log lists them)");
    if (strcmp (verb, "append") == 0)
        return s_append (cli);
    if (strcmp (verb, "read") == 0)
        return s_read (cli);
    if (strcmp (verb, "tail") == 0)
        return s_tail (cli);
    if (strcmp (verb, "status") == 0 || strcmp (verb, "verify") == 0 ||
        strcmp (verb, "backup") == 0) {
        char what[32];
        snprintf (what, sizeof what, "log %s", verb);
        int rc = cli_only (cli, what, verb[0] == 'b', NULL);
        if (rc)
            return rc;
    }
    if (strcmp (verb, "status") == 0)
        return s_status (cli);
    if (strcmp (verb, "verify") == 0)
        return s_verify_like (cli, "VERIFY", NULL); /* --data-dir: refused by main */
    if (strcmp (verb, "backup") == 0) {
        if (cli->nargs != 1)
            return cli_fail (CLI_USAGE, "usage: dealbook log backup DIR");
        char abs[PATH_MAX];
        const char *dir = cli->args[0];
        if (dir[0] != '/') {
            /*  the log writes the copy: give it an absolute path */
            if (!getcwd (abs, sizeof abs - strlen (dir) - 2))
                return cli_fail (CLI_USAGE, "cannot resolve %s", dir);
            strcat (abs, "/");
            strcat (abs, dir);
            dir = abs;
        }
        return s_verify_like (cli, "BACKUP", dir);
    }
    return cli_fail (CLI_USAGE, "unknown verb 'log %s' (try: dealbook help log)", verb);
}
