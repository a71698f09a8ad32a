/*  fc_store_mem.c - the in-memory fc_store_t: per table, a sorted array
    of pairs. Lookups are binary searches and prefix scans walk from the
    first key >= prefix, so the book's queries cost what they cost on
    LMDB. Used by the tests and by as-of replays (a throw-away book). */
#include "forecasting.h"

#include "dealbook/dbk_error.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    void *key;   /* owned */
    size_t klen; /* bytes */
    void *val;   /* owned */
    size_t vlen; /* bytes */
} s_pair_t;

typedef struct {
    s_pair_t *pairs; /* sorted by key      */
    size_t n;        /* pairs in use       */
    size_t cap;      /* pairs allocated    */
} s_table_t;

typedef struct {
    fc_store_t store; /* first: the public face  */
    s_table_t tabs[FC_TABS];
} s_mem_t;

static int s_cmp (const void *a, size_t an, const void *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp (a, b, n) : 0;
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

/*  Index of the first pair with key >= (key, klen). */
static size_t s_lower (const s_table_t *t, const void *key, size_t klen)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s_cmp (t->pairs[mid].key, t->pairs[mid].klen, key, klen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
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
    size_t i = s_lower (tab, key, klen);
    if (i == tab->n || s_cmp (tab->pairs[i].key, tab->pairs[i].klen, key, klen))
        return DBK_ENOTFOUND;
    *vlen = tab->pairs[i].vlen;
    if (cap < *vlen)
        return DBK_ETOOBIG;
    if (*vlen)
        memcpy (val, tab->pairs[i].val, *vlen);
    return 0;
}

static int s_put (void *ctx, fc_table_t t, const void *key, size_t klen, const void *val,
                  size_t vlen)
{
    s_table_t *tab = s_tab (ctx, t);
    if (!tab)
        return DBK_EINVAL;
    void *v = malloc (vlen ? vlen : 1);
    if (!v)
        return DBK_ENOMEM;
    if (vlen)
        memcpy (v, val, vlen);
    size_t i = s_lower (tab, key, klen);
    if (i < tab->n && !s_cmp (tab->pairs[i].key, tab->pairs[i].klen, key, klen)) {
        free (tab->pairs[i].val);
        tab->pairs[i].val = v;
        tab->pairs[i].vlen = vlen;
        return 0;
    }
    void *k = malloc (klen ? klen : 1);
    if (!k) {
        free (v);
        return DBK_ENOMEM;
    }
    if (klen)
        memcpy (k, key, klen);
    if (tab->n == tab->cap) {
        size_t cap = tab->cap ? tab->cap * 2 : 64;
        s_pair_t *p = realloc (tab->pairs, cap * sizeof *p);
        if (!p) {
            free (k);
            free (v);
            return DBK_ENOMEM;
        }
        tab->pairs = p;
        tab->cap = cap;
    }
    memmove (&tab->pairs[i + 1], &tab->pairs[i], (tab->n - i) * sizeof *tab->pairs);
    tab->pairs[i] = (s_pair_t){k, klen, v, vlen};
    tab->n++;
    return 0;
}

static int s_del (void *ctx, fc_table_t t, const void *key, size_t klen)
{
    s_table_t *tab = s_tab (ctx, t);
    if (!tab)
        return DBK_EINVAL;
    size_t i = s_lower (tab, key, klen);
    if (i == tab->n || s_cmp (tab->pairs[i].key, tab->pairs[i].klen, key, klen))
        return 0;
    free (tab->pairs[i].key);
    free (tab->pairs[i].val);
    memmove (&tab->pairs[i], &tab->pairs[i + 1], (tab->n - i - 1) * sizeof *tab->pairs);
    tab->n--;
    return 0;
}

static int s_scan (void *ctx, fc_table_t t, const void *prefix, size_t plen, fc_scan_fn *fn,
                   void *arg)
{
    s_table_t *tab = s_tab (ctx, t);
    if (!tab)
        return DBK_EINVAL;
    for (size_t i = s_lower (tab, prefix, plen); i < tab->n; i++) {
        const s_pair_t *p = &tab->pairs[i];
        if (p->klen < plen || (plen && memcmp (p->key, prefix, plen)))
            break;
        int rc = fn (arg, p->key, p->klen, p->val, p->vlen);
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
    return &self->store;
}

void fc_mem_store_destroy (fc_store_t **store_p)
{
    if (!store_p || !*store_p)
        return;
    s_mem_t *self = (s_mem_t *) (*store_p)->ctx;
    for (int t = 0; t < FC_TABS; t++) {
        for (size_t i = 0; i < self->tabs[t].n; i++) {
            free (self->tabs[t].pairs[i].key);
            free (self->tabs[t].pairs[i].val);
        }
        free (self->tabs[t].pairs);
    }
    free (self);
    *store_p = NULL;
}

size_t fc_mem_store_count (const fc_store_t *store, fc_table_t t)
{
    s_table_t *tab = store ? s_tab (store->ctx, t) : NULL;
    return tab ? tab->n : 0;
}
