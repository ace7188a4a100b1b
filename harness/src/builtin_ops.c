/*
 * builtin_ops.c - ops every target has, whatever its adapter:
 *   peer.poke seg=N off=O len=L byte=B   the hostile peer: attach the Nth shared-memory object
 *       of the private namespace (System V segments in /proc/sysvipc/shm order, then /dev/shm
 *       files but named semaphores) behind the code's back and overwrite L bytes at O.
 *       Scheduled between two reads of another worker, it is the double fetch / time-of-check-to-time-of-use attack.
 *   proc.exit                            the worker leaves at once (a peer that dies holding
 *       its handles, without worker_done).
 *   peer.inside at=A seg=N off=O len=L byte=B   the same write, made inside this worker's next
 *       adapter op at its A-th access to shared memory (inside.c, x86-64 Linux).
 * The peer's own calls run with faults paused: they are not the code under test and must not
 * shift the plan's call numbering. It only touches objects of a private namespace.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_internal.h"
#include "inside.h"
#include "peer_objects.h"
#include "shmfault.h"

static const char *const len_names[] = {"1", "4", "8"};
static const uint32_t len_values[] = {1, 4, 8};

/* Where to poke inside an object of SIZE bytes: O itself when it fits, else folded in. */
int sfz_peer_place(uint64_t size, uint32_t off, uint32_t len, uint64_t *at)
{
    if (size < len)
        return -1;
    *at = off <= size - len ? off : off % (size - len + 1);
    return 0;
}

static int poke_sysv(unsigned nth, uint32_t off, uint32_t len, uint8_t byte, unsigned *seen)
{
    struct sfz_segment seg[SFZ_SLOTS];
    _Static_assert(SFZ_SLOTS > 0, "seg is a slot argument: below SFZ_SLOTS");
    unsigned total = 0, n = sfz_peer_segments(seg, SFZ_SLOTS, &total);
    /* the segment found is its number, whether or not it can be poked: no file gets it */
    *seen = nth < n ? nth + 1 : total;
    uint64_t at = 0;
    if (nth >= n || sfz_peer_place(seg[nth].size, off, len, &at) != 0)
        return -1;
    unsigned char *p = shmat(seg[nth].id, NULL, 0);
    if (p == (void *)-1)
        return -1;
    memset(p + at, byte, len);
    shmdt(p);
    return 0;
}

/* FD: the file, open for reading and writing (closed here); -1: nothing to poke. */
static int poke_file(int fd, uint32_t off, uint32_t len, uint8_t byte)
{
    struct stat st;
    uint64_t at = 0;
    int rc = -1;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) == 0 && sfz_peer_place((uint64_t)st.st_size, off, len, &at) == 0) {
        unsigned char *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p != MAP_FAILED) {
            memset(p + at, byte, len);
            munmap(p, (size_t)st.st_size);
            rc = 0;
        }
    }
    close(fd);
    return rc;
}

int sfz_peer_file(const char *name)
{
    return name[0] != '.' && strncmp(name, "sem.", 4) != 0;
}

static int poke_posix(unsigned nth, unsigned seen, uint32_t off, uint32_t len, uint8_t byte)
{
    return nth < seen ? -1 : poke_file(sfz_peer_file_open(nth - seen), off, len, byte);
}

static int op_peer_poke(struct sfz_ctx *ctx, const uint32_t *argv)
{
    unsigned seen = 0;
    int was_armed = shmfault_armed();
    int rc = -1;
    (void)ctx;
    if (!sfz_state.private_sysv || !sfz_state.private_posix)
        return SFZ_SKIPPED; /* never touch an object of the host */
    shmfault_disarm();
    if (poke_sysv(argv[0], argv[1], len_values[argv[2]], (uint8_t)argv[3], &seen) == 0)
        rc = 0;
    else if (poke_posix(argv[0], seen, argv[1], len_values[argv[2]], (uint8_t)argv[3]) == 0)
        rc = 0;
    if (was_armed)
        shmfault_arm();
    if (rc != 0)
        return SFZ_SKIPPED;
    __atomic_add_fetch(&sfz_state.area->peer_writes, 1u, __ATOMIC_RELAXED);
    return SFZ_OK;
}

unsigned sfz_injected_deaths(void)
{
    return __atomic_load_n(&sfz_state.area->injected_deaths, __ATOMIC_RELAXED);
}

int sfz_slot_uncertain(unsigned slot)
{
    unsigned mask = __atomic_load_n(&sfz_state.area->uncertain_slots, __ATOMIC_RELAXED);
    return slot < SFZ_SLOTS && (mask >> slot & 1u);
}

unsigned sfz_peer_writes(void)
{
    return __atomic_load_n(&sfz_state.area->peer_writes, __ATOMIC_RELAXED);
}

static int op_proc_exit(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)argv;
    sfz_state.area->w[ctx->proc].planned_exit = 1;
    _exit(0);
}

static const struct sfz_op builtins[] = {
    {"peer.poke", 4,
     {{"seg", SFZ_ARG_SLOT, NULL, 0},
      {"off", SFZ_ARG_OFFSET, NULL, 0},
      {"len", SFZ_ARG_CHOICE, len_names, 3},
      {"byte", SFZ_ARG_BYTE, NULL, 0}},
     op_peer_poke, SFZ_OP_HOSTILE},
    {"proc.exit", 0, {{0}}, op_proc_exit, SFZ_OP_FORKED},
    {"peer.inside", 5,
     {{"at", SFZ_ARG_CHOICE, sfz_inside_at_names, SFZ_INSIDE_MAX_AT},
      {"seg", SFZ_ARG_SLOT, NULL, 0},
      {"off", SFZ_ARG_OFFSET, NULL, 0},
      {"len", SFZ_ARG_CHOICE, len_names, 3},
      {"byte", SFZ_ARG_BYTE, NULL, 0}},
     sfz_inside_op, SFZ_OP_HOSTILE},
};

unsigned sfz_builtin_count(void)
{
    return sizeof(builtins) / sizeof(builtins[0]);
}

const struct sfz_op *sfz_builtin_op(unsigned i)
{
    return i < sfz_builtin_count() ? &builtins[i] : NULL;
}
