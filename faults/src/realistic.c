/*
 * realistic.c - the errnos a valid call on a live object can really get (realistic.def),
 * by function and class of call; the public lookups over that table.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "internal.h"

struct sf_real {
    unsigned fn;
    unsigned long mask, value;
    const char *cls;
    const int *real, *peer; /* 0-terminated */
};

#define SF_LIST(...) __VA_ARGS__
static const struct sf_real rows[] = {
#define SF_REAL(fn, mask, value, cls, real, peer)                                              \
    {SF_FN_##fn, (unsigned long)(mask), (unsigned long)(value), cls,                          \
     (const int[]){SF_LIST real}, (const int[]){SF_LIST peer}},
#include "realistic.def"
#undef SF_REAL
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static const struct sf_real *row_of(unsigned fn, unsigned long cls)
{
    for (unsigned i = 0; i < NROWS; i++)
        if (rows[i].fn == fn && (cls & rows[i].mask) == rows[i].value)
            return &rows[i];
    return NULL;
}

static unsigned copy(const int *list, int *out, unsigned n, unsigned max)
{
    for (; *list != 0; list++, n++)
        if (out != NULL && n < max)
            out[n] = *list;
    return n;
}

unsigned shmfault_errnos_realistic(unsigned fn, unsigned long cls, int peer, int *out,
                                   unsigned max)
{
    const struct sf_real *r = fn < SF_NFN ? row_of(fn, cls) : NULL;
    if (r == NULL)
        return 0;
    unsigned n = copy(r->real, out, 0, max);
    return peer ? copy(r->peer, out, n, max) : n;
}

/* Every row of function FN: what a fault plan armed for the whole function (not one class of
   call) may inject. Each errno once, in row order. */
unsigned shmfault_errnos_realistic_union(unsigned fn, int peer, int *out, unsigned max)
{
    int seen[64]; /* a function documents far fewer errnos than this */
    unsigned n = 0;
    for (unsigned i = 0; fn < SF_NFN && i < NROWS; i++) {
        if (rows[i].fn != fn)
            continue;
        for (unsigned l = 0; l < (peer ? 2u : 1u); l++)
            for (const int *e = l ? rows[i].peer : rows[i].real; *e != 0; e++) {
                unsigned k = 0;
                while (k < n && seen[k] != *e)
                    k++;
                if (k < n || n == sizeof(seen) / sizeof(seen[0]))
                    continue;
                seen[n] = *e;
                if (out != NULL && n < max)
                    out[n] = *e;
                n++;
            }
    }
    return n;
}

const char *shmfault_errnos_class(unsigned fn, unsigned long cls)
{
    const struct sf_real *r = fn < SF_NFN ? row_of(fn, cls) : NULL;
    return r ? r->cls : NULL;
}
