/*
 * finding.c - the names of the findings (the words scripts match on) and the helper adapters
 * use to report one.
 */
#include <stdarg.h>
#include <stdio.h>

#include "shmfuzz/exec.h"

static const char *const names[] = {
    [SFZ_FIND_NONE] = "ok",          [SFZ_FIND_CRASH] = "crash",
    [SFZ_FIND_LEAK_IPC] = "leak-ipc", [SFZ_FIND_LEAK_HEAP] = "leak-heap",
    [SFZ_FIND_BAD_ERROR] = "bad-error", [SFZ_FIND_HANG] = "hang",
    [SFZ_FIND_DATA] = "data",        [SFZ_FIND_FD_LEAK] = "fd-leak",
};

const char *sfz_finding_name(enum sfz_finding_kind kind)
{
    return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

int sfz_finding(struct sfz_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->why, ctx->why_size, fmt, ap);
    va_end(ap);
    return SFZ_FINDING;
}
