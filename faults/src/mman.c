/*
 * mman.c - interposers of mmap, munmap and ftruncate. Only shared memory is a fault point:
 * mmap with MAP_SHARED, munmap of a MAP_SHARED mapping this process made, ftruncate of a
 * descriptor that refers now to the object shm_open/memfd_create returned it for.
 * Everything else goes straight to libc after one flag test, so a program's allocator never
 * pays for the layer. mmap64 and ftruncate64 are glibc's other names of the same functions
 * (programs built with -D_FILE_OFFSET_BITS=64 call them): the same interposers, same rows.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

const int sf_family_mman = 1;

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*munmap_fn)(void *, size_t);
typedef int (*ftruncate_fn)(int, off_t);

/*
 * ---- shm descriptors ----------------------------------------------------------------------
 * A descriptor number is closed and reused behind our back (close is not intercepted), so the
 * mark records what the number referred to when shm_open/memfd_create returned it (device and
 * inode, from fstat), and ftruncate compares with what it refers to now. A static table, one
 * entry per descriptor number (its pages are touched only for numbers that were marked); the
 * bitmap is the entry's "written" flag and the fast "never marked" answer.
 */
#define FD_MAX 65536
#define BITS (8 * sizeof(unsigned long))
static unsigned long fd_bits[FD_MAX / BITS];
static struct {
    unsigned long dev, ino;
} fd_obj[FD_MAX];

static unsigned long bit_of(int fd)
{
    return 1UL << ((unsigned)fd % BITS);
}

void sf_shmfd_mark(int fd)
{
    struct stat st;
    if (fd < 0 || fd >= FD_MAX)
        return;
    int saved = errno;
    int ok = fstat(fd, &st) == 0;
    errno = saved;
    unsigned long *w = &fd_bits[(unsigned)fd / BITS];
    __atomic_and_fetch(w, ~bit_of(fd), __ATOMIC_RELEASE); /* being rewritten */
    if (!ok)
        return;
    __atomic_store_n(&fd_obj[fd].dev, (unsigned long)st.st_dev, __ATOMIC_RELAXED);
    __atomic_store_n(&fd_obj[fd].ino, (unsigned long)st.st_ino, __ATOMIC_RELAXED);
    __atomic_or_fetch(w, bit_of(fd), __ATOMIC_RELEASE);
}

int sf_shmfd_is(int fd)
{
    struct stat st;
    if (fd < 0 || fd >= FD_MAX)
        return 0;
    if (!(__atomic_load_n(&fd_bits[(unsigned)fd / BITS], __ATOMIC_ACQUIRE) & bit_of(fd)))
        return 0;
    unsigned long dev = __atomic_load_n(&fd_obj[fd].dev, __ATOMIC_RELAXED);
    unsigned long ino = __atomic_load_n(&fd_obj[fd].ino, __ATOMIC_RELAXED);
    int saved = errno;
    int same = fstat(fd, &st) == 0 && (unsigned long)st.st_dev == dev &&
               (unsigned long)st.st_ino == ino;
    errno = saved;
    return same;
}

/* ---- MAP_SHARED mappings seen: a small lock-free set of start addresses ----------------- */

#define MAPS 256
static uintptr_t maps[MAPS];
static unsigned nmaps; /* upper bound of used slots: munmap scans nothing when it is 0 */

void sf_map_note(void *addr)
{
    uintptr_t a = (uintptr_t)addr;
    for (unsigned i = 0; i < MAPS; i++) {
        uintptr_t expected = 0;
        if (__atomic_compare_exchange_n(&maps[i], &expected, a, 0, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED)) {
            unsigned n = __atomic_load_n(&nmaps, __ATOMIC_RELAXED);
            while (n < i + 1 && !__atomic_compare_exchange_n(&nmaps, &n, i + 1, 1,
                                                             __ATOMIC_RELAXED, __ATOMIC_RELAXED))
                ;
            return;
        }
    }
}

static int map_find(uintptr_t a, int forget)
{
    unsigned n = __atomic_load_n(&nmaps, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < n; i++) {
        uintptr_t cur = __atomic_load_n(&maps[i], __ATOMIC_RELAXED);
        if (cur == a && a != 0) {
            if (forget)
                __atomic_compare_exchange_n(&maps[i], &cur, 0, 0, __ATOMIC_RELAXED,
                                            __ATOMIC_RELAXED);
            return 1;
        }
    }
    return 0;
}

int sf_map_forget(void *addr)
{
    return map_find((uintptr_t)addr, 1);
}

int sf_map_known(void *addr)
{
    return map_find((uintptr_t)addr, 0);
}

/* ---- interposers ------------------------------------------------------------------------- */

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    mmap_fn real = (mmap_fn)sf_real(SF_FN_mmap);
    struct sf_call c;
    void *p;
    if (SF_UNLIKELY(real == NULL))
        return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
    if (SF_LIKELY(!(flags & MAP_SHARED)))
        return real(addr, len, prot, flags, fd, off);
    if (!sf_enter(&c, SF_FN_mmap, (unsigned)flags, SF_CALLER)) {
        p = real(addr, len, prot, flags, fd, off);
        if (p != MAP_FAILED)
            sf_map_note(p);
        return p;
    }
    if (c.tracing) {
        sf_arg_hex(&c, "addr", (uintptr_t)addr);
        sf_arg_dec(&c, "length", (long)len);
        sf_arg_hex(&c, "prot", (unsigned)prot);
        sf_arg_hex(&c, "flags", (unsigned)flags);
        sf_arg_dec(&c, "fd", fd);
        sf_arg_dec(&c, "offset", (long)off);
    }
    if (sf_before(&c))
        return MAP_FAILED;
    p = real(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED)
        sf_map_note(p);
    sf_after_ptr(&c, p, p == MAP_FAILED);
    return p;
}

int munmap(void *addr, size_t len)
{
    munmap_fn real = (munmap_fn)sf_real(SF_FN_munmap);
    struct sf_call c;
    if (SF_UNLIKELY(real == NULL))
        return (int)syscall(SYS_munmap, addr, len);
    if (SF_LIKELY(__atomic_load_n(&nmaps, __ATOMIC_RELAXED) == 0))
        return real(addr, len);
    if (!sf_map_known(addr) || !sf_enter(&c, SF_FN_munmap, 0, SF_CALLER)) {
        int rc = real(addr, len);
        if (rc == 0)
            sf_map_forget(addr);
        return rc;
    }
    if (c.tracing) {
        sf_arg_hex(&c, "addr", (uintptr_t)addr);
        sf_arg_dec(&c, "length", (long)len);
    }
    if (sf_before(&c))
        return -1;
    int rc = real(addr, len);
    if (rc == 0)
        sf_map_forget(addr);
    sf_after_int(&c, rc);
    return rc;
}

_Static_assert(sizeof(off_t) == 8, "mmap64/ftruncate64 are aliases only where off_t is 64-bit");

int ftruncate(int fd, off_t len)
{
    ftruncate_fn real = (ftruncate_fn)sf_real(SF_FN_ftruncate);
    struct sf_call c;
    if (SF_UNLIKELY(real == NULL))
        return (int)syscall(SYS_ftruncate, fd, len);
    if (SF_LIKELY(__atomic_load_n(&sf_gate, __ATOMIC_RELAXED) == 0) || !sf_shmfd_is(fd))
        return real(fd, len);
    if (!sf_enter(&c, SF_FN_ftruncate, 0, SF_CALLER))
        return real(fd, len);
    if (c.tracing) {
        sf_arg_dec(&c, "fd", fd);
        sf_arg_dec(&c, "length", (long)len);
    }
    if (sf_before(&c))
        return -1;
    int rc = real(fd, len);
    sf_after_int(&c, rc);
    return rc;
}

/* glibc's large-file names of the same functions (aliases in libc too): same rows, counters. */
extern __typeof__(mmap) mmap64 __attribute__((alias("mmap")));
extern __typeof__(ftruncate) ftruncate64 __attribute__((alias("ftruncate")));
