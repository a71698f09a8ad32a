/*  fc_store_mem.c - the in-memory fc_store_t: per table, a skip list of
    pairs in key order (memcmp, then length: LMDB's default order) and a
    hash index of its nodes. A get, put or del of a key the table has
    seen (the common case: a deal or a cell updated again, a cell emptied
    and filled again as deals move) costs one hash probe: a deleted pair
    stays as a tombstone that scans, gets and counts skip and a put
    revives. Only a key never seen walks the skip list, O(log n)
    expected. Prefix scans walk from the first key >= prefix, so the
    book's queries cost what they cost on LMDB. Used by the tests and by
    as-of replays (a throw-away book of up to millions of deals, so an
    insert must not move a tail). */
#include "forecasting.h"

#include "dealbook/dbk_error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define S_LEVELS 24 /* 4^24 pairs before the top level fills up */

typedef struct s_node s_node_t;
struct s_node {
    void *val;        /* owned, replaced by a put         */
    size_t vlen;      /* bytes                            */
    size_t klen;      /* bytes, the key follows next[]    */
    uint64_t hash;    /* of the key (s_hash)              */
    int height;       /* levels this node is linked on    */
    bool gone;        /* deleted: a tombstone             */
    s_node_t *next[]; /* height entries, then the key     */
};

typedef struct {
    s_node_t *head;  /* S_LEVELS links, no key             */
    int height;      /* levels in use (>= 1)               */
    size_t n;        /* pairs (tombstones not counted)     */
    size_t nodes;    /* nodes, tombstones included          */
    s_node_t **slot; /* hash index, linear probing, or NULL */
    size_t nslot;    /* slots: a power of 2, > 2 nodes      */
} s_table_t;

typedef struct {
    fc_store_t store; /* first: the public face  */
    s_table_t tabs[FC_TABS];
    uint64_t rng; /* xorshift state: the levels of new nodes */
} s_mem_t;

static const void *s_key (const s_node_t *x)
{
    return &x->next[x->height];
}

static int s_cmp (const void *a, size_t an, const void *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp (a, b, n) : 0;
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

/*  The first node with key >= (key, klen), or NULL; prev[i] (if not
    NULL) receives the last node on level i before it. */
static s_node_t *s_seek (const s_table_t *t, const void *key, size_t klen, s_node_t *prev[S_LEVELS])
{
    s_node_t *x = t->head;
    for (int i = t->height - 1; i >= 0; i--) {
        while (x->next[i] && s_cmp (s_key (x->next[i]), x->next[i]->klen, key, klen) < 0)
            x = x->next[i];
        if (prev)
            prev[i] = x;
    }
    return x->next[0];
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
    return h ^ (h >> 33);
}

/*  The slot holding the node of key, or the empty slot where it would go. */
static size_t s_probe (const s_table_t *t, uint64_t h, const void *key, size_t klen)
{
    size_t mask = t->nslot - 1, i = (size_t) h & mask;
    for (const s_node_t *x; (x = t->slot[i]); i = (i + 1) & mask)
        if (x->hash == h && x->klen == klen && (!klen || !memcmp (s_key (x), key, klen)))
            break;
    return i;
}

static s_node_t *s_find (const s_table_t *t, const void *key, size_t klen)
{
    return t->slot ? t->slot[s_probe (t, s_hash (key, klen), key, klen)] : NULL;
}

/*  Put x in the first free slot from its home (its key is not there). */
static void s_place (s_node_t **slot, size_t nslot, s_node_t *x)
{
    size_t mask = nslot - 1, i = (size_t) x->hash & mask;
    while (slot[i])
        i = (i + 1) & mask;
    slot[i] = x;
}

/*  Index node x (its key not indexed yet); grows the index at half full. */
static int s_index_add (s_table_t *t, s_node_t *x)
{
    if (2 * (t->nodes + 1) > t->nslot) {
        size_t nslot = t->nslot ? 2 * t->nslot : 64;
        s_node_t **slot = calloc (nslot, sizeof *slot);
        if (!slot)
            return DBK_ENOMEM;
        for (size_t i = 0; i < t->nslot; i++)
            if (t->slot[i])
                s_place (slot, nslot, t->slot[i]);
        free (t->slot);
        t->slot = slot;
        t->nslot = nslot;
    }
    s_place (t->slot, t->nslot, x);
    return 0;
}

static s_table_t *s_tab (void *ctx, fc_table_t t)
{
    return t >= 0 && t < FC_TABS ? &((s_mem_t *) ctx)->tabs[t] : NULL;
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

/*  A level for a new node: 1, and one more with probability 1/4 each. */
static int s_height (s_mem_t *self)
{
    uint64_t r = self->rng;
    r ^= r << 13;
    r ^= r >> 7;
    r ^= r << 17;
    self->rng = r;
    int h = 1;
    while (h < S_LEVELS && (r & 3) == 0) {
        h++;
        r >>= 2;
    }
    return h;
}

static int s_put (void *ctx, fc_table_t t, const void *key, size_t klen, const void *val,
                  size_t vlen)
{
    s_table_t *tab = s_tab (ctx, t);
    if (!tab)
        return DBK_EINVAL;
    s_node_t *x = s_find (tab, key, klen);
    if (x) { /* a key seen before: its value, revived if a tombstone */
        if (x->vlen != vlen) {
            void *v = malloc (vlen ? vlen : 1);
            if (!v)
                return DBK_ENOMEM;
            free (x->val);
            x->val = v;
            x->vlen = vlen;
        }
        if (vlen)
            memcpy (x->val, val, vlen);
        tab->n += x->gone;
        x->gone = false;
        return 0;
    }
    void *v = malloc (vlen ? vlen : 1);
    if (!v)
        return DBK_ENOMEM;
    if (vlen)
        memcpy (v, val, vlen);
    int h = s_height (ctx);
    x = malloc (sizeof *x + (size_t) h * sizeof x->next[0] + (klen ? klen : 1));
    if (!x) {
        free (v);
        return DBK_ENOMEM;
    }
    *x = (s_node_t){.val = v, .vlen = vlen, .klen = klen, .hash = s_hash (key, klen), .height = h};
    if (klen)
        memcpy (&x->next[h], key, klen);
    if (s_index_add (tab, x)) {
        free (v);
        free (x);
        return DBK_ENOMEM;
    }
    s_node_t *prev[S_LEVELS];
    s_seek (tab, key, klen, prev);
    for (int i = tab->height; i < h; i++)
        prev[i] = tab->head;
    if (h > tab->height)
        tab->height = h;
    for (int i = 0; i < h; i++) {
        x->next[i] = prev[i]->next[i];
        prev[i]->next[i] = x;
    }
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

static int s_scan (void *ctx, fc_table_t t, const void *prefix, size_t plen, fc_scan_fn *fn,
                   void *arg)
{
    s_table_t *tab = s_tab (ctx, t);
    if (!tab)
        return DBK_EINVAL;
    for (s_node_t *x = s_seek (tab, prefix, plen, NULL); x; x = x->next[0]) {
        if (x->klen < plen || (plen && memcmp (s_key (x), prefix, plen)))
            break;
        if (x->gone)
            continue;
        int rc = fn (arg, s_key (x), x->klen, x->val, x->vlen);
        if (rc)
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
    self->rng = 0x9e3779b97f4a7c15ull; /* any non-zero seed: the order never depends on it */
    for (int t = 0; t < FC_TABS; t++) {
        s_node_t *head = calloc (1, sizeof *head + S_LEVELS * sizeof head->next[0]);
        if (!head) {
            fc_mem_store_destroy (&(fc_store_t *){&self->store});
            return NULL;
        }
        head->height = S_LEVELS;
        self->tabs[t] = (s_table_t){.head = head, .height = 1};
    }
    return &self->store;
}

void fc_mem_store_destroy (fc_store_t **store_p)
{
    if (!store_p || !*store_p)
        return;
    s_mem_t *self = (s_mem_t *) (*store_p)->ctx;
    for (int t = 0; t < FC_TABS; t++) {
        if (!self->tabs[t].head)
            continue;
        for (s_node_t *x = self->tabs[t].head->next[0], *next; x; x = next) {
            next = x->next[0];
            free (x->val);
            free (x);
        }
        free (self->tabs[t].head);
        free (self->tabs[t].slot);
    }
    free (self);
    *store_p = NULL;
}

size_t fc_mem_store_count (const fc_store_t *store, fc_table_t t)
{
    s_table_t *tab = store ? s_tab (store->ctx, t) : NULL;
    return tab ? tab->n : 0;
}
