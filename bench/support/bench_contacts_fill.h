/*  bench_contacts_fill.h - what bench_contacts needs besides bench.h: the
    shape of the data set it writes into the log (accounts, contacts, trips
    and activities, with the payloads the contacts deciders emit), the
    pre-fill through the event log's store, and the dealbook-contacts
    process. See bench_contacts.c and docs/performance.md.
*/
#ifndef BENCH_CONTACTS_FILL_H
#define BENCH_CONTACTS_FILL_H

#include "bench.h"

#include <stdint.h>
#include <sys/types.h>

#define BC_CITIES 50       /* trips are spread evenly over 50 cities     */
#define BC_FIRST_DAY 20089 /* 2025-01-01, days since 1970-01-01          */
#define BC_DAYS 730        /* trips and activities in 2025-2026          */
#define BC_TRIP_MAX_DAYS 7 /* a trip lasts 1..7 days                     */

typedef struct {
    uint64_t accounts;   /* account.registered                         */
    uint64_t contacts;   /* contact.added, each with a birthday        */
    uint64_t trips;      /* contact.trip_added                         */
    uint64_t activities; /* activity.logged (1-2 contacts each)        */
    uint64_t total;      /* all of them                                */
} bc_shape_t;

extern const char *const bc_cities[BC_CITIES];

/*  Deterministic pseudo-random bits of n (splitmix64). */
uint64_t bc_mix (uint64_t n);
/*  Day number (since 1970-01-01) to YYYY-MM-DD into out (11 bytes). */
void bc_civil (long days, char out[11]);
/*  Id of contact / account number i (0-based) into out. */
void bc_contact_id (uint64_t i, char *out, size_t n);
void bc_account_id (uint64_t i, char *out, size_t n);

/*  Write the data set into the log's data directory (bench_g.log_dir)
    through the event log's own store, before the server starts: accounts,
    then contacts, then trips and activities interleaved, 1000 events per
    durable transaction. Every event carries a distinct cause (command
    id), as the service's own events do. */
void bc_prefill (const bc_shape_t *shape);

/*  The dealbook-contacts process: data in <bench_g.base>/contacts, the
    log of bench_g, its ROUTER on `endpoint`; waits until it answers PING.
    Its pid is kept in bench_g.echo_pid (bench_log's echo slot, unused by
    this program), so that bench_die and bench_cleanup stop it too. */
void bc_spawn_contacts (const char *bin, const char *endpoint);
/*  Stop it (SIGTERM, wait) and optionally remove its data directory. */
void bc_stop_contacts (bool wipe);

/*  Bytes process pid asked to write (wchar of /proc/<pid>/io), 0 if unknown. */
uint64_t bc_written (pid_t pid);

/*  Ctrl-C / SIGTERM: kill both processes, remove the data, exit 130. */
void bc_on_signal (int sig);

#endif
