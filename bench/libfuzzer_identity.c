/*
 * libfuzzer_identity.c - a libFuzzer custom mutator that gives every input back unchanged, for
 * figure 2's libfuzzer-loop rows only (never linked into a fuzzing driver): libFuzzer's own
 * fuzzing loop (-runs=N DIR: mutate, run, collect coverage) on the seed as it is, without
 * -runs=N FILE's read of the file for every run, which no campaign pays. As afl_identity.c is
 * for afl-fixed (docs/bench.md, "libfuzzer-loop").
 */
#include <stddef.h>
#include <stdint.h>

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    (void)data;
    (void)max_size;
    (void)seed;
    return size;
}
