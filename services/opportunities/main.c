/*  dealbook-opportunities - the opportunities service as its own process. */
#include "opportunities_server.h"

#include "dealbook/dbk_main.h"

int main (int argc, char **argv)
{
    const dbk_main_t m = {.name = "dealbook-opportunities",
                          .summary = "The dealbook opportunities service: registration, the "
                                     "funnel, stakeholder maps, outcomes.",
                          .example = "dealbook-opportunities --data-dir /var/lib/dealbook "
                                     "--opportunities-endpoint tcp://0.0.0.0:7730",
                          .actor = opportunities_server};
    return dbk_main_run (&m, argc, argv);
}
