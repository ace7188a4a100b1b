/*
 * sysv_segment.c - create/open/detach/remove of System V segments with complete rollback.
 * The catalogue's "leak-on-error" and "unchecked-shmat" bugs live here because this is where
 * people write them: between shmget and shmat.
 */
#include "sysv_segment.h"

#include <errno.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "bug.h"
#include "guard.h"

static void segment_reset(struct shmipc_segment *seg)
{
    seg->id = -1;
    seg->base = NULL;
    seg->size = 0;
}

static int segment_attach(struct shmipc_segment *seg)
{
    void *p = shmat(seg->id, NULL, 0);
    if (BUG(UNCHECKED_SHMAT)) {
        seg->base = p; /* the tutorial way: shmat "cannot fail" */
        return 0;
    }
    if (p == (void *)-1)
        return -1;
    seg->base = p;
    return 0;
}

int shmipc_segment_create(key_t key, size_t size, int mode, struct shmipc_segment *seg)
{
    segment_reset(seg);
    seg->id = shmget(key, size, IPC_CREAT | IPC_EXCL | mode);
    if (seg->id == -1)
        return -1;
    shmipc_guard_created(SHMIPC_OBJ_SHM, seg->id, NULL);
    seg->size = size;
    if (segment_attach(seg) == 0)
        return 0;
    int saved = errno;
    if (!BUG(LEAK_ON_ERROR))
        (void)shmctl(seg->id, IPC_RMID, NULL); /* nobody else knows the id yet: ours to remove */
    segment_reset(seg);
    errno = saved;
    return -1;
}

int shmipc_segment_open(key_t key, struct shmipc_segment *seg)
{
    struct shmid_ds ds;

    segment_reset(seg);
    seg->id = shmget(key, 0, 0);
    if (seg->id == -1)
        return -1;
    if (shmipc_guard_foreign(SHMIPC_OBJ_SHM, seg->id, NULL, -1)) {
        segment_reset(seg); /* someone else's segment at the key: absent for us */
        errno = ENOENT;
        return -1;
    }
    if (shmctl(seg->id, IPC_STAT, &ds) == -1 || segment_attach(seg) == -1) {
        segment_reset(seg); /* not ours: never remove a segment we only opened */
        return -1;
    }
    seg->size = ds.shm_segsz;
    return 0;
}

int shmipc_segment_detach(struct shmipc_segment *seg)
{
    if (seg->base == NULL)
        return 0;
    if (shmdt(seg->base) == -1)
        return -1; /* keep the address: the caller may retry */
    seg->base = NULL;
    return 0;
}

int shmipc_segment_remove(struct shmipc_segment *seg)
{
    if (seg->id == -1)
        return 0;
    if (shmipc_guard_foreign(SHMIPC_OBJ_SHM, seg->id, NULL, -1)) {
        errno = EINVAL; /* ours is gone and the id names someone else's now */
        return -1;
    }
    if (shmctl(seg->id, IPC_RMID, NULL) == -1)
        return -1; /* keep the id: the caller may retry */
    seg->id = -1;
    return 0;
}
