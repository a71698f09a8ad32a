/*  eventlog_index.c - index entries waiting for the index tables
    (eventlog_index.h): an array in seq order, the streams met, and two
    open-addressing hash tables (id -> entry, name -> stream) at most half
    full. */
#include "eventlog_index.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_mem.h"

#include <stdlib.h>
#include <string.h>

#define S_NONE UINT32_MAX

typedef struct {
    size_t name;    /* offset in names         */
    size_t len;     /* bytes of the name       */
    uint32_t first; /* its first entry         */
    uint32_t last;  /* its last entry          */
} s_stream_t;

struct eventlog_index {
    eventlog_index_entry_t *entries; /* in seq order                     */
    size_t n, cap;                   /* entries held, room               */
    s_stream_t *streams;             /* in order of their first entry    */
    size_t ns, scap;                 /* streams held, room               */
    char *names;                     /* the streams' names, one after another */
    size_t nl, ncap;                 /* bytes used, room                 */
    uint32_t *ids;                   /* entry + 1, 0 = free              */
    uint32_t *names_at;              /* stream + 1, 0 = free             */
    size_t hcap;                     /* slots of each (a power of two)   */
};

static uint64_t s_mix (uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    return h ^ (h >> 33);
}

static uint64_t s_id_hash (const uint8_t *id)
{
    uint64_t a, b;
    memcpy (&a, id, 8);
    memcpy (&b, id + 8, 8);
    return s_mix (a ^ s_mix (b));
}

static uint64_t s_name_hash (const char *s, size_t len)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t) s[i]) * 1099511628211u;
    return s_mix (h);
}

eventlog_index_t *eventlog_index_new (void)
{
    return calloc (1, sizeof (eventlog_index_t));
}

void eventlog_index_destroy (eventlog_index_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    eventlog_index_t *self = *self_p;
    free (self->entries);
    free (self->streams);
    free (self->names);
    free (self->ids);
    free (self->names_at);
    free (self);
    *self_p = NULL;
}

static bool s_is_stream (const eventlog_index_t *self, uint32_t s, const char *name, size_t len)
{
    return self->streams[s].len == len &&
           memcmp (self->names + self->streams[s].name, name, len) == 0;
}

static uint32_t s_find_stream (const eventlog_index_t *self, const char *name, size_t len)
{
    if (!self->hcap)
        return S_NONE;
    size_t mask = self->hcap - 1;
    for (size_t i = s_name_hash (name, len) & mask;; i = (i + 1) & mask) {
        uint32_t s = self->names_at[i];
        if (!s)
            return S_NONE;
        if (s_is_stream (self, s - 1, name, len))
            return s - 1;
    }
}

static void s_put_id (eventlog_index_t *self, uint32_t e)
{
    size_t mask = self->hcap - 1, i = s_id_hash (self->entries[e].id) & mask;
    while (self->ids[i])
        i = (i + 1) & mask;
    self->ids[i] = e + 1;
}

static void s_put_stream (eventlog_index_t *self, uint32_t s)
{
    const s_stream_t *st = &self->streams[s];
    size_t mask = self->hcap - 1, i = s_name_hash (self->names + st->name, st->len) & mask;
    while (self->names_at[i])
        i = (i + 1) & mask;
    self->names_at[i] = s + 1;
}

/*  Both tables again, from the entries and streams held. */
static void s_rehash (eventlog_index_t *self)
{
    memset (self->ids, 0, self->hcap * sizeof *self->ids);
    memset (self->names_at, 0, self->hcap * sizeof *self->names_at);
    for (size_t e = 0; e < self->n; e++)
        s_put_id (self, (uint32_t) e);
    for (size_t s = 0; s < self->ns; s++)
        s_put_stream (self, (uint32_t) s);
}

/*  Room for one more entry and one more stream of `len` bytes. */
static int s_reserve (eventlog_index_t *self, size_t len)
{
    /*  entries and streams are numbered in 32 bits, S_NONE for none */
    if (self->n + 1 >= S_NONE / 2 || self->ns + 1 >= S_NONE / 2 ||
        dbk_grow (&self->entries, &self->cap, self->n + 1, sizeof *self->entries, 1024) ||
        dbk_grow (&self->streams, &self->scap, self->ns + 1, sizeof *self->streams, 256) ||
        dbk_grow (&self->names, &self->ncap, self->nl + len, 1, 16384))
        return DBK_ENOMEM;
    /*  each table at most half full, counting the entry to come */
    if (2 * (self->n + 1) > self->hcap || 2 * (self->ns + 1) > self->hcap) {
        size_t hcap = self->hcap ? 2 * self->hcap : 4096;
        uint32_t *ids = calloc (hcap, sizeof *ids), *names_at = calloc (hcap, sizeof *names_at);
        if (!ids || !names_at) {
            free (ids);
            free (names_at);
            return DBK_ENOMEM;
        }
        free (self->ids);
        free (self->names_at);
        self->ids = ids;
        self->names_at = names_at;
        self->hcap = hcap;
        s_rehash (self);
    }
    return 0;
}

int eventlog_index_add (eventlog_index_t *self, const uint8_t id[DBK_ID_SIZE], const char *stream,
                        size_t len, uint64_t ver, uint64_t seq)
{
    if (s_reserve (self, len))
        return DBK_ENOMEM;
    uint32_t e = (uint32_t) self->n++, s = s_find_stream (self, stream, len);
    if (s == S_NONE) {
        s = (uint32_t) self->ns++;
        self->streams[s] = (s_stream_t){.name = self->nl, .len = len, .first = e, .last = e};
        memcpy (self->names + self->nl, stream, len);
        self->nl += len;
        s_put_stream (self, s);
    } else {
        self->entries[self->streams[s].last].next = e;
        self->streams[s].last = e;
    }
    eventlog_index_entry_t *en = &self->entries[e];
    en->seq = seq;
    en->ver = ver;
    memcpy (en->id, id, DBK_ID_SIZE);
    en->stream = s;
    en->next = S_NONE;
    s_put_id (self, e);
    return 0;
}

size_t eventlog_index_count (const eventlog_index_t *self)
{
    return self->n;
}

const eventlog_index_entry_t *eventlog_index_at (const eventlog_index_t *self, size_t i)
{
    return &self->entries[i];
}

void eventlog_index_truncate (eventlog_index_t *self, size_t n)
{
    if (n >= self->n)
        return;
    self->n = n;
    /*  streams are listed in order of their first entry: those first met
        in the entries dropped are the last ones */
    while (self->ns > 0 && self->streams[self->ns - 1].first >= n)
        self->nl = self->streams[--self->ns].name;
    for (size_t s = 0; s < self->ns; s++) {
        s_stream_t *st = &self->streams[s];
        if (st->last < n)
            continue;
        uint32_t e = st->first;
        while (self->entries[e].next < n)
            e = self->entries[e].next;
        self->entries[e].next = S_NONE;
        st->last = e;
    }
    if (self->hcap)
        s_rehash (self);
}

uint64_t eventlog_index_id (const eventlog_index_t *self, const uint8_t id[DBK_ID_SIZE])
{
    if (!self->hcap)
        return 0;
    size_t mask = self->hcap - 1;
    for (size_t i = s_id_hash (id) & mask;; i = (i + 1) & mask) {
        uint32_t e = self->ids[i];
        if (!e)
            return 0;
        if (memcmp (self->entries[e - 1].id, id, DBK_ID_SIZE) == 0)
            return self->entries[e - 1].seq;
    }
}

bool eventlog_index_head (const eventlog_index_t *self, const char *stream, size_t len,
                          uint64_t *ver, uint64_t *seq)
{
    uint32_t s = s_find_stream (self, stream, len);
    if (s == S_NONE)
        return false;
    const eventlog_index_entry_t *last = &self->entries[self->streams[s].last];
    *ver = last->ver;
    *seq = last->seq;
    return true;
}

uint32_t eventlog_index_from (const eventlog_index_t *self, const char *stream, size_t len,
                              uint64_t from)
{
    uint32_t s = s_find_stream (self, stream, len),
             e = s == S_NONE ? S_NONE : self->streams[s].first;
    while (e != S_NONE && self->entries[e].ver < from)
        e = self->entries[e].next;
    return e;
}

size_t eventlog_index_nstreams (const eventlog_index_t *self)
{
    return self->ns;
}

const char *eventlog_index_stream_name (const eventlog_index_t *self, uint32_t s, size_t *len)
{
    *len = self->streams[s].len;
    return self->names + self->streams[s].name;
}

const eventlog_index_entry_t *eventlog_index_stream_last (const eventlog_index_t *self, uint32_t s)
{
    return &self->entries[self->streams[s].last];
}

size_t eventlog_index_new_streams (const eventlog_index_t *self)
{
    size_t k = 0;
    for (size_t s = 0; s < self->ns; s++)
        k += self->entries[self->streams[s].first].ver == 1;
    return k;
}
