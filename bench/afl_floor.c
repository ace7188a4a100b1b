/*
 * afl_floor.c - the floor of figure 2's AFL++ rows: a persistent target that does nothing
 * with its input. afl-fuzz on it shows what afl-fuzz itself (mutation, the map, the
 * forkserver handshake per input) costs and caps the executions per second at, so the
 * harness rows can be read against it (docs/bench.md, "afl-floor").
 *
 * usage: afl-fuzz ... -- bench-afl-floor   (built by the afl preset only, afl-clang-fast)
 * Outside afl-fuzz it reads stdin once and exits 0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* SCHED_BATCH (afl_relay.h) */
#endif
#include <stddef.h>
#include <unistd.h>

#include "afl_relay.h"

/* AFL++'s macros store read()'s ssize_t in an unsigned length (as in harness/drivers). */
#pragma clang diagnostic ignored "-Wsign-conversion"
#pragma clang diagnostic ignored "-Wshorten-64-to-32"
#pragma clang diagnostic ignored "-Wconversion"

__AFL_FUZZ_INIT();

/* One branch on the input, so the map is not empty and afl-fuzz accepts the target. */
static volatile unsigned char sink;

int main(void)
{
    int batch = sfz_afl_relay_batch(); /* as the AFL++ driver does */
    __AFL_INIT();
    sfz_afl_child_normal(batch);
    unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(100000)) {
        size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
        sink = len > 0 && buf[0] == 'x';
    }
    return 0;
}
