/*  dbk_fds.c - the descriptor limit, and running out of descriptors. */
#include "dealbook/dbk_fds.h"

#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>

uint64_t dbk_fds_soft_limit (void)
{
    struct rlimit rl;
    return getrlimit (RLIMIT_NOFILE, &rl) ? 0 : (uint64_t) rl.rlim_cur;
}

bool dbk_fds_exhausted (int err)
{
    return err == EMFILE || err == ENFILE;
}

int dbk_fds_why (char *out, size_t size)
{
    return snprintf (out, size, "out of file descriptors (limit %llu)",
                     (unsigned long long) dbk_fds_soft_limit ());
}
