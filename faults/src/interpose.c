/*
 * interpose.c - the interposers, generated: one per row of signatures.def, each the skeleton of
 * internal.h (SF_SKELETON) filled with the row's prototype, class, traced arguments and
 * bookkeeping. The bookkeeping hooks the rows name are below; the odd functions (variadic
 * semctl and sem_open, fork) are written by hand in interpose_odd.c.
 *
 * Pointers the kernel has not validated yet (names, semop's operations) are only ever read
 * through sf_peek/sf_peek_str: a program that passes a bad one on purpose gets the kernel's
 * EFAULT, never a SIGSEGV from the layer. AFL++'s own segments and names (__AFL_SHM_ID,
 * __AFL_SHM_FUZZ_ID) are never counted nor failed.
 */
#include <fcntl.h>
#include <semaphore.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

const int sf_family_interpose = 1;

/* ---- skip hooks: calls that are not fault points ------------------------------------------ */

/* The fuzzing engine's own map: never ours to fail; the call is still noted as made. */
static int afl_shmid(int shmid)
{
    if (shmid < 0 || (shmid != sf_afl_shm_id[0] && shmid != sf_afl_shm_id[1]))
        return 0;
    sf_note_call(SF_FN_shmat);
    return 1;
}

/* NAME is the program's pointer, not yet validated: it is only ever read through sf_peek_str. */
static int afl_name(unsigned fn, const char *name)
{
    char copy[256];
    if (name == NULL || (!sf_afl_shm_name[0][0] && !sf_afl_shm_name[1][0]) ||
        sf_peek_str(copy, sizeof(copy), name) != 0)
        return 0;
    if ((sf_afl_shm_name[0][0] && __builtin_strcmp(copy, sf_afl_shm_name[0]) == 0) ||
        (sf_afl_shm_name[1][0] && __builtin_strcmp(copy, sf_afl_shm_name[1]) == 0)) {
        sf_note_call(fn);
        return 1;
    }
    return 0;
}

/* ---- classes and traced arguments read from the program's memory ------------------------- */

/* Operations read for a class or the trace; the kernel refuses more than SEMOPM (E2BIG) long
 * before this, so a bigger count is not read through. */
#define SEMOPS_READ_MAX 65536u

/* The OR of every operation's sem_flg, read without trusting SOPS (the kernel has not validated
 * it: a program may pass a bad one on purpose and expect EFAULT). -1: unreadable. */
static long sem_flags(const struct sembuf *sops, size_t nsops)
{
    struct sembuf ops[64];
    unsigned long f = 0;
    size_t total = nsops < SEMOPS_READ_MAX ? nsops : SEMOPS_READ_MAX;
    for (size_t at = 0; at < total; at += 64) {
        size_t n = total - at < 64 ? total - at : 64;
        if (sf_peek(ops, sops + at, n * sizeof(ops[0])) != 0)
            return -1;
        for (size_t i = 0; i < n; i++)
            f |= (unsigned short)ops[i].sem_flg;
    }
    return (long)f;
}

/* semop/semtimedop's class, read only when a rule of FN selects one. Unreadable operations
 * have no class; the kernel then gives the program its EFAULT. */
static inline unsigned long sem_class(unsigned fn, const struct sembuf *sops, size_t nsops)
{
    if (SF_LIKELY(!sf_rules.needcls[fn]) || sops == NULL || nsops == 0)
        return 0;
    long f = sem_flags(sops, nsops);
    return f < 0 ? 0 : (unsigned long)f;
}

/* The trace's operations: the first one's num= and op= (what tells one operation from another:
 * enumerate's retry judgement needs it), then flags=, the same OR as the class (0x0 for no
 * operation) or "(bad address)"; num= and op= only when an operation could be read. */
static void trace_sem_ops(struct sf_call *c, int semid, const struct sembuf *sops, size_t nsops)
{
    struct sembuf first = {0, 0, 0};
    c->would_sleep = (signed char)sf_sem_would_sleep(semid, sops, nsops); /* eintr.c */
    if (nsops > 0 && sops != NULL && sf_peek(&first, sops, sizeof(first)) == 0) {
        sf_arg_dec(c, "num", first.sem_num);
        sf_arg_dec(c, "op", first.sem_op);
    }
    long f = nsops == 0 ? 0 : sops == NULL ? -1 : sem_flags(sops, nsops);
    if (f >= 0) {
        sf_arg_hex(c, "flags", (unsigned long)f);
        return;
    }
    struct sf_buf b = {c->args, sizeof(c->args), c->alen};
    if (b.len > 0)
        sf_putc(&b, ' ');
    sf_put(&b, "flags=(bad address)");
    c->alen = b.len;
}
#define SF_SEMOPS(sops, nsops) trace_sem_ops(&c, semid, (sops), (nsops))

/* ---- bookkeeping hooks: the ledger, shm descriptors, mappings ----------------------------- */

/*
 * Did this shmget create the segment? IPC_PRIVATE and IPC_CREAT|IPC_EXCL always do. IPC_CREAT
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
        __typeof__(&shmctl) ctl = (__typeof__(&shmctl))sf_real(SF_FN_shmctl);
        int rc = ctl ? ctl(id, IPC_STAT, &ds) : -1;
        errno = saved;
        if (rc != 0 || ds.shm_cpid != sf_pid)
            return;
    }
    sf_ledger_create(SHMFAULT_OBJ_SYSV_SHM, id, (long)key, "", size, site);
}

/*
 * Whether semget creates cannot be read back (a set has no creator pid), so with IPC_CREAT
 * alone the key is probed just before: absent then present means this call made it (another
 * process creating it in between is the one case recorded wrongly; docs/faults.md).
 */
static int probe_sem_absent(key_t key, int flags)
{
    if (!sf_observe || key == IPC_PRIVATE || (flags & (IPC_CREAT | IPC_EXCL)) != IPC_CREAT)
        return 0;
    __typeof__(&semget) real = (__typeof__(&semget))sf_real(SF_FN_semget);
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

/* O_CREAT|O_EXCL creates; O_CREAT alone creates when the name was absent just before (an
 * unreadable or overlong name cannot be created: the call fails, nothing to probe). */
int sf_probe_posix_absent(enum shmfault_object_kind kind, const char *name, int oflag)
{
    char copy[256];
    if (!sf_observe || !(oflag & O_CREAT) || (oflag & O_EXCL) || name == NULL ||
        sf_peek_str(copy, sizeof(copy), name) != 0)
        return 0;
    return !sf_posix_exists(kind, copy);
}

/* glibc's shm_open opens the file inside libc, so it is hooked itself (an open hook never sees
 * it). Its descriptor is remembered so ftruncate knows its shm fault points. */
static void note_shm_open(const char *name, int oflag, int fd, int absent, uintptr_t site)
{
    if (fd < 0)
        return;
    sf_shmfd_mark(fd);
    if (sf_observe && (oflag & O_CREAT) && ((oflag & O_EXCL) || absent))
        sf_ledger_create(SHMFAULT_OBJ_POSIX_SHM, -1, -1, name, 0, site);
}

static void note_unlink(enum shmfault_object_kind kind, int rc, const char *name)
{
    if (rc == 0)
        sf_ledger_remove(kind, -1, name);
}

/* memfds die with their last descriptor and are never in the ledger; ftruncate's fault point. */
static void note_fd(int fd)
{
    if (fd >= 0)
        sf_shmfd_mark(fd);
}

static void note_map(void *p)
{
    if (p != MAP_FAILED)
        sf_map_note(p);
}

static void forget_map(int rc, void *addr)
{
    if (rc == 0)
        sf_map_forget(addr);
}

/* ---- the generator ------------------------------------------------------------------------ */

#define SF_LIST(...) __VA_ARGS__
#define SF_NOREAL_SYSCALL(name, ret, args) return (ret)syscall(SYS_##name, SF_LIST args)
#define SF_NOREAL_NONE(name, ret, args)                                                        \
    do {                                                                                       \
        errno = ENOSYS;                                                                        \
        return SF_FAILURE(ret, name);                                                          \
    } while (0)

#define SF_SIG(name, ret, params, args, noreal, skip, pre, cls, trace, post)                   \
    _Static_assert((SF_FAILKIND_##name == (int)SF_FAIL_MINUS1) ==                              \
                       _Generic((ret)0, void *: 0, default: 1),                                \
                   #name ": functions.def's failure value does not fit its return type");      \
    ret name params                                                                            \
    {                                                                                          \
        __typeof__(&name) real = (__typeof__(&name))sf_real(SF_FN_##name);                     \
        if (SF_UNLIKELY(real == NULL))                                                         \
            SF_NOREAL_##noreal(name, ret, args);                                               \
        if (skip)                                                                              \
            return real args;                                                                  \
        const int sf_pre = (pre);                                                              \
        (void)sf_pre;                                                                          \
        SF_SKELETON(SF_FN_##name, ret, SF_FAILURE(ret, name), real args, cls,                  \
                    (void)(SF_LIST trace), (void)(post));                                      \
    }

_Static_assert(sizeof(off_t) == 8, "mmap64/ftruncate64 are aliases only where off_t is 64-bit");

#include "signatures.def"
#undef SF_SIG

/* glibc's large-file names of the same functions (aliases in libc too): same rows, counters.
 * Programs built with -D_FILE_OFFSET_BITS=64 call them. */
extern __typeof__(mmap) mmap64 __attribute__((alias("mmap")));
extern __typeof__(ftruncate) ftruncate64 __attribute__((alias("ftruncate")));
