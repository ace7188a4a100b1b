/*
 * exec_internal.h - what the executor's files share: the area every worker maps (control
 * blocks, adapter model), the commands a worker obeys, and the per-process worker state.
 */
#ifndef SFZ_EXEC_INTERNAL_H
#define SFZ_EXEC_INTERNAL_H

#include <sys/types.h>

#include "shmfuzz/exec.h"

#define SFZ_RULES_MAX 768

/* For the harness's own scans of its fixed arrays that run on every input or op (the fd looks'
   answer, the area's guard words): under ASan every load and store there is checked against
   the shadow, which cost more than the scan; the arrays are the harness's own, their bounds
   are constants, and the code under test is still checked everywhere. */
#if defined(__has_attribute)
#if __has_attribute(no_sanitize)
#define SFZ_OWN_SCAN __attribute__((no_sanitize("address")))
#endif
#endif
#ifndef SFZ_OWN_SCAN
#define SFZ_OWN_SCAN
#endif

/* One worker's control block, in the MAP_SHARED area so it survives the worker's death: what
   the executor sets up for the input and the rare notes a worker makes during an op (through
   the harness's writable view of the area). The command's outcome is in the live page (struct sfz_wlive). */
struct sfz_wctl {
    int planned_signal;      /* set by sfz_expect_crash() before an access that may fault */
    int planned_exit;        /* set by proc.exit before it leaves */
    char rules[SFZ_RULES_MAX]; /* this worker's fault rules for the current input */
};

/* What the executor asks of a worker, done in this order: one command carries a whole run of
   consecutive ops of that worker, with the input's begin, setup or done around it when the
   schedule allows. The worker stops after the first stage or op that made a finding. */
enum sfz_do {
    SFZ_DO_BEGIN = 1u,  /* reset, snapshot fds, arm this worker's rules (nprocs, crash_allowed) */
    SFZ_DO_SETUP = 2u,  /* the adapter's setup (worker 0) */
    SFZ_DO_OPS = 4u,    /* program ops [from, to), all this worker's */
    SFZ_DO_DONE = 8u,   /* worker_done and the fd check */
    SFZ_DO_TEARDOWN = 16u, /* the adapter's teardown (forked: with the plan's last done, exec.c) */
    SFZ_DO_QUIT = 32u
};
struct sfz_cmd {
    uint32_t stages;        /* enum sfz_do bits */
    uint32_t nprocs;
    uint32_t crash_allowed; /* in a forked worker: planned deaths may happen */
    uint32_t from, to;
    uint32_t link;          /* 1 + its index in the area's chain, 0 outside a chain */
    uint32_t gen;           /* the chain's number: what its last worker stores in chain_end */
};

/* The chain (exec.c): the rest of the program's commands, for the workers to hand to each
   other without the executor in between. The executor posts the first; a worker that ends
   its link cleanly (every stage done, no finding, the area as the harness left it) posts the
   next link to its worker itself; one that does not, or ends the last link, bumps chain_end,
   the word the executor sleeps on. The schedule is the same: one worker at a time, in order. */
#define SFZ_CHAIN_MAX (SFZ_MAX_OPS + SFZ_MAX_PROCS + 1)
struct sfz_link {
    struct sfz_cmd cmd;
    uint32_t worker;
    uint32_t seq;           /* the cmd_seq it is posted with */
};

/* The executor <-> worker channel: one per worker, in the live page (struct sfz_live), so a
   worker writes nothing into the area to answer or to hand over. The poster stores which
   command it posts (LINK) and bumps cmd_seq; the worker does it and stores ack = cmd_seq. The
   command itself is never in the live page: it is the area's post[w] (LINK 0, written by the
   executor) or chain link LINK - 1, and the worker takes it only when that names this worker
   and exactly this sequence number, so a wild write into the live page cannot make up a
   command. Each side spins briefly when a core is free, else sleeps on the word with a futex
   and says so in *_sleeps, so the other side only makes the wake-up system call when someone
   sleeps. No lock: a worker killed at any instruction leaves at most a stale ack, and the
   executor learns of the death from SIGCHLD (the handler sets SFZ_ACK_CHILD in the word it
   waits on) and waitpid. */
#define SFZ_ACK_CHILD 0x80000000u
struct sfz_slot {
    uint32_t cmd_seq, ack;
    uint32_t worker_sleeps, exec_sleeps;
    uint32_t link; /* the posted command: 0 the area's post[w], else the area's chain[link - 1] */
};

/* An op's outcome as the worker leaves it for the executor. */
struct sfz_opout {
    int status, err, injected;
};

/* What a worker writes for the executor: its place in the command while it runs, and the
   command's outcome when it ends. Not in the area, where the checks expect only what the
   executor left, but in a page of its own between guard pages (struct sfz_live), never
   protected: like the worker's own memory, which adapter code can reach as
   well. The outcome is stored after the command's adapter calls (the truth over whatever a
   wild write left there), and the executor range-checks what it reads. */
struct sfz_wlive {
    uint32_t progress;  /* bumped at every stage and op the worker starts: an op timeout counts
                           from the op's start, not from the command's */
    int cur_op;         /* the op running, -1 outside the ops */
    uint32_t next;      /* after OPS: the first op not done (to resume after a finding, to
                           know the ops a dead worker finished) */
    uint32_t completed; /* the stages finished (stored when the command ends) */
    int status, err, injected;
    int finding;        /* enum sfz_finding_kind found inside the worker */
    int finding_op;     /* the op it was found in, -1 outside the ops */
    char why[256];
};
struct sfz_live {
    struct sfz_wlive w[SFZ_MAX_PROCS];
    struct sfz_slot slot[SFZ_MAX_PROCS];
    uint32_t chain_at;     /* the link running (or that stopped the chain) */
    uint32_t chain_end;    /* the chain's gen when it stops (exactly that: a scribble is not
                              taken for an end); SFZ_ACK_CHILD from SIGCHLD */
    uint32_t chain_sleeps; /* the executor sleeps on chain_end */
    struct sfz_opout out[SFZ_MAX_OPS]; /* op i's outcome, written by the worker that ran it */
};

struct sfz_area {
    uint64_t magic;       /* SFZ_AREA_MAGIC: checked after every command (sfz_area_intact) */
    struct sfz_wctl w[SFZ_MAX_PROCS];
    struct sfz_link post[SFZ_MAX_PROCS]; /* the executor's last command to each worker */
    struct sfz_step steps[SFZ_MAX_OPS]; /* the program's ops, for the workers to read */
    struct sfz_link chain[SFZ_CHAIN_MAX];
    uint32_t chain_len;
    uint64_t chain_sum;      /* the executor's sfz_chain_sum, for the workers to check */
    uint32_t chain_nsteps;   /* the steps it covers (the program's ops) */
    unsigned chain_uncertain; /* uncertain_slots as the executor left it, for the same */
    unsigned peer_writes; /* peer.poke writes this input */
    unsigned injected_deaths; /* workers the fault plan killed inside a call this input */
    unsigned uncertain_slots; /* bit per slot: an op on it died half-way (sfz_slot_uncertain) */
    unsigned spin;        /* a core is free: the channel may spin before it sleeps */
    int removal_failed;   /* the fault plan failed a call that removes objects (shmctl, semctl,
                             shm_unlink, sem_unlink): leftovers are then its doing */
    uint64_t magic_end;   /* SFZ_AREA_MAGIC */
    /* a PROT_NONE guard page, the adapter's shared model (page aligned), another guard page,
       the workers' live page (struct sfz_live), a last guard page */
};
#define SFZ_AREA_MAGIC 0x53465a4152454121ull

/*
 * The area is out of the code under test's reach: guard pages on both sides of it and of the
 * model, and read-only, so a wild write faults (a crash finding with the op that did it)
 * instead of turning the verdict into garbage; the worker checks the area after every adapter
 * call all the same. That view (sfz_state.area_ro, next to the model) is read-only for good in
 * every process; the harness reads and writes the same pages through a second view at an
 * unrelated address between guard pages of its own (sfz_state.area, exec.c), so no process
 * makes a mprotect pair around adapter code or around its own rare writes during an op
 * (sfz_expect_crash, peer.poke, proc.exit, the inside peer's count). A wild write by the code
 * under test can land in that second view as in any page of the process; the guard words and
 * the range checks of sfz_area_intact after every adapter call catch what they catch there as
 * well (docs/harness.md, Executor).
 */
/* Read-only again whatever this process's library did (it may have made the view next to the
   model writable): once an input in each process, and after a check that found the area
   broken. */
void sfz_area_relock(void);
/* Whether the area still holds what only the harness writes (magics, finding kinds, the
   channels' and counters' ranges); WHAT names the first thing found broken. Cheap: a worker
   asks after every adapter call, the executor after every command. */
int sfz_area_intact(const char **what);
/* Whether step I of the area's program can be worker W's (its process, a known op). */
int sfz_step_sane(unsigned w, uint32_t i);
/* Hash of the chain as the area holds it: the program's steps and every link (the workers
   check it against the executor's before they hand over: no scribbled link is ever posted). */
uint64_t sfz_chain_sum(void);
/* Before worker W gets CMD: its live words (place, outcome) as a command starts. */
void sfz_prepare(unsigned w, const struct sfz_cmd *cmd);

/* The executor's state in every process (workers inherit it at fork). */
struct sfz_exec_state {
    const struct sfz_adapter *adapter;
    struct sfz_opset set;
    struct sfz_area *area; /* the harness's writable view of the area (not next to the model) */
    void *area_ro;         /* the same pages between the guard pages next to the model: read-only */
    size_t area_size;      /* bytes of the area (whole pages) */
    struct sfz_live *live; /* the workers' live page, after the model */
    void *shared;          /* adapter model inside area */
    void *local;           /* this process's adapter-local state */
    unsigned op_timeout_ms;
    int always_fork;
    int isolate;
    int crash_allowed;     /* in a forked worker, for this input: planned deaths may happen */
    unsigned self;         /* worker index in a worker, SFZ_EXECUTOR in the executor */
    int private_sysv, private_posix;
};
extern struct sfz_exec_state sfz_state;
#define SFZ_EXECUTOR 0xffu

/* Run command CMD as worker W (in this process): fills W's live words (cur_op, next,
   completed, the command's outcome) and the outcome of every op it ran. */
void sfz_worker_handle(unsigned w, const struct sfz_cmd *cmd);
/* The forked worker's loop: wait on slot W for commands, the first numbered one after SEQ (the
   executor's own copy, passed at the fork: the live page may be scribbled over before this
   worker runs), acknowledge each, never returns. */
void sfz_worker_loop(unsigned w, uint32_t seq) __attribute__((noreturn));

/* Worker processes and their channels (exec_pool.c). */
int sfz_pool_ensure(unsigned w);       /* fork worker W if it is not running; 0 or -1 */
enum sfz_reply { SFZ_REPLY_DONE, SFZ_REPLY_DIED, SFZ_REPLY_TIMEOUT };
/* Give CMD to worker W (sfz_pool_wait collects the answer). */
void sfz_pool_post(unsigned w, const struct sfz_cmd *cmd);
/* Start the area's chain (its links' worker and cmd filled, every worker forked): gives each
   link its sequence number and posts the first. */
void sfz_pool_chain_start(void);
/* Wait for the chain to stop: *AT is the link that stopped it (it ended the chain, stopped
   early, died or timed out, then killed); the reply is that link's. Every worker's posted
   sequence is then what the links up to *AT gave it. */
enum sfz_reply sfz_pool_chain_wait(unsigned timeout_ms, uint32_t *at, int *wstatus);
/* In a worker after its link: post the next link when this one ended cleanly; otherwise, or
   after the last, wake the executor. */
void sfz_chain_next(unsigned w, const struct sfz_cmd *cmd);
/* Wait for W's answer to the last post; an op (slot progress) taking over TIMEOUT_MS is a
   timeout, the worker then killed; *WSTATUS on death. */
enum sfz_reply sfz_pool_wait(unsigned w, unsigned timeout_ms, int *wstatus);
/* The futex channel both sides use (exec_pool.c). */
void sfz_chan_publish(uint32_t *word, uint32_t value, const uint32_t *sleeps);
/* In worker W: wait until its channel posts sequence number WANT, the one after the last
   command (exactly that, not any change), with a command the area holds for W under that
   number, and copy it to CMD. */
void sfz_chan_wait_cmd(unsigned w, uint32_t want, struct sfz_cmd *cmd);
/* Acknowledge command SEQ (the cmd_seq the worker read, not the slot's word again: a wild write
   during the command must not change what the executor waits for). */
void sfz_chan_ack(struct sfz_slot *s, uint32_t seq);
/* After the area was found corrupted: every live worker's channel words as the executor last
   left them (the idle workers sleep on unchanged words; wake-ups are made unconditionally). */
void sfz_pool_repair(void);
/* A forked worker's start (the zygote's clones start here too): PARENT is the executor, SEQ
   the last sequence number its channel was given. */
void sfz_pool_worker_main(unsigned w, pid_t parent, uint32_t seq) __attribute__((noreturn));

/* Workers forked by the zygote, a small process forked once from the executor
   (exec_zygote.c). The new worker W, the executor's child, entering sfz_pool_worker_main with
   SEQ; -1 when the zygote cannot make one (fork directly then). */
pid_t sfz_zygote_spawn(unsigned w, uint32_t seq);
/* End the zygote (sfz_pool_stop_all); a later spawn starts a new one. */
void sfz_zygote_stop(void);
pid_t sfz_pool_pid(unsigned w);
int sfz_pool_alive(unsigned w);
/* End worker W now (it left descriptors open: the next input must not inherit them, or its fd
   numbers would differ from its run alone); the next command forks a fresh one. */
void sfz_pool_retire(unsigned w);
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
    unsigned reach; /* a later look needs to go no further (oracle_fds.c); 0: look again */
};
/* Look at the descriptors a begin needs, first as far as HINT (a last reach; 0: the default). */
void sfz_fds_snapshot(struct sfz_fdset *s, unsigned hint);
/* Look again into NOW, as far as BEFORE's reach; the first fd open now and not in BEFORE, or
   -1. NOW can serve as the next begin's look when its reach is not 0. */
int sfz_fds_new(const struct sfz_fdset *before, struct sfz_fdset *now);
/* The engine opens and closes no descriptors between inputs (the driver said so). */
void sfz_fds_engine_quiet(void);
/* An input starts in the executor; HERE: in the engine's process. */
void sfz_fds_input(int here);
/* Whether the engine's process's begin may take the last done's look (oracle_fds.c). */
int sfz_fds_done_holds(void);
/* Whether a worker's end (waitpid status) was planned by the fault plan or the op. */
int sfz_death_planned(const struct sfz_wctl *ctl, pid_t pid, int wstatus);
/* Whether it was exactly the crash libshmfault last injected, in that process. */
int sfz_death_injected(pid_t pid, int wstatus);
/* Bad-error check after an op that returned SFZ_OK: 1 and WHY set when a fault injected in
   this process during the op was swallowed. The counts are libshmfault's injections (the
   tree's) and real failures (this process's) when the op began. */
int sfz_error_swallowed(unsigned long injections_before, unsigned long failures_before,
                        char *why, size_t size);
/* finding_log.c: SHMFUZZ_FINDINGS_LOG (engine drivers). init: 0, or -1 and ERR (a path that
   cannot be written); log: one line for a judged finding of input DATA (no-op when not set). */
int sfz_finding_log_init(char *err, size_t size);
void sfz_finding_log(const uint8_t *data, size_t size, const char *kind, const char *why);

/* Coverage of forked workers reaches libFuzzer's counters (coverage_share.c). */
void sfz_coverage_share(void);

/* Built-in ops (builtin_ops.c). */
unsigned sfz_builtin_count(void);
const struct sfz_op *sfz_builtin_op(unsigned i);
/* Is /dev/shm/NAME an object the hostile peer may write (peer.poke, peer.inside)? Not a
   named semaphore: its words are glibc's own state, and a peer that corrupts them makes
   sem_post abort inside glibc ("The futex facility returned an unexpected error code")
   whatever the code under test does, a crash no library can prevent or fix. */
int sfz_peer_file(const char *name);
/* Where the peer writes LEN bytes at OFF in an object of SIZE bytes (-1: it does not fit). */
int sfz_peer_place(uint64_t size, uint32_t off, uint32_t len, uint64_t *at);

#endif /* SFZ_EXEC_INTERNAL_H */
