/*
 * afl_relay.h - how an AFL++ persistent target schedules afl-fuzz's fork server: the target's
 * own process until __AFL_INIT returns in the fuzzed child, which per input only relays
 * (afl-fuzz's go becomes a SIGCONT, the child's SIGSTOP a status). As SCHED_BATCH its wake-ups
 * do not preempt the process that woke it, so afl-fuzz goes on to wait for the status and the
 * child stops before the relay runs: pinned to one CPU, 7.3 -> 5.6 context switches per input
 * (docs/bench.md, "AFL++ persistent row (sixth pass)"). The fuzzed child, its workers and
 * everything they judge run with the normal policy again. Only from the normal policy (another
 * one was the user's choice, kept everywhere); scheduling only: a refused change costs speed,
 * never a verdict. One copy for the driver (driver_afl.c) and bench's own persistent targets
 * (bench-afl-floor, bench-afl-ceiling-kv), so figure 2's AFL++ rows compare like with like.
 */
#ifndef SFZ_AFL_RELAY_H
#define SFZ_AFL_RELAY_H

#include <sched.h> /* SCHED_BATCH: the includer defines _GNU_SOURCE */

/* Before __AFL_INIT: 1 when the fork server was switched to SCHED_BATCH (from the normal
   policy only). */
static inline int sfz_afl_relay_batch(void)
{
    struct sched_param none = {0};
    return sched_getscheduler(0) == SCHED_OTHER && sched_setscheduler(0, SCHED_BATCH, &none) == 0;
}

/* After __AFL_INIT, in the fuzzed child: the normal policy back when the relay was switched. */
static inline void sfz_afl_child_normal(int switched)
{
    struct sched_param none = {0};
    if (switched)
        (void)sched_setscheduler(0, SCHED_OTHER, &none);
}

#endif /* SFZ_AFL_RELAY_H */
