/*  cli_people.c - the relationship map and history verbs of the contacts
    nouns: contact relate | map | history, account people | history. */
#include "cli_contacts.h"

#include "dealbook/dbk_client.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*  contact relate ID --salesperson S --depth D [--notes N] */
int cli_contact_relate (cli_t *cli)
{
    static const cli_flagdef_t flags[] = {{"--salesperson", "salesperson", CLI_F_STR},
                                          {"--depth", "depth", CLI_F_STR},
                                          {"--notes", "notes", CLI_F_STR},
                                          {"--actor", NULL, CLI_F_STR},
                                          {NULL, NULL, CLI_F_STR}};
    static const char *const need[] = {"--salesperson", "--depth", NULL};
    cli_req_t r = {.n = 0};
    int rc;
    if ((rc = cli_need_arg (cli, 0, "contact relate", "ID")) ||
        (rc = cli_need_flag (cli, "contact relate", need)) ||
        (rc = cli_req_flags (cli, "contact relate", flags, &r)))
        return rc;
    cli_req_add (&r, "id", cli->args[0], CLI_F_STR);
    return cli_changed (cli, "contact relate", "RELATIONSHIP_SET", &r, "relationship of contact",
                        cli->args[0]);
}

/*  contact map ID | contact map --salesperson S */
int cli_contact_map (cli_t *cli)
{
    static const cli_flagdef_t flags[] = {{"--salesperson", "salesperson", CLI_F_STR},
                                          {"--limit", "limit", CLI_F_INT},
                                          {"--after", "after", CLI_F_STR},
                                          {NULL, NULL, CLI_F_STR}};
    cli_req_t r = {.n = 0};
    dbk_doc_t *reply;
    int rc;
    bool by_person = cli_flag (cli, "--salesperson") != NULL;
    if (!by_person && (rc = cli_need_arg (cli, 0, "contact map", "ID")))
        return rc;
    if (by_person && cli->nargs > 0)
        return cli_fail (CLI_USAGE, "contact map: give a contact ID or --salesperson, not both");
    if ((rc = cli_req_flags (cli, "contact map", flags, &r)))
        return rc;
    if (!by_person)
        cli_req_add (&r, "contact_id", cli->args[0], CLI_F_STR);
    if ((rc = cli_svc_call (cli, "contact map", "RELATIONSHIP_MAP", false, &r, &reply)))
        return rc;
    if (!cli->json) {
        const dbk_obj_t *root = dbk_doc_root (reply);
        if (by_person) {
            static const char *const keys[] = {"depth", "id", "name", "account_id", "title"};
            static const char *const heads[] = {"DEPTH", "CONTACT", "NAME", "ACCOUNT", "TITLE"};
            cli_table (dbk_obj_get (root, "contacts"), keys, heads, 5);
            cli_next_hint (cli, root);
        } else {
            static const char *const keys[] = {"salesperson", "depth", "notes"};
            static const char *const heads[] = {"SALESPERSON", "DEPTH", "NOTES"};
            cli_table (dbk_obj_get (root, "known_by"), keys, heads, 3);
        }
    }
    return cli_svc_print (cli, reply, NULL);
}

/*  account people ID: the account's people by level and function. */
int cli_account_people (cli_t *cli)
{
    static const cli_flagdef_t flags[] = {{NULL, NULL, CLI_F_STR}};
    cli_req_t r = {.n = 0};
    dbk_doc_t *reply;
    int rc;
    if ((rc = cli_need_arg (cli, 0, "account people", "ID")) ||
        (rc = cli_req_flags (cli, "account people", flags, &r)))
        return rc;
    cli_req_add (&r, "id", cli->args[0], CLI_F_STR);
    if ((rc = cli_svc_call (cli, "account people", "ACCOUNT_PEOPLE", false, &r, &reply)))
        return rc;
    if (!cli->json) {
        const dbk_obj_t *root = dbk_doc_root (reply), *groups = dbk_obj_get (root, "groups");
        const char *s;
        size_t n;
        if (dbk_obj_str (dbk_obj_get (root, "name"), &s, &n) == 0)
            printf ("%.*s (%s)\n", (int) n, s, cli->args[0]);
        if (dbk_obj_len (groups) == 0)
            printf ("no contacts yet\n");
        for (size_t i = 0; i < dbk_obj_len (groups); i++) {
            const dbk_obj_t *g = dbk_obj_at (groups, i);
            const char *l = "", *f = "";
            size_t ln = 0, fn = 0;
            dbk_obj_str (dbk_obj_get (g, "level"), &l, &ln);
            dbk_obj_str (dbk_obj_get (g, "function"), &f, &fn);
            printf ("\n%.*s / %.*s\n", ln ? (int) ln : 12, ln ? l : "(no level)",
                    fn ? (int) fn : 15, fn ? f : "(no function)");
            static const char *const keys[] = {"id",           "name",      "title",
                                               "relationship", "influence", "known_by"};
            static const char *const heads[] = {"  CONTACT",    "NAME",      "TITLE",
                                                "RELATIONSHIP", "INFLUENCE", "KNOWN BY"};
            cli_table (dbk_obj_get (g, "people"), keys, heads, 6);
        }
    }
    return cli_svc_print (cli, reply, NULL);
}

/*  One event of a history as a line: seq, when the log recorded it (ts,
    the log's clock: `at` is whatever its producer stated, and an event
    appended by hand may state any), type, who, and the payload's fields
    but the aggregate's id. */
static void s_history_line (const dbk_event_t *ev)
{
    char when[32] = "";
    time_t t = (time_t) (ev->ts / 1000);
    struct tm tm;
    if (gmtime_r (&t, &tm))
        strftime (when, sizeof when, "%Y-%m-%d %H:%M", &tm);
    json_t *data = dbk_json_from_mp (ev->data_raw, ev->data_raw_len);
    if (data)
        json_object_del (data, "id");
    char *fields = data ? json_dumps (data, JSON_COMPACT) : NULL;
    printf ("%6llu  %s  %-28.*s %-14.*s %s\n", (unsigned long long) ev->seq, when,
            (int) ev->type_len, ev->type, (int) ev->actor_len, ev->actor, fields ? fields : "");
    free (fields);
    json_decref (data);
}

/*  <noun> history ID: every event of stream <category>-ID, from the log
    itself (not the read model), oldest first. */
int cli_history (cli_t *cli, const char *noun, const char *category)
{
    char what[64], stream[DBK_STREAM_MAX + 1];
    snprintf (what, sizeof what, "%s history", noun);
    static const cli_flagdef_t flags[] = {{NULL, NULL, CLI_F_STR}};
    cli_req_t r = {.n = 0};
    int rc;
    if ((rc = cli_need_arg (cli, 0, what, "ID")) || (rc = cli_req_flags (cli, what, flags, &r)))
        return rc;
    int k = snprintf (stream, sizeof stream, "%s-%s", category, cli->args[0]);
    if (k < 0 || (size_t) k >= sizeof stream || !dbk_stream_name_valid (stream, (size_t) k))
        return cli_fail (CLI_USAGE, "%s: '%s' is not an id", what, cli->args[0]);
    dbk_client_t *c = cli_log_client (cli);
    if (!c)
        return cli_fail (CLI_USAGE, "bad endpoint %s", cli->cfg.log_endpoint);
    uint64_t from = 1, shown = 0;
    int code = 0;
    for (;;) {
        dbk_read_t rq = {.from = from, .stream = stream, .limit = 1000};
        dbk_doc_t *reply = NULL;
        dbk_page_t page;
        if ((rc = dbk_client_read (c, &rq, &reply, &page))) {
            code = cli_call_failed (what, rc, c);
            break;
        }
        if (page.count && !shown && !cli->json) /* the heading once there is a row */
            printf ("%6s  %-16s  %-28s %-14s %s\n", "SEQ", "RECORDED (UTC)", "EVENT", "BY",
                    "FIELDS");
        for (size_t i = 0; i < page.count && !code; i++) {
            dbk_event_t ev;
            json_t *j = NULL;
            int erc = dbk_page_event_checked (&page, i, &ev);
            if (erc == DBK_ECORRUPT)
                code = cli_fail (CLI_FAILED,
                                 "%s: the record at seq %llu fails its hash check (altered on "
                                 "disk?): run dealbook log verify",
                                 what, (unsigned long long) ev.seq);
            else if (erc)
                code = cli_fail (CLI_FAILED, "malformed record in the READ reply");
            else if (!cli->json)
                s_history_line (&ev);
            else if ((j = dbk_json_from_event (&ev)))
                cli_print_json (j);
            else
                code = cli_fail (CLI_FAILED, "%s: event %llu cannot be shown as JSON", what,
                                 (unsigned long long) ev.seq);
        }
        shown += page.count;
        from += page.count;
        bool done = page.count == 0;
        dbk_doc_destroy (&reply);
        if (done || code)
            break;
    }
    dbk_client_destroy (&c);
    if (!code && shown == 0)
        code = cli_fail (CLI_REJECTED, "%s: no %s %s in the log", what, noun, cli->args[0]);
    return code;
}
