/*
 * exec_worker.c - what a worker does with each command, the same code whether the "worker" is
 * the engine's own process (in-process mode) or a forked process driven through its slot in the
 * shared area. One command runs a whole run of the worker's consecutive ops. Faults are armed
 * only while an op of the code under test runs, so the harness's own calls are never counted
 * or failed. The area's view next to the model is read-only for good in every process; the
 * harness's rare writes into the area go through its own writable view (exec_internal.h), so
 * no mprotect pair is made per command or per input (in a forked worker a pair per command was
 * ~20 % of a multi-process input, in the engine's process the pair per input ~3.6 us of an
 * in-process one). The worker keeps what it found in its own memory while the command runs and
 * stores it into the live page when the command ends.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exec_internal.h"
#include "inside.h"
#include "shmfault.h"

static unsigned current_nprocs = 1;
static struct sfz_fdset fds_at_begin, fds_at_done;
/* In a forked worker, fds_at_done is what it holds now: nothing ran since its last fd check.
   Not in the engine's process, where the engine runs between inputs. */
static int fds_known;
/* Where adapter code writes a finding's reason: this process's memory, copied into the
   command's outcome after the adapter returns. */
static char adapter_why[sizeof(((struct sfz_wlive *)0)->why)];

/* The command's outcome, kept here while adapter code runs and stored into the live page by
   store_outcome when the command ends (or stops). */
static struct {
    int status, err, injected;
    int finding, finding_op;
    uint32_t completed;
    char why[sizeof(((struct sfz_wlive *)0)->why)];
} got;

static struct sfz_ctx ctx_of(unsigned w)
{
    struct sfz_ctx ctx = {w, current_nprocs, sfz_state.local, sfz_state.shared, adapter_why,
                          sizeof(adapter_why)};
    adapter_why[0] = '\0';
    return ctx;
}

/* After adapter code ran: its reason, if it wrote one, into the outcome. */
static void take_why(void)
{
    if (adapter_why[0] != '\0')
        memcpy(got.why, adapter_why, sizeof(got.why));
}

static void set_finding(enum sfz_finding_kind kind)
{
    if (got.finding == SFZ_FIND_NONE)
        got.finding = (int)kind;
}

/* Not only the last injection: a cleanup path whose IPC_RMID the plan failed may go on to a
   shmdt the plan fails too (libFuzzer found that leak-ipc on the hardened ring). The rules of
   this worker that fail a removing call with an errno, by index (shmfault_fired's). */
#define MAX_RULES 16u
static unsigned removing_rule[MAX_RULES], nremoving;

static void note_removing_rules(const char *rules)
{
    unsigned i = 0;
    nremoving = 0;
    for (const char *r = rules; *r != '\0' && i < MAX_RULES; i++) {
        size_t len = strcspn(r, ";"), name = strcspn(r, "@(");
        const char *eq = memchr(r, '=', len);
        char fn[32];
        snprintf(fn, sizeof(fn), "%.*s", (int)(name < len ? name : len), r);
        int f = shmfault_function_lookup(fn);
        if (f >= 0 && shmfault_function_removes((unsigned)f) && eq != NULL && eq[1] == 'E')
            removing_rule[nremoving++] = i; /* errno actions are E...; crashes are not */
        r += len + (r[len] == ';');
    }
}

static unsigned long removing_fired(void)
{
    unsigned long n = 0;
    for (unsigned i = 0; i < nremoving; i++)
        n += shmfault_fired(removing_rule[i]);
    return n;
}

static void handle_begin(const struct sfz_wctl *ctl, unsigned nprocs)
{
    current_nprocs = nprocs;
    if (sfz_state.self != SFZ_EXECUTOR)
        sfz_area_relock(); /* once per input: what an earlier input's library did is undone */
    if (sfz_state.adapter->local_size)
        memset(sfz_state.local, 0, sfz_state.adapter->local_size);
    if ((fds_known || (sfz_state.self == SFZ_EXECUTOR && sfz_fds_done_holds())) &&
        fds_at_done.reach != 0)
        fds_at_begin = fds_at_done;
    else
        sfz_fds_snapshot(&fds_at_begin, fds_at_done.reach);
    fds_known = 0;
    /* A forked worker's begin may come after other workers' ops of the input (it rides with
       the worker's first command): it resets only its own counters, the executor reset what
       the tree shares (the ledger, fired counts, the last injection) before the input. */
    int own = sfz_state.self != SFZ_EXECUTOR;
    shmfault_disarm();
    if (own)
        shmfault_reset_own();
    else
        shmfault_reset();
    sfz_inside_reset();
    struct shmfault_error err;
    note_removing_rules(ctl->rules);
    if (ctl->rules[0] == '\0') {
        shmfault_rules_clear();
    } else if ((own ? shmfault_rules_set_own(ctl->rules, &err)
                    : shmfault_rules_set(ctl->rules, &err)) != 0) {
        /* the harness wrote a rule libshmfault refuses: the harness is broken, not the target */
        snprintf(got.why, sizeof(got.why), "libshmfault refused rule '%.60s': %.160s",
                 ctl->rules, err.msg);
        got.status = -1;
    }
}

/* When the plan fails a call through which code removes objects, the object may stay whatever
   the code does (a cleanup cannot undo a failed IPC_RMID), so leaks are not judged. */
static int last_injection_removes(void)
{
    struct shmfault_injection inj;
    return shmfault_last_injection(&inj) == 0 && inj.action == SHMFAULT_ACT_ERRNO &&
           inj.function >= 0 && shmfault_function_removes((unsigned)inj.function);
}

/* An op that announced a crash (sfz_expect_crash) and returned: the next must not inherit it. */
static void clear_planned_signal(struct sfz_wctl *ctl)
{
    if (ctl->planned_signal != 0)
        ctl->planned_signal = 0;
}

/* Rare, and needed even if this worker dies later in the command: stored at once. */
static void note_removal_failed(void)
{
    sfz_state.area->removal_failed = 1;
}

/* One op, with the area's view next to the model read-only. */
static void handle_op(unsigned w, struct sfz_wctl *ctl, const struct sfz_step *step,
                      struct sfz_opout *out)
{
    const struct sfz_op *op = sfz_opset_op(&sfz_state.set, step->op);
    struct sfz_ctx ctx = ctx_of(w);
    unsigned long before = shmfault_injections(), removals_before = removing_fired();
    unsigned long failures_before = shmfault_failures();
    /* the hostile peer inside the call, only when asked (peer.inside, SHMFUZZ_INSIDE) */
    int inside = sfz_inside_wanted && step->op < sfz_state.adapter->nops;
    if (inside)
        sfz_inside_arm();
    errno = 0;
    shmfault_arm();
    int status = op->run(&ctx, step->argv);
    int err = errno;
    shmfault_disarm();
    if (inside)
        sfz_inside_disarm(op->name, status == SFZ_FAILED ? err : 0);
    take_why();
    clear_planned_signal(ctl);
    out->status = got.status = status;
    out->err = got.err = status == SFZ_FAILED ? err : 0;
    out->injected = got.injected = shmfault_injections() != before;
    if (got.injected && (last_injection_removes() || removing_fired() != removals_before))
        note_removal_failed();
    if (status == SFZ_FINDING)
        set_finding(SFZ_FIND_DATA);
    else if (status == SFZ_OK && got.injected && !(op->flags & SFZ_OP_NO_ERROR) &&
             sfz_error_swallowed(before, failures_before, got.why, sizeof(got.why)))
        set_finding(SFZ_FIND_BAD_ERROR);
}

static void handle_done(unsigned w)
{
    struct sfz_ctx ctx = ctx_of(w);
    if (sfz_state.adapter->worker_done)
        sfz_state.adapter->worker_done(&ctx);
    take_why();
    int fd = sfz_fds_new(&fds_at_begin, &fds_at_done);
    fds_known = sfz_state.self != SFZ_EXECUTOR;
    if (fd < 0 || got.finding != SFZ_FIND_NONE)
        return;
    char path[32], target[160];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    target[n > 0 ? n : 0] = '\0';
    snprintf(got.why, sizeof(got.why), "p%u left fd %d open after its last op (%s)", w, fd,
             target);
    set_finding(SFZ_FIND_FD_LEAK);
}

/* The adapter's teardown, as the executor's finish runs it (proc 0, disarmed, a zeroed local
   area), in the worker that ran the plan's last done: nothing of the program comes after it.
   What it does to this process's descriptors is not the next input's: that begin looks again
   (in the executor nothing ever looked at them). */
static void handle_teardown(void)
{
    struct sfz_ctx ctx = ctx_of(0);
    if (sfz_state.adapter->local_size)
        memset(sfz_state.local, 0, sfz_state.adapter->local_size);
    if (sfz_state.adapter->teardown == NULL)
        return;
    sfz_state.adapter->teardown(&ctx);
    adapter_why[0] = '\0'; /* a teardown has no finding to give (finish ignores it too) */
    fds_known = 0;
}

static void handle_setup(unsigned w)
{
    struct sfz_ctx ctx = ctx_of(w);
    int found = sfz_state.adapter->setup && sfz_state.adapter->setup(&ctx) == SFZ_FINDING;
    take_why();
    if (found)
        set_finding(SFZ_FIND_DATA);
}

static void bump(struct sfz_wlive *l)
{
    __atomic_add_fetch(&l->progress, 1u, __ATOMIC_RELAXED);
}

/* After adapter code ran: whether the harness's state is as the harness left it. A library
   that made the area writable again and wrote into it stops the command here, with cur_op
   still naming the op that did it; the executor judges, names and repairs it. */
static int area_sane(void)
{
    const char *what;
    if (sfz_area_intact(&what))
        return 1;
    sfz_area_relock(); /* the library may have made it writable: not for the rest */
    return 0;
}

/* The ops [from, to) of this worker, stopping after the first one that made a finding (the
   executor records it and sends the rest again): a finding's "why" is one op's. Each op's
   outcome goes to the live page as it ends: a worker that dies later in the run leaves the
   outcomes of the ops it finished. */
static int run_ops(unsigned w, struct sfz_wctl *ctl, struct sfz_wlive *l, const struct sfz_cmd *cmd)
{
    for (uint32_t i = cmd->from; i < cmd->to; i++) {
        bump(l);
        __atomic_store_n(&l->cur_op, (int)i, __ATOMIC_RELAXED);
        got.why[0] = '\0';
        handle_op(w, ctl, &sfz_state.area->steps[i], &sfz_state.live->out[i]);
        __atomic_store_n(&l->cur_op, (int)i, __ATOMIC_RELAXED); /* again: the op may have hit it */
        __atomic_store_n(&l->next, i + 1, __ATOMIC_RELEASE);
        /* the next op is read from the area: one this op scribbled over is not run */
        if (!area_sane() || (i + 1 < cmd->to && !sfz_step_sane(w, i + 1)))
            return -1;
        if (got.finding != SFZ_FIND_NONE) {
            got.finding_op = (int)i;
            return -1;
        }
    }
    __atomic_store_n(&l->cur_op, -1, __ATOMIC_RELAXED);
    return 0;
}

/* Setup, ops and done, as far as CMD asks and nothing stops them, the area's view next to the
   model read-only. */
static void run_stages(unsigned w, struct sfz_wctl *ctl, struct sfz_wlive *l,
                       const struct sfz_cmd *cmd)
{
    if (cmd->stages & SFZ_DO_SETUP) {
        bump(l);
        handle_setup(w);
        got.completed |= SFZ_DO_SETUP;
        if (got.finding != SFZ_FIND_NONE || !area_sane())
            return;
    }
    if (cmd->stages & SFZ_DO_OPS) {
        if (run_ops(w, ctl, l, cmd) != 0)
            return;
        got.completed |= SFZ_DO_OPS;
    }
    if (cmd->stages & SFZ_DO_DONE) {
        bump(l);
        handle_done(w);
        got.completed |= SFZ_DO_DONE;
        if (got.finding != SFZ_FIND_NONE)
            return;
    }
    if (cmd->stages & SFZ_DO_TEARDOWN) {
        bump(l);
        handle_teardown();
        got.completed |= SFZ_DO_TEARDOWN;
    }
}

/* The outcome into the live page, after the adapter code: the truth over whatever a wild write
   left there (the executor notices the write by its other traces). */
static void store_outcome(struct sfz_wlive *l)
{
    l->status = got.status;
    l->err = got.err;
    l->injected = got.injected;
    l->finding = got.finding;
    l->finding_op = got.finding_op;
    /* the reason is read as a string: its bytes up to the end, not the whole buffer (a copy
       of 256 bytes per command went through ASan's range checks) */
    size_t n = strnlen(got.why, sizeof(l->why) - 1);
    memcpy(l->why, got.why, n);
    l->why[n] = '\0';
    l->completed = got.completed;
}

void sfz_worker_handle(unsigned w, const struct sfz_cmd *cmd)
{
    struct sfz_wctl *ctl = &sfz_state.area->w[w];
    struct sfz_wlive *l = &sfz_state.live->w[w];
    if (cmd->stages & SFZ_DO_QUIT)
        _exit(0);
    got.status = got.err = got.injected = 0;
    got.completed = 0;
    got.finding = SFZ_FIND_NONE;
    got.finding_op = -1;
    got.why[0] = '\0'; /* as the executor left the live page's why; read only as a string */
    if (cmd->stages & SFZ_DO_BEGIN) {
        bump(l);
        sfz_state.crash_allowed = (int)cmd->crash_allowed;
        handle_begin(ctl, cmd->nprocs);
        if (got.status < 0) {
            store_outcome(l);
            return;
        }
        got.completed |= SFZ_DO_BEGIN;
    }
    if (cmd->stages & (SFZ_DO_SETUP | SFZ_DO_OPS | SFZ_DO_DONE | SFZ_DO_TEARDOWN))
        run_stages(w, ctl, l, cmd);
    store_outcome(l);
}

void sfz_worker_loop(unsigned w, uint32_t seq)
{
    struct sfz_slot *s = &sfz_state.live->slot[w];
    uint32_t seen = seq & ~SFZ_ACK_CHILD;
    sfz_area_relock(); /* as the executor left it, whatever its library did before the fork */
    for (;;) {
        struct sfz_cmd cmd;
        seen = (seen + 1u) & ~SFZ_ACK_CHILD; /* the executor posts one after another */
        sfz_chan_wait_cmd(w, seen, &cmd);
        sfz_worker_handle(w, &cmd);
        sfz_chan_ack(s, seen);
        if (cmd.link != 0)
            sfz_chain_next(w, &cmd); /* the next link's worker, or the executor */
    }
}

int sfz_expect_crash(struct sfz_ctx *ctx, int sig)
{
    if (!sfz_state.crash_allowed)
        return 0;
    sfz_state.area->w[ctx->proc].planned_signal = sig;
    return 1;
}
