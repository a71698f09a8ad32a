/*  dealbook-bidding - the bidding service as its own process. */
#include "bidding_server.h"

#include "dealbook/dbk_main.h"

int main (int argc, char **argv)
{
    const dbk_main_t m = {.name = "dealbook-bidding",
                          .summary = "The dealbook bidding service: tenders, quotes and their "
                                     "approval, awards, contracts and collection.",
                          .example = "dealbook-bidding --data-dir /var/lib/dealbook "
                                     "--bidding-endpoint tcp://0.0.0.0:7740",
                          .actor = bidding_server};
    return dbk_main_run (&m, argc, argv);
}
