/*  dealbook-contacts - the contacts service as its own process. */
#include "contacts_server.h"

#include "dealbook/dbk_main.h"

int main (int argc, char **argv)
{
    const dbk_main_t m = {.name = "dealbook-contacts",
                          .summary = "The dealbook contacts service: accounts, contacts, trips.",
                          .example =
                              "dealbook-contacts --data-dir /var/lib/dealbook --contacts-endpoint "
                              "tcp://0.0.0.0:7720",
                          .actor = contacts_server};
    return dbk_main_run (&m, argc, argv);
}
