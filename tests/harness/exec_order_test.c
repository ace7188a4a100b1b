/*
 * exec_order_test.c - the order of an input's end in forked workers, which the verdict rests
 * on (the last worker's done destroys what the model says is alive; the first finding wins):
 *   - every op first, in program order, then each live worker's done in worker order (a done
 *     never moves before another worker's later op), then the adapter's teardown exactly once,
 *     then its check;
 *   - the teardown rides with the plan's last done (in that worker) and is still run exactly
 *     once, after every done, when a worker stops short of it: a finding in a done (fd leak) of
 *     a non-last or of the last worker, a finding in the last command's op, a worker that died;
 *   - the verdict and the finding's worker are those of the first finding in that order.
 * The adapter logs each event into its model, which the executor (this process) reads after
 * the input. Prints one line per failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "exec_internal.h"
#include "shmfuzz/program.h"

struct model {
    char log[120];
    unsigned len;
    unsigned checks;
};

/* Append "WHAT" and a space to the log (one process at a time runs adapter code). */
static void note(struct sfz_ctx *ctx, const char *what)
{
    struct model *m = ctx->shared;
    size_t n = strlen(what);
    if (m->len + n + 1 < sizeof(m->log)) {
        memcpy(m->log + m->len, what, n);
        m->len += (unsigned)n;
        m->log[m->len++] = ' ';
    }
}

static int op_step(struct sfz_ctx *ctx, const uint32_t *argv)
{
    char what[8];
    (void)argv;
    snprintf(what, sizeof(what), "o%u", ctx->proc);
    note(ctx, what);
    return SFZ_OK;
}

/* A descriptor left open: the fd-leak finding of this worker's done. */
static int op_leak(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)argv;
    note(ctx, "leak");
    return dup(2) >= 0 ? SFZ_OK : SFZ_FAILED;
}

static int op_find(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)argv;
    note(ctx, "find");
    return sfz_finding(ctx, "found");
}

static void worker_done(struct sfz_ctx *ctx)
{
    char what[8];
    snprintf(what, sizeof(what), "d%u", ctx->proc);
    note(ctx, what);
}

static void teardown(struct sfz_ctx *ctx)
{
    note(ctx, "t");
}

static int check(struct sfz_ctx *ctx)
{
    ((struct model *)ctx->shared)->checks++;
    note(ctx, "c");
    return SFZ_OK;
}

static const struct sfz_op ops[] = {
    {"step", 0, {{0}}, op_step, 0},
    {"leak", 0, {{0}}, op_leak, 0},
    {"find", 0, {{0}}, op_find, 0},
};

static const struct sfz_adapter adapter = {
    "exec-order-test", "the order of an input's end", ops, 3, 0, sizeof(struct model),
    NULL, worker_done, teardown, check};

static struct sfz_opset set;

/* Run TEXT (forked workers) and check the log, the verdict and the finding's text. */
static void expect(const char *text, const char *log, enum sfz_finding_kind kind, const char *why)
{
    static struct sfz_program prog;
    static struct sfz_result res;
    unsigned line = 0;
    char err[256];
    if (sfz_program_parse(&set, text, strlen(text), &prog, &line, err, sizeof(err)) != 0) {
        printf("FAIL: program line %u: %s\n", line, err);
        failures++;
        return;
    }
    enum sfz_finding_kind got = sfz_exec_run(&set, &prog, &res);
    const struct model *m = sfz_state.shared;
    if (res.inprocess || got != kind || strcmp(m->log, log) != 0 || m->checks != 1 ||
        (why != NULL && strstr(res.why, why) == NULL)) {
        printf("FAIL: %s\n  log '%s' (want '%s'), verdict %d (want %d), why '%s' (want '%s'), "
               "checks %u\n", text, m->log, log, (int)got, (int)kind, res.why, why ? why : "",
               m->checks);
        failures++;
    }
}

int main(void)
{
    char err[256];
    struct sfz_exec_options opt = {0};
    opt.always_fork = 1;
    opt.isolate = 1;
    if (sfz_exec_init(&adapter, &opt, err, sizeof(err)) != 0) {
        printf("FAIL: sfz_exec_init: %s\n", err);
        return 1;
    }
    sfz_opset_init(&set, &adapter);

    /* one process: its done, then the teardown */
    expect("procs 1\np0 step\np0 step\n", "o0 o0 d0 t c ", SFZ_FIND_NONE, NULL);
    /* writer-reader's shape: p0 ends the program; p1's done after p0's last op and done */
    expect("procs 2\np0 step\np1 step\np0 step\n", "o0 o1 o0 d0 d1 t c ", SFZ_FIND_NONE, NULL);
    /* p1 ends it: p0's done still comes first, after p1's last op */
    expect("procs 2\np0 step\np1 step\np0 step\np1 step\n", "o0 o1 o0 o1 d0 d1 t c ",
           SFZ_FIND_NONE, NULL);
    /* a process with no op still has its done, in worker order */
    expect("procs 3\np0 step\np2 step\n", "o0 o2 d0 d1 d2 t c ", SFZ_FIND_NONE, NULL);
    /* a finding in a non-last worker's done (p0 left a descriptor open): the chain stops
       there; p1's done and the teardown follow, once */
    expect("procs 2\np0 leak\np1 step\np0 step\n", "leak o1 o0 d0 d1 t c ", SFZ_FIND_FD_LEAK,
           "p0 left fd");
    expect("procs 2\np0 step\np1 leak\np1 step\np0 step\n", "o0 leak o1 o0 d0 d1 t c ",
           SFZ_FIND_FD_LEAK, "p1 left fd");
    /* both leak: the first done's finding is the verdict */
    expect("procs 2\np1 leak\np0 leak\n", "leak leak d0 d1 t c ", SFZ_FIND_FD_LEAK,
           "p0 left fd");
    /* a finding in the last command's op: the rest of that command, then the teardown */
    expect("procs 2\np1 step\np0 find\np0 step\n", "o1 find o0 d0 d1 t c ", SFZ_FIND_DATA,
           "found");
    /* a worker gone (planned exit): the others' dones and the teardown, once */
    expect("procs 2 forked\np0 step\np1 proc.exit\np0 step\n", "o0 o0 d0 t c ", SFZ_FIND_NONE,
           NULL);
    expect("procs 2 forked\np1 step\np0 proc.exit\n", "o1 d1 t c ", SFZ_FIND_NONE, NULL);
    /* and the same inputs again with the workers kept (and the leaky ones replaced) */
    expect("procs 2\np0 step\np1 step\np0 step\n", "o0 o1 o0 d0 d1 t c ", SFZ_FIND_NONE, NULL);
    expect("procs 1\np0 step\np0 step\n", "o0 o0 d0 t c ", SFZ_FIND_NONE, NULL);

    sfz_exec_shutdown();
    if (failures == 0)
        printf("ok: ops, then dones in worker order, then one teardown and the check\n");
    return failures != 0;
}
