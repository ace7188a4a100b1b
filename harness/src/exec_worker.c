/*
 * exec_worker.c - what a worker does with each command, the same code whether the "worker" is
 * the engine's own process (in-process mode) or a forked process driven through its slot in the
 * shared area. One command runs a whole run of the worker's consecutive ops. Faults are armed
 * only while an op of the code under test runs, so the harness's own calls are never counted
 * or failed.
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
   control block after the adapter returns (the area is read-only while adapter code runs). */
static char adapter_why[sizeof(((struct sfz_wctl *)0)->why)];

static struct sfz_ctx ctx_of(unsigned w)
{
    struct sfz_ctx ctx = {w, current_nprocs, sfz_state.local, sfz_state.shared, adapter_why,
                          sizeof(adapter_why)};
    adapter_why[0] = '\0';
    return ctx;
}

/* After adapter code ran: its reason, if it wrote one, into the control block. */
static void take_why(struct sfz_wctl *ctl)
{
    if (adapter_why[0] != '\0')
        memcpy(ctl->why, adapter_why, sizeof(ctl->why));
}

static void set_finding(struct sfz_wctl *ctl, enum sfz_finding_kind kind)
{
    if (ctl->finding == SFZ_FIND_NONE)
        ctl->finding = (int)kind;
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

static void handle_begin(unsigned w, struct sfz_wctl *ctl, unsigned nprocs)
{
    current_nprocs = nprocs;
    if (sfz_state.adapter->local_size)
        memset(sfz_state.local, 0, sfz_state.adapter->local_size);
    if (fds_known)
        fds_at_begin = fds_at_done;
    else
        sfz_fds_snapshot(&fds_at_begin);
    fds_known = 0;
    shmfault_disarm();
    shmfault_reset();
    sfz_inside_reset();
    struct shmfault_error err;
    note_removing_rules(ctl->rules);
    if (ctl->rules[0] == '\0') {
        shmfault_rules_clear();
    } else if (shmfault_rules_set(ctl->rules, &err) != 0) {
        /* the harness wrote a rule libshmfault refuses: the harness is broken, not the target */
        char why[sizeof(ctl->why)]; /* formatted apart: gcc -O2 cannot tell why from rules */
        snprintf(why, sizeof(why), "libshmfault refused rule '%.60s': %.160s", ctl->rules, err.msg);
        memcpy(ctl->why, why, sizeof(why));
        ctl->status = -1;
    }
    (void)w;
}

/* When the plan fails a call through which code removes objects, the object may stay whatever
   the code does (a cleanup cannot undo a failed IPC_RMID), so leaks are not judged. */
static int last_injection_removes(void)
{
    struct shmfault_injection inj;
    return shmfault_last_injection(&inj) == 0 && inj.action == SHMFAULT_ACT_ERRNO &&
           inj.function >= 0 && shmfault_function_removes((unsigned)inj.function);
}

static void handle_op(unsigned w, struct sfz_wctl *ctl, const struct sfz_step *step,
                      struct sfz_opout *out)
{
    const struct sfz_op *op = sfz_opset_op(&sfz_state.set, step->op);
    struct sfz_ctx ctx = ctx_of(w);
    unsigned long before = shmfault_injections(), removals_before = removing_fired();
    /* the hostile peer inside the call, only when asked (peer.inside, SHMFUZZ_INSIDE) */
    int inside = sfz_inside_wanted && step->op < sfz_state.adapter->nops;
    ctl->planned_signal = 0;
    if (inside)
        sfz_inside_arm();
    errno = 0;
    sfz_area_lock();
    shmfault_arm();
    int status = op->run(&ctx, step->argv);
    int err = errno;
    shmfault_disarm();
    sfz_area_unlock();
    if (inside)
        sfz_inside_disarm(op->name, status == SFZ_FAILED ? err : 0);
    take_why(ctl);
    ctl->planned_signal = 0;
    out->status = ctl->status = status;
    out->err = ctl->err = status == SFZ_FAILED ? err : 0;
    out->injected = ctl->injected = shmfault_injections() != before;
    if (ctl->injected && (last_injection_removes() || removing_fired() != removals_before))
        sfz_state.area->removal_failed = 1;
    if (status == SFZ_FINDING)
        set_finding(ctl, SFZ_FIND_DATA);
    else if (status == SFZ_OK && ctl->injected && !(op->flags & SFZ_OP_NO_ERROR) &&
             sfz_error_swallowed(before, ctl->why, sizeof(ctl->why)))
        set_finding(ctl, SFZ_FIND_BAD_ERROR);
}

static void handle_done(unsigned w, struct sfz_wctl *ctl)
{
    struct sfz_ctx ctx = ctx_of(w);
    sfz_area_lock();
    if (sfz_state.adapter->worker_done)
        sfz_state.adapter->worker_done(&ctx);
    sfz_area_unlock();
    take_why(ctl);
    int fd = sfz_fds_new(&fds_at_begin, &fds_at_done);
    fds_known = sfz_state.self != SFZ_EXECUTOR;
    if (fd < 0 || ctl->finding != SFZ_FIND_NONE)
        return;
    char path[32], target[160];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    target[n > 0 ? n : 0] = '\0';
    snprintf(ctl->why, sizeof(ctl->why), "p%u left fd %d open after its last op (%s)", w, fd,
             target);
    set_finding(ctl, SFZ_FIND_FD_LEAK);
}

static void handle_setup(unsigned w, struct sfz_wctl *ctl)
{
    struct sfz_ctx ctx = ctx_of(w);
    sfz_area_lock();
    int found = sfz_state.adapter->setup && sfz_state.adapter->setup(&ctx) == SFZ_FINDING;
    sfz_area_unlock();
    take_why(ctl);
    if (found)
        set_finding(ctl, SFZ_FIND_DATA);
}

static void bump(struct sfz_slot *s)
{
    __atomic_add_fetch(&s->progress, 1u, __ATOMIC_RELAXED);
}

/* After adapter code ran: whether the harness's state is as the harness left it. A library
   that made the area writable again and wrote into it stops the command here, with cur_op
   still naming the op that did it; the executor judges, names and repairs it. */
static int area_sane(void)
{
    const char *what;
    return sfz_area_intact(&what);
}

/* This process's copy of the run's outcomes, put into the area when the run stops: a wild
   write by a later op of the run cannot change what an earlier one returned. */
static struct sfz_opout outcome[SFZ_MAX_OPS];

static int stop_run(const struct sfz_cmd *cmd, uint32_t next, int stopped)
{
    memcpy(&sfz_state.area->out[cmd->from], &outcome[cmd->from],
           (next - cmd->from) * sizeof(outcome[0]));
    return stopped;
}

/* The ops [from, to) of this worker, stopping after the first one that made a finding (the
   executor records it and sends the rest again): a finding's "why" is one op's. */
static int run_ops(unsigned w, struct sfz_wctl *ctl, struct sfz_slot *s, const struct sfz_cmd *cmd)
{
    for (uint32_t i = cmd->from; i < cmd->to; i++) {
        bump(s);
        __atomic_store_n(&s->cur_op, (int)i, __ATOMIC_RELAXED);
        ctl->why[0] = '\0';
        handle_op(w, ctl, &sfz_state.area->steps[i], &outcome[i]);
        __atomic_store_n(&s->cur_op, (int)i, __ATOMIC_RELAXED); /* again: the op may have hit it */
        s->next = i + 1;
        /* the next op is read from the area: one this op scribbled over is not run */
        if (!area_sane() || (i + 1 < cmd->to && !sfz_step_sane(w, i + 1)))
            return stop_run(cmd, i + 1, -1);
        if (ctl->finding != SFZ_FIND_NONE) {
            ctl->finding_op = (int)i;
            return stop_run(cmd, i + 1, -1);
        }
    }
    __atomic_store_n(&s->cur_op, -1, __ATOMIC_RELAXED);
    return stop_run(cmd, cmd->to, 0);
}

void sfz_worker_handle(unsigned w, const struct sfz_cmd *cmd)
{
    struct sfz_wctl *ctl = &sfz_state.area->w[w];
    struct sfz_slot *s = &sfz_state.area->slot[w];
    /* kept here and stored whole after each stage: a wild write into the slot during adapter
       code is overwritten with the truth before the executor reads it */
    uint32_t completed = 0;
    ctl->status = 0;
    ctl->finding_op = -1;
    if (cmd->stages & SFZ_DO_QUIT)
        _exit(0);
    if (cmd->stages & SFZ_DO_BEGIN) {
        bump(s);
        sfz_state.crash_allowed = (int)cmd->crash_allowed;
        handle_begin(w, ctl, cmd->nprocs);
        if (ctl->status < 0)
            return;
        s->completed = completed |= SFZ_DO_BEGIN;
    }
    if (cmd->stages & SFZ_DO_SETUP) {
        bump(s);
        handle_setup(w, ctl);
        s->completed = completed |= SFZ_DO_SETUP;
        if (ctl->finding != SFZ_FIND_NONE || !area_sane())
            return;
    }
    if (cmd->stages & SFZ_DO_OPS) {
        int stopped = run_ops(w, ctl, s, cmd);
        s->completed = completed;
        if (stopped != 0)
            return;
        s->completed = completed |= SFZ_DO_OPS;
    }
    if (cmd->stages & SFZ_DO_DONE) {
        bump(s);
        handle_done(w, ctl);
        s->completed = completed |= SFZ_DO_DONE;
    }
}

void sfz_worker_loop(unsigned w)
{
    struct sfz_slot *s = &sfz_state.area->slot[w];
    /* the executor set ack to cmd_seq before the fork and posts nothing before it */
    uint32_t seen = __atomic_load_n(&s->ack, __ATOMIC_RELAXED) & ~SFZ_ACK_CHILD;
    for (;;) {
        seen = (seen + 1u) & ~SFZ_ACK_CHILD; /* the executor posts one after another */
        sfz_chan_wait_cmd(s, seen);
        struct sfz_cmd cmd = s->cmd;
        sfz_worker_handle(w, &cmd);
        sfz_chan_ack(s, seen);
    }
}

int sfz_expect_crash(struct sfz_ctx *ctx, int sig)
{
    if (!sfz_state.crash_allowed)
        return 0;
    int locked = sfz_area_unlock();
    sfz_state.area->w[ctx->proc].planned_signal = sig;
    if (locked)
        sfz_area_lock();
    return 1;
}
