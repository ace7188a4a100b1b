/*
 * posix_sem.c - interposers of the POSIX named and unnamed semaphore calls: sem_open (variadic:
 * mode and value only with O_CREAT), sem_close, sem_unlink, sem_wait, sem_timedwait,
 * sem_trywait, sem_post, sem_clockwait. sem_open creations and sem_unlink removals go to the
 * ledger. Names and timeouts are the program's pointers: never dereferenced here (the trace
 * reads names through sf_peek_str and prints timeouts as addresses).
 */
#include <fcntl.h>
#include <semaphore.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "internal.h"

const int sf_family_posix_sem = 1;

typedef sem_t *(*sem_open_fn)(const char *, int, ...);
typedef int (*sem_fn)(sem_t *);
typedef int (*sem_timedwait_fn)(sem_t *, const struct timespec *);
typedef int (*sem_clockwait_fn)(sem_t *, clockid_t, const struct timespec *);
typedef int (*sem_unlink_fn)(const char *);

sem_t *sem_open(const char *name, int oflag, ...)
{
    sem_open_fn real = (sem_open_fn)sf_real(SF_FN_sem_open);
    mode_t mode = 0;
    unsigned value = 0;
    struct sf_call c;
    sem_t *s;
    if (oflag & O_CREAT) {
        va_list ap;
        va_start(ap, oflag);
        mode = (mode_t)va_arg(ap, unsigned);
        value = va_arg(ap, unsigned);
        va_end(ap);
    }
    if (SF_UNLIKELY(real == NULL)) {
        errno = ENOSYS;
        return SEM_FAILED;
    }
    /* NAME is not validated yet: probed through a copy read with sf_peek_str */
    char copy[256];
    int absent = sf_observe && (oflag & O_CREAT) && !(oflag & O_EXCL) &&
                 sf_peek_str(copy, sizeof(copy), name) == 0 &&
                 !sf_posix_exists(SHMFAULT_OBJ_POSIX_SEM, copy);
    int watched = sf_enter(&c, SF_FN_sem_open, (unsigned)oflag, SF_CALLER);
    if (watched) {
        if (c.tracing) {
            sf_arg_str(&c, "name", name);
            sf_arg_hex(&c, "oflag", (unsigned)oflag);
            sf_arg_hex(&c, "mode", mode);
            sf_arg_dec(&c, "value", value);
        }
        if (sf_before(&c))
            return SEM_FAILED;
    }
    s = real(name, oflag, mode, value);
    if (s != SEM_FAILED && sf_observe && (oflag & O_CREAT) && ((oflag & O_EXCL) || absent))
        sf_ledger_create(SHMFAULT_OBJ_POSIX_SEM, -1, -1, name, 0, SF_CALLER);
    if (watched)
        sf_after_ptr(&c, s, s == SEM_FAILED);
    return s;
}

int sem_unlink(const char *name)
{
    sem_unlink_fn real = (sem_unlink_fn)sf_real(SF_FN_sem_unlink);
    struct sf_call c;
    if (SF_UNLIKELY(real == NULL)) {
        errno = ENOSYS;
        return -1;
    }
    int watched = sf_enter(&c, SF_FN_sem_unlink, 0, SF_CALLER);
    if (watched) {
        if (c.tracing)
            sf_arg_str(&c, "name", name);
        if (sf_before(&c))
            return -1;
    }
    int rc = real(name);
    if (rc == 0)
        sf_ledger_remove(SHMFAULT_OBJ_POSIX_SEM, -1, name);
    if (watched)
        sf_after_int(&c, rc);
    return rc;
}

/* sem_close, sem_wait, sem_trywait, sem_post: same shape, one semaphore argument. */
static int one_sem(unsigned fn, sem_t *sem, uintptr_t caller)
{
    sem_fn real = (sem_fn)sf_real(fn);
    struct sf_call c;
    if (SF_UNLIKELY(real == NULL)) {
        errno = ENOSYS;
        return -1;
    }
    if (!sf_enter(&c, fn, 0, caller))
        return real(sem);
    if (c.tracing)
        sf_arg_hex(&c, "sem", (uintptr_t)sem);
    if (sf_before(&c))
        return -1;
    int rc = real(sem);
    sf_after_int(&c, rc);
    return rc;
}

int sem_close(sem_t *sem)
{
    return one_sem(SF_FN_sem_close, sem, SF_CALLER);
}

int sem_wait(sem_t *sem)
{
    return one_sem(SF_FN_sem_wait, sem, SF_CALLER);
}

int sem_trywait(sem_t *sem)
{
    return one_sem(SF_FN_sem_trywait, sem, SF_CALLER);
}

int sem_post(sem_t *sem)
{
    return one_sem(SF_FN_sem_post, sem, SF_CALLER);
}

int sem_timedwait(sem_t *sem, const struct timespec *timeout)
{
    sem_timedwait_fn real = (sem_timedwait_fn)sf_real(SF_FN_sem_timedwait);
    struct sf_call c;
    if (SF_UNLIKELY(real == NULL)) {
        errno = ENOSYS;
        return -1;
    }
    if (!sf_enter(&c, SF_FN_sem_timedwait, 0, SF_CALLER))
        return real(sem, timeout);
    if (c.tracing) {
        sf_arg_hex(&c, "sem", (uintptr_t)sem);
        sf_arg_hex(&c, "timeout", (uintptr_t)timeout);
    }
    if (sf_before(&c))
        return -1;
    int rc = real(sem, timeout);
    sf_after_int(&c, rc);
    return rc;
}

int sem_clockwait(sem_t *sem, clockid_t clock, const struct timespec *timeout)
{
    sem_clockwait_fn real = (sem_clockwait_fn)sf_real(SF_FN_sem_clockwait);
    struct sf_call c;
    if (SF_UNLIKELY(real == NULL)) {
        errno = ENOSYS;
        return -1;
    }
    if (!sf_enter(&c, SF_FN_sem_clockwait, 0, SF_CALLER))
        return real(sem, clock, timeout);
    if (c.tracing) {
        sf_arg_hex(&c, "sem", (uintptr_t)sem);
        sf_arg_dec(&c, "clockid", clock);
        sf_arg_hex(&c, "timeout", (uintptr_t)timeout);
    }
    if (sf_before(&c))
        return -1;
    int rc = real(sem, clock, timeout);
    sf_after_int(&c, rc);
    return rc;
}
