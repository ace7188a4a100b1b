/*
 * afl_identity.c - an AFL++ custom mutator that gives every input back unchanged, so afl-fuzz
 * runs the seed as it is: figure 2's afl-fixed rows (with AFL_CUSTOM_MUTATOR_ONLY), the
 * persistent driver on the ceiling's exact workload, as libfuzzer-fixed is for libFuzzer
 * (docs/bench.md, "afl-fixed"). Built by the afl preset only.
 */
#include <stddef.h>
#include <stdint.h>

void *afl_custom_init(void *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size);
void afl_custom_deinit(void *data);

/* afl-fuzz takes NULL from init as a failure: hand it something that is never read. */
static char state;

void *afl_custom_init(void *afl, unsigned int seed)
{
    (void)afl;
    (void)seed;
    return &state;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size)
{
    (void)data;
    (void)add_buf;
    (void)add_buf_size;
    (void)max_size;
    *out_buf = buf;
    return buf_size;
}

void afl_custom_deinit(void *data)
{
    (void)data;
}
