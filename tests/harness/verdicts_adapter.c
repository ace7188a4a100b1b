/*
 * verdicts_adapter.c - target "verdicts" (tests only): ops that test how the harness judges
 * rather than what a library does. A close with no error channel (a library whose close
 * returns void: SFZ_OP_NO_ERROR) next to the same close claiming it has one, and wild writes
 * by "the library" towards the harness's own state: just below the model (a guard page),
 * into the executor's area (read-only while ops run), and after making it writable again
 * (a library mprotecting the wrong range: the area's guard words catch it). Programs in tests/harness/verdicts/.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shmfuzz/adapter.h"

#define PAGE 4096u

struct verdicts_local {
    void *map;
};

static void **map_of(struct sfz_ctx *ctx)
{
    return &((struct verdicts_local *)ctx->local)->map;
}

static int op_map(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)argv;
    void **m = map_of(ctx);
    if (*m != NULL)
        return SFZ_SKIPPED;
    void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return SFZ_FAILED;
    *m = p;
    return SFZ_OK;
}

/* The library's void close: a failed munmap has nowhere to go. Both ops run this; only the
   flags differ. */
static int op_close(struct sfz_ctx *ctx, const uint32_t *argv)
{
    (void)argv;
    void **m = map_of(ctx);
    if (*m == NULL)
        return SFZ_SKIPPED;
    (void)munmap(*m, PAGE);
    *m = NULL;
    return SFZ_OK;
}

/* Where a wild write lands, counted from the model (ctx->shared). */
enum { AT_MODEL_GUARD, AT_AREA, AT_AREA_UNPROTECTED, AT_GUARD_WORD, AT_LIVE_ZERO, AT_LIVE_FF };
static const char *const at_names[] = {"model-guard", "area",      "area-unprotected",
                                       "guard-word",  "live-zero", "live-ff"};

/* The workers' live page (never protected: channel words, progress, outcomes) is two pages
   past the model (its one page, a guard page). */
static void write_live(char *model, int byte)
{
    memset(model + 2 * (size_t)PAGE, byte, PAGE);
}

/* A library that mprotects the wrong range writable, then writes 0xff over it: two pages
   below the model's guard page, the executor's area. */
static void write_past_protection(char *end)
{
    char *start = end - 2 * (size_t)PAGE;
    if (mprotect(start, 2 * (size_t)PAGE, PROT_READ | PROT_WRITE) == 0)
        memset(start, 0xff, 2 * (size_t)PAGE);
}

/* A surgical wild write: the area's closing guard word only (found by its value in the area's
   last page, which is readable), nothing a worker would stumble on by itself, so only the
   harness's own check after the op can tell. */
static void write_guard_word(char *end)
{
    static const unsigned char magic[8] = {0x21, 0x41, 0x45, 0x52, 0x41, 0x5a, 0x46, 0x53};
    char *page = end - (size_t)PAGE;
    for (char *p = end - sizeof(magic); p >= page; p -= sizeof(magic))
        if (memcmp(p, magic, sizeof(magic)) == 0) {
            if (mprotect(page, PAGE, PROT_READ | PROT_WRITE) == 0)
                memset(p, 0, sizeof(magic));
            return;
        }
}

static int op_scribble(struct sfz_ctx *ctx, const uint32_t *argv)
{
    volatile char *model = ctx->shared;
    switch (argv[0]) {
    case AT_MODEL_GUARD: model[-1] = (char)0xff; break;
    case AT_AREA: model[-(long)PAGE - 16] = (char)0xff; break;
    case AT_GUARD_WORD: write_guard_word((char *)ctx->shared - PAGE); break;
    case AT_LIVE_ZERO: write_live(ctx->shared, 0); break;
    case AT_LIVE_FF: write_live(ctx->shared, 0xff); break;
    default: write_past_protection((char *)ctx->shared - PAGE); break;
    }
    return SFZ_OK;
}

static const struct sfz_op verdicts_ops[] = {
    {"map", 0, {{0}}, op_map, 0},
    {"close_void", 0, {{0}}, op_close, SFZ_OP_NO_ERROR},
    {"close_claims_errors", 0, {{0}}, op_close, 0},
    {"scribble", 1, {{"at", SFZ_ARG_CHOICE, at_names, 6}}, op_scribble, 0},
};

static void verdicts_worker_done(struct sfz_ctx *ctx)
{
    void **m = map_of(ctx);
    if (*m != NULL)
        (void)munmap(*m, PAGE);
    *m = NULL;
}

static const struct sfz_adapter verdicts_adapter = {
    .name = "verdicts",
    .summary = "harness self-test: error channels and wild writes",
    .ops = verdicts_ops,
    .nops = sizeof(verdicts_ops) / sizeof(verdicts_ops[0]),
    .local_size = sizeof(struct verdicts_local),
    .shared_size = 64,
    .worker_done = verdicts_worker_done,
};
SFZ_TARGET(verdicts_adapter);
