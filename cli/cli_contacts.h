/*  cli_contacts.h - what the CLI nouns of the contacts service share
    (cli_contacts.c: account, contact; cli_market.c: competitor, activity):
    flags mapped to request keys, the call, tables and answers. */
#ifndef CLI_CONTACTS_H
#define CLI_CONTACTS_H

#include "cli.h"

/*  How a flag's value goes into the request. */
typedef enum {
    CLI_F_STR,   /* text                                     */
    CLI_F_INT,   /* a whole number, 0 or more (cli_int)      */
    CLI_F_SINT,  /* a whole number that may be negative      */
    CLI_F_BOOL,  /* a switch: true                           */
    CLI_F_FALSE, /* a switch: false                         */
    CLI_F_LIST,  /* "a,b,c": an array of texts; may repeat   */
    CLI_F_NIL,   /* nil, whatever the value: clears a field  */
    CLI_F_JSON   /* JSON text, sent as its msgpack value     */
} cli_kind_t;

/*  A flag a verb accepts and the request key it becomes (NULL: the CLI
    reads it itself). Only a CLI_F_LIST flag may be given more than once:
    with a key, its values add up into one array ("--with a,b --with c":
    [a, b, c]); without one, the verb reads each (cli_bid_list). */
typedef struct {
    const char *flag;
    const char *key;
    cli_kind_t kind;
} cli_flagdef_t;

/*  The flags every command of the opportunities, bidding and forecasting
    services takes: who gives it, and the business date it states
    (protocol.md §16), both written by cli_svc_call. The contacts service
    ignores "on": its commands take --actor alone. */
#define CLI_CMD_FLAGS                                                                              \
    {"--actor", NULL, CLI_F_STR},                                                                  \
    {                                                                                              \
        "--on", NULL, CLI_F_STR                                                                    \
    }

#define CLI_MAX_PAIRS 24

/*  The fields of one request, and the service it goes to: `endpoint` and
    `service` (its name in messages) NULL for the contacts service. */
typedef struct {
    const char *key[CLI_MAX_PAIRS];
    const char *val[CLI_MAX_PAIRS];
    cli_kind_t kind[CLI_MAX_PAIRS];
    int n;
    const char *endpoint;
    const char *service;
} cli_req_t;

void cli_req_add (cli_req_t *r, const char *key, const char *val, cli_kind_t kind);

/*  Take the verb's flags into r; an unknown flag, or one given twice that
    is not a list (cli_flag_once), is a usage error. `what` is "noun verb":
    its noun names the help to see. */
int cli_req_flags (const cli_t *cli, const char *what, const cli_flagdef_t *allowed, cli_req_t *r);

/*  Usage errors for a missing positional argument / required flags. */
int cli_need_arg (const cli_t *cli, int i, const char *what, const char *name);
int cli_need_flag (const cli_t *cli, const char *what, const char *const *flags);

/*  Send op to r's service (the contacts service by default) with r's pairs (plus cmd and actor for
    a command). Returns the exit code; *reply_p the OK reply (caller's). A CLI_F_INT or CLI_F_SINT
    value that cli_int refuses is refused first, nothing sent (cli_int_arg: INVALID, exit 2,
    naming the flag it came from). */
int cli_svc_call (const cli_t *cli, const char *what, const char *op, bool is_cmd,
                  const cli_req_t *r, dbk_doc_t **reply_p);

/*  A service's reply as JSON, without the envelope keys (v, rid, ok): ids
    (a command's cmd) as dashed UUIDs, as `dealbook log read` shows the
    events' cause (dbk_json_from_obj). The caller's (json_decref). */
json_t *cli_reply_json (const dbk_doc_t *reply);

/*  Print the reply as JSON with --json (cli_reply_json), else `text` (if
    any); frees it. */
int cli_svc_print (const cli_t *cli, dbk_doc_t *reply, const char *text);

/*  The id of the aggregate a command creates when no --id is given:
    20 hex digits of the command id (cli->cmd), as the services derive it,
    so that a retry with --cmd names the same aggregate. */
void cli_cmd_derived_id (const cli_t *cli, char id[21]);

/*  A command creating an aggregate with an id the CLI picks (or --id):
    prints "<noun> <id>". */
int cli_create (const cli_t *cli, const char *what, const char *op, cli_req_t *r, const char *noun);

/*  An update: prints "<noun> <id> updated" or "unchanged". */
int cli_changed (const cli_t *cli, const char *what, const char *op, const cli_req_t *r,
                 const char *noun, const char *id);

/*  The maps of `rows` as a table of the given columns. */
void cli_table (const dbk_obj_t *rows, const char *const *keys, const char *const *heads,
                int ncols);

/*  Every pair of a map but `skip`, one "key  value" line each. */
void cli_fields (const dbk_obj_t *m, const char *skip);

/*  "(more: --after ...)" when the list has a next page. */
void cli_next_hint (const cli_t *cli, const dbk_obj_t *root);

/*  cli_people.c: contact relate | map, account people, and `<noun>
    history ID` (the events of stream <category>-ID, from the log). */
int cli_contact_relate (cli_t *cli);
int cli_contact_map (cli_t *cli);
int cli_account_people (cli_t *cli);
int cli_history (cli_t *cli, const char *noun, const char *category);

#endif
