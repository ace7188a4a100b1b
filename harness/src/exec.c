/*
 * exec.c - run one program and collect the verdict. The schedule is followed exactly: one op
 * at a time, in the worker the program names, each worker waiting on its socket in between, so
 * an interleaving found once replays every time. A program with one process and nothing that
 * can crash or block runs in the engine's own process (no round trips: the fast path); any
 * other runs in forked workers. Then, in this order: each live worker's worker_done and fd
 * check, the adapter's teardown and check here in the executor (faults disarmed), and the
 * namespace sweep, which removes whatever is left so nothing accumulates across inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "exec_internal.h"
#include "fault_names.h"
#include "shmfault.h"

#define DEFAULT_OP_TIMEOUT_MS 1000u
#define GUARD 4096u

struct sfz_exec_state sfz_state;

static size_t round_page(size_t n)
{
    return (n + 4095u) & ~(size_t)4095u;
}

int sfz_exec_init(const struct sfz_adapter *adapter, const struct sfz_exec_options *opt,
                  char *err, size_t err_size)
{
    if (sfz_state.adapter != NULL)
        return 0;
    /* guard | area | guard | model | guard: nothing the code under test maps lands next to
       the harness's state, so running off the end of a mapping faults first */
    size_t head = round_page(sizeof(struct sfz_area)), model = round_page(adapter->shared_size);
    char *all = mmap(NULL, GUARD + head + GUARD + model + GUARD, PROT_NONE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    void *local = calloc(1, adapter->local_size ? adapter->local_size : 1);
    if (all == MAP_FAILED || local == NULL ||
        mprotect(all + GUARD, head, PROT_READ | PROT_WRITE) != 0 ||
        (model > 0 && mprotect(all + GUARD + head + GUARD, model, PROT_READ | PROT_WRITE) != 0)) {
        snprintf(err, err_size, "cannot allocate the executor's shared area");
        return -1;
    }
    shmfault_disarm();
    sfz_state.adapter = adapter;
    sfz_opset_init(&sfz_state.set, adapter);
    sfz_state.area = (struct sfz_area *)(all + GUARD);
    sfz_state.area_size = head;
    sfz_state.area->magic = sfz_state.area->magic_end = SFZ_AREA_MAGIC;
    sfz_state.shared = all + GUARD + head + GUARD;
    sfz_state.local = local;
    sfz_state.op_timeout_ms = opt && opt->op_timeout_ms ? opt->op_timeout_ms : DEFAULT_OP_TIMEOUT_MS;
    sfz_state.always_fork = opt ? opt->always_fork : 0;
    sfz_state.isolate = opt ? opt->isolate : 0;
    sfz_ns_enter(&sfz_state.private_sysv, &sfz_state.private_posix);
    sfz_coverage_share();
    return 0;
}

static int area_locked; /* per process: mprotect is */

void sfz_area_lock(void)
{
    if (!area_locked && mprotect(sfz_state.area, sfz_state.area_size, PROT_READ) == 0)
        area_locked = 1;
}

int sfz_area_unlock(void)
{
    int was = area_locked;
    if (area_locked && mprotect(sfz_state.area, sfz_state.area_size, PROT_READ | PROT_WRITE) == 0)
        area_locked = 0;
    return was;
}

int sfz_area_intact(const char **what)
{
    const struct sfz_area *a = sfz_state.area;
    *what = NULL;
    if (a->magic != SFZ_AREA_MAGIC || a->magic_end != SFZ_AREA_MAGIC)
        *what = "its guard words were overwritten";
    for (unsigned w = 0; w < SFZ_MAX_PROCS && *what == NULL; w++)
        if ((unsigned)a->w[w].finding > SFZ_FIND_FD_LEAK)
            *what = "a worker's finding kind is out of range";
    return *what == NULL;
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
};

static void record(struct run *r, enum sfz_finding_kind kind, int op, const char *why)
{
    if (r->res->kind != SFZ_FIND_NONE)
        return; /* the first finding is the one to report */
    r->res->kind = kind;
    r->res->finding_op = op;
    snprintf(r->res->why, sizeof(r->res->why), "%.*s", (int)sizeof(r->res->why) - 1, why);
}

/* The op of step S died half-way by plan (a fault-plan crash, or an access the op announced
   with sfz_expect_crash): it may have done all, part or none of its work, so every slot it
   names (all slots when it names none) is uncertain for the rest of the input. proc.exit
   leaves between calls and changes nothing shared: its effect is certain. */
static void mark_uncertain(const struct sfz_step *s, const struct sfz_wctl *ctl)
{
    const struct sfz_op *op = sfz_opset_op(&sfz_state.set, s->op);
    unsigned mask = 0;
    if (ctl->planned_exit)
        return;
    for (unsigned i = 0; i < op->nargs; i++)
        if (op->args[i].kind == SFZ_ARG_SLOT)
            mask |= 1u << s->argv[i];
    sfz_state.area->uncertain_slots |= mask ? mask : (1u << SFZ_SLOTS) - 1u;
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

/* Send CMD to worker W (or run it here) and turn what happened into findings. Returns 0 when
   the worker is still there afterwards. */
static int call(struct run *r, unsigned w, struct sfz_cmd *cmd, int op)
{
    struct sfz_wctl *ctl = &sfz_state.area->w[w];
    char where[200], why[400], death[64];
    int wstatus = 0;
    enum sfz_reply reply = SFZ_REPLY_DONE;
    ctl->finding = SFZ_FIND_NONE;
    ctl->why[0] = '\0';
    if (r->inprocess && !sfz_state.isolate) {
        sfz_worker_handle(w, cmd);
    } else {
        if (sfz_pool_ensure(w) != 0)
            harness_broken("cannot fork a worker process");
        pid_t pid = sfz_pool_pid(w);
        reply = sfz_pool_call(w, cmd, sfz_state.op_timeout_ms, &wstatus);
        if (reply == SFZ_REPLY_DIED && sfz_death_planned(ctl, pid, wstatus)) {
            r->dead[w] = 1;
            unsigned *n = &sfz_state.area->injected_deaths;
            if (sfz_death_injected(pid, wstatus) && *n < SFZ_MAX_PROCS)
                r->crashed[(*n)++] = pid;
            if (op >= 0) {
                r->res->ops[op].fate = SFZ_FATE_DIED;
                r->res->ops[op].wstatus = wstatus;
                mark_uncertain(&r->prog->ops[op], ctl);
            }
            return -1;
        }
    }
    describe_op(r, op, where, sizeof(where));
    const char *broken = NULL;
    if (!sfz_area_intact(&broken)) {
        /* written by the code under test past the protection (it made the range writable
           again): judged as the crash it would have been, the area made whole again */
        snprintf(why, sizeof(why), "%s: the harness's shared state was corrupted (%s): a wild "
                 "write by the code under test", where, broken);
        memset(sfz_state.area->w, 0, sizeof(sfz_state.area->w));
        sfz_state.area->magic = sfz_state.area->magic_end = SFZ_AREA_MAGIC;
        record(r, SFZ_FIND_CRASH, op, why);
    }
    if (reply != SFZ_REPLY_DONE) {
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
    if (cmd->kind == SFZ_CMD_BEGIN && ctl->status < 0)
        harness_broken(ctl->why);
    if (ctl->finding != SFZ_FIND_NONE) {
        snprintf(why, sizeof(why), "%.190s: %.200s", where, ctl->why);
        record(r, (enum sfz_finding_kind)ctl->finding, op, op >= 0 ? why : ctl->why);
    }
    return 0;
}

static void run_ops(struct run *r)
{
    for (unsigned i = 0; i < r->prog->nops; i++) {
        const struct sfz_step *s = &r->prog->ops[i];
        struct sfz_op_result *o = &r->res->ops[i];
        if (r->dead[s->proc]) {
            o->fate = SFZ_FATE_GONE;
            continue;
        }
        struct sfz_cmd cmd = {SFZ_CMD_OP, s->op, {0}};
        memcpy(cmd.argv, s->argv, sizeof(cmd.argv));
        if (call(r, s->proc, &cmd, (int)i) != 0)
            continue;
        const struct sfz_wctl *ctl = &sfz_state.area->w[s->proc];
        o->fate = SFZ_FATE_RAN;
        o->status = (uint8_t)ctl->status;
        o->err = ctl->err;
        o->injected = (uint8_t)ctl->injected;
    }
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
    sfz_area_lock();
    if (a->teardown)
        a->teardown(&ctx);
    sfz_area_unlock();
    what[0] = '\0';
    unsigned left = sfz_ns_sweep(what, sizeof(what), r->crashed,
                                 sfz_state.area->injected_deaths);
    if (left > 0 && !sfz_state.area->removal_failed) {
        snprintf(why, sizeof(why), "%s%s", what, left > 1 ? " (and more)" : "");
        record(r, SFZ_FIND_LEAK_IPC, -1, why);
    }
    what[0] = '\0';
    sfz_area_lock();
    int broken = a->check && a->check(&ctx) == SFZ_FINDING;
    sfz_area_unlock();
    if (broken)
        record(r, SFZ_FIND_DATA, -1, what);
}

enum sfz_finding_kind sfz_exec_run(const struct sfz_opset *set, const struct sfz_program *prog,
                                   struct sfz_result *res)
{
    struct run r = {prog, res, runs_in_process(prog), {0}, {0}};
    (void)set;
    memset(res, 0, sizeof(*res));
    res->finding_op = -1;
    res->inprocess = r.inprocess;
    if (sfz_state.adapter->shared_size)
        memset(sfz_state.shared, 0, sfz_state.adapter->shared_size);
    memset(sfz_state.area->w, 0, sizeof(sfz_state.area->w));
    sfz_state.area->peer_writes = 0;
    sfz_state.area->removal_failed = 0;
    sfz_state.area->injected_deaths = 0;
    sfz_state.area->uncertain_slots = 0;
    shmfault_disarm();
    shmfault_reset();
    for (unsigned w = 0; w < prog->nprocs; w++) {
        struct sfz_cmd begin = {SFZ_CMD_BEGIN, prog->nprocs, {!r.inprocess, 0, 0, 0}};
        rules_for(prog, w, sfz_state.area->w[w].rules, sizeof(sfz_state.area->w[w].rules));
        (void)call(&r, w, &begin, -1);
    }
    struct sfz_cmd setup = {SFZ_CMD_SETUP, 0, {0}};
    if (!r.dead[0])
        (void)call(&r, 0, &setup, -1);
    run_ops(&r);
    for (unsigned w = 0; w < prog->nprocs; w++) {
        struct sfz_cmd done = {SFZ_CMD_DONE, 0, {0}};
        if (!r.dead[w])
            (void)call(&r, w, &done, -1);
    }
    finish(&r);
    return res->kind;
}
