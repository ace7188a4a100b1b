/*
 * records.c - pattern 2, the "record updater": a table of {id, name} records under a key.
 * Every access holds a System V semaphore taken with SEM_UNDO, so a process killed while
 * holding it cannot lock everybody out; the table size is taken from the segment and checked,
 * never from the caller's belief; names are always returned terminated.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "bug.h"
#include "records_layout.h"
#include "shmipc.h"
#include "sysv_segment.h"
#include "sysv_semset.h"

struct shmipc_records {
    struct shmipc_segment seg;
    struct shmipc_records_hdr *hdr;
    int semid;
    unsigned count; /* validated at open */
    unsigned txn;   /* 1 + index of the open transaction, 0 when none */
    int counted;    /* this handle is counted in hdr->users */
};

static size_t table_size(unsigned count)
{
    return sizeof(struct shmipc_records_hdr) + (size_t)count * sizeof(struct shmipc_record);
}

static int table_lock(struct shmipc_records *t, int timeout_ms)
{
    struct sembuf op = {.sem_num = 0, .sem_op = -1, .sem_flg = SEM_UNDO};
    return shmipc_semset_op(t->semid, &op, 1, timeout_ms);
}

static int table_unlock(struct shmipc_records *t)
{
    struct sembuf op = {.sem_num = 0, .sem_op = 1, .sem_flg = SEM_UNDO};
    return shmipc_semset_post(t->semid, &op, 1);
}

static void free_keep_errno(void *p)
{
    int saved = errno;
    free(p);
    errno = saved;
}

struct shmipc_records *shmipc_records_create(key_t key, unsigned count)
{
    if (count == 0 || count > SHMIPC_RECORDS_MAX) {
        errno = EINVAL;
        return NULL;
    }
    struct shmipc_records *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    static const unsigned short unlocked[1] = {1};
    /* The lock exists before the table can be found: an opener that sees the magic finds it. */
    t->semid = shmipc_semset_create(key, 1, unlocked, SHMIPC_MODE);
    if (t->semid == -1)
        goto fail;
    if (shmipc_segment_create(key, table_size(count), SHMIPC_MODE, &t->seg) == -1) {
        int saved = errno;
        (void)shmipc_semset_remove(t->semid);
        errno = saved;
        goto fail;
    }
    if (BUG(RMID_EARLY))
        (void)shmctl(t->seg.id, IPC_RMID, NULL); /* "auto-cleanup": also unpublishes the key */
    t->hdr = t->seg.base;
    t->count = count;
    t->hdr->count = count;
    t->hdr->users = 1;
    t->counted = 1;
    __atomic_store_n(&t->hdr->magic, SHMIPC_RECORDS_MAGIC, __ATOMIC_RELEASE);
    return t;
fail:
    free_keep_errno(t);
    return NULL;
}

/* The segment's own description of the table, checked against its real size. */
static int table_validate(struct shmipc_records *t, unsigned expected)
{
    if (BUG(SIZE_MISMATCH)) { /* believe the caller, as the tutorial reader does */
        t->count = expected ? expected : t->hdr->count;
        return 0;
    }
    if (t->seg.size < sizeof(*t->hdr) ||
        __atomic_load_n(&t->hdr->magic, __ATOMIC_ACQUIRE) != SHMIPC_RECORDS_MAGIC)
        goto bad;
    unsigned count = t->hdr->count;
    if (count == 0 || count > SHMIPC_RECORDS_MAX || table_size(count) > t->seg.size)
        goto bad;
    if (expected != 0 && expected != count)
        goto bad;
    t->count = count;
    return 0;
bad:
    errno = EPROTO;
    return -1;
}

struct shmipc_records *shmipc_records_open(key_t key, unsigned count)
{
    struct shmipc_records *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->semid = -1;
    if (shmipc_segment_open(key, &t->seg) == -1)
        goto fail;
    t->hdr = t->seg.base;
    if (table_validate(t, count) == -1)
        goto fail_detach;
    t->semid = shmipc_semset_open(key, 1);
    if (t->semid == -1)
        goto fail_detach;
    __atomic_fetch_add(&t->hdr->users, 1u, __ATOMIC_RELAXED);
    t->counted = 1;
    return t;
fail_detach:;
    int saved = errno;
    (void)shmipc_segment_detach(&t->seg);
    errno = saved;
fail:
    free_keep_errno(t);
    return NULL;
}

unsigned shmipc_records_count(const struct shmipc_records *t)
{
    return t->count;
}

static int check_index(const struct shmipc_records *t, unsigned i)
{
    if (i >= t->count) {
        errno = ERANGE;
        return -1;
    }
    return 0;
}

static int check_name(const struct shmipc_record *in)
{
    if (memchr(in->name, '\0', sizeof(in->name)) == NULL) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

/*
 * Release the lock after writing record I, whose previous content was OLD. If the release
 * fails the write must not count: restore OLD while we still hold the lock, then try once
 * more to release, and report the first error.
 */
static int unlock_or_restore(struct shmipc_records *t, unsigned i, const struct shmipc_record *old)
{
    if (table_unlock(t) == 0)
        return 0;
    int err = errno;
    memcpy(&t->hdr->rec[i], old, sizeof(*old));
    (void)table_unlock(t);
    errno = err;
    return -1;
}

/* Copy out a record a peer may have scribbled on: the name comes back terminated. */
static void record_read(const struct shmipc_records *t, unsigned i, struct shmipc_record *out)
{
    memcpy(out, &t->hdr->rec[i], sizeof(*out));
    out->name[sizeof(out->name) - 1] = '\0';
}

int shmipc_records_get(struct shmipc_records *t, unsigned i, struct shmipc_record *out,
                       int timeout_ms)
{
    if (check_index(t, i) == -1 || table_lock(t, timeout_ms) == -1)
        return -1;
    record_read(t, i, out);
    if (table_unlock(t) == 0)
        return 0;
    int err = errno;
    (void)table_unlock(t); /* once more: a lock left held would block every peer */
    errno = err;
    return -1;
}

int shmipc_records_put(struct shmipc_records *t, unsigned i, const struct shmipc_record *in,
                       int timeout_ms)
{
    if (check_index(t, i) == -1 || check_name(in) == -1 || table_lock(t, timeout_ms) == -1)
        return -1;
    struct shmipc_record old = t->hdr->rec[i];
    memcpy(&t->hdr->rec[i], in, sizeof(*in));
    return unlock_or_restore(t, i, &old);
}

int shmipc_records_begin(struct shmipc_records *t, unsigned i, struct shmipc_record *out,
                         int timeout_ms)
{
    if (t->txn != 0) {
        errno = EBUSY;
        return -1;
    }
    if (check_index(t, i) == -1)
        return -1;
    /* The lost-update bug: "reading needs no lock", so two updaters both read the old value. */
    if (!BUG(LOST_UPDATE) && table_lock(t, timeout_ms) == -1)
        return -1;
    record_read(t, i, out);
    t->txn = i + 1;
    return 0;
}

int shmipc_records_commit(struct shmipc_records *t, const struct shmipc_record *in)
{
    if (t->txn == 0) {
        errno = EINVAL;
        return -1;
    }
    if (check_name(in) == -1)
        return -1; /* the transaction stays open: fix the record or abort */
    unsigned i = t->txn - 1;
    struct shmipc_record old = t->hdr->rec[i];
    memcpy(&t->hdr->rec[i], in, sizeof(*in));
    t->txn = 0;
    if (BUG(LOST_UPDATE))
        return 0;
    return unlock_or_restore(t, i, &old);
}

int shmipc_records_abort(struct shmipc_records *t)
{
    if (t->txn == 0)
        return 0;
    /* A set a peer destroyed has no lock left to hold (confirmed with the kernel). */
    if (!BUG(LOST_UPDATE) && table_unlock(t) == -1 && !shmipc_semset_gone(t->semid))
        return -1; /* still holding the lock: the transaction stays open, abort again */
    t->txn = 0;
    return 0;
}

int shmipc_records_close(struct shmipc_records *t)
{
    if (t == NULL)
        return 0;
    if (t->semid != -1 && shmipc_records_abort(t) == -1)
        return -1; /* the handle stays valid: a retry releases the lock */
    if (BUG(USE_AFTER_SHMDT)) {
        (void)shmdt(t->seg.base);
        __atomic_fetch_sub(&t->hdr->users, 1u, __ATOMIC_RELAXED); /* the header is gone */
        free(t);
        return 0;
    }
    if (t->counted && t->seg.base != NULL) {
        __atomic_fetch_sub(&t->hdr->users, 1u, __ATOMIC_RELAXED);
        t->counted = 0;
    }
    if (shmipc_segment_detach(&t->seg) == -1)
        return -1; /* the handle stays valid: a retry detaches */
    free(t);
    return 0;
}

int shmipc_records_destroy(struct shmipc_records *t)
{
    if (t == NULL)
        return 0;
    if (shmipc_segment_remove(&t->seg) == -1 || shmipc_semset_remove(t->semid) == -1)
        return -1; /* the handle stays valid: a retry removes what is left */
    t->semid = -1;
    return shmipc_records_close(t);
}
