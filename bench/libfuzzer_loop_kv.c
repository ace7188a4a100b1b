/*
 * libfuzzer_loop_kv.c - the shmipc-kv libFuzzer driver as figure 2's libfuzzer-loop row runs
 * it: the same entry points as harness/drivers/driver_libfuzzer.c, linked with the same
 * adapter objects and harness, but with libfuzzer_identity.c's mutator instead of the program
 * mutator, so libFuzzer's fuzzing loop runs the seed unchanged (bench/programs.cmake).
 */
#include "shmfuzz/driver.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sfz_engine_init(sfz_target_adapter);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return sfz_engine_one(sfz_target_adapter, data, size);
}
