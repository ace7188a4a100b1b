/*
 * exec_internal.h - what the executor's files share: the area every worker maps (control
 * blocks, adapter model), the commands a worker obeys, and the per-process worker state.
 */
#ifndef SFZ_EXEC_INTERNAL_H
#define SFZ_EXEC_INTERNAL_H

#include <sys/types.h>

#include "shmfuzz/exec.h"

#define SFZ_RULES_MAX 768

/* One worker's control block, in the MAP_SHARED area so it survives the worker's death. */
struct sfz_wctl {
    int planned_signal;      /* set by sfz_expect_crash() before an access that may fault */
    int planned_exit;        /* set by proc.exit before it leaves */
    int status, err, injected;
    int finding;             /* enum sfz_finding_kind found inside the worker */
    char why[256];
    char rules[SFZ_RULES_MAX]; /* this worker's fault rules for the current input */
};

struct sfz_area {
    uint64_t magic;       /* SFZ_AREA_MAGIC: checked after every command (sfz_area_intact) */
    struct sfz_wctl w[SFZ_MAX_PROCS];
    unsigned peer_writes; /* peer.poke writes this input */
    unsigned injected_deaths; /* workers the fault plan killed inside a call this input */
    unsigned uncertain_slots; /* bit per slot: an op on it died half-way (sfz_slot_uncertain) */
    int removal_failed;   /* the fault plan failed a call that removes objects (shmctl, semctl,
                             shm_unlink, sem_unlink): leftovers are then its doing */
    uint64_t magic_end;   /* SFZ_AREA_MAGIC */
    /* a PROT_NONE guard page, the adapter's shared model (page aligned), another guard page */
};
#define SFZ_AREA_MAGIC 0x53465a4152454121ull

/*
 * The area is out of the code under test's reach: guard pages on both sides of it and of the
 * model, and read-only in a worker while adapter code runs (ops, setup, worker_done; in the
 * executor: teardown, check), so a wild write faults (a crash finding with the op that did it)
 * instead of turning the verdict into garbage. sfz_area_unlock returns whether it was locked:
 * the harness's own writes during an op (sfz_expect_crash, peer.poke) unlock and lock again.
 */
void sfz_area_lock(void);
int sfz_area_unlock(void);
/* Whether the area still holds what only the harness writes (magics, a known finding kind). */
int sfz_area_intact(const char **what);

enum sfz_cmd_kind { SFZ_CMD_BEGIN = 1, SFZ_CMD_SETUP, SFZ_CMD_OP, SFZ_CMD_DONE, SFZ_CMD_QUIT };
struct sfz_cmd {
    uint32_t kind;
    uint32_t op;
    uint32_t argv[SFZ_MAX_ARGS];
};

/* The executor's state in every process (workers inherit it at fork). */
struct sfz_exec_state {
    const struct sfz_adapter *adapter;
    struct sfz_opset set;
    struct sfz_area *area;
    size_t area_size;      /* bytes of the area (whole pages), what sfz_area_lock protects */
    void *shared;          /* adapter model inside area */
    void *local;           /* this process's adapter-local state */
    unsigned op_timeout_ms;
    int always_fork;
    int isolate;
    int crash_allowed;     /* in a forked worker, for this input: planned deaths may happen */
    unsigned self;         /* worker index in a worker */
    int private_sysv, private_posix;
};
extern struct sfz_exec_state sfz_state;

/* Run one command as worker W (in this process). Fills the control block. BEGIN carries the
   process count in op and "crashes may be planned" in argv[0]. */
void sfz_worker_handle(unsigned w, const struct sfz_cmd *cmd);
/* The forked worker's loop: read commands from IN, acknowledge on OUT, never returns. */
void sfz_worker_loop(unsigned w, int in, int out) __attribute__((noreturn));

/* Worker processes (exec_pool.c). */
int sfz_pool_ensure(unsigned w);       /* fork worker W if it is not running; 0 or -1 */
enum sfz_reply { SFZ_REPLY_DONE, SFZ_REPLY_DIED, SFZ_REPLY_TIMEOUT };
/* Send CMD to worker W and wait up to TIMEOUT_MS (0: forever); *WSTATUS on death. */
enum sfz_reply sfz_pool_call(unsigned w, const struct sfz_cmd *cmd, unsigned timeout_ms,
                             int *wstatus);
pid_t sfz_pool_pid(unsigned w);
int sfz_pool_alive(unsigned w);
void sfz_pool_stop_all(void);

/* Namespaces and leftovers (namespace.c). */
void sfz_ns_enter(int *private_sysv, int *private_posix);
/* Remove every IPC object left; returns how many were leaks, with the first described in
   WHAT. Objects libshmfault's ledger says one of the EXCUSED processes created (processes the
   fault plan killed inside a call) are removed but not counted: they are the crash's. */
unsigned sfz_ns_sweep(char *what, size_t what_size, const pid_t *excused, unsigned nexcused);

/* Oracles. */
struct sfz_fdset {
    unsigned char open[256];
};
void sfz_fds_snapshot(struct sfz_fdset *s);
/* First fd open now and not in BEFORE, or -1. */
int sfz_fds_new(const struct sfz_fdset *before);
/* Whether a worker's end (waitpid status) was planned by the fault plan or the op. */
int sfz_death_planned(const struct sfz_wctl *ctl, pid_t pid, int wstatus);
/* Whether it was exactly the crash libshmfault last injected, in that process. */
int sfz_death_injected(pid_t pid, int wstatus);
/* Bad-error check after an op that returned SFZ_OK: 1 and WHY set when a fault injected in
   this process during the op was swallowed. */
int sfz_error_swallowed(unsigned long injections_before, char *why, size_t size);

/* Coverage of forked workers reaches libFuzzer's counters (coverage_share.c). */
void sfz_coverage_share(void);

/* Built-in ops (builtin_ops.c). */
unsigned sfz_builtin_count(void);
const struct sfz_op *sfz_builtin_op(unsigned i);

#endif /* SFZ_EXEC_INTERNAL_H */
