/*  dealbook-forecasting - the forecasting service as its own process. */
#include "forecasting_server.h"

#include "dealbook/dbk_main.h"

int main (int argc, char **argv)
{
    const dbk_main_t m = {.name = "dealbook-forecasting",
                          .summary = "The dealbook forecasting service: the funnel, forecasts "
                                     "against quotas, accuracy, progress, health, win/loss.",
                          .example = "dealbook-forecasting --data-dir /var/lib/dealbook "
                                     "--forecasting-endpoint tcp://0.0.0.0:7750",
                          .actor = forecasting_server};
    return dbk_main_run (&m, argc, argv);
}
