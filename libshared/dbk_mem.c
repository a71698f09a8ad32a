/*  dbk_mem.c - memory in huge pages (dbk_mem.h). */
#include "dealbook/dbk_mem.h"

#include "dealbook/dbk_error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void *dbk_huge_alloc (size_t bytes)
{
    if (bytes == 0)
        return NULL;
    void *p = mmap (NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void) madvise (p, bytes, MADV_HUGEPAGE); /* advice: refused is fine */
#endif
    return p;
}

void dbk_huge_free (void *p, size_t bytes)
{
    if (p)
        munmap (p, bytes);
}

void *dbk_huge_grow (void *p, size_t old_bytes, size_t bytes)
{
    if (!p)
        return dbk_huge_alloc (bytes);
    void *q = mremap (p, old_bytes, bytes, MREMAP_MAYMOVE);
    if (q == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void) madvise (q, bytes, MADV_HUGEPAGE);
#endif
    return q;
}

/*  Advise [lo, hi) rounded inwards to whole pages. */
static void s_advise (uintptr_t lo, uintptr_t hi)
{
#ifdef MADV_HUGEPAGE
    uintptr_t pg = (uintptr_t) sysconf (_SC_PAGESIZE);
    lo = (lo + pg - 1) & ~(pg - 1);
    hi &= ~(pg - 1);
    if (hi > lo)
        (void) madvise ((void *) lo, hi - lo, MADV_HUGEPAGE);
#else
    (void) lo;
    (void) hi;
#endif
}

void dbk_heap_huge (size_t bytes, size_t piece)
{
    enum { MAX_PIECES = 64 };
    void *pieces[MAX_PIECES];
    size_t n = 0;
    for (size_t got = 0; got < bytes && n < MAX_PIECES; got += piece) {
        void *p = malloc (piece);
        if (!p)
            break;
        pieces[n++] = p;
    }
    if (n == 0)
        return;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        uintptr_t p = (uintptr_t) pieces[i];
        lo = p < lo ? p : lo;
        hi = p + piece > hi ? p + piece : hi;
    }
    /*  one span when the pieces lie end to end (glibc's heap grown by brk),
        so that no page between two of them splits the advice */
    if (hi - lo <= n * (piece + 4096))
        s_advise (lo, hi);
    else
        for (size_t i = 0; i < n; i++)
            s_advise ((uintptr_t) pieces[i], (uintptr_t) pieces[i] + piece);
    while (n > 0)
        free (pieces[--n]);
}

int dbk_grow (void *arr_p, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : (first ? first : 1);
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return DBK_ENOMEM;
        c *= 2;
    }
    if (elem && c > SIZE_MAX / elem)
        return DBK_ENOMEM;
    void *a; /* arr_p is the address of a typed array pointer */
    memcpy (&a, arr_p, sizeof a);
    void *p = realloc (a, c * elem);
    if (!p)
        return DBK_ENOMEM;
    memcpy (arr_p, &p, sizeof p);
    *cap = c;
    return 0;
}
