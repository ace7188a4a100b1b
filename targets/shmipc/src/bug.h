/*
 * bug.h - the compile-time switch that turns libshmipc into one entry of the bug catalogue.
 *
 * Built normally, SHMIPC_BUG is 0 and every BUG(x) is false: the hardened library. A catalogue
 * build passes -DSHMIPC_BUG=SHMIPC_BUG_<ID> (targets/bugs/catalogue.tsv, id upper-cased with
 * '-' -> '_'), which re-enables exactly one classic mistake. The numbers are private to this
 * header; the catalogue file is what people and tools read.
 */
#ifndef SHMIPC_BUG_H
#define SHMIPC_BUG_H

#define SHMIPC_BUG_UNCHECKED_SHMAT 1
#define SHMIPC_BUG_LEAK_ON_ERROR 2
#define SHMIPC_BUG_SIZE_MISMATCH 3
#define SHMIPC_BUG_MISSING_NUL 4
#define SHMIPC_BUG_USE_AFTER_SHMDT 5
#define SHMIPC_BUG_DOUBLE_SHMDT 6
#define SHMIPC_BUG_RING_OFF_BY_ONE 7
#define SHMIPC_BUG_SEMOP_EINTR_IGNORED 8
#define SHMIPC_BUG_CONSUMER_HANG 9
#define SHMIPC_BUG_RMID_EARLY 10
#define SHMIPC_BUG_POSIX_NAME_LEAK 11
#define SHMIPC_BUG_WORLD_WRITABLE 12
#define SHMIPC_BUG_LOST_UPDATE 13
#define SHMIPC_BUG_HANDLE_LEAK 14
#define SHMIPC_BUG_TRUSTS_PEER_INDEX 15
#define SHMIPC_BUG_DOUBLE_FETCH_LEN 16
#define SHMIPC_BUG_DOUBLE_FETCH_INDEX 17
#define SHMIPC_BUG_DOUBLE_FETCH_HEADER 18

#ifndef SHMIPC_BUG
#define SHMIPC_BUG 0
#endif

/* True only in the catalogue build of bug ID. */
#define BUG(id) (SHMIPC_BUG == SHMIPC_BUG_##id)

#include <stdint.h>

/*
 * The second read of a double fetch (the double-fetch-* entries): a field of shared memory
 * read again after its first read was checked. In the code these bugs come from, nothing
 * forces the second load but nothing prevents it either: the check and the use sit in
 * different functions, or a call the compiler cannot see through (a semop, a log line, a
 * helper in another file) lies between them, so the compiler must load again. Here check and
 * use are a few lines apart and an optimiser could merge the two loads, which would hide the
 * bug in some builds and not others; the volatile access makes the second load certain in
 * every build. The hardened code reads each such field once, with an atomic load into a local,
 * and uses only the local.
 */
static inline uint32_t shmipc_refetch_u32(const uint32_t *shared)
{
    return *(const volatile uint32_t *)shared;
}

#endif /* SHMIPC_BUG_H */
