/*
 * sysv_sem.c - interposers of the System V semaphore calls: semget semop semtimedop semctl.
 * semctl is variadic: its fourth argument (union semun) is read only for the commands that
 * take one, as glibc itself does. semget creations and semctl(IPC_RMID) removals go to the
 * ledger. A rule's class for semop/semtimedop is the OR of the operations' sem_flg.
 */
#include <stdarg.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

const int sf_family_sysv_sem = 1;

/* The caller defines union semun (SUSv3); this is its layout. */
union sf_semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
    struct seminfo *info;
};

typedef int (*semget_fn)(key_t, int, int);
typedef int (*semop_fn)(int, struct sembuf *, size_t);
typedef int (*semtimedop_fn)(int, struct sembuf *, size_t, const struct timespec *);
typedef int (*semctl_fn)(int, int, int, ...);

/*
 * Whether semget creates cannot be read back (a set has no creator pid), so with IPC_CREAT
 * alone the key is probed just before: absent then present means this call made it (another
 * process creating it in between is the one case recorded wrongly; docs/faults.md).
 */
static int probe_absent(key_t key, int flags)
{
    if (!sf_observe || key == IPC_PRIVATE || (flags & (IPC_CREAT | IPC_EXCL)) != IPC_CREAT)
        return 0;
    semget_fn real = (semget_fn)sf_real(SF_FN_semget);
    int saved = errno;
    int absent = real && real(key, 0, 0) == -1 && errno == ENOENT;
    errno = saved;
    return absent;
}

static void note_semget(key_t key, int nsems, int flags, int id, int absent, uintptr_t site)
{
    if (id < 0 || !sf_observe)
        return;
    int created = key == IPC_PRIVATE || ((flags & IPC_CREAT) && (flags & IPC_EXCL)) || absent;
    if (created)
        sf_ledger_create(SHMFAULT_OBJ_SYSV_SEM, id, (long)key, "", (unsigned long)nsems, site);
}

int semget(key_t key, int nsems, int flags)
{
    semget_fn real = (semget_fn)sf_real(SF_FN_semget);
    struct sf_call c;
    if (SF_UNLIKELY(real == NULL))
        return (int)syscall(SYS_semget, key, nsems, flags);
    int absent = probe_absent(key, flags);
    if (!sf_enter(&c, SF_FN_semget, (unsigned)flags, SF_CALLER)) {
        int id = real(key, nsems, flags);
        note_semget(key, nsems, flags, id, absent, SF_CALLER);
        return id;
    }
    if (c.tracing) {
        sf_arg_hex(&c, "key", (unsigned)key);
        sf_arg_dec(&c, "nsems", nsems);
        sf_arg_hex(&c, "flags", (unsigned)flags);
    }
    if (sf_before(&c))
        return -1;
    int id = real(key, nsems, flags);
    note_semget(key, nsems, flags, id, absent, SF_CALLER);
    sf_after_int(&c, id);
    return id;
}

/*
 * Only read when a rule selects a class, and never directly: the kernel has not validated
 * SOPS yet, and a program may pass a bad one on purpose (it expects EFAULT). Unreadable
 * operations have no class; the kernel then gives the program its EFAULT.
 */
static unsigned long op_flags(unsigned fn, const struct sembuf *sops, size_t nsops)
{
    struct sembuf ops[64];
    unsigned long f = 0;
    if (!sf_rules.needcls[fn] || sops == NULL || nsops == 0)
        return 0;
    size_t n = nsops < 64 ? nsops : 64;
    if (sf_peek(ops, sops, n * sizeof(ops[0])) != 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        f |= (unsigned short)ops[i].sem_flg;
    return f;
}

/* The first operation, for the trace, read as op_flags reads (never dereferenced). */
static void trace_first_op(struct sf_call *c, const struct sembuf *sops, size_t nsops)
{
    struct sembuf op = {0, 0, 0}; /* filled by sf_peek; zeroed for cppcheck's ctuuninitvar */
    if (sops == NULL || nsops == 0)
        return;
    if (sf_peek(&op, sops, sizeof(op)) != 0) {
        sf_arg_hex(c, "sops", (uintptr_t)sops); /* unreadable: its address, as the kernel sees */
        return;
    }
    sf_arg_dec(c, "num", op.sem_num);
    sf_arg_dec(c, "op", op.sem_op);
    sf_arg_hex(c, "flags", (unsigned short)op.sem_flg);
}

int semop(int semid, struct sembuf *sops, size_t nsops)
{
    semop_fn real = (semop_fn)sf_real(SF_FN_semop);
    struct sf_call c;
    if (SF_UNLIKELY(real == NULL))
        return (int)syscall(SYS_semop, semid, sops, nsops);
    if (!sf_enter(&c, SF_FN_semop, op_flags(SF_FN_semop, sops, nsops), SF_CALLER))
        return real(semid, sops, nsops);
    if (c.tracing) {
        sf_arg_dec(&c, "semid", semid);
        sf_arg_dec(&c, "nsops", (long)nsops);
        trace_first_op(&c, sops, nsops);
    }
    if (sf_before(&c))
        return -1;
    int rc = real(semid, sops, nsops);
    sf_after_int(&c, rc);
    return rc;
}

int semtimedop(int semid, struct sembuf *sops, size_t nsops, const struct timespec *timeout)
{
    semtimedop_fn real = (semtimedop_fn)sf_real(SF_FN_semtimedop);
    struct sf_call c;
    if (SF_UNLIKELY(real == NULL))
        return (int)syscall(SYS_semtimedop, semid, sops, nsops, timeout);
    if (!sf_enter(&c, SF_FN_semtimedop, op_flags(SF_FN_semtimedop, sops, nsops), SF_CALLER))
        return real(semid, sops, nsops, timeout);
    if (c.tracing) {
        sf_arg_dec(&c, "semid", semid);
        sf_arg_dec(&c, "nsops", (long)nsops);
        trace_first_op(&c, sops, nsops);
        sf_arg_hex(&c, "timeout", (uintptr_t)timeout);
    }
    if (sf_before(&c))
        return -1;
    int rc = real(semid, sops, nsops, timeout);
    sf_after_int(&c, rc);
    return rc;
}

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
    semctl_fn real = (semctl_fn)sf_real(SF_FN_semctl);
    union sf_semun arg = {0};
    struct sf_call c;
    int rc;
    if (takes_arg(cmd)) {
        va_list ap;
        va_start(ap, cmd);
        arg = va_arg(ap, union sf_semun);
        va_end(ap);
    }
    if (SF_UNLIKELY(real == NULL))
        return (int)syscall(SYS_semctl, semid, semnum, cmd, arg.buf);
    if (!sf_enter(&c, SF_FN_semctl, (unsigned)cmd, SF_CALLER)) {
        rc = real(semid, semnum, cmd, arg);
        if (rc == 0 && cmd == IPC_RMID)
            sf_ledger_remove(SHMFAULT_OBJ_SYSV_SEM, semid, NULL);
        return rc;
    }
    if (c.tracing) {
        sf_arg_dec(&c, "semid", semid);
        sf_arg_dec(&c, "semnum", semnum);
        sf_arg_dec(&c, "cmd", cmd);
        if (cmd == SETVAL)
            sf_arg_dec(&c, "val", arg.val);
    }
    if (sf_before(&c))
        return -1;
    rc = real(semid, semnum, cmd, arg);
    if (rc == 0 && cmd == IPC_RMID)
        sf_ledger_remove(SHMFAULT_OBJ_SYSV_SEM, semid, NULL);
    sf_after_int(&c, rc);
    return rc;
}
