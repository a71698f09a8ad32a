/*  dbk_mem.c - memory in huge pages (dbk_mem.h). */
#include "dealbook/dbk_mem.h"

#include <sys/mman.h>

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
