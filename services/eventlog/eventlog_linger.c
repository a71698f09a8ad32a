/*  eventlog_linger.c - who the group commit waits for (eventlog_linger.h). */
#include "eventlog_linger.h"

#include "dealbook/dbk_error.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

int eventlog_linger_init (eventlog_linger_t *l, size_t cap)
{
    memset (l, 0, sizeof *l);
    l->wait_ok = true;
    l->cap = cap;
    l->awaited = calloc (cap, sizeof *l->awaited);
    l->returned = calloc (cap, sizeof *l->returned);
    if (!l->awaited || !l->returned) {
        eventlog_linger_destroy (l);
        return DBK_ENOMEM;
    }
    return 0;
}

void eventlog_linger_destroy (eventlog_linger_t *l)
{
    free (l->awaited);
    free (l->returned);
    l->awaited = NULL;
    l->returned = NULL;
}

uint64_t eventlog_linger_who (const dbk_req_t *req)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a over the frames and their lengths */
    for (size_t i = 0; i < req->env_len; i++)
        h = (h ^ req->env[i]) * 1099511628211u;
    return h;
}

static int s_cmp_u64 (const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

void eventlog_linger_await (eventlog_linger_t *l, size_t n, int64_t commit_us)
{
    /*  sorted and deduplicated, for eventlog_linger_back's search */
    qsort (l->awaited, n, sizeof *l->awaited, s_cmp_u64);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || l->awaited[k - 1] != l->awaited[i])
            l->awaited[k++] = l->awaited[i];
    memset (l->returned, 0, k * sizeof *l->returned);
    l->nawaited = l->awaiting = k;
    int64_t linger = commit_us < EVENTLOG_LINGER_MIN_US   ? EVENTLOG_LINGER_MIN_US
                     : commit_us > EVENTLOG_LINGER_MAX_US ? EVENTLOG_LINGER_MAX_US
                                                          : commit_us;
    int64_t now = zclock_usecs ();
    l->waiting = k > 0 && (l->wait_ok || now >= l->next_probe);
    if (l->waiting && !l->wait_ok)
        l->next_probe = now + EVENTLOG_PROBE_US;
    l->linger_until = l->waiting ? now + linger : now;
}

void eventlog_linger_back (eventlog_linger_t *l, uint64_t who)
{
    size_t lo = 0, hi = l->nawaited;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->awaited[mid] < who)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < l->nawaited && l->awaited[lo] == who && !l->returned[lo]) {
        l->returned[lo] = true;
        l->awaiting--;
    }
}

bool eventlog_linger_due (eventlog_linger_t *l)
{
    if (l->awaiting > 0 && zclock_usecs () < l->linger_until)
        return false;
    if (l->waiting)
        l->wait_ok = l->awaiting == 0; /* everyone came back in time */
    l->waiting = false;
    return true;
}

long eventlog_linger_timeout_ms (const eventlog_linger_t *l)
{
    int64_t now = zclock_usecs ();
    if (l->awaiting == 0 || l->linger_until <= now)
        return 0;
    return (long) ((l->linger_until - now + 999) / 1000);
}
