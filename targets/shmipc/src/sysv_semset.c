/*
 * sysv_semset.c - semaphore sets with deadlines. A wait is always bounded: the deadline is
 * computed once on CLOCK_MONOTONIC and every retry after EINTR waits only for what is left,
 * so signals can neither stretch a wait nor turn it into a spurious failure.
 */
#include "sysv_semset.h"

#include "shmipc.h"

#include <errno.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <time.h>

#include "bug.h"
#include "guard.h"

/* The semop-eintr-ignored bug: "interrupted or removed, so we are through", as in the
   tutorials' P() that never looks at semop's result. */
static int interrupted_counts_as_done(void)
{
    return BUG(SEMOP_EINTR_IGNORED) && (errno == EINTR || errno == EIDRM);
}

/* EINTR is retried, but not forever: a signal storm (or an injected "EINTR on every call")
   must end in an error, never in a spin. */
#define EINTR_RETRIES 64

/* semctl's fourth argument: the caller must define it (semctl(2)). */
union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

int shmipc_semset_create(key_t key, int nsems, const unsigned short *init, int mode)
{
    int id = semget(key, nsems, IPC_CREAT | IPC_EXCL | mode);
    if (id == -1)
        return -1;
    shmipc_guard_created(SHMIPC_OBJ_SEM, id, NULL);
    union semun arg = {.array = (unsigned short *)init};
    if (semctl(id, 0, SETALL, arg) == -1) {
        int saved = errno;
        (void)semctl(id, 0, IPC_RMID);
        errno = saved;
        return -1;
    }
    shmipc_guard_created(SHMIPC_OBJ_SEM, id, NULL); /* SETALL moved its ctime */
    return id;
}

int shmipc_semset_open(key_t key, int nsems)
{
    int id = semget(key, 0, 0);
    if (id == -1)
        return -1;
    if (shmipc_guard_foreign(SHMIPC_OBJ_SEM, id, NULL, -1)) {
        errno = ENOENT; /* someone else's set at the key: absent for us */
        return -1;
    }
    struct semid_ds ds;
    union semun arg = {.buf = &ds};
    if (semctl(id, 0, IPC_STAT, arg) == -1)
        return -1;
    if (ds.sem_nsems != (unsigned long)nsems) {
        errno = EPROTO;
        return -1;
    }
    return id;
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void set_nowait(struct sembuf *ops, size_t nops, int on)
{
    for (size_t i = 0; i < nops; i++) {
        if (on)
            ops[i].sem_flg = (short)(ops[i].sem_flg | IPC_NOWAIT);
        else
            ops[i].sem_flg = (short)(ops[i].sem_flg & ~IPC_NOWAIT);
    }
}

static int semop_retrying(int semid, struct sembuf *ops, size_t nops)
{
    for (int tries = 0; tries < EINTR_RETRIES; tries++) {
        if (semop(semid, ops, nops) == 0 || interrupted_counts_as_done())
            return 0;
        if (errno != EINTR)
            return -1;
    }
    return -1;
}

int shmipc_semset_op(int semid, struct sembuf *ops, size_t nops, int timeout_ms)
{
    if (timeout_ms < 0 || timeout_ms > SHMIPC_TIMEOUT_MAX) {
        errno = EINVAL;
        return -1;
    }
    set_nowait(ops, nops, timeout_ms == 0);
    if (timeout_ms == 0) {
        return semop_retrying(semid, ops, nops);
    }
    long long deadline = now_ns() + (long long)timeout_ms * 1000000LL;
    for (int tries = 0; tries < EINTR_RETRIES; tries++) {
        long long left = deadline - now_ns();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        struct timespec ts = {.tv_sec = (time_t)(left / 1000000000LL),
                              .tv_nsec = (long)(left % 1000000000LL)};
        if (semtimedop(semid, ops, nops, &ts) == 0 || interrupted_counts_as_done())
            return 0;
        if (errno == EAGAIN) { /* semtimedop's way of saying the time ran out */
            errno = ETIMEDOUT;
            return -1;
        }
        if (errno != EINTR)
            return -1;
    }
    return -1; /* errno is EINTR */
}

int shmipc_semset_post(int semid, struct sembuf *ops, size_t nops)
{
    set_nowait(ops, nops, 0);
    return semop_retrying(semid, ops, nops);
}

int shmipc_semset_value(int semid, int num)
{
    return semctl(semid, num, GETVAL);
}

int shmipc_semset_remove(int semid)
{
    if (semid == -1)
        return 0;
    if (shmipc_guard_foreign(SHMIPC_OBJ_SEM, semid, NULL, -1)) {
        errno = EINVAL; /* ours is gone and the id names someone else's now */
        return -1;
    }
    return semctl(semid, 0, IPC_RMID);
}

int shmipc_semset_gone(int semid)
{
    struct semid_ds ds;
    if (errno != EIDRM && errno != EINVAL)
        return 0;
    int err = errno;
    int gone = semctl(semid, 0, IPC_STAT, &ds) == -1 && (errno == EIDRM || errno == EINVAL);
    errno = err;
    return gone;
}
