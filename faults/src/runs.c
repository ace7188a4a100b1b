/*
 * runs.c - which run of its image this process is: the N-th process of the traced tree, in
 * order of exec (library load), whose command name (comm) is this one's. run=N rules select by
 * it, and the trace prints it ("run":N), so `shmfuzz enumerate` can fault call K of the 2nd
 * `control` of a driver script without faulting the 1st or the 3rd (docs/faults.md, "Runs").
 *
 * The count must survive exec (each image loads the layer afresh, with a fresh sf_shared), so
 * it lives in a memfd kept open across exec at a fixed descriptor slot, like the trace and the
 * ledger (outfd.c). Each image is one slot of a small open-addressed table keyed by a 64-bit
 * hash of its name: a slot is claimed with one compare-and-swap, a number taken with one
 * atomic add. Nothing is a lock: a process SIGKILLed at any instruction leaves a claimed slot
 * or a taken number, never something another process waits for, and never a skewed count
 * (a number is taken once, at load, by a process that did start).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#define RUNS_MAGIC 0x736866756e733031ULL /* "shfuns01" */
#define RUNS_SLOTS 128
#define RUNS_NAME "shmfault-runs"
#define RUNS_LAST 4 /* earlier runs a new run checks for being alive */

struct runs_area {
    uint64_t magic;
    struct {
        uint64_t key;          /* hash of the image name, 0 = free */
        unsigned long count;   /* processes of this image started so far */
        unsigned long last[RUNS_LAST]; /* run r's pid at [r % RUNS_LAST], tagged r<<32 | pid */
    } slot[RUNS_SLOTS];
};

#ifdef SHMFAULT_PRELOAD
unsigned long sf_run_no; /* 0: not numbered (no area, slot taken, table full) */
#else
unsigned long sf_run_no = 1; /* linked: the program is the one run of its image */
#endif
int sf_run_overlap;
static struct runs_area *area;

static uint64_t name_key(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h ? h : 1;
}

static struct runs_area *map_fd(int fd)
{
    long p = syscall(SYS_mmap, NULL, sizeof(struct runs_area), PROT_READ | PROT_WRITE, MAP_SHARED,
                     fd, 0);
    return p < 0 && p > -4096 ? NULL : (struct runs_area *)p;
}

/* Does FD hold a tree's area (our memfd, the right size)? Checked before it is mapped or
   replaced: a descriptor the program keeps at that number is never touched. */
static int is_area(int fd)
{
    char link[64], want[] = "/memfd:" RUNS_NAME;
    char path[40] = "/proc/self/fd/";
    struct stat st;
    struct sf_buf b = {path, sizeof(path) - 1, strlen(path)};
    sf_put_dec(&b, fd);
    path[b.len] = '\0';
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != sizeof(struct runs_area))
        return 0;
    ssize_t n = readlink(path, link, sizeof(link) - 1);
    return n >= (ssize_t)strlen(want) && memcmp(link, want, strlen(want)) == 0;
}

/* An exec'd image (or a fork of one): adopt the area the slot holds. */
static int adopt(int fd)
{
    if (!is_area(fd))
        return -1;
    struct runs_area *a = map_fd(fd);
    if (a == NULL)
        return -1;
    if (__atomic_load_n(&a->magic, __ATOMIC_ACQUIRE) != RUNS_MAGIC) {
        syscall(SYS_munmap, a, sizeof(*a));
        return -1;
    }
    area = a;
    return 0;
}

/* A new tree: a fresh area on the slot (free, or holding an area a fork server's cell leaves
   to the server), open across exec. Raw syscalls: the layer's own ftruncate and mmap are not
   the program's calls. */
static int create(int slot)
{
    if (fcntl(slot, F_GETFD) >= 0 && !is_area(slot))
        return -1; /* the program's own descriptor */
    int fd = (int)syscall(SYS_memfd_create, RUNS_NAME, 0U);
    if (fd < 0)
        return -1;
    if (syscall(SYS_ftruncate, fd, (long)sizeof(struct runs_area)) != 0 ||
        (fd != slot && dup3(fd, slot, 0) < 0)) {
        close(fd);
        return -1;
    }
    if (fd != slot)
        close(fd);
    struct runs_area *a = map_fd(slot);
    if (a == NULL) {
        close(slot);
        return -1;
    }
    __atomic_store_n(&a->magic, RUNS_MAGIC, __ATOMIC_RELEASE);
    area = a;
    return 0;
}

/* Run N started while one of the RUNS_LAST runs before it was still alive (or had not yet
   recorded its pid: it is starting this very moment): the order of exec between them is the
   scheduler's, not the program's. A zombie counts as alive, and so does a run killed between
   taking its number and recording its pid (both only ever say "overlap", never hide one). */
static int overlaps(const unsigned long *last, unsigned long n)
{
    for (unsigned long j = n > RUNS_LAST ? n - RUNS_LAST + 1 : 1; j < n; j++) {
        unsigned long w = __atomic_load_n(&last[j % RUNS_LAST], __ATOMIC_ACQUIRE);
        if (w >> 32 != (j & 0xffffffffUL))
            return 1;
        pid_t pid = (pid_t)(w & 0xffffffffUL);
        if (kill(pid, 0) == 0 || errno == EPERM)
            return 1;
    }
    return 0;
}

static unsigned long take_number(const char *name)
{
    uint64_t key = name_key(name);
    unsigned start = (unsigned)(key % RUNS_SLOTS);
    for (unsigned i = 0; i < RUNS_SLOTS; i++) {
        unsigned s = (start + i) % RUNS_SLOTS;
        uint64_t cur = __atomic_load_n(&area->slot[s].key, __ATOMIC_ACQUIRE);
        if (cur == 0 && __atomic_compare_exchange_n(&area->slot[s].key, &cur, key, 0,
                                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            cur = key;
        if (cur == key) {
            unsigned long n = __atomic_add_fetch(&area->slot[s].count, 1UL, __ATOMIC_ACQ_REL);
            sf_run_overlap = overlaps(area->slot[s].last, n);
            __atomic_store_n(&area->slot[s].last[n % RUNS_LAST],
                             (n & 0xffffffffUL) << 32 | (unsigned long)(unsigned)sf_pid,
                             __ATOMIC_RELEASE);
            return n;
        }
    }
    return 0; /* more than RUNS_SLOTS images in one tree: not numbered */
}

static void runs_start(int want, int fresh)
{
    char comm[17] = "";
    int slot = sf_outfd_slot_number(SF_SLOT_RUNS); /* 0..2: trace, ledger, stderr */
    if (area != NULL) { /* a fork server's cell: the server's mapping is not the cell's */
        syscall(SYS_munmap, area, sizeof(*area));
        area = NULL;
    }
    sf_run_no = 0;
    sf_run_overlap = 0;
    if (slot < 3)
        return;
    if (fresh || adopt(slot) != 0) {
        if (!want) {
            if (fresh && is_area(slot))
                close(slot); /* a cell that wants no numbers shares none with the server */
            return;
        }
        if (create(slot) != 0)
            return;
    }
    if (prctl(PR_GET_NAME, comm, 0, 0, 0) != 0)
        return;
    sf_run_no = take_number(comm);
}

void sf_runs_load(int fresh)
{
    int runs = 0;
    for (unsigned i = 0; i < sf_rules.n; i++)
        runs |= sf_rules.r[i].run != 0;
    runs_start(runs || sf_trace_fd >= 0, fresh);
    if (runs) { /* image= with run=N was resolved before the number was known */
        sf_depth++;
        sf_rules_resolve_callers(&sf_rules);
        sf_depth--;
    }
}
