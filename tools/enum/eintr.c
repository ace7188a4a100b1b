/*
 * eintr.c - when a clean run shows EINTR could not have happened at a point (docs/faults.md,
 * "When EINTR is realistic"). The fault layer writes the facts on the trace line of the calls
 * they are about: "handler" (a signal handler was installed) on the sem_wait family, which
 * fails with EINTR only when a handler ran; "would_sleep" on semop/semtimedop, which return
 * EINTR only after sleeping. A line without its key (an older trace, operations that could not
 * be read) is not judged: EINTR stays.
 */
#include <errno.h>
#include <string.h>

#include "enum.h"
#include "shmfault.h"

int enum_no_eintr(int fn, const char *line)
{
    const char *name = fn >= 0 ? shmfault_function_name((unsigned)fn) : NULL;
    if (name == NULL)
        return 0;
    if (strcmp(name, "sem_wait") == 0 || strcmp(name, "sem_timedwait") == 0 ||
        strcmp(name, "sem_clockwait") == 0)
        return strstr(line, ",\"handler\":false") != NULL;
    if (strcmp(name, "semop") == 0 || strcmp(name, "semtimedop") == 0)
        return strstr(line, ",\"would_sleep\":false") != NULL;
    return 0;
}

unsigned enum_drop_eintr(int *errs, unsigned n, int no_eintr)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < n; i++)
        if (!no_eintr || errs[i] != EINTR)
            errs[kept++] = errs[i];
    return kept;
}
