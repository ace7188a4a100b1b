/*
 * oracle_fds.c - fd-leak oracle: which descriptors a worker holds before its first op and after
 * worker_done; a descriptor open after and not before is a leak. One poll() answers for a range
 * of descriptors (POLLNVAL marks a closed one), so a look costs one system call instead of a
 * /proc/self/fd walk; the array is filled once, the kernel only writes revents.
 *
 * A look covers only the descriptors an input can have opened: the kernel gives a new
 * descriptor the lowest free number, so while an input holds at most HELD descriptors of its
 * own at once, every one it opens lies among the first HELD + 1 numbers that were free at the
 * begin (closing one of the begin's own descriptors only frees a lower number). The begin's
 * look finds where that ends (its reach) and the done's looks there and no further: a poll of
 * ~70 descriptors instead of 256 (a poll costs ~6.5 ns per descriptor here, 2 us for 256). The
 * verdict is the one a look at all 256 gives, except for an input that holds more than HELD
 * descriptors at once or names a number at or above the reach itself (dup2, dup3,
 * fcntl(F_DUPFD) with a high minimum); descriptors at 256 and above were never looked at.
 * A look is needed only where descriptors can have changed: the state after an input's fd check
 * is the state before the next one's first op when nothing ran in between (a forked worker only
 * waits on its slot), so the begin reuses it (exec_worker.c). In the engine's process the
 * engine runs between inputs, so the begin looks again, first as far as the last reach (the
 * engine usually holds what it held then), and the rest only when that holds too few free
 * numbers: the same reach as a first look of 128. Unless the driver declared that its engine
 * opens and closes no descriptors between inputs (sfz_engine_quiet_fds: AFL++'s __AFL_LOOP)
 * and the input before also ran in the engine's process: then what ran since the last done's
 * look is the engine and this input's executor prologue, and before it the last input's
 * teardown, sweep and check, which leave descriptors as they found them (an adapter whose
 * teardown kept one would run the engine's process out of descriptors), so the begin takes
 * that look as a forked worker does. An input in forked workers in between (the pool's
 * descriptors may have moved) makes the next one look again.
 */
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "exec_internal.h"

#define NFDS 256
#define HELD 64u
#define FIRST_LOOK 128u /* the begin's first poll; a second covers the rest when needed */

static struct pollfd probe[NFDS];
static int probe_ready;

/* The engine's process: the driver's declaration, whether the last input ran here, and
   whether the current input's begin may take the last done's look. */
static int engine_quiet, last_here, done_holds;

void sfz_fds_engine_quiet(void)
{
    engine_quiet = 1;
}

void sfz_fds_input(int here)
{
    done_holds = engine_quiet && here && last_here;
    last_here = here;
}

int sfz_fds_done_holds(void)
{
    return done_holds;
}

/* Poll descriptors [from, to); 0, or -1 when the kernel refused. The answer is in probe[]'s
   revents (POLLNVAL: closed), read by the callers in the same pass that judges it: under a
   sanitizer and the engine's comparison tracing, every pass over ~70 entries costs. */
static int look(unsigned from, unsigned to)
{
    if (!probe_ready) {
        for (int i = 0; i < NFDS; i++)
            probe[i] = (struct pollfd){i, 0, 0};
        probe_ready = 1;
    }
    /* the system call itself, not libc's poll: a sanitizer intercepts poll and checks every
       entry of the array twice, which cost more than the kernel's look (the array is the
       harness's own, nothing to check) */
    static const struct timespec now = {0, 0};
    if (syscall(SYS_ppoll, probe + from, (unsigned long)(to - from), &now, NULL, 0) < 0)
        return -1;
    return 0;
}

/* The look's answer for [from, to) into S; returns where the first HELD + 1 free numbers
   counted from 0 end (*NFREE: those below FROM), or 0 if they do not by TO. */
SFZ_OWN_SCAN static unsigned take(struct sfz_fdset *s, unsigned from, unsigned to, unsigned *nfree)
{
    unsigned reach = 0;
    for (unsigned i = from; i < to; i++) {
        unsigned closed = ((unsigned)probe[i].revents & POLLNVAL) / POLLNVAL;
        s->open[i] = (unsigned char)(closed ^ 1u);
        *nfree += closed;
        if (reach == 0 && *nfree > HELD)
            reach = i + 1;
    }
    return reach;
}

void sfz_fds_snapshot(struct sfz_fdset *s, unsigned hint)
{
    unsigned first = hint > 0 && hint < NFDS ? hint : FIRST_LOOK, nfree = 0;
    if (look(0, first) == 0 && (s->reach = take(s, 0, first, &nfree)) != 0)
        return;
    if (look(first, NFDS) == 0) {
        (void)take(s, first, NFDS, &nfree);
        s->reach = NFDS;
        return;
    }
    memset(s->open, 1, sizeof(s->open)); /* cannot tell: report nothing rather than something false */
    s->reach = NFDS;
}

/* The first number below REACH open in NOW and not in BEFORE, or -1; eight at a time (each byte
   0 or 1). */
SFZ_OWN_SCAN static int first_fresh(const struct sfz_fdset *before, const struct sfz_fdset *now,
                                    unsigned reach)
{
    for (unsigned i = 0; i < reach; i += 8) {
        uint64_t was, is;
        memcpy(&was, before->open + i, sizeof(was));
        memcpy(&is, now->open + i, sizeof(is));
        uint64_t fresh = is & ~was;
        if (reach - i < 8)
            fresh &= (1ull << (8 * (reach - i))) - 1; /* bytes past the reach: not looked at */
        if (fresh != 0) {
            while (!(now->open[i] && !before->open[i])) /* which byte: any byte order */
                i++;
            return (int)i;
        }
    }
    return -1;
}

/* NOW is read only below its reach (the next begin's look, when it is reused, as far as that),
   which is never past BEFORE's: nothing above it is copied. */
int sfz_fds_new(const struct sfz_fdset *before, struct sfz_fdset *now)
{
    unsigned reach = before->reach, nfree = 0;
    if (look(0, reach) != 0) {
        memset(now->open, 1, sizeof(now->open));
        now->reach = 0;
        return -1;
    }
    unsigned next = take(now, 0, reach, &nfree);
    int fd = first_fresh(before, now, reach);
    if (fd >= 0) {
        now->reach = 0;
        return fd;
    }
    now->reach = next;
    return -1;
}
