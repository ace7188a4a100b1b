/*
 * raw_cleanup.c - end of an input for the raw op sets. worker_done releases this worker's
 * attachments, mappings, fds and semaphores. teardown removes every object the program
 * created: for raw ops there is no "code under test" whose cleanup could be wrong, only the
 * program, so what a raw program leaves is never a finding. The list comes from libshmfault's
 * ledger (it also knows objects whose creator died before telling the model) and the model;
 * without a private namespace only what this run recorded creating (raw_common.c).
 */
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include "raw_state.h"

void raw_worker_done(struct sfz_ctx *ctx)
{
    struct raw_local *l = raw_local(ctx);
    for (unsigned s = 0; s < SFZ_SLOTS; s++) {
        if (l->shm[s].addr)
            (void)shmdt(l->shm[s].addr);
        if (l->pmap[s].addr)
            (void)munmap(l->pmap[s].addr, l->pmap[s].len);
        if (l->has_pfd[s])
            (void)close(l->pfd[s]);
        if (l->psem[s])
            (void)sem_close(l->psem[s]);
    }
}

static void remove_ledger_objects(void)
{
    struct shmfault_object objs[64];
    size_t n = shmfault_ledger_live(objs, 64);
    for (size_t i = 0; i < n && i < 64; i++) {
        switch (objs[i].kind) {
        case SHMFAULT_OBJ_SYSV_SHM:
            if (raw_sysv_ours(0, (int)objs[i].id))
                (void)shmctl((int)objs[i].id, IPC_RMID, NULL);
            break;
        case SHMFAULT_OBJ_SYSV_SEM:
            if (raw_sysv_ours(1, (int)objs[i].id))
                (void)semctl((int)objs[i].id, 0, IPC_RMID);
            break;
        case SHMFAULT_OBJ_POSIX_SHM: (void)raw_unlink_name(0, objs[i].name); break;
        case SHMFAULT_OBJ_POSIX_SEM: (void)raw_unlink_name(1, objs[i].name); break;
        }
    }
}

void raw_teardown(struct sfz_ctx *ctx)
{
    struct raw_model *m = raw_model(ctx);
    char name[64];
    remove_ledger_objects();
    for (unsigned s = 0; s < SFZ_SLOTS; s++) {
        if (m->has_shm[s] && raw_sysv_ours(0, m->shmid[s]))
            (void)shmctl(m->shmid[s], IPC_RMID, NULL);
        if (m->has_sem[s] && raw_sysv_ours(1, m->semid[s]))
            (void)semctl(m->semid[s], 0, IPC_RMID);
        raw_name(name, sizeof(name), "shm", s);
        (void)raw_unlink_name(0, name);
        raw_name(name, sizeof(name), "sem", s);
        (void)raw_unlink_name(1, name);
    }
}
