/*  dbk_mem.h - memory for large tables visited at random.

    A hash table or a sort's input of many megabytes, probed at random
    positions, misses the TLB on nearly every probe when it sits in 4 KB
    pages; on a virtual machine each such miss walks two sets of page
    tables. These helpers map zeroed memory and ask the kernel for huge
    pages (transparent huge pages in "madvise" mode, Debian's default).
    The advice may be refused: the memory is usable either way.
*/
#ifndef DEALBOOK_DBK_MEM_H
#define DEALBOOK_DBK_MEM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*  bytes of zeroed memory, or NULL. Free with dbk_huge_free (p, bytes). */
void *dbk_huge_alloc (size_t bytes);
void dbk_huge_free (void *p, size_t bytes);

/*  p (old_bytes, from dbk_huge_alloc, or NULL) grown to bytes without
    copying (the kernel moves the pages); the new bytes are zeroed. NULL
    when that fails, p being then as it was. */
void *dbk_huge_grow (void *p, size_t old_bytes, size_t bytes);

/*  Grow malloc's heap by about `bytes`, in blocks of `piece` bytes, ask
    for huge pages on it, and give the blocks back: the next `bytes` of
    small blocks (LMDB's dirty pages, a replay's pages) come from huge
    pages. Nothing is touched but the blocks' headers, so memory that is
    never used is never resident (memory used is, in 2 MB units). `piece` must be below
   M_MMAP_THRESHOLD and the total below M_TRIM_THRESHOLD, or the blocks come from mmap or go
   straight back to the kernel (harmless, and then useless). */
void dbk_heap_huge (size_t bytes, size_t piece);

/*  Room in the array at *(T **) arr_p (*cap elements of elem bytes, from
    malloc, or NULL with *cap 0) for at least `need` elements: its
    capacity doubled, from `first`, until they fit (realloc). 0, or
    DBK_ENOMEM with the array and *cap as they were. */
int dbk_grow (void *arr_p, size_t *cap, size_t need, size_t elem, size_t first);

#ifdef __cplusplus
}
#endif
#endif
