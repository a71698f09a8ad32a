/*  cli_bid.h - what the CLI nouns of the bidding service share
    (cli_bid.c: tender, intel; cli_contract.c: quote, contract): the
    request, a table of simple verbs, reading replies, tables of any
    values, timelines and the lists given by repeated flags. */
#ifndef CLI_BID_H
#define CLI_BID_H

#include "cli.h"
#include "cli_contacts.h"

/*  A request to the bidding service. */
#define CLI_BID_REQ(cli)                                                                           \
    {                                                                                              \
        .n = 0, .endpoint = (cli)->cfg.bidding_endpoint, .service = "bidding"                      \
    }

#define CLI_BID_END                                                                                \
    {                                                                                              \
        NULL, NULL, CLI_F_STR                                                                      \
    }

/*  A verb that sends one command on one aggregate: `<noun> <verb> [sub]
    ID POS...` with flags; prints "<noun> ID <done>" (or "unchanged"). */
typedef struct {
    const char *verb;           /* "part-status"                       */
    const char *sub;            /* "add" of "line add", or NULL        */
    const char *op;             /* "TENDER_PART_STATUS"                */
    const char *pos[3];         /* request keys of the positionals     */
    const char *posname[3];     /* their names in messages             */
    cli_kind_t poskind[3];      /* and kinds                           */
    const char *const *need;    /* required flags, NULL-terminated     */
    const cli_flagdef_t *flags; /* flags accepted                      */
    const char *done;           /* "part set"                          */
} cli_bid_verb_t;

/*  Run the verb of the table named by verb (and sub-verb): an exit code,
    or -1 when the table has no such verb. */
int cli_bid_dispatch (cli_t *cli, const char *noun, const char *verb, const cli_bid_verb_t *table);

/*  Run v with r pre-filled (a list, merged fields). */
int cli_bid_run (cli_t *cli, const char *noun, const cli_bid_verb_t *v, cli_req_t *r);

/*  A value as text ("" when absent or nil; integers in decimal). */
const char *cli_bid_val (const dbk_obj_t *m, const char *key, char *buf, size_t bufsz);

/*  The array under key in map m, even when the map holds the key twice
    (QUOTE_GET: "lines" is the row's count, then the list); NULL if none. */
const dbk_obj_t *cli_bid_array (const dbk_obj_t *m, const char *key);

/*  The maps of rows as a table: integers in decimal, "*_bp" keys as
    percentages ("15.00"), true as "yes". */
void cli_bid_table (const dbk_obj_t *rows, const char *const *keys, const char *const *heads,
                    int ncols);

/*  A timeline [{type, at, data}] as AT, EVENT, DETAIL lines. */
void cli_bid_timeline (const dbk_obj_t *tl);

/*  "15", "12.5" (percent) as basis points ("1500", "1250") in out; -1 if
    it is not a percentage from 0 to 100 with at most two decimals. */
int cli_bid_pct (const char *s, char *out, size_t outsz);

/*  Basis points as a percentage "15.00". */
const char *cli_bid_bp (int64_t bp, char *buf, size_t bufsz);

/*  The values of a repeated flag, each "a:b:c" split on ':' into the
    keys named (NULL-terminated; a key starting with '#' is an integer,
    '?' a switch that is true when the field equals its name), as one
    JSON array text (caller frees); NULL and *rc set on a usage error,
    NULL and *rc 0 when the flag is absent. */
char *cli_bid_list (const cli_t *cli, const char *what, const char *flag, const char *const *keys,
                    int *rc);

/*  cmd of a verb with a JSON list: --NAME 'a:b:c' (repeated) or
    --NAME-json '[...]' into r's key. 0 or an exit code; *owned the text to
    free after the call. */
int cli_bid_list_flag (const cli_t *cli, const char *what, const char *flag, const char *jsonflag,
                       const char *key, const char *const *keys, cli_req_t *r, char **owned);

#endif
