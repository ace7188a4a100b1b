/*
 * oracle_fds.c - fd-leak oracle: which descriptors a worker holds before its first op and after
 * worker_done. One poll() over the first 256 descriptors answers for all of them (POLLNVAL
 * marks a closed one), so a look costs one system call instead of a /proc/self/fd walk; the
 * array is filled once, the kernel only writes revents.
 * A look is needed only where descriptors can have changed: the state after an input's
 * fd check is the state before the next one's first op when nothing ran in between (a forked
 * worker only waits on its slot: sfz_fds_keep), so the begin reuses it.
 */
#include <poll.h>
#include <string.h>

#include "exec_internal.h"

#define NFDS 256

static struct pollfd probe[NFDS];
static int probe_ready;

void sfz_fds_snapshot(struct sfz_fdset *s)
{
    if (!probe_ready) {
        for (int i = 0; i < NFDS; i++)
            probe[i] = (struct pollfd){i, 0, 0};
        probe_ready = 1;
    }
    if (poll(probe, NFDS, 0) < 0) {
        memset(s->open, 1, sizeof(s->open)); /* cannot tell: report nothing rather than something false */
        return;
    }
    for (int i = 0; i < NFDS; i++)
        s->open[i] = !(probe[i].revents & POLLNVAL);
}

int sfz_fds_new(const struct sfz_fdset *before, struct sfz_fdset *now)
{
    sfz_fds_snapshot(now);
    for (int i = 0; i < NFDS; i++)
        if (now->open[i] && !before->open[i])
            return i;
    return -1;
}
