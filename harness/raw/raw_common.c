/*
 * raw_common.c - slot naming, generations, and how the raw op sets reach a slot's object. In
 * a private namespace slot K always has the same key and name, so programs replay
 * identically, and every call goes straight to the kernel. Without one (the unprivileged
 * fallback) the keys and names are the host's, shared with every other program: the
 * executor's pid is mixed in, and more importantly an op reaches only objects this run
 * created and recorded (harness/src/record.c). A create is made exclusive and recorded; an
 * open, an unlink or a removal of anything else fails as if the object were absent (ENOENT)
 * without the call being made, so a foreign object is never opened, changed or removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include "../src/exec_internal.h"
#include "../src/record.h"
#include "raw_state.h"

#define RAW_KEY_BASE 0x53460000

/* The pid of the process the binary started as (the executor): taken at load, before any
   worker forks, so every worker of a run uses the same keys and names (taken at first use it
   was each worker's own pid, and two workers never met on a key). */
static pid_t tag;

__attribute__((constructor)) static void take_run_tag(void)
{
    tag = getpid();
}

static pid_t run_tag(void)
{
    return tag;
}

key_t raw_key(unsigned slot)
{
    if (sfz_state.private_sysv)
        return (key_t)(RAW_KEY_BASE + (int)slot);
    return (key_t)(0x5300000 + ((run_tag() & 0xffff) << 4) + (int)slot);
}

void raw_name(char *buf, size_t size, const char *kind, unsigned slot)
{
    if (sfz_state.private_posix)
        snprintf(buf, size, "/sfz.%s%u", kind, slot);
    else
        snprintf(buf, size, "/sfz.%d.%s%u", (int)run_tag(), kind, slot);
}

uint16_t raw_new_gen(struct raw_model *m, uint64_t size)
{
    if (m->next_gen + 1u >= RAW_MAX_GENS)
        return 0;
    uint16_t g = ++m->next_gen;
    m->size[g] = size;
    m->tainted[g] = 0;
    return g;
}

int raw_status(long rc)
{
    return rc == -1 ? SFZ_FAILED : SFZ_OK;
}

/* shmget or semget of KEY: the real call (the one a fault plan counts). */
static int sysv_get(enum sfz_rec_kind kind, key_t key, size_t size, int flags)
{
    return kind == SFZ_REC_SHM ? shmget(key, size, flags) : semget(key, (int)size, flags);
}

static int sysv_get_slot(enum sfz_rec_kind kind, unsigned slot, int private_key, size_t size,
                         int flags)
{
    key_t key = private_key ? IPC_PRIVATE : raw_key(slot);
    int id;
    if (sfz_state.private_sysv)
        return sysv_get(kind, key, size, flags);
    if (!private_key && sfz_record_owns_sysv(kind, key, &id))
        return sysv_get(kind, key, size, flags); /* ours holds the key: as in a namespace */
    if (!private_key && !(flags & IPC_CREAT)) {
        errno = ENOENT; /* absent as far as this run is concerned */
        return -1;
    }
    id = sysv_get(kind, key, size, private_key ? flags : flags | IPC_EXCL);
    if (id != -1)
        sfz_record_sysv(kind, id);
    return id;
}

int raw_shm_get(unsigned slot, int private_key, size_t size, int flags)
{
    return sysv_get_slot(SFZ_REC_SHM, slot, private_key, size, flags);
}

int raw_sem_get(unsigned slot, int private_key, int nsems, int flags)
{
    return sysv_get_slot(SFZ_REC_SEM, slot, private_key, (size_t)nsems, flags);
}

void raw_sysv_changed(int sem, int id)
{
    if (!sfz_state.private_sysv)
        sfz_record_sysv(sem ? SFZ_REC_SEM : SFZ_REC_SHM, id); /* its ctime moved: a new line */
}

int raw_sysv_ours(int sem, int id)
{
    return sfz_state.private_sysv || sfz_record_owns_id(sem ? SFZ_REC_SEM : SFZ_REC_SHM, id);
}

/* Whether an op may reach POSIX NAME now and with which flags: as given when this run's object
   is there (or in a private namespace), exclusive for a create that must be ours (*RECORD set),
   -1 with ENOENT otherwise: not ours, act as if absent. */
static int posix_flags(enum sfz_rec_kind kind, const char *name, int flags, int *record)
{
    *record = 0;
    if (sfz_state.private_posix || sfz_record_owns_posix(kind, name))
        return flags;
    if (!(flags & O_CREAT)) {
        errno = ENOENT;
        return -1;
    }
    *record = 1;
    return flags | O_EXCL;
}

int raw_shm_open_name(const char *name, int flags)
{
    int record, f = posix_flags(SFZ_REC_POSIX_SHM, name, flags, &record);
    if (f == -1)
        return -1;
    int fd = shm_open(name, f, 0600);
    if (fd != -1 && record)
        sfz_record_posix(SFZ_REC_POSIX_SHM, name);
    return fd;
}

sem_t *raw_sem_open_name(const char *name, int flags)
{
    int record, f = posix_flags(SFZ_REC_POSIX_SEM, name, flags, &record);
    if (f == -1)
        return SEM_FAILED;
    sem_t *s = sem_open(name, f, 0600, 0u);
    if (s != SEM_FAILED && record)
        sfz_record_posix(SFZ_REC_POSIX_SEM, name);
    return s;
}

int raw_unlink_name(int sem, const char *name)
{
    if (!sfz_state.private_posix &&
        !sfz_record_owns_posix(sem ? SFZ_REC_POSIX_SEM : SFZ_REC_POSIX_SHM, name)) {
        errno = ENOENT;
        return -1;
    }
    return sem ? sem_unlink(name) : shm_unlink(name);
}
