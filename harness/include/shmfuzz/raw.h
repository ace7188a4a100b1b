/*
 * shmfuzz/raw.h - the raw op sets (System V and POSIX shared memory, memfd, System V and POSIX
 * semaphores) as an adapter, like any user's: target "raw". Op reference: docs/program-format.md.
 */
#ifndef SHMFUZZ_RAW_H
#define SHMFUZZ_RAW_H

#include "shmfuzz/adapter.h"

extern const struct sfz_adapter sfz_raw_adapter;

#endif /* SHMFUZZ_RAW_H */
