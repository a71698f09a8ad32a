/*  cli_contacts.c - dealbook account add|show|list|archive and
    dealbook contact add|show|list|move|trip add|notebook, talking to the
    contacts service (docs/protocol.md "Contacts service"). */
#include "cli.h"
#include "cli_contacts.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

void cli_account_help (void)
{
    printf ("usage: dealbook account <verb> ...\n\n"
            "  add NAME --type T [--city C] [--region R] [--lead-source S] [--size X]\n"
            "      [--ownership X] [--past-projects X] [--credit X] [--force] [--id ID]\n"
            "      register an account; prints its id. A name that normalises like an\n"
            "      existing account's is refused (exit 3) unless --force\n"
            "      types: owner design_institute general_contractor subcontractor\n"
            "             decoration government distributor\n"
            "      example: dealbook account add '上海建工集团有限公司' --type general_contractor "
            "--city 上海\n"
            "  update ID [--name N] [--type T] [--city C] ... [--force]\n"
            "      change fields (an empty value clears an optional one)\n"
            "  show ID                   every field of an account\n"
            "  list [--prefix P] [--type T] [--region R] [--city C] [--limit N]\n"
            "      [--after CURSOR]     by name prefix, type, region, city (case-blind)\n"
            "  people ID                 its contacts by level and function, with how\n"
            "                            well each is known and by whom of us\n"
            "  history ID                every event of the account, from the log\n"
            "  archive ID [--reason R]   read-only from now on: takes no new contacts\n"
            "  merge ID --into SURVIVOR [--reason R]\n"
            "      ID is the same organisation as SURVIVOR: ID becomes read-only and\n"
            "      answers with merged_into; new contacts go to SURVIVOR\n\n"
            "  --contacts-endpoint EP (DEALBOOK_CONTACTS_ENDPOINT), --actor WHO, --json\n");
}

void cli_contact_help (void)
{
    printf (
        "usage: dealbook contact <verb> ...\n\n"
        "  add NAME --account ID [--title T] [--phone P] [--email E] [--level L]\n"
        "      [--function F] [--relationship R] [--influence 1-5] [--birthday D]\n"
        "      [--messaging-id M] [--hobbies H] [--hometown H] [--family-notes N]\n"
        "      [--notes N] [--id ID]\n"
        "      --birthday YYYY-MM-DD, not after today, or --MM-DD when the year is unknown\n"
        "      levels: decision management operational; functions: user technical "
        "procurement\n"
        "      example: dealbook contact add 王伟 --account ACCOUNT --title 总工 --influence 4\n"
        "  update ID [--name N] [--title T] ...   change fields (as add, without --account)\n"
        "  show ID                   every field and the trips of a contact\n"
        "  list [--account ID] [--prefix NAME]   contacts by account and/or name\n"
        "  history ID                every change of a contact, from the log\n"
        "  relate ID --salesperson S --depth D [--notes N]\n"
        "      how well one of our people knows the contact; depths: acquainted\n"
        "      interacting trusted allied, or none to end it\n"
        "  map ID | map --salesperson S\n"
        "      who of us knows the contact / whom a salesperson knows\n"
        "  move ID --to ACCOUNT [--reason R]\n"
        "  trip add ID --from YYYY-MM-DD --to YYYY-MM-DD --city C [--hotel H]\n"
        "      [--transport T] [--purpose P]\n"
        "  notebook --city C --from YYYY-MM-DD --to YYYY-MM-DD\n"
        "      who is in city C between the dates\n"
        "  notebook --untouched N [--as-of YYYY-MM-DD]\n"
        "      contacts no activity touched for N days (never: LAST ACTIVITY empty)\n"
        "  notebook --birthdays N [--as-of YYYY-MM-DD]\n"
        "      contacts whose birthday falls today or in the next N days\n"
        "      each notebook query takes --salesperson S: only the contacts S knows\n"
        "      example: dealbook contact notebook --city 北京 --from 2026-03-10 --to "
        "2026-03-20\n\n"
        "  --contacts-endpoint EP (DEALBOOK_CONTACTS_ENDPOINT), --actor WHO, --json\n");
}

/*  ---- requests ---- */

void cli_req_add (cli_req_t *r, const char *key, const char *val, cli_kind_t kind)
{
    if (r->n < CLI_MAX_PAIRS) {
        r->key[r->n] = key;
        r->val[r->n] = val;
        r->kind[r->n++] = kind;
    }
}

/*  Take the verb's flags into r; an unknown flag, or one given twice that
    is not a list, is a usage error. */
int cli_req_flags (const cli_t *cli, const char *what, const cli_flagdef_t *allowed, cli_req_t *r)
{
    for (int i = 0; i < cli->nflags; i++) {
        /*  --cmd (read by main into cli->cmd) goes with every command, and
            every command takes --actor */
        bool cmd = strcmp (cli->flag[i], "--cmd") == 0;
        const cli_flagdef_t *f = allowed;
        while (f->flag && strcmp (f->flag, cmd ? "--actor" : cli->flag[i]) != 0)
            f++;
        if (!f->flag && cmd)
            return cli_fail (CLI_USAGE,
                             "%s: --cmd is the id of a command to retry, and %s sends none", what,
                             what);
        if (!f->flag)
            return cli_fail (CLI_USAGE, "%s: unknown flag %s (see dealbook help %.*s)", what,
                             cli->flag[i], (int) strcspn (what, " "), what);
        int rc = cli_flag_once (cli, what, i, !cmd && f->kind == CLI_F_LIST);
        if (rc)
            return rc;
        if (f->key && !cmd)
            cli_req_add (r, f->key, cli->value[i] ? cli->value[i] : "", f->kind);
    }
    return 0;
}

/*  The endpoint of the request's service (the contacts service unless r
    names another). */
static const char *s_endpoint (const cli_t *cli, const cli_req_t *r)
{
    return r->endpoint ? r->endpoint : cli->cfg.contacts_endpoint;
}

/*  One line naming the code, the field and the server's sentence. */
static int s_failed (const cli_t *cli, const cli_req_t *r, const char *what, int rc,
                     dbk_client_t *c, dbk_doc_t *reply)
{
    if (rc == DBK_ETIMEOUT && !reply) /* no answer; with one, the service says why */
        return cli_fail (CLI_UNREACHABLE, "%s: the %s service is unreachable at %s (%s)", what,
                         r->service ? r->service : "contacts", s_endpoint (cli, r),
                         dbk_client_errmsg (c));
    const char *f = NULL;
    size_t fn = 0;
    if (reply)
        dbk_obj_str (dbk_obj_get (dbk_doc_root (reply), "field"), &f, &fn);
    const char *msg = dbk_client_errmsg (c);
    if (f && fn)
        return cli_fail (cli_exit_code (rc), "%s: %s: %.*s: %s", what, dbk_err_wire_name (rc),
                         (int) fn, f, msg);
    return cli_fail (cli_exit_code (rc), "%s: %s%s%s", what, dbk_err_wire_name (rc),
                     *msg ? ": " : "", msg);
}

/*  Whether pair i of r is a list that an earlier pair of r holds the
    start of: a list flag given again (written with that first pair). */
static bool s_list_cont (const cli_req_t *r, int i)
{
    for (int j = 0; j < i && r->kind[i] == CLI_F_LIST; j++)
        if (r->kind[j] == CLI_F_LIST && strcmp (r->key[j], r->key[i]) == 0)
            return true;
    return false;
}

/*  The list pairs of r under pair i's key, "a,b, c" then "d", as one
    array ["a", "b", " c", "d"]; "" as []: the server trims and checks
    each id. */
static void s_list (dbk_wr_t *w, const cli_req_t *r, int i)
{
    uint32_t n = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass)
            dbk_wr_array (w, n);
        for (int j = i; j < r->n; j++) {
            if (r->kind[j] != CLI_F_LIST || strcmp (r->key[j], r->key[i]) != 0)
                continue;
            for (const char *p = r->val[j]; *p; p += *p == ',') {
                size_t len = strcspn (p, ",");
                if (pass)
                    dbk_wr_str (w, p, len);
                else
                    n++;
                p += len;
            }
        }
    }
}

/*  The log's head, or 0 when the log does not answer within 300 ms
    (asked once per process). Each service follows the log on its own:
    sent as after_seq, it makes the service first apply everything
    appended before this command started, so that a script's `account
    register` then `opp register` (two services) never races
    (docs/protocol.md §16). */
static uint64_t s_log_head (const cli_t *cli)
{
    static bool asked;
    static uint64_t head;
    if (asked)
        return head;
    asked = true;
    int t = cli->cfg.timeout_ms < 300 ? cli->cfg.timeout_ms : 300;
    dbk_client_t *c = dbk_client_new (cli->cfg.log_endpoint, t);
    if (!c || dbk_client_head (c, &head) != 0)
        head = 0;
    dbk_client_destroy (&c);
    return head;
}

/*  The request: op with r's pairs, plus cmd, actor and on for a command and
    after_seq when head is not 0; sent, its answer into *reply_p. The
    DBK code of the call, or S_BAD_VALUE when a value of r cannot be sent
    (said on stderr; *exit_code is the CLI's exit code then). */
#define S_BAD_VALUE (-1000)
static int s_send (const cli_t *cli, dbk_client_t *c, const char *what, const char *op, bool is_cmd,
                   const cli_req_t *r, uint64_t head, dbk_doc_t **reply_p, int *exit_code)
{
    *reply_p = NULL;
    uint32_t npairs = 0;
    for (int i = 0; i < r->n; i++)
        npairs += !s_list_cont (r, i);
    /*  a command's business date: its verbs read --on only to send it */
    const char *on = is_cmd ? cli_flag (cli, "--on") : NULL;
    npairs += is_cmd ? 2 + (on != NULL) : 0;
    dbk_wr_t *w = dbk_client_begin (c, op, npairs + (head ? 1 : 0));
    if (head)
        dbk_wr_kv_u64 (w, "after_seq", head);
    if (is_cmd) {
        dbk_wr_cstr (w, "cmd");
        dbk_wr_bin (w, cli->cmd, DBK_ID_SIZE);
        const char *actor = cli_flag (cli, "--actor");
        char buf[80];
        if (!actor || !*actor) {
            const char *user = getenv ("USER");
            snprintf (buf, sizeof buf, "user:%.60s", user && *user ? user : "cli");
            actor = buf;
        }
        dbk_wr_kv_cstr (w, "actor", actor);
        if (on)
            dbk_wr_kv_cstr (w, "on", on);
    }
    for (int i = 0; i < r->n; i++) {
        if (s_list_cont (r, i))
            continue;
        dbk_wr_cstr (w, r->key[i]);
        if (r->kind[i] == CLI_F_BOOL || r->kind[i] == CLI_F_FALSE)
            dbk_wr_bool (w, r->kind[i] == CLI_F_BOOL);
        else if (r->kind[i] == CLI_F_NIL)
            dbk_wr_nil (w);
        else if (r->kind[i] == CLI_F_LIST)
            s_list (w, r, i);
        else if (r->kind[i] == CLI_F_JSON) {
            char err[160];
            if (dbk_json_to_mp (r->val[i], strlen (r->val[i]), w, err, sizeof err)) {
                *exit_code = cli_fail (CLI_USAGE, "%s: %s: not JSON: %s", what, r->key[i], err);
                return S_BAD_VALUE;
            }
        } else if (r->kind[i] == CLI_F_INT || r->kind[i] == CLI_F_SINT) {
            int64_t v = 0; /* checked by cli_svc_call */
            cli_int (r->val[i], INT64_MIN, INT64_MAX, &v);
            dbk_wr_i64 (w, v);
        } else
            dbk_wr_cstr (w, r->val[i]);
    }
    return dbk_client_call (c, reply_p);
}

/*  Send op with r's pairs (plus cmd and actor for a command, and
    after_seq: the log's head). Returns the exit code; *reply_p the OK
    reply (caller's). */
int cli_svc_call (const cli_t *cli, const char *what, const char *op, bool is_cmd,
                  const cli_req_t *r, dbk_doc_t **reply_p)
{
    *reply_p = NULL;
    /*  every number is read by cli_int before anything is sent, naming
        its flag (or field); an update's "" that clears one goes as nil */
    for (int i = 0, bad; i < r->n; i++) {
        int64_t v;
        const char *flag = cli_flag_of (cli, r->val[i]);
        bool sign = r->kind[i] == CLI_F_SINT;
        if ((sign || r->kind[i] == CLI_F_INT) &&
            (bad = cli_int_arg (what, r->key[i], flag ? flag : r->key[i], r->val[i], sign, &v)))
            return bad;
    }
    /*  A PING (in the usual time) shows the service is there; then the
        request may wait longer: a forecasting query as of a past day
        replays the log, as long as the log is long; any other request may
        wait in the service, which then answers why, for after_seq (up to
        twice its timeout), to catch up with the log (twice), for the
        APPEND (once) and for its own events (twice): seven times in all;
        after conflicts with another writer its retries start for up to
        twice its timeout more, the last one parked and appended for up to
        twice: eleven in all, so the CLI waits twelve. */
    bool fc = !is_cmd && r->service && !strcmp (r->service, "forecasting");
    bool as_of = fc && !strcmp (op, "KEEP_BOOK"); /* a replay too */
    for (int i = 0; i < r->n && fc; i++)
        as_of = as_of || !strcmp (r->key[i], "as_of");
    int timeout_ms =
        cli->cfg.timeout_ms < CLI_LONG_MS / 12 ? 12 * cli->cfg.timeout_ms : CLI_LONG_MS;
    if (as_of)
        timeout_ms = CLI_LONG_MS;
    dbk_client_t *c = dbk_client_new (s_endpoint (cli, r), cli->cfg.timeout_ms);
    if (c) {
        dbk_doc_t *pong = NULL;
        dbk_client_begin (c, "PING", 0);
        int rc = dbk_client_call (c, &pong);
        int code = rc ? s_failed (cli, r, what, rc, c, pong) : CLI_OK;
        dbk_doc_destroy (&pong);
        dbk_client_destroy (&c);
        if (code)
            return code;
        c = dbk_client_new (s_endpoint (cli, r), timeout_ms);
    }
    if (!c)
        return cli_fail (CLI_USAGE, "%s: unusable endpoint %s", what, s_endpoint (cli, r));
    /*  an as-of replay reads the log up to a past day: it needs no wait */
    uint64_t head = as_of ? 0 : s_log_head (cli);
    dbk_doc_t *reply = NULL;
    int rc;
    for (;;) {
        int bad = 0;
        rc = s_send (cli, c, what, op, is_cmd, r, head, &reply, &bad);
        if (rc == S_BAD_VALUE) {
            dbk_client_destroy (&c);
            return bad;
        }
        /*  a query to a service whose read model is stuck behind the log
            still answers, from what it applied, with a warning */
        const char *f;
        size_t fn;
        if (rc == DBK_ETIMEOUT && reply && !is_cmd && head &&
            dbk_obj_str (dbk_obj_get (dbk_doc_root (reply), "field"), &f, &fn) == 0 && fn == 9 &&
            memcmp (f, "after_seq", 9) == 0) {
            fprintf (stderr,
                     "dealbook: warning: %s: the %s service has not caught up with the log; "
                     "the answer is what it applied (%s)\n",
                     what, r->service ? r->service : "contacts", dbk_client_errmsg (c));
            dbk_doc_destroy (&reply);
            head = 0;
            continue;
        }
        break;
    }
    int code = rc ? s_failed (cli, r, what, rc, c, reply) : CLI_OK;
    if (is_cmd && (code == CLI_UNREACHABLE || code == CLI_FAILED)) {
        /*  the command may be recorded, or be later (an APPEND the log
            had not answered yet): only the same id retries it safely, a
            new one would record it twice */
        char id[37];
        dbk_uuid_format (cli->cmd, id);
        cli_fail (code, "%s: command id %s: repeat it with --cmd %s to retry safely", what, id, id);
    }
    if (rc)
        dbk_doc_destroy (&reply);
    *reply_p = reply;
    dbk_client_destroy (&c);
    return code;
}

/*  ---- output ---- */

static int s_width (const char *s)
{
    int w = 0;
    utf8proc_int32_t cp;
    for (utf8proc_ssize_t n;
         *s && (n = utf8proc_iterate ((const utf8proc_uint8_t *) s, -1, &cp)) > 0; s += n)
        w += utf8proc_charwidth (cp);
    return w;
}

/*  A value of a map as text for a table ("" when absent). */
static void s_cell (const dbk_obj_t *m, const char *key, char *out, size_t outsz)
{
    const dbk_obj_t *o = dbk_obj_get (m, key);
    const char *s;
    const uint8_t *b;
    size_t n;
    uint64_t u;
    out[0] = 0;
    if (o && dbk_obj_str (o, &s, &n) == 0) {
        /*  one line per row: a note's line breaks become spaces */
        snprintf (out, outsz, "%.*s", (int) n, s);
        for (char *p = out; *p; p++)
            if (*p == '\n' || *p == '\r' || *p == '\t')
                *p = ' ';
    } else if (o && dbk_obj_u64 (o, &u) == 0)
        snprintf (out, outsz, "%llu", (unsigned long long) u);
    else if (o && dbk_obj_bin (o, &b, &n) == 0 && n == DBK_ID_SIZE && outsz >= 37)
        dbk_uuid_format (b, out); /* an id, as the JSON shows it */
    else if (o && dbk_obj_type (o) == DBK_T_ARRAY) {
        /*  a list of ids (close_to, their_people): comma-separated */
        size_t len = 0;
        for (size_t i = 0; i < dbk_obj_len (o) && len < outsz; i++)
            if (dbk_obj_str (dbk_obj_at (o, i), &s, &n) == 0) {
                int k = snprintf (out + len, outsz - len, "%s%.*s", len ? "," : "", (int) n, s);
                len += k > 0 ? (size_t) k : 0;
            } else if (dbk_obj_type (dbk_obj_at (o, i)) == DBK_T_MAP) {
                /*  a relationship map entry: salesperson:depth */
                const dbk_obj_t *m = dbk_obj_at (o, i);
                const char *d = "";
                size_t dn = 0;
                if (dbk_obj_str (dbk_obj_get (m, "salesperson"), &s, &n))
                    continue;
                dbk_obj_str (dbk_obj_get (m, "depth"), &d, &dn);
                int k = snprintf (out + len, outsz - len, "%s%.*s:%.*s", len ? "," : "", (int) n, s,
                                  (int) dn, d);
                len += k > 0 ? (size_t) k : 0;
            }
    }
}

#define S_COLS 12
#define S_CELL 256

/*  Print the maps of an array as a table with the given columns (at most
    S_COLS: the rest are left out), padded by display width (CJK
    characters take two columns). */
void cli_table (const dbk_obj_t *rows, const char *const *keys, const char *const *heads, int ncols)
{
    if (ncols > S_COLS)
        ncols = S_COLS;
    size_t nrows = dbk_obj_len (rows);
    int width[S_COLS] = {0};
    char cell[S_CELL];
    for (int j = 0; j < ncols; j++)
        width[j] = s_width (heads[j]);
    for (size_t i = 0; i < nrows; i++)
        for (int j = 0; j < ncols; j++) {
            s_cell (dbk_obj_at (rows, i), keys[j], cell, sizeof cell);
            int w = s_width (cell);
            width[j] = w > width[j] ? w : width[j];
        }
    char line[S_COLS * (S_CELL + 80)];
    for (size_t i = 0; i <= nrows; i++) {
        size_t len = 0;
        for (int j = 0; j < ncols; j++) {
            if (i == 0)
                snprintf (cell, sizeof cell, "%s", heads[j]);
            else
                s_cell (dbk_obj_at (rows, i - 1), keys[j], cell, sizeof cell);
            int pad = j == ncols - 1 ? 0 : width[j] - s_width (cell) + 2;
            int k = snprintf (line + len, sizeof line - len, "%s%*s", cell, pad, "");
            if (k > 0 && (size_t) k < sizeof line - len)
                len += (size_t) k;
        }
        /*  no trailing blanks when the last columns are empty */
        while (len && line[len - 1] == ' ')
            len--;
        printf ("%.*s\n", (int) len, line);
    }
}

/*  The reply's envelope keys (docs/protocol.md §4.2): not the answer. */
static bool s_envelope (const char *s, size_t n)
{
    return (n == 1 && s[0] == 'v') || (n == 3 && memcmp (s, "rid", 3) == 0) ||
           (n == 2 && memcmp (s, "ok", 2) == 0);
}

json_t *cli_reply_json (const dbk_doc_t *reply)
{
    json_t *j = dbk_json_from_obj (dbk_doc_root (reply));
    json_object_del (j, "v");
    json_object_del (j, "rid");
    json_object_del (j, "ok");
    return j;
}

/*  Every pair of a map but `skip`, one "key  value" line each. */
void cli_fields (const dbk_obj_t *m, const char *skip)
{
    int w = 0;
    char key[64], cell[4096];
    for (size_t i = 0; i < dbk_obj_len (m); i++) {
        const char *s;
        size_t n;
        if (!dbk_obj_str (dbk_obj_key_at (m, i), &s, &n) && (int) n > w && !s_envelope (s, n))
            w = (int) n;
    }
    for (size_t i = 0; i < dbk_obj_len (m); i++) {
        const char *s;
        size_t n;
        if (dbk_obj_str (dbk_obj_key_at (m, i), &s, &n) ||
            (skip && strlen (skip) == n && memcmp (s, skip, n) == 0) || s_envelope (s, n))
            continue;
        snprintf (key, sizeof key, "%.*s", (int) n, s);
        s_cell (m, key, cell, sizeof cell);
        printf ("%-*s  %s\n", w, key, cell);
    }
}

int cli_svc_print (const cli_t *cli, dbk_doc_t *reply, const char *text)
{
    if (cli->json)
        cli_print_json (cli_reply_json (reply));
    else if (text)
        printf ("%s\n", text);
    dbk_doc_destroy (&reply);
    return CLI_OK;
}

void cli_cmd_derived_id (const cli_t *cli, char id[21])
{
    /*  as the services derive it (protocol.md §16.1): the command's 12
        hex digits of time then 8 random, so that it sorts by creation,
        is short enough to type, and is the same on a retry with --cmd */
    dbk_hex (cli->cmd, 6, id);
    dbk_hex (cli->cmd + 12, 4, id + 12);
    id[20] = 0;
}

/*  A command creating an aggregate: the CLI picks the id (unless --id),
    so it can print it without another round trip. */
int cli_create (const cli_t *cli, const char *what, const char *op, cli_req_t *r, const char *noun)
{
    char id[CLI_ID_MAX + 1];
    const char *given = cli_flag (cli, "--id");
    if (given && (!*given || strlen (given) > CLI_ID_MAX))
        return cli_fail (CLI_USAGE, "%s: --id takes 1 to %d bytes", what, CLI_ID_MAX);
    if (given)
        snprintf (id, sizeof id, "%s", given);
    else
        cli_cmd_derived_id (cli, id);
    cli_req_add (r, "id", id, CLI_F_STR);
    dbk_doc_t *reply;
    int rc = cli_svc_call (cli, what, op, true, r, &reply);
    if (rc)
        return rc;
    if (cli->json) {
        json_t *j = cli_reply_json (reply);
        json_object_set_new (j, "id", json_string (id));
        cli_print_json (j);
    } else
        printf ("%s %s\n", noun, id);
    dbk_doc_destroy (&reply);
    return CLI_OK;
}

/*  An update: says whether anything changed (an update to the same
    values appends nothing). */
int cli_changed (const cli_t *cli, const char *what, const char *op, const cli_req_t *r,
                 const char *noun, const char *id)
{
    dbk_doc_t *reply;
    int rc = cli_svc_call (cli, what, op, true, r, &reply);
    if (rc)
        return rc;
    uint64_t events = 0;
    dbk_obj_u64 (dbk_obj_get (dbk_doc_root (reply), "events"), &events);
    char line[200];
    snprintf (line, sizeof line, "%s %.80s %s", noun, id, events ? "updated" : "unchanged");
    return cli_svc_print (cli, reply, line);
}

int cli_need_arg (const cli_t *cli, int i, const char *what, const char *name)
{
    if (cli->nargs <= i)
        return cli_fail (CLI_USAGE, "%s: missing %s (see dealbook help %.*s)", what, name,
                         (int) strcspn (what, " "), what);
    return 0;
}

void cli_next_hint (const cli_t *cli, const dbk_obj_t *root)
{
    char next[2 * 1024 + 8]; /* a cursor: hex digits of an index key */
    s_cell (root, "next", next, sizeof next);
    bool more = false; /* cut at the limit, with no cursor to go on from */
    dbk_obj_bool (dbk_obj_get (root, "more"), &more);
    if (*next && !cli->json)
        printf ("(more: --after %s)\n", next); /* hex digits: no quoting needed */
    else if (more && !cli->json)
        printf ("(more: raise --limit)\n");
}

/*  ---- account ---- */

static const cli_flagdef_t s_account_flags[] = {{"--name", "name", CLI_F_STR},
                                                {"--type", "type", CLI_F_STR},
                                                {"--city", "city", CLI_F_STR},
                                                {"--region", "region", CLI_F_STR},
                                                {"--lead-source", "lead_source", CLI_F_STR},
                                                {"--size", "size", CLI_F_STR},
                                                {"--ownership", "ownership", CLI_F_STR},
                                                {"--past-projects", "past_projects", CLI_F_STR},
                                                {"--credit", "credit", CLI_F_STR},
                                                {"--force", "force", CLI_F_BOOL},
                                                {"--id", NULL, CLI_F_STR},
                                                {"--actor", NULL, CLI_F_STR},
                                                {NULL, NULL, CLI_F_STR}};
static const cli_flagdef_t s_list_flags[] = {{"--prefix", "prefix", CLI_F_STR},
                                             {"--type", "type", CLI_F_STR},
                                             {"--region", "region", CLI_F_STR},
                                             {"--city", "city", CLI_F_STR},
                                             {"--limit", "limit", CLI_F_INT},
                                             {"--after", "after", CLI_F_STR},
                                             {NULL, NULL, CLI_F_STR}};
static const cli_flagdef_t s_reason_flags[] = {
    {"--reason", "reason", CLI_F_STR}, {"--actor", NULL, CLI_F_STR}, {NULL, NULL, CLI_F_STR}};
static const cli_flagdef_t s_no_flags[] = {{NULL, NULL, CLI_F_STR}};
static const cli_flagdef_t s_merge_flags[] = {{"--into", "into", CLI_F_STR},
                                              {"--reason", "reason", CLI_F_STR},
                                              {"--actor", NULL, CLI_F_STR},
                                              {NULL, NULL, CLI_F_STR}};

int cli_account (cli_t *cli, const char *verb)
{
    if (cli->help || !verb)
        return cli_help_or_usage (cli, cli_account_help,
                                  "account: give a verb (dealbook help account lists them)");
    cli_req_t r = {.n = 0};
    dbk_doc_t *reply;
    int rc;
    if (strcmp (verb, "add") == 0) {
        if ((rc = cli_need_arg (cli, 0, "account add", "NAME")) ||
            (rc = cli_req_flags (cli, "account add", s_account_flags, &r)))
            return rc;
        if (cli_flag (cli, "--name"))
            return cli_fail (CLI_USAGE, "account add: the name is the argument, not --name");
        cli_req_add (&r, "name", cli->args[0], CLI_F_STR);
        return cli_create (cli, "account add", "ACCOUNT_REGISTER", &r, "account");
    }
    if (strcmp (verb, "show") == 0) {
        if ((rc = cli_need_arg (cli, 0, "account show", "ID")) ||
            (rc = cli_req_flags (cli, "account show", s_no_flags, &r)))
            return rc;
        cli_req_add (&r, "id", cli->args[0], CLI_F_STR);
        if ((rc = cli_svc_call (cli, "account show", "ACCOUNT_GET", false, &r, &reply)))
            return rc;
        if (!cli->json)
            cli_fields (dbk_doc_root (reply), NULL);
        return cli_svc_print (cli, reply, NULL);
    }
    if (strcmp (verb, "list") == 0) {
        if ((rc = cli_req_flags (cli, "account list", s_list_flags, &r)) ||
            (rc = cli_svc_call (cli, "account list", "ACCOUNT_LIST", false, &r, &reply)))
            return rc;
        if (!cli->json) {
            static const char *const keys[] = {"id", "name", "type", "city", "status"};
            static const char *const heads[] = {"ID", "NAME", "TYPE", "CITY", "STATUS"};
            cli_table (dbk_obj_get (dbk_doc_root (reply), "accounts"), keys, heads, 5);
            cli_next_hint (cli, dbk_doc_root (reply));
        }
        return cli_svc_print (cli, reply, NULL);
    }
    if (strcmp (verb, "update") == 0) {
        if ((rc = cli_need_arg (cli, 0, "account update", "ID")) ||
            (rc = cli_req_flags (cli, "account update", s_account_flags, &r)))
            return rc;
        if (cli_flag (cli, "--id"))
            return cli_fail (CLI_USAGE, "account update: the id is the argument, not --id");
        cli_req_add (&r, "id", cli->args[0], CLI_F_STR);
        return cli_changed (cli, "account update", "ACCOUNT_UPDATE", &r, "account", cli->args[0]);
    }
    if (strcmp (verb, "archive") == 0) {
        if ((rc = cli_need_arg (cli, 0, "account archive", "ID")) ||
            (rc = cli_req_flags (cli, "account archive", s_reason_flags, &r)))
            return rc;
        cli_req_add (&r, "id", cli->args[0], CLI_F_STR);
        if ((rc = cli_svc_call (cli, "account archive", "ACCOUNT_ARCHIVE", true, &r, &reply)))
            return rc;
        char line[120];
        snprintf (line, sizeof line, "account %.80s archived", cli->args[0]);
        return cli_svc_print (cli, reply, line);
    }
    if (strcmp (verb, "people") == 0)
        return cli_account_people (cli);
    if (strcmp (verb, "history") == 0)
        return cli_history (cli, "account", "account");
    if (strcmp (verb, "merge") == 0) {
        static const char *const need[] = {"--into", NULL};
        if ((rc = cli_need_arg (cli, 0, "account merge", "ID")) ||
            (rc = cli_need_flag (cli, "account merge", need)) ||
            (rc = cli_req_flags (cli, "account merge", s_merge_flags, &r)))
            return rc;
        cli_req_add (&r, "id", cli->args[0], CLI_F_STR);
        if ((rc = cli_svc_call (cli, "account merge", "ACCOUNT_MERGE", true, &r, &reply)))
            return rc;
        char line[200];
        snprintf (line, sizeof line, "account %.80s merged into %.80s", cli->args[0],
                  cli_flag (cli, "--into"));
        return cli_svc_print (cli, reply, line);
    }
    return cli_fail (CLI_USAGE, "unknown verb 'account %s' (try: dealbook help account)", verb);
}

/*  ---- contact ---- */

static const cli_flagdef_t s_contact_flags[] = {{"--name", "name", CLI_F_STR},
                                                {"--account", "account_id", CLI_F_STR},
                                                {"--title", "title", CLI_F_STR},
                                                {"--phone", "phone", CLI_F_STR},
                                                {"--email", "email", CLI_F_STR},
                                                {"--level", "level", CLI_F_STR},
                                                {"--function", "function", CLI_F_STR},
                                                {"--relationship", "relationship", CLI_F_STR},
                                                {"--influence", "influence", CLI_F_INT},
                                                {"--birthday", "birthday", CLI_F_STR},
                                                {"--messaging-id", "messaging_id", CLI_F_STR},
                                                {"--hobbies", "hobbies", CLI_F_STR},
                                                {"--hometown", "hometown", CLI_F_STR},
                                                {"--family-notes", "family_notes", CLI_F_STR},
                                                {"--notes", "notes", CLI_F_STR},
                                                {"--id", NULL, CLI_F_STR},
                                                {"--actor", NULL, CLI_F_STR},
                                                {NULL, NULL, CLI_F_STR}};
static const cli_flagdef_t s_move_flags[] = {{"--to", "account_id", CLI_F_STR},
                                             {"--reason", "reason", CLI_F_STR},
                                             {"--actor", NULL, CLI_F_STR},
                                             {NULL, NULL, CLI_F_STR}};
static const cli_flagdef_t s_trip_flags[] = {{"--from", "from", CLI_F_STR},
                                             {"--to", "to", CLI_F_STR},
                                             {"--city", "city", CLI_F_STR},
                                             {"--hotel", "hotel", CLI_F_STR},
                                             {"--transport", "transport", CLI_F_STR},
                                             {"--purpose", "purpose", CLI_F_STR},
                                             {"--actor", NULL, CLI_F_STR},
                                             {NULL, NULL, CLI_F_STR}};
static const cli_flagdef_t s_people_flags[] = {{"--account", "account_id", CLI_F_STR},
                                               {"--prefix", "prefix", CLI_F_STR},
                                               {"--limit", "limit", CLI_F_INT},
                                               {"--after", "after", CLI_F_STR},
                                               {NULL, NULL, CLI_F_STR}};
static const cli_flagdef_t s_notebook_flags[] = {
    {"--city", "city", CLI_F_STR},   {"--from", "from", CLI_F_STR},
    {"--to", "to", CLI_F_STR},       {"--salesperson", "salesperson", CLI_F_STR},
    {"--limit", "limit", CLI_F_INT}, {NULL, NULL, CLI_F_STR}};

/*  A flag the verb cannot do without: a usage error naming it. */
int cli_need_flag (const cli_t *cli, const char *what, const char *const *flags)
{
    for (; *flags; flags++)
        if (!cli_flag (cli, *flags))
            return cli_fail (CLI_USAGE, "%s: %s is required (see dealbook help %.*s)", what, *flags,
                             (int) strcspn (what, " "), what);
    return 0;
}

static int s_contact_show (cli_t *cli)
{
    cli_req_t r = {.n = 0};
    dbk_doc_t *reply;
    int rc;
    if ((rc = cli_need_arg (cli, 0, "contact show", "ID")) ||
        (rc = cli_req_flags (cli, "contact show", s_no_flags, &r)))
        return rc;
    cli_req_add (&r, "id", cli->args[0], CLI_F_STR);
    if ((rc = cli_svc_call (cli, "contact show", "CONTACT_GET", false, &r, &reply)))
        return rc;
    if (!cli->json) {
        const dbk_obj_t *root = dbk_doc_root (reply);
        cli_fields (root, "trips");
        const dbk_obj_t *trips = dbk_obj_get (root, "trips");
        if (dbk_obj_len (trips)) {
            static const char *const keys[] = {"trip",  "from",      "to",     "city",
                                               "hotel", "transport", "purpose"};
            static const char *const heads[] = {"TRIP",  "FROM",      "TO",     "CITY",
                                                "HOTEL", "TRANSPORT", "PURPOSE"};
            printf ("\n");
            cli_table (trips, keys, heads, 7);
        }
    }
    return cli_svc_print (cli, reply, NULL);
}

/*  contact notebook --untouched N | --birthdays N [--as-of D]: who was not
    touched by an activity for N days, whose birthday comes in N days. */
static int s_notebook_days (cli_t *cli)
{
    static const cli_flagdef_t untouched[] = {{"--untouched", "days", CLI_F_INT},
                                              {"--as-of", "as_of", CLI_F_STR},
                                              {"--salesperson", "salesperson", CLI_F_STR},
                                              {"--limit", "limit", CLI_F_INT},
                                              {"--after", "after", CLI_F_STR},
                                              {NULL, NULL, CLI_F_STR}};
    static const cli_flagdef_t birthdays[] = {{"--birthdays", "days", CLI_F_INT},
                                              {"--as-of", "as_of", CLI_F_STR},
                                              {"--salesperson", "salesperson", CLI_F_STR},
                                              {"--limit", "limit", CLI_F_INT},
                                              {NULL, NULL, CLI_F_STR}};
    bool by_birthday = cli_flag (cli, "--birthdays") != NULL;
    cli_req_t r = {.n = 0};
    dbk_doc_t *reply;
    int rc;
    if ((rc = cli_req_flags (cli, "contact notebook", by_birthday ? birthdays : untouched, &r)) ||
        (rc = cli_svc_call (cli, "contact notebook",
                            by_birthday ? "NOTEBOOK_BIRTHDAYS" : "NOTEBOOK_UNTOUCHED", false, &r,
                            &reply)))
        return rc;
    if (!cli->json) {
        static const char *const bkeys[] = {"upcoming",   "id",    "name",
                                            "account_id", "title", "phone"};
        static const char *const ukeys[] = {"last_activity", "id",    "name",
                                            "account_id",    "title", "phone"};
        static const char *const bheads[] = {"BIRTHDAY", "CONTACT", "NAME",
                                             "ACCOUNT",  "TITLE",   "PHONE"};
        static const char *const uheads[] = {"LAST ACTIVITY", "CONTACT", "NAME",
                                             "ACCOUNT",       "TITLE",   "PHONE"};
        cli_table (dbk_obj_get (dbk_doc_root (reply), "contacts"), by_birthday ? bkeys : ukeys,
                   by_birthday ? bheads : uheads, 6);
        cli_next_hint (cli, dbk_doc_root (reply));
    }
    return cli_svc_print (cli, reply, NULL);
}

int cli_contact (cli_t *cli, const char *verb)
{
    if (cli->help || !verb)
        return cli_help_or_usage (cli, cli_contact_help,
                                  "contact: give a verb (dealbook help contact lists them)");
    cli_req_t r = {.n = 0};
    dbk_doc_t *reply;
    int rc;
    if (strcmp (verb, "add") == 0) {
        static const char *const need[] = {"--account", NULL};
        if ((rc = cli_need_arg (cli, 0, "contact add", "NAME")) ||
            (rc = cli_need_flag (cli, "contact add", need)) ||
            (rc = cli_req_flags (cli, "contact add", s_contact_flags, &r)))
            return rc;
        if (cli_flag (cli, "--name"))
            return cli_fail (CLI_USAGE, "contact add: the name is the argument, not --name");
        cli_req_add (&r, "name", cli->args[0], CLI_F_STR);
        return cli_create (cli, "contact add", "CONTACT_ADD", &r, "contact");
    }
    if (strcmp (verb, "update") == 0) {
        if ((rc = cli_need_arg (cli, 0, "contact update", "ID")) ||
            (rc = cli_req_flags (cli, "contact update", s_contact_flags, &r)))
            return rc;
        if (cli_flag (cli, "--account"))
            return cli_fail (CLI_USAGE, "contact update: to change the account use 'contact "
                                        "move ID --to ACCOUNT'");
        if (cli_flag (cli, "--id"))
            return cli_fail (CLI_USAGE, "contact update: the id is the argument, not --id");
        cli_req_add (&r, "id", cli->args[0], CLI_F_STR);
        return cli_changed (cli, "contact update", "CONTACT_UPDATE", &r, "contact", cli->args[0]);
    }
    if (strcmp (verb, "show") == 0)
        return s_contact_show (cli);
    if (strcmp (verb, "relate") == 0)
        return cli_contact_relate (cli);
    if (strcmp (verb, "map") == 0)
        return cli_contact_map (cli);
    if (strcmp (verb, "history") == 0)
        return cli_history (cli, "contact", "contact");
    if (strcmp (verb, "list") == 0) {
        if ((rc = cli_req_flags (cli, "contact list", s_people_flags, &r)) ||
            (rc = cli_svc_call (cli, "contact list", "CONTACT_LIST", false, &r, &reply)))
            return rc;
        if (!cli->json) {
            static const char *const keys[] = {"id",    "name",  "account_id",
                                               "title", "level", "function"};
            static const char *const heads[] = {"ID",    "NAME",  "ACCOUNT",
                                                "TITLE", "LEVEL", "FUNCTION"};
            cli_table (dbk_obj_get (dbk_doc_root (reply), "contacts"), keys, heads, 6);
            cli_next_hint (cli, dbk_doc_root (reply));
        }
        return cli_svc_print (cli, reply, NULL);
    }
    if (strcmp (verb, "move") == 0) {
        static const char *const need[] = {"--to", NULL};
        if ((rc = cli_need_arg (cli, 0, "contact move", "ID")) ||
            (rc = cli_need_flag (cli, "contact move", need)) ||
            (rc = cli_req_flags (cli, "contact move", s_move_flags, &r)))
            return rc;
        cli_req_add (&r, "id", cli->args[0], CLI_F_STR);
        if ((rc = cli_svc_call (cli, "contact move", "CONTACT_MOVE", true, &r, &reply)))
            return rc;
        char line[200];
        snprintf (line, sizeof line, "contact %.80s moved to %.80s", cli->args[0],
                  cli_flag (cli, "--to"));
        return cli_svc_print (cli, reply, line);
    }
    if (strcmp (verb, "trip") == 0) {
        static const char *const need[] = {"--from", "--to", "--city", NULL};
        if (cli->nargs < 1 || strcmp (cli->args[0], "add") != 0)
            return cli_fail (CLI_USAGE, "contact trip: the verb is 'trip add ID' (see dealbook "
                                        "help contact)");
        if ((rc = cli_need_arg (cli, 1, "contact trip add", "ID")) ||
            (rc = cli_need_flag (cli, "contact trip add", need)) ||
            (rc = cli_req_flags (cli, "contact trip add", s_trip_flags, &r)))
            return rc;
        cli_req_add (&r, "id", cli->args[1], CLI_F_STR);
        if ((rc = cli_svc_call (cli, "contact trip add", "TRIP_ADD", true, &r, &reply)))
            return rc;
        char line[200];
        snprintf (line, sizeof line, "trip added for contact %.80s", cli->args[1]);
        return cli_svc_print (cli, reply, line);
    }
    if (strcmp (verb, "notebook") == 0 &&
        (cli_flag (cli, "--untouched") || cli_flag (cli, "--birthdays")))
        return s_notebook_days (cli);
    if (strcmp (verb, "notebook") == 0) {
        static const char *const need[] = {"--city", "--from", "--to", NULL};
        if ((rc = cli_need_flag (cli, "contact notebook", need)) ||
            (rc = cli_req_flags (cli, "contact notebook", s_notebook_flags, &r)) ||
            (rc = cli_svc_call (cli, "contact notebook", "NOTEBOOK_CITY", false, &r, &reply)))
            return rc;
        if (!cli->json) {
            static const char *const keys[] = {"from", "to",    "city",  "id",
                                               "name", "title", "hotel", "purpose"};
            static const char *const heads[] = {"FROM", "TO",    "CITY",  "CONTACT",
                                                "NAME", "TITLE", "HOTEL", "PURPOSE"};
            cli_table (dbk_obj_get (dbk_doc_root (reply), "trips"), keys, heads, 8);
            cli_next_hint (cli, dbk_doc_root (reply)); /* cut at --limit */
        }
        return cli_svc_print (cli, reply, NULL);
    }
    return cli_fail (CLI_USAGE, "unknown verb 'contact %s' (try: dealbook help contact)", verb);
}
