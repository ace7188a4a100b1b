/*
 * shmfuzz/mutate.h - structure-aware mutation of a program input (libFuzzer's custom mutator;
 * usable by any engine that accepts one). See harness/src/mutate.c.
 */
#ifndef SHMFUZZ_MUTATE_H
#define SHMFUZZ_MUTATE_H

#include <stddef.h>
#include <stdint.h>

#include "shmfuzz/program.h"

/*
 * Decode DATA (SIZE bytes, any content), apply one to three program-level mutations chosen by
 * SEED and write the canonical encoding back into DATA. Returns the new size, or 0 when no
 * mutation applied or the result exceeds MAX_SIZE (DATA is then unchanged).
 */
size_t sfz_mutate(const struct sfz_opset *set, uint8_t *data, size_t size, size_t max_size,
                  uint64_t seed);

#endif /* SHMFUZZ_MUTATE_H */
