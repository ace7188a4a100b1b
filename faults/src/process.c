/*
 * process.c - fork as a fault point (EAGAIN, ENOMEM, or a crash), and the child's side of
 * fork bookkeeping: pthread_atfork (registered in core.c) gives the child its own pid, fresh
 * per-process counters and a generator seeded from (parent seed, fork count), so
 * multi-process runs replay exactly.
 */
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

const int sf_family_process = 1;

typedef pid_t (*fork_fn)(void);

pid_t fork(void)
{
    fork_fn real = (fork_fn)sf_real(SF_FN_fork);
    struct sf_call c;
    if (SF_UNLIKELY(real == NULL)) {
        errno = ENOSYS;
        return -1;
    }
    if (!sf_enter(&c, SF_FN_fork, 0, SF_CALLER))
        return real();
    if (sf_before(&c))
        return -1;
    pid_t pid = real();
    sf_after_int(&c, pid); /* in the child this traces with the child's pid, ret 0 */
    return pid;
}

/* glibc exports fork's implementation under __fork too (the same function there). */
extern __typeof__(fork) __fork __attribute__((alias("fork"), nothrow));
