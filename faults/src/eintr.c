/*
 * eintr.c - two facts the trace gives so `shmfuzz enumerate` knows when EINTR cannot happen
 * (docs/faults.md, "When EINTR is realistic"). Both are computed only for a traced call.
 *
 * handler: sem_wait, sem_timedwait and sem_clockwait fail with EINTR only when a signal
 * handler ran (signal(7): not after SIGSTOP/SIGCONT since Linux 2.6.22), so a process with no
 * handler installed never sees it. Asked of the kernel (rt_sigaction, async-signal-safe), never
 * through libc's sigaction, which a program may interpose.
 *
 * would_sleep: semop and semtimedop return EINTR only after sleeping, and an operation that can
 * proceed at once never sleeps. The operations are read with sf_peek (not yet validated by the
 * kernel) and, when one of them waits on a value (sem_op <= 0), the values are read with the
 * real semctl(GETVAL), which only reads. A peer may change a value between that read and the
 * call: the fact is what the call would have done at that instant.
 */
#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* The kernel's struct sigaction starts with the handler on the architectures we build for
   (x86_64, aarch64, the generic layout); the rest is room for flags, restorer and mask. */
struct sf_ksigaction {
    void *handler;
    unsigned long rest[8];
};

int sf_has_handler(void)
{
    int saved = errno, found = 0;
    for (int sig = 1; sig <= 64 && !found; sig++) {
        struct sf_ksigaction old;
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        if (syscall(SYS_rt_sigaction, sig, NULL, &old, (size_t)8) != 0)
            continue; /* a signal number this kernel does not have */
        found = old.handler != (void *)SIG_DFL && old.handler != (void *)SIG_IGN;
    }
    errno = saved;
    return found;
}

/* Where VALS holds semaphore NUM of SEMID (read once with GETVAL, then as the operations before
   left it); VALS/NUMS hold the N read so far. -1: it cannot be read (the call fails without
   sleeping, or the set is gone): the caller then does not judge. */
static long value_of(int semid, unsigned short num, long *vals, unsigned short *nums, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        if (nums[i] == num)
            return (long)i;
    __typeof__(&semctl) real = (__typeof__(&semctl))sf_real(SF_FN_semctl);
    int v = real ? real(semid, num, GETVAL) : -1;
    if (v < 0)
        return -1;
    nums[*n] = num;
    vals[*n] = v;
    return (long)(*n)++;
}

#define SF_SLEEP_OPS 64 /* more operations than this: not judged */

int sf_sem_would_sleep(int semid, const struct sembuf *sops, size_t nsops)
{
    struct sembuf ops[SF_SLEEP_OPS];
    long vals[SF_SLEEP_OPS];
    unsigned short nums[SF_SLEEP_OPS];
    size_t nread = 0;
    int waits = 0;
    if (sops == NULL || nsops == 0 || nsops > SF_SLEEP_OPS ||
        sf_peek(ops, sops, nsops * sizeof(ops[0])) != 0)
        return -1;
    for (size_t i = 0; i < nsops; i++)
        waits |= ops[i].sem_op <= 0;
    if (!waits)
        return 0; /* only increments: the kernel never sleeps on those */
    int saved = errno;
    int answer = 0;
    /* The kernel applies the operations in order, all or none; the first one that cannot
       proceed decides: sleep, or EAGAIN at once with IPC_NOWAIT. */
    for (size_t i = 0; i < nsops && answer == 0; i++) {
        long at = value_of(semid, ops[i].sem_num, vals, nums, &nread);
        if (at < 0) {
            answer = -1;
            break;
        }
        long v = vals[at];
        int blocks = ops[i].sem_op == 0 ? v != 0 : v + ops[i].sem_op < 0;
        if (blocks)
            answer = (ops[i].sem_flg & IPC_NOWAIT) ? 2 : 1;
        else
            vals[at] = v + ops[i].sem_op;
    }
    errno = saved;
    return answer == 2 ? 0 : answer;
}
