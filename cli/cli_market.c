/*  cli_market.c - dealbook competitor add|update|show|list and dealbook
    activity log|list, talking to the contacts service (docs/protocol.md
    §16.1). Lists of ids are given comma-separated, the flag repeated or
    both: --close-to A1,A2 or --close-to A1 --close-to A2. */
#include "cli.h"
#include "cli_contacts.h"

#include <stdio.h>
#include <string.h>

void cli_competitor_help (void)
{
    printf ("usage: dealbook competitor <verb> ...\n\n"
            "  add NAME [--products P] [--price-level low|medium|high] [--strengths S]\n"
            "      [--weaknesses W] [--relationships R] [--close-to ACCOUNT,...] [--force]\n"
            "      [--id ID] (--close-to may also repeat: --close-to A1 --close-to A2)\n"
            "      record a competitor; prints its id. A name that another competitor's\n"
            "      has already (without case, punctuation, Co. Ltd.) is refused (exit 3)\n"
            "      unless --force\n"
            "      example: dealbook competitor add Kone --price-level high --close-to ACCOUNT\n"
            "  update ID [--name N] [--products P] ... [--close-to ACCOUNT,...] [--force]\n"
            "      change fields (an empty value clears one; --close-to replaces the list)\n"
            "  show ID                   every field of a competitor\n"
            "  list [--close-to ACCOUNT] [--limit N] [--after CURSOR]\n"
            "      every competitor, or those close to one account\n\n"
            "  --contacts-endpoint EP (DEALBOOK_CONTACTS_ENDPOINT), --actor WHO, --json\n");
}

void cli_activity_help (void)
{
    printf ("usage: dealbook activity <verb> ...\n\n"
            "  log KIND --date YYYY-MM-DD --with CONTACT,... [--account ID] [--ours NAME,...]\n"
            "      [--notes N] [--cost MINOR_UNITS --currency CNY] [--id ID]\n"
            "      --with and --ours take a comma list, or repeat: --with C1 --with C2\n"
            "      kinds: visit call meeting technical_exchange site_visit dinner\n"
            "      example: dealbook activity log visit --date 2026-03-10 --with CONTACT\n"
            "      --date: the day it took place, not after today; a trip to come\n"
            "      is a contact's trip (dealbook contact trip add)\n"
            "  list --account ID | --contact ID [--limit N] [--after CURSOR]\n"
            "      newest first\n\n"
            "  --contacts-endpoint EP (DEALBOOK_CONTACTS_ENDPOINT), --actor WHO, --json\n");
}

static const cli_flagdef_t s_competitor_flags[] = {{"--name", "name", CLI_F_STR},
                                                   {"--products", "products", CLI_F_STR},
                                                   {"--price-level", "price_level", CLI_F_STR},
                                                   {"--strengths", "strengths", CLI_F_STR},
                                                   {"--weaknesses", "weaknesses", CLI_F_STR},
                                                   {"--relationships", "relationships", CLI_F_STR},
                                                   {"--close-to", "close_to", CLI_F_LIST},
                                                   {"--force", "force", CLI_F_BOOL},
                                                   {"--id", NULL, CLI_F_STR},
                                                   {"--actor", NULL, CLI_F_STR},
                                                   {NULL, NULL, CLI_F_STR}};
static const cli_flagdef_t s_competitor_list_flags[] = {{"--close-to", "close_to", CLI_F_STR},
                                                        {"--limit", "limit", CLI_F_INT},
                                                        {"--after", "after", CLI_F_STR},
                                                        {NULL, NULL, CLI_F_STR}};

int cli_competitor (cli_t *cli, const char *verb)
{
    if (cli->help || !verb)
        return cli_help_or_usage (cli, cli_competitor_help,
                                  "competitor: give a verb (dealbook help competitor lists them)");
    cli_req_t r = {.n = 0};
    dbk_doc_t *reply;
    int rc;
    if (strcmp (verb, "add") == 0) {
        if ((rc = cli_need_arg (cli, 0, "competitor add", "NAME")))
            return rc;
        if (cli_flag (cli, "--name"))
            return cli_fail (CLI_USAGE, "competitor add: the name is the argument, not --name");
        if ((rc = cli_req_flags (cli, "competitor add", s_competitor_flags, &r)))
            return rc;
        cli_req_add (&r, "name", cli->args[0], CLI_F_STR);
        return cli_create (cli, "competitor add", "COMPETITOR_ADD", &r, "competitor");
    }
    if (strcmp (verb, "update") == 0) {
        if ((rc = cli_need_arg (cli, 0, "competitor update", "ID")) ||
            (rc = cli_req_flags (cli, "competitor update", s_competitor_flags, &r)))
            return rc;
        if (cli_flag (cli, "--id"))
            return cli_fail (CLI_USAGE, "competitor update: the id is the argument, not --id");
        cli_req_add (&r, "id", cli->args[0], CLI_F_STR);
        return cli_changed (cli, "competitor update", "COMPETITOR_UPDATE", &r, "competitor",
                            cli->args[0]);
    }
    if (strcmp (verb, "show") == 0) {
        static const cli_flagdef_t none[] = {{NULL, NULL, CLI_F_STR}};
        if ((rc = cli_need_arg (cli, 0, "competitor show", "ID")) ||
            (rc = cli_req_flags (cli, "competitor show", none, &r)))
            return rc;
        cli_req_add (&r, "id", cli->args[0], CLI_F_STR);
        if ((rc = cli_svc_call (cli, "competitor show", "COMPETITOR_GET", false, &r, &reply)))
            return rc;
        if (!cli->json)
            cli_fields (dbk_doc_root (reply), NULL);
        return cli_svc_print (cli, reply, NULL);
    }
    if (strcmp (verb, "list") == 0) {
        if ((rc = cli_req_flags (cli, "competitor list", s_competitor_list_flags, &r)) ||
            (rc = cli_svc_call (cli, "competitor list", "COMPETITOR_LIST", false, &r, &reply)))
            return rc;
        if (!cli->json) {
            static const char *const keys[] = {"id", "name", "price_level", "close_to"};
            static const char *const heads[] = {"ID", "NAME", "PRICE", "CLOSE TO"};
            cli_table (dbk_obj_get (dbk_doc_root (reply), "competitors"), keys, heads, 4);
            cli_next_hint (cli, dbk_doc_root (reply));
        }
        return cli_svc_print (cli, reply, NULL);
    }
    return cli_fail (CLI_USAGE, "unknown verb 'competitor %s' (try: dealbook help competitor)",
                     verb);
}

static const cli_flagdef_t s_log_flags[] = {
    {"--date", "date", CLI_F_STR},         {"--with", "their_people", CLI_F_LIST},
    {"--ours", "our_people", CLI_F_LIST},  {"--account", "account_id", CLI_F_STR},
    {"--notes", "notes", CLI_F_STR},       {"--cost", "cost", CLI_F_INT},
    {"--currency", "currency", CLI_F_STR}, {"--id", NULL, CLI_F_STR},
    {"--actor", NULL, CLI_F_STR},          {NULL, NULL, CLI_F_STR}};
static const cli_flagdef_t s_activity_list_flags[] = {{"--account", "account_id", CLI_F_STR},
                                                      {"--contact", "contact_id", CLI_F_STR},
                                                      {"--limit", "limit", CLI_F_INT},
                                                      {"--after", "after", CLI_F_STR},
                                                      {NULL, NULL, CLI_F_STR}};

int cli_activity (cli_t *cli, const char *verb)
{
    if (cli->help || !verb)
        return cli_help_or_usage (cli, cli_activity_help,
                                  "activity: give a verb (dealbook help activity lists them)");
    cli_req_t r = {.n = 0};
    dbk_doc_t *reply;
    int rc;
    if (strcmp (verb, "log") == 0) {
        static const char *const need[] = {"--date", "--with", NULL};
        if ((rc = cli_need_arg (cli, 0, "activity log", "KIND")) ||
            (rc = cli_need_flag (cli, "activity log", need)) ||
            (rc = cli_req_flags (cli, "activity log", s_log_flags, &r)))
            return rc;
        cli_req_add (&r, "kind", cli->args[0], CLI_F_STR);
        return cli_create (cli, "activity log", "ACTIVITY_LOG", &r, "activity");
    }
    if (strcmp (verb, "list") == 0) {
        if (!cli_flag (cli, "--account") == !cli_flag (cli, "--contact"))
            return cli_fail (CLI_USAGE, "activity list: give --account ID or --contact ID (see "
                                        "dealbook help activity)");
        if ((rc = cli_req_flags (cli, "activity list", s_activity_list_flags, &r)) ||
            (rc = cli_svc_call (cli, "activity list", "ACTIVITY_LIST", false, &r, &reply)))
            return rc;
        if (!cli->json) {
            static const char *const keys[] = {"date",       "kind",         "id",
                                               "account_id", "their_people", "notes"};
            static const char *const heads[] = {"DATE", "KIND", "ID", "ACCOUNT", "WITH", "NOTES"};
            cli_table (dbk_obj_get (dbk_doc_root (reply), "activities"), keys, heads, 6);
            cli_next_hint (cli, dbk_doc_root (reply));
        }
        return cli_svc_print (cli, reply, NULL);
    }
    return cli_fail (CLI_USAGE, "unknown verb 'activity %s' (try: dealbook help activity)", verb);
}
