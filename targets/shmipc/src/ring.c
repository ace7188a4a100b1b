/*
 * ring.c - pattern 3, producer/consumer: a ring of messages in a System V segment guarded by
 * the classic empty/full/mutex semaphores, plus a producers semaphore every producer raises
 * with SEM_UNDO, so the kernel lowers it when a producer dies and a consumer waiting on an
 * empty ring learns that nobody will ever fill it (EPIPE) instead of waiting forever.
 * Slot acquisition and the mutex are one atomic semop, so a failure can never leave one held
 * without the other. Indices and lengths read from the segment are validated before use.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "bug.h"
#include "ring_layout.h"
#include "shmipc.h"
#include "sysv_segment.h"
#include "sysv_semset.h"

/* How long a consumer waits between checks that a producer is still attached. */
#define PEER_CHECK_MS 20

struct shmipc_ring {
    struct shmipc_segment seg;
    struct shmipc_ring_hdr *hdr;
    int semid;
    enum shmipc_role role;
    int counted; /* this handle raised the producers semaphore */
    uint32_t slots, msg_max; /* validated at open */
};

static void free_keep_errno(void *p)
{
    int saved = errno;
    free(p);
    errno = saved;
}

/* A producer announces itself; SEM_UNDO withdraws it if the process dies. */
static int producer_count(struct shmipc_ring *r, short delta)
{
    struct sembuf op = {.sem_num = SHMIPC_RING_PRODUCERS, .sem_op = delta, .sem_flg = SEM_UNDO};
    return shmipc_semset_post(r->semid, &op, 1);
}

static int ring_join(struct shmipc_ring *r, enum shmipc_role role)
{
    if (role != SHMIPC_PRODUCER && role != SHMIPC_CONSUMER) {
        errno = EINVAL;
        return -1;
    }
    r->role = role;
    if (role != SHMIPC_PRODUCER)
        return 0;
    if (producer_count(r, 1) == -1)
        return -1;
    r->counted = 1;
    __atomic_fetch_add(&r->hdr->joined, 1u, __ATOMIC_RELEASE);
    return 0;
}

struct shmipc_ring *shmipc_ring_create(key_t key, unsigned slots, size_t msg_max,
                                       enum shmipc_role role)
{
    if (slots == 0 || slots > SHMIPC_RING_SLOTS_MAX || msg_max == 0 ||
        msg_max > SHMIPC_RING_MSG_MAX || (role != SHMIPC_PRODUCER && role != SHMIPC_CONSUMER)) {
        errno = EINVAL;
        return NULL;
    }
    struct shmipc_ring *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    const unsigned short init[SHMIPC_RING_NSEMS] = {[SHMIPC_RING_EMPTY] = (unsigned short)slots,
                                                    [SHMIPC_RING_MUTEX] = 1};
    r->semid = shmipc_semset_create(key, SHMIPC_RING_NSEMS, init, SHMIPC_MODE);
    if (r->semid == -1)
        goto fail;
    r->slots = slots;
    r->msg_max = (uint32_t)msg_max;
    if (shmipc_segment_create(key, shmipc_ring_size(r->slots, r->msg_max), SHMIPC_MODE, &r->seg) == -1)
        goto fail_sem;
    r->hdr = r->seg.base;
    if (ring_join(r, role) == -1)
        goto fail_seg;
    r->hdr->slots = r->slots;
    r->hdr->msg_max = r->msg_max;
    __atomic_store_n(&r->hdr->magic, SHMIPC_RING_MAGIC, __ATOMIC_RELEASE);
    return r;
fail_seg:;
    int saved = errno;
    (void)shmipc_segment_remove(&r->seg);
    (void)shmipc_segment_detach(&r->seg);
    errno = saved;
fail_sem:
    saved = errno;
    (void)shmipc_semset_remove(r->semid);
    errno = saved;
fail:
    free_keep_errno(r);
    return NULL;
}

/* Whether the geometry a header advertises fits a segment of SIZE bytes (read from shared
   memory: the caller must use the values it checked, not read them again). */
static int ring_geometry_ok(uint32_t slots, uint32_t msg_max, size_t size)
{
    return slots != 0 && slots <= SHMIPC_RING_SLOTS_MAX && msg_max != 0 &&
           msg_max <= SHMIPC_RING_MSG_MAX && shmipc_ring_size(slots, msg_max) <= size;
}

/* The double-fetch-header bug's per-receive check of the whole header (magic and geometry). */
static int ring_header_ok(const struct shmipc_ring_hdr *h, size_t size)
{
    return size >= sizeof(*h) && __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) == SHMIPC_RING_MAGIC &&
           ring_geometry_ok(h->slots, h->msg_max, size);
}

static int ring_validate(struct shmipc_ring *r)
{
    const struct shmipc_ring_hdr *h = r->hdr;
    if (r->seg.size < sizeof(*h) || __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != SHMIPC_RING_MAGIC)
        goto bad;
    r->slots = h->slots;
    r->msg_max = h->msg_max;
    if (!ring_geometry_ok(r->slots, r->msg_max, r->seg.size))
        goto bad;
    return 0;
bad:
    errno = EPROTO;
    return -1;
}

struct shmipc_ring *shmipc_ring_open(key_t key, enum shmipc_role role)
{
    struct shmipc_ring *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->semid = -1;
    if (shmipc_segment_open(key, &r->seg) == -1)
        goto fail;
    r->hdr = r->seg.base;
    if (ring_validate(r) == -1)
        goto fail_detach;
    r->semid = shmipc_semset_open(key, SHMIPC_RING_NSEMS);
    if (r->semid == -1 || ring_join(r, role) == -1)
        goto fail_detach;
    return r;
fail_detach:;
    int saved = errno;
    (void)shmipc_segment_detach(&r->seg);
    errno = saved;
fail:
    free_keep_errno(r);
    return NULL;
}

/* Take a slot (EMPTY or FULL) and the mutex in one atomic step. */
static int ring_acquire(struct shmipc_ring *r, unsigned short which, int timeout_ms)
{
    struct sembuf ops[2] = {
        {.sem_num = which, .sem_op = -1, .sem_flg = 0},
        {.sem_num = SHMIPC_RING_MUTEX, .sem_op = -1, .sem_flg = SEM_UNDO},
    };
    return shmipc_semset_op(r->semid, ops, 2, timeout_ms);
}

/* Release the mutex and post the other side's semaphore in one step. */
static int ring_release(struct shmipc_ring *r, unsigned short which)
{
    struct sembuf ops[2] = {
        {.sem_num = SHMIPC_RING_MUTEX, .sem_op = 1, .sem_flg = SEM_UNDO},
        {.sem_num = which, .sem_op = 1, .sem_flg = 0},
    };
    return shmipc_semset_post(r->semid, ops, 2);
}

/* Give back what ring_acquire took, keeping the errno that made us give up. */
static int ring_undo(struct shmipc_ring *r, unsigned short which, int err)
{
    (void)ring_release(r, which);
    errno = err;
    return -1;
}

/*
 * Publish what the critical section did (release the mutex, post WHICH). If that fails the
 * operation must not have happened: put the index back while we still hold the mutex and
 * return the slot instead, so the ring and its semaphores stay consistent and the caller's
 * error means "nothing was sent/received".
 */
static int ring_commit(struct shmipc_ring *r, uint32_t *index, uint32_t old, unsigned short which)
{
    if (ring_release(r, which) == 0)
        return 0;
    int err = errno;
    *index = old;
    return ring_undo(r, which == SHMIPC_RING_FULL ? SHMIPC_RING_EMPTY : SHMIPC_RING_FULL, err);
}

/* The off-by-one bug is consistent, as real ones are: the wrap and the check agree on a ring
   of slots + 1 entries. */
static uint32_t ring_index_limit(const struct shmipc_ring *r)
{
    return BUG(RING_OFF_BY_ONE) ? r->slots + 1 : r->slots;
}

static uint32_t ring_next(const struct shmipc_ring *r, uint32_t i)
{
    return i + 1 >= ring_index_limit(r) ? 0 : i + 1;
}

int shmipc_ring_send(struct shmipc_ring *r, const void *msg, size_t len, int timeout_ms)
{
    if (r->role != SHMIPC_PRODUCER) {
        errno = EPERM;
        return -1;
    }
    if (len > r->msg_max) {
        errno = EMSGSIZE;
        return -1;
    }
    if (ring_acquire(r, SHMIPC_RING_EMPTY, timeout_ms) == -1)
        return -1;
    uint32_t head = __atomic_load_n(&r->hdr->head, __ATOMIC_RELAXED); /* once: see below */
    if (head >= ring_index_limit(r))
        return ring_undo(r, SHMIPC_RING_EMPTY, EBADMSG);
    /* The double-fetch-index bug: the slot is addressed by the index as the segment has it
       now, read again after the range check ("head is ours while we hold the mutex" - but a
       peer that does not play by the semaphores can write it at any time). */
    if (BUG(DOUBLE_FETCH_INDEX))
        head = shmipc_refetch_u32(&r->hdr->head);
    memcpy(r->hdr->data + (size_t)head * r->msg_max, msg, len);
    shmipc_ring_lens(r->hdr, r->slots, r->msg_max)[head] = (uint32_t)len;
    r->hdr->head = ring_next(r, head);
    return ring_commit(r, &r->hdr->head, head, SHMIPC_RING_FULL);
}

/* Empty ring: EPIPE if the producers are all gone, else wait in short slices. */
static int ring_wait_message(struct shmipc_ring *r, int timeout_ms)
{
    if (BUG(CONSUMER_HANG)) { /* the tutorial's blocking semop: no deadline, no peer check */
        struct sembuf ops[2] = {{SHMIPC_RING_FULL, -1, 0}, {SHMIPC_RING_MUTEX, -1, SEM_UNDO}};
        return timeout_ms == 0 ? ring_acquire(r, SHMIPC_RING_FULL, 0) : semop(r->semid, ops, 2);
    }
    int left = timeout_ms;
    for (;;) {
        if (ring_acquire(r, SHMIPC_RING_FULL, 0) == 0)
            return 0;
        if (errno != EAGAIN)
            return -1;
        int producers = shmipc_semset_value(r->semid, SHMIPC_RING_PRODUCERS);
        if (producers == -1)
            return -1;
        if (producers == 0 && __atomic_load_n(&r->hdr->joined, __ATOMIC_ACQUIRE) != 0) {
            errno = EPIPE;
            return -1;
        }
        if (left == 0) {
            errno = EAGAIN;
            return -1;
        }
        int slice = left < PEER_CHECK_MS ? left : PEER_CHECK_MS;
        if (ring_acquire(r, SHMIPC_RING_FULL, slice) == 0)
            return 0;
        if (errno != ETIMEDOUT)
            return -1;
        left -= slice;
        if (left == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
    }
}

ssize_t shmipc_ring_recv(struct shmipc_ring *r, void *buf, size_t bufsize, int timeout_ms)
{
    if (r->role != SHMIPC_CONSUMER) {
        errno = EPERM;
        return -1;
    }
    if (timeout_ms < 0 || timeout_ms > SHMIPC_TIMEOUT_MAX) {
        errno = EINVAL;
        return -1;
    }
    if (ring_wait_message(r, timeout_ms) == -1)
        return -1;
    /* The ring's geometry as validated at open, kept privately: the hardened receive never
       reads the header's slots and msg_max again. */
    uint32_t slots = r->slots, msg_max = r->msg_max;
    if (BUG(DOUBLE_FETCH_HEADER)) {
        /* The double-fetch-header bug: every receive re-validates the header ("a peer may
           have re-created the ring") and then computes addresses from the header's fields,
           read again after the check. */
        if (!ring_header_ok(r->hdr, r->seg.size))
            return ring_undo(r, SHMIPC_RING_FULL, EBADMSG);
        slots = shmipc_refetch_u32(&r->hdr->slots);
        msg_max = shmipc_refetch_u32(&r->hdr->msg_max);
    }
    uint32_t tail = __atomic_load_n(&r->hdr->tail, __ATOMIC_RELAXED); /* once, into a local */
    if (tail >= ring_index_limit(r) && !BUG(TRUSTS_PEER_INDEX))
        return ring_undo(r, SHMIPC_RING_FULL, EBADMSG);
    uint32_t len = shmipc_ring_lens(r->hdr, slots, msg_max)[tail];
    if (len > msg_max && !BUG(TRUSTS_PEER_INDEX))
        return ring_undo(r, SHMIPC_RING_FULL, EBADMSG);
    if (len > bufsize)
        return ring_undo(r, SHMIPC_RING_FULL, EMSGSIZE);
    memcpy(buf, r->hdr->data + (size_t)tail * msg_max, len);
    r->hdr->tail = ring_next(r, tail);
    if (ring_commit(r, &r->hdr->tail, tail, SHMIPC_RING_EMPTY) == -1)
        return -1;
    return (ssize_t)len;
}

/* A producer leaves. Ask twice before believing the set is gone, so that one transient
   failure is not mistaken for removal (and the count not left raised). */
static int producer_leave(struct shmipc_ring *r)
{
    if (producer_count(r, -1) == 0)
        return 0;
    if (!shmipc_semset_gone(r->semid))
        return -1;
    if (producer_count(r, -1) == 0)
        return 0;
    return shmipc_semset_gone(r->semid) ? 0 : -1;
}

int shmipc_ring_close(struct shmipc_ring *r)
{
    if (r == NULL)
        return 0;
    if (r->counted && r->semid != -1) {
        if (producer_leave(r) == -1)
            return -1; /* the handle stays valid: a retry lowers the count */
        r->counted = 0;
    }
    if (shmipc_segment_detach(&r->seg) == -1)
        return -1; /* the handle stays valid: a retry detaches */
    free(r);
    return 0;
}

int shmipc_ring_destroy(struct shmipc_ring *r)
{
    if (r == NULL)
        return 0;
    if (BUG(DOUBLE_SHMDT)) {
        /* "detach before removing", then the usual detach a second time: EINVAL, and the
           removal below it is never reached */
        (void)shmdt(r->seg.base);
        if (shmipc_segment_detach(&r->seg) == -1)
            return -1;
    }
    if (shmipc_segment_remove(&r->seg) == -1 || shmipc_semset_remove(r->semid) == -1)
        return -1; /* the handle stays valid: a retry removes what is left */
    r->semid = -1;
    return shmipc_ring_close(r);
}
