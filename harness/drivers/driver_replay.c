/*
 * driver_replay.c - standalone replay: runs saved inputs, prints programs and verdicts
 * (docs/harness.md). This is the binary Valgrind, gdb and CI run.
 */
#include "shmfuzz/driver.h"

int main(int argc, char **argv)
{
    return sfz_replay_main(sfz_target_adapter, argc, argv);
}
