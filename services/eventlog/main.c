/*  dealbook-eventlog - the event log as its own process. */
#include "eventlog_server.h"

#include "dealbook/dbk_main.h"

int main (int argc, char **argv)
{
    const dbk_main_t m = {
        .name = "dealbook-eventlog",
        .summary = "The dealbook event log: append-only LMDB log, ROUTER + PUB.",
        .example = "dealbook-eventlog --data-dir /var/lib/dealbook --log tcp://0.0.0.0:7710 "
                   "--pub tcp://0.0.0.0:7711",
        .actor = eventlog_server};
    return dbk_main_run (&m, argc, argv);
}
