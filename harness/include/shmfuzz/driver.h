/*
 * shmfuzz/driver.h - the two entry points the engine drivers (harness/drivers/) call. Drivers
 * are a few lines each; everything they share lives behind these functions.
 */
#ifndef SHMFUZZ_DRIVER_H
#define SHMFUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "shmfuzz/adapter.h"

/* Set up the executor and start the process that makes its workers, while the engine's heap
   is still small (each worker is a copy of the executor as it was then); optional: the first
   input does it otherwise. */
void sfz_engine_init(const struct sfz_adapter *adapter);

/* The driver's word that its engine opens and closes no file descriptors between two
   sfz_engine_one calls (AFL++'s __AFL_LOOP): a one-process input that follows another in the
   engine's process then takes the last one's descriptor look as its baseline instead of
   looking again (docs/harness.md, Fd checks). Declare it only when it holds: a descriptor the
   engine kept open between inputs would be the next input's fd-leak. */
void sfz_engine_quiet_fds(void);

/* Run one engine input. A finding prints "shmfuzz: FINDING <kind>: <reason>" on stderr and
   abort()s so the engine saves the input; otherwise returns 0. */
int sfz_engine_one(const struct sfz_adapter *adapter, const uint8_t *data, size_t size);

/* Structure-aware mutation for engines with a custom-mutator hook: returns the new size, or 0
   when the engine should mutate bytes itself (also always 0 with SHMFUZZ_MUTATOR=bytes). */
size_t sfz_engine_mutate(const struct sfz_adapter *adapter, uint8_t *data, size_t size,
                         size_t max_size, unsigned seed);

/* The replay program: sfz-<t>-replay [--decode] [--encode -o OUT] [--trace FILE] [--quiet]
   [--abort] FILE... (docs/harness.md). Returns the exit status. */
int sfz_replay_main(const struct sfz_adapter *adapter, int argc, char **argv);

#endif /* SHMFUZZ_DRIVER_H */
