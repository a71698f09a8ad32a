/*  dealbookd - all of dealbook in one process: the event log and every
    domain service run as the same actors as the separate binaries, on the
    same endpoints (DEALBOOK_*), with one data directory. On the first
    start of an empty log with --demo 1 it loads the demo data set through
    the services' commands. */
#include "bidding_server.h"
#include "contacts_server.h"
#include "dealbookd_demo.h"
#include "eventlog_server.h"
#include "forecasting_server.h"
#include "opportunities_server.h"

#include "dealbook/dbk_main.h"

#include <stdio.h>
#include <unistd.h>

static int s_ready (const dbk_config_t *cfg)
{
    printf ("dealbookd: log %s (pub %s), contacts %s, opportunities %s, bidding %s, "
            "forecasting %s, data %s\n",
            cfg->log_endpoint, cfg->pub_endpoint, cfg->contacts_endpoint,
            cfg->opportunities_endpoint, cfg->bidding_endpoint, cfg->forecasting_endpoint,
            cfg->data_dir);
    /*  the demo climbs the default levels' criteria and ticks the default
        checklist: under other funnel settings it would stop half-loaded */
    if (cfg->demo && (cfg->funnel_levels[0] || cfg->checklist[0])) {
        fprintf (stderr, "dealbookd: the demo data set needs the default funnel settings "
                         "(DEALBOOK_FUNNEL_LEVELS and DEALBOOK_CHECKLIST unset): not loaded\n");
        return 0;
    }
    if (cfg->demo && dealbookd_demo_log_empty (cfg)) {
        printf ("dealbookd: empty log: loading the demo data set ...\n");
        fflush (stdout);
        dealbookd_demo_stats_t st;
        int rc = dealbookd_demo_load (cfg, &st);
        if (isatty (STDOUT_FILENO))
            printf ("\r%40s\r", ""); /* the progress line goes */
        if (rc) {
            fprintf (stderr, "dealbookd: the demo data set did not load (%d commands sent)\n",
                     st.commands);
            return rc;
        }
        printf ("dealbookd: demo loaded: %d accounts, %d contacts, %d trips, %d activities, "
                "%d competitors, %d opportunities, %d tenders, %d contracts, %d quotas "
                "(%d commands)\n",
                st.accounts, st.contacts, st.trips, st.activities, st.competitors, st.opportunities,
                st.tenders, st.contracts, st.quotas, st.commands);
    }
    printf ("\nTry, in another terminal:\n"
            "  dealbook status\n"
            "  dealbook account list --region 华东\n"
            "  dealbook contact notebook --birthdays 30 --salesperson zhao.lei\n"
            "  dealbook opp list --owner zhao.lei\n"
            "  dealbook opp show demo-o070\n"
            "  dealbook tender show demo-t07\n"
            "  dealbook funnel --owner zhao.lei\n"
            "  dealbook log tail\n"
            "(the CLI is build/release/bin/dealbook; Ctrl-C here stops everything)\n");
    fflush (stdout);
    return 0;
}

int main (int argc, char **argv)
{
    static zactor_fn *const more[] = {contacts_server, opportunities_server, bidding_server,
                                      forecasting_server, NULL};
    const dbk_main_t m = {.name = "dealbookd",
                          .summary = "All of dealbook in one process: the event log and the "
                                     "domain services, one data directory.",
                          .example = "dealbookd --data-dir ./var/dealbook --demo 1",
                          .actor = eventlog_server,
                          .more = more,
                          .ready = s_ready};
    return dbk_main_run (&m, argc, argv);
}
