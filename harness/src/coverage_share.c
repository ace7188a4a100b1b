/*
 * coverage_share.c - let forked workers' coverage reach libFuzzer. libFuzzer reads the inline
 * 8-bit counters (section __sancov_cntrs) of its own process only; remapping the whole pages of
 * that section as MAP_SHARED before the first fork makes every worker increment the same
 * counters. Pages the section shares with other data stay private (remapping them would share
 * unrelated globals), so a few edges at the section's two ends are seen only in-process.
 * AFL++ needs nothing: its map is already a shared segment. Without libFuzzer this is a no-op.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exec_internal.h"

extern uint8_t __start___sancov_cntrs[] __attribute__((weak));
extern uint8_t __stop___sancov_cntrs[] __attribute__((weak));

void sfz_coverage_share(void)
{
    if (__start___sancov_cntrs == NULL || __stop___sancov_cntrs == NULL)
        return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)__start___sancov_cntrs + page - 1) & ~(page - 1);
    uintptr_t hi = (uintptr_t)__stop___sancov_cntrs & ~(page - 1);
    if (hi <= lo)
        return;
    size_t len = hi - lo;
    void *copy = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (copy == MAP_FAILED)
        return;
    memcpy(copy, (void *)lo, len);
    if (mmap((void *)lo, len, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_SHARED | MAP_ANONYMOUS, -1,
             0) != MAP_FAILED)
        memcpy((void *)lo, copy, len);
    munmap(copy, len);
}
