/*
 * driver_afl_mutator.c - the program-level mutator as an AFL++ custom mutator
 * (AFL_CUSTOM_MUTATOR_LIBRARY=sfz-<t>-afl-mutator.so): the same mutations libFuzzer gets from
 * harness/src/mutate.c, next to AFL++'s own havoc. Built with the afl preset, so it is compiled
 * by afl-clang-fast: afl_inert_runtime.S defines the instrumentation's runtime symbols.
 */
#include <stdlib.h>
#include <string.h>

#include "shmfuzz/driver.h"
#include "shmfuzz/program.h"


struct mutator {
    unsigned seed;
    uint8_t buf[SFZ_ENCODED_MAX > 4096 ? SFZ_ENCODED_MAX : 4096];
};

void *afl_custom_init(void *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size);
void afl_custom_deinit(void *data);

void *afl_custom_init(void *afl, unsigned int seed)
{
    (void)afl;
    struct mutator *m = calloc(1, sizeof(*m));
    if (m != NULL)
        m->seed = seed;
    return m;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size)
{
    struct mutator *m = data;
    (void)add_buf, (void)add_buf_size;
    size_t in = buf_size < sizeof(m->buf) ? buf_size : sizeof(m->buf);
    size_t cap = max_size < sizeof(m->buf) ? max_size : sizeof(m->buf);
    memcpy(m->buf, buf, in);
    size_t n = sfz_engine_mutate(sfz_target_adapter, m->buf, in, cap, m->seed++);
    if (n == 0) {
        /* no program-level change applied: one byte flip, so AFL++ still gets a new input */
        n = in ? in : 1;
        m->buf[m->seed % n] ^= (uint8_t)(1u << (m->seed % 8u));
    }
    *out_buf = m->buf;
    return n;
}

void afl_custom_deinit(void *data)
{
    free(data);
}
