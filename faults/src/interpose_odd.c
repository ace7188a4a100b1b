/*
 * interpose_odd.c - THE HAND-WRITTEN INTERPOSERS: the only ones not generated from
 * signatures.def, because a row cannot say what they need. Each follows the same skeleton
 * (SF_SKELETON, internal.h) with the same trace macros, so the guard, the trace and the
 * bookkeeping order are those of every other interposer.
 *   semctl   variadic: the fourth argument (union semun) is read only for the commands that
 *            take one, as glibc itself does; SETVAL's value is traced as val=
 *   sem_open variadic: mode and value only with O_CREAT
 *   fork     no arguments; the child's side (its own pid, fresh per-process counters, a
 *            generator seeded from (parent seed, fork count)) is the pthread_atfork handler
 *            registered in core.c; glibc's __fork alias
 * Anything else belongs in signatures.def.
 */
#include <fcntl.h>
#include <semaphore.h>
#include <stdarg.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

const int sf_family_interpose_odd = 1;

/* ---- semctl ------------------------------------------------------------------------------- */

/* The caller defines union semun (SUSv3); this is its layout. */
union sf_semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
    struct seminfo *info;
};

static int takes_arg(int cmd)
{
    switch (cmd) {
    case SETVAL: case GETALL: case SETALL: case IPC_STAT: case IPC_SET: case IPC_INFO:
    case SEM_INFO: case SEM_STAT: case SEM_STAT_ANY:
        return 1;
    default:
        return 0;
    }
}

int semctl(int semid, int semnum, int cmd, ...)
{
    __typeof__(&semctl) real = (__typeof__(&semctl))sf_real(SF_FN_semctl);
    union sf_semun arg = {0};
    if (takes_arg(cmd)) {
        va_list ap;
        va_start(ap, cmd);
        arg = va_arg(ap, union sf_semun);
        va_end(ap);
    }
    if (SF_UNLIKELY(real == NULL))
        return (int)syscall(SYS_semctl, semid, semnum, cmd, arg.buf);
    int val = arg.val;
    SF_SKELETON(SF_FN_semctl, int, SF_FAILURE(int, semctl), real(semid, semnum, cmd, arg),
                (unsigned)cmd,
                SF_DEC(semid); SF_DEC(semnum); SF_DEC(cmd); if (cmd == SETVAL) SF_DEC(val),
                sf_note_rmid(SHMFAULT_OBJ_SYSV_SEM, sf_ret, cmd, semid));
}

/* ---- sem_open ----------------------------------------------------------------------------- */

static void note_sem_open(const char *name, int oflag, sem_t *s, int absent, uintptr_t site)
{
    if (s != SEM_FAILED && sf_observe && (oflag & O_CREAT) && ((oflag & O_EXCL) || absent))
        sf_ledger_create(SHMFAULT_OBJ_POSIX_SEM, -1, -1, name, 0, site);
}

sem_t *sem_open(const char *name, int oflag, ...)
{
    __typeof__(&sem_open) real = (__typeof__(&sem_open))sf_real(SF_FN_sem_open);
    mode_t mode = 0;
    unsigned value = 0;
    if (oflag & O_CREAT) {
        va_list ap;
        va_start(ap, oflag);
        mode = (mode_t)va_arg(ap, unsigned);
        value = va_arg(ap, unsigned);
        va_end(ap);
    }
    if (SF_UNLIKELY(real == NULL)) {
        errno = ENOSYS;
        return SF_FAILURE(sem_t *, sem_open);
    }
    const int absent = sf_probe_posix_absent(SHMFAULT_OBJ_POSIX_SEM, name, oflag);
    SF_SKELETON(SF_FN_sem_open, sem_t *, SF_FAILURE(sem_t *, sem_open),
                real(name, oflag, mode, value), (unsigned)oflag,
                SF_STR(name); SF_HEX(oflag); SF_HEX(mode); SF_DEC(value),
                note_sem_open(name, oflag, sf_ret, absent, SF_CALLER));
}

/* ---- fork --------------------------------------------------------------------------------- */

pid_t fork(void)
{
    __typeof__(&fork) real = (__typeof__(&fork))sf_real(SF_FN_fork);
    if (SF_UNLIKELY(real == NULL)) {
        errno = ENOSYS;
        return SF_FAILURE(pid_t, fork);
    }
    /* no arguments to trace, no bookkeeping here: in the child, the trace line is written with
     * the child's pid and ret 0 (the atfork handler ran first) */
    SF_SKELETON(SF_FN_fork, pid_t, SF_FAILURE(pid_t, fork), real(), 0, (void)0, (void)0);
}

/* glibc exports fork's implementation under __fork too (the same function there). */
extern __typeof__(fork) __fork __attribute__((alias("fork"), nothrow));
