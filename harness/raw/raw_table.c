/*
 * raw_table.c - the raw op sets as one adapter ("raw"): the op names, argument shapes and
 * choice names of the text form, as data. Behaviour lives in the family files. Ops and choices
 * are append-only: canonical inputs store their indexes.
 */
#include "raw_state.h"
#include "shmfuzz/raw.h"

#define N(a) (unsigned)(sizeof(a) / sizeof((a)[0]))
#define SLOT {"slot", SFZ_ARG_SLOT, NULL, 0}
#define SIZE(name) {name, SFZ_ARG_SIZE, NULL, 0}
#define OFFSET {"off", SFZ_ARG_OFFSET, NULL, 0}
#define BYTE {"byte", SFZ_ARG_BYTE, NULL, 0}
#define CHOICE(name, list) {name, SFZ_ARG_CHOICE, list, N(list)}

static const char *const key_names[] = {"slot", "private"};
static const char *const shmget_flags[] = {"none", "creat", "creat|excl", "creat|ro",
                                           "creat|hugetlb", "creat|noreserve"};
static const char *const shmat_modes[] = {"rw", "rdonly", "at", "at+1", "at+1|rnd", "exec"};
static const char *const shmctl_cmds[] = {"stat", "set", "rmid", "lock", "unlock", "info",
                                          "shm_info"};
static const char *const open_modes[] = {"rdwr", "rdonly", "creat", "creat|excl", "creat|trunc"};
static const char *const memfd_flags[] = {"cloexec", "sealing"};
static const char *const prot_names[] = {"rw", "ro"};
static const char *const len_names[] = {"1", "8", "64", "4096"};
static const char *const nsems_names[] = {"1", "2", "32001", "0"};
static const char *const semget_flags[] = {"none", "creat", "creat|excl"};
static const char *const semop_kinds[] = {"post", "wait_now", "wait_short", "zero_now",
                                          "post_undo", "wait_undo_now"};
static const char *const semctl_cmds[] = {"rmid", "getval", "setval", "stat", "getall", "info"};
static const char *const sem_open_flags[] = {"none", "creat", "creat|excl"};
static const char *const wait_names[] = {"now", "short"};

static const struct sfz_op raw_ops[] = {
    {"shmget", 4, {SLOT, CHOICE("key", key_names), SIZE("size"), CHOICE("flags", shmget_flags)},
     raw_shmget, 0},
    {"shmat", 2, {SLOT, CHOICE("mode", shmat_modes)}, raw_shmat, 0},
    {"shmdt", 1, {SLOT}, raw_shmdt, 0},
    {"shmctl", 2, {SLOT, CHOICE("cmd", shmctl_cmds)}, raw_shmctl, 0},
    {"shm_open", 2, {SLOT, CHOICE("flags", open_modes)}, raw_shm_open, 0},
    {"memfd", 2, {SLOT, CHOICE("flags", memfd_flags)}, raw_memfd, 0},
    {"ftruncate", 2, {SLOT, SIZE("size")}, raw_ftruncate, 0},
    {"mmap", 3, {SLOT, SIZE("len"), CHOICE("prot", prot_names)}, raw_mmap, 0},
    {"munmap", 1, {SLOT}, raw_munmap, 0},
    {"close", 1, {SLOT}, raw_close, 0},
    {"shm_unlink", 1, {SLOT}, raw_shm_unlink, 0},
    {"shm_write", 4, {SLOT, OFFSET, CHOICE("len", len_names), BYTE}, raw_shm_write, 0},
    {"shm_read", 3, {SLOT, OFFSET, CHOICE("len", len_names)}, raw_shm_read, 0},
    {"map_write", 4, {SLOT, OFFSET, CHOICE("len", len_names), BYTE}, raw_map_write, 0},
    {"map_read", 3, {SLOT, OFFSET, CHOICE("len", len_names)}, raw_map_read, 0},
    {"semget", 4, {SLOT, CHOICE("key", key_names), CHOICE("nsems", nsems_names),
                   CHOICE("flags", semget_flags)}, raw_semget, 0},
    {"semop", 2, {SLOT, CHOICE("op", semop_kinds)}, raw_semop, 0},
    {"semctl", 2, {SLOT, CHOICE("cmd", semctl_cmds)}, raw_semctl, 0},
    {"sem_open", 2, {SLOT, CHOICE("flags", sem_open_flags)}, raw_sem_open, 0},
    {"sem_post", 1, {SLOT}, raw_sem_post, 0},
    {"sem_wait", 2, {SLOT, CHOICE("wait", wait_names)}, raw_sem_wait, 0},
    {"sem_close", 1, {SLOT}, raw_sem_close, 0},
    {"sem_unlink", 1, {SLOT}, raw_sem_unlink, 0},
};

const struct sfz_adapter sfz_raw_adapter = {
    .name = "raw",
    .summary = "raw System V / POSIX shared memory, memfd and semaphore calls, with a data model",
    .ops = raw_ops,
    .nops = N(raw_ops),
    .local_size = sizeof(struct raw_local),
    .shared_size = sizeof(struct raw_model),
    .worker_done = raw_worker_done,
    .teardown = raw_teardown,
};
