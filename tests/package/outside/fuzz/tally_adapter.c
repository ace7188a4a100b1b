/*
 * tally_adapter.c - the tally library (tally.h) as a shmfuzz target, written from
 * docs/adapters.md alone: ops, a model of every counter, and the owner's cleanup.
 */
#include "shmfuzz/adapter.h"
#include "tally.h"

static const char *const names[SFZ_SLOTS] = {"/tally-0", "/tally-1", "/tally-2", "/tally-3"};

struct local { struct tally *t[SFZ_SLOTS]; };                             /* this worker's */
struct model { unsigned created[SFZ_SLOTS]; unsigned long count[SFZ_SLOTS][TALLY_COUNTERS]; };

static struct tally **handle(struct sfz_ctx *c, uint32_t slot)
{
    return &((struct local *)c->local)->t[slot];
}

static int op_create(struct sfz_ctx *c, const uint32_t *a)
{
    if (*handle(c, a[0]) != NULL)
        return SFZ_SKIPPED;
    *handle(c, a[0]) = tally_create(names[a[0]]);
    if (*handle(c, a[0]) == NULL)
        return SFZ_FAILED;
    ((struct model *)c->shared)->created[a[0]] = 1; /* ours to remove at the end */
    return SFZ_OK;
}

static int op_open(struct sfz_ctx *c, const uint32_t *a)
{
    if (*handle(c, a[0]) != NULL)
        return SFZ_SKIPPED;
    *handle(c, a[0]) = tally_open(names[a[0]]);
    return *handle(c, a[0]) != NULL ? SFZ_OK : SFZ_FAILED;
}

static int op_add(struct sfz_ctx *c, const uint32_t *a)
{
    struct model *m = c->shared;
    if (*handle(c, a[0]) == NULL)
        return SFZ_SKIPPED;
    tally_add(*handle(c, a[0]), a[1], a[2]);
    m->count[a[0]][a[1] % TALLY_COUNTERS] += a[2];
    return SFZ_OK;
}

static int op_get(struct sfz_ctx *c, const uint32_t *a)
{
    struct model *m = c->shared;
    if (*handle(c, a[0]) == NULL)
        return SFZ_SKIPPED;
    unsigned long got = tally_get(*handle(c, a[0]), a[1]);
    unsigned long want = m->count[a[0]][a[1] % TALLY_COUNTERS];
    /* after a hostile write or a death half-way through an op, any value is possible */
    if (got != want && sfz_peer_writes() == 0 && !sfz_slot_uncertain(a[0]))
        return sfz_finding(c, "counter %u of slot %u reads %lu, the adds make %lu",
                           a[1] % TALLY_COUNTERS, a[0], got, want);
    return SFZ_OK;
}

static int op_close(struct sfz_ctx *c, const uint32_t *a)
{
    if (*handle(c, a[0]) == NULL)
        return SFZ_SKIPPED;
    if (tally_close(*handle(c, a[0])) == -1)
        return SFZ_FAILED;
    *handle(c, a[0]) = NULL;
    return SFZ_OK;
}

static void worker_done(struct sfz_ctx *c)
{
    for (uint32_t s = 0; s < SFZ_SLOTS; s++)
        if (*handle(c, s) != NULL && tally_close(*handle(c, s)) == 0)
            *handle(c, s) = NULL;
}

/* The owner removes the boards it created (and those an op the plan killed may have created);
   a name a failed create left behind is the library's leak, reported as leak-ipc. */
static void teardown(struct sfz_ctx *c)
{
    struct model *m = c->shared;
    for (uint32_t s = 0; s < SFZ_SLOTS; s++)
        if (m->created[s] || sfz_slot_uncertain(s))
            (void)tally_remove(names[s]);
}

#define SLOT {"slot", SFZ_ARG_SLOT, NULL, 0}
#define BYTE(n) {n, SFZ_ARG_BYTE, NULL, 0}
static const struct sfz_op ops[] = {
    {"create", 1, {SLOT}, op_create, 0},
    {"open", 1, {SLOT}, op_open, 0},
    {"add", 3, {SLOT, BYTE("counter"), BYTE("n")}, op_add, 0},
    {"get", 2, {SLOT, BYTE("counter")}, op_get, 0},
    {"close", 1, {SLOT}, op_close, 0},
};

static const struct sfz_adapter tally_adapter = {
    .name = "tally", .summary = "a board of counters in POSIX shared memory",
    .ops = ops, .nops = sizeof(ops) / sizeof(ops[0]),
    .local_size = sizeof(struct local), .shared_size = sizeof(struct model),
    .worker_done = worker_done, .teardown = teardown,
};
SFZ_TARGET(tally_adapter);
