/*
 * oracle_fds.c - fd-leak oracle: which descriptors a worker holds before its first op and after
 * worker_done. One poll() over the first 256 descriptors answers for all of them (POLLNVAL
 * marks a closed one), so the check costs one system call instead of a /proc/self/fd walk.
 */
#include <poll.h>

#include "exec_internal.h"

#define NFDS 256

void sfz_fds_snapshot(struct sfz_fdset *s)
{
    struct pollfd p[NFDS];
    for (int i = 0; i < NFDS; i++)
        p[i] = (struct pollfd){i, 0, 0};
    if (poll(p, NFDS, 0) < 0) {
        for (int i = 0; i < NFDS; i++)
            s->open[i] = 1; /* cannot tell: report nothing rather than something false */
        return;
    }
    for (int i = 0; i < NFDS; i++)
        s->open[i] = !(p[i].revents & POLLNVAL);
}

int sfz_fds_new(const struct sfz_fdset *before)
{
    struct sfz_fdset now;
    sfz_fds_snapshot(&now);
    for (int i = 0; i < NFDS; i++)
        if (now.open[i] && !before->open[i])
            return i;
    return -1;
}
