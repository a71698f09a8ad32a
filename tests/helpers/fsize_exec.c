/*  fsize_exec - run a program under a file-size limit, to simulate a full
    disk without mount privileges:

        fsize_exec BYTES PROGRAM [ARGS...]

    Sets RLIMIT_FSIZE's soft limit to BYTES and execs PROGRAM. A write past the limit
    then fails with EFBIG (or is cut short), as on a full disk; SIGXFSZ,
    which the kernel also sends, is ignored by dealbook-eventlog itself
    (and ignored here too, since an ignored disposition survives exec).
*/
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int main (int argc, char **argv)
{
    if (argc < 3) {
        fprintf (stderr, "usage: fsize_exec BYTES PROGRAM [ARGS...]\n");
        return 2;
    }
    char *end;
    errno = 0;
    unsigned long long limit = strtoull (argv[1], &end, 10);
    if (errno || *end || end == argv[1]) {
        fprintf (stderr, "fsize_exec: bad limit %s\n", argv[1]);
        return 2;
    }
    /*  the soft limit only: a test may raise it again on the running
        process (prlimit), as when room is made on a full disk */
    struct rlimit rl = {.rlim_cur = (rlim_t) limit, .rlim_max = (rlim_t) limit}, old;
    if (getrlimit (RLIMIT_FSIZE, &old) == 0 && old.rlim_max >= rl.rlim_cur)
        rl.rlim_max = old.rlim_max; /* RLIM_INFINITY is the largest value */
    if (setrlimit (RLIMIT_FSIZE, &rl) != 0) {
        fprintf (stderr, "fsize_exec: setrlimit: %s\n", strerror (errno));
        return 2;
    }
    signal (SIGXFSZ, SIG_IGN);
    execv (argv[2], argv + 2);
    fprintf (stderr, "fsize_exec: cannot exec %s: %s\n", argv[2], strerror (errno));
    return 127;
}
