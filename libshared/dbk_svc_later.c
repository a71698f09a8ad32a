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

    Records live in one arena: dbi, order, op, key and value lengths, then
    the bytes. At the flush an array of pointers is sorted by database,
    key (LMDB's default order: bytes, then length) and order, and the last
    record of each key is written. */
#include "dbk_svc_internal.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"

#include <stdlib.h>
#include <string.h>

/*  Past this many bytes a batch's rows are written at once (into the same
    transaction), so that a long replay batch stays within memory. */
#define S_LATER_FLUSH_BYTES ((size_t) 64 << 20)

typedef struct {
    MDB_dbi dbi;    /* the database */
    uint32_t kl;    /* key bytes */
    uint32_t vl;    /* value bytes (put) */
    uint32_t del;   /* 1: delete the key */
    uint64_t order; /* calls so far: for one key the last wins */
} s_rec_t;

struct dbk_svci_later {
    char *arena;    /* records, each padded to 8 bytes */
    size_t used;    /* bytes of arena used */
    size_t cap;     /* bytes of arena */
    size_t count;   /* records */
    uint64_t order; /* next record's order */
};

static size_t s_rec_size (size_t kl, size_t vl)
{
    return (sizeof (s_rec_t) + kl + vl + 7) & ~(size_t) 7;
}

static int s_add (dbk_svc_ctx_t *ctx, MDB_dbi dbi, const void *k, size_t kl, const void *v,
                  size_t vl, bool del)
{
    if (!ctx || !ctx->svc || !ctx->projecting || kl == 0 || kl > DBK_LMDB_KEY_MAX ||
        vl > UINT32_MAX)
        return DBK_EINVAL;
    dbk_svci_t *self = ctx->svc;
    if (!self->later && !(self->later = calloc (1, sizeof *self->later)))
        return DBK_ENOMEM;
    struct dbk_svci_later *l = self->later;
    size_t need = s_rec_size (kl, vl);
    if (l->used + need > l->cap) {
        size_t cap = l->cap ? l->cap : (size_t) 1 << 20;
        while (cap < l->used + need)
            cap *= 2;
        char *p = realloc (l->arena, cap);
        if (!p)
            return DBK_ENOMEM;
        l->arena = p;
        l->cap = cap;
    }
    s_rec_t *r = (s_rec_t *) (l->arena + l->used);
    *r = (s_rec_t){dbi, (uint32_t) kl, (uint32_t) vl, del, l->order++};
    memcpy (r + 1, k, kl);
    if (vl)
        memcpy ((char *) (r + 1) + kl, v, vl);
    l->used += need;
    l->count++;
    if (l->used >= S_LATER_FLUSH_BYTES && ctx->txn)
        return dbk_svci_later_flush (self, ctx->txn);
    return 0;
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

/*  Database, then key as LMDB orders it, then order. */
static int s_cmp (const void *a, const void *b)
{
    const s_rec_t *x = *(const s_rec_t *const *) a, *y = *(const s_rec_t *const *) b;
    if (x->dbi != y->dbi)
        return x->dbi < y->dbi ? -1 : 1;
    int c = memcmp (x + 1, y + 1, x->kl < y->kl ? x->kl : y->kl);
    if (c)
        return c;
    if (x->kl != y->kl)
        return x->kl < y->kl ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static bool s_same_key (const s_rec_t *x, const s_rec_t *y)
{
    return x->dbi == y->dbi && x->kl == y->kl && memcmp (x + 1, y + 1, x->kl) == 0;
}

int dbk_svci_later_flush (dbk_svci_t *self, MDB_txn *txn)
{
    struct dbk_svci_later *l = self->later;
    if (!l || l->count == 0)
        return 0;
    s_rec_t **v = malloc (l->count * sizeof *v);
    if (!v) {
        dbk_svci_later_clear (self);
        return DBK_ENOMEM;
    }
    size_t n = 0;
    for (size_t off = 0; off < l->used; n++) {
        v[n] = (s_rec_t *) (l->arena + off);
        off += s_rec_size (v[n]->kl, v[n]->vl);
    }
    qsort (v, n, sizeof *v, s_cmp);
    int rc = 0;
    MDB_cursor *cur = NULL;
    MDB_dbi open = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (i + 1 < n && s_same_key (v[i], v[i + 1]))
            continue; /* a later call for this key wins */
        const s_rec_t *r = v[i];
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
    free (v);
    dbk_svci_later_clear (self);
    return rc;
}

void dbk_svci_later_clear (dbk_svci_t *self)
{
    struct dbk_svci_later *l = self->later;
    if (!l)
        return;
    l->used = l->count = 0;
    /*  a replay's arena is not kept for the small batches after it */
    if (l->cap > S_LATER_FLUSH_BYTES / 4) {
        free (l->arena);
        l->arena = NULL;
        l->cap = 0;
    }
}

void dbk_svci_later_free (dbk_svci_t *self)
{
    if (self->later) {
        free (self->later->arena);
        free (self->later);
        self->later = NULL;
    }
}
