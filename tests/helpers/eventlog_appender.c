/*  eventlog_appender - a client that appends until the log stops
    answering, for crash tests:

        eventlog_appender ENDPOINT OWN_STREAM SHARED_STREAM TIMEOUT_MS [MAX_APPENDS]

    Appends batches of 1..4 events with expect "any", alternating between
    OWN_STREAM and SHARED_STREAM. After each acknowledgement (and only
    then) it writes one line per event to stdout: the event id in hex, a
    space and the seq the log gave it. Exits 0 when the log stops
    answering (timeout or error), on SIGTERM (an acknowledgement already
    received is still written out), or after MAX_APPENDS appends; 2 on
    usage errors.
*/
#include "dealbook/dbk_client.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_BATCH_MAX 4

static int s_write_all (const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write (STDOUT_FILENO, buf, len);
        if (n < 0 && errno == EINTR)
            continue; /* SIGTERM from the test: finish the line first */
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t) n;
    }
    return 0;
}

int main (int argc, char **argv)
{
    if (argc < 5) {
        fprintf (stderr, "usage: eventlog_appender ENDPOINT OWN_STREAM SHARED_STREAM "
                         "TIMEOUT_MS [MAX_APPENDS]\n");
        return 2;
    }
    const char *endpoint = argv[1];
    const char *streams[2] = {argv[2], argv[3]};
    int timeout_ms = atoi (argv[4]);
    long max = argc > 5 ? atol (argv[5]) : 0;
    signal (SIGPIPE, SIG_IGN); /* a vanished reader shows up as EPIPE */
    dbk_client_t *c = dbk_client_new (endpoint, timeout_ms);
    dbk_wr_t *bufs[S_BATCH_MAX];
    for (int i = 0; i < S_BATCH_MAX; i++)
        bufs[i] = dbk_wr_new ();
    if (!c)
        return 2;
    int rc = 0;
    for (long k = 0; max == 0 || k < max; k++) {
        size_t n = 1 + (size_t) (k % S_BATCH_MAX);
        dbk_event_t evs[S_BATCH_MAX];
        for (size_t i = 0; i < n; i++) {
            dbk_event_t *ev = &evs[i];
            memset (ev, 0, sizeof *ev);
            dbk_uuid_v7 (ev->id);
            ev->type = "crash.appended";
            ev->type_len = strlen (ev->type);
            ev->actor = "test";
            ev->actor_len = 4;
            ev->at = INT64_MIN;
            ev->schema = 1;
            dbk_wr_reset (bufs[i]);
            dbk_wr_map (bufs[i], 2);
            dbk_wr_kv_u64 (bufs[i], "k", (uint64_t) k);
            dbk_wr_kv_u64 (bufs[i], "i", i);
            ev->data_raw = dbk_wr_data (bufs[i]);
            ev->data_raw_len = dbk_wr_size (bufs[i]);
        }
        uint64_t first = 0, last = 0;
        rc = dbk_client_append (c, streams[k % 2], DBK_EXPECT_ANY, evs, n, &first, &last, NULL);
        if (rc) {
            /*  a timeout is how a crash test ends us: not worth a line */
            if (rc != DBK_ETIMEOUT && rc != DBK_EINTERRUPTED)
                fprintf (stderr, "eventlog_appender: stopping after %ld appends: %s (%s)\n", k,
                         dbk_strerror (rc), dbk_client_errmsg (c));
            break;
        }
        char line[128];
        for (size_t i = 0; i < n; i++) {
            char hex[2 * DBK_ID_SIZE + 1];
            dbk_hex (evs[i].id, DBK_ID_SIZE, hex);
            int len =
                snprintf (line, sizeof line, "%s %llu\n", hex, (unsigned long long) (first + i));
            if (s_write_all (line, (size_t) len))
                goto done; /* the reader is gone */
        }
    }
done:
    for (int i = 0; i < S_BATCH_MAX; i++)
        dbk_wr_destroy (&bufs[i]);
    dbk_client_destroy (&c);
    return 0;
}
