/*  dbk_svc_later.c - index rows a projection hands to the shell to write
    in key order just before the batch commits (dbk_svc_put_later in
    dbk_service.h).

    A projection writes a handful of index rows per event, each at a key
    far from the last one: every put searches its tree from the root and
    dirties a page of its own. Kept here for the batch, sorted, and
    written through one cursor per database, consecutive rows land on the
    page the cursor already holds (LMDB searches that page first): fewer
    searches from the root, and the pages a batch touches are visited in
    order rather than at random.

    Records live in one arena: dbi, op, key and value lengths, then the
    bytes. At the flush each record gets a 24-byte entry holding its
    database and the first 16 bytes of its key, and the entries are radix
    sorted on those (LSD, so stable: records that tie keep the order of
    the calls). The sort never reads the arena, which for a replay batch
    is tens of megabytes visited at random. Keys that share their first
    16 bytes stay in call order among themselves: they are neighbours in
    the tree anyway, and records of one key are applied in the order they
    were made, so the last call for a key wins, as if written at once. */
#include "dbk_svc_internal.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_mem.h"

#include <stdlib.h>
#include <string.h>

/*  Past this many bytes a batch's rows are written at once (into the same
    transaction), so that a long replay batch stays within memory. */
#define S_LATER_FLUSH_BYTES ((size_t) 64 << 20)

/*  Records read ahead while writing. */
#define S_AHEAD 8

typedef struct {
    MDB_dbi dbi;  /* the database */
    uint32_t kl;  /* key bytes */
    uint32_t vl;  /* value bytes (put) */
    uint32_t del; /* 1: delete the key */
} s_rec_t;

/*  One record at the flush: the sort's key (database, then the key's
    first bytes, big-endian so that integers order as bytes do) and where
    the record is, in units of 8 bytes. */
typedef struct {
    uint64_t hi, lo;
    uint32_t dbi;
    uint32_t off8;
} s_ent_t;

struct dbk_svci_later {
    char *arena;     /* records, each padded to 8 bytes */
    size_t used;     /* bytes of arena used */
    size_t cap;      /* bytes of arena */
    size_t count;    /* records */
    s_ent_t *ents;   /* the flush's entries, twice count */
    size_t ents_cap; /* entries ents holds */
};

/*  A new arena of cap bytes holding the used bytes of the old one (of
    old_cap bytes). The flush visits it at random: it is in huge pages
    (dbk_mem.h). */
static char *s_arena (char *old, size_t used, size_t old_cap, size_t cap)
{
    char *p = dbk_huge_alloc (cap);
    if (!p)
        return NULL;
    if (used)
        memcpy (p, old, used);
    dbk_huge_free (old, old_cap);
    return p;
}

static size_t s_rec_size (size_t kl, size_t vl)
{
    return (sizeof (s_rec_t) + kl + vl + 7) & ~(size_t) 7;
}

int dbk_svci_later_add (dbk_svci_t *self, MDB_txn *txn, MDB_dbi dbi, const void *k, size_t kl,
                        const void *v, size_t vl, bool del)
{
    if (kl == 0 || kl > DBK_LMDB_KEY_MAX || vl > UINT32_MAX)
        return DBK_EINVAL;
    if (!self->later && !(self->later = calloc (1, sizeof *self->later)))
        return DBK_ENOMEM;
    struct dbk_svci_later *l = self->later;
    size_t need = s_rec_size (kl, vl);
    /*  offsets are kept in units of 8 bytes in 32 bits */
    if (l->used + need > ((size_t) UINT32_MAX << 3)) {
        int rc = txn ? dbk_svci_later_flush (self, txn) : DBK_ENOMEM;
        if (rc)
            return rc;
    }
    if (l->used + need > l->cap) {
        size_t cap = l->cap ? l->cap : (size_t) 1 << 20;
        while (cap < l->used + need)
            cap *= 2;
        char *p = s_arena (l->arena, l->used, l->cap, cap);
        if (!p)
            return DBK_ENOMEM;
        l->arena = p;
        l->cap = cap;
    }
    s_rec_t *r = (s_rec_t *) (l->arena + l->used);
    *r = (s_rec_t){dbi, (uint32_t) kl, (uint32_t) vl, del};
    memcpy (r + 1, k, kl);
    if (vl)
        memcpy ((char *) (r + 1) + kl, v, vl);
    l->used += need;
    l->count++;
    if (l->used >= S_LATER_FLUSH_BYTES && txn)
        return dbk_svci_later_flush (self, txn);
    return 0;
}

static int s_add (dbk_svc_ctx_t *ctx, MDB_dbi dbi, const void *k, size_t kl, const void *v,
                  size_t vl, bool del)
{
    if (!ctx || !ctx->svc || !ctx->projecting)
        return DBK_EINVAL;
    return dbk_svci_later_add (ctx->svc, ctx->txn, dbi, k, kl, v, vl, del);
}

int dbk_svc_put_later (dbk_svc_ctx_t *ctx, MDB_dbi dbi, const void *key, size_t kl, const void *val,
                       size_t vl)
{
    return s_add (ctx, dbi, key, kl, val, vl, false);
}

int dbk_svc_del_later (dbk_svc_ctx_t *ctx, MDB_dbi dbi, const void *key, size_t kl)
{
    return s_add (ctx, dbi, key, kl, NULL, 0, true);
}

/*  Up to 8 bytes of p as a big-endian integer, zeros after its end. */
static uint64_t s_be (const uint8_t *p, size_t n)
{
    uint8_t b[8] = {0};
    memcpy (b, p, n < 8 ? n : 8);
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = x << 8 | b[i];
    return x;
}

/*  Byte d (0 the least significant) of the sort key: lo, hi, then dbi. */
static unsigned s_digit (const s_ent_t *e, unsigned d)
{
    if (d < 8)
        return (unsigned) (e->lo >> (8 * d)) & 0xff;
    if (d < 16)
        return (unsigned) (e->hi >> (8 * (d - 8))) & 0xff;
    return (e->dbi >> (8 * (d - 16))) & 0xff;
}

#define S_DIGITS 20

/*  Stable LSD radix sort of n entries on (dbi, hi, lo); tmp holds n.
    A digit that is the same in every entry is skipped. Returns where the
    sorted entries are (v or tmp). */
static s_ent_t *s_sort (s_ent_t *v, s_ent_t *tmp, size_t n)
{
    static _Thread_local size_t counts[S_DIGITS][256];
    memset (counts, 0, sizeof counts);
    for (size_t i = 0; i < n; i++)
        for (unsigned d = 0; d < S_DIGITS; d++)
            counts[d][s_digit (&v[i], d)]++;
    s_ent_t *src = v, *dst = tmp;
    for (unsigned d = 0; d < S_DIGITS; d++) {
        size_t *c = counts[d], sum = 0;
        if (c[s_digit (&src[0], d)] == n)
            continue; /* every entry has this byte */
        for (unsigned b = 0; b < 256; b++) {
            size_t t = c[b];
            c[b] = sum;
            sum += t;
        }
        for (size_t i = 0; i < n; i++)
            dst[c[s_digit (&src[i], d)]++] = src[i];
        s_ent_t *t = src;
        src = dst;
        dst = t;
    }
    return src;
}

static bool s_same_key (const s_rec_t *x, const s_rec_t *y)
{
    return x->dbi == y->dbi && x->kl == y->kl && memcmp (x + 1, y + 1, x->kl) == 0;
}

static void s_prefetch (const char *arena, const s_ent_t *e)
{
    const char *p = arena + ((size_t) e->off8 << 3);
    __builtin_prefetch (p);
    __builtin_prefetch (p + 64);
}

int dbk_svci_later_flush (dbk_svci_t *self, MDB_txn *txn)
{
    struct dbk_svci_later *l = self->later;
    if (!l || l->count == 0)
        return 0;
    size_t n = l->count;
    if (l->ents_cap < 2 * n) {
        dbk_huge_free (l->ents, l->ents_cap * sizeof *l->ents);
        l->ents_cap = 0;
        if (!(l->ents = dbk_huge_alloc (2 * n * sizeof *l->ents))) {
            dbk_svci_later_clear (self);
            return DBK_ENOMEM;
        }
        l->ents_cap = 2 * n;
    }
    s_ent_t *ents = l->ents;
    size_t i = 0;
    for (size_t off = 0; off < l->used; i++) {
        const s_rec_t *r = (const s_rec_t *) (l->arena + off);
        const uint8_t *k = (const uint8_t *) (r + 1);
        ents[i] = (s_ent_t){.hi = s_be (k, r->kl),
                            .lo = r->kl > 8 ? s_be (k + 8, r->kl - 8) : 0,
                            .dbi = r->dbi,
                            .off8 = (uint32_t) (off >> 3)};
        off += s_rec_size (r->kl, r->vl);
    }
    const s_ent_t *v = s_sort (ents, ents + n, n);
    int rc = 0;
    MDB_cursor *cur = NULL;
    MDB_dbi open = 0;
    for (i = 0; i < n && i < S_AHEAD; i++)
        s_prefetch (l->arena, &v[i]);
    for (i = 0; rc == 0 && i < n; i++) {
        if (i + S_AHEAD < n)
            s_prefetch (l->arena, &v[i + S_AHEAD]);
        const s_rec_t *r = (const s_rec_t *) (l->arena + ((size_t) v[i].off8 << 3));
        if (i + 1 < n && v[i + 1].dbi == v[i].dbi && v[i + 1].hi == v[i].hi &&
            v[i + 1].lo == v[i].lo &&
            s_same_key (r, (const s_rec_t *) (l->arena + ((size_t) v[i + 1].off8 << 3))))
            continue; /* a later call for this key wins */
        if (!cur || open != r->dbi) {
            if (cur)
                mdb_cursor_close (cur);
            cur = NULL;
            if ((rc = mdb_cursor_open (txn, r->dbi, &cur)) != 0) {
                cur = NULL;
                rc = dbk_lmdb_err (rc);
                break;
            }
            open = r->dbi;
        }
        MDB_val k = {r->kl, (void *) (r + 1)};
        if (r->del) {
            MDB_val d;
            int g = mdb_cursor_get (cur, &k, &d, MDB_SET);
            if (g == 0)
                rc = dbk_lmdb_err (mdb_cursor_del (cur, 0));
            else if (g != MDB_NOTFOUND)
                rc = dbk_lmdb_err (g);
        } else {
            MDB_val d = {r->vl, (char *) (r + 1) + r->kl};
            rc = dbk_lmdb_err (mdb_cursor_put (cur, &k, &d, 0));
        }
    }
    if (cur)
        mdb_cursor_close (cur);
    dbk_svci_later_clear (self);
    return rc;
}

void dbk_svci_later_clear (dbk_svci_t *self)
{
    struct dbk_svci_later *l = self->later;
    if (!l)
        return;
    /*  a replay's buffers are kept for its next batch, not for the small
        batches after it */
    if (l->cap > S_LATER_FLUSH_BYTES / 4 && l->used < l->cap / 16) {
        dbk_huge_free (l->arena, l->cap);
        dbk_huge_free (l->ents, l->ents_cap * sizeof *l->ents);
        l->arena = NULL;
        l->ents = NULL;
        l->cap = l->ents_cap = 0;
    }
    l->used = l->count = 0;
}

void dbk_svci_later_free (dbk_svci_t *self)
{
    if (self->later) {
        struct dbk_svci_later *l = self->later;
        dbk_huge_free (l->arena, l->cap);
        dbk_huge_free (l->ents, l->ents_cap * sizeof *l->ents);
        free (l);
        self->later = NULL;
    }
}
