/*
 * exec.c - run one program and collect the verdict. The schedule is followed exactly: ops run
 * in the order and in the worker the program names, one worker at a time, the others waiting
 * on their slots, so an interleaving found once replays every time. A run of consecutive ops
 * of one worker is one command (exec_internal.h): the executor steps in only where the
 * schedule switches process. Each worker's begin rides with its first command (it resets only
 * its own state), worker 0's with the adapter's setup, and worker 0's done with its last ops
 * when the schedule allows. A program with one process and nothing that can crash or block
 * runs in the engine's own process (the fast path); any other runs in forked workers. Then, in
 * this order: each live worker's worker_done and fd check, the adapter's teardown (faults
 * disarmed; in forked workers by the worker of the last done, with it), the namespace sweep,
 * which removes whatever is left so nothing accumulates across inputs, and the adapter's check
 * here in the executor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

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

/* A second view of the LEN bytes at AREA (part of the MAP_SHARED mapping ALL, of the memfd FD
   at offset GUARD, or anonymous when FD is -1): the same pages, writable, at an unrelated
   address between guard pages of its own. mremap with an old size of 0 on a shared mapping
   makes it without a descriptor; Valgrind refuses that, and maps FD again instead. NULL when
   neither works. */
static char *second_view(char *area, size_t len, int fd)
{
    char *res = mmap(NULL, GUARD + len + GUARD, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (res == MAP_FAILED)
        return NULL;
    void *v = fd < 0 ? mremap(area, 0, len, MREMAP_MAYMOVE | MREMAP_FIXED, res + GUARD)
                     : mmap(res + GUARD, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
                            GUARD);
    if (v == MAP_FAILED) {
        (void)munmap(res, GUARD + len + GUARD);
        return NULL;
    }
    return v;
}

/* The memory the executor shares with every worker: control blocks, channels and the program
   (the whole struct sfz_area, *HEAD bytes), then the adapter's model, page aligned, then the
   workers' live page (struct sfz_live). MAP_SHARED before any fork, so it outlives workers.
   Laid out guard | area | guard | model | guard | live | guard: nothing the code under test
   maps lands next to the harness's state, so running off the end of a mapping faults first.
   The area is read-only there for good; *VIEW is the harness's writable view of it
   (second_view). Anonymous memory, or, where mremap cannot make the second view (Valgrind), a
   memfd closed before this returns: no descriptor is ever left for the program to see.
   Returns the area (the model follows it after a guard, the live page after another). */
static char *alloc_shared_area(size_t model_size, size_t *head, char **view)
{
    size_t model = round_page(model_size), live = round_page(sizeof(struct sfz_live));
    *head = round_page(sizeof(struct sfz_area));
    size_t total = GUARD + *head + GUARD + model + GUARD + live + GUARD;
    for (int fallback = 0; fallback < 2; fallback++) {
        int fd = fallback ? memfd_create("shmfuzz-area", MFD_CLOEXEC) : -1;
        if (fallback && (fd < 0 || ftruncate(fd, (off_t)total) != 0)) {
            if (fd >= 0)
                (void)close(fd);
            return NULL;
        }
        char *all = mmap(NULL, total, PROT_NONE, MAP_SHARED | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0);
        char *a = all == MAP_FAILED ? NULL : all + GUARD;
        int ok = a != NULL &&
                 mprotect(a, *head, PROT_READ | PROT_WRITE) == 0 &&
                 (model == 0 || mprotect(a + *head + GUARD, model, PROT_READ | PROT_WRITE) == 0) &&
                 mprotect(a + *head + GUARD + model + GUARD, live, PROT_READ | PROT_WRITE) == 0 &&
                 (*view = second_view(a, *head, fd)) != NULL &&
                 mprotect(a, *head, PROT_READ) == 0;
        if (fd >= 0)
            (void)close(fd);
        if (ok)
            return a;
        if (all != MAP_FAILED)
            (void)munmap(all, total);
    }
    return NULL;
}

int sfz_exec_init(const struct sfz_adapter *adapter, const struct sfz_exec_options *opt,
                  char *err, size_t err_size)
{
    if (sfz_state.adapter != NULL)
        return 0;
    size_t head = 0;
    char *view = NULL;
    char *area = alloc_shared_area(adapter->shared_size, &head, &view);
    void *local = calloc(1, adapter->local_size ? adapter->local_size : 1);
    if (area == NULL || local == NULL) {
        snprintf(err, err_size, "cannot allocate the executor's shared area");
        return -1;
    }
    shmfault_disarm();
    sfz_state.adapter = adapter;
    sfz_opset_init(&sfz_state.set, adapter);
    sfz_state.area = (struct sfz_area *)view;
    sfz_state.area_ro = area;
    sfz_state.area_size = head;
    sfz_state.area->magic = sfz_state.area->magic_end = SFZ_AREA_MAGIC;
    sfz_state.shared = area + head + GUARD;
    sfz_state.live = (struct sfz_live *)(area + head + GUARD + round_page(adapter->shared_size) +
                                         GUARD);
    sfz_state.local = local;
    sfz_state.op_timeout_ms = opt && opt->op_timeout_ms ? opt->op_timeout_ms : DEFAULT_OP_TIMEOUT_MS;
    sfz_state.always_fork = opt ? opt->always_fork : 0;
    sfz_state.isolate = opt ? opt->isolate : 0;
    sfz_state.self = SFZ_EXECUTOR;
    sfz_ns_enter(&sfz_state.private_sysv, &sfz_state.private_posix);
    sfz_coverage_share();
    return 0;
}

/* The system call itself: a sanitizer's mprotect interceptor only adds its own work (the area
   is the harness's own mapping). Where nothing changed (the view is read-only already) the
   kernel returns before any TLB flush: ~0.3 us. */
void sfz_area_relock(void)
{
    (void)syscall(SYS_mprotect, sfz_state.area_ro, sfz_state.area_size, PROT_READ);
}

/* Worker W's words: its place and outcome and channel in the live page, the executor's last
   command to it in the area. */
SFZ_OWN_SCAN static const char *worker_broken(unsigned w)
{
    const struct sfz_wlive *l = &sfz_state.live->w[w];
    const struct sfz_slot *s = &sfz_state.live->slot[w];
    const struct sfz_cmd *c = &sfz_state.area->post[w].cmd;
    if (l->cur_op < -1 || l->cur_op >= SFZ_MAX_OPS || l->next > SFZ_MAX_OPS)
        return "a worker's channel names an op out of range";
    if ((l->completed & ~(uint32_t)(SFZ_DO_BEGIN | SFZ_DO_SETUP | SFZ_DO_OPS | SFZ_DO_DONE |
                                    SFZ_DO_TEARDOWN)) ||
        (c->stages & ~(uint32_t)(2 * SFZ_DO_QUIT - 1)) || (s->cmd_seq & SFZ_ACK_CHILD) ||
        c->from > c->to || c->to > SFZ_MAX_OPS || c->link > SFZ_CHAIN_MAX ||
        s->link > SFZ_CHAIN_MAX)
        return "a worker's channel holds values the harness never writes";
    if ((unsigned)l->finding > SFZ_FIND_FD_LEAK || l->finding_op < -1 ||
        l->finding_op >= SFZ_MAX_OPS)
        return "a worker's finding is out of range";
    return NULL;
}

SFZ_OWN_SCAN int sfz_area_intact(const char **what)
{
    const struct sfz_area *a = sfz_state.area;
    *what = NULL;
    if (a->magic != SFZ_AREA_MAGIC || a->magic_end != SFZ_AREA_MAGIC)
        *what = "its guard words were overwritten";
    else if (a->injected_deaths > SFZ_MAX_PROCS || a->uncertain_slots >= 1u << SFZ_SLOTS ||
             (unsigned)a->removal_failed > 1 || a->spin > 1)
        *what = "a verdict counter is out of range";
    else if (a->chain_len > SFZ_CHAIN_MAX || sfz_state.live->chain_at >= SFZ_CHAIN_MAX)
        *what = "the chain of commands is out of range";
    for (unsigned w = 0; w < SFZ_MAX_PROCS && *what == NULL; w++)
        *what = worker_broken(w);
    return *what == NULL;
}

int sfz_step_sane(unsigned w, uint32_t i)
{
    const struct sfz_step *st = &sfz_state.area->steps[i];
    return i < SFZ_MAX_OPS && st->proc == w && st->op < sfz_state.set.nops;
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
    unsigned uncertain;           /* what sfz_state.area->uncertain_slots must hold */
    int torn_down;                /* a worker ran the teardown with the plan's last done */
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
static void mark_uncertain(struct run *r, const struct sfz_step *s, const struct sfz_wctl *ctl)
{
    const struct sfz_op *op = sfz_opset_op(&sfz_state.set, s->op);
    unsigned mask = 0;
    if (ctl->planned_exit)
        return;
    for (unsigned i = 0; i < op->nargs; i++)
        if (op->args[i].kind == SFZ_ARG_SLOT)
            mask |= 1u << s->argv[i];
    r->uncertain |= mask ? mask : (1u << SFZ_SLOTS) - 1u;
    sfz_state.area->uncertain_slots = r->uncertain;
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
void sfz_prepare(unsigned w, const struct sfz_cmd *cmd)
{
    struct sfz_wlive *l = &sfz_state.live->w[w];
    l->finding = SFZ_FIND_NONE;
    l->why[0] = '\0';
    l->cur_op = -1;
    l->next = cmd->from;
    l->completed = 0;
}

/* A multiply-xorshift hash in four independent lanes of 64-bit words, then the tail: a check
   against scribbles, not a secret. Every worker computes it before each hand-over, so it is
   made for speed (FNV-1a word by word was ~1 % of a two-process input). */
static uint64_t mix(uint64_t h, uint64_t v)
{
    h = (h ^ v) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

SFZ_OWN_SCAN static uint64_t hash_words(uint64_t h, const void *p, size_t size)
{
    const char *c = p;
    uint64_t lane[4] = {h, h + 1, h + 2, h + 3}, w[4];
    size_t i = 0;
    for (; i + sizeof(w) <= size; i += sizeof(w)) {
        memcpy(w, c + i, sizeof(w));
        for (unsigned k = 0; k < 4; k++)
            lane[k] = mix(lane[k], w[k]);
    }
    for (; i + sizeof(w[0]) <= size; i += sizeof(w[0])) {
        memcpy(&w[0], c + i, sizeof(w[0]));
        lane[0] = mix(lane[0], w[0]);
    }
    uint32_t word = 0;
    if (i + sizeof(word) <= size) {
        memcpy(&word, c + i, sizeof(word));
        lane[1] = mix(lane[1], word);
    }
    return mix(mix(mix(mix(size, lane[0]), lane[1]), lane[2]), lane[3]);
}

uint64_t sfz_chain_sum(void)
{
    const struct sfz_area *a = sfz_state.area;
    uint32_t nsteps = a->chain_nsteps < SFZ_MAX_OPS ? a->chain_nsteps : SFZ_MAX_OPS;
    uint32_t nlinks = a->chain_len < SFZ_CHAIN_MAX ? a->chain_len : SFZ_CHAIN_MAX;
    _Static_assert(sizeof(struct sfz_step) % 4 == 0 && sizeof(struct sfz_link) % 4 == 0,
                   "hashed by words");
    uint64_t h = mix(mix(0xcbf29ce484222325ull, a->chain_nsteps), a->chain_len);
    h = hash_words(h, a->steps, nsteps * sizeof(a->steps[0]));
    return hash_words(h, a->chain, nlinks * sizeof(a->chain[0]));
}

static void post(struct run *r, unsigned w, const struct sfz_cmd *cmd)
{
    sfz_prepare(w, cmd);
    if (here(r)) {
        sfz_worker_handle(w, cmd);
        return;
    }
    if (sfz_pool_ensure(w) != 0)
        harness_broken("cannot fork a worker process");
    r->pid[w] = sfz_pool_pid(w);
    sfz_pool_post(w, cmd);
}

/* The op of CMD worker W was in when it stopped (died, was killed, found something, or saw
   the area corrupted after it), or -1: outside the command's ops. */
static int op_of(unsigned w, const struct sfz_cmd *cmd)
{
    int op = sfz_state.live->w[w].cur_op;
    if (!(cmd->stages & SFZ_DO_OPS) || op < (int)cmd->from || op >= (int)cmd->to)
        return -1;
    return op;
}

/* Whether what the harness shares with the workers still holds what only it writes, for the
   whole area: guard words, verdict counters, every worker's control block and channel, the
   program the workers read, and W's progress through CMD. */
static const char *area_broken(const struct run *r, unsigned w, const struct sfz_cmd *cmd)
{
    const struct sfz_area *a = sfz_state.area;
    const struct sfz_wlive *s = &sfz_state.live->w[w];
    const char *what = NULL;
    if (!sfz_area_intact(&what))
        return what;
    if (memcmp(a->steps, r->prog->ops, r->prog->nops * sizeof(r->prog->ops[0])) != 0)
        return "the program the workers read was changed";
    if (a->uncertain_slots != r->uncertain)
        return "the uncertain slots were changed";
    if ((cmd->stages & SFZ_DO_OPS) && (s->next < cmd->from || s->next > cmd->to))
        return "a worker's progress is out of its command";
    return NULL;
}

/* Put back what the harness wrote (the control blocks are zeroed: only this command's
   finding was in them, and the corruption is the finding now). W's progress through CMD is
   put back as the worker stored it after the adapter code (NEXT, COMPLETED), or, when that is
   out of range too, the command counts as done: a command always ends. */
static void area_repair(const struct run *r, unsigned w, const struct sfz_cmd *cmd, uint32_t next,
                        uint32_t completed)
{
    struct sfz_area *a = sfz_state.area;
    unsigned crashed = 0;
    for (unsigned i = 0; i < SFZ_MAX_PROCS; i++)
        crashed += r->crashed[i] != 0;
    memset(a->w, 0, sizeof(a->w));
    for (unsigned i = 0; i < SFZ_MAX_PROCS; i++) {
        struct sfz_wlive *l = &sfz_state.live->w[i];
        uint32_t progress = l->progress;
        memset(l, 0, sizeof(*l));
        l->progress = progress;
        l->finding_op = l->cur_op = -1;
        a->post[i].cmd.stages = a->post[i].cmd.from = a->post[i].cmd.to = a->post[i].cmd.link = 0;
    }
    sfz_state.live->chain_at = 0;
    memcpy(a->steps, r->prog->ops, r->prog->nops * sizeof(r->prog->ops[0]));
    a->uncertain_slots = r->uncertain;
    a->injected_deaths = crashed;
    a->removal_failed = a->removal_failed != 0;
    a->spin = 0;
    a->magic = a->magic_end = SFZ_AREA_MAGIC;
    sfz_pool_repair();
    int ok = (completed & ~cmd->stages) == 0 &&
             (!(cmd->stages & SFZ_DO_OPS) || (next >= cmd->from && next <= cmd->to));
    sfz_state.live->w[w].next = ok ? next : cmd->to;
    sfz_state.live->w[w].completed = ok ? completed : cmd->stages;
}

/* After worker W's command CMD: a write into the area by the code under test past the
   protection (it made the range writable again) is judged as the crash it would have been,
   naming OP, and the area is made whole again; the reply is then handled as usual. */
static void check_area(struct run *r, unsigned w, const struct sfz_cmd *cmd, int op)
{
    uint32_t next = sfz_state.live->w[w].next, completed = sfz_state.live->w[w].completed;
    const char *broken = area_broken(r, w, cmd);
    if (broken == NULL)
        return;
    char where[200], why[400];
    describe_op(r, op, where, sizeof(where));
    snprintf(why, sizeof(why), "%s: the harness's shared state was corrupted (%s): a wild "
             "write by the code under test", where, broken);
    area_repair(r, w, cmd, next, completed);
    record(r, SFZ_FIND_CRASH, op, why);
}

/* The outcome of every op the command finished. */
static void collect_ops(struct run *r, unsigned w, const struct sfz_cmd *cmd)
{
    const struct sfz_wlive *s = &sfz_state.live->w[w];
    if (!(cmd->stages & SFZ_DO_OPS))
        return;
    for (uint32_t i = cmd->from; i < s->next && i < cmd->to; i++) {
        struct sfz_op_result *o = &r->res->ops[i];
        const struct sfz_opout *out = &sfz_state.live->out[i];
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
    for (uint32_t i = sfz_state.live->w[w].next; i < cmd->to; i++)
        if ((int)i != op)
            r->res->ops[i].fate = SFZ_FATE_GONE;
}

/* Turn worker W's answer to CMD (REPLY, WSTATUS on a death) into findings. Returns 0 when the
   worker is still there afterwards. */
static int judge(struct run *r, unsigned w, const struct sfz_cmd *cmd, enum sfz_reply reply,
                 int wstatus)
{
    struct sfz_wctl *ctl = &sfz_state.area->w[w];
    const struct sfz_wlive *got = &sfz_state.live->w[w];
    char where[200], why[400], death[64];
    int op = op_of(w, cmd);
    check_area(r, w, cmd, op);
    collect_ops(r, w, cmd);
    if (reply != SFZ_REPLY_DONE) {
        mark_gone(r, w, cmd, op);
        if (op >= 0) /* killed inside the op, by plan or by the timeout */
            mark_uncertain(r, &r->prog->ops[op], ctl);
    }
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
    if ((cmd->stages & SFZ_DO_BEGIN) && got->status < 0)
        harness_broken(got->why);
    if (got->completed & cmd->stages & SFZ_DO_TEARDOWN)
        r->torn_down = 1;
    if (got->finding != SFZ_FIND_NONE) {
        describe_op(r, got->finding_op, where, sizeof(where));
        snprintf(why, sizeof(why), "%.190s: %.200s", where, got->why);
        record(r, (enum sfz_finding_kind)got->finding, got->finding_op,
               got->finding_op >= 0 ? why : got->why);
    }
    if (got->finding == SFZ_FIND_FD_LEAK && !here(r))
        sfz_pool_retire(w);
    return 0;
}

/* Wait for worker W's answer to CMD and judge it (judge's result). */
static int collect(struct run *r, unsigned w, const struct sfz_cmd *cmd)
{
    int wstatus = 0;
    enum sfz_reply reply = SFZ_REPLY_DONE;
    if (!here(r))
        reply = sfz_pool_wait(w, sfz_state.op_timeout_ms, &wstatus);
    return judge(r, w, cmd, reply, wstatus);
}

/* What is left of CMD after worker W answered it (and lives): the stages and ops not done. */
static struct sfz_cmd rest_of(unsigned w, struct sfz_cmd cmd)
{
    cmd.stages &= ~sfz_state.live->w[w].completed;
    /* a teardown the worker did not reach (it stopped at a finding first) is the executor's,
       as it always is in the engine's process (finish) */
    cmd.stages &= ~(uint32_t)SFZ_DO_TEARDOWN;
    cmd.from = sfz_state.live->w[w].next;
    if (cmd.from >= cmd.to)
        cmd.stages &= ~(uint32_t)SFZ_DO_OPS;
    if (cmd.stages & SFZ_DO_BEGIN)
        harness_broken("a worker did not begin the input");
    cmd.link = 0;
    return cmd;
}

/* Run CMD in worker W to its end: a worker stops after a finding, and is given the rest. */
static void command(struct run *r, unsigned w, struct sfz_cmd cmd)
{
    while (cmd.stages != 0) {
        post(r, w, &cmd);
        if (collect(r, w, &cmd) != 0)
            return;
        cmd = rest_of(w, cmd);
    }
}

static struct sfz_cmd make_cmd(const struct run *r, uint32_t stages, uint32_t from, uint32_t to)
{
    struct sfz_cmd c = {stages, r->prog->nprocs, !r->inprocess, from, to, 0, 0};
    return c;
}

/* One command of the program's plan: worker W, CMD. */
struct entry {
    unsigned w;
    struct sfz_cmd cmd;
};

/* The setup (worker 0, before any op) and the ops in runs of one worker: worker 0's pending
   stages (FIRST: its begin and the setup) go with its first run of ops if the program starts
   with one, and its done with its last run if that ends the program (DONE[0] set then). */
static unsigned plan_runs(const struct run *r, uint32_t first, struct entry *e, int *done)
{
    const struct sfz_program *p = r->prog;
    unsigned i = 0, n = 0;
    if (p->nops == 0 || p->ops[0].proc != 0) {
        uint32_t stages = first | (p->nops == 0 ? SFZ_DO_DONE : 0u);
        e[n++] = (struct entry){0, make_cmd(r, stages, 0, 0)};
        done[0] = p->nops == 0;
        first = 0;
    }
    while (i < p->nops) {
        unsigned w = p->ops[i].proc, j = i + 1;
        while (j < p->nops && p->ops[j].proc == w)
            j++;
        uint32_t stages = SFZ_DO_OPS | (w == 0 ? first : 0u);
        if (w == 0 && j == p->nops) {
            stages |= SFZ_DO_DONE;
            done[0] = 1;
        }
        if (w == 0)
            first = 0;
        e[n++] = (struct entry){w, make_cmd(r, stages, i, j)};
        i = j;
    }
    return n;
}

/* The program's commands in order: plan_runs's, then the workers' done in worker order. Every
   other worker's begin rides with its first command: it resets only that worker's own state
   (the executor reset what the workers share, libshmfault's ledger and counts, before the
   input), so it may come after other workers' ops and costs no round trip of its own. In
   forked workers the adapter's teardown rides with the last command (a done: nothing of the
   program comes after it), in that worker: the executor then runs no adapter code of its own
   (unless the adapter has a check). A worker that stops short of it (a finding, a death) leaves it to finish.
   Returns how many. */
static unsigned plan(const struct run *r, uint32_t first, struct entry *e)
{
    int done[SFZ_MAX_PROCS] = {0};
    unsigned n = plan_runs(r, first, e, done);
    uint32_t begun = 1u; /* worker 0's begin is in FIRST */
    for (unsigned w = 0; w < r->prog->nprocs; w++)
        if (!done[w])
            e[n++] = (struct entry){w, make_cmd(r, SFZ_DO_DONE, 0, 0)};
    for (unsigned i = 0; i < n; i++)
        if (!(begun & 1u << e[i].w)) {
            e[i].cmd.stages |= SFZ_DO_BEGIN;
            begun |= 1u << e[i].w;
        }
    if (!here(r))
        e[n - 1].cmd.stages |= SFZ_DO_TEARDOWN;
    return n;
}

/* A command of a worker that died earlier in the input: its ops are gone. */
static void skip_dead(struct run *r, const struct entry *e)
{
    if (e->cmd.stages & SFZ_DO_OPS)
        for (uint32_t i = e->cmd.from; i < e->cmd.to; i++)
            r->res->ops[i].fate = SFZ_FATE_GONE;
}

/* Entries E[I..N) as a chain handed from worker to worker (exec_internal.h), up to the first
   link that did not end cleanly, which is judged as a command and given its rest like one.
   Returns the index of the entry after it. The links that ended cleanly made no finding and
   left the area intact (the worker checked before it handed over), so what the executor would
   have done after each is to take their ops' outcomes. */
static unsigned run_chain(struct run *r, const struct entry *e, unsigned i, unsigned n)
{
    struct sfz_area *a = sfz_state.area;
    unsigned idx[SFZ_CHAIN_MAX], m = 0;
    for (unsigned k = i; k < n; k++)
        if (!r->dead[e[k].w]) {
            if (sfz_pool_ensure(e[k].w) != 0)
                harness_broken("cannot fork a worker process");
            r->pid[e[k].w] = sfz_pool_pid(e[k].w);
            a->chain[m] = (struct sfz_link){e[k].cmd, e[k].w, 0};
            idx[m++] = k;
        }
    if (m == 0)
        return n;
    a->chain_len = m;
    a->chain_nsteps = r->prog->nops;
    a->chain_uncertain = a->uncertain_slots;
    sfz_pool_chain_start();
    uint32_t at = 0;
    int wstatus = 0;
    enum sfz_reply reply = sfz_pool_chain_wait(sfz_state.op_timeout_ms, &at, &wstatus);
    if (at >= m)
        harness_broken("the chain stopped at a link it does not have");
    for (unsigned k = i; k < idx[at]; k++)
        if (r->dead[e[k].w])
            skip_dead(r, &e[k]);
    for (uint32_t j = 0; j < at; j++) {
        const struct sfz_cmd *c = &e[idx[j]].cmd; /* the executor's copy, not the area's */
        if (c->stages & SFZ_DO_OPS) /* as collect_ops after a whole run */
            for (uint32_t o = c->from; o < c->to; o++) {
                const struct sfz_opout *out = &sfz_state.live->out[o];
                r->res->ops[o].fate = SFZ_FATE_RAN;
                r->res->ops[o].status = (uint8_t)out->status;
                r->res->ops[o].err = out->err;
                r->res->ops[o].injected = (uint8_t)out->injected;
            }
    }
    unsigned w = e[idx[at]].w;
    struct sfz_cmd cmd = e[idx[at]].cmd;
    cmd.link = at + 1;
    if (judge(r, w, &cmd, reply, wstatus) == 0)
        command(r, w, rest_of(w, cmd));
    return idx[at] + 1;
}

/* The plan's commands: one by one in the engine's process, handed from worker to worker in
   forked workers. */
static void run_program(struct run *r, uint32_t first)
{
    struct entry e[SFZ_CHAIN_MAX];
    unsigned n = plan(r, first, e);
    for (unsigned i = 0; i < n;) {
        if (r->dead[e[i].w]) {
            skip_dead(r, &e[i++]);
        } else if (here(r) || i + 1 == n) {
            command(r, e[i].w, e[i].cmd);
            i++;
        } else {
            i = run_chain(r, e, i, n);
        }
    }
}

/* Teardown (unless a forked worker ran it with the last done) and check run here, disarmed,
   with a zeroed local area in every mode. */
static void finish(struct run *r)
{
    const struct sfz_adapter *a = sfz_state.adapter;
    char what[200], why[300];
    struct sfz_ctx ctx = {0, r->prog->nprocs, sfz_state.local, sfz_state.shared, what,
                          sizeof(what)};
    shmfault_disarm();
    if (a->local_size)
        memset(sfz_state.local, 0, a->local_size);
    if (!here(r) && (!r->torn_down || a->check))
        sfz_area_relock(); /* adapter code runs here: as sfz_exec_run does for the command */
    if (a->teardown && !r->torn_down)
        a->teardown(&ctx);
    what[0] = '\0';
    unsigned left = sfz_ns_sweep(what, sizeof(what), r->crashed,
                                 sfz_state.area->injected_deaths);
    char leak[sizeof(what)];
    memcpy(leak, what, sizeof(leak));
    what[0] = '\0';
    int broken = a->check && a->check(&ctx) == SFZ_FINDING;
    if (left > 0 && !sfz_state.area->removal_failed) {
        snprintf(why, sizeof(why), "%s%s", leak, left > 1 ? " (and more)" : "");
        record(r, SFZ_FIND_LEAK_IPC, -1, why);
    }
    if (broken)
        record(r, SFZ_FIND_DATA, -1, what);
}

enum sfz_finding_kind sfz_exec_run(const struct sfz_opset *set, const struct sfz_program *prog,
                                   struct sfz_result *res)
{
    struct run r = {prog, res, runs_in_process(prog), {0}, {0}, {0}, 0, 0};
    (void)set;
    memset(res, 0, sizeof(*res));
    res->finding_op = -1;
    res->inprocess = r.inprocess;
    sfz_fds_input(here(&r));
    if (sfz_state.adapter->shared_size)
        memset(sfz_state.shared, 0, sfz_state.adapter->shared_size);
    for (unsigned w = 0; w < SFZ_MAX_PROCS; w++) { /* not all of the rules' 3 KB: rules_for */
        struct sfz_wctl *ctl = &sfz_state.area->w[w];
        ctl->planned_signal = ctl->planned_exit = 0;
        ctl->rules[0] = '\0';
    }
    memcpy(sfz_state.area->steps, prog->ops, prog->nops * sizeof(prog->ops[0]));
    sfz_state.area->peer_writes = 0;
    sfz_state.area->removal_failed = 0;
    sfz_state.area->injected_deaths = 0;
    sfz_state.area->uncertain_slots = 0;
    if (!here(&r)) { /* in the engine's process the begin does it next, with nothing between */
        shmfault_disarm();
        shmfault_reset();
    }
    for (unsigned w = 0; w < prog->nprocs; w++)
        rules_for(prog, w, sfz_state.area->w[w].rules, sizeof(sfz_state.area->w[w].rules));
    /* The area's view next to the model is read-only for good, the executor writes through its
       own view: no mprotect pair around the adapter code run here (the command in the engine's
       process, then teardown and check), which cost ~3.6 us an input (each call that drops the
       write right flushes the TLB). What an earlier input's library may have made of the
       read-only view is undone before any adapter code of this input runs here, in a call
       that changes nothing otherwise (~0.3 us; finish makes it when only it runs some). */
    if (here(&r))
        sfz_area_relock();
    run_program(&r, SFZ_DO_BEGIN | SFZ_DO_SETUP); /* one process: one command per input */
    finish(&r);
    return res->kind;
}
