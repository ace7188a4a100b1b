/*
 * table.c - the function table expanded from functions.def, the argument classes rules can
 * select, the errno names the library knows, and the public lookups over them.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "internal.h"

#define SF_LIST(...) __VA_ARGS__
#define SF_FN(name, fail, effect, args, errs) static const int sf_errs_##name[] = {SF_LIST errs};
#include "functions.def"
#undef SF_FN

const struct sf_function sf_functions[SF_NFN] = {
#define SF_FN(name, fail, effect, args, errs)                                                  \
    {#name, fail, effect, args, sf_errs_##name, sizeof(sf_errs_##name) / sizeof(int)},
#include "functions.def"
#undef SF_FN
};

/* Classes as data: a flag is (flag, flag), a command is (all bits, cmd). */
#define FLAG(fn, f) {SF_FN_##fn, #f, (unsigned long)(f), (unsigned long)(f)}
#define CMD(fn, c) {SF_FN_##fn, #c, ~0UL, (unsigned long)(c)}
const struct sf_class sf_classes[] = {
    FLAG(shmget, IPC_CREAT), FLAG(shmget, IPC_EXCL), FLAG(shmget, SHM_HUGETLB),
    FLAG(shmat, SHM_RDONLY), FLAG(shmat, SHM_RND), FLAG(shmat, SHM_REMAP), FLAG(shmat, SHM_EXEC),
    CMD(shmctl, IPC_STAT), CMD(shmctl, IPC_SET), CMD(shmctl, IPC_RMID), CMD(shmctl, IPC_INFO),
    CMD(shmctl, SHM_INFO), CMD(shmctl, SHM_STAT), CMD(shmctl, SHM_STAT_ANY),
    CMD(shmctl, SHM_LOCK), CMD(shmctl, SHM_UNLOCK),
    FLAG(semget, IPC_CREAT), FLAG(semget, IPC_EXCL),
    FLAG(semop, SEM_UNDO), FLAG(semop, IPC_NOWAIT),
    FLAG(semtimedop, SEM_UNDO), FLAG(semtimedop, IPC_NOWAIT),
    CMD(semctl, IPC_STAT), CMD(semctl, IPC_SET), CMD(semctl, IPC_RMID), CMD(semctl, IPC_INFO),
    CMD(semctl, SEM_INFO), CMD(semctl, SEM_STAT), CMD(semctl, SEM_STAT_ANY),
    CMD(semctl, GETALL), CMD(semctl, GETNCNT), CMD(semctl, GETPID), CMD(semctl, GETVAL),
    CMD(semctl, GETZCNT), CMD(semctl, SETALL), CMD(semctl, SETVAL),
    FLAG(shm_open, O_CREAT), FLAG(shm_open, O_EXCL), FLAG(shm_open, O_TRUNC),
    {SF_FN_shm_open, "O_RDONLY", O_ACCMODE, O_RDONLY}, {SF_FN_shm_open, "O_RDWR", O_ACCMODE, O_RDWR},
    FLAG(memfd_create, MFD_CLOEXEC), FLAG(memfd_create, MFD_ALLOW_SEALING),
    FLAG(memfd_create, MFD_HUGETLB),
    FLAG(mmap, MAP_SHARED), {SF_FN_mmap, "MAP_SHARED_VALIDATE", 0xf, MAP_SHARED_VALIDATE},
    FLAG(mmap, MAP_FIXED), FLAG(mmap, MAP_ANONYMOUS), FLAG(mmap, MAP_POPULATE),
    FLAG(mmap, MAP_NORESERVE),
    FLAG(sem_open, O_CREAT), FLAG(sem_open, O_EXCL),
};
#undef FLAG
#undef CMD
const unsigned sf_nclasses = sizeof(sf_classes) / sizeof(sf_classes[0]);

#define E(x) {x, #x}
static const struct {
    int value;
    const char *name;
} errnos[] = {
    E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC),
    E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST),
    E(EXDEV), E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY),
    E(ETXTBSY), E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE), E(EDOM),
    E(ERANGE), E(EDEADLK), E(ENAMETOOLONG), E(ENOLCK), E(ENOSYS), E(ENOTEMPTY), E(ELOOP),
    E(EIDRM), E(ENODATA), E(ETIME), E(EOVERFLOW), E(EILSEQ), E(ENOTSUP), E(ETIMEDOUT),
    E(ECANCELED), E(EOWNERDEAD), E(ENOTRECOVERABLE), E(EDQUOT), E(ESTALE),
};
#undef E

int sf_errno_documented(unsigned fn, int err)
{
    for (unsigned i = 0; i < sf_functions[fn].nerrs; i++)
        if (sf_functions[fn].errs[i] == err)
            return 1;
    return 0;
}

unsigned shmfault_function_count(void)
{
    return SF_NFN;
}

const char *shmfault_function_name(unsigned i)
{
    return i < SF_NFN ? sf_functions[i].name : NULL;
}

int shmfault_function_lookup(const char *name)
{
    for (unsigned i = 0; name != NULL && i < SF_NFN; i++)
        if (strcmp(sf_functions[i].name, name) == 0)
            return (int)i;
    return -1;
}

int shmfault_function_removes(unsigned i)
{
    if (i >= SF_NFN)
        return 0;
    switch (sf_functions[i].effect) {
    case SF_EFF_REMOVE_SYSV_SHM:
    case SF_EFF_REMOVE_SYSV_SEM:
    case SF_EFF_REMOVE_POSIX_SHM:
    case SF_EFF_REMOVE_POSIX_SEM: return 1;
    default: return 0;
    }
}

unsigned shmfault_function_errnos(unsigned i, const int **list)
{
    if (i >= SF_NFN) {
        if (list)
            *list = NULL;
        return 0;
    }
    if (list)
        *list = sf_functions[i].errs;
    return sf_functions[i].nerrs;
}

const char *shmfault_errno_name(int err)
{
    for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
        if (errnos[i].value == err)
            return errnos[i].name; /* EAGAIN before EWOULDBLOCK, ENOTSUP before EOPNOTSUPP */
    return NULL;
}

int shmfault_errno_lookup(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof(errnos) / sizeof(errnos[0]); i++)
        if (strcmp(errnos[i].name, name) == 0)
            return errnos[i].value;
    return -1;
}

/* Edit distance, capped: only used to suggest a name in an error message. */
unsigned sf_distance(const char *a, size_t la, const char *b)
{
    unsigned row[32];
    size_t lb = strlen(b);
    if (la >= 31 || lb >= 31)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= lb; j++) {
            unsigned up = row[j];
            unsigned best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

unsigned sf_closest_function(const char *name, size_t len)
{
    unsigned best = 0, bestd = 99;
    for (unsigned i = 0; i < SF_NFN; i++) {
        unsigned d = sf_distance(name, len, sf_functions[i].name);
        if (d < bestd) {
            bestd = d;
            best = i;
        }
    }
    return bestd <= 3 ? best : SF_NFN;
}
