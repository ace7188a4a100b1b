/*
 * exec.c - run one program and collect the verdict. The schedule is followed exactly: ops run
 * in the order and in the worker the program names, one worker at a time, the others waiting
 * on their slots, so an interleaving found once replays every time. A run of consecutive ops
 * of one worker is one command (exec_internal.h): the executor steps in only where the
 * schedule switches process. Every worker's begin goes out at once (they only reset their own
 * state), the adapter's setup and worker 0's done ride along with worker 0's first and last
 * ops when the schedule allows. A program with one process and nothing that can crash or block
 * runs in the engine's own process (the fast path); any other runs in forked workers. Then, in
 * this order: each live worker's worker_done and fd check, the adapter's teardown and check
 * here in the executor (faults disarmed), and the namespace sweep, which removes whatever is
 * left so nothing accumulates across inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "exec_internal.h"
#include "fault_names.h"
#include "shmfault.h"

#define DEFAULT_OP_TIMEOUT_MS 1000u

struct sfz_exec_state sfz_state;

static size_t round_page(size_t n)
{
    return (n + 4095u) & ~(size_t)4095u;
}

/* The memory the executor shares with every worker: control blocks, channels, the program,
   then the adapter's model, page aligned. MAP_SHARED before any fork, so it outlives workers. */
static void *alloc_shared_area(size_t model_size, size_t *head)
{
    *head = round_page(sizeof(struct sfz_area));
    void *area = mmap(NULL, *head + round_page(model_size), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return area == MAP_FAILED ? NULL : area;
}

int sfz_exec_init(const struct sfz_adapter *adapter, const struct sfz_exec_options *opt,
                  char *err, size_t err_size)
{
    if (sfz_state.adapter != NULL)
        return 0;
    size_t head = 0;
    void *area = alloc_shared_area(adapter->shared_size, &head);
    void *local = calloc(1, adapter->local_size ? adapter->local_size : 1);
    if (area == NULL || local == NULL) {
        snprintf(err, err_size, "cannot allocate the executor's shared area");
        return -1;
    }
    shmfault_disarm();
    sfz_state.adapter = adapter;
    sfz_opset_init(&sfz_state.set, adapter);
    sfz_state.area = area;
    sfz_state.shared = (char *)area + head;
    sfz_state.local = local;
    sfz_state.op_timeout_ms = opt && opt->op_timeout_ms ? opt->op_timeout_ms : DEFAULT_OP_TIMEOUT_MS;
    sfz_state.always_fork = opt ? opt->always_fork : 0;
    sfz_state.isolate = opt ? opt->isolate : 0;
    sfz_state.self = SFZ_EXECUTOR;
    sfz_ns_enter(&sfz_state.private_sysv, &sfz_state.private_posix);
    sfz_coverage_share();
    return 0;
}

void sfz_exec_shutdown(void)
{
    sfz_pool_stop_all();
}

/* One process, no crash in the plan, no op that blocks or must end its process. */
static int runs_in_process(const struct sfz_program *prog)
{
    if (sfz_state.always_fork || prog->nprocs != 1 || prog->forked)
        return 0;
    for (unsigned i = 0; i < prog->nfaults; i++) {
        unsigned crash = 0;
        if (sfz_fault_is_crash(&prog->faults[i], &crash))
            return 0;
    }
    for (unsigned i = 0; i < prog->nops; i++)
        if (sfz_opset_op(&sfz_state.set, prog->ops[i].op)->flags & (SFZ_OP_BLOCKS | SFZ_OP_FORKED))
            return 0;
    return 1;
}

/* The fault rules worker W arms, in libshmfault's grammar. */
static void rules_for(const struct sfz_program *prog, unsigned w, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < prog->nfaults; i++) {
        const struct sfz_fault *f = &prog->faults[i];
        if (f->proc != SFZ_ALL_PROCS && f->proc != w)
            continue;
        if (len > 0 && len + 1 < size)
            buf[len++] = ';';
        if (sfz_fault_rule(f, buf + len, size - len) == 0)
            len += strlen(buf + len);
        buf[len] = '\0';
    }
}

struct run {
    const struct sfz_program *prog;
    struct sfz_result *res;
    int inprocess;
    int dead[SFZ_MAX_PROCS];
    pid_t crashed[SFZ_MAX_PROCS]; /* workers the fault plan killed inside a call: as many as
                                     sfz_state.area->injected_deaths counts */
    pid_t pid[SFZ_MAX_PROCS];     /* each worker's process for this command */
};

static void record(struct run *r, enum sfz_finding_kind kind, int op, const char *why)
{
    if (r->res->kind != SFZ_FIND_NONE)
        return; /* the first finding is the one to report */
    r->res->kind = kind;
    r->res->finding_op = op;
    snprintf(r->res->why, sizeof(r->res->why), "%.*s", (int)sizeof(r->res->why) - 1, why);
}

static void describe_op(struct run *r, int op, char *buf, size_t size)
{
    char step[160];
    if (op < 0) {
        snprintf(buf, size, "outside the ops");
        return;
    }
    sfz_step_print(&sfz_state.set, &r->prog->ops[op], step, sizeof(step));
    snprintf(buf, size, "op %d (%s)", op + 1, step);
}

static void harness_broken(const char *why)
{
    fprintf(stderr, "shmfuzz: harness error: %s\n", why);
    exit(3);
}

static int here(const struct run *r)
{
    return r->inprocess && !sfz_state.isolate;
}

/* Give CMD to worker W, forking it if needed, or run it here on the fast path. */
static void post(struct run *r, unsigned w, const struct sfz_cmd *cmd)
{
    struct sfz_wctl *ctl = &sfz_state.area->w[w];
    struct sfz_slot *s = &sfz_state.area->slot[w];
    ctl->finding = SFZ_FIND_NONE;
    ctl->why[0] = '\0';
    s->cur_op = -1;
    s->next = cmd->from;
    s->completed = 0;
    if (here(r)) {
        sfz_worker_handle(w, cmd);
        return;
    }
    if (sfz_pool_ensure(w) != 0)
        harness_broken("cannot fork a worker process");
    r->pid[w] = sfz_pool_pid(w);
    sfz_pool_post(w, cmd);
}

/* The outcome of every op the command finished. */
static void collect_ops(struct run *r, unsigned w, const struct sfz_cmd *cmd)
{
    const struct sfz_slot *s = &sfz_state.area->slot[w];
    if (!(cmd->stages & SFZ_DO_OPS))
        return;
    for (uint32_t i = cmd->from; i < s->next && i < cmd->to; i++) {
        struct sfz_op_result *o = &r->res->ops[i];
        const struct sfz_opout *out = &sfz_state.area->out[i];
        o->fate = SFZ_FATE_RAN;
        o->status = (uint8_t)out->status;
        o->err = out->err;
        o->injected = (uint8_t)out->injected;
    }
}

/* After W's death: the ops of CMD it never reached (OP, the one it died in, has its fate). */
static void mark_gone(struct run *r, unsigned w, const struct sfz_cmd *cmd, int op)
{
    if (!(cmd->stages & SFZ_DO_OPS))
        return;
    for (uint32_t i = sfz_state.area->slot[w].next; i < cmd->to; i++)
        if ((int)i != op)
            r->res->ops[i].fate = SFZ_FATE_GONE;
}

/* Wait for worker W's answer to CMD and turn what happened into findings. Returns 0 when the
   worker is still there afterwards. */
static int collect(struct run *r, unsigned w, const struct sfz_cmd *cmd)
{
    struct sfz_wctl *ctl = &sfz_state.area->w[w];
    char where[200], why[400], death[64];
    int wstatus = 0;
    enum sfz_reply reply = SFZ_REPLY_DONE;
    if (!here(r))
        reply = sfz_pool_wait(w, sfz_state.op_timeout_ms, &wstatus);
    collect_ops(r, w, cmd);
    int op = sfz_state.area->slot[w].cur_op;
    if (reply != SFZ_REPLY_DONE)
        mark_gone(r, w, cmd, op);
    if (reply == SFZ_REPLY_DIED && sfz_death_planned(ctl, r->pid[w], wstatus)) {
        r->dead[w] = 1;
        unsigned *n = &sfz_state.area->injected_deaths;
        if (sfz_death_injected(r->pid[w], wstatus) && *n < SFZ_MAX_PROCS)
            r->crashed[(*n)++] = r->pid[w];
        if (op >= 0) {
            r->res->ops[op].fate = SFZ_FATE_DIED;
            r->res->ops[op].wstatus = wstatus;
        }
        return -1;
    }
    if (reply != SFZ_REPLY_DONE) {
        describe_op(r, op, where, sizeof(where));
        r->dead[w] = 1;
        if (op >= 0) {
            r->res->ops[op].fate = reply == SFZ_REPLY_DIED ? SFZ_FATE_DIED : SFZ_FATE_HUNG;
            r->res->ops[op].wstatus = wstatus;
        }
        sfz_death_describe(wstatus, death, sizeof(death));
        if (reply == SFZ_REPLY_TIMEOUT)
            snprintf(why, sizeof(why), "p%u did not return from %s within %u ms", w, where,
                     sfz_state.op_timeout_ms);
        else
            snprintf(why, sizeof(why), "p%u %s during %s", w, death, where);
        record(r, reply == SFZ_REPLY_TIMEOUT ? SFZ_FIND_HANG : SFZ_FIND_CRASH, op, why);
        return -1;
    }
    if ((cmd->stages & SFZ_DO_BEGIN) && ctl->status < 0)
        harness_broken(ctl->why);
    if (ctl->finding != SFZ_FIND_NONE) {
        describe_op(r, ctl->finding_op, where, sizeof(where));
        snprintf(why, sizeof(why), "%.190s: %.200s", where, ctl->why);
        record(r, (enum sfz_finding_kind)ctl->finding, ctl->finding_op,
               ctl->finding_op >= 0 ? why : ctl->why);
    }
    return 0;
}

/* Run CMD in worker W to its end: a worker stops after a finding, and is given the rest. */
static void command(struct run *r, unsigned w, struct sfz_cmd cmd)
{
    while (cmd.stages != 0) {
        post(r, w, &cmd);
        if (collect(r, w, &cmd) != 0)
            return;
        const struct sfz_slot *s = &sfz_state.area->slot[w];
        cmd.stages &= ~s->completed;
        cmd.from = s->next;
        if (cmd.from >= cmd.to)
            cmd.stages &= ~(uint32_t)SFZ_DO_OPS;
        if (cmd.stages & SFZ_DO_BEGIN)
            harness_broken("a worker did not begin the input");
    }
}

static struct sfz_cmd make_cmd(const struct run *r, uint32_t stages, uint32_t from, uint32_t to)
{
    struct sfz_cmd c = {stages, r->prog->nprocs, !r->inprocess, from, to};
    return c;
}

/* Every worker's begin at once: each resets only its own state and libshmfault's (to the
   same zeros), so the order among them does not matter; all are done before the setup. */
static void begin_all(struct run *r)
{
    struct sfz_cmd begin = make_cmd(r, SFZ_DO_BEGIN, 0, 0);
    for (unsigned w = 0; w < r->prog->nprocs; w++)
        post(r, w, &begin);
    for (unsigned w = 0; w < r->prog->nprocs; w++)
        if (collect(r, w, &begin) == 0 && !(sfz_state.area->slot[w].completed & SFZ_DO_BEGIN))
            harness_broken("a worker did not begin the input");
}

/* The setup (worker 0, before any op), the ops in runs of one worker, then the workers' done
   in order. Worker 0's pending stages (FIRST: its begin when it is the only worker, and the
   setup) go with its first run of ops if the program starts with one, and its done with its
   last run if that ends the program. */
static void run_program(struct run *r, uint32_t first)
{
    const struct sfz_program *p = r->prog;
    int done[SFZ_MAX_PROCS] = {0};
    unsigned i = 0;
    if (!r->dead[0] && (p->nops == 0 || p->ops[0].proc != 0)) {
        uint32_t stages = first | (p->nops == 0 ? SFZ_DO_DONE : 0u);
        command(r, 0, make_cmd(r, stages, 0, 0));
        done[0] = p->nops == 0;
        first = 0;
    }
    while (i < p->nops) {
        unsigned w = p->ops[i].proc, j = i + 1;
        while (j < p->nops && p->ops[j].proc == w)
            j++;
        if (r->dead[w]) {
            for (; i < j; i++)
                r->res->ops[i].fate = SFZ_FATE_GONE;
            continue;
        }
        uint32_t stages = SFZ_DO_OPS | (w == 0 ? first : 0u);
        if (w == 0 && j == p->nops) {
            stages |= SFZ_DO_DONE;
            done[0] = 1;
        }
        if (w == 0)
            first = 0;
        command(r, w, make_cmd(r, stages, i, j));
        i = j;
    }
    for (unsigned w = 0; w < p->nprocs; w++)
        if (!r->dead[w] && !done[w])
            command(r, w, make_cmd(r, SFZ_DO_DONE, 0, 0));
}

/* Teardown and check run here, disarmed, with a zeroed local area in every mode. */
static void finish(struct run *r)
{
    const struct sfz_adapter *a = sfz_state.adapter;
    char what[200], why[300];
    struct sfz_ctx ctx = {0, r->prog->nprocs, sfz_state.local, sfz_state.shared, what,
                          sizeof(what)};
    shmfault_disarm();
    if (a->local_size)
        memset(sfz_state.local, 0, a->local_size);
    if (a->teardown)
        a->teardown(&ctx);
    what[0] = '\0';
    unsigned left = sfz_ns_sweep(what, sizeof(what), r->crashed,
                                 sfz_state.area->injected_deaths);
    if (left > 0 && !sfz_state.area->removal_failed) {
        snprintf(why, sizeof(why), "%s%s", what, left > 1 ? " (and more)" : "");
        record(r, SFZ_FIND_LEAK_IPC, -1, why);
    }
    what[0] = '\0';
    if (a->check && a->check(&ctx) == SFZ_FINDING)
        record(r, SFZ_FIND_DATA, -1, what);
}

enum sfz_finding_kind sfz_exec_run(const struct sfz_opset *set, const struct sfz_program *prog,
                                   struct sfz_result *res)
{
    struct run r = {prog, res, runs_in_process(prog), {0}, {0}, {0}};
    (void)set;
    memset(res, 0, sizeof(*res));
    res->finding_op = -1;
    res->inprocess = r.inprocess;
    if (sfz_state.adapter->shared_size)
        memset(sfz_state.shared, 0, sfz_state.adapter->shared_size);
    memset(sfz_state.area->w, 0, sizeof(sfz_state.area->w));
    memcpy(sfz_state.area->steps, prog->ops, prog->nops * sizeof(prog->ops[0]));
    sfz_state.area->peer_writes = 0;
    sfz_state.area->removal_failed = 0;
    sfz_state.area->injected_deaths = 0;
    shmfault_disarm();
    shmfault_reset();
    for (unsigned w = 0; w < prog->nprocs; w++)
        rules_for(prog, w, sfz_state.area->w[w].rules, sizeof(sfz_state.area->w[w].rules));
    uint32_t first = SFZ_DO_SETUP;
    if (prog->nprocs == 1)
        first |= SFZ_DO_BEGIN; /* nothing else to begin: one command for the whole input */
    else
        begin_all(&r);
    run_program(&r, first);
    finish(&r);
    return res->kind;
}
