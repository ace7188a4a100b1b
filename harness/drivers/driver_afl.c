/*
 * driver_afl.c - AFL++ entry point: persistent mode with shared-memory test cases and a deferred
 * fork server (compiled by afl-clang-fast, which defines the __AFL_* macros).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* SCHED_BATCH (afl_relay.h) */
#endif
#include <unistd.h>

#include "afl_relay.h"
#include "shmfuzz/driver.h"

/* AFL++'s own macros store read()'s ssize_t in an unsigned length: not our code to fix. */
#pragma clang diagnostic ignored "-Wsign-conversion"
#pragma clang diagnostic ignored "-Wshorten-64-to-32"
#pragma clang diagnostic ignored "-Wconversion"

__AFL_FUZZ_INIT();

int main(void)
{
    int batch = sfz_afl_relay_batch(); /* the fork server relays as SCHED_BATCH (afl_relay.h) */
    __AFL_INIT();
    sfz_afl_child_normal(batch);
    sfz_engine_quiet_fds(); /* the loop opens nothing between inputs */
    sfz_engine_init(sfz_target_adapter); /* in the fuzzed child, before the loop */
    const unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(10000))
        sfz_engine_one(sfz_target_adapter, buf, (size_t)__AFL_FUZZ_TESTCASE_LEN);
    return 0;
}
