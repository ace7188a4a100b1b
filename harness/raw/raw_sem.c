/*
 * raw_sem.c - raw semaphore ops. System V: semget (key slots, IPC_PRIVATE, set sizes up to
 * past SEMMSL), semop (post, wait without blocking, wait bounded by 2 ms, wait-for-zero, with
 * and without SEM_UNDO), semctl (IPC_RMID, GETVAL, SETVAL, IPC_STAT, GETALL, IPC_INFO). POSIX
 * named: sem_open, sem_post, sem_trywait / sem_timedwait (2 ms), sem_close, sem_unlink.
 * Waits are bounded so a program cannot hang the executor on its own; a wait that never
 * returns is then the code's hang, not the program's.
 */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <time.h>

#include "raw_state.h"

#define WAIT_NS 2000000L /* 2 ms: long enough to block, short enough to fuzz */

union raw_semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
    struct seminfo *info;
};

static const int nsems_values[] = {1, 2, 32001, 0};
static const int get_flags[] = {0, IPC_CREAT, IPC_CREAT | IPC_EXCL};

int raw_semget(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct raw_model *m = raw_model(ctx);
    unsigned slot = argv[0];
    int private_key = argv[1] == 1;
    if (m->has_sem[slot] && (private_key || m->sem_private[slot]))
        return SFZ_SKIPPED; /* never orphan a set: see raw_shmget */
    int id = raw_sem_get(slot, private_key, nsems_values[argv[2]], get_flags[argv[3]] | 0600);
    if (id == -1)
        return SFZ_FAILED;
    m->semid[slot] = id;
    m->has_sem[slot] = 1;
    m->sem_private[slot] = (uint8_t)private_key;
    return SFZ_OK;
}

enum sem_opkind { OP_POST, OP_WAIT_NOW, OP_WAIT_SHORT, OP_ZERO_NOW, OP_POST_UNDO, OP_WAIT_UNDO };

int raw_semop(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct raw_model *m = raw_model(ctx);
    if (!m->has_sem[argv[0]])
        return SFZ_SKIPPED;
    static const short delta[] = {1, -1, -1, 0, 1, -1};
    static const short flags[] = {0, IPC_NOWAIT, 0, IPC_NOWAIT, SEM_UNDO, SEM_UNDO | IPC_NOWAIT};
    struct sembuf op = {0, delta[argv[1]], flags[argv[1]]};
    struct timespec wait = {0, WAIT_NS};
    if (argv[1] == OP_WAIT_SHORT)
        return raw_status(semtimedop(m->semid[argv[0]], &op, 1, &wait));
    return raw_status(semop(m->semid[argv[0]], &op, 1));
}

enum semctl_cmd { SC_RMID, SC_GETVAL, SC_SETVAL, SC_STAT, SC_GETALL, SC_INFO };

int raw_semctl(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct raw_model *m = raw_model(ctx);
    struct semid_ds ds;
    struct seminfo info;
    unsigned short vals[2] = {0, 0};
    int id = m->semid[argv[0]];
    if (argv[1] == SC_INFO)
        return raw_status(semctl(0, 0, IPC_INFO, (union raw_semun){.info = &info}));
    if (!m->has_sem[argv[0]])
        return SFZ_SKIPPED;
    switch ((enum semctl_cmd)argv[1]) {
    case SC_RMID: return raw_status(semctl(id, 0, IPC_RMID));
    case SC_GETVAL: return raw_status(semctl(id, 0, GETVAL));
    case SC_SETVAL:
        if (semctl(id, 0, SETVAL, (union raw_semun){.val = 1}) == -1)
            return SFZ_FAILED;
        raw_sysv_changed(1, id);
        return SFZ_OK;
    case SC_STAT: return raw_status(semctl(id, 0, IPC_STAT, (union raw_semun){.buf = &ds}));
    case SC_GETALL:
        if (semctl(id, 0, IPC_STAT, (union raw_semun){.buf = &ds}) == -1)
            return SFZ_FAILED;
        if (ds.sem_nsems > 2)
            return SFZ_SKIPPED; /* the buffer holds two */
        return raw_status(semctl(id, 0, GETALL, (union raw_semun){.array = vals}));
    default: return SFZ_SKIPPED;
    }
}

static const int open_flags[] = {0, O_CREAT, O_CREAT | O_EXCL};

int raw_sem_open(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct raw_local *l = raw_local(ctx);
    char name[64];
    if (l->psem[argv[0]] != NULL)
        return SFZ_SKIPPED;
    raw_name(name, sizeof(name), "sem", argv[0]);
    sem_t *s = raw_sem_open_name(name, open_flags[argv[1]]);
    if (s == SEM_FAILED)
        return SFZ_FAILED;
    l->psem[argv[0]] = s;
    return SFZ_OK;
}

int raw_sem_post(struct sfz_ctx *ctx, const uint32_t *argv)
{
    sem_t *s = raw_local(ctx)->psem[argv[0]];
    return s == NULL ? SFZ_SKIPPED : raw_status(sem_post(s));
}

int raw_sem_wait(struct sfz_ctx *ctx, const uint32_t *argv)
{
    sem_t *s = raw_local(ctx)->psem[argv[0]];
    if (s == NULL)
        return SFZ_SKIPPED;
    if (argv[1] == 0)
        return raw_status(sem_trywait(s));
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += WAIT_NS;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    return raw_status(sem_timedwait(s, &until));
}

int raw_sem_close(struct sfz_ctx *ctx, const uint32_t *argv)
{
    struct raw_local *l = raw_local(ctx);
    sem_t *s = l->psem[argv[0]];
    if (s == NULL)
        return SFZ_SKIPPED;
    l->psem[argv[0]] = NULL;
    return raw_status(sem_close(s));
}

int raw_sem_unlink(struct sfz_ctx *ctx, const uint32_t *argv)
{
    char name[64];
    raw_name(name, sizeof(name), "sem", argv[0]);
    return raw_status(raw_unlink_name(1, name));
}
