/*
 * exec_worker.c - what a worker does with each command, the same code whether the "worker" is
 * the engine's own process (in-process mode) or a forked process driven over its socket. Faults
 * are armed only while an op of the code under test runs, so the harness's own calls are never
 * counted or failed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exec_internal.h"
#include "shmfault.h"

static unsigned current_nprocs = 1;
static struct sfz_fdset fds_at_begin;
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
    sfz_fds_snapshot(&fds_at_begin);
    shmfault_disarm();
    shmfault_reset();
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

static void handle_op(unsigned w, struct sfz_wctl *ctl, const struct sfz_cmd *cmd)
{
    const struct sfz_op *op = sfz_opset_op(&sfz_state.set, cmd->op);
    struct sfz_ctx ctx = ctx_of(w);
    unsigned long before = shmfault_injections(), removals_before = removing_fired();
    ctl->planned_signal = 0;
    errno = 0;
    sfz_area_lock();
    shmfault_arm();
    int status = op->run(&ctx, cmd->argv);
    int err = errno;
    shmfault_disarm();
    sfz_area_unlock();
    take_why(ctl);
    ctl->planned_signal = 0;
    ctl->status = status;
    ctl->err = status == SFZ_FAILED ? err : 0;
    ctl->injected = shmfault_injections() != before;
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
    int fd = sfz_fds_new(&fds_at_begin);
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

void sfz_worker_handle(unsigned w, const struct sfz_cmd *cmd)
{
    struct sfz_wctl *ctl = &sfz_state.area->w[w];
    ctl->status = 0;
    switch (cmd->kind) {
    case SFZ_CMD_BEGIN:
        sfz_state.crash_allowed = (int)cmd->argv[0];
        handle_begin(w, ctl, cmd->op);
        break;
    case SFZ_CMD_SETUP: handle_setup(w, ctl); break;
    case SFZ_CMD_OP: handle_op(w, ctl, cmd); break;
    case SFZ_CMD_DONE: handle_done(w, ctl); break;
    case SFZ_CMD_QUIT: _exit(0);
    }
}

void sfz_worker_loop(unsigned w, int in, int out)
{
    for (;;) {
        struct sfz_cmd cmd;
        ssize_t n = recv(in, &cmd, sizeof(cmd), 0);
        if (n != (ssize_t)sizeof(cmd))
            _exit(n == 0 ? 0 : 1); /* the executor went away: leave without running its code */
        sfz_worker_handle(w, &cmd);
        char ack = 1;
        if (send(out, &ack, 1, MSG_NOSIGNAL) != 1)
            _exit(0);
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
