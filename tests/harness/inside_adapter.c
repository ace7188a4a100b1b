/*
 * inside_adapter.c - targets "inside-bug" and "inside-hard" (tests only): a one-message box in
 * a System V segment whose take checks the length a peer can write and then reads it again for
 * the copy (a double fetch), and, built with INSIDE_HARDENED, the twin that reads it once into
 * local memory. Only peer.inside (a write between the two reads) tells them apart. The third
 * build adds the op "wild", a SIGSEGV outside shared memory, which must stay the crash it was,
 * "sink", a write(2) from the box, which fails with EFAULT under protection, and "sync", a
 * process-shared semaphore and mutex in the box's segment, whose futex calls must work there.
 * Programs in tests/harness/inside/, checks in tests/harness/inside.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "shmfuzz/adapter.h"

#define KEY 0x696e0000 /* + slot */
#define PAGE 4096u
#define CAP 56u

/* The layout a peer sees: the length at offset 0 (peer.inside off=0 len=4 reaches it). */
struct box {
    uint32_t len, full;
    unsigned char data[CAP];
};

/* One load of shared memory per use, as code that does not trust the compiler writes it. */
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))

struct local {
    struct box *box[SFZ_SLOTS];
};
struct model {
    uint32_t len[SFZ_SLOTS];
    unsigned char fill[SFZ_SLOTS];
};

static struct box **handle(struct sfz_ctx *c, uint32_t slot)
{
    return &((struct local *)c->local)->box[slot];
}

static int attach(struct sfz_ctx *c, uint32_t slot, int flags)
{
    if (*handle(c, slot) != NULL)
        return SFZ_SKIPPED;
    int id = shmget(KEY + (key_t)slot, PAGE, flags);
    if (id == -1)
        return errno == ENOENT || errno == EEXIST ? SFZ_SKIPPED : SFZ_FAILED;
    void *p = shmat(id, NULL, 0);
    if (p == (void *)-1)
        return SFZ_FAILED;
    *handle(c, slot) = p;
    return SFZ_OK;
}

static int op_create(struct sfz_ctx *c, const uint32_t *a)
{
    return attach(c, a[0], IPC_CREAT | IPC_EXCL | 0600);
}

static int op_open(struct sfz_ctx *c, const uint32_t *a)
{
    return attach(c, a[0], 0);
}

static int op_put(struct sfz_ctx *c, const uint32_t *a)
{
    struct box *b = *handle(c, a[0]);
    struct model *m = c->shared;
    if (b == NULL || READ_ONCE(b->full) || a[1] > CAP)
        return SFZ_SKIPPED;
    unsigned char fill = (unsigned char)(0x41 + a[0]);
    memset(b->data, fill, a[1]);
    b->len = a[1];
    __atomic_store_n(&b->full, 1u, __ATOMIC_RELEASE);
    m->len[a[0]] = a[1];
    m->fill[a[0]] = fill;
    return SFZ_OK;
}

/* Copy the message out: the library's receive (a function of its own, as a library's is to
   its caller: the lint names it in every build). */
__attribute__((noinline)) static long box_take(struct box *b, unsigned char *out)
{
#ifdef INSIDE_HARDENED
    uint32_t len = READ_ONCE(b->len); /* one fetch, then only the local copy */
    if (len > CAP)
        return -1;
    memcpy(out, b->data, len);
#else
    if (READ_ONCE(b->len) > CAP) /* checked ... */
        return -1;
    uint32_t len = READ_ONCE(b->len); /* ... and fetched again: the peer may have changed it */
    memcpy(out, b->data, len);
#endif
    __atomic_store_n(&b->full, 0u, __ATOMIC_RELEASE);
    return (long)len;
}

static int op_take(struct sfz_ctx *c, const uint32_t *a)
{
    struct box *b = *handle(c, a[0]);
    struct model *m = c->shared;
    unsigned char out[CAP];
    if (b == NULL || !__atomic_load_n(&b->full, __ATOMIC_ACQUIRE))
        return SFZ_SKIPPED;
    long n = box_take(b, out);
    if (n < 0)
        return SFZ_FAILED;
    if (sfz_peer_writes() == 0 &&
        (n != (long)m->len[a[0]] || (n > 0 && (out[0] != m->fill[a[0]] || out[n - 1] != out[0]))))
        return sfz_finding(c, "took %ld bytes, %u were put", n, m->len[a[0]]);
    return SFZ_OK;
}

#ifdef INSIDE_WILD
/* A bug of another kind: a write through a null pointer, far from any shared object. Only in
   the "inside-wild" build, so the fuzzers of the other two meet the double fetch alone. */
static int op_wild(struct sfz_ctx *c, const uint32_t *a)
{
    (void)a;
    if (*handle(c, 0) == NULL)
        return SFZ_SKIPPED;
    /* through a volatile pointer object: gcc -O2 proves a constant address out of bounds */
    volatile uint32_t *volatile wild = (volatile uint32_t *)(uintptr_t)16;
    *wild = READ_ONCE((*handle(c, 0))->len);
    return SFZ_OK;
}

/* A library handing shared memory to the kernel (write from the box): under protection the
   call fails with EFAULT instead of faulting, which the harness names (docs/harness.md). */
static int op_sink(struct sfz_ctx *c, const uint32_t *a)
{
    (void)a;
    struct box *b = *handle(c, 0);
    if (b == NULL)
        return SFZ_SKIPPED;
    int fd[2];
    if (pipe2(fd, O_CLOEXEC) != 0) /* a pipe copies the bytes (/dev/null never reads them) */
        return SFZ_FAILED;
    ssize_t n = write(fd[1], b->data, 8);
    int err = errno;
    close(fd[0]);
    close(fd[1]);
    errno = err;
    return n == 8 ? SFZ_OK : SFZ_FAILED;
}
/* A layer call with a private buffer: the plan's own EFAULT here is no protection's doing, and
   the inside notice must not blame it. */
static int op_stat(struct sfz_ctx *c, const uint32_t *a)
{
    (void)a;
    if (*handle(c, 0) == NULL)
        return SFZ_SKIPPED;
    struct shmid_ds ds;
    int id = shmget(KEY, 0, 0);
    return id != -1 && shmctl(id, IPC_STAT, &ds) == 0 ? SFZ_OK : SFZ_FAILED;
}

/* Process-shared synchronisation living in the segment, past the box (a peer writing the box
   never touches it). */
struct sync {
    sem_t sem;
    pthread_mutex_t mutex;
};
#define SYNC_AT 2048u

/* sem_post to a waiter (FUTEX_WAKE) and sem_wait (atomics), a sem_timedwait that must time out
   (FUTEX_WAIT on the shared word), a timed lock of a process-shared mutex this op holds
   (FUTEX_WAIT, leaving the word "contended") and its unlock (FUTEX_WAKE). The deadline is in the
   past: it times out at once, with no clock luck. Under protection without the futex layer glibc
   aborts on EFAULT. */
static int op_sync(struct sfz_ctx *c, const uint32_t *a)
{
    (void)a;
    struct box *b = *handle(c, 0);
    if (b == NULL)
        return SFZ_SKIPPED;
    struct sync *s = (struct sync *)((unsigned char *)b + SYNC_AT);
    const struct timespec past = {0, 0};
    pthread_mutexattr_t attr;
    if (sem_init(&s->sem, 1, 0) != 0)
        return SFZ_FAILED;
    errno = 0;
    int timed = sem_timedwait(&s->sem, &past), timed_err = errno;
#ifdef __GLIBC__
    /* One waiter announced, as a sem_wait blocked in another process leaves it: then sem_post
       must FUTEX_WAKE. glibc's x86-64 layout: the value in the low half of a 64-bit word, the
       number of waiters in the high half. The wake finds nobody; the post still counts. */
    __atomic_fetch_add((uint64_t *)(void *)&s->sem, (uint64_t)1 << 32, __ATOMIC_SEQ_CST);
#endif
    int posted = sem_post(&s->sem), waited = sem_wait(&s->sem);
    (void)sem_destroy(&s->sem);
    if (timed != -1 || timed_err != ETIMEDOUT || posted != 0 || waited != 0)
        return sfz_finding(c, "semaphore: timedwait %d (%s), post %d, wait %d", timed,
                           strerror(timed_err), posted, waited);
    if (pthread_mutexattr_init(&attr) != 0 ||
        pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) != 0 ||
        pthread_mutex_init(&s->mutex, &attr) != 0)
        return SFZ_FAILED;
    (void)pthread_mutexattr_destroy(&attr);
    int locked = pthread_mutex_lock(&s->mutex);
    int again = pthread_mutex_timedlock(&s->mutex, &past);
    int unlocked = pthread_mutex_unlock(&s->mutex);
    (void)pthread_mutex_destroy(&s->mutex);
    if (locked != 0 || again != ETIMEDOUT || unlocked != 0)
        return sfz_finding(c, "mutex: lock %d, timedlock %d, unlock %d", locked, again, unlocked);
    return SFZ_OK;
}
#endif

static void done(struct sfz_ctx *c)
{
    for (uint32_t s = 0; s < SFZ_SLOTS; s++)
        if (*handle(c, s) != NULL) {
            (void)shmdt(*handle(c, s));
            *handle(c, s) = NULL;
        }
}

static void teardown(struct sfz_ctx *c)
{
    (void)c;
    for (key_t s = 0; s < SFZ_SLOTS; s++) {
        int id = shmget(KEY + s, 0, 0);
        if (id != -1)
            (void)shmctl(id, IPC_RMID, NULL);
    }
}

static const struct sfz_op ops[] = {
    {"create", 1, {{"slot", SFZ_ARG_SLOT, NULL, 0}}, op_create, 0},
    {"open", 1, {{"slot", SFZ_ARG_SLOT, NULL, 0}}, op_open, 0},
    {"put", 2, {{"slot", SFZ_ARG_SLOT, NULL, 0}, {"len", SFZ_ARG_SIZE, NULL, 0}}, op_put, 0},
    {"take", 1, {{"slot", SFZ_ARG_SLOT, NULL, 0}}, op_take, 0},
#ifdef INSIDE_WILD
    {"wild", 0, {{0}}, op_wild, SFZ_OP_FORKED},
    {"sink", 0, {{0}}, op_sink, 0},
    {"sync", 0, {{0}}, op_sync, 0},
    {"stat", 0, {{0}}, op_stat, 0},
#endif
};

static const struct sfz_adapter adapter = {
    .name = "inside",
    .summary = "tests: a box whose take fetches the peer's length twice",
    .ops = ops,
    .nops = sizeof(ops) / sizeof(ops[0]),
    .local_size = sizeof(struct local),
    .shared_size = sizeof(struct model),
    .worker_done = done,
    .teardown = teardown,
};
SFZ_TARGET(adapter);
