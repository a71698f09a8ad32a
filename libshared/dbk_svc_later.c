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
    were made, so the last call for a key wins, as if written at once.

    Held rows (def->replay_hold): while a replay builds the model from
    seq 1, the projection's rows are not written at each batch but kept
    here across batches (the shell's own rows still are), and written
    once, when the replay has caught up or they outgrow
    DEALBOOK_REPLAY_HOLD_MB. Each index page is then written once instead
    of once per batch, and keys past a database's last one go in with
    MDB_APPEND. Those records are put in whole-key order, then call order
    (the arena offset), so that the last call for a key is the one kept:
    a radix sort in place on the entries, which reads the next 16 bytes
    of the keys that tie over the first 16 into the entries themselves,
    in one pass with the records read ahead, and so on (s_sort_keys). It
    takes no memory but the entries. Its first passes split the entries
    into ranges in key order; a second thread sorts the ranges one after
    the other while this one writes each sorted range (s_pipe_*). They
    are written in transactions of their own, after the batch's
    (S_HELD_TXN_ROWS), and forgotten once the last one committed; an
    aborted batch takes back its own records alone (dbk_svci_held_*, the
    model side in dbk_svc_model.c). */
#include "dbk_svc_internal.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/*  Past this many bytes a batch's rows are written at once (into the same
    transaction), so that a long replay batch stays within memory. */
#define S_LATER_FLUSH_BYTES ((size_t) 64 << 20)

/*  Records read ahead while writing. */
#define S_AHEAD 8

/*  How the sort's entries are allocated (a test fails it). */
#ifndef S_ENTS_ALLOC
#define S_ENTS_ALLOC(bytes) dbk_huge_alloc (bytes)
#endif

/*  Held rows written per transaction. LMDB keeps a write transaction's
    dirty pages in memory it allocates, and keeps that memory for later
    transactions: a replay's rows in one transaction (12.6 M rows, 600 MB
    of pages, for a million opportunities) would stay in the process as
    much again, freshly faulted in, and spill past 512 MB. 512 Ki rows
    are about 25 MB of pages. */
#ifndef S_HELD_TXN_ROWS /* a test sets a few */
#define S_HELD_TXN_ROWS ((size_t) 512 << 10)
#endif

typedef struct {
    uint16_t dbi;     /* the database (LMDB's handles are small numbers) */
    uint16_t kl;      /* key bytes, at most DBK_LMDB_KEY_MAX */
    uint32_t vl : 31; /* value bytes (put) */
    uint32_t del : 1; /* 1: delete the key */
} s_rec_t;            /* 8 bytes: a replay holds millions */
_Static_assert(sizeof (s_rec_t) == 8, "a record's header is 8 bytes");

/*  One record at the flush: the sort's key (database, then the key's
    first bytes, big-endian so that integers order as bytes do) and where
    the record is, in units of 8 bytes. */
typedef struct {
    uint64_t hi, lo;
    uint32_t dbi;
    uint32_t off8;
} s_ent_t;

typedef struct dbk_svci_later {
    char *arena;     /* records, each padded to 8 bytes */
    size_t used;     /* bytes of arena used */
    size_t cap;      /* bytes of arena */
    size_t count;    /* records */
    s_ent_t *ents;   /* the flush's entries: twice count (once for held rows) */
    size_t ents_cap; /* entries ents holds */
} s_rows_t;

static size_t s_rec_size (size_t kl, size_t vl)
{
    return (sizeof (s_rec_t) + kl + vl + 7) & ~(size_t) 7;
}

/*  One record into *lp (made on first use). Past S_LATER_FLUSH_BYTES
    the rows are written into txn at once (not for held rows: txn NULL). */
static int s_rows_add (dbk_svci_t *self, s_rows_t **lp, MDB_txn *txn, MDB_dbi dbi, const void *k,
                       size_t kl, const void *v, size_t vl, bool del)
{
    if (kl == 0 || kl > DBK_LMDB_KEY_MAX || vl > INT32_MAX || dbi > UINT16_MAX)
        return DBK_EINVAL;
    if (!*lp && !(*lp = calloc (1, sizeof **lp)))
        return DBK_ENOMEM;
    s_rows_t *l = *lp;
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
        /*  pages moved, not copied; the flush visits the arena at
            random: it is in huge pages (dbk_mem.h) */
        char *p = dbk_huge_grow (l->arena, l->cap, cap);
        if (!p)
            return DBK_ENOMEM;
        l->arena = p;
        l->cap = cap;
    }
    s_rec_t *r = (s_rec_t *) (l->arena + l->used);
    *r = (s_rec_t){(uint16_t) dbi, (uint16_t) kl, (uint32_t) vl, del};
    memcpy (r + 1, k, kl);
    if (vl)
        memcpy ((char *) (r + 1) + kl, v, vl);
    l->used += need;
    l->count++;
    if (l->used >= S_LATER_FLUSH_BYTES && txn)
        return dbk_svci_later_flush (self, txn);
    return 0;
}

int dbk_svci_later_add (dbk_svci_t *self, MDB_txn *txn, MDB_dbi dbi, const void *k, size_t kl,
                        const void *v, size_t vl, bool del)
{
    return s_rows_add (self, &self->later, txn, dbi, k, kl, v, vl, del);
}

static int s_add (dbk_svc_ctx_t *ctx, MDB_dbi dbi, const void *k, size_t kl, const void *v,
                  size_t vl, bool del)
{
    if (!ctx || !ctx->svc || !ctx->projecting)
        return DBK_EINVAL;
    dbk_svci_t *self = ctx->svc;
    if (self->holding)
        return s_rows_add (self, &self->held, NULL, dbi, k, kl, v, vl, del);
    return dbk_svci_later_add (self, ctx->txn, dbi, k, kl, v, vl, del);
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

/*  Byte k (0 the most significant) of an entry's sort key: dbi, hi, lo. */
static unsigned s_msd_digit (const s_ent_t *e, unsigned k)
{
    if (k < 4)
        return (e->dbi >> (8 * (3 - k))) & 0xff;
    if (k < 12)
        return (unsigned) (e->hi >> (8 * (11 - k))) & 0xff;
    return (unsigned) (e->lo >> (8 * (19 - k))) & 0xff;
}

/*  The same database and window: the same key so far. */
static bool s_same_window (const s_ent_t *x, const s_ent_t *y)
{
    return x->dbi == y->dbi && x->hi == y->hi && x->lo == y->lo;
}

static bool s_ent_less (const s_ent_t *x, const s_ent_t *y)
{
    if (x->dbi != y->dbi)
        return x->dbi < y->dbi;
    if (x->hi != y->hi)
        return x->hi < y->hi;
    if (x->lo != y->lo)
        return x->lo < y->lo;
    return x->off8 < y->off8;
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

/*  LMDB's default order: bytes, then length. */
static int s_key_cmp (const MDB_val *a, const MDB_val *b)
{
    size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
    int c = memcmp (a->mv_data, b->mv_data, n);
    return c ? c : a->mv_size < b->mv_size ? -1 : a->mv_size > b->mv_size;
}

/*  Prefetch distance of s_window, in records. */
#define S_WINDOW_AHEAD 16

static const uint8_t *s_rec_key (const char *arena, const s_ent_t *e, const s_rec_t **rp)
{
    const s_rec_t *r = (const s_rec_t *) (arena + ((size_t) e->off8 << 3));
    *rp = r;
    return (const uint8_t *) (r + 1);
}

/*  Each entry's hi and lo set to its key's bytes [from, from + 16) (zeros
    past its end), the records read ahead; the longest key's length. */
static size_t s_window (const char *arena, s_ent_t *v, size_t n, size_t from)
{
    size_t longest = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + S_WINDOW_AHEAD < n) {
            const char *p = arena + ((size_t) v[i + S_WINDOW_AHEAD].off8 << 3);
            __builtin_prefetch (p);
            __builtin_prefetch (p + sizeof (s_rec_t) + from + 15);
        }
        const s_rec_t *r;
        const uint8_t *k = s_rec_key (arena, &v[i], &r);
        v[i].hi = r->kl > from ? s_be (k + from, r->kl - from) : 0;
        v[i].lo = r->kl > from + 8 ? s_be (k + from + 8, r->kl - from - 8) : 0;
        if (r->kl > longest)
            longest = r->kl;
    }
    return longest;
}

/*  Two entries by their whole key, then by call order (arena offset). */
static int s_cmp_full (const char *arena, const s_ent_t *x, const s_ent_t *y)
{
    const s_rec_t *rx, *ry;
    const uint8_t *kx = s_rec_key (arena, x, &rx), *ky = s_rec_key (arena, y, &ry);
    MDB_val vx = {rx->kl, (void *) kx}, vy = {ry->kl, (void *) ky};
    int c = s_key_cmp (&vx, &vy);
    if (c == 0)
        c = x->off8 < y->off8 ? -1 : x->off8 > y->off8;
    return c;
}

/*  A few entries (at most 32) put in whole-key order, then call order:
    their records read ahead, then compared. */
static void s_sort_few (const char *arena, s_ent_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        __builtin_prefetch (arena + ((size_t) v[i].off8 << 3));
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && s_cmp_full (arena, &v[j - 1], &v[j]) > 0; j--) {
            s_ent_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/*  The first byte of (dbi, hi, lo) from byte k on in which the n entries
    are not all alike (S_DIGITS: none), in one pass. */
static unsigned s_alike (const s_ent_t *v, size_t n, unsigned k)
{
    uint32_t dd = 0;
    uint64_t dh = 0, dl = 0;
    for (size_t i = 1; i < n; i++) {
        dd |= v[i].dbi ^ v[0].dbi;
        dh |= v[i].hi ^ v[0].hi;
        dl |= v[i].lo ^ v[0].lo;
    }
    unsigned first = dd   ? (unsigned) __builtin_clz (dd) / 8
                     : dh ? 4 + (unsigned) __builtin_clzll (dh) / 8
                     : dl ? 12 + (unsigned) __builtin_clzll (dl) / 8
                          : S_DIGITS;
    return first > k ? first : k;
}

static void s_sort_keys (const char *arena, s_ent_t *v, size_t n, unsigned k, size_t from);

/*  One pass of the in-place radix sort: v[0, n) moved into buckets by
    byte k of (dbi, hi, lo), bucket b ending before end[b] and holding
    count[b]. false, with nothing moved, when every entry has the same
    byte k. */
static bool s_flag (s_ent_t *v, size_t n, unsigned k, size_t count[256], size_t end[256])
{
    size_t next[256];
    memset (count, 0, 256 * sizeof *count);
    for (size_t i = 0; i < n; i++)
        count[s_msd_digit (&v[i], k)]++;
    if (count[s_msd_digit (&v[0], k)] == n)
        return false;
    size_t sum = 0;
    for (unsigned b = 0; b < 256; b++) {
        next[b] = sum;
        sum += count[b];
        end[b] = sum;
    }
    for (unsigned b = 0; b < 256; b++)
        while (next[b] < end[b]) {
            s_ent_t x = v[next[b]];
            unsigned d = s_msd_digit (&x, k);
            while (d != b) { /* x goes to its bucket; take what was there */
                s_ent_t y = v[next[d]];
                v[next[d]++] = x;
                x = y;
                d = s_msd_digit (&x, k);
            }
            v[next[b]++] = x;
        }
    return true;
}

/*  n entries whose keys are alike but for their lengths (trailing NUL
    bytes) put in order of length, then call order: sorted in place on
    (length, offset) as their window, then given one window per length
    again, which s_rows_put's check for a repeated key relies on (the
    same key, the same window). */
static void s_sort_lengths (const char *arena, s_ent_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const s_rec_t *r;
        s_rec_key (arena, &v[i], &r);
        v[i].hi = r->kl;
        v[i].lo = v[i].off8;
    }
    s_sort_keys (arena, v, n, 4, 0); /* all distinct: never reads the keys */
    for (size_t i = 0; i < n; i++)
        v[i].lo = 0;
}

/*  In-place MSD radix sort (American flag) of n entries in whole-key
    order, then call order (the arena offset): no second array, which for
    a replay's held rows is hundreds of MB of fresh memory (expensive to
    fault in). An entry's hi and lo hold 16 bytes of its key from byte
    `from`, and the first k bytes of (dbi, hi, lo) are alike in all n.
    When all n are alike over those 16 bytes, the next 16 of each key are
    read into hi and lo (s_window). The largest bucket is sorted by the
    loop and the others by recursion, so that at most log2(n) frames are
    on the stack, whatever the keys. */
static void s_sort_keys (const char *arena, s_ent_t *v, size_t n, unsigned k, size_t from)
{
    while (n > 1) {
        if (k >= S_DIGITS) { /* alike over the window: the next 16 bytes */
            if (s_window (arena, v, n, from + 16) <= from + 16) {
                s_sort_lengths (arena, v, n);
                return;
            }
            from += 16;
            k = 4; /* one database */
            continue;
        }
        if (n <= 32) { /* a few: insertion on the window, then each tie by its whole key */
            for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && s_ent_less (&v[j], &v[j - 1]); j--) {
                    s_ent_t t = v[j];
                    v[j] = v[j - 1];
                    v[j - 1] = t;
                }
            for (size_t i = 0, j; i < n; i = j) {
                for (j = i + 1; j < n && s_same_window (&v[j], &v[i]); j++)
                    ;
                if (j - i > 1)
                    s_sort_few (arena, v + i, j - i);
            }
            return;
        }
        size_t count[256], end[256];
        if (!s_flag (v, n, k, count, end)) {
            k = s_alike (v, n, k + 1); /* the same byte everywhere, and maybe the next ones */
            continue;
        }
        unsigned big = 0;
        for (unsigned b = 1; b < 256; b++)
            if (count[b] > count[big])
                big = b;
        for (unsigned b = 0; b < 256; b++)
            if (b != big && count[b] > 1)
                s_sort_keys (arena, v + end[b] - count[b], count[b], k + 1, from);
        v += end[big] - count[big];
        n = count[big];
        k++;
    }
}

/*  An entry for each of l's records, in l->ents (in call order), with
    room for `want` entries: l->ents, or NULL when there is no memory for
    them. */
static s_ent_t *s_rows_entries (s_rows_t *l, size_t want)
{
    if (l->ents_cap < want) {
        dbk_huge_free (l->ents, l->ents_cap * sizeof *l->ents);
        l->ents_cap = 0;
        if (!(l->ents = S_ENTS_ALLOC (want * sizeof *l->ents)))
            return NULL;
        l->ents_cap = want;
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
    return ents;
}

/*  l's records sorted on their database and first 16 bytes (stable), as
    entries in l->ents: where they are, or NULL when there is no memory
    for them. (Held rows are sorted by whole key: s_pipe_start.) */
static s_ent_t *s_rows_sort (s_rows_t *l)
{
    size_t n = l->count;
    s_ent_t *ents = s_rows_entries (l, 2 * n); /* the LSD sort's second half */
    return ents ? s_sort (ents, ents + n, n) : NULL;
}

/*  The records of sorted entries v[from, to) (sorted up to n) written into txn, the
    last call for a key winning (full: with MDB_APPEND past each
    database's last key, which the order allows). */
static int s_rows_put (const s_rows_t *l, MDB_txn *txn, const s_ent_t *v, size_t n, size_t from,
                       size_t to, bool full)
{
    int rc = 0;
    MDB_cursor *cur = NULL;
    MDB_dbi open = 0;
    unsigned append = 0;      /* MDB_APPEND: past the open database's last key */
    MDB_val last = {0, NULL}; /* a copy of its last key (a write moves the page's) */
    char lastkey[DBK_LMDB_KEY_MAX];
    for (size_t i = from; i < to && i < from + S_AHEAD; i++)
        s_prefetch (l->arena, &v[i]);
    for (size_t i = from; rc == 0 && i < to; i++) {
        if (i + S_AHEAD < to)
            s_prefetch (l->arena, &v[i + S_AHEAD]);
        const s_rec_t *r = (const s_rec_t *) (l->arena + ((size_t) v[i].off8 << 3));
        if (i + 1 < n && s_same_window (&v[i + 1], &v[i]) &&
            s_same_key (r, (const s_rec_t *) (l->arena + ((size_t) v[i + 1].off8 << 3))))
            continue; /* a later call for this key wins */
        if (!cur || open != r->dbi) {
            if (cur)
                mdb_cursor_close (cur);
            cur = NULL;
            if ((rc = mdb_cursor_open (txn, r->dbi, &cur)) != 0) {
                rc = dbk_lmdb_err (rc);
                break;
            }
            open = r->dbi;
            append = 0;
            last.mv_size = 0;
            MDB_val d;
            int g = full ? mdb_cursor_get (cur, &last, &d, MDB_LAST) : MDB_NOTFOUND;
            if (g == MDB_NOTFOUND)
                append = full ? MDB_APPEND : 0; /* empty */
            else if (g || last.mv_size > sizeof lastkey) {
                rc = g ? dbk_lmdb_err (g) : DBK_ECORRUPT;
                break;
            } else {
                memcpy (lastkey, last.mv_data, last.mv_size);
                last.mv_data = lastkey;
            }
        }
        MDB_val k = {r->kl, (void *) (r + 1)};
        if (!append && last.mv_size && s_key_cmp (&k, &last) > 0)
            append = MDB_APPEND; /* keys in order from here on: past every stored one */
        if (r->del) {
            if (append)
                continue; /* past every stored key: nothing to delete */
            MDB_val d;
            int g = mdb_cursor_get (cur, &k, &d, MDB_SET);
            if (g == 0)
                rc = dbk_lmdb_err (mdb_cursor_del (cur, 0));
            else if (g != MDB_NOTFOUND)
                rc = dbk_lmdb_err (g);
        } else {
            MDB_val d = {r->vl, (char *) (r + 1) + r->kl};
            rc = dbk_lmdb_err (mdb_cursor_put (cur, &k, &d, append));
        }
    }
    if (cur)
        mdb_cursor_close (cur);
    return rc;
}

/*  All of l's records written into txn in one go (sorted as s_rows_sort
    says). l is left as it is. */
static int s_rows_write (s_rows_t *l, MDB_txn *txn)
{
    if (!l || l->count == 0)
        return 0;
    const s_ent_t *v = s_rows_sort (l);
    return v ? s_rows_put (l, txn, v, l->count, 0, l->count, false) : DBK_ENOMEM;
}

int dbk_svci_later_flush (dbk_svci_t *self, MDB_txn *txn)
{
    int rc = s_rows_write (self->later, txn);
    dbk_svci_later_clear (self);
    return rc;
}

/*  Forget l's records; a replay's buffers are kept for its next batch,
    not for the small batches after it. */
static void s_rows_clear (s_rows_t *l)
{
    if (!l)
        return;
    if (l->cap > S_LATER_FLUSH_BYTES / 4 && l->used < l->cap / 16) {
        dbk_huge_free (l->arena, l->cap);
        dbk_huge_free (l->ents, l->ents_cap * sizeof *l->ents);
        l->arena = NULL;
        l->ents = NULL;
        l->cap = l->ents_cap = 0;
    }
    l->used = l->count = 0;
}

static void s_rows_free (s_rows_t **lp)
{
    s_rows_t *l = *lp;
    if (l) {
        dbk_huge_free (l->arena, l->cap);
        dbk_huge_free (l->ents, l->ents_cap * sizeof *l->ents);
        free (l);
        *lp = NULL;
    }
}

void dbk_svci_later_clear (dbk_svci_t *self)
{
    s_rows_clear (self->later);
}

void dbk_svci_later_free (dbk_svci_t *self)
{
    s_rows_free (&self->later);
    s_rows_free (&self->held);
}

/*  ---- held rows ---- */

void dbk_svci_held_mark (dbk_svci_t *self)
{
    self->held_mark[0] = self->held ? self->held->used : 0;
    self->held_mark[1] = self->held ? self->held->count : 0;
}

void dbk_svci_held_undo (dbk_svci_t *self)
{
    if (self->held && self->held->used >= self->held_mark[0]) {
        self->held->used = self->held_mark[0];
        self->held->count = self->held_mark[1];
    }
}

size_t dbk_svci_held_bytes (const dbk_svci_t *self)
{
    /*  the records, and the entries a write sorts them with */
    return self->held ? self->held->used + self->held->count * sizeof (s_ent_t) : 0;
}

/*  `count` of l's records from offset *off written one by one in call
    order (the last call for a key wins by itself), *off moved past them:
    slow, but needs no memory. */
static int s_rows_write_in_order (const s_rows_t *l, MDB_txn *txn, size_t *off, size_t count)
{
    int rc = 0;
    for (size_t i = 0; l && rc == 0 && i < count && *off < l->used; i++) {
        const s_rec_t *r = (const s_rec_t *) (l->arena + *off);
        MDB_val k = {r->kl, (void *) (r + 1)}, d = {r->vl, (char *) (r + 1) + r->kl};
        int x = r->del ? mdb_del (txn, r->dbi, &k, NULL) : mdb_put (txn, r->dbi, &k, &d, 0);
        rc = x == MDB_NOTFOUND && r->del ? 0 : dbk_lmdb_err (x);
        *off += s_rec_size (r->kl, r->vl);
    }
    return rc;
}

/*  ---- the held rows' write: sorted on a second thread while this one
    puts them ----

    The entries are first split by the radix sort's first passes into
    ranges in key order (s_split: every key in one range sorts before
    every key in the next, and the calls for one key share a range); a
    second thread then sorts the ranges one after the other (s_sorter)
    while this one puts each sorted range into the model. The sort and
    the puts take about as long each; at the end of a replay the second
    core is free (the log has nothing left to serve). */

/*  Whether there is no memory for the ranges (a test says so). */
#ifndef S_RANGES_NO_MEMORY
#define S_RANGES_NO_MEMORY() 0
#endif

typedef struct {
    size_t at, n; /* entries [at, at + n) */
    unsigned k;   /* bytes of (dbi, hi, lo) alike in all of them */
} s_range_t;

typedef struct {
    const char *arena;
    s_ent_t *v;
    s_range_t *r; /* the ranges (&one when no memory for more) */
    s_range_t one;
    size_t nr, cap;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t sorted; /* ranges sorted (under mu) */
    bool stop;     /* the puts failed: sort no more (under mu) */
    bool thread;   /* the sorter runs on a thread of its own */
    pthread_t tid;
} s_pipe_t;

static int s_range_add (s_pipe_t *p, size_t at, size_t n, unsigned k)
{
    if (S_RANGES_NO_MEMORY () || dbk_grow (&p->r, &p->cap, p->nr + 1, sizeof *p->r, 64))
        return DBK_ENOMEM;
    p->r[p->nr++] = (s_range_t){at, n, k};
    return 0;
}

/*  Entries v[at, at + n), alike over their first k bytes, split into
    ranges of at most `most` (or larger, alike over the whole first
    window, which s_sort_keys goes on with), appended to p in key order. */
static int s_split (s_pipe_t *p, size_t at, size_t n, unsigned k, size_t most)
{
    s_ent_t *v = p->v + at;
    while (n > most && k < S_DIGITS) {
        size_t count[256], end[256];
        if (!s_flag (v, n, k, count, end)) {
            k = s_alike (v, n, k + 1);
            continue;
        }
        int rc = 0;
        for (unsigned b = 0; rc == 0 && b < 256; b++)
            if (count[b])
                rc = s_split (p, at + end[b] - count[b], count[b], k + 1, most);
        return rc;
    }
    return n ? s_range_add (p, at, n, k) : 0;
}

static void *s_sorter (void *arg)
{
    s_pipe_t *p = arg;
    for (size_t i = 0; i < p->nr; i++) {
        pthread_mutex_lock (&p->mu);
        bool stop = p->stop;
        pthread_mutex_unlock (&p->mu);
        if (stop)
            break;
        s_sort_keys (p->arena, p->v + p->r[i].at, p->r[i].n, p->r[i].k, 0);
        pthread_mutex_lock (&p->mu);
        p->sorted = i + 1;
        pthread_cond_signal (&p->cv);
        pthread_mutex_unlock (&p->mu);
    }
    return NULL;
}

/*  Ranges of at most this many entries (and at most 1/64 of them all):
    the puts wait for the first range alone. */
#ifndef S_HELD_RANGE_MIN /* a test sets a few */
#define S_HELD_RANGE_MIN ((size_t) 64 << 10)
#endif

/*  The n entries v split, and their sort begun (on a thread of its own,
    or here when there is none to be had). */
static void s_pipe_start (s_pipe_t *p, const char *arena, s_ent_t *v, size_t n)
{
    *p = (s_pipe_t){.arena = arena, .v = v};
    size_t most = n / 64 > S_HELD_RANGE_MIN ? n / 64 : S_HELD_RANGE_MIN;
    if (s_split (p, 0, n, 0, most) != 0) {
        /*  no memory for the ranges: one, sorted whole before the puts
            (the split's passes only moved entries between buckets) */
        free (p->r);
        p->r = &p->one;
        p->one = (s_range_t){0, n, 0};
        p->nr = 1;
    }
    pthread_mutex_init (&p->mu, NULL);
    pthread_cond_init (&p->cv, NULL);
    p->thread = p->nr > 1 && pthread_create (&p->tid, NULL, s_sorter, p) == 0;
    if (!p->thread)
        s_sorter (p);
}

/*  Range i, once sorted. */
static const s_range_t *s_pipe_wait (s_pipe_t *p, size_t i)
{
    pthread_mutex_lock (&p->mu);
    while (p->sorted <= i)
        pthread_cond_wait (&p->cv, &p->mu);
    pthread_mutex_unlock (&p->mu);
    return &p->r[i];
}

static void s_pipe_end (s_pipe_t *p)
{
    pthread_mutex_lock (&p->mu);
    p->stop = true;
    pthread_mutex_unlock (&p->mu);
    if (p->thread)
        pthread_join (p->tid, NULL);
    pthread_cond_destroy (&p->cv);
    pthread_mutex_destroy (&p->mu);
    if (p->r != &p->one)
        free (p->r);
}

int dbk_svci_held_write (dbk_svci_t *self, int (*last) (dbk_svci_t *self, MDB_txn *txn))
{
    s_rows_t *l = self->held;
    size_t n = l ? l->count : 0, at = 0, off = 0, ri = 0;
    /*  NULL: no memory to sort them, written as they came (off: where) */
    s_ent_t *v = n ? s_rows_entries (l, n) : NULL;
    s_pipe_t p;
    if (v)
        s_pipe_start (&p, l->arena, v, n);
    int rc;
    do {
        MDB_txn *txn;
        if ((rc = mdb_txn_begin (self->env, NULL, 0, &txn)) != 0) {
            rc = dbk_lmdb_err (rc);
            break;
        }
        size_t to = n - at > S_HELD_TXN_ROWS ? at + S_HELD_TXN_ROWS : n;
        if (!v)
            rc = s_rows_write_in_order (l, txn, &off, to - at), at = to;
        while (v && rc == 0 && at < to) {
            /*  the next range, or as much of it as this transaction takes */
            const s_range_t *r = s_pipe_wait (&p, ri);
            size_t end = r->at + r->n, upto = end < to ? end : to;
            rc = s_rows_put (l, txn, v, end, at, upto, true);
            at = upto;
            ri += at == end;
        }
        if (rc == 0 && at == n && last)
            rc = last (self, txn);
        if (rc)
            mdb_txn_abort (txn);
        else if ((rc = mdb_txn_commit (txn)) != 0)
            rc = dbk_lmdb_write_err (self->env, rc);
    } while (rc == 0 && at < n);
    if (v)
        s_pipe_end (&p);
    return rc;
}

void dbk_svci_held_clear (dbk_svci_t *self)
{
    s_rows_free (&self->held); /* a replay's worth: given back */
    dbk_svci_held_mark (self);
}
