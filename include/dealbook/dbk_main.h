/*  dbk_main.h - the body of every service binary's main(): configuration
    from DEALBOOK_* variables and flags, --help / --version, the file
    descriptor limit raised, logged and watched (dbk_fds.h), zsys set-up,
    the actor started and its "READY" awaited, and a clean stop on SIGINT
    or SIGTERM. Each service's main.c stays a few lines (Malamute's
    malamute.c is the model).
*/
#ifndef DBK_MAIN_H
#define DBK_MAIN_H

#include "dealbook/dbk_config.h"

#include <czmq.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *name;       /* binary name, e.g. "dealbook-eventlog"          */
    const char *summary;    /* one line for --help                            */
    const char *example;    /* an example command line for --help             */
    zactor_fn *actor;       /* started with a const dbk_config_t * argument;
                               answers "READY" or "FAILED <reason>" on its pipe */
    zactor_fn *const *more; /* more actors in the same process, started in
                               order after `actor` (each READY first), stopped
                               in reverse; NULL-terminated, or NULL        */
    /*  Optional: run once every actor is READY (e.g. load demo data); its
        non-zero return stops the process with exit code 1. */
    int (*ready) (const dbk_config_t *cfg);
} dbk_main_t;

/*  Run the service until SIGINT / SIGTERM or until its actor ends.
    Returns the process exit code: 0 on a clean stop, 1 for bad
    configuration or a failed start (the reason is printed on stderr). */
int dbk_main_run (const dbk_main_t *m, int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
