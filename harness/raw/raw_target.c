/*
 * raw_target.c - fuzz target "raw": the raw op sets alone (seeds and dictionary in corpus/raw).
 */
#include "shmfuzz/raw.h"

SFZ_TARGET(sfz_raw_adapter);
