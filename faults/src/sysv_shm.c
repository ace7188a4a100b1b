/*
 * sysv_shm.c - interposers of the System V shared memory calls: shmget shmat shmdt shmctl ftok.
 * Each: pass straight through when nothing is armed; otherwise count, maybe fail or crash, and
 * trace. shmget creations and shmctl(IPC_RMID) removals go to the ledger. shmat of AFL++'s
 * own segments (__AFL_SHM_ID, __AFL_SHM_FUZZ_ID) is never counted nor failed.
 */
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

const int sf_family_sysv_shm = 1;

typedef int (*shmget_fn)(key_t, size_t, int);
typedef void *(*shmat_fn)(int, const void *, int);
typedef int (*shmdt_fn)(const void *);
typedef int (*shmctl_fn)(int, int, struct shmid_ds *);
typedef key_t (*ftok_fn)(const char *, int);

/*
 * Did this call create the segment? IPC_PRIVATE and IPC_CREAT|IPC_EXCL always do. IPC_CREAT
 * alone may have found an existing one: the kernel's creator pid (shm_cpid, as seen from our
 * PID namespace) tells; a segment this process made earlier is already in the ledger.
 */
static void note_shmget(key_t key, size_t size, int flags, int id, uintptr_t site)
{
    if (id < 0 || !sf_observe)
        return;
    if (key != IPC_PRIVATE && !(flags & IPC_CREAT))
        return;
    if (key != IPC_PRIVATE && !(flags & IPC_EXCL)) {
        struct shmid_ds ds;
        int saved = errno;
        shmctl_fn stat = (shmctl_fn)sf_real(SF_FN_shmctl);
        int rc = stat ? stat(id, IPC_STAT, &ds) : -1;
        errno = saved;
        if (rc != 0 || ds.shm_cpid != sf_pid)
            return;
    }
    sf_ledger_create(SHMFAULT_OBJ_SYSV_SHM, id, (long)key, "", size, site);
}

int shmget(key_t key, size_t size, int flags)
{
    shmget_fn real = (shmget_fn)sf_real(SF_FN_shmget);
    struct sf_call c;
    int id;
    if (SF_UNLIKELY(real == NULL))
        return (int)syscall(SYS_shmget, key, size, flags);
    if (!sf_enter(&c, SF_FN_shmget, (unsigned)flags, SF_CALLER)) {
        id = real(key, size, flags);
        note_shmget(key, size, flags, id, SF_CALLER);
        return id;
    }
    if (c.tracing) {
        sf_arg_hex(&c, "key", (unsigned)key);
        sf_arg_dec(&c, "size", (long)size);
        sf_arg_hex(&c, "flags", (unsigned)flags);
    }
    if (sf_before(&c))
        return -1;
    id = real(key, size, flags);
    note_shmget(key, size, flags, id, SF_CALLER);
    sf_after_int(&c, id);
    return id;
}

void *shmat(int shmid, const void *addr, int flags)
{
    shmat_fn real = (shmat_fn)sf_real(SF_FN_shmat);
    struct sf_call c;
    if (SF_UNLIKELY(real == NULL)) {
        errno = ENOSYS;
        return (void *)-1;
    }
    if (shmid >= 0 && (shmid == sf_afl_shm_id[0] || shmid == sf_afl_shm_id[1])) {
        sf_note_call(SF_FN_shmat);
        return real(shmid, addr, flags); /* the fuzzing engine's own map: never ours to fail */
    }
    if (!sf_enter(&c, SF_FN_shmat, (unsigned)flags, SF_CALLER))
        return real(shmid, addr, flags);
    if (c.tracing) {
        sf_arg_dec(&c, "shmid", shmid);
        sf_arg_hex(&c, "addr", (uintptr_t)addr);
        sf_arg_hex(&c, "flags", (unsigned)flags);
    }
    if (sf_before(&c))
        return (void *)-1;
    void *p = real(shmid, addr, flags);
    sf_after_ptr(&c, p, p == (void *)-1);
    return p;
}

int shmdt(const void *addr)
{
    shmdt_fn real = (shmdt_fn)sf_real(SF_FN_shmdt);
    struct sf_call c;
    if (SF_UNLIKELY(real == NULL))
        return (int)syscall(SYS_shmdt, addr);
    if (!sf_enter(&c, SF_FN_shmdt, 0, SF_CALLER))
        return real(addr);
    if (c.tracing)
        sf_arg_hex(&c, "addr", (uintptr_t)addr);
    if (sf_before(&c))
        return -1;
    int rc = real(addr);
    sf_after_int(&c, rc);
    return rc;
}

int shmctl(int shmid, int cmd, struct shmid_ds *buf)
{
    shmctl_fn real = (shmctl_fn)sf_real(SF_FN_shmctl);
    struct sf_call c;
    int rc;
    if (SF_UNLIKELY(real == NULL))
        return (int)syscall(SYS_shmctl, shmid, cmd, buf);
    if (!sf_enter(&c, SF_FN_shmctl, (unsigned)cmd, SF_CALLER)) {
        rc = real(shmid, cmd, buf);
        if (rc == 0 && cmd == IPC_RMID)
            sf_ledger_remove(SHMFAULT_OBJ_SYSV_SHM, shmid, NULL);
        return rc;
    }
    if (c.tracing) {
        sf_arg_dec(&c, "shmid", shmid);
        sf_arg_dec(&c, "cmd", cmd);
        sf_arg_hex(&c, "buf", (uintptr_t)buf);
    }
    if (sf_before(&c))
        return -1;
    rc = real(shmid, cmd, buf);
    if (rc == 0 && cmd == IPC_RMID)
        sf_ledger_remove(SHMFAULT_OBJ_SYSV_SHM, shmid, NULL);
    sf_after_int(&c, rc);
    return rc;
}

key_t ftok(const char *path, int id)
{
    ftok_fn real = (ftok_fn)sf_real(SF_FN_ftok);
    struct sf_call c;
    if (SF_UNLIKELY(real == NULL)) {
        errno = ENOSYS;
        return -1;
    }
    if (!sf_enter(&c, SF_FN_ftok, 0, SF_CALLER))
        return real(path, id);
    if (c.tracing) {
        sf_arg_str(&c, "path", path);
        sf_arg_dec(&c, "id", id);
    }
    if (sf_before(&c))
        return -1;
    key_t k = real(path, id);
    sf_after_int(&c, k);
    return k;
}
