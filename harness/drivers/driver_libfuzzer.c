/*
 * driver_libfuzzer.c - libFuzzer entry points: every input is a program for this target. Half
 * of the mutations are program-level (harness/src/mutate.c), half libFuzzer's own byte
 * mutations, so byte-level discoveries (CMP feedback, dictionaries) still happen.
 */
#include "shmfuzz/driver.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

/* Before libFuzzer allocates its corpus and feature tables (~23 MB a worker would copy). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sfz_engine_init(sfz_target_adapter);
    /* Not sfz_engine_quiet_fds(): between inputs libFuzzer may start the sanitizer's symbolizer
       (its first NEW_FUNC line), whose pipes it keeps (docs/harness.md, Fd checks). */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return sfz_engine_one(sfz_target_adapter, data, size);
}

/* bench/'s libfuzzer-loop row builds this file with SFZ_NO_PROGRAM_MUTATOR and its own identity
   mutator (bench/libfuzzer_identity.c): the same entry points, the seed run unchanged. */
#ifndef SFZ_NO_PROGRAM_MUTATOR
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    size_t n = (seed & 1u) ? sfz_engine_mutate(sfz_target_adapter, data, size, max_size, seed >> 1)
                           : 0;
    return n ? n : LLVMFuzzerMutate(data, size, max_size);
}
#endif
