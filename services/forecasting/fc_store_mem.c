/*  fc_store_mem.c - the in-memory fc_store_t. Per table, a hash index
    of its pairs (linear probing; each slot keeps the key's hash, so a
    probe reads only the pair it finds) and their key order (memcmp, then
    length: LMDB's default order), kept lazily: a sorted array of the
    pairs, and the pairs inserted since it was last sorted. A get, put or
    del costs one probe: a deleted pair stays as a tombstone that scans,
    gets and counts skip and a put revives. A scan first sorts the new
    pairs and merges them in (O(k log k + n), only when pairs were
    inserted since the last scan), then binary-searches its prefix. A
    replay inserts millions of keys between the few scans it makes (the
    period-start snapshots), so it never pays for an order per insert.
    Used by the tests and by as-of replays (a throw-away book of up to
    millions of deals). */
#include "forecasting.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    void *val;    /* after the key, or outside         */
    size_t vlen;  /* bytes                             */
    size_t vcap;  /* bytes val can hold                */
    size_t klen;  /* bytes of key[]                    */
    bool gone;    /* deleted: a tombstone              */
    bool outside; /* val is its own allocation         */
    char key[];   /* the key, then (until the value
                     outgrows it) the value            */
} s_node_t;

typedef struct {
    uint64_t hash; /* of x's key (0: never, see s_hash) */
    s_node_t *x;   /* NULL: an empty slot               */
} s_slot_t;

typedef struct {
    s_slot_t *slot;   /* hash index, or NULL              */
    size_t nslot;     /* slots: a power of 2, > 2 nodes   */
    size_t n;         /* pairs (tombstones not counted)   */
    size_t nodes;     /* nodes, tombstones included       */
    s_node_t **order; /* the first norder nodes, sorted   */
    size_t norder;
    s_node_t **fresh; /* nodes inserted since, unsorted   */
    size_t nfresh, capfresh;
} s_table_t;

/*  Nodes are never freed one by one (a deleted pair is a tombstone), so
    they are cut from large blocks, all freed with the store: no malloc
    per pair, and the pages come in huge pages where the kernel offers
    them (a replay touches a gigabyte of new memory at 1,000,000 deals). */
#define S_BLOCK ((size_t) 16 << 20)

typedef struct s_block s_block_t;
struct s_block {
    s_block_t *prev; /* the block filled before    */
    size_t size;     /* bytes mapped, this included */
};

typedef struct {
    fc_store_t store; /* first: the public face  */
    s_table_t tabs[FC_TABS];
    s_block_t *block; /* the block being cut (NULL: none yet) */
    size_t used;      /* its bytes given out                 */
} s_mem_t;

/*  size bytes, 8-aligned, from the current block or a new one. */
static void *s_alloc (s_mem_t *self, size_t size)
{
    size = (size + 7) & ~(size_t) 7;
    if (!self->block || self->used + size > self->block->size) {
        size_t bytes = size + sizeof (s_block_t) > S_BLOCK ? size + sizeof (s_block_t) : S_BLOCK;
        s_block_t *b = dbk_huge_alloc (bytes);
        if (!b)
            return NULL;
        *b = (s_block_t){self->block, bytes};
        self->block = b;
        self->used = (sizeof *b + 7) & ~(size_t) 7;
    }
    void *p = (char *) self->block + self->used;
    self->used += size;
    return p;
}

static int s_cmp (const void *a, size_t an, const void *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp (a, b, n) : 0;
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

static int s_node_cmp (const void *a, const void *b)
{
    const s_node_t *x = *(s_node_t *const *) a, *y = *(s_node_t *const *) b;
    return s_cmp (x->key, x->klen, y->key, y->klen);
}

/*  ---- the hash index ---- */

static uint64_t s_hash (const void *key, size_t klen)
{
    const uint8_t *p = key;
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, then a final mix */
    for (size_t i = 0; i < klen; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h ? h : 1; /* 0 marks no key */
}

/*  The slot holding the node of key, or the empty slot where it would go. */
static size_t s_probe (const s_table_t *t, uint64_t h, const void *key, size_t klen)
{
    size_t mask = t->nslot - 1, i = (size_t) h & mask;
    for (const s_slot_t *s; (s = &t->slot[i])->x; i = (i + 1) & mask)
        if (s->hash == h && s->x->klen == klen && (!klen || !memcmp (s->x->key, key, klen)))
            break;
    return i;
}

/*  Put (h, x) in the first free slot from its home (its key is not there). */
static void s_place (s_slot_t *slot, size_t nslot, uint64_t h, s_node_t *x)
{
    size_t mask = nslot - 1, i = (size_t) h & mask;
    while (slot[i].x)
        i = (i + 1) & mask;
    slot[i] = (s_slot_t){h, x};
}

/*  Room for one more node: the index grows at half full. */
static int s_index_room (s_table_t *t)
{
    if (2 * (t->nodes + 1) <= t->nslot)
        return 0;
    size_t nslot = t->nslot ? 2 * t->nslot : 64;
    s_slot_t *slot = dbk_huge_alloc (nslot * sizeof *slot);
    if (!slot)
        return DBK_ENOMEM;
    for (size_t i = 0; i < t->nslot; i++)
        if (t->slot[i].x)
            s_place (slot, nslot, t->slot[i].hash, t->slot[i].x);
    if (t->slot)
        dbk_huge_free (t->slot, t->nslot * sizeof *t->slot);
    t->slot = slot;
    t->nslot = nslot;
    return 0;
}

/*  ---- the order ---- */

/*  Sort the fresh nodes and merge them into the order. */
static int s_order (s_table_t *t)
{
    if (!t->nfresh)
        return 0;
    s_node_t **all = malloc ((t->norder + t->nfresh) * sizeof *all);
    if (!all)
        return DBK_ENOMEM;
    qsort (t->fresh, t->nfresh, sizeof *t->fresh, s_node_cmp);
    size_t i = 0, j = 0, k = 0;
    while (i < t->norder && j < t->nfresh)
        all[k++] = s_node_cmp (&t->order[i], &t->fresh[j]) < 0 ? t->order[i++] : t->fresh[j++];
    while (i < t->norder)
        all[k++] = t->order[i++];
    while (j < t->nfresh)
        all[k++] = t->fresh[j++];
    free (t->order);
    t->order = all;
    t->norder = k;
    t->nfresh = 0;
    return 0;
}

/*  Index of the first ordered node with key >= (key, klen). */
static size_t s_lower (const s_table_t *t, const void *key, size_t klen)
{
    size_t lo = 0, hi = t->norder;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s_cmp (t->order[mid]->key, t->order[mid]->klen, key, klen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*  ---- the store ---- */

static s_table_t *s_tab (void *ctx, fc_table_t t)
{
    return t >= 0 && t < FC_TABS ? &((s_mem_t *) ctx)->tabs[t] : NULL;
}

static s_node_t *s_find (const s_table_t *t, const void *key, size_t klen)
{
    return t->slot ? t->slot[s_probe (t, s_hash (key, klen), key, klen)].x : NULL;
}

static int s_get (void *ctx, fc_table_t t, const void *key, size_t klen, void *val, size_t cap,
                  size_t *vlen)
{
    s_table_t *tab = s_tab (ctx, t);
    if (!tab)
        return DBK_EINVAL;
    s_node_t *x = s_find (tab, key, klen);
    if (!x || x->gone)
        return DBK_ENOTFOUND;
    *vlen = x->vlen;
    if (cap < *vlen)
        return DBK_ETOOBIG;
    if (*vlen)
        memcpy (val, x->val, *vlen);
    return 0;
}

/*  Room for a value of vlen bytes, in steps of 64 (a deal's grows by one
    history entry at a time). */
static size_t s_cap (size_t vlen)
{
    return (vlen + 64) & ~(size_t) 63;
}

/*  Set x's value: in place while it fits, else in a buffer of its own. */
static int s_set (s_node_t *x, const void *val, size_t vlen)
{
    if (vlen > x->vcap) {
        size_t cap = s_cap (vlen);
        void *v = malloc (cap);
        if (!v)
            return DBK_ENOMEM;
        if (x->outside)
            free (x->val);
        x->val = v;
        x->vcap = cap;
        x->outside = true;
    }
    if (vlen)
        memcpy (x->val, val, vlen);
    x->vlen = vlen;
    return 0;
}

static int s_put (void *ctx, fc_table_t t, const void *key, size_t klen, const void *val,
                  size_t vlen)
{
    s_table_t *tab = s_tab (ctx, t);
    if (!tab)
        return DBK_EINVAL;
    if (s_index_room (tab))
        return DBK_ENOMEM;
    uint64_t h = s_hash (key, klen);
    s_slot_t *slot = &tab->slot[s_probe (tab, h, key, klen)];
    s_node_t *x = slot->x;
    if (x) { /* a key seen before: its value, revived if a tombstone */
        int rc = s_set (x, val, vlen);
        if (rc)
            return rc;
        tab->n += x->gone;
        x->gone = false;
        return 0;
    }
    if (tab->nfresh == tab->capfresh) {
        size_t cap = tab->capfresh ? 2 * tab->capfresh : 64;
        s_node_t **f = realloc (tab->fresh, cap * sizeof *f);
        if (!f)
            return DBK_ENOMEM;
        tab->fresh = f;
        tab->capfresh = cap;
    }
    /*  the value follows the key, aligned */
    size_t at = (klen + 7) & ~(size_t) 7, cap = s_cap (vlen);
    x = s_alloc (ctx, sizeof *x + at + cap);
    if (!x)
        return DBK_ENOMEM;
    *x = (s_node_t){.klen = klen, .val = x->key + at, .vcap = cap};
    if (klen)
        memcpy (x->key, key, klen);
    (void) s_set (x, val, vlen); /* fits */
    *slot = (s_slot_t){h, x};
    tab->fresh[tab->nfresh++] = x;
    tab->n++;
    tab->nodes++;
    return 0;
}

static int s_del (void *ctx, fc_table_t t, const void *key, size_t klen)
{
    s_table_t *tab = s_tab (ctx, t);
    if (!tab)
        return DBK_EINVAL;
    s_node_t *x = s_find (tab, key, klen);
    if (x && !x->gone) {
        x->gone = true; /* its value buffer stays for a revival */
        tab->n--;
    }
    return 0;
}

/*  A pair put during a scan of its table is seen by the scans after it. */
static int s_scan (void *ctx, fc_table_t t, const void *prefix, size_t plen, fc_scan_fn *fn,
                   void *arg)
{
    s_table_t *tab = s_tab (ctx, t);
    if (!tab)
        return DBK_EINVAL;
    int rc = s_order (tab);
    if (rc)
        return rc;
    for (size_t i = s_lower (tab, prefix, plen); i < tab->norder; i++) {
        const s_node_t *x = tab->order[i];
        if (x->klen < plen || (plen && memcmp (x->key, prefix, plen)))
            break;
        if (x->gone)
            continue;
        if ((rc = fn (arg, x->key, x->klen, x->val, x->vlen)))
            return rc;
    }
    return 0;
}

fc_store_t *fc_mem_store_new (void)
{
    s_mem_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->store = (fc_store_t){self, s_get, s_put, s_del, s_scan};
    return &self->store;
}

void fc_mem_store_destroy (fc_store_t **store_p)
{
    if (!store_p || !*store_p)
        return;
    s_mem_t *self = (s_mem_t *) (*store_p)->ctx;
    for (int t = 0; t < FC_TABS; t++) {
        s_table_t *tab = &self->tabs[t];
        for (size_t i = 0; i < tab->nslot; i++)
            if (tab->slot[i].x && tab->slot[i].x->outside)
                free (tab->slot[i].x->val);
        if (tab->slot)
            dbk_huge_free (tab->slot, tab->nslot * sizeof *tab->slot);
        free (tab->order);
        free (tab->fresh);
    }
    for (s_block_t *b = self->block, *prev; b; b = prev) {
        prev = b->prev;
        dbk_huge_free (b, b->size);
    }
    free (self);
    *store_p = NULL;
}

size_t fc_mem_store_count (const fc_store_t *store, fc_table_t t)
{
    s_table_t *tab = store ? s_tab (store->ctx, t) : NULL;
    return tab ? tab->n : 0;
}
