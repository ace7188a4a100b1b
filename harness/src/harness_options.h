/*
 * harness_options.h - internal: the executor options the drivers read from the environment.
 */
#ifndef SFZ_HARNESS_OPTIONS_H
#define SFZ_HARNESS_OPTIONS_H

#include <stddef.h>

#include "shmfuzz/exec.h"

/* 0, or -1 with a one-line ERR for a bad value or an unknown SHMFUZZ_* variable. */
int sfz_options_from_env(struct sfz_exec_options *opt, char *err, size_t size);

#endif /* SFZ_HARNESS_OPTIONS_H */
