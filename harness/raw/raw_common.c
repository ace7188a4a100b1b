/*
 * raw_common.c - slot naming and generations for the raw op sets. In a private namespace
 * slot K always has the same key and name, so programs replay identically; without one, the
 * executor's pid is mixed in so a run never opens an object of someone else's.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "../src/exec_internal.h"
#include "raw_state.h"

#define RAW_KEY_BASE 0x53460000

static pid_t run_tag(void)
{
    static pid_t tag;
    if (tag == 0)
        tag = getpid(); /* first called in the executor before any fork, or in-process */
    return tag;
}

key_t raw_key(unsigned slot)
{
    if (sfz_state.private_sysv)
        return (key_t)(RAW_KEY_BASE + (int)slot);
    return (key_t)(0x5300000 + ((run_tag() & 0xffff) << 4) + (int)slot);
}

void raw_name(char *buf, size_t size, const char *kind, unsigned slot)
{
    if (sfz_state.private_posix)
        snprintf(buf, size, "/sfz.%s%u", kind, slot);
    else
        snprintf(buf, size, "/sfz.%d.%s%u", (int)run_tag(), kind, slot);
}

uint16_t raw_new_gen(struct raw_model *m, uint64_t size)
{
    if (m->next_gen + 1u >= RAW_MAX_GENS)
        return 0;
    uint16_t g = ++m->next_gen;
    m->size[g] = size;
    m->tainted[g] = 0;
    return g;
}

int raw_status(long rc)
{
    return rc == -1 ? SFZ_FAILED : SFZ_OK;
}
