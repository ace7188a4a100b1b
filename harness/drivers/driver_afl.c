/*
 * driver_afl.c - AFL++ entry point: persistent mode with shared-memory test cases and a deferred
 * fork server (compiled by afl-clang-fast, which defines the __AFL_* macros).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* SCHED_BATCH */
#endif
#include <sched.h>
#include <unistd.h>

#include "shmfuzz/driver.h"

/* AFL++'s own macros store read()'s ssize_t in an unsigned length: not our code to fix. */
#pragma clang diagnostic ignored "-Wsign-conversion"
#pragma clang diagnostic ignored "-Wshorten-64-to-32"
#pragma clang diagnostic ignored "-Wconversion"

__AFL_FUZZ_INIT();

/*
 * afl-fuzz's fork server is this process until __AFL_INIT returns in the fuzzed child: per input it
 * only relays (afl-fuzz's go becomes a SIGCONT, the child's SIGSTOP a status). As SCHED_BATCH
 * its wake-ups do not preempt the process that woke it, so afl-fuzz goes on to wait for the status
 * and the child stops before the relay runs: pinned to one CPU, 7.3 -> 5.6 context switches per
 * input (docs/bench.md, "AFL++ persistent row (sixth pass)"). The fuzzed child, its workers and
 * everything they judge run with the normal policy again. Only from the normal policy (another
 * one was the user's choice, kept everywhere); scheduling only: a refused change costs speed,
 * never a verdict.
 */
static int relay_batch;

static void relay_as_batch(void)
{
    struct sched_param none = {0};
    relay_batch = sched_getscheduler(0) == SCHED_OTHER &&
                  sched_setscheduler(0, SCHED_BATCH, &none) == 0;
}

static void child_as_normal(void)
{
    struct sched_param none = {0};
    if (relay_batch)
        (void)sched_setscheduler(0, SCHED_OTHER, &none);
}

int main(void)
{
    relay_as_batch();
    __AFL_INIT();
    child_as_normal();
    sfz_engine_quiet_fds(); /* the loop opens nothing between inputs */
    sfz_engine_init(sfz_target_adapter); /* in the fuzzed child, before the loop */
    const unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(10000))
        sfz_engine_one(sfz_target_adapter, buf, (size_t)__AFL_FUZZ_TESTCASE_LEN);
    return 0;
}
