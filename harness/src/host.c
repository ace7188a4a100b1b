/*
 * host.c - shmfuzz/host.h: the run's record (record.c) as the libshmipc adapters see it. In a
 * private namespace every answer is "yours" and nothing is recorded, so a program runs exactly
 * as written; only in the fallback do the answers keep the code under test off other people's
 * objects.
 */
#include "shmfuzz/host.h"

#include <sys/sem.h>
#include <sys/shm.h>

#include "exec_internal.h"
#include "record.h"
#include "shmfault.h"

_Static_assert((int)SFZ_HOST_SHM == (int)SFZ_REC_SHM && (int)SFZ_HOST_SEM == (int)SFZ_REC_SEM &&
                   (int)SFZ_HOST_POSIX_SHM == (int)SFZ_REC_POSIX_SHM &&
                   (int)SFZ_HOST_POSIX_SEM == (int)SFZ_REC_POSIX_SEM,
               "host kinds are record kinds");

static int sysv(enum sfz_host_kind kind)
{
    return kind == SFZ_HOST_SHM || kind == SFZ_HOST_SEM;
}

/* Only once the executor has tried its namespaces (exec.c) and not got this one. */
int sfz_host_shared(enum sfz_host_kind kind)
{
    if (sfz_state.area == NULL)
        return 0;
    return sysv(kind) ? !sfz_state.private_sysv : !sfz_state.private_posix;
}

void sfz_host_created(enum sfz_host_kind kind, int id, const char *name)
{
    if (!sfz_host_shared(kind))
        return;
    if (sysv(kind))
        sfz_record_sysv((enum sfz_rec_kind)kind, id);
    else
        sfz_record_posix((enum sfz_rec_kind)kind, name);
}

int sfz_host_foreign(enum sfz_host_kind kind, int id, const char *name, int fd)
{
    if (!sfz_host_shared(kind))
        return 0;
    return sysv(kind) ? sfz_record_foreign_id((enum sfz_rec_kind)kind, id)
                      : sfz_record_foreign_posix((enum sfz_rec_kind)kind, name, fd);
}

int sfz_host_key_taken(enum sfz_host_kind kind, key_t key)
{
    return sysv(kind) && sfz_host_shared(kind) &&
           sfz_record_foreign_key((enum sfz_rec_kind)kind, key);
}

int sfz_host_ours_at(enum sfz_host_kind kind, key_t key)
{
    int id = -1;
    if (!sysv(kind))
        return -1;
    if (sfz_host_shared(kind))
        return sfz_record_owns_sysv((enum sfz_rec_kind)kind, key, &id) ? id : -1;
    int armed = shmfault_armed();
    if (armed)
        shmfault_disarm();
    id = kind == SFZ_HOST_SHM ? shmget(key, 0, 0) : semget(key, 0, 0);
    if (armed)
        shmfault_arm();
    return id;
}
