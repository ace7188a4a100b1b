/*
 * mman.c - what makes mmap, munmap and ftruncate fault points (their interposers are generated
 * in interpose.c): only shared memory is one. mmap with MAP_SHARED, munmap of a MAP_SHARED
 * mapping this process made, ftruncate of a descriptor that refers now to the object
 * shm_open/memfd_create returned it for. Here: the set of shm descriptors and the set of
 * MAP_SHARED mappings seen.
 */
#include <sys/stat.h>

#include "internal.h"

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
unsigned sf_nmaps; /* upper bound of used slots: munmap scans nothing when it is 0 */

void sf_map_note(void *addr)
{
    uintptr_t a = (uintptr_t)addr;
    for (unsigned i = 0; i < MAPS; i++) {
        uintptr_t expected = 0;
        if (__atomic_compare_exchange_n(&maps[i], &expected, a, 0, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED)) {
            unsigned n = __atomic_load_n(&sf_nmaps, __ATOMIC_RELAXED);
            while (n < i + 1 && !__atomic_compare_exchange_n(&sf_nmaps, &n, i + 1, 1,
                                                             __ATOMIC_RELAXED, __ATOMIC_RELAXED))
                ;
            return;
        }
    }
}

static int map_find(uintptr_t a, int forget)
{
    unsigned n = __atomic_load_n(&sf_nmaps, __ATOMIC_RELAXED);
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
