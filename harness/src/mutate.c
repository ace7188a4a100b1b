/*
 * mutate.c - structure-aware mutation: decode the input, change the program at the level a
 * person would (one argument to another valid value, one op more or less, two ops of different
 * processes swapped — a new interleaving —, a fault added, moved or changed) and encode it
 * again. Byte-level mutators almost never turn "expect=2" into "expect=8" or reorder two
 * steps; here each of those is a single mutation. The generator is seeded by the engine, so a
 * mutation is reproducible from its seed.
 */
#include <string.h>

#include "shmfault.h"
#include "inside.h"
#include "shmfuzz/mutate.h"

struct rng {
    uint64_t s;
};

static uint32_t rnd(struct rng *r, uint32_t n)
{
    /* xorshift64*: tiny, good enough to pick among a handful of choices */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    uint64_t x = r->s * 0x2545F4914F6CDD1DULL;
    return n ? (uint32_t)((x >> 32) % n) : 0;
}

static uint32_t random_arg(struct rng *r, const struct sfz_arg *a, unsigned nprocs)
{
    switch (a->kind) {
    case SFZ_ARG_SLOT: return rnd(r, SFZ_SLOTS);
    case SFZ_ARG_SIZE: return sfz_size_value(rnd(r, sfz_size_count()));
    case SFZ_ARG_OFFSET: return sfz_offset_value(rnd(r, sfz_offset_count()));
    case SFZ_ARG_CHOICE: return rnd(r, a->nchoices ? (uint32_t)a->nchoices : 1u);
    case SFZ_ARG_BYTE: return rnd(r, 256);
    case SFZ_ARG_PROC: return rnd(r, nprocs);
    }
    return 0;
}

static void random_step(struct rng *r, const struct sfz_opset *set, unsigned nprocs,
                        struct sfz_step *s)
{
    memset(s, 0, sizeof(*s));
    s->proc = (uint8_t)rnd(r, nprocs);
    s->op = (uint8_t)rnd(r, set->nops);
    const struct sfz_op *op = sfz_opset_op(set, s->op);
    for (unsigned i = 0; i < op->nargs && i < SFZ_MAX_ARGS; i++)
        s->argv[i] = random_arg(r, &op->args[i], nprocs);
}

static int change_arg(struct rng *r, const struct sfz_opset *set, struct sfz_program *p)
{
    if (p->nops == 0)
        return -1;
    struct sfz_step *s = &p->ops[rnd(r, p->nops)];
    const struct sfz_op *op = sfz_opset_op(set, s->op);
    if (op->nargs == 0)
        return -1;
    unsigned i = rnd(r, op->nargs);
    s->argv[i] = random_arg(r, &op->args[i], p->nprocs);
    return 0;
}

static int change_proc(struct rng *r, const struct sfz_opset *set, struct sfz_program *p)
{
    (void)set;
    if (p->nops == 0 || p->nprocs < 2)
        return -1;
    p->ops[rnd(r, p->nops)].proc = (uint8_t)rnd(r, p->nprocs);
    return 0;
}

/* A copy of an existing step (same op, often the interesting one) or a fresh random one. */
static int insert_step(struct rng *r, const struct sfz_opset *set, struct sfz_program *p)
{
    if (p->nops >= SFZ_MAX_OPS)
        return -1;
    unsigned at = rnd(r, p->nops + 1u);
    struct sfz_step s;
    if (p->nops > 0 && rnd(r, 2) == 0) {
        s = p->ops[rnd(r, p->nops)];
        s.proc = (uint8_t)rnd(r, p->nprocs);
    } else {
        random_step(r, set, p->nprocs, &s);
    }
    memmove(&p->ops[at + 1], &p->ops[at], (p->nops - at) * sizeof(p->ops[0]));
    p->ops[at] = s;
    p->nops++;
    return 0;
}

static int delete_step(struct rng *r, const struct sfz_opset *set, struct sfz_program *p)
{
    (void)set;
    if (p->nops < 2)
        return -1;
    unsigned at = rnd(r, p->nops);
    memmove(&p->ops[at], &p->ops[at + 1], (p->nops - at - 1u) * sizeof(p->ops[0]));
    p->nops--;
    return 0;
}

/* Swap two neighbouring steps: with different processes this is a new interleaving. */
static int swap_steps(struct rng *r, const struct sfz_opset *set, struct sfz_program *p)
{
    (void)set;
    if (p->nops < 2)
        return -1;
    unsigned at = rnd(r, p->nops - 1u);
    struct sfz_step t = p->ops[at];
    p->ops[at] = p->ops[at + 1];
    p->ops[at + 1] = t;
    return 0;
}

/* A fault the newest format can say: a crash or an errno realistic for the function, so the
   mutator never plants a failure no kernel returns for a valid call (docs/faults.md). */
static void random_fault(struct rng *r, const struct sfz_program *p, struct sfz_fault *f)
{
    memset(f, 0, sizeof(*f));
    f->function = (uint8_t)rnd(r, sfz_fault_function_count());
    f->nth = (uint8_t)(1u + rnd(r, 8));
    f->from_on = (uint8_t)(rnd(r, 4) == 0);
    unsigned nact = sfz_fault_action_count(f->function, SFZ_FORMAT_VERSION);
    unsigned nerr = nact - SFZ_NCRASH;
    /* errnos three times as often as crashes: most error paths are errno paths */
    unsigned crash = rnd(r, 4) == 0;
    unsigned i = crash || nerr == 0 ? nerr + rnd(r, SFZ_NCRASH) : rnd(r, nerr);
    f->action = sfz_fault_action_nth(f->function, SFZ_FORMAT_VERSION, i);
    f->after = (uint8_t)(i >= nerr ? rnd(r, 2) : 0);
    unsigned proc = rnd(r, p->nprocs + 1u);
    f->proc = (uint8_t)(proc == p->nprocs ? SFZ_ALL_PROCS : proc);
}

/* Add a fault, replace one, or move one to another call of the same function. */
static int change_fault(struct rng *r, const struct sfz_opset *set, struct sfz_program *p)
{
    (void)set;
    if (sfz_fault_function_count() == 0)
        return -1;
    unsigned what = rnd(r, 3);
    if (p->nfaults == 0 || (what == 0 && p->nfaults < SFZ_MAX_FAULTS)) {
        random_fault(r, p, &p->faults[p->nfaults++]);
        return 0;
    }
    struct sfz_fault *f = &p->faults[rnd(r, p->nfaults)];
    if (what == 1) {
        f->nth = (uint8_t)(1u + rnd(r, 8));
        return 0;
    }
    random_fault(r, p, f);
    return 0;
}

static int drop_fault(struct rng *r, const struct sfz_opset *set, struct sfz_program *p)
{
    (void)set;
    if (p->nfaults == 0)
        return -1;
    p->faults[rnd(r, p->nfaults)] = p->faults[p->nfaults - 1u];
    p->nfaults--;
    return 0;
}

static int change_nprocs(struct rng *r, const struct sfz_opset *set, struct sfz_program *p)
{
    (void)set;
    unsigned n = 1u + rnd(r, SFZ_MAX_PROCS);
    if (n == p->nprocs)
        return -1;
    p->nprocs = (uint8_t)n;
    for (unsigned i = 0; i < p->nops; i++)
        p->ops[i].proc = (uint8_t)(p->ops[i].proc % n);
    for (unsigned i = 0; i < p->nfaults; i++)
        if (p->faults[i].proc != SFZ_ALL_PROCS)
            p->faults[i].proc = (uint8_t)(p->faults[i].proc % n);
    return 0;
}

/* The op index of the built-in peer.inside in SET, or -1. */
static int inside_index(const struct sfz_opset *set)
{
    for (unsigned i = set->adapter->nops; i < set->nops; i++)
        if (strcmp(sfz_opset_op(set, i)->name, "peer.inside") == 0)
            return (int)i;
    return -1;
}

/* A likely value of peer.inside's argument I (at, seg, off, len, byte): the bugs it proves
   are a length, an index or a header field read early in an op, near the start of the first
   object, so those come first: at=1..8, object 0, offsets 0, 1, 8, 63 (the first entries of
   the offset table), 8 bytes (covers a whole field wherever it starts in them), all ones. */
static uint32_t likely_inside_arg(struct rng *r, unsigned i)
{
    switch (i) {
    case 0: return rnd(r, 4) ? rnd(r, 8) : rnd(r, SFZ_INSIDE_MAX_AT);
    case 1: return rnd(r, 2) ? 0u : rnd(r, SFZ_SLOTS);
    case 2: return sfz_offset_value(rnd(r, 4) ? rnd(r, 4) : rnd(r, sfz_offset_count()));
    case 3: return rnd(r, 2) ? 2u : rnd(r, 3); /* len=8, else 1, 4 or 8 */
    default: return rnd(r, 2) ? 0xffu : rnd(r, 256);
    }
}

/* The hostile peer inside a call: a write at the A-th shared access of the op that follows.
   Only one (at, offset, length) in thousands turns a double fetch into a crash, so this
   places one right before an adapter op of the same worker with likely values, or changes
   one that is there: its access number by one (a write one access too early often shows as
   new coverage already: a check that failed), or another argument to a likely value. */
static int inside_step(struct rng *r, const struct sfz_opset *set, struct sfz_program *p)
{
    int in = inside_index(set);
    if (in < 0 || p->nops == 0)
        return -1;
    unsigned have[SFZ_MAX_OPS], nhave = 0, adapter_ops[SFZ_MAX_OPS], nadapter = 0;
    for (unsigned i = 0; i < p->nops; i++) {
        if (p->ops[i].op == (uint8_t)in)
            have[nhave++] = i;
        else if (p->ops[i].op < set->adapter->nops)
            adapter_ops[nadapter++] = i;
    }
    if (nhave > 0 && rnd(r, 2) == 0) {
        uint32_t *argv = p->ops[have[rnd(r, nhave)]].argv;
        unsigned i = rnd(r, 2) ? 0u : rnd(r, 5);
        if (i == 0 && rnd(r, 4) != 0)
            argv[0] = (argv[0] + (rnd(r, 2) ? 1u : SFZ_INSIDE_MAX_AT - 1u)) % SFZ_INSIDE_MAX_AT;
        else
            argv[i] = likely_inside_arg(r, i);
        return 0;
    }
    if (p->nops >= SFZ_MAX_OPS || nadapter == 0)
        return -1;
    unsigned target = adapter_ops[rnd(r, nadapter)];
    struct sfz_step s;
    memset(&s, 0, sizeof(s));
    s.proc = p->ops[target].proc;
    s.op = (uint8_t)in;
    for (unsigned i = 0; i < 5; i++)
        s.argv[i] = likely_inside_arg(r, i);
    memmove(&p->ops[target + 1], &p->ops[target], (p->nops - target) * sizeof(p->ops[0]));
    p->ops[target] = s;
    p->nops++;
    return 0;
}

/* The mutations, weighted by repetition: argument changes dominate, as in hand debugging. */
typedef int (*mutation_fn)(struct rng *, const struct sfz_opset *, struct sfz_program *);
static const mutation_fn mutations[] = {
    change_arg,  change_arg,   change_arg,   change_proc, insert_step,  insert_step,
    delete_step, swap_steps,   swap_steps,   change_fault, change_fault, drop_fault,
    change_nprocs, inside_step, inside_step,
};
#define NMUTATIONS (sizeof(mutations) / sizeof(mutations[0]))

size_t sfz_mutate(const struct sfz_opset *set, uint8_t *data, size_t size, size_t max_size,
                  uint64_t seed)
{
    static struct sfz_program prog; /* 2.5 KiB: static, the engines mutate from one thread */
    struct rng r = {seed * 0x9E3779B97F4A7C15ULL + 1u};
    if (sfz_decode(set, data, size, &prog) != SFZ_DECODE_OK)
        memset(&prog, 0, sizeof(prog)), prog.nprocs = 1;
    /* one to three mutations: some bugs need an op and its argument at once */
    unsigned rounds = 1u + rnd(&r, 3), done = 0;
    for (unsigned tries = 0; done < rounds && tries < 16; tries++)
        done += mutations[rnd(&r, NMUTATIONS)](&r, set, &prog) == 0;
    uint8_t out[SFZ_ENCODED_MAX];
    long n = sfz_encode(set, &prog, out, sizeof(out));
    if (done == 0 || n < 0 || (size_t)n > max_size)
        return 0; /* nothing changed or it does not fit: the caller mutates bytes instead */
    memcpy(data, out, (size_t)n);
    return (size_t)n;
}
