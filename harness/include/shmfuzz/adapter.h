/*
 * shmfuzz/adapter.h - how IPC code under test plugs into the harness.
 *
 * An adapter names the operations of the code under test, the shape of their arguments and,
 * optionally, invariants the harness checks. The harness decodes each fuzz input into a program
 * of these ops, runs it across 1..SFZ_MAX_PROCS real processes in the encoded interleaving, with
 * the encoded fault plan armed in libshmfault, and judges the result (docs/adapters.md).
 * The raw System V / POSIX / semaphore op sets are adapters too: one mechanism.
 *
 * A fuzz target is one adapter plus the harness: define it with SFZ_TARGET(adapter) in one .c
 * file and build it with shmfuzz_add_target() in CMake (cmake/ShmfuzzTarget.cmake), which
 * produces the libFuzzer, AFL++ and replay binaries.
 */
#ifndef SHMFUZZ_ADAPTER_H
#define SHMFUZZ_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SFZ_MAX_PROCS 4 /* worker processes per program */
#define SFZ_MAX_ARGS 5  /* arguments per op (peer.inside has five) */

/* What an argument is; the decoder keeps every value in range, so ops never validate bounds. */
enum sfz_arg_kind {
    SFZ_ARG_SLOT,   /* object slot 0..SFZ_SLOTS-1: which of the program's objects */
    SFZ_ARG_SIZE,   /* a byte count from the table of interesting sizes (0, 1, page-1, page, ...) */
    SFZ_ARG_OFFSET, /* a byte offset from the table of interesting offsets (may be out of bounds) */
    SFZ_ARG_CHOICE, /* index into the argument's own list of named choices (flags, commands) */
    SFZ_ARG_BYTE,   /* 0..255, e.g. a fill pattern */
    SFZ_ARG_PROC    /* a worker index 0..nprocs-1 */
};
#define SFZ_SLOTS 4

struct sfz_arg {
    const char *name;              /* as written in the text form: "slot", "size", "flags" */
    enum sfz_arg_kind kind;
    const char *const *choices;    /* SFZ_ARG_CHOICE only: names in the text form */
    unsigned nchoices;
};

/* What an op reports back to the executor. */
enum sfz_status {
    SFZ_OK = 0,      /* the op did what it was asked */
    SFZ_FAILED = 1,  /* the op failed and said so (error return): the right answer to a fault */
    SFZ_SKIPPED = 2, /* the op does not apply now (empty slot, nothing to receive) */
    SFZ_FINDING = 3  /* the adapter caught the code under test misbehaving; ctx->why says how */
};

/* Everything an op, setup, teardown or check sees. */
struct sfz_ctx {
    unsigned proc;        /* this process's worker index, 0..nprocs-1 */
    unsigned nprocs;
    void *local;          /* adapter->local_size bytes private to this worker, zeroed per input */
    void *shared;         /* adapter->shared_size bytes shared by all workers (MAP_SHARED, never
                             faulted, zeroed per input): the model of what should be there */
    char *why;            /* where SFZ_FINDING writes its one-line reason */
    size_t why_size;
};

/* Op flags. */
#define SFZ_OP_BLOCKS 0x1u    /* may wait on a peer: bounded by the executor's op timeout */
#define SFZ_OP_HOSTILE 0x2u   /* corrupts shared state on purpose (hostile peer op) */
#define SFZ_OP_FORKED 0x4u    /* must run in a forked worker (it ends or may kill its process) */
/* The op has no error channel: the library function it calls returns void (a close that
   cannot report a failed munmap), so an injected failure inside it is not judged bad-error —
   only by what follows (crash, leak, hang, data). Say so only when the API really has no way
   to report the failure; an op that could return SFZ_FAILED and does not is the bug. */
#define SFZ_OP_NO_ERROR 0x8u

struct sfz_op {
    const char *name;                 /* text form name: "put", "shmat" */
    unsigned nargs;
    struct sfz_arg args[SFZ_MAX_ARGS];
    int (*run)(struct sfz_ctx *ctx, const uint32_t *argv); /* returns an enum sfz_status */
    unsigned flags;
};

struct sfz_adapter {
    const char *name;        /* target name: "shmipc-ring" */
    const char *summary;     /* one line for `shmfuzz list` */
    const struct sfz_op *ops;
    unsigned nops;
    size_t local_size;       /* per-worker state */
    size_t shared_size;      /* shared model */
    /* Once per input in the first worker, disarmed, before any op. Optional. */
    int (*setup)(struct sfz_ctx *ctx);
    /* In each worker after its last op, disarmed: release this worker's handles. Optional. */
    void (*worker_done)(struct sfz_ctx *ctx);
    /* Once per input after every worker is done, disarmed: remove what the program created,
       as the code under test's own cleanup would. Whatever survives it is a leak. Optional. */
    void (*teardown)(struct sfz_ctx *ctx);
    /* After teardown: return SFZ_FINDING with ctx->why set if an invariant is broken. Optional. */
    int (*check)(struct sfz_ctx *ctx);
};

/* The adapter a fuzz target binary is built around. */
extern const struct sfz_adapter *const sfz_target_adapter;
#define SFZ_TARGET(adapter) const struct sfz_adapter *const sfz_target_adapter = &(adapter)

/* For ops: fill ctx->why and return SFZ_FINDING. */
int sfz_finding(struct sfz_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * For ops about to do something that may legitimately kill the process with SIG (SIGSEGV or
 * SIGBUS: a read or write past the end of a mapping). Returns 1 when the op runs in a forked
 * worker: go ahead, a death by SIG during this op is planned and not a finding. Returns 0 in
 * the engine's own process: do not do it (return SFZ_SKIPPED). Programs that need it to happen
 * with one process say "procs 1 forked".
 */
int sfz_expect_crash(struct sfz_ctx *ctx, int sig);

/*
 * How many times the built-in hostile peer (peer.poke) has written into shared memory during
 * this input. A model that compares what readers see with what writers wrote must not judge
 * bytes after the peer wrote: they are supposed to differ.
 */
unsigned sfz_peer_writes(void);

/*
 * How many workers the fault plan has killed inside a call during this input. Such a worker
 * may have died half-way through an op (after IPC_RMID, before returning): a model that
 * insists an object must still be there cannot be sure of it any more.
 */
unsigned sfz_injected_deaths(void);

/*
 * Whether an op on SLOT died half-way during this input: the fault plan killed its worker
 * inside a call (before or after the real call), or the access it announced with
 * sfz_expect_crash faulted. Such an op may have done all, part or none of its work (a message
 * published by a semop right before the kill is in the ring although the op never returned),
 * so a model must accept both outcomes for that slot from then on; the simplest sound answer
 * is to stop judging the slot's contents. An op with no SFZ_ARG_SLOT argument makes every
 * slot uncertain. proc.exit does not: it leaves between calls.
 */
int sfz_slot_uncertain(unsigned slot);

#ifdef __cplusplus
}
#endif
#endif /* SHMFUZZ_ADAPTER_H */
