/*
 * sysv_segment.h - System V shared memory segments as libshmipc uses them: created exclusively,
 * removed again if anything after shmget fails, opened with their real size from IPC_STAT.
 */
#ifndef SHMIPC_SYSV_SEGMENT_H
#define SHMIPC_SYSV_SEGMENT_H

#include <stddef.h>
#include <sys/ipc.h> /* key_t, even in strict C11 */
#include <sys/types.h>

struct shmipc_segment {
    int id;       /* shmid, -1 when none */
    void *base;   /* attach address, NULL when detached */
    size_t size;  /* the kernel's size of the segment (IPC_STAT), not what the caller hoped */
};

/* shmget(IPC_CREAT|IPC_EXCL|MODE) + shmat; on failure nothing is left behind. */
int shmipc_segment_create(key_t key, size_t size, int mode, struct shmipc_segment *seg);
/* shmget(key, 0, 0) + IPC_STAT + shmat. */
int shmipc_segment_open(key_t key, struct shmipc_segment *seg);
/* shmdt once; after success a second call is a no-op, after failure it retries. */
int shmipc_segment_detach(struct shmipc_segment *seg);
/* IPC_RMID: the segment disappears at its last detach. On failure the id is kept (retry). */
int shmipc_segment_remove(struct shmipc_segment *seg);

#endif /* SHMIPC_SYSV_SEGMENT_H */
