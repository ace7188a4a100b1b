/*
 * fault_names.h - internal: naming of a fault entry's action, shared by the encoder, the text
 * form and the executor (which needs to know whether a worker's death was planned).
 */
#ifndef SFZ_FAULT_NAMES_H
#define SFZ_FAULT_NAMES_H

#include <string.h>

#include "shmfuzz/program.h"

const char *sfz_crash_name(unsigned crash);
int sfz_crash_lookup(const char *name);
/* 1 and *CRASH set when F crashes rather than returning an errno. */
int sfz_fault_is_crash(const struct sfz_fault *f, unsigned *crash);
const char *sfz_fault_action_name(const struct sfz_fault *f);

#endif /* SFZ_FAULT_NAMES_H */
