/*
 * afl_relay.h - the AFL++ driver's scheduling of afl-fuzz's fork server (harness/drivers/driver_afl.c:
 * SCHED_BATCH while it relays, the normal policy back in the fuzzed child), for bench's own
 * persistent targets (bench-afl-floor, bench-afl-ceiling-kv), so the engine costs them per input
 * what it costs the driver and figure 2's AFL++ rows compare like with like.
 */
#ifndef SHMFUZZ_BENCH_AFL_RELAY_H
#define SHMFUZZ_BENCH_AFL_RELAY_H

#include <sched.h> /* SCHED_BATCH: the includer defines _GNU_SOURCE */

/* Before __AFL_INIT: 1 when the fork server was switched to SCHED_BATCH (from the normal policy only). */
static inline int bench_afl_relay_batch(void)
{
    struct sched_param none = {0};
    return sched_getscheduler(0) == SCHED_OTHER && sched_setscheduler(0, SCHED_BATCH, &none) == 0;
}

/* After __AFL_INIT, in the fuzzed child: the normal policy back when the relay was switched. */
static inline void bench_afl_child_normal(int switched)
{
    struct sched_param none = {0};
    if (switched)
        (void)sched_setscheduler(0, SCHED_OTHER, &none);
}

#endif
