/*
 * raw_state.h - internal to the raw op sets: what a worker holds (local) and the model every
 * worker shares. Slots name objects: SysV segments, POSIX shm objects (or memfds) and
 * semaphores each have SFZ_SLOTS slots. Every object the program creates gets a generation
 * number (unique within the input) and the model records, per generation, its size and every
 * write, so a read can be checked against what the writers wrote.
 */
#ifndef SFZ_RAW_STATE_H
#define SFZ_RAW_STATE_H

#include <semaphore.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shmfault.h"
#include "shmfuzz/program.h"

#define RAW_MAX_GENS (SFZ_MAX_OPS + 2) /* one per op at most: never runs out */
#define RAW_MAX_WRITES 64

struct raw_write {
    uint16_t gen;
    uint8_t byte;
    uint32_t off, len;
};

struct raw_model {
    int shmid[SFZ_SLOTS];
    uint8_t has_shm[SFZ_SLOTS];
    uint8_t shm_private[SFZ_SLOTS];  /* created with IPC_PRIVATE: only the id reaches it */
    uint16_t shm_gen[SFZ_SLOTS];
    int semid[SFZ_SLOTS];
    uint8_t has_sem[SFZ_SLOTS];
    uint8_t sem_private[SFZ_SLOTS];
    uint8_t posix_exists[SFZ_SLOTS]; /* the name refers to an object */
    uint16_t posix_gen[SFZ_SLOTS];
    uint16_t next_gen;
    uint64_t size[RAW_MAX_GENS];     /* current size of each object */
    uint8_t tainted[RAW_MAX_GENS];   /* a write went where the model cannot follow */
    unsigned nwrites;
    struct raw_write writes[RAW_MAX_WRITES];
};

struct raw_map {
    unsigned char *addr;
    size_t len;      /* mapped bytes */
    uint16_t gen;
    uint8_t writable;
};

struct raw_local {
    struct raw_map shm[SFZ_SLOTS];   /* this worker's attachment of each SysV slot */
    int pfd[SFZ_SLOTS];
    uint8_t has_pfd[SFZ_SLOTS];
    uint16_t pfd_gen[SFZ_SLOTS];
    struct raw_map pmap[SFZ_SLOTS];  /* this worker's mmap of each POSIX slot */
    sem_t *psem[SFZ_SLOTS];
};

static inline struct raw_model *raw_model(struct sfz_ctx *ctx)
{
    return (struct raw_model *)ctx->shared;
}
static inline struct raw_local *raw_local(struct sfz_ctx *ctx)
{
    return (struct raw_local *)ctx->local;
}

/* The harness's own bookkeeping calls (IPC_STAT for a size, fstat) run with faults paused so
   they neither fail nor shift the plan's call numbering. */
static inline int raw_pause(void)
{
    int armed = shmfault_armed();
    if (armed)
        shmfault_disarm();
    return armed;
}
static inline void raw_resume(int armed)
{
    if (armed)
        shmfault_arm();
}

/* SysV key and POSIX name of a slot: fixed in a private namespace, per run otherwise. */
key_t raw_key(unsigned slot);
void raw_name(char *buf, size_t size, const char *kind, unsigned slot);
/* How an op reaches a slot's object (raw_common.c): straight to the kernel in a private
   namespace; without one, only objects this run created and recorded, else ENOENT. */
int raw_shm_get(unsigned slot, int private_key, size_t size, int flags);
int raw_sem_get(unsigned slot, int private_key, int nsems, int flags);
int raw_shm_open_name(const char *name, int flags);
sem_t *raw_sem_open_name(const char *name, int flags);
int raw_unlink_name(int sem, const char *name);
/* A call changed System V object ID's ctime (IPC_SET, SETVAL): record its new stamp. */
void raw_sysv_changed(int sem, int id);
/* Whether ID may be removed at teardown: in a private namespace every object is the run's. */
int raw_sysv_ours(int sem, int id);
/* A new generation of size SIZE (0 when the model is full: then it is not judged). */
uint16_t raw_new_gen(struct raw_model *m, uint64_t size);
/* The status of a call that returned RC (-1 on failure). */
int raw_status(long rc);

/* Ops of each family (raw_sysv_shm.c, raw_posix_shm.c, raw_sem.c, raw_mem.c). */
int raw_shmget(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_shmat(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_shmdt(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_shmctl(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_shm_open(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_memfd(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_ftruncate(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_mmap(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_munmap(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_close(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_shm_unlink(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_semget(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_semop(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_semctl(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_sem_open(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_sem_post(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_sem_wait(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_sem_close(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_sem_unlink(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_shm_write(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_shm_read(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_map_write(struct sfz_ctx *ctx, const uint32_t *argv);
int raw_map_read(struct sfz_ctx *ctx, const uint32_t *argv);

/* Release what this worker holds / remove what the program created (raw_cleanup.c). */
void raw_worker_done(struct sfz_ctx *ctx);
void raw_teardown(struct sfz_ctx *ctx);

#endif /* SFZ_RAW_STATE_H */
