/*
 * driver_libfuzzer.c - libFuzzer entry point: every input is a program for this target.
 */
#include "shmfuzz/driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return sfz_engine_one(sfz_target_adapter, data, size);
}
