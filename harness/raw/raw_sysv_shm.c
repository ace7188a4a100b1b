/*
 * raw_sysv_shm.c - raw System V shared memory ops: shmget (key slots, IPC_PRIVATE,
 * IPC_CREAT/IPC_EXCL, odd flags), shmat (read-write, read-only, at an address, misaligned),
 * shmdt and shmctl (IPC_STAT/IPC_SET/IPC_RMID/SHM_LOCK/SHM_UNLOCK/IPC_INFO/SHM_INFO).
 * Ids live in the shared model so every worker can reach slot K's segment.
 */
#include <errno.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "raw_state.h"

/* An address no loader, heap or stack uses on x86-64/arm64, SHMLBA aligned. */
#define RAW_AT_ADDR ((uintptr_t)0x3f0000000000ull)

static const int get_flags[] = {0, IPC_CREAT, IPC_CREAT | IPC_EXCL, IPC_CREAT, IPC_CREAT | SHM_HUGETLB,
                                IPC_CREAT | SHM_NORESERVE};
static const int get_modes[] = {0600, 0600, 0600, 0400, 0600, 0600};

static uint64_t segment_size(int id)
{
    struct shmid_ds ds;
    int armed = raw_pause();
    int rc = shmctl(id, IPC_STAT, &ds);
    raw_resume(armed);
    return rc == 0 ? ds.shm_segsz : 0;
}

int raw_shmget(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct raw_model *m = raw_model(ctx);
    unsigned slot = argv[0];
    int private_key = argv[1] == 1;
    /* A slot holding an IPC_PRIVATE segment is never reassigned: that would orphan it (the
       program's leak, not the code's). A key-based slot may get a new id once the key is free. */
    if (m->has_shm[slot] && (private_key || m->shm_private[slot]))
        return SFZ_SKIPPED;
    int id = raw_shm_get(slot, private_key, argv[2], get_flags[argv[3]] | get_modes[argv[3]]);
    if (id == -1)
        return SFZ_FAILED;
    if (!m->has_shm[slot] || m->shmid[slot] != id) {
        m->shmid[slot] = id;
        m->has_shm[slot] = 1;
        m->shm_private[slot] = (uint8_t)private_key;
        m->shm_gen[slot] = raw_new_gen(m, segment_size(id));
    }
    return SFZ_OK;
}

enum at_mode { AT_RW, AT_RDONLY, AT_ADDR, AT_MISALIGNED, AT_MISALIGNED_RND, AT_EXEC };

int raw_shmat(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct raw_model *m = raw_model(ctx);
    struct raw_map *map = &raw_local(ctx)->shm[argv[0]];
    if (!m->has_shm[argv[0]] || map->addr != NULL)
        return SFZ_SKIPPED;
    static const int flags[] = {0, SHM_RDONLY, 0, 0, SHM_RND, SHM_EXEC};
    uintptr_t at = argv[1] >= AT_ADDR && argv[1] <= AT_MISALIGNED_RND ? RAW_AT_ADDR : 0;
    if (argv[1] == AT_MISALIGNED || argv[1] == AT_MISALIGNED_RND)
        at += 1;
    void *p = shmat(m->shmid[argv[0]], (void *)at, flags[argv[1]]);
    if (p == (void *)-1)
        return SFZ_FAILED;
    uint16_t gen = m->shm_gen[argv[0]];
    map->addr = p;
    map->len = (size_t)(gen ? m->size[gen] : segment_size(m->shmid[argv[0]]));
    map->gen = gen;
    map->writable = argv[1] != AT_RDONLY;
    return SFZ_OK;
}

int raw_shmdt(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct raw_map *map = &raw_local(ctx)->shm[argv[0]];
    if (map->addr == NULL)
        return SFZ_SKIPPED;
    if (shmdt(map->addr) == -1)
        return SFZ_FAILED;
    map->addr = NULL;
    return SFZ_OK;
}

enum ctl_cmd { CTL_STAT, CTL_SET, CTL_RMID, CTL_LOCK, CTL_UNLOCK, CTL_INFO, CTL_SHM_INFO };

int raw_shmctl(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct raw_model *m = raw_model(ctx);
    struct shmid_ds ds;
    int id = m->shmid[argv[0]];
    if (argv[1] == CTL_INFO)
        return raw_status(shmctl(0, IPC_INFO, &ds));
    if (argv[1] == CTL_SHM_INFO)
        return raw_status(shmctl(0, SHM_INFO, &ds));
    if (!m->has_shm[argv[0]])
        return SFZ_SKIPPED;
    switch ((enum ctl_cmd)argv[1]) {
    case CTL_STAT: return raw_status(shmctl(id, IPC_STAT, &ds));
    case CTL_SET:
        if (shmctl(id, IPC_STAT, &ds) == -1 || shmctl(id, IPC_SET, &ds) == -1)
            return SFZ_FAILED;
        raw_sysv_changed(0, id);
        return SFZ_OK;
    case CTL_RMID: return raw_status(shmctl(id, IPC_RMID, NULL));
    case CTL_LOCK: return raw_status(shmctl(id, SHM_LOCK, NULL));
    case CTL_UNLOCK: return raw_status(shmctl(id, SHM_UNLOCK, NULL));
    default: return SFZ_SKIPPED;
    }
}
