/*
 * guard.c - the embedder's guard (shmipc.h): asked after every create and before an object
 * found by key or name is used or removed. Without one libshmipc makes every call as written.
 */
#include "guard.h"

#include <errno.h>
#include <stddef.h>

static const struct shmipc_guard *installed;

void shmipc_set_guard(const struct shmipc_guard *guard)
{
    installed = guard;
}

void shmipc_guard_created(enum shmipc_object kind, int id, const char *name)
{
    int saved = errno;
    if (installed != NULL && installed->created != NULL)
        installed->created(kind, id, name);
    errno = saved;
}

int shmipc_guard_foreign(enum shmipc_object kind, int id, const char *name, int fd)
{
    int saved = errno, foreign = 0;
    if (installed != NULL && installed->foreign != NULL)
        foreign = installed->foreign(kind, id, name, fd);
    errno = saved;
    return foreign;
}
